/*
 * Stand-in for pppd in the launcher tests (this host has no /dev/ppp). It
 * checks what a real pppd would get from us -- the PPPoL2TP socket on the fd
 * named in argv, the password on the passwordfd pipe, the session's options
 * (tunnel 4321, session 65000) in the "file" named last, read to EOF as pppd
 * does, no other descriptors, an environment with only PATH, no password in
 * argv -- then runs the ip-up script the way pppd does and waits. Behaviour
 * by user name:
 *   alice: exit 5 on SIGTERM (pppd's "stopped by signal")
 *   hangup: exit 16 after ip-up
 *   stubborn: ignore SIGTERM
 *   noauth: the peer asked for no authentication (no "authentication
 *           succeeded" line before ip-up); noauth-pap: for PAP first (the
 *           request in pppd's debug lines), then for none
 *   refused: the peer wanted a method we refuse: pppd's line, exit 16;
 *            refused-pap, refused-chap, refused-eap: the same, and with "debug" pppd's
 *            packet lines naming the method the peer asked for
 * A wrong password: pppd's "authentication failed" lines, exit 19 a second
 * later.
 * Violations exit 99 with a message on stderr.
 */
#include <dirent.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_PASSWORD "s3cret pw"

extern char **environ;

static void fail(const char *what)
{
	fprintf(stderr, "fake-pppd: %s\n", what);
	exit(99);
}

static bool has(int argc, char **argv, const char *name)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return true;
	return false;
}

static const char *opt(int argc, char **argv, const char *name)
{
	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return NULL;
}

static void check_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int me = d ? dirfd(d) : -1;

	if (!d)
		fail("no /proc/self/fd");
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name);

		if (e->d_name[0] == '.' || fd == me)
			continue;
		if (fd > 5) {
			fprintf(stderr, "fake-pppd: leaked fd %d\n", fd);
			exit(99);
		}
	}
	closedir(d);
}

/* The last options file, as pppd reads it: words until EOF. */
static void read_session_options(const char *path, char *fd, size_t fdlen)
{
	char word[64], tid[64] = "", sid[64] = "";
	FILE *f = path ? fopen(path, "r") : NULL;

	if (!f)
		fail("cannot open the options file");
	while (fscanf(f, "%63s", word) == 1) {
		if (strcmp(word, "pppol2tp_tunnel_id") == 0 && fscanf(f, "%63s", tid) != 1)
			fail("tunnel id missing");
		else if (strcmp(word, "pppol2tp_session_id") == 0 && fscanf(f, "%63s", sid) != 1)
			fail("session id missing");
		else if (strcmp(word, "pppol2tp") == 0 && fscanf(f, "%63s", word) == 1)
			snprintf(fd, fdlen, "%s", word);
	}
	fclose(f);
	if (strcmp(tid, "4321") != 0 || strcmp(sid, "65000") != 0)
		fail("wrong session options");
}

static void run_ip_up(const char *script, const char *ipparam)
{
	char *args[] = {(char *)script, "ppp7",     "/dev/null",     "0",
	                "10.9.0.2",     "10.9.0.1", (char *)ipparam, NULL};
	char *env[] = {"IFNAME=ppp7",
	               "IPLOCAL=10.9.0.2",
	               "IPREMOTE=10.9.0.1",
	               "DNS1=10.9.0.53",
	               "DNS2=10.9.0.54",
	               "PPPLOGNAME=root",
	               NULL};
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		execve(script, args, env);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail("ip-up script failed");
}

int main(int argc, char **argv)
{
	const char *user = opt(argc, argv, "user");
	char l2tp[64] = "";
	const char *pwfd = opt(argc, argv, "passwordfd"), *script = opt(argc, argv, "ip-up-script");
	const char *ipparam = opt(argc, argv, "ipparam");
	char pw[256] = "";
	int type = 0;
	socklen_t tl = sizeof(type);
	ssize_t n, got = 0;

	sigset_t term;

	/* Before anything: the test may send SIGTERM as soon as ip-up ran. */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	if (user && strcmp(user, "stubborn") == 0)
		signal(SIGTERM, SIG_IGN);
	else
		sigprocmask(SIG_BLOCK, &term, NULL);
	check_fds();
	for (char **e = environ; *e; e++)
		if (strncmp(*e, "PATH=", 5) != 0)
			fail("environment not clean");
	for (int i = 0; i < argc; i++)
		if (strstr(argv[i], "s3cret"))
			fail("password in argv");
	if (!user || !pwfd || !script || !ipparam || !opt(argc, argv, "noauth"))
		fail("option missing");
	if (strcmp(argv[argc - 2], "file") != 0)
		fail("the options file is not last");
	read_session_options(argv[argc - 1], l2tp, sizeof(l2tp));
	if (!l2tp[0] || getsockopt(atoi(l2tp), SOL_SOCKET, SO_TYPE, &type, &tl) < 0)
		fail("pppol2tp fd is not a socket");
	while ((n = read(atoi(pwfd), pw + got, sizeof(pw) - 1 - (size_t)got)) > 0)
		got += n;
	pw[got] = '\0';
	fprintf(stderr, "fake-pppd: up as %s\n", user);
	if (strcmp(pw, TEST_PASSWORD) != 0) {
		/* as pppd 2.4.9 logs it, then LCP Terminate takes a while */
		fprintf(stderr, "MS-CHAP authentication failed: E=691 Authentication failure\n"
		                "CHAP authentication failed\n");
		sleep(1);
		return 19; /* authentication to the peer failed */
	}
	if (strncmp(user, "refused", 7) == 0) {
		/* With debug, pppd 2.4.9 prints the LCP packets: the peer's
		 * request names the method (refused-pap, refused-eap). */
		const char *method = strchr(user, '-') ? strchr(user, '-') + 1 : "pap";

		if (strcmp(method, "chap") == 0)
			method = "chap MD5";

		if (has(argc, argv, "debug"))
			fprintf(
			    stderr,
			    "sent [LCP ConfReq id=0x1 <magic 0x5f0e3b2a>]\n"
			    "rcvd [LCP ConfReq id=0x1 <asyncmap 0x0> <auth %s> <magic 0xd31c70>]\n"
			    "sent [LCP ConfNak id=0x1 <auth chap MS-v2>]\n"
			    "rcvd [LCP ConfReq id=0x2 <asyncmap 0x0> <magic 0xd31c70>]\n",
			    method);
		fprintf(stderr, "LCP terminated by peer (peer refused to authenticate)\n");
		sleep(1);
		return 16;
	}
	if (strcmp(user, "noauth-pap") == 0 && has(argc, argv, "debug"))
		fprintf(stderr, "rcvd [LCP ConfReq id=0x1 <auth pap> <magic 0xd31c70>]\n"
		                "sent [LCP ConfNak id=0x1 <auth chap MS-v2>]\n"
		                "rcvd [LCP ConfReq id=0x2 <magic 0xd31c70>]\n");
	if (strncmp(user, "noauth", 6) != 0)
		fprintf(stderr, "CHAP authentication succeeded\n"); /* as pppd 2.4.9 logs it */
	run_ip_up(script, ipparam);
	if (strcmp(user, "hangup") == 0)
		return 16;
	for (;;) {
		int sig;

		if (strcmp(user, "stubborn") == 0)
			pause();
		else if (sigwait(&term, &sig) == 0)
			return 5;
	}
}
