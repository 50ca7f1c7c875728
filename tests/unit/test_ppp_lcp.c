/* Unit tests for the RFC 1661 automaton through LCP, against a scripted
 * peer: open, Nak/Reject loops, lost packets, Terminate, Echo, malformed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/buf.h"
#include "tests/ppp/harness.h"

#define LCP 0xc021
static const uint8_t peer_magic[] = {5, 6, 0x11, 0x22, 0x33, 0x44};

struct t {
	struct loop *loop;
	struct harness h;
	struct ppp_config cfg;
};

static int setup(void **state)
{
	static struct t t;

	memset(&t, 0, sizeof(t));
	t.loop = loop_new();
	h_config(&t.cfg);
	t.cfg.auth_allowed = PPP_AUTH_ALL | PPP_AUTH_ALLOW_NONE;
	*state = &t;
	return t.loop ? 0 : -1;
}

static int teardown(void **state)
{
	struct t *t = *state;

	h_free(&t->h);
	loop_free(t->loop);
	return 0;
}

static struct harness *start(struct t *t)
{
	h_init(&t->h, t->loop, &t->cfg);
	return &t->h;
}

static enum ppp_fsm_state lcp_state(struct harness *h)
{
	struct ppp_status st;

	ppp_get_status(h->ppp, &st);
	return st.lcp;
}

static void test_normal_open(void **state)
{
	struct harness *h = start(*state);
	const uint8_t *req;
	size_t len;

	assert_int_equal(ppp_start(h->ppp), 0);
	assert_int_equal(lcp_state(h), PPP_FSM_REQ_SENT);
	req = h_expect(h, LCP, 1, &len);
	/* Default MRU is not requested; a magic number is. */
	assert_int_equal(len, 10);
	assert_int_equal(req[4], 5);
	assert_int_equal(req[5], 6);
	assert_true(get_be32(req + 6) != 0);
	h_send(h, LCP, 2, req[1], req + 4, len - 4);
	assert_int_equal(lcp_state(h), PPP_FSM_ACK_RCVD);
	h_send(h, LCP, 1, 7, peer_magic, sizeof(peer_magic));
	req = h_expect(h, LCP, 2, &len);
	assert_int_equal(req[1], 7);
	assert_memory_equal(req + 4, peer_magic, sizeof(peer_magic));
	assert_int_equal(lcp_state(h), PPP_FSM_OPENED);
	/* No authentication asked: straight to IPCP. */
	h_expect(h, 0x8021, 1, NULL);
	assert_false(h->down);
}

static void test_open_via_ack_sent(void **state)
{
	struct t *t = *state;
	struct harness *h;
	const uint8_t *req;
	uint8_t mru_req[4];
	size_t len;

	t->cfg.mru = 1400;
	h = start(t);
	assert_int_equal(ppp_start(h->ppp), 0);
	req = h_expect(h, LCP, 1, &len);
	assert_int_equal(len, 14);
	put_be16(mru_req, 1400);
	assert_int_equal(req[4], 1);
	assert_memory_equal(req + 6, mru_req, 2);
	uint8_t saved[16], id = req[1];
	memcpy(saved, req + 4, len - 4);
	h_send(h, LCP, 1, 3, peer_magic, sizeof(peer_magic));
	h_expect(h, LCP, 2, NULL);
	assert_int_equal(lcp_state(h), PPP_FSM_ACK_SENT);
	h_send(h, LCP, 2, id, saved, len - 4);
	assert_int_equal(lcp_state(h), PPP_FSM_OPENED);
}

static void test_ack_mismatch_ignored(void **state)
{
	struct harness *h = start(*state);
	const uint8_t *req;
	uint8_t bad[6];
	size_t len;

	assert_int_equal(ppp_start(h->ppp), 0);
	req = h_expect(h, LCP, 1, &len);
	memcpy(bad, req + 4, 6);
	bad[5] ^= 1;
	h_send(h, LCP, 2, req[1], bad, 6); /* other options */
	assert_int_equal(lcp_state(h), PPP_FSM_REQ_SENT);
	h_send(h, LCP, 2, (uint8_t)(req[1] + 1), req + 4, 6); /* other id */
	assert_int_equal(lcp_state(h), PPP_FSM_REQ_SENT);
}

