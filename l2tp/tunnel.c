/*
 * The control connection of a LAC, RFC 2661 §5.1 / §7: SCCRQ, SCCRP, SCCCN
 * with optional tunnel authentication (§4.4.3, §5.1.1), HELLO on idle (§6.5),
 * StopCCN both ways (§5.7), and the engine's public entry points.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l2tp/avp.h"
#include "l2tp/kernel.h"
#include "l2tp/l2tp_int.h"
#include "l2tp/proto.h"
#include "lib/util.h"

#define HELLO_DEFAULT_S 60

static void rel_deliver(void *ctx, const uint8_t *msg, size_t len);
static void rel_failed(void *ctx);
static void rel_all_acked(void *ctx);
static int rel_xmit(void *ctx, const uint8_t *buf, size_t len);

static const struct l2tp_rel_ops rel_ops = {
    .xmit = rel_xmit,
    .deliver = rel_deliver,
    .failed = rel_failed,
    .all_acked = rel_all_acked,
};

void l2tp_config_defaults(struct l2tp_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->port_mode = L2TP_PORT_1701;
	cfg->hello_interval_s = HELLO_DEFAULT_S;
	cfg->rtx_initial_ms = 1000;
	cfg->rtx_max_ms = 8000;
	cfg->rtx_max_tries = 5;
	cfg->sccrq_tries_auto = 3;
	cfg->rwin = 16;
	cfg->data_mode = L2TP_DATA_USERSPACE;
	cfg->kernel_api = L2TP_KAPI_AUTO;
}

static void fill_defaults(struct l2tp_config *c)
{
	if (!c->hello_interval_s)
		c->hello_interval_s = HELLO_DEFAULT_S;
	if (!c->rtx_initial_ms)
		c->rtx_initial_ms = 1000;
	if (!c->rtx_max_ms)
		c->rtx_max_ms = 8000;
	if (!c->rtx_max_tries)
		c->rtx_max_tries = 5;
	if (!c->sccrq_tries_auto)
		c->sccrq_tries_auto = 3;
	if (!c->rwin)
		c->rwin = 16;
}

static void hello_fired(struct loop *loop, struct loop_timer *t, void *ctx);
static void hello_arm(struct l2tp *l2tp);
static void close_fired(struct loop *loop, struct loop_timer *t, void *ctx);
static void linger_fired(struct loop *loop, struct loop_timer *t, void *ctx);

struct l2tp *l2tp_new(struct loop *loop, const struct logger *lg, const struct l2tp_config *cfg,
                      const struct l2tp_callbacks *cb, void *ctx)
{
	struct l2tp *l2tp = calloc(1, sizeof(*l2tp));
	struct l2tp_rel_params rp;

	if (!l2tp)
		return NULL;
	l2tp->loop = loop;
	l2tp->lg = lg;
	l2tp->cfg = *cfg;
	fill_defaults(&l2tp->cfg);
	snprintf(l2tp->hostname, sizeof(l2tp->hostname), "%s",
	         cfg->hostname && *cfg->hostname ? cfg->hostname : L2TP_DEFAULT_HOSTNAME);
	l2tp->cfg.hostname = l2tp->hostname;
	if (cfg->secret && cfg->secret_len) {
		l2tp->secret = malloc(cfg->secret_len);
		if (!l2tp->secret) {
			free(l2tp);
			return NULL;
		}
		memcpy(l2tp->secret, cfg->secret, cfg->secret_len);
	}
	l2tp->cfg.secret = l2tp->secret;
	l2tp->cfg.secret_len = l2tp->secret ? cfg->secret_len : 0;
	if (cfg->transport) {
		l2tp->transport = *cfg->transport;
		l2tp->has_transport = true;
	}
	l2tp->cfg.transport = NULL;
	l2tp->cb = *cb;
	l2tp->ctx = ctx;
	l2tp->fd = -1;
	l2tp_kernel_init(&l2tp->kern);
	loop_timer_init(&l2tp->hello_timer, hello_fired, l2tp);
	loop_timer_init(&l2tp->close_timer, close_fired, l2tp);
	loop_timer_init(&l2tp->linger_timer, linger_fired, l2tp);
	rp = (struct l2tp_rel_params){
	    .rtx_initial_ms = l2tp->cfg.rtx_initial_ms,
	    .rtx_max_ms = l2tp->cfg.rtx_max_ms,
	    .max_tries = l2tp->cfg.rtx_max_tries,
	    .ack_delay_ms = MAX(l2tp->cfg.rtx_initial_ms / 4, 1u),
	    .rwin = l2tp->cfg.rwin,
	};
	l2tp_rel_init(&l2tp->rel, loop, lg, &rp, &rel_ops, l2tp);
	return l2tp;
}

static int rel_xmit(void *ctx, const uint8_t *buf, size_t len)
{
	return l2tp_xmit(ctx, buf, len);
}

int l2tp_send_ctrl(struct l2tp *l2tp, struct buf_writer *w)
{
	int len = l2tp_ctrl_finish(w);

	if (len < 0) {
		log_err(l2tp->lg, LOG_L2TP, "control message does not fit");
		return -1;
	}
	log_debug(l2tp->lg, LOG_L2TP, "sending %s",
	          l2tp_msg_type_name(get_be16(w->data + L2TP_CTRL_HDR_LEN + 6)));
	return l2tp_rel_send(&l2tp->rel, w->data, (size_t)len);
}

static int send_sccrq(struct l2tp *l2tp)
{
	uint8_t buf[512];
	struct buf_writer w;

	bw_init(&w, buf, sizeof(buf));
	l2tp_ctrl_begin(&w, 0, 0, L2TP_SCCRQ);
	l2tp_avp_put_u16(&w, true, L2TP_AVP_PROTO_VERSION, L2TP_PROTO_VERSION_1_0);
	l2tp_avp_put(&w, true, L2TP_AVP_HOST_NAME, l2tp->hostname, strlen(l2tp->hostname));
	l2tp_avp_put_u32(&w, true, L2TP_AVP_FRAMING_CAPS, L2TP_FRAMING_SYNC | L2TP_FRAMING_ASYNC);
	l2tp_avp_put_u16(&w, true, L2TP_AVP_TUNNEL_ID, l2tp->tid);
	l2tp_avp_put_u16(&w, true, L2TP_AVP_RWIN, l2tp->rel.p.rwin);
	l2tp_avp_put_u16(&w, false, L2TP_AVP_FIRMWARE_REV, 0x0100);
	l2tp_avp_put(&w, false, L2TP_AVP_VENDOR_NAME, "l2tpsec", 7);
	if (l2tp->secret)
		l2tp_avp_put(&w, true, L2TP_AVP_CHALLENGE, l2tp->challenge, L2TP_CHALLENGE_LEN);
	log_info(l2tp->lg, LOG_L2TP, "SCCRQ to LNS (tunnel %u, port %u%s)", l2tp->tid,
	         l2tp->local_port, l2tp->secret ? ", with challenge" : "");
	return l2tp_send_ctrl(l2tp, &w);
}

static int random_id(uint16_t *id)
{
	do {
		if (random_bytes(id, sizeof(*id)))
			return -1;
	} while (*id == 0);
	return 0;
}

static int check_kernel_support(struct l2tp *l2tp)
{
	unsigned have;

	if (l2tp->cfg.data_mode != L2TP_DATA_KERNEL)
		return 0;
	if (l2tp->has_transport) {
		log_err(l2tp->lg, LOG_L2TP,
		        "kernel data path needs the engine's own UDP socket, not a transport");
		return -1;
	}
	have = l2tp_kernel_probe(l2tp->lg);
	if (l2tp->cfg.kernel_api == L2TP_KAPI_AUTO ? have != 0
	                                           : (have & (1u << l2tp->cfg.kernel_api)) != 0)
		return 0;
	log_err(l2tp->lg, LOG_L2TP,
	        "kernel L2TP data path unavailable: %s (modules l2tp_ppp / l2tp_netlink)",
	        l2tp->cfg.kernel_api == L2TP_KAPI_GENL ? "no genetlink family \"l2tp\""
	        : l2tp->cfg.kernel_api == L2TP_KAPI_PPPOX
	            ? "no PPPoL2TP sockets"
	            : "neither genetlink nor PPPoL2TP sockets");
	return -1;
}

static int open_first_socket(struct l2tp *l2tp)
{
	switch (l2tp->cfg.port_mode) {
	case L2TP_PORT_EPHEMERAL:
		return l2tp_socket_open(l2tp, true);
	case L2TP_PORT_AUTO:
		if (l2tp_socket_open(l2tp, false) == 0)
			return 0;
		log_info(l2tp->lg, LOG_L2TP, "port 1701 unavailable, using an ephemeral port");
		l2tp->port_switched = true;
		return l2tp_socket_open(l2tp, true);
	case L2TP_PORT_1701:
	default:
		return l2tp_socket_open(l2tp, false);
	}
}

int l2tp_prepare(struct l2tp *l2tp)
{
	if (l2tp->prepared)
		return 0;
	if (l2tp->finished) {
		log_err(l2tp->lg, LOG_L2TP, "l2tp_prepare on a closed engine");
		return -1;
	}
	if (l2tp->cfg.peer.ss_family != AF_INET && l2tp->cfg.peer.ss_family != AF_INET6) {
		log_err(l2tp->lg, LOG_L2TP, "no LNS address configured");
		return -1;
	}
	if (check_kernel_support(l2tp))
		return -1;
	if (random_id(&l2tp->tid) ||
	    (l2tp->secret && random_bytes(l2tp->challenge, sizeof(l2tp->challenge))))
		return -1;
	if (open_first_socket(l2tp))
		return -1;
	if (l2tp->cfg.data_mode == L2TP_DATA_KERNEL && !l2tp->ephemeral &&
	    l2tp_genl_available(l2tp->lg))
		l2tp_genl_cleanup_stale(l2tp->lg, (const struct sockaddr *)&l2tp->peer,
		                        l2tp->local_port);
	l2tp->prepared = true;
	return 0;
}

int l2tp_start(struct l2tp *l2tp)
{
	if (l2tp->started) {
		log_err(l2tp->lg, LOG_L2TP, "l2tp_start called twice");
		return -1;
	}
	if (l2tp_prepare(l2tp))
		return -1;
	if (l2tp->cfg.port_mode == L2TP_PORT_AUTO && !l2tp->port_switched)
		l2tp->rel.p.max_tries = l2tp->cfg.sccrq_tries_auto;
	l2tp->started = true;
	l2tp->state = L2TP_ST_WAIT_SCCRP;
	if (send_sccrq(l2tp)) {
		l2tp_socket_close(l2tp);
		l2tp->state = L2TP_ST_IDLE;
		l2tp->started = false;
		l2tp->prepared = false;
		return -1;
	}
	return 0;
}

enum l2tp_stage l2tp_current_stage(const struct l2tp *l2tp)
{
	switch (l2tp->state) {
	case L2TP_ST_IDLE:
		return L2TP_STAGE_SETUP;
	case L2TP_ST_WAIT_SCCRP:
		return L2TP_STAGE_TUNNEL_SETUP;
	case L2TP_ST_WAIT_ICRP:
		return L2TP_STAGE_SESSION_SETUP;
	case L2TP_ST_ESTABLISHED:
		return L2TP_STAGE_ESTABLISHED;
	default:
		return L2TP_STAGE_STOPPING;
	}
}

/* Release the socket and kernel objects, then report from a clean stack. */
static void finish(struct l2tp *l2tp)
{
	if (l2tp->finished)
		return;
	l2tp->finished = true;
	l2tp->state = L2TP_ST_CLOSED;
	l2tp->session_up = false;
	l2tp_rel_stop(&l2tp->rel);
	loop_timer_stop(l2tp->loop, &l2tp->hello_timer);
	l2tp_kernel_teardown(&l2tp->kern, l2tp->lg);
	l2tp_socket_close(l2tp);
	loop_timer_start(l2tp->loop, &l2tp->close_timer, 0);
}

