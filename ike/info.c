/* Informational exchanges (RFC 2408 §4.8, RFC 2409 §5.7): notifications and
 * deletes, encrypted under the ISAKMP SA with HASH(1), or plain before the
 * keys exist; Dead Peer Detection (RFC 3706). Also the phase 2 message
 * framing shared with Quick Mode. */
#include <stdio.h>
#include <string.h>

#include "ike/ike_int.h"
#include "lib/log.h"
#include "lib/util.h"

uint32_t ike_p2_new_msgid(void)
{
	uint32_t id = 0;

	while (id == 0)
		if (random_bytes(&id, sizeof(id)))
			return 0x5a5a5a5a; /* RAND failed: predictable but valid */
	return id;
}

size_t ike_p2_build(struct ike_session *s, struct ike_p1 *p1, uint8_t exchange, uint32_t msgid,
                    uint8_t *iv, p2_fill_fn fill, void *arg, uint8_t *out, size_t cap)
{
	return ike_p2_build_extra(s, p1, exchange, msgid, iv, NULL, 0, fill, arg, out, cap);
}

size_t ike_p2_build_extra(struct ike_session *s, struct ike_p1 *p1, uint8_t exchange,
                          uint32_t msgid, uint8_t *iv, const uint8_t *extra, size_t extra_len,
                          p2_fill_fn fill, void *arg, uint8_t *out, size_t cap)
{
	struct isakmp_builder b;
	struct isakmp_hdr h = {.exchange = exchange, .flags = ISAKMP_FLAG_ENC, .msgid = msgid};
	size_t hl = p1->keys.prf_len, hash_off, after, len;
	uint8_t mid[4];

	memcpy(h.icookie, p1->icookie, 8);
	memcpy(h.rcookie, p1->rcookie, 8);
	ike_isakmp_build_begin(&b, out, cap, &h);
	ike_isakmp_pl_begin(&b, ISAKMP_NP_HASH);
	hash_off = b.w.len;
	bw_zero(&b.w, hl);
	ike_isakmp_pl_end(&b);
	after = b.w.len;
	fill(&b, arg);
	len = ike_isakmp_build_end(&b);
	if (!len)
		return 0;
	/* HASH(1) = prf(SKEYID_a, M-ID | everything after the HASH payload);
	 * HASH(2) has Ni_b after M-ID. */
	put_be32(mid, msgid);
	const struct iov v[] = {{mid, 4}, {extra, extra_len}, {out + after, len - after}};

	if (ike_prf(s->lib, p1->alg.hash, p1->keys.skeyid_a, hl, v, 3, out + hash_off))
		return 0;
	return ike_encrypt_msg(s->lib, &p1->keys, p1->alg.enc, iv, out, len, cap);
}

int ike_p2_open(struct ike_session *s, struct ike_p1 *p1, const uint8_t *buf, size_t len,
                uint8_t *iv, const uint8_t *extra, size_t extra_len, uint8_t *plain,
                struct isakmp_msg *msg)
{
	uint8_t tmp_iv[IKE_MAX_BLOCK], want[IKE_MAX_HASH], mid[4];
	const struct isakmp_payload *hash;
	uint16_t notify;
	size_t after;

	if (ike_isakmp_parse_hdr(buf, len, &msg->hdr) || !(msg->hdr.flags & ISAKMP_FLAG_ENC))
		return -1;
	memcpy(tmp_iv, iv, sizeof(tmp_iv));
	if (ike_decrypt_msg(s->lib, &p1->keys, p1->alg.enc, tmp_iv, buf, msg->hdr.len, plain) ||
	    ike_isakmp_parse_payloads(msg->hdr.next, plain, msg->hdr.len - ISAKMP_HDR_LEN, true,
	                              msg, &notify))
		return -1;
	/* RFC 2409 §5.5/§5.7: the HASH payload comes first. */
	hash = msg->count ? &msg->pl[0] : NULL;
	if (!hash || hash->type != ISAKMP_NP_HASH || hash->len != p1->keys.prf_len ||
	    hash->raw != plain)
		return -1;
	after = hash->raw_len;
	put_be32(mid, msg->hdr.msgid);
	const struct iov v[] = {
	    {mid, 4}, {extra, extra_len}, {plain + after, msg->chain_len - after}};

