/* Benchmark of the userspace ESP path as the data path runs it: batches of
 * BATCH 1400-byte L2TP datagrams in their own buffers (as esp/natt_sock.c
 * holds them), each encrypted in place and decrypted in place again, next
 * to the raw OpenSSL EVP speed of the same cipher and HMAC on the same
 * buffers (same key sizes, same bytes, contexts reused the same way)
 * measured in the same run. Goal: ratio >= 0.90. One thread: the figures
 * are per core.
 * Rates are per second of CPU time of this thread; each side runs for about
 * the given seconds (default 0.5) in five alternating rounds, best round kept.
 * Usage: bench_esp [seconds] */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "esp/esp_user.h"

#define PAYLOAD 1400
#define BATCH   32

/* The batch of packet buffers both sides work on. */
static uint8_t storage[BATCH][ESP_PKT_BUFSIZE];

struct algo {
	const char *name;
	enum esp_cipher cipher;
	size_t key_len;
	enum esp_auth auth;
	size_t auth_key_len;
	const char *evp_cipher, *digest; /* for the raw loop */
};

static const struct algo algos[] = {
    {"aes128-sha1", ESP_CIPHER_AES_CBC, 16, ESP_AUTH_HMAC_SHA1_96, 20, "AES-128-CBC", "SHA1"},
    {"aes256-sha1", ESP_CIPHER_AES_CBC, 32, ESP_AUTH_HMAC_SHA1_96, 20, "AES-256-CBC", "SHA1"},
    {"aes128-sha256", ESP_CIPHER_AES_CBC, 16, ESP_AUTH_HMAC_SHA256_128, 32, "AES-128-CBC",
     "SHA256"},
    {"aes256-sha256", ESP_CIPHER_AES_CBC, 32, ESP_AUTH_HMAC_SHA256_128, 32, "AES-256-CBC",
     "SHA256"},
    {"aes192-sha384", ESP_CIPHER_AES_CBC, 24, ESP_AUTH_HMAC_SHA384_192, 48, "AES-192-CBC",
     "SHA384"},
    {"aes256-sha512", ESP_CIPHER_AES_CBC, 32, ESP_AUTH_HMAC_SHA512_256, 64, "AES-256-CBC",
     "SHA512"},
    {"aes128-md5", ESP_CIPHER_AES_CBC, 16, ESP_AUTH_HMAC_MD5_96, 16, "AES-128-CBC", "MD5"},
    {"3des-sha1", ESP_CIPHER_3DES_CBC, 24, ESP_AUTH_HMAC_SHA1_96, 20, "DES-EDE3-CBC", "SHA1"},
    {"aes128gcm16", ESP_CIPHER_AES_GCM_16, 20, ESP_AUTH_NONE, 0, "AES-128-GCM", NULL},
    {"aes256gcm16", ESP_CIPHER_AES_GCM_16, 36, ESP_AUTH_NONE, 0, "AES-256-GCM", NULL},
};

/* Thread CPU time, not wall time: on a shared machine other processes
 * taking the CPU then do not count against either side. */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fill_sa(struct esp_sa *sa, const struct algo *a, uint32_t spi)
{
	memset(sa, 0, sizeof(*sa));
	sa->spi = spi;
	sa->cipher = a->cipher;
	sa->enc_key_len = (uint8_t)a->key_len;
	memset(sa->enc_key, 0x42, a->key_len);
	sa->auth = a->auth;
	sa->auth_key_len = (uint8_t)a->auth_key_len;
	memset(sa->auth_key, 0x17, a->auth_key_len);
}

static void make_pairs(const struct algo *a, struct esp_sa_pair *cli, struct esp_sa_pair *gw)
{
	struct sockaddr_in *l = (struct sockaddr_in *)&cli->local;
	struct sockaddr_in *r = (struct sockaddr_in *)&cli->remote;

	memset(cli, 0, sizeof(*cli));
	fill_sa(&cli->in, a, 0x1000);
	fill_sa(&cli->out, a, 0x2000);
	l->sin_family = r->sin_family = AF_INET;
	l->sin_addr.s_addr = htonl(0xc0a8010a);
	r->sin_addr.s_addr = htonl(0xcb007105);
	cli->udp_encap = true;
	cli->local_l2tp_port = cli->remote_l2tp_port = 1701;
	*gw = *cli;
	gw->in = cli->out;
	gw->out = cli->in;
	gw->local = cli->remote;
	gw->remote = cli->local;
}

