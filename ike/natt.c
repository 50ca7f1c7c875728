/* NAT traversal: vendor IDs, NAT-D hashes and the numbers that differ between
 * RFC 3947 and the drafts Windows speaks (draft-02 for XP SP2, draft-02\n and
 * the RFC for Windows 8/10). Values: /work/shared/reference/wire-values.md. */
#include <string.h>

#include <netinet/in.h>

#include "ike/crypto.h"
#include "ike/natt.h"
#include "lib/util.h"

/* MD5 of the vendor strings. */
static const struct {
	enum ike_natt_variant variant;
	uint8_t vid[16];
} natt_vids[] = {
    {IKE_NATT_RFC3947,
     {0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45, 0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45,
      0x2f}},
    {IKE_NATT_DRAFT_03,
     {0x7d, 0x94, 0x19, 0xa6, 0x53, 0x10, 0xca, 0x6f, 0x2c, 0x17, 0x9d, 0x92, 0x15, 0x52, 0x9d,
      0x56}},
    {IKE_NATT_DRAFT_02N,
     {0x90, 0xcb, 0x80, 0x91, 0x3e, 0xbb, 0x69, 0x6e, 0x08, 0x63, 0x81, 0xb5, 0xec, 0x42, 0x7b,
      0x1f}},
    {IKE_NATT_DRAFT_02,
     {0xcd, 0x60, 0x46, 0x43, 0x35, 0xdf, 0x21, 0xf8, 0x7c, 0xfd, 0xb2, 0xfc, 0x68, 0xb6, 0xa4,
      0x48}},
};

/* RFC 3706 §7: the DPD vendor ID is 16 bytes; the last byte carries the
 * version (major 1, minor 0), which we require to match in full. */
static const uint8_t dpd_vid[16] = {0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9,
                                    0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00};

void ike_natt_write_vids(struct isakmp_builder *b)
{
	for (size_t i = 0; i < ARRAY_SIZE(natt_vids); i++)
		ike_isakmp_pl_add(b, ISAKMP_NP_VID, natt_vids[i].vid, 16);
	ike_isakmp_pl_add(b, ISAKMP_NP_VID, dpd_vid, sizeof(dpd_vid));
}

enum ike_natt_variant ike_natt_variant_from_vid(const uint8_t *vid, size_t len)
{
	if (len != 16)
		return IKE_NATT_NONE;
	for (size_t i = 0; i < ARRAY_SIZE(natt_vids); i++)
		if (memcmp(vid, natt_vids[i].vid, 16) == 0)
			return natt_vids[i].variant;
	return IKE_NATT_NONE;
}

bool ike_natt_vid_is_dpd(const uint8_t *vid, size_t len)
{
	return len == sizeof(dpd_vid) && memcmp(vid, dpd_vid, len) == 0;
}

const char *ike_natt_vid_name(const uint8_t *vid, size_t len)
{
	static const struct {
		const char *name;
		size_t len;
		uint8_t prefix[16];
	} known[] = {
	    {"XAUTH", 8, {0x09, 0x00, 0x26, 0x89, 0xdf, 0xd6, 0xb7, 0x12}},
	    {"FRAGMENTATION",
	     16,
	     {0x40, 0x48, 0xb7, 0xd5, 0x6e, 0xbc, 0xe8, 0x85, 0x25, 0xe7, 0xde, 0x7f, 0x00, 0xd6,
	      0xc2, 0xd3}},
	    {"MS NT5 ISAKMPOAKLEY",
	     16,
	     {0x1e, 0x2b, 0x51, 0x69, 0x05, 0x99, 0x1c, 0x7d, 0x7c, 0x96, 0xfc, 0xbf, 0xb5, 0x87,
	      0xe4, 0x61}},
	};
	enum ike_natt_variant v = ike_natt_variant_from_vid(vid, len);

	if (v != IKE_NATT_NONE)
		return ike_natt_name(v);
	if (ike_natt_vid_is_dpd(vid, len))
		return "DPD";
	for (size_t i = 0; i < ARRAY_SIZE(known); i++)
		if (len >= known[i].len && memcmp(vid, known[i].prefix, known[i].len) == 0)
			return known[i].name;
	return NULL;
}

uint8_t ike_natt_natd_type(enum ike_natt_variant v)
{
	return v == IKE_NATT_RFC3947 ? ISAKMP_NP_NATD : ISAKMP_NP_NATD_DRAFT;
}

uint8_t ike_natt_natoa_type(enum ike_natt_variant v)
{
	return v == IKE_NATT_RFC3947 ? ISAKMP_NP_NATOA : ISAKMP_NP_NATOA_DRAFT;
}

uint16_t ike_natt_encap_transport(enum ike_natt_variant v)
{
	return v == IKE_NATT_RFC3947 ? ENCAP_UDP_TRANSPORT_RFC : ENCAP_UDP_TRANSPORT_DRAFT;
}

bool ike_natt_encap_is_udp_transport(uint64_t encap)
{
	return encap == ENCAP_UDP_TRANSPORT_RFC || encap == ENCAP_UDP_TRANSPORT_DRAFT;
}

size_t ike_natt_hash(OSSL_LIB_CTX *lib, uint16_t hash, const uint8_t *icookie,
                     const uint8_t *rcookie, const struct sockaddr *sa, uint8_t *out)
{
	struct iov v[4] = {{icookie, 8}, {rcookie, 8}};

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		v[2] = (struct iov){&in->sin_addr, 4};
		v[3] = (struct iov){&in->sin_port, 2};
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		v[2] = (struct iov){&in6->sin6_addr, 16};
		v[3] = (struct iov){&in6->sin6_port, 2};
	} else {
		return 0;
	}
	return ike_hash(lib, hash, v, 4, out) ? 0 : ike_hash_len(hash);
}
