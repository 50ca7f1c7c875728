/* Unit tests for whole exchanges against a scripted responder on loopback
 * that does the responder's half of RFC 2409 itself (with the library's
 * primitives, checked against charon in test_ike_crypto): Main Mode and
 * Quick Mode with PSK, the ESP keys handed to the data path, an IPsec SA
 * rekey (make before break, then a DELETE for the old SA), DPD and the
 * gateway deleting the ISAKMP SA; a rekey started by the data path's soft
 * limit, DPD only after idle time, the retry without PFS. The responder is
 * tests/ike/scripted_gw.c. */
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

static void test_main_and_quick_mode_keys(void **state)
{
	struct gw *g = *state;
	struct ike_status st;

	g->qm_life = 1200; /* shorter than our 3600: the gateway's wins */
	gw_start(g, 3600, 0, 1);
	gw_main_mode(g, false);
	gw_quick_mode(g, false);
	assert_int_equal(g->failed, 0);
	assert_int_equal(g->nseen, 1);
	assert_false(g->seen[0].rekey);
	gw_check_keys(g, &g->seen[0].sa);
	ike_get_status(g->ike, &st);
	assert_int_equal(st.state, IKE_STATE_ESTABLISHED);
	assert_string_equal(st.ike_algs, "aes128-sha1-modp2048");
	assert_string_equal(st.esp_algs, "aes128-sha1");
	assert_int_equal(st.spi_in, g->qm_spi_i);
	assert_int_equal(st.spi_out, g->qm_spi_r);
	assert_true(st.dpd);
	assert_true(st.ipsec_lifetime_left_s <= 1200 && st.ipsec_lifetime_left_s >= 1198);
	/* --save-keys: the ISAKMP SA's cookie and encryption key, once */
	assert_int_equal(g->p1_exports, 1);
	assert_memory_equal(g->p1_icookie, g->icky, 8);
	assert_int_equal(g->p1_enc_key_len, 16);
	assert_memory_equal(g->p1_enc_key, g->keys.enc_key, 16);
}

/* Our first Main Mode's key pair is made ahead for the group offered first
 * (ike/keygen.c); a gateway that picks another group gets one of that. */
