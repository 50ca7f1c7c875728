/* Unit tests for esp/esp_user: the ESP-in-UDP packet format. Round trips
 * for every cipher and integrity algorithm, packets built independently
 * with plain EVP calls (wire format known answers), every malformed-packet
 * case, the SHA-256 96-bit truncation workaround, sequence exhaustion and
 * the inner UDP checksum rules (none sent over IPv4, not verified, RFC 3948
 * §3.1.2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "esp/esp_user.h"
#include "esp/udp_csum.h"
#include "lib/buf.h"

#define CLIENT_SPI_IN 0xc1c1c1c1u
#define GW_SPI_IN     0x9a9a9a9au

static void set_addr(struct sockaddr_storage *ss, const char *ip, uint16_t port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, ip, &sin->sin_addr), 1);
}

static void fill_sa(struct esp_sa *sa, uint32_t spi, enum esp_cipher cipher, size_t key_len,
                    enum esp_auth auth, size_t auth_len, uint8_t seed)
{
	memset(sa, 0, sizeof(*sa));
	sa->spi = spi;
	sa->cipher = cipher;
	sa->enc_key_len = (uint8_t)key_len;
	for (size_t i = 0; i < key_len; i++)
		sa->enc_key[i] = (uint8_t)(seed + i);
	sa->auth = auth;
	sa->auth_key_len = (uint8_t)auth_len;
	for (size_t i = 0; i < auth_len; i++)
		sa->auth_key[i] = (uint8_t)(seed * 7 + i);
}

/* A client pair and the gateway's mirror image of it. */
static void make_pairs(struct esp_sa_pair *cli, struct esp_sa_pair *gw, enum esp_cipher cipher,
                       size_t key_len, enum esp_auth auth, size_t auth_len)
{
	memset(cli, 0, sizeof(*cli));
	fill_sa(&cli->in, CLIENT_SPI_IN, cipher, key_len, auth, auth_len, 0x10);
	fill_sa(&cli->out, GW_SPI_IN, cipher, key_len, auth, auth_len, 0x40);
	set_addr(&cli->local, "192.168.1.10", 4500);
	set_addr(&cli->remote, "203.0.113.5", 4500);
	cli->udp_encap = true;
	cli->local_l2tp_port = 1701;
	cli->remote_l2tp_port = 1701;
	*gw = *cli;
	gw->in = cli->out;
	gw->out = cli->in;
	gw->local = cli->remote;
	gw->remote = cli->local;
}

static size_t auth_key_len(enum esp_auth auth)
{
	switch (auth) {
	case ESP_AUTH_HMAC_MD5_96:
		return 16;
	case ESP_AUTH_HMAC_SHA1_96:
		return 20;
	case ESP_AUTH_HMAC_SHA256_128:
	case ESP_AUTH_HMAC_SHA256_96:
		return 32;
	case ESP_AUTH_HMAC_SHA384_192:
		return 48;
	case ESP_AUTH_HMAC_SHA512_256:
		return 64;
	default:
		return 0;
	}
}

struct bufpkt {
	uint8_t storage[ESP_PKT_BUFSIZE];
	struct esp_pkt pkt;
};

static void load(struct bufpkt *b, const void *payload, size_t len)
{
	esp_pkt_init(&b->pkt, b->storage, sizeof(b->storage), ESP_PKT_HEADROOM);
	memcpy(esp_pkt_data(&b->pkt), payload, len);
	b->pkt.len = len;
}

/* Load an already-encrypted packet (no headroom needed). */
static void load_raw(struct bufpkt *b, const void *data, size_t len)
{
	esp_pkt_init(&b->pkt, b->storage, sizeof(b->storage), 0);
	memcpy(b->storage, data, len);
	b->pkt.len = len;
}

