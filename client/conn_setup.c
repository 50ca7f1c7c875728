/* Building a connection's layers from its profile, and starting it. */
#include "client/conn_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config/keyfile.h"
#include "sys/spawn.h"
#include "sys/tun.h"
#include "lib/util.h"

void conn_init(struct conn *c, struct loop *loop, struct logger *lg, const struct conn_params *p,
               const struct conn_events *ev, void *ev_ctx)
{
	memset(c, 0, sizeof(*c));
	c->loop = loop;
	c->lg = lg;
	c->p = p;
	if (ev)
		c->ev = *ev;
	c->ev_ctx = ev_ctx;
	c->layers = &conn_layers_real;
	c->tun_fd = -1;
	c->gateway = p->gateway;
	c->gateway_alt = p->gateway_alt;
	loop_timer_init(&c->stop_timer, conn_on_stop_timeout, c);
	loop_timer_init(&c->traffic_timer, conn_on_traffic_timer, c);
	loop_timer_init(&c->l2tp_timer, conn_on_l2tp_timer, c);
	loop_timer_init(&c->sa_timer, conn_on_sa_timer, c);
	loop_timer_init(&c->verdict_timer, conn_on_verdict_timer, c);
	dhcp_inform_init(&c->dhcp, loop, lg);
	dhcp6_client_init(&c->dhcp6, loop, lg);
	if (p->profile->l2tp_port == PROFILE_L2TP_PORT_EPHEMERAL)
		c->l2tp_port = conn_random_l2tp_port();
	snprintf(c->state_path, sizeof(c->state_path), "%s/%s.routes", p->run_dir,
	         p->profile->name);
	dns_init(&c->dns, lg, p->profile->name, p->run_dir,
	         p->resolv_conf ? p->resolv_conf : "/etc/resolv.conf");
}

static enum ike_id_type ike_id_type_of(const struct profile_id *id)
{
	switch (profile_id_effective_type(id)) {
	case PROFILE_ID_IPV4:
		return IKE_ID_IPV4_ADDR;
	case PROFILE_ID_FQDN:
		return IKE_ID_FQDN;
	case PROFILE_ID_USER_FQDN:
		return IKE_ID_USER_FQDN;
	case PROFILE_ID_DN:
		return IKE_ID_DER_ASN1_DN;
	default:
		return IKE_ID_NONE;
	}
}

static void map_id(const struct profile_id *from, struct ike_id *to)
{
	struct in6_addr a6;

	if (!from->value[0])
		return;
	to->type = ike_id_type_of(from);
	/* auto: an IPv6 literal is ID_IPV6_ADDR (RFC 2407 §4.6.2.1) */
	if (from->type == PROFILE_ID_AUTO && inet_pton(AF_INET6, from->value, &a6) == 1)
		to->type = IKE_ID_IPV6_ADDR;
	snprintf(to->value, sizeof(to->value), "%s", from->value);
	/* "@name" is strongSwan's way of forcing FQDN */
	if (to->type == IKE_ID_FQDN && to->value[0] == '@')
		memmove(to->value, to->value + 1, strlen(to->value));
}

