/*
 * L2TP headers (RFC 2661 §3.1) and control messages as a whole: decoding
 * every AVP a LAC meets into one struct, building messages. Internal.
 */
#ifndef L2TPSEC_L2TP_MESSAGE_H
#define L2TPSEC_L2TP_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "l2tp/hidden.h"
#include "lib/buf.h"

struct l2tp_hdr {
	uint16_t flags;
	bool control;    /* T bit */
	bool has_seq;    /* S bit: ns/nr valid */
	bool has_length; /* L bit */
	uint16_t tunnel_id;
	uint16_t session_id;
	uint16_t ns;
	uint16_t nr;
	size_t payload_off; /* first byte after header and offset padding */
	size_t payload_len; /* up to the Length field when present */
};

/* Parse an L2TPv2 header. Returns 0, or -1 with *why set: wrong version,
 * short buffer, a Length field that disagrees with the datagram, or a control
 * message without the L and S bits (RFC 2661 §3.1 makes them mandatory). */
int l2tp_hdr_parse(const uint8_t *buf, size_t len, struct l2tp_hdr *h, const char **why);

struct l2tp_bytes {
	const uint8_t *p;
	size_t len;
};

/* Everything a LAC reads from a control message, RFC 2661 §4.4. */
struct l2tp_ctrl_msg {
	uint16_t type;
	bool type_mandatory;
	uint64_t present; /* bit n set: AVP of type n seen */
	uint16_t proto_version;
	uint16_t firmware_rev;
	uint16_t tunnel_id;  /* Assigned Tunnel ID */
	uint16_t session_id; /* Assigned Session ID */
	uint16_t rwin;
	uint32_t framing_caps, bearer_caps;
	uint32_t call_serial, bearer_type, framing_type;
	uint32_t tx_speed, rx_speed, phys_channel;
	uint32_t accm_send, accm_recv;
	uint16_t result, error;
	bool has_error; /* Result Code carried an error code (MikroTik omits it) */
	struct l2tp_bytes result_msg, host_name, vendor_name, challenge, q931;
	uint8_t challenge_resp[L2TP_MD5_LEN];
	uint8_t tie_breaker[8];
	/* The first AVP we do not recognise that has the M bit (RFC 2661 §4.1). */
	bool unknown_mandatory;
	uint16_t unknown_vendor, unknown_type;
	/* Decoded hidden values live here. */
	uint8_t arena[2048];
	size_t arena_used;
};

static inline bool l2tp_msg_has(const struct l2tp_ctrl_msg *m, unsigned type)
{
	return type < 64 && (m->present >> type) & 1;
}

/* Decode the AVPs of one control message (buf, len: after the header).
 * secret may be NULL: hidden AVPs then cannot be read. Returns 0 (check
 * m->unknown_mandatory), or -1 when the message is malformed, with *error_code
 * the RFC 2661 general error code to report and *why in words. */
int l2tp_ctrl_decode(const uint8_t *buf, size_t len, const uint8_t *secret, size_t secret_len,
                     struct l2tp_ctrl_msg *m, uint16_t *error_code, const char **why);

/* Start a control message: header with T, L, S set (Ns/Nr are stamped by the
 * reliable-delivery engine) and the Message Type AVP. */
void l2tp_ctrl_begin(struct buf_writer *w, uint16_t tunnel_id, uint16_t session_id, uint16_t type);
/* Patch the Length field. Returns the message length, or -1 on overflow. */
int l2tp_ctrl_finish(struct buf_writer *w);

#endif
