/*
 * Built-in PPP for the userspace data path: a client (the LAC side of an
 * L2TP session) on a synchronous link. L2TP carries PPP frames without HDLC
 * framing or FCS; frames we send start with FF 03, frames we receive may or
 * may not (ACFC), and may use a one-byte protocol field (PFC).
 *
 *   LCP (RFC 1661) -> authentication to the peer (MS-CHAPv2 RFC 2759,
 *   CHAP-MD5 RFC 1994, PAP RFC 1334) -> IPCP (RFC 1332, DNS RFC 1877) and
 *   IPV6CP (RFC 5072) -> IP packets to and from the TUN device.
 *
 * The instance never touches a file descriptor: frames go to L2TP and IP
 * packets to the TUN device through the callbacks; timers run on the loop.
 * Callbacks run synchronously from ppp_* calls and loop timers; they may call
 * ppp_send_ip() and ppp_close() but must not call ppp_free() (defer it).
 */
#ifndef L2TPSEC_PPP_PPP_H
#define L2TPSEC_PPP_PPP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/pkt.h"

struct loop;
struct logger;
struct ppp;
struct ppp_crypto;

/* Authentication methods; also bits of ppp_config.auth_allowed. */
enum ppp_auth {
	PPP_AUTH_NONE = 0,
	PPP_AUTH_PAP = 0x1,
	PPP_AUTH_CHAP_MD5 = 0x2,
	PPP_AUTH_MSCHAPV2 = 0x4,
};
#define PPP_AUTH_ALL (PPP_AUTH_PAP | PPP_AUTH_CHAP_MD5 | PPP_AUTH_MSCHAPV2)
/* Bit of ppp_config.auth_allowed: the peer may skip authentication. Only
 * MS-CHAPv2 makes the peer prove it knows the password (RFC 2759 §5, the
 * authenticator response); without this bit a peer that asks for no
 * authentication is refused (PPP_DOWN_AUTH_REFUSED). */
#define PPP_AUTH_ALLOW_NONE 0x8

/*
 * Only for the loopback tests: makes the instance the authenticator and
 * address server of the link, so two instances can negotiate with each other.
 * A client leaves this zeroed.
 */
struct ppp_serve_config {
	enum ppp_auth require_auth; /* ask the peer to authenticate with this */
	uint8_t local_ipv4[4];      /* our address, requested in IPCP */
	uint8_t peer_ipv4[4];       /* Nak'd to a peer that asks for 0.0.0.0 */
	uint8_t dns1[4], dns2[4];   /* Nak'd to a peer that asks for DNS */
};

struct ppp_config {
	const char *user;        /* copied; may be NULL when auth_allowed is 0 */
	const uint8_t *password; /* copied into the instance, cleared on free */
	size_t password_len;
	unsigned auth_allowed;         /* PPP_AUTH_* bits (and PPP_AUTH_ALLOW_NONE) we agree to;
	                                * EAP is always refused */
	uint16_t mru;                  /* our receive unit, requested when not 1500; 0 = 1500 */
	uint16_t mtu;                  /* upper bound for what we send; 0 = 1500 */
	unsigned echo_interval_s;      /* LCP Echo-Request period; 0 = no echo */
	unsigned echo_failure;         /* unanswered echoes before the peer is dead; 0 = 3 */
	bool request_dns;              /* ask for primary/secondary DNS in IPCP (RFC 1877) */
	bool enable_ipv6cp;            /* negotiate IPV6CP as well */
	bool refuse_acfc, refuse_pfc;  /* Configure-Reject the peer's ACFC / PFC */
	unsigned restart_ms;           /* Restart timer; 0 = 3000 (RFC 1661 §4.6) */
	unsigned max_configure;        /* 0 = 10 */
	unsigned max_terminate;        /* 0 = 2 */
	unsigned max_failure;          /* 0 = 5 */
	struct ppp_serve_config serve; /* tests only */
	/* OpenSSL algorithms for CHAP (ppp/crypto.h), made by the caller with
	 * ppp_crypto_init() and shared by instances, which copy it; it must
	 * outlive them. With ppp_crypto_legacy_load() done by the caller the
	 * instances use its MD4/DES; else each loads them for each MS-CHAPv2
	 * computation and unloads them after (milliseconds: the fuzzer loads
	 * them once per process). NULL: each instance makes its own. */
	const struct ppp_crypto *crypto;
};

struct ppp_ip_info {
	bool ipv4_up;
	uint8_t local_ipv4[4], peer_ipv4[4];
	uint8_t dns1[4], dns2[4]; /* 0.0.0.0 when the peer gave none */
	bool ipv6_up;
	uint8_t local_ifid[8], peer_ifid[8]; /* fe80::<ifid> */
	uint16_t mtu;                        /* what we may send: min(peer's MRU, config mtu) */
};

