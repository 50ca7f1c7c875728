/* Unit tests for L2TP reliable delivery (RFC 2661 §5.8) against a scripted
 * peer, and two engines over a channel with loss, duplication, reordering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "l2tp/avp.h"
#include "l2tp/message.h"
#include "l2tp/proto.h"
#include "l2tp/reliable.h"

#define MAXW   128
#define MSGCAP 64

struct side {
	struct loop *loop;
	struct logger lg;
	struct l2tp_rel rel;
	uint8_t wire[MAXW][MSGCAP];
	size_t wire_len[MAXW];
	uint64_t wire_ms[MAXW];
	size_t nwire;
	uint32_t delivered[MAXW];
	size_t ndeliv;
	int failed, all_acked;
	bool reply_in_deliver;
	struct channel *chan; /* lossy-channel tests */
	struct side *other;
};

/* A message whose Call Serial Number AVP identifies it. */
static size_t make_msg(uint8_t *buf, uint32_t id)
{
	struct buf_writer w;

	bw_init(&w, buf, MSGCAP);
	l2tp_ctrl_begin(&w, 1, 0, L2TP_HELLO);
	l2tp_avp_put_u32(&w, false, L2TP_AVP_CALL_SERIAL, id);
	return (size_t)l2tp_ctrl_finish(&w);
}

static uint32_t msg_id(const uint8_t *buf)
{
	return get_be32(buf + L2TP_CTRL_HDR_LEN + 8 + 6);
}

static int side_xmit(void *ctx, const uint8_t *buf, size_t len);

static void side_deliver(void *ctx, const uint8_t *msg, size_t len)
{
	struct side *s = ctx;

	assert_true(len > L2TP_CTRL_HDR_LEN);
	assert_true(s->ndeliv < MAXW);
	s->delivered[s->ndeliv++] = msg_id(msg);
	if (s->reply_in_deliver) {
		uint8_t buf[MSGCAP];

		assert_int_equal(l2tp_rel_send(&s->rel, buf, make_msg(buf, 1000)), 0);
	}
}

static void side_failed(void *ctx)
{
	((struct side *)ctx)->failed++;
}

static void side_all_acked(void *ctx)
{
	((struct side *)ctx)->all_acked++;
}

static const struct l2tp_rel_ops ops = {side_xmit, side_deliver, side_failed, side_all_acked};

static void side_init(struct side *s, struct loop *loop, unsigned rto, unsigned max_ms,
                      unsigned tries, uint16_t rwin)
{
	struct l2tp_rel_params p = {rto, max_ms, tries, 10, rwin};

	memset(s, 0, sizeof(*s));
	s->loop = loop;
	log_init(&s->lg, LOG_TO_STDERR_PLAIN, LOG_LVL_ERR);
	l2tp_rel_init(&s->rel, loop, &s->lg, &p, &ops, s);
}

static void run_ms(struct loop *loop, unsigned ms)
{
	uint64_t end = loop_now_ms(loop) + ms;

	while (loop_now_ms(loop) < end)
		loop_run_once(loop, (int)(end - loop_now_ms(loop)));
}

static uint16_t wire_ns(const struct side *s, size_t i)
{
	return get_be16(s->wire[i] + L2TP_CTRL_NS_OFF);
}

static uint16_t wire_nr(const struct side *s, size_t i)
{
	return get_be16(s->wire[i] + L2TP_CTRL_NR_OFF);
}

/* The peer's message with this Ns/Nr and id. */
static void feed(struct side *s, uint16_t ns, uint16_t nr, uint32_t id)
{
	uint8_t buf[MSGCAP];
	size_t len = make_msg(buf, id);

	put_be16(buf + L2TP_CTRL_NS_OFF, ns);
	put_be16(buf + L2TP_CTRL_NR_OFF, nr);
	l2tp_rel_input(&s->rel, ns, nr, false, buf, len);
}

static void send_id(struct side *s, uint32_t id)
{
	uint8_t buf[MSGCAP];

	assert_int_equal(l2tp_rel_send(&s->rel, buf, make_msg(buf, id)), 0);
}

