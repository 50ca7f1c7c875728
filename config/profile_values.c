/* The syntax of single profile values, shared by both file formats and the
 * command line through the settings table (config/settings.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "config/profile.h"
#include "config/profile_names.h"
#include "lib/util.h"

int profile_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

/* "90", "90s", "15m", "8h", "1d". */
int profile_parse_duration(const char *s, uint32_t max, uint32_t *out)
{
	unsigned long long v = 0, unit = 1;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (unsigned long long)(*p - '0');
		if (v > UINT32_MAX)
			return -1;
	}
	switch (*p) {
	case '\0':
	case 's':
		break;
	case 'm':
		unit = 60;
		break;
	case 'h':
		unit = 3600;
		break;
	case 'd':
		unit = 86400;
		break;
	default:
		return -1;
	}
	if (*p && p[1])
		return -1;
	v *= unit;
	if (v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int profile_parse_addr(const char *s, struct profile_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, out->bytes) == 1) {
		out->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out->bytes) == 1) {
		out->family = AF_INET6;
		return 0;
	}
	return -1;
}

int profile_format_addr(const struct profile_addr *a, char *out, size_t outlen)
{
	return inet_ntop(a->family, a->bytes, out, (socklen_t)outlen) ? 0 : -1;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

/* The address part of "ADDR/LEN" must have no bits set past LEN. */
static bool host_bits_clear(const struct profile_addr *a, unsigned len)
{
	unsigned bits = a->family == AF_INET ? 32 : 128;

	for (unsigned i = len; i < bits; i++)
		if (a->bytes[i / 8] & (0x80 >> (i % 8)))
			return false;
	return true;
}

int profile_parse_cidr(const char *s, struct profile_addr *addr, uint8_t *prefix_len)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	unsigned long v;

	if (!slash || (size_t)(slash - s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (profile_parse_addr(buf, addr) < 0 ||
	    parse_uint(slash + 1, addr->family == AF_INET ? 32 : 128, &v) < 0 ||
	    !host_bits_clear(addr, (unsigned)v))
		return -1;
	*prefix_len = (uint8_t)v;
	return 0;
}

/* "10.0.0.0/8", optionally followed by "via 10.0.0.1" and "metric 100". */
int profile_parse_route(const char *s, struct profile_route *out)
{
	char buf[160];
	size_t b = strspn(s, " \t"), e = strlen(s);

	while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t'))
		e--;
	if (e - b >= sizeof(buf))
		return -1;
	memset(out, 0, sizeof(*out));
	memcpy(buf, s + b, e - b);
	buf[e - b] = '\0';
	return profile_parse_cidr(buf, &out->dst, &out->prefix_len);
}

static bool label_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

/* A DNS name (RFC 1123 2.1 labels) or an IP address literal. */
bool profile_key_is_p12(const char *path)
{
	size_t n = strlen(path);

	return n > 4 &&
	       (strcasecmp(path + n - 4, ".p12") == 0 || strcasecmp(path + n - 4, ".pfx") == 0);
}

bool profile_hostname_valid(const char *s)
{
	struct profile_addr a;
	size_t label = 0, len = strlen(s);

	if (profile_parse_addr(s, &a) == 0)
		return true;
	if (len == 0 || len > 253)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
		} else if (!label_char(s[i]) || (label == 0 && s[i] == '-') || ++label > 63) {
			return false;
		}
	}
	return label > 0 || s[len - 1] == '.';
}

/* A DNS search domain: a name, not an address. */
bool profile_domain_valid(const char *s)
{
	struct profile_addr a;

	return profile_hostname_valid(s) && profile_parse_addr(s, &a) < 0;
}

/* strongSwan proposal lists: "aes256-sha2_256-modp2048,3des-sha1-modp1024!".
 * Only the shape is checked here; ike/ knows the algorithm names. */
bool profile_proposals_valid(const char *s)
{
	size_t item = 0;

	if (*s == '\0')
		return false;
	for (; *s; s++) {
		char c = *s;

		if (c == ',') {
			if (item == 0)
				return false;
			item = 0;
		} else if (c == '!' && s[1] == '\0') {
			break;
		} else if (c == ' ' && (item == 0 || s[1] == ',' || s[1] == ' ' || s[1] == '!' ||
		                        s[1] == '\0')) {
			continue;
		} else if (label_char(c)) {
			item++;
		} else {
			return false;
		}
	}
	return item > 0;
}

const char *profile_id_type_name(enum profile_id_type t)
{
	return (unsigned)t < ARRAY_SIZE(profile_id_type_names) ? profile_id_type_names[t] : "?";
}

enum profile_id_type profile_id_effective_type(const struct profile_id *id)
{
	struct in_addr a;

	if (id->type != PROFILE_ID_AUTO || id->value[0] == '\0')
		return id->type;
	if (id->value[0] == '@')
		return PROFILE_ID_FQDN;
	if (inet_pton(AF_INET, id->value, &a) == 1)
		return PROFILE_ID_IPV4;
	if (strchr(id->value, '='))
		return PROFILE_ID_DN;
	if (strchr(id->value, '@'))
		return PROFILE_ID_USER_FQDN;
	return PROFILE_ID_FQDN;
}
