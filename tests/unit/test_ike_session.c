/* Unit tests for the session layer against a scripted responder on loopback:
 * MM1 contents, retransmission with backoff and the timeout failure line,
 * plain error notifications, a gateway choosing what we did not offer, the
 * gateway's retransmissions, garbage, and configuration checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <openssl/provider.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ike/ike.h"
#include "ike/frag.h"
#include "ike/ike_int.h" /* the session's library context */
#include "ike/isakmp.h"
#include "ike/natt.h"
#include "lib/log.h"
#include "lib/loop.h"

struct fixture {
	struct loop *loop;
	struct logger lg;
	int gw; /* the scripted responder's socket */
	struct ike_config cfg;
	struct ike_session *ike;
	struct ike_failure failure;
	int failed;
	uint8_t rx[ISAKMP_MAX_MSG];
	size_t rx_len;
	struct sockaddr_in from;
};

static const uint8_t psk[] = "secret";

static void on_failed(void *ctx, const struct ike_failure *f)
{
	struct fixture *fx = ctx;

	fx->failed++;
	fx->failure = *f;
}

static const struct ike_callbacks callbacks = {.failed = on_failed};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);

	assert_non_null(fx);
	fx->loop = loop_new();
	log_init(&fx->lg, LOG_TO_STDERR_PLAIN, LOG_LVL_ERR);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fx->gw = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fx->gw >= 0);
	assert_int_equal(bind(fx->gw, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fx->gw, (struct sockaddr *)&a, &alen), 0);
	ike_config_defaults(&fx->cfg);
	memcpy(&fx->cfg.remote, &a, sizeof(a));
	fx->cfg.local_ports_set = true; /* ephemeral ports: no root needed */
	fx->cfg.local_port = 0;
	fx->cfg.local_natt_port = 0;
	fx->cfg.psk = psk;
	fx->cfg.psk_len = sizeof(psk) - 1;
	fx->cfg.retransmit = (struct ike_retransmit){40, 400, 3};
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	ike_free(fx->ike);
	close(fx->gw);
	loop_free(fx->loop);
	free(fx);
	return 0;
}

static void start(struct fixture *fx)
{
	fx->ike = ike_new(fx->loop, &fx->lg, &fx->cfg, &callbacks, fx);
	assert_non_null(fx->ike);
	assert_int_equal(ike_start(fx->ike), 0);
}

/* Run the loop until the responder socket has a datagram (or timeout). */
static bool gw_recv(struct fixture *fx, int timeout_ms)
{
	uint64_t end = loop_now_ms(fx->loop) + (uint64_t)timeout_ms;

	while (loop_now_ms(fx->loop) < end && !fx->failed) {
		socklen_t flen = sizeof(fx->from);
		ssize_t n = recvfrom(fx->gw, fx->rx, sizeof(fx->rx), MSG_DONTWAIT,
		                     (struct sockaddr *)&fx->from, &flen);

		if (n > 0) {
			fx->rx_len = (size_t)n;
			return true;
		}
		loop_run_once(fx->loop, 5);
	}
	return false;
}

static void gw_send(struct fixture *fx, const uint8_t *buf, size_t len)
{
	assert_int_equal(
	    sendto(fx->gw, buf, len, 0, (struct sockaddr *)&fx->from, sizeof(fx->from)),
	    (ssize_t)len);
}

static void run_until_failed(struct fixture *fx, int timeout_ms)
{
	uint64_t end = loop_now_ms(fx->loop) + (uint64_t)timeout_ms;

	while (!fx->failed && loop_now_ms(fx->loop) < end)
		loop_run_once(fx->loop, 10);
}

