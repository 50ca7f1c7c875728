/*
 * Which secrets `connect` must ask for, and whom: the PSK and the PPP
 * password (or one-time code) the profile and the command line do not give.
 * The order is --psk-stdin / --password-stdin (one line each, the PSK first),
 * then the profile's password-prompt: the terminal (auto), or
 * systemd-ask-password. With nobody to ask, the error names the options.
 */
#ifndef L2TPSEC_CLIENT_ASK_H
#define L2TPSEC_CLIENT_ASK_H

#include <stdbool.h>
#include <stddef.h>

#include "client/prompt.h"
#include "config/profile.h"

struct ask_plan {
	bool psk_stdin, password_stdin; /* --psk-stdin, --password-stdin */
	int stdin_fd;                   /* normally STDIN_FILENO */
	const char *tty_path;           /* normally PROMPT_TTY_PATH; NULL: never a terminal */
	const char *ask_password_path;  /* NULL: find systemd-ask-password */
};

/* "Password for alice at vpn.example.com: " (or "One-time password ...") */
void ask_password_question(const struct profile *p, char *out, size_t outlen);

/* Fills the PSK (PSK authentication) and the password when they are
 * missing, or when a --*-stdin option says so. 0; -1 with err (nobody to
 * ask, or the answer was bad); PROMPT_INTERRUPTED with *signo. */
int ask_missing_secrets(struct profile *p, const struct ask_plan *plan, int *signo, char *err,
                        size_t errlen);

/* A new password for a new PPP session (one-time codes): the terminal or
 * systemd-ask-password as the profile says, never standard input (its line
 * was used). Same results as ask_missing_secrets(). */
int ask_password_again(const struct profile *p, const struct ask_plan *plan, struct secret *out,
                       int *signo, char *err, size_t errlen);

/* The passphrase of an encrypted private key, for OpenSSL's PEM password
 * callback (u: a struct ask_key_ctx): asked as the password would be, at
 * most size bytes. Its length, or -1 (then ctx->signo may say why). */
struct ask_key_ctx {
	const struct profile *profile;
	const struct ask_plan *plan;
	const char *path; /* the key file, named in the question */
	int signo;        /* set when the prompt was interrupted */
	char err[256];
};
int ask_key_passphrase(char *buf, int size, int rwflag, void *u);

#endif
