/* Unit tests for the pppd launcher: the argv builder (options per setting,
 * every option known to this host's pppd), the ip-up report parser, the
 * exit status mapping, and a full launch against tests/ppp/fake_pppd. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/log.h"
#include "lib/loop.h"
#include "ppp/pppd.h"

#ifndef PPP_TEST_SRCDIR
#define PPP_TEST_SRCDIR ".."
#endif
#ifndef PPP_TEST_BUILDDIR
#define PPP_TEST_BUILDDIR "."
#endif

static const struct pppd_l2tp_ids ids = {.tunnel_id = 4321, .session_id = 65000};

static void base_config(struct pppd_config *c)
{
	memset(c, 0, sizeof(*c));
	c->ip_up_script = PPP_TEST_SRCDIR "/ppp/l2tpsec-ip-up";
	c->user = "alice";
	c->auth_allowed = PPP_AUTH_ALL;
	c->unit = -1;
	c->echo_interval_s = 20;
	c->echo_failure = 4;
	c->usepeerdns = true;
}

/* Index of name in argv, or -1. */
static int find(const struct pppd_argv *a, const char *name)
{
	for (int i = 0; i < a->argc; i++)
		if (strcmp(a->argv[i], name) == 0)
			return i;
	return -1;
}

static void assert_opt(const struct pppd_argv *a, const char *name, const char *value)
{
	int i = find(a, name);

	assert_true(i > 0);
	if (value) {
		assert_true(i + 1 < a->argc);
		assert_string_equal(a->argv[i + 1], value);
	}
}

static void test_argv_defaults(void **state)
{
	struct pppd_config c;
	struct pppd_argv a;

	(void)state;
	base_config(&c);
	assert_true(pppd_build_argv(&c, true, "/run/x/report", &a) > 0);
	assert_string_equal(a.argv[0], "/usr/sbin/pppd");
	assert_null(a.argv[a.argc]);
	assert_opt(&a, "plugin", "pppol2tp.so");
	/* the session's options come last, through a pipe (pppd_attach) */
	assert_int_equal(find(&a, "pppol2tp"), -1);
	assert_int_equal(find(&a, "pppol2tp_tunnel_id"), -1);
	assert_int_equal(find(&a, "file"), a.argc - 2);
	assert_opt(&a, "file", "/dev/fd/5");
	assert_opt(&a, "passwordfd", "4");
	assert_true(find(&a, "passwordfd.so") > 0);
	/* Against /etc/ppp/options (auth, lock, modem...): */
	static const char *const must[] = {
	    "noauth",    "nodetach",  "nodefaultroute", "noipdefault",   "noproxyarp", "noccp",
	    "nodeflate", "nobsdcomp", "refuse-eap",     "refuse-mschap", "usepeerdns", "noipv6"};
	for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++)
		assert_true(find(&a, must[i]) > 0);
	assert_opt(&a, "user", "alice");
	assert_opt(&a, "lcp-echo-interval", "20");
	assert_opt(&a, "lcp-echo-failure", "4");
	assert_opt(&a, "lcp-restart", "1");
	assert_opt(&a, "ipcp-restart", "1");
	assert_opt(&a, "ip-up-script", c.ip_up_script);
	assert_opt(&a, "ipparam", "/run/x/report");
	assert_opt(&a, "logfd", "2");
	assert_opt(&a, "maxfail", "1");
	assert_int_equal(find(&a, "refuse-pap"), -1);
	assert_int_equal(find(&a, "refuse-chap"), -1);
	assert_int_equal(find(&a, "refuse-mschap-v2"), -1);
	assert_int_equal(find(&a, "mtu"), -1);
	assert_int_equal(find(&a, "debug"), -1);
	assert_int_equal(find(&a, "password"), -1);
	/* tty options: with the pppol2tp channel pppd rejects them (exit 2) */
	assert_int_equal(find(&a, "nolock"), -1);
	assert_int_equal(find(&a, "crtscts"), -1);
}

