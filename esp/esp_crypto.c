#include "esp/esp_crypto.h"
#include "esp/esp_crypto_hmac.h"

#include <string.h>

#include "lib/buf.h"
#include "lib/util.h"

static const struct esp_auth_info *find_auth(enum esp_auth auth)
{
	return esp_auth_info(auth);
}

static const struct esp_cipher_info *find_cipher(enum esp_cipher cipher, size_t key_len)
{
	return key_len                     ? esp_cipher_info(cipher, key_len)
	       : cipher == ESP_CIPHER_NULL ? esp_cipher_info(cipher, 0)
	                                   : NULL;
}

const char *esp_cipher_name(enum esp_cipher cipher, size_t enc_key_len)
{
	const struct esp_cipher_info *a = find_cipher(cipher, enc_key_len);

	return a ? a->name : "?";
}

const char *esp_auth_name(enum esp_auth auth)
{
	const struct esp_auth_info *a = find_auth(auth);

	return auth == ESP_AUTH_NONE ? "none" : a ? a->name : "?";
}

int esp_crypto_sizes(const struct esp_sa *sa, uint8_t *iv_len, uint8_t *pad_align, uint8_t *icv_len)
{
	const struct esp_cipher_info *ca = find_cipher(sa->cipher, sa->enc_key_len);
	const struct esp_auth_info *aa = find_auth(sa->auth);

	if (!ca)
		return -1;
	if (sa->cipher == ESP_CIPHER_AES_GCM_16) {
		/* Combined mode: no separate integrity algorithm (RFC 4106 §5). */
		if (sa->auth != ESP_AUTH_NONE)
			return -1;
		*icv_len = ca->icv_len;
	} else {
		/* No confidentiality-only ESP: every SA carries an ICV. */
		if (!aa || sa->auth_key_len != aa->key_len)
			return -1;
		*icv_len = aa->icv_len;
	}
	*iv_len = ca->iv_len;
	*pad_align = ca->block_len > 4 ? ca->block_len : 4;
	return 0;
}

static int init_mac(struct esp_crypto *c, const struct esp_sa *sa, OSSL_LIB_CTX *libctx)
{
	const struct esp_auth_info *aa = find_auth(sa->auth);

	/* Keyed once here; no allocation per packet (esp/esp_crypto_hmac.h). */
	c->hmac = esp_hmac_new(aa->digest, sa->auth_key, sa->auth_key_len, libctx);
	if (!c->hmac || esp_hmac_len(c->hmac) != aa->mac_len)
		return -1;
	c->mac_len = aa->mac_len;
	return 0;
}

static int init_iv_generator(struct esp_crypto *c, OSSL_LIB_CTX *libctx)
{
	uint8_t key[16];
	EVP_CIPHER *ecb;
	int ok;

	ecb = EVP_CIPHER_fetch(libctx, "AES-128-ECB", NULL);
	c->iv_ctx = EVP_CIPHER_CTX_new();
	ok = ecb && c->iv_ctx && random_bytes(key, sizeof(key)) == 0 &&
	     EVP_EncryptInit_ex2(c->iv_ctx, ecb, key, NULL, NULL) &&
	     EVP_CIPHER_CTX_set_padding(c->iv_ctx, 0);
	secure_clear(key, sizeof(key));
	EVP_CIPHER_free(ecb);
	return ok ? 0 : -1;
}

static int init_cipher(struct esp_crypto *c, const struct esp_sa *sa, OSSL_LIB_CTX *libctx)
{
	const struct esp_cipher_info *ca = find_cipher(sa->cipher, sa->enc_key_len);
	size_t key_len = sa->enc_key_len;
	EVP_CIPHER *cipher;
	int ok;

	if (sa->cipher == ESP_CIPHER_NULL)
		return 0;
	if (c->aead) {
		/* RFC 4106 §8.1: the last four bytes of the keying material are the salt. */
		key_len -= ESP_GCM_SALT;
		memcpy(c->salt, sa->enc_key + key_len, ESP_GCM_SALT);
	}
	cipher = EVP_CIPHER_fetch(libctx, ca->evp_name, NULL);
	if (!cipher || (size_t)EVP_CIPHER_get_key_length(cipher) != key_len) {
		EVP_CIPHER_free(cipher);
		return -1;
	}
	c->cipher_ctx = EVP_CIPHER_CTX_new();
	ok = c->cipher_ctx &&
	     EVP_CipherInit_ex2(c->cipher_ctx, cipher, sa->enc_key, NULL, c->encrypt, NULL) &&
	     EVP_CIPHER_CTX_set_padding(c->cipher_ctx, 0);
	EVP_CIPHER_free(cipher);
	if (!ok)
		return -1;
	if (c->encrypt && !c->aead)
		return init_iv_generator(c, libctx);
	return 0;
}

