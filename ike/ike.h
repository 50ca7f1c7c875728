/*
 * IKEv1 initiator with NAT traversal: the public API of ike/.
 *
 * One struct ike_session negotiates one ISAKMP SA (Main Mode, RFC 2409 §5)
 * and on top of it one transport-mode ESP SA pair for L2TP (Quick Mode,
 * RFC 2409 §5.5), floats to UDP 4500 when a NAT is found (RFC 3947) and keeps
 * both alive: DPD (RFC 3706), NAT keepalives (RFC 3948 §2.3) and rekeying
 * before the lifetimes run out. Negotiated SAs are handed to the data path
 * through struct esp_sa_pair (esp/esp_sa.h).
 *
 * The session owns its UDP sockets and registers them on the loop given to
 * ike_new(). It never reads files: certificates and keys come in as loaded
 * OpenSSL objects, the PSK as bytes.
 */
#ifndef L2TPSEC_IKE_IKE_H
#define L2TPSEC_IKE_IKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "esp/esp_sa.h"

struct loop;
struct logger;
struct ike_session;

enum ike_auth_method {
	IKE_AUTH_PSK,
	IKE_AUTH_RSA_SIG,
};

/* RFC 2407 §4.6.2.1 identification types we send and accept. */
enum ike_id_type {
	IKE_ID_NONE = 0, /* not configured: defaults apply */
	IKE_ID_IPV4_ADDR = 1,
	IKE_ID_FQDN = 2,
	IKE_ID_USER_FQDN = 3,
	IKE_ID_IPV6_ADDR = 5,
	IKE_ID_DER_ASN1_DN = 9,
};

struct ike_id {
	enum ike_id_type type;
	/* IPV4_ADDR: dotted quad; IPV6_ADDR: RFC 5952 text; FQDN / USER_FQDN: the name;
	 * DER_ASN1_DN: an OpenSSL one-line DN ("/C=CH/O=x/CN=gw") or
	 * the RFC 2253 form ("CN=gw,O=x,C=CH"). */
	char value[256];
};

/* Windows' NegotiateDH2048 registry value. */
enum ike_dh2048 {
	IKE_DH2048_OFF,     /* only groups below 14 (Windows XP's group 2 list) */
	IKE_DH2048_OFFER,   /* groups >= 14 first (default) */
	IKE_DH2048_REQUIRE, /* only groups >= 14 (and ECP) */
};

/* Windows' AssumeUDPEncapsulationContextOnSendRule. */
enum ike_nat_policy {
	IKE_NAT_SERVER_NOT_BEHIND_NAT = 0,
	IKE_NAT_SERVER_MAY_BE_BEHIND_NAT = 1,
	IKE_NAT_BOTH_MAY_BE_BEHIND_NAT = 2, /* default */
};

/* Loads the CRL at path (a local file a CRL distribution point names).
 * Returns it (the caller frees it), or NULL with the reason in err. */
typedef X509_CRL *(*ike_crl_load_fn)(void *ctx, const char *path, char *err, size_t errlen);

struct ike_retransmit {
	uint32_t first_ms; /* first timeout; doubles each try (default 1000) */
	uint32_t max_ms;   /* cap of one timeout (default 16000) */
	uint32_t tries;    /* sends per message before giving up (default 6) */
};

/* Defaults (Windows XP's: Main Mode 8 hours, Quick Mode 1 hour), also the
 * profile's (config/profile.c). */
#define IKE_DEFAULT_IKE_LIFETIME_S   28800
#define IKE_DEFAULT_IPSEC_LIFETIME_S 3600
/* first retransmit after 1 s, doubling up to 16 s, 6 tries */
#define IKE_DEFAULT_RETRANSMIT ((struct ike_retransmit){1000, 16000, 6})

/* pfs_group: the group Main Mode settled on (l2tpsec.conf(5) pfs = on) */
#define IKE_PFS_IKE_GROUP 0xffff

