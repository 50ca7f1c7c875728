/* Main Mode as initiator (RFC 2409 §5, RFC 3947 §3-4):
 *   MM1 HDR, SA, VID...          ->   <- MM2 HDR, SA, VID...
 *   MM3 HDR, KE, Ni, [CR,] NAT-D ->   <- MM4 HDR, KE, Nr, [CR,] NAT-D
 *   MM5 HDR*, IDii, [CERT,] HASH_I/SIG_I, [N(INITIAL-CONTACT)]
 *                                ->   <- MM6 HDR*, IDir, [CERT,] HASH_R/SIG_R
 * Float to UDP 4500 after MM4 when a NAT was found. */
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <sys/random.h>

#include "ike/cert.h"
#include "ike/ike_int.h"
#include "ike/natt.h"
#include "lib/log.h"
#include "lib/util.h"

struct ike_p1 *ike_mm_new(struct ike_session *s, bool rekey)
{
	struct ike_p1 *p1 = calloc(1, sizeof(*p1));
	static const uint8_t zero[8];

	(void)s;
	if (!p1)
		return NULL;
	p1->rekey = rekey;
	/* The cookie is public (RFC 2408 §2.5.3): getrandom(2) makes it
	 * without waiting for OpenSSL's default context, which the key
	 * generation thread (keygen.c) is setting up meanwhile. */
	do {
		if (getrandom(p1->icookie, 8, 0) != 8) {
			free(p1);
			return NULL;
		}
	} while (memcmp(p1->icookie, zero, 8) == 0);
	return p1;
}

void ike_mm_free(struct ike_p1 *p1)
{
	if (!p1)
		return;
	ike_dh_free(p1->dh);
	secure_clear(p1, sizeof(*p1));
	free(p1);
}

static void p1_transform(struct isakmp_transform *t, uint8_t num, const struct ike_p1_alg *a,
                         uint16_t auth, uint32_t life)
{
	memset(t, 0, sizeof(*t));
	t->num = num;
	t->id = KEY_IKE;
	ike_isakmp_attr_put(t, IKE_ATTR_ENC, a->enc);
	if (a->enc == IKE_ENC_AES)
		ike_isakmp_attr_put(t, IKE_ATTR_KEY_LEN, a->key_bits);
	ike_isakmp_attr_put(t, IKE_ATTR_HASH, a->hash);
	ike_isakmp_attr_put(t, IKE_ATTR_AUTH, auth);
	ike_isakmp_attr_put(t, IKE_ATTR_GROUP, a->group);
	ike_isakmp_attr_put(t, IKE_ATTR_LIFE_TYPE, LIFE_TYPE_SECONDS);
	ike_isakmp_attr_put(t, IKE_ATTR_LIFE_DURATION, life);
}

uint16_t ike_mm_auth_method(const struct ike_session *s)
{
	/* With certificates the method names our key's type (RSA, or ECDSA
	 * and its curve, RFC 4754 §8), as strongSwan and Windows do. */
	return s->cfg.auth == IKE_AUTH_PSK ? IKE_AUTH_METHOD_PSK : ike_cert_auth_method(s->cfg.key);
}

static void p1_hdr(const struct ike_p1 *p1, struct isakmp_hdr *h, uint8_t flags)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->icookie, p1->icookie, 8);
	memcpy(h->rcookie, p1->rcookie, 8);
	h->exchange = ISAKMP_XCHG_IDPROT;
	h->flags = flags;
}

