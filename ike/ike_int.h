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
	P1_DONE,
};

struct ike_p1 {
	enum p1_state state;
	bool rekey; /* replaces an established ISAKMP SA */
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
	bool floated; /* talking on 4500 */
	uint32_t qm_rtt_ms; /* QM1 to QM2 of the last Quick Mode */

	enum ike_natt_variant natt;
	bool nat_local, nat_remote;
	bool peer_dpd;
	bool initial_contact_sent;
	uint16_t pfs_group; /* follows the responder's choice */

	struct ike_p1 *p1, *p1_next; /* p1_next: IKE SA rekey in progress */
	struct ike_p2 qm;            /* Quick Mode in progress */
	struct ike_p2 sa, old_sa;    /* installed pair; the one being replaced */

	/* The one request waiting for an answer (MM or QM) and its resends. */
	uint8_t tx[ISAKMP_MAX_MSG];
	size_t tx_len;
	bool tx_waiting;
	uint32_t tx_tries, tx_timeout_ms;
	struct ike_p1 *tx_p1;
	struct loop_timer retransmit_timer;
	/* Last datagram received, to spot the gateway's retransmissions. */
	uint8_t rx_last[64];
	size_t rx_last_len;

	struct loop_timer dpd_timer, keepalive_timer;
	struct loop_timer ike_rekey_timer, ipsec_rekey_timer, ipsec_expire_timer;
	struct loop_timer old_sa_timer, stop_timer;
	uint32_t dpd_seq;
	uint32_t dpd_outstanding;
	uint32_t ping_seq;        /* R-U-THERE of ike_ping() awaiting its ACK; 0 = none */
	uint64_t last_inbound_ms; /* ike_note_inbound_traffic(); 0 = never */
	bool pfs_retried;         /* QM1 retried without PFS after NO_PROPOSAL_CHOSEN */
	bool ports_fell_back;     /* 500/4500 held by a non-sharing program */
};

/* session.c */
void session_fail(struct ike_session *s, enum ike_fail_reason reason, uint16_t notify,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void session_set_stage(struct ike_session *s, enum ike_stage stage);
void session_phase1_done(struct ike_session *s, struct ike_p1 *p1);
void session_qm_done(struct ike_session *s, struct esp_sa_pair *pair);
struct ike_p1 *session_p1_for(struct ike_session *s, const uint8_t *icookie);
void session_recv(struct ike_session *s, const uint8_t *buf, size_t len);
void session_sa_deleted_by_peer(struct ike_session *s, uint32_t spi_out);
void session_p1_deleted_by_peer(struct ike_session *s, struct ike_p1 *p1);

/* net.c */
int net_open(struct ike_session *s);
void net_init_timers(struct ike_session *s);
void net_close(struct ike_session *s);
/* Send a message; with expect_reply it becomes the request that is resent
 * until answered. */
int net_send(struct ike_session *s, const uint8_t *msg, size_t len, bool expect_reply,
             struct ike_p1 *p1);
void net_answered(struct ike_session *s);
int net_send_once(struct ike_session *s, const uint8_t *msg, size_t len);
void net_resend_last(struct ike_session *s);
void net_send_keepalive(struct ike_session *s);
const struct sockaddr *net_remote(const struct ike_session *s);
const struct sockaddr *net_local(const struct ike_session *s);
uint16_t net_port(const struct sockaddr_storage *ss); /* host byte order */

/* main_mode.c */
struct ike_p1 *mm_new(struct ike_session *s, bool rekey);
void mm_free(struct ike_p1 *p1);
int mm_start(struct ike_session *s, struct ike_p1 *p1);
void mm_recv(struct ike_session *s, struct ike_p1 *p1, const uint8_t *buf, size_t len);

/* quick_mode.c */
int qm_start(struct ike_session *s, bool rekey);
void qm_recv(struct ike_session *s, const uint8_t *buf, size_t len);
void p2_clear(struct ike_p2 *p2);

/* info.c */
void info_recv(struct ike_session *s, struct ike_p1 *p1, const uint8_t *buf, size_t len);
int info_send_notify(struct ike_session *s, struct ike_p1 *p1, uint8_t proto, const uint8_t *spi,
                     size_t spi_len, uint16_t type, const uint8_t *data, size_t data_len);
int info_send_delete(struct ike_session *s, struct ike_p1 *p1, uint8_t proto, const uint8_t *spi,
                     size_t spi_len);
void dpd_start(struct ike_session *s);
void dpd_init_timer(struct ike_session *s);
/* RESPONDER-LIFETIME (in QM2 or an informational exchange). */
void info_responder_lifetime(struct ike_session *s, const struct isakmp_notify *n);
/* Phase 2 style encrypted message: HASH(1) over M-ID and the payloads after
 * the hash (RFC 2409 §5.5, §5.7). Builds around fill(), encrypts. */
typedef void (*p2_fill_fn)(struct isakmp_builder *b, void *arg);
size_t p2_build(struct ike_session *s, struct ike_p1 *p1, uint8_t exchange, uint32_t msgid,
                uint8_t *iv, p2_fill_fn fill, void *arg, uint8_t *out, size_t cap);
/* Decrypt and check the leading HASH payload of a phase 2 style message.
 * extra (may be NULL/0) goes between M-ID and the payloads (Ni_b for HASH(2)). */
int p2_open(struct ike_session *s, struct ike_p1 *p1, const uint8_t *buf, size_t len, uint8_t *iv,
            const uint8_t *extra, size_t extra_len, uint8_t *plain, struct isakmp_msg *msg);
uint32_t p2_new_msgid(void);

/* failures in one place: stage + reason + detail */
const char *ike_fail_reason_name(enum ike_fail_reason r);

#endif
