/* client/explain: one test per rule, with the failures built from the
 * layers' values (struct conn_failure) as the supervisor records them; the
 * wording of the logged line plays no part in a hint. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "client/conn.h"
#include "client/explain.h"
#include "ike/ike.h"
#include "ike/proposal.h"
#include "ppp/ppp.h"

struct result {
	int matched;
	char text[EXPLAIN_MAX];
};

/* An IKE failure as conn.c's on_ike_failed() records it: the values, and
 * the line (ike_failure_str()) only as the text a fallback quotes. psk:
 * we authenticate with a pre-shared key; forced: UDP encapsulation. */
static struct result ike_as(enum ike_stage stage, enum ike_fail_reason reason, uint16_t notify,
                            const char *detail, bool psk, bool forced)
{
	struct ike_failure i = {.stage = stage, .reason = reason, .notify = notify};
	struct conn_failure f = {.exit_code = EXIT_IKE, .layer = CONN_FAIL_IKE};
	struct result r;

	snprintf(i.detail, sizeof(i.detail), "%s", detail);
	ike_failure_str(&i, f.text, sizeof(f.text));
	f.ike.stage = stage;
	f.ike.reason = reason;
	f.ike.notify = notify;
	f.ike.psk = psk;
	f.ike.forced_encaps = forced;
	r.matched = explain_failure(&f, r.text, sizeof(r.text));
	return r;
}

static struct result ike(enum ike_stage stage, enum ike_fail_reason reason, uint16_t notify,
                         const char *detail)
{
	return ike_as(stage, reason, notify, detail, true, false);
}

/* An L2TP failure as on_l2tp_closed() records it: what ended it and the
 * RFC 2661 §4.4.2 codes; by_peer as the L2TP layer sets it. */
static struct result l2tp(enum l2tp_stage stage, enum l2tp_fail_cause cause, uint16_t result,
                          uint16_t error)
{
	struct conn_failure f = {.exit_code = EXIT_L2TP, .layer = CONN_FAIL_L2TP};
	struct result r;

	f.l2tp.stage = stage;
	f.l2tp.cause = cause;
	f.l2tp.by_peer = cause == L2TP_CAUSE_STOPCCN || cause == L2TP_CAUSE_CDN;
	f.l2tp.result = result;
	f.l2tp.error = error;
	r.matched = explain_failure(&f, r.text, sizeof(r.text));
	return r;
}

/* A PPP failure as conn_data.c's ppp_judge() records it; message is the
 * PPP layer's (or pppd's) own words. */
static struct result ppp_refused(enum ppp_down_reason reason, enum ppp_auth auth,
                                 enum conn_ppp_refusal refusal, const char *message)
{
	struct conn_failure f = {.layer = CONN_FAIL_PPP};
	struct result r;

	f.exit_code = reason == PPP_DOWN_NEGOTIATION_FAILED || reason == PPP_DOWN_ECHO_TIMEOUT ||
	                      reason == PPP_DOWN_PEER_TERMINATE || reason == PPP_DOWN_LOWER_DOWN ||
	                      reason == PPP_DOWN_LOOPBACK
	                  ? EXIT_PPP
	                  : EXIT_PPP_AUTH;
	f.ppp.reason = reason;
	f.ppp.auth = auth;
	f.ppp.refusal = refusal;
	snprintf(f.ppp.message, sizeof(f.ppp.message), "%s", message);
	r.matched = explain_failure(&f, r.text, sizeof(r.text));
	return r;
}

static struct result ppp(enum ppp_down_reason reason, enum ppp_auth auth, const char *message)
{
	return ppp_refused(reason, auth, CONN_REFUSAL_NONE, message);
}

/* A failure here, not in a layer. */
static struct result local(int exit_code, enum conn_fail_local why, const char *text)
{
	struct conn_failure f = {.exit_code = exit_code, .layer = CONN_FAIL_LOCAL, .local = why};
	struct result r;

	snprintf(f.text, sizeof(f.text), "%s", text);
	r.matched = explain_failure(&f, r.text, sizeof(r.text));
	return r;
}