int ike_mm_start(struct ike_session *s, struct ike_p1 *p1)
{
	struct isakmp_sa *sa = calloc(1, sizeof(*sa));
	struct isakmp_builder b;
	struct isakmp_hdr h;
	uint8_t msg[ISAKMP_MAX_MSG];
	size_t body_start, body_len, len;

	if (!sa) {
		ike_session_fail(s, IKE_FAIL_LOCAL, 0, "out of memory");
		return -1;
	}
	sa->doi = IPSEC_DOI;
	sa->situation = IPSEC_SIT_IDENTITY_ONLY;
	sa->nprop = 1;
	sa->prop[0].num = 1;
	sa->prop[0].proto = PROTO_ISAKMP;
	sa->prop[0].ntr = s->p1_algs.n;
	for (size_t i = 0; i < s->p1_algs.n; i++)
		p1_transform(&sa->prop[0].tr[i], (uint8_t)(i + 1), &s->p1_algs.a[i],
		             ike_mm_auth_method(s), s->cfg.ike_lifetime_s);

	p1_hdr(p1, &h, 0);
	ike_isakmp_build_begin(&b, msg, sizeof(msg), &h);
	ike_isakmp_pl_begin(&b, ISAKMP_NP_SA);
	body_start = b.w.len;
	ike_isakmp_write_sa_body(&b.w, sa);
	ike_isakmp_pl_end(&b);
	body_len = b.w.len - body_start;
	free(sa);
	ike_natt_write_vids(&b);
	if (!s->cfg.no_fragmentation)
		ike_frag_write_vid(&b);
	len = ike_isakmp_build_end(&b);
	if (!len || body_len > sizeof(p1->sai_b)) {
		ike_session_fail(s, IKE_FAIL_LOCAL, 0, "MM1 does not fit");
		return -1;
	}
	/* SAi_b: the SA payload body, needed for HASH_I and HASH_R. */
	memcpy(p1->sai_b, msg + body_start, body_len);
	p1->sai_len = body_len;
	p1->state = P1_MM1_SENT;
	ike_session_set_stage(s, p1->rekey ? IKE_STAGE_REKEY_IKE : IKE_STAGE_MM1);
	log_info(s->lg, LOG_IKE, "MM1: offering %zu IKE proposal(s)%s", s->p1_algs.n,
	         p1->rekey ? " (IKE SA rekey)" : "");
	return ike_net_send(s, msg, len, true, p1);
}

/* A transform of ours (RFC 2409 §5): takes its algorithms and the
 * shorter lifetime into p1. 0, or -1 when it is none of ours. */
int ike_mm_match_transform(struct ike_session *s, struct ike_p1 *p1,
                           const struct isakmp_transform *t)
{
	struct ike_p1_alg got = {0};
	uint64_t v = 0, auth = 0, life_type = LIFE_TYPE_SECONDS;

	if (ike_isakmp_attr_get(t, IKE_ATTR_ENC, &v))
		got.enc = (uint16_t)v;
	if (ike_isakmp_attr_get(t, IKE_ATTR_KEY_LEN, &v))
		got.key_bits = (uint16_t)v;
	if (ike_isakmp_attr_get(t, IKE_ATTR_HASH, &v))
		got.hash = (uint16_t)v;
	if (ike_isakmp_attr_get(t, IKE_ATTR_GROUP, &v))
		got.group = (uint16_t)v;
	ike_isakmp_attr_get(t, IKE_ATTR_AUTH, &auth);
	for (size_t i = 0; i < s->p1_algs.n; i++) {
		const struct ike_p1_alg *a = &s->p1_algs.a[i];

		if (a->enc != got.enc || a->hash != got.hash || a->group != got.group ||
		    (a->enc == IKE_ENC_AES && a->key_bits != got.key_bits) ||
		    auth != ike_mm_auth_method(s) || t->id != KEY_IKE)
			continue;
		p1->alg = *a;
		p1->lifetime_s = s->cfg.ike_lifetime_s;
		ike_isakmp_attr_get(t, IKE_ATTR_LIFE_TYPE, &life_type);
		/* A shorter lifetime from the gateway wins. */
		if (life_type == LIFE_TYPE_SECONDS &&
		    ike_isakmp_attr_get(t, IKE_ATTR_LIFE_DURATION, &v) && v && v < p1->lifetime_s)
			p1->lifetime_s = (uint32_t)v;
		p1->block = ike_cipher_block(a->enc);
		return 0;
	}
	return -1;
}

/* The responder must pick exactly one of our transforms (RFC 2409 §5). */
static int mm_check_sa(struct ike_session *s, struct ike_p1 *p1, const struct isakmp_payload *pl,
                       struct isakmp_sa *sa)
{
	uint16_t notify;

	if (ike_isakmp_parse_sa(pl->body, pl->len, sa, &notify) || sa->nprop != 1 ||
	    sa->prop[0].ntr != 1 || sa->prop[0].proto != PROTO_ISAKMP) {
		ike_session_hint(s, IKE_FAIL_MALFORMED, 0, "gateway's SA payload is malformed");
		return -1;
	}
	if (ike_mm_match_transform(s, p1, &sa->prop[0].tr[0]) == 0)
		return 0;
	ike_session_hint(s, IKE_FAIL_PROPOSAL, 0, "gateway chose a transform we did not offer");
	return -1;
}

