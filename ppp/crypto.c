/* OpenSSL plumbing for PPP authentication: MD5 and SHA-1 from the default
 * library context, MD4 and DES from a library context of their own with the
 * legacy provider, loaded only while an MS-CHAPv2 value is computed;
 * digests over scattered input, and DES. */
#include "ppp/crypto.h"

#include <string.h>

#include "lib/util.h"

int ppp_crypto_init(struct ppp_crypto *c)
{
	memset(c, 0, sizeof(*c));
	/* The default library context, shared with the rest of the process:
	 * a context of our own would cache its own copy of every algorithm
	 * it is asked for, about 200 kB of heap (issue 16, measured). */
	c->md5 = EVP_MD_fetch(NULL, "MD5", NULL);
	c->sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
	if (!c->md5 || !c->sha1) {
		ppp_crypto_free(c);
		return -1;
	}
	return 0;
}

int ppp_crypto_legacy_load(struct ppp_crypto *c)
{
	if (ppp_crypto_has_legacy(c))
		return 0;
	/* Only the legacy provider in this context: MD4 and DES-ECB are all
	 * it is asked for, and the rest of the process never sees them. */
	c->libctx = OSSL_LIB_CTX_new();
	if (c->libctx)
		c->legacy_prov = OSSL_PROVIDER_load(c->libctx, "legacy");
	if (c->legacy_prov) {
		c->md4 = EVP_MD_fetch(c->libctx, "MD4", NULL);
		c->des_ecb = EVP_CIPHER_fetch(c->libctx, "DES-ECB", NULL);
	}
	if (ppp_crypto_has_legacy(c))
		return 0;
	ppp_crypto_legacy_unload(c);
	return -1;
}

void ppp_crypto_legacy_unload(struct ppp_crypto *c)
{
	EVP_MD_free(c->md4);
	EVP_CIPHER_free(c->des_ecb);
	if (c->legacy_prov)
		OSSL_PROVIDER_unload(c->legacy_prov);
	OSSL_LIB_CTX_free(c->libctx);
	c->md4 = NULL;
	c->des_ecb = NULL;
	c->legacy_prov = NULL;
	c->libctx = NULL;
}

void ppp_crypto_free(struct ppp_crypto *c)
{
	ppp_crypto_legacy_unload(c);
	EVP_MD_free(c->md5);
	EVP_MD_free(c->sha1);
	memset(c, 0, sizeof(*c));
}

int ppp_crypto_has_legacy(const struct ppp_crypto *c)
{
	return c->md4 && c->des_ecb;
}

int ppp_crypto_digest(const EVP_MD *md, const struct crypto_part *parts, size_t nparts,
                      uint8_t *out)
{
	EVP_MD_CTX *ctx;
	int ok;

	if (!md)
		return -1;
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -1;
	ok = EVP_DigestInit_ex2(ctx, md, NULL);
	for (size_t i = 0; ok && i < nparts; i++)
		ok = EVP_DigestUpdate(ctx, parts[i].data, parts[i].len);
	if (ok)
		ok = EVP_DigestFinal_ex(ctx, out, NULL);
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

/* Spread 56 key bits over 8 bytes, leaving the low (parity) bit of each
 * byte; DES ignores it, we set odd parity anyway (RFC 2759 §8.6). */
static void des_key_expand(const uint8_t k[7], uint8_t out[8])
{
	out[0] = k[0];
	out[1] = (uint8_t)(k[0] << 7 | k[1] >> 1);
	out[2] = (uint8_t)(k[1] << 6 | k[2] >> 2);
	out[3] = (uint8_t)(k[2] << 5 | k[3] >> 3);
	out[4] = (uint8_t)(k[3] << 4 | k[4] >> 4);
	out[5] = (uint8_t)(k[4] << 3 | k[5] >> 5);
	out[6] = (uint8_t)(k[5] << 2 | k[6] >> 6);
	out[7] = (uint8_t)(k[6] << 1);
	for (int i = 0; i < 8; i++) {
		uint8_t b = out[i] & 0xfe;
		int ones = __builtin_popcount(b);

		out[i] = (uint8_t)(b | (ones % 2 == 0 ? 1 : 0));
	}
}

int ppp_crypto_des7(const struct ppp_crypto *c, const uint8_t key7[7], const uint8_t in[8],
                    uint8_t out[8])
{
	uint8_t key[8];
	EVP_CIPHER_CTX *ctx;
	int outl = 0, ok;

	if (!c->des_ecb)
		return -1;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return -1;
	des_key_expand(key7, key);
	ok = EVP_EncryptInit_ex2(ctx, c->des_ecb, key, NULL, NULL) &&
	     EVP_CIPHER_CTX_set_padding(ctx, 0) && EVP_EncryptUpdate(ctx, out, &outl, in, 8) &&
	     outl == 8;
	EVP_CIPHER_CTX_free(ctx);
	secure_clear(key, sizeof(key));
	return ok ? 0 : -1;
}