	if (ike_prf(s->lib, p1->alg.hash, p1->keys.skeyid_a, p1->keys.prf_len, v, 3, want) ||
	    secure_memcmp(want, hash->body, hash->len))
		return -1;
	memcpy(iv, tmp_iv, sizeof(tmp_iv));
	return 0;
}

struct notify_arg {
	const struct isakmp_notify *n;
	const struct isakmp_delete *d;
};

static void fill_info(struct isakmp_builder *b, void *arg)
{
	const struct notify_arg *a = arg;

	if (a->n) {
		ike_isakmp_pl_begin(b, ISAKMP_NP_N);
		ike_isakmp_write_notify(&b->w, a->n);
		ike_isakmp_pl_end(b);
	}
	if (a->d) {
		ike_isakmp_pl_begin(b, ISAKMP_NP_D);
		ike_isakmp_write_delete(&b->w, a->d);
		ike_isakmp_pl_end(b);
	}
}

static int info_send(struct ike_session *s, struct ike_p1 *p1, struct notify_arg *a)
{
	uint8_t msg[ISAKMP_MAX_MSG], iv[IKE_MAX_BLOCK];
	uint32_t msgid = ike_p2_new_msgid();
	size_t len;

	if (!p1 || p1->state < P1_MM5_SENT || p1->deleted ||
	    ike_iv_p2(s->lib, p1->alg.hash, p1->iv, p1->block, msgid, iv))
		return -1;
	len = ike_p2_build(s, p1, ISAKMP_XCHG_INFO, msgid, iv, fill_info, a, msg, sizeof(msg));
	ike_p1_msgid_note(p1, msgid);
	return len ? ike_net_send_once(s, msg, len) : -1;
}

int ike_info_send_notify(struct ike_session *s, struct ike_p1 *p1, uint8_t proto,
                         const uint8_t *spi, size_t spi_len, uint16_t type, const uint8_t *data,
                         size_t data_len)
{
	struct isakmp_notify n = {IPSEC_DOI, proto, (uint8_t)spi_len, type, spi, data, data_len};
	struct notify_arg a = {&n, NULL};

	return info_send(s, p1, &a);
}

int ike_info_send_delete(struct ike_session *s, struct ike_p1 *p1, uint8_t proto,
                         const uint8_t *spi, size_t spi_len)
{
	struct isakmp_delete d = {IPSEC_DOI, proto, (uint8_t)spi_len, 1, spi};
	struct notify_arg a = {NULL, &d};

	return info_send(s, p1, &a);
}

static void cookies(const struct ike_p1 *p1, uint8_t spi[16])
{
	memcpy(spi, p1->icookie, 8);
	memcpy(spi + 8, p1->rcookie, 8);
}

/* Which pair a RESPONDER-LIFETIME names: its SPI is one of the pair's
 * (RFC 2407 §4.6.3.1 leaves open whose; strongSwan sends the one it
 * chose, Libreswan ours); without one, the Quick Mode running or the
 * current pair. */
static struct ike_p2 *lifetime_target(struct ike_session *s, const struct isakmp_notify *n)
{
	struct ike_p2 *cands[] = {&s->qm, &s->sa};

	if (n->spi_len == 4) {
		uint32_t spi = get_be32(n->spi);

		for (size_t i = 0; i < ARRAY_SIZE(cands); i++)
			if ((cands[i]->in_progress || cands[i]->established) &&
			    (cands[i]->spi_in == spi || cands[i]->spi_out == spi))
				return cands[i];
	}
	return s->qm.in_progress ? &s->qm : &s->sa;
}

