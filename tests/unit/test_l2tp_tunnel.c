/* Unit tests for the LAC tunnel and session state machines (RFC 2661 §5, §7)
 * against a scripted LNS on the other side of a struct l2tp_transport. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <netinet/in.h>

#include "l2tp/avp.h"
#include "l2tp/hidden.h"
#include "l2tp/l2tp_int.h"
#include "l2tp/message.h"
#include "l2tp/proto.h"

#define MAXOUT  64
#define LNS_TID 0x4444
#define LNS_SID 0x5555

struct lns {
	struct loop *loop;
	struct logger lg;
	struct l2tp *l2tp;
	uint8_t out[MAXOUT][1024];
	size_t out_len[MAXOUT];
	uint16_t out_port[MAXOUT];
	size_t nout, next, zlbs;
	bool drop; /* the LNS hears nothing */
	bool free_on_close;
	uint16_t ns, nr; /* the LNS's sequence state */
	uint16_t lac_tid, lac_sid;
	const uint8_t *secret;
	size_t secret_len;
	uint8_t lac_challenge[64];
	size_t lac_challenge_len;
	struct l2tp_ctrl_msg m; /* last message read */
	int tunnel_up, session_up, closed;
	struct l2tp_session_info info;
	struct l2tp_failure failure;
	uint8_t frame[256];
	size_t frame_len, nframes;
};

static int lns_transport_send(void *ctx, const uint8_t *buf, size_t len)
{
	struct lns *l = ctx;

	if (l->drop)
		return 0;
	assert_true(l->nout < MAXOUT && len <= 1024);
	memcpy(l->out[l->nout], buf, len);
	l->out_len[l->nout] = len;
	l->out_port[l->nout] = l2tp_local_port(l->l2tp);
	l->nout++;
	return 0;
}

static void cb_tunnel_up(void *ctx)
{
	((struct lns *)ctx)->tunnel_up++;
}

static void cb_session_up(void *ctx, const struct l2tp_session_info *info)
{
	struct lns *l = ctx;

	l->session_up++;
	l->info = *info;
}

static void cb_ppp_frame(void *ctx, const uint8_t *frame, size_t len)
{
	struct lns *l = ctx;

	assert_true(len <= sizeof(l->frame));
	memcpy(l->frame, frame, len);
	l->frame_len = len;
	l->nframes++;
}

static void cb_closed(void *ctx, const struct l2tp_failure *f)
{
	struct lns *l = ctx;

	l->closed++;
	l->failure = *f;
	if (l->free_on_close) {
		l2tp_free(l->l2tp);
		l->l2tp = NULL;
	}
}

static const struct l2tp_callbacks callbacks = {cb_tunnel_up, cb_session_up, cb_ppp_frame,
                                                cb_closed};

static struct lns *lns_new(void (*tweak)(struct l2tp_config *cfg))
{
	struct lns *l = calloc(1, sizeof(*l));
	struct l2tp_transport tr = {lns_transport_send, l};
	struct l2tp_config cfg;
	struct sockaddr_in *sin = (struct sockaddr_in *)&cfg.peer;

	assert_non_null(l);
	l->loop = loop_new();
	log_init(&l->lg, LOG_TO_STDERR_PLAIN, LOG_LVL_ERR);
	l2tp_config_defaults(&cfg);
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(0x7f000001);
	cfg.transport = &tr;
	cfg.rtx_initial_ms = 20;
	cfg.rtx_max_ms = 80;
	cfg.rtx_max_tries = 3;
	if (tweak)
		tweak(&cfg);
	l->secret = cfg.secret;
	l->secret_len = cfg.secret_len;
	l->l2tp = l2tp_new(l->loop, &l->lg, &cfg, &callbacks, l);
	assert_non_null(l->l2tp);
	return l;
}

static void lns_free(struct lns *l)
{
	l2tp_free(l->l2tp);
	loop_free(l->loop);
	free(l);
}

static void pump(struct lns *l, unsigned ms)
{
	uint64_t end = loop_now_ms(l->loop) + ms;

	do
		loop_run_once(l->loop, (int)(end - loop_now_ms(l->loop)));
	while (loop_now_ms(l->loop) < end);
}

/* The next non-ZLB control message from the LAC must be of this type. */
static const struct l2tp_ctrl_msg *expect(struct lns *l, uint16_t type)
{
	for (; l->next < l->nout; l->next++) {
		struct l2tp_hdr h;
		const char *why = NULL;
		uint16_t err;
		const uint8_t *d = l->out[l->next];

		assert_int_equal(l2tp_hdr_parse(d, l->out_len[l->next], &h, &why), 0);
		if (!h.control)
			continue;
		if (h.payload_len == 0) {
			l->zlbs++;
			continue;
		}
		if ((uint16_t)(h.ns - l->nr) >= 0x8000)
			continue; /* a retransmission of one already read */
		assert_int_equal(l2tp_ctrl_decode(d + h.payload_off, h.payload_len, l->secret,
		                                  l->secret_len, &l->m, &err, &why),
		                 0);
		if (l->m.type != type)
			fail_msg("expected %s, got %s", l2tp_msg_type_name(type),
			         l2tp_msg_type_name(l->m.type));
		assert_int_equal(h.tunnel_id, type == L2TP_SCCRQ ? 0 : LNS_TID);
		if (h.ns == l->nr)
			l->nr++;
		l->next++;
		return &l->m;
	}
	fail_msg("no %s from the LAC", l2tp_msg_type_name(type));
	return NULL;
}

