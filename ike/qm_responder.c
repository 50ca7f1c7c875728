/* Quick Mode as responder (RFC 2409 §5.5): the gateway rekeys the IPsec SA
 * itself (strongSwan on soft expiry, MikroTik every 30 min, RRAS on byte
 * lifetimes, and charon's IKEv1 reauthentication on the new ISAKMP SA):
 *                     <- QM1 HDR*, HASH(1), SA, Ni, [KE,] [IDci, IDcr,] [NAT-OA...]
 *   QM2 HDR*, HASH(2), SA, Nr, [KE,] [IDci, IDcr,] [NAT-OA...] ->
 *                     <- QM3 HDR*, HASH(3)
 * Each exchange has its own slot keyed by message ID, so that one running
 * beside our own Quick Mode (a rekey collision) or on the ISAKMP SA being
 * replaced does not disturb it. QM2 is sent again when the same QM1 comes
 * again.
 *
 * The gateway installs both directions when QM2 arrives and sends on the
 * new SA right behind QM3 (charon as Quick Mode initiator), so an ESP
 * packet can arrive before QM3 is handled here. On a rekey the inbound
 * half is therefore handed over (cb.sa_inbound) before QM2 leaves, and the
 * whole pair when QM3 verifies (cb.sa_established moves outbound traffic
 * to it), as strongSwan does as responder: inbound SA at QM2, outbound at
 * QM3. A QM3 that never comes takes the inbound half away again. */
#include <string.h>

#include "ike/ike_int.h"
#include "ike/natt.h"
#include "lib/log.h"
#include "lib/util.h"

#define RQM_TIMEOUT_MS 30000 /* a QM3 that has not come by then never will */
#define RQM_SLOTS      (sizeof(((struct ike_session *)0)->rqm) / sizeof(struct ike_rqm))

static void rqm_clear(struct ike_rqm *r)
{
	ike_p2_clear(&r->p2);
	secure_clear(&r->pair, sizeof(r->pair));
	r->qm2_len = 0;
}

/* An exchange that will not complete: its inbound half goes as well. */
static void rqm_abandon(struct ike_session *s, struct ike_rqm *r)
{
	if (r->inbound_given && s->cb.sa_expired_or_deleted)
		s->cb.sa_expired_or_deleted(s->ctx, r->pair.in.spi, r->pair.out.spi);
	r->inbound_given = false;
	rqm_clear(r);
}

void ike_rqm_clear_all(struct ike_session *s)
{
	for (size_t i = 0; i < RQM_SLOTS; i++) {
		s->rqm[i].inbound_given = false;
		rqm_clear(&s->rqm[i]);
	}
}

void ike_rqm_abandon_all(struct ike_session *s)
{
	for (size_t i = 0; i < RQM_SLOTS; i++)
		rqm_abandon(s, &s->rqm[i]);
}

/* The ISAKMP SA p1 goes away: its responder exchanges with it. */
void ike_rqm_forget_p1(struct ike_session *s, const struct ike_p1 *p1)
{
	for (size_t i = 0; i < RQM_SLOTS; i++)
		if (s->rqm[i].p2.in_progress && s->rqm[i].p2.p1 == p1)
			rqm_abandon(s, &s->rqm[i]);
}

static void on_rqm_timer(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct ike_session *s = ctx;
	uint64_t now = loop_now_ms(loop);
	bool pending = false;

	for (size_t i = 0; i < RQM_SLOTS; i++) {
		struct ike_rqm *r = &s->rqm[i];

		if (!r->p2.in_progress)
			continue;
		if (now - r->p2.started_ms >= RQM_TIMEOUT_MS) {
			log_notice(s->lg, LOG_IKE, "gateway's Quick Mode %08x: no QM3, abandoned",
			           r->p2.msgid);
			rqm_abandon(s, r);
		} else {
			pending = true;
		}
	}
	if (pending)
		loop_timer_start(loop, t, 1000);
}

void ike_rqm_init_timer(struct ike_session *s)
{
	loop_timer_init(&s->rqm_timer, on_rqm_timer, s);
}

static struct ike_rqm *rqm_find(struct ike_session *s, const struct ike_p1 *p1, uint32_t msgid)
{
	for (size_t i = 0; i < RQM_SLOTS; i++)
		if (s->rqm[i].p2.in_progress && s->rqm[i].p2.p1 == p1 &&
		    s->rqm[i].p2.msgid == msgid)
			return &s->rqm[i];
	return NULL;
}

/* A free slot, or the oldest one: its gateway has moved on. */
static struct ike_rqm *rqm_slot(struct ike_session *s)
{
	struct ike_rqm *oldest = &s->rqm[0];