/*
 * RFC 2661 §5.7: the receiver of a StopCCN acks it and keeps "enough control
 * connection state to properly accept StopCCN retransmissions over at least
 * a full retransmission cycle" in case the ack is lost. Kernel objects and
 * our own retransmissions go now, closed() is reported now; the socket and
 * the sequence numbers stay until the cycle is over (or l2tp_free).
 */
static void linger(struct l2tp *l2tp)
{
	struct l2tp_rel_params peer = l2tp->rel.p;

	l2tp->state = L2TP_ST_CLOSED;
	l2tp->session_up = false;
	l2tp->lingering = true;
	l2tp_rel_drop_sent(&l2tp->rel);
	loop_timer_stop(l2tp->loop, &l2tp->hello_timer);
	l2tp_kernel_teardown(&l2tp->kern, l2tp->lg);
	/* the LNS retransmits with the §5.8 defaults, not our goodbye budget */
	peer.max_tries = MAX(peer.max_tries, l2tp->cfg.rtx_max_tries);
	loop_timer_start(l2tp->loop, &l2tp->linger_timer, l2tp_rel_cycle_ms(&peer));
	loop_timer_start(l2tp->loop, &l2tp->close_timer, 0);
}

static void linger_fired(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct l2tp *l2tp = ctx;

	(void)loop;
	(void)t;
	log_debug(l2tp->lg, LOG_L2TP, "StopCCN retransmission cycle over; tunnel state released");
	l2tp->lingering = false;
	l2tp->finished = true;
	l2tp_rel_stop(&l2tp->rel);
	l2tp_socket_close(l2tp);
}