static void round_trip(enum esp_cipher cipher, size_t key_len, enum esp_auth auth)
{
	static const size_t lens[] = {0, 1, 13, 14, 15, 16, 100, 1400, ESP_PKT_MAX_PAYLOAD};
	struct esp_sa_pair cp, gp;
	struct esp_user_sa cli, gw;
	uint8_t payload[ESP_PKT_MAX_PAYLOAD];
	struct bufpkt b;

	make_pairs(&cp, &gp, cipher, key_len, auth, auth_key_len(auth));
	assert_int_equal(esp_sa_init(&cli, &cp, NULL), 0);
	assert_int_equal(esp_sa_init(&gw, &gp, NULL), 0);
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 31 + 7);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t align = cli.out.pad_align;

		load(&b, payload, lens[i]);
		assert_int_equal(esp_sa_encrypt(&cli, &b.pkt), 0);
		assert_int_equal(get_be32(esp_pkt_data(&b.pkt)), GW_SPI_IN);
		assert_int_equal(get_be32(esp_pkt_data(&b.pkt) + 4), i + 1);
		assert_int_equal((b.pkt.len - 8 - cli.out.iv_len - cli.out.icv_len) % align, 0);
		/* Minimal padding: never a whole extra block. */
		assert_true(b.pkt.len - 8 - cli.out.iv_len - cli.out.icv_len <
		            8 + lens[i] + 2 + align);
		assert_int_equal(esp_sa_decrypt(&gw, &b.pkt), 0);
		assert_int_equal(b.pkt.len, lens[i]);
		assert_memory_equal(esp_pkt_data(&b.pkt), payload, lens[i]);
	}
	/* And the other direction. */
	load(&b, payload, 300);
	assert_int_equal(esp_sa_encrypt(&gw, &b.pkt), 0);
	assert_int_equal(esp_sa_decrypt(&cli, &b.pkt), 0);
	assert_memory_equal(esp_pkt_data(&b.pkt), payload, 300);
	assert_int_equal(gw.ctr.in_packets, sizeof(lens) / sizeof(lens[0]));
	assert_int_equal(cli.ctr.in_packets, 1);
	assert_int_equal(cli.events & ESP_EV_TRUNC96, 0);
	esp_sa_clear(&cli);
	esp_sa_clear(&gw);
}

static void test_round_trip_every_algorithm(void **state)
{
	static const struct {
		enum esp_cipher cipher;
		size_t key_len;
	} ciphers[] = {
	    {ESP_CIPHER_3DES_CBC, 24},
	    {ESP_CIPHER_AES_CBC, 16},
	    {ESP_CIPHER_AES_CBC, 24},
	    {ESP_CIPHER_AES_CBC, 32},
	};
	static const enum esp_auth auths[] = {
	    ESP_AUTH_HMAC_MD5_96,    ESP_AUTH_HMAC_SHA1_96,    ESP_AUTH_HMAC_SHA256_128,
	    ESP_AUTH_HMAC_SHA256_96, ESP_AUTH_HMAC_SHA384_192, ESP_AUTH_HMAC_SHA512_256,
	};

	(void)state;
	for (size_t c = 0; c < sizeof(ciphers) / sizeof(ciphers[0]); c++)
		for (size_t a = 0; a < sizeof(auths) / sizeof(auths[0]); a++)
			round_trip(ciphers[c].cipher, ciphers[c].key_len, auths[a]);
	round_trip(ESP_CIPHER_AES_GCM_16, 20, ESP_AUTH_NONE);
	round_trip(ESP_CIPHER_AES_GCM_16, 36, ESP_AUTH_NONE);
}

/* ---- packets built by hand (AES-128-CBC, HMAC-SHA1-96) ---------------- */

static const uint8_t hand_iv[16] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
                                    0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf};

/* plain must already be padded to 16; returns the packet length. */
static size_t hand_seal(const struct esp_sa *sa, uint32_t seq, const uint8_t *plain,
                        size_t plain_len, uint8_t *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	size_t maclen;
	uint8_t mac[20];
	int outl;

	put_be32(out, sa->spi);
	put_be32(out + 4, seq);
	memcpy(out + 8, hand_iv, 16);
	assert_int_equal(EVP_EncryptInit_ex2(ctx, EVP_aes_128_cbc(), sa->enc_key, hand_iv, NULL),
	                 1);
	EVP_CIPHER_CTX_set_padding(ctx, 0);
	assert_int_equal(EVP_EncryptUpdate(ctx, out + 24, &outl, plain, (int)plain_len), 1);
	assert_int_equal((size_t)outl, plain_len);
	EVP_CIPHER_CTX_free(ctx);
	assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA1", NULL, sa->auth_key, sa->auth_key_len,
	                          out, 24 + plain_len, mac, sizeof(mac), &maclen));
	memcpy(out + 24 + plain_len, mac, 12);
	return 24 + plain_len + 12;
}

