/*
 * The supervisor's insides, shared by client/conn*.c and the supervisor's
 * unit tests only; everything else goes through client/conn.h.
 *
 * State lives in two places, each changed by one function:
 *   c->state           the connection's stage, conn_set_state(): IDLE ->
 *                      IKE -> L2TP -> PPP -> UP; any of them -> STOPPING ->
 *                      DOWN; DOWN -> IKE for a reconnect.
 *   c->layer[]         each protocol layer's own {absent, starting, up,
 *                      stopping}, conn_layer_set(); teardown walks it top
 *                      down (conn_stop_next).
 */
#ifndef L2TPSEC_CLIENT_CONN_INTERNAL_H
#define L2TPSEC_CLIENT_CONN_INTERNAL_H

#include "client/conn.h"
#include "lib/codel.h"
#include "sys/mss_nft.h"

enum conn_layer {
	CONN_LAYER_IKE,
	CONN_LAYER_L2TP,
	CONN_LAYER_PPP, /* built-in PPP or pppd */
	CONN_LAYER_COUNT,
};

enum conn_layer_state {
	CONN_LAYER_ABSENT, /* not made, ended, or freed */
	CONN_LAYER_STARTING,
	CONN_LAYER_UP,
	CONN_LAYER_STOPPING, /* asked to end; its end callback follows */
};

struct conn;

/* The userspace path's queue management (client/conn_queue.c): CoDel on the
 * two queues it reads from, the TUN device's ring (out) and the NAT-T
 * socket's receive queue (in); [client] queue. */
struct conn_queue {
	bool codel;            /* else tail drop only */
	struct codel out, in;  /* TUN ring, NAT-T receive queue */
	uint64_t out_empty_ms; /* when a TUN read last found the ring empty */
	uint64_t dropped_out, marked_out, dropped_in, marked_in;
};

/* The layers as the supervisor drives them: made, started, asked to stop
 * and freed, and the host's side (data path, network). conn_init() points
 * c->layers at conn_layers_real; the supervisor's unit test
 * (tests/unit/test_conn_supervisor.c) gives fakes that record the calls and
 * fire the events back through the callbacks the supervisor hands them
 * (conn_ppp_events for PPP). What else the supervisor asks of a running
 * layer (rekeys, packets, status) needs the real ones. */
struct conn_layers {
	/* IKE (ike/ike.h) */
	struct ike_session *(*ike_new)(struct loop *loop, struct logger *lg,
	                               const struct ike_config *cfg, const struct ike_callbacks *cb,
	                               void *ctx);
	int (*ike_start)(struct ike_session *s);
	void (*ike_set_force_encaps)(struct ike_session *s, bool force);
	int (*ike_ping)(struct ike_session *s);
	void (*ike_get_status)(const struct ike_session *s, struct ike_status *st);
	int (*ike_rehome)(struct ike_session *s);
	void (*ike_stop)(struct ike_session *s);
	void (*ike_free)(struct ike_session *s);
	/* The ESP data path (sets c->esp and c->kernel_path) and on the
	 * userspace path the TUN device; SA pairs IKE hands over; the free
	 * deletes every SA still installed. */
	int (*datapath_new)(struct conn *c, const struct esp_callbacks *cb);
	uint32_t (*sa_install)(struct conn *c, const struct esp_sa_pair *pair, bool inbound_only,
	                       bool is_rekey);
	uint32_t (*sa_install_ours_inbound)(struct conn *c, const struct esp_sa_pair *pair);
	void (*esp_free)(struct esp_datapath *esp);
	/* L2TP (l2tp/l2tp.h) */
	struct l2tp *(*l2tp_new)(struct loop *loop, const struct logger *lg,
	                         const struct l2tp_config *cfg, const struct l2tp_callbacks *cb,
	                         void *ctx);
	int (*l2tp_prepare)(struct l2tp *l2tp);
	int (*l2tp_start)(struct l2tp *l2tp);
	void (*l2tp_stop)(struct l2tp *l2tp);
	void (*l2tp_free)(struct l2tp *l2tp);
	/* PPP on the L2TP session, built-in or pppd (client/conn_data.c):
	 * prepare gives 1 when PPP runs from then on (pppd waiting for its
	 * session), 0 when it starts with the session; stop gives true when
	 * PPP ended at once (no down event follows). */
	int (*ppp_prepare)(struct conn *c);
	int (*ppp_start)(struct conn *c, const struct l2tp_session_info *info);
	bool (*ppp_stop)(struct conn *c);
	void (*ppp_free)(struct conn *c);
	/* The host (client/conn_net.c): undo what a crashed run left; the
	 * interface, routes and DNS once PPP has addresses, and back. */
	void (*net_recover)(struct conn *c);
	int (*net_up)(struct conn *c, const struct conn_ip *ip);
	void (*net_down)(struct conn *c);
};

