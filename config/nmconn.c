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

#include "config/nmconn_int.h"
#include "lib/util.h"

typedef const char *(*nm_setter)(struct nm_ctx *c, const char *v);

/* A key with its own setter, or one written like our section/ours and so
 * parsed by the settings table (config/settings.c). */
struct nm_key {
	const char *key;
	nm_setter set;
	const char *section, *ours;
};

static const char *const nm_secret_names[NM_SECRETS] = {"password", "ipsec-psk", "user-certpass",
                                                        "machine-certpass"};

static const char *get_seconds(struct nm_ctx *c, const char *v, uint32_t min, uint32_t max,
                               bool zero_ok, uint32_t *out)
{
	return setting_duration(c->why, sizeof(c->why), v, min, max, zero_ok, out);
}

/* ---- [vpn]: general and PPP ------------------------------------------------ */

static const char *nm_service(struct nm_ctx *c, const char *v)
{
	if (strcmp(v, NM_L2TP_SERVICE) != 0)
		return "not a NetworkManager-l2tp connection (expected " NM_L2TP_SERVICE ")";
	c->have_service = true;
	return NULL;
}

static const char *nm_user_auth_type(struct nm_ctx *c, const char *v)
{
	if (strcmp(v, "password") == 0)
		return NULL;
	if (strcmp(v, "tls") == 0)
		return "EAP-TLS user authentication is not supported (l2tpsec always refuses EAP)";
	return "expected password or tls";
}

static const char *nm_domain(struct nm_ctx *c, const char *v)
{
	return nm_copy(c->domain, sizeof(c->domain), v);
}

static const char *nm_ephemeral_port(struct nm_ctx *c, const char *v)
{
	bool on;

	if (nm_get_bool(v, &on))
		return "expected yes or no";
	c->p->l2tp_port = on ? PROFILE_L2TP_PORT_EPHEMERAL : PROFILE_L2TP_PORT_1701;
	return NULL;
}

static const char *nm_eap_tls_file(struct nm_ctx *c, const char *v)
{
	nm_warn_key(c, "EAP-TLS is not supported; ignored");
	return NULL;
}

/* refuse-pap / refuse-chap / refuse-mschapv2 */
static const char *nm_refuse(struct nm_ctx *c, const char *v, unsigned method)
{
	bool refuse;

	if (nm_get_bool(v, &refuse))
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

	if (nm_get_bool(v, &on))
		return "expected yes or no";
	if (!on)
		nm_warn_key(c,
		            "l2tpsec never uses this (EAP, MS-CHAP v1, PPP compression); ignored");
	return NULL;
}

