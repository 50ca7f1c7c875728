/* Unit tests for the ISAKMP codec: round trips of every payload IKEv1 uses
 * and rejection of malformed input (lengths, nesting, reserved fields,
 * unknown payload types). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ike/ike.h"
#include "ike/isakmp.h"
#include "lib/buf.h"

static const struct isakmp_hdr base_hdr = {
    .icookie = {1, 2, 3, 4, 5, 6, 7, 8},
    .rcookie = {9, 10, 11, 12, 13, 14, 15, 16},
    .exchange = ISAKMP_XCHG_IDPROT,
    .msgid = 0x01020304,
};

static void test_header_round_trip(void **state)
{
	uint8_t buf[128];
	struct isakmp_builder b;
	struct isakmp_hdr h;
	size_t len;

	(void)state;
	ike_isakmp_build_begin(&b, buf, sizeof(buf), &base_hdr);
	len = ike_isakmp_build_end(&b);
	assert_int_equal(len, ISAKMP_HDR_LEN);
	assert_int_equal(ike_isakmp_parse_hdr(buf, len, &h), 0);
	assert_memory_equal(h.icookie, base_hdr.icookie, 8);
	assert_memory_equal(h.rcookie, base_hdr.rcookie, 8);
	assert_int_equal(h.version, ISAKMP_VERSION);
	assert_int_equal(h.exchange, ISAKMP_XCHG_IDPROT);
	assert_int_equal(h.msgid, 0x01020304);
	assert_int_equal(h.len, ISAKMP_HDR_LEN);
	assert_int_equal(h.next, ISAKMP_NP_NONE);
}

static void test_header_rejects_bad_fields(void **state)
{
	uint8_t buf[64];
	struct isakmp_builder b;
	struct isakmp_hdr h;
	size_t len;

	(void)state;
	ike_isakmp_build_begin(&b, buf, sizeof(buf), &base_hdr);
	len = ike_isakmp_build_end(&b);
	assert_int_equal(ike_isakmp_parse_hdr(buf, len - 1, &h), -1); /* short datagram */
	buf[17] = 0x20;                                               /* IKEv2 */
	assert_int_equal(ike_isakmp_parse_hdr(buf, len, &h), -1);
	buf[17] = ISAKMP_VERSION;
	buf[19] = 0x80; /* undefined flag */
	assert_int_equal(ike_isakmp_parse_hdr(buf, len, &h), -1);
	buf[19] = 0;
	put_be32(buf + 24, 40); /* length beyond the datagram */
	assert_int_equal(ike_isakmp_parse_hdr(buf, len, &h), -1);
	put_be32(buf + 24, 20); /* shorter than a header */
	assert_int_equal(ike_isakmp_parse_hdr(buf, len, &h), -1);
	put_be32(buf + 24, ISAKMP_HDR_LEN);
	assert_int_equal(ike_isakmp_parse_hdr(buf, len, &h), 0);
}

/* Builds a message with the given payloads and returns its length. */
static size_t build_msg(uint8_t *buf, size_t cap)
{
	struct isakmp_builder b;
	static const uint8_t nonce[16] = {0xaa};
	static const uint8_t vid[16] = {0xbb};

	ike_isakmp_build_begin(&b, buf, cap, &base_hdr);
	ike_isakmp_pl_add(&b, ISAKMP_NP_NONCE, nonce, sizeof(nonce));
	ike_isakmp_pl_add(&b, ISAKMP_NP_VID, vid, sizeof(vid));
	ike_isakmp_pl_add(&b, ISAKMP_NP_NATD, vid, 20 > sizeof(vid) ? sizeof(vid) : 20);
	return ike_isakmp_build_end(&b);
}

static void test_payload_chain_round_trip(void **state)
{
	uint8_t buf[256];
	struct isakmp_msg m;
	uint16_t notify;
	size_t len = build_msg(buf, sizeof(buf));

	(void)state;
	assert_int_equal(ike_isakmp_parse_plain(buf, len, &m, &notify), 0);
	assert_int_equal(m.count, 3);
	assert_int_equal(m.pl[0].type, ISAKMP_NP_NONCE);
	assert_int_equal(m.pl[0].len, 16);
	assert_int_equal(m.pl[0].body[0], 0xaa);
	assert_int_equal(m.pl[0].raw_len, 20);
	assert_ptr_equal(m.pl[0].raw, buf + ISAKMP_HDR_LEN);
	assert_int_equal(m.pl[1].type, ISAKMP_NP_VID);
	assert_int_equal(m.pl[2].type, ISAKMP_NP_NATD);
	assert_int_equal(m.chain_len, len - ISAKMP_HDR_LEN);
	assert_non_null(ike_isakmp_find(&m, ISAKMP_NP_VID, 0));
	assert_null(ike_isakmp_find(&m, ISAKMP_NP_VID, 1));
	assert_int_equal(ike_isakmp_count(&m, ISAKMP_NP_NATD), 1);
}

