/* sys/rdnss: RDNSS options (RFC 8106) in the kernel's RTM_NEWNDUSEROPT
 * messages: servers, lifetime, interface; other options skipped; every
 * malformed length refused; truncations of a good message never accepted
 * as more than they hold. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <cmocka.h>

#include "sys/rdnss.h"

/* One RTM_NEWNDUSEROPT message with the given ND options; its length. */
static size_t make_msg(uint8_t *buf, size_t bufsz, int ifindex, const uint8_t *opts,
                       size_t opts_len)
{
	struct nlmsghdr h = {.nlmsg_type = RTM_NEWNDUSEROPT};
	struct nduseroptmsg m = {.nduseropt_family = AF_INET6,
	                         .nduseropt_opts_len = (unsigned short)opts_len,
	                         .nduseropt_ifindex = ifindex,
	                         .nduseropt_icmp_type = 134};
	size_t len = sizeof(h) + sizeof(m) + opts_len;

	assert_true(len <= bufsz);
	h.nlmsg_len = (uint32_t)len;
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), &m, sizeof(m));
	memcpy(buf + sizeof(h) + sizeof(m), opts, opts_len);
	return len;
}

/* RDNSS option with n servers 2001:db8::53, ::54 ... and a lifetime. */
static size_t make_rdnss(uint8_t *opt, unsigned n, uint32_t life)
{
	size_t len = 8 + 16 * (size_t)n;

	memset(opt, 0, len);
	opt[0] = 25;
	opt[1] = (uint8_t)(len / 8);
	opt[4] = (uint8_t)(life >> 24);
	opt[5] = (uint8_t)(life >> 16);
	opt[6] = (uint8_t)(life >> 8);
	opt[7] = (uint8_t)life;
	for (unsigned i = 0; i < n; i++) {
		inet_pton(AF_INET6, "2001:db8::53", opt + 8 + 16 * i);
		opt[8 + 16 * i + 15] = (uint8_t)(0x53 + i);
	}
	return len;
}

static void test_servers_lifetime_interface(void **state)
{
	uint8_t opts[128], buf[256];
	char text[INET6_ADDRSTRLEN];
	struct rdnss r;
	size_t olen, len;

	(void)state;
	/* a prefix information option (type 3, 32 octets) first: skipped */
	memset(opts, 0, 32);
	opts[0] = 3;
	opts[1] = 4;
	olen = 32 + make_rdnss(opts + 32, 2, 1800);
	len = make_msg(buf, sizeof(buf), 7, opts, olen);
	assert_int_equal(rdnss_parse(buf, len, &r), 1);
	assert_int_equal(r.ifindex, 7);
	assert_int_equal(r.life_s, 1800);
	assert_int_equal(r.n, 2);
	inet_ntop(AF_INET6, &r.servers[1], text, sizeof(text));
	assert_string_equal(text, "2001:db8::54");

	/* lifetime 0 withdraws them */
	olen = make_rdnss(opts, 1, 0);
	len = make_msg(buf, sizeof(buf), 7, opts, olen);
	assert_int_equal(rdnss_parse(buf, len, &r), 1);
	assert_int_equal(r.life_s, 0);

	/* more servers than we keep: the first RDNSS_MAX */
	olen = make_rdnss(opts, RDNSS_MAX + 2, 60);
	len = make_msg(buf, sizeof(buf), 7, opts, olen);
	assert_int_equal(rdnss_parse(buf, len, &r), 1);
	assert_int_equal(r.n, RDNSS_MAX);
}

static void test_no_rdnss_and_other_messages(void **state)
{
	uint8_t opts[32] = {3, 4}, buf[128];
	struct nlmsghdr other = {.nlmsg_len = sizeof(other), .nlmsg_type = RTM_NEWADDR};
	struct rdnss r;
	size_t len = make_msg(buf, sizeof(buf), 3, opts, sizeof(opts));

	(void)state;
	assert_int_equal(rdnss_parse(buf, len, &r), 0);
	memcpy(buf, &other, sizeof(other));
	assert_int_equal(rdnss_parse(buf, sizeof(other), &r), 0);
}

static void test_malformed_refused(void **state)
{
	uint8_t opts[64], buf[128];
	struct rdnss r;
	size_t olen, len;

	(void)state;
	/* option length 0 (RFC 4861 §4.6: must be discarded) */
	olen = make_rdnss(opts, 1, 60);
	opts[1] = 0;
	len = make_msg(buf, sizeof(buf), 1, opts, olen);
	assert_int_equal(rdnss_parse(buf, len, &r), -1);
	/* even length: no whole addresses (RFC 8106 §5.1) */
	opts[1] = 2;
	len = make_msg(buf, sizeof(buf), 1, opts, 16);
	assert_int_equal(rdnss_parse(buf, len, &r), -1);
	/* option longer than the options */
	olen = make_rdnss(opts, 1, 60);
	opts[1] = 5;
	len = make_msg(buf, sizeof(buf), 1, opts, olen);
	assert_int_equal(rdnss_parse(buf, len, &r), -1);
	/* every truncation of a good message: refused, never read past it */
	olen = make_rdnss(opts, 2, 60);
	len = make_msg(buf, sizeof(buf), 1, opts, olen);
	for (size_t cut = 1; cut < len; cut++)
		assert_int_equal(rdnss_parse(buf, cut, &r), -1);
	/* nlmsg_len shorter than its header */
	((struct nlmsghdr *)(void *)buf)->nlmsg_len = 4;
	assert_int_equal(rdnss_parse(buf, len, &r), -1);
}

/* RTM_NEWADDR on the same socket: a global IPv6 address on our interface
 * is what lets a full tunnel route IPv6 in. */
