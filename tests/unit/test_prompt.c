/* Unit tests for client/prompt and client/ask: the terminal prompt on a
 * pseudo-terminal (no echo, the terminal restored after an answer and after
 * Ctrl-C), one line from a descriptor, systemd-ask-password through a fake
 * program, and which secret is asked for whom. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "client/ask.h"
#include "client/prompt.h"
#include "tests/unit/test_profile_util.c" /* shared static helpers */

#define SECRET_TYPED "Tr0ub4dor&3"

struct pty_child {
	int master, slave;
	char slave_name[128];
	pid_t pid;
	char out[4096]; /* what the child wrote on the terminal */
	size_t out_len;
};

/* Reads what the terminal shows until want appears (or the child ends). */
static bool read_until(struct pty_child *t, const char *want, int timeout_ms)
{
	while (!strstr(t->out, want)) {
		struct pollfd pfd = {.fd = t->master, .events = POLLIN};
		ssize_t n;

		if (poll(&pfd, 1, timeout_ms) <= 0)
			return false;
		n = read(t->master, t->out + t->out_len, sizeof(t->out) - 1 - t->out_len);
		if (n <= 0)
			return false;
		t->out_len += (size_t)n;
		t->out[t->out_len] = '\0';
	}
	return true;
}

/* The child: its own session with the pty as controlling terminal, so
 * that Ctrl-C typed there sends it SIGINT. die: after an interruption, die
 * of the signal as `connect` does; else exit 42 for "interrupted by
 * SIGINT", 0 for "got SECRET_TYPED", 1 for anything else. */
static void child_prompt(struct pty_child *t, bool die)
{
	struct secret s = {0};
	char err[256];
	int signo = 0, rc;

	close(t->master);
	setsid();
	if (ioctl(t->slave, TIOCSCTTY, 0) < 0)
		_exit(3);
	rc = prompt_tty(t->slave_name, "Password for alice at gw.example: ", &s, &signo, err,
	                sizeof(err));
	if (rc == PROMPT_INTERRUPTED && die)
		prompt_die_of(signo);
	if (rc == PROMPT_INTERRUPTED)
		_exit(signo == SIGINT ? 42 : 2);
	_exit(rc == 0 && s.len == strlen(SECRET_TYPED) && memcmp(s.data, SECRET_TYPED, s.len) == 0
	          ? 0
	          : 1);
}

static void start_child(struct pty_child *t, bool die)
{
	memset(t, 0, sizeof(*t));
	assert_int_equal(openpty(&t->master, &t->slave, t->slave_name, NULL, NULL), 0);
	t->pid = fork();
	assert_true(t->pid >= 0);
	if (t->pid == 0)
		child_prompt(t, die);
	assert_true(read_until(t, "Password for alice at gw.example: ", 5000));
}

static int finish_child(struct pty_child *t)
{
	int status = 0;

	read_until(t, "\x01never", 300); /* collect the rest of the output */
	assert_int_equal(waitpid(t->pid, &status, 0), t->pid);
	return status;
}

static bool slave_echoes(const struct pty_child *t)
{
	struct termios tio;

	assert_int_equal(tcgetattr(t->slave, &tio), 0);
	return (tio.c_lflag & ECHO) && (tio.c_lflag & ICANON);
}

static void close_child(struct pty_child *t)
{
	close(t->master);
	close(t->slave);
}

static void test_tty_answer_not_echoed(void **state)
{
	struct pty_child t;
	int status;

	(void)state;
	start_child(&t, false);
	assert_int_equal(write(t.master, SECRET_TYPED "\n", strlen(SECRET_TYPED) + 1),
	                 (ssize_t)strlen(SECRET_TYPED) + 1);
	status = finish_child(&t);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_null(strstr(t.out, SECRET_TYPED)); /* never shown */
	assert_true(slave_echoes(&t));            /* and the terminal as it was */
	close_child(&t);
}

