/*
 * PPP instance: framing on a synchronous link (RFC 1661 §2, §6.5, §6.6),
 * demultiplexing by protocol, the link phases (§3.2) and the public API.
 */
#include "ppp/ppp.h"

#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "ppp/ppp_internal.h"

static void report_down(struct ppp *ppp);

static void apply_defaults(struct ppp_config *c)
{
	if (!c->mru)
		c->mru = PPP_DEFAULT_MRU;
	if (!c->mtu)
		c->mtu = PPP_DEFAULT_MRU;
	if (!c->echo_failure)
		c->echo_failure = 3;
	if (!c->restart_ms)
		c->restart_ms = 3000;
	if (!c->max_configure)
		c->max_configure = 10;
	if (!c->max_terminate)
		c->max_terminate = 2;
	if (!c->max_failure)
		c->max_failure = 5;
	c->auth_allowed &= PPP_AUTH_ALL | PPP_AUTH_ALLOW_NONE;
}

static int copy_credentials(struct ppp *ppp, const struct ppp_config *cfg)
{
	const char *user = cfg->user ? cfg->user : "";

	if (strlen(user) > PPP_MAX_USER || cfg->password_len > 1024)
		return -1;
	ppp->user = strdup(user);
	ppp->password = malloc(cfg->password_len ? cfg->password_len : 1);
	if (!ppp->user || !ppp->password)
		return -1;
	if (cfg->password_len)
		memcpy(ppp->password, cfg->password, cfg->password_len);
	ppp->cfg.user = ppp->user;
	ppp->cfg.password = ppp->password;
	return 0;
}

/* Whether MS-CHAPv2 can run: the legacy provider (MD4, DES) loads. It is
 * loaded for the check and unloaded again, until a Challenge needs it. */
static bool legacy_available(struct ppp *ppp)
{
	bool loaded;

	if (!ppp->have_crypto || chap_legacy_begin(ppp, &loaded) < 0)
		return false;
	chap_legacy_end(ppp, loaded);
	return true;
}

struct ppp *ppp_new(struct loop *loop, const struct logger *lg, const struct ppp_config *cfg,
                    const struct ppp_callbacks *cbs, void *ctx)
{
	struct ppp *ppp = calloc(1, sizeof(*ppp));

	if (!ppp)
		return NULL;
	ppp->loop = loop;
	ppp->lg = lg;
	ppp->cfg = *cfg;
	apply_defaults(&ppp->cfg);
	ppp->cbs = *cbs;
	ppp->ctx = ctx;
	ppp->txbuf = malloc(PPP_HDR_LEN + PPP_MAX_INFO);
	if (!ppp->txbuf || copy_credentials(ppp, cfg) < 0)
		goto fail;
	/* CHAP needs the library context; PAP alone does not. */
	if (ppp->cfg.auth_allowed & (PPP_AUTH_CHAP_MD5 | PPP_AUTH_MSCHAPV2) ||
	    ppp->cfg.serve.require_auth != PPP_AUTH_NONE) {
		if (cfg->crypto) {
			ppp->crypto = *cfg->crypto;
			ppp->have_crypto = ppp->crypto_borrowed = true;
		} else {
			ppp->have_crypto = ppp_crypto_init(&ppp->crypto) == 0;
		}
		if (!ppp->have_crypto)
			log_warn(lg, LOG_PPP, "no MD5/SHA-1 from OpenSSL: only PAP is possible");
	}
	if ((ppp->cfg.auth_allowed & PPP_AUTH_MSCHAPV2) && !legacy_available(ppp)) {
		log_warn(lg, LOG_PPP, "OpenSSL legacy provider (MD4, DES) missing: no MS-CHAPv2");
		ppp->cfg.auth_allowed &= ~(unsigned)PPP_AUTH_MSCHAPV2;
	}
	if (!ppp->have_crypto)
		ppp->cfg.auth_allowed &= ~(unsigned)PPP_AUTH_CHAP_MD5;
	loop_timer_init(&ppp->auth.timer, NULL, NULL);
	lcp_init(ppp);
	ipcp_init(ppp);
	ipv6cp_init(ppp);
	ppp->phase = PPP_PHASE_DEAD;
	return ppp;
fail:
	ppp_free(ppp);
	return NULL;
}

