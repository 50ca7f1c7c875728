/* The data path interface: SA bookkeeping, the auto choice, and the
 * userspace send/receive paths on the IKE 4500 socket. */
#include "esp/esp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "esp/esp_user.h"
#include "esp/xfrm.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/util.h"

struct esp_installed {
	struct esp_datapath *dp;
	uint32_t id;
	uint32_t reqid;           /* kernel */
	struct esp_sa_pair pair;  /* addresses and SPIs; keys cleared after install */
	struct esp_user_sa *user; /* userspace */
	int natt_fd;
	bool soft_sent, hard_sent, dead;
	/* Installed by esp_install_inbound(): decrypts, carries nothing out
	 * until esp_activate_outbound() (the outbound keys wait in pair.out). */
	bool outbound_pending;
	/* esp_retire(): no outbound any more; removed once its inbound half
	 * has been idle for retire_idle_ms, or at its hard expiry */
	bool retired;
	uint32_t retire_idle_ms;
	uint64_t retire_in_packets;
	struct loop_timer retire_timer;
	struct loop_timer soft_timer, hard_timer;
	/* kernel, HMAC-SHA-256: the pair with its keys, kept only until the
	 * first inbound packets tell the peer's ICV length (trunc_timer) */
	struct esp_sa_pair *trunc_keys;
	unsigned trunc_polls;
	bool trunc_trying96; /* the peer was silent: 96 bits on trial */
	struct loop_timer trunc_timer;
	struct esp_installed *next; /* newest first */
};

struct esp_datapath {
	struct loop *loop;
	struct logger *lg;
	struct esp_callbacks cb;
	void *ctx;
	enum esp_datapath_kind kind;
	struct esp_xfrm xfrm;
	int mon_fd;
	struct esp_installed *sas;
	uint32_t next_id;
	uint8_t next_tunnel;
	uint64_t unknown_spi;
	bool peer_icv96;             /* the peer truncates HMAC-SHA-256 to 96 bits */
	uint8_t tx[ESP_PKT_BUFSIZE]; /* control messages; data goes through esp/natt_sock.h */
};

const char *esp_datapath_kind_name(enum esp_datapath_kind kind)
{
	switch (kind) {
	case ESP_DP_AUTO:
		return "auto";
	case ESP_DP_KERNEL:
		return "kernel";
	case ESP_DP_USERSPACE:
		return "userspace";
	}
	return "?";
}

static void on_expire(void *ctx, uint32_t spi, uint32_t reqid, bool hard);

static void on_monitor(struct loop *loop, int fd, unsigned events, void *ctx)
{
	struct esp_datapath *dp = ctx;

	if (esp_xfrm_monitor_read(&dp->xfrm) < 0)
		log_warn(dp->lg, LOG_ESP, "xfrm: reading expire notifications failed");
}

static int open_kernel(struct esp_datapath *dp, char *why, size_t why_len)
{
	if (esp_xfrm_open(&dp->xfrm, dp->lg) < 0) {
		snprintf(why, why_len, "cannot open a NETLINK_XFRM socket");
		return -1;
	}
	if (esp_xfrm_probe(&dp->xfrm, why, why_len) < 0)
		goto fail;
	dp->mon_fd = esp_xfrm_monitor_open(&dp->xfrm, on_expire, dp);
	if (dp->mon_fd < 0 || loop_add_fd(dp->loop, dp->mon_fd, LOOP_READ, on_monitor, dp) < 0) {
		snprintf(why, why_len, "cannot listen for XFRM expire notifications");
		goto fail;
	}
	return 0;
fail:
	esp_xfrm_close(&dp->xfrm);
	dp->mon_fd = -1;
	return -1;
}

