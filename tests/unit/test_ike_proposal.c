/* Unit tests for proposal strings (strongSwan syntax), the default lists, the
 * DH 2048 policy and bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#include "ike/isakmp.h"
#include "ike/proposal.h"
#include "esp/esp_sa.h"

static void test_single_proposal_strict(void **state)
{
	struct ike_p1_list l;
	char err[160] = "", s[64];

	(void)state;
	assert_int_equal(ike_proposals_parse("aes256-sha2_256-modp2048!", &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.a[0].enc, IKE_ENC_AES);
	assert_int_equal(l.a[0].key_bits, 256);
	assert_int_equal(l.a[0].hash, IKE_HASH_SHA256);
	assert_int_equal(l.a[0].group, 14);
	ike_p1_alg_str(&l.a[0], s, sizeof(s));
	assert_string_equal(s, "aes256-sha2_256-modp2048");
	/* sha256 is an alias, spaces around commas are fine */
	assert_int_equal(ike_proposals_parse(" aes128-sha256-ecp256 , 3des-sha1-modp1024 !", &l,
	                                     err, sizeof(err)),
	                 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.a[0].group, 19);
	assert_int_equal(l.a[1].enc, IKE_ENC_3DES);
	assert_int_equal(l.a[1].group, 2);
}

/* "a-b-c-d" expands to every combination in order, duplicates dropped. */
static void test_combinations_expand_in_order(void **state)
{
	struct ike_p1_list l;
	char err[160];

	(void)state;
	assert_int_equal(
	    ike_proposals_parse("aes128-aes256-sha1-modp2048-modp1024,aes128-sha1-modp2048!", &l,
	                        err, sizeof(err)),
	    0);
	assert_int_equal(l.n, 4);
	assert_int_equal(l.a[0].key_bits, 128);
	assert_int_equal(l.a[0].group, 14);
	assert_int_equal(l.a[1].key_bits, 128);
	assert_int_equal(l.a[1].group, 2);
	assert_int_equal(l.a[2].key_bits, 256);
	assert_int_equal(l.a[3].group, 2);
}

static void test_default_list(void **state)
{
	struct ike_p1_list l;
	struct ike_esp_list e;
	char err[160], s[64];

	(void)state;
	assert_int_equal(ike_proposals_parse(NULL, &l, err, sizeof(err)), 0);
	assert_true(l.n >= 8);
	ike_p1_alg_str(&l.a[0], s, sizeof(s));
	assert_string_equal(s, "aes256-sha2_256-modp2048");
	ike_p1_alg_str(&l.a[l.n - 1], s, sizeof(s));
	assert_string_equal(s, "3des-sha1-modp1024");
	for (size_t i = 0; i < l.n; i++) {
		/* DES, MD5 and group 1 only when asked for by name. */
		assert_int_not_equal(l.a[i].enc, IKE_ENC_DES);
		assert_int_not_equal(l.a[i].hash, IKE_HASH_MD5);
		assert_int_not_equal(l.a[i].group, 1);
	}
	assert_int_equal(ike_esp_proposals_parse("", &e, err, sizeof(err)), 0);
	ike_esp_alg_str(&e.a[0], s, sizeof(s));
	assert_string_equal(s, "aes256gcm16");
	ike_esp_alg_str(&e.a[e.n - 1], s, sizeof(s));
	assert_string_equal(s, "3des-sha1");
}

static bool p1_offered(const struct ike_p1_list *l, const char *want)
{
	char s[64];

	for (size_t i = 0; i < l->n; i++) {
		ike_p1_alg_str(&l->a[i], s, sizeof(s));
		if (strcmp(s, want) == 0)
			return true;
	}
	return false;
}

static size_t esp_index(const struct ike_esp_list *l, const char *want)
{
	char s[64];

	for (size_t i = 0; i < l->n; i++) {
		ike_esp_alg_str(&l->a[i], s, sizeof(s));
		if (strcmp(s, want) == 0)
			return i;
	}
	return SIZE_MAX;
}

/* Issue 15: a strict modern gateway (AES-256/SHA-256/modp2048 in both
 * phases, or AES-GCM only) and a legacy one (3DES/SHA-1/modp1024) both find
 * their proposal in the defaults, strongest first, on either data path. */
