/* What the tunnel changes on the host when PPP is up: interface address and
 * MTU, routes, DNS, the user's hook; and undoing all of it. */
#include "client/conn_internal.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sys/hook.h"

/* RFC 4303 §2: SPI + sequence number */
#define ESP_HDR 8
/* pad length + next header */
#define ESP_TRAILER 2

/* Sizes from esp/'s table of algorithms (esp/esp_algs.c). */
static unsigned esp_iv_len(enum esp_cipher cipher)
{
	const struct esp_cipher_info *ci = esp_cipher_info(cipher, 0);

	return ci ? ci->iv_len : 0;
}

static unsigned esp_block(enum esp_cipher cipher)
{
	const struct esp_cipher_info *ci = esp_cipher_info(cipher, 0);

	/* RFC 4303 §2.4: 4-byte alignment at least */
	return ci && ci->block_len > 4 ? ci->block_len : 4;
}

static unsigned esp_icv_len(enum esp_cipher cipher, enum esp_auth auth)
{
	const struct esp_cipher_info *ci = esp_cipher_info(cipher, 0);
	const struct esp_auth_info *ai = esp_auth_info(auth);

	if (ci && ci->icv_len)
		return ci->icv_len; /* combined mode */
	return ai ? ai->icv_len : 0;
}

unsigned conn_tunnel_mtu(unsigned path_mtu, enum esp_cipher cipher, enum esp_auth auth,
                         bool udp_encap, bool l2tp_sequencing)
{
	/* outer IPv4 (20) + UDP encapsulation (8, RFC 3948) */
	unsigned outer =
	    20 + (udp_encap ? 8 : 0) + ESP_HDR + esp_iv_len(cipher) + esp_icv_len(cipher, auth);
	/* inner UDP (8) + L2TP data header (RFC 2661 §3.1: flags, length,
	 * tunnel, session = 8; Ns/Nr +4) + PPP address/control/protocol (4) */
	unsigned inner = 8 + 8 + (l2tp_sequencing ? 4 : 0) + 4;
	unsigned block = esp_block(cipher);
	unsigned room, payload;

	if (path_mtu <= outer + inner + ESP_TRAILER + block)
		return 576;
	/* the encrypted part (inner + payload + trailer) is padded to the block */
	room = ((path_mtu - outer) / block) * block;
	payload = room - ESP_TRAILER - inner;
	return payload < 576 ? 576 : payload;
}

/* DHCPv6's servers and search list after the RA's (not twice). */
static void fill_dns_dhcp6(const struct dhcp6_info *got, struct dns_config *dns)
{
	for (size_t i = 0; i < got->n_dns && dns->n_servers6 < DNS_MAX_SERVERS; i++) {
		bool known = false;

		for (size_t j = 0; j < dns->n_servers6; j++)
			known |= memcmp(&dns->servers6[j], &got->dns[i], sizeof(got->dns[i])) == 0;
		if (!known)
			dns->servers6[dns->n_servers6++] = got->dns[i];
	}
	for (size_t i = 0; i < got->n_domains; i++)
		dns_add_domain(dns, got->domains[i]); /* from the network: checked */
}

static void fill_dns(const struct conn *c, const struct conn_ip *ip, struct dns_config *dns)
{
	const struct profile *pr = c->p->profile;

	memset(dns, 0, sizeof(*dns));
	if (pr->dns == PROFILE_DNS_NO)
		return;
	if (pr->dns == PROFILE_DNS_SERVERS || pr->dns_add_to_peer) {
		for (size_t i = 0; i < pr->n_dns && dns->n_servers < DNS_MAX_SERVERS; i++)
			if (pr->dns_servers[i].family == AF_INET)
				memcpy(&dns->servers[dns->n_servers++], pr->dns_servers[i].bytes,
				       4);
	}
	if ((pr->dns == PROFILE_DNS_SERVERS || pr->dns_add_to_peer) && pr->ipv6 != PROFILE_IPV6_OFF)
		for (size_t i = 0; i < pr->n_dns && dns->n_servers6 < DNS_MAX_SERVERS; i++)
			if (pr->dns_servers[i].family == AF_INET6)
				memcpy(&dns->servers6[dns->n_servers6++], pr->dns_servers[i].bytes,
				       16);
	if (pr->dns != PROFILE_DNS_SERVERS)
		for (size_t i = 0; i < 2 && dns->n_servers < DNS_MAX_SERVERS; i++)
			if (ip->dns[i].s_addr)
				dns->servers[dns->n_servers++] = ip->dns[i];
	if (pr->dns != PROFILE_DNS_SERVERS)
		for (size_t i = 0; i < c->ip6.n_dns && dns->n_servers6 < DNS_MAX_SERVERS; i++)
			dns->servers6[dns->n_servers6++] = c->ip6.dns[i];
	for (size_t i = 0; i < pr->n_search && i < DNS_MAX_DOMAINS; i++)
		dns->domains[dns->n_domains++] = pr->dns_search[i];
	if (pr->dns != PROFILE_DNS_SERVERS && c->dhcp6_valid)
		fill_dns_dhcp6(&c->dhcp6_got, dns);
	/* the domain the gateway pushed (DHCPINFORM option 15), after the
	 * profile's own, as Windows adds a connection's DNS suffix */
	if (c->pushed_valid && c->pushed.domain[0])
		dns_add_domain(dns, c->pushed.domain);
	dns->default_route = pr->default_route;
}

