/* Unit tests for IPCP (with RFC 1877 DNS) and IPV6CP against a scripted
 * peer, and for IP packets in both directions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/buf.h"
#include "tests/ppp/harness.h"

#define LCP    0xc021
#define IPCP   0x8021
#define IPV6CP 0x8057
static const uint8_t peer_magic[] = {5, 6, 0x11, 0x22, 0x33, 0x44};
static const uint8_t addr[4] = {10, 1, 2, 3}, gw[4] = {10, 1, 2, 1};

struct t {
	struct loop *loop;
	struct harness h;
	struct ppp_config cfg;
};

static int setup(void **state)
{
	static struct t t;

	memset(&t, 0, sizeof(t));
	t.loop = loop_new();
	h_config(&t.cfg);
	*state = &t;
	return t.loop ? 0 : -1;
}

static int teardown(void **state)
{
	struct t *t = *state;

	h_free(&t->h);
	loop_free(t->loop);
	return 0;
}

static struct harness *open_lcp(struct t *t)
{
	h_init(&t->h, t->loop, &t->cfg);
	h_open_lcp(&t->h, peer_magic, sizeof(peer_magic));
	return &t->h;
}

static void test_ipcp_address_and_dns(void **state)
{
	struct harness *h = open_lcp(*state);
	static const uint8_t dns1[4] = {8, 8, 8, 8}, dns2[4] = {8, 8, 4, 4};
	static const uint8_t ask[] = {3, 6, 0, 0, 0, 0, 129, 6, 0, 0, 0, 0, 131, 6, 0, 0, 0, 0};
	const uint8_t *req;
	size_t len;

	/* Look at the first request before the helper answers it. */
	req = h_expect(h, IPCP, 1, &len);
	assert_memory_equal(req + 4, ask, sizeof(ask));
	h->head--; /* put it back for h_open_ipcp */
	h_open_ipcp(h, addr, gw);
	assert_int_equal(h->ip_up_count, 1);
	assert_true(h->ip.ipv4_up);
	assert_memory_equal(h->ip.local_ipv4, addr, 4);
	assert_memory_equal(h->ip.peer_ipv4, gw, 4);
	assert_memory_equal(h->ip.dns1, dns1, 4);
	assert_memory_equal(h->ip.dns2, dns2, 4);
	assert_int_equal(h->ip.mtu, 1500);
}

static void test_ipcp_dns_rejected(void **state)
{
	struct harness *h = open_lcp(*state);
	static const uint8_t rej[] = {129, 6, 0, 0, 0, 0, 131, 6, 0, 0, 0, 0};
	static const uint8_t nak[] = {3, 6, 10, 1, 2, 3};
	static const uint8_t peer[] = {3, 6, 10, 1, 2, 1};
	const uint8_t *req;
	size_t len;

	req = h_expect(h, IPCP, 1, &len);
	h_send(h, IPCP, 4, req[1], rej, sizeof(rej));
	req = h_expect(h, IPCP, 1, &len);
	assert_int_equal(len, 4 + 6); /* only the address now */
	h_send(h, IPCP, 3, req[1], nak, sizeof(nak));
	req = h_expect(h, IPCP, 1, &len);
	assert_memory_equal(req + 4, nak, sizeof(nak));
	h_send(h, IPCP, 2, req[1], nak, sizeof(nak));
	h_send(h, IPCP, 1, 1, peer, sizeof(peer));
	h_expect(h, IPCP, 2, NULL);
	assert_int_equal(h->ip_up_count, 1);
	assert_memory_equal(h->ip.dns1, "\0\0\0\0", 4);
}

static void test_ipcp_peer_options_rejected(void **state)
{
	struct harness *h = open_lcp(*state);
	/* 0.0.0.0 (we have no address to give), VJ, and a DNS request. */
	static const uint8_t req_opts[] = {3,    6,    0, 0,   0, 0, 2, 6, 0,
	                                   0x2d, 0x0f, 1, 129, 6, 0, 0, 0, 0};
	const uint8_t *ans;
	size_t len;

	h_drop(h);
	h_send(h, IPCP, 1, 5, req_opts, sizeof(req_opts));
	ans = h_expect(h, IPCP, 4, &len);
	assert_int_equal(len, 4 + sizeof(req_opts));
	assert_memory_equal(ans + 4, req_opts, sizeof(req_opts));
}

static void test_ipcp_no_address_fails(void **state)
{
	struct harness *h = open_lcp(*state);
	static const uint8_t peer[] = {3, 6, 10, 1, 2, 1};
	const uint8_t *req;
	size_t len;

	/* The peer acks 0.0.0.0: we would have no address. */
	req = h_expect(h, IPCP, 1, &len);
	h_send(h, IPCP, 2, req[1], req + 4, len - 4);
	h_send(h, IPCP, 1, 1, peer, sizeof(peer));
	h_expect(h, IPCP, 2, NULL);
	assert_int_equal(h->ip_up_count, 0);
	h_expect(h, IPCP, 5, NULL); /* IPCP closes ... */
	h_run_until_down(h, 2000);
	assert_true(h->down); /* ... and without IPv4 the link goes */
	assert_int_equal(h->why.reason, PPP_DOWN_NEGOTIATION_FAILED);
}