static void close_fired(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct l2tp *l2tp = ctx;

	(void)loop;
	(void)t;
	if (l2tp->failure.clean)
		log_info(l2tp->lg, LOG_L2TP, "closed: %s", l2tp->failure.words);
	if (l2tp->cb.closed)
		l2tp->cb.closed(l2tp->ctx, &l2tp->failure); /* may free l2tp */
}

static void send_stopccn(struct l2tp *l2tp, uint16_t result, uint16_t error)
{
	uint8_t buf[128];
	struct buf_writer w;

	bw_init(&w, buf, sizeof(buf));
	l2tp_ctrl_begin(&w, l2tp->peer_tid, 0, L2TP_STOPCCN);
	l2tp_avp_put_u16(&w, true, L2TP_AVP_TUNNEL_ID, l2tp->tid);
	l2tp_avp_put_result(&w, result, error, NULL);
	log_info(l2tp->lg, LOG_L2TP, "StopCCN to LNS: %s%s%s", l2tp_stopccn_result_words(result),
	         error ? ": " : "", error ? l2tp_error_code_words(error) : "");
	l2tp_send_ctrl(l2tp, &w);
}

/* Send CDN (when a call exists) and StopCCN, then wait for the ack. */
static void begin_teardown(struct l2tp *l2tp, uint16_t cdn_result, uint16_t result, uint16_t error)
{
	bool can_send = l2tp->peer_tid != 0 && !l2tp->rel.stopped;

	l2tp->state = L2TP_ST_STOPPING;
	l2tp->session_up = false;
	loop_timer_stop(l2tp->loop, &l2tp->hello_timer);
	/* Kernel data stops now; the control connection says goodbye. */
	l2tp_kernel_teardown(&l2tp->kern, l2tp->lg);
	if (!can_send) {
		finish(l2tp);
		return;
	}
	if (l2tp->sid)
		l2tp_session_send_cdn(l2tp, cdn_result, cdn_result == L2TP_CDN_ERROR ? error : 0,
		                      NULL);
	send_stopccn(l2tp, result, error);
	/* A goodbye need not wait the full retransmission budget. */
	l2tp->rel.p.max_tries = MIN(l2tp->rel.p.max_tries, 3u);
	if (l2tp_rel_outstanding(&l2tp->rel) == 0)
		finish(l2tp);
}

