/*
 * HMAC (RFC 2104) for the ESP fast path, with no allocation per packet.
 *
 * OpenSSL 3.0's EVP_MAC restarts a keyed HMAC (EVP_MAC_init with a NULL key)
 * by EVP_MD_CTX_copy_ex of its pre-keyed inner and outer digest contexts, and
 * each copy allocates a new provider context: two malloc/free pairs per
 * packet (counted in tests/unit/test_esp_noalloc.c). Here the inner and
 * outer states (key XOR ipad/opad absorbed) are computed once per SA with
 * OpenSSL's own MD5/SHA functions and copied by value for every packet; the
 * hashes stay OpenSSL's, only RFC 2104's two-pass construction is ours.
 * Where OpenSSL was built without its 3.0 low-level digest API
 * (OPENSSL_NO_DEPRECATED_3_0) the EVP_MAC path is used instead.
 */
#ifndef L2TPSEC_ESP_CRYPTO_HMAC_H
#define L2TPSEC_ESP_CRYPTO_HMAC_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

struct esp_hmac;

/* A keyed HMAC with the OpenSSL digest named digest ("MD5", "SHA1",
 * "SHA256", "SHA384", "SHA512"); NULL for another digest or no memory. */
struct esp_hmac *esp_hmac_new(const char *digest, const uint8_t *key, size_t key_len,
                              OSSL_LIB_CTX *libctx);
void esp_hmac_free(struct esp_hmac *h);
/* The full MAC of data into mac (the digest size); 0, or -1. */
int esp_hmac_compute(const struct esp_hmac *h, const uint8_t *data, size_t len, uint8_t *mac);
/* Its output length in bytes. */
size_t esp_hmac_len(const struct esp_hmac *h);

#endif