/* Nothing but ZLBs since the last expect(). */
static void expect_quiet(struct lns *l)
{
	for (; l->next < l->nout; l->next++) {
		struct l2tp_hdr h;
		const char *why = NULL;

		assert_int_equal(l2tp_hdr_parse(l->out[l->next], l->out_len[l->next], &h, &why), 0);
		if (h.control && h.payload_len != 0 && (uint16_t)(h.ns - l->nr) < 0x8000)
			fail_msg("unexpected control message");
		l->zlbs++;
	}
}

typedef void (*avp_fn)(struct lns *l, struct buf_writer *w);

static void lns_send_raw(struct lns *l, uint16_t type, uint16_t sid, avp_fn avps, bool seq)
{
	uint8_t buf[1024];
	struct buf_writer w;
	int n;

	bw_init(&w, buf, sizeof(buf));
	l2tp_ctrl_begin(&w, l->lac_tid, sid, type);
	if (avps)
		avps(l, &w);
	n = l2tp_ctrl_finish(&w);
	assert_true(n > 0);
	put_be16(buf + L2TP_CTRL_NS_OFF, l->ns);
	put_be16(buf + L2TP_CTRL_NR_OFF, l->nr);
	if (seq)
		l->ns++;
	l2tp_input(l->l2tp, buf, (size_t)n);
}

static void lns_send(struct lns *l, uint16_t type, uint16_t sid, avp_fn avps)
{
	lns_send_raw(l, type, sid, avps, true);
}

static void lns_zlb(struct lns *l)
{
	uint8_t z[L2TP_CTRL_HDR_LEN];

	put_be16(z, L2TP_HDR_T | L2TP_HDR_L | L2TP_HDR_S | L2TP_VERSION);
	put_be16(z + 2, sizeof(z));
	put_be16(z + 4, l->lac_tid);
	put_be16(z + 6, 0);
	put_be16(z + 8, l->ns);
	put_be16(z + 10, l->nr);
	l2tp_input(l->l2tp, z, sizeof(z));
}

static void sccrp_base(struct lns *l, struct buf_writer *w)
{
	(void)l;
	l2tp_avp_put_u16(w, true, L2TP_AVP_PROTO_VERSION, 0x0100);
	l2tp_avp_put(w, true, L2TP_AVP_HOST_NAME, "lns", 3);
	l2tp_avp_put_u32(w, true, L2TP_AVP_FRAMING_CAPS, 3);
	l2tp_avp_put_u16(w, true, L2TP_AVP_TUNNEL_ID, LNS_TID);
	l2tp_avp_put_u16(w, true, L2TP_AVP_RWIN, 4);
}

static void icrp_avps(struct lns *l, struct buf_writer *w)
{
	(void)l;
	l2tp_avp_put_u16(w, true, L2TP_AVP_SESSION_ID, LNS_SID);
}

static void read_sccrq(struct lns *l)
{
	const struct l2tp_ctrl_msg *m = expect(l, L2TP_SCCRQ);

	assert_int_equal(m->proto_version, 0x0100);
	assert_true(l2tp_msg_has(m, L2TP_AVP_HOST_NAME));
	assert_true(l2tp_msg_has(m, L2TP_AVP_FRAMING_CAPS));
	assert_true(l2tp_msg_has(m, L2TP_AVP_RWIN));
	assert_true(m->tunnel_id != 0);
	l->lac_tid = m->tunnel_id;
	l->lac_challenge_len = m->challenge.len;
	if (m->challenge.len)
		memcpy(l->lac_challenge, m->challenge.p, m->challenge.len);
}

static void establish_tunnel(struct lns *l, avp_fn sccrp)
{
	assert_int_equal(l2tp_start(l->l2tp), 0);
	read_sccrq(l);
	lns_send(l, L2TP_SCCRP, 0, sccrp ? sccrp : sccrp_base);
	expect(l, L2TP_SCCCN);
	assert_int_equal(l->tunnel_up, 1);
}

static void establish(struct lns *l)
{
	const struct l2tp_ctrl_msg *m;

	establish_tunnel(l, NULL);
	m = expect(l, L2TP_ICRQ);
	assert_true(m->session_id != 0);
	assert_true(l2tp_msg_has(m, L2TP_AVP_CALL_SERIAL));
	l->lac_sid = m->session_id;
	lns_send(l, L2TP_ICRP, l->lac_sid, icrp_avps);
	m = expect(l, L2TP_ICCN);
	assert_true(l2tp_msg_has(m, L2TP_AVP_TX_SPEED));
	assert_true(l2tp_msg_has(m, L2TP_AVP_FRAMING_TYPE));
	assert_int_equal(l->session_up, 1);
	assert_int_equal(l->info.local_tunnel_id, l->lac_tid);
	assert_int_equal(l->info.peer_tunnel_id, LNS_TID);
	assert_int_equal(l->info.local_session_id, l->lac_sid);
	assert_int_equal(l->info.peer_session_id, LNS_SID);
	assert_int_equal(l->info.pppox_fd, -1);
	assert_int_equal(l->info.data_mode, L2TP_DATA_USERSPACE);
}

