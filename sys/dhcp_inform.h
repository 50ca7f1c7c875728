/*
 * Settings pushed by the gateway (issue 15): after IPCP, one DHCPINFORM
 * over the PPP link from a UDP socket bound to the tunnel's interface (the
 * ppp device on the kernel path, the TUN device on the userspace path, whose
 * packets our own PPP carries), as Windows does with RRAS. The answer
 * (lib/dhcp.h) gives classless static routes and the DNS domain. Bounded: a
 * few tries, then nothing; a gateway that never answers costs nothing else,
 * and nothing waits for it.
 */
#ifndef L2TPSEC_SYS_DHCP_INFORM_H
#define L2TPSEC_SYS_DHCP_INFORM_H

#include <stdbool.h>
#include <stdint.h>

#include <netinet/in.h>

#include "lib/dhcp.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "sys/dhcp_xmit.h"

#define DHCP_INFORM_TRIES 3

/* info is the gateway's answer, or NULL when none came (or the socket could
 * not be had: logged). Called once per start. */
typedef void (*dhcp_inform_fn)(void *ctx, const struct dhcp_info *info);

struct dhcp_inform {
	struct logger *lg;
	struct dhcp_xmit x;
	uint32_t xid;
	struct in_addr local;
	uint8_t hwaddr[6];
	struct dhcp_xmit_params timing; /* tests shorten it */
	dhcp_inform_fn done;
	void *ctx;
	/* where the INFORM goes and the port we listen on: the broadcast
	 * address and 67/68, other values only for tests */
	struct sockaddr_in server;
	uint16_t client_port;
	struct dhcp_info got; /* the answer being parsed (~700 bytes) */
};

/* Fills in the defaults; call before dhcp_inform_start. */
void dhcp_inform_init(struct dhcp_inform *d, struct loop *loop, struct logger *lg);
/* Sends the first INFORM from local over ifname. 0, or -1 (logged; done is
 * not called) when no socket could be had, e.g. port 68 held by a DHCP
 * client that does not share it. */
int dhcp_inform_start(struct dhcp_inform *d, const char *ifname, struct in_addr local,
                      dhcp_inform_fn done, void *ctx);
/* Gives up without calling done (disconnect). Safe when not started. */
void dhcp_inform_stop(struct dhcp_inform *d);

#endif