/* Packets per second through esp_sa_encrypt + esp_sa_decrypt, a batch of
 * buffers at a time: each round trip leaves the datagram where it was. */
static double bench_esp(const struct algo *a, double seconds)
{
	struct esp_sa_pair cp, gp;
	struct esp_user_sa cli, gw;
	struct esp_pkt pkt[BATCH];
	unsigned long n = 0;
	double t0, t;

	make_pairs(a, &cp, &gp);
	if (esp_sa_init(&cli, &cp, NULL) < 0 || esp_sa_init(&gw, &gp, NULL) < 0) {
		fprintf(stderr, "bench_esp: cannot set up %s\n", a->name);
		exit(1);
	}
	for (int i = 0; i < BATCH; i++)
		memset(storage[i] + ESP_PKT_HEADROOM, 0x5a, PAYLOAD);
	t0 = now_s();
	do {
		for (int i = 0; i < BATCH; i++) {
			esp_pkt_init(&pkt[i], storage[i], ESP_PKT_BUFSIZE, ESP_PKT_HEADROOM);
			pkt[i].len = PAYLOAD;
			if (esp_sa_encrypt(&cli, &pkt[i]) < 0)
				goto failed;
		}
		for (int i = 0; i < BATCH; i++, n++)
			if (esp_sa_decrypt(&gw, &pkt[i]) < 0 || pkt[i].len != PAYLOAD ||
			    pkt[i].off != ESP_PKT_HEADROOM)
				goto failed;
		t = now_s() - t0;
	} while (t < seconds);
	esp_sa_clear(&cli);
	esp_sa_clear(&gw);
	return (double)n / t;
failed:
	fprintf(stderr, "bench_esp: %s round trip failed\n", a->name);
	exit(1);
}

struct raw {
	EVP_CIPHER_CTX *enc, *dec;
	EVP_MAC_CTX *mac;
};

static void raw_setup(const struct algo *a, struct raw *r)
{
	EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, a->evp_cipher, NULL);
	uint8_t key[32];
	size_t key_len = a->key_len - (a->cipher == ESP_CIPHER_AES_GCM_16 ? 4 : 0);

	memset(key, 0x42, sizeof(key));
	r->enc = EVP_CIPHER_CTX_new();
	r->dec = EVP_CIPHER_CTX_new();
	EVP_CipherInit_ex2(r->enc, c, key, NULL, 1, NULL);
	EVP_CipherInit_ex2(r->dec, c, key, NULL, 0, NULL);
	EVP_CIPHER_CTX_set_padding(r->enc, 0);
	EVP_CIPHER_CTX_set_padding(r->dec, 0);
	EVP_CIPHER_free(c);
	r->mac = NULL;
	(void)key_len;
	if (a->digest) {
		EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
		OSSL_PARAM p[2] = {
		    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)a->digest, 0),
		    OSSL_PARAM_construct_end()};
		uint8_t mk[64];

		memset(mk, 0x17, sizeof(mk));
		r->mac = EVP_MAC_CTX_new(m);
		EVP_MAC_init(r->mac, mk, a->auth_key_len, p);
		EVP_MAC_free(m);
	}
}

/* The same work without ESP on the same buffers: encrypt + MAC of each
 * packet of a batch, then MAC + decrypt of each. */
