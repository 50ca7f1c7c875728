/* DHCPv6 over the tunnel's interface: see sys/dhcp6_client.h. */
#include "sys/dhcp6_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/inet6.h>
#include <openssl/rand.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The kernel's per-device flags from the last RA (include/net/if_inet6.h),
 * reported in IFLA_INET6_FLAGS. */
#define IF_RA_MANAGED   0x40
#define IF_RA_OTHERCONF 0x80

static void on_timer(struct loop *loop, struct loop_timer *t, void *ctx);

void dhcp6_client_init(struct dhcp6_client *d, struct loop *loop, struct logger *lg)
{
	memset(d, 0, sizeof(*d));
	d->loop = loop;
	d->lg = lg;
	d->fd = -1;
	d->server.sin6_family = AF_INET6;
	/* All_DHCP_Relay_Agents_and_Servers (RFC 8415 §7.1) */
	inet_pton(AF_INET6, "ff02::1:2", &d->server.sin6_addr);
	d->server.sin6_port = htons(DHCP6_SERVER_PORT);
	d->client_port = DHCP6_CLIENT_PORT;
	d->max_tries = DHCP6_CLIENT_TRIES;
	d->first_timeout_ms = DHCP6_CLIENT_FIRST_MS;
	loop_timer_init(&d->timer, on_timer, d);
}

void dhcp6_client_stop(struct dhcp6_client *d)
{
	if (d->loop)
		loop_timer_stop(d->loop, &d->timer);
	if (d->fd >= 0) {
		loop_del_fd(d->loop, d->fd);
		close(d->fd);
	}
	d->fd = -1;
}

bool dhcp6_client_running(const struct dhcp6_client *d)
{
	return d->fd >= 0;
}

static void finish(struct dhcp6_client *d, const struct dhcp6_info *info)
{
	dhcp6_client_fn done = d->done;

	dhcp6_client_stop(d);
	if (done)
		done(d->ctx, info);
}

static void send_msg(struct dhcp6_client *d)
{
	uint64_t elapsed = (loop_now_ms(d->loop) - d->started_ms) / 10;
	uint8_t msg[512];
	size_t n;

	/* §21.9: hundredths of a second, 0xffff for anything longer */
	n = dhcp6_build(msg, sizeof(msg), d->sent_type, d->xid, d->duid,
	                elapsed > 0xffff ? 0xffff : (uint16_t)elapsed, d->iaid, &d->advertised);
	if (!n ||
	    sendto(d->fd, msg, n, 0, (const struct sockaddr *)&d->server, sizeof(d->server)) < 0)
		log_debug(d->lg, LOG_CLIENT, "DHCPv6 message %u not sent: %s", d->sent_type,
		          strerror(errno));
}

/* A new exchange (a new transaction ID, §16.1) with the first try. */
static int begin(struct dhcp6_client *d, uint8_t type)
{
	uint8_t xid[3];

	if (RAND_bytes(xid, sizeof(xid)) != 1)
		return -1;
	d->xid = (uint32_t)xid[0] << 16 | (uint32_t)xid[1] << 8 | xid[2];
	d->sent_type = type;
	d->tries = 0;
	d->timeout_ms = d->first_timeout_ms;
	send_msg(d);
	loop_timer_start(d->loop, &d->timer, d->timeout_ms);
	return 0;
}

static void on_timer(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct dhcp6_client *d = ctx;

	if (++d->tries >= d->max_tries) {
		log_info(d->lg, LOG_CLIENT, "no answer to DHCPv6 %s: no settings from it",
		         d->stateful ? "address request" : "Information-Request");
		finish(d, NULL);
		return;
	}
	d->timeout_ms *= 2;
	send_msg(d);
	loop_timer_start(loop, t, d->timeout_ms);
}

/* An answer that parsed: done, or on from Advertise to Request. */
static void answered(struct dhcp6_client *d, const struct dhcp6_info *info)
{
	if (d->sent_type == DHCP6_SOLICIT && info->msg_type == DHCP6_ADVERTISE) {
		if (!info->has_addr)
			return; /* §18.2.9: wait for one that offers an address */
		d->advertised = *info;
		loop_timer_stop(d->loop, &d->timer);
		if (begin(d, DHCP6_REQUEST) < 0)
			finish(d, NULL);
		return;
	}
	if (info->msg_type != DHCP6_REPLY || (d->stateful && !info->has_addr))
		return;
	finish(d, info);
}