static void test_lost_packets_restart_timer(void **state)
{
	struct t *t = *state;
	struct harness *h = start(t);
	const uint8_t *req;
	uint8_t ids[8];
	size_t n = 0;

	assert_int_equal(ppp_start(h->ppp), 0);
	/* Nobody answers: Max-Configure requests, each after Restart. */
	h_run_until_down(h, 3000);
	while (h_pending(h)) {
		req = h_expect(h, LCP, 1, NULL);
		assert_true(n < sizeof(ids));
		ids[n++] = req[1];
	}
	assert_int_equal(n, t->cfg.max_configure);
	for (size_t i = 1; i < n; i++)
		assert_int_not_equal(ids[i], ids[i - 1]); /* new id each time */
	assert_true(h->down);
	assert_int_equal(h->why.reason, PPP_DOWN_NEGOTIATION_FAILED);
	assert_int_equal(lcp_state(h), PPP_FSM_STOPPED);
}

static void test_one_lost_ack_recovers(void **state)
{
	struct harness *h = start(*state);
	const uint8_t *req;
	size_t len;

	assert_int_equal(ppp_start(h->ppp), 0);
	h_drop(h); /* the first request is lost */
	h_run_until_frame(h, 2000);
	req = h_expect(h, LCP, 1, &len);
	h_send(h, LCP, 2, req[1], req + 4, len - 4);
	h_send(h, LCP, 1, 1, peer_magic, sizeof(peer_magic));
	h_expect(h, LCP, 2, NULL);
	assert_int_equal(lcp_state(h), PPP_FSM_OPENED);
}

static void test_we_nak_until_max_failure_then_reject(void **state)
{
	struct t *t = *state;
	struct harness *h = start(t);
	static const uint8_t eap[] = {3, 4, 0xc2, 0x27};
	const uint8_t *ans;
	size_t len;

	assert_int_equal(ppp_start(h->ppp), 0);
	h_drop(h);
	for (unsigned i = 0; i < t->cfg.max_failure; i++) {
		h_send(h, LCP, 1, (uint8_t)i, eap, sizeof(eap));
		ans = h_expect(h, LCP, 3, &len); /* Nak: MS-CHAPv2 */
		assert_int_equal(len, 4 + 5);
		assert_int_equal(ans[4], 3);
		assert_int_equal(get_be16(ans + 6), 0xc223);
		assert_int_equal(ans[8], 0x81);
	}
	h_send(h, LCP, 1, 50, eap, sizeof(eap));
	ans = h_expect(h, LCP, 4, &len); /* Max-Failure: Reject */
	assert_memory_equal(ans + 4, eap, sizeof(eap));
}

static void test_peer_naks_forever(void **state)
{
	struct t *t = *state;
	struct harness *h = start(t);
	const uint8_t *req;
	uint8_t nak[6] = {5, 6, 1, 2, 3, 4};
	size_t len;

	assert_int_equal(ppp_start(h->ppp), 0);
	for (unsigned i = 0; i <= t->cfg.max_failure; i++) {
		req = h_expect(h, LCP, 1, &len);
		h_send(h, LCP, 3, req[1], nak, sizeof(nak));
	}
	/* Not converging: we terminate. */
	h_expect(h, LCP, 5, NULL);
	h_run_until_down(h, 2000);
	assert_true(h->down);
	assert_int_equal(h->why.reason, PPP_DOWN_NEGOTIATION_FAILED);
}

static void test_reject_of_unsent_option_ignored(void **state)
{
	struct harness *h = start(*state);
	static const uint8_t rej[] = {1, 4, 5, 0xdc};
	const uint8_t *req;
	size_t len;

	assert_int_equal(ppp_start(h->ppp), 0);
	req = h_expect(h, LCP, 1, &len);
	h_send(h, LCP, 4, req[1], rej, sizeof(rej)); /* we never sent MRU */
	assert_int_equal(h_pending(h), 0);
	/* A proper Reject of the magic number drops it from the next request. */
	h_send(h, LCP, 4, req[1], req + 4, len - 4);
	req = h_expect(h, LCP, 1, &len);
	assert_int_equal(len, 4);
}

static void test_peer_terminate(void **state)
{
	struct harness *h = start(*state);

	h_open_lcp(h, peer_magic, sizeof(peer_magic));
	h_flush(h);
	h_send(h, LCP, 5, 99, NULL, 0);
	assert_int_equal(h_expect(h, LCP, 6, NULL)[1], 99);
	assert_int_equal(lcp_state(h), PPP_FSM_STOPPING);
	assert_false(h->down);
	h_run_until_down(h, 2000); /* one Restart period, then tlf */
	assert_true(h->down);
	assert_int_equal(h->why.reason, PPP_DOWN_PEER_TERMINATE);
}

