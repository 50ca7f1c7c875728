/* See nm-l2tpsec-config.h. */
#include <arpa/inet.h>
#include <string.h>

#include "nm/nm-l2tpsec-config.h"

gboolean nm_l2tpsec_service_type_ok(const char *service_type)
{
	return g_strcmp0(service_type, NM_L2TPSEC_DBUS_SERVICE) == 0 ||
	       g_strcmp0(service_type, NM_L2TPSEC_NM_L2TP_SERVICE) == 0;
}

void nm_l2tpsec_name_for(const char *uuid, char *out, size_t outlen)
{
	size_t n = 0;
	GString *name = g_string_new("nm-");

	for (; uuid && *uuid && n < 8; uuid++) {
		if (g_ascii_isxdigit(*uuid)) {
			g_string_append_c(name, g_ascii_tolower(*uuid));
			n++;
		}
	}
	if (n == 0)
		g_string_append(name, "vpn");
	g_strlcpy(out, name->str, outlen);
	g_string_free(name, TRUE);
}

static gboolean secret_needed(NMSettingVpn *s_vpn, const char *key)
{
	NMSettingSecretFlags flags = NM_SETTING_SECRET_FLAG_NONE;
	const char *v = nm_setting_vpn_get_secret(s_vpn, key);

	if (v && *v)
		return FALSE;
	nm_setting_get_secret_flags(NM_SETTING(s_vpn), key, &flags, NULL);
	return !(flags & NM_SETTING_SECRET_FLAG_NOT_REQUIRED);
}

/* NetworkManager-l2tp's keys: the PPP password always; the IPsec PSK when
 * the machine authenticates with one (machine-auth-type psk, the default). */
const char *nm_l2tpsec_missing_secret(NMSettingVpn *s_vpn)
{
	const char *machine = nm_setting_vpn_get_data_item(s_vpn, "machine-auth-type");
	const char *user = nm_setting_vpn_get_data_item(s_vpn, "user-auth-type");

	if (g_strcmp0(user, "tls") != 0 && secret_needed(s_vpn, "password"))
		return "password";
	if ((!machine || strcmp(machine, "psk") == 0) && secret_needed(s_vpn, "ipsec-psk"))
		return "ipsec-psk";
	return NULL;
}

static void put_data_item(const char *key, const char *value, gpointer kf)
{
	if (strcmp(key, "service-type") != 0)
		g_key_file_set_string(kf, "vpn", key, value);
}

static void put_secret(const char *key, const char *value, gpointer kf)
{
	g_key_file_set_string(kf, "vpn-secrets", key, value);
}

/* What config/nmconn.c reads from [ipv4]: DNS choices and the default route. */
static void put_ipv4(GKeyFile *kf, NMConnection *connection)
{
	NMSettingIPConfig *ip4 = nm_connection_get_setting_ip4_config(connection);
	GString *dns;

	if (!ip4)
		return;
	g_key_file_set_boolean(kf, "ipv4", "never-default",
	                       nm_setting_ip_config_get_never_default(ip4));
	g_key_file_set_boolean(kf, "ipv4", "ignore-auto-dns",
	                       nm_setting_ip_config_get_ignore_auto_dns(ip4));
	dns = g_string_new(NULL);
	for (guint i = 0; i < nm_setting_ip_config_get_num_dns(ip4); i++)
		g_string_append_printf(dns, "%s;", nm_setting_ip_config_get_dns(ip4, i));
	if (dns->len)
		g_key_file_set_string(kf, "ipv4", "dns", dns->str);
	g_string_free(dns, TRUE);
}

/* Our own service type takes NetworkManager-l2tp's keys unchanged, so it
 * is written as NetworkManager-l2tp's: l2tpsec's mapping applies to both. */
char *nm_l2tpsec_keyfile(NMConnection *connection, gsize *len)
{
	NMSettingVpn *s_vpn = nm_connection_get_setting_vpn(connection);
	GKeyFile *kf = g_key_file_new();
	char *text;

	g_key_file_set_string(kf, "connection", "id", nm_connection_get_id(connection));
	g_key_file_set_string(kf, "connection", "type", "vpn");
	g_key_file_set_string(kf, "vpn", "service-type", NM_L2TPSEC_NM_L2TP_SERVICE);
	if (s_vpn) {
		nm_setting_vpn_foreach_data_item(s_vpn, put_data_item, kf);
		nm_setting_vpn_foreach_secret(s_vpn, put_secret, kf);
	}
	put_ipv4(kf, connection);
	text = g_key_file_to_data(kf, len, NULL);
	g_key_file_free(kf);
	return text;
}

GHashTable *nm_l2tpsec_parse_report(const char *text)
{
	GHashTable *env = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	gchar **lines = g_strsplit(text ? text : "", "\n", -1);

	for (guint i = 0; lines[i]; i++) {
		char *eq = strchr(lines[i], '=');

		if (eq && eq != lines[i])
			g_hash_table_insert(env, g_strndup(lines[i], (gsize)(eq - lines[i])),
			                    g_strdup(eq + 1));
	}
	g_strfreev(lines);
	return env;
}

