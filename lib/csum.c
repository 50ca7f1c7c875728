#include "lib/csum.h"

#include <string.h>

/* RFC 1071 §2(B): the one's-complement sum does not depend on byte order,
 * so sum native-order words 8 bytes at a time and swap the folded result. */
uint32_t csum_partial(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;
	uint64_t acc = 0;
	uint16_t half = 0;

	/* 32-bit words into four 64-bit sums: no carries to track (2^32
	 * words would be needed to overflow), and independent adds the CPU
	 * (or the vectoriser) runs side by side. */
	uint64_t a1 = 0, a2 = 0, a3 = 0;

	while (len >= 16) {
		uint32_t w[4];

		memcpy(w, p, 16);
		acc += w[0];
		a1 += w[1];
		a2 += w[2];
		a3 += w[3];
		p += 16;
		len -= 16;
	}
	acc = (acc & 0xffffffffu) + (acc >> 32) + (a1 & 0xffffffffu) + (a1 >> 32) +
	      (a2 & 0xffffffffu) + (a2 >> 32) + (a3 & 0xffffffffu) + (a3 >> 32);
	while (len >= 8) {
		uint64_t w;

		memcpy(&w, p, 8);
		acc += (w & 0xffffffffu) + (w >> 32);
		p += 8;
		len -= 8;
	}
	while (len >= 2) {
		memcpy(&half, p, 2);
		acc += half;
		p += 2;
		len -= 2;
	}
	if (len) {
		half = 0;
		memcpy(&half, p, 1); /* the odd byte is the high half of a word */
		acc += half;
	}
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	acc = ((acc & 0xff) << 8) | (acc >> 8);
#endif
	acc += sum;
	while (acc >> 32)
		acc = (acc & 0xffffffffu) + (acc >> 32);
	return (uint32_t)acc;
}

uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}
