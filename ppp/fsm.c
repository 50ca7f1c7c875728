/*
 * RFC 1661 §4: the option negotiation automaton. Each event handler follows
 * one row of the state transition table (§4.1); the action names in the
 * comments (irc, scr, sca, tlu...) are the RFC's.
 */
#include "ppp/fsm.h"

#include <string.h>

#include "lib/util.h"
#include "ppp/ppp_internal.h"

static void fsm_timeout(struct loop *loop, struct loop_timer *t, void *ctx);

void fsm_init(struct fsm *f, struct ppp *ppp, uint16_t proto, const char *name,
              const struct fsm_ops *ops)
{
	memset(f, 0, sizeof(*f));
	f->ppp = ppp;
	f->proto = proto;
	f->name = name;
	f->ops = ops;
	f->state = PPP_FSM_INITIAL;
	f->next_id = 1;
	loop_timer_init(&f->timer, fsm_timeout, f);
}

static bool timer_state(enum ppp_fsm_state s)
{
	return s == PPP_FSM_CLOSING || s == PPP_FSM_STOPPING || s == PPP_FSM_REQ_SENT ||
	       s == PPP_FSM_ACK_RCVD || s == PPP_FSM_ACK_SENT;
}

static void set_state(struct fsm *f, enum ppp_fsm_state s)
{
	if (f->state != s)
		log_debug(f->ppp->lg, LOG_PPP, "%s: %s -> %s", f->name,
		          ppp_fsm_state_name(f->state), ppp_fsm_state_name(s));
	f->state = s;
	if (!timer_state(s))
		fsm_stop_timer(f);
}

void fsm_stop_timer(struct fsm *f)
{
	loop_timer_stop(f->ppp->loop, &f->timer);
}

int fsm_send(struct fsm *f, uint8_t code, uint8_t id, const uint8_t *data, size_t len)
{
	uint8_t hdr[4] = {code, id, 0, 0};
	size_t max = ppp_send_mtu(f->ppp) - sizeof(hdr);

	/* Only rejects carry peer data of arbitrary size: truncate them to
	 * what the peer can receive (RFC 1661 §5.6, §5.7). */
	if (len > max)
		len = max;
	put_be16(hdr + 2, (uint16_t)(len + sizeof(hdr)));
	return ppp_send_ctrl(f->ppp, f->proto, hdr, data, len);
}

/* irc: Max-Terminate for Terminate-Requests, Max-Configure otherwise. */
static void irc(struct fsm *f, bool terminate)
{
	const struct ppp_config *c = &f->ppp->cfg;

	f->restart_count = terminate ? c->max_terminate : c->max_configure;
}

static void start_timer(struct fsm *f)
{
	loop_timer_start(f->ppp->loop, &f->timer, f->ppp->cfg.restart_ms);
}

/* zrc: zero the counter, but wait one Restart period before tlf (§4.4). */
static void zrc(struct fsm *f)
{
	f->restart_count = 0;
	start_timer(f);
}

static void scr(struct fsm *f)
{
	struct buf_writer w;

	bw_init(&w, f->req, sizeof(f->req));
	f->ops->build_request(f, &w);
	f->req_len = bw_ok(&w) ? w.len : 0;
	f->req_id = f->next_id++;
	if (f->restart_count > 0)
		f->restart_count--;
	fsm_send(f, CODE_CONF_REQ, f->req_id, f->req, f->req_len);
	start_timer(f);
}

static void str(struct fsm *f)
{
	if (f->restart_count > 0)
		f->restart_count--;
	fsm_send(f, CODE_TERM_REQ, f->next_id++, NULL, 0);
	start_timer(f);
}

static void sta(struct fsm *f, uint8_t id)
{
	fsm_send(f, CODE_TERM_ACK, id, NULL, 0);
}

static void tlu(struct fsm *f)
{
	if (f->ops->up)
		f->ops->up(f);
}

static void tld(struct fsm *f)
{
	if (f->ops->down)
		f->ops->down(f);
}

static void tls(struct fsm *f)
{
	if (f->ops->starting)
		f->ops->starting(f);
}

static void tlf(struct fsm *f)
{
	if (f->ops->finished)
		f->ops->finished(f);
}

/* A fresh negotiation: our wishes back to the configuration, then scr. */
static void start_negotiation(struct fsm *f)
{
	irc(f, false);
	f->naks_sent = 0;
	f->naks_rcvd = 0;
	if (f->ops->reset)
		f->ops->reset(f);
	scr(f);
}

