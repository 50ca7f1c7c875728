/* client/conn: the pure parts of the supervisor: the tunnel MTU from the
 * negotiated algorithms, the one liveness policy, and its profile key; which
 * failures are authentication failures, that they are not retried (in the
 * process or by the systemd unit) unless asked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>

#include "client/conn_internal.h"
#include "client/daemon.h"
#include "config/profile.h"

/* The kernel path keeps its last pair with an outbound state while L2TP is
 * up; a pair installed inbound only (the gateway's rekey before QM3, ours
 * before the gateway's answer) is never that pair and never protects one. */
static void test_sa_keep_last_ignores_inbound_only(void **state)
{
	struct conn_sa_slot sas[4] = {
		{.id = 1, .spi_in = 0x101, .spi_out = 0x201, .outbound = true},
		{.id = 2, .spi_in = 0x102, .spi_out = 0x202, .outbound = false},
	};

	(void)state;
	/* the current pair with only an inbound-only one beside it: kept */
	assert_true(conn_sa_keep_last(sas, 4, 0, true, true));
	/* the inbound-only pair goes (its QM3 never came): not kept */
	assert_false(conn_sa_keep_last(sas, 4, 1, true, true));
	/* L2TP down, or the userspace path: nothing kept */
	assert_false(conn_sa_keep_last(sas, 4, 0, true, false));
	assert_false(conn_sa_keep_last(sas, 4, 0, false, true));
	/* once the newer pair carries outbound traffic the old one may go */
	sas[1].outbound = true;
	assert_false(conn_sa_keep_last(sas, 4, 0, true, true));
	assert_false(conn_sa_keep_last(sas, 4, 1, true, true));
	sas[0].id = 0;
	assert_true(conn_sa_keep_last(sas, 4, 1, true, true));
}

/* Only the expiry of a pair nothing replaced is a loss worth a warning. */
static void test_sa_expiry_of_replaced_pair_expected(void **state)
{
	struct conn_sa_slot sas[4] = {
		{.id = 3, .spi_in = 0x103, .spi_out = 0x203, .outbound = true},
		{.id = 4, .spi_in = 0x104, .spi_out = 0x204, .outbound = true},
		{.id = 5, .spi_in = 0x105, .spi_out = 0x205, .outbound = false},
	};

	(void)state;
	/* replaced by pair 4, in its grace time */
	assert_false(conn_sa_expiry_unreplaced(sas, 4, 3));
	/* no longer tracked (retired after a rekey) */
	assert_false(conn_sa_expiry_unreplaced(sas, 4, 2));
	/* the current pair: only an inbound-only one is newer */
	assert_true(conn_sa_expiry_unreplaced(sas, 4, 4));
	/* kept only as the kernel path's last pair after IKE dropped it */
	sas[1].dropped = true;
	assert_false(conn_sa_expiry_unreplaced(sas, 4, 4));
	/* pair 3 is the newest one still carrying traffic then */
	assert_true(conn_sa_expiry_unreplaced(sas, 4, 3));
}

static void test_mtu_from_algorithms(void **state)
{
	(void)state;
	/* 20 IP + 8 UDP + 8 ESP + 16 IV + 12 ICV outside; 1436 -> 89 AES
	 * blocks = 1424, minus 2 trailer, 8 UDP, 8 L2TP, 4 PPP */
	assert_int_equal(conn_tunnel_mtu(1500, ESP_CIPHER_AES_CBC, ESP_AUTH_HMAC_SHA1_96, true,
					 false),
			 1402);
	/* 3DES: 8-byte IV and blocks */
	assert_int_equal(conn_tunnel_mtu(1500, ESP_CIPHER_3DES_CBC, ESP_AUTH_HMAC_SHA1_96, true,
					 false),
			 1418);
	/* GCM: 8-byte IV, 16-byte ICV, 4-byte alignment */
	assert_int_equal(conn_tunnel_mtu(1500, ESP_CIPHER_AES_GCM_16, ESP_AUTH_NONE, true, false),
			 1418);
	/* 32-byte ICV, no UDP encapsulation: 1424 = 89 blocks exactly, and
	 * L2TP sequencing (Ns/Nr) costs 4 more */
	assert_int_equal(conn_tunnel_mtu(1500, ESP_CIPHER_AES_CBC, ESP_AUTH_HMAC_SHA512_256, false,
					 true),
			 1398);
	/* a path too small for anything sensible: the IPv4 minimum */
	assert_int_equal(conn_tunnel_mtu(100, ESP_CIPHER_AES_CBC, ESP_AUTH_HMAC_SHA1_96, true,
					 false),
			 576);
}

