#include "sys/killswitch.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sys/spawn.h"

#define NATT_PORT_DEFAULT 4500
#define SCRIPT_MAX        4096

/* Appends to a fixed buffer and remembers that something did not fit, so the
 * builder can write straight through and check once at the end. */
struct text {
	char *buf;
	size_t size, len;
	bool overflow;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, t->size - t->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= t->size - t->len)
		t->overflow = true;
	else
		t->len += (size_t)n;
}

bool killswitch_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len + sizeof(KILLSWITCH_TABLE_PREFIX) > KILLSWITCH_TABLE_MAX ||
	    name[0] == '.' || name[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* Interface names go inside double quotes in the script: refuse anything
 * that could end the string or the line. A trailing '*' is nft's wildcard. */
static bool ifname_valid(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len >= IFNAMSIZ)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] > '~' || s[i] == '"' || s[i] == '\\' ||
		    (s[i] == '*' && i != len - 1))
			return false;
	return true;
}

static void put_tunnel_rules(struct text *t, const struct killswitch *ks, const char *dir)
{
	if (ks->tunnel[0]) {
		put(t, "\t\t%sifname \"%s\" accept\n", dir, ks->tunnel);
	} else {
		put(t, "\t\t%sifname \"%s\" accept\n", dir, KILLSWITCH_TUNNEL_WILDCARD_1);
		put(t, "\t\t%sifname \"%s\" accept\n", dir, KILLSWITCH_TUNNEL_WILDCARD_2);
	}
}

/* What the VPN needs with one of the gateway's addresses: fam is "ip" or
 * "ip6", gw its text. */
struct ks_gw {
	const char *fam;
	char addr[INET6_ADDRSTRLEN];
};

static void put_output_gw(struct text *t, const struct killswitch *ks, const struct ks_gw *g)
{
	/* IKE and NAT-T: match the gateway's ports, ours may be ephemeral. */
	put(t, "\t\t%s daddr %s udp dport { 500, %u } accept\n", g->fam, g->addr, ks->natt_port);
	put(t, "\t\t%s daddr %s udp sport { 500, %u } accept\n", g->fam, g->addr, ks->natt_port);
	put(t, "\t\t%s daddr %s meta l4proto esp accept\n", g->fam, g->addr);
	/* Kernel data path: L2TP leaves as plain UDP 1701 and is encrypted
	 * after this hook; let it pass only when an IPsec policy takes it. */
	put(t, "\t\t%s daddr %s udp dport 1701 rt ipsec exists accept\n", g->fam, g->addr);
}

static void put_input_gw(struct text *t, const struct killswitch *ks, const struct ks_gw *g)
{
	put(t, "\t\t%s saddr %s udp sport { 500, %u } accept\n", g->fam, g->addr, ks->natt_port);
	put(t, "\t\t%s saddr %s udp dport { 500, %u } accept\n", g->fam, g->addr, ks->natt_port);
	put(t, "\t\t%s saddr %s meta l4proto esp accept\n", g->fam, g->addr);
	put(t, "\t\t%s saddr %s udp sport 1701 meta secpath exists accept\n", g->fam, g->addr);
	/* Replies and ICMP errors (path MTU) belonging to flows we opened to
	 * the gateway; flows opened before the switch went on stay blocked. */
	put(t, "\t\tct state established,related ct original %s daddr %s accept\n", g->fam,
	    g->addr);
}

static void put_output_chain(struct text *t, const struct killswitch *ks, const struct ks_gw *gw,
                             size_t ngw)
{
	/* After conntrack (-200) so ct state is known, before the usual
	 * filter tables (0). A drop here is final whatever others accept. */
	put(t, "\tchain output {\n\t\ttype filter hook output priority -150; policy drop;\n");
	put(t, "\t\toifname \"lo\" accept\n");
	put_tunnel_rules(t, ks, "o");
	for (size_t i = 0; i < ngw; i++)
		put_output_gw(t, ks, &gw[i]);
	/* DHCP and IPv6 neighbour discovery, so the laptop keeps an address
	 * and can roam; link-local traffic never leaves the local link. */
	put(t, "\t\tudp sport 68 udp dport 67 accept\n");
	put(t, "\t\tudp sport 546 udp dport 547 accept\n");
	put(t, "\t\ticmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert, "
	       "mld-listener-report, mld2-listener-report } accept\n");
	put(t, "\t\tip6 saddr fe80::/10 ip6 daddr fe80::/10 accept\n");
	/* Counted, so "status" and tests can tell what was blocked. */
	put(t, "\t\tcounter drop\n\t}\n");
}

