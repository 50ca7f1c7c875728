/*
 * Network watch for roaming: an rtnetlink monitor on the event loop that
 * tells the supervisor when the path to the gateway changed, so it can
 * reconnect at once instead of waiting for DPD or LCP echoes to time out.
 *
 * Link, IPv4 address and IPv4 route events start a short debounce timer;
 * when it fires the path to the gateway is worked out again (outgoing
 * interface, next hop, preferred source, link up) and compared with the
 * last one. Routes we add ourselves (protocol NETCFG_RTPROT) and anything on
 * the tunnel interface are left out of that lookup, so our own pinned /32
 * and tunnel routes neither hide a roam nor cause a callback. Suspend and
 * resume show up as link and address changes.
 */
#ifndef L2TPSEC_CLIENT_NETWATCH_H
#define L2TPSEC_CLIENT_NETWATCH_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/log.h"
#include "lib/loop.h"

/* One roaming event is usually a burst of messages within ~100 ms. */
#define NETWATCH_DEBOUNCE_MS 300
/* A burst that never ends is still checked this often. */
#define NETWATCH_DEBOUNCE_MAX_MS 2000

struct netwatch_callbacks {
	/* The path to the gateway changed; why is one line for the log. May
	 * call netwatch_stop(). */
	void (*path_changed)(void *ctx, const char *why);
};

/* How the gateway is reached. */
struct netwatch_path {
	bool valid; /* false: no route */
	bool up;    /* the interface is up and has carrier */
	int ifindex;
	struct in_addr via; /* 0.0.0.0: on link */
	struct in_addr src; /* preferred source; 0.0.0.0: none */
};

struct netwatch {
	struct loop *loop;
	struct logger *lg;
	struct nl_sock *mon;   /* multicast events */
	struct nl_sock *query; /* dumps for the path lookup */
	struct in_addr gateway;
	int ignore_ifindex; /* the tunnel interface; 0: none */
	const struct netwatch_callbacks *cb;
	void *ctx;
	struct netwatch_path last;
	struct loop_timer debounce;
	uint64_t burst_start_ms; /* first event of the pending burst */
	bool running;
};

int netwatch_start(struct netwatch *nw, struct loop *loop, struct logger *lg,
                   struct in_addr gateway, const struct netwatch_callbacks *cb, void *ctx);
/* Events about this interface (our tunnel) are ignored, and so are routes
 * through it; 0 clears it. */
void netwatch_set_tunnel_ifindex(struct netwatch *nw, int ifindex);
/* Safe on a stopped or zeroed watcher, and from the callback. */
void netwatch_stop(struct netwatch *nw);

/* The path as it is now (exposed for tests and status). 0, or -1 when the
 * kernel could not be asked. */
int netwatch_lookup(struct netwatch *nw, struct netwatch_path *path);

#endif
