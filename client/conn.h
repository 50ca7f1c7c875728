/*
 * One VPN connection: IKE -> ESP -> L2TP -> PPP (built-in or pppd) -> the
 * interface, routes and DNS; and the way back down. The connection drives
 * the layers through their callbacks on one event loop and records the
 * first failure with the stage it happened at, which decides the exit code.
 */
#ifndef L2TPSEC_CLIENT_CONN_H
#define L2TPSEC_CLIENT_CONN_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "client/ctl.h"
#include "client/exit_status.h"
#include "sys/dhcp_inform.h"
#include "sys/dns.h"
#include "sys/hook.h"
#include "sys/netcfg.h"
#include "sys/rdnss.h"
#include "config/profile.h"
#include "esp/esp.h"
#include "ike/ike.h"
#include "l2tp/l2tp.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "ppp/ppp.h"

/* The supervisor's names for the exit statuses (client/exit_status.h). */
enum conn_exit {
	CONN_EXIT_OK = EXIT_OK,
	CONN_EXIT_FAILURE = EXIT_FAILURE_GENERIC,
	CONN_EXIT_CONFIG = EXIT_CONFIG,
	CONN_EXIT_NETWORK = EXIT_NETWORK,
	CONN_EXIT_IKE = EXIT_IKE,
	CONN_EXIT_L2TP = EXIT_L2TP,
	CONN_EXIT_PPP_AUTH = EXIT_PPP_AUTH,
	CONN_EXIT_PPP = EXIT_PPP,
	CONN_EXIT_PEER_CLOSED = EXIT_PEER_CLOSED,
	CONN_EXIT_GW_AUTH = EXIT_GW_AUTH,
};

/* Authentication failures (7, 10): retrying cannot fix them and makes things
 * worse (RRAS with NPS locks the domain account after a few wrong
 * passwords), so they end the connection, no reconnect, and the systemd unit
 * lists them in RestartPreventExitStatus; unless retry-auth-failures = yes. */
bool conn_exit_is_auth(int exit_code);
/* Whether IKE failed on authentication: the gateway's hash, signature or
 * certificate did not verify, or it refused ours (RFC 2408 §3.14.1 notify
 * types), or its answer to MM5 does not decrypt (a different PSK). */
bool conn_ike_auth_failed(const struct ike_failure *f);

enum conn_state {
	CONN_IDLE,
	CONN_IKE, /* Main Mode / Quick Mode */
	CONN_L2TP, /* control connection and session */
	CONN_PPP, /* LCP, authentication, IPCP */
	CONN_UP,
	CONN_STOPPING,
	CONN_DOWN,
};

struct ask_plan;
struct savekeys;

/* Everything the connection needs that is not in the profile. */
struct conn_params {
	const struct profile *profile;
	/* The PPP password (the profile's, read from its file or asked for).
	 * A one-time code (password-type = otp) is wiped once PPP is up; a new
	 * PPP session asks through ask, or fails when nobody can be asked. */
	struct secret *password;
	const struct ask_plan *ask; /* NULL: nobody to ask again */
	struct savekeys *savekeys;  /* --save-keys; NULL: off */
	struct sockaddr_in gateway; /* resolved, port 500 */
	X509 *cert; /* loaded from the profile's paths (certificate auth) */
	EVP_PKEY *key;
	X509_STORE *ca;
	const char *run_dir; /* control socket and crash-undo state */
	const char *resolv_conf; /* normally /etc/resolv.conf */
};

struct conn_ip {
	struct in_addr local, peer, dns[2];
	unsigned mtu;
};

/* IPv6 inside the tunnel (client/conn_net.c): IPV6CP's interface
 * identifiers (RFC 5072), the rest comes from the gateway's RAs. */
struct conn_ip6 {
	bool up;         /* IPV6CP opened on this PPP session */
	bool configured; /* link-local, RA handling and routes are set */
	bool routed;     /* a global address came: full tunnel routes IPv6 in */
	uint8_t local_ifid[8], peer_ifid[8];
	/* DNS servers from the gateway's RAs (RDNSS, RFC 8106) */
	bool rdnss_listening, take_rdnss;
	int rdnss_fd;
	size_t n_dns;
	struct in6_addr dns[RDNSS_MAX];
};

struct conn;
struct conn_events {
	/* after crash leftovers are undone, before IKE starts (may be NULL) */
	void (*prepare)(struct conn *c, void *ctx);
	void (*up)(struct conn *c, void *ctx); /* PPP is up, routes and DNS set */
	void (*down)(struct conn *c, void *ctx); /* all torn down; c->exit_code final */
};

#define CONN_MAX_SAS 6 /* old, current, two the gateway is making, ours, spare */

struct conn {
	struct loop *loop;
	struct logger *lg;
	const struct conn_params *p;
	struct conn_events ev;
	void *ev_ctx;

	enum conn_state state;
	bool kernel_path; /* XFRM + kernel L2TP + pppd; else all in-process */
	int exit_code;
	char failure[320]; /* one line: stage and reason */