static void test_mm1_then_timeout_with_backoff(void **state)
{
	struct fixture *fx = *state;
	struct isakmp_msg m;
	struct isakmp_sa *sa = calloc(1, sizeof(*sa));
	uint16_t notify;
	uint64_t t[3];
	char line[256];
	struct ike_status st;

	start(fx);
	for (int i = 0; i < 3; i++) {
		assert_true(gw_recv(fx, 2000));
		t[i] = loop_now_ms(fx->loop);
		assert_int_equal(ike_isakmp_parse_plain(fx->rx, fx->rx_len, &m, &notify), 0);
		assert_int_equal(m.hdr.exchange, ISAKMP_XCHG_IDPROT);
		assert_int_equal(m.pl[0].type, ISAKMP_NP_SA);
		assert_int_equal(ike_isakmp_parse_sa(m.pl[0].body, m.pl[0].len, sa, &notify), 0);
		assert_int_equal(sa->nprop, 1);
		assert_true(sa->prop[0].ntr >= 8); /* the default list */
		/* four NAT-T drafts and RFC, DPD, IKE fragmentation */
		assert_int_equal(ike_isakmp_count(&m, ISAKMP_NP_VID), 6);
		assert_true(ike_frag_vid_matches(ike_isakmp_find(&m, ISAKMP_NP_VID, 5)->body,
		                                 ike_isakmp_find(&m, ISAKMP_NP_VID, 5)->len));
	}
	/* Each wait doubles (40 ms, 80 ms); allow for scheduling noise. */
	assert_true(t[2] - t[1] > (t[1] - t[0]) + 20);
	run_until_failed(fx, 2000);
	assert_int_equal(fx->failed, 1);
	assert_int_equal(fx->failure.stage, IKE_STAGE_MM1);
	assert_int_equal(fx->failure.reason, IKE_FAIL_TIMEOUT);
	ike_failure_str(&fx->failure, line, sizeof(line));
	assert_string_equal(line, "IKE failed at MM1: timeout (no answer after 3 tries)");
	ike_get_status(fx->ike, &st);
	assert_int_equal(st.state, IKE_STATE_FAILED);
	free(sa);
}

/* A plain informational answer to MM1 as charon and Windows send it. */
static void test_no_proposal_chosen_names_stage(void **state)
{
	struct fixture *fx = *state;
	struct isakmp_hdr h = {.exchange = ISAKMP_XCHG_INFO};
	struct isakmp_notify n = {IPSEC_DOI, PROTO_ISAKMP, 0, N_NO_PROPOSAL_CHOSEN, NULL, NULL, 0};
	struct isakmp_builder b;
	uint8_t buf[128];
	char line[256];
	size_t len;

	start(fx);
	assert_true(gw_recv(fx, 2000));
	memcpy(h.icookie, fx->rx, 8);
	memset(h.rcookie, 0x77, 8);
	/* Garbage first: ignored, the session keeps waiting. */
	gw_send(fx, (const uint8_t *)"garbage that is not ISAKMP at all", 33);
	ike_isakmp_build_begin(&b, buf, sizeof(buf), &h);
	ike_isakmp_pl_begin(&b, ISAKMP_NP_N);
	ike_isakmp_write_notify(&b.w, &n);
	ike_isakmp_pl_end(&b);
	len = ike_isakmp_build_end(&b);
	gw_send(fx, buf, len);
	run_until_failed(fx, 2000);
	assert_int_equal(fx->failed, 1);
	assert_int_equal(fx->failure.reason, IKE_FAIL_NOTIFY);
	assert_int_equal(fx->failure.notify, N_NO_PROPOSAL_CHOSEN);
	ike_failure_str(&fx->failure, line, sizeof(line));
	assert_string_equal(line, "IKE failed at MM1: gateway sent NO_PROPOSAL_CHOSEN");
}

