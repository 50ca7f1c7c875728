/* What the tunnel changes on the host when PPP is up: interface address and
 * MTU, routes, DNS, the user's hook; and undoing all of it. */
#include "client/conn_internal.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
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
	if (pr->dns != PROFILE_DNS_SERVERS)
		for (size_t i = 0; i < 2 && dns->n_servers < DNS_MAX_SERVERS; i++)
			if (ip->dns[i].s_addr)
				dns->servers[dns->n_servers++] = ip->dns[i];
	for (size_t i = 0; i < pr->n_search && i < DNS_MAX_DOMAINS; i++)
		dns->domains[dns->n_domains++] = pr->dns_search[i];
	dns->default_route = pr->default_route;
}

static void fill_hook(const struct conn *c, const char *reason, const struct dns_config *dns,
		      struct hook_info *h)
{
	const struct profile *pr = c->p->profile;

	memset(h, 0, sizeof(*h));
	h->reason = reason;
	h->name = pr->name;
	h->gateway = c->p->gateway.sin_addr;
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

static int add_routes(struct conn *c, int ifindex)
{
	const struct profile *pr = c->p->profile;

	if (netcfg_pin_gateway(&c->net, c->p->gateway.sin_addr, ifindex) < 0)
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

static int conn_net_mark_up(struct conn *c);

/* The gateway's DHCPACK: its classless routes become the split tunnel's
 * (a default route among them is not taken: that is default-route's job),
 * the domain is shown in status. */
static void on_pushed(void *ctx, const struct dhcp_info *info)
{
	struct conn *c = ctx;
	int ifindex = netcfg_ifindex(c->ifname);
	size_t taken = 0;

	if (!info || !c->net_configured || ifindex < 0)
		return;
	c->pushed = *info;
	c->pushed_valid = true;
	for (size_t i = 0; i < info->nroutes; i++) {
		struct in_addr dst = {htonl(info->routes[i].dest)};

		if (info->routes[i].prefix == 0) {
			log_notice(c->lg, LOG_CLIENT,
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
			return conn_net_mark_up(c);
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
	if (add_routes(c, ifindex) < 0)
		return -1;
	fill_dns(c, &c->ip, &dns);
	if (dns_apply(&c->dns, dns_detect(&c->dns), c->ifname, &dns) < 0)
		log_warn(c->lg, LOG_CLIENT, "continuing without the tunnel's DNS servers");
	run_hook(c, "connect", &dns);
	ask_pushed_settings(c);
	return conn_net_mark_up(c);
}

/* The tunnel carries traffic: tell the user (and systemd) so. */
static int conn_net_mark_up(struct conn *c)
{
	char local[INET_ADDRSTRLEN], peer[INET_ADDRSTRLEN];

	conn_layer_set(c, CONN_LAYER_PPP, CONN_LAYER_UP);
	conn_set_state(c, CONN_UP);
	c->was_up = true;
	c->keep_net = false;
	c->attempts = 0;
	c->up_ms = loop_now_ms(c->loop);
	inet_ntop(AF_INET, &c->ip.local, local, sizeof(local));
	inet_ntop(AF_INET, &c->ip.peer, peer, sizeof(peer));
	log_notice(c->lg, LOG_CLIENT, "connected: %s local %s peer %s mtu %u (%llu ms)", c->ifname,
		   local, peer, c->ip.mtu, (unsigned long long)(c->up_ms - c->started_ms));
	if (c->ev.up)
		c->ev.up(c, c->ev_ctx);
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
	dns_revert(&c->dns);
	if (c->net_open) {
		netcfg_undo(&c->net);
		unlink(c->state_path);
	}
	c->net_configured = false;
}

void conn_repin_gateway(struct conn *c, int ifindex, struct in_addr via)
{
	if (!c->net_open && netcfg_open(&c->net, c->lg) == 0)
		c->net_open = true;
	if (!c->net_open)
		return;
	if (netcfg_repin_gateway(&c->net, c->p->gateway.sin_addr, ifindex, via) == 0)
		netcfg_save(&c->net, c->state_path);
}
