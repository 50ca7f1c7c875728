/*
 * The control socket of a running connection: /run/l2tpsec/NAME.sock, a
 * unix stream socket only root may use. One request line per connection
 * ("status", "status json", "disconnect", "log LEVEL [SUBSYSTEM]"), one reply,
 * then the server closes. Replies may be deferred (disconnect answers when
 * the teardown is done).
 */
#ifndef L2TPSEC_CLIENT_CTL_H
#define L2TPSEC_CLIENT_CTL_H

#include <stdbool.h>
#include <stddef.h>

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
};

struct ctl_server {
	struct loop *loop;
	struct logger *lg;
	int fd;
	char path[108];
	ctl_handler_fn handler;
	void *ctx;
	struct ctl_conn conns[CTL_MAX_CONNS];
};

/* Creates dir (0700) if needed and listens on dir/NAME.sock. Refuses when a
 * live process already serves that name. */
int ctl_server_open(struct ctl_server *srv, struct loop *loop, struct logger *lg, const char *dir,
		    const char *name, ctl_handler_fn handler, void *ctx);
void ctl_server_close(struct ctl_server *srv);
/* Send text and close the connection. */
void ctl_conn_reply(struct ctl_conn *conn, const char *text);

/* Client side: send request to dir/NAME.sock, collect the reply until the
 * server closes (at most outsz-1 bytes). Returns 0, or -1 with errno
 * (ENOENT: no such connection running). */
int ctl_request(const char *dir, const char *name, const char *request, char *out, size_t outsz,
		int timeout_ms);

#endif