/* UDP 1701 -> 1701 carrying payload, then pad (pattern), pad length, next. */
static size_t hand_plain(uint8_t *p, const char *payload, uint16_t sport, uint16_t dport,
                         int udp_len_delta, int pad_pattern_error, uint8_t next, int pad_len_delta)
{
	size_t n = strlen(payload), len = 8 + n, padded = (len + 2 + 15) / 16 * 16;
	size_t pad = padded - len - 2;

	put_be16(p, sport);
	put_be16(p + 2, dport);
	put_be16(p + 4, (uint16_t)(len + (size_t)udp_len_delta));
	put_be16(p + 6, 0); /* IPv4: no checksum */
	memcpy(p + 8, payload, n);
	for (size_t i = 0; i < pad; i++)
		p[len + i] = (uint8_t)(i + 1);
	if (pad_pattern_error && pad)
		p[len] = 0xee;
	p[len + pad] = (uint8_t)(pad + (size_t)pad_len_delta);
	p[len + pad + 1] = next;
	return padded;
}

struct hand_fixture {
	struct esp_sa_pair cp, gp;
	struct esp_user_sa cli;
};

static void hand_setup(struct hand_fixture *f)
{
	make_pairs(&f->cp, &f->gp, ESP_CIPHER_AES_CBC, 16, ESP_AUTH_HMAC_SHA1_96, 20);
	assert_int_equal(esp_sa_init(&f->cli, &f->cp, NULL), 0);
}

/* Seal plain for the client's inbound SA and run it through decrypt. */
static int hand_decrypt(struct hand_fixture *f, uint32_t seq, const uint8_t *plain, size_t len,
                        struct bufpkt *b)
{
	uint8_t wire[256];
	size_t n = hand_seal(&f->cp.in, seq, plain, len, wire);

	load_raw(b, wire, n);
	return esp_sa_decrypt(&f->cli, &b->pkt);
}

static void test_decrypts_packet_built_by_hand(void **state)
{
	struct hand_fixture f;
	uint8_t plain[64];
	struct bufpkt b;
	size_t n;

	(void)state;
	hand_setup(&f);
	n = hand_plain(plain, "hello, l2tp", 1701, 1701, 0, 0, 17, 0);
	assert_int_equal(hand_decrypt(&f, 1, plain, n, &b), 0);
	assert_int_equal(b.pkt.len, 11);
	assert_memory_equal(esp_pkt_data(&b.pkt), "hello, l2tp", 11);
	assert_int_equal(f.cli.ctr.in_packets, 1);
	esp_sa_clear(&f.cli);
}