extern const struct conn_layers conn_layers_real;

#define CONN_MAX_SAS 6 /* old, current, two the gateway is making, ours, spare */

/* A pair installed for the IKE session, by its data path id. */
struct conn_sa_slot {
	uint32_t id, spi_in, spi_out;
	bool outbound; /* its outbound half carries (or carried) traffic */
	bool dropped;  /* IKE dropped it; kept as the kernel path's last pair */
};

struct conn {
	struct loop *loop;
	struct logger *lg;
	const struct conn_params *p;
	struct conn_events ev;
	void *ev_ctx;
	const struct conn_layers *layers; /* conn_layers_real but in tests */

	enum conn_state state; /* changed by conn_set_state() only */
	bool kernel_path;      /* XFRM + kernel L2TP + pppd; else all in-process */
	int exit_code;
	char failure[320];       /* one line: stage and reason */
	struct conn_failure why; /* the layer's values (exit code, text: above) */

	struct ike_session *ike;
	struct esp_datapath *esp;
	struct natt_sock *natt; /* userspace path: reads and sends on the 4500 socket */
	struct conn_sa_slot sas[CONN_MAX_SAS];
	uint32_t sa_pending;        /* our rekey's pair, outbound not yet moved to it */
	struct loop_timer sa_timer; /* moves it after a pause (conn_sa_install) */
	enum esp_cipher sa_cipher;  /* of the newest SA, for the MTU */
	enum esp_auth sa_auth;
	bool sa_udp_encap;
	struct l2tp *l2tp;
	struct l2tp_transport l2tp_tx;
	struct ppp *ppp;
	struct pppd *pppd;

	int tun_fd;
	bool tun_vnet;       /* virtio headers and TCP offloads (sys/tun_offload.h) */
	struct tun_gro *gro; /* with them: coalescing of what we write */
	uint8_t *tun_rx;     /* with them: one read, up to a 64 KiB super-packet */
	struct conn_queue queue;
	char ifname[IFNAMSIZ];
	struct conn_ip ip;
	struct conn_ip6 ip6;
	struct netcfg net;
	/* kernel path: forwarded TCP's MSS through the PPP interface */
	struct mss_nft mss;
	bool net_open, net_configured;
	struct dns dns;
	char state_path[300];     /* saved routes for crash undo */
	struct hook_runner hooks; /* the profile's hook, off the loop's path */
	/* Settings the gateway pushes in answer to DHCPINFORM (issue 15):
	 * asked for when the profile has no routes of its own. */
	struct dhcp_inform dhcp;
	struct dhcp_info pushed;
	bool pushed_valid;
	/* DHCPv6 when the gateway's RA sets M or O (issue 17): its DNS
	 * servers and search list join the RA's, its address goes on */
	struct dhcp6_client dhcp6;
	struct dhcp6_info dhcp6_got;
	bool dhcp6_asked, dhcp6_valid;

	/* Which layers run; the stop sequence walks them top down. Changed
	 * by conn_layer_set() only. PPP: the built-in one or pppd. */
	enum conn_layer_state layer[CONN_LAYER_COUNT];

