/* DHCPv6 messages of a client over PPP: see lib/dhcp6.h. */
#include "lib/dhcp6.h"

#include <string.h>

#include "lib/buf.h"

#define HDR_LEN        4  /* msg-type + transaction-id (RFC 8415 §8) */
#define OPT_HDR        4  /* option-code + option-len (§21.1) */
#define IA_NA_FIXED    12 /* IAID, T1, T2 (§21.4) */
#define IAADDR_FIXED   24 /* address, preferred, valid (§21.6) */
#define DUID_LL        3
#define HWTYPE_ETHER   1
#define STATUS_SUCCESS 0

void dhcp6_duid_ll(uint8_t duid[DHCP6_DUID_LEN], const uint8_t hwaddr[6])
{
	put_be16(duid, DUID_LL);
	put_be16(duid + 2, HWTYPE_ETHER);
	memcpy(duid + 4, hwaddr, 6);
}

static void put_option(struct buf_writer *w, uint16_t code, const void *data, size_t len)
{
	bw_u16(w, code);
	bw_u16(w, (uint16_t)len);
	bw_bytes(w, data, len);
}

size_t dhcp6_build(uint8_t *out, size_t cap, enum dhcp6_msg_type type, uint32_t xid,
                   const uint8_t duid[DHCP6_DUID_LEN], uint16_t elapsed_cs, uint32_t iaid,
                   const struct dhcp6_info *advertised)
{
	static const uint8_t oro[] = {0, DHCP6_OPT_DNS_SERVERS, 0, DHCP6_OPT_DOMAIN_LIST};
	uint8_t elapsed[2], ia_na[IA_NA_FIXED] = {0};
	struct buf_writer w;

	if (type != DHCP6_INFORMATION_REQUEST && type != DHCP6_SOLICIT && type != DHCP6_REQUEST)
		return 0;
	if (type == DHCP6_REQUEST && (!advertised || !advertised->server_id_len))
		return 0;
	bw_init(&w, out, cap);
	bw_u8(&w, (uint8_t)type);
	bw_u8(&w, (uint8_t)(xid >> 16));
	bw_u16(&w, (uint16_t)xid);
	put_option(&w, DHCP6_OPT_CLIENTID, duid, DHCP6_DUID_LEN);
	if (type == DHCP6_REQUEST)
		put_option(&w, DHCP6_OPT_SERVERID, advertised->server_id,
		           advertised->server_id_len);
	put_be16(elapsed, elapsed_cs);
	put_option(&w, DHCP6_OPT_ELAPSED_TIME, elapsed, sizeof(elapsed));
	put_option(&w, DHCP6_OPT_ORO, oro, sizeof(oro));
	if (type != DHCP6_INFORMATION_REQUEST) {
		/* T1 = T2 = 0: the server's choice (§21.4) */
		put_be32(ia_na, iaid);
		put_option(&w, DHCP6_OPT_IA_NA, ia_na, sizeof(ia_na));
	}
	return bw_ok(&w) ? w.len : 0;
}

/* One name in DNS wire format (RFC 1035 §3.1; RFC 8415 §10 forbids
 * compression) into out, dotted. Letters, digits, '-' and '_' only. */
static int parse_name(struct buf_reader *r, char out[256], const char **why)
{
	size_t used = 0;
	uint8_t label;

	for (;;) {
		const uint8_t *p;

		if (br_u8(r, &label) < 0) {
			*why = "domain name runs past its option";
			return -1;
		}
		if (label == 0)
			break;
		if (label > 63) {
			*why = "domain label too long or compressed";
			return -1;
		}
		if (used + label + 1 > 254 || br_ptr(r, &p, label) < 0) {
			*why = "domain name too long or truncated";
			return -1;
		}
		if (used)
			out[used++] = '.';
		for (size_t i = 0; i < label; i++) {
			uint8_t ch = p[i];

			if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_')) {
				*why = "domain name with a bad character";
				return -1;
			}
			out[used++] = (char)ch;
		}
	}
	if (used == 0) {
		*why = "empty domain name";
		return -1;
	}
	out[used] = '\0';
	return 0;
}

static int parse_domains(struct buf_reader *r, struct dhcp6_info *info, const char **why)
{
	while (br_remaining(r) > 0) {
		char name[256];

		if (parse_name(r, name, why) < 0)
			return -1;
		if (info->n_domains < DHCP6_MAX_DOMAINS)
			memcpy(info->domains[info->n_domains++], name, sizeof(name));
	}
	return 0;
}

static int parse_dns(struct buf_reader *r, size_t len, struct dhcp6_info *info, const char **why)
{
	if (len == 0 || len % 16) {
		*why = "DNS server option not a list of addresses";
		return -1;
	}
	for (; len; len -= 16) {
		struct in6_addr a;

		br_bytes(r, &a, sizeof(a));
		if (info->n_dns < DHCP6_MAX_DNS)
			info->dns[info->n_dns++] = a;
	}
	return 0;
}