static void test_encrypted_packet_parses_by_hand(void **state)
{
	struct esp_sa_pair cp, gp;
	struct esp_user_sa cli;
	EVP_CIPHER_CTX *ctx;
	uint8_t mac[20], *p, *plain;
	size_t maclen, ct_len;
	struct bufpkt b;
	int outl;

	(void)state;
	make_pairs(&cp, &gp, ESP_CIPHER_AES_CBC, 16, ESP_AUTH_HMAC_SHA1_96, 20);
	cp.local_l2tp_port = 40001;
	assert_int_equal(esp_sa_init(&cli, &cp, NULL), 0);
	load(&b, "0123456789", 10);
	assert_int_equal(esp_sa_encrypt(&cli, &b.pkt), 0);
	p = esp_pkt_data(&b.pkt);
	/* 8 + IV 16 + E(8 + 10 + 4 pad + 2 = 32) + 12 */
	assert_int_equal(b.pkt.len, 8 + 16 + 32 + 12);
	assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA1", NULL, cp.out.auth_key, 20, p,
	                          b.pkt.len - 12, mac, sizeof(mac), &maclen));
	assert_memory_equal(mac, p + b.pkt.len - 12, 12);
	ct_len = b.pkt.len - 8 - 16 - 12;
	ctx = EVP_CIPHER_CTX_new();
	EVP_DecryptInit_ex2(ctx, EVP_aes_128_cbc(), cp.out.enc_key, p + 8, NULL);
	EVP_CIPHER_CTX_set_padding(ctx, 0);
	assert_int_equal(EVP_DecryptUpdate(ctx, p + 24, &outl, p + 24, (int)ct_len), 1);
	EVP_CIPHER_CTX_free(ctx);
	plain = p + 24;
	assert_int_equal(get_be16(plain), 40001);
	assert_int_equal(get_be16(plain + 2), 1701);
	assert_int_equal(get_be16(plain + 4), 18);
	assert_memory_equal(plain + 8, "0123456789", 10);
	/* RFC 4303 §2.4 default padding 1, 2, ... 12; then pad length, next header. */
	assert_memory_equal(plain + 18, "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0c\x11",
	                    14);
	/* IPv4: no inner checksum (a zero field, RFC 768); the ICV covers it. */
	assert_int_equal(get_be16(plain + 6), 0);
	esp_sa_clear(&cli);
}

