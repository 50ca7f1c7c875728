/*
 * l2tpsec's own profile format (l2tpsec.conf(5)): a parser that refuses
 * anything it does not know; each key's value goes through the settings
 * table (config/settings.c).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/ini.h"
#include "config/profile.h"
#include "config/settings.h"
#include "lib/hex.h"
#include "lib/util.h"

/* The INI reader's state around the table's parsers. */
struct ini_ctx {
	struct setting_ctx set;
	struct ini_reader *r;
	unsigned *key_lines; /* line of each table key, 0 = not seen */
};

static int lookup(const char *const *names, size_t n, const char *v)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], v) == 0)
			return (int)i;
	return -1;
}

#define N_KEYS profile_settings_count
/* log-level-SUBSYS keys are tracked after the table ones */
#define N_LINES (N_KEYS + LOG_SUBSYS_COUNT)

/* The line a key of the current section was set on (conflicting secrets). */
static unsigned line_of(const struct setting_ctx *set, const char *key)
{
	const struct ini_ctx *c = set->owner;

	for (size_t i = 0; i < N_KEYS; i++)
		if (strcmp(profile_settings[i].key, key) == 0 &&
		    strcmp(profile_settings[i].section, c->r->section) == 0)
			return c->key_lines[i];
	return 0;
}

/* "log-level-ike = debug": the level of one subsystem. Returns the slot in
 * key_lines, or -1 when the key is not one of these. */
static int subsys_level_key(const char *key)
{
	static const char prefix[] = "log-level-";
	int sub;

	if (strncmp(key, prefix, sizeof(prefix) - 1) != 0)
		return -1;
	sub = log_subsys_parse(key + sizeof(prefix) - 1);
	return sub < 0 ? -1 : (int)N_KEYS + sub;
}

static const char *set_subsys_level(struct ini_ctx *c, int sub, const char *v)
{
	int lvl = log_level_parse(v);

	if (lvl < 0)
		return "expected err, warning, notice, info or debug";
	c->set.p->log_level[sub] = (enum log_level)lvl;
	c->set.p->log_level_set[sub] = true;
	return NULL;
}

static int handle_key(struct ini_ctx *c, char *err, size_t errlen)
{
	struct ini_reader *r = c->r;
	const char *why;
	int slot = -1;

	for (size_t i = 0; i < N_KEYS && slot < 0; i++)
		if (strcmp(profile_settings[i].section, r->section) == 0 &&
		    strcmp(profile_settings[i].key, r->key) == 0)
			slot = (int)i;
	if (slot < 0 && strcmp(r->section, "client") == 0)
		slot = subsys_level_key(r->key);
	if (slot < 0) {
		ini_key_errorf(r, err, errlen, "unknown key in [%s]", r->section);
		return -1;
	}
	if (c->key_lines[slot]) {
		ini_key_errorf(r, err, errlen, "duplicate key (first set on line %u)",
		               c->key_lines[slot]);
		return -1;
	}
	if (r->value_len == 0) {
		ini_key_errorf(r, err, errlen, "empty value");
		return -1;
	}
	c->set.line = r->line;
	c->set.key = r->key;
	if ((size_t)slot < N_KEYS)
		why = profile_settings[slot].parse(&c->set, r->value);
	else
		why = set_subsys_level(c, slot - (int)N_KEYS, r->value);
	if (why) {
		ini_key_errorf(r, err, errlen, "%s", why);
		return -1;
	}
	c->key_lines[slot] = r->line;
	return 0;
}

static int handle_section(struct ini_ctx *c, unsigned *section_lines, char *err, size_t errlen)
{
	int i = lookup(profile_sections, profile_sections_count, c->r->section);

	if (i < 0) {
		ini_errorf(c->r, err, errlen, "unknown section [%s]", c->r->section);
		return -1;
	}
	if (section_lines[i]) {
		ini_errorf(c->r, err, errlen, "duplicate section [%s] (first on line %u)",
		           c->r->section, section_lines[i]);
		return -1;
	}
	section_lines[i] = c->r->line;
	return 0;
}

