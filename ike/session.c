/* The IKE session: configuration, lifecycle, dispatch of received messages,
 * failures, rekey/expiry/keepalive timers and status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/provider.h>

#include "ike/cert.h"
#include "ike/ike_int.h"
#include "ike/natt.h"
#include "lib/log.h"
#include "lib/util.h"

void ike_config_defaults(struct ike_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->local.ss_family = AF_UNSPEC;
	cfg->local_port = 500;
	cfg->local_natt_port = NATT_PORT;
	cfg->auth = IKE_AUTH_PSK;
	cfg->dh2048 = IKE_DH2048_OFFER;
	cfg->nat_policy = IKE_NAT_BOTH_MAY_BE_BEHIND_NAT;
	cfg->ike_lifetime_s = IKE_DEFAULT_IKE_LIFETIME_S;
	cfg->ipsec_lifetime_s = IKE_DEFAULT_IPSEC_LIFETIME_S;
	cfg->l2tp_local_port = 1701;
	cfg->l2tp_remote_port = 1701;
	cfg->dpd_interval_s = 30;
	cfg->dpd_tries = 5;
	cfg->keepalive_interval_s = 20;
	cfg->retransmit = IKE_DEFAULT_RETRANSMIT;
}

static int check_config(struct ike_session *s, char *err, size_t errlen)
{
	const struct ike_config *c = &s->cfg;

	if (c->remote.ss_family != AF_INET && c->remote.ss_family != AF_INET6) {
		snprintf(err, errlen, "gateway address must be IPv4 or IPv6");
		return -1;
	}
	if (c->auth == IKE_AUTH_PSK && (!c->psk || c->psk_len == 0)) {
		snprintf(err, errlen, "pre-shared key missing");
		return -1;
	}
	if (c->auth == IKE_AUTH_RSA_SIG && (!c->cert || !c->key || !c->ca)) {
		snprintf(err, errlen, "certificate authentication needs cert, key and CA");
		return -1;
	}
	if (c->auth == IKE_AUTH_RSA_SIG && !ike_cert_auth_method(c->key)) {
		snprintf(err, errlen,
		         "the private key is neither RSA nor ECDSA on P-256, P-384 or P-521");
		return -1;
	}
	if (c->pfs_group && c->pfs_group != IKE_PFS_IKE_GROUP && !ike_dh_supported(c->pfs_group)) {
		snprintf(err, errlen, "unsupported PFS group %u", c->pfs_group);
		return -1;
	}
	if (ike_proposals_parse(c->ike_proposals, &s->p1_algs, err, errlen) ||
	    ike_p1_apply_dh2048(&s->p1_algs, c->dh2048, err, errlen) ||
	    ike_esp_proposals_parse(c->esp_proposals, &s->esp_algs, err, errlen))
		return -1;
	return 0;
}

/* Single DES lives in OpenSSL's legacy provider: only a proposal list that
 * names it gets a library context of its own with the default and legacy
 * providers. Everything else uses the default library context, which the
 * data path and the rest of the process share: every library context
 * caches the algorithms it was asked for, about 200 kB of heap each
 * (issue 16, measured), and the legacy module is mapped only if needed. */
static int open_library(struct ike_session *s)
{
	bool des = false;

	for (size_t i = 0; i < s->p1_algs.n; i++)
		des |= s->p1_algs.a[i].enc == IKE_ENC_DES;
	if (!des)
		return 0; /* s->lib NULL: the default library context */
	s->lib = OSSL_LIB_CTX_new();
	if (!s->lib || !(s->prov_default = OSSL_PROVIDER_load(s->lib, "default")))
		return -1;
	s->prov_legacy = OSSL_PROVIDER_load(s->lib, "legacy"); /* optional */
	return 0;
}

static void init_timers(struct ike_session *s);

