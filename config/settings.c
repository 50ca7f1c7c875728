/*
 * The settings table (config/settings.h): one typed parser and validator per
 * key of l2tpsec.conf(5), shared by the profile file, the NetworkManager
 * mapping and the command line.
 */
#include "config/settings.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "config/ini.h"
#include "config/profile_names.h"
#include "ike/ike.h"
#include "lib/util.h"

/* "FILE:LINE: " + text (or "FILE: " without a line), as a warning. */
static void setting_warn(struct setting_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void setting_warn(struct setting_ctx *c, const char *fmt, ...)
{
	char text[PROFILE_WARN_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (c->line)
		profile_warn(c->warn, "%s:%u: %s", c->file, c->line, text);
	else
		profile_warn(c->warn, "%s: %s", c->file, text);
}

#define whyf(c, ...) profile_why((c)->why, sizeof((c)->why), __VA_ARGS__)

static const char *set_string(char *dst, size_t cap, const char *v)
{
	if (strlen(v) >= cap)
		return "value too long";
	memcpy(dst, v, strlen(v) + 1);
	return NULL;
}

static const char *set_path(char *dst, const char *v)
{
	if (v[0] != '/')
		return "must be an absolute path";
	return set_string(dst, PROFILE_PATH_MAX, v);
}

static const char *set_bool(bool *dst, const char *v)
{
	return profile_parse_bool(v, dst) < 0 ? "expected yes or no" : NULL;
}

const char *setting_duration(char *why, size_t whylen, const char *v, uint32_t min, uint32_t max,
                             bool zero_ok, uint32_t *out)
{
	uint32_t d;

	if (profile_parse_duration(v, UINT32_MAX, &d) < 0)
		return "expected a duration such as 30s, 5m, 8h or 1d";
	if ((d == 0 && !zero_ok) || (d != 0 && (d < min || d > max)))
		return profile_why(why, whylen, "must be %s%us to %us",
		                   zero_ok ? "0 (off) or " : "", min, max);
	*out = d;
	return NULL;
}

const char *setting_uint(char *why, size_t whylen, const char *v, unsigned min, unsigned max,
                         unsigned *out)
{
	char *end;
	unsigned long n;

	if (v[0] < '0' || v[0] > '9')
		return "expected a number";
	n = strtoul(v, &end, 10);
	if (*end || n < min || n > max)
		return profile_why(why, whylen, "must be a number from %u to %u", min, max);
	*out = (unsigned)n;
	return NULL;
}

static const char *set_duration(struct setting_ctx *c, uint32_t *dst, const char *v, uint32_t min,
                                uint32_t max, bool zero_ok)
{
	return setting_duration(c->why, sizeof(c->why), v, min, max, zero_ok, dst);
}

static const char *set_uint(struct setting_ctx *c, unsigned *dst, const char *v, unsigned min,
                            unsigned max)
{
	return setting_uint(c->why, sizeof(c->why), v, min, max, dst);
}

/* Maps v onto an index of names[]; -1 when it is none of them. */
static int lookup(const char *const *names, size_t n, const char *v)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && strcmp(names[i], v) == 0)
			return (int)i;
	return -1;
}

/* The index of v in names[], or -1 with the list of choices in c->why. */
static int pick(struct setting_ctx *c, const char *const *names, size_t n, const char *v)
{
	int i = lookup(names, n, v);
	size_t off;

	if (i >= 0)
		return i;
	off = (size_t)snprintf(c->why, sizeof(c->why), "expected one of:");
	for (size_t k = 0; k < n && off < sizeof(c->why); k++)
		off += (size_t)snprintf(c->why + off, sizeof(c->why) - off, " %s", names[k]);
	return -1;
}

#define ENUM_SETTER(fn, field, type, names)                                                        \
	static const char *fn(struct setting_ctx *c, const char *v)                                \
	{                                                                                          \
		int i = pick(c, names, ARRAY_SIZE(names), v);                                      \
		if (i < 0)                                                                         \
			return c->why;                                                             \
		c->p->field = (type)i;                                                             \
		return NULL;                                                                       \
	}

static unsigned line_of(const struct setting_ctx *c, const char *key)
{
	return c->line_of ? c->line_of(c, key) : 0;
}