	struct ike_session *ike;
	struct esp_datapath *esp;
	struct natt_sock *natt; /* userspace path: reads and sends on the 4500 socket */
	struct {
		uint32_t id, spi_in, spi_out;
	} sas[CONN_MAX_SAS];
	uint32_t sa_pending; /* our rekey's pair, outbound not yet moved to it */
	struct loop_timer sa_timer; /* moves it after a pause (conn_sa_install) */
	enum esp_cipher sa_cipher; /* of the newest SA, for the MTU */
	enum esp_auth sa_auth;
	bool sa_udp_encap;
	struct l2tp *l2tp;
	struct l2tp_transport l2tp_tx;
	struct ppp *ppp;
	struct pppd *pppd;

	int tun_fd;
	bool tun_vnet; /* virtio headers and TCP offloads (sys/tun_offload.h) */
	struct tun_gro *gro; /* with them: coalescing of what we write */
	uint8_t *tun_rx; /* with them: one read, up to a 64 KiB super-packet */
	char ifname[IFNAMSIZ];
	struct conn_ip ip;
	struct conn_ip6 ip6;
	struct netcfg net;
	bool net_open, net_configured;
	struct dns dns;
	char state_path[300]; /* saved routes for crash undo */
	struct hook_runner hooks; /* the profile's hook, off the loop's path */
	/* Settings the gateway pushes in answer to DHCPINFORM (issue 15):
	 * asked for when the profile has no routes of its own. */
	struct dhcp_inform dhcp;
	struct dhcp_info pushed;
	bool pushed_valid;

	/* Which layers still run; the stop sequence walks them top down. */
	bool ike_alive, l2tp_alive, ppp_alive; /* ppp_alive: built-in PPP or pppd */
	bool ike_stopping, l2tp_stopping, ppp_stopping;

	/* Reconnects (client/daemon.c decides when): a connection that was up
	 * and failed for a reason that may go away keeps its interface, routes
	 * and DNS while it waits, so traffic does not leak past the tunnel. */
	bool was_up;
	uint16_t l2tp_port; /* our L2TP port; 0: 1701 */
	/* port = auto: SCCRQ from 1701 went unanswered, so one new start from
	 * a random port (a new Quick Mode: the SA's selectors name the port). */
	enum { CONN_PORT_RETRY_NONE, CONN_PORT_RETRY_PENDING, CONN_PORT_RETRY_USED } l2tp_port_retry;
	bool keep_net; /* set by conn_finish() for a reconnect */
	unsigned attempts; /* reconnect attempts since the tunnel was last up */
	/* the last attempt ended at MM1: no answer, or a notify (a gateway
	 * still starting up); reconnects follow quickly, see daemon.c */
	bool gw_silent;
	char last_failure[320];

	struct loop_timer stop_timer; /* bounds a graceful stop */
	struct loop_timer l2tp_timer; /* delays SCCRQ after Quick Mode */
	struct loop_timer traffic_timer; /* kernel path: inbound counters for DPD */
	uint64_t last_in_packets;
	struct loop_timer reap_timer; /* frees layers outside their callbacks */
	/* kernel path: the gateway hung up while pppd authenticated; pppd may
	 * yet say why (conn_data_hold_verdict) */
	struct loop_timer verdict_timer;
	int held_code;
	char held_failure[300];
	uint64_t started_ms, up_ms;
};

void conn_init(struct conn *c, struct loop *loop, struct logger *lg, const struct conn_params *p,
	       const struct conn_events *ev, void *ev_ctx);
/* Undo what a crashed run of this connection name left, then start IKE.
 * 0, or -1 with c->exit_code and c->failure set (nothing left running). */
int conn_start(struct conn *c);
/* Graceful teardown (PPP terminate, CDN, StopCCN, IKE deletes); ev.down
 * follows. exit_code stays as it is (0 for a user's disconnect). */
void conn_stop(struct conn *c);
void conn_free(struct conn *c);
/* Whether a failed connection should be tried again (profile reconnect =
 * yes, was up before, and the failure is not one that retrying cannot fix:
 * configuration, authentication unless retry-auth-failures = yes). */
bool conn_should_reconnect(const struct conn *c);
/* After a failure kept the network for a reconnect: build the layers anew
 * and start again (fresh Main Mode, so INITIAL-CONTACT clears the gateway's
 * old SAs). 0, or -1 with ev.down already called. */
int conn_restart(struct conn *c);
/* The path to the gateway changed under us (roaming): drop every layer at
 * once, without goodbyes the gateway could not receive, then ev.down. */
void conn_abort(struct conn *c, int exit_code, const char *why);
/* What a crashed run of connection name left behind: routes, DNS, XFRM
 * states and policies (kill switch: sys/killswitch.h). */
void conn_cleanup_stale(struct logger *lg, const char *run_dir, const char *name);
/* Before a reconnect after roaming: the gateway's pinned route follows the
 * new path (ifindex, next hop), saved for crash undo. */