void ppp_forget_password(struct ppp *ppp)
{
	if (ppp->password)
		secure_clear(ppp->password, ppp->cfg.password_len);
	ppp->cfg.password_len = 0;
}

void ppp_free(struct ppp *ppp)
{
	if (!ppp)
		return;
	fsm_stop_timer(&ppp->lcp);
	fsm_stop_timer(&ppp->ipcp);
	fsm_stop_timer(&ppp->ipv6cp);
	lcp_stop_echo(ppp);
	auth_stop(ppp);
	if (ppp->have_crypto && !ppp->crypto_borrowed)
		ppp_crypto_free(&ppp->crypto);
	if (ppp->password) {
		secure_clear(ppp->password, ppp->cfg.password_len);
		free(ppp->password);
	}
	secure_clear(&ppp->auth, sizeof(ppp->auth));
	free(ppp->user);
	free(ppp->txbuf);
	free(ppp);
}

int ppp_start(struct ppp *ppp)
{
	if (ppp->phase != PPP_PHASE_DEAD || ppp->down_reported)
		return -1;
	ppp->phase = PPP_PHASE_ESTABLISH;
	fsm_open(&ppp->lcp);
	fsm_lower_up(&ppp->lcp);
	return 0;
}

void ppp_close(struct ppp *ppp)
{
	if (ppp->down_reported)
		return;
	ppp_fail(ppp, PPP_DOWN_LOCAL_CLOSE, PPP_AUTH_NONE, "closed by us");
	ppp->phase = PPP_PHASE_TERMINATE;
	fsm_close(&ppp->lcp);
	/* Nothing to terminate (never opened, or already stopped). */
	if (ppp->lcp.state == PPP_FSM_CLOSED || ppp->lcp.state == PPP_FSM_INITIAL)
		report_down(ppp);
}

void ppp_lower_down(struct ppp *ppp)
{
	if (ppp->down_reported)
		return;
	ppp_fail(ppp, PPP_DOWN_LOWER_DOWN, PPP_AUTH_NONE, "lower layer down");
	fsm_lower_down(&ppp->lcp);
	report_down(ppp);
}

uint16_t ppp_send_mtu(const struct ppp *ppp)
{
	uint16_t peer = ppp->lcp_st.peer_mru ? ppp->lcp_st.peer_mru : PPP_DEFAULT_MRU;

	return MIN(peer, ppp->cfg.mtu);
}

void ppp_fail(struct ppp *ppp, enum ppp_down_reason reason, enum ppp_auth auth, const char *message)
{
	if (ppp->failure.reason != PPP_DOWN_NONE)
		return;
	ppp->failure.reason = reason;
	ppp->failure.auth = auth;
	snprintf(ppp->failure.message, sizeof(ppp->failure.message), "%s", message ? message : "");
}

static void report_down(struct ppp *ppp)
{
	if (ppp->down_reported)
		return;
	ppp->down_reported = true;
	ppp->phase = PPP_PHASE_DEAD;
	lcp_stop_echo(ppp);
	auth_stop(ppp);
	fsm_stop_timer(&ppp->lcp);
	if (ppp->failure.reason == PPP_DOWN_NONE)
		ppp_fail(ppp, PPP_DOWN_NEGOTIATION_FAILED, PPP_AUTH_NONE, "LCP finished");
	log_notice(ppp->lg, LOG_PPP, "link down: %s%s%s", ppp_down_reason_name(ppp->failure.reason),
	           ppp->failure.message[0] ? ": " : "", ppp->failure.message);
	if (ppp->cbs.down)
		ppp->cbs.down(ppp->ctx, &ppp->failure);
}

/* ---- phases (RFC 1661 §3.2) ---- */

static void enter_network(struct ppp *ppp)
{
	ppp->phase = PPP_PHASE_NETWORK;
	fsm_open(&ppp->ipcp);
	fsm_lower_up(&ppp->ipcp);
	if (ppp->cfg.enable_ipv6cp) {
		fsm_open(&ppp->ipv6cp);
		fsm_lower_up(&ppp->ipv6cp);
	}
}

