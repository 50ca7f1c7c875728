/* Unit tests for config/nmconn: NetworkManager-l2tp keyfiles mapped onto a
 * profile (the reference example, secret flags, 0s PSKs, routes, DNS,
 * warnings for what l2tpsec has no equivalent of, exact errors). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/socket.h>

#include "config/nmconn.h"
#include "lib/util.h"
#include "tests/unit/test_profile_util.c" /* shared static helpers */

static const struct profile_parse_opts secrets_ok = {.secrets_allowed = true};

static int parse_nm(const char *rel, struct profile *p, struct profile_warnings *w, char *err,
                    size_t errlen)
{
	return corpus_parse_with(nmconn_parse, rel, p, w, err, errlen);
}

static void test_reference_example(void **state)
{
	struct profile *p = malloc(sizeof(*p));
	struct profile_warnings w;
	char err[512] = "", addr[64];

	(void)state;
	profile_warnings_init(&w);
	if (parse_nm("nm/office.nmconnection", p, &w, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(w.count, 0);
	assert_string_equal(p->name, "Office");
	assert_string_equal(p->gateway, "vpn.example.com");
	assert_string_equal(p->user, "alice");
	assert_int_equal(p->password.src, PROFILE_SECRET_INLINE);
	assert_string_equal((char *)p->password.value.data, "hunter2");
	assert_int_equal(p->auth, PROFILE_AUTH_PSK);
	assert_int_equal(p->psk.src, PROFILE_SECRET_INLINE);
	assert_int_equal(p->psk.value.len, 10);
	assert_memory_equal(p->psk.value.data, "secret psk", 10); /* 0s base64 decoded */
	assert_string_equal(p->ike_proposals, "aes256-sha2_256-modp2048,3des-sha1-modp1024");
	assert_string_equal(p->esp_proposals, "aes256-sha1,3des-sha1");
	/* refuse-pap=yes; CHAP-MD5 only when refuse-chap=no (issue #14) */
	assert_int_equal(p->auth_methods, PROFILE_PPP_MSCHAPV2);
	assert_false(p->default_route); /* never-default=true */
	assert_int_equal(p->n_search, 1);
	assert_string_equal(p->dns_search[0], "corp.example.com");
	assert_int_equal(p->dns, PROFILE_DNS_AUTO);
	assert_int_equal(p->n_dns, 0);
	assert_int_equal(p->n_routes, 1);
	profile_format_addr(&p->routes[0].dst, addr, sizeof(addr));
	assert_string_equal(addr, "10.20.0.0");
	assert_int_equal(p->routes[0].prefix_len, 16);
	/* defaults l2tpsec keeps where NM says nothing */
	assert_int_equal(p->l2tp_port, PROFILE_L2TP_PORT_AUTO);
	assert_int_equal(p->dh2048, PROFILE_DH2048_OFFER);
	assert_int_equal(p->assume_udp_encaps, 2);
	profile_free(p);
	free(p);
}

static void test_agent_owned_secrets_and_mapping(void **state)
{
	struct profile *p = malloc(sizeof(*p));
	struct profile_warnings w;
	char err[512] = "", addr[64];

	(void)state;
	profile_warnings_init(&w);
	assert_int_equal(parse_nm("nm/agent-owned.nmconnection", p, &w, err, sizeof(err)), -1);
	/* flags=2 on the PSK comes first: auth needs it before the password */
	assert_string_equal(
	    err, "nm/agent-owned.nmconnection: secret ipsec-psk is not stored in the "
	         "file (flags=2); connect asks for it, or give it with --psk-file or --psk-stdin");
	assert_int_equal(p->psk.src, PROFILE_SECRET_ASK);
	assert_int_equal(p->password.src, PROFILE_SECRET_ASK);
	assert_int_equal(p->password.nm_flags, 1);
	/* connect (and connect --nm) asks for secrets NetworkManager would ask for */
	assert_true(profile_secret_missing(&p->psk));
	assert_true(profile_secret_missing(&p->password));
	/* giving both on the command line satisfies validation */
	assert_int_equal(profile_secret_set_file(&p->psk, "/run/psk"), 0);
	assert_int_equal(profile_validate(p, NULL, err, sizeof(err)), -1);
	assert_string_equal(err,
	                    "nm/agent-owned.nmconnection: secret password is not stored in the "
	                    "file (flags=1); connect asks for it, or give it with --password-file "
	                    "or --password-stdin");
	assert_int_equal(profile_secret_set_file(&p->password, "/run/pw"), 0);
	assert_int_equal(profile_validate(p, NULL, err, sizeof(err)), 0);

	assert_string_equal(p->name, "Road-Warrior-home");
	assert_string_equal(p->user, "CORP\\bob");
	assert_string_equal(p->remote_id.value, "@gw.example.org");
	assert_int_equal(profile_id_effective_type(&p->remote_id), PROFILE_ID_FQDN);
	assert_string_equal(p->local_id.value, "roadwarriors");
	assert_int_equal(p->l2tp_port, PROFILE_L2TP_PORT_EPHEMERAL);
	assert_int_equal(p->mtu, 1300);
	assert_int_equal(p->lcp_echo_interval_s, 20);
	assert_int_equal(p->lcp_echo_failure, 3);
	assert_int_equal(p->retries, 8);
	assert_int_equal(p->ike_lifetime_s, 10800);
	assert_int_equal(p->ipsec_lifetime_s, 3600);
	assert_true(p->force_encaps);
	assert_int_equal(p->pfs, PROFILE_PFS_OFF);
	/* no refuse-* keys: our default, not pppd's "everything" (issue #14) */
	assert_int_equal(p->auth_methods, PROFILE_PPP_MSCHAPV2);
	assert_true(p->default_route);
	/* ignore-auto-dns=true with servers: only those */
	assert_int_equal(p->dns, PROFILE_DNS_SERVERS);
	assert_false(p->dns_add_to_peer);
	assert_int_equal(p->n_dns, 2);
	profile_format_addr(&p->dns_servers[1], addr, sizeof(addr));
	assert_string_equal(addr, "10.1.0.54");
	/* routes1 with gateway and metric (which the tunnel device cannot
	 * honour: a warning says so), route2 bare, route3 a host */
	assert_int_equal(p->n_routes, 3);
	profile_format_addr(&p->routes[0].dst, addr, sizeof(addr));
	assert_string_equal(addr, "10.0.0.0");
	assert_int_equal(p->routes[1].prefix_len, 12);
	assert_int_equal(p->routes[2].prefix_len, 32);
	/* [ipv6] method=disabled: no IPV6CP; addr-gen-mode has no meaning here */
	assert_int_equal(p->ipv6, PROFILE_IPV6_OFF);
	assert_int_equal(w.count, 2);
	assert_non_null(strstr(w.text[0], "gateway and metric are ignored"));
	assert_non_null(strstr(w.text[1], "key 'addr-gen-mode': no l2tpsec equivalent in [ipv6]"));
	profile_free(p);
	free(p);
}

static bool has_warning(const struct profile_warnings *w, const char *text)
{
	for (size_t i = 0; i < w->count; i++)
		if (strstr(w->text[i], text))
			return true;
	return false;
}

static void test_unmapped_keys_warn(void **state)
{
	static const char *const expected[] = {
	    ":13: key 'refuse-eap': l2tpsec never uses this",
	    ":14: key 'refuse-mschap': l2tpsec never uses this",
	    ":15: key 'require-mppe': MPPE is not supported",
	    ":16: key 'require-mppe-128': MPPE is not supported",
	    ":17: key 'mppe-stateful': MPPE is not supported",
	    ":18: key 'nobsdcomp': l2tpsec never uses this",
	    ":19: key 'mrru': not supported by l2tpsec; ignored",
	    ":20: key 'unit': not supported by l2tpsec; ignored",
	    ":21: key 'ipsec-ikev2': not supported by l2tpsec (IKEv1 only",
	    ":22: key 'ipsec-ipcomp': not supported by l2tpsec",
	    ":23: key 'frobnicate': not a NetworkManager-l2tp option l2tpsec knows",
	    ":24: key 'ipcp-peer-ip': not supported by l2tpsec; ignored",
	    ":30: key 'method': the address always comes from the gateway (IPCP); 'manual' "
	    "ignored",
	    ":31: key 'address1': no l2tpsec equivalent in [ipv4]; ignored",
	    ":35: key 'method': the IPv6 address always comes from the gateway; 'shared' taken "
	    "as auto",
	    ":36: key 'addr-gen-mode': no l2tpsec equivalent in [ipv6]; ignored",
	};
	struct profile *p = malloc(sizeof(*p));
	struct profile_warnings w;
	char err[512] = "";

	(void)state;
	profile_warnings_init(&w);
	if (parse_nm("nm/unmapped.nmconnection", p, &w, err, sizeof(err)))
		fail_msg("%s", err);
	for (size_t i = 0; i < ARRAY_SIZE(expected); i++)
		if (!has_warning(&w, expected[i]))
			fail_msg("missing warning: %s", expected[i]);
	assert_int_equal(w.count, ARRAY_SIZE(expected));
	/* ipsec-gateway-id (the old name) maps onto the remote ID */
	assert_string_equal(p->remote_id.value, "legacy.example.net");
	/* password-flags=4: not required */
	assert_int_equal(p->password.src, PROFILE_SECRET_NOT_REQUIRED);
	/* GLib escapes in the secret: \s and \\ */
	assert_string_equal((char *)p->psk.value.data, "plain psk with spaces\\");
	assert_int_equal(p->mppe, PROFILE_MPPE_REQUIRE | PROFILE_MPPE_128 | PROFILE_MPPE_STATEFUL);
	assert_true(p->default_route);
	profile_free(p);
	free(p);
}

static void test_corpus_bad_exact_errors(void **state)
{
	(void)state;
	assert_true(corpus_check_bad("nm-bad", parse_nm) >= 15);
}

static void test_secrets_need_private_file(void **state)
{
	struct profile_parse_opts opts = {.secrets_allowed = false};
	struct profile *p = malloc(sizeof(*p));
	size_t len = 0;
	char *buf = corpus_read("nm/office.nmconnection", &len);
	char err[1024];

	(void)state;
	assert_non_null(buf);
	snprintf(opts.secrets_refused_why, sizeof(opts.secrets_refused_why), "mode 0644");
	profile_init(p, NULL);
	assert_int_equal(nmconn_parse(p, buf, len, "o.nmconnection", &opts, NULL, err, sizeof(err)),
	                 -1);
	assert_string_equal(err,
	                    "o.nmconnection:20: key 'password': a secret may only be read from "
	                    "a private file: mode 0644");
	profile_free(p);
	free(buf);
	free(p);
}

/* Small inline cases: the flags combinations and the DNS modes. */
static int parse_text(const char *extra_vpn, const char *secrets, const char *ipv4,
                      struct profile *p, char *err, size_t errlen)
{
	char text[2048];

	snprintf(text, sizeof(text),
	         "[connection]\nid=t\ntype=vpn\n[vpn]\nservice-type=" NM_L2TP_SERVICE
	         "\ngateway=g.example\nuser=u\nipsec-enabled=yes\n%s[vpn-secrets]\n%s[ipv4]\n%s",
	         extra_vpn, secrets, ipv4);
	profile_init(p, NULL);
	if (nmconn_parse(p, text, strlen(text), "t.nmconnection", &secrets_ok, NULL, err, errlen))
		return -1;
	return profile_validate(p, NULL, err, errlen);
}

/* NetworkManager's refuse-* keys map onto auth-methods: the weak methods
 * only when a keyfile says refuse-pap=no / refuse-chap=no (issue #14). */
static void test_refuse_keys_map_to_auth_methods(void **state)
{
	struct profile *p = malloc(sizeof(*p));
	char err[512];
	static const char secrets[] = "password=p\nipsec-psk=k\n";

	(void)state;
	assert_int_equal(parse_text("", secrets, "", p, err, sizeof(err)), 0);
	assert_int_equal(p->auth_methods, PROFILE_PPP_MSCHAPV2);
	profile_free(p);
	assert_int_equal(
	    parse_text("refuse-pap=no\nrefuse-chap=no\n", secrets, "", p, err, sizeof(err)), 0);
	assert_int_equal(p->auth_methods,
	                 PROFILE_PPP_PAP | PROFILE_PPP_CHAP | PROFILE_PPP_MSCHAPV2);
	profile_free(p);
	assert_int_equal(
	    parse_text("refuse-pap=no\nrefuse-mschapv2=yes\n", secrets, "", p, err, sizeof(err)),
	    0);
	assert_int_equal(p->auth_methods, PROFILE_PPP_PAP);
	profile_free(p);
	/* every method refused: refused (import writes nothing; found by
	 * fuzz_nmconn, whose round trip once wrote such a profile) */
	assert_int_equal(parse_text("refuse-mschapv2=yes\n", secrets, "", p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no authentication method left"));
	profile_free(p);
	free(p);
}

static void test_flags_and_dns_modes(void **state)
{
	struct profile *p = malloc(sizeof(*p));
	char err[512];

	(void)state;
	/* flags 0 and the secret there */
	assert_int_equal(
	    parse_text("password-flags=0\n", "password=p\nipsec-psk=k\n", "", p, err, sizeof(err)),
	    0);
	assert_int_equal(p->password.src, PROFILE_SECRET_INLINE);
	profile_free(p);
	/* flags 4 (not required) with no secret at all: fine */
	assert_int_equal(
	    parse_text("password-flags=4\nipsec-psk-flags=4\n", "", "", p, err, sizeof(err)), 0);
	assert_int_equal(p->psk.src, PROFILE_SECRET_NOT_REQUIRED);
	profile_free(p);
	/* flags 3 (agent-owned and not saved): ask */
	assert_int_equal(parse_text("password-flags=3\n", "ipsec-psk=k\n", "", p, err, sizeof(err)),
	                 -1);
	assert_string_equal(
	    err,
	    "t.nmconnection: secret password is not stored in the file "
	    "(flags=3); connect asks for it, or give it with --password-file or --password-stdin");
	profile_free(p);
	/* machine-auth-type=tls: the PSK is not needed, the certificates are */
	assert_int_equal(parse_text("machine-auth-type=tls\nmachine-ca=/c/ca.pem\nmachine-cert=/c/"
	                            "me.pem\nmachine-key=/c/me.key\n",
	                            "password=p\n", "", p, err, sizeof(err)),
	                 0);
	assert_int_equal(p->auth, PROFILE_AUTH_CERT);
	assert_string_equal(p->key, "/c/me.key");
	profile_free(p);
	/* DNS: ignore-auto-dns without servers = none; servers alone = added */
	assert_int_equal(parse_text("", "password=p\nipsec-psk=k\n", "ignore-auto-dns=true\n", p,
	                            err, sizeof(err)),
	                 0);
	assert_int_equal(p->dns, PROFILE_DNS_NO);
	profile_free(p);
	assert_int_equal(parse_text("", "password=p\nipsec-psk=k\n",
	                            "dns=192.0.2.1;\nignore-auto-routes=true\n", p, err,
	                            sizeof(err)),
	                 0);
	assert_int_equal(p->dns, PROFILE_DNS_AUTO);
	assert_true(p->dns_add_to_peer);
	assert_int_equal(p->n_dns, 1);
	profile_free(p);
	/* a 0s PSK that does not decode is an error at its line */
	assert_int_equal(parse_text("", "password=p\nipsec-psk=0sAB\n", "", p, err, sizeof(err)),
	                 -1);
	assert_string_equal(err, "t.nmconnection:11: key 'ipsec-psk': pre-shared key starts with "
	                         "'0s' but is not valid base64");
	profile_free(p);
	free(p);
}

/* What `import` relies on: an NM profile written in l2tpsec's format reads
 * back as the same profile. */
static void test_import_round_trip(void **state)
{
	struct profile *p = malloc(sizeof(*p)), *q = malloc(sizeof(*q));
	char err[512], *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(parse_nm("nm/office.nmconnection", p, NULL, err, sizeof(err)), 0);
	f = open_memstream(&text, &len);
	assert_non_null(f);
	assert_int_equal(profile_write_ini(p, f), 0);
	fclose(f);
	profile_init(q, NULL);
	if (profile_parse_ini(q, text, len, "Office.conf", &secrets_ok, NULL, err, sizeof(err)) ||
	    profile_validate(q, NULL, err, sizeof(err)))
		fail_msg("%s\n%s", err, text);
	assert_string_equal(q->gateway, p->gateway);
	assert_int_equal(q->psk.value.len, p->psk.value.len);
	assert_memory_equal(q->psk.value.data, p->psk.value.data, p->psk.value.len);
	assert_string_equal((char *)q->password.value.data, "hunter2");
	assert_int_equal(q->auth_methods, p->auth_methods);
	assert_int_equal(q->default_route, p->default_route);
	assert_int_equal(q->n_routes, 1);
	assert_string_equal(q->ike_proposals, p->ike_proposals);
	assert_string_equal(q->dns_search[0], "corp.example.com");
	free(text);
	profile_free(p);
	profile_free(q);
	free(p);
	free(q);
}

/* [ipv6] (issue 17): method decides whether IPv6 is used, routes and DNS
 * keep their family, ignore-auto-routes is kept, the rest warns; what is
 * mapped survives `import` (written and read back). */
static void test_ipv6_section_mapped(void **state)
{
	static const char text[] =
	    "[connection]\nid=t\ntype=vpn\n[vpn]\nservice-type=" NM_L2TP_SERVICE
	    "\ngateway=g.example\nuser=u\nipsec-enabled=yes\n[vpn-secrets]\npassword=p\nipsec-psk=k\n"
	    "[ipv4]\nmethod=auto\ndns=192.0.2.1;\n"
	    "[ipv6]\nmethod=auto\ndns=2001:db8::53;\nroute1=2001:db8:1::/48\n"
	    "ignore-auto-routes=true\nip6-privacy=2\n";
	struct profile *p = malloc(sizeof(*p)), *q = malloc(sizeof(*q));
	struct profile_warnings w;
	char err[512] = "", addr[64], *out = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	profile_warnings_init(&w);
	profile_init(p, NULL);
	if (nmconn_parse(p, text, strlen(text), "t.nmconnection", &secrets_ok, &w, err,
	                 sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(p->ipv6, PROFILE_IPV6_AUTO);
	assert_true(p->ipv6_ignore_auto_routes);
	assert_int_equal(p->n_dns, 2);
	assert_int_equal(p->dns_servers[1].family, AF_INET6);
	profile_format_addr(&p->dns_servers[1], addr, sizeof(addr));
	assert_string_equal(addr, "2001:db8::53");
	assert_int_equal(p->n_routes, 1);
	assert_int_equal(p->routes[0].dst.family, AF_INET6);
	assert_int_equal(p->routes[0].prefix_len, 48);
	assert_int_equal(w.count, 1);
	assert_true(has_warning(&w, ":20: key 'ip6-privacy': no l2tpsec equivalent in [ipv6]"));

	f = open_memstream(&out, &len);
	assert_non_null(f);
	assert_int_equal(profile_write_ini(p, f), 0);
	fclose(f);
	profile_init(q, NULL);
	if (profile_parse_ini(q, out, len, "t.conf", &secrets_ok, NULL, err, sizeof(err)))
		fail_msg("%s\n%s", err, out);
	assert_true(q->ipv6_ignore_auto_routes);
	assert_int_equal(q->n_routes, 1);
	assert_int_equal(q->routes[0].dst.family, AF_INET6);
	assert_int_equal(q->n_dns, 2);
	free(out);
	profile_free(q);
	profile_free(p);

	/* method=ignore and disabled: no IPV6CP at all */
	assert_int_equal(parse_text("", "password=p\nipsec-psk=k\n", "[ipv6]\nmethod=ignore\n", p,
	                            err, sizeof(err)),
	                 0);
	assert_int_equal(p->ipv6, PROFILE_IPV6_OFF);
	profile_free(p);
	free(p);
	free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reference_example),
	    cmocka_unit_test(test_agent_owned_secrets_and_mapping),
	    cmocka_unit_test(test_unmapped_keys_warn),
	    cmocka_unit_test(test_corpus_bad_exact_errors),
	    cmocka_unit_test(test_secrets_need_private_file),
	    cmocka_unit_test(test_flags_and_dns_modes),
	    cmocka_unit_test(test_refuse_keys_map_to_auth_methods),
	    cmocka_unit_test(test_import_round_trip),
	    cmocka_unit_test(test_ipv6_section_mapped),
	};

	return cmocka_run_group_tests_name("nmconn", tests, NULL, NULL);
}
