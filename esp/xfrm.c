#include "esp/xfrm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/xfrm/lifetime.h>
#include <netlink/xfrm/sa.h>
#include <openssl/crypto.h>

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
	/* A refusal would otherwise echo the whole request, keys included, into
	 * libnl's receive buffer (freed uncleared). */
	if (setsockopt(nl_socket_get_fd(x->cmd), SOL_NETLINK, NETLINK_CAP_ACK, &(int){1},
	               sizeof(int)) < 0)
		log_warn(lg, LOG_ESP, "xfrm: NETLINK_CAP_ACK: %s", strerror(errno));
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

/* The algorithm attributes are built here in a stack buffer and put into
 * the request: libnl's setters would copy the keys into its object, which
 * it frees without clearing (issue #14). */
union xfrm_alg_attr {
	struct xfrm_algo crypt;
	struct xfrm_algo_auth auth;
	struct xfrm_algo_aead aead;
	unsigned char bytes[sizeof(struct xfrm_algo_auth) + ESP_MAX_AUTH_KEY];
};

static int put_crypt(struct nl_msg *msg, const char *name, const struct esp_sa *sa)
{
	union xfrm_alg_attr a;
	int err;

	memset(&a, 0, sizeof(a));
	snprintf(a.crypt.alg_name, sizeof(a.crypt.alg_name), "%s", name);
	a.crypt.alg_key_len = sa->enc_key_len * 8u;
	memcpy(a.crypt.alg_key, sa->enc_key, sa->enc_key_len);
	err = nla_put(msg, XFRMA_ALG_CRYPT, (int)(sizeof(a.crypt) + sa->enc_key_len), &a);
	secure_clear(&a, sizeof(a));
	return err;
}

/* RFC 4106: the AEAD key material includes the 4-byte salt. */
static int put_aead(struct nl_msg *msg, const struct esp_cipher_info *ci, const struct esp_sa *sa)
{
	union xfrm_alg_attr a;
	int err;

	memset(&a, 0, sizeof(a));
	snprintf(a.aead.alg_name, sizeof(a.aead.alg_name), "%s", ci->xfrm_name);
	a.aead.alg_key_len = sa->enc_key_len * 8u;
	a.aead.alg_icv_len = ci->icv_len * 8u;
	memcpy(a.aead.alg_key, sa->enc_key, sa->enc_key_len);
	err = nla_put(msg, XFRMA_ALG_AEAD, (int)(sizeof(a.aead) + sa->enc_key_len), &a);
	secure_clear(&a, sizeof(a));
	return err;
}

static int put_auth(struct nl_msg *msg, const char *name, unsigned trunc_bits,
                    const struct esp_sa *sa)
{
	union xfrm_alg_attr a;
	int err;

	memset(&a, 0, sizeof(a));
	snprintf(a.auth.alg_name, sizeof(a.auth.alg_name), "%s", name);
	a.auth.alg_key_len = sa->auth_key_len * 8u;
	a.auth.alg_trunc_len = trunc_bits;
	memcpy(a.auth.alg_key, sa->auth_key, sa->auth_key_len);
	err = nla_put(msg, XFRMA_ALG_AUTH_TRUNC, (int)(sizeof(a.auth) + sa->auth_key_len), &a);
	secure_clear(&a, sizeof(a));
	return err;
}

/* Linux crypto API names (what `ip xfrm` calls them), from esp_algs.c. */
static int put_algorithms(struct nl_msg *msg, const struct esp_sa *sa)
{
	const struct esp_cipher_info *ci = esp_cipher_info(sa->cipher, sa->enc_key_len);
	const struct esp_auth_info *ai = esp_auth_info(sa->auth);

	if (sa->enc_key_len > ESP_MAX_ENC_KEY || sa->auth_key_len > ESP_MAX_AUTH_KEY || !ci)
		return -1;
	switch (sa->cipher) {
	case ESP_CIPHER_AES_GCM_16:
		return put_aead(msg, ci, sa);
	case ESP_CIPHER_AES_CBC:
	case ESP_CIPHER_3DES_CBC:
		if (put_crypt(msg, ci->xfrm_name, sa) < 0)
			return -1;
		break;
	default:
		return -1;
	}
	return ai ? put_auth(msg, ai->xfrm_name, ai->icv_len * 8u, sa) : -1;
}

void esp_xfrm_msg_cleanse(struct nl_msg *msg)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);

	OPENSSL_cleanse(h, h->nlmsg_len);
}

