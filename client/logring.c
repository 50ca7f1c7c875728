#include "client/logring.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void log_ring_init(struct log_ring *r)
{
	memset(r, 0, sizeof(*r));
}

void log_ring_add(struct log_ring *r, time_t when, enum log_subsys sub, enum log_level lvl,
                  const char *msg)
{
	char stamp[16] = "--:--:--";
	struct tm tm;

	if (localtime_r(&when, &tm))
		strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
	snprintf(r->line[r->next], LOG_RING_LINE, "%s %s %s: %s", stamp, log_level_name(lvl),
	         log_subsys_name(sub), msg);
	r->next = (r->next + 1) % LOG_RING_LINES;
	if (r->count < LOG_RING_LINES)
		r->count++;
}

/* The i-th line held, 0 the oldest. */
static const char *ring_line(const struct log_ring *r, size_t i)
{
	return r->line[(r->next + LOG_RING_LINES - r->count + i) % LOG_RING_LINES];
}

size_t log_ring_dump(const struct log_ring *r, char *out, size_t outsz)
{
	size_t first = r->count, need = 0, len = 0;

	if (outsz == 0)
		return 0;
	/* from the newest back, as many whole lines as fit */
	while (first > 0 && need + strlen(ring_line(r, first - 1)) + 1 < outsz)
		need += strlen(ring_line(r, --first)) + 1;
	for (size_t i = first; i < r->count; i++) {
		size_t n = strlen(ring_line(r, i));

		memcpy(out + len, ring_line(r, i), n);
		out[len + n] = '\n';
		len += n + 1;
	}
	out[len] = '\0';
	return len;
}

void log_ring_tap(void *ctx, enum log_subsys sub, enum log_level lvl, const char *msg)
{
	log_ring_add(ctx, time(NULL), sub, lvl, msg);
}

static void change_levels(struct logger *lg, struct ctl_conn *cc, const char *args)
{
	char level[32] = "", sub[32] = "";
	int lvl, s = -1;

	if (sscanf(args, "%31s %31s", level, sub) < 1 || (lvl = log_level_parse(level)) < 0 ||
	    (sub[0] && strcmp(sub, "all") && (s = log_subsys_parse(sub)) < 0)) {
		ctl_conn_reply(cc, "error: usage: log LEVEL [SUBSYSTEM]\n");
		return;
	}
	if (s < 0)
		log_set_all_levels(lg, (enum log_level)lvl);
	else
		log_set_level(lg, (enum log_subsys)s, (enum log_level)lvl);
	log_notice(lg, LOG_CLIENT, "log level of %s set to %s", s < 0 ? "all" : sub,
	           log_level_name((enum log_level)lvl));
	ctl_conn_reply(cc, "ok\n");
}

void log_ring_answer(struct log_ring *r, struct logger *lg, struct ctl_conn *cc, const char *args)
{
	size_t outsz = LOG_RING_LINES * (LOG_RING_LINE + 1) + 1;
	char *out;

	if (args[0]) {
		change_levels(lg, cc, args);
		return;
	}
	out = malloc(outsz);
	if (!out) {
		ctl_conn_reply(cc, "error: out of memory\n");
		return;
	}
	log_ring_dump(r, out, outsz);
	ctl_conn_reply(cc, out[0] ? out : "(nothing logged yet)\n");
	free(out);
}
