/* Unit tests for client/conn_queue: CoDel on the TUN ring of the userspace
 * path, judged from when a read last found the ring empty; ECN-capable
 * packets marked, others dropped; queue = fifo never drops. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "client/conn_internal.h"
#include "lib/csum.h"

#define MS(x) ((uint64_t)(x)*1000 * 1000)

struct fixture {
	struct profile prof;
	struct conn_params params;
	struct conn c;
};

static struct fixture *fixture_new(enum profile_queue q)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->prof.queue = q;
	f->params.profile = &f->prof;
	f->c.p = &f->params;
	conn_queue_reset(&f->c);
	return f;
}

/* An IPv4/UDP packet of 100 bytes with the given ECN field. */
static void ipv4_packet(uint8_t *p, uint8_t ecn)
{
	uint16_t sum;

	memset(p, 0, 100);
	p[0] = 0x45;
	p[1] = ecn;
	p[3] = 100;
	p[8] = 64;
	p[9] = 17;
	memcpy(p + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	sum = csum_fold(csum_partial(p, 20, 0));
	p[10] = (uint8_t)(~sum >> 8);
	p[11] = (uint8_t)~sum;
}

/* Packets read one per ms from start_ms to end_ms (the ring not found
 * empty in between); how many were dropped, the first drop's time. */
static unsigned read_stream(struct conn *c, uint64_t start_ms, uint64_t end_ms, uint8_t ecn,
                            uint64_t *first_drop_ms)
{
	uint8_t pkt[100];
	unsigned dropped = 0;

	for (uint64_t t = start_ms; t < end_ms; t++) {
		ipv4_packet(pkt, ecn);
		if (conn_queue_out_drop(c, pkt, sizeof(pkt), MS(t))) {
			if (!dropped && first_drop_ms)
				*first_drop_ms = t;
			dropped++;
		}
	}
	return dropped;
}

/* A ring never found empty for longer than an interval is a standing queue:
 * the first drop about 100 ms in, then more. */
static void test_standing_ring_drops(void **state)
{
	struct fixture *f = fixture_new(PROFILE_QUEUE_CODEL);
	uint64_t first = 0;
	unsigned n;

	(void)state;
	conn_queue_out_empty(&f->c, MS(1000));
	n = read_stream(&f->c, 1001, 1500, 0, &first);
	assert_true(n >= 4);
	assert_true(first >= 1120 && first <= 1121); /* 20 ms above target, then 100 */
	assert_int_equal(f->c.queue.dropped_out, n);
	assert_int_equal(f->c.queue.marked_out, 0);
	free(f);
}

/* A ring that a read finds empty every 50 ms only ever held bursts. */
static void test_ring_that_empties_never_drops(void **state)
{
	struct fixture *f = fixture_new(PROFILE_QUEUE_CODEL);

	(void)state;
	for (uint64_t t = 1000; t < 11000; t += 50) {
		conn_queue_out_empty(&f->c, MS(t));
		assert_int_equal(read_stream(&f->c, t + 1, t + 50, 0, NULL), 0);
	}
	assert_int_equal(f->c.queue.dropped_out, 0);
	free(f);
}

/* ECN-capable packets are marked CE (checksum still valid) and go on. */
static void test_ecn_capable_marked_not_dropped(void **state)
{
	struct fixture *f = fixture_new(PROFILE_QUEUE_CODEL);
	uint8_t pkt[100];
	unsigned marked = 0;

	(void)state;
	conn_queue_out_empty(&f->c, MS(1000));
	for (uint64_t t = 1001; t < 1500; t++) {
		ipv4_packet(pkt, 2); /* ECT(0) */
		assert_false(conn_queue_out_drop(&f->c, pkt, sizeof(pkt), MS(t)));
		if ((pkt[1] & 3) == 3) {
			assert_int_equal(csum_fold(csum_partial(pkt, 20, 0)), 0xffff);
			marked++;
		}
	}
	assert_true(marked >= 4);
	assert_int_equal(f->c.queue.marked_out, marked);
	assert_int_equal(f->c.queue.dropped_out, 0);
	free(f);
}

/* After the ring was found empty, the dropping state is over. */
static void test_empty_ring_ends_dropping(void **state)
{
	struct fixture *f = fixture_new(PROFILE_QUEUE_CODEL);

	(void)state;
	conn_queue_out_empty(&f->c, MS(1000));
	assert_true(read_stream(&f->c, 1001, 1300, 0, NULL) > 0);
	conn_queue_out_empty(&f->c, MS(1300));
	/* within the next interval nothing may be dropped */
	assert_int_equal(read_stream(&f->c, 1301, 1400, 0, NULL), 0);
	free(f);
}

static void test_fifo_never_drops(void **state)
{
	struct fixture *f = fixture_new(PROFILE_QUEUE_FIFO);
	uint8_t pkt[100];

	(void)state;
	conn_queue_out_empty(&f->c, MS(1000));
	assert_int_equal(read_stream(&f->c, 1001, 5000, 0, NULL), 0);
	ipv4_packet(pkt, 0);
	/* without a NAT-T socket owner (or with fifo) inbound passes */
	assert_int_equal(conn_queue_in(&f->c, pkt, sizeof(pkt)), CONN_QUEUE_PASS);
	assert_int_equal(f->c.queue.dropped_out + f->c.queue.marked_out, 0);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_standing_ring_drops),
	    cmocka_unit_test(test_ring_that_empties_never_drops),
	    cmocka_unit_test(test_ecn_capable_marked_not_dropped),
	    cmocka_unit_test(test_empty_ring_ends_dropping),
	    cmocka_unit_test(test_fifo_never_drops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
