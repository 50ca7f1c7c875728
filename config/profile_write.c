/* Writing a profile in l2tpsec's own format (l2tpsec.conf(5)); the reader
 * is config/profile_ini.c, and profile_parse_ini(profile_write_ini(p)) == p. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/ini.h"
#include "config/profile.h"
#include "config/profile_names.h"
#include "lib/hex.h"
#include "lib/util.h"

/* ---- writer -------------------------------------------------------------------- */

static bool needs_quotes(const uint8_t *s, size_t len)
{
	if (len == 0 || s[0] == ' ' || s[0] == '\t' || s[0] == '"' || s[len - 1] == ' ' ||
	    s[len - 1] == '\t')
		return true;
	for (size_t i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] == 0x7f)
			return true;
	return false;
}

/* Appends to a line being built; false when it would not fit. */
static bool line_add(char *line, size_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool line_add(char *line, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (*n >= INI_LINE_MAX)
		return false;
	va_start(ap, fmt);
	w = vsnprintf(line + *n, INI_LINE_MAX - *n, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= INI_LINE_MAX - *n) {
		*n = INI_LINE_MAX;
		return false;
	}
	*n += (size_t)w;
	return true;
}

/* "key = value" as the parser reads it back: the value literal, or quoted
 * with escapes. Fails on a NUL (values are C strings) and on a line longer
 * than the parser takes. The line may hold a secret: cleared after use. */
static int put_kv_bytes(FILE *out, const char *key, const uint8_t *s, size_t len)
{
	char line[INI_LINE_MAX];
	bool quote = needs_quotes(s, len), ok;
	size_t n = 0;
	int rc = -1;

	ok = !memchr(s, 0, len) && line_add(line, &n, "%s = %s", key, quote ? "\"" : "");
	for (size_t i = 0; i < len && ok; i++) {
		if (!quote)
			ok = line_add(line, &n, "%c", s[i]);
		else if (s[i] == '"' || s[i] == '\\')
			ok = line_add(line, &n, "\\%c", s[i]);
		else if (s[i] == '\n')
			ok = line_add(line, &n, "\\n");
		else if (s[i] == '\t')
			ok = line_add(line, &n, "\\t");
		else if (s[i] < 0x20 || s[i] == 0x7f)
			ok = line_add(line, &n, "\\x%02x", s[i]);
		else
			ok = line_add(line, &n, "%c", s[i]);
	}
	if (ok && quote)
		ok = line_add(line, &n, "\"");
	/* the parser's limit excludes the line end */
	if (ok && n < INI_LINE_MAX)
		rc = fprintf(out, "%s\n", line) < 0 ? -1 : 0;
	secure_clear(line, sizeof(line));
	return rc;
}

static int put_kv(FILE *out, const char *key, const char *value)
{
	return put_kv_bytes(out, key, (const uint8_t *)value, strlen(value));
}

static int put_kv_if(FILE *out, const char *key, const char *value)
{
	return value[0] ? put_kv(out, key, value) : 0;
}

/* A PSK that is printable text goes as it is; anything else, and text that
 * would read as an encoding ("0s...", "0x..."), as 0x + hex. */
static int put_psk(FILE *out, const char *key, const struct secret *s)
{
	bool text = !(s->len >= 2 && s->data[0] == '0' && (s->data[1] == 's' || s->data[1] == 'x'));
	size_t hexlen = 2 * s->len + 3;
	char *hex;
	int rc;

	for (size_t i = 0; i < s->len && text; i++)
		text = s->data[i] >= 0x20 && s->data[i] < 0x7f;
	if (text)
		return put_kv_bytes(out, key, s->data, s->len);
	hex = malloc(hexlen);
	if (!hex)
		return -1;
	memcpy(hex, "0x", 2);
	hex_encode(hex + 2, hexlen - 2, s->data, s->len);
	rc = put_kv(out, key, hex);
	secure_clear(hex, hexlen);
	free(hex);
	return rc;
}

static int put_secret(FILE *out, const char *key, const struct profile_secret *s, bool is_psk)
{
	char file_key[32];

	snprintf(file_key, sizeof(file_key), "%s-file", key);
	if (s->src == PROFILE_SECRET_FILE)
		return put_kv(out, file_key, s->file);
	if (s->src != PROFILE_SECRET_INLINE || !secret_is_set(&s->value))
		return 0;
	if (is_psk)
		return put_psk(out, key, &s->value);
	return put_kv_bytes(out, key, s->value.data, s->value.len);
}

static int put_id(FILE *out, const char *key, const struct profile_id *id)
{
	char type_key[32];

	if (!id->value[0])
		return 0;
	snprintf(type_key, sizeof(type_key), "%s-type", key);
	return put_kv(out, key, id->value) | put_kv(out, type_key, profile_id_type_names[id->type]);
}

static int write_ipsec(const struct profile *p, FILE *out)
{
	int rc = 0;

	fprintf(out, "\n[ipsec]\nauth = %s\n", profile_auth_names[p->auth]);
	if (p->auth == PROFILE_AUTH_PSK)
		rc |= put_secret(out, "psk", &p->psk, true);
	rc |= put_kv_if(out, "cert", p->cert) | put_kv_if(out, "key", p->key) |
	      put_kv_if(out, "ca", p->ca) |
	      put_kv_if(out, "key-password-file", p->key_password_file) |
	      put_kv_if(out, "crl", p->crl);
	rc |= put_id(out, "local-id", &p->local_id) | put_id(out, "remote-id", &p->remote_id);
	rc |= put_kv_if(out, "ike", p->ike_proposals) | put_kv_if(out, "esp", p->esp_proposals);
	fprintf(out, "dh2048 = %s\n", profile_dh2048_names[p->dh2048]);
	fprintf(out, "assume-udp-encapsulation = %d\n", p->assume_udp_encaps);
	fprintf(out, "ike-lifetime = %us\nipsec-lifetime = %us\n", p->ike_lifetime_s,
	        p->ipsec_lifetime_s);
	if (p->rekey_margin_s)
		fprintf(out, "rekey-margin = %us\n", p->rekey_margin_s);
	fprintf(out, "pfs = %s\n",
	        p->pfs == PROFILE_PFS_GROUP ? p->pfs_group
	        : p->pfs == PROFILE_PFS_ON  ? "on"
	                                    : "off");
	fprintf(out, "force-encaps = %s\n", p->force_encaps ? "yes" : "no");
	if (p->ike_fragmentation != PROFILE_IKE_FRAG_AUTO)
		fprintf(out, "ike-fragmentation = %s\n", profile_ike_frag_names[p->ike_fragmentation]);
	fprintf(out, "dpd-interval = %us\n", p->dpd_interval_s);
	fprintf(out, "nat-keepalive = %us\n", p->nat_keepalive_s);
	return rc;
}

static int write_ppp(const struct profile *p, FILE *out)
{
	static const char *const methods[] = {"pap", "chap", "mschapv2", "none"};
	const char *sep = "";
	int rc;

	fputs("\n[ppp]\n", out);
	rc = put_kv_if(out, "user", p->user) | put_secret(out, "password", &p->password, false);
	if (p->password_prompt != PROFILE_PROMPT_AUTO)
		fprintf(out, "password-prompt = %s\n", profile_prompt_names[p->password_prompt]);
	if (p->password_type != PROFILE_PASSWORD_STATIC)
		fprintf(out, "password-type = %s\n", profile_pwtype_names[p->password_type]);
	if (p->auth_methods)
		fputs("auth-methods = ", out);
	for (int i = (int)ARRAY_SIZE(methods) - 1; i >= 0; i--) {
		if (p->auth_methods & (1u << i)) {
			fprintf(out, "%s%s", sep, methods[i]);
			sep = ", ";
		}
	}
	fprintf(out, "%smtu = %u\nmru = %u\n", p->auth_methods ? "\n" : "", p->mtu, p->mru);
	fprintf(out, "lcp-echo-interval = %us\nlcp-echo-failure = %u\n", p->lcp_echo_interval_s,
	        p->lcp_echo_failure);
	if (p->mppe & PROFILE_MPPE_REQUIRE)
		fprintf(out, "require-mppe = %s\n",
		        p->mppe & PROFILE_MPPE_128  ? "128"
		        : p->mppe & PROFILE_MPPE_40 ? "40"
		                                    : "yes");
	if (p->mppe & PROFILE_MPPE_STATEFUL)
		fputs("mppe-stateful = yes\n", out);
	return rc;
}

/* At most PROFILE_ROUTES_MAX routes of ~100 bytes: one line is enough. */
static void write_routes(const struct profile *p, FILE *out)
{
	char addr[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < p->n_routes; i++) {
		const struct profile_route *rt = &p->routes[i];

		profile_format_addr(&rt->dst, addr, sizeof(addr));
		fprintf(out, "%s%s/%u", i ? ", " : "routes = ", addr, rt->prefix_len);
		if (i + 1 == p->n_routes)
			fputc('\n', out);
	}
}

static int write_network(const struct profile *p, FILE *out)
{
	char addr[INET6_ADDRSTRLEN];

	fprintf(out, "\n[network]\ndefault-route = %s\n", p->default_route ? "yes" : "no");
	write_routes(p, out);
	if (p->dns == PROFILE_DNS_NO || p->n_dns == 0)
		fprintf(out, "dns = %s\n", p->dns == PROFILE_DNS_NO ? "no" : "auto");
	for (size_t i = 0; i < p->n_dns && p->dns != PROFILE_DNS_NO; i++) {
		profile_format_addr(&p->dns_servers[i], addr, sizeof(addr));
		fprintf(out, "%s%s%s",
		        i                    ? ", "
		        : p->dns_add_to_peer ? "dns = auto, "
		                             : "dns = ",
		        addr, i + 1 == p->n_dns ? "\n" : "");
	}
	for (size_t i = 0; i < p->n_search; i++)
		fprintf(out, "%s%s%s", i ? ", " : "dns-search = ", p->dns_search[i],
		        i + 1 == p->n_search ? "\n" : "");
	if (p->ipv6 != PROFILE_IPV6_AUTO)
		fprintf(out, "ipv6 = %s\n", profile_ipv6_names[p->ipv6]);
	if (p->ipv6_ignore_auto_routes)
		fputs("ipv6-auto-routes = no\n", out);
	return put_kv_if(out, "hook", p->hook);
}

static void write_client(const struct profile *p, FILE *out)
{
	bool all_same = true, any = false;

	fprintf(out, "\n[client]\ndatapath = %s\nkill-switch = %s\nreconnect = %s\n",
	        profile_datapath_names[p->datapath], p->kill_switch ? "yes" : "no",
	        p->reconnect ? "yes" : "no");
	if (p->queue != PROFILE_QUEUE_CODEL)
		fprintf(out, "queue = %s\n", profile_queue_names[p->queue]);
	if (p->retry_auth_failures)
		fprintf(out, "retry-auth-failures = yes\n");
	if (p->liveness_s)
		fprintf(out, "liveness = %us\n", p->liveness_s);
	if (p->control_group[0])
		fprintf(out, "control-group = %s%s\n", p->control_group,
		        p->control_group_may_control ? ":control" : "");
	if (p->save_keys[0])
		fprintf(out, "save-keys = %s\n", p->save_keys);
	for (int i = 0; i < LOG_SUBSYS_COUNT; i++) {
		all_same = all_same && p->log_level_set[i] && p->log_level[i] == p->log_level[0];
		any = any || p->log_level_set[i];
	}
	if (all_same) {
		fprintf(out, "log-level = %s\n", log_level_name(p->log_level[0]));
		return;
	}
	for (int i = 0; i < LOG_SUBSYS_COUNT && any; i++)
		if (p->log_level_set[i])
			fprintf(out, "log-level-%s = %s\n", log_subsys_name((enum log_subsys)i),
			        log_level_name(p->log_level[i]));
}

int profile_write_ini(const struct profile *p, FILE *out)
{
	int rc;

	fputs("# l2tpsec profile, see l2tpsec.conf(5)\n\n[gateway]\n", out);
	rc = put_kv_if(out, "host", p->gateway);
	if (p->family != PROFILE_FAMILY_AUTO)
		fprintf(out, "family = %s\n", profile_family_names[p->family]);
	rc |= write_ipsec(p, out);
	fprintf(out, "\n[l2tp]\nport = %s\n", profile_port_names[p->l2tp_port]);
	rc |= put_secret(out, "secret", &p->tunnel_secret, false);
	fprintf(out, "hello-interval = %us\nretries = %u\n", p->hello_interval_s, p->retries);
	rc |= write_ppp(p, out);
	rc |= write_network(p, out);
	write_client(p, out);
	if (fflush(out) != 0 || ferror(out))
		rc = -1;
	return rc ? -1 : 0;
}
