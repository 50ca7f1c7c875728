/*
 * Internal state of an IKE session, shared by the files of ike/: one
 * ISAKMP SA (struct ike_p1, two during an IKE SA rekey), one Quick Mode
 * exchange in progress and the installed IPsec SA pairs (struct ike_p2).
 */
#ifndef L2TPSEC_IKE_INT_H
#define L2TPSEC_IKE_INT_H

#include <pthread.h>
#include <stdarg.h>

#include <openssl/types.h>

#include "ike/crypto.h"
#include "ike/frag.h"
#include "ike/ike.h"
#include "ike/isakmp.h"
#include "ike/proposal.h"
#include "lib/loop.h"

#define IKE_NONCE_LEN 32
#define IKE_MAX_NONCE 256

/* keygen.c: the first Main Mode's key pair and nonce, on a helper thread. */
struct ike_keygen {
	pthread_t thread;
	bool running; /* started and not joined yet */
	OSSL_LIB_CTX *lib;
	uint16_t group;
	/* written by the thread, read after the join */
	struct ike_dh *dh;
	uint8_t nonce[IKE_NONCE_LEN];
	bool nonce_ok;
};

void ike_keygen_start(struct ike_keygen *k, OSSL_LIB_CTX *lib, uint16_t group);
struct ike_dh *ike_keygen_take(struct ike_keygen *k, uint16_t *group, uint8_t *nonce,
                               bool *nonce_ok);
void ike_keygen_cancel(struct ike_keygen *k);

enum p1_state {
	P1_NONE,
	P1_MM1_SENT,
	P1_MM3_SENT,
	P1_MM5_SENT,
	P1_R_MM2_SENT, /* responder (the gateway's Main Mode): sent MM2 */
	P1_R_MM4_SENT, /* sent MM4, waiting for MM5 */
	P1_DONE,
};

struct ike_p1 {
	enum p1_state state;
	bool rekey;     /* replaces an established ISAKMP SA */
	bool deleted;   /* the gateway deleted it; its replacement is under way */
	bool responder; /* the gateway started it: icookie is its cookie, gxi
	                 * its public value; ni is our nonce and nr its nonce */
	/* Responder: our last answer, sent again when the gateway repeats
	 * the message it answered (identified by hash). */
	uint8_t resp_tx[2048];
	size_t resp_tx_len;
	uint8_t resp_rx_hash[20];
	uint8_t icookie[8], rcookie[8];
	struct ike_p1_alg alg;
	uint32_t lifetime_s;
	uint64_t done_ms;
	struct ike_p1_keys keys;
	size_t block;
	/* CBC chain of phase 1 (Appendix B); after MM6 the last block, from
	 * which every phase 2 IV is derived. */
	uint8_t iv[IKE_MAX_BLOCK];
	struct ike_dh *dh;
	uint16_t dh_group; /* of dh (made ahead by keygen.c) */
	uint8_t gxi[IKE_MAX_DH], gxr[IKE_MAX_DH], gxy[IKE_MAX_DH];
	size_t gxi_len, gxr_len, gxy_len;
	uint8_t ni[IKE_NONCE_LEN], nr[IKE_MAX_NONCE];
	bool ni_ready;
	size_t nr_len;
	uint8_t sai_b[2048]; /* body of our SA payload, for HASH_I/HASH_R */
	size_t sai_len;
	uint8_t idii_b[512];
	size_t idii_len;
	bool peer_cr; /* the gateway asked for our certificate */
	/* Message IDs used on this SA (authenticated ones received, ours
	 * sent), to drop a replayed or reflected one (RFC 2408 §3.1). */
	uint32_t info_seen[32];
	size_t info_seen_next;
};

