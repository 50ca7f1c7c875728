/* The exit statuses of l2tpsec, one list for every subcommand and the
 * connection supervisor (documented in l2tpsec(8), EXIT STATUS). */
#ifndef L2TPSEC_CLIENT_EXIT_STATUS_H
#define L2TPSEC_CLIENT_EXIT_STATUS_H

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
};

#endif