static void test_malformed_packets_are_dropped(void **state)
{
	struct hand_fixture f;
	uint8_t plain[64], wire[256];
	struct bufpkt b;
	size_t n, w;
	uint32_t seq = 1;

	(void)state;
	hand_setup(&f);
	/* Too short: nothing, a header only, one byte under the minimum. */
	load_raw(&b, "", 0);
	assert_int_equal(esp_sa_decrypt(&f.cli, &b.pkt), -ESP_E_SHORT);
	load_raw(&b, "\xc1\xc1\xc1\xc1\0\0\0\1", 8);
	assert_int_equal(esp_sa_decrypt(&f.cli, &b.pkt), -ESP_E_SHORT);
	n = hand_plain(plain, "x", 1701, 1701, 0, 0, 17, 0);
	w = hand_seal(&f.cp.in, seq, plain, n, wire);
	load_raw(&b, wire, 8 + 16 + 16 + 12 - 1);
	assert_int_equal(esp_sa_decrypt(&f.cli, &b.pkt), -ESP_E_SHORT);
	assert_int_equal(f.cli.ctr.in_short, 3);
	/* Unknown SPI. */
	n = hand_plain(plain, "two blocks of plaintext", 1701, 1701, 0, 0, 17, 0);
	w = hand_seal(&f.cp.in, seq, plain, n, wire);
	load_raw(&b, wire, w);
	b.storage[0] ^= 0xff;
	assert_int_equal(esp_sa_decrypt(&f.cli, &b.pkt), -ESP_E_SPI);
	assert_int_equal(f.cli.ctr.in_bad_spi, 1);
	/* Ciphertext not a whole number of blocks (one byte dropped). */
	memmove(wire + 30, wire + 31, w - 31);
	load_raw(&b, wire, w - 1);
	assert_int_equal(esp_sa_decrypt(&f.cli, &b.pkt), -ESP_E_BLOCK);
	assert_int_equal(f.cli.ctr.in_bad_len, 1);
	/* ICV failures: a flipped bit in the sequence number, the IV, the
	 * ciphertext and the ICV itself. */
	n = hand_plain(plain, "x", 1701, 1701, 0, 0, 17, 0);
	w = hand_seal(&f.cp.in, seq, plain, n, wire);
	for (size_t pos = 6; pos < w; pos += 9) {
		load_raw(&b, wire, w);
		b.storage[pos] ^= 0x01;
		assert_int_equal(esp_sa_decrypt(&f.cli, &b.pkt), -ESP_E_ICV);
	}
	assert_true(f.cli.ctr.in_icv >= 5);
	/* Padding: wrong contents, and a pad length longer than the data. */
	n = hand_plain(plain, "x", 1701, 1701, 0, 1, 17, 0);
	assert_int_equal(hand_decrypt(&f, seq++, plain, n, &b), -ESP_E_PAD);
	n = hand_plain(plain, "x", 1701, 1701, 0, 0, 17, 40);
	assert_int_equal(hand_decrypt(&f, seq++, plain, n, &b), -ESP_E_PAD);
	assert_int_equal(f.cli.ctr.in_bad_pad, 2);
	/* Next header TCP; and a dummy packet (59), dropped silently. */
	n = hand_plain(plain, "x", 1701, 1701, 0, 0, 6, 0);
	assert_int_equal(hand_decrypt(&f, seq++, plain, n, &b), -ESP_E_NEXTHDR);
	n = hand_plain(plain, "x", 1701, 1701, 0, 0, 59, 0);
	assert_int_equal(hand_decrypt(&f, seq++, plain, n, &b), -ESP_E_DUMMY);
	assert_int_equal(f.cli.ctr.in_bad_next, 1);
	assert_int_equal(f.cli.ctr.in_dummy, 1);
	/* Inner UDP: wrong source port, wrong destination port, wrong length. */
	n = hand_plain(plain, "x", 1702, 1701, 0, 0, 17, 0);
	assert_int_equal(hand_decrypt(&f, seq++, plain, n, &b), -ESP_E_UDP);
	n = hand_plain(plain, "x", 1701, 53, 0, 0, 17, 0);
	assert_int_equal(hand_decrypt(&f, seq++, plain, n, &b), -ESP_E_UDP);
	n = hand_plain(plain, "x", 1701, 1701, 1, 0, 17, 0);
	assert_int_equal(hand_decrypt(&f, seq++, plain, n, &b), -ESP_E_UDP);
	n = hand_plain(plain, "", 1701, 1701, -1, 0, 17, 0);
	assert_int_equal(hand_decrypt(&f, seq++, plain, n, &b), -ESP_E_UDP);
	assert_int_equal(f.cli.ctr.in_bad_udp, 4);
	/* Nothing got through. */
	assert_int_equal(f.cli.ctr.in_packets, 0);
	/* A good one still does; replaying it does not. */
	n = hand_plain(plain, "ok", 1701, 1701, 0, 0, 17, 0);
	assert_int_equal(hand_decrypt(&f, seq, plain, n, &b), 0);
	assert_int_equal(hand_decrypt(&f, seq, plain, n, &b), -ESP_E_REPLAY);
	assert_int_equal(f.cli.ctr.in_replay, 1);
	assert_int_equal(f.cli.ctr.in_packets, 1);
	esp_sa_clear(&f.cli);
}

static void test_forged_packet_does_not_move_window(void **state)
{
	struct hand_fixture f;
	uint8_t plain[64], wire[256];
	struct bufpkt b;
	size_t n, w;

	(void)state;
	hand_setup(&f);
	n = hand_plain(plain, "x", 1701, 1701, 0, 0, 17, 0);
	w = hand_seal(&f.cp.in, 100000, plain, n, wire);
	wire[w - 1] ^= 1;
	load_raw(&b, wire, w);
	assert_int_equal(esp_sa_decrypt(&f.cli, &b.pkt), -ESP_E_ICV);
	assert_int_equal(hand_decrypt(&f, 5, plain, n, &b), 0);
	esp_sa_clear(&f.cli);
}

