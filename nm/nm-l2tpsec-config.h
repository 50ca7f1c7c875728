/*
 * The parts of nm-l2tpsec-service that do not need D-Bus: which connections
 * are ours, the keyfile handed to `l2tpsec connect --nm`, and the IPv4
 * configuration built from what l2tpsec's hook reported. Unit-tested in
 * tests/unit/test_nm_service.c.
 */
#ifndef L2TPSEC_NM_CONFIG_H
#define L2TPSEC_NM_CONFIG_H

#include <NetworkManager.h>

/* Ours, and NetworkManager-l2tp's (its connections run unchanged; the
 * .name file lists it as an alias). */
#define NM_L2TPSEC_DBUS_SERVICE    "org.freedesktop.NetworkManager.l2tpsec"
#define NM_L2TPSEC_NM_L2TP_SERVICE "org.freedesktop.NetworkManager.l2tp"

/* Files in the connection's private directory NM_L2TPSEC_RUN_DIR/NAME; the
 * helper (nm-l2tpsec-service-helper) writes CONFIG_FILE and pokes FIFO. */
#define NM_L2TPSEC_KEYFILE     "connection.nmconnection"
#define NM_L2TPSEC_CONFIG_FILE "config"
#define NM_L2TPSEC_FIFO        "events"

/* "nm-" and the first 8 hexadecimal digits of the UUID: an l2tpsec
 * connection name (letters, digits, '-') the helper can check. */
#define NM_L2TPSEC_NAME_MAX 16

gboolean nm_l2tpsec_service_type_ok(const char *service_type);
void nm_l2tpsec_name_for(const char *uuid, char *out, size_t outlen);
/* The first secret l2tpsec needs that the connection lacks (NULL: none),
 * following the NAME-flags (a not-required secret is never missing). */
const char *nm_l2tpsec_missing_secret(NMSettingVpn *s_vpn);
/* The connection as a NetworkManager-l2tp keyfile, secrets included:
 * [connection], [vpn] (service-type NetworkManager-l2tp's), [vpn-secrets],
 * [ipv4] never-default, ignore-auto-dns, dns. Wipe it after use. */
char *nm_l2tpsec_keyfile(NMConnection *connection, gsize *len);
/* KEY=VALUE lines into a table (string -> string). */
GHashTable *nm_l2tpsec_parse_report(const char *text);
/* NetworkManager's generic and IPv4 configuration (floating GVariants);
 * FALSE when TUNDEV, VPNGATEWAY or INTERNAL_IP4_ADDRESS is missing. */
gboolean nm_l2tpsec_ip4_config(GHashTable *env, GVariant **config, GVariant **ip4);

#endif
