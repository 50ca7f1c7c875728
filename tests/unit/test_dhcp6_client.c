/* DHCPv6 over an interface (sys/dhcp6_client.h), on loopback with a fake
 * server: the Information-Request it sends, garbage and other transactions'
 * answers ignored, the DNS servers of the real Reply handed over once; the
 * stateful exchange Solicit, Advertise, Request (naming the server), Reply
 * with the address; without an answer it gives up after its tries (NULL),
 * and stop means silence. Needs CAP_NET_RAW (SO_BINDTODEVICE): skipped
 * without it, and without IPv6 on lo. */
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
#include "sys/dhcp6_client.h"

static const uint8_t server_duid[] = {0, 1, 0, 1, 0x2a, 0x2b, 0x2c, 0x2d, 9, 8, 7, 6, 5, 4};

struct fixture {
	struct loop *loop;
	struct logger lg;
	struct dhcp6_client d;
	int server;
	uint16_t client_port;
	int calls;
	bool got_info;
	struct dhcp6_info info;
};

static uint16_t bound_udp6(int fd)
{
	struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	socklen_t len = sizeof(a);

	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		return 0;
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	return ntohs(a.sin6_port);
}

/* The first timeout of every message (RFC 8415's 1 s in the client). */
static void first_timeout(struct dhcp6_client *d, uint32_t ms)
{
	d->inf_timing.irt_ms = ms;
	d->sol_timing.irt_ms = ms;
	d->req_timing.irt_ms = ms;
}

static int setup(void **state)
{
	static struct fixture f;
	int probe = socket(AF_INET6, SOCK_DGRAM, 0);

	memset(&f, 0, sizeof(f));
	*state = &f;
	if (probe < 0 || setsockopt(probe, SOL_SOCKET, SO_BINDTODEVICE, "lo", 2) < 0 ||
	    (f.client_port = bound_udp6(probe)) == 0) {
		if (probe >= 0)
			close(probe);
		return 0; /* each test skips */
	}
	close(probe);
	f.loop = loop_new();
	log_init(&f.lg, LOG_TO_STDERR_PLAIN, LOG_LVL_ERR);
	f.server = socket(AF_INET6, SOCK_DGRAM, 0);
	dhcp6_client_init(&f.d, f.loop, &f.lg);
	f.d.server.sin6_addr = in6addr_loopback;
	f.d.server.sin6_port = htons(bound_udp6(f.server));
	f.d.client_port = f.client_port;
	first_timeout(&f.d, 30);
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (!f->loop)
		return 0;
	dhcp6_client_stop(&f->d);
	close(f->server);
	loop_free(f->loop);
	return 0;
}

static void on_done(void *ctx, const struct dhcp6_info *info)
{
	struct fixture *f = ctx;

	f->calls++;
	f->got_info = info != NULL;
	if (info)
		f->info = *info;
}

/* The server's side: the next message of type want; its xid and client ID
 * (the option right after the header, as dhcp6_build writes it). */
static size_t receive(struct fixture *f, uint8_t want, uint8_t *msg, size_t cap)
{
	for (int i = 0; i < 300; i++) {
		ssize_t n = recv(f->server, msg, cap, MSG_DONTWAIT);

		if (n > 0) {
			assert_true(n >= 4 + 14);
			assert_int_equal(msg[0], want);
			assert_int_equal(get_be16(msg + 4), DHCP6_OPT_CLIENTID);
			return (size_t)n;
		}
		loop_run_once(f->loop, 10);
	}
	fail_msg("no DHCPv6 message %u", want);
	return 0;
}

struct answer {
	uint8_t b[512];
	size_t len;
};

static void opt(struct answer *a, uint16_t code, const void *v, size_t n)
{
	put_be16(a->b + a->len, code);
	put_be16(a->b + a->len + 2, (uint16_t)n);
	memcpy(a->b + a->len + 4, v, n);
	a->len += 4 + n;
}

/* An answer of type to the message req, with a DNS server and (iaid != 0)
 * an address for that IA. */
static void answer(struct fixture *f, uint8_t type, const uint8_t *req, uint32_t iaid, bool bad_xid,
                   bool garbage)
{
	struct sockaddr_in6 to = {.sin6_family = AF_INET6,
	                          .sin6_addr = IN6ADDR_LOOPBACK_INIT,
	                          .sin6_port = htons(f->client_port)};
	struct answer a = {.len = 4};
	struct in6_addr dns;
	uint8_t ia[12 + 4 + 24] = {0};

	a.b[0] = type;
	memcpy(a.b + 1, req + 1, 3);
	if (bad_xid)
		a.b[3] ^= 1;
	opt(&a, DHCP6_OPT_SERVERID, server_duid, sizeof(server_duid));
	opt(&a, DHCP6_OPT_CLIENTID, req + 8, DHCP6_DUID_LEN);
	inet_pton(AF_INET6, "2001:db8:42::53", &dns);
	opt(&a, DHCP6_OPT_DNS_SERVERS, &dns, garbage ? 15 : 16);
	if (iaid) {
		put_be32(ia, iaid);
		put_be16(ia + 12, DHCP6_OPT_IAADDR);
		put_be16(ia + 14, 24);
		inet_pton(AF_INET6, "2001:db8:77::9", ia + 16);
		put_be32(ia + 32, 3600);
		put_be32(ia + 36, 7200);
		opt(&a, DHCP6_OPT_IA_NA, ia, sizeof(ia));
	}
	assert_true(sendto(f->server, a.b, a.len, 0, (struct sockaddr *)&to, sizeof(to)) > 0);
}

