/* Unit tests for the L2TP codec: headers, AVPs, hidden AVPs, tunnel
 * authentication and data framing (RFC 2661 §3, §4). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "l2tp/avp.h"
#include "l2tp/hidden.h"
#include "l2tp/l2tp_int.h"
#include "l2tp/message.h"
#include "l2tp/proto.h"
#include "lib/hex.h"

static const uint8_t secret[] = "tunnel-secret";
#define SECRET_LEN (sizeof(secret) - 1)

/* Build a control message into buf; returns its length. */
static size_t build(uint8_t *buf, size_t cap, void (*avps)(struct buf_writer *w), uint16_t type)
{
	struct buf_writer w;
	int n;

	bw_init(&w, buf, cap);
	l2tp_ctrl_begin(&w, 0x1111, 0x2222, type);
	if (avps)
		avps(&w);
	n = l2tp_ctrl_finish(&w);
	assert_true(n > 0);
	return (size_t)n;
}

static int decode(const uint8_t *msg, size_t len, const uint8_t *sec, size_t sec_len,
                  struct l2tp_ctrl_msg *m, uint16_t *err)
{
	struct l2tp_hdr h;
	const char *why = NULL;

	assert_int_equal(l2tp_hdr_parse(msg, len, &h, &why), 0);
	return l2tp_ctrl_decode(msg + h.payload_off, h.payload_len, sec, sec_len, m, err, &why);
}

static void sccrp_avps(struct buf_writer *w)
{
	l2tp_avp_put_u16(w, true, L2TP_AVP_PROTO_VERSION, 0x0100);
	l2tp_avp_put(w, true, L2TP_AVP_HOST_NAME, "lns", 3);
	l2tp_avp_put_u32(w, true, L2TP_AVP_FRAMING_CAPS, 3);
	l2tp_avp_put_u16(w, true, L2TP_AVP_TUNNEL_ID, 0xbeef);
	l2tp_avp_put_u16(w, true, L2TP_AVP_RWIN, 8);
	l2tp_avp_put(w, false, L2TP_AVP_VENDOR_NAME, "vend", 4);
	l2tp_avp_put_u32(w, true, L2TP_AVP_BEARER_CAPS, 0);
}

static void test_header_control_round_trip(void **state)
{
	uint8_t buf[256];
	size_t len = build(buf, sizeof(buf), sccrp_avps, L2TP_SCCRP);
	struct l2tp_hdr h;
	const char *why = NULL;

	(void)state;
	assert_int_equal(l2tp_hdr_parse(buf, len, &h, &why), 0);
	assert_true(h.control && h.has_length && h.has_seq);
	assert_int_equal(h.tunnel_id, 0x1111);
	assert_int_equal(h.session_id, 0x2222);
	assert_int_equal(h.payload_off, L2TP_CTRL_HDR_LEN);
	assert_int_equal(h.payload_len, len - L2TP_CTRL_HDR_LEN);
	assert_int_equal(get_be16(buf + 2), len);
}

static void test_header_malformed(void **state)
{
	uint8_t buf[64];
	size_t len = build(buf, sizeof(buf), NULL, L2TP_HELLO);
	struct l2tp_hdr h;
	const char *why = NULL;
	uint8_t bad[64];

	(void)state;
	/* every truncation of the header fails */
	for (size_t n = 0; n < L2TP_CTRL_HDR_LEN; n++)
		assert_int_equal(l2tp_hdr_parse(buf, n, &h, &why), -1);
	/* Length field larger than the datagram */
	assert_int_equal(l2tp_hdr_parse(buf, len - 1, &h, &why), -1);
	/* Length field smaller than the header */
	memcpy(bad, buf, len);
	put_be16(bad + 2, 4);
	assert_int_equal(l2tp_hdr_parse(bad, len, &h, &why), -1);
	/* version 3 */
	memcpy(bad, buf, len);
	bad[1] = (bad[1] & 0xf0) | 3;
	assert_int_equal(l2tp_hdr_parse(bad, len, &h, &why), -1);
	/* control without S */
	memcpy(bad, buf, len);
	put_be16(bad, L2TP_HDR_T | L2TP_HDR_L | L2TP_VERSION);
	assert_int_equal(l2tp_hdr_parse(bad, len, &h, &why), -1);
	/* control without L */
	put_be16(bad, L2TP_HDR_T | L2TP_HDR_S | L2TP_VERSION);
	assert_int_equal(l2tp_hdr_parse(bad, len, &h, &why), -1);
	/* trailing padding beyond the Length field is ignored */
	memcpy(bad, buf, len);
	bad[len] = 0xaa;
	assert_int_equal(l2tp_hdr_parse(bad, len + 1, &h, &why), 0);
	assert_int_equal(h.payload_len, len - L2TP_CTRL_HDR_LEN);
}

