/* Unit tests for config/ini: the strict INI tokenizer under both profile
 * formats (line ends, BOM, long lines, NUL bytes, quoting, escapes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config/ini.h"

struct item {
	enum ini_item kind;
	unsigned line;
	const char *section;
	const char *key;
	const char *value;
};

/* Runs the tokenizer over text and compares every item with want[]; the
 * last entry of want is INI_END or INI_ERROR (then err must equal errmsg). */
static void expect_items(enum ini_dialect d, const char *text, size_t len, const struct item *want,
                         const char *errmsg)
{
	struct ini_reader *r = malloc(sizeof(*r));
	char err[256] = "";
	size_t i = 0;

	assert_non_null(r);
	ini_init(r, text, len, "t.conf", d);
	for (;; i++) {
		enum ini_item got = ini_next(r, err, sizeof(err));

		assert_int_equal(got, want[i].kind);
		if (got == INI_END || got == INI_ERROR)
			break;
		assert_int_equal(r->line, want[i].line);
		assert_string_equal(r->section, want[i].section);
		if (got == INI_KEY) {
			assert_string_equal(r->key, want[i].key);
			assert_string_equal(r->value, want[i].value);
			assert_int_equal(r->value_len, strlen(want[i].value));
		}
	}
	if (want[i].kind == INI_ERROR) {
		assert_string_equal(err, errmsg);
		/* sticky: the reader does not resume after an error */
		assert_int_equal(ini_next(r, err, sizeof(err)), INI_ERROR);
	}
	ini_finish(r);
	assert_int_equal(r->value[0], 0);
	free(r);
}

#define TEXT(s) s, sizeof(s) - 1

static void test_basic_sections_keys_comments(void **state)
{
	static const struct item want[] = {
	    {INI_SECTION, 3, "a", NULL, NULL},
	    {INI_KEY, 4, "a", "k1", "v1"},
	    {INI_KEY, 6, "a", "k2", "v2 with  inner   spaces"},
	    {INI_SECTION, 8, "b-c.d_e", NULL, NULL},
	    {INI_KEY, 9, "b-c.d_e", "x", "a=b=c"},
	    {INI_KEY, 10, "b-c.d_e", "y", "# not a comment ; either"},
	    {INI_END, 0, NULL, NULL, NULL},
	};
	(void)state;
	expect_items(
	    INI_L2TPSEC,
	    TEXT("# comment\n\n[a]\nk1=v1\n  ; indented comment\n\t k2 \t=  v2 with  inner   "
	         "spaces \t\n\n[ b-c.d_e ]\nx = a=b=c\ny = # not a comment ; either\n"),
	    want, NULL);
}

static void test_crlf_bom_and_no_final_newline(void **state)
{
	static const struct item want[] = {
	    {INI_SECTION, 1, "s", NULL, NULL},
	    {INI_KEY, 2, "s", "k", "v"},
	    {INI_KEY, 4, "s", "last", "x"},
	    {INI_END, 0, NULL, NULL, NULL},
	};
	(void)state;
	expect_items(INI_L2TPSEC, TEXT("\xef\xbb\xbf[s]\r\nk = v\r\n\r\nlast = x"), want, NULL);
	/* a BOM anywhere but the start is just bytes: here, part of a key name */
	static const struct item want2[] = {
	    {INI_SECTION, 1, "s", NULL, NULL},
	    {INI_ERROR, 0, NULL, NULL, NULL},
	};
	expect_items(INI_L2TPSEC, TEXT("[s]\n\xef\xbb\xbfk = v\n"), want2,
	             "t.conf:2: invalid character '\xef' in key name");
}

static void test_empty_input_and_only_comments(void **state)
{
	static const struct item want[] = {{INI_END, 0, NULL, NULL, NULL}};

	(void)state;
	expect_items(INI_L2TPSEC, "", 0, want, NULL);
	expect_items(INI_L2TPSEC, TEXT("\xef\xbb\xbf"), want, NULL);
	expect_items(INI_KEYFILE, TEXT("# a\n;b\n\n   \n"), want, NULL);
}

static void test_empty_value_is_returned(void **state)
{
	static const struct item want[] = {
	    {INI_SECTION, 1, "s", NULL, NULL},
	    {INI_KEY, 2, "s", "k", ""},
	    {INI_KEY, 3, "s", "q", ""},
	    {INI_END, 0, NULL, NULL, NULL},
	};
	(void)state;
	expect_items(INI_L2TPSEC, TEXT("[s]\nk =\nq = \"\"\n"), want, NULL);
}