static int parse_lifetime_attrs(const struct isakmp_notify *n, struct isakmp_transform *t)
{
	struct buf_reader r;

	memset(t, 0, sizeof(*t));
	br_init(&r, n->data, n->data_len);
	while (br_remaining(&r) >= 4 && t->nattr < ISAKMP_MAX_ATTRS) {
		uint16_t at, val;

		br_u16(&r, &at);
		br_u16(&r, &val);
		if (at & 0x8000) {
			t->attr[t->nattr++] = (struct isakmp_attr){at & 0x7fff, true, val};
		} else {
			const uint8_t *p;
			uint64_t v = 0;

			if (val == 0 || val > 8 || br_ptr(&r, &p, val))
				return -1;
			for (uint16_t i = 0; i < val; i++)
				v = v << 8 | p[i];
			t->attr[t->nattr++] = (struct isakmp_attr){at, false, v};
		}
	}
	return 0;
}

/* RESPONDER-LIFETIME (RFC 2407 §4.6.3.1): attributes as in the SA, for
 * an ESP pair or (proto ISAKMP) the ISAKMP SA. The shorter lifetime wins
 * and the rekey and expiry timers follow it at once. */
void ike_info_responder_lifetime(struct ike_session *s, struct ike_p1 *p1,
                                 const struct isakmp_notify *n)
{
	struct isakmp_transform t;
	struct ike_p2 *p2 = lifetime_target(s, n);
	uint64_t type = 0, v;
	bool changed = false;

	if (parse_lifetime_attrs(n, &t))
		return;
	for (size_t i = 0; i < t.nattr; i++) {
		v = t.attr[i].value;
		/* Both DOIs number life type 1 and duration 2 alike. */
		if (t.attr[i].type == IPSEC_ATTR_LIFE_TYPE) {
			type = v;
			continue;
		}
		if (t.attr[i].type != IPSEC_ATTR_LIFE_DURATION || !v)
			continue;
		log_info(s->lg, LOG_IKE, "gateway's RESPONDER-LIFETIME for the %s SA: %llu %s",
		         n->proto == PROTO_ISAKMP ? "ISAKMP" : "IPsec", (unsigned long long)v,
		         type == LIFE_TYPE_KB ? "KB" : "s");
		if (n->proto == PROTO_ISAKMP && p1 && type == LIFE_TYPE_SECONDS &&
		    v < p1->lifetime_s) {
			p1->lifetime_s = (uint32_t)v;
			changed = true;
		} else if (n->proto == PROTO_IPSEC_ESP && type == LIFE_TYPE_SECONDS &&
		           v < p2->life_s) {
			p2->life_s = (uint32_t)v;
			changed = true;
		} else if (n->proto == PROTO_IPSEC_ESP && type == LIFE_TYPE_KB &&
		           (!p2->life_kb || v < p2->life_kb)) {
			p2->life_kb = v;
		}
	}
	if (!changed)
		return;
	if (n->proto == PROTO_ISAKMP && p1 == s->p1 && p1->state == P1_DONE)
		ike_session_reschedule_ike(s);
	else if (n->proto == PROTO_IPSEC_ESP && p2 == &s->sa)
		ike_session_reschedule_ipsec(s);
}

/* RFC 2408 §3.1: a message ID is used once per ISAKMP SA. A recorded
 * authenticated message sent again is a replay, and one of ours sent back
 * at us a reflection (both directions share the keys in IKEv1): drop them.
 * The last ARRAY_SIZE(info_seen) IDs either way are remembered. */
bool ike_p1_msgid_seen(struct ike_p1 *p1, uint32_t msgid)
{
	for (size_t i = 0; i < ARRAY_SIZE(p1->info_seen); i++)
		if (p1->info_seen[i] == msgid)
			return true;
	ike_p1_msgid_note(p1, msgid);
	return false;
}