static void test_send_stamps_and_ack(void **state)
{
	struct loop *loop = loop_new();
	struct side s;

	(void)state;
	side_init(&s, loop, 1000, 8000, 5, 8);
	send_id(&s, 1);
	send_id(&s, 2);
	assert_int_equal(s.nwire, 2);
	assert_int_equal(wire_ns(&s, 0), 0);
	assert_int_equal(wire_ns(&s, 1), 1);
	assert_int_equal(wire_nr(&s, 1), 0);
	assert_int_equal(l2tp_rel_outstanding(&s.rel), 2);
	l2tp_rel_input(&s.rel, 0, 1, true, NULL, 0); /* ZLB acks Ns 0 */
	assert_int_equal(l2tp_rel_outstanding(&s.rel), 1);
	assert_int_equal(s.all_acked, 0);
	l2tp_rel_input(&s.rel, 0, 7, true, NULL, 0); /* bogus Nr: ignored */
	assert_int_equal(l2tp_rel_outstanding(&s.rel), 1);
	l2tp_rel_input(&s.rel, 0, 2, true, NULL, 0);
	assert_int_equal(l2tp_rel_outstanding(&s.rel), 0);
	assert_int_equal(s.all_acked, 1);
	assert_false(loop_timer_pending(&s.rel.rtx_timer));
	l2tp_rel_free(&s.rel);
	loop_free(loop);
}

static void test_peer_window(void **state)
{
	struct loop *loop = loop_new();
	struct side s;

	(void)state;
	side_init(&s, loop, 1000, 8000, 5, 8);
	l2tp_rel_set_peer_rwin(&s.rel, 2);
	for (uint32_t i = 0; i < 5; i++)
		send_id(&s, i);
	assert_int_equal(s.nwire, 2); /* only two in flight */
	l2tp_rel_input(&s.rel, 0, 1, true, NULL, 0);
	assert_int_equal(s.nwire, 3);
	assert_int_equal(wire_ns(&s, 2), 2);
	l2tp_rel_set_peer_rwin(&s.rel, 4); /* window opens: the rest go */
	assert_int_equal(s.nwire, 5);
	l2tp_rel_input(&s.rel, 0, 5, true, NULL, 0);
	assert_int_equal(s.all_acked, 1);
	l2tp_rel_free(&s.rel);
	loop_free(loop);
}

static void test_retransmit_backoff_and_give_up(void **state)
{
	struct loop *loop = loop_new();
	struct side s;
	const unsigned expect[] = {20, 40, 80, 80};
	size_t nmsg = 0, zlbs = 0, last = 0, total;
	uint64_t last_ms = 0;

	(void)state;
	side_init(&s, loop, 20, 80, 4, 8);
	send_id(&s, 1);
	run_ms(loop, 60);
	feed(&s, 0, 0, 77); /* a peer message: the next copy carries Nr 1 */
	run_ms(loop, 400);
	assert_int_equal(s.failed, 1);
	/* original + 4 retransmissions; at most one ZLB for message 77 */
	for (size_t i = 0; i < s.nwire; i++) {
		if (s.wire_len[i] == L2TP_CTRL_HDR_LEN) {
			zlbs++;
			continue;
		}
		if (nmsg > 0) {
			uint64_t gap = s.wire_ms[i] - last_ms;

			assert_true(gap + 3 >= expect[nmsg - 1]);
			assert_true(gap <= expect[nmsg - 1] + 40);
		}
		last_ms = s.wire_ms[i];
		last = i;
		nmsg++;
	}
	assert_int_equal(nmsg, 5);
	assert_true(zlbs <= 1);
	assert_int_equal(wire_nr(&s, last), 1); /* Nr refreshed on retransmission */
	total = s.nwire;
	/* after giving up nothing more is sent */
	run_ms(loop, 200);
	assert_int_equal(s.nwire, total);
	l2tp_rel_free(&s.rel);
	loop_free(loop);
}

static void test_duplicate_acked_and_dropped(void **state)
{
	struct loop *loop = loop_new();
	struct side s;

	(void)state;
	side_init(&s, loop, 1000, 8000, 5, 8);
	feed(&s, 0, 0, 10);
	assert_int_equal(s.ndeliv, 1);
	assert_int_equal(s.nwire, 0); /* ack delayed */
	feed(&s, 0, 0, 10);
	assert_int_equal(s.ndeliv, 1);
	assert_int_equal(s.nwire, 1); /* duplicate: immediate ZLB */
	assert_int_equal(s.wire_len[0], L2TP_CTRL_HDR_LEN);
	assert_int_equal(wire_nr(&s, 0), 1);
	assert_int_equal(s.rel.stats.duplicates, 1);
	l2tp_rel_free(&s.rel);
	loop_free(loop);
}

static void test_reordered_messages_queued(void **state)
{
	struct loop *loop = loop_new();
	struct side s;

	(void)state;
	side_init(&s, loop, 1000, 8000, 5, 8);
	feed(&s, 2, 0, 102);
	feed(&s, 1, 0, 101);
	feed(&s, 1, 0, 101); /* duplicate of a queued one */
	feed(&s, 3, 0, 103);
	assert_int_equal(s.ndeliv, 0);
	feed(&s, 0, 0, 100);
	assert_int_equal(s.ndeliv, 4);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(s.delivered[i], 100 + i);
	assert_int_equal(s.rel.stats.queued_out_of_order, 3);
	assert_int_equal(s.rel.nr_next, 4);
	l2tp_rel_free(&s.rel);
	loop_free(loop);
}

