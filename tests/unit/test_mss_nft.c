/* sys/mss_nft: the nft script's text and what it refuses, and real SYNs
 * forwarded through the table inside a private network namespace (needs
 * root, nft and nf_tables; skipped otherwise). Nothing leaves the
 * namespace: a "LAN" veth pair and a "tunnel" veth pair standing in for
 * pppN, frames injected on one far end and read on the other. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
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
#include "sys/mss_nft.h"
#include "tests/unit/netns.h"

#define NAME "mss-test"

static struct logger lg;
static bool have_netns; /* root, private namespace, nft and nf_tables work */

static const char script_1400[] = "table inet l2tpsec-mss_office\n"
                                  "delete table inet l2tpsec-mss_office\n"
                                  "table inet l2tpsec-mss_office {\n"
                                  "\tchain forward {\n"
                                  "\t\ttype filter hook forward priority -150; policy accept;\n"
                                  "\t\toifname \"ppp0\" meta nfproto ipv4 tcp flags & syn == syn "
                                  "tcp option maxseg size > 1360 tcp option maxseg size set 1360\n"
                                  "\t\tiifname \"ppp0\" meta nfproto ipv4 tcp flags & syn == syn "
                                  "tcp option maxseg size > 1360 tcp option maxseg size set 1360\n"
                                  "\t\toifname \"ppp0\" meta nfproto ipv6 tcp flags & syn == syn "
                                  "tcp option maxseg size > 1340 tcp option maxseg size set 1340\n"
                                  "\t\tiifname \"ppp0\" meta nfproto ipv6 tcp flags & syn == syn "
                                  "tcp option maxseg size > 1340 tcp option maxseg size set 1340\n"
                                  "\t}\n"
                                  "}\n";

static void test_script_text(void **state)
{
	char s[2048];

	(void)state;
	assert_int_equal(mss_nft_script("office", "ppp0", 1400, s, sizeof(s)),
	                 (int)strlen(script_1400));
	assert_string_equal(s, script_1400);
	/* it never drops, and touches nothing but SYNs on that interface */
	assert_null(strstr(s, "drop"));
	assert_null(strstr(s, "ppp*"));
}

/* IPv4's MSS is MTU - 40; IPv6's MTU - 60, and only where IPv6 can run. */
static void test_script_mtu_edges(void **state)
{
	char s[2048];

	(void)state;
	assert_true(mss_nft_script("office", "ppp1", 1280, s, sizeof(s)) > 0);
	assert_non_null(strstr(s,
	                       "oifname \"ppp1\" meta nfproto ipv4 tcp flags & syn == syn "
	                       "tcp option maxseg size > 1240 tcp option maxseg size set 1240\n"));
	assert_non_null(strstr(s,
	                       "iifname \"ppp1\" meta nfproto ipv6 tcp flags & syn == syn "
	                       "tcp option maxseg size > 1220 tcp option maxseg size set 1220\n"));
	assert_true(mss_nft_script("office", "ppp1", 1279, s, sizeof(s)) > 0);
	assert_non_null(strstr(s, "maxseg size set 1239\n"));
	assert_null(strstr(s, "ipv6"));
	assert_true(mss_nft_script("office", "ppp1", 68, s, sizeof(s)) > 0);
	assert_non_null(strstr(s, "maxseg size > 28 tcp option maxseg size set 28\n"));
	assert_true(mss_nft_script("office", "ppp1", 65535, s, sizeof(s)) > 0);
	assert_non_null(strstr(s, "maxseg size set 65495\n"));
	assert_non_null(strstr(s, "maxseg size set 65475\n"));
	assert_int_equal(mss_nft_script("office", "ppp1", 67, s, sizeof(s)), -1);
	assert_int_equal(mss_nft_script("office", "ppp1", 0, s, sizeof(s)), -1);
	assert_int_equal(mss_nft_script("office", "ppp1", 65536, s, sizeof(s)), -1);
}

