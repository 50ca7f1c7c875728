/* DHCPv6 over PPP (lib/dhcp6.h): the client's Information-Request, Solicit
 * and Request byte by byte, and the server's Reply or Advertise: DNS servers
 * (option 23), the search list (24), the IA_NA address, and every refusal of
 * a malformed or hostile answer. Answers are built here byte by byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "lib/buf.h"
#include "lib/dhcp6.h"

#define XID  0x00abcdefu
#define IAID 0x11223344u

static const uint8_t hw[6] = {2, 0, 0x5e, 1, 2, 3};
static const uint8_t server_duid[] = {0, 1, 0, 1, 0x2a, 0x2b, 0x2c, 0x2d, 9, 8, 7, 6, 5, 4};

struct msg {
	uint8_t b[1500];
	size_t len;
};

static void msg_begin(struct msg *m, uint8_t type, uint32_t xid)
{
	memset(m, 0, sizeof(*m));
	m->b[0] = type;
	m->b[1] = (uint8_t)(xid >> 16);
	m->b[2] = (uint8_t)(xid >> 8);
	m->b[3] = (uint8_t)xid;
	m->len = 4;
}

static void opt(struct msg *m, uint16_t code, const void *v, size_t n)
{
	put_be16(m->b + m->len, code);
	put_be16(m->b + m->len + 2, (uint16_t)n);
	memcpy(m->b + m->len + 4, v, n);
	m->len += 4 + n;
}

static void our_duid(uint8_t duid[DHCP6_DUID_LEN])
{
	dhcp6_duid_ll(duid, hw);
}

/* A Reply with server and client IDs, ready for more options. */
static void reply_begin(struct msg *m)
{
	uint8_t duid[DHCP6_DUID_LEN];

	our_duid(duid);
	msg_begin(m, DHCP6_REPLY, XID);
	opt(m, DHCP6_OPT_SERVERID, server_duid, sizeof(server_duid));
	opt(m, DHCP6_OPT_CLIENTID, duid, sizeof(duid));
}

static int parse(const struct msg *m, struct dhcp6_info *info, const char **why)
{
	uint8_t duid[DHCP6_DUID_LEN];

	our_duid(duid);
	return dhcp6_parse(m->b, m->len, XID, duid, IAID, info, why);
}

static void test_build_information_request(void **state)
{
	uint8_t duid[DHCP6_DUID_LEN], out[128];
	static const uint8_t want[] = {
	    11, 0xab, 0xcd, 0xef,                /* type, xid */
	    0,  1,    0,    10,   0, 3,  0, 1,   /* client ID: DUID-LL, ether */
	    2,  0,    0x5e, 1,    2, 3,          /* its link address */
	    0,  8,    0,    2,    0, 0,          /* elapsed time 0 */
	    0,  6,    0,    4,    0, 23, 0, 24}; /* ORO: 23, 24 */
	size_t n;

	(void)state;
	our_duid(duid);
	n = dhcp6_build(out, sizeof(out), DHCP6_INFORMATION_REQUEST, XID, duid, 0, 0, NULL);
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	/* too small a buffer, or a type we do not send */
	assert_int_equal(dhcp6_build(out, 20, DHCP6_INFORMATION_REQUEST, XID, duid, 0, 0, NULL), 0);
	assert_int_equal(dhcp6_build(out, sizeof(out), DHCP6_REPLY, XID, duid, 0, 0, NULL), 0);
	/* a Request names a server */
	assert_int_equal(dhcp6_build(out, sizeof(out), DHCP6_REQUEST, XID, duid, 0, IAID, NULL), 0);
}

