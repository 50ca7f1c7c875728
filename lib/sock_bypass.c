/* Per-socket XFRM bypass policies (allow, in and out), as charon and pluto
 * set them on their IKE sockets: socket policies win over the global ones,
 * so no transport-mode pair of ours and no catch-all policy of another
 * daemon captures what goes through this socket (RFC 4301 §5.1: IKE
 * bypasses IPsec). Needs CAP_NET_ADMIN. */
#include "lib/sock_bypass.h"

#include <errno.h>
#include <string.h>

#include <linux/xfrm.h>
#include <netinet/in.h>
#include <sys/socket.h>

int sock_bypass_ipsec(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int level, opt;

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		return -1;
	if (ss.ss_family == AF_INET) {
		level = IPPROTO_IP;
		opt = IP_XFRM_POLICY;
	} else if (ss.ss_family == AF_INET6) {
		level = IPPROTO_IPV6;
		opt = IPV6_XFRM_POLICY;
	} else {
		errno = EAFNOSUPPORT;
		return -1;
	}
	/* An empty selector with action allow and no template. */
	for (unsigned dir = XFRM_POLICY_IN; dir <= XFRM_POLICY_OUT; dir++) {
		struct xfrm_userpolicy_info pol;

		memset(&pol, 0, sizeof(pol));
		pol.action = XFRM_POLICY_ALLOW;
		pol.dir = (uint8_t)dir;
		pol.sel.family = ss.ss_family;
		pol.lft.soft_byte_limit = pol.lft.hard_byte_limit = XFRM_INF;
		pol.lft.soft_packet_limit = pol.lft.hard_packet_limit = XFRM_INF;
		if (setsockopt(fd, level, opt, &pol, sizeof(pol)) < 0)
			return -1;
	}
	return 0;
}