static int mm_take_sa(struct ike_session *s, struct ike_p1 *p1, const struct isakmp_payload *pl)
{
	struct isakmp_sa *sa = calloc(1, sizeof(*sa));
	int rc;

	if (!sa) {
		ike_session_fail(s, IKE_FAIL_LOCAL, 0, "out of memory");
		return -1;
	}
	rc = mm_check_sa(s, p1, pl, sa);
	free(sa);
	return rc;
}

static void mm_take_vids(struct ike_session *s, const struct isakmp_msg *m)
{
	enum ike_natt_variant best = IKE_NATT_NONE;
	bool frag = false;

	for (size_t i = 0; i < ike_isakmp_count(m, ISAKMP_NP_VID); i++) {
		const struct isakmp_payload *pl = ike_isakmp_find(m, ISAKMP_NP_VID, i);
		enum ike_natt_variant v = ike_natt_variant_from_vid(pl->body, pl->len);
		const char *name = ike_natt_vid_name(pl->body, pl->len);

		log_debug(s->lg, LOG_IKE, "gateway vendor ID: %s", name ? name : "unknown");
		if (v > best)
			best = v; /* enum order = preference */
		if (ike_natt_vid_is_dpd(pl->body, pl->len))
			s->peer_dpd = true;
		if (ike_frag_vid_matches(pl->body, pl->len))
			frag = true;
	}
	s->natt = best;
	s->peer_frag = frag && !s->cfg.no_fragmentation;
}

static int mm_send3(struct ike_session *s, struct ike_p1 *p1)
{
	struct isakmp_builder b;
	struct isakmp_hdr h;
	uint8_t msg[ISAKMP_MAX_MSG], natd[IKE_MAX_HASH];
	size_t len, hl;

	/* The first Main Mode's key pair and nonce come from a helper thread
	 * (keygen.c), made for the group offered first: another group chosen
	 * by the gateway gets a key pair of its own here. */
	if (!p1->rekey && !p1->dh)
		p1->dh = ike_keygen_take(&s->keygen, &p1->dh_group, p1->ni, &p1->ni_ready);
	if (!p1->dh || p1->dh_group != p1->alg.group) {
		ike_dh_free(p1->dh);
		p1->dh = ike_dh_new(s->lib, p1->alg.group);
		p1->dh_group = p1->alg.group;
	}
	p1->gxi_len = sizeof(p1->gxi);
	if (!p1->ni_ready)
		p1->ni_ready = random_bytes(p1->ni, sizeof(p1->ni)) == 0;
	if (!p1->dh || ike_dh_public(p1->dh, p1->gxi, &p1->gxi_len) || !p1->ni_ready) {
		ike_session_fail(s, IKE_FAIL_LOCAL, 0, "cannot make a %s key",
		                 ike_dh_name(p1->alg.group));
		return -1;
	}
	p1_hdr(p1, &h, 0);
	ike_isakmp_build_begin(&b, msg, sizeof(msg), &h);
	ike_isakmp_pl_add(&b, ISAKMP_NP_KE, p1->gxi, p1->gxi_len);
	ike_isakmp_pl_add(&b, ISAKMP_NP_NONCE, p1->ni, sizeof(p1->ni));
	if (s->cfg.auth == IKE_AUTH_RSA_SIG)
		ike_cert_write_cr(&b, s->cfg.ca);
	if (s->natt != IKE_NATT_NONE) {
		/* RFC 3947 §3.2: first the destination, then our address. */
		hl = ike_natt_hash(s->lib, p1->alg.hash, p1->icookie, p1->rcookie,
		                   (const struct sockaddr *)&s->remote, natd);
		ike_isakmp_pl_add(&b, ike_natt_natd_type(s->natt), natd, hl);
		hl = ike_natt_hash(s->lib, p1->alg.hash, p1->icookie, p1->rcookie,
		                   (const struct sockaddr *)&s->local, natd);
		/* Forced encapsulation: a hash that cannot match makes the
		 * gateway believe we are behind a NAT (RFC 3947 §3.2). */
		if (s->cfg.force_encaps && random_bytes(natd, hl)) {
			ike_session_fail(s, IKE_FAIL_LOCAL, 0, "no random bytes for NAT-D");
			return -1;
		}
		ike_isakmp_pl_add(&b, ike_natt_natd_type(s->natt), natd, hl);
	}
	len = ike_isakmp_build_end(&b);
	p1->state = P1_MM3_SENT;
	if (!p1->rekey)
		ike_session_set_stage(s, IKE_STAGE_MM3);
	return len ? ike_net_send(s, msg, len, true, p1) : -1;
}

