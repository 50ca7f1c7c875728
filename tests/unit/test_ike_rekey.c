/* Unit tests for staying connected (issue 13, the IKE half) against the
 * scripted gateway of tests/ike/scripted_gw.c: Quick Modes the gateway
 * starts (with and without PFS, QM1 resent), our own handing its inbound
 * half over before QM3, a rekey collision leaving one
 * pair, forged plaintext notifications and informationals failing HASH or
 * replayed, late MM2/MM4 and garbage before MM6, an ISAKMP SA rekey the
 * gateway never answers, and RESPONDER-LIFETIME moving the rekey timers. */
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

#include "lib/util.h"
#include "tests/ike/scripted_gw.h"

static void established(struct gw *g, uint32_t life, uint32_t margin)
{
	g->qm_life = life;
	gw_start(g, life, margin, 0);
	gw_main_mode(g, false);
	gw_quick_mode(g, false);
	assert_int_equal(g->failed, 0);
	assert_int_equal(g->nseen, 1);
}

static struct ike_status status(struct gw *g)
{
	struct ike_status st;

	ike_get_status(g->ike, &st);
	return st;
}

/* The next informational from the session, opened and checked. */
static bool next_info(struct gw *g, struct isakmp_msg *m, int timeout_ms)
{
	while (gw_recv(g, timeout_ms)) {
		assert_int_equal(ike_isakmp_parse_hdr(g->rx, g->rx_len, &m->hdr), 0);
		if (m->hdr.exchange == ISAKMP_XCHG_INFO) {
			gw_open_info(g, m);
			return true;
		}
	}
	return false;
}

static void gateway_rekeys(void **state, uint16_t pfs)
{
	struct gw *g = *state;
	struct gw_rqm q = {.msgid = 0x1234abcd, .pfs = pfs, .life = 1800};
	uint8_t qm2[ISAKMP_MAX_MSG];
	size_t qm2_len;
	struct isakmp_msg m;
	struct isakmp_delete d;
	uint32_t old_in = g->qm_spi_i, old_out = g->qm_spi_r;

	gw_rqm_send1(g, &q);
	gw_rqm_recv2(g, &q);
	/* The inbound half was handed over before QM2 left: the gateway may
	 * send on the new SA right behind QM3. */
	assert_int_equal(g->ninbound, 1);
	assert_false(g->inbound_ours[0]);
	assert_false(g->inbound_late[0]);
	assert_int_equal(g->inbound[0].in.spi, q.spi_c);
	assert_int_equal(g->inbound[0].out.spi, q.spi_g);
	gw_rqm_check_pair(g, &q, &g->inbound[0]);
	memcpy(qm2, g->rx, g->rx_len);
	qm2_len = g->rx_len;
	/* QM1 again (our QM2 "lost"): the same QM2 comes back. */
	gw_send(g, q.qm1, q.qm1_len);
	assert_true(gw_recv(g, 2000));
	assert_int_equal(g->rx_len, qm2_len);
	assert_memory_equal(g->rx, qm2, qm2_len);
	assert_int_equal(g->nseen, 1); /* no whole pair before QM3 */
	assert_int_equal(g->ninbound, 1);
	gw_rqm_send3(g, &q);
	gw_wait_pairs(g, 2, 2000);
	assert_int_equal(g->failed, 0);
	assert_int_equal(g->nseen, 2);
	assert_true(g->seen[1].rekey);
	gw_rqm_check_pair(g, &q, &g->seen[1].sa);
	assert_int_equal(g->ndeleted, 0); /* make before break */
	assert_int_equal(status(g).spi_in, q.spi_c);
	assert_int_equal(status(g).rekeys_ipsec, 1);
	/* The old pair goes after the grace time, with a DELETE. */
	assert_true(next_info(g, &m, 4000));
	assert_int_equal(m.pl[1].type, ISAKMP_NP_D);
	assert_int_equal(ike_isakmp_parse_delete(m.pl[1].body, m.pl[1].len, &d), 0);
	assert_int_equal(get_be32(d.spis), old_in);
	assert_int_equal(g->ndeleted, 1);
	assert_int_equal(g->deleted_in[0], old_in);
	assert_int_equal(g->deleted_out[0], old_out);
	assert_int_equal(status(g).state, IKE_STATE_ESTABLISHED);
}

