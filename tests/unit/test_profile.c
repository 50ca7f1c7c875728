/* Unit tests for the profile model and l2tpsec's own format: the corpus of
 * good and bad files (each bad file's exact error), values, validation,
 * file permissions, secret files and the writer's round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include "config/profile.h"
#include "lib/util.h"
#include "tests/unit/test_profile_util.c" /* shared static helpers */

static const struct profile_parse_opts secrets_ok = {.secrets_allowed = true};

/* Parses a corpus file from memory (as "DIR/NAME"), then validates it.
 * Returns 0, or -1 with the first error in err. */
static int parse_corpus(const char *rel, struct profile *p, struct profile_warnings *w, char *err,
                        size_t errlen)
{
	return corpus_parse_with(profile_parse_ini, rel, p, w, err, errlen);
}

static void test_corpus_good(void **state)
{
	struct profile_warnings w;
	size_t n = 0, tested = 0;
	char **names = corpus_list("good", &n);
	struct profile *p = malloc(sizeof(*p));

	(void)state;
	assert_non_null(names);
	for (size_t i = 0; i < n; i++) {
		char rel[600], err[1024] = "";

		snprintf(rel, sizeof(rel), "good/%s", names[i]);
		profile_warnings_init(&w);
		if (parse_corpus(rel, p, &w, err, sizeof(err)) != 0)
			fail_msg("%s: %s", rel, err);
		assert_int_equal(w.count, 0);
		profile_free(p);
		tested++;
	}
	assert_true(tested >= 5);
	corpus_list_free(names);
	free(p);
}

static void test_corpus_bad_exact_errors(void **state)
{
	(void)state;
	assert_true(corpus_check_bad("bad", parse_corpus) >= 30);
}

static void test_defaults(void **state)
{
	struct profile *p = malloc(sizeof(*p));
	char err[512];

	(void)state;
	assert_int_equal(parse_corpus("good/minimal.conf", p, NULL, err, sizeof(err)), 0);
	assert_string_equal(p->name, "minimal");
	assert_string_equal(p->gateway, "vpn.example.com");
	assert_int_equal(p->auth, PROFILE_AUTH_PSK);
	assert_int_equal(p->psk.src, PROFILE_SECRET_INLINE);
	assert_int_equal(p->psk.value.len, strlen("correct horse battery staple"));
	assert_string_equal((char *)p->password.value.data, "s3cret=with=equals");
	assert_int_equal(p->dh2048, PROFILE_DH2048_OFFER);
	assert_int_equal(p->assume_udp_encaps, 2);
	assert_int_equal(p->ike_lifetime_s, 28800);
	assert_int_equal(p->ipsec_lifetime_s, 3600);
	assert_int_equal(p->pfs, PROFILE_PFS_OFF);
	assert_false(p->force_encaps);
	assert_int_equal(p->dpd_interval_s, 30);
	assert_int_equal(p->nat_keepalive_s, 20);
	assert_int_equal(p->l2tp_port, PROFILE_L2TP_PORT_AUTO);
	assert_int_equal(p->hello_interval_s, 60);
	assert_int_equal(p->retries, 5);
	/* issue #14: only MS-CHAPv2 makes the gateway prove itself */
	assert_int_equal(p->auth_methods, PROFILE_PPP_MSCHAPV2);
	assert_int_equal(p->mtu, 1400);
	assert_int_equal(p->mru, 1400);
	assert_true(p->default_route);
	assert_int_equal(p->dns, PROFILE_DNS_AUTO);
	assert_int_equal(p->n_routes, 0);
	assert_int_equal(p->datapath, PROFILE_DATAPATH_AUTO);
	assert_int_equal(p->queue, PROFILE_QUEUE_CODEL);
	assert_false(p->kill_switch);
	assert_int_equal(p->ipv6, PROFILE_IPV6_AUTO); /* IPv6 when the gateway offers it */
	assert_false(p->ipv6_ignore_auto_routes);
	assert_int_equal(p->family, PROFILE_FAMILY_AUTO);
	assert_true(p->reconnect);
	assert_false(p->log_level_set[LOG_IKE]);
	profile_free(p);
	free(p);
}

