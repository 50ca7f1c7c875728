/* sys/netcfg + sys/tun in a private network namespace (needs root):
 * addresses, routes, gateway pinning, undo and crash-undo from a file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "sys/netcfg.h"
#include "sys/tun.h"

static struct logger lg;

/* Runs a shell command in this (private) namespace and returns its output. */
static void sh(const char *cmd, char *out, size_t outsz)
{
	FILE *p = popen(cmd, "r");
	size_t n = 0;

	assert_non_null(p);
	if (out) {
		n = fread(out, 1, outsz - 1, p);
		out[n] = '\0';
	} else {
		char sink[256];

		while (fread(sink, 1, sizeof(sink), p) > 0)
			;
	}
	pclose(p);
}

static int setup_netns(void **state)
{
	(void)state;
	if (getuid() != 0 || unshare(CLONE_NEWNET) != 0)
		return 0; /* tests skip themselves */
	sh("ip link set lo up && ip link add v0 type veth peer name v1 && "
	   "ip addr add 192.0.2.1/24 dev v0 && ip link set v0 up && ip link set v1 up && "
	   "ip route add default via 192.0.2.254 dev v0 onlink 2>&1",
	   NULL, 0);
	return 0;
}

static void skip_unless_netns(void)
{
	if (netcfg_ifindex("v0") < 0)
		skip();
}

static void test_parse_cidr(void **state)
{
	struct in_addr a;
	uint8_t p;

	(void)state;
	assert_int_equal(netcfg_parse_cidr("10.20.0.0/16", &a, &p), 0);
	assert_int_equal(p, 16);
	assert_int_equal(ntohl(a.s_addr), 0x0a140000);
	assert_int_equal(netcfg_parse_cidr("10.1.2.3", &a, &p), 0);
	assert_int_equal(p, 32);
	assert_int_equal(netcfg_parse_cidr("10.20.0.1/16", &a, &p), -1); /* host bits */
	assert_int_equal(netcfg_parse_cidr("10.20.0.0/33", &a, &p), -1);
	assert_int_equal(netcfg_parse_cidr("10.20.0.0/", &a, &p), -1);
	assert_int_equal(netcfg_parse_cidr("/8", &a, &p), -1);
	assert_int_equal(netcfg_parse_cidr("300.1.1.1/8", &a, &p), -1);
	assert_int_equal(netcfg_parse_cidr("10.0.0.0/8x", &a, &p), -1);
}

static void test_tunnel_routes_and_undo(void **state)
{
	struct netcfg nc;
	char name[IFNAMSIZ] = "";
	char out[2048];
	struct in_addr local, peer, gw, net;
	uint8_t prefix;
	int fd, idx;

	(void)state;
	skip_unless_netns();
	fd = tun_open(name);
	assert_true(fd >= 0);
	assert_non_null(strstr(name, "l2tpsec"));
	idx = netcfg_ifindex(name);
	assert_true(idx > 0);
	assert_int_equal(netcfg_open(&nc, &lg), 0);

	inet_pton(AF_INET, "10.9.0.2", &local);
	inet_pton(AF_INET, "10.9.0.1", &peer);
	inet_pton(AF_INET, "203.0.113.5", &gw);
	assert_int_equal(netcfg_link_setup(&nc, idx, 1380, local, peer), 0);
	assert_int_equal(netcfg_pin_gateway(&nc, gw, idx), 0);
	assert_int_equal(netcfg_default_via(&nc, idx), 0);
	assert_int_equal(netcfg_parse_cidr("10.20.0.0/16", &net, &prefix), 0);
	assert_int_equal(netcfg_route_via(&nc, net, prefix, idx), 0);
	assert_int_equal(nc.n_added, 4);

	snprintf(out, sizeof(out), "ip -o link show %s", name);
	sh(out, out, sizeof(out));
	assert_non_null(strstr(out, "mtu 1380"));
	sh("ip -4 -o addr show", out, sizeof(out));
	assert_non_null(strstr(out, "10.9.0.2 peer 10.9.0.1/32"));
	sh("ip -4 route show proto 157", out, sizeof(out));
	assert_non_null(strstr(out, "203.0.113.5 via 192.0.2.254 dev v0"));
	assert_non_null(strstr(out, "0.0.0.0/1 dev l2tpsec"));
	assert_non_null(strstr(out, "128.0.0.0/1 dev l2tpsec"));
	assert_non_null(strstr(out, "10.20.0.0/16 dev l2tpsec"));
	/* the existing default route is untouched */
	sh("ip -4 route show default", out, sizeof(out));
	assert_non_null(strstr(out, "default via 192.0.2.254"));

	/* a route that exists already is not ours to remove */
	assert_int_equal(netcfg_route_via(&nc, net, prefix, idx), 0);
	assert_int_equal(nc.n_added, 4);

	netcfg_undo(&nc);
	assert_int_equal(nc.n_added, 0);
	sh("ip -4 route show proto 157", out, sizeof(out));
	assert_string_equal(out, "");
	sh("ip -4 route show default", out, sizeof(out));
	assert_non_null(strstr(out, "default via 192.0.2.254"));
	netcfg_close(&nc);
	close(fd);
}

