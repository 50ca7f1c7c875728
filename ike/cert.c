/* Identities, CERT/CR payloads and RSA or ECDSA signature authentication. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ike/cert.h"
#include "lib/util.h"

/* Split "a/b/c" or "a, b, c" into RDNs, each "KEY=value". */
X509_NAME *ike_dn_parse(const char *s)
{
	X509_NAME *name = X509_NAME_new();
	char buf[256], *save = NULL, *tok;
	const char *sep = s[0] == '/' ? "/" : ",";

	if (!name || strlen(s) >= sizeof(buf))
		goto fail;
	strcpy(buf, s);
	for (tok = strtok_r(buf, sep, &save); tok; tok = strtok_r(NULL, sep, &save)) {
		char *eq;

		while (*tok == ' ')
			tok++;
		eq = strchr(tok, '=');
		if (!eq || eq == tok || !eq[1])
			goto fail;
		*eq = '\0';
		if (!X509_NAME_add_entry_by_txt(name, tok, MBSTRING_UTF8,
		                                (const unsigned char *)eq + 1, -1, -1, 0))
			goto fail;
	}
	if (X509_NAME_entry_count(name) == 0)
		goto fail;
	return name;
fail:
	X509_NAME_free(name);
	return NULL;
}

int ike_id_encode(const struct ike_id *id, uint8_t *out, size_t cap, size_t *len)
{
	size_t n = strlen(id->value);

	switch (id->type) {
	case IKE_ID_IPV4_ADDR:
		if (cap < 4 || inet_pton(AF_INET, id->value, out) != 1)
			return -1;
		*len = 4;
		return 0;
	case IKE_ID_IPV6_ADDR: /* RFC 2407 §4.6.2.1: ID_IPV6_ADDR, 16 bytes */
		if (cap < 16 || inet_pton(AF_INET6, id->value, out) != 1)
			return -1;
		*len = 16;
		return 0;
	case IKE_ID_FQDN:
	case IKE_ID_USER_FQDN:
		if (n == 0 || n > cap)
			return -1;
		memcpy(out, id->value, n);
		*len = n;
		return 0;
	case IKE_ID_DER_ASN1_DN: {
		X509_NAME *name = ike_dn_parse(id->value);
		unsigned char *p = out;
		int der = name ? i2d_X509_NAME(name, NULL) : -1;

		if (der <= 0 || (size_t)der > cap) {
			X509_NAME_free(name);
			return -1;
		}
		i2d_X509_NAME(name, &p);
		X509_NAME_free(name);
		*len = (size_t)der;
		return 0;
	}
	default:
		return -1;
	}
}

static X509_NAME *id_dn(const struct isakmp_id *id)
{
	const unsigned char *p = id->data;

	return d2i_X509_NAME(NULL, &p, (long)id->len);
}

bool ike_id_matches(const struct ike_id *cfg, const struct isakmp_id *id)
{
	uint8_t want[512];
	size_t len;

	if (cfg->type == IKE_ID_NONE)
		return true;
	if ((uint8_t)cfg->type != id->type)
		return false;
	if (cfg->type == IKE_ID_DER_ASN1_DN) {
		/* Compare names, not encodings: string types may differ. */
		X509_NAME *a = ike_dn_parse(cfg->value), *b = id_dn(id);
		bool same = a && b && X509_NAME_cmp(a, b) == 0;

		X509_NAME_free(a);
		X509_NAME_free(b);
		return same;
	}
	if (ike_id_encode(cfg, want, sizeof(want), &len))
		return false;
	if (cfg->type == IKE_ID_FQDN || cfg->type == IKE_ID_USER_FQDN)
		return len == id->len &&
		       strncasecmp((const char *)want, (const char *)id->data, len) == 0;
	return len == id->len && memcmp(want, id->data, len) == 0;
}

