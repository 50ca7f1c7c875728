/* nm/: what nm-l2tpsec-service hands l2tpsec (a keyfile that config/nmconn.c
 * maps, secrets included) and what it hands NetworkManager (the IPv4
 * configuration built from the hook's report). */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config/nmconn.h"
#include "nm/nm-l2tpsec-config.h"

static NMConnection *make_connection(const char *service_type)
{
	NMConnection *c = nm_simple_connection_new();
	NMSetting *s_con = nm_setting_connection_new();
	NMSetting *s_vpn = nm_setting_vpn_new();
	NMSetting *s_ip4 = nm_setting_ip4_config_new();

	g_object_set(s_con, NM_SETTING_CONNECTION_ID, "Office", NM_SETTING_CONNECTION_UUID,
	             "5b8a0f1e-27c4-4d0b-9a51-0123456789ab", NM_SETTING_CONNECTION_TYPE,
	             NM_SETTING_VPN_SETTING_NAME, NULL);
	g_object_set(s_vpn, NM_SETTING_VPN_SERVICE_TYPE, service_type, NULL);
	nm_setting_vpn_add_data_item(NM_SETTING_VPN(s_vpn), "gateway", "172.16.0.2");
	nm_setting_vpn_add_data_item(NM_SETTING_VPN(s_vpn), "user", "alice");
	nm_setting_vpn_add_data_item(NM_SETTING_VPN(s_vpn), "ipsec-enabled", "yes");
	nm_setting_vpn_add_data_item(NM_SETTING_VPN(s_vpn), "password-flags", "0");
	g_object_set(s_ip4, NM_SETTING_IP_CONFIG_METHOD, NM_SETTING_IP4_CONFIG_METHOD_AUTO,
	             NM_SETTING_IP_CONFIG_NEVER_DEFAULT, TRUE, NULL);
	nm_connection_add_setting(c, s_con);
	nm_connection_add_setting(c, s_vpn);
	nm_connection_add_setting(c, s_ip4);
	return c;
}

/* Secrets with the characters a keyfile escapes (leading space, backslash,
 * '=', ';', '#') reach l2tpsec byte for byte, through nmconn_parse(). */
static void keyfile_maps_through_nmconn(const char *service_type)
{
	static const struct profile_parse_opts secrets_ok = {.secrets_allowed = true};
	static const char password[] = " pa\\ss=w;o#rd";
	static const char psk[] = "psk with\ttab";
	NMConnection *c = make_connection(service_type);
	NMSettingVpn *s_vpn = nm_connection_get_setting_vpn(c);
	struct profile *p = malloc(sizeof(*p));
	char err[512] = "";
	gsize len = 0;
	char *text;

	nm_setting_vpn_add_secret(s_vpn, "password", password);
	nm_setting_vpn_add_secret(s_vpn, "ipsec-psk", psk);
	text = nm_l2tpsec_keyfile(c, &len);
	assert_non_null(text);
	assert_non_null(p);
	profile_init(p, NULL);
	if (nmconn_parse(p, text, len, "connection.nmconnection", &secrets_ok, NULL, err,
	                 sizeof(err)) != 0)
		fail_msg("nmconn_parse: %s\n%s", err, text);
	assert_string_equal(p->name, "Office");
	assert_string_equal(p->gateway, "172.16.0.2");
	assert_string_equal(p->user, "alice");
	assert_int_equal(p->password.value.len, strlen(password));
	assert_memory_equal(p->password.value.data, password, strlen(password));
	assert_int_equal(p->psk.value.len, strlen(psk));
	assert_memory_equal(p->psk.value.data, psk, strlen(psk));
	assert_false(p->default_route); /* [ipv4] never-default=true */
	assert_int_equal(profile_validate(p, NULL, err, sizeof(err)), 0);
	profile_free(p);
	free(p);
	g_free(text);
	g_object_unref(c);
}

static void test_keyfile_nm_l2tp(void **state)
{
	(void)state;
	keyfile_maps_through_nmconn(NM_L2TPSEC_NM_L2TP_SERVICE);
}