static int parse_status(struct buf_reader *r, size_t len, const char **why)
{
	uint16_t code;

	if (len < 2 || br_u16(r, &code) < 0) {
		*why = "short status code";
		return -1;
	}
	if (code != STATUS_SUCCESS) {
		*why = "the server refused (status code)";
		return -1;
	}
	return 0;
}

/* Options inside an IA_NA after IAID, T1, T2: the first IA Address. */
static int parse_ia_na(struct buf_reader *r, size_t len, uint32_t iaid, struct dhcp6_info *info,
                       const char **why)
{
	uint32_t got_iaid;

	if (len < IA_NA_FIXED || br_u32(r, &got_iaid) < 0 || br_skip(r, 8) < 0) {
		*why = "short IA_NA";
		return -1;
	}
	if (got_iaid != iaid)
		return 0; /* someone else's IA: not for us */
	while (br_remaining(r) > 0) {
		struct buf_reader sub;
		uint16_t code, olen;

		if (br_u16(r, &code) < 0 || br_u16(r, &olen) < 0 || br_sub(r, &sub, olen) < 0) {
			*why = "IA_NA option runs past its end";
			return -1;
		}
		if (code == DHCP6_OPT_STATUS_CODE && parse_status(&sub, olen, why) < 0)
			return -1;
		if (code != DHCP6_OPT_IAADDR || info->has_addr)
			continue;
		if (olen < IAADDR_FIXED) {
			*why = "short IA Address";
			return -1;
		}
		br_bytes(&sub, &info->addr, sizeof(info->addr));
		br_u32(&sub, &info->preferred_s);
		br_u32(&sub, &info->valid_s);
		if (info->preferred_s > info->valid_s || info->valid_s == 0) {
			*why = "IA Address lifetimes make no sense";
			return -1;
		}
		info->has_addr = true;
	}
	return 0;
}

static int parse_option(struct buf_reader *opt, uint16_t code, size_t len, uint32_t iaid,
                        const uint8_t duid[DHCP6_DUID_LEN], struct dhcp6_info *info,
                        const char **why)
{
	switch (code) {
	case DHCP6_OPT_CLIENTID:
		if (len != DHCP6_DUID_LEN || memcmp(opt->data + opt->off, duid, len) != 0) {
			*why = "the answer names another client";
			return -1;
		}
		return 0;
	case DHCP6_OPT_SERVERID:
		if (len < 2 || len > DHCP6_MAX_DUID) {
			*why = "server DUID of a bad length";
			return -1;
		}
		info->server_id_len = len;
		return br_bytes(opt, info->server_id, len);
	case DHCP6_OPT_STATUS_CODE:
		return parse_status(opt, len, why);
	case DHCP6_OPT_DNS_SERVERS:
		return parse_dns(opt, len, info, why);
	case DHCP6_OPT_DOMAIN_LIST:
		return parse_domains(opt, info, why);
	case DHCP6_OPT_IA_NA:
		return parse_ia_na(opt, len, iaid, info, why);
	default:
		return 0; /* §16: unknown options are ignored */
	}
}

int dhcp6_parse(const uint8_t *buf, size_t len, uint32_t xid, const uint8_t duid[DHCP6_DUID_LEN],
                uint32_t iaid, struct dhcp6_info *info, const char **why)
{
	struct buf_reader r;
	uint8_t type;

	memset(info, 0, sizeof(*info));
	*why = NULL;
	if (!buf || len < HDR_LEN) {
		*why = "too short for DHCPv6";
		return -1;
	}
	type = buf[0];
	if (type != DHCP6_REPLY && type != DHCP6_ADVERTISE) {
		*why = "not a Reply or an Advertise";
		return -1;
	}
	if (((uint32_t)buf[1] << 16 | (uint32_t)buf[2] << 8 | buf[3]) != (xid & 0xffffff)) {
		*why = "another transaction";
		return -1;
	}
	info->msg_type = type;
	br_init(&r, buf + HDR_LEN, len - HDR_LEN);
	while (br_remaining(&r) > 0) {
		struct buf_reader opt;
		uint16_t code, olen;

		if (br_u16(&r, &code) < 0 || br_u16(&r, &olen) < 0 || br_sub(&r, &opt, olen) < 0) {
			*why = "option runs past the message";
			return -1;
		}
		if (parse_option(&opt, code, olen, iaid, duid, info, why) < 0) {
			if (!*why)
				*why = "malformed option";
			return -1;
		}
	}
	if (!info->server_id_len) {
		*why = "no server identifier"; /* §16.10: MUST be discarded */
		return -1;
	}
	return 0;
}
