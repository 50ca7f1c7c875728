/*
 * The one table of profile settings (l2tpsec.conf(5)): each key with its
 * section, its typed parser and validator, the `connect` option that sets
 * the same value, and the words it takes. Everything that reads a setting
 * goes through it: the INI parser (config/profile_ini.c), the NetworkManager
 * mapping (config/nmconn.c) for values written the same way, the command
 * line (client/cmd_connect.c), `check` and `import` (which parse a profile),
 * and the tests that hold the man page and bash completion to it.
 *
 * The model is wireguard-tools' config.c, whose parse_port()/parse_key()
 * serve both the configuration file and the command line.
 */
#ifndef L2TPSEC_CONFIG_SETTINGS_H
#define L2TPSEC_CONFIG_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/profile.h"

/* Where one value is being set, and the parser's reason when it is refused. */
struct setting_ctx {
	struct profile *p;
	struct profile_warnings *warn; /* may be NULL */
	const char *file;              /* for warnings: the file, or "command line" */
	unsigned line;                 /* 0: no line (the command line) */
	const char *key;               /* the key or option as written */
	bool secrets_allowed;
	const char *secrets_refused_why;
	/* The line a key of the same section was set on, 0 = not set; NULL:
	 * nothing set before (the command line). Used for conflicts. */
	unsigned (*line_of)(const struct setting_ctx *c, const char *key);
	void *owner;       /* the caller's, for line_of */
	int log_level_all; /* from log-level; -1 = not given */
	char why[512];
};

/* Sets one value from its text: NULL, or why it is refused. */
typedef const char *(*setting_parser)(struct setting_ctx *c, const char *v);

struct setting {
	const char *section, *key;
	setting_parser parse;
	/* `l2tpsec connect --OPTION VALUE` sets the same value; NULL: none */
	const char *option;
	/* the words the value is made of (an enum, or the items of a list);
	 * NULL: free form */
	const char *const *choices;
	size_t n_choices;
};

/* The table, in l2tpsec.conf(5)'s order. log-level-SUBSYS keys (one per
 * log subsystem) are not in it: profile_ini.c handles that family. */
extern const struct setting profile_settings[];
extern const size_t profile_settings_count;
/* The sections, in the man page's order. */
extern const char *const profile_sections[];
extern const size_t profile_sections_count;

const struct setting *setting_find(const char *section, const char *key);
const struct setting *setting_for_option(const char *option);

/* A context for values that come from the command line or a mapping. */
void setting_ctx_init(struct setting_ctx *c, struct profile *p, struct profile_warnings *warn,
                      const char *file, unsigned line, const char *key);

/* Sets section/key to v through the table: NULL, or why not (in c->why or
 * a constant string). */
const char *setting_apply(struct setting_ctx *c, const char *section, const char *key,
                          const char *v);

/* The typed parsers other mappings share: NULL, or why not (in why, or
 * a constant string). A duration is "90", "90s", "15m", "8h" or "1d". */
const char *setting_duration(char *why, size_t whylen, const char *v, uint32_t min, uint32_t max,
                             bool zero_ok, uint32_t *out);
const char *setting_uint(char *why, size_t whylen, const char *v, unsigned min, unsigned max,
                         unsigned *out);

/* `connect --OPTION VALUE`: 0, or -1 with "--OPTION: reason" in err. */
int setting_apply_option(struct profile *p, const char *option, const char *v, char *err,
                         size_t errlen);

#endif
