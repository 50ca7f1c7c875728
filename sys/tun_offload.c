/* TSO segmentation and GRO coalescing for a TUN device with virtio headers
 * (see tun_offload.h). IPv4 (RFC 791) without options and IPv6 (RFC 8200)
 * without extension headers; TCP (RFC 9293) only. */
#include "sys/tun_offload.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/uio.h>

#include "lib/buf.h"
#include "lib/csum.h"
#include "lib/util.h"

#define VNET_F_NEEDS_CSUM 1
#define VNET_GSO_NONE     0
#define VNET_GSO_TCPV4    1
#define VNET_GSO_TCPV6    4
#define VNET_GSO_ECN      0x80
#define IPPROTO_TCP_NUM   6
#define TCP_FIN           0x01
#define TCP_PSH           0x08
#define TCP_ACK           0x10
#define TCP_CWR           0x80
#define TCP_CSUM_OFF      16

/* The legacy virtio header is in the host's byte order (no TUNSETVNETLE). */
static uint16_t hdr16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static void put_hdr16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

/* IP and TCP header lengths of a TCP packet; -1 when it is not one. */
static int tcp_headers(const uint8_t *pkt, size_t len, bool *ipv6, size_t *ihl, size_t *hdr)
{
	size_t doff;

	if (len < 20)
		return -1;
	if (pkt[0] >> 4 == 4) {
		*ipv6 = false;
		*ihl = (size_t)(pkt[0] & 0xf) * 4;
		if (*ihl < 20 || pkt[9] != IPPROTO_TCP_NUM)
			return -1;
	} else if (pkt[0] >> 4 == 6) {
		*ipv6 = true;
		*ihl = 40;
		if (len < 40 || pkt[6] != IPPROTO_TCP_NUM)
			return -1;
	} else {
		return -1;
	}
	if (len < *ihl + 20)
		return -1;
	doff = (size_t)(pkt[*ihl + 12] >> 4) * 4;
	if (doff < 20 || len < *ihl + doff)
		return -1;
	*hdr = *ihl + doff;
	return 0;
}

/* Sum of the pseudo-header (RFC 9293 §3.1, RFC 8200 §8.1) for tcp_len. */
static uint32_t tcp_pseudo(const uint8_t *ip, bool ipv6, size_t tcp_len)
{
	uint32_t sum = ipv6 ? csum_partial(ip + 8, 32, 0) : csum_partial(ip + 12, 8, 0);

	return sum + IPPROTO_TCP_NUM + (uint32_t)tcp_len;
}

/* Lengths in the IP header after the packet grew or shrank to total. */
static void set_ip_len(uint8_t *ip, bool ipv6, size_t ihl, size_t total)
{
	if (ipv6) {
		put_be16(ip + 4, (uint16_t)(total - 40));
		return;
	}
	put_be16(ip + 2, (uint16_t)total);
	put_be16(ip + 10, 0);
	put_be16(ip + 10, (uint16_t)~csum_fold(csum_partial(ip, ihl, 0)));
}

int tun_gso_start(struct tun_gso_iter *it, const uint8_t *buf, size_t len)
{
	bool ipv6;

	memset(it, 0, sizeof(*it));
	if (len <= TUN_VNET_HDR_LEN)
		return -1;
	it->flags = buf[0];
	it->gso_type = buf[1] & (uint8_t)~VNET_GSO_ECN;
	it->gso_size = hdr16(buf + 4);
	it->csum_start = hdr16(buf + 6);
	it->csum_offset = hdr16(buf + 8);
	it->pkt = buf + TUN_VNET_HDR_LEN;
	it->len = len - TUN_VNET_HDR_LEN;
	if (it->gso_type == VNET_GSO_NONE) {
		if ((it->flags & VNET_F_NEEDS_CSUM) &&
		    (size_t)it->csum_start + it->csum_offset + 2 > it->len)
			return -1;
		return 0;
	}
	if (it->gso_type != VNET_GSO_TCPV4 && it->gso_type != VNET_GSO_TCPV6)
		return -1; /* UDP segmentation is never asked for */
	if (tcp_headers(it->pkt, it->len, &ipv6, &it->ihl, &it->hdr_len) < 0 ||
	    ipv6 != (it->gso_type == VNET_GSO_TCPV6) || it->gso_size == 0 || it->len <= it->hdr_len)
		return -1;
	it->gso = true;
	it->next = it->hdr_len;
	return 0;
}