static bool auth_complete(const struct ppp *ppp)
{
	bool ours = ppp->lcp_st.peer_auth == PPP_AUTH_NONE || ppp->auth.done;
	bool theirs = ppp->cfg.serve.require_auth == PPP_AUTH_NONE || ppp->auth.srv_done;

	return ours && theirs;
}

void ppp_lcp_up(struct ppp *ppp)
{
	ppp->auth.done = false;
	ppp->auth.srv_done = false;
	/* A peer that asks for no authentication proves nothing: any holder of
	 * a group PSK could stand in for the gateway. Refused unless allowed. */
	if (ppp->lcp_st.peer_auth == PPP_AUTH_NONE && (ppp->cfg.auth_allowed & PPP_AUTH_ALL) &&
	    !(ppp->cfg.auth_allowed & PPP_AUTH_ALLOW_NONE)) {
		/* A peer that first asked for a method we refused and then for
		 * none (pppd does so after our Nak) is named by that method. */
		if (ppp->lcp_st.auth_refused)
			ppp_fail(ppp, PPP_DOWN_AUTH_REFUSED, ppp->lcp_st.refused_auth,
			         "the peer asked for a method we refuse, then for none");
		else
			ppp_fail(ppp, PPP_DOWN_AUTH_REFUSED, PPP_AUTH_NONE,
			         "the peer asks for no authentication");
		ppp->phase = PPP_PHASE_TERMINATE;
		fsm_close(&ppp->lcp);
		return;
	}
	if (auth_complete(ppp)) {
		enter_network(ppp);
		return;
	}
	ppp->phase = PPP_PHASE_AUTHENTICATE;
	if (ppp->lcp_st.peer_auth == PPP_AUTH_PAP)
		pap_start(ppp);
	else if (ppp->lcp_st.peer_auth != PPP_AUTH_NONE)
		chap_start(ppp);
	if (ppp->cfg.serve.require_auth != PPP_AUTH_NONE)
		authsrv_start(ppp);
}

void ppp_auth_done(struct ppp *ppp)
{
	if (ppp->phase == PPP_PHASE_AUTHENTICATE && auth_complete(ppp))
		enter_network(ppp);
}

void ppp_lcp_down(struct ppp *ppp)
{
	lcp_stop_echo(ppp);
	auth_stop(ppp);
	fsm_lower_down(&ppp->ipcp);
	fsm_lower_down(&ppp->ipv6cp);
	memset(&ppp->ip, 0, sizeof(ppp->ip));
	if (ppp->phase != PPP_PHASE_TERMINATE && ppp->phase != PPP_PHASE_DEAD)
		ppp->phase = PPP_PHASE_ESTABLISH;
}

bool ppp_peer_auth_refused(const struct ppp *ppp, struct ppp_failure *why)
{
	if (!ppp->lcp_st.auth_refused || ppp->auth.done || ppp->phase == PPP_PHASE_NETWORK)
		return false;
	memset(why, 0, sizeof(*why));
	why->reason = PPP_DOWN_AUTH_REFUSED;
	why->auth = ppp->lcp_st.refused_auth;
	snprintf(why->message, sizeof(why->message),
	         "the peer insists on an authentication method we refuse");
	return true;
}

void ppp_lcp_finished(struct ppp *ppp)
{
	/* Why the peer gave up, when we know better than "terminated". */
	if (ppp->lcp_st.peer_wants_mppe)
		ppp_fail(ppp, PPP_DOWN_MPPE_REQUIRED, PPP_AUTH_NONE,
		         "the peer asked for MPPE and left when we rejected it");
	else if (ppp->lcp_st.auth_refused && !ppp->auth.done)
		ppp_fail(ppp, PPP_DOWN_AUTH_REFUSED, ppp->lcp_st.refused_auth,
		         "the peer insists on an authentication method we refuse");
	if (ppp->lcp.peer_terminated)
		ppp_fail(ppp, PPP_DOWN_PEER_TERMINATE, PPP_AUTH_NONE, "peer terminated the link");
	else
		ppp_fail(ppp, PPP_DOWN_NEGOTIATION_FAILED, PPP_AUTH_NONE,
		         ppp->lcp.fail_why ? ppp->lcp.fail_why : "LCP finished");
	report_down(ppp);
}

