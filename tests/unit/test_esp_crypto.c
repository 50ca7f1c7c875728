/* Known-answer tests for esp/esp_crypto: every cipher and HMAC through the
 * per-SA EVP contexts the packet path uses. Vectors: RFC 3602 §4 (AES-CBC),
 * RFC 2202/2403/2404 and RFC 4868 §2.7 (HMAC), the GCM specification's test
 * cases 3, 4 and 16 (AES-GCM as RFC 4106 uses it: salt || explicit IV). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "esp/esp_crypto.h"
#include "esp/esp_crypto_hmac.h"
#include "lib/hex.h"

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	long n = hex_decode(hex, out, cap);

	assert_true(n >= 0);
	return (size_t)n;
}

static void assert_hex_equal(const uint8_t *got, size_t len, const char *want_hex)
{
	uint8_t want[256];
	size_t n = unhex(want_hex, want, sizeof(want));

	assert_int_equal(n, len);
	assert_memory_equal(got, want, len);
}

static struct esp_sa cbc_sa(enum esp_cipher cipher, const char *key_hex, enum esp_auth auth,
                            size_t auth_key_len, uint8_t auth_key_byte)
{
	struct esp_sa sa;

	memset(&sa, 0, sizeof(sa));
	sa.spi = 0x1234;
	sa.cipher = cipher;
	sa.enc_key_len = (uint8_t)unhex(key_hex, sa.enc_key, sizeof(sa.enc_key));
	sa.auth = auth;
	sa.auth_key_len = (uint8_t)auth_key_len;
	memset(sa.auth_key, auth_key_byte, auth_key_len);
	return sa;
}

struct cbc_case {
	enum esp_cipher cipher;
	const char *key, *iv, *plain, *cipher_text;
};

static const struct cbc_case cbc_cases[] = {
    /* RFC 3602 §4 case 1 and case 2. */
    {ESP_CIPHER_AES_CBC, "06a9214036b8a15b512e03d534120006", "3dafba429d9eb430b422da802c9fac41",
     "53696e676c6520626c6f636b206d7367", "e353779c1079aeb82708942dbe77181a"},
    {ESP_CIPHER_AES_CBC, "c286696d887c9aa0611bbb3e2025a45a", "562e17996d093d28ddb3ba695a2e6f58",
     "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
     "d296cd94c2cccf8a3a863028b5e1dc0a7586602d253cfff91b8266bea6d61ab1"},
    /* 3DES: the SP 800-67 example key and text ("The qufck brown fox
     * jump"); with a zero IV the first block equals its ECB result. */
    {ESP_CIPHER_3DES_CBC, "0123456789abcdef23456789abcdef01456789abcdef0123", "0000000000000000",
     "54686520717566636b2062726f776e20666f78206a756d70",
     "a826fd8ce53b855f854b649a0a3903c970d563820afe8b35"},
};

static void test_cbc_known_answers(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cbc_cases) / sizeof(cbc_cases[0]); i++) {
		const struct cbc_case *tc = &cbc_cases[i];
		struct esp_sa sa = cbc_sa(tc->cipher, tc->key, ESP_AUTH_HMAC_SHA1_96, 20, 0x0b);
		struct esp_crypto enc, dec;
		uint8_t iv[16], data[64];
		size_t n;

		unhex(tc->iv, iv, sizeof(iv));
		assert_int_equal(esp_crypto_init(&enc, &sa, true, NULL), 0);
		assert_int_equal(esp_crypto_init(&dec, &sa, false, NULL), 0);
		n = unhex(tc->plain, data, sizeof(data));
		/* Twice: the context must be reusable with only a new IV. */
		for (int round = 0; round < 2; round++) {
			assert_int_equal(esp_crypto_cbc(&enc, iv, data, n), 0);
			assert_hex_equal(data, n, tc->cipher_text);
			assert_int_equal(esp_crypto_cbc(&dec, iv, data, n), 0);
			assert_hex_equal(data, n, tc->plain);
		}
		/* Not a whole number of blocks. */
		assert_int_equal(esp_crypto_cbc(&enc, iv, data, n - 1), -1);
		esp_crypto_free(&enc);
		esp_crypto_free(&dec);
	}
}

