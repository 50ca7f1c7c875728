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
#include "sys/dhcp6_client.h"
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

/* Whether IKE failed on authentication: the gateway's hash, signature or
 * certificate did not verify, or it refused ours (RFC 2408 §3.14.1 notify
 * types), or its answer to MM5 does not decrypt (a different PSK). */
bool conn_ike_auth_failed(const struct ike_failure *f);

enum conn_state {
	CONN_IDLE,
	CONN_IKE,  /* Main Mode / Quick Mode */
	CONN_L2TP, /* control connection and session */
	CONN_PPP,  /* LCP, authentication, IPCP */
	CONN_UP,
	CONN_STOPPING,
	CONN_DOWN,
};

/* Why a connection failed, as the layers said it (not as it was worded in
 * the log): the failure hints (client/explain.c) are rules on these values,
 * so that rewording a log line cannot drop a hint. */
enum conn_fail_layer {
	CONN_FAIL_NONE,
	CONN_FAIL_LOCAL, /* here: configuration, kernel, sockets, memory */
	CONN_FAIL_IKE,
	CONN_FAIL_L2TP,
	CONN_FAIL_PPP,
};

/* The local causes a hint knows; CONN_LOCAL_OTHER for the rest. */
enum conn_fail_local {
	CONN_LOCAL_OTHER,
	CONN_LOCAL_IKE_SOCKETS, /* IKE could not open its ports */
	CONN_LOCAL_KERNEL_PATH, /* datapath = kernel, impossible here */
	CONN_LOCAL_SA_INSTALL,  /* the kernel refused the IPsec SA */
	CONN_LOCAL_OTP_USED,    /* a one-time password used, nobody to ask for one */
};

/* PPP: what the gateway asked for that we refused (conn_fail_auth_refused). */
enum conn_ppp_refusal {
	CONN_REFUSAL_NONE,
	CONN_REFUSAL_METHOD,      /* PAP or CHAP-MD5 (refused by auth-methods) */
	CONN_REFUSAL_NO_AUTH,     /* no authentication at all */
	CONN_REFUSAL_UNSUPPORTED, /* EAP, MS-CHAPv1 */
	CONN_REFUSAL_MPPE,
};

struct conn_failure {
	int exit_code;              /* enum exit_status */
	enum conn_fail_layer layer; /* which of the values below are set */
	enum conn_fail_local local;
	struct {
		enum ike_stage stage;
		enum ike_fail_reason reason;
		uint16_t notify;    /* RFC 2408 §3.14.1 type (IKE_FAIL_NOTIFY) */
		bool psk;           /* we authenticate with a pre-shared key */
		bool forced_encaps; /* we forced UDP encapsulation */
		bool ecdsa;         /* ...or with an ECDSA certificate (RFC 4754) */
	} ike;
	struct {
		enum l2tp_stage stage;
		/* StopCCN, CDN, no answer, which tunnel authentication check
		 * failed, ... (by_peer: the first two, the gateway's) */
		enum l2tp_fail_cause cause;
		bool by_peer;
		uint16_t result, error; /* RFC 2661 §4.4.2, of the StopCCN or CDN */
	} l2tp;
	struct {
		enum ppp_down_reason reason;
		enum ppp_auth auth;
		enum conn_ppp_refusal refusal;
		char message[160]; /* the PPP layer's (or pppd's) own words */
	} ppp;
	char text[320]; /* the line logged */
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
	/* Resolved, port 500 (issue 17): the address tried first, and the
	 * other family's (ss_family AF_UNSPEC: none), tried once when Main
	 * Mode gets no answer from the first. */
	struct sockaddr_storage gateway, gateway_alt;
	X509 *cert; /* loaded from the profile's paths (certificate auth) */
	EVP_PKEY *key;
	X509_STORE *ca;
	const char *run_dir;     /* control socket and crash-undo state */
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
	void (*up)(struct conn *c, void *ctx);   /* PPP is up, routes and DNS set */
	void (*down)(struct conn *c, void *ctx); /* all torn down; c->exit_code final */
};

/* The supervisor's state is private (client/conn_internal.h): the daemon
 * reads it through the functions below. NULL when out of memory. */
