/* Hex encoding for debug logs, test vectors and configuration values. */
#ifndef L2TPSEC_LIB_HEX_H
#define L2TPSEC_LIB_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Writes 2*len hex digits and a NUL into out (outsz >= 2*len+1), truncating
 * at a whole byte when out is too small. Returns the number of digits written. */
size_t hex_encode(char *out, size_t outsz, const void *buf, size_t len);

/* Decodes hex digits (upper or lower case; spaces and ':' between bytes are
 * allowed). Returns the number of bytes, or -1 on an odd digit count, a bad
 * character or an output buffer that is too small. */
long hex_decode(const char *hex, uint8_t *out, size_t outcap);

/* Formats one line of a classic hex dump ("0010  01 02 ...  |..|") for the
 * 16 bytes starting at off. Returns the line length. */
size_t hex_dump_line(char *out, size_t outsz, const uint8_t *buf, size_t len, size_t off);

#endif