int esp_crypto_init(struct esp_crypto *c, const struct esp_sa *sa, bool encrypt,
                    OSSL_LIB_CTX *libctx)
{
	memset(c, 0, sizeof(*c));
	if (esp_crypto_sizes(sa, &c->iv_len, &c->pad_align, &c->icv_len) < 0)
		return -1;
	c->cipher = sa->cipher;
	c->auth = sa->auth;
	c->encrypt = encrypt;
	c->aead = sa->cipher == ESP_CIPHER_AES_GCM_16;
	c->block_len = find_cipher(sa->cipher, sa->enc_key_len)->block_len;
	if (init_cipher(c, sa, libctx) < 0 || (!c->aead && init_mac(c, sa, libctx) < 0)) {
		esp_crypto_free(c);
		return -1;
	}
	return 0;
}

void esp_crypto_free(struct esp_crypto *c)
{
	EVP_CIPHER_CTX_free(c->cipher_ctx);
	EVP_CIPHER_CTX_free(c->iv_ctx);
	esp_hmac_free(c->hmac);
	secure_clear(c, sizeof(*c));
}

int esp_crypto_make_iv(struct esp_crypto *c, uint64_t counter, uint8_t *iv)
{
	uint8_t block[16] = {0};
	int outl;

	if (c->aead) {
		put_be32(iv, (uint32_t)(counter >> 32));
		put_be32(iv + 4, (uint32_t)counter);
		return 0;
	}
	if (c->iv_len == 0)
		return 0;
	if (!c->iv_ctx)
		return -1;
	put_be32(block, (uint32_t)(counter >> 32));
	put_be32(block + 4, (uint32_t)counter);
	if (!EVP_EncryptUpdate(c->iv_ctx, block, &outl, block, sizeof(block)) || outl != 16)
		return -1;
	memcpy(iv, block, c->iv_len);
	return 0;
}

int esp_crypto_cbc(struct esp_crypto *c, const uint8_t *iv, uint8_t *data, size_t len)
{
	int outl;

	if (c->cipher == ESP_CIPHER_NULL)
		return 0;
	if (len % c->block_len || len > INT32_MAX)
		return -1;
	if (!EVP_CipherInit_ex2(c->cipher_ctx, NULL, NULL, iv, c->encrypt, NULL))
		return -1;
	if (!EVP_CipherUpdate(c->cipher_ctx, data, &outl, data, (int)len) || (size_t)outl != len)
		return -1;
	return 0;
}

int esp_crypto_hmac(struct esp_crypto *c, const uint8_t *data, size_t len, uint8_t *mac)
{
	return esp_hmac_compute(c->hmac, data, len, mac);
}

static int gcm_start(struct esp_crypto *c, const uint8_t *iv, const uint8_t *aad, size_t aad_len)
{
	uint8_t nonce[ESP_GCM_SALT + 8];
	int outl;

	memcpy(nonce, c->salt, ESP_GCM_SALT);
	memcpy(nonce + ESP_GCM_SALT, iv, 8);
	if (!EVP_CipherInit_ex2(c->cipher_ctx, NULL, NULL, nonce, c->encrypt, NULL))
		return -1;
	if (!EVP_CipherUpdate(c->cipher_ctx, NULL, &outl, aad, (int)aad_len))
		return -1;
	return 0;
}

int esp_crypto_gcm_seal(struct esp_crypto *c, const uint8_t *iv, const uint8_t *aad, size_t aad_len,
                        uint8_t *data, size_t len, uint8_t *tag)
{
	int outl, finl;

	if (len > INT32_MAX || gcm_start(c, iv, aad, aad_len) < 0)
		return -1;
	if (!EVP_CipherUpdate(c->cipher_ctx, data, &outl, data, (int)len) ||
	    !EVP_CipherFinal_ex(c->cipher_ctx, data + outl, &finl) || (size_t)(outl + finl) != len)
		return -1;
	if (!EVP_CIPHER_CTX_ctrl(c->cipher_ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag))
		return -1;
	return 0;
}

int esp_crypto_gcm_open(struct esp_crypto *c, const uint8_t *iv, const uint8_t *aad, size_t aad_len,
                        uint8_t *data, size_t len, const uint8_t *tag)
{
	int outl, finl;

	if (len > INT32_MAX || gcm_start(c, iv, aad, aad_len) < 0)
		return -1;
	if (!EVP_CIPHER_CTX_ctrl(c->cipher_ctx, EVP_CTRL_AEAD_SET_TAG, 16, (void *)tag))
		return -1;
	if (!EVP_CipherUpdate(c->cipher_ctx, data, &outl, data, (int)len))
		return -1;
	/* The tag is compared (in constant time, by OpenSSL) here. */
	if (EVP_CipherFinal_ex(c->cipher_ctx, data + outl, &finl) <= 0)
		return -1;
	return 0;
}
