#include "esp/xfrm.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#include <linux/xfrm.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/xfrm/lifetime.h>
#include <netlink/xfrm/sa.h>

#include "lib/log.h"
#include "lib/util.h"

#define ESP_KERNEL_REPLAY_WINDOW 1024u

int esp_xfrm_open(struct esp_xfrm *x, const struct logger *lg)
{
	memset(x, 0, sizeof(*x));
	x->lg = lg;
	x->cmd = nl_socket_alloc();
	if (!x->cmd)
		return -1;
	if (nl_connect(x->cmd, NETLINK_XFRM) < 0) {
		nl_socket_free(x->cmd);
		x->cmd = NULL;
		return -1;
	}
	return 0;
}

void esp_xfrm_close(struct esp_xfrm *x)
{
	if (x->cmd)
		nl_socket_free(x->cmd);
	if (x->mon)
		nl_socket_free(x->mon);
	x->cmd = x->mon = NULL;
}

struct nl_addr *esp_xfrm_addr(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return nl_addr_build(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, 4);
	if (ss->ss_family == AF_INET6)
		return nl_addr_build(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
	return NULL;
}

uint16_t esp_xfrm_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return 0;
}

/* Linux crypto API names (what `ip xfrm` calls them). */
static int set_algorithms(struct xfrmnl_sa *s, const struct esp_sa *sa)
{
	static const struct {
		enum esp_auth auth;
		const char *name;
		unsigned trunc_bits;
	} auths[] = {
	    {ESP_AUTH_HMAC_MD5_96, "hmac(md5)", 96},
	    {ESP_AUTH_HMAC_SHA1_96, "hmac(sha1)", 96},
	    {ESP_AUTH_HMAC_SHA256_128, "hmac(sha256)", 128},
	    {ESP_AUTH_HMAC_SHA256_96, "hmac(sha256)", 96},
	    {ESP_AUTH_HMAC_SHA384_192, "hmac(sha384)", 192},
	    {ESP_AUTH_HMAC_SHA512_256, "hmac(sha512)", 256},
	};
	unsigned key_bits = sa->enc_key_len * 8u;

	switch (sa->cipher) {
	case ESP_CIPHER_AES_GCM_16:
		/* RFC 4106: the key material includes the 4-byte salt. */
		return xfrmnl_sa_set_aead_params(s, "rfc4106(gcm(aes))", key_bits, 128,
		                                 (const char *)sa->enc_key);
	case ESP_CIPHER_AES_CBC:
		if (xfrmnl_sa_set_crypto_params(s, "cbc(aes)", key_bits, (const char *)sa->enc_key))
			return -1;
		break;
	case ESP_CIPHER_3DES_CBC:
		if (xfrmnl_sa_set_crypto_params(s, "cbc(des3_ede)", key_bits,
		                                (const char *)sa->enc_key))
			return -1;
		break;
	default:
		return -1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(auths); i++)
		if (auths[i].auth == sa->auth)
			return xfrmnl_sa_set_auth_params(s, auths[i].name, sa->auth_key_len * 8u,
			                                 auths[i].trunc_bits,
			                                 (const char *)sa->auth_key);
	return -1;
}

/* Unset limits must be "infinite", not 0 (which would expire at once). */
static struct xfrmnl_ltime_cfg *make_lifetime(const struct esp_lifetime *lt)
{
	struct xfrmnl_ltime_cfg *l = xfrmnl_ltime_cfg_alloc();

	if (!l)
		return NULL;
	xfrmnl_ltime_cfg_set_soft_bytelimit(l, lt->soft_bytes ? lt->soft_bytes : XFRM_INF);
	xfrmnl_ltime_cfg_set_hard_bytelimit(l, lt->hard_bytes ? lt->hard_bytes : XFRM_INF);
	xfrmnl_ltime_cfg_set_soft_packetlimit(l, XFRM_INF);
	xfrmnl_ltime_cfg_set_hard_packetlimit(l, XFRM_INF);
	xfrmnl_ltime_cfg_set_soft_addexpires(l, lt->soft_seconds);
	xfrmnl_ltime_cfg_set_hard_addexpires(l, lt->hard_seconds);
	xfrmnl_ltime_cfg_set_soft_useexpires(l, 0);
	xfrmnl_ltime_cfg_set_hard_useexpires(l, 0);
	return l;
}