void ppp_ncp_up(struct ppp *ppp)
{
	ppp->ip.mtu = ppp_send_mtu(ppp);
	if (ppp->cbs.ip_up)
		ppp->cbs.ip_up(ppp->ctx, &ppp->ip);
}

void ppp_ncp_finished(struct ppp *ppp, struct fsm *f)
{
	char msg[64];

	if (f != &ppp->ipcp) {
		log_info(ppp->lg, LOG_PPP, "%s finished: %s", f->name,
		         f->fail_why ? f->fail_why : "closed");
		return;
	}
	/* Without IPv4 the tunnel is useless to a remote-access client. */
	snprintf(msg, sizeof(msg), "IPCP %s", f->fail_why ? f->fail_why : "closed by the peer");
	ppp_fail(ppp, PPP_DOWN_NEGOTIATION_FAILED, PPP_AUTH_NONE, msg);
	ppp->phase = PPP_PHASE_TERMINATE;
	fsm_close(&ppp->lcp);
}

/* ---- output ---- */

int ppp_send_ctrl(struct ppp *ppp, uint16_t proto, const uint8_t hdr[4], const uint8_t *data,
                  size_t len)
{
	uint8_t *p = ppp->txbuf;

	if (len > PPP_MAX_INFO - 4)
		return -1;
	p[0] = 0xff; /* we never compress our own address/control or protocol */
	p[1] = 0x03;
	put_be16(p + 2, proto);
	memcpy(p + PPP_HDR_LEN, hdr, 4);
	if (len)
		memcpy(p + PPP_HDR_LEN + 4, data, len);
	ppp->frames_out++;
	return ppp->cbs.send_frame(ppp->ctx, p, PPP_HDR_LEN + 4 + len);
}

int ppp_send_proto(struct ppp *ppp, uint16_t proto, const uint8_t *data, size_t len)
{
	uint8_t *p = ppp->txbuf;

	if (len > PPP_MAX_INFO)
		return -1;
	p[0] = 0xff;
	p[1] = 0x03;
	put_be16(p + 2, proto);
	if (len)
		memcpy(p + PPP_HDR_LEN, data, len);
	ppp->frames_out++;
	return ppp->cbs.send_frame(ppp->ctx, p, PPP_HDR_LEN + len);
}

/* The protocol number for an IP packet we may send now, 0 for none. */
static uint16_t ip_proto_for(struct ppp *ppp, const uint8_t *pkt, size_t len)
{
	if (len == 0 || len > ppp_send_mtu(ppp))
		return 0;
	if (pkt[0] >> 4 == 4 && ppp->ipcp.state == PPP_FSM_OPENED)
		return PPP_PROTO_IPV4;
	if (pkt[0] >> 4 == 6 && ppp->ipv6cp.state == PPP_FSM_OPENED)
		return PPP_PROTO_IPV6;
	return 0;
}

int ppp_send_ip(struct ppp *ppp, const uint8_t *pkt, size_t len)
{
	uint16_t proto = ip_proto_for(ppp, pkt, len);

	if (!proto) {
		ppp->dropped++;
		return -1;
	}
	ppp->ip_out++;
	return ppp_send_proto(ppp, proto, pkt, len);
}

int ppp_encap_ip(struct ppp *ppp, struct pkt *p)
{
	uint16_t proto = ip_proto_for(ppp, pkt_data(p), p->len);
	uint8_t *hdr;

	if (!proto || !(hdr = pkt_push(p, PPP_ENCAP_HEADROOM))) {
		ppp->dropped++;
		return -1;
	}
	put_be16(hdr, proto);
	ppp->ip_out++;
	ppp->frames_out++;
	return 0;
}

/* ---- input ---- */

/* RFC 1661 §2: the protocol field is odd in its last octet and even in
 * the others; PFC (§6.6) sends one octet for protocols below 0x100. */
