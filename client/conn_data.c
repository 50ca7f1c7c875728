/* PPP on the L2TP session: the built-in PPP moving IP packets to and from the
 * TUN device (userspace path), or pppd on the PPPoL2TP socket (kernel path). */
#include "client/conn_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "esp/natt_sock.h"
#include "lib/pkt.h"
#include "lib/util.h"
#include "sys/mss_clamp.h"
#include "sys/tun_offload.h"
#include "ppp/pppd.h"

#define TUN_MAX_PACKET       2048
#define TUN_READS_PER_WAKEUP 64

/* ---- built-in PPP ---- */

static int ppp_to_l2tp(void *ctx, const uint8_t *frame, size_t len)
{
	struct conn *c = ctx;

	/* Our L2TP engine adds the HDLC address and control bytes itself. */
	if (len >= 2 && frame[0] == 0xff && frame[1] == 0x03) {
		frame += 2;
		len -= 2;
	}
	return conn_layer_running(c, CONN_LAYER_L2TP) ? l2tp_send_ppp(c->l2tp, frame, len) : -1;
}

static void ppp_ip_up(void *ctx, const struct ppp_ip_info *info)
{
	struct conn *c = ctx;
	struct conn_ip ip = {.mtu = info->mtu};

	if (info->ipv6_up && (c->state == CONN_PPP || c->state == CONN_UP) &&
	    conn_net_ipv6_up(c, info->local_ifid, info->peer_ifid) < 0)
		log_warn(c->lg, LOG_CLIENT, "continuing without IPv6 on %s", c->ifname);
	if (!info->ipv4_up || c->state != CONN_PPP)
		return; /* IPV6CP opening later: handled above */
	memcpy(&ip.local, info->local_ipv4, 4);
	memcpy(&ip.peer, info->peer_ipv4, 4);
	memcpy(&ip.dns[0], info->dns1, 4);
	memcpy(&ip.dns[1], info->dns2, 4);
	conn_ip_up(c, &ip);
}

static void ppp_deliver_ip(void *ctx, const uint8_t *pkt, size_t len)
{
	struct conn *c = ctx;
	uint8_t copy[TUN_MAX_PACKET];
	enum conn_queue_verdict v;
	int rc;

	if (c->tun_fd < 0)
		return;
	v = conn_queue_in(c, pkt, len);
	if (v == CONN_QUEUE_DROP)
		return;
	/* A SYN from the far side announcing a larger MSS than our tunnel
	 * carries, or a packet CoDel marks (PPP hands it read-only): changed
	 * in a copy; only those pay */
	if (len <= sizeof(copy) &&
	    (v == CONN_QUEUE_MARK || mss_clamp_offset(pkt, len, c->ip.mtu))) {
		memcpy(copy, pkt, len);
		mss_clamp(copy, len, c->ip.mtu);
		if (v == CONN_QUEUE_MARK)
			(void)codel_ecn_mark(copy, len);
		pkt = copy;
	}
	/* With offloads, TCP segments of one read batch become one write
	 * (flushed when the batch is done); a full TUN queue drops the packet,
	 * as a full link would. */
	if (c->gro)
		rc = tun_gro_add(c->gro, c->tun_fd, pkt, len);
	else
		rc = write(c->tun_fd, pkt, len) < 0 && errno != EAGAIN ? -1 : 0;
	if (rc < 0)
		log_debug(c->lg, LOG_CLIENT, "tun write: %s", strerror(errno));
}

static void ppp_down(void *ctx, const struct ppp_failure *why)
{
	struct conn *c = ctx;
	bool about_auth = why->reason == PPP_DOWN_AUTH_FAILED ||
	                  why->reason == PPP_DOWN_AUTH_REFUSED ||
	                  why->reason == PPP_DOWN_MPPE_REQUIRED;

	conn_layer_set(c, CONN_LAYER_PPP, CONN_LAYER_ABSENT);
	if (c->state == CONN_STOPPING) {
		conn_stop_next(c);
		return;
	}
	if (loop_timer_pending(&c->verdict_timer) && !about_auth) {
		/* pppd's hangup after the L2TP call went: L2TP's words say more */
		loop_timer_stop(c->loop, &c->verdict_timer);
		conn_fail_why(c, &c->held_why, c->held_code, "%s", c->held_failure);
		return;
	}
	loop_timer_stop(c->loop, &c->verdict_timer);
	conn_ppp_judge(c, why);
}

/* pppd reads the gateway's CHAP Failure on its own socket; the gateway's
 * CDN, sent just after, may reach us first. 1.5 s is ample for pppd to
 * log, yet short next to a reconnect. */
