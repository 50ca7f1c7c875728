/* The supervisor's state, changed in one place (conn_set_state,
 * conn_layer_set), the teardown that walks the layers top down, and what
 * the daemon may read of it. */
#include "client/conn_internal.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

#define CONN_STOP_TIMEOUT_MS 6000

const char *conn_state_name(enum conn_state s)
{
	static const char *const names[] = {
	    [CONN_IDLE] = "idle", [CONN_IKE] = "ike",      [CONN_L2TP] = "l2tp",
	    [CONN_PPP] = "ppp",   [CONN_UP] = "connected", [CONN_STOPPING] = "stopping",
	    [CONN_DOWN] = "down",
	};

	return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "?";
}

const char *conn_layer_name(enum conn_layer l)
{
	static const char *const names[] = {
	    [CONN_LAYER_IKE] = "IKE", [CONN_LAYER_L2TP] = "L2TP", [CONN_LAYER_PPP] = "PPP"};

	return (unsigned)l < ARRAY_SIZE(names) ? names[l] : "?";
}

const char *conn_layer_state_name(enum conn_layer_state s)
{
	static const char *const names[] = {
	    [CONN_LAYER_ABSENT] = "absent",
	    [CONN_LAYER_STARTING] = "starting",
	    [CONN_LAYER_UP] = "up",
	    [CONN_LAYER_STOPPING] = "stopping",
	};

	return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "?";
}

/* Forward through the stages, down from any of them, and from down back
 * to IKE for a reconnect; a stop before the start finishes at once. */
bool conn_state_transition_valid(enum conn_state from, enum conn_state to)
{
	switch (to) {
	case CONN_IKE:
		return from == CONN_IDLE || from == CONN_DOWN;
	case CONN_L2TP:
		return from == CONN_IKE;
	case CONN_PPP:
		return from == CONN_L2TP;
	case CONN_UP:
		return from == CONN_PPP;
	case CONN_STOPPING:
		return from != CONN_STOPPING && from != CONN_DOWN;
	case CONN_DOWN:
		return from == CONN_STOPPING;
	case CONN_IDLE:
	default:
		return false;
	}
}

/* What the user sees of each stage at the default level (issue 18: an
 * unanswered Main Mode must not be 45 s of silence). IKE's line names the
 * gateway (conn_launch), the connected line its addresses (conn_net.c). */
static const char *stage_progress(enum conn_state s)
{
	switch (s) {
	case CONN_L2TP:
		return "L2TP...";
	case CONN_PPP:
		return "PPP...";
	default:
		return NULL;
	}
}

bool conn_set_state(struct conn *c, enum conn_state to)
{
	enum conn_state from = c->state;
	const char *progress = stage_progress(to);

	if (!conn_state_transition_valid(from, to)) {
		log_err(c->lg, LOG_CLIENT, "internal: state %s -> %s refused",
		        conn_state_name(from), conn_state_name(to));
		return false;
	}
	c->state = to;
	log_info(c->lg, LOG_CLIENT, "state %s -> %s", conn_state_name(from), conn_state_name(to));
	if (progress)
		log_notice(c->lg, LOG_CLIENT, "%s", progress);
	return true;
}

void conn_layer_set(struct conn *c, enum conn_layer l, enum conn_layer_state s)
{
	if (c->layer[l] == s)
		return;
	log_debug(c->lg, LOG_CLIENT, "%s %s -> %s", conn_layer_name(l),
	          conn_layer_state_name(c->layer[l]), conn_layer_state_name(s));
	c->layer[l] = s;
}

static void vfail(struct conn *c, const struct conn_failure *why, int exit_code, const char *fmt,
                  va_list ap) __attribute__((format(printf, 4, 0)));

static void vfail(struct conn *c, const struct conn_failure *why, int exit_code, const char *fmt,
                  va_list ap)
{
	/* The first failure is the cause; later ones are consequences. */
	if (c->exit_code == EXIT_OK && c->state != CONN_STOPPING && c->state != CONN_DOWN) {
		c->exit_code = exit_code;
		c->why = *why;
		vsnprintf(c->failure, sizeof(c->failure), fmt, ap);
		log_err(c->lg, LOG_CLIENT, "%s", c->failure);
	}
	conn_stop(c);
}

