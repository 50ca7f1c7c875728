/*
 * IKEv1 fragmentation: the proprietary extension of Cisco and Microsoft
 * (Windows 7 and later; strongSwan and Libreswan `fragmentation=yes`). No RFC
 * describes it; the wire format is what those implementations agree on.
 *
 * Both sides announce it with a vendor ID: MD5("FRAGMENTATION"), optionally
 * followed by 4 capability bytes whose bit 0x80000000 means "Main and
 * Aggressive Mode messages". A message too long for one unfragmented IP
 * datagram is then cut into datagrams that each carry an ISAKMP header (the
 * message's cookies, exchange Main Mode, message ID 0, no flags) and one
 * Fragment payload (type 132):
 *
 *   next payload (0) | reserved | payload length (2)
 *   fragment ID (2)  | fragment number (1, from 1) | flags (1; 0x01 = last)
 *   fragment data
 *
 * The receiver joins the data in number order and handles the result as the
 * datagram it would have received whole. Fragments are not authenticated
 * (the joined message is), so reassembly is bounded in every way: one message
 * at a time, IKE_FRAG_MAX fragments, ISAKMP_MAX_MSG bytes, IKE_FRAG_TIMEOUT_MS.
 */
#ifndef L2TPSEC_IKE_FRAG_H
#define L2TPSEC_IKE_FRAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/isakmp.h"

#define IKE_FRAG_PL_HDR_LEN 8 /* generic header + ID, number, flags */
#define IKE_FRAG_FLAG_LAST  0x01
#define IKE_FRAG_MAX        32    /* fragments of one message */
#define IKE_FRAG_TIMEOUT_MS 10000 /* a message's fragments must all come within */
/* Fragment data per datagram when sending: a 1280-byte IPv4 datagram (the
 * IPv6 minimum MTU, strongSwan's default fragment_size) minus the IP and UDP
 * headers, the non-ESP marker, the ISAKMP header and the Fragment payload
 * header. Messages up to this many bytes plus the two ISAKMP headers' worth
 * go out whole. */
#define IKE_FRAG_DATA_LEN  (1280 - 20 - 8 - 4 - ISAKMP_HDR_LEN - IKE_FRAG_PL_HDR_LEN)
#define IKE_FRAG_THRESHOLD (1280 - 20 - 8 - 4)

struct isakmp_builder;

/* Our vendor ID (with the Main Mode capability), for MM1. */
void ike_frag_write_vid(struct isakmp_builder *b);
/* A vendor ID announcing fragmentation of Main Mode messages: 16 bytes, or
 * 20 with the 0x80000000 capability bit. */
bool ike_frag_vid_matches(const uint8_t *vid, size_t len);

/* Whether a message of len bytes goes out as IKE fragments: longer than
 * IKE_FRAG_THRESHOLD and cut into at most IKE_FRAG_MAX of them, when the
 * gateway announced fragmentation or force is set; never when off. */
bool ike_frag_wanted(size_t len, bool peer_announced, bool force, bool off);

/* Number of fragments for a message of len bytes cut into chunk-byte pieces. */
size_t ike_frag_count(size_t len, size_t chunk);
/* Datagram number num (1..count) of msg: written to out, its length
 * returned; 0 when num is out of range, msg is no ISAKMP message or the
 * fragment does not fit cap. */
size_t ike_frag_build(const uint8_t *msg, size_t len, uint16_t frag_id, size_t num, size_t chunk,
                      uint8_t *out, size_t cap);

/* Reassembly of one message at a time. */
struct ike_defrag {
	bool active;
	uint8_t cookies[2 * ISAKMP_COOKIE_LEN];
	uint16_t id;
	uint8_t last; /* number of the fragment flagged last; 0 = not seen yet */
	uint64_t started_ms;
	/* By fragment number: where its data lies in pool; len 0 = missing. */
	uint16_t off[IKE_FRAG_MAX + 1], len[IKE_FRAG_MAX + 1];
	size_t used;
	uint8_t pool[ISAKMP_MAX_MSG];
};

enum ike_defrag_result {
	IKE_DEFRAG_ERROR = -1, /* this fragment was refused (why says so) */
	IKE_DEFRAG_MORE = 0,   /* kept; more to come */
	IKE_DEFRAG_DONE = 1,   /* the message is whole in out; state reset */
};

void ike_defrag_reset(struct ike_defrag *d);
/* One datagram whose ISAKMP header names a Fragment payload first. A
 * fragment of another message (other cookies or fragment ID) or one
 * arriving after IKE_FRAG_TIMEOUT_MS starts over. The joined message must
 * be an ISAKMP message with the fragments' cookies that is not itself a
 * fragment, else IKE_DEFRAG_ERROR. */
enum ike_defrag_result ike_defrag_add(struct ike_defrag *d, const uint8_t *buf, size_t len,
                                      uint64_t now_ms, uint8_t *out, size_t cap, size_t *out_len,
                                      const char **why);

#endif
