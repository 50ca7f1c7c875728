/*
 * The two places L2TP uses the tunnel secret, both MD5 through OpenSSL EVP:
 * hidden AVP values (RFC 2661 §4.3) and the tunnel authentication
 * challenge / response (RFC 2661 §4.4.3, §5.1.1). Internal to l2tp/.
 */
#ifndef L2TPSEC_L2TP_HIDDEN_H
#define L2TPSEC_L2TP_HIDDEN_H

#include <stddef.h>
#include <stdint.h>

#define L2TP_MD5_LEN 16
/* The largest AVP value: 10-bit length minus the 6-byte header. */
#define L2TP_AVP_VALUE_MAX (0x3ff - 6)

/* Recover the value of a hidden AVP of attribute type attr_type. The hidden
 * field (in, in_len) is "original length (2) | value | padding" XORed with
 * the MD5 stream keyed by the secret and the message's Random Vector.
 * Writes the value to out (out_cap >= in_len is always enough).
 * Returns 0, or -1 when the lengths do not add up (wrong secret or garbage). */
int l2tp_hidden_decode(uint16_t attr_type, const uint8_t *secret, size_t secret_len,
                       const uint8_t *rv, size_t rv_len, const uint8_t *in, size_t in_len,
                       uint8_t *out, size_t out_cap, size_t *out_len);

/* The reverse, with pad_len bytes of zero padding hidden with the value.
 * Returns 0, or -1 when out is too small or the result exceeds an AVP. */
int l2tp_hidden_encode(uint16_t attr_type, const uint8_t *secret, size_t secret_len,
                       const uint8_t *rv, size_t rv_len, const uint8_t *val, size_t val_len,
                       size_t pad_len, uint8_t *out, size_t out_cap, size_t *out_len);

/* Challenge Response = MD5(msg_type octet | secret | challenge), RFC 2661
 * §4.4.3: msg_type is that of the message carrying the response (2 SCCRP,
 * 3 SCCCN). Returns 0, or -1 when the digest failed. */
int l2tp_challenge_response(uint8_t msg_type, const uint8_t *secret, size_t secret_len,
                            const uint8_t *challenge, size_t challenge_len,
                            uint8_t out[L2TP_MD5_LEN]);

#endif