/* Forced UDP encapsulation needs NAT-T on the gateway. */
static int force_encaps_unsupported(struct ike_session *s)
{
	if (!s->cfg.force_encaps)
		return 0;
	ike_session_fail(s, IKE_FAIL_NAT_POLICY, 0,
	                 "UDP encapsulation is forced but the gateway does not support NAT-T");
	return -1;
}

/* RFC 3947 §3.2: the first NAT-D is what the gateway sent to (us); the
 * others are its own addresses. */
static int mm_detect_nat(struct ike_session *s, struct ike_p1 *p1, const struct isakmp_msg *m)
{
	uint8_t type = ike_natt_natd_type(s->natt), ours[IKE_MAX_HASH], theirs[IKE_MAX_HASH];
	size_t n = ike_isakmp_count(m, type);
	size_t hl = ike_hash_len(p1->alg.hash);
	const struct isakmp_payload *first = ike_isakmp_find(m, type, 0);

	if (s->natt == IKE_NATT_NONE || p1->rekey)
		return 0;
	if (n < 2) {
		log_info(s->lg, LOG_IKE, "gateway sent no NAT-D payloads: no NAT-T");
		s->natt = IKE_NATT_NONE;
		return force_encaps_unsupported(s);
	}
	ike_natt_hash(s->lib, p1->alg.hash, p1->icookie, p1->rcookie,
	              (const struct sockaddr *)&s->local, ours);
	ike_natt_hash(s->lib, p1->alg.hash, p1->icookie, p1->rcookie,
	              (const struct sockaddr *)&s->remote, theirs);
	log_hexdump(s->lg, LOG_IKE, "NAT-D of our address", ours, hl);
	log_hexdump(s->lg, LOG_IKE, "NAT-D of the gateway", theirs, hl);
	for (size_t i = 0; i < n; i++) {
		const struct isakmp_payload *pl = ike_isakmp_find(m, type, i);

		log_hexdump(s->lg, LOG_IKE, "NAT-D received", pl->body, pl->len);
	}
	s->nat_local = first->len != hl || memcmp(first->body, ours, hl) != 0;
	s->nat_remote = true;
	for (size_t i = 1; i < n; i++) {
		const struct isakmp_payload *pl = ike_isakmp_find(m, type, i);

		if (pl->len == hl && memcmp(pl->body, theirs, hl) == 0)
			s->nat_remote = false;
	}
	log_info(s->lg, LOG_IKE, "NAT-T %s: %s%s%s", ike_natt_name(s->natt),
	         s->nat_local ? "we are behind a NAT" : "",
	         s->nat_local && s->nat_remote ? ", " : "",
	         s->nat_remote   ? "the gateway is behind a NAT"
	         : !s->nat_local ? "no NAT"
	                         : "");
	if (s->nat_remote && s->cfg.nat_policy == IKE_NAT_SERVER_NOT_BEHIND_NAT) {
		ike_session_fail(s, IKE_FAIL_NAT_POLICY, 0,
		                 "gateway is behind a NAT and the NAT policy (0) refuses that");
		return -1;
	}
	if (s->nat_remote && s->nat_local &&
	    s->cfg.nat_policy == IKE_NAT_SERVER_MAY_BE_BEHIND_NAT) {
		ike_session_fail(s, IKE_FAIL_NAT_POLICY, 0,
		                 "both ends are behind a NAT and the NAT policy (1) refuses that");
		return -1;
	}
	if (s->cfg.force_encaps && !s->nat_local && !s->nat_remote)
		log_info(s->lg, LOG_IKE, "UDP encapsulation forced: floating to port %u",
		         ike_net_port(&s->remote_natt));
	/* RFC 3947 §4: change to port 4500 from the ID payload on. */
	if (s->nat_local || s->nat_remote || s->cfg.force_encaps)
		s->floated = true;
	return 0;
}

