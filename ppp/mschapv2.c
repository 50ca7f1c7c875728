/* MS-CHAPv2 (RFC 2759): NT-Response, authenticator response, and the
 * parsing of Success/Failure messages, including the quirks of Windows RRAS. */
#include "ppp/mschapv2.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hex.h"
#include "lib/util.h"

/* 0-to-256-unicode-char Password (RFC 2759 §8.3). */
#define MSCHAP_MAX_PW_UNITS 256

/* RFC 2759 §8.7 constants: the ASCII text of Magic1 and Magic2. */
static const char magic1[] = "Magic server to client signing constant";
static const char magic2[] = "Pad to make it do more than one iteration";

/* Decode one UTF-8 sequence at in[*i]; a byte that does not start a valid
 * sequence is taken as a Latin-1 character. */
static uint32_t utf8_next(const uint8_t *in, size_t len, size_t *i)
{
	uint8_t b = in[*i];
	size_t need;
	uint32_t cp, min;

	if (b < 0x80) {
		(*i)++;
		return b;
	}
	if (b >= 0xc2 && b <= 0xdf)
		need = 1, cp = b & 0x1fu, min = 0x80;
	else if (b >= 0xe0 && b <= 0xef)
		need = 2, cp = b & 0x0fu, min = 0x800;
	else if (b >= 0xf0 && b <= 0xf4)
		need = 3, cp = b & 0x07u, min = 0x10000;
	else
		goto latin1;
	if (len - *i <= need)
		goto latin1;
	for (size_t k = 1; k <= need; k++) {
		if ((in[*i + k] & 0xc0) != 0x80)
			goto latin1;
		cp = cp << 6 | (in[*i + k] & 0x3fu);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		goto latin1;
	*i += need + 1;
	return cp;
latin1:
	(*i)++;
	return b;
}

/* UTF-16LE of pw into out (2 * MSCHAP_MAX_PW_UNITS bytes); -1 if too long. */
static long password_utf16le(const uint8_t *pw, size_t pw_len, uint8_t *out)
{
	size_t i = 0, units = 0;

	while (i < pw_len) {
		uint32_t cp = utf8_next(pw, pw_len, &i);
		uint16_t u[2];
		size_t n = 1;

		if (cp >= 0x10000) {
			cp -= 0x10000;
			u[0] = (uint16_t)(0xd800 | cp >> 10);
			u[1] = (uint16_t)(0xdc00 | (cp & 0x3ff));
			n = 2;
		} else {
			u[0] = (uint16_t)cp;
		}
		if (units + n > MSCHAP_MAX_PW_UNITS)
			return -1;
		for (size_t k = 0; k < n; k++, units++) {
			out[2 * units] = (uint8_t)u[k];
			out[2 * units + 1] = (uint8_t)(u[k] >> 8);
		}
	}
	return (long)(units * 2);
}

int mschap_nt_password_hash(const struct ppp_crypto *c, const uint8_t *pw, size_t pw_len,
                            uint8_t out[16])
{
	uint8_t uni[2 * MSCHAP_MAX_PW_UNITS];
	long n = password_utf16le(pw, pw_len, uni);
	int rc = -1;

	if (n >= 0) {
		struct crypto_part p = {uni, (size_t)n};

		rc = ppp_crypto_digest(c->md4, &p, 1, out);
	}
	secure_clear(uni, sizeof(uni));
	return rc;
}

/* RFC 2759 §8.2: "excluding any prepended domain name". */
static const char *strip_domain(const char *user)
{
	const char *bs = strrchr(user, '\\');

	return bs ? bs + 1 : user;
}

int mschapv2_challenge_hash(const struct ppp_crypto *c, const uint8_t peer_chal[16],
                            const uint8_t auth_chal[16], const char *user, uint8_t out[8])
{
	const char *name = strip_domain(user);
	struct crypto_part parts[] = {{peer_chal, 16}, {auth_chal, 16}, {name, strlen(name)}};
	uint8_t sha[20];

	if (ppp_crypto_digest(c->sha1, parts, ARRAY_SIZE(parts), sha))
		return -1;
	memcpy(out, sha, 8);
	return 0;
}

/* RFC 2759 §8.5 ChallengeResponse: three DES keys from the 16-byte hash
 * padded with five zeros. */
static int challenge_response(const struct ppp_crypto *c, const uint8_t chal[8],
                              const uint8_t hash[16], uint8_t out[24])
{
	uint8_t z[21] = {0};
	int rc = 0;

	memcpy(z, hash, 16);
	for (int i = 0; i < 3 && rc == 0; i++)
		rc = ppp_crypto_des7(c, z + 7 * i, chal, out + 8 * i);
	secure_clear(z, sizeof(z));
	return rc;
}

int mschapv2_nt_response(const struct ppp_crypto *c, const uint8_t auth_chal[16],
                         const uint8_t peer_chal[16], const char *user, const uint8_t *pw,
                         size_t pw_len, uint8_t out[24])
{
	uint8_t chal[8], hash[16];
	int rc;

	rc = mschapv2_challenge_hash(c, peer_chal, auth_chal, user, chal);
	if (rc == 0)
		rc = mschap_nt_password_hash(c, pw, pw_len, hash);
	if (rc == 0)
		rc = challenge_response(c, chal, hash, out);
	secure_clear(hash, sizeof(hash));
	return rc;
}

int mschapv2_authenticator_response(const struct ppp_crypto *c, const uint8_t *pw, size_t pw_len,
                                    const uint8_t nt_resp[24], const uint8_t peer_chal[16],
                                    const uint8_t auth_chal[16], const char *user,
                                    char out[MSCHAPV2_AUTH_RESPONSE_LEN + 1])
{
	uint8_t hash[16], hashhash[16], digest[20], chal[8];
	int rc = mschap_nt_password_hash(c, pw, pw_len, hash);

	if (rc == 0) {
		struct crypto_part p = {hash, 16};

		rc = ppp_crypto_digest(c->md4, &p, 1, hashhash);
	}
	if (rc == 0) {
		struct crypto_part p[] = {
		    {hashhash, 16}, {nt_resp, 24}, {magic1, sizeof(magic1) - 1}};

		rc = ppp_crypto_digest(c->sha1, p, ARRAY_SIZE(p), digest);
	}
	if (rc == 0)
		rc = mschapv2_challenge_hash(c, peer_chal, auth_chal, user, chal);
	if (rc == 0) {
		struct crypto_part p[] = {{digest, 20}, {chal, 8}, {magic2, sizeof(magic2) - 1}};

		rc = ppp_crypto_digest(c->sha1, p, ARRAY_SIZE(p), digest);
	}
	if (rc == 0) {
		out[0] = 'S';
		out[1] = '=';
		hex_encode(out + 2, MSCHAPV2_AUTH_RESPONSE_LEN - 1, digest, 20);
		for (char *p = out + 2; *p; p++)
			*p = (char)toupper((unsigned char)*p);
	}
	secure_clear(hash, sizeof(hash));
	secure_clear(hashhash, sizeof(hashhash));
	return rc;
}

void ppp_sanitize_text(char *out, size_t outsz, const uint8_t *in, size_t len)
{
	size_t o = 0;

	if (outsz == 0)
		return;
	for (size_t i = 0; i < len && o + 1 < outsz; i++) {
		if (in[i] == 0 && i + 1 == len)
			break; /* a trailing NUL is common */
		out[o++] = (in[i] >= 0x20 && in[i] < 0x7f) ? (char)in[i] : '?';
	}
	out[o] = '\0';
}

/* First occurrence of the two-byte key ("S=", "M=") at a field start. */
static const uint8_t *find_field(const uint8_t *msg, size_t len, char k)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (msg[i] == (uint8_t)k && msg[i + 1] == '=' &&
		    (i == 0 || msg[i - 1] == ' ' || k == 'M'))
			return msg + i;
	}
	return NULL;
}

