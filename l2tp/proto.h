/*
 * L2TPv2 wire values (RFC 2661). Internal to l2tp/.
 */
#ifndef L2TPSEC_L2TP_PROTO_H
#define L2TPSEC_L2TP_PROTO_H

#include <stdint.h>

#define L2TP_PORT    1701
#define L2TP_VERSION 2

/* Header flag bits, RFC 2661 §3.1 */
#define L2TP_HDR_T        0x8000u /* control message */
#define L2TP_HDR_L        0x4000u /* length field present */
#define L2TP_HDR_S        0x0800u /* Ns/Nr present */
#define L2TP_HDR_O        0x0200u /* offset size present */
#define L2TP_HDR_P        0x0100u /* priority (data only) */
#define L2TP_HDR_VER_MASK 0x000fu
#define L2TP_HDR_RESERVED 0x34f0u /* x bits: must be ignored on receipt */

/* A control header as we build it: flags, length, tunnel, session, Ns, Nr. */
#define L2TP_CTRL_HDR_LEN 12
#define L2TP_CTRL_NS_OFF  8
#define L2TP_CTRL_NR_OFF  10

/* Message types, RFC 2661 §3.2 */
enum l2tp_msg_type {
	L2TP_SCCRQ = 1,
	L2TP_SCCRP = 2,
	L2TP_SCCCN = 3,
	L2TP_STOPCCN = 4,
	L2TP_HELLO = 6,
	L2TP_OCRQ = 7,
	L2TP_OCRP = 8,
	L2TP_OCCN = 9,
	L2TP_ICRQ = 10,
	L2TP_ICRP = 11,
	L2TP_ICCN = 12,
	L2TP_CDN = 14,
	L2TP_WEN = 15,
	L2TP_SLI = 16,
};

/* AVP header bits, RFC 2661 §4.1 */
#define L2TP_AVP_M        0x8000u
#define L2TP_AVP_H        0x4000u
#define L2TP_AVP_RSVD     0x3c00u
#define L2TP_AVP_LEN_MASK 0x03ffu
#define L2TP_AVP_HDR_LEN  6

/* Attribute types, RFC 2661 §4.4 */
enum l2tp_avp_type {
	L2TP_AVP_MSG_TYPE = 0,
	L2TP_AVP_RESULT_CODE = 1,
	L2TP_AVP_PROTO_VERSION = 2,
	L2TP_AVP_FRAMING_CAPS = 3,
	L2TP_AVP_BEARER_CAPS = 4,
	L2TP_AVP_TIE_BREAKER = 5,
	L2TP_AVP_FIRMWARE_REV = 6,
	L2TP_AVP_HOST_NAME = 7,
	L2TP_AVP_VENDOR_NAME = 8,
	L2TP_AVP_TUNNEL_ID = 9,
	L2TP_AVP_RWIN = 10,
	L2TP_AVP_CHALLENGE = 11,
	L2TP_AVP_Q931_CAUSE = 12,
	L2TP_AVP_CHALLENGE_RESP = 13,
	L2TP_AVP_SESSION_ID = 14,
	L2TP_AVP_CALL_SERIAL = 15,
	L2TP_AVP_MIN_BPS = 16,
	L2TP_AVP_MAX_BPS = 17,
	L2TP_AVP_BEARER_TYPE = 18,
	L2TP_AVP_FRAMING_TYPE = 19,
	L2TP_AVP_CALLED_NUMBER = 21,
	L2TP_AVP_CALLING_NUMBER = 22,
	L2TP_AVP_SUB_ADDRESS = 23,
	L2TP_AVP_TX_SPEED = 24,
	L2TP_AVP_PHYS_CHANNEL = 25,
	L2TP_AVP_INIT_RCVD_LCP = 26,
	L2TP_AVP_LAST_SENT_LCP = 27,
	L2TP_AVP_LAST_RCVD_LCP = 28,
	L2TP_AVP_PROXY_AUTH_TYPE = 29,
	L2TP_AVP_PROXY_AUTH_NAME = 30,
	L2TP_AVP_PROXY_AUTH_CHAL = 31,
	L2TP_AVP_PROXY_AUTH_ID = 32,
	L2TP_AVP_PROXY_AUTH_RESP = 33,
	L2TP_AVP_CALL_ERRORS = 34,
	L2TP_AVP_ACCM = 35,
	L2TP_AVP_RANDOM_VECTOR = 36,
	L2TP_AVP_PRIVATE_GROUP = 37,
	L2TP_AVP_RX_SPEED = 38,
	L2TP_AVP_SEQ_REQUIRED = 39,
	L2TP_AVP_TYPE_COUNT = 40,
};

#define L2TP_PROTO_VERSION_1_0 0x0100u
#define L2TP_FRAMING_SYNC      0x1u
#define L2TP_FRAMING_ASYNC     0x2u
#define L2TP_BEARER_DIGITAL    0x1u
#define L2TP_BEARER_ANALOG     0x2u

/* StopCCN result codes, RFC 2661 §4.4.2 */
enum {
	L2TP_STOPCCN_CLEAR = 1,
	L2TP_STOPCCN_ERROR = 2,
	L2TP_STOPCCN_EXISTS = 3,
	L2TP_STOPCCN_NOT_AUTHORIZED = 4,
	L2TP_STOPCCN_BAD_VERSION = 5,
	L2TP_STOPCCN_SHUTDOWN = 6,
	L2TP_STOPCCN_FSM = 7,
};
/* CDN result codes */
enum {
	L2TP_CDN_LOST_CARRIER = 1,
	L2TP_CDN_ERROR = 2,
	L2TP_CDN_ADMIN = 3,
};
/* General error codes */
enum {
	L2TP_ERR_NONE = 0,
	L2TP_ERR_NO_TUNNEL = 1,
	L2TP_ERR_LENGTH = 2,
	L2TP_ERR_RANGE = 3,
	L2TP_ERR_RESOURCES = 4,
	L2TP_ERR_SESSION_ID = 5,
	L2TP_ERR_VENDOR = 6,
	L2TP_ERR_TRY_ANOTHER = 7,
	L2TP_ERR_UNKNOWN_M_AVP = 8,
};

/* Words for logs and the closed() callback; never NULL. */
const char *l2tp_msg_type_name(uint16_t type);
const char *l2tp_avp_name(uint16_t type);
const char *l2tp_stopccn_result_words(uint16_t result);
const char *l2tp_cdn_result_words(uint16_t result);
const char *l2tp_error_code_words(uint16_t error);

#endif
