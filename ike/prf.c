/* Hashes, the HMAC prf and the IKEv1 key schedule (RFC 2409 §5, §5.5,
 * Appendix B). */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "ike/crypto.h"
#include "ike/isakmp.h"
#include "lib/util.h"

static const char *digest_name(uint16_t hash)
{
	switch (hash) {
	case IKE_HASH_MD5:
		return "MD5";
	case IKE_HASH_SHA1:
		return "SHA1";
	case IKE_HASH_SHA256:
		return "SHA256";
	case IKE_HASH_SHA384:
		return "SHA384";
	case IKE_HASH_SHA512:
		return "SHA512";
	default:
		return NULL;
	}
}

const char *ike_hash_name(uint16_t hash)
{
	switch (hash) {
	case IKE_HASH_MD5:
		return "md5";
	case IKE_HASH_SHA1:
		return "sha1";
	case IKE_HASH_SHA256:
		return "sha2_256";
	case IKE_HASH_SHA384:
		return "sha2_384";
	case IKE_HASH_SHA512:
		return "sha2_512";
	default:
		return "?";
	}
}

size_t ike_hash_len(uint16_t hash)
{
	switch (hash) {
	case IKE_HASH_MD5:
		return 16;
	case IKE_HASH_SHA1:
		return 20;
	case IKE_HASH_SHA256:
		return 32;
	case IKE_HASH_SHA384:
		return 48;
	case IKE_HASH_SHA512:
		return 64;
	default:
		return 0;
	}
}

int ike_hash(OSSL_LIB_CTX *lib, uint16_t hash, const struct iov *v, size_t n, uint8_t *out)
{
	const char *name = digest_name(hash);
	EVP_MD *md = name ? EVP_MD_fetch(lib, name, NULL) : NULL;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = md && ctx && EVP_DigestInit_ex2(ctx, md, NULL);

	for (size_t i = 0; ok && i < n; i++)
		ok = EVP_DigestUpdate(ctx, v[i].p, v[i].len);
	ok = ok && EVP_DigestFinal_ex(ctx, out, NULL);
	EVP_MD_CTX_free(ctx);
	EVP_MD_free(md);
	return ok ? 0 : -1;
}

int ike_prf(OSSL_LIB_CTX *lib, uint16_t hash, const uint8_t *key, size_t keylen,
            const struct iov *v, size_t n, uint8_t *out)
{
	const char *name = digest_name(hash);
	EVP_MAC *mac = EVP_MAC_fetch(lib, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM params[2];
	size_t outlen = 0;
	int ok;

	if (!name || !ctx) {
		EVP_MAC_CTX_free(ctx);
		EVP_MAC_free(mac);
		return -1;
	}
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)name, 0);
	params[1] = OSSL_PARAM_construct_end();
	/* An empty key is legal for HMAC but OpenSSL wants a pointer. */
	ok = EVP_MAC_init(ctx, keylen ? key : (const uint8_t *)"", keylen, params);
	for (size_t i = 0; ok && i < n; i++)
		ok = EVP_MAC_update(ctx, v[i].p, v[i].len);
	ok = ok && EVP_MAC_final(ctx, out, &outlen, IKE_MAX_HASH);
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return ok && outlen == ike_hash_len(hash) ? 0 : -1;
}

int ike_skeyid_psk(OSSL_LIB_CTX *lib, uint16_t hash, const uint8_t *psk, size_t psk_len,
                   const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
                   uint8_t *skeyid)
{
	const struct iov v[] = {{ni, ni_len}, {nr, nr_len}};

	return ike_prf(lib, hash, psk, psk_len, v, 2, skeyid);
}

int ike_skeyid_sig(OSSL_LIB_CTX *lib, uint16_t hash, const uint8_t *ni, size_t ni_len,
                   const uint8_t *nr, size_t nr_len, const uint8_t *gxy, size_t gxy_len,
                   uint8_t *skeyid)
{
	uint8_t key[512];
	const struct iov v[] = {{gxy, gxy_len}};
	int rc;

	if (ni_len + nr_len > sizeof(key))
		return -1;
	memcpy(key, ni, ni_len);
	memcpy(key + ni_len, nr, nr_len);
	rc = ike_prf(lib, hash, key, ni_len + nr_len, v, 1, skeyid);
	secure_clear(key, sizeof(key));
	return rc;
}

int ike_p1_derive(OSSL_LIB_CTX *lib, struct ike_p1_keys *k, const uint8_t *gxy, size_t gxy_len,
                  const uint8_t *icookie, const uint8_t *rcookie, size_t enc_key_len)
{
	static const uint8_t zero = 0, one = 1, two = 2;
	size_t hl = ike_hash_len(k->hash);
	const struct iov vd[] = {{gxy, gxy_len}, {icookie, 8}, {rcookie, 8}, {&zero, 1}};
	const struct iov va[] = {
	    {k->skeyid_d, hl}, {gxy, gxy_len}, {icookie, 8}, {rcookie, 8}, {&one, 1}};
	const struct iov ve[] = {
	    {k->skeyid_a, hl}, {gxy, gxy_len}, {icookie, 8}, {rcookie, 8}, {&two, 1}};

	if (hl == 0 || enc_key_len > sizeof(k->enc_key))
		return -1;
	k->prf_len = hl;
	if (ike_prf(lib, k->hash, k->skeyid, hl, vd, 4, k->skeyid_d) ||
	    ike_prf(lib, k->hash, k->skeyid, hl, va, 5, k->skeyid_a) ||
	    ike_prf(lib, k->hash, k->skeyid, hl, ve, 5, k->skeyid_e))
		return -1;
	k->enc_key_len = enc_key_len;
	if (hl >= enc_key_len) {
		memcpy(k->enc_key, k->skeyid_e, enc_key_len);
		return 0;
	}
	/* Appendix B: Ka = K1 | K2 | ..., K1 = prf(SKEYID_e, 0), Kn =
	 * prf(SKEYID_e, Kn-1), when SKEYID_e is too short. */
	uint8_t block[IKE_MAX_HASH];
	size_t have = 0;
	struct iov v = {&zero, 1};

	while (have < enc_key_len) {
		if (ike_prf(lib, k->hash, k->skeyid_e, hl, &v, 1, block))
			return -1;
		memcpy(k->enc_key + have, block, MIN(hl, enc_key_len - have));
		have += MIN(hl, enc_key_len - have);
		v = (struct iov){k->enc_key + have - hl, hl};
	}
	secure_clear(block, sizeof(block));
	return 0;
}