static void test_setup_and_graceful_stop(void **state)
{
	struct lns *l = lns_new(NULL);
	const struct l2tp_ctrl_msg *m;
	struct l2tp_status st;

	(void)state;
	establish(l);
	l2tp_get_status(l->l2tp, &st);
	assert_int_equal(st.state, L2TP_ST_ESTABLISHED);
	assert_string_equal(st.peer_hostname, "lns");
	assert_int_equal(st.session.local_port, 1701);
	l2tp_stop(l->l2tp);
	m = expect(l, L2TP_CDN);
	assert_int_equal(m->result, 3); /* administrative */
	assert_int_equal(m->session_id, l->lac_sid);
	m = expect(l, L2TP_STOPCCN);
	assert_int_equal(m->result, 1);
	assert_int_equal(m->tunnel_id, l->lac_tid);
	pump(l, 5);
	assert_int_equal(l->closed, 0); /* waits for the ack */
	lns_zlb(l);
	pump(l, 5);
	assert_int_equal(l->closed, 1);
	assert_true(l->failure.clean);
	assert_false(l->failure.by_peer);
	l2tp_stop(l->l2tp); /* harmless after close */
	lns_free(l);
}

static const uint8_t good_secret[] = "s3cret";

static void with_secret(struct l2tp_config *cfg)
{
	cfg->secret = good_secret;
	cfg->secret_len = sizeof(good_secret) - 1;
}

static const uint8_t lns_chal[8] = {1, 2, 3, 4, 5, 6, 7, 8};
static const uint8_t rv[4] = {9, 9, 9, 9};

static void sccrp_auth(struct lns *l, struct buf_writer *w, const uint8_t *sec, size_t sec_len)
{
	uint8_t resp[16], tid[2];

	assert_int_equal(l->lac_challenge_len, 16);
	l2tp_challenge_response(L2TP_SCCRP, sec, sec_len, l->lac_challenge, 16, resp);
	l2tp_avp_put_u16(w, true, L2TP_AVP_PROTO_VERSION, 0x0100);
	l2tp_avp_put(w, true, L2TP_AVP_HOST_NAME, "lns", 3);
	l2tp_avp_put_u32(w, true, L2TP_AVP_FRAMING_CAPS, 3);
	/* xl2tpd "hidden bit = yes": the tunnel ID hidden */
	put_be16(tid, LNS_TID);
	l2tp_avp_put(w, true, L2TP_AVP_RANDOM_VECTOR, rv, sizeof(rv));
	l2tp_avp_put_hidden(w, true, L2TP_AVP_TUNNEL_ID, good_secret, sizeof(good_secret) - 1, rv,
	                    sizeof(rv), tid, 2, 3);
	l2tp_avp_put(w, true, L2TP_AVP_CHALLENGE, lns_chal, sizeof(lns_chal));
	l2tp_avp_put(w, true, L2TP_AVP_CHALLENGE_RESP, resp, 16);
}

static void sccrp_good_auth(struct lns *l, struct buf_writer *w)
{
	sccrp_auth(l, w, good_secret, sizeof(good_secret) - 1);
}

static void sccrp_bad_auth(struct lns *l, struct buf_writer *w)
{
	sccrp_auth(l, w, (const uint8_t *)"other", 5);
}

static void test_tunnel_auth_both_ways(void **state)
{
	struct lns *l = lns_new(with_secret);
	const struct l2tp_ctrl_msg *m;
	uint8_t want[16];

	(void)state;
	assert_int_equal(l2tp_start(l->l2tp), 0);
	read_sccrq(l);
	lns_send(l, L2TP_SCCRP, 0, sccrp_good_auth);
	m = expect(l, L2TP_SCCCN);
	assert_true(l2tp_msg_has(m, L2TP_AVP_CHALLENGE_RESP));
	l2tp_challenge_response(L2TP_SCCCN, good_secret, sizeof(good_secret) - 1, lns_chal,
	                        sizeof(lns_chal), want);
	assert_memory_equal(m->challenge_resp, want, 16);
	assert_int_equal(l->tunnel_up, 1);
	expect(l, L2TP_ICRQ);
	lns_free(l);
}

static void expect_stop(struct lns *l, uint16_t result, uint16_t error)
{
	const struct l2tp_ctrl_msg *m = expect(l, L2TP_STOPCCN);

	assert_int_equal(m->result, result);
	assert_int_equal(m->error, error);
	lns_zlb(l);
	pump(l, 5);
	assert_int_equal(l->closed, 1);
	assert_false(l->failure.clean);
	assert_false(l->failure.by_peer);
	assert_int_equal(l->failure.result, result);
	/* ours for the LNS's broken messages; authentication says which check */
	if (result != L2TP_STOPCCN_NOT_AUTHORIZED)
		assert_int_equal(l->failure.cause, L2TP_CAUSE_PROTOCOL);
}

static void test_tunnel_auth_wrong_secret(void **state)
{
	struct lns *l = lns_new(with_secret);

	(void)state;
	assert_int_equal(l2tp_start(l->l2tp), 0);
	read_sccrq(l);
	lns_send(l, L2TP_SCCRP, 0, sccrp_bad_auth);
	expect_stop(l, L2TP_STOPCCN_NOT_AUTHORIZED, 0);
	assert_int_equal(l->tunnel_up, 0);
	assert_non_null(strstr(l->failure.words, "wrong tunnel secret"));
	assert_int_equal(l->failure.stage, L2TP_STAGE_TUNNEL_SETUP);
	assert_int_equal(l->failure.cause, L2TP_CAUSE_AUTH_WRONG);
	lns_free(l);
}

static void sccrp_with_challenge(struct lns *l, struct buf_writer *w)
{
	sccrp_base(l, w);
	l2tp_avp_put(w, true, L2TP_AVP_CHALLENGE, lns_chal, sizeof(lns_chal));
}

