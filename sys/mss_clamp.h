/*
 * TCP MSS clamping for the userspace data path: the MSS option of a SYN or
 * SYN-ACK crossing the tunnel, in either direction, is lowered to what fits
 * the tunnel's MTU (RFC 6691 §2: MTU minus the fixed IP and TCP headers),
 * so that TCP through the tunnel, also for hosts this one forwards for,
 * never needs fragmentation. Pure packet work, no allocation.
 */
#ifndef L2TPSEC_SYS_MSS_CLAMP_H
#define L2TPSEC_SYS_MSS_CLAMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest MSS for a link of mtu bytes: the MTU minus the fixed IP
 * header (20, IPv6: 40, RFC 8200 §3) and TCP header (20), RFC 879 and
 * RFC 6691 §2; 0 when mtu leaves no room. */
unsigned mss_for_mtu(unsigned mtu, bool ipv6);

/* Where the MSS value of pkt (an IPv4 or IPv6 packet of len bytes) must be
 * lowered for a link of mtu bytes: its offset in pkt, or 0 when the packet
 * stays as it is (not a SYN, no MSS option, small enough, a fragment, IPv6
 * extension headers, malformed options). Reads only inside pkt. */
size_t mss_clamp_offset(const uint8_t *pkt, size_t len, unsigned mtu);

/* Lowers the MSS option of pkt for mtu and updates the TCP checksum
 * incrementally (RFC 1624 eqn. 3); true when it changed the packet. */
bool mss_clamp(uint8_t *pkt, size_t len, unsigned mtu);

#endif
