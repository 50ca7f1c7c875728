/* libFuzzer target: whole ISAKMP messages through the codec, plain and
 * encrypted. The first byte picks the path: plain parse, or decryption with
 * fixed AES-128 / 3DES keys followed by the chain walk over the padded
 * body; every payload then goes through its own parser. Nothing may read out
 * of bounds (ASan) and parsed lengths must stay inside the input. Mode 3:
 * IKE fragments (ike/frag.h), a sequence of [u16 length][u8 ms step/16]
 * datagram records fed to one reassembly; a joined message must be a whole,
 * non-fragment ISAKMP message no longer than the buffer, and is parsed. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ike/crypto.h"
#include "ike/frag.h"
#include "ike/isakmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_inside(const uint8_t *p, size_t len, const uint8_t *base, size_t size)
{
	if (len && (p < base || p + len > base + size))
		abort();
}

static void parse_each(const struct isakmp_msg *m, const uint8_t *base, size_t size)
{
	static struct isakmp_sa sa; /* big: keep it off the stack (fuzzer only) */

	for (size_t i = 0; i < m->count; i++) {
		const struct isakmp_payload *pl = &m->pl[i];
		uint16_t notify;

		check_inside(pl->raw, pl->raw_len, base, size);
		check_inside(pl->body, pl->len, base, size);
		switch (pl->type) {
		case ISAKMP_NP_SA:
			if (ike_isakmp_parse_sa(pl->body, pl->len, &sa, &notify) == 0) {
				if (sa.nprop > ISAKMP_MAX_PROPOSALS)
					abort();
				for (size_t k = 0; k < sa.nprop; k++)
					if (sa.prop[k].ntr > ISAKMP_MAX_TRANSFORMS)
						abort();
			}
			break;
		case ISAKMP_NP_ID: {
			struct isakmp_id id;

			if (ike_isakmp_parse_id(pl->body, pl->len, &id) == 0)
				check_inside(id.data, id.len, base, size);
			break;
		}
		case ISAKMP_NP_N: {
			struct isakmp_notify n;

			if (ike_isakmp_parse_notify(pl->body, pl->len, &n) == 0) {
				check_inside(n.spi, n.spi_len, base, size);
				check_inside(n.data, n.data_len, base, size);
			}
			break;
		}
		case ISAKMP_NP_D: {
			struct isakmp_delete d;

			if (ike_isakmp_parse_delete(pl->body, pl->len, &d) == 0)
				check_inside(d.spis, (size_t)d.nspi * d.spi_len, base, size);
			break;
		}
		case ISAKMP_NP_CERT:
		case ISAKMP_NP_CR: {
			struct isakmp_cert c;

			if (ike_isakmp_parse_cert(pl->body, pl->len, &c) == 0)
				check_inside(c.data, c.len, base, size);
			break;
		}
		case ISAKMP_NP_NATOA:
		case ISAKMP_NP_NATOA_DRAFT: {
			struct isakmp_natoa oa;

			if (ike_isakmp_parse_natoa(pl->body, pl->len, &oa) == 0 && oa.addr_len > 16)
				abort();
			break;
		}
		default:
			break;
		}
	}
}

static void fuzz_fragments(const uint8_t *data, size_t size)
{
	static struct ike_defrag d;
	static struct isakmp_msg m;
	static uint8_t whole[ISAKMP_MAX_MSG];
	uint64_t now = 0;
	uint16_t notify;

	ike_defrag_reset(&d);
	while (size >= 3) {
		size_t len = (size_t)data[0] << 8 | data[1];
		const char *why;
		size_t whole_len = 0;

		now += (uint64_t)data[2] * 16;
		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		switch (
		    ike_defrag_add(&d, data, len, now, whole, sizeof(whole), &whole_len, &why)) {
		case IKE_DEFRAG_DONE:
			if (whole_len > sizeof(whole) ||
			    ike_isakmp_parse_hdr(whole, whole_len, &m.hdr) ||
			    m.hdr.next == ISAKMP_NP_FRAG)
				abort();
			if (ike_isakmp_parse_plain(whole, whole_len, &m, &notify) == 0)
				parse_each(&m, whole, whole_len);
			break;
		case IKE_DEFRAG_ERROR:
			if (!why)
				abort();
			break;
		case IKE_DEFRAG_MORE:
			break;
		}
		if (d.used > sizeof(d.pool) || d.last > IKE_FRAG_MAX)
			abort();
		data += len;
		size -= len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct isakmp_msg m;
	static uint8_t plain[ISAKMP_MAX_MSG];
	struct ike_p1_keys keys = {.hash = IKE_HASH_SHA1};
	uint8_t iv[IKE_MAX_BLOCK] = {0};
	uint16_t notify, enc;

	if (size < 1)
		return 0;
	uint8_t mode = data[0];

	data++;
	size--;
	if ((mode & 3) == 0) {
		if (ike_isakmp_parse_plain(data, size, &m, &notify) == 0)
			parse_each(&m, data, size);
		return 0;
	}
	if ((mode & 3) == 3) {
		fuzz_fragments(data, size);
		return 0;
	}
	if (ike_isakmp_parse_hdr(data, size, &m.hdr))
		return 0;
	enc = (mode & 3) == 1 ? IKE_ENC_AES : IKE_ENC_3DES;
	keys.enc_key_len = enc == IKE_ENC_AES ? 16 : 24;
	memset(keys.enc_key, 0x5a, keys.enc_key_len);
	if (ike_decrypt_msg(NULL, &keys, enc, iv, data, m.hdr.len, plain))
		return 0;
	if (ike_isakmp_parse_payloads(m.hdr.next, plain, m.hdr.len - ISAKMP_HDR_LEN, true, &m,
	                              &notify) == 0) {
		if (m.chain_len > m.hdr.len - ISAKMP_HDR_LEN)
			abort();
		parse_each(&m, plain, m.hdr.len - ISAKMP_HDR_LEN);
	}
	return 0;
}
