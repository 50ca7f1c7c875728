/*
 * The option-negotiation automaton of RFC 1661 §4, shared by LCP, IPCP and
 * IPV6CP. The protocol supplies the option handling through fsm_ops; the
 * automaton owns the states, the Restart timer and the counters.
 */
#ifndef L2TPSEC_PPP_FSM_H
#define L2TPSEC_PPP_FSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/loop.h"
#include "ppp/ppp.h"

struct ppp;
struct fsm;

/* RFC 1661 §5 packet codes. */
enum {
	CODE_CONF_REQ = 1,
	CODE_CONF_ACK = 2,
	CODE_CONF_NAK = 3,
	CODE_CONF_REJ = 4,
	CODE_TERM_REQ = 5,
	CODE_TERM_ACK = 6,
	CODE_CODE_REJ = 7,
	CODE_PROTO_REJ = 8,
	CODE_ECHO_REQ = 9,
	CODE_ECHO_REP = 10,
	CODE_DISCARD_REQ = 11,
	CODE_IDENTIFICATION = 12, /* RFC 1570 */
	CODE_TIME_REMAINING = 13, /* RFC 1570 */
};

#define FSM_GIVE_UP (-2)

/* Our Configure-Requests are small; this bounds what we remember of one. */
#define FSM_REQ_MAX 64

struct fsm_ops {
	/* A fresh negotiation starts (irc before the first scr): reset our wishes. */
	void (*reset)(struct fsm *f);
	/* Append our Configure-Request options. */
	void (*build_request)(struct fsm *f, struct buf_writer *w);
	/* The peer Nak'd / Rejected options of our request: adjust our wishes.
	 * Return -1 when the packet is malformed or names options we did not
	 * send (Reject), so it is discarded. */
	int (*recv_nak)(struct fsm *f, const uint8_t *opts, size_t len);
	int (*recv_reject)(struct fsm *f, const uint8_t *opts, size_t len);
	/* The peer's Configure-Request: write the options of our answer into w
	 * and return CODE_CONF_ACK, _NAK or _REJ; -1 discards a malformed packet.
	 * When may_nak is false (Max-Failure reached) answer Reject, not Nak.
	 * FSM_GIVE_UP closes the automaton (set fail_why first). */
	int (*recv_request)(struct fsm *f, const uint8_t *opts, size_t len, bool may_nak,
	                    struct buf_writer *w);
	void (*up)(struct fsm *f);       /* tlu */
	void (*down)(struct fsm *f);     /* tld */
	void (*starting)(struct fsm *f); /* tls */
	void (*finished)(struct fsm *f); /* tlf */
	/* Codes above 7 (LCP only); return -1 for an unknown code (Code-Reject). */
	int (*other_code)(struct fsm *f, uint8_t code, uint8_t id, const uint8_t *data, size_t len);
};

struct fsm {
	struct ppp *ppp;
	const struct fsm_ops *ops;
	const char *name;
	uint16_t proto;
	enum ppp_fsm_state state;
	uint8_t next_id; /* Identifier of our next packet */
	uint8_t req_id;  /* Identifier of our outstanding Configure-Request */
	unsigned restart_count;
	unsigned naks_sent; /* Configure-Naks sent since our last Ack (Max-Failure) */
	unsigned naks_rcvd; /* Nak/Reject rounds for our request without an Ack */
	struct loop_timer timer;
	uint8_t req[FSM_REQ_MAX]; /* options of our outstanding request */
	size_t req_len;
	const char *fail_why; /* why the automaton last gave up, for the logs */
	bool peer_terminated; /* left Opened on the peer's Terminate-Request */
};

void fsm_init(struct fsm *f, struct ppp *ppp, uint16_t proto, const char *name,
              const struct fsm_ops *ops);
/* Administrative and lower-layer events (RFC 1661 §4.3). */
void fsm_lower_up(struct fsm *f);
void fsm_lower_down(struct fsm *f);
void fsm_open(struct fsm *f);
void fsm_close(struct fsm *f);
/* One packet of this protocol (code, id, length, data); checks the header. */
void fsm_input(struct fsm *f, const uint8_t *pkt, size_t len);
/* RXJ- from a Protocol-Reject naming this protocol. */
void fsm_protocol_rejected(struct fsm *f);
/* Send code/id/data as a packet of this protocol. */
int fsm_send(struct fsm *f, uint8_t code, uint8_t id, const uint8_t *data, size_t len);
void fsm_stop_timer(struct fsm *f);

#endif
