/*
 * The authenticator side of PAP, CHAP-MD5 and MS-CHAPv2, only so two PPP
 * instances can run a complete link against each other in the loopback
 * tests (ppp_config.serve). It checks the peer against the instance's own
 * user and password. A client never enables it.
 */
#include <string.h>

#include "lib/util.h"
#include "ppp/ppp_internal.h"

enum { AUTH_REQ = 1, AUTH_ACK = 2, AUTH_NAK = 3 }; /* PAP; CHAP: 1 2 3 4 */
enum { CHAP_CHALLENGE = 1, CHAP_RESPONSE = 2, CHAP_SUCCESS = 3, CHAP_FAILURE = 4 };

static const char srv_name[] = "l2tpsec-test";

void authsrv_start(struct ppp *ppp)
{
	struct auth_state *a = &ppp->auth;
	uint8_t body[1 + MSCHAPV2_CHALLENGE_LEN + sizeof(srv_name)];
	uint8_t hdr[4] = {CHAP_CHALLENGE, ++a->srv_id, 0, 0};
	size_t n;

	if (ppp->cfg.serve.require_auth == PPP_AUTH_PAP)
		return; /* the peer speaks first */
	random_bytes(a->srv_chal, sizeof(a->srv_chal));
	body[0] = MSCHAPV2_CHALLENGE_LEN;
	memcpy(body + 1, a->srv_chal, MSCHAPV2_CHALLENGE_LEN);
	memcpy(body + 1 + MSCHAPV2_CHALLENGE_LEN, srv_name, sizeof(srv_name) - 1);
	n = 1 + MSCHAPV2_CHALLENGE_LEN + sizeof(srv_name) - 1;
	put_be16(hdr + 2, (uint16_t)(n + 4));
	ppp_send_ctrl(ppp, PPP_PROTO_CHAP, hdr, body, n);
}

static void finish(struct ppp *ppp, uint16_t proto, uint8_t code, uint8_t id, const char *msg,
                   bool ok)
{
	uint8_t body[256];
	uint8_t hdr[4] = {code, id, 0, 0};
	size_t n = 0, mlen = strlen(msg);

	if (proto == PPP_PROTO_PAP)
		body[n++] = (uint8_t)mlen;
	memcpy(body + n, msg, mlen);
	n += mlen;
	put_be16(hdr + 2, (uint16_t)(n + 4));
	ppp_send_ctrl(ppp, proto, hdr, body, n);
	if (!ok) {
		ppp_fail(ppp, PPP_DOWN_AUTH_FAILED, ppp->cfg.serve.require_auth,
		         "peer failed to authenticate");
		fsm_close(&ppp->lcp);
		return;
	}
	ppp->auth.srv_done = true;
	ppp_auth_done(ppp);
}

static void pap_request(struct ppp *ppp, uint8_t id, const uint8_t *d, size_t len)
{
	size_t ulen = len ? d[0] : 0, plen;
	bool ok;

	if (len < 2 || ulen + 2 > len || d[1 + ulen] + ulen + 2 > len)
		return;
	plen = d[1 + ulen];
	ok = ulen == strlen(ppp->user) && memcmp(d + 1, ppp->user, ulen) == 0 &&
	     plen == ppp->cfg.password_len && secure_memcmp(d + 2 + ulen, ppp->password, plen) == 0;
	finish(ppp, PPP_PROTO_PAP, ok ? AUTH_ACK : AUTH_NAK, id, ok ? "welcome" : "go away", ok);
}

static void chap_response(struct ppp *ppp, uint8_t id, const uint8_t *d, size_t len)
{
	struct auth_state *a = &ppp->auth;
	bool mschap = ppp->cfg.serve.require_auth == PPP_AUTH_MSCHAPV2;
	size_t vlen = len ? d[0] : 0;
	uint8_t expect[MSCHAPV2_NT_RESPONSE_LEN];
	char name[PPP_MAX_USER + 1], msg[80];
	bool ok = false;

	if (id != a->srv_id || vlen + 1 > len || vlen != (mschap ? MSCHAPV2_RESPONSE_LEN : 16u) ||
	    len - 1 - vlen > PPP_MAX_USER)
		return;
	memcpy(name, d + 1 + vlen, len - 1 - vlen);
	name[len - 1 - vlen] = '\0';
	if (strcmp(name, ppp->user) != 0) {
		ok = false;
	} else if (!mschap) {
		ok = chap_md5_response(&ppp->crypto, id, ppp->password, ppp->cfg.password_len,
		                       a->srv_chal, MSCHAPV2_CHALLENGE_LEN, expect) == 0 &&
		     secure_memcmp(expect, d + 1, 16) == 0;
	} else {
		const uint8_t *peer_chal = d + 1, *nt = d + 1 + 24;
		bool loaded;

		ok = chap_legacy_begin(ppp, &loaded) == 0 &&
		     mschapv2_nt_response(&ppp->crypto, a->srv_chal, peer_chal, name, ppp->password,
		                          ppp->cfg.password_len, expect) == 0 &&
		     secure_memcmp(expect, nt, MSCHAPV2_NT_RESPONSE_LEN) == 0;
		if (ok) {
			char s[MSCHAPV2_AUTH_RESPONSE_LEN + 1];

			mschapv2_authenticator_response(&ppp->crypto, ppp->password,
			                                ppp->cfg.password_len, nt, peer_chal,
			                                a->srv_chal, name, s);
			snprintf(msg, sizeof(msg), "%s M=Access granted", s);
		} else {
			snprintf(msg, sizeof(msg), "E=691 R=0 V=3 M=Authentication failed");
		}
		chap_legacy_end(ppp, loaded);
	}
	if (!mschap)
		snprintf(msg, sizeof(msg), "%s", ok ? "Access granted" : "Access denied");
	finish(ppp, PPP_PROTO_CHAP, ok ? CHAP_SUCCESS : CHAP_FAILURE, id, msg, ok);
}

void authsrv_input(struct ppp *ppp, uint16_t proto, const uint8_t *pkt, size_t len)
{
	bool pap = ppp->cfg.serve.require_auth == PPP_AUTH_PAP;
	uint16_t plen;

	if (len < 4 || (plen = get_be16(pkt + 2)) < 4 || plen > len || ppp->auth.srv_done ||
	    proto != (pap ? PPP_PROTO_PAP : PPP_PROTO_CHAP) || pkt[0] != AUTH_REQ + (pap ? 0 : 1))
		return;
	if (pap)
		pap_request(ppp, pkt[1], pkt + 4, plen - 4u);
	else
		chap_response(ppp, pkt[1], pkt + 4, plen - 4u);
}
