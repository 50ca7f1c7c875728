/*
 * Secrets from files and configuration values: pre-shared keys, passwords.
 *
 * A file that holds a secret must be private: owned by root or by the user
 * running l2tpsec, and neither readable nor writable by group or others
 * (anyone who can write it can swap the key we trust). It is opened with
 * O_NOFOLLOW so a symlink cannot redirect us to another file, and it is
 * checked with fstat() on the descriptor we read, never on the path.
 *
 * A secret lives in a heap buffer that secret_free() clears before freeing.
 * The buffer has one extra NUL byte after the secret so a password can be
 * handed to code that wants a C string; the secret itself may hold any byte.
 */
#ifndef L2TPSEC_CLIENT_SECRET_H
#define L2TPSEC_CLIENT_SECRET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#define SECRET_MAX_LEN 4096

struct secret {
	uint8_t *data; /* NULL when there is no secret; data[len] == 0 */
	size_t len;
};

/* Reads the secret in the file at path. One trailing "\n" or "\r\n" is not
 * part of the secret; an empty secret and files over SECRET_MAX_LEN bytes are
 * refused. Returns 0, or -1 with a message naming the file in err. */
int secret_read_file(const char *path, struct secret *out, char *err, size_t errlen);

/* The whole private file at path as it is (no line end taken off: a DER or
 * PKCS#12 key file is binary), at most max bytes; same checks. */
int secret_read_blob(const char *path, size_t max, struct secret *out, char *err, size_t errlen);

/* Copies len bytes of s into a new secret (an inline configuration value).
 * Empty values are refused. Returns 0 or -1 with a message in err. */
int secret_from_string(const char *s, size_t len, struct secret *out, char *err, size_t errlen);

/* Decodes a pre-shared key written as "0s" + base64 (Libreswan's notation)
 * or "0x" + hex, in place. Any other secret is left as it is. Returns 0, or
 * -1 with a message in err when the encoding is bad or decodes to nothing. */
int secret_decode_psk(struct secret *s, char *err, size_t errlen);

/* Replaces *dst by a copy of src (which may be empty). Returns 0 or -1. */
int secret_copy(struct secret *dst, const struct secret *src);

bool secret_is_set(const struct secret *s);

/* Clears and frees; *s is empty afterwards. Safe on an empty secret. */
void secret_free(struct secret *s);

/* The permission rule for files holding secrets, on an open descriptor's
 * fstat: 0 when private, else -1 with "PATH: REASON; run 'chmod 600 PATH'"
 * (or the chown advice) in err. */
int secret_check_private(const struct stat *st, const char *path, char *err, size_t errlen);

#endif
