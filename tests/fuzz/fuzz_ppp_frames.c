/*
 * libFuzzer target: PPP frames from a hostile peer into a ppp instance in
 * each state. The first input byte picks the state the scripted peer drives
 * the instance into (LCP negotiating, authenticating with PAP / CHAP-MD5 /
 * MS-CHAPv2, Network phase with IPCP and IPV6CP); the rest is a sequence of
 * frames, each prefixed by a 2-byte length. Nothing may crash, leak or read
 * out of bounds, and every frame we send must be well formed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/util.h"
#include "ppp/crypto.h"
#include "ppp/ppp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz {
	uint8_t last[2048];
	size_t last_len;
	int downs;
};

static int fz_send(void *ctx, const uint8_t *frame, size_t len)
{
	struct fz *fz = ctx;

	/* Our frames: FF 03, a valid protocol, and a sane length. */
	if (len < 4 || len > 4 + 65535 || frame[0] != 0xff || frame[1] != 0x03 || !(frame[3] & 1))
		abort();
	if (get_be16(frame + 2) >= 0x8000 && (len < 8 || get_be16(frame + 6) != len - 4))
		abort();
	fz->last_len = len < sizeof(fz->last) ? len : sizeof(fz->last);
	memcpy(fz->last, frame, fz->last_len);
	return 0;
}

static void fz_down(void *ctx, const struct ppp_failure *why)
{
	struct fz *fz = ctx;

	(void)why;
	if (++fz->downs > 1)
		abort(); /* reported once */
}

static void feed(struct ppp *ppp, uint16_t proto, uint8_t code, uint8_t id, const uint8_t *d,
                 size_t len)
{
	uint8_t f[300] = {0xff, 0x03};

	put_be16(f + 2, proto);
	f[4] = code;
	f[5] = id;
	put_be16(f + 6, (uint16_t)(len + 4));
	memcpy(f + 8, d, len);
	ppp_input(ppp, f, len + 8);
}

/* Ack whatever we last asked for with proto. */
static void ack_last(struct fz *fz, struct ppp *ppp, uint16_t proto)
{
	if (fz->last_len >= 8 && get_be16(fz->last + 2) == proto && fz->last[4] == 1)
		feed(ppp, proto, 2, fz->last[5], fz->last + 8, fz->last_len - 8);
}

static void drive(struct fz *fz, struct ppp *ppp, unsigned scenario)
{
	static const uint8_t auth[][5] = {
	    {0}, {3, 4, 0xc0, 0x23}, {3, 5, 0xc2, 0x23, 5}, {3, 5, 0xc2, 0x23, 0x81}};
	static const uint8_t ipcp_nak[] = {3, 6, 10, 0, 0, 2, 129, 6, 1, 1, 1, 1};
	static const uint8_t ipcp_peer[] = {3, 6, 10, 0, 0, 1};
	static const uint8_t v6_peer[] = {1, 10, 1, 2, 3, 4, 5, 6, 7, 8};
	uint8_t opts[16] = {5, 6, 9, 8, 7, 6};
	size_t n = 6;

	ppp_start(ppp);
	if (scenario == 0)
		return;
	ack_last(fz, ppp, 0xc021);
	if (scenario >= 2 && scenario <= 4) {
		memcpy(opts + n, auth[scenario - 1], auth[scenario - 1][1]);
		n += auth[scenario - 1][1];
	}
	feed(ppp, 0xc021, 1, 1, opts, n);
	if (scenario == 2)
		feed(ppp, 0xc023, 2, fz->last[5], (const uint8_t *)"\0", 1);
	if (scenario != 5)
		return;
	feed(ppp, 0x8021, 3, fz->last[5], ipcp_nak, sizeof(ipcp_nak));
	ack_last(fz, ppp, 0x8021);
	feed(ppp, 0x8021, 1, 2, ipcp_peer, sizeof(ipcp_peer));
	feed(ppp, 0x8057, 1, 3, v6_peer, sizeof(v6_peer));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t pw[] = "secret";
	static struct loop *loop;
	static struct ppp_crypto crypto;
	struct logger lg;
	struct ppp_config cfg = {
	    .user = "user",
	    .password = pw,
	    .password_len = 6,
	    .auth_allowed = PPP_AUTH_ALL,
	    .request_dns = true,
	    .enable_ipv6cp = true,
	    .echo_interval_s = 10,
	};
	static const struct ppp_callbacks cbs = {.send_frame = fz_send, .down = fz_down};
	struct fz fz = {0};
	struct buf_reader r;
	struct ppp *ppp;
	uint8_t scenario;

	if (!loop) {
		/* Once per process: a library context with its providers
		 * costs ~10 ms (most of each run when it was made per input:
		 * 84 runs/s); instances borrow it (ppp_config.crypto), so
		 * CHAP-MD5 and MS-CHAPv2 run the same code as with their own. */
		loop = loop_new();
		if (!loop || ppp_crypto_init(&crypto) < 0)
			abort();
		ppp_crypto_legacy_load(&crypto); /* kept: MS-CHAPv2 inputs stay fast */
	}
	cfg.crypto = &crypto;
	log_init(&lg, LOG_TO_SINK, LOG_LVL_ERR);
	br_init(&r, data, size);
	if (br_u8(&r, &scenario))
		return 0;
	/* Half of the inputs (and never the CHAP scenarios) allow PAP only:
	 * an instance without the crypto context, refusing CHAP. */
	if (!(scenario & 0x80) && scenario % 6u != 3 && scenario % 6u != 4)
		cfg.auth_allowed = PPP_AUTH_PAP;
	ppp = ppp_new(loop, &lg, &cfg, &cbs, &fz);
	if (!ppp)
		abort();
	drive(&fz, ppp, scenario % 6u);
	while (br_remaining(&r) > 0) {
		uint16_t len;
		const uint8_t *frame;
		size_t n;

		if (br_u16(&r, &len))
			break;
		n = MIN((size_t)len, br_remaining(&r));
		if (br_ptr(&r, &frame, n))
			break;
		ppp_input(ppp, frame, n);
		if ((len & 0x7) == 0x7) /* now and then: the peer closes or we do */
			ppp_close(ppp);
	}
	ppp_free(ppp);
	return 0;
}
