/* Unit tests for sys/tun_offload: TSO super-packets cut into segments with
 * correct IP/TCP headers and checksums (IPv4, IPv6), checksum completion of
 * plain packets, refusal of bad input, and GRO joining in-order segments of
 * one flow into the super-packet they came from (and nothing else). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "lib/buf.h"
#include "lib/csum.h"
#include "lib/util.h"
#include "sys/tun_offload.h"

#define VH      TUN_VNET_HDR_LEN
#define PAYLOAD 4000
#define MSS     1300
#define TCPHDR  32 /* with 12 bytes of options */

static uint8_t super[VH + 40 + TCPHDR + PAYLOAD];

static void put16(uint8_t *p, uint16_t v) /* virtio header: host order */
{
	memcpy(p, &v, 2);
}

/* A TSO super-packet as the kernel hands it over: ACK|PSH, options. */
static size_t make_super(bool ipv6, size_t payload)
{
	size_t ihl = ipv6 ? 40 : 20, total = ihl + TCPHDR + payload;
	uint8_t *ip = super + VH, *tcp = ip + ihl;

	memset(super, 0, sizeof(super));
	super[0] = 1; /* NEEDS_CSUM */
	super[1] = ipv6 ? 4 : 1;
	put16(super + 2, (uint16_t)(ihl + TCPHDR));
	put16(super + 4, MSS);
	put16(super + 6, (uint16_t)ihl);
	put16(super + 8, 16);
	if (ipv6) {
		ip[0] = 0x60;
		put_be16(ip + 4, (uint16_t)(total - 40));
		ip[6] = 6;
		ip[7] = 64;
		ip[23] = 1; /* ::1 -> ::2 */
		ip[39] = 2;
	} else {
		ip[0] = 0x45;
		put_be16(ip + 2, (uint16_t)total);
		put_be16(ip + 4, 0x1000);
		ip[6] = 0x40; /* DF */
		ip[8] = 64;
		ip[9] = 6;
		memcpy(ip + 12, "\xc0\xa8\x2a\x0a\xc0\xa8\x2a\x01", 8);
		put_be16(ip + 10, (uint16_t)~csum_fold(csum_partial(ip, 20, 0)));
	}
	put_be16(tcp, 40000);
	put_be16(tcp + 2, 5201);
	put_be32(tcp + 4, 0xfffff000); /* wraps inside the packet */
	put_be32(tcp + 8, 77);
	tcp[12] = (TCPHDR / 4) << 4;
	tcp[13] = 0x18;
	put_be16(tcp + 14, 512);
	memcpy(tcp + 20, "\x01\x01\x08\x0a\0\0\0\x01\0\0\0\x02", 12);
	for (size_t i = 0; i < payload; i++)
		tcp[TCPHDR + i] = (uint8_t)(i * 7);
	return VH + total;
}

static bool tcp_csum_ok(const uint8_t *ip, bool ipv6, size_t len)
{
	size_t ihl = ipv6 ? 40 : 20, tcp_len = len - ihl;
	uint32_t sum = ipv6 ? csum_partial(ip + 8, 32, 0) : csum_partial(ip + 12, 8, 0);

	sum += 6 + (uint32_t)tcp_len;
	return csum_fold(csum_partial(ip + ihl, tcp_len, sum)) == 0xffff;
}

