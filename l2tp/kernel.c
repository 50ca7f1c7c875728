/*
 * Chooses between the two kernel L2TP interfaces and owns what they made.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "l2tp/kernel.h"

unsigned l2tp_kernel_probe(const struct logger *lg)
{
	unsigned have = 0;

	if (l2tp_genl_available(lg))
		have |= 1u << L2TP_KAPI_GENL;
	if (l2tp_pppox_available())
		have |= 1u << L2TP_KAPI_PPPOX;
	log_debug(lg, LOG_L2TP, "kernel L2TP: genetlink %s, PPPoL2TP sockets %s",
	          have & (1u << L2TP_KAPI_GENL) ? "yes" : "no",
	          have & (1u << L2TP_KAPI_PPPOX) ? "yes" : "no");
	return have;
}

void l2tp_kernel_init(struct l2tp_kernel *k)
{
	memset(k, 0, sizeof(*k));
	k->api = L2TP_KAPI_NONE;
	k->udp_fd = -1;
	k->tunnel_fd = -1;
	k->session_fd = -1;
}

int l2tp_kernel_tunnel_create(struct l2tp_kernel *k, const struct logger *lg,
                              enum l2tp_kernel_api want, int udp_fd, const struct sockaddr *peer,
                              socklen_t peer_len, uint16_t tid, uint16_t peer_tid, const char **why)
{
	if (want == L2TP_KAPI_AUTO)
		want = l2tp_genl_available(lg) ? L2TP_KAPI_GENL : L2TP_KAPI_PPPOX;
	k->udp_fd = udp_fd;
	memcpy(&k->peer, peer, peer_len < sizeof(k->peer) ? peer_len : sizeof(k->peer));
	k->tid = tid;
	k->peer_tid = peer_tid;
	if (want == L2TP_KAPI_GENL) {
		if (l2tp_genl_tunnel_create(lg, udp_fd, tid, peer_tid, why))
			return -1;
		k->genl_tunnel = true;
	} else {
		k->tunnel_fd = l2tp_pppox_connect(-1, udp_fd, peer, tid, peer_tid, 0, 0);
		if (k->tunnel_fd < 0) {
			log_warn(lg, LOG_L2TP, "PPPoL2TP tunnel socket: %s", strerror(errno));
			*why = "PPPoL2TP tunnel socket failed (module l2tp_ppp missing?)";
			return -1;
		}
	}
	k->api = want;
	log_info(lg, LOG_L2TP, "kernel tunnel %u created (%s)", tid,
	         want == L2TP_KAPI_GENL ? "genetlink" : "PPPoL2TP socket");
	return 0;
}

int l2tp_kernel_session_create(struct l2tp_kernel *k, const struct logger *lg, uint16_t sid,
                               uint16_t peer_sid, bool sequencing, const char **why)
{
	if (k->api == L2TP_KAPI_NONE) {
		*why = "no kernel tunnel";
		return -1;
	}
	k->sid = sid;
	k->peer_sid = peer_sid;
	if (k->api == L2TP_KAPI_GENL) {
		if (l2tp_genl_session_create(lg, k->tid, sid, peer_sid, sequencing, why))
			return -1;
		k->genl_session = true;
	}
	/* Either way pppd needs a PPPoL2TP socket: with genetlink it attaches
	 * to the session just made, with the old API it makes it. The one
	 * made ahead (l2tp_session_socket) is already in pppd's hands. */
	k->session_fd =
	    l2tp_pppox_connect(k->session_fd, k->udp_fd, (const struct sockaddr *)&k->peer, k->tid,
	                       k->peer_tid, sid, peer_sid);
	if (k->session_fd < 0) {
		log_warn(lg, LOG_L2TP, "PPPoL2TP session socket: %s", strerror(errno));
		*why = "PPPoL2TP session socket failed";
		return -1;
	}
	if (k->api == L2TP_KAPI_PPPOX && sequencing && l2tp_pppox_set_seq(k->session_fd, true)) {
		log_warn(lg, LOG_L2TP, "PPPoL2TP sequencing: %s", strerror(errno));
		*why = "cannot enable data sequencing";
		return -1;
	}
	return 0;
}

void l2tp_kernel_teardown(struct l2tp_kernel *k, const struct logger *lg)
{
	if (k->session_fd >= 0)
		close(k->session_fd);
	k->session_fd = -1;
	if (k->genl_session)
		l2tp_genl_session_delete(lg, k->tid, k->sid);
	k->genl_session = false;
	if (k->genl_tunnel)
		l2tp_genl_tunnel_delete(lg, k->tid);
	k->genl_tunnel = false;
	if (k->tunnel_fd >= 0)
		close(k->tunnel_fd);
	k->tunnel_fd = -1;
	if (k->api != L2TP_KAPI_NONE)
		log_info(lg, LOG_L2TP, "kernel tunnel %u deleted", k->tid);
	k->api = L2TP_KAPI_NONE;
}
