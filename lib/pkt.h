/*
 * A packet in one buffer with headroom in front of the data, for the
 * userspace data path: each layer going down pushes its header in front of
 * the payload (PPP protocol, L2TP header, then ESP encrypts in place), and
 * going up pulls its header off, so a packet read from TUN or the socket is
 * never copied between layers. Same fields as esp/esp_pkt.h's struct
 * esp_pkt, which the ESP layer uses on the same storage.
 */
#ifndef L2TPSEC_LIB_PKT_H
#define L2TPSEC_LIB_PKT_H

#include <stddef.h>
#include <stdint.h>

struct pkt {
	uint8_t *head; /* start of the storage */
	size_t cap;    /* bytes of storage */
	size_t off;    /* data starts at head + off */
	size_t len;    /* bytes of data */
};

static inline uint8_t *pkt_data(const struct pkt *p)
{
	return p->head + p->off;
}

/* Room for n more header bytes in front of the data: the new start of the
 * data, or NULL (nothing changed) when the headroom is too small. */
static inline uint8_t *pkt_push(struct pkt *p, size_t n)
{
	if (p->off < n)
		return NULL;
	p->off -= n;
	p->len += n;
	return p->head + p->off;
}

/* Drops n bytes from the front of the data; NULL when there are fewer. */
static inline uint8_t *pkt_pull(struct pkt *p, size_t n)
{
	if (p->len < n)
		return NULL;
	p->off += n;
	p->len -= n;
	return p->head + p->off;
}

#endif
