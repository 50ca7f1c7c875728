/* Quick Mode as initiator (RFC 2409 §5.5, RFC 3947 §5):
 *   QM1 HDR*, HASH(1), SA, Ni, [KE,] IDci, IDcr, [NAT-OA...] ->
 *                     <- QM2 HDR*, HASH(2), SA, Nr, [KE,] [IDci, IDcr,] [NAT-OA...]
 *   QM3 HDR*, HASH(3) ->
 * for one transport-mode ESP SA pair protecting UDP between our L2TP port and
 * the gateway's. */
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "ike/ike_int.h"
#include "ike/natt.h"
#include "lib/log.h"
#include "lib/util.h"

void ike_p2_clear(struct ike_p2 *p2)
{
	ike_dh_free(p2->dh);
	secure_clear(p2, sizeof(*p2));
}

uint16_t ike_qm_encap_mode(const struct ike_session *s)
{
	return s->floated ? ike_natt_encap_transport(s->natt) : ENCAP_TRANSPORT;
}

static void esp_transform(struct ike_session *s, struct isakmp_transform *t, uint8_t num,
                          const struct ike_esp_alg *a, uint16_t group)
{
	memset(t, 0, sizeof(*t));
	t->num = num;
	t->id = a->transform;
	ike_isakmp_attr_put(t, IPSEC_ATTR_LIFE_TYPE, LIFE_TYPE_SECONDS);
	ike_isakmp_attr_put(t, IPSEC_ATTR_LIFE_DURATION, s->cfg.ipsec_lifetime_s);
	if (s->cfg.ipsec_lifetime_kb) {
		ike_isakmp_attr_put(t, IPSEC_ATTR_LIFE_TYPE, LIFE_TYPE_KB);
		ike_isakmp_attr_put(t, IPSEC_ATTR_LIFE_DURATION, s->cfg.ipsec_lifetime_kb);
	}
	ike_isakmp_attr_put(t, IPSEC_ATTR_ENCAP, ike_qm_encap_mode(s));
	if (a->auth_attr)
		ike_isakmp_attr_put(t, IPSEC_ATTR_AUTH, a->auth_attr);
	if (a->key_bits)
		ike_isakmp_attr_put(t, IPSEC_ATTR_KEY_LEN, a->key_bits);
	if (group)
		ike_isakmp_attr_put(t, IPSEC_ATTR_GROUP, group);
}

/* RFC 2407 §4.6.2: a transport-mode selector is the host's address as
 * ID_IPV4_ADDR or ID_IPV6_ADDR with protocol UDP and the L2TP port. -1 for
 * another family. */