static void test_tty_ctrl_c_restores_terminal(void **state)
{
	struct pty_child t;
	int status;

	(void)state;
	start_child(&t, false);
	assert_int_equal(write(t.master, "abc\x03", 4), 4);
	status = finish_child(&t);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 42);
	assert_true(slave_echoes(&t));
	close_child(&t);

	/* as `connect` does: die of the signal, terminal sane */
	start_child(&t, true);
	assert_int_equal(write(t.master, "\x03", 1), 1);
	status = finish_child(&t);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGINT);
	assert_true(slave_echoes(&t));
	close_child(&t);
}

static void test_tty_end_of_input(void **state)
{
	struct pty_child t;
	int status;

	(void)state;
	start_child(&t, false);
	assert_int_equal(write(t.master, "\x04", 1), 1); /* Ctrl-D: no answer */
	status = finish_child(&t);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 1);
	assert_true(slave_echoes(&t));
	close_child(&t);
}

static int pipe_with(const char *text)
{
	int fds[2];

	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], text, strlen(text)), (ssize_t)strlen(text));
	close(fds[1]);
	return fds[0];
}

static void test_fd_lines(void **state)
{
	struct secret a = {0}, b = {0};
	char err[256];
	int fd = pipe_with("0sa2V5\npass word\r\n\n");

	(void)state;
	assert_int_equal(prompt_fd_line(fd, "--psk-stdin", &a, err, sizeof(err)), 0);
	assert_int_equal(prompt_fd_line(fd, "--password-stdin", &b, err, sizeof(err)), 0);
	assert_int_equal(a.len, 6);
	assert_memory_equal(a.data, "0sa2V5", 6);
	assert_int_equal(b.len, 9);
	assert_memory_equal(b.data, "pass word", 9);
	/* an empty line, then nothing at all */
	assert_int_equal(prompt_fd_line(fd, "--password-stdin", &a, err, sizeof(err)), -1);
	assert_string_equal(err, "--password-stdin: empty answer");
	assert_int_equal(prompt_fd_line(fd, "--password-stdin", &a, err, sizeof(err)), -1);
	close(fd);
	secret_free(&a);
	secret_free(&b);
}

static void test_fd_line_too_long(void **state)
{
	char *big = malloc(SECRET_MAX_LEN + 10);
	struct secret s = {0};
	char err[256];
	int fds[2];

	(void)state;
	memset(big, 'x', SECRET_MAX_LEN + 9);
	big[SECRET_MAX_LEN + 9] = '\0';
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], big, strlen(big)), (ssize_t)strlen(big));
	close(fds[1]);
	assert_int_equal(prompt_fd_line(fds[0], "--password-stdin", &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "longer than"));
	close(fds[0]);
	free(big);
}

static char tmpdir[TEMP_DIR_MAX];

/* A stand-in for systemd-ask-password: records its arguments, answers. */
static void fake_asker(const char *answer, int exit_code, char *path)
{
	char script[1024];

	snprintf(script, sizeof(script),
	         "#!/bin/sh\nprintf '%%s\\n' \"$@\" > %s/args\nprintf '%s\\n'\nexit %d\n", tmpdir,
	         answer, exit_code);
	assert_int_equal(write_file_mode(tmpdir, "asker", script, strlen(script), 0700, path), 0);
}

