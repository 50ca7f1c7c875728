/*
 * The certificate's private key file (issue #14 finding 4): read like the
 * PSK and password files (private, O_NOFOLLOW, checked on the descriptor),
 * as PEM (plain or encrypted) or PKCS#12 (.p12/.pfx, what RRAS, UniFi and
 * NetworkManager users are handed), or DER (PKCS#8, maybe encrypted, or the
 * traditional RSA/EC forms). The password comes from a private file,
 * or from the caller's ask callback (the password prompt's rules); OpenSSL's
 * own terminal prompt is never used.
 */
#ifndef L2TPSEC_CONFIG_KEYFILE_H
#define L2TPSEC_CONFIG_KEYFILE_H

#include <stddef.h>

#include <openssl/types.h>

/* Largest key file read: a PKCS#12 bundle with a chain of several CAs. */
#define KEYFILE_MAX_LEN (64 * 1024)

/* Asks for the key's password (OpenSSL's pem_password_cb shape): its length
 * in buf, or -1. */
typedef int (*keyfile_ask_fn)(char *buf, int size, int rwflag, void *ctx);

/* Loads the key at key_path; password_path may be NULL (unencrypted key, or
 * ask, when not NULL, is called for the password).
 * With PKCS#12, *cert is set to its certificate when cert is not NULL (the
 * caller's cert file then becomes optional); other certificates in the
 * bundle are ignored: trust comes only from the configured CA file.
 * Returns 0, or -1 with a message naming the file and what to do in err. */
int keyfile_load(const char *key_path, const char *password_path, keyfile_ask_fn ask, void *ask_ctx,
                 EVP_PKEY **key, X509 **cert, char *err, size_t errlen);

/* The same from memory (for tests and fuzzing); password may be NULL. */
int keyfile_parse(const unsigned char *buf, size_t len, const char *password, keyfile_ask_fn ask,
                  void *ask_ctx, const char *name, EVP_PKEY **key, X509 **cert, char *err,
                  size_t errlen);

/* A certificate (the client's, or a CA) as PEM or DER; not a secret, read
 * as is. NULL with the reason in err. */
X509 *keyfile_load_cert(const char *path, char *err, size_t errlen);
/* The trust anchors of path into store: PEM (one or more certificates and
 * CRLs) or one DER certificate. 0, or -1 with the reason in err. */
int keyfile_load_ca(X509_STORE *store, const char *path, char *err, size_t errlen);

#endif
