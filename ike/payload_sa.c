/* SA, proposal and transform payloads with their data attributes
 * (RFC 2408 §3.3-3.6, RFC 2407 §4.6.1). */
#include <string.h>

#include "ike/isakmp.h"

#define ATTR_AF 0x8000

/* §3.3: AF=1 is the basic form (2-byte value), AF=0 the variable form. */
static int parse_attrs(struct buf_reader *r, struct isakmp_transform *t, uint16_t *notify)
{
	while (br_remaining(r) > 0) {
		uint16_t type, val;
		struct isakmp_attr a = {0};

		if (br_u16(r, &type) || br_u16(r, &val))
			goto malformed;
		a.type = type & ~ATTR_AF;
		if (type & ATTR_AF) {
			a.tv = true;
			a.value = val;
		} else {
			const uint8_t *p;

			/* Life durations may come as 4- or 8-byte values;
			 * nothing we accept needs more. */
			if (val == 0 || val > 8 || br_ptr(r, &p, val))
				goto malformed;
			for (uint16_t i = 0; i < val; i++)
				a.value = a.value << 8 | p[i];
		}
		if (t->nattr == ISAKMP_MAX_ATTRS) {
			*notify = N_ATTRIBUTES_NOT_SUPPORTED;
			return -1;
		}
		t->attr[t->nattr++] = a;
	}
	return 0;
malformed:
	*notify = N_PAYLOAD_MALFORMED;
	return -1;
}

static int parse_transform(struct buf_reader *r, uint8_t *next, struct isakmp_transform *t,
                           uint16_t *notify)
{
	uint8_t reserved;
	uint16_t len, reserved2;
	struct buf_reader body;

	*notify = N_PAYLOAD_MALFORMED;
	if (br_u8(r, next) || br_u8(r, &reserved) || br_u16(r, &len))
		return -1;
	if (len < 8 || br_sub(r, &body, len - 4) || reserved != 0)
		return -1;
	if (*next != ISAKMP_NP_T && *next != ISAKMP_NP_NONE)
		return -1;
	br_u8(&body, &t->num);
	br_u8(&body, &t->id);
	br_u16(&body, &reserved2);
	if (!br_ok(&body) || reserved2 != 0)
		return -1;
	t->nattr = 0;
	return parse_attrs(&body, t, notify);
}

static int parse_proposal(struct buf_reader *r, uint8_t *next, struct isakmp_proposal *p,
                          uint16_t *notify)
{
	uint8_t reserved, ntr, tnext = ISAKMP_NP_T;
	uint16_t len;
	struct buf_reader body;

	*notify = N_PAYLOAD_MALFORMED;
	if (br_u8(r, next) || br_u8(r, &reserved) || br_u16(r, &len))
		return -1;
	if (len < 8 || br_sub(r, &body, len - 4) || reserved != 0)
		return -1;
	if (*next != ISAKMP_NP_P && *next != ISAKMP_NP_NONE)
		return -1;
	br_u8(&body, &p->num);
	br_u8(&body, &p->proto);
	br_u8(&body, &p->spi_len);
	br_u8(&body, &ntr);
	if (!br_ok(&body) || p->spi_len > sizeof(p->spi) || br_bytes(&body, p->spi, p->spi_len))
		return -1;
	if (ntr == 0 || ntr > ISAKMP_MAX_TRANSFORMS) {
		*notify = N_BAD_PROPOSAL_SYNTAX;
		return -1;
	}
	p->ntr = 0;
	while (tnext == ISAKMP_NP_T) {
		if (p->ntr == ntr) {
			*notify = N_BAD_PROPOSAL_SYNTAX;
			return -1;
		}
		if (parse_transform(&body, &tnext, &p->tr[p->ntr], notify))
			return -1;
		p->ntr++;
	}
	/* The count must match the chain and the chain must fill the payload. */
	if (p->ntr != ntr || br_remaining(&body) != 0) {
		*notify = N_BAD_PROPOSAL_SYNTAX;
		return -1;
	}
	return 0;
}

