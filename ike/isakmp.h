/*
 * ISAKMP message codec (RFC 2408 §3, RFC 2407 §4, RFC 3947 §3-5).
 *
 * Parsing never copies payload bodies: struct isakmp_payload points into the
 * caller's buffer, which must outlive the parsed message. Writing goes through
 * struct isakmp_builder, which chains the Next Payload fields as payloads are
 * appended.
 */
#ifndef L2TPSEC_IKE_ISAKMP_H
#define L2TPSEC_IKE_ISAKMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

#define ISAKMP_HDR_LEN      28
#define ISAKMP_GEN_HDR_LEN  4
#define ISAKMP_VERSION      0x10 /* major 1, minor 0 */
#define ISAKMP_MAX_MSG      8192
#define ISAKMP_MAX_PAYLOADS 32
#define ISAKMP_COOKIE_LEN   8

/* RFC 2408 §3.1 payload types, RFC 3947 §3.2/§5.2 and the draft numbers. */
enum isakmp_payload_type {
	ISAKMP_NP_NONE = 0,
	ISAKMP_NP_SA = 1,
	ISAKMP_NP_P = 2,
	ISAKMP_NP_T = 3,
	ISAKMP_NP_KE = 4,
	ISAKMP_NP_ID = 5,
	ISAKMP_NP_CERT = 6,
	ISAKMP_NP_CR = 7,
	ISAKMP_NP_HASH = 8,
	ISAKMP_NP_SIG = 9,
	ISAKMP_NP_NONCE = 10,
	ISAKMP_NP_N = 11,
	ISAKMP_NP_D = 12,
	ISAKMP_NP_VID = 13,
	ISAKMP_NP_NATD = 20,
	ISAKMP_NP_NATOA = 21,
	ISAKMP_NP_NATD_DRAFT = 130,
	ISAKMP_NP_NATOA_DRAFT = 131,
	ISAKMP_NP_FRAG = 132,
};

enum isakmp_exchange {
	ISAKMP_XCHG_IDPROT = 2, /* Main Mode */
	ISAKMP_XCHG_AGGR = 4,
	ISAKMP_XCHG_INFO = 5,
	ISAKMP_XCHG_QUICK = 32,
};

#define ISAKMP_FLAG_ENC      0x01
#define ISAKMP_FLAG_COMMIT   0x02
#define ISAKMP_FLAG_AUTHONLY 0x04

#define IPSEC_DOI               1
#define IPSEC_SIT_IDENTITY_ONLY 1

enum isakmp_proto {
	PROTO_ISAKMP = 1,
	PROTO_IPSEC_AH = 2,
	PROTO_IPSEC_ESP = 3,
};

#define KEY_IKE 1

/* Phase 1 attributes, RFC 2409 Appendix A. */
enum ike_attr {
	IKE_ATTR_ENC = 1,
	IKE_ATTR_HASH = 2,
	IKE_ATTR_AUTH = 3,
	IKE_ATTR_GROUP = 4,
	IKE_ATTR_LIFE_TYPE = 11,
	IKE_ATTR_LIFE_DURATION = 12,
	IKE_ATTR_KEY_LEN = 14,
};
enum { IKE_ENC_DES = 1, IKE_ENC_3DES = 5, IKE_ENC_AES = 7 };
enum {
	IKE_HASH_MD5 = 1,
	IKE_HASH_SHA1 = 2,
	IKE_HASH_SHA256 = 4,
	IKE_HASH_SHA384 = 5,
	IKE_HASH_SHA512 = 6
};
/* RFC 2409 Appendix A; ECDSA with the NIST curves: RFC 4754 §8. */
enum {
	IKE_AUTH_METHOD_PSK = 1,
	IKE_AUTH_METHOD_RSA_SIG = 3,
	IKE_AUTH_METHOD_ECDSA_256 = 9,
	IKE_AUTH_METHOD_ECDSA_384 = 10,
	IKE_AUTH_METHOD_ECDSA_521 = 11,
};
enum { LIFE_TYPE_SECONDS = 1, LIFE_TYPE_KB = 2 };