void conn_fail_why(struct conn *c, const struct conn_failure *why, int exit_code, const char *fmt,
                   ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(c, why, exit_code, fmt, ap);
	va_end(ap);
}

void conn_fail_local(struct conn *c, enum conn_fail_local local, int exit_code, const char *fmt,
                     ...)
{
	struct conn_failure why = {.layer = CONN_FAIL_LOCAL, .local = local};
	va_list ap;

	va_start(ap, fmt);
	vfail(c, &why, exit_code, fmt, ap);
	va_end(ap);
}

void conn_fail(struct conn *c, int exit_code, const char *fmt, ...)
{
	struct conn_failure why = {.layer = CONN_FAIL_LOCAL, .local = CONN_LOCAL_OTHER};
	va_list ap;

	va_start(ap, fmt);
	vfail(c, &why, exit_code, fmt, ap);
	va_end(ap);
}

/* ---- teardown ---- */

static void conn_finish(struct conn *c)
{
	if (c->state == CONN_DOWN)
		return;
	loop_timer_stop(c->loop, &c->stop_timer);
	loop_timer_stop(c->loop, &c->traffic_timer);
	loop_timer_stop(c->loop, &c->l2tp_timer);
	loop_timer_stop(c->loop, &c->sa_timer);
	loop_timer_stop(c->loop, &c->verdict_timer);
	c->sa_pending = 0;
	c->keep_net = conn_should_reconnect(c);
	if (c->keep_net)
		log_notice(c->lg, LOG_CLIENT, "keeping %s, routes and DNS for the reconnect",
		           c->ifname);
	else
		c->layers->net_down(c);
	if (c->esp) {
		c->layers->esp_free(c->esp); /* deletes every SA still installed */
		c->esp = NULL;
	}
	conn_set_state(c, CONN_DOWN);
	if (c->failure[0])
		snprintf(c->last_failure, sizeof(c->last_failure), "%s", c->failure);
	log_info(c->lg, LOG_CLIENT, "disconnected%s%s", c->failure[0] ? ": " : "", c->failure);
	if (c->ev.down)
		c->ev.down(c, c->ev_ctx);
}

/* Asks one layer to end. true: wait for its end callback, which calls
 * conn_stop_next again. PPP may end at once (pppd without its session). */
static bool layer_stop_step(struct conn *c, enum conn_layer l)
{
	if (c->layer[l] == CONN_LAYER_ABSENT)
		return false;
	if (c->layer[l] == CONN_LAYER_STOPPING)
		return true;
	conn_layer_set(c, l, CONN_LAYER_STOPPING);
	switch (l) {
	case CONN_LAYER_PPP:
		if (c->layers->ppp_stop(c))
			conn_layer_set(c, l, CONN_LAYER_ABSENT);
		return conn_layer_running(c, l); /* its end may have come at once */
	case CONN_LAYER_L2TP:
		c->layers->l2tp_stop(c->l2tp);
		return true;
	case CONN_LAYER_IKE:
	default:
		c->layers->ike_stop(c->ike);
		return true;
	}
}

/* Top down: PPP, L2TP, IKE; each layer's end calls this again. A layer
 * whose lower layer is already gone ends without a goodbye. */
void conn_stop_next(struct conn *c)
{
	static const enum conn_layer top_down[] = {CONN_LAYER_PPP, CONN_LAYER_L2TP, CONN_LAYER_IKE};

	if (c->state != CONN_STOPPING)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(top_down); i++)
		if (layer_stop_step(c, top_down[i]))
			return;
	conn_finish(c);
}

void conn_stop(struct conn *c)
{
	if (c->state == CONN_STOPPING || c->state == CONN_DOWN)
		return;
	conn_set_state(c, CONN_STOPPING);
	loop_timer_start(c->loop, &c->stop_timer, CONN_STOP_TIMEOUT_MS);
	conn_stop_next(c);
}

/* The gateway did not answer the teardown: every layer counts as ended. */
void conn_on_stop_timeout(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct conn *c = ctx;

	(void)loop;
	(void)t;
	log_warn(c->lg, LOG_CLIENT, "the gateway did not answer the teardown in time");
	for (int l = 0; l < CONN_LAYER_COUNT; l++)
		conn_layer_set(c, (enum conn_layer)l, CONN_LAYER_ABSENT);
	conn_stop_next(c);
}

