/* Unit tests for esp/natt_sock: the NAT-T socket owner of the userspace data
 * path over loopback sockets. Batches go out in one sendmmsg and come in with
 * one recvmmsg, GSO runs arrive as separate datagrams in order (split from
 * one UDP GRO buffer where the kernel coalesces them), packets are
 * built and encrypted in the buffer they were read into, IKE and keepalives
 * pass unchanged, and garbage or oversized datagrams are dropped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "esp/natt_sock.h"
#include "lib/log.h"
#include "lib/loop.h"

#ifndef UDP_GRO
#define UDP_GRO 104
#endif

#define MAX_SEEN (4 * NATT_BATCH)

struct side {
	struct esp_datapath *dp;
	struct natt_sock *ns;
	int fd;
	struct sockaddr_storage addr;
	unsigned l2tp_count, non_esp_count;
	size_t lens[MAX_SEEN];
	uint8_t first[MAX_SEEN];            /* first payload byte of each datagram */
	struct natt_rx_wait wait[MAX_SEEN]; /* what the socket said each waited */
	uint8_t last_non_esp[64];
	size_t last_non_esp_len;
};

struct fixture {
	struct loop *loop;
	struct logger lg;
	struct side cli, gw;
};

static void on_l2tp(void *ctx, uint8_t *buf, size_t len)
{
	struct side *s = ctx;

	if (s->l2tp_count < MAX_SEEN) {
		s->lens[s->l2tp_count] = len;
		s->first[s->l2tp_count] = buf[0];
		natt_sock_rx_wait(s->ns, &s->wait[s->l2tp_count]);
	}
	s->l2tp_count++;
}

static void on_non_esp(void *ctx, const uint8_t *buf, size_t len)
{
	struct side *s = ctx;

	s->non_esp_count++;
	s->last_non_esp_len = len < sizeof(s->last_non_esp) ? len : sizeof(s->last_non_esp);
	memcpy(s->last_non_esp, buf, s->last_non_esp_len);
}

static const struct natt_sock_callbacks ns_cbs = {.non_esp = on_non_esp, .l2tp = on_l2tp};
static const struct esp_callbacks esp_cbs = {0};

static int open_side(struct side *s)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&s->addr;
	socklen_t sl = sizeof(*sin);

	memset(&s->addr, 0, sizeof(s->addr));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (s->fd < 0 || bind(s->fd, (struct sockaddr *)sin, sl) < 0 ||
	    getsockname(s->fd, (struct sockaddr *)sin, &sl) < 0)
		return -1;
	return 0;
}

static void fill(struct esp_sa *sa, uint32_t spi, uint8_t seed)
{
	memset(sa, 0, sizeof(*sa));
	sa->spi = spi;
	sa->cipher = ESP_CIPHER_AES_GCM_16;
	sa->enc_key_len = 20;
	memset(sa->enc_key, seed, 20);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct esp_sa_pair cp, gp;

	f->loop = loop_new();
	log_init(&f->lg, LOG_TO_SINK, LOG_LVL_INFO);
	if (open_side(&f->cli) < 0 || open_side(&f->gw) < 0 ||
	    connect(f->cli.fd, (struct sockaddr *)&f->gw.addr, sizeof(struct sockaddr_in)) < 0 ||
	    connect(f->gw.fd, (struct sockaddr *)&f->cli.addr, sizeof(struct sockaddr_in)) < 0)
		return -1;
	f->cli.dp = esp_datapath_new(f->loop, &f->lg, ESP_DP_USERSPACE, &esp_cbs, &f->cli);
	f->gw.dp = esp_datapath_new(f->loop, &f->lg, ESP_DP_USERSPACE, &esp_cbs, &f->gw);
	memset(&cp, 0, sizeof(cp));
	fill(&cp.in, 0x11110001, 1);
	fill(&cp.out, 0x22220001, 2);
	cp.local = f->cli.addr;
	cp.remote = f->gw.addr;
	cp.udp_encap = true;
	cp.local_l2tp_port = 40000;
	cp.remote_l2tp_port = 1701;
	gp = cp;
	gp.in = cp.out;
	gp.out = cp.in;
	gp.local = cp.remote;
	gp.remote = cp.local;
	gp.local_l2tp_port = 1701;
	gp.remote_l2tp_port = 40000;
	if (!f->cli.dp || !f->gw.dp || esp_install(f->cli.dp, &cp, f->cli.fd) == 0 ||
	    esp_install(f->gw.dp, &gp, f->gw.fd) == 0)
		return -1;
	f->cli.ns = natt_sock_new(f->cli.dp, &ns_cbs, &f->cli);
	f->gw.ns = natt_sock_new(f->gw.dp, &ns_cbs, &f->gw);
	if (!f->cli.ns || !f->gw.ns)
		return -1;
	natt_sock_set_fd(f->cli.ns, f->cli.fd);
	natt_sock_set_fd(f->gw.ns, f->gw.fd);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	natt_sock_free(f->cli.ns);
	natt_sock_free(f->gw.ns);
	esp_datapath_free(f->cli.dp);
	esp_datapath_free(f->gw.dp);
	close(f->cli.fd);
	close(f->gw.fd);
	loop_free(f->loop);
	free(f);
	return 0;
}

