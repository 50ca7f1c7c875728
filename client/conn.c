/* The connection's life: start IKE, install SAs, start L2TP, hand over to the
 * data path (client/conn_data.c), and tear everything down in order. */
#include "client/conn_internal.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "client/savekeys.h"
#include "lib/util.h"

#define CONN_L2TP_DELAY_MIN_MS 60
#define CONN_L2TP_DELAY_MAX_MS 300

/* ---- IKE ---- */

/* How long the gateway takes to install SAs we estimate from how long it
 * took to answer QM1 (four times that, within bounds). */
static uint64_t l2tp_delay_ms(const struct conn *c)
{
	struct ike_status st;
	uint64_t ms;

	c->layers->ike_get_status(c->ike, &st);
	ms = (uint64_t)st.qm_rtt_ms * 4;
	if (ms < CONN_L2TP_DELAY_MIN_MS)
		ms = CONN_L2TP_DELAY_MIN_MS;
	return ms > CONN_L2TP_DELAY_MAX_MS ? CONN_L2TP_DELAY_MAX_MS : ms;
}

/* A rekey's inbound half: before QM2 leaves (the gateway's) or QM3 (ours)
 * (ike.h). A failure here is not fatal: the whole pair is installed when
 * IKE hands it over. */
static void on_sa_inbound(void *ctx, const struct esp_sa_pair *pair, bool ours)
{
	struct conn *c = ctx;

	if (c->state == CONN_STOPPING || c->state == CONN_DOWN || !c->esp)
		return;
	if (ours)
		c->layers->sa_install_ours_inbound(c, pair);
	else
		c->layers->sa_install(c, pair, true, true);
}

static void on_sa_established(void *ctx, const struct esp_sa_pair *pair, bool is_rekey)
{
	struct conn *c = ctx;
	uint32_t id;

	if (c->state == CONN_STOPPING || c->state == CONN_DOWN)
		return;
	id = c->layers->sa_install(c, pair, false, is_rekey);
	if (id == 0) {
		conn_fail_local(c, CONN_LOCAL_SA_INSTALL, EXIT_FAILURE_GENERIC,
		                "cannot install the IPsec SA (%s data path)",
		                c->kernel_path ? "kernel" : "userspace");
		return;
	}
	if (c->p->savekeys && savekeys_add_esp(c->p->savekeys, pair) < 0)
		log_warn(c->lg, LOG_CLIENT, "save-keys: cannot write esp_sa: %s", strerror(errno));
	c->sa_cipher = pair->out.cipher;
	c->sa_auth = pair->out.auth;
	c->sa_udp_encap = pair->udp_encap;
	/* the first one at the default level: the user's progress */
	log_msg(c->lg, LOG_CLIENT, is_rekey ? LOG_LVL_INFO : LOG_LVL_NOTICE,
	        "IPsec SA %s: in %08x out %08x", is_rekey ? "rekeyed" : "up", pair->in.spi,
	        pair->out.spi);
	if (!is_rekey && c->state == CONN_IKE) {
		conn_layer_set(c, CONN_LAYER_IKE, CONN_LAYER_UP);
		conn_set_state(c, CONN_L2TP);
		/* The answer to an R-U-THERE sent after QM3 says the gateway is
		 * done with QM3; without DPD, or should the answer be lost, the
		 * estimate of how long it takes decides. */
		if (c->layers->ike_ping(c->ike) == 0)
			log_debug(c->lg, LOG_CLIENT, "R-U-THERE sent: L2TP starts on its answer");
		loop_timer_start(c->loop, &c->l2tp_timer, l2tp_delay_ms(c));
	}
}

static void on_phase1_keys(void *ctx, const struct ike_p1_export *k)
{
	struct conn *c = ctx;

	if (c->p->savekeys && savekeys_add_ike(c->p->savekeys, k) < 0)
		log_warn(c->lg, LOG_CLIENT, "save-keys: cannot write ikev1_decryption_table: %s",
		         strerror(errno));
}

static void on_ping_answered(void *ctx)
{
	struct conn *c = ctx;

	if (c->state == CONN_L2TP && !conn_layer_running(c, CONN_LAYER_L2TP) &&
	    loop_timer_pending(&c->l2tp_timer))
		loop_timer_start(c->loop, &c->l2tp_timer, 0);
	conn_sa_activate_pending(c);
}