static const char *set_inline_secret(struct setting_ctx *c, struct profile_secret *s, const char *v,
                                     const char *file_key, bool is_psk)
{
	char msg[256];

	if (line_of(c, file_key))
		return whyf(c, "conflicts with '%s' on line %u", file_key, line_of(c, file_key));
	if (!c->secrets_allowed)
		return whyf(c, "a secret may only be written here when the file is private: %s",
		            c->secrets_refused_why);
	if (secret_from_string(v, strlen(v), &s->value, msg, sizeof(msg)) < 0 ||
	    (is_psk && secret_decode_psk(&s->value, msg, sizeof(msg)) < 0))
		return whyf(c, "%s", msg);
	s->src = PROFILE_SECRET_INLINE;
	return NULL;
}

static const char *set_secret_file(struct setting_ctx *c, struct profile_secret *s, const char *v,
                                   const char *inline_key)
{
	if (line_of(c, inline_key))
		return whyf(c, "conflicts with '%s' on line %u", inline_key,
		            line_of(c, inline_key));
	s->src = PROFILE_SECRET_FILE;
	return set_path(s->file, v);
}

/* A setter that is one expression of c and v. */
#define SETTER(fn, expr)                                                                           \
	static const char *fn(struct setting_ctx *c, const char *v)                                \
	{                                                                                          \
		return expr;                                                                       \
	}

/* ---- [gateway] [ipsec] ----------------------------------------------------- */

static const char *set_host(struct setting_ctx *c, const char *v)
{
	if (!profile_hostname_valid(v))
		return "not a host name or IP address";
	return set_string(c->p->gateway, sizeof(c->p->gateway), v);
}

const char *const profile_auth_names[] = {[PROFILE_AUTH_PSK] = "psk", [PROFILE_AUTH_CERT] = "cert"};
const char *const profile_id_type_names[5] = {
    [PROFILE_ID_AUTO] = "auto",           [PROFILE_ID_IPV4] = "ipv4", [PROFILE_ID_FQDN] = "fqdn",
    [PROFILE_ID_USER_FQDN] = "user_fqdn", [PROFILE_ID_DN] = "dn",
};
const char *const profile_dh2048_names[] = {"off", "offer", "require"};
const char *const profile_ike_frag_names[3] = {[PROFILE_IKE_FRAG_AUTO] = "auto",
                                               [PROFILE_IKE_FRAG_FORCE] = "force",
                                               [PROFILE_IKE_FRAG_OFF] = "off"};
static const char *const nat_names[] = {"0", "1", "2"};
const char *const profile_port_names[] = {"auto", "1701", "ephemeral"};
const char *const profile_datapath_names[] = {"auto", "kernel", "userspace"};
const char *const profile_queue_names[] = {"codel", "fifo"};
const char *const profile_prompt_names[3] = {"auto", "ask-password", "no"};
const char *const profile_pwtype_names[2] = {"password", "otp"};
const char *const profile_ipv6_names[3] = {"auto", "off", "leak-ok"};
const char *const profile_family_names[3] = {"auto", "ipv4", "ipv6"};

ENUM_SETTER(set_auth, auth, enum profile_auth, profile_auth_names)
SETTER(set_psk, set_inline_secret(c, &c->p->psk, v, "psk-file", true))
SETTER(set_psk_file, set_secret_file(c, &c->p->psk, v, "psk"))
SETTER(set_cert, set_path(c->p->cert, v))
SETTER(set_key, set_path(c->p->key, v))
SETTER(set_ca, set_path(c->p->ca, v))
SETTER(set_key_password_file, set_path(c->p->key_password_file, v))
SETTER(set_crl, set_path(c->p->crl, v))
SETTER(set_local_id, set_string(c->p->local_id.value, sizeof(c->p->local_id.value), v))
ENUM_SETTER(set_local_id_type, local_id.type, enum profile_id_type, profile_id_type_names)
SETTER(set_remote_id, set_string(c->p->remote_id.value, sizeof(c->p->remote_id.value), v))
ENUM_SETTER(set_remote_id_type, remote_id.type, enum profile_id_type, profile_id_type_names)
/* Shape first (the old message), then the algorithms as ike/ parses them
 * when connecting, so that nothing `connect` would refuse passes here. */