static void test_keyfile_own_service_type(void **state)
{
	(void)state;
	keyfile_maps_through_nmconn(NM_L2TPSEC_DBUS_SERVICE);
}

static void test_service_types(void **state)
{
	(void)state;
	assert_true(nm_l2tpsec_service_type_ok("org.freedesktop.NetworkManager.l2tp"));
	assert_true(nm_l2tpsec_service_type_ok("org.freedesktop.NetworkManager.l2tpsec"));
	assert_false(nm_l2tpsec_service_type_ok("org.freedesktop.NetworkManager.openvpn"));
	assert_false(nm_l2tpsec_service_type_ok(NULL));
}

static void test_name_for(void **state)
{
	char name[NM_L2TPSEC_NAME_MAX];

	(void)state;
	nm_l2tpsec_name_for("5B8A0F1E-27c4-4d0b-9a51-0123456789ab", name, sizeof(name));
	assert_string_equal(name, "nm-5b8a0f1e");
	nm_l2tpsec_name_for("../../x;rm", name, sizeof(name)); /* only hex digits taken */
	assert_string_equal(name, "nm-vpn");
	nm_l2tpsec_name_for(NULL, name, sizeof(name));
	assert_string_equal(name, "nm-vpn");
}

static void test_missing_secrets(void **state)
{
	NMConnection *c = make_connection(NM_L2TPSEC_NM_L2TP_SERVICE);
	NMSettingVpn *s_vpn = nm_connection_get_setting_vpn(c);

	(void)state;
	assert_string_equal(nm_l2tpsec_missing_secret(s_vpn), "password");
	nm_setting_vpn_add_secret(s_vpn, "password", "p");
	assert_string_equal(nm_l2tpsec_missing_secret(s_vpn), "ipsec-psk");
	/* certificates: no PSK to ask for */
	nm_setting_vpn_add_data_item(s_vpn, "machine-auth-type", "tls");
	assert_null(nm_l2tpsec_missing_secret(s_vpn));
	nm_setting_vpn_add_data_item(s_vpn, "machine-auth-type", "psk");
	nm_setting_vpn_add_secret(s_vpn, "ipsec-psk", "k");
	assert_null(nm_l2tpsec_missing_secret(s_vpn));
	/* a password marked not required is never missing */
	nm_setting_vpn_remove_secret(s_vpn, "password");
	nm_setting_set_secret_flags(NM_SETTING(s_vpn), "password",
	                            NM_SETTING_SECRET_FLAG_NOT_REQUIRED, NULL);
	assert_null(nm_l2tpsec_missing_secret(s_vpn));
	g_object_unref(c);
}