static void test_ipcp_before_network_phase_dropped(void **state)
{
	struct t *t = *state;
	struct harness *h;
	static const uint8_t peer[] = {3, 6, 10, 1, 2, 1};

	h_init(&t->h, t->loop, &t->cfg);
	h = &t->h;
	assert_int_equal(ppp_start(h->ppp), 0);
	h_flush(h);
	h_send(h, IPCP, 1, 1, peer, sizeof(peer));
	assert_int_equal(h_pending(h), 0);
}

/* The fast path's form: the protocol field pushed into the headroom of the
 * buffer the packet was read into, nothing sent through the callback. */
static void ip_packets_in_place(struct harness *h)
{
	uint8_t buf[PPP_ENCAP_HEADROOM + 20] = {0}, big[PPP_ENCAP_HEADROOM + 1501] = {0};
	struct pkt p = {.head = buf, .cap = sizeof(buf), .off = PPP_ENCAP_HEADROOM, .len = 20};
	struct pkt none = {.head = buf, .cap = sizeof(buf), .off = 0, .len = 20};
	struct pkt too_big = {.head = big, .cap = sizeof(big), .off = PPP_ENCAP_HEADROOM,
	                      .len = 1501};

	buf[PPP_ENCAP_HEADROOM] = 0x45;
	big[PPP_ENCAP_HEADROOM] = 0x45;
	assert_int_equal(ppp_encap_ip(h->ppp, &p), 0);
	assert_int_equal(p.off, 0);
	assert_int_equal(p.len, 22);
	assert_memory_equal(buf, "\x00\x21\x45", 3);
	assert_int_equal(h_pending(h), 0);
	buf[0] = 0x45;
	assert_int_equal(ppp_encap_ip(h->ppp, &none), -1);    /* no headroom */
	assert_int_equal(ppp_encap_ip(h->ppp, &too_big), -1); /* above the MTU */
	buf[PPP_ENCAP_HEADROOM] = 0x60;
	p = (struct pkt){.head = buf, .cap = sizeof(buf), .off = PPP_ENCAP_HEADROOM, .len = 20};
	assert_int_equal(ppp_encap_ip(h->ppp, &p), -1); /* IPv6 without IPV6CP */
}

static void test_ip_packets(void **state)
{
	struct harness *h = open_lcp(*state);
	uint8_t v4[20] = {0x45, 0, 0, 20}, v6[40] = {0x60}, big[1501] = {0x45};
	uint8_t frame[4 + 20] = {0xff, 0x03, 0x00, 0x21};
	static const uint8_t pfc_frame[] = {0x21, 0x45, 0, 0, 20};
	size_t len;
	const uint8_t *f;

	assert_int_equal(ppp_send_ip(h->ppp, v4, sizeof(v4)), -1); /* IPCP not open */
	h_open_ipcp(h, addr, gw);
	assert_int_equal(ppp_send_ip(h->ppp, v4, sizeof(v4)), 0);
	f = h_expect(h, 0x0021, 0x45, &len);
	(void)f;
	assert_int_equal(ppp_send_ip(h->ppp, v6, sizeof(v6)), -1);   /* no IPV6CP */
	assert_int_equal(ppp_send_ip(h->ppp, big, sizeof(big)), -1); /* above the MTU */
	assert_int_equal(ppp_send_ip(h->ppp, v4, 0), -1);
	ip_packets_in_place(h);
	memcpy(frame + 4, v4, sizeof(v4));
	h_send_raw(h, frame, sizeof(frame));
	assert_int_equal(h->delivered_count, 1);
	assert_int_equal(h->delivered_len, 20);
	/* PFC and no address/control field. */
	h_send_raw(h, pfc_frame, sizeof(pfc_frame));
	assert_int_equal(h->delivered_count, 2);
	assert_int_equal(h->delivered_len, 4);
	/* IPv6 while IPV6CP is not open: dropped. */
	static const uint8_t v6frame[] = {0xff, 0x03, 0x00, 0x57, 0x60, 0, 0, 0};
	h_send_raw(h, v6frame, sizeof(v6frame));
	assert_int_equal(h->delivered_count, 2);
}

static void test_ipv6cp_disabled_protocol_rejected(void **state)
{
	struct harness *h = open_lcp(*state);
	static const uint8_t ifid[] = {1, 10, 1, 2, 3, 4, 5, 6, 7, 8};
	const uint8_t *rej;

	h_drop(h);
	h_send(h, IPV6CP, 1, 1, ifid, sizeof(ifid));
	rej = h_expect(h, LCP, 8, NULL);
	assert_int_equal(get_be16(rej + 4), IPV6CP);
}

