#include "sys/killswitch.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "sys/nft.h"

#define NATT_PORT_DEFAULT 4500
#define SCRIPT_MAX        4096

bool killswitch_name_valid(const char *name)
{
	return nft_name_valid(name, KILLSWITCH_TABLE_MAX - sizeof(KILLSWITCH_TABLE_PREFIX));
}

static void put_tunnel_rules(struct nft_text *t, const struct killswitch *ks, const char *dir)
{
	if (ks->tunnel[0]) {
		nft_put(t, "\t\t%sifname \"%s\" accept\n", dir, ks->tunnel);
	} else {
		nft_put(t, "\t\t%sifname \"%s\" accept\n", dir, KILLSWITCH_TUNNEL_WILDCARD_1);
		nft_put(t, "\t\t%sifname \"%s\" accept\n", dir, KILLSWITCH_TUNNEL_WILDCARD_2);
	}
}

/* What the VPN needs with one of the gateway's addresses: fam is "ip" or
 * "ip6", gw its text. */
struct ks_gw {
	const char *fam;
	char addr[INET6_ADDRSTRLEN];
};

static void put_output_gw(struct nft_text *t, const struct killswitch *ks, const struct ks_gw *g)
{
	/* IKE and NAT-T: match the gateway's ports, ours may be ephemeral. */
	nft_put(t, "\t\t%s daddr %s udp dport { 500, %u } accept\n", g->fam, g->addr,
	        ks->natt_port);
	nft_put(t, "\t\t%s daddr %s udp sport { 500, %u } accept\n", g->fam, g->addr,
	        ks->natt_port);
	nft_put(t, "\t\t%s daddr %s meta l4proto esp accept\n", g->fam, g->addr);
	/* Kernel data path: L2TP leaves as plain UDP 1701 and is encrypted
	 * after this hook; let it pass only when an IPsec policy takes it. */
	nft_put(t, "\t\t%s daddr %s udp dport 1701 rt ipsec exists accept\n", g->fam, g->addr);
}

static void put_input_gw(struct nft_text *t, const struct killswitch *ks, const struct ks_gw *g)
{
	nft_put(t, "\t\t%s saddr %s udp sport { 500, %u } accept\n", g->fam, g->addr,
	        ks->natt_port);
	nft_put(t, "\t\t%s saddr %s udp dport { 500, %u } accept\n", g->fam, g->addr,
	        ks->natt_port);
	nft_put(t, "\t\t%s saddr %s meta l4proto esp accept\n", g->fam, g->addr);
	nft_put(t, "\t\t%s saddr %s udp sport 1701 meta secpath exists accept\n", g->fam, g->addr);
	/* Replies and ICMP errors (path MTU) belonging to flows we opened to
	 * the gateway; flows opened before the switch went on stay blocked. */
	nft_put(t, "\t\tct state established,related ct original %s daddr %s accept\n", g->fam,
	        g->addr);
}

static void put_output_chain(struct nft_text *t, const struct killswitch *ks,
                             const struct ks_gw *gw, size_t ngw)
{
	/* After conntrack (-200) so ct state is known, before the usual
	 * filter tables (0). A drop here is final whatever others accept. */
	nft_put(t, "\tchain output {\n\t\ttype filter hook output priority -150; policy drop;\n");
	nft_put(t, "\t\toifname \"lo\" accept\n");
	put_tunnel_rules(t, ks, "o");
	for (size_t i = 0; i < ngw; i++)
		put_output_gw(t, ks, &gw[i]);
	/* DHCP and IPv6 neighbour discovery, so the laptop keeps an address
	 * and can roam; link-local traffic never leaves the local link. */
	nft_put(t, "\t\tudp sport 68 udp dport 67 accept\n");
	nft_put(t, "\t\tudp sport 546 udp dport 547 accept\n");
	nft_put(t, "\t\ticmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert, "
	           "mld-listener-report, mld2-listener-report } accept\n");
	nft_put(t, "\t\tip6 saddr fe80::/10 ip6 daddr fe80::/10 accept\n");
	/* Counted, so "status" and tests can tell what was blocked. */
	nft_put(t, "\t\tcounter drop\n\t}\n");
}

static void put_input_chain(struct nft_text *t, const struct killswitch *ks, const struct ks_gw *gw,
                            size_t ngw)
{
	nft_put(t, "\tchain input {\n\t\ttype filter hook input priority -150; policy drop;\n");
	nft_put(t, "\t\tiifname \"lo\" accept\n");
	put_tunnel_rules(t, ks, "i");
	for (size_t i = 0; i < ngw; i++)
		put_input_gw(t, ks, &gw[i]);
	nft_put(t, "\t\tudp sport 67 udp dport 68 accept\n");
	nft_put(t, "\t\tudp sport 547 udp dport 546 accept\n");
	nft_put(t, "\t\ticmpv6 type { nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert, "
	           "nd-redirect, mld-listener-query } accept\n");
	nft_put(t, "\t\tip6 saddr fe80::/10 accept\n");
	nft_put(t, "\t\tcounter drop\n\t}\n");
}

/* The gateway's addresses as text, IPv4 first; how many (0: none). */
static size_t gateways(const struct killswitch *ks, struct ks_gw gw[2])
{
	size_t n = 0;

	if (ks->gateway.s_addr != INADDR_ANY) {
		gw[n].fam = "ip";
		inet_ntop(AF_INET, &ks->gateway, gw[n++].addr, sizeof(gw[0].addr));
	}
	if (!IN6_IS_ADDR_UNSPECIFIED(&ks->gateway6)) {
		gw[n].fam = "ip6";
		inet_ntop(AF_INET6, &ks->gateway6, gw[n++].addr, sizeof(gw[0].addr));
	}
	return n;
}

