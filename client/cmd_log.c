/* l2tpsec log NAME LEVEL [SUBSYSTEM] */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "client/command.h"
#include "client/ctl.h"
#include "lib/log.h"

static const char log_usage[] =
    "Usage: l2tpsec log NAME LEVEL [SUBSYSTEM]\n\n"
    "Changes the log level of a running connection without restarting it.\n"
    "LEVEL: err, warning, notice, info, debug (or 3..7).\n"
    "SUBSYSTEM: client, ike, esp, l2tp, ppp, lib or all (the default).\n";

static int log_run(int argc, char **argv)
{
	char req[128], out[256];

	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		fputs(log_usage, stdout);
		return EXIT_OK;
	}
	if (argc < 3 || argc > 4)
		return usage_error("log: need NAME LEVEL [SUBSYSTEM]");
	if (log_level_parse(argv[2]) < 0)
		return usage_error("log: unknown level '%s'", argv[2]);
	if (argc == 4 && strcmp(argv[3], "all") && log_subsys_parse(argv[3]) < 0)
		return usage_error("log: unknown subsystem '%s'", argv[3]);
	snprintf(req, sizeof(req), "log %s %s", argv[2], argc == 4 ? argv[3] : "all");
	if (ctl_request(CTL_RUN_DIR, argv[1], req, out, sizeof(out), 3000) < 0) {
		fprintf(stderr, "l2tpsec: %s: %s\n", argv[1],
			errno == ENOENT ? "not running" : strerror(errno));
		return EXIT_FAILURE_GENERIC;
	}
	fputs(out, stdout);
	return strncmp(out, "ok", 2) == 0 ? EXIT_OK : EXIT_FAILURE_GENERIC;
}

const struct command cmd_log = {
	.name = "log",
	.summary = "change the log level of a running connection",
	.usage = log_usage,
	.run = log_run,
};