int ike_mm_local_id(struct ike_session *s, struct isakmp_id *id, uint8_t *buf, size_t cap)
{
	struct ike_id cfg = s->cfg.local_id;
	size_t len = 0;

	if (cfg.type == IKE_ID_NONE) {
		if (s->cfg.auth == IKE_AUTH_RSA_SIG) {
			unsigned char *p = buf;
			int der = i2d_X509_NAME(X509_get_subject_name(s->cfg.cert), NULL);

			if (der <= 0 || (size_t)der > cap)
				return -1;
			i2d_X509_NAME(X509_get_subject_name(s->cfg.cert), &p);
			*id = (struct isakmp_id){
			    .type = ID_DER_ASN1_DN, .data = buf, .len = (size_t)der};
			return 0;
		}
		/* Our own (private) address, as Windows sends it: ID_IPV6_ADDR
		 * when we talk to the gateway over IPv6 (RFC 2407 §4.6.2.1). */
		if (s->local.ss_family == AF_INET6) {
			cfg.type = IKE_ID_IPV6_ADDR;
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&s->local)->sin6_addr,
			          cfg.value, sizeof(cfg.value));
		} else {
			cfg.type = IKE_ID_IPV4_ADDR;
			inet_ntop(AF_INET, &((struct sockaddr_in *)&s->local)->sin_addr, cfg.value,
			          sizeof(cfg.value));
		}
	}
	if (ike_id_encode(&cfg, buf, cap, &len))
		return -1;
	*id = (struct isakmp_id){.type = (uint8_t)cfg.type, .data = buf, .len = len};
	return 0;
}

/* With ECDSA (RFC 4754 §3: each curve comes with its hash) HASH_I and
 * HASH_R are made with that hash's HMAC, keyed with SKEYID, whatever prf
 * phase 1 negotiated, and signed as they are; strongSwan does the same
 * (keymat_v1.c), which a SHA-1 phase 1 shows (gw-strongswan
 * ecdsa_frag_userspace). Otherwise the negotiated prf. */
static uint16_t mm_hash_prf(const struct ike_session *s, const struct ike_p1 *p1)
{
	switch (ike_mm_auth_method(s)) {
	case IKE_AUTH_METHOD_ECDSA_256:
		return IKE_HASH_SHA256;
	case IKE_AUTH_METHOD_ECDSA_384:
		return IKE_HASH_SHA384;
	case IKE_AUTH_METHOD_ECDSA_521:
		return IKE_HASH_SHA512;
	default:
		return p1->keys.hash;
	}
}

size_t ike_mm_hash_len(const struct ike_session *s, const struct ike_p1 *p1)
{
	return ike_hash_len(mm_hash_prf(s, p1));
}

int ike_mm_hash(struct ike_session *s, struct ike_p1 *p1, bool initiator, const uint8_t *id,
                size_t id_len, uint8_t *out)
{
	return ike_auth_hash_prf(s->lib, &p1->keys, mm_hash_prf(s, p1), initiator, p1->gxi,
	                         p1->gxi_len, p1->gxr, p1->gxr_len, p1->icookie, p1->rcookie,
	                         p1->sai_b, p1->sai_len, id, id_len, out);
}