/* A crashed run left a pinned gateway route: the next start removes it. */
static void test_undo_from_file_after_crash(void **state)
{
	struct netcfg nc, next;
	struct in_addr gw;
	char path[] = "/tmp/l2tpsec-netcfg-XXXXXX";
	char out[1024];
	int tmpfd;

	(void)state;
	skip_unless_netns();
	tmpfd = mkstemp(path);
	assert_true(tmpfd >= 0);
	close(tmpfd);
	assert_int_equal(netcfg_open(&nc, &lg), 0);
	inet_pton(AF_INET, "198.51.100.7", &gw);
	assert_int_equal(netcfg_pin_gateway(&nc, gw, -1), 0);
	assert_int_equal(netcfg_save(&nc, path), 0);
	netcfg_close(&nc); /* "crash": nothing undone */
	sh("ip -4 route show proto 157", out, sizeof(out));
	assert_non_null(strstr(out, "198.51.100.7 via 192.0.2.254"));

	assert_int_equal(netcfg_open(&next, &lg), 0);
	assert_int_equal(netcfg_undo_file(&next, path), 0);
	sh("ip -4 route show proto 157", out, sizeof(out));
	assert_string_equal(out, "");
	assert_int_equal(access(path, F_OK), -1);
	/* no file: nothing to do */
	assert_int_equal(netcfg_undo_file(&next, path), 0);
	netcfg_close(&next);
}

static void read_conf(const char *ifname, const char *key, char *out, size_t outsz)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/%s", ifname, key);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(out, (int)outsz, f));
	fclose(f);
}

/* IPv6 inside the tunnel (issue 17): IPV6CP's link-local on TUN, router
 * advertisements taken but not their default route, our routes through the
 * tunnel recorded, listed, saved for crash undo and removed. */
