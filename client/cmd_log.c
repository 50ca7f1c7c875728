/* l2tpsec log NAME LEVEL [SUBSYSTEM] */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "client/command.h"
#include "client/ctl.h"
#include "lib/log.h"

static const char log_usage[] =
	"Usage: l2tpsec log NAME LEVEL [SUBSYSTEM] [--run-dir DIR]\n\n"
	"Changes the log level of a running connection without restarting it.\n"
	"LEVEL: err, warning, notice, info, debug (or 3..7).\n"
	"SUBSYSTEM: client, ike, esp, l2tp, ppp, lib or all (the default).\n";

static int log_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"run-dir", required_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *run_dir = CTL_RUN_DIR;
	char req[128], out[256];
	int ch, n;

	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (ch == 'r') {
			run_dir = optarg;
		} else if (ch == 'h') {
			fputs(log_usage, stdout);
			return EXIT_OK;
		} else {
			return usage_error("log: unknown option '%s'", argv[optind - 1]);
		}
	}
	n = argc - optind;
	argv += optind;
	if (n < 2 || n > 3)
		return usage_error("log: need NAME LEVEL [SUBSYSTEM]");
	if (log_level_parse(argv[1]) < 0)
		return usage_error("log: unknown level '%s'", argv[1]);
	if (n == 3 && strcmp(argv[2], "all") && log_subsys_parse(argv[2]) < 0)
		return usage_error("log: unknown subsystem '%s'", argv[2]);
	snprintf(req, sizeof(req), "log %s %s", argv[1], n == 3 ? argv[2] : "all");
	if (ctl_request(run_dir, argv[0], req, out, sizeof(out), 3000) < 0) {
		fprintf(stderr, "l2tpsec: %s: %s\n", argv[0],
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
