/* Private to lib/loop*.c: the loop's state, shared by its two files. */
#ifndef L2TPSEC_LIB_LOOP_INTERNAL_H
#define L2TPSEC_LIB_LOOP_INTERNAL_H

#include <signal.h>
#include <stdbool.h>

#include "lib/loop.h"

#define LOOP_MAX_EVENTS 32
#define LOOP_NSIG       65

struct loop_fd {
	int fd;
	loop_io_fn fn; /* NULL once deleted; freed after the dispatch round */
	void *ctx;
	struct loop_fd *next;
};

struct loop_child {
	pid_t pid;
	loop_child_fn fn;
	void *ctx;
	struct loop_child *next;
};

struct loop_signal {
	loop_signal_fn fn;
	void *ctx;
};

struct loop {
	int epfd;
	int sigfd;
	sigset_t sigmask;
	struct loop_fd *fds;      /* live registrations */
	struct loop_fd *dead_fds; /* deleted during dispatch */
	struct loop_timer **heap; /* 1-based binary min-heap */
	size_t heap_len, heap_cap;
	uint64_t timer_seq;
	size_t slack_timers; /* pending timers with early_ms < expires_ms */
	uint64_t round_ms;   /* loop_round_ms() */
	struct loop_signal signals[LOOP_NSIG];
	struct loop_child *children;
	bool quit;
	int quit_code;
};

#endif
