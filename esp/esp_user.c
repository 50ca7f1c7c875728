#include "esp/esp_user.h"

#include <netinet/in.h>
#include <string.h>

#include "esp/udp_csum.h"
#include "lib/buf.h"
#include "lib/util.h"

#define ESP_HDR_LEN   8 /* SPI + sequence number */
#define UDP_HDR_LEN   8
#define ESP_NEXT_UDP  17
#define ESP_NEXT_NONE 59 /* RFC 4303 §2.6 dummy packet */

const char *esp_err_name(int err)
{
	static const char *const names[] = {
	    [ESP_OK] = "ok",
	    [ESP_E_SHORT] = "too short",
	    [ESP_E_SPI] = "unknown SPI",
	    [ESP_E_REPLAY] = "replayed",
	    [ESP_E_ICV] = "ICV mismatch",
	    [ESP_E_BLOCK] = "length not a multiple of the block size",
	    [ESP_E_PAD] = "bad padding",
	    [ESP_E_NEXTHDR] = "next header not UDP",
	    [ESP_E_UDP] = "bad inner UDP header",
	    [ESP_E_DUMMY] = "dummy packet",
	    [ESP_E_SEQ_EXHAUSTED] = "sequence numbers exhausted",
	    [ESP_E_NOROOM] = "no head- or tailroom",
	    [ESP_E_CRYPTO] = "crypto library failure",
	};
	unsigned idx = err < 0 ? (unsigned)-err : (unsigned)err;

	return idx < ARRAY_SIZE(names) && names[idx] ? names[idx] : "?";
}

int esp_sa_init(struct esp_user_sa *sa, const struct esp_sa_pair *pair, OSSL_LIB_CTX *libctx)
{
	memset(sa, 0, sizeof(*sa));
	/* Userspace ESP lives on the IKE UDP socket: without RFC 3948
	 * encapsulation ESP would be IP protocol 50, which needs the kernel. */
	if (!pair->udp_encap || pair->local.ss_family != pair->remote.ss_family)
		return -1;
	if (pair->in.spi == 0 || pair->out.spi == 0)
		return -1;
	if (esp_crypto_init(&sa->in, &pair->in, false, libctx) < 0)
		return -1;
	if (esp_crypto_init(&sa->out, &pair->out, true, libctx) < 0) {
		esp_crypto_free(&sa->in);
		return -1;
	}
	sa->spi_in = pair->in.spi;
	sa->spi_out = pair->out.spi;
	esp_replay_init(&sa->replay);
	sa->local = pair->local;
	sa->remote = pair->remote;
	sa->have_oa_local = pair->have_nat_oa_local;
	sa->have_oa_remote = pair->have_nat_oa_remote;
	sa->oa_local = pair->nat_oa_local;
	sa->oa_remote = pair->nat_oa_remote;
	sa->local_port = pair->local_l2tp_port;
	sa->remote_port = pair->remote_l2tp_port;
	sa->lifetime = pair->lifetime;
	sa->trunc_probe = pair->in.auth == ESP_AUTH_HMAC_SHA256_128;
	return 0;
}

void esp_sa_clear(struct esp_user_sa *sa)
{
	esp_crypto_free(&sa->in);
	esp_crypto_free(&sa->out);
	secure_clear(sa, sizeof(*sa));
}

static void account_bytes(struct esp_user_sa *sa)
{
	uint64_t bytes = sa->ctr.in_bytes + sa->ctr.out_bytes;

	if (sa->lifetime.hard_bytes && bytes >= sa->lifetime.hard_bytes)
		sa->events |= ESP_EV_HARD;
	else if (sa->lifetime.soft_bytes && bytes >= sa->lifetime.soft_bytes)
		sa->events |= ESP_EV_SOFT;
}

/* The inner UDP checksum we send. Over IPv4 none (zero, RFC 768): ESP's ICV
 * already protects these bytes better than a checksum can, a gateway behind
 * or across a NAT could not verify ours anyway (it covers our private
 * address; RFC 3948 §3.1.2 lets it fix or skip it, and Linux skips it for
 * transport-mode NAT-T), and a zero field is valid for every IPv4 receiver.
 * IPv6 forbids a zero UDP checksum (RFC 8200 §8.1): computed there. */