/* ---- what failed, and whether to try again ---- */

bool conn_ike_auth_failed(const struct ike_failure *f)
{
	/* RFC 2408 §3.14.1 */
	enum {
		INVALID_PAYLOAD_TYPE = 1,
		INVALID_CERT_ENCODING = 19,
		INVALID_CERTIFICATE = 20,
		CERT_TYPE_UNSUPPORTED = 21,
		INVALID_CERT_AUTHORITY = 22,
		INVALID_HASH_INFORMATION = 23,
		AUTHENTICATION_FAILED = 24,
		INVALID_SIGNATURE = 25,
	};

	if (f->reason == IKE_FAIL_AUTH)
		return true;
	if (f->reason != IKE_FAIL_NOTIFY)
		return false;
	switch (f->notify) {
	case INVALID_PAYLOAD_TYPE:
		/* charon's answer to an MM5 it could not decrypt: another PSK */
		return f->stage == IKE_STAGE_MM5;
	case INVALID_CERT_ENCODING:
	case INVALID_CERTIFICATE:
	case CERT_TYPE_UNSUPPORTED:
	case INVALID_CERT_AUTHORITY:
	case INVALID_HASH_INFORMATION:
	case AUTHENTICATION_FAILED:
	case INVALID_SIGNATURE:
		return true;
	default:
		return false;
	}
}

/* RFC 2661 §4.4.2: StopCCN result 4 is "not authorized" (ours after a
 * failed tunnel authentication check, or the LNS's); a CDN's result 4 is
 * a temporary lack of resources, transient like the other L2TP failures. */
int conn_l2tp_exit_code(const struct conn *c, const struct l2tp_failure *why)
{
	enum { STOPCCN_NOT_AUTHORIZED = 4 };

	switch (why->cause) {
	case L2TP_CAUSE_AUTH_NO_SECRET:
	case L2TP_CAUSE_AUTH_NO_RESPONSE:
	case L2TP_CAUSE_AUTH_WRONG:
		return EXIT_GW_AUTH;
	case L2TP_CAUSE_STOPCCN:
		if (why->result == STOPCCN_NOT_AUTHORIZED)
			return EXIT_GW_AUTH;
		break;
	default:
		break;
	}
	return c->state >= CONN_PPP ? EXIT_PEER_CLOSED : EXIT_L2TP;
}

/* The PPP layer's values, for the failure hints (client/explain.c). */
static struct conn_failure ppp_values(const struct ppp_failure *why)
{
	struct conn_failure v = {.layer = CONN_FAIL_PPP};

	v.ppp.reason = why->reason;
	v.ppp.auth = why->auth;
	snprintf(v.ppp.message, sizeof(v.ppp.message), "%s", why->message);
	return v;
}

