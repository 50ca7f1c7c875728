/* DHCPINFORM and the gateway's DHCPACK (lib/dhcp.h): the INFORM's fields and
 * checksums, classless routes from option 121 or Microsoft's 249 (121 wins),
 * options split in several pieces (RFC 3396), the DNS domain, and every
 * refusal of a malformed or hostile answer. Answers are built here byte by
 * byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/buf.h"
#include "lib/csum.h"
#include "lib/dhcp.h"

#define XID 0x12345678u

static const uint8_t hw[6] = {2, 0, 0x5e, 1, 2, 3};

struct ack {
	uint8_t b[1500];
	size_t len;
};

static void ack_begin(struct ack *a, uint8_t op, uint32_t xid)
{
	memset(a, 0, sizeof(*a));
	a->b[0] = op;
	a->b[1] = 1;
	a->b[2] = 6;
	put_be32(a->b + 4, xid);
	put_be32(a->b + DHCP_FIXED_LEN, 0x63825363u);
	a->len = DHCP_MIN_MSG;
}

static void opt(struct ack *a, uint8_t code, const void *v, size_t n)
{
	a->b[a->len++] = code;
	a->b[a->len++] = (uint8_t)n;
	memcpy(a->b + a->len, v, n);
	a->len += n;
}

static void msg_type(struct ack *a, uint8_t t)
{
	opt(a, DHCP_OPT_MSG_TYPE, &t, 1);
}

static void end(struct ack *a)
{
	a->b[a->len++] = DHCP_OPT_END;
}

/* 10.20.0.0/16 via 192.168.42.1, 172.31.5.0/24 on the link */
static const uint8_t two_routes[] = {16, 10, 20, 192, 168, 42, 1, 24, 172, 31, 5, 0, 0, 0, 0};

static void test_inform_fields(void **state)
{
	uint8_t m[600];
	size_t n = dhcp_build_inform(m, sizeof(m), XID, 0xc0a82a0au, hw);
	bool asked121 = false, asked249 = false, asked15 = false;
	size_t i;

	(void)state;
	assert_true(n >= 300);
	assert_int_equal(m[0], 1); /* BOOTREQUEST */
	assert_int_equal(get_be32(m + 4), XID);
	assert_int_equal(get_be16(m + 10), 0);           /* no broadcast flag */
	assert_int_equal(get_be32(m + 12), 0xc0a82a0au); /* ciaddr */
	assert_int_equal(get_be32(m + 16), 0);           /* yiaddr */
	assert_memory_equal(m + 28, hw, 6);
	assert_int_equal(get_be32(m + DHCP_FIXED_LEN), 0x63825363u);
	i = DHCP_MIN_MSG;
	assert_int_equal(m[i], DHCP_OPT_MSG_TYPE);
	assert_int_equal(m[i + 2], DHCP_INFORM);
	for (; i < n && m[i] != DHCP_OPT_END; i += 2u + m[i + 1])
		if (m[i] == DHCP_OPT_PARAM_LIST)
			for (size_t k = 0; k < m[i + 1]; k++) {
				asked121 |= m[i + 2 + k] == 121;
				asked249 |= m[i + 2 + k] == 249;
				asked15 |= m[i + 2 + k] == 15;
			}
	assert_true(i < n);
	assert_true(asked121 && asked249 && asked15);
	assert_int_equal(dhcp_build_inform(m, 299, XID, 1, hw), 0);
}