void conn_setup_ike_config(struct conn *c, struct ike_config *cfg)
{
	const struct profile *pr = c->p->profile;

	ike_config_defaults(cfg);
	cfg->remote = c->gateway;
	snprintf(cfg->gateway_host, sizeof(cfg->gateway_host), "%s", pr->gateway);
	if (pr->auth == PROFILE_AUTH_PSK) {
		cfg->auth = IKE_AUTH_PSK;
		cfg->psk = pr->psk.value.data;
		cfg->psk_len = pr->psk.value.len;
	} else {
		cfg->auth = IKE_AUTH_RSA_SIG;
		cfg->cert = c->p->cert;
		cfg->key = c->p->key;
		cfg->ca = c->p->ca;
		cfg->crl_load = crlfile_load; /* file: CRL distribution points */
	}
	map_id(&pr->local_id, &cfg->local_id);
	map_id(&pr->remote_id, &cfg->remote_id);
	cfg->ike_proposals = pr->ike_proposals[0] ? pr->ike_proposals : NULL;
	cfg->esp_proposals = pr->esp_proposals[0] ? pr->esp_proposals : NULL;
	cfg->dh2048 = pr->dh2048 == PROFILE_DH2048_OFF       ? IKE_DH2048_OFF
	              : pr->dh2048 == PROFILE_DH2048_REQUIRE ? IKE_DH2048_REQUIRE
	                                                     : IKE_DH2048_OFFER;
	cfg->nat_policy = (enum ike_nat_policy)pr->assume_udp_encaps;
	if (pr->pfs == PROFILE_PFS_ON)
		cfg->pfs_group = IKE_PFS_IKE_GROUP;
	else if (pr->pfs == PROFILE_PFS_GROUP)
		cfg->pfs_group = ike_group_by_name(pr->pfs_group);
	if (pr->ike_lifetime_s)
		cfg->ike_lifetime_s = pr->ike_lifetime_s;
	if (pr->ipsec_lifetime_s)
		cfg->ipsec_lifetime_s = pr->ipsec_lifetime_s;
	cfg->rekey_margin_s = pr->rekey_margin_s;
	cfg->dpd_interval_s = conn_dpd_interval_s(pr);
	cfg->keepalive_interval_s = pr->nat_keepalive_s;
	if (pr->liveness_s)
		cfg->dpd_tries = conn_liveness_for(pr->liveness_s).dpd_tries;
	/* Reconnecting: the gateway may be back any moment. An MM1 every 3 s
	 * at most (1+2+3*8 = 27 s per attempt, about as long as the default
	 * schedule) brings us back within seconds of it. */
	if (c->was_up) {
		cfg->retransmit.max_ms = CONN_RECONNECT_RTX_MAX_MS;
		cfg->retransmit.tries = CONN_RECONNECT_RTX_TRIES;
	} else if (c->gateway_alt.ss_family != AF_UNSPEC) {
		cfg->retransmit = CONN_FIRST_FAMILY_RTX; /* the other family next */
	}
	/* until the data path is known (see conn_launch) */
	cfg->force_encaps = !c->kernel_path || pr->force_encaps;
	cfg->no_fragmentation = pr->ike_fragmentation == PROFILE_IKE_FRAG_OFF;
	cfg->force_fragmentation = pr->ike_fragmentation == PROFILE_IKE_FRAG_FORCE;
	cfg->l2tp_local_port = c->l2tp_port ? c->l2tp_port : 1701;
	cfg->l2tp_remote_port = 1701;
}

void conn_setup_l2tp_config(struct conn *c, struct l2tp_config *cfg)
{
	const struct profile *pr = c->p->profile;

	l2tp_config_defaults(cfg);
	cfg->peer = c->gateway;
	if (cfg->peer.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&cfg->peer)->sin6_port = htons(1701);
	else
		((struct sockaddr_in *)&cfg->peer)->sin_port = htons(1701);
	/* The Quick Mode selectors name port 1701; an ephemeral port would
	 * need its own SA, so both paths use 1701 (Windows does too). */
	cfg->port_mode = L2TP_PORT_1701;
	cfg->local_port = c->l2tp_port; /* what the IKE selectors name */
	if (secret_is_set(&pr->tunnel_secret.value)) {
		cfg->secret = pr->tunnel_secret.value.data;
		cfg->secret_len = pr->tunnel_secret.value.len;
	}
	if (pr->hello_interval_s)
		cfg->hello_interval_s = pr->hello_interval_s;
	if (pr->liveness_s)
		cfg->hello_interval_s = conn_liveness_for(pr->liveness_s).hello_interval_s;
	if (pr->retries)
		cfg->rtx_max_tries = pr->retries;
	cfg->data_mode = c->kernel_path ? L2TP_DATA_KERNEL : L2TP_DATA_USERSPACE;
	if (!c->kernel_path)
		cfg->transport = &c->l2tp_tx; /* filled by conn_start() */
}

/* The kernel path needs kernel ESP, kernel L2TP, /dev/ppp and pppd. */
static bool kernel_ppp_available(struct conn *c, const char **why)
{
	char buf[64];

	if (l2tp_kernel_probe(c->lg) == 0) {
		*why = "the kernel has no L2TP (l2tp_ppp)";
		return false;
	}
	if (access("/dev/ppp", R_OK | W_OK) != 0) {
		*why = "no /dev/ppp (the kernel has no PPP)";
		return false;
	}
	if (!spawn_find("pppd", buf, sizeof(buf))) {
		*why = "pppd is not installed (Debian package ppp)";
		return false;
	}
	return true;
}

/* The userspace path moves IP packets through a TUN device opened now, so a
 * missing /dev/net/tun fails before anything is sent. */
static int setup_tun(struct conn *c)
{
	if (c->kernel_path || c->tun_fd >= 0)
		return 0; /* pppd makes its own; a reconnect keeps ours */
	c->ifname[0] = '\0';
	c->tun_fd = tun_open_offload(c->ifname, &c->tun_vnet);
	if (c->tun_fd < 0) {
		conn_fail(c, EXIT_FAILURE_GENERIC, "cannot create a TUN device: %s",
		          strerror(errno));
		return -1;
	}
	return 0;
}

