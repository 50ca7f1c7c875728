/* Unit tests for client/savekeys: the directory rule (root's, closed to
 * group and others), and the exact lines of Wireshark's ikev1_decryption_table
 * and esp_sa, kept across rekeys and rewritten whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/savekeys.h"
#include "tests/unit/test_profile_util.c" /* shared static helpers */

static char tmpdir[TEMP_DIR_MAX];

static int setup(void **state)
{
	(void)state;
	return make_temp_dir(tmpdir);
}

static int teardown(void **state)
{
	(void)state;
	remove_temp_dir(tmpdir);
	return 0;
}

static char *slurp(const char *name, mode_t *mode)
{
	char path[PATH_MAX];
	struct stat st;
	static char buf[8192];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fstat(fileno(f), &st), 0);
	*mode = st.st_mode & 07777;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_directory_rule(void **state)
{
	struct savekeys sk;
	char err[512], missing[PATH_MAX];

	(void)state;
	if (geteuid() != 0)
		skip(); /* the directory must be root's */
	assert_int_equal(chmod(tmpdir, 0755), 0);
	assert_int_equal(savekeys_open(&sk, tmpdir, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "must be owned by root and closed to group and others"));
	assert_int_equal(sk.dir_fd, -1);
	assert_int_equal(chmod(tmpdir, 0700), 0);
	assert_int_equal(savekeys_open(&sk, tmpdir, err, sizeof(err)), 0);
	savekeys_close(&sk);
	snprintf(missing, sizeof(missing), "%s/nope", tmpdir);
	assert_int_equal(savekeys_open(&sk, missing, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file"));
}

static void sin_at(struct sockaddr_storage *ss, const char *addr, uint16_t port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, addr, &sin->sin_addr), 1);
}

static void test_tables(void **state)
{
	static const uint8_t key1[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
	                                 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
	struct ike_p1_export k = {
	    .icookie = {1, 2, 3, 4, 5, 6, 7, 8}, .enc_key = key1, .enc_key_len = 16};
	struct esp_sa_pair pair = {0};
	struct savekeys sk;
	char err[512];
	mode_t mode;

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(savekeys_open(&sk, tmpdir, err, sizeof(err)), 0);
	assert_int_equal(savekeys_add_ike(&sk, &k), 0);
	assert_string_equal(slurp("ikev1_decryption_table", &mode),
	                    "0102030405060708,00112233445566778899aabbccddeeff\n");
	assert_int_equal(mode, 0600);

	sin_at(&pair.local, "10.1.0.2", 4500);
	sin_at(&pair.remote, "192.0.2.1", 4500);
	pair.in = (struct esp_sa){.spi = 0xc0ffee01,
	                          .cipher = ESP_CIPHER_AES_CBC,
	                          .enc_key = {0xaa, 0xbb},
	                          .enc_key_len = 2,
	                          .auth = ESP_AUTH_HMAC_SHA1_96,
	                          .auth_key = {0x01},
	                          .auth_key_len = 1};
	pair.out = (struct esp_sa){.spi = 0x0000beef,
	                           .cipher = ESP_CIPHER_3DES_CBC,
	                           .enc_key = {0xcc},
	                           .enc_key_len = 1,
	                           .auth = ESP_AUTH_HMAC_SHA256_128,
	                           .auth_key = {0x02},
	                           .auth_key_len = 1};
	assert_int_equal(savekeys_add_esp(&sk, &pair), 0);
	assert_string_equal(
	    slurp("esp_sa", &mode),
	    "\"IPv4\",\"192.0.2.1\",\"10.1.0.2\",\"0xc0ffee01\",\"AES-CBC [RFC3602]\","
	    "\"0xaabb\",\"HMAC-SHA-1-96 [RFC2404]\",\"0x01\"\n"
	    "\"IPv4\",\"10.1.0.2\",\"192.0.2.1\",\"0x0000beef\",\"TripleDES-CBC "
	    "[RFC2451]\",\"0xcc\",\"HMAC-SHA-256-128 [RFC4868]\",\"0x02\"\n");
	assert_int_equal(mode, 0600);
	assert_non_null(strstr(slurp("preferences", &mode), "esp.enable_encryption_decode: TRUE"));

	/* a rekey: the old SA's lines stay (a capture spans both), GCM's
	 * integrity is its own */
	pair.in.spi = 0x11111111;
	pair.in.cipher = pair.out.cipher = ESP_CIPHER_AES_GCM_16;
	pair.in.auth = pair.out.auth = ESP_AUTH_NONE;
	pair.in.auth_key_len = pair.out.auth_key_len = 0;
	assert_int_equal(savekeys_add_esp(&sk, &pair), 0);
	{
		const char *t = slurp("esp_sa", &mode);
		const char *gcm =
		    strstr(t, "\"0x11111111\",\"AES-GCM with 16 octet ICV [RFC4106]\","
		              "\"0xaabb\",\"NULL\",\"0x\"\n");

		assert_non_null(strstr(t, "\"0xc0ffee01\""));
		assert_non_null(gcm);
	}
	/* over IPv6 (issue 17): Wireshark's protocol field says so */
	{
		struct esp_sa_pair p6 = pair;
		struct sockaddr_in6 *l = (struct sockaddr_in6 *)&p6.local;
		struct sockaddr_in6 *r = (struct sockaddr_in6 *)&p6.remote;

		memset(&p6.local, 0, sizeof(p6.local));
		memset(&p6.remote, 0, sizeof(p6.remote));
		l->sin6_family = r->sin6_family = AF_INET6;
		inet_pton(AF_INET6, "fd00:10:1::2", &l->sin6_addr);
		inet_pton(AF_INET6, "fd00:172:16::2", &r->sin6_addr);
		p6.in.spi = 0x66666666;
		assert_int_equal(savekeys_add_esp(&sk, &p6), 0);
		assert_non_null(strstr(slurp("esp_sa", &mode), "\"IPv6\",\"fd00:172:16::2\","
		                                               "\"fd00:10:1::2\",\"0x66666666\""));
	}
	k.icookie[0] = 0xff;
	assert_int_equal(savekeys_add_ike(&sk, &k), 0);
	assert_string_equal(slurp("ikev1_decryption_table", &mode),
	                    "0102030405060708,00112233445566778899aabbccddeeff\n"
	                    "ff02030405060708,00112233445566778899aabbccddeeff\n");
	savekeys_close(&sk);
	assert_int_equal(sk.n_ike, 0); /* wiped */
	assert_int_equal(savekeys_add_ike(&sk, &k), -1);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(savekeys_cipher_name(ESP_CIPHER_NULL), "NULL");
	assert_string_equal(savekeys_auth_name(ESP_AUTH_HMAC_MD5_96), "HMAC-MD5-96 [RFC2403]");
	assert_string_equal(savekeys_auth_name(ESP_AUTH_HMAC_SHA512_256),
	                    "HMAC-SHA-512-256 [RFC4868]");
	assert_null(savekeys_cipher_name((enum esp_cipher)99));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_directory_rule, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tables, setup, teardown),
	    cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
