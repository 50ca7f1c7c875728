/* HMAC with precomputed inner/outer digest states (see esp_crypto_hmac.h). */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "esp/esp_crypto_hmac.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/params.h>

#include "lib/util.h"

#ifndef OPENSSL_NO_DEPRECATED_3_0
#include <openssl/md5.h>
#include <openssl/sha.h>

union md_state {
	MD5_CTX md5;
	SHA_CTX sha1;
	SHA256_CTX sha256;
	SHA512_CTX sha512; /* SHA-384 too */
};

struct md_ops {
	const char *name;
	size_t block_len, out_len;
	int (*init)(union md_state *st);
	int (*update)(union md_state *st, const void *data, size_t len);
	int (*final)(uint8_t *out, union md_state *st);
};

/* Typed wrappers, so no function is called through a cast pointer. */
#define MD_WRAP(name, member, prefix)                                                              \
	static int name##_init(union md_state *st)                                                 \
	{                                                                                          \
		return prefix##_Init(&st->member);                                                 \
	}                                                                                          \
	static int name##_update(union md_state *st, const void *d, size_t n)                      \
	{                                                                                          \
		return prefix##_Update(&st->member, d, n);                                         \
	}                                                                                          \
	static int name##_final(uint8_t *out, union md_state *st)                                  \
	{                                                                                          \
		return prefix##_Final(out, &st->member);                                           \
	}
MD_WRAP(md5, md5, MD5)
MD_WRAP(sha1, sha1, SHA1)
MD_WRAP(sha256, sha256, SHA256)
MD_WRAP(sha384, sha512, SHA384)
MD_WRAP(sha512, sha512, SHA512)

#define MD_OPS(str, name, block, out)                                                              \
	{                                                                                          \
		str, block, out, name##_init, name##_update, name##_final                          \
	}
static const struct md_ops md_table[] = {
    MD_OPS("MD5", md5, 64, 16),        MD_OPS("SHA1", sha1, 64, 20),
    MD_OPS("SHA256", sha256, 64, 32),  MD_OPS("SHA384", sha384, 128, 48),
    MD_OPS("SHA512", sha512, 128, 64),
};

#define MD_MAX_BLOCK 128
#define MD_MAX_OUT   64

struct esp_hmac {
	const struct md_ops *md;
	union md_state inner, outer; /* after (K0 ^ ipad) and (K0 ^ opad), RFC 2104 §2 */
};

/* One state with the first block absorbed: K0 XOR pad. */
static int absorb_pad(const struct md_ops *md, union md_state *st, const uint8_t *k0, uint8_t pad)
{
	uint8_t block[MD_MAX_BLOCK];
	int ok;

	for (size_t i = 0; i < md->block_len; i++)
		block[i] = k0[i] ^ pad;
	ok = md->init(st) && md->update(st, block, md->block_len);
	secure_clear(block, sizeof(block));
	return ok ? 0 : -1;
}

struct esp_hmac *esp_hmac_new(const char *digest, const uint8_t *key, size_t key_len,
                              OSSL_LIB_CTX *libctx)
{
	uint8_t k0[MD_MAX_BLOCK] = {0};
	const struct md_ops *md = NULL;
	struct esp_hmac *h;
	int err = 0;

	(void)libctx; /* the low-level functions use the default implementation */
	for (size_t i = 0; i < ARRAY_SIZE(md_table); i++)
		if (strcmp(md_table[i].name, digest) == 0)
			md = &md_table[i];
	if (!md || !(h = calloc(1, sizeof(*h))))
		return NULL;
	h->md = md;
	/* RFC 2104 §2: a key longer than a block is hashed first. */
	if (key_len > md->block_len) {
		union md_state st;

		err = md->init(&st) && md->update(&st, key, key_len) && md->final(k0, &st) ? 0 : -1;
		secure_clear(&st, sizeof(st));
	} else {
		memcpy(k0, key, key_len);
	}
	if (err == 0)
		err = absorb_pad(md, &h->inner, k0, 0x36);
	if (err == 0)
		err = absorb_pad(md, &h->outer, k0, 0x5c);
	secure_clear(k0, sizeof(k0));
	if (err < 0) {
		esp_hmac_free(h);
		return NULL;
	}
	return h;
}

int esp_hmac_compute(const struct esp_hmac *h, const uint8_t *data, size_t len, uint8_t *mac)
{
	const struct md_ops *md = h->md;
	union md_state st = h->inner;
	uint8_t inner_hash[MD_MAX_OUT];
	int ok;

	ok = md->update(&st, data, len) && md->final(inner_hash, &st);
	st = h->outer;
	ok = ok && md->update(&st, inner_hash, md->out_len) && md->final(mac, &st);
	/* the copies hold keyed state */
	secure_clear(&st, sizeof(st));
	return ok ? 0 : -1;
}

size_t esp_hmac_len(const struct esp_hmac *h)
{
	return h->md->out_len;
}

void esp_hmac_free(struct esp_hmac *h)
{
	if (!h)
		return;
	secure_clear(h, sizeof(*h));
	free(h);
}

#else /* OpenSSL without the 3.0 low-level digests: EVP_MAC, which allocates */

struct esp_hmac {
	EVP_MAC_CTX *ctx;
	size_t out_len;
};

struct esp_hmac *esp_hmac_new(const char *digest, const uint8_t *key, size_t key_len,
                              OSSL_LIB_CTX *libctx)
{
	struct esp_hmac *h = calloc(1, sizeof(*h));
	EVP_MAC *mac = EVP_MAC_fetch(libctx, "HMAC", NULL);
	OSSL_PARAM params[2];

	if (h && mac)
		h->ctx = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!h || !h->ctx || !EVP_MAC_init(h->ctx, key, key_len, params)) {
		esp_hmac_free(h);
		return NULL;
	}
	h->out_len = EVP_MAC_CTX_get_mac_size(h->ctx);
	return h;
}

int esp_hmac_compute(const struct esp_hmac *h, const uint8_t *data, size_t len, uint8_t *mac)
{
	size_t outl;

	if (!EVP_MAC_init(h->ctx, NULL, 0, NULL) || !EVP_MAC_update(h->ctx, data, len) ||
	    !EVP_MAC_final(h->ctx, mac, &outl, h->out_len) || outl != h->out_len)
		return -1;
	return 0;
}

size_t esp_hmac_len(const struct esp_hmac *h)
{
	return h->out_len;
}

void esp_hmac_free(struct esp_hmac *h)
{
	if (!h)
		return;
	EVP_MAC_CTX_free(h->ctx);
	free(h);
}
#endif
