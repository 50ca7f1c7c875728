/* Unit tests for IKE fragmentation (ike/frag.h): the vendor ID, cutting a
 * message into fragment datagrams and joining them again in any order, and
 * every bound of the reassembly of untrusted fragments (number range, last
 * flag, total size, one message at a time, timeout, what the joined message
 * must be). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "ike/frag.h"
#include "ike/isakmp.h"
#include "lib/buf.h"

#define CHUNK 500

static struct ike_defrag defrag;
static uint8_t msg[3000], whole[ISAKMP_MAX_MSG];
static uint8_t frags[IKE_FRAG_MAX + 1][ISAKMP_HDR_LEN + IKE_FRAG_PL_HDR_LEN + CHUNK];
static size_t frag_len[IKE_FRAG_MAX + 1];

/* A plain ISAKMP message of len bytes (header + one VID payload of filler). */
static void make_msg(uint8_t *m, size_t len, uint8_t next)
{
	for (size_t i = 0; i < len; i++)
		m[i] = (uint8_t)(i * 7 + 3);
	memset(m, 0x11, 8);
	memset(m + 8, 0x22, 8);
	m[16] = next;
	m[17] = ISAKMP_VERSION;
	m[18] = ISAKMP_XCHG_IDPROT;
	m[19] = ISAKMP_FLAG_ENC;
	put_be32(m + 20, 0);
	put_be32(m + 24, (uint32_t)len);
}

static size_t cut(size_t len, uint16_t id)
{
	size_t count = ike_frag_count(len, CHUNK);

	for (size_t i = 1; i <= count; i++) {
		frag_len[i] = ike_frag_build(msg, len, id, i, CHUNK, frags[i], sizeof(frags[i]));
		assert_true(frag_len[i] > 0);
	}
	return count;
}

static int add(size_t i, uint64_t now, size_t *out_len, const char **why)
{
	return ike_defrag_add(&defrag, frags[i], frag_len[i], now, whole, sizeof(whole), out_len,
	                      why);
}

static int setup(void **state)
{
	(void)state;
	memset(&defrag, 0, sizeof(defrag));
	ike_defrag_reset(&defrag);
	make_msg(msg, sizeof(msg), ISAKMP_NP_ID);
	return 0;
}

static void test_vendor_id(void **state)
{
	uint8_t vid[20];
	unsigned int n = 0;
	uint8_t buf[128];
	struct isakmp_builder b;
	struct isakmp_hdr h = {.version = ISAKMP_VERSION, .exchange = ISAKMP_XCHG_IDPROT};
	struct isakmp_msg m;
	uint16_t notify;

	(void)state;
	/* MD5("FRAGMENTATION"), capability 0x80000000 (Main Mode). */
	assert_int_equal(EVP_Digest("FRAGMENTATION", 13, vid, &n, EVP_md5(), NULL), 1);
	put_be32(vid + 16, 0x80000000u);
	assert_true(ike_frag_vid_matches(vid, 16)); /* Windows: no capability */
	assert_true(ike_frag_vid_matches(vid, 20));
	put_be32(vid + 16, 0xc0000000u); /* Cisco */
	assert_true(ike_frag_vid_matches(vid, 20));
	put_be32(vid + 16, 0x40000000u); /* base ISAKMP messages only */
	assert_false(ike_frag_vid_matches(vid, 20));
	assert_false(ike_frag_vid_matches(vid, 18));
	assert_false(ike_frag_vid_matches(vid, 15));
	vid[3] ^= 1;
	assert_false(ike_frag_vid_matches(vid, 16));

	ike_isakmp_build_begin(&b, buf, sizeof(buf), &h);
	ike_frag_write_vid(&b);
	assert_true(ike_isakmp_build_end(&b) > 0);
	assert_int_equal(ike_isakmp_parse_plain(buf, b.w.len, &m, &notify), 0);
	assert_int_equal(m.count, 1);
	assert_int_equal(m.pl[0].len, 20);
	assert_true(ike_frag_vid_matches(m.pl[0].body, m.pl[0].len));
	vid[3] ^= 1;
	put_be32(vid + 16, 0x80000000u);
	assert_memory_equal(m.pl[0].body, vid, 20);
}