int ike_qm_id_of(const struct sockaddr *sa, uint16_t port, struct isakmp_id *id)
{
	if (sa->sa_family == AF_INET6) {
		*id = (struct isakmp_id){ID_IPV6_ADDR, IPPROTO_UDP, port,
		                         ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr, 16};
		return 0;
	}
	if (sa->sa_family != AF_INET)
		return -1;
	*id = (struct isakmp_id){ID_IPV4_ADDR, IPPROTO_UDP, port,
	                         (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr, 4};
	return 0;
}

/* RFC 3947 §5.2: NAT-OA carries ID_IPV4_ADDR or ID_IPV6_ADDR. */
int ike_natoa_of(const struct sockaddr *sa, struct isakmp_natoa *oa)
{
	memset(oa, 0, sizeof(*oa));
	if (sa->sa_family == AF_INET6) {
		oa->type = ID_IPV6_ADDR;
		oa->addr_len = 16;
		memcpy(oa->addr, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
		return 0;
	}
	if (sa->sa_family != AF_INET)
		return -1;
	oa->type = ID_IPV4_ADDR;
	oa->addr_len = 4;
	memcpy(oa->addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	return 0;
}

int ike_natoa_to_sockaddr(const struct isakmp_natoa *oa, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (oa->type == ID_IPV6_ADDR && oa->addr_len == 16) {
		ss->ss_family = AF_INET6;
		memcpy(&((struct sockaddr_in6 *)ss)->sin6_addr, oa->addr, 16);
		return 0;
	}
	if (oa->type != ID_IPV4_ADDR || oa->addr_len != 4)
		return -1;
	ss->ss_family = AF_INET;
	memcpy(&((struct sockaddr_in *)ss)->sin_addr, oa->addr, 4);
	return 0;
}

static void write_id(struct isakmp_builder *b, const struct sockaddr *sa, uint16_t port)
{
	struct isakmp_id id;

	if (ike_qm_id_of(sa, port, &id))
		return;
	ike_isakmp_pl_begin(b, ISAKMP_NP_ID);
	ike_isakmp_write_id(&b->w, &id);
	ike_isakmp_pl_end(b);
}

static void write_natoa(struct isakmp_builder *b, uint8_t type, const struct sockaddr *sa)
{
	struct isakmp_natoa oa;

	if (ike_natoa_of(sa, &oa))
		return;
	ike_isakmp_pl_begin(b, type);
	ike_isakmp_write_natoa(&b->w, &oa);
	ike_isakmp_pl_end(b);
}

struct qm1_arg {
	struct ike_session *s;
	struct isakmp_sa *sa;
	const uint8_t *ke;
	size_t ke_len;
};

static void fill_qm1(struct isakmp_builder *b, void *argp)
{
	struct qm1_arg *arg = argp;
	struct ike_session *s = arg->s;
	const struct sockaddr *local = (const struct sockaddr *)&s->local;
	const struct sockaddr *remote = (const struct sockaddr *)&s->remote;

	ike_isakmp_pl_begin(b, ISAKMP_NP_SA);
	ike_isakmp_write_sa_body(&b->w, arg->sa);
	ike_isakmp_pl_end(b);
	ike_isakmp_pl_add(b, ISAKMP_NP_NONCE, s->qm.ni, sizeof(s->qm.ni));
	if (arg->ke_len)
		ike_isakmp_pl_add(b, ISAKMP_NP_KE, arg->ke, arg->ke_len);
	write_id(b, local, s->cfg.l2tp_local_port);
	write_id(b, remote, s->cfg.l2tp_remote_port);
	ike_qm_write_natoa(s, b, false);
}

void ike_qm_write_natoa(struct ike_session *s, struct isakmp_builder *b, bool responder)
{
	const struct sockaddr *local = (const struct sockaddr *)&s->local;
	const struct sockaddr *remote = (const struct sockaddr *)&s->remote;

	if (!s->floated)
		return;
	/* RFC 3947 §5.2: transport mode sends both original addresses (the
	 * initiator's first); the drafts send only the sender's. */
	if (s->natt != IKE_NATT_RFC3947) {
		write_natoa(b, ike_natt_natoa_type(s->natt), local);
		return;
	}
	write_natoa(b, ike_natt_natoa_type(s->natt), responder ? remote : local);
	write_natoa(b, ike_natt_natoa_type(s->natt), responder ? local : remote);
}

int ike_qm_start(struct ike_session *s, bool rekey)
{
	struct ike_p1 *p1 = s->p1;
	struct isakmp_sa *sa = calloc(1, sizeof(*sa));
	uint8_t msg[ISAKMP_MAX_MSG], ke[IKE_MAX_DH];
	struct qm1_arg arg = {s, sa, ke, 0};
	size_t len;

	if (!sa || !p1 || p1->state != P1_DONE) {
		free(sa);
		ike_session_fail(s, IKE_FAIL_LOCAL, 0, "no ISAKMP SA for Quick Mode");
		return -1;
	}
	ike_p2_clear(&s->qm);
	s->qm.in_progress = true;
	s->qm.msgid = ike_p2_new_msgid();
	ike_p1_msgid_note(p1, s->qm.msgid); /* its reflection is no QM1 of the gateway's */
	/* pfs = on: the group the ISAKMP SA was made with */
	s->qm.group = s->pfs_group == IKE_PFS_IKE_GROUP ? p1->alg.group : s->pfs_group;
	do {
		if (random_bytes(&s->qm.spi_in, 4))
			goto fail;
	} while (s->qm.spi_in < 256 || s->qm.spi_in == s->sa.spi_in);
	if (random_bytes(s->qm.ni, sizeof(s->qm.ni)))
		goto fail;
	if (s->qm.group) {
		arg.ke_len = sizeof(ke);
		s->qm.dh = ike_dh_new(s->lib, s->qm.group);
		if (!s->qm.dh || ike_dh_public(s->qm.dh, ke, &arg.ke_len))
			goto fail;
	}
	sa->doi = IPSEC_DOI;
	sa->situation = IPSEC_SIT_IDENTITY_ONLY;
	sa->nprop = 1;
	sa->prop[0].num = 1;
	sa->prop[0].proto = PROTO_IPSEC_ESP;
	sa->prop[0].spi_len = 4;
	put_be32(sa->prop[0].spi, s->qm.spi_in);
	sa->prop[0].ntr = s->esp_algs.n;
	for (size_t i = 0; i < s->esp_algs.n; i++)
		esp_transform(s, &sa->prop[0].tr[i], (uint8_t)(i + 1), &s->esp_algs.a[i],
		              s->qm.group);
	if (ike_iv_p2(s->lib, p1->alg.hash, p1->iv, p1->block, s->qm.msgid, s->qm.iv))
		goto fail;
	len = ike_p2_build(s, p1, ISAKMP_XCHG_QUICK, s->qm.msgid, s->qm.iv, fill_qm1, &arg, msg,
	                   sizeof(msg));
	free(sa);
	sa = NULL;
	if (!len)
		goto fail;
	ike_session_set_stage(s, rekey ? IKE_STAGE_REKEY_IPSEC : IKE_STAGE_QM1);
	log_info(s->lg, LOG_IKE, "QM1: offering %zu ESP transform(s)%s%s, %s", s->esp_algs.n,
	         s->qm.group ? " with PFS " : "", s->qm.group ? ike_dh_name(s->qm.group) : "",
	         s->floated ? "UDP-encapsulated transport" : "transport");
	s->qm.sent_ms = loop_now_ms(s->loop);
	return ike_net_send(s, msg, len, true, p1);
fail:
	free(sa);
	ike_session_fail(s, IKE_FAIL_LOCAL, 0, "cannot build QM1");
	return -1;
}

void ike_qm_take_lifetimes(struct ike_session *s, struct ike_p2 *p2,
                           const struct isakmp_transform *t)
{
	uint64_t v, type = LIFE_TYPE_SECONDS;

	p2->life_s = s->cfg.ipsec_lifetime_s;
	p2->life_kb = s->cfg.ipsec_lifetime_kb;
	/* Attributes come as (type, duration) pairs; shorter wins. */
	for (size_t k = 0; k < t->nattr; k++) {
		v = t->attr[k].value;
		if (t->attr[k].type == IPSEC_ATTR_LIFE_TYPE)
			type = v;
		else if (t->attr[k].type == IPSEC_ATTR_LIFE_DURATION && v &&
		         type == LIFE_TYPE_SECONDS && v < p2->life_s)
			p2->life_s = (uint32_t)v;
		else if (t->attr[k].type == IPSEC_ATTR_LIFE_DURATION && v && type == LIFE_TYPE_KB &&
		         (!p2->life_kb || v < p2->life_kb))
			p2->life_kb = v;
	}
}

/* The gateway's answer must be one of our ESP transforms, with the
 * encapsulation we asked for and the PFS group we sent (RFC 2409 §5.5). */
static int qm_check_sa(struct ike_session *s, const struct isakmp_payload *pl, struct isakmp_sa *sa)
{
	const struct isakmp_transform *t;
	uint64_t encap = 0, auth = 0, bits = 0, group = 0;
	uint16_t notify;

	if (ike_isakmp_parse_sa(pl->body, pl->len, sa, &notify) || sa->nprop != 1 ||
	    sa->prop[0].proto != PROTO_IPSEC_ESP || sa->prop[0].spi_len != 4 ||
	    sa->prop[0].ntr != 1)
		return -1;
	t = &sa->prop[0].tr[0];
	ike_isakmp_attr_get(t, IPSEC_ATTR_ENCAP, &encap);
	ike_isakmp_attr_get(t, IPSEC_ATTR_AUTH, &auth);
	ike_isakmp_attr_get(t, IPSEC_ATTR_KEY_LEN, &bits);
	ike_isakmp_attr_get(t, IPSEC_ATTR_GROUP, &group);
	if (encap != ike_qm_encap_mode(s) || group != s->qm.group)
		return -1;
	for (size_t i = 0; i < s->esp_algs.n; i++) {
		const struct ike_esp_alg *a = &s->esp_algs.a[i];

		if (a->transform != t->id || a->auth_attr != auth || a->key_bits != bits)
			continue;
		s->qm.alg = *a;
		s->qm.alg.group = s->qm.group;
		s->qm.spi_out = get_be32(sa->prop[0].spi);
		ike_qm_take_lifetimes(s, &s->qm, t);
		return 0;
	}
	return -1;
}

int ike_qm_keymat(struct ike_session *s, struct ike_p1 *p1, struct ike_p2 *p2, const uint8_t *gxy,
                  size_t gxy_len, struct esp_sa_pair *pair)
{
	size_t ek = ike_esp_enc_key_len(&p2->alg), ak = ike_esp_auth_key_len(&p2->alg);
	uint8_t km[ESP_MAX_ENC_KEY + ESP_MAX_AUTH_KEY], spi[4];
	struct esp_sa *dir[2] = {&pair->in, &pair->out};
	uint32_t spis[2] = {p2->spi_in, p2->spi_out};
	/* Ni_b and Nr_b are the initiator's and the responder's nonces. */
	const uint8_t *ni = p2->responder ? p2->nr : p2->ni;
	const uint8_t *nr = p2->responder ? p2->ni : p2->nr;
	size_t ni_len = p2->responder ? p2->nr_len : sizeof(p2->ni);
	size_t nr_len = p2->responder ? sizeof(p2->ni) : p2->nr_len;

	if (ek > ESP_MAX_ENC_KEY || ak > ESP_MAX_AUTH_KEY)
		return -1;
	for (int i = 0; i < 2; i++) {
		/* §5.5: each direction keyed by the SPI its receiver chose. */
		put_be32(spi, spis[i]);
		if (ike_keymat(s->lib, &p1->keys, gxy, gxy_len, PROTO_IPSEC_ESP, spi, ni, ni_len,
		               nr, nr_len, km, ek + ak))
			return -1;
		dir[i]->spi = spis[i];
		dir[i]->cipher = p2->alg.cipher;
		dir[i]->auth = p2->alg.auth;
		memcpy(dir[i]->enc_key, km, ek);
		dir[i]->enc_key_len = (uint8_t)ek;
		memcpy(dir[i]->auth_key, km + ek, ak);
		dir[i]->auth_key_len = (uint8_t)ak;
	}
	secure_clear(km, sizeof(km));
	return 0;
}

void ike_qm_fill_pair(struct ike_session *s, struct ike_p2 *p2, struct esp_sa_pair *pair)
{
	uint32_t margin = s->cfg.rekey_margin_s ? s->cfg.rekey_margin_s : p2->life_s / 10;

	pair->lifetime.hard_seconds = p2->life_s;
	pair->lifetime.soft_seconds = p2->life_s > margin ? p2->life_s - margin : 0;
	pair->lifetime.hard_bytes = p2->life_kb * 1024;
	pair->lifetime.soft_bytes = p2->life_kb * 1024 / 10 * 9;
	memcpy(&pair->local, ike_net_local(s), sizeof(struct sockaddr_storage));
	memcpy(&pair->remote, ike_net_remote(s), sizeof(struct sockaddr_storage));
	pair->udp_encap = s->floated;
	pair->local_l2tp_port = s->cfg.l2tp_local_port;
	pair->remote_l2tp_port = s->cfg.l2tp_remote_port;
	if (s->floated) {
		pair->have_nat_oa_local = true;
		pair->nat_oa_local = s->local;
		pair->have_nat_oa_remote = true;
		pair->nat_oa_remote = p2->have_nat_oa_remote ? p2->nat_oa_remote : s->remote;
	}
}

void ike_qm_take_natoa(struct ike_session *s, struct ike_p2 *p2, const struct isakmp_msg *m)
{
	uint8_t type = ike_natt_natoa_type(s->natt);
	size_t n = ike_isakmp_count(m, type);
	/* RFC 3947 sends NAT-OAi then NAT-OAr; the drafts only the sender's.
	 * The gateway's is NAT-OAr when it answers, NAT-OAi when it starts. */
	const struct isakmp_payload *pl =
	    ike_isakmp_find(m, type, n >= 2 && !p2->responder ? 1 : 0);
	struct isakmp_natoa oa;

	if (!pl || ike_isakmp_parse_natoa(pl->body, pl->len, &oa))
		return;
	/* An original address of the other family than the session's cannot
	 * be the gateway's (RFC 3947 §5.2): ignored, as a missing one. */
	if (ike_natoa_to_sockaddr(&oa, &p2->nat_oa_remote) ||
	    p2->nat_oa_remote.ss_family != s->remote.ss_family) {
		memset(&p2->nat_oa_remote, 0, sizeof(p2->nat_oa_remote));
		return;
	}
	p2->have_nat_oa_remote = true;
}

static int qm_send3(struct ike_session *s)
{
	struct ike_p1 *p1 = s->p1;
	struct isakmp_builder b;
	struct isakmp_hdr h = {
	    .exchange = ISAKMP_XCHG_QUICK, .flags = ISAKMP_FLAG_ENC, .msgid = s->qm.msgid};
	uint8_t msg[256], hash[IKE_MAX_HASH];
	size_t len;

	if (ike_qm_hash3(s->lib, &p1->keys, s->qm.msgid, s->qm.ni, sizeof(s->qm.ni), s->qm.nr,
	                 s->qm.nr_len, hash))
		return -1;
	memcpy(h.icookie, p1->icookie, 8);
	memcpy(h.rcookie, p1->rcookie, 8);
	ike_isakmp_build_begin(&b, msg, sizeof(msg), &h);
	ike_isakmp_pl_add(&b, ISAKMP_NP_HASH, hash, p1->keys.prf_len);
	len = ike_isakmp_build_end(&b);
	len = len ? ike_encrypt_msg(s->lib, &p1->keys, p1->alg.enc, s->qm.iv, msg, len, sizeof(msg))
	          : 0;
	return len ? ike_net_send(s, msg, len, false, p1) : -1;
}

static void qm_recv2(struct ike_session *s, const struct isakmp_msg *m)
{
	const struct isakmp_payload *sa = ike_isakmp_find(m, ISAKMP_NP_SA, 0);
	const struct isakmp_payload *nr = ike_isakmp_find(m, ISAKMP_NP_NONCE, 0);
	const struct isakmp_payload *ke = ike_isakmp_find(m, ISAKMP_NP_KE, 0);
	struct isakmp_sa *parsed = calloc(1, sizeof(*parsed));
	uint8_t gxy[IKE_MAX_DH];
	size_t gxy_len = 0;
	struct esp_sa_pair pair;
	int bad;

	if (!parsed) {
		ike_session_fail(s, IKE_FAIL_LOCAL, 0, "out of memory");
		return;
	}
	bad = !sa || !nr ? 1 : qm_check_sa(s, sa, parsed);
	free(parsed);
	if (!sa || !nr) {
		ike_session_fail(s, IKE_FAIL_MALFORMED, 0, "gateway's QM2 lacks SA or nonce");
		return;
	}
	if (bad) {
		ike_session_fail(s, IKE_FAIL_PROPOSAL, 0,
		                 "gateway's QM2 chose an ESP transform, encapsulation or PFS group "
		                 "we did not offer");
		return;
	}
	memcpy(s->qm.nr, nr->body, nr->len);
	s->qm.nr_len = nr->len;
	log_hexdump(s->lg, LOG_IKE, "QM Ni", s->qm.ni, sizeof(s->qm.ni));
	log_hexdump(s->lg, LOG_IKE, "QM Nr", s->qm.nr, s->qm.nr_len);
	if (s->qm.group) {
		gxy_len = sizeof(gxy);
		if (!ke || ike_dh_shared(s->qm.dh, ke->body, ke->len, gxy, &gxy_len)) {
			ike_session_fail(s, IKE_FAIL_MALFORMED, 0,
			                 "gateway's QM2 lacks a valid KE");
			return;
		}
	}
	for (size_t i = 0; i < ike_isakmp_count(m, ISAKMP_NP_N); i++) {
		const struct isakmp_payload *pl = ike_isakmp_find(m, ISAKMP_NP_N, i);
		struct isakmp_notify n;

		if (ike_isakmp_parse_notify(pl->body, pl->len, &n) == 0 &&
		    n.type == N_RESPONDER_LIFETIME)
			ike_info_responder_lifetime(s, s->p1, &n);
	}
	if (s->floated)
		ike_qm_take_natoa(s, &s->qm, m);
	ike_net_answered(s);
	memset(&pair, 0, sizeof(pair));
	if (ike_qm_keymat(s, s->p1, &s->qm, gxy, gxy_len, &pair) || qm_send3(s)) {
		secure_clear(gxy, sizeof(gxy));
		secure_clear(&pair, sizeof(pair));
		ike_session_fail(s, IKE_FAIL_LOCAL, 0, "cannot finish Quick Mode");
		return;
	}
	secure_clear(gxy, sizeof(gxy));
	ike_qm_fill_pair(s, &s->qm, &pair);
	ike_session_qm_done(s, &s->qm, &pair);
	secure_clear(&pair, sizeof(pair));
}

void ike_qm_recv(struct ike_session *s, const uint8_t *buf, size_t len)
{
	uint8_t plain[ISAKMP_MAX_MSG];
	struct isakmp_msg m;

	if (!s->qm.in_progress || !s->p1 || ike_isakmp_parse_hdr(buf, len, &m.hdr) ||
	    m.hdr.msgid != s->qm.msgid)
		return;
	/* HASH(2) = prf(SKEYID_a, M-ID | Ni_b | SA | Nr [| KE] [| IDci | IDcr]) */
	if (ike_p2_open(s, s->p1, buf, len, s->qm.iv, s->qm.ni, sizeof(s->qm.ni), plain, &m)) {
		ike_session_drop(s, "QM2 does not verify (HASH(2))");
		return;
	}
	ike_session_accepted(s);
	qm_recv2(s, &m);
}
