/* DHCPINFORM over the tunnel's interface: see sys/dhcp_inform.h. */
#include "sys/dhcp_inform.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <net/if.h>
#include <openssl/rand.h>
#include <sys/socket.h>

static void on_timer(struct loop *loop, struct loop_timer *t, void *ctx);

void dhcp_inform_init(struct dhcp_inform *d, struct loop *loop, struct logger *lg)
{
	memset(d, 0, sizeof(*d));
	d->loop = loop;
	d->lg = lg;
	d->fd = -1;
	d->server.sin_family = AF_INET;
	d->server.sin_addr.s_addr = htonl(INADDR_BROADCAST);
	d->server.sin_port = htons(DHCP_SERVER_PORT);
	d->client_port = DHCP_CLIENT_PORT;
	d->max_tries = DHCP_INFORM_TRIES;
	d->first_timeout_ms = DHCP_INFORM_FIRST_MS;
	loop_timer_init(&d->timer, on_timer, d);
}

void dhcp_inform_stop(struct dhcp_inform *d)
{
	if (d->loop)
		loop_timer_stop(d->loop, &d->timer);
	if (d->fd >= 0) {
		loop_del_fd(d->loop, d->fd);
		close(d->fd);
	}
	d->fd = -1;
}

static void finish(struct dhcp_inform *d, const struct dhcp_info *info)
{
	dhcp_inform_fn done = d->done;

	dhcp_inform_stop(d);
	if (done)
		done(d->ctx, info);
}

static void send_inform(struct dhcp_inform *d)
{
	uint8_t msg[400];
	size_t n = dhcp_build_inform(msg, sizeof(msg), d->xid, ntohl(d->local.s_addr), d->hwaddr);

	if (!n ||
	    sendto(d->fd, msg, n, 0, (const struct sockaddr *)&d->server, sizeof(d->server)) < 0)
		log_debug(d->lg, LOG_CLIENT, "DHCPINFORM not sent: %s", strerror(errno));
}

static void on_timer(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct dhcp_inform *d = ctx;

	if (++d->tries >= d->max_tries) {
		log_info(d->lg, LOG_CLIENT,
		         "no answer to DHCPINFORM: no settings from the gateway");
		finish(d, NULL);
		return;
	}
	d->timeout_ms *= 2;
	send_inform(d);
	loop_timer_start(loop, t, d->timeout_ms);
}

static void on_readable(struct loop *loop, int fd, unsigned events, void *ctx)
{
	struct dhcp_inform *d = ctx;
	uint8_t buf[1500];

	(void)loop;
	(void)events;
	for (int i = 0; i < 8; i++) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		const char *why = NULL;

		if (n < 0)
			return;
		if (dhcp_parse_ack(buf, (size_t)n, d->xid, &d->got, &why) == 0) {
			finish(d, &d->got);
			return;
		}
		log_debug(d->lg, LOG_CLIENT, "DHCP answer dropped: %s", why);
	}
}

static int open_socket(struct dhcp_inform *d, const char *ifname)
{
	struct sockaddr_in any = {.sin_family = AF_INET, .sin_port = htons(d->client_port)};
	int one = 1;

	d->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (d->fd < 0)
		return -1;
	/* Bound to the tunnel's device: a host DHCP client on port 68 of
	 * another interface shares the port if it allows (SO_REUSEADDR). */
	if (setsockopt(d->fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname)) ||
	    setsockopt(d->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(d->fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) ||
	    bind(d->fd, (struct sockaddr *)&any, sizeof(any)) ||
	    loop_add_fd(d->loop, d->fd, LOOP_READ, on_readable, d)) {
		int e = errno;

		close(d->fd);
		d->fd = -1;
		errno = e;
		return -1;
	}
	return 0;
}

int dhcp_inform_start(struct dhcp_inform *d, const char *ifname, struct in_addr local,
                      dhcp_inform_fn done, void *ctx)
{
	dhcp_inform_stop(d);
	if (open_socket(d, ifname) < 0) {
		log_info(d->lg, LOG_CLIENT, "no DHCPINFORM over %s: %s", ifname, strerror(errno));
		return -1;
	}
	if (RAND_bytes((unsigned char *)&d->xid, sizeof(d->xid)) != 1 ||
	    RAND_bytes(d->hwaddr, sizeof(d->hwaddr)) != 1) {
		dhcp_inform_stop(d);
		return -1;
	}
	d->hwaddr[0] = (uint8_t)((d->hwaddr[0] & 0xfe) | 0x02); /* local, unicast */
	d->local = local;
	d->done = done;
	d->ctx = ctx;
	d->tries = 0;
	d->timeout_ms = d->first_timeout_ms;
	send_inform(d);
	loop_timer_start(d->loop, &d->timer, d->timeout_ms);
	return 0;
}