int killswitch_script(const struct killswitch *ks, char *out, size_t outsz)
{
	struct nft_text t = {.buf = out, .size = outsz};
	struct ks_gw gw[2];
	size_t ngw = gateways(ks, gw);

	if (outsz == 0 ||
	    strncmp(ks->table, KILLSWITCH_TABLE_PREFIX, sizeof(KILLSWITCH_TABLE_PREFIX) - 1) != 0 ||
	    !killswitch_name_valid(ks->table + sizeof(KILLSWITCH_TABLE_PREFIX) - 1) || ngw == 0 ||
	    ks->natt_port == 0 || (ks->tunnel[0] && !nft_ifname_valid(ks->tunnel)))
		return -1;
	/* Create-then-delete-then-create in one transaction: replaces a stale
	 * table (after a crash) or our previous version without a gap, and
	 * works whether or not the table exists. */
	nft_put(&t, "table inet %s\ndelete table inet %s\ntable inet %s {\n", ks->table, ks->table,
	        ks->table);
	put_output_chain(&t, ks, gw, ngw);
	put_input_chain(&t, ks, gw, ngw);
	nft_put(&t, "}\n");
	return t.overflow ? -1 : (int)t.len;
}

/* 0 when nft did it, else -1 with one line saying why. */
static int nft_checked(struct logger *lg, enum nft_result r, int status)
{
	if (r == NFT_MISSING)
		log_err(lg, LOG_CLIENT, "kill switch: nft not found (install nftables)");
	else if (r != NFT_OK)
		log_err(lg, LOG_CLIENT, "kill switch: nft failed (status %d)", status);
	return r == NFT_OK ? 0 : -1;
}

static int run_nft(struct logger *lg, const char *script)
{
	int status;
	enum nft_result r = nft_run(script, &status);

	return nft_checked(lg, r, status);
}

static int apply(struct killswitch *ks)
{
	char script[SCRIPT_MAX];

	if (killswitch_script(ks, script, sizeof(script)) < 0) {
		log_err(ks->lg, LOG_CLIENT, "kill switch: invalid settings for %s", ks->table);
		return -1;
	}
	if (run_nft(ks->lg, script) < 0)
		return -1;
	ks->active = true;
	log_info(ks->lg, LOG_CLIENT, "kill switch on: table inet %s, tunnel %s", ks->table,
	         ks->tunnel[0] ? ks->tunnel
	                       : KILLSWITCH_TUNNEL_WILDCARD_1 " or " KILLSWITCH_TUNNEL_WILDCARD_2);
	return 0;
}

int killswitch_enable(struct killswitch *ks, struct logger *lg, const char *name,
                      const struct in_addr *gateway, const struct in6_addr *gateway6,
                      uint16_t natt_port, const char *tunnel)
{
	memset(ks, 0, sizeof(*ks));
	ks->lg = lg;
	if (!killswitch_name_valid(name) || (tunnel && tunnel[0] && !nft_ifname_valid(tunnel))) {
		log_err(lg, LOG_CLIENT, "kill switch: invalid connection or interface name");
		return -1;
	}
	snprintf(ks->table, sizeof(ks->table), "%s%s", KILLSWITCH_TABLE_PREFIX, name);
	if (gateway)
		ks->gateway = *gateway;
	if (gateway6)
		ks->gateway6 = *gateway6;
	ks->natt_port = natt_port ? natt_port : NATT_PORT_DEFAULT;
	if (tunnel)
		snprintf(ks->tunnel, sizeof(ks->tunnel), "%s", tunnel);
	return apply(ks);
}

int killswitch_set_tunnel(struct killswitch *ks, const char *ifname)
{
	char old[IFNAMSIZ];

	if (!ks->active || !nft_ifname_valid(ifname))
		return -1;
	memcpy(old, ks->tunnel, sizeof(old));
	snprintf(ks->tunnel, sizeof(ks->tunnel), "%s", ifname);
	if (apply(ks) < 0) {
		/* The previous table is still in place (the transaction failed). */
		memcpy(ks->tunnel, old, sizeof(old));
		return -1;
	}
	return 0;
}

static int delete_table(struct logger *lg, const char *table)
{
	int status;
	enum nft_result r = nft_delete_table(table, &status);

	return nft_checked(lg, r, status);
}

int killswitch_disable(struct killswitch *ks)
{
	if (!ks->active)
		return 0;
	if (delete_table(ks->lg, ks->table) < 0)
		return -1; /* stays active: still blocking, as it should fail */
	ks->active = false;
	log_info(ks->lg, LOG_CLIENT, "kill switch off: table inet %s removed", ks->table);
	return 0;
}

int killswitch_remove(struct logger *lg, const char *name)
{
	char table[KILLSWITCH_TABLE_MAX];

	if (!killswitch_name_valid(name))
		return -1;
	/* asking the kernel is cheap; starting nft for nothing is not */
	if (killswitch_exists(name) == 0)
		return 0;
	snprintf(table, sizeof(table), "%s%s", KILLSWITCH_TABLE_PREFIX, name);
	return delete_table(lg, table);
}

int killswitch_exists(const char *name)
{
	char table[KILLSWITCH_TABLE_MAX];

	if (!killswitch_name_valid(name))
		return -1;
	snprintf(table, sizeof(table), "%s%s", KILLSWITCH_TABLE_PREFIX, name);
	return nft_table_exists(table);
}
