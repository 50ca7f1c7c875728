/* Unit tests for lib/hex. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/hex.h"

static void test_encode(void **state)
{
	const uint8_t in[] = {0x00, 0xab, 0x7f, 0xff};
	char out[9];
	char small[6];

	(void)state;
	assert_int_equal(hex_encode(out, sizeof(out), in, sizeof(in)), 8);
	assert_string_equal(out, "00ab7fff");
	/* too small: whole bytes only, always terminated */
	assert_int_equal(hex_encode(small, sizeof(small), in, sizeof(in)), 4);
	assert_string_equal(small, "00ab");
}

static void test_decode(void **state)
{
	uint8_t out[4];
	const uint8_t want[] = {0xde, 0xad, 0xbe, 0xef};

	(void)state;
	assert_int_equal(hex_decode("DEadbeEF", out, sizeof(out)), 4);
	assert_memory_equal(out, want, 4);
	assert_int_equal(hex_decode("de:ad be:ef", out, sizeof(out)), 4);
	assert_memory_equal(out, want, 4);
	assert_int_equal(hex_decode("", out, sizeof(out)), 0);
}

static void test_decode_rejects_bad_input(void **state)
{
	uint8_t out[2];

	(void)state;
	assert_int_equal(hex_decode("abc", out, sizeof(out)), -1);
	assert_int_equal(hex_decode("zz", out, sizeof(out)), -1);
	assert_int_equal(hex_decode("a g0", out, sizeof(out)), -1);
	assert_int_equal(hex_decode("001122", out, sizeof(out)), -1); /* too long */
}

static void test_dump_line(void **state)
{
	const uint8_t in[] = "ABC\x01";
	char line[100];

	(void)state;
	hex_dump_line(line, sizeof(line), in, 4, 0);
	assert_non_null(strstr(line, "0000  41 42 43 01"));
	assert_non_null(strstr(line, "|ABC.|"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_decode_rejects_bad_input),
		cmocka_unit_test(test_dump_line),
	};

	return cmocka_run_group_tests_name("hex", tests, NULL, NULL);
}
