/*
 * The connection profile: everything `l2tpsec connect` needs to know about one
 * VPN, whichever file it came from (an l2tpsec profile, see l2tpsec.conf(5),
 * or a NetworkManager-l2tp keyfile, see config/nmconn.h).
 *
 * Loading is in three steps so that the command line can fill gaps:
 *   1. parse: profile_parse_ini() / nmconn_parse() check syntax and every
 *      value, and record secrets given inline;
 *   2. the caller applies overrides (--psk-file, --password-file);
 *   3. profile_validate() checks what must be there and what conflicts,
 *      then profile_load_secrets() reads psk-file / password-file;
 *      `connect` asks a person for what is still missing
 *      (profile_secret_missing(), client/ask.h) and validates again.
 * profile_load() does all of that for a file on disk.
 *
 * The profile owns its secrets: profile_free() clears them.
 */
#ifndef L2TPSEC_CLIENT_PROFILE_H
#define L2TPSEC_CLIENT_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config/secret.h"
#include "lib/log.h"

#define PROFILE_DIR           L2TPSEC_PROFILE_DIR /* configure: $sysconfdir/l2tpsec */
#define PROFILE_NAME_MAX      64 /* with the NUL */
#define PROFILE_HOST_MAX      256
#define PROFILE_PATH_MAX      4096
#define PROFILE_GROUP_MAX     64
#define PROFILE_ID_MAX        256
#define PROFILE_PROPOSALS_MAX 512
#define PROFILE_USER_MAX      256
#define PROFILE_ROUTES_MAX    32 /* so "routes = ..." fits one line */
#define PROFILE_DNS_MAX       8
#define PROFILE_SEARCH_MAX    8
#define PROFILE_DOMAIN_MAX    254
#define PROFILE_FILE_MAX      (256 * 1024) /* a profile bigger than this is a mistake */

enum profile_auth { PROFILE_AUTH_PSK, PROFILE_AUTH_CERT };

/* ISAKMP identification types we can send or expect (RFC 2407 4.6.2.1). */
enum profile_id_type {
	PROFILE_ID_AUTO, /* ours: our address; theirs: accept what the peer sends */
	PROFILE_ID_IPV4,
	PROFILE_ID_FQDN,
	PROFILE_ID_USER_FQDN,
	PROFILE_ID_DN,
};

struct profile_id {
	enum profile_id_type type;
	char value[PROFILE_ID_MAX]; /* "" = none configured */
};

/* Offer the 2048-bit MODP group (RFC 3526 group 14) next to Windows' 1024? */
enum profile_dh2048 { PROFILE_DH2048_OFF, PROFILE_DH2048_OFFER, PROFILE_DH2048_REQUIRE };
/* IKE fragmentation (ike/frag.h): auto = when the gateway announces it,
 * force = also when it does not, off = never (no vendor ID either). */
enum profile_ike_frag { PROFILE_IKE_FRAG_AUTO, PROFILE_IKE_FRAG_FORCE, PROFILE_IKE_FRAG_OFF };

enum profile_pfs { PROFILE_PFS_OFF, PROFILE_PFS_ON, PROFILE_PFS_GROUP };

enum profile_l2tp_port {
	PROFILE_L2TP_PORT_AUTO,
	PROFILE_L2TP_PORT_1701,
	PROFILE_L2TP_PORT_EPHEMERAL
};

enum profile_datapath {
	PROFILE_DATAPATH_AUTO,
	PROFILE_DATAPATH_KERNEL,
	PROFILE_DATAPATH_USERSPACE
};

/* How the userspace data path manages the queues it owns (TUN ring out,
 * NAT-T socket in): CoDel (RFC 8289) or plain tail drop. */
enum profile_queue { PROFILE_QUEUE_CODEL, PROFILE_QUEUE_FIFO };

enum profile_dns { PROFILE_DNS_AUTO, PROFILE_DNS_NO, PROFILE_DNS_SERVERS };

/* IPv6 inside the tunnel (l2tpsec.conf(5) ipv6): auto negotiates IPV6CP
 * (RFC 5072) and uses IPv6 when the gateway offers it; off never asks;
 * leak-ok is auto without blocking IPv6 outside a full tunnel that carries
 * none. */
enum profile_ipv6 { PROFILE_IPV6_AUTO, PROFILE_IPV6_OFF, PROFILE_IPV6_LEAK_OK };

