/*
 * L2TP header parsing (RFC 2661 §3.1) and control message decoding (§4).
 */
#include <string.h>

#include "l2tp/avp.h"
#include "l2tp/message.h"
#include "l2tp/proto.h"
#include "lib/util.h"

#define ANY 0xffff

/* Value length limits of each AVP a LAC understands, §4.4. */
static const struct {
	uint16_t min, max;
} avp_len[L2TP_AVP_TYPE_COUNT] = {
    [L2TP_AVP_MSG_TYPE] = {2, 2},
    [L2TP_AVP_RESULT_CODE] = {2, ANY}, /* error code optional: MikroTik */
    [L2TP_AVP_PROTO_VERSION] = {2, 2},
    [L2TP_AVP_FRAMING_CAPS] = {4, 4},
    [L2TP_AVP_BEARER_CAPS] = {4, 4},
    [L2TP_AVP_TIE_BREAKER] = {8, 8},
    [L2TP_AVP_FIRMWARE_REV] = {2, 2},
    [L2TP_AVP_HOST_NAME] = {1, ANY},
    [L2TP_AVP_VENDOR_NAME] = {0, ANY},
    [L2TP_AVP_TUNNEL_ID] = {2, 2},
    [L2TP_AVP_RWIN] = {2, 2},
    [L2TP_AVP_CHALLENGE] = {1, ANY},
    [L2TP_AVP_Q931_CAUSE] = {3, ANY},
    [L2TP_AVP_CHALLENGE_RESP] = {16, 16},
    [L2TP_AVP_SESSION_ID] = {2, 2},
    [L2TP_AVP_CALL_SERIAL] = {4, 4},
    [L2TP_AVP_MIN_BPS] = {4, 4},
    [L2TP_AVP_MAX_BPS] = {4, 4},
    [L2TP_AVP_BEARER_TYPE] = {4, 4},
    [L2TP_AVP_FRAMING_TYPE] = {4, 4},
    [20] = {1, 0}, /* unassigned: min > max marks "not known" */
    [L2TP_AVP_CALLED_NUMBER] = {0, ANY},
    [L2TP_AVP_CALLING_NUMBER] = {0, ANY},
    [L2TP_AVP_SUB_ADDRESS] = {0, ANY},
    [L2TP_AVP_TX_SPEED] = {4, 4},
    [L2TP_AVP_PHYS_CHANNEL] = {4, 4},
    [L2TP_AVP_INIT_RCVD_LCP] = {0, ANY},
    [L2TP_AVP_LAST_SENT_LCP] = {0, ANY},
    [L2TP_AVP_LAST_RCVD_LCP] = {0, ANY},
    [L2TP_AVP_PROXY_AUTH_TYPE] = {2, 2},
    [L2TP_AVP_PROXY_AUTH_NAME] = {0, ANY},
    [L2TP_AVP_PROXY_AUTH_CHAL] = {0, ANY},
    [L2TP_AVP_PROXY_AUTH_ID] = {2, 2},
    [L2TP_AVP_PROXY_AUTH_RESP] = {0, ANY},
    [L2TP_AVP_CALL_ERRORS] = {26, 26},
    [L2TP_AVP_ACCM] = {10, 10},
    [L2TP_AVP_RANDOM_VECTOR] = {1, ANY},
    [L2TP_AVP_PRIVATE_GROUP] = {0, ANY},
    [L2TP_AVP_RX_SPEED] = {4, 4},
    [L2TP_AVP_SEQ_REQUIRED] = {0, 0},
};

static bool avp_known(const struct l2tp_avp *a)
{
	return a->vendor == 0 && !a->reserved_bits && a->type < L2TP_AVP_TYPE_COUNT &&
	       avp_len[a->type].min <= avp_len[a->type].max;
}

