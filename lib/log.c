#include "lib/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "lib/hex.h"
#include "lib/util.h"

#define LOG_LINE_MAX 1024

static const char *const subsys_names[LOG_SUBSYS_COUNT] = {
	[LOG_CLIENT] = "client", [LOG_IKE] = "ike", [LOG_ESP] = "esp",
	[LOG_L2TP] = "l2tp",     [LOG_PPP] = "ppp", [LOG_LIB] = "lib",
};

static const struct {
	const char *name;
	enum log_level lvl;
} level_names[] = {
	{"err", LOG_LVL_ERR},   {"error", LOG_LVL_ERR},     {"warning", LOG_LVL_WARNING},
	{"warn", LOG_LVL_WARNING}, {"notice", LOG_LVL_NOTICE}, {"info", LOG_LVL_INFO},
	{"debug", LOG_LVL_DEBUG},
};

static uint64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void log_init(struct logger *lg, enum log_target target, enum log_level level)
{
	memset(lg, 0, sizeof(*lg));
	lg->target = target;
	lg->fd = STDERR_FILENO;
	lg->start_ms = monotonic_ms();
	log_set_all_levels(lg, level);
}

void log_set_sink(struct logger *lg, log_sink_fn fn, void *ctx)
{
	lg->target = LOG_TO_SINK;
	lg->sink = fn;
	lg->sink_ctx = ctx;
}

void log_set_tap(struct logger *lg, log_sink_fn fn, void *ctx)
{
	lg->tap = fn;
	lg->tap_ctx = ctx;
}

static enum log_level clamp_level(enum log_level lvl)
{
	if (lvl < LOG_LVL_ERR)
		return LOG_LVL_ERR;
	if (lvl > LOG_LVL_DEBUG)
		return LOG_LVL_DEBUG;
	return lvl;
}

void log_set_level(struct logger *lg, enum log_subsys sub, enum log_level lvl)
{
	if ((unsigned)sub < LOG_SUBSYS_COUNT)
		lg->level[sub] = clamp_level(lvl);
}

void log_set_all_levels(struct logger *lg, enum log_level lvl)
{
	for (int i = 0; i < LOG_SUBSYS_COUNT; i++)
		lg->level[i] = clamp_level(lvl);
}

bool log_enabled(const struct logger *lg, enum log_subsys sub, enum log_level lvl)
{
	if (!lg || (unsigned)sub >= LOG_SUBSYS_COUNT)
		return false;
	return lvl <= lg->level[sub];
}

const char *log_subsys_name(enum log_subsys sub)
{
	return (unsigned)sub < LOG_SUBSYS_COUNT ? subsys_names[sub] : "?";
}

const char *log_level_name(enum log_level lvl)
{
	for (size_t i = 0; i < ARRAY_SIZE(level_names); i++)
		if (level_names[i].lvl == lvl && strcmp(level_names[i].name, "error") &&
		    strcmp(level_names[i].name, "warn"))
			return level_names[i].name;
	return "?";
}

int log_subsys_parse(const char *s)
{
	for (int i = 0; i < LOG_SUBSYS_COUNT; i++)
		if (strcasecmp(s, subsys_names[i]) == 0)
			return i;
	return -1;
}

int log_level_parse(const char *s)
{
	char *end;
	long v;

	for (size_t i = 0; i < ARRAY_SIZE(level_names); i++)
		if (strcasecmp(s, level_names[i].name) == 0)
			return (int)level_names[i].lvl;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < LOG_LVL_ERR || v > LOG_LVL_DEBUG)
		return -1;
	return (int)v;
}


void log_vmsg(const struct logger *lg, enum log_subsys sub, enum log_level lvl, const char *fmt,
	      va_list ap)
{
	char msg[LOG_LINE_MAX];
	char line[LOG_LINE_MAX + 96];
	char stamp[48] = "";
	int n;

	if (!log_enabled(lg, sub, lvl))
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (lg->tap)
		lg->tap(lg->tap_ctx, sub, lvl, msg);
	switch (lg->target) {
	case LOG_TO_SINK:
		if (lg->sink)
			lg->sink(lg->sink_ctx, sub, lvl, msg);
		return;
	case LOG_TO_SYSLOG:
		syslog((int)lvl | LOG_DAEMON, "%s: %s", log_subsys_name(sub), msg);
		return;
	case LOG_TO_STDERR:
	case LOG_TO_STDERR_PLAIN:
	default:
		if (lg->timestamps) {
			uint64_t ms = monotonic_ms() - lg->start_ms;

			snprintf(stamp, sizeof(stamp), "[%llu.%03u] ",
				 (unsigned long long)(ms / 1000), (unsigned)(ms % 1000));
		}
		if (lg->target == LOG_TO_STDERR)
			n = snprintf(line, sizeof(line), "<%d>%s%s: %s\n", (int)lvl, stamp,
				     log_subsys_name(sub), msg);
		else
			n = snprintf(line, sizeof(line), "%s%s: %s\n", stamp, log_subsys_name(sub),
				     msg);
		break;
	}
	/* one write(2) per line: concurrent writers never interleave */
	if (n > 0)
		fd_write_all(lg->fd, line, MIN((size_t)n, sizeof(line) - 1));
}

void log_msg(const struct logger *lg, enum log_subsys sub, enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(lg, sub, lvl, fmt, ap);
	va_end(ap);
}

void log_hexdump(const struct logger *lg, enum log_subsys sub, const char *what, const void *buf,
		 size_t len)
{
	char line[100];

	if (!log_enabled(lg, sub, LOG_LVL_DEBUG))
		return;
	log_msg(lg, sub, LOG_LVL_DEBUG, "%s (%zu bytes)", what, len);
	for (size_t off = 0; off < len; off += 16) {
		hex_dump_line(line, sizeof(line), buf, len, off);
		log_msg(lg, sub, LOG_LVL_DEBUG, "  %s", line);
	}
}

const char *log_redact(char out[LOG_REDACT_SIZE], size_t secret_len)
{
	snprintf(out, LOG_REDACT_SIZE, "[redacted %zu bytes]", secret_len);
	return out;
}
