/*
 * pppd's command line, built as a pure function so it can be checked.
 * pppd reads /etc/ppp/options first (Debian: auth, lock, modem, crtscts,
 * lcp-echo-*): every option the client depends on is given explicitly so
 * the host's defaults cannot change the connection. No secret ever goes
 * here: the password travels through passwordfd.so.
 */
#include "ppp/pppd.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int add(struct pppd_argv *a, const char *s)
{
	size_t n = strlen(s) + 1;

	if (a->argc >= PPPD_MAX_ARGS || n > sizeof(a->strs) - a->used)
		return -1;
	memcpy(a->strs + a->used, s, n);
	a->argv[a->argc++] = a->strs + a->used;
	a->argv[a->argc] = NULL;
	a->used += n;
	return 0;
}

static int addf(struct pppd_argv *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int addf(struct pppd_argv *a, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -1;
	return add(a, tmp);
}

/* A value pppd would take for an option name or split: refuse those. */
static bool safe_value(const char *s)
{
	if (!s || !*s || strlen(s) > 255)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x21 || *s == 0x7f)
			return false;
	return true;
}

static int add_fixed(struct pppd_argv *a)
{
	/* Not a dial-up: stay in the foreground, one attempt, no serial
	 * leftovers, we don't authenticate the gateway (the IPsec SA did). */
	static const char *const fixed[] = {
	    "nodetach",
	    "maxfail",
	    "1",
	    "nopersist",
	    "noauth",
	    "nodefaultroute",
	    "noipdefault",
	    "noproxyarp",
	    "ipcp-accept-local",
	    "ipcp-accept-remote",
	    "noccp",
	    "nodeflate",
	    "nobsdcomp",
	    "novj",
	    "novjccomp",
	    "nopcomp",
	    "noaccomp",
	    "refuse-eap",
	    "refuse-mschap",
	    "logfd",
	    "2",
	};
	int rc = 0;

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		rc |= add(a, fixed[i]);
	return rc;
}

static int add_auth(const struct pppd_config *cfg, bool with_password, struct pppd_argv *a)
{
	unsigned allowed = cfg->user ? cfg->auth_allowed : 0;
	int rc = 0;

	if (allowed && with_password)
		rc |= add(a, "plugin") | add(a, "passwordfd.so") | add(a, "passwordfd") |
		      addf(a, "%d", PPPD_CHILD_PASSWORD_FD);
	if (cfg->user) {
		if (!safe_value(cfg->user))
			return -1;
		rc |= add(a, "user") | add(a, cfg->user);
	}
	if (!(allowed & PPP_AUTH_PAP))
		rc |= add(a, "refuse-pap");
	if (!(allowed & PPP_AUTH_CHAP_MD5))
		rc |= add(a, "refuse-chap");
	if (!(allowed & PPP_AUTH_MSCHAPV2))
		rc |= add(a, "refuse-mschap-v2");
	return rc;
}

static int add_link(const struct pppd_config *cfg, struct pppd_argv *a)
{
	int rc = 0;

	if (cfg->mtu)
		rc |= add(a, "mtu") | addf(a, "%u", cfg->mtu);
	if (cfg->mru)
		rc |= add(a, "mru") | addf(a, "%u", cfg->mru);
	/* Always explicit: /etc/ppp/options has its own values. */
	/* The LNS starts its pppd only after ICCN, so our first Configure-
	 * Request is often lost: retry after 1 s, not pppd's 3 s. */
	rc |= add(a, "lcp-restart") | add(a, "1") | add(a, "ipcp-restart") | add(a, "1");
	rc |= add(a, "lcp-echo-interval") | addf(a, "%u", cfg->echo_interval_s);
	rc |= add(a, "lcp-echo-failure") |
	      addf(a, "%u", cfg->echo_interval_s ? (cfg->echo_failure ? cfg->echo_failure : 3) : 0);
	if (cfg->usepeerdns)
		rc |= add(a, "usepeerdns");
	rc |= add(a, cfg->ipv6 ? "+ipv6" : "noipv6");
	if (cfg->ifname) {
		if (!safe_value(cfg->ifname) || strlen(cfg->ifname) >= 16)
			return -1;
		rc |= add(a, "ifname") | add(a, cfg->ifname);
	}
	if (cfg->unit >= 0)
		rc |= add(a, "unit") | addf(a, "%d", cfg->unit);
	if (cfg->debug)
		rc |= add(a, "debug");
	return rc;
}

int pppd_build_argv(const struct pppd_config *cfg, bool with_password, const char *fifo_path,
                    struct pppd_argv *out)
{
	const char *path = cfg->pppd_path ? cfg->pppd_path : "/usr/sbin/pppd";
	int rc;

	memset(out, 0, sizeof(*out));
	if (!cfg->ip_up_script || cfg->ip_up_script[0] != '/' || !safe_value(cfg->ip_up_script) ||
	    !fifo_path || fifo_path[0] != '/' || !safe_value(fifo_path))
		return -1;
	rc = add(out, path);
	/* The L2TP session is ours; pppd only drives PPP over its socket. */
	/* The plugin loads now; its "pppol2tp FD" comes with the session
	 * (pppd_session_options): the plugin refuses a socket not connected. */
	rc |= add(out, "plugin") | add(out, "pppol2tp.so");
	rc |= add_fixed(out);
	rc |= add_auth(cfg, with_password, out);
	rc |= add_link(cfg, out);
	/* Our script for ip-up and ip-down, and nothing of the host's
	 * /etc/ppp/ip-up.d (it would touch routes and DNS behind our back).
	 * pppd 2.4.9 has no ipv6-up-script option: /etc/ppp/ipv6-up runs. */
	rc |= add(out, "ip-up-script") | add(out, cfg->ip_up_script);
	rc |= add(out, "ip-down-script") | add(out, cfg->ip_up_script);
	rc |= add(out, "ipparam") | add(out, fifo_path);
	/* Last: pppd parses its options in order and blocks here, plugins
	 * loaded, until the session exists (pppd_attach). */
	rc |= add(out, "file") | addf(out, "/dev/fd/%d", PPPD_CHILD_OPTIONS_FD);
	return rc ? -1 : out->argc;
}

int pppd_session_options(const struct pppd_l2tp_ids *ids, char *buf, size_t len)
{
	int n = snprintf(buf, len,
	                 "pppol2tp %d\npppol2tp_tunnel_id %" PRIu32 "\npppol2tp_session_id %" PRIu32
	                 "\n",
	                 PPPD_CHILD_L2TP_FD, ids->tunnel_id, ids->session_id);

	return n < 0 || (size_t)n >= len ? -1 : n;
}
