/* DHCPINFORM over the tunnel's interface: see sys/dhcp_inform.h. */
#include "sys/dhcp_inform.h"

#include <errno.h>
#include <string.h>

#include <openssl/rand.h>

/* 2, 4, 8 s, then we do without */
static const struct dhcp_xmit_params inform_timing = {.irt_ms = 2000,
                                                      .max_tries = DHCP_INFORM_TRIES};

void dhcp_inform_stop(struct dhcp_inform *d)
{
	dhcp_xmit_close(&d->x);
}

static void finish(struct dhcp_inform *d, const struct dhcp_info *info)
{
	dhcp_inform_fn done = d->done;

	dhcp_inform_stop(d);
	if (done)
		done(d->ctx, info);
}

static void send_inform(void *ctx)
{
	struct dhcp_inform *d = ctx;
	uint8_t msg[400];
	size_t n = dhcp_build_inform(msg, sizeof(msg), d->xid, ntohl(d->local.s_addr), d->hwaddr);

	if (!n || dhcp_xmit_sendto(&d->x, msg, n, (const struct sockaddr *)&d->server,
	                           sizeof(d->server)) < 0)
		log_debug(d->lg, LOG_CLIENT, "DHCPINFORM not sent: %s", strerror(errno));
}

static void on_gave_up(void *ctx)
{
	struct dhcp_inform *d = ctx;

	log_info(d->lg, LOG_CLIENT, "no answer to DHCPINFORM: no settings from the gateway");
	finish(d, NULL);
}

static void on_received(void *ctx, const uint8_t *msg, size_t len)
{
	struct dhcp_inform *d = ctx;
	const char *why = NULL;

	if (dhcp_parse_ack(msg, len, d->xid, &d->got, &why) == 0)
		finish(d, &d->got);
	else
		log_debug(d->lg, LOG_CLIENT, "DHCP answer dropped: %s", why);
}

static const struct dhcp_xmit_ops inform_ops = {
    .send = send_inform, .received = on_received, .gave_up = on_gave_up};

void dhcp_inform_init(struct dhcp_inform *d, struct loop *loop, struct logger *lg)
{
	memset(d, 0, sizeof(*d));
	d->lg = lg;
	dhcp_xmit_init(&d->x, loop, &inform_ops, d);
	d->server.sin_family = AF_INET;
	d->server.sin_addr.s_addr = htonl(INADDR_BROADCAST);
	d->server.sin_port = htons(DHCP_SERVER_PORT);
	d->client_port = DHCP_CLIENT_PORT;
	d->timing = inform_timing;
}

int dhcp_inform_start(struct dhcp_inform *d, const char *ifname, struct in_addr local,
                      dhcp_inform_fn done, void *ctx)
{
	int one = 1;

	dhcp_inform_stop(d);
	/* broadcast: the gateway's address on the link is not ours to know */
	if (dhcp_xmit_open(&d->x, AF_INET, ifname, d->client_port) < 0 ||
	    setsockopt(d->x.fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0) {
		log_info(d->lg, LOG_CLIENT, "no DHCPINFORM over %s: %s", ifname, strerror(errno));
		dhcp_inform_stop(d);
		return -1;
	}
	if (RAND_bytes((unsigned char *)&d->xid, sizeof(d->xid)) != 1 ||
	    RAND_bytes(d->hwaddr, sizeof(d->hwaddr)) != 1) {
		dhcp_inform_stop(d);
		return -1;
	}
	d->hwaddr[0] = (uint8_t)((d->hwaddr[0] & 0xfe) | 0x02); /* local, unicast */
	d->local = local;
	d->done = done;
	d->ctx = ctx;
	if (dhcp_xmit_begin(&d->x, &d->timing) < 0) {
		dhcp_inform_stop(d);
		return -1;
	}
	return 0;
}