static void test_our_close(void **state)
{
	struct harness *h = start(*state);
	const uint8_t *req;

	h_open_lcp(h, peer_magic, sizeof(peer_magic));
	h_flush(h);
	ppp_close(h->ppp);
	req = h_expect(h, LCP, 5, NULL);
	assert_false(h->down);
	h_send(h, LCP, 6, req[1], NULL, 0);
	assert_true(h->down);
	assert_int_equal(h->why.reason, PPP_DOWN_LOCAL_CLOSE);
	assert_int_equal(lcp_state(h), PPP_FSM_CLOSED);
}

static void test_our_close_unanswered(void **state)
{
	struct t *t = *state;
	struct harness *h = start(t);
	unsigned n = 0;

	h_open_lcp(h, peer_magic, sizeof(peer_magic));
	h_flush(h);
	ppp_close(h->ppp);
	h_run_until_down(h, 3000);
	while (h_pending(h)) {
		h_expect(h, LCP, 5, NULL);
		n++;
	}
	assert_int_equal(n, t->cfg.max_terminate);
	assert_true(h->down);
	assert_int_equal(h->why.reason, PPP_DOWN_LOCAL_CLOSE);
}

static void test_close_before_start(void **state)
{
	struct harness *h = start(*state);

	ppp_close(h->ppp);
	assert_true(h->down);
	assert_int_equal(h->why.reason, PPP_DOWN_LOCAL_CLOSE);
	assert_int_equal(h_pending(h), 0);
}

static void test_lower_down(void **state)
{
	struct harness *h = start(*state);

	h_open_lcp(h, peer_magic, sizeof(peer_magic));
	h_flush(h);
	ppp_lower_down(h->ppp);
	assert_true(h->down);
	assert_int_equal(h->why.reason, PPP_DOWN_LOWER_DOWN);
	assert_int_equal(h_pending(h), 0);
	h_send(h, LCP, 1, 1, peer_magic, sizeof(peer_magic)); /* ignored now */
	assert_int_equal(h_pending(h), 0);
}

static void test_renegotiation_in_opened(void **state)
{
	struct harness *h = start(*state);

	h_open_lcp(h, peer_magic, sizeof(peer_magic));
	h_flush(h);
	h_send(h, LCP, 1, 40, peer_magic, sizeof(peer_magic));
	h_expect(h, LCP, 1, NULL); /* tld, scr */
	h_expect(h, LCP, 2, NULL); /* sca */
	assert_int_equal(lcp_state(h), PPP_FSM_ACK_SENT);
}

static void test_unknown_code_rejected(void **state)
{
	struct harness *h = start(*state);
	static const uint8_t junk[] = {1, 2, 3};
	const uint8_t *rej;
	size_t len;

	h_open_lcp(h, peer_magic, sizeof(peer_magic));
	h_flush(h);
	h_send(h, LCP, 42, 5, junk, sizeof(junk));
	rej = h_expect(h, LCP, 7, &len);
	assert_int_equal(len, 4 + 4 + sizeof(junk));
	assert_int_equal(rej[4], 42);
	assert_int_equal(rej[5], 5);
	assert_memory_equal(rej + 8, junk, sizeof(junk));
	/* Identification (RFC 1570) and Discard-Request: silently taken. */
	h_send(h, LCP, 12, 6, junk, sizeof(junk));
	h_send(h, LCP, 11, 7, junk, sizeof(junk));
	assert_int_equal(h_pending(h), 0);
}

static void test_code_reject_of_conf_req_is_fatal(void **state)
{
	struct harness *h = start(*state);
	static const uint8_t rejected[] = {1, 1, 0, 4};
	static const uint8_t rejected_echo[] = {9, 1, 0, 8, 0, 0, 0, 0};

	h_open_lcp(h, peer_magic, sizeof(peer_magic));
	h_flush(h);
	h_send(h, LCP, 7, 3, rejected_echo, sizeof(rejected_echo)); /* RXJ+ */
	assert_int_equal(lcp_state(h), PPP_FSM_OPENED);
	h_send(h, LCP, 7, 4, rejected, sizeof(rejected)); /* RXJ- */
	assert_int_equal(lcp_state(h), PPP_FSM_STOPPING);
	h_expect(h, LCP, 5, NULL);
	h_run_until_down(h, 2000);
	assert_true(h->down);
}

