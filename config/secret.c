/* Secrets from files and inline values; see config/secret.h for the rules. */
#include "config/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/hex.h"
#include "lib/util.h"

bool secret_is_set(const struct secret *s)
{
	return s && s->data != NULL;
}

void secret_free(struct secret *s)
{
	if (!s)
		return;
	if (s->data) {
		secure_clear(s->data, s->len + 1);
		free(s->data);
	}
	s->data = NULL;
	s->len = 0;
}

static int secret_set(struct secret *s, const void *src, size_t len)
{
	uint8_t *p = malloc(len + 1);

	if (!p)
		return -1;
	if (len)
		memcpy(p, src, len);
	p[len] = 0;
	secret_free(s);
	s->data = p;
	s->len = len;
	return 0;
}

int secret_copy(struct secret *dst, const struct secret *src)
{
	if (!secret_is_set(src)) {
		secret_free(dst);
		return 0;
	}
	return secret_set(dst, src->data, src->len);
}

int secret_from_string(const char *s, size_t len, struct secret *out, char *err, size_t errlen)
{
	if (len == 0) {
		snprintf(err, errlen, "empty secret");
		return -1;
	}
	if (len > SECRET_MAX_LEN) {
		snprintf(err, errlen, "secret longer than %d bytes", SECRET_MAX_LEN);
		return -1;
	}
	if (secret_set(out, s, len) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int secret_check_private(const struct stat *st, const char *path, char *err, size_t errlen)
{
	if (!S_ISREG(st->st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		return -1;
	}
	if (st->st_uid != 0 && st->st_uid != geteuid() && st->st_uid != getuid()) {
		snprintf(err, errlen,
		         "%s: owned by uid %lu, neither root nor you; run 'chown root: %s'", path,
		         (unsigned long)st->st_uid, path);
		return -1;
	}
	if (st->st_mode & (S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH)) {
		snprintf(err, errlen,
		         "%s: holds a secret but is accessible by group or others (mode %04o); "
		         "run 'chmod 600 %s'",
		         path, (unsigned)(st->st_mode & 07777), path);
		return -1;
	}
	return 0;
}

/* Reads at most max bytes; *len > max means the file is too big. */
static int read_fd(int fd, uint8_t *buf, size_t cap, size_t *len)
{
	size_t n = 0;

	for (;;) {
		ssize_t r = read(fd, buf + n, cap - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == cap)
			break;
	}
	*len = n;
	return 0;
}

static int open_private(const char *path, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		if (errno == ELOOP)
			snprintf(err, errlen, "%s: is a symbolic link; give the real file", path);
		else
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (secret_check_private(&st, path, err, errlen) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int secret_read_file(const char *path, struct secret *out, char *err, size_t errlen)
{
	/* One byte more than allowed, plus room for a CRLF, tells "too big". */
	uint8_t buf[SECRET_MAX_LEN + 3];
	size_t len = 0;
	int fd, rc = -1;

	fd = open_private(path, err, errlen);
	if (fd < 0)
		return -1;
	if (read_fd(fd, buf, sizeof(buf), &len) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	/* Exactly one line end belongs to the file, not to the secret. */
	if (len > 0 && buf[len - 1] == '\n') {
		len--;
		if (len > 0 && buf[len - 1] == '\r')
			len--;
	}
	if (len > SECRET_MAX_LEN) {
		snprintf(err, errlen, "%s: secret longer than %d bytes", path, SECRET_MAX_LEN);
		goto out;
	}
	if (len == 0) {
		snprintf(err, errlen, "%s: the file holds an empty secret", path);
		goto out;
	}
	if (secret_set(out, buf, len) < 0) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	rc = 0;
out:
	secure_clear(buf, sizeof(buf));
	close(fd);
	return rc;
}

int secret_read_blob(const char *path, size_t max, struct secret *out, char *err, size_t errlen)
{
	uint8_t *buf = malloc(max + 1);
	size_t len = 0;
	int fd, rc = -1;

	if (!buf) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	fd = open_private(path, err, errlen);
	if (fd >= 0 && read_fd(fd, buf, max + 1, &len) < 0)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	else if (fd >= 0 && (len == 0 || len > max))
		snprintf(err, errlen, "%s: %s", path, len ? "file too large" : "empty file");
	else if (fd >= 0 && secret_set(out, buf, len) < 0)
		snprintf(err, errlen, "%s: out of memory", path);
	else if (fd >= 0)
		rc = 0;
	if (fd >= 0)
		close(fd);
	secure_clear(buf, max + 1);
	free(buf);
	return rc;
}

/* "0s" + base64: EVP_DecodeBlock counts the '=' padding as zero bytes, so
 * take them off again. */
static long decode_base64(const char *in, size_t len, uint8_t *out)
{
	size_t pad = 0;
	int n;

	if (len == 0 || len % 4 != 0 || len > INT32_MAX)
		return -1;
	n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)len);
	if (n < 0)
		return -1;
	while (pad < 2 && in[len - 1 - pad] == '=')
		pad++;
	return (long)n - (long)pad;
}

int secret_decode_psk(struct secret *s, char *err, size_t errlen)
{
	uint8_t out[SECRET_MAX_LEN];
	const char *text;
	size_t len;
	long n;

	if (!secret_is_set(s) || s->len < 2 || s->data[0] != '0' ||
	    (s->data[1] != 's' && s->data[1] != 'x'))
		return 0;
	text = (const char *)s->data + 2;
	len = s->len - 2;
	if (memchr(text, '\0', len)) {
		snprintf(err, errlen, "encoded pre-shared key contains a NUL byte");
		return -1;
	}
	if (s->data[1] == 's')
		n = decode_base64(text, len, out);
	else
		n = hex_decode(text, out, sizeof(out));
	if (n <= 0) {
		snprintf(err, errlen, "pre-shared key starts with '0%c' but is not valid %s",
		         s->data[1], s->data[1] == 's' ? "base64" : "hex");
		secure_clear(out, sizeof(out));
		return -1;
	}
	n = secret_set(s, out, (size_t)n) < 0 ? -1 : 0;
	secure_clear(out, sizeof(out));
	if (n < 0)
		snprintf(err, errlen, "out of memory");
	return (int)n;
}
