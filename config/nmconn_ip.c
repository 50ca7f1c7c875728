/*
 * NetworkManager keyfile, [ipv4] and [ipv6]: routes, DNS servers and search
 * domains onto struct profile ([vpn] and the secrets are config/nmconn.c's).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/nmconn_int.h"
#include "lib/util.h"

/* "FILE:LINE: key 'x': " + text, as a warning. */
void nm_warn_key(struct nm_ctx *c, const char *fmt, ...)
{
	char text[PROFILE_WARN_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	profile_warn(c->warn, "%s:%u: key '%s': %s", c->r->filename, c->r->line, c->r->key, text);
}

const char *nm_copy(char *dst, size_t cap, const char *v)
{
	if (strlen(v) >= cap)
		return "value too long";
	memcpy(dst, v, strlen(v) + 1);
	return NULL;
}

const char *nm_get_bool(const char *v, bool *out)
{
	return profile_parse_bool(v, out) < 0 ? "expected yes or no" : NULL;
}

const char *nm_get_uint(struct nm_ctx *c, const char *v, unsigned min, unsigned max, unsigned *out)
{
	return setting_uint(c->why, sizeof(c->why), v, min, max, out);
}

/* "10.0.0.0/8", "10.0.0.0/8,10.0.0.1" or "10.0.0.0/8,10.0.0.1,100"; a
 * missing prefix means a host route, gateway 0.0.0.0 means none. The route
 * goes into the tunnel device, whose peer is the next hop: a gateway or a
 * metric cannot be honoured, and the warning says so. */
static const char *nm_route(struct nm_ctx *c, const char *v)
{
	char buf[160], *dst, *gw, *metric;
	struct profile_route *rt;
	struct profile_addr gw_addr;
	unsigned m;

	if (c->p->n_routes == PROFILE_ROUTES_MAX)
		return whyf(c, "more than %d routes", PROFILE_ROUTES_MAX);
	if (nm_copy(buf, sizeof(buf) - 4, v))
		return "not a route";
	rt = &c->p->routes[c->p->n_routes];
	memset(rt, 0, sizeof(*rt));
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
	if (gw && *gw && profile_parse_addr(gw, &gw_addr) < 0)
		return "bad gateway address";
	if (gw && *gw && gw_addr.family != rt->dst.family)
		return "gateway is not of the route's address family";
	if (metric && nm_get_uint(c, metric, 0, 0x7fffffff, &m))
		return "bad metric";
	if ((gw && *gw && strcmp(gw, "0.0.0.0") && strcmp(gw, "::")) || metric)
		nm_warn_key(c, "the route goes through the tunnel device: its gateway and metric "
		               "are ignored");
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

const char *nm_ipv4_key(struct nm_ctx *c, const char *k, const char *v)
{
	bool b;

	if (strcmp(k, "method") == 0) {
		if (strcmp(v, "disabled") == 0)
			return "IPv4 is what the tunnel carries; it cannot be disabled";
		if (strcmp(v, "auto") != 0)
			nm_warn_key(
			    c, "the address always comes from the gateway (IPCP); '%s' ignored", v);
		return NULL;
	}
	if (strcmp(k, "dns") == 0)
		return nm_list(c, v, add_dns);
	if (strcmp(k, "dns-search") == 0)
		return nm_list(c, v, add_search);
	if (strcmp(k, "never-default") == 0) {
		if (nm_get_bool(v, &b))
			return "expected true or false";
		c->p->default_route = !b;
		return NULL;
	}
	if (strcmp(k, "ignore-auto-dns") == 0)
		return nm_get_bool(v, &c->ignore_auto_dns);
	if (strcmp(k, "ignore-auto-routes") == 0)
		return nm_get_bool(v, &b); /* the gateway never gives us routes anyway */
	if (is_route_key(k))
		return nm_route(c, v);
	nm_warn_key(c, "no l2tpsec equivalent in [ipv4]; ignored");
	return NULL;
}

/* NetworkManager's [ipv6] (nm-settings(5)): the addresses come from the
 * gateway (IPV6CP link-local, then its router advertisements), so only
 * whether to use IPv6 at all, routes and DNS have a meaning here. */
const char *nm_ipv6_key(struct nm_ctx *c, const char *k, const char *v)
{
	bool b;

	if (strcmp(k, "method") == 0) {
		if (strcmp(v, "ignore") == 0 || strcmp(v, "disabled") == 0)
			c->p->ipv6 = PROFILE_IPV6_OFF;
		else if (strcmp(v, "auto") == 0 || strcmp(v, "dhcp") == 0 ||
			 strcmp(v, "link-local") == 0)
			c->p->ipv6 = PROFILE_IPV6_AUTO;
		else
			nm_warn_key(c,
				    "the IPv6 address always comes from the gateway; '%s' taken as "
				    "auto",
				    v);
		return NULL;
	}
	if (strcmp(k, "dns") == 0)
		return nm_list(c, v, add_dns);
	if (strcmp(k, "dns-search") == 0)
		return nm_list(c, v, add_search);
	if (strcmp(k, "ignore-auto-dns") == 0) {
		if (nm_get_bool(v, &b))
			return "expected true or false";
		if (b != c->ignore_auto_dns)
			nm_warn_key(c, "DNS from the gateway is used or ignored for both families "
				       "([ipv4] ignore-auto-dns); ignored");
		return NULL;
	}
	if (strcmp(k, "ignore-auto-routes") == 0) {
		if (nm_get_bool(v, &b))
			return "expected true or false";
		c->p->ipv6_ignore_auto_routes = b;
		return NULL;
	}
	if (strcmp(k, "never-default") == 0) {
		if (nm_get_bool(v, &b))
			return "expected true or false";
		if (b == c->p->default_route)
			nm_warn_key(c, "the default route is one setting for both families ([ipv4] "
				       "never-default, default-route); ignored");
		return NULL;
	}
	if (is_route_key(k))
		return nm_route(c, v);
	nm_warn_key(c, "no l2tpsec equivalent in [ipv6]; ignored");
	return NULL;
}