static void test_build_layout(void **state)
{
	struct isakmp_hdr h;
	size_t count;

	(void)state;
	count = cut(sizeof(msg), 0x1234);
	assert_int_equal(count, 6);
	for (size_t i = 1; i <= count; i++) {
		const uint8_t *f = frags[i];
		size_t data = i < count ? CHUNK : sizeof(msg) - CHUNK * (count - 1);

		assert_int_equal(ike_isakmp_parse_hdr(f, frag_len[i], &h), 0);
		assert_memory_equal(h.icookie, msg, 8);
		assert_memory_equal(h.rcookie, msg + 8, 8);
		assert_int_equal(h.next, ISAKMP_NP_FRAG);
		assert_int_equal(h.exchange, ISAKMP_XCHG_IDPROT);
		assert_int_equal(h.flags, 0);
		assert_int_equal(h.msgid, 0);
		assert_int_equal(h.len, frag_len[i]);
		f += ISAKMP_HDR_LEN;
		assert_int_equal(f[0], ISAKMP_NP_NONE);
		assert_int_equal(get_be16(f + 2), IKE_FRAG_PL_HDR_LEN + data);
		assert_int_equal(get_be16(f + 4), 0x1234);
		assert_int_equal(f[6], i);
		assert_int_equal(f[7], i == count ? IKE_FRAG_FLAG_LAST : 0);
		assert_memory_equal(f + 8, msg + (i - 1) * CHUNK, data);
	}
	/* out of range, too small an output, not an ISAKMP message */
	assert_int_equal(ike_frag_build(msg, sizeof(msg), 1, 0, CHUNK, frags[0], sizeof(frags[0])),
	                 0);
	assert_int_equal(ike_frag_build(msg, sizeof(msg), 1, 7, CHUNK, frags[0], sizeof(frags[0])),
	                 0);
	assert_int_equal(ike_frag_build(msg, sizeof(msg), 1, 1, CHUNK, frags[0], 100), 0);
	assert_int_equal(ike_frag_build(msg, 20, 1, 1, CHUNK, frags[0], sizeof(frags[0])), 0);
	/* more than IKE_FRAG_MAX pieces */
	assert_int_equal(ike_frag_build(msg, sizeof(msg), 1, 1, 10, frags[0], sizeof(frags[0])), 0);
}

static void test_join_in_any_order_with_duplicates(void **state)
{
	static const size_t order[] = {4, 2, 6, 2, 1, 3, 6, 5};
	size_t out_len = 0;
	const char *why;

	(void)state;
	cut(sizeof(msg), 7);
	for (size_t k = 0; k + 1 < sizeof(order) / sizeof(order[0]); k++)
		assert_int_equal(add(order[k], 100, &out_len, &why), IKE_DEFRAG_MORE);
	assert_int_equal(add(5, 100, &out_len, &why), IKE_DEFRAG_DONE);
	assert_int_equal(out_len, sizeof(msg));
	assert_memory_equal(whole, msg, sizeof(msg));
	assert_false(defrag.active);
	/* The same message again (a retransmission) joins again. */
	for (size_t i = 1; i <= 5; i++)
		assert_int_equal(add(i, 200, &out_len, &why), IKE_DEFRAG_MORE);
	assert_int_equal(add(6, 200, &out_len, &why), IKE_DEFRAG_DONE);
	assert_memory_equal(whole, msg, sizeof(msg));
}

static void test_one_message_at_a_time_and_timeout(void **state)
{
	size_t out_len = 0;
	const char *why;

	(void)state;
	cut(sizeof(msg), 1);
	assert_int_equal(add(1, 0, &out_len, &why), IKE_DEFRAG_MORE);
	assert_int_equal(add(2, 0, &out_len, &why), IKE_DEFRAG_MORE);
	/* A new fragment ID starts over: 1 and 2 of ID 1 are gone. */
	cut(sizeof(msg), 2);
	for (size_t i = 3; i <= 6; i++)
		assert_int_equal(add(i, 10, &out_len, &why), IKE_DEFRAG_MORE);
	/* Too late: the rest of ID 2 starts a new message. */
	assert_int_equal(add(1, 10 + IKE_FRAG_TIMEOUT_MS + 1, &out_len, &why), IKE_DEFRAG_MORE);
	assert_int_equal(add(2, 10 + IKE_FRAG_TIMEOUT_MS + 1, &out_len, &why), IKE_DEFRAG_MORE);
	assert_int_equal(defrag.used, 2 * CHUNK);
	/* Other cookies: another message. */
	frags[3][0] ^= 0xff;
	assert_int_equal(add(3, 10 + IKE_FRAG_TIMEOUT_MS + 2, &out_len, &why), IKE_DEFRAG_MORE);
	assert_int_equal(defrag.used, CHUNK);
}

