/* Unit tests for whole exchanges against a scripted responder on loopback
 * that does the responder's half of RFC 2409 itself (with the library's
 * primitives, checked against charon in test_ike_crypto): Main Mode and
 * Quick Mode with PSK, the ESP keys handed to the data path, an IPsec SA
 * rekey (make before break, then a DELETE for the old SA), DPD and the
 * gateway deleting the ISAKMP SA. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ike/crypto.h"
#include "ike/ike.h"
#include "ike/isakmp.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/util.h"

static const uint8_t psk[] = "exchange-test-psk";
static const uint8_t dpd_vid[16] = {0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9,
                                    0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00};

struct pair_seen {
	struct esp_sa_pair sa;
	bool rekey;
};

struct gw {
	struct loop *loop;
	struct logger lg;
	int fd;
	struct sockaddr_in peer;
	struct ike_session *ike;
	/* responder state */
	uint8_t icky[8], rcky[8];
	uint8_t sai_b[2048];
	size_t sai_len;
	struct isakmp_transform chosen;
	struct ike_dh *dh;
	uint8_t gxi[256], gxr[256], gxy[256], ni[64], nr[32];
	size_t ni_len;
	struct ike_p1_keys keys;
	uint8_t iv[16], p1_last[16];
	/* last Quick Mode */
	uint32_t qm_msgid, qm_spi_i, qm_spi_r;
	uint8_t qm_ni[64], qm_nr[32];
	size_t qm_ni_len;
	uint32_t qm_life, offered_life;
	uint32_t ike_life; /* 0 = default */
	bool rekeying;
	/* what the session told us */
	struct pair_seen seen[4];
	int nseen;
	uint32_t deleted_in[4], deleted_out[4];
	int ndeleted;
	int failed;
	struct ike_failure failure;
	uint8_t rx[ISAKMP_MAX_MSG], plain[ISAKMP_MAX_MSG];
	size_t rx_len;
};

static void on_established(void *ctx, const struct esp_sa_pair *sa, bool rekey)
{
	struct gw *g = ctx;

	assert_true(g->nseen < 4);
	g->seen[g->nseen].sa = *sa;
	g->seen[g->nseen++].rekey = rekey;
}

static void on_deleted(void *ctx, uint32_t in, uint32_t out)
{
	struct gw *g = ctx;

	assert_true(g->ndeleted < 4);
	g->deleted_in[g->ndeleted] = in;
	g->deleted_out[g->ndeleted++] = out;
}

static void on_failed(void *ctx, const struct ike_failure *f)
{
	struct gw *g = ctx;

	g->failed++;
	g->failure = *f;
}

static const struct ike_callbacks callbacks = {on_established, on_deleted, on_failed, NULL, NULL};

static int setup(void **state)
{
	struct gw *g = calloc(1, sizeof(*g));
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);

	g->loop = loop_new();
	log_init(&g->lg, LOG_TO_STDERR_PLAIN, LOG_LVL_ERR);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	g->fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_int_equal(bind(g->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(g->fd, (struct sockaddr *)&a, &alen), 0);
	g->peer = a; /* overwritten by the first datagram */
	memset(g->rcky, 0x5c, 8);
	*state = g;
	return 0;
}

static int teardown(void **state)
{
	struct gw *g = *state;

	ike_free(g->ike);
	ike_dh_free(g->dh);
	close(g->fd);
	loop_free(g->loop);
	free(g);
	return 0;
}

