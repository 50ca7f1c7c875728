/*
 * The engine's state, shared by tunnel.c, session.c, data.c and socket.c.
 * Internal to l2tp/.
 */
#ifndef L2TPSEC_L2TP_INT_H
#define L2TPSEC_L2TP_INT_H

#include <stdarg.h>

#include "l2tp/kernel.h"
#include "l2tp/l2tp.h"
#include "l2tp/message.h"
#include "l2tp/reliable.h"

#define L2TP_CHALLENGE_LEN    16
#define L2TP_DEFAULT_HOSTNAME "l2tpsec"
#define L2TP_MAX_DATAGRAM     4096

struct l2tp {
	struct loop *loop;
	const struct logger *lg;
	struct l2tp_config cfg; /* hostname/secret point into the copies below */
	char hostname[64];
	uint8_t *secret;
	struct l2tp_transport transport;
	bool has_transport;
	struct l2tp_callbacks cb;
	void *ctx;

	enum l2tp_state state;
	bool prepared; /* l2tp_prepare() done: checks, ids, socket */
	bool started;
	/* socket.c */
	int fd;
	bool connected;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	uint16_t local_port;
	bool ephemeral;     /* the port in use is not 1701 */
	bool port_switched; /* AUTO already tried the other choice */

	/* tunnel.c */
	struct l2tp_rel rel;
	uint16_t tid, peer_tid;
	uint8_t challenge[L2TP_CHALLENGE_LEN]; /* ours, in SCCRQ */
	char peer_host[64], peer_vendor[64];
	struct loop_timer hello_timer;
	uint64_t last_rx_ms;           /* any message from the LNS, data or control (§5.5) */
	struct loop_timer close_timer; /* closed() from a clean stack */
	/* After the LNS's StopCCN: socket and sequence state kept for a full
	 * retransmission cycle to re-ack its retransmissions (§5.7). */
	struct loop_timer linger_timer;
	bool lingering;
	struct l2tp_failure failure;
	bool failure_set;
	bool finished; /* kernel objects and socket released */

	/* session.c */
	uint16_t sid, peer_sid;
	uint32_t call_serial;
	bool session_up;

	/* data.c */
	bool data_seq;        /* we send Ns/Nr on data messages */
	bool data_length_bit; /* we send the L bit */
	uint16_t data_ns;     /* next Ns we send */
	uint16_t data_nr;     /* next Ns expected from the peer */
	struct l2tp_kernel kern;
	uint64_t data_tx_packets, data_tx_bytes, data_rx_packets, data_rx_bytes, data_rx_dropped;
};

/* socket.c */
int l2tp_socket_open(struct l2tp *l2tp, bool ephemeral);
void l2tp_socket_close(struct l2tp *l2tp);
int l2tp_xmit(struct l2tp *l2tp, const uint8_t *buf, size_t len);
/* The first reply may come from another port (RFC 2661 §8.1): adopt it. */
void l2tp_socket_peer_seen(struct l2tp *l2tp, const struct sockaddr_storage *from,
                           socklen_t from_len);

/* tunnel.c */
int l2tp_send_ctrl(struct l2tp *l2tp, struct buf_writer *w);
/* Tear the tunnel down: CDN if a session exists, StopCCN unless the peer
 * already sent one (cause L2TP_CAUSE_STOPCCN), then closed() with this
 * failure. */
void l2tp_fail(struct l2tp *l2tp, enum l2tp_stage stage, enum l2tp_fail_cause cause,
               uint16_t result, uint16_t error, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
enum l2tp_stage l2tp_current_stage(const struct l2tp *l2tp);

/* session.c */
int l2tp_session_start(struct l2tp *l2tp);
void l2tp_session_msg(struct l2tp *l2tp, const struct l2tp_hdr *h, const struct l2tp_ctrl_msg *m);
bool l2tp_is_session_msg(uint16_t type);
/* CDN for our session (graceful stop or error). */
void l2tp_session_send_cdn(struct l2tp *l2tp, uint16_t result, uint16_t error, const char *msg);

/* data.c */
void l2tp_data_input(struct l2tp *l2tp, const struct l2tp_hdr *h, const uint8_t *buf);
/* Frame a PPP frame as a data message; returns the length or -1. */
int l2tp_data_encode(uint8_t *out, size_t cap, uint16_t peer_tid, uint16_t peer_sid, bool seq,
                     uint16_t ns, uint16_t nr, bool length_bit, const uint8_t *frame, size_t len);

#endif
