/* The certificate's private key file (issue #14 finding 4): private like
 * the other secret files, PEM plain or encrypted with a password file,
 * PKCS#12 with or without a password; never a terminal prompt (a missing
 * password is an error naming key-password-file). Keys and bundles are made
 * at test time with OpenSSL into a temporary directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "config/keyfile.h"
#include "tests/unit/test_profile_util.c" /* shared static helpers */

static char tmpdir[TEMP_DIR_MAX];
static EVP_PKEY *pkey;
static X509 *cert;

static int setup(void **state)
{
	(void)state;
	pkey = EVP_EC_gen("P-256");
	cert = X509_new();
	if (!pkey || !cert)
		return -1;
	X509_set_version(cert, 2);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC,
	                           (const unsigned char *)"client.example", -1, -1, 0);
	X509_set_issuer_name(cert, X509_get_subject_name(cert));
	X509_gmtime_adj(X509_getm_notBefore(cert), 0);
	X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
	X509_set_pubkey(cert, pkey);
	X509_sign(cert, pkey, EVP_sha256());
	return make_temp_dir(tmpdir);
}

static int teardown(void **state)
{
	(void)state;
	remove_temp_dir(tmpdir);
	X509_free(cert);
	EVP_PKEY_free(pkey);
	return 0;
}

/* name in tmpdir with mode: the key as PEM (encrypted when pass), or as
 * PKCS#12 when p12. */
static void write_key(const char *name, const char *pass, bool p12, mode_t mode, char *path)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long len;

	if (p12) {
		PKCS12 *bundle = PKCS12_create(pass, "client", pkey, cert, NULL, 0, 0, 0, 0, 0);

		assert_non_null(bundle);
		assert_int_equal(i2d_PKCS12_bio(b, bundle), 1);
		PKCS12_free(bundle);
	} else {
		assert_int_equal(PEM_write_bio_PrivateKey(b, pkey, pass ? EVP_aes_256_cbc() : NULL,
		                                          NULL, 0, NULL, (void *)pass),
		                 1);
	}
	len = BIO_get_mem_data(b, &data);
	assert_int_equal(write_file_mode(tmpdir, name, data, (size_t)len, mode, path), 0);
	BIO_free(b);
}

static int load(const char *key, const char *password, bool want_cert, char *err, size_t errlen)
{
	char pwpath[512];
	EVP_PKEY *k = NULL;
	X509 *c = NULL;
	int rc;

	if (password)
		assert_int_equal(
		    write_file_mode(tmpdir, "pw", password, strlen(password), 0600, pwpath), 0);
	rc = keyfile_load(key, password ? pwpath : NULL, NULL, NULL, &k, want_cert ? &c : NULL, err,
	                  errlen);
	if (rc == 0) {
		assert_int_equal(EVP_PKEY_eq(k, pkey), 1);
		if (want_cert)
			assert_int_equal(X509_cmp(c, cert), 0);
	}
	EVP_PKEY_free(k);
	X509_free(c);
	return rc;
}

static void test_pem_plain_and_encrypted(void **state)
{
	char path[512], err[512] = "";

	(void)state;
	write_key("plain.pem", NULL, false, 0600, path);
	assert_int_equal(load(path, NULL, false, err, sizeof(err)), 0);
	write_key("enc.pem", "s3cret", false, 0600, path);
	assert_int_equal(load(path, NULL, false, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "encrypted; give its password with key-password-file"));
	assert_int_equal(load(path, "wrong", false, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "wrong key password"));
	assert_int_equal(load(path, "s3cret", false, err, sizeof(err)), 0);
}

static int ask_s3cret(char *buf, int size, int rwflag, void *ctx)
{
	(void)rwflag;
	++*(int *)ctx;
	if (size < 6)
		return -1;
	memcpy(buf, "s3cret", 6);
	return 6;
}

/* Without key-password-file the caller's prompt is asked, once, and only
 * when the file needs a password. */
static void test_password_asked_when_needed(void **state)
{
	char path[512], err[512] = "";
	EVP_PKEY *k = NULL;
	X509 *c = NULL;
	int asked = 0;

	(void)state;
	write_key("enc2.pem", "s3cret", false, 0600, path);
	assert_int_equal(keyfile_load(path, NULL, ask_s3cret, &asked, &k, NULL, err, sizeof(err)),
	                 0);
	assert_int_equal(asked, 1);
	EVP_PKEY_free(k);
	write_key("ask.p12", "s3cret", true, 0600, path);
	assert_int_equal(keyfile_load(path, NULL, ask_s3cret, &asked, &k, &c, err, sizeof(err)), 0);
	assert_int_equal(asked, 2);
	EVP_PKEY_free(k);
	X509_free(c);
	write_key("plain2.pem", NULL, false, 0600, path);
	assert_int_equal(keyfile_load(path, NULL, ask_s3cret, &asked, &k, NULL, err, sizeof(err)),
	                 0);
	assert_int_equal(asked, 2);
	EVP_PKEY_free(k);
}

static void test_pkcs12(void **state)
{
	char path[512], err[512] = "";

	(void)state;
	write_key("client.p12", "s3cret", true, 0600, path);
	assert_int_equal(load(path, "s3cret", true, err, sizeof(err)), 0);
	assert_int_equal(load(path, NULL, true, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "protected by a password; give it with key-password-file"));
	assert_int_equal(load(path, "wrong", true, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "wrong password"));
	write_key("nopass.p12", NULL, true, 0600, path);
	assert_int_equal(load(path, NULL, true, err, sizeof(err)), 0);
}