static void test_echo_reply(void **state)
{
	struct harness *h = start(*state);
	static const uint8_t echo[] = {0x11, 0x22, 0x33, 0x44, 'h', 'i'};
	const uint8_t *rep;
	size_t len;

	/* Before Opened an Echo-Request is discarded. */
	assert_int_equal(ppp_start(h->ppp), 0);
	h_flush(h);
	h_send(h, LCP, 9, 1, echo, sizeof(echo));
	assert_int_equal(h_pending(h), 0);
	ppp_free(h->ppp);
	h_init(h, h->loop, &((struct t *)*state)->cfg);
	h_open_lcp(h, peer_magic, sizeof(peer_magic));
	h_flush(h);
	h_send(h, LCP, 9, 8, echo, sizeof(echo));
	rep = h_expect(h, LCP, 10, &len);
	assert_int_equal(rep[1], 8);
	assert_int_equal(len, 4 + sizeof(echo));
	assert_true(get_be32(rep + 4) != 0x11223344); /* our magic, not theirs */
	assert_memory_equal(rep + 8, "hi", 2);
	/* Too short for a magic number: dropped. */
	h_send(h, LCP, 9, 9, echo, 3);
	assert_int_equal(h_pending(h), 0);
}

static void test_echo_timeout(void **state)
{
	struct t *t = *state;
	struct harness *h;
	unsigned echoes = 0;

	t->cfg.echo_interval_s = 1;
	t->cfg.echo_failure = 1;
	t->cfg.restart_ms = 2000; /* IPCP (unanswered here) must outlive the test */
	h = start(t);
	h_open_lcp(h, peer_magic, sizeof(peer_magic));
	h_flush(h);
	h_run(h, 1100);
	assert_false(h->down);
	const uint8_t *req = h_expect_skip(h, LCP, 9, NULL);
	echoes++;
	/* An answer resets the count. */
	h_send(h, LCP, 10, req[1], peer_magic + 2, 4);
	h_run(h, 1000);
	h_expect_skip(h, LCP, 9, NULL);
	echoes++;
	assert_false(h->down);
	h_run(h, 1100); /* unanswered: dead */
	assert_true(echoes == 2);
	req = h_expect_skip(h, LCP, 5, NULL);
	assert_false(h->down);
	h_send(h, LCP, 6, req[1], NULL, 0);
	assert_true(h->down);
	assert_int_equal(h->why.reason, PPP_DOWN_ECHO_TIMEOUT);
}

static void test_magic_loopback(void **state)
{
	struct t *t = *state;
	struct harness *h = start(t);
	const uint8_t *req, *ans;
	uint8_t mine[6];
	size_t len;

	assert_int_equal(ppp_start(h->ppp), 0);
	for (unsigned i = 0; i <= t->cfg.max_failure && !h->down; i++) {
		req = h_expect(h, LCP, 1, &len);
		memcpy(mine, req + 4, 6);
		/* Our own request comes back as the peer's. */
		h_send(h, LCP, 1, (uint8_t)(100 + i), mine, sizeof(mine));
		if (i == t->cfg.max_failure)
			break;
		ans = h_expect(h, LCP, 3, &len); /* Nak with another magic */
		assert_int_equal(ans[4], 5);
		assert_memory_not_equal(ans + 6, mine + 2, 4);
		h_run_until_frame(h, 2000); /* retransmission carries our new magic */
	}
	h_run_until_down(h, 2000);
	assert_true(h->down);
	assert_int_equal(h->why.reason, PPP_DOWN_LOOPBACK);
}

static void test_zero_magic_naked(void **state)
{
	struct harness *h = start(*state);
	static const uint8_t zero[] = {5, 6, 0, 0, 0, 0};
	const uint8_t *ans;

	assert_int_equal(ppp_start(h->ppp), 0);
	h_drop(h);
	h_send(h, LCP, 1, 1, zero, sizeof(zero));
	ans = h_expect(h, LCP, 3, NULL);
	assert_true(get_be32(ans + 6) != 0);
}

static void answer_auth(struct harness *h, const uint8_t *opt, size_t len, uint8_t code,
                        const uint8_t *want, size_t want_len)
{
	const uint8_t *ans;
	size_t alen;

	h_send(h, LCP, 1, 1, opt, len);
	ans = h_expect(h, LCP, code, &alen);
	assert_int_equal(alen - 4, want_len);
	assert_memory_equal(ans + 4, want, want_len);
}

