/* Unit tests for PAP, CHAP-MD5 and MS-CHAPv2 as a client against a scripted
 * authenticator (the peer asks for the method in its LCP request). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/buf.h"
#include "lib/hex.h"
#include "ppp/mschapv2.h"
#include "tests/ppp/harness.h"

#define PAP  0xc023
#define CHAP 0xc223
static const uint8_t opt_pap[] = {3, 4, 0xc0, 0x23, 5, 6, 1, 2, 3, 4};
static const uint8_t opt_md5[] = {3, 5, 0xc2, 0x23, 5, 5, 6, 1, 2, 3, 4};
static const uint8_t opt_ms2[] = {3, 5, 0xc2, 0x23, 0x81, 5, 6, 1, 2, 3, 4};

struct t {
	struct loop *loop;
	struct harness h;
	struct ppp_config cfg;
	struct ppp_crypto crypto;
};

static int setup(void **state)
{
	static struct t t;

	memset(&t, 0, sizeof(t));
	t.loop = loop_new();
	h_config(&t.cfg);
	if (ppp_crypto_init(&t.crypto) < 0 || ppp_crypto_legacy_load(&t.crypto) < 0)
		return -1;
	*state = &t;
	return t.loop ? 0 : -1;
}

static int teardown(void **state)
{
	struct t *t = *state;

	h_free(&t->h);
	ppp_crypto_free(&t->crypto);
	loop_free(t->loop);
	return 0;
}

static struct harness *open_with(struct t *t, const uint8_t *opts, size_t len)
{
	h_init(&t->h, t->loop, &t->cfg);
	h_open_lcp(&t->h, opts, len);
	return &t->h;
}

static bool in_network_phase(struct harness *h)
{
	struct ppp_status st;

	ppp_get_status(h->ppp, &st);
	return st.phase == PPP_PHASE_NETWORK && st.auth_done;
}

static void test_pap_success(void **state)
{
	struct harness *h = open_with(*state, opt_pap, sizeof(opt_pap));
	static const uint8_t want[] = {4,   'U', 's', 'e', 'r', 10,  'c', 'l',
	                               'i', 'e', 'n', 't', 'P', 'a', 's', 's'};
	static const uint8_t ack[] = {2, 'o', 'k'};
	const uint8_t *req;
	size_t len;

	req = h_expect(h, PAP, 1, &len);
	assert_int_equal(len, 4 + sizeof(want));
	assert_memory_equal(req + 4, want, sizeof(want));
	assert_false(in_network_phase(h));
	h_send(h, PAP, 2, (uint8_t)(req[1] + 1), ack, sizeof(ack)); /* wrong id: ignored */
	assert_false(in_network_phase(h));
	h_send(h, PAP, 2, req[1], ack, sizeof(ack));
	assert_true(in_network_phase(h));
	h_expect(h, 0x8021, 1, NULL);
}

static void test_pap_refused(void **state)
{
	struct harness *h = open_with(*state, opt_pap, sizeof(opt_pap));
	static const uint8_t nak[] = {9, 'b', 'a', 'd', ' ', 'p', 'a', 's', 's', '\n'};
	const uint8_t *req;

	req = h_expect(h, PAP, 1, NULL);
	h_send(h, PAP, 3, req[1], nak, sizeof(nak));
	h_expect(h, 0xc021, 5, NULL); /* we terminate the link */
	h_run_until_down(h, 2000);
	assert_true(h->down);
	assert_int_equal(h->why.reason, PPP_DOWN_AUTH_FAILED);
	assert_int_equal(h->why.auth, PPP_AUTH_PAP);
	assert_non_null(strstr(h->why.message, "bad pass"));
}

static void test_pap_retransmits_then_gives_up(void **state)
{
	struct t *t = *state;
	struct harness *h = open_with(t, opt_pap, sizeof(opt_pap));
	unsigned n = 0;

	h_run_until_down(h, 3000);
	while (h_pending(h)) {
		size_t slot = h->head % H_MAX_FRAMES;

		if (get_be16(h->frames[slot] + 2) == PAP)
			n++;
		h_drop(h);
	}
	assert_int_equal(n, t->cfg.max_configure);
	assert_true(h->down);
	assert_int_equal(h->why.reason, PPP_DOWN_AUTH_FAILED);
}