static void test_payload_chain_rejects_malformed(void **state)
{
	uint8_t buf[256], bad[256];
	struct isakmp_msg m;
	uint16_t notify;
	size_t len = build_msg(buf, sizeof(buf));
	size_t first = ISAKMP_HDR_LEN;

	(void)state;
	/* Reserved byte of the generic header set. */
	memcpy(bad, buf, len);
	bad[first + 1] = 1;
	assert_int_equal(ike_isakmp_parse_plain(bad, len, &m, &notify), -1);
	assert_int_equal(notify, N_PAYLOAD_MALFORMED);
	/* Payload length below the generic header and beyond the message. */
	memcpy(bad, buf, len);
	put_be16(bad + first + 2, 3);
	assert_int_equal(ike_isakmp_parse_plain(bad, len, &m, &notify), -1);
	put_be16(bad + first + 2, 200);
	assert_int_equal(ike_isakmp_parse_plain(bad, len, &m, &notify), -1);
	assert_int_equal(notify, N_UNEQUAL_PAYLOAD_LENGTHS);
	/* Nonce shorter than 8 bytes (RFC 2409 §5). */
	memcpy(bad, buf, len);
	put_be16(bad + first + 2, 4 + 7);
	assert_int_equal(
	    ike_isakmp_parse_payloads(ISAKMP_NP_NONCE, bad + first, 11, false, &m, &notify), -1);
	/* Unknown payload types below 128 are errors; proposal and transform
	 * payloads are not allowed at the top level. */
	memcpy(bad, buf, len);
	bad[16] = 14;
	assert_int_equal(ike_isakmp_parse_plain(bad, len, &m, &notify), -1);
	assert_int_equal(notify, N_INVALID_PAYLOAD_TYPE);
	bad[16] = ISAKMP_NP_P;
	assert_int_equal(ike_isakmp_parse_plain(bad, len, &m, &notify), -1);
	bad[16] = ISAKMP_NP_T;
	assert_int_equal(ike_isakmp_parse_plain(bad, len, &m, &notify), -1);
	/* A private-use type is skipped. */
	bad[16] = 200;
	assert_int_equal(ike_isakmp_parse_plain(bad, len, &m, &notify), 0);
	assert_int_equal(m.count, 2);
	/* Bytes after the last payload: only allowed as padding of a
	 * decrypted body. */
	memcpy(bad, buf, len);
	bad[len] = 0;
	put_be32(bad + 24, (uint32_t)len + 1);
	assert_int_equal(ike_isakmp_parse_plain(bad, len + 1, &m, &notify), -1);
	assert_int_equal(
	    ike_isakmp_parse_payloads(bad[16], bad + first, len + 1 - first, true, &m, &notify), 0);
	/* A chain that claims another payload after the last byte. */
	memcpy(bad, buf, len);
	bad[first + 40] = ISAKMP_NP_VID; /* NAT-D's next payload */
	assert_int_equal(ike_isakmp_parse_plain(bad, len, &m, &notify), -1);
	/* Encrypted flag on a message parsed as plain. */
	memcpy(bad, buf, len);
	bad[19] = ISAKMP_FLAG_ENC;
	assert_int_equal(ike_isakmp_parse_plain(bad, len, &m, &notify), -1);
}

static void test_too_many_payloads_rejected(void **state)
{
	uint8_t buf[2048];
	struct isakmp_builder b;
	struct isakmp_msg m;
	uint16_t notify;
	static const uint8_t vid[4] = {1, 2, 3, 4};
	size_t len;

	(void)state;
	ike_isakmp_build_begin(&b, buf, sizeof(buf), &base_hdr);
	for (int i = 0; i < ISAKMP_MAX_PAYLOADS + 1; i++)
		ike_isakmp_pl_add(&b, ISAKMP_NP_VID, vid, sizeof(vid));
	len = ike_isakmp_build_end(&b);
	assert_int_equal(ike_isakmp_parse_plain(buf, len, &m, &notify), -1);
}