static void test_lns_challenge_without_secret(void **state)
{
	struct lns *l = lns_new(NULL);

	(void)state;
	assert_int_equal(l2tp_start(l->l2tp), 0);
	read_sccrq(l);
	assert_int_equal(l->lac_challenge_len, 0);
	lns_send(l, L2TP_SCCRP, 0, sccrp_with_challenge);
	expect_stop(l, L2TP_STOPCCN_NOT_AUTHORIZED, 0);
	assert_non_null(strstr(l->failure.words, "no tunnel secret"));
	assert_int_equal(l->failure.cause, L2TP_CAUSE_AUTH_NO_SECRET);
	lns_free(l);
}

static void test_secret_but_lns_does_not_answer_challenge(void **state)
{
	struct lns *l = lns_new(with_secret);

	(void)state;
	assert_int_equal(l2tp_start(l->l2tp), 0);
	read_sccrq(l);
	lns_send(l, L2TP_SCCRP, 0, sccrp_base);
	expect_stop(l, L2TP_STOPCCN_NOT_AUTHORIZED, 0);
	assert_int_equal(l->failure.cause, L2TP_CAUSE_AUTH_NO_RESPONSE);
	lns_free(l);
}

static void short_result_6(struct lns *l, struct buf_writer *w)
{
	(void)l;
	l2tp_avp_put_u16(w, true, L2TP_AVP_TUNNEL_ID, LNS_TID);
	l2tp_avp_put_u16(w, true, L2TP_AVP_RESULT_CODE, 6); /* MikroTik: no error code */
}

static void test_peer_stopccn_during_setup(void **state)
{
	struct lns *l = lns_new(NULL);

	(void)state;
	l->free_on_close = true; /* l2tp_free from inside closed() */
	assert_int_equal(l2tp_start(l->l2tp), 0);
	read_sccrq(l);
	lns_send(l, L2TP_STOPCCN, 0, short_result_6);
	expect_quiet(l);
	assert_int_equal(l->zlbs, 1); /* acknowledged at once */
	pump(l, 5);
	assert_int_equal(l->closed, 1);
	assert_true(l->failure.by_peer);
	assert_int_equal(l->failure.result, 6);
	assert_int_equal(l->failure.stage, L2TP_STAGE_TUNNEL_SETUP);
	assert_non_null(strstr(l->failure.words, "requester is being shut down"));
	assert_int_equal(l->failure.cause, L2TP_CAUSE_STOPCCN);
	assert_null(l->l2tp);
	lns_free(l);
}

static void cdn_avps(struct lns *l, struct buf_writer *w)
{
	(void)l;
	l2tp_avp_put_result(w, 2, 6, "pppd died");
	l2tp_avp_put_u16(w, true, L2TP_AVP_SESSION_ID, LNS_SID);
}

static void test_peer_cdn_after_established(void **state)
{
	struct lns *l = lns_new(NULL);
	const struct l2tp_ctrl_msg *m;

	(void)state;
	establish(l);
	lns_send(l, L2TP_CDN, l->lac_sid, cdn_avps);
	m = expect(l, L2TP_STOPCCN); /* no CDN back: the call is gone */
	assert_int_equal(m->result, L2TP_STOPCCN_CLEAR);
	lns_zlb(l);
	pump(l, 5);
	assert_int_equal(l->closed, 1);
	assert_true(l->failure.by_peer);
	assert_int_equal(l->failure.result, 2);
	assert_int_equal(l->failure.error, 6);
	assert_int_equal(l->failure.stage, L2TP_STAGE_ESTABLISHED);
	assert_non_null(strstr(l->failure.words, "pppd died"));
	assert_int_equal(l->failure.cause, L2TP_CAUSE_CDN);
	lns_free(l);
}

/* RFC 2661 §5.7: our ack of the LNS's StopCCN may be lost; its
 * retransmissions are acked again for a full retransmission cycle, and
 * nothing else happens: no closed() twice, no message of ours. */
static void test_peer_stopccn_when_established(void **state)
{
	struct lns *l = lns_new(NULL);
	size_t zlbs;

	(void)state;
	establish(l);
	lns_send(l, L2TP_STOPCCN, 0, short_result_6);
	pump(l, 5);
	expect_quiet(l);
	assert_int_equal(l->closed, 1);
	assert_true(l->failure.by_peer);
	assert_int_equal(l->failure.stage, L2TP_STAGE_ESTABLISHED);
	zlbs = l->zlbs;
	assert_true(zlbs >= 1);
	/* the ZLB was lost: the same StopCCN (same Ns) again */
	l->ns--;
	lns_send(l, L2TP_STOPCCN, 0, short_result_6);
	pump(l, 5);
	expect_quiet(l);
	assert_int_equal(l->zlbs, zlbs + 1);
	assert_int_equal(l->closed, 1);
	/* after the cycle (20+40+80+80 ms with these timers) it is gone */
	pump(l, 250);
	zlbs = l->zlbs;
	l->ns--;
	lns_send(l, L2TP_STOPCCN, 0, short_result_6);
	pump(l, 5);
	expect_quiet(l);
	assert_int_equal(l->zlbs, zlbs);
	assert_int_equal(l->closed, 1);
	lns_free(l);
}

/* A message of ours the LNS never acked is not retransmitted after its
 * StopCCN, and data after it is not delivered. */
static void test_after_peer_stopccn_nothing_sent(void **state)
{
	struct lns *l = lns_new(NULL);
	uint8_t data[64];
	int n;

	(void)state;
	establish_tunnel(l, NULL);
	expect(l, L2TP_ICRQ); /* not acked: the engine would retransmit it */
	lns_send(l, L2TP_STOPCCN, 0, short_result_6);
	pump(l, 300);
	expect_quiet(l);
	assert_int_equal(l->closed, 1);
	n = l2tp_data_encode(data, sizeof(data), l->lac_tid, l->lac_sid, false, 0, 0, false,
	                     (const uint8_t *)"\xff\x03\xc0\x21", 4);
	assert_true(n > 0);
	l2tp_input(l->l2tp, data, (size_t)n);
	assert_int_equal(l->nframes, 0);
	lns_free(l);
}

