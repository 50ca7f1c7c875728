/* Test harness for the built-in PPP (see harness.h). */
#include "tests/ppp/harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lib/buf.h"

static int h_send_frame(void *ctx, const uint8_t *frame, size_t len)
{
	struct harness *h = ctx;
	struct harness *q = h->wire ? h->wire : h;
	size_t slot = q->tail % H_MAX_FRAMES;

	assert_true(len <= H_MAX_FRAME);
	assert_true(q->tail - q->head < H_MAX_FRAMES);
	memcpy(q->frames[slot], frame, len);
	q->lens[slot] = len;
	q->tail++;
	return 0;
}

static void h_ip_up(void *ctx, const struct ppp_ip_info *info)
{
	struct harness *h = ctx;

	h->ip = *info;
	h->ip_up_count++;
}

static void h_deliver(void *ctx, const uint8_t *pkt, size_t len)
{
	struct harness *h = ctx;

	assert_true(len <= sizeof(h->delivered));
	memcpy(h->delivered, pkt, len);
	h->delivered_len = len;
	h->delivered_count++;
}

static void h_down(void *ctx, const struct ppp_failure *why)
{
	struct harness *h = ctx;

	assert_false(h->down); /* once */
	h->down = true;
	h->why = *why;
}

static void h_sink(void *ctx, enum log_subsys sub, enum log_level lvl, const char *line)
{
	struct harness *h = ctx;

	(void)sub;
	(void)lvl;
	h->log_len +=
	    (size_t)snprintf(h->log + h->log_len, sizeof(h->log) - h->log_len, "%s\n", line);
	if (h->log_len >= sizeof(h->log))
		h->log_len = sizeof(h->log) - 1;
	if (h->verbose)
		fprintf(stderr, "# %s\n", line);
}

void h_config(struct ppp_config *cfg)
{
	static const uint8_t pw[] = "clientPass";

	memset(cfg, 0, sizeof(*cfg));
	cfg->user = "User";
	cfg->password = pw;
	cfg->password_len = sizeof(pw) - 1;
	/* the scripted peers mostly ask for no authentication */
	cfg->auth_allowed = PPP_AUTH_ALL | PPP_AUTH_ALLOW_NONE;
	cfg->request_dns = true;
	cfg->restart_ms = 20;
	cfg->max_configure = 4;
	cfg->max_terminate = 2;
	cfg->max_failure = 3;
}

void h_init(struct harness *h, struct loop *loop, const struct ppp_config *cfg)
{
	static const struct ppp_callbacks cbs = {
	    .send_frame = h_send_frame,
	    .ip_up = h_ip_up,
	    .deliver_ip = h_deliver,
	    .down = h_down,
	};

	memset(h, 0, sizeof(*h));
	h->loop = loop;
	log_init(&h->lg, LOG_TO_SINK, LOG_LVL_DEBUG);
	log_set_sink(&h->lg, h_sink, h);
	h->ppp = ppp_new(loop, &h->lg, cfg, &cbs, h);
	assert_non_null(h->ppp);
}

void h_free(struct harness *h)
{
	ppp_free(h->ppp);
	h->ppp = NULL;
}

size_t h_pending(const struct harness *h)
{
	return h->tail - h->head;
}

static const uint8_t *h_pop(struct harness *h, size_t *len)
{
	size_t slot;

	assert_true(h_pending(h) > 0);
	slot = h->head++ % H_MAX_FRAMES;
	*len = h->lens[slot];
	return h->frames[slot];
}

const uint8_t *h_expect(struct harness *h, uint16_t proto, uint8_t code, size_t *len)
{
	size_t flen;
	const uint8_t *f = h_pop(h, &flen);

	assert_true(flen >= 8);
	assert_int_equal(f[0], 0xff);
	assert_int_equal(f[1], 0x03);
	assert_int_equal(get_be16(f + 2), proto);
	assert_int_equal(f[4], code);
	assert_int_equal(get_be16(f + 6), flen - 4);
	if (len)
		*len = flen - 4;
	return f + 4;
}

const uint8_t *h_expect_skip(struct harness *h, uint16_t proto, uint8_t code, size_t *len)
{
	while (h_pending(h) > 0) {
		size_t slot = h->head % H_MAX_FRAMES;

		if (h->lens[slot] >= 4 && get_be16(h->frames[slot] + 2) == proto)
			break;
		h->head++;
	}
	return h_expect(h, proto, code, len);
}