static const char *set_proposals(struct setting_ctx *c, char *dst, const char *v, bool esp)
{
	char err[256];

	if (!profile_proposals_valid(v))
		return "expected strongSwan proposals such as "
		       "aes256-sha1-modp2048,3des-sha1-modp1024";
	if (ike_proposals_check(v, esp, err, sizeof(err)) < 0)
		return whyf(c, "%s", err);
	return set_string(dst, PROFILE_PROPOSALS_MAX, v);
}
SETTER(set_ike, set_proposals(c, c->p->ike_proposals, v, false))
SETTER(set_esp, set_proposals(c, c->p->esp_proposals, v, true))
ENUM_SETTER(set_dh2048, dh2048, enum profile_dh2048, profile_dh2048_names)
ENUM_SETTER(set_nat, assume_udp_encaps, int, nat_names)
/* Below the usual minimums (IKE 5m, ESP 2m): down to 10 s, for tests. */
static const char *set_lifetime(struct setting_ctx *c, uint32_t *dst, const char *v, uint32_t usual)
{
	const char *why = set_duration(c, dst, v, 10, 86400, false);

	if (!why && *dst < usual)
		setting_warn(c, "%s below %us rekeys every few seconds: for testing only", c->key,
		             usual);
	return why;
}
SETTER(set_ike_lifetime, set_lifetime(c, &c->p->ike_lifetime_s, v, 300))
SETTER(set_ipsec_lifetime, set_lifetime(c, &c->p->ipsec_lifetime_s, v, 120))
SETTER(set_rekey_margin, set_duration(c, &c->p->rekey_margin_s, v, 1, 3600, true))
/* on: the group Main Mode settled on (l2tpsec.conf(5)); a group: one ike/
 * can compute, anything else is refused rather than dropped to no PFS. */
static const char *set_pfs(struct setting_ctx *c, const char *v)
{
	bool on;

	if (profile_parse_bool(v, &on) == 0) {
		c->p->pfs = on ? PROFILE_PFS_ON : PROFILE_PFS_OFF;
		return NULL;
	}
	if (ike_group_by_name(v) == 0)
		return "expected off, on or a group such as modp2048 (modp768, modp1024, "
		       "modp1536, modp2048, modp3072, modp4096, ecp256, ecp384, ecp521)";
	c->p->pfs = PROFILE_PFS_GROUP;
	return set_string(c->p->pfs_group, sizeof(c->p->pfs_group), v);
}
SETTER(set_force_encaps, set_bool(&c->p->force_encaps, v))
ENUM_SETTER(set_ike_frag, ike_fragmentation, enum profile_ike_frag, profile_ike_frag_names)
SETTER(set_dpd, set_duration(c, &c->p->dpd_interval_s, v, 5, 3600, true))
/* Some NATs forget a UDP mapping after 30 s (RFC 3948 §4: every 20 s). */
SETTER(set_nat_keepalive, set_duration(c, &c->p->nat_keepalive_s, v, 5, 3600, true))

/* ---- [l2tp] [ppp] ------------------------------------------------------------ */

ENUM_SETTER(set_port, l2tp_port, enum profile_l2tp_port, profile_port_names)
SETTER(set_tunnel_secret, set_inline_secret(c, &c->p->tunnel_secret, v, "secret-file", false))
SETTER(set_tunnel_secret_file, set_secret_file(c, &c->p->tunnel_secret, v, "secret"))
SETTER(set_hello, set_duration(c, &c->p->hello_interval_s, v, 10, 3600, true))
SETTER(set_retries, set_uint(c, &c->p->retries, v, 1, 30))
SETTER(set_user, set_string(c->p->user, sizeof(c->p->user), v))
SETTER(set_password, set_inline_secret(c, &c->p->password, v, "password-file", false))
SETTER(set_password_file, set_secret_file(c, &c->p->password, v, "password"))
ENUM_SETTER(set_password_prompt, password_prompt, enum profile_prompt, profile_prompt_names)
ENUM_SETTER(set_password_type, password_type, enum profile_pwtype, profile_pwtype_names)

SETTER(set_auth_methods, profile_parse_auth_methods(v, &c->p->auth_methods))
SETTER(set_mtu, set_uint(c, &c->p->mtu, v, 576, 1500))
SETTER(set_mru, set_uint(c, &c->p->mru, v, 576, 1500))
SETTER(set_lcp_interval, set_duration(c, &c->p->lcp_echo_interval_s, v, 1, 3600, true))
SETTER(set_lcp_failure, set_uint(c, &c->p->lcp_echo_failure, v, 0, 100))

