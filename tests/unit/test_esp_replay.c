/* Unit tests for esp/replay: the anti-replay window at its edges
 * (RFC 4303 §3.4.3, window of ESP_REPLAY_WINDOW packets). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "esp/replay.h"

/* Check and, if accepted, record (what the receive path does after the ICV). */
static int accept_seq(struct esp_replay *r, uint32_t seq)
{
	if (!esp_replay_check(r, seq))
		return 0;
	esp_replay_update(r, seq);
	return 1;
}

static void test_zero_is_never_valid(void **state)
{
	struct esp_replay r;

	(void)state;
	esp_replay_init(&r);
	assert_int_equal(accept_seq(&r, 0), 0);
	assert_int_equal(accept_seq(&r, 1), 1);
	assert_int_equal(accept_seq(&r, 0), 0);
}

static void test_duplicates_rejected(void **state)
{
	struct esp_replay r;

	(void)state;
	esp_replay_init(&r);
	for (uint32_t s = 1; s <= 200; s++)
		assert_int_equal(accept_seq(&r, s), 1);
	for (uint32_t s = 1; s <= 200; s++)
		assert_int_equal(accept_seq(&r, s), 0);
	assert_int_equal(accept_seq(&r, 201), 1);
}

static void test_window_edge(void **state)
{
	struct esp_replay r;
	const uint32_t top = 5000;

	(void)state;
	esp_replay_init(&r);
	assert_int_equal(accept_seq(&r, top), 1);
	/* The oldest still inside: top - (W - 1). One further back is outside. */
	assert_false(esp_replay_check(&r, top - ESP_REPLAY_WINDOW));
	assert_true(esp_replay_check(&r, top - ESP_REPLAY_WINDOW + 1));
	assert_int_equal(accept_seq(&r, top - ESP_REPLAY_WINDOW + 1), 1);
	assert_int_equal(accept_seq(&r, top - ESP_REPLAY_WINDOW + 1), 0);
	assert_int_equal(accept_seq(&r, top - ESP_REPLAY_WINDOW), 0);
	/* Very old. */
	assert_int_equal(accept_seq(&r, 1), 0);
	/* Moving up by one pushes the edge packet out. */
	assert_int_equal(accept_seq(&r, top + 1), 1);
	assert_false(esp_replay_check(&r, top - ESP_REPLAY_WINDOW + 1));
	assert_true(esp_replay_check(&r, top - ESP_REPLAY_WINDOW + 2));
}

static void test_out_of_order_inside_window(void **state)
{
	struct esp_replay r;

	(void)state;
	esp_replay_init(&r);
	/* Every other packet first, then the gaps, all the way through the
	 * ring of blocks a few times. */
	for (uint32_t s = 2; s <= 6000; s += 2)
		assert_int_equal(accept_seq(&r, s), 1);
	for (uint32_t s = 6000 - ESP_REPLAY_WINDOW + 1; s < 6000; s += 2)
		assert_int_equal(accept_seq(&r, s), 1);
	for (uint32_t s = 6000 - ESP_REPLAY_WINDOW + 1; s <= 6000; s++)
		assert_int_equal(accept_seq(&r, s), 0);
	assert_int_equal(accept_seq(&r, 6000 - ESP_REPLAY_WINDOW), 0);
}

static void test_huge_jump_clears_window(void **state)
{
	struct esp_replay r;

	(void)state;
	esp_replay_init(&r);
	for (uint32_t s = 1; s <= 2000; s++)
		assert_int_equal(accept_seq(&r, s), 1);
	/* A jump far beyond the window: nothing old may look "seen" in the
	 * new window, and nothing from before the jump is accepted. */
	assert_int_equal(accept_seq(&r, 3000000000u), 1);
	assert_int_equal(accept_seq(&r, 2000), 0);
	for (uint32_t s = 3000000000u - ESP_REPLAY_WINDOW + 1; s < 3000000000u; s++)
		assert_true(esp_replay_check(&r, s));
	assert_int_equal(accept_seq(&r, 3000000000u), 0);
	/* A jump of exactly one block size keeps the rest of the window. */
	assert_int_equal(accept_seq(&r, 3000000000u - 5), 1);
	assert_int_equal(accept_seq(&r, 3000000064u), 1);
	assert_int_equal(accept_seq(&r, 3000000000u - 5), 0);
	assert_int_equal(accept_seq(&r, 3000000000u - 4), 1);
}

static void test_check_does_not_update(void **state)
{
	struct esp_replay r;

	(void)state;
	esp_replay_init(&r);
	/* A forged packet passes the cheap check but fails its ICV: the
	 * window must not move. */
	assert_true(esp_replay_check(&r, 100000));
	assert_int_equal(accept_seq(&r, 5), 1);
	assert_int_equal(accept_seq(&r, 6), 1);
	assert_int_equal(r.top, 6);
}

static void test_top_of_sequence_space(void **state)
{
	struct esp_replay r;

	(void)state;
	esp_replay_init(&r);
	assert_int_equal(accept_seq(&r, 0xffffffffu), 1);
	assert_int_equal(accept_seq(&r, 0xffffffffu), 0);
	assert_int_equal(accept_seq(&r, 0xffffffffu - ESP_REPLAY_WINDOW + 1), 1);
	assert_int_equal(accept_seq(&r, 0xffffffffu - ESP_REPLAY_WINDOW), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_zero_is_never_valid),
	    cmocka_unit_test(test_duplicates_rejected),
	    cmocka_unit_test(test_window_edge),
	    cmocka_unit_test(test_out_of_order_inside_window),
	    cmocka_unit_test(test_huge_jump_clears_window),
	    cmocka_unit_test(test_check_does_not_update),
	    cmocka_unit_test(test_top_of_sequence_space),
	};

	return cmocka_run_group_tests_name("esp_replay", tests, NULL, NULL);
}