static void test_ask_password_program(void **state)
{
	char path[PATH_MAX], args_path[PATH_MAX + 8], err[256], *args;
	struct secret s = {0};
	size_t len;
	FILE *f;

	(void)state;
	assert_int_equal(make_temp_dir(tmpdir), 0);
	fake_asker("123456", 0, path);
	assert_int_equal(prompt_ask_password(path, "l2tpsec:office:password",
	                                     "One-time password for alice at gw: ", &s, err,
	                                     sizeof(err)),
	                 0);
	assert_int_equal(s.len, 6);
	assert_memory_equal(s.data, "123456", 6);
	snprintf(args_path, sizeof(args_path), "%s/args", tmpdir);
	f = fopen(args_path, "r");
	assert_non_null(f);
	args = calloc(1, 1024);
	len = fread(args, 1, 1023, f);
	fclose(f);
	args[len] = '\0';
	assert_string_equal(args,
	                    "--id=l2tpsec:office:password\nOne-time password for alice at gw: \n");
	free(args);
	secret_free(&s);
	/* cancelled (the agent said no) */
	fake_asker("", 1, path);
	assert_int_equal(prompt_ask_password(path, "x", "q", &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no answer"));
	assert_false(secret_is_set(&s));
	remove_temp_dir(tmpdir);
}

static void profile_for_asking(struct profile *p)
{
	profile_init(p, "office");
	snprintf(p->source, sizeof(p->source), "office.conf");
	snprintf(p->gateway, sizeof(p->gateway), "vpn.example.com");
	snprintf(p->user, sizeof(p->user), "alice");
}

static void test_nobody_to_ask(void **state)
{
	struct ask_plan plan = {.stdin_fd = -1, .tty_path = NULL};
	struct profile *p = calloc(1, sizeof(*p));
	char err[512];
	int signo;

	(void)state;
	profile_for_asking(p);
	assert_int_equal(ask_missing_secrets(p, &plan, &signo, err, sizeof(err)), -1);
	assert_string_equal(err,
	                    "office.conf: no pre-shared key and nobody to ask: give --psk-file "
	                    "FILE or --psk-stdin, set password-prompt = ask-password, or "
	                    "connect from a terminal");
	assert_int_equal(profile_secret_set_file(&p->psk, "/x"), 0);
	assert_int_equal(ask_missing_secrets(p, &plan, &signo, err, sizeof(err)), -1);
	assert_string_equal(err, "office.conf: no password and nobody to ask: give --password-file "
	                         "FILE or --password-stdin, set password-prompt = ask-password, "
	                         "or connect from a terminal");
	/* a terminal path that is not a terminal is nobody either */
	plan.tty_path = "/dev/null";
	assert_int_equal(ask_missing_secrets(p, &plan, &signo, err, sizeof(err)), -1);
	profile_free(p);
	free(p);
}

static void test_stdin_psk_then_password(void **state)
{
	struct ask_plan plan = {.psk_stdin = true, .password_stdin = true};
	struct profile *p = calloc(1, sizeof(*p));
	char err[512];
	int signo;

	(void)state;
	profile_for_asking(p);
	plan.stdin_fd = pipe_with("0x6b6579\nhunter2\n");
	assert_int_equal(ask_missing_secrets(p, &plan, &signo, err, sizeof(err)), 0);
	assert_int_equal(p->psk.value.len, 3); /* 0x: decoded as a psk-file would be */
	assert_memory_equal(p->psk.value.data, "key", 3);
	assert_int_equal(p->password.value.len, 7);
	assert_memory_equal(p->password.value.data, "hunter2", 7);
	assert_int_equal(profile_validate(p, NULL, err, sizeof(err)), 0);
	close(plan.stdin_fd);
	/* certificates: a PSK line on stdin is a mistake, not the password */
	p->auth = PROFILE_AUTH_CERT;
	plan.stdin_fd = pipe_with("key\nhunter2\n");
	assert_int_equal(ask_missing_secrets(p, &plan, &signo, err, sizeof(err)), -1);
	assert_string_equal(err,
	                    "--psk-stdin: office.conf uses certificates, not a pre-shared key");
	close(plan.stdin_fd);
	profile_free(p);
	free(p);
}

static void test_ask_password_profile_and_otp(void **state)
{
	struct ask_plan plan = {.stdin_fd = -1};
	struct profile *p = calloc(1, sizeof(*p));
	struct secret again = {0};
	char path[PATH_MAX], question[PROMPT_QUESTION_MAX], err[512];
	int signo;

	(void)state;
	assert_int_equal(make_temp_dir(tmpdir), 0);
	fake_asker("654321", 0, path);
	plan.ask_password_path = path;
	profile_for_asking(p);
	p->auth = PROFILE_AUTH_CERT;
	p->password_prompt = PROFILE_PROMPT_ASK_PASSWORD;
	p->password_type = PROFILE_PASSWORD_OTP;
	ask_password_question(p, question, sizeof(question));
	assert_string_equal(question, "One-time password for alice at vpn.example.com: ");
	assert_int_equal(ask_missing_secrets(p, &plan, &signo, err, sizeof(err)), 0);
	assert_memory_equal(p->password.value.data, "654321", 6);
	assert_int_equal(ask_password_again(p, &plan, &again, &signo, err, sizeof(err)), 0);
	assert_memory_equal(again.data, "654321", 6);
	secret_free(&again);
	/* password-prompt = no: never asked, even with an asker installed */
	p->password_prompt = PROFILE_PROMPT_NO;
	assert_int_equal(ask_password_again(p, &plan, &again, &signo, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "nobody to ask"));
	remove_temp_dir(tmpdir);
	profile_free(p);
	free(p);
}

/* An encrypted private key: its passphrase is asked for like a password
 * (here through a fake systemd-ask-password), and a wrong one loads nothing. */
static void test_key_passphrase(void **state)
{
	struct ask_plan plan = {.stdin_fd = -1};
	struct profile *p = calloc(1, sizeof(*p));
	struct ask_key_ctx kctx = {.profile = p, .plan = &plan, .path = "/etc/l2tpsec/me.key"};
	char asker[PATH_MAX], keyfile[PATH_MAX];
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"), *loaded;
	FILE *f;

	(void)state;
	assert_non_null(key);
	assert_int_equal(make_temp_dir(tmpdir), 0);
	snprintf(keyfile, sizeof(keyfile), "%s/me.key", tmpdir);
	f = fopen(keyfile, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PrivateKey(f, key, EVP_aes_128_cbc(),
	                                      (unsigned char *)"correct horse", 13, NULL, NULL),
	                 1);
	fclose(f);
	profile_for_asking(p);
	p->password_prompt = PROFILE_PROMPT_ASK_PASSWORD;
	fake_asker("correct horse", 0, asker);
	plan.ask_password_path = asker;
	f = fopen(keyfile, "r");
	loaded = PEM_read_PrivateKey(f, NULL, ask_key_passphrase, &kctx);
	fclose(f);
	assert_non_null(loaded);
	assert_int_equal(EVP_PKEY_eq(loaded, key), 1);
	EVP_PKEY_free(loaded);
	fake_asker("wrong", 0, asker);
	f = fopen(keyfile, "r");
	assert_null(PEM_read_PrivateKey(f, NULL, ask_key_passphrase, &kctx));
	fclose(f);
	/* nobody to ask: an error naming what is missing */
	p->password_prompt = PROFILE_PROMPT_NO;
	f = fopen(keyfile, "r");
	assert_null(PEM_read_PrivateKey(f, NULL, ask_key_passphrase, &kctx));
	fclose(f);
	assert_non_null(strstr(kctx.err, "no key passphrase and nobody to ask"));
	EVP_PKEY_free(key);
	remove_temp_dir(tmpdir);
	profile_free(p);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tty_answer_not_echoed),
	    cmocka_unit_test(test_tty_ctrl_c_restores_terminal),
	    cmocka_unit_test(test_tty_end_of_input),
	    cmocka_unit_test(test_fd_lines),
	    cmocka_unit_test(test_fd_line_too_long),
	    cmocka_unit_test(test_ask_password_program),
	    cmocka_unit_test(test_nobody_to_ask),
	    cmocka_unit_test(test_stdin_psk_then_password),
	    cmocka_unit_test(test_ask_password_profile_and_otp),
	    cmocka_unit_test(test_key_passphrase),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