	/* Reconnects (client/daemon.c decides when): a connection that was up
	 * and failed for a reason that may go away keeps its interface, routes
	 * and DNS while it waits, so traffic does not leak past the tunnel. */
	bool was_up;        /* set when the tunnel comes up (conn_net.c) */
	uint16_t l2tp_port; /* our L2TP port; 0: 1701 */
	/* port = auto: SCCRQ from 1701 went unanswered, so one new start from
	 * a random port (a new Quick Mode: the SA's selectors name the port). */
	enum {
		CONN_PORT_RETRY_NONE,
		CONN_PORT_RETRY_PENDING,
		CONN_PORT_RETRY_USED
	} l2tp_port_retry;
	/* The gateway's address in use and the other family's (AF_UNSPEC:
	 * none or used): MM1 unanswered before the first connection moves to
	 * it once (RFC 8305-like, one family at a time). */
	struct sockaddr_storage gateway, gateway_alt;
	bool family_fallback; /* pending: conn_should_reconnect() acts on it */
	bool keep_net;        /* set by conn_finish() for a reconnect */
	unsigned attempts;    /* reconnect attempts since the tunnel was last up */
	/* conn_abort() for a changed path: the restart that follows at once
	 * is not a failed attempt, and does not count as one */
	bool roamed;
	/* the last attempt ended at MM1: no answer, or a notify (a gateway
	 * still starting up); reconnects follow quickly, see daemon.c */
	bool gw_silent;
	char last_failure[320];

	struct loop_timer stop_timer;    /* bounds a graceful stop */
	struct loop_timer l2tp_timer;    /* delays SCCRQ after Quick Mode */
	struct loop_timer traffic_timer; /* kernel path: inbound counters for DPD */
	uint64_t last_in_packets;
	/* kernel path: the gateway hung up while pppd authenticated; pppd may
	 * yet say why (conn_data_hold_verdict) */
	struct loop_timer verdict_timer;
	int held_code;
	struct conn_failure held_why;
	char held_failure[300];
	uint64_t started_ms, up_ms;
};

void conn_init(struct conn *c, struct loop *loop, struct logger *lg, const struct conn_params *p,
               const struct conn_events *ev, void *ev_ctx);

/* After IKE failed: MM1 unanswered from the first of the gateway's families
 * before the first connection moves c->gateway to the other one, once
 * (conn_should_reconnect then says yes). true when it did. */
bool conn_try_other_family(struct conn *c, const struct ike_failure *f);

/* Moves c->state, logging "old -> new" (and the stage's progress line at
 * the default level); an invalid transition is refused and logged as an
 * internal error: false. */
bool conn_set_state(struct conn *c, enum conn_state to);
/* Whether from -> to is a transition the supervisor makes. */
bool conn_state_transition_valid(enum conn_state from, enum conn_state to);
void conn_layer_set(struct conn *c, enum conn_layer l, enum conn_layer_state s);
/* The layer exists and has not ended (starting, up or stopping). */
static inline bool conn_layer_running(const struct conn *c, enum conn_layer l)
{
	return c->layer[l] != CONN_LAYER_ABSENT;
}
const char *conn_layer_name(enum conn_layer l);
const char *conn_layer_state_name(enum conn_layer_state s);