static void test_script_refuses_bad_input(void **state)
{
	char s[2048], long_name[80];
	struct mss_nft m;

	(void)state;
	assert_int_equal(mss_nft_script("", "ppp0", 1400, s, sizeof(s)), -1);
	assert_int_equal(mss_nft_script("-x", "ppp0", 1400, s, sizeof(s)), -1);
	assert_int_equal(mss_nft_script("a b", "ppp0", 1400, s, sizeof(s)), -1);
	assert_int_equal(mss_nft_script("a;flush ruleset", "ppp0", 1400, s, sizeof(s)), -1);
	assert_int_equal(mss_nft_script("a\"b", "ppp0", 1400, s, sizeof(s)), -1);
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_false(killswitch_name_valid(long_name));
	assert_int_equal(mss_nft_script(long_name, "ppp0", 1400, s, sizeof(s)), -1);
	/* the same names as the kill switch, up to its longest */
	long_name[KILLSWITCH_TABLE_MAX - sizeof(KILLSWITCH_TABLE_PREFIX)] = '\0';
	assert_true(killswitch_name_valid(long_name));
	assert_true(mss_nft_script(long_name, "ppp0", 1400, s, sizeof(s)) > 0);

	assert_int_equal(mss_nft_script("office", "", 1400, s, sizeof(s)), -1);
	assert_int_equal(mss_nft_script("office", "ppp*", 1400, s, sizeof(s)), -1);
	assert_int_equal(mss_nft_script("office", "pp\"p0", 1400, s, sizeof(s)), -1);
	assert_int_equal(mss_nft_script("office", "ppp0\n", 1400, s, sizeof(s)), -1);
	assert_int_equal(mss_nft_script("office", "ppp0 x", 1400, s, sizeof(s)), -1);
	assert_int_equal(mss_nft_script("office", "ifname-too-long0", 1400, s, sizeof(s)), -1);
	assert_int_equal(mss_nft_script("office", "ppp0", 1400, s, 100), -1); /* does not fit */
	assert_int_equal(mss_nft_script("office", "ppp0", 1400, s, 0), -1);

	assert_int_equal(mss_nft_exists("a b"), -1);
	assert_int_equal(mss_nft_remove(&lg, "a;b"), -1);
	/* refused before nft runs: nothing installed, nothing to remove */
	m.active = false;
	assert_int_equal(mss_nft_install(&m, &lg, "a b", "ppp0", 1400), -1);
	assert_false(m.active);
	assert_int_equal(mss_nft_install(&m, &lg, "office", "ppp0", 40), -1);
	assert_false(m.active);
	mss_nft_uninstall(&m);
}

/* ---- forwarded SYNs in a namespace ---- */

/* lan0 (10.66.0.1, fd66::1) faces a "LAN host" at its far end lan1,
 * pmss0 (10.67.0.1, fd67::1) is the "tunnel" with the "gateway" at pmss1.
 * The far ends have no address: only our packet sockets see what reaches
 * them. Static neighbours spare us ARP and ND. */
static const char netns_setup[] = NETNS_MAC_FN
    "ip link set lo up && "
    "ip link add lan0 type veth peer name lan1 && "
    "ip link add pmss0 type veth peer name pmss1 && "
    "for l in lan0 lan1 pmss0 pmss1; do ip link set $l up || exit 1; done && "
    "ip addr add 10.66.0.1/24 dev lan0 && ip addr add 10.67.0.1/24 dev pmss0 && "
    "ip addr add fd66::1/64 dev lan0 nodad && ip addr add fd67::1/64 dev pmss0 nodad && "
    "ip neigh add 10.66.0.2 lladdr $(mac lan1) dev lan0 nud permanent && "
    "ip neigh add 10.67.0.2 lladdr $(mac pmss1) dev pmss0 nud permanent && "
    "ip neigh add fd66::2 lladdr $(mac lan1) dev lan0 nud permanent && "
    "ip neigh add fd67::2 lladdr $(mac pmss1) dev pmss0 nud permanent && "
    "sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1";

static int setup_netns(void **state)
{
	(void)state;
	have_netns = netns_enter(netns_setup);
	return 0;
}

static uint16_t ip_checksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* A TCP segment (flags, MSS option) from src to dst, IPv4 or IPv6, with
 * the IPv4 header checksum (forwarding checks it; the TCP checksum is
 * left 0, which forwarding does not look at). Its length. */
static size_t tcp_syn(uint8_t *p, int af, const char *src, const char *dst, uint8_t flags,
                      uint16_t mss)
{
	size_t ih = af == AF_INET ? 20 : 40;
	uint8_t *tcp = p + ih;

	memset(p, 0, ih + 24);
	if (af == AF_INET) {
		p[0] = 0x45;
		p[3] = (uint8_t)(ih + 24);
		p[8] = 64;
		p[9] = 6;
		inet_pton(AF_INET, src, p + 12);
		inet_pton(AF_INET, dst, p + 16);
		p[10] = (uint8_t)(ip_checksum(p, 20) >> 8);
		p[11] = (uint8_t)ip_checksum(p, 20);
	} else {
		p[0] = 0x60;
		p[5] = 24;
		p[6] = 6;
		p[7] = 64;
		inet_pton(AF_INET6, src, p + 8);
		inet_pton(AF_INET6, dst, p + 24);
	}
	tcp[0] = 0x9c; /* ports 40000 -> 443 */
	tcp[1] = 0x40;
	tcp[3] = 0xbb;
	tcp[2] = 0x01;
	tcp[12] = 6 << 4; /* 24 bytes: the MSS option */
	tcp[13] = flags;
	tcp[14] = 0xff;
	tcp[20] = 2;
	tcp[21] = 4;
	tcp[22] = (uint8_t)(mss >> 8);
	tcp[23] = (uint8_t)mss;
	return ih + 24;
}

/* Sends pkt as a frame into far (the far end of near), to near's MAC:
 * for the kernel it arrives on near from outside. */
static void inject(const char *far, const char *near, uint16_t proto, const uint8_t *pkt,
                   size_t len)
{
	struct sockaddr_ll to = netns_frame_to(far, near, proto);
	int fd = netns_packet_socket(far, proto);

	assert_int_equal(sendto(fd, pkt, len, 0, (struct sockaddr *)&to, sizeof(to)), (ssize_t)len);
	close(fd);
}

