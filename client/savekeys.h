/*
 * --save-keys DIR / save-keys = DIR: the keys of the connection, in the
 * files Wireshark reads from a profile directory, the way strongSwan's
 * save-keys plugin writes them:
 *   ikev1_decryption_table  "ICOOKIE,ENCKEY" (hex), one ISAKMP SA a line;
 *   esp_sa                  one SA (direction) a line: "IPv4","SRC","DST",
 *                           "0xSPI","CIPHER","0xKEY","INTEG","0xKEY";
 *   preferences             ESP decryption on (off by default in Wireshark).
 * The files are rewritten whole (temporary file, then rename) at every new
 * SA, keeping the SAs of this run so that a capture spanning rekeys decodes.
 * DIR must be a directory owned by root that group and others cannot enter:
 * these keys decrypt the traffic.
 */
#ifndef L2TPSEC_CLIENT_SAVEKEYS_H
#define L2TPSEC_CLIENT_SAVEKEYS_H

#include <stddef.h>
#include <stdint.h>

#include "esp/esp_sa.h"
#include "ike/ike.h"

#define SAVEKEYS_MAX_IKE 16
#define SAVEKEYS_MAX_ESP 32 /* directions: 16 pairs */

struct savekeys_ike {
	uint8_t icookie[8];
	uint8_t key[64];
	size_t key_len;
};

struct savekeys_esp {
	char src[64], dst[64]; /* addresses as text */
	bool ipv6;             /* the outer family (Wireshark's "IPv4" / "IPv6") */
	uint32_t spi;
	enum esp_cipher cipher;
	enum esp_auth auth;
	uint8_t enc_key[ESP_MAX_ENC_KEY], auth_key[ESP_MAX_AUTH_KEY];
	uint8_t enc_key_len, auth_key_len;
};

struct savekeys {
	int dir_fd; /* -1: not saving */
	size_t n_ike, n_esp;
	struct savekeys_ike ike[SAVEKEYS_MAX_IKE];
	struct savekeys_esp esp[SAVEKEYS_MAX_ESP];
};

/* Checks dir (a directory, owned by root, no access for group or others)
 * and keeps it open. 0, or -1 with a reason naming dir in err. sk->dir_fd
 * is -1 after a failure. */
int savekeys_open(struct savekeys *sk, const char *dir, char *err, size_t errlen);
/* An ISAKMP SA's keys, then the files written. 0 or -1 (errno). */
int savekeys_add_ike(struct savekeys *sk, const struct ike_p1_export *k);
/* Both directions of an ESP SA pair, then the files written. */
int savekeys_add_esp(struct savekeys *sk, const struct esp_sa_pair *pair);
/* Wipes the keys kept in memory and closes the directory. The files stay
 * (they are what the person asked for). */
void savekeys_close(struct savekeys *sk);

/* The Wireshark names (esp_sa's value strings); NULL when it has none. */
const char *savekeys_cipher_name(enum esp_cipher c);
const char *savekeys_auth_name(enum esp_auth a);

#endif
