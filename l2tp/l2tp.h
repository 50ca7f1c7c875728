/*
 * l2tp/: the LAC side of an RFC 2661 voluntary tunnel. One control
 * connection carrying one incoming-call session, as the Windows client does.
 *
 * The engine knows nothing of IPsec. By default it owns a UDP socket (local
 * port 1701, an ephemeral port, or 1701 then ephemeral when the server does
 * not answer); with the kernel ESP path the kernel encrypts that socket's
 * traffic transparently. With a userspace ESP path the caller passes a
 * struct l2tp_transport: the engine then hands every datagram to send() and
 * the caller feeds the peer's datagrams to l2tp_input().
 *
 * Data path: KERNEL creates a kernel L2TP tunnel on our socket and a
 * PPPoL2TP socket for pppd's pppol2tp plugin (genetlink "l2tp" family, or
 * the older PPPoL2TP-socket API where l2tp_netlink is missing); USERSPACE
 * frames PPP here and exchanges frames through the ppp_frame callback and
 * l2tp_send_ppp().
 *
 * PPP frames crossing this API start at the PPP protocol field: the HDLC
 * address and control bytes (ff 03) are added on send and removed on receipt
 * here, as the kernel's pppol2tp does.
 */
#ifndef L2TPSEC_L2TP_L2TP_H
#define L2TPSEC_L2TP_L2TP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "lib/log.h"
#include "lib/pkt.h"
#include "lib/loop.h"

struct l2tp;

enum l2tp_port_mode {
	L2TP_PORT_1701,      /* local UDP port 1701 (the default) */
	L2TP_PORT_EPHEMERAL, /* a port the kernel picks */
	L2TP_PORT_AUTO,      /* 1701; if SCCRQ goes unanswered, again from an ephemeral port */
};

enum l2tp_data_mode {
	L2TP_DATA_USERSPACE,
	L2TP_DATA_KERNEL,
};

/* Which kernel interface builds the tunnel and session (KERNEL data mode). */
enum l2tp_kernel_api {
	L2TP_KAPI_AUTO, /* genetlink when l2tp_netlink exists, else PPPoL2TP sockets */
	L2TP_KAPI_GENL,
	L2TP_KAPI_PPPOX,
	L2TP_KAPI_NONE, /* only in results: nothing available */
};

/* Datagram output for the userspace ESP path. send() returns 0 or -1. */
struct l2tp_transport {
	int (*send)(void *ctx, const uint8_t *buf, size_t len);
	void *ctx;
};

struct l2tp_config {
	struct sockaddr_storage peer;  /* LNS address; port 0 means 1701 */
	struct sockaddr_storage local; /* local address to bind; AF_UNSPEC: any */
	enum l2tp_port_mode port_mode;
	uint16_t local_port; /* non-zero: exactly this local port (overrides
			      * port_mode; e.g. the port IKE's selectors name) */
	const char *hostname;  /* Host Name AVP; copied; NULL: "l2tpsec" */
	const uint8_t *secret; /* tunnel secret, copied; NULL/0: no tunnel auth */
	size_t secret_len;
	unsigned hello_interval_s; /* idle time before HELLO; 0: 60 */
	unsigned rtx_initial_ms;   /* 0: 1000 */
	unsigned rtx_max_ms;       /* backoff cap; 0: 8000 */
	unsigned rtx_max_tries;    /* 0: 5 */
	unsigned sccrq_tries_auto; /* AUTO: tries per port before switching; 0: 3 */
	uint16_t rwin;             /* our receive window; 0: 16 */
	enum l2tp_data_mode data_mode;
	enum l2tp_kernel_api kernel_api;
	bool sequencing; /* sequence data messages (Sequencing Required AVP) */
	const struct l2tp_transport *transport; /* NULL: own UDP socket */
};

struct l2tp_session_info {
	uint16_t local_tunnel_id, peer_tunnel_id;
	uint16_t local_session_id, peer_session_id;
	uint16_t local_port, peer_port;
	bool sequencing; /* data messages carry Ns/Nr */
	enum l2tp_data_mode data_mode;
	enum l2tp_kernel_api kernel_api; /* which API made the kernel objects */
	/* KERNEL: connected PPPoL2TP socket for pppd ("plugin pppol2tp.so
	 * pppol2tp FD"); it stays owned by the engine (FD_CLOEXEC), pppd gets
	 * a dup in its child. Stop pppd before l2tp_stop(): its reference
	 * keeps a PPPoL2TP-socket-API session alive. -1 in USERSPACE mode. */
	int pppox_fd;
};

enum l2tp_stage {
	L2TP_STAGE_SETUP,         /* socket / kernel / configuration problems on our side */
	L2TP_STAGE_TUNNEL_SETUP,  /* SCCRQ .. SCCCN */
	L2TP_STAGE_SESSION_SETUP, /* ICRQ .. ICCN */
	L2TP_STAGE_ESTABLISHED,   /* both up */
	L2TP_STAGE_STOPPING,      /* after l2tp_stop() */
};

/* What ended the tunnel, as a value: the words say the same for people,
 * the connection decides its exit code and hint on this. */