static void check_segments(bool ipv6)
{
	size_t n = make_super(ipv6, PAYLOAD), ihl = ipv6 ? 40 : 20, off = 0;
	struct tun_gso_iter it;
	uint8_t out[1500];
	ssize_t len;
	unsigned idx = 0;

	assert_int_equal(tun_gso_start(&it, super, n), 0);
	while ((len = tun_gso_next(&it, out, sizeof(out))) > 0) {
		size_t seg = (size_t)len - ihl - TCPHDR;
		const uint8_t *tcp = out + ihl;
		bool last = off + seg == PAYLOAD;

		assert_int_equal(seg, last ? PAYLOAD - 3 * MSS : MSS);
		if (ipv6) {
			assert_int_equal(get_be16(out + 4), (size_t)len - 40);
		} else {
			assert_int_equal(get_be16(out + 2), len);
			assert_int_equal(get_be16(out + 4), 0x1000 + idx);
			assert_int_equal(csum_fold(csum_partial(out, 20, 0)), 0xffff);
		}
		assert_int_equal(get_be32(tcp + 4), (uint32_t)(0xfffff000u + off));
		assert_int_equal(tcp[13], last ? 0x18 : 0x10); /* PSH on the last only */
		assert_memory_equal(tcp + 20, super + VH + ihl + 20, 12);
		assert_memory_equal(tcp + TCPHDR, super + VH + ihl + TCPHDR + off, seg);
		assert_true(tcp_csum_ok(out, ipv6, (size_t)len));
		off += seg;
		idx++;
	}
	assert_int_equal(len, 0);
	assert_int_equal(idx, 4);
	assert_int_equal(off, PAYLOAD);
}

static void test_tso_ipv4(void **state)
{
	(void)state;
	check_segments(false);
}

static void test_tso_ipv6(void **state)
{
	(void)state;
	check_segments(true);
}

static void test_plain_packet_checksum_completed(void **state)
{
	size_t n = make_super(false, 100);
	struct tun_gso_iter it;
	uint8_t out[1500];
	uint8_t *tcp = super + VH + 20;
	uint32_t pseudo = csum_partial(super + VH + 12, 8, 0) + 6 + TCPHDR + 100;

	(void)state;
	super[1] = 0; /* no GSO, checksum partial as the kernel leaves it */
	put_be16(tcp + 16, csum_fold(pseudo));
	assert_int_equal(tun_gso_start(&it, super, n), 0);
	assert_int_equal(tun_gso_next(&it, out, 10), -1); /* does not fit */
	assert_int_equal(tun_gso_next(&it, out, sizeof(out)), n - VH);
	assert_true(tcp_csum_ok(out, false, n - VH));
	assert_int_equal(tun_gso_next(&it, out, sizeof(out)), 0);
}

static void test_bad_input_refused(void **state)
{
	struct tun_gso_iter it;
	size_t n;

	(void)state;
	assert_int_equal(tun_gso_start(&it, super, VH), -1); /* header only */
	n = make_super(false, 1000);
	super[1] = 3; /* UDP segmentation: never asked for */
	assert_int_equal(tun_gso_start(&it, super, n), -1);
	n = make_super(false, 1000);
	super[VH + 9] = 17; /* TCPV4 but not TCP */
	assert_int_equal(tun_gso_start(&it, super, n), -1);
	n = make_super(false, 1000);
	super[1] = 4; /* TCPV6 with an IPv4 packet */
	assert_int_equal(tun_gso_start(&it, super, n), -1);
	n = make_super(false, 1000);
	put16(super + 4, 0); /* segment size 0 */
	assert_int_equal(tun_gso_start(&it, super, n), -1);
	n = make_super(false, 1000);
	assert_int_equal(tun_gso_start(&it, super, VH + 30), -1); /* TCP header cut */
	n = make_super(false, 1000);
	super[1] = 0;
	put16(super + 6, 2000); /* checksum beyond the packet */
	assert_int_equal(tun_gso_start(&it, super, n), -1);
}