/* One Quick Mode negotiation and, once done, the SA pair it made. */
struct ike_p2 {
	bool in_progress, established;
	uint32_t msgid;
	uint8_t iv[IKE_MAX_BLOCK];
	uint8_t ni[IKE_NONCE_LEN], nr[IKE_MAX_NONCE];
	size_t nr_len;
	uint16_t group; /* PFS group offered, 0 = none */
	struct ike_dh *dh;
	uint32_t spi_in, spi_out;
	struct ike_esp_alg alg;
	uint32_t life_s;
	uint64_t life_kb;
	uint64_t done_ms;
	uint64_t sent_ms; /* QM1 first sent */
	bool have_nat_oa_remote;
	struct sockaddr_storage nat_oa_remote;
	/* Responder of a Quick Mode the gateway started (qm_responder.c):
	 * ni is always our nonce and nr the gateway's, whatever the role. */
	bool responder;
	struct ike_p1 *p1;    /* the ISAKMP SA it runs on (responder) */
	uint8_t qm1_hash[20]; /* SHA-1 of the QM1 datagram, to spot its resends */
	uint64_t started_ms;  /* QM1 received (responder) */
};

/* A responder Quick Mode between QM2 sent and QM3 received: the answer is
 * kept to send again when QM1 comes again (RFC 2409 §5.5). */
struct ike_rqm {
	struct ike_p2 p2;
	uint8_t qm2[ISAKMP_MAX_MSG];
	size_t qm2_len;
	struct esp_sa_pair pair; /* made with QM2, installed once QM3 verifies */
	bool inbound_given;      /* cb.sa_inbound had it: remove it if QM3 never comes */
};

struct ike_session {
	struct loop *loop;
	struct logger *lg;
	struct ike_config cfg;
	uint8_t *psk;
	struct ike_callbacks cb;
	void *ctx;
	OSSL_LIB_CTX *lib;
	OSSL_PROVIDER *prov_default, *prov_legacy;
	struct ike_keygen keygen;

	struct ike_p1_list p1_algs;
	struct ike_esp_list esp_algs;

	enum ike_state state;
	enum ike_stage stage;
	struct ike_failure failure;

	/* Sockets (connected to the gateway) and the addresses in use. */
	int fd_ike, fd_natt;
	/* Who reads fd_natt: NULL for IKE itself, else the data path's socket
	 * owner (ike_set_natt_reader), which hands non-ESP back. */
	void (*natt_reader)(void *ctx, int fd);
	void *natt_reader_ctx;
	struct sockaddr_storage local, local_natt; /* as bound */
	struct sockaddr_storage remote, remote_natt;
	bool floated;       /* talking on 4500 */
	uint32_t qm_rtt_ms; /* QM1 to QM2 of the last Quick Mode */

	enum ike_natt_variant natt;
	bool nat_local, nat_remote;
	bool peer_dpd;
	/* The gateway announced IKE fragmentation (ike/frag.h): our long
	 * messages go out in fragments; frag_id numbers them. Its fragments
	 * are joined in defrag. */
	bool peer_frag;
	uint16_t frag_id;
	struct ike_defrag defrag;
	bool initial_contact_sent;
	uint16_t pfs_group; /* follows the responder's choice */

	struct ike_p1 *p1, *p1_next; /* p1_next: IKE SA rekey in progress */
	/* The gateway's Main Mode in progress (its rekey or reauthentication)
	 * and the ISAKMP SA it replaced, which keeps working (Quick Modes,
	 * deletes) until the gateway deletes it. */
	struct ike_p1 *p1_resp, *p1_old;
	/* p1_old is one we replaced ourselves: its DELETE waits for
	 * old_p1_timer (rekey.c, OLD_P1_GRACE_MS) */
	bool p1_old_ours;
	unsigned old_p1_waits;    /* its DELETE put off for the pair made on it */
	struct ike_p2 qm;         /* Quick Mode in progress */
	struct ike_p2 sa, old_sa; /* installed pair; the one being replaced */

