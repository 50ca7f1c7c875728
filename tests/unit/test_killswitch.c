/* sys/killswitch: the nft script's text, and real traffic through the
 * table inside a private network namespace (needs root, nft and nf_tables;
 * skipped otherwise). Nothing leaves the namespace: the "network" is a veth
 * pair whose far end we read with a packet socket, and frames we inject on
 * it stand in for what arrives from outside. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "sys/killswitch.h"
#include "tests/unit/netns.h"

#define GW    "10.77.0.2"
#define OTHER "10.77.0.3"
#define LOCAL "10.77.0.1"
#define NAME  "ks-test"

static struct logger lg;
static bool have_netns; /* root, private namespace, nft and nf_tables work */

/* Far ends of the veth pairs have no address: frames sent to them are only
 * seen by our packet sockets. Static neighbours spare us ARP. */
static const char netns_setup[] = NETNS_MAC_FN
    "ip link set lo up && "
    "ip link add v0 type veth peer name v1 && ip addr add " LOCAL "/24 dev v0 && "
    "ip link add ppp-ks0 type veth peer name pks1 && ip addr add 10.88.0.1/24 dev ppp-ks0 && "
    "ip link add kstun0 type veth peer name kst1 && ip addr add 10.99.0.1/24 dev kstun0 && "
    "for l in v0 v1 ppp-ks0 pks1 kstun0 kst1; do ip link set $l up || exit 1; done && "
    "ip neigh add " GW " lladdr $(mac v1) dev v0 nud permanent && "
    "ip neigh add " OTHER " lladdr $(mac v1) dev v0 nud permanent && "
    "ip neigh add 10.88.0.2 lladdr $(mac pks1) dev ppp-ks0 "
    "nud permanent && "
    "ip neigh add 10.99.0.2 lladdr $(mac kst1) dev kstun0 "
    "nud permanent";

static int setup_netns(void **state)
{
	(void)state;
	have_netns = netns_enter(netns_setup);
	return 0;
}

static void skip_unless_netns(void)
{
	if (!have_netns)
		skip();
}

static void make_ks(struct killswitch *ks, const char *tunnel)
{
	memset(ks, 0, sizeof(*ks));
	snprintf(ks->table, sizeof(ks->table), "l2tpsec_office");
	inet_pton(AF_INET, "203.0.113.5", &ks->gateway);
	ks->natt_port = 4500;
	snprintf(ks->tunnel, sizeof(ks->tunnel), "%s", tunnel);
}

static void test_script_text(void **state)
{
	struct killswitch ks;
	char s[4096];

	(void)state;
	make_ks(&ks, "");
	assert_true(killswitch_script(&ks, s, sizeof(s)) > 0);
	/* atomic replace, whether or not the table exists */
	assert_non_null(strstr(s, "table inet l2tpsec_office\ndelete table inet l2tpsec_office\n"
	                          "table inet l2tpsec_office {\n"));
	assert_non_null(strstr(s, "type filter hook output priority -150; policy drop;"));
	assert_non_null(strstr(s, "type filter hook input priority -150; policy drop;"));
	assert_non_null(strstr(s, "oifname \"lo\" accept"));
	assert_non_null(strstr(s, "oifname \"l2tpsec*\" accept"));
	assert_non_null(strstr(s, "iifname \"ppp*\" accept"));
	assert_non_null(strstr(s, "ip daddr 203.0.113.5 udp dport { 500, 4500 } accept"));
	assert_non_null(strstr(s, "ip saddr 203.0.113.5 udp sport { 500, 4500 } accept"));
	assert_non_null(strstr(s, "ip daddr 203.0.113.5 meta l4proto esp accept"));
	assert_non_null(strstr(s, "ip saddr 203.0.113.5 meta l4proto esp accept"));
	assert_non_null(strstr(s, "udp dport 1701 rt ipsec exists accept"));
	assert_non_null(strstr(s, "udp sport 1701 meta secpath exists accept"));
	assert_non_null(strstr(s, "ct state established,related ct original ip daddr 203.0.113.5"));
	assert_non_null(strstr(s, "udp sport 68 udp dport 67 accept"));
	assert_non_null(strstr(s, "udp sport 67 udp dport 68 accept"));
	assert_non_null(strstr(s, "nd-router-advert"));
	assert_non_null(strstr(s, "ip6 saddr fe80::/10 accept"));
	assert_non_null(strstr(s, "counter drop\n\t}\n\tchain input"));
	/* nothing accepts everything */
	assert_null(strstr(s, "policy accept"));
	assert_null(strstr(s, "\t\taccept"));
	assert_null(strstr(s, "ct state established,related accept"));

	/* a known tunnel replaces the wildcards; another NAT-T port */
	make_ks(&ks, "ppp3");
	ks.natt_port = 4501;
	assert_true(killswitch_script(&ks, s, sizeof(s)) > 0);
	assert_non_null(strstr(s, "oifname \"ppp3\" accept"));
	assert_non_null(strstr(s, "iifname \"ppp3\" accept"));
	assert_null(strstr(s, "ppp*"));
	assert_null(strstr(s, "l2tpsec*"));
	assert_non_null(strstr(s, "udp dport { 500, 4501 }"));
}

