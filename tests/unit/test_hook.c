/* sys/hook: the vpnc-script environment, a real script run, and the runner
 * on the event loop: a hung script is killed without stalling the loop, and
 * scripts run one at a time in the order asked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "sys/hook.h"

static const char *env_get(const struct hook_env *env, const char *key)
{
	size_t klen = strlen(key);

	for (size_t i = 0; i < env->n; i++)
		if (strncmp(env->envp[i], key, klen) == 0 && env->envp[i][klen] == '=')
			return env->envp[i] + klen + 1;
	return NULL;
}

static struct hook_info example(struct dns_config *dns)
{
	struct hook_info info = {.reason = "connect",
	                         .name = "office",
	                         .tundev = "l2tpsec0",
	                         .mtu = 1380,
	                         .dns = dns,
	                         .n_split = 2};

	inet_pton(AF_INET, "203.0.113.5", &info.gateway);
	inet_pton(AF_INET, "192.168.42.10", &info.local_ip);
	inet_pton(AF_INET, "192.168.42.1", &info.peer_ip);
	inet_pton(AF_INET, "10.20.0.0", &info.split[0]);
	info.split_prefix[0] = 16;
	inet_pton(AF_INET, "172.16.0.0", &info.split[1]);
	info.split_prefix[1] = 12;
	memset(dns, 0, sizeof(*dns));
	dns->n_servers = 2;
	inet_pton(AF_INET, "10.0.0.53", &dns->servers[0]);
	inet_pton(AF_INET, "10.0.1.53", &dns->servers[1]);
	dns->n_domains = 1;
	dns->domains[0] = "corp.example.com";
	return info;
}

static void test_env_variables(void **state)
{
	struct dns_config dns;
	struct hook_info info = example(&dns);
	struct hook_env env;

	(void)state;
	assert_int_equal(hook_build_env(&info, &env), 0);
	assert_string_equal(env_get(&env, "reason"), "connect");
	assert_string_equal(env_get(&env, "VPNGATEWAY"), "203.0.113.5");
	assert_string_equal(env_get(&env, "TUNDEV"), "l2tpsec0");
	assert_string_equal(env_get(&env, "INTERNAL_IP4_ADDRESS"), "192.168.42.10");
	assert_string_equal(env_get(&env, "INTERNAL_IP4_MTU"), "1380");
	assert_string_equal(env_get(&env, "INTERNAL_IP4_DNS"), "10.0.0.53 10.0.1.53");
	assert_string_equal(env_get(&env, "CISCO_DEF_DOMAIN"), "corp.example.com");
	assert_string_equal(env_get(&env, "CISCO_SPLIT_INC"), "2");
	assert_string_equal(env_get(&env, "CISCO_SPLIT_INC_1_ADDR"), "172.16.0.0");
	assert_string_equal(env_get(&env, "CISCO_SPLIT_INC_1_MASK"), "255.240.0.0");
	assert_string_equal(env_get(&env, "CISCO_SPLIT_INC_0_MASKLEN"), "16");
	assert_null(env.envp[env.n]);
}

/* IPv6 (issue 17): vpnc-script's INTERNAL_IP6_* and CISCO_IPV6_SPLIT_INC_*
 * names, nothing of them without IPv6, and the most routes both families
 * may have still fit. */