static void test_gcm_tampering_detected(void **state)
{
	struct esp_sa_pair cp, gp;
	struct esp_user_sa cli, gw;
	struct bufpkt b;
	uint8_t copy[256];
	size_t len;

	(void)state;
	make_pairs(&cp, &gp, ESP_CIPHER_AES_GCM_16, 20, ESP_AUTH_NONE, 0);
	assert_int_equal(esp_sa_init(&cli, &cp, NULL), 0);
	assert_int_equal(esp_sa_init(&gw, &gp, NULL), 0);
	load(&b, "gcm payload", 11);
	assert_int_equal(esp_sa_encrypt(&cli, &b.pkt), 0);
	len = b.pkt.len;
	memcpy(copy, esp_pkt_data(&b.pkt), len);
	/* The sequence number is in the AAD (RFC 4106 §5). */
	for (size_t pos = 6; pos < len; pos += 5) {
		load_raw(&b, copy, len);
		b.storage[pos] ^= 0x40;
		assert_int_equal(esp_sa_decrypt(&gw, &b.pkt), -ESP_E_ICV);
	}
	/* Not a multiple of 4. */
	load_raw(&b, copy, len - 1);
	assert_int_equal(esp_sa_decrypt(&gw, &b.pkt), -ESP_E_BLOCK);
	load_raw(&b, copy, len);
	assert_int_equal(esp_sa_decrypt(&gw, &b.pkt), 0);
	assert_memory_equal(esp_pkt_data(&b.pkt), "gcm payload", 11);
	esp_sa_clear(&cli);
	esp_sa_clear(&gw);
}

static void test_sha256_96_peer_detected(void **state)
{
	struct esp_sa_pair cp, gp;
	struct esp_user_sa cli, gw;
	struct bufpkt b;

	(void)state;
	/* We negotiated HMAC-SHA-256 (128-bit ICV); the gateway truncates to 96. */
	make_pairs(&cp, &gp, ESP_CIPHER_AES_CBC, 16, ESP_AUTH_HMAC_SHA256_128, 32);
	gp.in.auth = gp.out.auth = ESP_AUTH_HMAC_SHA256_96;
	assert_int_equal(esp_sa_init(&cli, &cp, NULL), 0);
	assert_int_equal(esp_sa_init(&gw, &gp, NULL), 0);
	load(&b, "first", 5);
	assert_int_equal(esp_sa_encrypt(&gw, &b.pkt), 0);
	assert_int_equal(esp_sa_decrypt(&cli, &b.pkt), 0);
	assert_memory_equal(esp_pkt_data(&b.pkt), "first", 5);
	assert_true(cli.events & ESP_EV_TRUNC96);
	assert_int_equal(cli.out.icv_len, 12);
	/* Our packets now carry 96-bit ICVs the gateway accepts. */
	load(&b, "reply", 5);
	assert_int_equal(esp_sa_encrypt(&cli, &b.pkt), 0);
	assert_int_equal(esp_sa_decrypt(&gw, &b.pkt), 0);
	assert_memory_equal(esp_pkt_data(&b.pkt), "reply", 5);
	esp_sa_clear(&cli);
	esp_sa_clear(&gw);

	/* Once a 128-bit ICV verified, 96-bit packets are simply bad. */
	make_pairs(&cp, &gp, ESP_CIPHER_AES_CBC, 16, ESP_AUTH_HMAC_SHA256_128, 32);
	assert_int_equal(esp_sa_init(&cli, &cp, NULL), 0);
	assert_int_equal(esp_sa_init(&gw, &gp, NULL), 0);
	load(&b, "first", 5);
	assert_int_equal(esp_sa_encrypt(&gw, &b.pkt), 0);
	assert_int_equal(esp_sa_decrypt(&cli, &b.pkt), 0);
	gw.out.icv_len = 12;
	load(&b, "second", 6);
	assert_int_equal(esp_sa_encrypt(&gw, &b.pkt), 0);
	/* (4 bytes short of a 128-bit ICV: the ciphertext looks misaligned) */
	assert_int_equal(esp_sa_decrypt(&cli, &b.pkt), -ESP_E_BLOCK);
	assert_int_equal(cli.events & ESP_EV_TRUNC96, 0);
	esp_sa_clear(&cli);
	esp_sa_clear(&gw);
}

