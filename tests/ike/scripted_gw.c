/* The scripted IKEv1 responder of the unit tests (see scripted_gw.h). */
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

const uint8_t gw_psk[] = "exchange-test-psk";
const size_t gw_psk_len = sizeof(gw_psk) - 1;
const uint8_t gw_dpd_vid[16] = {0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9,
                                0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00};
const uint8_t gw_rfc3947_vid[16] = {0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45,
                                    0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f};

static void on_established(void *ctx, const struct esp_sa_pair *sa, bool rekey)
{
	struct gw *g = ctx;

	assert_true(g->nseen < 8);
	g->seen[g->nseen].sa = *sa;
	g->seen[g->nseen++].rekey = rekey;
}

static void on_inbound(void *ctx, const struct esp_sa_pair *sa)
{
	struct gw *g = ctx;

	assert_true(g->ninbound < 8);
	g->inbound[g->ninbound++] = *sa;
}

static void on_deleted(void *ctx, uint32_t in, uint32_t out)
{
	struct gw *g = ctx;

	assert_true(g->ndeleted < 8);
	g->deleted_in[g->ndeleted] = in;
	g->deleted_out[g->ndeleted++] = out;
}

static void on_failed(void *ctx, const struct ike_failure *f)
{
	struct gw *g = ctx;

	g->failed++;
	g->failure = *f;
}

static void on_non_ike(void *ctx, const uint8_t *buf, size_t len, const struct sockaddr *from)
{
	struct gw *g = ctx;

	assert_non_null(from);
	g->non_ike++;
	g->non_ike_len = MIN(len, sizeof(g->non_ike_buf));
	memcpy(g->non_ike_buf, buf, g->non_ike_len);
}

static void on_ping_answered(void *ctx)
{
	((struct gw *)ctx)->pings++;
}

static void on_phase1_keys(void *ctx, const struct ike_p1_export *k)
{
	struct gw *g = ctx;

	assert_true(k->enc_key_len <= sizeof(g->p1_enc_key));
	g->p1_exports++;
	memcpy(g->p1_icookie, k->icookie, 8);
	memcpy(g->p1_enc_key, k->enc_key, k->enc_key_len);
	g->p1_enc_key_len = k->enc_key_len;
}

static const struct ike_callbacks callbacks = {
    .sa_established = on_established,
    .sa_expired_or_deleted = on_deleted,
    .sa_inbound = on_inbound,
    .failed = on_failed,
    .non_ike_packet = on_non_ike,
    .ping_answered = on_ping_answered,
    .phase1_keys = on_phase1_keys,
};

static int bound_socket(int family, struct sockaddr_storage *a)
{
	socklen_t alen = sizeof(*a);
	int fd = socket(family, SOCK_DGRAM, 0);

	memset(a, 0, sizeof(*a));
	a->ss_family = (sa_family_t)family;
	if (family == AF_INET6)
		((struct sockaddr_in6 *)a)->sin6_addr = in6addr_loopback;
	else
		((struct sockaddr_in *)a)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)a, sizeof(*a)) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	assert_int_equal(getsockname(fd, (struct sockaddr *)a, &alen), 0);
	return fd;
}

static int setup_family(void **state, int family)
{
	struct gw *g = calloc(1, sizeof(*g));

	assert_non_null(g);
	g->family = family;
	g->fd = bound_socket(family, &g->peer);           /* overwritten by the first datagram */
	g->fd_natt = bound_socket(family, &g->peer_natt); /* likewise */
	if (g->fd < 0 || g->fd_natt < 0) {
		if (g->fd >= 0)
			close(g->fd);
		free(g);
		if (family == AF_INET6)
			skip(); /* no ::1 here (IPv6 disabled) */
		fail_msg("cannot bind a loopback socket");
	}
	g->loop = loop_new();
	log_init(&g->lg, LOG_TO_STDERR_PLAIN, LOG_LVL_ERR);
	memset(g->rcky, 0x5c, 8);
	*state = g;
	return 0;
}

int gw_setup(void **state)
{
	return setup_family(state, AF_INET);
}

