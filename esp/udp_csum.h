/*
 * Internet checksum helpers for the inner UDP header of transport-mode ESP
 * (RFC 768, RFC 1071) and its incremental update (RFC 1624) when NAT changed
 * the addresses the sender used (RFC 3948 §3.1.2).
 */
#ifndef L2TPSEC_ESP_UDP_CSUM_H
#define L2TPSEC_ESP_UDP_CSUM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "lib/csum.h"


/* Sum of the IPv4/IPv6 pseudo-header for UDP (protocol 17) between the
 * addresses of src and dst (ports ignored). udp_len in host order.
 * Returns 0 and sets *sum, or -1 when the families differ or are unknown. */
int csum_pseudo(const struct sockaddr_storage *src, const struct sockaddr_storage *dst,
                size_t udp_len, uint32_t *sum);

/* UDP checksum over pseudo-header + the UDP header and payload at udp
 * (checksum field included as it is). A result of 0 over a packet whose
 * checksum field is filled in means "correct". */
uint16_t udp_csum_compute(const struct sockaddr_storage *src, const struct sockaddr_storage *dst,
                          const uint8_t *udp, size_t udp_len);

#endif