static void test_pap_garbage(void **state)
{
	struct harness *h = open_with(*state, opt_pap, sizeof(opt_pap));
	const uint8_t *req = h_expect(h, PAP, 1, NULL);
	static const uint8_t bad_msglen[] = {200, 'x'};
	uint8_t id = req[1];

	h_send(h, PAP, 9, id, NULL, 0); /* unknown code */
	h_send(h, PAP, 1, id, NULL, 0); /* a request: we are no authenticator */
	assert_false(in_network_phase(h));
	/* Msg-Length beyond the packet: take what is there. */
	h_send(h, PAP, 2, id, bad_msglen, sizeof(bad_msglen));
	assert_true(in_network_phase(h));
}

static void send_challenge(struct harness *h, uint8_t id, const uint8_t *chal, size_t clen)
{
	uint8_t body[64];

	body[0] = (uint8_t)clen;
	memcpy(body + 1, chal, clen);
	memcpy(body + 1 + clen, "gw", 2);
	h_send(h, CHAP, 1, id, body, 1 + clen + 2);
}

static void test_chap_md5_success(void **state)
{
	struct t *t = *state;
	struct harness *h = open_with(t, opt_md5, sizeof(opt_md5));
	uint8_t chal[16], want[16];
	const uint8_t *resp;
	size_t len;

	for (int i = 0; i < 16; i++)
		chal[i] = (uint8_t)i;
	send_challenge(h, 42, chal, sizeof(chal));
	resp = h_expect(h, CHAP, 2, &len);
	assert_int_equal(resp[1], 42);
	assert_int_equal(len, 4 + 1 + 16 + 4);
	assert_int_equal(resp[4], 16);
	/* MD5(42 || "clientPass" || 00..0f), computed independently */
	assert_int_equal(hex_decode("902768991decf7e13b5231be953c74d8", want, 16), 16);
	assert_memory_equal(resp + 5, want, 16);
	assert_memory_equal(resp + 21, "User", 4);
	h_send(h, CHAP, 3, 42, "Welcome", 7);
	assert_true(in_network_phase(h));
}

static void test_chap_md5_failure(void **state)
{
	struct harness *h = open_with(*state, opt_md5, sizeof(opt_md5));
	static const uint8_t chal[8] = {1, 2, 3, 4, 5, 6, 7, 8};

	h_send(h, CHAP, 4, 1, "early", 5); /* before any response: ignored */
	assert_false(h->down);
	send_challenge(h, 1, chal, sizeof(chal));
	h_expect(h, CHAP, 2, NULL);
	h_send(h, CHAP, 4, 1, "Access denied", 13);
	h_run_until_down(h, 2000);
	assert_true(h->down);
	assert_int_equal(h->why.reason, PPP_DOWN_AUTH_FAILED);
	assert_int_equal(h->why.auth, PPP_AUTH_CHAP_MD5);
	assert_non_null(strstr(h->why.message, "Access denied"));
}

static void test_chap_malformed_challenge(void **state)
{
	struct harness *h = open_with(*state, opt_md5, sizeof(opt_md5));
	static const uint8_t zero_size[] = {0, 'g', 'w'};
	static const uint8_t too_long[] = {50, 1, 2};

	h_send(h, CHAP, 1, 1, zero_size, sizeof(zero_size));
	h_send(h, CHAP, 1, 1, too_long, sizeof(too_long));
	h_send(h, CHAP, 1, 1, NULL, 0);
	assert_int_equal(h_pending(h), 0);
	assert_false(h->down);
}

/* MS-CHAPv2 as the authenticator would check it, with the RFC 2759
 * functions: returns the S= string the authenticator would send. */
