/*
 * The user's hook script, called with the environment of the vpnc-script
 * convention (reason, VPNGATEWAY, TUNDEV, INTERNAL_IP4_*, CISCO_SPLIT_INC...,
 * INTERNAL_IP6_*, CISCO_IPV6_SPLIT_INC...)
 * so scripts written for vpnc or openconnect work unchanged. Never a secret
 * in that environment.
 */
#ifndef L2TPSEC_CLIENT_HOOK_H
#define L2TPSEC_CLIENT_HOOK_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sys/dns.h"
#include "lib/log.h"
#include "lib/loop.h"

#define HOOK_MAX_ROUTES 32
#define HOOK_MAX_ENV    (28 + 7 * HOOK_MAX_ROUTES)

struct hook_info {
	const char *reason; /* pre-init, connect, disconnect, reconnect */
	const char *name;   /* connection name */
	struct in_addr gateway;
	const char *tundev;
	struct in_addr local_ip, peer_ip;
	unsigned mtu;
	const struct dns_config *dns; /* may be NULL */
	struct in_addr split[HOOK_MAX_ROUTES];
	uint8_t split_prefix[HOOK_MAX_ROUTES];
	size_t n_split;
	/* IPv6 inside the tunnel: the interface's global address when the
	 * hook runs (local_ip6_prefix 0: none yet), IPv6 split routes; the
	 * IPv6 DNS servers are dns's servers6 */
	struct in6_addr local_ip6;
	uint8_t local_ip6_prefix;
	struct in6_addr split6[HOOK_MAX_ROUTES];
	uint8_t split6_prefix[HOOK_MAX_ROUTES];
	size_t n_split6;
};

/* Storage for the environment strings; envp points into it. */
struct hook_env {
	char strings[16384];
	char *envp[HOOK_MAX_ENV + 1];
	size_t n;
};

/* Builds the environment; returns 0 or -1 when it does not fit. */
int hook_build_env(const struct hook_info *info, struct hook_env *env);
/* Runs script (absolute path) with reason as in info and waits for it;
 * returns its status. Blocks: not for code on the event loop. */
int hook_run(const char *script, const struct hook_info *info);

/*
 * Hooks on the event loop: a hung script must not stall dead peer
 * detection, hellos and everything else, so the runner starts the script
 * and learns of its end through the loop's child watching. One script runs
 * at a time, in the order they were asked for, so a connection's disconnect
 * hook never overtakes its connect hook; a disconnect asked for while its
 * connect still waits cancels both (the script never heard of that
 * connect). A script running longer than the timeout is killed, with what
 * it started (its process group).
 */
#define HOOK_TIMEOUT_MS 10000u
#define HOOK_QUEUE_MAX  4

struct hook_job {
	char script[4096];
	char reason[16];
	struct hook_env env; /* built in place: envp points into it */
};

struct hook_runner {
	struct loop *loop; /* NULL: not initialised */
	const struct logger *lg;
	uint64_t timeout_ms;
	struct hook_job *jobs[HOOK_QUEUE_MAX]; /* jobs[0] runs while pid > 0 */
	size_t n_jobs;
	pid_t pid;
	struct loop_timer timer;         /* kills a hung script */
	unsigned ran, killed, cancelled; /* counts, for the log and the tests */
	/* optional: a script ended (status as from hook_run, -1 killed) */
	void (*done)(void *ctx, const char *reason, int status);
	void *done_ctx;
};

void hook_runner_init(struct hook_runner *r, struct loop *loop, const struct logger *lg,
                      uint64_t timeout_ms);
/* Queue script with info (its environment is built now); starts it when
 * nothing else runs. 0, or -1 (queue full, environment too big, no fork). */
int hook_runner_submit(struct hook_runner *r, const char *script, const struct hook_info *info);
bool hook_runner_busy(const struct hook_runner *r);
/* At exit, without the loop: waits for the running script and runs the
 * queued ones, each bounded by the timeout; then the runner is empty. */
void hook_runner_finish(struct hook_runner *r);

#endif
