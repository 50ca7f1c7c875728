#include "sys/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/loop.h"
#include "lib/util.h"

static char *const default_env[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};

const char *spawn_find(const char *name, char *buf, size_t bufsz)
{
	static const char *const dirs[] = {"/usr/sbin", "/usr/bin", "/sbin", "/bin"};

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if ((size_t)snprintf(buf, bufsz, "%s/%s", dirs[i], name) >= bufsz)
			return NULL;
		if (access(buf, X_OK) == 0)
			return buf;
	}
	return NULL;
}

static void child_exec(char *const argv[], char *const envp[], int in_fd)
{
	int devnull = open("/dev/null", O_RDWR);

	loop_child_reset_signals();
	dup2(in_fd >= 0 ? in_fd : devnull, STDIN_FILENO);
	dup2(devnull, STDOUT_FILENO);
	/* stderr stays: helper errors end up in our log stream */
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	execve(argv[0], argv, envp ? envp : default_env);
	_exit(127);
}

pid_t spawn_start(char *const argv[], char *const envp[])
{
	pid_t pid = fork();

	if (pid == 0) {
		setpgid(0, 0);
		child_exec(argv, envp, -1);
	}
	if (pid > 0)
		setpgid(pid, pid); /* either side may run first */
	return pid;
}

int spawn_wait(char *const argv[], char *const envp[], const char *stdin_data)
{
	int pipefd[2] = {-1, -1};
	int status;
	pid_t pid;

	if (stdin_data && pipe2(pipefd, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		if (stdin_data) {
			close(pipefd[0]);
			close(pipefd[1]);
		}
		return -1;
	}
	if (pid == 0)
		child_exec(argv, envp, pipefd[0]);
	if (stdin_data) {
		size_t len = strlen(stdin_data);
		void (*old)(int) = signal(SIGPIPE, SIG_IGN);

		close(pipefd[0]);
		fd_write_all(pipefd[1], stdin_data, len); /* the child's business if not */
		close(pipefd[1]);
		signal(SIGPIPE, old);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
