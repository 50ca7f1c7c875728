/* Test helper: can another local user take over one of our UDP ports?
 * A child drops to uid/gid 65534 (nobody), sets both SO_REUSEADDR and
 * SO_REUSEPORT (what an attacker would set) and binds the same address and
 * port as our socket, then connects to the same peer, as the local port
 * hijack of issue #14 does. */
#ifndef L2TPSEC_TESTS_UNIT_HIJACK_H
#define L2TPSEC_TESTS_UNIT_HIJACK_H

#include <errno.h>
#include <grp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

enum hijack_result {
	HIJACK_DENIED = 0,   /* bind refused (EADDRINUSE): the port is ours */
	HIJACK_BOUND = 1,    /* bound and connected: it could steal traffic */
	HIJACK_UNTESTED = 2, /* not root: cannot become another user */
	HIJACK_ERROR = 3,    /* the child failed otherwise */
};

static inline int hijack_child(const struct sockaddr_in *local, const struct sockaddr_in *peer)
{
	int one = 1, fd;

	if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		return HIJACK_ERROR;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return HIJACK_ERROR;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)local, sizeof(*local)) < 0)
		return errno == EADDRINUSE ? HIJACK_DENIED : HIJACK_ERROR;
	if (connect(fd, (const struct sockaddr *)peer, sizeof(*peer)) < 0)
		return HIJACK_ERROR;
	return HIJACK_BOUND;
}

/* local: the address and port to take (127.0.0.1:our port). */
static inline enum hijack_result try_hijack_as_nobody(const struct sockaddr_in *local,
                                                      const struct sockaddr_in *peer)
{
	int status;
	pid_t pid;

	if (geteuid() != 0)
		return HIJACK_UNTESTED;
	pid = fork();
	if (pid == 0)
		_exit(hijack_child(local, peer));
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) > HIJACK_BOUND)
		return HIJACK_ERROR;
	return (enum hijack_result)WEXITSTATUS(status);
}

#endif