void ike_p1_msgid_note(struct ike_p1 *p1, uint32_t msgid)
{
	p1->info_seen[p1->info_seen_next] = msgid;
	p1->info_seen_next = (p1->info_seen_next + 1) % ARRAY_SIZE(p1->info_seen);
}

/* The gateway refused our Quick Mode offer with PFS: once, offer the same
 * without PFS (a gateway configured without it refuses a KE). */
static bool qm_retry_without_pfs(struct ike_session *s)
{
	bool rekey = s->stage == IKE_STAGE_REKEY_IPSEC;

	if (!s->qm.in_progress || !s->qm.group || s->pfs_retried || !s->p1 ||
	    s->p1->state != P1_DONE)
		return false;
	log_notice(s->lg, LOG_IKE, "gateway refused Quick Mode with PFS %s: retrying without PFS",
	           ike_dh_name(s->qm.group));
	s->pfs_retried = true;
	s->pfs_group = 0;
	ike_net_answered(s);
	ike_qm_start(s, rekey);
	return true;
}

static void on_notify(struct ike_session *s, struct ike_p1 *p1, const struct isakmp_notify *n,
                      bool authenticated)
{
	const char *name = ike_notify_name(n->type);
	uint8_t spi[16];

	if (!authenticated) {
		/* A plain notification is anyone's to send (its cookies travel
		 * in the clear): it changes nothing. During the first Main
		 * Mode it is the only way a gateway can refuse us, so there it
		 * becomes the failure reported unless a valid answer follows. */
		if (n->type < 8192 && p1 == s->p1 && p1->state != P1_DONE)
			ike_session_hint(s, IKE_FAIL_NOTIFY, n->type, "gateway sent %s",
			                 name ? name : "an error");
		else
			ike_session_drop(s, "plaintext notification %u", n->type);
		return;
	}
	switch (n->type) {
	case N_DPD_R_U_THERE:
		if (n->data_len == 4) {
			cookies(p1, spi);
			ike_info_send_notify(s, p1, PROTO_ISAKMP, spi, 16, N_DPD_R_U_THERE_ACK,
			                     n->data, 4);
		}
		return;
	case N_DPD_R_U_THERE_ACK:
		if (n->data_len != 4)
			return;
		if (get_be32(n->data) == s->dpd_seq)
			s->dpd_outstanding = 0;
		if (s->ping_seq && get_be32(n->data) == s->ping_seq) {
			s->ping_seq = 0;
			if (s->cb.ping_answered)
				s->cb.ping_answered(s->ctx);
		}
		return;
	case N_RESPONDER_LIFETIME:
		ike_info_responder_lifetime(s, p1, n);
		return;
	case N_INITIAL_CONTACT:
	case N_REPLAY_STATUS:
		return;
	default:
		break;
	}
	if (n->type >= 8192) {
		log_debug(s->lg, LOG_IKE, "gateway status notification %u ignored", n->type);
		return;
	}
	if (n->type == N_NO_PROPOSAL_CHOSEN && qm_retry_without_pfs(s))
		return;
	if (p1 != s->p1) {
		/* About a rekey's ISAKMP SA, or one being replaced. */
		log_warn(s->lg, LOG_IKE, "gateway sent %s on an ISAKMP SA being replaced",
		         name ? name : "an error");
		if (p1 == s->p1_next && p1->state != P1_DONE)
			ike_session_rekey_ike_failed(s, name ? name : "error notification");
		return;
	}
	if (p1->state != P1_DONE || s->qm.in_progress || s->state != IKE_STATE_ESTABLISHED) {
		ike_session_fail(s, IKE_FAIL_NOTIFY, n->type, "gateway sent %s",
		                 name ? name : "an error");
		return;
	}
	log_warn(s->lg, LOG_IKE, "gateway sent %s (type %u)", name ? name : "an error", n->type);
}

