/* Per-socket XFRM bypass policies for IKE/NAT-T sockets (see the .c). */
#ifndef L2TPSEC_LIB_SOCK_BYPASS_H
#define L2TPSEC_LIB_SOCK_BYPASS_H

/* Both directions allowed on the bound socket fd (AF_INET or AF_INET6).
 * 0, or -1 with errno (EPERM without CAP_NET_ADMIN). */
int sock_bypass_ipsec(int fd);

#endif