struct esp_datapath *esp_datapath_new(struct loop *loop, struct logger *lg,
                                      enum esp_datapath_kind kind, const struct esp_callbacks *cb,
                                      void *ctx)
{
	struct esp_datapath *dp = calloc(1, sizeof(*dp));
	char why[160] = "";

	if (!dp)
		return NULL;
	dp->loop = loop;
	dp->lg = lg;
	dp->cb = *cb;
	dp->ctx = ctx;
	dp->mon_fd = -1;
	dp->next_id = 1;
	if (kind == ESP_DP_USERSPACE) {
		dp->kind = ESP_DP_USERSPACE;
	} else if (open_kernel(dp, why, sizeof(why)) == 0) {
		dp->kind = ESP_DP_KERNEL;
	} else if (kind == ESP_DP_AUTO) {
		log_notice(lg, LOG_ESP, "datapath auto: using userspace ESP, %s", why);
		dp->kind = ESP_DP_USERSPACE;
	} else {
		log_err(lg, LOG_ESP, "datapath kernel: %s", why);
		free(dp);
		return NULL;
	}
	if (kind != ESP_DP_AUTO || dp->kind == ESP_DP_KERNEL)
		log_info(lg, LOG_ESP, "datapath %s", esp_datapath_kind_name(dp->kind));
	return dp;
}

enum esp_datapath_kind esp_datapath_kind_in_use(const struct esp_datapath *dp)
{
	return dp->kind;
}

static struct esp_installed *find_id(struct esp_datapath *dp, uint32_t id)
{
	for (struct esp_installed *s = dp->sas; s; s = s->next)
		if (s->id == id)
			return s;
	return NULL;
}

static void notify_expiring(struct esp_installed *s, bool hard)
{
	struct esp_datapath *dp = s->dp;

	if (hard ? s->hard_sent : s->soft_sent)
		return;
	if (s->retired) {
		/* replaced or deleted already: its end is expected, and the
		 * kernel has removed an expired state itself; removed from the
		 * loop (this may run inside the packet path) */
		s->soft_sent = true;
		if (hard) {
			s->hard_sent = s->dead = true;
			loop_timer_start(dp->loop, &s->retire_timer, 0);
		}
		return;
	}
	if (hard)
		s->hard_sent = s->soft_sent = s->dead = true;
	else
		s->soft_sent = true;
	log_info(dp->lg, LOG_ESP, "SA %u (in 0x%08x, out 0x%08x): %s expiry", s->id, s->pair.in.spi,
	         s->pair.out.spi, hard ? "hard" : "soft");
	if (dp->cb.sa_expiring)
		dp->cb.sa_expiring(dp->ctx, s->id, hard);
}

static void on_expire(void *ctx, uint32_t spi, uint32_t reqid, bool hard)
{
	struct esp_datapath *dp = ctx;

	for (struct esp_installed *s = dp->sas; s; s = s->next)
		if (s->reqid == reqid && (s->pair.in.spi == spi || s->pair.out.spi == spi)) {
			notify_expiring(s, hard);
			return;
		}
}

static void on_soft_timer(struct loop *loop, struct loop_timer *t, void *ctx)
{
	notify_expiring(ctx, false);
}

static void on_hard_timer(struct loop *loop, struct loop_timer *t, void *ctx)
{
	notify_expiring(ctx, true);
}

static bool same_tunnel(const struct esp_sa_pair *a, const struct esp_sa_pair *b)
{
	return memcmp(&a->local, &b->local, sizeof(a->local)) == 0 &&
	       memcmp(&a->remote, &b->remote, sizeof(a->remote)) == 0 &&
	       a->local_l2tp_port == b->local_l2tp_port &&
	       a->remote_l2tp_port == b->remote_l2tp_port;
}

