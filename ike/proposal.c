/* Proposal strings in strongSwan syntax, expanded to IKEv1 transforms. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ike/crypto.h"
#include "ike/isakmp.h"
#include "ike/proposal.h"
#include "lib/util.h"

/* Strongest first, ending with 3des-sha1-modp1024 for legacy gateways: the
 * NetworkManager-l2tp Windows 10 + iOS list, reordered by strength, with
 * aes128-sha2_256-modp2048 for strict gateways that pin AES-128 and
 * aes128-sha1-modp2048 (MikroTik's default profile, which would otherwise
 * settle on 3DES). A strict aes256-sha256-modp2048 gateway takes the first
 * transform, a Windows XP era one the last. Thirteen transforms in one
 * proposal (RFC 2409 §5: the responder picks one); strongSwan and Libreswan
 * take them all (tests/interop/scenarios/guest/gw-*.sh). */
static const char default_ike[] =
    "aes256-sha2_256-modp2048,aes128-sha2_256-modp2048,aes256-sha1-ecp384,"
    "aes256-sha1-modp2048,aes128-sha1-modp2048,aes128-sha1-ecp256,aes256-sha2_256-modp1536,"
    "aes256-sha1-modp1536,"
    "aes256-sha2_256-modp1024,aes256-sha1-modp1024,aes128-sha1-modp1024,"
    "3des-sha1-modp2048,3des-sha1-modp1024";
/* Quick Mode: everything both data paths implement, strongest first. Extra
 * transforms cost a few bytes in QM1 and nothing else, and a narrow list
 * fails against strict gateways (AES-GCM or SHA-256 only). HMAC-SHA-256 is
 * the RFC 4868 128-bit ICV; a peer that truncates to 96 bits is detected
 * on its first packet (esp/esp_user.c, esp/datapath.c). 3DES last. */
static const char default_esp[] = "aes256gcm16,aes128gcm16,aes256-sha256,aes128-sha256,"
                                  "aes256-sha1,aes128-sha1,3des-sha1";

enum tok_kind { TOK_CIPHER, TOK_HASH, TOK_GROUP };

struct token {
	const char *name;
	enum tok_kind kind;
	uint16_t id; /* IKE_ENC_* / ESP_T_*, IKE_HASH_* / AUTH_ALG_*, group */
	uint16_t bits;
	int esp; /* 0 = IKE only, 1 = ESP only, 2 = both */
	enum esp_cipher cipher;
	enum esp_auth auth;
};

#define IKE_ONLY 0
#define ESP_ONLY 1
#define BOTH     2