static void test_one_liveness_policy(void **state)
{
	struct conn_liveness l = conn_liveness_for(60);

	(void)state;
	/* each layer gives up after about the same silence */
	assert_int_equal(l.dpd_interval_s * l.dpd_tries, 60);
	assert_int_equal(l.echo_interval_s * l.echo_failure, 60);
	assert_int_equal(l.hello_interval_s, 30);
	l = conn_liveness_for(20); /* short: floors keep probing sane */
	assert_true(l.dpd_interval_s >= 4 && l.echo_interval_s >= 2 && l.hello_interval_s >= 10);
}

static void test_liveness_key_round_trip(void **state)
{
	const char text[] = "[gateway]\nhost = vpn.example.com\n[client]\nliveness = 2m\n";
	const char bad[] = "[gateway]\nhost = vpn.example.com\n[client]\nliveness = 5s\n";
	struct profile_parse_opts opts = {.secrets_allowed = true};
	struct profile *p = calloc(1, sizeof(*p)), *q = calloc(1, sizeof(*q));
	char err[512], *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	profile_init(p, "t");
	assert_int_equal(profile_parse_ini(p, text, strlen(text), "t.conf", &opts, NULL, err,
					   sizeof(err)),
			 0);
	assert_int_equal(p->liveness_s, 120);
	f = open_memstream(&buf, &len);
	assert_int_equal(profile_write_ini(p, f), 0);
	fclose(f);
	profile_init(q, "t");
	assert_int_equal(profile_parse_ini(q, buf, len, "w.conf", &opts, NULL, err, sizeof(err)), 0);
	assert_int_equal(q->liveness_s, 120);
	profile_free(q);
	profile_init(q, "t");
	assert_int_equal(profile_parse_ini(q, bad, strlen(bad), "b.conf", &opts, NULL, err,
					   sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "b.conf:4"));
	assert_non_null(strstr(err, "liveness"));
	free(buf);
	profile_free(p);
	profile_free(q);
	free(p);
	free(q);
}

/* A profile parsed from text, a connection set up from it (no loop, no
 * sockets: only the configuration builders run). */
struct setup {
	struct profile *p;
	struct conn_params params;
	struct conn c;
	struct logger lg;
};

static void setup_from(struct setup *t, const char *text)
{
	struct profile_parse_opts opts = {.secrets_allowed = true};
	char err[512];

	memset(t, 0, sizeof(*t));
	t->p = calloc(1, sizeof(*t->p));
	assert_non_null(t->p);
	profile_init(t->p, "t");
	if (profile_parse_ini(t->p, text, strlen(text), "t.conf", &opts, NULL, err, sizeof(err)))
		fail_msg("%s", err);
	log_init(&t->lg, LOG_TO_STDERR, LOG_LVL_ERR);
	t->params.profile = t->p;
	t->params.gateway.ss_family = AF_INET;
	t->params.run_dir = "/nonexistent";
	t->c.p = &t->params;
	t->c.lg = &t->lg;
	t->c.gateway = t->params.gateway;
}

static void setup_free(struct setup *t)
{
	profile_free(t->p);
	free(t->p);
}

#define PROFILE_HEAD "[gateway]\nhost = 192.0.2.1\n[ipsec]\npsk = k\n"

/* Issue 15: the NAT keepalive interval comes from [ipsec] nat-keepalive. */
static void test_nat_keepalive_setting(void **state)
{
	struct setup t;
	struct ike_config cfg;

	(void)state;
	setup_from(&t, PROFILE_HEAD);
	conn_setup_ike_config(&t.c, &cfg);
	assert_int_equal(cfg.keepalive_interval_s, 20); /* RFC 3948 §4 */
	setup_free(&t);
	setup_from(&t, PROFILE_HEAD "nat-keepalive = 45s\n");
	conn_setup_ike_config(&t.c, &cfg);
	assert_int_equal(cfg.keepalive_interval_s, 45);
	setup_free(&t);
	setup_from(&t, PROFILE_HEAD "nat-keepalive = 0\n");
	conn_setup_ike_config(&t.c, &cfg);
	assert_int_equal(cfg.keepalive_interval_s, 0);
	setup_free(&t);
}

/* Issue 15: [ipsec] ike-fragmentation reaches ike/ (auto: neither flag). */
static void test_ike_fragmentation_setting(void **state)
{
	static const struct {
		const char *line;
		bool off, force;
	} cases[] = {{"", false, false},
	             {"ike-fragmentation = auto\n", false, false},
	             {"ike-fragmentation = force\n", false, true},
	             {"ike-fragmentation = off\n", true, false}};
	struct setup t;
	struct ike_config cfg;
	char text[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "%s%s", PROFILE_HEAD, cases[i].line);
		setup_from(&t, text);
		conn_setup_ike_config(&t.c, &cfg);
		assert_int_equal(cfg.no_fragmentation, cases[i].off);
		assert_int_equal(cfg.force_fragmentation, cases[i].force);
		setup_free(&t);
	}
}