static guint32 ip(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static void test_ip4_config_from_report(void **state)
{
	static const char report[] =
	    "reason=connect\nTUNDEV=ppp0\nVPNGATEWAY=172.16.0.2\nINTERNAL_IP4_ADDRESS=192.168.42."
	    "10\n"
	    "INTERNAL_IP4_NETMASK=255.255.255.255\nINTERNAL_IP4_PEER=192.168.42.1\n"
	    "INTERNAL_IP4_MTU=1400\nINTERNAL_IP4_DNS=10.9.9.9 "
	    "10.9.9.8\nCISCO_DEF_DOMAIN=corp.test\n"
	    "CISCO_SPLIT_INC=2\nCISCO_SPLIT_INC_0_ADDR=10.20.0.0\nCISCO_SPLIT_INC_0_MASKLEN=16\n"
	    "CISCO_SPLIT_INC_1_ADDR=bogus\nCISCO_SPLIT_INC_1_MASKLEN=8\n";
	GHashTable *env = nm_l2tpsec_parse_report(report);
	GVariant *cfg = NULL, *ip4 = NULL, *routes, *dns, *route;
	const char *tundev = NULL, *domain = NULL;
	guint32 u = 0;
	gsize n = 0;
	const guint32 *r;

	(void)state;
	assert_true(nm_l2tpsec_ip4_config(env, &cfg, &ip4));
	g_variant_ref_sink(cfg);
	g_variant_ref_sink(ip4);
	assert_true(g_variant_lookup(cfg, NM_VPN_PLUGIN_CONFIG_TUNDEV, "&s", &tundev));
	assert_string_equal(tundev, "ppp0");
	assert_true(g_variant_lookup(cfg, NM_VPN_PLUGIN_CONFIG_EXT_GATEWAY, "u", &u));
	assert_int_equal(u, ip("172.16.0.2"));
	assert_true(g_variant_lookup(cfg, NM_VPN_PLUGIN_CONFIG_MTU, "u", &u));
	assert_int_equal(u, 1400);
	assert_true(g_variant_lookup(ip4, NM_VPN_PLUGIN_IP4_CONFIG_ADDRESS, "u", &u));
	assert_int_equal(u, ip("192.168.42.10"));
	assert_true(g_variant_lookup(ip4, NM_VPN_PLUGIN_IP4_CONFIG_PREFIX, "u", &u));
	assert_int_equal(u, 32);
	assert_true(g_variant_lookup(ip4, NM_VPN_PLUGIN_IP4_CONFIG_PTP, "u", &u));
	assert_int_equal(u, ip("192.168.42.1"));
	assert_true(g_variant_lookup(ip4, NM_VPN_PLUGIN_IP4_CONFIG_DOMAIN, "&s", &domain));
	assert_string_equal(domain, "corp.test");
	dns = g_variant_lookup_value(ip4, NM_VPN_PLUGIN_IP4_CONFIG_DNS, G_VARIANT_TYPE("au"));
	r = g_variant_get_fixed_array(dns, &n, sizeof(guint32));
	assert_int_equal(n, 2);
	assert_int_equal(r[0], ip("10.9.9.9"));
	assert_int_equal(r[1], ip("10.9.9.8"));
	routes =
	    g_variant_lookup_value(ip4, NM_VPN_PLUGIN_IP4_CONFIG_ROUTES, G_VARIANT_TYPE("aau"));
	assert_int_equal(g_variant_n_children(routes), 1); /* the bogus one is left out */
	route = g_variant_get_child_value(routes, 0);
	r = g_variant_get_fixed_array(route, &n, sizeof(guint32));
	assert_int_equal(n, 4);
	assert_int_equal(r[0], ip("10.20.0.0"));
	assert_int_equal(r[1], 16);
	g_variant_unref(route);
	g_variant_unref(routes);
	g_variant_unref(dns);
	g_variant_unref(cfg);
	g_variant_unref(ip4);
	g_hash_table_unref(env);
}

/* A report without an address or device is refused, not passed on. */
static void test_ip4_config_incomplete(void **state)
{
	static const char *const reports[] = {
	    "reason=connect\nVPNGATEWAY=172.16.0.2\nINTERNAL_IP4_ADDRESS=192.168.42.10\n",
	    "reason=connect\nTUNDEV=ppp0\nVPNGATEWAY=172.16.0.2\n",
	    "reason=connect\nTUNDEV=ppp0\nVPNGATEWAY=x\nINTERNAL_IP4_ADDRESS=192.168.42.10\n",
	    "",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(reports) / sizeof(reports[0]); i++) {
		GHashTable *env = nm_l2tpsec_parse_report(reports[i]);
		GVariant *cfg = NULL, *ip4 = NULL;

		assert_false(nm_l2tpsec_ip4_config(env, &cfg, &ip4));
		g_hash_table_unref(env);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_keyfile_nm_l2tp),
	    cmocka_unit_test(test_keyfile_own_service_type),
	    cmocka_unit_test(test_service_types),
	    cmocka_unit_test(test_name_for),
	    cmocka_unit_test(test_missing_secrets),
	    cmocka_unit_test(test_ip4_config_from_report),
	    cmocka_unit_test(test_ip4_config_incomplete),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
