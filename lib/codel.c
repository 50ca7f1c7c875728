/* CoDel (RFC 8289) as a verdict per packet leaving a queue; see codel.h. */
#include "lib/codel.h"

#include <string.h>

/* Bounds the control law's sqrt(count); RFC 8289 §5.5 lets count grow
 * while a standing queue lasts, and beyond this the spacing barely moves. */
#define CODEL_COUNT_MAX (1U << 20)

void codel_init(struct codel *c)
{
	memset(c, 0, sizeof(*c));
	c->target_ns = CODEL_TARGET_NS;
	c->interval_ns = CODEL_INTERVAL_NS;
}

static uint64_t isqrt64(uint64_t v)
{
	uint64_t r = 0, bit = 1ULL << 62;

	while (bit > v)
		bit >>= 2;
	while (bit) {
		if (v >= r + bit) {
			v -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return r;
}

/* RFC 8289 §5.5: the next drop interval/sqrt(count) after t, so that the
 * drop rate grows until TCP's rate falls below what the queue drains. */
static uint64_t control_law(const struct codel *c, uint64_t t)
{
	uint32_t n = c->count < CODEL_COUNT_MAX ? c->count : CODEL_COUNT_MAX;
	/* sqrt(n) in 16.16 fixed point: sqrt(n << 32) */
	uint64_t root = isqrt64((uint64_t)(n ? n : 1) << 32);

	return t + (c->interval_ns << 16) / root;
}

/* RFC 8289 §5.4: true once the sojourn time has stayed at or above target
 * for a whole interval; a queue that empties was a burst, not a standing
 * queue, and starts the count again. */
static bool ok_to_drop(struct codel *c, uint64_t sojourn_ns, uint64_t now_ns, bool queue_empty)
{
	if (sojourn_ns < c->target_ns || queue_empty) {
		c->first_above = 0;
		return false;
	}
	if (c->first_above == 0) {
		c->first_above = now_ns + c->interval_ns;
		return false;
	}
	return now_ns >= c->first_above;
}

bool codel_drop(struct codel *c, uint64_t sojourn_ns, uint64_t now_ns, bool queue_empty)
{
	bool ok = ok_to_drop(c, sojourn_ns, now_ns, queue_empty);
	int64_t since_last;

	if (c->dropping) {
		if (!ok) {
			c->dropping = false;
			return false;
		}
		if (now_ns < c->drop_next)
			return false;
		if (c->count < UINT32_MAX)
			c->count++;
		c->drop_next = control_law(c, c->drop_next);
		return true;
	}
	if (!ok)
		return false;
	/* RFC 8289 §5.5: coming back into the dropping state soon after the
	 * last one, start from the drop rate that state had reached (the
	 * standing queue came back), not from one drop per interval. */
	c->dropping = true;
	since_last = (int64_t)(now_ns - c->drop_next);
	if (c->count - c->lastcount > 1 && since_last < (int64_t)(16 * c->interval_ns))
		c->count -= c->lastcount;
	else
		c->count = 1;
	c->lastcount = c->count;
	c->drop_next = control_law(c, now_ns);
	return true;
}

/* The ECN field (RFC 3168 §5) of an IPv4 or IPv6 packet, or -1. */
static int ecn_field(const uint8_t *pkt, size_t len)
{
	if (len >= 20 && pkt[0] >> 4 == 4 && (pkt[0] & 0x0f) >= 5)
		return pkt[1] & 3;
	if (len >= 40 && pkt[0] >> 4 == 6)
		return (pkt[1] >> 4) & 3;
	return -1;
}

bool codel_ecn_capable(const uint8_t *pkt, size_t len)
{
	return ecn_field(pkt, len) > 0;
}

bool codel_ecn_mark(uint8_t *pkt, size_t len)
{
	int ecn = ecn_field(pkt, len);
	uint32_t sum;
	uint16_t old_word, new_word;

	if (ecn <= 0)
		return false; /* Not-ECT (or no IP header): the sender would not see a mark */
	if (ecn == 3)
		return true; /* CE already */
	if (pkt[0] >> 4 == 6) {
		pkt[1] |= 0x30;
		return true;
	}
	/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m') on the word holding TOS */
	old_word = (uint16_t)(pkt[0] << 8 | pkt[1]);
	pkt[1] |= 3;
	new_word = (uint16_t)(pkt[0] << 8 | pkt[1]);
	sum = (uint16_t) ~(pkt[10] << 8 | pkt[11]);
	sum += (uint16_t)~old_word;
	sum += new_word;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	pkt[10] = (uint8_t)(~sum >> 8);
	pkt[11] = (uint8_t)~sum;
	return true;
}
