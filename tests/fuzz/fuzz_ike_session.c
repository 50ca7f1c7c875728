/* libFuzzer target: the IKE session state machine (not only the codec) fed
 * sequences of datagrams from a hostile gateway. The session is set up
 * established with fixed keys, its sockets one end of a socket pair (nothing
 * leaves the process); the first
 * byte picks an established session or one in the middle of rekeys (our
 * Quick Mode out, our Main Mode out). Then records [kind][len:2][data]:
 *   kind 0: a raw datagram; on request (kind bits) the ISAKMP SA's cookies
 *           (0x10, 0x20), the initiator cookie of our Main Mode rekey (0x40)
 *           or the message ID of our Quick Mode rekey (0x80) are patched in,
 *           so that forged MM2/MM4 and QM2 reach the rekeys' code (random
 *           values the fuzzer could not guess: without this no input ever
 *           reached mm_recv() or qm_recv(), llvm-cov showed). Afterwards
 *           nothing the gateway authenticated may have changed: state, SA
 *           pair, ISAKMP SA, lifetimes, failure;
 *   kind 1: an informational, kind 2: a Quick Mode message, both encrypted
 *           with a valid HASH(1) around payloads (type, len, body) from data,
 *           so the fuzzer reaches what only authenticated input can do;
 *   kind 3: first data byte odd: run due timers; else bit 1: QM2 with a
 *           valid HASH(2) around payloads from the rest, for our Quick Mode
 *           rekey; else QM3 with a valid HASH(3) for a Quick Mode the
 *           gateway started.
 * Nothing may crash (ASan/UBSan), leak or read out of bounds.
 *
 * Speed: ike_new() makes an OpenSSL library context, loads providers and
 * starts a key generation thread (~30 runs/s if done per input). The
 * session is made once; each input starts from a copy of it taken right
 * after ike_new() (no ISAKMP SA, no timer running); ike_session_reset() frees
 * what each input made at its end. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ike/ike_int.h"
#include "lib/log.h"
#include "lib/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz {
	int failed, pairs, deleted, inbound;
};

static void on_established(void *ctx, const struct esp_sa_pair *sa, bool rekey)
{
	(void)sa;
	(void)rekey;
	((struct fz *)ctx)->pairs++;
}

static void on_inbound(void *ctx, const struct esp_sa_pair *sa, bool ours)
{
	(void)sa;
	(void)ours;
	((struct fz *)ctx)->inbound++;
}

static void on_deleted(void *ctx, uint32_t in, uint32_t out)
{
	(void)in;
	(void)out;
	((struct fz *)ctx)->deleted++;
}

static void on_failed(void *ctx, const struct ike_failure *f)
{
	(void)f;
	((struct fz *)ctx)->failed++;
}

static void set_addr(struct sockaddr_storage *ss, uint32_t addr, uint16_t port)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	in->sin_family = AF_INET;
	in->sin_addr.s_addr = htonl(addr);
	in->sin_port = htons(port);
}

/* An ISAKMP SA as Main Mode would have left it, with fixed keys. The
 * keys are the same for every input: derived once (RFC 2409 §5 with a
 * fixed SKEYID, g^xy and cookies), copied after. */
static struct ike_p1 *fixed_p1(struct ike_session *s)
{
	static struct ike_p1_keys keys;
	static bool derived;
	struct ike_p1 *p1 = ike_mm_new(s, false);
	uint8_t gxy[256];

	if (!p1)
		return NULL;
	memset(p1->icookie, 0x11, 8);
	memset(p1->rcookie, 0x22, 8);
	p1->alg = s->p1_algs.a[0];
	p1->lifetime_s = 28800;
	p1->block = ike_cipher_block(p1->alg.enc);
	if (!derived) {
		keys.hash = p1->alg.hash;
		memset(keys.skeyid, 0x33, sizeof(keys.skeyid));
		memset(gxy, 0x44, sizeof(gxy));
		if (ike_p1_derive(s->lib, &keys, gxy, sizeof(gxy), p1->icookie, p1->rcookie,
		                  p1->alg.key_bits / 8u))
			abort();
		derived = true;
	}
	p1->keys = keys;
	memset(p1->iv, 0x55, sizeof(p1->iv));
	p1->state = P1_DONE;
	p1->done_ms = loop_now_ms(s->loop);
	return p1;
}

