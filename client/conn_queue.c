/* Queue management of the userspace data path: CoDel (RFC 8289) on the two
 * FIFOs between the host and l2tpsec that TCP would otherwise keep full.
 *
 * Out: the TUN device's ring (500 packets by default; tun orphans what it
 * queues, so TCP Small Queues does not hold the local sender back). A read
 * cannot tell how long a packet waited, but the ring was empty the last
 * time a read found nothing, so every packet read since arrived after that:
 * now minus that time bounds its wait from above. CoDel acts only on a
 * wait above target for a whole interval, i.e. on a ring that has not once
 * been empty for 100 ms: a standing queue, which is what it is there for.
 *
 * In: the NAT-T socket's receive queue (4 MiB so that the gateway's bursts
 * are not lost); the kernel stamps each datagram on arrival, so the wait is
 * known (esp/natt_sock.h). */
#include "client/conn_internal.h"

#include "config/profile.h"

#include "esp/natt_sock.h"

/* The wait CoDel lets stand. RFC 8289's 5 ms is for a link's queue; these
 * queues drain at the pace of a CPU that l2tpsec shares with the senders
 * and the kernel's network work, in bursts of scheduling, much as a Wi-Fi
 * link's airtime comes in bursts (Linux's mac80211 runs CoDel with 20 ms
 * for that reason). On the rig's one shared vCPU, the download's throughput
 * with CoDel was 0.80 of the FIFO's at 5 ms in one boot; at 20 ms it is
 * level with the FIFO's (1.00-1.02 up and down in the latency bench, 1.01
 * over 7 downloads in another boot) while a ping under load waits 40-50 ms
 * against the FIFO's 220 (tests/bench/README.md). */
#define CONN_QUEUE_TARGET_NS (20ULL * 1000 * 1000)

void conn_queue_reset(struct conn *c)
{
	struct conn_queue *q = &c->queue;

	*q = (struct conn_queue){.codel = c->p->profile->queue == PROFILE_QUEUE_CODEL};
	codel_init(&q->out);
	codel_init(&q->in);
	q->out.target_ns = q->in.target_ns = CONN_QUEUE_TARGET_NS;
}

bool conn_queue_out_drop(struct conn *c, uint8_t *pkt, size_t len, uint64_t now_ns)
{
	struct conn_queue *q = &c->queue;
	uint64_t waited_ns = now_ns > q->out_empty_ns ? now_ns - q->out_empty_ns : 0;

	if (!q->codel || !codel_drop(&q->out, waited_ns, now_ns, false))
		return false;
	if (codel_ecn_mark(pkt, len)) {
		q->marked_out++;
		return false;
	}
	q->dropped_out++;
	return true;
}

void conn_queue_out_empty(struct conn *c, uint64_t now_ns)
{
	struct conn_queue *q = &c->queue;

	q->out_empty_ns = now_ns;
	/* RFC 8289 §5.4: an empty queue ends the standing one (and with it a
	 * dropping state): the next packet is judged afresh */
	if (q->codel)
		(void)codel_drop(&q->out, 0, now_ns, true);
}

enum conn_queue_verdict conn_queue_in(struct conn *c, const uint8_t *pkt, size_t len)
{
	struct conn_queue *q = &c->queue;
	struct natt_rx_wait w;

	if (!q->codel || !c->natt)
		return CONN_QUEUE_PASS;
	natt_sock_rx_wait(c->natt, &w);
	if (!codel_drop(&q->in, w.sojourn_ns, w.now_ns, w.queue_empty))
		return CONN_QUEUE_PASS;
	if (codel_ecn_capable(pkt, len)) {
		q->marked_in++;
		return CONN_QUEUE_MARK;
	}
	q->dropped_in++;
	return CONN_QUEUE_DROP;
}