	/* The one request waiting for an answer (MM or QM) and its resends. */
	uint8_t tx[ISAKMP_MAX_MSG];
	size_t tx_len;
	bool tx_waiting;
	uint32_t tx_tries, tx_timeout_ms;
	struct ike_p1 *tx_p1;
	struct loop_timer retransmit_timer;
	/* Last datagram accepted, to spot the gateway's retransmissions;
	 * the hash of the one being handled becomes rx_last only when a
	 * handler accepts it (ike_session_accepted), so a forged datagram cannot
	 * hide a real retransmission. */
	uint8_t rx_last[64];
	size_t rx_last_len;
	uint8_t rx_cur[20];
	bool rx_cur_set;

	/* Quick Modes the gateway started (one slot each, by message ID). */
	struct ike_rqm rqm[2];
	/* An unauthenticated refusal or an answer that does not verify
	 * during the first Main Mode: the failure it suggests, reported if no
	 * valid answer comes in time (ike_session_hint). */
	struct loop_timer hint_timer, rqm_timer;
	char hint[120];
	enum ike_fail_reason hint_reason;
	uint16_t hint_notify;

	/* Counters for status: datagrams dropped as unauthenticated,
	 * malformed, replayed or out of place; rekeys done. */
	uint32_t dropped;
	uint32_t rekeys_ike, rekeys_ipsec;
	uint32_t ike_rekey_failures;

	struct loop_timer dpd_timer, keepalive_timer;
	struct loop_timer ike_rekey_timer, ipsec_rekey_timer, ipsec_expire_timer;
	struct loop_timer old_sa_timer, old_p1_timer, stop_timer;
	uint32_t dpd_seq;
	uint32_t dpd_outstanding;
	uint32_t ping_seq;         /* R-U-THERE of ike_ping() awaiting its ACK; 0 = none */
	uint64_t last_inbound_ms;  /* ike_note_inbound_traffic(); 0 = never */
	uint64_t last_outbound_ms; /* to the NAT-T port: ike_note_outbound_traffic() */
	bool pfs_retried;          /* QM1 retried without PFS after NO_PROPOSAL_CHOSEN */
	bool ports_fell_back;      /* 500/4500 held by a non-sharing program */
};

