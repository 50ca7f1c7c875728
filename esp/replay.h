/*
 * ESP anti-replay window (RFC 4303 §3.4.3) as a ring of 64-bit blocks
 * (RFC 6479): moving the window clears whole blocks instead of shifting a
 * bitmap, so a jump of any size costs at most ESP_REPLAY_BLOCKS stores.
 *
 * Check before the ICV (cheap rejection), update only after the ICV verified,
 * so forged packets never move the window.
 */
#ifndef L2TPSEC_ESP_REPLAY_H
#define L2TPSEC_ESP_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#define ESP_REPLAY_WINDOW 1024u /* packets accepted behind the highest seen */
#define ESP_REPLAY_BLOCKS (ESP_REPLAY_WINDOW / 64 + 1)

struct esp_replay {
	uint32_t top; /* highest sequence number accepted; 0 = none yet */
	uint64_t bits[ESP_REPLAY_BLOCKS];
};

void esp_replay_init(struct esp_replay *r);
/* true when seq may be accepted: not 0, not older than the window, not seen. */
bool esp_replay_check(const struct esp_replay *r, uint32_t seq);
/* Record seq as received (call after esp_replay_check() and the ICV passed). */
void esp_replay_update(struct esp_replay *r, uint32_t seq);

#endif