static void test_inform_ip_checksums(void **state)
{
	uint8_t p[700];
	size_t n = dhcp_build_inform_ip(p, sizeof(p), XID, 0xc0a82a0au, hw);
	uint32_t sum;
	size_t udp_len;

	(void)state;
	assert_true(n >= 328);
	assert_int_equal(p[0], 0x45);
	assert_int_equal(get_be16(p + 2), n);
	assert_int_equal(p[9], 17);
	assert_int_equal(get_be32(p + 12), 0xc0a82a0au);
	assert_int_equal(get_be32(p + 16), 0xffffffffu);
	assert_int_equal(csum_fold(csum_partial(p, 20, 0)), 0xffff);
	assert_int_equal(get_be16(p + 20), 68);
	assert_int_equal(get_be16(p + 22), 67);
	udp_len = get_be16(p + 24);
	assert_int_equal(udp_len, n - 20);
	sum = csum_partial(p + 12, 8, 0) + 17 + (uint32_t)udp_len;
	assert_int_equal(csum_fold(csum_partial(p + 20, udp_len, sum)), 0xffff);
	assert_int_equal(get_be32(p + 28 + 4), XID);
	assert_int_equal(dhcp_build_inform_ip(p, 100, XID, 1, hw), 0);
}

static void test_ack_routes_and_domain(void **state)
{
	struct ack a;
	struct dhcp_info info;
	const char *why = NULL;
	uint8_t sid[4] = {192, 168, 42, 1};

	(void)state;
	ack_begin(&a, 2, XID);
	msg_type(&a, DHCP_ACK);
	opt(&a, DHCP_OPT_SERVER_ID, sid, 4);
	opt(&a, DHCP_OPT_CLASSLESS_ROUTES, two_routes, sizeof(two_routes));
	opt(&a, DHCP_OPT_DOMAIN, "corp.example", 12);
	end(&a);
	assert_int_equal(dhcp_parse_ack(a.b, a.len, XID, &info, &why), 0);
	assert_int_equal(info.server_id, 0xc0a82a01u);
	assert_int_equal(info.routes_option, 121);
	assert_int_equal(info.nroutes, 2);
	assert_int_equal(info.routes[0].dest, 0x0a140000u);
	assert_int_equal(info.routes[0].prefix, 16);
	assert_int_equal(info.routes[0].gateway, 0xc0a82a01u);
	assert_int_equal(info.routes[1].dest, 0xac1f0500u);
	assert_int_equal(info.routes[1].prefix, 24);
	assert_int_equal(info.routes[1].gateway, 0);
	assert_string_equal(info.domain, "corp.example");
	/* a wrong transaction ID is somebody else's answer */
	assert_int_equal(dhcp_parse_ack(a.b, a.len, XID + 1, &info, &why), -1);
	assert_int_equal(info.nroutes, 0);
}

static void test_ms_option_249_and_precedence(void **state)
{
	static const uint8_t other[] = {8, 10, 0, 0, 0, 0};
	struct ack a;
	struct dhcp_info info;
	const char *why;

	(void)state;
	ack_begin(&a, 2, XID);
	msg_type(&a, DHCP_ACK);
	opt(&a, DHCP_OPT_MS_CLASSLESS_ROUTES, two_routes, sizeof(two_routes));
	end(&a);
	assert_int_equal(dhcp_parse_ack(a.b, a.len, XID, &info, &why), 0);
	assert_int_equal(info.routes_option, 249);
	assert_int_equal(info.nroutes, 2);
	/* both: 121 wins (RFC 3442 §3) */
	ack_begin(&a, 2, XID);
	msg_type(&a, DHCP_ACK);
	opt(&a, DHCP_OPT_MS_CLASSLESS_ROUTES, two_routes, sizeof(two_routes));
	opt(&a, DHCP_OPT_CLASSLESS_ROUTES, other, sizeof(other));
	end(&a);
	assert_int_equal(dhcp_parse_ack(a.b, a.len, XID, &info, &why), 0);
	assert_int_equal(info.routes_option, 121);
	assert_int_equal(info.nroutes, 1);
	assert_int_equal(info.routes[0].dest, 0x0a000000u);
	assert_int_equal(info.routes[0].prefix, 8);
	/* no routes, no domain: fine, and says so */
	ack_begin(&a, 2, XID);
	msg_type(&a, DHCP_ACK);
	end(&a);
	assert_int_equal(dhcp_parse_ack(a.b, a.len, XID, &info, &why), 0);
	assert_int_equal(info.routes_option, 0);
	assert_int_equal(info.nroutes, 0);
	assert_string_equal(info.domain, "");
}