int gw_setup6(void **state)
{
	return setup_family(state, AF_INET6);
}

int gw_teardown(void **state)
{
	struct gw *g = *state;

	ike_free(g->ike);
	ike_dh_free(g->dh);
	close(g->fd);
	close(g->fd_natt);
	loop_free(g->loop);
	free(g);
	return 0;
}

void gw_config(struct gw *g, struct ike_config *cfg, uint32_t ipsec_life, uint32_t margin,
               uint32_t dpd)
{
	struct sockaddr_storage a;
	socklen_t alen = sizeof(a);

	ike_config_defaults(cfg);
	getsockname(g->fd, (struct sockaddr *)&a, &alen);
	memcpy(&cfg->remote, &a, sizeof(a));
	alen = sizeof(a);
	getsockname(g->fd_natt, (struct sockaddr *)&a, &alen);
	cfg->remote_natt_port =
	    ntohs(a.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&a)->sin6_port
	                                  : ((struct sockaddr_in *)&a)->sin_port);
	cfg->local_ports_set = true;
	cfg->local_port = cfg->local_natt_port = 0;
	cfg->psk = gw_psk;
	cfg->psk_len = gw_psk_len;
	cfg->ike_proposals = "aes128-sha1-modp2048!";
	cfg->esp_proposals = "aes256-sha1,aes128-sha1!";
	cfg->ipsec_lifetime_s = ipsec_life;
	if (g->ike_life)
		cfg->ike_lifetime_s = g->ike_life;
	g->offered_life = ipsec_life;
	cfg->rekey_margin_s = margin;
	cfg->dpd_interval_s = dpd;
	cfg->dpd_tries = 2;
	cfg->keepalive_interval_s = g->keepalive_s;
	cfg->force_encaps = g->force_encaps;
	cfg->pfs_group = g->pfs;
	cfg->retransmit = (struct ike_retransmit){2000, 2000, 3};
}

void gw_start_cfg(struct gw *g, const struct ike_config *cfg)
{
	g->ike = ike_new(g->loop, &g->lg, cfg, &callbacks, g);
	assert_non_null(g->ike);
	assert_int_equal(ike_start(g->ike), 0);
}

void gw_start(struct gw *g, uint32_t ipsec_life, uint32_t margin, uint32_t dpd)
{
	struct ike_config cfg;

	gw_config(g, &cfg, ipsec_life, margin, dpd);
	gw_start_cfg(g, &cfg);
}

void gw_run(struct gw *g, int ms)
{
	uint64_t end = loop_now_ms(g->loop) + (uint64_t)ms, now;

	/* Messages are read and dropped, keepalives counted. */
	while ((now = loop_now_ms(g->loop)) < end)
		if (!gw_recv(g, (int)(end - now)))
			loop_run_once(g->loop, 5);
}

bool gw_recv(struct gw *g, int timeout_ms)
{
	uint64_t end = loop_now_ms(g->loop) + (uint64_t)timeout_ms;

	while (loop_now_ms(g->loop) < end && !g->failed) {
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(g->fd, g->rx, sizeof(g->rx), MSG_DONTWAIT,
		                     (struct sockaddr *)&from, &flen);

		if (n > 0) {
			g->peer = from;
			g->floated = false;
			g->rx_len = (size_t)n;
			return true;
		}
		flen = sizeof(from);
		n = recvfrom(g->fd_natt, g->rx, sizeof(g->rx), MSG_DONTWAIT,
		             (struct sockaddr *)&from, &flen);
		if (n == 1 && g->rx[0] == 0xff) {
			g->keepalives++;
			continue;
		}
		if (n > 4) {
			assert_int_equal(get_be32(g->rx), 0); /* non-ESP marker */
			g->peer_natt = from;
			g->floated = true;
			g->rx_len = (size_t)n - 4;
			memmove(g->rx, g->rx + 4, g->rx_len);
			return true;
		}
		loop_run_once(g->loop, 5);
	}
	return false;
}

