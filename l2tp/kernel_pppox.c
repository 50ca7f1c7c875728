/*
 * The older kernel L2TP API (l2tp_ppp, what xl2tpd uses): connecting a
 * PPPoL2TP socket with session 0 builds the kernel tunnel on our UDP socket;
 * one connected per session builds the session. Closing them deletes them,
 * so a crashed run leaves nothing behind: the kernel closes our sockets.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_pppol2tp.h>
#include <linux/if_pppox.h>

#include "l2tp/kernel.h"

bool l2tp_pppox_available(void)
{
	int fd = socket(AF_PPPOX, SOCK_DGRAM | SOCK_CLOEXEC, PX_PROTO_OL2TP);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

int l2tp_pppox_socket(void)
{
	return socket(AF_PPPOX, SOCK_DGRAM | SOCK_CLOEXEC, PX_PROTO_OL2TP);
}

int l2tp_pppox_connect(int fd, int udp_fd, const struct sockaddr *peer, uint16_t tid,
                       uint16_t peer_tid, uint16_t sid, uint16_t peer_sid)
{
	int rc, saved;

	if (fd < 0)
		fd = l2tp_pppox_socket();
	if (fd < 0)
		return -1;
	if (peer->sa_family == AF_INET) {
		struct sockaddr_pppol2tp sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_family = AF_PPPOX;
		sa.sa_protocol = PX_PROTO_OL2TP;
		sa.pppol2tp.fd = udp_fd;
		memcpy(&sa.pppol2tp.addr, peer, sizeof(struct sockaddr_in));
		sa.pppol2tp.s_tunnel = tid;
		sa.pppol2tp.d_tunnel = peer_tid;
		sa.pppol2tp.s_session = sid;
		sa.pppol2tp.d_session = peer_sid;
		rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	} else {
		struct sockaddr_pppol2tpin6 sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_family = AF_PPPOX;
		sa.sa_protocol = PX_PROTO_OL2TP;
		sa.pppol2tp.fd = udp_fd;
		memcpy(&sa.pppol2tp.addr, peer, sizeof(struct sockaddr_in6));
		sa.pppol2tp.s_tunnel = tid;
		sa.pppol2tp.d_tunnel = peer_tid;
		sa.pppol2tp.s_session = sid;
		sa.pppol2tp.d_session = peer_sid;
		rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	}
	if (rc < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

int l2tp_pppox_set_seq(int fd, bool sequencing)
{
	int on = sequencing;

	if (setsockopt(fd, SOL_PPPOL2TP, PPPOL2TP_SO_SENDSEQ, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, SOL_PPPOL2TP, PPPOL2TP_SO_RECVSEQ, &on, sizeof(on)) < 0)
		return -1;
	return 0;
}
