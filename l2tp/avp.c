/*
 * AVP codec, RFC 2661 §4.1:
 *   |M|H| rsvd  |      Length       |           Vendor ID           |
 *   |         Attribute Type        |        Attribute Value ...
 * Length (10 bits) counts the 6-byte header.
 */
#include <string.h>

#include "l2tp/avp.h"
#include "l2tp/hidden.h"
#include "l2tp/proto.h"
#include "lib/util.h"

int l2tp_avp_next(struct buf_reader *r, struct l2tp_avp *avp)
{
	uint16_t bits, vendor, type, len;

	if (br_remaining(r) == 0)
		return 0;
	if (br_u16(r, &bits) || br_u16(r, &vendor) || br_u16(r, &type))
		return -1;
	len = bits & L2TP_AVP_LEN_MASK;
	if (len < L2TP_AVP_HDR_LEN)
		return -1;
	avp->mandatory = bits & L2TP_AVP_M;
	avp->hidden = bits & L2TP_AVP_H;
	avp->reserved_bits = bits & L2TP_AVP_RSVD;
	avp->vendor = vendor;
	avp->type = type;
	avp->len = len - L2TP_AVP_HDR_LEN;
	if (br_ptr(r, &avp->value, avp->len))
		return -1;
	return 1;
}

static void put_header(struct buf_writer *w, bool mandatory, bool hidden, uint16_t type, size_t len)
{
	size_t total = len + L2TP_AVP_HDR_LEN;
	uint16_t bits;

	if (total > L2TP_AVP_LEN_MASK) {
		w->error = true;
		return;
	}
	bits = (uint16_t)total | (mandatory ? L2TP_AVP_M : 0) | (hidden ? L2TP_AVP_H : 0);
	bw_u16(w, bits);
	bw_u16(w, 0);
	bw_u16(w, type);
}

void l2tp_avp_put(struct buf_writer *w, bool mandatory, uint16_t type, const void *val, size_t len)
{
	put_header(w, mandatory, false, type, len);
	if (len)
		bw_bytes(w, val, len);
}

void l2tp_avp_put_u16(struct buf_writer *w, bool mandatory, uint16_t type, uint16_t v)
{
	uint8_t b[2];

	put_be16(b, v);
	l2tp_avp_put(w, mandatory, type, b, sizeof(b));
}

void l2tp_avp_put_u32(struct buf_writer *w, bool mandatory, uint16_t type, uint32_t v)
{
	uint8_t b[4];

	put_be32(b, v);
	l2tp_avp_put(w, mandatory, type, b, sizeof(b));
}

void l2tp_avp_put_result(struct buf_writer *w, uint16_t result, uint16_t error, const char *msg)
{
	size_t mlen = msg ? strlen(msg) : 0;

	put_header(w, true, false, L2TP_AVP_RESULT_CODE, 4 + mlen);
	bw_u16(w, result);
	bw_u16(w, error);
	if (mlen)
		bw_bytes(w, msg, mlen);
}

void l2tp_avp_put_hidden(struct buf_writer *w, bool mandatory, uint16_t type, const uint8_t *secret,
                         size_t secret_len, const uint8_t *rv, size_t rv_len, const void *val,
                         size_t len, size_t pad_len)
{
	uint8_t hidden[L2TP_AVP_VALUE_MAX];
	size_t hlen = 0;

	if (l2tp_hidden_encode(type, secret, secret_len, rv, rv_len, val, len, pad_len, hidden,
	                       sizeof(hidden), &hlen)) {
		w->error = true;
		return;
	}
	put_header(w, mandatory, true, type, hlen);
	bw_bytes(w, hidden, hlen);
}