static int mm_send5(struct ike_session *s, struct ike_p1 *p1)
{
	struct isakmp_builder b;
	struct isakmp_hdr h;
	struct isakmp_id id;
	uint8_t msg[ISAKMP_MAX_MSG], idbuf[400], hash[IKE_MAX_HASH], sig[1024];
	size_t len, sig_len = sizeof(sig);
	struct buf_writer w;

	if (ike_mm_local_id(s, &id, idbuf, sizeof(idbuf))) {
		ike_session_fail(s, IKE_FAIL_LOCAL, 0, "local ID does not encode");
		return -1;
	}
	bw_init(&w, p1->idii_b, sizeof(p1->idii_b));
	ike_isakmp_write_id(&w, &id);
	p1->idii_len = w.len;
	if (!bw_ok(&w) || ike_mm_hash(s, p1, true, p1->idii_b, p1->idii_len, hash))
		goto fail;
	p1_hdr(p1, &h, ISAKMP_FLAG_ENC);
	ike_isakmp_build_begin(&b, msg, sizeof(msg), &h);
	ike_isakmp_pl_add(&b, ISAKMP_NP_ID, p1->idii_b, p1->idii_len);
	if (s->cfg.auth == IKE_AUTH_RSA_SIG) {
		ike_cert_write_cert(&b, s->cfg.cert);
		if (ike_cert_sign(s->lib, s->cfg.key, hash, ike_mm_hash_len(s, p1), sig, &sig_len))
			goto fail;
		ike_isakmp_pl_add(&b, ISAKMP_NP_SIG, sig, sig_len);
	} else {
		ike_isakmp_pl_add(&b, ISAKMP_NP_HASH, hash, p1->keys.prf_len);
	}
	if (!p1->rekey && !s->initial_contact_sent) {
		/* RFC 2407 §4.6.3.3: the gateway may drop SAs of ours it
		 * still holds from a previous run. */
		uint8_t spi[16];
		struct isakmp_notify n = {IPSEC_DOI, PROTO_ISAKMP, 16, N_INITIAL_CONTACT,
		                          spi,       NULL,         0};

		memcpy(spi, p1->icookie, 8);
		memcpy(spi + 8, p1->rcookie, 8);
		ike_isakmp_pl_begin(&b, ISAKMP_NP_N);
		ike_isakmp_write_notify(&b.w, &n);
		ike_isakmp_pl_end(&b);
		s->initial_contact_sent = true;
	}
	len = ike_isakmp_build_end(&b);
	if (!len)
		goto fail;
	len = ike_encrypt_msg(s->lib, &p1->keys, p1->alg.enc, p1->iv, msg, len, sizeof(msg));
	if (!len)
		goto fail;
	p1->state = P1_MM5_SENT;
	if (!p1->rekey)
		ike_session_set_stage(s, IKE_STAGE_MM5);
	return ike_net_send(s, msg, len, true, p1);
fail:
	ike_session_fail(s, IKE_FAIL_LOCAL, 0, "cannot build MM5");
	return -1;
}

static void mm_recv2(struct ike_session *s, struct ike_p1 *p1, const struct isakmp_msg *m)
{
	const struct isakmp_payload *sa = ike_isakmp_find(m, ISAKMP_NP_SA, 0);

	if (!sa) {
		ike_session_hint(s, IKE_FAIL_MALFORMED, 0, "gateway's MM2 has no SA payload");
		return;
	}
	if (mm_take_sa(s, p1, sa))
		return;
	memcpy(p1->rcookie, m->hdr.rcookie, 8);
	ike_session_accepted(s);
	if (!p1->rekey) {
		mm_take_vids(s, m);
		if (s->natt == IKE_NATT_NONE && force_encaps_unsupported(s))
			return;
	}
	ike_net_answered(s);
	{
		char algs[64];

		ike_p1_alg_str(&p1->alg, algs, sizeof(algs));
		log_info(s->lg, LOG_IKE, "MM2: gateway chose %s, lifetime %us, NAT-T %s%s", algs,
		         (unsigned)p1->lifetime_s, ike_natt_name(s->natt),
		         s->peer_dpd ? ", DPD" : "");
	}
	mm_send3(s, p1);
}

/* g^xy, SKEYID and its children, the phase 1 IV (RFC 2409 §5, App. B).
 * gxi/gxr and the cookies are in role order; our nonce is ni and the
 * gateway's nr whatever the role. 0, -2 on a bad public value, -1. */
int ike_mm_derive(struct ike_session *s, struct ike_p1 *p1)
{
	size_t enc_key = p1->alg.enc == IKE_ENC_AES ? p1->alg.key_bits / 8u
	                                            : ike_cipher_default_key(p1->alg.enc);
	const uint8_t *peer = p1->responder ? p1->gxi : p1->gxr;
	size_t peer_len = p1->responder ? p1->gxi_len : p1->gxr_len;
	const uint8_t *ni = p1->responder ? p1->nr : p1->ni;
	const uint8_t *nr = p1->responder ? p1->ni : p1->nr;
	size_t ni_len = p1->responder ? p1->nr_len : sizeof(p1->ni);
	size_t nr_len = p1->responder ? sizeof(p1->ni) : p1->nr_len;
	int rc;

	p1->gxy_len = sizeof(p1->gxy);
	if (ike_dh_shared(p1->dh, peer, peer_len, p1->gxy, &p1->gxy_len))
		return -2;
	p1->keys.hash = p1->alg.hash;
	if (s->cfg.auth == IKE_AUTH_PSK)
		rc = ike_skeyid_psk(s->lib, p1->alg.hash, s->psk, s->cfg.psk_len, ni, ni_len, nr,
		                    nr_len, p1->keys.skeyid);
	else
		rc = ike_skeyid_sig(s->lib, p1->alg.hash, ni, ni_len, nr, nr_len, p1->gxy,
		                    p1->gxy_len, p1->keys.skeyid);
	if (rc ||
	    ike_p1_derive(s->lib, &p1->keys, p1->gxy, p1->gxy_len, p1->icookie, p1->rcookie,
	                  enc_key) ||
	    ike_iv_p1(s->lib, p1->alg.hash, p1->gxi, p1->gxi_len, p1->gxr, p1->gxr_len, p1->iv,
	              p1->block))
		return -1;
	return 0;
}