void ike_id_str(const struct isakmp_id *id, char *buf, size_t len)
{
	char tmp[INET6_ADDRSTRLEN];

	switch (id->type) {
	case ID_IPV4_ADDR:
		inet_ntop(AF_INET, id->data, tmp, sizeof(tmp));
		snprintf(buf, len, "ipv4:%s", tmp);
		break;
	case ID_IPV6_ADDR:
		inet_ntop(AF_INET6, id->data, tmp, sizeof(tmp));
		snprintf(buf, len, "ipv6:%s", tmp);
		break;
	case ID_FQDN:
	case ID_USER_FQDN: {
		/* Printable characters only: this comes from the network. */
		size_t n = 0, off;

		off = (size_t)snprintf(buf, len, "%s:", id->type == ID_FQDN ? "fqdn" : "email");
		for (; n < id->len && off + 1 < len; n++)
			buf[off++] =
			    id->data[n] >= 0x20 && id->data[n] < 0x7f ? (char)id->data[n] : '?';
		if (off < len)
			buf[off] = '\0';
		break;
	}
	case ID_DER_ASN1_DN: {
		X509_NAME *name = id_dn(id);
		char *one = name ? X509_NAME_oneline(name, NULL, 0) : NULL;

		snprintf(buf, len, "dn:%s", one ? one : "(bad DN)");
		OPENSSL_free(one);
		X509_NAME_free(name);
		break;
	}
	default:
		snprintf(buf, len, "type%u", id->type);
	}
}

void ike_cert_write_cr(struct isakmp_builder *b, X509_STORE *store)
{
	STACK_OF(X509_OBJECT) *objs = store ? X509_STORE_get0_objects(store) : NULL;
	int written = 0;

	for (int i = 0; objs && i < sk_X509_OBJECT_num(objs); i++) {
		X509 *ca = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs, i));
		unsigned char der[1024], *p = der;
		int len = ca ? i2d_X509_NAME(X509_get_subject_name(ca), NULL) : -1;

		if (len <= 0 || (size_t)len > sizeof(der))
			continue;
		i2d_X509_NAME(X509_get_subject_name(ca), &p);
		ike_isakmp_pl_begin(b, ISAKMP_NP_CR);
		bw_u8(&b->w, CERT_X509_SIG);
		bw_bytes(&b->w, der, (size_t)len);
		ike_isakmp_pl_end(b);
		written++;
	}
	if (!written) {
		uint8_t enc = CERT_X509_SIG;

		ike_isakmp_pl_add(b, ISAKMP_NP_CR, &enc, 1);
	}
}

void ike_cert_write_cert(struct isakmp_builder *b, X509 *cert)
{
	int len = i2d_X509(cert, NULL);
	uint8_t *p;

	ike_isakmp_pl_begin(b, ISAKMP_NP_CERT);
	bw_u8(&b->w, CERT_X509_SIG);
	p = len > 0 ? bw_reserve(&b->w, (size_t)len) : NULL;
	if (p)
		i2d_X509(cert, &p);
	else
		b->w.error = true;
	ike_isakmp_pl_end(b);
}

/* RFC 4754 §8: the ECDSA methods name the curve, P-256, P-384 or P-521;
 * r and s each take the curve's byte length. */
static const struct {
	const char *group;
	uint16_t method;
	size_t half;
} ec_methods[] = {
    {"prime256v1", IKE_AUTH_METHOD_ECDSA_256, 32},
    {"secp384r1", IKE_AUTH_METHOD_ECDSA_384, 48},
    {"secp521r1", IKE_AUTH_METHOD_ECDSA_521, 66},
};

/* Byte length of r (and of s) for an ECDSA key on a curve of RFC 4754; 0
 * for any other key. */
static size_t ec_half(const EVP_PKEY *key)
{
	char group[64];
	size_t n = 0;

	if (!key || !EVP_PKEY_is_a(key, "EC") ||
	    !EVP_PKEY_get_group_name(key, group, sizeof(group), &n))
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(ec_methods); i++)
		if (strcmp(group, ec_methods[i].group) == 0)
			return ec_methods[i].half;
	return 0;
}

uint16_t ike_cert_auth_method(const EVP_PKEY *key)
{
	size_t half = ec_half(key);

	if (key && EVP_PKEY_is_a(key, "RSA"))
		return IKE_AUTH_METHOD_RSA_SIG;
	for (size_t i = 0; i < ARRAY_SIZE(ec_methods); i++)
		if (half && ec_methods[i].half == half)
			return ec_methods[i].method;
	return 0;
}