static int install_kernel(struct esp_datapath *dp, struct esp_installed *s, int natt_fd,
                          bool inbound_only)
{
	struct esp_installed *sibling = NULL;

	/* A rekeyed pair shares the tunnel's reqid, so the policies (which
	 * name the reqid) keep working while both pairs exist. */
	for (struct esp_installed *o = dp->sas; o; o = o->next)
		if (same_tunnel(&o->pair, &s->pair))
			sibling = o;
	s->reqid = sibling ? sibling->reqid : esp_reqid_make(getpid(), dp->next_tunnel++);
	s->pair.reqid = s->reqid;
	if (s->pair.udp_encap && natt_fd >= 0 && esp_xfrm_set_udp_encap(natt_fd) < 0) {
		log_err(dp->lg, LOG_ESP, "UDP_ENCAP on fd %d: %s", natt_fd, strerror(errno));
		return -1;
	}
	if (inbound_only ? esp_xfrm_add_state_dir(&dp->xfrm, &s->pair, s->reqid, false) < 0
	                 : esp_xfrm_add_states(&dp->xfrm, &s->pair, s->reqid) < 0)
		return -1;
	if (!sibling && esp_xfrm_add_policies(&dp->xfrm, &s->pair, s->reqid) < 0) {
		esp_xfrm_del_states(&dp->xfrm, &s->pair);
		return -1;
	}
	return 0;
}

static void trunc_probe_end(struct esp_installed *s)
{
	loop_timer_stop(s->dp->loop, &s->trunc_timer);
	if (s->trunc_keys) {
		secure_clear(s->trunc_keys, sizeof(*s->trunc_keys));
		free(s->trunc_keys);
		s->trunc_keys = NULL;
	}
}

/* The same SAs again with another HMAC-SHA-256 ICV length (the policies
 * name the reqid and stay; the new states count from zero). */
static int reinstall_trunc(struct esp_datapath *dp, struct esp_installed *s, enum esp_auth auth)
{
	struct esp_sa_pair *k = s->trunc_keys;

	k->in.auth = k->out.auth = auth;
	esp_xfrm_del_states(&dp->xfrm, &s->pair);
	if (esp_xfrm_add_states(&dp->xfrm, k, s->reqid) < 0) {
		log_err(dp->lg, LOG_ESP, "SA %u: cannot reinstall with %u-bit HMAC-SHA-256", s->id,
		        auth == ESP_AUTH_HMAC_SHA256_96 ? 96u : 128u);
		notify_expiring(s, true);
		return -1;
	}
	s->pair.in.auth = s->pair.out.auth = auth;
	return 0;
}

/* The peer truncates HMAC-SHA-256 to 96 bits: say so once per pair, and
 * let later pairs start there. */
static void note_peer_icv96(struct esp_installed *s)
{
	s->dp->peer_icv96 = true;
	log_notice(s->dp->lg, LOG_ESP,
	           "SA %u: peer uses 96-bit HMAC-SHA-256 ICVs (pre-RFC 4868); switched to 96 bits",
	           s->id);
}

/* The userspace SA verifies either ICV length by itself (esp_user.c); what
 * it cannot do alone is speak 96 bits to a peer that stays silent. */
static bool trunc_poll_user(struct esp_installed *s)
{
	struct esp_user_sa *u = s->user;

	if (!u->trunc_probe || u->ctr.in_packets > 0)
		return false; /* the peer's ICV length is known */
	if (++s->trunc_polls >= ESP_TRUNC_MAX_POLLS)
		return false; /* silent for long: keep what we send now */
	if (!s->trunc_trying96 && s->trunc_polls >= ESP_TRUNC_SILENT_POLLS &&
	    u->ctr.out_packets >= ESP_TRUNC_SILENT_OUT) {
		esp_sa_trunc_trial(u, true);
		s->trunc_trying96 = true;
		log_info(
		    s->dp->lg, LOG_ESP,
		    "SA %u: no answer to %llu packets with 128-bit HMAC-SHA-256 ICVs; trying 96 "
		    "bits (pre-RFC 4868 peers drop ours)",
		    s->id, (unsigned long long)u->ctr.out_packets);
	}
	return true;
}