/* The tunnel's global IPv6 address as it is now (it comes from RAs or
 * DHCPv6, maybe after the connect hook: then that hook has none) and the
 * profile's IPv6 routes. */
static void fill_hook_ip6(const struct conn *c, struct hook_info *h)
{
	const struct profile *pr = c->p->profile;
	char addrs[1][INET6_ADDRSTRLEN + 4];
	char *slash;

	if (netcfg6_addresses(c->ifname, addrs, 1) == 1 && strncmp(addrs[0], "fe80:", 5) != 0 &&
	    (slash = strchr(addrs[0], '/')) != NULL) {
		*slash = '\0';
		if (inet_pton(AF_INET6, addrs[0], &h->local_ip6) == 1)
			h->local_ip6_prefix = (uint8_t)atoi(slash + 1);
	}
	for (size_t i = 0; i < pr->n_routes && h->n_split6 < HOOK_MAX_ROUTES; i++) {
		if (pr->routes[i].dst.family != AF_INET6)
			continue;
		memcpy(&h->split6[h->n_split6], pr->routes[i].dst.bytes, 16);
		h->split6_prefix[h->n_split6++] = pr->routes[i].prefix_len;
	}
}

static void fill_hook(const struct conn *c, const char *reason, const struct dns_config *dns,
                      struct hook_info *h)
{
	const struct profile *pr = c->p->profile;

	memset(h, 0, sizeof(*h));
	h->reason = reason;
	h->name = pr->name;
	/* the hook's gateway variable is IPv4 (an IPv6 gateway leaves it empty) */
	if (c->gateway.ss_family == AF_INET)
		h->gateway = ((const struct sockaddr_in *)&c->gateway)->sin_addr;
	h->tundev = c->ifname;
	h->local_ip = c->ip.local;
	h->peer_ip = c->ip.peer;
	h->mtu = c->ip.mtu;
	h->dns = dns;
	for (size_t i = 0; i < pr->n_routes && h->n_split < HOOK_MAX_ROUTES; i++) {
		if (pr->routes[i].dst.family != AF_INET)
			continue;
		memcpy(&h->split[h->n_split], pr->routes[i].dst.bytes, 4);
		h->split_prefix[h->n_split++] = pr->routes[i].prefix_len;
	}
	if (pr->ipv6 != PROFILE_IPV6_OFF)
		fill_hook_ip6(c, h);
}

/* The user's hook, on the loop's child watching (sys/hook.h): a hung
 * script must not stall DPD and hellos; run in the order asked. */
static void run_hook(struct conn *c, const char *reason, const struct dns_config *dns)
{
	struct hook_info hook;

	if (!c->p->profile->hook[0])
		return;
	if (!c->hooks.loop)
		hook_runner_init(&c->hooks, c->loop, c->lg, HOOK_TIMEOUT_MS);
	fill_hook(c, reason, dns, &hook);
	hook_runner_submit(&c->hooks, c->p->profile->hook, &hook);
}

/* The gateway's host route outside the tunnel: a /32, or a /128 over IPv6
 * (more specific than ::/1 + 8000::/1 and the leak block's prohibit routes). */
static int pin_gateway(struct conn *c, int ifindex)
{
	if (c->gateway.ss_family == AF_INET6)
		return netcfg6_pin_gateway(
		    &c->net, &((struct sockaddr_in6 *)&c->gateway)->sin6_addr, ifindex);
	return netcfg_pin_gateway(&c->net, ((struct sockaddr_in *)&c->gateway)->sin_addr, ifindex);
}