#define CONN_VERDICT_WAIT_MS 1500

bool conn_data_hold_verdict(struct conn *c, const struct conn_failure *why, int code,
                            const char *failure)
{
	if (!c->kernel_path || !c->pppd || c->state != CONN_PPP)
		return false;
	pppd_read_log(c->pppd); /* may fail the connection (auth_down) */
	if (c->state != CONN_PPP)
		return true;
	if (!conn_layer_running(c, CONN_LAYER_PPP))
		return false;
	c->held_code = code;
	c->held_why = *why;
	snprintf(c->held_failure, sizeof(c->held_failure), "%s", failure);
	loop_timer_start(c->loop, &c->verdict_timer, CONN_VERDICT_WAIT_MS);
	return true;
}

void conn_on_verdict_timer(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct conn *c = ctx;

	(void)loop;
	(void)t;
	conn_fail_why(c, &c->held_why, c->held_code, "%s", c->held_failure);
}

const struct ppp_callbacks conn_ppp_events = {
    .send_frame = ppp_to_l2tp,
    .ip_up = ppp_ip_up,
    .deliver_ip = ppp_deliver_ip,
    .down = ppp_down,
};

/* The headers pushed in front of an IP packet read from TUN must fit in the
 * room the NAT-T socket owner leaves above ESP's. */
_Static_assert(PPP_ENCAP_HEADROOM + L2TP_ENCAP_HEADROOM <= NATT_TX_HEADROOM - ESP_PKT_HEADROOM,
               "TUN packet headroom");

/* Nothing to send it with (no PPP, no SA yet): read it to drop it. */
static bool drop_one(int fd)
{
	uint8_t pkt[TUN_MAX_PACKET];

	return read(fd, pkt, sizeof(pkt)) > 0;
}

/* One IP packet from TUN, read into a NAT-T tx buffer behind the room for
 * PPP, L2TP and ESP headers, which each layer pushes in front of it; ESP
 * encrypts it there. false when TUN has nothing more. */
static bool tun_read_one(struct conn *c, int fd, uint64_t now_ns)
{
	struct esp_pkt e;
	struct pkt p;
	size_t room;
	ssize_t n;

	if (!c->natt || !conn_layer_running(c, CONN_LAYER_PPP) ||
	    !conn_layer_running(c, CONN_LAYER_L2TP) || natt_sock_tx_slot(c->natt, &e, &room) < 0)
		return drop_one(fd);
	n = read(fd, esp_pkt_data(&e), room);
	if (n <= 0) {
		if (n < 0 && errno == EAGAIN)
			conn_queue_out_empty(c, now_ns);
		return false;
	}
	mss_clamp(esp_pkt_data(&e), (size_t)n, c->ip.mtu);
	if (conn_queue_out_drop(c, esp_pkt_data(&e), (size_t)n, now_ns))
		return true;
	p = (struct pkt){.head = e.head, .cap = e.cap, .off = e.off, .len = (size_t)n};
	if (ppp_encap_ip(c->ppp, &p) < 0 || l2tp_encap_ppp(c->l2tp, &p) < 0)
		return true; /* counted by the layer that refused it */
	e.off = p.off;
	e.len = p.len;
	natt_sock_tx_queue(c->natt, &e);
	return true;
}

/* With offloads: one read is a TCP super-packet (or one packet with its
 * checksum to complete), cut into segments of the MSS the kernel chose for
 * our MTU, each built in its own tx buffer behind the headroom. */
static bool tun_read_super(struct conn *c, int fd, uint64_t now_ns)
{
	struct tun_gso_iter it;
	ssize_t n = read(fd, c->tun_rx, TUN_VNET_HDR_LEN + TUN_MAX_SUPER);

	if (n <= 0) {
		if (n < 0 && errno == EAGAIN)
			conn_queue_out_empty(c, now_ns);
		return false;
	}
	if (!conn_layer_running(c, CONN_LAYER_PPP) || !conn_layer_running(c, CONN_LAYER_L2TP) ||
	    tun_gso_start(&it, c->tun_rx, (size_t)n) < 0)
		return true; /* dropped */
	for (;;) {
		struct esp_pkt e;
		struct pkt p;
		size_t room;
		ssize_t len;

		if (natt_sock_tx_slot(c->natt, &e, &room) < 0)
			break;
		len = tun_gso_next(&it, esp_pkt_data(&e), room);
		if (len <= 0)
			break;
		mss_clamp(esp_pkt_data(&e), (size_t)len, c->ip.mtu);
		if (conn_queue_out_drop(c, esp_pkt_data(&e), (size_t)len, now_ns))
			continue; /* its slot is taken again by the next segment */
		p = (struct pkt){.head = e.head, .cap = e.cap, .off = e.off, .len = (size_t)len};
		if (ppp_encap_ip(c->ppp, &p) < 0 || l2tp_encap_ppp(c->l2tp, &p) < 0)
			continue;
		e.off = p.off;
		e.len = p.len;
		natt_sock_tx_queue(c->natt, &e);
	}
	return true;
}