static void test_defaults_cover_strict_and_legacy_gateways(void **state)
{
	static const char *const esp_strongest_first[] = {
	    "aes256gcm16", "aes128gcm16", "aes256-sha256", "aes128-sha256",
	    "aes256-sha1", "aes128-sha1", "3des-sha1",
	};
	struct ike_p1_list l;
	struct ike_esp_list e;
	char err[160];
	size_t prev = 0;

	(void)state;
	assert_int_equal(ike_proposals_parse(NULL, &l, err, sizeof(err)), 0);
	assert_true(p1_offered(&l, "aes256-sha2_256-modp2048"));
	assert_true(p1_offered(&l, "aes128-sha2_256-modp2048"));
	/* MikroTik's default profile (aes-128/3des, sha1, modp2048/modp1024)
	 * must find AES before it falls back to 3DES */
	assert_true(p1_offered(&l, "aes128-sha1-modp2048"));
	assert_true(p1_offered(&l, "3des-sha1-modp1024"));
	/* NegotiateDH2048 "offer" (the default) keeps both ends. */
	assert_int_equal(ike_p1_apply_dh2048(&l, IKE_DH2048_OFFER, err, sizeof(err)), 0);
	assert_true(p1_offered(&l, "aes256-sha2_256-modp2048"));
	assert_true(p1_offered(&l, "3des-sha1-modp1024"));
	assert_int_equal(ike_esp_proposals_parse(NULL, &e, err, sizeof(err)), 0);
	assert_int_equal(e.n, ARRAY_LEN(esp_strongest_first));
	for (size_t i = 0; i < ARRAY_LEN(esp_strongest_first); i++) {
		size_t at = esp_index(&e, esp_strongest_first[i]);

		if (at == SIZE_MAX)
			fail_msg("%s is not in the default ESP list", esp_strongest_first[i]);
		assert_true(i == 0 || at > prev);
		prev = at;
	}
	/* RFC 4868: SHA-256 with the full 128-bit ICV, GCM with a 16-byte tag. */
	assert_int_equal(e.a[esp_index(&e, "aes256-sha256")].auth, ESP_AUTH_HMAC_SHA256_128);
	assert_int_equal(e.a[0].cipher, ESP_CIPHER_AES_GCM_16);
	assert_int_equal(e.a[0].key_bits, 256);
}