static void test_auth_option_choices(void **state)
{
	struct t *t = *state;
	struct harness *h;
	static const uint8_t pap[] = {3, 4, 0xc0, 0x23};
	static const uint8_t md5[] = {3, 5, 0xc2, 0x23, 5};
	static const uint8_t ms2[] = {3, 5, 0xc2, 0x23, 0x81};
	static const uint8_t ms1[] = {3, 5, 0xc2, 0x23, 0x80};

	t->cfg.auth_allowed = PPP_AUTH_PAP | PPP_AUTH_CHAP_MD5;
	h = start(t);
	assert_int_equal(ppp_start(h->ppp), 0);
	h_drop(h);
	answer_auth(h, pap, sizeof(pap), 2, pap, sizeof(pap));
	answer_auth(h, md5, sizeof(md5), 2, md5, sizeof(md5));
	answer_auth(h, ms2, sizeof(ms2), 3, md5, sizeof(md5)); /* refused: next best */
	answer_auth(h, ms1, sizeof(ms1), 3, md5, sizeof(md5)); /* MS-CHAPv1: never */
	h_free(h);

	t->cfg.auth_allowed = PPP_AUTH_PAP;
	h = start(t);
	assert_int_equal(ppp_start(h->ppp), 0);
	h_drop(h);
	answer_auth(h, ms2, sizeof(ms2), 3, pap, sizeof(pap));
	h_free(h);

	t->cfg.auth_allowed = 0; /* we cannot authenticate at all */
	h = start(t);
	assert_int_equal(ppp_start(h->ppp), 0);
	h_drop(h);
	answer_auth(h, pap, sizeof(pap), 4, pap, sizeof(pap));
}

static void test_options_rejected_and_accepted(void **state)
{
	struct t *t = *state;
	struct harness *h;
	/* ACCM, PFC, ACFC are fine; quality protocol and MRRU are not. */
	static const uint8_t opts[] = {2, 6, 0, 0,    0,    0,  7, 2, 8,
	                               2, 4, 4, 0xc0, 0x25, 17, 4, 5, 0xdc};
	static const uint8_t rej[] = {4, 4, 0xc0, 0x25, 17, 4, 5, 0xdc};
	static const uint8_t ok[] = {2, 6, 0, 0, 0, 0, 7, 2, 8, 2};
	static const uint8_t refused[] = {7, 2, 8, 2};

	h = start(t);
	assert_int_equal(ppp_start(h->ppp), 0);
	h_drop(h);
	answer_auth(h, opts, sizeof(opts), 4, rej, sizeof(rej));
	answer_auth(h, ok, sizeof(ok), 2, ok, sizeof(ok));
	h_free(h);
	t->cfg.refuse_acfc = t->cfg.refuse_pfc = true;
	h = start(t);
	assert_int_equal(ppp_start(h->ppp), 0);
	h_drop(h);
	answer_auth(h, ok, sizeof(ok), 4, refused, sizeof(refused));
}

static void test_small_mru_naked(void **state)
{
	struct harness *h = start(*state);
	static const uint8_t tiny[] = {1, 4, 0, 10};
	static const uint8_t nak[] = {1, 4, 0, 64};
	static const uint8_t fine[] = {1, 4, 0x05, 0x00};

	assert_int_equal(ppp_start(h->ppp), 0);
	h_drop(h);
	answer_auth(h, tiny, sizeof(tiny), 3, nak, sizeof(nak));
	answer_auth(h, fine, sizeof(fine), 2, fine, sizeof(fine));
}