struct hmac_case {
	enum esp_auth auth;
	size_t key_len;
	const char *mac;
	size_t icv_len;
};

/* Key 0x0b repeated, data "Hi There" (RFC 2202/2104 case 1, RFC 4868
 * §2.7.1 AUTH256-1 / AUTH384-1 / AUTH512-1 and PRF test case 1). */
static const struct hmac_case hmac_cases[] = {
    {ESP_AUTH_HMAC_MD5_96, 16, "9294727a3638bb1c13f48ef8158bfc9d", 12},
    {ESP_AUTH_HMAC_SHA1_96, 20, "b617318655057264e28bc0b6fb378c8ef146be00", 12},
    {ESP_AUTH_HMAC_SHA256_128, 32,
     "198a607eb44bfbc69903a0f1cf2bbdc5ba0aa3f3d9ae3c1c7a3b1696a0b68cf7", 16},
    {ESP_AUTH_HMAC_SHA256_96, 32,
     "198a607eb44bfbc69903a0f1cf2bbdc5ba0aa3f3d9ae3c1c7a3b1696a0b68cf7", 12},
    {ESP_AUTH_HMAC_SHA384_192, 48,
     "b6a8d5636f5c6a7224f9977dcf7ee6c7fb6d0c48cbdee9737a959796489bddbc"
     "4c5df61d5b3297b4fb68dab9f1b582c2",
     24},
    {ESP_AUTH_HMAC_SHA512_256, 64,
     "637edc6e01dce7e6742a99451aae82df23da3e92439e590e43e761b33e910fb8"
     "ac2878ebd5803f6f0b61dbce5e251ff8789a4722c1be65aea45fd464e89f8f5b",
     32},
};

static void test_hmac_known_answers(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(hmac_cases) / sizeof(hmac_cases[0]); i++) {
		const struct hmac_case *tc = &hmac_cases[i];
		struct esp_sa sa = cbc_sa(ESP_CIPHER_AES_CBC, "00112233445566778899aabbccddeeff",
		                          tc->auth, tc->key_len, 0x0b);
		struct esp_crypto c;
		uint8_t mac[ESP_MAX_MAC];

		assert_int_equal(esp_crypto_init(&c, &sa, false, NULL), 0);
		assert_int_equal(c.icv_len, tc->icv_len);
		/* Repeatedly: the pre-keyed context restarts cleanly. */
		for (int round = 0; round < 3; round++) {
			memset(mac, 0, sizeof(mac));
			assert_int_equal(esp_crypto_hmac(&c, (const uint8_t *)"Hi There", 8, mac),
			                 0);
			assert_hex_equal(mac, c.mac_len, tc->mac);
		}
		esp_crypto_free(&c);
	}
}

struct gcm_case {
	const char *key_salt; /* key || 4-byte salt, as IKE hands it over */
	const char *iv, *aad, *plain, *cipher_text, *tag;
};

#define GCM_P60                                                                                    \
	"d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"                         \
	"1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"

static const struct gcm_case gcm_cases[] = {
    /* GCM spec test case 3: IV cafebabe facedbaddecaf888 split into the
     * RFC 4106 salt and explicit IV. */
    {"feffe9928665731c6d6a8f9467308308cafebabe", "facedbaddecaf888", "", GCM_P60 "1aafd255",
     "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
     "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
     "4d5c2af327cd64a62cf35abd2ba6fab4"},
    /* Test case 4: with AAD, 60-byte plaintext. */
    {"feffe9928665731c6d6a8f9467308308cafebabe", "facedbaddecaf888",
     "feedfacedeadbeeffeedfacedeadbeefabaddad2", GCM_P60,
     "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
     "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
     "5bc94fbc3221a5db94fae95ae7121a47"},
    /* Test case 16: AES-256 with AAD. */
    {"feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308cafebabe", "facedbaddecaf888",
     "feedfacedeadbeeffeedfacedeadbeefabaddad2", GCM_P60,
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
     "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
     "76fc6ece0f4e1768cddf8853bb2d551b"},
};

