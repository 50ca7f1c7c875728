/* libFuzzer target: the ip-up report parser (values come from the peer
 * through pppd) and the log line parsers. They must never read out of
 * bounds or claim more bytes than they were given. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ppp/pppd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* pppd's log lines (the peer's words reach them: its LCP options in the
 * debug output, its TermReq text) through the line parsers, as pppd.c
 * reads them: one NUL-terminated line of at most 511 bytes at a time. */
static void log_lines(const uint8_t *data, size_t size)
{
	char line[512], name[24];
	struct ppp_failure f;
	enum ppp_auth auth;
	size_t len = 0;

	for (size_t i = 0; i <= size; i++) {
		if (i < size && data[i] != '\n' && len < sizeof(line) - 1) {
			line[len++] = (char)data[i];
			continue;
		}
		line[len] = '\0';
		len = 0;
		if (pppd_log_peer_auth(line, &auth, name, sizeof(name)) &&
		    (memchr(name, '\0', sizeof(name)) == NULL || auth > PPP_AUTH_MSCHAPV2))
			abort();
		if (pppd_log_auth_failed(line, &f) &&
		    memchr(f.message, '\0', sizeof(f.message)) == NULL)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pppd_report r;
	size_t off = 0;
	long n;

	while (off < size &&
	       (n = pppd_parse_report((const char *)data + off, size - off, &r)) > 0) {
		if ((size_t)n > size - off || r.event[sizeof(r.event) - 1] != '\0' ||
		    r.ifname[sizeof(r.ifname) - 1] != '\0')
			abort();
		off += (size_t)n;
	}
	log_lines(data, size);
	return 0;
}
