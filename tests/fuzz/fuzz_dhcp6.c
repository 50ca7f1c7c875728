/* libFuzzer target: the server's DHCPv6 Reply or Advertise (lib/dhcp6.h).
 * The first three bytes are the transaction ID, then the message. No read
 * out of bounds (ASan), no more servers or domains than the struct holds,
 * NUL-terminated plausible domains, a sane server DUID length, and a reason
 * for every refusal. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dhcp6.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t hw[6] = {2, 0, 0x5e, 1, 2, 3};
	static struct dhcp6_info info;
	uint8_t duid[DHCP6_DUID_LEN];
	const char *why = NULL;
	uint32_t xid;
	int rc;

	if (size < 3)
		return 0;
	dhcp6_duid_ll(duid, hw);
	xid = (uint32_t)data[0] << 16 | (uint32_t)data[1] << 8 | data[2];
	rc = dhcp6_parse(data + 3, size - 3, xid, duid, 0x11223344u, &info, &why);
	if (rc < 0 && !why)
		abort();
	if (rc == 0) {
		if (info.n_dns > DHCP6_MAX_DNS || info.n_domains > DHCP6_MAX_DOMAINS ||
		    info.server_id_len < 2 || info.server_id_len > DHCP6_MAX_DUID)
			abort();
		for (size_t i = 0; i < info.n_domains; i++) {
			size_t len = strnlen(info.domains[i], sizeof(info.domains[i]));

			if (len == 0 || len > 253 || strpbrk(info.domains[i], " \n/;"))
				abort();
		}
		if (info.has_addr && info.preferred_s > info.valid_s)
			abort();
	}
	return 0;
}
