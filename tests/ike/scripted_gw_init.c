/* The scripted gateway as initiator (see scripted_gw.h): the Quick Modes
 * and the Main Mode a gateway starts to rekey. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ike/natt.h"
#include "lib/util.h"
#include "tests/ike/scripted_gw.h"

/* ---- Quick Mode started by the gateway ---- */

void gw_rqm_send1(struct gw *g, struct gw_rqm *q)
{
	struct isakmp_sa *sa = calloc(1, sizeof(*sa));
	struct isakmp_transform *t;
	struct isakmp_builder b;
	struct isakmp_hdr h;
	uint8_t ke[256], id[8] = {ID_IPV4_ADDR, 17, 0x06, 0xa5, 127, 0, 0, 1};
	size_t hash_off, after, len, ke_len = sizeof(ke);

	assert_non_null(sa);
	sa->doi = IPSEC_DOI;
	sa->situation = IPSEC_SIT_IDENTITY_ONLY;
	sa->nprop = 1;
	sa->prop[0].num = 1;
	sa->prop[0].proto = PROTO_IPSEC_ESP;
	sa->prop[0].spi_len = 4;
	g->qm_spi_r += 0x1000;
	q->spi_g = g->qm_spi_r;
	put_be32(sa->prop[0].spi, q->spi_g);
	sa->prop[0].ntr = 1;
	t = &sa->prop[0].tr[0];
	t->num = 1;
	t->id = ESP_T_AES;
	ike_isakmp_attr_put(t, IPSEC_ATTR_LIFE_TYPE, LIFE_TYPE_SECONDS);
	ike_isakmp_attr_put(t, IPSEC_ATTR_LIFE_DURATION, q->life);
	ike_isakmp_attr_put(t, IPSEC_ATTR_ENCAP,
	                    g->floated ? ENCAP_UDP_TRANSPORT_RFC : ENCAP_TRANSPORT);
	ike_isakmp_attr_put(t, IPSEC_ATTR_AUTH, AUTH_ALG_HMAC_SHA);
	ike_isakmp_attr_put(t, IPSEC_ATTR_KEY_LEN, q->key_bits ? q->key_bits : 128);
	if (q->pfs) {
		ike_isakmp_attr_put(t, IPSEC_ATTR_GROUP, q->pfs);
		q->dh = ike_dh_new(NULL, q->pfs);
		assert_non_null(q->dh);
		assert_int_equal(ike_dh_public(q->dh, ke, &ke_len), 0);
	}
	memset(q->ni, 0x5c, sizeof(q->ni));
	gw_hdr(g, &h, ISAKMP_XCHG_QUICK, ISAKMP_FLAG_ENC, q->msgid);
	ike_isakmp_build_begin(&b, q->qm1, sizeof(q->qm1), &h);
	ike_isakmp_pl_begin(&b, ISAKMP_NP_HASH);
	hash_off = b.w.len;
	bw_zero(&b.w, 20);
	ike_isakmp_pl_end(&b);
	after = b.w.len;
	ike_isakmp_pl_begin(&b, ISAKMP_NP_SA);
	ike_isakmp_write_sa_body(&b.w, sa);
	ike_isakmp_pl_end(&b);
	ike_isakmp_pl_add(&b, ISAKMP_NP_NONCE, q->ni, sizeof(q->ni));
	if (q->pfs)
		ike_isakmp_pl_add(&b, ISAKMP_NP_KE, ke, ke_len);
	ike_isakmp_pl_add(&b, ISAKMP_NP_ID, id, sizeof(id)); /* IDci: the gateway's L2TP */
	ike_isakmp_pl_add(&b, ISAKMP_NP_ID, id, sizeof(id)); /* IDcr: ours */
	len = ike_isakmp_build_end(&b);
	gw_p2_hash(g, q->msgid, NULL, 0, q->qm1 + after, len - after, q->qm1 + hash_off);
	ike_iv_p2(NULL, IKE_HASH_SHA1, g->p1_last, 16, q->msgid, q->iv);
	q->qm1_len =
	    ike_encrypt_msg(NULL, &g->keys, IKE_ENC_AES, q->iv, q->qm1, len, sizeof(q->qm1));
	assert_true(q->qm1_len > 0);
	gw_send(g, q->qm1, q->qm1_len);
	free(sa);
}