static int add_routes(struct conn *c, int ifindex)
{
	const struct profile *pr = c->p->profile;

	if (pin_gateway(c, ifindex) < 0)
		return -1;
	if (pr->default_route && netcfg_default_via(&c->net, ifindex) < 0)
		return -1;
	for (size_t i = 0; i < pr->n_routes; i++) {
		struct in_addr dst;

		if (pr->routes[i].dst.family != AF_INET)
			continue;
		memcpy(&dst, pr->routes[i].dst.bytes, 4);
		if (netcfg_route_via(&c->net, dst, pr->routes[i].prefix_len, ifindex) < 0)
			return -1;
	}
	/* the gateway's own PPP address, for a split tunnel without routes */
	if (!pr->default_route && c->ip.peer.s_addr)
		netcfg_route_via(&c->net, c->ip.peer, 32, ifindex);
	return netcfg_save(&c->net, c->state_path);
}

/* A full tunnel takes IPv6 in (::/1, 8000::/1 replacing the prohibit routes)
 * only once the interface has a global address from the gateway's RAs:
 * IPV6CP alone (pppd's default) gives no way out, and IPv6 stays refused. */
static int ipv6_route_in(struct conn *c, int ifindex)
{
	char addrs[1][INET6_ADDRSTRLEN + 4];

	if (!c->p->profile->default_route || c->ip6.routed || !c->ip6.configured)
		return 0;
	if (netcfg6_addresses(c->ifname, addrs, 1) == 0 || strncmp(addrs[0], "fe80:", 5) == 0)
		return 0; /* the address event brings us back */
	if (netcfg6_default_via(&c->net, ifindex) < 0)
		return -1;
	c->ip6.routed = true;
	log_info(c->lg, LOG_CLIENT, "IPv6 through the tunnel: %s", addrs[0]);
	return netcfg_save(&c->net, c->state_path);
}

/* The gateway's RDNSS servers or its pushed domain changed: DNS again, from
 * scratch (a resolv.conf we wrote must not become the backup). */
static void dns_changed(struct conn *c)
{
	struct dns_config dns;

	fill_dns(c, &c->ip, &dns);
	dns_revert(&c->dns);
	if (dns_apply(&c->dns, dns_detect(&c->dns), c->ifname, &dns) < 0)
		log_warn(c->lg, LOG_CLIENT, "continuing without the tunnel's DNS servers");
}

/* The gateway's DHCPv6 answer: the address on the interface (its
 * RTM_NEWADDR routes IPv6 in, as SLAAC's does), DNS again with its servers. */
static void on_dhcp6(void *ctx, const struct dhcp6_info *info)
{
	struct conn *c = ctx;
	const struct profile *pr = c->p->profile;
	int ifindex = netcfg_ifindex(c->ifname);
	char text[INET6_ADDRSTRLEN] = "";

	if (!info || !c->net_configured || ifindex < 0)
		return;
	c->dhcp6_got = *info;
	c->dhcp6_valid = true;
	if (info->has_addr &&
	    netcfg6_address(&c->net, ifindex, &info->addr, info->preferred_s, info->valid_s) == 0)
		inet_ntop(AF_INET6, &info->addr, text, sizeof(text));
	log_notice(c->lg, LOG_CLIENT, "DHCPv6: %zu DNS server(s), %zu search domain(s)%s%s",
	           info->n_dns, info->n_domains, text[0] ? ", address " : "", text);
	if (pr->dns != PROFILE_DNS_NO && pr->dns != PROFILE_DNS_SERVERS &&
	    (info->n_dns || info->n_domains))
		dns_changed(c);
}

/* The RA's M flag asks for addresses by DHCPv6, its O flag for the other
 * settings (RFC 4861 §4.2); once per PPP session. DNS is all O gives us,
 * so dns = no or servers skip it. */
static void dhcp6_maybe_start(struct conn *c, bool managed, bool other)
{
	const struct profile *pr = c->p->profile;
	bool want_dns = pr->dns != PROFILE_DNS_NO && pr->dns != PROFILE_DNS_SERVERS;

	if (c->dhcp6_asked || !c->ip6.configured || !(managed || (other && want_dns)))
		return;
	c->dhcp6_asked = true;
	log_info(c->lg, LOG_CLIENT, "the gateway's RA asks for DHCPv6 (%s)",
	         managed ? "addresses" : "other configuration");
	dhcp6_client_start(&c->dhcp6, c->ifname, managed, on_dhcp6, c);
}

