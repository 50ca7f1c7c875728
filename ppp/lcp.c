/*
 * LCP (RFC 1661 §5, §6): MRU, magic number and loopback detection, the
 * authentication protocol the peer wants from us, ACFC/PFC, and Echo for
 * liveness. Options the client does not implement are rejected politely.
 */
#include <string.h>

#include "lib/util.h"
#include "ppp/ppp_internal.h"

enum {
	LCP_OPT_MRU = 1,
	LCP_OPT_ACCM = 2,
	LCP_OPT_AUTH = 3,
	LCP_OPT_QUALITY = 4,
	LCP_OPT_MAGIC = 5,
	LCP_OPT_PFC = 7,
	LCP_OPT_ACFC = 8,
};

static uint32_t new_magic(void)
{
	uint32_t m = 0;

	/* §6.4: zero is not a magic number. */
	while (m == 0)
		if (random_bytes(&m, sizeof(m)) < 0)
			m = 0x5a5a0001u; /* random failed: still non-zero */
	return m;
}

static void lcp_reset(struct fsm *f)
{
	struct ppp *ppp = fsm_ppp(f);
	struct lcp_state *st = &ppp->lcp_st;

	st->send_mru = ppp->cfg.mru != PPP_DEFAULT_MRU;
	st->want_mru = ppp->cfg.mru;
	st->send_magic = true;
	st->magic = new_magic();
	st->send_auth = ppp->cfg.serve.require_auth != PPP_AUTH_NONE;
	st->peer_mru = PPP_DEFAULT_MRU;
	st->peer_auth = PPP_AUTH_NONE;
}

/* The value of the Authentication-Protocol option for a method. */
static size_t auth_option(enum ppp_auth a, uint8_t out[3])
{
	put_be16(out, a == PPP_AUTH_PAP ? PPP_PROTO_PAP : PPP_PROTO_CHAP);
	if (a == PPP_AUTH_PAP)
		return 2;
	out[2] = a == PPP_AUTH_CHAP_MD5 ? CHAP_ALG_MD5 : CHAP_ALG_MSCHAPV2;
	return 3;
}

static void lcp_build_request(struct fsm *f, struct buf_writer *w)
{
	struct ppp *ppp = fsm_ppp(f);
	struct lcp_state *st = &ppp->lcp_st;
	uint8_t v[4];

	if (st->send_mru) {
		put_be16(v, st->want_mru);
		ppp_opt_put(w, LCP_OPT_MRU, v, 2);
	}
	if (st->send_auth) {
		size_t n = auth_option(ppp->cfg.serve.require_auth, v);

		ppp_opt_put(w, LCP_OPT_AUTH, v, n);
	}
	if (st->send_magic) {
		put_be32(v, st->magic);
		ppp_opt_put(w, LCP_OPT_MAGIC, v, 4);
	}
}

static int lcp_recv_nak(struct fsm *f, const uint8_t *opts, size_t len)
{
	struct lcp_state *st = &fsm_ppp(f)->lcp_st;
	struct buf_reader r;
	struct ppp_opt o;
	int rc;

	br_init(&r, opts, len);
	while ((rc = ppp_opt_next(&r, &o)) > 0) {
		if (o.type == LCP_OPT_MRU && o.len == 4 && st->send_mru) {
			uint16_t mru = get_be16(o.data);

			/* Take the peer's suggestion if it is sane. */
			if (mru >= PPP_MIN_MRU)
				st->want_mru = mru;
			else
				st->send_mru = false;
		} else if (o.type == LCP_OPT_MAGIC && o.len == 6 && st->send_magic) {
			st->magic = new_magic();
		}
		/* Anything else (e.g. an option we did not send) is a hint we
		 * are free to ignore (§5.3). */
	}
	return rc;
}

static int lcp_recv_reject(struct fsm *f, const uint8_t *opts, size_t len)
{
	struct ppp *ppp = fsm_ppp(f);
	struct lcp_state *st = &ppp->lcp_st;
	struct buf_reader r;
	struct ppp_opt o;
	int rc;

	br_init(&r, opts, len);
	while ((rc = ppp_opt_next(&r, &o)) > 0) {
		if (o.type == LCP_OPT_MRU && st->send_mru)
			st->send_mru = false;
		else if (o.type == LCP_OPT_MAGIC && st->send_magic)
			st->send_magic = false;
		else if (o.type == LCP_OPT_AUTH && st->send_auth)
			st->send_auth = false; /* the loopback authenticator then fails */
		else
			return -1; /* §5.4: a Reject must only name options we sent */
	}
	return rc;
}

