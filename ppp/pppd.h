/*
 * pppd launcher for the kernel data path: pppd runs the PPP negotiation on
 * the PPPoL2TP socket that l2tp/ created (pppol2tp.so plugin), gets the
 * password through a pipe (passwordfd.so plugin, never argv or the
 * environment), and reports the negotiated addresses through our ip-up
 * script (ppp/l2tpsec-ip-up), which writes them into a FIFO whose path is
 * pppd's ipparam. pppd's exit status is mapped to a ppp_down_reason.
 *
 * Written against pppd 2.4.9 (Debian 12): every option used exists there.
 */
#ifndef L2TPSEC_PPP_PPPD_H
#define L2TPSEC_PPP_PPPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ppp/ppp.h"

struct loop;
struct logger;
struct pppd;

/* File descriptor numbers the child sees; the argv names them. */
#define PPPD_CHILD_L2TP_FD     3
#define PPPD_CHILD_PASSWORD_FD 4
#define PPPD_CHILD_OPTIONS_FD  5 /* read by pppd as its last options file */

struct pppd_config {
	const char *pppd_path;    /* NULL: /usr/sbin/pppd */
	const char *ip_up_script; /* absolute path of l2tpsec-ip-up (required) */
	const char *runtime_dir;  /* where the private FIFO directory goes; NULL: /run */
	const char *user;         /* PPP user name; NULL: no authentication to the peer */
	unsigned auth_allowed;    /* PPP_AUTH_* bits; the others are refuse-*'d */
	uint16_t mtu, mru;        /* 0: pppd's default */
	unsigned echo_interval_s, echo_failure; /* 0 interval: no LCP echo */
	bool usepeerdns;                        /* ask for DNS servers */
	bool ipv6;                              /* +ipv6 (IPV6CP) */
	const char *ifname;                     /* NULL: pppd picks pppN */
	int unit;                               /* -1: any */
	bool debug;
	unsigned stop_timeout_ms; /* SIGTERM to SIGKILL; 0: 5000 */
};

/* The L2TP identifiers pppol2tp.so wants; the socket itself is connected. */
struct pppd_l2tp_ids {
	uint32_t tunnel_id, session_id;
};

#define PPPD_MAX_ARGS 80
struct pppd_argv {
	char *argv[PPPD_MAX_ARGS + 1]; /* NULL-terminated, points into strs */
	int argc;
	char strs[2048];
	size_t used;
};

/* Pure: the command line for cfg (argv[0] is the pppd path). fifo_path
 * becomes the ipparam. The last option, "file /dev/fd/5", makes pppd wait
 * for the session's options (pppd_session_options) on a pipe. -1 when a
 * value does not fit or is invalid. */
int pppd_build_argv(const struct pppd_config *cfg, bool with_password, const char *fifo_path,
                    struct pppd_argv *out);
/* Pure: the options pppd reads from that pipe once the session exists.
 * Returns the length written into buf, or -1 when it does not fit. */
int pppd_session_options(const struct pppd_l2tp_ids *ids, char *buf, size_t len);

/* What the ip-up script reports (all strings NUL-terminated, may be empty). */
struct pppd_report {
	char event[16]; /* "ip-up", "ipv6-up", "down" */
	char ifname[32];
	struct ppp_ip_info ip;
};
/* Pure: parse one report block ("L2TPSEC 1\n" ... "END\n"). Returns the
 * bytes consumed, 0 when the block is not complete yet, -1 when it is
 * malformed (the caller drops the buffer). */
long pppd_parse_report(const char *buf, size_t len, struct pppd_report *out);

/* Pure: pppd's exit status (as from waitpid) as a reason. */
void pppd_exit_reason(int status, struct ppp_failure *out);
/* Whether one of pppd's log lines says the gateway rejected our
 * credentials ("MS-CHAP authentication failed: E=691 ...", "CHAP ...",
 * "PAP authentication failed"); if so *out is an AUTH_FAILED. */
bool pppd_log_auth_failed(const char *line, struct ppp_failure *out);
/* Whether one of pppd's log lines is the peer's LCP Configure-Request with
 * an Authentication-Protocol option, which pppd prints only with its debug
 * option ("rcvd [LCP ConfReq id=0x1 <auth chap MD5> <magic 0x...>]"); if so
 * *auth is the method (PPP_AUTH_NONE for one l2tpsec does not do: EAP,
 * MS-CHAPv1) and name its name ("PAP", "CHAP-MD5", "EAP", "MS-CHAPv1"). Without
 * debug pppd says only "peer refused to authenticate", naming nothing. */
bool pppd_log_peer_auth(const char *line, enum ppp_auth *auth, char *name, size_t namelen);

struct pppd_callbacks {
	void (*ip_up)(void *ctx, const struct pppd_report *r); /* ip-up and ipv6-up */
	void (*exited)(void *ctx, const struct ppp_failure *why, int status);
	/* Optional: pppd's log says authentication ended the link, before
	 * pppd exits and before the gateway drops the L2TP session (which
	 * would look like "closed by the gateway"): the gateway gave up because
	 * we refused its method (AUTH_REFUSED), or it rejected our password
	 * (AUTH_FAILED). At most once. */
	void (*auth_down)(void *ctx, const struct ppp_failure *why);
};

/* Starts pppd with pppol2tp_fd, a PPPoL2TP socket that may not be connected
 * yet: pppd loads its plugins, then waits for its last options (the socket
 * among them) until pppd_attach(). Started before the L2TP session exists,
 * pppd's own start-up (exec, libraries, plugins) leaves the connect time. */
struct pppd *pppd_start(struct loop *loop, const struct logger *lg, const struct pppd_config *cfg,
                        int pppol2tp_fd, const uint8_t *password, size_t password_len,
                        const struct pppd_callbacks *cbs, void *ctx);
/* The socket is connected to the session ids: pppd goes on. 0 or -1. */
int pppd_attach(struct pppd *p, const struct pppd_l2tp_ids *ids);
/* Reads what pppd has logged so far (auth_down() may follow): for a
 * caller about to judge an event pppd may already have explained. */
void pppd_read_log(struct pppd *p);
/* SIGTERM, then SIGKILL after stop_timeout_ms; exited() follows. */
void pppd_stop(struct pppd *p);
pid_t pppd_pid(const struct pppd *p);
/* Kills a still running pppd (SIGKILL, reaped) and removes the FIFO. */
void pppd_free(struct pppd *p);

#endif
