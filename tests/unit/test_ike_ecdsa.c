/* ECDSA certificate authentication (RFC 4754) beside RSA: the Main Mode
 * authentication method named by our key (9, 10, 11 for P-256, P-384,
 * P-521; RSA_SIG for RSA; nothing for other keys), signatures of the raw
 * HASH_I/HASH_R as r | s of the curve's length (checked here against
 * OpenSSL's own ECDSA verification of the DER form), and the gateway's
 * ECDSA certificate through cert_verify_peer. Keys and certificates are made
 * at test time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ike/cert.h"

static EVP_PKEY *ec_key(const char *curve)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);

	assert_non_null(k);
	return k;
}

static void test_auth_method_by_key(void **state)
{
	EVP_PKEY *rsa = EVP_RSA_gen(2048), *p256 = ec_key("P-256"), *p384 = ec_key("P-384"),
	         *p521 = ec_key("P-521"), *p224 = ec_key("P-224"),
	         *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");

	(void)state;
	assert_non_null(rsa);
	assert_non_null(ed);
	assert_int_equal(ike_cert_auth_method(rsa), IKE_AUTH_METHOD_RSA_SIG);
	assert_int_equal(ike_cert_auth_method(p256), IKE_AUTH_METHOD_ECDSA_256);
	assert_int_equal(ike_cert_auth_method(p384), IKE_AUTH_METHOD_ECDSA_384);
	assert_int_equal(ike_cert_auth_method(p521), IKE_AUTH_METHOD_ECDSA_521);
	/* RFC 4754 names three curves; anything else has no method */
	assert_int_equal(ike_cert_auth_method(p224), 0);
	assert_int_equal(ike_cert_auth_method(ed), 0);
	assert_int_equal(ike_cert_auth_method(NULL), 0);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(p256);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(p521);
	EVP_PKEY_free(p224);
	EVP_PKEY_free(ed);
}

/* r | s -> DER, verified by OpenSSL directly: the wire form is right. */
static int openssl_verify_rs(EVP_PKEY *k, const uint8_t *hash, size_t hash_len, const uint8_t *sig,
                             size_t half)
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	unsigned char *der = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(k, NULL);
	int der_len, ok;

	assert_non_null(es);
	assert_int_equal(ECDSA_SIG_set0(es, BN_bin2bn(sig, (int)half, NULL),
	                                BN_bin2bn(sig + half, (int)half, NULL)),
	                 1);
	der_len = i2d_ECDSA_SIG(es, &der);
	assert_true(der_len > 0);
	ok = EVP_PKEY_verify_init(ctx) > 0 &&
	     EVP_PKEY_verify(ctx, der, (size_t)der_len, hash, hash_len) == 1;
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

static void test_sign_verify_each_curve(void **state)
{
	static const struct {
		const char *curve;
		size_t half;
	} curves[] = {{"P-256", 32}, {"P-384", 48}, {"P-521", 66}};
	uint8_t hash[32], sig[256];

	(void)state;
	for (size_t h = 0; h < sizeof(hash); h++)
		hash[h] = (uint8_t)(h * 13 + 1);
	for (size_t i = 0; i < 3; i++) {
		EVP_PKEY *k = ec_key(curves[i].curve), *other = ec_key(curves[i].curve);
		/* a 20-byte HASH (SHA-1 PRF) and a 32-byte one (SHA-256 PRF) */
		for (size_t hl = 20; hl <= 32; hl += 12) {
			size_t sig_len = sizeof(sig);

			assert_int_equal(ike_cert_sign(NULL, k, hash, hl, sig, &sig_len), 0);
			assert_int_equal(sig_len, 2 * curves[i].half);
			assert_true(openssl_verify_rs(k, hash, hl, sig, curves[i].half));
			assert_int_equal(ike_cert_verify_sig(NULL, k, hash, hl, sig, sig_len), 0);
			/* another key, another hash, a flipped bit, a wrong length */
			assert_int_equal(ike_cert_verify_sig(NULL, other, hash, hl, sig, sig_len), -1);
			hash[0] ^= 1;
			assert_int_equal(ike_cert_verify_sig(NULL, k, hash, hl, sig, sig_len), -1);
			hash[0] ^= 1;
			sig[sig_len - 1] ^= 1;
			assert_int_equal(ike_cert_verify_sig(NULL, k, hash, hl, sig, sig_len), -1);
			sig[sig_len - 1] ^= 1;
			assert_int_equal(ike_cert_verify_sig(NULL, k, hash, hl, sig, sig_len - 1), -1);
			assert_int_equal(ike_cert_verify_sig(NULL, k, hash, hl, sig, 0), -1);
		}
		/* no room for r | s */
		{
			size_t small = 2 * curves[i].half - 1;

			assert_int_equal(ike_cert_sign(NULL, k, hash, 20, sig, &small), -1);
		}
		EVP_PKEY_free(k);
		EVP_PKEY_free(other);
	}
}

