/*
 * Reliable delivery of control messages, RFC 2661 §5.8. Sequence numbers are
 * 16-bit and compared modulo 2^16: a message whose Ns is "behind" our Nr is a
 * duplicate (acknowledged again and dropped), one "ahead" by less than our
 * window is kept until the gap before it is filled.
 */
#include <stdlib.h>
#include <string.h>

#include "l2tp/proto.h"
#include "l2tp/reliable.h"
#include "lib/buf.h"
#include "lib/util.h"

static void rtx_fired(struct loop *loop, struct loop_timer *t, void *ctx);
static void ack_fired(struct loop *loop, struct loop_timer *t, void *ctx);

void l2tp_rel_init(struct l2tp_rel *rel, struct loop *loop, const struct logger *lg,
                   const struct l2tp_rel_params *p, const struct l2tp_rel_ops *ops, void *ctx)
{
	memset(rel, 0, sizeof(*rel));
	rel->loop = loop;
	rel->lg = lg;
	rel->ops = ops;
	rel->ctx = ctx;
	rel->p = *p;
	if (rel->p.rwin == 0 || rel->p.rwin > L2TP_REL_MAX_RWIN)
		rel->p.rwin = L2TP_REL_MAX_RWIN;
	loop_timer_init(&rel->rtx_timer, rtx_fired, rel);
	loop_timer_init(&rel->ack_timer, ack_fired, rel);
	rel->peer_rwin = 4;
	rel->rto_ms = rel->p.rtx_initial_ms;
}

static void slot_clear(struct l2tp_rel_slot *s)
{
	free(s->buf);
	s->buf = NULL;
	s->len = 0;
}

void l2tp_rel_reset(struct l2tp_rel *rel)
{
	for (size_t i = 0; i < L2TP_REL_MAX_TXQ; i++)
		slot_clear(&rel->txq[i]);
	for (size_t i = 0; i < L2TP_REL_MAX_RWIN; i++)
		slot_clear(&rel->rxq[i]);
	loop_timer_stop(rel->loop, &rel->rtx_timer);
	loop_timer_stop(rel->loop, &rel->ack_timer);
	rel->txq_len = rel->txq_sent = 0;
	rel->ns_next = rel->nr_next = rel->peer_nr = 0;
	rel->peer_rwin = 4;
	rel->tries = 0;
	rel->rto_ms = rel->p.rtx_initial_ms;
	rel->stopped = false;
	rel->peer_tunnel_id = 0;
}

void l2tp_rel_stop(struct l2tp_rel *rel)
{
	rel->stopped = true;
	loop_timer_stop(rel->loop, &rel->rtx_timer);
	loop_timer_stop(rel->loop, &rel->ack_timer);
}

void l2tp_rel_free(struct l2tp_rel *rel)
{
	l2tp_rel_reset(rel);
	rel->stopped = true;
}

void l2tp_rel_drop_sent(struct l2tp_rel *rel)
{
	for (size_t i = 0; i < L2TP_REL_MAX_TXQ; i++)
		slot_clear(&rel->txq[i]);
	rel->txq_len = rel->txq_sent = 0;
	rel->tries = 0;
	loop_timer_stop(rel->loop, &rel->rtx_timer);
}

uint64_t l2tp_rel_cycle_ms(const struct l2tp_rel_params *p)
{
	uint64_t total = 0, rto = p->rtx_initial_ms;

	/* the first send and max_tries retransmissions, each waiting rto */
	for (unsigned i = 0; i <= p->max_tries; i++) {
		total += rto;
		rto = MIN(rto * 2, (uint64_t)p->rtx_max_ms);
	}
	return total;
}

/* Stamp the current Nr (it changes between retransmissions) and send. */
static void transmit(struct l2tp_rel *rel, struct l2tp_rel_slot *s)
{
	put_be16(s->buf + L2TP_CTRL_NR_OFF, rel->nr_next);
	loop_timer_stop(rel->loop, &rel->ack_timer); /* the ack rides along */
	if (rel->ops->xmit(rel->ctx, s->buf, s->len) < 0)
		log_debug(rel->lg, LOG_L2TP, "control message send failed; will retransmit");
}