/* Decides the data path (c->kernel_path) and creates the ESP side of it,
 * with the TUN device for the userspace one (conn_layers.datapath_new).
 * auto: the kernel when it has everything, else userspace (logged). */
int conn_setup_datapath(struct conn *c, const struct esp_callbacks *cb)
{
	enum profile_datapath want = c->p->profile->datapath;
	enum esp_datapath_kind kind = ESP_DP_USERSPACE;
	const char *why = NULL;

	if (want != PROFILE_DATAPATH_USERSPACE) {
		if (kernel_ppp_available(c, &why))
			kind = want == PROFILE_DATAPATH_KERNEL ? ESP_DP_KERNEL : ESP_DP_AUTO;
		else if (want == PROFILE_DATAPATH_KERNEL) {
			conn_fail_local(c, CONN_LOCAL_KERNEL_PATH, EXIT_CONFIG,
			                "datapath = kernel is not possible here: %s", why);
			return -1;
		}
	}
	c->esp = esp_datapath_new(c->loop, c->lg, kind, cb, c);
	if (!c->esp) {
		conn_fail(c, want == PROFILE_DATAPATH_KERNEL ? EXIT_CONFIG : EXIT_FAILURE_GENERIC,
		          "the %s ESP data path cannot work here", esp_datapath_kind_name(kind));
		return -1;
	}
	c->kernel_path = esp_datapath_kind_in_use(c->esp) == ESP_DP_KERNEL;
	if (!c->kernel_path && why && want == PROFILE_DATAPATH_AUTO)
		log_notice(c->lg, LOG_CLIENT, "userspace data path: %s", why);
	if (c->kernel_path)
		esp_kernel_cleanup_stale(c->lg);
	return setup_tun(c);
}

void conn_cleanup_stale(struct logger *lg, const char *run_dir, const char *name)
{
	struct netcfg net;
	struct dns dns;
	char path[300];

	snprintf(path, sizeof(path), "%s/%s.routes", run_dir, name);
	if (netcfg_open(&net, lg) == 0) {
		netcfg_undo_file(&net, path);
		netcfg_close(&net);
	}
	dns_init(&dns, lg, name, run_dir, "/etc/resolv.conf");
	dns_revert_stale(&dns);
	esp_kernel_cleanup_stale(lg);
	mss_nft_remove(lg, name);
}

/* The DPD interval IKE runs with: the profile's, or what liveness asks. */
uint32_t conn_dpd_interval_s(const struct profile *pr)
{
	return pr->liveness_s ? conn_liveness_for(pr->liveness_s).dpd_interval_s
	                      : pr->dpd_interval_s;
}

/* One policy, three mechanisms: each layer probes often enough that it
 * gives up after about the same silence (RFC 3706 §5.5 DPD retries, RFC 2661
 * §6.5 HELLO with its retransmissions, RFC 1661 §5.8 echo). */
struct conn_liveness conn_liveness_for(uint32_t dead_after_s)
{
	struct conn_liveness l;

	l.dpd_tries = 5;
	l.dpd_interval_s = MAX(dead_after_s / l.dpd_tries, 4u);
	/* a HELLO is retransmitted for about 30 s before the tunnel is dead */
	l.hello_interval_s = MAX(dead_after_s > 40 ? dead_after_s - 30 : dead_after_s / 2, 10u);
	l.echo_failure = 4;
	l.echo_interval_s = MAX(dead_after_s / l.echo_failure, 2u);
	return l;
}

/* Windows and most LACs send from 1701, but a NAT that already maps 1701
 * for another client, or a gateway that still holds a stale tunnel from
 * 1701, swallows our SCCRQ. The L2TP engine's own port switch cannot be
 * used: the IPsec SA's selectors name the port (RFC 3193 §4), so a packet
 * from another port would miss the kernel policy. A new start from a random
 * port negotiates an SA for that port. Once per connection. */
bool conn_l2tp_port_retry(struct conn *c, const struct l2tp_failure *why)
{
	if (c->p->profile->l2tp_port != PROFILE_L2TP_PORT_AUTO || c->l2tp_port != 0 ||
	    c->l2tp_port_retry != CONN_PORT_RETRY_NONE)
		return false;
	if (why->stage != L2TP_STAGE_TUNNEL_SETUP || why->cause != L2TP_CAUSE_NO_ANSWER)
		return false;
	c->l2tp_port = conn_random_l2tp_port();
	c->l2tp_port_retry = CONN_PORT_RETRY_PENDING;
	log_notice(c->lg, LOG_CLIENT,
	           "no answer to SCCRQ from port 1701: starting over from port %u (port = auto)",
	           c->l2tp_port);
	return true;
}

