/* Unit tests for lib/codel: CoDel's verdicts (RFC 8289 §5) on a stream of
 * packets with known sojourn times, and the ECN mark (RFC 3168). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/codel.h"
#include "lib/csum.h"

#define MS(x) ((uint64_t)(x)*1000 * 1000)

/* Runs packets one per step_ns from *now, each having waited sojourn_ns,
 * until until_ns; records the times of the drops (up to max). */
static unsigned run(struct codel *c, uint64_t *now, uint64_t until_ns, uint64_t step_ns,
                    uint64_t sojourn_ns, bool empty, uint64_t *drops, unsigned max)
{
	unsigned n = 0;

	for (; *now < until_ns; *now += step_ns)
		if (codel_drop(c, sojourn_ns, *now, empty)) {
			if (n < max)
				drops[n] = *now;
			n++;
		}
	return n;
}

static void test_below_target_never_drops(void **state)
{
	struct codel c;
	uint64_t now = MS(1), drops[4];

	(void)state;
	codel_init(&c);
	assert_int_equal(run(&c, &now, MS(10000), MS(1) / 10, MS(4), false, drops, 4), 0);
}

/* A queue that drains now and then was bursts: no drop, however long the
 * bursts' packets waited. */
static void test_emptying_queue_never_drops(void **state)
{
	struct codel c;
	uint64_t now = MS(1), drops[4];

	(void)state;
	codel_init(&c);
	for (int i = 0; i < 100; i++) {
		uint64_t end = now + MS(60);

		assert_int_equal(run(&c, &now, end, MS(1), MS(50), false, drops, 4), 0);
		assert_false(codel_drop(&c, MS(50), now, true));
	}
}

/* A standing queue: the first drop one interval after the sojourn time
 * went above target, then interval/sqrt(count) apart (RFC 8289 §5.5). */
static void test_standing_queue_drop_schedule(void **state)
{
	struct codel c;
	uint64_t now = MS(1000), drops[8];
	unsigned n;

	(void)state;
	codel_init(&c);
	n = run(&c, &now, MS(1000) + MS(500), MS(1) / 10, MS(20), false, drops, 8);
	assert_true(n >= 6);
	assert_true(drops[0] >= MS(1100) && drops[0] <= MS(1100) + MS(1));
	/* 100/sqrt(1) ms after the first, then 100/sqrt(2) = 70.7 ms, then
	 * 100/sqrt(3) = 57.7 ms */
	assert_true(drops[1] - drops[0] >= MS(100) && drops[1] - drops[0] <= MS(101));
	assert_true(drops[2] - drops[1] >= MS(70) && drops[2] - drops[1] <= MS(71));
	assert_true(drops[3] - drops[2] >= MS(57) && drops[3] - drops[2] <= MS(58));
	/* the spacing only shrinks while the queue stands */
	for (unsigned i = 4; i < 8 && i < n; i++)
		assert_true(drops[i] - drops[i - 1] <= drops[i - 1] - drops[i - 2]);
}

/* Once the sojourn time falls below target the dropping state ends at
 * once; back soon, it resumes near the rate it had reached, while after a
 * long quiet time it starts again at one drop per interval (count 1). */
static void test_reentry_keeps_rate_only_when_soon(void **state)
{
	struct codel c;
	uint64_t now = MS(1000), drops[16];
	uint64_t soon_gap, late_gap;

	(void)state;
	codel_init(&c);
	assert_true(run(&c, &now, MS(2000), MS(1), MS(20), false, drops, 16) >= 10);
	assert_int_equal(run(&c, &now, MS(2050), MS(1), MS(1), false, drops, 16), 0);
	assert_true(run(&c, &now, MS(2400), MS(1), MS(20), false, drops, 16) >= 2);
	soon_gap = drops[1] - drops[0];
	assert_true(soon_gap < MS(40)); /* far above one drop per 100 ms */

	assert_int_equal(run(&c, &now, MS(6000), MS(1), MS(1), false, drops, 16), 0);
	assert_true(run(&c, &now, MS(6400), MS(1), MS(20), false, drops, 16) >= 2);
	late_gap = drops[1] - drops[0];
	assert_true(late_gap >= MS(100) && late_gap <= MS(101));
	assert_true(drops[0] >= MS(6100) && drops[0] <= MS(6101));
}

