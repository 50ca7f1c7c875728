#include "sys/netwatch.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <stdio.h>
#include <string.h>

#include "sys/netcfg.h"

#define MON_RCVBUF (1u << 20) /* a burst of route changes must not overflow */

/* The kernel's view at one moment: every IPv4 route, link and address. */
struct snapshot {
	struct nl_cache *routes, *links, *addrs;
};

static void snapshot_free(struct snapshot *s)
{
	if (s->routes)
		nl_cache_free(s->routes);
	if (s->links)
		nl_cache_free(s->links);
	if (s->addrs)
		nl_cache_free(s->addrs);
	memset(s, 0, sizeof(*s));
}

static int snapshot_take(struct netwatch *nw, struct snapshot *s)
{
	int err;

	memset(s, 0, sizeof(*s));
	err = rtnl_route_alloc_cache(nw->query, AF_INET, 0, &s->routes);
	if (err == 0)
		err = rtnl_link_alloc_cache(nw->query, AF_UNSPEC, &s->links);
	if (err == 0)
		err = rtnl_addr_alloc_cache(nw->query, &s->addrs);
	if (err < 0) {
		log_warn(nw->lg, LOG_CLIENT, "network watch: cannot read routes: %s",
		         nl_geterror(err));
		snapshot_free(s);
		return -1;
	}
	return 0;
}

static bool v4(const struct nl_addr *a, struct in_addr *out)
{
	if (!a || nl_addr_get_family(a) != AF_INET || nl_addr_get_len(a) != sizeof(*out))
		return false;
	memcpy(out, nl_addr_get_binary_addr(a), sizeof(*out));
	return true;
}

static bool prefix_contains(struct in_addr net, unsigned prefix, struct in_addr a)
{
	uint32_t mask = prefix == 0 ? 0 : prefix >= 32 ? 0xffffffffu : ~(0xffffffffu >> prefix);

	return (ntohl(net.s_addr) & mask) == (ntohl(a.s_addr) & mask);
}

/* Whether r could carry traffic to the gateway in the main table, leaving
 * out our own routes (pinned /32, tunnel routes) and the tunnel interface:
 * what the path would be without us, which is what roaming changes. */
static bool route_candidate(const struct netwatch *nw, struct rtnl_route *r, int *prefix)
{
	struct nl_addr *dst = rtnl_route_get_dst(r);
	struct rtnl_nexthop *nh;
	struct in_addr net = {0};

	if (rtnl_route_get_family(r) != AF_INET || rtnl_route_get_table(r) != RT_TABLE_MAIN ||
	    rtnl_route_get_type(r) != RTN_UNICAST || rtnl_route_get_protocol(r) == NETCFG_RTPROT ||
	    rtnl_route_get_nnexthops(r) < 1)
		return false;
	nh = rtnl_route_nexthop_n(r, 0);
	if (nw->ignore_ifindex && rtnl_route_nh_get_ifindex(nh) == nw->ignore_ifindex)
		return false;
	*prefix = dst ? (int)nl_addr_get_prefixlen(dst) : 0;
	if (*prefix > 0 && !v4(dst, &net))
		return false;
	return prefix_contains(net, (unsigned)*prefix, nw->gateway);
}

/* Longest prefix first, then the lowest metric, as the kernel decides. */
static struct rtnl_route *best_route(const struct netwatch *nw, const struct snapshot *s)
{
	struct rtnl_route *best = NULL;
	int best_prefix = -1;

	for (struct nl_object *o = nl_cache_get_first(s->routes); o; o = nl_cache_get_next(o)) {
		struct rtnl_route *r = (struct rtnl_route *)o;
		int prefix;

		if (!route_candidate(nw, r, &prefix))
			continue;
		if (prefix > best_prefix ||
		    (prefix == best_prefix &&
		     rtnl_route_get_priority(r) < rtnl_route_get_priority(best))) {
			best = r;
			best_prefix = prefix;
		}
	}
	return best;
}

static bool link_up(const struct snapshot *s, int ifindex)
{
	struct rtnl_link *l = rtnl_link_get(s->links, ifindex);
	unsigned flags;

	if (!l)
		return false;
	flags = rtnl_link_get_flags(l);
	rtnl_link_put(l);
	return (flags & IFF_UP) && (flags & IFF_RUNNING);
}

/* The kernel prefers an address of the interface in the next hop's subnet,
 * else its first one (inet_select_addr()). */
static struct in_addr pick_source(const struct snapshot *s, int ifindex, struct in_addr toward)
{
	struct in_addr first = {0};

	for (struct nl_object *o = nl_cache_get_first(s->addrs); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		struct in_addr local;

		if (rtnl_addr_get_ifindex(a) != ifindex || rtnl_addr_get_family(a) != AF_INET ||
		    rtnl_addr_get_scope(a) >= RT_SCOPE_LINK || !v4(rtnl_addr_get_local(a), &local))
			continue;
		if (prefix_contains(local, (unsigned)rtnl_addr_get_prefixlen(a), toward))
			return local;
		if (!first.s_addr)
			first = local;
	}
	return first;
}

