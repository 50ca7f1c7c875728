/* libFuzzer target for sys/rdnss: netlink datagrams as the kernel's ND user
 * option group would deliver them (the options come from the gateway's
 * router advertisements). Nothing may crash or read outside the input (an
 * exact-size heap copy, for ASan), and an accepted RDNSS option holds at most
 * RDNSS_MAX servers. */
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sys/rdnss.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	struct rdnss r;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (rdnss_parse(copy, size, &r) == 1 && r.n > RDNSS_MAX)
		abort();
	(void)rdnss_parse_global_addr(copy, size, 1);
	{
		bool managed, other;

		(void)rdnss_parse_ra_flags(copy, size, 1, &managed, &other);
	}
	free(copy);
	return 0;
}