static void start(struct gw *g, uint32_t ipsec_life, uint32_t margin, uint32_t dpd)
{
	struct ike_config cfg;
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);

	ike_config_defaults(&cfg);
	getsockname(g->fd, (struct sockaddr *)&a, &alen);
	memcpy(&cfg.remote, &a, sizeof(a));
	cfg.local_ports_set = true;
	cfg.local_port = cfg.local_natt_port = 0;
	cfg.psk = psk;
	cfg.psk_len = sizeof(psk) - 1;
	cfg.ike_proposals = "aes128-sha1-modp2048!";
	cfg.esp_proposals = "aes256-sha1,aes128-sha1!";
	cfg.ipsec_lifetime_s = ipsec_life;
	if (g->ike_life)
		cfg.ike_lifetime_s = g->ike_life;
	g->offered_life = ipsec_life;
	cfg.rekey_margin_s = margin;
	cfg.dpd_interval_s = dpd;
	cfg.dpd_tries = 2;
	cfg.retransmit = (struct ike_retransmit){2000, 2000, 3};
	g->ike = ike_new(g->loop, &g->lg, &cfg, &callbacks, g);
	assert_non_null(g->ike);
	assert_int_equal(ike_start(g->ike), 0);
}

static bool recv_msg(struct gw *g, int timeout_ms)
{
	uint64_t end = loop_now_ms(g->loop) + (uint64_t)timeout_ms;

	while (loop_now_ms(g->loop) < end && !g->failed) {
		socklen_t flen = sizeof(g->peer);
		ssize_t n = recvfrom(g->fd, g->rx, sizeof(g->rx), MSG_DONTWAIT,
		                     (struct sockaddr *)&g->peer, &flen);

		if (n > 0) {
			g->rx_len = (size_t)n;
			return true;
		}
		loop_run_once(g->loop, 5);
	}
	return false;
}

static void send_msg(struct gw *g, const uint8_t *buf, size_t len)
{
	assert_int_equal(sendto(g->fd, buf, len, 0, (struct sockaddr *)&g->peer, sizeof(g->peer)),
	                 (ssize_t)len);
}

static void hdr_for(struct gw *g, struct isakmp_hdr *h, uint8_t exch, uint8_t flags, uint32_t msgid)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->icookie, g->icky, 8);
	memcpy(h->rcookie, g->rcky, 8);
	h->exchange = exch;
	h->flags = flags;
	h->msgid = msgid;
}

/* Decrypt the received message with iv (updated) and parse its chain. */
static void open_msg(struct gw *g, uint8_t *iv, struct isakmp_msg *m)
{
	uint16_t notify;

	assert_int_equal(isakmp_parse_hdr(g->rx, g->rx_len, &m->hdr), 0);
	assert_true(m->hdr.flags & ISAKMP_FLAG_ENC);
	assert_int_equal(
	    ike_decrypt_msg(NULL, &g->keys, IKE_ENC_AES, iv, g->rx, m->hdr.len, g->plain), 0);
	assert_int_equal(isakmp_parse_payloads(m->hdr.next, g->plain, m->hdr.len - ISAKMP_HDR_LEN,
	                                       true, m, &notify),
	                 0);
}

/* Phase 2 style HASH over M-ID | extra | payloads after the HASH payload. */
static void p2_hash(struct gw *g, uint32_t msgid, const uint8_t *extra, size_t extra_len,
                    const uint8_t *after, size_t after_len, uint8_t *out)
{
	uint8_t mid[4];

	put_be32(mid, msgid);
	const struct iov v[] = {{mid, 4}, {extra, extra_len}, {after, after_len}};

	assert_int_equal(ike_prf(NULL, IKE_HASH_SHA1, g->keys.skeyid_a, 20, v, 3, out), 0);
}

static void check_p2_hash(struct gw *g, const struct isakmp_msg *m, const uint8_t *extra,
                          size_t extra_len)
{
	uint8_t want[20];
	size_t after = m->pl[0].raw_len;

	assert_int_equal(m->pl[0].type, ISAKMP_NP_HASH);
	p2_hash(g, m->hdr.msgid, extra, extra_len, g->plain + after, m->chain_len - after, want);
	assert_memory_equal(m->pl[0].body, want, 20);
}