static void test_gateway_rekeys_without_pfs(void **state)
{
	established(*state, 3600, 0);
	gateway_rekeys(state, 0);
}

static void test_gateway_rekeys_with_pfs(void **state)
{
	established(*state, 3600, 0);
	gateway_rekeys(state, 14);
}

/* Quick Modes of the gateway whose QM3 never comes: when a third takes
 * the oldest slot, the inbound half installed for that one goes. */
static void test_gateway_rekey_without_qm3_removes_inbound(void **state)
{
	struct gw *g = *state;
	struct gw_rqm q[3] = {{.msgid = 0x11111111, .life = 1800},
	                      {.msgid = 0x22222222, .life = 1800},
	                      {.msgid = 0x33333333, .life = 1800}};

	established(g, 3600, 0);
	for (int i = 0; i < 3; i++) {
		gw_rqm_send1(g, &q[i]);
		gw_rqm_recv2(g, &q[i]);
		assert_int_equal(g->ninbound, i + 1);
	}
	assert_int_equal(g->ndeleted, 1);
	assert_int_equal(g->deleted_in[0], q[0].spi_c);
	assert_int_equal(g->deleted_out[0], q[0].spi_g);
	/* The third completes: its pair, nothing else touched. */
	gw_rqm_send3(g, &q[2]);
	gw_wait_pairs(g, 2, 2000);
	assert_int_equal(g->seen[1].sa.in.spi, q[2].spi_c);
	assert_int_equal(g->ndeleted, 1);
	assert_int_equal(g->failed, 0);
	assert_int_equal(status(g).spi_in, q[2].spi_c);
}

/* Our own rekey: the inbound half goes to the data path before QM3
 * leaves, since the gateway installs the pair on QM3 and at once sends on
 * it (the ping lost in the rig's collision phase, issue 13); the whole
 * pair follows, and the old one stays until its grace time is over. */
static void test_our_rekey_inbound_before_qm3(void **state)
{
	struct gw *g = *state;
	struct isakmp_hdr h;
	uint32_t old_in;

	established(g, 4, 2);
	old_in = g->qm_spi_i;
	do {
		assert_true(gw_recv(g, 4000));
		assert_int_equal(ike_isakmp_parse_hdr(g->rx, g->rx_len, &h), 0);
	} while (h.exchange != ISAKMP_XCHG_QUICK);
	gw_quick_mode(g, true); /* QM2 out, QM3 in */
	assert_int_equal(g->failed, 0);
	assert_int_equal(g->ninbound, 1);
	assert_true(g->inbound_ours[0]);
	assert_false(g->inbound_late[0]); /* QM3 had not left */
	gw_check_keys(g, &g->inbound[0]);
	assert_int_not_equal(g->inbound[0].in.spi, old_in);
	gw_wait_pairs(g, 2, 2000);
	assert_int_equal(g->nseen, 2);
	assert_true(g->seen[1].rekey);
	assert_int_equal(g->seen[1].sa.in.spi, g->inbound[0].in.spi);
	assert_int_equal(g->seen[1].sa.out.spi, g->inbound[0].out.spi);
	assert_int_equal(g->ndeleted, 0);
	assert_int_equal(status(g).spi_in, g->inbound[0].in.spi);
}

/* A short lifetime without a configured margin: the rekey leaves time for
 * the exchange (at least 4 s, at most 40 % of the lifetime): 5 s -> our
 * QM1 after 3 s, not at expiry (10 % of 5 s rounded to 0 s before). */
static void test_short_lifetime_default_margin(void **state)
{
	struct gw *g = *state;
	struct isakmp_hdr h;
	uint64_t t0;

	established(g, 5, 0);
	t0 = loop_now_ms(g->loop);
	do {
		assert_true(gw_recv(g, 4500));
		assert_int_equal(ike_isakmp_parse_hdr(g->rx, g->rx_len, &h), 0);
	} while (h.exchange != ISAKMP_XCHG_QUICK);
	assert_in_range(loop_now_ms(g->loop) - t0, 2500, 4000);
	assert_int_equal(g->failed, 0);
}

/* The gateway asks for something we do not do (AES-192): an
 * authenticated NO_PROPOSAL_CHOSEN, and the session stays as it was. */
