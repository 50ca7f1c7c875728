/* TCP MSS clamping (see mss_clamp.h): IPv4 (RFC 791) and IPv6 (RFC 8200)
 * without extension headers, the MSS option of RFC 9293 §3.2. */
#include "sys/mss_clamp.h"

#include "lib/buf.h"

#define IPPROTO_TCP_NUM 6
#define TCP_SYN         0x02
#define TCP_CSUM_OFF    16
#define TCPOPT_EOL      0
#define TCPOPT_NOP      1
#define TCPOPT_MSS      2
#define TCPOLEN_MSS     4

/* The TCP header's offset in pkt and its length; 0 when pkt is not a whole
 * unfragmented TCP segment (a later fragment has no header to change, and
 * a first one is left alone as well: reassembly is the far end's). */
static size_t tcp_offset(const uint8_t *pkt, size_t len, bool *ipv6, size_t *tcp_len)
{
	size_t ihl;

	if (len < 20)
		return 0;
	if (pkt[0] >> 4 == 4) {
		ihl = (size_t)(pkt[0] & 0xf) * 4;
		if (ihl < 20 || pkt[9] != IPPROTO_TCP_NUM || (get_be16(pkt + 6) & 0x3fff) != 0)
			return 0;
		*ipv6 = false;
	} else if (pkt[0] >> 4 == 6) {
		ihl = 40;
		if (len < 40 || pkt[6] != IPPROTO_TCP_NUM)
			return 0;
		*ipv6 = true;
	} else {
		return 0;
	}
	if (len < ihl + 20)
		return 0;
	*tcp_len = (size_t)(pkt[ihl + 12] >> 4) * 4;
	if (*tcp_len < 20 || len < ihl + *tcp_len)
		return 0;
	return ihl;
}

unsigned mss_for_mtu(unsigned mtu, bool ipv6)
{
	unsigned hdrs = ipv6 ? 60 : 40;

	return mtu > hdrs ? mtu - hdrs : 0;
}

size_t mss_clamp_offset(const uint8_t *pkt, size_t len, unsigned mtu)
{
	size_t ihl, tcp_len, i;
	bool ipv6;
	unsigned mss;

	ihl = tcp_offset(pkt, len, &ipv6, &tcp_len);
	if (ihl == 0 || !(pkt[ihl + 13] & TCP_SYN) || (mss = mss_for_mtu(mtu, ipv6)) == 0)
		return 0;
	/* RFC 9293 §3.1: kinds 0 and 1 are one byte, the others kind, length */
	for (i = ihl + 20; i < ihl + tcp_len;) {
		uint8_t kind = pkt[i], olen;

		if (kind == TCPOPT_EOL)
			return 0;
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= ihl + tcp_len)
			return 0;
		olen = pkt[i + 1];
		if (olen < 2 || i + olen > ihl + tcp_len)
			return 0;
		if (kind == TCPOPT_MSS)
			return olen == TCPOLEN_MSS && get_be16(pkt + i + 2) > mss ? i + 2 : 0;
		i += olen;
	}
	return 0;
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). A 16-bit field at an odd
 * offset from the TCP header spans two checksum words: by RFC 1071 §2(B)
 * it counts as the byte-swapped value. */
static uint16_t csum_replace(uint16_t hc, uint16_t old, uint16_t new, bool odd)
{
	uint32_t sum;

	if (odd) {
		old = (uint16_t)(old << 8 | old >> 8);
		new = (uint16_t)(new << 8 | new >> 8);
	}
	sum = (uint32_t)(uint16_t)~hc + (uint16_t)~old + new;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

bool mss_clamp(uint8_t *pkt, size_t len, unsigned mtu)
{
	size_t at = mss_clamp_offset(pkt, len, mtu), ihl, tcp_len;
	bool ipv6;
	uint16_t old, mss;

	if (at == 0)
		return false;
	ihl = tcp_offset(pkt, len, &ipv6, &tcp_len);
	old = get_be16(pkt + at);
	mss = (uint16_t)mss_for_mtu(mtu, ipv6);
	put_be16(pkt + at, mss);
	put_be16(pkt + ihl + TCP_CSUM_OFF,
	         csum_replace(get_be16(pkt + ihl + TCP_CSUM_OFF), old, mss, (at - ihl) & 1));
	return true;
}