void gw_rqm_recv2(struct gw *g, struct gw_rqm *q)
{
	struct isakmp_sa *sa = calloc(1, sizeof(*sa));
	struct isakmp_msg m;
	uint64_t encap = 0, group = 0;
	uint16_t notify;

	assert_non_null(sa);
	for (;;) {
		assert_true(gw_recv(g, 3000));
		assert_int_equal(ike_isakmp_parse_hdr(g->rx, g->rx_len, &m.hdr), 0);
		if (m.hdr.exchange == ISAKMP_XCHG_QUICK && m.hdr.msgid == q->msgid)
			break;
	}
	gw_open(g, q->iv, &m);
	gw_check_p2_hash(g, &m, q->ni, sizeof(q->ni));
	const struct isakmp_payload *sap = ike_isakmp_find(&m, ISAKMP_NP_SA, 0);
	const struct isakmp_payload *nr = ike_isakmp_find(&m, ISAKMP_NP_NONCE, 0);
	const struct isakmp_payload *ke = ike_isakmp_find(&m, ISAKMP_NP_KE, 0);

	assert_non_null(sap);
	assert_non_null(nr);
	assert_int_equal(ike_isakmp_count(&m, ISAKMP_NP_ID), 2);
	assert_int_equal(ike_isakmp_parse_sa(sap->body, sap->len, sa, &notify), 0);
	assert_int_equal(sa->nprop, 1);
	assert_int_equal(sa->prop[0].ntr, 1);
	assert_int_equal(sa->prop[0].tr[0].id, ESP_T_AES);
	ike_isakmp_attr_get(&sa->prop[0].tr[0], IPSEC_ATTR_ENCAP, &encap);
	ike_isakmp_attr_get(&sa->prop[0].tr[0], IPSEC_ATTR_GROUP, &group);
	assert_int_equal(encap, g->floated ? ENCAP_UDP_TRANSPORT_RFC : ENCAP_TRANSPORT);
	assert_int_equal(group, q->pfs);
	q->spi_c = get_be32(sa->prop[0].spi);
	assert_true(nr->len <= sizeof(q->nr));
	memcpy(q->nr, nr->body, nr->len);
	q->nr_len = nr->len;
	q->gxy_len = 0;
	if (q->pfs) {
		assert_non_null(ke);
		q->gxy_len = sizeof(q->gxy);
		assert_int_equal(ike_dh_shared(q->dh, ke->body, ke->len, q->gxy, &q->gxy_len), 0);
	} else {
		assert_null(ke);
	}
	ike_dh_free(q->dh);
	q->dh = NULL;
	free(sa);
}

void gw_rqm_send3(struct gw *g, struct gw_rqm *q)
{
	struct isakmp_builder b;
	struct isakmp_hdr h;
	uint8_t out[256], hash[20];
	size_t len;

	ike_qm_hash3(NULL, &g->keys, q->msgid, q->ni, sizeof(q->ni), q->nr, q->nr_len, hash);
	gw_hdr(g, &h, ISAKMP_XCHG_QUICK, ISAKMP_FLAG_ENC, q->msgid);
	ike_isakmp_build_begin(&b, out, sizeof(out), &h);
	ike_isakmp_pl_add(&b, ISAKMP_NP_HASH, hash, 20);
	len = ike_encrypt_msg(NULL, &g->keys, IKE_ENC_AES, q->iv, out, ike_isakmp_build_end(&b),
	                      sizeof(out));
	gw_send(g, out, len);
}

void gw_rqm_check_pair(struct gw *g, const struct gw_rqm *q, const struct esp_sa_pair *p)
{
	uint8_t km[36], spi[4];

	(void)g;
	assert_int_equal(p->in.spi, q->spi_c);
	assert_int_equal(p->out.spi, q->spi_g);
	/* The gateway is the initiator: Ni_b is its nonce (§5.5). */
	put_be32(spi, q->spi_g);
	ike_keymat(NULL, &g->keys, q->gxy_len ? q->gxy : NULL, q->gxy_len, PROTO_IPSEC_ESP, spi,
	           q->ni, sizeof(q->ni), q->nr, q->nr_len, km, 36);
	assert_memory_equal(p->out.enc_key, km, 16);
	assert_memory_equal(p->out.auth_key, km + 16, 20);
	put_be32(spi, q->spi_c);
	ike_keymat(NULL, &g->keys, q->gxy_len ? q->gxy : NULL, q->gxy_len, PROTO_IPSEC_ESP, spi,
	           q->ni, sizeof(q->ni), q->nr, q->nr_len, km, 36);
	assert_memory_equal(p->in.enc_key, km, 16);
	assert_memory_equal(p->in.auth_key, km + 16, 20);
	assert_int_equal(p->lifetime.hard_seconds, MIN(q->life, g->offered_life));
}