void gw_send(struct gw *g, const uint8_t *buf, size_t len)
{
	uint8_t tmp[ISAKMP_MAX_MSG + 4];

	if (!g->floated) {
		assert_int_equal(
		    sendto(g->fd, buf, len, 0, (struct sockaddr *)&g->peer, sizeof(g->peer)),
		    (ssize_t)len);
		return;
	}
	memset(tmp, 0, 4);
	memcpy(tmp + 4, buf, len);
	assert_int_equal(sendto(g->fd_natt, tmp, len + 4, 0, (struct sockaddr *)&g->peer_natt,
	                        sizeof(g->peer_natt)),
	                 (ssize_t)len + 4);
}

void gw_hdr(struct gw *g, struct isakmp_hdr *h, uint8_t exch, uint8_t flags, uint32_t msgid)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->icookie, g->icky, 8);
	memcpy(h->rcookie, g->rcky, 8);
	h->exchange = exch;
	h->flags = flags;
	h->msgid = msgid;
}

void gw_open(struct gw *g, uint8_t *iv, struct isakmp_msg *m)
{
	uint16_t notify;

	assert_int_equal(ike_isakmp_parse_hdr(g->rx, g->rx_len, &m->hdr), 0);
	assert_true(m->hdr.flags & ISAKMP_FLAG_ENC);
	assert_int_equal(
	    ike_decrypt_msg(NULL, &g->keys, IKE_ENC_AES, iv, g->rx, m->hdr.len, g->plain), 0);
	assert_int_equal(ike_isakmp_parse_payloads(m->hdr.next, g->plain,
	                                           m->hdr.len - ISAKMP_HDR_LEN, true, m, &notify),
	                 0);
}

void gw_open_info(struct gw *g, struct isakmp_msg *m)
{
	uint8_t iv[16];

	assert_int_equal(ike_isakmp_parse_hdr(g->rx, g->rx_len, &m->hdr), 0);
	ike_iv_p2(NULL, IKE_HASH_SHA1, g->p1_last, 16, m->hdr.msgid, iv);
	gw_open(g, iv, m);
	gw_check_p2_hash(g, m, NULL, 0);
}

/* Phase 2 style HASH over M-ID | extra | payloads after the HASH payload. */
void gw_p2_hash(struct gw *g, uint32_t msgid, const uint8_t *extra, size_t extra_len,
                const uint8_t *after, size_t after_len, uint8_t *out)
{
	uint8_t mid[4];

	put_be32(mid, msgid);
	const struct iov v[] = {{mid, 4}, {extra, extra_len}, {after, after_len}};

	assert_int_equal(ike_prf(NULL, IKE_HASH_SHA1, g->keys.skeyid_a, 20, v, 3, out), 0);
}

void gw_check_p2_hash(struct gw *g, const struct isakmp_msg *m, const uint8_t *extra,
                      size_t extra_len)
{
	uint8_t want[20];
	size_t after = m->pl[0].raw_len;

	assert_int_equal(m->pl[0].type, ISAKMP_NP_HASH);
	gw_p2_hash(g, m->hdr.msgid, extra, extra_len, g->plain + after, m->chain_len - after, want);
	assert_memory_equal(m->pl[0].body, want, 20);
}

void gw_mm2(struct gw *g, bool have_mm1)
{
	struct isakmp_sa *sa = calloc(1, sizeof(*sa));
	struct isakmp_msg m;
	struct isakmp_builder b;
	struct isakmp_hdr h;
	uint8_t out[ISAKMP_MAX_MSG];
	uint16_t notify;

	/* MM1 -> MM2: pick the one transform, announce DPD (and NAT-T). */
	if (!have_mm1)
		assert_true(gw_recv(g, 2000));
	assert_int_equal(ike_isakmp_parse_plain(g->rx, g->rx_len, &m, &notify), 0);
	memcpy(g->icky, m.hdr.icookie, 8);
	memcpy(g->sai_b, m.pl[0].body, m.pl[0].len);
	g->sai_len = m.pl[0].len;
	assert_int_equal(ike_isakmp_parse_sa(m.pl[0].body, m.pl[0].len, sa, &notify), 0);
	assert_true((size_t)g->choose_tr < sa->prop[0].ntr);
	g->chosen = sa->prop[0].tr[g->choose_tr];
	sa->prop[0].tr[0] = g->chosen;
	sa->prop[0].ntr = 1;
	gw_hdr(g, &h, ISAKMP_XCHG_IDPROT, 0, 0);
	ike_isakmp_build_begin(&b, out, sizeof(out), &h);
	ike_isakmp_pl_begin(&b, ISAKMP_NP_SA);
	ike_isakmp_write_sa_body(&b.w, sa);
	ike_isakmp_pl_end(&b);
	if (!g->no_dpd)
		ike_isakmp_pl_add(&b, ISAKMP_NP_VID, gw_dpd_vid, 16);
	if (g->natt)
		ike_isakmp_pl_add(&b, ISAKMP_NP_VID, gw_rfc3947_vid, 16);
	g->mm2_len = ike_isakmp_build_end(&b);
	assert_true(g->mm2_len <= sizeof(g->mm2_copy));
	memcpy(g->mm2_copy, out, g->mm2_len);
	gw_send(g, out, g->mm2_len);
	free(sa);
}