static void test_sequence_exhaustion(void **state)
{
	struct esp_sa_pair cp, gp;
	struct esp_user_sa cli;
	struct bufpkt b;

	(void)state;
	make_pairs(&cp, &gp, ESP_CIPHER_AES_CBC, 16, ESP_AUTH_HMAC_SHA1_96, 20);
	assert_int_equal(esp_sa_init(&cli, &cp, NULL), 0);
	cli.seq_out = ESP_SEQ_SOFT_LIMIT - 2;
	load(&b, "a", 1);
	assert_int_equal(esp_sa_encrypt(&cli, &b.pkt), 0);
	assert_int_equal(cli.events, 0);
	load(&b, "a", 1);
	assert_int_equal(esp_sa_encrypt(&cli, &b.pkt), 0);
	assert_int_equal(cli.events, ESP_EV_SOFT);
	cli.seq_out = ESP_SEQ_HARD_LIMIT - 1;
	load(&b, "a", 1);
	assert_int_equal(esp_sa_encrypt(&cli, &b.pkt), 0);
	assert_int_equal(get_be32(esp_pkt_data(&b.pkt) + 4), 0xffffffffu);
	/* Never wraps to 0. */
	load(&b, "a", 1);
	assert_int_equal(esp_sa_encrypt(&cli, &b.pkt), -ESP_E_SEQ_EXHAUSTED);
	assert_true(cli.events & ESP_EV_HARD);
	assert_int_equal(cli.ctr.out_errors, 1);
	esp_sa_clear(&cli);
}

static void test_byte_lifetime_events(void **state)
{
	struct esp_sa_pair cp, gp;
	struct esp_user_sa cli;
	uint8_t payload[400] = {0};
	struct bufpkt b;

	(void)state;
	make_pairs(&cp, &gp, ESP_CIPHER_AES_CBC, 16, ESP_AUTH_HMAC_SHA1_96, 20);
	cp.lifetime.soft_bytes = 1000;
	cp.lifetime.hard_bytes = 2000;
	assert_int_equal(esp_sa_init(&cli, &cp, NULL), 0);
	for (int i = 0; i < 2; i++) {
		load(&b, payload, sizeof(payload));
		assert_int_equal(esp_sa_encrypt(&cli, &b.pkt), 0);
	}
	assert_int_equal(cli.events, 0);
	load(&b, payload, sizeof(payload));
	assert_int_equal(esp_sa_encrypt(&cli, &b.pkt), 0);
	assert_int_equal(cli.events, ESP_EV_SOFT);
	for (int i = 0; i < 2; i++) {
		load(&b, payload, sizeof(payload));
		assert_int_equal(esp_sa_encrypt(&cli, &b.pkt), 0);
	}
	assert_true(cli.events & ESP_EV_HARD);
	esp_sa_clear(&cli);
}

static void set_addr6(struct sockaddr_storage *ss, const char *ip, uint16_t port)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	assert_int_equal(inet_pton(AF_INET6, ip, &sin6->sin6_addr), 1);
}

/* RFC 3948 §3.1.2: the receiver does not verify the inner checksum (the ICV
 * authenticated it); a NAT'd gateway could not have verified ours either. */
static void test_inner_checksum_not_verified(void **state)
{
	struct hand_fixture f;
	uint8_t plain[64];
	struct bufpkt b;
	size_t n;

	(void)state;
	hand_setup(&f);
	n = hand_plain(plain, "natted", 1701, 1701, 0, 0, 17, 0);
	put_be16(plain + 6, 0x1234); /* wrong for any addresses */
	assert_int_equal(hand_decrypt(&f, 1, plain, n, &b), 0);
	assert_memory_equal(esp_pkt_data(&b.pkt), "natted", 6);
	assert_int_equal(f.cli.ctr.in_packets, 1);
	esp_sa_clear(&f.cli);
}

/* IPv6 forbids a zero UDP checksum (RFC 8200 §8.1): computed, and correct for
 * the sender's addresses; the gateway, seeing other ones, still accepts. */
