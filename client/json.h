/* A small JSON writer for `status --json`: objects, arrays, escaped strings,
 * into a fixed buffer (truncation is reported, never overflows). */
#ifndef L2TPSEC_CLIENT_JSON_H
#define L2TPSEC_CLIENT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 8

struct json {
	char *buf;
	size_t cap, len;
	bool truncated;
	int depth;
	bool need_comma[JSON_MAX_DEPTH];
};

void json_init(struct json *j, char *buf, size_t cap);
void json_obj_begin(struct json *j, const char *key); /* key NULL at top/in arrays */
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j, const char *key);
void json_arr_end(struct json *j);
void json_str(struct json *j, const char *key, const char *value); /* NULL -> null */
void json_int(struct json *j, const char *key, int64_t value);
void json_uint(struct json *j, const char *key, uint64_t value);
void json_bool(struct json *j, const char *key, bool value);
/* true when the whole document fit */
bool json_ok(const struct json *j);

#endif
