/*
 * IPv6 on the tunnel interface (see netcfg.h): the link-local address from
 * IPV6CP, the kernel's handling of the gateway's router advertisements, and
 * our IPv6 routes, recorded like the IPv4 ones so that undo removes exactly
 * what we added.
 */
#include "sys/netcfg.h"
#include "sys/netcfg_route.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/if_addr.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/route.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static struct nl_addr *v6_addr(const struct in6_addr *a, uint8_t prefix)
{
	struct nl_addr *na = nl_addr_build(AF_INET6, a, sizeof(*a));

	if (na)
		nl_addr_set_prefixlen(na, prefix);
	return na;
}

int netcfg6_link_local(struct netcfg *nc, int ifindex, const uint8_t ifid[8])
{
	struct in6_addr ll = {.s6_addr = {0xfe, 0x80}};
	struct rtnl_addr *addr = rtnl_addr_alloc();
	struct nl_addr *l;
	int err = -NLE_NOMEM;

	memcpy(ll.s6_addr + 8, ifid, 8);
	l = v6_addr(&ll, 64);
	if (addr && l) {
		rtnl_addr_set_ifindex(addr, ifindex);
		rtnl_addr_set_local(addr, l);
		/* a point-to-point link: nobody else to detect duplicates with */
		rtnl_addr_set_flags(addr, IFA_F_NODAD);
		err = rtnl_addr_add(nc->sk, addr, NLM_F_REPLACE);
	}
	rtnl_addr_put(addr);
	nl_addr_put(l);
	if (err < 0)
		log_err(nc->lg, LOG_CLIENT, "cannot add the IPv6 link-local address: %s",
		        nl_geterror(err));
	return err < 0 ? -1 : 0;
}

int netcfg6_address(struct netcfg *nc, int ifindex, const struct in6_addr *addr,
                    uint32_t preferred_s, uint32_t valid_s)
{
	struct rtnl_addr *ra = rtnl_addr_alloc();
	struct nl_addr *a = v6_addr(addr, 128);
	int err = -NLE_NOMEM;

	if (ra && a) {
		rtnl_addr_set_ifindex(ra, ifindex);
		rtnl_addr_set_local(ra, a);
		rtnl_addr_set_flags(ra, IFA_F_NODAD); /* point-to-point */
		rtnl_addr_set_preferred_lifetime(ra, preferred_s);
		rtnl_addr_set_valid_lifetime(ra, valid_s);
		err = rtnl_addr_add(nc->sk, ra, NLM_F_REPLACE);
	}
	rtnl_addr_put(ra);
	nl_addr_put(a);
	if (err < 0)
		log_err(nc->lg, LOG_CLIENT, "cannot add the DHCPv6 address: %s", nl_geterror(err));
	return err < 0 ? -1 : 0;
}

static int write_conf(struct netcfg *nc, const char *ifname, const char *key, const char *value)
{
	char path[128];
	int fd, n;
	ssize_t w;

	n = snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/%s", ifname, key);
	if (n < 0 || (size_t)n >= sizeof(path) || strchr(ifname, '/'))
		return -1;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		log_warn(nc->lg, LOG_CLIENT, "%s: %s", path, strerror(errno));
		return -1;
	}
	w = write(fd, value, strlen(value));
	close(fd);
	if (w != (ssize_t)strlen(value)) {
		log_warn(nc->lg, LOG_CLIENT, "%s: cannot write %s", path, value);
		return -1;
	}
	return 0;
}

/* A default route the kernel took from an RA before accept_ra_defrtr was
 * off (pppd brings the interface up and sends the Router Solicitation
 * before we hear of IPV6CP): not ours to keep. */