static bool addr_present(const struct snapshot *s, struct in_addr want)
{
	for (struct nl_object *o = nl_cache_get_first(s->addrs); o; o = nl_cache_get_next(o)) {
		struct in_addr local;

		if (v4(rtnl_addr_get_local((struct rtnl_addr *)o), &local) &&
		    local.s_addr == want.s_addr)
			return true;
	}
	return false;
}

static void path_find(const struct netwatch *nw, const struct snapshot *s, struct netwatch_path *p)
{
	struct rtnl_route *r = best_route(nw, s);
	struct rtnl_nexthop *nh;

	memset(p, 0, sizeof(*p));
	if (!r)
		return;
	nh = rtnl_route_nexthop_n(r, 0);
	p->valid = true;
	p->ifindex = rtnl_route_nh_get_ifindex(nh);
	v4(rtnl_route_nh_get_gateway(nh), &p->via);
	if (!v4(rtnl_route_get_pref_src(r), &p->src))
		p->src = pick_source(s, p->ifindex, p->via.s_addr ? p->via : nw->gateway);
	p->up = link_up(s, p->ifindex);
}

static bool path_equal(const struct netwatch_path *a, const struct netwatch_path *b)
{
	if (a->valid != b->valid)
		return false;
	return !a->valid || (a->up == b->up && a->ifindex == b->ifindex &&
	                     a->via.s_addr == b->via.s_addr && a->src.s_addr == b->src.s_addr);
}