/* Segments of a super-packet written through GRO come out as one write. */
static void gro_roundtrip(bool ipv6)
{
	static struct tun_gro g;
	static uint8_t segs[4][1500], got[VH + 70000];
	size_t n = make_super(ipv6, PAYLOAD), ihl = ipv6 ? 40 : 20;
	ssize_t lens[4], r;
	struct tun_gso_iter it;
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	assert_int_equal(tun_gso_start(&it, super, n), 0);
	for (int i = 0; i < 4; i++)
		lens[i] = tun_gso_next(&it, segs[i], sizeof(segs[i]));
	tun_gro_init(&g);
	for (int i = 0; i < 4; i++)
		assert_int_equal(tun_gro_add(&g, sv[0], segs[i], (size_t)lens[i]), 0);
	assert_int_equal(tun_gro_flush(&g, sv[0]), 0);
	assert_int_equal(g.writes, 1);
	assert_int_equal(g.packets, 4);
	r = recv(sv[1], got, sizeof(got), MSG_DONTWAIT);
	assert_int_equal(r, n);
	/* the header asks for segmentation at the same size */
	assert_int_equal(got[0], 1);
	assert_int_equal(got[1], ipv6 ? 4 : 1);
	assert_memory_equal(got + 4, super + 4, 2);
	/* same headers (but the checksum field) and payload */
	assert_memory_equal(got + VH, super + VH, ihl + 16);
	assert_memory_equal(got + VH + ihl + 18, super + VH + ihl + 18, n - VH - ihl - 18);
	/* and cut again, the same segments */
	assert_int_equal(tun_gso_start(&it, got, (size_t)r), 0);
	for (int i = 0; i < 4; i++) {
		uint8_t again[1500];

		assert_int_equal(tun_gso_next(&it, again, sizeof(again)), lens[i]);
		assert_memory_equal(again, segs[i], (size_t)lens[i]);
	}
	close(sv[0]);
	close(sv[1]);
}

static void test_gro_ipv4(void **state)
{
	(void)state;
	gro_roundtrip(false);
}

static void test_gro_ipv6(void **state)
{
	(void)state;
	gro_roundtrip(true);
}

static void test_gro_joins_only_what_continues(void **state)
{
	static struct tun_gro g;
	static uint8_t segs[4][1500], got[VH + 70000];
	size_t n = make_super(false, PAYLOAD);
	const uint8_t udp[28] = {0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17};
	struct tun_gso_iter it;
	ssize_t lens[4];
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	assert_int_equal(tun_gso_start(&it, super, n), 0);
	for (int i = 0; i < 4; i++)
		lens[i] = tun_gso_next(&it, segs[i], sizeof(segs[i]));
	tun_gro_init(&g);
	/* out of order: 0, 2 (a gap), then 1; then a UDP packet, then 3 */
	assert_int_equal(tun_gro_add(&g, sv[0], segs[0], (size_t)lens[0]), 0);
	assert_int_equal(tun_gro_add(&g, sv[0], segs[2], (size_t)lens[2]), 0);
	assert_int_equal(tun_gro_add(&g, sv[0], segs[1], (size_t)lens[1]), 0);
	assert_int_equal(tun_gro_add(&g, sv[0], udp, sizeof(udp)), 0);
	assert_int_equal(tun_gro_add(&g, sv[0], segs[3], (size_t)lens[3]), 0);
	assert_int_equal(tun_gro_flush(&g, sv[0]), 0);
	assert_int_equal(g.writes, 5);
	/* each written as it was, with a header asking for nothing, in order */
	assert_int_equal(recv(sv[1], got, sizeof(got), 0), VH + lens[0]);
	assert_memory_equal(got + VH, segs[0], (size_t)lens[0]);
	assert_int_equal(got[1], 0);
	assert_int_equal(recv(sv[1], got, sizeof(got), 0), VH + lens[2]);
	assert_int_equal(recv(sv[1], got, sizeof(got), 0), VH + lens[1]);
	assert_int_equal(recv(sv[1], got, sizeof(got), 0), VH + sizeof(udp));
	assert_memory_equal(got + VH, udp, sizeof(udp));
	assert_int_equal(recv(sv[1], got, sizeof(got), 0), VH + lens[3]);
	assert_memory_equal(got + VH, segs[3], (size_t)lens[3]);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tso_ipv4),
	    cmocka_unit_test(test_tso_ipv6),
	    cmocka_unit_test(test_plain_packet_checksum_completed),
	    cmocka_unit_test(test_bad_input_refused),
	    cmocka_unit_test(test_gro_ipv4),
	    cmocka_unit_test(test_gro_ipv6),
	    cmocka_unit_test(test_gro_joins_only_what_continues),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
