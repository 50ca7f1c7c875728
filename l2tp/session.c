/*
 * The one session of a LAC: an incoming call, RFC 2661 §5.2 / §7.4.1
 * (ICRQ -> ICRP -> ICCN), torn down by CDN from either side (§5.5 / §7.4.3);
 * WEN and SLI (§6.14, §6.15) are accepted.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "l2tp/avp.h"
#include "l2tp/l2tp_int.h"
#include "l2tp/proto.h"
#include "lib/util.h"

/* What an ICCN reports: 100 Mbit/s, like a LAN adapter would. */
#define CONNECT_SPEED 100000000u

bool l2tp_is_session_msg(uint16_t type)
{
	switch (type) {
	case L2TP_OCRQ:
	case L2TP_OCRP:
	case L2TP_OCCN:
	case L2TP_ICRQ:
	case L2TP_ICRP:
	case L2TP_ICCN:
	case L2TP_CDN:
	case L2TP_WEN:
	case L2TP_SLI:
		return true;
	default:
		return false;
	}
}

int l2tp_session_start(struct l2tp *l2tp)
{
	uint8_t buf[128];
	struct buf_writer w;

	do {
		if (random_bytes(&l2tp->sid, sizeof(l2tp->sid)) ||
		    random_bytes(&l2tp->call_serial, sizeof(l2tp->call_serial)))
			return -1;
	} while (l2tp->sid == 0);
	bw_init(&w, buf, sizeof(buf));
	l2tp_ctrl_begin(&w, l2tp->peer_tid, 0, L2TP_ICRQ);
	l2tp_avp_put_u16(&w, true, L2TP_AVP_SESSION_ID, l2tp->sid);
	l2tp_avp_put_u32(&w, true, L2TP_AVP_CALL_SERIAL, l2tp->call_serial);
	l2tp_avp_put_u32(&w, true, L2TP_AVP_BEARER_TYPE, L2TP_BEARER_ANALOG);
	log_info(l2tp->lg, LOG_L2TP, "ICRQ (session %u)", l2tp->sid);
	return l2tp_send_ctrl(l2tp, &w);
}

void l2tp_session_send_cdn(struct l2tp *l2tp, uint16_t result, uint16_t error, const char *msg)
{
	uint8_t buf[160];
	struct buf_writer w;

	bw_init(&w, buf, sizeof(buf));
	l2tp_ctrl_begin(&w, l2tp->peer_tid, l2tp->peer_sid, L2TP_CDN);
	l2tp_avp_put_result(&w, result, error, msg);
	l2tp_avp_put_u16(&w, true, L2TP_AVP_SESSION_ID, l2tp->sid);
	log_info(l2tp->lg, LOG_L2TP, "CDN to LNS: %s", l2tp_cdn_result_words(result));
	l2tp_send_ctrl(l2tp, &w);
}

static int send_iccn(struct l2tp *l2tp)
{
	uint8_t buf[128];
	struct buf_writer w;

	bw_init(&w, buf, sizeof(buf));
	l2tp_ctrl_begin(&w, l2tp->peer_tid, l2tp->peer_sid, L2TP_ICCN);
	l2tp_avp_put_u32(&w, true, L2TP_AVP_TX_SPEED, CONNECT_SPEED);
	l2tp_avp_put_u32(&w, true, L2TP_AVP_FRAMING_TYPE, L2TP_FRAMING_SYNC);
	l2tp_avp_put_u32(&w, false, L2TP_AVP_RX_SPEED, CONNECT_SPEED);
	if (l2tp->cfg.sequencing)
		l2tp_avp_put(&w, true, L2TP_AVP_SEQ_REQUIRED, NULL, 0);
	return l2tp_send_ctrl(l2tp, &w);
}

static void session_up(struct l2tp *l2tp)
{
	struct l2tp_session_info info;
	struct l2tp_status st;

	l2tp->state = L2TP_ST_ESTABLISHED;
	l2tp->session_up = true;
	l2tp->data_seq = l2tp->cfg.sequencing;
	if (l2tp->cfg.data_mode == L2TP_DATA_KERNEL) {
		const char *why = "";

		if (l2tp_kernel_session_create(&l2tp->kern, l2tp->lg, l2tp->sid, l2tp->peer_sid,
		                               l2tp->cfg.sequencing, &why)) {
			l2tp_fail(l2tp, L2TP_STAGE_SETUP, L2TP_CAUSE_LOCAL, L2TP_STOPCCN_ERROR,
			          L2TP_ERR_RESOURCES, "kernel L2TP session: %s", why);
			return;
		}
	}
	l2tp_get_status(l2tp, &st);
	info = st.session;
	log_info(l2tp->lg, LOG_L2TP, "session up: ours %u, LNS %u, %s data%s", l2tp->sid,
	         l2tp->peer_sid, l2tp->cfg.data_mode == L2TP_DATA_KERNEL ? "kernel" : "userspace",
	         info.sequencing ? ", sequenced" : "");
	if (l2tp->cb.session_up)
		l2tp->cb.session_up(l2tp->ctx, &info);
}