static void check_mschapv2_response(struct t *t, const uint8_t *resp, size_t len,
                                    const uint8_t auth_chal[16], char s[43])
{
	uint8_t nt[24];

	assert_int_equal(len, 4 + 1 + 49 + 4);
	assert_int_equal(resp[4], 49);
	for (int i = 0; i < 8; i++)
		assert_int_equal(resp[5 + 16 + i], 0); /* reserved */
	assert_int_equal(resp[5 + 48], 0);             /* flags */
	assert_memory_equal(resp + 54, "User", 4);
	assert_int_equal(mschapv2_nt_response(&t->crypto, auth_chal, resp + 5, "User",
	                                      (const uint8_t *)"clientPass", 10, nt),
	                 0);
	assert_memory_equal(resp + 5 + 24, nt, 24);
	assert_int_equal(mschapv2_authenticator_response(&t->crypto, (const uint8_t *)"clientPass",
	                                                 10, nt, resp + 5, auth_chal, "User", s),
	                 0);
}

/* Success message: pre, then our S= when with_s, then post. */
static void mschapv2_exchange(void **state, const char *pre, bool with_s, const char *post,
                              bool expect_ok)
{
	struct t *t = *state;
	struct harness *h = open_with(t, opt_ms2, sizeof(opt_ms2));
	uint8_t chal[16];
	char s[43], msg[128];
	const uint8_t *resp;
	size_t len;

	assert_int_equal(hex_decode("5B5D7C7D7B3F2F3E3C2C602132262628", chal, 16), 16);
	send_challenge(h, 7, chal, sizeof(chal));
	resp = h_expect(h, CHAP, 2, &len);
	assert_int_equal(resp[1], 7);
	check_mschapv2_response(t, resp, len, chal, s);
	snprintf(msg, sizeof(msg), "%s%s%s", pre, with_s ? s : "", post);
	h_send(h, CHAP, 3, 7, msg, strlen(msg));
	if (expect_ok) {
		assert_true(in_network_phase(h));
		assert_false(h->down);
	} else {
		h_run_until_down(h, 2000);
		assert_true(h->down);
		assert_int_equal(h->why.reason, PPP_DOWN_AUTH_FAILED);
		assert_int_equal(h->why.auth, PPP_AUTH_MSCHAPV2);
	}
}

static void test_mschapv2_success(void **state)
{
	mschapv2_exchange(state, "", true, " M=Access granted", true);
}

static void test_mschapv2_rras_success(void **state)
{
	mschapv2_exchange(state, "", true, "", true); /* no M= at all */
}

static void test_mschapv2_rras_success_nospace(void **state)
{
	mschapv2_exchange(state, "", true, "M=ok", true);
}

static void test_mschapv2_wrong_authenticator(void **state)
{
	mschapv2_exchange(state, "S=0000000000000000000000000000000000000000 M=", false, "", false);
}

static void test_mschapv2_no_authenticator(void **state)
{
	mschapv2_exchange(state, "M=Welcome", false, "", false);
}

static void test_mschapv2_failure(void **state)
{
	struct t *t = *state;
	struct harness *h = open_with(t, opt_ms2, sizeof(opt_ms2));
	static const char fail[] = "E=691 R=0 C=0123456789ABCDEF0123456789ABCDEF V=3 M=Nope";
	uint8_t chal[16] = {0};

	send_challenge(h, 3, chal, sizeof(chal));
	h_expect(h, CHAP, 2, NULL);
	h_send(h, CHAP, 4, 3, fail, strlen(fail));
	h_run_until_down(h, 2000);
	assert_true(h->down);
	assert_int_equal(h->why.reason, PPP_DOWN_AUTH_FAILED);
	assert_non_null(strstr(h->why.message, "691"));
	assert_non_null(strstr(h->why.message, "Nope"));
}

static void test_mschapv2_challenge_wrong_size(void **state)
{
	struct harness *h = open_with(*state, opt_ms2, sizeof(opt_ms2));
	uint8_t chal[8] = {0};

	send_challenge(h, 3, chal, sizeof(chal)); /* MS-CHAPv2 needs 16 */
	assert_int_equal(h_pending(h), 0);
}