/* ECDSA over the raw hash (IKEv1 signs HASH_I/HASH_R itself, as with RSA),
 * written as r | s, each left-padded to the curve's length (RFC 4754 §7). */
static int ecdsa_sign(OSSL_LIB_CTX *lib, EVP_PKEY *key, size_t half, const uint8_t *hash,
                      size_t hash_len, uint8_t *sig, size_t *sig_len)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(lib, key, NULL);
	uint8_t der[160];
	size_t der_len = sizeof(der);
	const unsigned char *p = der;
	ECDSA_SIG *es = NULL;
	const BIGNUM *r, *s;
	int rc = -1;

	if (!ctx || EVP_PKEY_sign_init(ctx) <= 0 ||
	    EVP_PKEY_sign(ctx, der, &der_len, hash, hash_len) <= 0 || *sig_len < 2 * half)
		goto out;
	es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	if (!es)
		goto out;
	ECDSA_SIG_get0(es, &r, &s);
	if (BN_bn2binpad(r, sig, (int)half) < 0 || BN_bn2binpad(s, sig + half, (int)half) < 0)
		goto out;
	*sig_len = 2 * half;
	rc = 0;
out:
	ECDSA_SIG_free(es);
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

static int ecdsa_verify(OSSL_LIB_CTX *lib, EVP_PKEY *pub, size_t half, const uint8_t *hash,
                        size_t hash_len, const uint8_t *sig, size_t sig_len)
{
	EVP_PKEY_CTX *ctx = NULL;
	ECDSA_SIG *es = NULL;
	BIGNUM *r = NULL, *s = NULL;
	unsigned char *der = NULL;
	int der_len, ok = 0;

	if (sig_len != 2 * half)
		return -1;
	es = ECDSA_SIG_new();
	r = BN_bin2bn(sig, (int)half, NULL);
	s = BN_bin2bn(sig + half, (int)half, NULL);
	if (!es || !r || !s || !ECDSA_SIG_set0(es, r, s))
		goto out;
	r = s = NULL; /* owned by es now */
	der_len = i2d_ECDSA_SIG(es, &der);
	ctx = EVP_PKEY_CTX_new_from_pkey(lib, pub, NULL);
	ok = der_len > 0 && ctx && EVP_PKEY_verify_init(ctx) > 0 &&
	     EVP_PKEY_verify(ctx, der, (size_t)der_len, hash, hash_len) == 1;
out:
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	OPENSSL_free(der);
	EVP_PKEY_CTX_free(ctx);
	return ok ? 0 : -1;
}

int ike_cert_sign(OSSL_LIB_CTX *lib, EVP_PKEY *key, const uint8_t *hash, size_t hash_len, uint8_t *sig,
              size_t *sig_len)
{
	size_t half = ec_half(key);
	EVP_PKEY_CTX *ctx;
	int ok;

	if (half)
		return ecdsa_sign(lib, key, half, hash, hash_len, sig, sig_len);
	if (!EVP_PKEY_is_a(key, "RSA"))
		return -1;
	ctx = EVP_PKEY_CTX_new_from_pkey(lib, key, NULL);
	ok = ctx && EVP_PKEY_sign_init(ctx) > 0 &&
	     EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
	     EVP_PKEY_sign(ctx, sig, sig_len, hash, hash_len) > 0;
	EVP_PKEY_CTX_free(ctx);
	return ok ? 0 : -1;
}

/* The signature by the gateway's key type: RSA PKCS#1 v1.5 of the raw
 * hash, or ECDSA r | s on a curve of RFC 4754; other keys fail. */
int ike_cert_verify_sig(OSSL_LIB_CTX *lib, EVP_PKEY *pub, const uint8_t *hash, size_t hash_len,
                    const uint8_t *sig, size_t sig_len)
{
	size_t half = ec_half(pub);
	EVP_PKEY_CTX *ctx;
	int ok;

	if (half)
		return ecdsa_verify(lib, pub, half, hash, hash_len, sig, sig_len);
	if (!pub || !EVP_PKEY_is_a(pub, "RSA"))
		return -1;
	ctx = EVP_PKEY_CTX_new_from_pkey(lib, pub, NULL);
	ok = ctx && EVP_PKEY_verify_init(ctx) > 0 &&
	     EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
	     EVP_PKEY_verify(ctx, sig, sig_len, hash, hash_len) == 1;
	EVP_PKEY_CTX_free(ctx);
	return ok ? 0 : -1;
}