struct ike_session *ike_new(struct loop *loop, struct logger *lg, const struct ike_config *cfg,
                            const struct ike_callbacks *cb, void *ctx)
{
	struct ike_session *s = calloc(1, sizeof(*s));
	char err[160];

	if (!s)
		return NULL;
	s->loop = loop;
	s->lg = lg;
	s->cfg = *cfg;
	s->cb = *cb;
	s->ctx = ctx;
	s->fd_ike = s->fd_natt = -1;
	if (cfg->psk_len) {
		s->psk = malloc(cfg->psk_len);
		if (!s->psk)
			goto fail;
		memcpy(s->psk, cfg->psk, cfg->psk_len);
		s->cfg.psk = s->psk;
	}
	if (!s->cfg.retransmit.tries)
		s->cfg.retransmit = IKE_DEFAULT_RETRANSMIT;
	if (!s->cfg.ike_lifetime_s)
		s->cfg.ike_lifetime_s = IKE_DEFAULT_IKE_LIFETIME_S;
	if (!s->cfg.ipsec_lifetime_s)
		s->cfg.ipsec_lifetime_s = IKE_DEFAULT_IPSEC_LIFETIME_S;
	if (!s->cfg.dpd_tries)
		s->cfg.dpd_tries = 5;
	if (check_config(s, err, sizeof(err))) {
		log_err(lg, LOG_IKE, "configuration: %s", err);
		goto fail;
	}
	if (open_library(s) < 0)
		goto fail;
	s->pfs_group = cfg->pfs_group;
	init_timers(s);
	/* Now, while the caller still readies the data path (see keygen.c). */
	ike_keygen_start(&s->keygen, s->lib, s->p1_algs.a[0].group);
	return s;
fail:
	ike_free(s);
	return NULL;
}

static void stop_timers(struct ike_session *s)
{
	struct loop_timer *t[] = {
	    &s->retransmit_timer,  &s->dpd_timer,          &s->keepalive_timer, &s->ike_rekey_timer,
	    &s->ipsec_rekey_timer, &s->ipsec_expire_timer, &s->old_sa_timer,    &s->stop_timer,
	    &s->hint_timer,        &s->rqm_timer,          &s->old_p1_timer};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		loop_timer_stop(s->loop, t[i]);
}

void ike_session_reset(struct ike_session *s)
{
	stop_timers(s);
	ike_mm_free(s->p1);
	ike_mm_free(s->p1_next);
	ike_mm_free(s->p1_resp);
	ike_mm_free(s->p1_old);
	s->p1 = s->p1_next = s->p1_resp = s->p1_old = NULL;
	s->p1_old_ours = false;
	ike_p2_clear(&s->qm);
	ike_p2_clear(&s->sa);
	ike_p2_clear(&s->old_sa);
	ike_rqm_clear_all(s);
	s->tx_waiting = false;
	s->tx_len = s->rx_last_len = 0;
	s->rx_cur_set = false;
	s->hint[0] = 0;
	s->dropped = s->rekeys_ike = s->rekeys_ipsec = s->ike_rekey_failures = 0;
	s->floated = s->nat_local = s->nat_remote = s->peer_dpd = s->peer_frag = false;
	ike_defrag_reset(&s->defrag);
	s->natt = IKE_NATT_NONE;
	s->initial_contact_sent = false;
	s->pfs_group = s->cfg.pfs_group;
	s->pfs_retried = false;
	s->last_inbound_ms = 0;
	s->dpd_seq = s->ping_seq = 0;
	memset(&s->failure, 0, sizeof(s->failure));
}

void ike_free(struct ike_session *s)
{
	if (!s)
		return;
	ike_keygen_cancel(&s->keygen); /* before the library context goes */
	if (s->loop)
		ike_session_reset(s);
	ike_net_close(s);
	if (s->psk) {
		secure_clear(s->psk, s->cfg.psk_len);
		free(s->psk);
	}
	OSSL_PROVIDER_unload(s->prov_legacy);
	OSSL_PROVIDER_unload(s->prov_default);
	OSSL_LIB_CTX_free(s->lib);
	secure_clear(s, sizeof(*s));
	free(s);
}

void ike_set_force_encaps(struct ike_session *s, bool force)
{
	/* MM2 is the first message that depends on it (RFC 3947 §3.1). */
	if (s->state == IKE_STATE_IDLE ||
	    (s->state == IKE_STATE_CONNECTING && s->p1 && s->p1->state == P1_MM1_SENT))
		s->cfg.force_encaps = force;
}

int ike_start(struct ike_session *s)
{
	ike_session_reset(s);
	s->state = IKE_STATE_CONNECTING;
	if (ike_net_open(s)) {
		ike_session_fail(s, IKE_FAIL_LOCAL, 0, "cannot open the IKE sockets");
		return -1;
	}
	s->p1 = ike_mm_new(s, false);
	if (!s->p1) {
		ike_session_fail(s, IKE_FAIL_LOCAL, 0, "out of memory");
		return -1;
	}
	return ike_mm_start(s, s->p1);
}

