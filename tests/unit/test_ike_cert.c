/* The gateway's certificate (issue #14 finding 2): chaining to the CA is not
 * enough, since L2TP/IPsec CAs also issue client certificates. It must name
 * the host typed (SAN DNS or IP; CN only for old gateways, flagged), be
 * within its validity dates, and allow server or IKE use when it has an
 * extended key usage (RFC 4945 §5.1.3.12). Certificates are made at test
 * time with OpenSSL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ike/cert.h"

struct pki {
	EVP_PKEY *key; /* one RSA key for the CA and every leaf: enough here */
	X509 *ca;
	X509_STORE *store;
};

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	assert_non_null(ext);
	assert_int_equal(X509_add_ext(x, ext, -1), 1);
	X509_EXTENSION_free(ext);
}

/* A certificate for cn signed by the CA (or self-signed when p->ca is NULL),
 * valid from days_from to days_to relative to now. */
static X509 *make_cert(struct pki *p, const char *cn, const char *san, const char *eku,
                       long days_from, long days_to)
{
	static long serial = 1;
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();

	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"l2tpsec test",
	                           -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, name);
	X509_set_issuer_name(x, p->ca ? X509_get_subject_name(p->ca) : name);
	X509_NAME_free(name);
	X509_gmtime_adj(X509_getm_notBefore(x), days_from * 86400);
	X509_gmtime_adj(X509_getm_notAfter(x), days_to * 86400);
	X509_set_pubkey(x, p->key);
	if (!p->ca)
		add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE");
	if (san)
		add_ext(x, p->ca, NID_subject_alt_name, san);
	if (eku)
		add_ext(x, p->ca, NID_ext_key_usage, eku);
	assert_true(X509_sign(x, p->key, EVP_sha256()) > 0);
	return x;
}

static int setup(void **state)
{
	static struct pki p;

	memset(&p, 0, sizeof(p));
	p.key = EVP_RSA_gen(2048);
	if (!p.key)
		return -1;
	p.ca = make_cert(&p, "l2tpsec test CA", NULL, NULL, -1, 365);
	p.store = X509_STORE_new();
	X509_STORE_add_cert(p.store, p.ca);
	*state = &p;
	return 0;
}

static int teardown(void **state)
{
	struct pki *p = *state;

	X509_STORE_free(p->store);
	X509_free(p->ca);
	EVP_PKEY_free(p->key);
	return 0;
}

/* ike_cert_verify_peer() on a Main Mode message carrying leaf, the ID payload
 * naming its subject DN, and a good signature; host as the user typed it. */
static int verify(struct pki *p, X509 *leaf, const char *host, bool *cn_only, char *err,
                  size_t errlen)
{
	static const struct isakmp_hdr hdr = {.icookie = {1}, .rcookie = {2}, .msgid = 0};
	uint8_t buf[4096], dn[512], hash[20], sig[512];
	unsigned char *dp = dn;
	struct isakmp_builder b;
	struct isakmp_msg m;
	struct cert_policy pol = {.host = host};
	struct isakmp_id id = {.type = ID_DER_ASN1_DN, .data = dn};
	size_t len, sig_len = sizeof(sig);
	uint16_t notify;
	int rc;

	ike_isakmp_build_begin(&b, buf, sizeof(buf), &hdr);
	ike_cert_write_cert(&b, leaf);
	len = ike_isakmp_build_end(&b);
	assert_true(len > 0);
	assert_int_equal(ike_isakmp_parse_plain(buf, len, &m, &notify), 0);
	id.len = (size_t)i2d_X509_NAME(X509_get_subject_name(leaf), &dp);
	memset(hash, 0x42, sizeof(hash));
	assert_int_equal(ike_cert_sign(NULL, p->key, hash, sizeof(hash), sig, &sig_len), 0);
	rc = ike_cert_verify_peer(NULL, p->store, &m, &id, &pol, hash, sizeof(hash), sig, sig_len,
	                          err, errlen, &notify);
	if (cn_only)
		*cn_only = pol.cn_only;
	X509_free(leaf);
	return rc;
}

static void test_gateway_certificate_accepted(void **state)
{
	struct pki *p = *state;
	char err[256] = "";
	bool cn_only = true;

	assert_int_equal(
	    verify(p,
	           make_cert(p, "gw.example", "DNS:gw.example,IP:192.0.2.1", "serverAuth", -1, 30),
	           "gw.example", &cn_only, err, sizeof(err)),
	    0);
	assert_false(cn_only);
	assert_int_equal(
	    verify(p, make_cert(p, "gw.example", "DNS:gw.example,IP:192.0.2.1", NULL, -1, 30),
	           "192.0.2.1", NULL, err, sizeof(err)),
	    0);
	/* RRAS: "IP security IKE intermediate"; RFC 4945: id-kp-ipsecIKE */
	assert_int_equal(
	    verify(p, make_cert(p, "gw.example", "DNS:gw.example", "1.3.6.1.5.5.8.2.2", -1, 30),
	           "GW.example", NULL, err, sizeof(err)),
	    0);
	assert_int_equal(verify(p, make_cert(p, "gw.example", "DNS:gw.example", "ipsecIKE", -1, 30),
	                        "gw.example", NULL, err, sizeof(err)),
	                 0);
}

/* The attack: another client's certificate from the same CA. */
static void test_client_certificate_of_same_ca_refused(void **state)
{
	struct pki *p = *state;
	char err[256] = "";

	assert_int_equal(
	    verify(p, make_cert(p, "bob.example", "DNS:bob.example", "clientAuth", -1, 30),
	           "gw.example", NULL, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "not for a server"));
	/* without an EKU the name still gives it away */
	assert_int_equal(verify(p, make_cert(p, "bob.example", "DNS:bob.example", NULL, -1, 30),
	                        "gw.example", NULL, err, sizeof(err)),
	                 -1);
	assert_non_null(strstr(err, "does not name gw.example"));
	/* nor may a wildcard stand in for part of a label */
	assert_int_equal(verify(p, make_cert(p, "x", "DNS:g*.example", NULL, -1, 30), "gw.example",
	                        NULL, err, sizeof(err)),
	                 -1);
}

