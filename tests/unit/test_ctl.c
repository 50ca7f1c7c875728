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
#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
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
static struct client_result start_client_as(const char *name, const char *req, uid_t as_uid,
					    gid_t as_gid)
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
		if (as_uid && (setgroups(0, NULL) != 0 || setgid(as_gid) != 0 || setuid(as_uid) != 0))
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

static struct client_result start_client(const char *name, const char *req, uid_t as_uid)
{
	return start_client_as(name, req, as_uid, as_uid);
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
	assert_int_equal(ctl_server_open(&srv, loop, &lg, dir, "office", NULL, handler, &st), 0);
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
	assert_int_equal(ctl_server_open(&srv, loop, &lg, dir, "office", NULL, handler, &st), 0);
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
	assert_int_equal(ctl_server_open(&a, loop, &lg, dir, "office", NULL, handler, &st), 0);
	assert_int_equal(ctl_server_open(&b, loop, &lg, dir, "office", NULL, handler, &st), -1);
	assert_int_equal(errno, EADDRINUSE);
	ctl_server_close(&a);

	/* a socket file nobody listens on (crash) is replaced */
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/office.sock", dir);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	assert_int_equal(ctl_server_open(&b, loop, &lg, dir, "office", NULL, handler, &st), 0);
	ctl_server_close(&b);
	assert_int_equal(ctl_server_open(&b, loop, &lg, dir, "../evil", NULL, handler, &st), -1);
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
	assert_int_equal(ctl_server_open(&srv, loop, &lg, dir, "office", NULL, handler, &st), 0);
	cr = start_client("office", "disconnect", 65534);
	run_until_readable(loop, cr.pipe_fd);
	finish_client(&cr, out, sizeof(out));
	assert_int_equal(st.requests, 0);
	assert_true(strncmp(out, "-1 ", 3) == 0 || strstr(out, "permission denied"));
	ctl_server_close(&srv);
	loop_free(loop);
}

static void ask_as(struct loop *loop, const char *req, uid_t uid, gid_t gid, char *out,
		   size_t outsz)
{
	struct client_result cr = start_client_as("office", req, uid, gid);

	run_until_readable(loop, cr.pipe_fd);
	finish_client(&cr, out, outsz);
}

/* Issue #14: a member of control-group reads the status; disconnect and
 * the log level stay root's unless the group may control; other users are
 * refused. The socket is 0660 and the group's. */
static void test_control_group(void **state)
{
	struct loop *loop = loop_new();
	struct server_state st = {0};
	struct ctl_access status_only = {65534, false}, control = {65534, true};
	struct ctl_server srv;
	struct stat sb;
	char out[300];

	(void)state;
	if (getuid() != 0) {
		loop_free(loop);
		skip();
	}
	assert_int_equal(ctl_server_open(&srv, loop, &lg, dir, "office", &status_only, handler, &st),
			 0);
	assert_int_equal(stat(srv.path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0660);
	assert_int_equal(sb.st_gid, 65534);
	ask_as(loop, "status", 65534, 65534, out, sizeof(out));
	assert_string_equal(out, "0 0 state: connected\n");
	ask_as(loop, "disconnect", 65534, 65534, out, sizeof(out));
	assert_non_null(strstr(out, "permission denied"));
	ask_as(loop, "log debug", 65534, 65534, out, sizeof(out));
	assert_non_null(strstr(out, "permission denied"));
	assert_int_equal(st.requests, 1);
	ask_as(loop, "status", 65534, 4242, out, sizeof(out)); /* not a member */
	assert_true(strncmp(out, "-1 ", 3) == 0 || strstr(out, "permission denied"));
	assert_int_equal(st.requests, 1);
	ctl_server_close(&srv);

	assert_int_equal(ctl_server_open(&srv, loop, &lg, dir, "office", &control, handler, &st), 0);
	ask_as(loop, "log debug", 65534, 65534, out, sizeof(out));
	assert_string_equal(out, "0 0 state: connected\n");
	assert_string_equal(st.last, "log debug");
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
		cmocka_unit_test(test_control_group),
	};

	log_init(&lg, LOG_TO_STDERR_PLAIN, LOG_LVL_ERR);
	return cmocka_run_group_tests_name("ctl", tests, setup, teardown);
}