#define assert_has(r, s)                                                                           \
	do {                                                                                       \
		if (!strstr((r).text, (s)))                                                        \
			fail_msg("\"%s\" not in \"%s\"", (s), (r).text);                           \
	} while (0)
#define assert_lacks(r, s) assert_null(strstr((r).text, (s)))

/* A proposal list a hint suggests ("`esp = LIST`") must offer at least
 * what the defaults offer: a hint never narrows the list that failed. */
static void assert_suggested_lists_not_narrower(const struct result *r, bool esp)
{
	const char *key = esp ? "`esp = " : "`ike = ";
	const char *p = r->text;

	while ((p = strstr(p, key)) != NULL) {
		char spec[128], err[160];
		size_t n;

		p += strlen(key);
		n = strcspn(p, "`");
		snprintf(spec, sizeof(spec), "%.*s", (int)n, p);
		if (esp) {
			struct ike_esp_list got, def;

			assert_int_equal(ike_esp_proposals_parse(NULL, &def, err, sizeof(err)), 0);
			if (ike_esp_proposals_parse(spec, &got, err, sizeof(err)) == 0)
				assert_true(got.n >= def.n);
		} else {
			struct ike_p1_list got, def;

			assert_int_equal(ike_proposals_parse(NULL, &def, err, sizeof(err)), 0);
			if (ike_proposals_parse(spec, &got, err, sizeof(err)) == 0)
				assert_true(got.n >= def.n);
		}
		assert_null(strchr(spec, '!'));
	}
}

static void test_mm1_no_proposal_chosen(void **state)
{
	struct result r = ike(IKE_STAGE_MM1, IKE_FAIL_NOTIFY, 14, "");

	(void)state;
	assert_int_equal(r.matched, 1);
	assert_has(r, "IKE Main Mode (MM1): ");
	assert_has(r, "IKE proposals");
	assert_has(r, "`ike =`");
	assert_has(r, "--ike");
	assert_has(r, "`dh2048 = require`");
	/* issue 15: no narrower or weaker list than the defaults */
	assert_lacks(r, "dh2048 = off");
	assert_lacks(r, "`ike = 3des");
	assert_suggested_lists_not_narrower(&r, false);
	assert_lacks(r, "esp =");
}

static void test_mm1_proposal_mismatch(void **state)
{
	struct result r =
	    ike(IKE_STAGE_MM1, IKE_FAIL_PROPOSAL, 0, "gateway chose a transform we did not offer");

	(void)state;
	assert_int_equal(r.matched, 1);
	assert_has(r, "`ike = ");
	assert_lacks(r, "dh2048 = off");
	assert_suggested_lists_not_narrower(&r, false);
}

/* Issue 15: a strict gateway refused QM1 and the hint suggested
 * `esp = aes128-sha1,3des-sha1`, weaker than what had failed. */
static void test_qm1_no_proposal_chosen(void **state)
{
	struct result r = ike(IKE_STAGE_QM1, IKE_FAIL_NOTIFY, 14, "");

	(void)state;
	assert_int_equal(r.matched, 1);
	assert_has(r, "IKE Quick Mode (QM1): ");
	assert_has(r, "ESP proposals");
	assert_has(r, "`pfs = on`");
	assert_has(r, "`esp =`");
	assert_has(r, "--esp");
	assert_has(r, "so that all of ours are offered");
	assert_lacks(r, "3des-sha1`");
	assert_lacks(r, "aes128-sha1");
	assert_suggested_lists_not_narrower(&r, true);
	assert_lacks(r, "ike =");
}

static void test_qm1_proposal_mismatch(void **state)
{
	struct result r = ike(IKE_STAGE_QM1, IKE_FAIL_PROPOSAL, 0,
	                      "gateway's QM2 chose an ESP transform, encapsulation or PFS group "
	                      "we did not offer");

	(void)state;
	assert_int_equal(r.matched, 1);
	assert_has(r, "`esp =`");
	assert_has(r, "`pfs`");
	assert_suggested_lists_not_narrower(&r, true);
}