static void sccrp_unknown_m(struct lns *l, struct buf_writer *w)
{
	sccrp_base(l, w);
	bw_u16(w, L2TP_AVP_M | 8);
	bw_u16(w, 0);
	bw_u16(w, 250);
	bw_u16(w, 1);
}

static void test_unknown_mandatory_avp_stops_tunnel(void **state)
{
	struct lns *l = lns_new(NULL);

	(void)state;
	assert_int_equal(l2tp_start(l->l2tp), 0);
	read_sccrq(l);
	lns_send(l, L2TP_SCCRP, 0, sccrp_unknown_m);
	expect_stop(l, L2TP_STOPCCN_ERROR, L2TP_ERR_UNKNOWN_M_AVP);
	lns_free(l);
}

static void icrp_unknown_m(struct lns *l, struct buf_writer *w)
{
	icrp_avps(l, w);
	bw_u16(w, L2TP_AVP_M | 6);
	bw_u16(w, 9); /* vendor 9 */
	bw_u16(w, 1);
}

static void test_unknown_mandatory_avp_in_session_message(void **state)
{
	struct lns *l = lns_new(NULL);
	const struct l2tp_ctrl_msg *m;

	(void)state;
	establish_tunnel(l, NULL);
	l->lac_sid = expect(l, L2TP_ICRQ)->session_id;
	lns_send(l, L2TP_ICRP, l->lac_sid, icrp_unknown_m);
	m = expect(l, L2TP_CDN);
	assert_int_equal(m->result, L2TP_CDN_ERROR);
	assert_int_equal(m->error, L2TP_ERR_UNKNOWN_M_AVP);
	expect_stop(l, L2TP_STOPCCN_ERROR, L2TP_ERR_UNKNOWN_M_AVP);
	assert_int_equal(l->session_up, 0);
	lns_free(l);
}

static void sccrp_unknown_optional(struct lns *l, struct buf_writer *w)
{
	sccrp_base(l, w);
	bw_u16(w, 8); /* optional, vendor 311 */
	bw_u16(w, 311);
	bw_u16(w, 250);
	bw_u16(w, 1);
	l2tp_avp_put(w, false, L2TP_AVP_VENDOR_NAME, "Acme", 4);
}

static void test_unknown_optional_avps_ignored(void **state)
{
	struct lns *l = lns_new(NULL);
	struct l2tp_status st;

	(void)state;
	establish_tunnel(l, sccrp_unknown_optional);
	l2tp_get_status(l->l2tp, &st);
	assert_string_equal(st.peer_vendor, "Acme");
	lns_free(l);
}

static void garbage_avps(struct lns *l, struct buf_writer *w)
{
	icrp_avps(l, w);
	l2tp_avp_put_u16(w, true, L2TP_AVP_MSG_TYPE, 2); /* a second Message Type */
}

static void test_malformed_message_stops_tunnel(void **state)
{
	struct lns *l = lns_new(NULL);

	(void)state;
	establish_tunnel(l, NULL);
	l->lac_sid = expect(l, L2TP_ICRQ)->session_id;
	lns_send(l, L2TP_ICRP, l->lac_sid, garbage_avps);
	assert_int_equal(expect(l, L2TP_CDN)->error, L2TP_ERR_RANGE);
	expect_stop(l, L2TP_STOPCCN_ERROR, L2TP_ERR_RANGE);
	assert_int_equal(l->session_up, 0);
	lns_free(l);
}

static void test_unknown_mandatory_message_type(void **state)
{
	struct lns *l = lns_new(NULL);

	(void)state;
	establish(l);
	lns_send(l, 99, 0, NULL);
	expect(l, L2TP_CDN);
	expect_stop(l, L2TP_STOPCCN_ERROR, L2TP_ERR_UNKNOWN_M_AVP);
	lns_free(l);
}

static void test_no_answer(void **state)
{
	struct lns *l = lns_new(NULL);
	size_t n = 0;

	(void)state;
	assert_int_equal(l2tp_start(l->l2tp), 0);
	pump(l, 400);
	assert_int_equal(l->closed, 1);
	assert_int_equal(l->failure.stage, L2TP_STAGE_TUNNEL_SETUP);
	assert_non_null(strstr(l->failure.words, "no answer"));
	assert_int_equal(l->failure.cause, L2TP_CAUSE_NO_ANSWER);
	for (size_t i = 0; i < l->nout; i++)
		n += l->out_len[i] > L2TP_CTRL_HDR_LEN;
	assert_int_equal(n, 1 + 3); /* SCCRQ and three retransmissions */
	lns_free(l);
}

static void auto_port(struct l2tp_config *cfg)
{
	cfg->port_mode = L2TP_PORT_AUTO;
	cfg->sccrq_tries_auto = 1;
}