/* Queues one L2TP datagram of len bytes, all of them tag, built in place. */
static void queue_one(struct side *s, size_t len, uint8_t tag)
{
	struct esp_pkt pkt;
	size_t room;
	uint8_t *slot;

	assert_int_equal(natt_sock_tx_slot(s->ns, &pkt, &room), 0);
	assert_true(room >= len);
	slot = pkt.head;
	memset(esp_pkt_data(&pkt), tag, len);
	pkt.len = len;
	assert_int_equal(natt_sock_tx_queue(s->ns, &pkt), 0);
	/* encrypted where it was written: ESP header, IV and UDP in the
	 * headroom, nothing copied elsewhere */
	assert_ptr_equal(pkt.head, slot);
	assert_int_equal(pkt.off, NATT_TX_HEADROOM - (8 + 8 + 8));
}

static unsigned read_all(struct side *s, unsigned want)
{
	unsigned got = 0;

	for (int tries = 0; tries < 10 && got < want; tries++) {
		int n = natt_sock_read(s->ns);

		assert_true(n >= 0);
		got += (unsigned)n;
	}
	return got;
}

static void test_batch_one_syscall_each_way(void **state)
{
	struct fixture *f = *state;
	struct natt_stats st;

	natt_sock_set_gso(f->cli.ns, false);
	for (unsigned i = 0; i < 20; i++)
		queue_one(&f->cli, 100 + i * 10, (uint8_t)i);
	assert_int_equal(natt_sock_flush(f->cli.ns), 20);
	/* an IKE message (zero marker) and a keepalive in between */
	assert_int_equal(send(f->cli.fd, "\0\0\0\0ike message", 15, 0), 15);
	assert_int_equal(send(f->cli.fd, "\xff", 1, 0), 1);
	assert_int_equal(read_all(&f->gw, 22), 22);
	assert_int_equal(f->gw.l2tp_count, 20);
	for (unsigned i = 0; i < 20; i++) {
		assert_int_equal(f->gw.lens[i], 100 + i * 10);
		assert_int_equal(f->gw.first[i], i);
	}
	assert_int_equal(f->gw.non_esp_count, 2);
	assert_int_equal(f->gw.last_non_esp_len, 1);
	natt_sock_get_stats(f->cli.ns, &st);
	assert_int_equal(st.tx_calls, 1);
	assert_int_equal(st.tx_packets, 20);
	assert_int_equal(st.tx_gso_runs, 0);
	natt_sock_get_stats(f->gw.ns, &st);
	assert_int_equal(st.rx_calls, 1);
	assert_int_equal(st.rx_datagrams, 22);
	assert_int_equal(st.rx_esp, 20);
}

static void test_gso_runs_arrive_as_datagrams_in_order(void **state)
{
	struct fixture *f = *state;
	struct natt_stats st;
	static const size_t lens[] = {1400, 1400, 1400, 1400, 900, 1400, 1400, 60, 60, 1400};
	unsigned n = sizeof(lens) / sizeof(lens[0]);

	for (unsigned i = 0; i < n; i++)
		queue_one(&f->cli, lens[i], (uint8_t)(0x40 + i));
	assert_int_equal(natt_sock_flush(f->cli.ns), (int)n);
	assert_int_equal(read_all(&f->gw, n), n);
	assert_int_equal(f->gw.l2tp_count, n);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(f->gw.lens[i], lens[i]);
		assert_int_equal(f->gw.first[i], 0x40 + i);
	}
	natt_sock_get_stats(f->cli.ns, &st);
	assert_int_equal(st.tx_calls, 1);
	/* runs: 1400 x4 + 900 | 1400 x2 + 60 | 60 | 1400, unless the kernel
	 * refused GSO, then one datagram each */
	if (st.gso)
		assert_int_equal(st.tx_gso_runs, 2);
	else
		assert_int_equal(st.tx_gso_runs, 0);
	assert_int_equal(st.tx_dropped, 0);
}