static const char *ifname(int ifindex, char buf[IF_NAMESIZE])
{
	if (!if_indextoname((unsigned)ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "#%d", ifindex);
	return buf;
}

/* The most telling reason first: a dead link explains a lost address and a
 * lost route, and a lost address explains a changed source. */
static void describe(const struct snapshot *s, const struct netwatch_path *old,
                     const struct netwatch_path *now, char *why, size_t whysz)
{
	char name[IF_NAMESIZE], via[INET_ADDRSTRLEN], src[INET_ADDRSTRLEN];

	if (old->valid && old->up && !link_up(s, old->ifindex)) {
		snprintf(why, whysz, "interface %s went down", ifname(old->ifindex, name));
	} else if (old->valid && old->src.s_addr && !addr_present(s, old->src)) {
		inet_ntop(AF_INET, &old->src, src, sizeof(src));
		snprintf(why, whysz, "local address %s vanished", src);
	} else if (!now->valid) {
		snprintf(why, whysz, "no route to the gateway");
	} else {
		inet_ntop(AF_INET, &now->via, via, sizeof(via));
		inet_ntop(AF_INET, &now->src, src, sizeof(src));
		snprintf(why, whysz, "path to the gateway changed: dev %s%s via %s src %s",
		         ifname(now->ifindex, name), now->up ? "" : " (down)",
		         now->via.s_addr ? via : "link", src);
	}
}

int netwatch_lookup(struct netwatch *nw, struct netwatch_path *path)
{
	struct snapshot s;

	if (snapshot_take(nw, &s) < 0)
		return -1;
	path_find(nw, &s, path);
	snapshot_free(&s);
	return 0;
}

static void check_path(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct netwatch *nw = ctx;
	struct netwatch_path now, old = nw->last;
	struct snapshot s;
	char why[160];

	(void)loop;
	(void)t;
	if (snapshot_take(nw, &s) < 0)
		return;
	path_find(nw, &s, &now);
	if (path_equal(&old, &now)) {
		snapshot_free(&s);
		return;
	}
	describe(&s, &old, &now, why, sizeof(why));
	snapshot_free(&s);
	nw->last = now;
	log_info(nw->lg, LOG_CLIENT, "network watch: %s", why);
	/* Last: the callback may stop (and free) us. */
	nw->cb->path_changed(nw->ctx, why);
}

/* Trailing debounce: every event pushes the check back, but a burst is
 * checked at most NETWATCH_DEBOUNCE_MAX_MS after it began. */
static void schedule_check(struct netwatch *nw)
{
	uint64_t now = loop_now_ms(nw->loop), end, delay = NETWATCH_DEBOUNCE_MS;

	if (!loop_timer_pending(&nw->debounce))
		nw->burst_start_ms = now;
	end = nw->burst_start_ms + NETWATCH_DEBOUNCE_MAX_MS;
	if (now >= end)
		return; /* due soon anyway */
	if (end - now < delay)
		delay = end - now;
	loop_timer_start(nw->loop, &nw->debounce, delay);
}

static bool route_msg_relevant(const struct netwatch *nw, struct nlmsghdr *h)
{
	const struct rtmsg *rtm = nlmsg_data(h);
	struct nlattr *oif;

	if (!nlmsg_valid_hdr(h, sizeof(*rtm)) || rtm->rtm_family != AF_INET ||
	    rtm->rtm_protocol == NETCFG_RTPROT || rtm->rtm_table != RT_TABLE_MAIN)
		return false;
	oif = nlmsg_find_attr(h, sizeof(*rtm), RTA_OIF);
	return !(oif && nw->ignore_ifindex && (int)nla_get_u32(oif) == nw->ignore_ifindex);
}

static bool msg_relevant(const struct netwatch *nw, struct nlmsghdr *h)
{
	switch (h->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK: {
		const struct ifinfomsg *ifi = nlmsg_data(h);

		return nlmsg_valid_hdr(h, sizeof(*ifi)) && ifi->ifi_index != nw->ignore_ifindex;
	}
	case RTM_NEWADDR:
	case RTM_DELADDR: {
		const struct ifaddrmsg *ifa = nlmsg_data(h);

		return nlmsg_valid_hdr(h, sizeof(*ifa)) && ifa->ifa_family == AF_INET &&
		       (int)ifa->ifa_index != nw->ignore_ifindex;
	}
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		return route_msg_relevant(nw, h);
	default:
		return false;
	}
}

static int on_message(struct nl_msg *msg, void *arg)
{
	struct netwatch *nw = arg;

	if (msg_relevant(nw, nlmsg_hdr(msg)))
		schedule_check(nw);
	return NL_OK;
}

static void on_readable(struct loop *loop, int fd, unsigned events, void *ctx)
{
	struct netwatch *nw = ctx;

	(void)loop;
	(void)fd;
	(void)events;
	/* A bounded batch keeps the loop fair; the fd stays readable. */
	for (int i = 0; i < 32; i++) {
		int err = nl_recvmsgs_default(nw->mon);

		if (err == -NLE_AGAIN)
			return;
		if (err < 0) {
			/* Lost events (ENOBUFS and the like): look anyway. */
			log_debug(nw->lg, LOG_CLIENT, "network watch: %s", nl_geterror(err));
			schedule_check(nw);
			return;
		}
	}
}

static int open_monitor(struct netwatch *nw)
{
	int err;

	nw->mon = nl_socket_alloc();
	nw->query = nl_socket_alloc();
	if (!nw->mon || !nw->query)
		return -NLE_NOMEM;
	/* Multicast notifications carry no sequence numbers of ours. */
	nl_socket_disable_seq_check(nw->mon);
	nl_socket_modify_cb(nw->mon, NL_CB_VALID, NL_CB_CUSTOM, on_message, nw);
	err = nl_connect(nw->mon, NETLINK_ROUTE);
	if (err == 0)
		err = nl_connect(nw->query, NETLINK_ROUTE);
	if (err == 0)
		err = nl_socket_add_memberships(nw->mon, RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR,
		                                RTNLGRP_IPV4_ROUTE, 0);
	if (err == 0)
		err = nl_socket_set_nonblocking(nw->mon);
	if (err == 0)
		err = nl_socket_set_buffer_size(nw->mon, MON_RCVBUF, 0);
	return err;
}

int netwatch_start(struct netwatch *nw, struct loop *loop, struct logger *lg,
                   struct in_addr gateway, const struct netwatch_callbacks *cb, void *ctx)
{
	int err;

	memset(nw, 0, sizeof(*nw));
	nw->loop = loop;
	nw->lg = lg;
	nw->gateway = gateway;
	nw->cb = cb;
	nw->ctx = ctx;
	loop_timer_init(&nw->debounce, check_path, nw);
	err = open_monitor(nw);
	/* Subscribed before the first lookup, so no change falls in between. */
	if (err == 0 && netwatch_lookup(nw, &nw->last) < 0)
		err = -NLE_FAILURE;
	if (err == 0 &&
	    loop_add_fd(loop, nl_socket_get_fd(nw->mon), LOOP_READ, on_readable, nw) < 0)
		err = -NLE_FAILURE;
	if (err < 0) {
		log_err(lg, LOG_CLIENT, "network watch: cannot start: %s", nl_geterror(err));
		netwatch_stop(nw);
		return -1;
	}
	nw->running = true;
	return 0;
}

void netwatch_set_tunnel_ifindex(struct netwatch *nw, int ifindex)
{
	nw->ignore_ifindex = ifindex > 0 ? ifindex : 0;
}

void netwatch_stop(struct netwatch *nw)
{
	if (nw->loop)
		loop_timer_stop(nw->loop, &nw->debounce);
	if (nw->running)
		loop_del_fd(nw->loop, nl_socket_get_fd(nw->mon));
	if (nw->mon)
		nl_socket_free(nw->mon);
	if (nw->query)
		nl_socket_free(nw->query);
	nw->mon = nw->query = NULL;
	nw->running = false;
}
