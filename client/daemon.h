/* Running one connection until it ends: the event loop, signals, the control
 * socket, --background and systemd readiness. */
#ifndef L2TPSEC_CLIENT_DAEMON_H
#define L2TPSEC_CLIENT_DAEMON_H

#include <stdbool.h>
#include <stdint.h>

#include "client/conn.h"

struct daemon_opts {
	bool background; /* detach; the parent returns once connected */
	const char *run_dir;
};

/* Runs the connection; returns its exit code (0 after a clean disconnect).
 * With background, the calling process returns 0 as soon as PPP is up (or
 * the failure's exit code) while a detached child keeps the tunnel. */
int daemon_run(struct logger *lg, const struct conn_params *params, const struct daemon_opts *opts);

/* The pause before reconnect attempt number `attempt` (0: the first):
 * exponential from 1 s to 60 s with +-25% jitter; 1 s for the first ten
 * attempts that ended at MM1 (gw_silent: the gateway away or starting up;
 * an unanswered attempt already spaced its own retransmissions). */
uint64_t daemon_retry_delay_ms(unsigned attempt, bool gw_silent);
/* The pause before a connection that awaits its reconnect starts again:
 * none after a changed path (roaming), else the backoff above. */
uint64_t daemon_reconnect_delay_ms(const struct conn *c);

/* sd_notify(3) without libsystemd: "READY=1", "STATUS=..." to $NOTIFY_SOCKET. */
void daemon_notify(const char *state);

#endif
