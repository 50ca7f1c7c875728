/*
 * l2tpsec's own profile format (l2tpsec.conf(5)): a parser that refuses
 * anything it does not know, and the writer `l2tpsec import` uses.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/ini.h"
#include "config/profile.h"
#include "config/profile_names.h"
#include "lib/hex.h"
#include "lib/util.h"

struct ini_ctx {
	struct profile *p;
	const struct profile_parse_opts *opts;
	struct profile_warnings *warn;
	struct ini_reader *r;
	unsigned *key_lines; /* line of each table key, 0 = not seen */
	int log_level_all;   /* -1 = not given */
	char why[512];
};

/* Each setter returns NULL, or the reason the value is refused. */
typedef const char *(*key_setter)(struct ini_ctx *c, const char *v);

struct key_def {
	const char *section;
	const char *key;
	key_setter set;
};

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

static const char *set_duration(struct ini_ctx *c, uint32_t *dst, const char *v, uint32_t min,
                                uint32_t max, bool zero_ok)
{
	uint32_t d;

	if (profile_parse_duration(v, UINT32_MAX, &d) < 0)
		return "expected a duration such as 30s, 5m, 8h or 1d";
	if ((d == 0 && !zero_ok) || (d != 0 && (d < min || d > max)))
		return whyf(c, "must be %s%us to %us", zero_ok ? "0 (off) or " : "", min, max);
	*dst = d;
	return NULL;
}