uint16_t conn_random_l2tp_port(void)
{
	uint16_t port = 49152; /* the range's first when there is no randomness */

	l2tp_random_port(&port);
	return port;
}

/* ---- SA pairs installed for the IKE session ---- */

static void sa_remember(struct conn *c, uint32_t id, const struct esp_sa_pair *pair, bool outbound)
{
	for (size_t i = 0; i < CONN_MAX_SAS; i++) {
		if (c->sas[i].id == 0) {
			c->sas[i] =
			    (struct conn_sa_slot){id, pair->in.spi, pair->out.spi, outbound, false};
			return;
		}
	}
	log_warn(c->lg, LOG_CLIENT, "more than %d SA pairs at once", CONN_MAX_SAS);
}

static void sa_forget(struct conn *c, uint32_t id)
{
	for (size_t i = 0; i < CONN_MAX_SAS; i++)
		if (c->sas[i].id == id)
			c->sas[i].id = 0;
}

/* A pair with an outbound half now carries traffic: a pair kept only as
 * the kernel path's last one (conn_sa_keep_last) is not needed any more. */
static void sa_outbound_moved(struct conn *c, uint32_t id)
{
	for (size_t i = 0; i < CONN_MAX_SAS; i++) {
		if (c->sas[i].id == id) {
			c->sas[i].outbound = true;
		} else if (c->sas[i].id && c->sas[i].dropped) {
			esp_retire(c->esp, c->sas[i].id, CONN_SA_IDLE_MS);
			c->sas[i].id = 0;
		}
	}
}

bool conn_sa_keep_last(const struct conn_sa_slot *sas, size_t n, size_t idx, bool kernel_path,
                       bool l2tp_alive)
{
	if (!kernel_path || !l2tp_alive || !sas[idx].outbound)
		return false;
	for (size_t i = 0; i < n; i++)
		if (i != idx && sas[i].id && sas[i].outbound)
			return false;
	return true;
}

bool conn_sa_expiry_unreplaced(const struct conn_sa_slot *sas, size_t n, uint32_t id)
{
	const struct conn_sa_slot *self = NULL;

	for (size_t i = 0; i < n; i++)
		if (sas[i].id == id)
			self = &sas[i];
	if (!self || self->dropped)
		return false;
	for (size_t i = 0; i < n; i++)
		if (sas[i].id > id && sas[i].outbound && !sas[i].dropped)
			return false;
	return true;
}

/* The id of an installed pair with these SPIs, 0 if none. */
static uint32_t sa_find(const struct conn *c, const struct esp_sa_pair *pair)
{
	for (size_t i = 0; i < CONN_MAX_SAS; i++)
		if (c->sas[i].id && c->sas[i].spi_in == pair->in.spi &&
		    c->sas[i].spi_out == pair->out.spi)
			return c->sas[i].id;
	return 0;
}

void conn_sa_activate_pending(struct conn *c)
{
	uint32_t id = c->sa_pending;

	c->sa_pending = 0;
	loop_timer_stop(c->loop, &c->sa_timer);
	if (!id || !c->esp)
		return;
	if (esp_activate_outbound(c->esp, id) < 0)
		log_warn(c->lg, LOG_CLIENT, "cannot move outbound traffic to SA %u", id);
	else
		sa_outbound_moved(c, id);
}

void conn_on_sa_timer(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct conn *c = ctx;

	(void)loop;
	(void)t;
	log_info(c->lg, LOG_CLIENT, "SA %u: outbound moved after a pause (no answer to R-U-THERE)",
	         c->sa_pending);
	conn_sa_activate_pending(c);
}

/* Our own rekey: the gateway installs the pair when QM3 arrives (RFC 2409
 * §5.5, strongSwan and Libreswan as responders), so what we sent on it at
 * once could beat QM3 and be dropped there. The pair goes in inbound only,
 * before QM3 leaves (IKE hands it over through cb.sa_inbound: the gateway
 * sends on it as soon as it has QM3, see ike/quick_mode.c); outbound
 * moves when the gateway answers an R-U-THERE sent after QM3
 * (it handles one ISAKMP SA's messages in order). Only should that answer
 * not come does a pause decide: CONN_SA_ACK_WAIT_MS, under the old
 * pair's grace time (ike/rekey.c). Without DPD the pause is twice the
 * Quick Mode round trip (100 ms to 1 s). A pause of twice the round trip
 * even with the R-U-THERE out was what lost a ping now and then on a
 * loaded machine: the gateway's QM3 handling (installing the pair)
 * outlasted it, and our first packets on the pair arrived before it. */
