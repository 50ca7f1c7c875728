/* ISAKMP header, payload chain and message builder (RFC 2408 §3.1-3.2). */
#include <string.h>

#include "ike/ike.h"
#include "ike/isakmp.h"
#include "lib/util.h"

int ike_isakmp_parse_hdr(const uint8_t *buf, size_t len, struct isakmp_hdr *hdr)
{
	struct buf_reader r;

	br_init(&r, buf, len);
	br_bytes(&r, hdr->icookie, ISAKMP_COOKIE_LEN);
	br_bytes(&r, hdr->rcookie, ISAKMP_COOKIE_LEN);
	br_u8(&r, &hdr->next);
	br_u8(&r, &hdr->version);
	br_u8(&r, &hdr->exchange);
	br_u8(&r, &hdr->flags);
	br_u32(&r, &hdr->msgid);
	br_u32(&r, &hdr->len);
	if (!br_ok(&r))
		return -1;
	/* RFC 2408 §5.2: a major version we do not speak is rejected; the
	 * minor version is ignored by everyone in practice. */
	if ((hdr->version >> 4) != 1)
		return -1;
	/* §3.1: Length is the whole message. Some stacks pad the datagram,
	 * none send less than they announce. */
	if (hdr->len < ISAKMP_HDR_LEN || hdr->len > len || hdr->len > ISAKMP_MAX_MSG)
		return -1;
	/* Undefined flag bits must be zero (§3.1). */
	if (hdr->flags & ~(ISAKMP_FLAG_ENC | ISAKMP_FLAG_COMMIT | ISAKMP_FLAG_AUTHONLY))
		return -1;
	return 0;
}

/* Which payload types may appear in a message's top-level chain. Proposal
 * and transform payloads live only inside an SA payload (§3.4). */
static bool top_level_known(uint8_t type)
{
	switch (type) {
	case ISAKMP_NP_SA:
	case ISAKMP_NP_KE:
	case ISAKMP_NP_ID:
	case ISAKMP_NP_CERT:
	case ISAKMP_NP_CR:
	case ISAKMP_NP_HASH:
	case ISAKMP_NP_SIG:
	case ISAKMP_NP_NONCE:
	case ISAKMP_NP_N:
	case ISAKMP_NP_D:
	case ISAKMP_NP_VID:
	case ISAKMP_NP_NATD:
	case ISAKMP_NP_NATOA:
	case ISAKMP_NP_NATD_DRAFT:
	case ISAKMP_NP_NATOA_DRAFT:
	case ISAKMP_NP_FRAG:
		return true;
	default:
		return false;
	}
}

/* Minimal body sizes: a payload shorter than its fixed part is malformed. */
static size_t min_body(uint8_t type)
{
	switch (type) {
	case ISAKMP_NP_SA:
		return 8; /* DOI, situation */
	case ISAKMP_NP_ID:
	case ISAKMP_NP_NATOA:
	case ISAKMP_NP_NATOA_DRAFT:
		return 4;
	case ISAKMP_NP_NONCE:
		return 8; /* RFC 2409 §5: 8..256 bytes */
	case ISAKMP_NP_N:
	case ISAKMP_NP_D:
		return 8;
	case ISAKMP_NP_CERT:
	case ISAKMP_NP_CR:
		return 1;
	case ISAKMP_NP_KE:
	case ISAKMP_NP_HASH:
	case ISAKMP_NP_SIG:
	case ISAKMP_NP_VID:
	case ISAKMP_NP_NATD:
	case ISAKMP_NP_NATD_DRAFT:
		return 1;
	default:
		return 0;
	}
}

int ike_isakmp_parse_payloads(uint8_t first, const uint8_t *buf, size_t len, bool trailing_ok,
                              struct isakmp_msg *msg, uint16_t *notify)
{
	struct buf_reader r;
	uint8_t type = first;

	msg->count = 0;
	br_init(&r, buf, len);
	while (type != ISAKMP_NP_NONE) {
		const uint8_t *start = r.data + r.off;
		uint8_t next, reserved;
		uint16_t plen;
		struct buf_reader body;

		if (br_u8(&r, &next) || br_u8(&r, &reserved) || br_u16(&r, &plen)) {
			*notify = N_PAYLOAD_MALFORMED;
			return -1;
		}
		if (plen < ISAKMP_GEN_HDR_LEN || br_sub(&r, &body, plen - ISAKMP_GEN_HDR_LEN)) {
			*notify = N_UNEQUAL_PAYLOAD_LENGTHS;
			return -1;
		}
		if (reserved != 0) {
			*notify = N_PAYLOAD_MALFORMED;
			return -1;
		}
		if (!top_level_known(type)) {
			/* 128..255 are private use (§3.1): skip what we do not
			 * know there; anything else is an error. */
			if (type < 128) {
				*notify = N_INVALID_PAYLOAD_TYPE;
				return -1;
			}
		} else {
			if (body.len < min_body(type) ||
			    (type == ISAKMP_NP_NONCE && body.len > 256)) {
				*notify = N_PAYLOAD_MALFORMED;
				return -1;
			}
			if (msg->count == ISAKMP_MAX_PAYLOADS) {
				*notify = N_PAYLOAD_MALFORMED;
				return -1;
			}
			msg->pl[msg->count++] = (struct isakmp_payload){
			    .type = type,
			    .body = body.data,
			    .len = body.len,
			    .raw = start,
			    .raw_len = plen,
			};
		}
		type = next;
	}
	msg->chain_len = r.off;
	if (br_remaining(&r) != 0 && !trailing_ok) {
		*notify = N_UNEQUAL_PAYLOAD_LENGTHS;
		return -1;
	}
	return 0;
}