static const char *set_uint(struct ini_ctx *c, unsigned *dst, const char *v, unsigned min,
                            unsigned max)
{
	char *end;
	unsigned long n;

	if (v[0] < '0' || v[0] > '9')
		return "expected a number";
	n = strtoul(v, &end, 10);
	if (*end || n < min || n > max)
		return whyf(c, "must be a number from %u to %u", min, max);
	*dst = (unsigned)n;
	return NULL;
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
static int pick(struct ini_ctx *c, const char *const *names, size_t n, const char *v)
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
	static const char *fn(struct ini_ctx *c, const char *v)                                    \
	{                                                                                          \
		int i = pick(c, names, ARRAY_SIZE(names), v);                                      \
		if (i < 0)                                                                         \
			return c->why;                                                             \
		c->p->field = (type)i;                                                             \
		return NULL;                                                                       \
	}

static unsigned line_of(const struct ini_ctx *c, const char *key);

static const char *set_inline_secret(struct ini_ctx *c, struct profile_secret *s, const char *v,
                                     const char *file_key, bool is_psk)
{
	char msg[256];

	if (line_of(c, file_key))
		return whyf(c, "conflicts with '%s' on line %u", file_key, line_of(c, file_key));
	if (!c->opts->secrets_allowed)
		return whyf(c, "a secret may only be written here when the file is private: %s",
		            c->opts->secrets_refused_why);
	if (secret_from_string(v, strlen(v), &s->value, msg, sizeof(msg)) < 0 ||
	    (is_psk && secret_decode_psk(&s->value, msg, sizeof(msg)) < 0))
		return whyf(c, "%s", msg);
	s->src = PROFILE_SECRET_INLINE;
	return NULL;
}

static const char *set_secret_file(struct ini_ctx *c, struct profile_secret *s, const char *v,
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
	static const char *fn(struct ini_ctx *c, const char *v)                                    \
	{                                                                                          \
		return expr;                                                                       \
	}

/* ---- [gateway] [ipsec] ----------------------------------------------------- */

static const char *set_host(struct ini_ctx *c, const char *v)
{
	if (!profile_hostname_valid(v))
		return "not a host name or IP address";
	return set_string(c->p->gateway, sizeof(c->p->gateway), v);
}

const char *const profile_auth_names[] = {[PROFILE_AUTH_PSK] = "psk", [PROFILE_AUTH_CERT] = "cert"};
const char *const profile_id_type_names[] = {"auto", "ipv4", "fqdn", "user_fqdn", "dn"};
const char *const profile_dh2048_names[] = {"off", "offer", "require"};
static const char *const nat_names[] = {"0", "1", "2"};
const char *const profile_port_names[] = {"auto", "1701", "ephemeral"};
const char *const profile_datapath_names[] = {"auto", "kernel", "userspace"};

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
static const char *set_proposals(char *dst, const char *v)
{
	if (!profile_proposals_valid(v))
		return "expected strongSwan proposals such as "
		       "aes256-sha1-modp2048,3des-sha1-modp1024";
	return set_string(dst, PROFILE_PROPOSALS_MAX, v);
}
SETTER(set_ike, set_proposals(c->p->ike_proposals, v))
SETTER(set_esp, set_proposals(c->p->esp_proposals, v))
ENUM_SETTER(set_dh2048, dh2048, enum profile_dh2048, profile_dh2048_names)
ENUM_SETTER(set_nat, assume_udp_encaps, int, nat_names)
/* Below the usual minimums (IKE 5m, ESP 2m): down to 10 s, for tests. */
static const char *set_lifetime(struct ini_ctx *c, uint32_t *dst, const char *v, uint32_t usual)
{
	const char *why = set_duration(c, dst, v, 10, 86400, false);

	if (!why && *dst < usual)
		profile_warn(c->warn, "%s:%u: %s below %us rekeys every few seconds: for testing only",
		             c->r->filename, c->r->line, c->r->key, usual);
	return why;
}
SETTER(set_ike_lifetime, set_lifetime(c, &c->p->ike_lifetime_s, v, 300))
SETTER(set_ipsec_lifetime, set_lifetime(c, &c->p->ipsec_lifetime_s, v, 120))
SETTER(set_rekey_margin, set_duration(c, &c->p->rekey_margin_s, v, 1, 3600, true))
static const char *set_pfs(struct ini_ctx *c, const char *v)
{
	bool on;

	if (profile_parse_bool(v, &on) == 0) {
		c->p->pfs = on ? PROFILE_PFS_ON : PROFILE_PFS_OFF;
		return NULL;
	}
	if (!profile_pfs_group_valid(v))
		return "expected off, on or a group such as modp2048";
	c->p->pfs = PROFILE_PFS_GROUP;
	return set_string(c->p->pfs_group, sizeof(c->p->pfs_group), v);
}
SETTER(set_force_encaps, set_bool(&c->p->force_encaps, v))
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

static void warn_mppe(struct ini_ctx *c)
{
	profile_warn(c->warn,
	             "%s:%u: MPPE is not supported (IPsec already encrypts the link); "
	             "'%s' is ignored",
	             c->r->filename, c->r->line, c->r->key);
}

static const char *set_require_mppe(struct ini_ctx *c, const char *v)
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
static const char *set_mppe_stateful(struct ini_ctx *c, const char *v)
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

static const char *set_routes(struct ini_ctx *c, const char *v)
{
	char buf[INI_LINE_MAX], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", v);
	c->p->n_routes = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (c->p->n_routes == PROFILE_ROUTES_MAX)
			return whyf(c, "more than %d routes", PROFILE_ROUTES_MAX);
		if (profile_parse_route(tok, &c->p->routes[c->p->n_routes]) < 0)
			return whyf(c, "'%.60s' is not a route (10.0.0.0/8 [via ADDR] [metric N])",
			            tok);
		c->p->n_routes++;
	}
	return c->p->n_routes ? NULL : "no route given";
}

static const char *set_dns(struct ini_ctx *c, const char *v)
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

static const char *set_dns_search(struct ini_ctx *c, const char *v)
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
static const char *set_ipv6_auto_routes(struct ini_ctx *c, const char *v)
{
	bool on;

	if (profile_parse_bool(v, &on) < 0)
		return "expected yes or no";
	c->p->ipv6_ignore_auto_routes = !on;
	return NULL;
}
ENUM_SETTER(set_datapath, datapath, enum profile_datapath, profile_datapath_names)
SETTER(set_kill_switch, set_bool(&c->p->kill_switch, v))
SETTER(set_reconnect, set_bool(&c->p->reconnect, v))
SETTER(set_retry_auth, set_bool(&c->p->retry_auth_failures, v))
SETTER(set_control_group, profile_parse_control_group(v, c->p))
SETTER(set_save_keys, set_path(c->p->save_keys, v))
SETTER(set_liveness, set_duration(c, &c->p->liveness_s, v, 20, 3600, true))
/* The general level; log-level-SUBSYS keys override it whatever the order. */
static const char *set_log_level(struct ini_ctx *c, const char *v)
{
	int lvl = log_level_parse(v);

	if (lvl < 0)
		return "expected err, warning, notice, info or debug";
	c->log_level_all = lvl;
	return NULL;
}

static const struct key_def keys[] = {
    {"gateway", "host", set_host},
    {"ipsec", "auth", set_auth},
    {"ipsec", "psk", set_psk},
    {"ipsec", "psk-file", set_psk_file},
    {"ipsec", "cert", set_cert},
    {"ipsec", "key", set_key},
    {"ipsec", "ca", set_ca},
    {"ipsec", "key-password-file", set_key_password_file},
    {"ipsec", "crl", set_crl},
    {"ipsec", "local-id", set_local_id},
    {"ipsec", "local-id-type", set_local_id_type},
    {"ipsec", "remote-id", set_remote_id},
    {"ipsec", "remote-id-type", set_remote_id_type},
    {"ipsec", "ike", set_ike},
    {"ipsec", "esp", set_esp},
    {"ipsec", "dh2048", set_dh2048},
    {"ipsec", "assume-udp-encapsulation", set_nat},
    {"ipsec", "ike-lifetime", set_ike_lifetime},
    {"ipsec", "ipsec-lifetime", set_ipsec_lifetime},
    {"ipsec", "rekey-margin", set_rekey_margin},
    {"ipsec", "pfs", set_pfs},
    {"ipsec", "force-encaps", set_force_encaps},
    {"ipsec", "dpd-interval", set_dpd},
    {"ipsec", "nat-keepalive", set_nat_keepalive},
    {"l2tp", "port", set_port},
    {"l2tp", "secret", set_tunnel_secret},
    {"l2tp", "secret-file", set_tunnel_secret_file},
    {"l2tp", "hello-interval", set_hello},
    {"l2tp", "retries", set_retries},
    {"ppp", "user", set_user},
    {"ppp", "password", set_password},
    {"ppp", "password-file", set_password_file},
    {"ppp", "password-prompt", set_password_prompt},
    {"ppp", "password-type", set_password_type},
    {"ppp", "auth-methods", set_auth_methods},
    {"ppp", "mtu", set_mtu},
    {"ppp", "mru", set_mru},
    {"ppp", "lcp-echo-interval", set_lcp_interval},
    {"ppp", "lcp-echo-failure", set_lcp_failure},
    {"ppp", "require-mppe", set_require_mppe},
    {"ppp", "mppe-stateful", set_mppe_stateful},
    {"network", "default-route", set_default_route},
    {"network", "routes", set_routes},
    {"network", "dns", set_dns},
    {"network", "dns-search", set_dns_search},
    {"network", "hook", set_hook},
    {"network", "ipv6", set_ipv6},
    {"network", "ipv6-auto-routes", set_ipv6_auto_routes},
    {"client", "datapath", set_datapath},
    {"client", "kill-switch", set_kill_switch},
    {"client", "reconnect", set_reconnect},
    {"client", "retry-auth-failures", set_retry_auth},
    {"client", "liveness", set_liveness},
    {"client", "control-group", set_control_group},
    {"client", "save-keys", set_save_keys},
    {"client", "log-level", set_log_level},
};

static const char *const sections[] = {"gateway", "ipsec", "l2tp", "ppp", "network", "client"};

#define N_KEYS ARRAY_SIZE(keys)
/* log-level-SUBSYS keys are tracked after the table ones */
#define N_LINES (N_KEYS + LOG_SUBSYS_COUNT)

static unsigned line_of(const struct ini_ctx *c, const char *key)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (strcmp(keys[i].key, key) == 0 && strcmp(keys[i].section, c->r->section) == 0)
			return c->key_lines[i];
	return 0;
}

