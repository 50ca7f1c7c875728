/* Strict INI tokenizer: see config/ini.h for the accepted syntax. */
#include "config/ini.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/hex.h"
#include "lib/util.h"

static const uint8_t utf8_bom[3] = {0xef, 0xbb, 0xbf};

void ini_init(struct ini_reader *r, const void *buf, size_t len, const char *filename,
              enum ini_dialect dialect)
{
	memset(r, 0, sizeof(*r));
	br_init(&r->in, buf, len);
	r->filename = filename ? filename : "<input>";
	r->dialect = dialect;
	if (len >= sizeof(utf8_bom) && memcmp(buf, utf8_bom, sizeof(utf8_bom)) == 0)
		br_skip(&r->in, sizeof(utf8_bom));
}

void ini_finish(struct ini_reader *r)
{
	secure_clear(r->value, sizeof(r->value));
	secure_clear(r->raw, sizeof(r->raw));
	r->value_len = 0;
}

static void vprefixed(const struct ini_reader *r, char *err, size_t errlen, const char *key,
                      const char *fmt, va_list ap)
{
	int n;

	if (!err || errlen == 0)
		return;
	if (key)
		n = snprintf(err, errlen, "%s:%u: key '%s': ", r->filename, r->line, key);
	else
		n = snprintf(err, errlen, "%s:%u: ", r->filename, r->line);
	if (n >= 0 && (size_t)n < errlen)
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
}

void ini_errorf(const struct ini_reader *r, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprefixed(r, err, errlen, NULL, fmt, ap);
	va_end(ap);
}

void ini_key_errorf(const struct ini_reader *r, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprefixed(r, err, errlen, r->key, fmt, ap);
	va_end(ap);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_name_char(char c, enum ini_dialect d)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	if (c == '-' || c == '_' || c == '.')
		return true;
	/* GLib key files allow locale suffixes ("name[de]") and a few more. */
	return d == INI_KEYFILE && (c == '[' || c == ']' || c == '@' || c == '/' || c == '+');
}

/* Takes the next line out of the input into r->raw (NUL-terminated, line end
 * removed). Returns its length, -1 at the end of the input, -2 on an error. */
static long take_line(struct ini_reader *r, char *err, size_t errlen)
{
	size_t rest = br_remaining(&r->in), len, taken;
	const uint8_t *start = r->in.data + r->in.off;
	const uint8_t *nl;
	const uint8_t *p;

	if (rest == 0)
		return -1;
	nl = memchr(start, '\n', rest);
	len = nl ? (size_t)(nl - start) : rest;
	taken = nl ? len + 1 : len;
	r->line++;
	if (len > 0 && start[len - 1] == '\r')
		len--;
	if (len >= sizeof(r->raw)) {
		ini_errorf(r, err, errlen, "line too long (more than %zu bytes)",
		           sizeof(r->raw) - 1);
		return -2;
	}
	if (br_ptr(&r->in, &p, taken) < 0)
		return -2;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = p[i];

		if (c == 0) {
			ini_errorf(r, err, errlen, "NUL byte in column %zu", i + 1);
			return -2;
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			ini_errorf(r, err, errlen, "control character 0x%02x in column %zu", c,
			           i + 1);
			return -2;
		}
	}
	memcpy(r->raw, p, len);
	r->raw[len] = '\0';
	return (long)len;
}

/* Trims blanks on both sides of s[0..*len) in place; returns the new start. */
static char *trim(char *s, size_t *len)
{
	size_t n = *len;

	while (n > 0 && is_blank(*s)) {
		s++;
		n--;
	}
	while (n > 0 && is_blank(s[n - 1]))
		n--;
	s[n] = '\0';
	*len = n;
	return s;
}

static enum ini_item parse_section(struct ini_reader *r, char *s, size_t len, char *err,
                                   size_t errlen)
{
	size_t name_len;
	char *name;

	if (s[len - 1] != ']') {
		ini_errorf(r, err, errlen, "section header without closing ']'");
		return INI_ERROR;
	}
	name_len = len - 2;
	name = trim(s + 1, &name_len);
	if (name_len == 0) {
		ini_errorf(r, err, errlen, "empty section name");
		return INI_ERROR;
	}
	if (name_len >= sizeof(r->section)) {
		ini_errorf(r, err, errlen, "section name too long");
		return INI_ERROR;
	}
	for (size_t i = 0; i < name_len; i++) {
		if (name[i] == '[' || name[i] == ']' ||
		    (r->dialect == INI_L2TPSEC && !is_name_char(name[i], r->dialect))) {
			ini_errorf(r, err, errlen, "invalid character '%c' in section name",
			           name[i]);
			return INI_ERROR;
		}
	}
	memcpy(r->section, name, name_len + 1);
	return INI_SECTION;
}