int ike_isakmp_parse_sa(const uint8_t *body, size_t len, struct isakmp_sa *sa, uint16_t *notify)
{
	struct buf_reader r;
	uint8_t next = ISAKMP_NP_P;

	*notify = N_PAYLOAD_MALFORMED;
	br_init(&r, body, len);
	if (br_u32(&r, &sa->doi) || br_u32(&r, &sa->situation))
		return -1;
	if (sa->doi != IPSEC_DOI) {
		*notify = 2; /* DOI-NOT-SUPPORTED */
		return -1;
	}
	if (sa->situation != IPSEC_SIT_IDENTITY_ONLY) {
		*notify = 3; /* SITUATION-NOT-SUPPORTED */
		return -1;
	}
	sa->nprop = 0;
	while (next == ISAKMP_NP_P) {
		if (sa->nprop == ISAKMP_MAX_PROPOSALS) {
			*notify = N_BAD_PROPOSAL_SYNTAX;
			return -1;
		}
		if (parse_proposal(&r, &next, &sa->prop[sa->nprop], notify))
			return -1;
		sa->nprop++;
	}
	if (br_remaining(&r) != 0) {
		*notify = N_UNEQUAL_PAYLOAD_LENGTHS;
		return -1;
	}
	return 0;
}

static void write_attr(struct buf_writer *w, const struct isakmp_attr *a)
{
	if (a->tv) {
		bw_u16(w, (uint16_t)(a->type | ATTR_AF));
		bw_u16(w, (uint16_t)a->value);
	} else if (a->value <= 0xffffffffu) {
		bw_u16(w, a->type);
		bw_u16(w, 4);
		bw_u32(w, (uint32_t)a->value);
	} else {
		bw_u16(w, a->type);
		bw_u16(w, 8);
		bw_u64(w, a->value);
	}
}

void ike_isakmp_write_sa_body(struct buf_writer *w, const struct isakmp_sa *sa)
{
	bw_u32(w, sa->doi);
	bw_u32(w, sa->situation);
	for (size_t i = 0; i < sa->nprop; i++) {
		const struct isakmp_proposal *p = &sa->prop[i];
		size_t pstart = w->len;

		bw_u8(w, i + 1 < sa->nprop ? ISAKMP_NP_P : ISAKMP_NP_NONE);
		bw_u8(w, 0);
		bw_u16(w, 0);
		bw_u8(w, p->num);
		bw_u8(w, p->proto);
		bw_u8(w, p->spi_len);
		bw_u8(w, (uint8_t)p->ntr);
		bw_bytes(w, p->spi, p->spi_len);
		for (size_t j = 0; j < p->ntr; j++) {
			const struct isakmp_transform *t = &p->tr[j];
			size_t tstart = w->len;

			bw_u8(w, j + 1 < p->ntr ? ISAKMP_NP_T : ISAKMP_NP_NONE);
			bw_u8(w, 0);
			bw_u16(w, 0);
			bw_u8(w, t->num);
			bw_u8(w, t->id);
			bw_u16(w, 0);
			for (size_t k = 0; k < t->nattr; k++)
				write_attr(w, &t->attr[k]);
			bw_put_u16_at(w, tstart + 2, (uint16_t)(w->len - tstart));
		}
		bw_put_u16_at(w, pstart + 2, (uint16_t)(w->len - pstart));
	}
}

bool ike_isakmp_attr_get(const struct isakmp_transform *t, uint16_t type, uint64_t *value)
{
	for (size_t i = 0; i < t->nattr; i++) {
		if (t->attr[i].type == type) {
			*value = t->attr[i].value;
			return true;
		}
	}
	return false;
}

/* Values that fit 16 bits go in the basic form, the rest as 4/8 bytes
 * (life durations, §3.3). */
void ike_isakmp_attr_put(struct isakmp_transform *t, uint16_t type, uint64_t value)
{
	if (t->nattr == ISAKMP_MAX_ATTRS)
		return;
	t->attr[t->nattr++] = (struct isakmp_attr){
	    .type = type,
	    .tv = value <= 0xffff,
	    .value = value,
	};
}