/* The split of a GRO buffer, on synthetic lengths. */
static void test_gro_split(void **state)
{
	size_t lens[8];

	(void)state;
	assert_int_equal(natt_gro_split(4200, 1400, lens, 8), 3);
	assert_int_equal(lens[0], 1400);
	assert_int_equal(lens[2], 1400);
	assert_int_equal(natt_gro_split(4000, 1400, lens, 8), 3);
	assert_int_equal(lens[1], 1400);
	assert_int_equal(lens[2], 1200); /* the last one shorter */
	assert_int_equal(natt_gro_split(1000, 1400, lens, 8), 1);
	assert_int_equal(lens[0], 1000);
	assert_int_equal(natt_gro_split(1400, 1400, lens, 8), 1);
	assert_int_equal(natt_gro_split(3000, 0, lens, 8), 1); /* no cmsg: as sent */
	assert_int_equal(lens[0], 3000);
	assert_int_equal(natt_gro_split(100, 10, lens, 8), 8); /* at most max */
	assert_int_equal(natt_gro_split(100, 10, lens, 0), 0);
	assert_int_equal(natt_gro_split(100, 0, lens, 0), 0);
}

/* GSO out and GRO in over loopback, where this kernel has both: one run
 * leaves in one message, arrives as one buffer and is split in order. */
static void test_gro_loopback(void **state)
{
	struct fixture *f = *state;
	struct natt_stats tx, rx;

	natt_sock_get_stats(f->gw.ns, &rx);
	if (!rx.gro)
		skip(); /* the kernel refused UDP_GRO */
	for (unsigned i = 0; i < 20; i++)
		queue_one(&f->cli, i == 19 ? 700 : 1300, (uint8_t)(0x80 + i));
	/* and an IKE message after the run */
	assert_int_equal(natt_sock_flush(f->cli.ns), 20);
	assert_int_equal(send(f->cli.fd, "\0\0\0\0ike message", 15, 0), 15);
	natt_sock_get_stats(f->cli.ns, &tx);
	assert_int_equal(read_all(&f->gw, 21), 21);
	assert_int_equal(f->gw.l2tp_count, 20);
	for (unsigned i = 0; i < 20; i++) {
		assert_int_equal(f->gw.lens[i], i == 19 ? 700 : 1300);
		assert_int_equal(f->gw.first[i], 0x80 + i);
	}
	assert_int_equal(f->gw.non_esp_count, 1);
	natt_sock_get_stats(f->gw.ns, &rx);
	assert_int_equal(rx.rx_datagrams, 21);
	assert_int_equal(rx.rx_esp, 20);
	if (!tx.gso)
		skip(); /* sent one datagram each: nothing to coalesce */
	assert_int_equal(tx.tx_gso_runs, 1);
	/* the kernel kept the GSO message whole for a GRO socket */
	assert_int_equal(rx.rx_gro_buffers, 1);
	assert_int_equal(rx.rx_calls, 1);
}

/* Without GRO (turned off, as on a kernel that refuses it) the same run
 * arrives as separate datagrams. */
static void test_gro_off_fallback(void **state)
{
	struct fixture *f = *state;
	struct natt_stats rx;

	natt_sock_set_gro(f->gw.ns, false);
	for (unsigned i = 0; i < 10; i++)
		queue_one(&f->cli, 1300, (uint8_t)i);
	assert_int_equal(natt_sock_flush(f->cli.ns), 10);
	assert_int_equal(read_all(&f->gw, 10), 10);
	assert_int_equal(f->gw.l2tp_count, 10);
	assert_int_equal(f->gw.first[9], 9);
	natt_sock_get_stats(f->gw.ns, &rx);
	assert_false(rx.gro);
	assert_int_equal(rx.rx_gro_buffers, 0);
	assert_int_equal(rx.rx_datagrams, 10);
}