static void on_tun_readable(struct loop *loop, int fd, unsigned events, void *ctx)
{
	struct conn *c = ctx;
	struct natt_stats before, after;
	uint64_t now = loop_now_ns();

	(void)loop;
	(void)events;
	if (c->natt) {
		natt_sock_set_fd(c->natt, c->ike ? ike_natt_fd(c->ike) : -1);
		natt_sock_get_stats(c->natt, &before);
	}
	/* A bounded batch per wakeup keeps the loop fair to the network side;
	 * the queue goes out in one sendmmsg each NATT_BATCH packets. Bounded
	 * in reads, not in time: a 2 ms slice (ended after a full batch) cut
	 * the ping's wait under load with CoDel to 14-32 ms (40-50 without),
	 * but cost throughput, userspace/kernel 0.93 / 0.78 against 1.17 /
	 * 1.11 without it (tests/bench/README.md). */
	for (int i = 0; i < TUN_READS_PER_WAKEUP; i++) {
		if (c->tun_rx && c->natt ? !tun_read_super(c, fd, now) : !tun_read_one(c, fd, now))
			break;
		now = loop_now_ns(); /* CoDel's clock for the next read */
	}
	if (!c->natt)
		return;
	natt_sock_flush(c->natt);
	natt_sock_get_stats(c->natt, &after);
	/* RFC 3948 §4: ESP out keeps the NAT's mapping; no keepalive needed.
	 * Once per batch. */
	if (after.tx_packets != before.tx_packets && conn_layer_running(c, CONN_LAYER_IKE))
		ike_note_outbound_traffic(c->ike);
}

/* ---- the NAT-T socket (userspace path) ---- */

/* IKE calls this when the 4500 socket is readable: we read it in batches. */
static void on_natt_readable(void *ctx, int fd)
{
	struct conn *c = ctx;
	struct natt_stats before, after;

	natt_sock_get_stats(c->natt, &before);
	natt_sock_set_fd(c->natt, fd);
	/* a burst in one wakeup; the TUN write of a coalesced run waits for
	 * the end of it (bounded: ACKs from TUN wait as long) */
	natt_sock_read_burst(c->natt, NATT_READS_PER_WAKEUP);
	natt_sock_get_stats(c->natt, &after);
	/* RFC 3706 §5.5: no R-U-THERE while the gateway is evidently alive.
	 * Once per batch: it reads the clock, a system call on some guests. */
	if (after.rx_esp != before.rx_esp && conn_layer_running(c, CONN_LAYER_IKE))
		ike_note_inbound_traffic(c->ike);
	if (c->gro && c->tun_fd >= 0)
		tun_gro_flush(c->gro, c->tun_fd);
}

static void natt_non_esp(void *ctx, const uint8_t *buf, size_t len)
{
	struct conn *c = ctx;

	if (c->ike)
		ike_natt_input(c->ike, buf, len);
}

static void natt_l2tp(void *ctx, uint8_t *buf, size_t len)
{
	struct conn *c = ctx;

	if (conn_layer_running(c, CONN_LAYER_L2TP))
		l2tp_input(c->l2tp, buf, len);
}

/* The socket owner takes the 4500 socket's reads over from IKE. */
static int natt_attach(struct conn *c)
{
	static const struct natt_sock_callbacks cbs = {.non_esp = natt_non_esp, .l2tp = natt_l2tp};
	struct natt_stats st;

	c->natt = natt_sock_new(c->esp, &cbs, c);
	if (!c->natt)
		return -1;
	conn_queue_reset(c);
	if (c->tun_vnet) {
		c->gro = malloc(sizeof(*c->gro));
		c->tun_rx = malloc(TUN_VNET_HDR_LEN + TUN_MAX_SUPER);
		if (!c->gro || !c->tun_rx)
			return -1; /* freed by natt_detach */
		tun_gro_init(c->gro);
	}
	natt_sock_set_fd(c->natt, ike_natt_fd(c->ike));
	ike_set_natt_reader(c->ike, on_natt_readable, c);
	natt_sock_get_stats(c->natt, &st);
	log_info(c->lg, LOG_CLIENT,
	         "userspace data path: batched UDP socket (buffers: receive %d KiB, send %d KiB), "
	         "TUN %s",
	         st.rcvbuf / 1024, st.sndbuf / 1024,
	         c->tun_vnet ? "with TCP segmentation offload and GRO" : "without offloads");
	return 0;
}

