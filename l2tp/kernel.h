/*
 * Kernel L2TP objects for the KERNEL data path: the tunnel bound to our UDP
 * socket, the session, and the PPPoL2TP socket pppd attaches to. Two
 * kernel interfaces exist (genetlink "l2tp" = l2tp_netlink, and the older
 * PPPoL2TP-socket API of l2tp_ppp); both end with a PPPoL2TP session socket.
 * Internal to l2tp/.
 */
#ifndef L2TPSEC_L2TP_KERNEL_H
#define L2TPSEC_L2TP_KERNEL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "l2tp/l2tp.h"

struct l2tp_kernel {
	enum l2tp_kernel_api api; /* NONE until a tunnel exists */
	int udp_fd;
	struct sockaddr_storage peer;
	uint16_t tid, peer_tid, sid, peer_sid;
	int tunnel_fd;                  /* PPPOX API: the tunnel's PPPoL2TP socket (session 0) */
	int session_fd;                 /* PPPoL2TP socket for pppd (maybe made ahead) */
	bool genl_tunnel, genl_session; /* created via genetlink: delete there */
};

void l2tp_kernel_init(struct l2tp_kernel *k);
/* Create the kernel tunnel on udp_fd (connected to peer). Returns 0 or -1
 * with *why in words. */
int l2tp_kernel_tunnel_create(struct l2tp_kernel *k, const struct logger *lg,
                              enum l2tp_kernel_api want, int udp_fd, const struct sockaddr *peer,
                              socklen_t peer_len, uint16_t tid, uint16_t peer_tid,
                              const char **why);
int l2tp_kernel_session_create(struct l2tp_kernel *k, const struct logger *lg, uint16_t sid,
                               uint16_t peer_sid, bool sequencing, const char **why);
/* Delete what exists; safe to call twice. */
void l2tp_kernel_teardown(struct l2tp_kernel *k, const struct logger *lg);

/* kernel_genl.c */
bool l2tp_genl_available(const struct logger *lg);
int l2tp_genl_tunnel_create(const struct logger *lg, int udp_fd, uint16_t tid, uint16_t peer_tid,
                            const char **why);
int l2tp_genl_session_create(const struct logger *lg, uint16_t tid, uint16_t sid, uint16_t peer_sid,
                             bool sequencing, const char **why);
int l2tp_genl_session_delete(const struct logger *lg, uint16_t tid, uint16_t sid);
int l2tp_genl_tunnel_delete(const struct logger *lg, uint16_t tid);
/* Delete kernel tunnels left by a crashed run: same peer address and port,
 * same local port (which we could just bind, so no live socket owns them). */
void l2tp_genl_cleanup_stale(const struct logger *lg, const struct sockaddr *peer,
                             uint16_t local_port);

/* kernel_pppox.c */
bool l2tp_pppox_available(void);
/* An unconnected PPPoL2TP socket, or -1 with errno set. */
int l2tp_pppox_socket(void);
/* connect() fd, or a new PPPoL2TP socket when fd is -1; sid == 0
 * creates/attaches the tunnel. Returns the socket, or -1 with errno set
 * (fd closed). */
int l2tp_pppox_connect(int fd, int udp_fd, const struct sockaddr *peer, uint16_t tid,
                       uint16_t peer_tid, uint16_t sid, uint16_t peer_sid);
int l2tp_pppox_set_seq(int fd, bool sequencing);

#endif