struct conn *conn_new(struct loop *loop, struct logger *lg, const struct conn_params *p,
                      const struct conn_events *ev, void *ev_ctx);
/* Undo what a crashed run of this connection name left, then start IKE.
 * 0, or -1 with the exit code and failure set (nothing left running). */
int conn_start(struct conn *c);
/* Graceful teardown (PPP terminate, CDN, StopCCN, IKE deletes); ev.down
 * follows. exit_code stays as it is (0 for a user's disconnect). */
void conn_stop(struct conn *c);
/* Releases everything (kept network configuration too) and c itself. */
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
 * states and policies, the MSS clamp's table (kill switch:
 * sys/killswitch.h). */
void conn_cleanup_stale(struct logger *lg, const char *run_dir, const char *name);
/* Before a reconnect after roaming: the gateway's pinned route follows the
 * new path (ifindex, next hop), saved for crash undo. */
void conn_repin_gateway(struct conn *c, int ifindex, struct in_addr via);
/* An address without its port ("192.0.2.1", "2001:db8::1"), "" if none. */
const char *conn_addr_str(const struct sockaddr_storage *ss, char *buf, size_t len);
/* Which of a name's addresses to try first (pure; issue 17): family ipv4
 * or ipv6 takes only that one, auto takes IPv6 first when v6_usable (this
 * host has a global IPv6 address with a route to the gateway's), the other
 * as *alt (AF_UNSPEC when none). v4 / v6 NULL: the name has none. 0, or -1
 * when nothing is left. */
int conn_order_gateways(const struct sockaddr_storage *v4, const struct sockaddr_storage *v6,
                        enum profile_family family, bool v6_usable, struct sockaddr_storage *first,
                        struct sockaddr_storage *alt);
/* A Main Mode to the other family is due after this failure (daemon.c
 * reconnects at once). */
bool conn_family_fallback_pending(const struct conn *c);
/* Undo kept network configuration when no reconnect follows after all. */
void conn_release_net(struct conn *c);

const char *conn_state_name(enum conn_state s);

/* What the daemon reads. */
enum conn_state conn_state(const struct conn *c);
int conn_exit_code(const struct conn *c);
/* The failure's one line ("" when none). */
const char *conn_failure_text(const struct conn *c);
/* Down after a failure, with interface, routes and DNS kept for a
 * reconnect (conn_restart or conn_release_net follows). */
bool conn_awaits_reconnect(const struct conn *c);
/* The tunnel was up at least once (roaming only restarts those). */
bool conn_was_up(const struct conn *c);
/* Reconnect attempts since the tunnel was last up; a restart after a
 * changed path (conn_abort) is not counted. */
unsigned conn_attempts(const struct conn *c);
/* Down because the path changed (conn_abort): start again at once. */
bool conn_roamed(const struct conn *c);
/* The last attempt ended at MM1 unanswered (or with a notify): the gateway
 * is away or starting up. */
bool conn_gw_silent(const struct conn *c);
const char *conn_ifname(const struct conn *c);
const struct conn_ip *conn_ip(const struct conn *c);
/* The failure with its values (exit code 0, layer NONE: none). */
void conn_get_failure(const struct conn *c, struct conn_failure *out);
/* Between attempts (conn_awaits_reconnect): the outcome decided outside
 * the layers, e.g. the user's stop (EXIT_OK) or a one-time password
 * nobody could give. failure NULL keeps the last one. */
void conn_set_outcome(struct conn *c, int exit_code, enum conn_fail_local why, const char *failure);
/* Text and JSON status (for `status` and `status --json`). */
void conn_status_text(const struct conn *c, char *out, size_t outsz);
void conn_status_json(const struct conn *c, char *out, size_t outsz);

/* The interface MTU for a 1500-byte path: what is left after outer IP, UDP
 * encapsulation, ESP (IV, padding to the block, trailer, ICV), inner UDP,
 * L2TP and PPP headers (RFC 4303 §2, RFC 3948 §2.1, RFC 2661 §3.1). */
unsigned conn_tunnel_mtu(unsigned path_mtu, enum esp_cipher cipher, enum esp_auth auth,
                         bool udp_encap, bool l2tp_sequencing);

#endif
