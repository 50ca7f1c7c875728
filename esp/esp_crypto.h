/*
 * OpenSSL EVP state for one direction of one ESP SA, created once when the
 * SA is installed and reused for every packet: only the IV changes per packet
 * (EVP_CipherInit_ex2 with NULL cipher and key) and the HMAC restarts from
 * its pre-keyed inner and outer states (esp/esp_crypto_hmac.h), so nothing is
 * allocated per packet.
 */
#ifndef L2TPSEC_ESP_CRYPTO_H
#define L2TPSEC_ESP_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "esp/esp_sa.h"

struct esp_hmac;

#define ESP_MAX_IV   16
#define ESP_MAX_ICV  32 /* HMAC-SHA-512-256 */
#define ESP_MAX_MAC  64 /* untruncated HMAC-SHA-512 */
#define ESP_GCM_SALT 4

struct esp_crypto {
	enum esp_cipher cipher;
	enum esp_auth auth;
	bool encrypt;
	bool aead;
	uint8_t iv_len; /* bytes of IV on the wire (RFC 3602 §3: one block; RFC 4106 §3.1: 8) */
	uint8_t block_len; /* cipher block size, 1 for GCM */
	uint8_t pad_align; /* payload alignment: the block size, at least 4 (RFC 4303 §2.4) */
	uint8_t icv_len;   /* bytes of ICV on the wire */
	uint8_t mac_len;   /* full HMAC output, before truncation */
	uint8_t salt[ESP_GCM_SALT];
	EVP_CIPHER_CTX *cipher_ctx;
	EVP_CIPHER_CTX *iv_ctx; /* CBC sender: AES-ECB under a random key, IV = E(counter) */
	struct esp_hmac *hmac;
};

/* Sets up c for sa; returns 0, or -1 (nothing allocated) for an unknown
 * algorithm, a wrong key length or an OpenSSL failure. libctx may be NULL. */
int esp_crypto_init(struct esp_crypto *c, const struct esp_sa *sa, bool encrypt,
                    OSSL_LIB_CTX *libctx);
void esp_crypto_free(struct esp_crypto *c);

/* Lengths for an algorithm pair without building contexts (also checks key
 * lengths); 0 or -1. */
int esp_crypto_sizes(const struct esp_sa *sa, uint8_t *iv_len, uint8_t *pad_align,
                     uint8_t *icv_len);

/* A fresh, unpredictable IV for the packet with this counter (CBC: the
 * counter encrypted under a per-SA random key, RFC 3602 §3 asks for an
 * unpredictable IV; GCM: the 64-bit counter itself, RFC 4106 §3.1 asks for a
 * unique one). */
int esp_crypto_make_iv(struct esp_crypto *c, uint64_t counter, uint8_t *iv);

/* CBC: en- or decrypt len bytes (a multiple of block_len) in place. */
int esp_crypto_cbc(struct esp_crypto *c, const uint8_t *iv, uint8_t *data, size_t len);

/* Full (untruncated) HMAC of data into mac[mac_len]. */
int esp_crypto_hmac(struct esp_crypto *c, const uint8_t *data, size_t len, uint8_t *mac);

/* AES-GCM (RFC 4106): nonce = salt || iv, AAD = SPI || seq. Seal encrypts in
 * place and writes the 16-byte tag; open decrypts in place and returns -1
 * when the tag does not verify (the caller must then discard data). */
int esp_crypto_gcm_seal(struct esp_crypto *c, const uint8_t *iv, const uint8_t *aad, size_t aad_len,
                        uint8_t *data, size_t len, uint8_t *tag);
int esp_crypto_gcm_open(struct esp_crypto *c, const uint8_t *iv, const uint8_t *aad, size_t aad_len,
                        uint8_t *data, size_t len, const uint8_t *tag);

/* Short names for logs and the benchmark: "aes128", "sha1"... */
const char *esp_cipher_name(enum esp_cipher cipher, size_t enc_key_len);
const char *esp_auth_name(enum esp_auth auth);

#endif