static void test_gcm_known_answers(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(gcm_cases) / sizeof(gcm_cases[0]); i++) {
		const struct gcm_case *tc = &gcm_cases[i];
		struct esp_sa sa = cbc_sa(ESP_CIPHER_AES_GCM_16, tc->key_salt, ESP_AUTH_NONE, 0, 0);
		struct esp_crypto enc, dec;
		uint8_t iv[8], aad[32], data[64], tag[16];
		size_t aad_len, n;

		unhex(tc->iv, iv, sizeof(iv));
		aad_len = unhex(tc->aad, aad, sizeof(aad));
		assert_int_equal(esp_crypto_init(&enc, &sa, true, NULL), 0);
		assert_int_equal(esp_crypto_init(&dec, &sa, false, NULL), 0);
		assert_int_equal(enc.icv_len, 16);
		for (int round = 0; round < 2; round++) {
			n = unhex(tc->plain, data, sizeof(data));
			assert_int_equal(esp_crypto_gcm_seal(&enc, iv, aad, aad_len, data, n, tag),
			                 0);
			assert_hex_equal(data, n, tc->cipher_text);
			assert_hex_equal(tag, 16, tc->tag);
			assert_int_equal(esp_crypto_gcm_open(&dec, iv, aad, aad_len, data, n, tag),
			                 0);
			assert_hex_equal(data, n, tc->plain);
		}
		/* A flipped tag bit, ciphertext bit or AAD bit fails. */
		assert_int_equal(esp_crypto_gcm_seal(&enc, iv, aad, aad_len, data, n, tag), 0);
		tag[15] ^= 1;
		assert_int_equal(esp_crypto_gcm_open(&dec, iv, aad, aad_len, data, n, tag), -1);
		tag[15] ^= 1;
		data[0] ^= 0x80;
		assert_int_equal(esp_crypto_gcm_open(&dec, iv, aad, aad_len, data, n, tag), -1);
		esp_crypto_free(&enc);
		esp_crypto_free(&dec);
	}
}

static void test_ivs_are_unpredictable_and_unique(void **state)
{
	struct esp_sa sa = cbc_sa(ESP_CIPHER_AES_CBC, "00112233445566778899aabbccddeeff",
	                          ESP_AUTH_HMAC_SHA1_96, 20, 1);
	struct esp_sa gcm = cbc_sa(ESP_CIPHER_AES_GCM_16,
	                           "00112233445566778899aabbccddeeff01020304", ESP_AUTH_NONE, 0, 0);
	struct esp_crypto a, b, g;
	uint8_t iv1[16], iv2[16], iv3[16];

	(void)state;
	assert_int_equal(esp_crypto_init(&a, &sa, true, NULL), 0);
	assert_int_equal(esp_crypto_init(&b, &sa, true, NULL), 0);
	assert_int_equal(esp_crypto_init(&g, &gcm, true, NULL), 0);
	assert_int_equal(esp_crypto_make_iv(&a, 1, iv1), 0);
	assert_int_equal(esp_crypto_make_iv(&a, 2, iv2), 0);
	assert_int_equal(esp_crypto_make_iv(&b, 1, iv3), 0);
	/* Different counters differ; the same counter on another SA (another
	 * random IV key) differs too; nothing looks like the counter. */
	assert_memory_not_equal(iv1, iv2, 16);
	assert_memory_not_equal(iv1, iv3, 16);
	assert_int_equal(esp_crypto_make_iv(&a, 1, iv2), 0);
	assert_memory_equal(iv1, iv2, 16);
	/* GCM: RFC 4106 §3.1 only asks for uniqueness; the counter is used. */
	assert_int_equal(esp_crypto_make_iv(&g, 0x0102030405060708ull, iv1), 0);
	assert_hex_equal(iv1, 8, "0102030405060708");
	esp_crypto_free(&a);
	esp_crypto_free(&b);
	esp_crypto_free(&g);
}

