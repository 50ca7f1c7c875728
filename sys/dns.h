/*
 * DNS servers and search domains from the tunnel, applied the way the host
 * manages DNS: systemd-resolved (per-link), else resolvconf, else a backup
 * and rewrite of /etc/resolv.conf. What was done is saved to a state file so
 * the next start can undo it after a crash.
 */
#ifndef L2TPSEC_CLIENT_DNS_H
#define L2TPSEC_CLIENT_DNS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/log.h"

enum dns_method {
	DNS_NONE,
	DNS_RESOLVED, /* resolvectl dns/domain IFACE ... */
	DNS_RESOLVCONF, /* resolvconf -a IFACE.l2tpsec */
	DNS_FILE, /* rewrite resolv.conf, keep a backup */
};

#define DNS_MAX_SERVERS 4
#define DNS_MAX_DOMAINS 8

struct dns_config {
	struct in_addr servers[DNS_MAX_SERVERS];
	size_t n_servers;
	/* IPv6 servers (profile, NetworkManager [ipv6] dns), after the IPv4
	 * ones: the tunnel's IPv4 is always there, its IPv6 may not be */
	struct in6_addr servers6[DNS_MAX_SERVERS];
	size_t n_servers6;
	const char *domains[DNS_MAX_DOMAINS];
	size_t n_domains;
	bool default_route; /* all names through the tunnel (resolved: "~.") */
};

struct dns {
	struct logger *lg;
	enum dns_method method;
	char ifname[32];
	/* DNS_FILE: where resolv.conf is and where the original went */
	char resolv_path[256];
	char backup_path[256];
	char state_path[256]; /* our crash-undo record, "" for none */
};

/* resolv_path: normally "/etc/resolv.conf"; backup and state files go into
 * run_dir (normally /run/l2tpsec) named after the connection. */
void dns_init(struct dns *d, struct logger *lg, const char *name, const char *run_dir,
	      const char *resolv_path);
enum dns_method dns_detect(const struct dns *d);
const char *dns_method_name(enum dns_method m);

/* Apply cfg for interface ifname with the given method (dns_detect() for
 * the host's own). Returns 0 or -1; on failure nothing is left changed. */
int dns_apply(struct dns *d, enum dns_method method, const char *ifname,
	      const struct dns_config *cfg);
/* Undo what dns_apply did. */
void dns_revert(struct dns *d);
/* Undo what a crashed run recorded in the state file, if anything. */
void dns_revert_stale(struct dns *d);

/* Adds domain to cfg's search domains (resolv.conf `search`, resolved's
 * per-link domains) unless it is there already (case aside), the list is
 * full, or it is no plain DNS name: labels of letters, digits, '-' and '_'
 * (RFC 1035 §2.3.1, '_' as Windows domains have it) of up to 63 bytes, none
 * starting with '-', 253 bytes in all. The string is referenced, not copied.
 * true when added. For domains that come from the network (DHCPINFORM
 * option 15): nothing that resolv.conf or resolvectl would read otherwise. */
bool dns_add_domain(struct dns_config *cfg, const char *domain);

/* The resolv.conf text for cfg (also what resolvconf is fed). */
size_t dns_format_resolv_conf(const struct dns_config *cfg, char *out, size_t outsz);

#endif
