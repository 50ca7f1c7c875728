/* PPP on the L2TP session: the built-in PPP moving IP packets to and from the
 * TUN device (userspace path), or pppd on the PPPoL2TP socket (kernel path). */
#include "client/conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/util.h"
#include "ppp/pppd.h"

#define TUN_MAX_PACKET 2048

/* ---- built-in PPP ---- */

static int ppp_to_l2tp(void *ctx, const uint8_t *frame, size_t len)
{
	struct conn *c = ctx;

	/* Our L2TP engine adds the HDLC address and control bytes itself. */
	if (len >= 2 && frame[0] == 0xff && frame[1] == 0x03) {
		frame += 2;
		len -= 2;
	}
	return c->l2tp_alive ? l2tp_send_ppp(c->l2tp, frame, len) : -1;
}

static void ppp_ip_up(void *ctx, const struct ppp_ip_info *info)
{
	struct conn *c = ctx;
	struct conn_ip ip = {.mtu = info->mtu};

	if (!info->ipv4_up || c->state != CONN_PPP)
		return; /* IPV6CP opening later changes nothing we configure */
	memcpy(&ip.local, info->local_ipv4, 4);
	memcpy(&ip.peer, info->peer_ipv4, 4);
	memcpy(&ip.dns[0], info->dns1, 4);
	memcpy(&ip.dns[1], info->dns2, 4);
	conn_password_used(c);
	if (conn_net_up(c, &ip) < 0)
		conn_fail(c, CONN_EXIT_FAILURE, "cannot configure %s", c->ifname);
}

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

static void ppp_deliver_ip(void *ctx, const uint8_t *pkt, size_t len)
{
	struct conn *c = ctx;

	/* A full TUN queue drops the packet, as a full link would. */
	if (c->tun_fd >= 0 && write(c->tun_fd, pkt, len) < 0 && errno != EAGAIN)
		log_debug(c->lg, LOG_CLIENT, "tun write: %s", strerror(errno));
}

static void ppp_down(void *ctx, const struct ppp_failure *why)
{
	struct conn *c = ctx;

	c->ppp_alive = false;
	if (c->state == CONN_STOPPING) {
		conn_stop_next(c);
		return;
	}
	if (why->reason == PPP_DOWN_AUTH_FAILED)
		conn_fail(c, CONN_EXIT_PPP_AUTH, "PPP authentication (%s) failed: %s",
			  ppp_auth_name(why->auth), why->message);
	else
		conn_fail(c,
			  c->state == CONN_UP && why->reason != PPP_DOWN_ECHO_TIMEOUT
			      ? CONN_EXIT_PEER_CLOSED
			      : CONN_EXIT_PPP,
			  "PPP down: %s%s%s", ppp_down_reason_name(why->reason),
			  why->message[0] ? ": " : "", why->message);
}

static const struct ppp_callbacks ppp_cbs = {
	.send_frame = ppp_to_l2tp,
	.ip_up = ppp_ip_up,
	.deliver_ip = ppp_deliver_ip,
	.down = ppp_down,
};

static void on_tun_readable(struct loop *loop, int fd, unsigned events, void *ctx)
{
	struct conn *c = ctx;
	uint8_t pkt[TUN_MAX_PACKET];

	(void)loop;
	(void)events;
	/* A bounded batch per wakeup keeps the loop fair to the network side. */
	for (int i = 0; i < 64; i++) {
		ssize_t n = read(fd, pkt, sizeof(pkt));

		if (n <= 0)
			return;
		if (c->ppp_alive)
			ppp_send_ip(c->ppp, pkt, (size_t)n);
	}
}

static unsigned ppp_auth_bits(unsigned profile_bits)
{
	return ((profile_bits & PROFILE_PPP_PAP) ? PPP_AUTH_PAP : 0) |
	       ((profile_bits & PROFILE_PPP_CHAP) ? PPP_AUTH_CHAP_MD5 : 0) |
	       ((profile_bits & PROFILE_PPP_MSCHAPV2) ? PPP_AUTH_MSCHAPV2 : 0);
}

/* Made with the connection (its crypto context loads OpenSSL's legacy
 * provider, which takes a while on a small CPU), started with the session. */
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
		.echo_interval_s = pr->lcp_echo_interval_s,
		.echo_failure = pr->lcp_echo_failure,
		.request_dns = pr->dns != PROFILE_DNS_NO,
		/* the LNS's PPP starts after ICCN and misses our first request */
		.restart_ms = 1000,
	};

	if (pr->liveness_s) {
		struct conn_liveness l = conn_liveness_for(pr->liveness_s);

		cfg.echo_interval_s = l.echo_interval_s;
		cfg.echo_failure = l.echo_failure;
	}
	c->ppp = ppp_new(c->loop, c->lg, &cfg, &ppp_cbs, c);
	return c->ppp ? 0 : -1;
}

static int builtin_ppp_start(struct conn *c)
{
	if (!c->ppp || loop_add_fd(c->loop, c->tun_fd, LOOP_READ, on_tun_readable, c) < 0)
		return -1;
	c->ppp_alive = true;
	return ppp_start(c->ppp);
}

void conn_ppp_frame(struct conn *c, const uint8_t *frame, size_t len)
{
	if (c->ppp_alive)
		ppp_input(c->ppp, frame, len);
}

/* ---- pppd (kernel path) ---- */