static void test_gateway_rekey_refused(void **state)
{
	struct gw *g = *state;
	struct gw_rqm q = {.msgid = 0x0badc0de, .life = 60, .key_bits = 192};
	struct isakmp_msg m;
	struct isakmp_notify n;

	established(g, 3600, 0);
	gw_rqm_send1(g, &q);
	assert_true(next_info(g, &m, 2000));
	assert_int_equal(m.pl[1].type, ISAKMP_NP_N);
	assert_int_equal(ike_isakmp_parse_notify(m.pl[1].body, m.pl[1].len, &n), 0);
	assert_int_equal(n.type, N_NO_PROPOSAL_CHOSEN);
	assert_int_equal(g->failed, 0);
	assert_int_equal(g->nseen, 1);
	assert_int_equal(status(g).state, IKE_STATE_ESTABLISHED);
}

/* Both ends rekey at once: two new pairs; the session keeps one, deletes
 * the others towards the gateway and the data path. */
static void test_rekey_collision_leaves_one_pair(void **state)
{
	struct gw *g = *state;
	struct gw_rqm q = {.msgid = 0x600df00d, .life = 3600};
	uint8_t our_qm1[ISAKMP_MAX_MSG];
	size_t our_qm1_len;
	struct isakmp_hdr h;
	int alive = 0;

	/* Lifetime 4 s, margin 2 s: our rekey after ~2 s; the new pairs
	 * (ours wins: 4 s) live past the 2 s grace time checked below. */
	established(g, 4, 2);
	do {
		assert_true(gw_recv(g, 4000));
		assert_int_equal(ike_isakmp_parse_hdr(g->rx, g->rx_len, &h), 0);
	} while (h.exchange != ISAKMP_XCHG_QUICK);
	memcpy(our_qm1, g->rx, g->rx_len);
	our_qm1_len = g->rx_len;
	/* The gateway starts its own at the same moment. */
	gw_rqm_send1(g, &q);
	gw_rqm_recv2(g, &q);
	memcpy(g->rx, our_qm1, our_qm1_len);
	g->rx_len = our_qm1_len;
	g->qm_life = 3600;
	gw_quick_mode(g, true);
	gw_rqm_send3(g, &q);
	gw_wait_pairs(g, 3, 2000);
	assert_int_equal(g->failed, 0);
	assert_int_equal(g->nseen, 3);
	gw_run(g, 2600);
	assert_int_equal(g->failed, 0);
	for (int i = 0; i < g->nseen; i++) {
		bool gone = false;

		for (int k = 0; k < g->ndeleted; k++)
			gone |= g->deleted_in[k] == g->seen[i].sa.in.spi;
		alive += !gone;
	}
	assert_int_equal(alive, 1);
	assert_int_equal(status(g).state, IKE_STATE_ESTABLISHED);
	assert_int_equal(status(g).rekeys_ipsec, 2);
}

static size_t plain_notify(struct gw *g, uint16_t type, uint8_t *buf, size_t cap)
{
	struct isakmp_hdr h;
	struct isakmp_builder b;
	uint8_t spi[16];
	struct isakmp_notify n = {IPSEC_DOI, PROTO_ISAKMP, 16, type, spi, NULL, 0};

	memcpy(spi, g->icky, 8);
	memcpy(spi + 8, g->rcky, 8);
	gw_hdr(g, &h, ISAKMP_XCHG_INFO, 0, 0x77);
	ike_isakmp_build_begin(&b, buf, cap, &h);
	ike_isakmp_pl_begin(&b, ISAKMP_NP_N);
	ike_isakmp_write_notify(&b.w, &n);
	ike_isakmp_pl_end(&b);
	return ike_isakmp_build_end(&b);
}

/* Anyone on the path sees the cookies: a plaintext error, an encrypted
 * one whose HASH does not verify, one for unknown cookies and a DELETE
 * of the ISAKMP SA replayed all leave the session as it was, counted. */
