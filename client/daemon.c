#include "client/daemon.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

struct daemon {
	struct loop *loop;
	struct logger *lg;
	struct conn conn;
	struct ctl_server ctl;
	bool ctl_open;
	struct ctl_conn *disconnect_waiter;
	int report_fd; /* --background: pipe to the waiting parent, or -1 */
};

void daemon_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	socklen_t len;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@') || strlen(path) >= sizeof(sun.sun_path))
		return;
	memcpy(sun.sun_path, path, strlen(path));
	if (sun.sun_path[0] == '@')
		sun.sun_path[0] = '\0'; /* abstract namespace */
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sun, len);
	close(fd);
}

/* The one line `connect` prints when the tunnel is up. */
static void connected_line(const struct conn *c, char *out, size_t outsz)
{
	char local[INET_ADDRSTRLEN], peer[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &c->ip.local, local, sizeof(local));
	inet_ntop(AF_INET, &c->ip.peer, peer, sizeof(peer));
	snprintf(out, outsz, "connected %s interface %s local %s peer %s\n", c->p->profile->name,
		 c->ifname, local, peer);
}

/* --background: tell the parent "0 line" or "CODE line", then detach. */
static void report(struct daemon *d, int code, const char *line)
{
	char msg[400];
	int n;

	if (d->report_fd < 0)
		return;
	n = snprintf(msg, sizeof(msg), "%d %s", code, line);
	if (n > 0 && write(d->report_fd, msg, (size_t)n) < 0)
		log_debug(d->lg, LOG_CLIENT, "report to parent: %s", strerror(errno));
	close(d->report_fd);
	d->report_fd = -1;
}

static void on_up(struct conn *c, void *ctx)
{
	struct daemon *d = ctx;
	char line[200];

	connected_line(c, line, sizeof(line));
	if (d->report_fd >= 0) {
		report(d, 0, line);
	} else {
		fputs(line, stdout);
		fflush(stdout);
	}
	daemon_notify("READY=1\nSTATUS=connected");
}

static void on_down(struct conn *c, void *ctx)
{
	struct daemon *d = ctx;

	if (d->disconnect_waiter) {
		ctl_conn_reply(d->disconnect_waiter, "disconnected\n");
		d->disconnect_waiter = NULL;
	}
	report(d, c->exit_code ? c->exit_code : CONN_EXIT_PEER_CLOSED, c->failure);
	loop_quit(c->loop, c->exit_code);
}

static void on_signal(struct loop *loop, int signo, void *ctx)
{
	struct daemon *d = ctx;

	(void)loop;
	log_notice(d->lg, LOG_CLIENT, "%s: disconnecting", strsignal(signo));
	daemon_notify("STOPPING=1");
	conn_stop(&d->conn);
}

static void ctl_log(struct daemon *d, struct ctl_conn *cc, const char *args)
{
	char level[32] = "", sub[32] = "";
	int lvl, s = -1;

	if (sscanf(args, "%31s %31s", level, sub) < 1 || (lvl = log_level_parse(level)) < 0 ||
	    (sub[0] && strcmp(sub, "all") && (s = log_subsys_parse(sub)) < 0)) {
		ctl_conn_reply(cc, "error: usage: log LEVEL [SUBSYSTEM]\n");
		return;
	}
	if (s < 0)
		log_set_all_levels(d->lg, (enum log_level)lvl);
	else
		log_set_level(d->lg, (enum log_subsys)s, (enum log_level)lvl);
	log_notice(d->lg, LOG_CLIENT, "log level of %s set to %s", s < 0 ? "all" : sub,
		   log_level_name((enum log_level)lvl));
	ctl_conn_reply(cc, "ok\n");
}

static void on_ctl(void *ctx, struct ctl_conn *cc, const char *req)
{
	struct daemon *d = ctx;
	char out[4096];

	if (strcmp(req, "status") == 0) {
		conn_status_text(&d->conn, out, sizeof(out));
		ctl_conn_reply(cc, out);
	} else if (strcmp(req, "status json") == 0) {
		conn_status_json(&d->conn, out, sizeof(out) - 1);
		strcat(out, "\n");
		ctl_conn_reply(cc, out);
	} else if (strcmp(req, "disconnect") == 0) {
		if (d->disconnect_waiter)
			ctl_conn_reply(d->disconnect_waiter, "disconnected\n");
		d->disconnect_waiter = cc;
		conn_stop(&d->conn);
	} else if (strncmp(req, "log ", 4) == 0) {
		ctl_log(d, cc, req + 4);
	} else {
		ctl_conn_reply(cc, "error: unknown request\n");
	}
}

/* Fork; the parent waits for the child's report and exits with it. */
static int detach(struct daemon *d)
{
	int fds[2];
	char msg[400] = "";
	ssize_t n;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(fds[0]);
		d->report_fd = fds[1];
		setsid();
		return 0;
	}
	close(fds[1]);
	n = read(fds[0], msg, sizeof(msg) - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(fds[0]);
	if (n <= 0) {
		fprintf(stderr, "l2tpsec: the connection process died\n");
		exit(CONN_EXIT_FAILURE);
	}
	{
		char *line = strchr(msg, ' ');
		int code = atoi(msg);

		if (code == 0)
			fputs(line ? line + 1 : "connected\n", stdout);
		else
			fprintf(stderr, "l2tpsec: %s\n", line ? line + 1 : "failed");
		exit(code);
	}
}

/* After the parent has its answer, stdio points nowhere useful any more. */
static void quiet_stdio(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return;
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	close(fd);
}

int daemon_run(struct logger *lg, const struct conn_params *params, const struct daemon_opts *opts)
{
	struct conn_events ev = {.up = on_up, .down = on_down};
	struct daemon d = {.lg = lg, .report_fd = -1};
	int rc;

	if (opts->background && detach(&d) < 0) {
		log_err(lg, LOG_CLIENT, "cannot detach: %s", strerror(errno));
		return CONN_EXIT_FAILURE;
	}
	if (opts->background)
		quiet_stdio();
	d.loop = loop_new();
	if (!d.loop)
		return CONN_EXIT_FAILURE;
	loop_add_signal(d.loop, SIGTERM, on_signal, &d);
	loop_add_signal(d.loop, SIGINT, on_signal, &d);
	loop_add_signal(d.loop, SIGHUP, on_signal, &d);
	signal(SIGPIPE, SIG_IGN);
	conn_init(&d.conn, d.loop, lg, params, &ev, &d);
	if (ctl_server_open(&d.ctl, d.loop, lg, opts->run_dir, params->profile->name, on_ctl, &d) <
	    0) {
		rc = errno == EADDRINUSE ? CONN_EXIT_CONFIG : CONN_EXIT_FAILURE;
		snprintf(d.conn.failure, sizeof(d.conn.failure), "%s '%s'",
			 errno == EADDRINUSE ? "already connected:"
					     : "cannot open the control socket for",
			 params->profile->name);
		log_err(lg, LOG_CLIENT, "%s", d.conn.failure);
		report(&d, rc, d.conn.failure);
		loop_free(d.loop);
		return rc;
	}
	d.ctl_open = true;
	if (conn_start(&d.conn) < 0 && d.conn.state == CONN_DOWN)
		rc = d.conn.exit_code;
	else
		rc = loop_run(d.loop);
	ctl_server_close(&d.ctl);
	conn_free(&d.conn);
	loop_free(d.loop);
	return rc;
}