static const struct token tokens[] = {
    {"aes128", TOK_CIPHER, IKE_ENC_AES, 128, IKE_ONLY, 0, 0},
    {"aes192", TOK_CIPHER, IKE_ENC_AES, 192, IKE_ONLY, 0, 0},
    {"aes256", TOK_CIPHER, IKE_ENC_AES, 256, IKE_ONLY, 0, 0},
    {"aes", TOK_CIPHER, IKE_ENC_AES, 128, IKE_ONLY, 0, 0},
    {"3des", TOK_CIPHER, IKE_ENC_3DES, 0, IKE_ONLY, 0, 0},
    {"des", TOK_CIPHER, IKE_ENC_DES, 0, IKE_ONLY, 0, 0},
    {"aes128", TOK_CIPHER, ESP_T_AES, 128, ESP_ONLY, ESP_CIPHER_AES_CBC, 0},
    {"aes192", TOK_CIPHER, ESP_T_AES, 192, ESP_ONLY, ESP_CIPHER_AES_CBC, 0},
    {"aes256", TOK_CIPHER, ESP_T_AES, 256, ESP_ONLY, ESP_CIPHER_AES_CBC, 0},
    {"aes", TOK_CIPHER, ESP_T_AES, 128, ESP_ONLY, ESP_CIPHER_AES_CBC, 0},
    {"3des", TOK_CIPHER, ESP_T_3DES, 0, ESP_ONLY, ESP_CIPHER_3DES_CBC, 0},
    {"aes128gcm16", TOK_CIPHER, ESP_T_AES_GCM_16, 128, ESP_ONLY, ESP_CIPHER_AES_GCM_16, 0},
    {"aes128gcm128", TOK_CIPHER, ESP_T_AES_GCM_16, 128, ESP_ONLY, ESP_CIPHER_AES_GCM_16, 0},
    {"aes192gcm16", TOK_CIPHER, ESP_T_AES_GCM_16, 192, ESP_ONLY, ESP_CIPHER_AES_GCM_16, 0},
    {"aes192gcm128", TOK_CIPHER, ESP_T_AES_GCM_16, 192, ESP_ONLY, ESP_CIPHER_AES_GCM_16, 0},
    {"aes256gcm16", TOK_CIPHER, ESP_T_AES_GCM_16, 256, ESP_ONLY, ESP_CIPHER_AES_GCM_16, 0},
    {"aes256gcm128", TOK_CIPHER, ESP_T_AES_GCM_16, 256, ESP_ONLY, ESP_CIPHER_AES_GCM_16, 0},
    {"md5", TOK_HASH, IKE_HASH_MD5, 0, IKE_ONLY, 0, 0},
    {"sha1", TOK_HASH, IKE_HASH_SHA1, 0, IKE_ONLY, 0, 0},
    {"sha", TOK_HASH, IKE_HASH_SHA1, 0, IKE_ONLY, 0, 0},
    {"sha256", TOK_HASH, IKE_HASH_SHA256, 0, IKE_ONLY, 0, 0},
    {"sha2_256", TOK_HASH, IKE_HASH_SHA256, 0, IKE_ONLY, 0, 0},
    {"sha384", TOK_HASH, IKE_HASH_SHA384, 0, IKE_ONLY, 0, 0},
    {"sha2_384", TOK_HASH, IKE_HASH_SHA384, 0, IKE_ONLY, 0, 0},
    {"sha512", TOK_HASH, IKE_HASH_SHA512, 0, IKE_ONLY, 0, 0},
    {"sha2_512", TOK_HASH, IKE_HASH_SHA512, 0, IKE_ONLY, 0, 0},
    {"md5", TOK_HASH, AUTH_ALG_HMAC_MD5, 0, ESP_ONLY, 0, ESP_AUTH_HMAC_MD5_96},
    {"sha1", TOK_HASH, AUTH_ALG_HMAC_SHA, 0, ESP_ONLY, 0, ESP_AUTH_HMAC_SHA1_96},
    {"sha", TOK_HASH, AUTH_ALG_HMAC_SHA, 0, ESP_ONLY, 0, ESP_AUTH_HMAC_SHA1_96},
    {"sha256", TOK_HASH, AUTH_ALG_HMAC_SHA256, 0, ESP_ONLY, 0, ESP_AUTH_HMAC_SHA256_128},
    {"sha2_256", TOK_HASH, AUTH_ALG_HMAC_SHA256, 0, ESP_ONLY, 0, ESP_AUTH_HMAC_SHA256_128},
    {"sha256_96", TOK_HASH, AUTH_ALG_HMAC_SHA256, 0, ESP_ONLY, 0, ESP_AUTH_HMAC_SHA256_96},
    {"sha2_256_96", TOK_HASH, AUTH_ALG_HMAC_SHA256, 0, ESP_ONLY, 0, ESP_AUTH_HMAC_SHA256_96},
    {"sha384", TOK_HASH, AUTH_ALG_HMAC_SHA384, 0, ESP_ONLY, 0, ESP_AUTH_HMAC_SHA384_192},
    {"sha2_384", TOK_HASH, AUTH_ALG_HMAC_SHA384, 0, ESP_ONLY, 0, ESP_AUTH_HMAC_SHA384_192},
    {"sha512", TOK_HASH, AUTH_ALG_HMAC_SHA512, 0, ESP_ONLY, 0, ESP_AUTH_HMAC_SHA512_256},
    {"sha2_512", TOK_HASH, AUTH_ALG_HMAC_SHA512, 0, ESP_ONLY, 0, ESP_AUTH_HMAC_SHA512_256},
    {"modp768", TOK_GROUP, 1, 0, BOTH, 0, 0},
    {"modp1024", TOK_GROUP, 2, 0, BOTH, 0, 0},
    {"modp1536", TOK_GROUP, 5, 0, BOTH, 0, 0},
    {"modp2048", TOK_GROUP, 14, 0, BOTH, 0, 0},
    {"modp3072", TOK_GROUP, 15, 0, BOTH, 0, 0},
    {"modp4096", TOK_GROUP, 16, 0, BOTH, 0, 0},
    {"ecp256", TOK_GROUP, 19, 0, BOTH, 0, 0},
    {"ecp384", TOK_GROUP, 20, 0, BOTH, 0, 0},
    {"ecp521", TOK_GROUP, 21, 0, BOTH, 0, 0},
};

