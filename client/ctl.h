/*
 * The control socket of a running connection: /run/l2tpsec/NAME.sock, a
 * unix stream socket for root and, when configured, one group: its members
 * may ask for the status, and with may_control also everything else
 * (checked per request from the peer's credentials, SO_PEERCRED and
 * SO_PEERGROUPS, not only by the file's mode). One request line per connection
 * ("status", "status json", "disconnect", "log" for the recent log lines,
 * "log LEVEL [SUBSYSTEM]"), one reply,
 * then the server closes. Replies may be deferred (disconnect answers when
 * the teardown is done).
 */
#ifndef L2TPSEC_CLIENT_CTL_H
#define L2TPSEC_CLIENT_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "lib/log.h"
#include "lib/loop.h"

#define CTL_RUN_DIR L2TPSEC_RUN_DIR /* configure: $runstatedir/l2tpsec */
#define CTL_MAX_REQUEST 256
#define CTL_MAX_CONNS 8

struct ctl_conn;
/* Called with a complete request line (no newline). The handler answers now
 * or later with ctl_conn_reply(); until then the connection stays open. */
typedef void (*ctl_handler_fn)(void *ctx, struct ctl_conn *conn, const char *request);

struct ctl_conn {
	struct ctl_server *srv;
	int fd;
	char req[CTL_MAX_REQUEST];
	size_t req_len;
	bool in_handler; /* request complete, waiting for the reply */
	bool may_control; /* root, or the group with may_control: not only status */
};

/* Who besides root may use the socket. */
struct ctl_access {
	gid_t group; /* (gid_t)-1: nobody */
	bool may_control;
};

struct ctl_server {
	struct loop *loop;
	struct logger *lg;
	int fd;
	char path[108];
	ctl_handler_fn handler;
	void *ctx;
	struct ctl_access access;
	struct ctl_conn conns[CTL_MAX_CONNS];
};

/* The access for group name (NULL or "": root only). -1 when the group
 * does not exist (out is then root only). */
int ctl_access_for_group(const char *name, bool may_control, struct ctl_access *out);

/* Creates dir (0700; 0711 with a group, so members can reach the socket)
 * if needed and listens on dir/NAME.sock (0600, or 0660 owned by the
 * group). access may be NULL (root only). Refuses when a live process
 * already serves that name. */
int ctl_server_open(struct ctl_server *srv, struct loop *loop, struct logger *lg, const char *dir,
		    const char *name, const struct ctl_access *access, ctl_handler_fn handler,
		    void *ctx);
void ctl_server_close(struct ctl_server *srv);
/* Send text and close the connection. */
void ctl_conn_reply(struct ctl_conn *conn, const char *text);

/* Client side: send request to dir/NAME.sock, collect the reply until the
 * server closes (at most outsz-1 bytes). Returns 0, or -1 with errno
 * (ENOENT: no such connection running). */
int ctl_request(const char *dir, const char *name, const char *request, char *out, size_t outsz,
		int timeout_ms);

#endif