static uint16_t inner_udp_csum(const struct esp_user_sa *sa, const uint8_t *udp, size_t len)
{
	uint16_t csum;

	if (sa->local.ss_family == AF_INET)
		return 0;
	csum = udp_csum_compute(&sa->local, &sa->remote, udp, len);
	return csum ? csum : 0xffff;
}

/* The inner UDP header (RFC 768) in front of the L2TP datagram at udp+8. */
static void build_udp(const struct esp_user_sa *sa, uint8_t *udp, size_t payload_len)
{
	put_be16(udp, sa->local_port);
	put_be16(udp + 2, sa->remote_port);
	put_be16(udp + 4, (uint16_t)(UDP_HDR_LEN + payload_len));
	put_be16(udp + 6, 0);
	put_be16(udp + 6, inner_udp_csum(sa, udp, UDP_HDR_LEN + payload_len));
}

/* RFC 4303 §2.4: minimal padding with the default 1, 2, 3... contents. */
static size_t add_trailer(uint8_t *end, size_t plain_len, unsigned align)
{
	size_t padded = (plain_len + 2 + align - 1) / align * align;
	size_t pad = padded - plain_len - 2;

	for (size_t i = 0; i < pad; i++)
		end[i] = (uint8_t)(i + 1);
	end[pad] = (uint8_t)pad;
	end[pad + 1] = ESP_NEXT_UDP;
	return padded;
}

int esp_sa_encrypt(struct esp_user_sa *sa, struct esp_pkt *pkt)
{
	struct esp_crypto *c = &sa->out;
	size_t front = ESP_HDR_LEN + c->iv_len + UDP_HDR_LEN;
	size_t payload_len = pkt->len, padded;
	uint8_t *esp, *iv, *plain, mac[ESP_MAX_MAC];

	if (pkt->off < front || esp_pkt_tailroom(pkt) < (size_t)c->pad_align + 1 + c->icv_len ||
	    payload_len > ESP_PKT_MAX_PAYLOAD) {
		sa->ctr.out_errors++;
		return -ESP_E_NOROOM;
	}
	if (sa->seq_out == ESP_SEQ_HARD_LIMIT) {
		sa->events |= ESP_EV_HARD;
		sa->ctr.out_errors++;
		return -ESP_E_SEQ_EXHAUSTED;
	}
	esp = esp_pkt_data(pkt) - front;
	iv = esp + ESP_HDR_LEN;
	plain = iv + c->iv_len;
	build_udp(sa, plain, payload_len);
	padded =
	    add_trailer(plain + UDP_HDR_LEN + payload_len, UDP_HDR_LEN + payload_len, c->pad_align);
	sa->seq_out++;
	put_be32(esp, sa->spi_out);
	put_be32(esp + 4, sa->seq_out);
	if (esp_crypto_make_iv(c, sa->seq_out, iv) < 0)
		goto crypto_fail;
	if (c->aead) {
		if (esp_crypto_gcm_seal(c, iv, esp, ESP_HDR_LEN, plain, padded, plain + padded) < 0)
			goto crypto_fail;
	} else {
		/* RFC 4303 §3.3.4: encrypt, then the ICV over header, IV and ciphertext. */
		if (esp_crypto_cbc(c, iv, plain, padded) < 0 ||
		    esp_crypto_hmac(c, esp, (size_t)(plain + padded - esp), mac) < 0)
			goto crypto_fail;
		memcpy(plain + padded, mac, c->icv_len);
	}
	pkt->off -= front;
	pkt->len = ESP_HDR_LEN + c->iv_len + padded + c->icv_len;
	sa->ctr.out_packets++;
	sa->ctr.out_bytes += payload_len;
	if (sa->seq_out >= ESP_SEQ_SOFT_LIMIT)
		sa->events |= ESP_EV_SOFT;
	account_bytes(sa);
	return 0;

crypto_fail:
	sa->ctr.out_errors++;
	return -ESP_E_CRYPTO;
}

