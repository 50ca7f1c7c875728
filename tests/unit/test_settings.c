/* The settings table (config/settings.c) against what is written about it
 * elsewhere: every key documented in l2tpsec.conf(5) under its section and
 * every documented key in the table, an enum's words the same in both; bash
 * completion offers each table option of `connect` with the table's words;
 * a command-line option parses like the key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/settings.h"

/* The whole of a source file, NUL-terminated. */
static char *read_source(const char *rel)
{
	const char *top = getenv("L2TPSEC_SRCDIR");
	char path[4096];
	char *text;
	long len;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", top ? top : ".", rel);
	f = fopen(path, "re");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len > 0);
	rewind(f);
	text = malloc((size_t)len + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	text[len] = '\0';
	fclose(f);
	return text;
}

/* One ".It Ic key ..." line's keys ("Ic a Li = .. , Ic b ..": a and b),
 * each with its section; the words after "Cm" of the first key. */
struct doc_key {
	char section[16], key[48];
	char words[160]; /* " a b c " or "" */
};

#define DOC_MAX 96

static size_t add_line_keys(const char *section, char *line, struct doc_key *out, size_t n)
{
	char *tok, *save = NULL;
	bool next_is_key = false, in_words = false;
	size_t first = n;

	for (tok = strtok_r(line, " ", &save); tok && n < DOC_MAX;
	     tok = strtok_r(NULL, " ", &save)) {
		if (next_is_key) {
			snprintf(out[n].section, sizeof(out[n].section), "%s", section);
			snprintf(out[n].key, sizeof(out[n].key), "%s", tok);
			strcpy(out[n].words, " ");
			n++;
			next_is_key = false;
		} else if (strcmp(tok, "Ic") == 0) {
			next_is_key = true;
			in_words = false;
		} else if (strcmp(tok, "Cm") == 0 && n == first + 1) {
			in_words = true;
		} else if (in_words && strcmp(tok, "|") != 0 && strcmp(tok, ",") != 0) {
			if (strcmp(tok, "Ar") == 0) {
				strcpy(out[first].words, " +free ");
				in_words = false;
				continue;
			}
			strncat(out[first].words, tok,
			        sizeof(out[first].words) - strlen(out[first].words) - 2);
			strcat(out[first].words, " ");
		} else if (strcmp(tok, ",") == 0) {
			in_words = false;
		}
	}
	return n;
}

/* The keys under ".Ss [section]" of SECTIONS AND KEYS. */
static size_t man_keys(struct doc_key *out)
{
	char *text = read_source("man/l2tpsec.conf.5"), *line, *save = NULL;
	char section[16] = "";
	size_t n = 0;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, ".Sh ", 4) == 0)
			section[0] = '\0';
		if (strncmp(line, ".Ss [", 5) == 0)
			sscanf(line + 5, "%15[a-z0-9]", section);
		else if (section[0] && strncmp(line, ".It Ic ", 7) == 0)
			n = add_line_keys(section, line + 4, out, n);
	}
	free(text);
	return n;
}

static const struct doc_key *doc_find(const struct doc_key *d, size_t n, const char *section,
                                      const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(d[i].section, section) == 0 && strcmp(d[i].key, key) == 0)
			return &d[i];
	return NULL;
}

/* " a b c " of a table entry's words. */
static void table_words(const struct setting *s, char *out, size_t len)
{
	snprintf(out, len, " ");
	for (size_t i = 0; i < s->n_choices; i++) {
		strncat(out, s->choices[i], len - strlen(out) - 2);
		strcat(out, " ");
	}
}

static void test_every_key_documented(void **state)
{
	struct doc_key *doc = calloc(DOC_MAX, sizeof(*doc));
	size_t n;
	char words[160];

	(void)state;
	assert_non_null(doc);
	n = man_keys(doc);
	assert_true(n > 40);
	for (size_t i = 0; i < profile_settings_count; i++) {
		const struct setting *s = &profile_settings[i];
		const struct doc_key *d = doc_find(doc, n, s->section, s->key);

		if (!d)
			fail_msg("[%s] %s is not in l2tpsec.conf(5)", s->section, s->key);
		table_words(s, words, sizeof(words));
		/* an enum written out as its words: the same words, in order */
		if (s->n_choices && strcmp(d->words, " ") != 0 &&
		    strcmp(d->words, " +free ") != 0 && strcmp(d->words, words) != 0)
			fail_msg("[%s] %s: the man page says '%s', the table '%s'", s->section,
			         s->key, d->words, words);
	}
	free(doc);
}

