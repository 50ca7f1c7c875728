/*
 * The user's hook script, called with the environment of the vpnc-script
 * convention (reason, VPNGATEWAY, TUNDEV, INTERNAL_IP4_*, CISCO_SPLIT_INC...)
 * so scripts written for vpnc or openconnect work unchanged. Never a secret
 * in that environment.
 */
#ifndef L2TPSEC_CLIENT_HOOK_H
#define L2TPSEC_CLIENT_HOOK_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "sys/dns.h"

#define HOOK_MAX_ROUTES 32
#define HOOK_MAX_ENV (24 + 4 * HOOK_MAX_ROUTES)

struct hook_info {
	const char *reason; /* pre-init, connect, disconnect, reconnect */
	const char *name; /* connection name */
	struct in_addr gateway;
	const char *tundev;
	struct in_addr local_ip, peer_ip;
	unsigned mtu;
	const struct dns_config *dns; /* may be NULL */
	struct in_addr split[HOOK_MAX_ROUTES];
	uint8_t split_prefix[HOOK_MAX_ROUTES];
	size_t n_split;
};

/* Storage for the environment strings; envp points into it. */
struct hook_env {
	char strings[8192];
	char *envp[HOOK_MAX_ENV + 1];
	size_t n;
};

/* Builds the environment; returns 0 or -1 when it does not fit. */
int hook_build_env(const struct hook_info *info, struct hook_env *env);
/* Runs script (absolute path) with reason as in info; returns its status. */
int hook_run(const char *script, const struct hook_info *info);

#endif
