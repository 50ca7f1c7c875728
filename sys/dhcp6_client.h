/*
 * DHCPv6 over the tunnel's interface (issue 17), for gateways that give
 * IPv6 settings by DHCPv6 rather than (or besides) their router
 * advertisements: when the RA sets the O flag, an Information-Request for
 * DNS servers and the search list (RFC 8415 §18.2.6); when it sets the M
 * flag, Solicit, Advertise, Request, Reply for an address (IA_NA, §18.2.1-2)
 * with the same settings. Messages (lib/dhcp6.h) go to
 * All_DHCP_Relay_Agents_and_Servers (ff02::1:2) from the interface's
 * link-local address, port 546 to 547, bound to the device. Bounded like
 * sys/dhcp_inform.h: a few tries, then nothing; nothing waits for it.
 */
#ifndef L2TPSEC_SYS_DHCP6_CLIENT_H
#define L2TPSEC_SYS_DHCP6_CLIENT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/dhcp6.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "sys/dhcp_xmit.h"

#define DHCP6_CLIENT_TRIES 4

/* info is the server's Reply, or NULL when none came (or the socket could
 * not be had: logged). Called once per start. */
typedef void (*dhcp6_client_fn)(void *ctx, const struct dhcp6_info *info);

struct dhcp6_client {
	struct logger *lg;
	struct dhcp_xmit x;
	bool stateful;     /* Solicit/Request for an address, else Information-Request */
	uint8_t sent_type; /* what we wait the answer to */
	uint32_t xid, iaid;
	uint8_t duid[DHCP6_DUID_LEN];
	struct dhcp6_info advertised; /* the Advertise a Request follows */
	uint64_t started_ms;          /* for the Elapsed Time option */
	/* for each message; tests shorten them */
	struct dhcp_xmit_params inf_timing, sol_timing, req_timing;
	dhcp6_client_fn done;
	void *ctx;
	/* where messages go and the port we listen on: ff02::1:2, 547 and 546;
	 * other values only for tests */
	struct sockaddr_in6 server;
	uint16_t client_port;
	struct dhcp6_info got; /* the answer being parsed (~2 KiB) */
};

/* Fills in the defaults; call before dhcp6_client_start. */
void dhcp6_client_init(struct dhcp6_client *d, struct loop *loop, struct logger *lg);
/* Starts the exchange over ifname (stateful: with an address). 0, or -1
 * (logged; done is not called) when no socket could be had. */
int dhcp6_client_start(struct dhcp6_client *d, const char *ifname, bool stateful,
                       dhcp6_client_fn done, void *ctx);
/* Gives up without calling done (disconnect). Safe when not started. */
void dhcp6_client_stop(struct dhcp6_client *d);
bool dhcp6_client_running(const struct dhcp6_client *d);

/* The M (managed) and O (other configuration) flags of the last router
 * advertisement the kernel took on ifname (RFC 4861 §4.2). 0, or -1. */
int dhcp6_ra_flags(const char *ifname, bool *managed, bool *other);

#endif
