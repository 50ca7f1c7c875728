/* Signals and child processes for the event loop (signalfd + waitpid). */
#include "lib/loop.h"
#include "lib/loop_internal.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

static void reap_children(struct loop *loop);

static void on_signalfd(struct loop *loop, int fd, unsigned events, void *ctx)
{
	struct signalfd_siginfo si;

	(void)events;
	(void)ctx;
	for (;;) {
		ssize_t n = read(fd, &si, sizeof(si));

		if (n != (ssize_t)sizeof(si))
			return; /* EAGAIN: drained */
		if (si.ssi_signo == SIGCHLD)
			reap_children(loop);
		if (si.ssi_signo < LOOP_NSIG && loop->signals[si.ssi_signo].fn)
			loop->signals[si.ssi_signo].fn(loop, (int)si.ssi_signo,
						       loop->signals[si.ssi_signo].ctx);
	}
}

/* Block signo and (re)create the signalfd with the enlarged mask. */
static int block_signal(struct loop *loop, int signo)
{
	sigset_t one;
	int fd;

	if (sigismember(&loop->sigmask, signo))
		return 0;
	sigemptyset(&one);
	sigaddset(&one, signo);
	if (sigprocmask(SIG_BLOCK, &one, NULL) < 0)
		return -1;
	sigaddset(&loop->sigmask, signo);
	fd = signalfd(loop->sigfd, &loop->sigmask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -1;
	if (loop->sigfd < 0) {
		loop->sigfd = fd;
		if (loop_add_fd(loop, fd, LOOP_READ, on_signalfd, NULL) < 0)
			return -1;
	}
	return 0;
}

int loop_add_signal(struct loop *loop, int signo, loop_signal_fn fn, void *ctx)
{
	if (signo <= 0 || signo >= LOOP_NSIG || signo == SIGKILL || signo == SIGSTOP) {
		errno = EINVAL;
		return -1;
	}
	if (block_signal(loop, signo) < 0)
		return -1;
	loop->signals[signo].fn = fn;
	loop->signals[signo].ctx = ctx;
	return 0;
}

void loop_del_signal(struct loop *loop, int signo)
{
	if (signo > 0 && signo < LOOP_NSIG) {
		loop->signals[signo].fn = NULL;
		loop->signals[signo].ctx = NULL;
	}
}

int loop_watch_child(struct loop *loop, pid_t pid, loop_child_fn fn, void *ctx)
{
	struct loop_child *c;

	if (pid <= 0 || !fn) {
		errno = EINVAL;
		return -1;
	}
	if (block_signal(loop, SIGCHLD) < 0)
		return -1;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -1;
	c->pid = pid;
	c->fn = fn;
	c->ctx = ctx;
	c->next = loop->children;
	loop->children = c;
	/* The child may have exited before SIGCHLD was blocked. */
	reap_children(loop);
	return 0;
}

void loop_unwatch_child(struct loop *loop, pid_t pid)
{
	for (struct loop_child **pp = &loop->children; *pp; pp = &(*pp)->next) {
		if ((*pp)->pid == pid) {
			struct loop_child *c = *pp;

			*pp = c->next;
			free(c);
			return;
		}
	}
}

/* SIGCHLD coalesces, so ask about every watched child each time. Only our
 * own children are reaped: other code's children are left alone. */
static void reap_children(struct loop *loop)
{
	struct loop_child **pp = &loop->children;

	while (*pp) {
		struct loop_child *c = *pp;
		int status;
		pid_t r = waitpid(c->pid, &status, WNOHANG);

		if (r == c->pid || (r < 0 && errno == ECHILD)) {
			*pp = c->next;
			c->fn(loop, c->pid, r == c->pid ? status : -1, c->ctx);
			free(c);
			pp = &loop->children; /* the callback may have changed the list */
			continue;
		}
		pp = &c->next;
	}
}

void loop_child_reset_signals(void)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}
