/* client/conn*.c: the supervisor itself, driven through fake layers
 * (struct conn_layers, client/conn_internal.h) that record what it asks of
 * them and let each test fire the layers' events through the callbacks the
 * supervisor gave them: connect, each layer failing at each stage, stop
 * during start, reconnect with backoff, roaming. No sockets, no kernel, no
 * sleeping: the loop only runs timers that are due at once. */
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

/* One connection and its fake layers. The layer objects the fakes hand out
 * are this struct, and c->layers points at ops (its first member), so every
 * fake finds it without global state. */
struct fake {
	struct conn_layers ops;
	char calls[1024];  /* the fakes called since the last check */
	char states[1024]; /* "idle -> ike\n...": every state change logged */
	int internal_errors;
	const struct ike_callbacks *ike_cb;
	const struct l2tp_callbacks *l2tp_cb;
	struct ike_config ike_cfg; /* what the last IKE was made with */
	uint32_t sa_id;            /* what sa_install gives; 0: it fails */
	bool ppp_stop_at_once;     /* pppd without its session */
	bool ike_stop_asked, l2tp_stop_asked, ppp_stop_asked;
	int ups, downs;
	struct loop *loop;
	struct logger lg;
	struct profile *pr;
	struct conn_params params;
	struct conn *c;
};

static struct fake *of_conn(const struct conn *c)
{
	return (struct fake *)c->layers;
}

static void called(struct fake *f, const char *name)
{
	size_t n = strlen(f->calls);

	snprintf(f->calls + n, sizeof(f->calls) - n, "%s%s", n ? " " : "", name);
}

/* ---- the fake layers ---- */

static struct ike_session *fake_ike_new(struct loop *loop, struct logger *lg,
                                        const struct ike_config *cfg,
                                        const struct ike_callbacks *cb, void *ctx)
{
	struct fake *f = of_conn(ctx);

	(void)loop;
	(void)lg;
	called(f, "ike_new");
	f->ike_cb = cb;
	f->ike_cfg = *cfg;
	return (struct ike_session *)f;
}

static int fake_ike_start(struct ike_session *s)
{
	called((struct fake *)s, "ike_start");
	return 0;
}

static void fake_ike_set_force_encaps(struct ike_session *s, bool force)
{
	called((struct fake *)s, force ? "ike_force_encaps" : "ike_no_force_encaps");
}

static int fake_ike_ping(struct ike_session *s)
{
	called((struct fake *)s, "ike_ping");
	return 0;
}

static void fake_ike_get_status(const struct ike_session *s, struct ike_status *st)
{
	(void)s;
	memset(st, 0, sizeof(*st));
	st->qm_rtt_ms = 20;
}

static int fake_ike_rehome(struct ike_session *s)
{
	called((struct fake *)s, "ike_rehome");
	return 0;
}

static void fake_ike_stop(struct ike_session *s)
{
	called((struct fake *)s, "ike_stop");
	((struct fake *)s)->ike_stop_asked = true;
}

static void fake_ike_free(struct ike_session *s)
{
	called((struct fake *)s, "ike_free");
}

static int fake_datapath_new(struct conn *c, const struct esp_callbacks *cb)
{
	struct fake *f = of_conn(c);

	(void)cb;
	called(f, "datapath_new");
	c->esp = (struct esp_datapath *)f;
	c->kernel_path = false;
	return 0;
}

static uint32_t fake_sa_install(struct conn *c, const struct esp_sa_pair *pair, bool inbound_only,
                                bool is_rekey)
{
	struct fake *f = of_conn(c);

	(void)pair;
	(void)is_rekey;
	called(f, inbound_only ? "sa_install_inbound" : "sa_install");
	return f->sa_id;
}

static uint32_t fake_sa_install_ours_inbound(struct conn *c, const struct esp_sa_pair *pair)
{
	(void)pair;
	called(of_conn(c), "sa_install_ours_inbound");
	return of_conn(c)->sa_id;
}

static void fake_esp_free(struct esp_datapath *esp)
{
	called((struct fake *)esp, "esp_free");
}

static struct l2tp *fake_l2tp_new(struct loop *loop, const struct logger *lg,
                                  const struct l2tp_config *cfg, const struct l2tp_callbacks *cb,
                                  void *ctx)
{
	struct fake *f = of_conn(ctx);

	(void)loop;
	(void)lg;
	(void)cfg;
	called(f, "l2tp_new");
	f->l2tp_cb = cb;
	return (struct l2tp *)f;
}

static int fake_l2tp_prepare(struct l2tp *l2tp)
{
	called((struct fake *)l2tp, "l2tp_prepare");
	return 0;
}

static int fake_l2tp_start(struct l2tp *l2tp)
{
	called((struct fake *)l2tp, "l2tp_start");
	return 0;
}

