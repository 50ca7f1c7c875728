/* Unit tests for the IKEv1 key schedule, IVs, hashes, KEYMAT and NAT-D, checked
 * against an exchange captured from strongSwan charon, plus DH agreement and
 * the CBC message framing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ike/crypto.h"
#include "ike/isakmp.h"
#include "ike/natt.h"
#include "lib/buf.h"
#include "lib/hex.h"

/* Captured from strongSwan 5.9 charon (IKEv1 responder, loglevel 4) against
 * tests/ike/ike-connect through a MASQUERADE NAT: aes128-sha1-modp2048 with
 * PSK, ESP aes128-sha1, no PFS. charon logged g^xy, SKEYID*, Ka, the IVs,
 * the HASH_I/HASH_R inputs and outputs, Hash(3) and the ESP keys; the nonces
 * come from our debug log. Quick Mode M-ID 3891926177, SPIs in 675f2636
 * (ours) / out cf8d127f (the gateway's). Client 10.1.0.2:500 behind NAT,
 * gateway 172.16.0.2:500. */
static const char cap_psk[] = "l2tpsec-test-psk-30989";
static const char cap_ni[] = "495fe5eb5814a6493630fb55d12a6833d452633d01992463b28a27178e32d9a7";
static const char cap_nr[] = "25623cb0398d1fb20afb40d3916a54edb95eeb0ab3b4f293d631815dd76014f4";
static const char cap_gxy[] = "a3a130074c0553c5899fe4e33bd118dcbedaec41d55a0340722189e2c5a3c915"
                              "6202cc3e5286d9780e00b9d566786ead458410d304f7ca7a33fac0676ab2306b"
                              "8d5add236faa626499bc7afca8f2a1c85435862dca454f0649baec835abada22"
                              "91d7efb4b830cc1433c210c8c223f23c6910a4cb1d3077955dc6ec127ca1105a"
                              "5871a0bac7929c0cde50503bd9c5b06794f7f76016550e4ac36b3fc7678c5d48"
                              "f7bec829341e850917f8f08c4ed5cf8a6164a6fd2ab22c3bb6af7e17434424bc"
                              "aa06adcb53eaa7ad8eb2eff4276e91e783b99c2d7c9e18fdb9aac290d63ebdf4"
                              "181b4e61cf5b237d8882f96dd2b7fa7903e3676cfc6486196164df68635d9b23";
static const char cap_gxi[] = "cdb182adb43f52c87f45f1d9ee7be7e5e05e527597447b19dc008f55a8e5b553"
                              "59fc916ab6e074047f3e28339cf0a8eb11a6b3135947a15a018ca9bec74529fa"
                              "b4a382e02a355e006bc09a2d3e4ddbf37a1b56515eda668f62274b085e7146e3"
                              "d0817361ebf05a9afffed78c40eaa0b4b0a7c18cea33e83e6b3199fa1f0afa6d"
                              "c2adaad87455f53d1ce607240f0d44608a1ef26cf7ba2ab918be14c9d89b8e1a"
                              "9e0ecfd5966d9714cd1116fdb4719f6ccf19ec03ba426571857632762edae9f5"
                              "dfbedb411d4b99f3e867dc4b406a0a6eeb6ad6c136855a87258997569baf9673"
                              "77075431d84f6e15322162f8e6663fccdf2f6ec0cc8cc9fd1ac18aeaffe41e7b";
static const char cap_gxr[] = "3f5eb2fd029a82d04db45ce8e3f04a31b2e2b72ccbd9612c02486f6d593ba5b1"
                              "4cc3bb9533eda1da1f0f83cadc0a994b5c075e76a8c8cce0fed477d4480f02c5"
                              "13856367714d224a2b2982807e59b59015dbbf18994e0ef302ab2d426296750d"
                              "24862430098b8ea8f06d5c15f69df51220eddd7fba81ea7592a23be06d81565b"
                              "0c42e4ad19c71e69070e31a07d9155158d97df8ec5823a4b3e15c2b5a6c3a4ec"
                              "82cd230487cb3b82e16a1bbf6c79eb9d36e8f8fa3a6bf23bd3e897c64cf1a316"
                              "7e6bc4cda23ed56b719b9bcc731864887fcbcafdc57cd0e506ad106261fd6e2c"
                              "38fe78c8d0ae9e092513c0cccc3f8f31f65af349f50debcb6d2605f125be5d22";
