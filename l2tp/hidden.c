/*
 * Hidden AVPs (RFC 2661 §4.3) and tunnel authentication (RFC 2661 §4.4.3).
 */
#include <string.h>

#include <openssl/evp.h>

#include "l2tp/hidden.h"
#include "lib/buf.h"
#include "lib/util.h"

/* MD5 over up to three pieces; the EVP context lives only inside this call. */
static int md5_3(const void *a, size_t alen, const void *b, size_t blen, const void *c, size_t clen,
                 uint8_t out[L2TP_MD5_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 0;
	int ok;

	if (!ctx)
		return -1;
	ok = EVP_DigestInit_ex(ctx, EVP_md5(), NULL) == 1 && EVP_DigestUpdate(ctx, a, alen) == 1 &&
	     EVP_DigestUpdate(ctx, b, blen) == 1 && EVP_DigestUpdate(ctx, c, clen) == 1 &&
	     EVP_DigestFinal_ex(ctx, out, &n) == 1 && n == L2TP_MD5_LEN;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

/* The key stream of §4.3: b1 = MD5(type | secret | RV), bi = MD5(secret | c(i-1)).
 * Since both directions chain on the ciphertext, one routine does both. */
static int hidden_xor(uint16_t attr_type, const uint8_t *secret, size_t secret_len,
                      const uint8_t *rv, size_t rv_len, const uint8_t *in, uint8_t *out, size_t len,
                      int decrypting)
{
	uint8_t type_be[2], b[L2TP_MD5_LEN];
	const uint8_t *prev_cipher = NULL;
	int rc = 0;

	put_be16(type_be, attr_type);
	for (size_t off = 0; off < len; off += L2TP_MD5_LEN) {
		size_t n = MIN(len - off, (size_t)L2TP_MD5_LEN);

		if (off == 0)
			rc = md5_3(type_be, 2, secret, secret_len, rv, rv_len, b);
		else
			rc = md5_3(secret, secret_len, prev_cipher, L2TP_MD5_LEN, "", 0, b);
		if (rc)
			break;
		for (size_t i = 0; i < n; i++)
			out[off + i] = in[off + i] ^ b[i];
		prev_cipher = decrypting ? in + off : out + off;
	}
	secure_clear(b, sizeof(b));
	return rc;
}

int l2tp_hidden_decode(uint16_t attr_type, const uint8_t *secret, size_t secret_len,
                       const uint8_t *rv, size_t rv_len, const uint8_t *in, size_t in_len,
                       uint8_t *out, size_t out_cap, size_t *out_len)
{
	uint8_t plain[L2TP_AVP_VALUE_MAX];
	size_t orig_len;
	int rc = -1;

	if (in_len < 2 || in_len > sizeof(plain) || !secret || secret_len == 0 || !rv ||
	    rv_len == 0)
		return -1;
	if (hidden_xor(attr_type, secret, secret_len, rv, rv_len, in, plain, in_len, 1) == 0) {
		orig_len = get_be16(plain);
		if (orig_len <= in_len - 2 && orig_len <= out_cap) {
			memcpy(out, plain + 2, orig_len);
			*out_len = orig_len;
			rc = 0;
		}
	}
	secure_clear(plain, in_len);
	return rc;
}

int l2tp_hidden_encode(uint16_t attr_type, const uint8_t *secret, size_t secret_len,
                       const uint8_t *rv, size_t rv_len, const uint8_t *val, size_t val_len,
                       size_t pad_len, uint8_t *out, size_t out_cap, size_t *out_len)
{
	uint8_t plain[L2TP_AVP_VALUE_MAX];
	size_t total = 2 + val_len + pad_len;
	int rc;

	if (val_len > 0xffff || total > sizeof(plain) || total > out_cap || !secret ||
	    secret_len == 0 || !rv || rv_len == 0)
		return -1;
	put_be16(plain, (uint16_t)val_len);
	memcpy(plain + 2, val, val_len);
	memset(plain + 2 + val_len, 0, pad_len);
	rc = hidden_xor(attr_type, secret, secret_len, rv, rv_len, plain, out, total, 0);
	secure_clear(plain, total);
	if (rc == 0)
		*out_len = total;
	return rc;
}

int l2tp_challenge_response(uint8_t msg_type, const uint8_t *secret, size_t secret_len,
                            const uint8_t *challenge, size_t challenge_len,
                            uint8_t out[L2TP_MD5_LEN])
{
	return md5_3(&msg_type, 1, secret, secret_len, challenge, challenge_len, out);
}
