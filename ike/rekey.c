/* Staying connected: rekeys of the ISAKMP SA and the IPsec SA pair from
 * either side (make before break: a new pair is handed over before the
 * old one is deleted, OLD_SA_GRACE_MS later), their timers and failures (a
 * failed rekey keeps the SAs that are still valid), lifetimes the gateway
 * shortens, deletes from the gateway, and the datagrams dropped because
 * they are unauthenticated, replayed or out of place (counted, never
 * fatal once established). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/ike_int.h"
#include "lib/log.h"
#include "lib/util.h"

#define OLD_SA_GRACE_MS  2000 /* old SA pair lives this long after a rekey */
#define OLD_P1_GRACE_MS  2000 /* and an ISAKMP SA we replaced, before its DELETE */
#define OLD_P1_WAIT_MS   1000 /* then again while the pair in use lives on it */
#define OLD_P1_MAX_WAITS 15

void ike_session_drop(struct ike_session *s, const char *fmt, ...)
{
	char line[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	s->dropped++;
	s->rx_cur_set = false;
	log_debug(s->lg, LOG_IKE, "dropped: %s (%u dropped so far)", line, (unsigned)s->dropped);
}

void ike_session_accepted(struct ike_session *s)
{
	if (!s->rx_cur_set)
		return;
	memcpy(s->rx_last, s->rx_cur, 20);
	s->rx_last_len = 20;
	s->rx_cur_set = false;
}

static void on_hint(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct ike_session *s = ctx;

	(void)loop;
	(void)t;
	if (s->hint[0] && s->p1 && s->p1->state != P1_DONE && s->state == IKE_STATE_CONNECTING)
		ike_session_fail(s, s->hint_reason, s->hint_notify, "%s", s->hint);
}

void ike_session_hint(struct ike_session *s, enum ike_fail_reason reason, uint16_t notify,
                      const char *fmt, ...)
{
	char line[sizeof(s->hint)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	ike_session_drop(s, "%s", line);
	/* Only the first Main Mode ends on a hint; rekeys time out instead. */
	if (s->hint[0] || s->state != IKE_STATE_CONNECTING)
		return;
	/* A forged datagram must not end the session: the real answer gets
	 * one retransmission interval to arrive before the hint is believed. */
	snprintf(s->hint, sizeof(s->hint), "%s", line);
	s->hint_reason = reason;
	s->hint_notify = notify;
	loop_timer_start(s->loop, &s->hint_timer, 2u * s->cfg.retransmit.first_ms);
}

/* An ISAKMP SA rekey that fails leaves the established SA in place: it is
 * valid until its lifetime ends, so try again before that. */
void ike_session_rekey_ike_failed(struct ike_session *s, const char *why)
{
	uint64_t age_ms = loop_now_ms(s->loop) - s->p1->done_ms;
	uint64_t life_ms = (uint64_t)s->p1->lifetime_s * 1000u;
	uint64_t left_ms = life_ms > age_ms ? life_ms - age_ms : 0;

	log_warn(s->lg, LOG_IKE, "ISAKMP SA rekey failed (%s); the current SA stays, %llu s left",
	         why, (unsigned long long)(left_ms / 1000u));
	s->ike_rekey_failures++;
	if (s->tx_p1 == s->p1_next) {
		ike_net_answered(s);
		s->tx_p1 = NULL;
		s->tx_len = 0;
	}
	ike_rqm_forget_p1(s, s->p1_next);
	ike_mm_free(s->p1_next);
	s->p1_next = NULL;
	s->stage = IKE_STAGE_ESTABLISHED;
	if (left_ms > 4000)
		loop_timer_start(s->loop, &s->ike_rekey_timer, MIN(30000u, left_ms / 2));
}

/* A Quick Mode rekey that fails leaves the current pair in place until it
 * expires: try again before that. */
static void rekey_ipsec_failed(struct ike_session *s, const char *why)
{
	uint64_t age_ms = loop_now_ms(s->loop) - s->sa.done_ms;
	uint64_t life_ms = (uint64_t)s->sa.life_s * 1000u;
	uint64_t left_ms = life_ms > age_ms ? life_ms - age_ms : 0;

	log_warn(s->lg, LOG_IKE, "IPsec SA rekey failed (%s); the current SA stays, %llu s left",
	         why, (unsigned long long)(left_ms / 1000u));
	if (s->tx_p1 == s->p1 && s->tx_waiting)
		ike_net_answered(s);
	ike_p2_clear(&s->qm);
	s->stage = IKE_STAGE_ESTABLISHED;
	if (left_ms > 4000)
		loop_timer_start(s->loop, &s->ipsec_rekey_timer, MIN(30000u, left_ms / 2));
}

bool ike_session_rekey_failure_survived(struct ike_session *s, enum ike_fail_reason reason,
                                        const char *why)
{
	if (s->state != IKE_STATE_ESTABLISHED || !s->p1 || s->p1->state != P1_DONE)
		return false;
	if (reason == IKE_FAIL_DPD || reason == IKE_FAIL_DELETED)
		return false;
	if (s->p1_next && s->stage == IKE_STAGE_REKEY_IKE) {
		ike_session_rekey_ike_failed(s, why);
		return true;
	}
	if (s->qm.in_progress && s->sa.established && s->stage == IKE_STAGE_REKEY_IPSEC) {
		rekey_ipsec_failed(s, why);
		return true;
	}
	return false;
}

static void on_ike_rekey(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct ike_session *s = ctx;

	/* One request at a time: wait for a running exchange to end. */
	if (s->tx_waiting || s->p1_next) {
		loop_timer_start(loop, t, 1000);
		return;
	}
	log_info(s->lg, LOG_IKE, "rekeying the ISAKMP SA");
	s->p1_next = ike_mm_new(s, true);
	if (!s->p1_next || ike_mm_start(s, s->p1_next))
		ike_session_fail(s, IKE_FAIL_LOCAL, 0, "cannot start the IKE SA rekey");
}

static void on_ipsec_rekey(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct ike_session *s = ctx;

	if (s->tx_waiting || s->p1_next || !s->p1 || s->p1->state != P1_DONE) {
		loop_timer_start(loop, t, 1000);
		return;
	}
	log_info(s->lg, LOG_IKE, "rekeying the IPsec SA");
	ike_qm_start(s, true);
}

static void on_ipsec_expire(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct ike_session *s = ctx;

	(void)loop;
	(void)t;
	log_warn(s->lg, LOG_IKE, "IPsec SA expired before a rekey finished");
	ike_session_drop_pair(s, &s->sa);
	/* No pair left and no Quick Mode making one (the gateway's rekey
	 * never came): one now, rather than waiting for a dead peer. */
	if (s->state == IKE_STATE_ESTABLISHED && !s->qm.in_progress && !s->tx_waiting &&
	    !s->p1_next && s->p1 && s->p1->state == P1_DONE)
		ike_qm_start(s, false);
}

/* The replaced ISAKMP SA's DELETE (RFC 2409 §5.7 leaves the timing open). */
static void delete_old_p1(struct ike_session *s)
{
	uint8_t spi[16];

	if (!s->p1_old || !s->p1_old_ours)
		return;
	memcpy(spi, s->p1_old->icookie, 8);
	memcpy(spi + 8, s->p1_old->rcookie, 8);
	ike_info_send_delete(s, s->p1_old, PROTO_ISAKMP, spi, 16);
	ike_rqm_forget_p1(s, s->p1_old);
	if (s->sa.p1 == s->p1_old)
		s->sa.p1 = NULL;
	if (s->old_sa.p1 == s->p1_old)
		s->old_sa.p1 = NULL;
	ike_mm_free(s->p1_old);
	s->p1_old = NULL;
	s->p1_old_ours = false;
	s->old_p1_waits = 0;
	loop_timer_stop(s->loop, &s->old_p1_timer);
}

static void on_old_p1(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct ike_session *s = ctx;

	/* The pair in use may be one the gateway negotiated on the ISAKMP SA
	 * we are about to delete (its Quick Mode crossing our Main Mode rekey,
	 * after charon had moved the other CHILD_SAs to the new IKE_SA).
	 * charon deletes an IKEv1 IKE_SA's CHILD_SAs with it, so that pair
	 * would die at the gateway while we send on it (issue 13: 18 pings
	 * lost in l2tpsec-rekey's collision phase). Replace it on the new
	 * ISAKMP SA first; the DELETE follows once it is gone (bounded). */
	if (s->p1_old && s->sa.established && s->sa.responder && s->sa.p1 == s->p1_old &&
	    s->old_p1_waits < OLD_P1_MAX_WAITS) {
		if (s->old_p1_waits++ == 0 && !s->qm.in_progress) {
			log_info(
			    s->lg, LOG_IKE,
			    "IPsec SA %08x was made on the ISAKMP SA being replaced: rekeying it "
			    "before that one's DELETE",
			    s->sa.spi_in);
			ike_qm_start(s, true);
		}
		loop_timer_start(loop, t, OLD_P1_WAIT_MS);
		return;
	}
	delete_old_p1(s);
}

static void on_old_sa(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct ike_session *s = ctx;
	uint8_t spi[4];

	(void)loop;
	(void)t;
	if (!s->old_sa.established)
		return;
	put_be32(spi, s->old_sa.spi_in);
	ike_info_send_delete(s, s->p1, PROTO_IPSEC_ESP, spi, 4);
	ike_session_drop_pair(s, &s->old_sa);
}

/* When to rekey an SA of lifetime_s: margin_s before it expires, by
 * default 10 % of the lifetime but at least 4 s (at most 40 % of it): a
 * Quick Mode on a slow or lossy path must have time to finish on the short
 * lifetimes used to test rekeys (10 s, a 1 s margin, was not enough). One
 * the gateway started (it was the initiator) is rekeyed later, at half our
 * margin before expiry: its initiator rekeys first (charon at
 * rekey_time/reauth_time, before the lifetime it proposed runs out), and
 * both ends starting at once would be a collision each time. */
static uint64_t rekey_at_ms(uint32_t lifetime_s, uint32_t margin_s, bool gateway_started)
{
	uint64_t life = (uint64_t)lifetime_s * 1000u;
	uint64_t margin = margin_s ? (uint64_t)margin_s * 1000u : life / 10;

	if (!margin_s && margin < 4000)
		margin = MIN(4000u, life * 4 / 10);
	if (margin >= life)
		margin = life / 2;
	if (gateway_started)
		margin /= 2;
	return life - margin;
}

void ike_session_phase1_done(struct ike_session *s, struct ike_p1 *p1)
{
	char algs[64];

	p1->done_ms = loop_now_ms(s->loop);
	ike_p1_alg_str(&p1->alg, algs, sizeof(algs));
	loop_timer_start(s->loop, &s->ike_rekey_timer,
	                 rekey_at_ms(p1->lifetime_s, s->cfg.rekey_margin_s, p1->responder));
	if (p1 == s->p1_next) {
		/* Make before break: the new ISAKMP SA is up; the old one goes
		 * OLD_P1_GRACE_MS later, not at once. charon moves the CHILD_SAs
		 * to the new IKE_SA in a job of its own after MM6 ("detected
		 * reauth of existing IKE_SA, adopting 1 children"); a DELETE
		 * that came before that job ran took the CHILD_SA with the old
		 * IKE_SA, and traffic stopped until our next Quick Mode (11
		 * pings lost in one run). Meanwhile the old SA still answers. */
		delete_old_p1(s);
		if (s->p1_old) {
			ike_rqm_forget_p1(s, s->p1_old);
			ike_mm_free(s->p1_old);
		}
		s->p1_old = s->p1;
		s->p1_old_ours = true;
		loop_timer_start(s->loop, &s->old_p1_timer, OLD_P1_GRACE_MS);
		s->p1 = s->p1_next;
		s->p1_next = NULL;
		s->stage = IKE_STAGE_ESTABLISHED;
		s->rekeys_ike++;
		log_info(s->lg, LOG_IKE, "ISAKMP SA rekeyed: %s", algs);
		return;
	}
	log_info(s->lg, LOG_IKE, "ISAKMP SA established: %s, lifetime %us", algs,
	         (unsigned)p1->lifetime_s);
	s->state = IKE_STATE_PHASE1_DONE;
	ike_dpd_start(s);
	if (s->floated && s->nat_local && s->cfg.keepalive_interval_s)
		ike_keepalive_arm(s);
	ike_qm_start(s, false);
}

/* The oldest pair goes now, with a DELETE (RFC 2409 §5.7): a third
 * generation appeared (a rekey collision, or a second rekey within the
 * grace period). */
static void delete_old_pair(struct ike_session *s)
{
	uint8_t spi[4];

	if (!s->old_sa.established)
		return;
	put_be32(spi, s->old_sa.spi_in);
	ike_info_send_delete(s, s->p1, PROTO_IPSEC_ESP, spi, 4);
	ike_session_drop_pair(s, &s->old_sa);
}

void ike_session_p1_resp_done(struct ike_session *s, struct ike_p1 *p1)
{
	char algs[64];
	/* Our Quick Mode still waiting for QM2 on the ISAKMP SA being
	 * replaced would never complete: charon ignores Quick Modes on an
	 * IKE_SA it is reauthenticating ("quick mode request for unestablished
	 * IKE_SA, ignored"), and an answer could not be verified once s->p1
	 * is the new SA (qm_recv). It starts again on the new SA, at once:
	 * charon may have dropped its own rekey of the pair meanwhile (a
	 * CHILD_SA rekey job that fires during the reauthentication finds
	 * nothing), so ours is all that stands between the pair and its
	 * expiry. */
	bool restart_qm = s->qm.in_progress && s->tx_waiting && s->tx_p1 == s->p1;

	if (restart_qm) {
		ike_net_answered(s);
		s->tx_p1 = NULL;
		s->tx_len = 0;
		ike_p2_clear(&s->qm);
	}
	p1->done_ms = loop_now_ms(s->loop);
	delete_old_p1(s); /* one of ours still waiting for its DELETE */
	if (s->p1_old) {
		ike_rqm_forget_p1(s, s->p1_old);
		ike_mm_free(s->p1_old);
	}
	/* The gateway's ISAKMP SA is current; the old one answers until the
	 * gateway deletes it (its Quick Modes and deletes may still come). */
	s->p1_old = s->p1;
	if (s->p1_old->deleted) {
		ike_rqm_forget_p1(s, s->p1_old);
		ike_mm_free(s->p1_old);
		s->p1_old = NULL;
	}
	s->p1 = p1;
	s->p1_resp = NULL;
	s->rekeys_ike++;
	/* Ours running at the same time (a collision) goes on: the gateway
	 * has half made it too, and charon takes the ISAKMP SA made last for
	 * a reauthentication of the earlier one (it moves the IPsec SAs to it
	 * and deletes the earlier). When ours completes it replaces this one,
	 * as any rekey of ours does: both ends agree on the last. */
	if (!s->p1_next)
		loop_timer_start(s->loop, &s->ike_rekey_timer,
		                 rekey_at_ms(p1->lifetime_s, s->cfg.rekey_margin_s, p1->responder));
	ike_p1_alg_str(&p1->alg, algs, sizeof(algs));
	log_info(s->lg, LOG_IKE, "ISAKMP SA rekeyed by the gateway: %s, lifetime %us", algs,
	         (unsigned)p1->lifetime_s);
	if (restart_qm) {
		log_info(s->lg, LOG_IKE, "IPsec SA rekey: Quick Mode again on the new ISAKMP SA");
		ike_qm_start(s, s->sa.established);
	}
}

void ike_session_qm_done(struct ike_session *s, struct ike_p2 *src, struct esp_sa_pair *pair)
{
	bool rekey = s->sa.established;
	char algs[64];
	struct ike_p2 done = *src, gone = {0};

	/* The dh object moved to done; src must not free it twice. */
	src->dh = NULL;
	ike_p2_clear(src);
	ike_dh_free(done.dh);
	done.dh = NULL;
	done.in_progress = false;
	done.established = true;
	if (rekey) {
		/* A third generation (a collision): the oldest goes, but only
		 * once the data path has the new pair, so that there is always
		 * a pair to send on. */
		gone = s->old_sa;
		memset(&s->old_sa, 0, sizeof(s->old_sa));
		s->old_sa = s->sa;
		loop_timer_start(s->loop, &s->old_sa_timer, OLD_SA_GRACE_MS);
		s->rekeys_ipsec++;
	}
	s->sa = done;
	s->sa.done_ms = loop_now_ms(s->loop);
	if (done.sent_ms && !done.responder)
		s->qm_rtt_ms = (uint32_t)(s->sa.done_ms - done.sent_ms);
	if (!done.responder)
		s->pfs_group = done.group; /* follow the gateway's choice on rekey */
	ike_esp_alg_str(&done.alg, algs, sizeof(algs));
	log_info(s->lg, LOG_IKE, "IPsec SA %s%s: %s, SPIs in %08x out %08x, lifetime %us%s",
	         rekey ? "rekeyed" : "established", done.responder ? " by the gateway" : "", algs,
	         done.spi_in, done.spi_out, (unsigned)done.life_s,
	         pair->udp_encap ? ", UDP-encapsulated" : "");
	s->state = IKE_STATE_ESTABLISHED;
	if (!s->qm.in_progress)
		s->stage = IKE_STAGE_ESTABLISHED;
	loop_timer_start(s->loop, &s->ipsec_rekey_timer,
	                 rekey_at_ms(done.life_s, s->cfg.rekey_margin_s, done.responder));
	loop_timer_start(s->loop, &s->ipsec_expire_timer, (uint64_t)done.life_s * 1000u);
	if (s->cb.sa_established)
		s->cb.sa_established(s->ctx, pair, rekey);
	if (gone.established) {
		struct ike_p2 keep = s->old_sa;

		s->old_sa = gone;
		delete_old_pair(s);
		s->old_sa = keep;
	}
}

/* The current pair's rekey and expiry timers from its age and lifetime
 * (after a RESPONDER-LIFETIME, or when an older pair becomes current). */
void ike_session_reschedule_ipsec(struct ike_session *s)
{
	uint64_t age = loop_now_ms(s->loop) - s->sa.done_ms;
	uint64_t rekey = rekey_at_ms(s->sa.life_s, s->cfg.rekey_margin_s, s->sa.responder);
	uint64_t life = (uint64_t)s->sa.life_s * 1000u;

	if (!s->sa.established)
		return;
	if (!s->qm.in_progress)
		loop_timer_start(s->loop, &s->ipsec_rekey_timer, rekey > age ? rekey - age : 0);
	loop_timer_start(s->loop, &s->ipsec_expire_timer, life > age ? life - age : 0);
}

void ike_session_reschedule_ike(struct ike_session *s)
{
	uint64_t age = loop_now_ms(s->loop) - s->p1->done_ms;
	uint64_t rekey = rekey_at_ms(s->p1->lifetime_s, s->cfg.rekey_margin_s, s->p1->responder);

	if (!s->p1_next)
		loop_timer_start(s->loop, &s->ike_rekey_timer, rekey > age ? rekey - age : 0);
}

void ike_session_sa_deleted_by_peer(struct ike_session *s, uint32_t spi_out)
{
	if (s->old_sa.established && s->old_sa.spi_out == spi_out) {
		ike_session_drop_pair(s, &s->old_sa);
		return;
	}
	if (!s->sa.established || s->sa.spi_out != spi_out)
		return;
	uint64_t age_ms = loop_now_ms(s->loop) - s->sa.done_ms;

	log_notice(s->lg, LOG_IKE, "gateway deleted the IPsec SA (SPI %08x)", spi_out);
	ike_session_drop_pair(s, &s->sa);
	if (s->old_sa.established) {
		/* After a rekey collision the gateway keeps the other pair
		 * (both ends rekeyed at once): that one is current again. */
		s->sa = s->old_sa;
		s->old_sa.dh = NULL;
		memset(&s->old_sa, 0, sizeof(s->old_sa));
		loop_timer_stop(s->loop, &s->old_sa_timer);
		ike_session_reschedule_ipsec(s);
		return;
	}
	loop_timer_stop(s->loop, &s->ipsec_rekey_timer);
	loop_timer_stop(s->loop, &s->ipsec_expire_timer);
	/* A gateway that drops the SA at once (cannot install it) would make
	 * us loop through Quick Modes: give up then; otherwise renegotiate. */
	if (age_ms < 60000) {
		ike_session_fail(s, IKE_FAIL_DELETED, 0,
		                 "gateway deleted the IPsec SA %llu ms after creating it",
		                 (unsigned long long)age_ms);
		return;
	}
	if (s->state == IKE_STATE_ESTABLISHED && !s->qm.in_progress && !s->tx_waiting)
		ike_qm_start(s, false);
}

void ike_session_p1_deleted_by_peer(struct ike_session *s, struct ike_p1 *p1)
{
	if (p1 == s->p1_old || p1 == s->p1_resp) {
		log_info(s->lg, LOG_IKE, "gateway deleted the %s ISAKMP SA",
		         p1 == s->p1_old ? "replaced" : "half-made");
		ike_rqm_forget_p1(s, p1);
		if (p1 == s->p1_old) {
			s->p1_old = NULL;
			s->p1_old_ours = false;
			loop_timer_stop(s->loop, &s->old_p1_timer);
		} else
			s->p1_resp = NULL;
		ike_mm_free(p1);
		return;
	}
	if (p1 == s->p1_next) {
		ike_session_rekey_ike_failed(s, "gateway deleted the new ISAKMP SA");
		return;
	}
	if (s->p1_next && s->p1_next->state == P1_DONE)
		return;
	if (s->state == IKE_STATE_STOPPING)
		return;
	if (p1 == s->p1 && s->p1_resp) {
		/* charon's IKEv1 reauthentication deletes the old ISAKMP SA
		 * while its new Main Mode towards us still runs (after MM4).
		 * The IPsec SAs do not depend on it (RFC 2409 §5.7): keep them;
		 * the gateway's new ISAKMP SA takes over when MM6 is out. */
		log_info(s->lg, LOG_IKE, "gateway deleted the ISAKMP SA it is replacing");
		p1->deleted = true;
		return;
	}
	ike_session_fail(s, IKE_FAIL_DELETED, 0, "gateway deleted the ISAKMP SA");
}

void ike_rekey_init_timers(struct ike_session *s)
{
	loop_timer_init(&s->ike_rekey_timer, on_ike_rekey, s);
	loop_timer_init(&s->ipsec_rekey_timer, on_ipsec_rekey, s);
	loop_timer_init(&s->ipsec_expire_timer, on_ipsec_expire, s);
	loop_timer_init(&s->old_sa_timer, on_old_sa, s);
	loop_timer_init(&s->old_p1_timer, on_old_p1, s);
	loop_timer_init(&s->hint_timer, on_hint, s);
}