static void mm_recv4(struct ike_session *s, struct ike_p1 *p1, const struct isakmp_msg *m)
{
	const struct isakmp_payload *ke = ike_isakmp_find(m, ISAKMP_NP_KE, 0);
	const struct isakmp_payload *nr = ike_isakmp_find(m, ISAKMP_NP_NONCE, 0);
	int rc;

	if (!ke || !nr || ke->len != ike_dh_pub_len(p1->alg.group) || ke->len > sizeof(p1->gxr) ||
	    nr->len < 8 || nr->len > sizeof(p1->nr)) {
		/* Also a late copy of MM2 (no KE): RFC 2408 §5.1, drop it. */
		ike_session_hint(s, IKE_FAIL_MALFORMED, 0,
		                 "gateway's MM4 lacks a valid KE or nonce");
		return;
	}
	memcpy(p1->gxr, ke->body, ke->len);
	p1->gxr_len = ke->len;
	memcpy(p1->nr, nr->body, nr->len);
	p1->nr_len = nr->len;
	p1->peer_cr = ike_isakmp_find(m, ISAKMP_NP_CR, 0) != NULL;
	/* Public values, for checking a capture against the peer's log. */
	log_hexdump(s->lg, LOG_IKE, "Ni", p1->ni, sizeof(p1->ni));
	log_hexdump(s->lg, LOG_IKE, "Nr", p1->nr, p1->nr_len);
	rc = ike_mm_derive(s, p1);
	if (rc == -2) {
		ike_session_hint(s, IKE_FAIL_MALFORMED, 0, "gateway's DH value is invalid");
		return;
	}
	if (rc) {
		ike_session_fail(s, IKE_FAIL_LOCAL, 0, "key derivation failed");
		return;
	}
	ike_session_accepted(s);
	ike_net_answered(s);
	if (mm_detect_nat(s, p1, m))
		return;
	mm_send5(s, p1);
}

