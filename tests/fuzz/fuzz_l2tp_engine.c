/* libFuzzer target: the whole LAC engine fed datagrams from a hostile LNS.
 * Input: a series of (2-byte length, datagram); control datagrams get our
 * tunnel ID patched in so the fuzzer reaches the state machines. Timers run
 * between datagrams. Nothing may crash, leak or loop. */
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "l2tp/l2tp.h"
#include "lib/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int sink(void *ctx, const uint8_t *buf, size_t len)
{
	(void)ctx;
	(void)buf;
	(void)len;
	return 0;
}

static void on_closed(void *ctx, const struct l2tp_failure *f)
{
	(void)f;
	*(int *)ctx = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t secret[] = "fuzz-secret";
	struct l2tp_transport tr = {sink, NULL};
	struct l2tp_callbacks cb = {.closed = on_closed};
	struct l2tp_config cfg;
	struct logger lg;
	static struct loop *loop;
	struct l2tp *l2tp;
	struct l2tp_status st;
	int closed = 0;
	size_t off = 0;

	if (size < 1)
		return 0;
	log_init(&lg, LOG_TO_SINK, LOG_LVL_ERR);
	/* One loop per process (making its epoll and timer descriptors was a
	 * fifth of each run): l2tp_free() must leave no timer on it, or the
	 * next input's timers touch freed memory (ASan). */
	if (!loop && !(loop = loop_new()))
		abort();
	l2tp_config_defaults(&cfg);
	cfg.peer.ss_family = AF_INET;
	cfg.transport = &tr;
	cfg.rtx_initial_ms = 1;
	cfg.rtx_max_ms = 2;
	if (data[0] & 1) {
		cfg.secret = secret;
		cfg.secret_len = sizeof(secret) - 1;
	}
	cfg.sequencing = data[0] & 2;
	off = 1;
	l2tp = l2tp_new(loop, &lg, &cfg, &cb, &closed);
	if (!l2tp || l2tp_start(l2tp)) {
		l2tp_free(l2tp);
		return 0;
	}
	l2tp_get_status(l2tp, &st);
	while (off + 2 <= size && !closed) {
		size_t len = get_be16(data + off);
		uint8_t dgram[2048];

		off += 2;
		if (len > size - off || len > sizeof(dgram))
			len = size - off < sizeof(dgram) ? size - off : sizeof(dgram);
		memcpy(dgram, data + off, len);
		off += len;
		l2tp_get_status(l2tp, &st);
		/* our random IDs where the header carries them */
		if (len >= 8 && (dgram[0] & 0x40)) {
			put_be16(dgram + 4, st.session.local_tunnel_id);
			if (get_be16(dgram + 6))
				put_be16(dgram + 6, st.session.local_session_id);
		} else if (len >= 6 && !(dgram[0] & 0x40)) {
			put_be16(dgram + 2, st.session.local_tunnel_id);
			put_be16(dgram + 4, st.session.local_session_id);
		}
		l2tp_input(l2tp, dgram, len);
		if (len > 0 && dgram[0] == 0x00)
			l2tp_send_ppp(l2tp, dgram, len); /* PPP out while anything happens */
		loop_run_once(loop, 0);
	}
	l2tp_stop(l2tp);
	loop_run_once(loop, 0);
	l2tp_free(l2tp);
	return 0;
}