static void test_header_data_variants(void **state)
{
	/* no L, no S, offset 2 with 2 pad bytes, then ff 03 c0 21 */
	const uint8_t off[] = {0x02, 0x02, 0x12, 0x34, 0x56, 0x78, 0x00,
	                       0x02, 0xee, 0xee, 0xff, 0x03, 0xc0, 0x21};
	/* offset larger than the packet */
	const uint8_t off_bad[] = {0x02, 0x02, 0x12, 0x34, 0x56, 0x78, 0x00, 0x09, 0xee};
	uint8_t buf[64], frame[] = {0xc0, 0x21, 0x01, 0x01, 0x00, 0x04};
	struct l2tp_hdr h;
	const char *why = NULL;
	int n;

	(void)state;
	assert_int_equal(l2tp_hdr_parse(off, sizeof(off), &h, &why), 0);
	assert_false(h.control);
	assert_int_equal(h.tunnel_id, 0x1234);
	assert_int_equal(h.session_id, 0x5678);
	assert_int_equal(h.payload_off, 10);
	assert_int_equal(h.payload_len, 4);
	assert_int_equal(l2tp_hdr_parse(off_bad, sizeof(off_bad), &h, &why), -1);

	n = l2tp_data_encode(buf, sizeof(buf), 7, 9, true, 5, 0, true, frame, sizeof(frame));
	assert_int_equal(n, 12 + 2 + (int)sizeof(frame));
	assert_int_equal(l2tp_hdr_parse(buf, (size_t)n, &h, &why), 0);
	assert_false(h.control);
	assert_true(h.has_seq && h.has_length);
	assert_int_equal(h.ns, 5);
	assert_int_equal(h.tunnel_id, 7);
	assert_int_equal(h.session_id, 9);
	assert_memory_equal(buf + h.payload_off, "\xff\x03", 2);
	assert_memory_equal(buf + h.payload_off + 2, frame, sizeof(frame));

	n = l2tp_data_encode(buf, sizeof(buf), 7, 9, false, 0, 0, false, frame, sizeof(frame));
	assert_int_equal(n, 6 + 2 + (int)sizeof(frame));
	assert_int_equal(get_be16(buf), L2TP_VERSION);
	/* does not fit */
	assert_int_equal(l2tp_data_encode(buf, 10, 7, 9, false, 0, 0, false, frame, sizeof(frame)),
	                 -1);
}

static void test_decode_sccrp(void **state)
{
	uint8_t buf[256];
	size_t len = build(buf, sizeof(buf), sccrp_avps, L2TP_SCCRP);
	struct l2tp_ctrl_msg m;
	uint16_t err = 0;

	(void)state;
	assert_int_equal(decode(buf, len, NULL, 0, &m, &err), 0);
	assert_int_equal(m.type, L2TP_SCCRP);
	assert_true(m.type_mandatory);
	assert_int_equal(m.proto_version, 0x0100);
	assert_int_equal(m.tunnel_id, 0xbeef);
	assert_int_equal(m.rwin, 8);
	assert_int_equal(m.framing_caps, 3);
	assert_int_equal(m.host_name.len, 3);
	assert_memory_equal(m.host_name.p, "lns", 3);
	assert_memory_equal(m.vendor_name.p, "vend", 4);
	assert_true(l2tp_msg_has(&m, L2TP_AVP_BEARER_CAPS));
	assert_false(l2tp_msg_has(&m, L2TP_AVP_CHALLENGE));
	assert_false(m.unknown_mandatory);
}

static void unknown_avps(struct buf_writer *w)
{
	bw_u16(w, 6 + 2); /* optional, unknown IETF type 200 */
	bw_u16(w, 0);
	bw_u16(w, 200);
	bw_u16(w, 0xabcd);
	bw_u16(w, L2TP_AVP_M | (6 + 1)); /* mandatory, vendor 311 (Microsoft) */
	bw_u16(w, 311);
	bw_u16(w, 7);
	bw_u8(w, 1);
	l2tp_avp_put_u16(w, true, L2TP_AVP_TUNNEL_ID, 5);
}