static void test_build_solicit_and_request(void **state)
{
	uint8_t duid[DHCP6_DUID_LEN], out[256];
	struct dhcp6_info adv = {.server_id_len = sizeof(server_duid)};
	size_t n;

	(void)state;
	our_duid(duid);
	n = dhcp6_build(out, sizeof(out), DHCP6_SOLICIT, XID, duid, 100, IAID, NULL);
	assert_int_equal(n, 4 + 14 + 6 + 8 + 16);
	assert_int_equal(out[0], DHCP6_SOLICIT);
	assert_int_equal(get_be16(out + 18), DHCP6_OPT_ELAPSED_TIME);
	assert_int_equal(get_be16(out + 22), 100);
	assert_int_equal(get_be16(out + 32), DHCP6_OPT_IA_NA);
	assert_int_equal(get_be32(out + 36), IAID);
	memcpy(adv.server_id, server_duid, sizeof(server_duid));
	n = dhcp6_build(out, sizeof(out), DHCP6_REQUEST, XID, duid, 0, IAID, &adv);
	assert_int_equal(n, 4 + 14 + 4 + sizeof(server_duid) + 6 + 8 + 16);
	assert_int_equal(get_be16(out + 18), DHCP6_OPT_SERVERID);
	assert_memory_equal(out + 22, server_duid, sizeof(server_duid));
}

static void test_reply_dns_and_domains(void **state)
{
	static const uint8_t names[] = {4,   'c', 'o', 'r', 'p', 7,   'e', 'x', 'a', 'm',
	                                'p', 'l', 'e', 0,   3,   'l', 'a', 'b', 0};
	struct in6_addr dns[2];
	struct dhcp6_info info;
	const char *why;
	struct msg m;

	(void)state;
	inet_pton(AF_INET6, "2001:db8:42::53", &dns[0]);
	inet_pton(AF_INET6, "2001:db8:42::54", &dns[1]);
	reply_begin(&m);
	opt(&m, 99, "ignored", 7); /* unknown options are skipped */
	opt(&m, DHCP6_OPT_DNS_SERVERS, dns, sizeof(dns));
	opt(&m, DHCP6_OPT_DOMAIN_LIST, names, sizeof(names));
	assert_int_equal(parse(&m, &info, &why), 0);
	assert_int_equal(info.msg_type, DHCP6_REPLY);
	assert_int_equal(info.n_dns, 2);
	assert_memory_equal(&info.dns[1], &dns[1], 16);
	assert_int_equal(info.n_domains, 2);
	assert_string_equal(info.domains[0], "corp.example");
	assert_string_equal(info.domains[1], "lab");
	assert_int_equal(info.server_id_len, sizeof(server_duid));
	assert_false(info.has_addr);
}

static void test_reply_ia_na(void **state)
{
	uint8_t ia[12 + 4 + 24], ia_other[12] = {0};
	struct dhcp6_info info;
	struct in6_addr want;
	const char *why;
	struct msg m;

	(void)state;
	inet_pton(AF_INET6, "2001:db8:77::1234", &want);
	put_be32(ia_other, IAID + 1); /* another IA first: not ours */
	put_be32(ia, IAID);
	put_be32(ia + 4, 1800);
	put_be32(ia + 8, 2880);
	put_be16(ia + 12, DHCP6_OPT_IAADDR);
	put_be16(ia + 14, 24);
	memcpy(ia + 16, &want, 16);
	put_be32(ia + 32, 3600);
	put_be32(ia + 36, 7200);
	msg_begin(&m, DHCP6_ADVERTISE, XID);
	opt(&m, DHCP6_OPT_SERVERID, server_duid, sizeof(server_duid));
	opt(&m, DHCP6_OPT_IA_NA, ia_other, sizeof(ia_other));
	opt(&m, DHCP6_OPT_IA_NA, ia, sizeof(ia));
	assert_int_equal(parse(&m, &info, &why), 0);
	assert_int_equal(info.msg_type, DHCP6_ADVERTISE);
	assert_true(info.has_addr);
	assert_memory_equal(&info.addr, &want, 16);
	assert_int_equal(info.preferred_s, 3600);
	assert_int_equal(info.valid_s, 7200);

	/* preferred beyond valid (§21.6: discard) */
	put_be32(ia + 32, 9000);
	msg_begin(&m, DHCP6_REPLY, XID);
	opt(&m, DHCP6_OPT_SERVERID, server_duid, sizeof(server_duid));
	opt(&m, DHCP6_OPT_IA_NA, ia, sizeof(ia));
	assert_int_equal(parse(&m, &info, &why), -1);
	assert_non_null(why);
}