static void on_delete(struct ike_session *s, struct ike_p1 *p1, const struct isakmp_delete *d)
{
	for (uint16_t i = 0; i < d->nspi; i++) {
		const uint8_t *spi = d->spis + (size_t)i * d->spi_len;

		if (d->proto == PROTO_ISAKMP) {
			if (memcmp(spi, p1->icookie, 8) == 0 &&
			    memcmp(spi + 8, p1->rcookie, 8) == 0)
				ike_session_p1_deleted_by_peer(s, p1);
			return; /* p1 may be gone */
		}
		if (d->proto == PROTO_IPSEC_ESP)
			ike_session_sa_deleted_by_peer(s, get_be32(spi));
	}
}

void ike_info_recv(struct ike_session *s, struct ike_p1 *p1, const uint8_t *buf, size_t len)
{
	uint8_t plain[ISAKMP_MAX_MSG], iv[IKE_MAX_BLOCK];
	struct isakmp_msg m;
	uint16_t notify;
	bool auth = false;

	if (ike_isakmp_parse_hdr(buf, len, &m.hdr))
		return;
	if (!(m.hdr.flags & ISAKMP_FLAG_ENC)) {
		if (ike_isakmp_parse_plain(buf, len, &m, &notify)) {
			ike_session_drop(s, "plaintext informational does not parse");
			return;
		}
	} else {
		if (p1->state < P1_MM5_SENT ||
		    ike_iv_p2(s->lib, p1->alg.hash, p1->iv, p1->block, m.hdr.msgid, iv) ||
		    ike_p2_open(s, p1, buf, len, iv, NULL, 0, plain, &m)) {
			/* The gateway answers our MM5 with an encrypted error
			 * we cannot read: its keys differ from ours, which
			 * with PSK means the keys differ (charon, RRAS do it). */
			if (p1->state == P1_MM5_SENT && p1 == s->p1)
				ike_session_hint(
				    s, IKE_FAIL_AUTH, 0,
				    "gateway's answer to MM5 does not decrypt%s",
				    s->cfg.auth == IKE_AUTH_PSK ? " (wrong pre-shared key?)" : "");
			else
				ike_session_drop(s, "informational does not verify (HASH(1))");
			return;
		}
		if (ike_p1_msgid_seen(p1, m.hdr.msgid)) {
			ike_session_drop(s,
			                 "informational with message ID %08x seen before (replay)",
			                 m.hdr.msgid);
			return;
		}
		auth = true;
	}
	for (size_t i = 0; i < m.count; i++) {
		const struct isakmp_payload *pl = &m.pl[i];

		if (pl->type == ISAKMP_NP_N) {
			struct isakmp_notify n;

			if (ike_isakmp_parse_notify(pl->body, pl->len, &n) == 0)
				on_notify(s, p1, &n, auth);
		} else if (pl->type == ISAKMP_NP_D && auth) {
			struct isakmp_delete d;

			if (ike_isakmp_parse_delete(pl->body, pl->len, &d) == 0) {
				on_delete(s, p1, &d);
				return; /* the session may have changed under us */
			}
		}
		if (s->state == IKE_STATE_FAILED)
			return;
	}
}

/* The check runs up to a quarter interval late, with a wakeup made for
 * something else if one comes: at rest the answer to an LCP echo, which
 * proves the gateway alive, instead of a wakeup of its own and an
 * R-U-THERE sent just before that answer (issue 16). Late, not early:
 * never an R-U-THERE before a whole interval without inbound traffic. */
#define DPD_SLACK_MS(idle_ms) ((idle_ms) / 4)

static void dpd_arm(struct ike_session *s, uint64_t ms)
{
	uint64_t slack = DPD_SLACK_MS(s->cfg.dpd_interval_s * 1000u);

	loop_timer_start_slack(s->loop, &s->dpd_timer, ms + slack, slack);
}

/* Inbound traffic: the pending check moves to an interval from now, so that
 * it makes no wakeup of its own just to find the gateway alive. */