int l2tp_hdr_parse(const uint8_t *buf, size_t len, struct l2tp_hdr *h, const char **why)
{
	struct buf_reader r;
	uint16_t flags, length = 0, offset = 0;

	memset(h, 0, sizeof(*h));
	br_init(&r, buf, len);
	if (br_u16(&r, &flags)) {
		*why = "datagram too short";
		return -1;
	}
	if ((flags & L2TP_HDR_VER_MASK) != L2TP_VERSION) {
		*why = "not L2TP version 2";
		return -1;
	}
	h->flags = flags;
	h->control = flags & L2TP_HDR_T;
	h->has_length = flags & L2TP_HDR_L;
	h->has_seq = flags & L2TP_HDR_S;
	if (h->control && (!h->has_length || !h->has_seq)) {
		*why = "control message without L or S bit";
		return -1;
	}
	if (h->has_length)
		br_u16(&r, &length);
	br_u16(&r, &h->tunnel_id);
	br_u16(&r, &h->session_id);
	if (h->has_seq) {
		br_u16(&r, &h->ns);
		br_u16(&r, &h->nr);
	}
	if (flags & L2TP_HDR_O) {
		br_u16(&r, &offset);
		br_skip(&r, offset);
	}
	if (!br_ok(&r)) {
		*why = "header truncated";
		return -1;
	}
	h->payload_off = r.off;
	if (h->has_length) {
		/* The Length field covers the whole message; a datagram may
		 * carry trailing padding but never less than it claims. */
		if (length > len || length < r.off) {
			*why = "length field disagrees with datagram";
			return -1;
		}
		h->payload_len = length - r.off;
	} else {
		h->payload_len = len - r.off;
	}
	return 0;
}

static int arena_keep(struct l2tp_ctrl_msg *m, const uint8_t *val, size_t len,
                      struct l2tp_bytes *out)
{
	if (len > sizeof(m->arena) - m->arena_used)
		return -1;
	memcpy(m->arena + m->arena_used, val, len);
	out->p = m->arena + m->arena_used;
	out->len = len;
	m->arena_used += len;
	return 0;
}

/* Store one recognised AVP value (length already checked). */
static void store_avp(struct l2tp_ctrl_msg *m, uint16_t type, struct l2tp_bytes v)
{
	const uint8_t *p = v.p;

	switch (type) {
	case L2TP_AVP_RESULT_CODE:
		m->result = get_be16(p);
		m->has_error = v.len >= 4;
		m->error = m->has_error ? get_be16(p + 2) : 0;
		m->result_msg.p = v.len > 4 ? p + 4 : NULL;
		m->result_msg.len = v.len > 4 ? v.len - 4 : 0;
		break;
	case L2TP_AVP_PROTO_VERSION:
		m->proto_version = get_be16(p);
		break;
	case L2TP_AVP_FRAMING_CAPS:
		m->framing_caps = get_be32(p);
		break;
	case L2TP_AVP_BEARER_CAPS:
		m->bearer_caps = get_be32(p);
		break;
	case L2TP_AVP_TIE_BREAKER:
		memcpy(m->tie_breaker, p, 8);
		break;
	case L2TP_AVP_FIRMWARE_REV:
		m->firmware_rev = get_be16(p);
		break;
	case L2TP_AVP_HOST_NAME:
		m->host_name = v;
		break;
	case L2TP_AVP_VENDOR_NAME:
		m->vendor_name = v;
		break;
	case L2TP_AVP_TUNNEL_ID:
		m->tunnel_id = get_be16(p);
		break;
	case L2TP_AVP_RWIN:
		m->rwin = get_be16(p);
		break;
	case L2TP_AVP_CHALLENGE:
		m->challenge = v;
		break;
	case L2TP_AVP_Q931_CAUSE:
		m->q931 = v;
		break;
	case L2TP_AVP_CHALLENGE_RESP:
		memcpy(m->challenge_resp, p, L2TP_MD5_LEN);
		break;
	case L2TP_AVP_SESSION_ID:
		m->session_id = get_be16(p);
		break;
	case L2TP_AVP_CALL_SERIAL:
		m->call_serial = get_be32(p);
		break;
	case L2TP_AVP_BEARER_TYPE:
		m->bearer_type = get_be32(p);
		break;
	case L2TP_AVP_FRAMING_TYPE:
		m->framing_type = get_be32(p);
		break;
	case L2TP_AVP_TX_SPEED:
		m->tx_speed = get_be32(p);
		break;
	case L2TP_AVP_RX_SPEED:
		m->rx_speed = get_be32(p);
		break;
	case L2TP_AVP_PHYS_CHANNEL:
		m->phys_channel = get_be32(p);
		break;
	case L2TP_AVP_ACCM:
		m->accm_send = get_be32(p + 2);
		m->accm_recv = get_be32(p + 6);
		break;
	default:
		break; /* known, accepted, nothing a LAC keeps */
	}
}

struct decode_ctx {
	const uint8_t *secret;
	size_t secret_len;
	struct l2tp_bytes rv; /* Random Vector seen so far, §4.3 */
};

static int fail(uint16_t *error_code, const char **why, uint16_t code, const char *text)
{
	*error_code = code;
	*why = text;
	return -1;
}