static uint16_t ipv4_header_sum(const uint8_t *h)
{
	return csum_fold(csum_partial(h, 20, 0));
}

static void ipv4_packet(uint8_t *p, uint8_t tos)
{
	uint16_t sum;

	memset(p, 0, 28);
	p[0] = 0x45;
	p[1] = tos;
	p[3] = 28;
	p[8] = 64;
	p[9] = 17;
	memcpy(p + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	sum = ipv4_header_sum(p);
	p[10] = (uint8_t)(~sum >> 8);
	p[11] = (uint8_t)~sum;
}

static void test_ecn_mark_ipv4(void **state)
{
	uint8_t p[28], before[28];

	(void)state;
	for (uint8_t dscp = 0; dscp < 64; dscp += 9) {
		/* ECT(0) and ECT(1) become CE with a header checksum still valid */
		for (uint8_t ect = 1; ect <= 2; ect++) {
			ipv4_packet(p, (uint8_t)(dscp << 2 | ect));
			assert_true(codel_ecn_capable(p, sizeof(p)));
			assert_true(codel_ecn_mark(p, sizeof(p)));
			assert_int_equal(p[1], dscp << 2 | 3);
			assert_int_equal(ipv4_header_sum(p), 0xffff);
		}
		/* Not-ECT: left as it is, to be dropped */
		ipv4_packet(p, (uint8_t)(dscp << 2));
		memcpy(before, p, sizeof(p));
		assert_false(codel_ecn_capable(p, sizeof(p)));
		assert_false(codel_ecn_mark(p, sizeof(p)));
		assert_memory_equal(p, before, sizeof(p));
		/* CE already: goes on unchanged */
		ipv4_packet(p, (uint8_t)(dscp << 2 | 3));
		memcpy(before, p, sizeof(p));
		assert_true(codel_ecn_mark(p, sizeof(p)));
		assert_memory_equal(p, before, sizeof(p));
	}
}

static void test_ecn_mark_ipv6(void **state)
{
	uint8_t p[40];

	(void)state;
	memset(p, 0, sizeof(p));
	p[0] = 0x6a; /* traffic class 0xa1: DSCP 0x28, ECT(1) */
	p[1] = 0x10;
	assert_true(codel_ecn_mark(p, sizeof(p)));
	assert_int_equal(p[0], 0x6a);
	assert_int_equal(p[1], 0x30);
	p[1] = 0x05; /* Not-ECT, flow label bits set */
	assert_false(codel_ecn_mark(p, sizeof(p)));
	assert_int_equal(p[1], 0x05);
}

static void test_ecn_mark_refuses_garbage(void **state)
{
	uint8_t p[40];

	(void)state;
	ipv4_packet(p, 2);
	assert_false(codel_ecn_mark(p, 19)); /* shorter than a header */
	p[0] = 0x44;                         /* IHL below 5 */
	assert_false(codel_ecn_mark(p, sizeof(p)));
	memset(p, 0, sizeof(p));
	p[0] = 0x60;
	p[1] = 0x20;
	assert_false(codel_ecn_mark(p, 39));
	p[0] = 0x00; /* neither version */
	assert_false(codel_ecn_mark(p, sizeof(p)));
	assert_false(codel_ecn_mark(p, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_below_target_never_drops),
	    cmocka_unit_test(test_emptying_queue_never_drops),
	    cmocka_unit_test(test_standing_queue_drop_schedule),
	    cmocka_unit_test(test_reentry_keeps_rate_only_when_soon),
	    cmocka_unit_test(test_ecn_mark_ipv4),
	    cmocka_unit_test(test_ecn_mark_ipv6),
	    cmocka_unit_test(test_ecn_mark_refuses_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