static const struct l2tp_failure sccrq_unanswered = {
    .stage = L2TP_STAGE_TUNNEL_SETUP,
    .cause = L2TP_CAUSE_NO_ANSWER,
    .words = "no answer from the LNS to SCCRQ",
};

/* Issue 15: port = auto retries from a random port once SCCRQ from 1701
 * got no answer, with a new SA whose selectors name the new port. */
static void test_l2tp_port_retry_from_ephemeral(void **state)
{
	struct setup t;
	struct ike_config ike;
	struct l2tp_config l2tp;

	(void)state;
	setup_from(&t, PROFILE_HEAD);
	conn_setup_l2tp_config(&t.c, &l2tp);
	assert_int_equal(l2tp.local_port, 0); /* 1701 */
	t.c.exit_code = EXIT_L2TP;
	assert_false(conn_should_reconnect(&t.c)); /* never up, no reconnect */
	assert_true(conn_l2tp_port_retry(&t.c, &sccrq_unanswered));
	assert_true(t.c.l2tp_port >= 49152);
	assert_true(conn_should_reconnect(&t.c));
	conn_setup_ike_config(&t.c, &ike);
	conn_setup_l2tp_config(&t.c, &l2tp);
	assert_int_equal(ike.l2tp_local_port, t.c.l2tp_port);
	assert_int_equal(l2tp.local_port, t.c.l2tp_port);
	/* once: the second start failing the same way is the end */
	t.c.l2tp_port_retry = CONN_PORT_RETRY_USED;
	assert_false(conn_l2tp_port_retry(&t.c, &sccrq_unanswered));
	assert_false(conn_should_reconnect(&t.c));
	setup_free(&t);
}

static void test_l2tp_port_retry_only_when_it_can_help(void **state)
{
	struct l2tp_failure refused = sccrq_unanswered;
	struct setup t;

	(void)state;
	setup_from(&t, PROFILE_HEAD "[l2tp]\nport = 1701\n");
	assert_false(conn_l2tp_port_retry(&t.c, &sccrq_unanswered)); /* insisted on 1701 */
	assert_int_equal(t.c.l2tp_port, 0);
	setup_free(&t);
	setup_from(&t, PROFILE_HEAD);
	refused.cause = L2TP_CAUSE_STOPCCN; /* the LNS answered: StopCCN */
	refused.by_peer = true;
	refused.result = 2;
	assert_false(conn_l2tp_port_retry(&t.c, &refused));
	refused = sccrq_unanswered;
	refused.stage = L2TP_STAGE_SESSION_SETUP;
	assert_false(conn_l2tp_port_retry(&t.c, &refused));
	assert_int_equal(t.c.l2tp_port_retry, CONN_PORT_RETRY_NONE);
	setup_free(&t);
}

static void test_ike_auth_failures_classified(void **state)
{
	struct ike_failure f = {.stage = IKE_STAGE_MM5, .reason = IKE_FAIL_AUTH};

	(void)state;
	assert_true(conn_ike_auth_failed(&f)); /* MM6 hash, signature, does not decrypt */
	f.reason = IKE_FAIL_NOTIFY;
	f.notify = 24; /* AUTHENTICATION-FAILED */
	assert_true(conn_ike_auth_failed(&f));
	f.notify = 23; /* INVALID-HASH-INFORMATION */
	assert_true(conn_ike_auth_failed(&f));
	f.notify = 20; /* INVALID-CERTIFICATE */
	assert_true(conn_ike_auth_failed(&f));
	f.notify = 1; /* INVALID-PAYLOAD-TYPE: charon's answer to an MM5 it cannot read */
	assert_true(conn_ike_auth_failed(&f));
	f.stage = IKE_STAGE_QM1; /* ... but not later */
	assert_false(conn_ike_auth_failed(&f));
	f.notify = 14; /* NO-PROPOSAL-CHOSEN */
	assert_false(conn_ike_auth_failed(&f));
	/* silence is transient: the gateway may be restarting */
	f = (struct ike_failure){.stage = IKE_STAGE_MM5, .reason = IKE_FAIL_TIMEOUT};
	assert_false(conn_ike_auth_failed(&f));
	f.reason = IKE_FAIL_DPD;
	assert_false(conn_ike_auth_failed(&f));
	f.reason = IKE_FAIL_DELETED;
	assert_false(conn_ike_auth_failed(&f));
}

