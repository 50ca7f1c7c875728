/* l2tpsec help [COMMAND] / l2tpsec --help */
#include <stdio.h>

#include "client/command.h"

static void print_overview(FILE *out)
{
	fprintf(out, "Usage: %s [--help] [--version] COMMAND [ARGS...]\n\n"
		     "L2TP/IPsec remote-access VPN client.\n\nCommands:\n",
		PACKAGE);
	for (const struct command *const *c = command_list(); *c; c++)
		fprintf(out, "  %-12s %s\n", (*c)->name, (*c)->summary);
	fprintf(out, "\nRun '%s help COMMAND' for the options of one command; see l2tpsec(8).\n",
		PACKAGE);
}

static int help_run(int argc, char **argv)
{
	const struct command *cmd;

	if (argc > 2)
		return usage_error("help: too many arguments");
	if (argc < 2) {
		print_overview(stdout);
		return EXIT_OK;
	}
	cmd = command_find(argv[1]);
	if (!cmd)
		return usage_error("help: unknown command '%s'", argv[1]);
	fputs(cmd->usage, stdout);
	return EXIT_OK;
}

const struct command cmd_help = {
	.name = "help",
	.summary = "show the commands, or the options of one command",
	.usage = "Usage: l2tpsec help [COMMAND]\n\n"
		 "Without COMMAND, lists the commands; with it, shows that command's options.\n",
	.run = help_run,
};