static void mm4(struct gw *g)
{
	struct isakmp_msg m;
	struct isakmp_builder b;
	struct isakmp_hdr h;
	uint8_t out[ISAKMP_MAX_MSG], natd[64];
	uint16_t notify;
	size_t n;

	/* MM3 -> MM4: our KE and nonce, the key schedule, NAT-D. */
	uint64_t group = 14;
	size_t kl;

	ike_isakmp_attr_get(&g->chosen, IKE_ATTR_GROUP, &group);
	kl = ike_dh_pub_len((uint16_t)group);
	assert_true(gw_recv(g, 2000));
	assert_int_equal(ike_isakmp_parse_plain(g->rx, g->rx_len, &m, &notify), 0);
	assert_int_equal(ike_isakmp_find(&m, ISAKMP_NP_KE, 0)->len, kl);
	memcpy(g->gxi, ike_isakmp_find(&m, ISAKMP_NP_KE, 0)->body, kl);
	g->ni_len = ike_isakmp_find(&m, ISAKMP_NP_NONCE, 0)->len;
	memcpy(g->ni, ike_isakmp_find(&m, ISAKMP_NP_NONCE, 0)->body, g->ni_len);
	g->nnatd = (int)ike_isakmp_count(&m, ISAKMP_NP_NATD);
	for (int i = 0; i < g->nnatd && i < 2; i++) {
		const struct isakmp_payload *pl = ike_isakmp_find(&m, ISAKMP_NP_NATD, (size_t)i);

		assert_true(pl->len <= sizeof(g->natd[i]));
		memcpy(g->natd[i], pl->body, pl->len);
		g->natd_len[i] = pl->len;
	}
	ike_dh_free(g->dh);
	g->dh = ike_dh_new(NULL, (uint16_t)group);
	n = sizeof(g->gxr);
	assert_int_equal(ike_dh_public(g->dh, g->gxr, &n), 0);
	n = sizeof(g->gxy);
	assert_int_equal(ike_dh_shared(g->dh, g->gxi, kl, g->gxy, &n), 0);
	memset(g->nr, 0x3e, sizeof(g->nr));
	g->keys.hash = IKE_HASH_SHA1;
	ike_skeyid_psk(NULL, IKE_HASH_SHA1, gw_psk, gw_psk_len, g->ni, g->ni_len, g->nr,
	               sizeof(g->nr), g->keys.skeyid);
	ike_p1_derive(NULL, &g->keys, g->gxy, kl, g->icky, g->rcky, 16);
	ike_iv_p1(NULL, IKE_HASH_SHA1, g->gxi, kl, g->gxr, kl, g->iv, 16);
	g->ke_len = kl;
	gw_hdr(g, &h, ISAKMP_XCHG_IDPROT, 0, 0);
	ike_isakmp_build_begin(&b, out, sizeof(out), &h);
	ike_isakmp_pl_add(&b, ISAKMP_NP_KE, g->gxr, kl);
	ike_isakmp_pl_add(&b, ISAKMP_NP_NONCE, g->nr, sizeof(g->nr));
	if (g->natt) {
		/* RFC 3947 §3.2: first the initiator as we see it, then us. */
		struct sockaddr_storage us;
		socklen_t alen = sizeof(us);

		n = ike_natt_hash(NULL, IKE_HASH_SHA1, g->icky, g->rcky,
		                  (const struct sockaddr *)&g->peer, natd);
		if (g->fake_nat_local)
			natd[0] ^= 0x80;
		ike_isakmp_pl_add(&b, ISAKMP_NP_NATD, natd, n);
		getsockname(g->fd, (struct sockaddr *)&us, &alen);
		n = ike_natt_hash(NULL, IKE_HASH_SHA1, g->icky, g->rcky,
		                  (const struct sockaddr *)&us, natd);
		ike_isakmp_pl_add(&b, ISAKMP_NP_NATD, natd, n);
	}
	g->mm4_len = ike_isakmp_build_end(&b);
	assert_true(g->mm4_len <= sizeof(g->mm4_copy));
	memcpy(g->mm4_copy, out, g->mm4_len);
	gw_send(g, out, g->mm4_len);
}