static void test_outside_window_dropped(void **state)
{
	struct loop *loop = loop_new();
	struct side s;

	(void)state;
	side_init(&s, loop, 1000, 8000, 5, 4);
	feed(&s, 4, 0, 104); /* our window is 0..3 */
	feed(&s, 0, 0, 100);
	assert_int_equal(s.ndeliv, 1);
	assert_int_equal(s.rel.stats.dropped_outside_window, 1);
	l2tp_rel_free(&s.rel);
	loop_free(loop);
}

static void test_delayed_zlb_and_piggyback(void **state)
{
	struct loop *loop = loop_new();
	struct side s;

	(void)state;
	side_init(&s, loop, 1000, 8000, 5, 8);
	send_id(&s, 5);      /* our Ns 0 outstanding */
	feed(&s, 0, 1, 100); /* peer acks it and sends its own */
	assert_int_equal(s.nwire, 1);
	run_ms(loop, 40);
	assert_int_equal(s.nwire, 2);
	assert_int_equal(s.wire_len[1], L2TP_CTRL_HDR_LEN); /* ZLB */
	assert_int_equal(wire_ns(&s, 1), 1);                /* next Ns, not consumed */
	assert_int_equal(wire_nr(&s, 1), 1);
	assert_int_equal(get_be16(s.wire[1] + 2), L2TP_CTRL_HDR_LEN);
	/* a reply sent while delivering carries the ack: no ZLB */
	s.reply_in_deliver = true;
	feed(&s, 1, 1, 101);
	assert_int_equal(s.nwire, 3);
	assert_int_equal(wire_nr(&s, 2), 2);
	run_ms(loop, 40);
	assert_int_equal(s.nwire, 3);
	l2tp_rel_free(&s.rel);
	loop_free(loop);
}

static void test_sequence_wraparound(void **state)
{
	struct loop *loop = loop_new();
	struct side s;

	(void)state;
	side_init(&s, loop, 1000, 8000, 5, 8);
	s.rel.ns_next = s.rel.peer_nr = 65534;
	s.rel.nr_next = 65535;
	send_id(&s, 1);
	send_id(&s, 2);
	send_id(&s, 3);
	assert_int_equal(wire_ns(&s, 2), 0);
	feed(&s, 0, 0, 200); /* ahead by one across the wrap: queued */
	feed(&s, 65535, 65535, 199);
	assert_int_equal(s.ndeliv, 2);
	assert_int_equal(s.delivered[0], 199);
	assert_int_equal(s.delivered[1], 200);
	/* Nr 0 acknowledged 65534 and 65535 across the wrap */
	assert_int_equal(l2tp_rel_outstanding(&s.rel), 1);
	l2tp_rel_input(&s.rel, 1, 1, true, NULL, 0);
	assert_int_equal(l2tp_rel_outstanding(&s.rel), 0);
	feed(&s, 65535, 1, 199); /* old: duplicate */
	assert_int_equal(s.rel.stats.duplicates, 1);
	l2tp_rel_free(&s.rel);
	loop_free(loop);
}

/* ---- two engines over a lossy channel ---------------------------------- */

struct packet {
	struct loop_timer t;
	struct side *to;
	uint8_t buf[MSGCAP];
	size_t len;
	bool used;
};

struct channel {
	struct packet pool[512];
	uint64_t rng;
	unsigned loss, dup; /* percent */
	unsigned sent, dropped, duplicated;
};

static unsigned rnd(struct channel *c, unsigned n)
{
	c->rng ^= c->rng << 13;
	c->rng ^= c->rng >> 7;
	c->rng ^= c->rng << 17;
	return (unsigned)(c->rng % n);
}

static void packet_arrives(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct packet *p = ctx;
	struct l2tp_hdr h;
	const char *why = NULL;
	uint8_t buf[MSGCAP];
	size_t len = p->len;
	struct side *to = p->to;

	(void)loop;
	(void)t;
	memcpy(buf, p->buf, len); /* the slot is reused by replies */
	p->used = false;
	assert_int_equal(l2tp_hdr_parse(buf, len, &h, &why), 0);
	l2tp_rel_input(&to->rel, h.ns, h.nr, h.payload_len == 0, buf, len);
}

static void channel_put(struct channel *c, struct loop *loop, struct side *to, const uint8_t *buf,
                        size_t len)
{
	for (size_t i = 0; i < 512; i++) {
		struct packet *p = &c->pool[i];

		if (p->used)
			continue;
		p->used = true;
		p->to = to;
		memcpy(p->buf, buf, len);
		p->len = len;
		loop_timer_init(&p->t, packet_arrives, p);
		/* random delay 0..14 ms: reordering */
		loop_timer_start(loop, &p->t, rnd(c, 15));
		return;
	}
	fail_msg("channel pool exhausted");
}

