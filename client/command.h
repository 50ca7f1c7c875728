/* The subcommand table: one file per subcommand (client/cmd_*.c). */
#ifndef L2TPSEC_CLIENT_COMMAND_H
#define L2TPSEC_CLIENT_COMMAND_H

#include "client/exit_status.h"

struct command {
	const char *name;
	const char *summary; /* one line for `l2tpsec --help` */
	const char *usage; /* full text for `l2tpsec help NAME` */
	int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
};

const struct command *command_find(const char *name);
const struct command *const *command_list(void);

/* Prints "l2tpsec: MESSAGE" and a pointer to --help on stderr; returns EXIT_USAGE. */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

extern const struct command cmd_connect;
extern const struct command cmd_disconnect;
extern const struct command cmd_status;
extern const struct command cmd_log;
extern const struct command cmd_check;
extern const struct command cmd_import;
extern const struct command cmd_help;
extern const struct command cmd_version;

#endif