struct ike_config {
	struct sockaddr_storage remote; /* gateway; port 0 = 500 */
	struct sockaddr_storage local;  /* family AF_UNSPEC = chosen by routing */
	uint16_t local_port;            /* default 500; 0 in local_ports_set = ephemeral */
	uint16_t local_natt_port;       /* default 4500 */
	bool local_ports_set;           /* false: 500/4500 */
	/* The local ports are shared with other sessions to other gateways
	 * (SO_REUSEPORT, which only the same uid can join, and sockets
	 * connected to the gateway); when one is held by a
	 * program that does not share (EADDRINUSE), an ephemeral port is used
	 * instead and logged. ike_natt_port() tells which port NAT-T uses. */
	uint16_t remote_natt_port; /* gateway's NAT-T port; 0 = 4500 */
	/* Always float to the NAT-T port and negotiate UDP-encapsulated
	 * transport mode, NAT or not (strongSwan's forceencaps): our NAT-D
	 * hash of our own address is random, so the gateway believes we are
	 * behind a NAT (RFC 3947 §3.2 allows this). Needed by the userspace
	 * data path, which only speaks ESP in UDP. A gateway without NAT-T then
	 * fails with IKE_FAIL_NAT_POLICY. */
	bool force_encaps;
	/* Do not announce or use IKE fragmentation (ike/frag.h; on by
	 * default: long certificate Main Mode messages then cross NATs that
	 * drop IP fragments). */
	bool no_fragmentation;
	/* Send long messages as IKE fragments even when the gateway did not
	 * announce them (some accept fragments without saying so);
	 * no_fragmentation wins. */
	bool force_fragmentation;

	enum ike_auth_method auth;
	const uint8_t *psk; /* copied by ike_new() */
	size_t psk_len;
	X509 *cert;     /* our certificate (RSA or ECDSA), referenced, not owned */
	EVP_PKEY *key;  /* its private key */
	X509_STORE *ca; /* trust anchors for the gateway's chain */
	/* Revocation lists that file: CRL distribution points of the gateway's
	 * certificate name (RFC 5280 §4.2.1.13) come from here: ike/ reads no
	 * files. NULL: such a certificate is refused (it cannot be checked). */
	ike_crl_load_fn crl_load;
	void *crl_load_ctx;

	struct ike_id local_id;  /* default: IPV4_ADDR of our address (PSK),
	                          * DER_ASN1_DN of our certificate (RSA) */
	struct ike_id remote_id; /* default: any (PSK); with RSA the gateway's
	                          * certificate must name gateway_host */
	/* The gateway as the user typed it (name or address). With RSA and no
	 * remote_id the certificate must name it; empty then fails. */
	char gateway_host[256];

	const char *ike_proposals; /* strongSwan syntax; NULL = default list */
	const char *esp_proposals; /* NULL = default list */
	enum ike_dh2048 dh2048;
	enum ike_nat_policy nat_policy;
	uint16_t pfs_group; /* 0 = no PFS; IKE_PFS_IKE_GROUP; else the DH group for Quick Mode */

	uint32_t ike_lifetime_s;    /* default 28800 */
	uint32_t ipsec_lifetime_s;  /* default 3600 */
	uint64_t ipsec_lifetime_kb; /* 0 = none */
	uint32_t rekey_margin_s;    /* rekey this long before expiry (default 10% of lifetime) */

	uint16_t l2tp_local_port;  /* default 1701 */
	uint16_t l2tp_remote_port; /* default 1701 */

	uint32_t dpd_interval_s;       /* default 30; 0 = off */
	uint32_t dpd_tries;            /* unanswered R-U-THERE before giving up (default 5) */
	uint32_t keepalive_interval_s; /* NAT keepalive, default 20; 0 = off */
	struct ike_retransmit retransmit;
};

/* Where a negotiation stopped: the message we sent last or expected. */
enum ike_stage {
	IKE_STAGE_NONE,
	IKE_STAGE_MM1, /* sent SA, waiting for the responder's SA */
	IKE_STAGE_MM3, /* sent KE/Ni, waiting for KE/Nr */
	IKE_STAGE_MM5, /* sent ID/auth, waiting for the responder's */
	IKE_STAGE_QM1, /* sent Quick Mode SA, waiting for QM2 */
	IKE_STAGE_ESTABLISHED,
	IKE_STAGE_DPD,
	IKE_STAGE_REKEY_IKE,
	IKE_STAGE_REKEY_IPSEC,
	IKE_STAGE_DELETED,
};

enum ike_fail_reason {
	IKE_FAIL_NONE,
	IKE_FAIL_TIMEOUT,    /* no answer after all retransmissions */
	IKE_FAIL_NOTIFY,     /* the gateway sent an error notification */
	IKE_FAIL_DELETED,    /* the gateway deleted the ISAKMP SA */
	IKE_FAIL_PROPOSAL,   /* the gateway chose something we did not offer */
	IKE_FAIL_AUTH,       /* the gateway's hash, signature or certificate did not verify */
	IKE_FAIL_ID,         /* the gateway's identity is not the configured one */
	IKE_FAIL_NAT_POLICY, /* NAT found where the policy forbids it */
	IKE_FAIL_MALFORMED,  /* the gateway's answer does not parse */
	IKE_FAIL_LOCAL,      /* socket, crypto or configuration failure here */
	IKE_FAIL_DPD,        /* the gateway stopped answering R-U-THERE */
};

