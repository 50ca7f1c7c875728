/* Unit test of "the fast path allocates nothing per packet" (issue 16): every
 * allocation made by OpenSSL (CRYPTO_set_mem_functions, set before OpenSSL
 * allocates anything) and by our own code (linked with --wrap=malloc, calloc
 * and realloc, see esp/Makemodule.am) is counted while a batch of packets is
 * encrypted and decrypted for every algorithm pair, and while one batch
 * crosses the NAT-T socket owner over loopback. The first packet of an SA
 * may allocate (lazy OpenSSL state), so each test warms up with one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include <openssl/crypto.h>

#include "esp/esp_user.h"
#include "esp/natt_sock.h"
#include "lib/log.h"
#include "lib/loop.h"

static unsigned long allocations;

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);

void *__wrap_malloc(size_t n)
{
	allocations++;
	return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	allocations++;
	return __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	allocations++;
	return __real_realloc(p, n);
}

static void *ossl_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	allocations++;
	return __real_malloc(n);
}

static void *ossl_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	allocations++;
	return __real_realloc(p, n);
}

static void ossl_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	free(p);
}

#define BATCH 32
#define LEN   1400

static void fill_sa(struct esp_sa *sa, uint32_t spi, enum esp_cipher cipher, size_t key_len,
                    enum esp_auth auth, size_t auth_len, uint8_t seed)
{
	memset(sa, 0, sizeof(*sa));
	sa->spi = spi;
	sa->cipher = cipher;
	sa->enc_key_len = (uint8_t)key_len;
	memset(sa->enc_key, seed, key_len);
	sa->auth = auth;
	sa->auth_key_len = (uint8_t)auth_len;
	memset(sa->auth_key, seed + 1, auth_len);
}

static void set_addr(struct sockaddr_storage *ss, const char *ip)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(4500);
	assert_int_equal(inet_pton(AF_INET, ip, &sin->sin_addr), 1);
}

static void mirror(struct esp_sa_pair *cp, struct esp_sa_pair *gp)
{
	*gp = *cp;
	gp->in = cp->out;
	gp->out = cp->in;
	gp->local = cp->remote;
	gp->remote = cp->local;
	gp->local_l2tp_port = cp->remote_l2tp_port;
	gp->remote_l2tp_port = cp->local_l2tp_port;
}

struct slot {
	struct esp_pkt pkt;
	uint8_t storage[ESP_PKT_HEADROOM + ESP_PKT_MAX_PAYLOAD + ESP_PKT_TAILROOM];
};

static void one_packet(struct esp_user_sa *cli, struct esp_user_sa *gw, struct slot *s)
{
	esp_pkt_init(&s->pkt, s->storage, sizeof(s->storage), ESP_PKT_HEADROOM);
	memset(esp_pkt_data(&s->pkt), 0x5a, LEN);
	s->pkt.len = LEN;
	assert_int_equal(esp_sa_encrypt(cli, &s->pkt), 0);
	assert_int_equal(esp_sa_decrypt(gw, &s->pkt), 0);
	assert_int_equal(s->pkt.len, LEN);
}

static void test_sa_batch_allocates_nothing(void **state)
{
	static const struct {
		enum esp_cipher cipher;
		size_t key_len;
		enum esp_auth auth;
		size_t auth_len;
	} algs[] = {
	    {ESP_CIPHER_AES_CBC, 16, ESP_AUTH_HMAC_SHA1_96, 20},
	    {ESP_CIPHER_AES_CBC, 32, ESP_AUTH_HMAC_SHA256_128, 32},
	    {ESP_CIPHER_AES_CBC, 24, ESP_AUTH_HMAC_SHA384_192, 48},
	    {ESP_CIPHER_AES_CBC, 32, ESP_AUTH_HMAC_SHA512_256, 64},
	    {ESP_CIPHER_AES_CBC, 16, ESP_AUTH_HMAC_MD5_96, 16},
	    {ESP_CIPHER_3DES_CBC, 24, ESP_AUTH_HMAC_SHA1_96, 20},
	    {ESP_CIPHER_AES_GCM_16, 20, ESP_AUTH_NONE, 0},
	    {ESP_CIPHER_AES_GCM_16, 36, ESP_AUTH_NONE, 0},
	};
	static struct slot slots[BATCH];

	(void)state;
	for (size_t a = 0; a < sizeof(algs) / sizeof(algs[0]); a++) {
		struct esp_sa_pair cp, gp;
		struct esp_user_sa cli, gw;
		unsigned long before;

		memset(&cp, 0, sizeof(cp));
		fill_sa(&cp.in, 0x1001, algs[a].cipher, algs[a].key_len, algs[a].auth,
		        algs[a].auth_len, 3);
		fill_sa(&cp.out, 0x2002, algs[a].cipher, algs[a].key_len, algs[a].auth,
		        algs[a].auth_len, 9);
		set_addr(&cp.local, "192.168.1.10");
		set_addr(&cp.remote, "203.0.113.5");
		cp.udp_encap = true;
		cp.local_l2tp_port = cp.remote_l2tp_port = 1701;
		mirror(&cp, &gp);
		assert_int_equal(esp_sa_init(&cli, &cp, NULL), 0);
		assert_int_equal(esp_sa_init(&gw, &gp, NULL), 0);
		one_packet(&cli, &gw, &slots[0]);
		before = allocations;
		for (unsigned i = 0; i < BATCH; i++)
			one_packet(&cli, &gw, &slots[i]);
		/* the other direction too */
		for (unsigned i = 0; i < BATCH; i++)
			one_packet(&gw, &cli, &slots[i]);
		if (allocations != before)
			fail_msg("algorithm pair %zu: %lu allocations for %u packets", a,
			         allocations - before, 2 * BATCH);
		esp_sa_clear(&cli);
		esp_sa_clear(&gw);
	}
}

