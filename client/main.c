/* l2tpsec: entry point. Global options, then dispatch to one subcommand. */
#include <stdio.h>
#include <string.h>
/* After a libc header: __GLIBC__ comes from <features.h>, which they
 * include; tested first, it was undefined and mallopt() never ran. */
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <openssl/crypto.h>

#include "client/command.h"
#include "lib/util.h"

int main(int argc, char **argv)
{
	const struct command *cmd;
	char *help_argv[] = {"help", NULL};

#ifdef M_ARENA_MAX
	/* One malloc arena: the only other thread (IKE's DH key generation,
	 * ike/keygen.c) would otherwise get an arena of its own whose pages
	 * stay resident for the whole connection (issue 16, RSS). */
	mallopt(M_ARENA_MAX, 1);
#endif
	/* l2tpsec never prints OpenSSL's error strings: not loading them
	 * saves about 300 kB of resident memory (issue 16, measured). */
	OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS, NULL);
	/* connect, check and import read secrets: no core file may hold one */
	if (secure_no_core_dumps() < 0)
		fputs("l2tpsec: warning: cannot disable core dumps\n", stderr);
	if (argc < 2)
		return cmd_help.run(1, help_argv);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return cmd_help.run(1, help_argv);
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)
		return cmd_version.run(argc - 1, argv + 1); /* --version -v */
	if (argv[1][0] == '-')
		return usage_error("unknown option '%s'", argv[1]);
	cmd = command_find(argv[1]);
	if (!cmd)
		return usage_error("unknown command '%s'", argv[1]);
	return cmd->run(argc - 1, argv + 1);
}