static const char cap_icookie[] = "ebc6acd77f2cf0cc";
static const char cap_rcookie[] = "9fe90f34ec911a88";
static const char cap_sai_b[] = "00000001000000010000002c01010001000000240101000080010007800e0080"
                                "80020002800300018004000e800b0001800c7080";
static const char cap_idii_b[] = "010000000a010002";
static const char cap_idir_b[] = "01000000ac100002";
static const char cap_skeyid[] = "e047ccb6115e02d5053524ec193369ab1b9b1a77";
static const char cap_skeyid_d[] = "c8e872913288483ef364fd5f083f65be5b3fa788";
static const char cap_skeyid_a[] = "b249d6cf0190c883c2e077b9b86eb21ddb9f7b30";
static const char cap_skeyid_e[] = "9c1e6d2b4e82eebfc8d1154be495e2ac8e00e761";
static const char cap_ka[] = "9c1e6d2b4e82eebfc8d1154be495e2ac";
static const char cap_iv0[] = "15d62a0732ad4d40245adcbd4bc908ff";
static const char cap_iv_p1_last[] = "3d61bc7596cb4cbe03e1ddb5b2e5fcb8";
static const char cap_iv_qm[] = "a165b64d6e7d5c2876a1bbf88918a6df";
static const char cap_hash_i[] = "c6d605c9921768487fff4c8fd6112cec5f7d1717";
static const char cap_hash_r[] = "f8e3861a6d395c622c1f0206d43d2525276a68d4";
static const char cap_qm_ni[] = "07a77dc64a5286984076d2975a08cd45185aa33bf9f209f0da4e0c6211a845d0";
static const char cap_qm_nr[] = "40a712c0c4f2f07b45a41abb4d2ac93deb98c9d24b8dd77531b2831022b98f2d";
static const char cap_hash3[] = "7a84f817aed620de934cbec14dc54369628e24e5";
static const char cap_enc_i[] = "2ae294731f907648307e1fc4831c35b1";
static const char cap_enc_r[] = "5fcbfe41c994b01e988f550eb5d39290";
static const char cap_int_i[] = "e2b8c8cd657585b07fbaefc1d90c339acd7c446e";
static const char cap_int_r[] = "08aa5ada069c88113b95ba6993d35aa2e4d1ae4f";
static const char cap_natd_gw[] = "ae7499ec8ede875aa02bce5fc3fc8cd9a1b85f1d";
static const char cap_natd_client[] = "ad041c49d9f4ffb13cfbdd8c2069d28ede0aa10c";

#define CAP_QM_MSGID 3891926177u
#define CAP_SPI_IN   0x675f2636u
#define CAP_SPI_OUT  0xcf8d127fu

struct vec {
	uint8_t b[600];
	size_t n;
};

static struct vec V(const char *hex) {
	struct vec v;
	long n = hex_decode(hex, v.b, sizeof(v.b));

	assert_true(n >= 0);
	v.n = (size_t)n;
	return v;
}

static void
assert_vec(const uint8_t *got, size_t len, const char *want_hex)
{
	struct vec want = V(want_hex);

	assert_int_equal(len, want.n);
	assert_memory_equal(got, want.b, len);
}