/* RFC 3396: a long option comes in pieces, joined in order; a route may
 * straddle the pieces. Bits past the width are not the destination's. */
static void test_split_options_and_masking(void **state)
{
	static const uint8_t odd[] = {20, 10, 1, 0xff, 1, 2, 3, 4, 0, 5, 6, 7, 8};
	struct ack a;
	struct dhcp_info info;
	const char *why;

	(void)state;
	ack_begin(&a, 2, XID);
	msg_type(&a, DHCP_ACK);
	opt(&a, DHCP_OPT_CLASSLESS_ROUTES, two_routes, 5);
	opt(&a, DHCP_OPT_DOMAIN, "corp.", 5);
	opt(&a, DHCP_OPT_CLASSLESS_ROUTES, two_routes + 5, sizeof(two_routes) - 5);
	opt(&a, DHCP_OPT_DOMAIN, "example\0", 8);
	end(&a);
	assert_int_equal(dhcp_parse_ack(a.b, a.len, XID, &info, &why), 0);
	assert_int_equal(info.nroutes, 2);
	assert_int_equal(info.routes[1].dest, 0xac1f0500u);
	assert_string_equal(info.domain, "corp.example");
	/* 10.1.255.x/20 -> 10.1.240.0/20; a default route (width 0) */
	ack_begin(&a, 2, XID);
	msg_type(&a, DHCP_ACK);
	opt(&a, DHCP_OPT_CLASSLESS_ROUTES, odd, sizeof(odd));
	end(&a);
	assert_int_equal(dhcp_parse_ack(a.b, a.len, XID, &info, &why), 0);
	assert_int_equal(info.nroutes, 2);
	assert_int_equal(info.routes[0].dest, 0x0a01f000u);
	assert_int_equal(info.routes[0].gateway, 0x01020304u);
	assert_int_equal(info.routes[1].prefix, 0);
	assert_int_equal(info.routes[1].dest, 0);
	assert_int_equal(info.routes[1].gateway, 0x05060708u);
}

static void expect_refused(struct ack *a, const char *reason)
{
	struct dhcp_info info;
	const char *why = NULL;

	assert_int_equal(dhcp_parse_ack(a->b, a->len, XID, &info, &why), -1);
	assert_non_null(why);
	assert_non_null(strstr(why, reason));
}

static void test_refusals(void **state)
{
	static const uint8_t wide[] = {33, 1, 2, 3, 4, 5, 6, 7, 8, 9};
	static const uint8_t cut[] = {24, 10, 0, 0, 1, 2};
	struct ack a;
	uint8_t many[33 * 5], two[2] = {5, 5};
	char longname[200];

	(void)state;
	ack_begin(&a, 1, XID); /* a request, not a reply */
	msg_type(&a, DHCP_ACK);
	end(&a);
	expect_refused(&a, "not a DHCP answer");
	ack_begin(&a, 2, XID);
	put_be32(a.b + DHCP_FIXED_LEN, 0x63825364u);
	msg_type(&a, DHCP_ACK);
	end(&a);
	expect_refused(&a, "not a DHCP answer");
	ack_begin(&a, 2, XID);
	a.len = DHCP_MIN_MSG - 1;
	expect_refused(&a, "not a DHCP answer");
	ack_begin(&a, 2, XID);
	msg_type(&a, DHCP_NAK);
	end(&a);
	expect_refused(&a, "NAK");
	ack_begin(&a, 2, XID);
	end(&a);
	expect_refused(&a, "not a DHCPACK");
	ack_begin(&a, 2, XID);
	opt(&a, DHCP_OPT_MSG_TYPE, two, 2);
	end(&a);
	expect_refused(&a, "wrong length");
	ack_begin(&a, 2, XID);
	msg_type(&a, DHCP_ACK);
	expect_refused(&a, "without an end");
	ack_begin(&a, 2, XID);
	msg_type(&a, DHCP_ACK);
	a.b[a.len++] = DHCP_OPT_DOMAIN;
	a.b[a.len++] = 40; /* past the message */
	a.b[a.len++] = 'x';
	expect_refused(&a, "past the message");
	ack_begin(&a, 2, XID);
	msg_type(&a, DHCP_ACK);
	opt(&a, DHCP_OPT_CLASSLESS_ROUTES, wide, sizeof(wide));
	end(&a);
	expect_refused(&a, "wider than 32");
	ack_begin(&a, 2, XID);
	msg_type(&a, DHCP_ACK);
	opt(&a, DHCP_OPT_CLASSLESS_ROUTES, cut, sizeof(cut));
	end(&a);
	expect_refused(&a, "truncated");
	/* 33 routes of 8.0.0.0/8 via 1.2.3.4, in pieces */
	for (size_t i = 0; i < 33; i++) {
		uint8_t r[5] = {0, 1, 2, 3, 4};

		memcpy(many + 5 * i, r, 5);
	}
	ack_begin(&a, 2, XID);
	msg_type(&a, DHCP_ACK);
	opt(&a, DHCP_OPT_CLASSLESS_ROUTES, many, 100);
	opt(&a, DHCP_OPT_CLASSLESS_ROUTES, many + 100, sizeof(many) - 100);
	end(&a);
	expect_refused(&a, "more classless routes");
	ack_begin(&a, 2, XID);
	msg_type(&a, DHCP_ACK);
	opt(&a, DHCP_OPT_DOMAIN, "corp;rm -rf", 11);
	end(&a);
	expect_refused(&a, "characters");
	ack_begin(&a, 2, XID);
	msg_type(&a, DHCP_ACK);
	memset(longname, 'a', sizeof(longname));
	opt(&a, DHCP_OPT_DOMAIN, longname, 200);
	opt(&a, DHCP_OPT_DOMAIN, longname, 100);
	end(&a);
	expect_refused(&a, "too long");
}