int mschapv2_check_success(const char *expected, const uint8_t *msg, size_t len, char *text,
                           size_t textsz)
{
	const uint8_t *s = find_field(msg, len, 'S');
	char got[MSCHAPV2_AUTH_RESPONSE_LEN];
	const uint8_t *m;
	size_t off;

	if (textsz)
		text[0] = '\0';
	if (!s || (size_t)(msg + len - s) < MSCHAPV2_AUTH_RESPONSE_LEN)
		return -1;
	for (size_t i = 0; i < MSCHAPV2_AUTH_RESPONSE_LEN; i++)
		got[i] = (char)toupper(s[i]);
	off = (size_t)(s - msg) + MSCHAPV2_AUTH_RESPONSE_LEN;
	/* RRAS: "S=...M=x" (no space) or nothing after S=; both are fine. */
	m = find_field(msg + off, len - off, 'M');
	if (m && textsz)
		ppp_sanitize_text(text, textsz, m + 2, (size_t)(msg + len - m - 2));
	return secure_memcmp(got, expected, MSCHAPV2_AUTH_RESPONSE_LEN) == 0 ? 0 : -1;
}

void mschapv2_parse_failure(const uint8_t *msg, size_t len, struct mschapv2_failure *out)
{
	size_t i = 0;

	out->error = -1;
	out->retry = false;
	out->text[0] = '\0';
	while (i + 1 < len) {
		uint8_t key = msg[i];
		size_t start = i + 2, end;

		if (msg[i + 1] != '=')
			break;
		if (key == 'M') {
			ppp_sanitize_text(out->text, sizeof(out->text), msg + start, len - start);
			return;
		}
		for (end = start; end < len && msg[end] != ' '; end++)
			;
		if (key == 'E' || key == 'R') {
			long v = 0;
			size_t k;

			for (k = start; k < end && k < start + 6 && isdigit(msg[k]); k++)
				v = v * 10 + (msg[k] - '0');
			if (k > start && key == 'E')
				out->error = (int)v;
			if (k > start && key == 'R')
				out->retry = v == 1;
		}
		i = end + 1;
	}
	/* No M=: keep what there is as text, for the log. */
	if (out->text[0] == '\0')
		ppp_sanitize_text(out->text, sizeof(out->text), msg, len);
}

const char *mschapv2_error_name(int error)
{
	switch (error) {
	case 646:
		return "restricted logon hours";
	case 647:
		return "account disabled";
	case 648:
		return "password expired";
	case 649:
		return "no dial-in permission";
	case 691:
		return "authentication failure";
	case 709:
		return "changing password";
	default:
		return "unknown error";
	}
}
