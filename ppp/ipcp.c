/*
 * IPCP (RFC 1332) with the DNS extension (RFC 1877): we ask for 0.0.0.0 as
 * our address and DNS servers and take what the peer Naks back; the peer's
 * own address is accepted as given. Compression and anything else is
 * rejected.
 */
#include <string.h>

#include "ppp/ppp_internal.h"

enum {
	IPCP_OPT_ADDRS = 1, /* deprecated, RFC 1172 */
	IPCP_OPT_COMP = 2,
	IPCP_OPT_ADDR = 3,
	IPCP_OPT_DNS1 = 129,
	IPCP_OPT_DNS2 = 131,
};

static const uint8_t zero4[4];

static void ipcp_reset(struct fsm *f)
{
	struct ppp *ppp = fsm_ppp(f);
	struct ipcp_state *st = &ppp->ipcp_st;

	memset(st, 0, sizeof(*st));
	st->send_addr = true;
	memcpy(st->addr, ppp->cfg.serve.local_ipv4, 4);
	st->send_dns1 = st->send_dns2 = ppp->cfg.request_dns;
}

static void ipcp_build_request(struct fsm *f, struct buf_writer *w)
{
	struct ipcp_state *st = &fsm_ppp(f)->ipcp_st;

	if (st->send_addr)
		ppp_opt_put(w, IPCP_OPT_ADDR, st->addr, 4);
	if (st->send_dns1)
		ppp_opt_put(w, IPCP_OPT_DNS1, st->dns1, 4);
	if (st->send_dns2)
		ppp_opt_put(w, IPCP_OPT_DNS2, st->dns2, 4);
}

static int ipcp_recv_nak(struct fsm *f, const uint8_t *opts, size_t len)
{
	struct ipcp_state *st = &fsm_ppp(f)->ipcp_st;
	struct buf_reader r;
	struct ppp_opt o;
	int rc;

	br_init(&r, opts, len);
	while ((rc = ppp_opt_next(&r, &o)) > 0) {
		if (o.len != 6)
			continue;
		if (o.type == IPCP_OPT_ADDR && st->send_addr)
			memcpy(st->addr, o.data, 4);
		else if (o.type == IPCP_OPT_DNS1 && st->send_dns1)
			memcpy(st->dns1, o.data, 4);
		else if (o.type == IPCP_OPT_DNS2 && st->send_dns2)
			memcpy(st->dns2, o.data, 4);
	}
	return rc;
}

static int ipcp_recv_reject(struct fsm *f, const uint8_t *opts, size_t len)
{
	struct ipcp_state *st = &fsm_ppp(f)->ipcp_st;
	struct buf_reader r;
	struct ppp_opt o;
	int rc;

	br_init(&r, opts, len);
	while ((rc = ppp_opt_next(&r, &o)) > 0) {
		if (o.type == IPCP_OPT_ADDR && st->send_addr)
			st->send_addr = false;
		else if (o.type == IPCP_OPT_DNS1 && st->send_dns1)
			st->send_dns1 = false;
		else if (o.type == IPCP_OPT_DNS2 && st->send_dns2)
			st->send_dns2 = false;
		else
			return -1;
	}
	return rc;
}

/* An address option of the peer's request against the value we would give
 * (all zero: we have none). Returns the answer code for this option. */
static int answer_addr(const struct ppp_opt *o, const uint8_t give[4], bool may_nak,
                       struct buf_writer *nak)
{
	bool have = memcmp(give, zero4, 4) != 0;

	if (memcmp(o->data, zero4, 4) != 0 && (!have || memcmp(o->data, give, 4) == 0))
		return CODE_CONF_ACK;
	if (!have || !may_nak)
		return CODE_CONF_REJ;
	ppp_opt_put(nak, o->type, give, 4);
	return CODE_CONF_NAK;
}

static int ipcp_recv_request(struct fsm *f, const uint8_t *opts, size_t len, bool may_nak,
                             struct buf_writer *w)
{
	struct ppp *ppp = fsm_ppp(f);
	const struct ppp_serve_config *srv = &ppp->cfg.serve;
	uint8_t nakbuf[PPP_MAX_CTRL], peer[4] = {0};
	struct buf_writer nak, rej = *w;
	struct buf_reader r;
	struct ppp_opt o;
	int rc;

	bw_init(&nak, nakbuf, sizeof(nakbuf));
	br_init(&r, opts, len);
	while ((rc = ppp_opt_next(&r, &o)) > 0) {
		int ans = CODE_CONF_REJ;

		if (o.len == 6 && o.type == IPCP_OPT_ADDR) {
			ans = answer_addr(&o, srv->peer_ipv4, may_nak, &nak);
			if (ans == CODE_CONF_ACK)
				memcpy(peer, o.data, 4);
		} else if (o.len == 6 && (o.type == IPCP_OPT_DNS1 || o.type == IPCP_OPT_DNS2)) {
			/* A client has no DNS to offer; the test server may. */
			ans = answer_addr(&o, o.type == IPCP_OPT_DNS1 ? srv->dns1 : srv->dns2,
			                  may_nak, &nak);
		}
		if (ans == CODE_CONF_REJ)
			ppp_opt_put(&rej, o.type, o.data, (size_t)o.len - 2u);
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
	memcpy(ppp->ipcp_st.peer_addr, peer, 4);
	bw_bytes(w, opts, len);
	return CODE_CONF_ACK;
}

static void ipcp_up(struct fsm *f)
{
	struct ppp *ppp = fsm_ppp(f);
	struct ipcp_state *st = &ppp->ipcp_st;
	struct ppp_ip_info *ip = &ppp->ip;

	if (!st->send_addr || memcmp(st->addr, zero4, 4) == 0) {
		log_notice(ppp->lg, LOG_PPP, "IPCP: the peer gave us no address");
		f->fail_why = "gave no address";
		fsm_close(f);
		return;
	}
	memcpy(ip->local_ipv4, st->addr, 4);
	memcpy(ip->peer_ipv4, st->peer_addr, 4);
	memcpy(ip->dns1, st->send_dns1 ? st->dns1 : zero4, 4);
	memcpy(ip->dns2, st->send_dns2 ? st->dns2 : zero4, 4);
	ip->ipv4_up = true;
	log_info(ppp->lg, LOG_PPP, "IPCP opened: local %u.%u.%u.%u peer %u.%u.%u.%u",
	         ip->local_ipv4[0], ip->local_ipv4[1], ip->local_ipv4[2], ip->local_ipv4[3],
	         ip->peer_ipv4[0], ip->peer_ipv4[1], ip->peer_ipv4[2], ip->peer_ipv4[3]);
	ppp_ncp_up(ppp);
}

static void ipcp_down(struct fsm *f)
{
	fsm_ppp(f)->ip.ipv4_up = false;
}

static void ipcp_finished(struct fsm *f)
{
	ppp_ncp_finished(fsm_ppp(f), f);
}

static const struct fsm_ops ipcp_ops = {
    .reset = ipcp_reset,
    .build_request = ipcp_build_request,
    .recv_nak = ipcp_recv_nak,
    .recv_reject = ipcp_recv_reject,
    .recv_request = ipcp_recv_request,
    .up = ipcp_up,
    .down = ipcp_down,
    .finished = ipcp_finished,
};

void ipcp_init(struct ppp *ppp)
{
	fsm_init(&ppp->ipcp, ppp, PPP_PROTO_IPCP, "IPCP", &ipcp_ops);
}
