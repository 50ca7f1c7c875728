/*
 * MS-CHAPv2 (RFC 2759) computations and the parsing of the authenticator's
 * Success and Failure messages. Pure functions over a struct ppp_crypto, so
 * the RFC 2759 §9.2 vectors can be checked directly.
 */
#ifndef L2TPSEC_PPP_MSCHAPV2_H
#define L2TPSEC_PPP_MSCHAPV2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ppp/crypto.h"

#define MSCHAPV2_CHALLENGE_LEN     16
#define MSCHAPV2_NT_RESPONSE_LEN   24
#define MSCHAPV2_RESPONSE_LEN      49 /* peer challenge, 8 reserved, NT-Response, flags */
#define MSCHAPV2_AUTH_RESPONSE_LEN 42 /* "S=" and 40 hex digits */

/* MD4 of the password in UTF-16LE (RFC 2759 §8.3 NtPasswordHash). The
 * password is UTF-8; invalid bytes are taken as Latin-1. */
int mschap_nt_password_hash(const struct ppp_crypto *c, const uint8_t *pw, size_t pw_len,
                            uint8_t out[16]);
/* RFC 2759 §8.2; user without any "DOMAIN\" prefix is hashed. */
int mschapv2_challenge_hash(const struct ppp_crypto *c, const uint8_t peer_chal[16],
                            const uint8_t auth_chal[16], const char *user, uint8_t out[8]);
/* RFC 2759 §8.1 GenerateNTResponse. */
int mschapv2_nt_response(const struct ppp_crypto *c, const uint8_t auth_chal[16],
                         const uint8_t peer_chal[16], const char *user, const uint8_t *pw,
                         size_t pw_len, uint8_t out[24]);
/* RFC 2759 §8.7 GenerateAuthenticatorResponse: "S=" + 40 upper-case hex + NUL. */
int mschapv2_authenticator_response(const struct ppp_crypto *c, const uint8_t *pw, size_t pw_len,
                                    const uint8_t nt_resp[24], const uint8_t peer_chal[16],
                                    const uint8_t auth_chal[16], const char *user,
                                    char out[MSCHAPV2_AUTH_RESPONSE_LEN + 1]);

/*
 * Check the message of a Success packet against the expected "S=..." string.
 * Tolerant of what Windows RRAS sends: "S=<hex>" alone, " M=<text>" or
 * "M=<text>" without the space, trailing NULs, lower-case hex, and the S=
 * field somewhere other than first. The M= text (sanitised) goes to text.
 * Returns 0 when the authenticator response matches, -1 otherwise.
 */
int mschapv2_check_success(const char *expected, const uint8_t *msg, size_t len, char *text,
                           size_t textsz);

/* Failure message "E=eee R=r C=cccc V=vvv M=<msg>" (RFC 2759 §6). */
struct mschapv2_failure {
	int error;      /* E=, -1 when absent */
	bool retry;     /* R=1 */
	char text[128]; /* M=, sanitised */
};
void mschapv2_parse_failure(const uint8_t *msg, size_t len, struct mschapv2_failure *out);
const char *mschapv2_error_name(int error);

/* Copy peer text into out as printable ASCII ('?' for the rest), NUL-terminated. */
void ppp_sanitize_text(char *out, size_t outsz, const uint8_t *in, size_t len);

#endif