static int read_protocol(struct buf_reader *r, uint16_t *proto)
{
	uint8_t hi, lo;

	if (br_u8(r, &hi))
		return -1;
	if (hi & 1) {
		*proto = hi;
		return 0;
	}
	if (br_u8(r, &lo) || !(lo & 1))
		return -1;
	*proto = (uint16_t)(hi << 8 | lo);
	return 0;
}

static void deliver_ip(struct ppp *ppp, struct fsm *ncp, const uint8_t *pkt, size_t len)
{
	if (ncp->state != PPP_FSM_OPENED || len == 0) {
		ppp->dropped++;
		return;
	}
	ppp->ip_in++;
	if (ppp->cbs.deliver_ip)
		ppp->cbs.deliver_ip(ppp->ctx, pkt, len);
}

static void auth_input(struct ppp *ppp, uint16_t proto, const uint8_t *pkt, size_t len)
{
	if (ppp->lcp.state != PPP_FSM_OPENED) {
		ppp->dropped++;
		return;
	}
	if (ppp->cfg.serve.require_auth != PPP_AUTH_NONE) {
		authsrv_input(ppp, proto, pkt, len);
		return;
	}
	if (proto == PPP_PROTO_PAP && ppp->lcp_st.peer_auth == PPP_AUTH_PAP)
		pap_input(ppp, pkt, len);
	else if (proto == PPP_PROTO_CHAP && (ppp->lcp_st.peer_auth == PPP_AUTH_CHAP_MD5 ||
	                                     ppp->lcp_st.peer_auth == PPP_AUTH_MSCHAPV2))
		chap_input(ppp, pkt, len);
	else
		ppp->dropped++;
}

/* A CCP Configure-Request (RFC 1962 §3, the LCP packet format) with the
 * MPPE option (RFC 3078 §2, type 18)? Bounded by the packet's own length. */
static bool ccp_request_has_mppe(const uint8_t *pkt, size_t len)
{
	struct buf_reader r;
	struct ppp_opt o;
	size_t plen;

	if (len < 4 || pkt[0] != 1)
		return false;
	plen = get_be16(pkt + 2);
	if (plen < 4 || plen > len)
		return false;
	br_init(&r, pkt + 4, plen - 4);
	while (ppp_opt_next(&r, &o) > 0)
		if (o.type == 18)
			return true;
	return false;
}

static void ncp_input(struct ppp *ppp, struct fsm *ncp, const uint8_t *pkt, size_t len)
{
	/* §3.4: NCP packets before the Network phase are silently discarded. */
	if (ppp->phase != PPP_PHASE_NETWORK) {
		ppp->dropped++;
		return;
	}
	fsm_input(ncp, pkt, len);
}

void ppp_input(struct ppp *ppp, const uint8_t *frame, size_t len)
{
	struct buf_reader r;
	uint16_t proto;
	const uint8_t *pkt;
	size_t plen;

	if (ppp->down_reported)
		return;
	ppp->frames_in++;
	br_init(&r, frame, len);
	/* §6.6 ACFC: accept frames with and without FF 03. */
	if (len >= 2 && frame[0] == 0xff && frame[1] == 0x03)
		br_skip(&r, 2);
	if (read_protocol(&r, &proto) < 0) {
		log_debug(ppp->lg, LOG_PPP, "bad protocol field, frame dropped");
		ppp->dropped++;
		return;
	}
	plen = br_remaining(&r);
	br_ptr(&r, &pkt, plen);
	switch (proto) {
	case PPP_PROTO_LCP:
		fsm_input(&ppp->lcp, pkt, plen);
		break;
	case PPP_PROTO_PAP:
	case PPP_PROTO_CHAP:
		auth_input(ppp, proto, pkt, plen);
		break;
	case PPP_PROTO_IPCP:
		ncp_input(ppp, &ppp->ipcp, pkt, plen);
		break;
	case PPP_PROTO_IPV6CP:
		if (ppp->cfg.enable_ipv6cp)
			ncp_input(ppp, &ppp->ipv6cp, pkt, plen);
		else
			lcp_protocol_reject(ppp, proto, pkt, plen);
		break;
	case PPP_PROTO_IPV4:
		deliver_ip(ppp, &ppp->ipcp, pkt, plen);
		break;
	case PPP_PROTO_IPV6:
		deliver_ip(ppp, &ppp->ipv6cp, pkt, plen);
		break;
	case PPP_PROTO_CCP:
		/* RFC 1962 §3: a Configure-Request (code 1) naming MPPE (RFC 3078
		 * §2, option 18): remembered, to explain a peer that then leaves. */
		if (ccp_request_has_mppe(pkt, plen))
			ppp->lcp_st.peer_wants_mppe = true;
		lcp_protocol_reject(ppp, proto, pkt, plen);
		break;
	default:
		/* CCP, EAP, multilink...: we do none of them (§5.7). */
		lcp_protocol_reject(ppp, proto, pkt, plen);
		break;
	}
}

