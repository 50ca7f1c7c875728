#include "lib/loop.h"
#include "lib/loop_internal.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

uint64_t loop_now_ms(struct loop *loop)
{
	struct timespec ts;

	(void)loop;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t loop_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t loop_round_ms(const struct loop *loop)
{
	return loop->round_ms;
}

struct loop *loop_new(void)
{
	struct loop *loop = calloc(1, sizeof(*loop));

	if (!loop)
		return NULL;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		free(loop);
		return NULL;
	}
	loop->sigfd = -1;
	sigemptyset(&loop->sigmask);
	return loop;
}

static void free_fd_list(struct loop_fd *f)
{
	while (f) {
		struct loop_fd *next = f->next;

		free(f);
		f = next;
	}
}

void loop_free(struct loop *loop)
{
	if (!loop)
		return;
	free_fd_list(loop->fds);
	free_fd_list(loop->dead_fds);
	while (loop->children) {
		struct loop_child *c = loop->children;

		loop->children = c->next;
		free(c);
	}
	for (size_t i = 1; i <= loop->heap_len; i++)
		loop->heap[i]->heap_idx = 0;
	free(loop->heap);
	if (loop->sigfd >= 0)
		close(loop->sigfd);
	/* Give the process its signals back. */
	if (!sigisemptyset(&loop->sigmask))
		sigprocmask(SIG_UNBLOCK, &loop->sigmask, NULL);
	close(loop->epfd);
	free(loop);
}

/* ---- file descriptors ---- */

static uint32_t to_epoll(unsigned events)
{
	return ((events & LOOP_READ) ? EPOLLIN : 0u) | ((events & LOOP_WRITE) ? EPOLLOUT : 0u);
}

static struct loop_fd *find_fd(struct loop *loop, int fd)
{
	for (struct loop_fd *f = loop->fds; f; f = f->next)
		if (f->fd == fd)
			return f;
	return NULL;
}

int loop_add_fd(struct loop *loop, int fd, unsigned events, loop_io_fn fn, void *ctx)
{
	struct epoll_event ev = {.events = to_epoll(events)};
	struct loop_fd *f;

	if (fd < 0 || !fn || find_fd(loop, fd)) {
		errno = EINVAL;
		return -1;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	f->fd = fd;
	f->fn = fn;
	f->ctx = ctx;
	ev.data.ptr = f;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		free(f);
		return -1;
	}
	f->next = loop->fds;
	loop->fds = f;
	return 0;
}

int loop_mod_fd(struct loop *loop, int fd, unsigned events)
{
	struct loop_fd *f = find_fd(loop, fd);
	struct epoll_event ev = {.events = to_epoll(events)};

	if (!f) {
		errno = ENOENT;
		return -1;
	}
	ev.data.ptr = f;
	return epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev);
}

void loop_del_fd(struct loop *loop, int fd)
{
	struct loop_fd **pp;

	for (pp = &loop->fds; *pp; pp = &(*pp)->next) {
		struct loop_fd *f = *pp;

		if (f->fd != fd)
			continue;
		epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
		*pp = f->next;
		/* Events for f may still sit in this round's array: park it. */
		f->fn = NULL;
		f->next = loop->dead_fds;
		loop->dead_fds = f;
		return;
	}
}

/* ---- timers: 1-based binary min-heap ordered by (expires_ms, seq) ---- */

static bool timer_before(const struct loop_timer *a, const struct loop_timer *b)
{
	if (a->expires_ms != b->expires_ms)
		return a->expires_ms < b->expires_ms;
	return a->seq < b->seq;
}

static void heap_set(struct loop *loop, size_t i, struct loop_timer *t)
{
	loop->heap[i] = t;
	t->heap_idx = i;
}

static void heap_up(struct loop *loop, size_t i)
{
	struct loop_timer *t = loop->heap[i];

	while (i > 1 && timer_before(t, loop->heap[i / 2])) {
		heap_set(loop, i, loop->heap[i / 2]);
		i /= 2;
	}
	heap_set(loop, i, t);
}

static void heap_down(struct loop *loop, size_t i)
{
	struct loop_timer *t = loop->heap[i];

	for (;;) {
		size_t c = 2 * i;

		if (c > loop->heap_len)
			break;
		if (c + 1 <= loop->heap_len && timer_before(loop->heap[c + 1], loop->heap[c]))
			c++;
		if (!timer_before(loop->heap[c], t))
			break;
		heap_set(loop, i, loop->heap[c]);
		i = c;
	}
	heap_set(loop, i, t);
}

void loop_timer_init(struct loop_timer *t, loop_timer_fn fn, void *ctx)
{
	memset(t, 0, sizeof(*t));
	t->fn = fn;
	t->ctx = ctx;
}

void loop_timer_stop(struct loop *loop, struct loop_timer *t)
{
	size_t i = t->heap_idx;
	struct loop_timer *last;

	if (i == 0)
		return;
	t->heap_idx = 0;
	if (t->early_ms < t->expires_ms)
		loop->slack_timers--;
	last = loop->heap[loop->heap_len--];
	if (last == t)
		return;
	heap_set(loop, i, last);
	heap_up(loop, i);
	heap_down(loop, last->heap_idx);
}

int loop_timer_start(struct loop *loop, struct loop_timer *t, uint64_t ms)
{
	return loop_timer_start_slack(loop, t, ms, 0);
}