/* SKEYID..Ka from the capture's PSK, nonces, g^xy and cookies. */
static void derive_capture(struct ike_p1_keys *k)
{
	struct vec ni = V(cap_ni), nr = V(cap_nr), gxy = V(cap_gxy);
	struct vec ic = V(cap_icookie), rc = V(cap_rcookie);

	memset(k, 0, sizeof(*k));
	k->hash = IKE_HASH_SHA1;
	assert_int_equal(ike_skeyid_psk(NULL, IKE_HASH_SHA1, (const uint8_t *)cap_psk,
	                                strlen(cap_psk), ni.b, ni.n, nr.b, nr.n, k->skeyid),
	                 0);
	assert_int_equal(ike_p1_derive(NULL, k, gxy.b, gxy.n, ic.b, rc.b, 16), 0);
}

static void test_skeyid_chain_matches_charon(void **state)
{
	struct ike_p1_keys k;

	(void)state;
	derive_capture(&k);
	assert_vec(k.skeyid, 20, cap_skeyid);
	assert_vec(k.skeyid_d, 20, cap_skeyid_d);
	assert_vec(k.skeyid_a, 20, cap_skeyid_a);
	assert_vec(k.skeyid_e, 20, cap_skeyid_e);
	assert_int_equal(k.enc_key_len, 16);
	assert_vec(k.enc_key, 16, cap_ka);
}

static void test_wrong_psk_gives_other_skeyid(void **state)
{
	struct vec ni = V(cap_ni), nr = V(cap_nr), want = V(cap_skeyid);
	uint8_t skeyid[IKE_MAX_HASH];

	(void)state;
	assert_int_equal(ike_skeyid_psk(NULL, IKE_HASH_SHA1, (const uint8_t *)"wrong", 5, ni.b,
	                                ni.n, nr.b, nr.n, skeyid),
	                 0);
	assert_memory_not_equal(skeyid, want.b, 20);
}

static void test_phase1_iv_matches_charon(void **state)
{
	struct vec gxi = V(cap_gxi), gxr = V(cap_gxr);
	uint8_t iv[16];

	(void)state;
	assert_int_equal(ike_iv_p1(NULL, IKE_HASH_SHA1, gxi.b, gxi.n, gxr.b, gxr.n, iv, 16), 0);
	assert_vec(iv, 16, cap_iv0);
}

static void test_phase2_iv_matches_charon(void **state)
{
	struct vec last = V(cap_iv_p1_last);
	uint8_t iv[16];

	(void)state;
	assert_int_equal(ike_iv_p2(NULL, IKE_HASH_SHA1, last.b, 16, CAP_QM_MSGID, iv), 0);
	assert_vec(iv, 16, cap_iv_qm);
}

static void test_hash_i_and_hash_r_match_charon(void **state)
{
	struct ike_p1_keys k;
	struct vec gxi = V(cap_gxi), gxr = V(cap_gxr), ic = V(cap_icookie), rc = V(cap_rcookie);
	struct vec sai = V(cap_sai_b), idii = V(cap_idii_b), idir = V(cap_idir_b);
	uint8_t h[IKE_MAX_HASH];

	(void)state;
	derive_capture(&k);
	assert_int_equal(ike_auth_hash(NULL, &k, true, gxi.b, gxi.n, gxr.b, gxr.n, ic.b, rc.b,
	                               sai.b, sai.n, idii.b, idii.n, h),
	                 0);
	assert_vec(h, 20, cap_hash_i);
	assert_int_equal(ike_auth_hash(NULL, &k, false, gxi.b, gxi.n, gxr.b, gxr.n, ic.b, rc.b,
	                               sai.b, sai.n, idir.b, idir.n, h),
	                 0);
	assert_vec(h, 20, cap_hash_r);
	/* Our IDii_b was IPV4_ADDR 10.1.0.2, protocol and port zero. */
	assert_int_equal(idii.n, 8);
	assert_int_equal(idii.b[0], ID_IPV4_ADDR);
}

/* ECDSA-256 after a SHA-1 phase 1 (RFC 4754 §3, strongSwan's keymat_v1.c):
 * HASH_I is HMAC-SHA-256 keyed with the (20-byte) SKEYID over the same
 * bytes, 32 bytes long, not the negotiated prf's 20. */