/* "log-level-ike = debug": the level of one subsystem. Returns the slot in
 * key_lines, or -1 when the key is not one of these. */
static int subsys_level_key(const char *key)
{
	static const char prefix[] = "log-level-";
	int sub;

	if (strncmp(key, prefix, sizeof(prefix) - 1) != 0)
		return -1;
	sub = log_subsys_parse(key + sizeof(prefix) - 1);
	return sub < 0 ? -1 : (int)N_KEYS + sub;
}

static const char *set_subsys_level(struct ini_ctx *c, int sub, const char *v)
{
	int lvl = log_level_parse(v);

	if (lvl < 0)
		return "expected err, warning, notice, info or debug";
	c->p->log_level[sub] = (enum log_level)lvl;
	c->p->log_level_set[sub] = true;
	return NULL;
}

static int handle_key(struct ini_ctx *c, char *err, size_t errlen)
{
	struct ini_reader *r = c->r;
	const char *why;
	int slot = -1;

	for (size_t i = 0; i < N_KEYS && slot < 0; i++)
		if (strcmp(keys[i].section, r->section) == 0 && strcmp(keys[i].key, r->key) == 0)
			slot = (int)i;
	if (slot < 0 && strcmp(r->section, "client") == 0)
		slot = subsys_level_key(r->key);
	if (slot < 0) {
		ini_key_errorf(r, err, errlen, "unknown key in [%s]", r->section);
		return -1;
	}
	if (c->key_lines[slot]) {
		ini_key_errorf(r, err, errlen, "duplicate key (first set on line %u)",
		               c->key_lines[slot]);
		return -1;
	}
	if (r->value_len == 0) {
		ini_key_errorf(r, err, errlen, "empty value");
		return -1;
	}
	if ((size_t)slot < N_KEYS)
		why = keys[slot].set(c, r->value);
	else
		why = set_subsys_level(c, slot - (int)N_KEYS, r->value);
	if (why) {
		ini_key_errorf(r, err, errlen, "%s", why);
		return -1;
	}
	c->key_lines[slot] = r->line;
	return 0;
}