static void natt_detach(struct conn *c)
{
	if (!c->natt)
		return;
	if (c->ike)
		ike_set_natt_reader(c->ike, NULL, NULL);
	natt_sock_free(c->natt);
	c->natt = NULL;
	free(c->gro);
	free(c->tun_rx);
	c->gro = NULL;
	c->tun_rx = NULL;
}

static unsigned ppp_auth_bits(unsigned profile_bits)
{
	return ((profile_bits & PROFILE_PPP_PAP) ? PPP_AUTH_PAP : 0) |
	       ((profile_bits & PROFILE_PPP_CHAP) ? PPP_AUTH_CHAP_MD5 : 0) |
	       ((profile_bits & PROFILE_PPP_MSCHAPV2) ? PPP_AUTH_MSCHAPV2 : 0) |
	       ((profile_bits & PROFILE_PPP_NONE) ? PPP_AUTH_ALLOW_NONE : 0);
}

/* LCP echo (RFC 1661 §5.8) for both PPPs: the profile's, or what its
 * liveness asks of the three layers (conn_liveness_for). */
static void lcp_echo(const struct profile *pr, unsigned *interval_s, unsigned *failure)
{
	struct conn_liveness l = conn_liveness_for(pr->liveness_s);

	*interval_s = pr->liveness_s ? l.echo_interval_s : pr->lcp_echo_interval_s;
	*failure = pr->liveness_s ? l.echo_failure : pr->lcp_echo_failure;
}

/* Made with the connection (it checks that OpenSSL's legacy provider loads,
 * which takes a while on a small CPU, and unloads it until MS-CHAPv2 needs
 * it), started with the session. */
static int builtin_ppp_prepare(struct conn *c)
{
	const struct profile *pr = c->p->profile;
	struct ppp_config cfg = {
	    .user = pr->user,
	    .password = c->p->password->data,
	    .password_len = c->p->password->len,
	    .auth_allowed = ppp_auth_bits(pr->auth_methods),
	    .mru = (uint16_t)pr->mru,
	    .mtu = (uint16_t)pr->mtu,
	    .request_dns = pr->dns != PROFILE_DNS_NO,
	    .enable_ipv6cp = pr->ipv6 != PROFILE_IPV6_OFF,
	    /* the LNS's PPP starts after ICCN and misses our first request */
	    .restart_ms = 1000,
	};

	lcp_echo(pr, &cfg.echo_interval_s, &cfg.echo_failure);
	c->ppp = ppp_new(c->loop, c->lg, &cfg, &conn_ppp_events, c);
	return c->ppp ? 0 : -1;
}

static int builtin_ppp_start(struct conn *c)
{
	if (!c->ppp || loop_add_fd(c->loop, c->tun_fd, LOOP_READ, on_tun_readable, c) < 0)
		return -1;
	return ppp_start(c->ppp);
}

void conn_ppp_frame(struct conn *c, const uint8_t *frame, size_t len)
{
	if (conn_layer_running(c, CONN_LAYER_PPP))
		ppp_input(c->ppp, frame, len);
}

/* ---- pppd (kernel path) ---- */

static void pppd_ip_up(void *ctx, const struct pppd_report *r)
{
	struct conn *c = ctx;
	struct conn_ip ip = {.mtu = r->ip.mtu};

	if (strnlen(r->ifname, sizeof(r->ifname)) >= sizeof(c->ifname)) {
		conn_fail(c, EXIT_PPP, "pppd reported a bad interface name");
		return;
	}
	if (strcmp(r->event, "ipv6-up") == 0 && (c->state == CONN_PPP || c->state == CONN_UP)) {
		memcpy(c->ifname, r->ifname, strlen(r->ifname) + 1);
		if (conn_net_ipv6_up(c, r->ip.local_ifid, r->ip.peer_ifid) < 0)
			log_warn(c->lg, LOG_CLIENT, "continuing without IPv6 on %s", c->ifname);
		return;
	}
	if (strcmp(r->event, "ip-up") != 0 || c->state != CONN_PPP)
		return;
	memcpy(c->ifname, r->ifname, strlen(r->ifname) + 1);
	memcpy(&ip.local, r->ip.local_ipv4, 4);
	memcpy(&ip.peer, r->ip.peer_ipv4, 4);
	memcpy(&ip.dns[0], r->ip.dns1, 4);
	memcpy(&ip.dns[1], r->ip.dns2, 4);
	conn_ip_up(c, &ip);
}

