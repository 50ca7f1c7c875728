/* Unit tests for NAT-T helpers: the vendor IDs are MD5 of their strings,
 * variant detection and preference, per-variant payload and encapsulation
 * numbers, and the vendor IDs MM1 carries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>

#include <openssl/evp.h>

#include "ike/cert.h"
#include "ike/ike_int.h"
#include "ike/isakmp.h"
#include "ike/natt.h"
#include "lib/buf.h"

static void md5(const char *s, size_t len, uint8_t out[16])
{
	unsigned int n = 0;

	assert_int_equal(EVP_Digest(s, len, out, &n, EVP_md5(), NULL), 1);
	assert_int_equal(n, 16);
}

static void test_vendor_ids_are_md5_of_their_strings(void **state)
{
	static const struct {
		const char *s;
		size_t len;
		enum ike_natt_variant v;
	} cases[] = {
	    {"RFC 3947", 8, IKE_NATT_RFC3947},
	    {"draft-ietf-ipsec-nat-t-ike-03", 29, IKE_NATT_DRAFT_03},
	    {"draft-ietf-ipsec-nat-t-ike-02\n", 30, IKE_NATT_DRAFT_02N},
	    {"draft-ietf-ipsec-nat-t-ike-02", 29, IKE_NATT_DRAFT_02},
	    {"draft-ietf-ipsec-nat-t-ike-00", 29, IKE_NATT_NONE}, /* not spoken */
	};
	uint8_t h[16];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		md5(cases[i].s, cases[i].len, h);
		assert_int_equal(ike_natt_variant_from_vid(h, 16), cases[i].v);
		assert_int_equal(ike_natt_variant_from_vid(h, 15), IKE_NATT_NONE);
	}
	/* The variants are ordered by preference: RFC first. */
	assert_true(IKE_NATT_RFC3947 > IKE_NATT_DRAFT_03);
	assert_true(IKE_NATT_DRAFT_03 > IKE_NATT_DRAFT_02N);
	assert_true(IKE_NATT_DRAFT_02N > IKE_NATT_DRAFT_02);
}

static void test_numbers_per_variant(void **state)
{
	(void)state;
	assert_int_equal(ike_natt_natd_type(IKE_NATT_RFC3947), 20);
	assert_int_equal(ike_natt_natoa_type(IKE_NATT_RFC3947), 21);
	assert_int_equal(ike_natt_encap_transport(IKE_NATT_RFC3947), 4);
	assert_int_equal(ike_natt_natd_type(IKE_NATT_DRAFT_02), 130);
	assert_int_equal(ike_natt_natoa_type(IKE_NATT_DRAFT_02N), 131);
	assert_int_equal(ike_natt_encap_transport(IKE_NATT_DRAFT_02), 61444);
	assert_int_equal(ike_natt_encap_transport(IKE_NATT_DRAFT_03), 61444);
	assert_true(ike_natt_encap_is_udp_transport(4));
	assert_true(ike_natt_encap_is_udp_transport(61444));
	assert_false(ike_natt_encap_is_udp_transport(2));
	assert_false(ike_natt_encap_is_udp_transport(61443));
}

static void test_mm1_vendor_ids(void **state)
{
	uint8_t buf[512];
	struct isakmp_builder b;
	struct isakmp_hdr h = {.exchange = ISAKMP_XCHG_IDPROT, .icookie = {1}};
	struct isakmp_msg m;
	uint16_t notify;
	size_t len;
	int seen[5] = {0}, dpd = 0;

	(void)state;
	ike_isakmp_build_begin(&b, buf, sizeof(buf), &h);
	ike_natt_write_vids(&b);
	len = ike_isakmp_build_end(&b);
	assert_int_equal(ike_isakmp_parse_plain(buf, len, &m, &notify), 0);
	assert_int_equal(m.count, 5);
	for (size_t i = 0; i < m.count; i++) {
		assert_int_equal(m.pl[i].type, ISAKMP_NP_VID);
		seen[ike_natt_variant_from_vid(m.pl[i].body, m.pl[i].len)]++;
		dpd += ike_natt_vid_is_dpd(m.pl[i].body, m.pl[i].len);
		assert_non_null(ike_natt_vid_name(m.pl[i].body, m.pl[i].len));
	}
	assert_int_equal(seen[IKE_NATT_NONE], 1); /* the DPD one */
	assert_int_equal(seen[IKE_NATT_RFC3947], 1);
	assert_int_equal(seen[IKE_NATT_DRAFT_03], 1);
	assert_int_equal(seen[IKE_NATT_DRAFT_02N], 1);
	assert_int_equal(seen[IKE_NATT_DRAFT_02], 1);
	assert_int_equal(dpd, 1);
}

static void test_known_vendor_names(void **state)
{
	const uint8_t xauth[8] = {0x09, 0x00, 0x26, 0x89, 0xdf, 0xd6, 0xb7, 0x12};
	const uint8_t other[16] = {0};
	uint8_t ms[20] = {0x1e, 0x2b, 0x51, 0x69, 0x05, 0x99, 0x1c, 0x7d, 0x7c, 0x96,
	                  0xfc, 0xbf, 0xb5, 0x87, 0xe4, 0x61, 0,    0,    0,    4};

	(void)state;
	assert_string_equal(ike_natt_vid_name(xauth, 8), "XAUTH");
	assert_string_equal(ike_natt_vid_name(ms, 20), "MS NT5 ISAKMPOAKLEY");
	assert_null(ike_natt_vid_name(other, 16));
	assert_string_equal(ike_natt_name(IKE_NATT_RFC3947), "RFC 3947");
}

