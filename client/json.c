#include "client/json.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

void json_init(struct json *j, char *buf, size_t cap)
{
	*j = (struct json){.buf = buf, .cap = cap};
	if (cap)
		buf[0] = '\0';
}

static void put(struct json *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct json *j, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (j->truncated || j->cap == 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(j->buf + j->len, j->cap - j->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= j->cap - j->len) {
		j->truncated = true;
		j->buf[j->len] = '\0';
		return;
	}
	j->len += (size_t)n;
}

static void put_escaped(struct json *j, const char *s)
{
	put(j, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			put(j, "\\%c", c);
		else if (c < 0x20)
			put(j, "\\u%04x", c);
		else
			put(j, "%c", c);
	}
	put(j, "\"");
}

/* Comma and key before a value at the current depth. */
static void member(struct json *j, const char *key)
{
	if (j->need_comma[j->depth])
		put(j, ",");
	j->need_comma[j->depth] = true;
	if (key) {
		put_escaped(j, key);
		put(j, ":");
	}
}

static void open_scope(struct json *j, const char *key, char c)
{
	member(j, key);
	put(j, "%c", c);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	else
		j->truncated = true;
	j->need_comma[j->depth] = false;
}

static void close_scope(struct json *j, char c)
{
	if (j->depth > 0)
		j->depth--;
	put(j, "%c", c);
}

void json_obj_begin(struct json *j, const char *key)
{
	open_scope(j, key, '{');
}

void json_obj_end(struct json *j)
{
	close_scope(j, '}');
}

void json_arr_begin(struct json *j, const char *key)
{
	open_scope(j, key, '[');
}

void json_arr_end(struct json *j)
{
	close_scope(j, ']');
}

void json_str(struct json *j, const char *key, const char *value)
{
	member(j, key);
	if (value)
		put_escaped(j, value);
	else
		put(j, "null");
}

void json_int(struct json *j, const char *key, int64_t value)
{
	member(j, key);
	put(j, "%" PRId64, value);
}

void json_uint(struct json *j, const char *key, uint64_t value)
{
	member(j, key);
	put(j, "%" PRIu64, value);
}

void json_bool(struct json *j, const char *key, bool value)
{
	member(j, key);
	put(j, "%s", value ? "true" : "false");
}

bool json_ok(const struct json *j)
{
	return !j->truncated && j->depth == 0;
}
