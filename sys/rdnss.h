/*
 * DNS servers from the gateway's router advertisements (RDNSS, RFC 8106
 * §5.1). The kernel does SLAAC itself but hands RDNSS options to userspace as
 * RTM_NEWNDUSEROPT messages on the RTNLGRP_ND_USEROPT netlink group; this
 * listens there and parses them.
 */
#ifndef L2TPSEC_SYS_RDNSS_H
#define L2TPSEC_SYS_RDNSS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RDNSS_MAX 4

struct rdnss {
	int ifindex;     /* the interface the RA came in on */
	uint32_t life_s; /* 0: the servers are withdrawn */
	size_t n;
	struct in6_addr servers[RDNSS_MAX];
};

/* A netlink socket (non-blocking, close-on-exec) subscribed to the kernel's
 * ND user options and IPv6 address changes; -1 on error. */
int rdnss_open(void);

/* One netlink datagram (buf, len) as read from that socket: 1 with the last
 * RDNSS option of an RTM_NEWNDUSEROPT message in *out, 0 when it holds none,
 * -1 when it is malformed. */
int rdnss_parse(const uint8_t *buf, size_t len, struct rdnss *out);

/* The same datagram: 1 when it announces a new global IPv6 address on
 * ifindex (SLAAC from the gateway's prefix), 0 otherwise, -1 malformed. */
int rdnss_parse_global_addr(const uint8_t *buf, size_t len, int ifindex);

/* The same datagram: 1 when it reports ifindex's IPv6 device flags
 * (RTM_NEWLINK, sent when an RA changes them), with the RA's M (managed:
 * addresses by DHCPv6) and O (other configuration by DHCPv6) flags, RFC
 * 4861 §4.2; 0 otherwise, -1 malformed. */
int rdnss_parse_ra_flags(const uint8_t *buf, size_t len, int ifindex, bool *managed, bool *other);

#endif
