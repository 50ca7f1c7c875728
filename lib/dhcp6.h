/*
 * DHCPv6 over the PPP link (RFC 8415), for gateways that hand out IPv6 DNS
 * settings (and maybe addresses) by DHCPv6 instead of, or besides, router
 * advertisements: the RA's O flag asks for an Information-Request
 * (§18.2.6) for DNS servers (option 23, RFC 3646) and the domain search
 * list (option 24); its M flag for address assignment (IA_NA, §21.4).
 *
 * The builder writes the client's message; the parser takes the server's
 * answer, untrusted, as (buf, len), and fills a bounded struct or says why
 * it refused it.
 */
#ifndef L2TPSEC_LIB_DHCP6_H
#define L2TPSEC_LIB_DHCP6_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DHCP6_CLIENT_PORT 546
#define DHCP6_SERVER_PORT 547
#define DHCP6_MAX_DNS     4   /* more servers in one answer are ignored */
#define DHCP6_MAX_DOMAINS 6   /* likewise search domains */
#define DHCP6_MAX_DUID    130 /* RFC 8415 §11.1: at most 128 + type */
#define DHCP6_DUID_LEN    10  /* ours: DUID-LL (§11.4), 6-byte link address */

enum dhcp6_msg_type {
	DHCP6_SOLICIT = 1,
	DHCP6_ADVERTISE = 2,
	DHCP6_REQUEST = 3,
	DHCP6_REPLY = 7,
	DHCP6_INFORMATION_REQUEST = 11,
};

enum dhcp6_option {
	DHCP6_OPT_CLIENTID = 1,
	DHCP6_OPT_SERVERID = 2,
	DHCP6_OPT_IA_NA = 3,
	DHCP6_OPT_IAADDR = 5,
	DHCP6_OPT_ORO = 6,
	DHCP6_OPT_ELAPSED_TIME = 8,
	DHCP6_OPT_STATUS_CODE = 13,
	DHCP6_OPT_DNS_SERVERS = 23,
	DHCP6_OPT_DOMAIN_LIST = 24,
	DHCP6_OPT_INFORMATION_REFRESH_TIME = 32,
};

/* The server's answer. */
struct dhcp6_info {
	uint8_t msg_type;
	uint8_t server_id[DHCP6_MAX_DUID]; /* to name the server in a Request */
	size_t server_id_len;
	struct in6_addr dns[DHCP6_MAX_DNS];
	size_t n_dns;
	char domains[DHCP6_MAX_DOMAINS][256]; /* dotted, no trailing dot */
	size_t n_domains;
	/* IA_NA (stateful): the first address the server gives our IAID */
	bool has_addr;
	struct in6_addr addr;
	uint32_t preferred_s, valid_s;
};

/* The client's message: type (Information-Request, Solicit, Request) with
 * transaction ID xid (24 bits), our DUID, the elapsed time in hundredths of
 * a second, an Option Request for options 23 and 24; Solicit and Request
 * add an IA_NA with iaid, Request also the server's DUID from info. The
 * message's length, or 0 when cap is too small or the type is not one of
 * those. */
size_t dhcp6_build(uint8_t *out, size_t cap, enum dhcp6_msg_type type, uint32_t xid,
                   const uint8_t duid[DHCP6_DUID_LEN], uint16_t elapsed_cs, uint32_t iaid,
                   const struct dhcp6_info *advertised);

/* A Reply or an Advertise for transaction xid sent with our DUID: it must
 * name a server and us (when it names a client at all); a Status Code
 * other than Success refuses it (§21.13), as does one inside the IA_NA for
 * its address; malformed options, DNS names (RFC 1035 §3.1, no compression)
 * and lengths are refused. 0, or -1 with the reason in *why (a static
 * string). */
int dhcp6_parse(const uint8_t *buf, size_t len, uint32_t xid, const uint8_t duid[DHCP6_DUID_LEN],
                uint32_t iaid, struct dhcp6_info *info, const char **why);

/* The DUID-LL (§11.4) of a 6-byte link-layer address. */
void dhcp6_duid_ll(uint8_t duid[DHCP6_DUID_LEN], const uint8_t hwaddr[6]);

#endif