static void test_mm1_timeout_unreachable(void **state)
{
	struct result r = ike(IKE_STAGE_MM1, IKE_FAIL_TIMEOUT, 0, "no answer after 5 tries");

	(void)state;
	assert_int_equal(r.matched, 1);
	assert_has(r, "IKE Main Mode (MM1)");
	assert_has(r, "unreachable");
	assert_has(r, "UDP 500");
	assert_null(strstr(r.text, "ECDSA"));
}

/* An ECDSA certificate's MM1 that gets no answer: Libreswan drops it. */
static void test_mm1_timeout_ecdsa(void **state)
{
	struct conn_failure f = {.exit_code = EXIT_IKE, .layer = CONN_FAIL_IKE};
	struct result r;

	(void)state;
	f.ike.stage = IKE_STAGE_MM1;
	f.ike.reason = IKE_FAIL_TIMEOUT;
	f.ike.ecdsa = true;
	r.matched = explain_failure(&f, r.text, sizeof(r.text));
	assert_int_equal(r.matched, 1);
	assert_has(r, "ECDSA");
	assert_has(r, "RSA certificate");
	/* at MM3 an ECDSA key changes nothing */
	f.ike.stage = IKE_STAGE_MM3;
	r.matched = explain_failure(&f, r.text, sizeof(r.text));
	assert_null(strstr(r.text, "ECDSA"));
}

static void test_mm3_timeout(void **state)
{
	struct result r = ike(IKE_STAGE_MM3, IKE_FAIL_TIMEOUT, 0, "no answer after 5 tries");

	(void)state;
	assert_int_equal(r.matched, 1);
	assert_has(r, "(MM3)");
	assert_has(r, "dh2048 = off");
}

static void test_mm5_timeout(void **state)
{
	struct result r = ike(IKE_STAGE_MM5, IKE_FAIL_TIMEOUT, 0, "no answer after 5 tries");

	(void)state;
	assert_int_equal(r.matched, 1);
	assert_has(r, "pre-shared key");
	assert_has(r, "UDP 4500");
}

static void test_qm1_timeout(void **state)
{
	struct result r = ike(IKE_STAGE_QM1, IKE_FAIL_TIMEOUT, 0, "no answer after 5 tries");

	(void)state;
	assert_int_equal(r.matched, 1);
	assert_has(r, "Quick Mode");
	assert_has(r, "`esp =`");
}

static void test_mm5_wrong_psk(void **state)
{
	/* the three ways ike/main_mode.c and ike/info.c say it */
	static const char *const details[] = {
	    "gateway's MM6 does not decrypt (wrong pre-shared key?)",
	    "gateway's HASH_R is wrong (pre-shared key?)",
	    "gateway's answer to MM5 does not decrypt (wrong pre-shared key?)",
	};

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		struct result r = ike(IKE_STAGE_MM5, IKE_FAIL_AUTH, 0, details[i]);

		assert_int_equal(r.matched, 1);
		assert_has(r, "IKE Main Mode (MM5)");
		assert_has(r, "wrong pre-shared key");
		assert_has(r, "`psk`");
	}
}

static void test_mm5_auth_notifies(void **state)
{
	struct result a = ike(IKE_STAGE_MM5, IKE_FAIL_NOTIFY, 24, ""); /* AUTHENTICATION_FAILED */
	struct result h =
	    ike(IKE_STAGE_MM5, IKE_FAIL_NOTIFY, 23, ""); /* INVALID_HASH_INFORMATION */

	(void)state;
	assert_int_equal(a.matched, 1);
	assert_has(a, "pre-shared key");
	assert_int_equal(h.matched, 1);
	assert_has(h, "wrong pre-shared key");
}

static void test_mm5_certificate(void **state)
{
	struct result r = ike_as(IKE_STAGE_MM5, IKE_FAIL_AUTH, 0, "certificate has expired (CN=gw)",
	                         false, false);

	(void)state;
	assert_int_equal(r.matched, 1);
	assert_has(r, "certificate");
	assert_has(r, "`ca`");
	assert_lacks(r, "pre-shared");
}

static void test_invalid_id_information(void **state)
{
	struct result r = ike(IKE_STAGE_MM5, IKE_FAIL_NOTIFY, 18, "");

	(void)state;
	assert_int_equal(r.matched, 1);
	assert_has(r, "`local-id`");
	assert_has(r, "group name");
	assert_has(r, "`remote-id`");
}