static void mm_responder(struct gw *g, bool have_mm1)
{
	struct isakmp_sa *sa = calloc(1, sizeof(*sa));
	struct isakmp_msg m;
	struct isakmp_builder b;
	struct isakmp_hdr h;
	uint8_t out[ISAKMP_MAX_MSG], hash[20], idr[8] = {ID_IPV4_ADDR, 0, 0, 0, 127, 0, 0, 1};
	uint16_t notify;
	size_t len, n;

	/* MM1 -> MM2: pick the one transform, announce DPD. */
	if (!have_mm1)
		assert_true(recv_msg(g, 2000));
	assert_int_equal(isakmp_parse_plain(g->rx, g->rx_len, &m, &notify), 0);
	memcpy(g->icky, m.hdr.icookie, 8);
	memcpy(g->sai_b, m.pl[0].body, m.pl[0].len);
	g->sai_len = m.pl[0].len;
	assert_int_equal(isakmp_parse_sa(m.pl[0].body, m.pl[0].len, sa, &notify), 0);
	g->chosen = sa->prop[0].tr[0];
	sa->prop[0].ntr = 1;
	hdr_for(g, &h, ISAKMP_XCHG_IDPROT, 0, 0);
	isakmp_build_begin(&b, out, sizeof(out), &h);
	isakmp_pl_begin(&b, ISAKMP_NP_SA);
	isakmp_write_sa_body(&b.w, sa);
	isakmp_pl_end(&b);
	isakmp_pl_add(&b, ISAKMP_NP_VID, dpd_vid, 16);
	send_msg(g, out, isakmp_build_end(&b));
	free(sa);

	/* MM3 -> MM4: our KE and nonce, the key schedule. */
	assert_true(recv_msg(g, 2000));
	assert_int_equal(isakmp_parse_plain(g->rx, g->rx_len, &m, &notify), 0);
	assert_int_equal(isakmp_find(&m, ISAKMP_NP_KE, 0)->len, 256);
	memcpy(g->gxi, isakmp_find(&m, ISAKMP_NP_KE, 0)->body, 256);
	g->ni_len = isakmp_find(&m, ISAKMP_NP_NONCE, 0)->len;
	memcpy(g->ni, isakmp_find(&m, ISAKMP_NP_NONCE, 0)->body, g->ni_len);
	ike_dh_free(g->dh);
	g->dh = ike_dh_new(NULL, 14);
	n = sizeof(g->gxr);
	assert_int_equal(ike_dh_public(g->dh, g->gxr, &n), 0);
	n = sizeof(g->gxy);
	assert_int_equal(ike_dh_shared(g->dh, g->gxi, 256, g->gxy, &n), 0);
	memset(g->nr, 0x3e, sizeof(g->nr));
	g->keys.hash = IKE_HASH_SHA1;
	ike_skeyid_psk(NULL, IKE_HASH_SHA1, psk, sizeof(psk) - 1, g->ni, g->ni_len, g->nr,
	               sizeof(g->nr), g->keys.skeyid);
	ike_p1_derive(NULL, &g->keys, g->gxy, 256, g->icky, g->rcky, 16);
	ike_iv_p1(NULL, IKE_HASH_SHA1, g->gxi, 256, g->gxr, 256, g->iv, 16);
	hdr_for(g, &h, ISAKMP_XCHG_IDPROT, 0, 0);
	isakmp_build_begin(&b, out, sizeof(out), &h);
	isakmp_pl_add(&b, ISAKMP_NP_KE, g->gxr, 256);
	isakmp_pl_add(&b, ISAKMP_NP_NONCE, g->nr, sizeof(g->nr));
	send_msg(g, out, isakmp_build_end(&b));

	/* MM5: ID, HASH_I, INITIAL-CONTACT; -> MM6: ID, HASH_R. */
	assert_true(recv_msg(g, 2000));
	open_msg(g, g->iv, &m);
	const struct isakmp_payload *id = isakmp_find(&m, ISAKMP_NP_ID, 0);
	const struct isakmp_payload *hi = isakmp_find(&m, ISAKMP_NP_HASH, 0);
	const struct isakmp_payload *ic = isakmp_find(&m, ISAKMP_NP_N, 0);
	struct isakmp_notify nt;

	assert_non_null(id);
	assert_non_null(hi);
	if (g->rekeying) {
		assert_null(ic); /* INITIAL-CONTACT only on the first SA */
	} else {
		assert_non_null(ic);
		assert_int_equal(isakmp_parse_notify(ic->body, ic->len, &nt), 0);
		assert_int_equal(nt.type, N_INITIAL_CONTACT);
	}
	assert_int_equal(ike_auth_hash(NULL, &g->keys, true, g->gxi, 256, g->gxr, 256, g->icky,
	                               g->rcky, g->sai_b, g->sai_len, id->body, id->len, hash),
	                 0);
	assert_memory_equal(hi->body, hash, 20);
	ike_auth_hash(NULL, &g->keys, false, g->gxi, 256, g->gxr, 256, g->icky, g->rcky, g->sai_b,
	              g->sai_len, idr, sizeof(idr), hash);
	hdr_for(g, &h, ISAKMP_XCHG_IDPROT, ISAKMP_FLAG_ENC, 0);
	isakmp_build_begin(&b, out, sizeof(out), &h);
	isakmp_pl_add(&b, ISAKMP_NP_ID, idr, sizeof(idr));
	isakmp_pl_add(&b, ISAKMP_NP_HASH, hash, 20);
	len = ike_encrypt_msg(NULL, &g->keys, IKE_ENC_AES, g->iv, out, isakmp_build_end(&b),
	                      sizeof(out));
	send_msg(g, out, len);
	memcpy(g->p1_last, g->iv, 16);
}

