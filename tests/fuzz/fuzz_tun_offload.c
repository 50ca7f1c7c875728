/* libFuzzer target for the TUN offloads (sys/tun_offload) and the MSS clamp
 * (sys/mss_clamp). The first byte chooses the way in:
 *  - odd: a read from a TUN with virtio headers, cut into segments into an
 *    output buffer of a size the input chooses (exactly that size on the
 *    heap, for ASan); each segment is clamped and given to GRO;
 *  - even: packets (2-byte length, then the packet) clamped and coalesced.
 * Nothing may crash, read or write outside its buffer, report a segment
 * longer than its buffer or a pending super-packet beyond 64 KiB, and a
 * clamp must keep a valid TCP checksum valid. Each packet is also given
 * CoDel's ECN mark (lib/codel), which must keep a valid IPv4 header
 * checksum valid. GRO writes go to /dev/null. */
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/codel.h"
#include "lib/csum.h"
#include "sys/mss_clamp.h"
#include "sys/tun_offload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether pkt is a TCP segment whose checksum verifies (the IP header's
 * length field aside: the segment is the rest of the buffer). */
static bool tcp_csum_ok(const uint8_t *pkt, size_t len)
{
	bool ipv6 = len >= 40 && pkt[0] >> 4 == 6;
	size_t ihl = ipv6 ? 40 : len ? (size_t)(pkt[0] & 0xf) * 4 : 0;
	uint32_t sum;

	if (ihl < 20 || len < ihl + 20 || pkt[ipv6 ? 6 : 9] != 6)
		return false;
	sum = ipv6 ? csum_partial(pkt + 8, 32, 0) : csum_partial(pkt + 12, 8, 0);
	sum += 6 + (uint32_t)(len - ihl);
	return csum_fold(csum_partial(pkt + ihl, len - ihl, sum)) == 0xffff;
}

/* Whether pkt starts with an IPv4 header whose checksum verifies. */
static bool ipv4_csum_ok(const uint8_t *pkt, size_t len)
{
	size_t ihl = len ? (size_t)(pkt[0] & 0xf) * 4 : 0;

	return len >= 20 && pkt[0] >> 4 == 4 && ihl >= 20 && ihl <= len &&
	       csum_fold(csum_partial(pkt, ihl, 0)) == 0xffff;
}

static void clamp_and_add(struct tun_gro *g, int fd, uint8_t *pkt, size_t len, unsigned mtu)
{
	bool valid = tcp_csum_ok(pkt, len), ip_valid = ipv4_csum_ok(pkt, len);

	if (mss_clamp(pkt, len, mtu) && valid && !tcp_csum_ok(pkt, len))
		abort();
	if (codel_ecn_mark(pkt, len) && ip_valid && !ipv4_csum_ok(pkt, len))
		abort();
	tun_gro_add(g, fd, pkt, len);
	if (g->len > TUN_MAX_SUPER)
		abort();
}

static void segments(struct tun_gro *g, int fd, const uint8_t *data, size_t size, unsigned mtu)
{
	struct tun_gso_iter it;
	size_t cap;
	uint8_t *out;
	ssize_t n;

	if (size < 2)
		return;
	cap = 1 + ((size_t)get_be16(data) % 2048);
	if (tun_gso_start(&it, data + 2, size - 2) < 0 || !(out = malloc(cap)))
		return;
	while ((n = tun_gso_next(&it, out, cap)) > 0) {
		if ((size_t)n > cap)
			abort();
		clamp_and_add(g, fd, out, (size_t)n, mtu);
	}
	free(out);
}

static void packets(struct tun_gro *g, int fd, const uint8_t *data, size_t size, unsigned mtu)
{
	while (size >= 2) {
		size_t len = get_be16(data) % 1600;
		uint8_t *pkt;

		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		pkt = malloc(len ? len : 1);
		if (!pkt)
			return;
		memcpy(pkt, data, len);
		clamp_and_add(g, fd, pkt, len, mtu);
		free(pkt);
		data += len;
		size -= len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int null_fd = -1;
	struct tun_gro *g;
	unsigned mtu;

	if (size < 3)
		return 0;
	if (null_fd < 0)
		null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	g = malloc(sizeof(*g));
	if (!g)
		return 0;
	tun_gro_init(g);
	mtu = get_be16(data + 1);
	if (data[0] & 1)
		segments(g, null_fd, data + 3, size - 3, mtu);
	else
		packets(g, null_fd, data + 3, size - 3, mtu);
	tun_gro_flush(g, null_fd);
	free(g);
	return 0;
}