static void fake_l2tp_stop(struct l2tp *l2tp)
{
	called((struct fake *)l2tp, "l2tp_stop");
	((struct fake *)l2tp)->l2tp_stop_asked = true;
}

static void fake_l2tp_free(struct l2tp *l2tp)
{
	called((struct fake *)l2tp, "l2tp_free");
}

/* The built-in PPP: made with the connection, started with the session. */
static int fake_ppp_prepare(struct conn *c)
{
	called(of_conn(c), "ppp_prepare");
	return 0;
}

static int fake_ppp_start(struct conn *c, const struct l2tp_session_info *info)
{
	(void)info;
	called(of_conn(c), "ppp_start");
	return 0;
}

static bool fake_ppp_stop(struct conn *c)
{
	struct fake *f = of_conn(c);

	called(f, "ppp_stop");
	f->ppp_stop_asked = !f->ppp_stop_at_once;
	return f->ppp_stop_at_once;
}

static void fake_ppp_free(struct conn *c)
{
	called(of_conn(c), "ppp_free");
}

static void fake_net_recover(struct conn *c)
{
	called(of_conn(c), "net_recover");
}

static int fake_net_up(struct conn *c, const struct conn_ip *ip)
{
	called(of_conn(c), "net_up");
	c->ip = *ip;
	return 0;
}

static void fake_net_down(struct conn *c)
{
	called(of_conn(c), "net_down");
}

static const struct conn_layers fake_layers = {
    .ike_new = fake_ike_new,
    .ike_start = fake_ike_start,
    .ike_set_force_encaps = fake_ike_set_force_encaps,
    .ike_ping = fake_ike_ping,
    .ike_get_status = fake_ike_get_status,
    .ike_rehome = fake_ike_rehome,
    .ike_stop = fake_ike_stop,
    .ike_free = fake_ike_free,
    .datapath_new = fake_datapath_new,
    .sa_install = fake_sa_install,
    .sa_install_ours_inbound = fake_sa_install_ours_inbound,
    .esp_free = fake_esp_free,
    .l2tp_new = fake_l2tp_new,
    .l2tp_prepare = fake_l2tp_prepare,
    .l2tp_start = fake_l2tp_start,
    .l2tp_stop = fake_l2tp_stop,
    .l2tp_free = fake_l2tp_free,
    .ppp_prepare = fake_ppp_prepare,
    .ppp_start = fake_ppp_start,
    .ppp_stop = fake_ppp_stop,
    .ppp_free = fake_ppp_free,
    .net_recover = fake_net_recover,
    .net_up = fake_net_up,
    .net_down = fake_net_down,
};

/* ---- the connection around them ---- */

/* Keeps the state changes and counts internal errors (a refused
 * transition among them). */
static void on_log(void *ctx, enum log_subsys sub, enum log_level lvl, const char *line)
{
	struct fake *f = ctx;
	const char *st = strstr(line, "state ");
	size_t n = strlen(f->states);

	(void)sub;
	if (strstr(line, "internal:"))
		f->internal_errors++;
	else if (st && strstr(st, " -> "))
		snprintf(f->states + n, sizeof(f->states) - n, "%s\n", st + 6);
	(void)lvl;
}

static void on_up(struct conn *c, void *ctx)
{
	(void)c;
	((struct fake *)ctx)->ups++;
}

static void on_down(struct conn *c, void *ctx)
{
	(void)c;
	((struct fake *)ctx)->downs++;
}

static const struct conn_events events = {.up = on_up, .down = on_down};

/* A connection from a minimal profile with fake layers; profile_text
 * (INI lines after [gateway]) changes it. */
static struct fake *fake_new(const char *profile_text)
{
	struct profile_parse_opts opts = {.secrets_allowed = true};
	struct fake *f = calloc(1, sizeof(*f));
	struct sockaddr_in *gw;
	char text[512], err[256];

	assert_non_null(f);
	f->ops = fake_layers;
	f->sa_id = 1;
	f->loop = loop_new();
	assert_non_null(f->loop);
	log_init(&f->lg, LOG_TO_STDERR, LOG_LVL_DEBUG);
	log_set_sink(&f->lg, on_log, f);
	f->pr = calloc(1, sizeof(*f->pr));
	assert_non_null(f->pr);
	profile_init(f->pr, "t");
	snprintf(text, sizeof(text), "[gateway]\nhost = 192.0.2.1\n[ipsec]\npsk = k\n%s",
	         profile_text ? profile_text : "");
	if (profile_parse_ini(f->pr, text, strlen(text), "t.conf", &opts, NULL, err, sizeof(err)))
		fail_msg("%s", err);
	f->params.profile = f->pr;
	gw = (struct sockaddr_in *)&f->params.gateway; /* 192.0.2.1, TEST-NET-1 */
	gw->sin_family = AF_INET;
	gw->sin_addr.s_addr = htonl(0xc0000201);
	f->params.run_dir = "/nonexistent";
	f->c = conn_new(f->loop, &f->lg, &f->params, &events, f);
	assert_non_null(f->c);
	f->c->layers = &f->ops;
	return f;
}

