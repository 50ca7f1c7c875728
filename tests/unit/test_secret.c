/* Unit tests for config/secret: the permission rule for secret files, the
 * one-line-end rule, symlinks, sizes, and 0s/0x pre-shared key decoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "config/secret.h"
#include "tests/unit/test_profile_util.c" /* shared static helpers */

static char tmpdir[TEMP_DIR_MAX];

static int setup(void **state)
{
	(void)state;
	return make_temp_dir(tmpdir);
}

static int teardown(void **state)
{
	(void)state;
	remove_temp_dir(tmpdir);
	return 0;
}

/* Writes content with mode into a fresh file, reads it as a secret. */
static int read_with(const char *content, size_t len, mode_t mode, struct secret *s, char *err,
                     size_t errlen)
{
	char path[PATH_MAX];

	assert_int_equal(write_file_mode(tmpdir, "secret", content, len, mode, path), 0);
	return secret_read_file(path, s, err, errlen);
}

static void test_private_file_accepted(void **state)
{
	struct secret s = {0};
	char err[512] = "";

	(void)state;
	assert_int_equal(read_with("hunter2", 7, 0600, &s, err, sizeof(err)), 0);
	assert_int_equal(s.len, 7);
	assert_memory_equal(s.data, "hunter2", 7);
	assert_int_equal(s.data[7], 0);
	assert_int_equal(read_with("x", 1, 0400, &s, err, sizeof(err)), 0);
	assert_int_equal(s.len, 1);
	secret_free(&s);
	assert_null(s.data);
	assert_int_equal(s.len, 0);
	secret_free(&s); /* twice is harmless */
}

static void test_readable_by_others_refused(void **state)
{
	static const mode_t bad[] = {0644, 0640, 0604, 0620, 0602, 0666};
	struct secret s = {0};
	char err[512], want[PATH_MAX + 200];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(read_with("hunter2", 7, bad[i], &s, err, sizeof(err)), -1);
		assert_null(s.data);
		snprintf(want, sizeof(want),
		         "%s/secret: holds a secret but is accessible by group or others (mode "
		         "%04o); run 'chmod 600 %s/secret'",
		         tmpdir, (unsigned)bad[i], tmpdir);
		assert_string_equal(err, want);
	}
}

static void test_foreign_owner_refused(void **state)
{
	char path[PATH_MAX], err[512];
	struct secret s = {0};

	(void)state;
	if (geteuid() != 0)
		skip(); /* only root can give a file away */
	assert_int_equal(write_file_mode(tmpdir, "foreign", "k", 1, 0600, path), 0);
	assert_int_equal(chown(path, 65534, 65534), 0);
	assert_int_equal(secret_read_file(path, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "owned by uid 65534, neither root nor you"));
}

static void test_one_line_end_stripped(void **state)
{
	struct secret s = {0};
	char err[512];

	(void)state;
	assert_int_equal(read_with("abc\n", 4, 0600, &s, err, sizeof(err)), 0);
	assert_int_equal(s.len, 3);
	assert_int_equal(read_with("abc\r\n", 5, 0600, &s, err, sizeof(err)), 0);
	assert_int_equal(s.len, 3);
	/* only one: the second line end is part of the secret */
	assert_int_equal(read_with("abc\n\n", 5, 0600, &s, err, sizeof(err)), 0);
	assert_int_equal(s.len, 4);
	assert_memory_equal(s.data, "abc\n", 4);
	assert_int_equal(read_with("abc\r\n\r\n", 7, 0600, &s, err, sizeof(err)), 0);
	assert_int_equal(s.len, 5);
	assert_memory_equal(s.data, "abc\r\n", 5);
	/* a lone CR is data, spaces are data */
	assert_int_equal(read_with(" abc\r", 5, 0600, &s, err, sizeof(err)), 0);
	assert_int_equal(s.len, 5);
	/* binary secrets keep their bytes, NUL included */
	assert_int_equal(read_with("a\0b", 3, 0600, &s, err, sizeof(err)), 0);
	assert_int_equal(s.len, 3);
	assert_memory_equal(s.data, "a\0b", 3);
	secret_free(&s);
}