/* The ID payload must name the certificate (RFC 4945 §3.3 in spirit). */
static bool id_in_cert(X509 *cert, const struct isakmp_id *id)
{
	char name[256];

	switch (id->type) {
	case ID_DER_ASN1_DN: {
		X509_NAME *dn = id_dn(id);
		bool same = dn && X509_NAME_cmp(dn, X509_get_subject_name(cert)) == 0;

		X509_NAME_free(dn);
		return same;
	}
	case ID_FQDN:
	case ID_USER_FQDN:
		if (id->len >= sizeof(name))
			return false;
		memcpy(name, id->data, id->len);
		name[id->len] = '\0';
		return id->type == ID_FQDN ? X509_check_host(cert, name, id->len, 0, NULL) == 1
		                           : X509_check_email(cert, name, id->len, 0) == 1;
	case ID_IPV4_ADDR:
	case ID_IPV6_ADDR:
		return X509_check_ip(cert, id->data, id->len, 0) == 1;
	default:
		return false;
	}
}

/* The subject's CN equals host (case-insensitive): what gateways from before
 * SANs were common rely on. */
static bool cn_is(X509 *leaf, const char *host)
{
	char cn[256];
	int n =
	    X509_NAME_get_text_by_NID(X509_get_subject_name(leaf), NID_commonName, cn, sizeof(cn));

	return n > 0 && (size_t)n == strlen(cn) && strcasecmp(cn, host) == 0;
}

int ike_cert_check_host(X509 *leaf, struct cert_policy *pol, char *err, size_t errlen)
{
	unsigned char ip[16];
	bool literal;

	pol->cn_only = false;
	if (!pol->host)
		return 0; /* a configured remote ID names the gateway */
	if (!pol->host[0]) {
		snprintf(err, errlen,
		         "no gateway name to check its certificate against; set remote-id");
		return -1;
	}
	literal = inet_pton(AF_INET, pol->host, ip) == 1 || inet_pton(AF_INET6, pol->host, ip) == 1;
	if (literal ? X509_check_ip_asc(leaf, pol->host, 0) == 1
	            : X509_check_host(leaf, pol->host, 0,
	                              X509_CHECK_FLAG_NEVER_CHECK_SUBJECT |
	                                  X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS,
	                              NULL) == 1)
		return 0;
	if (cn_is(leaf, pol->host)) {
		pol->cn_only = true;
		return 0;
	}
	snprintf(err, errlen,
	         "gateway certificate does not name %.100s (neither in its subject alternative "
	         "names nor as its CN); set remote-id if the gateway has another name",
	         pol->host);
	return -1;
}

/* RFC 4945 §5.1.3.12: with an extended key usage the certificate must allow
 * IKE; we also take serverAuth (most gateway certificates), "any" and
 * Microsoft's "IP security IKE intermediate" (RRAS). A client certificate
 * (clientAuth only) from the same CA is refused. */
int ike_cert_check_eku(X509 *leaf, char *err, size_t errlen)
{
	EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(leaf, NID_ext_key_usage, NULL, NULL);
	bool ok = false;

	if (!eku)
		return 0;
	for (int i = 0; i < sk_ASN1_OBJECT_num(eku) && !ok; i++) {
		const ASN1_OBJECT *o = sk_ASN1_OBJECT_value(eku, i);
		char txt[64];
		int nid = OBJ_obj2nid(o);

		OBJ_obj2txt(txt, sizeof(txt), o, 1);
		ok = nid == NID_server_auth || nid == NID_ipsec_IKE ||
		     nid == NID_anyExtendedKeyUsage || strcmp(txt, "1.3.6.1.5.5.8.2.2") == 0;
	}
	EXTENDED_KEY_USAGE_free(eku);
	if (!ok)
		snprintf(err, errlen,
		         "gateway certificate is not for a server: its extended key usage allows "
		         "neither serverAuth nor IKE (a client certificate?)");
	return ok ? 0 : -1;
}

