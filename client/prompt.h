/*
 * Asking a person for a secret the profile does not hold: the PPP password
 * (or a one-time code), the PSK, a private key's passphrase.
 *
 * Three ways, chosen by `connect` (client/cmd_connect.c):
 *   - the controlling terminal (/dev/tty), echo off, restored on every exit
 *     path: Ctrl-C and the termination signals are caught while we wait;
 *   - a descriptor (standard input, --password-stdin): one line;
 *   - systemd-ask-password (the password agent protocol), for services
 *     without a terminal: the answer comes back through a pipe.
 * The secret only ever lives in a struct secret (config/secret.h), which
 * secret_free() wipes; it never reaches argv, an environment or a log.
 */
#ifndef L2TPSEC_CLIENT_PROMPT_H
#define L2TPSEC_CLIENT_PROMPT_H

#include <stdbool.h>
#include <stddef.h>

#include "config/secret.h"

#define PROMPT_TTY_PATH     "/dev/tty"
#define PROMPT_QUESTION_MAX 4200 /* a key path (PATH_MAX) and some words */

/* prompt_* results besides 0 (got it) and -1 (error, in err). */
#define PROMPT_INTERRUPTED (-2) /* a signal (Ctrl-C) while asking: *signo */

/* Whether a person can be asked on a terminal: path opens as a terminal. */
bool prompt_tty_available(const char *tty_path);

/* Asks question on the terminal at tty_path with echo off and reads one
 * line. 0; -1 with err; PROMPT_INTERRUPTED with *signo set (the terminal is
 * restored; the caller decides whether to die of the signal). */
int prompt_tty(const char *tty_path, const char *question, struct secret *out, int *signo,
               char *err, size_t errlen);

/* One line from fd (no prompt), read a byte at a time so that a second
 * secret on the next line stays for the next call. A final "\n" or "\r\n"
 * is not part of the secret; an empty line is refused. */
int prompt_fd_line(int fd, const char *what, struct secret *out, char *err, size_t errlen);

/* Runs `systemd-ask-password --id=ID QUESTION` (found in the usual bin
 * directories, or at ask_password_path when not NULL) and takes its answer
 * from a pipe. 0, or -1 with err (not installed, cancelled, timed out). */
int prompt_ask_password(const char *ask_password_path, const char *id, const char *question,
                        struct secret *out, char *err, size_t errlen);

/* Dies of signo as if it had not been caught (after PROMPT_INTERRUPTED). */
void prompt_die_of(int signo) __attribute__((noreturn));

#endif
