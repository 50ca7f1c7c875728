/* The certificate's private key: PEM or DER (maybe encrypted) or PKCS#12;
 * certificates and CA files as PEM or DER. */
#include "config/keyfile.h"

#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "config/secret.h"

/* OpenSSL's default (a NULL callback) prompts on the terminal: we hand it
 * the configured password, or nothing, and note that one was wanted. */
struct pw_ctx {
	const char *password;
	keyfile_ask_fn ask;
	void *ask_ctx;
	bool asked;
};

static int pem_password(char *buf, int size, int rwflag, void *u)
{
	struct pw_ctx *c = u;
	size_t n;

	(void)rwflag;
	c->asked = true;
	if (!c->password)
		return c->ask ? c->ask(buf, size, rwflag, c->ask_ctx) : -1;
	n = strlen(c->password);
	if (n > (size_t)size)
		return -1;
	memcpy(buf, c->password, n);
	return (int)n;
}

static int parse_p12(const unsigned char *buf, size_t len, const char *password, const char *name,
                     EVP_PKEY **key, X509 **cert, char *err, size_t errlen)
{
	const unsigned char *p = buf;
	PKCS12 *p12 = d2i_PKCS12(NULL, &p, (long)len);
	X509 *c = NULL;
	int rc = -1;

	if (!p12) {
		snprintf(err, errlen, "%s: neither a private key (PEM or DER) nor a PKCS#12 file",
		         name);
		return -1;
	}
	/* An empty and an absent password are both tried by PKCS12_parse. */
	if (!PKCS12_verify_mac(p12, password, -1) &&
	    !(!password && PKCS12_verify_mac(p12, "", 0))) {
		snprintf(err, errlen,
		         password ? "%s: wrong password for this PKCS#12 file (key-password-file)"
		                  : "%s: the PKCS#12 file is protected by a password; give it with "
		                    "key-password-file",
		         name);
		goto out;
	}
	if (!PKCS12_parse(p12, password ? password : "", key, &c, NULL) || !*key) {
		snprintf(err, errlen, "%s: the PKCS#12 file holds no usable private key", name);
		goto out;
	}
	if (cert)
		*cert = c;
	else
		X509_free(c);
	rc = 0;
out:
	PKCS12_free(p12);
	return rc;
}

/* PKCS#12 with a password asked for: only when the file needs one. */
static int parse_p12_asking(const unsigned char *buf, size_t len, struct pw_ctx *pw,
                            const char *name, EVP_PKEY **key, X509 **cert, char *err, size_t errlen)
{
	char asked[1024];
	int n, rc;

	rc = parse_p12(buf, len, pw->password, name, key, cert, err, errlen);
	if (rc == 0 || pw->password || !pw->ask || !strstr(err, "protected by a password"))
		return rc;
	n = pw->ask(asked, (int)sizeof(asked) - 1, 0, pw->ask_ctx);
	if (n < 0)
		return -1;
	asked[n] = '\0';
	rc = parse_p12(buf, len, asked, name, key, cert, err, errlen);
	OPENSSL_cleanse(asked, sizeof(asked));
	return rc;
}

/* A DER private key: PKCS#8 or the traditional RSA/EC forms, or an
 * encrypted PKCS#8 (password as for PEM). NULL when buf is none of them. */
static EVP_PKEY *parse_der_key(const unsigned char *buf, size_t len, struct pw_ctx *pw)
{
	const unsigned char *p = buf;
	EVP_PKEY *key = d2i_AutoPrivateKey(NULL, &p, (long)len);
	BIO *bio;

	if (key && p == buf + len)
		return key;
	EVP_PKEY_free(key);
	key = NULL;
	bio = BIO_new_mem_buf(buf, (int)len);
	if (bio)
		key = d2i_PKCS8PrivateKey_bio(bio, NULL, pem_password, pw);
	BIO_free(bio);
	ERR_clear_error();
	return key;
}