static void test_ipv6_on_tun(void **state)
{
	static const uint8_t ifid[8] = {0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55};
	struct netcfg nc, next;
	char name[IFNAMSIZ] = "", out[2048], addrs[4][INET6_ADDRSTRLEN + 4];
	char path[] = "/tmp/l2tpsec-netcfg6-XXXXXX";
	struct in6_addr net;
	struct in_addr local, peer;
	uint8_t got[8];
	int fd, idx, tmpfd;
	size_t n;
	bool found;

	(void)state;
	skip_unless_netns();
	fd = tun_open(name);
	assert_true(fd >= 0);
	idx = netcfg_ifindex(name);
	assert_int_equal(netcfg_open(&nc, &lg), 0);
	inet_pton(AF_INET, "10.9.0.2", &local);
	inet_pton(AF_INET, "10.9.0.1", &peer);
	assert_int_equal(netcfg_link_setup(&nc, idx, 1400, local, peer), 0);

	/* an RA's default route taken before we turned that off goes, others stay */
	snprintf(out, sizeof(out),
	         "ip -6 route add default dev %s proto ra metric 1024 2>&1; "
	         "ip -6 route add default dev v0 metric 2000 2>&1",
	         name);
	sh(out, NULL, 0);
	assert_int_equal(netcfg6_accept_ra(&nc, name, false), 0);
	sh("ip -6 route show default", out, sizeof(out));
	assert_null(strstr(out, name));
	assert_non_null(strstr(out, "dev v0"));
	sh("ip -6 route del default dev v0 metric 2000", NULL, 0);
	read_conf(name, "accept_ra", out, sizeof(out));
	assert_string_equal(out, "2\n");
	read_conf(name, "accept_ra_defrtr", out, sizeof(out));
	assert_string_equal(out, "0\n");
	assert_int_equal(netcfg6_link_local(&nc, idx, ifid), 0);
	assert_int_equal(netcfg6_link_local_ifid(name, got), 0);
	/* newer kernels give TUN a random link-local of their own as well */
	n = netcfg6_addresses(name, addrs, 4);
	assert_true(n >= 1);
	for (found = false; n > 0; n--)
		found |= strcmp(addrs[n - 1], "fe80::211:22ff:fe33:4455/64") == 0;
	assert_true(found);

	assert_int_equal(netcfg6_default_via(&nc, idx), 0);
	inet_pton(AF_INET6, "2001:db8:1::", &net);
	assert_int_equal(netcfg6_route_via(&nc, &net, 48, idx), 0);
	assert_int_equal(nc.n_added6, 3);
	snprintf(out, sizeof(out), "ip -6 route show proto 157 dev %s", name);
	sh(out, out, sizeof(out));
	assert_non_null(strstr(out, "::/1 "));
	assert_non_null(strstr(out, "8000::/1 "));
	assert_non_null(strstr(out, "2001:db8:1::/48 "));

	/* a crash with the routes saved: the next start removes them */
	tmpfd = mkstemp(path);
	assert_true(tmpfd >= 0);
	close(tmpfd);
	assert_int_equal(netcfg_save(&nc, path), 0);
	netcfg_close(&nc);
	assert_int_equal(netcfg_open(&next, &lg), 0);
	assert_int_equal(netcfg_undo_file(&next, path), 0);
	sh("ip -6 route show proto 157", out, sizeof(out));
	assert_string_equal(out, "");

	/* and undo removes what was added in this run */
	assert_int_equal(netcfg6_route_via(&next, &net, 48, idx), 0);
	netcfg_undo(&next);
	assert_int_equal(next.n_added6, 0);
	sh("ip -6 route show proto 157", out, sizeof(out));
	assert_string_equal(out, "");
	netcfg_close(&next);
	close(fd);
}

/* No IPv6 leak around a full tunnel without IPv6 (issue 17): IPv6 beyond
 * the local link is refused, the LAN and link-local stay; the prohibit
 * routes survive a crash record and give way to routes through the tunnel. */
static void test_ipv6_prohibit_default(void **state)
{
	struct netcfg nc, next;
	char out[2048], path[] = "/tmp/l2tpsec-netcfg6p-XXXXXX";
	char name[IFNAMSIZ] = "";
	int tmpfd, fd, idx;

	(void)state;
	skip_unless_netns();
	sh("ip -6 addr add 2001:db8:a::1/64 dev v0 nodad && "
	   "ip -6 route add default via 2001:db8:a::ff dev v0 2>&1",
	   NULL, 0);
	assert_int_equal(netcfg_open(&nc, &lg), 0);
	assert_int_equal(netcfg6_prohibit_default(&nc), 0);
	assert_int_equal(nc.n_added6, 2);
	sh("ip -6 route show proto 157", out, sizeof(out));
	assert_non_null(strstr(out, "prohibit ::/1 "));
	assert_non_null(strstr(out, "prohibit 8000::/1 "));
	sh("ip -6 route get 2001:db8:ffff::1 2>&1", out, sizeof(out));
	assert_non_null(strstr(out, "Permission denied")); /* EACCES: refused at once */
	sh("ip -6 route get 2001:db8:a::5 2>&1", out, sizeof(out));
	assert_non_null(strstr(out, "dev v0"));
	sh("ip -6 route get fe80::5 oif v0 2>&1", out, sizeof(out));
	assert_null(strstr(out, "prohibit"));

	/* crash record: the next start removes them */
	tmpfd = mkstemp(path);
	assert_true(tmpfd >= 0);
	close(tmpfd);
	assert_int_equal(netcfg_save(&nc, path), 0);
	netcfg_close(&nc);
	assert_int_equal(netcfg_open(&next, &lg), 0);
	assert_int_equal(netcfg_undo_file(&next, path), 0);
	sh("ip -6 route get 2001:db8:ffff::1 2>&1", out, sizeof(out));
	assert_non_null(strstr(out, "via 2001:db8:a::ff dev v0"));

	/* IPv6 comes up in the tunnel: the prohibit routes give way */
	fd = tun_open(name);
	assert_true(fd >= 0);
	idx = netcfg_ifindex(name);
	sh("ip link set dev l2tpsec0 up 2>&1; ip link set dev l2tpsec1 up 2>&1", NULL, 0);
	assert_int_equal(netcfg6_prohibit_default(&next), 0);
	assert_int_equal(netcfg6_default_via(&next, idx), 0);
	assert_int_equal(next.n_added6, 2);
	assert_false(next.added6[0].prohibit || next.added6[1].prohibit);
	sh("ip -6 route show proto 157 2>&1", out, sizeof(out));
	assert_null(strstr(out, "prohibit"));
	netcfg_undo(&next);
	sh("ip -6 route show proto 157", out, sizeof(out));
	assert_string_equal(out, "");
	netcfg_close(&next);
	close(fd);
}

