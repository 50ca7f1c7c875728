/*
 * The one rtnetlink route builder behind sys/netcfg.c and sys/netcfg6.c:
 * either family, unicast through an interface (with or without a next hop)
 * or prohibit. Internal to sys/netcfg*.c.
 */
#ifndef L2TPSEC_SYS_NETCFG_ROUTE_H
#define L2TPSEC_SYS_NETCFG_ROUTE_H

#include "sys/netcfg.h"

struct netcfg_rtspec {
	int family;      /* AF_INET or AF_INET6 */
	const void *dst; /* struct in_addr or struct in6_addr */
	uint8_t prefix;
	const void *gw; /* next hop of the same family; NULL: on the link */
	int ifindex;    /* 0: none (prohibit) */
	bool prohibit;
	uint32_t metric;  /* 0: the kernel's default (delete: any) */
	uint8_t protocol; /* 0: ours, NETCFG_RTPROT */
};

/* Adds (NLM_F_EXCL) or deletes the route; a libnl error code. */
int netcfg_route_change(struct netcfg *nc, const struct netcfg_rtspec *r, bool add);
/* Adds the route and logs what happened: 0 added, 1 it existed already (not
 * ours: leave it alone and do not record it), -1 error. */
int netcfg_route_add_logged(struct netcfg *nc, const struct netcfg_rtspec *r);
/* The path the host takes to dst now (interface, next hop if any, gw_len
 * bytes of dst's family); 0, or -1 logged. */
struct nl_addr;
int netcfg_route_path(struct netcfg *nc, struct nl_addr *dst, int *ifindex, void *gw,
                      size_t gw_len);
/* The same route in either family's record type, for the builder. */
struct netcfg_rtspec netcfg_spec4(const struct netcfg_route *r);
struct netcfg_rtspec netcfg_spec6(const struct netcfg_route6 *r);

#endif
