/* client/logring: the daemon's ring of recent log lines, and `l2tpsec log
 * NAME` reading it through the control socket (the real binary, the real
 * request handler). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "client/logring.h"
#include "lib/loop.h"

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void test_lines_in_order_with_time_level_subsystem(void **state)
{
	struct log_ring *r = malloc(sizeof(*r));
	char out[1024];
	time_t t = 1700000000;
	struct tm tm;
	char stamp[16], want[128];
	size_t len;

	(void)state;
	log_ring_init(r);
	log_ring_dump(r, out, sizeof(out));
	assert_string_equal(out, "");
	log_ring_add(r, t, LOG_IKE, LOG_LVL_NOTICE, "IKE: connecting to gw");
	log_ring_add(r, t + 1, LOG_CLIENT, LOG_LVL_ERR, "IKE failed at MM1: timeout");
	len = log_ring_dump(r, out, sizeof(out));
	assert_int_equal(len, strlen(out));
	localtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
	snprintf(want, sizeof(want), "%s notice ike: IKE: connecting to gw\n", stamp);
	assert_int_equal(strncmp(out, want, strlen(want)), 0);
	assert_non_null(strstr(out + strlen(want), " err client: IKE failed at MM1: timeout\n"));
	assert_int_equal(count_lines(out), 2);
	free(r);
}

/* Full: the oldest lines go; a small buffer gets the newest whole lines. */
static void test_wraps_and_keeps_the_newest(void **state)
{
	struct log_ring *r = malloc(sizeof(*r));
	size_t outsz = LOG_RING_LINES * (LOG_RING_LINE + 1) + 1;
	char *out = malloc(outsz), msg[32], small[100], longmsg[LOG_RING_LINE * 2];

	(void)state;
	log_ring_init(r);
	for (int i = 0; i < LOG_RING_LINES + 5; i++) {
		snprintf(msg, sizeof(msg), "line %d.", i);
		log_ring_add(r, 0, LOG_L2TP, LOG_LVL_INFO, msg);
	}
	log_ring_dump(r, out, outsz);
	assert_int_equal(count_lines(out), LOG_RING_LINES);
	assert_null(strstr(out, "line 4."));
	assert_non_null(strstr(out, "line 5."));
	snprintf(msg, sizeof(msg), "line %d.\n", LOG_RING_LINES + 4);
	assert_non_null(strstr(out, msg));
	assert_int_equal(strcmp(out + strlen(out) - strlen(msg), msg), 0); /* newest last */
	log_ring_dump(r, small, sizeof(small));
	assert_true(strlen(small) < sizeof(small));
	assert_true(count_lines(small) >= 1);
	assert_int_equal(strcmp(small + strlen(small) - strlen(msg), msg), 0);
	assert_true(small[0] != '\0' && strchr(small, '\n') && small[strlen(small) - 1] == '\n');
	/* a line longer than a slot is cut, not spilled into the next */
	memset(longmsg, 'x', sizeof(longmsg) - 1);
	longmsg[sizeof(longmsg) - 1] = '\0';
	log_ring_add(r, 0, LOG_PPP, LOG_LVL_INFO, longmsg);
	log_ring_dump(r, out, outsz);
	assert_int_equal(count_lines(out), LOG_RING_LINES);
	assert_true(strlen(strrchr(out, ' ')) < LOG_RING_LINE);
	free(out);
	free(r);
}

/* Through the logger's tap: what is written at the current levels. */
static void test_tap_records_what_is_logged(void **state)
{
	struct log_ring *r = malloc(sizeof(*r));
	struct logger lg;
	char out[1024];

	(void)state;
	log_ring_init(r);
	log_init(&lg, LOG_TO_SINK, LOG_LVL_NOTICE);
	log_set_tap(&lg, log_ring_tap, r);
	log_notice(&lg, LOG_CLIENT, "connected: ppp0");
	log_info(&lg, LOG_CLIENT, "not at this level");
	log_ring_dump(r, out, sizeof(out));
	assert_non_null(strstr(out, "notice client: connected: ppp0\n"));
	assert_null(strstr(out, "not at this level"));
	log_set_tap(&lg, NULL, NULL);
	log_notice(&lg, LOG_CLIENT, "after the tap is gone");
	log_ring_dump(r, out, sizeof(out));
	assert_null(strstr(out, "after the tap"));
	free(r);
}