static void test_auth_failures_not_retried_unless_asked(void **state)
{
	const char text[] = "[gateway]\nhost = vpn.example.com\n[client]\nretry-auth-failures = yes\n";
	struct profile_parse_opts opts = {.secrets_allowed = true};
	struct profile *pr = calloc(1, sizeof(*pr));
	struct conn_params params = {.profile = pr};
	struct conn *c = calloc(1, sizeof(*c));
	static const int transient[] = {EXIT_NETWORK, EXIT_IKE, EXIT_L2TP,
					EXIT_PPP, EXIT_PEER_CLOSED};
	char err[256], *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	profile_init(pr, "t");
	c->p = &params;
	c->was_up = true;
	for (size_t i = 0; i < sizeof(transient) / sizeof(transient[0]); i++) {
		c->exit_code = transient[i];
		assert_false(exit_status_is_auth(transient[i]));
		assert_true(conn_should_reconnect(c));
	}
	c->exit_code = EXIT_PPP_AUTH;
	assert_true(exit_status_is_auth(c->exit_code));
	assert_false(conn_should_reconnect(c));
	c->exit_code = EXIT_GW_AUTH;
	assert_true(exit_status_is_auth(c->exit_code));
	assert_false(conn_should_reconnect(c));
	/* asked for: the profile key, written back by the profile writer */
	assert_int_equal(profile_parse_ini(pr, text, strlen(text), "t.conf", &opts, NULL, err,
					   sizeof(err)),
			 0);
	assert_true(pr->retry_auth_failures);
	assert_true(conn_should_reconnect(c));
	c->exit_code = EXIT_PPP_AUTH;
	assert_true(conn_should_reconnect(c));
	f = open_memstream(&buf, &len);
	assert_int_equal(profile_write_ini(pr, f), 0);
	fclose(f);
	assert_non_null(strstr(buf, "retry-auth-failures = yes"));
	c->exit_code = EXIT_CONFIG; /* never */
	assert_false(conn_should_reconnect(c));
	free(buf);
	profile_free(pr);
	free(pr);
	free(c);
}

/* Routes and the domain the gateway pushed (DHCPINFORM) show in status,
 * text and JSON; nothing when none were pushed. */
static void test_pushed_settings_in_status(void **state)
{
	struct profile *pr = calloc(1, sizeof(*pr));
	struct conn_params params = {.profile = pr};
	struct conn *c = calloc(1, sizeof(*c));
	char *out = malloc(8192);

	(void)state;
	profile_init(pr, "t");
	snprintf(pr->gateway, sizeof(pr->gateway), "vpn.example.com");
	c->p = &params;
	conn_status_text(c, out, 8192);
	assert_null(strstr(out, "pushed"));
	conn_status_json(c, out, 8192);
	assert_non_null(strstr(out, "\"pushed\":{\"routes\":[],\"domain\":null}"));
	c->pushed_valid = true;
	c->pushed.nroutes = 2;
	c->pushed.routes[0] = (struct dhcp_route){0x0a140000u, 16, 0xc0a82a01u};
	c->pushed.routes[1] = (struct dhcp_route){0xac1f0500u, 24, 0};
	snprintf(c->pushed.domain, sizeof(c->pushed.domain), "corp.example");
	conn_status_text(c, out, 8192);
	assert_non_null(strstr(out, "pushed     10.20.0.0/16 172.31.5.0/24  domain corp.example\n"));
	conn_status_json(c, out, 8192);
	assert_non_null(strstr(out, "\"pushed\":{\"routes\":[\"10.20.0.0/16\",\"172.31.5.0/24\"],"
				    "\"domain\":\"corp.example\"}"));
	free(out);
	profile_free(pr);
	free(pr);
	free(c);
}

/* systemd must not restart what l2tpsec itself gave up on: usage (2),
 * configuration (3) and every authentication failure; but it restarts
 * the transient ones. */
static void test_unit_file_prevents_auth_restarts(void **state)
{
	const char *srcdir = getenv("L2TPSEC_SRCDIR");
	char path[512], line[256], codes[256] = "";
	bool restart = false;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/scripts/l2tpsec@.service.in", srcdir ? srcdir : ".");
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "RestartPreventExitStatus=", 25) == 0)
			snprintf(codes, sizeof(codes), " %s", line + 25);
		restart = restart || strcmp(line, "Restart=on-failure\n") == 0;
	}
	fclose(f);
	assert_true(restart);
	for (size_t i = 0; codes[i]; i++)
		if (codes[i] == '\n')
			codes[i] = ' ';
	for (int code = 1; code < 64; code++) {
		char word[8];
		bool listed, prevent = code == 2 || code == EXIT_CONFIG || exit_status_is_auth(code);

		snprintf(word, sizeof(word), " %d ", code);
		listed = strstr(codes, word) != NULL;
		if (listed != prevent)
			fail_msg("exit status %d is %slisted in RestartPreventExitStatus=%s", code,
				 listed ? "" : "not ", codes);
	}
}

