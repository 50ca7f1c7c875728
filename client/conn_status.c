/* `l2tpsec status`: the connection as text and as JSON (documented in
 * l2tpsec(8); the JSON keys are a stable interface). */
#include "client/conn_internal.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "client/json.h"

static uint32_t newest_sa(const struct conn *c)
{
	uint32_t id = 0;

	for (size_t i = 0; i < CONN_MAX_SAS; i++)
		if (c->sas[i].id > id)
			id = c->sas[i].id;
	return id;
}

static const char *ip_str(struct in_addr a, char buf[INET_ADDRSTRLEN])
{
	return a.s_addr ? inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN) : NULL;
}

/* "10.20.0.0/16" */
static const char *route_str(const struct dhcp_route *r, char *buf, size_t len)
{
	struct in_addr a = {htonl(r->dest)};
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	snprintf(buf, len, "%s/%u", ip, r->prefix);
	return buf;
}
#define STATUS_MAX_ADDR6 8

struct status_facts {
	struct ike_status ike;
	struct esp_counters esp;
	bool have_ike, have_esp;
	/* the tunnel interface's IPv6 addresses (global ones first) */
	char addr6[STATUS_MAX_ADDR6][INET6_ADDRSTRLEN + 4];
	size_t n_addr6;
};

/* One of our IPv6 routes through the tunnel as "X::/N". */
static const char *route6_str(const struct netcfg_route6 *r, char buf[INET6_ADDRSTRLEN + 13])
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, &r->dst, a, sizeof(a));
	snprintf(buf, INET6_ADDRSTRLEN + 13, "%s%s/%u", r->prohibit ? "prohibit " : "", a,
	         r->prefix);
	return buf;
}

static void gather(const struct conn *c, struct status_facts *f)
{
	uint32_t id = newest_sa(c);

	memset(f, 0, sizeof(*f));
	if (c->ike) {
		ike_get_status(c->ike, &f->ike);
		f->have_ike = true;
	}
	if (c->esp && id && esp_get_counters(c->esp, id, &f->esp) == 0)
		f->have_esp = true;
	if (c->state == CONN_UP && c->ip6.up)
		f->n_addr6 = netcfg6_addresses(c->ifname, f->addr6, STATUS_MAX_ADDR6);
}

static const char *state_name(const struct conn *c)
{
	if (c->state == CONN_DOWN && c->keep_net)
		return "reconnecting";
	if (c->attempts && c->state != CONN_UP && c->state != CONN_STOPPING)
		return "reconnecting";
	return conn_state_name(c->state);
}

static const char *datapath_name(const struct conn *c)
{
	if (!c->esp && c->state <= CONN_IKE)
		return NULL;
	return c->kernel_path ? "kernel" : "userspace";
}

/* Who manages the queues: the kernel's qdiscs on the kernel path, else
 * [client] queue (conn_queue.c). */
static const char *queue_name(const struct conn *c)
{
	const char *dp = datapath_name(c);

	if (!dp)
		return NULL;
	if (c->kernel_path)
		return "kernel";
	return c->p->profile->queue == PROFILE_QUEUE_CODEL ? "codel" : "fifo";
}

/* The outer family: what IKE, ESP and L2TP travel over to the gateway. */
static const char *family_name(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? "ipv6" : ss->ss_family == AF_INET ? "ipv4" : NULL;
}

