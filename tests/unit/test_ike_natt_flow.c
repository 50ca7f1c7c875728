/* Unit tests for NAT traversal in whole exchanges against the scripted
 * responder (tests/ike/scripted_gw.c) on loopback: the NAT-D payloads of MM3
 * with and without forced UDP encapsulation, floating to the NAT-T port and
 * the UDP-encapsulated transport mode, NAT keepalives only when behind a
 * NAT, what the NAT-T socket hands to the data path, and the local ports:
 * shared by two sessions, or ephemeral when held by a program that does not
 * share them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ike/natt.h"
#include "lib/util.h"
#include "tests/ike/scripted_gw.h"
#include "tests/unit/hijack.h"

static uint16_t port_of(const struct sockaddr_storage *ss)
{
	return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

/* Hash of the session's own address as the gateway sees it, and of the
 * gateway's as the session sends to it (RFC 3947 §3.2). */
static void expected_natd(struct gw *g, uint8_t *ours, uint8_t *theirs)
{
	struct sockaddr_storage us;
	socklen_t alen = sizeof(us);

	assert_int_equal(ike_natt_hash(NULL, IKE_HASH_SHA1, g->icky, g->rcky,
	                               (const struct sockaddr *)&g->peer, ours),
	                 20);
	getsockname(g->fd, (struct sockaddr *)&us, &alen);
	assert_int_equal(ike_natt_hash(NULL, IKE_HASH_SHA1, g->icky, g->rcky,
	                               (const struct sockaddr *)&us, theirs),
	                 20);
}

static void test_natd_true_without_forcing(void **state)
{
	struct gw *g = *state;
	uint8_t ours[20], theirs[20];
	struct ike_status st;

	g->natt = true;
	g->qm_life = 3600;
	gw_start(g, 3600, 0, 0);
	gw_main_mode(g, false);
	assert_int_equal(g->nnatd, 2);
	expected_natd(g, ours, theirs);
	assert_int_equal(g->natd_len[0], 20);
	assert_memory_equal(g->natd[0], theirs, 20); /* first the destination */
	assert_memory_equal(g->natd[1], ours, 20);   /* then us, truthfully */
	assert_false(g->floated);                    /* MM5 on the IKE port */
	gw_quick_mode(g, false);
	assert_int_equal(g->qm_encap, ENCAP_TRANSPORT);
	assert_int_equal(g->nseen, 1);
	gw_check_keys(g, &g->seen[0].sa);
	assert_false(g->seen[0].sa.udp_encap);
	ike_get_status(g->ike, &st);
	assert_false(st.udp_encap);
	assert_false(st.nat_local);
	assert_false(st.nat_remote);
}

/* force_encaps without a NAT: our NAT-D of ourselves cannot match, the
 * session floats after MM4 anyway and asks for UDP-encapsulated transport
 * (RFC 3947 value 3); no keepalives (we are not behind a NAT). */
/* The data path is known only once MM1 is out: forcing encapsulation set
 * then still makes MM3's NAT-D lie; after Main Mode it changes nothing. */
static void test_force_encaps_set_after_mm1(void **state)
{
	struct gw *g = *state;
	struct ike_config cfg;
	uint8_t ours[20], theirs[20];

	g->natt = true;
	g->qm_life = 3600;
	gw_config(g, &cfg, 3600, 0, 0);
	gw_start_cfg(g, &cfg);
	ike_set_force_encaps(g->ike, true);
	gw_main_mode(g, false);
	ike_set_force_encaps(g->ike, false); /* too late: ignored */
	gw_quick_mode(g, false);
	assert_int_equal(g->qm_encap, ENCAP_UDP_TRANSPORT_RFC);
	assert_int_equal(g->nnatd, 2);
	expected_natd(g, ours, theirs);
	assert_memory_equal(g->natd[0], theirs, 20);
	assert_memory_not_equal(g->natd[1], ours, 20);
	assert_true(g->floated);
	assert_int_equal(g->failed, 0);
}

