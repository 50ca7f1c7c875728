/* l2tpsec disconnect [NAME] */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "client/command.h"
#include "client/conn.h"
#include "client/ctl.h"
#include "sys/killswitch.h"
#include "sys/mss_nft.h"

static const char disconnect_usage[] =
    "Usage: l2tpsec disconnect [NAME] [--run-dir DIR]\n\n"
    "Tears the connection down (PPP terminate, L2TP CDN and StopCCN, IKE deletes)\n"
    "and returns when it is done. Without NAME: the only running connection.\n";

/* The one running connection, when NAME is not given. */
static int only_connection(const char *run_dir, char name[64])
{
	DIR *d = opendir(run_dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (len > 5 && len - 5 < 64 && strcmp(e->d_name + len - 5, ".sock") == 0) {
			if (n++ == 0) {
				memcpy(name, e->d_name, len - 5);
				name[len - 5] = '\0';
			}
		}
	}
	closedir(d);
	return n;
}

/* A crashed connection: its kill switch keeps blocking, its routes, DNS
 * and SAs stay, until a new connect or this disconnect removes them. */
static int cleanup_crashed(const char *run_dir, const char *name)
{
	struct logger lg;
	int rc = EXIT_OK;

	log_init(&lg, LOG_TO_STDERR_PLAIN, LOG_LVL_NOTICE);
	conn_cleanup_stale(&lg, run_dir, name);
	if (killswitch_exists(name) == 1 && killswitch_remove(&lg, name) < 0)
		rc = EXIT_FAILURE_GENERIC;
	printf("%s was not running; what it left behind is removed\n", name);
	return rc;
}

/* Did a crashed run of name leave anything? */
static bool has_leftovers(const char *run_dir, const char *name)
{
	char path[300];

	if (killswitch_exists(name) == 1 || mss_nft_exists(name) == 1)
		return true;
	snprintf(path, sizeof(path), "%s/%s.routes", run_dir, name);
	if (access(path, F_OK) == 0)
		return true;
	snprintf(path, sizeof(path), "%s/%s.dns", run_dir, name);
	return access(path, F_OK) == 0;
}

static int disconnect_run(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"run-dir", required_argument, NULL, 'r'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *run_dir = CTL_RUN_DIR;
	char name[64], out[256];
	int ch, n;

	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (ch == 'r')
			run_dir = optarg;
		else if (ch == 'h') {
			fputs(disconnect_usage, stdout);
			return EXIT_OK;
		} else
			return usage_error("disconnect: unknown option '%s'", argv[optind - 1]);
	}
	if (optind + 1 < argc)
		return usage_error("disconnect: unexpected argument '%s'", argv[optind + 1]);
	if (optind < argc) {
		snprintf(name, sizeof(name), "%s", argv[optind]);
	} else if ((n = only_connection(run_dir, name)) != 1) {
		fprintf(stderr, "l2tpsec: %s; name the connection\n",
		        n == 0 ? "no connection is running" : "several connections are running");
		return EXIT_FAILURE_GENERIC;
	}
	/* teardown waits for the gateway's answers, bounded in the daemon */
	if (ctl_request(run_dir, name, "disconnect", out, sizeof(out), 15000) < 0) {
		int err = errno;

		if (err == ENOENT && has_leftovers(run_dir, name))
			return cleanup_crashed(run_dir, name);
		fprintf(stderr, "l2tpsec: %s: %s\n", name,
		        err == ENOENT ? "not running" : strerror(err));
		return EXIT_FAILURE_GENERIC;
	}
	if (strncmp(out, "disconnected", 12) != 0) {
		fprintf(stderr, "l2tpsec: %s: %s", name, out);
		return EXIT_FAILURE_GENERIC;
	}
	fputs(out, stdout);
	return EXIT_OK;
}

const struct command cmd_disconnect = {
    .name = "disconnect",
    .summary = "tear a connection down",
    .usage = disconnect_usage,
    .run = disconnect_run,
};