void ppp_get_status(const struct ppp *ppp, struct ppp_status *st)
{
	memset(st, 0, sizeof(*st));
	st->phase = ppp->phase;
	st->lcp = ppp->lcp.state;
	st->ipcp = ppp->ipcp.state;
	st->ipv6cp = ppp->ipv6cp.state;
	st->auth = ppp->lcp_st.peer_auth;
	st->auth_done = ppp->auth.done;
	st->ip = ppp->ip;
	st->frames_in = ppp->frames_in;
	st->frames_out = ppp->frames_out;
	st->ip_in = ppp->ip_in;
	st->ip_out = ppp->ip_out;
	st->dropped = ppp->dropped;
}

/* ---- option lists (RFC 1661 §6) ---- */

int ppp_opt_next(struct buf_reader *r, struct ppp_opt *o)
{
	if (br_remaining(r) == 0)
		return 0;
	if (br_u8(r, &o->type) || br_u8(r, &o->len) || o->len < 2 ||
	    br_ptr(r, &o->data, (size_t)o->len - 2u))
		return -1;
	return 1;
}

int ppp_opt_put(struct buf_writer *w, uint8_t type, const void *data, size_t len)
{
	if (len > 253)
		return -1;
	bw_u8(w, type);
	bw_u8(w, (uint8_t)(len + 2));
	if (len)
		bw_bytes(w, data, len);
	return bw_ok(w) ? 0 : -1;
}

/* ---- names ---- */

const char *ppp_down_reason_name(enum ppp_down_reason r)
{
	static const char *const names[] = {
	    [PPP_DOWN_NONE] = "none",
	    [PPP_DOWN_LOCAL_CLOSE] = "closed",
	    [PPP_DOWN_LOWER_DOWN] = "lower layer down",
	    [PPP_DOWN_PEER_TERMINATE] = "terminated by peer",
	    [PPP_DOWN_AUTH_FAILED] = "authentication failed",
	    [PPP_DOWN_ECHO_TIMEOUT] = "peer not responding to echo",
	    [PPP_DOWN_NEGOTIATION_FAILED] = "negotiation failed",
	    [PPP_DOWN_LOOPBACK] = "loopback detected",
	    [PPP_DOWN_INTERNAL] = "internal error",
	    [PPP_DOWN_AUTH_REFUSED] = "authentication method refused",
	    [PPP_DOWN_MPPE_REQUIRED] = "MPPE required by the peer",
	};

	return (unsigned)r < ARRAY_SIZE(names) && names[r] ? names[r] : "?";
}

const char *ppp_auth_name(enum ppp_auth a)
{
	switch (a) {
	case PPP_AUTH_NONE:
		return "none";
	case PPP_AUTH_PAP:
		return "PAP";
	case PPP_AUTH_CHAP_MD5:
		return "CHAP-MD5";
	case PPP_AUTH_MSCHAPV2:
		return "MS-CHAPv2";
	}
	return "?";
}

const char *ppp_fsm_state_name(enum ppp_fsm_state s)
{
	static const char *const names[] = {
	    "Initial",  "Starting", "Closed",   "Stopped",  "Closing",
	    "Stopping", "Req-Sent", "Ack-Rcvd", "Ack-Sent", "Opened",
	};

	return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "?";
}