/* NAT-OA and transport-mode IDs for both families (issue 17): what goes on
 * the wire and what comes back from it (RFC 3947 §5.2, RFC 2407 §4.6.2). */
static void test_natoa_and_ids_both_families(void **state)
{
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6};
	struct sockaddr_in a4 = {.sin_family = AF_INET};
	struct sockaddr_storage back;
	struct isakmp_natoa oa, parsed;
	struct isakmp_id id;
	struct ike_id cfg = {IKE_ID_IPV6_ADDR, "2001:db8::7"};
	uint8_t buf[64], enc[16];
	struct buf_writer w;
	size_t len;

	(void)state;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::7", &a6.sin6_addr), 1);
	assert_int_equal(inet_pton(AF_INET, "10.1.0.2", &a4.sin_addr), 1);
	assert_int_equal(ike_natoa_of((struct sockaddr *)&a6, &oa), 0);
	bw_init(&w, buf, sizeof(buf));
	ike_isakmp_write_natoa(&w, &oa);
	assert_int_equal(w.len, 4 + 16);
	assert_int_equal(buf[0], ID_IPV6_ADDR);
	assert_int_equal(ike_isakmp_parse_natoa(buf, w.len, &parsed), 0);
	assert_int_equal(ike_natoa_to_sockaddr(&parsed, &back), 0);
	assert_int_equal(back.ss_family, AF_INET6);
	assert_memory_equal(&((struct sockaddr_in6 *)&back)->sin6_addr, &a6.sin6_addr, 16);
	assert_int_equal(ike_natoa_of((struct sockaddr *)&a4, &oa), 0);
	assert_int_equal(oa.type, ID_IPV4_ADDR);
	assert_int_equal(oa.addr_len, 4);
	assert_int_equal(ike_natoa_to_sockaddr(&oa, &back), 0);
	assert_int_equal(back.ss_family, AF_INET);
	/* a type and length that disagree are refused */
	oa.type = ID_IPV6_ADDR;
	assert_int_equal(ike_natoa_to_sockaddr(&oa, &back), -1);
	back.ss_family = AF_UNIX;
	assert_int_equal(ike_natoa_of((struct sockaddr *)&back, &oa), -1);

	assert_int_equal(ike_qm_id_of((struct sockaddr *)&a6, 1701, &id), 0);
	assert_int_equal(id.type, ID_IPV6_ADDR);
	assert_int_equal(id.proto, IPPROTO_UDP);
	assert_int_equal(id.port, 1701);
	assert_int_equal(id.len, 16);
	assert_memory_equal(id.data, &a6.sin6_addr, 16);
	assert_int_equal(ike_qm_id_of((struct sockaddr *)&a4, 1701, &id), 0);
	assert_int_equal(id.type, ID_IPV4_ADDR);
	assert_int_equal(id.len, 4);

	assert_int_equal(ike_id_encode(&cfg, enc, sizeof(enc), &len), 0);
	assert_int_equal(len, 16);
	assert_memory_equal(enc, &a6.sin6_addr, 16);
	assert_int_equal(ike_id_encode(&cfg, enc, 15, &len), -1);
	snprintf(cfg.value, sizeof(cfg.value), "10.1.0.2");
	assert_int_equal(ike_id_encode(&cfg, enc, sizeof(enc), &len), -1);
}

/* RFC 3947 §3.2: the NAT-D hash over an IPv6 address is
 * HASH(CKY-I | CKY-R | 16-byte address | port), computed here by hand. */
static void test_natd_ipv6_layout(void **state)
{
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons(4500)};
	uint8_t ic[8] = {1, 2, 3, 4, 5, 6, 7, 8}, rc[8] = {9, 10, 11, 12, 13, 14, 15, 16};
	uint8_t in[8 + 8 + 16 + 2], want[20], got[IKE_MAX_HASH];
	unsigned wl = 0;

	(void)state;
	assert_int_equal(inet_pton(AF_INET6, "fd00:172:16::2", &a6.sin6_addr), 1);
	memcpy(in, ic, 8);
	memcpy(in + 8, rc, 8);
	memcpy(in + 16, &a6.sin6_addr, 16);
	put_be16(in + 32, 4500);
	assert_int_equal(EVP_Digest(in, sizeof(in), want, &wl, EVP_sha1(), NULL), 1);
	assert_int_equal(ike_natt_hash(NULL, IKE_HASH_SHA1, ic, rc, (struct sockaddr *)&a6, got),
	                 20);
	assert_memory_equal(got, want, 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vendor_ids_are_md5_of_their_strings),
	    cmocka_unit_test(test_numbers_per_variant),
	    cmocka_unit_test(test_mm1_vendor_ids),
	    cmocka_unit_test(test_known_vendor_names),
	    cmocka_unit_test(test_natoa_and_ids_both_families),
	    cmocka_unit_test(test_natd_ipv6_layout),
	};

	return cmocka_run_group_tests_name("ike_natt", tests, NULL, NULL);
}
