/*
 * NetworkManager-l2tp keyfile -> struct profile. The key names and their
 * meaning are NetworkManager-l2tp's (nm-l2tp-service.c and its properties
 * dialog); the file syntax is GLib's key file, read by config/ini.c.
 */
#include "config/nmconn.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config/ini.h"
#include "lib/util.h"

/* The secrets NetworkManager-l2tp knows; each has a NAME-flags companion. */
enum nm_secret { NM_PASSWORD, NM_IPSEC_PSK, NM_USER_CERTPASS, NM_MACHINE_CERTPASS, NM_SECRETS };

static const char *const nm_secret_names[NM_SECRETS] = {"password", "ipsec-psk", "user-certpass",
                                                        "machine-certpass"};

enum { NM_FLAG_AGENT_OWNED = 1, NM_FLAG_NOT_SAVED = 2, NM_FLAG_NOT_REQUIRED = 4 };

struct nm_ctx {
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

typedef const char *(*nm_setter)(struct nm_ctx *c, const char *v);

struct nm_key {
	const char *key;
	nm_setter set;
};

#define whyf(c, ...) profile_why((c)->why, sizeof((c)->why), __VA_ARGS__)

/* "FILE:LINE: key 'x': " + text, as a warning. */
static void warn_key(struct nm_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn_key(struct nm_ctx *c, const char *fmt, ...)
{
	char text[PROFILE_WARN_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	profile_warn(c->warn, "%s:%u: key '%s': %s", c->r->filename, c->r->line, c->r->key, text);
}

static const char *copy(char *dst, size_t cap, const char *v)
{
	if (strlen(v) >= cap)
		return "value too long";
	memcpy(dst, v, strlen(v) + 1);
	return NULL;
}

static const char *get_bool(const char *v, bool *out)
{
	return profile_parse_bool(v, out) < 0 ? "expected yes or no" : NULL;
}

static const char *get_uint(struct nm_ctx *c, const char *v, unsigned min, unsigned max,
                            unsigned *out)
{
	char *end;
	unsigned long n;

	if (v[0] < '0' || v[0] > '9')
		return "expected a number";
	n = strtoul(v, &end, 10);
	if (*end || n < min || n > max)
		return whyf(c, "must be a number from %u to %u", min, max);
	*out = (unsigned)n;
	return NULL;
}

static const char *get_seconds(struct nm_ctx *c, const char *v, uint32_t min, uint32_t max,
                               bool zero_ok, uint32_t *out)
{
	uint32_t s;

	if (profile_parse_duration(v, UINT32_MAX, &s) < 0)
		return "expected a number of seconds";
	if ((s == 0 && !zero_ok) || (s != 0 && (s < min || s > max)))
		return whyf(c, "must be %s%u to %u seconds", zero_ok ? "0 or " : "", min, max);
	*out = s;
	return NULL;
}

/* ---- [vpn]: general and PPP ------------------------------------------------ */

static const char *nm_service(struct nm_ctx *c, const char *v)
{
	if (strcmp(v, NM_L2TP_SERVICE) != 0)
		return "not a NetworkManager-l2tp connection (expected " NM_L2TP_SERVICE ")";
	c->have_service = true;
	return NULL;
}

static const char *nm_gateway(struct nm_ctx *c, const char *v)
{
	if (!profile_hostname_valid(v))
		return "not a host name or IP address";
	return copy(c->p->gateway, sizeof(c->p->gateway), v);
}

static const char *nm_user_auth_type(struct nm_ctx *c, const char *v)
{
	if (strcmp(v, "password") == 0)
		return NULL;
	if (strcmp(v, "tls") == 0)
		return "EAP-TLS user authentication is not supported (l2tpsec always refuses EAP)";
	return "expected password or tls";
}

static const char *nm_user(struct nm_ctx *c, const char *v)
{
	return copy(c->p->user, sizeof(c->p->user), v);
}

static const char *nm_domain(struct nm_ctx *c, const char *v)
{
	return copy(c->domain, sizeof(c->domain), v);
}

static const char *nm_ephemeral_port(struct nm_ctx *c, const char *v)
{
	bool on;

	if (get_bool(v, &on))
		return "expected yes or no";
	c->p->l2tp_port = on ? PROFILE_L2TP_PORT_EPHEMERAL : PROFILE_L2TP_PORT_1701;
	return NULL;
}

static const char *nm_eap_tls_file(struct nm_ctx *c, const char *v)
{
	warn_key(c, "EAP-TLS is not supported; ignored");
	return NULL;
}

/* refuse-pap / refuse-chap / refuse-mschapv2 */
static const char *nm_refuse(struct nm_ctx *c, const char *v, unsigned method)
{
	bool refuse;

	if (get_bool(v, &refuse))
		return "expected yes or no";
	if (refuse)
		c->p->auth_methods &= ~method;
	else
		c->p->auth_methods |= method;
	return NULL;
}
static const char *nm_refuse_pap(struct nm_ctx *c, const char *v)
{
	return nm_refuse(c, v, PROFILE_PPP_PAP);
}
static const char *nm_refuse_chap(struct nm_ctx *c, const char *v)
{
	return nm_refuse(c, v, PROFILE_PPP_CHAP);
}
static const char *nm_refuse_mschapv2(struct nm_ctx *c, const char *v)
{
	return nm_refuse(c, v, PROFILE_PPP_MSCHAPV2);
}

/* Options whose "yes" is what l2tpsec always does anyway; "no" asks for
 * something it does not have. */
static const char *nm_always_yes(struct nm_ctx *c, const char *v)
{
	bool on;

	if (get_bool(v, &on))
		return "expected yes or no";
	if (!on)
		warn_key(c, "l2tpsec never uses this (EAP, MS-CHAP v1, PPP compression); ignored");
	return NULL;
}

static const char *nm_mppe(struct nm_ctx *c, const char *v, unsigned flag)
{
	bool on;

	if (get_bool(v, &on))
		return "expected yes or no";
	if (on) {
		c->p->mppe |= flag;
		warn_key(c, "MPPE is not supported (IPsec already encrypts the link); ignored");
	}
	return NULL;
}
static const char *nm_require_mppe(struct nm_ctx *c, const char *v)
{
	return nm_mppe(c, v, PROFILE_MPPE_REQUIRE);
}
static const char *nm_require_mppe_40(struct nm_ctx *c, const char *v)
{
	return nm_mppe(c, v, PROFILE_MPPE_REQUIRE | PROFILE_MPPE_40);
}
static const char *nm_require_mppe_128(struct nm_ctx *c, const char *v)
{
	return nm_mppe(c, v, PROFILE_MPPE_REQUIRE | PROFILE_MPPE_128);
}
static const char *nm_mppe_stateful(struct nm_ctx *c, const char *v)
{
	return nm_mppe(c, v, PROFILE_MPPE_STATEFUL);
}

static const char *nm_unsupported(struct nm_ctx *c, const char *v)
{
	warn_key(c, "not supported by l2tpsec; ignored");
	return NULL;
}

static const char *nm_unsupported_if_yes(struct nm_ctx *c, const char *v)
{
	bool on;

	if (get_bool(v, &on))
		return "expected yes or no";
	if (on)
		warn_key(c, "not supported by l2tpsec (IKEv1 only, no IPComp); ignored");
	return NULL;
}

static const char *nm_mtu(struct nm_ctx *c, const char *v)
{
	return get_uint(c, v, 576, 1500, &c->p->mtu);
}
static const char *nm_mru(struct nm_ctx *c, const char *v)
{
	return get_uint(c, v, 576, 1500, &c->p->mru);
}
static const char *nm_lcp_echo_failure(struct nm_ctx *c, const char *v)
{
	return get_uint(c, v, 0, 100, &c->p->lcp_echo_failure);
}
static const char *nm_lcp_echo_interval(struct nm_ctx *c, const char *v)
{
	return get_seconds(c, v, 1, 3600, true, &c->p->lcp_echo_interval_s);
}
static const char *nm_max_retries(struct nm_ctx *c, const char *v)
{
	return get_uint(c, v, 1, 30, &c->p->retries);
}

/* ---- [vpn]: IPsec ---------------------------------------------------------- */

static const char *nm_machine_auth_type(struct nm_ctx *c, const char *v)
{
	if (strcmp(v, "psk") == 0)
		c->p->auth = PROFILE_AUTH_PSK;
	else if (strcmp(v, "tls") == 0)
		c->p->auth = PROFILE_AUTH_CERT;
	else
		return "expected psk or tls";
	return NULL;
}

static const char *nm_path(char *dst, const char *v)
{
	if (v[0] != '/')
		return "must be an absolute path";
	return copy(dst, PROFILE_PATH_MAX, v);
}
static const char *nm_machine_ca(struct nm_ctx *c, const char *v)
{
	return nm_path(c->p->ca, v);
}
static const char *nm_machine_cert(struct nm_ctx *c, const char *v)
{
	return nm_path(c->p->cert, v);
}
static const char *nm_machine_key(struct nm_ctx *c, const char *v)
{
	return nm_path(c->p->key, v);
}

static const char *nm_ipsec_enabled(struct nm_ctx *c, const char *v)
{
	if (get_bool(v, &c->ipsec_enabled))
		return "expected yes or no";
	if (!c->ipsec_enabled)
		return "L2TP without IPsec is not supported by l2tpsec";
	return NULL;
}

static const char *nm_remote_id(struct nm_ctx *c, const char *v)
{
	/* ipsec-gateway-id is the old name; the new one wins if both are there */
	if (strcmp(c->r->key, "ipsec-gateway-id") == 0 && c->have_remote_id) {
		warn_key(c, "ipsec-remote-id is also set and is used instead");
		return NULL;
	}
	c->have_remote_id = true;
	c->p->remote_id.type = PROFILE_ID_AUTO;
	return copy(c->p->remote_id.value, sizeof(c->p->remote_id.value), v);
}

static const char *nm_group_name(struct nm_ctx *c, const char *v)
{
	c->p->local_id.type = PROFILE_ID_AUTO;
	return copy(c->p->local_id.value, sizeof(c->p->local_id.value), v);
}

static const char *nm_proposals(char *dst, const char *v)
{
	if (!profile_proposals_valid(v))
		return "expected strongSwan proposals such as aes256-sha1-modp2048";
	return copy(dst, PROFILE_PROPOSALS_MAX, v);
}
static const char *nm_ike(struct nm_ctx *c, const char *v)
{
	return nm_proposals(c->p->ike_proposals, v);
}
static const char *nm_esp(struct nm_ctx *c, const char *v)
{
	return nm_proposals(c->p->esp_proposals, v);
}
static const char *nm_ike_lifetime(struct nm_ctx *c, const char *v)
{
	return get_seconds(c, v, 300, 86400, false, &c->p->ike_lifetime_s);
}
static const char *nm_sa_lifetime(struct nm_ctx *c, const char *v)
{
	return get_seconds(c, v, 120, 86400, false, &c->p->ipsec_lifetime_s);
}
static const char *nm_forceencaps(struct nm_ctx *c, const char *v)
{
	return get_bool(v, &c->p->force_encaps);
}
static const char *nm_pfs(struct nm_ctx *c, const char *v)
{
	bool on;

	if (get_bool(v, &on))
		return "expected yes or no";
	c->p->pfs = on ? PROFILE_PFS_ON : PROFILE_PFS_OFF;
	return NULL;
}

/* ---- secrets ---------------------------------------------------------------- */

static int secret_index(const char *key, bool *is_flags)
{
	size_t len = strlen(key);

	*is_flags = len > 6 && strcmp(key + len - 6, "-flags") == 0;
	if (*is_flags)
		len -= 6;
	for (int i = 0; i < NM_SECRETS; i++)
		if (strlen(nm_secret_names[i]) == len && strncmp(key, nm_secret_names[i], len) == 0)
			return i;
	return -1;
}

static const char *nm_secret_flags(struct nm_ctx *c, int i, const char *v)
{
	return get_uint(c, v, 0, 7, &c->secret_flags[i]);
}

static const char *nm_secret_value(struct nm_ctx *c, int i, const char *v)
{
	struct profile_secret *s = i == NM_PASSWORD ? &c->p->password : &c->p->psk;
	char msg[256];

	if (!c->opts->secrets_allowed)
		return whyf(c, "a secret may only be read from a private file: %s",
		            c->opts->secrets_refused_why);
	c->secret_stored[i] = true;
	if (i == NM_USER_CERTPASS || i == NM_MACHINE_CERTPASS) {
		if (v[0])
			warn_key(
			    c, "encrypted private keys are not supported; give an unencrypted key");
		return NULL;
	}
	if (v[0] == '\0')
		return NULL; /* NM writes "password=" for an empty one */
	if (secret_from_string(v, strlen(v), &s->value, msg, sizeof(msg)) < 0 ||
	    (i == NM_IPSEC_PSK && secret_decode_psk(&s->value, msg, sizeof(msg)) < 0))
		return whyf(c, "%s", msg);
	s->src = PROFILE_SECRET_INLINE;
	return NULL;
}

static const struct nm_key vpn_keys[] = {
    {"service-type", nm_service},
    {"gateway", nm_gateway},
    {"user-auth-type", nm_user_auth_type},
    {"user", nm_user},
    {"domain", nm_domain},
    {"ephemeral-port", nm_ephemeral_port},
    {"user-ca", nm_eap_tls_file},
    {"user-cert", nm_eap_tls_file},
    {"user-key", nm_eap_tls_file},
    {"refuse-eap", nm_always_yes},
    {"refuse-pap", nm_refuse_pap},
    {"refuse-chap", nm_refuse_chap},
    {"refuse-mschap", nm_always_yes},
    {"refuse-mschapv2", nm_refuse_mschapv2},
    {"require-mppe", nm_require_mppe},
    {"require-mppe-40", nm_require_mppe_40},
    {"require-mppe-128", nm_require_mppe_128},
    {"mppe-stateful", nm_mppe_stateful},
    {"nobsdcomp", nm_always_yes},
    {"nodeflate", nm_always_yes},
    {"no-vj-comp", nm_always_yes},
    {"nopcomp", nm_always_yes},
    {"noaccomp", nm_always_yes},
    {"mrru", nm_unsupported},
    {"mtu", nm_mtu},
    {"mru", nm_mru},
    {"lcp-echo-failure", nm_lcp_echo_failure},
    {"lcp-echo-interval", nm_lcp_echo_interval},
    {"xl2tpd-max-retries", nm_max_retries},
    {"unit", nm_unsupported},
    {"machine-auth-type", nm_machine_auth_type},
    {"machine-ca", nm_machine_ca},
    {"machine-cert", nm_machine_cert},
    {"machine-key", nm_machine_key},
    {"ipsec-enabled", nm_ipsec_enabled},
    {"ipsec-remote-id", nm_remote_id},
    {"ipsec-gateway-id", nm_remote_id},
    {"ipsec-group-name", nm_group_name},
    {"ipsec-ike", nm_ike},
    {"ipsec-esp", nm_esp},
    {"ipsec-ikelifetime", nm_ike_lifetime},
    {"ipsec-salifetime", nm_sa_lifetime},
    {"ipsec-forceencaps", nm_forceencaps},
    {"ipsec-ipcomp", nm_unsupported_if_yes},
    {"ipsec-ikev2", nm_unsupported_if_yes},
    {"ipsec-pfs", nm_pfs},
    {"ipcp-peer-ip", nm_unsupported},
};

/* ---- [ipv4] [ipv6] [connection] --------------------------------------------- */

/* "10.0.0.0/8", "10.0.0.0/8,10.0.0.1" or "10.0.0.0/8,10.0.0.1,100"; a
 * missing prefix means a host route, gateway 0.0.0.0 means none. */
static const char *nm_route(struct nm_ctx *c, const char *v)
{
	char buf[160], *dst, *gw, *metric;
	struct profile_route *rt;
	unsigned m;

	if (c->p->n_routes == PROFILE_ROUTES_MAX)
		return whyf(c, "more than %d routes", PROFILE_ROUTES_MAX);
	if (copy(buf, sizeof(buf) - 4, v))
		return "not a route";
	rt = &c->p->routes[c->p->n_routes];
	memset(rt, 0, sizeof(*rt));
	rt->metric = -1;
	dst = buf;
	gw = strchr(dst, ',');
	if (gw)
		*gw++ = '\0';
	metric = gw ? strchr(gw, ',') : NULL;
	if (metric)
		*metric++ = '\0';
	if (!strchr(dst, '/'))
		strcat(dst, strchr(dst, ':') ? "/128" : "/32");
	if (profile_parse_cidr(dst, &rt->dst, &rt->prefix_len) < 0)
		return "expected ADDRESS/PREFIX[,GATEWAY[,METRIC]] with no host bits set";
	if (gw && *gw && profile_parse_addr(gw, &rt->gateway) < 0)
		return "bad gateway address";
	if (gw && *gw && rt->gateway.family != rt->dst.family)
		return "gateway is not of the route's address family";
	rt->has_gateway = gw && *gw && strcmp(gw, "0.0.0.0") && strcmp(gw, "::");
	if (metric && get_uint(c, metric, 0, 0x7fffffff, &m))
		return "bad metric";
	if (metric)
		rt->metric = (int)m;
	c->p->n_routes++;
	return NULL;
}

/* "a;b;" lists: each item goes through add(); empty items are skipped. */
static const char *nm_list(struct nm_ctx *c, const char *v,
                           const char *(*add)(struct nm_ctx *c, const char *item))
{
	char buf[INI_LINE_MAX], *tok, *save = NULL;
	const char *why;

	snprintf(buf, sizeof(buf), "%s", v);
	for (tok = strtok_r(buf, ";, ", &save); tok; tok = strtok_r(NULL, ";, ", &save))
		if ((why = add(c, tok)))
			return why;
	return NULL;
}

static const char *add_dns(struct nm_ctx *c, const char *item)
{
	if (c->n_dns == PROFILE_DNS_MAX)
		return whyf(c, "more than %d servers", PROFILE_DNS_MAX);
	if (profile_parse_addr(item, &c->dns[c->n_dns]) < 0)
		return whyf(c, "'%.60s' is not an IP address", item);
	c->n_dns++;
	return NULL;
}

static const char *add_search(struct nm_ctx *c, const char *item)
{
	if (c->p->n_search == PROFILE_SEARCH_MAX)
		return whyf(c, "more than %d domains", PROFILE_SEARCH_MAX);
	if (!profile_domain_valid(item))
		return whyf(c, "'%.60s' is not a domain name", item);
	snprintf(c->p->dns_search[c->p->n_search++], PROFILE_DOMAIN_MAX, "%s", item);
	return NULL;
}

/* routes1, routes2 ... (older files) and route1 ... (newer NetworkManager) */
static bool is_route_key(const char *k)
{
	const char *n = strncmp(k, "routes", 6) == 0  ? k + 6
	                : strncmp(k, "route", 5) == 0 ? k + 5
	                                              : NULL;

	if (!n || *n < '1' || *n > '9')
		return false;
	return n[strspn(n, "0123456789")] == '\0';
}

static const char *nm_ipv4_key(struct nm_ctx *c, const char *k, const char *v)
{
	bool b;

	if (strcmp(k, "method") == 0) {
		if (strcmp(v, "disabled") == 0)
			return "IPv4 is what the tunnel carries; it cannot be disabled";
		if (strcmp(v, "auto") != 0)
			warn_key(
			    c, "the address always comes from the gateway (IPCP); '%s' ignored", v);
		return NULL;
	}
	if (strcmp(k, "dns") == 0)
		return nm_list(c, v, add_dns);
	if (strcmp(k, "dns-search") == 0)
		return nm_list(c, v, add_search);
	if (strcmp(k, "never-default") == 0) {
		if (get_bool(v, &b))
			return "expected true or false";
		c->p->default_route = !b;
		return NULL;
	}
	if (strcmp(k, "ignore-auto-dns") == 0)
		return get_bool(v, &c->ignore_auto_dns);
	if (strcmp(k, "ignore-auto-routes") == 0)
		return get_bool(v, &b); /* the gateway never gives us routes anyway */
	if (is_route_key(k))
		return nm_route(c, v);
	warn_key(c, "no l2tpsec equivalent in [ipv4]; ignored");
	return NULL;
}

/* NetworkManager's [ipv6] (nm-settings(5)): the addresses come from the
 * gateway (IPV6CP link-local, then its router advertisements), so only
 * whether to use IPv6 at all, routes and DNS have a meaning here. */
static const char *nm_ipv6_key(struct nm_ctx *c, const char *k, const char *v)
{
	bool b;

	if (strcmp(k, "method") == 0) {
		if (strcmp(v, "ignore") == 0 || strcmp(v, "disabled") == 0)
			c->p->ipv6 = PROFILE_IPV6_OFF;
		else if (strcmp(v, "auto") == 0 || strcmp(v, "dhcp") == 0 ||
		         strcmp(v, "link-local") == 0)
			c->p->ipv6 = PROFILE_IPV6_AUTO;
		else
			warn_key(c, "the IPv6 address always comes from the gateway; '%s' taken as "
			            "auto", v);
		return NULL;
	}
	if (strcmp(k, "dns") == 0)
		return nm_list(c, v, add_dns);
	if (strcmp(k, "dns-search") == 0)
		return nm_list(c, v, add_search);
	if (strcmp(k, "ignore-auto-dns") == 0) {
		if (get_bool(v, &b))
			return "expected true or false";
		if (b != c->ignore_auto_dns)
			warn_key(c, "DNS from the gateway is used or ignored for both families "
			            "([ipv4] ignore-auto-dns); ignored");
		return NULL;
	}
	if (strcmp(k, "ignore-auto-routes") == 0) {
		if (get_bool(v, &b))
			return "expected true or false";
		c->p->ipv6_ignore_auto_routes = b;
		return NULL;
	}
	if (strcmp(k, "never-default") == 0) {
		if (get_bool(v, &b))
			return "expected true or false";
		if (b == c->p->default_route)
			warn_key(c, "the default route is one setting for both families ([ipv4] "
			            "never-default, default-route); ignored");
		return NULL;
	}
	if (is_route_key(k))
		return nm_route(c, v);
	warn_key(c, "no l2tpsec equivalent in [ipv6]; ignored");
	return NULL;
}

static const char *nm_connection_key(struct nm_ctx *c, const char *k, const char *v)
{
	if (strcmp(k, "type") == 0) {
		c->have_type = true;
		if (strcmp(v, "vpn") != 0)
			return "not a VPN connection (expected type=vpn)";
	} else if (strcmp(k, "id") == 0 && c->p->name[0] == '\0') {
		profile_name_from(c->p->name, v);
	}
	return NULL;
}

static const char *nm_vpn_key(struct nm_ctx *c, const char *k, const char *v, bool in_secrets)
{
	bool is_flags;
	int i = secret_index(k, &is_flags);

	if (i >= 0 && is_flags && !in_secrets)
		return nm_secret_flags(c, i, v);
	if (i >= 0 && !is_flags)
		return nm_secret_value(c, i, v);
	if (in_secrets) {
		warn_key(c, "unknown secret; ignored");
		return NULL;
	}
	for (size_t n = 0; n < ARRAY_SIZE(vpn_keys); n++)
		if (strcmp(vpn_keys[n].key, k) == 0)
			return vpn_keys[n].set(c, v);
	warn_key(c, "not a NetworkManager-l2tp option l2tpsec knows; ignored");
	return NULL;
}

static const char *handle_key(struct nm_ctx *c)
{
	const char *s = c->r->section, *k = c->r->key, *v = c->r->value;

	if (strcmp(s, "connection") == 0)
		return nm_connection_key(c, k, v);
	if (strcmp(s, "vpn") == 0)
		return nm_vpn_key(c, k, v, false);
	if (strcmp(s, "vpn-secrets") == 0)
		return nm_vpn_key(c, k, v, true);
	if (strcmp(s, "ipv4") == 0)
		return nm_ipv4_key(c, k, v);
	if (strcmp(s, "ipv6") == 0)
		return nm_ipv6_key(c, k, v);
	return NULL;
}

/* ---- after the last line ----------------------------------------------------- */

static void resolve_secret(struct nm_ctx *c, struct profile_secret *s, enum nm_secret i)
{
	unsigned flags = c->secret_flags[i];

	s->nm_name = nm_secret_names[i];
	s->nm_flags = flags;
	if (s->src == PROFILE_SECRET_INLINE)
		return;
	if (flags & NM_FLAG_NOT_REQUIRED)
		s->src = PROFILE_SECRET_NOT_REQUIRED;
	else if (flags & (NM_FLAG_AGENT_OWNED | NM_FLAG_NOT_SAVED))
		s->src = PROFILE_SECRET_ASK;
	else if (c->secret_stored[i] && i == NM_PASSWORD)
		s->src = PROFILE_SECRET_NOT_REQUIRED; /* stored, and empty */
}

static int finish(struct nm_ctx *c, char *err, size_t errlen)
{
	struct profile *p = c->p;
	const char *f = c->r->filename;

	if (!c->have_type || !c->have_service) {
		snprintf(err, errlen, "%s: missing %s", f,
		         !c->have_type ? "[connection] type=vpn"
		                       : "[vpn] service-type=" NM_L2TP_SERVICE);
		return -1;
	}
	if (!c->ipsec_enabled) {
		snprintf(err, errlen,
		         "%s: [vpn]: ipsec-enabled is not 'yes'; l2tpsec only does L2TP over IPsec",
		         f);
		return -1;
	}
	if (p->gateway[0] == '\0') {
		snprintf(err, errlen, "%s: [vpn]: missing key 'gateway'", f);
		return -1;
	}
	if (c->domain[0] && p->user[0]) {
		char full[PROFILE_USER_MAX * 2 + 2];

		snprintf(full, sizeof(full), "%s\\%s", c->domain, p->user);
		if (copy(p->user, sizeof(p->user), full)) {
			snprintf(err, errlen, "%s: [vpn]: domain\\user is too long", f);
			return -1;
		}
	}
	memcpy(p->dns_servers, c->dns, sizeof(c->dns));
	p->n_dns = c->n_dns;
	p->dns = c->ignore_auto_dns ? (c->n_dns ? PROFILE_DNS_SERVERS : PROFILE_DNS_NO)
	                            : PROFILE_DNS_AUTO;
	p->dns_add_to_peer = !c->ignore_auto_dns && c->n_dns > 0;
	resolve_secret(c, &p->password, NM_PASSWORD);
	if (p->auth == PROFILE_AUTH_PSK)
		resolve_secret(c, &p->psk, NM_IPSEC_PSK);
	if (c->secret_flags[NM_MACHINE_CERTPASS] & (NM_FLAG_AGENT_OWNED | NM_FLAG_NOT_SAVED))
		profile_warn(c->warn,
		             "%s: machine-certpass is asked for by NetworkManager; "
		             "l2tpsec needs an unencrypted machine-key",
		             f);
	return 0;
}

int nmconn_parse(struct profile *p, const void *buf, size_t len, const char *filename,
                 const struct profile_parse_opts *opts, struct profile_warnings *warn, char *err,
                 size_t errlen)
{
	static const struct profile_parse_opts no_secrets = {
	    .secrets_refused_why = "parsed without a file to check",
	};
	struct ini_reader *r = malloc(sizeof(*r));
	struct nm_ctx *c = calloc(1, sizeof(*c));
	enum ini_item item;
	const char *why;
	int rc = -1;

	if (!r || !c) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	ini_init(r, buf, len, filename, INI_KEYFILE);
	*c = (struct nm_ctx){.p = p, .opts = opts ? opts : &no_secrets, .warn = warn, .r = r};
	snprintf(p->source, sizeof(p->source), "%s", r->filename);
	/* pppd, and so NetworkManager-l2tp, allows every method not refused;
	 * we start from our safe default instead, and refuse-pap/refuse-chap
	 * set to "no" allow those (issue #14: a PSK holder posing as the
	 * gateway must not get the password in clear or crackable). */
	p->auth_methods = PROFILE_PPP_DEFAULT;
	while ((item = ini_next(r, err, errlen)) > INI_END) {
		if (item == INI_KEY && (why = handle_key(c))) {
			ini_key_errorf(r, err, errlen, "%s", why);
			goto out;
		}
	}
	if (item == INI_ERROR)
		goto out;
	rc = finish(c, err, errlen);
out:
	if (r) {
		ini_finish(r);
		free(r);
	}
	if (c) {
		secure_clear(c, sizeof(*c));
		free(c);
	}
	return rc;
}
