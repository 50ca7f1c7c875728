/* The Internet checksum (RFC 1071), shared by the inner UDP header of
 * userspace ESP and the TCP segmentation and coalescing of the TUN device. */
#ifndef L2TPSEC_LIB_CSUM_H
#define L2TPSEC_LIB_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* One's-complement sum of len bytes (big-endian 16-bit words), added to sum.
 * Not folded: add partial sums and fold at the end. */
uint32_t csum_partial(const void *data, size_t len, uint32_t sum);
uint16_t csum_fold(uint32_t sum);

#endif