void gw_wait_pairs(struct gw *g, int n, int timeout_ms)
{
	uint64_t end = loop_now_ms(g->loop) + (uint64_t)timeout_ms;

	while (g->nseen < n && loop_now_ms(g->loop) < end && !g->failed)
		loop_run_once(g->loop, 5);
}

/* ---- Main Mode started by the gateway ---- */

/* The next IDPROT message from the client (others skipped). */
static void recv_idprot(struct gw *g, struct isakmp_hdr *h)
{
	do {
		assert_true(gw_recv(g, 3000));
		assert_int_equal(ike_isakmp_parse_hdr(g->rx, g->rx_len, h), 0);
	} while (h->exchange != ISAKMP_XCHG_IDPROT);
	assert_memory_equal(h->icookie, g->icky, 8);
}

static void mm_send1(struct gw *g)
{
	struct isakmp_sa *sa = calloc(1, sizeof(*sa));
	struct isakmp_transform *t;
	struct isakmp_builder b;
	struct isakmp_hdr h;
	uint8_t out[1024];
	size_t start;

	assert_non_null(sa);
	sa->doi = IPSEC_DOI;
	sa->situation = IPSEC_SIT_IDENTITY_ONLY;
	sa->nprop = 1;
	sa->prop[0].num = 1;
	sa->prop[0].proto = PROTO_ISAKMP;
	sa->prop[0].ntr = 2;
	/* First a transform the client does not do, then its own. */
	for (int i = 0; i < 2; i++) {
		t = &sa->prop[0].tr[i];
		t->num = (uint8_t)(i + 1);
		t->id = KEY_IKE;
		ike_isakmp_attr_put(t, IKE_ATTR_ENC, i == 0 ? IKE_ENC_3DES : IKE_ENC_AES);
		if (i == 1)
			ike_isakmp_attr_put(t, IKE_ATTR_KEY_LEN, 128);
		ike_isakmp_attr_put(t, IKE_ATTR_HASH, IKE_HASH_SHA1);
		ike_isakmp_attr_put(t, IKE_ATTR_AUTH, IKE_AUTH_METHOD_PSK);
		ike_isakmp_attr_put(t, IKE_ATTR_GROUP, 14);
		ike_isakmp_attr_put(t, IKE_ATTR_LIFE_TYPE, LIFE_TYPE_SECONDS);
		ike_isakmp_attr_put(t, IKE_ATTR_LIFE_DURATION, 1800);
	}
	memset(g->icky, 0x6b, 8);
	g->icky[7] = (uint8_t)(g->icky[7] + g->qm_spi_r / 0x1000);
	memset(g->rcky, 0, 8);
	gw_hdr(g, &h, ISAKMP_XCHG_IDPROT, 0, 0);
	ike_isakmp_build_begin(&b, out, sizeof(out), &h);
	ike_isakmp_pl_begin(&b, ISAKMP_NP_SA);
	start = b.w.len;
	ike_isakmp_write_sa_body(&b.w, sa);
	ike_isakmp_pl_end(&b);
	memcpy(g->sai_b, out + start, b.w.len - start);
	g->sai_len = b.w.len - start;
	ike_isakmp_pl_add(&b, ISAKMP_NP_VID, gw_dpd_vid, 16);
	if (g->natt)
		ike_isakmp_pl_add(&b, ISAKMP_NP_VID, gw_rfc3947_vid, 16);
	gw_send(g, out, ike_isakmp_build_end(&b));
	free(sa);
}

static void mm_take2(struct gw *g)
{
	struct isakmp_sa *sa = calloc(1, sizeof(*sa));
	struct isakmp_msg m;
	struct isakmp_hdr h;
	uint64_t enc = 0;
	uint16_t notify;

	assert_non_null(sa);
	recv_idprot(g, &h);
	assert_int_equal(ike_isakmp_parse_plain(g->rx, g->rx_len, &m, &notify), 0);
	memcpy(g->rcky, m.hdr.rcookie, 8);
	assert_int_equal(ike_isakmp_parse_sa(m.pl[0].body, m.pl[0].len, sa, &notify), 0);
	assert_int_equal(sa->prop[0].ntr, 1);
	ike_isakmp_attr_get(&sa->prop[0].tr[0], IKE_ATTR_ENC, &enc);
	assert_int_equal(enc, IKE_ENC_AES);
	free(sa);
}

