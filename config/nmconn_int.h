/* Private to config/nmconn*.c: the NetworkManager keyfile reader's state
 * and the helpers both halves use. */
#ifndef L2TPSEC_CONFIG_NMCONN_INT_H
#define L2TPSEC_CONFIG_NMCONN_INT_H

#include <stdbool.h>

#include "config/ini.h"
#include "config/nmconn.h"
#include "config/settings.h"

/* The secrets NetworkManager-l2tp knows; each has a NAME-flags companion. */
enum nm_secret { NM_PASSWORD, NM_IPSEC_PSK, NM_USER_CERTPASS, NM_MACHINE_CERTPASS, NM_SECRETS };

enum { NM_FLAG_AGENT_OWNED = 1, NM_FLAG_NOT_SAVED = 2, NM_FLAG_NOT_REQUIRED = 4 };

struct nm_ctx {
	struct setting_ctx set; /* for values the settings table parses */
	struct profile *p;
	const struct profile_parse_opts *opts;
	struct profile_warnings *warn;
	struct ini_reader *r;
	char why[512];

	unsigned secret_flags[NM_SECRETS];
	bool secret_stored[NM_SECRETS];
	char domain[PROFILE_USER_MAX];
	bool have_service, have_type, ipsec_enabled, have_remote_id;
	bool ignore_auto_dns;
	size_t n_dns;
	struct profile_addr dns[PROFILE_DNS_MAX];
};

#define whyf(c, ...) profile_why((c)->why, sizeof((c)->why), __VA_ARGS__)

/* "FILE:LINE: key 'x': " + text, as a warning. */
void nm_warn_key(struct nm_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Each returns NULL, or why the value is refused. */
const char *nm_copy(char *dst, size_t cap, const char *v);
const char *nm_get_bool(const char *v, bool *out);
const char *nm_get_uint(struct nm_ctx *c, const char *v, unsigned min, unsigned max, unsigned *out);

/* [ipv4] and [ipv6] (config/nmconn_ip.c) */
const char *nm_ipv4_key(struct nm_ctx *c, const char *k, const char *v);
const char *nm_ipv6_key(struct nm_ctx *c, const char *k, const char *v);

#endif