int ike_natt_fd(const struct ike_session *s)
{
	return s->fd_natt;
}

uint16_t ike_natt_port(const struct ike_session *s)
{
	return s->fd_natt >= 0 ? ike_net_port(&s->local_natt) : 0;
}

void ike_note_inbound_traffic(struct ike_session *s)
{
	s->last_inbound_ms = loop_now_ms(s->loop);
	ike_dpd_defer(s);
}

void ike_note_outbound_traffic(struct ike_session *s)
{
	/* the time this round woke: never later than the send, so the next
	 * keepalive is never late */
	uint64_t every = s->cfg.keepalive_interval_s * 1000u;

	s->last_outbound_ms = loop_round_ms(s->loop);
	/* no wakeup at the old time just to find it unneeded */
	loop_timer_defer(s->loop, &s->keepalive_timer, s->last_outbound_ms, every, every / 4);
}

void ike_sa_soft_expired(struct ike_session *s, uint32_t spi_in)
{
	if (s->state != IKE_STATE_ESTABLISHED || !s->sa.established ||
	    (s->sa.spi_in != spi_in && s->sa.spi_out != spi_in)) {
		log_debug(s->lg, LOG_IKE, "soft limit of SA %08x: not the current pair, ignored",
		          spi_in);
		return;
	}
	if (s->qm.in_progress)
		return; /* a rekey is already running */
	log_info(s->lg, LOG_IKE, "IPsec SA %08x reached its soft byte/packet limit: rekeying",
	         s->sa.spi_in);
	/* From the loop, not inside the data path's call. */
	loop_timer_start(s->loop, &s->ipsec_rekey_timer, 0);
}

void ike_session_set_stage(struct ike_session *s, enum ike_stage stage)
{
	s->stage = stage;
}

/* The pair the data path must drop, told once. */
void ike_session_drop_pair(struct ike_session *s, struct ike_p2 *p2)
{
	if (!p2->established)
		return;
	p2->established = false;
	if (s->cb.sa_expired_or_deleted)
		s->cb.sa_expired_or_deleted(s->ctx, p2->spi_in, p2->spi_out);
	ike_p2_clear(p2);
}

void ike_session_fail(struct ike_session *s, enum ike_fail_reason reason, uint16_t notify,
                      const char *fmt, ...)
{
	char line[256], why[sizeof(s->failure.detail)];
	va_list ap;

	if (s->state == IKE_STATE_FAILED)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (ike_session_rekey_failure_survived(s, reason, why))
		return;
	s->failure.stage = s->stage;
	s->failure.reason = reason;
	s->failure.notify = notify;
	memcpy(s->failure.detail, why, sizeof(why));
	if (reason == IKE_FAIL_TIMEOUT && s->hint[0] && s->p1 && s->p1->state != P1_DONE) {
		/* The answers we got were refusals we could not believe at
		 * once: say so, not "timeout". */
		s->failure.reason = s->hint_reason;
		s->failure.notify = s->hint_notify;
		memcpy(s->failure.detail, s->hint, MIN(sizeof(s->hint), sizeof(s->failure.detail)));
		s->failure.detail[sizeof(s->failure.detail) - 1] = 0;
	}
	s->state = IKE_STATE_FAILED;
	stop_timers(s);
	s->tx_waiting = false;
	log_err(s->lg, LOG_IKE, "%s", ike_failure_str(&s->failure, line, sizeof(line)));
	ike_session_drop_pair(s, &s->old_sa);
	ike_session_drop_pair(s, &s->sa);
	ike_rqm_abandon_all(s);
	if (s->cb.failed)
		s->cb.failed(s->ctx, &s->failure);
}

struct ike_p1 *ike_session_p1_for(struct ike_session *s, const uint8_t *icookie)
{
	if (s->p1 && memcmp(s->p1->icookie, icookie, 8) == 0)
		return s->p1;
	if (s->p1_next && memcmp(s->p1_next->icookie, icookie, 8) == 0)
		return s->p1_next;
	if (s->p1_resp && memcmp(s->p1_resp->icookie, icookie, 8) == 0)
		return s->p1_resp;
	if (s->p1_old && memcmp(s->p1_old->icookie, icookie, 8) == 0)
		return s->p1_old;
	return NULL;
}