static void test_auto_port_retry(void **state)
{
	struct lns *l = lns_new(auto_port);

	(void)state;
	assert_int_equal(l2tp_start(l->l2tp), 0);
	assert_int_equal(l2tp_local_port(l->l2tp), 1701);
	pump(l, 100); /* the "server" ignores port 1701 */
	assert_int_equal(l->closed, 0);
	assert_true(l2tp_local_port(l->l2tp) >= 49152);
	l->next = l->nout - 1; /* the last SCCRQ, from the new port */
	assert_int_equal(l->out_port[l->next], l2tp_local_port(l->l2tp));
	read_sccrq(l);
	lns_send(l, L2TP_SCCRP, 0, sccrp_base);
	expect(l, L2TP_SCCCN);
	assert_int_equal(l->tunnel_up, 1);
	lns_free(l);
}

static void fast_hello(struct l2tp_config *cfg)
{
	cfg->hello_interval_s = 1;
}

static void test_hello_and_dead_peer(void **state)
{
	struct lns *l = lns_new(fast_hello);

	(void)state;
	establish(l);
	lns_zlb(l);
	pump(l, 1100);
	expect(l, L2TP_HELLO);
	lns_zlb(l);
	pump(l, 600);
	expect_quiet(l); /* idle timer restarted by our ZLB */
	l->drop = true;
	pump(l, 1000);
	assert_int_equal(l->closed, 1);
	assert_false(l->failure.by_peer);
	assert_non_null(strstr(l->failure.words, "stopped acknowledging"));
	assert_int_equal(l->failure.cause, L2TP_CAUSE_NO_ANSWER);
	lns_free(l);
}

/* An LCP Echo-Request from the LNS, as an L2TP data message. */
static void lns_data(struct lns *l)
{
	uint8_t d[] = {0, 0, 0, 0, 0, 0, 0xff, 0x03, 0xc0, 0x21, 9, 1, 0, 8, 1, 2, 3, 4};

	put_be16(d, L2TP_VERSION);
	put_be16(d + 2, l->lac_tid);
	put_be16(d + 4, l->lac_sid);
	l2tp_input(l->l2tp, d, sizeof(d));
}

/* RFC 2661 §5.5: a HELLO only after an interval with no message received,
 * data messages included (at rest, the answered LCP echoes; issue 16). */
static void test_no_hello_while_data_arrives(void **state)
{
	struct lns *l = lns_new(fast_hello);
	size_t frames;

	(void)state;
	establish(l);
	lns_zlb(l);
	frames = l->nframes;
	for (int i = 0; i < 25; i++) {
		pump(l, 100);
		lns_data(l);
	}
	assert_int_equal(l->nframes, frames + 25);
	expect_quiet(l);
	pump(l, 1100);
	expect(l, L2TP_HELLO);
	lns_free(l);
}

/* The LNS's HELLO gets its ZLB at once: no reply will carry the ack, and a
 * delayed one would cost a wakeup of its own at rest. */
static void test_hello_from_lns_acked_at_once(void **state)
{
	struct lns *l = lns_new(NULL);
	size_t zlbs;

	(void)state;
	establish(l);
	lns_zlb(l);
	pump(l, 50);
	expect_quiet(l);
	zlbs = l->zlbs;
	lns_send(l, L2TP_HELLO, 0, NULL);
	expect_quiet(l); /* without running the loop */
	assert_int_equal(l->zlbs, zlbs + 1);
	lns_free(l);
}

static void test_duplicate_and_reordered_from_lns(void **state)
{
	struct lns *l = lns_new(NULL);

	(void)state;
	assert_int_equal(l2tp_start(l->l2tp), 0);
	read_sccrq(l);
	lns_send(l, L2TP_SCCRP, 0, sccrp_base);
	expect(l, L2TP_SCCCN);
	l->ns--; /* the SCCRP again: our ack was "lost" */
	l->nr--;
	lns_send(l, L2TP_SCCRP, 0, sccrp_base);
	l->nr++;
	expect(l, L2TP_ICRQ);
	expect_quiet(l);
	assert_int_equal(l->zlbs, 1); /* re-acknowledged, not re-processed */
	assert_int_equal(l->tunnel_up, 1);
	l->lac_sid = l->m.session_id;
	/* HELLO (Ns 2) overtakes the ICRP (Ns 1) */
	l->ns = 2;
	lns_send(l, L2TP_HELLO, 0, NULL);
	assert_int_equal(l->session_up, 0);
	l->ns = 1;
	lns_send(l, L2TP_ICRP, l->lac_sid, icrp_avps);
	assert_int_equal(l->session_up, 1);
	lns_free(l);
}

static void sli_avps(struct lns *l, struct buf_writer *w)
{
	uint8_t accm[10] = {0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff};

	(void)l;
	l2tp_avp_put(w, true, L2TP_AVP_ACCM, accm, sizeof(accm));
}

static void test_wen_and_sli_accepted(void **state)
{
	struct lns *l = lns_new(NULL);

	(void)state;
	establish(l);
	lns_send(l, L2TP_SLI, l->lac_sid, sli_avps);
	lns_send(l, L2TP_WEN, l->lac_sid, NULL);
	pump(l, 30);
	expect_quiet(l);
	assert_int_equal(l->closed, 0);
	assert_true(l->zlbs >= 1);
	lns_free(l);
}

