/* Unit tests for lib/util: secure random, constant-time compare, no cores. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/util.h"

static void test_random_fills_and_differs(void **state)
{
	uint8_t a[32] = {0}, b[32] = {0}, zero[32] = {0};

	(void)state;
	assert_int_equal(random_bytes(a, sizeof(a)), 0);
	assert_int_equal(random_bytes(b, sizeof(b)), 0);
	assert_memory_not_equal(a, zero, sizeof(a));
	assert_memory_not_equal(a, b, sizeof(a));
}

static void test_secure_memcmp(void **state)
{
	(void)state;
	assert_int_equal(secure_memcmp("abcd", "abcd", 4), 0);
	assert_int_not_equal(secure_memcmp("abcd", "abce", 4), 0);
	assert_int_equal(secure_memcmp("x", "y", 0), 0);
}

static void test_secure_clear(void **state)
{
	char secret[] = "hunter2";

	(void)state;
	secure_clear(secret, sizeof(secret));
	for (size_t i = 0; i < sizeof(secret); i++)
		assert_int_equal(secret[i], 0);
	secure_clear(NULL, 10); /* harmless */
}

static void test_no_core_dumps(void **state)
{
	struct rlimit rl;

	(void)state;
	assert_int_equal(secure_no_core_dumps(), 0);
	assert_int_equal(getrlimit(RLIMIT_CORE, &rl), 0);
	assert_true(rl.rlim_cur == 0 && rl.rlim_max == 0);
	assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
}

/* Everything arrives, in order; a reader gone is an error, not a hang. */
static void test_write_all(void **state)
{
	char out[100000], in[sizeof(out)];
	size_t got = 0;
	int fds[2], status;
	pid_t pid;

	(void)state;
	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (char)(i * 7);
	assert_int_equal(pipe(fds), 0);
	pid = fork(); /* more than a pipe holds: someone must read */
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		_exit(fd_write_all(fds[1], out, sizeof(out)) == 0 ? 0 : 1);
	}
	close(fds[1]);
	for (ssize_t n; (n = read(fds[0], in + got, sizeof(in) - got)) > 0;)
		got += (size_t)n;
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(got, sizeof(out));
	assert_memory_equal(in, out, sizeof(out));
	assert_int_equal(pipe(fds), 0);
	close(fds[0]);
	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(fd_write_all(fds[1], out, 10), -1);
	signal(SIGPIPE, SIG_DFL);
	close(fds[1]);
	assert_int_equal(fd_write_all(fds[1], out, 10), -1); /* closed fd */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_fills_and_differs),
		cmocka_unit_test(test_secure_memcmp),
		cmocka_unit_test(test_secure_clear),
		cmocka_unit_test(test_no_core_dumps),
		cmocka_unit_test(test_write_all),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