/* A gateway reached over IPv6 (issue 17): its /128 over the path it has
 * now (next hop included) stays reachable under the leak block's prohibit
 * routes, and a crash record with the next hop undoes it. */
static void test_ipv6_pin_gateway(void **state)
{
	struct netcfg nc, next;
	struct in6_addr gw, lan;
	char out[2048], path[] = "/tmp/l2tpsec-netcfg6g-XXXXXX";
	FILE *f;
	int tmpfd;

	(void)state;
	skip_unless_netns();
	sh("ip -6 addr add 2001:db8:a::1/64 dev v0 nodad 2>&1; "
	   "ip -6 route add default via 2001:db8:a::ff dev v0 2>&1",
	   NULL, 0);
	inet_pton(AF_INET6, "2001:db8:ffff::7", &gw);
	inet_pton(AF_INET6, "2001:db8:a::9", &lan);
	assert_int_equal(netcfg_open(&nc, &lg), 0);
	assert_int_equal(netcfg6_pin_gateway(&nc, &gw, -1), 0);
	assert_int_equal(netcfg6_pin_gateway(&nc, &gw, -1), 0);  /* once */
	assert_int_equal(netcfg6_pin_gateway(&nc, &lan, -1), 0); /* on-link: no next hop */
	assert_int_equal(nc.n_added6, 2);
	assert_int_equal(netcfg6_prohibit_default(&nc), 0);
	sh("ip -6 route show proto 157", out, sizeof(out));
	assert_non_null(strstr(out, "2001:db8:ffff::7 via 2001:db8:a::ff dev v0"));
	assert_non_null(strstr(out, "2001:db8:a::9 dev v0"));
	sh("ip -6 route get 2001:db8:ffff::7 2>&1", out, sizeof(out));
	assert_non_null(strstr(out, "via 2001:db8:a::ff dev v0"));
	sh("ip -6 route get 2001:db8:ffff::8 2>&1", out, sizeof(out));
	assert_non_null(strstr(out, "Permission denied"));

	tmpfd = mkstemp(path);
	assert_true(tmpfd >= 0);
	close(tmpfd);
	assert_int_equal(netcfg_save(&nc, path), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	out[fread(out, 1, sizeof(out) - 1, f)] = '\0';
	fclose(f);
	assert_non_null(strstr(out, "route6 2001:db8:ffff::7/128 "));
	assert_non_null(strstr(out, " via 2001:db8:a::ff\n"));
	netcfg_close(&nc); /* "crash" */
	assert_int_equal(netcfg_open(&next, &lg), 0);
	assert_int_equal(netcfg_undo_file(&next, path), 0);
	sh("ip -6 route show proto 157", out, sizeof(out));
	assert_string_equal(out, "");
	netcfg_close(&next);
	sh("ip -6 route del default via 2001:db8:a::ff dev v0 2>&1; "
	   "ip -6 addr del 2001:db8:a::1/64 dev v0 2>&1",
	   NULL, 0);
}

/* Two full tunnels up at once (issue 17): each connection's 0/1 + 128/1,
 * ::/1 + 8000::/1 and prohibit routes are its own (a metric per
 * connection), so the second adds them too and the first one's undo, or a
 * crash record of it, leaves the second's in place. */
static void tunnel_up(struct netcfg *nc, int *fd, int *idx, const char *local_text)
{
	char name[IFNAMSIZ] = "";
	struct in_addr local, peer;

	*fd = tun_open(name);
	assert_true(*fd >= 0);
	*idx = netcfg_ifindex(name);
	assert_int_equal(netcfg_open(nc, &lg), 0);
	inet_pton(AF_INET, local_text, &local);
	inet_pton(AF_INET, "10.9.0.1", &peer);
	assert_int_equal(netcfg_link_setup(nc, *idx, 1400, local, peer), 0);
}

static void assert_route_get(const char *dst, const char *expect)
{
	char cmd[128], out[512];

	snprintf(cmd, sizeof(cmd), "ip route get %s 2>&1", dst);
	sh(cmd, out, sizeof(out));
	if (!strstr(out, expect))
		fail_msg("ip route get %s: '%s', wanted '%s'", dst, out, expect);
}

static void test_two_full_tunnels(void **state)
{
	struct netcfg first, second, next;
	char path[] = "/tmp/l2tpsec-netcfg2-XXXXXX", want[32];
	int fd1, fd2, idx1, idx2, tmpfd;

	(void)state;
	skip_unless_netns();
	sh("ip -6 addr add 2001:db8:b::1/64 dev v0 nodad 2>&1; "
	   "ip -6 route add default via 2001:db8:b::ff dev v0 2>&1",
	   NULL, 0);
	tunnel_up(&first, &fd1, &idx1, "10.9.0.2");
	tunnel_up(&second, &fd2, &idx2, "10.9.0.3");
	second.metric = first.metric + 1; /* two processes in real life */

	/* neither carries IPv6 yet: both block it */
	assert_int_equal(netcfg6_prohibit_default(&first), 0);
	assert_int_equal(netcfg6_prohibit_default(&second), 0);
	assert_int_equal(second.n_added6, 2);
	assert_int_equal(netcfg_default_via(&first, idx1), 0);
	assert_int_equal(netcfg_default_via(&second, idx2), 0);
	assert_int_equal(second.n_added, 2);

	/* the second carries IPv6: its routes beat every prohibit route */
	assert_int_equal(netcfg6_default_via(&second, idx2), 0);
	assert_int_equal(second.n_added6, 2);
	snprintf(want, sizeof(want), "dev %s", "l2tpsec");
	assert_route_get("2001:db8:ffff::1", want);
	assert_route_get("8001::1", want);

	/* the first one crashes; its record is undone by the next start */
	tmpfd = mkstemp(path);
	assert_true(tmpfd >= 0);
	close(tmpfd);
	assert_int_equal(netcfg_save(&first, path), 0);
	netcfg_close(&first);
	assert_int_equal(netcfg_open(&next, &lg), 0);
	assert_int_equal(netcfg_undo_file(&next, path), 0);
	netcfg_close(&next);
	close(fd1);
	/* the second's routes are all still there */
	assert_route_get("2001:db8:ffff::1", want);
	assert_route_get("198.18.0.1", want);
	assert_route_get("203.0.113.9", want);

	/* the second falls back to blocking IPv6 and a third full tunnel
	 * without IPv6 comes and goes: the block stays */
	netcfg6_undo(&second);
	assert_int_equal(netcfg6_prohibit_default(&second), 0);
	tunnel_up(&first, &fd1, &idx1, "10.9.0.4");
	first.metric = second.metric + 1;
	assert_int_equal(netcfg6_prohibit_default(&first), 0);
	assert_int_equal(first.n_added6, 2);
	netcfg_undo(&first);
	netcfg_close(&first);
	close(fd1);
	assert_route_get("2001:db8:ffff::1", "Permission denied");

	netcfg_undo(&second);
	netcfg_close(&second);
	close(fd2);
	assert_route_get("2001:db8:ffff::1", "dev v0"); /* no block left */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_cidr),
	    cmocka_unit_test(test_tunnel_routes_and_undo),
	    cmocka_unit_test(test_undo_from_file_after_crash),
	    cmocka_unit_test(test_ipv6_on_tun),
	    cmocka_unit_test(test_ipv6_pin_gateway),
	    cmocka_unit_test(test_ipv6_prohibit_default),
	    cmocka_unit_test(test_two_full_tunnels),
	};

	log_init(&lg, LOG_TO_STDERR_PLAIN, LOG_LVL_WARNING);
	return cmocka_run_group_tests_name("netcfg", tests, setup_netns, NULL);
}