/* The gateway's address family (l2tpsec.conf(5) family): auto tries IPv6
 * first when this host has a global IPv6 address with a route to the
 * gateway's, else IPv4, and the other one when Main Mode gets no answer. */
enum profile_family { PROFILE_FAMILY_AUTO, PROFILE_FAMILY_IPV4, PROFILE_FAMILY_IPV6 };

/* How a secret the profile does not hold is asked for (password-prompt):
 * on the terminal when there is one, through systemd-ask-password (services),
 * or never (a missing secret is an error). */
enum profile_prompt { PROFILE_PROMPT_AUTO, PROFILE_PROMPT_ASK_PASSWORD, PROFILE_PROMPT_NO };

/* password-type: otp is a one-time code (RADIUS OTP, Duo, FortiToken): used
 * for one PPP authentication, then wiped; a new PPP session asks again. */
enum profile_pwtype { PROFILE_PASSWORD_STATIC, PROFILE_PASSWORD_OTP };

/* PPP authentication protocols we may answer; EAP is always refused. */
enum {
	PROFILE_PPP_PAP = 1 << 0,
	PROFILE_PPP_CHAP = 1 << 1,     /* CHAP-MD5, RFC 1994 */
	PROFILE_PPP_MSCHAPV2 = 1 << 2, /* RFC 2759 */
	/* the gateway may skip PPP authentication (and so prove nothing) */
	PROFILE_PPP_NONE = 1 << 3,
};
/* Default (issue #14): only MS-CHAPv2 makes the gateway prove it knows the
 * password (RFC 2759 §5); PAP, CHAP-MD5 and none only when allowed. */
#define PROFILE_PPP_DEFAULT PROFILE_PPP_MSCHAPV2

/* MPPE wishes from imported profiles: kept to warn about, never negotiated. */
enum {
	PROFILE_MPPE_REQUIRE = 1 << 0,
	PROFILE_MPPE_40 = 1 << 1,
	PROFILE_MPPE_128 = 1 << 2,
	PROFILE_MPPE_STATEFUL = 1 << 3,
};

/* Where a secret comes from, so validation can say what is missing. */
enum profile_secret_src {
	PROFILE_SECRET_NONE,
	PROFILE_SECRET_INLINE,       /* in the profile itself */
	PROFILE_SECRET_FILE,         /* read from *_file by profile_load_secrets() */
	PROFILE_SECRET_ASK,          /* NM flags 1/2: not stored, the user must give it */
	PROFILE_SECRET_NOT_REQUIRED, /* NM flags 4 */
};

struct profile_secret {
	struct secret value;
	enum profile_secret_src src;
	char file[PROFILE_PATH_MAX];
	unsigned nm_flags;   /* NetworkManager's NAME-flags, for messages */
	const char *nm_name; /* NetworkManager's key, for messages; NULL for ours */
};

struct profile_addr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t bytes[16];
};

/* A route into the tunnel: its next hop is the tunnel's peer, its metric
 * the kernel's default (a gateway or metric is refused, not ignored). */
struct profile_route {
	struct profile_addr dst;
	uint8_t prefix_len;
};

struct profile {
	char name[PROFILE_NAME_MAX];
	char source[PROFILE_PATH_MAX]; /* the file it came from, for messages */

	/* [gateway] */
	char gateway[PROFILE_HOST_MAX];
	enum profile_family family; /* of the gateway's address */

	/* [ipsec] */
	enum profile_auth auth;
	struct profile_secret psk;
	char cert[PROFILE_PATH_MAX], key[PROFILE_PATH_MAX], ca[PROFILE_PATH_MAX];
	/* key: PEM or PKCS#12 (then cert may stay empty); its password in a
	 * private file; crl: certificate revocation lists (PEM) checked for
	 * the gateway's certificate */
	char key_password_file[PROFILE_PATH_MAX], crl[PROFILE_PATH_MAX];
	/* [client] control-group: members may read status over the control
	 * socket; with :control also disconnect and change the log level */
	char control_group[PROFILE_GROUP_MAX];
	bool control_group_may_control;
	struct profile_id local_id, remote_id;
	char ike_proposals[PROFILE_PROPOSALS_MAX]; /* strongSwan syntax; "" = built-in */
	char esp_proposals[PROFILE_PROPOSALS_MAX];
	enum profile_dh2048 dh2048;
	/* Windows' AssumeUDPEncapsulationContextOnSendRule (KB885407): 0 = no
	 * NAT-T when the server is behind NAT, 1 = when the server is behind
	 * NAT, 2 = also when both are. */
	int assume_udp_encaps;
	uint32_t ike_lifetime_s, ipsec_lifetime_s;
	uint32_t rekey_margin_s; /* rekey this long before expiry; 0 = 10 %, >= 4 s */
	enum profile_pfs pfs;
	char pfs_group[16]; /* with PROFILE_PFS_GROUP: "modp2048" ... */
	bool force_encaps;
	enum profile_ike_frag ike_fragmentation;
	uint32_t dpd_interval_s; /* 0 = off */
	uint32_t nat_keepalive_s; /* RFC 3948 §4 NAT keepalive; 0 = off */