static void raw_one(struct raw *r, bool enc, uint8_t *data, const uint8_t *iv)
{
	uint8_t mac[64], tag[16] = {0}, aad[8] = {0};
	size_t ml;
	int ol;

	if (r->mac) {
		if (enc) {
			EVP_CipherInit_ex2(r->enc, NULL, NULL, iv, 1, NULL);
			EVP_CipherUpdate(r->enc, data, &ol, data, PAYLOAD);
		}
		EVP_MAC_init(r->mac, NULL, 0, NULL);
		EVP_MAC_update(r->mac, data, PAYLOAD);
		EVP_MAC_final(r->mac, mac, &ml, sizeof(mac));
		if (!enc) {
			EVP_CipherInit_ex2(r->dec, NULL, NULL, iv, 0, NULL);
			EVP_CipherUpdate(r->dec, data, &ol, data, PAYLOAD);
		}
		return;
	}
	if (enc) {
		EVP_CipherInit_ex2(r->enc, NULL, NULL, iv, 1, NULL);
		EVP_CipherUpdate(r->enc, NULL, &ol, aad, sizeof(aad));
		EVP_CipherUpdate(r->enc, data, &ol, data, PAYLOAD);
		EVP_CipherFinal_ex(r->enc, data, &ol);
		EVP_CIPHER_CTX_ctrl(r->enc, EVP_CTRL_AEAD_GET_TAG, 16, data + PAYLOAD);
		return;
	}
	memcpy(tag, data + PAYLOAD, 16);
	EVP_CipherInit_ex2(r->dec, NULL, NULL, iv, 0, NULL);
	EVP_CipherUpdate(r->dec, NULL, &ol, aad, sizeof(aad));
	EVP_CipherUpdate(r->dec, data, &ol, data, PAYLOAD);
	EVP_CIPHER_CTX_ctrl(r->dec, EVP_CTRL_AEAD_SET_TAG, 16, tag);
	if (EVP_CipherFinal_ex(r->dec, data, &ol) <= 0) {
		fprintf(stderr, "bench_esp: raw tag mismatch\n");
		exit(1);
	}
}

static double bench_raw(const struct algo *a, double seconds)
{
	uint8_t iv[BATCH][16];
	unsigned long n = 0, round = 0;
	struct raw r;
	double t0, t;

	raw_setup(a, &r);
	for (int i = 0; i < BATCH; i++)
		memset(storage[i] + ESP_PKT_HEADROOM, 0x5a, PAYLOAD);
	memset(iv, 0, sizeof(iv));
	t0 = now_s();
	do {
		round++;
		for (int i = 0; i < BATCH; i++) {
			memcpy(iv[i], &round, sizeof(round));
			iv[i][15] = (uint8_t)i;
			raw_one(&r, true, storage[i] + ESP_PKT_HEADROOM, iv[i]);
		}
		for (int i = 0; i < BATCH; i++, n++)
			raw_one(&r, false, storage[i] + ESP_PKT_HEADROOM, iv[i]);
		t = now_s() - t0;
	} while (t < seconds);
	EVP_CIPHER_CTX_free(r.enc);
	EVP_CIPHER_CTX_free(r.dec);
	EVP_MAC_CTX_free(r.mac);
	return (double)n / t;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 0.5;
	int below = 0;

	if (seconds <= 0 || seconds > 60)
		seconds = 0.5;
	for (size_t i = 0; i < sizeof(algos) / sizeof(algos[0]); i++) {
		const struct algo *a = &algos[i];
		double raw_pps = 0, pps = 0, raw, esp;

		/* Alternate short rounds and keep the best of each, so other load
		 * on the machine hits both sides alike. */
		for (int round = 0; round < 5; round++) {
			double r = bench_raw(a, seconds / 5), e = bench_esp(a, seconds / 5);

			raw_pps = r > raw_pps ? r : raw_pps;
			pps = e > pps ? e : pps;
		}
		raw = raw_pps * PAYLOAD * 8 / 1e9;
		esp = pps * PAYLOAD * 8 / 1e9;
		printf("esp %s: batch %d, %.0f pkt/s %.2f Gbit/s per core, raw EVP %.0f pkt/s "
		       "%.2f Gbit/s, ratio %.2f\n",
		       a->name, BATCH, pps, esp, raw_pps, raw, esp / raw);
		fflush(stdout);
		below += esp / raw < 0.9;
	}
	printf("bench_esp: %d of %zu below the 0.90 goal\n", below,
	       sizeof(algos) / sizeof(algos[0]));
	return 0;
}
