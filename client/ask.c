/* Which secrets to ask for and whom; see client/ask.h. */
#include "client/ask.h"

#include <stdio.h>
#include <string.h>

#include "lib/util.h"

void ask_password_question(const struct profile *p, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s for %s at %s: ",
	         p->password_type == PROFILE_PASSWORD_OTP ? "One-time password" : "Password",
	         p->user, p->gateway);
}

static void ask_id(const struct profile *p, const char *what, char *out, size_t outlen)
{
	snprintf(out, outlen, "l2tpsec:%s:%s", p->name, what);
}

/* One secret from whoever the profile lets us ask. */
static int ask_someone(const struct profile *p, const struct ask_plan *plan, const char *what,
                       const char *question, const char *options, struct secret *out, int *signo,
                       char *err, size_t errlen)
{
	char id[PROFILE_NAME_MAX + 32];

	*signo = 0;
	if (p->password_prompt == PROFILE_PROMPT_ASK_PASSWORD) {
		ask_id(p, what, id, sizeof(id));
		return prompt_ask_password(plan->ask_password_path, id, question, out, err, errlen);
	}
	if (p->password_prompt == PROFILE_PROMPT_AUTO && plan->tty_path &&
	    prompt_tty_available(plan->tty_path))
		return prompt_tty(plan->tty_path, question, out, signo, err, errlen);
	snprintf(err, errlen,
	         "%s: no %s and nobody to ask: give %s, set password-prompt = ask-password, or "
	         "connect from a terminal",
	         p->source, what, options);
	return -1;
}

static int from_stdin(const struct ask_plan *plan, const char *what, struct profile_secret *s,
                      char *err, size_t errlen)
{
	secret_free(&s->value);
	if (prompt_fd_line(plan->stdin_fd, what, &s->value, err, errlen) < 0)
		return -1;
	s->src = PROFILE_SECRET_INLINE;
	return 0;
}

static int ask_psk(struct profile *p, const struct ask_plan *plan, int *signo, char *err,
                   size_t errlen)
{
	char question[PROMPT_QUESTION_MAX];

	if (p->auth != PROFILE_AUTH_PSK && plan->psk_stdin) {
		/* its line would be taken for the password's */
		snprintf(err, errlen, "--psk-stdin: %s uses certificates, not a pre-shared key",
		         p->source);
		return -1;
	}
	if (p->auth != PROFILE_AUTH_PSK)
		return 0;
	if (plan->psk_stdin) {
		if (from_stdin(plan, "--psk-stdin", &p->psk, err, errlen) < 0)
			return -1;
	} else if (profile_secret_missing(&p->psk)) {
		snprintf(question, sizeof(question), "Pre-shared key for %s: ", p->gateway);
		int rc = ask_someone(p, plan, "pre-shared key", question,
		                     "--psk-file FILE or --psk-stdin", &p->psk.value, signo, err,
		                     errlen);
		if (rc != 0)
			return rc;
		p->psk.src = PROFILE_SECRET_INLINE;
	} else {
		return 0;
	}
	/* typed like a psk-file's content: 0s/0x encodings apply */
	return secret_decode_psk(&p->psk.value, err, errlen);
}

int ask_missing_secrets(struct profile *p, const struct ask_plan *plan, int *signo, char *err,
                        size_t errlen)
{
	char question[PROMPT_QUESTION_MAX];
	int rc;

	*signo = 0;
	rc = ask_psk(p, plan, signo, err, errlen);
	if (rc != 0)
		return rc;
	if (plan->password_stdin)
		return from_stdin(plan, "--password-stdin", &p->password, err, errlen);
	if (!profile_secret_missing(&p->password) || !p->user[0])
		return 0; /* no user: validation says so first */
	ask_password_question(p, question, sizeof(question));
	rc = ask_someone(p, plan, "password", question, "--password-file FILE or --password-stdin",
	                 &p->password.value, signo, err, errlen);
	if (rc == 0)
		p->password.src = PROFILE_SECRET_INLINE;
	return rc;
}

int ask_password_again(const struct profile *p, const struct ask_plan *plan, struct secret *out,
                       int *signo, char *err, size_t errlen)
{
	char question[PROMPT_QUESTION_MAX];

	ask_password_question(p, question, sizeof(question));
	return ask_someone(p, plan, "one-time password", question,
	                   "--password-stdin again (a new run)", out, signo, err, errlen);
}

int ask_key_passphrase(char *buf, int size, int rwflag, void *u)
{
	struct ask_key_ctx *k = u;
	char question[PROMPT_QUESTION_MAX];
	struct secret s = {0};
	int rc;

	(void)rwflag;
	snprintf(question, sizeof(question), "Passphrase for %s: ", k->path);
	rc = ask_someone(k->profile, k->plan, "key passphrase", question, "an unencrypted key", &s,
	                 &k->signo, k->err, sizeof(k->err));
	if (rc != 0)
		return -1;
	if (s.len > (size_t)size) {
		snprintf(k->err, sizeof(k->err), "%s: passphrase too long", k->path);
		secret_free(&s);
		return -1;
	}
	memcpy(buf, s.data, s.len);
	rc = (int)s.len;
	secret_free(&s);
	return rc;
}