static void warn_mppe(struct setting_ctx *c)
{
	setting_warn(c, "MPPE is not supported (IPsec already encrypts the link); '%s' is ignored",
	             c->key);
}

static const char *set_require_mppe(struct setting_ctx *c, const char *v)
{
	static const char *const names[] = {"no", "yes", "40", "128"};
	int i = lookup(names, ARRAY_SIZE(names), v);

	if (i < 0)
		return "expected no, yes, 40 or 128";
	c->p->mppe &= ~(unsigned)(PROFILE_MPPE_REQUIRE | PROFILE_MPPE_40 | PROFILE_MPPE_128);
	if (i > 0)
		c->p->mppe |= PROFILE_MPPE_REQUIRE;
	if (i == 2)
		c->p->mppe |= PROFILE_MPPE_40;
	if (i == 3)
		c->p->mppe |= PROFILE_MPPE_128;
	if (i > 0)
		warn_mppe(c);
	return NULL;
}
static const char *set_mppe_stateful(struct setting_ctx *c, const char *v)
{
	bool on;

	if (profile_parse_bool(v, &on) < 0)
		return "expected yes or no";
	c->p->mppe = on ? c->p->mppe | PROFILE_MPPE_STATEFUL : c->p->mppe & ~PROFILE_MPPE_STATEFUL;
	if (on)
		warn_mppe(c);
	return NULL;
}

/* ---- [network] [client] ------------------------------------------------------ */

SETTER(set_default_route, set_bool(&c->p->default_route, v))

static const char *set_routes(struct setting_ctx *c, const char *v)
{
	char buf[INI_LINE_MAX], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", v);
	c->p->n_routes = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		tok += strspn(tok, " \t");
		if (c->p->n_routes == PROFILE_ROUTES_MAX)
			return whyf(c, "more than %d routes", PROFILE_ROUTES_MAX);
		/* refused, not ignored: the route goes into the tunnel's
		 * point-to-point device, whose far end is the only next hop */
		if (strstr(tok, " via ") || strstr(tok, " metric "))
			return whyf(c,
			            "'%.60s': 'via' and 'metric' are not supported (a route "
			            "goes through the tunnel device, whose peer is its next hop)",
			            tok);
		if (profile_parse_route(tok, &c->p->routes[c->p->n_routes]) < 0)
			return whyf(c, "'%.60s' is not a route (ADDRESS/PREFIX such as 10.0.0.0/8)",
			            tok);
		c->p->n_routes++;
	}
	return c->p->n_routes ? NULL : "no route given";
}

static const char *set_dns(struct setting_ctx *c, const char *v)
{
	char buf[INI_LINE_MAX], *tok, *save = NULL;
	struct profile *p = c->p;

	p->n_dns = 0;
	p->dns_add_to_peer = false;
	if (strcmp(v, "no") == 0 || strcmp(v, "auto") == 0) {
		p->dns = v[0] == 'n' ? PROFILE_DNS_NO : PROFILE_DNS_AUTO;
		return NULL;
	}
	p->dns = PROFILE_DNS_SERVERS;
	snprintf(buf, sizeof(buf), "%s", v);
	for (tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		if (strcmp(tok, "auto") == 0 && p->n_dns == 0 && !p->dns_add_to_peer) {
			p->dns = PROFILE_DNS_AUTO;
			p->dns_add_to_peer = true;
			continue;
		}
		if (p->n_dns == PROFILE_DNS_MAX)
			return whyf(c, "more than %d servers", PROFILE_DNS_MAX);
		if (profile_parse_addr(tok, &p->dns_servers[p->n_dns]) < 0)
			return whyf(c, "'%.60s' is not an IP address", tok);
		p->n_dns++;
	}
	if (p->n_dns == 0)
		return "expected auto, no, or a list of server addresses";
	return NULL;
}

static const char *set_dns_search(struct setting_ctx *c, const char *v)
{
	char buf[INI_LINE_MAX], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", v);
	c->p->n_search = 0;
	for (tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		if (c->p->n_search == PROFILE_SEARCH_MAX)
			return whyf(c, "more than %d domains", PROFILE_SEARCH_MAX);
		if (!profile_domain_valid(tok))
			return whyf(c, "'%.60s' is not a domain name", tok);
		snprintf(c->p->dns_search[c->p->n_search++], PROFILE_DOMAIN_MAX, "%s", tok);
	}
	return c->p->n_search ? NULL : "no domain given";
}