static void put_input_chain(struct text *t, const struct killswitch *ks, const struct ks_gw *gw,
                            size_t ngw)
{
	put(t, "\tchain input {\n\t\ttype filter hook input priority -150; policy drop;\n");
	put(t, "\t\tiifname \"lo\" accept\n");
	put_tunnel_rules(t, ks, "i");
	for (size_t i = 0; i < ngw; i++)
		put_input_gw(t, ks, &gw[i]);
	put(t, "\t\tudp sport 67 udp dport 68 accept\n");
	put(t, "\t\tudp sport 547 udp dport 546 accept\n");
	put(t, "\t\ticmpv6 type { nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert, "
	       "nd-redirect, mld-listener-query } accept\n");
	put(t, "\t\tip6 saddr fe80::/10 accept\n");
	put(t, "\t\tcounter drop\n\t}\n");
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
	struct text t = {.buf = out, .size = outsz};
	struct ks_gw gw[2];
	size_t ngw = gateways(ks, gw);

	if (outsz == 0 ||
	    strncmp(ks->table, KILLSWITCH_TABLE_PREFIX, sizeof(KILLSWITCH_TABLE_PREFIX) - 1) != 0 ||
	    !killswitch_name_valid(ks->table + sizeof(KILLSWITCH_TABLE_PREFIX) - 1) || ngw == 0 ||
	    ks->natt_port == 0 || (ks->tunnel[0] && !ifname_valid(ks->tunnel)))
		return -1;
	/* Create-then-delete-then-create in one transaction: replaces a stale
	 * table (after a crash) or our previous version without a gap, and
	 * works whether or not the table exists. */
	put(&t, "table inet %s\ndelete table inet %s\ntable inet %s {\n", ks->table, ks->table,
	    ks->table);
	put_output_chain(&t, ks, gw, ngw);
	put_input_chain(&t, ks, gw, ngw);
	put(&t, "}\n");
	return t.overflow ? -1 : (int)t.len;
}

static int run_nft(struct logger *lg, const char *script)
{
	char exe[256];
	char *argv[] = {exe, "-f", "-", NULL};
	int rc;

	if (!spawn_find("nft", exe, sizeof(exe))) {
		log_err(lg, LOG_CLIENT, "kill switch: nft not found (install nftables)");
		return -1;
	}
	rc = spawn_wait(argv, NULL, script);
	if (rc != 0) {
		log_err(lg, LOG_CLIENT, "kill switch: nft failed (status %d)", rc);
		return -1;
	}
	return 0;
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
	if (!killswitch_name_valid(name) || (tunnel && tunnel[0] && !ifname_valid(tunnel))) {
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

	if (!ks->active || !ifname_valid(ifname))
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
	char script[3 * KILLSWITCH_TABLE_MAX];

	/* Adding first makes the delete succeed when there is nothing. */
	snprintf(script, sizeof(script), "table inet %s\ndelete table inet %s\n", table, table);
	return run_nft(lg, script);
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

static int count_valid(struct nl_msg *msg, void *arg)
{
	(void)msg;
	++*(int *)arg;
	return NL_OK;
}

/* NFT_MSG_GETTABLE for one table: the kernel answers with the table or
 * ENOENT. Asking directly avoids nft's error text for a missing table. */
static int query_table(struct nl_sock *sk, const char *table, int *found)
{
	struct nfgenmsg hdr = {.nfgen_family = NFPROTO_INET, .version = NFNETLINK_V0};
	struct nl_msg *msg;
	int err;

	msg = nlmsg_alloc_simple((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETTABLE, NLM_F_ACK);
	if (!msg)
		return -NLE_NOMEM;
	err = nlmsg_append(msg, &hdr, sizeof(hdr), NLMSG_ALIGNTO);
	if (err == 0)
		err = nla_put_string(msg, NFTA_TABLE_NAME, table);
	if (err == 0)
		err = nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, count_valid, found);
	if (err == 0)
		err = nl_send_auto(sk, msg);
	nlmsg_free(msg);
	return err < 0 ? err : nl_wait_for_ack(sk);
}

int killswitch_exists(const char *name)
{
	char table[KILLSWITCH_TABLE_MAX];
	struct nl_sock *sk;
	int found = 0, err;

	if (!killswitch_name_valid(name))
		return -1;
	snprintf(table, sizeof(table), "%s%s", KILLSWITCH_TABLE_PREFIX, name);
	sk = nl_socket_alloc();
	if (!sk)
		return -1;
	err = nl_connect(sk, NETLINK_NETFILTER);
	if (err == 0)
		err = query_table(sk, table, &found);
	nl_socket_free(sk);
	if (err == -NLE_OBJ_NOTFOUND)
		return 0;
	return err < 0 ? -1 : found > 0;
}
