/*
 * Userspace ESP packet format: one transport-mode SA pair carrying UDP
 * between our L2TP port and the gateway's, encapsulated in UDP (RFC 3948).
 *
 *   outbound, in place:  L2TP  ->  SPI | seq | IV | E(UDP | L2TP | pad | pl | 17) | ICV
 *   inbound, the reverse, with every check of RFC 4303 §3.4 in this order:
 *   length, SPI, replay window, ICV (constant time, before decrypting),
 *   window update, decrypt, padding, next header, inner UDP header.
 */
#ifndef L2TPSEC_ESP_USER_H
#define L2TPSEC_ESP_USER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "esp/esp.h"
#include "esp/esp_crypto.h"
#include "esp/replay.h"

/* Results of esp_sa_encrypt/esp_sa_decrypt (negated). */
enum esp_err {
	ESP_OK = 0,
	ESP_E_SHORT = 1,
	ESP_E_SPI,
	ESP_E_REPLAY,
	ESP_E_ICV,
	ESP_E_BLOCK,
	ESP_E_PAD,
	ESP_E_NEXTHDR,
	ESP_E_UDP,
	ESP_E_DUMMY,
	ESP_E_SEQ_EXHAUSTED,
	ESP_E_NOROOM,
	ESP_E_CRYPTO,
};

/* Events raised by packet processing, collected until the owner clears them. */
#define ESP_EV_SOFT    0x1u /* rekey now: seq or byte soft limit reached */
#define ESP_EV_HARD    0x2u /* SA unusable: seq space or hard byte limit used up */
#define ESP_EV_TRUNC96 0x4u /* switched HMAC-SHA-256 to 96-bit ICVs */

/* Sequence numbers left when we ask for a rekey (RFC 4303 §3.3.3: a sender
 * must never cycle the counter; without ESN the SA dies at 2^32 - 1). */
#define ESP_SEQ_SOFT_LIMIT 0xf0000000u
#define ESP_SEQ_HARD_LIMIT 0xffffffffu

struct esp_user_sa {
	struct esp_crypto in, out;
	uint32_t spi_in, spi_out;
	uint32_t seq_out; /* last sequence number sent */
	struct esp_replay replay;
	struct sockaddr_storage local, remote;
	bool have_oa_local, have_oa_remote;
	struct sockaddr_storage oa_local, oa_remote;
	uint16_t local_port, remote_port; /* L2TP ports, host order */
	struct esp_lifetime lifetime;
	bool trunc_probe; /* SHA-256: still trying 96-bit ICVs (nothing verified yet) */
	bool trunc_trial; /* ...and sending 96-bit ICVs on trial (a silent peer) */
	bool verified_any;
	unsigned events;
	struct esp_counters ctr;
};

/* 0, or -1 for an unsupported algorithm, bad keys or not UDP-encapsulated. */
int esp_sa_init(struct esp_user_sa *sa, const struct esp_sa_pair *pair, OSSL_LIB_CTX *libctx);
void esp_sa_clear(struct esp_user_sa *sa);

/* pkt holds an L2TP datagram with ESP_PKT_HEADROOM/TAILROOM around it; on
 * success it holds the UDP payload for the 4500 socket. 0 or -ESP_E_*. */
int esp_sa_encrypt(struct esp_user_sa *sa, struct esp_pkt *pkt);
/* pkt holds a received ESP packet; on success the L2TP datagram. Failures
 * are counted in sa->ctr and the data must be dropped. 0 or -ESP_E_*. */
int esp_sa_decrypt(struct esp_user_sa *sa, struct esp_pkt *pkt);

/* HMAC-SHA-256 while nothing verified yet (trunc_probe): send 96-bit ICVs
 * from now on (on), or 128 again (off). A peer that truncates to 96 bits
 * drops our 128-bit packets, and as we speak first (SCCRQ) it may never
 * send: the caller tries 96 bits after a silence. Inbound still takes
 * either length; the first that verifies fixes both directions. No-op once
 * something verified. */
void esp_sa_trunc_trial(struct esp_user_sa *sa, bool on);

const char *esp_err_name(int err);

#endif
