/* The DHCP clients' socket and retransmission: see sys/dhcp_xmit.h. */
#include "sys/dhcp_xmit.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <netinet/in.h>

#include "lib/util.h"

static void on_timer(struct loop *loop, struct loop_timer *t, void *ctx);

/* base + RAND, RAND uniform in [-spread, +spread] (positive: in [1, spread]),
 * at least 1 ms and at most what a uint32_t holds. The modulo's bias is
 * below 2^-20 for any spread we use. */
static uint32_t randomised(uint64_t base, uint64_t spread, bool positive, uint32_t r)
{
	int64_t v = (int64_t)base;

	if (positive && spread)
		v += (int64_t)(r % spread) + 1;
	else
		v += (int64_t)(r % (2 * spread + 1)) - (int64_t)spread;
	if (v < 1)
		return 1;
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static uint64_t relative(const struct dhcp_xmit_params *p, uint64_t of)
{
	return of * p->rand_permille / 1000;
}

void dhcp_xmit_rt_first(const struct dhcp_xmit_params *p, struct dhcp_xmit_rt *rt, uint32_t r)
{
	rt->base_ms = p->irt_ms;
	rt->rt_ms =
	    randomised(p->irt_ms, relative(p, p->irt_ms) + p->rand_ms, p->first_rand_positive, r);
}

void dhcp_xmit_rt_next(const struct dhcp_xmit_params *p, struct dhcp_xmit_rt *rt, uint32_t r)
{
	uint64_t base = 2 * (uint64_t)rt->base_ms;

	if (p->mrt_ms && base > p->mrt_ms)
		base = p->mrt_ms;
	rt->base_ms = base > UINT32_MAX ? UINT32_MAX : (uint32_t)base;
	if (!p->rand_permille) {
		/* RFC 2131 §4.1: around the doubled, unrandomised timeout */
		rt->rt_ms = randomised(rt->base_ms, p->rand_ms, false, r);
		return;
	}
	/* RFC 8415 §15: from the previous, randomised timeout */
	rt->rt_ms = randomised(2 * (uint64_t)rt->rt_ms, relative(p, rt->rt_ms), false, r);
	if (p->mrt_ms && rt->rt_ms > p->mrt_ms)
		rt->rt_ms = randomised(p->mrt_ms, relative(p, p->mrt_ms), false, r);
}

void dhcp_xmit_init(struct dhcp_xmit *x, struct loop *loop, const struct dhcp_xmit_ops *ops,
                    void *ctx)
{
	memset(x, 0, sizeof(*x));
	x->loop = loop;
	x->ops = ops;
	x->ctx = ctx;
	x->fd = -1;
	loop_timer_init(&x->timer, on_timer, x);
}

void dhcp_xmit_close(struct dhcp_xmit *x)
{
	if (x->loop)
		loop_timer_stop(x->loop, &x->timer);
	if (x->fd >= 0) {
		loop_del_fd(x->loop, x->fd);
		close(x->fd);
	}
	x->fd = -1;
}

bool dhcp_xmit_running(const struct dhcp_xmit *x)
{
	return x->fd >= 0;
}

int dhcp_xmit_sendto(struct dhcp_xmit *x, const void *msg, size_t len, const struct sockaddr *to,
                     socklen_t tolen)
{
	return sendto(x->fd, msg, len, 0, to, tolen) < 0 ? -1 : 0;
}

static void on_timer(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct dhcp_xmit *x = ctx;
	uint32_t r;

	/* a failed generator ends it like silence: nothing else to do */
	if (++x->tries >= x->p.max_tries || random_bytes(&r, sizeof(r)) < 0) {
		x->ops->gave_up(x->ctx);
		return;
	}
	dhcp_xmit_rt_next(&x->p, &x->rt, r);
	x->ops->send(x->ctx);
	loop_timer_start(loop, t, x->rt.rt_ms);
}

int dhcp_xmit_begin(struct dhcp_xmit *x, const struct dhcp_xmit_params *p)
{
	uint32_t r;

	if (random_bytes(&r, sizeof(r)) < 0)
		return -1;
	x->p = *p;
	x->tries = 0;
	dhcp_xmit_rt_first(&x->p, &x->rt, r);
	x->ops->send(x->ctx);
	loop_timer_start(x->loop, &x->timer, x->rt.rt_ms);
	return 0;
}

static void on_readable(struct loop *loop, int fd, unsigned events, void *ctx)
{
	struct dhcp_xmit *x = ctx;
	uint8_t buf[1500];

	(void)loop;
	(void)events;
	/* a few at a time; the owner may close the socket on an answer */
	for (int i = 0; i < 8 && x->fd == fd; i++) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0)
			return;
		x->ops->received(x->ctx, buf, (size_t)n);
	}
}

int dhcp_xmit_open(struct dhcp_xmit *x, int family, const char *ifname, uint16_t port)
{
	struct sockaddr_in any4 = {.sin_family = AF_INET, .sin_port = htons(port)};
	struct sockaddr_in6 any6 = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
	const struct sockaddr *any =
	    family == AF_INET6 ? (const struct sockaddr *)&any6 : (const struct sockaddr *)&any4;
	socklen_t any_len = family == AF_INET6 ? sizeof(any6) : sizeof(any4);
	int one = 1;

	dhcp_xmit_close(x);
	x->fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (x->fd < 0)
		return -1;
	if (setsockopt(x->fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname)) ||
	    setsockopt(x->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(x->fd, any, any_len) || loop_add_fd(x->loop, x->fd, LOOP_READ, on_readable, x)) {
		int e = errno;

		close(x->fd);
		x->fd = -1;
		errno = e;
		return -1;
	}
	return 0;
}