static int side_xmit(void *ctx, const uint8_t *buf, size_t len)
{
	struct side *s = ctx;

	assert_true(len <= MSGCAP);
	if (s->nwire < MAXW) {
		memcpy(s->wire[s->nwire], buf, len);
		s->wire_len[s->nwire] = len;
		s->wire_ms[s->nwire] = loop_now_ms(s->loop);
		s->nwire++;
	}
	if (!s->chan)
		return 0;
	s->chan->sent++;
	if (rnd(s->chan, 100) < s->chan->loss) {
		s->chan->dropped++;
		return 0;
	}
	channel_put(s->chan, s->loop, s->other, buf, len);
	if (rnd(s->chan, 100) < s->chan->dup) {
		s->chan->duplicated++;
		channel_put(s->chan, s->loop, s->other, buf, len);
	}
	return 0;
}

static void lossy_run(uint64_t seed, unsigned loss)
{
	struct loop *loop = loop_new();
	static struct channel chan;
	static struct side a, b;
	const uint32_t n = 40;
	uint32_t a_next = 0, b_next = 0;
	uint64_t end;

	memset(&chan, 0, sizeof(chan));
	chan.rng = seed;
	chan.loss = loss;
	chan.dup = 10;
	side_init(&a, loop, 20, 80, 30, 8);
	side_init(&b, loop, 20, 80, 30, 8);
	a.chan = b.chan = &chan;
	a.other = &b;
	b.other = &a;
	end = loop_now_ms(loop) + 20000;
	while ((a.ndeliv < n || b.ndeliv < n || l2tp_rel_outstanding(&a.rel) ||
	        l2tp_rel_outstanding(&b.rel)) &&
	       loop_now_ms(loop) < end) {
		while (a_next < n && l2tp_rel_outstanding(&a.rel) < 8)
			send_id(&a, a_next++);
		while (b_next < n && l2tp_rel_outstanding(&b.rel) < 8)
			send_id(&b, 1000 + b_next++);
		loop_run_once(loop, 50);
	}
	assert_int_equal(a.failed + b.failed, 0);
	assert_int_equal(b.ndeliv, n);
	assert_int_equal(a.ndeliv, n);
	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(b.delivered[i], i); /* in order, exactly once */
		assert_int_equal(a.delivered[i], 1000 + i);
	}
	assert_true(chan.dropped > 0);
	assert_true(chan.duplicated > 0);
	assert_true(a.rel.stats.retransmitted + b.rel.stats.retransmitted > 0);
	for (size_t i = 0; i < 512; i++)
		loop_timer_stop(loop, &chan.pool[i].t);
	l2tp_rel_free(&a.rel);
	l2tp_rel_free(&b.rel);
	loop_free(loop);
}

static void test_lossy_channel_20_percent(void **state)
{
	(void)state;
	lossy_run(0x1234567u, 20);
	lossy_run(0xfeedbeefu, 20);
	lossy_run(42, 30);
}

/* RFC 2661 §5.7 recommends 31 s for a full retransmission cycle: what the
 * §5.8 defaults (1 s doubling to 8 s, 5 retransmissions) add up to. */
static void test_full_retransmission_cycle(void **state)
{
	struct l2tp_rel_params p = {.rtx_initial_ms = 1000, .rtx_max_ms = 8000, .max_tries = 5};

	(void)state;
	assert_int_equal(l2tp_rel_cycle_ms(&p), 31000);
	p.max_tries = 0;
	assert_int_equal(l2tp_rel_cycle_ms(&p), 1000);
	p = (struct l2tp_rel_params){.rtx_initial_ms = 20, .rtx_max_ms = 80, .max_tries = 3};
	assert_int_equal(l2tp_rel_cycle_ms(&p), 220);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_send_stamps_and_ack),
	    cmocka_unit_test(test_peer_window),
	    cmocka_unit_test(test_retransmit_backoff_and_give_up),
	    cmocka_unit_test(test_duplicate_acked_and_dropped),
	    cmocka_unit_test(test_reordered_messages_queued),
	    cmocka_unit_test(test_outside_window_dropped),
	    cmocka_unit_test(test_delayed_zlb_and_piggyback),
	    cmocka_unit_test(test_sequence_wraparound),
	    cmocka_unit_test(test_lossy_channel_20_percent),
	    cmocka_unit_test(test_full_retransmission_cycle),
	};
	return cmocka_run_group_tests_name("l2tp_reliable", tests, NULL, NULL);
}