void l2tp_fail(struct l2tp *l2tp, enum l2tp_stage stage, enum l2tp_fail_cause cause,
               uint16_t result, uint16_t error, const char *fmt, ...)
{
	bool by_peer = cause == L2TP_CAUSE_STOPCCN;
	va_list ap;

	if (l2tp->state == L2TP_ST_STOPPING || l2tp->state == L2TP_ST_CLOSED) {
		if (by_peer && !l2tp->lingering)
			finish(l2tp); /* their StopCCN crossed ours */
		return;
	}
	if (!l2tp->failure_set) {
		l2tp->failure_set = true;
		l2tp->failure.stage = stage;
		l2tp->failure.cause = cause;
		l2tp->failure.by_peer = by_peer;
		l2tp->failure.result = result;
		l2tp->failure.error = error;
		va_start(ap, fmt);
		vsnprintf(l2tp->failure.words, sizeof(l2tp->failure.words), fmt, ap);
		va_end(ap);
		log_warn(l2tp->lg, LOG_L2TP, "%s", l2tp->failure.words);
	}
	if (by_peer) {
		l2tp_rel_flush_ack(&l2tp->rel); /* ack their StopCCN now */
		linger(l2tp);
		return;
	}
	begin_teardown(l2tp, L2TP_CDN_ERROR, result ? result : L2TP_STOPCCN_ERROR, error);
}