static void on_rdnss(struct loop *loop, int fd, unsigned events, void *ctx)
{
	struct conn *c = ctx;
	uint8_t buf[4096];
	struct rdnss r;
	ssize_t n;

	(void)loop;
	(void)events;
	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		size_t before = c->ip6.n_dns;
		struct in6_addr old[RDNSS_MAX];
		int ifindex = netcfg_ifindex(c->ifname);
		bool managed, other;

		if (rdnss_parse_global_addr(buf, (size_t)n, ifindex) == 1 && c->net_configured &&
		    ipv6_route_in(c, ifindex) < 0)
			log_warn(c->lg, LOG_CLIENT, "cannot route IPv6 through %s", c->ifname);
		if (rdnss_parse_ra_flags(buf, (size_t)n, ifindex, &managed, &other) == 1)
			dhcp6_maybe_start(c, managed, other);
		if (!c->ip6.take_rdnss || rdnss_parse(buf, (size_t)n, &r) <= 0 ||
		    r.ifindex != ifindex)
			continue;
		memcpy(old, c->ip6.dns, sizeof(old));
		c->ip6.n_dns = r.life_s ? r.n : 0;
		memcpy(c->ip6.dns, r.servers, sizeof(r.servers));
		if (c->ip6.n_dns == before && memcmp(old, c->ip6.dns, before * sizeof(old[0])) == 0)
			continue;
		log_info(c->lg, LOG_CLIENT, "the gateway's RAs name %zu IPv6 DNS server(s)",
		         c->ip6.n_dns);
		if (c->net_configured)
			dns_changed(c);
	}
}

/* Before the link-local address goes on, which sends the first Router
 * Solicitation: its answer may carry DNS servers (RDNSS), and the address
 * it leads to lets a full tunnel take IPv6 in. */
static void rdnss_listen(struct conn *c)
{
	const struct profile *pr = c->p->profile;

	c->ip6.take_rdnss = pr->dns != PROFILE_DNS_NO && pr->dns != PROFILE_DNS_SERVERS;
	if (c->ip6.rdnss_listening)
		return;
	c->ip6.rdnss_fd = rdnss_open();
	if (c->ip6.rdnss_fd < 0 ||
	    loop_add_fd(c->loop, c->ip6.rdnss_fd, LOOP_READ, on_rdnss, c) < 0) {
		log_warn(c->lg, LOG_CLIENT, "cannot listen for the gateway's IPv6 DNS servers");
		if (c->ip6.rdnss_fd >= 0)
			close(c->ip6.rdnss_fd);
		return;
	}
	c->ip6.rdnss_listening = true;
}

static void rdnss_stop(struct conn *c)
{
	if (c->ip6.rdnss_listening) {
		loop_del_fd(c->loop, c->ip6.rdnss_fd);
		close(c->ip6.rdnss_fd);
	}
	c->ip6.rdnss_listening = false;
	c->ip6.n_dns = 0;
	c->ip6.routed = false;
	dhcp6_client_stop(&c->dhcp6);
	c->dhcp6_asked = c->dhcp6_valid = false;
}

/* IPv6 on the tunnel once IPV6CP is up (RFC 5072) and the interface is
 * configured: the link-local address on TUN (pppd sets its own), the
 * kernel listening to the gateway's router advertisements for the global
 * address (RFC 4862), and our routes. */
static int net_ipv6_apply(struct conn *c, int ifindex)
{
	const struct profile *pr = c->p->profile;
	char ll[INET6_ADDRSTRLEN];
	struct in6_addr a = {.s6_addr = {0xfe, 0x80}};
	bool managed, other;

	if (!c->ip6.up || c->ip6.configured || pr->ipv6 == PROFILE_IPV6_OFF)
		return 0;
	rdnss_listen(c);
	if (netcfg6_accept_ra(&c->net, c->ifname, !pr->ipv6_ignore_auto_routes) < 0)
		log_warn(c->lg, LOG_CLIENT, "%s: router advertisements may be ignored", c->ifname);
	if (!c->kernel_path && netcfg6_link_local(&c->net, ifindex, c->ip6.local_ifid) < 0)
		return -1;
	c->ip6.configured = true;
	if (dhcp6_ra_flags(c->ifname, &managed, &other) == 0) /* an RA before we listened */
		dhcp6_maybe_start(c, managed, other);
	if (ipv6_route_in(c, ifindex) < 0)
		return -1;
	for (size_t i = 0; i < pr->n_routes; i++) {
		if (pr->routes[i].dst.family != AF_INET6)
			continue;
		memcpy(&a, pr->routes[i].dst.bytes, 16);
		if (netcfg6_route_via(&c->net, &a, pr->routes[i].prefix_len, ifindex) < 0)
			return -1;
	}
	memcpy(a.s6_addr + 8, c->ip6.local_ifid, 8);
	memset(a.s6_addr + 2, 0, 6);
	a.s6_addr[0] = 0xfe;
	a.s6_addr[1] = 0x80;
	inet_ntop(AF_INET6, &a, ll, sizeof(ll));
	log_notice(c->lg, LOG_CLIENT,
	           "IPv6 on %s: %s, more from the gateway's router advertisements", c->ifname, ll);
	return netcfg_save(&c->net, c->state_path);
}