struct daemon_side {
	struct log_ring ring;
	struct logger lg;
};

static void handler(void *ctx, struct ctl_conn *cc, const char *req)
{
	struct daemon_side *d = ctx;

	/* what client/daemon.c does with "log" requests */
	if (strcmp(req, "log") == 0 || strncmp(req, "log ", 4) == 0)
		log_ring_answer(&d->ring, &d->lg, cc, req[3] ? req + 4 : "");
	else
		ctl_conn_reply(cc, "error: unknown request\n");
}

/* Runs the l2tpsec binary with args while the loop serves the socket;
 * its stdout into out, its exit status returned. */
static int run_cli(struct loop *loop, const char *dir, const char *const *args, char *out,
                   size_t outsz)
{
	const char *bin = getenv("L2TPSEC_BIN") ? getenv("L2TPSEC_BIN") : "./client/l2tpsec";
	char *argv[10] = {(char *)bin};
	size_t len = 0, n = 1;
	int fds[2], status = -1;
	pid_t pid;

	for (int i = 0; args[i] && n < 6; i++)
		argv[n++] = (char *)args[i];
	argv[n++] = "--run-dir";
	argv[n++] = (char *)dir;
	argv[n] = NULL;
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		execv(bin, argv);
		_exit(127);
	}
	close(fds[1]);
	/* bounded: 30 s for a loaded machine to exec and answer */
	for (int i = 0; i < 3000 && waitpid(pid, &status, WNOHANG) == 0; i++)
		loop_run_once(loop, 10);
	for (ssize_t got; len + 1 < outsz && (got = read(fds[0], out + len, outsz - 1 - len)) > 0;)
		len += (size_t)got;
	out[len] = '\0';
	close(fds[0]);
	if (!WIFEXITED(status)) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		fail_msg("l2tpsec log did not finish");
	}
	return WEXITSTATUS(status);
}

static void test_cli_shows_the_log_and_changes_levels(void **state)
{
	char dir[] = "/tmp/l2tpsec-logring-XXXXXX", out[8192];
	struct daemon_side *d = malloc(sizeof(*d));
	struct loop *loop = loop_new();
	struct ctl_server srv;

	(void)state;
	assert_non_null(mkdtemp(dir));
	log_ring_init(&d->ring);
	log_init(&d->lg, LOG_TO_SINK, LOG_LVL_NOTICE);
	log_set_tap(&d->lg, log_ring_tap, &d->ring);
	assert_int_equal(ctl_server_open(&srv, loop, &d->lg, dir, "office", NULL, handler, d), 0);
	log_notice(&d->lg, LOG_CLIENT, "IKE: connecting to vpn.example.com (192.0.2.1)...");
	log_err(&d->lg, LOG_IKE, "IKE failed at MM1: timeout");

	assert_int_equal(
	    run_cli(loop, dir, (const char *const[]){"log", "office", NULL}, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "notice client: IKE: connecting to vpn.example.com"));
	assert_non_null(strstr(out, "err ike: IKE failed at MM1: timeout\n"));

	/* the level change as before: the daemon's levels move, and says so */
	assert_false(log_enabled(&d->lg, LOG_IKE, LOG_LVL_DEBUG));
	assert_int_equal(run_cli(loop, dir,
	                         (const char *const[]){"log", "office", "debug", "ike", NULL}, out,
	                         sizeof(out)),
	                 0);
	assert_string_equal(out, "ok\n");
	assert_true(log_enabled(&d->lg, LOG_IKE, LOG_LVL_DEBUG));
	assert_false(log_enabled(&d->lg, LOG_PPP, LOG_LVL_DEBUG));
	assert_int_equal(
	    run_cli(loop, dir, (const char *const[]){"log", "office", NULL}, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "log level of ike set to debug\n"));

	/* a connection that does not run */
	assert_int_equal(
	    run_cli(loop, dir, (const char *const[]){"log", "nosuch", NULL}, out, sizeof(out)), 1);
	ctl_server_close(&srv);
	loop_free(loop);
	rmdir(dir);
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lines_in_order_with_time_level_subsystem),
	    cmocka_unit_test(test_wraps_and_keeps_the_newest),
	    cmocka_unit_test(test_tap_records_what_is_logged),
	    cmocka_unit_test(test_cli_shows_the_log_and_changes_levels),
	};

	return cmocka_run_group_tests_name("logring", tests, NULL, NULL);
}