static void run_until_done(struct fixture *f, int max_ms)
{
	for (int t = 0; t < max_ms / 10 && f->calls == 0; t++)
		loop_run_once(f->loop, 10);
}

static void test_information_request(void **state)
{
	struct fixture *f = *state;
	uint8_t req[512];

	if (!f->loop)
		skip();
	first_timeout(&f->d, 5000); /* the answer comes long before a resend */
	assert_int_equal(dhcp6_client_start(&f->d, "lo", false, on_done, f), 0);
	receive(f, DHCP6_INFORMATION_REQUEST, req, sizeof(req));
	answer(f, DHCP6_REPLY, req, 0, true, false); /* another transaction */
	answer(f, DHCP6_REPLY, req, 0, false, true); /* malformed */
	for (int i = 0; i < 10; i++)
		loop_run_once(f->loop, 10);
	assert_int_equal(f->calls, 0);
	answer(f, DHCP6_REPLY, req, 0, false, false);
	run_until_done(f, 2000);
	assert_int_equal(f->calls, 1);
	assert_true(f->got_info);
	assert_int_equal(f->info.n_dns, 1);
	assert_int_equal(f->info.dns[0].s6_addr[15], 0x53);
	assert_false(dhcp6_client_running(&f->d)); /* socket closed once done */
}

static void test_stateful(void **state)
{
	struct fixture *f = *state;
	uint8_t req[512];
	size_t n;
	uint32_t iaid;

	if (!f->loop)
		skip();
	first_timeout(&f->d, 5000);
	assert_int_equal(dhcp6_client_start(&f->d, "lo", true, on_done, f), 0);
	n = receive(f, DHCP6_SOLICIT, req, sizeof(req));
	/* IA_NA is the last option: code, length 12, IAID */
	assert_int_equal(get_be16(req + n - 16), DHCP6_OPT_IA_NA);
	iaid = get_be32(req + n - 12);
	answer(f, DHCP6_ADVERTISE, req, 0, false, false); /* no address: waits */
	answer(f, DHCP6_ADVERTISE, req, iaid, false, false);
	n = receive(f, DHCP6_REQUEST, req, sizeof(req));
	assert_int_equal(get_be16(req + 18), DHCP6_OPT_SERVERID);
	assert_memory_equal(req + 22, server_duid, sizeof(server_duid));
	assert_int_equal(f->calls, 0);
	answer(f, DHCP6_REPLY, req, iaid, false, false);
	run_until_done(f, 2000);
	assert_int_equal(f->calls, 1);
	assert_true(f->got_info);
	assert_true(f->info.has_addr);
	assert_int_equal(f->info.addr.s6_addr[15], 9);
	assert_int_equal(f->info.valid_s, 7200);
	(void)n;
}

static void test_no_answer_gives_up(void **state)
{
	struct fixture *f = *state;
	int sent = 0;

	if (!f->loop)
		skip();
	assert_int_equal(dhcp6_client_start(&f->d, "lo", false, on_done, f), 0);
	/* 30 + 60 + 120 + 240 ms (+-10 %): four tries, then NULL */
	for (int t = 0; t < 600 && f->calls == 0; t++) {
		uint8_t buf[512];

		loop_run_once(f->loop, 10);
		while (recv(f->server, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			sent++;
	}
	assert_int_equal(sent, DHCP6_CLIENT_TRIES);
	assert_int_equal(f->calls, 1);
	assert_false(f->got_info);
}

static void test_stop_is_silent(void **state)
{
	struct fixture *f = *state;
	uint8_t req[512];
	bool managed = true, other = true;

	if (!f->loop)
		skip();
	assert_int_equal(dhcp6_client_start(&f->d, "lo", false, on_done, f), 0);
	receive(f, DHCP6_INFORMATION_REQUEST, req, sizeof(req));
	dhcp6_client_stop(&f->d);
	answer(f, DHCP6_REPLY, req, 0, false, false);
	for (int i = 0; i < 30; i++)
		loop_run_once(f->loop, 10);
	assert_int_equal(f->calls, 0);
	/* an interface that does not exist: -1, no callback */
	assert_int_equal(dhcp6_client_start(&f->d, "nosuchif0", false, on_done, f), -1);
	assert_int_equal(f->calls, 0);
	/* lo never heard a router advertisement */
	assert_int_equal(dhcp6_ra_flags("lo", &managed, &other), 0);
	assert_false(managed || other);
	assert_int_equal(dhcp6_ra_flags("nosuchif0", &managed, &other), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_information_request, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stateful, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_answer_gives_up, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stop_is_silent, setup, teardown),
	};

	return cmocka_run_group_tests_name("dhcp6_client", tests, NULL, NULL);
}