void l2tp_stop(struct l2tp *l2tp)
{
	if (l2tp->state == L2TP_ST_STOPPING || l2tp->state == L2TP_ST_CLOSED)
		return;
	if (!l2tp->failure_set) {
		l2tp->failure_set = true;
		l2tp->failure.stage = l2tp_current_stage(l2tp);
		l2tp->failure.clean = true;
		l2tp->failure.result = L2TP_STOPCCN_CLEAR;
		snprintf(l2tp->failure.words, sizeof(l2tp->failure.words), "stopped locally (%s)",
		         l2tp_state_name(l2tp->state));
	}
	if (l2tp->state == L2TP_ST_IDLE) {
		l2tp->state = L2TP_ST_STOPPING;
		finish(l2tp);
		return;
	}
	begin_teardown(l2tp, L2TP_CDN_ADMIN, L2TP_STOPCCN_CLEAR, 0);
}

static void copy_name(char *out, size_t outsz, struct l2tp_bytes b)
{
	size_t n = MIN(b.len, outsz - 1);

	for (size_t i = 0; i < n; i++)
		out[i] = b.p[i] >= 0x20 && b.p[i] < 0x7f ? (char)b.p[i] : '?';
	out[n] = '\0';
}

/* RFC 2661 §5.1.1: the LNS proves knowledge of the secret in SCCRP. */
static int check_tunnel_auth(struct l2tp *l2tp, const struct l2tp_ctrl_msg *m)
{
	uint8_t expect[L2TP_MD5_LEN];
	int bad;

	if (!l2tp->secret) {
		if (l2tp_msg_has(m, L2TP_AVP_CHALLENGE)) {
			l2tp_fail(l2tp, L2TP_STAGE_TUNNEL_SETUP, L2TP_CAUSE_AUTH_NO_SECRET,
			          L2TP_STOPCCN_NOT_AUTHORIZED, 0,
			          "LNS requires tunnel authentication; no tunnel secret set");
			return -1;
		}
		return 0;
	}
	if (!l2tp_msg_has(m, L2TP_AVP_CHALLENGE_RESP)) {
		l2tp_fail(l2tp, L2TP_STAGE_TUNNEL_SETUP, L2TP_CAUSE_AUTH_NO_RESPONSE,
		          L2TP_STOPCCN_NOT_AUTHORIZED, 0,
		          "LNS did not answer our tunnel challenge (no secret on the server?)");
		return -1;
	}
	if (l2tp_challenge_response(L2TP_SCCRP, l2tp->secret, l2tp->cfg.secret_len, l2tp->challenge,
	                            sizeof(l2tp->challenge), expect))
		return -1;
	bad = secure_memcmp(expect, m->challenge_resp, sizeof(expect));
	secure_clear(expect, sizeof(expect));
	if (bad) {
		l2tp_fail(l2tp, L2TP_STAGE_TUNNEL_SETUP, L2TP_CAUSE_AUTH_WRONG,
		          L2TP_STOPCCN_NOT_AUTHORIZED, 0,
		          "LNS tunnel authentication failed: wrong tunnel secret");
		return -1;
	}
	return 0;
}

static int send_scccn(struct l2tp *l2tp, const struct l2tp_ctrl_msg *m)
{
	uint8_t buf[128], resp[L2TP_MD5_LEN];
	struct buf_writer w;

	bw_init(&w, buf, sizeof(buf));
	l2tp_ctrl_begin(&w, l2tp->peer_tid, 0, L2TP_SCCCN);
	if (l2tp->secret && l2tp_msg_has(m, L2TP_AVP_CHALLENGE)) {
		if (l2tp_challenge_response(L2TP_SCCCN, l2tp->secret, l2tp->cfg.secret_len,
		                            m->challenge.p, m->challenge.len, resp))
			return -1;
		l2tp_avp_put(&w, true, L2TP_AVP_CHALLENGE_RESP, resp, sizeof(resp));
		secure_clear(resp, sizeof(resp));
	}
	return l2tp_send_ctrl(l2tp, &w);
}

