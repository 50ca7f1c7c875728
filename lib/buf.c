#include "lib/buf.h"

#include <string.h>

void br_init(struct buf_reader *r, const void *data, size_t len)
{
	r->data = data;
	r->len = data ? len : 0;
	r->off = 0;
	r->error = false;
}

size_t br_remaining(const struct buf_reader *r)
{
	return r->len - r->off;
}

/* The one bounds check every read goes through. Once a read has failed the
 * reader stays failed: later reads cannot succeed on a misaligned stream. */
static const uint8_t *br_take(struct buf_reader *r, size_t n)
{
	const uint8_t *p;

	if (r->error || n > br_remaining(r)) {
		r->error = true;
		return NULL;
	}
	p = r->data + r->off;
	r->off += n;
	return p;
}

int br_u8(struct buf_reader *r, uint8_t *v)
{
	const uint8_t *p = br_take(r, 1);

	if (!p)
		return -1;
	*v = p[0];
	return 0;
}

int br_u16(struct buf_reader *r, uint16_t *v)
{
	const uint8_t *p = br_take(r, 2);

	if (!p)
		return -1;
	*v = get_be16(p);
	return 0;
}

int br_u32(struct buf_reader *r, uint32_t *v)
{
	const uint8_t *p = br_take(r, 4);

	if (!p)
		return -1;
	*v = get_be32(p);
	return 0;
}

int br_u64(struct buf_reader *r, uint64_t *v)
{
	const uint8_t *p = br_take(r, 8);

	if (!p)
		return -1;
	*v = (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
	return 0;
}

int br_bytes(struct buf_reader *r, void *out, size_t n)
{
	const uint8_t *p = br_take(r, n);

	if (!p)
		return -1;
	if (n)
		memcpy(out, p, n);
	return 0;
}

int br_ptr(struct buf_reader *r, const uint8_t **p, size_t n)
{
	const uint8_t *q = br_take(r, n);

	if (!q)
		return -1;
	*p = q;
	return 0;
}

int br_skip(struct buf_reader *r, size_t n)
{
	return br_take(r, n) ? 0 : -1;
}

int br_sub(struct buf_reader *r, struct buf_reader *sub, size_t n)
{
	const uint8_t *p = br_take(r, n);

	if (!p) {
		br_init(sub, NULL, 0);
		sub->error = true;
		return -1;
	}
	br_init(sub, p, n);
	return 0;
}

void bw_init(struct buf_writer *w, void *data, size_t cap)
{
	w->data = data;
	w->cap = data ? cap : 0;
	w->len = 0;
	w->error = false;
}

uint8_t *bw_reserve(struct buf_writer *w, size_t n)
{
	uint8_t *p;

	if (w->error || n > w->cap - w->len) {
		w->error = true;
		return NULL;
	}
	p = w->data + w->len;
	w->len += n;
	return p;
}

int bw_u8(struct buf_writer *w, uint8_t v)
{
	uint8_t *p = bw_reserve(w, 1);

	if (!p)
		return -1;
	p[0] = v;
	return 0;
}

int bw_u16(struct buf_writer *w, uint16_t v)
{
	uint8_t *p = bw_reserve(w, 2);

	if (!p)
		return -1;
	put_be16(p, v);
	return 0;
}

int bw_u32(struct buf_writer *w, uint32_t v)
{
	uint8_t *p = bw_reserve(w, 4);

	if (!p)
		return -1;
	put_be32(p, v);
	return 0;
}

int bw_u64(struct buf_writer *w, uint64_t v)
{
	uint8_t *p = bw_reserve(w, 8);

	if (!p)
		return -1;
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
	return 0;
}

int bw_bytes(struct buf_writer *w, const void *src, size_t n)
{
	uint8_t *p = bw_reserve(w, n);

	if (!p)
		return -1;
	if (n)
		memcpy(p, src, n);
	return 0;
}

int bw_zero(struct buf_writer *w, size_t n)
{
	uint8_t *p = bw_reserve(w, n);

	if (!p)
		return -1;
	memset(p, 0, n);
	return 0;
}

int bw_put_u16_at(struct buf_writer *w, size_t off, uint16_t v)
{
	if (off > w->len || w->len - off < 2)
		return -1;
	put_be16(w->data + off, v);
	return 0;
}

int bw_put_u32_at(struct buf_writer *w, size_t off, uint32_t v)
{
	if (off > w->len || w->len - off < 4)
		return -1;
	put_be32(w->data + off, v);
	return 0;
}
