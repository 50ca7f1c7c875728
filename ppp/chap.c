/*
 * CHAP client (RFC 1994) with the MD5 algorithm and Microsoft's MS-CHAPv2
 * (RFC 2759): answer each Challenge, then wait for Success or Failure. For
 * MS-CHAPv2 the Success must prove the authenticator knows our password
 * (the "S=" authenticator response); a wrong one fails the link.
 */
#include <string.h>

#include "lib/util.h"
#include "ppp/ppp_internal.h"

enum { CHAP_CHALLENGE = 1, CHAP_RESPONSE = 2, CHAP_SUCCESS = 3, CHAP_FAILURE = 4 };

int chap_md5_response(const struct ppp_crypto *c, uint8_t id, const uint8_t *secret,
                      size_t secret_len, const uint8_t *chal, size_t chal_len, uint8_t out[16])
{
	/* RFC 1994 §4.1: MD5 over Identifier, secret, Challenge Value. */
	struct crypto_part parts[] = {{&id, 1}, {secret, secret_len}, {chal, chal_len}};

	return ppp_crypto_digest(c->md5, parts, ARRAY_SIZE(parts), out);
}

int chap_legacy_begin(struct ppp *ppp, bool *loaded)
{
	*loaded = !ppp_crypto_has_legacy(&ppp->crypto);
	return *loaded ? ppp_crypto_legacy_load(&ppp->crypto) : 0;
}

void chap_legacy_end(struct ppp *ppp, bool loaded)
{
	if (loaded)
		ppp_crypto_legacy_unload(&ppp->crypto);
}

static void chap_give_up(struct ppp *ppp, const char *why)
{
	log_notice(ppp->lg, LOG_PPP, "%s: %s", ppp_auth_name(ppp->auth.method), why);
	ppp_fail(ppp, PPP_DOWN_AUTH_FAILED, ppp->auth.method, why);
	ppp->phase = PPP_PHASE_TERMINATE;
	fsm_close(&ppp->lcp);
}

static void chap_timeout(struct loop *loop, struct loop_timer *t, void *ctx)
{
	(void)loop;
	(void)t;
	chap_give_up(ctx, "no Challenge or Success from the authenticator");
}

void chap_start(struct ppp *ppp)
{
	struct auth_state *a = &ppp->auth;

	a->method = ppp->lcp_st.peer_auth;
	a->responded = false;
	log_info(ppp->lg, LOG_PPP, "%s: authenticating as \"%s\"", ppp_auth_name(a->method),
	         ppp->user);
	/* The authenticator drives CHAP; we only bound how long we wait. */
	loop_timer_init(&a->timer, chap_timeout, ppp);
	loop_timer_start(ppp->loop, &a->timer,
	                 (uint64_t)ppp->cfg.restart_ms * ppp->cfg.max_configure);
}

/* Response value for MS-CHAPv2 (RFC 2759 §4): Peer-Challenge, 8 reserved
 * zero octets, NT-Response, Flags. The authenticator response we expect in
 * the Success is computed now too, so that MD4 and DES are needed only
 * here. */
static int mschapv2_value(struct ppp *ppp, const uint8_t *chal, uint8_t *value)
{
	struct auth_state *a = &ppp->auth;
	uint8_t *nt = value + 16 + 8;
	bool loaded;
	int rc;

	memcpy(a->auth_chal, chal, MSCHAPV2_CHALLENGE_LEN);
	if (random_bytes(a->peer_chal, MSCHAPV2_CHALLENGE_LEN) < 0)
		return -1;
	memset(value, 0, MSCHAPV2_RESPONSE_LEN);
	memcpy(value, a->peer_chal, MSCHAPV2_CHALLENGE_LEN);
	if (chap_legacy_begin(ppp, &loaded) < 0)
		return -1;
	rc = mschapv2_nt_response(&ppp->crypto, a->auth_chal, a->peer_chal, ppp->user,
	                          ppp->password, ppp->cfg.password_len, nt);
	if (rc == 0)
		rc = mschapv2_authenticator_response(&ppp->crypto, ppp->password,
		                                     ppp->cfg.password_len, nt, a->peer_chal,
		                                     a->auth_chal, ppp->user, a->expect_s);
	chap_legacy_end(ppp, loaded);
	return rc;
}

