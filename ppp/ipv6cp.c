/*
 * IPV6CP (RFC 5072): only the Interface-Identifier option, which gives both
 * ends their link-local addresses (fe80::<identifier>). Compression is
 * rejected.
 */
#include <string.h>

#include "lib/util.h"
#include "ppp/ppp_internal.h"

enum { IPV6CP_OPT_IFID = 1 };

static const uint8_t zero8[8];

/* RFC 5072 §4.1: a random non-zero identifier, different from avoid. */
static void new_ifid(uint8_t out[8], const uint8_t avoid[8])
{
	do {
		if (random_bytes(out, 8) < 0)
			memcpy(out, "\x02\x00\x5e\xff\xfe\x00\x00\x01", 8);
	} while (memcmp(out, zero8, 8) == 0 || memcmp(out, avoid, 8) == 0);
}

static void ipv6cp_reset(struct fsm *f)
{
	struct ipv6cp_state *st = &fsm_ppp(f)->ipv6cp_st;

	memset(st, 0, sizeof(*st));
	st->send_ifid = true;
	new_ifid(st->ifid, zero8);
}

static void ipv6cp_build_request(struct fsm *f, struct buf_writer *w)
{
	struct ipv6cp_state *st = &fsm_ppp(f)->ipv6cp_st;

	if (st->send_ifid)
		ppp_opt_put(w, IPV6CP_OPT_IFID, st->ifid, 8);
}

static int ipv6cp_recv_nak(struct fsm *f, const uint8_t *opts, size_t len)
{
	struct ipv6cp_state *st = &fsm_ppp(f)->ipv6cp_st;
	struct buf_reader r;
	struct ppp_opt o;
	int rc;

	br_init(&r, opts, len);
	while ((rc = ppp_opt_next(&r, &o)) > 0) {
		if (o.type != IPV6CP_OPT_IFID || o.len != 10 || !st->send_ifid)
			continue;
		if (memcmp(o.data, zero8, 8) != 0 && memcmp(o.data, st->peer_ifid, 8) != 0)
			memcpy(st->ifid, o.data, 8);
		else
			new_ifid(st->ifid, st->peer_ifid);
	}
	return rc;
}

static int ipv6cp_recv_reject(struct fsm *f, const uint8_t *opts, size_t len)
{
	struct ipv6cp_state *st = &fsm_ppp(f)->ipv6cp_st;
	struct buf_reader r;
	struct ppp_opt o;
	int rc;

	br_init(&r, opts, len);
	while ((rc = ppp_opt_next(&r, &o)) > 0) {
		if (o.type != IPV6CP_OPT_IFID || !st->send_ifid)
			return -1;
		st->send_ifid = false;
	}
	return rc;
}

static int ipv6cp_recv_request(struct fsm *f, const uint8_t *opts, size_t len, bool may_nak,
                               struct buf_writer *w)
{
	struct ipv6cp_state *st = &fsm_ppp(f)->ipv6cp_st;
	uint8_t nakbuf[16], peer[8] = {0}, suggest[8];
	struct buf_writer nak, rej = *w;
	struct buf_reader r;
	struct ppp_opt o;
	int rc;

	bw_init(&nak, nakbuf, sizeof(nakbuf));
	br_init(&r, opts, len);
	while ((rc = ppp_opt_next(&r, &o)) > 0) {
		if (o.type != IPV6CP_OPT_IFID || o.len != 10) {
			ppp_opt_put(&rej, o.type, o.data, (size_t)o.len - 2u);
			continue;
		}
		if (memcmp(o.data, zero8, 8) != 0 && memcmp(o.data, st->ifid, 8) != 0) {
			memcpy(peer, o.data, 8);
			continue;
		}
		/* Zero or the same as ours: suggest another (§4.1). */
		if (memcmp(o.data, st->ifid, 8) == 0)
			new_ifid(st->ifid, o.data);
		if (!may_nak) {
			ppp_opt_put(&rej, o.type, o.data, 8);
			continue;
		}
		new_ifid(suggest, st->ifid);
		ppp_opt_put(&nak, IPV6CP_OPT_IFID, suggest, 8);
	}
	if (rc < 0 || !bw_ok(&nak) || !bw_ok(&rej))
		return -1;
	if (rej.len) {
		*w = rej;
		return CODE_CONF_REJ;
	}
	if (nak.len) {
		bw_bytes(w, nakbuf, nak.len);
		return CODE_CONF_NAK;
	}
	memcpy(st->peer_ifid, peer, 8);
	bw_bytes(w, opts, len);
	return CODE_CONF_ACK;
}

static void ipv6cp_up(struct fsm *f)
{
	struct ppp *ppp = fsm_ppp(f);
	struct ipv6cp_state *st = &ppp->ipv6cp_st;

	if (!st->send_ifid) {
		f->fail_why = "no interface identifier";
		fsm_close(f);
		return;
	}
	memcpy(ppp->ip.local_ifid, st->ifid, 8);
	memcpy(ppp->ip.peer_ifid, st->peer_ifid, 8);
	ppp->ip.ipv6_up = true;
	log_info(ppp->lg, LOG_PPP, "IPV6CP opened");
	ppp_ncp_up(ppp);
}

static void ipv6cp_down(struct fsm *f)
{
	fsm_ppp(f)->ip.ipv6_up = false;
}

static void ipv6cp_finished(struct fsm *f)
{
	ppp_ncp_finished(fsm_ppp(f), f);
}

static const struct fsm_ops ipv6cp_ops = {
    .reset = ipv6cp_reset,
    .build_request = ipv6cp_build_request,
    .recv_nak = ipv6cp_recv_nak,
    .recv_reject = ipv6cp_recv_reject,
    .recv_request = ipv6cp_recv_request,
    .up = ipv6cp_up,
    .down = ipv6cp_down,
    .finished = ipv6cp_finished,
};

void ipv6cp_init(struct ppp *ppp)
{
	fsm_init(&ppp->ipv6cp, ppp, PPP_PROTO_IPV6CP, "IPV6CP", &ipv6cp_ops);
}