int ike_keymat(OSSL_LIB_CTX *lib, const struct ike_p1_keys *k, const uint8_t *gxy, size_t gxy_len,
               uint8_t proto, const uint8_t spi[4], const uint8_t *ni, size_t ni_len,
               const uint8_t *nr, size_t nr_len, uint8_t *out, size_t out_len)
{
	size_t hl = k->prf_len, have = 0;
	uint8_t block[IKE_MAX_HASH];

	/* K1 = prf(SKEYID_d, [g^xy |] proto | SPI | Ni_b | Nr_b),
	 * Kn = prf(SKEYID_d, Kn-1 | [g^xy |] proto | SPI | Ni_b | Nr_b). */
	while (have < out_len) {
		struct iov v[6];
		size_t n = 0;

		if (have)
			v[n++] = (struct iov){block, hl};
		if (gxy_len)
			v[n++] = (struct iov){gxy, gxy_len};
		v[n++] = (struct iov){&proto, 1};
		v[n++] = (struct iov){spi, 4};
		v[n++] = (struct iov){ni, ni_len};
		v[n++] = (struct iov){nr, nr_len};
		if (ike_prf(lib, k->hash, k->skeyid_d, hl, v, n, block))
			return -1;
		memcpy(out + have, block, MIN(hl, out_len - have));
		have += MIN(hl, out_len - have);
	}
	secure_clear(block, sizeof(block));
	return 0;
}

int ike_iv_p1(OSSL_LIB_CTX *lib, uint16_t hash, const uint8_t *gxi, size_t gxi_len,
              const uint8_t *gxr, size_t gxr_len, uint8_t *iv, size_t block)
{
	uint8_t h[IKE_MAX_HASH];
	const struct iov v[] = {{gxi, gxi_len}, {gxr, gxr_len}};

	if (ike_hash(lib, hash, v, 2, h) || block > ike_hash_len(hash))
		return -1;
	memcpy(iv, h, block);
	return 0;
}

int ike_iv_p2(OSSL_LIB_CTX *lib, uint16_t hash, const uint8_t *p1_last, size_t block,
              uint32_t msgid, uint8_t *iv)
{
	uint8_t h[IKE_MAX_HASH], mid[4];
	const struct iov v[] = {{p1_last, block}, {mid, 4}};

	put_be32(mid, msgid);
	if (ike_hash(lib, hash, v, 2, h) || block > ike_hash_len(hash))
		return -1;
	memcpy(iv, h, block);
	return 0;
}

int ike_auth_hash(OSSL_LIB_CTX *lib, const struct ike_p1_keys *k, bool initiator,
                  const uint8_t *gxi, size_t gxi_len, const uint8_t *gxr, size_t gxr_len,
                  const uint8_t *icookie, const uint8_t *rcookie, const uint8_t *sai_b,
                  size_t sai_len, const uint8_t *id_b, size_t id_len, uint8_t *out)
{
	return ike_auth_hash_prf(lib, k, k->hash, initiator, gxi, gxi_len, gxr, gxr_len, icookie,
	                         rcookie, sai_b, sai_len, id_b, id_len, out);
}

int ike_auth_hash_prf(OSSL_LIB_CTX *lib, const struct ike_p1_keys *k, uint16_t prf, bool initiator,
                      const uint8_t *gxi, size_t gxi_len, const uint8_t *gxr, size_t gxr_len,
                      const uint8_t *icookie, const uint8_t *rcookie, const uint8_t *sai_b,
                      size_t sai_len, const uint8_t *id_b, size_t id_len, uint8_t *out)
{
	const struct iov v[] = {
	    {initiator ? gxi : gxr, initiator ? gxi_len : gxr_len},
	    {initiator ? gxr : gxi, initiator ? gxr_len : gxi_len},
	    {initiator ? icookie : rcookie, 8},
	    {initiator ? rcookie : icookie, 8},
	    {sai_b, sai_len},
	    {id_b, id_len},
	};

	return ike_prf(lib, prf, k->skeyid, k->prf_len, v, 6, out);
}

int ike_qm_hash3(OSSL_LIB_CTX *lib, const struct ike_p1_keys *k, uint32_t msgid, const uint8_t *ni,
                 size_t ni_len, const uint8_t *nr, size_t nr_len, uint8_t *out)
{
	static const uint8_t zero = 0;
	uint8_t mid[4];

	put_be32(mid, msgid);
	const struct iov v[] = {{&zero, 1}, {mid, 4}, {ni, ni_len}, {nr, nr_len}};

	return ike_prf(lib, k->hash, k->skeyid_a, k->prf_len, v, 4, out);
}
