/* The DHCP clients' retransmission (sys/dhcp_xmit.h): the timeouts of RFC
 * 8415 §15 (from the previous randomised timeout, capped at MRT and
 * randomised again, the first Solicit's RAND positive) and of RFC 2131 §4.1
 * (around the doubled unrandomised timeout, capped); on a loop: the tries
 * spaced by those timeouts, then giving up once; a new message starts the
 * count again; on loopback an answer the owner takes stops it, one it drops
 * does not. The socket tests need CAP_NET_RAW (SO_BINDTODEVICE): skipped
 * without it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "sys/dhcp_xmit.h"

/* RFC 8415 §7.6: REQ_TIMEOUT 1 s, REQ_MAX_RT 30 s; §15: RAND +-0.1 */
static const struct dhcp_xmit_params rfc8415 = {
    .irt_ms = 1000, .mrt_ms = 30000, .max_tries = 10, .rand_permille = 100};
/* RFC 2131 §4.1: 4 s doubling to 64 s, +-1 s */
static const struct dhcp_xmit_params rfc2131 = {
    .irt_ms = 4000, .mrt_ms = 64000, .max_tries = 10, .rand_ms = 1000};

/* r for RAND = 0 where the spread is s: r % (2s + 1) - s */
#define MID(s) (s)

static void test_rfc8415_schedule(void **state)
{
	struct dhcp_xmit_params sol = rfc8415;
	struct dhcp_xmit_rt rt;

	(void)state;
	/* RT = IRT + RAND*IRT: 900 to 1100 ms */
	dhcp_xmit_rt_first(&rfc8415, &rt, 0);
	assert_int_equal(rt.rt_ms, 900);
	dhcp_xmit_rt_first(&rfc8415, &rt, 200);
	assert_int_equal(rt.rt_ms, 1100);
	dhcp_xmit_rt_first(&rfc8415, &rt, MID(100));
	assert_int_equal(rt.rt_ms, 1000);
	/* RT = 2*RTprev + RAND*RTprev, from the randomised 1000 and 900 */
	dhcp_xmit_rt_next(&rfc8415, &rt, MID(100));
	assert_int_equal(rt.rt_ms, 2000);
	dhcp_xmit_rt_first(&rfc8415, &rt, 0);
	dhcp_xmit_rt_next(&rfc8415, &rt, 0);
	assert_int_equal(rt.rt_ms, 1800 - 90);
	dhcp_xmit_rt_next(&rfc8415, &rt, 2 * 171);
	assert_int_equal(rt.rt_ms, 3420 + 171);
	/* over MRT: RT = MRT + RAND*MRT, 27 to 33 s, from there on */
	rt.rt_ms = 16000;
	dhcp_xmit_rt_next(&rfc8415, &rt, 0);
	assert_int_equal(rt.rt_ms, 27000);
	for (uint32_t r = 0; r < 100000; r += 997) {
		dhcp_xmit_rt_next(&rfc8415, &rt, r);
		assert_in_range(rt.rt_ms, 27000, 33000);
	}
	/* §18.2.1: the first Solicit's RAND is above 0: 1001 to 1100 ms */
	sol.first_rand_positive = true;
	for (uint32_t r = 0; r < 1000; r++) {
		dhcp_xmit_rt_first(&sol, &rt, r);
		assert_in_range(rt.rt_ms, 1001, 1100);
	}
}

static void test_rfc2131_schedule(void **state)
{
	static const uint32_t want[] = {4000, 8000, 16000, 32000, 64000, 64000};
	struct dhcp_xmit_rt lo, mid, hi;

	(void)state;
	/* 4, 8, 16, 32, 64, 64 s, each +-1 s: the randomness does not add up */
	dhcp_xmit_rt_first(&rfc2131, &lo, 0);
	dhcp_xmit_rt_first(&rfc2131, &mid, MID(1000));
	dhcp_xmit_rt_first(&rfc2131, &hi, 2000);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_int_equal(lo.rt_ms, want[i] - 1000);
		assert_int_equal(mid.rt_ms, want[i]);
		assert_int_equal(hi.rt_ms, want[i] + 1000);
		dhcp_xmit_rt_next(&rfc2131, &lo, 0);
		dhcp_xmit_rt_next(&rfc2131, &mid, MID(1000));
		dhcp_xmit_rt_next(&rfc2131, &hi, 2000);
	}
}

struct owner {
	struct loop *loop;
	struct dhcp_xmit x;
	uint64_t sent_ms[16];
	unsigned sends, gave_up, received;
	bool take_answers; /* else the owner drops what comes */
};

static void own_send(void *ctx)
{
	struct owner *o = ctx;

	if (o->sends < 16)
		o->sent_ms[o->sends] = loop_now_ms(o->loop);
	o->sends++;
}

static void own_received(void *ctx, const uint8_t *msg, size_t len)
{
	struct owner *o = ctx;

	(void)msg;
	(void)len;
	o->received++;
	if (o->take_answers)
		dhcp_xmit_close(&o->x); /* what the clients do with an answer */
}

static void own_gave_up(void *ctx)
{
	struct owner *o = ctx;

	o->gave_up++;
	dhcp_xmit_close(&o->x);
}

static const struct dhcp_xmit_ops own_ops = {
    .send = own_send, .received = own_received, .gave_up = own_gave_up};