static void test_userspace_data(void **state)
{
	struct lns *l = lns_new(NULL);
	const uint8_t lcp[] = {0xc0, 0x21, 0x01, 0x07, 0x00, 0x04};
	uint8_t in[64];
	struct l2tp_hdr h;
	const char *why = NULL;
	struct l2tp_status st;

	(void)state;
	assert_int_equal(l2tp_send_ppp(l->l2tp, lcp, sizeof(lcp)), -1); /* not up yet */
	establish(l);
	assert_int_equal(l2tp_send_ppp(l->l2tp, lcp, sizeof(lcp)), 0);
	assert_int_equal(l2tp_hdr_parse(l->out[l->nout - 1], l->out_len[l->nout - 1], &h, &why), 0);
	assert_false(h.control || h.has_seq || h.has_length);
	assert_int_equal(h.tunnel_id, LNS_TID);
	assert_int_equal(h.session_id, LNS_SID);
	assert_int_equal(h.payload_len, 2 + sizeof(lcp));
	assert_memory_equal(l->out[l->nout - 1] + h.payload_off + 2, lcp, sizeof(lcp));
	l->next = l->nout;

	/* the LNS sends with L and S bits: we answer the same way */
	assert_true(l2tp_data_encode(in, sizeof(in), l->lac_tid, l->lac_sid, true, 0, 0, true, lcp,
	                             sizeof(lcp)) > 0);
	l2tp_input(l->l2tp, in, 6 + 6 + 2 + sizeof(lcp));
	assert_int_equal(l->nframes, 1);
	assert_int_equal(l->frame_len, sizeof(lcp));
	assert_memory_equal(l->frame, lcp, sizeof(lcp));
	assert_int_equal(l2tp_send_ppp(l->l2tp, lcp, sizeof(lcp)), 0);
	assert_int_equal(l2tp_hdr_parse(l->out[l->nout - 1], l->out_len[l->nout - 1], &h, &why), 0);
	assert_true(h.has_seq && h.has_length);
	assert_int_equal(h.ns, 0);
	assert_int_equal(h.nr, 1);
	/* a late (duplicate) sequenced frame is dropped */
	l2tp_input(l->l2tp, in, 6 + 6 + 2 + sizeof(lcp));
	assert_int_equal(l->nframes, 1);
	/* wrong session: dropped */
	l2tp_data_encode(in, sizeof(in), l->lac_tid, (uint16_t)(l->lac_sid + 1), false, 0, 0, false,
	                 lcp, sizeof(lcp));
	l2tp_input(l->l2tp, in, 6 + 2 + sizeof(lcp));
	assert_int_equal(l->nframes, 1);
	l2tp_get_status(l->l2tp, &st);
	assert_int_equal(st.data_rx_packets, 1);
	assert_int_equal(st.data_rx_dropped, 2);
	assert_int_equal(st.data_tx_packets, 2);
	assert_true(st.session.sequencing);
	l->next = l->nout;
	lns_free(l);
}

/* The fast path's in-place form: the header lands in the headroom of the
 * buffer the frame is already in, the same header l2tp_send_ppp() makes. */
static void encap_and_check(struct lns *l, bool seq, uint16_t ns)
{
	const uint8_t frame[] = {0x00, 0x21, 0x45, 0x00, 0x00, 0x14};
	uint8_t buf[L2TP_ENCAP_HEADROOM + sizeof(frame)];
	struct pkt p = {
	    .head = buf, .cap = sizeof(buf), .off = L2TP_ENCAP_HEADROOM, .len = sizeof(frame)};
	struct l2tp_hdr h;
	const char *why = NULL;

	memcpy(buf + L2TP_ENCAP_HEADROOM, frame, sizeof(frame));
	assert_int_equal(l2tp_encap_ppp(l->l2tp, &p), 0);
	assert_ptr_equal(p.head, buf);
	assert_int_equal(p.off + p.len, sizeof(buf));
	assert_int_equal(l2tp_hdr_parse(pkt_data(&p), p.len, &h, &why), 0);
	assert_false(h.control);
	assert_int_equal(h.has_seq, seq);
	assert_int_equal(h.has_length, seq);
	if (seq)
		assert_int_equal(h.ns, ns);
	assert_int_equal(h.tunnel_id, LNS_TID);
	assert_int_equal(h.session_id, LNS_SID);
	assert_int_equal(h.payload_len, 2 + sizeof(frame));
	assert_memory_equal(pkt_data(&p) + h.payload_off, "\xff\x03", 2);
	assert_memory_equal(pkt_data(&p) + h.payload_off + 2, frame, sizeof(frame));
}

static void test_userspace_data_in_place(void **state)
{
	struct lns *l = lns_new(NULL);
	const uint8_t lcp[] = {0xc0, 0x21, 0x01, 0x07, 0x00, 0x04};
	uint8_t in[64], small[8] = {0};
	struct pkt p = {.head = small, .cap = sizeof(small), .off = 2, .len = 6};
	struct l2tp_status st;

	(void)state;
	assert_int_equal(l2tp_encap_ppp(l->l2tp, &p), -1); /* not up yet */
	establish(l);
	assert_int_equal(l2tp_encap_ppp(l->l2tp, &p), -1); /* no room for the header */
	assert_int_equal(p.off, 2);
	encap_and_check(l, false, 0);
	/* the LNS sequences and sends lengths: the in-place form follows */
	assert_true(l2tp_data_encode(in, sizeof(in), l->lac_tid, l->lac_sid, true, 0, 0, true, lcp,
	                             sizeof(lcp)) > 0);
	l2tp_input(l->l2tp, in, 6 + 6 + 2 + sizeof(lcp));
	encap_and_check(l, true, 0);
	assert_int_equal(l2tp_send_ppp(l->l2tp, lcp, sizeof(lcp)), 0); /* Ns 1 */
	encap_and_check(l, true, 2);
	l2tp_get_status(l->l2tp, &st);
	assert_int_equal(st.data_tx_packets, 4);
	l->next = l->nout;
	lns_free(l);
}

static void seq_required(struct l2tp_config *cfg)
{
	cfg->sequencing = true;
}

