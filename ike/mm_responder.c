/* Main Mode as responder (RFC 2409 §5, RFC 3947 §3): the gateway replaces
 * the ISAKMP SA itself (strongSwan's IKEv1 rekey is a reauthentication with
 * a new Main Mode from its side; Libreswan, FortiGate and MikroTik do it
 * too):
 *                                <- MM1 HDR, SA, VID...
 *   MM2 HDR, SA, VID...          ->
 *                                <- MM3 HDR, KE, Ni, [CR,] NAT-D
 *   MM4 HDR, KE, Nr, [CR,] NAT-D ->
 *                                <- MM5 HDR*, IDii, [CERT,] HASH_I/SIG_I
 *   MM6 HDR*, IDir, [CERT,] HASH_R/SIG_R ->
 * with the proposals we accept as initiator. The new SA becomes current
 * when MM6 is out; the old one keeps answering (Quick Modes, DPD, deletes)
 * until the gateway deletes it, as Libreswan and strongSwan keep theirs.
 * Nothing here can end the session: a message that does not fit is dropped
 * and counted. */
#include <stdlib.h>
#include <string.h>

#include "ike/cert.h"
#include "ike/ike_int.h"
#include "ike/natt.h"
#include "lib/log.h"
#include "lib/util.h"

static void hash_of(struct ike_session *s, const uint8_t *buf, size_t len, uint8_t out[20])
{
	const struct iov v = {buf, len};
	uint8_t h[IKE_MAX_HASH];

	memset(out, 0, 20);
	if (ike_hash(s->lib, IKE_HASH_SHA1, &v, 1, h) == 0)
		memcpy(out, h, 20);
}

/* Send an answer and keep it for the gateway's retransmissions. */
static void answer(struct ike_session *s, struct ike_p1 *p1, const uint8_t *in, size_t in_len,
                   const uint8_t *msg, size_t len)
{
	if (len > sizeof(p1->resp_tx)) {
		log_warn(s->lg, LOG_IKE, "answer to the gateway's Main Mode too large");
		return;
	}
	memcpy(p1->resp_tx, msg, len);
	p1->resp_tx_len = len;
	hash_of(s, in, in_len, p1->resp_rx_hash);
	ike_net_send_once(s, msg, len);
}

static void p1_hdr(const struct ike_p1 *p1, struct isakmp_hdr *h, uint8_t flags)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->icookie, p1->icookie, 8);
	memcpy(h->rcookie, p1->rcookie, 8);
	h->exchange = ISAKMP_XCHG_IDPROT;
	h->flags = flags;
}

/* MM1: one ISAKMP proposal; the first of its transforms that is one of
 * ours (RFC 2409 §5: the responder picks exactly one). */
static int mmr_choose(struct ike_session *s, struct ike_p1 *p1, const struct isakmp_msg *m,
                      struct isakmp_sa *answer_sa)
{
	const struct isakmp_payload *pl = ike_isakmp_find(m, ISAKMP_NP_SA, 0);
	uint16_t notify;

	if (!pl || pl->len > sizeof(p1->sai_b) ||
	    ike_isakmp_parse_sa(pl->body, pl->len, answer_sa, &notify) || answer_sa->nprop != 1 ||
	    answer_sa->prop[0].proto != PROTO_ISAKMP)
		return -1;
	for (size_t i = 0; i < answer_sa->prop[0].ntr; i++) {
		if (ike_mm_match_transform(s, p1, &answer_sa->prop[0].tr[i]))
			continue;
		answer_sa->prop[0].tr[0] = answer_sa->prop[0].tr[i];
		answer_sa->prop[0].ntr = 1;
		/* SAi_b: the initiator's SA body, for HASH_I and HASH_R. */
		memcpy(p1->sai_b, pl->body, pl->len);
		p1->sai_len = pl->len;
		return 0;
	}
	return -1;
}

/* The gateway's MM1 announces IKE fragmentation and we use it: our answers
 * may then come in fragments, and we say so (strongSwan fragments towards a
 * responder only when it announced it too). */