/* Not PEM: PKCS#12, else a DER key. */
static int parse_binary(const unsigned char *buf, size_t len, struct pw_ctx *pw, const char *name,
                        EVP_PKEY **key, X509 **cert, char *err, size_t errlen)
{
	const unsigned char *p = buf;
	PKCS12 *p12 = d2i_PKCS12(NULL, &p, (long)len);

	ERR_clear_error();
	if (p12) {
		PKCS12_free(p12);
		return parse_p12_asking(buf, len, pw, name, key, cert, err, errlen);
	}
	*key = parse_der_key(buf, len, pw);
	if (*key)
		return 0;
	if (pw->asked && !pw->password)
		snprintf(
		    err, errlen,
		    "%s: the private key is encrypted; give its password with key-password-file",
		    name);
	else if (pw->asked)
		snprintf(err, errlen, "%s: cannot decrypt the private key: wrong key password?",
		         name);
	else
		snprintf(err, errlen, "%s: neither a private key (PEM or DER) nor a PKCS#12 file",
		         name);
	return -1;
}

int keyfile_parse(const unsigned char *buf, size_t len, const char *password, keyfile_ask_fn ask,
                  void *ask_ctx, const char *name, EVP_PKEY **key, X509 **cert, char *err,
                  size_t errlen)
{
	struct pw_ctx pw = {password, ask, ask_ctx, false};
	BIO *bio;

	*key = NULL;
	if (cert)
		*cert = NULL;
	if (len > KEYFILE_MAX_LEN) {
		snprintf(err, errlen, "%s: file too large", name);
		return -1;
	}
	if (!memmem(buf, len, "-----BEGIN", 10))
		return parse_binary(buf, len, &pw, name, key, cert, err, errlen);
	bio = BIO_new_mem_buf(buf, (int)len);
	if (bio)
		*key = PEM_read_bio_PrivateKey(bio, NULL, pem_password, &pw);
	BIO_free(bio);
	ERR_clear_error();
	if (*key)
		return 0;
	if (pw.asked && !password)
		snprintf(
		    err, errlen,
		    "%s: the private key is encrypted; give its password with key-password-file",
		    name);
	else if (pw.asked)
		snprintf(err, errlen, "%s: cannot decrypt the private key: wrong key password?",
		         name);
	else
		snprintf(err, errlen, "%s: no PEM private key in the file", name);
	return -1;
}

int keyfile_load(const char *key_path, const char *password_path, keyfile_ask_fn ask, void *ask_ctx,
                 EVP_PKEY **key, X509 **cert, char *err, size_t errlen)
{
	struct secret blob = {0}, pw = {0};
	int rc = -1;

	if (secret_read_blob(key_path, KEYFILE_MAX_LEN, &blob, err, errlen) < 0)
		return -1;
	if (password_path && secret_read_file(password_path, &pw, err, errlen) < 0)
		goto out;
	rc = keyfile_parse(blob.data, blob.len, pw.data ? (const char *)pw.data : NULL, ask,
	                   ask_ctx, key_path, key, cert, err, errlen);
out:
	secret_free(&blob);
	secret_free(&pw);
	return rc;
}

X509 *keyfile_load_cert(const char *path, char *err, size_t errlen)
{
	BIO *bio = BIO_new_file(path, "rb");
	X509 *x = NULL;

	if (!bio) {
		snprintf(err, errlen, "cannot read %s", path);
		ERR_clear_error();
		return NULL;
	}
	x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	if (!x && BIO_reset(bio) == 0)
		x = d2i_X509_bio(bio, NULL);
	BIO_free(bio);
	ERR_clear_error();
	if (!x)
		snprintf(err, errlen, "%s: no certificate in it (PEM or DER)", path);
	return x;
}

int keyfile_load_ca(X509_STORE *store, const char *path, char *err, size_t errlen)
{
	X509 *x;
	int ok;

	if (X509_STORE_load_file(store, path) == 1)
		return 0;
	ERR_clear_error();
	x = keyfile_load_cert(path, err, errlen);
	if (!x)
		return -1;
	ok = X509_STORE_add_cert(store, x);
	X509_free(x);
	if (!ok)
		snprintf(err, errlen, "%s: cannot use this CA certificate", path);
	return ok ? 0 : -1;
}