static void test_forged_notifications_are_dropped(void **state)
{
	struct gw *g = *state;
	uint8_t buf[ISAKMP_MAX_MSG];
	size_t len;
	uint32_t dropped;

	established(g, 3600, 0);
	dropped = status(g).dropped;
	len = plain_notify(g, N_NO_PROPOSAL_CHOSEN, buf, sizeof(buf));
	gw_send(g, buf, len);
	len = plain_notify(g, N_INVALID_PAYLOAD_TYPE, buf, sizeof(buf));
	gw_send(g, buf, len);
	/* Encrypted, but the last byte flipped: HASH(1) fails. */
	struct isakmp_notify n = {IPSEC_DOI, PROTO_ISAKMP, 0, N_INVALID_ID_INFORMATION,
	                          NULL,      NULL,         0};

	len = gw_info_msg(g, 0x31337, &n, NULL, buf, sizeof(buf));
	buf[len - 1] ^= 1;
	gw_send(g, buf, len);
	buf[0] ^= 0xff; /* other cookies */
	gw_send(g, buf, len);
	gw_run(g, 300);
	assert_int_equal(g->failed, 0);
	assert_int_equal(g->ndeleted, 0);
	assert_int_equal(status(g).state, IKE_STATE_ESTABLISHED);
	assert_true(status(g).dropped >= dropped + 4);
}

/* A recorded authenticated informational sent again is dropped: the
 * R-U-THERE is answered once; our own sent back at us is dropped too. */
static void test_replayed_informational_dropped(void **state)
{
	struct gw *g = *state;
	uint8_t buf[ISAKMP_MAX_MSG], spi[16], seq[4] = {0, 0, 0, 9};
	struct isakmp_notify n = {IPSEC_DOI, PROTO_ISAKMP, 16, N_DPD_R_U_THERE, spi, seq, 4};
	struct isakmp_msg m;
	size_t len;
	uint32_t dropped;

	established(g, 3600, 0);
	memcpy(spi, g->icky, 8);
	memcpy(spi + 8, g->rcky, 8);
	len = gw_info_msg(g, 0x4242, &n, NULL, buf, sizeof(buf));
	gw_send(g, buf, len);
	assert_true(next_info(g, &m, 1000));
	dropped = status(g).dropped;
	gw_send(g, buf, len);
	assert_false(next_info(g, &m, 300));
	assert_int_equal(status(g).dropped, dropped + 1);
	assert_int_equal(g->failed, 0);
	/* Our own R-U-THERE sent back at us (IKEv1 uses one key both ways):
	 * a reflection, dropped, not answered. */
	assert_int_equal(ike_ping(g->ike), 0);
	assert_true(gw_recv(g, 1000));
	memcpy(buf, g->rx, g->rx_len);
	len = g->rx_len;
	gw_send(g, buf, len);
	assert_false(gw_recv(g, 300));
	assert_int_equal(status(g).dropped, dropped + 2);
}

/* While the client waits for MM6: MM2 and MM4 again and encrypted garbage
 * with the right cookies; then the real MM6 completes the exchange. */
static void test_late_duplicates_before_mm6(void **state)
{
	struct gw *g = *state;

	g->late_dups = true;
	established(g, 3600, 0);
	assert_int_equal(status(g).state, IKE_STATE_ESTABLISHED);
	assert_int_equal(status(g).dropped, 2); /* MM2, garbage; MM4 was answered */
}

/* The gateway never answers our ISAKMP SA rekey: the established SAs stay
 * (they are valid until they expire), counted as a failed rekey. */
static void test_ike_rekey_timeout_keeps_session(void **state)
{
	struct gw *g = *state;
	struct ike_config cfg;
	struct isakmp_hdr h;

	g->ike_life = 4;
	g->qm_life = 3600;
	gw_config(g, &cfg, 3600, 1, 0);
	cfg.retransmit = (struct ike_retransmit){300, 300, 3};
	gw_start_cfg(g, &cfg);
	gw_main_mode(g, false);
	gw_quick_mode(g, false);
	do {
		assert_true(gw_recv(g, 5000));
		assert_int_equal(ike_isakmp_parse_hdr(g->rx, g->rx_len, &h), 0);
	} while (h.exchange != ISAKMP_XCHG_IDPROT);
	gw_run(g, 1500); /* MM1 resent, never answered */
	assert_int_equal(g->failed, 0);
	assert_int_equal(g->ndeleted, 0);
	assert_int_equal(status(g).state, IKE_STATE_ESTABLISHED);
	assert_int_equal(status(g).ike_rekey_failures, 1);
	assert_int_equal(status(g).rekeys_ike, 0);
}

/* RESPONDER-LIFETIME after Quick Mode, for the ISAKMP SA and for the ESP
 * pair: both rekeys move to the new, shorter lifetimes at once. */
