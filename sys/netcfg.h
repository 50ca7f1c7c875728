/*
 * Addresses and routes for the tunnel interface, through rtnetlink (libnl).
 *
 * Everything added is recorded, so netcfg_undo() removes exactly what we
 * added and nothing else; the record can be saved to a file so that the next
 * start after a crash can undo it too (netcfg_undo_file()).
 */
#ifndef L2TPSEC_CLIENT_NETCFG_H
#define L2TPSEC_CLIENT_NETCFG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/log.h"

/* Our routes carry this rtnetlink protocol number ("proto 157" in ip route),
 * which tells them apart from everyone else's. */
#define NETCFG_RTPROT 157
#define NETCFG_MAX_ROUTES 64
/* Each connection's routes carry a metric of their own (its process id plus
 * a base), so that two connections' 0/1 + 128/1, ::/1 + 8000::/1 or
 * prohibit routes stand side by side instead of the second one's failing
 * with EEXIST, and each connection removes only its own. Prohibit routes
 * rank below every connection's routes through a tunnel. */
#define NETCFG_METRIC_BASE 0x1000u
#define NETCFG_PROHIBIT_METRIC_OFFSET 0x40000000u

struct netcfg_route {
	struct in_addr dst;
	uint8_t prefix;
	struct in_addr gw; /* 0.0.0.0: directly on the interface */
	int ifindex;
	uint32_t metric; /* 0: any (a crash record written before metrics) */
};

/* An IPv6 route through the tunnel interface, or a prohibit route that
 * refuses IPv6 (sys/netcfg6.c). */
struct netcfg_route6 {
	struct in6_addr dst;
	uint8_t prefix;
	int ifindex; /* 0 for prohibit */
	bool prohibit;
	struct in6_addr gw; /* next hop (the gateway's pin); :: for on-link */
	uint32_t metric;    /* as in struct netcfg_route */
};

struct netcfg {
	struct nl_sock *sk;
	struct logger *lg;
	uint32_t metric; /* this connection's (netcfg_open: from the pid) */
	struct netcfg_route added[NETCFG_MAX_ROUTES];
	size_t n_added;
	struct netcfg_route6 added6[NETCFG_MAX_ROUTES];
	size_t n_added6;
};

int netcfg_open(struct netcfg *nc, struct logger *lg);
void netcfg_close(struct netcfg *nc);

int netcfg_ifindex(const char *ifname);
/* Point-to-point address local -> peer, MTU, and the link up. */
int netcfg_link_setup(struct netcfg *nc, int ifindex, unsigned mtu, struct in_addr local,
		      struct in_addr peer);
/* Keep the gateway reachable outside the tunnel: a /32 to it over the path
 * it has now. Does nothing when that path is already our tunnel. */
int netcfg_pin_gateway(struct netcfg *nc, struct in_addr gateway, int tunnel_ifindex);
/* Roaming: point the gateway's /32 at a new path (ifindex, next hop or
 * 0.0.0.0 for on-link), replacing the pin added before, if any. */
int netcfg_repin_gateway(struct netcfg *nc, struct in_addr gateway, int ifindex,
			 struct in_addr via);
/* dst/prefix through the tunnel interface. */
int netcfg_route_via(struct netcfg *nc, struct in_addr dst, uint8_t prefix, int ifindex);
/* Everything through the tunnel without replacing the existing default
 * route: 0.0.0.0/1 and 128.0.0.0/1 are more specific than it. */
int netcfg_default_via(struct netcfg *nc, int ifindex);

/* ---- IPv6 inside the tunnel (sys/netcfg6.c) ---- */

/* The link-local address IPV6CP negotiated (RFC 5072 §5: fe80::<ifid>/64)
 * on a TUN device; pppd sets its own on ppp interfaces. */
int netcfg6_link_local(struct netcfg *nc, int ifindex, const uint8_t ifid[8]);
/* An address the gateway assigned by DHCPv6 (IA_NA): addr/128 with its
 * lifetimes (RFC 8415 §18.2.10.1: no prefix length comes with it; on-link
 * prefixes are the RA's job). It goes with the interface. */
int netcfg6_address(struct netcfg *nc, int ifindex, const struct in6_addr *addr,
                    uint32_t preferred_s, uint32_t valid_s);
/* Let the kernel take the gateway's router advertisements on ifname
 * (RFC 4861/4862: prefixes -> SLAAC address, on-link routes), even on a
 * forwarding host, but never its default route: routes through the
 * tunnel are ours to set (netcfg6_default_via). rt_info: also RFC 4191
 * route information options. */
int netcfg6_accept_ra(struct netcfg *nc, const char *ifname, bool rt_info);
/* dst/prefix through the tunnel interface. */
int netcfg6_route_via(struct netcfg *nc, const struct in6_addr *dst, uint8_t prefix, int ifindex);
/* ::/1 and 8000::/1, more specific than any default route. */
int netcfg6_default_via(struct netcfg *nc, int ifindex);
/* The same as netcfg_pin_gateway for a gateway reached over IPv6 (issue
 * 17): a /128 to it over the path it has now, more specific than the
 * tunnel's ::/1 + 8000::/1 and the leak block's prohibit routes. */
int netcfg6_pin_gateway(struct netcfg *nc, const struct in6_addr *gateway, int tunnel_ifindex);
/* No IPv6 leak around a full tunnel that carries none: prohibit routes
 * for ::/1 and 8000::/1, more specific than any default route, so IPv6
 * beyond the local link fails at once (EACCES, Happy Eyeballs falls back to
 * IPv4) while on-link and link-local destinations stay reachable, as the
 * LAN does over IPv4 with the 0/1 + 128/1 routes. */
int netcfg6_prohibit_default(struct netcfg *nc);
/* Remove the prohibit routes again (the tunnel carries IPv6 now). */
void netcfg6_allow_default(struct netcfg *nc);
void netcfg6_undo(struct netcfg *nc);
/* The interface identifier of ifname's link-local address (pppd sets it
 * when IPV6CP opens): 0, or -1 when it has none. */
int netcfg6_link_local_ifid(const char *ifname, uint8_t ifid[8]);
/* The interface's IPv6 addresses, "ADDR/PREFIX", link-local ones last;
 * how many were written (at most max). */
size_t netcfg6_addresses(const char *ifname, char out[][INET6_ADDRSTRLEN + 4], size_t max);

/* Remove every route we added, newest first. */
void netcfg_undo(struct netcfg *nc);

/* One line per added route ("route A.B.C.D/N GW IFINDEX", "route6 X::/N
 * IFINDEX [via GW]", "route6 X::/N prohibit"), for crash undo. */
int netcfg_save(const struct netcfg *nc, const char *path);
/* Delete the routes a previous run saved in path (if it exists), then path. */
int netcfg_undo_file(struct netcfg *nc, const char *path);

/* "10.1.0.0/16" -> dst, prefix; host bits must be zero. */
int netcfg_parse_cidr(const char *s, struct in_addr *dst, uint8_t *prefix);

#endif
