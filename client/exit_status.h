/* The exit statuses of l2tpsec: the one list, for every subcommand and the
 * connection supervisor, documented in l2tpsec(8), EXIT STATUS (the unit
 * test test_conn checks that table against this one). */
#ifndef L2TPSEC_CLIENT_EXIT_STATUS_H
#define L2TPSEC_CLIENT_EXIT_STATUS_H

#include <stdbool.h>

enum exit_status {
	EXIT_OK = 0,
	EXIT_FAILURE_GENERIC = 1, /* local trouble: memory, kernel objects */
	EXIT_USAGE = 2,
	EXIT_CONFIG = 3,  /* the profile, the options or a secret file */
	EXIT_NETWORK = 4, /* name resolution, no route, sockets */
	EXIT_IKE = 5,
	EXIT_L2TP = 6,
	EXIT_PPP_AUTH = 7,
	EXIT_PPP = 8,         /* PPP negotiation other than authentication */
	EXIT_PEER_CLOSED = 9, /* the gateway ended an established connection */
	/* the gateway refused our pre-shared key, certificate or L2TP tunnel
	 * secret, or its own authentication did not verify */
	EXIT_GW_AUTH = 10,
	EXIT_STATUS_LAST = EXIT_GW_AUTH,
};

/* Authentication failures (7, 10): retrying cannot fix them and makes things
 * worse (RRAS with NPS locks the domain account after a few wrong
 * passwords), so they end the connection, no reconnect, and the systemd unit
 * lists them in RestartPreventExitStatus; unless retry-auth-failures = yes. */
static inline bool exit_status_is_auth(int code)
{
	return code == EXIT_PPP_AUTH || code == EXIT_GW_AUTH;
}

/* Failures that may go away by themselves (the network, the gateway
 * restarting or out of sessions): a connection that was up tries again. */
static inline bool exit_status_is_transient(int code)
{
	return code == EXIT_NETWORK || code == EXIT_IKE || code == EXIT_L2TP || code == EXIT_PPP ||
	       code == EXIT_PEER_CLOSED;
}

#endif