/* Stale and forged messages while the client waits for MM6. */
static void send_late_dups(struct gw *g)
{
	struct isakmp_builder b;
	struct isakmp_hdr h;
	uint8_t junk[28 + 64], body[64];
	size_t n;

	gw_send(g, g->mm2_copy, g->mm2_len);
	gw_send(g, g->mm4_copy, g->mm4_len);
	/* Encrypted-looking garbage with the right cookies: does not decrypt
	 * to payloads, so it must not end the session. */
	gw_hdr(g, &h, ISAKMP_XCHG_IDPROT, ISAKMP_FLAG_ENC, 0);
	ike_isakmp_build_begin(&b, junk, sizeof(junk), &h);
	memset(body, 0xa7, sizeof(body));
	bw_bytes(&b.w, body, sizeof(body));
	n = ike_isakmp_build_end(&b);
	assert_int_equal(n, sizeof(junk));
	junk[16] = ISAKMP_NP_ID;
	gw_send(g, junk, n);
	/* MM4 again means our MM4 got lost: MM5 comes again; MM2 and the
	 * garbage are dropped without an answer. */
	assert_true(gw_recv(g, 1000));
	assert_int_equal(ike_isakmp_parse_hdr(g->rx, g->rx_len, &h), 0);
	assert_int_equal(h.exchange, ISAKMP_XCHG_IDPROT);
	assert_false(gw_recv(g, 100));
}

void gw_main_mode(struct gw *g, bool have_mm1)
{
	struct isakmp_msg m;
	struct isakmp_builder b;
	struct isakmp_hdr h;
	uint8_t out[ISAKMP_MAX_MSG], hash[20], idr[20] = {ID_IPV4_ADDR, 0, 0, 0, 127, 0, 0, 1};
	size_t len, idr_len = 8;

	gw_mm2(g, have_mm1);
	mm4(g);
	/* MM5: ID, HASH_I, INITIAL-CONTACT; -> MM6: ID, HASH_R. */
	assert_true(gw_recv(g, 2000));
	gw_open(g, g->iv, &m);
	const struct isakmp_payload *id = ike_isakmp_find(&m, ISAKMP_NP_ID, 0);
	const struct isakmp_payload *hi = ike_isakmp_find(&m, ISAKMP_NP_HASH, 0);
	const struct isakmp_payload *ic = ike_isakmp_find(&m, ISAKMP_NP_N, 0);
	struct isakmp_notify nt;

	assert_non_null(id);
	assert_non_null(hi);
	assert_true(id->len <= sizeof(g->mm5_id));
	memcpy(g->mm5_id, id->body, id->len);
	g->mm5_id_len = id->len;
	if (g->family == AF_INET6) { /* ID_IPV6_ADDR ::1 */
		memset(idr, 0, sizeof(idr));
		idr[0] = ID_IPV6_ADDR;
		idr[19] = 1;
		idr_len = 20;
	}
	if (g->rekeying) {
		assert_null(ic); /* INITIAL-CONTACT only on the first SA */
	} else {
		assert_non_null(ic);
		assert_int_equal(ike_isakmp_parse_notify(ic->body, ic->len, &nt), 0);
		assert_int_equal(nt.type, N_INITIAL_CONTACT);
	}
	assert_int_equal(ike_auth_hash(NULL, &g->keys, true, g->gxi, g->ke_len, g->gxr, g->ke_len,
	                               g->icky, g->rcky, g->sai_b, g->sai_len, id->body, id->len,
	                               hash),
	                 0);
	assert_memory_equal(hi->body, hash, 20);
	if (g->late_dups)
		send_late_dups(g);
	ike_auth_hash(NULL, &g->keys, false, g->gxi, g->ke_len, g->gxr, g->ke_len, g->icky, g->rcky,
	              g->sai_b, g->sai_len, idr, idr_len, hash);
	gw_hdr(g, &h, ISAKMP_XCHG_IDPROT, ISAKMP_FLAG_ENC, 0);
	ike_isakmp_build_begin(&b, out, sizeof(out), &h);
	ike_isakmp_pl_add(&b, ISAKMP_NP_ID, idr, idr_len);
	ike_isakmp_pl_add(&b, ISAKMP_NP_HASH, hash, 20);
	len = ike_encrypt_msg(NULL, &g->keys, IKE_ENC_AES, g->iv, out, ike_isakmp_build_end(&b),
	                      sizeof(out));
	gw_send(g, out, len);
	memcpy(g->p1_last, g->iv, 16);
}