static void make_sa(struct isakmp_sa *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->doi = IPSEC_DOI;
	sa->situation = IPSEC_SIT_IDENTITY_ONLY;
	sa->nprop = 2;
	sa->prop[0].num = 1;
	sa->prop[0].proto = PROTO_IPSEC_ESP;
	sa->prop[0].spi_len = 4;
	memcpy(sa->prop[0].spi, "\x12\x34\x56\x78", 4);
	sa->prop[0].ntr = 2;
	sa->prop[0].tr[0].num = 1;
	sa->prop[0].tr[0].id = ESP_T_AES;
	ike_isakmp_attr_put(&sa->prop[0].tr[0], IPSEC_ATTR_LIFE_TYPE, LIFE_TYPE_SECONDS);
	ike_isakmp_attr_put(&sa->prop[0].tr[0], IPSEC_ATTR_LIFE_DURATION, 86400); /* TLV, 4 bytes */
	ike_isakmp_attr_put(&sa->prop[0].tr[0], IPSEC_ATTR_KEY_LEN, 256);         /* TV */
	sa->prop[0].tr[1].num = 2;
	sa->prop[0].tr[1].id = ESP_T_3DES;
	ike_isakmp_attr_put(&sa->prop[0].tr[1], IPSEC_ATTR_LIFE_DURATION, 0x123456789aULL); /* 8 */
	sa->prop[1].num = 2;
	sa->prop[1].proto = PROTO_ISAKMP;
	sa->prop[1].ntr = 1;
	sa->prop[1].tr[0].num = 1;
	sa->prop[1].tr[0].id = KEY_IKE;
	ike_isakmp_attr_put(&sa->prop[1].tr[0], IKE_ATTR_ENC, IKE_ENC_AES);
}

static size_t write_sa(const struct isakmp_sa *sa, uint8_t *buf, size_t cap)
{
	struct buf_writer w;

	bw_init(&w, buf, cap);
	ike_isakmp_write_sa_body(&w, sa);
	assert_true(bw_ok(&w));
	return w.len;
}

static void test_sa_round_trip_tv_and_tlv(void **state)
{
	struct isakmp_sa *sa = calloc(1, sizeof(*sa)), *got = calloc(1, sizeof(*got));
	uint8_t buf[1024];
	uint16_t notify;
	uint64_t v;
	size_t len;

	(void)state;
	make_sa(sa);
	len = write_sa(sa, buf, sizeof(buf));
	assert_int_equal(ike_isakmp_parse_sa(buf, len, got, &notify), 0);
	assert_int_equal(got->nprop, 2);
	assert_int_equal(got->prop[0].proto, PROTO_IPSEC_ESP);
	assert_int_equal(got->prop[0].spi_len, 4);
	assert_memory_equal(got->prop[0].spi, "\x12\x34\x56\x78", 4);
	assert_int_equal(got->prop[0].ntr, 2);
	assert_int_equal(got->prop[0].tr[0].id, ESP_T_AES);
	assert_true(ike_isakmp_attr_get(&got->prop[0].tr[0], IPSEC_ATTR_LIFE_DURATION, &v));
	assert_int_equal(v, 86400);
	assert_false(got->prop[0].tr[0].attr[1].tv);
	assert_true(ike_isakmp_attr_get(&got->prop[0].tr[0], IPSEC_ATTR_KEY_LEN, &v));
	assert_int_equal(v, 256);
	assert_true(got->prop[0].tr[0].attr[2].tv);
	assert_true(ike_isakmp_attr_get(&got->prop[0].tr[1], IPSEC_ATTR_LIFE_DURATION, &v));
	assert_true(v == 0x123456789aULL);
	assert_false(ike_isakmp_attr_get(&got->prop[0].tr[1], IPSEC_ATTR_GROUP, &v));
	assert_int_equal(got->prop[1].proto, PROTO_ISAKMP);
	assert_int_equal(got->prop[1].tr[0].id, KEY_IKE);
	free(sa);
	free(got);
}

/* Offsets into the body written by make_sa: DOI(4) situation(4), then the
 * first proposal header at 8, its first transform at 8 + 8 + 4. */
#define P0 8
#define T0 (P0 + 12)

