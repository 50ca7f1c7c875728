#include "sys/hook.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sys/spawn.h"

struct env_writer {
	struct hook_env *env;
	size_t used;
	int error;
};

static void env_add(struct env_writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
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
	char list[DNS_MAX_SERVERS * INET_ADDRSTRLEN] = "", a[INET_ADDRSTRLEN];
	char domains[512] = "";

	for (size_t i = 0; i < dns->n_servers; i++) {
		if (i)
			strcat(list, " ");
		strcat(list, ntoa(dns->servers[i], a));
	}
	if (dns->n_servers)
		env_add(w, "INTERNAL_IP4_DNS=%s", list);
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
