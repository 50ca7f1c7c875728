/* XFRM policies: the transport-mode pair for L2TP, per-socket bypass for
 * IKE, and removal of our leftovers. */
#include "esp/xfrm.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <linux/xfrm.h>
#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/xfrm/lifetime.h>
#include <netlink/xfrm/sa.h>
#include <netlink/xfrm/selector.h>
#include <netlink/xfrm/sp.h>
#include <netlink/xfrm/template.h>

#include "lib/log.h"
#include "lib/sock_bypass.h"

/* More specific than the catch-all policies other daemons install; lower
 * is preferred by the kernel. */
#define ESP_POLICY_PRIORITY 1000

static struct xfrmnl_sel *build_selector(const struct sockaddr_storage *src, uint16_t sport,
                                         const struct sockaddr_storage *dst, uint16_t dport)
{
	struct nl_addr *s = esp_xfrm_addr(src), *d = esp_xfrm_addr(dst);
	struct xfrmnl_sel *sel = xfrmnl_sel_alloc();
	unsigned bits = src->ss_family == AF_INET ? 32 : 128;

	if (sel && s && d) {
		xfrmnl_sel_set_family(sel, src->ss_family);
		xfrmnl_sel_set_saddr(sel, s);
		xfrmnl_sel_set_daddr(sel, d);
		xfrmnl_sel_set_prefixlen_s(sel, bits);
		xfrmnl_sel_set_prefixlen_d(sel, bits);
		xfrmnl_sel_set_proto(sel, IPPROTO_UDP);
		xfrmnl_sel_set_sport(sel, sport);
		xfrmnl_sel_set_sportmask(sel, 0xffff);
		xfrmnl_sel_set_dport(sel, dport);
		xfrmnl_sel_set_dportmask(sel, 0xffff);
	} else if (sel) {
		xfrmnl_sel_put(sel);
		sel = NULL;
	}
	nl_addr_put(s);
	nl_addr_put(d);
	return sel;
}

struct policy_spec {
	unsigned dir;
	const struct sockaddr_storage *src, *dst; /* outer = inner in transport mode */
	uint16_t sport, dport;                    /* L2TP ports */
	uint32_t reqid;
};

static struct xfrmnl_sp *build_policy(const struct policy_spec *spec, bool with_template)
{
	struct xfrmnl_sel *sel = build_selector(spec->src, spec->sport, spec->dst, spec->dport);
	struct xfrmnl_sp *sp = xfrmnl_sp_alloc();
	struct xfrmnl_ltime_cfg *lft = xfrmnl_ltime_cfg_alloc();
	struct xfrmnl_user_tmpl *t = NULL;
	struct nl_addr *s = esp_xfrm_addr(spec->src), *d = esp_xfrm_addr(spec->dst);
	bool ok = sel && sp && lft && s && d;

	if (ok) {
		xfrmnl_sp_set_sel(sp, sel);
		xfrmnl_sp_set_dir(sp, spec->dir);
		xfrmnl_sp_set_action(sp, XFRM_POLICY_ALLOW);
		xfrmnl_sp_set_priority(sp, ESP_POLICY_PRIORITY);
		xfrmnl_ltime_cfg_set_soft_bytelimit(lft, XFRM_INF);
		xfrmnl_ltime_cfg_set_hard_bytelimit(lft, XFRM_INF);
		xfrmnl_ltime_cfg_set_soft_packetlimit(lft, XFRM_INF);
		xfrmnl_ltime_cfg_set_hard_packetlimit(lft, XFRM_INF);
		xfrmnl_sp_set_lifetime_cfg(sp, lft);
	}
	if (ok && with_template) {
		t = xfrmnl_user_tmpl_alloc();
		ok = t != NULL;
	}
	if (ok && t) {
		xfrmnl_user_tmpl_set_family(t, spec->src->ss_family);
		xfrmnl_user_tmpl_set_saddr(t, s);
		xfrmnl_user_tmpl_set_daddr(t, d);
		xfrmnl_user_tmpl_set_proto(t, IPPROTO_ESP);
		xfrmnl_user_tmpl_set_mode(t, XFRM_MODE_TRANSPORT);
		xfrmnl_user_tmpl_set_reqid(t, spec->reqid);
		xfrmnl_user_tmpl_set_aalgos(t, ~0u);
		xfrmnl_user_tmpl_set_ealgos(t, ~0u);
		xfrmnl_user_tmpl_set_calgos(t, ~0u);
		xfrmnl_sp_add_usertemplate(sp, t); /* sp owns t from here */
	}
	if (sel)
		xfrmnl_sel_put(sel);
	if (lft)
		xfrmnl_ltime_cfg_put(lft);
	nl_addr_put(s);
	nl_addr_put(d);
	if (!ok && sp) {
		xfrmnl_sp_put(sp);
		sp = NULL;
	}
	return sp;
}