/* Our most preferred allowed method: MS-CHAPv2, CHAP-MD5, PAP. */
static enum ppp_auth preferred_auth(unsigned allowed)
{
	if (allowed & PPP_AUTH_MSCHAPV2)
		return PPP_AUTH_MSCHAPV2;
	if (allowed & PPP_AUTH_CHAP_MD5)
		return PPP_AUTH_CHAP_MD5;
	if (allowed & PPP_AUTH_PAP)
		return PPP_AUTH_PAP;
	return PPP_AUTH_NONE;
}

static enum ppp_auth auth_method_of(const struct ppp_opt *o)
{
	uint16_t proto = get_be16(o->data);

	if (proto == PPP_PROTO_PAP && o->len == 4)
		return PPP_AUTH_PAP;
	if (proto == PPP_PROTO_CHAP && o->len == 5 && o->data[2] == CHAP_ALG_MD5)
		return PPP_AUTH_CHAP_MD5;
	if (proto == PPP_PROTO_CHAP && o->len == 5 && o->data[2] == CHAP_ALG_MSCHAPV2)
		return PPP_AUTH_MSCHAPV2;
	return PPP_AUTH_NONE; /* EAP, MS-CHAPv1, SPAP...: not ours */
}

/* What we answer to one option of the peer's request. */
struct lcp_answer {
	struct buf_writer nak, rej;
	uint16_t mru;
	enum ppp_auth auth;
	bool loopback;
};

static void lcp_opt_auth(struct ppp *ppp, const struct ppp_opt *o, bool may_nak,
                         struct lcp_answer *a)
{
	enum ppp_auth want = o->len >= 4 ? auth_method_of(o) : PPP_AUTH_NONE;
	enum ppp_auth pref = preferred_auth(ppp->cfg.auth_allowed);
	uint8_t v[3];

	if (o->len < 4) {
		ppp_opt_put(&a->rej, o->type, o->data, (size_t)o->len - 2u);
		return;
	}
	if (want != PPP_AUTH_NONE && (ppp->cfg.auth_allowed & want)) {
		a->auth = want;
		return;
	}
	/* Remembered to name it if the peer insists and the link fails. */
	ppp->lcp_st.auth_refused = true;
	ppp->lcp_st.refused_auth = want;
	if (may_nak && pref != PPP_AUTH_NONE) {
		/* §6.2: Nak with the protocol we would rather use. */
		log_info(ppp->lg, LOG_PPP, "LCP: peer asks for auth %04x, suggesting %s",
		         get_be16(o->data), ppp_auth_name(pref));
		ppp_opt_put(&a->nak, LCP_OPT_AUTH, v, auth_option(pref, v));
	} else {
		ppp_opt_put(&a->rej, o->type, o->data, (size_t)o->len - 2u);
	}
}

static void lcp_opt_magic(struct ppp *ppp, const struct ppp_opt *o, bool may_nak,
                          struct lcp_answer *a)
{
	struct lcp_state *st = &ppp->lcp_st;
	uint32_t magic = get_be32(o->data);
	uint8_t v[4];

	if (magic != 0 && !(st->send_magic && magic == st->magic))
		return; /* acceptable */
	if (magic != 0) {
		/* §6.4: maybe a looped-back link; both sides pick anew. */
		a->loopback = true;
		st->magic = new_magic();
	}
	if (!may_nak) {
		ppp_opt_put(&a->rej, o->type, o->data, 4);
		return;
	}
	put_be32(v, new_magic());
	ppp_opt_put(&a->nak, LCP_OPT_MAGIC, v, 4);
}

static void lcp_answer_opt(struct ppp *ppp, const struct ppp_opt *o, bool may_nak,
                           struct lcp_answer *a)
{
	size_t dlen = (size_t)o->len - 2u;
	uint8_t v[2];