static void test_rejects_bad_parameters(void **state)
{
	struct esp_crypto c;
	struct esp_sa sa;

	(void)state;
	/* AES with a 20-byte key. */
	sa = cbc_sa(ESP_CIPHER_AES_CBC, "00112233445566778899aabbccddeeff00112233",
	            ESP_AUTH_HMAC_SHA1_96, 20, 1);
	assert_int_equal(esp_crypto_init(&c, &sa, true, NULL), -1);
	/* HMAC-SHA1 with a 16-byte key. */
	sa = cbc_sa(ESP_CIPHER_AES_CBC, "00112233445566778899aabbccddeeff", ESP_AUTH_HMAC_SHA1_96,
	            16, 1);
	assert_int_equal(esp_crypto_init(&c, &sa, true, NULL), -1);
	/* CBC without integrity. */
	sa = cbc_sa(ESP_CIPHER_AES_CBC, "00112233445566778899aabbccddeeff", ESP_AUTH_NONE, 0, 0);
	assert_int_equal(esp_crypto_init(&c, &sa, true, NULL), -1);
	/* GCM with a separate integrity algorithm. */
	sa = cbc_sa(ESP_CIPHER_AES_GCM_16, "00112233445566778899aabbccddeeff01020304",
	            ESP_AUTH_HMAC_SHA1_96, 20, 1);
	assert_int_equal(esp_crypto_init(&c, &sa, true, NULL), -1);
	/* GCM key without salt. */
	sa = cbc_sa(ESP_CIPHER_AES_GCM_16, "00112233445566778899aabbccddeeff", ESP_AUTH_NONE, 0, 0);
	assert_int_equal(esp_crypto_init(&c, &sa, true, NULL), -1);
	/* Unknown enum values. */
	sa = cbc_sa(ESP_CIPHER_AES_CBC, "00112233445566778899aabbccddeeff", (enum esp_auth)77, 20,
	            1);
	assert_int_equal(esp_crypto_init(&c, &sa, true, NULL), -1);
	sa = cbc_sa((enum esp_cipher)77, "00112233445566778899aabbccddeeff", ESP_AUTH_HMAC_SHA1_96,
	            20, 1);
	assert_int_equal(esp_crypto_init(&c, &sa, true, NULL), -1);
}

/* esp_hmac (RFC 2104 over OpenSSL's digests) against OpenSSL's own HMAC for
 * keys shorter than, as long as and longer than a block (hashed first) and
 * data around block boundaries; an unknown digest is refused. */
static void test_hmac_matches_evp_mac(void **state)
{
	static const char *const digests[] = {"MD5", "SHA1", "SHA256", "SHA384", "SHA512"};
	static const size_t key_lens[] = {1, 20, 64, 65, 128, 131};
	static const size_t data_lens[] = {0, 1, 55, 56, 63, 64, 65, 127, 128, 129, 1400};
	uint8_t key[131], data[1400], ours[64], theirs[64];

	(void)state;
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 13 + 1);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);
	for (size_t d = 0; d < sizeof(digests) / sizeof(digests[0]); d++)
		for (size_t k = 0; k < sizeof(key_lens) / sizeof(key_lens[0]); k++) {
			struct esp_hmac *h = esp_hmac_new(digests[d], key, key_lens[k], NULL);

			assert_non_null(h);
			for (size_t n = 0; n < sizeof(data_lens) / sizeof(data_lens[0]); n++) {
				size_t outl = 0;

				assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, digests[d], NULL, key,
				                          key_lens[k], data, data_lens[n], theirs,
				                          sizeof(theirs), &outl));
				assert_int_equal(esp_hmac_len(h), outl);
				assert_int_equal(esp_hmac_compute(h, data, data_lens[n], ours), 0);
				assert_memory_equal(ours, theirs, outl);
			}
			esp_hmac_free(h);
		}
	assert_null(esp_hmac_new("SHA3-256", key, 32, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cbc_known_answers),
	    cmocka_unit_test(test_hmac_known_answers),
	    cmocka_unit_test(test_hmac_matches_evp_mac),
	    cmocka_unit_test(test_gcm_known_answers),
	    cmocka_unit_test(test_ivs_are_unpredictable_and_unique),
	    cmocka_unit_test(test_rejects_bad_parameters),
	};

	return cmocka_run_group_tests_name("esp_crypto", tests, NULL, NULL);
}
