#include "esp/udp_csum.h"

#include <netinet/in.h>
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

/* The address bytes of a sockaddr, or NULL. */
static const uint8_t *addr_bytes(const struct sockaddr_storage *ss, size_t *len)
{
	if (ss->ss_family == AF_INET) {
		*len = 4;
		return (const uint8_t *)&((const struct sockaddr_in *)ss)->sin_addr;
	}
	if (ss->ss_family == AF_INET6) {
		*len = 16;
		return (const uint8_t *)&((const struct sockaddr_in6 *)ss)->sin6_addr;
	}
	return NULL;
}

int csum_pseudo(const struct sockaddr_storage *src, const struct sockaddr_storage *dst,
                size_t udp_len, uint32_t *sum)
{
	const uint8_t *s, *d;
	size_t slen = 0, dlen = 0;
	uint32_t acc;

	s = addr_bytes(src, &slen);
	d = addr_bytes(dst, &dlen);
	if (!s || !d || slen != dlen)
		return -1;
	acc = csum_partial(s, slen, 0);
	acc = csum_partial(d, dlen, acc);
	/* RFC 768 / RFC 8200 §8.1: zero-padded protocol and the UDP length. */
	acc += IPPROTO_UDP;
	acc += (uint32_t)(udp_len >> 16) + (uint32_t)(udp_len & 0xffff);
	*sum = acc;
	return 0;
}

uint16_t udp_csum_compute(const struct sockaddr_storage *src, const struct sockaddr_storage *dst,
                          const uint8_t *udp, size_t udp_len)
{
	uint32_t sum = 0;

	if (csum_pseudo(src, dst, udp_len, &sum) < 0)
		return 0xffff;
	sum = csum_partial(udp, udp_len, sum);
	return (uint16_t)~csum_fold(sum);
}

uint16_t udp_csum_readdress(uint16_t csum, const struct sockaddr_storage *old_src,
                            const struct sockaddr_storage *old_dst,
                            const struct sockaddr_storage *new_src,
                            const struct sockaddr_storage *new_dst)
{
	uint32_t old_sum, new_sum, sum;

	if (csum_pseudo(old_src, old_dst, 0, &old_sum) < 0 ||
	    csum_pseudo(new_src, new_dst, 0, &new_sum) < 0)
		return csum;
	/* HC' = ~(~HC + ~m + m')  (RFC 1624 eqn. 3), over the address words. */
	sum = (uint16_t)~csum;
	sum += (uint16_t)~csum_fold(old_sum);
	sum += csum_fold(new_sum);
	csum = (uint16_t)~csum_fold(sum);
	return csum;
}