int esp_xfrm_send_secret(struct nl_sock *sk, struct nl_msg *msg)
{
	int err = nl_send_auto(sk, msg);

	/* The request is in the socket's queue now: our copy goes. */
	esp_xfrm_msg_cleanse(msg);
	if (err < 0)
		return err;
	return nl_wait_for_ack(sk);
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

int esp_xfrm_build_state_msg(const struct state_spec *spec, struct nl_msg **msg)
{
	struct xfrmnl_sa *s = build_state(spec);
	int err;

	*msg = NULL;
	if (!s)
		return -NLE_INVAL;
	/* The object has no keys: they go into the message only. */
	err = xfrmnl_sa_build_add_request(s, NLM_F_CREATE | NLM_F_EXCL, msg);
	xfrmnl_sa_put(s);
	if (err < 0)
		return err;
	if (put_algorithms(*msg, spec->sa) < 0) {
		esp_xfrm_msg_cleanse(*msg);
		nlmsg_free(*msg);
		*msg = NULL;
		return -NLE_INVAL;
	}
	return 0;
}

static int add_state(struct esp_xfrm *x, const struct state_spec *spec)
{
	struct nl_msg *msg;
	int err = esp_xfrm_build_state_msg(spec, &msg);

	if (err < 0)
		return err;
	err = esp_xfrm_send_secret(x->cmd, msg);
	nlmsg_free(msg);
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

int esp_xfrm_del_state_dir(struct esp_xfrm *x, const struct esp_sa_pair *pair, bool outbound)
{
	int err = outbound ? del_state(x, &pair->remote, pair->out.spi)
	                   : del_state(x, &pair->local, pair->in.spi);

	return err < 0 && err != -NLE_OBJ_NOTFOUND ? -1 : 0;
}

int esp_xfrm_del_states(struct esp_xfrm *x, const struct esp_sa_pair *pair)
{
	int e1 = del_state(x, &pair->local, pair->in.spi);
	int e2 = del_state(x, &pair->remote, pair->out.spi);

	/* Already gone (hard expiry) is fine. */
	return (e1 < 0 && e1 != -NLE_OBJ_NOTFOUND) || (e2 < 0 && e2 != -NLE_OBJ_NOTFOUND) ? -1 : 0;
}

int esp_xfrm_recv_cleansed(int fd, unsigned char *buf, size_t len,
                           void (*on_msg)(const struct nlmsghdr *h, void *arg), void *arg)
{
	for (;;) {
		ssize_t n = recv(fd, buf, len, 0);
		int result = 1; /* 1: more to read */

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		int rem = (int)n;

		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; result > 0 && nlmsg_ok(h, rem);
		     h = nlmsg_next(h, &rem)) {
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = nlmsg_data(h);

				result = nlmsg_datalen(h) < (int)sizeof(*e) ? -EPROTO : e->error;
			} else if (h->nlmsg_type == NLMSG_DONE) {
				result = 0;
			} else {
				on_msg(h, arg);
			}
		}
		if (result > 0 && rem > 0)
			result = -EPROTO; /* a torn message: nothing more will make sense */
		/* Replies to GETSA hold the SA's keys (the kernel copies them). */
		OPENSSL_cleanse(buf, (size_t)n);
		if (result <= 0)
			return result;
	}
}
/* Sends a request whose replies esp_xfrm_recv_cleansed reads. Not
 * nl_send_auto: its sequence number would be expected by libnl's next
 * receive on this socket, which never sees these replies. */
static int send_raw_request(struct esp_xfrm *x, struct nl_msg *req, uint16_t flags)
{
	struct nlmsghdr *h = nlmsg_hdr(req);

	h->nlmsg_flags |= NLM_F_REQUEST | flags;
	h->nlmsg_seq = 0;
	return nl_send(x->cmd, req) < 0 ? -EIO : 0;
}

struct state_counters {
	bool found;
	struct xfrm_lifetime_cur cur;
	struct xfrm_stats stats;
};

static void on_state_reply(const struct nlmsghdr *h, void *arg)
{
	struct state_counters *c = arg;
	const struct xfrm_usersa_info *info = nlmsg_data(h);

	if (h->nlmsg_type != XFRM_MSG_NEWSA || nlmsg_datalen(h) < (int)sizeof(*info))
		return;
	c->cur = info->curlft;
	c->stats = info->stats;
	c->found = true;
}

/* Through our own receive buffer, not xfrmnl_sa_get_kernel: libnl would
 * keep the reply's keys in its object and buffers and free them uncleared. */
static int read_state(struct esp_xfrm *x, const struct sockaddr_storage *dst, uint32_t spi,
                      struct state_counters *c)
{
	struct nl_addr *d = esp_xfrm_addr(dst);
	struct nl_msg *req = NULL;
	unsigned char reply[ESP_XFRM_REPLY_MAX];
	int err;

	memset(c, 0, sizeof(*c));
	if (!d)
		return -1;
	err = xfrmnl_sa_build_get_request(d, spi, IPPROTO_ESP, 0, 0, &req);
	nl_addr_put(d);
	if (err < 0)
		return -1;
	err = send_raw_request(x, req, NLM_F_ACK);
	nlmsg_free(req);
	if (err < 0)
		return -1;
	err = esp_xfrm_recv_cleansed(nl_socket_get_fd(x->cmd), reply, sizeof(reply), on_state_reply,
	                             c);
	return err < 0 || !c->found ? -1 : 0;
}