static bool gateway_fragments(struct ike_session *s, const struct isakmp_msg *m)
{
	if (s->cfg.no_fragmentation)
		return false;
	for (size_t i = 0; i < ike_isakmp_count(m, ISAKMP_NP_VID); i++) {
		const struct isakmp_payload *pl = ike_isakmp_find(m, ISAKMP_NP_VID, i);

		if (ike_frag_vid_matches(pl->body, pl->len)) {
			s->peer_frag = true;
			return true;
		}
	}
	return false;
}

void ike_mmr_start(struct ike_session *s, const uint8_t *buf, size_t len)
{
	struct isakmp_sa *sa = calloc(1, sizeof(*sa));
	struct ike_p1 *p1 = ike_mm_new(s, true);
	struct isakmp_msg m;
	struct isakmp_builder b;
	struct isakmp_hdr h;
	uint8_t msg[ISAKMP_MAX_MSG];
	uint16_t notify;
	char algs[64];

	if (!sa || !p1 || ike_isakmp_parse_plain(buf, len, &m, &notify) || m.hdr.msgid != 0) {
		ike_session_drop(s, "gateway's MM1 does not parse");
		goto out;
	}
	p1->responder = true;
	/* Our cookie is the responder's; ike_mm_new made a random one. */
	memcpy(p1->rcookie, p1->icookie, 8);
	memcpy(p1->icookie, m.hdr.icookie, 8);
	if (mmr_choose(s, p1, &m, sa)) {
		ike_session_drop(s, "gateway's Main Mode offers nothing we accept");
		goto out;
	}
	p1_hdr(p1, &h, 0);
	ike_isakmp_build_begin(&b, msg, sizeof(msg), &h);
	ike_isakmp_pl_begin(&b, ISAKMP_NP_SA);
	ike_isakmp_write_sa_body(&b.w, sa);
	ike_isakmp_pl_end(&b);
	ike_natt_write_vids(&b);
	if (gateway_fragments(s, &m))
		ike_frag_write_vid(&b);
	len = ike_isakmp_build_end(&b);
	if (!len)
		goto out;
	/* One responder Main Mode at a time: a new MM1 replaces a stalled one. */
	ike_mm_free(s->p1_resp);
	s->p1_resp = p1;
	p1->state = P1_R_MM2_SENT;
	ike_p1_alg_str(&p1->alg, algs, sizeof(algs));
	log_info(s->lg, LOG_IKE, "gateway started Main Mode (ISAKMP SA rekey): chose %s", algs);
	answer(s, p1, buf, m.hdr.len, msg, len);
	p1 = NULL;
out:
	free(sa);
	ike_mm_free(p1);
}

static void natd_payloads(struct ike_session *s, struct ike_p1 *p1, struct isakmp_builder *b)
{
	uint8_t natd[IKE_MAX_HASH];
	size_t hl;

	if (s->natt == IKE_NATT_NONE)
		return;
	/* RFC 3947 §3.2: first the peer's address as we see it, then ours;
	 * forced encapsulation sends a random one for ours, as in MM3. */
	hl = ike_natt_hash(s->lib, p1->alg.hash, p1->icookie, p1->rcookie, ike_net_remote(s), natd);
	ike_isakmp_pl_add(b, ike_natt_natd_type(s->natt), natd, hl);
	hl = ike_natt_hash(s->lib, p1->alg.hash, p1->icookie, p1->rcookie, ike_net_local(s), natd);
	if (s->cfg.force_encaps && random_bytes(natd, hl))
		return;
	ike_isakmp_pl_add(b, ike_natt_natd_type(s->natt), natd, hl);
}