/* An ID with an explicit type must look like that type. */
static int check_id(struct ini_ctx *c, const struct profile_id *id, const char *key, char *err,
                    size_t errlen)
{
	struct in_addr a;
	const char *why = NULL;

	if (id->value[0] == '\0' && id->type != PROFILE_ID_AUTO)
		why = "has a type but no value";
	else if (id->type == PROFILE_ID_IPV4 && inet_pton(AF_INET, id->value, &a) != 1)
		why = "is not an IPv4 address";
	else if (id->type == PROFILE_ID_USER_FQDN && !strchr(id->value, '@'))
		why = "is not user@domain";
	else if (id->type == PROFILE_ID_DN && !strchr(id->value, '='))
		why = "is not a distinguished name (C=..,O=..,CN=..)";
	if (!why)
		return 0;
	snprintf(err, errlen, "%s: [ipsec]: key '%s' %s (%s-type = %s)", c->r->filename, key, why,
	         key, profile_id_type_name(id->type));
	return -1;
}

static void name_from_path(struct profile *p, const char *filename)
{
	const char *base = strrchr(filename, '/');
	char tmp[PROFILE_NAME_MAX];
	size_t len;

	base = base ? base + 1 : filename;
	len = strlen(base);
	if (len > 5 && strcmp(base + len - 5, ".conf") == 0)
		len -= 5;
	if (len >= sizeof(tmp))
		len = sizeof(tmp) - 1;
	memcpy(tmp, base, len);
	tmp[len] = '\0';
	profile_name_from(p->name, tmp);
}

int profile_parse_ini(struct profile *p, const void *buf, size_t len, const char *filename,
                      const struct profile_parse_opts *opts, struct profile_warnings *warn,
                      char *err, size_t errlen)
{
	static const struct profile_parse_opts no_secrets = {
	    .secrets_refused_why = "parsed without a file to check",
	};
	unsigned *key_lines = calloc(N_LINES, sizeof(unsigned));
	unsigned *section_lines = calloc(profile_sections_count, sizeof(unsigned));
	struct ini_reader *r = malloc(sizeof(*r));
	struct ini_ctx c = {.r = r, .key_lines = key_lines};
	enum ini_item item;
	int rc = -1;

	if (!opts)
		opts = &no_secrets;
	if (!r || !key_lines || !section_lines) {
		snprintf(err, errlen, "out of memory");
		free(r);
		free(key_lines);
		free(section_lines);
		return -1;
	}
	ini_init(r, buf, len, filename, INI_L2TPSEC);
	setting_ctx_init(&c.set, p, warn, r->filename, 0, "");
	c.set.secrets_allowed = opts->secrets_allowed;
	c.set.secrets_refused_why = opts->secrets_refused_why;
	c.set.line_of = line_of;
	c.set.owner = &c;
	snprintf(p->source, sizeof(p->source), "%s", r->filename);
	if (p->name[0] == '\0')
		name_from_path(p, r->filename);
	while ((item = ini_next(r, err, errlen)) > INI_END) {
		if (item == INI_SECTION && handle_section(&c, section_lines, err, errlen) < 0)
			goto out;
		if (item == INI_KEY && handle_key(&c, err, errlen) < 0)
			goto out;
	}
	if (item == INI_ERROR)
		goto out;
	for (int i = 0; i < LOG_SUBSYS_COUNT && c.set.log_level_all >= 0; i++) {
		if (!p->log_level_set[i])
			p->log_level[i] = (enum log_level)c.set.log_level_all;
		p->log_level_set[i] = true;
	}
	if (check_id(&c, &p->local_id, "local-id", err, errlen) < 0 ||
	    check_id(&c, &p->remote_id, "remote-id", err, errlen) < 0)
		goto out;
	rc = 0;
out:
	secure_clear(c.set.why, sizeof(c.set.why));
	ini_finish(r);
	free(r);
	free(key_lines);
	free(section_lines);
	return rc;
}