/* Once per process: the session as ike_new() leaves it, without the
 * pre-made Main Mode key pair (no thread), and a copy of it to start each
 * input from. */
static struct ike_session *session_once(struct loop *loop, struct logger *lg, struct fz *fz,
                                        struct ike_session *pristine)
{
	static const uint8_t psk[] = "fuzz-psk";
	struct ike_callbacks cb = {.sa_established = on_established,
	                           .sa_expired_or_deleted = on_deleted,
	                           .sa_inbound = on_inbound,
	                           .failed = on_failed};
	struct ike_config cfg;
	struct ike_session *s;

	ike_config_defaults(&cfg);
	set_addr(&cfg.remote, 0x7f000001, 500);
	cfg.psk = psk;
	cfg.psk_len = sizeof(psk) - 1;
	cfg.ike_proposals = "aes128-sha1-ecp256!";
	cfg.esp_proposals = "aes128-sha1,aes256-sha256!";
	cfg.dpd_interval_s = 0;
	cfg.keepalive_interval_s = 0;
	cfg.retransmit = (struct ike_retransmit){1, 2, 2};
	s = ike_new(loop, lg, &cfg, &cb, fz);
	if (!s)
		return NULL;
	ike_keygen_cancel(&s->keygen);
	*pristine = *s;
	return s;
}

/* Where the session's datagrams go: one end of a datagram socket pair
 * (the other end, wire[1], is drained after each input), so that sends
 * succeed and our rekeys can finish (QM3 must go out for the new pair to
 * be installed). Nothing leaves the process. */
static int wire[2] = {-1, -1};

static void close_fds(struct ike_session *s)
{
	if (s->fd_ike >= 0)
		close(s->fd_ike);
	if (s->fd_natt >= 0)
		close(s->fd_natt);
	s->fd_ike = s->fd_natt = -1;
}