void fsm_lower_up(struct fsm *f)
{
	switch (f->state) {
	case PPP_FSM_INITIAL:
		set_state(f, PPP_FSM_CLOSED);
		break;
	case PPP_FSM_STARTING:
		set_state(f, PPP_FSM_REQ_SENT);
		start_negotiation(f);
		break;
	default:
		log_debug(f->ppp->lg, LOG_PPP, "%s: Up in state %s ignored", f->name,
		          ppp_fsm_state_name(f->state));
		break;
	}
}

void fsm_lower_down(struct fsm *f)
{
	switch (f->state) {
	case PPP_FSM_CLOSED:
	case PPP_FSM_CLOSING:
		set_state(f, PPP_FSM_INITIAL);
		break;
	case PPP_FSM_STOPPED:
		set_state(f, PPP_FSM_STARTING);
		tls(f);
		break;
	case PPP_FSM_STOPPING:
	case PPP_FSM_REQ_SENT:
	case PPP_FSM_ACK_RCVD:
	case PPP_FSM_ACK_SENT:
		set_state(f, PPP_FSM_STARTING);
		break;
	case PPP_FSM_OPENED:
		set_state(f, PPP_FSM_STARTING);
		tld(f);
		break;
	default:
		break;
	}
}

void fsm_open(struct fsm *f)
{
	switch (f->state) {
	case PPP_FSM_INITIAL:
		set_state(f, PPP_FSM_STARTING);
		tls(f);
		break;
	case PPP_FSM_CLOSED:
		set_state(f, PPP_FSM_REQ_SENT);
		start_negotiation(f);
		break;
	case PPP_FSM_CLOSING:
		set_state(f, PPP_FSM_STOPPING);
		break;
	default: /* Starting, Stopped, Stopping, negotiating, Opened: no change */
		break;
	}
}

void fsm_close(struct fsm *f)
{
	switch (f->state) {
	case PPP_FSM_STARTING:
		set_state(f, PPP_FSM_INITIAL);
		tlf(f);
		break;
	case PPP_FSM_STOPPED:
		set_state(f, PPP_FSM_CLOSED);
		break;
	case PPP_FSM_STOPPING:
		set_state(f, PPP_FSM_CLOSING);
		break;
	case PPP_FSM_OPENED:
		set_state(f, PPP_FSM_CLOSING);
		tld(f);
		irc(f, true);
		str(f);
		break;
	case PPP_FSM_REQ_SENT:
	case PPP_FSM_ACK_RCVD:
	case PPP_FSM_ACK_SENT:
		set_state(f, PPP_FSM_CLOSING);
		irc(f, true);
		str(f);
		break;
	default: /* Initial, Closed, Closing */
		break;
	}
}

static void fsm_timeout(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct fsm *f = ctx;

	(void)loop;
	(void)t;
	switch (f->state) {
	case PPP_FSM_CLOSING:
	case PPP_FSM_STOPPING:
		if (f->restart_count > 0) {
			str(f); /* TO+ */
			return;
		}
		set_state(f, f->state == PPP_FSM_CLOSING ? PPP_FSM_CLOSED : PPP_FSM_STOPPED);
		tlf(f);
		break;
	case PPP_FSM_REQ_SENT:
	case PPP_FSM_ACK_RCVD:
	case PPP_FSM_ACK_SENT:
		if (f->restart_count > 0) {
			if (f->state == PPP_FSM_ACK_RCVD)
				set_state(f, PPP_FSM_REQ_SENT);
			scr(f); /* TO+ */
			return;
		}
		log_notice(f->ppp->lg, LOG_PPP, "%s: no answer after %u Configure-Requests",
		           f->name, f->ppp->cfg.max_configure);
		f->fail_why = "timed out";
		set_state(f, PPP_FSM_STOPPED);
		tlf(f);
		break;
	default:
		break;
	}
}

