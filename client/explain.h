/*
 * Failure explainer: turns the supervisor's failure (struct conn_failure:
 * the exit code and the failing layer's values) into one line for the user that names the stage
 * reached, the most likely cause and the setting to try, e.g.
 *
 *   L2TP: IPsec is up but the gateway's L2TP does not answer; try `port =
 *   ephemeral` (or `port = 1701`) in [l2tp], ...
 *
 * Pure: no I/O, no state. The rules match the layers' values (IKE stage,
 * reason and notify type; L2TP stage and result codes; PPP down reason,
 * method and refusal), never the wording of a log line.
 */
#ifndef L2TPSEC_CLIENT_EXPLAIN_H
#define L2TPSEC_CLIENT_EXPLAIN_H

#include <stddef.h>

#include "client/conn.h"

/* Enough for every explanation with a stage prefix. */
#define EXPLAIN_MAX 400

/* Writes the explanation into out (always NUL-terminated when outsz > 0).
 * Returns 1 when a specific rule matched, 0 for the generic fallback built
 * from the exit code alone (with f->text appended). */
int explain_failure(const struct conn_failure *f, char *out, size_t outsz);

#endif
