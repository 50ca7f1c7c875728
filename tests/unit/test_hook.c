/* sys/hook: the vpnc-script environment, and a real script run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	struct hook_info info = {.reason = "connect", .name = "office", .tundev = "l2tpsec0",
				 .mtu = 1380, .dns = dns, .n_split = 2};

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_env_variables),
		cmocka_unit_test(test_script_sees_environment),
	};

	return cmocka_run_group_tests_name("hook", tests, NULL, NULL);
}