static void test_responder_lifetime_reschedules(void **state)
{
	struct gw *g = *state;
	uint8_t buf[ISAKMP_MAX_MSG], spi[16], life[8] = {0x80, 1, 0, 1, 0x80, 2, 0, 3};
	struct isakmp_notify n = {IPSEC_DOI, PROTO_ISAKMP, 16, N_RESPONDER_LIFETIME, spi, life, 8};
	size_t len;
	struct isakmp_hdr h;
	uint64_t t0;
	bool quick = false, main = false;

	established(g, 3600, 1);
	memcpy(spi, g->icky, 8);
	memcpy(spi + 8, g->rcky, 8);
	len = gw_info_msg(g, 0x5151, &n, NULL, buf, sizeof(buf));
	gw_send(g, buf, len);
	put_be32(spi, g->qm_spi_r);
	n.proto = PROTO_IPSEC_ESP;
	n.spi_len = 4;
	len = gw_info_msg(g, 0x5252, &n, NULL, buf, sizeof(buf));
	gw_send(g, buf, len);
	t0 = loop_now_ms(g->loop);
	/* Both lifetimes 3 s, margin 1 s: MM1 and QM1 (or MM1 first, the QM
	 * waits for the ISAKMP SA rekey) within ~2 s, not an hour. */
	while (!main && gw_recv(g, 4000)) {
		assert_int_equal(ike_isakmp_parse_hdr(g->rx, g->rx_len, &h), 0);
		quick |= h.exchange == ISAKMP_XCHG_QUICK;
		main |= h.exchange == ISAKMP_XCHG_IDPROT;
	}
	assert_true(main);
	assert_true(loop_now_ms(g->loop) - t0 < 3500);
	assert_true(status(g).ipsec_lifetime_left_s <= 3);
	assert_int_equal(g->failed, 0);
}

struct p1_state {
	struct ike_p1_keys keys;
	uint8_t icky[8], rcky[8], p1_last[16];
};

static void p1_save(const struct gw *g, struct p1_state *p)
{
	p->keys = g->keys;
	memcpy(p->icky, g->icky, 8);
	memcpy(p->rcky, g->rcky, 8);
	memcpy(p->p1_last, g->p1_last, 16);
}

static void p1_load(struct gw *g, const struct p1_state *p)
{
	g->keys = p->keys;
	memcpy(g->icky, p->icky, 8);
	memcpy(g->rcky, p->rcky, 8);
	memcpy(g->p1_last, p->p1_last, 16);
}

static void gateway_quick_mode(struct gw *g, uint32_t msgid, int pairs)
{
	struct gw_rqm q = {.msgid = msgid, .life = 3600};

	gw_rqm_send1(g, &q);
	gw_rqm_recv2(g, &q);
	gw_rqm_send3(g, &q);
	gw_wait_pairs(g, pairs, 2000);
	assert_int_equal(g->nseen, pairs);
	gw_rqm_check_pair(g, &q, &g->seen[pairs - 1].sa);
}

/* The gateway replaces the ISAKMP SA with its own Main Mode (charon's
 * IKEv1 reauthentication): we answer as responder; the old SA still
 * carries a Quick Mode and its DELETE; the new one carries Quick Modes and
 * DPD. The session stays up throughout. */
static void test_gateway_rekeys_isakmp_sa(void **state)
{
	struct gw *g = *state;
	struct p1_state old, fresh;
	uint8_t buf[ISAKMP_MAX_MSG], spi[16], seq[4] = {0, 0, 0, 7};
	struct isakmp_notify n = {IPSEC_DOI, PROTO_ISAKMP, 16, N_DPD_R_U_THERE, spi, seq, 4};
	struct isakmp_delete d = {IPSEC_DOI, PROTO_ISAKMP, 16, 1, spi};
	struct isakmp_msg m;
	size_t len;

	established(g, 3600, 0);
	p1_save(g, &old);
	gw_mm_initiate(g);
	p1_save(g, &fresh);
	assert_int_equal(g->failed, 0);
	assert_int_equal(status(g).rekeys_ike, 1);
	assert_memory_equal(status(g).icookie, fresh.icky, 8);
	assert_memory_equal(status(g).rcookie, fresh.rcky, 8);
	/* A Quick Mode on the old SA still works... */
	p1_load(g, &old);
	gateway_quick_mode(g, 0x01d01d01, 2);
	/* ...and one on the new SA. */
	p1_load(g, &fresh);
	gateway_quick_mode(g, 0x0e40e401, 3);
	/* The gateway deletes the old ISAKMP SA, on the old SA. */
	p1_load(g, &old);
	memcpy(spi, old.icky, 8);
	memcpy(spi + 8, old.rcky, 8);
	len = gw_info_msg(g, 0x7001, NULL, &d, buf, sizeof(buf));
	gw_send(g, buf, len);
	gw_run(g, 200);
	assert_int_equal(g->failed, 0);
	assert_int_equal(status(g).state, IKE_STATE_ESTABLISHED);
	/* DPD on the new SA is answered. */
	p1_load(g, &fresh);
	memcpy(spi, fresh.icky, 8);
	memcpy(spi + 8, fresh.rcky, 8);
	len = gw_info_msg(g, 0x7002, &n, NULL, buf, sizeof(buf));
	gw_send(g, buf, len);
	assert_true(next_info(g, &m, 1000));
	assert_int_equal(m.pl[1].type, ISAKMP_NP_N);
	assert_int_equal(g->failed, 0);
}

