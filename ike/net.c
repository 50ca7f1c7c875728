/* The session's UDP sockets: 500 (or the configured port) for IKE and 4500
 * for NAT-T, both connected to the gateway. On 4500, IKE messages carry the
 * 4-byte zero non-ESP marker and a lone 0xFF is a keepalive (RFC 3948 §2);
 * everything else there is ESP in UDP for the data path. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/xfrm.h>
#include <netinet/in.h>

#include "ike/ike_int.h"
#include "ike/natt.h"
#include "lib/log.h"
#include "lib/sock_bypass.h"
#include "lib/util.h"

static socklen_t sa_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

static void set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
	else
		((struct sockaddr_in *)ss)->sin_port = htons(port);
}

/* Per-socket XFRM policies, allow in and out, as charon and pluto set
 * them: socket policies win over the global ones, so a catch-all IPsec
 * policy of another daemon (or our own transport pair) cannot capture IKE
 * and NAT-T traffic (RFC 4301 §5.1: IKE bypasses IPsec). Needs
 * CAP_NET_ADMIN; without it we go on (logged). */
static void bypass_ipsec(struct ike_session *s, int fd)
{
	if (sock_bypass_ipsec(fd) < 0)
		log_debug(s->lg, LOG_IKE, "IKE socket bypass policy: %s", strerror(errno));
}

static int open_one(struct ike_session *s, uint16_t port, const struct sockaddr_storage *remote,
                    struct sockaddr_storage *bound)
{
	struct sockaddr_storage local = s->cfg.local;
	socklen_t len;
	int one = 1;
	int fd = socket(remote->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (local.ss_family == AF_UNSPEC) {
		memset(&local, 0, sizeof(local));
		local.ss_family = remote->ss_family;
	}
	set_port(&local, port);
	/* An IPv6 socket of ours covers IPv6 only: a dual-stack wildcard
	 * would also claim the IPv4 port another session (or user) holds. */
	if (remote->ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
		log_debug(s->lg, LOG_IKE, "IPV6_V6ONLY: %s", strerror(errno));
	bypass_ipsec(s, fd);
	/* SO_REUSEPORT, never SO_REUSEADDR: the kernel lets a socket join a
	 * reuseport group only from the same effective uid, whereas two UDP
	 * sockets with SO_REUSEADDR share a port whoever owns them, and the
	 * more specific (address-bound, connected) one would get our traffic.
	 * Without SO_REUSEADDR on ours, our wildcard bind also blocks every
	 * address-specific bind of the port by another user. */
	if (port != 0 && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0)
		log_debug(s->lg, LOG_IKE, "SO_REUSEPORT: %s", strerror(errno));
	len = sa_len(&local);
	if (bind(fd, (struct sockaddr *)&local, len) ||
	    connect(fd, (const struct sockaddr *)remote, sa_len(remote))) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	len = sizeof(*bound);
	if (getsockname(fd, (struct sockaddr *)bound, &len)) {
		close(fd);
		return -1;
	}
	return fd;
}

void ike_set_natt_reader(struct ike_session *s, void (*fn)(void *ctx, int fd), void *ctx)
{
	s->natt_reader = fn;
	s->natt_reader_ctx = ctx;
}

void ike_natt_input(struct ike_session *s, const uint8_t *buf, size_t len)
{
	if (len == 1 && buf[0] == NATT_KEEPALIVE)
		return;
	if (len >= 4 && get_be32(buf) == 0)
		ike_session_recv(s, buf + 4, len - 4);
	else if (s->cb.non_ike_packet)
		/* connected socket: only the gateway's NAT-T address reaches us */
		s->cb.non_ike_packet(s->ctx, buf, len, (const struct sockaddr *)&s->remote_natt);
}

static void on_readable(struct loop *loop, int fd, unsigned events, void *ctx)
{
	struct ike_session *s = ctx;
	uint8_t buf[ISAKMP_MAX_MSG + 4];

	(void)loop;
	(void)events;
	if (fd == s->fd_natt && s->natt_reader) {
		s->natt_reader(s->natt_reader_ctx, fd);
		return;
	}
	for (int i = 0; i < 16; i++) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0)
			return; /* EAGAIN, or ICMP errors surfacing: retransmission copes */
		if (fd == s->fd_natt)
			ike_natt_input(s, buf, (size_t)n);
		else
			ike_session_recv(s, buf, (size_t)n);
		/* A callback may have stopped or failed the session. */
		if (s->fd_ike < 0)
			return;
	}
}

uint16_t ike_net_port(const struct sockaddr_storage *ss)
{
	return ntohs(ss->ss_family == AF_INET6 ? ((const struct sockaddr_in6 *)ss)->sin6_port
	                                       : ((const struct sockaddr_in *)ss)->sin_port);
}

