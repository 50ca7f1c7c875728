/*
 * The event loop every layer runs on: epoll for file descriptors, a binary
 * min-heap of timers (the epoll timeout is the nearest deadline), signalfd for
 * signals and SIGCHLD-driven child watching. Nothing blocks; callbacks run on
 * the loop's thread. All state lives in struct loop: several loops can exist
 * side by side (tests do).
 */
#ifndef L2TPSEC_LIB_LOOP_H
#define L2TPSEC_LIB_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct loop;

#define LOOP_READ  0x1u
#define LOOP_WRITE 0x2u
#define LOOP_ERROR 0x4u /* reported only: EPOLLERR / EPOLLHUP */

typedef void (*loop_io_fn)(struct loop *loop, int fd, unsigned events, void *ctx);
typedef void (*loop_signal_fn)(struct loop *loop, int signo, void *ctx);
/* status as from waitpid(2) */
typedef void (*loop_child_fn)(struct loop *loop, pid_t pid, int status, void *ctx);

struct loop_timer;
typedef void (*loop_timer_fn)(struct loop *loop, struct loop_timer *timer, void *ctx);

/* Embedded in the owner's struct; the loop never allocates or frees it. */
struct loop_timer {
	uint64_t expires_ms; /* monotonic: fires by then at the latest */
	uint64_t early_ms;   /* may fire from then on if the loop is awake anyway */
	uint64_t seq;        /* ties broken by start order */
	size_t heap_idx;     /* 0 = not pending, else 1-based heap slot */
	loop_timer_fn fn;
	void *ctx;
};

struct loop *loop_new(void);
void loop_free(struct loop *loop);

/* Watch fd for LOOP_READ and/or LOOP_WRITE. One registration per fd. */
int loop_add_fd(struct loop *loop, int fd, unsigned events, loop_io_fn fn, void *ctx);
int loop_mod_fd(struct loop *loop, int fd, unsigned events);
/* Safe to call from any callback, also for the fd being dispatched. */
void loop_del_fd(struct loop *loop, int fd);

void loop_timer_init(struct loop_timer *t, loop_timer_fn fn, void *ctx);
/* (Re)arm t to fire once, ms milliseconds from now. */
int loop_timer_start(struct loop *loop, struct loop_timer *t, uint64_t ms);
/* Like loop_timer_start(), but t may also fire up to slack_ms early, when
 * the loop wakes within that window for another timer or an fd: periodic
 * keepalives then share wakeups instead of each costing one at rest
 * (issue 16). The loop never sleeps past ms for t. */
int loop_timer_start_slack(struct loop *loop, struct loop_timer *t, uint64_t ms, uint64_t slack_ms);
/* Activity made a pending keepalive t unneeded for now: move it to fire
 * within [base_ms + ms - slack_ms, base_ms + ms] (base_ms from this loop's
 * clock, e.g. loop_round_ms(): no clock read), so that it costs no wakeup
 * of its own at its old time. Only when its old deadline is before that
 * window: per-packet callers pay a comparison, a move per slack at most. */
void loop_timer_defer(struct loop *loop, struct loop_timer *t, uint64_t base_ms, uint64_t ms,
                      uint64_t slack_ms);
void loop_timer_stop(struct loop *loop, struct loop_timer *t);
static inline bool loop_timer_pending(const struct loop_timer *t)
{
	return t->heap_idx != 0;
}
/* Milliseconds until t fires, 0 if due or not pending. */
uint64_t loop_timer_remaining(struct loop *loop, const struct loop_timer *t);

/* Monotonic clock in milliseconds (CLOCK_MONOTONIC). */
uint64_t loop_now_ms(struct loop *loop);
/* The same clock in nanoseconds: for time slices within one callback. */
uint64_t loop_now_ns(void);
/* The monotonic time the loop woke up for the callbacks it is running, read
 * once per round: a time stamp per packet without a clock read each (a
 * system call on guests without a vDSO clock). Outside loop_run_once(), the
 * time of the last round (0 before the first). */
uint64_t loop_round_ms(const struct loop *loop);

/* Deliver signo through the loop instead of a handler: the signal is blocked
 * for the process and read from a signalfd. One callback per signal. */
int loop_add_signal(struct loop *loop, int signo, loop_signal_fn fn, void *ctx);
void loop_del_signal(struct loop *loop, int signo);

/* Call fn once when child pid exits (reaps it). */
int loop_watch_child(struct loop *loop, pid_t pid, loop_child_fn fn, void *ctx);
void loop_unwatch_child(struct loop *loop, pid_t pid);

/* In a forked child before exec: undo the signal blocking the loop did. */
void loop_child_reset_signals(void);

/* Dispatch one round of events, waiting at most timeout_ms (-1: until the
 * next timer or event). Returns the number of callbacks run or -1. */
int loop_run_once(struct loop *loop, int timeout_ms);
/* Run until loop_quit() is called from a callback during this run; returns
 * the code given to it. */
int loop_run(struct loop *loop);
void loop_quit(struct loop *loop, int code);
bool loop_quitting(const struct loop *loop);

#endif