static int handle_section(struct ini_ctx *c, unsigned *section_lines, char *err, size_t errlen)
{
	int i = lookup(sections, ARRAY_SIZE(sections), c->r->section);

	if (i < 0) {
		ini_errorf(c->r, err, errlen, "unknown section [%s]", c->r->section);
		return -1;
	}
	if (section_lines[i]) {
		ini_errorf(c->r, err, errlen, "duplicate section [%s] (first on line %u)",
		           c->r->section, section_lines[i]);
		return -1;
	}
	section_lines[i] = c->r->line;
	return 0;
}

/* An ID with an explicit type must look like that type. */
static int check_id(struct ini_ctx *c, const struct profile_id *id, const char *key, char *err,
                    size_t errlen)
{
	struct in_addr a;
	const char *why = NULL;

	if (id->value[0] == '\0' && id->type != PROFILE_ID_AUTO)
		why = "has a type but no value";
	else if (id->type == PROFILE_ID_IPV4 && inet_pton(AF_INET, id->value, &a) != 1)
		why = "is not an IPv4 address";
	else if (id->type == PROFILE_ID_USER_FQDN && !strchr(id->value, '@'))
		why = "is not user@domain";
	else if (id->type == PROFILE_ID_DN && !strchr(id->value, '='))
		why = "is not a distinguished name (C=..,O=..,CN=..)";
	if (!why)
		return 0;
	snprintf(err, errlen, "%s: [ipsec]: key '%s' %s (%s-type = %s)", c->r->filename, key, why,
	         key, profile_id_type_name(id->type));
	return -1;
}

static void name_from_path(struct profile *p, const char *filename)
{
	const char *base = strrchr(filename, '/');
	char tmp[PROFILE_NAME_MAX];
	size_t len;

	base = base ? base + 1 : filename;
	len = strlen(base);
	if (len > 5 && strcmp(base + len - 5, ".conf") == 0)
		len -= 5;
	if (len >= sizeof(tmp))
		len = sizeof(tmp) - 1;
	memcpy(tmp, base, len);
	tmp[len] = '\0';
	profile_name_from(p->name, tmp);
}

int profile_parse_ini(struct profile *p, const void *buf, size_t len, const char *filename,
                      const struct profile_parse_opts *opts, struct profile_warnings *warn,
                      char *err, size_t errlen)
{
	static const struct profile_parse_opts no_secrets = {
	    .secrets_refused_why = "parsed without a file to check",
	};
	unsigned key_lines[N_LINES] = {0}, section_lines[ARRAY_SIZE(sections)] = {0};
	struct ini_reader *r = malloc(sizeof(*r));
	struct ini_ctx c = {.p = p,
	                    .opts = opts ? opts : &no_secrets,
	                    .warn = warn,
	                    .r = r,
	                    .key_lines = key_lines,
	                    .log_level_all = -1};
	enum ini_item item;
	int rc = -1;

	if (!r) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ini_init(r, buf, len, filename, INI_L2TPSEC);
	snprintf(p->source, sizeof(p->source), "%s", r->filename);
	if (p->name[0] == '\0')
		name_from_path(p, r->filename);
	while ((item = ini_next(r, err, errlen)) > INI_END) {
		if (item == INI_SECTION && handle_section(&c, section_lines, err, errlen) < 0)
			goto out;
		if (item == INI_KEY && handle_key(&c, err, errlen) < 0)
			goto out;
	}
	if (item == INI_ERROR)
		goto out;
	for (int i = 0; i < LOG_SUBSYS_COUNT && c.log_level_all >= 0; i++) {
		if (!p->log_level_set[i])
			p->log_level[i] = (enum log_level)c.log_level_all;
		p->log_level_set[i] = true;
	}
	if (check_id(&c, &p->local_id, "local-id", err, errlen) < 0 ||
	    check_id(&c, &p->remote_id, "remote-id", err, errlen) < 0)
		goto out;
	rc = 0;
out:
	secure_clear(c.why, sizeof(c.why));
	ini_finish(r);
	free(r);
	return rc;
}
