/* Phase 1 and phase 2 message encryption: CBC with the IV chaining of
 * RFC 2409 Appendix B (the IV of a message is the last ciphertext block of
 * the previous one in the same exchange). */
#include <string.h>

#include <openssl/evp.h>

#include "ike/crypto.h"
#include "ike/isakmp.h"
#include "lib/util.h"

size_t ike_cipher_block(uint16_t enc)
{
	switch (enc) {
	case IKE_ENC_DES:
	case IKE_ENC_3DES:
		return 8;
	case IKE_ENC_AES:
		return 16;
	default:
		return 0;
	}
}

size_t ike_cipher_default_key(uint16_t enc)
{
	switch (enc) {
	case IKE_ENC_DES:
		return 8;
	case IKE_ENC_3DES:
		return 24;
	case IKE_ENC_AES:
		return 16;
	default:
		return 0;
	}
}

static const char *cipher_name(uint16_t enc, size_t keylen)
{
	switch (enc) {
	case IKE_ENC_DES:
		return keylen == 8 ? "DES-CBC" : NULL;
	case IKE_ENC_3DES:
		return keylen == 24 ? "DES-EDE3-CBC" : NULL;
	case IKE_ENC_AES:
		return keylen == 16   ? "AES-128-CBC"
		       : keylen == 24 ? "AES-192-CBC"
		       : keylen == 32 ? "AES-256-CBC"
		                      : NULL;
	default:
		return NULL;
	}
}

int ike_cbc(OSSL_LIB_CTX *lib, uint16_t enc, const uint8_t *key, size_t keylen, const uint8_t *iv,
            const uint8_t *in, size_t len, uint8_t *out, bool encrypt)
{
	const char *name = cipher_name(enc, keylen);
	size_t block = ike_cipher_block(enc);
	EVP_CIPHER *c = name ? EVP_CIPHER_fetch(lib, name, NULL) : NULL;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int outl = 0, fin = 0, ok;

	ok = c && ctx && block && len % block == 0 && len <= 0x7fffffff &&
	     EVP_CipherInit_ex2(ctx, c, key, iv, encrypt ? 1 : 0, NULL) &&
	     EVP_CIPHER_CTX_set_padding(ctx, 0) &&
	     EVP_CipherUpdate(ctx, out, &outl, in, (int)len) &&
	     EVP_CipherFinal_ex(ctx, out + outl, &fin) && (size_t)(outl + fin) == len;
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(c);
	return ok ? 0 : -1;
}

size_t ike_encrypt_msg(OSSL_LIB_CTX *lib, const struct ike_p1_keys *keys, uint16_t enc, uint8_t *iv,
                       uint8_t *msg, size_t len, size_t cap)
{
	size_t block = ike_cipher_block(enc), body, pad;

	if (!block || len < ISAKMP_HDR_LEN)
		return 0;
	body = len - ISAKMP_HDR_LEN;
	/* Pad with zeros to the block size (RFC 2408 §3.1 / RFC 2409 App. B);
	 * receivers ignore what follows the last payload. */
	pad = (block - body % block) % block;
	if (len + pad > cap)
		return 0;
	memset(msg + len, 0, pad);
	body += pad;
	if (ike_cbc(lib, enc, keys->enc_key, keys->enc_key_len, iv, msg + ISAKMP_HDR_LEN, body,
	            msg + ISAKMP_HDR_LEN, true))
		return 0;
	memcpy(iv, msg + ISAKMP_HDR_LEN + body - block, block);
	msg[19] |= ISAKMP_FLAG_ENC;
	put_be32(msg + 24, (uint32_t)(ISAKMP_HDR_LEN + body));
	return ISAKMP_HDR_LEN + body;
}

int ike_decrypt_msg(OSSL_LIB_CTX *lib, const struct ike_p1_keys *keys, uint16_t enc, uint8_t *iv,
                    const uint8_t *msg, size_t len, uint8_t *out)
{
	size_t block = ike_cipher_block(enc), body;

	if (!block || len < ISAKMP_HDR_LEN + block)
		return -1;
	body = len - ISAKMP_HDR_LEN;
	if (body % block)
		return -1;
	if (ike_cbc(lib, enc, keys->enc_key, keys->enc_key_len, iv, msg + ISAKMP_HDR_LEN, body, out,
	            false))
		return -1;
	memcpy(iv, msg + len - block, block);
	return 0;
}