int ike_isakmp_parse_plain(const uint8_t *buf, size_t len, struct isakmp_msg *msg, uint16_t *notify)
{
	*notify = N_PAYLOAD_MALFORMED;
	if (ike_isakmp_parse_hdr(buf, len, &msg->hdr))
		return -1;
	if (msg->hdr.flags & ISAKMP_FLAG_ENC)
		return -1;
	return ike_isakmp_parse_payloads(msg->hdr.next, buf + ISAKMP_HDR_LEN,
	                                 msg->hdr.len - ISAKMP_HDR_LEN, false, msg, notify);
}

const struct isakmp_payload *ike_isakmp_find(const struct isakmp_msg *msg, uint8_t type, size_t nth)
{
	for (size_t i = 0; i < msg->count; i++) {
		if (msg->pl[i].type != type)
			continue;
		if (nth-- == 0)
			return &msg->pl[i];
	}
	return NULL;
}

size_t ike_isakmp_count(const struct isakmp_msg *msg, uint8_t type)
{
	size_t n = 0;

	for (size_t i = 0; i < msg->count; i++)
		n += msg->pl[i].type == type;
	return n;
}

void ike_isakmp_build_begin(struct isakmp_builder *b, uint8_t *buf, size_t cap,
                            const struct isakmp_hdr *hdr)
{
	bw_init(&b->w, buf, cap);
	bw_bytes(&b->w, hdr->icookie, ISAKMP_COOKIE_LEN);
	bw_bytes(&b->w, hdr->rcookie, ISAKMP_COOKIE_LEN);
	b->next_off = b->w.len;
	bw_u8(&b->w, ISAKMP_NP_NONE);
	bw_u8(&b->w, ISAKMP_VERSION);
	bw_u8(&b->w, hdr->exchange);
	bw_u8(&b->w, hdr->flags);
	bw_u32(&b->w, hdr->msgid);
	bw_u32(&b->w, 0);
	b->pl_start = 0;
}

void ike_isakmp_pl_begin(struct isakmp_builder *b, uint8_t type)
{
	if (bw_ok(&b->w))
		b->w.data[b->next_off] = type;
	b->pl_start = b->w.len;
	b->next_off = b->w.len;
	bw_u8(&b->w, ISAKMP_NP_NONE);
	bw_u8(&b->w, 0);
	bw_u16(&b->w, 0);
}

void ike_isakmp_pl_end(struct isakmp_builder *b)
{
	size_t len = b->w.len - b->pl_start;

	if (len > 0xffff)
		b->w.error = true;
	bw_put_u16_at(&b->w, b->pl_start + 2, (uint16_t)len);
}

void ike_isakmp_pl_add(struct isakmp_builder *b, uint8_t type, const void *body, size_t len)
{
	ike_isakmp_pl_begin(b, type);
	bw_bytes(&b->w, body, len);
	ike_isakmp_pl_end(b);
}

size_t ike_isakmp_build_end(struct isakmp_builder *b)
{
	bw_put_u32_at(&b->w, 24, (uint32_t)b->w.len);
	return bw_ok(&b->w) ? b->w.len : 0;
}

static const struct {
	uint16_t type;
	const char *name;
} notify_names[] = {
    {1, "INVALID_PAYLOAD_TYPE"},
    {2, "DOI_NOT_SUPPORTED"},
    {3, "SITUATION_NOT_SUPPORTED"},
    {4, "INVALID_COOKIE"},
    {5, "INVALID_MAJOR_VERSION"},
    {6, "INVALID_MINOR_VERSION"},
    {7, "INVALID_EXCHANGE_TYPE"},
    {8, "INVALID_FLAGS"},
    {9, "INVALID_MESSAGE_ID"},
    {10, "INVALID_PROTOCOL_ID"},
    {11, "INVALID_SPI"},
    {12, "INVALID_TRANSFORM_ID"},
    {13, "ATTRIBUTES_NOT_SUPPORTED"},
    {14, "NO_PROPOSAL_CHOSEN"},
    {15, "BAD_PROPOSAL_SYNTAX"},
    {16, "PAYLOAD_MALFORMED"},
    {17, "INVALID_KEY_INFORMATION"},
    {18, "INVALID_ID_INFORMATION"},
    {19, "INVALID_CERT_ENCODING"},
    {20, "INVALID_CERTIFICATE"},
    {21, "CERT_TYPE_UNSUPPORTED"},
    {22, "INVALID_CERT_AUTHORITY"},
    {23, "INVALID_HASH_INFORMATION"},
    {24, "AUTHENTICATION_FAILED"},
    {25, "INVALID_SIGNATURE"},
    {26, "ADDRESS_NOTIFICATION"},
    {27, "NOTIFY_SA_LIFETIME"},
    {28, "CERTIFICATE_UNAVAILABLE"},
    {29, "UNSUPPORTED_EXCHANGE_TYPE"},
    {30, "UNEQUAL_PAYLOAD_LENGTHS"},
    {24576, "RESPONDER_LIFETIME"},
    {24577, "REPLAY_STATUS"},
    {24578, "INITIAL_CONTACT"},
    {36136, "R_U_THERE"},
    {36137, "R_U_THERE_ACK"},
};

const char *ike_notify_name(uint16_t type)
{
	for (size_t i = 0; i < ARRAY_SIZE(notify_names); i++)
		if (notify_names[i].type == type)
			return notify_names[i].name;
	return NULL;
}