/* QM1 -> QM2 choosing transform 2 (aes128-sha1) with lifetime g->qm_life;
 * QM3 checked. */
void gw_quick_mode(struct gw *g, bool have_qm1)
{
	struct isakmp_sa *sa = calloc(1, sizeof(*sa));
	struct isakmp_msg m;
	struct isakmp_builder b;
	struct isakmp_hdr h;
	uint8_t out[ISAKMP_MAX_MSG], iv[16], hash[20];
	uint16_t notify;
	size_t hash_off, after, len;

	if (!have_qm1)
		assert_true(gw_recv(g, 3000));
	assert_int_equal(ike_isakmp_parse_hdr(g->rx, g->rx_len, &m.hdr), 0);
	assert_int_equal(m.hdr.exchange, ISAKMP_XCHG_QUICK);
	g->qm_msgid = m.hdr.msgid;
	ike_iv_p2(NULL, IKE_HASH_SHA1, g->p1_last, 16, g->qm_msgid, iv);
	gw_open(g, iv, &m);
	gw_check_p2_hash(g, &m, NULL, 0);
	const struct isakmp_payload *sap = ike_isakmp_find(&m, ISAKMP_NP_SA, 0);
	const struct isakmp_payload *nonce = ike_isakmp_find(&m, ISAKMP_NP_NONCE, 0);

	assert_int_equal(ike_isakmp_parse_sa(sap->body, sap->len, sa, &notify), 0);
	assert_int_equal(sa->prop[0].proto, PROTO_IPSEC_ESP);
	assert_int_equal(sa->prop[0].ntr, 2);
	assert_int_equal(ike_isakmp_count(&m, ISAKMP_NP_ID), 2);
	g->qm_nnatoa = ike_isakmp_count(&m, ISAKMP_NP_NATOA);
	for (size_t i = 0; i < g->qm_nnatoa && i < 2; i++) {
		const struct isakmp_payload *oa = ike_isakmp_find(&m, ISAKMP_NP_NATOA, i);

		assert_int_equal(ike_isakmp_parse_natoa(oa->body, oa->len, &g->qm_natoa[i]), 0);
	}
	g->qm_ke = ike_isakmp_find(&m, ISAKMP_NP_KE, 0) != NULL;
	g->qm_encap = g->qm_group = 0;
	ike_isakmp_attr_get(&sa->prop[0].tr[1], IPSEC_ATTR_ENCAP, &g->qm_encap);
	ike_isakmp_attr_get(&sa->prop[0].tr[1], IPSEC_ATTR_GROUP, &g->qm_group);
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
	gw_hdr(g, &h, ISAKMP_XCHG_QUICK, ISAKMP_FLAG_ENC, g->qm_msgid);
	ike_isakmp_build_begin(&b, out, sizeof(out), &h);
	ike_isakmp_pl_begin(&b, ISAKMP_NP_HASH);
	hash_off = b.w.len;
	bw_zero(&b.w, 20);
	ike_isakmp_pl_end(&b);
	after = b.w.len;
	ike_isakmp_pl_begin(&b, ISAKMP_NP_SA);
	ike_isakmp_write_sa_body(&b.w, sa);
	ike_isakmp_pl_end(&b);
	ike_isakmp_pl_add(&b, ISAKMP_NP_NONCE, g->qm_nr, sizeof(g->qm_nr));
	for (size_t i = 0; i < 2; i++) {
		const struct isakmp_payload *idp = ike_isakmp_find(&m, ISAKMP_NP_ID, i);

		assert_true(idp->len <= sizeof(g->qm_id[i]));
		memcpy(g->qm_id[i], idp->body, idp->len);
		g->qm_id_len[i] = idp->len;
		ike_isakmp_pl_add(&b, ISAKMP_NP_ID, idp->body, idp->len);
	}
	len = ike_isakmp_build_end(&b);
	gw_p2_hash(g, g->qm_msgid, g->qm_ni, g->qm_ni_len, out + after, len - after,
	           out + hash_off);
	len = ike_encrypt_msg(NULL, &g->keys, IKE_ENC_AES, iv, out, len, sizeof(out));
	gw_send(g, out, len);
	free(sa);

	assert_true(gw_recv(g, 2000));
	gw_open(g, iv, &m);
	assert_int_equal(m.count, 1);
	ike_qm_hash3(NULL, &g->keys, g->qm_msgid, g->qm_ni, g->qm_ni_len, g->qm_nr,
	             sizeof(g->qm_nr), hash);
	assert_memory_equal(m.pl[0].body, hash, 20);
	for (int i = 0; i < 20 && g->nseen == 0; i++)
		loop_run_once(g->loop, 5);
}