static void fake_free(struct fake *f)
{
	assert_int_equal(f->internal_errors, 0);
	conn_free(f->c);
	loop_free(f->loop);
	profile_free(f->pr);
	free(f->pr);
	free(f);
}

/* The fakes called since the last check are these, in this order. */
#define expect_calls(f, want)                                                                      \
	do {                                                                                       \
		assert_string_equal((f)->calls, (want));                                           \
		(f)->calls[0] = '\0';                                                              \
	} while (0)

#define expect_states(f, want)                                                                     \
	do {                                                                                       \
		assert_string_equal((f)->states, (want));                                          \
		(f)->states[0] = '\0';                                                             \
	} while (0)

static void expect_layers(const struct fake *f, enum conn_layer_state ike,
                          enum conn_layer_state l2tp, enum conn_layer_state ppp)
{
	assert_int_equal(f->c->layer[CONN_LAYER_IKE], ike);
	assert_int_equal(f->c->layer[CONN_LAYER_L2TP], l2tp);
	assert_int_equal(f->c->layer[CONN_LAYER_PPP], ppp);
}

/* ---- the layers' events, as the real layers send them ---- */

static void fire_sa_up(struct fake *f)
{
	struct esp_sa_pair pair = {.in.spi = 0x1001, .out.spi = 0x2002, .udp_encap = true};

	f->ike_cb->sa_established(f->c, &pair, false);
}

/* The gateway answered the R-U-THERE sent after QM3: L2TP starts now. */
static void fire_ping_answered(struct fake *f)
{
	f->ike_cb->ping_answered(f->c);
	assert_true(loop_run_once(f->loop, 0) >= 1);
}

static void fire_session_up(struct fake *f)
{
	struct l2tp_session_info info = {.local_tunnel_id = 1,
	                                 .peer_tunnel_id = 2,
	                                 .local_session_id = 3,
	                                 .peer_session_id = 4,
	                                 .pppox_fd = -1};

	f->l2tp_cb->tunnel_up(f->c);
	f->l2tp_cb->session_up(f->c, &info);
}

static void fire_ip_up(struct fake *f)
{
	struct ppp_ip_info ip = {
	    .ipv4_up = true, .local_ipv4 = {10, 0, 0, 2}, .peer_ipv4 = {10, 0, 0, 1}, .mtu = 1400};

	conn_ppp_events.ip_up(f->c, &ip);
}

static void fire_ike_failed(struct fake *f, enum ike_stage stage, enum ike_fail_reason reason,
                            uint16_t notify)
{
	struct ike_failure why = {.stage = stage, .reason = reason, .notify = notify};

	f->ike_cb->failed(f->c, &why);
}

static void fire_l2tp_closed(struct fake *f, enum l2tp_fail_cause cause, uint16_t result)
{
	struct l2tp_failure why = {.cause = cause,
	                           .by_peer =
	                               cause == L2TP_CAUSE_STOPCCN || cause == L2TP_CAUSE_CDN,
	                           .result = result};

	why.stage = f->c->state == CONN_PPP || f->c->state == CONN_UP ? L2TP_STAGE_ESTABLISHED
	            : cause == L2TP_CAUSE_CDN                         ? L2TP_STAGE_SESSION_SETUP
	                                                              : L2TP_STAGE_TUNNEL_SETUP;
	snprintf(why.words, sizeof(why.words), "cause %d result %u", (int)cause, result);
	f->l2tp_cb->closed(f->c, &why);
}

static void fire_ppp_down(struct fake *f, enum ppp_down_reason reason, enum ppp_auth auth,
                          const char *message)
{
	struct ppp_failure why = {.reason = reason, .auth = auth};

	snprintf(why.message, sizeof(why.message), "%s", message);
	conn_ppp_events.down(f->c, &why);
}

/* Each layer asked to stop ends, as it would once the gateway answered
 * its goodbye; the next one is asked then, top down. */
static void answer_stops(struct fake *f)
{
	for (;;) {
		if (f->ppp_stop_asked) {
			f->ppp_stop_asked = false;
			fire_ppp_down(f, PPP_DOWN_LOCAL_CLOSE, PPP_AUTH_NONE, "closed by us");
		} else if (f->l2tp_stop_asked) {
			struct l2tp_failure clean = {
			    .stage = L2TP_STAGE_STOPPING, .clean = true, .result = 1};

			f->l2tp_stop_asked = false;
			f->l2tp_cb->closed(f->c, &clean);
		} else if (f->ike_stop_asked) {
			f->ike_stop_asked = false;
			f->ike_cb->stopped(f->c);
		} else {
			return;
		}
	}
}