/* Bind the wanted port, shared with our other sessions (SO_REUSEPORT, same
 * uid only; the kernel delivers by the 4-tuple of the connected sockets,
 * Linux >= 5.7). A port held by a program that does not share it (charon,
 * pluto, or another user) gives EADDRINUSE: then any port. */
static int open_port(struct ike_session *s, uint16_t port, const struct sockaddr_storage *remote,
                     struct sockaddr_storage *bound)
{
	int fd = open_one(s, port, remote, bound);

	if (fd < 0 && errno == EADDRINUSE && port != 0) {
		fd = open_one(s, 0, remote, bound);
		if (fd >= 0)
			s->ports_fell_back = true;
	}
	return fd;
}

int ike_net_open(struct ike_session *s)
{
	uint16_t port = s->cfg.local_ports_set ? s->cfg.local_port : 500;
	uint16_t nport = s->cfg.local_ports_set ? s->cfg.local_natt_port : NATT_PORT;

	if (s->fd_ike >= 0)
		return 0;
	s->ports_fell_back = false;
	s->remote = s->cfg.remote;
	if (s->remote.ss_family == AF_INET && ((struct sockaddr_in *)&s->remote)->sin_port == 0)
		set_port(&s->remote, 500);
	if (s->remote.ss_family == AF_INET6 && ((struct sockaddr_in6 *)&s->remote)->sin6_port == 0)
		set_port(&s->remote, 500);
	s->remote_natt = s->remote;
	set_port(&s->remote_natt, s->cfg.remote_natt_port ? s->cfg.remote_natt_port : NATT_PORT);
	s->fd_ike = open_port(s, port, &s->remote, &s->local);
	if (s->fd_ike < 0)
		goto fail;
	s->fd_natt = open_port(s, nport, &s->remote_natt, &s->local_natt);
	if (s->fd_natt < 0)
		goto fail;
	if (loop_add_fd(s->loop, s->fd_ike, LOOP_READ, on_readable, s) ||
	    loop_add_fd(s->loop, s->fd_natt, LOOP_READ, on_readable, s))
		goto fail;
	if (s->ports_fell_back)
		log_notice(s->lg, LOG_IKE,
		           "UDP ports %u/%u are held by another program that does not share them "
		           "(an IKE daemon?): using %u/%u",
		           port, nport, ike_net_port(&s->local), ike_net_port(&s->local_natt));
	return 0;
fail:
	log_err(s->lg, LOG_IKE, "cannot open IKE sockets (ports %u/%u): %s", port, nport,
	        strerror(errno));
	ike_net_close(s);
	return -1;
}

/* A connected UDP socket keeps the source address chosen at connect();
 * after roaming that address is gone. Dissolving the association and
 * connecting again picks the source of the new path (the port stays). */
static int reconnect_fd(int fd, const struct sockaddr_storage *remote)
{
	struct sockaddr unspec = {.sa_family = AF_UNSPEC};

	if (fd < 0)
		return 0;
	connect(fd, &unspec, sizeof(unspec));
	return connect(fd, (const struct sockaddr *)remote, sa_len(remote));
}

int ike_rehome(struct ike_session *s)
{
	socklen_t len = sizeof(s->local);
	int rc = 0;

	if (reconnect_fd(s->fd_ike, &s->remote) < 0 ||
	    reconnect_fd(s->fd_natt, &s->remote_natt) < 0)
		rc = -1;
	if (s->fd_ike >= 0)
		getsockname(s->fd_ike, (struct sockaddr *)&s->local, &len);
	len = sizeof(s->local_natt);
	if (s->fd_natt >= 0)
		getsockname(s->fd_natt, (struct sockaddr *)&s->local_natt, &len);
	if (rc < 0)
		log_warn(s->lg, LOG_IKE, "no path to the gateway after the network changed: %s",
		         strerror(errno));
	return rc;
}

void ike_net_close(struct ike_session *s)
{
	if (s->fd_ike >= 0) {
		loop_del_fd(s->loop, s->fd_ike);
		close(s->fd_ike);
	}
	if (s->fd_natt >= 0) {
		loop_del_fd(s->loop, s->fd_natt);
		close(s->fd_natt);
	}
	s->fd_ike = s->fd_natt = -1;
}

const struct sockaddr *ike_net_remote(const struct ike_session *s)
{
	return (const struct sockaddr *)(s->floated ? &s->remote_natt : &s->remote);
}

const struct sockaddr *ike_net_local(const struct ike_session *s)
{
	return (const struct sockaddr *)(s->floated ? &s->local_natt : &s->local);
}

