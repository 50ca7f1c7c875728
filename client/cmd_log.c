/* l2tpsec log NAME [LEVEL [SUBSYSTEM]] */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/command.h"
#include "client/ctl.h"
#include "client/logring.h"
#include "lib/log.h"

static const char log_usage[] =
	"Usage: l2tpsec log NAME [LEVEL [SUBSYSTEM]] [--run-dir DIR]\n\n"
	"Without LEVEL: shows the recent log of a running connection (its last\n"
	"lines at the levels it logs).\n"
	"With LEVEL: changes the log level of a running connection without\n"
	"restarting it.\n"
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
	size_t outsz = LOG_RING_LINES * (LOG_RING_LINE + 1) + 64;
	char req[128], *out;
	int ch, n, rc;

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
	if (n < 1 || n > 3)
		return usage_error("log: need NAME [LEVEL [SUBSYSTEM]]");
	if (n >= 2 && log_level_parse(argv[1]) < 0)
		return usage_error("log: unknown level '%s'", argv[1]);
	if (n == 3 && strcmp(argv[2], "all") && log_subsys_parse(argv[2]) < 0)
		return usage_error("log: unknown subsystem '%s'", argv[2]);
	if (n == 1)
		snprintf(req, sizeof(req), "log");
	else
		snprintf(req, sizeof(req), "log %s %s", argv[1], n == 3 ? argv[2] : "all");
	out = malloc(outsz);
	if (!out) {
		fprintf(stderr, "l2tpsec: out of memory\n");
		return EXIT_FAILURE_GENERIC;
	}
	if (ctl_request(run_dir, argv[0], req, out, outsz, 3000) < 0) {
		fprintf(stderr, "l2tpsec: %s: %s\n", argv[0],
			errno == ENOENT ? "not running" : strerror(errno));
		free(out);
		return EXIT_FAILURE_GENERIC;
	}
	fputs(out, stdout);
	/* a request the daemon refused (an older daemon, a status-only user) */
	rc = strncmp(out, "error", 5) == 0 || (n > 1 && strncmp(out, "ok", 2) != 0)
		     ? EXIT_FAILURE_GENERIC
		     : EXIT_OK;
	free(out);
	return rc;
}

const struct command cmd_log = {
	.name = "log",
	.summary = "show the recent log of a running connection, or change its level",
	.usage = log_usage,
	.run = log_run,
};