static void test_malformed_frames(void **state)
{
	struct harness *h = start(*state);
	struct ppp_status st;
	static const uint8_t f_short[] = {0xff};
	static const uint8_t f_hdr_only[] = {0xff, 0x03};
	static const uint8_t f_bad_proto[] = {0xff, 0x03, 0xc0, 0x22, 1, 1, 0, 4};
	static const uint8_t f_lcp_short[] = {0xff, 0x03, 0xc0, 0x21, 1, 1, 0};
	static const uint8_t f_len_small[] = {0xff, 0x03, 0xc0, 0x21, 1, 1, 0, 3};
	static const uint8_t f_len_big[] = {0xff, 0x03, 0xc0, 0x21, 1, 1, 0, 20, 5, 6};
	static const uint8_t f_opt_len0[] = {0xff, 0x03, 0xc0, 0x21, 1, 1, 0, 6, 5, 0};
	static const uint8_t f_opt_len1[] = {0xff, 0x03, 0xc0, 0x21, 1, 1, 0, 6, 5, 1};
	static const uint8_t f_opt_long[] = {0xff, 0x03, 0xc0, 0x21, 1, 1, 0, 8, 5, 6, 1, 2};
	static const uint8_t f_ack_trunc[] = {0xff, 0x03, 0xc0, 0x21, 3, 1, 0, 7, 5, 6, 1};

	assert_int_equal(ppp_start(h->ppp), 0);
	h_drop(h);
	h_send_raw(h, f_short, 0);
	h_send_raw(h, f_short, sizeof(f_short));
	h_send_raw(h, f_hdr_only, sizeof(f_hdr_only));
	h_send_raw(h, f_bad_proto, sizeof(f_bad_proto));
	h_send_raw(h, f_lcp_short, sizeof(f_lcp_short));
	h_send_raw(h, f_len_small, sizeof(f_len_small));
	h_send_raw(h, f_len_big, sizeof(f_len_big));
	h_send_raw(h, f_opt_len0, sizeof(f_opt_len0));
	h_send_raw(h, f_opt_len1, sizeof(f_opt_len1));
	h_send_raw(h, f_opt_long, sizeof(f_opt_long));
	h_send_raw(h, f_ack_trunc, sizeof(f_ack_trunc));
	assert_int_equal(h_pending(h), 0); /* no answer to any of them */
	ppp_get_status(h->ppp, &st);
	assert_int_equal(st.lcp, PPP_FSM_REQ_SENT);
	assert_true(st.dropped >= 6);
	assert_false(h->down);
}

static void test_compressed_headers_and_padding(void **state)
{
	struct harness *h = start(*state);
	/* No FF 03 (ACFC), with padding after Length (§5). */
	static const uint8_t f[] = {0xc0, 0x21, 1, 9, 0, 10, 5, 6, 1, 2, 3, 4, 0xee, 0xee};
	const uint8_t *ans;
	size_t len;

	assert_int_equal(ppp_start(h->ppp), 0);
	h_drop(h);
	h_send_raw(h, f, sizeof(f));
	ans = h_expect(h, LCP, 2, &len);
	assert_int_equal(len, 10); /* padding is not echoed */
	assert_int_equal(ans[1], 9);
}

static void test_protocol_reject(void **state)
{
	struct harness *h = start(*state);
	static const uint8_t ccp[] = {0xff, 0x03, 0x80, 0xfd, 1, 1, 0, 4};
	const uint8_t *rej;
	size_t len;

	assert_int_equal(ppp_start(h->ppp), 0);
	h_drop(h);
	h_send_raw(h, ccp, sizeof(ccp)); /* not Opened yet: silently dropped */
	assert_int_equal(h_pending(h), 0);
	ppp_free(h->ppp);
	h_init(h, h->loop, &((struct t *)*state)->cfg);
	h_open_lcp(h, peer_magic, sizeof(peer_magic));
	h_flush(h);
	h_send_raw(h, ccp, sizeof(ccp));
	rej = h_expect(h, LCP, 8, &len);
	assert_int_equal(get_be16(rej + 4), 0x80fd);
	assert_memory_equal(rej + 6, ccp + 4, 4);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_normal_open),
	    T(test_open_via_ack_sent),
	    T(test_ack_mismatch_ignored),
	    T(test_lost_packets_restart_timer),
	    T(test_one_lost_ack_recovers),
	    T(test_we_nak_until_max_failure_then_reject),
	    T(test_peer_naks_forever),
	    T(test_reject_of_unsent_option_ignored),
	    T(test_peer_terminate),
	    T(test_our_close),
	    T(test_our_close_unanswered),
	    T(test_close_before_start),
	    T(test_lower_down),
	    T(test_renegotiation_in_opened),
	    T(test_unknown_code_rejected),
	    T(test_code_reject_of_conf_req_is_fatal),
	    T(test_echo_reply),
	    T(test_echo_timeout),
	    T(test_magic_loopback),
	    T(test_zero_magic_naked),
	    T(test_auth_option_choices),
	    T(test_options_rejected_and_accepted),
	    T(test_small_mru_naked),
	    T(test_malformed_frames),
	    T(test_compressed_headers_and_padding),
	    T(test_protocol_reject),
	};

	return cmocka_run_group_tests_name("ppp_lcp", tests, NULL, NULL);
}