static void test_full_profile_values(void **state)
{
	struct profile *p = malloc(sizeof(*p));
	char err[512], addr[64];

	(void)state;
	assert_int_equal(parse_corpus("good/full.conf", p, NULL, err, sizeof(err)), 0);
	assert_string_equal(p->gateway, "203.0.113.10");
	assert_string_equal((char *)p->psk.value.data, "  padded psk with \"quotes\"  ");
	assert_int_equal(p->local_id.type, PROFILE_ID_USER_FQDN);
	assert_string_equal(p->local_id.value, "client@example.com");
	assert_int_equal(p->remote_id.type, PROFILE_ID_FQDN);
	assert_string_equal(p->ike_proposals, "aes256-sha2_256-modp2048, 3des-sha1-modp1024!");
	assert_string_equal(p->esp_proposals, "aes256-sha1,3des-sha1");
	assert_int_equal(p->dh2048, PROFILE_DH2048_REQUIRE);
	assert_int_equal(p->assume_udp_encaps, 1);
	assert_int_equal(p->ike_lifetime_s, 4 * 3600);
	assert_int_equal(p->ipsec_lifetime_s, 1800);
	assert_int_equal(p->pfs, PROFILE_PFS_GROUP);
	assert_string_equal(p->pfs_group, "modp2048");
	assert_true(p->force_encaps);
	assert_int_equal(p->dpd_interval_s, 0);
	assert_int_equal(p->nat_keepalive_s, 10);
	assert_int_equal(p->l2tp_port, PROFILE_L2TP_PORT_EPHEMERAL);
	assert_string_equal((char *)p->tunnel_secret.value.data, "tunnel-secret");
	assert_int_equal(p->hello_interval_s, 30);
	assert_int_equal(p->retries, 7);
	assert_string_equal(p->user, "CORP\\alice");
	assert_string_equal((char *)p->password.value.data, "pa ss\tword");
	assert_int_equal(p->auth_methods, PROFILE_PPP_MSCHAPV2 | PROFILE_PPP_PAP);
	assert_int_equal(p->mtu, 1380);
	assert_int_equal(p->mru, 1390);
	assert_int_equal(p->lcp_echo_interval_s, 10);
	assert_int_equal(p->lcp_echo_failure, 6);
	assert_false(p->default_route);
	assert_int_equal(p->n_routes, 3);
	profile_format_addr(&p->routes[1].dst, addr, sizeof(addr));
	assert_string_equal(addr, "192.168.5.0");
	assert_int_equal(p->routes[1].prefix_len, 24);
	assert_int_equal(p->routes[2].dst.family, AF_INET6);
	assert_int_equal(p->routes[2].prefix_len, 32);
	assert_int_equal(p->dns, PROFILE_DNS_AUTO);
	assert_true(p->dns_add_to_peer);
	assert_int_equal(p->n_dns, 1);
	assert_int_equal(p->n_search, 2);
	assert_string_equal(p->dns_search[1], "example.net");
	assert_string_equal(p->hook, "/etc/l2tpsec/hooks/office");
	assert_int_equal(p->ipv6, PROFILE_IPV6_LEAK_OK);
	assert_true(p->ipv6_ignore_auto_routes);
	assert_int_equal(p->datapath, PROFILE_DATAPATH_USERSPACE);
	assert_int_equal(p->queue, PROFILE_QUEUE_FIFO);
	assert_true(p->kill_switch);
	assert_false(p->reconnect);
	/* log-level-ike wins over log-level, whatever the order */
	assert_int_equal(p->log_level[LOG_IKE], LOG_LVL_DEBUG);
	assert_int_equal(p->log_level[LOG_PPP], LOG_LVL_INFO);
	assert_true(p->log_level_set[LOG_ESP]);
	profile_free(p);
	free(p);
}

static void test_crlf_bom_and_hex_psk(void **state)
{
	struct profile *p = malloc(sizeof(*p));
	char err[512];

	(void)state;
	assert_int_equal(parse_corpus("good/crlf-bom.conf", p, NULL, err, sizeof(err)), 0);
	assert_int_equal(p->psk.value.len, 3);
	assert_memory_equal(p->psk.value.data, "\x00\xff\x10", 3);
	assert_string_equal((char *)p->password.value.data, "pw");
	assert_int_equal(p->log_level[LOG_CLIENT], LOG_LVL_DEBUG);
	profile_free(p);
	free(p);
}