/* ---- CRL distribution points that are local files ------------------------
 * RFC 5280 §4.2.1.13. Only file: URIs are honoured (a CA that publishes its
 * CRL where the client can place it); network URIs are never fetched, so
 * that checking a certificate sends nothing anywhere. A DP is looked at only
 * after the chain verified without it (the CA wrote it, not the gateway);
 * the file is read by the caller's loader (pol->crl_load: a protocol layer
 * reads no files), and a DP that cannot be loaded fails the check rather
 * than being skipped. */
#define CERT_MAX_FILE_DPS 4

/* "file:///p" or "file://localhost/p" or "file:/p" -> "/p"; else NULL. */
static const char *file_uri_path(const ASN1_IA5STRING *uri, char *path, size_t cap)
{
	const char *s = (const char *)ASN1_STRING_get0_data(uri);
	size_t len = (size_t)ASN1_STRING_length(uri);

	if (len < 6 || strncasecmp(s, "file:", 5) != 0 || memchr(s, '\0', len))
		return NULL;
	s += 5;
	len -= 5;
	if (len >= 2 && s[0] == '/' && s[1] == '/') {
		s += 2;
		len -= 2;
		if (len >= 9 && strncasecmp(s, "localhost", 9) == 0) {
			s += 9;
			len -= 9;
		}
	}
	if (len == 0 || s[0] != '/' || len >= cap)
		return NULL;
	memcpy(path, s, len);
	path[len] = '\0';
	return path;
}

/* One file DP's CRL from the loader, pushed onto *crls (made on first use).
 * 0, or -1 with the reason. */
static int load_one_dp(const struct cert_policy *pol, const char *path, STACK_OF(X509_CRL) * *crls,
                       char *err, size_t errlen)
{
	char why[256] = "no CRL loader";
	X509_CRL *crl = NULL;

	if (pol->crl_load)
		crl = pol->crl_load(pol->crl_load_ctx, path, why, sizeof(why));
	if (crl && !*crls)
		*crls = sk_X509_CRL_new_null();
	if (!crl || !*crls || !sk_X509_CRL_push(*crls, crl)) {
		X509_CRL_free(crl);
		snprintf(err, errlen,
		         "the CRL of the gateway's certificate (%s) cannot be read: %s", path,
		         crl ? "out of memory" : why);
		return -1;
	}
	return 0;
}

/* The CRLs the leaf's file: DPs name into *crls (allocated when there is
 * one). 0, or -1 with the reason. */
static int load_file_dp_crls(X509 *leaf, const struct cert_policy *pol, STACK_OF(X509_CRL) * *crls,
                             char *err, size_t errlen)
{
	STACK_OF(DIST_POINT) *dps = X509_get_ext_d2i(leaf, NID_crl_distribution_points, NULL, NULL);
	int rc = 0, files = 0;

	*crls = NULL;
	for (int i = 0; rc == 0 && i < sk_DIST_POINT_num(dps); i++) {
		DIST_POINT *dp = sk_DIST_POINT_value(dps, i);
		GENERAL_NAMES *names =
		    dp->distpoint && dp->distpoint->type == 0 ? dp->distpoint->name.fullname : NULL;

		for (int j = 0; rc == 0 && j < sk_GENERAL_NAME_num(names); j++) {
			const GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, j);
			char path[512];

			if (gn->type != GEN_URI ||
			    !file_uri_path(gn->d.uniformResourceIdentifier, path, sizeof(path)))
				continue;
			if (++files > CERT_MAX_FILE_DPS)
				break;
			rc = load_one_dp(pol, path, crls, err, errlen);
		}
	}
	sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
	if (rc < 0) {
		sk_X509_CRL_pop_free(*crls, X509_CRL_free);
		*crls = NULL;
	}
	return rc;
}