/* How far a connection gets before a test's event. */
enum reach {
	REACH_IKE,  /* MM1 sent */
	REACH_L2TP, /* the IPsec SA up, SCCRQ sent */
	REACH_PPP,  /* the L2TP session up, PPP started */
	REACH_UP,   /* connected */
};

/* Drives a connection just started (or restarted) to `reach`, checking
 * each step's calls (before: those of the start ahead of IKE's), state
 * changes and layer states. */
static void drive(struct fake *f, const char *before, enum reach reach)
{
	char want[256];

	snprintf(want, sizeof(want),
	         "%sike_new ike_start datapath_new ike_force_encaps l2tp_new "
	         "l2tp_prepare ppp_prepare",
	         before);
	expect_calls(f, want);
	expect_layers(f, CONN_LAYER_STARTING, CONN_LAYER_ABSENT, CONN_LAYER_ABSENT);
	assert_int_equal(conn_state(f->c), CONN_IKE);
	if (reach == REACH_IKE)
		return;
	fire_sa_up(f);
	expect_calls(f, "sa_install ike_ping");
	expect_layers(f, CONN_LAYER_UP, CONN_LAYER_ABSENT, CONN_LAYER_ABSENT);
	assert_true(loop_timer_pending(&f->c->l2tp_timer)); /* waits for the answer */
	fire_ping_answered(f);
	expect_calls(f, "l2tp_start");
	expect_layers(f, CONN_LAYER_UP, CONN_LAYER_STARTING, CONN_LAYER_ABSENT);
	assert_int_equal(conn_state(f->c), CONN_L2TP);
	if (reach == REACH_L2TP)
		return;
	fire_session_up(f);
	expect_calls(f, "ppp_start");
	expect_layers(f, CONN_LAYER_UP, CONN_LAYER_UP, CONN_LAYER_STARTING);
	assert_int_equal(conn_state(f->c), CONN_PPP);
	if (reach == REACH_PPP)
		return;
	fire_ip_up(f);
	expect_calls(f, "net_up");
	expect_layers(f, CONN_LAYER_UP, CONN_LAYER_UP, CONN_LAYER_UP);
	assert_int_equal(conn_state(f->c), CONN_UP);
}

static void connect_to(struct fake *f, enum reach reach)
{
	assert_int_equal(conn_start(f->c), 0);
	drive(f, "net_recover ", reach);
}

/* ---- the tests ---- */

/* Each layer reports up in turn: the stages follow one another, each
 * layer is starting and then up, and the tunnel is connected. */
static void test_connect(void **state)
{
	struct fake *f = fake_new(NULL);
	struct conn_failure why;

	(void)state;
	connect_to(f, REACH_UP);
	expect_states(f, "idle -> ike\nike -> l2tp\nl2tp -> ppp\nppp -> connected\n");
	assert_int_equal(f->ups, 1);
	assert_int_equal(f->downs, 0);
	assert_true(conn_was_up(f->c));
	assert_int_equal(conn_exit_code(f->c), EXIT_OK);
	conn_get_failure(f->c, &why);
	assert_int_equal(why.layer, CONN_FAIL_NONE);
	assert_string_equal(conn_failure_text(f->c), "");
	/* the userspace path: IKE forced UDP encapsulation, the first Main
	 * Mode with the usual retransmissions */
	assert_true(f->ike_cfg.retransmit.max_ms > CONN_RECONNECT_RTX_MAX_MS);
	fake_free(f);
}

/* One failure of one layer at one stage, and what must follow. */
struct fail_case {
	const char *name;
	enum reach reach;
	void (*fire)(struct fake *f);
	int exit_code;
	enum conn_fail_layer layer;
	/* the layers asked to stop, in order, after the failure */
	const char *stops;
	bool retried;       /* on a reconnect (the tunnel was up before) */
	bool first_retried; /* in the first attempt (up already at REACH_UP) */
};

static void ike_mm1_silent(struct fake *f)
{
	fire_ike_failed(f, IKE_STAGE_MM1, IKE_FAIL_TIMEOUT, 0);
}

static void ike_mm5_auth(struct fake *f)
{
	fire_ike_failed(f, IKE_STAGE_MM5, IKE_FAIL_NOTIFY, 24); /* AUTHENTICATION-FAILED */
}

static void ike_qm1_refused(struct fake *f)
{
	fire_ike_failed(f, IKE_STAGE_QM1, IKE_FAIL_NOTIFY, 14); /* NO-PROPOSAL-CHOSEN */
}

static void ike_dpd(struct fake *f)
{
	fire_ike_failed(f, IKE_STAGE_DPD, IKE_FAIL_DPD, 0);
}