/* The keys the session handed over are the responder's KEYMAT. */
void gw_check_keys(struct gw *g, const struct esp_sa_pair *p)
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
	assert_int_equal(p->udp_encap, g->floated);
	assert_int_equal(p->local_l2tp_port, 1701);
	/* The shorter of ours and the gateway's. */
	assert_int_equal(p->lifetime.hard_seconds, MIN(g->qm_life, g->offered_life));
	assert_true(p->lifetime.soft_seconds < g->qm_life);
}

size_t gw_info_msg(struct gw *g, uint32_t msgid, const struct isakmp_notify *n,
                   const struct isakmp_delete *d, uint8_t *out, size_t cap)
{
	struct isakmp_builder b;
	struct isakmp_hdr h;
	uint8_t iv[16];
	size_t hash_off, after, len;

	gw_hdr(g, &h, ISAKMP_XCHG_INFO, ISAKMP_FLAG_ENC, msgid);
	ike_isakmp_build_begin(&b, out, cap, &h);
	ike_isakmp_pl_begin(&b, ISAKMP_NP_HASH);
	hash_off = b.w.len;
	bw_zero(&b.w, 20);
	ike_isakmp_pl_end(&b);
	after = b.w.len;
	if (n) {
		ike_isakmp_pl_begin(&b, ISAKMP_NP_N);
		ike_isakmp_write_notify(&b.w, n);
		ike_isakmp_pl_end(&b);
	}
	if (d) {
		ike_isakmp_pl_begin(&b, ISAKMP_NP_D);
		ike_isakmp_write_delete(&b.w, d);
		ike_isakmp_pl_end(&b);
	}
	len = ike_isakmp_build_end(&b);
	gw_p2_hash(g, msgid, NULL, 0, out + after, len - after, out + hash_off);
	ike_iv_p2(NULL, IKE_HASH_SHA1, g->p1_last, 16, msgid, iv);
	return ike_encrypt_msg(NULL, &g->keys, IKE_ENC_AES, iv, out, len, cap);
}