/* HMAC check of the packet with an ICV of icv_len bytes; constant time. */
static bool icv_matches(struct esp_crypto *c, const uint8_t *pkt, size_t len, size_t icv_len)
{
	uint8_t mac[ESP_MAX_MAC];

	if (esp_crypto_hmac(c, pkt, len - icv_len, mac) < 0)
		return false;
	return secure_memcmp(mac, pkt + len - icv_len, icv_len) == 0;
}

static bool ct_aligned(const struct esp_crypto *c, size_t len, size_t icv_len)
{
	size_t min = ESP_HDR_LEN + c->iv_len + icv_len + c->pad_align;

	return len >= min && (len - ESP_HDR_LEN - c->iv_len - icv_len) % c->pad_align == 0;
}

/* Some peers truncate HMAC-SHA-256 to 96 bits (pre-RFC 4868 drafts, Linux
 * before 2.6.33): until one packet verified at 128 bits, try 96 as well, and
 * if that is what verifies, use 96 bits in both directions from now on. */
static int check_icv_trunc96(struct esp_user_sa *sa, const uint8_t *pkt, size_t len)
{
	if (!sa->trunc_probe || !ct_aligned(&sa->in, len, 12) ||
	    !icv_matches(&sa->in, pkt, len, 12))
		return -ESP_E_ICV;
	sa->in.icv_len = sa->out.icv_len = 12;
	sa->in.auth = sa->out.auth = ESP_AUTH_HMAC_SHA256_96;
	sa->trunc_probe = sa->trunc_trial = false;
	sa->events |= ESP_EV_TRUNC96;
	return 0;
}

void esp_sa_trunc_trial(struct esp_user_sa *sa, bool on)
{
	if (!sa->trunc_probe)
		return;
	sa->out.icv_len = on ? 12 : 16;
	sa->out.auth = on ? ESP_AUTH_HMAC_SHA256_96 : ESP_AUTH_HMAC_SHA256_128;
	sa->trunc_trial = on;
}

/* Length checks, then the ICV; on success *ct_len is the ciphertext length. */
static int authenticate(struct esp_user_sa *sa, uint8_t *pkt, size_t len, size_t *ct_len)
{
	struct esp_crypto *c = &sa->in;
	bool aligned = ct_aligned(c, len, c->icv_len);

	if (c->aead) {
		if (!aligned)
			return -ESP_E_BLOCK;
		*ct_len = len - ESP_HDR_LEN - c->iv_len - c->icv_len;
		/* AES-GCM checks the tag in EVP_CipherFinal_ex; the plaintext
		 * written before that is wiped if the tag is wrong. */
		if (esp_crypto_gcm_open(c, pkt + ESP_HDR_LEN, pkt, ESP_HDR_LEN,
		                        pkt + ESP_HDR_LEN + c->iv_len, *ct_len,
		                        pkt + len - c->icv_len) < 0) {
			secure_clear(pkt + ESP_HDR_LEN + c->iv_len, *ct_len);
			return -ESP_E_ICV;
		}
		return 0;
	}
	if (!aligned && !(sa->trunc_probe && ct_aligned(c, len, 12)))
		return -ESP_E_BLOCK;
	/* RFC 4303 §3.4.4: the ICV before any decryption. */
	if (aligned && icv_matches(c, pkt, len, c->icv_len)) {
		/* a 128-bit peer after all: a 96-bit trial ends */
		esp_sa_trunc_trial(sa, false);
		sa->trunc_probe = false;
	} else if (check_icv_trunc96(sa, pkt, len) < 0)
		return -ESP_E_ICV;
	*ct_len = len - ESP_HDR_LEN - c->iv_len - c->icv_len;
	return esp_crypto_cbc(c, pkt + ESP_HDR_LEN, pkt + ESP_HDR_LEN + c->iv_len, *ct_len) < 0
	           ? -ESP_E_CRYPTO
	           : 0;
}

