/*
 * Bounds-checked reading and writing of network-byte-order data.
 *
 * Every parser in l2tpsec reads peer input through a buf_reader: a read that
 * would go past the end fails, reads nothing, and sets a sticky error flag, so
 * a parser may do a run of reads and check br_ok() once at the end. Writers
 * work the same way on a caller-provided buffer and never grow it.
 */
#ifndef L2TPSEC_LIB_BUF_H
#define L2TPSEC_LIB_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf_reader {
	const uint8_t *data;
	size_t len;
	size_t off;
	bool error;
};

void br_init(struct buf_reader *r, const void *data, size_t len);
/* Each returns 0, or -1 (and sets r->error) when fewer bytes remain than asked. */
int br_u8(struct buf_reader *r, uint8_t *v);
int br_u16(struct buf_reader *r, uint16_t *v);
int br_u32(struct buf_reader *r, uint32_t *v);
int br_u64(struct buf_reader *r, uint64_t *v);
int br_bytes(struct buf_reader *r, void *out, size_t n);
/* Zero-copy: *p points into the reader's buffer. */
int br_ptr(struct buf_reader *r, const uint8_t **p, size_t n);
int br_skip(struct buf_reader *r, size_t n);
/* Split off the next n bytes as a reader of their own (nested structures). */
int br_sub(struct buf_reader *r, struct buf_reader *sub, size_t n);
size_t br_remaining(const struct buf_reader *r);
static inline bool br_ok(const struct buf_reader *r)
{
	return !r->error;
}

struct buf_writer {
	uint8_t *data;
	size_t cap;
	size_t len;
	bool error;
};

void bw_init(struct buf_writer *w, void *data, size_t cap);
int bw_u8(struct buf_writer *w, uint8_t v);
int bw_u16(struct buf_writer *w, uint16_t v);
int bw_u32(struct buf_writer *w, uint32_t v);
int bw_u64(struct buf_writer *w, uint64_t v);
int bw_bytes(struct buf_writer *w, const void *src, size_t n);
int bw_zero(struct buf_writer *w, size_t n);
/* Reserve n bytes to fill later (e.g. a length field); NULL when full. */
uint8_t *bw_reserve(struct buf_writer *w, size_t n);
/* Overwrite already-written bytes at offset off (length fields). */
int bw_put_u16_at(struct buf_writer *w, size_t off, uint16_t v);
int bw_put_u32_at(struct buf_writer *w, size_t off, uint32_t v);
static inline bool bw_ok(const struct buf_writer *w)
{
	return !w->error;
}

/* Plain big-endian loads and stores for code that already checked bounds. */
static inline uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}
static inline uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static inline void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif
