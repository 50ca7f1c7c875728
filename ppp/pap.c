/* PAP client (RFC 1334 §2): send our name and password until the peer
 * answers with Authenticate-Ack or -Nak. */
#include <string.h>

#include "lib/util.h"
#include "ppp/ppp_internal.h"

enum { PAP_REQ = 1, PAP_ACK = 2, PAP_NAK = 3 };

static void pap_send_request(struct ppp *ppp)
{
	struct auth_state *a = &ppp->auth;
	size_t ulen = strlen(ppp->user), plen = ppp->cfg.password_len;
	uint8_t body[2 + 255 + 255];
	uint8_t hdr[4] = {PAP_REQ, a->id, 0, 0};
	size_t n = 0;

	body[n++] = (uint8_t)ulen;
	memcpy(body + n, ppp->user, ulen);
	n += ulen;
	body[n++] = (uint8_t)plen;
	memcpy(body + n, ppp->password, plen);
	n += plen;
	put_be16(hdr + 2, (uint16_t)(n + 4));
	ppp_send_ctrl(ppp, PPP_PROTO_PAP, hdr, body, n);
	/* The password went through our transmit buffer too. */
	secure_clear(ppp->txbuf, PPP_HDR_LEN + 4 + n);
	secure_clear(body, sizeof(body));
}

static void pap_timeout(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct ppp *ppp = ctx;

	if (++ppp->auth.tries >= ppp->cfg.max_configure) {
		ppp_fail(ppp, PPP_DOWN_AUTH_FAILED, PPP_AUTH_PAP, "no answer to PAP request");
		ppp->phase = PPP_PHASE_TERMINATE;
		fsm_close(&ppp->lcp);
		return;
	}
	pap_send_request(ppp);
	loop_timer_start(loop, t, ppp->cfg.restart_ms);
}

void pap_start(struct ppp *ppp)
{
	struct auth_state *a = &ppp->auth;

	a->method = PPP_AUTH_PAP;
	a->tries = 0;
	a->id++;
	if (ppp->cfg.password_len > 255) {
		ppp_fail(ppp, PPP_DOWN_AUTH_FAILED, PPP_AUTH_PAP, "password too long for PAP");
		ppp->phase = PPP_PHASE_TERMINATE;
		fsm_close(&ppp->lcp);
		return;
	}
	log_info(ppp->lg, LOG_PPP, "PAP: authenticating as \"%s\"", ppp->user);
	loop_timer_init(&a->timer, pap_timeout, ppp);
	pap_send_request(ppp);
	loop_timer_start(ppp->loop, &a->timer, ppp->cfg.restart_ms);
}

void pap_input(struct ppp *ppp, const uint8_t *pkt, size_t len)
{
	struct auth_state *a = &ppp->auth;
	struct buf_reader r;
	uint8_t code, id, mlen = 0;
	uint16_t plen;
	const uint8_t *msg = NULL;
	char text[128], why[160];

	br_init(&r, pkt, len);
	br_u8(&r, &code);
	br_u8(&r, &id);
	br_u16(&r, &plen);
	if (!br_ok(&r) || plen < 4 || plen > len || a->method != PPP_AUTH_PAP || a->done ||
	    id != a->id || (code != PAP_ACK && code != PAP_NAK)) {
		ppp->dropped++;
		return;
	}
	/* The message is optional in practice, and its length byte is not
	 * always right: take what is there. */
	if (plen > 4) {
		msg = pkt + 5;
		mlen = (uint8_t)MIN((size_t)pkt[4], (size_t)plen - 5u);
	}
	ppp_sanitize_text(text, sizeof(text), msg, mlen);
	loop_timer_stop(ppp->loop, &a->timer);
	if (code == PAP_ACK) {
		log_info(ppp->lg, LOG_PPP, "PAP: authenticated%s%s", text[0] ? ": " : "", text);
		a->done = true;
		ppp_auth_done(ppp);
		return;
	}
	snprintf(why, sizeof(why), "PAP refused%s%s", text[0] ? ": " : "", text);
	log_notice(ppp->lg, LOG_PPP, "%s", why);
	ppp_fail(ppp, PPP_DOWN_AUTH_FAILED, PPP_AUTH_PAP, why);
	ppp->phase = PPP_PHASE_TERMINATE;
	fsm_close(&ppp->lcp);
}

void auth_stop(struct ppp *ppp)
{
	loop_timer_stop(ppp->loop, &ppp->auth.timer);
}