static void fill_window(struct l2tp_rel *rel)
{
	while (rel->txq_sent < rel->txq_len && rel->txq_sent < rel->peer_rwin) {
		transmit(rel, &rel->txq[rel->txq_sent++]);
		rel->stats.sent++;
	}
	if (rel->txq_sent > 0 && !loop_timer_pending(&rel->rtx_timer))
		loop_timer_start(rel->loop, &rel->rtx_timer, rel->rto_ms);
}

int l2tp_rel_send(struct l2tp_rel *rel, const uint8_t *msg, size_t len)
{
	struct l2tp_rel_slot *s;

	if (rel->stopped || rel->txq_len == L2TP_REL_MAX_TXQ || len < L2TP_CTRL_HDR_LEN)
		return -1;
	s = &rel->txq[rel->txq_len];
	s->buf = malloc(len);
	if (!s->buf)
		return -1;
	memcpy(s->buf, msg, len);
	s->len = len;
	put_be16(s->buf + L2TP_CTRL_NS_OFF, rel->ns_next++);
	rel->txq_len++;
	fill_window(rel);
	return 0;
}

static void send_zlb(struct l2tp_rel *rel)
{
	uint8_t zlb[L2TP_CTRL_HDR_LEN];

	loop_timer_stop(rel->loop, &rel->ack_timer);
	put_be16(zlb, L2TP_HDR_T | L2TP_HDR_L | L2TP_HDR_S | L2TP_VERSION);
	put_be16(zlb + 2, sizeof(zlb));
	put_be16(zlb + 4, rel->peer_tunnel_id);
	put_be16(zlb + 6, 0);
	put_be16(zlb + L2TP_CTRL_NS_OFF, rel->ns_next);
	put_be16(zlb + L2TP_CTRL_NR_OFF, rel->nr_next);
	rel->stats.zlb_sent++;
	if (rel->ops->xmit(rel->ctx, zlb, sizeof(zlb)) < 0)
		log_debug(rel->lg, LOG_L2TP, "ZLB send failed");
}

static void ack_fired(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct l2tp_rel *rel = ctx;

	(void)loop;
	(void)t;
	if (!rel->stopped)
		send_zlb(rel);
}

void l2tp_rel_flush_ack(struct l2tp_rel *rel)
{
	if (loop_timer_pending(&rel->ack_timer))
		send_zlb(rel);
}

static void rtx_fired(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct l2tp_rel *rel = ctx;

	(void)loop;
	(void)t;
	if (rel->stopped || rel->txq_sent == 0)
		return;
	if (++rel->tries > rel->p.max_tries) {
		log_warn(rel->lg, LOG_L2TP, "no acknowledgement after %u retransmissions",
		         rel->p.max_tries);
		rel->stopped = true;
		loop_timer_stop(rel->loop, &rel->ack_timer);
		rel->ops->failed(rel->ctx);
		return;
	}
	/* §5.8: exponential backoff, capped. */
	rel->rto_ms = MIN(rel->rto_ms * 2, rel->p.rtx_max_ms);
	log_debug(rel->lg, LOG_L2TP, "retransmitting %zu message(s), try %u, next in %u ms",
	          rel->txq_sent, rel->tries, rel->rto_ms);
	for (size_t i = 0; i < rel->txq_sent; i++) {
		transmit(rel, &rel->txq[i]);
		rel->stats.retransmitted++;
	}
	loop_timer_start(rel->loop, &rel->rtx_timer, rel->rto_ms);
}