/* QM1 -> QM2 choosing transform 2 (aes128-sha1) with lifetime g->qm_life;
 * QM3 checked. */
static void qm_responder(struct gw *g, bool have_qm1)
{
	struct isakmp_sa *sa = calloc(1, sizeof(*sa));
	struct isakmp_msg m;
	struct isakmp_builder b;
	struct isakmp_hdr h;
	uint8_t out[ISAKMP_MAX_MSG], iv[16], hash[20];
	uint16_t notify;
	size_t hash_off, after, len;

	if (!have_qm1)
		assert_true(recv_msg(g, 3000));
	assert_int_equal(isakmp_parse_hdr(g->rx, g->rx_len, &m.hdr), 0);
	assert_int_equal(m.hdr.exchange, ISAKMP_XCHG_QUICK);
	g->qm_msgid = m.hdr.msgid;
	ike_iv_p2(NULL, IKE_HASH_SHA1, g->p1_last, 16, g->qm_msgid, iv);
	open_msg(g, iv, &m);
	check_p2_hash(g, &m, NULL, 0);
	const struct isakmp_payload *sap = isakmp_find(&m, ISAKMP_NP_SA, 0);
	const struct isakmp_payload *nonce = isakmp_find(&m, ISAKMP_NP_NONCE, 0);

	assert_int_equal(isakmp_parse_sa(sap->body, sap->len, sa, &notify), 0);
	assert_int_equal(sa->prop[0].proto, PROTO_IPSEC_ESP);
	assert_int_equal(sa->prop[0].ntr, 2);
	assert_int_equal(isakmp_count(&m, ISAKMP_NP_ID), 2);
	g->qm_spi_i = get_be32(sa->prop[0].spi);
	g->qm_ni_len = nonce->len;
	memcpy(g->qm_ni, nonce->body, nonce->len);
	g->qm_spi_r += 0x1000;
	memset(g->qm_nr, (int)(0x40 + g->qm_spi_r / 0x1000), sizeof(g->qm_nr));
	/* Answer: transform 2 only, our SPI, a shorter lifetime. */
	sa->prop[0].tr[0] = sa->prop[0].tr[1];
	sa->prop[0].ntr = 1;
	put_be32(sa->prop[0].spi, g->qm_spi_r);
	for (size_t i = 0; i < sa->prop[0].tr[0].nattr; i++)
		if (sa->prop[0].tr[0].attr[i].type == IPSEC_ATTR_LIFE_DURATION)
			sa->prop[0].tr[0].attr[i] =
			    (struct isakmp_attr){IPSEC_ATTR_LIFE_DURATION, true, g->qm_life};
	hdr_for(g, &h, ISAKMP_XCHG_QUICK, ISAKMP_FLAG_ENC, g->qm_msgid);
	isakmp_build_begin(&b, out, sizeof(out), &h);
	isakmp_pl_begin(&b, ISAKMP_NP_HASH);
	hash_off = b.w.len;
	bw_zero(&b.w, 20);
	isakmp_pl_end(&b);
	after = b.w.len;
	isakmp_pl_begin(&b, ISAKMP_NP_SA);
	isakmp_write_sa_body(&b.w, sa);
	isakmp_pl_end(&b);
	isakmp_pl_add(&b, ISAKMP_NP_NONCE, g->qm_nr, sizeof(g->qm_nr));
	for (size_t i = 0; i < 2; i++) {
		const struct isakmp_payload *idp = isakmp_find(&m, ISAKMP_NP_ID, i);

		isakmp_pl_add(&b, ISAKMP_NP_ID, idp->body, idp->len);
	}
	len = isakmp_build_end(&b);
	p2_hash(g, g->qm_msgid, g->qm_ni, g->qm_ni_len, out + after, len - after, out + hash_off);
	len = ike_encrypt_msg(NULL, &g->keys, IKE_ENC_AES, iv, out, len, sizeof(out));
	send_msg(g, out, len);
	free(sa);

	assert_true(recv_msg(g, 2000));
	open_msg(g, iv, &m);
	assert_int_equal(m.count, 1);
	ike_qm_hash3(NULL, &g->keys, g->qm_msgid, g->qm_ni, g->qm_ni_len, g->qm_nr,
	             sizeof(g->qm_nr), hash);
	assert_memory_equal(m.pl[0].body, hash, 20);
	for (int i = 0; i < 20 && g->nseen == 0; i++)
		loop_run_once(g->loop, 5);
}

