#include "client/ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int sock_path(struct sockaddr_un *sun, const char *dir, const char *name)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (!name[0] || strchr(name, '/'))
		return -1;
	if ((size_t)snprintf(sun->sun_path, sizeof(sun->sun_path), "%s/%s.sock", dir, name) >=
	    sizeof(sun->sun_path))
		return -1;
	return 0;
}

static void conn_close(struct ctl_conn *c)
{
	if (c->fd < 0)
		return;
	loop_del_fd(c->srv->loop, c->fd);
	close(c->fd);
	c->fd = -1;
	c->req_len = 0;
	c->in_handler = false;
}

void ctl_conn_reply(struct ctl_conn *c, const char *text)
{
	size_t len = strlen(text);

	if (c->fd < 0)
		return;
	/* Replies are small; a client that does not read loses its answer
	 * rather than blocking the daemon. */
	if (send(c->fd, text, len, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)len)
		log_debug(c->srv->lg, LOG_CLIENT, "control reply truncated");
	conn_close(c);
}

/* What a status-only member may ask. */
static bool is_status_request(const char *req)
{
	return strcmp(req, "status") == 0 || strcmp(req, "status json") == 0;
}

static void on_conn(struct loop *loop, int fd, unsigned events, void *ctx)
{
	struct ctl_conn *c = ctx;
	ssize_t n;
	char *nl;

	(void)loop;
	(void)events;
	if (c->in_handler) {
		char drop[64];

		/* Waiting for a deferred reply: only notice the client leaving. */
		if (recv(fd, drop, sizeof(drop), MSG_DONTWAIT) == 0)
			loop_mod_fd(c->srv->loop, fd, 0);
		return;
	}
	n = recv(fd, c->req + c->req_len, sizeof(c->req) - 1 - c->req_len, MSG_DONTWAIT);
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			conn_close(c);
		return;
	}
	c->req_len += (size_t)n;
	c->req[c->req_len] = '\0';
	nl = strchr(c->req, '\n');
	if (!nl) {
		if (c->req_len == sizeof(c->req) - 1)
			ctl_conn_reply(c, "error: request too long\n");
		return;
	}
	*nl = '\0';
	if (!c->may_control && !is_status_request(c->req)) {
		ctl_conn_reply(c, "error: permission denied (this group may only read the status)\n");
		return;
	}
	c->in_handler = true;
	c->srv->handler(c->srv->ctx, c, c->req);
}

/* Root, or a member of the configured group (primary or supplementary,
 * from the kernel's record of the peer, never from what it says). */
static bool peer_allowed(const struct ctl_server *srv, int fd, bool *may_control)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	gid_t groups[256];

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return false;
	*may_control = true;
	if (cred.uid == 0)
		return true;
	*may_control = srv->access.may_control;
	if (srv->access.group == (gid_t)-1)
		return false;
	if (cred.gid == srv->access.group)
		return true;
	len = sizeof(groups);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
		return false;
	for (size_t i = 0; i < len / sizeof(groups[0]); i++)
		if (groups[i] == srv->access.group)
			return true;
	return false;
}

static void on_accept(struct loop *loop, int fd, unsigned events, void *ctx)
{
	struct ctl_server *srv = ctx;
	struct ctl_conn *c = NULL;
	bool may_control = false;
	int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	(void)events;
	if (cfd < 0)
		return;
	if (!peer_allowed(srv, cfd, &may_control)) {
		send(cfd, "error: permission denied\n", 25, MSG_NOSIGNAL | MSG_DONTWAIT);
		close(cfd);
		return;
	}
	for (size_t i = 0; i < CTL_MAX_CONNS && !c; i++)
		if (srv->conns[i].fd < 0)
			c = &srv->conns[i];
	if (!c || loop_add_fd(loop, cfd, LOOP_READ, on_conn, c) < 0) {
		send(cfd, "error: busy\n", 12, MSG_NOSIGNAL | MSG_DONTWAIT);
		close(cfd);
		return;
	}
	c->fd = cfd;
	c->req_len = 0;
	c->in_handler = false;
	c->may_control = may_control;
}

/* A socket file whose server no longer answers is a leftover of a crash. */
static bool socket_alive(const struct sockaddr_un *sun)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool alive;

	if (fd < 0)
		return false;
	alive = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	close(fd);
	return alive;
}

