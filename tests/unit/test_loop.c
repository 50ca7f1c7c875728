/* Unit tests for lib/loop: timer order, fds, signals, children. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/loop.h"

struct order {
	int seen[16];
	int n;
	int stop_after;
};

struct tagged_timer {
	struct loop_timer t;
	struct order *order;
	int tag;
};

static void record_timer(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct tagged_timer *tt = ctx;

	(void)t;
	tt->order->seen[tt->order->n++] = tt->tag;
	if (tt->order->n == tt->order->stop_after)
		loop_quit(loop, 42);
}

static void test_timers_fire_in_deadline_order(void **state)
{
	struct loop *loop = loop_new();
	struct order order = {.stop_after = 5};
	struct tagged_timer t[5];
	const uint64_t delays[5] = {30, 10, 20, 10, 0};

	(void)state;
	assert_non_null(loop);
	for (int i = 0; i < 5; i++) {
		t[i].order = &order;
		t[i].tag = i;
		loop_timer_init(&t[i].t, record_timer, &t[i]);
		assert_int_equal(loop_timer_start(loop, &t[i].t, delays[i]), 0);
		assert_true(loop_timer_pending(&t[i].t));
	}
	assert_int_equal(loop_run(loop), 42);
	/* 0ms, then the two 10ms timers in start order, then 20, then 30 */
	assert_int_equal(order.seen[0], 4);
	assert_int_equal(order.seen[1], 1);
	assert_int_equal(order.seen[2], 3);
	assert_int_equal(order.seen[3], 2);
	assert_int_equal(order.seen[4], 0);
	for (int i = 0; i < 5; i++)
		assert_false(loop_timer_pending(&t[i].t));
	loop_free(loop);
}

static void test_timer_stop_and_restart(void **state)
{
	struct loop *loop = loop_new();
	struct order order = {.stop_after = 2};
	struct tagged_timer t[3];

	(void)state;
	for (int i = 0; i < 3; i++) {
		t[i].order = &order;
		t[i].tag = i;
		loop_timer_init(&t[i].t, record_timer, &t[i]);
	}
	loop_timer_start(loop, &t[0].t, 5);
	loop_timer_start(loop, &t[1].t, 10);
	loop_timer_start(loop, &t[2].t, 15);
	loop_timer_stop(loop, &t[0].t);
	loop_timer_stop(loop, &t[0].t);      /* stopping twice is harmless */
	loop_timer_start(loop, &t[1].t, 40); /* restart pushes it back */
	assert_true(loop_timer_remaining(loop, &t[1].t) > 15);
	assert_int_equal(loop_run(loop), 42);
	assert_int_equal(order.seen[0], 2);
	assert_int_equal(order.seen[1], 1);
	assert_int_equal(order.n, 2);
	loop_free(loop);
}

static void test_timer_waits_its_time(void **state)
{
	struct loop *loop = loop_new();
	struct order order = {.stop_after = 1};
	struct tagged_timer t = {.order = &order};
	uint64_t start = loop_now_ms(loop);

	(void)state;
	loop_timer_init(&t.t, record_timer, &t);
	loop_timer_start(loop, &t.t, 50);
	assert_int_equal(loop_run(loop), 42);
	assert_true(loop_now_ms(loop) - start >= 50);
	loop_free(loop);
}

/* A timer that re-arms itself for 0 ms must not starve the loop. */
static void rearm_timer(struct loop *loop, struct loop_timer *t, void *ctx)
{
	int *count = ctx;

	(*count)++;
	loop_timer_start(loop, t, 0);
}

static void test_rearm_zero_does_not_spin_in_one_round(void **state)
{
	struct loop *loop = loop_new();
	struct loop_timer t;
	int count = 0;

	(void)state;
	loop_timer_init(&t, rearm_timer, &count);
	loop_timer_start(loop, &t, 0);
	assert_true(loop_run_once(loop, 0) >= 1);
	assert_true(count >= 1 && count <= 2);
	loop_timer_stop(loop, &t);
	loop_free(loop);
}

/* Timers with slack (issue 16): one wakeup serves every timer whose slack
 * window has begun; none fires before its window or sleeps past its
 * deadline. */
struct stamped_timer {
	struct loop_timer t;
	uint64_t fired_ms; /* 0: not yet */
};

static void stamp_timer(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct stamped_timer *st = ctx;

	(void)t;
	st->fired_ms = loop_now_ms(loop);
}