static void test_inline_secret_needs_private_file(void **state)
{
	static const char text[] = "[gateway]\nhost = h.example\n[ipsec]\npsk = k\n";
	struct profile_parse_opts opts = {.secrets_allowed = false};
	struct profile *p = malloc(sizeof(*p));
	char err[1024];

	(void)state;
	snprintf(opts.secrets_refused_why, sizeof(opts.secrets_refused_why),
	         "x.conf: mode 0644; run 'chmod 600 x.conf'");
	profile_init(p, "x");
	assert_int_equal(
	    profile_parse_ini(p, text, sizeof(text) - 1, "x.conf", &opts, NULL, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "x.conf:4: key 'psk': a secret may only be written here when the "
	                         "file is private: x.conf: mode 0644; run 'chmod 600 x.conf'");
	assert_false(secret_is_set(&p->psk.value));
	profile_free(p);
	/* without options, inline secrets are refused too */
	profile_init(p, "x");
	assert_int_equal(
	    profile_parse_ini(p, text, sizeof(text) - 1, "x.conf", NULL, NULL, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "x.conf:4: key 'psk'"));
	profile_free(p);
	free(p);
}

static void test_mppe_warns(void **state)
{
	static const char text[] = "[ppp]\nrequire-mppe = 128\nmppe-stateful = yes\n";
	struct profile *p = malloc(sizeof(*p));
	struct profile_warnings w;
	char err[256];

	(void)state;
	profile_warnings_init(&w);
	profile_init(p, "x");
	assert_int_equal(profile_parse_ini(p, text, sizeof(text) - 1, "m.conf", &secrets_ok, &w,
	                                   err, sizeof(err)),
	                 0);
	assert_int_equal(p->mppe, PROFILE_MPPE_REQUIRE | PROFILE_MPPE_128 | PROFILE_MPPE_STATEFUL);
	assert_int_equal(w.count, 2);
	assert_string_equal(w.text[0], "m.conf:2: MPPE is not supported (IPsec already encrypts "
	                               "the link); 'require-mppe' is ignored");
	profile_free(p);
	free(p);
}

/* Lifetimes down to 10 s for testing rekeys, each below the usual
 * minimum with a warning; below 10 s refused. */
static void test_short_lifetimes_warn(void **state)
{
	static const char text[] =
	    "[ipsec]\nike-lifetime = 20s\nipsec-lifetime = 10s\nrekey-margin = 2s\n";
	static const char usual[] = "[ipsec]\nike-lifetime = 5m\nipsec-lifetime = 2m\n";
	static const char too_short[] = "[ipsec]\nipsec-lifetime = 9s\n";
	struct profile *p = malloc(sizeof(*p));
	struct profile_warnings w;
	char err[256];

	(void)state;
	profile_warnings_init(&w);
	profile_init(p, "x");
	assert_int_equal(profile_parse_ini(p, text, sizeof(text) - 1, "l.conf", &secrets_ok, &w,
	                                   err, sizeof(err)),
	                 0);
	assert_int_equal(p->ike_lifetime_s, 20);
	assert_int_equal(p->ipsec_lifetime_s, 10);
	assert_int_equal(p->rekey_margin_s, 2);
	assert_int_equal(w.count, 2);
	assert_string_equal(w.text[1], "l.conf:3: ipsec-lifetime below 120s rekeys every few "
	                               "seconds: for testing only");
	profile_free(p);
	profile_warnings_init(&w);
	profile_init(p, "x");
	assert_int_equal(profile_parse_ini(p, usual, sizeof(usual) - 1, "u.conf", &secrets_ok, &w,
	                                   err, sizeof(err)),
	                 0);
	assert_int_equal(w.count, 0);
	profile_free(p);
	profile_init(p, "x");
	assert_int_not_equal(profile_parse_ini(p, too_short, sizeof(too_short) - 1, "s.conf",
	                                       &secrets_ok, &w, err, sizeof(err)),
	                     0);
	assert_non_null(strstr(err, "10s to 86400s"));
	profile_free(p);
	free(p);
}

static void test_value_helpers(void **state)
{
	struct profile_route rt;
	struct profile_id id = {0};
	uint32_t d;
	bool b;

	(void)state;
	assert_int_equal(profile_parse_duration("90", 1000, &d), 0);
	assert_int_equal(d, 90);
	assert_int_equal(profile_parse_duration("2d", UINT32_MAX, &d), 0);
	assert_int_equal(d, 172800);
	assert_int_equal(profile_parse_duration("5m", 299, &d), -1);
	assert_int_equal(profile_parse_duration("99999999999", UINT32_MAX, &d), -1);
	assert_int_equal(profile_parse_duration("4294967295h", UINT32_MAX, &d), -1);
	assert_int_equal(profile_parse_duration("1hh", UINT32_MAX, &d), -1);
	assert_int_equal(profile_parse_duration("-1", UINT32_MAX, &d), -1);
	assert_int_equal(profile_parse_bool("TRUE", &b), 0);
	assert_true(b);
	assert_int_equal(profile_parse_bool("off", &b), 0);
	assert_false(b);
	assert_int_equal(profile_parse_bool("y", &b), -1);
	/* no gateway, no metric: the tunnel's peer is the next hop */
	assert_int_equal(profile_parse_route(" 10.0.0.0/8 ", &rt), 0);
	assert_int_equal(rt.prefix_len, 8);
	assert_int_equal(profile_parse_route("10.0.0.0/8 via 10.0.0.1 metric 5", &rt), -1);
	assert_int_equal(profile_parse_route("10.0.0.0/8 metric 5", &rt), -1);
	assert_int_equal(profile_parse_route("0.0.0.0/0", &rt), 0);
	assert_int_equal(profile_parse_route("10.0.0.0/33", &rt), -1);
	assert_int_equal(profile_parse_route("10.0.0.0/8 via 2001:db8::1", &rt), -1);
	assert_int_equal(profile_parse_route("10.0.0.0/8 via", &rt), -1);
	assert_int_equal(profile_parse_route("10.0.0.0/8 metric 1 metric 2", &rt), -1);
	assert_int_equal(profile_parse_route("10.0.0.0", &rt), -1);
	assert_int_equal(profile_parse_route("2001:db8::/129", &rt), -1);
	assert_true(profile_hostname_valid("vpn.example.com"));
	assert_true(profile_hostname_valid("vpn.example.com."));
	assert_true(profile_hostname_valid("2001:db8::1"));
	assert_false(profile_hostname_valid("vpn..example.com"));
	assert_false(profile_hostname_valid("a-.example"));
	assert_false(profile_hostname_valid("a b"));
	assert_false(profile_hostname_valid(""));
	assert_true(profile_proposals_valid("aes256-sha1-modp2048"));
	assert_true(profile_proposals_valid("aes256-sha1, 3des-md5!"));
	assert_false(profile_proposals_valid("aes256-sha1,"));
	assert_false(profile_proposals_valid("!"));
	assert_false(profile_proposals_valid("aes;rm -rf"));
	/* what an "auto" ID means */
	snprintf(id.value, sizeof(id.value), "@gw.example.org");
	assert_int_equal(profile_id_effective_type(&id), PROFILE_ID_FQDN);
	snprintf(id.value, sizeof(id.value), "192.0.2.1");
	assert_int_equal(profile_id_effective_type(&id), PROFILE_ID_IPV4);
	snprintf(id.value, sizeof(id.value), "bob@example.org");
	assert_int_equal(profile_id_effective_type(&id), PROFILE_ID_USER_FQDN);
	snprintf(id.value, sizeof(id.value), "C=DE, CN=gw");
	assert_int_equal(profile_id_effective_type(&id), PROFILE_ID_DN);
	snprintf(id.value, sizeof(id.value), "gw.example.org");
	assert_int_equal(profile_id_effective_type(&id), PROFILE_ID_FQDN);
}

static void test_names_and_paths(void **state)
{
	char name[PROFILE_NAME_MAX], path[256];

	(void)state;
	assert_true(profile_name_valid("office-2_b.x"));
	assert_false(profile_name_valid(".hidden"));
	assert_false(profile_name_valid("-x"));
	assert_false(profile_name_valid("a/b"));
	assert_false(profile_name_valid(""));
	profile_name_from(name, "Road Warrior (home)");
	assert_string_equal(name, "Road-Warrior-home");
	profile_name_from(name, "../..");
	assert_string_equal(name, "vpn");
	profile_name_from(name, "Büro VPN");
	assert_string_equal(name, "B-ro-VPN");
	assert_int_equal(profile_path_for("office", path, sizeof(path)), 0);
	assert_string_equal(path, PROFILE_DIR "/office.conf");
	assert_int_equal(profile_path_for("./office.conf", path, sizeof(path)), 0);
	assert_string_equal(path, "./office.conf");
	assert_int_equal(profile_path_for("bad name", path, sizeof(path)), -1);
}

/* ---- files on disk ----------------------------------------------------------- */

static char tmpdir[TEMP_DIR_MAX];

static int setup(void **state)
{
	(void)state;
	return make_temp_dir(tmpdir);
}

static int teardown(void **state)
{
	(void)state;
	remove_temp_dir(tmpdir);
	return 0;
}

static void test_load_permissions(void **state)
{
	static const char text[] = "[gateway]\nhost = h.example\n[ipsec]\npsk = k\n"
	                           "[ppp]\nuser = u\npassword = p\n";
	struct profile *p = malloc(sizeof(*p));
	char path[PATH_MAX], err[1024];

	(void)state;
	assert_int_equal(write_file_mode(tmpdir, "ok.conf", text, sizeof(text) - 1, 0600, path), 0);
	profile_init(p, NULL);
	if (profile_load(p, path, PROFILE_FORMAT_INI, NULL, NULL, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_string_equal(p->name, "ok");
	profile_free(p);

	/* world-readable with inline secrets: refused, at the secret's line */
	assert_int_equal(write_file_mode(tmpdir, "open.conf", text, sizeof(text) - 1, 0644, path),
	                 0);
	profile_init(p, NULL);
	assert_int_equal(profile_load(p, path, PROFILE_FORMAT_INI, NULL, NULL, err, sizeof(err)),
	                 -1);
	assert_non_null(strstr(err, "/open.conf:4: key 'psk': a secret may only be written here"));
	assert_non_null(strstr(err, "(mode 0644); run 'chmod 600 "));
	profile_free(p);

	/* group-writable: refused whatever it holds (it may name a hook) */
	assert_int_equal(write_file_mode(tmpdir, "gw.conf", "[client]\n", 9, 0664, path), 0);
	profile_init(p, NULL);
	assert_int_equal(profile_load(p, path, PROFILE_FORMAT_INI, NULL, NULL, err, sizeof(err)),
	                 -1);
	assert_non_null(strstr(err, "/gw.conf: writable by group or others (mode 0664)"));
	profile_free(p);

	/* a missing file says so */
	profile_init(p, NULL);
	snprintf(path, sizeof(path), "%s/none.conf", tmpdir);
	assert_int_equal(profile_load(p, path, PROFILE_FORMAT_INI, NULL, NULL, err, sizeof(err)),
	                 -1);
	assert_non_null(strstr(err, "none.conf: No such file or directory"));
	profile_free(p);
	free(p);
}

static void test_load_secret_files_and_overrides(void **state)
{
	struct profile_overrides ov = {0};
	struct profile *p = malloc(sizeof(*p));
	char text[3 * PATH_MAX], psk[PATH_MAX], pw[PATH_MAX], path[PATH_MAX], err[1024];

	(void)state;
	assert_int_equal(write_file_mode(tmpdir, "psk", "0sYWJj\n", 7, 0600, psk), 0);
	assert_int_equal(write_file_mode(tmpdir, "pw", "pass word\r\n", 11, 0600, pw), 0);
	snprintf(text, sizeof(text),
	         "[gateway]\nhost = h.example\n[ipsec]\npsk-file = %s\n[ppp]\nuser = u\n"
	         "password-file = %s\n",
	         psk, pw);
	/* no inline secret: a world-readable profile is fine */
	assert_int_equal(write_file_mode(tmpdir, "files.conf", text, strlen(text), 0644, path), 0);
	profile_init(p, NULL);
	if (profile_load(p, path, PROFILE_FORMAT_INI, NULL, NULL, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(p->psk.value.len, 3);
	assert_memory_equal(p->psk.value.data, "abc", 3); /* 0s decoded */
	assert_string_equal((char *)p->password.value.data, "pass word");
	profile_free(p);

	/* an override replaces the profile's file; a bad one is reported */
	assert_int_equal(write_file_mode(tmpdir, "pw2", "other", 5, 0644, NULL), 0);
	snprintf(text, sizeof(text), "%s/pw2", tmpdir);
	ov.password_file = text;
	profile_init(p, NULL);
	assert_int_equal(profile_load(p, path, PROFILE_FORMAT_INI, &ov, NULL, err, sizeof(err)),
	                 -1);
	assert_non_null(strstr(err, "/pw2: holds a secret but is accessible by group or others"));
	profile_free(p);
	free(p);
}

static void test_validate_secrets_as_warnings(void **state)
{
	static const char text[] = "[gateway]\nhost = h.example\n[ppp]\nuser = u\n";
	struct profile *p = malloc(sizeof(*p));
	struct profile_warnings w;
	char err[512];

	(void)state;
	profile_warnings_init(&w);
	profile_init(p, "x");
	assert_int_equal(
	    profile_parse_ini(p, text, sizeof(text) - 1, "v.conf", NULL, NULL, err, sizeof(err)),
	    0);
	assert_int_equal(profile_validate(p, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "v.conf: missing 'psk' or 'psk-file'; connect asks for it, or "
	                         "give it with --psk-file or --psk-stdin");
	assert_int_equal(profile_validate(p, &w, err, sizeof(err)), 0);
	assert_int_equal(w.count, 2);
	assert_string_equal(w.text[1], "v.conf: missing 'password' or 'password-file'; connect "
	                               "asks for it, or give it with --password-file or "
	                               "--password-stdin");
	/* with the secrets named on the command line, validation passes */
	assert_int_equal(profile_secret_set_file(&p->psk, "/x/psk"), 0);
	assert_int_equal(profile_secret_set_file(&p->password, "/x/pw"), 0);
	assert_int_equal(profile_validate(p, NULL, err, sizeof(err)), 0);
	profile_free(p);
	free(p);
}

/* ---- the writer ---------------------------------------------------------------- */

static char *write_to_string(const struct profile *p, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	assert_non_null(f);
	assert_int_equal(profile_write_ini(p, f), 0);
	fclose(f);
	return text;
}

/* parse(write(p)) must write the same text again and keep the fields. */
static void round_trip(struct profile *p)
{
	struct profile *q = malloc(sizeof(*q));
	size_t len1, len2;
	char err[1024];
	char *t1 = write_to_string(p, &len1), *t2;

	profile_init(q, p->name);
	if (profile_parse_ini(q, t1, len1, "written.conf", &secrets_ok, NULL, err, sizeof(err)))
		fail_msg("%s\n--- written:\n%s", err, t1);
	t2 = write_to_string(q, &len2);
	assert_string_equal(t1, t2);
	assert_string_equal(q->gateway, p->gateway);
	assert_int_equal(q->psk.src, p->psk.src);
	assert_int_equal(q->psk.value.len, p->psk.value.len);
	if (p->psk.value.len)
		assert_memory_equal(q->psk.value.data, p->psk.value.data, p->psk.value.len);
	assert_int_equal(q->password.value.len, p->password.value.len);
	if (p->password.value.len)
		assert_memory_equal(q->password.value.data, p->password.value.data,
		                    p->password.value.len);
	assert_int_equal(q->n_routes, p->n_routes);
	assert_int_equal(q->n_dns, p->n_dns);
	assert_int_equal(q->dns, p->dns);
	assert_int_equal(q->dns_add_to_peer, p->dns_add_to_peer);
	assert_int_equal(q->auth_methods, p->auth_methods);
	assert_string_equal(q->key_password_file, p->key_password_file);
	assert_string_equal(q->crl, p->crl);
	assert_memory_equal(q->log_level, p->log_level, sizeof(p->log_level));
	assert_int_equal(q->ike_lifetime_s, p->ike_lifetime_s);
	assert_int_equal(q->pfs, p->pfs);
	assert_int_equal(q->l2tp_port, p->l2tp_port);
	assert_int_equal(q->password_prompt, p->password_prompt);
	assert_int_equal(q->password_type, p->password_type);
	assert_string_equal(q->save_keys, p->save_keys);
	free(t1);
	free(t2);
	profile_free(q);
	free(q);
}

static void test_writer_round_trip_corpus(void **state)
{
	static const char *const files[] = {"good/minimal.conf",  "good/full.conf",
	                                    "good/cert.conf",     "good/files.conf",
	                                    "good/crlf-bom.conf", "good/p12.conf"};
	struct profile *p = malloc(sizeof(*p));
	char err[512];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		assert_int_equal(parse_corpus(files[i], p, NULL, err, sizeof(err)), 0);
		if (strcmp(files[i], "good/p12.conf") == 0) {
			/* a PKCS#12 key carries the certificate; "none" is a method */
			assert_string_equal(p->crl, "/etc/l2tpsec/certs/ca.crl");
			assert_int_equal(p->auth_methods, PROFILE_PPP_MSCHAPV2 | PROFILE_PPP_NONE);
		}
		round_trip(p);
		profile_free(p);
	}
	free(p);
}

/* password-prompt, password-type, save-keys: parsed, written back, and a
 * profile without a password is still complete but for the asking. */
static void test_prompt_otp_and_save_keys(void **state)
{
	static const char text[] = "[gateway]\nhost = gw.example\n[ipsec]\npsk = k\n"
	                           "[ppp]\nuser = alice\npassword-prompt = ask-password\n"
	                           "password-type = otp\n[client]\nsave-keys = /root/keys\n";
	static const char bad[] = "[ppp]\npassword-type = totp\n";
	static const char relative[] = "[client]\nsave-keys = keys\n";
	struct profile *p = malloc(sizeof(*p));
	char err[512];

	(void)state;
	profile_init(p, "o");
	assert_int_equal(p->password_prompt, PROFILE_PROMPT_AUTO);
	assert_int_equal(p->password_type, PROFILE_PASSWORD_STATIC);
	assert_int_equal(profile_parse_ini(p, text, sizeof(text) - 1, "o.conf", &secrets_ok, NULL,
	                                   err, sizeof(err)),
	                 0);
	assert_int_equal(p->password_prompt, PROFILE_PROMPT_ASK_PASSWORD);
	assert_int_equal(p->password_type, PROFILE_PASSWORD_OTP);
	assert_string_equal(p->save_keys, "/root/keys");
	assert_true(profile_secret_missing(&p->password));
	assert_false(profile_secret_missing(&p->psk));
	round_trip(p);
	profile_free(p);
	profile_init(p, "o");
	assert_int_equal(profile_parse_ini(p, bad, sizeof(bad) - 1, "b.conf", &secrets_ok, NULL,
	                                   err, sizeof(err)),
	                 -1);
	assert_non_null(strstr(err, "b.conf:2: key 'password-type'"));
	profile_free(p);
	profile_init(p, "o");
	assert_int_equal(profile_parse_ini(p, relative, sizeof(relative) - 1, "r.conf",
	                                   &secrets_ok, NULL, err, sizeof(err)),
	                 -1);
	assert_non_null(strstr(err, "must be an absolute path"));
	profile_free(p);
	free(p);
}

static void test_writer_round_trip_awkward_secrets(void **state)
{
	static const char *const passwords[] = {
	    " lead",       "trail\t", "\"quoted\"",      "back\\slash", "ctl\x01\x1f\x7f",
	    "line\nbreak", "0sYWJj",  "# not a comment", "ünïcödé",     "=",
	};
	static const uint8_t psk_binary[] = {0x00, 0x0a, 0xff, '"', 0x20};
	struct profile *p = malloc(sizeof(*p));
	char err[128];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(passwords); i++) {
		profile_init(p, "awkward");
		snprintf(p->gateway, sizeof(p->gateway), "h.example");
		snprintf(p->user, sizeof(p->user), " user %zu ", i); /* quoted: blanks */
		assert_int_equal(secret_from_string(passwords[i], strlen(passwords[i]),
		                                    &p->password.value, err, sizeof(err)),
		                 0);
		p->password.src = PROFILE_SECRET_INLINE;
		/* the same bytes as a PSK: "0s..." must not be decoded again */
		assert_int_equal(secret_copy(&p->psk.value, &p->password.value), 0);
		p->psk.src = PROFILE_SECRET_INLINE;
		round_trip(p);
		profile_free(p);
	}
	profile_init(p, "binary");
	snprintf(p->gateway, sizeof(p->gateway), "h.example");
	assert_int_equal(secret_from_string((const char *)psk_binary, sizeof(psk_binary),
	                                    &p->psk.value, err, sizeof(err)),
	                 0);
	p->psk.src = PROFILE_SECRET_INLINE;
	p->log_level_set[LOG_PPP] = true;
	p->log_level[LOG_PPP] = LOG_LVL_DEBUG;
	round_trip(p);
	profile_free(p);
	free(p);
}

static void test_writer_refuses_unwritable_values(void **state)
{
	struct profile *p = malloc(sizeof(*p));
	char err[128];
	char *text = NULL;
	size_t len;
	FILE *f;

	(void)state;
	profile_init(p, "nul");
	assert_int_equal(secret_from_string("a\0b", 3, &p->password.value, err, sizeof(err)), 0);
	p->password.src = PROFILE_SECRET_INLINE;
	f = open_memstream(&text, &len);
	assert_non_null(f);
	assert_int_equal(profile_write_ini(p, f), -1);
	fclose(f);
	free(text);
	/* a value whose escapes would not fit one line is refused, not cut */
	char quotes[3000];
	memset(quotes, '"', sizeof(quotes));
	assert_int_equal(
	    secret_from_string(quotes, sizeof(quotes), &p->password.value, err, sizeof(err)), 0);
	text = NULL;
	f = open_memstream(&text, &len);
	assert_non_null(f);
	assert_int_equal(profile_write_ini(p, f), -1);
	fclose(f);
	assert_null(strstr(text, "password ="));
	free(text);
	/* 2000 of them still fit (2 bytes each plus the key and quotes) */
	assert_int_equal(secret_from_string(quotes, 2000, &p->password.value, err, sizeof(err)), 0);
	round_trip(p);
	profile_free(p);
	free(p);
}

/* Issue 17: [gateway] family = auto | ipv4 | ipv6, written back when set. */
static void test_gateway_family(void **state)
{
	static const char text[] = "[gateway]\nhost = vpn.example.com\nfamily = ipv6\n";
	static const char bad[] = "[gateway]\nhost = vpn.example.com\nfamily = ipx\n";
	struct profile *p = malloc(sizeof(*p));
	char err[512], *out;
	size_t len;

	(void)state;
	profile_init(p, "fam");
	assert_int_equal(profile_parse_ini(p, text, strlen(text), "fam.conf", &secrets_ok, NULL,
	                                   err, sizeof(err)),
	                 0);
	assert_int_equal(p->family, PROFILE_FAMILY_IPV6);
	out = write_to_string(p, &len);
	assert_non_null(strstr(out, "[gateway]\nhost = vpn.example.com\nfamily = ipv6\n"));
	free(out);
	profile_free(p);
	profile_init(p, "fam");
	assert_int_not_equal(
	    profile_parse_ini(p, bad, strlen(bad), "fam.conf", &secrets_ok, NULL, err, sizeof(err)),
	    0);
	assert_non_null(strstr(err, "ipv4"));
	profile_free(p);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_corpus_good),
	    cmocka_unit_test(test_corpus_bad_exact_errors),
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_full_profile_values),
	    cmocka_unit_test(test_gateway_family),
	    cmocka_unit_test(test_crlf_bom_and_hex_psk),
	    cmocka_unit_test(test_inline_secret_needs_private_file),
	    cmocka_unit_test(test_mppe_warns),
	    cmocka_unit_test(test_short_lifetimes_warn),
	    cmocka_unit_test(test_value_helpers),
	    cmocka_unit_test(test_names_and_paths),
	    cmocka_unit_test(test_load_permissions),
	    cmocka_unit_test(test_load_secret_files_and_overrides),
	    cmocka_unit_test(test_validate_secrets_as_warnings),
	    cmocka_unit_test(test_writer_round_trip_corpus),
	    cmocka_unit_test(test_writer_round_trip_awkward_secrets),
	    cmocka_unit_test(test_prompt_otp_and_save_keys),
	    cmocka_unit_test(test_writer_refuses_unwritable_values),
	};

	return cmocka_run_group_tests_name("profile", tests, setup, teardown);
}