/* Phase 2 (IPsec DOI) attributes, RFC 2407 §4.5, RFC 3947 §5.1. */
enum ipsec_attr {
	IPSEC_ATTR_LIFE_TYPE = 1,
	IPSEC_ATTR_LIFE_DURATION = 2,
	IPSEC_ATTR_GROUP = 3,
	IPSEC_ATTR_ENCAP = 4,
	IPSEC_ATTR_AUTH = 5,
	IPSEC_ATTR_KEY_LEN = 6,
};
enum {
	ENCAP_TUNNEL = 1,
	ENCAP_TRANSPORT = 2,
	ENCAP_UDP_TUNNEL_RFC = 3,
	ENCAP_UDP_TRANSPORT_RFC = 4,
	ENCAP_UDP_TUNNEL_DRAFT = 61443,
	ENCAP_UDP_TRANSPORT_DRAFT = 61444
};
enum { ESP_T_DES = 2, ESP_T_3DES = 3, ESP_T_NULL = 11, ESP_T_AES = 12, ESP_T_AES_GCM_16 = 20 };
enum {
	AUTH_ALG_HMAC_MD5 = 1,
	AUTH_ALG_HMAC_SHA = 2,
	AUTH_ALG_HMAC_SHA256 = 5,
	AUTH_ALG_HMAC_SHA384 = 6,
	AUTH_ALG_HMAC_SHA512 = 7
};

/* RFC 2407 §4.6.2.1 */
enum {
	ID_IPV4_ADDR = 1,
	ID_FQDN = 2,
	ID_USER_FQDN = 3,
	ID_IPV4_ADDR_SUBNET = 4,
	ID_IPV6_ADDR = 5,
	ID_DER_ASN1_DN = 9,
	ID_KEY_ID = 11
};

#define CERT_X509_SIG 4

/* RFC 2408 §3.14.1 error types and RFC 2407 §4.6.3 status types. */
enum isakmp_notify_type {
	N_INVALID_PAYLOAD_TYPE = 1,
	N_INVALID_COOKIE = 4,
	N_INVALID_EXCHANGE_TYPE = 7,
	N_INVALID_FLAGS = 8,
	N_INVALID_MESSAGE_ID = 9,
	N_INVALID_SPI = 11,
	N_INVALID_PROTOCOL_ID = 10,
	N_INVALID_TRANSFORM_ID = 12,
	N_ATTRIBUTES_NOT_SUPPORTED = 13,
	N_NO_PROPOSAL_CHOSEN = 14,
	N_BAD_PROPOSAL_SYNTAX = 15,
	N_PAYLOAD_MALFORMED = 16,
	N_INVALID_KEY_INFORMATION = 17,
	N_INVALID_ID_INFORMATION = 18,
	N_INVALID_CERT_ENCODING = 19,
	N_INVALID_CERTIFICATE = 20,
	N_INVALID_HASH_INFORMATION = 23,
	N_AUTHENTICATION_FAILED = 24,
	N_INVALID_SIGNATURE = 25,
	N_NOTIFY_SA_LIFETIME = 27,
	N_CERTIFICATE_UNAVAILABLE = 28,
	N_UNEQUAL_PAYLOAD_LENGTHS = 30,
	N_RESPONDER_LIFETIME = 24576,
	N_REPLAY_STATUS = 24577,
	N_INITIAL_CONTACT = 24578,
	N_DPD_R_U_THERE = 36136,
	N_DPD_R_U_THERE_ACK = 36137,
};

struct isakmp_hdr {
	uint8_t icookie[ISAKMP_COOKIE_LEN];
	uint8_t rcookie[ISAKMP_COOKIE_LEN];
	uint8_t next;
	uint8_t version;
	uint8_t exchange;
	uint8_t flags;
	uint32_t msgid;
	uint32_t len;
};

/* One payload: body excludes the 4-byte generic header; raw includes it
 * (Quick Mode hashes cover whole payloads, RFC 2409 §5.5). */
struct isakmp_payload {
	uint8_t type;
	const uint8_t *body;
	size_t len;
	const uint8_t *raw;
	size_t raw_len;
};

struct isakmp_msg {
	struct isakmp_hdr hdr;
	struct isakmp_payload pl[ISAKMP_MAX_PAYLOADS];
	size_t count;
	size_t chain_len; /* bytes the payload chain covers (without padding) */
};

/* Header of a datagram (without the non-ESP marker). Checks version,
 * that the length field matches the datagram and fits the maximum. */
int ike_isakmp_parse_hdr(const uint8_t *buf, size_t len, struct isakmp_hdr *hdr);
/* Walks the payload chain starting with type first over buf. Bytes after the
 * last payload are allowed only when trailing_ok (padding of a decrypted
 * body). Returns 0, or -1 with *notify set to the error to report. */
int ike_isakmp_parse_payloads(uint8_t first, const uint8_t *buf, size_t len, bool trailing_ok,
                              struct isakmp_msg *msg, uint16_t *notify);
/* A plain (unencrypted) message: header and payload chain. */
int ike_isakmp_parse_plain(const uint8_t *buf, size_t len, struct isakmp_msg *msg,
                           uint16_t *notify);
const struct isakmp_payload *ike_isakmp_find(const struct isakmp_msg *msg, uint8_t type,
                                             size_t nth);
size_t ike_isakmp_count(const struct isakmp_msg *msg, uint8_t type);