/* Before pppd exits and the gateway drops the session (which would look
 * like "closed by the gateway"). */
static void pppd_auth_down(void *ctx, const struct ppp_failure *why)
{
	struct conn *c = ctx;

	if (c->state != CONN_STOPPING && c->state != CONN_DOWN)
		conn_ppp_judge(c, why); /* pppd itself is still running */
}

static void pppd_exited(void *ctx, const struct ppp_failure *why, int status)
{
	(void)status;
	/* same meaning as the built-in PPP going down */
	ppp_down(ctx, why);
}

/* PPP is made ready while IKE runs. On the kernel path pppd starts with
 * the connection, holding the PPPoL2TP socket the session will be connected
 * on, and waits for it: its own start-up (hundreds of ms on a small CPU)
 * overlaps IKE and L2TP instead of adding to them. */
int conn_data_prepare(struct conn *c)
{
	static const struct pppd_callbacks cbs = {
	    .ip_up = pppd_ip_up, .exited = pppd_exited, .auth_down = pppd_auth_down};
	const struct profile *pr = c->p->profile;
	char script[PATH_MAX];
	struct pppd_config cfg = {
	    .runtime_dir = c->p->run_dir,
	    .user = pr->user,
	    .auth_allowed = ppp_auth_bits(pr->auth_methods),
	    .mtu = (uint16_t)pr->mtu,
	    .mru = (uint16_t)pr->mru,
	    .usepeerdns = pr->dns != PROFILE_DNS_NO,
	    .ipv6 = pr->ipv6 != PROFILE_IPV6_OFF,
	    .unit = -1,
	    .debug = log_enabled(c->lg, LOG_PPP, LOG_LVL_DEBUG),
	};
	int fd;

	if (!c->kernel_path)
		return natt_attach(c) < 0 ? -1 : builtin_ppp_prepare(c);
	lcp_echo(pr, &cfg.echo_interval_s, &cfg.echo_failure);
	cfg.ip_up_script = conn_ip_up_script(script, sizeof(script));
	if (!cfg.ip_up_script) {
		log_err(c->lg, LOG_CLIENT, "l2tpsec-ip-up is not installed in %s",
		        L2TPSEC_HELPER_DIR);
		return -1;
	}
	fd = l2tp_session_socket(c->l2tp);
	if (fd < 0) {
		log_err(c->lg, LOG_CLIENT, "PPPoL2TP socket: %s", strerror(errno));
		return -1;
	}
	c->pppd = pppd_start(c->loop, c->lg, &cfg, fd, c->p->password->data, c->p->password->len,
	                     &cbs, c);
	return c->pppd ? 1 : -1; /* running: waits for its session */
}

int conn_data_start(struct conn *c, const struct l2tp_session_info *info)
{
	struct pppd_l2tp_ids ids = {.tunnel_id = info->local_tunnel_id,
	                            .session_id = info->local_session_id};

	c->ip6.up = false; /* until this session's IPV6CP opens */
	if (!c->kernel_path)
		return builtin_ppp_start(c);
	/* the session must be on the socket pppd holds */
	if (!c->pppd || info->pppox_fd < 0 || info->pppox_fd != l2tp_session_socket(c->l2tp))
		return -1;
	return pppd_attach(c->pppd, &ids);
}

bool conn_data_stop(struct conn *c)
{
	bool l2tp_running = conn_layer_running(c, CONN_LAYER_L2TP);

	if (!c->pppd && !c->ppp)
		return true; /* never made */
	if (c->pppd && !l2tp_running) {
		/* The session is gone: a Terminate-Request could only leave
		 * unprotected once our SAs go, so pppd ends without one. */
		pppd_free(c->pppd);
		c->pppd = NULL;
		return true;
	}
	if (c->pppd)
		pppd_stop(c->pppd); /* LCP terminate, then exited() */
	else if (l2tp_running)
		ppp_close(c->ppp);
	else
		ppp_lower_down(c->ppp); /* nobody left to say goodbye to */
	return false;
}

void conn_data_free(struct conn *c)
{
	natt_detach(c);
	if (c->tun_fd >= 0)
		loop_del_fd(c->loop, c->tun_fd);
	if (c->ppp)
		ppp_free(c->ppp);
	if (c->pppd)
		pppd_free(c->pppd);
	c->ppp = NULL;
	c->pppd = NULL;
}