static ssize_t next_plain(struct tun_gso_iter *it, uint8_t *out, size_t cap)
{
	uint8_t *field;

	if (it->done)
		return 0;
	if (it->len > cap)
		return -1;
	it->done = true;
	memcpy(out, it->pkt, it->len);
	if (it->flags & VNET_F_NEEDS_CSUM) {
		/* the field holds the pseudo-header sum: sum from csum_start on */
		field = out + it->csum_start + it->csum_offset;
		put_be16(field, (uint16_t)~csum_fold(csum_partial(out + it->csum_start,
		                                                  it->len - it->csum_start, 0)));
	}
	return (ssize_t)it->len;
}

ssize_t tun_gso_next(struct tun_gso_iter *it, uint8_t *out, size_t cap)
{
	bool ipv6 = it->gso_type == VNET_GSO_TCPV6, last;
	size_t seg, total, tcp_len;
	uint8_t *tcp;

	if (!it->gso)
		return next_plain(it, out, cap);
	if (it->next >= it->len)
		return 0;
	seg = MIN((size_t)it->gso_size, it->len - it->next);
	total = it->hdr_len + seg;
	if (total > cap)
		return -1;
	last = it->next + seg == it->len;
	memcpy(out, it->pkt, it->hdr_len);
	memcpy(out + it->hdr_len, it->pkt + it->next, seg);
	if (!ipv6)
		put_be16(out + 4, (uint16_t)(get_be16(it->pkt + 4) + it->idx));
	set_ip_len(out, ipv6, it->ihl, total);
	tcp = out + it->ihl;
	put_be32(tcp + 4, get_be32(it->pkt + it->ihl + 4) + (uint32_t)(it->next - it->hdr_len));
	/* FIN and PSH belong to the last segment, CWR to the first */
	if (!last)
		tcp[13] &= (uint8_t) ~(TCP_FIN | TCP_PSH);
	if (it->idx > 0)
		tcp[13] &= (uint8_t)~TCP_CWR;
	tcp_len = total - it->ihl;
	put_be16(tcp + TCP_CSUM_OFF, 0);
	put_be16(tcp + TCP_CSUM_OFF,
	         (uint16_t)~csum_fold(csum_partial(tcp, tcp_len, tcp_pseudo(out, ipv6, tcp_len))));
	it->next += seg;
	it->idx++;
	return (ssize_t)total;
}

/* ---- GRO ---- */

void tun_gro_init(struct tun_gro *g)
{
	memset(g, 0, sizeof(*g));
}

static uint8_t *pending(struct tun_gro *g)
{
	return g->buf + TUN_VNET_HDR_LEN;
}

static int write_packet(struct tun_gro *g, int fd, const uint8_t *vhdr, const uint8_t *pkt,
                        size_t len)
{
	struct iovec iov[2] = {{.iov_base = (void *)vhdr, .iov_len = TUN_VNET_HDR_LEN},
	                       {.iov_base = (void *)pkt, .iov_len = len}};

	g->writes++;
	if (writev(fd, iov, 2) < 0 && errno != EAGAIN)
		return -1;
	return 0;
}

int tun_gro_flush(struct tun_gro *g, int fd)
{
	uint8_t *ip = pending(g), *h = g->buf;
	size_t tcp_len;
	int rc;

	if (g->len == 0)
		return 0;
	memset(h, 0, TUN_VNET_HDR_LEN);
	if (g->segs > 1) {
		set_ip_len(ip, g->ipv6, g->ihl, g->len);
		tcp_len = g->len - g->ihl;
		/* CHECKSUM_PARTIAL: the kernel takes the field as the
		 * pseudo-header sum and trusts the rest (ESP authenticated it) */
		put_be16(ip + g->ihl + TCP_CSUM_OFF, csum_fold(tcp_pseudo(ip, g->ipv6, tcp_len)));
		h[0] = VNET_F_NEEDS_CSUM;
		h[1] = g->ipv6 ? VNET_GSO_TCPV6 : VNET_GSO_TCPV4;
		put_hdr16(h + 2, (uint16_t)g->hdr_len);
		put_hdr16(h + 4, (uint16_t)g->seg_size);
		put_hdr16(h + 6, (uint16_t)g->ihl);
		put_hdr16(h + 8, TCP_CSUM_OFF);
	}
	g->writes++;
	rc = write(fd, g->buf, TUN_VNET_HDR_LEN + g->len) < 0 && errno != EAGAIN ? -1 : 0;
	g->len = 0;
	g->segs = 0;
	return rc;
}