enum l2tp_fail_cause {
	L2TP_CAUSE_LOCAL,     /* our side: sockets, the kernel, l2tp_stop() */
	L2TP_CAUSE_NO_ANSWER, /* control messages unacknowledged (RFC 2661 §5.8):
	                       * SCCRQ unanswered, or the tunnel went dead */
	L2TP_CAUSE_STOPCCN,   /* the LNS's StopCCN (result, error: its codes) */
	L2TP_CAUSE_CDN,       /* the LNS's CDN for our call (its codes) */
	L2TP_CAUSE_PROTOCOL,  /* the LNS broke the protocol: our StopCCN */
	/* tunnel authentication (RFC 2661 §5.1.1), our StopCCN result 4: */
	L2TP_CAUSE_AUTH_NO_SECRET,   /* the LNS challenged us, we have no secret */
	L2TP_CAUSE_AUTH_NO_RESPONSE, /* we challenged, its SCCRP has no response */
	L2TP_CAUSE_AUTH_WRONG,       /* its response is not from our secret */
};

struct l2tp_failure {
	enum l2tp_stage stage;
	enum l2tp_fail_cause cause;
	bool by_peer;           /* the LNS sent StopCCN / CDN */
	bool clean;             /* an orderly end after l2tp_stop(): not an error */
	uint16_t result, error; /* RFC 2661 §4.4.2 codes (sent or received); 0: none */
	char words[256];        /* what happened, for the log and the user */
};

struct l2tp_callbacks {
	void (*tunnel_up)(void *ctx);
	void (*session_up)(void *ctx, const struct l2tp_session_info *info);
	/* USERSPACE mode: one PPP frame from the LNS (protocol field first). */
	void (*ppp_frame)(void *ctx, const uint8_t *frame, size_t len);
	/* The engine is finished (tunnel gone); l2tp_free() may be called
	 * from inside this callback. Called once. */
	void (*closed)(void *ctx, const struct l2tp_failure *why);
};

enum l2tp_state {
	L2TP_ST_IDLE,
	L2TP_ST_WAIT_SCCRP,
	L2TP_ST_WAIT_ICRP,
	L2TP_ST_ESTABLISHED,
	L2TP_ST_STOPPING,
	L2TP_ST_CLOSED,
};

struct l2tp_status {
	enum l2tp_state state;
	struct l2tp_session_info session;
	char peer_hostname[64];
	char peer_vendor[64];
	uint64_t ctrl_sent, ctrl_retransmitted, ctrl_received, ctrl_duplicates, ctrl_out_of_order;
	uint64_t data_tx_packets, data_tx_bytes, data_rx_packets, data_rx_bytes, data_rx_dropped;
};

/* Fill defaults into a config (port 1701, hello 60 s, 1 s..8 s x5). */
void l2tp_config_defaults(struct l2tp_config *cfg);

/* A random port of the dynamic range (RFC 6335 §6: 49152-65535), where an
 * ephemeral L2TP source port comes from. 0, or -1 if no randomness. */
int l2tp_random_port(uint16_t *port);

struct l2tp *l2tp_new(struct loop *loop, const struct logger *lg, const struct l2tp_config *cfg,
                      const struct l2tp_callbacks *cb, void *ctx);
/* Optional, ahead of l2tp_start(): the checks (kernel support in KERNEL
 * mode), our tunnel id, the socket (unless a transport was given) and the
 * cleanup of a crashed run's kernel tunnel, so that l2tp_start() only has
 * to send. 0, or -1 (logged). */
int l2tp_prepare(struct l2tp *l2tp);
/* l2tp_prepare() unless done, then send SCCRQ. Returns 0, or -1 (logged)
 * when nothing could start, e.g. the KERNEL data path on a kernel without
 * L2TP; closed() is not called then. */
int l2tp_start(struct l2tp *l2tp);
/* Graceful: CDN, StopCCN, wait for the ack (bounded), then closed(). */
void l2tp_stop(struct l2tp *l2tp);
/* Releases everything, kernel objects included. No callbacks after this. */
void l2tp_free(struct l2tp *l2tp);

/* USERSPACE data: send one PPP frame (protocol field first). 0 or -1. */
int l2tp_send_ppp(struct l2tp *l2tp, const uint8_t *frame, size_t len);
/* The same in place, for the data fast path: p holds one PPP frame with at
 * least L2TP_ENCAP_HEADROOM bytes in front; the L2TP data header (RFC 2661
 * §3.1) and ff 03 are pushed there and p then holds the UDP payload for
 * the gateway's L2TP port, which the caller sends (no transport call). */
#define L2TP_ENCAP_HEADROOM 14 /* flags, length, tunnel, session, Ns, Nr, ff 03 */
int l2tp_encap_ppp(struct l2tp *l2tp, struct pkt *p);
/* With a transport: one datagram from the LNS (UDP payload). */
void l2tp_input(struct l2tp *l2tp, const uint8_t *buf, size_t len);

/* KERNEL data mode: the PPPoL2TP socket the session will be connected on,
 * made now, unconnected, so that pppd can start holding it while IKE and
 * L2TP still negotiate; session_up() then reports this descriptor as
 * pppox_fd. Owned by the engine; the same one on every call. -1 (errno
 * set) in USERSPACE mode or when the kernel has no PPPoL2TP. */
int l2tp_session_socket(struct l2tp *l2tp);

/* The engine's UDP socket, -1 with a transport or before start. */
int l2tp_tunnel_fd(const struct l2tp *l2tp);
/* The local UDP port in use (also with a transport: the port the caller
 * must use as source port). Changes when AUTO switches to ephemeral. */
uint16_t l2tp_local_port(const struct l2tp *l2tp);
void l2tp_get_status(const struct l2tp *l2tp, struct l2tp_status *st);
const char *l2tp_state_name(enum l2tp_state st);

/* Which kernel APIs this kernel offers: bit (1 << L2TP_KAPI_GENL) and
 * (1 << L2TP_KAPI_PPPOX). 0: none, use the USERSPACE data path. */
unsigned l2tp_kernel_probe(const struct logger *lg);

#endif