/* Arm t for [expires_ms - slack_ms, expires_ms]. */
static int timer_arm_at(struct loop *loop, struct loop_timer *t, uint64_t expires_ms,
                        uint64_t slack_ms)
{
	loop_timer_stop(loop, t);
	if (loop->heap_len + 1 >= loop->heap_cap) {
		size_t cap = loop->heap_cap ? loop->heap_cap * 2 : 16;
		struct loop_timer **h = realloc(loop->heap, cap * sizeof(*h));

		if (!h)
			return -1;
		loop->heap = h;
		loop->heap_cap = cap;
	}
	t->expires_ms = expires_ms;
	t->early_ms = expires_ms - slack_ms;
	if (t->early_ms < t->expires_ms)
		loop->slack_timers++;
	t->seq = ++loop->timer_seq;
	loop->heap_len++;
	heap_set(loop, loop->heap_len, t);
	heap_up(loop, loop->heap_len);
	return 0;
}

int loop_timer_start_slack(struct loop *loop, struct loop_timer *t, uint64_t ms, uint64_t slack_ms)
{
	return timer_arm_at(loop, t, loop_now_ms(loop) + ms, slack_ms < ms ? slack_ms : ms);
}

void loop_timer_defer(struct loop *loop, struct loop_timer *t, uint64_t base_ms, uint64_t ms,
                      uint64_t slack_ms)
{
	uint64_t expires = base_ms + ms, slack = slack_ms < ms ? slack_ms : ms;

	if (t->heap_idx && t->expires_ms + slack < expires)
		timer_arm_at(loop, t, expires, slack);
}

uint64_t loop_timer_remaining(struct loop *loop, const struct loop_timer *t)
{
	uint64_t now = loop_now_ms(loop);

	if (!t->heap_idx || t->expires_ms <= now)
		return 0;
	return t->expires_ms - now;
}

/* The earliest-deadline timer in its slack window at now, started before
 * this round (last_seq), or NULL. A scan: few timers have slack and this
 * runs only while the loop is awake anyway. */
static struct loop_timer *slack_due(struct loop *loop, uint64_t now, uint64_t last_seq)
{
	struct loop_timer *best = NULL;

	for (size_t i = 1; i <= loop->heap_len; i++) {
		struct loop_timer *t = loop->heap[i];

		if (t->early_ms <= now && t->seq <= last_seq && (!best || timer_before(t, best)))
			best = t;
	}
	return best;
}

/* Fire every timer due at now, then (only when we are awake for something)
 * those whose slack window has begun, so that they share this wakeup. A
 * callback may start or stop any timer, itself included; a timer re-armed
 * in this round waits for the next one. */
static int run_timers(struct loop *loop, uint64_t now, bool awake)
{
	uint64_t last_seq = loop->timer_seq;
	int ran = 0;

	while (loop->heap_len > 0 && !loop->quit) {
		struct loop_timer *t = loop->heap[1];

		if (t->expires_ms > now || t->seq > last_seq) {
			if (!(awake || ran) || !loop->slack_timers)
				break;
			t = slack_due(loop, now, last_seq);
			if (!t)
				break;
		}
		loop_timer_stop(loop, t);
		t->fn(loop, t, t->ctx);
		ran++;
	}
	return ran;
}

static int next_timeout(struct loop *loop, int timeout_ms)
{
	uint64_t now, wait;

	if (loop->heap_len == 0)
		return timeout_ms;
	now = loop_now_ms(loop);
	wait = loop->heap[1]->expires_ms > now ? loop->heap[1]->expires_ms - now : 0;
	if (timeout_ms >= 0 && (uint64_t)timeout_ms < wait)
		return timeout_ms;
	return wait > 60000 ? 60000 : (int)wait;
}

int loop_run_once(struct loop *loop, int timeout_ms)
{
	struct epoll_event events[LOOP_MAX_EVENTS];
	int n, ran = 0;

	ran += run_timers(loop, loop_now_ms(loop), false);
	if (loop->quit)
		return ran;
	n = epoll_wait(loop->epfd, events, LOOP_MAX_EVENTS,
	               ran ? 0 : next_timeout(loop, timeout_ms));
	if (n < 0 && errno != EINTR)
		return -1;
	loop->round_ms = loop_now_ms(loop);
	for (int i = 0; i < n && !loop->quit; i++) {
		struct loop_fd *f = events[i].data.ptr;
		unsigned ev = 0;

		if (!f->fn)
			continue; /* deleted earlier in this round */
		if (events[i].events & EPOLLIN)
			ev |= LOOP_READ;
		if (events[i].events & EPOLLOUT)
			ev |= LOOP_WRITE;
		if (events[i].events & (EPOLLERR | EPOLLHUP))
			ev |= LOOP_ERROR | LOOP_READ;
		f->fn(loop, f->fd, ev, f->ctx);
		ran++;
	}
	free_fd_list(loop->dead_fds);
	loop->dead_fds = NULL;
	if (!loop->quit)
		ran += run_timers(loop, loop->round_ms, n > 0);
	return ran;
}

int loop_run(struct loop *loop)
{
	loop->quit = false;
	while (!loop->quit)
		if (loop_run_once(loop, -1) < 0)
			return -1;
	return loop->quit_code;
}

void loop_quit(struct loop *loop, int code)
{
	loop->quit = true;
	loop->quit_code = code;
}

bool loop_quitting(const struct loop *loop)
{
	return loop->quit;
}