static void test_ecdsa_hash_i_uses_the_curves_hash(void **state)
{
	struct ike_p1_keys k;
	struct vec gxi = V(cap_gxi), gxr = V(cap_gxr), ic = V(cap_icookie), rc = V(cap_rcookie);
	struct vec sai = V(cap_sai_b), idii = V(cap_idii_b);
	uint8_t h[IKE_MAX_HASH], want[EVP_MAX_MD_SIZE], data[4096];
	unsigned want_len = 0;
	size_t n = 0;

	(void)state;
	derive_capture(&k);
	assert_int_equal(k.prf_len, 20);
	assert_int_equal(ike_auth_hash_prf(NULL, &k, IKE_HASH_SHA256, true, gxi.b, gxi.n, gxr.b,
	                                   gxr.n, ic.b, rc.b, sai.b, sai.n, idii.b, idii.n, h),
	                 0);
	memcpy(data + n, gxi.b, gxi.n), n += gxi.n;
	memcpy(data + n, gxr.b, gxr.n), n += gxr.n;
	memcpy(data + n, ic.b, 8), n += 8;
	memcpy(data + n, rc.b, 8), n += 8;
	memcpy(data + n, sai.b, sai.n), n += sai.n;
	memcpy(data + n, idii.b, idii.n), n += idii.n;
	assert_non_null(HMAC(EVP_sha256(), k.skeyid, (int)k.prf_len, data, n, want, &want_len));
	assert_int_equal(want_len, 32);
	assert_memory_equal(h, want, 32);
	/* the negotiated prf gives charon's SHA-1 HASH_I, as before */
	assert_int_equal(ike_auth_hash_prf(NULL, &k, k.hash, true, gxi.b, gxi.n, gxr.b, gxr.n, ic.b,
	                                   rc.b, sai.b, sai.n, idii.b, idii.n, h),
	                 0);
	assert_vec(h, 20, cap_hash_i);
}

static void test_hash3_matches_charon(void **state)
{
	struct ike_p1_keys k;
	struct vec ni = V(cap_qm_ni), nr = V(cap_qm_nr);
	uint8_t h[IKE_MAX_HASH];

	(void)state;
	derive_capture(&k);
	assert_int_equal(ike_qm_hash3(NULL, &k, CAP_QM_MSGID, ni.b, ni.n, nr.b, nr.n, h), 0);
	assert_vec(h, 20, cap_hash3);
}

/* KEYMAT per direction, keyed by the receiver's SPI: charon's "initiator"
 * keys protect our outbound SA (its SPI), the "responder" keys our inbound. */
static void test_keymat_matches_charon(void **state)
{
	struct ike_p1_keys k;
	struct vec ni = V(cap_qm_ni), nr = V(cap_qm_nr);
	uint8_t km[36], spi[4];

	(void)state;
	derive_capture(&k);
	put_be32(spi, CAP_SPI_OUT);
	assert_int_equal(ike_keymat(NULL, &k, NULL, 0, PROTO_IPSEC_ESP, spi, ni.b, ni.n, nr.b, nr.n,
	                            km, sizeof(km)),
	                 0);
	assert_vec(km, 16, cap_enc_i);
	assert_vec(km + 16, 20, cap_int_i);
	put_be32(spi, CAP_SPI_IN);
	assert_int_equal(ike_keymat(NULL, &k, NULL, 0, PROTO_IPSEC_ESP, spi, ni.b, ni.n, nr.b, nr.n,
	                            km, sizeof(km)),
	                 0);
	assert_vec(km, 16, cap_enc_r);
	assert_vec(km + 16, 20, cap_int_r);
}

static void sockaddr4(struct sockaddr_in *in, const char *ip, uint16_t port)
{
	memset(in, 0, sizeof(*in));
	in->sin_family = AF_INET;
	in->sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, ip, &in->sin_addr), 1);
}