static void handle_icrp(struct l2tp *l2tp, const struct l2tp_ctrl_msg *m)
{
	if (l2tp->state != L2TP_ST_WAIT_ICRP) {
		l2tp_fail(l2tp, l2tp_current_stage(l2tp), L2TP_CAUSE_PROTOCOL, L2TP_STOPCCN_FSM, 0,
		          "unexpected ICRP");
		return;
	}
	if (!l2tp_msg_has(m, L2TP_AVP_SESSION_ID) || m->session_id == 0) {
		l2tp_fail(l2tp, L2TP_STAGE_SESSION_SETUP, L2TP_CAUSE_PROTOCOL, L2TP_STOPCCN_ERROR,
		          L2TP_ERR_RANGE, "ICRP without a valid Assigned Session ID");
		return;
	}
	l2tp->peer_sid = m->session_id;
	if (send_iccn(l2tp) == 0)
		session_up(l2tp);
}

static void handle_cdn(struct l2tp *l2tp, const struct l2tp_ctrl_msg *m)
{
	char msg[96];
	size_t n = MIN(m->result_msg.len, sizeof(msg) - 1);

	for (size_t i = 0; i < n; i++)
		msg[i] = m->result_msg.p[i] >= 0x20 && m->result_msg.p[i] < 0x7f
		             ? (char)m->result_msg.p[i]
		             : '?';
	msg[n] = '\0';
	/* The call is gone; a VPN client has no use for an empty tunnel, so
	 * we close it in turn (StopCCN "general request to clear"). */
	l2tp->sid = 0; /* no CDN back for a call the LNS already ended */
	l2tp->failure_set = true;
	l2tp->failure.stage = l2tp_current_stage(l2tp);
	l2tp->failure.cause = L2TP_CAUSE_CDN;
	l2tp->failure.by_peer = true;
	l2tp->failure.result = m->result;
	l2tp->failure.error = m->error;
	snprintf(l2tp->failure.words, sizeof(l2tp->failure.words),
	         "LNS disconnected the call (CDN): %s%s%s%s%s", l2tp_cdn_result_words(m->result),
	         m->has_error && m->error ? "; " : "",
	         m->has_error && m->error ? l2tp_error_code_words(m->error) : "", *msg ? ": " : "",
	         msg);
	log_warn(l2tp->lg, LOG_L2TP, "%s", l2tp->failure.words);
	l2tp_fail(l2tp, l2tp->failure.stage, L2TP_CAUSE_CDN, L2TP_STOPCCN_CLEAR, 0, "after CDN");
}

void l2tp_session_msg(struct l2tp *l2tp, const struct l2tp_hdr *h, const struct l2tp_ctrl_msg *m)
{
	/* Messages for another (or no) call of ours are ignored. Session 0
	 * in the header is accepted: some LNSes reject a call that way. */
	if (l2tp->sid == 0 || (h->session_id != l2tp->sid && h->session_id != 0)) {
		log_info(l2tp->lg, LOG_L2TP, "ignoring %s for unknown session %u",
		         l2tp_msg_type_name(m->type), h->session_id);
		return;
	}
	switch (m->type) {
	case L2TP_ICRP:
		handle_icrp(l2tp, m);
		break;
	case L2TP_CDN:
		handle_cdn(l2tp, m);
		break;
	case L2TP_WEN:
		log_info(l2tp->lg, LOG_L2TP, "WEN from LNS (ignored)");
		break;
	case L2TP_SLI:
		log_info(l2tp->lg, LOG_L2TP, "SLI from LNS: send ACCM %08x, receive ACCM %08x",
		         m->accm_send, m->accm_recv);
		break;
	default:
		log_info(l2tp->lg, LOG_L2TP, "ignoring %s: not for a LAC's incoming call",
		         l2tp_msg_type_name(m->type));
		break;
	}
}

void l2tp_get_status(const struct l2tp *l2tp, struct l2tp_status *st)
{
	memset(st, 0, sizeof(*st));
	st->state = l2tp->state;
	st->session.local_tunnel_id = l2tp->tid;
	st->session.peer_tunnel_id = l2tp->peer_tid;
	st->session.local_session_id = l2tp->sid;
	st->session.peer_session_id = l2tp->peer_sid;
	st->session.local_port = l2tp->local_port;
	st->session.peer_port = l2tp->peer.ss_family == AF_INET6
	                            ? ntohs(((const struct sockaddr_in6 *)&l2tp->peer)->sin6_port)
	                            : ntohs(((const struct sockaddr_in *)&l2tp->peer)->sin_port);
	st->session.sequencing = l2tp->data_seq;
	st->session.data_mode = l2tp->cfg.data_mode;
	st->session.kernel_api = l2tp->kern.api;
	st->session.pppox_fd = l2tp->session_up ? l2tp->kern.session_fd : -1;
	snprintf(st->peer_hostname, sizeof(st->peer_hostname), "%s", l2tp->peer_host);
	snprintf(st->peer_vendor, sizeof(st->peer_vendor), "%s", l2tp->peer_vendor);
	st->ctrl_sent = l2tp->rel.stats.sent;
	st->ctrl_retransmitted = l2tp->rel.stats.retransmitted;
	st->ctrl_received = l2tp->rel.stats.received;
	st->ctrl_duplicates = l2tp->rel.stats.duplicates;
	st->ctrl_out_of_order = l2tp->rel.stats.queued_out_of_order;
	st->data_tx_packets = l2tp->data_tx_packets;
	st->data_tx_bytes = l2tp->data_tx_bytes;
	st->data_rx_packets = l2tp->data_rx_packets;
	st->data_rx_bytes = l2tp->data_rx_bytes;
	st->data_rx_dropped = l2tp->data_rx_dropped;
}