static void test_ack_in_ip_packet(void **state)
{
	struct ack a;
	struct dhcp_info info;
	const char *why;
	uint8_t p[1600];

	(void)state;
	ack_begin(&a, 2, XID);
	msg_type(&a, DHCP_ACK);
	opt(&a, DHCP_OPT_CLASSLESS_ROUTES, two_routes, sizeof(two_routes));
	end(&a);
	memset(p, 0, 28);
	p[0] = 0x45;
	put_be16(p + 2, (uint16_t)(28 + a.len));
	p[9] = 17;
	put_be16(p + 20, 67);
	put_be16(p + 22, 68);
	put_be16(p + 24, (uint16_t)(8 + a.len));
	memcpy(p + 28, a.b, a.len);
	assert_int_equal(dhcp_parse_ack_ip(p, 28 + a.len, XID, &info, &why), 0);
	assert_int_equal(info.nroutes, 2);
	/* shorter than its IP length, another port, a fragment, not UDP */
	assert_int_equal(dhcp_parse_ack_ip(p, 27 + a.len, XID, &info, &why), -1);
	put_be16(p + 22, 69);
	assert_int_equal(dhcp_parse_ack_ip(p, 28 + a.len, XID, &info, &why), -1);
	put_be16(p + 22, 68);
	put_be16(p + 6, 0x2000);
	assert_int_equal(dhcp_parse_ack_ip(p, 28 + a.len, XID, &info, &why), -1);
	put_be16(p + 6, 0);
	p[9] = 6;
	assert_int_equal(dhcp_parse_ack_ip(p, 28 + a.len, XID, &info, &why), -1);
	p[9] = 17;
	put_be16(p + 24, (uint16_t)(9 + a.len)); /* UDP longer than the packet */
	assert_int_equal(dhcp_parse_ack_ip(p, 28 + a.len, XID, &info, &why), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_inform_fields),
	    cmocka_unit_test(test_inform_ip_checksums),
	    cmocka_unit_test(test_ack_routes_and_domain),
	    cmocka_unit_test(test_ms_option_249_and_precedence),
	    cmocka_unit_test(test_split_options_and_masking),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_ack_in_ip_packet),
	};

	return cmocka_run_group_tests_name("dhcp", tests, NULL, NULL);
}
