/* Unit tests for esp/udp_csum: the Internet checksum (RFC 1071), the UDP
 * pseudo-header (RFC 768, RFC 8200 §8.1) and the incremental update after
 * NAT (RFC 1624, RFC 3948 §3.1.2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "esp/udp_csum.h"

/* Straightforward big-endian 16-bit word sum, folded. */
static uint16_t reference_sum(const uint8_t *p, size_t len)
{
	uint32_t acc = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		acc += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		acc += (uint32_t)p[len - 1] << 8;
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

static void test_rfc1071_example(void **state)
{
	/* RFC 1071 §3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2. */
	const uint8_t data[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};

	(void)state;
	assert_int_equal(csum_fold(csum_partial(data, sizeof(data), 0)), 0xddf2);
}

static void test_matches_reference_at_every_length_and_alignment(void **state)
{
	uint8_t buf[300];

	(void)state;
	srand(1);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rand();
	for (size_t off = 0; off < 8; off++)
		for (size_t len = 0; len + off <= sizeof(buf); len++)
			assert_int_equal(csum_fold(csum_partial(buf + off, len, 0)),
			                 reference_sum(buf + off, len));
	/* Carrying a partial sum in. */
	assert_int_equal(csum_fold(csum_partial(buf + 10, 90, csum_partial(buf, 10, 0))),
	                 reference_sum(buf, 100));
}

static void set4(struct sockaddr_storage *ss, const char *ip)
{
	memset(ss, 0, sizeof(*ss));
	ss->ss_family = AF_INET;
	inet_pton(AF_INET, ip, &((struct sockaddr_in *)ss)->sin_addr);
}

static void test_udp_checksum(void **state)
{
	struct sockaddr_storage a, b, nat;
	uint8_t udp[8 + 11] = {0x06, 0xa5, 0x06, 0xa5, 0x00, 0x13, 0x00, 0x00};
	uint16_t c_orig;

	(void)state;
	memcpy(udp + 8, "hello world", 11);
	set4(&a, "192.168.1.10");
	set4(&b, "203.0.113.5");
	set4(&nat, "198.51.100.7");
	c_orig = udp_csum_compute(&a, &b, udp, sizeof(udp));
	/* Filled in, the packet verifies to zero. */
	udp[6] = (uint8_t)(c_orig >> 8);
	udp[7] = (uint8_t)c_orig;
	assert_int_equal(udp_csum_compute(&a, &b, udp, sizeof(udp)), 0);
	/* After NAT changed the source it no longer does. */
	assert_int_not_equal(udp_csum_compute(&nat, &b, udp, sizeof(udp)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc1071_example),
	    cmocka_unit_test(test_matches_reference_at_every_length_and_alignment),
	    cmocka_unit_test(test_udp_checksum),
	};

	return cmocka_run_group_tests_name("esp_udp_csum", tests, NULL, NULL);
}