/* A full tunnel that does not carry IPv6 (yet) must not leave the host's
 * IPv6 going around it (issue 17): prohibit routes until the gateway gives
 * the tunnel a global address (ipv6_route_in replaces them); ipv6 = leak-ok
 * opts out. A host without IPv6 has nothing to leak. */
static int no_ipv6_leak(struct conn *c)
{
	const struct profile *pr = c->p->profile;

	if (!pr->default_route || pr->ipv6 == PROFILE_IPV6_LEAK_OK ||
	    access("/proc/net/if_inet6", F_OK) != 0)
		return 0;
	if (netcfg6_prohibit_default(&c->net) < 0) {
		log_err(c->lg, LOG_CLIENT,
		        "cannot block IPv6 outside the tunnel (ipv6 = leak-ok "
		        "allows it)");
		return -1;
	}
	/* dns = no leaves DNS to the host (l2tpsec.conf(5)): its resolver may
	 * answer AAAA from outside the tunnel, but what those answers lead to
	 * is refused right here; filtering them is that resolver's job */
	if (pr->dns == PROFILE_DNS_NO)
		log_notice(
		    c->lg, LOG_CLIENT,
		    "dns = no: names resolve outside the tunnel; IPv6 to their AAAA answers is "
		    "refused while connected (programs fall back to IPv4)");
	return netcfg_save(&c->net, c->state_path);
}

int conn_net_ipv6_up(struct conn *c, const uint8_t local_ifid[8], const uint8_t peer_ifid[8])
{
	if (c->p->profile->ipv6 == PROFILE_IPV6_OFF)
		return 0;
	if (c->ip6.configured && memcmp(c->ip6.local_ifid, local_ifid, 8) != 0)
		c->ip6.configured = c->ip6.routed = false; /* a new session: again */
	c->ip6.up = true;
	memcpy(c->ip6.local_ifid, local_ifid, 8);
	memcpy(c->ip6.peer_ifid, peer_ifid, 8);
	if (!c->net_configured)
		return 0; /* with IPv4, in conn_net_up */
	return net_ipv6_apply(c, netcfg_ifindex(c->ifname));
}

void conn_net_ipv6_poll(struct conn *c)
{
	static const uint8_t unknown[8];
	uint8_t ifid[8];

	if (!c->kernel_path || !c->net_configured || c->ip6.up ||
	    c->p->profile->ipv6 == PROFILE_IPV6_OFF)
		return;
	if (netcfg6_link_local_ifid(c->ifname, ifid) == 0 && conn_net_ipv6_up(c, ifid, unknown) < 0)
		log_warn(c->lg, LOG_CLIENT, "continuing without IPv6 on %s", c->ifname);
}

/* The gateway's DHCPACK: its classless routes become the split tunnel's
 * (a default route among them is not taken: that is default-route's job),
 * the domain is shown in status and joins the DNS search domains (unless
 * dns = no). */
static void on_pushed(void *ctx, const struct dhcp_info *info)
{
	struct conn *c = ctx;
	int ifindex = netcfg_ifindex(c->ifname);
	size_t taken = 0;
	bool new_domain;

	if (!info || !c->net_configured || ifindex < 0)
		return;
	new_domain = strcmp(info->domain, c->pushed_valid ? c->pushed.domain : "") != 0;
	c->pushed = *info;
	c->pushed_valid = true;
	if (new_domain && c->p->profile->dns != PROFILE_DNS_NO)
		dns_changed(c);
	for (size_t i = 0; i < info->nroutes; i++) {
		struct in_addr dst = {htonl(info->routes[i].dest)};

		if (info->routes[i].prefix == 0) {
			log_notice(
			    c->lg, LOG_CLIENT,
			    "the gateway pushes a default route: not taken (default-route = yes "
			    "sends everything through the tunnel)");
			continue;
		}
		if (netcfg_route_via(&c->net, dst, info->routes[i].prefix, ifindex) == 0)
			taken++;
	}
	if (taken)
		netcfg_save(&c->net, c->state_path);
	log_notice(c->lg, LOG_CLIENT, "gateway pushed %zu route(s) (option %u)%s%s", taken,
	           info->routes_option, info->domain[0] ? ", domain " : "", info->domain);
}