/* The chain again, now with the file DPs' CRLs (and the store's). */
static int check_file_dps(OSSL_LIB_CTX *lib, X509_STORE *store, X509 *leaf,
                          STACK_OF(X509) * untrusted, const struct cert_policy *pol, char *err,
                          size_t errlen)
{
	STACK_OF(X509_CRL) * crls;
	X509_STORE_CTX *sctx;
	int rc = -1;

	if (load_file_dp_crls(leaf, pol, &crls, err, errlen) < 0)
		return -1;
	if (!crls)
		return 0;
	sctx = X509_STORE_CTX_new_ex(lib, NULL);
	if (sctx && X509_STORE_CTX_init(sctx, store, leaf, untrusted)) {
		X509_STORE_CTX_set0_crls(sctx, crls);
		X509_STORE_CTX_set_flags(sctx, X509_V_FLAG_CRL_CHECK);
		if (X509_verify_cert(sctx) == 1)
			rc = 0;
		else
			snprintf(err, errlen, "gateway certificate chain does not verify: %s",
			         X509_verify_cert_error_string(X509_STORE_CTX_get_error(sctx)));
	} else {
		snprintf(err, errlen, "out of memory checking the gateway's CRL");
	}
	X509_STORE_CTX_free(sctx);
	sk_X509_CRL_pop_free(crls, X509_CRL_free);
	return rc;
}

int ike_cert_verify_peer(OSSL_LIB_CTX *lib, X509_STORE *store, const struct isakmp_msg *msg,
                         const struct isakmp_id *peer_id, struct cert_policy *pol,
                         const uint8_t *hash, size_t hash_len, const uint8_t *sig, size_t sig_len,
                         char *err, size_t errlen, uint16_t *notify)
{
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	X509_STORE_CTX *sctx = X509_STORE_CTX_new_ex(lib, NULL);
	X509 *leaf = NULL;
	int rc = -1;

	*notify = N_INVALID_CERTIFICATE;
	for (size_t i = 0; i < ike_isakmp_count(msg, ISAKMP_NP_CERT); i++) {
		const struct isakmp_payload *pl = ike_isakmp_find(msg, ISAKMP_NP_CERT, i);
		struct isakmp_cert c;
		const unsigned char *p;
		X509 *x;

		if (ike_isakmp_parse_cert(pl->body, pl->len, &c) || c.encoding != CERT_X509_SIG)
			continue;
		p = c.data;
		x = d2i_X509(NULL, &p, (long)c.len);
		if (!x || p != c.data + c.len) {
			X509_free(x);
			snprintf(err, errlen, "gateway certificate does not parse");
			*notify = N_INVALID_CERT_ENCODING;
			goto out;
		}
		if (!leaf)
			leaf = x;
		else if (!sk_X509_push(untrusted, x))
			X509_free(x);
	}
	if (!leaf) {
		snprintf(err, errlen, "gateway sent no X.509 certificate");
		*notify = N_CERTIFICATE_UNAVAILABLE;
		goto out;
	}
	if (!store || !sctx || !X509_STORE_CTX_init(sctx, store, leaf, untrusted) ||
	    X509_verify_cert(sctx) != 1) {
		snprintf(err, errlen, "gateway certificate chain does not verify: %s",
		         sctx ? X509_verify_cert_error_string(X509_STORE_CTX_get_error(sctx))
		              : "no CA");
		goto out;
	}
	if (check_file_dps(lib, store, leaf, untrusted, pol, err, errlen) < 0)
		goto out;
	if (ike_cert_check_eku(leaf, err, errlen) || ike_cert_check_host(leaf, pol, err, errlen)) {
		*notify = N_AUTHENTICATION_FAILED;
		goto out;
	}
	if (!id_in_cert(leaf, peer_id)) {
		snprintf(err, errlen, "gateway ID is not in its certificate");
		*notify = N_INVALID_ID_INFORMATION;
		goto out;
	}
	if (ike_cert_verify_sig(lib, X509_get0_pubkey(leaf), hash, hash_len, sig, sig_len)) {
		snprintf(err, errlen, "gateway signature does not verify");
		*notify = N_INVALID_SIGNATURE;
		goto out;
	}
	rc = 0;
out:
	X509_STORE_CTX_free(sctx);
	X509_free(leaf);
	sk_X509_pop_free(untrusted, X509_free);
	return rc;
}