struct ike_failure {
	enum ike_stage stage;
	enum ike_fail_reason reason;
	uint16_t notify; /* the gateway's notify message type (IKE_FAIL_NOTIFY) */
	char detail[160];
};

/* An authenticated ISAKMP SA's identity and encryption key, for debugging
 * with Wireshark (its ikev1_decryption_table: initiator cookie, key). */
struct ike_p1_export {
	uint8_t icookie[8], rcookie[8];
	const uint8_t *enc_key; /* valid during the callback only */
	size_t enc_key_len;
};

struct ike_callbacks {
	/* A new SA pair is ready to install. For a rekey, the previous pair stays
	 * up until sa_expired_or_deleted() names it (make before break). */
	void (*sa_established)(void *ctx, const struct esp_sa_pair *sa, bool is_rekey);
	/* Optional: a Quick Mode rekey is about to send the message after
	 * which the gateway installs the pair and may send on it at once;
	 * install the inbound half of this pair now (esp_install_inbound) so
	 * that nothing it sends on it is lost.
	 * ours false, the gateway's rekey: QM2 leaves next. sa_established
	 * follows with the same SPIs when QM3 verifies (then the gateway has
	 * the whole pair: move outbound traffic), or sa_expired_or_deleted
	 * when it never does.
	 * ours true, our rekey: QM3 leaves next, and sa_established follows
	 * right after it with the same SPIs. The gateway installs the pair
	 * only when QM3 arrives: move outbound traffic once it has handled
	 * QM3 (ike_ping()), not before. */
	void (*sa_inbound)(void *ctx, const struct esp_sa_pair *sa, bool ours);
	/* Remove the pair with these SPIs (host byte order). */
	void (*sa_expired_or_deleted)(void *ctx, uint32_t spi_in, uint32_t spi_out);
	/* The session gave up; no further callbacks except after ike_start(). */
	void (*failed)(void *ctx, const struct ike_failure *failure);
	/* A datagram on the NAT-T socket that is neither IKE nor a keepalive:
	 * ESP in UDP (RFC 3948) for the userspace data path. */
	void (*non_ike_packet)(void *ctx, const uint8_t *buf, size_t len,
	                       const struct sockaddr *from);
	/* Optional: ike_stop() finished (deletes sent). */
	void (*stopped)(void *ctx);
	/* Optional: the gateway answered the R-U-THERE of ike_ping(). */
	void (*ping_answered)(void *ctx);
	/* Optional: Main Mode authenticated an ISAKMP SA (the first, and each
	 * phase 1 rekey): its keys, for `--save-keys` only. */
	void (*phase1_keys)(void *ctx, const struct ike_p1_export *k);
};

enum ike_state {
	IKE_STATE_IDLE,
	IKE_STATE_CONNECTING,  /* phase 1 */
	IKE_STATE_PHASE1_DONE, /* Quick Mode running */
	IKE_STATE_ESTABLISHED,
	IKE_STATE_STOPPING,
	IKE_STATE_FAILED,
};

enum ike_natt_variant {
	IKE_NATT_NONE,
	IKE_NATT_DRAFT_02,
	IKE_NATT_DRAFT_02N, /* "draft-ietf-ipsec-nat-t-ike-02\n" */
	IKE_NATT_DRAFT_03,
	IKE_NATT_RFC3947,
};

struct ike_status {
	enum ike_state state;
	enum ike_stage stage;
	char ike_algs[64]; /* e.g. "aes256-sha2_256-modp2048" */
	char esp_algs[64]; /* e.g. "aes128-sha1" (+ "-modp2048" with PFS) */
	uint16_t dh_group;
	uint32_t ike_lifetime_left_s;
	uint32_t ipsec_lifetime_left_s;
	uint32_t qm_rtt_ms;         /* QM1 sent to QM2 received, last Quick Mode */
	bool nat_local, nat_remote; /* we / the gateway are behind a NAT */
	enum ike_natt_variant natt;
	bool dpd; /* the gateway supports DPD */
	uint32_t spi_in, spi_out;
	uint8_t icookie[8], rcookie[8];
	struct ike_failure last_failure;
	bool udp_encap;                       /* talking on the NAT-T port (ESP in UDP) */
	uint16_t local_port, local_natt_port; /* as bound (0 before ike_start()) */
	uint32_t ike_age_s, ipsec_age_s;      /* of the current ISAKMP SA / ESP pair */
	uint32_t rekeys_ike, rekeys_ipsec;    /* done since ike_start(), either side's */
	uint32_t ike_rekey_failures;          /* ISAKMP SA rekeys given up (old SA kept) */
	/* Datagrams dropped: unauthenticated, failing HASH, replayed, malformed
	 * or out of place (never fatal once established). */
	uint32_t dropped;
};