static gboolean parse_ip4(const char *s, guint32 *out)
{
	struct in_addr a;

	if (!s || inet_pton(AF_INET, s, &a) != 1)
		return FALSE;
	*out = a.s_addr; /* NetworkManager wants network byte order */
	return TRUE;
}

/* CISCO_SPLIT_INC_i_ADDR / _MASKLEN: l2tpsec's routes through the tunnel. */
static GVariant *split_routes(GHashTable *env)
{
	GVariantBuilder routes;
	const char *n = g_hash_table_lookup(env, "CISCO_SPLIT_INC");
	guint64 count = n ? g_ascii_strtoull(n, NULL, 10) : 0;

	g_variant_builder_init(&routes, G_VARIANT_TYPE("aau"));
	for (guint64 i = 0; i < count && i < 64; i++) {
		char ka[48], kl[48];
		const char *len;
		guint32 route[4] = {0, 0, 0, 0}; /* dest, prefix, next hop (none: ptp), metric */

		g_snprintf(ka, sizeof(ka), "CISCO_SPLIT_INC_%" G_GUINT64_FORMAT "_ADDR", i);
		g_snprintf(kl, sizeof(kl), "CISCO_SPLIT_INC_%" G_GUINT64_FORMAT "_MASKLEN", i);
		len = g_hash_table_lookup(env, kl);
		if (!parse_ip4(g_hash_table_lookup(env, ka), &route[0]) || !len)
			continue;
		route[1] = (guint32)g_ascii_strtoull(len, NULL, 10);
		if (route[1] > 32)
			continue;
		g_variant_builder_add_value(
		    &routes,
		    g_variant_new_fixed_array(G_VARIANT_TYPE_UINT32, route, 4, sizeof(guint32)));
	}
	return g_variant_builder_end(&routes);
}

static GVariant *dns_servers(GHashTable *env)
{
	GVariantBuilder dns;
	const char *list = g_hash_table_lookup(env, "INTERNAL_IP4_DNS");
	gchar **items = g_strsplit(list ? list : "", " ", -1);

	g_variant_builder_init(&dns, G_VARIANT_TYPE("au"));
	for (guint i = 0; items[i]; i++) {
		guint32 a;

		if (parse_ip4(items[i], &a))
			g_variant_builder_add(&dns, "u", a);
	}
	g_strfreev(items);
	return g_variant_builder_end(&dns);
}

#define ADD(b, key, value) g_variant_builder_add(b, "{sv}", key, value)

gboolean nm_l2tpsec_ip4_config(GHashTable *env, GVariant **config, GVariant **ip4)
{
	const char *tundev = g_hash_table_lookup(env, "TUNDEV");
	const char *mtu = g_hash_table_lookup(env, "INTERNAL_IP4_MTU");
	const char *domain = g_hash_table_lookup(env, "CISCO_DEF_DOMAIN");
	guint32 gateway, address, peer;
	GVariantBuilder c, i;

	if (!tundev || !*tundev || !parse_ip4(g_hash_table_lookup(env, "VPNGATEWAY"), &gateway) ||
	    !parse_ip4(g_hash_table_lookup(env, "INTERNAL_IP4_ADDRESS"), &address))
		return FALSE;
	g_variant_builder_init(&c, G_VARIANT_TYPE_VARDICT);
	ADD(&c, NM_VPN_PLUGIN_CONFIG_TUNDEV, g_variant_new_string(tundev));
	ADD(&c, NM_VPN_PLUGIN_CONFIG_EXT_GATEWAY, g_variant_new_uint32(gateway));
	ADD(&c, NM_VPN_PLUGIN_CONFIG_HAS_IP4, g_variant_new_boolean(TRUE));
	ADD(&c, NM_VPN_PLUGIN_CONFIG_HAS_IP6, g_variant_new_boolean(FALSE));
	if (mtu && g_ascii_strtoull(mtu, NULL, 10) > 0)
		ADD(&c, NM_VPN_PLUGIN_CONFIG_MTU,
		    g_variant_new_uint32((guint32)g_ascii_strtoull(mtu, NULL, 10)));
	*config = g_variant_builder_end(&c);

	g_variant_builder_init(&i, G_VARIANT_TYPE_VARDICT);
	ADD(&i, NM_VPN_PLUGIN_IP4_CONFIG_ADDRESS, g_variant_new_uint32(address));
	ADD(&i, NM_VPN_PLUGIN_IP4_CONFIG_PREFIX, g_variant_new_uint32(32));
	if (parse_ip4(g_hash_table_lookup(env, "INTERNAL_IP4_PEER"), &peer))
		ADD(&i, NM_VPN_PLUGIN_IP4_CONFIG_PTP, g_variant_new_uint32(peer));
	ADD(&i, NM_VPN_PLUGIN_IP4_CONFIG_DNS, dns_servers(env));
	if (domain && *domain)
		ADD(&i, NM_VPN_PLUGIN_IP4_CONFIG_DOMAIN, g_variant_new_string(domain));
	ADD(&i, NM_VPN_PLUGIN_IP4_CONFIG_ROUTES, split_routes(env));
	*ip4 = g_variant_builder_end(&i);
	return TRUE;
}
