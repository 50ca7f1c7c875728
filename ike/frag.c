/* IKEv1 fragmentation (Cisco/Microsoft extension): see ike/frag.h. */
#include <string.h>

#include "ike/frag.h"
#include "lib/buf.h"

/* MD5("FRAGMENTATION") and the capability 0x80000000 (Main Mode and
 * Aggressive Mode messages), as strongSwan sends it; Windows sends the 16
 * bytes alone. */
static const uint8_t frag_vid[20] = {0x40, 0x48, 0xb7, 0xd5, 0x6e, 0xbc, 0xe8, 0x85, 0x25, 0xe7,
                                     0xde, 0x7f, 0x00, 0xd6, 0xc2, 0xd3, 0x80, 0x00, 0x00, 0x00};
#define FRAG_CAP_MAIN_MODE 0x80000000u

void ike_frag_write_vid(struct isakmp_builder *b)
{
	ike_isakmp_pl_add(b, ISAKMP_NP_VID, frag_vid, sizeof(frag_vid));
}

bool ike_frag_vid_matches(const uint8_t *vid, size_t len)
{
	if (len < 16 || memcmp(vid, frag_vid, 16) != 0)
		return false;
	if (len == 16)
		return true;
	return len == 20 && (get_be32(vid + 16) & FRAG_CAP_MAIN_MODE);
}

bool ike_frag_wanted(size_t len, bool peer_announced, bool force, bool off)
{
	if (off || !(peer_announced || force) || len <= IKE_FRAG_THRESHOLD)
		return false;
	return ike_frag_count(len, IKE_FRAG_DATA_LEN) <= IKE_FRAG_MAX;
}

size_t ike_frag_count(size_t len, size_t chunk)
{
	return chunk ? (len + chunk - 1) / chunk : 0;
}

size_t ike_frag_build(const uint8_t *msg, size_t len, uint16_t frag_id, size_t num, size_t chunk,
                      uint8_t *out, size_t cap)
{
	size_t count = ike_frag_count(len, chunk), off, n;
	struct isakmp_hdr h;
	struct buf_writer w;

	if (num < 1 || num > count || count > IKE_FRAG_MAX || ike_isakmp_parse_hdr(msg, len, &h))
		return 0;
	off = (num - 1) * chunk;
	n = len - off < chunk ? len - off : chunk;
	bw_init(&w, out, cap);
	/* strongSwan and Windows put message ID 0 and the Main Mode exchange
	 * type on every fragment, whatever the message; flags stay clear
	 * (the fragment itself is not encrypted, its data may be). */
	bw_bytes(&w, h.icookie, ISAKMP_COOKIE_LEN);
	bw_bytes(&w, h.rcookie, ISAKMP_COOKIE_LEN);
	bw_u8(&w, ISAKMP_NP_FRAG);
	bw_u8(&w, ISAKMP_VERSION);
	bw_u8(&w, ISAKMP_XCHG_IDPROT);
	bw_u8(&w, 0);
	bw_u32(&w, 0);
	bw_u32(&w, (uint32_t)(ISAKMP_HDR_LEN + IKE_FRAG_PL_HDR_LEN + n));
	bw_u8(&w, ISAKMP_NP_NONE);
	bw_u8(&w, 0);
	bw_u16(&w, (uint16_t)(IKE_FRAG_PL_HDR_LEN + n));
	bw_u16(&w, frag_id);
	bw_u8(&w, (uint8_t)num);
	bw_u8(&w, num == count ? IKE_FRAG_FLAG_LAST : 0);
	bw_bytes(&w, msg + off, n);
	return bw_ok(&w) ? w.len : 0;
}

void ike_defrag_reset(struct ike_defrag *d)
{
	d->active = false;
	d->last = 0;
	d->used = 0;
	memset(d->len, 0, sizeof(d->len));
}

struct frag_pl {
	uint16_t id;
	uint8_t num, flags;
	const uint8_t *data;
	size_t len;
};