/* Fill in the defaults documented in struct ike_config. */
void ike_config_defaults(struct ike_config *cfg);

/* Check a proposal string without starting anything. esp selects the ESP
 * grammar. Returns 0, or -1 with a one-line reason in err. */
int ike_proposals_check(const char *spec, bool esp, char *err, size_t errlen);
/* The DH group number of a strongSwan group name ("modp2048": 14), the
 * groups proposals and PFS may use; 0 for a name we cannot compute. */
uint16_t ike_group_by_name(const char *name);

/* NULL on bad configuration (logged) or allocation failure. */
struct ike_session *ike_new(struct loop *loop, struct logger *lg, const struct ike_config *cfg,
                            const struct ike_callbacks *cb, void *ctx);
/* Change cfg.force_encaps until MM2 is handled (a session not started, or
 * one that has only sent MM1): the caller may learn its data path while
 * MM1 travels. Later calls change nothing. */
void ike_set_force_encaps(struct ike_session *s, bool force);
/* Open the sockets and send MM1. 0, or -1 (failure reported too). */
int ike_start(struct ike_session *s);
/* Send DELETEs for the ESP and ISAKMP SAs, then stop; cb->stopped follows. */
void ike_stop(struct ike_session *s);
void ike_free(struct ike_session *s);
/* The network changed under the session (roaming): connect its sockets
 * again so that what it sends next (e.g. the DELETEs of ike_stop, telling
 * the gateway to drop SAs bound to the old address) takes the new path.
 * 0, or -1 when there is no path to the gateway now. */
int ike_rehome(struct ike_session *s);

void ike_get_status(const struct ike_session *s, struct ike_status *st);
/* The UDP 4500 socket (-1 before ike_start()). */
int ike_natt_fd(const struct ike_session *s);
/* Who reads the NAT-T socket. By default IKE does; a data path that owns
 * the socket's reads (esp/natt_sock.h: batched, ESP decrypted in the
 * buffers it was read into) sets fn, which IKE then calls whenever the socket
 * is readable, and which must give every datagram that is not ESP to
 * ike_natt_input(). fn NULL gives the reads back to IKE. */
void ike_set_natt_reader(struct ike_session *s, void (*fn)(void *ctx, int fd), void *ctx);
/* One datagram read from the NAT-T socket by its owner, as received: IKE
 * with the zero non-ESP marker, a NAT-T keepalive (RFC 3948 §2), anything
 * else goes to cb.non_ike_packet. */
void ike_natt_input(struct ike_session *s, const uint8_t *buf, size_t len);
/* Local port of that socket (host byte order; 0 before ike_start()): 4500,
 * or an ephemeral port when 4500 was held by a program that does not share
 * it. The ESP pair's local port (esp_sa_pair.local) is the same. */
uint16_t ike_natt_port(const struct ike_session *s);

/* The data path reached the soft byte or packet/sequence limit of the SA
 * pair whose inbound SPI (host byte order) is spi_in (its outbound SPI is
 * accepted too): start a Quick Mode rekey now, make before break as for the
 * time-based rekey. Unknown or old SPIs and a rekey already running are
 * ignored. Safe to call from any callback; the rekey starts from the loop. */
void ike_sa_soft_expired(struct ike_session *s, uint32_t spi_in);
/* ESP packets arrived from the gateway (cheap: stores the loop time). DPD
 * (RFC 3706 §5.5) then sends R-U-THERE only after dpd_interval_s without
 * inbound traffic. */
void ike_note_inbound_traffic(struct ike_session *s);

/* ESP packets went to the gateway's NAT-T port (cheap: stores the loop's
 * round time). They keep the NAT's mapping as a keepalive would: NAT-T
 * keepalives (RFC 3948 §4) then go out only after keepalive_interval_s
 * without any. */
void ike_note_outbound_traffic(struct ike_session *s);

/* Send an R-U-THERE now (RFC 3706) and report the answer through
 * cb->ping_answered. A gateway handles the messages of one ISAKMP SA in
 * order (strongSwan checks the SA out for each; pluto is one thread), so
 * the answer also says it has processed what we sent before: after QM3, that
 * it has installed its SAs and policies (RFC 2409 §5.5). 0, or -1 when the
 * gateway does not do DPD or no ISAKMP SA is up. */
int ike_ping(struct ike_session *s);

/* "IKE failed at MM1: gateway sent NO_PROPOSAL_CHOSEN" into buf; returns buf. */
const char *ike_failure_str(const struct ike_failure *f, char *buf, size_t len);
const char *ike_stage_name(enum ike_stage stage);
const char *ike_state_name(enum ike_state state);
const char *ike_natt_name(enum ike_natt_variant v);
const char *ike_notify_name(uint16_t type); /* NULL when unknown */

#endif