static void sa_install_fails(struct fake *f)
{
	f->sa_id = 0;
	fire_sa_up(f);
}

static void l2tp_no_answer(struct fake *f)
{
	fire_l2tp_closed(f, L2TP_CAUSE_NO_ANSWER, 0);
}

static void l2tp_wrong_secret(struct fake *f)
{
	fire_l2tp_closed(f, L2TP_CAUSE_AUTH_WRONG, 4);
}

static void l2tp_stopccn_not_authorized(struct fake *f)
{
	fire_l2tp_closed(f, L2TP_CAUSE_STOPCCN, 4);
}

/* RFC 2661 §4.4.2: the gateway's CDN for our ICRQ with result 4, a
 * temporary lack of resources. */
static void l2tp_cdn_no_facilities(struct fake *f)
{
	f->l2tp_cb->tunnel_up(f->c);
	fire_l2tp_closed(f, L2TP_CAUSE_CDN, 4);
}

static void ppp_auth_failed(struct fake *f)
{
	fire_ppp_down(f, PPP_DOWN_AUTH_FAILED, PPP_AUTH_MSCHAPV2, "E=691 (authentication failure)");
}

static void ppp_pap_refused(struct fake *f)
{
	fire_ppp_down(f, PPP_DOWN_AUTH_REFUSED, PPP_AUTH_PAP, "the peer wants PAP");
}

static void ppp_peer_terminate(struct fake *f)
{
	fire_ppp_down(f, PPP_DOWN_PEER_TERMINATE, PPP_AUTH_NONE, "peer terminated the link");
}

static void ppp_echo_timeout(struct fake *f)
{
	fire_ppp_down(f, PPP_DOWN_ECHO_TIMEOUT, PPP_AUTH_NONE, "no answer to LCP echo");
}

static const struct fail_case fail_cases[] = {
    {"IKE: MM1 unanswered", REACH_IKE, ike_mm1_silent, EXIT_IKE, CONN_FAIL_IKE, "", true, false},
    {"IKE: MM5 authentication refused", REACH_IKE, ike_mm5_auth, EXIT_GW_AUTH, CONN_FAIL_IKE, "",
     false, false},
    {"IKE: QM1 refused", REACH_IKE, ike_qm1_refused, EXIT_IKE, CONN_FAIL_IKE, "", true, false},
    {"IPsec SA install fails", REACH_IKE, sa_install_fails, EXIT_FAILURE_GENERIC, CONN_FAIL_LOCAL,
     "sa_install ike_stop", false, false},
    /* port = auto: one more start from a random port even the first time */
    {"L2TP: SCCRQ unanswered", REACH_L2TP, l2tp_no_answer, EXIT_L2TP, CONN_FAIL_L2TP, "ike_stop",
     true, true},
    {"L2TP: wrong tunnel secret", REACH_L2TP, l2tp_wrong_secret, EXIT_GW_AUTH, CONN_FAIL_L2TP,
     "ike_stop", false, false},
    {"L2TP: StopCCN not authorized", REACH_L2TP, l2tp_stopccn_not_authorized, EXIT_GW_AUTH,
     CONN_FAIL_L2TP, "ike_stop", false, false},
    {"L2TP: CDN no facilities", REACH_L2TP, l2tp_cdn_no_facilities, EXIT_L2TP, CONN_FAIL_L2TP,
     "ike_stop", true, false},
    {"PPP: authentication fails", REACH_PPP, ppp_auth_failed, EXIT_PPP_AUTH, CONN_FAIL_PPP,
     "l2tp_stop ike_stop", false, false},
    {"PPP: PAP asked for, refused", REACH_PPP, ppp_pap_refused, EXIT_PPP_AUTH, CONN_FAIL_PPP,
     "l2tp_stop ike_stop", false, false},
    {"PPP: the gateway ends it later", REACH_UP, ppp_peer_terminate, EXIT_PEER_CLOSED,
     CONN_FAIL_PPP, "l2tp_stop ike_stop", true, true},
    {"PPP: echoes unanswered", REACH_UP, ppp_echo_timeout, EXIT_PPP, CONN_FAIL_PPP,
     "l2tp_stop ike_stop", true, true},
    {"L2TP: the tunnel dies later", REACH_UP, l2tp_no_answer, EXIT_PEER_CLOSED, CONN_FAIL_L2TP,
     "ppp_stop ike_stop", true, true},
    {"IKE: DPD later", REACH_UP, ike_dpd, EXIT_PEER_CLOSED, CONN_FAIL_IKE, "ppp_stop l2tp_stop",
     true, true},
};

static const char *const state_names[] = {"ike", "l2tp", "ppp", "connected"};

/* Runs one case on a started connection; reconnecting: after the tunnel
 * was up once. */