static void test_every_documented_key_exists(void **state)
{
	struct doc_key *doc = calloc(DOC_MAX, sizeof(*doc));
	size_t n;

	(void)state;
	assert_non_null(doc);
	n = man_keys(doc);
	for (size_t i = 0; i < n; i++) {
		/* ".It Ic log-level- Ns Ar subsystem": the per-subsystem family */
		if (strcmp(doc[i].key, "log-level-") == 0)
			continue;
		if (!setting_find(doc[i].section, doc[i].key))
			fail_msg("l2tpsec.conf(5) documents [%s] %s, which the table lacks",
			         doc[i].section, doc[i].key);
	}
	free(doc);
}

/* The completion's `connect` options hold every table option, and an
 * option with words completes to exactly the table's words. */
static void test_completion_follows_table(void **state)
{
	char *comp = read_source("scripts/completion/l2tpsec.in");
	char want[200], words[160];

	(void)state;
	for (size_t i = 0; i < profile_settings_count; i++) {
		const struct setting *s = &profile_settings[i];

		if (!s->option)
			continue;
		snprintf(want, sizeof(want), " --%s ", s->option);
		if (!strstr(comp, want))
			fail_msg("completion does not offer --%s", s->option);
		if (!s->n_choices)
			continue;
		table_words(s, words, sizeof(words));
		words[strlen(words) - 1] = '\0';
		snprintf(want, sizeof(want), "--%s) COMPREPLY=($(compgen -W \"%s\"", s->option,
		         words + 1);
		if (!strstr(comp, want))
			fail_msg("completion of --%s does not offer '%s'", s->option, words + 1);
	}
	free(comp);
}

/* The command line goes through the same parser as the file. */
static void test_option_parses_like_key(void **state)
{
	struct profile *p = calloc(1, sizeof(*p));
	char err[512];

	(void)state;
	assert_non_null(p);
	profile_init(p, NULL);
	assert_int_equal(setting_apply_option(p, "dh2048", "require", err, sizeof(err)), 0);
	assert_int_equal(p->dh2048, PROFILE_DH2048_REQUIRE);
	assert_int_equal(setting_apply_option(p, "datapath", "userspace", err, sizeof(err)), 0);
	assert_int_equal(p->datapath, PROFILE_DATAPATH_USERSPACE);
	assert_int_equal(setting_apply_option(p, "queue", "fifo", err, sizeof(err)), 0);
	assert_int_equal(p->queue, PROFILE_QUEUE_FIFO);
	assert_int_equal(setting_apply_option(p, "queue", "red", err, sizeof(err)), -1);
	assert_string_equal(err, "--queue 'red': expected one of: codel fifo");
	assert_int_equal(setting_apply_option(p, "dh2048", "sometimes", err, sizeof(err)), -1);
	assert_string_equal(err, "--dh2048 'sometimes': expected one of: off offer require");
	assert_int_equal(setting_apply_option(p, "ike", "foo-bar-baz", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown algorithm 'foo'"));
	assert_int_equal(setting_apply_option(p, "esp", "chacha20poly1305", err, sizeof(err)), -1);
	assert_int_equal(setting_apply_option(p, "gateway", "no such host!", err, sizeof(err)), -1);
	assert_int_equal(setting_apply_option(p, "auth-methods", "eap", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "EAP is not supported"));
	/* ike-fragmentation: auto by default, and the three words */
	assert_int_equal(p->ike_fragmentation, PROFILE_IKE_FRAG_AUTO);
	assert_int_equal(setting_apply_option(p, "ike-fragmentation", "force", err, sizeof(err)), 0);
	assert_int_equal(p->ike_fragmentation, PROFILE_IKE_FRAG_FORCE);
	assert_int_equal(setting_apply_option(p, "ike-fragmentation", "off", err, sizeof(err)), 0);
	assert_int_equal(p->ike_fragmentation, PROFILE_IKE_FRAG_OFF);
	assert_int_equal(setting_apply_option(p, "ike-fragmentation", "yes", err, sizeof(err)), -1);
	assert_string_equal(err, "--ike-fragmentation 'yes': expected one of: auto force off");
	/* a key with no option is not settable from the command line */
	assert_int_equal(setting_apply_option(p, "psk", "k", err, sizeof(err)), -1);
	profile_free(p);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_key_documented),
	    cmocka_unit_test(test_every_documented_key_exists),
	    cmocka_unit_test(test_completion_follows_table),
	    cmocka_unit_test(test_option_parses_like_key),
	};

	return cmocka_run_group_tests_name("settings", tests, NULL, NULL);
}