/* Each answer is refused with a reason, never read past its end. */
static void expect_refused(const struct msg *m, const char *reason)
{
	struct dhcp6_info info;
	const char *why = NULL;

	assert_int_equal(parse(m, &info, &why), -1);
	assert_non_null(why);
	assert_non_null(strstr(why, reason));
}

static void test_malformed(void **state)
{
	static const uint8_t status_fail[] = {0, 2, 'n', 'o'};
	uint8_t other_duid[DHCP6_DUID_LEN], ia_bad[12 + 4 + 10] = {0};
	struct in6_addr dns;
	struct msg m;

	(void)state;
	memset(&dns, 0x20, sizeof(dns));
	msg_begin(&m, DHCP6_REPLY, XID);
	m.len = 3;
	expect_refused(&m, "too short");
	msg_begin(&m, DHCP6_SOLICIT, XID);
	expect_refused(&m, "not a Reply");
	msg_begin(&m, DHCP6_REPLY, XID + 1);
	expect_refused(&m, "another transaction");
	msg_begin(&m, DHCP6_REPLY, XID);
	expect_refused(&m, "no server identifier");
	/* an option longer than the message */
	reply_begin(&m);
	put_be16(m.b + m.len, DHCP6_OPT_DNS_SERVERS);
	put_be16(m.b + m.len + 2, 32);
	m.len += 4 + 16;
	expect_refused(&m, "runs past");
	/* half an option header */
	reply_begin(&m);
	m.len += 3;
	expect_refused(&m, "runs past");
	/* DNS servers not a multiple of 16, or none */
	reply_begin(&m);
	opt(&m, DHCP6_OPT_DNS_SERVERS, &dns, 15);
	expect_refused(&m, "DNS server");
	reply_begin(&m);
	opt(&m, DHCP6_OPT_DNS_SERVERS, &dns, 0);
	expect_refused(&m, "DNS server");
	/* another client's answer */
	memset(other_duid, 7, sizeof(other_duid));
	msg_begin(&m, DHCP6_REPLY, XID);
	opt(&m, DHCP6_OPT_SERVERID, server_duid, sizeof(server_duid));
	opt(&m, DHCP6_OPT_CLIENTID, other_duid, sizeof(other_duid));
	expect_refused(&m, "another client");
	/* a server DUID of one byte, or longer than §11.1 allows */
	reply_begin(&m);
	opt(&m, DHCP6_OPT_SERVERID, server_duid, 1);
	expect_refused(&m, "server DUID");
	/* the server says no */
	reply_begin(&m);
	opt(&m, DHCP6_OPT_STATUS_CODE, status_fail, sizeof(status_fail));
	expect_refused(&m, "status code");
	reply_begin(&m);
	opt(&m, DHCP6_OPT_STATUS_CODE, status_fail, 1);
	expect_refused(&m, "short status");
	/* domain names: compressed, unterminated, bad characters, empty */
	reply_begin(&m);
	opt(&m, DHCP6_OPT_DOMAIN_LIST, (const uint8_t[]){3, 'a', 'b', 'c', 0xc0, 12}, 6);
	expect_refused(&m, "compressed");
	reply_begin(&m);
	opt(&m, DHCP6_OPT_DOMAIN_LIST, (const uint8_t[]){3, 'a', 'b', 'c'}, 4);
	expect_refused(&m, "runs past");
	reply_begin(&m);
	opt(&m, DHCP6_OPT_DOMAIN_LIST, (const uint8_t[]){5, 'a', 'b'}, 3);
	expect_refused(&m, "truncated");
	reply_begin(&m);
	opt(&m, DHCP6_OPT_DOMAIN_LIST, (const uint8_t[]){3, 'a', '\n', 'c', 0}, 5);
	expect_refused(&m, "bad character");
	reply_begin(&m);
	opt(&m, DHCP6_OPT_DOMAIN_LIST, (const uint8_t[]){0}, 1);
	expect_refused(&m, "empty domain");
	/* a name over 253 characters: four labels of 63 and more */
	reply_begin(&m);
	{
		uint8_t longname[5 * 64 + 1];

		for (size_t i = 0; i < 5; i++) {
			longname[i * 64] = 63;
			memset(longname + i * 64 + 1, 'y', 63);
		}
		longname[5 * 64] = 0;
		opt(&m, DHCP6_OPT_DOMAIN_LIST, longname, sizeof(longname));
	}
	expect_refused(&m, "too long");
	/* IA_NA: too short, our IAID with a short address or refused */
	reply_begin(&m);
	opt(&m, DHCP6_OPT_IA_NA, ia_bad, 8);
	expect_refused(&m, "short IA_NA");
	put_be32(ia_bad, IAID);
	put_be16(ia_bad + 12, DHCP6_OPT_IAADDR);
	put_be16(ia_bad + 14, 10);
	reply_begin(&m);
	opt(&m, DHCP6_OPT_IA_NA, ia_bad, sizeof(ia_bad));
	expect_refused(&m, "short IA Address");
	put_be16(ia_bad + 14, 11);
	reply_begin(&m);
	opt(&m, DHCP6_OPT_IA_NA, ia_bad, sizeof(ia_bad));
	expect_refused(&m, "runs past its end");
	put_be16(ia_bad + 12, DHCP6_OPT_STATUS_CODE);
	put_be16(ia_bad + 14, 10);
	put_be16(ia_bad + 16, 2); /* NoAddrsAvail (§21.13) */
	reply_begin(&m);
	opt(&m, DHCP6_OPT_IA_NA, ia_bad, sizeof(ia_bad));
	expect_refused(&m, "status code");
	/* nothing at all */
	{
		struct dhcp6_info info;
		const char *why;
		uint8_t duid[DHCP6_DUID_LEN];

		our_duid(duid);
		assert_int_equal(dhcp6_parse(NULL, 0, XID, duid, IAID, &info, &why), -1);
	}
}

