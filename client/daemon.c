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

#include "client/ask.h"
#include "client/explain.h"
#include "client/logring.h"
#include "sys/killswitch.h"
#include "sys/netwatch.h"
#include "lib/util.h"

struct daemon {
	struct loop *loop;
	struct logger *lg;
	const struct conn_params *params;
	struct conn *conn;
	struct log_ring *ring; /* recent lines for `l2tpsec log NAME` */
	struct ctl_server ctl;
	bool ctl_open;
	struct ctl_conn *disconnect_waiter;
	int report_fd; /* --background: pipe to the waiting parent, or -1 */
	bool user_stop; /* disconnect or a signal: no more reconnects */
	struct loop_timer retry_timer;
	/* Supervision that outlives one attempt: the kill switch stays up
	 * between reconnects, the network watch starts them early. */
	struct killswitch ks;
	struct netwatch nw;
	bool nw_running;
};

#define RETRY_MIN_MS 1000
#define RETRY_MAX_MS 60000

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
static void connected_line(const struct conn *c, const char *name, char *out, size_t outsz)
{
	char local[INET_ADDRSTRLEN], peer[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &conn_ip(c)->local, local, sizeof(local));
	inet_ntop(AF_INET, &conn_ip(c)->peer, peer, sizeof(peer));
	snprintf(out, outsz, "connected %s interface %s local %s peer %s\n", name, conn_ifname(c),
		 local, peer);
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

	if (d->ks.active)
		killswitch_set_tunnel(&d->ks, conn_ifname(c));
	if (d->nw_running)
		netwatch_set_tunnel_ifindex(&d->nw, netcfg_ifindex(conn_ifname(c)));
	connected_line(c, d->params->profile->name, line, sizeof(line));
	if (d->report_fd >= 0) {
		report(d, 0, line);
	} else {
		fputs(line, stdout);
		fflush(stdout);
	}
	daemon_notify("READY=1\nSTATUS=connected");
}

/* Attempts that ended at MM1 (the gateway away or starting up) followed
 * after ~1 s: an unanswered one already spaced its MM1s
 * (CONN_RECONNECT_RTX_MAX_MS) for about 30 s. */
#define RETRY_SILENT_ATTEMPTS 10

/* Exponential backoff with +-25% jitter, so that many clients of one
 * gateway that failed together do not all come back at the same moment.
 * A gateway that did not get past MM1 (away, or starting up) is tried
 * again after RETRY_MIN_MS for the first ten attempts: back within seconds
 * of a restart or reboot. */
uint64_t daemon_retry_delay_ms(unsigned attempt, bool gw_silent)
{
	uint64_t base = RETRY_MIN_MS;
	uint16_t r = 0;

	if (gw_silent)
		attempt = attempt < RETRY_SILENT_ATTEMPTS ? 0 : attempt - RETRY_SILENT_ATTEMPTS;
	while (attempt-- > 0 && base < RETRY_MAX_MS)
		base *= 2;
	if (base > RETRY_MAX_MS)
		base = RETRY_MAX_MS;
	random_bytes(&r, sizeof(r));
	return base * 3 / 4 + (base / 2) * r / 65535;
}

uint64_t daemon_reconnect_delay_ms(const struct conn *c)
{
	if (conn_roamed(c) || conn_family_fallback_pending(c))
		return 0; /* at once: the network changed, or the gateway's other family */
	return daemon_retry_delay_ms(conn_attempts(c), conn_gw_silent(c));
}

/* The kept /32 to the gateway may name a path that is gone (roaming):
 * follow the path the kernel would take without our routes. */
static void repin_gateway(struct daemon *d)
{
	struct netwatch_path path;

	if (d->nw_running && netwatch_lookup(&d->nw, &path) == 0 && path.valid)
		conn_repin_gateway(d->conn, path.ifindex, path.via);
}

/* The gateway's /32 over the path outside every tunnel, before IKE:
 * another l2tpsec connection's default route must not carry ours. */
static void on_prepare(struct conn *c, void *ctx)
{
	(void)c;
	repin_gateway(ctx);
}

static void on_retry(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct daemon *d = ctx;

	(void)loop;
	(void)t;
	repin_gateway(d);
	conn_restart(d->conn); /* a failure comes back through on_down */
}

/* A reconnect is a new PPP session: a one-time password that was used must
 * be asked for again, and with nobody to ask the connection stops (exit 7)
 * instead of replaying a used code, which locks accounts. false: stop. */