#define CONN_SA_ACK_WAIT_MS 1500
uint32_t conn_sa_install_ours_inbound(struct conn *c, const struct esp_sa_pair *pair)
{
	uint32_t id = esp_install_inbound(c->esp, pair, ike_natt_fd(c->ike));

	if (!id)
		return 0;
	sa_remember(c, id, pair, false);
	conn_sa_activate_pending(c);
	c->sa_pending = id;
	return id;
}

/* QM3 is out: wait for the gateway to have handled it. */
static void await_gateways_qm3(struct conn *c)
{
	struct ike_status st;
	uint64_t ms;

	ike_get_status(c->ike, &st);
	ms = (uint64_t)st.qm_rtt_ms * 2;
	ms = ms < 100 ? 100 : ms > 1000 ? 1000 : ms;
	if (ike_ping(c->ike) == 0)
		ms = CONN_SA_ACK_WAIT_MS;
	loop_timer_start(c->loop, &c->sa_timer, ms);
}

uint32_t conn_sa_install(struct conn *c, const struct esp_sa_pair *pair, bool inbound_only,
                         bool is_rekey)
{
	uint32_t id = inbound_only ? 0 : sa_find(c, pair);

	if (inbound_only) {
		id = esp_install_inbound(c->esp, pair, ike_natt_fd(c->ike));
		if (id)
			sa_remember(c, id, pair, false);
		return id;
	}
	/* Our rekey, its inbound half in since before QM3. */
	if (id && id == c->sa_pending) {
		await_gateways_qm3(c);
		return id;
	}
	/* The gateway's rekey: its inbound half is in already and the gateway
	 * sends on it: outbound traffic moves to it now. A pair of ours still
	 * waiting (a collision) never carries any: IKE keeps this newer one
	 * and deletes the other. */
	if (id && esp_activate_outbound(c->esp, id) == 0) {
		c->sa_pending = 0;
		loop_timer_stop(c->loop, &c->sa_timer);
		sa_outbound_moved(c, id);
		return id;
	}
	if (id) {
		esp_delete(c->esp, id);
		sa_forget(c, id);
	}
	if (is_rekey && c->state != CONN_IKE && (id = conn_sa_install_ours_inbound(c, pair)) != 0) {
		await_gateways_qm3(c);
		return id;
	}
	id = esp_install(c->esp, pair, ike_natt_fd(c->ike));
	if (id) {
		sa_remember(c, id, pair, true);
		sa_outbound_moved(c, id);
	}
	return id;
}

const struct conn_layers conn_layers_real = {
    .ike_new = ike_new,
    .ike_start = ike_start,
    .ike_set_force_encaps = ike_set_force_encaps,
    .ike_ping = ike_ping,
    .ike_get_status = ike_get_status,
    .ike_rehome = ike_rehome,
    .ike_stop = ike_stop,
    .ike_free = ike_free,
    .datapath_new = conn_setup_datapath,
    .sa_install = conn_sa_install,
    .sa_install_ours_inbound = conn_sa_install_ours_inbound,
    .esp_free = esp_datapath_free,
    .l2tp_new = l2tp_new,
    .l2tp_prepare = l2tp_prepare,
    .l2tp_start = l2tp_start,
    .l2tp_stop = l2tp_stop,
    .l2tp_free = l2tp_free,
    .ppp_prepare = conn_data_prepare,
    .ppp_start = conn_data_start,
    .ppp_stop = conn_data_stop,
    .ppp_free = conn_data_free,
    .net_recover = conn_net_recover,
    .net_up = conn_net_up,
    .net_down = conn_net_down,
};

/* The ip-up script pppd runs: installed next to us, or, for a binary run
 * from its build tree, the one in the source tree. */
const char *conn_ip_up_script(char *buf, size_t bufsz)
{
	char exe[PATH_MAX];
	ssize_t n;

	snprintf(buf, bufsz, "%s/l2tpsec-ip-up", L2TPSEC_HELPER_DIR);
	if (access(buf, X_OK) == 0)
		return buf;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	if (strncmp(exe, L2TPSEC_BUILDDIR "/", strlen(L2TPSEC_BUILDDIR) + 1) != 0)
		return NULL;
	snprintf(buf, bufsz, "%s/ppp/l2tpsec-ip-up", L2TPSEC_SRCDIR);
	return access(buf, X_OK) == 0 ? buf : NULL;
}