void conn_repin_gateway(struct conn *c, int ifindex, struct in_addr via);
/* Undo kept network configuration when no reconnect follows after all. */
void conn_release_net(struct conn *c);

const char *conn_state_name(enum conn_state s);
/* Text and JSON status (for `status` and `status --json`). */
void conn_status_text(const struct conn *c, char *out, size_t outsz);
void conn_status_json(const struct conn *c, char *out, size_t outsz);

/* The interface MTU for a 1500-byte path: what is left after outer IP, UDP
 * encapsulation, ESP (IV, padding to the block, trailer, ICV), inner UDP,
 * L2TP and PPP headers (RFC 4303 §2, RFC 3948 §2.1, RFC 2661 §3.1). */
unsigned conn_tunnel_mtu(unsigned path_mtu, enum esp_cipher cipher, enum esp_auth auth,
			 bool udp_encap, bool l2tp_sequencing);

/* Internal: shared by conn*.c */
void conn_fail(struct conn *c, int exit_code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The next step of the stop sequence; called again by each layer's end. */
void conn_stop_next(struct conn *c);
/* PPP on the L2TP session: built-in (userspace) or pppd (kernel). Made
 * ready before the session exists (the built-in one made, pppd started to
 * wait for the session, see pppd_start), started once it is up. */
int conn_data_prepare(struct conn *c);
int conn_data_start(struct conn *c, const struct l2tp_session_info *info);
/* Ask the running PPP to end (returns false when none runs). */
bool conn_data_stop_step(struct conn *c);
void conn_data_free(struct conn *c);
void conn_ppp_frame(struct conn *c, const uint8_t *frame, size_t len);
/* PPP is up: a one-time password has been used and is wiped everywhere. */
void conn_password_used(struct conn *c);
/* A PPP authentication method refused: the failure names the setting. */
void conn_fail_auth_refused(struct conn *c, const struct ppp_failure *why);
/* The L2TP call ended before PPP came up. On the kernel path pppd may know
 * why (a wrong password, a refused method) and not have said so yet: its
 * log is read and, while it runs, the L2TP verdict (code, failure) waits a
 * little for it. true when the verdict is taken or held; false: the caller
 * fails the connection itself. */
bool conn_data_hold_verdict(struct conn *c, int code, const char *failure);
void conn_on_verdict_timer(struct loop *loop, struct loop_timer *t, void *ctx);
void conn_setup_ike_config(struct conn *c, struct ike_config *cfg);
/* While reconnecting, IKE retransmits at most this far apart, so that a
 * gateway back from a restart or reboot answers within seconds. */
#define CONN_RECONNECT_RTX_MAX_MS 3000
#define CONN_RECONNECT_RTX_TRIES 10
void conn_setup_l2tp_config(struct conn *c, struct l2tp_config *cfg);
int conn_setup_datapath(struct conn *c, const struct esp_callbacks *cb);
/* Installs a pair the IKE session hands over and remembers its id by
 * SPIs: the whole pair (its inbound half already in: outbound moves to
 * it), or inbound_only (the gateway's rekey before QM3). 0 on failure. */
uint32_t conn_sa_install(struct conn *c, const struct esp_sa_pair *pair, bool inbound_only,
			 bool is_rekey);
/* Outbound traffic moves to our rekey's pair now (the gateway answered an
 * R-U-THERE sent after QM3, or the pause is over). */
void conn_sa_activate_pending(struct conn *c);
void conn_on_sa_timer(struct loop *loop, struct loop_timer *t, void *ctx);
int conn_setup_tun(struct conn *c);
void conn_on_traffic_timer(struct loop *loop, struct loop_timer *t, void *ctx);

/* The profile's liveness (seconds of silence after which the gateway is
 * dead) as the three layers' probe settings. */
struct conn_liveness {
	uint32_t dpd_interval_s, dpd_tries;
	unsigned hello_interval_s;
	unsigned echo_interval_s, echo_failure;
};
struct conn_liveness conn_liveness_for(uint32_t dead_after_s);
/* A random L2TP port from the dynamic range (RFC 6335 §6): 49152-65535. */
uint16_t conn_random_l2tp_port(void);
/* On an L2TP failure: true when it calls for one more start from a random
 * port (port = auto, SCCRQ from 1701 unanswered); then c->l2tp_port is set. */
bool conn_l2tp_port_retry(struct conn *c, const struct l2tp_failure *why);
void conn_on_l2tp_timer(struct loop *loop, struct loop_timer *t, void *ctx);
int conn_net_up(struct conn *c, const struct conn_ip *ip);
/* IPV6CP opened: applied now if IPv4 is configured, else with it. */
int conn_net_ipv6_up(struct conn *c, const uint8_t local_ifid[8], const uint8_t peer_ifid[8]);
/* Kernel path: pppd 2.4.9 runs only the host's ipv6-up script, so IPV6CP
 * shows as the link-local address it sets on the interface: looked for
 * when IPv4 comes up and then on the traffic timer. */
void conn_net_ipv6_poll(struct conn *c);
void conn_net_down(struct conn *c);

#endif
