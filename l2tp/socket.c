/*
 * The engine's own UDP socket (when no transport is given): bound to local
 * port 1701 or an ephemeral one, connected to the LNS once it has answered,
 * so that the kernel L2TP tunnel can be built on it.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "l2tp/l2tp_int.h"
#include "l2tp/proto.h"
#include "lib/util.h"

static uint16_t sa_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return 0;
}

static bool same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
	              &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr)) == 0;
}

static void sock_readable(struct loop *loop, int fd, unsigned events, void *ctx)
{
	struct l2tp *l2tp = ctx;
	uint8_t buf[L2TP_MAX_DATAGRAM];

	(void)loop;
	(void)events;
	/* Bounded: a flood must not starve the loop. */
	for (int i = 0; i < 64 && l2tp->fd == fd; i++) {
		struct sockaddr_storage from;
		socklen_t from_len = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &from_len);

		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_debug(l2tp->lg, LOG_L2TP, "recv: %s", strerror(errno));
			if (errno == EINTR || errno == ECONNREFUSED)
				continue;
			return;
		}
		if (!same_host(&from, &l2tp->peer)) {
			log_debug(l2tp->lg, LOG_L2TP, "dropping datagram from a stranger");
			continue;
		}
		if (!l2tp->connected)
			l2tp_socket_peer_seen(l2tp, &from, from_len);
		l2tp_input(l2tp, buf, (size_t)n);
	}
}

void l2tp_socket_peer_seen(struct l2tp *l2tp, const struct sockaddr_storage *from,
                           socklen_t from_len)
{
	if (sa_port(from) != sa_port(&l2tp->peer)) {
		log_info(l2tp->lg, LOG_L2TP, "LNS answers from port %u: using it", sa_port(from));
		memcpy(&l2tp->peer, from, from_len);
		l2tp->peer_len = from_len;
	}
	if (l2tp->fd >= 0 &&
	    connect(l2tp->fd, (const struct sockaddr *)&l2tp->peer, l2tp->peer_len) == 0)
		l2tp->connected = true;
	else if (l2tp->fd >= 0)
		log_warn(l2tp->lg, LOG_L2TP, "connect UDP socket: %s", strerror(errno));
}

static int bind_socket(struct l2tp *l2tp, int fd, uint16_t port)
{
	struct sockaddr_storage local;
	socklen_t len;

	if (l2tp->cfg.local.ss_family == l2tp->peer.ss_family)
		local = l2tp->cfg.local;
	else {
		memset(&local, 0, sizeof(local));
		local.ss_family = l2tp->peer.ss_family;
	}
	if (local.ss_family == AF_INET) {
		((struct sockaddr_in *)&local)->sin_port = htons(port);
		len = sizeof(struct sockaddr_in);
	} else {
		((struct sockaddr_in6 *)&local)->sin6_port = htons(port);
		len = sizeof(struct sockaddr_in6);
	}
	if (bind(fd, (struct sockaddr *)&local, len) < 0)
		return -1;
	len = sizeof(local);
	if (getsockname(fd, (struct sockaddr *)&local, &len) < 0)
		return -1;
	l2tp->local_port = sa_port(&local);
	return 0;
}

int l2tp_random_port(uint16_t *port)
{
	uint16_t r;

	if (random_bytes(&r, sizeof(r)))
		return -1;
	*port = (uint16_t)(49152 + r % 16384);
	return 0;
}

/* With a transport the caller sends; we only choose the port it should use. */
static int pick_transport_port(struct l2tp *l2tp, bool ephemeral)
{
	if (l2tp->cfg.local_port) {
		l2tp->local_port = l2tp->cfg.local_port;
		return 0;
	}
	if (!ephemeral) {
		l2tp->local_port = L2TP_PORT;
		return 0;
	}
	return l2tp_random_port(&l2tp->local_port);
}

int l2tp_socket_open(struct l2tp *l2tp, bool ephemeral)
{
	uint16_t want;
	int fd;

	l2tp_socket_close(l2tp);
	l2tp->peer = l2tp->cfg.peer;
	l2tp->peer_len = l2tp->peer.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
	                                                  : sizeof(struct sockaddr_in);
	if (sa_port(&l2tp->peer) == 0) {
		if (l2tp->peer.ss_family == AF_INET)
			((struct sockaddr_in *)&l2tp->peer)->sin_port = htons(L2TP_PORT);
		else
			((struct sockaddr_in6 *)&l2tp->peer)->sin6_port = htons(L2TP_PORT);
	}
	l2tp->ephemeral = ephemeral;
	if (l2tp->has_transport)
		return pick_transport_port(l2tp, ephemeral);
	fd = socket(l2tp->peer.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0) {
		log_err(l2tp->lg, LOG_L2TP, "UDP socket: %s", strerror(errno));
		return -1;
	}
	/* Several tunnels (to different LNSs) may share port 1701: with
	 * SO_REUSEPORT on each and every socket connected to its LNS, the
	 * kernel hands each datagram to the socket of its 4-tuple. Never
	 * SO_REUSEADDR: on UDP it has no owner check, so another user could
	 * bind our address and port, connect to the LNS and be handed the
	 * tunnel's traffic (decrypted by XFRM on the kernel path). A
	 * reuseport group only admits sockets of the same effective uid. */
	want = l2tp->cfg.local_port ? l2tp->cfg.local_port : ephemeral ? 0 : L2TP_PORT;
	/* IPv6 only: a dual-stack wildcard on 1701 would collide with the
	 * IPv4 sockets of other tunnels (different reuseport groups). */
	if (l2tp->peer.ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &(int){1}, sizeof(int)) < 0)
		log_warn(l2tp->lg, LOG_L2TP, "IPV6_V6ONLY: %s", strerror(errno));
	if (want && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &(int){1}, sizeof(int)) < 0)
		log_warn(l2tp->lg, LOG_L2TP, "SO_REUSEPORT: %s", strerror(errno));
	if (bind_socket(l2tp, fd, want) < 0) {
		log_warn(l2tp->lg, LOG_L2TP, "bind UDP port %s: %s",
		         ephemeral ? "(ephemeral)" : "1701", strerror(errno));
		close(fd);
		return -1;
	}
	if (loop_add_fd(l2tp->loop, fd, LOOP_READ, sock_readable, l2tp) < 0) {
		close(fd);
		return -1;
	}
	l2tp->fd = fd;
	if (want)
		l2tp_socket_peer_seen(l2tp, &l2tp->peer, l2tp->peer_len);
	log_info(l2tp->lg, LOG_L2TP, "local UDP port %u", l2tp->local_port);
	return 0;
}

void l2tp_socket_close(struct l2tp *l2tp)
{
	if (l2tp->fd >= 0) {
		loop_del_fd(l2tp->loop, l2tp->fd);
		close(l2tp->fd);
	}
	l2tp->fd = -1;
	l2tp->connected = false;
}

int l2tp_xmit(struct l2tp *l2tp, const uint8_t *buf, size_t len)
{
	ssize_t n;

	if (l2tp->has_transport)
		return l2tp->transport.send(l2tp->transport.ctx, buf, len);
	if (l2tp->fd < 0)
		return -1;
	if (l2tp->connected)
		n = send(l2tp->fd, buf, len, 0);
	else
		n = sendto(l2tp->fd, buf, len, 0, (const struct sockaddr *)&l2tp->peer,
		           l2tp->peer_len);
	if (n < 0) {
		log_debug(l2tp->lg, LOG_L2TP, "send: %s", strerror(errno));
		return -1;
	}
	return 0;
}