/* The keys the session handed over are the responder's KEYMAT. */
static void check_keys(struct gw *g, const struct esp_sa_pair *p)
{
	uint8_t km[52], spi[4];

	assert_int_equal(p->in.spi, g->qm_spi_i);
	assert_int_equal(p->out.spi, g->qm_spi_r);
	assert_int_equal(p->out.cipher, ESP_CIPHER_AES_CBC);
	assert_int_equal(p->out.auth, ESP_AUTH_HMAC_SHA1_96);
	assert_int_equal(p->out.enc_key_len, 16);
	assert_int_equal(p->out.auth_key_len, 20);
	put_be32(spi, g->qm_spi_r);
	ike_keymat(NULL, &g->keys, NULL, 0, PROTO_IPSEC_ESP, spi, g->qm_ni, g->qm_ni_len, g->qm_nr,
	           sizeof(g->qm_nr), km, 36);
	assert_memory_equal(p->out.enc_key, km, 16);
	assert_memory_equal(p->out.auth_key, km + 16, 20);
	put_be32(spi, g->qm_spi_i);
	ike_keymat(NULL, &g->keys, NULL, 0, PROTO_IPSEC_ESP, spi, g->qm_ni, g->qm_ni_len, g->qm_nr,
	           sizeof(g->qm_nr), km, 36);
	assert_memory_equal(p->in.enc_key, km, 16);
	assert_memory_equal(p->in.auth_key, km + 16, 20);
	assert_false(p->udp_encap);
	assert_int_equal(p->local_l2tp_port, 1701);
	/* The shorter of ours and the gateway's. */
	assert_int_equal(p->lifetime.hard_seconds, MIN(g->qm_life, g->offered_life));
	assert_true(p->lifetime.soft_seconds < g->qm_life);
}

