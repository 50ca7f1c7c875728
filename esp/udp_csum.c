#include "esp/udp_csum.h"

#include <netinet/in.h>
#include <string.h>

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