/* charon's reauthentication deletes the old ISAKMP SA after MM4 of its new
 * Main Mode, before MM5: the session stays, the new SA takes over. */
static void test_old_isakmp_sa_deleted_mid_reauth(void **state)
{
	struct gw *g = *state;
	struct p1_state old, fresh;
	uint8_t buf[ISAKMP_MAX_MSG], spi[16];
	struct isakmp_delete d = {IPSEC_DOI, PROTO_ISAKMP, 16, 1, spi};
	struct p1_state mid;
	size_t len;

	established(g, 3600, 0);
	p1_save(g, &old);
	gw_mm_start(g);
	p1_save(g, &mid);
	p1_load(g, &old);
	memcpy(spi, old.icky, 8);
	memcpy(spi + 8, old.rcky, 8);
	len = gw_info_msg(g, 0x7101, NULL, &d, buf, sizeof(buf));
	gw_send(g, buf, len);
	gw_run(g, 200);
	assert_int_equal(g->failed, 0);
	p1_load(g, &mid);
	gw_mm_finish(g);
	p1_save(g, &fresh);
	assert_int_equal(g->failed, 0);
	assert_int_equal(status(g).rekeys_ike, 1);
	assert_memory_equal(status(g).icookie, fresh.icky, 8);
	gateway_quick_mode(g, 0x0e40e402, 2);
	assert_int_equal(status(g).state, IKE_STATE_ESTABLISHED);
	assert_int_equal(g->ndeleted, 0);
}

/* The gateway's Quick Mode on the ISAKMP SA we just replaced (it crossed
 * our Main Mode rekey): charon would take that pair down with the old
 * IKE_SA, so the old SA's DELETE waits until the pair is rekeyed on the
 * new one (issue 13: 18 pings lost in a CI run of l2tpsec-rekey). */
static void test_pair_on_replaced_isakmp_sa_rekeyed_before_delete(void **state)
{
	struct gw *g = *state;
	struct p1_state old, fresh;
	struct isakmp_hdr h;

	g->qm_life = 3600;
	g->ike_life = 5;
	gw_start(g, 3600, 1, 0);
	gw_main_mode(g, false);
	gw_quick_mode(g, false);
	p1_save(g, &old);
	assert_true(gw_recv(g, 6000));
	assert_int_equal(ike_isakmp_parse_hdr(g->rx, g->rx_len, &h), 0);
	assert_int_equal(h.exchange, ISAKMP_XCHG_IDPROT);
	g->rekeying = true;
	gw_main_mode(g, true);
	p1_save(g, &fresh);
	/* within the 2 s before the old SA's DELETE: the gateway's Quick
	 * Mode on the old SA makes the pair in use */
	p1_load(g, &old);
	gateway_quick_mode(g, 0x0dd0dd01, 2);
	/* next: our Quick Mode on the new SA, and no DELETE on the old one
	 * (its completion and the DELETE after it are l2tpsec-rekey's) */
	p1_load(g, &fresh);
	do {
		assert_true(gw_recv(g, 4000));
		assert_int_equal(ike_isakmp_parse_hdr(g->rx, g->rx_len, &h), 0);
		assert_false(h.exchange == ISAKMP_XCHG_INFO && memcmp(h.icookie, old.icky, 8) == 0);
	} while (h.exchange != ISAKMP_XCHG_QUICK);
	assert_memory_equal(h.icookie, fresh.icky, 8);
	/* while that Quick Mode is open, the old SA is not deleted */
	while (gw_recv(g, 1500)) {
		assert_int_equal(ike_isakmp_parse_hdr(g->rx, g->rx_len, &h), 0);
		assert_false(h.exchange == ISAKMP_XCHG_INFO && memcmp(h.icookie, old.icky, 8) == 0);
	}
	assert_int_equal(g->failed, 0);
	assert_int_equal(status(g).state, IKE_STATE_ESTABLISHED);
}