	/* [l2tp] */
	enum profile_l2tp_port l2tp_port;
	struct profile_secret tunnel_secret;
	uint32_t hello_interval_s; /* 0 = off */
	unsigned retries;

	/* [ppp] */
	char user[PROFILE_USER_MAX];
	struct profile_secret password;
	unsigned auth_methods; /* PROFILE_PPP_* */
	unsigned mtu, mru;
	uint32_t lcp_echo_interval_s; /* 0 = off */
	unsigned lcp_echo_failure;
	unsigned mppe; /* PROFILE_MPPE_*: unsupported, warned about */
	enum profile_prompt password_prompt;
	enum profile_pwtype password_type;

	/* [network] */
	bool default_route;
	size_t n_routes;
	struct profile_route routes[PROFILE_ROUTES_MAX];
	enum profile_dns dns;
	bool dns_add_to_peer; /* PROFILE_DNS_AUTO with extra servers */
	size_t n_dns;
	struct profile_addr dns_servers[PROFILE_DNS_MAX];
	size_t n_search;
	char dns_search[PROFILE_SEARCH_MAX][PROFILE_DOMAIN_MAX];
	char hook[PROFILE_PATH_MAX]; /* "" = none */
	enum profile_ipv6 ipv6;
	/* NetworkManager [ipv6] ignore-auto-routes: routes the gateway's
	 * router advertisements announce (RFC 4191) are not installed */
	bool ipv6_ignore_auto_routes;

	/* [client] */
	enum profile_datapath datapath;
	enum profile_queue queue;
	bool kill_switch;
	bool reconnect;
	/* Reconnect after authentication failures too (exit 7, 10): off, since
	 * retrying a wrong password locks domain accounts behind RRAS/NPS. */
	bool retry_auth_failures;
	/* One liveness policy for the three layers that can tell (IKE DPD,
	 * L2TP hello, LCP echo): the peer is dead after this much silence;
	 * 0: each layer's own interval. */
	uint32_t liveness_s;
	/* Wireshark's key files (ikev1_decryption_table, esp_sa) go here while
	 * connected (strongSwan's save-keys); "" = off. */
	char save_keys[PROFILE_PATH_MAX];
	bool log_level_set[LOG_SUBSYS_COUNT];
	enum log_level log_level[LOG_SUBSYS_COUNT];
};

/* Non-fatal findings (NM keys without an equivalent, unsupported wishes). */
#define PROFILE_WARN_MAX 48
#define PROFILE_WARN_LEN 240
struct profile_warnings {
	size_t count;
	size_t dropped; /* warnings that did not fit */
	char text[PROFILE_WARN_MAX][PROFILE_WARN_LEN];
};