static void test_inner_checksum_ipv6(void **state)
{
	struct esp_sa_pair cp, gp;
	struct esp_user_sa cli, gw;
	struct bufpkt b;
	uint8_t udp[8 + 6];

	(void)state;
	make_pairs(&cp, &gp, ESP_CIPHER_AES_GCM_16, 20, ESP_AUTH_NONE, 0);
	set_addr6(&cp.local, "fd00::10", 4500);
	set_addr6(&cp.remote, "2001:db8::5", 4500);
	gp.local = cp.remote;
	set_addr6(&gp.remote, "2001:db8:ffff::7", 4500); /* as a NAT66 shows it */
	assert_int_equal(esp_sa_init(&cli, &cp, NULL), 0);
	assert_int_equal(esp_sa_init(&gw, &gp, NULL), 0);
	load(&b, "natted", 6);
	assert_int_equal(esp_sa_encrypt(&cli, &b.pkt), 0);
	assert_int_equal(esp_sa_decrypt(&gw, &b.pkt), 0);
	assert_memory_equal(esp_pkt_data(&b.pkt), "natted", 6);
	/* the inner UDP header is still in the buffer, in front of the payload */
	memcpy(udp, esp_pkt_data(&b.pkt) - 8, sizeof(udp));
	assert_int_not_equal(get_be16(udp + 6), 0);
	assert_int_equal(udp_csum_compute(&cp.local, &cp.remote, udp, sizeof(udp)), 0);
	assert_int_equal(gw.ctr.in_packets, 1);
	esp_sa_clear(&cli);
	esp_sa_clear(&gw);
}

static void test_needs_room_and_udp_encap(void **state)
{
	struct esp_sa_pair cp, gp;
	struct esp_user_sa cli;
	uint8_t small[64];
	struct esp_pkt p;

	(void)state;
	make_pairs(&cp, &gp, ESP_CIPHER_AES_CBC, 16, ESP_AUTH_HMAC_SHA1_96, 20);
	assert_int_equal(esp_sa_init(&cli, &cp, NULL), 0);
	esp_pkt_init(&p, small, sizeof(small), 8); /* headroom too small */
	p.len = 10;
	assert_int_equal(esp_sa_encrypt(&cli, &p), -ESP_E_NOROOM);
	esp_pkt_init(&p, small, sizeof(small), ESP_PKT_HEADROOM); /* tailroom too small */
	p.len = sizeof(small) - ESP_PKT_HEADROOM - 10;
	assert_int_equal(esp_sa_encrypt(&cli, &p), -ESP_E_NOROOM);
	esp_sa_clear(&cli);
	cp.udp_encap = false;
	assert_int_equal(esp_sa_init(&cli, &cp, NULL), -1);
}

/* Outer IPv6 (issue 17): a pair whose two ends are of different families
 * (an IPv4 gateway address with an IPv6 socket) is refused. */
static void test_mixed_families_refused(void **state)
{
	struct esp_sa_pair cp, gp;
	struct esp_user_sa cli;

	(void)state;
	make_pairs(&cp, &gp, ESP_CIPHER_AES_CBC, 16, ESP_AUTH_HMAC_SHA1_96, 20);
	set_addr6(&cp.local, "fd00:10:1::2", 4500);
	assert_int_equal(esp_sa_init(&cli, &cp, NULL), -1);
	set_addr6(&cp.remote, "fd00:172:16::2", 4500);
	assert_int_equal(esp_sa_init(&cli, &cp, NULL), 0);
	esp_sa_clear(&cli);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip_every_algorithm),
	    cmocka_unit_test(test_decrypts_packet_built_by_hand),
	    cmocka_unit_test(test_encrypted_packet_parses_by_hand),
	    cmocka_unit_test(test_malformed_packets_are_dropped),
	    cmocka_unit_test(test_forged_packet_does_not_move_window),
	    cmocka_unit_test(test_gcm_tampering_detected),
	    cmocka_unit_test(test_sha256_96_peer_detected),
	    cmocka_unit_test(test_sequence_exhaustion),
	    cmocka_unit_test(test_byte_lifetime_events),
	    cmocka_unit_test(test_inner_checksum_not_verified),
	    cmocka_unit_test(test_inner_checksum_ipv6),
	    cmocka_unit_test(test_mixed_families_refused),
	    cmocka_unit_test(test_needs_room_and_udp_encap),
	};

	return cmocka_run_group_tests_name("esp_user", tests, NULL, NULL);
}
