/* libFuzzer target: ESP decapsulation (esp_sa_decrypt) of peer input.
 * First byte: algorithm and mode. Mode "raw" feeds the bytes as a received
 * packet (length, SPI, replay, ICV checks). Mode "sealed" encrypts and MACs
 * the bytes as a plaintext (SPI, seq and trailer as given) with the peer's
 * keys first, so the fuzzer reaches the checks after the ICV: padding, next
 * header, inner UDP. Nothing may crash, read out of bounds or deliver a
 * payload that lies outside the packet. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "esp/esp_user.h"
#include "lib/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NALG 4

struct target {
	struct esp_user_sa rx;
	struct esp_crypto peer; /* the same keys, encrypting */
};

static struct target targets[NALG];
static int ready;

static void fill(struct esp_sa *sa, int alg)
{
	static const struct {
		enum esp_cipher c;
		uint8_t kl;
		enum esp_auth a;
		uint8_t al;
	} algs[NALG] = {
	    {ESP_CIPHER_AES_CBC, 16, ESP_AUTH_HMAC_SHA1_96, 20},
	    {ESP_CIPHER_3DES_CBC, 24, ESP_AUTH_HMAC_MD5_96, 16},
	    {ESP_CIPHER_AES_CBC, 32, ESP_AUTH_HMAC_SHA256_128, 32},
	    {ESP_CIPHER_AES_GCM_16, 20, ESP_AUTH_NONE, 0},
	};

	memset(sa, 0, sizeof(*sa));
	sa->spi = 0x01020304;
	sa->cipher = algs[alg].c;
	sa->enc_key_len = algs[alg].kl;
	memset(sa->enc_key, 0x33, sa->enc_key_len);
	sa->auth = algs[alg].a;
	sa->auth_key_len = algs[alg].al;
	memset(sa->auth_key, 0x44, sa->auth_key_len);
}

static void setup(void)
{
	for (int i = 0; i < NALG; i++) {
		struct esp_sa_pair p;
		struct sockaddr_in *l = (struct sockaddr_in *)&p.local;
		struct sockaddr_in *r = (struct sockaddr_in *)&p.remote;

		memset(&p, 0, sizeof(p));
		fill(&p.in, i);
		fill(&p.out, i);
		l->sin_family = r->sin_family = AF_INET;
		l->sin_addr.s_addr = htonl(0x0a000002);
		r->sin_addr.s_addr = htonl(0x0a000001);
		p.udp_encap = true;
		p.local_l2tp_port = p.remote_l2tp_port = 1701;
		p.have_nat_oa_remote = true;
		p.nat_oa_remote = p.local;
		if (esp_sa_init(&targets[i].rx, &p, NULL) < 0 ||
		    esp_crypto_init(&targets[i].peer, &p.in, true, NULL) < 0)
			abort();
	}
	ready = 1;
}

/* Encrypt + authenticate pkt[8 + iv ..] in place as the peer would. */
static size_t seal(struct esp_crypto *c, uint8_t *pkt, size_t len, size_t cap)
{
	size_t hdr = 8 + c->iv_len, ct;
	uint8_t mac[ESP_MAX_MAC];

	if (len < hdr + c->pad_align)
		return len;
	ct = (len - hdr) / c->pad_align * c->pad_align;
	if (hdr + ct + c->icv_len > cap)
		return len;
	if (c->aead) {
		if (esp_crypto_gcm_seal(c, pkt + 8, pkt, 8, pkt + hdr, ct, pkt + hdr + ct) < 0)
			abort();
	} else {
		if (esp_crypto_cbc(c, pkt + 8, pkt + hdr, ct) < 0 ||
		    esp_crypto_hmac(c, pkt, hdr + ct, mac) < 0)
			abort();
		memcpy(pkt + hdr + ct, mac, c->icv_len);
	}
	return hdr + ct + c->icv_len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[ESP_PKT_BUFSIZE];
	struct target *t;
	struct esp_pkt pkt;
	size_t len;
	int err;

	if (!ready)
		setup();
	if (size < 1 || size - 1 > sizeof(buf) - 64)
		return 0;
	t = &targets[data[0] % NALG];
	len = size - 1;
	memcpy(buf, data + 1, len);
	if (data[0] & 0x80) {
		/* Sealed: give it our SPI so the fuzzer explores the rest. */
		if (len >= 4)
			put_be32(buf, t->rx.spi_in);
		len = seal(&t->peer, buf, len, sizeof(buf));
	}
	/* Fresh per input: the window and the SHA-256 truncation probe. */
	esp_replay_init(&t->rx.replay);
	t->rx.trunc_probe = t->rx.in.auth == ESP_AUTH_HMAC_SHA256_128 && t->rx.in.icv_len == 16;
	esp_pkt_init(&pkt, buf, sizeof(buf), 0);
	pkt.len = len;
	err = esp_sa_decrypt(&t->rx, &pkt);
	if (err == 0 && (pkt.off + pkt.len > len || pkt.off < 8))
		abort();
	return 0;
}