/* The codes a man page sentence lists after lead ("4, 5, 6, 8 and 9"),
 * as bits; the list ends at the first other word. */
static unsigned listed_codes(const char *text, const char *lead)
{
	const char *p = strstr(text, lead);
	unsigned bits = 0;

	if (!p)
		fail_msg("l2tpsec(8) no longer says \"%s\"", lead);
	for (p += strlen(lead);;) {
		char *end;
		long n = strtol(p, &end, 10);

		if (end != p && n >= 0 && n < 32)
			bits |= 1u << n;
		else if (strncmp(p, ", ", 2) != 0 && strncmp(p, " and ", 5) != 0)
			return bits;
		p = end != p ? end : p + (*p == ',' ? 2 : 5);
	}
}

/* One list of exit statuses (client/exit_status.h): l2tpsec(8) documents
 * exactly its codes, and the codes it says are not retried (authentication)
 * and retried (transient) are the ones the supervisor treats so. */
static void test_man_page_exit_status(void **state)
{
	const char *srcdir = getenv("L2TPSEC_SRCDIR");
	char path[512], *text = calloc(1, 65536), *sect;
	unsigned documented = 0, want = 0, auth = 0, transient = 0;
	size_t n;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/man/l2tpsec.8", srcdir ? srcdir : ".");
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(text, 1, 65535, f);
	fclose(f);
	text[n] = '\0';
	sect = strstr(text, ".Sh EXIT STATUS\n");
	assert_non_null(sect);
	*strstr(sect + 1, "\n.Sh ") = '\0';
	for (const char *p = sect; (p = strstr(p, "\n.It ")) != NULL; p++)
		documented |= 1u << atoi(p + 5);
	for (int code = EXIT_OK; code <= EXIT_STATUS_LAST; code++) {
		want |= 1u << code;
		auth |= exit_status_is_auth(code) ? 1u << code : 0;
		transient |= exit_status_is_transient(code) ? 1u << code : 0;
	}
	assert_int_equal(documented, want);
	assert_int_equal(listed_codes(sect, "Authentication failures ("), auth);
	assert_int_equal(listed_codes(sect, "Failures "), transient);
	free(text);
}

/* Reconnects: a gateway that did not answer at all (restarting, rebooting)
 * is asked again after about 1 s for ten attempts (each attempt spaces its
 * own MM1s at most CONN_RECONNECT_RTX_MAX_MS apart), so that it is back
 * within seconds of the gateway; other failures back off to 60 s. */
static void test_reconnect_backoff(void **state)
{
	(void)state;
	for (int round = 0; round < 50; round++) {
		uint64_t ms;

		for (unsigned a = 0; a < 10; a++) {
			ms = daemon_retry_delay_ms(a, true);
			assert_true(ms >= 750 && ms <= 1250);
		}
		ms = daemon_retry_delay_ms(11, true); /* then it backs off too */
		assert_true(ms >= 1500 && ms <= 2500);
		ms = daemon_retry_delay_ms(0, false);
		assert_true(ms >= 750 && ms <= 1250);
		ms = daemon_retry_delay_ms(3, false);
		assert_true(ms >= 6000 && ms <= 10000);
		ms = daemon_retry_delay_ms(30, false);
		assert_true(ms >= 45000 && ms <= 75000);
	}
	assert_true(CONN_RECONNECT_RTX_MAX_MS <= 3000);
}

/* A one-time password is wiped once PPP is up (the reconnect then asks for
 * a new one, client/daemon.c); a static password stays for reconnects. */
static void test_otp_wiped_once_used(void **state)
{
	struct profile *pr = calloc(1, sizeof(*pr));
	struct secret pw = {0};
	struct conn_params params = {.profile = pr, .password = &pw};
	struct conn c = {.p = &params};
	struct logger lg;
	char err[128];

	(void)state;
	log_init(&lg, LOG_TO_STDERR, LOG_LVL_ERR);
	c.lg = &lg;
	profile_init(pr, "t");
	assert_int_equal(secret_from_string("123456", 6, &pw, err, sizeof(err)), 0);
	conn_password_used(&c);
	assert_true(secret_is_set(&pw)); /* password-type = password */
	pr->password_type = PROFILE_PASSWORD_OTP;
	conn_password_used(&c);
	assert_false(secret_is_set(&pw));
	conn_password_used(&c); /* twice is harmless */
	profile_free(pr);
	free(pr);
}

/* Keeps the first line logged since it was cleared. */
static void keep_first_line(void *ctx, enum log_subsys sub, enum log_level lvl, const char *line)
{
	char *first = ctx;

	(void)sub;
	(void)lvl;
	if (!first[0])
		snprintf(first, 256, "%s", line);
}

/* The state moves only along the supervisor's transitions; anything else
 * is refused and leaves the state as it was. */