static void test_slack_timer_joins_an_earlier_wakeup(void **state)
{
	struct loop *loop = loop_new();
	struct stamped_timer a = {0}, b = {0}, c = {0};
	uint64_t start = loop_now_ms(loop);
	int ran = 0;

	(void)state;
	loop_timer_init(&a.t, stamp_timer, &a);
	loop_timer_init(&b.t, stamp_timer, &b);
	loop_timer_init(&c.t, stamp_timer, &c);
	loop_timer_start(loop, &a.t, 50);
	/* window [start + 40, start + 80]: A's wakeup at 50 serves it */
	loop_timer_start_slack(loop, &b.t, 80, 40);
	/* window [start + 5000, start + 6000]: not yet */
	loop_timer_start_slack(loop, &c.t, 6000, 1000);
	while (!a.fired_ms)
		ran += loop_run_once(loop, -1);
	assert_int_equal(ran, 2);
	assert_true(b.fired_ms != 0);
	assert_true(b.fired_ms >= start + 40);
	assert_false(loop_timer_pending(&b.t));
	assert_true(loop_timer_pending(&c.t));
	assert_int_equal(c.fired_ms, 0);
	loop_free(loop);
}

static void test_slack_timer_alone_waits_for_its_deadline(void **state)
{
	struct loop *loop = loop_new();
	struct stamped_timer b = {0};
	uint64_t start = loop_now_ms(loop);

	(void)state;
	loop_timer_init(&b.t, stamp_timer, &b);
	loop_timer_start_slack(loop, &b.t, 60, 50);
	while (!b.fired_ms)
		assert_true(loop_run_once(loop, -1) >= 0);
	/* nothing else woke the loop: the slack is not used */
	assert_true(b.fired_ms >= start + 60);
	loop_free(loop);
}

/* Activity moves a pending keepalive out of the way; a move that would not
 * change its window, or of a timer not armed, does nothing. */
static void test_defer_moves_a_pending_timer(void **state)
{
	struct loop *loop = loop_new();
	struct stamped_timer a = {0}, idle = {0};
	uint64_t now = loop_now_ms(loop), expires;

	(void)state;
	loop_timer_init(&a.t, stamp_timer, &a);
	loop_timer_init(&idle.t, stamp_timer, &idle);
	loop_timer_start_slack(loop, &a.t, 50, 10);
	loop_timer_defer(loop, &a.t, now, 1000, 250);
	assert_true(loop_timer_remaining(loop, &a.t) > 700);
	expires = a.t.expires_ms;
	/* the deadline already lies in [now + 800, now + 1050]: stays */
	loop_timer_defer(loop, &a.t, now, 1050, 250);
	assert_int_equal(a.t.expires_ms, expires);
	loop_timer_defer(loop, &idle.t, now, 10, 0);
	assert_false(loop_timer_pending(&idle.t));
	while (loop_now_ms(loop) < now + 200)
		loop_run_once(loop, 50);
	assert_int_equal(a.fired_ms, 0);
	while (!a.fired_ms)
		loop_run_once(loop, -1);
	assert_true(a.fired_ms >= now + 1000);
	loop_free(loop);
}

static void count_readable(struct loop *loop, int fd, unsigned events, void *ctx)
{
	char ch;

	(void)loop;
	(void)events;
	assert_int_equal(read(fd, &ch, 1), 1);
	(*(int *)ctx)++;
}

static void test_fd_wakeup_serves_slack_timers_in_their_window(void **state)
{
	struct loop *loop = loop_new();
	struct stamped_timer in = {0}, out = {0};
	int p[2], reads = 0;
	uint64_t start = loop_now_ms(loop);

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(loop_add_fd(loop, p[0], LOOP_READ, count_readable, &reads), 0);
	loop_timer_init(&in.t, stamp_timer, &in);
	loop_timer_init(&out.t, stamp_timer, &out);
	loop_timer_start_slack(loop, &in.t, 5000, 4950);   /* window from start + 50 */
	loop_timer_start_slack(loop, &out.t, 20000, 1000); /* window from start + 19000 */
	usleep(60 * 1000);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(loop_run_once(loop, -1), 2);
	assert_int_equal(reads, 1);
	assert_true(in.fired_ms >= start + 50);
	assert_true(loop_round_ms(loop) >= start + 60);
	assert_true(loop_timer_pending(&out.t));
	/* a timer stopped after it was started with slack leaves no trace */
	loop_timer_stop(loop, &out.t);
	assert_int_equal(write(p[1], "y", 1), 1);
	assert_int_equal(loop_run_once(loop, -1), 1);
	assert_int_equal(out.fired_ms, 0);
	loop_del_fd(loop, p[0]);
	close(p[0]);
	close(p[1]);
	loop_free(loop);
}

struct fd_ctx {
	int reads;
	int other_fd;
	char last;
};

static void on_readable(struct loop *loop, int fd, unsigned events, void *ctx)
{
	struct fd_ctx *c = ctx;

	assert_true(events & LOOP_READ);
	assert_int_equal(read(fd, &c->last, 1), 1);
	c->reads++;
	/* Delete both fds from inside a callback: the other one's pending event
	 * in this round must not be delivered. */
	loop_del_fd(loop, fd);
	if (c->other_fd >= 0)
		loop_del_fd(loop, c->other_fd);
}