static void test_sa_rejects_malformed(void **state)
{
	struct isakmp_sa *sa = calloc(1, sizeof(*sa)), *got = calloc(1, sizeof(*got));
	uint8_t buf[1024], bad[1024];
	uint16_t notify;
	size_t len;

	(void)state;
	make_sa(sa);
	len = write_sa(sa, buf, sizeof(buf));
#define EXPECT_BAD(mutation)                                                                       \
	do {                                                                                       \
		memcpy(bad, buf, len);                                                             \
		mutation;                                                                          \
		assert_int_equal(ike_isakmp_parse_sa(bad, len, got, &notify), -1);                 \
	} while (0)
	EXPECT_BAD(put_be32(bad, 2));                    /* DOI */
	EXPECT_BAD(put_be32(bad + 4, 2));                /* situation */
	EXPECT_BAD(bad[P0] = ISAKMP_NP_T);               /* proposal followed by a transform */
	EXPECT_BAD(bad[P0 + 1] = 1);                     /* reserved */
	EXPECT_BAD(put_be16(bad + P0 + 2, 7));           /* proposal length < 8 */
	EXPECT_BAD(put_be16(bad + P0 + 2, 1000));        /* beyond the payload */
	EXPECT_BAD(bad[P0 + 7] = 3);                     /* transform count too big */
	EXPECT_BAD(bad[P0 + 7] = 1);                     /* transform count too small */
	EXPECT_BAD(bad[P0 + 7] = 0);                     /* no transforms */
	EXPECT_BAD(bad[P0 + 6] = 17);                    /* SPI longer than 16 */
	EXPECT_BAD(bad[T0] = ISAKMP_NP_P);               /* transform chain broken */
	EXPECT_BAD(bad[T0 + 1] = 1);                     /* transform reserved */
	EXPECT_BAD(put_be16(bad + T0 + 6, 1));           /* transform reserved2 */
	EXPECT_BAD(put_be16(bad + T0 + 2, 6));           /* transform length < 8 */
	EXPECT_BAD(put_be16(bad + T0 + 8 + 4 + 2, 0));   /* TLV attribute of length 0 */
	EXPECT_BAD(put_be16(bad + T0 + 8 + 4 + 2, 9));   /* TLV longer than 8 */
	EXPECT_BAD(put_be16(bad + T0 + 8 + 4 + 2, 200)); /* TLV beyond the transform */
	/* Bytes after the last proposal. */
	memcpy(bad, buf, len);
	bad[len] = 0;
	assert_int_equal(ike_isakmp_parse_sa(bad, len + 1, got, &notify), -1);
	/* Truncated anywhere: never accepted, never read past the end. */
	for (size_t cut = 0; cut < len; cut++)
		assert_int_equal(ike_isakmp_parse_sa(buf, cut, got, &notify), -1);
	free(sa);
	free(got);
}

static void test_id_round_trip_and_rejects(void **state)
{
	const uint8_t addr[4] = {10, 1, 0, 2};
	struct isakmp_id id = {ID_IPV4_ADDR, 17, 1701, addr, 4}, got;
	uint8_t buf[64];
	struct buf_writer w;

	(void)state;
	bw_init(&w, buf, sizeof(buf));
	ike_isakmp_write_id(&w, &id);
	assert_int_equal(w.len, 8);
	assert_int_equal(ike_isakmp_parse_id(buf, w.len, &got), 0);
	assert_int_equal(got.type, ID_IPV4_ADDR);
	assert_int_equal(got.proto, 17);
	assert_int_equal(got.port, 1701);
	assert_memory_equal(got.data, addr, 4);
	assert_int_equal(ike_isakmp_parse_id(buf, 7, &got), -1); /* IPv4 of 3 bytes */
	assert_int_equal(ike_isakmp_parse_id(buf, 3, &got), -1);
	buf[0] = ID_FQDN;
	memcpy(buf + 4, "gw.x", 4);
	assert_int_equal(ike_isakmp_parse_id(buf, 8, &got), 0);
	buf[5] = 0; /* NUL inside a name */
	assert_int_equal(ike_isakmp_parse_id(buf, 8, &got), -1);
	assert_int_equal(ike_isakmp_parse_id(buf, 4, &got), -1); /* empty name */
	buf[0] = 99;
	assert_int_equal(ike_isakmp_parse_id(buf, 8, &got), -1);
}