static void test_unknown_avps(void **state)
{
	uint8_t buf[256];
	size_t len = build(buf, sizeof(buf), unknown_avps, L2TP_SCCRP);
	struct l2tp_ctrl_msg m;
	uint16_t err = 0;

	(void)state;
	assert_int_equal(decode(buf, len, NULL, 0, &m, &err), 0);
	assert_true(m.unknown_mandatory);
	assert_int_equal(m.unknown_vendor, 311);
	assert_int_equal(m.unknown_type, 7);
	assert_int_equal(m.tunnel_id, 5); /* decoding went on */
}

static void reserved_bits_avp(struct buf_writer *w)
{
	bw_u16(w, 0x0400 | L2TP_AVP_M | 8); /* a reserved bit set: unrecognised */
	bw_u16(w, 0);
	bw_u16(w, L2TP_AVP_TUNNEL_ID);
	bw_u16(w, 5);
}

static void test_reserved_bits_are_unknown(void **state)
{
	uint8_t buf[64];
	size_t len = build(buf, sizeof(buf), reserved_bits_avp, L2TP_SCCRP);
	struct l2tp_ctrl_msg m;
	uint16_t err = 0;

	(void)state;
	assert_int_equal(decode(buf, len, NULL, 0, &m, &err), 0);
	assert_true(m.unknown_mandatory);
	assert_false(l2tp_msg_has(&m, L2TP_AVP_TUNNEL_ID));
}

static void short_result(struct buf_writer *w)
{
	l2tp_avp_put_u16(w, true, L2TP_AVP_TUNNEL_ID, 5);
	l2tp_avp_put_u16(w, true, L2TP_AVP_RESULT_CODE, 6); /* MikroTik: no error code */
}

static void full_result(struct buf_writer *w)
{
	l2tp_avp_put_result(w, 2, 8, "bye now");
}

static void test_result_code_forms(void **state)
{
	uint8_t buf[128];
	size_t len = build(buf, sizeof(buf), short_result, L2TP_STOPCCN);
	struct l2tp_ctrl_msg m;
	uint16_t err = 0;

	(void)state;
	assert_int_equal(decode(buf, len, NULL, 0, &m, &err), 0);
	assert_int_equal(m.result, 6);
	assert_false(m.has_error);
	assert_int_equal(m.result_msg.len, 0);
	len = build(buf, sizeof(buf), full_result, L2TP_STOPCCN);
	assert_int_equal(decode(buf, len, NULL, 0, &m, &err), 0);
	assert_int_equal(m.result, 2);
	assert_true(m.has_error);
	assert_int_equal(m.error, 8);
	assert_int_equal(m.result_msg.len, 7);
	assert_memory_equal(m.result_msg.p, "bye now", 7);
	assert_string_equal(l2tp_stopccn_result_words(6), "requester is being shut down");
	assert_string_equal(l2tp_error_code_words(8),
	                    "shut down after receipt of an unknown AVP with the M bit set");
	assert_string_equal(l2tp_cdn_result_words(99), "unknown result code");
	assert_string_equal(l2tp_msg_type_name(L2TP_ICCN), "ICCN");
	assert_string_equal(l2tp_msg_type_name(5), "unknown message");
}

