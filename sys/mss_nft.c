#include "sys/mss_nft.h"

#include <stdio.h>
#include <string.h>

#include "sys/mss_clamp.h"
#include "sys/nft.h"

#define SCRIPT_MAX   2048
#define MTU_MIN_IPV4 68   /* RFC 791: every IPv4 link carries 68 bytes */
#define MTU_MIN_IPV6 1280 /* RFC 8200 §5 */
#define MTU_MAX      65535

static void table_name(char out[MSS_NFT_TABLE_MAX], const char *name)
{
	snprintf(out, MSS_NFT_TABLE_MAX, "%s%s", MSS_NFT_TABLE_PREFIX, name);
}

/* Explicit values from the MTU, both directions, instead of `rt mtu`: for a
 * SYN-ACK coming in on the tunnel toward a forwarded host, `rt mtu` is the
 * MTU of the route to that host (its LAN, 1500), which clamps nothing; and
 * the tunnel's MTU we computed (ESP and L2TP overhead, conn_tunnel_mtu) can
 * be below the PPP device's, which is all `rt mtu` sees going out. The value
 * is the one the userspace path clamps to (mss_for_mtu: RFC 879, RFC 6691
 * §2). The "> value" test only ever lowers an MSS: a host that asked for
 * less keeps it. SYN-ACKs have SYN set too, so "& syn == syn" takes both. */
static void put_rules(struct nft_text *t, const char *ifname, const char *fam, unsigned mss)
{
	static const char *const dirs[] = {"oifname", "iifname"};

	for (size_t i = 0; i < 2; i++)
		nft_put(t,
		        "\t\t%s \"%s\" meta nfproto %s tcp flags & syn == syn "
		        "tcp option maxseg size > %u tcp option maxseg size set %u\n",
		        dirs[i], ifname, fam, mss, mss);
}

int mss_nft_script(const char *name, const char *ifname, unsigned mtu, char *out, size_t outsz)
{
	struct nft_text t = {.buf = out, .size = outsz};
	char table[MSS_NFT_TABLE_MAX];

	if (outsz == 0 || !killswitch_name_valid(name) || !nft_ifname_valid(ifname) ||
	    strchr(ifname, '*') || mtu < MTU_MIN_IPV4 || mtu > MTU_MAX)
		return -1;
	table_name(table, name);
	/* Create-then-delete-then-create in one transaction, as the kill
	 * switch does: replaces a stale table or our previous one. */
	nft_put(&t, "table inet %s\ndelete table inet %s\ntable inet %s {\n", table, table, table);
	/* mangle's priority, after conntrack and before the filter tables;
	 * policy accept: the table only changes packets, never drops one. */
	nft_put(&t, "\tchain forward {\n\t\ttype filter hook forward priority -150; "
	            "policy accept;\n");
	put_rules(&t, ifname, "ipv4", mss_for_mtu(mtu, false));
	if (mtu >= MTU_MIN_IPV6)
		put_rules(&t, ifname, "ipv6", mss_for_mtu(mtu, true));
	nft_put(&t, "\t}\n}\n");
	return t.overflow ? -1 : (int)t.len;
}

/* One line saying why forwarded TCP goes unclamped; -1. */
static int not_clamped(struct logger *lg, const char *ifname, enum nft_result r, int status)
{
	if (r == NFT_MISSING)
		log_warn(lg, LOG_CLIENT,
		         "forwarded TCP through %s is not MSS-clamped: nft not found (install "
		         "nftables)",
		         ifname);
	else
		log_warn(lg, LOG_CLIENT,
		         "forwarded TCP through %s is not MSS-clamped: nft failed (status %d)",
		         ifname, status);
	return -1;
}

int mss_nft_install(struct mss_nft *m, struct logger *lg, const char *name, const char *ifname,
                    unsigned mtu)
{
	char script[SCRIPT_MAX];
	enum nft_result r;
	int status;

	m->lg = lg;
	if (mss_nft_script(name, ifname, mtu, script, sizeof(script)) < 0) {
		log_warn(lg, LOG_CLIENT,
		         "forwarded TCP through %s is not MSS-clamped: invalid name or MTU %u",
		         ifname, mtu);
		return -1;
	}
	r = nft_run(script, &status);
	if (r != NFT_OK)
		return not_clamped(lg, ifname, r, status); /* the old table, if any, stays */
	table_name(m->table, name);
	m->active = true;
	log_info(lg, LOG_CLIENT, "forwarded TCP through %s: MSS clamped to %u (table inet %s)",
	         ifname, mss_for_mtu(mtu, false), m->table);
	return 0;
}

void mss_nft_uninstall(struct mss_nft *m)
{
	int status;

	if (!m->active)
		return;
	if (nft_delete_table(m->table, &status) != NFT_OK) {
		/* harmless where it stays; the next connect or disconnect of the
		 * name removes it */
		log_warn(m->lg, LOG_CLIENT, "cannot delete table inet %s (nft status %d)", m->table,
		         status);
		return;
	}
	m->active = false;
	log_debug(m->lg, LOG_CLIENT, "MSS clamp off: table inet %s removed", m->table);
}

int mss_nft_exists(const char *name)
{
	char table[MSS_NFT_TABLE_MAX];

	if (!killswitch_name_valid(name))
		return -1;
	table_name(table, name);
	return nft_table_exists(table);
}

int mss_nft_remove(struct logger *lg, const char *name)
{
	char table[MSS_NFT_TABLE_MAX];
	int status;

	if (!killswitch_name_valid(name))
		return -1;
	/* asking the kernel is cheap; starting nft for nothing is not */
	if (mss_nft_exists(name) != 1)
		return 0;
	table_name(table, name);
	if (nft_delete_table(table, &status) != NFT_OK) {
		log_warn(lg, LOG_CLIENT, "cannot delete table inet %s (nft status %d)", table,
		         status);
		return -1;
	}
	log_info(lg, LOG_CLIENT, "removed table inet %s of an earlier run", table);
	return 0;
}