/* Answer MM1 with an SA payload choosing transform t (attributes given). */
static size_t build_mm2(struct fixture *fx, const struct isakmp_transform *t, uint8_t *buf,
                        size_t cap)
{
	struct isakmp_sa *sa = calloc(1, sizeof(*sa));
	struct isakmp_hdr h = {.exchange = ISAKMP_XCHG_IDPROT};
	struct isakmp_builder b;
	size_t len;

	memcpy(h.icookie, fx->rx, 8);
	memset(h.rcookie, 0x42, 8);
	sa->doi = IPSEC_DOI;
	sa->situation = IPSEC_SIT_IDENTITY_ONLY;
	sa->nprop = 1;
	sa->prop[0].num = 1;
	sa->prop[0].proto = PROTO_ISAKMP;
	sa->prop[0].ntr = 1;
	sa->prop[0].tr[0] = *t;
	ike_isakmp_build_begin(&b, buf, cap, &h);
	ike_isakmp_pl_begin(&b, ISAKMP_NP_SA);
	ike_isakmp_write_sa_body(&b.w, sa);
	ike_isakmp_pl_end(&b);
	len = ike_isakmp_build_end(&b);
	free(sa);
	return len;
}

static void first_offered(struct fixture *fx, struct isakmp_transform *t)
{
	struct isakmp_sa *sa = calloc(1, sizeof(*sa));
	struct isakmp_msg m;
	uint16_t notify;

	assert_int_equal(ike_isakmp_parse_plain(fx->rx, fx->rx_len, &m, &notify), 0);
	assert_int_equal(ike_isakmp_parse_sa(m.pl[0].body, m.pl[0].len, sa, &notify), 0);
	*t = sa->prop[0].tr[0];
	free(sa);
}

static void test_unoffered_transform_is_a_proposal_failure(void **state)
{
	struct fixture *fx = *state;
	struct isakmp_transform t;
	uint8_t buf[512];
	char line[256];

	fx->cfg.ike_proposals = "aes128-sha1-modp2048!";
	start(fx);
	assert_true(gw_recv(fx, 2000));
	first_offered(fx, &t);
	for (size_t i = 0; i < t.nattr; i++)
		if (t.attr[i].type == IKE_ATTR_GROUP)
			t.attr[i].value = 2; /* modp1024: not offered */
	gw_send(fx, buf, build_mm2(fx, &t, buf, sizeof(buf)));
	run_until_failed(fx, 2000);
	assert_int_equal(fx->failed, 1);
	assert_int_equal(fx->failure.reason, IKE_FAIL_PROPOSAL);
	ike_failure_str(&fx->failure, line, sizeof(line));
	assert_non_null(strstr(line, "IKE failed at MM1: proposal mismatch"));
}

/* The gateway repeats MM2 (our MM3 got lost): we send the same MM3 again. */
static void test_gateway_retransmission_resends_ours(void **state)
{
	struct fixture *fx = *state;
	struct isakmp_transform t;
	uint8_t mm2[512], mm3[ISAKMP_MAX_MSG];
	size_t mm2_len, mm3_len;
	struct isakmp_msg m;
	uint16_t notify;
	struct ike_status st;

	fx->cfg.ike_proposals = "aes128-sha1-modp2048!";
	fx->cfg.retransmit = (struct ike_retransmit){5000, 5000, 3}; /* no timer resends */
	start(fx);
	assert_true(gw_recv(fx, 2000));
	first_offered(fx, &t);
	mm2_len = build_mm2(fx, &t, mm2, sizeof(mm2));
	gw_send(fx, mm2, mm2_len);
	assert_true(gw_recv(fx, 2000));
	assert_int_equal(ike_isakmp_parse_plain(fx->rx, fx->rx_len, &m, &notify), 0);
	assert_int_equal(m.pl[0].type, ISAKMP_NP_KE);
	assert_int_equal(m.pl[0].len, 256);
	assert_non_null(ike_isakmp_find(&m, ISAKMP_NP_NONCE, 0));
	/* No NAT-T vendor ID from the gateway: no NAT-D. */
	assert_null(ike_isakmp_find(&m, ISAKMP_NP_NATD, 0));
	memcpy(mm3, fx->rx, fx->rx_len);
	mm3_len = fx->rx_len;
	gw_send(fx, mm2, mm2_len);
	assert_true(gw_recv(fx, 1000));
	assert_int_equal(fx->rx_len, mm3_len);
	assert_memory_equal(fx->rx, mm3, mm3_len);
	assert_int_equal(fx->failed, 0);
	ike_get_status(fx->ike, &st);
	assert_int_equal(st.stage, IKE_STAGE_MM3);
	assert_string_equal(st.ike_algs, "aes128-sha1-modp2048");
	assert_int_equal(st.dh_group, 14);
	assert_int_equal(st.natt, IKE_NATT_NONE);
}

