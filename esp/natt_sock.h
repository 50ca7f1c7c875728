/*
 * The owner of the NAT-T socket's traffic on the userspace data path.
 *
 * IKE opens, connects and closes the UDP 4500 socket; on the userspace path
 * this object does all the reading from it and the data sending on it:
 *  - in:  recvmmsg(2) of up to NATT_BATCH datagrams into buffers it owns,
 *         with UDP GRO where the kernel has it (a run of one flow's
 *         datagrams in one buffer, split again by the cmsg's size);
 *         ESP (RFC 3948 §2.2: first four bytes non-zero) is decrypted in the
 *         buffer it was read into and the L2TP datagram handed up; IKE (the
 *         zero non-ESP marker) and NAT-T keepalives go to non_esp unchanged.
 *  - out: the caller takes a buffer (natt_sock_tx_slot), builds its packet
 *         there with the headers of every layer in front of the payload,
 *         queues it (encrypted in place), and natt_sock_flush() sends the
 *         queue with one sendmmsg(2); runs of equal-size packets go as one
 *         UDP GSO message (UDP_SEGMENT) where the kernel can.
 * Nothing is allocated or logged per packet.
 */
#ifndef L2TPSEC_ESP_NATT_SOCK_H
#define L2TPSEC_ESP_NATT_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp/esp.h"

#define NATT_BATCH 32
/* Bytes in front of the payload of a tx slot: ESP header, IV and inner UDP
 * header (ESP_PKT_HEADROOM), and up to 32 bytes for the layers above. */
#define NATT_TX_HEADROOM (ESP_PKT_HEADROOM + 32)
/* Largest datagram read: an IKE message (8192) with its marker, or ESP. */
#define NATT_RX_MAX 8320
/* A receive buffer: room for what UDP GRO hands over at once (at most 64
 * datagrams and 64 KiB, Linux's UDP_GRO_CNT_MAX and the IP length). */
#define NATT_RX_SLOT      65536
#define NATT_GRO_MAX_SEGS 64
/* The receive buffer asked for (the kernel doubles it for its overhead):
 * the gateway's kernel sends a TCP window in one burst, faster than a
 * process that shares the CPU with it reads; at the default 208 KiB
 * (about 90 ESP datagrams) the rest of the burst is dropped and the
 * download's TCP backs off (issue 16). wireguard-go asks for 7 MiB. */
#define NATT_RCVBUF (4 << 20)
/* The send buffer asked for. A UDP GSO run of up to 64 KiB is charged to
 * the socket until the next hop's receive softirq takes it; on a CPU shared
 * with that softirq, three runs fill the default 208 KiB, sendmmsg fails
 * with EAGAIN and the rest of the batch is lost like on a full link (on a
 * loaded host, 2 Mbit/s each way for 5 min: 8 SndbufErrors, 232 TCP
 * retransmits; the kernel path, whose ESP runs in the sender's context,
 * lost none). */
#define NATT_SNDBUF (4 << 20)
/* recvmmsg batches read per readable event while they come back full. */
#define NATT_READS_PER_WAKEUP 4

struct natt_sock;

struct natt_sock_callbacks {
	/* A datagram that is not ESP (IKE with its zero marker, a keepalive),
	 * as received: for ike_natt_input(). */
	void (*non_esp)(void *ctx, const uint8_t *buf, size_t len);
	/* One decrypted L2TP datagram (inner UDP payload), valid until return. */
	void (*l2tp)(void *ctx, uint8_t *buf, size_t len);
};

/* Counters, so the cost per packet is visible (l2tpsec status, bench). */
struct natt_stats {
	uint64_t rx_calls, rx_datagrams, rx_esp, rx_dropped;
	uint64_t rx_gro_buffers; /* buffers that held more than one datagram */
	uint64_t tx_calls, tx_packets, tx_gso_runs, tx_dropped;
	bool gso;   /* UDP GSO still in use (off after the kernel refused it) */
	bool gro;   /* UDP GRO on for the current socket */
	int rcvbuf; /* the socket's SO_RCVBUF as the kernel reports it */
	int sndbuf; /* and its SO_SNDBUF */
};

/* dp: the userspace data path whose SAs en- and decrypt. NULL on ENOMEM. */
struct natt_sock *natt_sock_new(struct esp_datapath *dp, const struct natt_sock_callbacks *cb,
                                void *ctx);
void natt_sock_free(struct natt_sock *ns);
/* How long the datagram being dispatched waited in the socket's receive
 * queue: for queue management above us (lib/codel.h), since the kernel
 * stamps each datagram on arrival (SO_TIMESTAMPNS). Times in ns of
 * CLOCK_REALTIME, read once per recvmmsg; sojourn 0 where no stamp came. */
struct natt_rx_wait {
	uint64_t now_ns;
	uint64_t sojourn_ns;
	bool queue_empty; /* the last datagram of a batch that drained the socket */
};

/* The connected NAT-T socket (IKE's), or -1 when it is gone. Its receive
 * and send buffers grow to NATT_RCVBUF and NATT_SNDBUF (beyond
 * net.core.rmem_max / wmem_max with CAP_NET_ADMIN, else up to them), and it
 * time-stamps what it receives. */
void natt_sock_set_fd(struct natt_sock *ns, int fd);
/* Turns UDP GSO off (tests; kernels that refuse it turn it off themselves). */
void natt_sock_set_gso(struct natt_sock *ns, bool on);
/* Turns UDP GRO on (the default, where the kernel accepts it) or off. */
void natt_sock_set_gro(struct natt_sock *ns, bool on);

/* The datagrams in a buffer of len bytes that UDP GRO filled with segments
 * of seg_size bytes (the last one may be shorter; seg_size 0: one datagram).
 * Writes up to max lengths, returns how many. */
unsigned natt_gro_split(size_t len, size_t seg_size, size_t *lens, unsigned max);

/* One recvmmsg(2) batch, dispatched. The number of datagrams read (GRO
 * buffers counted by what they held; 0 when none was waiting) or -1 on a
 * socket error. */
int natt_sock_read(struct natt_sock *ns);
/* Batches until one comes back short (the queue is drained) or after
 * max_batches: one readable event empties a burst without a return to
 * epoll per batch. Datagrams read, or -1 when the first read failed. */
int natt_sock_read_burst(struct natt_sock *ns, unsigned max_batches);

/* An empty packet in the next free tx buffer, data to start after
 * NATT_TX_HEADROOM; *room is how many payload bytes fit. Flushes first when
 * the queue is full. 0, or -1 when no socket is set. */
int natt_sock_tx_slot(struct natt_sock *ns, struct esp_pkt *pkt, size_t *room);
/* pkt (from natt_sock_tx_slot, now holding an L2TP datagram) is encrypted
 * on the newest SA in place and queued. 0, or -1 (dropped, counted). */
int natt_sock_tx_queue(struct natt_sock *ns, struct esp_pkt *pkt);
/* Sends what is queued. Returns the packets sent; a full socket buffer
 * drops the rest as a full link would (counted). */
int natt_sock_flush(struct natt_sock *ns);

void natt_sock_get_stats(const struct natt_sock *ns, struct natt_stats *st);
/* For the datagram being dispatched (valid in the callbacks). */
void natt_sock_rx_wait(const struct natt_sock *ns, struct natt_rx_wait *w);

#endif