static void test_identity_mismatch(void **state)
{
	struct result r =
	    ike(IKE_STAGE_MM5, IKE_FAIL_ID, 0,
	        "gateway identified as fqdn:vpn.example.net, expected gw.example.net");

	(void)state;
	assert_int_equal(r.matched, 1);
	assert_has(r, "`remote-id`");
	assert_lacks(r, "pre-shared");
}

static void test_nat_policy(void **state)
{
	struct result r = ike(IKE_STAGE_MM3, IKE_FAIL_NAT_POLICY, 0,
	                      "both ends are behind a NAT and the NAT policy (1) refuses that");
	struct result forced = ike_as(
	    IKE_STAGE_MM1, IKE_FAIL_NAT_POLICY, 0,
	    "UDP encapsulation is forced but the gateway does not support NAT-T", true, true);

	(void)state;
	assert_int_equal(r.matched, 1);
	assert_has(r, "`assume-udp-encapsulation = 2`");
	assert_int_equal(forced.matched, 1);
	assert_has(forced, "`datapath = kernel`");
	assert_lacks(forced, "assume-udp-encapsulation");
}

static void test_ike_gone(void **state)
{
	struct result dpd = ike(IKE_STAGE_DPD, IKE_FAIL_DPD, 0, "no R-U-THERE-ACK for 5 requests");
	struct result del =
	    ike(IKE_STAGE_ESTABLISHED, IKE_FAIL_DELETED, 0, "gateway deleted the ISAKMP SA");

	(void)state;
	assert_int_equal(dpd.matched, 1);
	assert_has(dpd, "IKE (DPD)");
	assert_has(dpd, "went away");
	assert_has(dpd, "reconnect");
	assert_int_equal(del.matched, 1);
	assert_has(del, "ended the IPsec connection");
}

static void test_ike_sockets(void **state)
{
	struct result r = local(EXIT_NETWORK, CONN_LOCAL_IKE_SOCKETS, "IKE could not start");

	(void)state;
	assert_int_equal(r.matched, 1);
	assert_has(r, "UDP 500/4500");
}

static void test_l2tp_no_answer(void **state)
{
	struct result r = l2tp(L2TP_STAGE_TUNNEL_SETUP, L2TP_CAUSE_NO_ANSWER, 0, 0);

	(void)state;
	assert_int_equal(r.matched, 1);
	assert_has(r, "L2TP: ");
	assert_has(r, "`port = ephemeral`");
	assert_has(r, "`port = 1701`");
}

/* Tunnel authentication (RFC 2661 §5.1.1): each failed check has its own
 * hint, all three our StopCCN with result 4. */
static void test_l2tp_auth_wrong_secret(void **state)
{
	struct result r = l2tp(L2TP_STAGE_TUNNEL_SETUP, L2TP_CAUSE_AUTH_WRONG, 4, 0);

	(void)state;
	assert_int_equal(r.matched, 1);
	assert_has(r, "tunnel secret other than ours");
	assert_has(r, "correct `secret` / `secret-file`");
	assert_lacks(r, "remove `secret`");
}

static void test_l2tp_auth_no_response(void **state)
{
	struct result r = l2tp(L2TP_STAGE_TUNNEL_SETUP, L2TP_CAUSE_AUTH_NO_RESPONSE, 4, 0);

	(void)state;
	assert_int_equal(r.matched, 1);
	assert_has(r, "did not answer our L2TP tunnel challenge");
	assert_has(r, "remove `secret`");
	assert_lacks(r, "other than ours");
}

static void test_l2tp_auth_no_secret(void **state)
{
	struct result r = l2tp(L2TP_STAGE_TUNNEL_SETUP, L2TP_CAUSE_AUTH_NO_SECRET, 4, 0);

	(void)state;
	assert_int_equal(r.matched, 1);
	assert_has(r, "we have no tunnel secret");
	assert_has(r, "set `secret` / `secret-file`");
	assert_lacks(r, "remove `secret`");
}