/* RCR+ / RCR-: the protocol decides the answer, we send it. */
static void recv_conf_req(struct fsm *f, uint8_t id, const uint8_t *opts, size_t len)
{
	uint8_t ans[PPP_MAX_CTRL];
	struct buf_writer w;
	int code;

	switch (f->state) {
	case PPP_FSM_CLOSED:
		sta(f, id);
		return;
	case PPP_FSM_CLOSING:
	case PPP_FSM_STOPPING:
		return;
	case PPP_FSM_OPENED:
		/* Renegotiation: tld, scr, then the answer (§4.1 RCR in Opened). */
		set_state(f, PPP_FSM_REQ_SENT);
		tld(f);
		start_negotiation(f);
		break;
	case PPP_FSM_STOPPED:
		set_state(f, PPP_FSM_REQ_SENT);
		start_negotiation(f);
		break;
	default:
		break;
	}
	bw_init(&w, ans, sizeof(ans));
	code = f->ops->recv_request(f, opts, len, f->naks_sent < f->ppp->cfg.max_failure, &w);
	if (code == FSM_GIVE_UP) {
		fsm_close(f);
		return;
	}
	if (code < 0 || !bw_ok(&w)) {
		log_debug(f->ppp->lg, LOG_PPP, "%s: malformed Configure-Request dropped", f->name);
		return;
	}
	fsm_send(f, (uint8_t)code, id, ans, w.len);
	if (code == CODE_CONF_ACK) {
		f->naks_sent = 0;
		if (f->state == PPP_FSM_ACK_RCVD) {
			set_state(f, PPP_FSM_OPENED);
			tlu(f);
		} else {
			set_state(f, PPP_FSM_ACK_SENT);
		}
		return;
	}
	if (code == CODE_CONF_NAK)
		f->naks_sent++;
	if (f->state == PPP_FSM_ACK_SENT)
		set_state(f, PPP_FSM_REQ_SENT);
}

static bool answers_our_request(const struct fsm *f, uint8_t id)
{
	return id == f->req_id;
}

static void recv_conf_ack(struct fsm *f, uint8_t id, const uint8_t *opts, size_t len)
{
	/* §5.2: the options must be exactly those of our request. */
	if (!answers_our_request(f, id) || len != f->req_len ||
	    (len && memcmp(opts, f->req, len) != 0)) {
		log_debug(f->ppp->lg, LOG_PPP, "%s: Configure-Ack does not match, dropped",
		          f->name);
		return;
	}
	f->naks_rcvd = 0;
	switch (f->state) {
	case PPP_FSM_CLOSED:
	case PPP_FSM_STOPPED:
		sta(f, id);
		break;
	case PPP_FSM_REQ_SENT:
		irc(f, false);
		set_state(f, PPP_FSM_ACK_RCVD);
		break;
	case PPP_FSM_ACK_RCVD: /* crossed connection */
		set_state(f, PPP_FSM_REQ_SENT);
		scr(f);
		break;
	case PPP_FSM_ACK_SENT:
		irc(f, false);
		set_state(f, PPP_FSM_OPENED);
		tlu(f);
		break;
	case PPP_FSM_OPENED:
		set_state(f, PPP_FSM_REQ_SENT);
		tld(f);
		scr(f);
		break;
	default:
		break;
	}
}

static void recv_conf_nak_rej(struct fsm *f, uint8_t code, uint8_t id, const uint8_t *opts,
                              size_t len)
{
	int rc;

	if (!answers_our_request(f, id))
		return;
	switch (f->state) {
	case PPP_FSM_CLOSED:
	case PPP_FSM_STOPPED:
		sta(f, id);
		return;
	case PPP_FSM_CLOSING:
	case PPP_FSM_STOPPING:
	case PPP_FSM_INITIAL:
	case PPP_FSM_STARTING:
		return;
	default:
		break;
	}
	rc = code == CODE_CONF_NAK ? f->ops->recv_nak(f, opts, len)
	                           : f->ops->recv_reject(f, opts, len);
	if (rc < 0) {
		log_debug(f->ppp->lg, LOG_PPP, "%s: bad Configure-%s dropped", f->name,
		          code == CODE_CONF_NAK ? "Nak" : "Reject");
		return;
	}
	if (++f->naks_rcvd > f->ppp->cfg.max_failure) {
		/* Not converging (§4.6 Max-Failure, applied to our side too). */
		log_notice(f->ppp->lg, LOG_PPP, "%s: peer keeps refusing our options", f->name);
		f->fail_why = "options not converging";
		fsm_close(f);
		return;
	}
	switch (f->state) {
	case PPP_FSM_REQ_SENT:
	case PPP_FSM_ACK_SENT:
		irc(f, false);
		scr(f);
		break;
	case PPP_FSM_ACK_RCVD:
		set_state(f, PPP_FSM_REQ_SENT);
		scr(f);
		break;
	case PPP_FSM_OPENED:
		set_state(f, PPP_FSM_REQ_SENT);
		tld(f);
		scr(f);
		break;
	default:
		break;
	}
}

static void recv_term_req(struct fsm *f, uint8_t id)
{
	switch (f->state) {
	case PPP_FSM_REQ_SENT:
	case PPP_FSM_ACK_RCVD:
	case PPP_FSM_ACK_SENT:
		sta(f, id);
		set_state(f, PPP_FSM_REQ_SENT);
		break;
	case PPP_FSM_OPENED:
		log_info(f->ppp->lg, LOG_PPP, "%s: peer sent Terminate-Request", f->name);
		f->peer_terminated = true;
		set_state(f, PPP_FSM_STOPPING);
		tld(f);
		zrc(f);
		sta(f, id);
		break;
	default:
		sta(f, id);
		break;
	}
}

