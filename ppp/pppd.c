/*
 * Running pppd on the loop: fork+exec with exactly the descriptors it needs
 * (PPPoL2TP socket, password pipe, options pipe, stderr to our log), an
 * environment with only PATH, a private FIFO for the ip-up report, and
 * SIGTERM-then-SIGKILL.
 */
#include "ppp/pppd.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/loop.h"
#include "lib/util.h"

struct pppd {
	struct loop *loop;
	const struct logger *lg;
	struct pppd_callbacks cbs;
	void *ctx;
	pid_t pid;
	unsigned stop_timeout_ms;
	struct loop_timer kill_timer;
	char dir[256], fifo[280];
	int fifo_fd, log_fd;
	int options_fd; /* write end of pppd's last options file until attached */
	char report[4096];
	size_t report_len;
	char logline[512];
	size_t logline_len;
	/* pppd cannot refuse a peer that asks for no authentication: we watch
	 * for its "... authentication succeeded" before ip-up instead. */
	bool need_peer_auth, peer_authenticated, refused_no_auth, refused_method, auth_failed;
	/* The method the peer last asked for, when pppd's debug output showed
	 * its Configure-Request (pppd names it nowhere else). */
	bool peer_auth_seen;
	enum ppp_auth peer_auth;
	char peer_auth_name[24];
};

static void on_fifo(struct loop *loop, int fd, unsigned events, void *ctx);
static void on_log(struct loop *loop, int fd, unsigned events, void *ctx);
static void on_exit_status(struct loop *loop, pid_t pid, int status, void *ctx);
static void refused_method_why(const struct pppd *p, struct ppp_failure *why);
static void on_kill_timer(struct loop *loop, struct loop_timer *t, void *ctx);