static void test_refused_fragments(void **state)
{
	size_t out_len = 0;
	const char *why;
	uint8_t saved[sizeof(frags[1])];

	(void)state;
	cut(sizeof(msg), 3);
	memcpy(saved, frags[1], sizeof(saved));
	/* number 0 and number above IKE_FRAG_MAX */
	frags[1][ISAKMP_HDR_LEN + 6] = 0;
	assert_int_equal(add(1, 0, &out_len, &why), IKE_DEFRAG_ERROR);
	assert_non_null(why);
	frags[1][ISAKMP_HDR_LEN + 6] = IKE_FRAG_MAX + 1;
	assert_int_equal(add(1, 0, &out_len, &why), IKE_DEFRAG_ERROR);
	/* payload length disagreeing with the header, a payload after it,
	 * no data, truncated datagram */
	memcpy(frags[1], saved, sizeof(saved));
	put_be16(frags[1] + ISAKMP_HDR_LEN + 2, IKE_FRAG_PL_HDR_LEN + CHUNK - 1);
	assert_int_equal(add(1, 0, &out_len, &why), IKE_DEFRAG_ERROR);
	memcpy(frags[1], saved, sizeof(saved));
	frags[1][ISAKMP_HDR_LEN] = ISAKMP_NP_VID;
	assert_int_equal(add(1, 0, &out_len, &why), IKE_DEFRAG_ERROR);
	memcpy(frags[1], saved, sizeof(saved));
	put_be16(frags[1] + ISAKMP_HDR_LEN + 2, IKE_FRAG_PL_HDR_LEN);
	put_be32(frags[1] + 24, ISAKMP_HDR_LEN + IKE_FRAG_PL_HDR_LEN);
	assert_int_equal(ike_defrag_add(&defrag, frags[1], ISAKMP_HDR_LEN + IKE_FRAG_PL_HDR_LEN, 0,
	                                whole, sizeof(whole), &out_len, &why),
	                 IKE_DEFRAG_ERROR);
	memcpy(frags[1], saved, sizeof(saved));
	assert_int_equal(ike_defrag_add(&defrag, frags[1], frag_len[1] - 1, 0, whole, sizeof(whole),
	                                &out_len, &why),
	                 IKE_DEFRAG_ERROR);
	/* not a fragment at all */
	assert_int_equal(
	    ike_defrag_add(&defrag, msg, sizeof(msg), 0, whole, sizeof(whole), &out_len, &why),
	    IKE_DEFRAG_ERROR);
	assert_false(defrag.active);
}

static void test_last_flag_rules(void **state)
{
	size_t out_len = 0;
	const char *why;

	(void)state;
	cut(sizeof(msg), 4);
	/* a fragment beyond the one flagged last */
	assert_int_equal(add(3, 0, &out_len, &why), IKE_DEFRAG_MORE);
	frags[3][ISAKMP_HDR_LEN + 7] = IKE_FRAG_FLAG_LAST;
	ike_defrag_reset(&defrag);
	assert_int_equal(add(3, 0, &out_len, &why), IKE_DEFRAG_MORE);
	assert_int_equal(add(4, 0, &out_len, &why), IKE_DEFRAG_ERROR);
	assert_false(defrag.active);
	/* the last flag arriving after a higher number */
	assert_int_equal(add(5, 0, &out_len, &why), IKE_DEFRAG_MORE);
	assert_int_equal(add(3, 0, &out_len, &why), IKE_DEFRAG_ERROR);
	/* two different fragments flagged last */
	assert_int_equal(add(6, 0, &out_len, &why), IKE_DEFRAG_MORE);
	assert_int_equal(add(3, 0, &out_len, &why), IKE_DEFRAG_ERROR);
}

