/*
 * Test harness for the built-in PPP: one instance whose frames land in a
 * queue, and a scripted peer that sends hand-made packets and checks what
 * comes back. Also wires two instances back to back (loopback tests).
 */
#ifndef L2TPSEC_TESTS_PPP_HARNESS_H
#define L2TPSEC_TESTS_PPP_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/log.h"
#include "lib/loop.h"
#include "ppp/ppp.h"

#define H_MAX_FRAMES 128
#define H_MAX_FRAME  2048

struct harness {
	struct loop *loop;
	struct logger lg;
	struct ppp *ppp;
	struct harness *wire; /* loopback: frames go to this side's queue */
	uint8_t frames[H_MAX_FRAMES][H_MAX_FRAME];
	size_t lens[H_MAX_FRAMES];
	size_t head, tail;
	bool down;
	struct ppp_failure why;
	int ip_up_count;
	struct ppp_ip_info ip;
	uint8_t delivered[H_MAX_FRAME];
	size_t delivered_len;
	int delivered_count;
	bool verbose;
	char log[32768]; /* every log line, for "no secret in the logs" checks */
	size_t log_len;
};

/* Defaults for tests: short timers, small counters. */
void h_config(struct ppp_config *cfg);
void h_init(struct harness *h, struct loop *loop, const struct ppp_config *cfg);
void h_free(struct harness *h);
size_t h_pending(const struct harness *h);
/* Pop the next frame we sent; it must be proto/code. Returns the packet
 * (code, id, length, data) and its length; fails the test otherwise. */
const uint8_t *h_expect(struct harness *h, uint16_t proto, uint8_t code, size_t *len);
/* Like h_expect, dropping frames of other protocols first. */
const uint8_t *h_expect_skip(struct harness *h, uint16_t proto, uint8_t code, size_t *len);
/* Take out the first queued frame of proto, leaving the others in order;
 * it must have this code. */
const uint8_t *h_expect_find(struct harness *h, uint16_t proto, uint8_t code, size_t *len);
/* Pop and ignore the next frame. */
void h_drop(struct harness *h);
/* Drop every queued frame. */
void h_flush(struct harness *h);
/* A packet from the peer: FF 03, proto, code, id, length, data. */
void h_send(struct harness *h, uint16_t proto, uint8_t code, uint8_t id, const void *data,
            size_t len);
void h_send_raw(struct harness *h, const void *frame, size_t len);
/* Run the loop for about ms milliseconds. */
void h_run(struct harness *h, unsigned ms);
/* Run the loop until the link is down, at most max_ms (slow machines). */
void h_run_until_down(struct harness *h, unsigned max_ms);
/* Run the loop until we sent a frame, at most max_ms. */
void h_run_until_frame(struct harness *h, unsigned max_ms);

/* Scripted peer: open LCP with our request acked and peer_opts acked by us. */
void h_open_lcp(struct harness *h, const uint8_t *peer_opts, size_t peer_len);
/* Then IPCP: Nak our 0.0.0.0 with addr/dns, ack, send peer_addr. */
void h_open_ipcp(struct harness *h, const uint8_t addr[4], const uint8_t peer_addr[4]);

/* Loopback: move frames between a and b until both queues stay empty. */
void h_pump(struct harness *a, struct harness *b, unsigned max_ms);

#endif