/* ike-fragmentation = off: MM1 carries no FRAGMENTATION vendor ID (a
 * gateway then never fragments towards us), the other five stay. */
static void test_fragmentation_off_no_vendor_id(void **state)
{
	struct fixture *fx = *state;
	struct isakmp_msg m;
	uint16_t notify;

	fx->cfg.no_fragmentation = true;
	start(fx);
	assert_true(gw_recv(fx, 2000));
	assert_int_equal(ike_isakmp_parse_plain(fx->rx, fx->rx_len, &m, &notify), 0);
	assert_int_equal(ike_isakmp_count(&m, ISAKMP_NP_VID), 5);
	for (size_t i = 0; i < 5; i++) {
		const struct isakmp_payload *v = ike_isakmp_find(&m, ISAKMP_NP_VID, i);

		assert_false(ike_frag_vid_matches(v->body, v->len));
	}
}

/* Only a proposal list naming single DES, which lives in OpenSSL's legacy
 * provider, gets a library context of its own with that provider; every
 * other session uses the default one the data path shares (issue 16). */
static void test_library_context_only_for_des(void **state)
{
	struct fixture *fx = *state;
	struct ike_config c = fx->cfg;

	fx->ike = ike_new(fx->loop, &fx->lg, &c, &callbacks, fx);
	assert_non_null(fx->ike);
	assert_null(fx->ike->lib);
	assert_null(fx->ike->prov_legacy);
	ike_free(fx->ike);
	c.ike_proposals = "aes128-sha1-modp2048,des-sha1-modp1024";
	fx->ike = ike_new(fx->loop, &fx->lg, &c, &callbacks, fx);
	assert_non_null(fx->ike);
	assert_non_null(fx->ike->lib);
	assert_true(OSSL_PROVIDER_available(fx->ike->lib, "default"));
	assert_int_equal(OSSL_PROVIDER_available(fx->ike->lib, "legacy"),
	                 fx->ike->prov_legacy != NULL);
}

static void test_config_rejected(void **state)
{
	struct fixture *fx = *state;
	struct ike_config c = fx->cfg;

	c.ike_proposals = "aes128-sha1";
	assert_null(ike_new(fx->loop, &fx->lg, &c, &callbacks, fx));
	c = fx->cfg;
	c.psk_len = 0;
	assert_null(ike_new(fx->loop, &fx->lg, &c, &callbacks, fx));
	c = fx->cfg;
	c.auth = IKE_AUTH_RSA_SIG;
	assert_null(ike_new(fx->loop, &fx->lg, &c, &callbacks, fx));
	c = fx->cfg;
	c.ike_proposals = "3des-sha1-modp1024!";
	c.dh2048 = IKE_DH2048_REQUIRE;
	assert_null(ike_new(fx->loop, &fx->lg, &c, &callbacks, fx));
	c = fx->cfg;
	c.pfs_group = 3;
	assert_null(ike_new(fx->loop, &fx->lg, &c, &callbacks, fx));
	c = fx->cfg;
	c.remote.ss_family = AF_UNIX; /* IPv4 and IPv6 only (issue 17) */
	assert_null(ike_new(fx->loop, &fx->lg, &c, &callbacks, fx));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_mm1_then_timeout_with_backoff, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_proposal_chosen_names_stage, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unoffered_transform_is_a_proposal_failure, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_gateway_retransmission_resends_ours, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_fragmentation_off_no_vendor_id, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_library_context_only_for_des, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_config_rejected, setup, teardown),
	};

	return cmocka_run_group_tests_name("ike_session", tests, NULL, NULL);
}