	switch (o->type) {
	case LCP_OPT_MRU:
		if (o->len != 4)
			break;
		a->mru = get_be16(o->data);
		if (a->mru >= PPP_MIN_MRU)
			return;
		if (!may_nak)
			break;
		put_be16(v, PPP_MIN_MRU);
		ppp_opt_put(&a->nak, LCP_OPT_MRU, v, 2);
		return;
	case LCP_OPT_ACCM: /* meaningless on a synchronous link: harmless */
		if (o->len == 6)
			return;
		break;
	case LCP_OPT_AUTH:
		lcp_opt_auth(ppp, o, may_nak, a);
		return;
	case LCP_OPT_MAGIC:
		if (o->len != 6)
			break;
		lcp_opt_magic(ppp, o, may_nak, a);
		return;
	case LCP_OPT_PFC:
		if (o->len == 2 && !ppp->cfg.refuse_pfc)
			return;
		break;
	case LCP_OPT_ACFC:
		if (o->len == 2 && !ppp->cfg.refuse_acfc)
			return;
		break;
	default:
		break;
	}
	ppp_opt_put(&a->rej, o->type, o->data, dlen);
}

static int lcp_recv_request(struct fsm *f, const uint8_t *opts, size_t len, bool may_nak,
                            struct buf_writer *w)
{
	struct ppp *ppp = fsm_ppp(f);
	uint8_t nakbuf[PPP_MAX_CTRL];
	struct lcp_answer a = {.mru = PPP_DEFAULT_MRU, .auth = PPP_AUTH_NONE};
	struct buf_reader r;
	struct ppp_opt o;
	int rc;

	bw_init(&a.nak, nakbuf, sizeof(nakbuf));
	a.rej = *w;
	br_init(&r, opts, len);
	while ((rc = ppp_opt_next(&r, &o)) > 0)
		lcp_answer_opt(ppp, &o, may_nak, &a);
	if (rc < 0 || !bw_ok(&a.nak) || !bw_ok(&a.rej))
		return -1;
	if (a.loopback && ++ppp->lcp_st.loopbacks > ppp->cfg.max_failure) {
		ppp_fail(ppp, PPP_DOWN_LOOPBACK, PPP_AUTH_NONE,
		         "our magic number keeps coming back");
		f->fail_why = "loopback";
		return FSM_GIVE_UP;
	}
	if (a.rej.len) {
		*w = a.rej;
		return CODE_CONF_REJ;
	}
	if (a.nak.len) {
		bw_bytes(w, nakbuf, a.nak.len);
		return CODE_CONF_NAK;
	}
	ppp->lcp_st.peer_mru = a.mru;
	ppp->lcp_st.peer_auth = a.auth;
	bw_bytes(w, opts, len);
	return CODE_CONF_ACK;
}

/* ---- liveness (§5.8) ---- */

static void lcp_send_echo(struct ppp *ppp)
{
	uint8_t magic[4];

	put_be32(magic, ppp->lcp_st.send_magic ? ppp->lcp_st.magic : 0);
	fsm_send(&ppp->lcp, CODE_ECHO_REQ, ppp->lcp_st.echo_id++, magic, sizeof(magic));
}

/* Up to a quarter interval early when the loop is awake anyway: at rest
 * the echo then shares a wakeup with the other keepalives (issue 16). */
static void echo_arm(struct ppp *ppp)
{
	uint64_t every = (uint64_t)ppp->cfg.echo_interval_s * 1000u;

	loop_timer_start_slack(ppp->loop, &ppp->lcp_st.echo_timer, every, every / 4);
}

static void echo_timer_fired(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct ppp *ppp = ctx;

	(void)t;
	if (ppp->lcp.state != PPP_FSM_OPENED)
		return;
	if (ppp->lcp_st.echo_pending >= ppp->cfg.echo_failure) {
		log_notice(ppp->lg, LOG_PPP, "LCP: %u Echo-Requests unanswered, peer is dead",
		           ppp->lcp_st.echo_pending);
		ppp_fail(ppp, PPP_DOWN_ECHO_TIMEOUT, PPP_AUTH_NONE, "no answer to LCP echo");
		ppp->phase = PPP_PHASE_TERMINATE;
		fsm_close(&ppp->lcp);
		return;
	}
	lcp_send_echo(ppp);
	ppp->lcp_st.echo_pending++;
	echo_arm(ppp);
}

void lcp_stop_echo(struct ppp *ppp)
{
	loop_timer_stop(ppp->loop, &ppp->lcp_st.echo_timer);
	ppp->lcp_st.echo_pending = 0;
}