	for (size_t i = 0; i < RQM_SLOTS; i++) {
		if (!s->rqm[i].p2.in_progress)
			return &s->rqm[i];
		if (s->rqm[i].p2.started_ms < oldest->p2.started_ms)
			oldest = &s->rqm[i];
	}
	rqm_abandon(s, oldest);
	return oldest;
}

static void sha1(struct ike_session *s, const uint8_t *buf, size_t len, uint8_t out[20])
{
	const struct iov v = {buf, len};
	uint8_t h[IKE_MAX_HASH];

	memset(out, 0, 20);
	if (ike_hash(s->lib, IKE_HASH_SHA1, &v, 1, h) == 0)
		memcpy(out, h, 20);
}

/* One of our ESP transforms, with the encapsulation we use and, when the
 * gateway asks for PFS, a group we support (RFC 2409 §5.5: the KE is in
 * QM1 then). */
static bool transform_ok(struct ike_session *s, const struct isakmp_transform *t, bool have_ke,
                         struct ike_esp_alg *out)
{
	uint64_t encap = 0, auth = 0, bits = 0, group = 0;

	ike_isakmp_attr_get(t, IPSEC_ATTR_ENCAP, &encap);
	ike_isakmp_attr_get(t, IPSEC_ATTR_AUTH, &auth);
	ike_isakmp_attr_get(t, IPSEC_ATTR_KEY_LEN, &bits);
	ike_isakmp_attr_get(t, IPSEC_ATTR_GROUP, &group);
	if (encap != ike_qm_encap_mode(s) || (group != 0) != have_ke ||
	    (group && (group > 0xffff || !ike_dh_supported((uint16_t)group))))
		return false;
	for (size_t i = 0; i < s->esp_algs.n; i++) {
		const struct ike_esp_alg *a = &s->esp_algs.a[i];

		if (a->transform == t->id && a->auth_attr == auth && a->key_bits == bits) {
			*out = *a;
			out->group = (uint16_t)group;
			return true;
		}
	}
	return false;
}

/* The first acceptable transform of a lone ESP proposal (a proposal
 * number shared with AH would be a bundle we do not do). */
static int choose(struct ike_session *s, const struct isakmp_sa *sa, bool have_ke,
                  struct ike_rqm *r, struct isakmp_sa *answer)
{
	for (size_t i = 0; i < sa->nprop; i++) {
		const struct isakmp_proposal *p = &sa->prop[i];
		bool bundle = (i > 0 && sa->prop[i - 1].num == p->num) ||
		              (i + 1 < sa->nprop && sa->prop[i + 1].num == p->num);

		if (p->proto != PROTO_IPSEC_ESP || p->spi_len != 4 || bundle)
			continue;
		for (size_t k = 0; k < p->ntr; k++) {
			if (!transform_ok(s, &p->tr[k], have_ke, &r->p2.alg))
				continue;
			r->p2.group = r->p2.alg.group;
			r->p2.spi_out = get_be32(p->spi);
			ike_qm_take_lifetimes(s, &r->p2, &p->tr[k]);
			*answer = *sa;
			answer->nprop = 1;
			answer->prop[0] = *p;
			answer->prop[0].ntr = 1;
			answer->prop[0].tr[0] = p->tr[k];
			return 0;
		}
	}
	return -1;
}

static int new_spi(struct ike_session *s, uint32_t *spi)
{
	do {
		if (random_bytes(spi, 4))
			return -1;
	} while (*spi < 256 || *spi == s->sa.spi_in || *spi == s->old_sa.spi_in ||
	         *spi == s->qm.spi_in);
	return 0;
}

struct qm2_arg {
	struct ike_session *s;
	struct ike_rqm *r;
	const struct isakmp_sa *sa;
	const struct isakmp_msg *qm1;
	const uint8_t *ke;
	size_t ke_len;
};

static void fill_qm2(struct isakmp_builder *b, void *argp)
{
	struct qm2_arg *a = argp;

	ike_isakmp_pl_begin(b, ISAKMP_NP_SA);
	ike_isakmp_write_sa_body(&b->w, a->sa);
	ike_isakmp_pl_end(b);
	ike_isakmp_pl_add(b, ISAKMP_NP_NONCE, a->r->p2.ni, sizeof(a->r->p2.ni));
	if (a->ke_len)
		ike_isakmp_pl_add(b, ISAKMP_NP_KE, a->ke, a->ke_len);
	/* §5.5: the identities come back as they were sent. */
	for (size_t i = 0; i < ike_isakmp_count(a->qm1, ISAKMP_NP_ID) && i < 2; i++) {
		const struct isakmp_payload *id = ike_isakmp_find(a->qm1, ISAKMP_NP_ID, i);

		ike_isakmp_pl_add(b, ISAKMP_NP_ID, id->body, id->len);
	}
	if (ike_isakmp_count(a->qm1, ike_natt_natoa_type(a->s->natt)))
		ike_qm_write_natoa(a->s, b, true);
}