void conn_status_json(const struct conn *c, char *out, size_t outsz)
{
	struct status_facts f;
	struct json j;
	char a[INET_ADDRSTRLEN], r6[INET6_ADDRSTRLEN + 13];

	gather(c, &f);
	json_init(&j, out, outsz);
	json_obj_begin(&j, NULL);
	json_str(&j, "name", c->p->profile->name);
	json_str(&j, "state", state_name(c));
	json_str(&j, "datapath", datapath_name(c));
	json_str(&j, "interface", c->state == CONN_UP ? c->ifname : NULL);
	json_str(&j, "local_ip", ip_str(c->ip.local, a));
	json_str(&j, "peer_ip", ip_str(c->ip.peer, a));
	json_uint(&j, "mtu", c->ip.mtu);
	json_arr_begin(&j, "dns");
	for (size_t i = 0; i < 2; i++)
		if (c->ip.dns[i].s_addr)
			json_str(&j, NULL, ip_str(c->ip.dns[i], a));
	for (size_t i = 0; i < c->ip6.n_dns; i++)
		json_str(&j, NULL, inet_ntop(AF_INET6, &c->ip6.dns[i], r6, sizeof(r6)));
	json_arr_end(&j);
	json_arr_begin(&j, "ipv6_addresses");
	for (size_t i = 0; i < f.n_addr6; i++)
		json_str(&j, NULL, f.addr6[i]);
	json_arr_end(&j);
	json_arr_begin(&j, "ipv6_routes");
	for (size_t i = 0; i < c->net.n_added6 && c->net_configured; i++)
		json_str(&j, NULL, route6_str(&c->net.added6[i], r6));
	json_arr_end(&j);
	json_str(&j, "gateway", c->p->profile->gateway);
	json_str(&j, "gateway_ip", conn_addr_str(&c->gateway, r6, sizeof(r6)));
	json_str(&j, "outer_family", family_name(&c->gateway));
	json_uint(&j, "uptime_s",
	          c->state == CONN_UP ? (loop_now_ms(c->loop) - c->up_ms) / 1000 : 0);
	json_obj_begin(&j, "nat");
	json_bool(&j, "local_behind_nat", f.ike.nat_local);
	json_bool(&j, "remote_behind_nat", f.ike.nat_remote);
	json_str(&j, "natt", f.have_ike ? ike_natt_name(f.ike.natt) : NULL);
	json_obj_end(&j);
	json_obj_begin(&j, "ike");
	json_str(&j, "state", f.have_ike ? ike_state_name(f.ike.state) : NULL);
	json_str(&j, "algorithms", f.ike.ike_algs[0] ? f.ike.ike_algs : NULL);
	json_uint(&j, "dh_group", f.ike.dh_group);
	json_uint(&j, "lifetime_left_s", f.ike.ike_lifetime_left_s);
	json_bool(&j, "dpd", f.ike.dpd);
	json_uint(&j, "age_s", f.ike.ike_age_s);
	json_uint(&j, "rekeys", f.ike.rekeys_ike);
	json_uint(&j, "rekey_failures", f.ike.ike_rekey_failures);
	json_uint(&j, "dropped", f.ike.dropped);
	json_obj_end(&j);
	json_obj_begin(&j, "esp");
	json_str(&j, "algorithms", f.ike.esp_algs[0] ? f.ike.esp_algs : NULL);
	json_uint(&j, "spi_in", f.ike.spi_in);
	json_uint(&j, "spi_out", f.ike.spi_out);
	json_uint(&j, "lifetime_left_s", f.ike.ipsec_lifetime_left_s);
	json_uint(&j, "age_s", f.ike.ipsec_age_s);
	json_uint(&j, "rekeys", f.ike.rekeys_ipsec);
	json_uint(&j, "packets_in", f.esp.in_packets);
	json_uint(&j, "bytes_in", f.esp.in_bytes);
	json_uint(&j, "packets_out", f.esp.out_packets);
	json_uint(&j, "bytes_out", f.esp.out_bytes);
	json_uint(&j, "dropped_in",
	          f.esp.in_replay + f.esp.in_icv + f.esp.in_bad_pad + f.esp.in_bad_len +
	              f.esp.in_short + f.esp.in_bad_spi);
	json_obj_end(&j);
	json_obj_begin(&j, "queue");
	json_str(&j, "management", queue_name(c));
	json_uint(&j, "dropped_in", c->queue.dropped_in);
	json_uint(&j, "marked_in", c->queue.marked_in);
	json_uint(&j, "dropped_out", c->queue.dropped_out);
	json_uint(&j, "marked_out", c->queue.marked_out);
	json_obj_end(&j);
	json_obj_begin(&j, "pushed");
	json_arr_begin(&j, "routes");
	for (size_t i = 0; c->pushed_valid && i < c->pushed.nroutes; i++) {
		char r[INET_ADDRSTRLEN + 4];

		json_str(&j, NULL, route_str(&c->pushed.routes[i], r, sizeof(r)));
	}
	json_arr_end(&j);
	json_str(&j, "domain", c->pushed_valid && c->pushed.domain[0] ? c->pushed.domain : NULL);
	json_obj_end(&j);
	json_uint(&j, "reconnect_attempts", c->attempts);
	json_str(&j, "last_failure", c->last_failure[0] ? c->last_failure : NULL);
	json_obj_end(&j);
	if (!json_ok(&j))
		snprintf(out, outsz, "{\"error\":\"status too large\"}");
}

/* Appends to out[*n..]: snprintf's way, *n may pass outsz (then full). */
static void append(char *out, size_t outsz, size_t *n, const char *sep, const char *s)
{
	if (*n < outsz)
		*n += (size_t)snprintf(out + *n, outsz - *n, "%s%s", sep, s);
}