static void test_force_encaps_without_nat(void **state)
{
	struct gw *g = *state;
	uint8_t ours[20], theirs[20];
	struct ike_status st;
	struct sockaddr_in gw_natt;
	socklen_t alen = sizeof(gw_natt);

	g->natt = true;
	g->force_encaps = true;
	g->keepalive_s = 1;
	g->qm_life = 3600;
	gw_start(g, 3600, 0, 0);
	gw_main_mode(g, false);
	assert_int_equal(g->nnatd, 2);
	expected_natd(g, ours, theirs);
	assert_memory_equal(g->natd[0], theirs, 20);
	assert_int_equal(g->natd_len[1], 20);
	assert_memory_not_equal(g->natd[1], ours, 20);
	assert_true(g->floated); /* MM5 came on the NAT-T port, with the marker */
	gw_quick_mode(g, false);
	assert_true(g->floated);
	assert_int_equal(g->qm_encap, ENCAP_UDP_TRANSPORT_RFC);
	assert_int_equal(g->failed, 0);
	assert_int_equal(g->nseen, 1);
	gw_check_keys(g, &g->seen[0].sa);
	assert_true(g->seen[0].sa.udp_encap);
	/* The pair's ports are the NAT-T sockets'. */
	assert_int_equal(port_of(&g->seen[0].sa.local), ike_natt_port(g->ike));
	assert_int_equal(ike_natt_port(g->ike),
	                 ntohs(((struct sockaddr_in *)&g->peer_natt)->sin_port));
	getsockname(g->fd_natt, (struct sockaddr *)&gw_natt, &alen);
	assert_int_equal(port_of(&g->seen[0].sa.remote), ntohs(gw_natt.sin_port));
	ike_get_status(g->ike, &st);
	assert_true(st.udp_encap);
	assert_false(st.nat_local);
	assert_int_equal(st.local_natt_port, ike_natt_port(g->ike));
	gw_run(g, 2300);
	assert_int_equal(g->keepalives, 0);
}

static void test_force_encaps_needs_natt(void **state)
{
	struct gw *g = *state;
	char line[256];

	g->force_encaps = true;
	gw_start(g, 3600, 0, 0);
	assert_true(gw_recv(g, 2000));
	gw_mm2(g, true); /* without NAT-T: the session gives up */
	gw_run(g, 100);
	assert_int_equal(g->failed, 1);
	assert_int_equal(g->failure.reason, IKE_FAIL_NAT_POLICY);
	ike_failure_str(&g->failure, line, sizeof(line));
	assert_string_equal(line, "IKE failed at MM1: NAT policy: UDP encapsulation is forced "
	                          "but the gateway does not support NAT-T");
}

/* Established behind a NAT (the gateway's NAT-D of us does not match),
 * keepalives every second, none counted yet. */
static void establish_behind_nat(struct gw *g)
{
	struct ike_status st;

	g->natt = true;
	g->fake_nat_local = true;
	g->keepalive_s = 1;
	g->qm_life = 3600;
	gw_start(g, 3600, 0, 0);
	gw_main_mode(g, false);
	assert_true(g->floated);
	gw_quick_mode(g, false);
	assert_int_equal(g->qm_encap, ENCAP_UDP_TRANSPORT_RFC);
	ike_get_status(g->ike, &st);
	assert_true(st.nat_local);
	g->keepalives = 0;
}

/* Behind a NAT: a lone 0xFF on the NAT-T socket every keepalive_interval_s
 * (RFC 3948 §2.3). */
static void test_keepalives_behind_nat(void **state)
{
	struct gw *g = *state;

	establish_behind_nat(g);
	gw_run(g, 2500);
	assert_true(g->keepalives >= 2 && g->keepalives <= 3);
	assert_int_equal(g->failed, 0);
}

