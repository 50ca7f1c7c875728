/* RDNSS from router advertisements through the kernel (see rdnss.h). */
#include "sys/rdnss.h"

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/buf.h"

/* RFC 8106 §5.1: type 25, length in units of 8 octets (3 or more, odd),
 * 2 reserved octets, lifetime, then the addresses. */
#define ND_OPT_RDNSS 25

int rdnss_open(void)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK,
	                         .nl_groups = 1u << (RTNLGRP_ND_USEROPT - 1) |
	                                      1u << (RTNLGRP_IPV6_IFADDR - 1) |
	                                      1u << (RTNLGRP_IPV6_IFINFO - 1)};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One ND option (type, length, body) of an RTM_NEWNDUSEROPT message:
 * 1 when it was an RDNSS option (into out), 0 another one, -1 malformed. */
static int parse_option(struct buf_reader *opts, struct rdnss *out)
{
	const uint8_t *opt;
	uint8_t hdr[2];
	size_t len, n;

	if (br_bytes(opts, hdr, 2) < 0 || hdr[1] == 0)
		return -1;
	len = (size_t)hdr[1] * 8;
	if (br_ptr(opts, &opt, len - 2) < 0)
		return -1;
	if (hdr[0] != ND_OPT_RDNSS)
		return 0;
	if (hdr[1] < 3 || hdr[1] % 2 == 0)
		return -1; /* §5.1: 8 octets of header, then whole addresses */
	out->life_s = get_be32(opt + 2);
	n = (len - 8) / 16;
	out->n = 0;
	for (size_t i = 0; i < n && out->n < RDNSS_MAX; i++)
		memcpy(&out->servers[out->n++], opt + 6 + 16 * i, 16);
	return 1;
}

static int parse_message(const uint8_t *body, size_t len, struct rdnss *out)
{
	struct nduseroptmsg m;
	struct buf_reader r, opts;
	int found = 0, rc;

	br_init(&r, body, len);
	if (br_bytes(&r, &m, sizeof(m)) < 0 || m.nduseropt_family != AF_INET6 ||
	    br_sub(&r, &opts, m.nduseropt_opts_len) < 0)
		return -1;
	while (br_remaining(&opts) > 0) {
		struct rdnss one = {.ifindex = m.nduseropt_ifindex};

		rc = parse_option(&opts, &one);
		if (rc < 0)
			return -1;
		if (rc > 0) {
			*out = one;
			found = 1;
		}
	}
	return found;
}

/* Walks the netlink messages of a datagram, bounds checked; each message
 * of type want goes to fn. -1 when malformed, else the OR of fn's results. */
static int each_message(const uint8_t *buf, size_t len, uint16_t want,
                        int (*fn)(const uint8_t *body, size_t len, void *arg), void *arg)
{
	struct buf_reader r;
	int found = 0;

	br_init(&r, buf, len);
	while (br_remaining(&r) > 0) {
		struct nlmsghdr h;
		const uint8_t *body;
		size_t pad;
		int rc;

		if (br_bytes(&r, &h, sizeof(h)) < 0 || h.nlmsg_len < sizeof(h) ||
		    br_ptr(&r, &body, h.nlmsg_len - sizeof(h)) < 0)
			return -1;
		pad = NLMSG_ALIGN(h.nlmsg_len) - h.nlmsg_len;
		if (pad && br_skip(&r, pad < br_remaining(&r) ? pad : br_remaining(&r)) < 0)
			return -1;
		if (h.nlmsg_type != want)
			continue;
		rc = fn(body, h.nlmsg_len - sizeof(h), arg);
		if (rc < 0)
			return -1;
		found |= rc;
	}
	return found;
}

static int global_addr(const uint8_t *body, size_t len, void *arg)
{
	struct ifaddrmsg a;

	if (len < sizeof(a))
		return -1;
	memcpy(&a, body, sizeof(a));
	return a.ifa_family == AF_INET6 && a.ifa_scope == RT_SCOPE_UNIVERSE &&
	       (int)a.ifa_index == *(const int *)arg;
}

int rdnss_parse_global_addr(const uint8_t *buf, size_t len, int ifindex)
{
	return each_message(buf, len, RTM_NEWADDR, global_addr, &ifindex);
}

static int rdnss_message(const uint8_t *body, size_t len, void *arg)
{
	return parse_message(body, len, arg);
}

int rdnss_parse(const uint8_t *buf, size_t len, struct rdnss *out)
{
	return each_message(buf, len, RTM_NEWNDUSEROPT, rdnss_message, out);
}

/* The kernel's device flags from the last RA (include/net/if_inet6.h). */
#define IF_RA_MANAGED   0x40
#define IF_RA_OTHERCONF 0x80

struct ra_flags_arg {
	int ifindex;
	bool managed, other;
};

/* An attribute (struct rtattr) from r: type, and its payload as a reader. */
static int next_attr(struct buf_reader *r, uint16_t *type, struct buf_reader *payload)
{
	struct rtattr a;
	size_t pad;

	if (br_bytes(r, &a, sizeof(a)) < 0 || a.rta_len < sizeof(a) ||
	    br_sub(r, payload, a.rta_len - sizeof(a)) < 0)
		return -1;
	pad = RTA_ALIGN(a.rta_len) - a.rta_len;
	br_skip(r, pad < br_remaining(r) ? pad : br_remaining(r));
	*type = a.rta_type;
	return 0;
}

/* RTM_NEWLINK of family AF_INET6 (inet6_ifinfo_notify): IFLA_PROTINFO
 * holds IFLA_INET6_FLAGS. */
static int ra_flags_message(const uint8_t *body, size_t len, void *arg)
{
	struct ra_flags_arg *out = arg;
	struct buf_reader r, attr, inner;
	struct ifinfomsg ifi;
	uint16_t type;
	uint32_t flags;

	br_init(&r, body, len);
	if (br_bytes(&r, &ifi, sizeof(ifi)) < 0)
		return -1;
	if (ifi.ifi_family != AF_INET6 || ifi.ifi_index != out->ifindex)
		return 0;
	while (br_remaining(&r) > 0) {
		if (next_attr(&r, &type, &attr) < 0)
			return -1;
		if (type != IFLA_PROTINFO)
			continue;
		while (br_remaining(&attr) > 0) {
			if (next_attr(&attr, &type, &inner) < 0)
				return -1;
			if (type != IFLA_INET6_FLAGS)
				continue;
			if (br_bytes(&inner, &flags, sizeof(flags)) < 0)
				return -1; /* host byte order, as netlink's are */
			out->managed = flags & IF_RA_MANAGED;
			out->other = flags & IF_RA_OTHERCONF;
			return 1;
		}
	}
	return 0;
}

int rdnss_parse_ra_flags(const uint8_t *buf, size_t len, int ifindex, bool *managed, bool *other)
{
	struct ra_flags_arg arg = {.ifindex = ifindex};
	int rc = each_message(buf, len, RTM_NEWLINK, ra_flags_message, &arg);

	if (rc == 1) {
		*managed = arg.managed;
		*other = arg.other;
	}
	return rc;
}
