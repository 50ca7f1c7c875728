#include "lib/util.h"

#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

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