static void handle_sccrp(struct l2tp *l2tp, const struct l2tp_ctrl_msg *m)
{
	if (l2tp->state != L2TP_ST_WAIT_SCCRP) {
		l2tp_fail(l2tp, l2tp_current_stage(l2tp), L2TP_CAUSE_PROTOCOL, L2TP_STOPCCN_FSM, 0,
		          "unexpected SCCRP");
		return;
	}
	if (!l2tp_msg_has(m, L2TP_AVP_TUNNEL_ID) || m->tunnel_id == 0) {
		l2tp_fail(l2tp, L2TP_STAGE_TUNNEL_SETUP, L2TP_CAUSE_PROTOCOL, L2TP_STOPCCN_ERROR,
		          L2TP_ERR_RANGE, "SCCRP without a valid Assigned Tunnel ID");
		return;
	}
	l2tp->peer_tid = m->tunnel_id;
	l2tp->rel.peer_tunnel_id = m->tunnel_id;
	if (l2tp_msg_has(m, L2TP_AVP_PROTO_VERSION) && m->proto_version >> 8 != 1) {
		l2tp_fail(l2tp, L2TP_STAGE_TUNNEL_SETUP, L2TP_CAUSE_PROTOCOL,
		          L2TP_STOPCCN_BAD_VERSION, 0, "LNS speaks protocol version %u.%u",
		          m->proto_version >> 8, m->proto_version & 0xff);
		return;
	}
	if (check_tunnel_auth(l2tp, m))
		return;
	copy_name(l2tp->peer_host, sizeof(l2tp->peer_host), m->host_name);
	copy_name(l2tp->peer_vendor, sizeof(l2tp->peer_vendor), m->vendor_name);
	if (l2tp_msg_has(m, L2TP_AVP_RWIN))
		l2tp_rel_set_peer_rwin(&l2tp->rel, m->rwin);
	l2tp->rel.p.max_tries = l2tp->cfg.rtx_max_tries;
	if (send_scccn(l2tp, m))
		return;
	l2tp->state = L2TP_ST_WAIT_ICRP;
	log_info(l2tp->lg, LOG_L2TP, "tunnel up: ours %u, LNS %u (\"%s\", %s)", l2tp->tid,
	         l2tp->peer_tid, l2tp->peer_host, *l2tp->peer_vendor ? l2tp->peer_vendor : "-");
	l2tp->last_rx_ms = loop_now_ms(l2tp->loop);
	hello_arm(l2tp);
	if (l2tp->cfg.data_mode == L2TP_DATA_KERNEL) {
		const char *why = "";

		if (l2tp_kernel_tunnel_create(&l2tp->kern, l2tp->lg, l2tp->cfg.kernel_api, l2tp->fd,
		                              (const struct sockaddr *)&l2tp->peer, l2tp->peer_len,
		                              l2tp->tid, l2tp->peer_tid, &why)) {
			l2tp_fail(l2tp, L2TP_STAGE_SETUP, L2TP_CAUSE_LOCAL, L2TP_STOPCCN_ERROR,
			          L2TP_ERR_RESOURCES, "kernel L2TP tunnel: %s", why);
			return;
		}
	}
	if (l2tp->cb.tunnel_up)
		l2tp->cb.tunnel_up(l2tp->ctx);
	if (l2tp->state == L2TP_ST_WAIT_ICRP)
		l2tp_session_start(l2tp);
}

static void handle_stopccn(struct l2tp *l2tp, const struct l2tp_ctrl_msg *m)
{
	char msg[96];

	copy_name(msg, sizeof(msg), m->result_msg);
	l2tp_fail(l2tp, l2tp_current_stage(l2tp), L2TP_CAUSE_STOPCCN, m->result, m->error,
	          "LNS closed the tunnel (StopCCN): %s%s%s%s%s",
	          l2tp_stopccn_result_words(m->result), m->has_error && m->error ? "; " : "",
	          m->has_error && m->error ? l2tp_error_code_words(m->error) : "", *msg ? ": " : "",
	          msg);
}

static void dispatch(struct l2tp *l2tp, const struct l2tp_hdr *h, const struct l2tp_ctrl_msg *m)
{
	switch (m->type) {
	case L2TP_SCCRP:
		handle_sccrp(l2tp, m);
		break;
	case L2TP_STOPCCN:
		handle_stopccn(l2tp, m);
		break;
	case L2TP_HELLO:
		/* The ack is all it asks for, and no reply will carry it: a
		 * ZLB now rather than a wakeup for it later (RFC 2661 §5.8). */
		l2tp_rel_flush_ack(&l2tp->rel);
		break;
	case L2TP_SCCRQ:
	case L2TP_SCCCN:
		l2tp_fail(l2tp, l2tp_current_stage(l2tp), L2TP_CAUSE_PROTOCOL, L2TP_STOPCCN_FSM, 0,
		          "LNS sent %s, which only a LAC sends", l2tp_msg_type_name(m->type));
		break;
	default:
		if (l2tp_is_session_msg(m->type)) {
			l2tp_session_msg(l2tp, h, m);
		} else if (m->type_mandatory) {
			/* §4.1: an unknown message with the M bit ends the tunnel. */
			l2tp_fail(l2tp, l2tp_current_stage(l2tp), L2TP_CAUSE_PROTOCOL,
			          L2TP_STOPCCN_ERROR, L2TP_ERR_UNKNOWN_M_AVP,
			          "unknown mandatory message type %u", m->type);
		} else {
			log_info(l2tp->lg, LOG_L2TP, "ignoring unknown message type %u", m->type);
		}
	}
}