SETTER(set_hook, set_path(c->p->hook, v))
ENUM_SETTER(set_ipv6, ipv6, enum profile_ipv6, profile_ipv6_names)
ENUM_SETTER(set_family, family, enum profile_family, profile_family_names)
static const char *set_ipv6_auto_routes(struct setting_ctx *c, const char *v)
{
	bool on;
	const char *why = set_bool(&on, v);

	if (!why)
		c->p->ipv6_ignore_auto_routes = !on;
	return why;
}
ENUM_SETTER(set_datapath, datapath, enum profile_datapath, profile_datapath_names)
ENUM_SETTER(set_queue, queue, enum profile_queue, profile_queue_names)
SETTER(set_kill_switch, set_bool(&c->p->kill_switch, v))
SETTER(set_reconnect, set_bool(&c->p->reconnect, v))
SETTER(set_retry_auth, set_bool(&c->p->retry_auth_failures, v))
SETTER(set_control_group, profile_parse_control_group(v, c->p))
SETTER(set_save_keys, set_path(c->p->save_keys, v))
SETTER(set_liveness, set_duration(c, &c->p->liveness_s, v, 20, 3600, true))
/* The general level; log-level-SUBSYS keys override it whatever the order. */
static const char *set_log_level(struct setting_ctx *c, const char *v)
{
	int lvl = log_level_parse(v);

	if (lvl < 0)
		return "expected err, warning, notice, info or debug";
	c->log_level_all = lvl;
	return NULL;
}

#define CHOICES(names) names, ARRAY_SIZE(names)
#define FREE           NULL, 0

static const char *const bool_names[] = {"yes", "no"};
static const char *const mppe_names[] = {"no", "yes", "40", "128"};

const struct setting profile_settings[] = {
    {"gateway", "host", set_host, "gateway", FREE},
    {"gateway", "family", set_family, "family", CHOICES(profile_family_names)},
    {"ipsec", "auth", set_auth, NULL, CHOICES(profile_auth_names)},
    {"ipsec", "psk", set_psk, NULL, FREE},
    {"ipsec", "psk-file", set_psk_file, NULL, FREE},
    {"ipsec", "cert", set_cert, NULL, FREE},
    {"ipsec", "key", set_key, NULL, FREE},
    {"ipsec", "ca", set_ca, NULL, FREE},
    {"ipsec", "key-password-file", set_key_password_file, NULL, FREE},
    {"ipsec", "crl", set_crl, NULL, FREE},
    {"ipsec", "local-id", set_local_id, NULL, FREE},
    {"ipsec", "local-id-type", set_local_id_type, NULL, CHOICES(profile_id_type_names)},
    {"ipsec", "remote-id", set_remote_id, NULL, FREE},
    {"ipsec", "remote-id-type", set_remote_id_type, NULL, CHOICES(profile_id_type_names)},
    {"ipsec", "ike", set_ike, "ike", FREE},
    {"ipsec", "esp", set_esp, "esp", FREE},
    {"ipsec", "dh2048", set_dh2048, "dh2048", CHOICES(profile_dh2048_names)},
    {"ipsec", "assume-udp-encapsulation", set_nat, NULL, CHOICES(nat_names)},
    {"ipsec", "ike-lifetime", set_ike_lifetime, NULL, FREE},
    {"ipsec", "ipsec-lifetime", set_ipsec_lifetime, NULL, FREE},
    {"ipsec", "rekey-margin", set_rekey_margin, NULL, FREE},
    {"ipsec", "pfs", set_pfs, NULL, FREE},
    {"ipsec", "force-encaps", set_force_encaps, NULL, CHOICES(bool_names)},
    {"ipsec", "ike-fragmentation", set_ike_frag, "ike-fragmentation",
     CHOICES(profile_ike_frag_names)},
    {"ipsec", "dpd-interval", set_dpd, NULL, FREE},
    {"ipsec", "nat-keepalive", set_nat_keepalive, NULL, FREE},
    {"l2tp", "port", set_port, NULL, CHOICES(profile_port_names)},
    {"l2tp", "secret", set_tunnel_secret, NULL, FREE},
    {"l2tp", "secret-file", set_tunnel_secret_file, NULL, FREE},
    {"l2tp", "hello-interval", set_hello, NULL, FREE},
    {"l2tp", "retries", set_retries, NULL, FREE},
    {"ppp", "user", set_user, "user", FREE},
    {"ppp", "password", set_password, NULL, FREE},
    {"ppp", "password-file", set_password_file, NULL, FREE},
    {"ppp", "password-prompt", set_password_prompt, NULL, CHOICES(profile_prompt_names)},
    {"ppp", "password-type", set_password_type, NULL, CHOICES(profile_pwtype_names)},
    {"ppp", "auth-methods", set_auth_methods, "auth-methods", CHOICES(profile_auth_method_names)},
    {"ppp", "mtu", set_mtu, NULL, FREE},
    {"ppp", "mru", set_mru, NULL, FREE},
    {"ppp", "lcp-echo-interval", set_lcp_interval, NULL, FREE},
    {"ppp", "lcp-echo-failure", set_lcp_failure, NULL, FREE},
    {"ppp", "require-mppe", set_require_mppe, NULL, CHOICES(mppe_names)},
    {"ppp", "mppe-stateful", set_mppe_stateful, NULL, CHOICES(bool_names)},
    {"network", "default-route", set_default_route, NULL, CHOICES(bool_names)},
    {"network", "routes", set_routes, NULL, FREE},
    {"network", "dns", set_dns, NULL, FREE},
    {"network", "dns-search", set_dns_search, NULL, FREE},
    {"network", "hook", set_hook, NULL, FREE},
    {"network", "ipv6", set_ipv6, NULL, CHOICES(profile_ipv6_names)},
    {"network", "ipv6-auto-routes", set_ipv6_auto_routes, NULL, CHOICES(bool_names)},
    {"client", "datapath", set_datapath, "datapath", CHOICES(profile_datapath_names)},
    {"client", "queue", set_queue, "queue", CHOICES(profile_queue_names)},
    {"client", "kill-switch", set_kill_switch, NULL, CHOICES(bool_names)},
    {"client", "reconnect", set_reconnect, NULL, CHOICES(bool_names)},
    {"client", "retry-auth-failures", set_retry_auth, NULL, CHOICES(bool_names)},
    {"client", "liveness", set_liveness, NULL, FREE},
    {"client", "control-group", set_control_group, NULL, FREE},
    {"client", "save-keys", set_save_keys, "save-keys", FREE},
    {"client", "log-level", set_log_level, NULL, FREE},
};
const size_t profile_settings_count = ARRAY_SIZE(profile_settings);