struct state_spec {
	const struct esp_sa *sa;
	const struct sockaddr_storage *src, *dst;
	const struct esp_lifetime *lifetime;
	bool udp_encap;
	uint32_t reqid;
};

static struct xfrmnl_sa *build_state(const struct state_spec *spec)
{
	struct nl_addr *src = esp_xfrm_addr(spec->src), *dst = esp_xfrm_addr(spec->dst);
	struct xfrmnl_ltime_cfg *lft = make_lifetime(spec->lifetime);
	struct xfrmnl_sa *s = xfrmnl_sa_alloc();
	uint32_t bitmap[ESP_KERNEL_REPLAY_WINDOW / 32] = {0};
	struct nl_addr *oa = NULL;
	int err = !s || !src || !dst || !lft;

	if (!err) {
		xfrmnl_sa_set_family(s, (unsigned)spec->src->ss_family);
		err |= xfrmnl_sa_set_saddr(s, src) | xfrmnl_sa_set_daddr(s, dst);
		xfrmnl_sa_set_spi(s, spec->sa->spi);
		xfrmnl_sa_set_proto(s, IPPROTO_ESP);
		xfrmnl_sa_set_mode(s, XFRM_MODE_TRANSPORT);
		xfrmnl_sa_set_reqid(s, spec->reqid);
		xfrmnl_sa_set_lifetime_cfg(s, lft);
		/* A window larger than 32 needs the bitmap attribute (no ESN flag). */
		err |= xfrmnl_sa_set_replay_state_esn(s, 0, 0, 0, 0, ESP_KERNEL_REPLAY_WINDOW,
		                                      ESP_KERNEL_REPLAY_WINDOW / 32, bitmap);
		err |= set_algorithms(s, spec->sa) != 0;
	}
	if (!err && spec->udp_encap) {
		/* encap_oa is unused by the kernel for ESP-in-UDP; zero it. */
		oa = nl_addr_alloc(16);
		if (oa) {
			nl_addr_set_family(oa, spec->src->ss_family);
			nl_addr_set_binary_addr(oa, bitmap,
			                        spec->src->ss_family == AF_INET ? 4 : 16);
		}
		err |=
		    !oa || xfrmnl_sa_set_encap_tmpl(s, UDP_ENCAP_ESPINUDP, esp_xfrm_port(spec->src),
		                                    esp_xfrm_port(spec->dst), oa) != 0;
	}
	nl_addr_put(src);
	nl_addr_put(dst);
	nl_addr_put(oa);
	if (lft)
		xfrmnl_ltime_cfg_put(lft);
	if (err && s) {
		xfrmnl_sa_put(s);
		s = NULL;
	}
	return s;
}

static int add_state(struct esp_xfrm *x, const struct state_spec *spec)
{
	struct xfrmnl_sa *s = build_state(spec);
	int err;

	if (!s)
		return -NLE_INVAL;
	err = xfrmnl_sa_add(x->cmd, s, NLM_F_CREATE | NLM_F_EXCL);
	/* The object holds copies of the keys: libnl frees it without clearing. */
	xfrmnl_sa_put(s);
	return err;
}

static int del_state(struct esp_xfrm *x, const struct sockaddr_storage *dst, uint32_t spi)
{
	struct xfrmnl_sa *s = xfrmnl_sa_alloc();
	struct nl_addr *d = esp_xfrm_addr(dst);
	int err = -NLE_NOMEM;

	if (s && d) {
		xfrmnl_sa_set_daddr(s, d);
		xfrmnl_sa_set_spi(s, spi);
		xfrmnl_sa_set_proto(s, IPPROTO_ESP);
		err = xfrmnl_sa_delete(x->cmd, s, 0);
	}
	nl_addr_put(d);
	if (s)
		xfrmnl_sa_put(s);
	return err;
}