static const char *nm_mppe(struct nm_ctx *c, const char *v, unsigned flag)
{
	bool on;

	if (nm_get_bool(v, &on))
		return "expected yes or no";
	if (on) {
		c->p->mppe |= flag;
		nm_warn_key(c, "MPPE is not supported (IPsec already encrypts the link); ignored");
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
	nm_warn_key(c, "not supported by l2tpsec; ignored");
	return NULL;
}

static const char *nm_unsupported_if_yes(struct nm_ctx *c, const char *v)
{
	bool on;

	if (nm_get_bool(v, &on))
		return "expected yes or no";
	if (on)
		nm_warn_key(c, "not supported by l2tpsec (IKEv1 only, no IPComp); ignored");
	return NULL;
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

static const char *nm_ipsec_enabled(struct nm_ctx *c, const char *v)
{
	if (nm_get_bool(v, &c->ipsec_enabled))
		return "expected yes or no";
	if (!c->ipsec_enabled)
		return "L2TP without IPsec is not supported by l2tpsec";
	return NULL;
}

static const char *nm_remote_id(struct nm_ctx *c, const char *v)
{
	/* ipsec-gateway-id is the old name; the new one wins if both are there */
	if (strcmp(c->r->key, "ipsec-gateway-id") == 0 && c->have_remote_id) {
		nm_warn_key(c, "ipsec-remote-id is also set and is used instead");
		return NULL;
	}
	c->have_remote_id = true;
	c->p->remote_id.type = PROFILE_ID_AUTO;
	return nm_copy(c->p->remote_id.value, sizeof(c->p->remote_id.value), v);
}

static const char *nm_group_name(struct nm_ctx *c, const char *v)
{
	c->p->local_id.type = PROFILE_ID_AUTO;
	return nm_copy(c->p->local_id.value, sizeof(c->p->local_id.value), v);
}

static const char *nm_ike_lifetime(struct nm_ctx *c, const char *v)
{
	return get_seconds(c, v, 300, 86400, false, &c->p->ike_lifetime_s);
}
static const char *nm_sa_lifetime(struct nm_ctx *c, const char *v)
{
	return get_seconds(c, v, 120, 86400, false, &c->p->ipsec_lifetime_s);
}
static const char *nm_pfs(struct nm_ctx *c, const char *v)
{
	bool on;

	if (nm_get_bool(v, &on))
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
	return nm_get_uint(c, v, 0, 7, &c->secret_flags[i]);
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
			nm_warn_key(
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
    {"service-type", nm_service, NULL, NULL},
    {"gateway", NULL, "gateway", "host"},
    {"user-auth-type", nm_user_auth_type, NULL, NULL},
    {"user", NULL, "ppp", "user"},
    {"domain", nm_domain, NULL, NULL},
    {"ephemeral-port", nm_ephemeral_port, NULL, NULL},
    {"user-ca", nm_eap_tls_file, NULL, NULL},
    {"user-cert", nm_eap_tls_file, NULL, NULL},
    {"user-key", nm_eap_tls_file, NULL, NULL},
    {"refuse-eap", nm_always_yes, NULL, NULL},
    {"refuse-pap", nm_refuse_pap, NULL, NULL},
    {"refuse-chap", nm_refuse_chap, NULL, NULL},
    {"refuse-mschap", nm_always_yes, NULL, NULL},
    {"refuse-mschapv2", nm_refuse_mschapv2, NULL, NULL},
    {"require-mppe", nm_require_mppe, NULL, NULL},
    {"require-mppe-40", nm_require_mppe_40, NULL, NULL},
    {"require-mppe-128", nm_require_mppe_128, NULL, NULL},
    {"mppe-stateful", nm_mppe_stateful, NULL, NULL},
    {"nobsdcomp", nm_always_yes, NULL, NULL},
    {"nodeflate", nm_always_yes, NULL, NULL},
    {"no-vj-comp", nm_always_yes, NULL, NULL},
    {"nopcomp", nm_always_yes, NULL, NULL},
    {"noaccomp", nm_always_yes, NULL, NULL},
    {"mrru", nm_unsupported, NULL, NULL},
    {"mtu", NULL, "ppp", "mtu"},
    {"mru", NULL, "ppp", "mru"},
    {"lcp-echo-failure", NULL, "ppp", "lcp-echo-failure"},
    {"lcp-echo-interval", NULL, "ppp", "lcp-echo-interval"},
    {"xl2tpd-max-retries", NULL, "l2tp", "retries"},
    {"unit", nm_unsupported, NULL, NULL},
    {"machine-auth-type", nm_machine_auth_type, NULL, NULL},
    {"machine-ca", NULL, "ipsec", "ca"},
    {"machine-cert", NULL, "ipsec", "cert"},
    {"machine-key", NULL, "ipsec", "key"},
    {"ipsec-enabled", nm_ipsec_enabled, NULL, NULL},
    {"ipsec-remote-id", nm_remote_id, NULL, NULL},
    {"ipsec-gateway-id", nm_remote_id, NULL, NULL},
    {"ipsec-group-name", nm_group_name, NULL, NULL},
    {"ipsec-ike", NULL, "ipsec", "ike"},
    {"ipsec-esp", NULL, "ipsec", "esp"},
    {"ipsec-ikelifetime", nm_ike_lifetime, NULL, NULL},
    {"ipsec-salifetime", nm_sa_lifetime, NULL, NULL},
    {"ipsec-forceencaps", NULL, "ipsec", "force-encaps"},
    {"ipsec-ipcomp", nm_unsupported_if_yes, NULL, NULL},
    {"ipsec-ikev2", nm_unsupported_if_yes, NULL, NULL},
    {"ipsec-pfs", nm_pfs, NULL, NULL},
    {"ipcp-peer-ip", nm_unsupported, NULL, NULL},
};

/* ---- [connection] --------------------------------------------- */
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
		nm_warn_key(c, "unknown secret; ignored");
		return NULL;
	}
	for (size_t n = 0; n < ARRAY_SIZE(vpn_keys); n++) {
		const struct nm_key *e = &vpn_keys[n];

		if (strcmp(e->key, k) != 0)
			continue;
		if (e->set)
			return e->set(c, v);
		c->set.line = c->r->line;
		c->set.key = k;
		return setting_apply(&c->set, e->section, e->ours, v);
	}
	nm_warn_key(c, "not a NetworkManager-l2tp option l2tpsec knows; ignored");
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
		if (nm_copy(p->user, sizeof(p->user), full)) {
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
	setting_ctx_init(&c->set, p, warn, r->filename, 0, "");
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