static void test_rsa_and_ecdsa_do_not_mix(void **state)
{
	EVP_PKEY *rsa = EVP_RSA_gen(2048), *ec = ec_key("P-256");
	uint8_t hash[20] = {1, 2, 3}, sig[512];
	size_t sig_len = sizeof(sig);

	(void)state;
	assert_int_equal(ike_cert_sign(NULL, rsa, hash, sizeof(hash), sig, &sig_len), 0);
	assert_int_equal(sig_len, 256);
	assert_int_equal(ike_cert_verify_sig(NULL, rsa, hash, sizeof(hash), sig, sig_len), 0);
	assert_int_equal(ike_cert_verify_sig(NULL, ec, hash, sizeof(hash), sig, sig_len), -1);
	sig_len = sizeof(sig);
	assert_int_equal(ike_cert_sign(NULL, ec, hash, sizeof(hash), sig, &sig_len), 0);
	assert_int_equal(ike_cert_verify_sig(NULL, rsa, hash, sizeof(hash), sig, sig_len), -1);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec);
}

static X509 *make_cert(EVP_PKEY *key, EVP_PKEY *ca_key, X509 *ca, const char *cn, const char *san)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), ca ? 2 : 1);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, name);
	X509_set_issuer_name(x, ca ? X509_get_subject_name(ca) : name);
	X509_NAME_free(name);
	X509_gmtime_adj(X509_getm_notBefore(x), -86400);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&ctx, ca ? ca : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, ca ? NID_subject_alt_name : NID_basic_constraints,
	                          ca ? san : "critical,CA:TRUE");
	assert_non_null(ext);
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	assert_true(X509_sign(x, ca_key, EVP_sha256()) > 0);
	return x;
}

/* The gateway's Main Mode with an ECDSA certificate (CA RSA or ECDSA). */
static void check_gateway(EVP_PKEY *ca_key, EVP_PKEY *gw_key, bool tamper, int want)
{
	static const struct isakmp_hdr hdr = {.icookie = {1}, .rcookie = {2}};
	X509 *ca = make_cert(ca_key, ca_key, NULL, "l2tpsec test CA", NULL);
	X509 *gw = make_cert(gw_key, ca_key, ca, "gw.test", "DNS:gw.test");
	X509_STORE *store = X509_STORE_new();
	uint8_t buf[4096], fqdn[] = "gw.test", hash[32], sig[256];
	struct isakmp_builder b;
	struct isakmp_msg m;
	struct isakmp_id id = {.type = ID_FQDN, .data = fqdn, .len = 7};
	struct cert_policy pol = {.host = "gw.test"};
	size_t len, sig_len = sizeof(sig);
	uint16_t notify;
	char err[256] = "";

	X509_STORE_add_cert(store, ca);
	ike_isakmp_build_begin(&b, buf, sizeof(buf), &hdr);
	ike_cert_write_cert(&b, gw);
	len = ike_isakmp_build_end(&b);
	assert_int_equal(ike_isakmp_parse_plain(buf, len, &m, &notify), 0);
	memset(hash, 0x5a, sizeof(hash));
	assert_int_equal(ike_cert_sign(NULL, gw_key, hash, sizeof(hash), sig, &sig_len), 0);
	if (tamper)
		sig[3] ^= 0x40;
	assert_int_equal(ike_cert_verify_peer(NULL, store, &m, &id, &pol, hash, sizeof(hash), sig,
	                                  sig_len, err, sizeof(err), &notify),
	                 want);
	if (want)
		assert_non_null(strstr(err, "signature"));
	X509_STORE_free(store);
	X509_free(ca);
	X509_free(gw);
}

static void test_gateway_ecdsa_certificate(void **state)
{
	EVP_PKEY *rsa_ca = EVP_RSA_gen(2048), *ec_ca = ec_key("P-384"), *gw = ec_key("P-256");

	(void)state;
	check_gateway(ec_ca, gw, false, 0);
	check_gateway(rsa_ca, gw, false, 0);
	check_gateway(ec_ca, gw, true, -1);
	EVP_PKEY_free(rsa_ca);
	EVP_PKEY_free(ec_ca);
	EVP_PKEY_free(gw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_auth_method_by_key),
	    cmocka_unit_test(test_sign_verify_each_curve),
	    cmocka_unit_test(test_rsa_and_ecdsa_do_not_mix),
	    cmocka_unit_test(test_gateway_ecdsa_certificate),
	};

	return cmocka_run_group_tests_name("ike_ecdsa", tests, NULL, NULL);
}
