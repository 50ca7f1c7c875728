#include "sys/netcfg.h"
#include "sys/netcfg_route.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int netcfg_open(struct netcfg *nc, struct logger *lg)
{
	memset(nc, 0, sizeof(*nc));
	nc->lg = lg;
	nc->metric = NETCFG_METRIC_BASE + (uint32_t)getpid();
	nc->sk = nl_socket_alloc();
	if (!nc->sk)
		return -1;
	if (nl_connect(nc->sk, NETLINK_ROUTE) < 0) {
		nl_socket_free(nc->sk);
		nc->sk = NULL;
		return -1;
	}
	return 0;
}

void netcfg_close(struct netcfg *nc)
{
	if (nc->sk)
		nl_socket_free(nc->sk);
	nc->sk = NULL;
}

int netcfg_ifindex(const char *ifname)
{
	unsigned idx = if_nametoindex(ifname);

	return idx ? (int)idx : -1;
}

static struct nl_addr *v4_addr(struct in_addr a, uint8_t prefix)
{
	struct nl_addr *na = nl_addr_build(AF_INET, &a, sizeof(a));

	if (na)
		nl_addr_set_prefixlen(na, prefix);
	return na;
}

static int set_link(struct netcfg *nc, int ifindex, unsigned mtu)
{
	struct rtnl_link *orig = rtnl_link_alloc(), *change = rtnl_link_alloc();
	int err = -NLE_NOMEM;

	if (orig && change) {
		rtnl_link_set_ifindex(orig, ifindex);
		if (mtu)
			rtnl_link_set_mtu(change, mtu);
		rtnl_link_set_flags(change, IFF_UP);
		err = rtnl_link_change(nc->sk, orig, change, 0);
	}
	rtnl_link_put(orig);
	rtnl_link_put(change);
	return err;
}

int netcfg_link_setup(struct netcfg *nc, int ifindex, unsigned mtu, struct in_addr local,
                      struct in_addr peer)
{
	struct rtnl_addr *addr = rtnl_addr_alloc();
	struct nl_addr *l = v4_addr(local, 32), *p = v4_addr(peer, 32);
	int err = -NLE_NOMEM;

	if (addr && l && p) {
		rtnl_addr_set_ifindex(addr, ifindex);
		rtnl_addr_set_local(addr, l);
		rtnl_addr_set_peer(addr, p);
		err = rtnl_addr_add(nc->sk, addr, NLM_F_REPLACE);
	}
	rtnl_addr_put(addr);
	nl_addr_put(l);
	nl_addr_put(p);
	if (err == 0)
		err = set_link(nc, ifindex, mtu);
	if (err < 0)
		log_err(nc->lg, LOG_CLIENT, "cannot configure interface %d: %s", ifindex,
		        nl_geterror(err));
	return err < 0 ? -1 : 0;
}

static struct nl_addr *family_addr(int family, const void *a, uint8_t prefix)
{
	size_t len = family == AF_INET ? sizeof(struct in_addr) : sizeof(struct in6_addr);
	struct nl_addr *na = nl_addr_build(family, a, len);

	if (na)
		nl_addr_set_prefixlen(na, prefix);
	return na;
}

int netcfg_route_change(struct netcfg *nc, const struct netcfg_rtspec *r, bool add)
{
	struct rtnl_route *route = rtnl_route_alloc();
	struct rtnl_nexthop *nh = r->ifindex ? rtnl_route_nh_alloc() : NULL;
	struct nl_addr *dst = family_addr(r->family, r->dst, r->prefix);
	struct nl_addr *gw =
	    r->gw ? family_addr(r->family, r->gw, r->family == AF_INET ? 32 : 128) : NULL;
	int err = -NLE_NOMEM;

	if (route && (nh || !r->ifindex) && dst && (gw || !r->gw)) {
		rtnl_route_set_family(route, (uint8_t)r->family);
		rtnl_route_set_table(route, RT_TABLE_MAIN);
		rtnl_route_set_protocol(route, r->protocol ? r->protocol : NETCFG_RTPROT);
		/* IPv4 routes straight onto a link are scope link; IPv6 has
		 * no route scopes (everything is universe) */
		rtnl_route_set_scope(route, r->family == AF_INET && !gw && !r->prohibit
		                                ? RT_SCOPE_LINK
		                                : RT_SCOPE_UNIVERSE);
		rtnl_route_set_type(route, r->prohibit ? RTN_PROHIBIT : RTN_UNICAST);
		if (r->metric)
			rtnl_route_set_priority(route, r->metric);
		rtnl_route_set_dst(route, dst);
		if (nh) {
			rtnl_route_nh_set_ifindex(nh, r->ifindex);
			if (gw)
				rtnl_route_nh_set_gateway(nh, gw);
			rtnl_route_add_nexthop(route, nh);
			nh = NULL; /* owned by route now */
		}
		err = add ? rtnl_route_add(nc->sk, route, NLM_F_EXCL)
		          : rtnl_route_delete(nc->sk, route, 0);
	}
	if (nh)
		rtnl_route_nh_free(nh);
	rtnl_route_put(route);
	nl_addr_put(dst);
	nl_addr_put(gw);
	return err;
}