struct side {
	struct esp_datapath *dp;
	struct natt_sock *ns;
	int fd;
	struct sockaddr_storage addr;
	unsigned l2tp_count;
};

static void on_l2tp(void *ctx, uint8_t *buf, size_t len)
{
	struct side *s = ctx;

	(void)buf;
	if (len == LEN)
		s->l2tp_count++;
}

static const struct natt_sock_callbacks ns_cbs = {.l2tp = on_l2tp};
static const struct esp_callbacks esp_cbs = {0};

static void open_side(struct side *s)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&s->addr;
	socklen_t sl = sizeof(*sin);

	memset(&s->addr, 0, sizeof(s->addr));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	assert_true(s->fd >= 0);
	assert_int_equal(bind(s->fd, (struct sockaddr *)sin, sl), 0);
	assert_int_equal(getsockname(s->fd, (struct sockaddr *)sin, &sl), 0);
}

static void send_batch(struct side *from, struct side *to, unsigned count)
{
	unsigned got = 0;

	for (unsigned i = 0; i < count; i++) {
		struct esp_pkt pkt;
		size_t room;

		assert_int_equal(natt_sock_tx_slot(from->ns, &pkt, &room), 0);
		memset(esp_pkt_data(&pkt), (int)i, LEN);
		pkt.len = LEN;
		assert_int_equal(natt_sock_tx_queue(from->ns, &pkt), 0);
	}
	assert_int_equal(natt_sock_flush(from->ns), (int)count);
	for (int tries = 0; tries < 100 && got < count; tries++) {
		int n = natt_sock_read(to->ns);

		assert_true(n >= 0);
		got = to->l2tp_count;
		if (n == 0)
			usleep(1000);
	}
	assert_int_equal(to->l2tp_count, count);
	to->l2tp_count = 0;
}