/* IKE reads the socket again once the owner is gone: GRO goes off with it. */
static void test_free_turns_gro_off(void **state)
{
	struct fixture *f = *state;
	struct natt_stats st;
	int val = -1;
	socklen_t len = sizeof(val);

	natt_sock_get_stats(f->gw.ns, &st);
	if (!st.gro || getsockopt(f->gw.fd, SOL_UDP, UDP_GRO, &val, &len) < 0)
		skip(); /* no UDP GRO, or no way to read it back */
	assert_int_equal(val, 1);
	natt_sock_free(f->gw.ns);
	f->gw.ns = NULL;
	assert_int_equal(getsockopt(f->gw.fd, SOL_UDP, UDP_GRO, &val, &len), 0);
	assert_int_equal(val, 0);
}

/* The kernel's arrival stamp tells how long each datagram sat in the
 * receive queue (for CoDel above us), and the last one of a batch that
 * drained the socket says so. */
static void test_rx_wait_measured(void **state)
{
	struct fixture *f = *state;
	const uint64_t slept_ns = 30 * 1000 * 1000;

	for (unsigned i = 0; i < 3; i++)
		queue_one(&f->cli, 200, (uint8_t)i);
	assert_int_equal(natt_sock_flush(f->cli.ns), 3);
	usleep(slept_ns / 1000);
	assert_int_equal(read_all(&f->gw, 3), 3);
	assert_int_equal(f->gw.l2tp_count, 3);
	for (unsigned i = 0; i < 3; i++) {
		assert_true(f->gw.wait[i].now_ns > 0);
		assert_true(f->gw.wait[i].sojourn_ns >= slept_ns);
		assert_true(f->gw.wait[i].sojourn_ns < 10ULL * 1000 * 1000 * 1000);
		assert_int_equal(f->gw.wait[i].queue_empty, i == 2);
	}
}

static void test_free_turns_timestamps_off(void **state)
{
	struct fixture *f = *state;
	int val = -1;
	socklen_t len = sizeof(val);

	assert_int_equal(getsockopt(f->gw.fd, SOL_SOCKET, SO_TIMESTAMPNS, &val, &len), 0);
	assert_int_equal(val, 1);
	natt_sock_free(f->gw.ns);
	f->gw.ns = NULL;
	assert_int_equal(getsockopt(f->gw.fd, SOL_SOCKET, SO_TIMESTAMPNS, &val, &len), 0);
	assert_int_equal(val, 0);
}

static void test_full_queue_flushes_itself(void **state)
{
	struct fixture *f = *state;
	struct natt_stats st;

	for (unsigned i = 0; i < NATT_BATCH + 8; i++)
		queue_one(&f->cli, 200, (uint8_t)i);
	natt_sock_flush(f->cli.ns);
	natt_sock_get_stats(f->cli.ns, &st);
	assert_int_equal(st.tx_packets, NATT_BATCH + 8);
	assert_int_equal(read_all(&f->gw, NATT_BATCH + 8), NATT_BATCH + 8);
	assert_int_equal(f->gw.l2tp_count, NATT_BATCH + 8);
	assert_int_equal(f->gw.first[NATT_BATCH + 7], NATT_BATCH + 7);
}

/* One readable event drains a burst: full batches read on, a short one
 * ends it, and max_batches bounds it; the rest stays queued, in order. */
static void test_read_burst_drains_until_short(void **state)
{
	struct fixture *f = *state;
	struct natt_stats st;
	unsigned n = 3 * NATT_BATCH + 5;

	natt_sock_set_gso(f->cli.ns, false);
	natt_sock_set_gro(f->gw.ns, false); /* one datagram per message */
	for (unsigned i = 0; i < n; i++)
		queue_one(&f->cli, 200, (uint8_t)i);
	natt_sock_flush(f->cli.ns);
	assert_int_equal(natt_sock_read_burst(f->gw.ns, 2), 2 * NATT_BATCH);
	natt_sock_get_stats(f->gw.ns, &st);
	assert_int_equal(st.rx_calls, 2);
	assert_int_equal(natt_sock_read_burst(f->gw.ns, 8), NATT_BATCH + 5);
	natt_sock_get_stats(f->gw.ns, &st);
	assert_int_equal(st.rx_calls, 4); /* 32, then 32 + 5: the short one ends it */
	assert_int_equal(f->gw.l2tp_count, n);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(f->gw.first[i], (uint8_t)i);
	/* nothing waiting: one call, nothing read */
	assert_int_equal(natt_sock_read_burst(f->gw.ns, 8), 0);
	natt_sock_get_stats(f->gw.ns, &st);
	assert_int_equal(st.rx_calls, 5);
	natt_sock_set_fd(f->gw.ns, -1);
	assert_int_equal(natt_sock_read_burst(f->gw.ns, 8), -1);
}