/* Every malformed message: expected outcome and error code. */
static void test_malformed_messages(void **state)
{
	static const struct {
		const char *hex;
		uint16_t err;
	} cases[] = {
	    {"", L2TP_ERR_LENGTH},                  /* no AVPs at all */
	    {"8008000000", L2TP_ERR_LENGTH},        /* truncated AVP header */
	    {"800500000000", L2TP_ERR_LENGTH},      /* AVP length 5 < 6 */
	    {"8009000000000001", L2TP_ERR_LENGTH},  /* length past the end */
	    {"8008000000070001", L2TP_ERR_RANGE},   /* first AVP is Host Name */
	    {"c008000000000001", L2TP_ERR_RANGE},   /* hidden Message Type */
	    {"800900000000000102", L2TP_ERR_RANGE}, /* Message Type 3 bytes */
	    {"8008000000000002"
	     "8008000000000001",
	     L2TP_ERR_RANGE}, /* two Message Types */
	    {"8008000000000002"
	     "8007000000090001",
	     L2TP_ERR_LENGTH}, /* mandatory Tunnel ID of 1 byte */
	    {"8008000000000002"
	     "800a00000009000100",
	     L2TP_ERR_LENGTH}, /* AVP length 10 but 9 bytes left */
	    {"8008000000000002"
	     "80060000000b",
	     L2TP_ERR_LENGTH}, /* empty mandatory Challenge */
	    {"8008000000000002"
	     "c00a000000070011aabb",
	     L2TP_ERR_RANGE}, /* hidden, no Random Vector, no secret */
	    {"8008000000000002"
	     "c00a00000024aabbccdd",
	     L2TP_ERR_RANGE}, /* hidden Random Vector */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t raw[64];
		long n = hex_decode(cases[i].hex, raw, sizeof(raw));
		struct l2tp_ctrl_msg m;
		uint16_t err = 0xffff;
		const char *why = NULL;

		(void)state;
		assert_true(n >= 0);
		if (l2tp_ctrl_decode(raw, (size_t)n, NULL, 0, &m, &err, &why) != -1)
			fail_msg("case %zu (%s) decoded", i, cases[i].hex);
		assert_int_equal(err, cases[i].err);
		assert_non_null(why);
	}
}

static void test_broken_optional_avp_is_ignored(void **state)
{
	/* SCCRP, optional Tunnel ID with 3 bytes, optional hidden Host Name
	 * without a secret: both skipped, message accepted. */
	uint8_t raw[64];
	long n = hex_decode("8008000000000002"
	                    "000900000009000102"
	                    "400a000000070011aabb",
	                    raw, sizeof(raw));
	struct l2tp_ctrl_msg m;
	uint16_t err = 0;
	const char *why = NULL;

	(void)state;
	assert_int_equal(l2tp_ctrl_decode(raw, (size_t)n, NULL, 0, &m, &err, &why), 0);
	assert_false(l2tp_msg_has(&m, L2TP_AVP_TUNNEL_ID));
	assert_false(l2tp_msg_has(&m, L2TP_AVP_HOST_NAME));
}

static const uint8_t rv8[8] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7};

static void test_hidden_known_vector(void **state)
{
	/* Computed independently (Python hashlib) from RFC 2661 §4.3. */
	uint8_t expect[18], out[64], plain[64];
	size_t out_len = 0, plain_len = 0;

	(void)state;
	assert_int_equal(hex_decode("46063f2a2ec284bc397bc305379436ea3e58", expect, sizeof(expect)),
	                 18);
	assert_int_equal(l2tp_hidden_encode(L2TP_AVP_HOST_NAME, secret, SECRET_LEN, rv8,
	                                    sizeof(rv8), (const uint8_t *)"lns.example", 11, 5, out,
	                                    sizeof(out), &out_len),
	                 0);
	assert_int_equal(out_len, 18);
	assert_memory_equal(out, expect, 18);
	assert_int_equal(l2tp_hidden_decode(L2TP_AVP_HOST_NAME, secret, SECRET_LEN, rv8,
	                                    sizeof(rv8), expect, 18, plain, sizeof(plain),
	                                    &plain_len),
	                 0);
	assert_int_equal(plain_len, 11);
	assert_memory_equal(plain, "lns.example", 11);
	/* wrong attribute type changes the key stream: length check fails */
	assert_int_equal(l2tp_hidden_decode(L2TP_AVP_VENDOR_NAME, secret, SECRET_LEN, rv8,
	                                    sizeof(rv8), expect, 18, plain, sizeof(plain),
	                                    &plain_len),
	                 -1);
	/* too short, no secret, no RV */
	assert_int_equal(l2tp_hidden_decode(7, secret, SECRET_LEN, rv8, 8, expect, 1, plain,
	                                    sizeof(plain), &plain_len),
	                 -1);
	assert_int_equal(
	    l2tp_hidden_decode(7, NULL, 0, rv8, 8, expect, 18, plain, sizeof(plain), &plain_len),
	    -1);
	assert_int_equal(l2tp_hidden_decode(7, secret, SECRET_LEN, NULL, 0, expect, 18, plain,
	                                    sizeof(plain), &plain_len),
	                 -1);
	/* output too small */
	assert_int_equal(
	    l2tp_hidden_decode(7, secret, SECRET_LEN, rv8, 8, expect, 18, plain, 4, &plain_len),
	    -1);
}

