/* Asking for secrets: terminal, a descriptor, systemd-ask-password. See
 * client/prompt.h for the rules. */
#include "client/prompt.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "lib/util.h"
#include "sys/spawn.h"

/* Read buffer: the longest secret, a CRLF and one byte to tell "too long". */
#define LINE_CAP (SECRET_MAX_LEN + 3)

bool prompt_tty_available(const char *tty_path)
{
	int fd = open(tty_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	bool ok = fd >= 0 && isatty(fd);

	if (fd >= 0)
		close(fd);
	return ok;
}

/* Takes the line in buf[0..len) (one "\n" or "\r\n" at its end belongs to
 * the line, not the secret) into out. */
static int take_line(uint8_t *buf, size_t len, const char *what, struct secret *out, char *err,
                     size_t errlen)
{
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	if (len == 0) {
		snprintf(err, errlen, "%s: empty answer", what);
		return -1;
	}
	if (len > SECRET_MAX_LEN) {
		snprintf(err, errlen, "%s: longer than %d bytes", what, SECRET_MAX_LEN);
		return -1;
	}
	return secret_from_string((const char *)buf, len, out, err, errlen);
}

int prompt_fd_line(int fd, const char *what, struct secret *out, char *err, size_t errlen)
{
	uint8_t buf[LINE_CAP];
	size_t n = 0;
	int rc = -1;

	/* A byte at a time: what follows the line is not ours to consume. */
	while (n < sizeof(buf)) {
		ssize_t r = read(fd, buf + n, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "%s: %s", what, strerror(errno));
			goto out;
		}
		if (r == 0 || buf[n++] == '\n')
			break;
	}
	if (n == sizeof(buf) && buf[n - 1] != '\n') {
		snprintf(err, errlen, "%s: longer than %d bytes", what, SECRET_MAX_LEN);
		goto out;
	}
	rc = take_line(buf, n, what, out, err, errlen);
out:
	secure_clear(buf, sizeof(buf));
	return rc;
}

/* ---- terminal ------------------------------------------------------------ */

/* Signals that would leave the terminal without echo if they killed us
 * while we wait: they are blocked and read from a signalfd instead. SIGTSTP
 * is swallowed (a stopped prompt would leave echo off in the shell). */
static void prompt_sigset(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGQUIT);
	sigaddset(set, SIGTSTP);
}

/* Waits for one line on the terminal or a signal. Returns the line length,
 * PROMPT_INTERRUPTED, or -1 (errno). */
static ssize_t wait_line(int tty, int sfd, uint8_t *buf, size_t cap, int *signo)
{
	struct pollfd pfd[2] = {{.fd = tty, .events = POLLIN}, {.fd = sfd, .events = POLLIN}};

	for (;;) {
		struct signalfd_siginfo si;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (pfd[1].revents & POLLIN) {
			if (read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
				continue;
			if (si.ssi_signo == SIGTSTP)
				continue;
			*signo = (int)si.ssi_signo;
			return PROMPT_INTERRUPTED;
		}
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			/* canonical mode: one read is one line (or EOF) */
			ssize_t r = read(tty, buf, cap);

			if (r < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			return r;
		}
	}
}

static void tty_write(int fd, const char *s)
{
	fd_write_all(fd, s, strlen(s)); /* a prompt that cannot be shown: the read says */
}

static int read_tty_noecho(int tty, const char *question, struct secret *out, int *signo, char *err,
                           size_t errlen)
{
	struct termios saved, quiet;
	sigset_t set, oldmask;
	uint8_t buf[LINE_CAP];
	ssize_t n;
	int sfd, rc = -1;

	if (tcgetattr(tty, &saved) < 0) {
		snprintf(err, errlen, "terminal: %s", strerror(errno));
		return -1;
	}
	prompt_sigset(&set);
	sigprocmask(SIG_BLOCK, &set, &oldmask);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0) {
		snprintf(err, errlen, "signalfd: %s", strerror(errno));
		sigprocmask(SIG_SETMASK, &oldmask, NULL);
		return -1;
	}
	quiet = saved;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
	quiet.c_lflag |= ICANON | ISIG;
	/* TCSAFLUSH: what was typed before the question is not the answer */
	if (tcsetattr(tty, TCSAFLUSH, &quiet) < 0) {
		snprintf(err, errlen, "terminal: %s", strerror(errno));
		goto out;
	}
	tty_write(tty, question);
	n = wait_line(tty, sfd, buf, sizeof(buf), signo);
	tcsetattr(tty, TCSANOW, &saved);
	tty_write(tty, "\n"); /* the Enter we did not echo */
	if (n == PROMPT_INTERRUPTED) {
		rc = PROMPT_INTERRUPTED;
	} else if (n < 0) {
		snprintf(err, errlen, "terminal: %s", strerror(errno));
	} else if (n == 0) {
		snprintf(err, errlen, "no answer (end of input at the prompt)");
	} else {
		rc = take_line(buf, (size_t)n, "answer", out, err, errlen);
	}
out:
	secure_clear(buf, sizeof(buf));
	close(sfd);
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	return rc;
}

int prompt_tty(const char *tty_path, const char *question, struct secret *out, int *signo,
               char *err, size_t errlen)
{
	int tty = open(tty_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	int rc;

	*signo = 0;
	if (tty < 0 || !isatty(tty)) {
		snprintf(err, errlen, "%s: no terminal to ask on", tty_path);
		if (tty >= 0)
			close(tty);
		return -1;
	}
	rc = read_tty_noecho(tty, question, out, signo, err, errlen);
	close(tty);
	return rc;
}

void prompt_die_of(int signo)
{
	sigset_t set;

	signal(signo, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, signo);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(signo);
	_exit(128 + signo);
}

/* ---- systemd-ask-password ------------------------------------------------ */

static pid_t run_asker(const char *path, const char *id, const char *question, int out_fd)
{
	char idarg[160];
	pid_t pid;

	snprintf(idarg, sizeof(idarg), "--id=%s", id);
	pid = fork();
	if (pid != 0)
		return pid;
	if (dup2(out_fd, STDOUT_FILENO) < 0)
		_exit(127);
	execl(path, path, idarg, question, (char *)NULL);
	_exit(127);
}

int prompt_ask_password(const char *ask_password_path, const char *id, const char *question,
                        struct secret *out, char *err, size_t errlen)
{
	char found[256];
	const char *path = ask_password_path;
	uint8_t buf[LINE_CAP];
	size_t n = 0;
	int fds[2], status = 0, rc = -1;
	pid_t pid;

	if (!path)
		path = spawn_find("systemd-ask-password", found, sizeof(found));
	if (!path) {
		snprintf(err, errlen, "systemd-ask-password is not installed");
		return -1;
	}
	if (pipe2(fds, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	pid = run_asker(path, id, question, fds[1]);
	close(fds[1]);
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(fds[0]);
		return -1;
	}
	while (n < sizeof(buf)) {
		ssize_t r = read(fds[0], buf + n, sizeof(buf) - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		snprintf(err, errlen, "%s: no answer (cancelled or timed out)", path);
	else if (n == sizeof(buf))
		snprintf(err, errlen, "%s: answer longer than %d bytes", path, SECRET_MAX_LEN);
	else
		rc = take_line(buf, n, path, out, err, errlen);
	secure_clear(buf, sizeof(buf));
	return rc;
}