static void test_fd_readiness_and_delete_in_callback(void **state)
{
	struct loop *loop = loop_new();
	int a[2], b[2];
	struct fd_ctx ctx = {0};

	(void)state;
	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(b), 0);
	ctx.other_fd = -1;
	assert_int_equal(loop_add_fd(loop, a[0], LOOP_READ, on_readable, &ctx), 0);
	assert_int_equal(loop_add_fd(loop, a[0], LOOP_READ, on_readable, &ctx), -1); /* twice */
	assert_int_equal(loop_run_once(loop, 0), 0); /* nothing ready */
	assert_int_equal(write(a[1], "x", 1), 1);
	assert_int_equal(loop_run_once(loop, 1000), 1);
	assert_int_equal(ctx.reads, 1);
	assert_int_equal(ctx.last, 'x');

	/* Both ready in the same round; whichever callback runs first deletes
	 * both fds, so exactly one read happens. */
	struct fd_ctx ca = {.other_fd = b[0]}, cb = {.other_fd = a[0]};

	assert_int_equal(loop_add_fd(loop, a[0], LOOP_READ, on_readable, &ca), 0);
	assert_int_equal(loop_add_fd(loop, b[0], LOOP_READ, on_readable, &cb), 0);
	assert_int_equal(write(a[1], "y", 1), 1);
	assert_int_equal(write(b[1], "z", 1), 1);
	loop_run_once(loop, 1000);
	assert_int_equal(ca.reads + cb.reads, 1);
	assert_int_equal(loop_run_once(loop, 0), 0);
	loop_free(loop);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
}

static void on_signal(struct loop *loop, int signo, void *ctx)
{
	int *got = ctx;

	*got = signo;
	loop_quit(loop, 7);
}

static void test_signal_delivered_through_loop(void **state)
{
	struct loop *loop = loop_new();
	int got = 0;

	(void)state;
	assert_int_equal(loop_add_signal(loop, SIGUSR1, on_signal, &got), 0);
	assert_int_equal(loop_add_signal(loop, SIGKILL, on_signal, &got), -1);
	/* Without the loop, SIGUSR1 would kill the test program. */
	assert_int_equal(kill(getpid(), SIGUSR1), 0);
	assert_int_equal(loop_run(loop), 7);
	assert_int_equal(got, SIGUSR1);
	loop_free(loop);
}

struct child_ctx {
	pid_t pid;
	int status;
	int calls;
};

static void on_child(struct loop *loop, pid_t pid, int status, void *ctx)
{
	struct child_ctx *c = ctx;

	c->pid = pid;
	c->status = status;
	c->calls++;
	loop_quit(loop, 0);
}

static void test_child_exit_reported(void **state)
{
	struct loop *loop = loop_new();
	struct child_ctx c = {0};
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		usleep(20000);
		_exit(7);
	}
	assert_int_equal(loop_watch_child(loop, pid, on_child, &c), 0);
	assert_int_equal(loop_run(loop), 0);
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.pid, pid);
	assert_true(WIFEXITED(c.status));
	assert_int_equal(WEXITSTATUS(c.status), 7);
	loop_free(loop);
}

/* The child exits before it is watched: still reported, once. */
static void test_child_exited_before_watch(void **state)
{
	struct loop *loop = loop_new();
	struct child_ctx c = {0};
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(3);
	/* until it has exited, without reaping it (a fixed sleep lost the race
	 * on a loaded machine) */
	assert_int_equal(waitid(P_PID, (id_t)pid, &(siginfo_t){0}, WEXITED | WNOWAIT), 0);
	assert_int_equal(loop_watch_child(loop, pid, on_child, &c), 0);
	loop_run_once(loop, 0);
	assert_int_equal(c.calls, 1);
	assert_int_equal(WEXITSTATUS(c.status), 3);
	loop_free(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_timers_fire_in_deadline_order),
	    cmocka_unit_test(test_timer_stop_and_restart),
	    cmocka_unit_test(test_timer_waits_its_time),
	    cmocka_unit_test(test_rearm_zero_does_not_spin_in_one_round),
	    cmocka_unit_test(test_slack_timer_joins_an_earlier_wakeup),
	    cmocka_unit_test(test_slack_timer_alone_waits_for_its_deadline),
	    cmocka_unit_test(test_fd_wakeup_serves_slack_timers_in_their_window),
	    cmocka_unit_test(test_defer_moves_a_pending_timer),
	    cmocka_unit_test(test_fd_readiness_and_delete_in_callback),
	    cmocka_unit_test(test_signal_delivered_through_loop),
	    cmocka_unit_test(test_child_exit_reported),
	    cmocka_unit_test(test_child_exited_before_watch),
	};

	return cmocka_run_group_tests_name("loop", tests, NULL, NULL);
}
