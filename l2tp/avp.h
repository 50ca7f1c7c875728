/*
 * AVP codec (RFC 2661 §4.1): walking the AVPs of a control message and
 * writing them. Internal to l2tp/.
 */
#ifndef L2TPSEC_L2TP_AVP_H
#define L2TPSEC_L2TP_AVP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

struct l2tp_avp {
	bool mandatory;
	bool hidden;
	bool reserved_bits; /* non-zero reserved bits: treat as unrecognized */
	uint16_t vendor;
	uint16_t type;
	const uint8_t *value; /* points into the message */
	size_t len;
};

/* Read the next AVP from r. Returns 1 with *avp filled, 0 at the clean end of
 * the message, -1 when the AVP header is short or its length is below 6 or
 * runs past the message. */
int l2tp_avp_next(struct buf_reader *r, struct l2tp_avp *avp);

/* Writers: errors are sticky in w (buf.h), including a value longer than an
 * AVP can hold. Vendor ID is always 0 (IETF). */
void l2tp_avp_put(struct buf_writer *w, bool mandatory, uint16_t type, const void *val, size_t len);
void l2tp_avp_put_u16(struct buf_writer *w, bool mandatory, uint16_t type, uint16_t v);
void l2tp_avp_put_u32(struct buf_writer *w, bool mandatory, uint16_t type, uint32_t v);
/* Result Code AVP (§4.4.2): result, error and an optional message. */
void l2tp_avp_put_result(struct buf_writer *w, uint16_t result, uint16_t error, const char *msg);
/* A hidden AVP (§4.3); a Random Vector AVP with rv must precede it in the
 * message. pad_len bytes of padding hide the value's length. */
void l2tp_avp_put_hidden(struct buf_writer *w, bool mandatory, uint16_t type, const uint8_t *secret,
                         size_t secret_len, const uint8_t *rv, size_t rv_len, const void *val,
                         size_t len, size_t pad_len);

#endif
