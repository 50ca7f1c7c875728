/* The TUN device the userspace data path moves IP packets through. */
#ifndef L2TPSEC_SYS_TUN_H
#define L2TPSEC_SYS_TUN_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

/* Opens a TUN device (no packet-info header, non-blocking, close-on-exec).
 * name: in, the wanted name or "" for the kernel's choice (l2tpsec%d);
 * out, the name given. Returns the fd or -1 with errno set. */
int tun_open(char name[IFNAMSIZ]);
/* The same with virtio headers and TCP offloads (TSO4/6 + checksum: see
 * sys/tun_offload.h for the packet work that goes with them). A kernel
 * without them gives a plain device: *vnet says which it is. */
int tun_open_offload(char name[IFNAMSIZ], bool *vnet);

#endif
