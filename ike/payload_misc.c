/* ID, notification, delete, certificate and NAT-OA payload bodies
 * (RFC 2407 §4.6.2-4.6.3, RFC 2408 §3.9-3.15, RFC 3947 §5.2). */
#include <string.h>

#include "ike/isakmp.h"

int ike_isakmp_parse_id(const uint8_t *body, size_t len, struct isakmp_id *id)
{
	struct buf_reader r;

	br_init(&r, body, len);
	br_u8(&r, &id->type);
	br_u8(&r, &id->proto);
	br_u16(&r, &id->port);
	if (!br_ok(&r))
		return -1;
	id->data = body + 4;
	id->len = len - 4;
	switch (id->type) {
	case ID_IPV4_ADDR:
		return id->len == 4 ? 0 : -1;
	case ID_IPV6_ADDR:
		return id->len == 16 ? 0 : -1;
	case ID_IPV4_ADDR_SUBNET:
		return id->len == 8 ? 0 : -1;
	case ID_FQDN:
	case ID_USER_FQDN:
	case ID_DER_ASN1_DN:
	case ID_KEY_ID:
		/* Names must not be empty nor carry a NUL (they get logged). */
		if (id->len == 0)
			return -1;
		if (id->type != ID_DER_ASN1_DN && id->type != ID_KEY_ID &&
		    memchr(id->data, 0, id->len))
			return -1;
		return 0;
	default:
		return -1;
	}
}

void ike_isakmp_write_id(struct buf_writer *w, const struct isakmp_id *id)
{
	bw_u8(w, id->type);
	bw_u8(w, id->proto);
	bw_u16(w, id->port);
	bw_bytes(w, id->data, id->len);
}

int ike_isakmp_parse_notify(const uint8_t *body, size_t len, struct isakmp_notify *n)
{
	struct buf_reader r;

	br_init(&r, body, len);
	br_u32(&r, &n->doi);
	br_u8(&r, &n->proto);
	br_u8(&r, &n->spi_len);
	br_u16(&r, &n->type);
	if (br_ptr(&r, &n->spi, n->spi_len))
		return -1;
	/* DOI 0 is seen from some stacks in phase 1 notifications. */
	if (n->doi != IPSEC_DOI && n->doi != 0)
		return -1;
	if (n->spi_len != 0 && n->spi_len != 4 && n->spi_len != 8 && n->spi_len != 16)
		return -1;
	n->data_len = br_remaining(&r);
	n->data = n->data_len ? r.data + r.off : NULL;
	return 0;
}

void ike_isakmp_write_notify(struct buf_writer *w, const struct isakmp_notify *n)
{
	bw_u32(w, n->doi);
	bw_u8(w, n->proto);
	bw_u8(w, n->spi_len);
	bw_u16(w, n->type);
	bw_bytes(w, n->spi, n->spi_len);
	if (n->data_len)
		bw_bytes(w, n->data, n->data_len);
}

int ike_isakmp_parse_delete(const uint8_t *body, size_t len, struct isakmp_delete *d)
{
	struct buf_reader r;

	br_init(&r, body, len);
	br_u32(&r, &d->doi);
	br_u8(&r, &d->proto);
	br_u8(&r, &d->spi_len);
	br_u16(&r, &d->nspi);
	if (!br_ok(&r) || d->doi != IPSEC_DOI)
		return -1;
	/* ISAKMP SAs are named by the cookie pair, IPsec SAs by 4-byte SPIs. */
	if (d->proto == PROTO_ISAKMP) {
		if (d->spi_len != 16)
			return -1;
	} else if (d->proto == PROTO_IPSEC_ESP || d->proto == PROTO_IPSEC_AH) {
		if (d->spi_len != 4)
			return -1;
	} else {
		return -1;
	}
	if (d->nspi == 0 || d->nspi > ISAKMP_MAX_DELETE_SPIS)
		return -1;
	if (br_ptr(&r, &d->spis, (size_t)d->nspi * d->spi_len) || br_remaining(&r) != 0)
		return -1;
	return 0;
}

void ike_isakmp_write_delete(struct buf_writer *w, const struct isakmp_delete *d)
{
	bw_u32(w, d->doi);
	bw_u8(w, d->proto);
	bw_u8(w, d->spi_len);
	bw_u16(w, d->nspi);
	bw_bytes(w, d->spis, (size_t)d->nspi * d->spi_len);
}

int ike_isakmp_parse_cert(const uint8_t *body, size_t len, struct isakmp_cert *c)
{
	if (len < 1)
		return -1;
	c->encoding = body[0];
	c->data = body + 1;
	c->len = len - 1;
	return 0;
}

int ike_isakmp_parse_natoa(const uint8_t *body, size_t len, struct isakmp_natoa *oa)
{
	struct buf_reader r;
	uint8_t reserved[3];

	br_init(&r, body, len);
	br_u8(&r, &oa->type);
	br_bytes(&r, reserved, sizeof(reserved));
	if (!br_ok(&r) || reserved[0] || reserved[1] || reserved[2])
		return -1;
	if (oa->type == ID_IPV4_ADDR)
		oa->addr_len = 4;
	else if (oa->type == ID_IPV6_ADDR)
		oa->addr_len = 16;
	else
		return -1;
	if (br_bytes(&r, oa->addr, oa->addr_len) || br_remaining(&r) != 0)
		return -1;
	return 0;
}

void ike_isakmp_write_natoa(struct buf_writer *w, const struct isakmp_natoa *oa)
{
	bw_u8(w, oa->type);
	bw_zero(w, 3);
	bw_bytes(w, oa->addr, oa->addr_len);
}