static void test_state_transitions(void **state)
{
	static const struct {
		enum conn_state from, to;
		bool ok;
	} cases[] = {
		{CONN_IDLE, CONN_IKE, true},      {CONN_IKE, CONN_L2TP, true},
		{CONN_L2TP, CONN_PPP, true},      {CONN_PPP, CONN_UP, true},
		{CONN_UP, CONN_STOPPING, true},   {CONN_IKE, CONN_STOPPING, true},
		{CONN_IDLE, CONN_STOPPING, true}, {CONN_STOPPING, CONN_DOWN, true},
		{CONN_DOWN, CONN_IKE, true},      {CONN_IKE, CONN_PPP, false},
		{CONN_IKE, CONN_UP, false},       {CONN_UP, CONN_IKE, false},
		{CONN_UP, CONN_DOWN, false},      {CONN_DOWN, CONN_STOPPING, false},
		{CONN_STOPPING, CONN_IKE, false}, {CONN_PPP, CONN_IDLE, false},
	};
	struct conn *c = calloc(1, sizeof(*c));
	struct logger lg;
	char last[256], want[64];

	(void)state;
	log_init(&lg, LOG_TO_STDERR, LOG_LVL_INFO);
	log_set_sink(&lg, keep_first_line, last);
	c->lg = &lg;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c->state = cases[i].from;
		last[0] = '\0';
		assert_int_equal(conn_state_transition_valid(cases[i].from, cases[i].to),
				 cases[i].ok);
		assert_int_equal(conn_set_state(c, cases[i].to), cases[i].ok);
		assert_int_equal(c->state, cases[i].ok ? cases[i].to : cases[i].from);
		/* logged either way, the refusal as an internal error */
		snprintf(want, sizeof(want), "%s -> %s", conn_state_name(cases[i].from),
			 conn_state_name(cases[i].to));
		assert_non_null(strstr(last, want));
		assert_int_equal(strstr(last, "refused") != NULL, !cases[i].ok);
	}
	free(c);
}

/* Collects the lines logged at notice or above, one per '\n'. */
static void collect_notices(void *ctx, enum log_subsys sub, enum log_level lvl, const char *line)
{
	char *all = ctx;
	size_t n = strlen(all);

	(void)sub;
	if (lvl <= LOG_LVL_NOTICE)
		snprintf(all + n, 1024 - n, "%s\n", line);
}

/* Issue 18: each stage says so at the default level (notice), so that a
 * slow or silent stage is never minutes without a word. */
static void test_progress_at_default_level(void **state)
{
	struct conn *c = calloc(1, sizeof(*c));
	struct logger lg;
	char all[1024] = "";

	(void)state;
	log_init(&lg, LOG_TO_STDERR, LOG_LVL_NOTICE);
	log_set_sink(&lg, collect_notices, all);
	c->lg = &lg;
	assert_true(conn_set_state(c, CONN_IKE));
	assert_true(conn_set_state(c, CONN_L2TP));
	assert_true(conn_set_state(c, CONN_PPP));
	assert_string_equal(all, "L2TP...\nPPP...\n");
	free(c);
}

static void on_down_count(struct conn *c, void *ctx)
{
	(void)c;
	(*(int *)ctx)++;
}

/* A stop with no layer running finishes at once: down is reported once,
 * the exit code stays 0, and a second stop changes nothing. */
static void test_stop_before_start(void **state)
{
	struct profile *pr = calloc(1, sizeof(*pr));
	struct conn_params params = {.profile = pr, .run_dir = "/nonexistent"};
	struct conn_events ev = {.down = on_down_count};
	struct loop *loop = loop_new();
	struct logger lg;
	struct conn *c;
	int downs = 0;

	(void)state;
	assert_non_null(loop);
	log_init(&lg, LOG_TO_STDERR, LOG_LVL_ERR);
	profile_init(pr, "t");
	c = conn_new(loop, &lg, &params, &ev, &downs);
	assert_non_null(c);
	assert_int_equal(conn_state(c), CONN_IDLE);
	conn_stop(c);
	assert_int_equal(conn_state(c), CONN_DOWN);
	assert_int_equal(downs, 1);
	assert_int_equal(conn_exit_code(c), EXIT_OK);
	assert_false(conn_awaits_reconnect(c));
	conn_stop(c);
	assert_int_equal(downs, 1);
	for (int l = 0; l < CONN_LAYER_COUNT; l++)
		assert_int_equal(c->layer[l], CONN_LAYER_ABSENT);
	conn_free(c);
	loop_free(loop);
	profile_free(pr);
	free(pr);
}

/* status shows IPv6 (issue 17): our routes through the tunnel, the
 * gateway's RDNSS servers after the IPv4 ones, the addresses array. */