/* Windows asks the gateway for routes after IPCP; so do we when the
 * profile names none and does not route everything. Nothing waits. */
static void ask_pushed_settings(struct conn *c)
{
	const struct profile *pr = c->p->profile;

	if (pr->default_route || pr->n_routes)
		return;
	dhcp_inform_start(&c->dhcp, c->ifname, c->ip.local, on_pushed, c);
}

int conn_net_up(struct conn *c, const struct conn_ip *ip)
{
	struct dns_config dns;
	unsigned mtu = conn_tunnel_mtu(1500, c->sa_cipher, c->sa_auth, c->sa_udp_encap, false);
	int ifindex = netcfg_ifindex(c->ifname);

	if (c->net_configured) {
		/* A reconnect: the same address on the same TUN device needs
		 * nothing new; anything else is configured from scratch. */
		if (!c->kernel_path && ip->local.s_addr == c->ip.local.s_addr &&
		    ip->peer.s_addr == c->ip.peer.s_addr)
			return 0;
		conn_net_down(c);
	}
	c->ip = *ip;
	if (c->ip.mtu == 0 || c->ip.mtu > mtu)
		c->ip.mtu = mtu;
	if (ifindex < 0 || (!c->net_open && netcfg_open(&c->net, c->lg) < 0))
		return -1;
	c->net_open = true;
	if (!c->kernel_path &&
	    netcfg_link_setup(&c->net, ifindex, c->ip.mtu, c->ip.local, c->ip.peer) < 0)
		return -1;
	c->net_configured = true;
	if (add_routes(c, ifindex) < 0 || no_ipv6_leak(c) < 0 || net_ipv6_apply(c, ifindex) < 0)
		return -1;
	/* The userspace path clamps in-process (conn_data.c); a failure here
	 * only leaves forwarded TCP to path MTU discovery: logged, not fatal. */
	if (c->kernel_path)
		mss_nft_install(&c->mss, c->lg, c->p->profile->name, c->ifname, c->ip.mtu);
	fill_dns(c, &c->ip, &dns);
	if (dns_apply(&c->dns, dns_detect(&c->dns), c->ifname, &dns) < 0)
		log_warn(c->lg, LOG_CLIENT, "continuing without the tunnel's DNS servers");
	run_hook(c, "connect", &dns);
	ask_pushed_settings(c);
	conn_net_ipv6_poll(c);
	return 0;
}

void conn_net_down(struct conn *c)
{
	struct dns_config dns;

	if (c->net_configured) {
		fill_dns(c, &c->ip, &dns);
		run_hook(c, "disconnect", &dns);
	}
	dhcp_inform_stop(&c->dhcp);
	c->pushed_valid = false;
	mss_nft_uninstall(&c->mss);
	dns_revert(&c->dns);
	if (c->net_open) {
		netcfg_undo(&c->net);
		unlink(c->state_path);
	}
	c->net_configured = false;
	c->ip6.configured = false;
	rdnss_stop(c);
}

void conn_net_recover(struct conn *c)
{
	if (!c->net_open && netcfg_open(&c->net, c->lg) == 0)
		c->net_open = true;
	if (c->net_open)
		netcfg_undo_file(&c->net, c->state_path);
	dns_revert_stale(&c->dns);
	mss_nft_remove(c->lg, c->p->profile->name);
}

void conn_repin_gateway(struct conn *c, int ifindex, struct in_addr via)
{
	if (!c->net_open && netcfg_open(&c->net, c->lg) == 0)
		c->net_open = true;
	if (!c->net_open)
		return;
	if (c->gateway.ss_family != AF_INET)
		return; /* the network watch follows IPv4 paths only */
	if (netcfg_repin_gateway(&c->net, ((struct sockaddr_in *)&c->gateway)->sin_addr, ifindex,
	                         via) == 0)
		netcfg_save(&c->net, c->state_path);
}
