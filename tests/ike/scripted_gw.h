/* A scripted IKEv1 responder on loopback for the unit tests: does the
 * responder's half of RFC 2409 (and RFC 3947 when asked) with the library's
 * primitives, and records what the session under test reports. Used by
 * tests/unit/test_ike_exchange.c and test_ike_natt_flow.c (cmocka asserts). */
#ifndef L2TPSEC_TESTS_IKE_SCRIPTED_GW_H
#define L2TPSEC_TESTS_IKE_SCRIPTED_GW_H

#include <stdbool.h>
#include <stdint.h>

#include <netinet/in.h>

#include "ike/crypto.h"
#include "ike/ike.h"
#include "ike/isakmp.h"
#include "lib/log.h"
#include "lib/loop.h"

struct pair_seen {
	struct esp_sa_pair sa;
	bool rekey;
};

struct gw {
	struct loop *loop;
	struct logger lg;
	int fd, fd_natt; /* "500" and "4500", both ephemeral on 127.0.0.1 (::1) */
	int family;      /* AF_INET, or AF_INET6 after gw_setup6 */
	struct sockaddr_storage peer, peer_natt;
	/* what the client sent: MM5's ID payload, QM1's IDci and IDcr */
	uint8_t mm5_id[64], qm_id[2][32];
	size_t mm5_id_len, qm_id_len[2];
	struct isakmp_natoa qm_natoa[2]; /* QM1's NAT-OA payloads (RFC 3947 type) */
	size_t qm_nnatoa;
	struct ike_session *ike;
	/* options, set before start() */
	bool natt;           /* announce RFC 3947 and send NAT-D */
	bool fake_nat_local; /* MM4's NAT-D of the initiator does not match */
	bool force_encaps;
	bool no_dpd;   /* MM2 without the DPD vendor ID */
	int choose_tr; /* MM2 picks our transform number choose_tr + 1 */
	uint32_t keepalive_s;
	uint16_t pfs;
	uint32_t ike_life; /* 0 = default */
	/* Before MM6: MM2 and MM4 again (late duplicates) and an encrypted
	 * message of garbage with the right cookies. */
	bool late_dups;
	uint8_t mm2_copy[1024], mm4_copy[1024];
	size_t mm2_len, mm4_len;
	/* responder state */
	uint8_t icky[8], rcky[8];
	uint8_t sai_b[2048];
	size_t sai_len;
	struct isakmp_transform chosen;
	struct ike_dh *dh;
	uint8_t gxi[256], gxr[256], gxy[256], ni[64], nr[32];
	size_t ke_len; /* of the chosen group */
	size_t ni_len;
	struct ike_p1_keys keys;
	uint8_t iv[16], p1_last[16];
	uint8_t natd[2][64]; /* the NAT-D payloads of MM3 */
	size_t natd_len[2];
	int nnatd;
	bool floated;   /* the last message came on the NAT-T socket */
	int keepalives; /* lone 0xFF seen on the NAT-T socket */
	/* last Quick Mode */
	uint32_t qm_msgid, qm_spi_i, qm_spi_r;
	uint8_t qm_ni[64], qm_nr[32];
	size_t qm_ni_len;
	uint32_t qm_life, offered_life;
	uint64_t qm_encap, qm_group;
	bool qm_ke;
	bool rekeying;
	/* what the session told us */
	struct pair_seen seen[8];
	int nseen;
	uint32_t deleted_in[8], deleted_out[8];
	int ndeleted;
	struct esp_sa_pair inbound[8]; /* cb.sa_inbound: halves installed at QM2 */
	int ninbound;
	int failed;
	struct ike_failure failure;
	int non_ike;
	int pings; /* ping_answered() calls */
	int p1_exports; /* phase1_keys() calls, the last one's keys: */
	uint8_t p1_icookie[8], p1_enc_key[64];
	size_t p1_enc_key_len;
	uint8_t non_ike_buf[64];
	size_t non_ike_len;
	uint8_t rx[ISAKMP_MAX_MSG], plain[ISAKMP_MAX_MSG];
	size_t rx_len;
};