static void on_trunc_timer(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct esp_installed *s = ctx;
	struct esp_counters c;

	if (s->user) {
		if (trunc_poll_user(s))
			loop_timer_start(loop, t, ESP_TRUNC_POLL_MS);
		return;
	}
	if (!s->trunc_keys || esp_xfrm_get_counters(&s->dp->xfrm, &s->pair, &c) < 0) {
		trunc_probe_end(s);
		return;
	}
	switch (esp_xfrm_trunc_verdict(&c, ++s->trunc_polls, s->trunc_trying96)) {
	case ESP_TRUNC_WAIT:
		loop_timer_start(loop, t, ESP_TRUNC_POLL_MS);
		return;
	case ESP_TRUNC_TRY_96:
		if (reinstall_trunc(s->dp, s, ESP_AUTH_HMAC_SHA256_96) < 0)
			break;
		s->trunc_trying96 = true;
		log_info(
		    s->dp->lg, LOG_ESP,
		    "SA %u: no answer to %llu packets with 128-bit HMAC-SHA-256 ICVs; trying 96 "
		    "bits (pre-RFC 4868 peers drop ours)",
		    s->id, (unsigned long long)c.out_packets);
		loop_timer_start(loop, t, ESP_TRUNC_POLL_MS);
		return;
	case ESP_TRUNC_SWITCH_96:
		if (reinstall_trunc(s->dp, s, ESP_AUTH_HMAC_SHA256_96) == 0)
			note_peer_icv96(s);
		break;
	case ESP_TRUNC_BACK_TO_128:
		if (reinstall_trunc(s->dp, s, ESP_AUTH_HMAC_SHA256_128) == 0)
			log_info(s->dp->lg, LOG_ESP,
			         "SA %u: the peer's ICVs fail at 96 bits: back to 128 (RFC 4868)",
			         s->id);
		break;
	case ESP_TRUNC_VERIFIED:
		if (s->trunc_trying96)
			note_peer_icv96(s);
		break;
	case ESP_TRUNC_GIVE_UP:
		break;
	}
	trunc_probe_end(s);
}

/* What esp_user.c does per packet, from the kernel's counters. */
static void trunc_probe_start(struct esp_datapath *dp, struct esp_installed *s,
                              const struct esp_sa_pair *pair)
{
	if (pair->in.auth != ESP_AUTH_HMAC_SHA256_128)
		return;
	if (s->user) {
		loop_timer_start(dp->loop, &s->trunc_timer, ESP_TRUNC_POLL_MS);
		return;
	}
	s->trunc_keys = malloc(sizeof(*s->trunc_keys));
	if (!s->trunc_keys)
		return; /* no detection, 128 bits as negotiated */
	*s->trunc_keys = *pair;
	s->trunc_keys->reqid = s->reqid;
	loop_timer_start(dp->loop, &s->trunc_timer, ESP_TRUNC_POLL_MS);
}

static int install_user(struct esp_datapath *dp, struct esp_installed *s)
{
	const struct esp_lifetime *lt = &s->pair.lifetime;

	s->user = calloc(1, sizeof(*s->user));
	if (!s->user || esp_sa_init(s->user, &s->pair, NULL) < 0) {
		log_err(dp->lg, LOG_ESP, "userspace ESP cannot use this SA (%s-%s%s)",
		        esp_cipher_name(s->pair.out.cipher, s->pair.out.enc_key_len),
		        esp_auth_name(s->pair.out.auth),
		        s->pair.udp_encap ? "" : ", not UDP-encapsulated");
		free(s->user);
		s->user = NULL;
		return -1;
	}
	loop_timer_init(&s->soft_timer, on_soft_timer, s);
	loop_timer_init(&s->hard_timer, on_hard_timer, s);
	if (lt->soft_seconds)
		loop_timer_start(dp->loop, &s->soft_timer, (uint64_t)lt->soft_seconds * 1000);
	if (lt->hard_seconds)
		loop_timer_start(dp->loop, &s->hard_timer, (uint64_t)lt->hard_seconds * 1000);
	return 0;
}

static void clear_keys(struct esp_sa *sa)
{
	secure_clear(sa->enc_key, sizeof(sa->enc_key));
	secure_clear(sa->auth_key, sizeof(sa->auth_key));
}

static void remove_sa(struct esp_datapath *dp, struct esp_installed *s);