/* The gateway's StopCCN "not authorized" and its CDN "temporary lack of
 * resources" share result code 4 and nothing else. */
static void test_l2tp_result_4_stopccn_or_cdn(void **state)
{
	struct result stop = l2tp(L2TP_STAGE_TUNNEL_SETUP, L2TP_CAUSE_STOPCCN, 4, 0);
	struct result busy = l2tp(L2TP_STAGE_SESSION_SETUP, L2TP_CAUSE_CDN, 4, 0);
	struct result full = l2tp(L2TP_STAGE_SESSION_SETUP, L2TP_CAUSE_CDN, 5, 0);

	(void)state;
	assert_int_equal(stop.matched, 1);
	assert_has(stop, "does not let us open an L2TP tunnel");
	assert_int_equal(busy.matched, 1);
	assert_has(busy, "no free L2TP session for now");
	assert_has(busy, "tries again");
	assert_lacks(busy, "`secret`");
	assert_int_equal(full.matched, 1);
	assert_has(full, "permanent lack of resources");
	assert_lacks(full, "tries again");
}

static void test_l2tp_gone(void **state)
{
	struct result dead = l2tp(L2TP_STAGE_ESTABLISHED, L2TP_CAUSE_NO_ANSWER, 0, 0);
	struct result closed = l2tp(L2TP_STAGE_ESTABLISHED, L2TP_CAUSE_STOPCCN, 1, 0);
	struct result hung_up = l2tp(L2TP_STAGE_ESTABLISHED, L2TP_CAUSE_CDN, 2, 6);

	(void)state;
	assert_int_equal(dead.matched, 1);
	assert_has(dead, "stopped answering L2TP");
	assert_has(dead, "reconnect");
	assert_int_equal(closed.matched, 1);
	assert_has(closed, "closed the L2TP tunnel");
	assert_int_equal(hung_up.matched, 1);
	assert_has(hung_up, "ended our L2TP call");
}

static void test_l2tp_kernel(void **state)
{
	struct result r = l2tp(L2TP_STAGE_SETUP, L2TP_CAUSE_LOCAL, 2, 4);
	/* the gateway broke the protocol: no rule knows more than the line */
	struct result proto = l2tp(L2TP_STAGE_TUNNEL_SETUP, L2TP_CAUSE_PROTOCOL, 2, 6);

	(void)state;
	assert_int_equal(r.matched, 1);
	assert_has(r, "`datapath = userspace`");
	assert_int_equal(proto.matched, 0);
	assert_has(proto, "L2TP: ");
}

static void test_ppp_auth_rejected(void **state)
{
	struct result r =
	    ppp(PPP_DOWN_AUTH_FAILED, PPP_AUTH_MSCHAPV2, "refused: E=691 (authentication failure)");

	(void)state;
	assert_int_equal(r.matched, 1);
	assert_has(r, "PPP authentication: ");
	assert_has(r, "`user`");
	assert_has(r, "`password`");
	assert_has(r, "`auth-methods`");
}

/* client/daemon.c: a used one-time code and nobody to ask for a new one */
static void test_ppp_otp_nobody_to_ask(void **state)
{
	struct result r;

	(void)state;
	r = local(EXIT_PPP_AUTH, CONN_LOCAL_OTP_USED, "");
	assert_has(r, "PPP authentication: ");
	assert_true(r.matched);
	assert_has(r, "password-prompt = ask-password");
	assert_lacks(r, "rejected");
}

static void test_ppp_auth_method_mismatch(void **state)
{
	struct result pap = ppp(PPP_DOWN_AUTH_FAILED, PPP_AUTH_PAP, "no answer to PAP request");
	struct result chap = ppp(PPP_DOWN_AUTH_FAILED, PPP_AUTH_CHAP_MD5,
	                         "no Challenge or Success from the authenticator");

	(void)state;
	assert_int_equal(pap.matched, 1);
	assert_has(pap, "`auth-methods = mschapv2, chap`");
	assert_int_equal(chap.matched, 1);
	assert_has(chap, "`auth-methods = pap`");
}