static void test_env_ipv6(void **state)
{
	struct dns_config dns;
	struct hook_info info = example(&dns);
	struct hook_env env;

	(void)state;
	assert_int_equal(hook_build_env(&info, &env), 0);
	assert_null(env_get(&env, "INTERNAL_IP6_ADDRESS"));
	assert_null(env_get(&env, "INTERNAL_IP6_NETMASK"));
	assert_null(env_get(&env, "INTERNAL_IP6_DNS"));
	assert_null(env_get(&env, "CISCO_IPV6_SPLIT_INC"));

	inet_pton(AF_INET6, "2001:db8:42::a:1", &info.local_ip6);
	info.local_ip6_prefix = 64;
	dns.n_servers6 = 2;
	inet_pton(AF_INET6, "2001:db8:42::53", &dns.servers6[0]);
	inet_pton(AF_INET6, "fd00::53", &dns.servers6[1]);
	info.n_split6 = 2;
	inet_pton(AF_INET6, "2001:db8:100::", &info.split6[0]);
	info.split6_prefix[0] = 48;
	inet_pton(AF_INET6, "fd00::", &info.split6[1]);
	info.split6_prefix[1] = 8;
	assert_int_equal(hook_build_env(&info, &env), 0);
	assert_string_equal(env_get(&env, "INTERNAL_IP6_ADDRESS"), "2001:db8:42::a:1");
	assert_string_equal(env_get(&env, "INTERNAL_IP6_NETMASK"), "2001:db8:42::a:1/64");
	assert_string_equal(env_get(&env, "INTERNAL_IP6_DNS"), "2001:db8:42::53 fd00::53");
	assert_string_equal(env_get(&env, "CISCO_IPV6_SPLIT_INC"), "2");
	assert_string_equal(env_get(&env, "CISCO_IPV6_SPLIT_INC_0_ADDR"), "2001:db8:100::");
	assert_string_equal(env_get(&env, "CISCO_IPV6_SPLIT_INC_0_MASKLEN"), "48");
	assert_string_equal(env_get(&env, "CISCO_IPV6_SPLIT_INC_1_ADDR"), "fd00::");
	assert_string_equal(env_get(&env, "CISCO_IPV6_SPLIT_INC_1_MASKLEN"), "8");
	/* the IPv4 ones are still there */
	assert_string_equal(env_get(&env, "INTERNAL_IP4_DNS"), "10.0.0.53 10.0.1.53");

	/* every route both families may have, the longest addresses */
	info.n_split = info.n_split6 = HOOK_MAX_ROUTES;
	for (size_t i = 0; i < HOOK_MAX_ROUTES; i++) {
		inet_pton(AF_INET, "255.255.255.255", &info.split[i]);
		info.split_prefix[i] = 32;
		inet_pton(AF_INET6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff0", &info.split6[i]);
		info.split6_prefix[i] = 124;
	}
	dns.n_servers6 = DNS_MAX_SERVERS;
	for (size_t i = 0; i < DNS_MAX_SERVERS; i++)
		inet_pton(AF_INET6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", &dns.servers6[i]);
	assert_int_equal(hook_build_env(&info, &env), 0);
	assert_string_equal(env_get(&env, "CISCO_IPV6_SPLIT_INC_31_MASKLEN"), "124");
	assert_non_null(
	    strstr(env_get(&env, "INTERNAL_IP6_DNS"), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
}

static void test_script_sees_environment(void **state)
{
	struct dns_config dns;
	struct hook_info info = example(&dns);
	char dir[] = "/tmp/l2tpsec-hook-XXXXXX", script[200], out[200], line[200] = "";
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(script, sizeof(script), "%s/hook", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	f = fopen(script, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\necho \"$reason $TUNDEV $INTERNAL_IP4_ADDRESS\" > %s\nexit 3\n", out);
	fclose(f);
	chmod(script, 0700);
	assert_int_equal(hook_run(script, &info), 3);
	f = fopen(out, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	assert_string_equal(line, "connect l2tpsec0 192.168.42.10\n");
	unlink(out);
	unlink(script);
	rmdir(dir);
}

struct run {
	struct loop *loop;
	struct logger lg;
	struct hook_runner r;
	char dir[64], script[128], out[128];
	int done, last_status, ticks;
	struct loop_timer tick;
};

static void on_done(void *ctx, const char *reason, int status)
{
	struct run *t = ctx;

	(void)reason;
	t->done++;
	t->last_status = status;
}

static void on_tick(struct loop *loop, struct loop_timer *timer, void *ctx)
{
	struct run *t = ctx;

	t->ticks++;
	loop_timer_start(loop, timer, 20);
}

/* A runner with this timeout and a script with this body. */
static struct run *run_new(unsigned timeout_ms, const char *body)
{
	struct run *t = calloc(1, sizeof(*t));
	FILE *f;

	assert_non_null(t);
	snprintf(t->dir, sizeof(t->dir), "/tmp/l2tpsec-hookrun-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->script, sizeof(t->script), "%s/hook", t->dir);
	snprintf(t->out, sizeof(t->out), "%s/out", t->dir);
	f = fopen(t->script, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\nout=%s\n%s\n", t->out, body);
	fclose(f);
	chmod(t->script, 0700);
	t->loop = loop_new();
	assert_non_null(t->loop);
	log_init(&t->lg, LOG_TO_STDERR_PLAIN, LOG_LVL_ERR);
	hook_runner_init(&t->r, t->loop, &t->lg, timeout_ms);
	t->r.done = on_done;
	t->r.done_ctx = t;
	loop_timer_init(&t->tick, on_tick, t);
	return t;
}

static void run_until_done(struct run *t, int want, unsigned max_ms)
{
	uint64_t end = loop_now_ms(t->loop) + max_ms;

	while (t->done < want && loop_now_ms(t->loop) < end)
		loop_run_once(t->loop, 20);
	assert_int_equal(t->done, want);
}

static char *slurp(const char *path)
{
	static char buf[512];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return strcpy(buf, "");
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void run_free(struct run *t)
{
	char cmd[160];

	hook_runner_finish(&t->r);
	loop_timer_stop(t->loop, &t->tick);
	loop_free(t->loop);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
	assert_int_equal(system(cmd), 0);
	free(t);
}

static bool process_gone(pid_t pid)
{
	char path[64], stat[256] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	f = fopen(path, "r");
	if (!f)
		return true;
	if (!fgets(stat, sizeof(stat), f))
		stat[0] = '\0';
	fclose(f);
	return strstr(stat, ") Z ") != NULL; /* a zombie nobody reaps is dead too */
}

/* The script hangs (and so does what it started): the loop keeps running
 * its timers meanwhile, and after the timeout both are killed. */
static void test_hung_hook_killed_loop_runs(void **state)
{
	struct run *t = run_new(1000, "sleep 30 & echo $! > $out\nwait");
	struct dns_config dns;
	struct hook_info info = example(&dns);
	uint64_t t0 = loop_now_ms(t->loop);
	long child;

	(void)state;
	loop_timer_start(t->loop, &t->tick, 20);
	assert_int_equal(hook_runner_submit(&t->r, t->script, &info), 0);
	assert_true(loop_now_ms(t->loop) - t0 < 500); /* submit does not wait */
	assert_true(hook_runner_busy(&t->r));
	run_until_done(t, 1, 10000);
	assert_int_equal(t->last_status, -1);
	assert_int_equal(t->r.killed, 1);
	assert_true(loop_now_ms(t->loop) - t0 >= 1000);
	assert_true(t->ticks >= 10); /* the loop ran all along (50 ticks unloaded) */
	assert_false(hook_runner_busy(&t->r));
	child = atol(slurp(t->out));
	assert_true(child > 0);
	for (int i = 0; i < 100 && !process_gone((pid_t)child); i++)
		usleep(10000);
	assert_true(process_gone((pid_t)child));
	run_free(t);
}

/* disconnect waits for connect; a connect still queued when its disconnect
 * comes is skipped with it; at exit the queue runs without the loop. */
static void test_hooks_in_order(void **state)
{
	/* a timeout no loaded machine reaches: this is about order */
	struct run *t = run_new(20000, "echo \"$reason start\" >> $out\nsleep 0.1\n"
	                               "echo \"$reason end\" >> $out");
	struct dns_config dns;
	struct hook_info up = example(&dns), down = example(&dns);

	(void)state;
	down.reason = "disconnect";
	assert_int_equal(hook_runner_submit(&t->r, t->script, &up), 0);
	assert_int_equal(hook_runner_submit(&t->r, t->script, &down), 0);
	assert_int_equal(hook_runner_submit(&t->r, t->script, &up), 0);
	assert_int_equal(hook_runner_submit(&t->r, t->script, &down), 0); /* cancels the pair */
	assert_int_equal(t->r.cancelled, 2);
	run_until_done(t, 2, 30000);
	assert_string_equal(slurp(t->out), "connect start\nconnect end\n"
	                                   "disconnect start\ndisconnect end\n");
	/* exit: queued hooks run without the loop, still in order */
	unlink(t->out);
	assert_int_equal(hook_runner_submit(&t->r, t->script, &up), 0);
	assert_int_equal(hook_runner_submit(&t->r, t->script, &down), 0);
	hook_runner_finish(&t->r);
	assert_int_equal(t->done, 4);
	assert_false(hook_runner_busy(&t->r));
	assert_string_equal(slurp(t->out), "connect start\nconnect end\n"
	                                   "disconnect start\ndisconnect end\n");
	run_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_env_variables),
	    cmocka_unit_test(test_env_ipv6),
	    cmocka_unit_test(test_script_sees_environment),
	    cmocka_unit_test(test_hung_hook_killed_loop_runs),
	    cmocka_unit_test(test_hooks_in_order),
	};

	return cmocka_run_group_tests_name("hook", tests, NULL, NULL);
}