static void test_argv_settings(void **state)
{
	struct pppd_config c;
	struct pppd_argv a;

	(void)state;
	base_config(&c);
	c.auth_allowed = PPP_AUTH_MSCHAPV2;
	c.mtu = 1400;
	c.mru = 1410;
	c.echo_interval_s = 0;
	c.usepeerdns = false;
	c.ipv6 = true;
	c.ifname = "l2tp0";
	c.unit = 7;
	c.debug = true;
	c.pppd_path = "/opt/pppd";
	assert_true(pppd_build_argv(&c, true, "/run/x/report", &a) > 0);
	assert_string_equal(a.argv[0], "/opt/pppd");
	assert_true(find(&a, "refuse-pap") > 0);
	assert_true(find(&a, "refuse-chap") > 0);
	assert_int_equal(find(&a, "refuse-mschap-v2"), -1);
	assert_opt(&a, "mtu", "1400");
	assert_opt(&a, "mru", "1410");
	assert_opt(&a, "lcp-echo-interval", "0");
	assert_opt(&a, "lcp-echo-failure", "0");
	assert_int_equal(find(&a, "usepeerdns"), -1);
	assert_true(find(&a, "+ipv6") > 0);
	assert_int_equal(find(&a, "noipv6"), -1);
	assert_opt(&a, "ifname", "l2tp0");
	assert_opt(&a, "unit", "7");
	assert_true(find(&a, "debug") > 0);
}

static void test_argv_no_auth(void **state)
{
	struct pppd_config c;
	struct pppd_argv a;

	(void)state;
	base_config(&c);
	c.user = NULL;
	assert_true(pppd_build_argv(&c, false, "/run/x/report", &a) > 0);
	assert_int_equal(find(&a, "passwordfd.so"), -1);
	assert_int_equal(find(&a, "user"), -1);
	assert_true(find(&a, "refuse-pap") > 0);
	assert_true(find(&a, "refuse-chap") > 0);
	assert_true(find(&a, "refuse-mschap-v2") > 0);
}

static void test_argv_refuses_bad_values(void **state)
{
	struct pppd_config c;
	struct pppd_argv a;

	(void)state;
	base_config(&c);
	c.user = "alice debug";
	assert_int_equal(pppd_build_argv(&c, true, "/run/x/report", &a), -1);
	base_config(&c);
	c.user = "";
	assert_int_equal(pppd_build_argv(&c, true, "/run/x/report", &a), -1);
	base_config(&c);
	c.ip_up_script = "l2tpsec-ip-up";
	assert_int_equal(pppd_build_argv(&c, true, "/run/x/report", &a), -1);
	base_config(&c);
	c.ifname = "a-very-long-interface-name";
	assert_int_equal(pppd_build_argv(&c, true, "/run/x/report", &a), -1);
	base_config(&c);
	assert_int_equal(pppd_build_argv(&c, true, "relative", &a), -1);
	assert_int_equal(pppd_build_argv(&c, true, NULL, &a), -1);
}

/* Every option we pass is known to this host's pppd: run it with dryrun
 * and without the pppol2tp plugin (which needs /dev/ppp before it parses
 * anything); it must stop at "no device", not at an unknown option. */