static void test_secret_not_in_logs(void **state)
{
	/* Full PAP and MS-CHAPv2 runs with every log line kept at debug
	 * level: the password never shows up. */
	struct t *t = *state;
	struct harness *h = open_with(t, opt_pap, sizeof(opt_pap));
	const uint8_t *req = h_expect(h, PAP, 1, NULL);

	h_send(h, PAP, 3, req[1], "\0", 1);
	h_run(h, 100);
	assert_true(h->log_len > 0);
	assert_null(strstr(h->log, "clientPass"));
	assert_null(strstr(h->log, "User\x0a"
	                           "clientPass"));
	h_free(h);
	mschapv2_exchange(state, "", true, " M=ok", true);
	assert_null(strstr(t->h.log, "clientPass"));
	assert_non_null(strstr(t->h.log, "MS-CHAPv2: authenticated"));
}

/* ---- issue #14 finding 3: who the gateway must prove itself to be ---- */

static const uint8_t opt_magic_only[] = {5, 6, 1, 2, 3, 4};

/* A gateway (or a PSK holder posing as it) that asks for no authentication
 * proves nothing: refused by default, before any NCP. */
static void test_no_authentication_refused_by_default(void **state)
{
	struct t *t = *state;
	struct harness *h;

	t->cfg.auth_allowed = PPP_AUTH_MSCHAPV2;
	h = open_with(t, opt_magic_only, sizeof(opt_magic_only));
	h_expect_find(h, 0xc021, 5, NULL); /* Terminate-Request */
	assert_false(in_network_phase(h));
	h_run_until_down(h, 2000);
	assert_true(h->down);
	assert_int_equal(h->why.reason, PPP_DOWN_AUTH_REFUSED);
	assert_int_equal(h->why.auth, PPP_AUTH_NONE);
}

static void test_no_authentication_when_allowed(void **state)
{
	struct t *t = *state;
	struct harness *h;
	struct ppp_status st;

	t->cfg.auth_allowed = PPP_AUTH_MSCHAPV2 | PPP_AUTH_ALLOW_NONE;
	h = open_with(t, opt_magic_only, sizeof(opt_magic_only));
	ppp_get_status(h->ppp, &st);
	assert_int_equal(st.phase, PPP_PHASE_NETWORK);
	h_expect_find(h, 0x8021, 1, NULL); /* IPCP starts */
	assert_false(h->down);
}

/* A gateway that insists on PAP: Nak'd with MS-CHAPv2 (RFC 1661 §6.2), and
 * when it gives up the failure names PAP. */
static void test_pap_refused_and_named(void **state)
{
	struct t *t = *state;
	struct harness *h;
	const uint8_t *nak;
	size_t len;

	t->cfg.auth_allowed = PPP_AUTH_MSCHAPV2;
	h_init(&t->h, t->loop, &t->cfg);
	h = &t->h;
	assert_int_equal(ppp_start(h->ppp), 0);
	h_flush(h);
	h_send(h, 0xc021, 1, 1, opt_pap, sizeof(opt_pap));
	nak = h_expect(h, 0xc021, 3, &len);
	assert_int_equal(len, 9);
	assert_int_equal(nak[6], 0xc2);   /* CHAP ... */
	assert_int_equal(nak[8], 0x81);   /* ... MS-CHAPv2 */
	h_send(h, 0xc021, 5, 2, NULL, 0); /* it gives up */
	h_run_until_down(h, 2000);
	assert_true(h->down);
	assert_int_equal(h->why.reason, PPP_DOWN_AUTH_REFUSED);
	assert_int_equal(h->why.auth, PPP_AUTH_PAP);
}

/* l2tpns asks for CHAP-MD5 again after each Nak and then hangs up the L2TP
 * call: the lower layer goes, LCP never finishes. What it asked for is still
 * known (ppp_peer_auth_refused) so the client can name the setting. */
