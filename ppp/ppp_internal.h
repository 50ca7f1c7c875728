/* State of one PPP instance, shared by the files of ppp/ (not a public API). */
#ifndef L2TPSEC_PPP_INTERNAL_H
#define L2TPSEC_PPP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/log.h"
#include "lib/loop.h"
#include "ppp/crypto.h"
#include "ppp/fsm.h"
#include "ppp/mschapv2.h"
#include "ppp/ppp.h"

/* Assigned PPP protocol numbers (RFC 1661, 1332, 5072, 1334, 1994). */
#define PPP_PROTO_IPV4   0x0021
#define PPP_PROTO_IPV6   0x0057
#define PPP_PROTO_IPCP   0x8021
#define PPP_PROTO_IPV6CP 0x8057
#define PPP_PROTO_CCP    0x80fd
#define PPP_PROTO_LCP    0xc021
#define PPP_PROTO_PAP    0xc023
#define PPP_PROTO_CHAP   0xc223
#define PPP_PROTO_EAP    0xc227

#define CHAP_ALG_MD5      5
#define CHAP_ALG_MSCHAPV2 0x81

/* FF 03 + protocol + the largest information field we ever send. */
#define PPP_HDR_LEN     4
#define PPP_MAX_INFO    65535
#define PPP_DEFAULT_MRU 1500
#define PPP_MIN_MRU     64
#define PPP_MAX_USER    255
/* Largest answer to a Configure-Request we build. */
#define PPP_MAX_CTRL 1500

struct lcp_state {
	/* our wishes (RFC 1661 §6) */
	bool send_mru, send_magic, send_auth;
	uint16_t want_mru;
	uint32_t magic;
	/* what the peer asked for in the request we last Ack'd */
	uint16_t peer_mru;
	enum ppp_auth peer_auth;
	/* the peer asked for an authentication method we refuse (§6.2 Nak'd) */
	bool auth_refused;
	enum ppp_auth refused_auth; /* NONE: one we do not implement (EAP...) */
	bool peer_wants_mppe;       /* a CCP Configure-Request with MPPE came (RFC 3078) */
	unsigned loopbacks;         /* our own magic came back (§6.4) */
	/* liveness (§5.8) */
	struct loop_timer echo_timer;
	unsigned echo_pending;
	uint8_t echo_id;
};

struct auth_state {
	enum ppp_auth method;
	bool done;               /* we authenticated ourselves to the peer */
	bool srv_done;           /* loopback tests: the peer authenticated itself to us */
	struct loop_timer timer; /* PAP retransmission / overall limit */
	unsigned tries;
	uint8_t id;
	/* CHAP: the last response, resent when a challenge is repeated */
	bool responded;
	uint8_t resp_id;
	uint8_t resp[1 + MSCHAPV2_RESPONSE_LEN + PPP_MAX_USER];
	size_t resp_len;
	uint8_t auth_chal[MSCHAPV2_CHALLENGE_LEN], peer_chal[MSCHAPV2_CHALLENGE_LEN];
	char expect_s[MSCHAPV2_AUTH_RESPONSE_LEN + 1]; /* MS-CHAPv2 Success */
	/* loopback tests only: we are the authenticator */
	uint8_t srv_chal[MSCHAPV2_CHALLENGE_LEN];
	uint8_t srv_id;
};

struct ipcp_state {
	bool send_addr, send_dns1, send_dns2;
	uint8_t addr[4], dns1[4], dns2[4];
	uint8_t peer_addr[4];
};

struct ipv6cp_state {
	bool send_ifid;
	uint8_t ifid[8];
	uint8_t peer_ifid[8];
};

struct ppp {
	struct loop *loop;
	const struct logger *lg;
	struct ppp_config cfg; /* user/password point into our own copies */
	char *user;
	uint8_t *password;
	struct ppp_callbacks cbs;
	void *ctx;
	struct ppp_crypto crypto;
	bool have_crypto;
	bool crypto_borrowed; /* crypto is a copy of cfg.crypto's: not ours to free */

	enum ppp_phase phase;
	struct fsm lcp, ipcp, ipv6cp;
	struct lcp_state lcp_st;
	struct auth_state auth;
	struct ipcp_state ipcp_st;
	struct ipv6cp_state ipv6cp_st;
	struct ppp_ip_info ip;
	struct ppp_failure failure; /* first reason recorded wins */
	bool down_reported;

	uint64_t frames_in, frames_out, ip_in, ip_out, dropped;
	uint8_t *txbuf; /* PPP_HDR_LEN + PPP_MAX_INFO */
};

/* ppp.c */
int ppp_send_proto(struct ppp *ppp, uint16_t proto, const uint8_t *data, size_t len);
/* hdr (code, id, length) then data, as one packet of proto. */
int ppp_send_ctrl(struct ppp *ppp, uint16_t proto, const uint8_t hdr[4], const uint8_t *data,
                  size_t len);
void ppp_fail(struct ppp *ppp, enum ppp_down_reason reason, enum ppp_auth auth,
              const char *message);
void ppp_lcp_up(struct ppp *ppp);
void ppp_lcp_down(struct ppp *ppp);
void ppp_lcp_finished(struct ppp *ppp);
void ppp_auth_done(struct ppp *ppp);
void ppp_ncp_up(struct ppp *ppp);
void ppp_ncp_finished(struct ppp *ppp, struct fsm *f);
uint16_t ppp_send_mtu(const struct ppp *ppp);

/* lcp.c */
void lcp_init(struct ppp *ppp);
void lcp_protocol_reject(struct ppp *ppp, uint16_t proto, const uint8_t *pkt, size_t len);
void lcp_stop_echo(struct ppp *ppp);

/* pap.c, chap.c: authenticating ourselves to the peer */
void pap_start(struct ppp *ppp);
void pap_input(struct ppp *ppp, const uint8_t *pkt, size_t len);
void chap_start(struct ppp *ppp);
void chap_input(struct ppp *ppp, const uint8_t *pkt, size_t len);
void auth_stop(struct ppp *ppp);
int chap_md5_response(const struct ppp_crypto *c, uint8_t id, const uint8_t *secret,
                      size_t secret_len, const uint8_t *chal, size_t chal_len, uint8_t out[16]);
/* Around the computation of MS-CHAPv2 values: loads MD4 and DES (the legacy
 * provider) unless they are loaded already (a lent context that keeps them),
 * and unloads what it loaded. *loaded tells the end what the begin did. */
int chap_legacy_begin(struct ppp *ppp, bool *loaded);
void chap_legacy_end(struct ppp *ppp, bool loaded);

/* authsrv.c: authenticator role, loopback tests only */
void authsrv_start(struct ppp *ppp);
void authsrv_input(struct ppp *ppp, uint16_t proto, const uint8_t *pkt, size_t len);

/* ipcp.c, ipv6cp.c */
void ipcp_init(struct ppp *ppp);
void ipv6cp_init(struct ppp *ppp);

/* option walking for the control protocols: -1 on a malformed list */
struct ppp_opt {
	uint8_t type;
	uint8_t len;         /* whole option, >= 2 */
	const uint8_t *data; /* len - 2 bytes */
};
int ppp_opt_next(struct buf_reader *r, struct ppp_opt *o);
int ppp_opt_put(struct buf_writer *w, uint8_t type, const void *data, size_t len);

static inline struct ppp *fsm_ppp(struct fsm *f)
{
	return f->ppp;
}

#endif