static void rel_deliver(void *ctx, const uint8_t *msg, size_t len)
{
	struct l2tp *l2tp = ctx;
	struct l2tp_ctrl_msg *m;
	struct l2tp_hdr h;
	const char *why = NULL;
	uint16_t err = 0;

	if (l2tp_hdr_parse(msg, len, &h, &why))
		return; /* checked before it was queued */
	if (l2tp->lingering) {
		log_debug(l2tp->lg, LOG_L2TP, "tunnel closed: message acknowledged, not acted on");
		return;
	}
	m = malloc(sizeof(*m));
	if (!m)
		return;
	if (l2tp_ctrl_decode(msg + h.payload_off, h.payload_len, l2tp->secret, l2tp->cfg.secret_len,
	                     m, &err, &why)) {
		l2tp_fail(l2tp, l2tp_current_stage(l2tp), L2TP_CAUSE_PROTOCOL, L2TP_STOPCCN_ERROR,
		          err, "malformed control message from LNS: %s", why);
	} else {
		log_debug(l2tp->lg, LOG_L2TP, "received %s", l2tp_msg_type_name(m->type));
		/* Learn the LNS's tunnel ID first, so a StopCCN reaches it. */
		if (m->type == L2TP_SCCRP && l2tp->state == L2TP_ST_WAIT_SCCRP && m->tunnel_id) {
			l2tp->peer_tid = m->tunnel_id;
			l2tp->rel.peer_tunnel_id = m->tunnel_id;
		}
		if (m->unknown_mandatory)
			l2tp_fail(l2tp, l2tp_current_stage(l2tp), L2TP_CAUSE_PROTOCOL,
			          L2TP_STOPCCN_ERROR, L2TP_ERR_UNKNOWN_M_AVP,
			          "%s carries unknown mandatory AVP %u (vendor %u)",
			          l2tp_msg_type_name(m->type), m->unknown_type, m->unknown_vendor);
		else
			dispatch(l2tp, &h, m);
	}
	secure_clear(m->arena, m->arena_used);
	free(m);
}

static void rel_failed(void *ctx)
{
	struct l2tp *l2tp = ctx;

	if (l2tp->state == L2TP_ST_WAIT_SCCRP && l2tp->cfg.port_mode == L2TP_PORT_AUTO &&
	    !l2tp->port_switched) {
		l2tp->port_switched = true;
		log_notice(l2tp->lg, LOG_L2TP, "no answer to SCCRQ from port %u; trying %s",
		           l2tp->local_port, l2tp->ephemeral ? "port 1701" : "an ephemeral port");
		l2tp_rel_reset(&l2tp->rel);
		l2tp->rel.p.max_tries = l2tp->cfg.rtx_max_tries;
		if (l2tp_socket_open(l2tp, !l2tp->ephemeral) == 0 && send_sccrq(l2tp) == 0)
			return;
	}
	if (l2tp->state == L2TP_ST_STOPPING) {
		finish(l2tp);
		return;
	}
	l2tp_fail(l2tp, l2tp_current_stage(l2tp), L2TP_CAUSE_NO_ANSWER, 0, 0, "%s",
	          l2tp->state == L2TP_ST_WAIT_SCCRP
	              ? "no answer from the LNS to SCCRQ"
	              : "LNS stopped acknowledging control messages (tunnel dead)");
}

static void rel_all_acked(void *ctx)
{
	struct l2tp *l2tp = ctx;

	if (l2tp->state == L2TP_ST_STOPPING)
		finish(l2tp);
}

/* A HELLO goes out "after a specified period of time has elapsed since the
 * last data or control message was received" (RFC 2661 §5.5): LCP echoes
 * answered, or any traffic, make it unneeded. Up to a quarter interval early
 * when the loop is awake anyway, so that at rest it shares the other
 * keepalives' wakeups (issue 16). */