static void hidden_avps(struct buf_writer *w)
{
	uint8_t tid[2] = {0x12, 0x34};

	l2tp_avp_put(w, true, L2TP_AVP_RANDOM_VECTOR, rv8, sizeof(rv8));
	l2tp_avp_put_hidden(w, true, L2TP_AVP_TUNNEL_ID, secret, SECRET_LEN, rv8, sizeof(rv8), tid,
	                    2, 0);
	/* 40 bytes: three MD5 blocks, chained on the ciphertext */
	l2tp_avp_put_hidden(w, true, L2TP_AVP_HOST_NAME, secret, SECRET_LEN, rv8, sizeof(rv8),
	                    "a-rather-long-host-name.example.org.", 36, 7);
}

static void test_hidden_avps_in_message(void **state)
{
	uint8_t buf[256];
	size_t len = build(buf, sizeof(buf), hidden_avps, L2TP_SCCRP);
	struct l2tp_ctrl_msg m;
	uint16_t err = 0;
	static const uint8_t wrong[] = "wrong-secret";

	(void)state;
	assert_int_equal(decode(buf, len, secret, SECRET_LEN, &m, &err), 0);
	assert_int_equal(m.tunnel_id, 0x1234);
	assert_int_equal(m.host_name.len, 36);
	assert_memory_equal(m.host_name.p, "a-rather-long-host-name.example.org.", 36);
	/* without the secret the mandatory hidden AVP is an error */
	assert_int_equal(decode(buf, len, NULL, 0, &m, &err), -1);
	/* a wrong secret garbles the length: error, never a crash */
	assert_int_equal(decode(buf, len, wrong, sizeof(wrong) - 1, &m, &err), -1);
}

static void test_challenge_response_vector(void **state)
{
	uint8_t chal[16], out[16], expect[16];

	(void)state;
	for (int i = 0; i < 16; i++)
		chal[i] = (uint8_t)i;
	assert_int_equal(l2tp_challenge_response(L2TP_SCCRP, secret, SECRET_LEN, chal, 16, out), 0);
	hex_decode("6c0da2faf7a397aa3f88f55061ea9134", expect, sizeof(expect));
	assert_memory_equal(out, expect, 16);
	assert_int_equal(l2tp_challenge_response(L2TP_SCCCN, secret, SECRET_LEN, chal, 16, out), 0);
	hex_decode("6a59c670d486acf7f96271695c6874f8", expect, sizeof(expect));
	assert_memory_equal(out, expect, 16);
}

static void test_writer_limits(void **state)
{
	uint8_t buf[2048], big[1100] = {0};
	struct buf_writer w;

	(void)state;
	bw_init(&w, buf, sizeof(buf));
	l2tp_avp_put(&w, false, L2TP_AVP_VENDOR_NAME, big, 1017); /* exactly 1023 */
	assert_true(bw_ok(&w));
	assert_int_equal(get_be16(buf) & L2TP_AVP_LEN_MASK, 1023);
	l2tp_avp_put(&w, false, L2TP_AVP_VENDOR_NAME, big, 1018); /* 1024: too long */
	assert_false(bw_ok(&w));
	bw_init(&w, buf, 10);
	l2tp_ctrl_begin(&w, 1, 2, L2TP_HELLO);
	assert_int_equal(l2tp_ctrl_finish(&w), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_header_control_round_trip),
	    cmocka_unit_test(test_header_malformed),
	    cmocka_unit_test(test_header_data_variants),
	    cmocka_unit_test(test_decode_sccrp),
	    cmocka_unit_test(test_unknown_avps),
	    cmocka_unit_test(test_reserved_bits_are_unknown),
	    cmocka_unit_test(test_result_code_forms),
	    cmocka_unit_test(test_malformed_messages),
	    cmocka_unit_test(test_broken_optional_avp_is_ignored),
	    cmocka_unit_test(test_hidden_known_vector),
	    cmocka_unit_test(test_hidden_avps_in_message),
	    cmocka_unit_test(test_challenge_response_vector),
	    cmocka_unit_test(test_writer_limits),
	};
	return cmocka_run_group_tests_name("l2tp_codec", tests, NULL, NULL);
}
