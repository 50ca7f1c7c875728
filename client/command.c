#include "client/command.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct command *const commands[] = {
	&cmd_connect,
	&cmd_disconnect,
	&cmd_status,
	&cmd_log,
	&cmd_check,
	&cmd_import,
	&cmd_help,
	&cmd_version,
	NULL,
};

const struct command *const *command_list(void)
{
	return commands;
}

const struct command *command_find(const char *name)
{
	for (size_t i = 0; commands[i]; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs(PACKAGE ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see '" PACKAGE " --help')\n", stderr);
	return EXIT_USAGE;
}