static int send_datagram(struct ike_session *s, const uint8_t *msg, size_t len)
{
	uint8_t buf[ISAKMP_MAX_MSG + 4];
	ssize_t n;

	if (s->fd_ike < 0)
		return -1;
	if (s->floated) {
		if (len > ISAKMP_MAX_MSG)
			return -1;
		memset(buf, 0, 4); /* non-ESP marker */
		memcpy(buf + 4, msg, len);
		n = send(s->fd_natt, buf, len + 4, 0);
		len += 4;
		s->last_outbound_ms = loop_now_ms(s->loop);
	} else {
		n = send(s->fd_ike, msg, len, 0);
	}
	if (n < 0 || (size_t)n != len) {
		log_debug(s->lg, LOG_IKE, "send: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* A message longer than an unfragmented IPv4 datagram of 1280 bytes goes
 * out as IKE fragments when the gateway announced them, or always with
 * force_fragmentation (ike/frag.h): NATs and firewalls that drop IP
 * fragments let these through. */
static int send_raw(struct ike_session *s, const uint8_t *msg, size_t len)
{
	uint8_t frag[ISAKMP_HDR_LEN + IKE_FRAG_PL_HDR_LEN + IKE_FRAG_DATA_LEN];
	size_t count = ike_frag_count(len, IKE_FRAG_DATA_LEN);

	if (!ike_frag_wanted(len, s->peer_frag, s->cfg.force_fragmentation,
	                     s->cfg.no_fragmentation))
		return send_datagram(s, msg, len);
	s->frag_id++;
	for (size_t i = 1; i <= count; i++) {
		size_t n =
		    ike_frag_build(msg, len, s->frag_id, i, IKE_FRAG_DATA_LEN, frag, sizeof(frag));

		if (!n || send_datagram(s, frag, n))
			return -1;
	}
	log_info(s->lg, LOG_IKE, "sent %zu bytes as %zu IKE fragments (ID %u)", len, count,
	         (unsigned)s->frag_id);
	return 0;
}

static void on_retransmit(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct ike_session *s = ctx;

	(void)t;
	if (!s->tx_waiting)
		return;
	if (s->tx_tries >= s->cfg.retransmit.tries) {
		s->tx_waiting = false;
		ike_session_fail(s, IKE_FAIL_TIMEOUT, 0, "no answer after %u tries",
		                 (unsigned)s->tx_tries);
		return;
	}
	s->tx_tries++;
	s->tx_timeout_ms = MIN(s->tx_timeout_ms * 2, s->cfg.retransmit.max_ms);
	log_debug(s->lg, LOG_IKE, "retransmitting (try %u)", (unsigned)s->tx_tries);
	send_raw(s, s->tx, s->tx_len);
	loop_timer_start(loop, &s->retransmit_timer, s->tx_timeout_ms);
}

int ike_net_send(struct ike_session *s, const uint8_t *msg, size_t len, bool expect_reply,
                 struct ike_p1 *p1)
{
	/* Keep the last message even when no answer is due (QM3): a
	 * retransmitted answer from the gateway makes us send it again. */
	if (len > sizeof(s->tx))
		return -1;
	if (msg != s->tx)
		memcpy(s->tx, msg, len);
	s->tx_len = len;
	s->tx_p1 = p1;
	s->tx_waiting = expect_reply;
	if (expect_reply) {
		s->tx_tries = 1;
		s->tx_timeout_ms = s->cfg.retransmit.first_ms;
		loop_timer_start(s->loop, &s->retransmit_timer, s->tx_timeout_ms);
	} else {
		loop_timer_stop(s->loop, &s->retransmit_timer);
	}
	/* A failed first send is retried by the timer like a lost one. */
	return send_raw(s, s->tx, len) == 0 || expect_reply ? 0 : -1;
}

/* Send a one-off message (informational) without touching the request slot. */
int ike_net_send_once(struct ike_session *s, const uint8_t *msg, size_t len)
{
	return send_raw(s, msg, len);
}

void ike_net_resend_last(struct ike_session *s)
{
	if (s->tx_len)
		send_raw(s, s->tx, s->tx_len);
}

void ike_net_answered(struct ike_session *s)
{
	s->tx_waiting = false;
	loop_timer_stop(s->loop, &s->retransmit_timer);
}

void ike_net_send_keepalive(struct ike_session *s)
{
	uint8_t ka = NATT_KEEPALIVE;

	if (s->fd_natt >= 0 && send(s->fd_natt, &ka, 1, 0) < 0)
		log_debug(s->lg, LOG_IKE, "keepalive: %s", strerror(errno));
	s->last_outbound_ms = loop_now_ms(s->loop);
}

void ike_net_init_timers(struct ike_session *s)
{
	loop_timer_init(&s->retransmit_timer, on_retransmit, s);
}