static void test_ppp_negotiation(void **state)
{
	struct result r = ppp(PPP_DOWN_NEGOTIATION_FAILED, PPP_AUTH_NONE, "LCP finished");
	/* pppd's exit status 11, as ppp/pppd_report.c words it */
	struct result pppd =
	    ppp(PPP_DOWN_NEGOTIATION_FAILED, PPP_AUTH_NONE, "peer failed to authenticate");

	(void)state;
	assert_int_equal(r.matched, 1);
	assert_has(r, "PPP: ");
	assert_has(r, "`mtu = 1280`");
	assert_has(r, "`mru = 1280`");
	assert_int_equal(pppd.matched, 1);
	assert_has(pppd, "`auth-methods = pap`");
}

static void test_ppp_gone(void **state)
{
	struct result echo = ppp(PPP_DOWN_ECHO_TIMEOUT, PPP_AUTH_NONE, "no answer to LCP echo");
	struct result term =
	    ppp(PPP_DOWN_PEER_TERMINATE, PPP_AUTH_NONE, "peer terminated the link");
	struct result lower = ppp(PPP_DOWN_LOWER_DOWN, PPP_AUTH_NONE, "");

	(void)state;
	assert_int_equal(echo.matched, 1);
	assert_has(echo, "went away");
	assert_has(echo, "reconnect");
	assert_int_equal(term.matched, 1);
	assert_has(term, "ended the PPP link");
	assert_int_equal(lower.matched, 1);
	assert_has(lower, "L2TP session");
}

static void test_local_datapath(void **state)
{
	struct result kernel =
	    local(EXIT_CONFIG, CONN_LOCAL_KERNEL_PATH, "datapath = kernel is not possible");
	struct result sa = local(EXIT_FAILURE_GENERIC, CONN_LOCAL_SA_INSTALL, "");

	(void)state;
	assert_int_equal(kernel.matched, 1);
	assert_has(kernel, "configuration: ");
	assert_has(kernel, "`datapath = auto`");
	assert_int_equal(sa.matched, 1);
	assert_has(sa, "`datapath = userspace`");
}

/* What the gateway asked for and we refused: the hint comes from the
 * refusal recorded (conn_fail_auth_refused), not from the line. */
static void test_ppp_refusals(void **state)
{
	struct result pap =
	    ppp_refused(PPP_DOWN_AUTH_REFUSED, PPP_AUTH_PAP, CONN_REFUSAL_METHOD, "peer wants PAP");
	struct result none = ppp_refused(PPP_DOWN_AUTH_REFUSED, PPP_AUTH_NONE, CONN_REFUSAL_NO_AUTH,
	                                 "no authentication");
	struct result mppe =
	    ppp_refused(PPP_DOWN_MPPE_REQUIRED, PPP_AUTH_NONE, CONN_REFUSAL_MPPE, "");
	struct result other =
	    ppp_refused(PPP_DOWN_AUTH_REFUSED, PPP_AUTH_NONE, CONN_REFUSAL_UNSUPPORTED, "EAP");

	(void)state;
	assert_int_equal(pap.matched, 1);
	assert_has(pap, "PPP authentication: ");
	assert_has(pap, "MS-CHAPv2");
	assert_has(pap, "pose as the gateway");
	assert_int_equal(none.matched, 1);
	assert_has(none, "proves nothing beyond the PSK");
	assert_int_equal(mppe.matched, 1);
	assert_has(mppe, "require-mppe");
	assert_int_equal(other.matched, 0); /* the failure line itself says what to do */
}

/* Issue 18: the hint depends on the values only; the same values with any
 * line at all (reworded, empty) give the same hint. */
static void test_hint_ignores_the_wording(void **state)
{
	struct conn_failure f = {.exit_code = EXIT_GW_AUTH, .layer = CONN_FAIL_IKE};
	char a[EXPLAIN_MAX], b[EXPLAIN_MAX];

	(void)state;
	f.ike.stage = IKE_STAGE_MM5;
	f.ike.reason = IKE_FAIL_NOTIFY;
	f.ike.notify = 24;
	f.ike.psk = true;
	assert_int_equal(explain_failure(&f, a, sizeof(a)), 1);
	snprintf(f.text, sizeof(f.text), "something else entirely");
	assert_int_equal(explain_failure(&f, b, sizeof(b)), 1);
	assert_string_equal(a, b);
	assert_non_null(strstr(a, "IKE Main Mode (MM5): "));
	assert_non_null(strstr(a, "`psk`"));
	f.layer = CONN_FAIL_PPP; /* the layer decides which values count */
	explain_failure(&f, b, sizeof(b));
	assert_string_not_equal(a, b);
}

