/* DHCPINFORM over an interface (sys/dhcp_inform.h), on loopback with a fake
 * DHCP server: the INFORM it sends, garbage and other transactions' answers
 * ignored, the routes of the real answer handed over once; without an answer
 * it gives up after its tries and says so (NULL), and stop means silence.
 * Needs CAP_NET_RAW (SO_BINDTODEVICE): skipped without it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include "lib/buf.h"
#include "sys/dhcp_inform.h"

struct fixture {
	struct loop *loop;
	struct logger lg;
	struct dhcp_inform d;
	int server;
	uint16_t client_port;
	int calls;
	bool got_info;
	struct dhcp_info info;
};

static uint16_t bound_udp(int fd)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);

	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	return ntohs(a.sin_port);
}

static int setup(void **state)
{
	static struct fixture f;
	int probe = socket(AF_INET, SOCK_DGRAM, 0);

	memset(&f, 0, sizeof(f));
	if (setsockopt(probe, SOL_SOCKET, SO_BINDTODEVICE, "lo", 2) < 0) {
		close(probe);
		return 0; /* no CAP_NET_RAW: each test skips */
	}
	/* a free port for the client side */
	f.client_port = bound_udp(probe);
	close(probe);
	f.loop = loop_new();
	log_init(&f.lg, LOG_TO_STDERR_PLAIN, LOG_LVL_ERR);
	f.server = socket(AF_INET, SOCK_DGRAM, 0);
	dhcp_inform_init(&f.d, f.loop, &f.lg);
	f.d.server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f.d.server.sin_port = htons(bound_udp(f.server));
	f.d.client_port = f.client_port;
	/* seconds shrunk to milliseconds: 30 ms doubling, randomised +-3 ms */
	f.d.timing.irt_ms = 30;
	f.d.timing.rand_ms = 3;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (!f)
		return 0;
	dhcp_inform_stop(&f->d);
	close(f->server);
	loop_free(f->loop);
	return 0;
}

static void on_done(void *ctx, const struct dhcp_info *info)
{
	struct fixture *f = ctx;

	f->calls++;
	f->got_info = info != NULL;
	if (info)
		f->info = *info;
}

/* The server's side: the INFORM, answered with what reply() writes. */
static size_t receive_inform(struct fixture *f, uint32_t *xid)
{
	uint8_t buf[1500];
	ssize_t n;

	for (int i = 0; i < 200; i++) {
		n = recv(f->server, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0) {
			assert_true(n >= DHCP_MIN_MSG);
			assert_int_equal(buf[0], 1);
			assert_int_equal(get_be32(buf + 12), 0x7f000001u); /* ciaddr */
			assert_int_equal(buf[DHCP_MIN_MSG + 2], DHCP_INFORM);
			*xid = get_be32(buf + 4);
			return (size_t)n;
		}
		loop_run_once(f->loop, 10);
	}
	fail_msg("no DHCPINFORM");
	return 0;
}

static void reply(struct fixture *f, uint32_t xid, bool garbage)
{
	static const uint8_t opts[] = {53, 1, 5, 121, 7, 16, 10, 20, 0, 0, 0, 0, 255};
	uint8_t b[DHCP_MIN_MSG + sizeof(opts)] = {2, 1, 6};
	struct sockaddr_in to = {.sin_family = AF_INET,
	                         .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	                         .sin_port = htons(f->client_port)};

	put_be32(b + 4, xid);
	put_be32(b + DHCP_FIXED_LEN, 0x63825363u);
	memcpy(b + DHCP_MIN_MSG, opts, sizeof(opts));
	if (garbage)
		b[DHCP_MIN_MSG + 5] = 33; /* a route 33 bits wide */
	assert_true(sendto(f->server, b, sizeof(b), 0, (struct sockaddr *)&to, sizeof(to)) > 0);
}

static void run_until_done(struct fixture *f, int max_ms)
{
	for (int t = 0; t < max_ms / 10 && f->calls == 0; t++)
		loop_run_once(f->loop, 10);
}

static void test_answer_gives_routes(void **state)
{
	struct fixture *f = *state;
	struct in_addr lo = {htonl(INADDR_LOOPBACK)};
	uint32_t xid = 0;

	if (!f->loop)
		skip();
	f->d.timing.irt_ms = 5000; /* the answer comes long before a resend */
	assert_int_equal(dhcp_inform_start(&f->d, "lo", lo, on_done, f), 0);
	receive_inform(f, &xid);
	reply(f, xid + 1, false); /* another transaction */
	reply(f, xid, true);      /* malformed */
	for (int i = 0; i < 10; i++)
		loop_run_once(f->loop, 10);
	assert_int_equal(f->calls, 0);
	reply(f, xid, false);
	run_until_done(f, 2000);
	assert_int_equal(f->calls, 1);
	assert_true(f->got_info);
	assert_int_equal(f->info.nroutes, 1);
	assert_int_equal(f->info.routes[0].dest, 0x0a140000u);
	assert_int_equal(f->info.routes[0].prefix, 16);
	assert_false(dhcp_xmit_running(&f->d.x)); /* socket closed once done */
}

static void test_no_answer_gives_up(void **state)
{
	struct fixture *f = *state;
	struct in_addr lo = {htonl(INADDR_LOOPBACK)};
	uint32_t xid = 0;
	int informs = 0;

	if (!f->loop)
		skip();
	assert_int_equal(dhcp_inform_start(&f->d, "lo", lo, on_done, f), 0);
	/* 30 + 60 + 120 ms (+-3): three INFORMs, then NULL */
	(void)xid;
	for (int t = 0; t < 300 && f->calls == 0; t++) {
		uint8_t buf[1500];

		loop_run_once(f->loop, 10);
		while (recv(f->server, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			informs++;
	}
	assert_int_equal(informs, DHCP_INFORM_TRIES);
	assert_int_equal(f->calls, 1);
	assert_false(f->got_info);
}

static void test_stop_is_silent(void **state)
{
	struct fixture *f = *state;
	struct in_addr lo = {htonl(INADDR_LOOPBACK)};
	uint32_t xid = 0;

	if (!f->loop)
		skip();
	assert_int_equal(dhcp_inform_start(&f->d, "lo", lo, on_done, f), 0);
	receive_inform(f, &xid);
	dhcp_inform_stop(&f->d);
	reply(f, xid, false);
	for (int i = 0; i < 30; i++)
		loop_run_once(f->loop, 10);
	assert_int_equal(f->calls, 0);
	/* an interface that does not exist: -1, no callback */
	assert_int_equal(dhcp_inform_start(&f->d, "nosuchif0", lo, on_done, f), -1);
	assert_int_equal(f->calls, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_answer_gives_routes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_answer_gives_up, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stop_is_silent, setup, teardown),
	};

	return cmocka_run_group_tests_name("dhcp_inform", tests, NULL, NULL);
}
