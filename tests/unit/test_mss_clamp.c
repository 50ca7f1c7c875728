/* Unit tests for sys/mss_clamp: the MSS of a SYN or SYN-ACK (IPv4, IPv6,
 * option at an even or odd offset) lowered for the tunnel's MTU with a TCP
 * checksum that still verifies; everything else left byte for byte as it
 * was, and never read outside the packet (each case runs on a heap copy of
 * exactly its length, for ASan). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/buf.h"
#include "lib/csum.h"
#include "sys/mss_clamp.h"

#define MTU 1400

static uint8_t pkt[128];

/* A TCP segment with flags and the options given (padded with EOL to a
 * multiple of 4), its checksum complete; returns its length. */
static size_t make_tcp(bool ipv6, uint8_t flags, const uint8_t *opts, size_t opts_len)
{
	size_t ihl = ipv6 ? 40 : 20, thl = 20 + (opts_len + 3) / 4 * 4, total = ihl + thl;
	uint8_t *tcp = pkt + ihl;
	uint32_t sum;

	memset(pkt, 0, sizeof(pkt));
	if (ipv6) {
		pkt[0] = 0x60;
		put_be16(pkt + 4, (uint16_t)thl);
		pkt[6] = 6;
		pkt[7] = 64;
		pkt[23] = 1;
		pkt[39] = 2;
		sum = csum_partial(pkt + 8, 32, 0);
	} else {
		pkt[0] = 0x45;
		put_be16(pkt + 2, (uint16_t)total);
		pkt[6] = 0x40; /* DF */
		pkt[8] = 64;
		pkt[9] = 6;
		memcpy(pkt + 12, "\xc0\xa8\x01\x0a\x0a\x00\x00\x05", 8);
		put_be16(pkt + 10, (uint16_t)~csum_fold(csum_partial(pkt, 20, 0)));
		sum = csum_partial(pkt + 12, 8, 0);
	}
	put_be16(tcp, 51000);
	put_be16(tcp + 2, 443);
	put_be32(tcp + 4, 0x12345678);
	tcp[12] = (uint8_t)(thl / 4 << 4);
	tcp[13] = flags;
	put_be16(tcp + 14, 64240);
	memcpy(tcp + 20, opts, opts_len);
	sum += 6 + (uint32_t)thl;
	put_be16(tcp + 16, (uint16_t)~csum_fold(csum_partial(tcp, thl, sum)));
	return total;
}

static bool tcp_csum_ok(const uint8_t *ip, size_t len)
{
	bool ipv6 = ip[0] >> 4 == 6;
	size_t ihl = ipv6 ? 40 : 20, tcp_len = len - ihl;
	uint32_t sum = ipv6 ? csum_partial(ip + 8, 32, 0) : csum_partial(ip + 12, 8, 0);

	return csum_fold(csum_partial(ip + ihl, tcp_len, sum + 6 + (uint32_t)tcp_len)) == 0xffff;
}

/* mss_clamp on an exact-size heap copy of pkt: the MSS found after it
 * (at), or the packet unchanged when at is 0. */
static void clamp_copy(size_t len, size_t at, unsigned want_mss)
{
	uint8_t *copy = malloc(len ? len : 1);
	size_t csum_at = (pkt[0] >> 4 == 6 ? 40 : 20) + 16;

	assert_non_null(copy);
	memcpy(copy, pkt, len);
	assert_int_equal(mss_clamp_offset(copy, len, MTU), at);
	assert_int_equal(mss_clamp(copy, len, MTU), at != 0);
	if (at) {
		assert_int_equal(get_be16(copy + at), want_mss);
		assert_true(tcp_csum_ok(copy, len));
		/* nothing else moved: only the checksum and the MSS changed */
		assert_memory_equal(copy, pkt, csum_at);
		assert_memory_equal(copy + csum_at + 2, pkt + csum_at + 2, at - csum_at - 2);
		assert_memory_equal(copy + at + 2, pkt + at + 2, len - at - 2);
	} else {
		assert_memory_equal(copy, pkt, len);
	}
	free(copy);
}

static const uint8_t mss1460_ts[] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0};

static void test_syn_ipv4_lowered(void **state)
{
	size_t len = make_tcp(false, 0x02, mss1460_ts, sizeof(mss1460_ts));

	(void)state;
	assert_true(tcp_csum_ok(pkt, len));
	clamp_copy(len, 20 + 20 + 2, MTU - 40);
}

/* NOP first: the value sits at an odd offset, across two checksum words */
static void test_synack_odd_offset(void **state)
{
	static const uint8_t opts[] = {1, 2, 4, 0x23, 0x28, 1, 1, 1}; /* MSS 9000 */
	size_t len = make_tcp(false, 0x12, opts, sizeof(opts));

	(void)state;
	clamp_copy(len, 20 + 20 + 3, MTU - 40);
}