static void test_main_and_quick_mode_keys(void **state)
{
	struct gw *g = *state;
	struct ike_status st;

	g->qm_life = 1200; /* shorter than our 3600: the gateway's wins */
	start(g, 3600, 0, 1);
	mm_responder(g, false);
	qm_responder(g, false);
	assert_int_equal(g->failed, 0);
	assert_int_equal(g->nseen, 1);
	assert_false(g->seen[0].rekey);
	check_keys(g, &g->seen[0].sa);
	ike_get_status(g->ike, &st);
	assert_int_equal(st.state, IKE_STATE_ESTABLISHED);
	assert_string_equal(st.ike_algs, "aes128-sha1-modp2048");
	assert_string_equal(st.esp_algs, "aes128-sha1");
	assert_int_equal(st.spi_in, g->qm_spi_i);
	assert_int_equal(st.spi_out, g->qm_spi_r);
	assert_true(st.dpd);
	assert_true(st.ipsec_lifetime_left_s <= 1200 && st.ipsec_lifetime_left_s >= 1198);
}

/* Lifetime 3 s, margin 1 s: a new Quick Mode after ~2 s, the new pair is
 * announced as a rekey while the old one stays; ~2 s later the old one is
 * deleted towards the gateway and the data path. */
static void test_ipsec_rekey_make_before_break(void **state)
{
	struct gw *g = *state;
	uint32_t old_i, old_r;
	struct isakmp_msg m;
	uint8_t iv[16];
	struct isakmp_delete d;
	uint64_t t0;

	g->qm_life = 3;
	start(g, 3, 1, 0);
	mm_responder(g, false);
	qm_responder(g, false);
	assert_int_equal(g->nseen, 1);
	old_i = g->qm_spi_i;
	old_r = g->qm_spi_r;
	t0 = loop_now_ms(g->loop);
	/* Wait for the rekey's QM1. */
	for (;;) {
		assert_true(recv_msg(g, 4000));
		struct isakmp_hdr h;

		assert_int_equal(isakmp_parse_hdr(g->rx, g->rx_len, &h), 0);
		if (h.exchange == ISAKMP_XCHG_QUICK)
			break;
	}
	assert_true(loop_now_ms(g->loop) - t0 >= 1500);
	g->qm_life = 3600;
	qm_responder(g, true);
	assert_int_equal(g->failed, 0);
	assert_int_equal(g->nseen, 2);
	assert_true(g->seen[1].rekey);
	assert_int_not_equal(g->seen[1].sa.in.spi, old_i);
	check_keys(g, &g->seen[1].sa);
	assert_int_equal(g->ndeleted, 0); /* make before break */
	/* The old pair goes ~2 s later, with a DELETE for our old SPI. */
	for (;;) {
		assert_true(recv_msg(g, 4000));
		assert_int_equal(isakmp_parse_hdr(g->rx, g->rx_len, &m.hdr), 0);
		if (m.hdr.exchange != ISAKMP_XCHG_INFO)
			continue;
		ike_iv_p2(NULL, IKE_HASH_SHA1, g->p1_last, 16, m.hdr.msgid, iv);
		open_msg(g, iv, &m);
		check_p2_hash(g, &m, NULL, 0);
		if (m.pl[1].type == ISAKMP_NP_D)
			break;
	}
	assert_int_equal(isakmp_parse_delete(m.pl[1].body, m.pl[1].len, &d), 0);
	assert_int_equal(d.proto, PROTO_IPSEC_ESP);
	assert_int_equal(get_be32(d.spis), old_i);
	assert_int_equal(g->ndeleted, 1);
	assert_int_equal(g->deleted_in[0], old_i);
	assert_int_equal(g->deleted_out[0], old_r);
}