static void test_empty_refused(void **state)
{
	struct secret s = {0};
	char err[512];

	(void)state;
	assert_int_equal(read_with("", 0, 0600, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/secret: the file holds an empty secret"));
	assert_int_equal(read_with("\n", 1, 0600, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "empty secret"));
	assert_int_equal(read_with("\r\n", 2, 0600, &s, err, sizeof(err)), -1);
	assert_null(s.data);
}

static void test_size_limit(void **state)
{
	char *big = malloc(SECRET_MAX_LEN + 2);
	struct secret s = {0};
	char err[512];

	(void)state;
	assert_non_null(big);
	memset(big, 'k', SECRET_MAX_LEN + 1);
	big[SECRET_MAX_LEN] = '\n';
	assert_int_equal(read_with(big, SECRET_MAX_LEN + 1, 0600, &s, err, sizeof(err)), 0);
	assert_int_equal(s.len, SECRET_MAX_LEN);
	big[SECRET_MAX_LEN] = 'k';
	assert_int_equal(read_with(big, SECRET_MAX_LEN + 1, 0600, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "secret longer than 4096 bytes"));
	secret_free(&s);
	free(big);
}

static void test_symlink_and_missing_refused(void **state)
{
	char target[PATH_MAX], link_path[TEMP_DIR_MAX + 32], err[512];
	struct secret s = {0};

	(void)state;
	assert_int_equal(write_file_mode(tmpdir, "real", "k", 1, 0600, target), 0);
	snprintf(link_path, sizeof(link_path), "%s/link", tmpdir);
	unlink(link_path);
	assert_int_equal(symlink(target, link_path), 0);
	assert_int_equal(secret_read_file(link_path, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/link: is a symbolic link; give the real file"));
	snprintf(link_path, sizeof(link_path), "%s/nonexistent", tmpdir);
	assert_int_equal(secret_read_file(link_path, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent: No such file or directory"));
	/* a directory is not a secret file */
	assert_int_equal(secret_read_file(tmpdir, &s, err, sizeof(err)), -1);
	assert_null(s.data);
}

static void test_from_string(void **state)
{
	struct secret s = {0}, c = {0};
	char err[128];

	(void)state;
	assert_int_equal(secret_from_string("", 0, &s, err, sizeof(err)), -1);
	assert_string_equal(err, "empty secret");
	assert_int_equal(secret_from_string("abc", 3, &s, err, sizeof(err)), 0);
	assert_true(secret_is_set(&s));
	assert_int_equal(secret_copy(&c, &s), 0);
	assert_int_equal(c.len, 3);
	assert_memory_equal(c.data, "abc", 3);
	assert_true(c.data != s.data);
	secret_free(&s);
	assert_false(secret_is_set(&s));
	assert_int_equal(secret_copy(&c, &s), 0); /* copying nothing empties */
	assert_false(secret_is_set(&c));
}

static void decode_ok(const char *in, const void *want, size_t want_len)
{
	struct secret s = {0};
	char err[128];

	assert_int_equal(secret_from_string(in, strlen(in), &s, err, sizeof(err)), 0);
	assert_int_equal(secret_decode_psk(&s, err, sizeof(err)), 0);
	assert_int_equal(s.len, want_len);
	assert_memory_equal(s.data, want, want_len);
	secret_free(&s);
}

static void decode_bad(const char *in, const char *want_err)
{
	struct secret s = {0};
	char err[128];

	assert_int_equal(secret_from_string(in, strlen(in), &s, err, sizeof(err)), 0);
	assert_int_equal(secret_decode_psk(&s, err, sizeof(err)), -1);
	assert_string_equal(err, want_err);
	secret_free(&s);
}

static void test_decode_psk(void **state)
{
	(void)state;
	decode_ok("0sc2VjcmV0IHBzaw==", "secret psk", 10);
	decode_ok("0sYWJj", "abc", 3);
	decode_ok("0sYWI=", "ab", 2);
	decode_ok("0sAP8A", "\x00\xff\x00", 3);
	decode_ok("0x00ff10", "\x00\xff\x10", 3);
	decode_ok("0xDEADbeef", "\xde\xad\xbe\xef", 4);
	/* anything else is the key as written */
	decode_ok("plain", "plain", 5);
	decode_ok("0", "0", 1);
	decode_ok("0y12", "0y12", 4);
	decode_ok("s0abc", "s0abc", 5);
	decode_bad("0s", "pre-shared key starts with '0s' but is not valid base64");
	decode_bad("0sYWJ", "pre-shared key starts with '0s' but is not valid base64");
	decode_bad("0s!!!!", "pre-shared key starts with '0s' but is not valid base64");
	decode_bad("0x", "pre-shared key starts with '0x' but is not valid hex");
	decode_bad("0xabc", "pre-shared key starts with '0x' but is not valid hex");
	decode_bad("0xzz", "pre-shared key starts with '0x' but is not valid hex");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_private_file_accepted),
	    cmocka_unit_test(test_readable_by_others_refused),
	    cmocka_unit_test(test_foreign_owner_refused),
	    cmocka_unit_test(test_one_line_end_stripped),
	    cmocka_unit_test(test_empty_refused),
	    cmocka_unit_test(test_size_limit),
	    cmocka_unit_test(test_symlink_and_missing_refused),
	    cmocka_unit_test(test_from_string),
	    cmocka_unit_test(test_decode_psk),
	};

	return cmocka_run_group_tests_name("secret", tests, setup, teardown);
}
