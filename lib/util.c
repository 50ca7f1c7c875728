#include "lib/util.h"

#include <errno.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

void secure_clear(void *p, size_t len)
{
	if (p && len)
		OPENSSL_cleanse(p, len);
}

int random_bytes(void *buf, size_t len)
{
	unsigned char *out = buf;

	/* RAND_bytes takes an int; split very large requests. */
	while (len > 0) {
		int chunk = len > INT_MAX ? INT_MAX : (int)len;

		if (RAND_bytes(out, chunk) != 1)
			return -1;
		out += chunk;
		len -= (size_t)chunk;
	}
	return 0;
}

int secure_memcmp(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0 ? 0 : 1;
}

int secure_no_core_dumps(void)
{
	struct rlimit none = {0, 0};
	int rc = 0;

	if (setrlimit(RLIMIT_CORE, &none) < 0)
		rc = -1;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		rc = -1;
	return rc;
}

int fd_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
