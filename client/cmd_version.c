/* l2tpsec version [-v] / l2tpsec --version [-v] */
#include <openssl/opensslv.h>
#include <stdio.h>
#include <string.h>

#include "client/command.h"

/* The directories configure compiled in (--sysconfdir, --runstatedir,
 * --libexecdir): what an installed binary reads and runs. Nothing of
 * l2tpsec's outlives a boot, so there is no state directory: the undo
 * records (routes, DNS) live in the run directory because what they undo
 * dies with the boot too. */
static void print_paths(void)
{
	printf("profile dir: %s\n", L2TPSEC_PROFILE_DIR);
	printf("run dir:     %s\n", L2TPSEC_RUN_DIR);
	printf("helper dir:  %s\n", L2TPSEC_HELPER_DIR);
}

static int version_run(int argc, char **argv)
{
	int verbose = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0)
			verbose = 1;
		else
			return usage_error("version: unknown argument '%s'", argv[i]);
	}
	printf("%s %s (%s)\n", PACKAGE, PACKAGE_VERSION, OPENSSL_VERSION_TEXT);
	if (verbose)
		print_paths();
	return EXIT_OK;
}

const struct command cmd_version = {
    .name = "version",
    .summary = "print the version",
    .usage = "Usage: l2tpsec version [-v]\n\n"
             "Prints the program version and the OpenSSL it was built with.\n\n"
             "  -v, --verbose            also the directories it uses: profiles, run\n"
             "                           (control sockets, undo records) and helpers\n",
    .run = version_run,
};