/* "  ipv6       ADDR ...  routes X::/N ...\n"; how much was written. */
static int text_ipv6(const struct conn *c, const struct status_facts *f, char *out, size_t outsz)
{
	char r6[INET6_ADDRSTRLEN + 13];
	size_t n = 0;

	append(out, outsz, &n, "", "  ipv6      ");
	for (size_t i = 0; i < f->n_addr6; i++)
		append(out, outsz, &n, " ", f->addr6[i]);
	if (c->net_configured && c->net.n_added6)
		append(out, outsz, &n, "", "  routes");
	for (size_t i = 0; c->net_configured && i < c->net.n_added6; i++)
		append(out, outsz, &n, " ", route6_str(&c->net.added6[i], r6));
	append(out, outsz, &n, "", "\n");
	return n < outsz ? (int)n : (int)outsz - 1;
}

void conn_status_text(const struct conn *c, char *out, size_t outsz)
{
	struct status_facts f;
	char local[INET_ADDRSTRLEN] = "-", peer[INET_ADDRSTRLEN] = "-", gw[INET6_ADDRSTRLEN + 8];
	int n;

	gather(c, &f);
	if (c->ip.local.s_addr)
		inet_ntop(AF_INET, &c->ip.local, local, sizeof(local));
	if (c->ip.peer.s_addr)
		inet_ntop(AF_INET, &c->ip.peer, peer, sizeof(peer));
	conn_addr_str(&c->gateway, gw, INET6_ADDRSTRLEN);
	if (c->gateway.ss_family == AF_INET6)
		strcat(gw, ", IPv6"); /* the outer family; IPv4 goes without saying */
	n = snprintf(out, outsz,
	             "%s: %s\n  gateway    %s (%s)%s%s\n  data path  %s\n"
	             "  interface  %s  local %s  peer %s  mtu %u\n"
	             "  ike        %s dh %u, %u s left, age %u s, rekeys %u, dropped %u\n"
	             "  esp        %s spi in %08x out %08x, age %u s, rekeys %u\n"
	             "  traffic    in %llu packets %llu bytes, out %llu packets %llu bytes\n",
	             c->p->profile->name, state_name(c), c->p->profile->gateway, gw,
	             f.ike.nat_local ? ", we are behind NAT" : "",
	             f.ike.nat_remote ? ", gateway behind NAT" : "",
	             datapath_name(c) ? datapath_name(c) : "-",
	             c->state == CONN_UP ? c->ifname : "-", local, peer, c->ip.mtu,
	             f.ike.ike_algs[0] ? f.ike.ike_algs : "-", f.ike.dh_group,
	             f.ike.ike_lifetime_left_s, f.ike.ike_age_s, f.ike.rekeys_ike, f.ike.dropped,
	             f.ike.esp_algs[0] ? f.ike.esp_algs : "-", f.ike.spi_in, f.ike.spi_out,
	             f.ike.ipsec_age_s, f.ike.rekeys_ipsec, (unsigned long long)f.esp.in_packets,
	             (unsigned long long)f.esp.in_bytes, (unsigned long long)f.esp.out_packets,
	             (unsigned long long)f.esp.out_bytes);
	if (n > 0 && (size_t)n < outsz && c->pushed_valid) {
		char r[INET_ADDRSTRLEN + 4];
		int m = snprintf(out + n, outsz - (size_t)n, "  pushed    ");

		for (size_t i = 0; m > 0 && i < c->pushed.nroutes && (size_t)(n + m) < outsz; i++)
			m += snprintf(out + n + m, outsz - (size_t)(n + m), " %s",
			              route_str(&c->pushed.routes[i], r, sizeof(r)));
		if (m > 0 && (size_t)(n + m) < outsz)
			m += snprintf(out + n + m, outsz - (size_t)(n + m), "%s%s\n",
			              c->pushed.domain[0] ? "  domain " : "", c->pushed.domain);
		if (m > 0)
			n += m;
	}
	if (n > 0 && (size_t)n < outsz && (f.n_addr6 || (c->net_configured && c->net.n_added6)))
		n += text_ipv6(c, &f, out + n, outsz - (size_t)n);
	if (n > 0 && (size_t)n < outsz && c->natt)
		n += snprintf(
		    out + n, outsz - (size_t)n,
		    "  queue      %s: dropped in %llu out %llu, ECN-marked in %llu out %llu\n",
		    queue_name(c), (unsigned long long)c->queue.dropped_in,
		    (unsigned long long)c->queue.dropped_out,
		    (unsigned long long)c->queue.marked_in,
		    (unsigned long long)c->queue.marked_out);
	if (n > 0 && (size_t)n < outsz && c->last_failure[0])
		snprintf(out + n, outsz - (size_t)n,
		         "  last failure  %s (reconnect attempts: %u)\n", c->last_failure,
		         c->attempts);
}