int esp_xfrm_add_state_dir(struct esp_xfrm *x, const struct esp_sa_pair *pair, uint32_t reqid,
                           bool outbound)
{
	struct state_spec in = {&pair->in,       &pair->remote,   &pair->local,
	                        &pair->lifetime, pair->udp_encap, reqid};
	struct state_spec out = {&pair->out,      &pair->local,    &pair->remote,
	                         &pair->lifetime, pair->udp_encap, reqid};
	int err = add_state(x, outbound ? &out : &in);

	if (err < 0)
		log_err(x->lg, LOG_ESP, "xfrm: adding %s state spi 0x%08x failed: %s",
		        outbound ? "outbound" : "inbound", outbound ? pair->out.spi : pair->in.spi,
		        nl_geterror(err));
	return err < 0 ? -1 : 0;
}

int esp_xfrm_add_states(struct esp_xfrm *x, const struct esp_sa_pair *pair, uint32_t reqid)
{
	if (esp_xfrm_add_state_dir(x, pair, reqid, false) < 0)
		return -1;
	if (esp_xfrm_add_state_dir(x, pair, reqid, true) < 0) {
		del_state(x, &pair->local, pair->in.spi);
		return -1;
	}
	return 0;
}

int esp_xfrm_del_states(struct esp_xfrm *x, const struct esp_sa_pair *pair)
{
	int e1 = del_state(x, &pair->local, pair->in.spi);
	int e2 = del_state(x, &pair->remote, pair->out.spi);

	/* Already gone (hard expiry) is fine. */
	return (e1 < 0 && e1 != -NLE_OBJ_NOTFOUND) || (e2 < 0 && e2 != -NLE_OBJ_NOTFOUND) ? -1 : 0;
}

static int read_state(struct esp_xfrm *x, const struct sockaddr_storage *dst, uint32_t spi,
                      unsigned long long *bytes, unsigned long long *packets,
                      unsigned long long *replay, unsigned long long *icv)
{
	struct nl_addr *d = esp_xfrm_addr(dst);
	struct xfrmnl_sa *s = NULL;
	unsigned long long add_time, use_time, window;
	int err;

	if (!d)
		return -1;
	err = xfrmnl_sa_get_kernel(x->cmd, d, spi, IPPROTO_ESP, 0, 0, &s);
	nl_addr_put(d);
	if (err < 0 || !s)
		return -1;
	err = xfrmnl_sa_get_curlifetime(s, bytes, packets, &add_time, &use_time);
	if (xfrmnl_sa_get_stats(s, &window, replay, icv) < 0)
		*replay = *icv = 0;
	xfrmnl_sa_put(s);
	return err < 0 ? -1 : 0;
}

int esp_xfrm_get_counters(struct esp_xfrm *x, const struct esp_sa_pair *pair,
                          struct esp_counters *c)
{
	unsigned long long bytes, packets, replay, icv;

	memset(c, 0, sizeof(*c));
	if (read_state(x, &pair->local, pair->in.spi, &bytes, &packets, &replay, &icv) < 0)
		return -1;
	c->in_bytes = bytes;
	c->in_packets = packets;
	c->in_replay = replay;
	c->in_icv = icv;
	if (read_state(x, &pair->remote, pair->out.spi, &bytes, &packets, &replay, &icv) < 0)
		return -1;
	c->out_bytes = bytes;
	c->out_packets = packets;
	return 0;
}

enum esp_trunc_verdict esp_xfrm_trunc_verdict(const struct esp_counters *in, unsigned polls)
{
	if (in->in_packets > 0)
		return ESP_TRUNC_128_OK;
	if (in->in_icv > 0)
		return ESP_TRUNC_SWITCH_96;
	return polls >= ESP_TRUNC_MAX_POLLS ? ESP_TRUNC_GIVE_UP : ESP_TRUNC_WAIT;
}