static void pair_policies(const struct esp_sa_pair *pair, uint32_t reqid, struct policy_spec *out,
                          struct policy_spec *in)
{
	*out = (struct policy_spec){XFRM_POLICY_OUT,       &pair->local,           &pair->remote,
	                            pair->local_l2tp_port, pair->remote_l2tp_port, reqid};
	*in = (struct policy_spec){XFRM_POLICY_IN,         &pair->remote,         &pair->local,
	                           pair->remote_l2tp_port, pair->local_l2tp_port, reqid};
}

static int policy_op(struct esp_xfrm *x, const struct policy_spec *spec, bool add)
{
	struct xfrmnl_sp *sp = build_policy(spec, add);
	int err;

	if (!sp)
		return -NLE_NOMEM;
	err = add ? xfrmnl_sp_add(x->cmd, sp, NLM_F_CREATE | NLM_F_EXCL)
	          : xfrmnl_sp_delete(x->cmd, sp, 0);
	xfrmnl_sp_put(sp);
	return err;
}

int esp_xfrm_add_policies(struct esp_xfrm *x, const struct esp_sa_pair *pair, uint32_t reqid)
{
	struct policy_spec out, in;
	int err;

	pair_policies(pair, reqid, &out, &in);
	err = policy_op(x, &out, true);
	if (err < 0) {
		log_err(x->lg, LOG_ESP, "xfrm: adding outbound policy failed: %s",
		        nl_geterror(err));
		return -1;
	}
	err = policy_op(x, &in, true);
	if (err < 0) {
		log_err(x->lg, LOG_ESP, "xfrm: adding inbound policy failed: %s", nl_geterror(err));
		policy_op(x, &out, false);
		return -1;
	}
	return 0;
}

int esp_xfrm_del_policies(struct esp_xfrm *x, const struct esp_sa_pair *pair)
{
	struct policy_spec out, in;
	int e1, e2;

	pair_policies(pair, 0, &out, &in);
	e1 = policy_op(x, &out, false);
	e2 = policy_op(x, &in, false);
	return (e1 < 0 && e1 != -NLE_OBJ_NOTFOUND) || (e2 < 0 && e2 != -NLE_OBJ_NOTFOUND) ? -1 : 0;
}

/* ---- cleanup ------------------------------------------------------------- */

struct cleanup_walk {
	struct esp_xfrm *x;
	bool (*stale)(uint32_t reqid);
	int removed;
	int failed;
};

static void cleanup_policy(struct nl_object *obj, void *arg)
{
	struct cleanup_walk *w = arg;
	struct xfrmnl_sp *sp = (struct xfrmnl_sp *)obj;
	struct xfrmnl_user_tmpl *t;
	int reqid;

	if (xfrmnl_sp_get_nusertemplates(sp) < 1)
		return;
	t = xfrmnl_sp_usertemplate_n(sp, 0);
	reqid = t ? xfrmnl_user_tmpl_get_reqid(t) : -1;
	if (reqid == -1 || !esp_reqid_is_ours((uint32_t)reqid) || !w->stale((uint32_t)reqid))
		return;
	if (xfrmnl_sp_delete(w->x->cmd, sp, 0) < 0)
		w->failed++;
	else
		w->removed++;
}

int esp_xfrm_cleanup(struct esp_xfrm *x, bool (*stale)(uint32_t reqid))
{
	struct cleanup_walk w = {x, stale, 0, 0};
	struct nl_cache *cache;
	int err;

	/* Policies first: with their states gone they would drop L2TP. */
	err = xfrmnl_sp_alloc_cache(x->cmd, &cache);
	if (err < 0) {
		log_err(x->lg, LOG_ESP, "xfrm: listing policies failed: %s", nl_geterror(err));
		return -1;
	}
	nl_cache_foreach(cache, cleanup_policy, &w);
	nl_cache_free(cache);
	err = esp_xfrm_cleanup_states(x, stale, &w.failed);
	if (err < 0)
		return -1;
	w.removed += err;
	if (w.failed)
		log_warn(x->lg, LOG_ESP, "xfrm: %d stale entries could not be removed", w.failed);
	return w.removed;
}

/* Owner gone (or us, before our first install): RFC-free bookkeeping. */
static bool reqid_owner_dead(uint32_t reqid)
{
	pid_t pid = esp_reqid_pid(reqid);

	if (pid == (getpid() & 0x3fffff))
		return true;
	return kill(pid, 0) < 0 && errno == ESRCH;
}

int esp_kernel_cleanup_stale(struct logger *lg)
{
	struct esp_xfrm x;
	int n;

	if (esp_xfrm_open(&x, lg) < 0) {
		log_err(lg, LOG_ESP, "xfrm: cannot open a NETLINK_XFRM socket");
		return -1;
	}
	n = esp_xfrm_cleanup(&x, reqid_owner_dead);
	esp_xfrm_close(&x);
	if (n > 0)
		log_notice(lg, LOG_ESP, "xfrm: removed %d leftover states/policies of l2tpsec", n);
	return n;
}

/* ---- per-socket bypass --------------------------------------------------- */

int esp_kernel_bypass_socket(int fd)
{
	return sock_bypass_ipsec(fd);
}