static void test_sequencing_requested(void **state)
{
	struct lns *l = lns_new(seq_required);
	const uint8_t ipcp[] = {0x80, 0x21, 0x01, 0x01, 0x00, 0x04};
	struct l2tp_hdr h;
	const char *why = NULL;

	(void)state;
	establish_tunnel(l, NULL);
	l->lac_sid = expect(l, L2TP_ICRQ)->session_id;
	lns_send(l, L2TP_ICRP, l->lac_sid, icrp_avps);
	assert_true(l2tp_msg_has(expect(l, L2TP_ICCN), L2TP_AVP_SEQ_REQUIRED));
	assert_true(l->info.sequencing);
	assert_int_equal(l2tp_send_ppp(l->l2tp, ipcp, sizeof(ipcp)), 0);
	assert_int_equal(l2tp_send_ppp(l->l2tp, ipcp, sizeof(ipcp)), 0);
	assert_int_equal(l2tp_hdr_parse(l->out[l->nout - 1], l->out_len[l->nout - 1], &h, &why), 0);
	assert_true(h.has_seq);
	assert_int_equal(h.ns, 1);
	l->next = l->nout;
	lns_free(l);
}

static void test_stop_paths_without_peer(void **state)
{
	struct lns *l = lns_new(NULL);

	(void)state;
	/* stop before any answer: nothing to say goodbye to */
	assert_int_equal(l2tp_start(l->l2tp), 0);
	read_sccrq(l);
	l2tp_stop(l->l2tp);
	pump(l, 5);
	expect_quiet(l);
	assert_int_equal(l->closed, 1);
	assert_true(l->failure.clean);
	lns_free(l);

	/* stop when established but the LNS never acknowledges: bounded */
	l = lns_new(NULL);
	establish(l);
	l2tp_stop(l->l2tp);
	expect(l, L2TP_CDN);
	expect(l, L2TP_STOPCCN);
	pump(l, 400);
	assert_int_equal(l->closed, 1);
	assert_true(l->failure.clean);
	lns_free(l);

	/* stop before start */
	l = lns_new(NULL);
	l2tp_stop(l->l2tp);
	pump(l, 5);
	assert_int_equal(l->closed, 1);
	lns_free(l);
}

static void kernel_mode(struct l2tp_config *cfg)
{
	cfg->data_mode = L2TP_DATA_KERNEL;
}

static void test_kernel_mode_refusals(void **state)
{
	struct lns *l = lns_new(kernel_mode);
	struct logger lg;

	(void)state;
	/* a transport cannot carry kernel data: refused everywhere */
	assert_int_equal(l2tp_start(l->l2tp), -1);
	assert_int_equal(l->nout, 0);
	pump(l, 5);
	assert_int_equal(l->closed, 0);
	lns_free(l);
	log_init(&lg, LOG_TO_STDERR_PLAIN, LOG_LVL_ERR);
	if (l2tp_kernel_probe(&lg) != 0)
		return; /* this kernel has L2TP: covered by the interop rig */
	/* with its own socket, on a kernel without L2TP */
	{
		struct loop *loop = loop_new();
		struct l2tp_callbacks cb = {0};
		struct l2tp_config cfg;
		struct l2tp *k;

		l2tp_config_defaults(&cfg);
		cfg.peer.ss_family = AF_INET;
		((struct sockaddr_in *)&cfg.peer)->sin_addr.s_addr = htonl(0x7f000001);
		cfg.data_mode = L2TP_DATA_KERNEL;
		k = l2tp_new(loop, &lg, &cfg, &cb, NULL);
		assert_int_equal(l2tp_start(k), -1);
		assert_int_equal(l2tp_tunnel_fd(k), -1);
		l2tp_free(k);
		loop_free(loop);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_setup_and_graceful_stop),
	    cmocka_unit_test(test_tunnel_auth_both_ways),
	    cmocka_unit_test(test_tunnel_auth_wrong_secret),
	    cmocka_unit_test(test_lns_challenge_without_secret),
	    cmocka_unit_test(test_secret_but_lns_does_not_answer_challenge),
	    cmocka_unit_test(test_peer_stopccn_during_setup),
	    cmocka_unit_test(test_peer_cdn_after_established),
	    cmocka_unit_test(test_peer_stopccn_when_established),
	    cmocka_unit_test(test_after_peer_stopccn_nothing_sent),
	    cmocka_unit_test(test_unknown_mandatory_avp_stops_tunnel),
	    cmocka_unit_test(test_unknown_mandatory_avp_in_session_message),
	    cmocka_unit_test(test_unknown_optional_avps_ignored),
	    cmocka_unit_test(test_malformed_message_stops_tunnel),
	    cmocka_unit_test(test_unknown_mandatory_message_type),
	    cmocka_unit_test(test_no_answer),
	    cmocka_unit_test(test_auto_port_retry),
	    cmocka_unit_test(test_hello_and_dead_peer),
	    cmocka_unit_test(test_no_hello_while_data_arrives),
	    cmocka_unit_test(test_hello_from_lns_acked_at_once),
	    cmocka_unit_test(test_duplicate_and_reordered_from_lns),
	    cmocka_unit_test(test_wen_and_sli_accepted),
	    cmocka_unit_test(test_userspace_data),
	    cmocka_unit_test(test_userspace_data_in_place),
	    cmocka_unit_test(test_sequencing_requested),
	    cmocka_unit_test(test_stop_paths_without_peer),
	    cmocka_unit_test(test_kernel_mode_refusals),
	};
	return cmocka_run_group_tests_name("l2tp_tunnel", tests, NULL, NULL);
}
