/* libFuzzer target: L2TP header and control message parsing (RFC 2661 §3,
 * §4), with and without a tunnel secret for hidden AVPs. The first input
 * byte selects the secret. Decoded lengths must stay inside the input or
 * the decoder's own arena. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "l2tp/message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_within(const struct l2tp_bytes *b, const uint8_t *data, size_t size,
                         const struct l2tp_ctrl_msg *m)
{
	const uint8_t *a = m->arena;

	if (!b->p)
		return;
	if (!((b->p >= data && b->p + b->len <= data + size) ||
	      (b->p >= a && b->p + b->len <= a + m->arena_used)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t secret[] = "fuzz-secret";
	static struct l2tp_ctrl_msg m;
	struct l2tp_hdr h;
	const char *why = NULL;
	uint16_t err = 0;
	int with_secret;

	if (size < 1)
		return 0;
	with_secret = data[0] & 1;
	data++;
	size--;
	if (l2tp_hdr_parse(data, size, &h, &why) != 0)
		return 0;
	if (h.payload_off > size || h.payload_len > size - h.payload_off)
		abort();
	if (!h.control)
		return 0;
	if (l2tp_ctrl_decode(data + h.payload_off, h.payload_len, with_secret ? secret : NULL,
	                     with_secret ? sizeof(secret) - 1 : 0, &m, &err, &why) == 0) {
		check_within(&m.host_name, data, size, &m);
		check_within(&m.vendor_name, data, size, &m);
		check_within(&m.challenge, data, size, &m);
		check_within(&m.result_msg, data, size, &m);
		check_within(&m.q931, data, size, &m);
		if (m.arena_used > sizeof(m.arena))
			abort();
	} else if (!why) {
		abort();
	}
	return 0;
}
