#include "esp/replay.h"

#include <string.h>

void esp_replay_init(struct esp_replay *r)
{
	memset(r, 0, sizeof(*r));
}

static uint64_t *block_of(struct esp_replay *r, uint32_t seq)
{
	return &r->bits[(seq / 64) % ESP_REPLAY_BLOCKS];
}

bool esp_replay_check(const struct esp_replay *r, uint32_t seq)
{
	/* RFC 4303 §3.3.3: the first packet has sequence number 1; 0 never
	 * appears on the wire, without ESN. */
	if (seq == 0)
		return false;
	if (seq > r->top)
		return true;
	if (r->top - seq >= ESP_REPLAY_WINDOW)
		return false;
	return !(r->bits[(seq / 64) % ESP_REPLAY_BLOCKS] >> (seq % 64) & 1);
}

void esp_replay_update(struct esp_replay *r, uint32_t seq)
{
	if (seq > r->top) {
		uint32_t cur = r->top / 64, next = seq / 64;
		uint32_t steps = next - cur;

		/* Blocks the window moves into start empty. */
		if (steps > ESP_REPLAY_BLOCKS)
			steps = ESP_REPLAY_BLOCKS;
		for (uint32_t i = 1; i <= steps; i++)
			r->bits[(cur + i) % ESP_REPLAY_BLOCKS] = 0;
		r->top = seq;
	}
	*block_of(r, seq) |= (uint64_t)1 << (seq % 64);
}
