/* l2tpsec import [--force] [--dir DIR] FILE.nmconnection [NAME] */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/command.h"
#include "config/nmconn.h"
#include "config/profile.h"

extern const struct command cmd_import;

struct import_args {
	bool force;
	const char *dir;
	const char *file;
	const char *name;
};

static int parse_args(int argc, char **argv, struct import_args *a)
{
	static const struct option opts[] = {
	    {"force", no_argument, NULL, 'f'},
	    {"dir", required_argument, NULL, 'd'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	memset(a, 0, sizeof(*a));
	a->dir = PROFILE_DIR;
	optind = 0; /* glibc: start over, the command may run more than once */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'f')
			a->force = true;
		else if (c == 'd')
			a->dir = optarg;
		else
			return usage_error("import: unknown option or missing argument '%s'",
			                   argv[optind - 1]);
	}
	if (argc - optind < 1 || argc - optind > 2)
		return usage_error("import: expected FILE.nmconnection [NAME]");
	a->file = argv[optind];
	a->name = argc - optind == 2 ? argv[optind + 1] : NULL;
	if (a->name && !profile_name_valid(a->name))
		return usage_error("import: bad NAME '%s' (letters, digits, '.', '_', '-')",
		                   a->name);
	return EXIT_OK;
}

/* Writes into a private temporary file next to the target, then links it in
 * place (refusing to replace) or, with --force, renames over it: a reader
 * never sees half a profile, and the secrets are never world-readable. */
static int write_profile(const struct profile *p, const char *dir, const char *target, bool force)
{
	char tmp[PROFILE_PATH_MAX];
	FILE *out = NULL;
	int fd, rc = -1;

	if (snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, p->name) >= (int)sizeof(tmp)) {
		fprintf(stderr, PACKAGE ": import: %s: path too long\n", dir);
		return -1;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		fprintf(stderr, PACKAGE ": import: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	if (fchmod(fd, 0600) < 0 || !(out = fdopen(fd, "w"))) {
		fprintf(stderr, PACKAGE ": import: %s: %s\n", tmp, strerror(errno));
		close(fd);
		goto out;
	}
	if (profile_write_ini(p, out) < 0 || fsync(fileno(out)) < 0) {
		fprintf(stderr, PACKAGE ": import: cannot write %s\n", tmp);
		fclose(out);
		goto out;
	}
	if (fclose(out) != 0) {
		fprintf(stderr, PACKAGE ": import: cannot write %s\n", tmp);
		goto out;
	}
	if ((force ? rename(tmp, target) : link(tmp, target)) < 0) {
		if (errno == EEXIST)
			fprintf(stderr, PACKAGE ": import: %s exists; use --force to replace it\n",
			        target);
		else
			fprintf(stderr, PACKAGE ": import: %s: %s\n", target, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	unlink(tmp); /* after rename() it no longer exists: harmless */
	return rc;
}

static int import_profile(const struct import_args *a)
{
	struct profile_warnings *warn = malloc(sizeof(*warn));
	struct profile *p = malloc(sizeof(*p));
	char err[1024] = "", target[PROFILE_PATH_MAX];
	int rc = EXIT_CONFIG;

	if (!warn || !p) {
		free(warn);
		free(p);
		return EXIT_FAILURE_GENERIC;
	}
	profile_warnings_init(warn);
	profile_init(p, a->name);
	if (profile_parse_file(p, a->file, PROFILE_FORMAT_NM, warn, err, sizeof(err)) < 0 ||
	    profile_validate(p, warn, err, sizeof(err)) < 0) {
		profile_warnings_print(warn, stderr);
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	profile_warnings_print(warn, stderr);
	if (snprintf(target, sizeof(target), "%s/%s.conf", a->dir, p->name) >=
	    (int)sizeof(target)) {
		fprintf(stderr, PACKAGE ": import: %s: path too long\n", a->dir);
		goto out;
	}
	if (strcmp(a->dir, PROFILE_DIR) == 0 && mkdir(PROFILE_DIR, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, PACKAGE ": import: %s: %s\n", PROFILE_DIR, strerror(errno));
		goto out;
	}
	rc = EXIT_FAILURE_GENERIC;
	if (write_profile(p, a->dir, target, a->force) < 0)
		goto out;
	printf("%s: imported as %s\n", a->file, target);
	rc = EXIT_OK;
out:
	profile_free(p);
	free(p);
	free(warn);
	return rc;
}

static int import_run(int argc, char **argv)
{
	struct import_args a;
	int rc = parse_args(argc, argv, &a);

	return rc == EXIT_OK ? import_profile(&a) : rc;
}

const struct command cmd_import = {
    .name = "import",
    .summary = "convert a NetworkManager-l2tp profile",
    .usage = "Usage: l2tpsec import [--force] [--dir DIR] FILE.nmconnection [NAME]\n\n"
             "Reads a NetworkManager-l2tp keyfile and writes it as an l2tpsec profile,\n"
             "DIR/NAME.conf (DIR defaults to " PROFILE_DIR ", NAME to the connection id),\n"
             "mode 0600 with the secrets the keyfile stores. Options l2tpsec cannot honour\n"
             "are listed as warnings. An existing profile is only replaced with --force.\n",
    .run = import_run,
};