/* RFC 3948 §4: ESP sent to the gateway keeps the NAT's mapping, so no
 * keepalive while it flows; after a whole interval without any, keepalives
 * again (issue 16: no wakeups for them while the data path sends). */
static void test_no_keepalives_while_esp_goes_out(void **state)
{
	struct gw *g = *state;

	establish_behind_nat(g);
	for (int i = 0; i < 25; i++) {
		gw_run(g, 100);
		ike_note_outbound_traffic(g->ike); /* what the data path reports */
	}
	assert_int_equal(g->keepalives, 0);
	gw_run(g, 2500);
	assert_true(g->keepalives >= 2 && g->keepalives <= 3);
	assert_int_equal(g->failed, 0);
}

/* On the NAT-T socket: non-zero first 4 bytes go to non_ike_packet (ESP in
 * UDP), a lone 0xFF is swallowed, a zero marker means IKE. */
static void test_natt_socket_demux(void **state)
{
	struct gw *g = *state;
	static const uint8_t esp[12] = {0x12, 0x34, 0x56, 0x78, 0, 0, 0, 1, 0xaa, 0xbb, 0xcc, 0xdd};
	static const uint8_t ka = 0xff;
	struct isakmp_hdr h;

	g->natt = true;
	g->qm_life = 3600;
	gw_start(g, 3600, 0, 0);
	assert_true(gw_recv(g, 2000)); /* MM1 */
	((struct sockaddr_in *)&g->peer_natt)->sin_port = htons(ike_natt_port(g->ike));
	assert_int_not_equal(ike_natt_port(g->ike), 0);
	assert_int_equal(sendto(g->fd_natt, esp, sizeof(esp), 0, (struct sockaddr *)&g->peer_natt,
	                        sizeof(g->peer_natt)),
	                 (ssize_t)sizeof(esp));
	assert_int_equal(
	    sendto(g->fd_natt, &ka, 1, 0, (struct sockaddr *)&g->peer_natt, sizeof(g->peer_natt)),
	    1);
	gw_run(g, 100);
	assert_int_equal(g->non_ike, 1);
	assert_int_equal(g->non_ike_len, sizeof(esp));
	assert_memory_equal(g->non_ike_buf, esp, sizeof(esp));
	assert_int_equal(g->failed, 0);
	/* MM2 with the non-ESP marker on the NAT-T socket is IKE: MM3 follows. */
	g->floated = true;
	gw_main_mode(g, true);
	assert_int_equal(g->non_ike, 1);
	assert_int_equal(g->failed, 0);
	gw_quick_mode(g, false);
	assert_int_equal(g->nseen, 1);
	assert_int_equal(ike_isakmp_parse_hdr(g->rx, g->rx_len, &h), 0);
}

/* A free port number on the wildcard address. */
static uint16_t free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	close(fd);
	return ntohs(a.sin_port);
}

