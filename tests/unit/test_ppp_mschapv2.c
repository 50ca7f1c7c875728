/* Unit tests for ppp/mschapv2 and ppp/crypto: RFC 2759 §9.2 vectors,
 * CHAP-MD5, and the tolerant parsing of Success/Failure messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/hex.h"
#include "ppp/mschapv2.h"
#include "ppp/ppp_internal.h"

static const char rfc_user[] = "User";
static const char rfc_pass[] = "clientPass";
static const char rfc_s[] = "S=407A5589115FD0D6209F510FE9C04566932CDA56";

static void unhex(const char *h, uint8_t *out, size_t n)
{
	assert_int_equal(hex_decode(h, out, n), (long)n);
}

static int setup(void **state)
{
	static struct ppp_crypto c;

	if (ppp_crypto_init(&c) < 0 || ppp_crypto_legacy_load(&c) < 0)
		return -1;
	*state = &c;
	return 0;
}

static int teardown(void **state)
{
	ppp_crypto_free(*state);
	return 0;
}

static void rfc_challenges(uint8_t auth[16], uint8_t peer[16])
{
	unhex("5B5D7C7D7B3F2F3E3C2C602132262628", auth, 16);
	unhex("21402324255E262A28295F2B3A337C7E", peer, 16);
}

static void test_rfc2759_password_hash(void **state)
{
	uint8_t hash[16], want[16];

	unhex("44EBBA8D5312B8D611474411F56989AE", want, 16);
	assert_int_equal(
	    mschap_nt_password_hash(*state, (const uint8_t *)rfc_pass, strlen(rfc_pass), hash), 0);
	assert_memory_equal(hash, want, 16);
}

static void test_rfc2759_challenge_hash(void **state)
{
	uint8_t auth[16], peer[16], chal[8], want[8];

	rfc_challenges(auth, peer);
	unhex("D02E4386BCE91226", want, 8);
	assert_int_equal(mschapv2_challenge_hash(*state, peer, auth, rfc_user, chal), 0);
	assert_memory_equal(chal, want, 8);
	/* §8.2: a "DOMAIN\" prefix is not hashed. */
	assert_int_equal(mschapv2_challenge_hash(*state, peer, auth, "CORP\\User", chal), 0);
	assert_memory_equal(chal, want, 8);
}

static void test_rfc2759_nt_response(void **state)
{
	uint8_t auth[16], peer[16], nt[24], want[24];

	rfc_challenges(auth, peer);
	unhex("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF", want, 24);
	assert_int_equal(mschapv2_nt_response(*state, auth, peer, rfc_user,
	                                      (const uint8_t *)rfc_pass, strlen(rfc_pass), nt),
	                 0);
	assert_memory_equal(nt, want, 24);
}

static void test_rfc2759_authenticator_response(void **state)
{
	uint8_t auth[16], peer[16], nt[24];
	char s[MSCHAPV2_AUTH_RESPONSE_LEN + 1];

	rfc_challenges(auth, peer);
	unhex("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF", nt, 24);
	assert_int_equal(mschapv2_authenticator_response(*state, (const uint8_t *)rfc_pass,
	                                                 strlen(rfc_pass), nt, peer, auth, rfc_user,
	                                                 s),
	                 0);
	assert_string_equal(s, rfc_s);
	/* A different password gives a different answer. */
	assert_int_equal(mschapv2_authenticator_response(*state, (const uint8_t *)"clientPasS", 10,
	                                                 nt, peer, auth, rfc_user, s),
	                 0);
	assert_string_not_equal(s, rfc_s);
}

static void test_password_utf16_conversion(void **state)
{
	/* "pässwörd€😀" in UTF-8; MD4 of its UTF-16LE computed with openssl. */
	static const uint8_t pw[] = "p\xc3\xa4sswo\xcc\x88rd";
	static const uint8_t pw2[] = "p\xc3\xa4ssw\xc3\xb6rd\xe2\x82\xac\xf0\x9f\x98\x80";
	uint8_t hash[16], want[16], other[16];

	unhex("343b5f56098bef0de4739d82d102f3ca", want, 16);
	assert_int_equal(mschap_nt_password_hash(*state, pw2, sizeof(pw2) - 1, hash), 0);
	assert_memory_equal(hash, want, 16);
	/* A decomposed umlaut is other code points: another hash. */
	assert_int_equal(mschap_nt_password_hash(*state, pw, sizeof(pw) - 1, other), 0);
	assert_memory_not_equal(other, want, 16);
	/* Invalid UTF-8 is taken as Latin-1 rather than refused. */
	assert_int_equal(mschap_nt_password_hash(*state, (const uint8_t *)"\xff\xc3", 2, hash), 0);
}

static void test_password_too_long(void **state)
{
	uint8_t pw[257], hash[16];

	memset(pw, 'a', sizeof(pw));
	assert_int_equal(mschap_nt_password_hash(*state, pw, 256, hash), 0);
	assert_int_equal(mschap_nt_password_hash(*state, pw, 257, hash), -1);
}

static void test_chap_md5_computed_example(void **state)
{
	uint8_t chal[16], out[16], want[16];

	for (int i = 0; i < 16; i++)
		chal[i] = (uint8_t)i;
	/* python3: hashlib.md5(bytes([42]) + b"secret" + bytes(range(16))) */
	unhex("03dc98c5a832692b49df73cf48fcb4e9", want, 16);
	assert_int_equal(chap_md5_response(*state, 42, (const uint8_t *)"secret", 6, chal, 16, out),
	                 0);
	assert_memory_equal(out, want, 16);
	assert_int_equal(chap_md5_response(*state, 43, (const uint8_t *)"secret", 6, chal, 16, out),
	                 0);
	assert_memory_not_equal(out, want, 16);
}