/* charon hashed 172.16.0.2:500 to natd_gw and received natd_client from us. */
static void test_natd_matches_charon(void **state)
{
	struct vec ic = V(cap_icookie), rc = V(cap_rcookie);
	struct sockaddr_in gw, client;
	uint8_t h[IKE_MAX_HASH];

	(void)state;
	sockaddr4(&gw, "172.16.0.2", 500);
	sockaddr4(&client, "10.1.0.2", 500);
	assert_int_equal(ike_natt_hash(NULL, IKE_HASH_SHA1, ic.b, rc.b, (struct sockaddr *)&gw, h),
	                 20);
	assert_vec(h, 20, cap_natd_gw);
	assert_int_equal(
	    ike_natt_hash(NULL, IKE_HASH_SHA1, ic.b, rc.b, (struct sockaddr *)&client, h), 20);
	assert_vec(h, 20, cap_natd_client);
	/* The port is part of the hash: 4500 gives another value. */
	client.sin_port = htons(4500);
	ike_natt_hash(NULL, IKE_HASH_SHA1, ic.b, rc.b, (struct sockaddr *)&client, h);
	assert_memory_not_equal(h, V(cap_natd_client).b, 20);
}

/* Appendix B: with SHA1 (20 bytes) a 3DES key (24) is K1 | K2 with
 * K1 = prf(SKEYID_e, 0) and K2 = prf(SKEYID_e, K1). */
static void test_key_expansion_for_3des(void **state)
{
	struct ike_p1_keys k;
	struct vec gxy = V(cap_gxy), ic = V(cap_icookie), rc = V(cap_rcookie);
	uint8_t k1[20], k2[20];
	static const uint8_t zero = 0;
	struct iov v = {&zero, 1};

	(void)state;
	derive_capture(&k);
	assert_int_equal(ike_p1_derive(NULL, &k, gxy.b, gxy.n, ic.b, rc.b, 24), 0);
	assert_int_equal(ike_prf(NULL, IKE_HASH_SHA1, k.skeyid_e, 20, &v, 1, k1), 0);
	v = (struct iov){k1, 20};
	assert_int_equal(ike_prf(NULL, IKE_HASH_SHA1, k.skeyid_e, 20, &v, 1, k2), 0);
	assert_int_equal(k.enc_key_len, 24);
	assert_memory_equal(k.enc_key, k1, 20);
	assert_memory_equal(k.enc_key + 20, k2, 4);
	/* AES-256 with SHA-256 needs no expansion: Ka is SKEYID_e's head. */
	k.hash = IKE_HASH_SHA256;
	assert_int_equal(ike_p1_derive(NULL, &k, gxy.b, gxy.n, ic.b, rc.b, 32), 0);
	assert_memory_equal(k.enc_key, k.skeyid_e, 32);
}

/* Encrypting pads to the block size, sets the E flag and leaves the last
 * ciphertext block as the next IV; decrypting restores the body. */