/* Held without SO_REUSEADDR, as charon or pluto hold 500/4500. */
static int hold_port(uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

static void start_on_ports(struct gw *g, uint16_t port, uint16_t nport)
{
	struct ike_config cfg;

	gw_config(g, &cfg, 3600, 0, 0);
	cfg.local_port = port;
	cfg.local_natt_port = nport;
	gw_start_cfg(g, &cfg);
}

static void test_ports_held_without_reuse_fall_back(void **state)
{
	struct gw *g = *state;
	uint16_t port = free_port(), nport = free_port();
	int h1 = hold_port(port), h2 = hold_port(nport);
	struct ike_status st;

	g->natt = true;
	g->force_encaps = true;
	g->qm_life = 3600;
	start_on_ports(g, port, nport);
	ike_get_status(g->ike, &st);
	assert_int_not_equal(st.local_port, 0);
	assert_int_not_equal(st.local_port, port);
	assert_int_not_equal(ike_natt_port(g->ike), 0);
	assert_int_not_equal(ike_natt_port(g->ike), nport);
	gw_main_mode(g, false);
	assert_int_equal(ntohs(((struct sockaddr_in *)&g->peer)->sin_port), st.local_port);
	gw_quick_mode(g, false);
	assert_int_equal(g->failed, 0);
	assert_int_equal(g->nseen, 1);
	assert_int_equal(port_of(&g->seen[0].sa.local), ike_natt_port(g->ike));
	assert_int_equal(ntohs(((struct sockaddr_in *)&g->peer_natt)->sin_port),
	                 ike_natt_port(g->ike));
	close(h1);
	close(h2);
}

/* Two sessions to two gateways on the same local ports at the same time:
 * each gets its own gateway's messages (sockets connected to the gateway). */
static void test_two_sessions_share_ports(void **state)
{
	struct gw *a = *state, *b;
	void *bstate;
	uint16_t port = free_port(), nport = free_port();
	struct ike_status sa, sb;

	gw_setup(&bstate);
	b = bstate;
	a->natt = b->natt = true;
	a->force_encaps = b->force_encaps = true;
	a->qm_life = b->qm_life = 3600;
	b->qm_spi_r = 0x70000;
	start_on_ports(a, port, nport);
	start_on_ports(b, port, nport);
	ike_get_status(a->ike, &sa);
	ike_get_status(b->ike, &sb);
	assert_int_equal(sa.local_port, port);
	assert_int_equal(sb.local_port, port);
	assert_int_equal(sa.local_natt_port, nport);
	assert_int_equal(sb.local_natt_port, nport);
	/* Interleaved: b's MM1 waits in its socket while a runs Main Mode. */
	gw_main_mode(a, false);
	gw_main_mode(b, false);
	assert_true(a->floated && b->floated);
	gw_quick_mode(a, false);
	gw_quick_mode(b, false);
	assert_int_equal(a->failed + b->failed, 0);
	assert_int_equal(a->nseen, 1);
	assert_int_equal(b->nseen, 1);
	gw_check_keys(a, &a->seen[0].sa);
	gw_check_keys(b, &b->seen[0].sa);
	assert_int_equal(port_of(&a->seen[0].sa.local), nport);
	assert_int_equal(port_of(&b->seen[0].sa.local), nport);
	gw_teardown(&bstate);
}

/* Issue #14 finding 1: while a session holds 500/4500 (shared ports, as
 * for two gateways), another user binding our address and port with
 * SO_REUSEADDR/SO_REUSEPORT and connecting to the gateway would be handed
 * the gateway's datagrams; the kernel must refuse the bind. */
static void test_ports_not_shared_with_other_users(void **state)
{
	struct gw *g = *state;
	uint16_t port = free_port(), nport = free_port();
	struct sockaddr_in ours = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
	struct sockaddr_in gw_ike, gw_natt;
	socklen_t alen = sizeof(gw_ike);

	assert_int_equal(getsockname(g->fd, (struct sockaddr *)&gw_ike, &alen), 0);
	alen = sizeof(gw_natt);
	assert_int_equal(getsockname(g->fd_natt, (struct sockaddr *)&gw_natt, &alen), 0);
	g->natt = true;
	g->force_encaps = true;
	g->qm_life = 3600;
	start_on_ports(g, port, nport);
	gw_main_mode(g, false);
	ours.sin_port = htons(port);
	if (try_hijack_as_nobody(&ours, &gw_ike) == HIJACK_UNTESTED)
		skip();
	assert_int_equal(try_hijack_as_nobody(&ours, &gw_ike), HIJACK_DENIED);
	ours.sin_port = htons(nport);
	assert_int_equal(try_hijack_as_nobody(&ours, &gw_natt), HIJACK_DENIED);
	ours.sin_addr.s_addr = htonl(INADDR_ANY);
	assert_int_equal(try_hijack_as_nobody(&ours, &gw_natt), HIJACK_DENIED);
	gw_quick_mode(g, false);
	assert_int_equal(g->failed, 0);
}

/* IKE over IPv6 (issue 17): the session on ::1 talks to the gateway on ::1.
 * NAT-D hashes the 16-byte addresses (RFC 3947 §3.2) and matches (no NAT:
 * no float), MM5 identifies us as ID_IPV6_ADDR (RFC 2407 §4.6.2.1), Quick
 * Mode's transport selectors are ID_IPV6_ADDR/UDP/1701 and the pair handed
 * to the data path has IPv6 addresses. */
static const uint8_t loopback6[16] = {[15] = 1};

static void assert_qm_id_v6(const uint8_t *id, size_t len)
{
	assert_int_equal(len, 4 + 16);
	assert_int_equal(id[0], ID_IPV6_ADDR);
	assert_int_equal(id[1], IPPROTO_UDP);
	assert_int_equal(get_be16(id + 2), 1701);
	assert_memory_equal(id + 4, loopback6, 16);
}

static void test_ipv6_without_nat(void **state)
{
	struct gw *g = *state;
	uint8_t ours[20], theirs[20];
	struct ike_status st;

	g->natt = true;
	g->qm_life = 3600;
	gw_start(g, 3600, 0, 0);
	gw_main_mode(g, false);
	assert_int_equal(g->peer.ss_family, AF_INET6);
	assert_int_equal(g->nnatd, 2);
	expected_natd(g, ours, theirs);
	assert_memory_equal(g->natd[0], theirs, 20);
	assert_memory_equal(g->natd[1], ours, 20);
	assert_false(g->floated);
	assert_int_equal(g->mm5_id_len, 4 + 16);
	assert_int_equal(g->mm5_id[0], ID_IPV6_ADDR);
	assert_memory_equal(g->mm5_id + 4, loopback6, 16);
	gw_quick_mode(g, false);
	assert_int_equal(g->failed, 0);
	assert_int_equal(g->qm_encap, ENCAP_TRANSPORT);
	assert_int_equal(g->qm_nnatoa, 0);
	assert_qm_id_v6(g->qm_id[0], g->qm_id_len[0]);
	assert_qm_id_v6(g->qm_id[1], g->qm_id_len[1]);
	assert_int_equal(g->nseen, 1);
	gw_check_keys(g, &g->seen[0].sa);
	assert_int_equal(g->seen[0].sa.local.ss_family, AF_INET6);
	assert_int_equal(g->seen[0].sa.remote.ss_family, AF_INET6);
	assert_false(g->seen[0].sa.udp_encap);
	ike_get_status(g->ike, &st);
	assert_false(st.nat_local);
	assert_false(st.nat_remote);
}

/* Forced encapsulation over IPv6: the float to the NAT-T port and, in QM1,
 * both original addresses as 16-byte NAT-OA payloads (RFC 3947 §5.2). */
static void test_ipv6_forced_encaps_natoa(void **state)
{
	struct gw *g = *state;

	g->natt = true;
	g->force_encaps = true;
	g->qm_life = 3600;
	gw_start(g, 3600, 0, 0);
	gw_main_mode(g, false);
	assert_true(g->floated);
	assert_int_equal(g->peer_natt.ss_family, AF_INET6);
	gw_quick_mode(g, false);
	assert_int_equal(g->failed, 0);
	assert_int_equal(g->qm_encap, ENCAP_UDP_TRANSPORT_RFC);
	assert_int_equal(g->qm_nnatoa, 2);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(g->qm_natoa[i].type, ID_IPV6_ADDR);
		assert_int_equal(g->qm_natoa[i].addr_len, 16);
		assert_memory_equal(g->qm_natoa[i].addr, loopback6, 16);
	}
	assert_int_equal(g->nseen, 1);
	gw_check_keys(g, &g->seen[0].sa);
	assert_true(g->seen[0].sa.udp_encap);
	assert_int_equal(g->seen[0].sa.local.ss_family, AF_INET6);
}

