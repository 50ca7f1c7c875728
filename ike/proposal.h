/*
 * Proposals in strongSwan syntax: "aes256-sha2_256-modp2048,3des-sha1-modp1024"
 * for IKE, "aes256-sha1,aes128gcm16" for ESP. Each comma-separated proposal
 * expands to every combination of its ciphers, hashes and groups, in order;
 * a trailing "!" means only these, otherwise the defaults follow.
 */
#ifndef L2TPSEC_IKE_PROPOSAL_H
#define L2TPSEC_IKE_PROPOSAL_H

#include <stddef.h>
#include <stdint.h>

#include "esp/esp_sa.h"
#include "ike/ike.h"

#define IKE_MAX_ALGS 32

struct ike_p1_alg {
	uint16_t enc;      /* IKE_ENC_* */
	uint16_t key_bits; /* AES only; 0 = fixed by the cipher */
	uint16_t hash;     /* IKE_HASH_* */
	uint16_t group;    /* DH group number */
};

struct ike_p1_list {
	struct ike_p1_alg a[IKE_MAX_ALGS];
	size_t n;
};

struct ike_esp_alg {
	uint8_t transform;  /* ESP_T_* */
	uint16_t key_bits;  /* AES; 0 = fixed */
	uint16_t auth_attr; /* AUTH_ALG_*; 0 for AES-GCM */
	enum esp_cipher cipher;
	enum esp_auth auth;
	uint16_t group; /* PFS group named in the proposal, 0 = none */
};

struct ike_esp_list {
	struct ike_esp_alg a[IKE_MAX_ALGS];
	size_t n;
};

/* spec NULL or "" selects the default list. 0, or -1 with a reason in err. */
int ike_proposals_parse(const char *spec, struct ike_p1_list *out, char *err, size_t errlen);
int ike_esp_proposals_parse(const char *spec, struct ike_esp_list *out, char *err, size_t errlen);
/* Windows' NegotiateDH2048 on a parsed list: OFF drops groups >= 14, OFFER
 * moves them first (stable), REQUIRE drops groups < 14. */
int ike_p1_apply_dh2048(struct ike_p1_list *l, enum ike_dh2048 policy, char *err, size_t errlen);

void ike_p1_alg_str(const struct ike_p1_alg *a, char *buf, size_t len);
void ike_esp_alg_str(const struct ike_esp_alg *a, char *buf, size_t len);
/* ESP key lengths from the data path's point of view (GCM includes salt). */
size_t ike_esp_enc_key_len(const struct ike_esp_alg *a);
size_t ike_esp_auth_key_len(const struct ike_esp_alg *a);

#endif