const uint8_t *h_expect_find(struct harness *h, uint16_t proto, uint8_t code, size_t *len)
{
	static uint8_t found[H_MAX_FRAME];
	size_t i, flen = 0;

	for (i = h->head; i < h->tail; i++) {
		size_t slot = i % H_MAX_FRAMES;

		if (h->lens[slot] >= 4 && get_be16(h->frames[slot] + 2) == proto)
			break;
	}
	assert_true(i < h->tail);
	flen = h->lens[i % H_MAX_FRAMES];
	memcpy(found, h->frames[i % H_MAX_FRAMES], flen);
	/* close the gap */
	for (; i + 1 < h->tail; i++) {
		size_t a = i % H_MAX_FRAMES, b = (i + 1) % H_MAX_FRAMES;

		memcpy(h->frames[a], h->frames[b], h->lens[b]);
		h->lens[a] = h->lens[b];
	}
	h->tail--;
	assert_int_equal(found[4], code);
	assert_int_equal(get_be16(found + 6), flen - 4);
	if (len)
		*len = flen - 4;
	return found + 4;
}

void h_drop(struct harness *h)
{
	size_t len;

	h_pop(h, &len);
}

void h_flush(struct harness *h)
{
	h->head = h->tail;
}

void h_send_raw(struct harness *h, const void *frame, size_t len)
{
	ppp_input(h->ppp, frame, len);
}

void h_send(struct harness *h, uint16_t proto, uint8_t code, uint8_t id, const void *data,
            size_t len)
{
	uint8_t f[H_MAX_FRAME];

	assert_true(len + 8 <= sizeof(f));
	f[0] = 0xff;
	f[1] = 0x03;
	put_be16(f + 2, proto);
	f[4] = code;
	f[5] = id;
	put_be16(f + 6, (uint16_t)(len + 4));
	if (len)
		memcpy(f + 8, data, len);
	ppp_input(h->ppp, f, len + 8);
}

void h_run(struct harness *h, unsigned ms)
{
	uint64_t end = loop_now_ms(h->loop) + ms;

	while (loop_now_ms(h->loop) < end)
		loop_run_once(h->loop, (int)(end - loop_now_ms(h->loop)));
}

void h_run_until_down(struct harness *h, unsigned max_ms)
{
	uint64_t end = loop_now_ms(h->loop) + max_ms;

	while (!h->down && loop_now_ms(h->loop) < end)
		loop_run_once(h->loop, 10);
}

void h_run_until_frame(struct harness *h, unsigned max_ms)
{
	uint64_t end = loop_now_ms(h->loop) + max_ms;

	while (!h_pending(h) && loop_now_ms(h->loop) < end)
		loop_run_once(h->loop, 10);
}

void h_open_lcp(struct harness *h, const uint8_t *peer_opts, size_t peer_len)
{
	size_t len;
	const uint8_t *req;

	assert_int_equal(ppp_start(h->ppp), 0);
	req = h_expect(h, 0xc021, 1, &len);
	h_send(h, 0xc021, 2, req[1], req + 4, len - 4);
	h_send(h, 0xc021, 1, 77, peer_opts, peer_len);
	req = h_expect(h, 0xc021, 2, &len);
	assert_int_equal(req[1], 77);
}

void h_open_ipcp(struct harness *h, const uint8_t addr[4], const uint8_t peer_addr[4])
{
	static const uint8_t dns1[4] = {8, 8, 8, 8}, dns2[4] = {8, 8, 4, 4};
	uint8_t nak[18], popts[6] = {3, 6};
	const uint8_t *req;
	size_t len;

	req = h_expect_find(h, 0x8021, 1, &len);
	assert_int_equal(len, 4 + 18);
	nak[0] = 3, nak[1] = 6, memcpy(nak + 2, addr, 4);
	nak[6] = 129, nak[7] = 6, memcpy(nak + 8, dns1, 4);
	nak[12] = 131, nak[13] = 6, memcpy(nak + 14, dns2, 4);
	h_send(h, 0x8021, 3, req[1], nak, sizeof(nak));
	req = h_expect_find(h, 0x8021, 1, &len);
	assert_int_equal(len, 4 + 18);
	assert_memory_equal(req + 4, nak, sizeof(nak));
	h_send(h, 0x8021, 2, req[1], nak, sizeof(nak));
	memcpy(popts + 2, peer_addr, 4);
	h_send(h, 0x8021, 1, 9, popts, sizeof(popts));
	req = h_expect_find(h, 0x8021, 2, &len);
	assert_int_equal(req[1], 9);
}

void h_pump(struct harness *a, struct harness *b, unsigned max_ms)
{
	uint64_t end = loop_now_ms(a->loop) + max_ms;

	while (loop_now_ms(a->loop) < end) {
		bool moved = false;

		/* a->wire == b: frames a sends sit in b's queue, for b. */
		while (h_pending(b) && !b->down) {
			size_t len;
			const uint8_t *f = h_pop(b, &len);
			uint8_t copy[H_MAX_FRAME];

			memcpy(copy, f, len);
			ppp_input(b->ppp, copy, len);
			moved = true;
		}
		while (h_pending(a) && !a->down) {
			size_t len;
			const uint8_t *f = h_pop(a, &len);
			uint8_t copy[H_MAX_FRAME];

			memcpy(copy, f, len);
			ppp_input(a->ppp, copy, len);
			moved = true;
		}
		if (!moved)
			loop_run_once(a->loop, 5);
	}
}