static void test_joined_message_must_be_whole_isakmp(void **state)
{
	size_t out_len = 0, count;
	const char *why;

	(void)state;
	/* the joined bytes are a fragment themselves (no nesting) */
	make_msg(msg, 1200, ISAKMP_NP_FRAG);
	count = cut(1200, 5);
	for (size_t i = 1; i < count; i++)
		assert_int_equal(add(i, 0, &out_len, &why), IKE_DEFRAG_MORE);
	assert_int_equal(add(count, 0, &out_len, &why), IKE_DEFRAG_ERROR);
	/* other cookies inside than outside */
	make_msg(msg, 1200, ISAKMP_NP_ID);
	count = cut(1200, 6);
	frags[1][ISAKMP_HDR_LEN + IKE_FRAG_PL_HDR_LEN] ^= 1;
	for (size_t i = 1; i < count; i++)
		assert_int_equal(add(i, 0, &out_len, &why), IKE_DEFRAG_MORE);
	assert_int_equal(add(count, 0, &out_len, &why), IKE_DEFRAG_ERROR);
	/* shorter than its header says */
	count = cut(1200, 7);
	put_be32(frags[1] + ISAKMP_HDR_LEN + IKE_FRAG_PL_HDR_LEN + 24, 1201);
	for (size_t i = 1; i < count; i++)
		assert_int_equal(add(i, 0, &out_len, &why), IKE_DEFRAG_MORE);
	assert_int_equal(add(count, 0, &out_len, &why), IKE_DEFRAG_ERROR);
	assert_non_null(why);
}

/* Fragments may not add up to more than one ISAKMP message. */
static void test_total_size_bound(void **state)
{
	static uint8_t big[ISAKMP_MAX_MSG + 2000];
	static uint8_t f[ISAKMP_HDR_LEN + IKE_FRAG_PL_HDR_LEN + 1000];
	size_t out_len = 0, n;
	const char *why;
	int rc = IKE_DEFRAG_MORE;
	size_t i;

	(void)state;
	make_msg(big, ISAKMP_MAX_MSG, ISAKMP_NP_ID);
	n = ike_frag_build(big, ISAKMP_MAX_MSG, 9, 1, 1000, f, sizeof(f));
	assert_true(n > 0);
	/* 1000-byte pieces numbered 1, 2, ... with no last flag: the ninth
	 * would pass ISAKMP_MAX_MSG */
	for (i = 1; i <= IKE_FRAG_MAX && rc == IKE_DEFRAG_MORE; i++) {
		f[ISAKMP_HDR_LEN + 6] = (uint8_t)i;
		f[ISAKMP_HDR_LEN + 7] = 0;
		rc = ike_defrag_add(&defrag, f, n, 0, whole, sizeof(whole), &out_len, &why);
	}
	assert_int_equal(rc, IKE_DEFRAG_ERROR);
	assert_int_equal(i - 1, 9);
	assert_false(defrag.active);
}

/* When a message goes out in fragments (ike-fragmentation = auto | force |
 * off): only past the threshold, only if the gateway announced them or
 * force, never when off, never into more than IKE_FRAG_MAX pieces. */
static void test_when_to_fragment(void **state)
{
	size_t big = IKE_FRAG_THRESHOLD + 1, huge = IKE_FRAG_DATA_LEN * IKE_FRAG_MAX + 1;

	(void)state;
	/* auto: the gateway's vendor ID decides */
	assert_true(ike_frag_wanted(big, true, false, false));
	assert_false(ike_frag_wanted(big, false, false, false));
	assert_false(ike_frag_wanted(IKE_FRAG_THRESHOLD, true, false, false));
	/* force: without the vendor ID too, still not short messages */
	assert_true(ike_frag_wanted(big, false, true, false));
	assert_false(ike_frag_wanted(IKE_FRAG_THRESHOLD, false, true, false));
	/* off wins over both */
	assert_false(ike_frag_wanted(big, true, false, true));
	assert_false(ike_frag_wanted(big, true, true, true));
	/* more than IKE_FRAG_MAX fragments: whole (the gateway could not join them) */
	assert_true(ike_frag_wanted(huge - 1, true, false, false));
	assert_false(ike_frag_wanted(huge, true, true, false));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_vendor_id, setup),
	    cmocka_unit_test_setup(test_build_layout, setup),
	    cmocka_unit_test_setup(test_join_in_any_order_with_duplicates, setup),
	    cmocka_unit_test_setup(test_one_message_at_a_time_and_timeout, setup),
	    cmocka_unit_test_setup(test_refused_fragments, setup),
	    cmocka_unit_test_setup(test_last_flag_rules, setup),
	    cmocka_unit_test_setup(test_joined_message_must_be_whole_isakmp, setup),
	    cmocka_unit_test_setup(test_total_size_bound, setup),
	    cmocka_unit_test(test_when_to_fragment),
	};

	return cmocka_run_group_tests_name("ike_frag", tests, NULL, NULL);
}