/* Our Quick Mode rekey goes unanswered on the old ISAKMP SA while the
 * gateway replaces it (charon ignores Quick Modes on an IKE_SA it is
 * reauthenticating): once the gateway's new ISAKMP SA is up, it starts
 * again there at once and completes, long before the pair expires. */
static void test_rekey_restarts_on_gateways_new_isakmp_sa(void **state)
{
	struct gw *g = *state;
	struct isakmp_hdr h;

	/* lifetime 10 s, margin 8 s: our rekey after ~2 s */
	established(g, 10, 8);
	do {
		assert_true(gw_recv(g, 4000));
		assert_int_equal(ike_isakmp_parse_hdr(g->rx, g->rx_len, &h), 0);
	} while (h.exchange != ISAKMP_XCHG_QUICK);
	/* ignored; the gateway reauthenticates */
	gw_mm_initiate(g);
	assert_int_equal(g->failed, 0);
	/* the next Quick Mode comes on the new SA, within a second */
	do {
		assert_true(gw_recv(g, 1000));
		assert_int_equal(ike_isakmp_parse_hdr(g->rx, g->rx_len, &h), 0);
	} while (h.exchange != ISAKMP_XCHG_QUICK || memcmp(h.icookie, g->icky, 8) != 0);
	g->qm_life = 3600;
	gw_quick_mode(g, true);
	gw_wait_pairs(g, 2, 2000);
	assert_int_equal(g->failed, 0);
	assert_int_equal(g->nseen, 2);
	assert_int_equal(status(g).rekeys_ipsec, 1);
	assert_int_equal(status(g).state, IKE_STATE_ESTABLISHED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_gateway_rekeys_without_pfs, gw_setup, gw_teardown),
	    cmocka_unit_test_setup_teardown(test_gateway_rekeys_with_pfs, gw_setup, gw_teardown),
	    cmocka_unit_test_setup_teardown(test_gateway_rekey_refused, gw_setup, gw_teardown),
	    cmocka_unit_test_setup_teardown(test_our_rekey_inbound_before_qm3, gw_setup,
	                                    gw_teardown),
	    cmocka_unit_test_setup_teardown(test_short_lifetime_default_margin, gw_setup,
	                                    gw_teardown),
	    cmocka_unit_test_setup_teardown(test_gateway_rekey_without_qm3_removes_inbound,
	                                    gw_setup, gw_teardown),
	    cmocka_unit_test_setup_teardown(test_rekey_collision_leaves_one_pair, gw_setup,
	                                    gw_teardown),
	    cmocka_unit_test_setup_teardown(test_forged_notifications_are_dropped, gw_setup,
	                                    gw_teardown),
	    cmocka_unit_test_setup_teardown(test_replayed_informational_dropped, gw_setup,
	                                    gw_teardown),
	    cmocka_unit_test_setup_teardown(test_late_duplicates_before_mm6, gw_setup, gw_teardown),
	    cmocka_unit_test_setup_teardown(test_ike_rekey_timeout_keeps_session, gw_setup,
	                                    gw_teardown),
	    cmocka_unit_test_setup_teardown(test_responder_lifetime_reschedules, gw_setup,
	                                    gw_teardown),
	    cmocka_unit_test_setup_teardown(test_gateway_rekeys_isakmp_sa, gw_setup, gw_teardown),
	    cmocka_unit_test_setup_teardown(test_old_isakmp_sa_deleted_mid_reauth, gw_setup,
	                                    gw_teardown),
	    cmocka_unit_test_setup_teardown(test_pair_on_replaced_isakmp_sa_rekeyed_before_delete,
	                                    gw_setup, gw_teardown),
	    cmocka_unit_test_setup_teardown(test_rekey_restarts_on_gateways_new_isakmp_sa, gw_setup,
	                                    gw_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