static void test_structural_errors(void **state)
{
	static const struct item err_first[] = {{INI_ERROR, 0, NULL, NULL, NULL}};
	static const struct item err_second[] = {
	    {INI_SECTION, 1, "s", NULL, NULL},
	    {INI_ERROR, 0, NULL, NULL, NULL},
	};
	(void)state;
	expect_items(INI_L2TPSEC, TEXT("k = v\n"), err_first,
	             "t.conf:1: key 'k': appears before any [section]");
	expect_items(INI_L2TPSEC, TEXT("[s\n"), err_first,
	             "t.conf:1: section header without closing ']'");
	expect_items(INI_L2TPSEC, TEXT("[s] x\n"), err_first,
	             "t.conf:1: section header without closing ']'");
	expect_items(INI_L2TPSEC, TEXT("[]\n"), err_first, "t.conf:1: empty section name");
	expect_items(INI_L2TPSEC, TEXT("[a b]\n"), err_first,
	             "t.conf:1: invalid character ' ' in section name");
	expect_items(INI_L2TPSEC, TEXT("[s]\njust words\n"), err_second,
	             "t.conf:2: expected 'key = value', a [section] or a comment");
	expect_items(INI_L2TPSEC, TEXT("[s]\n = v\n"), err_second,
	             "t.conf:2: missing key before '='");
	expect_items(INI_L2TPSEC, TEXT("[s]\nk k = v\n"), err_second,
	             "t.conf:2: invalid character ' ' in key name");
	expect_items(INI_L2TPSEC, TEXT("[s]\nname[de] = v\n"), err_second,
	             "t.conf:2: invalid character '[' in key name");
}

static void test_nul_and_control_bytes(void **state)
{
	static const struct item err_second[] = {
	    {INI_SECTION, 1, "s", NULL, NULL},
	    {INI_ERROR, 0, NULL, NULL, NULL},
	};
	static const char nul[] = "[s]\nk = a\0b\n";
	static const char esc[] = "[s]\nk = \x1b[0m\n";
	static const char del[] = "[s]\nk = \x7f\n";
	static const char lone_cr[] = "[s]\nk = a\rb\n";

	(void)state;
	expect_items(INI_L2TPSEC, nul, sizeof(nul) - 1, err_second,
	             "t.conf:2: NUL byte in column 6");
	expect_items(INI_KEYFILE, esc, sizeof(esc) - 1, err_second,
	             "t.conf:2: control character 0x1b in column 5");
	expect_items(INI_L2TPSEC, del, sizeof(del) - 1, err_second,
	             "t.conf:2: control character 0x7f in column 5");
	expect_items(INI_L2TPSEC, lone_cr, sizeof(lone_cr) - 1, err_second,
	             "t.conf:2: control character 0x0d in column 6");
}

static void test_long_lines(void **state)
{
	size_t prefix = strlen("[s]\nk = ");
	size_t max_value = INI_LINE_MAX - 1 - strlen("k = ");
	char *text = malloc(prefix + INI_LINE_MAX + 16);
	struct ini_reader *r = malloc(sizeof(*r));
	char err[256];

	(void)state;
	assert_non_null(text);
	assert_non_null(r);
	/* exactly INI_LINE_MAX-1 bytes (with CRLF, which does not count) is fine */
	memcpy(text, "[s]\nk = ", prefix);
	memset(text + prefix, 'v', max_value);
	memcpy(text + prefix + max_value, "\r\n", 2);
	ini_init(r, text, prefix + max_value + 2, "t.conf", INI_L2TPSEC);
	assert_int_equal(ini_next(r, err, sizeof(err)), INI_SECTION);
	assert_int_equal(ini_next(r, err, sizeof(err)), INI_KEY);
	assert_int_equal(r->value_len, max_value);
	assert_int_equal(ini_next(r, err, sizeof(err)), INI_END);
	/* one byte more is refused, with or without a line end */
	text[prefix + max_value] = 'v';
	ini_init(r, text, prefix + max_value + 1, "t.conf", INI_L2TPSEC);
	assert_int_equal(ini_next(r, err, sizeof(err)), INI_SECTION);
	assert_int_equal(ini_next(r, err, sizeof(err)), INI_ERROR);
	assert_string_equal(err, "t.conf:2: line too long (more than 4095 bytes)");
	ini_finish(r);
	free(r);
	free(text);
}