/* Issue #14/#15: name the method and the setting that would allow it. */
void conn_fail_auth_refused(struct conn *c, const struct ppp_failure *why)
{
	static const struct {
		enum ppp_auth auth;
		const char *name, *key;
	} methods[] = {
	    {PPP_AUTH_PAP, "PAP", "pap"},
	    {PPP_AUTH_CHAP_MD5, "CHAP-MD5", "chap"},
	};

	struct conn_failure v = ppp_values(why);

	v.ppp.refusal = CONN_REFUSAL_METHOD;
	for (size_t i = 0; i < ARRAY_SIZE(methods); i++)
		if (why->auth == methods[i].auth) {
			conn_fail_why(c, &v, EXIT_PPP_AUTH,
				      "the gateway asks for %s, which this connection refuses; allow "
				      "it with `auth-methods = %s` / `--auth-methods %s`",
				      methods[i].name, methods[i].key, methods[i].key);
			return;
		}
	if (strstr(why->message, "pppd: ")) {
		/* pppd named no method (only its debug output, -vv, does): the
		 * methods this connection refuses that it can have been. */
		unsigned allowed = c->p->profile->auth_methods;
		bool pap = !(allowed & PROFILE_PPP_PAP), chap = !(allowed & PROFILE_PPP_CHAP);

		if (pap && chap)
			conn_fail_why(c, &v, EXIT_PPP_AUTH,
				      "the gateway asks for a PPP method this connection refuses (PAP "
				      "or CHAP-MD5; pppd does not say which, -vv shows it); allow it "
				      "with `auth-methods = pap` (or chap) / `--auth-methods pap`");
		else if (pap || chap)
			conn_fail_why(c, &v, EXIT_PPP_AUTH,
				      "the gateway asks for a PPP method this connection refuses (%s, "
				      "unless it is EAP or MS-CHAPv1; -vv shows which); allow it with "
				      "`auth-methods = %s` / `--auth-methods %s`",
				      pap ? "PAP" : "CHAP-MD5", pap ? "pap" : "chap",
				      pap ? "pap" : "chap");
		else {
			v.ppp.refusal = CONN_REFUSAL_UNSUPPORTED;
			conn_fail_why(c, &v, EXIT_PPP_AUTH,
				      "the gateway insists on an authentication method l2tpsec does "
				      "not support (EAP or MS-CHAPv1); use MS-CHAPv2 on the gateway");
		}
	} else if (strncmp(why->message, "the peer ", 9) == 0 &&
		   strstr(why->message, "which we do not support")) {
		/* pppd's debug output named it: "the peer insists on EAP, ..." */
		v.ppp.refusal = CONN_REFUSAL_UNSUPPORTED;
		conn_fail_why(c, &v, EXIT_PPP_AUTH,
			      "the gateway %s; use MS-CHAPv2 on the gateway", why->message + 9);
	} else if (strstr(why->message, "no authentication")) {
		v.ppp.refusal = CONN_REFUSAL_NO_AUTH;
		conn_fail_why(c, &v, EXIT_PPP_AUTH,
			      "the gateway offers no PPP authentication, so it never proves it "
			      "knows the password (anyone with the PSK could pose as it); allow it "
			      "with `auth-methods = none` / `--auth-methods none`");
	} else {
		v.ppp.refusal = CONN_REFUSAL_UNSUPPORTED;
		conn_fail_why(c, &v, EXIT_PPP_AUTH,
			      "the gateway insists on an authentication method l2tpsec does not "
			      "support (EAP or MS-CHAPv1); use MS-CHAPv2 on the gateway");
	}
}

void conn_ppp_judge(struct conn *c, const struct ppp_failure *why)
{
	struct conn_failure v = ppp_values(why);

	if (why->reason == PPP_DOWN_AUTH_REFUSED) {
		conn_fail_auth_refused(c, why);
	} else if (why->reason == PPP_DOWN_MPPE_REQUIRED) {
		v.ppp.refusal = CONN_REFUSAL_MPPE;
		conn_fail_why(c, &v, EXIT_PPP_AUTH,
			      "the gateway demands MPPE encryption, which l2tpsec does not do (the "
			      "IPsec SA already encrypts the link); turn MPPE off on the gateway");
	} else if (why->reason == PPP_DOWN_AUTH_FAILED) {
		conn_fail_why(c, &v, EXIT_PPP_AUTH, "PPP authentication (%s) failed: %s",
			      ppp_auth_name(why->auth), why->message);
	} else {
		conn_fail_why(c, &v,
			      c->state == CONN_UP && why->reason != PPP_DOWN_ECHO_TIMEOUT
				  ? EXIT_PEER_CLOSED
				  : EXIT_PPP,
			      "PPP down: %s%s%s", ppp_down_reason_name(why->reason),
			      why->message[0] ? ": " : "", why->message);
	}
}

bool conn_should_reconnect(const struct conn *c)
{
	if (c->family_fallback && c->exit_code == EXIT_IKE)
		return true;
	if (c->l2tp_port_retry == CONN_PORT_RETRY_PENDING && c->exit_code == EXIT_L2TP)
		return true;
	if (!c->p->profile->reconnect || !c->was_up)
		return false;
	if (exit_status_is_auth(c->exit_code))
		return c->p->profile->retry_auth_failures;
	/* not: asked to stop, configuration, local trouble */
	return exit_status_is_transient(c->exit_code);
}

/* ---- what the daemon reads ---- */