static const struct token *lookup(const char *name, size_t len, bool esp)
{
	for (size_t i = 0; i < ARRAY_SIZE(tokens); i++) {
		const struct token *t = &tokens[i];

		if (t->esp != BOTH && t->esp != (esp ? ESP_ONLY : IKE_ONLY))
			continue;
		if (strlen(t->name) == len && strncmp(t->name, name, len) == 0)
			return t;
	}
	return NULL;
}

#define MAX_PER_KIND 8

struct parsed {
	const struct token *c[MAX_PER_KIND], *h[MAX_PER_KIND], *g[MAX_PER_KIND];
	size_t nc, nh, ng;
};

/* One proposal "a-b-c" (len bytes at s) into its token lists. */
static int parse_one(const char *s, size_t len, bool esp, struct parsed *p, char *err,
                     size_t errlen)
{
	size_t i = 0;

	memset(p, 0, sizeof(*p));
	if (len == 0) {
		snprintf(err, errlen, "empty proposal");
		return -1;
	}
	while (i <= len) {
		size_t j = i;
		const struct token *t;

		while (j < len && s[j] != '-')
			j++;
		t = lookup(s + i, j - i, esp);
		if (!t) {
			snprintf(err, errlen, "unknown algorithm '%.*s' in %s proposal '%.*s'",
			         (int)(j - i), s + i, esp ? "ESP" : "IKE", (int)len, s);
			return -1;
		}
		const struct token **list = t->kind == TOK_CIPHER ? p->c
		                            : t->kind == TOK_HASH ? p->h
		                                                  : p->g;
		size_t *n = t->kind == TOK_CIPHER ? &p->nc : t->kind == TOK_HASH ? &p->nh : &p->ng;

		if (*n == MAX_PER_KIND) {
			snprintf(err, errlen, "too many algorithms in proposal '%.*s'", (int)len,
			         s);
			return -1;
		}
		list[(*n)++] = t;
		i = j + 1;
	}
	if (p->nc == 0) {
		snprintf(err, errlen, "proposal '%.*s' has no cipher", (int)len, s);
		return -1;
	}
	if (!esp && (p->nh == 0 || p->ng == 0)) {
		snprintf(err, errlen, "IKE proposal '%.*s' needs a hash and a DH group", (int)len,
		         s);
		return -1;
	}
	for (size_t k = 0; esp && k < p->nc; k++) {
		bool aead = p->c[k]->cipher == ESP_CIPHER_AES_GCM_16;

		if (aead && p->nh) {
			snprintf(err, errlen, "ESP proposal '%.*s' combines AES-GCM with a hash",
			         (int)len, s);
			return -1;
		}
		if (!aead && p->nh == 0) {
			snprintf(err, errlen, "ESP proposal '%.*s' has no integrity algorithm",
			         (int)len, s);
			return -1;
		}
	}
	if (esp && p->ng > 1) {
		snprintf(err, errlen, "ESP proposal '%.*s' names more than one PFS group", (int)len,
		         s);
		return -1;
	}
	return 0;
}

static bool p1_same(const struct ike_p1_alg *a, const struct ike_p1_alg *b)
{
	return a->enc == b->enc && a->key_bits == b->key_bits && a->hash == b->hash &&
	       a->group == b->group;
}

static bool esp_same(const struct ike_esp_alg *a, const struct ike_esp_alg *b)
{
	return a->transform == b->transform && a->key_bits == b->key_bits && a->auth == b->auth &&
	       a->group == b->group;
}