static void recv_term_ack(struct fsm *f)
{
	switch (f->state) {
	case PPP_FSM_CLOSING:
		set_state(f, PPP_FSM_CLOSED);
		tlf(f);
		break;
	case PPP_FSM_STOPPING:
		set_state(f, PPP_FSM_STOPPED);
		tlf(f);
		break;
	case PPP_FSM_ACK_RCVD:
		set_state(f, PPP_FSM_REQ_SENT);
		break;
	case PPP_FSM_OPENED:
		set_state(f, PPP_FSM_REQ_SENT);
		tld(f);
		scr(f);
		break;
	default:
		break;
	}
}

/* RXJ-: the peer cannot do something this protocol needs. */
static void rxj_minus(struct fsm *f)
{
	f->fail_why = "rejected by the peer";
	switch (f->state) {
	case PPP_FSM_CLOSED:
	case PPP_FSM_CLOSING:
		set_state(f, PPP_FSM_CLOSED);
		tlf(f);
		break;
	case PPP_FSM_STOPPED:
	case PPP_FSM_STOPPING:
	case PPP_FSM_REQ_SENT:
	case PPP_FSM_ACK_RCVD:
	case PPP_FSM_ACK_SENT:
		set_state(f, PPP_FSM_STOPPED);
		tlf(f);
		break;
	case PPP_FSM_OPENED:
		set_state(f, PPP_FSM_STOPPING);
		tld(f);
		irc(f, true);
		str(f);
		break;
	default:
		break;
	}
}

void fsm_protocol_rejected(struct fsm *f)
{
	log_info(f->ppp->lg, LOG_PPP, "%s: rejected by the peer (Protocol-Reject)", f->name);
	rxj_minus(f);
}

static void recv_code_rej(struct fsm *f, const uint8_t *data, size_t len)
{
	uint8_t code = len ? data[0] : 0;

	/* Codes 1-7 are needed by every control protocol: RXJ-. Rejecting
	 * Echo or Discard (LCP extensions) is RXJ+ (§5.6). */
	log_info(f->ppp->lg, LOG_PPP, "%s: peer rejected code %u", f->name, code);
	if (code >= CODE_CONF_REQ && code <= CODE_CODE_REJ) {
		rxj_minus(f);
		return;
	}
	if (f->state == PPP_FSM_ACK_RCVD)
		set_state(f, PPP_FSM_REQ_SENT);
}

void fsm_input(struct fsm *f, const uint8_t *pkt, size_t len)
{
	struct buf_reader r;
	uint8_t code, id;
	uint16_t plen;
	const uint8_t *data;

	br_init(&r, pkt, len);
	br_u8(&r, &code);
	br_u8(&r, &id);
	br_u16(&r, &plen);
	/* §5: octets beyond Length are padding; a Length beyond the frame or
	 * below the header makes the packet invalid. */
	if (!br_ok(&r) || plen < 4 || plen > len) {
		log_debug(f->ppp->lg, LOG_PPP, "%s: bad packet length, dropped", f->name);
		f->ppp->dropped++;
		return;
	}
	data = pkt + 4;
	len = plen - 4u;
	if (f->state == PPP_FSM_INITIAL || f->state == PPP_FSM_STARTING) {
		f->ppp->dropped++;
		return;
	}
	switch (code) {
	case CODE_CONF_REQ:
		recv_conf_req(f, id, data, len);
		break;
	case CODE_CONF_ACK:
		recv_conf_ack(f, id, data, len);
		break;
	case CODE_CONF_NAK:
	case CODE_CONF_REJ:
		recv_conf_nak_rej(f, code, id, data, len);
		break;
	case CODE_TERM_REQ:
		recv_term_req(f, id);
		break;
	case CODE_TERM_ACK:
		recv_term_ack(f);
		break;
	case CODE_CODE_REJ:
		recv_code_rej(f, data, len);
		break;
	default:
		if (f->ops->other_code && f->ops->other_code(f, code, id, data, len) == 0)
			break;
		/* RUC: scj, the whole packet goes back (§5.6). */
		log_debug(f->ppp->lg, LOG_PPP, "%s: unknown code %u, Code-Reject", f->name, code);
		fsm_send(f, CODE_CODE_REJ, f->next_id++, pkt, plen);
		break;
	}
}