static void test_quotes_own_dialect(void **state)
{
	static const struct item want[] = {
	    {INI_SECTION, 1, "s", NULL, NULL},
	    {INI_KEY, 2, "s", "a", "  spaced  "},
	    {INI_KEY, 3, "s", "b", "say \"hi\" \\ \n\t\x01"},
	    {INI_KEY, 4, "s", "c", "mid\"quote\"is literal"},
	    {INI_KEY, 5, "s", "d", "\\n stays literal unquoted"},
	    {INI_END, 0, NULL, NULL, NULL},
	};
	static const struct item err_second[] = {
	    {INI_SECTION, 1, "s", NULL, NULL},
	    {INI_ERROR, 0, NULL, NULL, NULL},
	};
	(void)state;
	expect_items(INI_L2TPSEC,
	             TEXT("[s]\na = \"  spaced  \"\nb = \"say \\\"hi\\\" \\\\ \\n\\t\\x01\"\n"
	                  "c = mid\"quote\"is literal\nd = \\n stays literal unquoted\n"),
	             want, NULL);
	expect_items(INI_L2TPSEC, TEXT("[s]\nk = \"abc\n"), err_second,
	             "t.conf:2: key 'k': unterminated quoted value");
	expect_items(INI_L2TPSEC, TEXT("[s]\nk = \"abc\\\"\n"), err_second,
	             "t.conf:2: key 'k': unterminated quoted value");
	expect_items(INI_L2TPSEC, TEXT("[s]\nk = \"\n"), err_second,
	             "t.conf:2: key 'k': unterminated quoted value");
	expect_items(INI_L2TPSEC, TEXT("[s]\nk = \"a\"b\"\n"), err_second,
	             "t.conf:2: key 'k': text after the closing quote");
	expect_items(INI_L2TPSEC, TEXT("[s]\nk = \"\\x00\"\n"), err_second,
	             "t.conf:2: key 'k': invalid escape sequence in value");
	expect_items(INI_L2TPSEC, TEXT("[s]\nk = \"\\x4\"\n"), err_second,
	             "t.conf:2: key 'k': invalid escape sequence in value");
	expect_items(INI_L2TPSEC, TEXT("[s]\nk = \"\\s\"\n"), err_second,
	             "t.conf:2: key 'k': invalid escape sequence in value");
}

static void test_keyfile_escapes(void **state)
{
	static const struct item want[] = {
	    {INI_SECTION, 1, "vpn-secrets", NULL, NULL},
	    {INI_KEY, 2, "vpn-secrets", "password", " lead\tand\\back\nnl\r"},
	    {INI_KEY, 3, "vpn-secrets", "quoted", "\"kept\""},
	    {INI_SECTION, 4, "proxy settings", NULL, NULL},
	    {INI_KEY, 5, "proxy settings", "name[de]", "x;y;"},
	    {INI_END, 0, NULL, NULL, NULL},
	};
	static const struct item err_second[] = {
	    {INI_SECTION, 1, "s", NULL, NULL},
	    {INI_ERROR, 0, NULL, NULL, NULL},
	};
	(void)state;
	expect_items(INI_KEYFILE,
	             TEXT("[vpn-secrets]\npassword=\\slead\\tand\\\\back\\nnl\\r\nquoted=\"kept\"\n"
	                  "[proxy settings]\nname[de]=x;y;\n"),
	             want, NULL);
	expect_items(INI_KEYFILE, TEXT("[s]\nk=trailing\\\n"), err_second,
	             "t.conf:2: key 'k': invalid escape sequence in value");
	expect_items(INI_KEYFILE, TEXT("[s]\nk=\\x41\n"), err_second,
	             "t.conf:2: key 'k': invalid escape sequence in value");
}

static void test_error_without_filename(void **state)
{
	struct ini_reader *r = malloc(sizeof(*r));
	char err[128];

	(void)state;
	assert_non_null(r);
	ini_init(r, TEXT("[s]\nbad\n"), NULL, INI_L2TPSEC);
	assert_int_equal(ini_next(r, err, sizeof(err)), INI_SECTION);
	assert_int_equal(ini_next(r, err, sizeof(err)), INI_ERROR);
	assert_string_equal(err, "<input>:2: expected 'key = value', a [section] or a comment");
	/* a tiny error buffer truncates instead of overflowing */
	ini_init(r, TEXT("bad\n"), "a-long-file-name.conf", INI_L2TPSEC);
	assert_int_equal(ini_next(r, err, 8), INI_ERROR);
	assert_int_equal(strlen(err), 7);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_basic_sections_keys_comments),
	    cmocka_unit_test(test_crlf_bom_and_no_final_newline),
	    cmocka_unit_test(test_empty_input_and_only_comments),
	    cmocka_unit_test(test_empty_value_is_returned),
	    cmocka_unit_test(test_structural_errors),
	    cmocka_unit_test(test_nul_and_control_bytes),
	    cmocka_unit_test(test_long_lines),
	    cmocka_unit_test(test_quotes_own_dialect),
	    cmocka_unit_test(test_keyfile_escapes),
	    cmocka_unit_test(test_error_without_filename),
	};

	return cmocka_run_group_tests_name("ini", tests, NULL, NULL);
}