/* The key as DER: PKCS#8 (encrypted when pass), or the traditional EC form. */
static void write_der_key(const char *name, const char *pass, bool traditional, char *path)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long len;

	if (traditional)
		assert_true(i2d_PrivateKey_bio(b, pkey) > 0);
	else
		assert_int_equal(i2d_PKCS8PrivateKey_bio(b, pkey, pass ? EVP_aes_256_cbc() : NULL,
		                                         NULL, 0, NULL, (void *)pass),
		                 1);
	len = BIO_get_mem_data(b, &data);
	assert_int_equal(write_file_mode(tmpdir, name, data, (size_t)len, 0600, path), 0);
	BIO_free(b);
}

static void test_der_keys(void **state)
{
	char path[512], err[512] = "";

	(void)state;
	write_der_key("pkcs8.der", NULL, false, path);
	assert_int_equal(load(path, NULL, false, err, sizeof(err)), 0);
	write_der_key("ec.der", NULL, true, path);
	assert_int_equal(load(path, NULL, false, err, sizeof(err)), 0);
	write_der_key("enc.der", "s3cret", false, path);
	assert_int_equal(load(path, "s3cret", false, err, sizeof(err)), 0);
	assert_int_equal(load(path, "wrong", false, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "wrong key password"));
	assert_int_equal(load(path, NULL, false, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "encrypted; give its password with key-password-file"));
}

/* Certificates and CA files, PEM or DER. */
static void test_certificates_pem_and_der(void **state)
{
	char pem[512], der[512], junk[512], err[512] = "";
	unsigned char *buf = NULL;
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long len;
	int n = i2d_X509(cert, &buf);
	X509 *x;
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();

	(void)state;
	assert_true(n > 0);
	assert_int_equal(write_file_mode(tmpdir, "c.der", (char *)buf, (size_t)n, 0644, der), 0);
	OPENSSL_free(buf);
	assert_int_equal(PEM_write_bio_X509(b, cert), 1);
	len = BIO_get_mem_data(b, &data);
	assert_int_equal(write_file_mode(tmpdir, "c.pem", data, (size_t)len, 0644, pem), 0);
	BIO_free(b);
	assert_int_equal(write_file_mode(tmpdir, "junk", "\x30\x03\x02\x01\x03", 5, 0644, junk), 0);
	for (int i = 0; i < 2; i++) {
		x = keyfile_load_cert(i ? der : pem, err, sizeof(err));
		assert_non_null(x);
		assert_int_equal(X509_cmp(x, cert), 0);
		X509_free(x);
	}
	assert_null(keyfile_load_cert(junk, err, sizeof(err)));
	assert_non_null(strstr(err, "no certificate in it (PEM or DER)"));
	assert_null(keyfile_load_cert("/nonexistent/c.pem", err, sizeof(err)));
	/* a DER CA file makes a store in which the (self-signed) cert verifies */
	assert_int_equal(keyfile_load_ca(store, der, err, sizeof(err)), 0);
	assert_int_equal(X509_STORE_CTX_init(ctx, store, cert, NULL), 1);
	assert_int_equal(X509_verify_cert(ctx), 1);
	assert_int_equal(keyfile_load_ca(store, junk, err, sizeof(err)), -1);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
}

/* The rules of every secret file: private, no symlink. */
static void test_key_file_must_be_private(void **state)
{
	char path[512], link[600], err[512] = "";

	(void)state;
	write_key("open.pem", NULL, false, 0644, path);
	assert_int_equal(load(path, NULL, false, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "chmod 600"));
	write_key("target.pem", NULL, false, 0600, path);
	snprintf(link, sizeof(link), "%s/link.pem", tmpdir);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(load(link, NULL, false, err, sizeof(err)), -1);
	assert_int_equal(unlink(link), 0);
}

static void test_garbage_is_an_error(void **state)
{
	EVP_PKEY *k = NULL;
	X509 *c = NULL;
	char err[256] = "";
	static const unsigned char junk[] = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END";

	(void)state;
	assert_int_equal(
	    keyfile_parse(junk, sizeof(junk) - 1, NULL, NULL, NULL, "j", &k, &c, err, sizeof(err)),
	    -1);
	assert_null(k);
	assert_int_equal(keyfile_parse((const unsigned char *)"\x30\x03\x02\x01\x03", 5, NULL, NULL,
	                               NULL, "d", &k, &c, err, sizeof(err)),
	                 -1);
	assert_non_null(strstr(err, "neither a private key (PEM or DER) nor a PKCS#12 file"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pem_plain_and_encrypted),
	    cmocka_unit_test(test_pkcs12),
	    cmocka_unit_test(test_der_keys),
	    cmocka_unit_test(test_certificates_pem_and_der),
	    cmocka_unit_test(test_password_asked_when_needed),
	    cmocka_unit_test(test_key_file_must_be_private),
	    cmocka_unit_test(test_garbage_is_an_error),
	};

	return cmocka_run_group_tests_name("keyfile", tests, setup, teardown);
}
