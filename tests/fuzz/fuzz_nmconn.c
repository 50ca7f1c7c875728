/* libFuzzer target: NetworkManager-l2tp keyfiles on arbitrary bytes. It must
 * never crash or leak, and what it accepts must import: the profile written
 * in l2tpsec's format parses back and writes the same text. (A keyfile that
 * parses but does not validate is not written, as by `import`.) */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/nmconn.h"
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
		return NULL;
	}
	fclose(f);
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct profile_parse_opts opts = {.secrets_allowed = true};
	static struct profile p, q;
	static struct profile_warnings w;
	char err[1024];
	char *t1, *t2;
	size_t l1, l2;

	profile_warnings_init(&w);
	profile_init(&p, NULL);
	/* as `import` does: only a keyfile that parses and validates is written
	 * (one refusing every PPP method, say, is refused: no method left) */
	if (nmconn_parse(&p, data, size, "fuzz.nmconnection", &opts, &w, err, sizeof(err)) == 0 &&
	    profile_validate(&p, &w, err, sizeof(err)) == 0) {
		t1 = write_text(&p, &l1);
		if (t1) {
			profile_init(&q, p.name);
			if (profile_parse_ini(&q, t1, l1, "w.conf", &opts, NULL, err,
			                      sizeof(err))) {
				fprintf(stderr, "reparse: %s\n%s\n", err, t1);
				abort();
			}
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