/* The gateway installs its SAs and policies only after our QM3 arrives
 * (RFC 2409 §5.5), and strongSwan does so after it has handed our first
 * ESP packet to xl2tpd: an SCCRQ sent at once got its SCCRP back in
 * plaintext from the gateway. L2TP starts once the gateway has answered
 * an R-U-THERE sent after QM3, or after a pause (see on_sa_established). */
void conn_on_l2tp_timer(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct conn *c = ctx;

	(void)loop;
	(void)t;
	if (c->state != CONN_L2TP)
		return;
	if (c->layers->l2tp_start(c->l2tp) < 0) {
		conn_fail(c, EXIT_L2TP, "L2TP failed: could not start");
		return;
	}
	conn_layer_set(c, CONN_LAYER_L2TP, CONN_LAYER_STARTING);
}

static void on_sa_deleted(void *ctx, uint32_t spi_in, uint32_t spi_out)
{
	struct conn *c = ctx;

	for (size_t i = 0; i < CONN_MAX_SAS; i++) {
		struct conn_sa_slot *sa = &c->sas[i];

		if (!sa->id || sa->dropped || sa->spi_in != spi_in || sa->spi_out != spi_out)
			continue;
		if (c->sa_pending == sa->id) {
			c->sa_pending = 0;
			loop_timer_stop(c->loop, &c->sa_timer);
		}
		/* always a pair to send on: ours waiting for the gateway's
		 * answer takes over from the one going */
		if (sa->outbound && c->sa_pending)
			conn_sa_activate_pending(c);
		if (conn_sa_keep_last(c->sas, CONN_MAX_SAS, i, c->kernel_path,
		                      conn_layer_running(c, CONN_LAYER_L2TP))) {
			log_debug(c->lg, LOG_CLIENT, "SA %u kept until L2TP is down", sa->id);
			sa->dropped = true;
			continue;
		}
		/* Its inbound half stays while the gateway still sends on it
		 * (after our DELETE, or in a rekey collision). */
		if (c->esp)
			esp_retire(c->esp, sa->id, CONN_SA_IDLE_MS);
		sa->id = 0;
	}
}

static void on_ike_failed(void *ctx, const struct ike_failure *f)
{
	struct conn *c = ctx;
	struct conn_failure v = {.layer = CONN_FAIL_IKE};
	char line[256];

	conn_layer_set(c, CONN_LAYER_IKE, CONN_LAYER_ABSENT);
	/* no answer, or a gateway still loading its configuration (charon
	 * answers NO_PROPOSAL_CHOSEN then): it is away or starting up */
	c->gw_silent = f->stage == IKE_STAGE_MM1 &&
	               (f->reason == IKE_FAIL_TIMEOUT || f->reason == IKE_FAIL_NOTIFY);
	conn_try_other_family(c, f);
	ike_failure_str(f, line, sizeof(line));
	v.ike.stage = f->stage;
	v.ike.reason = f->reason;
	v.ike.notify = f->notify;
	v.ike.psk = c->p->profile->auth == PROFILE_AUTH_PSK;
	v.ike.forced_encaps = !c->kernel_path || c->p->profile->force_encaps;
	v.ike.ecdsa = c->p->key && EVP_PKEY_is_a(c->p->key, "EC");
	if (c->state == CONN_STOPPING) {
		conn_stop_next(c);
		return;
	}
	conn_fail_why(c, &v,
	              conn_ike_auth_failed(f) ? EXIT_GW_AUTH
	              : c->state == CONN_UP   ? EXIT_PEER_CLOSED
	                                      : EXIT_IKE,
	              "%s", line);
}

static void on_ike_stopped(void *ctx)
{
	struct conn *c = ctx;

	conn_layer_set(c, CONN_LAYER_IKE, CONN_LAYER_ABSENT);
	conn_stop_next(c);
}

static void on_non_ike(void *ctx, const uint8_t *buf, size_t len, const struct sockaddr *from)
{
	struct conn *c = ctx;
	uint8_t pkt[4096];

	(void)from;
	if (!c->esp || len > sizeof(pkt))
		return;
	/* decrypted in place, and IKE's receive buffer is not ours to change */
	memcpy(pkt, buf, len);
	esp_user_input(c->esp, pkt, len);
}

