/* client/ctl: request/reply over the control socket, deferred replies,
 * one server per name, stale sockets, non-root peers refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "client/ctl.h"

static char dir[] = "/tmp/l2tpsec-ctl-XXXXXX";
static struct logger lg;

struct server_state {
	int requests;
	char last[CTL_MAX_REQUEST];
	struct ctl_conn *deferred;
};

static void handler(void *ctx, struct ctl_conn *conn, const char *req)
{
	struct server_state *st = ctx;

	st->requests++;
	snprintf(st->last, sizeof(st->last), "%s", req);
	if (strcmp(req, "disconnect") == 0)
		st->deferred = conn; /* answered later */
	else
		ctl_conn_reply(conn, "state: connected\n");
}

struct client_result {
	pid_t pid;
	int pipe_fd;
};

/* Runs ctl_request in a child (it blocks), result comes back over a pipe as
 * "rc errno reply". */
static struct client_result start_client(const char *name, const char *req, uid_t as_uid)
{
	struct client_result cr;
	int fds[2];

	assert_int_equal(pipe(fds), 0);
	cr.pid = fork();
	assert_true(cr.pid >= 0);
	if (cr.pid == 0) {
		char out[256], msg[300];
		int rc;

		close(fds[0]);
		if (as_uid && setuid(as_uid) != 0)
			_exit(2);
		rc = ctl_request(dir, name, req, out, sizeof(out), 2000);
		snprintf(msg, sizeof(msg), "%d %d %s", rc, rc ? errno : 0, out);
		if (write(fds[1], msg, strlen(msg)) < 0)
			_exit(3);
		_exit(0);
	}
	close(fds[1]);
	cr.pipe_fd = fds[0];
	return cr;
}

static void finish_client(struct client_result *cr, char *out, size_t outsz)
{
	ssize_t n = read(cr->pipe_fd, out, outsz - 1);
	int status;

	out[n > 0 ? n : 0] = '\0';
	close(cr->pipe_fd);
	waitpid(cr->pid, &status, 0);
}

static void run_until_readable(struct loop *loop, int fd)
{
	struct timeval tv = {.tv_sec = 0};
	fd_set set;

	for (int i = 0; i < 500; i++) {
		loop_run_once(loop, 10);
		FD_ZERO(&set);
		FD_SET(fd, &set);
		if (select(fd + 1, &set, NULL, NULL, &tv) > 0)
			return;
	}
	fail_msg("client did not finish");
}

static void test_status_roundtrip(void **state)
{
	struct loop *loop = loop_new();
	struct server_state st = {0};
	struct ctl_server srv;
	struct client_result cr;
	char out[300];

	(void)state;
	if (getuid() != 0) { /* only root may talk to the socket (a package build's user) */
		loop_free(loop);
		skip();
	}
	assert_int_equal(ctl_server_open(&srv, loop, &lg, dir, "office", handler, &st), 0);
	cr = start_client("office", "status json", 0);
	run_until_readable(loop, cr.pipe_fd);
	finish_client(&cr, out, sizeof(out));
	assert_string_equal(out, "0 0 state: connected\n");
	assert_int_equal(st.requests, 1);
	assert_string_equal(st.last, "status json");
	ctl_server_close(&srv);
	assert_int_equal(access(srv.path, F_OK), -1);
	loop_free(loop);
}

static void test_deferred_reply(void **state)
{
	struct loop *loop = loop_new();
	struct server_state st = {0};
	struct ctl_server srv;
	struct client_result cr;
	char out[300];

	(void)state;
	if (getuid() != 0) { /* only root may talk to the socket (a package build's user) */
		loop_free(loop);
		skip();
	}
	assert_int_equal(ctl_server_open(&srv, loop, &lg, dir, "office", handler, &st), 0);
	cr = start_client("office", "disconnect", 0);
	for (int i = 0; i < 200 && !st.deferred; i++)
		loop_run_once(loop, 10);
	assert_non_null(st.deferred);
	for (int i = 0; i < 5; i++)
		loop_run_once(loop, 10); /* still waiting */
	ctl_conn_reply(st.deferred, "disconnected\n");
	finish_client(&cr, out, sizeof(out));
	assert_string_equal(out, "0 0 disconnected\n");
	ctl_server_close(&srv);
	loop_free(loop);
}

static void test_one_server_per_name_and_stale_socket(void **state)
{
	struct loop *loop = loop_new();
	struct server_state st = {0};
	struct ctl_server a, b;
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd;

	(void)state;
	assert_int_equal(ctl_server_open(&a, loop, &lg, dir, "office", handler, &st), 0);
	assert_int_equal(ctl_server_open(&b, loop, &lg, dir, "office", handler, &st), -1);
	assert_int_equal(errno, EADDRINUSE);
	ctl_server_close(&a);

	/* a socket file nobody listens on (crash) is replaced */
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/office.sock", dir);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	assert_int_equal(ctl_server_open(&b, loop, &lg, dir, "office", handler, &st), 0);
	ctl_server_close(&b);
	assert_int_equal(ctl_server_open(&b, loop, &lg, dir, "../evil", handler, &st), -1);
	loop_free(loop);
}

static void test_no_such_connection(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(ctl_request(dir, "nosuch", "status", out, sizeof(out), 100), -1);
	assert_int_equal(errno, ENOENT);
}

static void test_non_root_refused(void **state)
{
	struct loop *loop = loop_new();
	struct server_state st = {0};
	struct ctl_server srv;
	struct client_result cr;
	char out[300];

	(void)state;
	if (getuid() != 0) {
		loop_free(loop);
		skip();
	}
	assert_int_equal(ctl_server_open(&srv, loop, &lg, dir, "office", handler, &st), 0);
	cr = start_client("office", "disconnect", 65534);
	run_until_readable(loop, cr.pipe_fd);
	finish_client(&cr, out, sizeof(out));
	assert_int_equal(st.requests, 0);
	assert_true(strncmp(out, "-1 ", 3) == 0 || strstr(out, "permission denied"));
	ctl_server_close(&srv);
	loop_free(loop);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_roundtrip),
		cmocka_unit_test(test_deferred_reply),
		cmocka_unit_test(test_one_server_per_name_and_stale_socket),
		cmocka_unit_test(test_no_such_connection),
		cmocka_unit_test(test_non_root_refused),
	};

	log_init(&lg, LOG_TO_STDERR_PLAIN, LOG_LVL_ERR);
	return cmocka_run_group_tests_name("ctl", tests, setup, teardown);
}