/* MM3 -> MM4: our KE and nonce; the keys. */
static void mmr_recv3(struct ike_session *s, struct ike_p1 *p1, const uint8_t *buf, size_t len)
{
	struct isakmp_msg m;
	struct isakmp_builder b;
	struct isakmp_hdr h;
	uint8_t msg[ISAKMP_MAX_MSG];
	uint16_t notify;
	const struct isakmp_payload *ke, *ni;

	if (ike_isakmp_parse_plain(buf, len, &m, &notify) ||
	    memcmp(m.hdr.rcookie, p1->rcookie, 8) != 0 ||
	    !(ke = ike_isakmp_find(&m, ISAKMP_NP_KE, 0)) ||
	    !(ni = ike_isakmp_find(&m, ISAKMP_NP_NONCE, 0)) ||
	    ke->len != ike_dh_pub_len(p1->alg.group) || ke->len > sizeof(p1->gxi) || ni->len < 8 ||
	    ni->len > sizeof(p1->nr)) {
		ike_session_drop(s, "gateway's MM3 lacks a valid KE or nonce");
		return;
	}
	memcpy(p1->gxi, ke->body, ke->len);
	p1->gxi_len = ke->len;
	memcpy(p1->nr, ni->body, ni->len);
	p1->nr_len = ni->len;
	p1->peer_cr = ike_isakmp_find(&m, ISAKMP_NP_CR, 0) != NULL;
	p1->dh = ike_dh_new(s->lib, p1->alg.group);
	p1->dh_group = p1->alg.group;
	p1->gxr_len = sizeof(p1->gxr);
	if (!p1->dh || ike_dh_public(p1->dh, p1->gxr, &p1->gxr_len) ||
	    random_bytes(p1->ni, sizeof(p1->ni)) || ike_mm_derive(s, p1)) {
		ike_session_drop(s, "gateway's MM3: no keys (bad KE?)");
		return;
	}
	p1_hdr(p1, &h, 0);
	ike_isakmp_build_begin(&b, msg, sizeof(msg), &h);
	ike_isakmp_pl_add(&b, ISAKMP_NP_KE, p1->gxr, p1->gxr_len);
	ike_isakmp_pl_add(&b, ISAKMP_NP_NONCE, p1->ni, sizeof(p1->ni));
	if (s->cfg.auth == IKE_AUTH_RSA_SIG)
		ike_cert_write_cr(&b, s->cfg.ca);
	natd_payloads(s, p1, &b);
	len = ike_isakmp_build_end(&b);
	if (!len)
		return;
	p1->state = P1_R_MM4_SENT;
	answer(s, p1, buf, m.hdr.len, msg, len);
}

/* MM5: the gateway proves who it is, as in MM6 of our own Main Mode. */
static int mmr_check5(struct ike_session *s, struct ike_p1 *p1, const struct isakmp_msg *m)
{
	const struct isakmp_payload *idp = ike_isakmp_find(m, ISAKMP_NP_ID, 0);
	const struct isakmp_payload *auth =
	    ike_isakmp_find(m, s->cfg.auth == IKE_AUTH_PSK ? ISAKMP_NP_HASH : ISAKMP_NP_SIG, 0);
	uint8_t hash[IKE_MAX_HASH];
	struct isakmp_id id;
	char who[300], err[160];
	uint16_t notify;

	if (!idp || !auth || ike_isakmp_parse_id(idp->body, idp->len, &id) ||
	    ike_mm_hash(s, p1, true, idp->body, idp->len, hash))
		return -1;
	ike_id_str(&id, who, sizeof(who));
	if (s->cfg.auth == IKE_AUTH_PSK) {
		if (auth->len != p1->keys.prf_len || secure_memcmp(auth->body, hash, auth->len))
			return -1;
	} else {
		/* The same trust rule as our own Main Mode's MM6 (security:
		 * the certificate must name the host typed, or remote-id). */
		struct cert_policy pol = {
		    .host = s->cfg.remote_id.type == IKE_ID_NONE ? s->cfg.gateway_host : NULL,
		    .crl_load = s->cfg.crl_load,
		    .crl_load_ctx = s->cfg.crl_load_ctx};

		if (ike_cert_verify_peer(s->lib, s->cfg.ca, m, &id, &pol, hash, ike_mm_hash_len(s, p1),
		                         auth->body, auth->len, err, sizeof(err), &notify)) {
			log_warn(s->lg, LOG_IKE, "gateway's Main Mode: %s (%s)", err, who);
			return -1;
		}
	}
	if (!ike_id_matches(&s->cfg.remote_id, &id)) {
		log_warn(s->lg, LOG_IKE, "gateway's Main Mode identifies it as %s: refused", who);
		return -1;
	}
	log_info(s->lg, LOG_IKE, "gateway's Main Mode: authenticated as %s", who);
	return 0;
}

