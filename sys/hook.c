#include "sys/hook.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sys/spawn.h"

struct env_writer {
	struct hook_env *env;
	size_t used;
	int error;
};

static void env_add(struct env_writer *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void env_add(struct env_writer *w, const char *fmt, ...)
{
	struct hook_env *env = w->env;
	size_t room = sizeof(env->strings) - w->used;
	va_list ap;
	int n;

	if (w->error || env->n >= HOOK_MAX_ENV) {
		w->error = 1;
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(env->strings + w->used, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room) {
		w->error = 1;
		return;
	}
	env->envp[env->n++] = env->strings + w->used;
	w->used += (size_t)n + 1;
}

static const char *ntoa(struct in_addr a, char buf[INET_ADDRSTRLEN])
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

static void add_dns(struct env_writer *w, const struct dns_config *dns)
{
	char list[DNS_MAX_SERVERS * INET6_ADDRSTRLEN] = "", a[INET_ADDRSTRLEN];
	char domains[512] = "";

	for (size_t i = 0; i < dns->n_servers; i++) {
		if (i)
			strcat(list, " ");
		strcat(list, ntoa(dns->servers[i], a));
	}
	if (dns->n_servers)
		env_add(w, "INTERNAL_IP4_DNS=%s", list);
	list[0] = '\0';
	for (size_t i = 0; i < dns->n_servers6; i++) {
		char a6[INET6_ADDRSTRLEN];
		size_t len = strlen(list);

		inet_ntop(AF_INET6, &dns->servers6[i], a6, sizeof(a6));
		snprintf(list + len, sizeof(list) - len, "%s%s", i ? " " : "", a6);
	}
	if (dns->n_servers6)
		env_add(w, "INTERNAL_IP6_DNS=%s", list);
	for (size_t i = 0; i < dns->n_domains; i++) {
		size_t len = strlen(domains);

		snprintf(domains + len, sizeof(domains) - len, "%s%s", i ? " " : "",
		         dns->domains[i]);
	}
	if (dns->n_domains)
		env_add(w, "CISCO_DEF_DOMAIN=%s", domains);
}

static void add_split(struct env_writer *w, const struct hook_info *info)
{
	char a[INET_ADDRSTRLEN];

	if (!info->n_split)
		return;
	env_add(w, "CISCO_SPLIT_INC=%zu", info->n_split);
	for (size_t i = 0; i < info->n_split; i++) {
		uint8_t p = info->split_prefix[i];
		struct in_addr mask = {htonl(p ? 0xffffffffu << (32 - p) : 0)};

		env_add(w, "CISCO_SPLIT_INC_%zu_ADDR=%s", i, ntoa(info->split[i], a));
		env_add(w, "CISCO_SPLIT_INC_%zu_MASK=%s", i, ntoa(mask, a));
		env_add(w, "CISCO_SPLIT_INC_%zu_MASKLEN=%u", i, p);
	}
}

/* vpnc-script's IPv6 names (as openconnect sets them): the address, the
 * address with its prefix length as NETMASK, the split routes. */
static void add_ip6(struct env_writer *w, const struct hook_info *info)
{
	char a[INET6_ADDRSTRLEN];

	if (info->local_ip6_prefix) {
		inet_ntop(AF_INET6, &info->local_ip6, a, sizeof(a));
		env_add(w, "INTERNAL_IP6_ADDRESS=%s", a);
		env_add(w, "INTERNAL_IP6_NETMASK=%s/%u", a, info->local_ip6_prefix);
	}
	if (!info->n_split6)
		return;
	env_add(w, "CISCO_IPV6_SPLIT_INC=%zu", info->n_split6);
	for (size_t i = 0; i < info->n_split6; i++) {
		inet_ntop(AF_INET6, &info->split6[i], a, sizeof(a));
		env_add(w, "CISCO_IPV6_SPLIT_INC_%zu_ADDR=%s", i, a);
		env_add(w, "CISCO_IPV6_SPLIT_INC_%zu_MASKLEN=%u", i, info->split6_prefix[i]);
	}
}

int hook_build_env(const struct hook_info *info, struct hook_env *env)
{
	struct env_writer w = {.env = env};
	char a[INET_ADDRSTRLEN];

	memset(env, 0, sizeof(*env));
	env_add(&w, "PATH=/usr/sbin:/usr/bin:/sbin:/bin");
	env_add(&w, "reason=%s", info->reason);
	env_add(&w, "VPNPID=%ld", (long)getpid());
	if (info->name)
		env_add(&w, "L2TPSEC_NAME=%s", info->name);
	env_add(&w, "VPNGATEWAY=%s", ntoa(info->gateway, a));
	if (info->tundev)
		env_add(&w, "TUNDEV=%s", info->tundev);
	if (info->local_ip.s_addr) {
		env_add(&w, "INTERNAL_IP4_ADDRESS=%s", ntoa(info->local_ip, a));
		env_add(&w, "INTERNAL_IP4_NETMASK=255.255.255.255");
		env_add(&w, "INTERNAL_IP4_NETMASKLEN=32");
	}
	if (info->peer_ip.s_addr)
		env_add(&w, "INTERNAL_IP4_PEER=%s", ntoa(info->peer_ip, a));
	if (info->mtu)
		env_add(&w, "INTERNAL_IP4_MTU=%u", info->mtu);
	if (info->dns)
		add_dns(&w, info->dns);
	add_split(&w, info);
	add_ip6(&w, info);
	env->envp[env->n] = NULL;
	return w.error ? -1 : 0;
}

int hook_run(const char *script, const struct hook_info *info)
{
	struct hook_env env;
	char *argv[] = {(char *)script, NULL};

	if (hook_build_env(info, &env) < 0)
		return -1;
	return spawn_wait(argv, env.envp, NULL);
}

/* ---- on the event loop ---- */

static void start_next(struct hook_runner *r);

static void job_done(struct hook_runner *r, int status)
{
	struct hook_job *job = r->jobs[0];

	r->pid = 0;
	loop_timer_stop(r->loop, &r->timer);
	if (status != 0)
		log_warn(r->lg, LOG_CLIENT, "hook %s (%s) %s %d", job->script, job->reason,
		         status < 0 ? "killed after" : "exited with",
		         status < 0 ? (int)(r->timeout_ms / 1000) : status);
	if (r->done)
		r->done(r->done_ctx, job->reason, status);
	free(job);
	memmove(r->jobs, r->jobs + 1, (r->n_jobs - 1) * sizeof(r->jobs[0]));
	r->jobs[--r->n_jobs] = NULL;
	start_next(r);
}

static void child_exited(struct loop *loop, pid_t pid, int status, void *ctx)
{
	struct hook_runner *r = ctx;

	(void)loop;
	if (pid != r->pid)
		return;
	job_done(r, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static void timed_out(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct hook_runner *r = ctx;

	(void)loop;
	(void)t;
	if (r->pid <= 0)
		return;
	kill(-r->pid, SIGKILL);
	kill(r->pid, SIGKILL);
	r->killed++;
	/* the exit comes back through child_exited */
}

static void start_next(struct hook_runner *r)
{
	while (r->n_jobs > 0 && r->pid == 0) {
		struct hook_job *job = r->jobs[0];
		char *argv[] = {job->script, NULL};
		pid_t pid = spawn_start(argv, job->env.envp);

		if (pid > 0 && loop_watch_child(r->loop, pid, child_exited, r) == 0) {
			r->pid = pid;
			r->ran++;
			loop_timer_start(r->loop, &r->timer, r->timeout_ms);
			log_debug(r->lg, LOG_CLIENT, "hook %s (%s) started, pid %ld", job->script,
			          job->reason, (long)pid);
			return;
		}
		if (pid > 0) {
			kill(-pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
		log_warn(r->lg, LOG_CLIENT, "hook %s (%s) could not run: %s", job->script,
		         job->reason, strerror(errno));
		r->pid = -1; /* job_done clears it */
		job_done(r, -1);
	}
}

void hook_runner_init(struct hook_runner *r, struct loop *loop, const struct logger *lg,
                      uint64_t timeout_ms)
{
	memset(r, 0, sizeof(*r));
	r->loop = loop;
	r->lg = lg;
	r->timeout_ms = timeout_ms ? timeout_ms : HOOK_TIMEOUT_MS;
	loop_timer_init(&r->timer, timed_out, r);
}

bool hook_runner_busy(const struct hook_runner *r)
{
	return r->n_jobs > 0;
}

/* A disconnect whose connect is still queued (not started): drop both. */
static bool cancel_pair(struct hook_runner *r, const char *script, const char *reason)
{
	size_t last = r->n_jobs - 1;

	if (r->n_jobs == 0 || (last == 0 && r->pid != 0) || strcmp(reason, "disconnect") != 0 ||
	    strcmp(r->jobs[last]->reason, "connect") != 0 ||
	    strcmp(r->jobs[last]->script, script) != 0)
		return false;
	free(r->jobs[last]);
	r->jobs[last] = NULL;
	r->n_jobs--;
	r->cancelled += 2;
	log_info(r->lg, LOG_CLIENT, "hook %s: connect and disconnect skipped (still queued)",
	         script);
	return true;
}

int hook_runner_submit(struct hook_runner *r, const char *script, const struct hook_info *info)
{
	struct hook_job *job;

	if (cancel_pair(r, script, info->reason))
		return 0;
	if (r->n_jobs == HOOK_QUEUE_MAX || strlen(script) >= sizeof(job->script) ||
	    strlen(info->reason) >= sizeof(job->reason)) {
		log_warn(r->lg, LOG_CLIENT, "hook %s (%s) not run: %zu hooks waiting", script,
		         info->reason, r->n_jobs);
		return -1;
	}
	job = calloc(1, sizeof(*job));
	if (!job)
		return -1;
	snprintf(job->script, sizeof(job->script), "%s", script);
	snprintf(job->reason, sizeof(job->reason), "%s", info->reason);
	if (hook_build_env(info, &job->env) < 0) {
		log_warn(r->lg, LOG_CLIENT, "hook %s (%s): environment too large", script,
		         info->reason);
		free(job);
		return -1;
	}
	r->jobs[r->n_jobs++] = job;
	start_next(r);
	return 0;
}

/* waitpid with a deadline; the loop is not running any more */
static int wait_bounded(pid_t pid, uint64_t timeout_ms)
{
	struct timespec tick = {0, 10 * 1000 * 1000};
	int status;

	for (uint64_t waited = 0;; waited += 10) {
		pid_t got = waitpid(pid, &status, WNOHANG);

		if (got == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		if (got < 0 && errno != EINTR)
			return -1;
		if (waited >= timeout_ms) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		nanosleep(&tick, NULL);
	}
}

void hook_runner_finish(struct hook_runner *r)
{
	if (!r->loop)
		return;
	while (r->n_jobs > 0) {
		pid_t pid;

		if (r->pid == 0)
			start_next(r); /* a script that cannot start is dropped there */
		if (r->pid <= 0)
			continue;
		pid = r->pid;
		loop_unwatch_child(r->loop, pid);
		/* the running one keeps what is left of its time */
		job_done(r, wait_bounded(pid, loop_timer_pending(&r->timer)
		                                  ? loop_timer_remaining(r->loop, &r->timer)
		                                  : r->timeout_ms));
	}
	loop_timer_stop(r->loop, &r->timer);
}
