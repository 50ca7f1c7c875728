/* Unit tests for `l2tpsec check` and `l2tpsec import`: their run() called
 * with an argv, output captured, exit statuses and written files checked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "client/command.h"
#include "config/profile.h"
#include "tests/unit/test_profile_util.c" /* shared static helpers */

extern const struct command cmd_check, cmd_import;

/* The real one lives in client/command.c with the command table. */
int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

static char tmpdir[TEMP_DIR_MAX];
static char out_text[8192];

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

/* Runs cmd with the NULL-terminated argv; stdout and stderr go to out_text. */
static int run(const struct command *cmd, char **argv)
{
	char path[TEMP_DIR_MAX + 16];
	int argc = 0, rc, fd, saved_out, saved_err;
	ssize_t n;

	while (argv[argc])
		argc++;
	snprintf(path, sizeof(path), "%s/.out", tmpdir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	fflush(stdout);
	fflush(stderr);
	saved_out = dup(1);
	saved_err = dup(2);
	dup2(fd, 1);
	dup2(fd, 2);
	rc = cmd->run(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	n = pread(fd, out_text, sizeof(out_text) - 1, 0);
	out_text[n > 0 ? n : 0] = '\0';
	close(fd);
	return rc;
}

/* A copy of a corpus file in tmpdir with a known mode (a checkout's modes
 * depend on the umask). */
static void copy_corpus(const char *rel, const char *name, mode_t mode, char *path_out)
{
	size_t len;
	char *text = corpus_read(rel, &len);

	assert_non_null(text);
	assert_int_equal(write_file_mode(tmpdir, name, text, len, mode, path_out), 0);
	free(text);
}

static void test_check_good_bad_usage(void **state)
{
	char path[PATH_MAX * 2], good[PATH_MAX];
	char *argv_bad_usage[] = {"check", NULL};
	char *argv_bad_opt[] = {"check", "--frob", "x", NULL};
	char *argv_name[] = {"check", "no such name", NULL};

	(void)state;
	copy_corpus("good/minimal.conf", "minimal.conf", 0600, good);
	char *argv_ok[] = {"check", good, NULL};
	assert_int_equal(run(&cmd_check, argv_ok), EXIT_OK);
	snprintf(path, sizeof(path), "%s: ok\n", good);
	assert_string_equal(out_text, path);

	copy_corpus("good/minimal.conf", "open.conf", 0644, path);
	char *argv_open[] = {"check", path, NULL};
	assert_int_equal(run(&cmd_check, argv_open), EXIT_CONFIG);
	assert_non_null(strstr(out_text, "key 'psk': a secret may only be written here"));

	copy_corpus("bad/bad-mtu.conf", "bad-mtu.conf", 0600, path);
	char *argv_bad[] = {"check", path, NULL};
	assert_int_equal(run(&cmd_check, argv_bad), EXIT_CONFIG);
	assert_non_null(strstr(out_text, "bad-mtu.conf:9: key 'mtu': must be a number from 576 to "
	                                 "1500\n"));

	assert_int_equal(run(&cmd_check, argv_bad_usage), EXIT_USAGE);
	assert_int_equal(run(&cmd_check, argv_bad_opt), EXIT_USAGE);
	assert_int_equal(run(&cmd_check, argv_name), EXIT_USAGE);
}

/* `check` refuses what `connect` would (issue 18): proposals ike/ cannot
 * parse, PFS groups it cannot compute, routes through a gateway. */
static void test_check_refuses_what_connect_refuses(void **state)
{
	static const struct {
		const char *file, *why;
	} cases[] = {
	    {"bad/ike-unknown-algorithm.conf", "key 'ike': unknown algorithm 'foo'"},
	    {"bad/esp-unknown-algorithm.conf", "key 'esp': unknown algorithm 'chacha20poly1305'"},
	    {"bad/pfs-curve25519.conf", "key 'pfs': expected off, on or a group"},
	    {"bad/pfs-modp8192.conf", "key 'pfs': expected off, on or a group"},
	    {"bad/route-via.conf", "'via' and 'metric' are not supported"},
	};
	char path[PATH_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		copy_corpus(cases[i].file, "refused.conf", 0600, path);
		char *argv[] = {"check", path, NULL};
		assert_int_equal(run(&cmd_check, argv), EXIT_CONFIG);
		assert_non_null(strstr(out_text, cases[i].why));
	}
}

static void test_check_nm_with_agent_secrets(void **state)
{
	char path[PATH_MAX], pw[PATH_MAX];

	(void)state;
	copy_corpus("nm/agent-owned.nmconnection", "a.nmconnection", 0600, path);
	/* secrets the command line could give: warnings, still ok */
	char *argv_nm[] = {"check", "--nm", path, NULL};
	assert_int_equal(run(&cmd_check, argv_nm), EXIT_OK);
	assert_non_null(strstr(out_text, "warning: "));
	assert_non_null(strstr(out_text, "secret ipsec-psk is not stored in the file (flags=2); "
	                                 "connect asks for it, or give it with --psk-file"));
	assert_non_null(strstr(out_text, ": ok\n"));
	/* a named secret file is read: a bad one fails the check */
	assert_int_equal(write_file_mode(tmpdir, "pw", "p", 1, 0644, pw), 0);
	char *argv_pw[] = {"check", "--nm", "--password-file", pw, path, NULL};
	assert_int_equal(run(&cmd_check, argv_pw), EXIT_CONFIG);
	assert_non_null(strstr(out_text, "/pw: holds a secret but is accessible by group"));
}

static void test_import_writes_private_profile(void **state)
{
	char nm[PATH_MAX], target[TEMP_DIR_MAX + 32], tmp_copy[PATH_MAX];
	struct stat st;

	(void)state;
	copy_corpus("nm/office.nmconnection", "office.nmconnection", 0600, nm);
	snprintf(target, sizeof(target), "%s/work.conf", tmpdir);
	unlink(target);

	char *argv_imp[] = {"import", "--dir", tmpdir, nm, "work", NULL};
	assert_int_equal(run(&cmd_import, argv_imp), EXIT_OK);
	assert_non_null(strstr(out_text, "imported as "));
	assert_int_equal(stat(target, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	/* what was written passes `check` and holds the decoded PSK */
	char *argv_chk[] = {"check", target, NULL};
	assert_int_equal(run(&cmd_check, argv_chk), EXIT_OK);
	struct profile *p = malloc(sizeof(*p));
	char err[512];
	profile_init(p, NULL);
	assert_int_equal(profile_load(p, target, PROFILE_FORMAT_INI, NULL, NULL, err, sizeof(err)),
	                 0);
	assert_string_equal(p->name, "work");
	assert_memory_equal(p->psk.value.data, "secret psk", 10);
	profile_free(p);
	free(p);

	/* no overwrite without --force; the file is untouched */
	assert_int_equal(stat(target, &st), 0);
	assert_int_equal(run(&cmd_import, argv_imp), EXIT_FAILURE_GENERIC);
	assert_non_null(strstr(out_text, "exists; use --force to replace it"));
	char *argv_force[] = {"import", "--force", "--dir", tmpdir, nm, "work", NULL};
	assert_int_equal(run(&cmd_import, argv_force), EXIT_OK);

	/* no temporary file is left behind */
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	assert_non_null(d);
	while ((e = readdir(d)))
		assert_null(strstr(e->d_name, ".work.conf."));
	closedir(d);

	/* without NAME, the connection id gives it */
	char *argv_id[] = {"import", "--dir", tmpdir, nm, NULL};
	assert_int_equal(run(&cmd_import, argv_id), EXIT_OK);
	snprintf(tmp_copy, sizeof(tmp_copy), "%s/Office.conf", tmpdir);
	assert_int_equal(stat(tmp_copy, &st), 0);
}

static void test_import_refusals(void **state)
{
	char path[PATH_MAX], bad[PATH_MAX];

	(void)state;
	/* an NM file others can read: its secrets are refused */
	copy_corpus("nm/office.nmconnection", "open.nmconnection", 0644, path);
	char *argv_open[] = {"import", "--dir", tmpdir, path, "x", NULL};
	assert_int_equal(run(&cmd_import, argv_open), EXIT_CONFIG);
	assert_non_null(strstr(out_text, "key 'password': a secret may only be read from a private "
	                                 "file"));
	/* a bad NAME, missing arguments */
	char *argv_name[] = {"import", "--dir", tmpdir, path, "../evil", NULL};
	assert_int_equal(run(&cmd_import, argv_name), EXIT_USAGE);
	char *argv_none[] = {"import", NULL};
	assert_int_equal(run(&cmd_import, argv_none), EXIT_USAGE);
	/* an NM file that is not l2tp */
	copy_corpus("nm-bad/not-l2tp.nmconnection", "not-l2tp.nmconnection", 0600, bad);
	char *argv_bad[] = {"import", "--dir", tmpdir, bad, "y", NULL};
	assert_int_equal(run(&cmd_import, argv_bad), EXIT_CONFIG);
	assert_non_null(strstr(out_text, "not a NetworkManager-l2tp connection"));
	/* a directory that does not exist */
	char *argv_dir[] = {"import", "--dir", "/nonexistent-l2tpsec", path, "z", NULL};
	chmod(path, 0600);
	assert_int_equal(run(&cmd_import, argv_dir), EXIT_FAILURE_GENERIC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_check_good_bad_usage),
	    cmocka_unit_test(test_check_refuses_what_connect_refuses),
	    cmocka_unit_test(test_check_nm_with_agent_secrets),
	    cmocka_unit_test(test_import_writes_private_profile),
	    cmocka_unit_test(test_import_refusals),
	};

	return cmocka_run_group_tests_name("profile_cmds", tests, setup, teardown);
}
