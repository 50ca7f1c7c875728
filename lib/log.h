/*
 * Logging with a level per subsystem.
 *
 * There is no global logger: the client owns one struct logger and hands a
 * pointer to every layer it creates. Lines go to stderr with the <N> priority
 * prefix that journald understands (sd-daemon(3)), to syslog, or to a sink
 * callback (tests, the control socket). Levels can change at run time.
 *
 * Secrets never go through a format string: log them with log_redact(),
 * which prints only "[redacted N bytes]".
 */
#ifndef L2TPSEC_LIB_LOG_H
#define L2TPSEC_LIB_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum log_subsys {
	LOG_CLIENT,
	LOG_IKE,
	LOG_ESP,
	LOG_L2TP,
	LOG_PPP,
	LOG_LIB,
	LOG_SUBSYS_COUNT,
};

/* Numerically the syslog priorities, so they map 1:1 onto <N> and syslog(3). */
enum log_level {
	LOG_LVL_ERR = 3,
	LOG_LVL_WARNING = 4,
	LOG_LVL_NOTICE = 5,
	LOG_LVL_INFO = 6,
	LOG_LVL_DEBUG = 7,
};

enum log_target {
	LOG_TO_STDERR, /* "<N>subsys: message" (journald-style) */
	LOG_TO_STDERR_PLAIN, /* "subsys: message" for terminals */
	LOG_TO_SYSLOG,
	LOG_TO_SINK,
};

typedef void (*log_sink_fn)(void *ctx, enum log_subsys sub, enum log_level lvl, const char *line);

struct logger {
	enum log_level level[LOG_SUBSYS_COUNT];
	enum log_target target;
	int fd; /* for the stderr targets; 2 by default */
	log_sink_fn sink;
	void *sink_ctx;
	/* Sees every line written, whatever the target (the daemon's ring
	 * of recent lines for `l2tpsec log NAME`). */
	log_sink_fn tap;
	void *tap_ctx;
	/* stderr targets: prefix "[seconds.millis]" since log_init (monotonic),
	 * for reading a connect's timeline; journald stamps lines itself. */
	bool timestamps;
	uint64_t start_ms;
};

void log_init(struct logger *lg, enum log_target target, enum log_level level);
void log_set_sink(struct logger *lg, log_sink_fn fn, void *ctx);
/* Also hand every line written to fn (NULL: none). */
void log_set_tap(struct logger *lg, log_sink_fn fn, void *ctx);
void log_set_level(struct logger *lg, enum log_subsys sub, enum log_level lvl);
void log_set_all_levels(struct logger *lg, enum log_level lvl);
bool log_enabled(const struct logger *lg, enum log_subsys sub, enum log_level lvl);

const char *log_subsys_name(enum log_subsys sub);
const char *log_level_name(enum log_level lvl);
/* Parse "ike", "all", "debug", "7" ...; return -1 when unknown. */
int log_subsys_parse(const char *s);
int log_level_parse(const char *s);

void log_msg(const struct logger *lg, enum log_subsys sub, enum log_level lvl, const char *fmt,
	     ...) __attribute__((format(printf, 4, 5)));
void log_vmsg(const struct logger *lg, enum log_subsys sub, enum log_level lvl, const char *fmt,
	      va_list ap) __attribute__((format(printf, 4, 0)));

/* Hex dump of a non-secret buffer at debug level, one line per 16 bytes. */
void log_hexdump(const struct logger *lg, enum log_subsys sub, const char *what, const void *buf,
		 size_t len);

/* "[redacted N bytes]" into out; returns out, for use as a %s argument. */
#define LOG_REDACT_SIZE 40
const char *log_redact(char out[LOG_REDACT_SIZE], size_t secret_len);

#define log_err(lg, sub, ...) log_msg(lg, sub, LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(lg, sub, ...) log_msg(lg, sub, LOG_LVL_WARNING, __VA_ARGS__)
#define log_notice(lg, sub, ...) log_msg(lg, sub, LOG_LVL_NOTICE, __VA_ARGS__)
#define log_info(lg, sub, ...) log_msg(lg, sub, LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(lg, sub, ...)                                                                    \
	do {                                                                                       \
		if (log_enabled(lg, sub, LOG_LVL_DEBUG))                                           \
			log_msg(lg, sub, LOG_LVL_DEBUG, __VA_ARGS__);                              \
	} while (0)

#endif