static int check(const char *msg, char *text, size_t textsz)
{
	return mschapv2_check_success(rfc_s, (const uint8_t *)msg, strlen(msg), text, textsz);
}

static void test_success_well_formed(void **state)
{
	char text[64];

	(void)state;
	assert_int_equal(
	    check("S=407A5589115FD0D6209F510FE9C04566932CDA56 M=Welcome", text, sizeof(text)), 0);
	assert_string_equal(text, "Welcome");
}

static void test_success_rras_quirks(void **state)
{
	char text[64];
	static const uint8_t with_nul[] = "S=407A5589115FD0D6209F510FE9C04566932CDA56";

	(void)state;
	/* Just S=, no message. */
	assert_int_equal(check("S=407A5589115FD0D6209F510FE9C04566932CDA56", text, sizeof(text)),
	                 0);
	assert_string_equal(text, "");
	/* M= without the space. */
	assert_int_equal(
	    check("S=407A5589115FD0D6209F510FE9C04566932CDA56M=hi", text, sizeof(text)), 0);
	assert_string_equal(text, "hi");
	/* Lower-case hex. */
	assert_int_equal(
	    check("S=407a5589115fd0d6209f510fe9c04566932cda56 M=x", text, sizeof(text)), 0);
	/* Trailing NUL counted in the length. */
	assert_int_equal(
	    mschapv2_check_success(rfc_s, with_nul, sizeof(with_nul), text, sizeof(text)), 0);
	/* Odd M= part: empty, or garbage bytes. */
	assert_int_equal(check("S=407A5589115FD0D6209F510FE9C04566932CDA56 M=", text, sizeof(text)),
	                 0);
	assert_int_equal(
	    check("S=407A5589115FD0D6209F510FE9C04566932CDA56 \x01M=\x7f", text, sizeof(text)), 0);
	assert_string_equal(text, "?");
}

static void test_success_wrong_or_missing(void **state)
{
	char text[64];

	(void)state;
	assert_int_equal(
	    check("S=407A5589115FD0D6209F510FE9C04566932CDA57 M=x", text, sizeof(text)), -1);
	assert_int_equal(check("S=407A5589115FD0D6209F510FE9C04566932CDA5", text, sizeof(text)),
	                 -1);
	assert_int_equal(check("M=Welcome", text, sizeof(text)), -1);
	assert_int_equal(check("", text, sizeof(text)), -1);
	assert_int_equal(check("XS=407A5589115FD0D6209F510FE9C04566932CDA56", text, sizeof(text)),
	                 -1);
}

static void test_failure_parsing(void **state)
{
	struct mschapv2_failure f;
	static const char m1[] = "E=691 R=0 C=00000000000000000000000000000000 V=3 M=Bad password";
	static const char m2[] = "E=648 R=1";
	static const char m3[] = "garbage";

	(void)state;
	mschapv2_parse_failure((const uint8_t *)m1, strlen(m1), &f);
	assert_int_equal(f.error, 691);
	assert_false(f.retry);
	assert_string_equal(f.text, "Bad password");
	assert_string_equal(mschapv2_error_name(f.error), "authentication failure");
	mschapv2_parse_failure((const uint8_t *)m2, strlen(m2), &f);
	assert_int_equal(f.error, 648);
	assert_true(f.retry);
	mschapv2_parse_failure((const uint8_t *)m3, strlen(m3), &f);
	assert_int_equal(f.error, -1);
	assert_string_equal(f.text, "garbage");
	mschapv2_parse_failure((const uint8_t *)"E=", 2, &f);
	assert_int_equal(f.error, -1);
	mschapv2_parse_failure(NULL, 0, &f);
	assert_int_equal(f.error, -1);
}

static void test_des_key_expansion(void **state)
{
	/* RFC 2759 §9.2 intermediate: first DES block of the NT-Response is
	 * DES(key = hash[0..6], ChallengeHash). */
	uint8_t key[7], chal[8], out[8], want[8];

	unhex("44EBBA8D5312B8", key, 7);
	unhex("D02E4386BCE91226", chal, 8);
	unhex("82309ECD8D708B5E", want, 8);
	assert_int_equal(ppp_crypto_des7(*state, key, chal, out), 0);
	assert_memory_equal(out, want, 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc2759_password_hash),
	    cmocka_unit_test(test_rfc2759_challenge_hash),
	    cmocka_unit_test(test_rfc2759_nt_response),
	    cmocka_unit_test(test_rfc2759_authenticator_response),
	    cmocka_unit_test(test_password_utf16_conversion),
	    cmocka_unit_test(test_password_too_long),
	    cmocka_unit_test(test_chap_md5_computed_example),
	    cmocka_unit_test(test_success_well_formed),
	    cmocka_unit_test(test_success_rras_quirks),
	    cmocka_unit_test(test_success_wrong_or_missing),
	    cmocka_unit_test(test_failure_parsing),
	    cmocka_unit_test(test_des_key_expansion),
	};

	return cmocka_run_group_tests_name("ppp_mschapv2", tests, setup, teardown);
}
