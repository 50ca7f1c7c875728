/* l2tpsec version / l2tpsec --version */
#include <openssl/opensslv.h>
#include <stdio.h>

#include "client/command.h"

static int version_run(int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return usage_error("version: takes no arguments");
	printf("%s %s (%s)\n", PACKAGE, PACKAGE_VERSION, OPENSSL_VERSION_TEXT);
	return EXIT_OK;
}

const struct command cmd_version = {
	.name = "version",
	.summary = "print the version",
	.usage = "Usage: l2tpsec version\n\nPrints the program version and the OpenSSL it was built with.\n",
	.run = version_run,
};
