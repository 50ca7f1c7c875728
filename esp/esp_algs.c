/* The one table of ESP algorithms: names, key sizes, overheads, and what
 * OpenSSL and the kernel call them (esp/esp_sa.h). */
#include <stddef.h>

#include "esp/esp_sa.h"
#include "lib/util.h"

static const struct esp_cipher_info ciphers[] = {
    /* cipher, key (GCM: + 4-byte salt), name, OpenSSL, kernel, IV, block, ICV */
    {ESP_CIPHER_NULL, 0, "null", NULL, "ecb(cipher_null)", 0, 1, 0},             /* RFC 2410 */
    {ESP_CIPHER_3DES_CBC, 24, "3des", "DES-EDE3-CBC", "cbc(des3_ede)", 8, 8, 0}, /* RFC 2451 */
    {ESP_CIPHER_AES_CBC, 16, "aes128", "AES-128-CBC", "cbc(aes)", 16, 16, 0},    /* RFC 3602 */
    {ESP_CIPHER_AES_CBC, 24, "aes192", "AES-192-CBC", "cbc(aes)", 16, 16, 0},
    {ESP_CIPHER_AES_CBC, 32, "aes256", "AES-256-CBC", "cbc(aes)", 16, 16, 0},
    /* RFC 4106: 8-byte explicit IV, 16-byte ICV, no padding beyond 4 bytes */
    {ESP_CIPHER_AES_GCM_16, 20, "aes128gcm16", "AES-128-GCM", "rfc4106(gcm(aes))", 8, 1, 16},
    {ESP_CIPHER_AES_GCM_16, 28, "aes192gcm16", "AES-192-GCM", "rfc4106(gcm(aes))", 8, 1, 16},
    {ESP_CIPHER_AES_GCM_16, 36, "aes256gcm16", "AES-256-GCM", "rfc4106(gcm(aes))", 8, 1, 16},
};

static const struct esp_auth_info auths[] = {
    /* auth, name, OpenSSL digest, kernel, key (= digest size), ICV, MAC */
    {ESP_AUTH_HMAC_MD5_96, "md5", "MD5", "hmac(md5)", 16, 12, 16},                /* RFC 2403 */
    {ESP_AUTH_HMAC_SHA1_96, "sha1", "SHA1", "hmac(sha1)", 20, 12, 20},            /* RFC 2404 */
    {ESP_AUTH_HMAC_SHA256_128, "sha256", "SHA256", "hmac(sha256)", 32, 16, 32},   /* RFC 4868 */
    {ESP_AUTH_HMAC_SHA256_96, "sha256_96", "SHA256", "hmac(sha256)", 32, 12, 32}, /* pre-4868 */
    {ESP_AUTH_HMAC_SHA384_192, "sha384", "SHA384", "hmac(sha384)", 48, 24, 48},
    {ESP_AUTH_HMAC_SHA512_256, "sha512", "SHA512", "hmac(sha512)", 64, 32, 64},
};

const struct esp_cipher_info *esp_cipher_info(enum esp_cipher cipher, size_t key_len)
{
	for (size_t i = 0; i < ARRAY_SIZE(ciphers); i++)
		if (ciphers[i].cipher == cipher && (key_len == 0 || ciphers[i].key_len == key_len))
			return &ciphers[i];
	return NULL;
}

const struct esp_auth_info *esp_auth_info(enum esp_auth auth)
{
	for (size_t i = 0; i < ARRAY_SIZE(auths); i++)
		if (auths[i].auth == auth)
			return &auths[i];
	return NULL;
}