/* The ip-up script pppd runs: installed next to us, or, for a binary run
 * from its build tree, the one in the source tree. */
static const char *ip_up_script(char *buf, size_t bufsz)
{
	char exe[PATH_MAX];
	ssize_t n;

	snprintf(buf, bufsz, "%s/l2tpsec-ip-up", L2TPSEC_PKGLIBEXECDIR);
	if (access(buf, X_OK) == 0)
		return buf;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	if (strncmp(exe, L2TPSEC_BUILDDIR "/", strlen(L2TPSEC_BUILDDIR) + 1) != 0)
		return NULL;
	snprintf(buf, bufsz, "%s/ppp/l2tpsec-ip-up", L2TPSEC_SRCDIR);
	return access(buf, X_OK) == 0 ? buf : NULL;
}

static void pppd_ip_up(void *ctx, const struct pppd_report *r)
{
	struct conn *c = ctx;
	struct conn_ip ip = {.mtu = r->ip.mtu};

	if (strcmp(r->event, "ip-up") != 0 || c->state != CONN_PPP)
		return;
	if (strnlen(r->ifname, sizeof(r->ifname)) >= sizeof(c->ifname)) {
		conn_fail(c, CONN_EXIT_PPP, "pppd reported a bad interface name");
		return;
	}
	memcpy(c->ifname, r->ifname, strlen(r->ifname) + 1);
	memcpy(&ip.local, r->ip.local_ipv4, 4);
	memcpy(&ip.peer, r->ip.peer_ipv4, 4);
	memcpy(&ip.dns[0], r->ip.dns1, 4);
	memcpy(&ip.dns[1], r->ip.dns2, 4);
	conn_password_used(c);
	if (conn_net_up(c, &ip) < 0)
		conn_fail(c, CONN_EXIT_FAILURE, "cannot configure %s", c->ifname);
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
	static const struct pppd_callbacks cbs = {.ip_up = pppd_ip_up, .exited = pppd_exited};
	const struct profile *pr = c->p->profile;
	char script[PATH_MAX];
	struct pppd_config cfg = {
		.runtime_dir = c->p->run_dir,
		.user = pr->user,
		.auth_allowed = ppp_auth_bits(pr->auth_methods),
		.mtu = (uint16_t)pr->mtu,
		.mru = (uint16_t)pr->mru,
		.echo_interval_s = pr->lcp_echo_interval_s,
		.echo_failure = pr->lcp_echo_failure,
		.usepeerdns = pr->dns != PROFILE_DNS_NO,
		.unit = -1,
		.debug = log_enabled(c->lg, LOG_PPP, LOG_LVL_DEBUG),
	};
	int fd;

	if (!c->kernel_path)
		return builtin_ppp_prepare(c);
	if (pr->liveness_s) {
		struct conn_liveness l = conn_liveness_for(pr->liveness_s);

		cfg.echo_interval_s = l.echo_interval_s;
		cfg.echo_failure = l.echo_failure;
	}
	cfg.ip_up_script = ip_up_script(script, sizeof(script));
	if (!cfg.ip_up_script) {
		log_err(c->lg, LOG_CLIENT, "l2tpsec-ip-up is not installed in %s",
			L2TPSEC_PKGLIBEXECDIR);
		return -1;
	}
	fd = l2tp_session_socket(c->l2tp);
	if (fd < 0) {
		log_err(c->lg, LOG_CLIENT, "PPPoL2TP socket: %s", strerror(errno));
		return -1;
	}
	c->pppd = pppd_start(c->loop, c->lg, &cfg, fd, c->p->password->data, c->p->password->len,
			     &cbs, c);
	if (!c->pppd)
		return -1;
	c->ppp_alive = true;
	return 0;
}

int conn_data_start(struct conn *c, const struct l2tp_session_info *info)
{
	struct pppd_l2tp_ids ids = {.tunnel_id = info->local_tunnel_id,
				    .session_id = info->local_session_id};

	if (!c->kernel_path)
		return builtin_ppp_start(c);
	/* the session must be on the socket pppd holds */
	if (!c->pppd || info->pppox_fd < 0 || info->pppox_fd != l2tp_session_socket(c->l2tp))
		return -1;
	return pppd_attach(c->pppd, &ids);
}

bool conn_data_stop_step(struct conn *c)
{
	if (!c->ppp_alive)
		return false;
	if (c->ppp_stopping)
		return true;
	c->ppp_stopping = true;
	if (c->pppd && !c->l2tp_alive) {
		/* The session is gone: a Terminate-Request could only leave
		 * unprotected once our SAs go, so pppd ends without one. */
		pppd_free(c->pppd);
		c->pppd = NULL;
		c->ppp_alive = false;
		return false;
	}
	if (c->pppd)
		pppd_stop(c->pppd); /* LCP terminate, then exited() */
	else if (c->l2tp_alive)
		ppp_close(c->ppp);
	else
		ppp_lower_down(c->ppp); /* nobody left to say goodbye to */
	return c->ppp_alive;
}

void conn_data_free(struct conn *c)
{
	if (c->tun_fd >= 0)
		loop_del_fd(c->loop, c->tun_fd);
	if (c->ppp)
		ppp_free(c->ppp);
	if (c->pppd)
		pppd_free(c->pppd);
	c->ppp = NULL;
	c->pppd = NULL;
	c->ppp_alive = false;
}
