/* libFuzzer target: the gateway's DHCPACK (lib/dhcp.h), as a BOOTP message
 * and inside an IPv4/UDP packet (first byte picks; the next four are the
 * transaction ID). No read out of bounds (ASan), no more routes than the
 * struct holds, prefixes within 32 bits, a NUL-terminated domain. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/dhcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dhcp_info info;
	const char *why = NULL;
	uint32_t xid;
	int rc;

	if (size < 5)
		return 0;
	xid = get_be32(data + 1);
	if (data[0] & 1)
		rc = dhcp_parse_ack_ip(data + 5, size - 5, xid, &info, &why);
	else
		rc = dhcp_parse_ack(data + 5, size - 5, xid, &info, &why);
	if (rc < 0 && !why)
		abort();
	if (rc == 0) {
		if (info.nroutes > DHCP_MAX_ROUTES ||
		    memchr(info.domain, 0, sizeof(info.domain)) == NULL)
			abort();
		for (size_t i = 0; i < info.nroutes; i++)
			if (info.routes[i].prefix > 32)
				abort();
	}
	return 0;
}