/* Without "!", the defaults follow the given proposals (strongSwan). */
static void test_without_bang_appends_defaults(void **state)
{
	struct ike_p1_list l, d;
	char err[160];

	(void)state;
	assert_int_equal(ike_proposals_parse(NULL, &d, err, sizeof(err)), 0);
	assert_int_equal(ike_proposals_parse("des-md5-modp768", &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, d.n + 1);
	assert_int_equal(l.a[0].enc, IKE_ENC_DES);
	assert_int_equal(l.a[0].hash, IKE_HASH_MD5);
	assert_int_equal(l.a[0].group, 1);
	/* A proposal that is already a default is not repeated. */
	assert_int_equal(ike_proposals_parse("3des-sha1-modp1024", &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, d.n);
}

static void test_dh2048_policy(void **state)
{
	struct ike_p1_list l;
	char err[160];

	(void)state;
	assert_int_equal(
	    ike_proposals_parse("3des-sha1-modp1024,aes128-sha1-modp2048,aes128-sha1-ecp256!", &l,
	                        err, sizeof(err)),
	    0);
	assert_int_equal(ike_p1_apply_dh2048(&l, IKE_DH2048_OFFER, err, sizeof(err)), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.a[0].group, 14);
	assert_int_equal(l.a[1].group, 19);
	assert_int_equal(l.a[2].group, 2);
	assert_int_equal(ike_p1_apply_dh2048(&l, IKE_DH2048_REQUIRE, err, sizeof(err)), 0);
	assert_int_equal(l.n, 2);
	for (size_t i = 0; i < l.n; i++)
		assert_true(l.a[i].group >= 14);
	/* Nothing left: a clear error, the list untouched. */
	assert_int_equal(ike_p1_apply_dh2048(&l, IKE_DH2048_OFF, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "DH 2048"));
	assert_int_equal(l.n, 2);
	assert_int_equal(
	    ike_proposals_parse("3des-sha1-modp1024,aes128-sha1-modp2048!", &l, err, sizeof(err)),
	    0);
	assert_int_equal(ike_p1_apply_dh2048(&l, IKE_DH2048_OFF, err, sizeof(err)), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.a[0].group, 2);
}

static void test_esp_proposals(void **state)
{
	struct ike_esp_list e;
	char err[160], s[64];

	(void)state;
	assert_int_equal(
	    ike_esp_proposals_parse("aes128gcm16,aes256-sha256,aes128-sha256_96,3des-md5!", &e, err,
	                            sizeof(err)),
	    0);
	assert_int_equal(e.n, 4);
	assert_int_equal(e.a[0].transform, ESP_T_AES_GCM_16);
	assert_int_equal(e.a[0].cipher, ESP_CIPHER_AES_GCM_16);
	assert_int_equal(e.a[0].auth, ESP_AUTH_NONE);
	assert_int_equal(e.a[0].auth_attr, 0);
	assert_int_equal(ike_esp_enc_key_len(&e.a[0]), 20); /* 16 + 4 salt */
	assert_int_equal(e.a[1].auth, ESP_AUTH_HMAC_SHA256_128);
	assert_int_equal(e.a[1].auth_attr, AUTH_ALG_HMAC_SHA256);
	assert_int_equal(ike_esp_enc_key_len(&e.a[1]), 32);
	assert_int_equal(ike_esp_auth_key_len(&e.a[1]), 32);
	/* Same wire value, shorter truncation locally. */
	assert_int_equal(e.a[2].auth, ESP_AUTH_HMAC_SHA256_96);
	assert_int_equal(e.a[2].auth_attr, AUTH_ALG_HMAC_SHA256);
	assert_int_equal(e.a[3].transform, ESP_T_3DES);
	assert_int_equal(e.a[3].auth, ESP_AUTH_HMAC_MD5_96);
	ike_esp_alg_str(&e.a[2], s, sizeof(s));
	assert_string_equal(s, "aes128-sha256_96");
	assert_int_equal(ike_esp_proposals_parse("aes128-sha1-modp2048!", &e, err, sizeof(err)), 0);
	assert_int_equal(e.a[0].group, 14);
}

static void expect_error(const char *spec, bool esp, const char *fragment)
{
	char err[160] = "";

	assert_int_equal(ike_proposals_check(spec, esp, err, sizeof(err)), -1);
	if (!strstr(err, fragment))
		fail_msg("'%s': error '%s' lacks '%s'", spec, err, fragment);
}

static void test_bad_strings(void **state)
{
	(void)state;
	expect_error("aes257-sha1-modp2048", false, "unknown algorithm 'aes257'");
	expect_error("aes128-sha1", false, "needs a hash and a DH group");
	expect_error("sha1-modp2048", false, "no cipher");
	expect_error("aes128-sha1-modp2048,,3des-sha1-modp1024", false, "empty proposal");
	expect_error("aes128--sha1-modp2048", false, "unknown algorithm ''");
	expect_error("!", false, "empty proposal list");
	expect_error("aes128gcm16-sha1-modp2048", false, "unknown algorithm 'aes128gcm16'");
	expect_error("aes128gcm16-sha1", true, "combines AES-GCM with a hash");
	expect_error("aes128", true, "no integrity algorithm");
	expect_error("aes128-sha1-modp2048-modp1024", true, "more than one PFS group");
	expect_error("aes128-sha1-modp9999", false, "unknown algorithm 'modp9999'");
	expect_error("aes128-aes192-aes256-3des-sha1-sha256-sha384-sha512-modp2048-modp1024", false,
	             "too many algorithm combinations");
	expect_error("aes128-sha1-modp2048 x", false, "unknown algorithm");
}

/* Every algorithm of esp/'s table (esp/esp_algs.c) can be asked for by
 * its name in an ESP proposal, and the proposal means that algorithm with
 * that key: the names and sizes have one source. */
static void test_esp_names_follow_esp_table(void **state)
{
	static const enum esp_cipher ciphers[] = {ESP_CIPHER_3DES_CBC, ESP_CIPHER_AES_CBC,
	                                          ESP_CIPHER_AES_GCM_16};
	static const size_t key_lens[] = {16, 20, 24, 28, 32, 36};
	static const enum esp_auth auths[] = {ESP_AUTH_HMAC_MD5_96,     ESP_AUTH_HMAC_SHA1_96,
	                                      ESP_AUTH_HMAC_SHA256_128, ESP_AUTH_HMAC_SHA256_96,
	                                      ESP_AUTH_HMAC_SHA384_192, ESP_AUTH_HMAC_SHA512_256};
	struct ike_esp_list l;
	char spec[64], err[160];
	size_t rows = 0;

	(void)state;
	for (size_t c = 0; c < sizeof(ciphers) / sizeof(ciphers[0]); c++) {
		for (size_t k = 0; k < sizeof(key_lens) / sizeof(key_lens[0]); k++) {
			const struct esp_cipher_info *ci = esp_cipher_info(ciphers[c], key_lens[k]);
			bool aead;

			if (!ci)
				continue;
			aead = ci->icv_len != 0;
			snprintf(spec, sizeof(spec), "%s%s!", ci->name, aead ? "" : "-sha1");
			assert_int_equal(ike_esp_proposals_parse(spec, &l, err, sizeof(err)), 0);
			assert_int_equal(l.n, 1);
			assert_int_equal(l.a[0].cipher, ci->cipher);
			/* key_bits 0: a fixed-size key (3DES) */
			if (l.a[0].key_bits)
				assert_int_equal(l.a[0].key_bits / 8 + (aead ? 4 : 0), ci->key_len);
			rows++;
		}
	}
	assert_int_equal(rows, 7);
	for (size_t a = 0; a < sizeof(auths) / sizeof(auths[0]); a++) {
		const struct esp_auth_info *ai = esp_auth_info(auths[a]);

		assert_non_null(ai);
		snprintf(spec, sizeof(spec), "aes128-%s!", ai->name);
		assert_int_equal(ike_esp_proposals_parse(spec, &l, err, sizeof(err)), 0);
		assert_int_equal(l.a[0].auth, ai->auth);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_single_proposal_strict),
	    cmocka_unit_test(test_combinations_expand_in_order),
	    cmocka_unit_test(test_default_list),
	    cmocka_unit_test(test_defaults_cover_strict_and_legacy_gateways),
	    cmocka_unit_test(test_without_bang_appends_defaults),
	    cmocka_unit_test(test_dh2048_policy),
	    cmocka_unit_test(test_esp_proposals),
	    cmocka_unit_test(test_bad_strings),
	    cmocka_unit_test(test_esp_names_follow_esp_table),
	};

	return cmocka_run_group_tests_name("ike_proposal", tests, NULL, NULL);
}
