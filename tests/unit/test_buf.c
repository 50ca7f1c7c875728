/* Unit tests for lib/buf: the bounds checks every parser relies on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/buf.h"

static void test_reader_reads_network_order(void **state)
{
	const uint8_t data[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
				0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
	struct buf_reader r;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;

	(void)state;
	br_init(&r, data, sizeof(data));
	assert_int_equal(br_u8(&r, &u8), 0);
	assert_int_equal(u8, 0x01);
	assert_int_equal(br_u16(&r, &u16), 0);
	assert_int_equal(u16, 0x0203);
	assert_int_equal(br_u32(&r, &u32), 0);
	assert_int_equal(u32, 0x04050607);
	assert_int_equal(br_u64(&r, &u64), 0);
	assert_true(u64 == 0x08090a0b0c0d0e0fULL);
	assert_int_equal(br_remaining(&r), 0);
	assert_true(br_ok(&r));
}

static void test_reader_refuses_past_end(void **state)
{
	const uint8_t data[] = {0xaa, 0xbb, 0xcc};
	struct buf_reader r;
	uint32_t u32 = 0x12345678;
	uint8_t u8 = 0;

	(void)state;
	br_init(&r, data, sizeof(data));
	assert_int_equal(br_u32(&r, &u32), -1);
	assert_int_equal(u32, 0x12345678); /* output untouched */
	assert_false(br_ok(&r));
	/* Sticky: even a read that would fit fails after an error. */
	assert_int_equal(br_u8(&r, &u8), -1);
	assert_int_equal(u8, 0);
}

static void test_reader_exact_end_and_one_past(void **state)
{
	const uint8_t data[] = {1, 2, 3, 4};
	uint8_t out[5] = {0};
	const uint8_t *p = NULL;
	struct buf_reader r;

	(void)state;
	br_init(&r, data, sizeof(data));
	assert_int_equal(br_bytes(&r, out, 4), 0);
	assert_memory_equal(out, data, 4);
	assert_int_equal(br_ptr(&r, &p, 0), 0); /* zero bytes at the end is fine */
	assert_true(br_ok(&r));
	assert_int_equal(br_skip(&r, 1), -1);
	assert_false(br_ok(&r));

	br_init(&r, data, sizeof(data));
	assert_int_equal(br_bytes(&r, out, 5), -1);
	assert_int_equal(r.off, 0);
}

static void test_reader_huge_length_does_not_wrap(void **state)
{
	const uint8_t data[] = {1, 2, 3, 4};
	struct buf_reader r;

	(void)state;
	br_init(&r, data, sizeof(data));
	assert_int_equal(br_skip(&r, 2), 0);
	assert_int_equal(br_skip(&r, SIZE_MAX), -1);
	assert_int_equal(r.off, 2);
}

static void test_reader_sub(void **state)
{
	const uint8_t data[] = {0, 2, 0xde, 0xad, 0xff};
	struct buf_reader r, sub;
	uint16_t len, v;

	(void)state;
	br_init(&r, data, sizeof(data));
	assert_int_equal(br_u16(&r, &len), 0);
	assert_int_equal(br_sub(&r, &sub, len), 0);
	assert_int_equal(br_u16(&sub, &v), 0);
	assert_int_equal(v, 0xdead);
	assert_int_equal(br_u8(&sub, (uint8_t *)&v), -1); /* sub ends at its own length */
	assert_int_equal(br_remaining(&r), 1);
	assert_int_equal(br_sub(&r, &sub, 2), -1);
	assert_false(br_ok(&sub));
}

static void test_reader_null_buffer(void **state)
{
	struct buf_reader r;
	uint8_t v;

	(void)state;
	br_init(&r, NULL, 100);
	assert_int_equal(br_remaining(&r), 0);
	assert_int_equal(br_u8(&r, &v), -1);
}

static void test_writer_writes_and_refuses_overflow(void **state)
{
	uint8_t out[8];
	struct buf_writer w;
	const uint8_t want[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};

	(void)state;
	bw_init(&w, out, sizeof(out));
	assert_int_equal(bw_u8(&w, 0x01), 0);
	assert_int_equal(bw_u16(&w, 0x0203), 0);
	assert_int_equal(bw_u32(&w, 0x04050607), 0);
	assert_int_equal(w.len, 7);
	assert_memory_equal(out, want, 7);
	assert_int_equal(bw_u16(&w, 0xffff), -1);
	assert_int_equal(w.len, 7);
	assert_false(bw_ok(&w));
	assert_int_equal(bw_u8(&w, 0), -1); /* sticky */
}

static void test_writer_length_fields(void **state)
{
	uint8_t out[16];
	struct buf_writer w;
	struct buf_reader r;
	uint16_t len;
	uint64_t v;

	(void)state;
	bw_init(&w, out, sizeof(out));
	assert_non_null(bw_reserve(&w, 2));
	assert_int_equal(bw_u64(&w, 0x1122334455667788ULL), 0);
	assert_int_equal(bw_zero(&w, 2), 0);
	assert_int_equal(bw_put_u16_at(&w, 0, (uint16_t)w.len), 0);
	assert_int_equal(bw_put_u16_at(&w, 11, 1), -1); /* beyond what was written */
	assert_int_equal(bw_put_u32_at(&w, 10, 1), -1);

	br_init(&r, out, w.len);
	assert_int_equal(br_u16(&r, &len), 0);
	assert_int_equal(len, 12);
	assert_int_equal(br_u64(&r, &v), 0);
	assert_true(v == 0x1122334455667788ULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reader_reads_network_order),
		cmocka_unit_test(test_reader_refuses_past_end),
		cmocka_unit_test(test_reader_exact_end_and_one_past),
		cmocka_unit_test(test_reader_huge_length_does_not_wrap),
		cmocka_unit_test(test_reader_sub),
		cmocka_unit_test(test_reader_null_buffer),
		cmocka_unit_test(test_writer_writes_and_refuses_overflow),
		cmocka_unit_test(test_writer_length_fields),
	};

	return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