static void mm_send3_take4(struct gw *g)
{
	struct isakmp_builder b;
	struct isakmp_hdr h;
	struct isakmp_msg m;
	uint8_t out[1024], ke[256];
	size_t kl = ike_dh_pub_len(14), n;
	uint16_t notify;

	ike_dh_free(g->dh);
	g->dh = ike_dh_new(NULL, 14);
	n = sizeof(ke);
	assert_int_equal(ike_dh_public(g->dh, ke, &n), 0);
	memcpy(g->gxi, ke, n); /* the gateway initiates: its value is g^xi */
	g->ke_len = kl;
	g->ni_len = 24;
	memset(g->ni, 0x2d, g->ni_len);
	gw_hdr(g, &h, ISAKMP_XCHG_IDPROT, 0, 0);
	ike_isakmp_build_begin(&b, out, sizeof(out), &h);
	ike_isakmp_pl_add(&b, ISAKMP_NP_KE, ke, kl);
	ike_isakmp_pl_add(&b, ISAKMP_NP_NONCE, g->ni, g->ni_len);
	gw_send(g, out, ike_isakmp_build_end(&b));

	recv_idprot(g, &h);
	assert_int_equal(ike_isakmp_parse_plain(g->rx, g->rx_len, &m, &notify), 0);
	const struct isakmp_payload *kr = ike_isakmp_find(&m, ISAKMP_NP_KE, 0);
	const struct isakmp_payload *nr = ike_isakmp_find(&m, ISAKMP_NP_NONCE, 0);

	assert_non_null(kr);
	assert_non_null(nr);
	assert_int_equal(kr->len, kl);
	assert_true(nr->len <= sizeof(g->nr));
	memcpy(g->gxr, kr->body, kl);
	n = sizeof(g->gxy);
	assert_int_equal(ike_dh_shared(g->dh, g->gxr, kl, g->gxy, &n), 0);
	memset(&g->keys, 0, sizeof(g->keys));
	g->keys.hash = IKE_HASH_SHA1;
	ike_skeyid_psk(NULL, IKE_HASH_SHA1, gw_psk, gw_psk_len, g->ni, g->ni_len, nr->body, nr->len,
	               g->keys.skeyid);
	ike_p1_derive(NULL, &g->keys, g->gxy, kl, g->icky, g->rcky, 16);
	ike_iv_p1(NULL, IKE_HASH_SHA1, g->gxi, kl, g->gxr, kl, g->iv, 16);
}

void gw_mm_initiate(struct gw *g)
{
	gw_mm_start(g);
	gw_mm_finish(g);
}

void gw_mm_start(struct gw *g)
{
	mm_send1(g);
	mm_take2(g);
	mm_send3_take4(g);
}

void gw_mm_finish(struct gw *g)
{
	struct isakmp_builder b;
	struct isakmp_hdr h;
	struct isakmp_msg m;
	uint8_t out[1024], hash[20], idi[8] = {ID_IPV4_ADDR, 0, 0, 0, 127, 0, 0, 1};
	size_t len;

	/* MM5: our ID and HASH_I; MM6: the client's, checked. */
	ike_auth_hash(NULL, &g->keys, true, g->gxi, g->ke_len, g->gxr, g->ke_len, g->icky, g->rcky,
	              g->sai_b, g->sai_len, idi, sizeof(idi), hash);
	gw_hdr(g, &h, ISAKMP_XCHG_IDPROT, ISAKMP_FLAG_ENC, 0);
	ike_isakmp_build_begin(&b, out, sizeof(out), &h);
	ike_isakmp_pl_add(&b, ISAKMP_NP_ID, idi, sizeof(idi));
	ike_isakmp_pl_add(&b, ISAKMP_NP_HASH, hash, 20);
	len = ike_encrypt_msg(NULL, &g->keys, IKE_ENC_AES, g->iv, out, ike_isakmp_build_end(&b),
	                      sizeof(out));
	gw_send(g, out, len);
	recv_idprot(g, &h);
	gw_open(g, g->iv, &m);
	const struct isakmp_payload *id = ike_isakmp_find(&m, ISAKMP_NP_ID, 0);
	const struct isakmp_payload *hr = ike_isakmp_find(&m, ISAKMP_NP_HASH, 0);

	assert_non_null(id);
	assert_non_null(hr);
	ike_auth_hash(NULL, &g->keys, false, g->gxi, g->ke_len, g->gxr, g->ke_len, g->icky, g->rcky,
	              g->sai_b, g->sai_len, id->body, id->len, hash);
	assert_memory_equal(hr->body, hash, 20);
	memcpy(g->p1_last, g->iv, 16);
}
