/*
 * Kill switch ("fail to secure"): while a profile with kill-switch = yes is
 * active, an nftables table of our own, `table inet l2tpsec_<NAME>`, lets
 * through only what the VPN itself needs: loopback, IKE/NAT-T and ESP with
 * the gateway, L2TP to the gateway only when IPsec protects it, the tunnel
 * interface, replies to those, DHCP, and IPv6 link-local/ND so roaming keeps
 * working. Everything else is dropped in input and output.
 *
 * One table per connection name, so several profiles coexist and nobody
 * else's tables are touched. Every change is one `nft -f -` transaction
 * that replaces the whole table, so there is never a moment without it.
 * After a crash the table stays (fail closed) until the next connect or
 * disconnect of that name replaces or removes it (killswitch_remove()).
 */
#ifndef L2TPSEC_CLIENT_KILLSWITCH_H
#define L2TPSEC_CLIENT_KILLSWITCH_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/log.h"

#define KILLSWITCH_TABLE_PREFIX "l2tpsec_"
/* Tunnel interfaces before the name is known: our TUN devices and pppd's. */
#define KILLSWITCH_TUNNEL_WILDCARD_1 "l2tpsec*"
#define KILLSWITCH_TUNNEL_WILDCARD_2 "ppp*"
/* A profile name (at most 63 bytes) with the prefix. */
#define KILLSWITCH_TABLE_MAX 80

struct killswitch {
	struct logger *lg;
	char table[KILLSWITCH_TABLE_MAX]; /* "l2tpsec_<NAME>" */
	/* The gateway's addresses: 0.0.0.0 / :: for a family it has none of
	 * (a name may resolve to both, and IKE falls back to the other). */
	struct in_addr gateway;
	struct in6_addr gateway6;
	uint16_t natt_port;    /* the gateway's NAT-T port (4500 unless configured) */
	char tunnel[IFNAMSIZ]; /* "": the wildcards above */
	bool active;
};

/* The nft script that (re)creates the table for ks (pure: no side effects).
 * Returns the length written, or -1 when it does not fit or ks is invalid. */
int killswitch_script(const struct killswitch *ks, char *out, size_t outsz);

/* Install the table for connection name (replaces a stale one atomically).
 * gateway / gateway6 NULL: none of that family (at least one is needed);
 * natt_port 0 means 4500; tunnel NULL or "" means the wildcards. */
int killswitch_enable(struct killswitch *ks, struct logger *lg, const char *name,
                      const struct in_addr *gateway, const struct in6_addr *gateway6,
                      uint16_t natt_port, const char *tunnel);
/* The tunnel interface is known now: allow only it (atomic replace). */
int killswitch_set_tunnel(struct killswitch *ks, const char *ifname);
/* Delete the table; ks is inactive afterwards. */
int killswitch_disable(struct killswitch *ks);

/* Delete the table a (crashed) run of name left; 0 also when there is none. */
int killswitch_remove(struct logger *lg, const char *name);
/* 1: the table of name exists, 0: it does not, -1: cannot tell (no
 * nf_tables, invalid name). Asks the kernel directly, prints nothing. */
int killswitch_exists(const char *name);

/* Names we accept: what profile_name_valid() accepts, so they are valid
 * nft identifiers after the prefix and cannot inject anything. */
bool killswitch_name_valid(const char *name);

#endif
