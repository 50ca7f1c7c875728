/* Small helpers every layer needs: sizes, secure clearing, secure random. */
#ifndef L2TPSEC_LIB_UTIL_H
#define L2TPSEC_LIB_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* Clear memory that held a secret; never optimised away (OPENSSL_cleanse). */
void secure_clear(void *p, size_t len);

/* Fill buf with cryptographically secure random bytes (OpenSSL RAND_bytes).
 * Returns 0, or -1 when the generator failed (callers must not go on). */
int random_bytes(void *buf, size_t len);

/* Constant-time comparison: 0 when equal. For MACs and authenticators. */
int secure_memcmp(const void *a, const void *b, size_t len);

/* For processes that hold secrets: no core file (RLIMIT_CORE 0) and not
 * dumpable (no core, no ptrace or /proc/PID/mem by other users). 0 or -1. */
int secure_no_core_dumps(void);

/* write(2) until all of buf is written, again after EINTR: 0, or -1 with
 * errno (a closed pipe, a full disk). */
int fd_write_all(int fd, const void *buf, size_t len);

#endif
