/*
 * The genetlink "l2tp" family (module l2tp_netlink) through libnl-genl:
 * tunnel create with our UDP socket's fd, session create, delete, and the
 * clean-up of tunnels a crashed run left behind.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include <linux/l2tp.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "l2tp/kernel.h"

struct genl {
	struct nl_sock *sk;
	int family;
};

static int genl_open(struct genl *g)
{
	g->sk = nl_socket_alloc();
	if (!g->sk)
		return -1;
	if (genl_connect(g->sk) < 0) {
		nl_socket_free(g->sk);
		return -1;
	}
	g->family = genl_ctrl_resolve(g->sk, L2TP_GENL_NAME);
	if (g->family < 0) {
		nl_socket_free(g->sk);
		return -1;
	}
	return 0;
}

static struct nl_msg *genl_msg(const struct genl *g, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, g->family, 0, flags, cmd,
	                        L2TP_GENL_VERSION)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

/* Send msg (freed here), wait for the ack; 0 or a negative libnl error. */
static int genl_send(struct genl *g, struct nl_msg *msg)
{
	int rc = nl_send_auto(g->sk, msg);

	nlmsg_free(msg);
	if (rc < 0)
		return rc;
	return nl_wait_for_ack(g->sk);
}

bool l2tp_genl_available(const struct logger *lg)
{
	struct genl g;

	if (genl_open(&g) < 0) {
		log_debug(lg, LOG_L2TP, "genetlink family \"l2tp\" not found (l2tp_netlink)");
		return false;
	}
	nl_socket_free(g.sk);
	return true;
}

int l2tp_genl_tunnel_create(const struct logger *lg, int udp_fd, uint16_t tid, uint16_t peer_tid,
                            const char **why)
{
	struct genl g;
	struct nl_msg *msg;
	int rc = -NLE_NOMEM;

	if (genl_open(&g) < 0) {
		*why = "genetlink family \"l2tp\" not available";
		return -1;
	}
	msg = genl_msg(&g, L2TP_CMD_TUNNEL_CREATE, NLM_F_REQUEST | NLM_F_ACK);
	if (msg && nla_put_u32(msg, L2TP_ATTR_CONN_ID, tid) == 0 &&
	    nla_put_u32(msg, L2TP_ATTR_PEER_CONN_ID, peer_tid) == 0 &&
	    nla_put_u8(msg, L2TP_ATTR_PROTO_VERSION, 2) == 0 &&
	    nla_put_u16(msg, L2TP_ATTR_ENCAP_TYPE, L2TP_ENCAPTYPE_UDP) == 0 &&
	    nla_put_u32(msg, L2TP_ATTR_FD, (uint32_t)udp_fd) == 0)
		rc = genl_send(&g, msg);
	else
		nlmsg_free(msg);
	nl_socket_free(g.sk);
	if (rc < 0) {
		log_warn(lg, LOG_L2TP, "genetlink tunnel create: %s", nl_geterror(rc));
		*why = "genetlink tunnel create failed";
		return -1;
	}
	return 0;
}

int l2tp_genl_session_create(const struct logger *lg, uint16_t tid, uint16_t sid, uint16_t peer_sid,
                             bool sequencing, const char **why)
{
	struct genl g;
	struct nl_msg *msg;
	int rc = -NLE_NOMEM;

	if (genl_open(&g) < 0) {
		*why = "genetlink family \"l2tp\" not available";
		return -1;
	}
	msg = genl_msg(&g, L2TP_CMD_SESSION_CREATE, NLM_F_REQUEST | NLM_F_ACK);
	if (msg && nla_put_u32(msg, L2TP_ATTR_CONN_ID, tid) == 0 &&
	    nla_put_u32(msg, L2TP_ATTR_SESSION_ID, sid) == 0 &&
	    nla_put_u32(msg, L2TP_ATTR_PEER_SESSION_ID, peer_sid) == 0 &&
	    nla_put_u16(msg, L2TP_ATTR_PW_TYPE, L2TP_PWTYPE_PPP) == 0 &&
	    nla_put_u8(msg, L2TP_ATTR_SEND_SEQ, sequencing) == 0 &&
	    nla_put_u8(msg, L2TP_ATTR_RECV_SEQ, sequencing) == 0 &&
	    nla_put_u8(msg, L2TP_ATTR_LNS_MODE, 0) == 0)
		rc = genl_send(&g, msg);
	else
		nlmsg_free(msg);
	nl_socket_free(g.sk);
	if (rc < 0) {
		log_warn(lg, LOG_L2TP, "genetlink session create: %s", nl_geterror(rc));
		*why = "genetlink session create failed (module l2tp_ppp missing?)";
		return -1;
	}
	return 0;
}