void profile_warnings_init(struct profile_warnings *w);
void profile_warn(struct profile_warnings *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A parser's reason in words, formatted into buf; returns buf. */
const char *profile_why(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void profile_warnings_print(const struct profile_warnings *w, FILE *out);

/* Defaults (see l2tpsec.conf(5)); name may be NULL. */
void profile_init(struct profile *p, const char *name);
void profile_free(struct profile *p);

/* Name rules for /etc/l2tpsec/NAME.conf: [A-Za-z0-9._-], not starting with
 * '.' or '-', at most PROFILE_NAME_MAX-1 bytes. */
bool profile_name_valid(const char *name);
/* A valid name made from any text (an NM id such as "Office VPN"). */
void profile_name_from(char out[PROFILE_NAME_MAX], const char *text);

/* Cross-field checks after parsing and overrides: what is required, what
 * conflicts. 0, or -1 with "SOURCE: ..." in err. A secret that is missing
 * (or that NetworkManager does not store) is an error, or with secrets_warn
 * a warning there (`l2tpsec check`: the command line can still give it). */
int profile_validate(const struct profile *p, struct profile_warnings *secrets_warn, char *err,
                     size_t errlen);

/* Reads psk/password/tunnel secret files named in the profile, decodes a 0s/0x
 * PSK. 0, or -1 with a message naming the file. */
int profile_load_secrets(struct profile *p, char *err, size_t errlen);

/* The secret is neither in the profile nor in a named file (missing, or
 * NetworkManager asks for it every time): someone must be asked for it. */
bool profile_secret_missing(const struct profile_secret *s);

/* Sets a secret's file from the command line, replacing what the file said. */
int profile_secret_set_file(struct profile_secret *s, const char *path);

/* What the profile file may contain. A parser refuses inline secrets unless
 * secrets_allowed (the loader sets it from the file's owner and mode). */
struct profile_parse_opts {
	bool secrets_allowed;
	char secrets_refused_why[400]; /* the reason, for the error message */
};

/* l2tpsec's own format (config/profile_ini.c). p must come from
 * profile_init(). 0, or -1 with "FILE:LINE: key 'x': reason" in err. */
int profile_parse_ini(struct profile *p, const void *buf, size_t len, const char *filename,
                      const struct profile_parse_opts *opts, struct profile_warnings *warn,
                      char *err, size_t errlen);

/* Writes p in l2tpsec's format, secrets inline; profile_parse_ini() reads it
 * back to the same profile. 0 or -1 (write error). */
int profile_write_ini(const struct profile *p, FILE *out);

/* "/etc/l2tpsec/NAME.conf" for a bare NAME, else the argument as a path. */
int profile_path_for(const char *name_or_path, char *out, size_t outlen);

/* Reads a whole profile file (at most PROFILE_FILE_MAX bytes) and decides
 * whether inline secrets are allowed. *buf must be freed with
 * profile_file_free(). */
int profile_file_read(const char *path, char **buf, size_t *len, struct profile_parse_opts *opts,
                      char *err, size_t errlen);
void profile_file_free(char *buf, size_t len);

enum profile_format { PROFILE_FORMAT_INI, PROFILE_FORMAT_NM };

/* Step 1 for a file on disk: read and parse it (permissions checked). */
int profile_parse_file(struct profile *p, const char *path, enum profile_format format,
                       struct profile_warnings *warn, char *err, size_t errlen);

/* Step 2: secrets named on the command line replace the profile's. */
struct profile_overrides {
	const char *psk_file;
	const char *password_file;
};
int profile_apply_overrides(struct profile *p, const struct profile_overrides *ov, char *err,
                            size_t errlen);

/* All steps: parse, apply the overrides (may be NULL), validate, read the
 * secret files. What `l2tpsec connect` calls. */
int profile_load(struct profile *p, const char *path, enum profile_format format,
                 const struct profile_overrides *ov, struct profile_warnings *warn, char *err,
                 size_t errlen);

/* Enum <-> text, shared by the parser, the writer and the NM mapping. */
const char *profile_id_type_name(enum profile_id_type t);
/* For PROFILE_ID_AUTO: what the value looks like ("@x" or a name: FQDN,
 * "a@b": USER_FQDN, dotted quad: IPV4, "C=..,O=..": DN). */
enum profile_id_type profile_id_effective_type(const struct profile_id *id);
int profile_parse_duration(const char *s, uint32_t max, uint32_t *out);
int profile_parse_bool(const char *s, bool *out);
int profile_parse_addr(const char *s, struct profile_addr *out);
/* "10.0.0.0/8" (no host bits set) */
int profile_parse_cidr(const char *s, struct profile_addr *addr, uint8_t *prefix_len);
/* "10.0.0.0/8" with blanks around it */
int profile_parse_route(const char *s, struct profile_route *out);
int profile_format_addr(const struct profile_addr *a, char *out, size_t outlen);
bool profile_hostname_valid(const char *s);
/* A PKCS#12 key file, by its name (.p12, .pfx): it carries the certificate. */
bool profile_key_is_p12(const char *path);
/* "mschapv2, chap" (pap, chap, mschapv2, none) to PROFILE_PPP_* bits;
 * NULL, or why the list is refused. */
const char *profile_parse_auth_methods(const char *s, unsigned *out);
/* "GROUP" or "GROUP:control" into p->control_group*; NULL or why not. */
const char *profile_parse_control_group(const char *v, struct profile *p);
bool profile_domain_valid(const char *s);
bool profile_proposals_valid(const char *s);

#endif