static void test_script_refuses_bad_input(void **state)
{
	struct killswitch ks;
	char s[4096];

	(void)state;
	make_ks(&ks, "tun\"0");
	assert_int_equal(killswitch_script(&ks, s, sizeof(s)), -1);
	make_ks(&ks, "a*b");
	assert_int_equal(killswitch_script(&ks, s, sizeof(s)), -1);
	make_ks(&ks, "");
	snprintf(ks.table, sizeof(ks.table), "l2tpsec_a;flush ruleset");
	assert_int_equal(killswitch_script(&ks, s, sizeof(s)), -1);
	make_ks(&ks, "");
	snprintf(ks.table, sizeof(ks.table), "other");
	assert_int_equal(killswitch_script(&ks, s, sizeof(s)), -1);
	make_ks(&ks, "");
	ks.gateway.s_addr = 0;
	assert_int_equal(killswitch_script(&ks, s, sizeof(s)), -1);
	make_ks(&ks, "");
	assert_int_equal(killswitch_script(&ks, s, 100), -1); /* does not fit */

	assert_true(killswitch_name_valid("office-2.vpn_x"));
	assert_false(killswitch_name_valid(""));
	assert_false(killswitch_name_valid("-x"));
	assert_false(killswitch_name_valid("a b"));
	assert_false(killswitch_name_valid("a\"b"));
	assert_int_equal(killswitch_exists("a b"), -1);
	assert_int_equal(killswitch_remove(&lg, "a;b"), -1);
}

/* ---- traffic ---- */

/* Sends one UDP datagram; returns 0 or the errno (EPERM: dropped in output). */
static int udp_send(const char *dst, uint16_t dport, uint16_t sport)
{
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(dport)};
	struct sockaddr_in from = {.sin_family = AF_INET, .sin_port = htons(sport)};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0, one = 1;

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (sport)
		assert_int_equal(bind(fd, (struct sockaddr *)&from, sizeof(from)), 0);
	inet_pton(AF_INET, dst, &to.sin_addr);
	if (sendto(fd, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		err = errno;
	close(fd);
	return err;
}

/* UDP datagrams to dst:dport that reach the far end, within 200 ms. */
static int count_arrivals(int fd, const char *dst, uint16_t dport)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	struct in_addr want;
	int n = 0;

	inet_pton(AF_INET, dst, &want);
	while (poll(&pfd, 1, 200) > 0) {
		uint8_t buf[2048];
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		const struct iphdr *ip = (const struct iphdr *)buf;
		const struct udphdr *udp = (const struct udphdr *)(buf + sizeof(*ip));

		if (len >= (ssize_t)(sizeof(*ip) + sizeof(*udp)) && ip->ihl == 5 &&
		    ip->protocol == IPPROTO_UDP && ip->daddr == want.s_addr &&
		    ntohs(udp->dest) == dport)
			n++;
	}
	return n;
}

/* One datagram that "arrives from the network" on v0: sent as a frame into
 * v1, addressed to v0's MAC. The UDP checksum 0 means none (RFC 768). */
