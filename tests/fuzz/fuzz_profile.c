/* libFuzzer target: l2tpsec's profile parser on arbitrary bytes. It must
 * never crash or leak, and whatever it accepts must survive the writer:
 * parse(write(p)) succeeds and writes the very same text again. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/ini.h"
#include "config/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *write_text(const struct profile *p, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	if (!f)
		abort();
	if (profile_write_ini(p, f) < 0) {
		fclose(f);
		free(text);
		return NULL; /* a value too long for one line: refused, not garbled */
	}
	fclose(f);
	return text;
}

/* The tokenizer alone, in the other dialect too. */
static void tokenize(const uint8_t *data, size_t size, enum ini_dialect d)
{
	static struct ini_reader r;
	char err[256];
	enum ini_item item;

	ini_init(&r, data, size, "fuzz", d);
	while ((item = ini_next(&r, err, sizeof(err))) > INI_END)
		if (item == INI_KEY && strlen(r.value) != r.value_len)
			abort();
	ini_finish(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct profile_parse_opts opts = {.secrets_allowed = true};
	static struct profile p, q;
	char err[1024];
	char *t1, *t2;
	size_t l1, l2;

	tokenize(data, size, INI_KEYFILE);
	profile_init(&p, "fuzz");
	if (profile_parse_ini(&p, data, size, "fuzz.conf", &opts, NULL, err, sizeof(err)) == 0) {
		profile_validate(&p, NULL, err, sizeof(err));
		t1 = write_text(&p, &l1);
		if (t1) {
			profile_init(&q, "fuzz");
			if (profile_parse_ini(&q, t1, l1, "w.conf", &opts, NULL, err, sizeof(err)))
				abort(); /* the writer wrote something the parser refuses */
			t2 = write_text(&q, &l2);
			if (!t2 || l1 != l2 || memcmp(t1, t2, l1) != 0)
				abort();
			free(t2);
			free(t1);
			profile_free(&q);
		}
	}
	profile_free(&p);
	return 0;
}
