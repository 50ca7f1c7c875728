/*
 * l2tp_probe: runs the LAC engine against an LNS until the session is up (or
 * it fails), optionally holds it, stops, and prints one result line:
 *
 *   RESULT up=1 tunnel=... session=... port=1701 retrans=N ooo=N dup=N
 *          closed_by=peer|local|failure clean=0|1 words="..."
 *
 * Usage: l2tp_probe --peer ADDR [--peer-port N] [--port 1701|ephemeral|auto]
 *        [--secret-file PATH] [--hostname NAME] [--mode user|kernel]
 *        [--hold SECONDS] [--timeout SECONDS] [--rtx-ms N] [--tries N]
 *        [--hello S] [--seq] [--debug] [--kapi auto|genl|pppox]
 *        [--pppd OPTIONS_FILE]
 * The tunnel secret is read from a file (no trailing newline), never argv.
 * --pppd (kernel mode): on session up, run "pppd plugin pppol2tp.so
 * pppol2tp FD file OPTIONS_FILE nodetach" on the PPPoL2TP socket; it is
 * stopped (SIGTERM) before the engine stops, as ppp/ will do.
 * Exit status 0 when the session came up, 1 otherwise, 2 on usage errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l2tp/l2tp.h"
#include "lib/util.h"

struct probe {
	struct loop *loop;
	struct l2tp *l2tp;
	struct loop_timer hold_timer, deadline;
	unsigned hold_s;
	const char *pppd_options;
	pid_t pppd;
	bool up, closed, stopped_locally;
	struct l2tp_status at_up;
	struct l2tp_failure failure;
};

/* pppd holds the PPPoL2TP session: it goes first. */
static void stop_pppd(struct probe *p)
{
	struct timespec ms100 = {0, 100000000};

	if (p->pppd <= 0)
		return;
	kill(p->pppd, SIGTERM);
	for (int i = 0; i < 50; i++) {
		if (waitpid(p->pppd, NULL, WNOHANG) == p->pppd) {
			p->pppd = 0;
			return;
		}
		nanosleep(&ms100, NULL);
	}
	kill(p->pppd, SIGKILL);
	waitpid(p->pppd, NULL, 0);
	p->pppd = 0;
}

static void start_pppd(struct probe *p, int pppox_fd)
{
	char fdarg[16];
	pid_t pid = fork();

	if (pid < 0) {
		perror("fork");
		return;
	}
	if (pid == 0) {
		int fd = dup(pppox_fd); /* without FD_CLOEXEC */

		loop_child_reset_signals();
		snprintf(fdarg, sizeof(fdarg), "%d", fd);
		execlp("pppd", "pppd", "plugin", "pppol2tp.so", "pppol2tp", fdarg, "file",
		       p->pppd_options, "nodetach", (char *)NULL);
		perror("exec pppd");
		_exit(127);
	}
	p->pppd = pid;
	fprintf(stderr, "probe: pppd %d on PPPoL2TP fd %d\n", (int)pid, pppox_fd);
}

static void hold_fired(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct probe *p = ctx;

	(void)loop;
	(void)t;
	p->stopped_locally = true;
	stop_pppd(p);
	l2tp_stop(p->l2tp);
}

static void deadline_fired(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct probe *p = ctx;

	(void)t;
	if (!p->stopped_locally) {
		p->stopped_locally = true;
		stop_pppd(p);
		l2tp_stop(p->l2tp);
		loop_timer_start(loop, &p->deadline, 30000);
	} else {
		loop_quit(loop, 1); /* even the stop hung */
	}
}

static void on_session_up(void *ctx, const struct l2tp_session_info *info)
{
	struct probe *p = ctx;

	p->up = true;
	l2tp_get_status(p->l2tp, &p->at_up);
	fprintf(stderr, "probe: session up, pppox_fd=%d kernel_api=%d\n", info->pppox_fd,
	        (int)info->kernel_api);
	if (p->pppd_options && info->pppox_fd >= 0)
		start_pppd(p, info->pppox_fd);
	loop_timer_start(p->loop, &p->hold_timer, p->hold_s * 1000ull);
}

static void on_closed(void *ctx, const struct l2tp_failure *f)
{
	struct probe *p = ctx;

	p->closed = true;
	p->failure = *f;
	stop_pppd(p); /* the LNS ended it: pppd has nothing left */
	loop_quit(p->loop, 0);
}

static int read_secret(const char *path, uint8_t *out, size_t cap, size_t *len)
{
	FILE *f = fopen(path, "rb");

	if (!f)
		return -1;
	*len = fread(out, 1, cap, f);
	fclose(f);
	return 0;
}

static int parse_peer(const char *addr, unsigned port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		return 0;
	}
	return -1;
}