static int add_p1(struct ike_p1_list *l, const struct ike_p1_alg *a, char *err, size_t errlen)
{
	for (size_t i = 0; i < l->n; i++)
		if (p1_same(&l->a[i], a))
			return 0;
	if (l->n == IKE_MAX_ALGS) {
		snprintf(err, errlen, "too many algorithm combinations (at most %d)", IKE_MAX_ALGS);
		return -1;
	}
	l->a[l->n++] = *a;
	return 0;
}

static int add_esp(struct ike_esp_list *l, const struct ike_esp_alg *a, char *err, size_t errlen)
{
	for (size_t i = 0; i < l->n; i++)
		if (esp_same(&l->a[i], a))
			return 0;
	if (l->n == IKE_MAX_ALGS) {
		snprintf(err, errlen, "too many algorithm combinations (at most %d)", IKE_MAX_ALGS);
		return -1;
	}
	l->a[l->n++] = *a;
	return 0;
}

static int expand(const struct parsed *p, bool esp, void *out, char *err, size_t errlen)
{
	size_t nh = p->nh ? p->nh : 1, ng = p->ng ? p->ng : 1;

	for (size_t c = 0; c < p->nc; c++) {
		for (size_t h = 0; h < nh; h++) {
			for (size_t g = 0; g < ng; g++) {
				const struct token *ht = p->nh ? p->h[h] : NULL;
				const struct token *gt = p->ng ? p->g[g] : NULL;

				if (!esp) {
					struct ike_p1_alg a = {p->c[c]->id, p->c[c]->bits, ht->id,
					                       gt->id};

					if (add_p1(out, &a, err, errlen))
						return -1;
					continue;
				}
				struct ike_esp_alg a = {
				    .transform = (uint8_t)p->c[c]->id,
				    .key_bits = p->c[c]->bits,
				    .auth_attr = ht ? ht->id : 0,
				    .cipher = p->c[c]->cipher,
				    .auth = ht ? ht->auth : ESP_AUTH_NONE,
				    .group = gt ? gt->id : 0,
				};
				if (add_esp(out, &a, err, errlen))
					return -1;
			}
		}
	}
	return 0;
}

/* Walk the comma-separated list; strict reports the trailing '!'. */
static int parse_list(const char *spec, bool esp, void *out, bool *strict, char *err, size_t errlen)
{
	size_t len = strlen(spec), i = 0;

	while (len && (spec[len - 1] == ' ' || spec[len - 1] == '\t'))
		len--;
	*strict = len && spec[len - 1] == '!';
	if (*strict)
		len--;
	if (len == 0) {
		snprintf(err, errlen, "empty proposal list");
		return -1;
	}
	while (i <= len) {
		size_t j = i, b, e;
		struct parsed p;

		while (j < len && spec[j] != ',')
			j++;
		for (b = i; b < j && (spec[b] == ' ' || spec[b] == '\t'); b++)
			;
		for (e = j; e > b && (spec[e - 1] == ' ' || spec[e - 1] == '\t'); e--)
			;
		if (parse_one(spec + b, e - b, esp, &p, err, errlen) ||
		    expand(&p, esp, out, err, errlen))
			return -1;
		i = j + 1;
	}
	return 0;
}

/* A list that does not end in '!' is tried first and followed by the
 * defaults (strongSwan's rule); an empty one is the defaults. */
static int parse_with_defaults(const char *spec, bool esp, void *out, const char *defaults,
                               char *err, size_t errlen)
{
	bool strict = true, dummy;

	if (spec && *spec && parse_list(spec, esp, out, &strict, err, errlen))
		return -1;
	if (!strict || !spec || !*spec)
		return parse_list(defaults, esp, out, &dummy, err, errlen);
	return 0;
}

int ike_proposals_parse(const char *spec, struct ike_p1_list *out, char *err, size_t errlen)
{
	out->n = 0;
	return parse_with_defaults(spec, false, out, default_ike, err, errlen);
}

int ike_esp_proposals_parse(const char *spec, struct ike_esp_list *out, char *err, size_t errlen)
{
	out->n = 0;
	return parse_with_defaults(spec, true, out, default_esp, err, errlen);
}

int ike_proposals_check(const char *spec, bool esp, char *err, size_t errlen)
{
	struct ike_p1_list p1;
	struct ike_esp_list p2;

	return esp ? ike_esp_proposals_parse(spec, &p2, err, errlen)
	           : ike_proposals_parse(spec, &p1, err, errlen);
}

