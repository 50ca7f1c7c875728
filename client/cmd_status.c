/* l2tpsec status [NAME] [--json] */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "client/command.h"
#include "client/ctl.h"

#define STATUS_MAX_CONNS 32

static const char status_usage[] =
    "Usage: l2tpsec status [NAME] [--json] [--run-dir DIR]\n\n"
    "Shows a running connection, or all of them. With --json: one object per\n"
    "connection (keys in l2tpsec(8)); without NAME and with several connections,\n"
    "an array of them.\n";

/* Names of running connections: the sockets in run_dir. */
static size_t list_connections(const char *run_dir, char names[][64], size_t max)
{
	DIR *d = opendir(run_dir);
	struct dirent *e;
	size_t n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) && n < max) {
		size_t len = strlen(e->d_name);

		if (len > 5 && len - 5 < 64 && strcmp(e->d_name + len - 5, ".sock") == 0) {
			memcpy(names[n], e->d_name, len - 5);
			names[n++][len - 5] = '\0';
		}
	}
	closedir(d);
	return n;
}

static int query(const char *run_dir, const char *name, bool json, char *out, size_t outsz)
{
	if (ctl_request(run_dir, name, json ? "status json" : "status", out, outsz, 3000) < 0) {
		if (errno == ENOENT)
			fprintf(stderr, "l2tpsec: no connection named '%s' is running\n", name);
		else
			fprintf(stderr, "l2tpsec: %s: %s\n", name, strerror(errno));
		return -1;
	}
	return 0;
}

static int status_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"run-dir", required_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *run_dir = CTL_RUN_DIR, *name = NULL;
	char names[STATUS_MAX_CONNS][64], out[8192];
	bool json = false;
	size_t n;
	int ch, rc = EXIT_OK;

	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (ch == 'j')
			json = true;
		else if (ch == 'r')
			run_dir = optarg;
		else if (ch == 'h') {
			fputs(status_usage, stdout);
			return EXIT_OK;
		} else
			return usage_error("status: unknown option '%s'", argv[optind - 1]);
	}
	if (optind < argc)
		name = argv[optind++];
	if (optind < argc)
		return usage_error("status: unexpected argument '%s'", argv[optind]);
	if (name) {
		if (query(run_dir, name, json, out, sizeof(out)) < 0)
			return EXIT_FAILURE_GENERIC;
		fputs(out, stdout);
		return EXIT_OK;
	}
	n = list_connections(run_dir, names, STATUS_MAX_CONNS);
	if (n == 0) {
		if (json)
			puts("[]");
		else
			puts("no connection is running");
		return EXIT_OK;
	}
	if (json && n > 1)
		fputs("[", stdout);
	for (size_t i = 0; i < n; i++) {
		if (query(run_dir, names[i], json, out, sizeof(out)) < 0) {
			rc = EXIT_FAILURE_GENERIC;
			continue;
		}
		if (json && n > 1 && i > 0)
			fputs(",", stdout);
		if (json && n > 1)
			out[strcspn(out, "\n")] = '\0';
		fputs(out, stdout);
	}
	if (json && n > 1)
		puts("]");
	return rc;
}

const struct command cmd_status = {
	.name = "status",
	.summary = "show running connections",
	.usage = status_usage,
	.run = status_run,
};