static void test_notify_round_trip_and_rejects(void **state)
{
	const uint8_t spi[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	const uint8_t seq[4] = {0, 0, 0, 42};
	struct isakmp_notify n = {IPSEC_DOI, PROTO_ISAKMP, 16, N_DPD_R_U_THERE, spi, seq, 4}, got;
	uint8_t buf[64];
	struct buf_writer w;

	(void)state;
	bw_init(&w, buf, sizeof(buf));
	ike_isakmp_write_notify(&w, &n);
	assert_int_equal(ike_isakmp_parse_notify(buf, w.len, &got), 0);
	assert_int_equal(got.type, N_DPD_R_U_THERE);
	assert_int_equal(got.spi_len, 16);
	assert_memory_equal(got.spi, spi, 16);
	assert_int_equal(got.data_len, 4);
	assert_memory_equal(got.data, seq, 4);
	assert_int_equal(ike_isakmp_parse_notify(buf, 8 + 15, &got), -1); /* SPI cut */
	buf[5] = 3;                                                       /* odd SPI size */
	assert_int_equal(ike_isakmp_parse_notify(buf, w.len, &got), -1);
	buf[5] = 16;
	put_be32(buf, 7); /* DOI */
	assert_int_equal(ike_isakmp_parse_notify(buf, w.len, &got), -1);
	assert_string_equal(ike_notify_name(N_NO_PROPOSAL_CHOSEN), "NO_PROPOSAL_CHOSEN");
	assert_string_equal(ike_notify_name(N_INVALID_ID_INFORMATION), "INVALID_ID_INFORMATION");
	assert_string_equal(ike_notify_name(N_AUTHENTICATION_FAILED), "AUTHENTICATION_FAILED");
	assert_null(ike_notify_name(4242));
}

static void test_delete_round_trip_and_rejects(void **state)
{
	const uint8_t spis[8] = {0xde, 0xad, 0xbe, 0xef, 0, 0, 1, 0};
	struct isakmp_delete d = {IPSEC_DOI, PROTO_IPSEC_ESP, 4, 2, spis}, got;
	uint8_t buf[64];
	struct buf_writer w;

	(void)state;
	bw_init(&w, buf, sizeof(buf));
	ike_isakmp_write_delete(&w, &d);
	assert_int_equal(ike_isakmp_parse_delete(buf, w.len, &got), 0);
	assert_int_equal(got.nspi, 2);
	assert_int_equal(get_be32(got.spis), 0xdeadbeef);
	assert_int_equal(get_be32(got.spis + 4), 0x100);
	assert_int_equal(ike_isakmp_parse_delete(buf, w.len - 1, &got), -1); /* truncated */
	buf[w.len] = 0;
	assert_int_equal(ike_isakmp_parse_delete(buf, w.len + 1, &got), -1); /* trailing */
	put_be16(buf + 6, 0);
	assert_int_equal(ike_isakmp_parse_delete(buf, w.len, &got), -1); /* no SPI */
	put_be16(buf + 6, 2);
	buf[4] = PROTO_ISAKMP; /* ISAKMP SAs are named by 16-byte cookie pairs */
	assert_int_equal(ike_isakmp_parse_delete(buf, w.len, &got), -1);
	buf[4] = 9;
	assert_int_equal(ike_isakmp_parse_delete(buf, w.len, &got), -1);
}

static void test_natoa_and_cert(void **state)
{
	struct isakmp_natoa oa = {ID_IPV4_ADDR, {10, 1, 0, 2}, 4}, got;
	struct isakmp_cert c;
	uint8_t buf[32];
	struct buf_writer w;

	(void)state;
	bw_init(&w, buf, sizeof(buf));
	ike_isakmp_write_natoa(&w, &oa);
	assert_int_equal(w.len, 8);
	assert_int_equal(ike_isakmp_parse_natoa(buf, w.len, &got), 0);
	assert_int_equal(got.addr_len, 4);
	assert_memory_equal(got.addr, oa.addr, 4);
	assert_int_equal(ike_isakmp_parse_natoa(buf, 7, &got), -1);
	buf[8] = 0;
	assert_int_equal(ike_isakmp_parse_natoa(buf, 9, &got), -1);
	buf[2] = 1; /* reserved */
	assert_int_equal(ike_isakmp_parse_natoa(buf, 8, &got), -1);
	buf[2] = 0;
	buf[0] = ID_FQDN;
	assert_int_equal(ike_isakmp_parse_natoa(buf, 8, &got), -1);
	buf[0] = CERT_X509_SIG;
	assert_int_equal(ike_isakmp_parse_cert(buf, 8, &c), 0);
	assert_int_equal(c.encoding, CERT_X509_SIG);
	assert_int_equal(c.len, 7);
	assert_int_equal(ike_isakmp_parse_cert(buf, 0, &c), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_header_round_trip),
	    cmocka_unit_test(test_header_rejects_bad_fields),
	    cmocka_unit_test(test_payload_chain_round_trip),
	    cmocka_unit_test(test_payload_chain_rejects_malformed),
	    cmocka_unit_test(test_too_many_payloads_rejected),
	    cmocka_unit_test(test_sa_round_trip_tv_and_tlv),
	    cmocka_unit_test(test_sa_rejects_malformed),
	    cmocka_unit_test(test_id_round_trip_and_rejects),
	    cmocka_unit_test(test_notify_round_trip_and_rejects),
	    cmocka_unit_test(test_delete_round_trip_and_rejects),
	    cmocka_unit_test(test_natoa_and_cert),
	};

	return cmocka_run_group_tests_name("ike_codec", tests, NULL, NULL);
}