/* The gateway repeats its last message when ours got lost: answer with
 * ours again instead of treating it as new. Compared by hash with the last
 * message a handler accepted (ike_session_accepted). */
static bool is_retransmission(struct ike_session *s, const uint8_t *buf, size_t len)
{
	const struct iov v = {buf, len};

	s->rx_cur_set = false;
	if (ike_hash(s->lib, IKE_HASH_SHA1, &v, 1, s->rx_cur))
		return false;
	if (s->rx_last_len == 20 && memcmp(s->rx_last, s->rx_cur, 20) == 0)
		return true;
	s->rx_cur_set = true;
	return false;
}

/* Quick Mode messages: ours (QM2 answering our QM1) or one the gateway
 * starts on any ISAKMP SA it shares with us (its rekey, RFC 2409 §5.5). */
static void quick_recv(struct ike_session *s, struct ike_p1 *p1, const struct isakmp_hdr *hdr,
                       const uint8_t *buf, size_t len)
{
	if (p1->state != P1_DONE) {
		ike_session_drop(s, "Quick Mode before the ISAKMP SA is up");
		return;
	}
	if (is_retransmission(s, buf, len)) {
		/* QM2 again: our QM3 got lost. */
		if (s->tx_p1 == p1 && s->tx_len) {
			log_debug(s->lg, LOG_IKE, "gateway retransmitted; resending ours");
			ike_net_resend_last(s);
		}
		return;
	}
	if (p1 == s->p1 && s->qm.in_progress && hdr->msgid == s->qm.msgid) {
		ike_qm_recv(s, buf, len);
		return;
	}
	ike_rqm_recv(s, p1, buf, len);
}

/* MM1 of the gateway's own Main Mode (RFC 2409 §5): its cookie is new,
 * ours is still zero. Only once we are up: before that it would be a
 * second connection from the gateway, which a client does not take. */
static bool is_new_main_mode(const struct ike_session *s, const struct isakmp_hdr *hdr)
{
	static const uint8_t zero[8];

	return hdr->exchange == ISAKMP_XCHG_IDPROT && hdr->msgid == 0 &&
	       memcmp(hdr->rcookie, zero, 8) == 0 && s->p1 && s->p1->state == P1_DONE &&
	       (s->state == IKE_STATE_ESTABLISHED || s->state == IKE_STATE_PHASE1_DONE);
}

/* A fragment (ike/frag.h) of a message for an ISAKMP SA of ours: kept
 * until the message is whole, which is then handled as if it had come in
 * one datagram. */
static void recv_fragment(struct ike_session *s, const uint8_t *buf, size_t len)
{
	uint8_t whole[ISAKMP_MAX_MSG];
	size_t whole_len = 0;
	const char *why = NULL;

	if (s->cfg.no_fragmentation) {
		ike_session_drop(s, "IKE fragment, but fragmentation is off");
		return;
	}
	switch (ike_defrag_add(&s->defrag, buf, len, loop_now_ms(s->loop), whole, sizeof(whole),
	                       &whole_len, &why)) {
	case IKE_DEFRAG_ERROR:
		ike_session_drop(s, "IKE fragment: %s", why ? why : "refused");
		return;
	case IKE_DEFRAG_MORE:
		return;
	case IKE_DEFRAG_DONE:
		log_info(s->lg, LOG_IKE, "IKE fragments joined: %zu bytes", whole_len);
		ike_session_recv(s, whole, whole_len);
		return;
	}
}