static int make_fifo(struct pppd *p, const char *runtime_dir)
{
	if ((size_t)snprintf(p->dir, sizeof(p->dir), "%s/l2tpsec-pppd.XXXXXX",
	                     runtime_dir ? runtime_dir : "/run") >= sizeof(p->dir) ||
	    !mkdtemp(p->dir)) {
		p->dir[0] = '\0';
		return -1;
	}
	snprintf(p->fifo, sizeof(p->fifo), "%s/report", p->dir);
	if (mkfifo(p->fifo, 0600) < 0)
		return -1;
	/* O_RDWR: we never see EOF/HUP between two writers (Linux fifo(7)). */
	p->fifo_fd = open(p->fifo, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	return p->fifo_fd < 0 ? -1 : 0;
}

/* Move fd to a number above the ones the child wants, so dup2 onto 3 and 4
 * never clobbers a source. */
static int lift_fd(int fd)
{
	return fcntl(fd, F_DUPFD, 10);
}

static void close_other_fds(int keep_max)
{
#ifdef SYS_close_range
	if (syscall(SYS_close_range, keep_max + 1, ~0u, 0) == 0)
		return;
#endif
	for (long fd = keep_max + 1, max = sysconf(_SC_OPEN_MAX); fd < max && fd < 65536; fd++)
		close((int)fd);
}

struct child_fds {
	int l2tp, password, options, log; /* password -1: none */
};

static void __attribute__((noreturn))
exec_child(const struct pppd_argv *av, const struct child_fds *fds, pid_t parent)
{
	static char path_env[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
	char *envp[] = {path_env, NULL};
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	int l = lift_fd(fds->l2tp), g = lift_fd(fds->log), o = lift_fd(fds->options);
	int w = fds->password >= 0 ? lift_fd(fds->password) : -1;

	loop_child_reset_signals();
	/* If we die without stopping pppd (kill -9, crash), pppd must not
	 * outlive us holding pppN, its address and its peer route: the next
	 * connect would find the gateway's address routed into the dead
	 * link. SIGKILL: pppd 2.4.9 on SIGHUP still lingered for seconds
	 * over a tunnel that was gone, and nobody is left to say goodbye to
	 * (the kernel releases pppN when its last holder dies). Survives
	 * execve (pppd is not set-uid here); the getppid() check closes the
	 * window where we died before prctl. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(127);
	if (devnull < 0 || l < 0 || g < 0 || o < 0 || (fds->password >= 0 && w < 0) ||
	    dup2(devnull, 0) < 0 || dup2(g, 1) < 0 || dup2(g, 2) < 0 ||
	    dup2(l, PPPD_CHILD_L2TP_FD) < 0 || dup2(o, PPPD_CHILD_OPTIONS_FD) < 0 ||
	    (w >= 0 && dup2(w, PPPD_CHILD_PASSWORD_FD) < 0))
		_exit(127);
	if (w < 0)
		close(PPPD_CHILD_PASSWORD_FD);
	close_other_fds(PPPD_CHILD_OPTIONS_FD);
	execve(av->argv[0], av->argv, envp);
	_exit(127);
}

/* The password goes into a pipe before the fork; pppd's passwordfd.so
 * reads it to EOF. A password fits in the pipe buffer (>= 4 KiB). */
static int password_pipe(const uint8_t *pw, size_t len)
{
	int fds[2];

	if (len > 1024 || pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	if (len && write(fds[1], pw, len) != (ssize_t)len) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	close(fds[1]);
	return fds[0];
}

static int spawn(struct pppd *p, const struct pppd_argv *av, int l2tp_fd, int pw_fd)
{
	pid_t parent = getpid();
	int logp[2], optp[2];
	struct child_fds fds = {.l2tp = l2tp_fd, .password = pw_fd};

	if (pipe2(logp, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(optp, O_CLOEXEC) < 0) {
		close(logp[0]);
		close(logp[1]);
		return -1;
	}
	fds.options = optp[0];
	fds.log = logp[1];
	p->pid = fork();
	if (p->pid == 0)
		exec_child(av, &fds, parent);
	close(logp[1]);
	close(optp[0]);
	p->options_fd = optp[1];
	if (p->pid < 0) {
		close(logp[0]);
		return -1;
	}
	p->log_fd = logp[0];
	fcntl(p->log_fd, F_SETFL, O_NONBLOCK);
	if (loop_add_fd(p->loop, p->log_fd, LOOP_READ, on_log, p) < 0 ||
	    loop_add_fd(p->loop, p->fifo_fd, LOOP_READ, on_fifo, p) < 0 ||
	    loop_watch_child(p->loop, p->pid, on_exit_status, p) < 0)
		return -1;
	return 0;
}

struct pppd *pppd_start(struct loop *loop, const struct logger *lg, const struct pppd_config *cfg,
                        int pppol2tp_fd, const uint8_t *password, size_t password_len,
                        const struct pppd_callbacks *cbs, void *ctx)
{
	struct pppd *p = calloc(1, sizeof(*p));
	struct pppd_argv av;
	bool with_pw = cfg->user && (cfg->auth_allowed & PPP_AUTH_ALL);
	int pw_fd = -1, rc;

	if (!p)
		return NULL;
	p->loop = loop;
	p->lg = lg;
	p->cbs = *cbs;
	p->need_peer_auth = cfg->user && (cfg->auth_allowed & PPP_AUTH_ALL) &&
	                    !(cfg->auth_allowed & PPP_AUTH_ALLOW_NONE);
	p->ctx = ctx;
	p->pid = -1;
	p->fifo_fd = p->log_fd = p->options_fd = -1;
	p->stop_timeout_ms = cfg->stop_timeout_ms ? cfg->stop_timeout_ms : 5000;
	loop_timer_init(&p->kill_timer, on_kill_timer, p);
	if (make_fifo(p, cfg->runtime_dir) < 0 || pppd_build_argv(cfg, with_pw, p->fifo, &av) < 0 ||
	    (with_pw && (pw_fd = password_pipe(password, password_len)) < 0)) {
		log_err(lg, LOG_PPP, "pppd: cannot prepare the launch: %s", strerror(errno));
		pppd_free(p);
		return NULL;
	}
	rc = spawn(p, &av, pppol2tp_fd, pw_fd);
	if (pw_fd >= 0)
		close(pw_fd);
	if (rc < 0) {
		log_err(lg, LOG_PPP, "pppd: cannot start %s: %s", av.argv[0], strerror(errno));
		pppd_free(p);
		return NULL;
	}
	log_info(lg, LOG_PPP, "pppd started (pid %d), waiting for the L2TP session", (int)p->pid);
	return p;
}

int pppd_attach(struct pppd *p, const struct pppd_l2tp_ids *ids)
{
	char opts[128];
	int n = pppd_session_options(ids, opts, sizeof(opts));

	if (p->options_fd < 0 || n < 0)
		return -1;
	/* A few bytes into an empty pipe: never short, never blocking. EOF
	 * (close) ends pppd's options file. */
	if (write(p->options_fd, opts, (size_t)n) != n) {
		log_err(p->lg, LOG_PPP, "pppd: cannot pass the session: %s", strerror(errno));
		return -1;
	}
	close(p->options_fd);
	p->options_fd = -1;
	log_info(p->lg, LOG_PPP, "pppd (pid %d) on PPPoL2TP tunnel %u session %u", (int)p->pid,
	         ids->tunnel_id, ids->session_id);
	return 0;
}

pid_t pppd_pid(const struct pppd *p)
{
	return p->pid;
}

void pppd_stop(struct pppd *p)
{
	if (p->pid <= 0 || loop_timer_pending(&p->kill_timer))
		return;
	kill(p->pid, SIGTERM);
	loop_timer_start(p->loop, &p->kill_timer, p->stop_timeout_ms);
}

static void on_kill_timer(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct pppd *p = ctx;

	(void)loop;
	(void)t;
	if (p->pid > 0) {
		log_warn(p->lg, LOG_PPP, "pppd (pid %d) ignores SIGTERM: SIGKILL", (int)p->pid);
		kill(p->pid, SIGKILL);
	}
}

static void on_exit_status(struct loop *loop, pid_t pid, int status, void *ctx)
{
	struct pppd *p = ctx;
	struct ppp_failure why;

	(void)pid;
	loop_timer_stop(loop, &p->kill_timer);
	p->pid = -1;
	on_log(loop, p->log_fd, LOOP_READ, p); /* last words */
	pppd_exit_reason(status, &why);
	if (p->refused_method) {
		refused_method_why(p, &why);
	} else if (p->refused_no_auth) {
		why.reason = PPP_DOWN_AUTH_REFUSED;
		why.auth = PPP_AUTH_NONE;
		snprintf(why.message, sizeof(why.message), "the peer asks for no authentication");
		/* pppd's debug output showed it ask for a method first, which
		 * we refused (pppd Naks it): named by it, as the userspace
		 * path does. */
		if (p->peer_auth_seen &&
		    (p->peer_auth == PPP_AUTH_PAP || p->peer_auth == PPP_AUTH_CHAP_MD5)) {
			why.auth = p->peer_auth;
			snprintf(why.message, sizeof(why.message),
			         "the peer asked for %s, which we refuse, then for none",
			         ppp_auth_name(p->peer_auth));
		}
	}
	log_notice(p->lg, LOG_PPP, "pppd: %s", why.message);
	if (p->cbs.exited)
		p->cbs.exited(p->ctx, &why, status);
}

static void on_fifo(struct loop *loop, int fd, unsigned events, void *ctx)
{
	struct pppd *p = ctx;
	ssize_t n;

	(void)events;
	on_log(loop, p->log_fd, LOOP_READ, p); /* what pppd said before ip-up */
	while ((n = read(fd, p->report + p->report_len, sizeof(p->report) - p->report_len)) > 0) {
		struct pppd_report r;
		long used;

		p->report_len += (size_t)n;
		while ((used = pppd_parse_report(p->report, p->report_len, &r)) > 0) {
			log_info(p->lg, LOG_PPP, "pppd: %s on %s", r.event, r.ifname);
			if (p->need_peer_auth && !p->peer_authenticated && !p->refused_no_auth) {
				log_err(p->lg, LOG_PPP,
				        "pppd: the gateway asked for no authentication: refused");
				p->refused_no_auth = true;
				pppd_stop(p);
			}
			if (!p->refused_no_auth && p->cbs.ip_up && (r.ip.ipv4_up || r.ip.ipv6_up))
				p->cbs.ip_up(p->ctx, &r);
			memmove(p->report, p->report + used, p->report_len - (size_t)used);
			p->report_len -= (size_t)used;
		}
		if (used < 0 || p->report_len == sizeof(p->report)) {
			log_warn(p->lg, LOG_PPP, "pppd: malformed ip-up report dropped");
			p->report_len = 0;
		}
	}
}

/* The gateway wanted a method our refuse-* options refused. pppd names it
 * only in its debug output (the peer's Configure-Request); then it is named
 * as the userspace path does (PAP, CHAP-MD5 in .auth; EAP and MS-CHAPv1,
 * which l2tpsec does not do, in words without the "pppd: " mark). Else the
 * message keeps "pppd: " so that the caller says pppd did not tell. */
static void refused_method_why(const struct pppd *p, struct ppp_failure *why)
{
	memset(why, 0, sizeof(*why));
	why->reason = PPP_DOWN_AUTH_REFUSED;
	why->auth = PPP_AUTH_NONE;
	if (p->peer_auth_seen && p->peer_auth != PPP_AUTH_NONE) {
		why->auth = p->peer_auth;
		snprintf(why->message, sizeof(why->message),
		         "the peer insists on %s, which we refuse", ppp_auth_name(p->peer_auth));
	} else if (p->peer_auth_seen) {
		snprintf(why->message, sizeof(why->message),
		         "the peer insists on %s, which we do not support", p->peer_auth_name);
	} else {
		snprintf(why->message, sizeof(why->message),
		         "pppd: the peer insists on an authentication method we refuse");
	}
}

/* "LCP terminated by peer (peer refused to authenticate)": the gateway
 * wanted a method our refuse-* options refused. "... authentication
 * failed": it rejected our credentials. Told at once, before the gateway
 * hangs up the L2TP call. */
static void auth_verdict(struct pppd *p, const char *line)
{
	struct ppp_failure why = {.reason = PPP_DOWN_AUTH_REFUSED, .auth = PPP_AUTH_NONE};
	enum ppp_auth asked;
	char name[sizeof(p->peer_auth_name)];

	if (pppd_log_peer_auth(line, &asked, name, sizeof(name))) {
		p->peer_auth_seen = true;
		p->peer_auth = asked;
		memcpy(p->peer_auth_name, name, sizeof(name));
	}
	if (p->refused_method || p->auth_failed)
		return;
	if (pppd_log_auth_failed(line, &why)) {
		p->auth_failed = true;
	} else if (strstr(line, "peer refused to authenticate")) {
		p->refused_method = true;
		refused_method_why(p, &why);
	} else {
		return;
	}
	if (p->cbs.auth_down)
		p->cbs.auth_down(p->ctx, &why);
}

/* pppd's log lines (logfd 2) into our logger. */
static void on_log(struct loop *loop, int fd, unsigned events, void *ctx)
{
	struct pppd *p = ctx;
	char buf[512];
	ssize_t n;

	(void)events;
	if (fd < 0)
		return;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n' || p->logline_len == sizeof(p->logline) - 1) {
				p->logline[p->logline_len] = '\0';
				if (p->logline_len)
					log_info(p->lg, LOG_PPP, "pppd: %s", p->logline);
				if (strstr(p->logline, " authentication succeeded"))
					p->peer_authenticated = true;
				auth_verdict(p, p->logline);
				p->logline_len = 0;
				if (buf[i] == '\n')
					continue;
			}
			p->logline[p->logline_len++] = buf[i];
		}
	}
	if (n == 0) { /* pppd closed stderr: it is gone */
		loop_del_fd(loop, fd);
		close(fd);
		p->log_fd = -1;
	}
}

void pppd_read_log(struct pppd *p)
{
	if (p && p->log_fd >= 0)
		on_log(p->loop, p->log_fd, LOOP_READ, p);
}

void pppd_free(struct pppd *p)
{
	if (!p)
		return;
	if (p->pid > 0) {
		loop_unwatch_child(p->loop, p->pid);
		kill(p->pid, SIGKILL);
		waitpid(p->pid, NULL, 0);
	}
	loop_timer_stop(p->loop, &p->kill_timer);
	if (p->options_fd >= 0)
		close(p->options_fd);
	if (p->log_fd >= 0) {
		loop_del_fd(p->loop, p->log_fd);
		close(p->log_fd);
	}
	if (p->fifo_fd >= 0) {
		loop_del_fd(p->loop, p->fifo_fd);
		close(p->fifo_fd);
	}
	if (p->fifo[0])
		unlink(p->fifo);
	if (p->dir[0])
		rmdir(p->dir);
	free(p);
}
