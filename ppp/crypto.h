/*
 * The hashes and the cipher PPP authentication needs, from OpenSSL 3 only.
 * MD4 and DES live in the legacy provider; it is loaded into a library
 * context owned by the PPP instance so the rest of the process keeps the
 * default provider set.
 */
#ifndef L2TPSEC_PPP_CRYPTO_H
#define L2TPSEC_PPP_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/provider.h>

struct ppp_crypto {
	OSSL_LIB_CTX *libctx;
	OSSL_PROVIDER *default_prov, *legacy_prov;
	EVP_MD *md4, *md5, *sha1; /* md4 NULL when the legacy provider is missing */
	EVP_CIPHER *des_ecb;      /* NULL when the legacy provider is missing */
};

/* A piece of a hash input. */
struct crypto_part {
	const void *data;
	size_t len;
};

/* 0, or -1 when even MD5/SHA-1 are unavailable. MD4/DES may still be NULL:
 * check ppp_crypto_has_legacy() before MS-CHAPv2. */
int ppp_crypto_init(struct ppp_crypto *c);
void ppp_crypto_free(struct ppp_crypto *c);
int ppp_crypto_has_legacy(const struct ppp_crypto *c);

/* out receives EVP_MD_get_size(md) bytes. */
int ppp_crypto_digest(const EVP_MD *md, const struct crypto_part *parts, size_t nparts,
                      uint8_t *out);
/* DES-ECB of one block with the 56-bit key in key7 (RFC 2759 §8.6 DesEncrypt). */
int ppp_crypto_des7(const struct ppp_crypto *c, const uint8_t key7[7], const uint8_t in[8],
                    uint8_t out[8]);

#endif
