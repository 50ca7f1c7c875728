/*
 * NetworkManager-l2tp keyfiles (/etc/NetworkManager/system-connections/
 * NAME.nmconnection) read as they are, mapped onto a struct profile.
 *
 * Every key of NetworkManager-l2tp's [vpn] section is either mapped or named
 * in a warning saying what l2tpsec does instead; a key that would change the
 * connection in a way l2tpsec cannot honour (IPsec disabled, EAP-TLS user
 * authentication) is an error. Secrets follow NetworkManager's NAME-flags:
 * 0 = in [vpn-secrets], 1 = agent-owned and 2 = not saved (the user must give
 * them: profile_validate() says how), 4 = not required.
 *
 * Keys l2tpsec does not need from [connection] (uuid, autoconnect, ...) and
 * sections other than [connection], [vpn], [vpn-secrets], [ipv4], [ipv6]
 * (such as [proxy]) are ignored silently: they do not change the tunnel.
 */
#ifndef L2TPSEC_CLIENT_NMCONN_H
#define L2TPSEC_CLIENT_NMCONN_H

#include <stddef.h>

#include "config/profile.h"

#define NM_L2TP_SERVICE "org.freedesktop.NetworkManager.l2tp"

/* p must come from profile_init(); its name is set from connection.id when
 * empty. 0, or -1 with "FILE:LINE: key 'x': reason" (or "FILE: reason" for
 * what is missing) in err. Warnings go to warn (may be NULL). */
int nmconn_parse(struct profile *p, const void *buf, size_t len, const char *filename,
                 const struct profile_parse_opts *opts, struct profile_warnings *warn, char *err,
                 size_t errlen);

#endif
