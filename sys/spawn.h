/* Running short helper programs (resolvectl, resolvconf, hook scripts) with
 * a clean environment: no secret ever travels in argv or envp. */
#ifndef L2TPSEC_CLIENT_SPAWN_H
#define L2TPSEC_CLIENT_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

/* Runs argv[0] (absolute path) with envp (NULL: a minimal PATH only), feeding
 * stdin_data (may be NULL) on its standard input, and waits for it.
 * Returns its exit status, or -1 when it could not run or was killed. */
int spawn_wait(char *const argv[], char *const envp[], const char *stdin_data);

/* Starts argv[0] like spawn_wait, in a process group of its own (so that a
 * timeout can kill what it started too), without waiting: the caller watches
 * the pid (loop_watch_child). Returns the pid or -1. */
pid_t spawn_start(char *const argv[], char *const envp[]);

/* First executable of that name in /usr/sbin:/usr/bin:/sbin:/bin, or NULL. */
const char *spawn_find(const char *name, char *buf, size_t bufsz);

#endif
