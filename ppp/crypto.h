/*
 * The hashes and the cipher PPP authentication needs, from OpenSSL 3 only.
 * MD5 and SHA-1 come from the default library context. MD4 and DES live in
 * the legacy provider; it is loaded into a library context of the PPP
 * instance's own (so the rest of the process keeps the default provider
 * set) only while MS-CHAPv2 values are computed, and unloaded after: a
 * connected client keeps neither the module nor its algorithm caches
 * resident (issue 16).
 */
#ifndef L2TPSEC_PPP_CRYPTO_H
#define L2TPSEC_PPP_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/provider.h>

struct ppp_crypto {
	OSSL_LIB_CTX *libctx; /* the legacy provider's; NULL while not loaded */
	OSSL_PROVIDER *legacy_prov;
	EVP_MD *md4, *md5, *sha1; /* md4 NULL while the legacy provider is not loaded */
	EVP_CIPHER *des_ecb;      /* likewise */
};

/* A piece of a hash input. */
struct crypto_part {
	const void *data;
	size_t len;
};

/* MD5 and SHA-1: 0, or -1 when they are unavailable. MD4/DES are NULL
 * until ppp_crypto_legacy_load(). */
int ppp_crypto_init(struct ppp_crypto *c);
void ppp_crypto_free(struct ppp_crypto *c);
/* MD4 and DES-ECB from the legacy provider: 0 (also when already loaded),
 * or -1 when the legacy module is missing. */
int ppp_crypto_legacy_load(struct ppp_crypto *c);
/* Frees MD4, DES and the legacy provider's context (no-op when not loaded). */
void ppp_crypto_legacy_unload(struct ppp_crypto *c);
/* Whether MD4 and DES are loaded now. */
int ppp_crypto_has_legacy(const struct ppp_crypto *c);

/* out receives EVP_MD_get_size(md) bytes. */
int ppp_crypto_digest(const EVP_MD *md, const struct crypto_part *parts, size_t nparts,
                      uint8_t *out);
/* DES-ECB of one block with the 56-bit key in key7 (RFC 2759 §8.6 DesEncrypt). */
int ppp_crypto_des7(const struct ppp_crypto *c, const uint8_t key7[7], const uint8_t in[8],
                    uint8_t out[8]);

#endif