static void natt_round(enum esp_cipher cipher, size_t key_len, enum esp_auth auth, size_t auth_len)
{
	struct loop *loop = loop_new();
	struct logger lg;
	struct side cli, gw;
	struct esp_sa_pair cp, gp;
	unsigned long before;

	assert_non_null(loop);
	log_init(&lg, LOG_TO_SINK, LOG_LVL_INFO);
	open_side(&cli);
	open_side(&gw);
	assert_int_equal(connect(cli.fd, (struct sockaddr *)&gw.addr, sizeof(struct sockaddr_in)),
	                 0);
	assert_int_equal(connect(gw.fd, (struct sockaddr *)&cli.addr, sizeof(struct sockaddr_in)),
	                 0);
	cli.dp = esp_datapath_new(loop, &lg, ESP_DP_USERSPACE, &esp_cbs, &cli);
	gw.dp = esp_datapath_new(loop, &lg, ESP_DP_USERSPACE, &esp_cbs, &gw);
	assert_true(cli.dp && gw.dp);
	memset(&cp, 0, sizeof(cp));
	fill_sa(&cp.in, 0x11110001, cipher, key_len, auth, auth_len, 1);
	fill_sa(&cp.out, 0x22220001, cipher, key_len, auth, auth_len, 2);
	cp.local = cli.addr;
	cp.remote = gw.addr;
	cp.udp_encap = true;
	cp.local_l2tp_port = 40000;
	cp.remote_l2tp_port = 1701;
	mirror(&cp, &gp);
	assert_int_not_equal(esp_install(cli.dp, &cp, cli.fd), 0);
	assert_int_not_equal(esp_install(gw.dp, &gp, gw.fd), 0);
	cli.ns = natt_sock_new(cli.dp, &ns_cbs, &cli);
	gw.ns = natt_sock_new(gw.dp, &ns_cbs, &gw);
	assert_true(cli.ns && gw.ns);
	natt_sock_set_fd(cli.ns, cli.fd);
	natt_sock_set_fd(gw.ns, gw.fd);
	cli.l2tp_count = gw.l2tp_count = 0;
	send_batch(&cli, &gw, 1); /* warm-up */
	send_batch(&gw, &cli, 1);
	before = allocations;
	send_batch(&cli, &gw, BATCH);
	send_batch(&gw, &cli, BATCH);
	if (allocations != before)
		fail_msg("%lu allocations for %u packets through the NAT-T socket",
		         allocations - before, 2 * BATCH);
	natt_sock_free(cli.ns);
	natt_sock_free(gw.ns);
	esp_datapath_free(cli.dp);
	esp_datapath_free(gw.dp);
	close(cli.fd);
	close(gw.fd);
	loop_free(loop);
}

static void test_natt_batch_allocates_nothing(void **state)
{
	(void)state;
	natt_round(ESP_CIPHER_AES_GCM_16, 20, ESP_AUTH_NONE, 0);
	natt_round(ESP_CIPHER_AES_CBC, 16, ESP_AUTH_HMAC_SHA1_96, 20);
}

/* The counter itself works: a test that cannot fail is no test. */
static void test_counter_counts(void **state)
{
	unsigned long before = allocations;
	void *p;

	(void)state;
	p = OPENSSL_malloc(10);
	assert_non_null(p);
	OPENSSL_free(p);
	p = malloc(10);
	assert_non_null(p);
	free(p);
	assert_int_equal(allocations - before, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_counter_counts),
	    cmocka_unit_test(test_sa_batch_allocates_nothing),
	    cmocka_unit_test(test_natt_batch_allocates_nothing),
	};

	/* before OpenSSL allocates anything, or it refuses */
	if (!CRYPTO_set_mem_functions(ossl_malloc, ossl_realloc, ossl_free)) {
		fprintf(stderr, "CRYPTO_set_mem_functions refused\n");
		return 1;
	}
	return cmocka_run_group_tests_name("esp_noalloc", tests, NULL, NULL);
}