/* session.c */
void ike_session_fail(struct ike_session *s, enum ike_fail_reason reason, uint16_t notify,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void ike_session_set_stage(struct ike_session *s, enum ike_stage stage);
void ike_session_phase1_done(struct ike_session *s, struct ike_p1 *p1);
/* The gateway's Main Mode (we responded) is done: its SA becomes current. */
void ike_session_p1_resp_done(struct ike_session *s, struct ike_p1 *p1);
/* A Quick Mode (src: s->qm or a responder slot) made a pair: install it. */
void ike_session_qm_done(struct ike_session *s, struct ike_p2 *src, struct esp_sa_pair *pair);
struct ike_p1 *ike_session_p1_for(struct ike_session *s, const uint8_t *icookie);
/* The pair the data path must drop, told once. */
void ike_session_drop_pair(struct ike_session *s, struct ike_p2 *p2);
/* Back to before ike_start(): timers stopped, every ISAKMP SA and pair
 * freed (no callbacks), counters cleared; configuration, library context
 * and sockets stay. */
void ike_session_reset(struct ike_session *s);

/* rekey.c */
void ike_rekey_init_timers(struct ike_session *s);
/* A failure during a rekey while the current SAs are valid: the rekey is
 * abandoned (retried later) instead of the session. True when it was. */
bool ike_session_rekey_failure_survived(struct ike_session *s, enum ike_fail_reason reason,
                                        const char *why);
/* A datagram was dropped (unauthenticated, malformed, replayed, out of
 * place): logged at debug, counted, never fatal. */
void ike_session_drop(struct ike_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The datagram being handled was accepted: its resend is a retransmission. */
void ike_session_accepted(struct ike_session *s);
/* The first Main Mode got a refusal it cannot authenticate or an answer
 * that does not verify: dropped and counted; the session fails with this
 * reason only if no valid answer arrives within a retransmission interval. */
void ike_session_hint(struct ike_session *s, enum ike_fail_reason reason, uint16_t notify,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void ike_session_rekey_ike_failed(struct ike_session *s, const char *why);
/* Rekey/expiry timers again from the SAs' ages and (changed) lifetimes. */
void ike_session_reschedule_ipsec(struct ike_session *s);
void ike_session_reschedule_ike(struct ike_session *s);
void ike_session_recv(struct ike_session *s, const uint8_t *buf, size_t len);
void ike_session_sa_deleted_by_peer(struct ike_session *s, uint32_t spi_out);
void ike_session_p1_deleted_by_peer(struct ike_session *s, struct ike_p1 *p1);

/* net.c */
int ike_net_open(struct ike_session *s);
void ike_net_init_timers(struct ike_session *s);
void ike_net_close(struct ike_session *s);
/* Send a message; with expect_reply it becomes the request that is resent
 * until answered. */
int ike_net_send(struct ike_session *s, const uint8_t *msg, size_t len, bool expect_reply,
                 struct ike_p1 *p1);
void ike_net_answered(struct ike_session *s);
int ike_net_send_once(struct ike_session *s, const uint8_t *msg, size_t len);
void ike_net_resend_last(struct ike_session *s);
void ike_net_send_keepalive(struct ike_session *s);
const struct sockaddr *ike_net_remote(const struct ike_session *s);
const struct sockaddr *ike_net_local(const struct ike_session *s);
uint16_t ike_net_port(const struct sockaddr_storage *ss); /* host byte order */

/* main_mode.c */
struct ike_p1 *ike_mm_new(struct ike_session *s, bool rekey);
void ike_mm_free(struct ike_p1 *p1);
int ike_mm_start(struct ike_session *s, struct ike_p1 *p1);
void ike_mm_recv(struct ike_session *s, struct ike_p1 *p1, const uint8_t *buf, size_t len);
uint16_t ike_mm_auth_method(const struct ike_session *s);
int ike_mm_match_transform(struct ike_session *s, struct ike_p1 *p1,
                           const struct isakmp_transform *t);
int ike_mm_local_id(struct ike_session *s, struct isakmp_id *id, uint8_t *buf, size_t cap);
/* Length of what ike_mm_hash writes: the prf's (ECDSA: its curve's hash's). */
size_t ike_mm_hash_len(const struct ike_session *s, const struct ike_p1 *p1);
int ike_mm_hash(struct ike_session *s, struct ike_p1 *p1, bool initiator, const uint8_t *id,
                size_t id_len, uint8_t *out);
int ike_mm_derive(struct ike_session *s, struct ike_p1 *p1);
/* An authenticated ISAKMP SA's keys to cb.phase1_keys (--save-keys). */
void ike_mm_export_keys(struct ike_session *s, const struct ike_p1 *p1);

/* mm_responder.c: Main Modes the gateway starts (its ISAKMP SA rekey). */
void ike_mmr_recv(struct ike_session *s, struct ike_p1 *p1, const uint8_t *buf, size_t len);
/* MM1 for no ISAKMP SA we know: start a responder Main Mode. */
void ike_mmr_start(struct ike_session *s, const uint8_t *buf, size_t len);

/* quick_mode.c */
int ike_qm_start(struct ike_session *s, bool rekey);
void ike_qm_recv(struct ike_session *s, const uint8_t *buf, size_t len);
void ike_p2_clear(struct ike_p2 *p2);
uint16_t ike_qm_encap_mode(const struct ike_session *s);
/* Quick Mode's transport-mode ID payload for an address and UDP port, and
 * NAT-OA from and to an address (IPv4 or IPv6); -1 for another family. */
int ike_qm_id_of(const struct sockaddr *sa, uint16_t port, struct isakmp_id *id);
int ike_natoa_of(const struct sockaddr *sa, struct isakmp_natoa *oa);
int ike_natoa_to_sockaddr(const struct isakmp_natoa *oa, struct sockaddr_storage *ss);
void ike_qm_write_natoa(struct ike_session *s, struct isakmp_builder *b, bool responder);
void ike_qm_take_natoa(struct ike_session *s, struct ike_p2 *p2, const struct isakmp_msg *m);
/* Lifetimes of an ESP transform: the shorter of ours and its (type,
 * duration) pairs. */
void ike_qm_take_lifetimes(struct ike_session *s, struct ike_p2 *p2,
                           const struct isakmp_transform *t);
int ike_qm_keymat(struct ike_session *s, struct ike_p1 *p1, struct ike_p2 *p2, const uint8_t *gxy,
                  size_t gxy_len, struct esp_sa_pair *pair);
void ike_qm_fill_pair(struct ike_session *s, struct ike_p2 *p2, struct esp_sa_pair *pair);

/* qm_responder.c: Quick Modes the gateway starts (its rekeys). */
bool ike_rqm_recv(struct ike_session *s, struct ike_p1 *p1, const uint8_t *buf, size_t len);
void ike_rqm_clear_all(struct ike_session *s);
/* The session failed: inbound-only pairs handed out go too. */
void ike_rqm_abandon_all(struct ike_session *s);
void ike_rqm_init_timer(struct ike_session *s);
void ike_rqm_forget_p1(struct ike_session *s, const struct ike_p1 *p1);

/* info.c */
void ike_info_recv(struct ike_session *s, struct ike_p1 *p1, const uint8_t *buf, size_t len);
int ike_info_send_notify(struct ike_session *s, struct ike_p1 *p1, uint8_t proto,
                         const uint8_t *spi, size_t spi_len, uint16_t type, const uint8_t *data,
                         size_t data_len);
int ike_info_send_delete(struct ike_session *s, struct ike_p1 *p1, uint8_t proto,
                         const uint8_t *spi, size_t spi_len);
void ike_dpd_start(struct ike_session *s);
void ike_keepalive_arm(struct ike_session *s);
void ike_dpd_defer(struct ike_session *s);
void ike_dpd_init_timer(struct ike_session *s);
/* RESPONDER-LIFETIME (in QM2 or an informational exchange). */
void ike_info_responder_lifetime(struct ike_session *s, struct ike_p1 *p1,
                                 const struct isakmp_notify *n);
/* Phase 2 style encrypted message: HASH(1) over M-ID and the payloads after
 * the hash (RFC 2409 §5.5, §5.7). Builds around fill(), encrypts. */
typedef void (*p2_fill_fn)(struct isakmp_builder *b, void *arg);
size_t ike_p2_build(struct ike_session *s, struct ike_p1 *p1, uint8_t exchange, uint32_t msgid,
                    uint8_t *iv, p2_fill_fn fill, void *arg, uint8_t *out, size_t cap);
/* The same with extra bytes between M-ID and the payloads (Ni_b for the
 * responder's HASH(2)). */
size_t ike_p2_build_extra(struct ike_session *s, struct ike_p1 *p1, uint8_t exchange,
                          uint32_t msgid, uint8_t *iv, const uint8_t *extra, size_t extra_len,
                          p2_fill_fn fill, void *arg, uint8_t *out, size_t cap);
/* Decrypt and check the leading HASH payload of a phase 2 style message.
 * extra (may be NULL/0) goes between M-ID and the payloads (Ni_b for HASH(2)). */
int ike_p2_open(struct ike_session *s, struct ike_p1 *p1, const uint8_t *buf, size_t len,
                uint8_t *iv, const uint8_t *extra, size_t extra_len, uint8_t *plain,
                struct isakmp_msg *msg);
uint32_t ike_p2_new_msgid(void);
/* Message IDs of an ISAKMP SA (replay and reflection check, RFC 2408 §3.1):
 * seen tells whether msgid was used before and remembers it; note only
 * remembers. */
bool ike_p1_msgid_seen(struct ike_p1 *p1, uint32_t msgid);
void ike_p1_msgid_note(struct ike_p1 *p1, uint32_t msgid);

/* failures in one place: stage + reason + detail */
const char *ike_fail_reason_name(enum ike_fail_reason r);

#endif
