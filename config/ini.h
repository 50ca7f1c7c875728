/*
 * A strict INI tokenizer for configuration files.
 *
 * It reads a whole file from memory (buf, len) and hands out one item at a
 * time: a section header or a key/value pair, each with its line number, so
 * callers can report "FILE:LINE: key 'x': reason". It refuses what a human
 * did not mean to write instead of guessing: NUL bytes and other control
 * characters, over-long lines, keys outside a section, lines that are neither
 * a header, a comment nor "key = value", unterminated quotes, bad escapes.
 *
 * Accepted: a UTF-8 byte order mark, LF or CRLF line ends, no newline at the
 * end, blank lines, whole-line comments starting with '#' or ';', whitespace
 * around keys and values, '=' inside values (the first '=' splits).
 * There are no trailing comments: '#' and ';' inside a value are data (a DNS
 * list in a NetworkManager keyfile is "a;b;").
 *
 * Two dialects of value syntax:
 *  - INI_L2TPSEC: a value that starts with '"' must end with '"'; between the
 *    quotes \" \\ \n \t and \xHH are escapes. Unquoted values are literal.
 *  - INI_KEYFILE: GLib key files (NetworkManager): \s \n \t \r \\ are escapes
 *    anywhere in a value; quotes are ordinary characters.
 *
 * Values can be secrets: the reader clears its buffers on every line and in
 * ini_finish().
 */
#ifndef L2TPSEC_CLIENT_INI_H
#define L2TPSEC_CLIENT_INI_H

#include <stdarg.h>
#include <stddef.h>

#include "lib/buf.h"

#define INI_LINE_MAX 4096 /* bytes in one line, without its line end */
#define INI_NAME_MAX 64   /* bytes in a section or key name, with the NUL */

enum ini_dialect {
	INI_L2TPSEC,
	INI_KEYFILE,
};

enum ini_item {
	INI_ERROR = -1,
	INI_END = 0,
	INI_SECTION = 1, /* r->section holds the new section name */
	INI_KEY = 2,     /* r->section, r->key, r->value/value_len hold the pair */
};

struct ini_reader {
	struct buf_reader in;
	const char *filename; /* for messages only */
	enum ini_dialect dialect;
	unsigned line; /* line of the item last returned */
	char section[INI_NAME_MAX];
	char key[INI_NAME_MAX];
	char value[INI_LINE_MAX]; /* NUL-terminated; never holds a NUL itself */
	size_t value_len;
	char raw[INI_LINE_MAX]; /* the current line, before unescaping */
};

void ini_init(struct ini_reader *r, const void *buf, size_t len, const char *filename,
              enum ini_dialect dialect);

/* Next item, INI_END at the end of the input, or INI_ERROR with a message
 * "FILE:LINE: reason" in err. After an error the reader stays at INI_ERROR. */
enum ini_item ini_next(struct ini_reader *r, char *err, size_t errlen);

/* Clears the buffers that may hold secrets. */
void ini_finish(struct ini_reader *r);

/* "FILE:LINE: " + message, about the item last returned. */
void ini_errorf(const struct ini_reader *r, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* "FILE:LINE: key 'KEY': " + message. */
void ini_key_errorf(const struct ini_reader *r, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