static int genl_delete(const struct logger *lg, uint8_t cmd, uint16_t tid, int with_sid,
                       uint16_t sid)
{
	struct genl g;
	struct nl_msg *msg;
	int rc = -NLE_NOMEM;

	if (genl_open(&g) < 0)
		return -1;
	msg = genl_msg(&g, cmd, NLM_F_REQUEST | NLM_F_ACK);
	if (msg && nla_put_u32(msg, L2TP_ATTR_CONN_ID, tid) == 0 &&
	    (!with_sid || nla_put_u32(msg, L2TP_ATTR_SESSION_ID, sid) == 0))
		rc = genl_send(&g, msg);
	else
		nlmsg_free(msg);
	nl_socket_free(g.sk);
	if (rc < 0 && rc != -NLE_OBJ_NOTFOUND && rc != -NLE_NODEV) {
		log_debug(lg, LOG_L2TP, "genetlink delete (cmd %u, tunnel %u): %s", cmd, tid,
		          nl_geterror(rc));
		return -1;
	}
	return 0;
}

int l2tp_genl_session_delete(const struct logger *lg, uint16_t tid, uint16_t sid)
{
	return genl_delete(lg, L2TP_CMD_SESSION_DELETE, tid, 1, sid);
}

int l2tp_genl_tunnel_delete(const struct logger *lg, uint16_t tid)
{
	return genl_delete(lg, L2TP_CMD_TUNNEL_DELETE, tid, 0, 0);
}

struct stale_scan {
	const struct sockaddr *peer;
	uint16_t local_port;
	uint32_t ids[64];
	size_t n;
};

static bool peer_matches(const struct stale_scan *s, struct nlattr **a)
{
	if (s->peer->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)s->peer;

		return a[L2TP_ATTR_IP_DADDR] && nla_len(a[L2TP_ATTR_IP_DADDR]) == 4 &&
		       nla_get_u32(a[L2TP_ATTR_IP_DADDR]) == sin->sin_addr.s_addr &&
		       a[L2TP_ATTR_UDP_DPORT] && nla_len(a[L2TP_ATTR_UDP_DPORT]) == 2 &&
		       nla_get_u16(a[L2TP_ATTR_UDP_DPORT]) == ntohs(sin->sin_port);
	} else {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)s->peer;

		return a[L2TP_ATTR_IP6_DADDR] && nla_len(a[L2TP_ATTR_IP6_DADDR]) == 16 &&
		       memcmp(nla_data(a[L2TP_ATTR_IP6_DADDR]), &sin6->sin6_addr, 16) == 0 &&
		       a[L2TP_ATTR_UDP_DPORT] && nla_len(a[L2TP_ATTR_UDP_DPORT]) == 2 &&
		       nla_get_u16(a[L2TP_ATTR_UDP_DPORT]) == ntohs(sin6->sin6_port);
	}
}

static int stale_cb(struct nl_msg *msg, void *arg)
{
	struct stale_scan *s = arg;
	struct nlattr *a[L2TP_ATTR_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, a, L2TP_ATTR_MAX, NULL) < 0)
		return NL_SKIP;
	if (!a[L2TP_ATTR_CONN_ID] || nla_len(a[L2TP_ATTR_CONN_ID]) != 4 ||
	    !a[L2TP_ATTR_UDP_SPORT] || nla_len(a[L2TP_ATTR_UDP_SPORT]) != 2)
		return NL_SKIP;
	if (nla_get_u16(a[L2TP_ATTR_UDP_SPORT]) == s->local_port && peer_matches(s, a) &&
	    s->n < sizeof(s->ids) / sizeof(s->ids[0]))
		s->ids[s->n++] = nla_get_u32(a[L2TP_ATTR_CONN_ID]);
	return NL_OK;
}

void l2tp_genl_cleanup_stale(const struct logger *lg, const struct sockaddr *peer,
                             uint16_t local_port)
{
	struct stale_scan scan = {.peer = peer, .local_port = local_port};
	struct genl g;
	struct nl_msg *msg;
	int rc = -1;

	if (genl_open(&g) < 0)
		return;
	msg = genl_msg(&g, L2TP_CMD_TUNNEL_GET, NLM_F_REQUEST | NLM_F_DUMP);
	if (msg) {
		nl_socket_modify_cb(g.sk, NL_CB_VALID, NL_CB_CUSTOM, stale_cb, &scan);
		rc = nl_send_auto(g.sk, msg);
		nlmsg_free(msg);
		if (rc >= 0)
			rc = nl_recvmsgs_default(g.sk);
	}
	nl_socket_free(g.sk);
	if (rc < 0)
		return;
	for (size_t i = 0; i < scan.n; i++) {
		log_notice(lg, LOG_L2TP, "deleting stale kernel L2TP tunnel %u from a previous run",
		           scan.ids[i]);
		l2tp_genl_tunnel_delete(lg, (uint16_t)scan.ids[i]);
	}
}