static void test_unknown_falls_back(void **state)
{
	struct result tun =
	    local(EXIT_FAILURE_GENERIC, CONN_LOCAL_OTHER, "cannot create a TUN device: EPERM");
	struct result net = local(EXIT_NETWORK, CONN_LOCAL_OTHER, "");

	(void)state;
	assert_int_equal(tun.matched, 0);
	assert_string_equal(tun.text,
	                    "local setup: no known cause; see `l2tpsec log` for the details "
	                    "(cannot create a TUN device: EPERM)");
	/* an IKE failure no rule knows still names its stage */
	assert_int_equal(
	    ike(IKE_STAGE_MM3, IKE_FAIL_MALFORMED, 0, "gateway's DH value is invalid").matched, 0);
	assert_int_equal(net.matched, 0);
	assert_string_equal(net.text, "network: no way to the gateway; check `host` in [gateway], "
	                              "name resolution and the network");
}

static void test_truncates_safely(void **state)
{
	struct conn_failure f = {.exit_code = EXIT_IKE, .layer = CONN_FAIL_IKE};
	char out[16];

	(void)state;
	f.ike.stage = IKE_STAGE_MM1;
	f.ike.reason = IKE_FAIL_NOTIFY;
	f.ike.notify = 14;
	memset(out, 'x', sizeof(out));
	explain_failure(&f, out, sizeof(out));
	assert_int_equal(strlen(out), sizeof(out) - 1);
	assert_int_equal(explain_failure(&f, out, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mm1_no_proposal_chosen),
	    cmocka_unit_test(test_mm1_proposal_mismatch),
	    cmocka_unit_test(test_qm1_no_proposal_chosen),
	    cmocka_unit_test(test_qm1_proposal_mismatch),
	    cmocka_unit_test(test_mm1_timeout_unreachable),
	    cmocka_unit_test(test_mm1_timeout_ecdsa),
	    cmocka_unit_test(test_mm3_timeout),
	    cmocka_unit_test(test_mm5_timeout),
	    cmocka_unit_test(test_qm1_timeout),
	    cmocka_unit_test(test_mm5_wrong_psk),
	    cmocka_unit_test(test_mm5_auth_notifies),
	    cmocka_unit_test(test_mm5_certificate),
	    cmocka_unit_test(test_invalid_id_information),
	    cmocka_unit_test(test_identity_mismatch),
	    cmocka_unit_test(test_nat_policy),
	    cmocka_unit_test(test_ike_gone),
	    cmocka_unit_test(test_ike_sockets),
	    cmocka_unit_test(test_l2tp_no_answer),
	    cmocka_unit_test(test_l2tp_auth_wrong_secret),
	    cmocka_unit_test(test_l2tp_auth_no_response),
	    cmocka_unit_test(test_l2tp_auth_no_secret),
	    cmocka_unit_test(test_l2tp_result_4_stopccn_or_cdn),
	    cmocka_unit_test(test_l2tp_gone),
	    cmocka_unit_test(test_l2tp_kernel),
	    cmocka_unit_test(test_ppp_auth_rejected),
	    cmocka_unit_test(test_ppp_auth_method_mismatch),
	    cmocka_unit_test(test_ppp_otp_nobody_to_ask),
	    cmocka_unit_test(test_ppp_negotiation),
	    cmocka_unit_test(test_ppp_gone),
	    cmocka_unit_test(test_local_datapath),
	    cmocka_unit_test(test_ppp_refusals),
	    cmocka_unit_test(test_hint_ignores_the_wording),
	    cmocka_unit_test(test_unknown_falls_back),
	    cmocka_unit_test(test_truncates_safely),
	};

	return cmocka_run_group_tests_name("explain", tests, NULL, NULL);
}