static void test_status_shows_ipv6(void **state)
{
	struct profile *pr = calloc(1, sizeof(*pr));
	struct conn_params params = {.profile = pr};
	struct conn *c = calloc(1, sizeof(*c));
	char out[4096];

	(void)state;
	profile_init(pr, "t");
	c->p = &params;
	c->state = CONN_DOWN;
	c->net_configured = true;
	c->net.n_added6 = 2;
	c->net.added6[0].prefix = 1;
	c->net.added6[1].prefix = 1;
	c->net.added6[1].dst.s6_addr[0] = 0x80;
	inet_pton(AF_INET, "10.9.9.9", &c->ip.dns[0]);
	c->ip6.n_dns = 1;
	inet_pton(AF_INET6, "2001:db8::53", &c->ip6.dns[0]);
	conn_status_json(c, out, sizeof(out));
	assert_non_null(strstr(out, "\"dns\":[\"10.9.9.9\",\"2001:db8::53\"]"));
	assert_non_null(strstr(out, "\"ipv6_addresses\":[]"));
	assert_non_null(strstr(out, "\"ipv6_routes\":[\"::/1\",\"8000::/1\"]"));
	conn_status_text(c, out, sizeof(out));
	assert_non_null(strstr(out, "  ipv6        routes ::/1 8000::/1\n"));
	/* blocked IPv6 (issue 17) says so */
	c->net.added6[0].prohibit = true;
	conn_status_json(c, out, sizeof(out));
	assert_non_null(strstr(out, "\"ipv6_routes\":[\"prohibit ::/1\",\"8000::/1\"]"));
	/* without IPv6 there is no ipv6 line */
	c->net.n_added6 = 0;
	conn_status_text(c, out, sizeof(out));
	assert_null(strstr(out, "ipv6"));
	profile_free(pr);
	free(pr);
	free(c);
}

static void addr_of(struct sockaddr_storage *ss, const char *text)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(text, ':')) {
		ss->ss_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, text, &((struct sockaddr_in6 *)ss)->sin6_addr),
		                 1);
	} else {
		ss->ss_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, text, &((struct sockaddr_in *)ss)->sin_addr),
		                 1);
	}
}

/* Issue 17: which of a name's addresses is tried first. */
static void test_gateway_family_order(void **state)
{
	struct sockaddr_storage v4, v6, first, alt;
	char a[INET6_ADDRSTRLEN];

	(void)state;
	addr_of(&v4, "192.0.2.1");
	addr_of(&v6, "2001:db8::1");
	/* auto: IPv6 first where this host has global IPv6, IPv4 as fallback */
	assert_int_equal(conn_order_gateways(&v4, &v6, PROFILE_FAMILY_AUTO, true, &first, &alt), 0);
	assert_string_equal(conn_addr_str(&first, a, sizeof(a)), "2001:db8::1");
	assert_string_equal(conn_addr_str(&alt, a, sizeof(a)), "192.0.2.1");
	/* ... else IPv4 first, IPv6 still tried when IPv4 does not answer */
	assert_int_equal(conn_order_gateways(&v4, &v6, PROFILE_FAMILY_AUTO, false, &first, &alt),
	                 0);
	assert_int_equal(first.ss_family, AF_INET);
	assert_int_equal(alt.ss_family, AF_INET6);
	/* only one family resolved: that one, nothing to fall back to */
	assert_int_equal(conn_order_gateways(NULL, &v6, PROFILE_FAMILY_AUTO, false, &first, &alt),
	                 0);
	assert_int_equal(first.ss_family, AF_INET6);
	assert_int_equal(alt.ss_family, AF_UNSPEC);
	assert_int_equal(conn_order_gateways(&v4, NULL, PROFILE_FAMILY_AUTO, true, &first, &alt),
	                 0);
	assert_int_equal(first.ss_family, AF_INET);
	assert_int_equal(alt.ss_family, AF_UNSPEC);
	/* family = ipv4 / ipv6: that family only */
	assert_int_equal(conn_order_gateways(&v4, &v6, PROFILE_FAMILY_IPV4, true, &first, &alt), 0);
	assert_int_equal(first.ss_family, AF_INET);
	assert_int_equal(alt.ss_family, AF_UNSPEC);
	assert_int_equal(conn_order_gateways(&v4, &v6, PROFILE_FAMILY_IPV6, false, &first, &alt),
	                 0);
	assert_int_equal(first.ss_family, AF_INET6);
	assert_int_equal(alt.ss_family, AF_UNSPEC);
	assert_int_equal(conn_order_gateways(&v4, NULL, PROFILE_FAMILY_IPV6, true, &first, &alt),
	                 -1);
	assert_int_equal(conn_order_gateways(NULL, NULL, PROFILE_FAMILY_AUTO, true, &first, &alt),
	                 -1);
}