static void inject(int pkt_fd, const char *src, uint16_t sport, uint16_t dport)
{
	struct {
		struct iphdr ip;
		struct udphdr udp;
		char data[1];
	} __attribute__((packed)) p = {0};
	struct sockaddr_ll to = netns_frame_to("v1", "v0", ETH_P_IP);
	uint32_t sum = 0;
	uint16_t words[10];

	p.ip.version = 4;
	p.ip.ihl = 5;
	p.ip.ttl = 64;
	p.ip.protocol = IPPROTO_UDP;
	p.ip.tot_len = htons(sizeof(p));
	inet_pton(AF_INET, src, &p.ip.saddr);
	inet_pton(AF_INET, LOCAL, &p.ip.daddr);
	memcpy(words, &p.ip, sizeof(words));
	for (size_t i = 0; i < 10; i++)
		sum += words[i];
	sum = (sum & 0xffff) + (sum >> 16);
	p.ip.check = (uint16_t) ~(sum + (sum >> 16));
	p.udp.source = htons(sport);
	p.udp.dest = htons(dport);
	p.udp.len = htons(sizeof(p.udp) + 1);
	p.data[0] = 'x';
	assert_int_equal(sendto(pkt_fd, &p, sizeof(p), 0, (struct sockaddr *)&to, sizeof(to)),
	                 (ssize_t)sizeof(p));
}

/* Whether a datagram injected from src:sport reaches a socket on LOCAL:dport. */
static bool delivered(int pkt_fd, const char *src, uint16_t sport, uint16_t dport)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(dport)};
	struct pollfd pfd = {.events = POLLIN};
	int one = 1;
	bool got;

	pfd.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(pfd.fd >= 0);
	setsockopt(pfd.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(pfd.fd, (struct sockaddr *)&a, sizeof(a)), 0);
	inject(pkt_fd, src, sport, dport);
	got = poll(&pfd, 1, 200) == 1;
	close(pfd.fd);
	return got;
}

static bool loopback_works(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	char c;
	bool ok;

	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	ok = sendto(fd, "x", 1, 0, (struct sockaddr *)&a, sizeof(a)) == 1 &&
	     recv(fd, &c, 1, MSG_DONTWAIT) == 1;
	close(fd);
	return ok;
}