struct conn *conn_new(struct loop *loop, struct logger *lg, const struct conn_params *p,
                      const struct conn_events *ev, void *ev_ctx)
{
	struct conn *c = malloc(sizeof(*c));

	if (c)
		conn_init(c, loop, lg, p, ev, ev_ctx);
	return c;
}

enum conn_state conn_state(const struct conn *c)
{
	return c->state;
}

int conn_exit_code(const struct conn *c)
{
	return c->exit_code;
}

const char *conn_failure_text(const struct conn *c)
{
	return c->failure;
}

bool conn_awaits_reconnect(const struct conn *c)
{
	return c->state == CONN_DOWN && c->keep_net;
}

bool conn_was_up(const struct conn *c)
{
	return c->was_up;
}

unsigned conn_attempts(const struct conn *c)
{
	return c->attempts;
}

bool conn_roamed(const struct conn *c)
{
	return c->roamed;
}

bool conn_gw_silent(const struct conn *c)
{
	return c->gw_silent;
}

const char *conn_ifname(const struct conn *c)
{
	return c->ifname;
}

const struct conn_ip *conn_ip(const struct conn *c)
{
	return &c->ip;
}

void conn_set_outcome(struct conn *c, int exit_code, enum conn_fail_local why, const char *failure)
{
	c->exit_code = exit_code;
	if (!failure)
		return;
	snprintf(c->failure, sizeof(c->failure), "%s", failure);
	c->why = (struct conn_failure){.layer = CONN_FAIL_LOCAL, .local = why};
}

void conn_get_failure(const struct conn *c, struct conn_failure *out)
{
	*out = c->why;
	if (c->exit_code == EXIT_OK)
		out->layer = CONN_FAIL_NONE;
	out->exit_code = c->exit_code;
	snprintf(out->text, sizeof(out->text), "%s", c->failure);
}

bool conn_family_fallback_pending(const struct conn *c)
{
	return c->family_fallback && c->state == CONN_DOWN && c->keep_net;
}

const char *conn_addr_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const void *a = ss->ss_family == AF_INET6
	                    ? (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr
	                    : (const void *)&((const struct sockaddr_in *)ss)->sin_addr;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	if (ss->ss_family == AF_INET || ss->ss_family == AF_INET6)
		inet_ntop(ss->ss_family, a, buf, (socklen_t)len);
	return buf;
}

int conn_order_gateways(const struct sockaddr_storage *v4, const struct sockaddr_storage *v6,
                        enum profile_family family, bool v6_usable, struct sockaddr_storage *first,
                        struct sockaddr_storage *alt)
{
	const struct sockaddr_storage *a = v4, *b = v6;

	memset(first, 0, sizeof(*first));
	memset(alt, 0, sizeof(*alt)); /* AF_UNSPEC */
	if (family == PROFILE_FAMILY_IPV4)
		b = NULL;
	else if (family == PROFILE_FAMILY_IPV6)
		a = v6, b = NULL;
	else if (v6 && (v6_usable || !v4))
		a = v6, b = v4;
	if (!a)
		return -1;
	*first = *a;
	if (b)
		*alt = *b;
	return 0;
}

/* No answer to MM1 from the first of the gateway's families before we were
 * ever connected: the other family next (issue 17), once. */
bool conn_try_other_family(struct conn *c, const struct ike_failure *f)
{
	char from[INET6_ADDRSTRLEN], to[INET6_ADDRSTRLEN];
	struct sockaddr_storage tried = c->gateway;

	if (f->stage != IKE_STAGE_MM1 || f->reason != IKE_FAIL_TIMEOUT || c->was_up ||
	    c->gateway_alt.ss_family == AF_UNSPEC || c->state == CONN_STOPPING)
		return false;
	c->gateway = c->gateway_alt;
	memset(&c->gateway_alt, 0, sizeof(c->gateway_alt));
	c->family_fallback = true;
	log_notice(c->lg, LOG_CLIENT, "no answer from %s over %s: trying %s",
	           conn_addr_str(&tried, from, sizeof(from)),
	           tried.ss_family == AF_INET6 ? "IPv6" : "IPv4",
	           conn_addr_str(&c->gateway, to, sizeof(to)));
	return true;
}