static void drain_wire(void)
{
	uint8_t buf[ISAKMP_MAX_MSG + 4];

	while (recv(wire[1], buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		;
}

static struct ike_session *make(struct ike_session *s, const struct ike_session *pristine,
                                uint8_t variant)
{
	close_fds(s);
	ike_session_reset(s);
	*s = *pristine;
	/* Established on UDP 4500 through a NAT; sends go to the wire. */
	s->fd_ike = dup(wire[0]);
	s->fd_natt = dup(wire[0]);
	set_addr(&s->remote, 0x7f000001, 500);
	set_addr(&s->remote_natt, 0x7f000001, 4500);
	set_addr(&s->local, 0x7f000002, 500);
	set_addr(&s->local_natt, 0x7f000002, 4500);
	s->natt = IKE_NATT_RFC3947;
	s->floated = s->nat_local = s->peer_dpd = true;
	s->p1 = fixed_p1(s);
	if (!s->p1)
		return NULL;
	s->sa.established = true;
	s->sa.spi_in = 0x1000;
	s->sa.spi_out = 0x2000;
	s->sa.alg = s->esp_algs.a[0];
	s->sa.life_s = 3600;
	s->sa.done_ms = loop_now_ms(s->loop);
	s->state = IKE_STATE_ESTABLISHED;
	s->stage = IKE_STAGE_ESTABLISHED;
	if (variant & 1) {
		/* Our Quick Mode rekey is out (QM1 sent, QM2 awaited). */
		s->qm.in_progress = true;
		s->qm.msgid = 0x51515151;
		s->qm.spi_in = 0x3000;
		memset(s->qm.ni, 0x66, sizeof(s->qm.ni));
		ike_iv_p2(s->lib, s->p1->alg.hash, s->p1->iv, s->p1->block, s->qm.msgid, s->qm.iv);
		s->stage = IKE_STAGE_REKEY_IPSEC;
	} else if (variant & 2) {
		/* Our ISAKMP SA rekey is out: MM1 built and sent (its SA body
		 * kept for HASH_I), MM2 awaited. */
		s->p1_next = ike_mm_new(s, true);
		if (s->p1_next)
			ike_mm_start(s, s->p1_next);
	}
	return s;
}

struct fill_arg {
	const uint8_t *p;
	size_t len;
};

/* Payloads (type, len, body) from the fuzzer's bytes, well framed. */
static void fill_payloads(struct isakmp_builder *b, void *argp)
{
	struct fill_arg *a = argp;
	size_t off = 0;

	while (off + 2 <= a->len) {
		uint8_t type = a->p[off], n = a->p[off + 1];

		off += 2;
		if (n > a->len - off)
			n = (uint8_t)(a->len - off);
		ike_isakmp_pl_add(b, type ? type : ISAKMP_NP_N, a->p + off, n);
		off += n;
	}
}

static size_t build_p2(struct ike_session *s, uint8_t exch, const uint8_t *d, size_t n,
                       uint8_t *out, size_t cap)
{
	struct ike_p1 *p1 = s->p1;
	struct fill_arg a;
	uint8_t iv[IKE_MAX_BLOCK];
	uint32_t msgid;

	if (!p1 || n < 4 || p1->state != P1_DONE)
		return 0;
	msgid = get_be32(d) | 1;
	a = (struct fill_arg){d + 4, n - 4};
	if (ike_iv_p2(s->lib, p1->alg.hash, p1->iv, p1->block, msgid, iv))
		return 0;
	return ike_p2_build(s, p1, exch, msgid, iv, fill_payloads, &a, out, cap);
}

/* QM3 for the first Quick Mode the gateway started that waits for it. */
static size_t build_qm3(struct ike_session *s, uint8_t *out, size_t cap)
{
	for (size_t i = 0; i < ARRAY_SIZE(s->rqm); i++) {
		struct ike_p2 *p2 = &s->rqm[i].p2;
		struct ike_p1 *p1 = p2->p1;
		struct isakmp_builder b;
		struct isakmp_hdr h = {.exchange = ISAKMP_XCHG_QUICK, .flags = ISAKMP_FLAG_ENC};
		uint8_t hash[IKE_MAX_HASH], iv[IKE_MAX_BLOCK];
		size_t len;

		if (!p2->in_progress || !p1)
			continue;
		h.msgid = p2->msgid;
		memcpy(h.icookie, p1->icookie, 8);
		memcpy(h.rcookie, p1->rcookie, 8);
		if (ike_qm_hash3(s->lib, &p1->keys, p2->msgid, p2->nr, p2->nr_len, p2->ni,
		                 sizeof(p2->ni), hash))
			return 0;
		ike_isakmp_build_begin(&b, out, cap, &h);
		ike_isakmp_pl_add(&b, ISAKMP_NP_HASH, hash, p1->keys.prf_len);
		len = ike_isakmp_build_end(&b);
		memcpy(iv, p2->iv, sizeof(iv));
		return len ? ike_encrypt_msg(s->lib, &p1->keys, p1->alg.enc, iv, out, len, cap) : 0;
	}
	return 0;
}

/* What only the gateway's authenticated messages may change. */
struct snapshot {
	enum ike_state state;
	const struct ike_p1 *p1;
	uint32_t spi_in, spi_out, life_s, p1_life;
	bool established;
	enum ike_fail_reason failure;
	int pairs, deleted, failed, inbound;
};

static void snap(const struct ike_session *s, const struct fz *fz, struct snapshot *o)
{
	memset(o, 0, sizeof(*o));
	o->state = s->state;
	o->p1 = s->p1;
	o->spi_in = s->sa.spi_in;
	o->spi_out = s->sa.spi_out;
	o->life_s = s->sa.life_s;
	o->p1_life = s->p1 ? s->p1->lifetime_s : 0;
	o->established = s->sa.established;
	o->failure = s->failure.reason;
	o->pairs = fz->pairs;
	o->deleted = fz->deleted;
	o->failed = fz->failed;
	o->inbound = fz->inbound;
}

/* QM2 for our Quick Mode rekey: HASH(2) over Ni_b and the payloads. */
static size_t build_qm2(struct ike_session *s, const uint8_t *d, size_t n, uint8_t *out, size_t cap)
{
	struct fill_arg a = {d, n};
	uint8_t iv[IKE_MAX_BLOCK];

	if (!s->qm.in_progress || !s->p1 || s->p1->state != P1_DONE)
		return 0;
	memcpy(iv, s->qm.iv, sizeof(iv));
	return ike_p2_build_extra(s, s->p1, ISAKMP_XCHG_QUICK, s->qm.msgid, iv, s->qm.ni,
	                      sizeof(s->qm.ni), fill_payloads, &a, out, cap);
}

static void raw(struct ike_session *s, struct fz *fz, uint8_t kind, const uint8_t *d, size_t n)
{
	uint8_t buf[ISAKMP_MAX_MSG];
	struct snapshot before, after;

	memcpy(buf, d, n);
	if ((kind & 0x10) && n >= 8 && s->p1)
		memcpy(buf, s->p1->icookie, 8);
	if ((kind & 0x20) && n >= 16 && s->p1)
		memcpy(buf + 8, s->p1->rcookie, 8);
	if ((kind & 0x40) && n >= 8 && s->p1_next)
		memcpy(buf, s->p1_next->icookie, 8);
	if ((kind & 0x80) && n >= 24 && s->qm.in_progress)
		put_be32(buf + 20, s->qm.msgid);
	snap(s, fz, &before);
	ike_session_recv(s, buf, n);
	snap(s, fz, &after);
	if (memcmp(&before, &after, sizeof(before)) != 0)
		abort(); /* an unauthenticated datagram changed the session */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[ISAKMP_MAX_MSG];
	static struct logger lg;
	static struct loop *loop;
	static struct ike_session *session, pristine;
	static struct fz fz;
	struct ike_session *s;
	size_t off = 1, len;

	if (size < 1)
		return 0;
	if (!loop) {
		if (getenv("FUZZ_IKE_SESSION_DEBUG"))
			log_init(&lg, LOG_TO_STDERR_PLAIN, LOG_LVL_DEBUG);
		else
			log_init(&lg, LOG_TO_SINK, LOG_LVL_ERR);
		loop = loop_new();
		session = loop ? session_once(loop, &lg, &fz, &pristine) : NULL;
		if (!session || socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, wire) < 0)
			abort();
	}
	memset(&fz, 0, sizeof(fz));
	s = make(session, &pristine, data[0]);
	while (s && off + 3 <= size) {
		uint8_t kind = data[off];
		size_t n = (size_t)data[off + 1] << 8 | data[off + 2];

		off += 3;
		if (n > size - off)
			n = size - off;
		if (n > ISAKMP_MAX_MSG)
			n = ISAKMP_MAX_MSG;
		switch (kind & 3) {
		case 0:
			raw(s, &fz, kind, data + off, n);
			break;
		case 1:
		case 2:
			len = build_p2(s, (kind & 3) == 1 ? ISAKMP_XCHG_INFO : ISAKMP_XCHG_QUICK,
			               data + off, n, out, sizeof(out));
			if (len)
				ike_session_recv(s, out, len);
			break;
		default:
			if (n && (data[off] & 1)) {
				loop_run_once(loop, 0);
			} else if (n && (data[off] & 2)) {
				len = build_qm2(s, data + off + 1, n - 1, out, sizeof(out));
				if (len)
					ike_session_recv(s, out, len);
			} else if ((len = build_qm3(s, out, sizeof(out))) != 0) {
				ike_session_recv(s, out, len);
			}
		}
		off += n;
	}
	drain_wire();
	if (s && getenv("FUZZ_IKE_SESSION_DEBUG"))
		fprintf(stderr, "pairs=%d deleted=%d failed=%d dropped=%u state=%s\n", fz.pairs,
		        fz.deleted, fz.failed, (unsigned)s->dropped, ike_state_name(s->state));
	/* What the input left is freed now, so that each input frees what it
	 * allocates (libFuzzer's leak check then runs only on a real leak). */
	if (s) {
		close_fds(s);
		ike_session_reset(s);
	}
	return 0;
}