/* A retired pair goes once the peer has stopped sending on it. */
static void on_retire_timer(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct esp_installed *s = ctx;
	struct esp_counters c;

	if (!s->dead && esp_get_counters(s->dp, s->id, &c) == 0 &&
	    c.in_packets != s->retire_in_packets) {
		s->retire_in_packets = c.in_packets;
		loop_timer_start(loop, t, s->retire_idle_ms);
		return;
	}
	remove_sa(s->dp, s);
}

static uint32_t install(struct esp_datapath *dp, const struct esp_sa_pair *pair, int ike_natt_fd,
                        bool inbound_only)
{
	struct esp_installed *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return 0;
	s->dp = dp;
	s->pair = *pair;
	/* A peer found to truncate HMAC-SHA-256 to 96 bits does so on every
	 * pair it negotiates: rekeyed pairs start there, with no probe (and no
	 * packets it would drop meanwhile). */
	if (dp->peer_icv96 && s->pair.in.auth == ESP_AUTH_HMAC_SHA256_128)
		s->pair.in.auth = s->pair.out.auth = ESP_AUTH_HMAC_SHA256_96;
	s->natt_fd = ike_natt_fd;
	s->outbound_pending = inbound_only;
	loop_timer_init(&s->trunc_timer, on_trunc_timer, s);
	loop_timer_init(&s->retire_timer, on_retire_timer, s);
	err = dp->kind == ESP_DP_KERNEL ? install_kernel(dp, s, ike_natt_fd, inbound_only)
	                                : install_user(dp, s);
	if (err == 0 && !inbound_only)
		trunc_probe_start(dp, s, &s->pair);
	/* Keys live on only in the kernel or in the EVP contexts (those of a
	 * kernel pair waiting for its outbound state here, until
	 * esp_activate_outbound, which starts the ICV length probe then). */
	if (!inbound_only || dp->kind != ESP_DP_KERNEL || err < 0) {
		clear_keys(&s->pair.in);
		clear_keys(&s->pair.out);
	}
	if (err < 0) {
		free(s);
		return 0;
	}
	s->id = dp->next_id++;
	s->next = dp->sas;
	dp->sas = s;
	log_info(dp->lg, LOG_ESP, "SA %u installed (%s%s): in 0x%08x out 0x%08x %s-%s%s", s->id,
	         esp_datapath_kind_name(dp->kind), inbound_only ? ", inbound only" : "",
	         pair->in.spi, pair->out.spi,
	         esp_cipher_name(pair->out.cipher, pair->out.enc_key_len),
	         esp_auth_name(s->pair.out.auth), pair->udp_encap ? " udp-encap" : "");
	return s->id;
}

uint32_t esp_install(struct esp_datapath *dp, const struct esp_sa_pair *pair, int ike_natt_fd)
{
	return install(dp, pair, ike_natt_fd, false);
}

uint32_t esp_install_inbound(struct esp_datapath *dp, const struct esp_sa_pair *pair,
                             int ike_natt_fd)
{
	return install(dp, pair, ike_natt_fd, true);
}