static void test_argv_known_to_pppd(void **state)
{
	struct pppd_config c;
	struct pppd_argv a;
	char *args[PPPD_MAX_ARGS + 2];
	char out[4096];
	int n = 0, pipefd[2], optfd[2], st;
	ssize_t got, total = 0;
	pid_t pid;

	(void)state;
	if (access("/usr/sbin/pppd", X_OK) != 0)
		skip();
	base_config(&c);
	c.mtu = 1400;
	c.mru = 1400;
	c.ifname = "l2tp0";
	c.unit = 3;
	c.ipv6 = true;
	c.debug = true;
	assert_true(pppd_build_argv(&c, true, "/run/x/report", &a) > 0);
	for (int i = 0; i < a.argc; i++) {
		if (strcmp(a.argv[i], "plugin") == 0 && strcmp(a.argv[i + 1], "pppol2tp.so") == 0) {
			i++;
			continue;
		}
		if (strncmp(a.argv[i], "pppol2tp", 8) == 0) {
			i++;
			continue;
		}
		args[n++] = a.argv[i];
	}
	args[n++] = "dryrun";
	args[n] = NULL;
	assert_int_equal(pipe(pipefd), 0);
	/* The last options file, a pipe as pppd_attach() fills it (the
	 * session's own options need the plugin: one pppd knows stands in). */
	assert_int_equal(pipe(optfd), 0);
	assert_int_equal(write(optfd[1], "mtu 1400\n", 9), 9);
	close(optfd[1]);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};

		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		/* after 1 and 2: pipefd[1] may itself be number 5 */
		dup2(optfd[0], PPPD_CHILD_OPTIONS_FD);
		int devnull = open("/dev/null", O_RDONLY);

		dup2(devnull, 0);
		execve(args[0], args, envp);
		_exit(127);
	}
	close(pipefd[1]);
	close(optfd[0]);
	while ((got = read(pipefd[0], out + total, sizeof(out) - 1 - (size_t)total)) > 0)
		total += got;
	out[total] = '\0';
	close(pipefd[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (strstr(out, "unrecognized option") || strstr(out, "options file") ||
	    !strstr(out, "no device specified"))
		fail_msg("pppd said: %s", out);
}

static void test_session_options(void **state)
{
	char buf[128], small[40];

	(void)state;
	static const char want[] =
	    "pppol2tp 3\npppol2tp_tunnel_id 4321\npppol2tp_session_id 65000\n";

	assert_int_equal(pppd_session_options(&ids, buf, sizeof(buf)), (int)strlen(want));
	assert_string_equal(buf, want);
	assert_int_equal(pppd_session_options(&ids, small, sizeof(small)), -1);
}

static void test_report_parse(void **state)
{
	static const char ok[] = "L2TPSEC 1\nEVENT=ip-up\nIFNAME=ppp0\nIPLOCAL=10.0.0.2\n"
	                         "IPREMOTE=10.0.0.1\nDNS1=1.1.1.1\nDNS2=\nLLLOCAL=\nLLREMOTE=\n"
	                         "MTU=1400\nNEW=ignored\nEND\nL2TPSEC";
	static const char v6[] = "L2TPSEC 1\nEVENT=ipv6-up\nLLLOCAL=fe80::1:2:3:4\nEND\n";
	struct pppd_report r;
	long n;

	(void)state;
	n = pppd_parse_report(ok, sizeof(ok) - 1, &r);
	assert_int_equal(n, sizeof(ok) - 1 - 7);
	assert_true(r.ip.ipv4_up);
	assert_string_equal(r.ifname, "ppp0");
	assert_memory_equal(r.ip.local_ipv4, "\x0a\x00\x00\x02", 4);
	assert_memory_equal(r.ip.peer_ipv4, "\x0a\x00\x00\x01", 4);
	assert_memory_equal(r.ip.dns1, "\x01\x01\x01\x01", 4);
	assert_memory_equal(r.ip.dns2, "\0\0\0\0", 4);
	assert_int_equal(r.ip.mtu, 1400);
	/* The rest ("L2TPSEC") is the start of the next block. */
	assert_int_equal(pppd_parse_report(ok + n, 7, &r), 0);
	n = pppd_parse_report(v6, sizeof(v6) - 1, &r);
	assert_int_equal(n, sizeof(v6) - 1);
	assert_true(r.ip.ipv6_up);
	assert_memory_equal(r.ip.local_ifid, "\0\x01\0\x02\0\x03\0\x04", 8);
}

/* Runs ppp/l2tpsec-ip-up as pppd would (env -i, the link variables, the six
 * arguments) and parses what it writes into the FIFO. */
static void run_script(const char *env, const char *local, const char *remote,
                       struct pppd_report *r)
{
	char dir[] = "/tmp/l2tpsec-ipup-XXXXXX", fifo[64], cmd[1024], buf[1024];
	ssize_t n;
	int fd;

	assert_non_null(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/ev", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	fd = open(fifo, O_RDWR | O_NONBLOCK);
	assert_true(fd >= 0);
	snprintf(cmd, sizeof(cmd), "env -i %s sh %s/ppp/l2tpsec-ip-up ppp0 /dev/null 0 %s %s %s", env,
	         PPP_TEST_SRCDIR, local, remote, fifo);
	assert_int_equal(system(cmd), 0);
	n = read(fd, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(pppd_parse_report(buf, (size_t)n, r), n);
	close(fd);
	unlink(fifo);
	rmdir(dir);
}

/* pppd 2.4.9 keeps LLLOCAL/LLREMOTE from IPV6CP in the environment of the
 * ip-up that follows: that is still ip-up (issue 17: with +ipv6 the client
 * never saw IPv4 come up); ipv6-up is told by its IPv6 addresses. */
static void test_ip_up_script_events(void **state)
{
	struct pppd_report r;

	(void)state;
	run_script("IFNAME=ppp0 IPLOCAL=192.168.42.10 IPREMOTE=192.168.42.1 "
	           "LLLOCAL=fe80::1 LLREMOTE=fe80::2",
	           "192.168.42.10", "192.168.42.1", &r);
	assert_string_equal(r.event, "ip-up");
	assert_true(r.ip.ipv4_up);
	run_script("IFNAME=ppp0 LLLOCAL=fe80::1 LLREMOTE=fe80::2", "fe80::1", "fe80::2", &r);
	assert_string_equal(r.event, "ipv6-up");
	assert_true(r.ip.ipv6_up);
	assert_int_equal(r.ip.local_ifid[7], 1);
	run_script("IFNAME=ppp0 IPLOCAL=192.168.42.10 LLLOCAL=fe80::1 CONNECT_TIME=5",
	           "192.168.42.10", "192.168.42.1", &r);
	assert_string_equal(r.event, "down");
}

static void test_report_partial_and_bad(void **state)
{
	struct pppd_report r;
	static const char *const bad[] = {
	    "XL2TPSEC 1\n",
	    "L2TPSEC 1\nEVENT=ip-up\nIPLOCAL=10.0.0.300\nEND\n",
	    "L2TPSEC 1\nEVENT=ip-up\nMTU=12x\nEND\n",
	    "L2TPSEC 1\nEVENT=ip-up\nMTU=99999999\nEND\n",
	    "L2TPSEC 1\nnoequals\nEND\n",
	    "L2TPSEC 1\n=value\nEND\n",
	    "L2TPSEC 1\nEND\n", /* no event */
	    "L2TPSEC 1\nDNS1=1.2.3.4.5\nEND\n",
	    "L2TPSEC 1\nLLLOCAL=fe80::zz\nEND\n",
	};
	static const char partial[] = "L2TPSEC 1\nEVENT=ip-up\nIPLOC";

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(pppd_parse_report(bad[i], strlen(bad[i]), &r), -1);
	assert_int_equal(pppd_parse_report(partial, sizeof(partial) - 1, &r), 0);
	assert_int_equal(pppd_parse_report("L2T", 3, &r), 0);
	assert_int_equal(pppd_parse_report("", 0, &r), 0);
}

static void test_exit_reasons(void **state)
{
	struct ppp_failure f;
	static const struct {
		int code;
		enum ppp_down_reason reason;
	} map[] = {
	    {0, PPP_DOWN_PEER_TERMINATE},
	    {5, PPP_DOWN_LOCAL_CLOSE},
	    {10, PPP_DOWN_NEGOTIATION_FAILED},
	    {15, PPP_DOWN_ECHO_TIMEOUT},
	    {16, PPP_DOWN_LOWER_DOWN},
	    {17, PPP_DOWN_LOOPBACK},
	    {19, PPP_DOWN_AUTH_FAILED},
	    {2, PPP_DOWN_INTERNAL},
	    {4, PPP_DOWN_INTERNAL},
	    {200, PPP_DOWN_INTERNAL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		pppd_exit_reason(map[i].code << 8, &f); /* W_EXITCODE */
		assert_int_equal(f.reason, map[i].reason);
		assert_true(f.message[0] != '\0');
	}
	pppd_exit_reason(SIGKILL, &f); /* killed */
	assert_int_equal(f.reason, PPP_DOWN_INTERNAL);
	assert_non_null(strstr(f.message, "signal 9"));
}

/* pppd's words for a rejected password, per method; others are not. */
static void test_log_auth_failed(void **state)
{
	struct ppp_failure f;

	(void)state;
	assert_true(pppd_log_auth_failed("MS-CHAP authentication failed: E=691 R=1", &f));
	assert_int_equal(f.reason, PPP_DOWN_AUTH_FAILED);
	assert_int_equal(f.auth, PPP_AUTH_MSCHAPV2);
	assert_string_equal(f.message, "MS-CHAP authentication failed: E=691 R=1");
	assert_true(pppd_log_auth_failed("CHAP authentication failed", &f));
	assert_int_equal(f.auth, PPP_AUTH_CHAP_MD5);
	assert_true(pppd_log_auth_failed("PAP authentication failed", &f));
	assert_int_equal(f.auth, PPP_AUTH_PAP);
	assert_false(pppd_log_auth_failed("CHAP authentication succeeded", &f));
	assert_false(pppd_log_auth_failed("PAP authentication of peer failed (protocol-reject)", &f));
	assert_false(pppd_log_auth_failed("", &f));
}

/* ---- launching the fake pppd ---- */

struct launch {
	struct loop *loop;
	struct logger lg;
	char log[8192];
	size_t log_len;
	int ip_ups, refusals, auth_failures;
	struct ppp_failure auth_why;
	struct pppd_report report;
	bool exited;
	struct ppp_failure why;
	int status;
};

static void sink(void *ctx, enum log_subsys sub, enum log_level lvl, const char *line)
{
	struct launch *l = ctx;

	(void)sub;
	(void)lvl;
	l->log_len +=
	    (size_t)snprintf(l->log + l->log_len, sizeof(l->log) - l->log_len, "%s\n", line);
	if (l->log_len >= sizeof(l->log))
		l->log_len = sizeof(l->log) - 1;
}

static void cb_ip_up(void *ctx, const struct pppd_report *r)
{
	struct launch *l = ctx;

	l->ip_ups++;
	l->report = *r;
}

static void cb_auth_down(void *ctx, const struct ppp_failure *why)
{
	struct launch *l = ctx;

	assert_false(l->exited); /* told before pppd exits */
	if (why->reason == PPP_DOWN_AUTH_REFUSED)
		l->refusals++;
	else if (why->reason == PPP_DOWN_AUTH_FAILED)
		l->auth_failures++;
	else
		fail_msg("auth_down with reason %d", why->reason);
	l->auth_why = *why;
}

static void cb_exited(void *ctx, const struct ppp_failure *why, int status)
{
	struct launch *l = ctx;

	l->exited = true;
	l->why = *why;
	l->status = status;
}

static struct pppd *launch(struct launch *l, const char *user, const char *password,
                           unsigned stop_ms, int *sock)
{
	static const struct pppd_callbacks cbs = {
	    .ip_up = cb_ip_up, .exited = cb_exited, .auth_down = cb_auth_down};
	struct pppd_config c;
	int sv[2];
	struct pppd *p;

	memset(l, 0, sizeof(*l));
	l->loop = loop_new();
	assert_non_null(l->loop);
	log_init(&l->lg, LOG_TO_SINK, LOG_LVL_DEBUG);
	log_set_sink(&l->lg, sink, l);
	base_config(&c);
	c.pppd_path = PPP_TEST_BUILDDIR "/tests/ppp/fake_pppd";
	c.runtime_dir = "/tmp";
	c.user = user;
	c.stop_timeout_ms = stop_ms;
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), 0);
	p = pppd_start(l->loop, &l->lg, &c, sv[0], (const uint8_t *)password, strlen(password),
	               &cbs, l);
	close(sv[0]);
	*sock = sv[1];
	assert_non_null(p);
	return p;
}

/* launch(), and the session at once. */
static struct pppd *launch_attached(struct launch *l, const char *user, const char *password,
                                    unsigned stop_ms, int *sock)
{
	struct pppd *p = launch(l, user, password, stop_ms, sock);

	assert_int_equal(pppd_attach(p, &ids), 0);
	return p;
}

static void run_until(struct launch *l, bool *flag, int *count, unsigned ms)
{
	uint64_t end = loop_now_ms(l->loop) + ms;

	while (loop_now_ms(l->loop) < end && !(flag && *flag) && !(count && *count))
		loop_run_once(l->loop, 50);
}

static void finish(struct launch *l, struct pppd *p, int sock)
{
	pppd_free(p);
	close(sock);
	loop_free(l->loop);
}

static void test_launch_ip_up_and_stop(void **state)
{
	struct launch l;
	int sock;
	struct pppd *p = launch(&l, "alice", "s3cret pw", 2000, &sock);

	(void)state;
	/* pppd waits for the session's options */
	run_until(&l, NULL, &l.ip_ups, 300);
	assert_int_equal(l.ip_ups, 0);
	assert_false(l.exited);
	assert_int_equal(pppd_attach(p, &ids), 0);
	assert_int_equal(pppd_attach(p, &ids), -1); /* once */
	run_until(&l, NULL, &l.ip_ups, 5000);
	assert_int_equal(l.ip_ups, 1);
	assert_string_equal(l.report.ifname, "ppp7");
	assert_memory_equal(l.report.ip.local_ipv4, "\x0a\x09\x00\x02", 4);
	assert_memory_equal(l.report.ip.peer_ipv4, "\x0a\x09\x00\x01", 4);
	assert_memory_equal(l.report.ip.dns1, "\x0a\x09\x00\x35", 4);
	assert_memory_equal(l.report.ip.dns2, "\x0a\x09\x00\x36", 4);
	assert_false(l.exited);
	pppd_stop(p);
	run_until(&l, &l.exited, NULL, 3000);
	assert_true(l.exited);
	assert_true(WIFEXITED(l.status));
	assert_int_equal(WEXITSTATUS(l.status), 5); /* not 99: all checks passed */
	assert_int_equal(l.why.reason, PPP_DOWN_LOCAL_CLOSE);
	assert_non_null(strstr(l.log, "pppd: fake-pppd: up as alice"));
	assert_null(strstr(l.log, "s3cret"));
	finish(&l, p, sock);
}

static void test_launch_wrong_password(void **state)
{
	struct launch l;
	int sock;
	struct pppd *p = launch_attached(&l, "alice", "nope", 2000, &sock);

	(void)state;
	/* said at once, from pppd's log: the gateway's CDN may come before
	 * pppd's exit and must not read as "closed by the gateway" */
	run_until(&l, NULL, &l.auth_failures, 5000);
	assert_int_equal(l.auth_failures, 1);
	assert_false(l.exited);
	assert_int_equal(l.auth_why.auth, PPP_AUTH_MSCHAPV2);
	assert_non_null(strstr(l.auth_why.message, "E=691"));
	run_until(&l, &l.exited, NULL, 5000);
	assert_true(l.exited);
	assert_int_equal(l.auth_failures, 1); /* once, not per log line */
	assert_int_equal(WEXITSTATUS(l.status), 19);
	assert_int_equal(l.why.reason, PPP_DOWN_AUTH_FAILED);
	assert_int_equal(l.ip_ups, 0);
	finish(&l, p, sock);
}

/* Issue #14: pppd cannot refuse a gateway that asks for no authentication;
 * without pppd's "authentication succeeded" before ip-up the address is
 * not taken, pppd is stopped and the reason says so. */
static void test_launch_gateway_without_authentication(void **state)
{
	struct launch l;
	int sock;
	struct pppd *p = launch_attached(&l, "noauth", "s3cret pw", 2000, &sock);

	(void)state;
	run_until(&l, &l.exited, NULL, 5000);
	assert_true(l.exited);
	assert_int_equal(l.ip_ups, 0);
	assert_int_equal(l.why.reason, PPP_DOWN_AUTH_REFUSED);
	assert_int_equal(l.why.auth, PPP_AUTH_NONE);
	finish(&l, p, sock);
}

/* The gateway wanted a method our refuse-* options refused: said at once
 * (refused), before pppd exits, and again as the exit reason. */
static void test_launch_method_refused(void **state)
{
	struct launch l;
	int sock;
	struct pppd *p = launch_attached(&l, "refused", "s3cret pw", 2000, &sock);

	(void)state;
	run_until(&l, NULL, &l.refusals, 5000);
	assert_int_equal(l.refusals, 1);
	assert_false(l.exited);
	run_until(&l, &l.exited, NULL, 5000);
	assert_true(l.exited);
	assert_int_equal(l.why.reason, PPP_DOWN_AUTH_REFUSED);
	assert_int_equal(l.ip_ups, 0);
	finish(&l, p, sock);
}

static void test_launch_hangup(void **state)
{
	struct launch l;
	int sock;
	struct pppd *p = launch_attached(&l, "hangup", "s3cret pw", 2000, &sock);

	(void)state;
	run_until(&l, &l.exited, NULL, 5000);
	assert_true(l.exited);
	assert_int_equal(l.why.reason, PPP_DOWN_LOWER_DOWN);
	finish(&l, p, sock);
}

static void test_launch_sigkill_after_timeout(void **state)
{
	struct launch l;
	int sock;
	struct pppd *p = launch_attached(&l, "stubborn", "s3cret pw", 200, &sock);

	(void)state;
	run_until(&l, NULL, &l.ip_ups, 5000);
	assert_int_equal(l.ip_ups, 1);
	pppd_stop(p);
	run_until(&l, &l.exited, NULL, 3000);
	assert_true(l.exited);
	assert_true(WIFSIGNALED(l.status));
	assert_int_equal(WTERMSIG(l.status), SIGKILL);
	finish(&l, p, sock);
}

/* Whether pid still runs (a zombie waiting for its new parent does not). */
static bool runs(pid_t pid)
{
	char path[64], buf[256], *rp;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	rp = strrchr(buf, ')');
	return rp && rp[1] == ' ' && rp[2] != 'Z' && rp[2] != 'X';
}

/* We are killed (kill -9) while pppd runs: pppd must not outlive us, or
 * it keeps pppN with the tunnel's address and peer route and the next
 * connect routes the gateway's PPP address into the dead link. */
static void test_launch_parent_killed(void **state)
{
	int pfd[2];
	pid_t mid, fake = 0;

	(void)state;
	assert_int_equal(pipe(pfd), 0);
	mid = fork();
	assert_true(mid >= 0);
	if (mid == 0) {
		struct launch l;
		int sock;
		struct pppd *p;
		pid_t pid;

		close(pfd[0]);
		p = launch_attached(&l, "alice", "s3cret pw", 2000, &sock);
		run_until(&l, NULL, &l.ip_ups, 5000);
		pid = l.ip_ups ? pppd_pid(p) : 0;
		if (write(pfd[1], &pid, sizeof(pid)) != (ssize_t)sizeof(pid))
			_exit(1);
		for (;;)
			pause();
	}
	close(pfd[1]);
	assert_int_equal(read(pfd[0], &fake, sizeof(fake)), (ssize_t)sizeof(fake));
	close(pfd[0]);
	assert_true(fake > 0);
	assert_true(runs(fake));
	kill(mid, SIGKILL);
	waitpid(mid, NULL, 0);
	for (int i = 0; i < 300 && runs(fake); i++)
		usleep(10000);
	assert_false(runs(fake));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_argv_defaults),
	    cmocka_unit_test(test_argv_settings),
	    cmocka_unit_test(test_argv_no_auth),
	    cmocka_unit_test(test_argv_refuses_bad_values),
	    cmocka_unit_test(test_argv_known_to_pppd),
	    cmocka_unit_test(test_session_options),
	    cmocka_unit_test(test_report_parse),
	    cmocka_unit_test(test_report_partial_and_bad),
	    cmocka_unit_test(test_ip_up_script_events),
	    cmocka_unit_test(test_exit_reasons),
	    cmocka_unit_test(test_log_auth_failed),
	    cmocka_unit_test(test_launch_ip_up_and_stop),
	    cmocka_unit_test(test_launch_wrong_password),
	    cmocka_unit_test(test_launch_hangup),
	    cmocka_unit_test(test_launch_gateway_without_authentication),
	    cmocka_unit_test(test_launch_method_refused),
	    cmocka_unit_test(test_launch_sigkill_after_timeout),
	    cmocka_unit_test(test_launch_parent_killed),
	};

	return cmocka_run_group_tests_name("ppp_pppd", tests, NULL, NULL);
}