int esp_xfrm_get_counters(struct esp_xfrm *x, const struct esp_sa_pair *pair,
                          struct esp_counters *c)
{
	struct state_counters in, out;

	memset(c, 0, sizeof(*c));
	if (read_state(x, &pair->local, pair->in.spi, &in) < 0)
		return -1;
	c->in_bytes = in.cur.bytes;
	c->in_packets = in.cur.packets;
	c->in_replay = in.stats.replay;
	c->in_icv = in.stats.integrity_failed;
	/* A pair installed inbound first, or retired, has no outbound state:
	 * its outbound counters are 0. */
	if (read_state(x, &pair->remote, pair->out.spi, &out) < 0)
		return 0;
	c->out_bytes = out.cur.bytes;
	c->out_packets = out.cur.packets;
	return 0;
}

/* ---- stale states -------------------------------------------------------- */

struct state_id {
	uint16_t family;
	xfrm_address_t daddr;
	uint32_t spi; /* network order, as the kernel gives it */
};

struct stale_walk {
	bool (*stale)(uint32_t reqid);
	struct state_id *ids;
	size_t n, cap;
	bool nomem;
};

static void on_dumped_state(const struct nlmsghdr *h, void *arg)
{
	struct stale_walk *w = arg;
	const struct xfrm_usersa_info *info = nlmsg_data(h);
	struct state_id *grown;

	if (h->nlmsg_type != XFRM_MSG_NEWSA || nlmsg_datalen(h) < (int)sizeof(*info) ||
	    info->id.proto != IPPROTO_ESP || !esp_reqid_is_ours(info->reqid) ||
	    !w->stale(info->reqid))
		return;
	if (w->n == w->cap) {
		grown = realloc(w->ids, (w->cap ? w->cap * 2 : 8) * sizeof(*grown));
		if (!grown) {
			w->nomem = true;
			return;
		}
		w->ids = grown;
		w->cap = w->cap ? w->cap * 2 : 8;
	}
	w->ids[w->n++] = (struct state_id){info->family, info->id.daddr, info->id.spi};
}

/* A dump of our own, not xfrmnl_sa_alloc_cache: the kernel's dump holds
 * every state's keys, which libnl's cache would keep and free uncleared. */
static int dump_stale_states(struct esp_xfrm *x, struct stale_walk *w)
{
	struct nl_msg *req = nlmsg_alloc_simple(XFRM_MSG_GETSA, 0);
	unsigned char *reply = malloc(ESP_XFRM_REPLY_MAX);
	int err = -ENOMEM;

	/* No NLM_F_ACK: a dump ends with NLMSG_DONE, an ack would stay queued. */
	if (req && reply)
		err = send_raw_request(x, req, NLM_F_DUMP);
	if (!err)
		err = esp_xfrm_recv_cleansed(nl_socket_get_fd(x->cmd), reply, ESP_XFRM_REPLY_MAX,
		                             on_dumped_state, w);
	nlmsg_free(req);
	free(reply);
	return err < 0 ? err : w->nomem ? -ENOMEM : 0;
}

int esp_xfrm_cleanup_states(struct esp_xfrm *x, bool (*stale)(uint32_t reqid), int *failed)
{
	struct stale_walk w = {stale, NULL, 0, 0, false};
	int removed = 0, err = dump_stale_states(x, &w);

	if (err < 0) {
		log_err(x->lg, LOG_ESP, "xfrm: listing states failed: %s", strerror(-err));
		free(w.ids);
		return -1;
	}
	for (size_t i = 0; i < w.n; i++) {
		struct sockaddr_storage dst = {.ss_family = w.ids[i].family};

		if (dst.ss_family == AF_INET)
			memcpy(&((struct sockaddr_in *)&dst)->sin_addr, &w.ids[i].daddr.a4, 4);
		else
			memcpy(&((struct sockaddr_in6 *)&dst)->sin6_addr, &w.ids[i].daddr.a6, 16);
		if (del_state(x, &dst, ntohl(w.ids[i].spi)) < 0)
			(*failed)++;
		else
			removed++;
	}
	free(w.ids);
	return removed;
}

enum esp_trunc_verdict esp_xfrm_trunc_verdict(const struct esp_counters *c, unsigned polls,
                                              bool trying96)
{
	if (c->in_packets > 0)
		return ESP_TRUNC_VERIFIED;
	if (c->in_icv > 0)
		return trying96 ? ESP_TRUNC_BACK_TO_128 : ESP_TRUNC_SWITCH_96;
	if (polls >= ESP_TRUNC_MAX_POLLS)
		return ESP_TRUNC_GIVE_UP;
	if (!trying96 && polls >= ESP_TRUNC_SILENT_POLLS && c->out_packets >= ESP_TRUNC_SILENT_OUT)
		return ESP_TRUNC_TRY_96;
	return ESP_TRUNC_WAIT;
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
