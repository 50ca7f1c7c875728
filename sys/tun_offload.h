/*
 * TCP offloads of a TUN device opened with IFF_VNET_HDR (sys/tun.h): every
 * read and write carries a struct virtio_net_hdr in front of the packet.
 *  - out: with TSO4/TSO6 the kernel hands us TCP super-packets of up to
 *    64 KiB (one read instead of one per segment); tun_gso_* cuts them into
 *    MSS-sized segments with their IP and TCP headers and checksums;
 *  - in:  tun_gro_* coalesces consecutive in-order TCP segments of one flow
 *    into one super-packet and one write (GRO), as wireguard-go does.
 * Pure packet work on caller buffers, no allocation; bad input is refused.
 */
#ifndef L2TPSEC_SYS_TUN_OFFLOAD_H
#define L2TPSEC_SYS_TUN_OFFLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TUN_VNET_HDR_LEN 10 /* struct virtio_net_hdr */
#define TUN_MAX_SUPER    65535

/* Segmentation of one read: the virtio header, then one IP packet. */
struct tun_gso_iter {
	const uint8_t *pkt; /* the IP packet after the header */
	size_t len;
	uint8_t flags, gso_type;
	uint16_t gso_size, csum_start, csum_offset;
	size_t ihl, hdr_len; /* IP header; IP + TCP headers */
	size_t next;         /* offset of the next segment's payload */
	unsigned idx;
	bool gso, done;
};

/* buf, len: what one read() from the device returned. 0, or -1 for a
 * malformed or unsupported packet (drop it). */
int tun_gso_start(struct tun_gso_iter *it, const uint8_t *buf, size_t len);
/* The next IP packet, checksums complete, into out: its length, 0 when
 * there are no more, -1 when it does not fit cap bytes. */
ssize_t tun_gso_next(struct tun_gso_iter *it, uint8_t *out, size_t cap);

/* Coalescing of packets written to the device. */
struct tun_gro {
	uint8_t buf[TUN_VNET_HDR_LEN + TUN_MAX_SUPER]; /* header, then the packet */
	size_t len;                                    /* of the pending packet, 0: none */
	unsigned segs;
	size_t ihl, hdr_len, seg_size;
	uint32_t next_seq;
	bool ipv6, closed;
	uint64_t writes, packets; /* for the bench: packets per write */
};

void tun_gro_init(struct tun_gro *g);
/* One IP packet for the device on fd: joined to the pending super-packet
 * when it continues it, else the pending one is written first. 0, or -1
 * when a write failed (a full queue drops, as a full link would). */
int tun_gro_add(struct tun_gro *g, int fd, const uint8_t *pkt, size_t len);
/* Writes the pending packet; call at the end of each batch read. */
int tun_gro_flush(struct tun_gro *g, int fd);

#endif
