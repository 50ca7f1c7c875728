/*
 * CoDel, "Controlled Delay" active queue management (RFC 8289), for the
 * queues of the userspace data path that nothing else manages: the TUN
 * device's ring on the way out and the NAT-T socket's receive buffer on the
 * way in. TCP fills any FIFO it is given; a ping through the tunnel then
 * waits behind all of it. CoDel lets a queue absorb bursts but, once the
 * time packets spend in it has stayed above a target for a whole interval,
 * drops (or ECN-marks) one packet and then more often, until TCP backs off
 * and the standing queue is gone.
 *
 * The queue itself is not here: the caller tells, for each packet it takes
 * off a queue, how long that packet waited and whether the queue is now
 * (nearly) empty, and gets the verdict. Times are in nanoseconds of one
 * monotonic clock. Pure state, no clock read, no allocation.
 */
#ifndef L2TPSEC_LIB_CODEL_H
#define L2TPSEC_LIB_CODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 8289 §4.3 and §4.4: the defaults for the Internet. */
#define CODEL_TARGET_NS   (5ULL * 1000 * 1000)
#define CODEL_INTERVAL_NS (100ULL * 1000 * 1000)

struct codel {
	uint64_t target_ns, interval_ns;
	uint64_t first_above; /* when the sojourn time may count as standing (0: below) */
	uint64_t drop_next;   /* when the next drop is due while dropping */
	uint32_t count;       /* drops since dropping began (RFC 8289 §5.5) */
	uint32_t lastcount;   /* count when the last dropping state began */
	bool dropping;
};

/* RFC 8289's defaults: target 5 ms, interval 100 ms. */
void codel_init(struct codel *c);
/* A packet leaves the queue at now after waiting sojourn_ns; queue_empty:
 * nothing (or less than a packet) is left behind it, so that the wait was a
 * burst passing, not a standing queue (RFC 8289 §5.4). true: drop or mark
 * this packet. */
bool codel_drop(struct codel *c, uint64_t sojourn_ns, uint64_t now_ns, bool queue_empty);

/* The drop as an ECN mark where the packet allows it (RFC 3168 §5-6): an
 * IPv4 or IPv6 packet sent ECN-capable (ECT(0) or ECT(1)) gets Congestion
 * Experienced, with the IPv4 header checksum updated (RFC 1624). true: the
 * packet was marked and goes on; false: not ECN-capable (or already CE, or
 * not a valid IP header): drop it. */
bool codel_ecn_mark(uint8_t *pkt, size_t len);
/* Whether codel_ecn_mark() would mark this packet, without changing it. */
bool codel_ecn_capable(const uint8_t *pkt, size_t len);

#endif