/* ---- ESP ---- */

static void on_esp_l2tp(void *ctx, const uint8_t *payload, size_t len)
{
	struct conn *c = ctx;

	/* RFC 3706 §5.5: no R-U-THERE while the gateway is evidently alive */
	if (conn_layer_running(c, CONN_LAYER_IKE))
		ike_note_inbound_traffic(c->ike);
	if (conn_layer_running(c, CONN_LAYER_L2TP))
		l2tp_input(c->l2tp, payload, len);
}

static void on_esp_expiring(void *ctx, uint32_t id, bool hard)
{
	struct conn *c = ctx;

	if (hard) {
		/* ours waiting for the gateway's answer takes over now */
		if (c->sa_pending && c->sa_pending != id)
			conn_sa_activate_pending(c);
		/* A pair replaced by a rekey may run out in its grace time. */
		if (conn_sa_expiry_unreplaced(c->sas, CONN_MAX_SAS, id))
			log_warn(c->lg, LOG_CLIENT, "IPsec SA %u expired before it was rekeyed",
			         id);
		else
			log_debug(c->lg, LOG_CLIENT, "IPsec SA %u (replaced) expired", id);
		return;
	}
	/* byte or sequence-number soft limit: IKE rekeys now (make before break) */
	for (size_t i = 0; i < CONN_MAX_SAS; i++)
		if (c->sas[i].id == id && conn_layer_running(c, CONN_LAYER_IKE))
			ike_sa_soft_expired(c->ike, c->sas[i].spi_in);
}

#define TRAFFIC_POLL_MS 5000

/* DPD hears of inbound traffic at the poll after it, and may send its
 * R-U-THERE that much late: a quarter of its interval is as good as the
 * late slack it has anyway (ike/info.c), and polls less at rest than every
 * 5 s (issue 16: 12 of the kernel path's 14 wakeups a minute). Half of it
 * as slack, to share wakeups with the keepalives. */
static void traffic_poll_arm(struct conn *c)
{
	uint64_t dpd_ms = conn_dpd_interval_s(c->p->profile) * 1000ull;
	uint64_t every = MAX((uint64_t)TRAFFIC_POLL_MS, dpd_ms / 4);

	loop_timer_start_slack(c->loop, &c->traffic_timer, every, every / 2);
}

/* The kernel path decrypts without us: its counters tell IKE whether the
 * gateway is alive (RFC 3706 §5.5). */
void conn_on_traffic_timer(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct conn *c = ctx;
	struct esp_counters cnt;
	uint32_t newest = 0;

	for (size_t i = 0; i < CONN_MAX_SAS; i++)
		if (c->sas[i].id > newest)
			newest = c->sas[i].id;
	if (newest && c->esp && esp_get_counters(c->esp, newest, &cnt) == 0) {
		if (cnt.in_packets != c->last_in_packets && conn_layer_running(c, CONN_LAYER_IKE))
			ike_note_inbound_traffic(c->ike);
		c->last_in_packets = cnt.in_packets;
	}
	conn_net_ipv6_poll(c);
	(void)loop;
	(void)t;
	if (c->state != CONN_STOPPING && c->state != CONN_DOWN)
		traffic_poll_arm(c);
}

static int l2tp_via_esp(void *ctx, const uint8_t *buf, size_t len)
{
	struct conn *c = ctx;
	int rc = c->esp ? esp_user_send_l2tp(c->esp, buf, len) : -1;

	/* RFC 3948 §4: it keeps the NAT's mapping as a keepalive would */
	if (rc >= 0 && conn_layer_running(c, CONN_LAYER_IKE))
		ike_note_outbound_traffic(c->ike);
	return rc;
}

/* ---- L2TP ---- */

static void on_tunnel_up(void *ctx)
{
	struct conn *c = ctx;

	log_info(c->lg, LOG_CLIENT, "L2TP tunnel up");
}

static void on_session_up(void *ctx, const struct l2tp_session_info *info)
{
	struct conn *c = ctx;

	log_info(c->lg, LOG_CLIENT, "L2TP session up (tunnel %u/%u, session %u/%u)",
	         info->local_tunnel_id, info->peer_tunnel_id, info->local_session_id,
	         info->peer_session_id);
	conn_layer_set(c, CONN_LAYER_L2TP, CONN_LAYER_UP);
	conn_set_state(c, CONN_PPP);
	/* starting before it is asked to: its first events may come at once */
	conn_layer_set(c, CONN_LAYER_PPP, CONN_LAYER_STARTING);
	if (c->layers->ppp_start(c, info) < 0)
		conn_fail(c, EXIT_PPP, "PPP failed: could not start");
}