/* Padding and next header (RFC 4303 §2.4, §2.6); *inner_len = UDP bytes. */
static int check_trailer(const uint8_t *plain, size_t ct_len, size_t *inner_len)
{
	uint8_t pad_len = plain[ct_len - 2], next = plain[ct_len - 1];

	if ((size_t)pad_len + 2 > ct_len)
		return -ESP_E_PAD;
	for (size_t i = 0; i < pad_len; i++)
		if (plain[ct_len - 2 - pad_len + i] != (uint8_t)(i + 1))
			return -ESP_E_PAD;
	if (next == ESP_NEXT_NONE)
		return -ESP_E_DUMMY;
	if (next != ESP_NEXT_UDP)
		return -ESP_E_NEXTHDR;
	*inner_len = ct_len - 2 - pad_len;
	return 0;
}

static int check_udp(struct esp_user_sa *sa, const uint8_t *udp, size_t len)
{
	/* Transport-mode selectors (RFC 4301 §5.2): only UDP from the
	 * gateway's L2TP port to ours travels in this SA. */
	if (len < UDP_HDR_LEN || get_be16(udp + 4) != len || get_be16(udp) != sa->remote_port ||
	    get_be16(udp + 2) != sa->local_port)
		return -ESP_E_UDP;
	/* The inner checksum is not verified: the ICV has authenticated every
	 * byte of it and of the payload, which a checksum cannot add to, and
	 * behind a NAT it rarely matches (RFC 3948 §3.1.2 allows skipping it;
	 * Linux marks transport-mode NAT-T packets CHECKSUM_UNNECESSARY). */
	return 0;
}

static void count_error(struct esp_counters *ctr, int err)
{
	switch (-err) {
	case ESP_E_SHORT:
		ctr->in_short++;
		break;
	case ESP_E_SPI:
		ctr->in_bad_spi++;
		break;
	case ESP_E_REPLAY:
		ctr->in_replay++;
		break;
	case ESP_E_ICV:
		ctr->in_icv++;
		break;
	case ESP_E_BLOCK:
		ctr->in_bad_len++;
		break;
	case ESP_E_PAD:
		ctr->in_bad_pad++;
		break;
	case ESP_E_NEXTHDR:
		ctr->in_bad_next++;
		break;
	case ESP_E_UDP:
		ctr->in_bad_udp++;
		break;
	case ESP_E_DUMMY:
		ctr->in_dummy++;
		break;
	default:
		break;
	}
}

static int decrypt_checked(struct esp_user_sa *sa, struct esp_pkt *pkt)
{
	struct esp_crypto *c = &sa->in;
	uint8_t *esp = esp_pkt_data(pkt), *plain;
	size_t len = pkt->len, ct_len, inner_len;
	uint32_t seq;
	int err;

	if (len < ESP_HDR_LEN + (size_t)c->iv_len + c->pad_align + 12)
		return -ESP_E_SHORT;
	if (get_be32(esp) != sa->spi_in)
		return -ESP_E_SPI;
	seq = get_be32(esp + 4);
	if (!esp_replay_check(&sa->replay, seq))
		return -ESP_E_REPLAY;
	err = authenticate(sa, esp, len, &ct_len);
	if (err < 0)
		return err;
	/* RFC 4303 §3.4.3: move the window only for authenticated packets. */
	esp_replay_update(&sa->replay, seq);
	sa->verified_any = true;
	plain = esp + ESP_HDR_LEN + c->iv_len;
	err = check_trailer(plain, ct_len, &inner_len);
	if (err == 0)
		err = check_udp(sa, plain, inner_len);
	if (err < 0)
		return err;
	pkt->off += (size_t)(plain - esp) + UDP_HDR_LEN;
	pkt->len = inner_len - UDP_HDR_LEN;
	return 0;
}

int esp_sa_decrypt(struct esp_user_sa *sa, struct esp_pkt *pkt)
{
	int err = decrypt_checked(sa, pkt);

	if (err < 0) {
		count_error(&sa->ctr, err);
		return err;
	}
	sa->ctr.in_packets++;
	sa->ctr.in_bytes += pkt->len;
	account_bytes(sa);
	return 0;
}
