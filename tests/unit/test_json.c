/* client/json: structure, escaping, truncation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "client/json.h"

static void test_document(void **state)
{
	char buf[256];
	struct json j;

	(void)state;
	json_init(&j, buf, sizeof(buf));
	json_obj_begin(&j, NULL);
	json_str(&j, "state", "connected");
	json_int(&j, "n", -3);
	json_bool(&j, "nat", true);
	json_arr_begin(&j, "dns");
	json_str(&j, NULL, "10.0.0.1");
	json_str(&j, NULL, "10.0.0.2");
	json_arr_end(&j);
	json_obj_begin(&j, "esp");
	json_uint(&j, "spi", 4294967295u);
	json_str(&j, "x", NULL);
	json_obj_end(&j);
	json_obj_end(&j);
	assert_true(json_ok(&j));
	assert_string_equal(buf, "{\"state\":\"connected\",\"n\":-3,\"nat\":true,"
				 "\"dns\":[\"10.0.0.1\",\"10.0.0.2\"],"
				 "\"esp\":{\"spi\":4294967295,\"x\":null}}");
}

static void test_escaping(void **state)
{
	char buf[64];
	struct json j;

	(void)state;
	json_init(&j, buf, sizeof(buf));
	json_obj_begin(&j, NULL);
	json_str(&j, "k\"", "a\\b\n\x01");
	json_obj_end(&j);
	assert_true(json_ok(&j));
	assert_string_equal(buf, "{\"k\\\"\":\"a\\\\b\\u000a\\u0001\"}");
}

static void test_truncation_is_reported(void **state)
{
	char buf[16];
	struct json j;

	(void)state;
	json_init(&j, buf, sizeof(buf));
	json_obj_begin(&j, NULL);
	json_str(&j, "state", "a long value that does not fit");
	json_obj_end(&j);
	assert_false(json_ok(&j));
	assert_true(strlen(buf) < sizeof(buf));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_document),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_truncation_is_reported),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