/* ---- PPP (events: client/conn_data.c) ---- */

void conn_password_used(struct conn *c)
{
	if (c->p->profile->password_type != PROFILE_PASSWORD_OTP || !c->p->password)
		return;
	if (secret_is_set(c->p->password))
		log_info(c->lg, LOG_CLIENT, "one-time password used: wiped");
	secret_free(c->p->password);
	if (c->ppp)
		ppp_forget_password(c->ppp);
}

/* The tunnel carries traffic: tell the user (and systemd) so. */
static void conn_connected(struct conn *c)
{
	char local[INET_ADDRSTRLEN], peer[INET_ADDRSTRLEN];

	conn_layer_set(c, CONN_LAYER_PPP, CONN_LAYER_UP);
	conn_set_state(c, CONN_UP);
	c->was_up = true;
	c->keep_net = false;
	c->attempts = 0;
	c->up_ms = loop_now_ms(c->loop);
	inet_ntop(AF_INET, &c->ip.local, local, sizeof(local));
	inet_ntop(AF_INET, &c->ip.peer, peer, sizeof(peer));
	log_notice(c->lg, LOG_CLIENT, "connected: %s local %s peer %s mtu %u (%llu ms)", c->ifname,
	           local, peer, c->ip.mtu, (unsigned long long)(c->up_ms - c->started_ms));
	if (c->ev.up)
		c->ev.up(c, c->ev_ctx);
#ifdef __GLIBC__
	/* What connecting needed and freed (negotiation buffers, parsers,
	 * the resolver) goes back to the system, not kept resident. */
	malloc_trim(0);
#endif
}

void conn_ip_up(struct conn *c, const struct conn_ip *ip)
{
	conn_password_used(c);
	if (c->layers->net_up(c, ip) < 0)
		conn_fail(c, EXIT_FAILURE_GENERIC, "cannot configure %s", c->ifname);
	else
		conn_connected(c);
}

static void on_ppp_frame(void *ctx, const uint8_t *frame, size_t len)
{
	conn_ppp_frame(ctx, frame, len);
}

static void on_l2tp_closed(void *ctx, const struct l2tp_failure *why)
{
	struct ppp_failure refused;
	struct conn *c = ctx;
	char line[sizeof(c->held_failure)];
	struct conn_failure v = {.layer = CONN_FAIL_L2TP};
	int code;

	conn_layer_set(c, CONN_LAYER_L2TP, CONN_LAYER_ABSENT);
	if (c->state == CONN_STOPPING) {
		conn_stop_next(c);
		return;
	}
	/* A gateway that insisted on a PPP method we refused (l2tpns asks for
	 * CHAP-MD5 again and again) and then hung up the call: say so. */
	if (c->ppp && ppp_peer_auth_refused(c->ppp, &refused)) {
		conn_fail_auth_refused(c, &refused);
		return;
	}
	conn_l2tp_port_retry(c, why); /* conn_should_reconnect() acts on it */
	code = conn_l2tp_exit_code(c, why);
	snprintf(line, sizeof(line), "L2TP %s: %s",
	         why->by_peer ? "closed by the gateway" : "failed", why->words);
	v.l2tp.stage = why->stage;
	v.l2tp.cause = why->cause;
	v.l2tp.by_peer = why->by_peer;
	v.l2tp.result = why->result;
	v.l2tp.error = why->error;
	if (!conn_data_hold_verdict(c, &v, code, line))
		conn_fail_why(c, &v, code, "%s", line);
}

/* ---- start and free ---- */

static const struct ike_callbacks ike_cbs = {
    .sa_established = on_sa_established,
    .sa_inbound = on_sa_inbound,
    .sa_expired_or_deleted = on_sa_deleted,
    .phase1_keys = on_phase1_keys,
    .failed = on_ike_failed,
    .non_ike_packet = on_non_ike,
    .stopped = on_ike_stopped,
    .ping_answered = on_ping_answered,
};

