/*
 * IKEv1 crypto: hashes and the HMAC prf, the key schedule of RFC 2409 §5 and
 * §5.5, phase 1/2 encryption with the IV rules of Appendix B, and
 * Diffie-Hellman (MODP RFC 2409/3526, ECP RFC 5903). OpenSSL 3 EVP only; an
 * OSSL_LIB_CTX may be passed (NULL = the default context).
 */
#ifndef L2TPSEC_IKE_CRYPTO_H
#define L2TPSEC_IKE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#define IKE_MAX_HASH    64
#define IKE_MAX_BLOCK   16
#define IKE_MAX_ENC_KEY 32
#define IKE_MAX_DH      1024 /* bytes of a public value (modp8192) */

/* A piece of a concatenation fed to a hash or prf. */
struct iov {
	const void *p;
	size_t len;
};

/* Phase 1 hash attribute values (IKE_HASH_*) name the hash and the prf. */
size_t ike_hash_len(uint16_t hash);
const char *ike_hash_name(uint16_t hash); /* "sha1", "sha2_256" ... */
int ike_hash(OSSL_LIB_CTX *lib, uint16_t hash, const struct iov *v, size_t n, uint8_t *out);
int ike_prf(OSSL_LIB_CTX *lib, uint16_t hash, const uint8_t *key, size_t keylen,
            const struct iov *v, size_t n, uint8_t *out);

/* Phase 1 ciphers (IKE_ENC_*), key length in bytes. */
size_t ike_cipher_block(uint16_t enc);
size_t ike_cipher_default_key(uint16_t enc);
int ike_cbc(OSSL_LIB_CTX *lib, uint16_t enc, const uint8_t *key, size_t keylen, const uint8_t *iv,
            const uint8_t *in, size_t len, uint8_t *out, bool encrypt);

struct ike_p1_keys {
	uint16_t hash;
	size_t prf_len;
	uint8_t skeyid[IKE_MAX_HASH];
	uint8_t skeyid_d[IKE_MAX_HASH];
	uint8_t skeyid_a[IKE_MAX_HASH];
	uint8_t skeyid_e[IKE_MAX_HASH];
	uint8_t enc_key[IKE_MAX_ENC_KEY];
	size_t enc_key_len;
};

/* RFC 2409 §5: SKEYID = prf(pre-shared-key, Ni_b | Nr_b) */
int ike_skeyid_psk(OSSL_LIB_CTX *lib, uint16_t hash, const uint8_t *psk, size_t psk_len,
                   const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
                   uint8_t *skeyid);
/* SKEYID = prf(Ni_b | Nr_b, g^xy) */
int ike_skeyid_sig(OSSL_LIB_CTX *lib, uint16_t hash, const uint8_t *ni, size_t ni_len,
                   const uint8_t *nr, size_t nr_len, const uint8_t *gxy, size_t gxy_len,
                   uint8_t *skeyid);
/* SKEYID_d/a/e and the encryption key (Appendix B expansion). keys->skeyid
 * and keys->hash must be set. */
int ike_p1_derive(OSSL_LIB_CTX *lib, struct ike_p1_keys *keys, const uint8_t *gxy, size_t gxy_len,
                  const uint8_t *icookie, const uint8_t *rcookie, size_t enc_key_len);
/* KEYMAT = prf(SKEYID_d, [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b), expanded
 * to out_len bytes (RFC 2409 §5.5). spi in network order. */
int ike_keymat(OSSL_LIB_CTX *lib, const struct ike_p1_keys *keys, const uint8_t *gxy,
               size_t gxy_len, uint8_t proto, const uint8_t spi[4], const uint8_t *ni,
               size_t ni_len, const uint8_t *nr, size_t nr_len, uint8_t *out, size_t out_len);

/* RFC 2409 §5: HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b |
 * IDii_b); HASH_R swaps the DH values and cookies and takes IDir_b. */
int ike_auth_hash(OSSL_LIB_CTX *lib, const struct ike_p1_keys *k, bool initiator,
                  const uint8_t *gxi, size_t gxi_len, const uint8_t *gxr, size_t gxr_len,
                  const uint8_t *icookie, const uint8_t *rcookie, const uint8_t *sai_b,
                  size_t sai_len, const uint8_t *id_b, size_t id_len, uint8_t *out);
/* The same with another prf than the negotiated one (k->hash), still keyed
 * with SKEYID: ECDSA's HASH_I/HASH_R (ike_mm_auth_hash). */
int ike_auth_hash_prf(OSSL_LIB_CTX *lib, const struct ike_p1_keys *k, uint16_t prf, bool initiator,
                      const uint8_t *gxi, size_t gxi_len, const uint8_t *gxr, size_t gxr_len,
                      const uint8_t *icookie, const uint8_t *rcookie, const uint8_t *sai_b,
                      size_t sai_len, const uint8_t *id_b, size_t id_len, uint8_t *out);
/* §5.5: HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b) */
int ike_qm_hash3(OSSL_LIB_CTX *lib, const struct ike_p1_keys *k, uint32_t msgid, const uint8_t *ni,
                 size_t ni_len, const uint8_t *nr, size_t nr_len, uint8_t *out);

/* Appendix B: phase 1 IV = hash(g^xi | g^xr); phase 2 and informational
 * IV = hash(last phase 1 CBC block | M-ID). Truncated to the block size. */
int ike_iv_p1(OSSL_LIB_CTX *lib, uint16_t hash, const uint8_t *gxi, size_t gxi_len,
              const uint8_t *gxr, size_t gxr_len, uint8_t *iv, size_t block);
int ike_iv_p2(OSSL_LIB_CTX *lib, uint16_t hash, const uint8_t *p1_last, size_t block,
              uint32_t msgid, uint8_t *iv);

/* Encrypt the body of a built message (after the 28-byte header) in place,
 * padding it to the block size and fixing the header length; iv is updated
 * to the last ciphertext block. Returns the new length or 0. */
size_t ike_encrypt_msg(OSSL_LIB_CTX *lib, const struct ike_p1_keys *keys, uint16_t enc, uint8_t *iv,
                       uint8_t *msg, size_t len, size_t cap);
/* Decrypt the body of a received message into out (out_cap >= len); iv is
 * updated to the last ciphertext block. Returns 0 or -1. */
int ike_decrypt_msg(OSSL_LIB_CTX *lib, const struct ike_p1_keys *keys, uint16_t enc, uint8_t *iv,
                    const uint8_t *msg, size_t len, uint8_t *out);

/* Diffie-Hellman for the IKE group numbers 1, 2, 5, 14-16, 19-21. */
struct ike_dh;
bool ike_dh_supported(uint16_t group);
size_t ike_dh_pub_len(uint16_t group);
struct ike_dh *ike_dh_new(OSSL_LIB_CTX *lib, uint16_t group);
/* Our public value as it goes in a KE payload. */
int ike_dh_public(const struct ike_dh *dh, uint8_t *out, size_t *len);
/* g^xy (MODP: padded to the prime length; ECP: the x coordinate). */
int ike_dh_shared(struct ike_dh *dh, const uint8_t *peer, size_t peer_len, uint8_t *out,
                  size_t *len);
void ike_dh_free(struct ike_dh *dh);
const char *ike_dh_name(uint16_t group); /* "modp2048", "ecp256" ... */

#endif