const char *const profile_sections[] = {"gateway", "ipsec", "l2tp", "ppp", "network", "client"};
const size_t profile_sections_count = ARRAY_SIZE(profile_sections);

const struct setting *setting_find(const char *section, const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(profile_settings); i++)
		if (strcmp(profile_settings[i].section, section) == 0 &&
		    strcmp(profile_settings[i].key, key) == 0)
			return &profile_settings[i];
	return NULL;
}

const struct setting *setting_for_option(const char *option)
{
	for (size_t i = 0; i < ARRAY_SIZE(profile_settings); i++)
		if (profile_settings[i].option && strcmp(profile_settings[i].option, option) == 0)
			return &profile_settings[i];
	return NULL;
}

void setting_ctx_init(struct setting_ctx *c, struct profile *p, struct profile_warnings *warn,
                      const char *file, unsigned line, const char *key)
{
	memset(c, 0, sizeof(*c));
	c->p = p;
	c->warn = warn;
	c->file = file;
	c->line = line;
	c->key = key;
	c->secrets_refused_why = "not read from a file";
	c->log_level_all = -1;
}

const char *setting_apply(struct setting_ctx *c, const char *section, const char *key,
                          const char *v)
{
	const struct setting *s = setting_find(section, key);

	if (!s)
		return "no such setting";
	return s->parse(c, v);
}

int setting_apply_option(struct profile *p, const char *option, const char *v, char *err,
                         size_t errlen)
{
	const struct setting *s = setting_for_option(option);
	struct setting_ctx *c = malloc(sizeof(*c));
	const char *why;

	if (!s || !c) {
		snprintf(err, errlen, "--%s: %s", option, c ? "no such setting" : "out of memory");
		free(c);
		return -1;
	}
	setting_ctx_init(c, p, NULL, "command line", 0, option);
	why = s->parse(c, v);
	if (why)
		snprintf(err, errlen, "--%s '%.100s': %s", option, v, why);
	secure_clear(c, sizeof(*c));
	free(c);
	return why ? -1 : 0;
}
