/*
 * Failure explainer: turns the supervisor's failure line (conn->failure) and
 * exit code into one line for the user that names the stage reached, the
 * most likely cause and the setting to try, e.g.
 *
 *   L2TP: IPsec is up but the gateway's L2TP does not answer; try `port =
 *   ephemeral` (or `port = 1701`) in [l2tp], ...
 *
 * Pure string work: no I/O, no state. The rules match the words the layers
 * write (ike_failure_str(), l2tp failure words, ppp_down_reason_name()).
 */
#ifndef L2TPSEC_CLIENT_EXPLAIN_H
#define L2TPSEC_CLIENT_EXPLAIN_H

#include <stddef.h>

/* Enough for every explanation with a stage prefix. */
#define EXPLAIN_MAX 400

/* Writes the explanation into out (always NUL-terminated when outsz > 0).
 * Returns 1 when a specific rule matched, 0 for the generic fallback built
 * from the exit code (enum conn_exit) alone. failure_line may be NULL. */
int explain_failure(int exit_code, const char *failure_line, char *out, size_t outsz);

#endif