static void run_fail_case(const struct fail_case *fc, bool reconnecting)
{
	struct fake *f = fake_new(NULL);
	bool retried = reconnecting ? fc->retried : fc->first_retried;
	char want[256];
	struct conn_failure why;
	int ups;

	if (reconnecting) {
		/* up, then lost (transient): kept for the reconnect */
		connect_to(f, REACH_UP);
		ppp_echo_timeout(f);
		answer_stops(f);
		expect_calls(f, "l2tp_stop ike_stop esp_free");
		assert_true(conn_awaits_reconnect(f->c));
		assert_int_equal(conn_restart(f->c), 0);
		drive(f, "ppp_free l2tp_free ike_free ", fc->reach);
	} else {
		connect_to(f, fc->reach);
	}
	ups = f->ups;
	f->states[0] = '\0';
	fc->fire(f);
	/* the layers still running asked to stop, top down; then freed */
	answer_stops(f);
	snprintf(want, sizeof(want), "%s%s%sesp_free", fc->stops, fc->stops[0] ? " " : "",
	         retried ? "" : "net_down ");
	if (strcmp(f->calls, want) != 0)
		fail_msg("%s%s: calls \"%s\", expected \"%s\"", fc->name,
		         reconnecting ? " (reconnecting)" : "", f->calls, want);
	snprintf(want, sizeof(want), "%s -> stopping\nstopping -> down\n", state_names[fc->reach]);
	if (strcmp(f->states, want) != 0)
		fail_msg("%s: states \"%s\", expected \"%s\"", fc->name, f->states, want);
	assert_int_equal(conn_state(f->c), CONN_DOWN);
	assert_int_equal(f->downs, reconnecting ? 2 : 1);
	assert_int_equal(f->ups, ups);
	if (conn_exit_code(f->c) != fc->exit_code)
		fail_msg("%s: exit %d, expected %d", fc->name, conn_exit_code(f->c), fc->exit_code);
	conn_get_failure(f->c, &why);
	assert_int_equal(why.layer, fc->layer);
	assert_int_equal(why.exit_code, fc->exit_code);
	assert_true(why.text[0] != '\0');
	if (conn_awaits_reconnect(f->c) != retried)
		fail_msg("%s%s: %sretried", fc->name, reconnecting ? " (reconnecting)" : "",
		         retried ? "not " : "");
	assert_int_equal(conn_should_reconnect(f->c), retried);
	fake_free(f);
}

static void test_each_layer_failing(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(fail_cases) / sizeof(fail_cases[0]); i++) {
		run_fail_case(&fail_cases[i], false);
		run_fail_case(&fail_cases[i], true);
	}
}

/* The values recorded for the hints (client/explain.c), per layer. */
static void test_failure_values(void **state)
{
	struct fake *f = fake_new(NULL);
	struct conn_failure why;

	(void)state;
	connect_to(f, REACH_IKE);
	ike_mm1_silent(f);
	conn_get_failure(f->c, &why);
	assert_int_equal(why.ike.stage, IKE_STAGE_MM1);
	assert_int_equal(why.ike.reason, IKE_FAIL_TIMEOUT);
	assert_true(why.ike.psk);
	assert_true(why.ike.forced_encaps);
	assert_true(conn_gw_silent(f->c));
	fake_free(f);

	f = fake_new(NULL);
	connect_to(f, REACH_L2TP);
	l2tp_cdn_no_facilities(f);
	answer_stops(f);
	conn_get_failure(f->c, &why);
	assert_int_equal(why.l2tp.cause, L2TP_CAUSE_CDN);
	assert_int_equal(why.l2tp.stage, L2TP_STAGE_SESSION_SETUP);
	assert_int_equal(why.l2tp.result, 4);
	assert_true(why.l2tp.by_peer);
	assert_false(conn_gw_silent(f->c));
	fake_free(f);

	f = fake_new(NULL);
	connect_to(f, REACH_PPP);
	ppp_pap_refused(f);
	answer_stops(f);
	conn_get_failure(f->c, &why);
	assert_int_equal(why.ppp.reason, PPP_DOWN_AUTH_REFUSED);
	assert_int_equal(why.ppp.auth, PPP_AUTH_PAP);
	assert_int_equal(why.ppp.refusal, CONN_REFUSAL_METHOD);
	assert_non_null(strstr(why.text, "auth-methods = pap"));
	fake_free(f);

	f = fake_new(NULL);
	connect_to(f, REACH_IKE);
	sa_install_fails(f);
	answer_stops(f);
	conn_get_failure(f->c, &why);
	assert_int_equal(why.local, CONN_LOCAL_SA_INSTALL);
	assert_non_null(strstr(why.text, "userspace data path"));
	fake_free(f);
}

/* A CDN with result code 4 (RFC 2661 §4.4.2: temporary lack of resources)
 * was taken for the StopCCN's "not authorized" and exited 10 without a
 * retry: it is an L2TP failure (6) and retried once connected before. */