void ike_session_recv(struct ike_session *s, const uint8_t *buf, size_t len)
{
	struct isakmp_hdr hdr;
	struct ike_p1 *p1;

	if (s->state == IKE_STATE_FAILED || s->state == IKE_STATE_IDLE ||
	    s->state == IKE_STATE_STOPPING)
		return;
	if (ike_isakmp_parse_hdr(buf, len, &hdr)) {
		ike_session_drop(s, "datagram is not an ISAKMP message");
		return;
	}
	len = hdr.len;
	p1 = ike_session_p1_for(s, hdr.icookie);
	if (hdr.next == ISAKMP_NP_FRAG) {
		if (p1)
			recv_fragment(s, buf, len);
		else
			ike_session_drop(s, "IKE fragment for unknown cookies");
		return;
	}
	if (!p1 && is_new_main_mode(s, &hdr)) {
		ike_mmr_start(s, buf, len);
		return;
	}
	if (!p1) {
		ike_session_drop(s, "message for unknown cookies");
		return;
	}
	switch (hdr.exchange) {
	case ISAKMP_XCHG_IDPROT:
		if (p1->responder) {
			ike_mmr_recv(s, p1, buf, len);
			break;
		}
		if (is_retransmission(s, buf, len)) {
			if (s->tx_p1 == p1 && s->tx_len) {
				log_debug(s->lg, LOG_IKE, "gateway retransmitted; resending ours");
				ike_net_resend_last(s);
			}
			return;
		}
		ike_mm_recv(s, p1, buf, len);
		break;
	case ISAKMP_XCHG_QUICK:
		quick_recv(s, p1, &hdr, buf, len);
		break;
	case ISAKMP_XCHG_INFO:
		ike_info_recv(s, p1, buf, len);
		break;
	default:
		ike_session_drop(s, "exchange type %u", hdr.exchange);
	}
}

/* ---- timers ---- */

/* RFC 3948 §4: a keepalive keeps the NAT's mapping when nothing else
 * does, so it goes out only after a whole interval with nothing sent to the
 * gateway's NAT-T port. Up to a quarter interval early when the loop is
 * awake anyway (a mapping is kept by any packet, earlier is as good). */
void ike_keepalive_arm(struct ike_session *s)
{
	uint64_t every = s->cfg.keepalive_interval_s * 1000u, now = loop_now_ms(s->loop);
	uint64_t due = s->last_outbound_ms + every;

	loop_timer_start_slack(s->loop, &s->keepalive_timer, due > now ? due - now : every,
	                       every / 4);
}

static void on_keepalive(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct ike_session *s = ctx;
	uint64_t every = s->cfg.keepalive_interval_s * 1000u;

	(void)t;
	if (s->last_outbound_ms + every - every / 4 > loop_now_ms(loop)) {
		ike_keepalive_arm(s); /* something went out meanwhile */
		return;
	}
	ike_net_send_keepalive(s);
	ike_keepalive_arm(s);
}

static void on_stop(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct ike_session *s = ctx;

	(void)loop;
	(void)t;
	ike_net_close(s);
	s->state = IKE_STATE_IDLE;
	s->stage = IKE_STAGE_DELETED;
	if (s->cb.stopped)
		s->cb.stopped(s->ctx);
}

static void init_timers(struct ike_session *s)
{
	loop_timer_init(&s->keepalive_timer, on_keepalive, s);
	loop_timer_init(&s->stop_timer, on_stop, s);
	ike_rekey_init_timers(s);
	ike_rqm_init_timer(s);
	ike_net_init_timers(s);
	ike_dpd_init_timer(s);
}

void ike_stop(struct ike_session *s)
{
	uint8_t spi[16];

	if (s->state == IKE_STATE_STOPPING)
		return;
	if (s->p1 && s->p1->state == P1_DONE) {
		struct ike_p2 *pairs[] = {&s->old_sa, &s->sa};

		for (size_t i = 0; i < ARRAY_SIZE(pairs); i++) {
			if (!pairs[i]->established)
				continue;
			put_be32(spi, pairs[i]->spi_in);
			ike_info_send_delete(s, s->p1, PROTO_IPSEC_ESP, spi, 4);
			ike_session_drop_pair(s, pairs[i]);
		}
		memcpy(spi, s->p1->icookie, 8);
		memcpy(spi + 8, s->p1->rcookie, 8);
		ike_info_send_delete(s, s->p1, PROTO_ISAKMP, spi, 16);
	}
	if (s->p1_old && s->p1_old->state == P1_DONE) {
		memcpy(spi, s->p1_old->icookie, 8);
		memcpy(spi + 8, s->p1_old->rcookie, 8);
		ike_info_send_delete(s, s->p1_old, PROTO_ISAKMP, spi, 16);
	}
	stop_timers(s);
	s->tx_waiting = false;
	s->state = IKE_STATE_STOPPING;
	/* Deletes went out synchronously; report from the loop, not from
	 * inside the caller. */
	loop_timer_start(s->loop, &s->stop_timer, 0);
}

