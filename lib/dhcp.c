/* DHCPINFORM and its DHCPACK: see lib/dhcp.h. */
#include "lib/dhcp.h"

#include <string.h>

#include "lib/buf.h"
#include "lib/csum.h"

#define BOOTREQUEST  1
#define BOOTREPLY    2
#define HTYPE_ETHER  1
#define MAGIC_COOKIE 0x63825363u /* RFC 2131 §3 */
#define IP_HDR_LEN   20
#define UDP_HDR_LEN  8

/* What we ask for (RFC 2132 §9.8), Windows' list cut to what we use. */
static const uint8_t param_list[] = {DHCP_OPT_SUBNET_MASK, DHCP_OPT_DOMAIN,
                                     DHCP_OPT_CLASSLESS_ROUTES, DHCP_OPT_MS_CLASSLESS_ROUTES};

size_t dhcp_build_inform(uint8_t *out, size_t cap, uint32_t xid, uint32_t ciaddr,
                         const uint8_t hwaddr[6])
{
	struct buf_writer w;

	bw_init(&w, out, cap);
	bw_u8(&w, BOOTREQUEST);
	bw_u8(&w, HTYPE_ETHER);
	bw_u8(&w, 6);
	bw_u8(&w, 0); /* hops */
	bw_u32(&w, xid);
	bw_u16(&w, 0); /* secs */
	bw_u16(&w, 0); /* flags: the answer comes unicast to ciaddr */
	bw_u32(&w, ciaddr);
	bw_zero(&w, 12); /* yiaddr, siaddr, giaddr */
	bw_bytes(&w, hwaddr, 6);
	bw_zero(&w, 10 + 64 + 128); /* chaddr padding, sname, file */
	bw_u32(&w, MAGIC_COOKIE);
	bw_u8(&w, DHCP_OPT_MSG_TYPE);
	bw_u8(&w, 1);
	bw_u8(&w, DHCP_INFORM);
	/* Windows names itself so; RRAS and dnsmasq answer either way. */
	bw_u8(&w, DHCP_OPT_VENDOR_CLASS);
	bw_u8(&w, 8);
	bw_bytes(&w, "MSFT 5.0", 8);
	bw_u8(&w, DHCP_OPT_PARAM_LIST);
	bw_u8(&w, sizeof(param_list));
	bw_bytes(&w, param_list, sizeof(param_list));
	bw_u8(&w, DHCP_OPT_END);
	/* RFC 1542 §3.2: BOOTP messages of at least 300 bytes. */
	while (bw_ok(&w) && w.len < 300)
		bw_u8(&w, DHCP_OPT_PAD);
	return bw_ok(&w) ? w.len : 0;
}

size_t dhcp_build_inform_ip(uint8_t *out, size_t cap, uint32_t xid, uint32_t ciaddr,
                            const uint8_t hwaddr[6])
{
	size_t n, udp_len;
	uint32_t sum;
	uint8_t *ip = out, *udp = out + IP_HDR_LEN;

	if (cap < IP_HDR_LEN + UDP_HDR_LEN)
		return 0;
	n = dhcp_build_inform(udp + UDP_HDR_LEN, cap - IP_HDR_LEN - UDP_HDR_LEN, xid, ciaddr,
	                      hwaddr);
	if (!n)
		return 0;
	udp_len = UDP_HDR_LEN + n;
	memset(ip, 0, IP_HDR_LEN);
	ip[0] = 0x45;
	put_be16(ip + 2, (uint16_t)(IP_HDR_LEN + udp_len));
	ip[8] = 64; /* TTL */
	ip[9] = 17; /* UDP */
	put_be32(ip + 12, ciaddr);
	put_be32(ip + 16, 0xffffffffu);
	put_be16(ip + 10, (uint16_t)~csum_fold(csum_partial(ip, IP_HDR_LEN, 0)));
	put_be16(udp, DHCP_CLIENT_PORT);
	put_be16(udp + 2, DHCP_SERVER_PORT);
	put_be16(udp + 4, (uint16_t)udp_len);
	put_be16(udp + 6, 0);
	/* RFC 768 pseudo-header: addresses, protocol, UDP length */
	sum = csum_partial(ip + 12, 8, 0) + 17 + (uint32_t)udp_len;
	sum = (uint16_t)~csum_fold(csum_partial(udp, udp_len, sum));
	put_be16(udp + 6, sum ? (uint16_t)sum : 0xffff);
	return IP_HDR_LEN + udp_len;
}

/* Options of one code joined in order (RFC 3396 §6). */
struct joined {
	uint8_t data[1024];
	size_t len;
	bool seen;
};

static int join(struct joined *j, const uint8_t *p, size_t n)
{
	if (n > sizeof(j->data) - j->len)
		return -1;
	memcpy(j->data + j->len, p, n);
	j->len += n;
	j->seen = true;
	return 0;
}

/* RFC 3442 §3: width, the significant octets of the destination, router. */
static int parse_routes(const struct joined *j, struct dhcp_info *info, const char **why)
{
	struct buf_reader r;

	info->nroutes = 0;
	br_init(&r, j->data, j->len);
	while (br_remaining(&r)) {
		uint8_t width, octets[4] = {0};
		uint32_t gw;
		size_t sig;

		br_u8(&r, &width);
		if (width > 32) {
			*why = "classless route wider than 32 bits";
			return -1;
		}
		sig = (width + 7u) / 8u;
		br_bytes(&r, octets, sig);
		br_u32(&r, &gw);
		if (!br_ok(&r)) {
			*why = "classless route option truncated";
			return -1;
		}
		if (info->nroutes == DHCP_MAX_ROUTES) {
			*why = "more classless routes than we take";
			return -1;
		}
		info->routes[info->nroutes].dest = get_be32(octets);
		/* bits beyond the width are not part of the destination */
		if (width < 32)
			info->routes[info->nroutes].dest &= width ? ~(0xffffffffu >> width) : 0;
		info->routes[info->nroutes].prefix = width;
		info->routes[info->nroutes].gateway = gw;
		info->nroutes++;
	}
	return 0;
}