static bool otp_for_reconnect(struct daemon *d, struct conn *c)
{
	const struct conn_params *cp = d->params;
	char err[300], line[320];
	int signo = 0, rc = -1;

	if (cp->profile->password_type != PROFILE_PASSWORD_OTP || !cp->password ||
	    secret_is_set(cp->password))
		return true;
	if (cp->ask) {
		log_notice(d->lg, LOG_CLIENT, "reconnecting needs a new one-time password");
		rc = ask_password_again(cp->profile, cp->ask, cp->password, &signo, err,
					sizeof(err));
	} else {
		snprintf(err, sizeof(err), "nobody to ask");
	}
	if (rc == 0)
		return true;
	if (rc == PROMPT_INTERRUPTED) {
		log_notice(d->lg, LOG_CLIENT, "%s: disconnecting", strsignal(signo));
		d->user_stop = true;
		conn_set_outcome(c, EXIT_OK, CONN_LOCAL_OTHER, NULL);
		return false;
	}
	snprintf(line, sizeof(line),
		 "PPP authentication: the one-time password was used and no new one was given "
		 "(%.200s)",
		 err);
	conn_set_outcome(c, EXIT_PPP_AUTH, CONN_LOCAL_OTP_USED, line);
	log_err(d->lg, LOG_CLIENT, "%s", line);
	return false;
}

static void on_down(struct conn *c, void *ctx)
{
	struct daemon *d = ctx;

	bool reconnect = conn_awaits_reconnect(c);

	if (reconnect && !d->user_stop && otp_for_reconnect(d, c)) {
		uint64_t ms = daemon_reconnect_delay_ms(c);

		log_notice(d->lg, LOG_CLIENT, "reconnecting in %llu ms", (unsigned long long)ms);
		daemon_notify("STATUS=reconnecting");
		loop_timer_start(d->loop, &d->retry_timer, ms);
		return;
	}
	if (reconnect)
		conn_release_net(c);
	if (d->nw_running) {
		netwatch_stop(&d->nw);
		d->nw_running = false;
	}
	if (d->ks.active)
		killswitch_disable(&d->ks);
	if (conn_exit_code(c)) {
		struct conn_failure f;
		char hint[EXPLAIN_MAX];

		conn_get_failure(c, &f);
		explain_failure(&f, hint, sizeof(hint));
		log_notice(d->lg, LOG_CLIENT, "hint: %s", hint);
	}

	if (d->disconnect_waiter) {
		ctl_conn_reply(d->disconnect_waiter, "disconnected\n");
		d->disconnect_waiter = NULL;
	}
	report(d, conn_exit_code(c) ? conn_exit_code(c) : EXIT_PEER_CLOSED,
	       conn_failure_text(c));
	loop_quit(d->loop, conn_exit_code(c));
}

/* The user wants it down: between reconnect attempts there is nothing to
 * tear down but the kept network configuration. */
static void user_stop(struct daemon *d)
{
	d->user_stop = true;
	if (conn_state(d->conn) == CONN_DOWN) {
		loop_timer_stop(d->loop, &d->retry_timer);
		conn_set_outcome(d->conn, EXIT_OK, CONN_LOCAL_OTHER, NULL);
		on_down(d->conn, d);
		return;
	}
	conn_stop(d->conn);
}

/* Roaming (RFC 3947 has no MOBIKE): a changed path to the gateway means
 * our SAs are bound to an address or NAT mapping that is gone, so start
 * over at once with a fresh Main Mode instead of waiting for DPD. */
static void on_path_changed(void *ctx, const char *why)
{
	struct daemon *d = ctx;
	struct conn *c = d->conn;

	if (d->user_stop || !conn_was_up(c) || !d->params->profile->reconnect)
		return; /* the first connect has its own retransmissions */
	if (conn_awaits_reconnect(c)) {
		log_notice(d->lg, LOG_CLIENT, "%s: reconnecting now", why);
		loop_timer_start(d->loop, &d->retry_timer, 0);
		return;
	}
	repin_gateway(d); /* so that the goodbyes to the gateway take the new path */
	conn_abort(c, EXIT_NETWORK, why);
}

static void on_signal(struct loop *loop, int signo, void *ctx)
{
	struct daemon *d = ctx;

	(void)loop;
	log_notice(d->lg, LOG_CLIENT, "%s: disconnecting", strsignal(signo));
	daemon_notify("STOPPING=1");
	user_stop(d);
}