/* Our half of the keys: the PFS exchange, then KEYMAT for both SPIs. */
static int rqm_keys(struct ike_session *s, struct ike_rqm *r, const struct isakmp_payload *ke,
                    uint8_t *our_ke, size_t *our_ke_len)
{
	uint8_t gxy[IKE_MAX_DH];
	size_t gxy_len = 0;
	int rc;

	*our_ke_len = 0;
	if (r->p2.group) {
		*our_ke_len = IKE_MAX_DH;
		gxy_len = sizeof(gxy);
		r->p2.dh = ike_dh_new(s->lib, r->p2.group);
		if (!r->p2.dh || ike_dh_public(r->p2.dh, our_ke, our_ke_len) ||
		    ike_dh_shared(r->p2.dh, ke->body, ke->len, gxy, &gxy_len))
			return -1;
	}
	rc = ike_qm_keymat(s, r->p2.p1, &r->p2, gxy, gxy_len, &r->pair);
	secure_clear(gxy, sizeof(gxy));
	return rc;
}

static void refuse(struct ike_session *s, struct ike_p1 *p1, const char *why)
{
	uint8_t spi[16];

	log_warn(s->lg, LOG_IKE, "gateway's Quick Mode refused: %s", why);
	memcpy(spi, p1->icookie, 8);
	memcpy(spi + 8, p1->rcookie, 8);
	ike_info_send_notify(s, p1, PROTO_ISAKMP, spi, 16, N_NO_PROPOSAL_CHOSEN, NULL, 0);
}

/* QM1 verified (HASH(1)): choose, answer with QM2, wait for QM3. */
static void rqm_answer(struct ike_session *s, struct ike_p1 *p1, struct ike_rqm *r,
                       const struct isakmp_msg *m, const uint8_t *iv)
{
	const struct isakmp_payload *sap = ike_isakmp_find(m, ISAKMP_NP_SA, 0);
	const struct isakmp_payload *ni = ike_isakmp_find(m, ISAKMP_NP_NONCE, 0);
	const struct isakmp_payload *ke = ike_isakmp_find(m, ISAKMP_NP_KE, 0);
	struct isakmp_sa *sa = calloc(2, sizeof(*sa));
	uint8_t our_ke[IKE_MAX_DH];
	struct qm2_arg arg = {s, r, sa ? sa + 1 : NULL, m, our_ke, 0};
	uint16_t notify;

	if (!sa || !sap || !ni || ni->len < 8 || ni->len > sizeof(r->p2.nr) ||
	    ike_isakmp_parse_sa(sap->body, sap->len, sa, &notify)) {
		free(sa);
		ike_session_drop(s, "gateway's QM1 lacks a valid SA or nonce");
		return;
	}
	r->p2.p1 = p1;
	r->p2.responder = true;
	r->p2.msgid = m->hdr.msgid;
	memcpy(r->p2.iv, iv, sizeof(r->p2.iv));
	if (choose(s, sa, ke != NULL, r, sa + 1)) {
		free(sa);
		rqm_clear(r);
		refuse(s, p1, "no ESP transform, encapsulation or PFS group we accept");
		return;
	}
	memcpy(r->p2.nr, ni->body, ni->len);
	r->p2.nr_len = ni->len;
	if (s->floated)
		ike_qm_take_natoa(s, &r->p2, m);
	if (new_spi(s, &r->p2.spi_in) || random_bytes(r->p2.ni, sizeof(r->p2.ni)) ||
	    rqm_keys(s, r, ke, our_ke, &arg.ke_len)) {
		free(sa);
		rqm_clear(r);
		refuse(s, p1, "cannot make keys (bad KE?)");
		return;
	}
	put_be32(sa[1].prop[0].spi, r->p2.spi_in);
	/* HASH(2) = prf(SKEYID_a, M-ID | Ni_b | SA | Nr [| KE] [| IDci | IDcr]) */
	r->qm2_len = ike_p2_build_extra(s, p1, ISAKMP_XCHG_QUICK, r->p2.msgid, r->p2.iv, r->p2.nr,
	                                r->p2.nr_len, fill_qm2, &arg, r->qm2, sizeof(r->qm2));
	free(sa);
	secure_clear(our_ke, sizeof(our_ke));
	if (!r->qm2_len) {
		rqm_clear(r);
		log_warn(s->lg, LOG_IKE, "cannot build QM2 for the gateway's Quick Mode");
		return;
	}
	r->p2.in_progress = true;
	r->p2.started_ms = loop_now_ms(s->loop);
	ike_qm_fill_pair(s, &r->p2, &r->pair);
	log_info(s->lg, LOG_IKE, "gateway started Quick Mode %08x: answering with %s%s%s",
	         r->p2.msgid, r->p2.group ? "PFS " : "",
	         r->p2.group ? ike_dh_name(r->p2.group) : "", r->p2.group ? "" : "no PFS");
	/* A rekey: inbound first (see the top of this file). The first pair
	 * of a session is never the gateway's. */
	if (s->sa.established && s->cb.sa_inbound) {
		s->cb.sa_inbound(s->ctx, &r->pair, false);
		r->inbound_given = true;
	}
	ike_net_send_once(s, r->qm2, r->qm2_len);
	loop_timer_start(s->loop, &s->rqm_timer, 1000);
}