static void test_ipv6cp_negotiation(void **state)
{
	struct t *t = *state;
	struct harness *h;
	static const uint8_t peer_ifid[] = {1, 10, 0xa, 0xb, 0xc, 0xd, 1, 2, 3, 4};
	static const uint8_t suggested[] = {1, 10, 2, 0, 0, 0, 0, 0, 0, 0x42};
	static const uint8_t zero_ifid[] = {1, 10, 0, 0, 0, 0, 0, 0, 0, 0};
	const uint8_t *req, *ans;
	size_t len;

	t->cfg.enable_ipv6cp = true;
	h = open_lcp(t);
	h_open_ipcp(h, addr, gw);
	req = h_expect_find(h, IPV6CP, 1, &len);
	assert_int_equal(len, 4 + 10);
	assert_int_equal(req[4], 1);
	assert_memory_not_equal(req + 6, zero_ifid + 2, 8);
	/* The peer suggests another identifier: we take it. */
	h_send(h, IPV6CP, 3, req[1], suggested, sizeof(suggested));
	req = h_expect_find(h, IPV6CP, 1, &len);
	assert_memory_equal(req + 4, suggested, sizeof(suggested));
	h_send(h, IPV6CP, 2, req[1], suggested, sizeof(suggested));
	/* A peer asking with our identifier or zero gets a Nak. */
	h_send(h, IPV6CP, 1, 2, suggested, sizeof(suggested));
	ans = h_expect_find(h, IPV6CP, 3, NULL);
	assert_memory_not_equal(ans + 6, suggested + 2, 8);
	h_send(h, IPV6CP, 1, 3, zero_ifid, sizeof(zero_ifid));
	h_expect_find(h, IPV6CP, 3, NULL);
	assert_int_equal(h->ip_up_count, 1);
	h_send(h, IPV6CP, 1, 4, peer_ifid, sizeof(peer_ifid));
	h_expect_find(h, IPV6CP, 2, NULL);
	/* Our identifier changed when the peer claimed it: renegotiate. */
	h_flush(h);
	if (!h->ip.ipv6_up) {
		h_run(h, 30);
		req = h_expect_skip(h, IPV6CP, 1, &len);
		h_send(h, IPV6CP, 2, req[1], req + 4, len - 4);
	}
	assert_int_equal(h->ip_up_count, 2);
	assert_true(h->ip.ipv6_up);
	assert_true(h->ip.ipv4_up);
	assert_memory_equal(h->ip.peer_ifid, peer_ifid + 2, 8);
	/* IPv6 now flows. */
	uint8_t v6[40] = {0x60};
	assert_int_equal(ppp_send_ip(h->ppp, v6, sizeof(v6)), 0);
}

static void test_ipv6cp_protocol_rejected_by_peer(void **state)
{
	struct t *t = *state;
	struct harness *h;
	uint8_t pr[2 + 14];
	const uint8_t *req;
	size_t len;

	t->cfg.enable_ipv6cp = true;
	h = open_lcp(t);
	h_open_ipcp(h, addr, gw);
	req = h_expect_find(h, IPV6CP, 1, &len);
	put_be16(pr, IPV6CP);
	memcpy(pr + 2, req, len);
	h_send(h, LCP, 8, 1, pr, 2 + len);
	h_run(h, 100);
	assert_int_equal(h_pending(h), 0); /* no more IPV6CP requests */
	assert_false(h->down);             /* IPv4 goes on */
	assert_true(h->ip.ipv4_up);
}

static void test_ncp_malformed(void **state)
{
	struct harness *h = open_lcp(*state);
	static const uint8_t opt_len0[] = {3, 0, 1, 2};
	static const uint8_t opt_len1[] = {3, 1};
	static const uint8_t opt_long[] = {3, 60, 1, 2, 3, 4};
	const uint8_t *req;
	size_t len;

	req = h_expect(h, IPCP, 1, &len);
	h_send(h, IPCP, 1, 1, opt_len0, sizeof(opt_len0));
	h_send(h, IPCP, 1, 1, opt_len1, sizeof(opt_len1));
	h_send(h, IPCP, 1, 1, opt_long, sizeof(opt_long));
	h_send(h, IPCP, 3, req[1], opt_len0, sizeof(opt_len0));
	h_send(h, IPCP, 4, req[1], opt_long, sizeof(opt_long));
	assert_int_equal(h_pending(h), 0);
	assert_false(h->down);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_ipcp_address_and_dns),
	    T(test_ipcp_dns_rejected),
	    T(test_ipcp_peer_options_rejected),
	    T(test_ipcp_no_address_fails),
	    T(test_ipcp_before_network_phase_dropped),
	    T(test_ip_packets),
	    T(test_ipv6cp_disabled_protocol_rejected),
	    T(test_ipv6cp_negotiation),
	    T(test_ipv6cp_protocol_rejected_by_peer),
	    T(test_ncp_malformed),
	};

	return cmocka_run_group_tests_name("ppp_ncp", tests, NULL, NULL);
}