/* Whether this process may pass net.core.rmem_max (CAP_NET_ADMIN). */
static bool may_force_rcvbuf(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0), v = 1 << 20;
	bool ok = fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) == 0;

	if (fd >= 0)
		close(fd);
	return ok;
}

/* The socket's receive buffer holds a burst and its send buffer a batch of
 * GSO runs: NATT_RCVBUF / NATT_SNDBUF where allowed, never less than the
 * socket had; the figures reported are the socket's. */
static void test_buffers_grow(void **state)
{
	struct fixture *f = *state;
	struct natt_stats st;
	int fd = socket(AF_INET, SOCK_DGRAM, 0), dflt_rcv = 0, dflt_snd = 0, rcv = 0, snd = 0;
	socklen_t len = sizeof(int);

	assert_true(fd >= 0);
	assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &dflt_rcv, &len), 0);
	assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &dflt_snd, &len), 0);
	close(fd);
	natt_sock_get_stats(f->gw.ns, &st);
	assert_int_equal(getsockopt(f->gw.fd, SOL_SOCKET, SO_RCVBUF, &rcv, &len), 0);
	assert_int_equal(getsockopt(f->gw.fd, SOL_SOCKET, SO_SNDBUF, &snd, &len), 0);
	assert_int_equal(st.rcvbuf, rcv);
	assert_int_equal(st.sndbuf, snd);
	assert_true(rcv >= dflt_rcv);
	assert_true(snd >= dflt_snd);
	if (may_force_rcvbuf()) { /* the kernel reports them doubled */
		assert_true(rcv >= 2 * NATT_RCVBUF);
		assert_true(snd >= 2 * NATT_SNDBUF);
	}
	/* a new socket gets its own */
	natt_sock_set_fd(f->gw.ns, -1);
	natt_sock_get_stats(f->gw.ns, &st);
	assert_int_equal(st.rcvbuf, 0);
	assert_int_equal(st.sndbuf, 0);
}

static void test_garbage_and_oversize_dropped(void **state)
{
	struct fixture *f = *state;
	static uint8_t big[NATT_RX_MAX + 100];
	uint8_t junk[64];
	struct natt_stats st;

	memset(junk, 0x5a, sizeof(junk)); /* an SPI we do not know */
	assert_int_equal(send(f->cli.fd, junk, sizeof(junk), 0), (ssize_t)sizeof(junk));
	memset(big, 0, sizeof(big)); /* "IKE" too long for any buffer */
	assert_int_equal(send(f->cli.fd, big, sizeof(big), 0), (ssize_t)sizeof(big));
	assert_int_equal(send(f->cli.fd, junk, 3, 0), 3); /* short: not ESP */
	assert_int_equal(read_all(&f->gw, 3), 3);
	assert_int_equal(f->gw.l2tp_count, 0);
	assert_int_equal(f->gw.non_esp_count, 1);
	assert_int_equal(f->gw.last_non_esp_len, 3);
	natt_sock_get_stats(f->gw.ns, &st);
	assert_int_equal(st.rx_dropped, 2);
}

static void test_no_socket(void **state)
{
	struct fixture *f = *state;
	struct esp_pkt pkt;
	size_t room;

	natt_sock_set_fd(f->cli.ns, -1);
	assert_int_equal(natt_sock_tx_slot(f->cli.ns, &pkt, &room), -1);
	assert_int_equal(natt_sock_read(f->cli.ns), -1);
	assert_int_equal(natt_sock_flush(f->cli.ns), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_batch_one_syscall_each_way, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_gso_runs_arrive_as_datagrams_in_order, setup,
	                                    teardown),
	    cmocka_unit_test(test_gro_split),
	    cmocka_unit_test_setup_teardown(test_gro_loopback, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_gro_off_fallback, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_free_turns_gro_off, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rx_wait_measured, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_free_turns_timestamps_off, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_full_queue_flushes_itself, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_burst_drains_until_short, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_buffers_grow, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_garbage_and_oversize_dropped, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_socket, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
