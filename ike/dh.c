/* Diffie-Hellman through OpenSSL 3: MODP groups 1, 2 (RFC 2409 §6), 5, 14-16
 * (RFC 3526) and ECP groups 19-21 (RFC 5903, public value x | y, shared
 * secret the x coordinate). */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/dh.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "ike/crypto.h"
#include "lib/util.h"

struct ike_dh {
	OSSL_LIB_CTX *lib;
	uint16_t group;
	EVP_PKEY *key;
};

/* The Oakley groups OpenSSL has no name for (RFC 2409 §6.1, §6.2). */
static const char modp768_p[] = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1"
                                "29024E088A67CC74020BBEA63B139B22514A08798E3404DD"
                                "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245"
                                "E485B576625E7EC6F44C42E9A63A3620FFFFFFFFFFFFFFFF";
static const char modp1024_p[] = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1"
                                 "29024E088A67CC74020BBEA63B139B22514A08798E3404DD"
                                 "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245"
                                 "E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
                                 "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381"
                                 "FFFFFFFFFFFFFFFF";

static const struct dh_group {
	uint16_t num;
	const char *name; /* strongSwan spelling */
	bool ec;
	const char *ossl; /* OpenSSL group name, NULL: prime below */
	const char *prime;
	size_t pub_len;
} groups[] = {
    {1, "modp768", false, NULL, modp768_p, 96},
    {2, "modp1024", false, NULL, modp1024_p, 128},
    {5, "modp1536", false, "modp_1536", NULL, 192},
    {14, "modp2048", false, "modp_2048", NULL, 256},
    {15, "modp3072", false, "modp_3072", NULL, 384},
    {16, "modp4096", false, "modp_4096", NULL, 512},
    {19, "ecp256", true, "P-256", NULL, 64},
    {20, "ecp384", true, "P-384", NULL, 96},
    {21, "ecp521", true, "P-521", NULL, 132},
};

static const struct dh_group *find_group(uint16_t num)
{
	for (size_t i = 0; i < ARRAY_SIZE(groups); i++)
		if (groups[i].num == num)
			return &groups[i];
	return NULL;
}

bool ike_dh_supported(uint16_t group)
{
	return find_group(group) != NULL;
}

size_t ike_dh_pub_len(uint16_t group)
{
	const struct dh_group *g = find_group(group);

	return g ? g->pub_len : 0;
}

const char *ike_dh_name(uint16_t group)
{
	const struct dh_group *g = find_group(group);

	return g ? g->name : "?";
}

static EVP_PKEY *gen_named(OSSL_LIB_CTX *lib, const struct dh_group *g)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(lib, g->ec ? "EC" : "DH", NULL);
	EVP_PKEY *key = NULL;
	OSSL_PARAM params[2] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)g->ossl, 0),
	    OSSL_PARAM_construct_end(),
	};

	if (!ctx || EVP_PKEY_keygen_init(ctx) <= 0 || EVP_PKEY_CTX_set_params(ctx, params) <= 0 ||
	    EVP_PKEY_generate(ctx, &key) <= 0)
		key = NULL;
	EVP_PKEY_CTX_free(ctx);
	return key;
}

static EVP_PKEY *gen_prime(OSSL_LIB_CTX *lib, const struct dh_group *g)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *p = NULL, *gen = BN_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(lib, "DH", NULL), *kctx = NULL;
	EVP_PKEY *dom = NULL, *key = NULL;

	if (!bld || !gen || !pctx || !BN_hex2bn(&p, g->prime) || !BN_set_word(gen, 2) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, p) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, gen) ||
	    !(params = OSSL_PARAM_BLD_to_param(bld)) || EVP_PKEY_fromdata_init(pctx) <= 0 ||
	    EVP_PKEY_fromdata(pctx, &dom, EVP_PKEY_KEY_PARAMETERS, params) <= 0)
		goto out;
	kctx = EVP_PKEY_CTX_new_from_pkey(lib, dom, NULL);
	if (!kctx || EVP_PKEY_keygen_init(kctx) <= 0 || EVP_PKEY_generate(kctx, &key) <= 0)
		key = NULL;
out:
	EVP_PKEY_CTX_free(kctx);
	EVP_PKEY_CTX_free(pctx);
	EVP_PKEY_free(dom);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(p);
	BN_free(gen);
	return key;
}

struct ike_dh *ike_dh_new(OSSL_LIB_CTX *lib, uint16_t group)
{
	const struct dh_group *g = find_group(group);
	struct ike_dh *dh;

	if (!g || !(dh = calloc(1, sizeof(*dh))))
		return NULL;
	dh->lib = lib;
	dh->group = group;
	dh->key = g->ossl ? gen_named(lib, g) : gen_prime(lib, g);
	if (!dh->key) {
		free(dh);
		return NULL;
	}
	return dh;
}

int ike_dh_public(const struct ike_dh *dh, uint8_t *out, size_t *len)
{
	const struct dh_group *g = find_group(dh->group);
	uint8_t *enc = NULL;
	size_t n = EVP_PKEY_get1_encoded_public_key(dh->key, &enc);
	int rc = -1;

	if (g->ec) {
		/* Uncompressed point 04 | x | y; IKE carries x | y. */
		if (n == g->pub_len + 1 && enc[0] == 0x04 && *len >= g->pub_len) {
			memcpy(out, enc + 1, g->pub_len);
			*len = g->pub_len;
			rc = 0;
		}
	} else if (n > 0 && n <= g->pub_len && *len >= g->pub_len) {
		/* Left-pad to the prime length (RFC 2409 §5). */
		memset(out, 0, g->pub_len - n);
		memcpy(out + g->pub_len - n, enc, n);
		*len = g->pub_len;
		rc = 0;
	}
	OPENSSL_free(enc);
	return rc;
}

int ike_dh_shared(struct ike_dh *dh, const uint8_t *peer, size_t peer_len, uint8_t *out,
                  size_t *len)
{
	const struct dh_group *g = find_group(dh->group);
	uint8_t point[IKE_MAX_DH + 1];
	EVP_PKEY *pk = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	int rc = -1;

	if (peer_len != g->pub_len)
		return -1;
	if (g->ec) {
		point[0] = 0x04;
		memcpy(point + 1, peer, peer_len);
	} else {
		memcpy(point, peer, peer_len);
	}
	pk = EVP_PKEY_new();
	if (!pk || EVP_PKEY_copy_parameters(pk, dh->key) <= 0 ||
	    EVP_PKEY_set1_encoded_public_key(pk, point, peer_len + (g->ec ? 1 : 0)) <= 0)
		goto out;
	ctx = EVP_PKEY_CTX_new_from_pkey(dh->lib, dh->key, NULL);
	if (!ctx || EVP_PKEY_derive_init(ctx) <= 0)
		goto out;
	/* g^xy keeps its leading zeros: both ends hash the full length. */
	if (!g->ec && EVP_PKEY_CTX_set_dh_pad(ctx, 1) <= 0)
		goto out;
	if (EVP_PKEY_derive_set_peer(ctx, pk) <= 0 || EVP_PKEY_derive(ctx, out, len) <= 0)
		goto out;
	rc = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return rc;
}

void ike_dh_free(struct ike_dh *dh)
{
	if (!dh)
		return;
	EVP_PKEY_free(dh->key);
	free(dh);
}