/* RFC 1035 §2.3.1 letters, digits, hyphens and dots (and an underscore,
 * which some Windows domains have); one trailing NUL is tolerated. */
static int take_domain(const struct joined *j, struct dhcp_info *info, const char **why)
{
	size_t n = j->len;

	if (n && j->data[n - 1] == 0)
		n--;
	if (n == 0 || n >= sizeof(info->domain)) {
		*why = "DNS domain empty or too long";
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		uint8_t c = j->data[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.' || c == '_')) {
			*why = "DNS domain has characters no domain has";
			return -1;
		}
	}
	memcpy(info->domain, j->data, n);
	info->domain[n] = 0;
	return 0;
}

struct options {
	struct joined routes121, routes249, domain;
	uint8_t msg_type;
	uint32_t server_id;
};

static int walk_options(const uint8_t *p, size_t len, struct options *o, const char **why)
{
	struct buf_reader r;

	br_init(&r, p, len);
	while (br_remaining(&r)) {
		uint8_t code, n;
		const uint8_t *v;

		br_u8(&r, &code);
		if (code == DHCP_OPT_PAD)
			continue;
		if (code == DHCP_OPT_END)
			return 0;
		br_u8(&r, &n);
		if (br_ptr(&r, &v, n)) {
			*why = "option runs past the message";
			return -1;
		}
		if ((code == DHCP_OPT_MSG_TYPE && n != 1) ||
		    (code == DHCP_OPT_SERVER_ID && n != 4)) {
			*why = "option of the wrong length";
			return -1;
		}
		if (code == DHCP_OPT_MSG_TYPE)
			o->msg_type = v[0];
		else if (code == DHCP_OPT_SERVER_ID)
			o->server_id = get_be32(v);
		else if ((code == DHCP_OPT_CLASSLESS_ROUTES && join(&o->routes121, v, n)) ||
		         (code == DHCP_OPT_MS_CLASSLESS_ROUTES && join(&o->routes249, v, n)) ||
		         (code == DHCP_OPT_DOMAIN && join(&o->domain, v, n))) {
			*why = "option longer than we take";
			return -1;
		}
	}
	*why = "options without an end";
	return -1;
}

int dhcp_parse_ack(const uint8_t *buf, size_t len, uint32_t xid, struct dhcp_info *info,
                   const char **why)
{
	static const char *unused;
	struct options o;

	if (!why)
		why = &unused;
	memset(info, 0, sizeof(*info));
	memset(&o, 0, sizeof(o));
	if (len < DHCP_MIN_MSG || buf[0] != BOOTREPLY || get_be32(buf + 4) != xid ||
	    get_be32(buf + DHCP_FIXED_LEN) != MAGIC_COOKIE) {
		*why = "not a DHCP answer to our request";
		return -1;
	}
	/* Option overload (52) into sname/file is not followed: an answer to
	 * INFORM is small, and what is there stays unread. */
	if (walk_options(buf + DHCP_MIN_MSG, len - DHCP_MIN_MSG, &o, why))
		return -1;
	if (o.msg_type != DHCP_ACK) {
		*why =
		    o.msg_type == DHCP_NAK ? "the gateway's DHCP server said NAK" : "not a DHCPACK";
		return -1;
	}
	info->msg_type = o.msg_type;
	info->server_id = o.server_id;
	if (o.routes121.seen || o.routes249.seen) {
		const struct joined *j = o.routes121.seen ? &o.routes121 : &o.routes249;

		if (parse_routes(j, info, why))
			return -1;
		info->routes_option =
		    o.routes121.seen ? DHCP_OPT_CLASSLESS_ROUTES : DHCP_OPT_MS_CLASSLESS_ROUTES;
	}
	if (o.domain.seen && take_domain(&o.domain, info, why))
		return -1;
	return 0;
}

int dhcp_parse_ack_ip(const uint8_t *pkt, size_t len, uint32_t xid, struct dhcp_info *info,
                      const char **why)
{
	static const char *unused;
	size_t ihl, total, udp_len;

	if (!why)
		why = &unused;
	memset(info, 0, sizeof(*info));
	if (len < IP_HDR_LEN || (pkt[0] >> 4) != 4) {
		*why = "not an IPv4 packet";
		return -1;
	}
	ihl = (size_t)(pkt[0] & 0x0f) * 4;
	total = get_be16(pkt + 2);
	if (ihl < IP_HDR_LEN || total > len || total < ihl + UDP_HDR_LEN || pkt[9] != 17 ||
	    (get_be16(pkt + 6) & 0x3fff) != 0) {
		*why = "not a whole UDP packet";
		return -1;
	}
	udp_len = get_be16(pkt + ihl + 4);
	if (get_be16(pkt + ihl + 2) != DHCP_CLIENT_PORT || udp_len < UDP_HDR_LEN ||
	    udp_len > total - ihl) {
		*why = "not UDP to the DHCP client port";
		return -1;
	}
	return dhcp_parse_ack(pkt + ihl + UDP_HDR_LEN, udp_len - UDP_HDR_LEN, xid, info, why);
}
