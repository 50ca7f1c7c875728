/*
 * What the DHCPINFORM client (sys/dhcp_inform.h) and the DHCPv6 client
 * (sys/dhcp6_client.h) share: a UDP socket bound to the tunnel's device and
 * a client port, watched by the loop; and the retransmission of one message
 * with a randomised, doubling timeout until an answer stops it or the tries
 * run out. The message, its answer and the timeouts are the owner's: it
 * builds and sends in ops->send, parses in ops->received and hears
 * ops->gave_up after the last timeout. All state lives in struct dhcp_xmit,
 * embedded in the owner.
 */
#ifndef L2TPSEC_SYS_DHCP_XMIT_H
#define L2TPSEC_SYS_DHCP_XMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>

#include "lib/loop.h"

/*
 * The retransmission rules of one message. The timeout RT starts at irt_ms
 * and doubles after each transmission, randomised one of two ways:
 * - rand_permille (RFC 8415 §15): RT = IRT + RAND*IRT, then
 *   RT = 2*RTprev + RAND*RTprev, over mrt_ms RT = MRT + RAND*MRT, RAND
 *   uniform in +-rand_permille/1000 (100: the RFC's +-0.1);
 *   first_rand_positive: RAND > 0 for the first RT (§18.2.1, Solicit);
 * - rand_ms (RFC 2131 §4.1): the unrandomised timeout (IRT doubled, at most
 *   mrt_ms) +- rand_ms; RFC 2131 says 4 s, 8 s, ... 64 s, each +-1 s.
 * Both 0: plain doubling. mrt_ms 0: no cap. Given up after max_tries
 * transmissions (>= 1; RFC 8415's MRC, but never unbounded here) and the
 * timeout that follows the last one.
 */
struct dhcp_xmit_params {
	uint32_t irt_ms;
	uint32_t mrt_ms;
	unsigned max_tries;
	uint16_t rand_permille;
	bool first_rand_positive;
	uint32_t rand_ms;
};

/* The schedule so far: the timeout now running and its unrandomised value. */
struct dhcp_xmit_rt {
	uint32_t base_ms, rt_ms;
};

/* The first timeout, and the one after rt: r is a uniform random value (the
 * RAND above). Pure, for tests of the schedule. */
void dhcp_xmit_rt_first(const struct dhcp_xmit_params *p, struct dhcp_xmit_rt *rt, uint32_t r);
void dhcp_xmit_rt_next(const struct dhcp_xmit_params *p, struct dhcp_xmit_rt *rt, uint32_t r);

struct dhcp_xmit_ops {
	/* (Re)transmit the current message, with dhcp_xmit_sendto. */
	void (*send)(void *ctx);
	/* A datagram on the socket: whatever it is, it is the owner's to judge. */
	void (*received)(void *ctx, const uint8_t *msg, size_t len);
	/* No answer after max_tries: the timer is stopped, the socket still
	 * open (dhcp_xmit_close it). */
	void (*gave_up)(void *ctx);
};

struct dhcp_xmit {
	struct loop *loop;
	const struct dhcp_xmit_ops *ops;
	void *ctx;
	int fd;
	struct dhcp_xmit_params p; /* of the message being sent */
	unsigned tries;            /* transmissions of it so far */
	struct dhcp_xmit_rt rt;
	struct loop_timer timer;
};

void dhcp_xmit_init(struct dhcp_xmit *x, struct loop *loop, const struct dhcp_xmit_ops *ops,
                    void *ctx);
/* A UDP socket of family (AF_INET or AF_INET6) bound to ifname and to port on
 * any address, watched for answers. SO_REUSEADDR: a host DHCP client on that
 * port of another interface shares it if it allows. 0, or -1 with errno
 * (nothing left open). The owner adds what its protocol needs (broadcast,
 * multicast interface) with setsockopt on x->fd. */
int dhcp_xmit_open(struct dhcp_xmit *x, int family, const char *ifname, uint16_t port);
/* Sends the first transmission (ops->send) and starts the timeout; again
 * from the start with p when already sending (a new message). 0, or -1 when
 * no random value could be had (nothing sent). */
int dhcp_xmit_begin(struct dhcp_xmit *x, const struct dhcp_xmit_params *p);
/* Stops the transmissions and closes the socket (the answer came, the
 * owner gave up or was stopped). Safe when not open. */
void dhcp_xmit_close(struct dhcp_xmit *x);
bool dhcp_xmit_running(const struct dhcp_xmit *x);
/* One datagram to to: 0, or -1 with errno. */
int dhcp_xmit_sendto(struct dhcp_xmit *x, const void *msg, size_t len, const struct sockaddr *to,
                     socklen_t tolen);

#endif