static void drop_ra_default(struct netcfg *nc, int ifindex)
{
	static const struct in6_addr any = IN6ADDR_ANY_INIT;
	struct netcfg_rtspec ra_default = {
	    .family = AF_INET6, .dst = &any, .ifindex = ifindex, .protocol = RTPROT_RA};

	if (netcfg_route_change(nc, &ra_default, false) == 0)
		log_info(nc->lg, LOG_CLIENT, "the gateway's RA default route removed");
}

int netcfg6_accept_ra(struct netcfg *nc, const char *ifname, bool rt_info)
{
	int rc = 0;

	/* 2: even when the host forwards (ip-sysctl.rst, accept_ra) */
	rc |= write_conf(nc, ifname, "accept_ra", "2");
	rc |= write_conf(nc, ifname, "accept_ra_defrtr", "0");
	rc |= write_conf(nc, ifname, "accept_ra_pinfo", "1");
	rc |= write_conf(nc, ifname, "autoconf", "1");
	/* RFC 4191 routes: older kernels may lack the key; not fatal */
	write_conf(nc, ifname, "accept_ra_rt_info_max_plen", rt_info ? "128" : "0");
	if (if_nametoindex(ifname))
		drop_ra_default(nc, (int)if_nametoindex(ifname));
	return rc ? -1 : 0;
}

struct netcfg_rtspec netcfg_spec6(const struct netcfg_route6 *r)
{
	return (struct netcfg_rtspec){.family = AF_INET6,
	                              .dst = &r->dst,
	                              .prefix = r->prefix,
	                              .ifindex = r->prohibit ? 0 : r->ifindex,
	                              .gw = IN6_IS_ADDR_UNSPECIFIED(&r->gw) ? NULL : &r->gw,
	                              .prohibit = r->prohibit,
	                              .metric = r->metric};
}

static int add_recorded6(struct netcfg *nc, struct netcfg_route6 *r)
{
	struct netcfg_rtspec spec;
	int rc;

	if (nc->n_added6 == NETCFG_MAX_ROUTES) {
		log_err(nc->lg, LOG_CLIENT, "too many IPv6 routes (at most %d)", NETCFG_MAX_ROUTES);
		return -1;
	}
	r->metric = nc->metric + (r->prohibit ? NETCFG_PROHIBIT_METRIC_OFFSET : 0);
	spec = netcfg_spec6(r);
	rc = netcfg_route_add_logged(nc, &spec);
	if (rc == 0)
		nc->added6[nc->n_added6++] = *r;
	return rc < 0 ? -1 : 0;
}

static void route6_remove(struct netcfg *nc, const struct netcfg_route6 *r, bool quiet)
{
	struct netcfg_rtspec spec = netcfg_spec6(r);
	int err = netcfg_route_change(nc, &spec, false);

	/* Routes through a vanished interface vanish with it. */
	if (!quiet && err < 0 && err != -NLE_OBJ_NOTFOUND && err != -NLE_NODEV)
		log_warn(nc->lg, LOG_CLIENT, "cannot remove IPv6 route: %s", nl_geterror(err));
}

int netcfg6_route_via(struct netcfg *nc, const struct in6_addr *dst, uint8_t prefix, int ifindex)
{
	struct netcfg_route6 r = {.dst = *dst, .prefix = prefix, .ifindex = ifindex};

	return add_recorded6(nc, &r);
}

int netcfg6_pin_gateway(struct netcfg *nc, const struct in6_addr *gateway, int tunnel_ifindex)
{
	struct nl_addr *dst = v6_addr(gateway, 128);
	struct netcfg_route6 r = {.dst = *gateway, .prefix = 128};
	int err;

	if (!dst)
		return -1;
	for (size_t i = 0; i < nc->n_added6; i++) {
		if (nc->added6[i].prefix == 128 && !nc->added6[i].prohibit &&
		    IN6_ARE_ADDR_EQUAL(&nc->added6[i].dst, gateway)) {
			nl_addr_put(dst);
			return 0; /* pinned already (before IKE started) */
		}
	}
	err = netcfg_route_path(nc, dst, &r.ifindex, &r.gw, sizeof(r.gw));
	nl_addr_put(dst);
	if (err < 0)
		return -1;
	if (r.ifindex == tunnel_ifindex || r.ifindex == 1 /* lo: local gateway */)
		return 0;
	return add_recorded6(nc, &r);
}

