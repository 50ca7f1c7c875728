/* libFuzzer target: a TLV walker over the buffer reader. It must never read
 * out of bounds (ASan) and must account for every byte it consumed. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "lib/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf_reader r;
	uint8_t scratch[64];

	br_init(&r, data, size);
	while (br_remaining(&r) > 0) {
		struct buf_reader sub;
		uint8_t type;
		uint16_t len;

		if (br_u8(&r, &type) || br_u16(&r, &len) || br_sub(&r, &sub, len))
			break;
		switch (type % 4) {
		case 0:
			br_bytes(&sub, scratch, sizeof(scratch) < len ? sizeof(scratch) : len);
			break;
		case 1: {
			uint64_t v;

			while (br_u64(&sub, &v) == 0)
				;
			break;
		}
		case 2: {
			const uint8_t *p;

			if (br_ptr(&sub, &p, br_remaining(&sub)) == 0 && len && p[len - 1] == 0xff)
				scratch[0] = p[0];
			break;
		}
		default:
			br_skip(&sub, type);
			break;
		}
		if (sub.off > sub.len)
			abort();
	}
	if (r.off > r.len)
		abort();
	return 0;
}
