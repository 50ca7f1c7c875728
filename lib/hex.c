#include "lib/hex.h"

#include <stdio.h>

static const char hex_digits[] = "0123456789abcdef";

size_t hex_encode(char *out, size_t outsz, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t i, n = 0;

	if (outsz == 0)
		return 0;
	for (i = 0; i < len && n + 2 < outsz; i++) {
		out[n++] = hex_digits[p[i] >> 4];
		out[n++] = hex_digits[p[i] & 0x0f];
	}
	out[n] = '\0';
	return n;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long hex_decode(const char *hex, uint8_t *out, size_t outcap)
{
	size_t n = 0;

	while (*hex) {
		int hi, lo;

		if (*hex == ' ' || *hex == ':') {
			hex++;
			continue;
		}
		hi = hex_value(hex[0]);
		lo = hi < 0 ? -1 : hex_value(hex[1]);
		if (hi < 0 || lo < 0 || n >= outcap)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | lo);
		hex += 2;
	}
	return (long)n;
}

size_t hex_dump_line(char *out, size_t outsz, const uint8_t *buf, size_t len, size_t off)
{
	size_t i, n;
	int w;

	if (outsz == 0)
		return 0;
	w = snprintf(out, outsz, "%04zx ", off);
	n = w < 0 ? 0 : (size_t)w;
	for (i = 0; i < 16 && n + 4 < outsz; i++) {
		if (off + i < len) {
			out[n++] = ' ';
			out[n++] = hex_digits[buf[off + i] >> 4];
			out[n++] = hex_digits[buf[off + i] & 0x0f];
		} else {
			out[n++] = ' ';
			out[n++] = ' ';
			out[n++] = ' ';
		}
	}
	if (n + 3 < outsz) {
		out[n++] = ' ';
		out[n++] = ' ';
		out[n++] = '|';
	}
	for (i = 0; i < 16 && off + i < len && n + 2 < outsz; i++) {
		uint8_t c = buf[off + i];

		out[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : '.';
	}
	if (n + 1 < outsz)
		out[n++] = '|';
	out[n < outsz ? n : outsz - 1] = '\0';
	return n < outsz ? n : outsz - 1;
}
