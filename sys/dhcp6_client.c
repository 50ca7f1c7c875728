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

/* The kernel's per-device flags from the last RA (include/net/if_inet6.h),
 * reported in IFLA_INET6_FLAGS. */
#define IF_RA_MANAGED   0x40
#define IF_RA_OTHERCONF 0x80

/* RFC 8415 §18.2.6/§7.6: INF_TIMEOUT 1 s, doubled each try: 1 + 2 + 4 + 8 s */
static const struct dhcp_xmit_params inf_timing = {.irt_ms = 1000, .max_tries = DHCP6_CLIENT_TRIES};
static const struct dhcp_xmit_params sol_timing = {.irt_ms = 1000, .max_tries = DHCP6_CLIENT_TRIES};
static const struct dhcp_xmit_params req_timing = {.irt_ms = 1000, .max_tries = DHCP6_CLIENT_TRIES};

void dhcp6_client_stop(struct dhcp6_client *d)
{
	dhcp_xmit_close(&d->x);
}

bool dhcp6_client_running(const struct dhcp6_client *d)
{
	return dhcp_xmit_running(&d->x);
}

static void finish(struct dhcp6_client *d, const struct dhcp6_info *info)
{
	dhcp6_client_fn done = d->done;

	dhcp6_client_stop(d);
	if (done)
		done(d->ctx, info);
}

static void send_msg(void *ctx)
{
	struct dhcp6_client *d = ctx;
	uint64_t elapsed = (loop_now_ms(d->x.loop) - d->started_ms) / 10;
	uint8_t msg[512];
	size_t n;

	/* §21.9: hundredths of a second, 0xffff for anything longer */
	n = dhcp6_build(msg, sizeof(msg), d->sent_type, d->xid, d->duid,
	                elapsed > 0xffff ? 0xffff : (uint16_t)elapsed, d->iaid, &d->advertised);
	if (!n || dhcp_xmit_sendto(&d->x, msg, n, (const struct sockaddr *)&d->server,
	                           sizeof(d->server)) < 0)
		log_debug(d->lg, LOG_CLIENT, "DHCPv6 message %u not sent: %s", d->sent_type,
		          strerror(errno));
}

/* A new exchange (a new transaction ID, §16.1) with the first try. */
static int begin(struct dhcp6_client *d, uint8_t type)
{
	const struct dhcp_xmit_params *p = type == DHCP6_SOLICIT   ? &d->sol_timing
	                                   : type == DHCP6_REQUEST ? &d->req_timing
	                                                           : &d->inf_timing;
	uint8_t xid[3];

	if (RAND_bytes(xid, sizeof(xid)) != 1)
		return -1;
	d->xid = (uint32_t)xid[0] << 16 | (uint32_t)xid[1] << 8 | xid[2];
	d->sent_type = type;
	return dhcp_xmit_begin(&d->x, p);
}

static void on_gave_up(void *ctx)
{
	struct dhcp6_client *d = ctx;

	log_info(d->lg, LOG_CLIENT, "no answer to DHCPv6 %s: no settings from it",
	         d->stateful ? "address request" : "Information-Request");
	finish(d, NULL);
}

/* An answer that parsed: done, or on from Advertise to Request. */
static void answered(struct dhcp6_client *d, const struct dhcp6_info *info)
{
	if (d->sent_type == DHCP6_SOLICIT && info->msg_type == DHCP6_ADVERTISE) {
		if (!info->has_addr)
			return; /* §18.2.9: wait for one that offers an address */
		d->advertised = *info;
		if (begin(d, DHCP6_REQUEST) < 0)
			finish(d, NULL);
		return;
	}
	if (info->msg_type != DHCP6_REPLY || (d->stateful && !info->has_addr))
		return;
	finish(d, info);
}

static void on_received(void *ctx, const uint8_t *msg, size_t len)
{
	struct dhcp6_client *d = ctx;
	const char *why = NULL;

	if (dhcp6_parse(msg, len, d->xid, d->duid, d->iaid, &d->got, &why) < 0) {
		log_debug(d->lg, LOG_CLIENT, "DHCPv6 answer dropped: %s", why);
		return;
	}
	answered(d, &d->got);
}

static const struct dhcp_xmit_ops dhcp6_ops = {
    .send = send_msg, .received = on_received, .gave_up = on_gave_up};

void dhcp6_client_init(struct dhcp6_client *d, struct loop *loop, struct logger *lg)
{
	memset(d, 0, sizeof(*d));
	d->lg = lg;
	dhcp_xmit_init(&d->x, loop, &dhcp6_ops, d);
	d->server.sin6_family = AF_INET6;
	/* All_DHCP_Relay_Agents_and_Servers (RFC 8415 §7.1) */
	inet_pton(AF_INET6, "ff02::1:2", &d->server.sin6_addr);
	d->server.sin6_port = htons(DHCP6_SERVER_PORT);
	d->client_port = DHCP6_CLIENT_PORT;
	d->inf_timing = inf_timing;
	d->sol_timing = sol_timing;
	d->req_timing = req_timing;
}

/* The socket, and multicast out of ifname: ff02::1:2 is link-local, its
 * scope the tunnel's link. */
static int open_socket(struct dhcp6_client *d, const char *ifname)
{
	int ifindex = (int)if_nametoindex(ifname);

	if (!ifindex) {
		errno = ENODEV;
		return -1;
	}
	if (!d->server.sin6_scope_id && IN6_IS_ADDR_MC_LINKLOCAL(&d->server.sin6_addr))
		d->server.sin6_scope_id = (uint32_t)ifindex;
	if (dhcp_xmit_open(&d->x, AF_INET6, ifname, d->client_port) < 0)
		return -1;
	if (setsockopt(d->x.fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof(ifindex)) < 0) {
		int e = errno;

		dhcp6_client_stop(d);
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
	d->started_ms = loop_now_ms(d->x.loop);
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