static void test_syn_ipv6_lowered(void **state)
{
	static const uint8_t opts[] = {2, 4, 0x05, 0xa0, 1, 3, 3, 7}; /* MSS 1440, wscale */
	size_t len = make_tcp(true, 0x02, opts, sizeof(opts));

	(void)state;
	clamp_copy(len, 40 + 20 + 2, MTU - 60);
}

static void test_smaller_mss_kept(void **state)
{
	static const uint8_t opts[] = {2, 4, 0x04, 0xb0}; /* 1200 */
	size_t len = make_tcp(false, 0x02, opts, sizeof(opts));

	(void)state;
	clamp_copy(len, 0, 0);
	/* exactly the tunnel's MSS is kept as well */
	put_be16(pkt + 42, MTU - 40);
	clamp_copy(len, 0, 0);
}

static void test_untouched(void **state)
{
	static const uint8_t no_mss[] = {1, 1, 4, 2, 1, 3, 3, 7};
	static const uint8_t eol_first[] = {0, 0, 0, 0, 2, 4, 0x05, 0xb4};
	static const uint8_t bad_len[] = {2, 3, 0x05, 0xb4}; /* MSS of length 3 */
	static const uint8_t zero_len[] = {8, 0, 2, 4, 0x05, 0xb4, 1, 1};
	static const uint8_t overrun[] = {1, 1, 1, 8, 10, 2, 4, 0x05}; /* TS runs past the header */
	static const uint8_t kind_last[] = {1, 1, 1, 2};               /* no length byte */
	size_t len;

	(void)state;
	len = make_tcp(false, 0x02, no_mss, sizeof(no_mss));
	clamp_copy(len, 0, 0);
	len = make_tcp(false, 0x02, eol_first, sizeof(eol_first));
	clamp_copy(len, 0, 0);
	len = make_tcp(false, 0x02, bad_len, sizeof(bad_len));
	clamp_copy(len, 0, 0);
	len = make_tcp(false, 0x02, zero_len, sizeof(zero_len));
	clamp_copy(len, 0, 0);
	len = make_tcp(false, 0x02, overrun, sizeof(overrun));
	clamp_copy(len, 0, 0);
	len = make_tcp(true, 0x02, kind_last, sizeof(kind_last));
	clamp_copy(len, 0, 0);
	/* not a SYN: an ACK, a RST carrying the option */
	len = make_tcp(false, 0x10, mss1460_ts, sizeof(mss1460_ts));
	clamp_copy(len, 0, 0);
	len = make_tcp(true, 0x04, mss1460_ts, sizeof(mss1460_ts));
	clamp_copy(len, 0, 0);
}

/* Every prefix of a SYN that needs clamping is cut short of its TCP
 * header (or of the IP header): left alone, nothing read past its end. */
static void test_truncated(void **state)
{
	size_t len = make_tcp(false, 0x02, mss1460_ts, sizeof(mss1460_ts));

	(void)state;
	for (size_t n = 0; n < len; n++)
		clamp_copy(n, 0, 0);
	len = make_tcp(true, 0x12, mss1460_ts, sizeof(mss1460_ts));
	for (size_t n = 0; n < len; n++)
		clamp_copy(n, 0, 0);
}

static void test_fragments_and_others(void **state)
{
	size_t len;

	(void)state;
	len = make_tcp(false, 0x02, mss1460_ts, sizeof(mss1460_ts));
	pkt[6] = 0x20; /* MF: a first fragment */
	clamp_copy(len, 0, 0);
	pkt[6] = 0;
	pkt[7] = 0x10; /* a later fragment: bytes there are data */
	clamp_copy(len, 0, 0);
	len = make_tcp(false, 0x02, mss1460_ts, sizeof(mss1460_ts));
	pkt[9] = 17; /* UDP */
	clamp_copy(len, 0, 0);
	len = make_tcp(true, 0x02, mss1460_ts, sizeof(mss1460_ts));
	pkt[6] = 44; /* an IPv6 fragment header comes first */
	clamp_copy(len, 0, 0);
	len = make_tcp(false, 0x02, mss1460_ts, sizeof(mss1460_ts));
	pkt[0] = 0x55; /* version 5 */
	clamp_copy(len, 0, 0);
	pkt[0] = 0x44; /* IHL below 20 bytes */
	clamp_copy(len, 0, 0);
}

static void test_tiny_mtu(void **state)
{
	size_t len = make_tcp(false, 0x02, mss1460_ts, sizeof(mss1460_ts));

	(void)state;
	assert_int_equal(mss_clamp_offset(pkt, len, 40), 0);
	assert_false(mss_clamp(pkt, len, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_syn_ipv4_lowered),
	    cmocka_unit_test(test_synack_odd_offset),
	    cmocka_unit_test(test_syn_ipv6_lowered),
	    cmocka_unit_test(test_smaller_mss_kept),
	    cmocka_unit_test(test_untouched),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_fragments_and_others),
	    cmocka_unit_test(test_tiny_mtu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