/* One AVP after the Message Type: unhide, check, store. */
static int decode_one(struct decode_ctx *dc, const struct l2tp_avp *a, struct l2tp_ctrl_msg *m,
                      uint16_t *error_code, const char **why)
{
	struct l2tp_bytes v = {a->value, a->len};
	uint8_t plain[L2TP_AVP_VALUE_MAX];
	size_t plain_len = 0;

	if (!avp_known(a)) {
		if (a->mandatory && !m->unknown_mandatory) {
			m->unknown_mandatory = true;
			m->unknown_vendor = a->vendor;
			m->unknown_type = a->type;
		}
		return 0; /* unknown optional AVPs are skipped, §4.1 */
	}
	if (a->type == L2TP_AVP_MSG_TYPE)
		return fail(error_code, why, L2TP_ERR_RANGE, "second Message Type AVP");
	if (a->hidden) {
		if (a->type == L2TP_AVP_RANDOM_VECTOR)
			return fail(error_code, why, L2TP_ERR_RANGE, "hidden Random Vector");
		if (l2tp_hidden_decode(a->type, dc->secret, dc->secret_len, dc->rv.p, dc->rv.len,
		                       a->value, a->len, plain, sizeof(plain), &plain_len) ||
		    arena_keep(m, plain, plain_len, &v)) {
			secure_clear(plain, sizeof(plain));
			if (!a->mandatory)
				return 0;
			return fail(error_code, why, L2TP_ERR_RANGE,
			            "hidden AVP cannot be decoded (no or wrong secret?)");
		}
		secure_clear(plain, sizeof(plain));
	}
	if (v.len < avp_len[a->type].min || v.len > avp_len[a->type].max) {
		if (!a->mandatory)
			return 0; /* a broken optional AVP is ignored */
		return fail(error_code, why, L2TP_ERR_LENGTH, "AVP length is wrong");
	}
	if (a->type == L2TP_AVP_RANDOM_VECTOR)
		dc->rv = v;
	m->present |= UINT64_C(1) << a->type;
	if (v.len)
		store_avp(m, a->type, v);
	return 0;
}

int l2tp_ctrl_decode(const uint8_t *buf, size_t len, const uint8_t *secret, size_t secret_len,
                     struct l2tp_ctrl_msg *m, uint16_t *error_code, const char **why)
{
	struct decode_ctx dc = {secret, secret_len, {NULL, 0}};
	struct buf_reader r;
	struct l2tp_avp a;
	int rc;

	memset(m, 0, offsetof(struct l2tp_ctrl_msg, arena));
	m->arena_used = 0;
	br_init(&r, buf, len);
	/* §4.1: the Message Type AVP comes first and is never hidden. */
	rc = l2tp_avp_next(&r, &a);
	if (rc <= 0)
		return fail(error_code, why, L2TP_ERR_LENGTH, "no Message Type AVP");
	if (a.vendor != 0 || a.type != L2TP_AVP_MSG_TYPE || a.hidden || a.len != 2)
		return fail(error_code, why, L2TP_ERR_RANGE, "first AVP is not a Message Type");
	m->type = get_be16(a.value);
	m->type_mandatory = a.mandatory;
	m->present |= UINT64_C(1) << L2TP_AVP_MSG_TYPE;
	while ((rc = l2tp_avp_next(&r, &a)) == 1) {
		if (decode_one(&dc, &a, m, error_code, why))
			return -1;
	}
	if (rc < 0)
		return fail(error_code, why, L2TP_ERR_LENGTH, "AVP length runs past the message");
	return 0;
}

void l2tp_ctrl_begin(struct buf_writer *w, uint16_t tunnel_id, uint16_t session_id, uint16_t type)
{
	bw_u16(w, L2TP_HDR_T | L2TP_HDR_L | L2TP_HDR_S | L2TP_VERSION);
	bw_u16(w, 0); /* length, patched by l2tp_ctrl_finish */
	bw_u16(w, tunnel_id);
	bw_u16(w, session_id);
	bw_u16(w, 0); /* Ns */
	bw_u16(w, 0); /* Nr */
	l2tp_avp_put_u16(w, true, L2TP_AVP_MSG_TYPE, type);
}

int l2tp_ctrl_finish(struct buf_writer *w)
{
	if (!bw_ok(w) || w->len > 0xffff)
		return -1;
	bw_put_u16_at(w, 2, (uint16_t)w->len);
	return bw_ok(w) ? (int)w->len : -1;
}