static void lcp_up(struct fsm *f)
{
	struct ppp *ppp = fsm_ppp(f);

	log_info(ppp->lg, LOG_PPP, "LCP opened (peer MRU %u, auth %s)", ppp->lcp_st.peer_mru,
	         ppp_auth_name(ppp->lcp_st.peer_auth));
	ppp->lcp_st.loopbacks = 0;
	if (ppp->cfg.echo_interval_s)
		echo_arm(ppp);
	ppp_lcp_up(ppp);
}

static void lcp_down(struct fsm *f)
{
	ppp_lcp_down(fsm_ppp(f));
}

static void lcp_finished(struct fsm *f)
{
	ppp_lcp_finished(fsm_ppp(f));
}

/* ---- codes 8-13 ---- */

static void recv_protocol_reject(struct ppp *ppp, const uint8_t *data, size_t len)
{
	uint16_t proto;

	if (len < 2 || ppp->lcp.state != PPP_FSM_OPENED)
		return;
	proto = get_be16(data);
	log_info(ppp->lg, LOG_PPP, "LCP: peer rejected protocol %04x", proto);
	if (proto == PPP_PROTO_IPCP)
		fsm_protocol_rejected(&ppp->ipcp);
	else if (proto == PPP_PROTO_IPV6CP)
		fsm_protocol_rejected(&ppp->ipv6cp);
	/* Rejected LCP, auth or data protocols: nothing sensible to do. */
}

static void recv_echo(struct ppp *ppp, uint8_t code, uint8_t id, const uint8_t *data, size_t len)
{
	struct lcp_state *st = &ppp->lcp_st;
	uint8_t reply[PPP_MAX_CTRL];
	uint32_t magic;

	if (ppp->lcp.state != PPP_FSM_OPENED || len < 4)
		return;
	magic = get_be32(data);
	if (st->send_magic && magic == st->magic) {
		log_warn(ppp->lg, LOG_PPP, "LCP: echo carries our own magic: looped-back link?");
		return;
	}
	if (code == CODE_ECHO_REP) {
		st->echo_pending = 0;
		return;
	}
	/* ser: our magic, then the peer's data back (§5.8). */
	len = MIN(len, sizeof(reply));
	memcpy(reply, data, len);
	put_be32(reply, st->send_magic ? st->magic : 0);
	fsm_send(&ppp->lcp, CODE_ECHO_REP, id, reply, len);
}

static int lcp_other_code(struct fsm *f, uint8_t code, uint8_t id, const uint8_t *data, size_t len)
{
	struct ppp *ppp = fsm_ppp(f);

	switch (code) {
	case CODE_PROTO_REJ:
		recv_protocol_reject(ppp, data, len);
		return 0;
	case CODE_ECHO_REQ:
	case CODE_ECHO_REP:
		recv_echo(ppp, code, id, data, len);
		return 0;
	case CODE_DISCARD_REQ:
	case CODE_IDENTIFICATION: /* RFC 1570: informational, Windows sends it */
	case CODE_TIME_REMAINING:
		return 0;
	default:
		return -1;
	}
}

void lcp_protocol_reject(struct ppp *ppp, uint16_t proto, const uint8_t *pkt, size_t len)
{
	uint8_t buf[PPP_MAX_CTRL];

	ppp->dropped++;
	/* §5.7: only in the Opened state. */
	if (ppp->lcp.state != PPP_FSM_OPENED)
		return;
	log_debug(ppp->lg, LOG_PPP, "protocol %04x not supported: Protocol-Reject", proto);
	put_be16(buf, proto);
	len = MIN(len, sizeof(buf) - 2);
	if (len)
		memcpy(buf + 2, pkt, len);
	fsm_send(&ppp->lcp, CODE_PROTO_REJ, ppp->lcp.next_id++, buf, len + 2);
}

static const struct fsm_ops lcp_ops = {
    .reset = lcp_reset,
    .build_request = lcp_build_request,
    .recv_nak = lcp_recv_nak,
    .recv_reject = lcp_recv_reject,
    .recv_request = lcp_recv_request,
    .up = lcp_up,
    .down = lcp_down,
    .finished = lcp_finished,
    .other_code = lcp_other_code,
};

void lcp_init(struct ppp *ppp)
{
	fsm_init(&ppp->lcp, ppp, PPP_PROTO_LCP, "LCP", &lcp_ops);
	loop_timer_init(&ppp->lcp_st.echo_timer, echo_timer_fired, ppp);
	ppp->lcp_st.peer_mru = PPP_DEFAULT_MRU;
}
