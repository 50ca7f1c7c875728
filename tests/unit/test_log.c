/* Unit tests for lib/log: levels per subsystem, formats, redaction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/log.h"

struct capture {
	int count;
	enum log_subsys sub;
	enum log_level lvl;
	char line[1200];
};

static void capture_sink(void *ctx, enum log_subsys sub, enum log_level lvl, const char *line)
{
	struct capture *c = ctx;

	c->count++;
	c->sub = sub;
	c->lvl = lvl;
	snprintf(c->line, sizeof(c->line), "%s", line);
}

static void test_levels_per_subsystem(void **state)
{
	struct logger lg;
	struct capture cap = {0};

	(void)state;
	log_init(&lg, LOG_TO_STDERR, LOG_LVL_NOTICE);
	log_set_sink(&lg, capture_sink, &cap);
	log_info(&lg, LOG_IKE, "hidden %d", 1);
	assert_int_equal(cap.count, 0);
	log_set_level(&lg, LOG_IKE, LOG_LVL_DEBUG);
	log_debug(&lg, LOG_IKE, "shown %d", 2);
	assert_int_equal(cap.count, 1);
	assert_string_equal(cap.line, "shown 2");
	assert_int_equal(cap.sub, LOG_IKE);
	assert_int_equal(cap.lvl, LOG_LVL_DEBUG);
	/* other subsystems keep their own level */
	log_debug(&lg, LOG_ESP, "hidden");
	log_info(&lg, LOG_L2TP, "hidden");
	assert_int_equal(cap.count, 1);
	log_err(&lg, LOG_L2TP, "err");
	assert_int_equal(cap.count, 2);
	assert_false(log_enabled(&lg, LOG_SUBSYS_COUNT, LOG_LVL_ERR));
	assert_false(log_enabled(NULL, LOG_IKE, LOG_LVL_ERR));
}

static void test_parse_names(void **state)
{
	(void)state;
	assert_int_equal(log_subsys_parse("IKE"), LOG_IKE);
	assert_int_equal(log_subsys_parse("ppp"), LOG_PPP);
	assert_int_equal(log_subsys_parse("nope"), -1);
	assert_int_equal(log_level_parse("debug"), LOG_LVL_DEBUG);
	assert_int_equal(log_level_parse("warn"), LOG_LVL_WARNING);
	assert_int_equal(log_level_parse("4"), LOG_LVL_WARNING);
	assert_int_equal(log_level_parse("8"), -1);
	assert_int_equal(log_level_parse("4x"), -1);
	assert_int_equal(log_level_parse(""), -1);
	assert_string_equal(log_level_name(LOG_LVL_WARNING), "warning");
	assert_string_equal(log_subsys_name(LOG_L2TP), "l2tp");
}

/* The stderr target writes "<N>subsys: msg\n" in one piece. */
static void test_journald_prefix(void **state)
{
	struct logger lg;
	int fds[2];
	char buf[256] = {0};
	ssize_t n;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	log_init(&lg, LOG_TO_STDERR, LOG_LVL_INFO);
	lg.fd = fds[1];
	log_warn(&lg, LOG_ESP, "replay window %u", 1024u);
	lg.target = LOG_TO_STDERR_PLAIN;
	log_info(&lg, LOG_PPP, "up");
	close(fds[1]);
	n = read(fds[0], buf, sizeof(buf) - 1);
	close(fds[0]);
	assert_true(n > 0);
	assert_string_equal(buf, "<4>esp: replay window 1024\nppp: up\n");
}

static void test_timestamps(void **state)
{
	struct logger lg;
	int fds[2];
	char buf[256] = {0};

	(void)state;
	assert_int_equal(pipe(fds), 0);
	log_init(&lg, LOG_TO_STDERR_PLAIN, LOG_LVL_INFO);
	lg.fd = fds[1];
	lg.timestamps = true;
	log_info(&lg, LOG_IKE, "MM1");
	close(fds[1]);
	assert_true(read(fds[0], buf, sizeof(buf) - 1) > 0);
	close(fds[0]);
	/* "[0.000] ike: MM1" give or take the milliseconds */
	assert_int_equal(buf[0], '[');
	assert_non_null(strstr(buf, "] ike: MM1\n"));
	assert_non_null(strchr(buf, '.'));
}

static void test_redact_never_shows_secret(void **state)
{
	struct logger lg;
	struct capture cap = {0};
	char r[LOG_REDACT_SIZE];
	const char secret[] = "hunter2";

	(void)state;
	log_init(&lg, LOG_TO_SINK, LOG_LVL_DEBUG);
	log_set_sink(&lg, capture_sink, &cap);
	log_info(&lg, LOG_CLIENT, "psk %s", log_redact(r, strlen(secret)));
	assert_string_equal(cap.line, "psk [redacted 7 bytes]");
	assert_null(strstr(cap.line, secret));
}

static void test_long_line_truncated_safely(void **state)
{
	struct logger lg;
	struct capture cap = {0};
	char big[3000];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_init(&lg, LOG_TO_SINK, LOG_LVL_DEBUG);
	log_set_sink(&lg, capture_sink, &cap);
	log_info(&lg, LOG_CLIENT, "%s", big);
	assert_int_equal(cap.count, 1);
	assert_int_equal(strlen(cap.line), 1023);
}

static void test_hexdump_at_debug_only(void **state)
{
	struct logger lg;
	struct capture cap = {0};
	const uint8_t data[20] = {0x41};

	(void)state;
	log_init(&lg, LOG_TO_SINK, LOG_LVL_INFO);
	log_set_sink(&lg, capture_sink, &cap);
	log_hexdump(&lg, LOG_L2TP, "sccrq", data, sizeof(data));
	assert_int_equal(cap.count, 0);
	log_set_level(&lg, LOG_L2TP, LOG_LVL_DEBUG);
	log_hexdump(&lg, LOG_L2TP, "sccrq", data, sizeof(data));
	assert_int_equal(cap.count, 3); /* title + two lines of 16 */
	assert_non_null(strstr(cap.line, "0010  00 00 00 00"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levels_per_subsystem),
		cmocka_unit_test(test_parse_names),
		cmocka_unit_test(test_journald_prefix),
		cmocka_unit_test(test_timestamps),
		cmocka_unit_test(test_redact_never_shows_secret),
		cmocka_unit_test(test_long_line_truncated_safely),
		cmocka_unit_test(test_hexdump_at_debug_only),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