static int setup(void **state)
{
	static struct owner o;

	memset(&o, 0, sizeof(o));
	o.loop = loop_new();
	dhcp_xmit_init(&o.x, o.loop, &own_ops, &o);
	*state = &o;
	return 0;
}

static int teardown(void **state)
{
	struct owner *o = *state;

	dhcp_xmit_close(&o->x);
	loop_free(o->loop);
	return 0;
}

static void run_ms(struct owner *o, int ms)
{
	uint64_t end = loop_now_ms(o->loop) + (uint64_t)ms;

	while (loop_now_ms(o->loop) < end)
		loop_run_once(o->loop, 5);
}

static void test_tries_then_gives_up(void **state)
{
	static const struct dhcp_xmit_params p = {.irt_ms = 20, .mrt_ms = 50, .max_tries = 4};
	static const uint64_t gap[] = {20, 40, 50};
	struct owner *o = *state;
	uint64_t t0 = loop_now_ms(o->loop);

	assert_int_equal(dhcp_xmit_begin(&o->x, &p), 0);
	assert_int_equal(o->sends, 1);
	for (int i = 0; i < 400 && !o->gave_up; i++)
		loop_run_once(o->loop, 5);
	assert_int_equal(o->sends, 4);
	assert_int_equal(o->gave_up, 1);
	/* never early; late only by the loop's (and a busy machine's) delay */
	for (size_t i = 0; i < 3; i++)
		assert_in_range(o->sent_ms[i + 1] - o->sent_ms[i], gap[i], gap[i] + 500);
	assert_true(loop_now_ms(o->loop) - t0 >= 20 + 40 + 50 + 50);
	run_ms(o, 150);
	assert_int_equal(o->sends, 4);
	assert_int_equal(o->gave_up, 1);
}

/* A new message (Advertise, then Request) counts its own tries. */
static void test_begin_again_starts_over(void **state)
{
	static const struct dhcp_xmit_params p = {.irt_ms = 10, .max_tries = 3};
	struct owner *o = *state;

	assert_int_equal(dhcp_xmit_begin(&o->x, &p), 0);
	for (int i = 0; i < 400 && o->sends < 2; i++)
		loop_run_once(o->loop, 5);
	assert_int_equal(o->gave_up, 0);
	assert_int_equal(dhcp_xmit_begin(&o->x, &p), 0);
	for (int i = 0; i < 400 && !o->gave_up; i++)
		loop_run_once(o->loop, 5);
	assert_int_equal(o->sends, 2 + 3);
	assert_int_equal(o->gave_up, 1);
}

/* The owner's socket on lo, on a free port, and where to reach it: 0, or -1
 * without CAP_NET_RAW. */
static int open_on_lo(struct owner *o, struct sockaddr_in *to)
{
	socklen_t len = sizeof(*to);

	if (dhcp_xmit_open(&o->x, AF_INET, "lo", 0) < 0) {
		assert_int_equal(errno, EPERM); /* SO_BINDTODEVICE, not a bug */
		return -1;
	}
	assert_true(dhcp_xmit_running(&o->x));
	assert_int_equal(getsockname(o->x.fd, (struct sockaddr *)to, &len), 0);
	to->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return 0;
}

static void test_answer_stops_it(void **state)
{
	static const struct dhcp_xmit_params p = {.irt_ms = 40, .max_tries = 3};
	struct owner *o = *state;
	struct sockaddr_in to;
	static const uint8_t answer[] = {2, 1, 6, 0};

	if (open_on_lo(o, &to) < 0)
		skip();
	assert_int_equal(dhcp_xmit_begin(&o->x, &p), 0);
	/* one the owner drops: the tries go on */
	assert_int_equal(
	    dhcp_xmit_sendto(&o->x, answer, sizeof(answer), (struct sockaddr *)&to, sizeof(to)), 0);
	for (int i = 0; i < 400 && o->sends < 2; i++)
		loop_run_once(o->loop, 5);
	assert_int_equal(o->received, 1);
	assert_int_equal(o->sends, 2);
	/* one it takes: nothing more, no giving up */
	o->take_answers = true;
	assert_int_equal(
	    dhcp_xmit_sendto(&o->x, answer, sizeof(answer), (struct sockaddr *)&to, sizeof(to)), 0);
	for (int i = 0; i < 400 && o->received < 2; i++)
		loop_run_once(o->loop, 5);
	assert_int_equal(o->received, 2);
	assert_false(dhcp_xmit_running(&o->x));
	run_ms(o, 40 + 80 + 160);
	assert_int_equal(o->sends, 2);
	assert_int_equal(o->gave_up, 0);
}

static void test_open_fails_cleanly(void **state)
{
	struct owner *o = *state;

	assert_int_equal(dhcp_xmit_open(&o->x, AF_INET, "nosuchif0", 0), -1);
	assert_false(dhcp_xmit_running(&o->x));
	dhcp_xmit_close(&o->x); /* again: harmless */
	assert_int_equal(o->x.fd, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc8415_schedule),
	    cmocka_unit_test(test_rfc2131_schedule),
	    cmocka_unit_test_setup_teardown(test_tries_then_gives_up, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_begin_again_starts_over, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_answer_stops_it, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_open_fails_cleanly, setup, teardown),
	};

	return cmocka_run_group_tests_name("dhcp_xmit", tests, NULL, NULL);
}