static size_t info_msg(struct gw *g, uint32_t msgid, const struct isakmp_notify *n,
                       const struct isakmp_delete *d, uint8_t *out, size_t cap)
{
	struct isakmp_builder b;
	struct isakmp_hdr h;
	uint8_t iv[16];
	size_t hash_off, after, len;

	hdr_for(g, &h, ISAKMP_XCHG_INFO, ISAKMP_FLAG_ENC, msgid);
	isakmp_build_begin(&b, out, cap, &h);
	isakmp_pl_begin(&b, ISAKMP_NP_HASH);
	hash_off = b.w.len;
	bw_zero(&b.w, 20);
	isakmp_pl_end(&b);
	after = b.w.len;
	if (n) {
		isakmp_pl_begin(&b, ISAKMP_NP_N);
		isakmp_write_notify(&b.w, n);
		isakmp_pl_end(&b);
	}
	if (d) {
		isakmp_pl_begin(&b, ISAKMP_NP_D);
		isakmp_write_delete(&b.w, d);
		isakmp_pl_end(&b);
	}
	len = isakmp_build_end(&b);
	p2_hash(g, msgid, NULL, 0, out + after, len - after, out + hash_off);
	ike_iv_p2(NULL, IKE_HASH_SHA1, g->p1_last, 16, msgid, iv);
	return ike_encrypt_msg(NULL, &g->keys, IKE_ENC_AES, iv, out, len, cap);
}

/* The gateway's R-U-THERE gets an ACK with its sequence number; our own
 * R-U-THEREs go unanswered until the session gives up (2 tries). */
static void test_dpd_both_ways(void **state)
{
	struct gw *g = *state;
	uint8_t out[512], spi[16], seq[4] = {0, 0, 0x12, 0x34}, iv[16];
	struct isakmp_notify n = {IPSEC_DOI, PROTO_ISAKMP, 16, N_DPD_R_U_THERE, spi, seq, 4}, got;
	struct isakmp_msg m;
	int acks = 0, ours = 0;
	char line[256];

	g->qm_life = 3600;
	start(g, 3600, 0, 1);
	mm_responder(g, false);
	qm_responder(g, false);
	memcpy(spi, g->icky, 8);
	memcpy(spi + 8, g->rcky, 8);
	send_msg(g, out, info_msg(g, 0x0badcafe, &n, NULL, out, sizeof(out)));
	while (!g->failed && recv_msg(g, 5000)) {
		assert_int_equal(isakmp_parse_hdr(g->rx, g->rx_len, &m.hdr), 0);
		ike_iv_p2(NULL, IKE_HASH_SHA1, g->p1_last, 16, m.hdr.msgid, iv);
		open_msg(g, iv, &m);
		check_p2_hash(g, &m, NULL, 0);
		assert_int_equal(isakmp_parse_notify(m.pl[1].body, m.pl[1].len, &got), 0);
		if (got.type == N_DPD_R_U_THERE_ACK) {
			assert_memory_equal(got.data, seq, 4);
			acks++;
		} else {
			assert_int_equal(got.type, N_DPD_R_U_THERE);
			assert_int_equal(got.data_len, 4);
			ours++;
		}
	}
	for (int i = 0; i < 400 && !g->failed; i++)
		loop_run_once(g->loop, 10);
	assert_int_equal(acks, 1);
	assert_int_equal(ours, 2);
	assert_int_equal(g->failed, 1);
	assert_int_equal(g->failure.reason, IKE_FAIL_DPD);
	ike_failure_str(&g->failure, line, sizeof(line));
	assert_non_null(strstr(line, "IKE failed at DPD: dead peer"));
	/* The data path was told to drop the pair. */
	assert_int_equal(g->ndeleted, 1);
}

