/*
 * TCP MSS clamping for traffic this host forwards through the kernel data
 * path's PPP interface (containers, a LAN behind a laptop). The userspace
 * path clamps in-process (sys/mss_clamp.h); on the kernel path the packets
 * never reach us, so an nftables table of our own does it:
 * `table inet l2tpsec-mss_<NAME>` with one forward chain that lowers the
 * MSS option of SYNs and SYN-ACKs leaving or entering the interface to what
 * its MTU leaves. Without it the gateway's side of such a connection relies
 * on ICMP "fragmentation needed", which many networks drop (a PMTU black
 * hole). TCP the host itself originates takes its MSS from the device's MTU
 * and needs none of this.
 *
 * The prefix differs from the kill switch's ("l2tpsec_"), so no profile
 * name can make one table's name the other's. Like the kill switch: one
 * `nft -f -` transaction that replaces the table atomically; a table left by
 * a crash is removed by the next connect or disconnect of that name. Only
 * forwarded TCP depends on it, so nothing fails when nft does: the caller
 * logs one line and the connection goes on.
 */
#ifndef L2TPSEC_SYS_MSS_NFT_H
#define L2TPSEC_SYS_MSS_NFT_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

#include "sys/killswitch.h"
#include "lib/log.h"

#define MSS_NFT_TABLE_PREFIX "l2tpsec-mss_"
/* The kill switch's names with this prefix. */
#define MSS_NFT_TABLE_MAX (sizeof(MSS_NFT_TABLE_PREFIX) + KILLSWITCH_TABLE_MAX)

struct mss_nft {
	struct logger *lg;
	char table[MSS_NFT_TABLE_MAX]; /* "l2tpsec-mss_<NAME>" */
	bool active;
};

/* The nft script that (re)creates the table of connection name for the
 * interface ifname with that MTU (pure: no side effects). IPv4's MSS is
 * mtu - 40; IPv6's mtu - 60, only when mtu >= 1280 (IPv6 runs on no link
 * with less, RFC 8200 §5). Returns the length written, or -1 for an invalid
 * name, interface name (no wildcards) or MTU (68, RFC 791, to 65535), or
 * when it does not fit. */
int mss_nft_script(const char *name, const char *ifname, unsigned mtu, char *out, size_t outsz);

/* Install (or atomically replace) the table; logs one line either way.
 * 0, or -1 (nft missing or failing): forwarded TCP is not clamped. */
int mss_nft_install(struct mss_nft *m, struct logger *lg, const char *name, const char *ifname,
                    unsigned mtu);
/* Delete the table if installed; m is inactive afterwards. */
void mss_nft_uninstall(struct mss_nft *m);

/* Delete the table a (crashed) run of name left; 0 also when there is none. */
int mss_nft_remove(struct logger *lg, const char *name);
/* 1: the table of name exists, 0: it does not, -1: cannot tell. */
int mss_nft_exists(const char *name);

#endif