static void test_global_address_event(void **state)
{
	uint8_t buf[64];
	struct nlmsghdr h = {.nlmsg_len = sizeof(h) + sizeof(struct ifaddrmsg),
	                     .nlmsg_type = RTM_NEWADDR};
	struct ifaddrmsg a = {.ifa_family = AF_INET6,
	                      .ifa_prefixlen = 64,
	                      .ifa_scope = RT_SCOPE_UNIVERSE,
	                      .ifa_index = 5};

	(void)state;
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), &a, sizeof(a));
	assert_int_equal(rdnss_parse_global_addr(buf, h.nlmsg_len, 5), 1);
	assert_int_equal(rdnss_parse_global_addr(buf, h.nlmsg_len, 6), 0); /* another link */
	a.ifa_scope = RT_SCOPE_LINK;
	memcpy(buf + sizeof(h), &a, sizeof(a));
	assert_int_equal(rdnss_parse_global_addr(buf, h.nlmsg_len, 5), 0); /* link-local */
	for (size_t cut = 1; cut < h.nlmsg_len; cut++)
		assert_int_equal(rdnss_parse_global_addr(buf, cut, 5), -1);
	/* an RDNSS parse of it finds nothing */
	{
		struct rdnss r;

		assert_int_equal(rdnss_parse(buf, h.nlmsg_len, &r), 0);
	}
}

/* The RA's M and O flags, as the kernel reports a change of them
 * (RTM_NEWLINK, family AF_INET6, IFLA_PROTINFO > IFLA_INET6_FLAGS). */
static size_t make_ifinfo(uint8_t *buf, int family, int ifindex, uint32_t flags)
{
	struct ifinfomsg ifi = {.ifi_family = (unsigned char)family, .ifi_index = ifindex};
	struct rtattr name = {.rta_len = RTA_LENGTH(5), .rta_type = IFLA_IFNAME};
	struct rtattr proto = {.rta_len = RTA_LENGTH(RTA_SPACE(4) + RTA_SPACE(4)),
	                       .rta_type = IFLA_PROTINFO};
	struct rtattr other = {.rta_len = RTA_LENGTH(4), .rta_type = IFLA_INET6_CONF};
	struct rtattr fl = {.rta_len = RTA_LENGTH(4), .rta_type = IFLA_INET6_FLAGS};
	struct nlmsghdr h = {.nlmsg_type = RTM_NEWLINK};
	size_t off = sizeof(h);

	memset(buf, 0, 256);
	memcpy(buf + off, &ifi, sizeof(ifi));
	off += NLMSG_ALIGN(sizeof(ifi));
	memcpy(buf + off, &name, sizeof(name));
	memcpy(buf + off + sizeof(name), "ppp0", 5);
	off += RTA_SPACE(5);
	memcpy(buf + off, &proto, sizeof(proto));
	off += sizeof(proto);
	memcpy(buf + off, &other, sizeof(other));
	off += RTA_SPACE(4);
	memcpy(buf + off, &fl, sizeof(fl));
	memcpy(buf + off + sizeof(fl), &flags, 4);
	off += RTA_SPACE(4);
	h.nlmsg_len = (uint32_t)off;
	memcpy(buf, &h, sizeof(h));
	return off;
}

static void test_ra_flags_event(void **state)
{
	uint8_t buf[256];
	bool managed = false, other = false;
	size_t len;
	struct rdnss r;

	(void)state;
	len = make_ifinfo(buf, AF_INET6, 5, 0x80 | 0x10); /* O, and IF_READY */
	assert_int_equal(rdnss_parse_ra_flags(buf, len, 5, &managed, &other), 1);
	assert_true(other);
	assert_false(managed);
	len = make_ifinfo(buf, AF_INET6, 5, 0x40 | 0x80);
	assert_int_equal(rdnss_parse_ra_flags(buf, len, 5, &managed, &other), 1);
	assert_true(managed && other);
	len = make_ifinfo(buf, AF_INET6, 5, 0);
	assert_int_equal(rdnss_parse_ra_flags(buf, len, 5, &managed, &other), 1);
	assert_false(managed || other);
	/* another link, or the link's own (AF_UNSPEC) message: not this */
	assert_int_equal(rdnss_parse_ra_flags(buf, len, 6, &managed, &other), 0);
	len = make_ifinfo(buf, AF_UNSPEC, 5, 0x80);
	assert_int_equal(rdnss_parse_ra_flags(buf, len, 5, &managed, &other), 0);
	/* truncated anywhere: refused */
	len = make_ifinfo(buf, AF_INET6, 5, 0x80);
	for (size_t cut = 1; cut < len; cut++)
		assert_int_equal(rdnss_parse_ra_flags(buf, cut, 5, &managed, &other), -1);
	/* an attribute longer than the message: refused */
	buf[sizeof(struct nlmsghdr) + NLMSG_ALIGN(sizeof(struct ifinfomsg))] = 200;
	assert_int_equal(rdnss_parse_ra_flags(buf, len, 5, &managed, &other), -1);
	/* neither RDNSS nor address parsing takes it */
	len = make_ifinfo(buf, AF_INET6, 5, 0x80);
	assert_int_equal(rdnss_parse(buf, len, &r), 0);
	assert_int_equal(rdnss_parse_global_addr(buf, len, 5), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_servers_lifetime_interface),
	    cmocka_unit_test(test_no_rdnss_and_other_messages),
	    cmocka_unit_test(test_malformed_refused),
	    cmocka_unit_test(test_global_address_event),
	    cmocka_unit_test(test_ra_flags_event),
	};

	return cmocka_run_group_tests_name("rdnss", tests, NULL, NULL);
}