/* QM3: HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b), Ni_b the
 * gateway's nonce here. */
static void rqm_finish(struct ike_session *s, struct ike_rqm *r, const uint8_t *buf,
                       const struct isakmp_hdr *hdr)
{
	struct ike_p1 *p1 = r->p2.p1;
	uint8_t plain[ISAKMP_MAX_MSG], iv[IKE_MAX_BLOCK], want[IKE_MAX_HASH];
	struct isakmp_msg m;
	uint16_t notify;

	memcpy(iv, r->p2.iv, sizeof(iv));
	if (!(hdr->flags & ISAKMP_FLAG_ENC) ||
	    ike_decrypt_msg(s->lib, &p1->keys, p1->alg.enc, iv, buf, hdr->len, plain) ||
	    ike_isakmp_parse_payloads(hdr->next, plain, hdr->len - ISAKMP_HDR_LEN, true, &m,
	                              &notify) ||
	    m.count < 1 || m.pl[0].type != ISAKMP_NP_HASH || m.pl[0].len != p1->keys.prf_len ||
	    ike_qm_hash3(s->lib, &p1->keys, r->p2.msgid, r->p2.nr, r->p2.nr_len, r->p2.ni,
	                 sizeof(r->p2.ni), want) ||
	    secure_memcmp(want, m.pl[0].body, m.pl[0].len)) {
		ike_session_drop(s, "QM3 of the gateway's Quick Mode %08x does not verify",
		                 r->p2.msgid);
		return;
	}
	struct esp_sa_pair pair = r->pair;

	r->p2.in_progress = false;
	r->inbound_given = false;
	ike_session_qm_done(s, &r->p2, &pair);
	secure_clear(&pair, sizeof(pair));
	rqm_clear(r);
}

bool ike_rqm_recv(struct ike_session *s, struct ike_p1 *p1, const uint8_t *buf, size_t len)
{
	uint8_t plain[ISAKMP_MAX_MSG], iv[IKE_MAX_BLOCK], h[20];
	struct isakmp_msg m;
	struct ike_rqm *r;

	if (ike_isakmp_parse_hdr(buf, len, &m.hdr) || !(m.hdr.flags & ISAKMP_FLAG_ENC) ||
	    m.hdr.msgid == 0) {
		ike_session_drop(s, "Quick Mode message not encrypted or without message ID");
		return false;
	}
	sha1(s, buf, m.hdr.len, h);
	r = rqm_find(s, p1, m.hdr.msgid);
	if (r && memcmp(h, r->p2.qm1_hash, 20) == 0) {
		log_debug(s->lg, LOG_IKE, "gateway's QM1 %08x again: resending QM2", m.hdr.msgid);
		ike_net_send_once(s, r->qm2, r->qm2_len);
		return true;
	}
	if (r) {
		rqm_finish(s, r, buf, &m.hdr);
		return true;
	}
	/* A new QM1: IV from the last phase 1 block and the M-ID (App. B). */
	if (ike_iv_p2(s->lib, p1->alg.hash, p1->iv, p1->block, m.hdr.msgid, iv) ||
	    ike_p2_open(s, p1, buf, len, iv, NULL, 0, plain, &m)) {
		ike_session_drop(s, "Quick Mode %08x does not verify (HASH(1))", m.hdr.msgid);
		return false;
	}
	/* RFC 2408 §3.1: message IDs are used once; a recorded QM1 sent
	 * again would only hold a slot until it times out. */
	if (ike_p1_msgid_seen(p1, m.hdr.msgid)) {
		ike_session_drop(s, "Quick Mode %08x seen before (replay or our own)", m.hdr.msgid);
		return false;
	}
	r = rqm_slot(s);
	memcpy(r->p2.qm1_hash, h, 20);
	rqm_answer(s, p1, r, &m, iv);
	return true;
}