/* The peer's Nr acknowledges every Ns of ours below it. */
static void process_nr(struct l2tp_rel *rel, uint16_t nr)
{
	uint16_t acked = (uint16_t)(nr - rel->peer_nr);

	if (acked == 0)
		return;
	if (acked > rel->txq_sent) {
		log_debug(rel->lg, LOG_L2TP, "ignoring Nr %u: we sent only up to Ns %u", nr,
		          (unsigned)(uint16_t)(rel->peer_nr + rel->txq_sent - 1));
		return;
	}
	for (size_t i = 0; i < acked; i++)
		slot_clear(&rel->txq[i]);
	memmove(rel->txq, rel->txq + acked, (rel->txq_len - acked) * sizeof(rel->txq[0]));
	memset(rel->txq + rel->txq_len - acked, 0, acked * sizeof(rel->txq[0]));
	rel->txq_len -= acked;
	rel->txq_sent -= acked;
	rel->peer_nr = nr;
	rel->tries = 0;
	rel->rto_ms = rel->p.rtx_initial_ms;
	loop_timer_stop(rel->loop, &rel->rtx_timer);
	fill_window(rel);
	if (rel->txq_len == 0 && rel->ops->all_acked)
		rel->ops->all_acked(rel->ctx);
}

void l2tp_rel_set_peer_rwin(struct l2tp_rel *rel, uint16_t rwin)
{
	rel->peer_rwin = rwin == 0 ? 1 : MIN(rwin, (uint16_t)L2TP_REL_MAX_TXQ);
	if (!rel->stopped)
		fill_window(rel);
}

static void schedule_ack(struct l2tp_rel *rel)
{
	if (!loop_timer_pending(&rel->ack_timer))
		loop_timer_start(rel->loop, &rel->ack_timer, rel->p.ack_delay_ms);
}

/* Deliver the message with Ns == nr_next, then whatever queued follows it. */
static void deliver_in_order(struct l2tp_rel *rel, uint8_t *msg, size_t len)
{
	while (msg && !rel->stopped) {
		struct l2tp_rel_slot next;

		rel->nr_next++;
		next = rel->rxq[1];
		memmove(rel->rxq, rel->rxq + 1, (L2TP_REL_MAX_RWIN - 1) * sizeof(rel->rxq[0]));
		memset(&rel->rxq[L2TP_REL_MAX_RWIN - 1], 0, sizeof(rel->rxq[0]));
		rel->rxq[0].buf = NULL;
		schedule_ack(rel); /* cancelled when a reply carries the ack */
		rel->ops->deliver(rel->ctx, msg, len);
		free(msg);
		msg = next.buf;
		len = next.len;
	}
	free(msg);
}

void l2tp_rel_input(struct l2tp_rel *rel, uint16_t ns, uint16_t nr, bool is_zlb, const uint8_t *msg,
                    size_t len)
{
	uint16_t ahead;
	uint8_t *copy;

	if (rel->stopped)
		return;
	process_nr(rel, nr);
	if (rel->stopped)
		return; /* all_acked ended the tunnel */
	if (is_zlb) {
		rel->stats.zlb_received++;
		return;
	}
	rel->stats.received++;
	ahead = (uint16_t)(ns - rel->nr_next);
	if (ahead >= 0x8000) {
		/* Already delivered: our ack was lost, send it again. */
		rel->stats.duplicates++;
		send_zlb(rel);
		return;
	}
	if (ahead >= rel->p.rwin) {
		rel->stats.dropped_outside_window++;
		log_debug(rel->lg, LOG_L2TP, "dropping Ns %u outside our window (expect %u)", ns,
		          rel->nr_next);
		return;
	}
	if (ahead > 0 && rel->rxq[ahead].buf) {
		rel->stats.duplicates++;
		return;
	}
	copy = malloc(len);
	if (!copy)
		return; /* the peer retransmits */
	memcpy(copy, msg, len);
	if (ahead > 0) {
		rel->rxq[ahead].buf = copy;
		rel->rxq[ahead].len = len;
		rel->stats.queued_out_of_order++;
		return;
	}
	deliver_in_order(rel, copy, len);
}

size_t l2tp_rel_outstanding(const struct l2tp_rel *rel)
{
	return rel->txq_len;
}
