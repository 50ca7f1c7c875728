/*
 * Reliable delivery of control messages, RFC 2661 §5.8: Ns/Nr sequencing,
 * the peer's receive window, retransmission with exponential backoff, ZLB
 * acknowledgements (delayed; a message we send carries the ack instead),
 * duplicates acknowledged and dropped, out-of-order messages queued until the
 * gap is filled. Knows nothing about what the messages mean. Internal.
 */
#ifndef L2TPSEC_L2TP_RELIABLE_H
#define L2TPSEC_L2TP_RELIABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/log.h"
#include "lib/loop.h"

#define L2TP_REL_MAX_RWIN 64 /* the most out-of-order messages we queue */
#define L2TP_REL_MAX_TXQ  32 /* messages waiting for the peer's ack or window */

struct l2tp_rel_ops {
	/* Put one complete datagram on the wire. */
	int (*xmit)(void *ctx, const uint8_t *buf, size_t len);
	/* One control message (whole, header included), in Ns order, once. */
	void (*deliver)(void *ctx, const uint8_t *msg, size_t len);
	/* A message went unacknowledged max_tries times: the peer is gone. */
	void (*failed)(void *ctx);
	/* Every message we sent has been acknowledged (may be NULL). */
	void (*all_acked)(void *ctx);
};

struct l2tp_rel_params {
	unsigned rtx_initial_ms; /* first retransmission timeout (1000) */
	unsigned rtx_max_ms;     /* backoff cap (8000) */
	unsigned max_tries;      /* retransmissions before giving up (5) */
	unsigned ack_delay_ms;   /* ZLB delay when nothing else carries the ack */
	uint16_t rwin;           /* our receive window, as advertised in SCCRQ */
};

struct l2tp_rel_slot {
	uint8_t *buf; /* heap copy; NULL = empty */
	size_t len;
};

struct l2tp_rel_stats {
	uint64_t sent, retransmitted, received, duplicates, queued_out_of_order, zlb_sent,
	    zlb_received, dropped_outside_window;
};

struct l2tp_rel {
	struct loop *loop;
	const struct logger *lg;
	const struct l2tp_rel_ops *ops;
	void *ctx;
	struct l2tp_rel_params p;
	uint16_t peer_tunnel_id; /* header of the ZLBs we send */
	uint16_t ns_next;        /* Ns of our next new message */
	uint16_t nr_next;        /* Ns we expect next from the peer: our Nr */
	uint16_t peer_nr;        /* oldest Ns of ours not acknowledged */
	uint16_t peer_rwin;      /* §5.8: 4 unless the peer says otherwise */
	/* txq[i] holds Ns peer_nr + i; those below peer_rwin are on the wire */
	struct l2tp_rel_slot txq[L2TP_REL_MAX_TXQ];
	size_t txq_len;
	size_t txq_sent; /* txq entries transmitted at least once */
	/* rxq[i] holds the peer's Ns nr_next + i (i > 0; slot 0 never used) */
	struct l2tp_rel_slot rxq[L2TP_REL_MAX_RWIN];
	unsigned tries;
	unsigned rto_ms;
	struct loop_timer rtx_timer;
	struct loop_timer ack_timer;
	bool stopped; /* after failure or l2tp_rel_reset: no more timers */
	struct l2tp_rel_stats stats;
};

void l2tp_rel_init(struct l2tp_rel *rel, struct loop *loop, const struct logger *lg,
                   const struct l2tp_rel_params *p, const struct l2tp_rel_ops *ops, void *ctx);
/* Drop all queued messages and stop timers; sequence numbers start at 0. */
void l2tp_rel_reset(struct l2tp_rel *rel);
void l2tp_rel_free(struct l2tp_rel *rel);
/* Stop timers and ignore all further input; queues stay until reset/free.
 * Safe inside any of the ops callbacks. */
void l2tp_rel_stop(struct l2tp_rel *rel);

/* Forget our unacknowledged messages and stop retransmitting them, but keep
 * the sequence state: duplicates of what the peer sent are still acked. */
void l2tp_rel_drop_sent(struct l2tp_rel *rel);
/* The time a peer with our parameters retransmits one message before giving
 * up: RFC 2661 §5.7's "full retransmission cycle" (31 s with the defaults). */
uint64_t l2tp_rel_cycle_ms(const struct l2tp_rel_params *p);

/* Queue a complete control message (l2tp_ctrl_begin/finish); Ns and Nr are
 * stamped here. Sent at once when the peer's window allows. Returns 0, or -1
 * when the queue is full or out of memory. */
int l2tp_rel_send(struct l2tp_rel *rel, const uint8_t *msg, size_t len);

/* A control message from the peer with the given header fields. is_zlb: no
 * AVPs. Processes Nr, then delivers in order what has become deliverable. */
void l2tp_rel_input(struct l2tp_rel *rel, uint16_t ns, uint16_t nr, bool is_zlb, const uint8_t *msg,
                    size_t len);

void l2tp_rel_set_peer_rwin(struct l2tp_rel *rel, uint16_t rwin);
/* Send the pending acknowledgement now as a ZLB, if one is due. */
void l2tp_rel_flush_ack(struct l2tp_rel *rel);
/* Messages not yet acknowledged by the peer. */
size_t l2tp_rel_outstanding(const struct l2tp_rel *rel);

#endif
