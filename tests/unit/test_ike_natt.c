/* Unit tests for NAT-T helpers: the vendor IDs are MD5 of their strings,
 * variant detection and preference, per-variant payload and encapsulation
 * numbers, and the vendor IDs MM1 carries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "ike/isakmp.h"
#include "ike/natt.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vendor_ids_are_md5_of_their_strings),
	    cmocka_unit_test(test_numbers_per_variant),
	    cmocka_unit_test(test_mm1_vendor_ids),
	    cmocka_unit_test(test_known_vendor_names),
	};

	return cmocka_run_group_tests_name("ike_natt", tests, NULL, NULL);
}
