/* l2tpsec check [--nm] [--psk-file F] [--password-file F] PROFILE */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/command.h"
#include "config/profile.h"

extern const struct command cmd_check;

struct check_args {
	bool nm;
	struct profile_overrides ov;
	const char *profile;
};

static int parse_args(int argc, char **argv, struct check_args *a)
{
	static const struct option opts[] = {
	    {"nm", no_argument, NULL, 'n'},
	    {"psk-file", required_argument, NULL, 'k'},
	    {"password-file", required_argument, NULL, 'p'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	memset(a, 0, sizeof(*a));
	optind = 0; /* glibc: start over, the command may run more than once */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			a->nm = true;
			break;
		case 'k':
			a->ov.psk_file = optarg;
			break;
		case 'p':
			a->ov.password_file = optarg;
			break;
		default:
			return usage_error("check: unknown option or missing argument '%s'",
			                   argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return usage_error("check: expected one PROFILE");
	a->profile = argv[optind];
	return EXIT_OK;
}

/* Parses, validates, reads the secret files: everything `connect` would do
 * before the network. Secrets the command line can still give are warnings. */
static int check_profile(const struct check_args *a, const char *path)
{
	struct profile_warnings *warn = malloc(sizeof(*warn));
	struct profile *p = malloc(sizeof(*p));
	char err[1024] = "";
	int rc = EXIT_CONFIG;

	if (!warn || !p) {
		fprintf(stderr, PACKAGE ": out of memory\n");
		free(warn);
		free(p);
		return EXIT_FAILURE_GENERIC;
	}
	profile_warnings_init(warn);
	profile_init(p, NULL);
	if (profile_parse_file(p, path, a->nm ? PROFILE_FORMAT_NM : PROFILE_FORMAT_INI, warn, err,
	                       sizeof(err)) == 0 &&
	    profile_apply_overrides(p, &a->ov, err, sizeof(err)) == 0 &&
	    profile_validate(p, warn, err, sizeof(err)) == 0 &&
	    profile_load_secrets(p, err, sizeof(err)) == 0)
		rc = EXIT_OK;
	profile_warnings_print(warn, stderr);
	if (rc == EXIT_OK)
		printf("%s: ok\n", path);
	else
		fprintf(stderr, "%s\n", err);
	profile_free(p);
	free(p);
	free(warn);
	return rc;
}

static int check_run(int argc, char **argv)
{
	char path[PROFILE_PATH_MAX];
	struct check_args a;
	int rc = parse_args(argc, argv, &a);

	if (rc != EXIT_OK)
		return rc;
	if (a.nm)
		snprintf(path, sizeof(path), "%s", a.profile);
	else if (profile_path_for(a.profile, path, sizeof(path)) < 0)
		return usage_error("check: '%s' is neither a profile name nor a path (use ./%s "
		                   "for a file here)",
		                   a.profile, a.profile);
	return check_profile(&a, path);
}

const struct command cmd_check = {
    .name = "check",
    .summary = "check a profile for errors",
    .usage = "Usage: l2tpsec check [--psk-file FILE] [--password-file FILE] PROFILE\n"
             "       l2tpsec check --nm FILE.nmconnection\n\n"
             "Reads and validates a profile the way 'connect' would, without connecting:\n"
             "every key and value, required keys, file permissions and secret files.\n"
             "PROFILE is a NAME (" PROFILE_DIR "/NAME.conf) or a path containing '/'.\n"
             "With --nm, the file is a NetworkManager-l2tp keyfile.\n"
             "Prints warnings, then 'PROFILE: ok' (exit 0) or the error (exit 3).\n",
    .run = check_run,
};