int esp_activate_outbound(struct esp_datapath *dp, uint32_t id)
{
	struct esp_installed *s = find_id(dp, id);

	if (!s)
		return -1;
	if (!s->outbound_pending)
		return 0;
	if (dp->kind == ESP_DP_KERNEL) {
		/* The kernel picks the newest valid state for the policy's
		 * reqid (xfrm_state_find): outbound traffic moves now. */
		int err = esp_xfrm_add_state_dir(&dp->xfrm, &s->pair, s->reqid, true);

		if (err == 0)
			trunc_probe_start(dp, s, &s->pair);
		clear_keys(&s->pair.in);
		clear_keys(&s->pair.out);
		if (err < 0)
			return -1;
	} else {
		trunc_probe_start(dp, s, &s->pair);
	}
	s->outbound_pending = false;
	/* The newest pair carries outbound traffic: this one, first in the list. */
	for (struct esp_installed **pp = &dp->sas; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	s->next = dp->sas;
	dp->sas = s;
	log_info(dp->lg, LOG_ESP, "SA %u: outbound 0x%08x active", s->id, s->pair.out.spi);
	return 0;
}

int esp_retire(struct esp_datapath *dp, uint32_t id, uint32_t idle_ms)
{
	struct esp_installed *s = find_id(dp, id);
	struct esp_counters c;

	if (!s)
		return -1;
	if (s->retired)
		return 0;
	/* The kernel would go on choosing its outbound state while it is the
	 * newest valid one (xfrm_state_find): that state goes now. */
	if (dp->kind == ESP_DP_KERNEL && !s->outbound_pending &&
	    esp_xfrm_del_state_dir(&dp->xfrm, &s->pair, true) < 0)
		log_warn(dp->lg, LOG_ESP, "SA %u: removing the outbound state failed", s->id);
	s->retired = true;
	s->outbound_pending = false;
	clear_keys(&s->pair.in);
	clear_keys(&s->pair.out);
	trunc_probe_end(s);
	s->retire_idle_ms = idle_ms;
	s->retire_in_packets = esp_get_counters(dp, id, &c) == 0 ? c.in_packets : 0;
	/* Last in the list: never chosen for outbound traffic. */
	for (struct esp_installed **pp = &dp->sas; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	s->next = NULL;
	{
		struct esp_installed **pp = &dp->sas;

		while (*pp)
			pp = &(*pp)->next;
		*pp = s;
	}
	if (s->hard_sent)
		idle_ms = 0;
	loop_timer_start(dp->loop, &s->retire_timer, idle_ms);
	log_info(dp->lg, LOG_ESP, "SA %u retired: inbound 0x%08x kept while the peer sends on it",
	         s->id, s->pair.in.spi);
	return 0;
}

int esp_get_counters(struct esp_datapath *dp, uint32_t id, struct esp_counters *c)
{
	struct esp_installed *s = find_id(dp, id);

	if (!s)
		return -1;
	if (s->user) {
		*c = s->user->ctr;
		return 0;
	}
	return esp_xfrm_get_counters(&dp->xfrm, &s->pair, c);
}

static void remove_sa(struct esp_datapath *dp, struct esp_installed *s)
{
	struct esp_counters c;
	bool last_of_tunnel = true;

	if (dp->cb.counters && esp_get_counters(dp, s->id, &c) == 0)
		dp->cb.counters(dp->ctx, s->id, &c);
	for (struct esp_installed **pp = &dp->sas; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	if (dp->kind == ESP_DP_KERNEL) {
		for (struct esp_installed *o = dp->sas; o; o = o->next)
			if (o->reqid == s->reqid)
				last_of_tunnel = false;
		if (esp_xfrm_del_states(&dp->xfrm, &s->pair) < 0 ||
		    (last_of_tunnel && esp_xfrm_del_policies(&dp->xfrm, &s->pair) < 0))
			log_warn(dp->lg, LOG_ESP, "SA %u: removing kernel objects failed", s->id);
	}
	trunc_probe_end(s);
	loop_timer_stop(dp->loop, &s->retire_timer);
	if (s->user) {
		loop_timer_stop(dp->loop, &s->soft_timer);
		loop_timer_stop(dp->loop, &s->hard_timer);
		esp_sa_clear(s->user);
		free(s->user);
	}
	log_info(dp->lg, LOG_ESP, "SA %u deleted", s->id);
	secure_clear(s, sizeof(*s));
	free(s);
}

int esp_delete(struct esp_datapath *dp, uint32_t id)
{
	struct esp_installed *s = find_id(dp, id);

	if (!s)
		return -1;
	remove_sa(dp, s);
	return 0;
}

void esp_datapath_free(struct esp_datapath *dp)
{
	if (!dp)
		return;
	while (dp->sas)
		remove_sa(dp, dp->sas);
	if (dp->mon_fd >= 0)
		loop_del_fd(dp->loop, dp->mon_fd);
	if (dp->kind == ESP_DP_KERNEL)
		esp_xfrm_close(&dp->xfrm);
	secure_clear(dp, sizeof(*dp));
	free(dp);
}

/* ---- userspace packet path ---------------------------------------------- */

/* Events raised while processing a packet: rekey requests, the SHA-256
 * truncation switch. */
static void handle_events(struct esp_datapath *dp, struct esp_installed *s)
{
	unsigned ev = s->user->events;

	if (!ev)
		return;
	s->user->events = 0;
	if (ev & ESP_EV_TRUNC96)
		note_peer_icv96(s);
	if (ev & ESP_EV_HARD)
		notify_expiring(s, true);
	else if (ev & ESP_EV_SOFT)
		notify_expiring(s, false);
}

static struct esp_installed *newest_live(struct esp_datapath *dp)
{
	for (struct esp_installed *s = dp->sas; s; s = s->next)
		if (s->user && !s->dead && !s->outbound_pending && !s->retired)
			return s;
	return NULL;
}

int esp_user_encrypt(struct esp_datapath *dp, struct esp_pkt *pkt)
{
	struct esp_installed *s = newest_live(dp);
	int err;

	if (!s)
		return -ESP_E_SPI;
	err = esp_sa_encrypt(s->user, pkt);
	handle_events(dp, s);
	return err;
}

int esp_user_decrypt(struct esp_datapath *dp, struct esp_pkt *pkt)
{
	uint32_t spi;
	int err;

	if (pkt->len < 8) {
		dp->unknown_spi++;
		return -ESP_E_SHORT;
	}
	spi = (uint32_t)esp_pkt_data(pkt)[0] << 24 | (uint32_t)esp_pkt_data(pkt)[1] << 16 |
	      (uint32_t)esp_pkt_data(pkt)[2] << 8 | esp_pkt_data(pkt)[3];
	for (struct esp_installed *s = dp->sas; s; s = s->next)
		if (s->user && !s->dead && s->user->spi_in == spi) {
			err = esp_sa_decrypt(s->user, pkt);
			handle_events(dp, s);
			return err;
		}
	dp->unknown_spi++;
	return -ESP_E_SPI;
}

int esp_user_input(struct esp_datapath *dp, uint8_t *buf, size_t len)
{
	struct esp_pkt pkt;
	int err;

	esp_pkt_init(&pkt, buf, len, 0);
	pkt.len = len;
	err = esp_user_decrypt(dp, &pkt);
	if (err < 0) {
		log_debug(dp->lg, LOG_ESP, "dropped ESP packet of %zu bytes: %s", len,
		          esp_err_name(err));
		return -1;
	}
	if (dp->cb.deliver_l2tp)
		dp->cb.deliver_l2tp(dp->ctx, esp_pkt_data(&pkt), pkt.len);
	return 0;
}

static socklen_t addr_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

/* Copy an L2TP datagram into buf with headroom and encrypt it there. */
static int seal_into(struct esp_datapath *dp, uint8_t *buf, const uint8_t *payload, size_t len,
                     struct esp_pkt *pkt)
{
	if (len > ESP_PKT_MAX_PAYLOAD)
		return -ESP_E_NOROOM;
	esp_pkt_init(pkt, buf, ESP_PKT_BUFSIZE, ESP_PKT_HEADROOM);
	memcpy(esp_pkt_data(pkt), payload, len);
	pkt->len = len;
	return esp_user_encrypt(dp, pkt);
}

int esp_user_send_l2tp(struct esp_datapath *dp, const uint8_t *payload, size_t len)
{
	struct esp_installed *s = newest_live(dp);
	struct esp_pkt pkt;
	int err;

	if (!s)
		return -1;
	err = seal_into(dp, dp->tx, payload, len, &pkt);
	if (err < 0) {
		log_debug(dp->lg, LOG_ESP, "cannot encrypt L2TP datagram: %s", esp_err_name(err));
		return -1;
	}
	if (sendto(s->natt_fd, esp_pkt_data(&pkt), pkt.len, 0,
	           (const struct sockaddr *)&s->pair.remote, addr_len(&s->pair.remote)) < 0) {
		s->user->ctr.out_errors++;
		log_debug(dp->lg, LOG_ESP, "sendto: %s", strerror(errno));
		return -1;
	}
	return 0;
}