/* The escape after a backslash: writes one byte to *out. Returns the number
 * of input characters used after the backslash, or 0 when invalid. */
static size_t unescape_one(enum ini_dialect d, const char *in, size_t avail, uint8_t *out)
{
	static const char keyfile_from[] = "sntr\\", keyfile_to[] = " \n\t\r\\";
	static const char own_from[] = "\"\\nt", own_to[] = "\"\\\n\t";
	const char *from = d == INI_KEYFILE ? keyfile_from : own_from;
	const char *to = d == INI_KEYFILE ? keyfile_to : own_to;
	const char *hit;

	if (avail == 0)
		return 0;
	if (d == INI_L2TPSEC && in[0] == 'x' && avail >= 3) {
		char hex[3] = {in[1], in[2], '\0'};

		if (hex_decode(hex, out, 1) != 1 || *out == 0)
			return 0;
		return 3;
	}
	hit = strchr(from, in[0]);
	if (!hit || in[0] == '\0')
		return 0;
	*out = (uint8_t)to[hit - from];
	return 1;
}

/* Copies v[0..len) into r->value, resolving escapes. With quoted set, v
 * starts after an opening '"' and must end with the one closing quote. */
static int unescape_into_value(struct ini_reader *r, const char *v, size_t len, bool quoted,
                               char *err, size_t errlen)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		uint8_t c = (uint8_t)v[i];

		if (c == '\\') {
			size_t used = unescape_one(r->dialect, v + i + 1, len - i - 1, &c);

			if (used == 0) {
				ini_key_errorf(r, err, errlen, "invalid escape sequence in value");
				return -1;
			}
			i += used;
		} else if (quoted && c == '"') {
			if (i + 1 != len) {
				ini_key_errorf(r, err, errlen, "text after the closing quote");
				return -1;
			}
			quoted = false;
			break;
		}
		r->value[n++] = (char)c;
	}
	if (quoted) {
		ini_key_errorf(r, err, errlen, "unterminated quoted value");
		return -1;
	}
	r->value[n] = '\0';
	r->value_len = n;
	return 0;
}

static int parse_value(struct ini_reader *r, char *v, size_t len, char *err, size_t errlen)
{
	if (r->dialect == INI_KEYFILE)
		return unescape_into_value(r, v, len, false, err, errlen);
	if (len > 0 && v[0] == '"')
		return unescape_into_value(r, v + 1, len - 1, true, err, errlen);
	memcpy(r->value, v, len + 1);
	r->value_len = len;
	return 0;
}

static enum ini_item parse_pair(struct ini_reader *r, char *s, size_t len, char *err, size_t errlen)
{
	char *eq = memchr(s, '=', len);
	size_t key_len, value_len;
	char *key, *value;

	r->key[0] = '\0';
	if (!eq) {
		ini_errorf(r, err, errlen, "expected 'key = value', a [section] or a comment");
		return INI_ERROR;
	}
	key_len = (size_t)(eq - s);
	key = trim(s, &key_len);
	if (key_len == 0) {
		ini_errorf(r, err, errlen, "missing key before '='");
		return INI_ERROR;
	}
	if (key_len >= sizeof(r->key)) {
		ini_errorf(r, err, errlen, "key name too long");
		return INI_ERROR;
	}
	for (size_t i = 0; i < key_len; i++) {
		if (!is_name_char(key[i], r->dialect)) {
			ini_errorf(r, err, errlen, "invalid character '%c' in key name", key[i]);
			return INI_ERROR;
		}
	}
	memcpy(r->key, key, key_len + 1);
	if (r->section[0] == '\0') {
		ini_key_errorf(r, err, errlen, "appears before any [section]");
		return INI_ERROR;
	}
	value_len = len - (size_t)(eq + 1 - s);
	value = trim(eq + 1, &value_len);
	if (parse_value(r, value, value_len, err, errlen) < 0)
		return INI_ERROR;
	return INI_KEY;
}

enum ini_item ini_next(struct ini_reader *r, char *err, size_t errlen)
{
	for (;;) {
		size_t len;
		long got;
		char *s;

		if (r->in.error)
			return INI_ERROR;
		secure_clear(r->value, r->value_len + 1);
		r->value_len = 0;
		got = take_line(r, err, errlen);
		if (got == -1)
			return INI_END;
		if (got < 0) {
			r->in.error = true;
			return INI_ERROR;
		}
		len = (size_t)got;
		s = trim(r->raw, &len);
		if (len == 0 || s[0] == '#' || s[0] == ';')
			continue;
		enum ini_item item = s[0] == '[' ? parse_section(r, s, len, err, errlen)
		                                 : parse_pair(r, s, len, err, errlen);
		secure_clear(r->raw, sizeof(r->raw));
		if (item == INI_ERROR)
			r->in.error = true;
		return item;
	}
}