/* ECP groups are at least as strong as modp2048. */
static bool strong_group(uint16_t g)
{
	return g >= 14;
}

int ike_p1_apply_dh2048(struct ike_p1_list *l, enum ike_dh2048 policy, char *err, size_t errlen)
{
	struct ike_p1_list out = {.n = 0};

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < l->n; i++) {
			bool strong = strong_group(l->a[i].group);

			if (policy == IKE_DH2048_OFF && strong)
				continue;
			if (policy == IKE_DH2048_REQUIRE && !strong)
				continue;
			/* OFFER: strong ones in pass 0, the rest in pass 1. */
			if (policy == IKE_DH2048_OFFER && strong != (pass == 0))
				continue;
			if (policy != IKE_DH2048_OFFER && pass == 1)
				continue;
			out.a[out.n++] = l->a[i];
		}
	}
	if (out.n == 0) {
		snprintf(err, errlen, "no IKE proposal left with DH 2048 set to %s",
		         policy == IKE_DH2048_OFF ? "off" : "require");
		return -1;
	}
	*l = out;
	return 0;
}

static const char *enc_str(uint16_t enc, uint16_t bits, char *tmp, size_t len)
{
	if (enc == IKE_ENC_AES) {
		snprintf(tmp, len, "aes%u", bits ? bits : 128);
		return tmp;
	}
	return enc == IKE_ENC_3DES ? "3des" : enc == IKE_ENC_DES ? "des" : "?";
}

void ike_p1_alg_str(const struct ike_p1_alg *a, char *buf, size_t len)
{
	char tmp[16];

	snprintf(buf, len, "%s-%s-%s", enc_str(a->enc, a->key_bits, tmp, sizeof(tmp)),
	         ike_hash_name(a->hash), ike_dh_name(a->group));
}

static const char *esp_auth_str(enum esp_auth auth)
{
	switch (auth) {
	case ESP_AUTH_HMAC_MD5_96:
		return "md5";
	case ESP_AUTH_HMAC_SHA1_96:
		return "sha1";
	case ESP_AUTH_HMAC_SHA256_128:
		return "sha256";
	case ESP_AUTH_HMAC_SHA256_96:
		return "sha256_96";
	case ESP_AUTH_HMAC_SHA384_192:
		return "sha384";
	case ESP_AUTH_HMAC_SHA512_256:
		return "sha512";
	default:
		return NULL;
	}
}

void ike_esp_alg_str(const struct ike_esp_alg *a, char *buf, size_t len)
{
	const char *auth = esp_auth_str(a->auth);
	char cipher[24];
	int n;

	if (a->transform == ESP_T_AES)
		snprintf(cipher, sizeof(cipher), "aes%u", a->key_bits ? a->key_bits : 128);
	else if (a->transform == ESP_T_AES_GCM_16)
		snprintf(cipher, sizeof(cipher), "aes%ugcm16", a->key_bits ? a->key_bits : 128);
	else
		snprintf(cipher, sizeof(cipher), "%s", a->transform == ESP_T_3DES ? "3des" : "?");
	n = snprintf(buf, len, "%s%s%s", cipher, auth ? "-" : "", auth ? auth : "");
	if (a->group && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "-%s", ike_dh_name(a->group));
}

size_t ike_esp_enc_key_len(const struct ike_esp_alg *a)
{
	switch (a->cipher) {
	case ESP_CIPHER_3DES_CBC:
		return 24;
	case ESP_CIPHER_AES_CBC:
		return (a->key_bits ? a->key_bits : 128) / 8;
	case ESP_CIPHER_AES_GCM_16:
		return (a->key_bits ? a->key_bits : 128) / 8 + 4; /* RFC 4106 §8.1 salt */
	default:
		return 0;
	}
}

size_t ike_esp_auth_key_len(const struct ike_esp_alg *a)
{
	switch (a->auth) {
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

uint16_t ike_group_by_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(tokens); i++)
		if (tokens[i].kind == TOK_GROUP && strcmp(tokens[i].name, name) == 0)
			return tokens[i].id;
	return 0;
}