/* The MSS of the first TCP segment to port 443 that reaches fd within
 * 300 ms, or -1 when none does. */
static int forwarded_mss(int fd, int af)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	size_t ih = af == AF_INET ? 20 : 40;

	while (poll(&pfd, 1, 300) > 0) {
		uint8_t buf[2048];
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		const uint8_t *tcp = buf + ih;

		if (len >= (ssize_t)(ih + 24) && buf[af == AF_INET ? 9 : 6] == 6 &&
		    tcp[2] == 0x01 && tcp[3] == 0xbb && tcp[20] == 2)
			return tcp[22] << 8 | tcp[23];
	}
	return -1;
}

/* One segment with that MSS through the namespace: LAN -> tunnel when out,
 * tunnel -> LAN else. The MSS that arrived, -1 for none. */
static int through(int af, bool out, uint8_t flags, uint16_t mss)
{
	uint16_t proto = af == AF_INET ? ETH_P_IP : ETH_P_IPV6;
	const char *lan = af == AF_INET ? "10.66.0.2" : "fd66::2";
	const char *gw = af == AF_INET ? "10.67.0.2" : "fd67::2";
	uint8_t pkt[80];
	size_t len = tcp_syn(pkt, af, out ? lan : gw, out ? gw : lan, flags, mss);
	int fd = netns_packet_socket(out ? "pmss1" : "lan1", proto), got;

	inject(out ? "lan1" : "pmss1", out ? "lan0" : "pmss0", proto, pkt, len);
	got = forwarded_mss(fd, af);
	close(fd);
	return got;
}

#define SYN    0x02
#define SYNACK 0x12
#define ACK    0x10

static void test_forwarded_syns(void **state)
{
	struct mss_nft m = {0};

	(void)state;
	if (!have_netns)
		skip();
	/* before: the LAN host's MSS goes through as it is */
	assert_int_equal(through(AF_INET, true, SYN, 1460), 1460);
	assert_int_equal(through(AF_INET, false, SYNACK, 1460), 1460);

	assert_int_equal(mss_nft_install(&m, &lg, NAME, "pmss0", 1400), 0);
	assert_true(m.active);
	assert_int_equal(mss_nft_exists(NAME), 1);
	assert_int_equal(through(AF_INET, true, SYN, 1460), 1360);     /* to the gateway */
	assert_int_equal(through(AF_INET, false, SYNACK, 1460), 1360); /* its answer */
	assert_int_equal(through(AF_INET, true, SYN, 1200), 1200);     /* never raised */
	assert_int_equal(through(AF_INET, true, ACK, 1460), 1460);     /* SYNs only */
	assert_int_equal(through(AF_INET6, true, SYN, 1440), 1340);
	assert_int_equal(through(AF_INET6, false, SYNACK, 1440), 1340);

	/* a reconnect with another MTU replaces the table */
	assert_int_equal(mss_nft_install(&m, &lg, NAME, "pmss0", 1300), 0);
	assert_int_equal(through(AF_INET, true, SYN, 1460), 1260);

	mss_nft_uninstall(&m);
	assert_false(m.active);
	assert_int_equal(mss_nft_exists(NAME), 0);
	assert_int_equal(through(AF_INET, true, SYN, 1460), 1460);
	mss_nft_uninstall(&m); /* twice is fine */
}

/* Someone else's table and the kill switch's stay; a crashed run's table
 * goes at the next connect or disconnect of the name. */
static void test_tables_and_crash(void **state)
{
	struct mss_nft m = {0}, again = {0};

	(void)state;
	if (!have_netns)
		skip();
	assert_int_equal(
	    netns_sh("nft add table inet theirs && nft add table inet l2tpsec_" NAME, NULL, 0), 0);
	assert_int_equal(mss_nft_install(&m, &lg, NAME, "pmss0", 1400), 0);
	/* the process "crashes": the table stays, then is replaced once */
	assert_int_equal(mss_nft_install(&again, &lg, NAME, "pmss0", 1400), 0);
	assert_int_equal(mss_nft_exists(NAME), 1);
	assert_int_equal(mss_nft_remove(&lg, NAME), 0);
	assert_int_equal(mss_nft_exists(NAME), 0);
	assert_int_equal(mss_nft_remove(&lg, NAME), 0); /* none: fine */
	assert_int_equal(killswitch_exists(NAME), 1);
	assert_int_equal(
	    netns_sh("nft delete table inet theirs && nft delete table inet l2tpsec_" NAME, NULL,
	             0),
	    0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_script_text),
	    cmocka_unit_test(test_script_mtu_edges),
	    cmocka_unit_test(test_script_refuses_bad_input),
	    cmocka_unit_test(test_forwarded_syns),
	    cmocka_unit_test(test_tables_and_crash),
	};

	log_init(&lg, LOG_TO_STDERR_PLAIN, LOG_LVL_WARNING);
	return cmocka_run_group_tests_name("mss_nft", tests, setup_netns, NULL);
}