/* More servers and domains than the struct holds: the first ones kept. */
static void test_bounds(void **state)
{
	struct in6_addr dns[DHCP6_MAX_DNS + 3];
	uint8_t names[(DHCP6_MAX_DOMAINS + 4) * 3];
	struct dhcp6_info info;
	const char *why;
	struct msg m;

	(void)state;
	for (size_t i = 0; i < DHCP6_MAX_DNS + 3; i++)
		memset(&dns[i], (int)i + 1, sizeof(dns[i]));
	for (size_t i = 0; i < DHCP6_MAX_DOMAINS + 4; i++) {
		names[i * 3] = 1;
		names[i * 3 + 1] = (uint8_t)('a' + i);
		names[i * 3 + 2] = 0;
	}
	reply_begin(&m);
	opt(&m, DHCP6_OPT_DNS_SERVERS, dns, sizeof(dns));
	opt(&m, DHCP6_OPT_DOMAIN_LIST, names, sizeof(names));
	assert_int_equal(parse(&m, &info, &why), 0);
	assert_int_equal(info.n_dns, DHCP6_MAX_DNS);
	assert_memory_equal(&info.dns[0], &dns[0], 16);
	assert_int_equal(info.n_domains, DHCP6_MAX_DOMAINS);
	assert_string_equal(info.domains[0], "a");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_build_information_request),
	    cmocka_unit_test(test_build_solicit_and_request),
	    cmocka_unit_test(test_reply_dns_and_domains),
	    cmocka_unit_test(test_reply_ia_na),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_bounds),
	};

	return cmocka_run_group_tests_name("dhcp6", tests, NULL, NULL);
}