int esp_xfrm_probe(struct esp_xfrm *x, char *why, size_t why_len)
{
	/* TEST-NET-1 addresses: the probe state is never matched by traffic
	 * (no policy points at it) and lives for microseconds. */
	struct esp_sa_pair probe;
	struct sockaddr_in *a = (struct sockaddr_in *)&probe.local;
	struct sockaddr_in *b = (struct sockaddr_in *)&probe.remote;
	struct state_spec spec;
	int err;

	memset(&probe, 0, sizeof(probe));
	a->sin_family = b->sin_family = AF_INET;
	a->sin_port = b->sin_port = htons(4500);
	inet_pton(AF_INET, "192.0.2.1", &a->sin_addr);
	inet_pton(AF_INET, "192.0.2.2", &b->sin_addr);
	probe.out.spi = esp_reqid_make(getpid(), 0xff);
	probe.out.cipher = ESP_CIPHER_AES_CBC;
	probe.out.enc_key_len = 16;
	probe.out.auth = ESP_AUTH_HMAC_SHA1_96;
	probe.out.auth_key_len = 20;
	if (random_bytes(probe.out.enc_key, 36) < 0)
		return -1;
	spec = (struct state_spec){&probe.out,      &probe.local, &probe.remote,
	                           &probe.lifetime, true,         probe.out.spi};
	err = add_state(x, &spec);
	secure_clear(&probe.out, sizeof(probe.out));
	if (err < 0) {
		snprintf(
		    why, why_len, "the kernel refused an ESP-in-UDP state: %s%s", nl_geterror(err),
		    err == -NLE_OBJ_NOTFOUND || err == -NLE_OPNOTSUPP || err == -NLE_PROTO_MISMATCH
		        ? " (no ESP support: CONFIG_INET_ESP)"
		    : err == -NLE_PERM ? " (needs CAP_NET_ADMIN)"
		                       : "");
		return -1;
	}
	del_state(x, &probe.remote, esp_reqid_make(getpid(), 0xff));
	return 0;
}

int esp_xfrm_set_udp_encap(int fd)
{
	int type = UDP_ENCAP_ESPINUDP;

	return setsockopt(fd, IPPROTO_UDP, UDP_ENCAP, &type, sizeof(type));
}

/* ---- expire notifications ------------------------------------------------ */

static int on_monitor_msg(struct nl_msg *msg, void *arg)
{
	struct esp_xfrm *x = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	const struct xfrm_user_expire *ue;

	if (h->nlmsg_type != XFRM_MSG_EXPIRE || nlmsg_datalen(h) < (int)sizeof(*ue))
		return NL_SKIP;
	ue = nlmsg_data(h);
	if (ue->state.id.proto != IPPROTO_ESP || !esp_reqid_is_ours(ue->state.reqid))
		return NL_SKIP;
	if (x->on_expire)
		x->on_expire(x->expire_ctx, ntohl(ue->state.id.spi), ue->state.reqid,
		             ue->hard != 0);
	return NL_OK;
}

int esp_xfrm_monitor_open(struct esp_xfrm *x,
                          void (*on_expire)(void *ctx, uint32_t spi, uint32_t reqid, bool hard),
                          void *ctx)
{
	x->on_expire = on_expire;
	x->expire_ctx = ctx;
	x->mon = nl_socket_alloc();
	if (!x->mon)
		return -1;
	nl_socket_disable_seq_check(x->mon);
	nl_socket_modify_cb(x->mon, NL_CB_VALID, NL_CB_CUSTOM, on_monitor_msg, x);
	if (nl_connect(x->mon, NETLINK_XFRM) < 0 ||
	    nl_socket_add_membership(x->mon, XFRMNLGRP_EXPIRE) < 0 ||
	    nl_socket_set_nonblocking(x->mon) < 0) {
		nl_socket_free(x->mon);
		x->mon = NULL;
		return -1;
	}
	return nl_socket_get_fd(x->mon);
}

int esp_xfrm_monitor_read(struct esp_xfrm *x)
{
	int err = nl_recvmsgs_default(x->mon);

	return err < 0 && err != -NLE_AGAIN ? -1 : 0;
}