/* Internal: shared by conn*.c */
void conn_fail(struct conn *c, int exit_code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same with the layer's values (why->exit_code and text unused). */
void conn_fail_why(struct conn *c, const struct conn_failure *why, int exit_code, const char *fmt,
                   ...) __attribute__((format(printf, 4, 5)));
void conn_fail_local(struct conn *c, enum conn_fail_local local, int exit_code, const char *fmt,
                     ...) __attribute__((format(printf, 4, 5)));
/* The next step of the stop sequence; called again by each layer's end. */
void conn_stop_next(struct conn *c);
void conn_on_stop_timeout(struct loop *loop, struct loop_timer *t, void *ctx);
/* PPP on the L2TP session: built-in (userspace) or pppd (kernel). Made
 * ready before the session exists (the built-in one made, pppd started to
 * wait for the session, see pppd_start), started once it is up
 * (conn_layers.ppp_*). */
int conn_data_prepare(struct conn *c);
/* The ip-up script pppd runs (installed, or the source tree's for a
 * binary run from its build tree); NULL when there is none. */
const char *conn_ip_up_script(char *buf, size_t bufsz);
int conn_data_start(struct conn *c, const struct l2tp_session_info *info);
/* Asks the running PPP to end (its layer already marked stopping); pppd
 * without its session ends at once: true. */
bool conn_data_stop(struct conn *c);
void conn_data_free(struct conn *c);
void conn_ppp_frame(struct conn *c, const uint8_t *frame, size_t len);

/* Queue management of the userspace path (client/conn_queue.c). */
void conn_queue_reset(struct conn *c);
/* An IP packet read from TUN at now_ms (the loop's round): true when
 * CoDel drops it; an ECN-capable one is marked in place instead. */
bool conn_queue_out_drop(struct conn *c, uint8_t *pkt, size_t len, uint64_t now_ms);
/* A TUN read found the ring empty at now_ms. */
void conn_queue_out_empty(struct conn *c, uint64_t now_ms);
enum conn_queue_verdict { CONN_QUEUE_PASS, CONN_QUEUE_MARK, CONN_QUEUE_DROP };
/* An IP packet from the gateway on its way to TUN, as the NAT-T socket read
 * it: pass, mark (the caller sets CE in a copy: PPP hands it read-only) or
 * drop. */
enum conn_queue_verdict conn_queue_in(struct conn *c, const uint8_t *pkt, size_t len);
/* The built-in PPP's events (ctx: the connection), which pppd's mirror. */
extern const struct ppp_callbacks conn_ppp_events;
/* PPP has its IPv4 addresses: the host's side (conn_layers.net_up), then
 * the tunnel is up (state UP, ev.up); a failure fails the connection. */
void conn_ip_up(struct conn *c, const struct conn_ip *ip);
/* PPP is up: a one-time password has been used and is wiped everywhere. */
void conn_password_used(struct conn *c);
/* Why PPP ended (or pppd said it will), as the connection's failure. */
void conn_ppp_judge(struct conn *c, const struct ppp_failure *why);
/* A PPP authentication method refused: the failure names the setting. */
void conn_fail_auth_refused(struct conn *c, const struct ppp_failure *why);
/* The exit code of an L2TP failure: authentication (10), the connection
 * lost (9, once PPP runs) or L2TP (6). */
int conn_l2tp_exit_code(const struct conn *c, const struct l2tp_failure *why);
/* The L2TP call ended before PPP came up. On the kernel path pppd may know
 * why (a wrong password, a refused method) and not have said so yet: its
 * log is read and, while it runs, the L2TP verdict (code, failure) waits a
 * little for it. true when the verdict is taken or held; false: the caller
 * fails the connection itself. */
bool conn_data_hold_verdict(struct conn *c, const struct conn_failure *why, int code,
                            const char *failure);
void conn_on_verdict_timer(struct loop *loop, struct loop_timer *t, void *ctx);
void conn_setup_ike_config(struct conn *c, struct ike_config *cfg);
/* While reconnecting, IKE retransmits at most this far apart, so that a
 * gateway back from a restart or reboot answers within seconds. */
/* The first family's MM1 while another family is left to try: 3 sends,
 * no answer after 1 + 2 + 4 s moves on (RFC 8305 §5 waits much less for a
 * TCP handshake; IKE's first answer may cost a loaded gateway more). */
#define CONN_FIRST_FAMILY_RTX     ((struct ike_retransmit){1000, 4000, 3})
#define CONN_RECONNECT_RTX_MAX_MS 3000
#define CONN_RECONNECT_RTX_TRIES  10
void conn_setup_l2tp_config(struct conn *c, struct l2tp_config *cfg);
/* The ESP data path, and the TUN device for the userspace one. */
int conn_setup_datapath(struct conn *c, const struct esp_callbacks *cb);
/* Installs a pair the IKE session hands over and remembers its id by
 * SPIs: the whole pair (its inbound half already in: outbound moves to it
 * now for the gateway's rekey, once the gateway has handled QM3 for ours),
 * or inbound_only (the gateway's rekey before QM3). 0 on failure. */
uint32_t conn_sa_install(struct conn *c, const struct esp_sa_pair *pair, bool inbound_only,
                         bool is_rekey);
/* Our rekey's pair before QM3 leaves: inbound only, outbound to move to
 * it once the gateway has handled QM3 (conn_sa_install, when IKE hands
 * the whole pair over right after QM3). 0 on failure. */
uint32_t conn_sa_install_ours_inbound(struct conn *c, const struct esp_sa_pair *pair);
/* Outbound traffic moves to our rekey's pair now (the gateway answered an
 * R-U-THERE sent after QM3, or the pause is over). */
void conn_sa_activate_pending(struct conn *c);
/* IKE dropped the pair in slot idx: true when it must stay installed as
 * it is, the kernel path's last pair with an outbound state while L2TP is
 * up (without it the kernel would send PPP's and L2TP's goodbyes in
 * plaintext); pairs installed inbound only never count. */
bool conn_sa_keep_last(const struct conn_sa_slot *sas, size_t n, size_t idx, bool kernel_path,
                       bool l2tp_alive);
/* The hard expiry of pair id is a loss (warned about) only when no newer
 * pair with an outbound half replaced it; a pair IKE dropped or no longer
 * tracks (retired after a rekey) was replaced. */
bool conn_sa_expiry_unreplaced(const struct conn_sa_slot *sas, size_t n, uint32_t id);
/* How long a dropped pair's inbound half must be idle before it goes
 * (esp_retire). */
#define CONN_SA_IDLE_MS 2000
void conn_on_sa_timer(struct loop *loop, struct loop_timer *t, void *ctx);
void conn_on_traffic_timer(struct loop *loop, struct loop_timer *t, void *ctx);

/* The profile's liveness (seconds of silence after which the gateway is
 * dead) as the three layers' probe settings. */
struct conn_liveness {
	uint32_t dpd_interval_s, dpd_tries;
	unsigned hello_interval_s;
	unsigned echo_interval_s, echo_failure;
};
struct conn_liveness conn_liveness_for(uint32_t dead_after_s);
uint32_t conn_dpd_interval_s(const struct profile *pr);
/* A random L2TP port from the dynamic range (RFC 6335 §6): 49152-65535. */
uint16_t conn_random_l2tp_port(void);
/* On an L2TP failure: true when it calls for one more start from a random
 * port (port = auto, SCCRQ from 1701 unanswered); then c->l2tp_port is set. */
bool conn_l2tp_port_retry(struct conn *c, const struct l2tp_failure *why);
void conn_on_l2tp_timer(struct loop *loop, struct loop_timer *t, void *ctx);
/* Leftovers of a crashed run of this connection: routes, DNS. */
void conn_net_recover(struct conn *c);
int conn_net_up(struct conn *c, const struct conn_ip *ip);
/* IPV6CP opened: applied now if IPv4 is configured, else with it. */
int conn_net_ipv6_up(struct conn *c, const uint8_t local_ifid[8], const uint8_t peer_ifid[8]);
/* Kernel path: pppd 2.4.9 runs only the host's ipv6-up script, so IPV6CP
 * shows as the link-local address it sets on the interface: looked for
 * when IPv4 comes up and then on the traffic timer. */
void conn_net_ipv6_poll(struct conn *c);
void conn_net_down(struct conn *c);

#endif