/* ---- Builder ---- */
struct isakmp_builder {
	struct buf_writer w;
	size_t next_off; /* where the current last Next Payload byte lives */
	size_t pl_start; /* start of the payload being written */
};

void ike_isakmp_build_begin(struct isakmp_builder *b, uint8_t *buf, size_t cap,
                            const struct isakmp_hdr *hdr);
/* Start a payload of type; write its body with b->w, then ike_isakmp_pl_end. */
void ike_isakmp_pl_begin(struct isakmp_builder *b, uint8_t type);
void ike_isakmp_pl_end(struct isakmp_builder *b);
/* Convenience: a payload whose body is given whole. */
void ike_isakmp_pl_add(struct isakmp_builder *b, uint8_t type, const void *body, size_t len);
/* Patch the header length; returns the message length, or 0 on overflow. */
size_t ike_isakmp_build_end(struct isakmp_builder *b);

/* ---- SA payload (RFC 2408 §3.4-3.6, RFC 2407 §4.6.1) ---- */
#define ISAKMP_MAX_ATTRS      16
#define ISAKMP_MAX_TRANSFORMS 32
#define ISAKMP_MAX_PROPOSALS  8

struct isakmp_attr {
	uint16_t type;  /* without the AF bit */
	bool tv;        /* basic (TV) form */
	uint64_t value; /* TV value or a TLV value of up to 8 bytes */
};

struct isakmp_transform {
	uint8_t num;
	uint8_t id;
	struct isakmp_attr attr[ISAKMP_MAX_ATTRS];
	size_t nattr;
};

struct isakmp_proposal {
	uint8_t num;
	uint8_t proto;
	uint8_t spi_len;
	uint8_t spi[16];
	struct isakmp_transform tr[ISAKMP_MAX_TRANSFORMS];
	size_t ntr;
};

struct isakmp_sa {
	uint32_t doi;
	uint32_t situation;
	struct isakmp_proposal prop[ISAKMP_MAX_PROPOSALS];
	size_t nprop;
};

int ike_isakmp_parse_sa(const uint8_t *body, size_t len, struct isakmp_sa *sa, uint16_t *notify);
/* Writes an SA payload body (DOI, situation, proposals) at b->w. */
void ike_isakmp_write_sa_body(struct buf_writer *w, const struct isakmp_sa *sa);
/* Attribute value by type; false when absent. */
bool ike_isakmp_attr_get(const struct isakmp_transform *t, uint16_t type, uint64_t *value);
void ike_isakmp_attr_put(struct isakmp_transform *t, uint16_t type, uint64_t value);

/* ---- Other payloads (RFC 2407 §4.6.2, RFC 2408 §3.7-3.15) ---- */
struct isakmp_id {
	uint8_t type;
	uint8_t proto; /* IPsec DOI: IP protocol, 0 in phase 1 */
	uint16_t port;
	const uint8_t *data;
	size_t len;
};
int ike_isakmp_parse_id(const uint8_t *body, size_t len, struct isakmp_id *id);
void ike_isakmp_write_id(struct buf_writer *w, const struct isakmp_id *id);

struct isakmp_notify {
	uint32_t doi;
	uint8_t proto;
	uint8_t spi_len;
	uint16_t type;
	const uint8_t *spi;
	const uint8_t *data;
	size_t data_len;
};
int ike_isakmp_parse_notify(const uint8_t *body, size_t len, struct isakmp_notify *n);
void ike_isakmp_write_notify(struct buf_writer *w, const struct isakmp_notify *n);

#define ISAKMP_MAX_DELETE_SPIS 16
struct isakmp_delete {
	uint32_t doi;
	uint8_t proto;
	uint8_t spi_len;
	uint16_t nspi;
	const uint8_t *spis; /* nspi * spi_len bytes */
};
int ike_isakmp_parse_delete(const uint8_t *body, size_t len, struct isakmp_delete *d);
void ike_isakmp_write_delete(struct buf_writer *w, const struct isakmp_delete *d);

/* CERT and CR: one encoding byte, then data (RFC 2408 §3.9/3.10). */
struct isakmp_cert {
	uint8_t encoding;
	const uint8_t *data;
	size_t len;
};
int ike_isakmp_parse_cert(const uint8_t *body, size_t len, struct isakmp_cert *c);

/* NAT-OA (RFC 3947 §5.2): ID type (IPv4/IPv6), 3 reserved bytes, address. */
struct isakmp_natoa {
	uint8_t type;
	uint8_t addr[16];
	size_t addr_len;
};
int ike_isakmp_parse_natoa(const uint8_t *body, size_t len, struct isakmp_natoa *oa);
void ike_isakmp_write_natoa(struct buf_writer *w, const struct isakmp_natoa *oa);

#endif