static void mm_recv6(struct ike_session *s, struct ike_p1 *p1, const uint8_t *buf, size_t len,
                     const struct isakmp_hdr *hdr)
{
	uint8_t plain[ISAKMP_MAX_MSG], iv[IKE_MAX_BLOCK], hash[IKE_MAX_HASH];
	struct isakmp_msg m;
	struct isakmp_id id;
	const struct isakmp_payload *idp, *auth;
	char who[300];
	uint16_t notify;

	memcpy(iv, p1->iv, sizeof(iv));
	if (!(hdr->flags & ISAKMP_FLAG_ENC) ||
	    ike_decrypt_msg(s->lib, &p1->keys, p1->alg.enc, iv, buf, hdr->len, plain) ||
	    ike_isakmp_parse_payloads(hdr->next, plain, hdr->len - ISAKMP_HDR_LEN, true, &m,
	                              &notify)) {
		ike_session_hint(s, IKE_FAIL_AUTH, 0, "gateway's MM6 does not decrypt%s",
		                 s->cfg.auth == IKE_AUTH_PSK ? " (wrong pre-shared key?)" : "");
		return;
	}
	(void)len;
	idp = ike_isakmp_find(&m, ISAKMP_NP_ID, 0);
	auth = ike_isakmp_find(&m, s->cfg.auth == IKE_AUTH_PSK ? ISAKMP_NP_HASH : ISAKMP_NP_SIG, 0);
	if (!idp || !auth || ike_isakmp_parse_id(idp->body, idp->len, &id)) {
		ike_session_hint(s, IKE_FAIL_MALFORMED, 0, "gateway's MM6 lacks ID or %s",
		                 s->cfg.auth == IKE_AUTH_PSK ? "HASH" : "SIG");
		return;
	}
	ike_id_str(&id, who, sizeof(who));
	if (ike_mm_hash(s, p1, false, idp->body, idp->len, hash)) {
		ike_session_fail(s, IKE_FAIL_LOCAL, 0, "HASH_R computation failed");
		return;
	}
	if (s->cfg.auth == IKE_AUTH_PSK) {
		if (auth->len != p1->keys.prf_len || secure_memcmp(auth->body, hash, auth->len)) {
			ike_session_hint(s, IKE_FAIL_AUTH, 0,
			                 "gateway's HASH_R is wrong (pre-shared key?)");
			return;
		}
	} else {
		char err[160];

		/* With a remote ID configured, that ID (matched below, and in
		 * the certificate) names the gateway; else the host typed. */
		struct cert_policy pol = {
		    .host = s->cfg.remote_id.type == IKE_ID_NONE ? s->cfg.gateway_host : NULL,
		    .crl_load = s->cfg.crl_load,
		    .crl_load_ctx = s->cfg.crl_load_ctx};

		if (ike_cert_verify_peer(s->lib, s->cfg.ca, &m, &id, &pol, hash, ike_mm_hash_len(s, p1),
		                         auth->body, auth->len, err, sizeof(err), &notify)) {
			ike_session_hint(s, IKE_FAIL_AUTH, 0, "%s (%s)", err, who);
			return;
		}
		if (pol.cn_only)
			log_warn(s->lg, LOG_IKE,
			         "gateway certificate names %s only as its CN, not as a subject "
			         "alternative name: accepted, as old gateways need",
			         s->cfg.gateway_host);
	}
	if (!ike_id_matches(&s->cfg.remote_id, &id)) {
		ike_session_fail(s, IKE_FAIL_ID, 0, "gateway identified as %s, expected %s", who,
		                 s->cfg.remote_id.value);
		return;
	}
	memcpy(p1->iv, iv, sizeof(iv));
	ike_net_answered(s);
	ike_session_accepted(s);
	s->hint[0] = 0; /* what came before was forged or stale */
	loop_timer_stop(s->loop, &s->hint_timer);
	log_info(s->lg, LOG_IKE, "MM6: gateway authenticated as %s", who);
	p1->state = P1_DONE;
	ike_mm_export_keys(s, p1);
	ike_session_phase1_done(s, p1);
}

void ike_mm_export_keys(struct ike_session *s, const struct ike_p1 *p1)
{
	struct ike_p1_export k = {.enc_key = p1->keys.enc_key, .enc_key_len = p1->keys.enc_key_len};

	if (!s->cb.phase1_keys)
		return;
	memcpy(k.icookie, p1->icookie, 8);
	memcpy(k.rcookie, p1->rcookie, 8);
	s->cb.phase1_keys(s->ctx, &k);
}

void ike_mm_recv(struct ike_session *s, struct ike_p1 *p1, const uint8_t *buf, size_t len)
{
	struct isakmp_msg m;
	uint16_t notify;

	switch (p1->state) {
	case P1_MM1_SENT:
	case P1_MM3_SENT:
		if (ike_isakmp_parse_plain(buf, len, &m, &notify)) {
			ike_session_hint(s, IKE_FAIL_MALFORMED, notify,
			                 "gateway's %s does not parse",
			                 p1->state == P1_MM1_SENT ? "MM2" : "MM4");
			return;
		}
		if (p1->state == P1_MM1_SENT)
			mm_recv2(s, p1, &m);
		else if (memcmp(m.hdr.rcookie, p1->rcookie, 8) == 0)
			mm_recv4(s, p1, &m);
		else
			ike_session_drop(s, "MM4 with another responder cookie");
		return;
	case P1_MM5_SENT:
		if (ike_isakmp_parse_hdr(buf, len, &m.hdr) ||
		    memcmp(m.hdr.rcookie, p1->rcookie, 8) != 0)
			ike_session_drop(s, "MM6 with another responder cookie");
		else if (!(m.hdr.flags & ISAKMP_FLAG_ENC))
			ike_session_drop(s, "plaintext Main Mode message while waiting for MM6 "
			                    "(a late MM2/MM4)");
		else
			mm_recv6(s, p1, buf, len, &m.hdr);
		return;
	default:
		ike_session_drop(s, "Main Mode message in state %d", p1->state);
	}
}
