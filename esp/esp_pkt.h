/*
 * Packet buffers for the userspace ESP hot path: one contiguous buffer with
 * headroom in front of the data (room for ESP header, IV and the inner UDP
 * header to be prepended) and tailroom behind it (padding, pad length, next
 * header and ICV). Encryption and decryption work in place and only move
 * off/len; nothing is allocated per packet.
 */
#ifndef L2TPSEC_ESP_PKT_H
#define L2TPSEC_ESP_PKT_H

#include <stddef.h>
#include <stdint.h>

/* SPI + sequence number (8) + IV (at most 16) + inner UDP header (8). */
#define ESP_PKT_HEADROOM 32
/* Padding (at most 15 with our minimal padding) + 2 + ICV (at most 32). */
#define ESP_PKT_TAILROOM 49
/* Largest L2TP datagram we carry: a PPP frame of MRU 1500 plus L2TP headers
 * fits with room to spare; anything larger is refused, not fragmented. */
#define ESP_PKT_MAX_PAYLOAD 2048
#define ESP_PKT_BUFSIZE     (ESP_PKT_HEADROOM + ESP_PKT_MAX_PAYLOAD + ESP_PKT_TAILROOM)

struct esp_pkt {
	uint8_t *head; /* start of the storage */
	size_t cap;    /* bytes of storage */
	size_t off;    /* data starts at head + off */
	size_t len;    /* bytes of data */
};

/* An empty packet whose data will start after headroom bytes. */
static inline void esp_pkt_init(struct esp_pkt *p, uint8_t *storage, size_t cap, size_t headroom)
{
	p->head = storage;
	p->cap = cap;
	p->off = headroom < cap ? headroom : cap;
	p->len = 0;
}

static inline uint8_t *esp_pkt_data(const struct esp_pkt *p)
{
	return p->head + p->off;
}

static inline size_t esp_pkt_tailroom(const struct esp_pkt *p)
{
	return p->cap - p->off - p->len;
}

#endif