static void test_cdn_result_4_is_transient(void **state)
{
	struct fake *f = fake_new("[client]\nretry-auth-failures = no\n");

	(void)state;
	connect_to(f, REACH_L2TP);
	l2tp_cdn_no_facilities(f);
	answer_stops(f);
	assert_int_equal(conn_exit_code(f->c), EXIT_L2TP);
	assert_false(exit_status_is_auth(conn_exit_code(f->c)));
	assert_true(exit_status_is_transient(conn_exit_code(f->c)));
	fake_free(f);
}

/* retry-auth-failures = yes: a rejected password on a reconnect is tried
 * again (and still not at the first connect, which proves nothing yet). */
static void test_auth_failure_retried_when_asked(void **state)
{
	struct fake *f = fake_new("[client]\nretry-auth-failures = yes\n");

	(void)state;
	connect_to(f, REACH_PPP);
	ppp_auth_failed(f);
	answer_stops(f);
	assert_int_equal(conn_exit_code(f->c), EXIT_PPP_AUTH);
	assert_false(conn_awaits_reconnect(f->c));
	fake_free(f);
	f = fake_new("[client]\nretry-auth-failures = yes\n");
	connect_to(f, REACH_UP);
	ppp_echo_timeout(f);
	answer_stops(f);
	expect_calls(f, "l2tp_stop ike_stop esp_free");
	assert_int_equal(conn_restart(f->c), 0);
	drive(f, "ppp_free l2tp_free ike_free ", REACH_PPP);
	ppp_auth_failed(f);
	answer_stops(f);
	assert_int_equal(conn_exit_code(f->c), EXIT_PPP_AUTH);
	assert_true(conn_awaits_reconnect(f->c));
	fake_free(f);
}

/* A stop while a layer starts: the layers that run are asked to stop top
 * down, nothing is started any more, the exit code stays 0, no reconnect. */
