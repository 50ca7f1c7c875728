/*
 * NAT traversal helpers (RFC 3947 and draft-ietf-ipsec-nat-t-ike-02/03):
 * vendor IDs, NAT-D hashes, payload and encapsulation numbers per variant.
 */
#ifndef L2TPSEC_IKE_NATT_H
#define L2TPSEC_IKE_NATT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <openssl/types.h>

#include "ike/ike.h"
#include "ike/isakmp.h"

#define NATT_PORT      4500
#define NATT_KEEPALIVE 0xff

/* Vendor IDs we send in MM1: every NAT-T variant we speak plus DPD. */
void ike_natt_write_vids(struct isakmp_builder *b);
/* IKE_NATT_NONE when vid names no NAT-T variant we support. */
enum ike_natt_variant ike_natt_variant_from_vid(const uint8_t *vid, size_t len);
bool ike_natt_vid_is_dpd(const uint8_t *vid, size_t len);
/* Name of a vendor ID we know (for the log), or NULL. */
const char *ike_natt_vid_name(const uint8_t *vid, size_t len);

uint8_t ike_natt_natd_type(enum ike_natt_variant v);
uint8_t ike_natt_natoa_type(enum ike_natt_variant v);
uint16_t ike_natt_encap_transport(enum ike_natt_variant v);
/* Whether the encapsulation value is one of the UDP transport modes. */
bool ike_natt_encap_is_udp_transport(uint64_t encap);

/* RFC 3947 §3.2: HASH = hash(CKY-I | CKY-R | IP | Port), with the phase 1
 * hash. Returns the hash length or 0. */
size_t ike_natt_hash(OSSL_LIB_CTX *lib, uint16_t hash, const uint8_t *icookie,
                     const uint8_t *rcookie, const struct sockaddr *sa, uint8_t *out);

#endif