static void test_traffic(void **state)
{
	struct killswitch ks;
	struct in_addr gw;
	char out[4096];
	int far, ppp_far, tun_far;

	(void)state;
	skip_unless_netns();
	far = netns_packet_socket("v1", ETH_P_IP);
	ppp_far = netns_packet_socket("pks1", ETH_P_IP);
	tun_far = netns_packet_socket("kst1", ETH_P_IP);
	inet_pton(AF_INET, GW, &gw);

	/* before: everything flows, so the counting works */
	assert_int_equal(udp_send(OTHER, 9999, 0), 0);
	assert_int_equal(count_arrivals(far, OTHER, 9999), 1);
	assert_true(delivered(far, OTHER, 9999, 7001));

	assert_int_equal(killswitch_enable(&ks, &lg, NAME, &gw, NULL, 0, NULL), 0);
	assert_int_equal(killswitch_exists(NAME), 1);
	/* output: only the gateway's IKE/NAT-T ports, DHCP and the tunnel */
	assert_int_equal(udp_send(OTHER, 9999, 0), EPERM);
	assert_int_equal(udp_send(GW, 9999, 0), EPERM);
	assert_int_equal(udp_send(GW, 4500, 0), 0);
	assert_int_equal(udp_send(GW, 500, 0), 0);
	assert_int_equal(udp_send(OTHER, 67, 68), 0);
	assert_int_equal(count_arrivals(far, OTHER, 9999), 0);
	assert_int_equal(count_arrivals(far, GW, 9999), 0);
	assert_int_equal(udp_send(GW, 4500, 0), 0);
	assert_int_equal(count_arrivals(far, GW, 4500), 1);
	assert_int_equal(udp_send(OTHER, 67, 68), 0);
	assert_int_equal(count_arrivals(far, OTHER, 67), 1);
	assert_int_equal(udp_send("10.88.0.2", 9999, 0), 0); /* "ppp*" before the name is known */
	assert_int_equal(count_arrivals(ppp_far, "10.88.0.2", 9999), 1);
	assert_true(loopback_works());
	/* input: the gateway's NAT-T and DHCP replies only */
	assert_false(delivered(far, OTHER, 9999, 7001));
	assert_false(delivered(far, GW, 9999, 7001));
	assert_true(delivered(far, GW, 4500, 4500));
	assert_true(delivered(far, OTHER, 67, 68));
	/* the drops were counted */
	netns_sh("nft list chain inet l2tpsec_" NAME " output", out, sizeof(out));
	assert_non_null(strstr(out, "counter packets 2 "));

	/* the tunnel is known: only it passes now */
	assert_int_equal(killswitch_set_tunnel(&ks, "kstun0"), 0);
	assert_int_equal(udp_send("10.99.0.2", 9999, 0), 0);
	assert_int_equal(count_arrivals(tun_far, "10.99.0.2", 9999), 1);
	assert_int_equal(udp_send("10.88.0.2", 9999, 0), EPERM);
	assert_int_equal(count_arrivals(ppp_far, "10.88.0.2", 9999), 0);
	assert_int_equal(udp_send(OTHER, 9999, 0), EPERM);
	assert_int_equal(killswitch_set_tunnel(&ks, "bad\"name"), -1);
	assert_string_equal(ks.tunnel, "kstun0");

	assert_int_equal(killswitch_disable(&ks), 0);
	assert_int_equal(killswitch_exists(NAME), 0);
	assert_int_equal(udp_send(OTHER, 9999, 0), 0);
	assert_int_equal(count_arrivals(far, OTHER, 9999), 1);
	assert_true(delivered(far, OTHER, 9999, 7001));
	assert_int_equal(killswitch_disable(&ks), 0); /* twice is fine */
	close(far);
	close(ppp_far);
	close(tun_far);
}

static int count_tables(void)
{
	char out[2048];
	int n = 0;

	netns_sh("nft list tables", out, sizeof(out));
	for (const char *p = out; (p = strstr(p, "table ")); p++)
		n++;
	return n;
}

#define GW6    "fd00:77::2"
#define OTHER6 "fd00:77::3"