static void test_message_encrypt_decrypt_chain(void **state)
{
	struct ike_p1_keys k = {.hash = IKE_HASH_SHA1};
	uint8_t msg[256], plain[256], iv_e[16], iv_d[16];
	const uint16_t encs[] = {IKE_ENC_AES, IKE_ENC_3DES};

	(void)state;
	for (size_t e = 0; e < 2; e++) {
		size_t block = ike_cipher_block(encs[e]), len;

		k.enc_key_len = encs[e] == IKE_ENC_AES ? 32 : 24;
		memset(k.enc_key, 0x42, sizeof(k.enc_key));
		memset(msg, 0, sizeof(msg));
		for (size_t i = ISAKMP_HDR_LEN; i < ISAKMP_HDR_LEN + 37; i++)
			msg[i] = (uint8_t)i;
		memset(iv_e, 7, sizeof(iv_e));
		memcpy(iv_d, iv_e, sizeof(iv_d));
		len =
		    ike_encrypt_msg(NULL, &k, encs[e], iv_e, msg, ISAKMP_HDR_LEN + 37, sizeof(msg));
		assert_int_equal((len - ISAKMP_HDR_LEN) % block, 0);
		assert_true(len >= ISAKMP_HDR_LEN + 37);
		assert_int_equal(get_be32(msg + 24), len);
		assert_true(msg[19] & ISAKMP_FLAG_ENC);
		assert_memory_equal(iv_e, msg + len - block, block);
		assert_int_equal(ike_decrypt_msg(NULL, &k, encs[e], iv_d, msg, len, plain), 0);
		for (size_t i = 0; i < 37; i++)
			assert_int_equal(plain[i], (uint8_t)(i + ISAKMP_HDR_LEN));
		assert_memory_equal(iv_d, iv_e, block);
		/* A body that is not a whole number of blocks is refused. */
		assert_int_equal(ike_decrypt_msg(NULL, &k, encs[e], iv_d, msg, len - 1, plain), -1);
	}
}

static void test_dh_agreement_every_group(void **state)
{
	const uint16_t groups[] = {1, 2, 5, 14, 19, 20, 21};

	(void)state;
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		struct ike_dh *a = ike_dh_new(NULL, groups[i]), *b = ike_dh_new(NULL, groups[i]);
		uint8_t pa[IKE_MAX_DH], pb[IKE_MAX_DH], sa[IKE_MAX_DH], sb[IKE_MAX_DH];
		size_t la = sizeof(pa), lb = sizeof(pb), lsa = sizeof(sa), lsb = sizeof(sb);

		assert_non_null(a);
		assert_non_null(b);
		assert_int_equal(ike_dh_public(a, pa, &la), 0);
		assert_int_equal(ike_dh_public(b, pb, &lb), 0);
		assert_int_equal(la, ike_dh_pub_len(groups[i]));
		assert_int_equal(lb, la);
		assert_int_equal(ike_dh_shared(a, pb, lb, sa, &lsa), 0);
		assert_int_equal(ike_dh_shared(b, pa, la, sb, &lsb), 0);
		assert_int_equal(lsa, lsb);
		assert_memory_equal(sa, sb, lsa);
		/* Wrong length and degenerate values are refused. */
		assert_int_equal(ike_dh_shared(a, pb, lb - 1, sa, &lsa), -1);
		memset(pb, 0, lb);
		lsa = sizeof(sa);
		assert_int_equal(ike_dh_shared(a, pb, lb, sa, &lsa), -1);
		if (groups[i] < 19) {
			pb[lb - 1] = 1; /* g^y = 1 */
			lsa = sizeof(sa);
			assert_int_equal(ike_dh_shared(a, pb, lb, sa, &lsa), -1);
		}
		ike_dh_free(a);
		ike_dh_free(b);
	}
	assert_null(ike_dh_new(NULL, 3));
	assert_false(ike_dh_supported(22));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_skeyid_chain_matches_charon),
	    cmocka_unit_test(test_wrong_psk_gives_other_skeyid),
	    cmocka_unit_test(test_phase1_iv_matches_charon),
	    cmocka_unit_test(test_phase2_iv_matches_charon),
	    cmocka_unit_test(test_hash_i_and_hash_r_match_charon),
	    cmocka_unit_test(test_ecdsa_hash_i_uses_the_curves_hash),
	    cmocka_unit_test(test_hash3_matches_charon),
	    cmocka_unit_test(test_keymat_matches_charon),
	    cmocka_unit_test(test_natd_matches_charon),
	    cmocka_unit_test(test_key_expansion_for_3des),
	    cmocka_unit_test(test_message_encrypt_decrypt_chain),
	    cmocka_unit_test(test_dh_agreement_every_group),
	};

	return cmocka_run_group_tests_name("ike_crypto", tests, NULL, NULL);
}