/* Only plain data segments are joined: ACK, and PSH on the last one. */
static bool joinable_flags(uint8_t flags)
{
	return flags == TCP_ACK || flags == (TCP_ACK | TCP_PSH);
}

/* Whether pkt (headers of hdr bytes, payload after) continues the pending
 * packet: same addresses, IP fields, ports, ACK, window and options, the
 * next sequence number, and no larger than the segments before. */
static bool continues(const struct tun_gro *g, const uint8_t *pkt, size_t len, bool ipv6,
                      size_t ihl, size_t hdr)
{
	const uint8_t *p = g->buf + TUN_VNET_HDR_LEN, *t = pkt + ihl, *pt = p + ihl;
	size_t payload = len - hdr;

	if (g->len == 0 || g->closed || ipv6 != g->ipv6 || ihl != g->ihl || hdr != g->hdr_len ||
	    payload > g->seg_size || g->len + payload > TUN_MAX_SUPER)
		return false;
	if (ipv6 ? memcmp(pkt, p, 4) != 0 || pkt[7] != p[7] || memcmp(pkt + 8, p + 8, 32) != 0
	         : pkt[1] != p[1] || pkt[6] != p[6] || pkt[8] != p[8] ||
	               memcmp(pkt + 12, p + 12, 8) != 0)
		return false;
	return memcmp(t, pt, 4) == 0 && get_be32(t + 4) == g->next_seq &&
	       memcmp(t + 8, pt + 8, 4) == 0 && joinable_flags(t[13]) &&
	       memcmp(t + 14, pt + 14, 2) == 0 && memcmp(t + 20, pt + 20, hdr - ihl - 20) == 0;
}

/* A TCP data segment that may start a super-packet. */
static bool may_start(const uint8_t *pkt, size_t len, bool *ipv6, size_t *ihl, size_t *hdr)
{
	if (tcp_headers(pkt, len, ipv6, ihl, hdr) < 0 || len == *hdr ||
	    !joinable_flags(pkt[*ihl + 13]))
		return false;
	if (*ipv6)
		return (size_t)get_be16(pkt + 4) + 40 == len;
	/* no IP options, not a fragment, the length as the header says */
	return *ihl == 20 && (get_be16(pkt + 6) & 0x3fff) == 0 && (size_t)get_be16(pkt + 2) == len;
}

int tun_gro_add(struct tun_gro *g, int fd, const uint8_t *pkt, size_t len)
{
	static const uint8_t plain[TUN_VNET_HDR_LEN];
	bool ipv6;
	size_t ihl, hdr;
	uint8_t *t;

	g->packets++;
	if (!may_start(pkt, len, &ipv6, &ihl, &hdr)) {
		if (tun_gro_flush(g, fd) < 0)
			return -1;
		return write_packet(g, fd, plain, pkt, len);
	}
	if (continues(g, pkt, len, ipv6, ihl, hdr)) {
		t = pending(g) + ihl;
		memcpy(pending(g) + g->len, pkt + hdr, len - hdr);
		g->len += len - hdr;
		g->segs++;
		g->next_seq += (uint32_t)(len - hdr);
		if (len - hdr < g->seg_size || (pkt[ihl + 13] & TCP_PSH)) {
			t[13] |= pkt[ihl + 13] & TCP_PSH;
			g->closed = true;
		}
		return 0;
	}
	if (tun_gro_flush(g, fd) < 0)
		return -1;
	memcpy(pending(g), pkt, len);
	g->len = len;
	g->segs = 1;
	g->ipv6 = ipv6;
	g->ihl = ihl;
	g->hdr_len = hdr;
	g->seg_size = len - hdr;
	g->next_seq = get_be32(pkt + ihl + 4) + (uint32_t)(len - hdr);
	g->closed = (pkt[ihl + 13] & TCP_PSH) != 0;
	return 0;
}
