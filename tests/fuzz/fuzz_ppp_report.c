/* libFuzzer target: the ip-up report parser (values come from the peer
 * through pppd). It must never read out of bounds or claim more bytes than
 * it was given. */
#include <stdint.h>
#include <stdlib.h>

#include "ppp/pppd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	return 0;
}