static void on_readable(struct loop *loop, int fd, unsigned events, void *ctx)
{
	struct dhcp6_client *d = ctx;
	uint8_t buf[1500];

	(void)loop;
	(void)events;
	for (int i = 0; i < 8 && d->fd == fd; i++) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		const char *why = NULL;

		if (n < 0)
			return;
		if (dhcp6_parse(buf, (size_t)n, d->xid, d->duid, d->iaid, &d->got, &why) < 0) {
			log_debug(d->lg, LOG_CLIENT, "DHCPv6 answer dropped: %s", why);
			continue;
		}
		answered(d, &d->got);
	}
}

static int open_socket(struct dhcp6_client *d, const char *ifname)
{
	struct sockaddr_in6 any = {.sin6_family = AF_INET6, .sin6_port = htons(d->client_port)};
	int one = 1, ifindex = (int)if_nametoindex(ifname);

	d->fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (d->fd < 0)
		return -1;
	if (!d->server.sin6_scope_id && IN6_IS_ADDR_MC_LINKLOCAL(&d->server.sin6_addr))
		d->server.sin6_scope_id = (uint32_t)ifindex;
	/* Bound to the tunnel's device, like DHCPINFORM: a host DHCPv6
	 * client on port 546 of another interface shares the port. */
	if (!ifindex ||
	    setsockopt(d->fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname)) ||
	    setsockopt(d->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(d->fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof(ifindex)) ||
	    bind(d->fd, (struct sockaddr *)&any, sizeof(any)) ||
	    loop_add_fd(d->loop, d->fd, LOOP_READ, on_readable, d)) {
		int e = ifindex ? errno : ENODEV;

		close(d->fd);
		d->fd = -1;
		errno = e;
		return -1;
	}
	return 0;
}

int dhcp6_client_start(struct dhcp6_client *d, const char *ifname, bool stateful,
                       dhcp6_client_fn done, void *ctx)
{
	uint8_t hwaddr[6];

	dhcp6_client_stop(d);
	if (open_socket(d, ifname) < 0) {
		log_info(d->lg, LOG_CLIENT, "no DHCPv6 over %s: %s", ifname, strerror(errno));
		return -1;
	}
	/* A random identity per connection: PPP has no link-layer address
	 * (RFC 7844 §4.3 for why not a stable one) */
	if (RAND_bytes(hwaddr, sizeof(hwaddr)) != 1 ||
	    RAND_bytes((unsigned char *)&d->iaid, sizeof(d->iaid)) != 1) {
		dhcp6_client_stop(d);
		return -1;
	}
	hwaddr[0] = (uint8_t)((hwaddr[0] & 0xfe) | 0x02); /* local, unicast */
	dhcp6_duid_ll(d->duid, hwaddr);
	memset(&d->advertised, 0, sizeof(d->advertised));
	d->stateful = stateful;
	d->done = done;
	d->ctx = ctx;
	d->started_ms = loop_now_ms(d->loop);
	if (begin(d, stateful ? DHCP6_SOLICIT : DHCP6_INFORMATION_REQUEST) < 0) {
		dhcp6_client_stop(d);
		return -1;
	}
	return 0;
}

int dhcp6_ra_flags(const char *ifname, bool *managed, bool *other)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct rtnl_link *link = NULL;
	uint32_t flags = 0;
	int rc = -1;

	if (sk && nl_connect(sk, NETLINK_ROUTE) == 0 &&
	    rtnl_link_get_kernel(sk, 0, ifname, &link) == 0 &&
	    rtnl_link_inet6_get_flags(link, &flags) == 0) {
		*managed = flags & IF_RA_MANAGED;
		*other = flags & IF_RA_OTHERCONF;
		rc = 0;
	}
	if (link)
		rtnl_link_put(link);
	if (sk)
		nl_socket_free(sk);
	return rc;
}