/* ::/1 and 8000::/1 */
static const struct in6_addr half_low = IN6ADDR_ANY_INIT, half_high = {.s6_addr = {0x80}};

int netcfg6_prohibit_default(struct netcfg *nc)
{
	struct netcfg_route6 low = {.dst = half_low, .prefix = 1, .prohibit = true};
	struct netcfg_route6 high = {.dst = half_high, .prefix = 1, .prohibit = true};

	return add_recorded6(nc, &low) < 0 || add_recorded6(nc, &high) < 0 ? -1 : 0;
}

void netcfg6_allow_default(struct netcfg *nc)
{
	for (size_t i = nc->n_added6; i-- > 0;) {
		if (!nc->added6[i].prohibit)
			continue;
		route6_remove(nc, &nc->added6[i], true);
		memmove(&nc->added6[i], &nc->added6[i + 1],
		        (nc->n_added6 - i - 1) * sizeof(nc->added6[0]));
		nc->n_added6--;
	}
}

int netcfg6_default_via(struct netcfg *nc, int ifindex)
{
	netcfg6_allow_default(nc);
	if (netcfg6_route_via(nc, &half_low, 1, ifindex) < 0)
		return -1;
	return netcfg6_route_via(nc, &half_high, 1, ifindex);
}

void netcfg6_undo(struct netcfg *nc)
{
	while (nc->n_added6 > 0) {
		nc->n_added6--;
		route6_remove(nc, &nc->added6[nc->n_added6], false);
	}
}

static unsigned prefix_of(const struct sockaddr_in6 *mask)
{
	unsigned bits = 0;

	for (size_t i = 0; i < 16; i++)
		bits += (unsigned)__builtin_popcount(mask->sin6_addr.s6_addr[i]);
	return bits;
}

int netcfg6_link_local_ifid(const char *ifname, uint8_t ifid[8])
{
	struct ifaddrs *all, *ifa;
	int rc = -1;

	if (getifaddrs(&all) < 0)
		return -1;
	for (ifa = all; ifa && rc < 0; ifa = ifa->ifa_next) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ifa->ifa_addr;

		if (a && a->sin6_family == AF_INET6 && strcmp(ifa->ifa_name, ifname) == 0 &&
		    IN6_IS_ADDR_LINKLOCAL(&a->sin6_addr)) {
			memcpy(ifid, a->sin6_addr.s6_addr + 8, 8);
			rc = 0;
		}
	}
	freeifaddrs(all);
	return rc;
}

size_t netcfg6_addresses(const char *ifname, char out[][INET6_ADDRSTRLEN + 4], size_t max)
{
	struct ifaddrs *all, *ifa;
	size_t n = 0;

	if (getifaddrs(&all) < 0)
		return 0;
	/* two passes: global (and unique local) first, then link-local */
	for (int pass = 0; pass < 2; pass++) {
		for (ifa = all; ifa && n < max; ifa = ifa->ifa_next) {
			const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ifa->ifa_addr;
			char text[INET6_ADDRSTRLEN];

			if (!a || a->sin6_family != AF_INET6 ||
			    strcmp(ifa->ifa_name, ifname) != 0 ||
			    IN6_IS_ADDR_LINKLOCAL(&a->sin6_addr) != (pass == 1))
				continue;
			inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof(text));
			snprintf(out[n++], INET6_ADDRSTRLEN + 4, "%s/%u", text,
			         ifa->ifa_netmask
			             ? prefix_of((const struct sockaddr_in6 *)ifa->ifa_netmask)
			             : 128);
		}
	}
	freeifaddrs(all);
	return n;
}