static void on_ctl(void *ctx, struct ctl_conn *cc, const char *req)
{
	struct daemon *d = ctx;
	char out[4096];

	if (strcmp(req, "status") == 0) {
		conn_status_text(d->conn, out, sizeof(out));
		ctl_conn_reply(cc, out);
	} else if (strcmp(req, "status json") == 0) {
		conn_status_json(d->conn, out, sizeof(out) - 1);
		strcat(out, "\n");
		ctl_conn_reply(cc, out);
	} else if (strcmp(req, "disconnect") == 0) {
		if (d->disconnect_waiter)
			ctl_conn_reply(d->disconnect_waiter, "disconnected\n");
		d->disconnect_waiter = cc;
		user_stop(d);
	} else if (strcmp(req, "log") == 0 || strncmp(req, "log ", 4) == 0) {
		log_ring_answer(d->ring, d->lg, cc, req[3] ? req + 4 : "");
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
		exit(EXIT_FAILURE_GENERIC);
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

/* Kill switch first (fail closed: no kill switch, no connection), then the
 * network watch. A table left by a crashed run is replaced or removed. */
static int start_supervision(struct daemon *d, const struct conn_params *params)
{
	static const struct netwatch_callbacks nw_cbs = {.path_changed = on_path_changed};
	const struct profile *pr = params->profile;
	const struct in_addr *gw4 = NULL;
	const struct in6_addr *gw6 = NULL;

	/* both of the gateway's families: IKE may fall back to the other */
	for (int i = 0; i < 2; i++) {
		const struct sockaddr_storage *ss = i ? &params->gateway_alt : &params->gateway;

		if (ss->ss_family == AF_INET)
			gw4 = &((const struct sockaddr_in *)ss)->sin_addr;
		else if (ss->ss_family == AF_INET6)
			gw6 = &((const struct sockaddr_in6 *)ss)->sin6_addr;
	}
	if (pr->kill_switch) {
		if (killswitch_enable(&d->ks, d->lg, pr->name, gw4, gw6, 0, NULL) < 0) {
			log_err(d->lg, LOG_CLIENT, "kill switch: cannot install the nftables table");
			report(d, EXIT_FAILURE_GENERIC, "kill switch: cannot install (see the log)");
			return -1;
		}
	} else {
		killswitch_remove(d->lg, pr->name);
	}
	/* The network watch follows IPv4 paths: a gateway reached over IPv6
	 * has no roaming detection yet (issue 17). */
	if (params->gateway.ss_family != AF_INET)
		log_info(d->lg, LOG_CLIENT, "network watch: IPv4 only, not for an IPv6 gateway");
	else if (netwatch_start(&d->nw, d->loop, d->lg,
	                        ((const struct sockaddr_in *)&params->gateway)->sin_addr, &nw_cbs,
	                        d) == 0)
		d->nw_running = true;
	return 0;
}

int daemon_run(struct logger *lg, const struct conn_params *params, const struct daemon_opts *opts)
{
	struct conn_events ev = {.prepare = on_prepare, .up = on_up, .down = on_down};
	struct daemon d = {.lg = lg, .params = params, .report_fd = -1};
	struct ctl_access access;
	char failure[200];
	int rc;

	if (opts->background && detach(&d) < 0) {
		log_err(lg, LOG_CLIENT, "cannot detach: %s", strerror(errno));
		return EXIT_FAILURE_GENERIC;
	}
	if (opts->background)
		quiet_stdio();
	d.loop = loop_new();
	d.ring = malloc(sizeof(*d.ring));
	if (!d.loop || !d.ring) {
		if (d.loop)
			loop_free(d.loop);
		free(d.ring);
		return EXIT_FAILURE_GENERIC;
	}
	log_ring_init(d.ring);
	log_set_tap(lg, log_ring_tap, d.ring);
	loop_add_signal(d.loop, SIGTERM, on_signal, &d);
	loop_add_signal(d.loop, SIGINT, on_signal, &d);
	loop_add_signal(d.loop, SIGHUP, on_signal, &d);
	signal(SIGPIPE, SIG_IGN);
	loop_timer_init(&d.retry_timer, on_retry, &d);
	d.conn = conn_new(d.loop, lg, params, &ev, &d);
	if (!d.conn) {
		rc = EXIT_FAILURE_GENERIC;
		goto out_loop;
	}
	if (ctl_access_for_group(params->profile->control_group,
				 params->profile->control_group_may_control, &access) < 0)
		log_warn(lg, LOG_CLIENT, "control-group '%s' does not exist: root only",
			 params->profile->control_group);
	if (ctl_server_open(&d.ctl, d.loop, lg, opts->run_dir, params->profile->name, &access,
			    on_ctl, &d) < 0) {
		rc = errno == EADDRINUSE ? EXIT_CONFIG : EXIT_FAILURE_GENERIC;
		snprintf(failure, sizeof(failure), "%s '%s'",
			 errno == EADDRINUSE ? "already connected:"
					     : "cannot open the control socket for",
			 params->profile->name);
		log_err(lg, LOG_CLIENT, "%s", failure);
		report(&d, rc, failure);
		goto out_conn;
	}
	d.ctl_open = true;
	if (start_supervision(&d, params) < 0) {
		rc = EXIT_FAILURE_GENERIC;
		goto out;
	}
	if (conn_start(d.conn) < 0 && conn_state(d.conn) == CONN_DOWN)
		rc = conn_exit_code(d.conn);
	else
		rc = loop_run(d.loop);
out:
	loop_timer_stop(d.loop, &d.retry_timer);
	if (d.nw_running)
		netwatch_stop(&d.nw);
	if (d.ks.active)
		killswitch_disable(&d.ks);
	ctl_server_close(&d.ctl);
out_conn:
	conn_free(d.conn);
out_loop:
	log_set_tap(lg, NULL, NULL);
	free(d.ring);
	loop_free(d.loop);
	return rc;
}