static void print_result(const struct probe *p)
{
	const struct l2tp_status *s = &p->at_up;
	const char *by = !p->closed                               ? "none"
	                 : p->failure.by_peer                     ? "peer"
	                 : p->stopped_locally && p->failure.clean ? "local"
	                                                          : "failure";

	printf(
	    "RESULT up=%d kapi=%d tunnel=%u/%u session=%u/%u port=%u peer_host=\"%s\" retrans=%llu "
	    "ooo=%llu dup=%llu closed_by=%s clean=%d result=%u error=%u words=\"%s\"\n",
	    p->up, (int)s->session.kernel_api, s->session.local_tunnel_id,
	    s->session.peer_tunnel_id, s->session.local_session_id, s->session.peer_session_id,
	    s->session.local_port, s->peer_hostname, (unsigned long long)s->ctrl_retransmitted,
	    (unsigned long long)s->ctrl_out_of_order, (unsigned long long)s->ctrl_duplicates, by,
	    p->failure.clean, p->failure.result, p->failure.error, p->failure.words);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"peer", required_argument, NULL, 'p'},
	    {"peer-port", required_argument, NULL, 'P'},
	    {"port", required_argument, NULL, 'o'},
	    {"secret-file", required_argument, NULL, 's'},
	    {"hostname", required_argument, NULL, 'n'},
	    {"mode", required_argument, NULL, 'm'},
	    {"hold", required_argument, NULL, 'h'},
	    {"timeout", required_argument, NULL, 't'},
	    {"rtx-ms", required_argument, NULL, 'r'},
	    {"tries", required_argument, NULL, 'T'},
	    {"hello", required_argument, NULL, 'H'},
	    {"seq", no_argument, NULL, 'S'},
	    {"debug", no_argument, NULL, 'd'},
	    {"kapi", required_argument, NULL, 'k'},
	    {"pppd", required_argument, NULL, 'x'},
	    {NULL, 0, NULL, 0},
	};
	struct l2tp_callbacks cb = {.session_up = on_session_up, .closed = on_closed};
	struct probe p = {0};
	struct l2tp_config cfg;
	struct logger lg;
	uint8_t secret[256];
	size_t secret_len = 0;
	const char *peer = NULL;
	unsigned peer_port = 1701, timeout_s = 30;
	bool debug = false;
	int c, rc;

	l2tp_config_defaults(&cfg);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			peer = optarg;
			break;
		case 'P':
			peer_port = (unsigned)atoi(optarg);
			break;
		case 'o':
			cfg.port_mode = !strcmp(optarg, "ephemeral") ? L2TP_PORT_EPHEMERAL
			                : !strcmp(optarg, "auto")    ? L2TP_PORT_AUTO
			                                             : L2TP_PORT_1701;
			break;
		case 's':
			if (read_secret(optarg, secret, sizeof(secret), &secret_len)) {
				perror(optarg);
				return 2;
			}
			cfg.secret = secret;
			cfg.secret_len = secret_len;
			break;
		case 'n':
			cfg.hostname = optarg;
			break;
		case 'm':
			cfg.data_mode =
			    !strcmp(optarg, "kernel") ? L2TP_DATA_KERNEL : L2TP_DATA_USERSPACE;
			break;
		case 'h':
			p.hold_s = (unsigned)atoi(optarg);
			break;
		case 't':
			timeout_s = (unsigned)atoi(optarg);
			break;
		case 'r':
			cfg.rtx_initial_ms = (unsigned)atoi(optarg);
			break;
		case 'T':
			cfg.rtx_max_tries = (unsigned)atoi(optarg);
			break;
		case 'H':
			cfg.hello_interval_s = (unsigned)atoi(optarg);
			break;
		case 'S':
			cfg.sequencing = true;
			break;
		case 'd':
			debug = true;
			break;
		case 'k':
			cfg.kernel_api = !strcmp(optarg, "genl")    ? L2TP_KAPI_GENL
			                 : !strcmp(optarg, "pppox") ? L2TP_KAPI_PPPOX
			                                            : L2TP_KAPI_AUTO;
			break;
		case 'x':
			p.pppd_options = optarg;
			break;
		default:
			return 2;
		}
	}
	if (!peer || parse_peer(peer, peer_port, &cfg.peer)) {
		fprintf(stderr, "usage: l2tp_probe --peer ADDR [options]\n");
		return 2;
	}
	log_init(&lg, LOG_TO_STDERR_PLAIN, debug ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	p.loop = loop_new();
	if (!p.loop)
		return 1;
	loop_timer_init(&p.hold_timer, hold_fired, &p);
	loop_timer_init(&p.deadline, deadline_fired, &p);
	p.l2tp = l2tp_new(p.loop, &lg, &cfg, &cb, &p);
	secure_clear(secret, sizeof(secret));
	if (!p.l2tp || l2tp_start(p.l2tp)) {
		printf("RESULT up=0 closed_by=start words=\"l2tp_start failed\"\n");
		l2tp_free(p.l2tp);
		loop_free(p.loop);
		return 1;
	}
	loop_timer_start(p.loop, &p.deadline, timeout_s * 1000ull);
	rc = loop_run(p.loop);
	print_result(&p);
	loop_timer_stop(p.loop, &p.hold_timer);
	loop_timer_stop(p.loop, &p.deadline);
	l2tp_free(p.l2tp);
	loop_free(p.loop);
	return rc == 0 && p.up ? 0 : 1;
}