void ike_get_status(const struct ike_session *s, struct ike_status *st)
{
	uint64_t now = loop_now_ms(s->loop);

	memset(st, 0, sizeof(*st));
	st->state = s->state;
	st->stage = s->stage;
	st->nat_local = s->nat_local;
	st->nat_remote = s->nat_remote;
	st->natt = s->natt;
	st->dpd = s->peer_dpd;
	st->last_failure = s->failure;
	st->udp_encap = s->floated;
	if (s->fd_ike >= 0) {
		st->local_port = ike_net_port(&s->local);
		st->local_natt_port = ike_net_port(&s->local_natt);
	}
	if (s->p1) {
		memcpy(st->icookie, s->p1->icookie, 8);
		memcpy(st->rcookie, s->p1->rcookie, 8);
	}
	if (s->p1 && s->p1->state >= P1_MM3_SENT) {
		ike_p1_alg_str(&s->p1->alg, st->ike_algs, sizeof(st->ike_algs));
		st->dh_group = s->p1->alg.group;
	}
	st->rekeys_ike = s->rekeys_ike;
	st->rekeys_ipsec = s->rekeys_ipsec;
	st->ike_rekey_failures = s->ike_rekey_failures;
	st->dropped = s->dropped;
	if (s->p1 && s->p1->state == P1_DONE) {
		uint64_t age = (now - s->p1->done_ms) / 1000u;

		st->ike_age_s = (uint32_t)age;
		st->ike_lifetime_left_s =
		    age < s->p1->lifetime_s ? s->p1->lifetime_s - (uint32_t)age : 0;
	}
	if (s->sa.established) {
		uint64_t age = (now - s->sa.done_ms) / 1000u;

		st->ipsec_age_s = (uint32_t)age;
		ike_esp_alg_str(&s->sa.alg, st->esp_algs, sizeof(st->esp_algs));
		st->spi_in = s->sa.spi_in;
		st->spi_out = s->sa.spi_out;
		st->ipsec_lifetime_left_s = age < s->sa.life_s ? s->sa.life_s - (uint32_t)age : 0;
		st->qm_rtt_ms = s->qm_rtt_ms;
	}
}

/* ---- names ---- */

const char *ike_stage_name(enum ike_stage stage)
{
	static const char *const names[] = {"none",        "MM1",         "MM3", "MM5",
	                                    "QM1",         "established", "DPD", "IKE-rekey",
	                                    "IPsec-rekey", "deleted"};

	return (size_t)stage < ARRAY_SIZE(names) ? names[stage] : "?";
}

const char *ike_state_name(enum ike_state state)
{
	static const char *const names[] = {"idle",        "connecting", "phase1-done",
	                                    "established", "stopping",   "failed"};

	return (size_t)state < ARRAY_SIZE(names) ? names[state] : "?";
}

const char *ike_natt_name(enum ike_natt_variant v)
{
	static const char *const names[] = {"none", "draft-02", "draft-02\\n", "draft-03",
	                                    "RFC 3947"};

	return (size_t)v < ARRAY_SIZE(names) ? names[v] : "?";
}

const char *ike_fail_reason_name(enum ike_fail_reason r)
{
	static const char *const names[] = {"no failure",        "timeout",
	                                    "notification",      "deleted by the gateway",
	                                    "proposal mismatch", "authentication failed",
	                                    "identity mismatch", "NAT policy",
	                                    "malformed message", "local error",
	                                    "dead peer"};

	return (size_t)r < ARRAY_SIZE(names) ? names[r] : "?";
}

const char *ike_failure_str(const struct ike_failure *f, char *buf, size_t len)
{
	const char *stage = ike_stage_name(f->stage);

	if (f->reason == IKE_FAIL_NOTIFY) {
		const char *name = ike_notify_name(f->notify);

		if (name)
			snprintf(buf, len, "IKE failed at %s: gateway sent %s", stage, name);
		else
			snprintf(buf, len, "IKE failed at %s: gateway sent notification %u", stage,
			         f->notify);
	} else if (f->reason == IKE_FAIL_TIMEOUT) {
		snprintf(buf, len, "IKE failed at %s: timeout (%s)", stage, f->detail);
	} else {
		snprintf(buf, len, "IKE failed at %s: %s: %s", stage,
		         ike_fail_reason_name(f->reason), f->detail);
	}
	return buf;
}