static const struct esp_callbacks esp_cbs = {
    .deliver_l2tp = on_esp_l2tp,
    .sa_expiring = on_esp_expiring,
};

static const struct l2tp_callbacks l2tp_cbs = {
    .tunnel_up = on_tunnel_up,
    .session_up = on_session_up,
    .ppp_frame = on_ppp_frame,
    .closed = on_l2tp_closed,
};

/* Frees every protocol layer (kernel objects with them) but not the TUN
 * device, routes or DNS. */
static void release_layers(struct conn *c)
{
	c->layers->ppp_free(c);
	if (c->l2tp)
		c->layers->l2tp_free(c->l2tp);
	if (c->ike)
		c->layers->ike_free(c->ike);
	if (c->esp)
		c->layers->esp_free(c->esp);
	c->l2tp = NULL;
	c->ike = NULL;
	c->esp = NULL;
	memset(c->sas, 0, sizeof(c->sas));
	for (int l = 0; l < CONN_LAYER_COUNT; l++)
		conn_layer_set(c, (enum conn_layer)l, CONN_LAYER_ABSENT);
}

/* Everything below IKE, made while MM1 travels: the data path (which
 * decides whether IKE forces UDP encapsulation, needed from MM2 on), the TUN
 * device, L2TP and PPP made ready (pppd's start-up among it). */
static int conn_launch_layers(struct conn *c)
{
	struct l2tp_config l2tp_cfg;
	int ppp_runs;

	if (c->layers->datapath_new(c, &esp_cbs) < 0)
		return -1;
	/* the userspace data path speaks only ESP in UDP (RFC 3948) */
	c->layers->ike_set_force_encaps(c->ike, !c->kernel_path || c->p->profile->force_encaps);
	if (c->kernel_path) {
		c->last_in_packets = 0;
		traffic_poll_arm(c);
	}
	c->l2tp_tx.send = l2tp_via_esp;
	c->l2tp_tx.ctx = c;
	conn_setup_l2tp_config(c, &l2tp_cfg);
	c->l2tp = c->layers->l2tp_new(c->loop, c->lg, &l2tp_cfg, &l2tp_cbs, c);
	if (!c->l2tp) {
		conn_fail(c, EXIT_CONFIG, "L2TP: the configuration was refused (see the log)");
		return -1;
	}
	if (c->layers->l2tp_prepare(c->l2tp) < 0) {
		conn_fail(c, EXIT_L2TP, "L2TP failed: could not start");
		return -1;
	}
	ppp_runs = c->layers->ppp_prepare(c);
	if (ppp_runs < 0) {
		conn_fail(c, EXIT_PPP, "PPP failed: could not %s",
		          c->kernel_path ? "start pppd" : "set up");
		return -1;
	}
	if (ppp_runs)
		conn_layer_set(c, CONN_LAYER_PPP, CONN_LAYER_STARTING);
	return 0;
}

/* Creates the layers and sends MM1; shared by start and restart. */
static int conn_launch(struct conn *c)
{
	struct ike_config ike_cfg;
	char addr[INET6_ADDRSTRLEN];

	c->started_ms = loop_now_ms(c->loop);
	c->gw_silent = false;
	if (!conn_set_state(c, CONN_IKE))
		return -1;
	c->exit_code = EXIT_OK;
	c->failure[0] = '\0';
	c->why = (struct conn_failure){.layer = CONN_FAIL_NONE};
	/* IKE first: it starts making its key pair at once (ike/keygen.c) and
	 * sends MM1; the data path is probed and set up while MM1 travels. */
	conn_setup_ike_config(c, &ike_cfg);
	c->ike = c->layers->ike_new(c->loop, c->lg, &ike_cfg, &ike_cbs, c);
	if (!c->ike) {
		conn_fail(c, EXIT_CONFIG, "IKE: the configuration was refused (see the log)");
		goto failed;
	}
	log_notice(c->lg, LOG_CLIENT, "IKE: connecting to %s (%s)...", c->p->profile->gateway,
	           conn_addr_str(&c->gateway, addr, sizeof(addr)));
	conn_layer_set(c, CONN_LAYER_IKE, CONN_LAYER_STARTING);
	if (c->layers->ike_start(c->ike) < 0) {
		conn_layer_set(c, CONN_LAYER_IKE, CONN_LAYER_ABSENT);
		conn_fail_local(c, CONN_LOCAL_IKE_SOCKETS, EXIT_NETWORK,
		                "IKE could not start (sockets)");
		goto failed;
	}
	/* From here a failure stops IKE the usual way: MM2 is not handled
	 * before this function returns. */
	if (conn_launch_layers(c) == 0)
		log_info(c->lg, LOG_CLIENT, "%s data path",
		         c->kernel_path ? "kernel" : "userspace");
	return 0;
failed:
	conn_stop(c); /* nothing runs: finishes at once */
	return -1;
}