enum ppp_down_reason {
	PPP_DOWN_NONE,
	PPP_DOWN_LOCAL_CLOSE,        /* ppp_close() */
	PPP_DOWN_LOWER_DOWN,         /* ppp_lower_down(): the L2TP session went away */
	PPP_DOWN_PEER_TERMINATE,     /* LCP Terminate-Request from the peer */
	PPP_DOWN_AUTH_FAILED,        /* see ppp_failure.auth and .message */
	PPP_DOWN_ECHO_TIMEOUT,       /* echo_failure Echo-Requests unanswered */
	PPP_DOWN_NEGOTIATION_FAILED, /* LCP/IPCP did not converge or timed out */
	PPP_DOWN_LOOPBACK,           /* our own magic number keeps coming back */
	PPP_DOWN_INTERNAL,           /* out of memory, crypto provider missing */
	PPP_DOWN_AUTH_REFUSED,       /* the peer wants a method we refuse (.auth; NONE:
	                              * it asks for no authentication at all) */
	PPP_DOWN_MPPE_REQUIRED,      /* the peer asked for MPPE (CCP), we rejected it, it left */
};

struct ppp_failure {
	enum ppp_down_reason reason;
	enum ppp_auth auth; /* method that failed (PPP_DOWN_AUTH_FAILED) */
	char message[160];  /* printable; peer's text sanitised, or ours */
};

struct ppp_callbacks {
	/* A PPP frame (FF 03 + protocol + payload) for the L2TP session. */
	int (*send_frame)(void *ctx, const uint8_t *frame, size_t len);
	/* IPCP opened, and again if IPV6CP opens later. */
	void (*ip_up)(void *ctx, const struct ppp_ip_info *info);
	/* An IPv4 or IPv6 packet from the peer (tell them by the version nibble). */
	void (*deliver_ip)(void *ctx, const uint8_t *pkt, size_t len);
	/* The link is finished; called once. */
	void (*down)(void *ctx, const struct ppp_failure *why);
};

enum ppp_phase {
	PPP_PHASE_DEAD,
	PPP_PHASE_ESTABLISH,
	PPP_PHASE_AUTHENTICATE,
	PPP_PHASE_NETWORK,
	PPP_PHASE_TERMINATE,
};

/* RFC 1661 §4.2 states, shared by every control protocol. */
enum ppp_fsm_state {
	PPP_FSM_INITIAL,
	PPP_FSM_STARTING,
	PPP_FSM_CLOSED,
	PPP_FSM_STOPPED,
	PPP_FSM_CLOSING,
	PPP_FSM_STOPPING,
	PPP_FSM_REQ_SENT,
	PPP_FSM_ACK_RCVD,
	PPP_FSM_ACK_SENT,
	PPP_FSM_OPENED,
};

struct ppp_status {
	enum ppp_phase phase;
	enum ppp_fsm_state lcp, ipcp, ipv6cp;
	enum ppp_auth auth; /* method the peer asked for; NONE if it did not */
	bool auth_done;
	struct ppp_ip_info ip;
	uint64_t frames_in, frames_out, ip_in, ip_out, dropped;
};

struct ppp *ppp_new(struct loop *loop, const struct logger *lg, const struct ppp_config *cfg,
                    const struct ppp_callbacks *cbs, void *ctx);
/* The L2TP session is established: LCP Up + Open. */
int ppp_start(struct ppp *ppp);
/* One PPP frame from the L2TP session. Garbage is counted and dropped. */
void ppp_input(struct ppp *ppp, const uint8_t *frame, size_t len);
/* One IP packet from the TUN device; -1 when the NCP for it is not open or
 * the packet is larger than the MTU. */
int ppp_send_ip(struct ppp *ppp, const uint8_t *pkt, size_t len);
/* The same in place, for the data fast path: p holds one IP packet with at
 * least PPP_ENCAP_HEADROOM bytes in front of it; the PPP protocol field is
 * pushed there (no address/control bytes: L2TP adds them) and p then holds
 * the frame for l2tp_encap_ppp(). 0, or -1 (counted as dropped) as above. */
#define PPP_ENCAP_HEADROOM 2
int ppp_encap_ip(struct ppp *ppp, struct pkt *p);
/* Close politely (LCP Terminate-Request); down(LOCAL_CLOSE) when done. */
void ppp_close(struct ppp *ppp);
/* The lower layer is gone: no Terminate exchange, down(LOWER_DOWN) now. */
void ppp_lower_down(struct ppp *ppp);
/* The peer asked for an authentication method this link refuses (and we
 * are not authenticated): why a gateway that then hangs up the L2TP call
 * left, so that the user is told the setting instead of "call closed". */
bool ppp_peer_auth_refused(const struct ppp *ppp, struct ppp_failure *why);
void ppp_get_status(const struct ppp *ppp, struct ppp_status *st);
/* Wipes the instance's copy of the password (a one-time code, used once
 * authentication succeeded); a later authentication would send nothing. */
void ppp_forget_password(struct ppp *ppp);
void ppp_free(struct ppp *ppp);

const char *ppp_down_reason_name(enum ppp_down_reason r);
const char *ppp_auth_name(enum ppp_auth a);
const char *ppp_fsm_state_name(enum ppp_fsm_state s);

#endif