static void write_sysctl(const char *path, const char *value)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(fputs(value, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

/* The scripted gateway in a network namespace of its own (loopback up, and
 * XFRM policies applied on it, which lo skips by default), or nothing (the
 * test skips) when that is not allowed. */
static int netns_gw_setup(void **state)
{
	struct ifreq ifr = {.ifr_name = "lo"};
	int fd;

	*state = NULL;
	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0 || system("ip -V >/dev/null 2>&1"))
		return 0;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(ioctl(fd, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	assert_int_equal(ioctl(fd, SIOCSIFFLAGS, &ifr), 0);
	close(fd);
	write_sysctl("/proc/sys/net/ipv4/conf/lo/disable_xfrm", "0");
	write_sysctl("/proc/sys/net/ipv4/conf/lo/disable_policy", "0");
	return gw_setup(state);
}

static int netns_gw_teardown(void **state)
{
	return *state ? gw_teardown(state) : 0;
}

/* Issue #14 finding 5: another daemon's catch-all policy (here: block all
 * UDP from and to our IKE ports) must not capture IKE; the sockets carry
 * their own allow policies, as charon's and pluto's do. */
static void test_ike_bypasses_other_policies(void **state)
{
	struct gw *g = *state;
	uint16_t port = free_port(), nport = free_port();
	char cmd[512];

	if (!g)
		skip();
	snprintf(cmd, sizeof(cmd),
	         "ip xfrm policy add dir out src 0.0.0.0/0 dst 0.0.0.0/0 proto udp sport %u "
	         "action block && ip xfrm policy add dir out src 0.0.0.0/0 dst 0.0.0.0/0 "
	         "proto udp sport %u action block && ip xfrm policy add dir in src 0.0.0.0/0 "
	         "dst 0.0.0.0/0 proto udp dport %u action block",
	         port, nport, nport);
	assert_int_equal(system(cmd), 0);
	g->natt = true;
	g->force_encaps = true;
	g->qm_life = 3600;
	start_on_ports(g, port, nport);
	gw_main_mode(g, false); /* MM1 on the IKE port, MM5 on the NAT-T port */
	gw_quick_mode(g, false);
	assert_int_equal(g->failed, 0);
	assert_int_equal(g->nseen, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_natd_true_without_forcing, gw_setup, gw_teardown),
	    cmocka_unit_test_setup_teardown(test_ipv6_without_nat, gw_setup6, gw_teardown),
	    cmocka_unit_test_setup_teardown(test_ipv6_forced_encaps_natoa, gw_setup6, gw_teardown),
	    cmocka_unit_test_setup_teardown(test_force_encaps_set_after_mm1, gw_setup, gw_teardown),
	    cmocka_unit_test_setup_teardown(test_force_encaps_without_nat, gw_setup, gw_teardown),
	    cmocka_unit_test_setup_teardown(test_force_encaps_needs_natt, gw_setup, gw_teardown),
	    cmocka_unit_test_setup_teardown(test_keepalives_behind_nat, gw_setup, gw_teardown),
	    cmocka_unit_test_setup_teardown(test_no_keepalives_while_esp_goes_out, gw_setup,
	                                    gw_teardown),
	    cmocka_unit_test_setup_teardown(test_natt_socket_demux, gw_setup, gw_teardown),
	    cmocka_unit_test_setup_teardown(test_ports_held_without_reuse_fall_back, gw_setup,
	                                    gw_teardown),
	    cmocka_unit_test_setup_teardown(test_two_sessions_share_ports, gw_setup, gw_teardown),
	    cmocka_unit_test_setup_teardown(test_ports_not_shared_with_other_users, gw_setup,
	                                    gw_teardown),
	    /* last: it moves the process into a network namespace of its own */
	    cmocka_unit_test_setup_teardown(test_ike_bypasses_other_policies, netns_gw_setup,
	                                    netns_gw_teardown),
	};

	return cmocka_run_group_tests_name("ike_natt_flow", tests, NULL, NULL);
}