int ctl_access_for_group(const char *name, bool may_control, struct ctl_access *out)
{
	struct group gr, *found = NULL;
	char buf[4096];

	*out = (struct ctl_access){(gid_t)-1, false};
	if (!name || !name[0])
		return 0;
	if (getgrnam_r(name, &gr, buf, sizeof(buf), &found) != 0 || !found)
		return -1;
	*out = (struct ctl_access){found->gr_gid, may_control};
	return 0;
}

/* The group may reach and connect to the socket; nobody else may. */
static int grant_group(const struct ctl_server *srv, const char *dir)
{
	struct stat st;

	if (stat(dir, &st) < 0)
		return -1;
	if ((st.st_mode & 0111) != 0111 && chmod(dir, (st.st_mode & 07777) | 0111) < 0)
		return -1;
	if (chown(srv->path, (uid_t)-1, srv->access.group) < 0 || chmod(srv->path, 0660) < 0)
		return -1;
	return 0;
}

int ctl_server_open(struct ctl_server *srv, struct loop *loop, struct logger *lg, const char *dir,
		    const char *name, const struct ctl_access *access, ctl_handler_fn handler,
		    void *ctx)
{
	struct sockaddr_un sun;
	mode_t old;
	int rc;

	memset(srv, 0, sizeof(*srv));
	srv->fd = -1;
	for (size_t i = 0; i < CTL_MAX_CONNS; i++) {
		srv->conns[i].fd = -1;
		srv->conns[i].srv = srv;
	}
	srv->loop = loop;
	srv->lg = lg;
	srv->handler = handler;
	srv->ctx = ctx;
	srv->access = access ? *access : (struct ctl_access){(gid_t)-1, false};
	if (sock_path(&sun, dir, name) < 0) {
		errno = EINVAL;
		return -1;
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -1;
	if (socket_alive(&sun)) {
		errno = EADDRINUSE;
		return -1;
	}
	unlink(sun.sun_path);
	srv->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (srv->fd < 0)
		return -1;
	old = umask(0077);
	rc = bind(srv->fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc < 0 || listen(srv->fd, 8) < 0 ||
	    loop_add_fd(loop, srv->fd, LOOP_READ, on_accept, srv) < 0) {
		close(srv->fd);
		srv->fd = -1;
		return -1;
	}
	memcpy(srv->path, sun.sun_path, sizeof(srv->path));
	if (srv->access.group != (gid_t)-1 && grant_group(srv, dir) < 0) {
		int e = errno;

		ctl_server_close(srv);
		errno = e;
		return -1;
	}
	return 0;
}

void ctl_server_close(struct ctl_server *srv)
{
	for (size_t i = 0; i < CTL_MAX_CONNS; i++)
		if (srv->conns[i].fd >= 0)
			ctl_conn_reply(&srv->conns[i], "error: shutting down\n");
	if (srv->fd >= 0) {
		loop_del_fd(srv->loop, srv->fd);
		close(srv->fd);
		unlink(srv->path);
	}
	srv->fd = -1;
}

static int wait_fd(int fd, short events, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = events};
	int n;

	do
		n = poll(&p, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		errno = ETIMEDOUT;
	return n > 0 ? 0 : -1;
}

int ctl_request(const char *dir, const char *name, const char *request, char *out, size_t outsz,
		int timeout_ms)
{
	struct sockaddr_un sun;
	size_t got = 0;
	int fd, err = 0;

	if (outsz == 0 || sock_path(&sun, dir, name) < 0) {
		errno = EINVAL;
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		err = errno == ECONNREFUSED ? ENOENT : errno;
		goto out;
	}
	if (send(fd, request, strlen(request), MSG_NOSIGNAL) < 0 ||
	    send(fd, "\n", 1, MSG_NOSIGNAL) < 0) {
		err = errno;
		goto out;
	}
	while (got < outsz - 1) {
		ssize_t n;

		if (wait_fd(fd, POLLIN, timeout_ms) < 0) {
			err = errno;
			break;
		}
		n = recv(fd, out + got, outsz - 1 - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
out:
	out[got] = '\0';
	close(fd);
	errno = err;
	return err ? -1 : 0;
}