static void test_stop_during_start(void **state)
{
	static const struct {
		enum reach reach;
		const char *stops;
	} cases[] = {
	    {REACH_IKE, "ike_stop net_down esp_free"},
	    {REACH_L2TP, "l2tp_stop ike_stop net_down esp_free"},
	    {REACH_PPP, "ppp_stop l2tp_stop ike_stop net_down esp_free"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake *f = fake_new(NULL);
		char states[64];

		connect_to(f, cases[i].reach);
		f->states[0] = '\0';
		conn_stop(f->c);
		assert_int_equal(conn_state(f->c), CONN_STOPPING);
		conn_stop(f->c); /* twice changes nothing */
		answer_stops(f);
		expect_calls(f, cases[i].stops);
		snprintf(states, sizeof(states), "%s -> stopping\nstopping -> down\n",
		         state_names[cases[i].reach]);
		expect_states(f, states);
		assert_int_equal(conn_state(f->c), CONN_DOWN);
		assert_int_equal(f->downs, 1);
		assert_int_equal(f->ups, 0);
		assert_int_equal(conn_exit_code(f->c), EXIT_OK);
		assert_false(conn_awaits_reconnect(f->c));
		expect_layers(f, CONN_LAYER_ABSENT, CONN_LAYER_ABSENT, CONN_LAYER_ABSENT);
		/* a late event of a layer that was asked to stop starts nothing */
		f->ike_cb->ping_answered(f->c);
		loop_run_once(f->loop, 0);
		expect_calls(f, "");
		fake_free(f);
	}
}

/* Stopped between the IPsec SA and L2TP (SCCRQ not sent yet): L2TP never
 * starts, even when the gateway's answer comes after the stop. */
static void test_stop_before_l2tp_starts(void **state)
{
	struct fake *f = fake_new(NULL);

	(void)state;
	connect_to(f, REACH_IKE);
	fire_sa_up(f);
	expect_calls(f, "sa_install ike_ping");
	conn_stop(f->c);
	expect_calls(f, "ike_stop");
	f->ike_cb->ping_answered(f->c);
	loop_run_once(f->loop, 0);
	answer_stops(f);
	expect_calls(f, "net_down esp_free");
	assert_int_equal(conn_state(f->c), CONN_DOWN);
	fake_free(f);
}

/* pppd without its session ends at once when asked: the stop goes on
 * without waiting for an event that will not come. */
static void test_stop_ppp_ending_at_once(void **state)
{
	struct fake *f = fake_new(NULL);

	(void)state;
	connect_to(f, REACH_PPP);
	f->ppp_stop_at_once = true;
	conn_stop(f->c);
	expect_calls(f, "ppp_stop l2tp_stop");
	assert_int_equal(f->c->layer[CONN_LAYER_PPP], CONN_LAYER_ABSENT);
	answer_stops(f);
	expect_calls(f, "ike_stop net_down esp_free");
	assert_int_equal(conn_state(f->c), CONN_DOWN);
	fake_free(f);
}

/* After a transient failure the connection keeps its network, restarts
 * with shorter IKE retransmissions, counts its attempts (the daemon's
 * backoff grows with them) and is back to 0 once up again. */
static void test_reconnect_with_backoff(void **state)
{
	struct fake *f = fake_new(NULL);

	(void)state;
	connect_to(f, REACH_UP);
	ppp_echo_timeout(f);
	answer_stops(f);
	expect_calls(f, "l2tp_stop ike_stop esp_free"); /* no net_down: kept */
	assert_true(conn_awaits_reconnect(f->c));
	assert_int_equal(conn_attempts(f->c), 0);
	for (int round = 0; round < 20; round++) {
		uint64_t ms = daemon_reconnect_delay_ms(f->c);

		assert_true(ms >= 750 && ms <= 1250);
	}
	/* attempt 1: Quick Mode refused (not silence) */
	f->states[0] = '\0';
	assert_int_equal(conn_restart(f->c), 0);
	drive(f, "ppp_free l2tp_free ike_free ", REACH_IKE);
	expect_states(f, "down -> ike\n");
	assert_int_equal(conn_attempts(f->c), 1);
	assert_int_equal(f->ike_cfg.retransmit.max_ms, CONN_RECONNECT_RTX_MAX_MS);
	ike_qm1_refused(f);
	answer_stops(f);
	expect_calls(f, "esp_free");
	assert_true(conn_awaits_reconnect(f->c));
	for (int round = 0; round < 20; round++) {
		uint64_t ms = daemon_reconnect_delay_ms(f->c);

		assert_true(ms >= 1500 && ms <= 2500);
	}
	/* attempt 2: up again */
	assert_int_equal(conn_restart(f->c), 0);
	drive(f, "ppp_free l2tp_free ike_free ", REACH_UP);
	assert_int_equal(conn_attempts(f->c), 0);
	assert_int_equal(f->ups, 2);
	assert_int_equal(f->downs, 2);
	assert_int_equal(conn_exit_code(f->c), EXIT_OK);
	/* the user's stop now undoes the network */
	conn_stop(f->c);
	answer_stops(f);
	expect_calls(f, "ppp_stop l2tp_stop ike_stop net_down esp_free");
	assert_false(conn_awaits_reconnect(f->c));
	fake_free(f);
}

/* The path to the gateway changed: every layer dropped at once (IKE told
 * through the new path), the network kept, a restart at once that does
 * not count as a failed attempt. */
static void test_roam(void **state)
{
	struct fake *f = fake_new(NULL);

	(void)state;
	connect_to(f, REACH_UP);
	f->states[0] = '\0';
	conn_abort(f->c, EXIT_NETWORK, "the path to the gateway changed");
	expect_calls(f, "ike_rehome ike_stop ppp_free l2tp_free ike_free esp_free");
	f->ike_stop_asked = false; /* IKE is freed: its end never comes */
	expect_states(f, "connected -> stopping\nstopping -> down\n");
	assert_int_equal(f->downs, 1);
	assert_int_equal(conn_exit_code(f->c), EXIT_NETWORK);
	assert_true(conn_awaits_reconnect(f->c));
	assert_true(conn_roamed(f->c));
	assert_int_equal(daemon_reconnect_delay_ms(f->c), 0);
	assert_true(f->c->l2tp_port >= 49152); /* the old tunnel may linger */
	assert_int_equal(conn_restart(f->c), 0);
	drive(f, "ppp_free ", REACH_UP); /* the rest was freed already */
	assert_int_equal(conn_attempts(f->c), 0);
	assert_false(conn_roamed(f->c));
	assert_int_equal(f->ups, 2);
	/* and again: at once, still not counted */
	conn_abort(f->c, EXIT_NETWORK, "the path to the gateway changed");
	f->ike_stop_asked = false;
	assert_int_equal(daemon_reconnect_delay_ms(f->c), 0);
	assert_int_equal(conn_restart(f->c), 0);
	assert_int_equal(conn_attempts(f->c), 0);
	fake_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_connect),
	    cmocka_unit_test(test_each_layer_failing),
	    cmocka_unit_test(test_failure_values),
	    cmocka_unit_test(test_cdn_result_4_is_transient),
	    cmocka_unit_test(test_auth_failure_retried_when_asked),
	    cmocka_unit_test(test_stop_during_start),
	    cmocka_unit_test(test_stop_before_l2tp_starts),
	    cmocka_unit_test(test_stop_ppp_ending_at_once),
	    cmocka_unit_test(test_reconnect_with_backoff),
	    cmocka_unit_test(test_roam),
	};

	return cmocka_run_group_tests_name("conn_supervisor", tests, NULL, NULL);
}
