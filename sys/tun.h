/* The TUN device the userspace data path moves IP packets through. */
#ifndef L2TPSEC_CLIENT_TUN_H
#define L2TPSEC_CLIENT_TUN_H

#include <net/if.h>
#include <stddef.h>

/* Opens a TUN device (no packet-info header, non-blocking, close-on-exec).
 * name: in, the wanted name or "" for the kernel's choice (l2tpsec%d);
 * out, the name given. Returns the fd or -1 with errno set. */
int tun_open(char name[IFNAMSIZ]);

#endif