static int parse_fragment(const uint8_t *buf, size_t len, struct isakmp_hdr *h, struct frag_pl *f,
                          const char **why)
{
	struct buf_reader r;
	uint8_t next, reserved;
	uint16_t pl_len;

	if (ike_isakmp_parse_hdr(buf, len, h) || h->next != ISAKMP_NP_FRAG) {
		*why = "not an ISAKMP fragment";
		return -1;
	}
	br_init(&r, buf + ISAKMP_HDR_LEN, h->len - ISAKMP_HDR_LEN);
	br_u8(&r, &next);
	br_u8(&r, &reserved);
	br_u16(&r, &pl_len);
	br_u16(&r, &f->id);
	br_u8(&r, &f->num);
	br_u8(&r, &f->flags);
	/* The Fragment payload is the only one, and holds some data. */
	if (!br_ok(&r) || next != ISAKMP_NP_NONE || pl_len <= IKE_FRAG_PL_HDR_LEN ||
	    pl_len != h->len - ISAKMP_HDR_LEN) {
		*why = "malformed fragment payload";
		return -1;
	}
	f->len = pl_len - IKE_FRAG_PL_HDR_LEN;
	if (br_ptr(&r, &f->data, f->len)) {
		*why = "malformed fragment payload";
		return -1;
	}
	if (f->num < 1 || f->num > IKE_FRAG_MAX) {
		*why = "fragment number out of range";
		return -1;
	}
	return 0;
}

/* The fragment belongs to the message being joined, or starts a new one. */
static void take_message(struct ike_defrag *d, const struct isakmp_hdr *h, uint16_t id,
                         uint64_t now_ms)
{
	bool same = d->active && d->id == id && memcmp(d->cookies, h->icookie, 8) == 0 &&
	            memcmp(d->cookies + 8, h->rcookie, 8) == 0 &&
	            now_ms - d->started_ms <= IKE_FRAG_TIMEOUT_MS;

	if (same)
		return;
	ike_defrag_reset(d);
	d->active = true;
	d->id = id;
	memcpy(d->cookies, h->icookie, 8);
	memcpy(d->cookies + 8, h->rcookie, 8);
	d->started_ms = now_ms;
}

static enum ike_defrag_result join(struct ike_defrag *d, uint8_t *out, size_t cap, size_t *out_len,
                                   const char **why)
{
	struct isakmp_hdr whole;
	uint8_t cookies[sizeof(d->cookies)];
	size_t n = 0;

	memcpy(cookies, d->cookies, sizeof(cookies));

	for (size_t i = 1; i <= d->last; i++) {
		if (n + d->len[i] > cap) {
			*why = "reassembled message too long";
			ike_defrag_reset(d);
			return IKE_DEFRAG_ERROR;
		}
		memcpy(out + n, d->pool + d->off[i], d->len[i]);
		n += d->len[i];
	}
	ike_defrag_reset(d);
	if (ike_isakmp_parse_hdr(out, n, &whole) || whole.next == ISAKMP_NP_FRAG ||
	    memcmp(whole.icookie, cookies, 8) != 0 || memcmp(whole.rcookie, cookies + 8, 8) != 0) {
		*why = "reassembled message is not an ISAKMP message of these cookies";
		return IKE_DEFRAG_ERROR;
	}
	*out_len = n;
	return IKE_DEFRAG_DONE;
}

enum ike_defrag_result ike_defrag_add(struct ike_defrag *d, const uint8_t *buf, size_t len,
                                      uint64_t now_ms, uint8_t *out, size_t cap, size_t *out_len,
                                      const char **why)
{
	struct isakmp_hdr h;
	struct frag_pl f;

	*why = NULL;
	if (parse_fragment(buf, len, &h, &f, why))
		return IKE_DEFRAG_ERROR;
	take_message(d, &h, f.id, now_ms);
	if (d->len[f.num])
		return IKE_DEFRAG_MORE; /* a duplicate: the first copy stays */
	if ((f.flags & IKE_FRAG_FLAG_LAST) && d->last && d->last != f.num) {
		*why = "two fragments flagged last";
		ike_defrag_reset(d);
		return IKE_DEFRAG_ERROR;
	}
	if (d->last && f.num > d->last) {
		*why = "fragment beyond the last one";
		ike_defrag_reset(d);
		return IKE_DEFRAG_ERROR;
	}
	if (f.len > sizeof(d->pool) - d->used) {
		*why = "fragments longer than an ISAKMP message may be";
		ike_defrag_reset(d);
		return IKE_DEFRAG_ERROR;
	}
	if (f.flags & IKE_FRAG_FLAG_LAST) {
		for (size_t i = f.num + 1; i <= IKE_FRAG_MAX; i++)
			if (d->len[i]) {
				*why = "fragment beyond the last one";
				ike_defrag_reset(d);
				return IKE_DEFRAG_ERROR;
			}
		d->last = f.num;
	}
	memcpy(d->pool + d->used, f.data, f.len);
	d->off[f.num] = (uint16_t)d->used;
	d->len[f.num] = (uint16_t)f.len;
	d->used += f.len;
	if (!d->last)
		return IKE_DEFRAG_MORE;
	for (size_t i = 1; i <= d->last; i++)
		if (!d->len[i])
			return IKE_DEFRAG_MORE;
	return join(d, out, cap, out_len, why);
}