/* A Quick Mode the gateway starts (its rekey, RFC 2409 §5.5). */
struct gw_rqm {
	uint32_t msgid;
	uint16_t pfs;      /* PFS group asked for, 0 = none */
	uint32_t life;     /* seconds in the proposal */
	uint16_t key_bits; /* AES key length offered; 0 = 128 */
	uint8_t qm1[ISAKMP_MAX_MSG];
	size_t qm1_len;
	uint8_t iv[16];        /* CBC chain of the exchange */
	uint32_t spi_g, spi_c; /* the gateway's SPI (our inbound), the client's */
	uint8_t ni[32], nr[256];
	size_t nr_len;
	struct ike_dh *dh;
	uint8_t gxy[256];
	size_t gxy_len;
};

extern const uint8_t gw_psk[];
extern const size_t gw_psk_len;
extern const uint8_t gw_dpd_vid[16], gw_rfc3947_vid[16];

int gw_setup(void **state);
/* The same on ::1 (IKE over IPv6); skipped when the host has no IPv6. */
int gw_setup6(void **state);
int gw_teardown(void **state);
/* ike_new() + ike_start() against g with the given lifetimes and DPD. */
void gw_start(struct gw *g, uint32_t ipsec_life, uint32_t margin, uint32_t dpd);
void gw_start_cfg(struct gw *g, const struct ike_config *cfg);
void gw_config(struct gw *g, struct ike_config *cfg, uint32_t ipsec_life, uint32_t margin,
               uint32_t dpd);
/* Next datagram from the session on either socket (marker stripped) into
 * g->rx; keepalives are counted, not returned. */
bool gw_recv(struct gw *g, int timeout_ms);
/* To the session, on the socket the last message came in on. */
void gw_send(struct gw *g, const uint8_t *buf, size_t len);
void gw_run(struct gw *g, int ms);
void gw_hdr(struct gw *g, struct isakmp_hdr *h, uint8_t exch, uint8_t flags, uint32_t msgid);
void gw_open(struct gw *g, uint8_t *iv, struct isakmp_msg *m);
/* Phase 2 style HASH over M-ID | extra | payloads after the HASH payload. */
void gw_p2_hash(struct gw *g, uint32_t msgid, const uint8_t *extra, size_t extra_len,
                const uint8_t *after, size_t after_len, uint8_t *out);
void gw_check_p2_hash(struct gw *g, const struct isakmp_msg *m, const uint8_t *extra,
                      size_t extra_len);
/* MM1 (received unless have_mm1) -> MM2 only. */
void gw_mm2(struct gw *g, bool have_mm1);
void gw_main_mode(struct gw *g, bool have_mm1);
void gw_quick_mode(struct gw *g, bool have_qm1);
/* Phase 1 of an informational message already received: decrypt and check. */
void gw_open_info(struct gw *g, struct isakmp_msg *m);
void gw_check_keys(struct gw *g, const struct esp_sa_pair *p);
/* QM1 of a gateway-initiated Quick Mode, built into q and sent. */
void gw_rqm_send1(struct gw *g, struct gw_rqm *q);
/* The client's QM2: received (skipping other messages), HASH(2) checked,
 * SA, nonce and KE taken. */
void gw_rqm_recv2(struct gw *g, struct gw_rqm *q);
void gw_rqm_send3(struct gw *g, struct gw_rqm *q);
/* The pair the client installed has the keys of q (the gateway's view). */
void gw_rqm_check_pair(struct gw *g, const struct gw_rqm *q, const struct esp_sa_pair *p);
/* The gateway's own Main Mode (its ISAKMP SA rekey): MM1..MM6 with new
 * cookies and keys, which replace g's (icky, rcky, keys, p1_last). The
 * client's answers are checked (HASH_R, cookies, chosen transform). */
void gw_mm_initiate(struct gw *g);
/* The same in two halves: MM1 to MM4, then MM5 and MM6. */
void gw_mm_start(struct gw *g);
void gw_mm_finish(struct gw *g);
/* Run the loop until the session reported n pairs (or timeout). */
void gw_wait_pairs(struct gw *g, int n, int timeout_ms);
size_t gw_info_msg(struct gw *g, uint32_t msgid, const struct isakmp_notify *n,
                   const struct isakmp_delete *d, uint8_t *out, size_t cap);

#endif