static int udp6_send(const char *dst, uint16_t dport)
{
	struct sockaddr_in6 to = {.sin6_family = AF_INET6, .sin6_port = htons(dport)};
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	assert_true(fd >= 0);
	inet_pton(AF_INET6, dst, &to.sin6_addr);
	if (sendto(fd, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		err = errno;
	close(fd);
	return err;
}

/* A gateway reached over IPv6 (issue 17): the script names it with ip6
 * rules, with both families when a name resolved to both (IKE may fall
 * back to the other); in the kernel only its IKE/NAT-T ports pass. */
static void test_ipv6_gateway(void **state)
{
	struct killswitch ks;
	struct in6_addr gw6;
	struct in_addr gw;
	char s[4096];

	(void)state;
	make_ks(&ks, "");
	ks.gateway.s_addr = 0;
	inet_pton(AF_INET6, "2001:db8::5", &ks.gateway6);
	assert_true(killswitch_script(&ks, s, sizeof(s)) > 0);
	assert_non_null(strstr(s, "ip6 daddr 2001:db8::5 udp dport { 500, 4500 } accept"));
	assert_non_null(strstr(s, "ip6 saddr 2001:db8::5 udp sport { 500, 4500 } accept"));
	assert_non_null(strstr(s, "ip6 daddr 2001:db8::5 meta l4proto esp accept"));
	assert_non_null(strstr(s, "ip6 daddr 2001:db8::5 udp dport 1701 rt ipsec exists accept"));
	assert_non_null(strstr(s, "ip6 saddr 2001:db8::5 udp sport 1701 meta secpath exists"));
	assert_non_null(strstr(s, "ct original ip6 daddr 2001:db8::5 accept"));
	assert_null(strstr(s, "ip daddr"));
	inet_pton(AF_INET, "203.0.113.5", &ks.gateway);
	assert_true(killswitch_script(&ks, s, sizeof(s)) > 0);
	assert_non_null(strstr(s, "ip daddr 203.0.113.5 udp dport { 500, 4500 } accept"));
	assert_non_null(strstr(s, "ip6 daddr 2001:db8::5 udp dport { 500, 4500 } accept"));

	skip_unless_netns();
	assert_int_equal(netns_sh("ip -6 addr add fd00:77::1/64 dev v0 nodad && "
	                          "ip -6 neigh add " GW6 " lladdr 02:00:00:00:00:01 dev v0 && "
	                          "ip -6 neigh add " OTHER6 " lladdr 02:00:00:00:00:01 dev v0",
	                          NULL, 0),
	                 0);
	inet_pton(AF_INET6, GW6, &gw6);
	assert_int_equal(killswitch_enable(&ks, &lg, NAME, NULL, &gw6, 0, NULL), 0);
	assert_int_equal(udp6_send(GW6, 500), 0);
	assert_int_equal(udp6_send(GW6, 4500), 0);
	assert_int_equal(udp6_send(GW6, 9999), EPERM);
	assert_int_equal(udp6_send(OTHER6, 4500), EPERM);
	assert_int_equal(udp_send(GW, 4500, 0), EPERM); /* no IPv4 gateway */
	inet_pton(AF_INET, GW, &gw);
	assert_int_equal(killswitch_enable(&ks, &lg, NAME, &gw, &gw6, 0, NULL), 0);
	assert_int_equal(udp_send(GW, 4500, 0), 0);
	assert_int_equal(udp6_send(GW6, 4500), 0);
	assert_int_equal(udp6_send(OTHER6, 4500), EPERM);
	assert_int_equal(killswitch_disable(&ks), 0);
	assert_int_equal(udp6_send(OTHER6, 4500), 0);
	netns_sh("ip -6 addr del fd00:77::1/64 dev v0", NULL, 0);
}

/* Several connections, someone else's table, and a crashed run. */
static void test_tables_coexist_and_crash(void **state)
{
	struct killswitch a, b, again;
	struct in_addr gw;

	(void)state;
	skip_unless_netns();
	inet_pton(AF_INET, GW, &gw);
	assert_int_equal(netns_sh("nft add table inet theirs", NULL, 0), 0);
	assert_int_equal(killswitch_enable(&a, &lg, "a", &gw, NULL, 0, NULL), 0);
	assert_int_equal(killswitch_enable(&b, &lg, "b", &gw, NULL, 0, "ppp0"), 0);
	assert_int_equal(count_tables(), 3);
	assert_int_equal(killswitch_disable(&a), 0);
	assert_int_equal(killswitch_exists("a"), 0);
	assert_int_equal(killswitch_exists("b"), 1);
	assert_int_equal(count_tables(), 2);

	/* b's process "crashes": the table stays and keeps blocking */
	assert_int_equal(udp_send(OTHER, 9999, 0), EPERM);
	/* the next connect of b replaces it, no second table */
	assert_int_equal(killswitch_enable(&again, &lg, "b", &gw, NULL, 0, NULL), 0);
	assert_int_equal(count_tables(), 2);
	/* ... or the next disconnect removes it */
	assert_int_equal(killswitch_remove(&lg, "b"), 0);
	assert_int_equal(killswitch_exists("b"), 0);
	assert_int_equal(killswitch_remove(&lg, "b"), 0); /* none: fine */
	assert_int_equal(udp_send(OTHER, 9999, 0), 0);
	assert_int_equal(count_tables(), 1); /* theirs, untouched */
	assert_int_equal(netns_sh("nft delete table inet theirs", NULL, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_script_text),
	    cmocka_unit_test(test_script_refuses_bad_input),
	    cmocka_unit_test(test_traffic),
	    cmocka_unit_test(test_ipv6_gateway),
	    cmocka_unit_test(test_tables_coexist_and_crash),
	};

	log_init(&lg, LOG_TO_STDERR_PLAIN, LOG_LVL_WARNING);
	return cmocka_run_group_tests_name("killswitch", tests, setup_netns, NULL);
}