static void test_insisting_peer_then_hangup_named(void **state)
{
	static const uint8_t opt_chap_md5[] = {0x03, 0x05, 0xc2, 0x23, 0x05};
	struct t *t = *state;
	struct ppp_failure why;
	struct harness *h;
	size_t len;

	t->cfg.auth_allowed = PPP_AUTH_MSCHAPV2;
	h_init(&t->h, t->loop, &t->cfg);
	h = &t->h;
	assert_int_equal(ppp_start(h->ppp), 0);
	h_flush(h);
	assert_false(ppp_peer_auth_refused(h->ppp, &why)); /* nothing asked yet */
	for (uint8_t id = 1; id <= 3; id++) {
		h_send(h, 0xc021, 1, id, opt_chap_md5, sizeof(opt_chap_md5));
		(void)h_expect(h, 0xc021, 3, &len); /* Nak each time */
	}
	assert_true(ppp_peer_auth_refused(h->ppp, &why));
	assert_int_equal(why.reason, PPP_DOWN_AUTH_REFUSED);
	assert_int_equal(why.auth, PPP_AUTH_CHAP_MD5);
}

/* pppd as the gateway, after our Nak of PAP, asks for no authentication at
 * all (seen in the rig): refused, and named by the PAP it wanted. */
static void test_pap_then_none_named_pap(void **state)
{
	struct t *t = *state;
	struct harness *h;
	const uint8_t *req;
	size_t len;

	t->cfg.auth_allowed = PPP_AUTH_MSCHAPV2;
	h_init(&t->h, t->loop, &t->cfg);
	h = &t->h;
	assert_int_equal(ppp_start(h->ppp), 0);
	req = h_expect(h, 0xc021, 1, &len);
	h_send(h, 0xc021, 2, req[1], req + 4, len - 4); /* our request acked */
	h_send(h, 0xc021, 1, 1, opt_pap, sizeof(opt_pap));
	h_expect(h, 0xc021, 3, NULL); /* Nak: MS-CHAPv2 */
	h_send(h, 0xc021, 1, 2, opt_magic_only, sizeof(opt_magic_only));
	h_expect(h, 0xc021, 2, NULL);      /* Ack: LCP opens */
	h_expect_find(h, 0xc021, 5, NULL); /* and we leave */
	h_run_until_down(h, 2000);
	assert_int_equal(h->why.reason, PPP_DOWN_AUTH_REFUSED);
	assert_int_equal(h->why.auth, PPP_AUTH_PAP);
}

/* A gateway that demands MPPE (CCP option 18, RFC 3078) and leaves when we
 * reject CCP: the failure says MPPE, not "terminated". */
static void test_mppe_demand_named(void **state)
{
	struct t *t = *state;
	struct harness *h;
	static const uint8_t mppe[] = {18, 6, 0, 0, 0, 0x40};

	h = open_with(t, opt_magic_only, sizeof(opt_magic_only));
	h_flush(h);
	h_send(h, 0x80fd, 1, 1, mppe, sizeof(mppe));
	h_expect_find(h, 0xc021, 8, NULL); /* Protocol-Reject */
	h_send(h, 0xc021, 5, 9, NULL, 0);
	h_run_until_down(h, 2000);
	assert_true(h->down);
	assert_int_equal(h->why.reason, PPP_DOWN_MPPE_REQUIRED);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_pap_success),
	    T(test_pap_refused),
	    T(test_pap_retransmits_then_gives_up),
	    T(test_pap_garbage),
	    T(test_chap_md5_success),
	    T(test_chap_md5_failure),
	    T(test_chap_malformed_challenge),
	    T(test_mschapv2_success),
	    T(test_mschapv2_rras_success),
	    T(test_mschapv2_rras_success_nospace),
	    T(test_mschapv2_wrong_authenticator),
	    T(test_mschapv2_no_authenticator),
	    T(test_mschapv2_failure),
	    T(test_mschapv2_challenge_wrong_size),
	    T(test_secret_not_in_logs),
	    T(test_no_authentication_refused_by_default),
	    T(test_no_authentication_when_allowed),
	    T(test_pap_refused_and_named),
	    T(test_insisting_peer_then_hangup_named),
	    T(test_mppe_demand_named),
	    T(test_pap_then_none_named_pap),
	};

	return cmocka_run_group_tests_name("ppp_auth", tests, NULL, NULL);
}