int netcfg_route_add_logged(struct netcfg *nc, const struct netcfg_rtspec *r)
{
	char text[INET6_ADDRSTRLEN];
	const char *what = r->prohibit ? "prohibit route" : "route";
	int err;

	inet_ntop(r->family, r->dst, text, sizeof(text));
	err = netcfg_route_change(nc, r, true);
	if (err == -NLE_EXIST) {
		/* Someone else's route; leave it alone and don't undo it. */
		log_warn(nc->lg, LOG_CLIENT, "%s %s/%u already exists, not replaced", what, text,
		         r->prefix);
		return 1;
	}
	if (err < 0) {
		log_err(nc->lg, LOG_CLIENT, "cannot add %s %s/%u: %s", what, text, r->prefix,
		        nl_geterror(err));
		return -1;
	}
	log_info(nc->lg, LOG_CLIENT, "%s %s/%u added", what, text, r->prefix);
	return 0;
}

struct netcfg_rtspec netcfg_spec4(const struct netcfg_route *r)
{
	return (struct netcfg_rtspec){.family = AF_INET,
	                              .dst = &r->dst,
	                              .prefix = r->prefix,
	                              .gw = r->gw.s_addr ? &r->gw : NULL,
	                              .ifindex = r->ifindex,
	                              .metric = r->metric};
}

static int add_recorded(struct netcfg *nc, struct netcfg_route *r)
{
	struct netcfg_rtspec spec;
	int rc;

	if (nc->n_added == NETCFG_MAX_ROUTES) {
		log_err(nc->lg, LOG_CLIENT, "too many routes (at most %d)", NETCFG_MAX_ROUTES);
		return -1;
	}
	r->metric = nc->metric;
	spec = netcfg_spec4(r);
	rc = netcfg_route_add_logged(nc, &spec);
	if (rc == 0)
		nc->added[nc->n_added++] = *r;
	return rc < 0 ? -1 : 0;
}

int netcfg_route_via(struct netcfg *nc, struct in_addr dst, uint8_t prefix, int ifindex)
{
	struct netcfg_route r = {.dst = dst, .prefix = prefix, .ifindex = ifindex};

	return add_recorded(nc, &r);
}

int netcfg_default_via(struct netcfg *nc, int ifindex)
{
	struct in_addr low = {htonl(0x00000000)}, high = {htonl(0x80000000)};

	if (netcfg_route_via(nc, low, 1, ifindex) < 0)
		return -1;
	return netcfg_route_via(nc, high, 1, ifindex);
}

/* The path the host takes to dst now: the interface of the best route's
 * first next hop and its gateway (gw_len bytes, dst's family), if it has
 * one. Prohibit and unreachable routes (the leak block's among them) are no
 * path. 0, or -1 logged. */
int netcfg_route_path(struct netcfg *nc, struct nl_addr *dst, int *ifindex, void *gw, size_t gw_len)
{
	struct rtnl_route *found = NULL;
	struct rtnl_nexthop *nh;
	struct nl_addr *via;
	int err = rtnl_route_lookup(nc->sk, dst, &found);

	if (err < 0 || !found ||
	    (rtnl_route_get_type(found) != RTN_UNICAST &&
	     rtnl_route_get_type(found) != RTN_LOCAL) ||
	    rtnl_route_get_nnexthops(found) < 1) {
		log_err(nc->lg, LOG_CLIENT, "no %sroute to the gateway: %s",
		        nl_addr_get_family(dst) == AF_INET6 ? "IPv6 " : "",
		        err < 0 ? nl_geterror(err) : "no next hop");
		if (found)
			rtnl_route_put(found);
		return -1;
	}
	nh = rtnl_route_nexthop_n(found, 0);
	*ifindex = rtnl_route_nh_get_ifindex(nh);
	via = rtnl_route_nh_get_gateway(nh);
	if (via && nl_addr_get_family(via) == nl_addr_get_family(dst) &&
	    nl_addr_get_len(via) == gw_len)
		memcpy(gw, nl_addr_get_binary_addr(via), gw_len);
	rtnl_route_put(found);
	return 0;
}

int netcfg_pin_gateway(struct netcfg *nc, struct in_addr gateway, int tunnel_ifindex)
{
	struct nl_addr *dst = v4_addr(gateway, 32);
	struct netcfg_route r = {.dst = gateway, .prefix = 32};
	int err;

	if (!dst)
		return -1;
	for (size_t i = 0; i < nc->n_added; i++) {
		if (nc->added[i].prefix == 32 && nc->added[i].dst.s_addr == gateway.s_addr) {
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
	return add_recorded(nc, &r);
}

int netcfg_repin_gateway(struct netcfg *nc, struct in_addr gateway, int ifindex, struct in_addr via)
{
	struct netcfg_route r = {.dst = gateway, .prefix = 32, .gw = via, .ifindex = ifindex};

	if (ifindex == 1)
		return 0; /* the gateway is this host (lo): nothing to pin */
	for (size_t i = 0; i < nc->n_added; i++) {
		struct netcfg_route *old = &nc->added[i];

		if (old->prefix != 32 || old->dst.s_addr != gateway.s_addr)
			continue;
		/* Even the same path is added again: the kernel drops routes
		 * whose source address went away, without telling us. */
		struct netcfg_rtspec spec = netcfg_spec4(old);

		netcfg_route_change(nc, &spec, false); /* may be gone already */
		nc->added[i] = nc->added[--nc->n_added];
		break;
	}
	return add_recorded(nc, &r);
}

void netcfg_undo(struct netcfg *nc)
{
	netcfg6_undo(nc);
	while (nc->n_added > 0) {
		struct netcfg_rtspec spec = netcfg_spec4(&nc->added[--nc->n_added]);
		int err = netcfg_route_change(nc, &spec, false);

		/* Routes through a vanished interface vanish with it. */
		if (err < 0 && err != -NLE_OBJ_NOTFOUND && err != -NLE_NODEV)
			log_warn(nc->lg, LOG_CLIENT, "cannot remove route: %s", nl_geterror(err));
	}
}