static void recv_challenge(struct ppp *ppp, uint8_t id, const uint8_t *data, size_t len)
{
	struct auth_state *a = &ppp->auth;
	size_t vlen = len ? data[0] : 0, ulen = strlen(ppp->user), n;
	uint8_t hdr[4] = {CHAP_RESPONSE, id, 0, 0};
	int rc;

	if (len == 0 || vlen == 0 || vlen + 1 > len ||
	    (a->method == PPP_AUTH_MSCHAPV2 && vlen != MSCHAPV2_CHALLENGE_LEN)) {
		ppp->dropped++;
		return;
	}
	if (a->method == PPP_AUTH_MSCHAPV2) {
		a->resp[0] = MSCHAPV2_RESPONSE_LEN;
		rc = mschapv2_value(ppp, data + 1, a->resp + 1);
	} else {
		a->resp[0] = 16;
		rc = chap_md5_response(&ppp->crypto, id, ppp->password, ppp->cfg.password_len,
		                       data + 1, vlen, a->resp + 1);
	}
	if (rc < 0) {
		ppp_fail(ppp, PPP_DOWN_INTERNAL, a->method,
		         "crypto failure computing the response");
		chap_give_up(ppp, "crypto failure");
		return;
	}
	n = 1u + a->resp[0];
	memcpy(a->resp + n, ppp->user, ulen);
	a->resp_len = n + ulen;
	a->resp_id = id;
	a->responded = true;
	put_be16(hdr + 2, (uint16_t)(a->resp_len + 4));
	ppp_send_ctrl(ppp, PPP_PROTO_CHAP, hdr, a->resp, a->resp_len);
}

static void recv_success(struct ppp *ppp, const uint8_t *msg, size_t len)
{
	struct auth_state *a = &ppp->auth;
	char text[128];

	if (a->method == PPP_AUTH_MSCHAPV2) {
		if (mschapv2_check_success(a->expect_s, msg, len, text, sizeof(text)) < 0) {
			chap_give_up(ppp, "authenticator response (S=) missing or wrong: the "
			                  "server does not know our password");
			return;
		}
	} else {
		ppp_sanitize_text(text, sizeof(text), msg, len);
	}
	loop_timer_stop(ppp->loop, &a->timer);
	if (a->done)
		return; /* success of a re-challenge during the Network phase */
	log_info(ppp->lg, LOG_PPP, "%s: authenticated%s%s", ppp_auth_name(a->method),
	         text[0] ? ": " : "", text);
	a->done = true;
	ppp_auth_done(ppp);
}

static void recv_failure(struct ppp *ppp, const uint8_t *msg, size_t len)
{
	char why[160];

	if (ppp->auth.method == PPP_AUTH_MSCHAPV2) {
		struct mschapv2_failure fl;

		mschapv2_parse_failure(msg, len, &fl);
		snprintf(why, sizeof(why), "refused: E=%d (%s)%s%s", fl.error,
		         mschapv2_error_name(fl.error), fl.text[0] ? ": " : "", fl.text);
	} else {
		char text[128];

		ppp_sanitize_text(text, sizeof(text), msg, len);
		snprintf(why, sizeof(why), "refused%s%s", text[0] ? ": " : "", text);
	}
	chap_give_up(ppp, why);
}

void chap_input(struct ppp *ppp, const uint8_t *pkt, size_t len)
{
	struct auth_state *a = &ppp->auth;
	struct buf_reader r;
	uint8_t code, id;
	uint16_t plen;

	br_init(&r, pkt, len);
	br_u8(&r, &code);
	br_u8(&r, &id);
	br_u16(&r, &plen);
	if (!br_ok(&r) || plen < 4 || plen > len) {
		ppp->dropped++;
		return;
	}
	pkt += 4;
	len = plen - 4u;
	if (code == CHAP_CHALLENGE) {
		recv_challenge(ppp, id, pkt, len);
		return;
	}
	if ((code != CHAP_SUCCESS && code != CHAP_FAILURE) || !a->responded) {
		ppp->dropped++;
		return;
	}
	/* RFC 1994 says the Identifier must match; some servers get it
	 * wrong and it carries no security, so only note it. */
	if (id != a->resp_id)
		log_debug(ppp->lg, LOG_PPP, "CHAP: answer id %u for response %u", id, a->resp_id);
	if (code == CHAP_SUCCESS)
		recv_success(ppp, pkt, len);
	else
		recv_failure(ppp, pkt, len);
}