static void test_gateway_picks_second_group(void **state)
{
	struct gw *g = *state;
	struct ike_config cfg;
	struct ike_status st;

	g->qm_life = 3600;
	g->choose_tr = 1;
	gw_config(g, &cfg, 3600, 0, 0);
	cfg.ike_proposals = "aes128-sha1-modp2048,aes128-sha1-modp1024!";
	gw_start_cfg(g, &cfg);
	gw_main_mode(g, false);
	gw_quick_mode(g, false);
	assert_int_equal(g->failed, 0);
	assert_int_equal(g->nseen, 1);
	gw_check_keys(g, &g->seen[0].sa);
	ike_get_status(g->ike, &st);
	assert_string_equal(st.ike_algs, "aes128-sha1-modp1024");
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
	gw_start(g, 3, 1, 0);
	gw_main_mode(g, false);
	gw_quick_mode(g, false);
	assert_int_equal(g->nseen, 1);
	old_i = g->qm_spi_i;
	old_r = g->qm_spi_r;
	t0 = loop_now_ms(g->loop);
	/* Wait for the rekey's QM1. */
	for (;;) {
		assert_true(gw_recv(g, 4000));
		struct isakmp_hdr h;

		assert_int_equal(ike_isakmp_parse_hdr(g->rx, g->rx_len, &h), 0);
		if (h.exchange == ISAKMP_XCHG_QUICK)
			break;
	}
	assert_true(loop_now_ms(g->loop) - t0 >= 1500);
	g->qm_life = 3600;
	gw_quick_mode(g, true);
	assert_int_equal(g->failed, 0);
	assert_int_equal(g->nseen, 2);
	assert_true(g->seen[1].rekey);
	assert_int_not_equal(g->seen[1].sa.in.spi, old_i);
	gw_check_keys(g, &g->seen[1].sa);
	assert_int_equal(g->ndeleted, 0); /* make before break */
	/* The old pair goes ~2 s later, with a DELETE for our old SPI. */
	for (;;) {
		assert_true(gw_recv(g, 4000));
		assert_int_equal(ike_isakmp_parse_hdr(g->rx, g->rx_len, &m.hdr), 0);
		if (m.hdr.exchange != ISAKMP_XCHG_INFO)
			continue;
		ike_iv_p2(NULL, IKE_HASH_SHA1, g->p1_last, 16, m.hdr.msgid, iv);
		gw_open(g, iv, &m);
		gw_check_p2_hash(g, &m, NULL, 0);
		if (m.pl[1].type == ISAKMP_NP_D)
			break;
	}
	assert_int_equal(ike_isakmp_parse_delete(m.pl[1].body, m.pl[1].len, &d), 0);
	assert_int_equal(d.proto, PROTO_IPSEC_ESP);
	assert_int_equal(get_be32(d.spis), old_i);
	assert_int_equal(g->ndeleted, 1);
	assert_int_equal(g->deleted_in[0], old_i);
	assert_int_equal(g->deleted_out[0], old_r);
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
	gw_start(g, 3600, 0, 1);
	gw_main_mode(g, false);
	gw_quick_mode(g, false);
	memcpy(spi, g->icky, 8);
	memcpy(spi + 8, g->rcky, 8);
	gw_send(g, out, gw_info_msg(g, 0x0badcafe, &n, NULL, out, sizeof(out)));
	while (!g->failed && gw_recv(g, 5000)) {
		assert_int_equal(ike_isakmp_parse_hdr(g->rx, g->rx_len, &m.hdr), 0);
		ike_iv_p2(NULL, IKE_HASH_SHA1, g->p1_last, 16, m.hdr.msgid, iv);
		gw_open(g, iv, &m);
		gw_check_p2_hash(g, &m, NULL, 0);
		assert_int_equal(ike_isakmp_parse_notify(m.pl[1].body, m.pl[1].len, &got), 0);
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
	gw_start(g, 3600, 0, 1);
	gw_main_mode(g, false);
	gw_quick_mode(g, false);
	memcpy(spi, g->icky, 8);
	memcpy(spi + 8, g->rcky, 8);
	/* A forged delete (bad HASH) is ignored. */
	size_t len = gw_info_msg(g, 0x1234, NULL, &d, out, sizeof(out));

	out[len - 1] ^= 1;
	gw_send(g, out, len);
	for (int i = 0; i < 20; i++)
		loop_run_once(g->loop, 5);
	assert_int_equal(g->failed, 0);
	gw_send(g, out, gw_info_msg(g, 0x1235, NULL, &d, out, sizeof(out)));
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
 * then, 2 s later (the gateway moves its CHILD_SAs to the new SA first), a
 * DELETE for the old ISAKMP SA under the old keys; the IPsec SA is
 * untouched. */
static void test_ike_sa_rekey(void **state)
{
	struct gw *g = *state;
	struct ike_p1_keys old_keys;
	uint8_t old_icky[8], old_last[16], iv[16];
	struct isakmp_msg m;
	struct isakmp_delete d;
	struct ike_status st;
	uint64_t mm_done;

	g->qm_life = 3600;
	g->ike_life = 3;
	gw_start(g, 3600, 1, 0);
	gw_main_mode(g, false);
	gw_quick_mode(g, false);
	old_keys = g->keys;
	memcpy(old_icky, g->icky, 8);
	memcpy(old_last, g->p1_last, 16);
	assert_true(gw_recv(g, 4000));
	assert_int_equal(ike_isakmp_parse_hdr(g->rx, g->rx_len, &m.hdr), 0);
	assert_int_equal(m.hdr.exchange, ISAKMP_XCHG_IDPROT);
	assert_memory_not_equal(m.hdr.icookie, old_icky, 8);
	g->rekeying = true;
	gw_main_mode(g, true);
	mm_done = loop_now_ms(g->loop);
	do { /* the next rekey's MM1 may come first (same 2 s) */
		assert_true(gw_recv(g, 4000));
		assert_int_equal(ike_isakmp_parse_hdr(g->rx, g->rx_len, &m.hdr), 0);
	} while (m.hdr.exchange == ISAKMP_XCHG_IDPROT);
	assert_true(loop_now_ms(g->loop) - mm_done >= 1500);
	assert_int_equal(m.hdr.exchange, ISAKMP_XCHG_INFO);
	assert_memory_equal(m.hdr.icookie, old_icky, 8);
	g->keys = old_keys;
	ike_iv_p2(NULL, IKE_HASH_SHA1, old_last, 16, m.hdr.msgid, iv);
	gw_open(g, iv, &m);
	gw_check_p2_hash(g, &m, NULL, 0);
	assert_int_equal(ike_isakmp_parse_delete(m.pl[1].body, m.pl[1].len, &d), 0);
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

/* Wait for the next Quick Mode message, skipping informational ones. */
static bool next_quick_mode(struct gw *g, int timeout_ms)
{
	struct isakmp_hdr h;

	while (gw_recv(g, timeout_ms)) {
		assert_int_equal(ike_isakmp_parse_hdr(g->rx, g->rx_len, &h), 0);
		if (h.exchange == ISAKMP_XCHG_QUICK)
			return true;
	}
	return false;
}

/* The data path's soft byte/sequence limit starts a Quick Mode rekey at
 * once (the time-based one is an hour away): make before break, the old
 * pair deleted after the grace time. SPIs of no current pair are ignored. */
static void test_soft_expiry_rekeys_now(void **state)
{
	struct gw *g = *state;
	uint32_t old_i, old_r;
	uint64_t t0;

	g->qm_life = 3600;
	gw_start(g, 3600, 0, 0);
	gw_main_mode(g, false);
	gw_quick_mode(g, false);
	assert_int_equal(g->nseen, 1);
	old_i = g->qm_spi_i;
	old_r = g->qm_spi_r;
	ike_sa_soft_expired(g->ike, old_i ^ 0xffff); /* unknown: nothing */
	assert_false(next_quick_mode(g, 400));
	t0 = loop_now_ms(g->loop);
	ike_sa_soft_expired(g->ike, old_i);
	ike_sa_soft_expired(g->ike, old_i); /* twice: still one rekey */
	assert_true(next_quick_mode(g, 1000));
	assert_true(loop_now_ms(g->loop) - t0 < 500);
	gw_quick_mode(g, true);
	assert_int_equal(g->failed, 0);
	assert_int_equal(g->nseen, 2);
	assert_true(g->seen[1].rekey);
	assert_int_not_equal(g->seen[1].sa.in.spi, old_i);
	gw_check_keys(g, &g->seen[1].sa);
	assert_int_equal(g->ndeleted, 0); /* make before break */
	/* No second Quick Mode from the repeated call. */
	assert_false(next_quick_mode(g, 300));
	gw_run(g, 2200);
	assert_int_equal(g->ndeleted, 1);
	assert_int_equal(g->deleted_in[0], old_i);
	assert_int_equal(g->deleted_out[0], old_r);
	/* The old pair's limit, reported late, changes nothing. */
	ike_sa_soft_expired(g->ike, old_i);
	assert_false(next_quick_mode(g, 300));
}
/* ike_ping(): one R-U-THERE at once; only the ACK with its sequence number
 * reports the answer (a stale one does not); -1 before phase 1 is done and
 * against a gateway without DPD. */
static void answer_ping(struct gw *g, int32_t delta)
{
	uint8_t out[512], spi[16], seq[4];
	struct isakmp_notify n = {IPSEC_DOI, PROTO_ISAKMP, 16, N_DPD_R_U_THERE_ACK, spi, seq, 4};
	struct isakmp_msg m;
	struct isakmp_notify got;

	assert_true(gw_recv(g, 2000));
	gw_open_info(g, &m);
	assert_int_equal(ike_isakmp_parse_notify(m.pl[1].body, m.pl[1].len, &got), 0);
	assert_int_equal(got.type, N_DPD_R_U_THERE);
	assert_int_equal(got.data_len, 4);
	put_be32(seq, get_be32(got.data) + (uint32_t)delta);
	memcpy(spi, g->icky, 8);
	memcpy(spi + 8, g->rcky, 8);
	gw_send(g, out, gw_info_msg(g, 0x1234abcd + (uint32_t)delta, &n, NULL, out, sizeof(out)));
	gw_run(g, 100);
}

static void test_ping_answered(void **state)
{
	struct gw *g = *state;

	g->qm_life = 3600;
	gw_start(g, 3600, 0, 30);
	assert_int_equal(ike_ping(g->ike), -1); /* MM1 only */
	gw_main_mode(g, false);
	gw_quick_mode(g, false);
	assert_int_equal(ike_ping(g->ike), 0);
	answer_ping(g, -1); /* an old sequence number */
	assert_int_equal(g->pings, 0);
	assert_int_equal(ike_ping(g->ike), 0);
	answer_ping(g, 0);
	assert_int_equal(g->pings, 1);
	assert_int_equal(g->failed, 0);
}

static void test_ping_needs_dpd(void **state)
{
	struct gw *g = *state;

	g->qm_life = 3600;
	g->no_dpd = true;
	gw_start(g, 3600, 0, 30);
	gw_main_mode(g, false);
	gw_quick_mode(g, false);
	assert_int_equal(ike_ping(g->ike), -1);
	assert_false(gw_recv(g, 200));
}

/* RFC 3706 §5.5: while ESP traffic arrives, no R-U-THERE; once it stops,
 * R-U-THEREs go out and, unanswered, fail the session at stage DPD. */
static void test_dpd_only_when_idle(void **state)
{
	struct gw *g = *state;
	struct isakmp_msg m;
	struct isakmp_notify got;
	uint64_t t0, quiet;
	int ours = 0;
	char line[256];

	g->qm_life = 3600;
	gw_start(g, 3600, 0, 1);
	gw_main_mode(g, false);
	gw_quick_mode(g, false);
	t0 = loop_now_ms(g->loop);
	while (loop_now_ms(g->loop) - t0 < 3000) {
		ike_note_inbound_traffic(g->ike);
		assert_false(gw_recv(g, 200));
	}
	assert_int_equal(g->failed, 0);
	quiet = loop_now_ms(g->loop);
	while (!g->failed && gw_recv(g, 5000)) {
		gw_open_info(g, &m);
		assert_int_equal(ike_isakmp_parse_notify(m.pl[1].body, m.pl[1].len, &got), 0);
		assert_int_equal(got.type, N_DPD_R_U_THERE);
		if (ours++ == 0)
			assert_true(loop_now_ms(g->loop) - quiet >= 700);
	}
	for (int i = 0; i < 400 && !g->failed; i++)
		loop_run_once(g->loop, 10);
	assert_int_equal(ours, 2);
	assert_int_equal(g->failed, 1);
	assert_int_equal(g->failure.reason, IKE_FAIL_DPD);
	assert_int_equal(g->failure.stage, IKE_STAGE_DPD);
	ike_failure_str(&g->failure, line, sizeof(line));
	assert_non_null(strstr(line, "IKE failed at DPD: dead peer"));
}

static void inbound_esp(struct loop *loop, int fd, unsigned events, void *ctx)
{
	char ch;

	(void)loop;
	(void)events;
	assert_int_equal(read(fd, &ch, 1), 1);
	if (ctx)
		ike_note_inbound_traffic(ctx); /* what the data path does per batch */
}

/* Issue 16: the DPD check runs up to a quarter interval late, with a wakeup
 * made anyway; at rest the answer to an LCP echo arrives then, and proves
 * the gateway alive: no R-U-THERE, not even on the wakeup of the echo's
 * own timer before that answer, never one before a whole interval
 * without inbound traffic, and one all the same once the gateway is
 * silent. */
static void test_dpd_check_waits_for_a_wakeup_within_its_slack(void **state)
{
	struct gw *g = *state;
	struct isakmp_msg m;
	struct isakmp_notify got;
	uint64_t t0, t1;
	int p[2], w[2];

	g->qm_life = 3600;
	gw_start(g, 3600, 0, 2); /* 2 s: checks within [2000, 2500] ms */
	gw_main_mode(g, false);
	gw_quick_mode(g, false);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(pipe(w), 0);
	assert_int_equal(loop_add_fd(g->loop, p[0], LOOP_READ, inbound_esp, g->ike), 0);
	assert_int_equal(loop_add_fd(g->loop, w[0], LOOP_READ, inbound_esp, NULL), 0);
	ike_note_inbound_traffic(g->ike);
	t0 = loop_now_ms(g->loop);
	assert_false(gw_recv(g, 2050));           /* not at 2000 ms: within the slack */
	assert_int_equal(write(w[1], "x", 1), 1); /* another layer's timer */
	while (loop_run_once(g->loop, 100) == 0)
		;
	assert_false(gw_recv(g, 100));            /* its probe's answer may yet come */
	assert_int_equal(write(p[1], "x", 1), 1); /* and it does */
	t1 = loop_now_ms(g->loop);
	assert_true(t1 - t0 < 2500); /* the wakeup comes within the slack */
	while (loop_run_once(g->loop, 100) == 0)
		;
	/* the gateway is alive: nothing until a whole interval after t1 */
	assert_false(gw_recv(g, 1900));
	assert_int_equal(g->failed, 0);
	assert_true(gw_recv(g, 3000));
	assert_true(loop_now_ms(g->loop) - t1 >= 2000);
	gw_open_info(g, &m);
	assert_int_equal(ike_isakmp_parse_notify(m.pl[1].body, m.pl[1].len, &got), 0);
	assert_int_equal(got.type, N_DPD_R_U_THERE);
	loop_del_fd(g->loop, p[0]);
	loop_del_fd(g->loop, w[0]);
	close(p[0]);
	close(p[1]);
	close(w[0]);
	close(w[1]);
}

/* QM1 with PFS refused with NO_PROPOSAL_CHOSEN: one retry without KE and
 * without the group attribute, which completes. */
static void test_pfs_refused_retried_without(void **state)
{
	struct gw *g = *state;
	uint8_t out[512], spi[4] = {0};
	struct isakmp_notify n = {IPSEC_DOI, PROTO_IPSEC_ESP, 4, N_NO_PROPOSAL_CHOSEN, spi, NULL,
	                          0};
	struct isakmp_hdr h;
	uint32_t first;

	g->qm_life = 3600;
	g->pfs = 14;
	gw_start(g, 3600, 0, 0);
	gw_main_mode(g, false);
	assert_true(next_quick_mode(g, 3000));
	assert_int_equal(ike_isakmp_parse_hdr(g->rx, g->rx_len, &h), 0);
	first = h.msgid;
	gw_send(g, out, gw_info_msg(g, 0x2345, &n, NULL, out, sizeof(out)));
	assert_true(next_quick_mode(g, 1000));
	assert_int_equal(ike_isakmp_parse_hdr(g->rx, g->rx_len, &h), 0);
	assert_int_not_equal(h.msgid, first);
	gw_quick_mode(g, true);
	assert_false(g->qm_ke);
	assert_int_equal(g->qm_group, 0);
	assert_int_equal(g->failed, 0);
	assert_int_equal(g->nseen, 1);
	gw_check_keys(g, &g->seen[0].sa);
}

/* pfs = on (IKE_PFS_IKE_GROUP, l2tpsec.conf(5)): QM1 offers PFS with the
 * group Main Mode settled on, here the gateway's second choice, modp1024
 * (it was always modp2048 before). */
static void test_pfs_on_offers_main_mode_group(void **state)
{
	struct gw *g = *state;
	struct isakmp_sa *sa = calloc(1, sizeof(*sa));
	struct ike_config cfg;
	struct isakmp_msg m;
	uint8_t iv[16];
	uint16_t notify;
	uint64_t group = 0;

	assert_non_null(sa);
	g->qm_life = 3600;
	g->choose_tr = 1;
	gw_config(g, &cfg, 3600, 0, 0);
	cfg.ike_proposals = "aes128-sha1-modp2048,aes128-sha1-modp1024!";
	cfg.pfs_group = IKE_PFS_IKE_GROUP;
	gw_start_cfg(g, &cfg);
	gw_main_mode(g, false);
	assert_true(next_quick_mode(g, 3000));
	assert_int_equal(ike_isakmp_parse_hdr(g->rx, g->rx_len, &m.hdr), 0);
	ike_iv_p2(NULL, IKE_HASH_SHA1, g->p1_last, 16, m.hdr.msgid, iv);
	gw_open(g, iv, &m);
	const struct isakmp_payload *sap = ike_isakmp_find(&m, ISAKMP_NP_SA, 0);

	assert_non_null(sap);
	assert_int_equal(ike_isakmp_parse_sa(sap->body, sap->len, sa, &notify), 0);
	assert_true(ike_isakmp_attr_get(&sa->prop[0].tr[0], IPSEC_ATTR_GROUP, &group));
	assert_int_equal(group, 2);
	assert_non_null(ike_isakmp_find(&m, ISAKMP_NP_KE, 0));
	free(sa);
}

/* Without PFS offered, NO_PROPOSAL_CHOSEN fails at QM1 as before. */
static void test_no_proposal_without_pfs_fails(void **state)
{
	struct gw *g = *state;
	uint8_t out[512], spi[4] = {0};
	struct isakmp_notify n = {IPSEC_DOI, PROTO_IPSEC_ESP, 4, N_NO_PROPOSAL_CHOSEN, spi, NULL,
	                          0};
	char line[256];

	g->qm_life = 3600;
	gw_start(g, 3600, 0, 0);
	gw_main_mode(g, false);
	assert_true(next_quick_mode(g, 3000));
	gw_send(g, out, gw_info_msg(g, 0x2346, &n, NULL, out, sizeof(out)));
	gw_run(g, 200);
	assert_int_equal(g->failed, 1);
	ike_failure_str(&g->failure, line, sizeof(line));
	assert_string_equal(line, "IKE failed at QM1: gateway sent NO_PROPOSAL_CHOSEN");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_main_and_quick_mode_keys, gw_setup, gw_teardown),
	    cmocka_unit_test_setup_teardown(test_gateway_picks_second_group, gw_setup, gw_teardown),
	    cmocka_unit_test_setup_teardown(test_ipsec_rekey_make_before_break, gw_setup,
	                                    gw_teardown),
	    cmocka_unit_test_setup_teardown(test_ike_sa_rekey, gw_setup, gw_teardown),
	    cmocka_unit_test_setup_teardown(test_dpd_both_ways, gw_setup, gw_teardown),
	    cmocka_unit_test_setup_teardown(test_gateway_deletes_isakmp_sa, gw_setup, gw_teardown),
	    cmocka_unit_test_setup_teardown(test_soft_expiry_rekeys_now, gw_setup, gw_teardown),
	    cmocka_unit_test_setup_teardown(test_dpd_only_when_idle, gw_setup, gw_teardown),
	    cmocka_unit_test_setup_teardown(test_dpd_check_waits_for_a_wakeup_within_its_slack,
	                                    gw_setup, gw_teardown),
	    cmocka_unit_test_setup_teardown(test_ping_answered, gw_setup, gw_teardown),
	    cmocka_unit_test_setup_teardown(test_ping_needs_dpd, gw_setup, gw_teardown),
	    cmocka_unit_test_setup_teardown(test_pfs_on_offers_main_mode_group, gw_setup,
	                                    gw_teardown),
	    cmocka_unit_test_setup_teardown(test_pfs_refused_retried_without, gw_setup,
	                                    gw_teardown),
	    cmocka_unit_test_setup_teardown(test_no_proposal_without_pfs_fails, gw_setup,
	                                    gw_teardown),
	};

	return cmocka_run_group_tests_name("ike_exchange", tests, NULL, NULL);
}
