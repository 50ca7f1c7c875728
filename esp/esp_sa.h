/*
 * The contract between ike/ and esp/: everything IKE negotiated for one
 * transport-mode ESP SA pair, handed to a data path to install.
 *
 * IKE fills this from Quick Mode (RFC 2409 §5.5 KEYMAT, RFC 3947 NAT-T);
 * esp/ installs it in the kernel (XFRM) or keeps it for userspace ESP.
 * Keys are secrets: clear the struct with secure_clear() when done.
 */
#ifndef L2TPSEC_ESP_SA_H
#define L2TPSEC_ESP_SA_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

enum esp_cipher {
	ESP_CIPHER_NULL = 0,
	ESP_CIPHER_3DES_CBC,   /* 24-byte key */
	ESP_CIPHER_AES_CBC,    /* 16/24/32-byte key */
	ESP_CIPHER_AES_GCM_16, /* 16/32-byte key + 4-byte salt, 16-byte ICV (RFC 4106) */
};

enum esp_auth {
	ESP_AUTH_NONE = 0, /* only with AES-GCM */
	ESP_AUTH_HMAC_MD5_96,
	ESP_AUTH_HMAC_SHA1_96,
	ESP_AUTH_HMAC_SHA256_128,
	ESP_AUTH_HMAC_SHA256_96, /* pre-RFC 4868 truncation some peers still use */
	ESP_AUTH_HMAC_SHA384_192,
	ESP_AUTH_HMAC_SHA512_256,
};

/* The one table of ESP algorithms (esp/esp_algs.c): the data paths, the
 * kernel's names and the tunnel MTU all read it. */
struct esp_cipher_info {
	enum esp_cipher cipher;
	uint8_t key_len;       /* GCM: salt included */
	const char *name;      /* strongSwan's */
	const char *evp_name;  /* OpenSSL's; NULL for null */
	const char *xfrm_name; /* the Linux crypto API's (`ip xfrm`) */
	uint8_t iv_len;
	uint8_t block_len; /* padding to it (at least 4, RFC 4303 §2.4) */
	uint8_t icv_len;   /* combined mode: its tag; else the auth's */
};

struct esp_auth_info {
	enum esp_auth auth;
	const char *name;      /* strongSwan's */
	const char *digest;    /* OpenSSL's */
	const char *xfrm_name; /* the Linux crypto API's */
	uint8_t key_len;       /* RFC 2403/2404/4868: the key is the digest size */
	uint8_t icv_len;       /* the truncated MAC on the wire */
	uint8_t mac_len;       /* the whole MAC */
};

/* key_len 0: the first row of that cipher (its sizes but the key's are the
 * same for every key length). NULL when unknown. */
const struct esp_cipher_info *esp_cipher_info(enum esp_cipher cipher, size_t key_len);
const struct esp_auth_info *esp_auth_info(enum esp_auth auth);

#define ESP_MAX_ENC_KEY  36 /* AES-256 key + GCM salt */
#define ESP_MAX_AUTH_KEY 64

/* One direction. */
struct esp_sa {
	uint32_t spi; /* host byte order */
	enum esp_cipher cipher;
	uint8_t enc_key[ESP_MAX_ENC_KEY];
	uint8_t enc_key_len; /* bytes, GCM salt included */
	enum esp_auth auth;
	uint8_t auth_key[ESP_MAX_AUTH_KEY];
	uint8_t auth_key_len;
};

struct esp_lifetime {
	uint64_t soft_bytes, hard_bytes;     /* 0 = none */
	uint32_t soft_seconds, hard_seconds; /* 0 = none */
};

/* A negotiated pair: in (gateway -> us) and out (us -> gateway). */
struct esp_sa_pair {
	struct esp_sa in, out;
	struct esp_lifetime lifetime;
	/* Outer addresses as seen on our socket: our local address and the
	 * gateway's address; ports are the IKE ports in use (4500 after the
	 * NAT-T float, then ESP travels in UDP between the same ports). */
	struct sockaddr_storage local, remote;
	bool udp_encap; /* RFC 3948 ESP-in-UDP */
	/* Traffic selectors (transport mode): UDP between our L2TP port and
	 * the gateway's L2TP port (1701). Ports in host byte order. */
	uint16_t local_l2tp_port, remote_l2tp_port;
	/* NAT-OA (RFC 3947 §5.2): original addresses, for fixing the inner
	 * UDP checksum of transport-mode packets (RFC 3948 §3.1.2). */
	bool have_nat_oa_local, have_nat_oa_remote;
	struct sockaddr_storage nat_oa_local, nat_oa_remote;
	uint32_t reqid; /* set by esp/ when installing; 0 from IKE */
};

#endif