static void test_cn_only_for_old_gateways(void **state)
{
	struct pki *p = *state;
	char err[256] = "";
	bool cn_only = false;

	assert_int_equal(verify(p, make_cert(p, "gw.example", NULL, NULL, -1, 30), "gw.example",
	                        &cn_only, err, sizeof(err)),
	                 0);
	assert_true(cn_only);
}

static void test_validity_dates(void **state)
{
	struct pki *p = *state;
	char err[256] = "";

	assert_int_equal(verify(p, make_cert(p, "gw.example", "DNS:gw.example", NULL, -30, -1),
	                        "gw.example", NULL, err, sizeof(err)),
	                 -1);
	assert_non_null(strstr(err, "expired"));
	assert_int_equal(verify(p, make_cert(p, "gw.example", "DNS:gw.example", NULL, 1, 30),
	                        "gw.example", NULL, err, sizeof(err)),
	                 -1);
	assert_non_null(strstr(err, "not yet valid"));
}

/* With a remote ID the caller checks the ID payload against it and the
 * certificate must contain it (here: its DN); no host check then. An
 * empty host without a remote ID is refused rather than trusted. */
static void test_remote_id_or_host_needed(void **state)
{
	struct pki *p = *state;
	char err[256] = "";

	assert_int_equal(verify(p, make_cert(p, "vpn-a", "DNS:vpn-a.corp", NULL, -1, 30), NULL,
	                        NULL, err, sizeof(err)),
	                 0);
	assert_int_equal(verify(p, make_cert(p, "vpn-a", "DNS:vpn-a.corp", NULL, -1, 30), "", NULL,
	                        err, sizeof(err)),
	                 -1);
	assert_non_null(strstr(err, "remote-id"));
}

/* ---- CRL distribution points (file: URIs only) --------------------------- */

/* gw.example's certificate with a CRL DP, re-signed after adding it. */
static X509 *make_cert_dp(struct pki *p, const char *dp_uri)
{
	X509 *x = make_cert(p, "gw.example", "DNS:gw.example", NULL, -1, 30);
	char value[600];

	snprintf(value, sizeof(value), "URI:%s", dp_uri);
	add_ext(x, p->ca, NID_crl_distribution_points, value);
	assert_true(X509_sign(x, p->key, EVP_sha256()) > 0);
	return x;
}

/* A CRL from the CA listing `revoked` (NULL: none), written as DER. */
static void write_crl(struct pki *p, const char *path, X509 *revoked)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *now = ASN1_TIME_set(NULL, time(NULL) - 60);
	ASN1_TIME *next = ASN1_TIME_set(NULL, time(NULL) + 86400);
	FILE *f;

	assert_non_null(crl);
	X509_CRL_set_version(crl, 1);
	X509_CRL_set_issuer_name(crl, X509_get_subject_name(p->ca));
	X509_CRL_set1_lastUpdate(crl, now);
	X509_CRL_set1_nextUpdate(crl, next);
	if (revoked) {
		X509_REVOKED *r = X509_REVOKED_new();

		X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(revoked));
		X509_REVOKED_set_revocationDate(r, now);
		assert_int_equal(X509_CRL_add0_revoked(crl, r), 1);
	}
	X509_CRL_sort(crl);
	assert_true(X509_CRL_sign(crl, p->key, EVP_sha256()) > 0);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(i2d_X509_CRL_fp(f, crl), 1);
	fclose(f);
	ASN1_TIME_free(now);
	ASN1_TIME_free(next);
	X509_CRL_free(crl);
}

static void test_file_crl_distribution_point(void **state)
{
	struct pki *p = *state;
	char dir[] = "/tmp/l2tpsec-crl-XXXXXX", path[300], uri[320], err[256] = "";
	X509 *gw, *other;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ca.crl", dir);
	snprintf(uri, sizeof(uri), "file://%s", path);

	/* The CA's CRL revokes the gateway: refused. */
	gw = make_cert_dp(p, uri);
	write_crl(p, path, gw);
	assert_int_equal(verify(p, gw, "gw.example", NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "revoked"));

	/* The same CRL, another certificate: accepted (file:/path form). */
	snprintf(uri, sizeof(uri), "file:%s", path);
	other = make_cert_dp(p, uri);
	assert_int_equal(verify(p, other, "gw.example", NULL, err, sizeof(err)), 0);

	/* The DP's file is gone: refused, not skipped. */
	gw = make_cert_dp(p, uri);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(verify(p, gw, "gw.example", NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot be read"));

	/* Not a regular file (it would never end): refused. */
	assert_int_equal(
	    verify(p, make_cert_dp(p, "file:///dev/zero"), "gw.example", NULL, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "cannot be read"));

	/* A network DP is not fetched: the certificate is checked without it. */
	assert_int_equal(verify(p, make_cert_dp(p, "http://192.0.2.1/ca.crl"), "gw.example", NULL,
	                        err, sizeof(err)),
	                 0);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_gateway_certificate_accepted),
	    cmocka_unit_test(test_client_certificate_of_same_ca_refused),
	    cmocka_unit_test(test_cn_only_for_old_gateways),
	    cmocka_unit_test(test_validity_dates),
	    cmocka_unit_test(test_remote_id_or_host_needed),
	    cmocka_unit_test(test_file_crl_distribution_point),
	};

	return cmocka_run_group_tests_name("ike_cert", tests, setup, teardown);
}