void ike_dpd_defer(struct ike_session *s)
{
	uint64_t idle_ms = s->cfg.dpd_interval_s * 1000u;

	loop_timer_defer(s->loop, &s->dpd_timer, s->last_inbound_ms,
	                 idle_ms + DPD_SLACK_MS(idle_ms), DPD_SLACK_MS(idle_ms));
}

static void on_dpd(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct ike_session *s = ctx;
	uint8_t spi[16], seq[4];

	uint64_t now = loop_now_ms(loop), idle_ms = s->cfg.dpd_interval_s * 1000u;

	if (s->state != IKE_STATE_ESTABLISHED || !s->p1)
		return;
	/* RFC 3706 §5.5: traffic from the gateway proves it alive; ask only
	 * after a whole interval without any. */
	if (s->last_inbound_ms && now - s->last_inbound_ms < idle_ms) {
		s->dpd_outstanding = 0;
		dpd_arm(s, s->last_inbound_ms + idle_ms - now);
		return;
	}
	/* Idle, but checked early on another wakeup, maybe the LCP echo's
	 * timer whose answer, proof of life, is yet to come: look again at
	 * each wakeup until the deadline, and ask only then. */
	if (now < t->expires_ms) {
		loop_timer_start_slack(loop, t, t->expires_ms - now, t->expires_ms - now);
		return;
	}
	if (s->dpd_outstanding >= s->cfg.dpd_tries) {
		ike_session_set_stage(s, IKE_STAGE_DPD);
		ike_session_fail(s, IKE_FAIL_DPD, 0, "no R-U-THERE-ACK for %u requests",
		                 (unsigned)s->dpd_outstanding);
		return;
	}
	/* RFC 3706 §7: a new sequence number for every R-U-THERE. */
	s->dpd_seq++;
	put_be32(seq, s->dpd_seq);
	cookies(s->p1, spi);
	ike_info_send_notify(s, s->p1, PROTO_ISAKMP, spi, 16, N_DPD_R_U_THERE, seq, 4);
	s->dpd_outstanding++;
	/* Unanswered requests are repeated faster than the idle interval. */
	if (s->dpd_outstanding > 1)
		loop_timer_start(loop, t, MIN(5000u, idle_ms));
	else
		dpd_arm(s, idle_ms);
}

static void dpd_seq_init(struct ike_session *s)
{
	if (random_bytes(&s->dpd_seq, sizeof(s->dpd_seq)))
		s->dpd_seq = 1;
	s->dpd_seq &= 0x7fffffff; /* room to count up */
	s->dpd_seq |= 1;          /* never 0: ping_seq uses 0 for none */
}

int ike_ping(struct ike_session *s)
{
	uint8_t spi[16], seq[4];

	if (!s->peer_dpd || !s->p1 ||
	    (s->state != IKE_STATE_ESTABLISHED && s->state != IKE_STATE_PHASE1_DONE))
		return -1;
	if (!s->dpd_seq)
		dpd_seq_init(s);
	/* RFC 3706 §7: a new sequence number for every R-U-THERE; the
	 * periodic DPD counts on from here. */
	s->dpd_seq++;
	s->ping_seq = s->dpd_seq;
	put_be32(seq, s->dpd_seq);
	cookies(s->p1, spi);
	ike_info_send_notify(s, s->p1, PROTO_ISAKMP, spi, 16, N_DPD_R_U_THERE, seq, 4);
	return 0;
}

void ike_dpd_start(struct ike_session *s)
{
	if (!s->peer_dpd || !s->cfg.dpd_interval_s || loop_timer_pending(&s->dpd_timer))
		return;
	dpd_seq_init(s);
	s->dpd_outstanding = 0;
	dpd_arm(s, s->cfg.dpd_interval_s * 1000u);
}

void ike_dpd_init_timer(struct ike_session *s)
{
	loop_timer_init(&s->dpd_timer, on_dpd, s);
}
