/* l2tp_prepare(): the engine's socket, ids and checks ahead of l2tp_start(),
 * which then only sends SCCRQ (RFC 2661 §5.1); l2tp_session_socket() only in
 * KERNEL mode. A loopback UDP socket stands for the LNS. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "l2tp/l2tp.h"
#include "l2tp/message.h"
#include "l2tp/proto.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "tests/unit/hijack.h"

/* A UDP socket on 127.0.0.1, its port in *port. */
static int lns_socket(uint16_t *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static struct l2tp *engine_on(struct loop *loop, struct logger *lg, uint16_t lns_port,
                              uint16_t local_port)
{
	static const struct l2tp_callbacks cb = {0};
	struct l2tp_config cfg;
	struct sockaddr_in *sin = (struct sockaddr_in *)&cfg.peer;

	l2tp_config_defaults(&cfg);
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(0x7f000001);
	sin->sin_port = htons(lns_port);
	cfg.port_mode = L2TP_PORT_EPHEMERAL;
	cfg.local_port = local_port;
	return l2tp_new(loop, lg, &cfg, &cb, NULL);
}

static struct l2tp *engine(struct loop *loop, struct logger *lg, uint16_t lns_port)
{
	return engine_on(loop, lg, lns_port, 0);
}

static void test_prepare_then_start(void **state)
{
	struct loop *loop = loop_new();
	struct logger lg;
	uint8_t buf[1024];
	struct l2tp_ctrl_msg m;
	struct l2tp_hdr h;
	const char *why;
	uint16_t port, code;
	int lns = lns_socket(&port), fd;
	struct l2tp *l2tp;
	ssize_t n;

	(void)state;
	log_init(&lg, LOG_TO_STDERR_PLAIN, LOG_LVL_ERR);
	l2tp = engine(loop, &lg, port);
	assert_non_null(l2tp);
	assert_int_equal(l2tp_tunnel_fd(l2tp), -1);
	assert_int_equal(l2tp_prepare(l2tp), 0);
	fd = l2tp_tunnel_fd(l2tp);
	assert_true(fd >= 0);
	assert_int_not_equal(l2tp_local_port(l2tp), 0);
	assert_int_equal(l2tp_prepare(l2tp), 0); /* once is enough */
	assert_int_equal(l2tp_tunnel_fd(l2tp), fd);
	/* nothing sent yet */
	assert_int_equal(recv(lns, buf, sizeof(buf), MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
	/* the userspace data mode has no PPPoL2TP socket */
	assert_int_equal(l2tp_session_socket(l2tp), -1);
	assert_int_equal(l2tp_start(l2tp), 0);
	assert_int_equal(l2tp_tunnel_fd(l2tp), fd); /* the prepared socket */
	n = recv(lns, buf, sizeof(buf), MSG_DONTWAIT);
	assert_true(n > 0);
	assert_int_equal(l2tp_hdr_parse(buf, (size_t)n, &h, &why), 0);
	assert_int_equal(
	    l2tp_ctrl_decode(buf + h.payload_off, h.payload_len, NULL, 0, &m, &code, &why), 0);
	assert_int_equal(m.type, L2TP_SCCRQ);
	assert_int_equal(l2tp_prepare(l2tp), 0); /* nothing more to do */
	assert_int_equal(l2tp_tunnel_fd(l2tp), fd);
	l2tp_free(l2tp);
	close(lns);
	loop_free(loop);
}

/* Issue #14 finding 1: on a fixed port (1701, shared between our own
 * tunnels) another user must not be able to bind our address and port and
 * connect to the LNS: on the kernel path it would read the decrypted PPP
 * traffic and could inject into the tunnel. */
static void test_fixed_port_not_shared_with_other_users(void **state)
{
	struct loop *loop = loop_new();
	struct logger lg;
	uint16_t port, local_port;
	int lns = lns_socket(&port), probe = lns_socket(&local_port);
	struct sockaddr_in ours = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
	struct sockaddr_in lns_addr = ours;
	struct l2tp *l2tp;

	(void)state;
	close(probe); /* a free port to use as "1701" */
	log_init(&lg, LOG_TO_STDERR_PLAIN, LOG_LVL_ERR);
	l2tp = engine_on(loop, &lg, port, local_port);
	assert_non_null(l2tp);
	assert_int_equal(l2tp_prepare(l2tp), 0);
	assert_int_equal(l2tp_local_port(l2tp), local_port);
	ours.sin_port = htons(local_port);
	lns_addr.sin_port = htons(port);
	if (try_hijack_as_nobody(&ours, &lns_addr) == HIJACK_UNTESTED) {
		l2tp_free(l2tp);
		close(lns);
		loop_free(loop);
		skip();
	}
	assert_int_equal(try_hijack_as_nobody(&ours, &lns_addr), HIJACK_DENIED);
	ours.sin_addr.s_addr = htonl(INADDR_ANY);
	assert_int_equal(try_hijack_as_nobody(&ours, &lns_addr), HIJACK_DENIED);
	l2tp_free(l2tp);
	close(lns);
	loop_free(loop);
}

/* L2TP over IPv6 UDP (issue 17): the engine's socket for an IPv6 LNS is an
 * IPv6-only UDP socket, SCCRQ reaches the LNS on ::1 from it, and a second
 * engine to an IPv4 LNS shares the fixed port (no dual-stack collision). */
static void test_ipv6_lns(void **state)
{
	static const struct l2tp_callbacks cb = {0};
	struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	struct sockaddr_in6 from;
	socklen_t len = sizeof(a);
	struct loop *loop = loop_new();
	struct logger lg;
	struct l2tp_config cfg;
	struct l2tp *l2tp, *l2tp4;
	uint8_t buf[1024];
	struct l2tp_hdr h;
	const char *why;
	int lns = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0), v6only = 0;
	uint16_t port4, fixed = (uint16_t)(40000 + getpid() % 20000);
	int lns4 = lns_socket(&port4);
	ssize_t n;

	(void)state;
	if (lns < 0 || bind(lns, (struct sockaddr *)&a, sizeof(a)) != 0) {
		if (lns >= 0)
			close(lns);
		close(lns4);
		loop_free(loop);
		skip(); /* no IPv6 on this host */
	}
	assert_int_equal(getsockname(lns, (struct sockaddr *)&a, &len), 0);
	log_init(&lg, LOG_TO_STDERR_PLAIN, LOG_LVL_ERR);
	l2tp_config_defaults(&cfg);
	memcpy(&cfg.peer, &a, sizeof(a));
	cfg.port_mode = L2TP_PORT_EPHEMERAL;
	cfg.local_port = fixed;
	l2tp = l2tp_new(loop, &lg, &cfg, &cb, NULL);
	assert_non_null(l2tp);
	assert_int_equal(l2tp_prepare(l2tp), 0);
	len = sizeof(v6only);
	assert_int_equal(getsockopt(l2tp_tunnel_fd(l2tp), IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &len),
	                 0);
	assert_int_equal(v6only, 1);
	assert_int_equal(l2tp_local_port(l2tp), fixed);
	l2tp4 = engine_on(loop, &lg, port4, fixed);
	assert_non_null(l2tp4);
	assert_int_equal(l2tp_prepare(l2tp4), 0);
	assert_int_equal(l2tp_local_port(l2tp4), fixed);
	assert_int_equal(l2tp_start(l2tp), 0);
	len = sizeof(from);
	n = recvfrom(lns, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &len);
	assert_true(n > 0);
	assert_int_equal(from.sin6_family, AF_INET6);
	assert_int_equal(ntohs(from.sin6_port), fixed);
	assert_int_equal(l2tp_hdr_parse(buf, (size_t)n, &h, &why), 0);
	assert_true(h.control);
	l2tp_free(l2tp4);
	l2tp_free(l2tp);
	close(lns);
	close(lns4);
	loop_free(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_prepare_then_start),
	    cmocka_unit_test(test_fixed_port_not_shared_with_other_users),
	    cmocka_unit_test(test_ipv6_lns),
	};
	return cmocka_run_group_tests_name("l2tp_prepare", tests, NULL, NULL);
}
