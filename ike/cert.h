/*
 * Identities and certificate authentication for Main Mode (RFC 2409 §5.1,
 * RFC 2407 §4.6.2): encoding configured IDs, matching the gateway's ID,
 * CERT/CR payloads, RSA signatures over HASH_I/HASH_R and the chain check.
 */
#ifndef L2TPSEC_IKE_CERT_H
#define L2TPSEC_IKE_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "ike/ike.h"
#include "ike/isakmp.h"

/* A configured ID as ID payload data. 0, or -1 when the value does not
 * parse (a bad address or DN). */
int ike_id_encode(const struct ike_id *id, uint8_t *out, size_t cap, size_t *len);
/* Whether the gateway's ID payload is the configured one. */
bool ike_id_matches(const struct ike_id *cfg, const struct isakmp_id *id);
/* "fqdn:gw.example.org", "ipv4:1.2.3.4", "dn:/CN=x" for logs. */
void ike_id_str(const struct isakmp_id *id, char *buf, size_t len);
/* DN in OpenSSL's "/C=CH/CN=x" form or strongSwan's "C=CH, CN=x" (in
 * order, first RDN first). NULL when it does not parse. */
X509_NAME *ike_dn_parse(const char *s);

/* One CR payload per trust anchor in store (its subject DN), or one CR
 * without a CA name when the store has none. */
void ike_cert_write_cr(struct isakmp_builder *b, X509_STORE *store);
/* CERT payload with cert (X.509 signature encoding). */
void ike_cert_write_cert(struct isakmp_builder *b, X509 *cert);
/* The Main Mode authentication method of a key: RSA_SIG for RSA,
 * ECDSA_256/384/521 for ECDSA on P-256/384/521 (RFC 4754 §8); 0 for any
 * other key. */
uint16_t ike_cert_auth_method(const EVP_PKEY *key);
/* Signature of the raw hash (HASH_I/HASH_R, RFC 2409 §5.1): RSA PKCS#1
 * v1.5 without DigestInfo (what IKEv1 stacks do for RSA_SIG), or ECDSA as
 * r | s, each of the curve's length (RFC 4754 §7). *sig_len: room in, length
 * out. */
int ike_cert_sign(OSSL_LIB_CTX *lib, EVP_PKEY *key, const uint8_t *hash, size_t hash_len, uint8_t *sig,
              size_t *sig_len);
/* Verify a signature made like ike_cert_sign's under pub. 0 when it verifies. */
int ike_cert_verify_sig(OSSL_LIB_CTX *lib, EVP_PKEY *pub, const uint8_t *hash, size_t hash_len,
                    const uint8_t *sig, size_t sig_len);
/* What the gateway's certificate must say beyond chaining to the CA
 * (issue #14: the CA also issues client certificates, and any client could
 * otherwise pose as the gateway). */
struct cert_policy {
	/* The host the user typed (name or address literal); the certificate
	 * must name it (SAN DNS or IP; the subject CN only for old gateways,
	 * then *cn_only is set to warn). NULL: no host check, when a remote ID
	 * is configured (the ID payload must then match it, and the certificate
	 * must contain the ID). "": refused. */
	const char *host;
	bool cn_only; /* out: the host matched the subject CN, no SAN */
};

/* Check the gateway: the first CERT payload is its certificate, the others
 * intermediates; the chain must end in store (validity dates and, when the
 * store holds CRLs, revocation are checked by OpenSSL), the certificate must
 * name pol->host, allow server or IKE use if it has an extended key usage
 * (RFC 4945 §5.1.3.12), the ID payload must name the certificate, and sig
 * must be the signature of hash under its key. Returns 0, or -1 with the
 * reason in err (and *notify). */
int ike_cert_verify_peer(OSSL_LIB_CTX *lib, X509_STORE *store, const struct isakmp_msg *msg,
                         const struct isakmp_id *peer_id, struct cert_policy *pol,
                         const uint8_t *hash, size_t hash_len, const uint8_t *sig, size_t sig_len,
                         char *err, size_t errlen, uint16_t *notify);
/* The two checks of the leaf alone, for tests: 0, or -1 with the reason. */
int ike_cert_check_host(X509 *leaf, struct cert_policy *pol, char *err, size_t errlen);
int ike_cert_check_eku(X509 *leaf, char *err, size_t errlen);

#endif
