/*
 * The recent log of a running connection: the daemon keeps the last lines
 * it wrote (whatever the log target: journald, syslog, a terminal) in a
 * ring, and `l2tpsec log NAME` reads them through the control socket. The
 * lines are the log's own: secrets never reach them (lib/log.h).
 */
#ifndef L2TPSEC_CLIENT_LOGRING_H
#define L2TPSEC_CLIENT_LOGRING_H

#include <stddef.h>
#include <time.h>

#include "client/ctl.h"
#include "lib/log.h"

#define LOG_RING_LINES 200
#define LOG_RING_LINE  256 /* longer lines are cut */

struct log_ring {
	char line[LOG_RING_LINES][LOG_RING_LINE];
	size_t next;  /* where the next line goes */
	size_t count; /* lines held, at most LOG_RING_LINES */
};

void log_ring_init(struct log_ring *r);
/* Adds "HH:MM:SS level subsys: msg" (local time of when), dropping the
 * oldest line when full. */
void log_ring_add(struct log_ring *r, time_t when, enum log_subsys sub, enum log_level lvl,
                  const char *msg);
/* The newest lines that fit in out, oldest first, one per '\n'; always
 * NUL-terminated when outsz > 0. Returns the length written. */
size_t log_ring_dump(const struct log_ring *r, char *out, size_t outsz);
/* A log_sink_fn for log_set_tap(): ctx is the ring, the time is now. */
void log_ring_tap(void *ctx, enum log_subsys sub, enum log_level lvl, const char *msg);

/* The control socket's "log" requests (args after "log"): "" shows the
 * ring, "LEVEL [SUBSYSTEM]" changes the levels of lg. */
void log_ring_answer(struct log_ring *r, struct logger *lg, struct ctl_conn *cc, const char *args);

#endif