static void hello_arm(struct l2tp *l2tp)
{
	uint64_t every = l2tp->cfg.hello_interval_s * 1000ull, now = loop_now_ms(l2tp->loop);
	uint64_t due = l2tp->last_rx_ms + every;

	loop_timer_start_slack(l2tp->loop, &l2tp->hello_timer, due > now ? due - now : every,
	                       every / 4);
}

static void hello_fired(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct l2tp *l2tp = ctx;
	uint64_t every = l2tp->cfg.hello_interval_s * 1000ull;
	uint8_t buf[32];
	struct buf_writer w;

	(void)t;
	if (l2tp->state != L2TP_ST_WAIT_ICRP && l2tp->state != L2TP_ST_ESTABLISHED)
		return;
	if (l2tp->last_rx_ms + every - every / 4 > loop_now_ms(loop)) {
		hello_arm(l2tp); /* heard from the LNS meanwhile */
		return;
	}
	if (l2tp_rel_outstanding(&l2tp->rel) == 0) {
		bw_init(&w, buf, sizeof(buf));
		l2tp_ctrl_begin(&w, l2tp->peer_tid, 0, L2TP_HELLO);
		l2tp_send_ctrl(l2tp, &w);
	}
	l2tp->last_rx_ms = loop_now_ms(loop); /* the next one an interval from now */
	hello_arm(l2tp);
}

void l2tp_input(struct l2tp *l2tp, const uint8_t *buf, size_t len)
{
	struct l2tp_hdr h;
	const char *why = NULL;

	if (l2tp->state == L2TP_ST_IDLE || (l2tp->state == L2TP_ST_CLOSED && !l2tp->lingering))
		return;
	if (l2tp_hdr_parse(buf, len, &h, &why)) {
		log_debug(l2tp->lg, LOG_L2TP, "dropping datagram: %s", why);
		return;
	}
	/* per packet: the loop's round time, no clock read (RFC 2661 §5.5) */
	l2tp->last_rx_ms = loop_round_ms(l2tp->loop);
	loop_timer_defer(l2tp->loop, &l2tp->hello_timer, l2tp->last_rx_ms,
	                 l2tp->cfg.hello_interval_s * 1000ull, l2tp->cfg.hello_interval_s * 250ull);
	if (!h.control) {
		if (!l2tp->lingering)
			l2tp_data_input(l2tp, &h, buf);
		return;
	}
	if (h.tunnel_id != l2tp->tid) {
		log_debug(l2tp->lg, LOG_L2TP, "dropping control message for tunnel %u",
		          h.tunnel_id);
		return;
	}
	l2tp_rel_input(&l2tp->rel, h.ns, h.nr, h.payload_len == 0, buf,
	               h.payload_off + h.payload_len);
}

void l2tp_free(struct l2tp *l2tp)
{
	if (!l2tp)
		return;
	loop_timer_stop(l2tp->loop, &l2tp->hello_timer);
	loop_timer_stop(l2tp->loop, &l2tp->close_timer);
	loop_timer_stop(l2tp->loop, &l2tp->linger_timer);
	l2tp_kernel_teardown(&l2tp->kern, l2tp->lg);
	l2tp_socket_close(l2tp);
	l2tp_rel_free(&l2tp->rel);
	if (l2tp->secret) {
		secure_clear(l2tp->secret, l2tp->cfg.secret_len);
		free(l2tp->secret);
	}
	secure_clear(l2tp->challenge, sizeof(l2tp->challenge));
	free(l2tp);
}

int l2tp_session_socket(struct l2tp *l2tp)
{
	if (l2tp->cfg.data_mode != L2TP_DATA_KERNEL || l2tp->finished) {
		errno = EINVAL;
		return -1;
	}
	if (l2tp->kern.session_fd < 0)
		l2tp->kern.session_fd = l2tp_pppox_socket();
	return l2tp->kern.session_fd;
}

int l2tp_tunnel_fd(const struct l2tp *l2tp)
{
	return l2tp->fd;
}

uint16_t l2tp_local_port(const struct l2tp *l2tp)
{
	return l2tp->local_port;
}

const char *l2tp_state_name(enum l2tp_state st)
{
	static const char *const names[] = {"idle",        "waiting for SCCRP", "waiting for ICRP",
	                                    "established", "stopping",          "closed"};

	return (unsigned)st < ARRAY_SIZE(names) ? names[st] : "?";
}