/* Issue 17: the first family gets a short MM1 schedule while the other one
 * is left; MM1 unanswered moves IKE and L2TP to the other family once and
 * reconnects although the tunnel was never up. Status names the family. */
static void test_gateway_family_fallback(void **state)
{
	struct ike_failure mm1 = {.stage = IKE_STAGE_MM1, .reason = IKE_FAIL_TIMEOUT};
	struct ike_failure mm3 = {.stage = IKE_STAGE_MM3, .reason = IKE_FAIL_TIMEOUT};
	struct ike_config ike;
	struct l2tp_config l2tp;
	struct setup t;
	char *out = malloc(8192);

	(void)state;
	setup_from(&t, PROFILE_HEAD);
	addr_of(&t.c.gateway, "2001:db8::1");
	addr_of(&t.c.gateway_alt, "192.0.2.1");
	conn_setup_ike_config(&t.c, &ike);
	assert_int_equal(ike.remote.ss_family, AF_INET6);
	assert_int_equal(ike.retransmit.tries, CONN_FIRST_FAMILY_RTX.tries);
	conn_setup_l2tp_config(&t.c, &l2tp);
	assert_int_equal(l2tp.peer.ss_family, AF_INET6);
	assert_int_equal(ntohs(((struct sockaddr_in6 *)&l2tp.peer)->sin6_port), 1701);
	conn_status_json(&t.c, out, 8192);
	assert_non_null(strstr(out, "\"gateway_ip\":\"2001:db8::1\",\"outer_family\":\"ipv6\""));
	conn_status_text(&t.c, out, 8192);
	assert_non_null(strstr(out, "(2001:db8::1, IPv6)"));

	assert_false(conn_try_other_family(&t.c, &mm3)); /* it answered: not the family */
	assert_true(conn_try_other_family(&t.c, &mm1));
	t.c.exit_code = EXIT_IKE;
	assert_true(conn_should_reconnect(&t.c)); /* never up, yet the other family */
	conn_setup_ike_config(&t.c, &ike);
	assert_int_equal(ike.remote.ss_family, AF_INET);
	assert_int_equal(ike.retransmit.tries, IKE_DEFAULT_RETRANSMIT.tries);
	conn_setup_l2tp_config(&t.c, &l2tp);
	assert_int_equal(l2tp.peer.ss_family, AF_INET);
	assert_int_equal(ntohs(((struct sockaddr_in *)&l2tp.peer)->sin_port), 1701);
	conn_status_json(&t.c, out, 8192);
	assert_non_null(strstr(out, "\"gateway_ip\":\"192.0.2.1\",\"outer_family\":\"ipv4\""));
	/* once only */
	t.c.family_fallback = false;
	assert_false(conn_try_other_family(&t.c, &mm1));
	assert_false(conn_should_reconnect(&t.c));
	/* a connection that was up reconnects to the family that worked */
	addr_of(&t.c.gateway_alt, "2001:db8::1");
	t.c.was_up = true;
	assert_false(conn_try_other_family(&t.c, &mm1));
	assert_int_equal(t.c.gateway.ss_family, AF_INET);
	free(out);
	setup_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sa_keep_last_ignores_inbound_only),
	    cmocka_unit_test(test_sa_expiry_of_replaced_pair_expected),
	    cmocka_unit_test(test_mtu_from_algorithms),
	    cmocka_unit_test(test_one_liveness_policy),
	    cmocka_unit_test(test_liveness_key_round_trip),
	    cmocka_unit_test(test_nat_keepalive_setting),
	    cmocka_unit_test(test_ike_fragmentation_setting),
	    cmocka_unit_test(test_l2tp_port_retry_from_ephemeral),
	    cmocka_unit_test(test_l2tp_port_retry_only_when_it_can_help),
	    cmocka_unit_test(test_ike_auth_failures_classified),
	    cmocka_unit_test(test_auth_failures_not_retried_unless_asked),
	    cmocka_unit_test(test_unit_file_prevents_auth_restarts),
	    cmocka_unit_test(test_man_page_exit_status),
	    cmocka_unit_test(test_reconnect_backoff),
	    cmocka_unit_test(test_otp_wiped_once_used),
	    cmocka_unit_test(test_pushed_settings_in_status),
	    cmocka_unit_test(test_state_transitions),
	    cmocka_unit_test(test_progress_at_default_level),
	    cmocka_unit_test(test_stop_before_start),
	    cmocka_unit_test(test_status_shows_ipv6),
	    cmocka_unit_test(test_gateway_family_order),
	    cmocka_unit_test(test_gateway_family_fallback),
	};

	return cmocka_run_group_tests_name("conn", tests, NULL, NULL);
}