static void test_gateway_deletes_isakmp_sa(void **state)
{
	struct gw *g = *state;
	uint8_t out[512], spi[16];
	struct isakmp_delete d = {IPSEC_DOI, PROTO_ISAKMP, 16, 1, spi};
	char line[256];

	g->qm_life = 3600;
	start(g, 3600, 0, 1);
	mm_responder(g, false);
	qm_responder(g, false);
	memcpy(spi, g->icky, 8);
	memcpy(spi + 8, g->rcky, 8);
	/* A forged delete (bad HASH) is ignored. */
	size_t len = info_msg(g, 0x1234, NULL, &d, out, sizeof(out));

	out[len - 1] ^= 1;
	send_msg(g, out, len);
	for (int i = 0; i < 20; i++)
		loop_run_once(g->loop, 5);
	assert_int_equal(g->failed, 0);
	send_msg(g, out, info_msg(g, 0x1235, NULL, &d, out, sizeof(out)));
	for (int i = 0; i < 100 && !g->failed; i++)
		loop_run_once(g->loop, 5);
	assert_int_equal(g->failed, 1);
	assert_int_equal(g->failure.reason, IKE_FAIL_DELETED);
	ike_failure_str(&g->failure, line, sizeof(line));
	assert_string_equal(
	    line, "IKE failed at established: deleted by the gateway: gateway deleted the "
	          "ISAKMP SA");
	assert_int_equal(g->ndeleted, 1);
	assert_int_equal(g->deleted_in[0], g->qm_spi_i);
}

/* IKE lifetime 3 s, margin 1 s: a new Main Mode with new cookies after ~2 s,
 * then a DELETE for the old ISAKMP SA under the old keys; the IPsec SA is
 * untouched. */
static void test_ike_sa_rekey(void **state)
{
	struct gw *g = *state;
	struct ike_p1_keys old_keys;
	uint8_t old_icky[8], old_last[16], iv[16];
	struct isakmp_msg m;
	struct isakmp_delete d;
	struct ike_status st;

	g->qm_life = 3600;
	g->ike_life = 3;
	start(g, 3600, 1, 0);
	mm_responder(g, false);
	qm_responder(g, false);
	old_keys = g->keys;
	memcpy(old_icky, g->icky, 8);
	memcpy(old_last, g->p1_last, 16);
	assert_true(recv_msg(g, 4000));
	assert_int_equal(isakmp_parse_hdr(g->rx, g->rx_len, &m.hdr), 0);
	assert_int_equal(m.hdr.exchange, ISAKMP_XCHG_IDPROT);
	assert_memory_not_equal(m.hdr.icookie, old_icky, 8);
	g->rekeying = true;
	mm_responder(g, true);
	assert_true(recv_msg(g, 2000));
	assert_int_equal(isakmp_parse_hdr(g->rx, g->rx_len, &m.hdr), 0);
	assert_int_equal(m.hdr.exchange, ISAKMP_XCHG_INFO);
	assert_memory_equal(m.hdr.icookie, old_icky, 8);
	g->keys = old_keys;
	ike_iv_p2(NULL, IKE_HASH_SHA1, old_last, 16, m.hdr.msgid, iv);
	open_msg(g, iv, &m);
	check_p2_hash(g, &m, NULL, 0);
	assert_int_equal(isakmp_parse_delete(m.pl[1].body, m.pl[1].len, &d), 0);
	assert_int_equal(d.proto, PROTO_ISAKMP);
	assert_memory_equal(d.spis, old_icky, 8);
	for (int i = 0; i < 20; i++)
		loop_run_once(g->loop, 5);
	assert_int_equal(g->failed, 0);
	assert_int_equal(g->ndeleted, 0);
	ike_get_status(g->ike, &st);
	assert_int_equal(st.state, IKE_STATE_ESTABLISHED);
	assert_memory_not_equal(st.icookie, old_icky, 8);
	assert_int_equal(st.spi_in, g->qm_spi_i);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_main_and_quick_mode_keys, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ipsec_rekey_make_before_break, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ike_sa_rekey, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dpd_both_ways, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_gateway_deletes_isakmp_sa, setup, teardown),
	};

	return cmocka_run_group_tests_name("ike_exchange", tests, NULL, NULL);
}