/* The gateway keeps the L2TP tunnel of a run that ended without goodbye
 * until its hellos go unanswered, and a new tunnel from the same address
 * and port (one NAT, port 1701) would have its data delivered to that
 * old one. A new port avoids it, unless the profile insists on 1701. */
static void avoid_stale_tunnel(struct conn *c)
{
	if (c->p->profile->l2tp_port == PROFILE_L2TP_PORT_1701)
		return;
	c->l2tp_port = conn_random_l2tp_port();
	log_info(c->lg, LOG_CLIENT, "L2TP from port %u: the gateway may still hold our old tunnel",
	         c->l2tp_port);
}

int conn_start(struct conn *c)
{
	/* what an earlier run saved while up: it ended without goodbye */
	bool crashed = access(c->state_path, F_OK) == 0;

	c->layers->net_recover(c);
	if (crashed)
		avoid_stale_tunnel(c);
	if (c->ev.prepare)
		c->ev.prepare(c, c->ev_ctx);
	return conn_launch(c);
}

int conn_restart(struct conn *c)
{
	release_layers(c);
	if (c->l2tp_port_retry == CONN_PORT_RETRY_PENDING)
		c->l2tp_port_retry = CONN_PORT_RETRY_USED;
	c->family_fallback = false; /* the other family is c->gateway now */
	if (c->roamed)
		log_notice(c->lg, LOG_CLIENT, "reconnecting: %s", c->failure);
	else
		log_notice(c->lg, LOG_CLIENT, "reconnecting (attempt %u)", ++c->attempts);
	c->roamed = false;
	return conn_launch(c);
}

void conn_abort(struct conn *c, int exit_code, const char *why)
{
	if (c->state == CONN_STOPPING || c->state == CONN_DOWN)
		return;
	c->exit_code = exit_code;
	snprintf(c->failure, sizeof(c->failure), "%s", why);
	c->why = (struct conn_failure){.layer = CONN_FAIL_LOCAL, .local = CONN_LOCAL_OTHER};
	c->roamed = true;
	log_notice(c->lg, LOG_CLIENT, "%s: starting over", why);
	/* The gateway would keep our old SAs (its INITIAL-CONTACT handling
	 * matches our ID, which was the old address) and send our traffic
	 * into them: tell it to drop them, through the new path. */
	if (conn_layer_running(c, CONN_LAYER_IKE) && c->layers->ike_rehome(c->ike) == 0)
		c->layers->ike_stop(c->ike);
	avoid_stale_tunnel(c); /* no StopCCN could reach the gateway either */
	release_layers(c);
	conn_set_state(c, CONN_STOPPING);
	conn_stop_next(c); /* nothing alive: finishes now */
}

void conn_release_net(struct conn *c)
{
	c->keep_net = false;
	c->layers->net_down(c);
	if (c->tun_fd >= 0) {
		close(c->tun_fd);
		c->tun_fd = -1;
	}
}

void conn_free(struct conn *c)
{
	loop_timer_stop(c->loop, &c->stop_timer);
	loop_timer_stop(c->loop, &c->traffic_timer);
	loop_timer_stop(c->loop, &c->l2tp_timer);
	loop_timer_stop(c->loop, &c->sa_timer);
	loop_timer_stop(c->loop, &c->verdict_timer);
	dhcp_inform_stop(&c->dhcp);
	dhcp6_client_stop(&c->dhcp6);
	release_layers(c);
	if (c->keep_net)
		conn_release_net(c);
	if (c->tun_fd >= 0)
		close(c->tun_fd);
	if (c->net_open)
		netcfg_close(&c->net);
	c->tun_fd = -1;
	c->net_open = false;
	hook_runner_finish(&c->hooks); /* the disconnect hook runs before we exit */
	free(c);
}
