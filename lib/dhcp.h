/*
 * DHCPINFORM over the PPP link (RFC 2131 §3.4, as the Windows client does
 * after IPCP with an RRAS gateway): the address is already configured, the
 * gateway's DHCP server (or relay) answers with a DHCPACK carrying the
 * settings a VPN client wants: classless static routes (option 121, RFC
 * 3442; option 249 is Microsoft's older code for the same format) and the DNS
 * domain (option 15).
 *
 * The builder writes the BOOTP message, or a whole IPv4/UDP packet for the
 * userspace PPP; the parser takes the gateway's answer, untrusted, as
 * (buf, len) and fills a bounded struct or says why it refused it.
 */
#ifndef L2TPSEC_LIB_DHCP_H
#define L2TPSEC_LIB_DHCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68
#define DHCP_MAX_ROUTES  32                   /* more in one answer are refused */
#define DHCP_FIXED_LEN   236                  /* BOOTP header up to the options */
#define DHCP_MIN_MSG     (DHCP_FIXED_LEN + 4) /* + magic cookie */

enum dhcp_msg_type {
	DHCP_ACK = 5,
	DHCP_NAK = 6,
	DHCP_INFORM = 8,
};

enum dhcp_option {
	DHCP_OPT_PAD = 0,
	DHCP_OPT_SUBNET_MASK = 1,
	DHCP_OPT_ROUTER = 3,
	DHCP_OPT_DNS = 6,
	DHCP_OPT_DOMAIN = 15,
	DHCP_OPT_MSG_TYPE = 53,
	DHCP_OPT_SERVER_ID = 54,
	DHCP_OPT_PARAM_LIST = 55,
	DHCP_OPT_VENDOR_CLASS = 60,
	DHCP_OPT_CLIENT_ID = 61,
	DHCP_OPT_CLASSLESS_ROUTES = 121,
	DHCP_OPT_MS_CLASSLESS_ROUTES = 249,
	DHCP_OPT_END = 255,
};

/* One classless route: dest/prefix via gateway (all host byte order; a
 * gateway of 0.0.0.0 means "on the link", i.e. through the PPP peer). */
struct dhcp_route {
	uint32_t dest;
	uint8_t prefix;
	uint32_t gateway;
};

struct dhcp_info {
	uint8_t msg_type;
	uint32_t server_id; /* 0 when absent */
	struct dhcp_route routes[DHCP_MAX_ROUTES];
	size_t nroutes;
	uint8_t routes_option; /* 121, 249, or 0 when the answer had none */
	char domain[256];      /* "" when absent */
};

/* DHCPINFORM from ciaddr (host byte order) with transaction ID xid, asking
 * for routes and the domain; hwaddr is 6 bytes identifying us (random is
 * fine over PPP). The BOOTP message's length, or 0 when cap is too small. */
size_t dhcp_build_inform(uint8_t *out, size_t cap, uint32_t xid, uint32_t ciaddr,
                         const uint8_t hwaddr[6]);
/* The same inside an IPv4/UDP packet ciaddr:68 -> 255.255.255.255:67 with
 * both checksums, for a PPP that carries IP packets itself. */
size_t dhcp_build_inform_ip(uint8_t *out, size_t cap, uint32_t xid, uint32_t ciaddr,
                            const uint8_t hwaddr[6]);

/* The gateway's answer to our INFORM (a BOOTREPLY with our xid and a
 * DHCPACK). Options may repeat and are then joined (RFC 3396); option 121
 * wins over 249 (RFC 3442 §3); a domain must be a plausible DNS name. 0, or
 * -1 with the reason in *why (a static string). */
int dhcp_parse_ack(const uint8_t *buf, size_t len, uint32_t xid, struct dhcp_info *info,
                   const char **why);
/* The same from an IPv4 packet: UDP to port 68 with the BOOTP message. */
int dhcp_parse_ack_ip(const uint8_t *pkt, size_t len, uint32_t xid, struct dhcp_info *info,
                      const char **why);

#endif