static size_t mmr_build6(struct ike_session *s, struct ike_p1 *p1, uint8_t *msg, size_t cap)
{
	struct isakmp_builder b;
	struct isakmp_hdr h;
	struct isakmp_id id;
	struct buf_writer w;
	uint8_t idbuf[400], hash[IKE_MAX_HASH], sig[1024];
	size_t len, sig_len = sizeof(sig);

	if (ike_mm_local_id(s, &id, idbuf, sizeof(idbuf)))
		return 0;
	bw_init(&w, p1->idii_b, sizeof(p1->idii_b));
	ike_isakmp_write_id(&w, &id);
	p1->idii_len = w.len;
	if (!bw_ok(&w) || ike_mm_hash(s, p1, false, p1->idii_b, p1->idii_len, hash))
		return 0;
	p1_hdr(p1, &h, ISAKMP_FLAG_ENC);
	ike_isakmp_build_begin(&b, msg, cap, &h);
	ike_isakmp_pl_add(&b, ISAKMP_NP_ID, p1->idii_b, p1->idii_len);
	if (s->cfg.auth == IKE_AUTH_RSA_SIG) {
		ike_cert_write_cert(&b, s->cfg.cert);
		if (ike_cert_sign(s->lib, s->cfg.key, hash, ike_mm_hash_len(s, p1), sig, &sig_len))
			return 0;
		ike_isakmp_pl_add(&b, ISAKMP_NP_SIG, sig, sig_len);
	} else {
		ike_isakmp_pl_add(&b, ISAKMP_NP_HASH, hash, p1->keys.prf_len);
	}
	len = ike_isakmp_build_end(&b);
	/* The CBC chain goes on from MM5; after MM6 its last block is the
	 * base of every phase 2 IV (Appendix B). */
	return len ? ike_encrypt_msg(s->lib, &p1->keys, p1->alg.enc, p1->iv, msg, len, cap) : 0;
}

static void mmr_recv5(struct ike_session *s, struct ike_p1 *p1, const uint8_t *buf, size_t len)
{
	uint8_t plain[ISAKMP_MAX_MSG], iv[IKE_MAX_BLOCK], msg[ISAKMP_MAX_MSG];
	struct isakmp_msg m;
	uint16_t notify;

	memcpy(iv, p1->iv, sizeof(iv));
	if (ike_isakmp_parse_hdr(buf, len, &m.hdr) || !(m.hdr.flags & ISAKMP_FLAG_ENC) ||
	    memcmp(m.hdr.rcookie, p1->rcookie, 8) != 0 ||
	    ike_decrypt_msg(s->lib, &p1->keys, p1->alg.enc, iv, buf, m.hdr.len, plain) ||
	    ike_isakmp_parse_payloads(m.hdr.next, plain, m.hdr.len - ISAKMP_HDR_LEN, true, &m,
	                              &notify) ||
	    mmr_check5(s, p1, &m)) {
		ike_session_drop(s, "gateway's MM5 does not verify");
		return;
	}
	memcpy(p1->iv, iv, sizeof(iv));
	len = mmr_build6(s, p1, msg, sizeof(msg));
	if (!len) {
		log_warn(s->lg, LOG_IKE, "cannot build MM6 for the gateway's Main Mode");
		return;
	}
	answer(s, p1, buf, m.hdr.len, msg, len);
	p1->state = P1_DONE;
	ike_mm_export_keys(s, p1);
	ike_session_p1_resp_done(s, p1);
}

void ike_mmr_recv(struct ike_session *s, struct ike_p1 *p1, const uint8_t *buf, size_t len)
{
	uint8_t h[20];

	hash_of(s, buf, len, h);
	if (p1->resp_tx_len && memcmp(h, p1->resp_rx_hash, 20) == 0) {
		/* Our answer got lost: the same one again (RFC 2408 §5.1 leaves
		 * this to us; pluto and charon resend theirs). */
		ike_net_send_once(s, p1->resp_tx, p1->resp_tx_len);
		return;
	}
	switch (p1->state) {
	case P1_R_MM2_SENT:
		mmr_recv3(s, p1, buf, len);
		break;
	case P1_R_MM4_SENT:
		mmr_recv5(s, p1, buf, len);
		break;
	default:
		ike_session_drop(s, "gateway's Main Mode message after MM6");
	}
}
