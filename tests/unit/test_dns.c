/* sys/dns: the resolv.conf method end to end in a temporary directory,
 * crash undo from the state file, and the resolv.conf text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "sys/dns.h"

static struct logger lg;
static char dir[] = "/tmp/l2tpsec-dns-XXXXXX";
static char resolv[300];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void read_file(const char *path, char *out, size_t outsz)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(out, 1, outsz - 1, f);
	out[n] = '\0';
	fclose(f);
}

static struct dns_config two_servers(void)
{
	struct dns_config cfg = {.n_servers = 2, .n_domains = 1, .domains = {"corp.example.com"}};

	inet_pton(AF_INET, "10.0.0.53", &cfg.servers[0]);
	inet_pton(AF_INET, "10.0.1.53", &cfg.servers[1]);
	return cfg;
}

static int setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(resolv, sizeof(resolv), "%s/resolv.conf", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[400];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_format(void **state)
{
	struct dns_config cfg = two_servers();
	char text[512];

	(void)state;
	dns_format_resolv_conf(&cfg, text, sizeof(text));
	assert_non_null(strstr(text, "nameserver 10.0.0.53\nnameserver 10.0.1.53\n"));
	assert_non_null(strstr(text, "search corp.example.com\n"));
}

/* IPv6 servers (issue 17) follow the IPv4 ones; one alone is applied. */
static void test_format_ipv6(void **state)
{
	struct dns_config cfg = two_servers();
	struct dns_config only6 = {.n_servers6 = 1};
	char text[512];

	(void)state;
	inet_pton(AF_INET6, "2001:db8::53", &cfg.servers6[0]);
	cfg.n_servers6 = 1;
	dns_format_resolv_conf(&cfg, text, sizeof(text));
	assert_non_null(
	    strstr(text, "nameserver 10.0.0.53\nnameserver 10.0.1.53\nnameserver 2001:db8::53\n"));
	inet_pton(AF_INET6, "fd00::1", &only6.servers6[0]);
	dns_format_resolv_conf(&only6, text, sizeof(text));
	assert_non_null(strstr(text, "nameserver fd00::1\n"));
	assert_null(strstr(text, "0.0.0.0"));
}

static void test_file_apply_and_revert(void **state)
{
	struct dns_config cfg = two_servers();
	struct dns d;
	char text[512];

	(void)state;
	write_file(resolv, "nameserver 192.0.2.1\n");
	dns_init(&d, &lg, "office", dir, resolv);
	assert_int_equal(dns_apply(&d, DNS_FILE, "l2tpsec0", &cfg), 0);
	read_file(resolv, text, sizeof(text));
	assert_non_null(strstr(text, "nameserver 10.0.0.53"));
	assert_null(strstr(text, "192.0.2.1"));
	/* a second apply must not overwrite the saved original */
	assert_int_equal(dns_apply(&d, DNS_FILE, "l2tpsec0", &cfg), -1);
	d.method = DNS_FILE;
	dns_revert(&d);
	read_file(resolv, text, sizeof(text));
	assert_string_equal(text, "nameserver 192.0.2.1\n");
	assert_int_equal(access(d.backup_path, F_OK), -1);
	assert_int_equal(access(d.state_path, F_OK), -1);
}

/* Issue 15: the domain a gateway pushes (DHCPINFORM option 15) joins the
 * search domains once, after the profile's; what is no plain DNS name is
 * refused (a gateway's bytes end up in resolv.conf and resolvectl's argv);
 * disconnecting restores the original file. */
static void test_pushed_domain_searched_and_restored(void **state)
{
	struct dns_config cfg = two_servers();
	static const char *const refused[] = {
	    "-corp.example", "corp..example", ".corp", "corp.", "",
	    "corp example",  "corp\nnameserver 6.6.6.6", "a/b",
	    "x.-y", "012345678901234567890123456789012345678901234567890123456789abcd.example"};
	struct dns d;
	char text[512];

	(void)state;
	assert_true(dns_add_domain(&cfg, "pushed.example"));
	assert_false(dns_add_domain(&cfg, "PUSHED.example")); /* already there */
	assert_false(dns_add_domain(&cfg, "corp.example.com")); /* the profile's */
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (dns_add_domain(&cfg, refused[i]))
			fail_msg("'%s' taken as a search domain", refused[i]);
	assert_true(dns_add_domain(&cfg, "_msdcs.win-2k.example"));
	assert_int_equal(cfg.n_domains, 3);
	write_file(resolv, "nameserver 192.0.2.1\nsearch home.lan\n");
	dns_init(&d, &lg, "office", dir, resolv);
	assert_int_equal(dns_apply(&d, DNS_FILE, "l2tpsec0", &cfg), 0);
	read_file(resolv, text, sizeof(text));
	assert_non_null(strstr(text, "search corp.example.com pushed.example _msdcs.win-2k.example\n"));
	dns_revert(&d);
	read_file(resolv, text, sizeof(text));
	assert_string_equal(text, "nameserver 192.0.2.1\nsearch home.lan\n");
	/* the list is bounded */
	while (cfg.n_domains < DNS_MAX_DOMAINS)
		cfg.domains[cfg.n_domains++] = "x.example";
	assert_false(dns_add_domain(&cfg, "one-more.example"));
}

/* In the child: what l2tpsec@.service's ProtectSystem=strict with
 * ReadWritePaths=/etc/resolv.conf makes of /etc: a read-only directory in
 * which resolv.conf is a writable mount of its own. 0 ok, 77 no mount
 * namespace here (not root), 1 the file method failed. */
static int apply_revert_in_readonly_dir(void)
{
	struct dns_config cfg = two_servers();
	char etc[320], file[340], text[512];
	struct dns d;

	if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		return 77;
	snprintf(etc, sizeof(etc), "%s/etc", dir);
	snprintf(file, sizeof(file), "%s/resolv.conf", etc);
	if (mkdir(etc, 0755) != 0)
		return 1;
	write_file(file, "nameserver 192.0.2.1\n");
	if (mount(etc, etc, NULL, MS_BIND, NULL) != 0 ||
	    mount(file, file, NULL, MS_BIND, NULL) != 0 ||
	    mount(NULL, etc, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) != 0)
		return 77;
	dns_init(&d, &lg, "office", dir, file);
	if (dns_apply(&d, DNS_FILE, "l2tpsec0", &cfg) != 0)
		return 1;
	read_file(file, text, sizeof(text));
	if (!strstr(text, "nameserver 10.0.0.53"))
		return 1;
	dns_revert(&d);
	read_file(file, text, sizeof(text));
	return strcmp(text, "nameserver 192.0.2.1\n") == 0 ? 0 : 1;
}

static void test_file_in_readonly_etc(void **state)
{
	pid_t pid;
	int status;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(apply_revert_in_readonly_dir());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		skip();
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_no_servers_changes_nothing(void **state)
{
	struct dns_config cfg = {0};
	struct dns d;
	char text[512];

	(void)state;
	write_file(resolv, "nameserver 192.0.2.1\n");
	dns_init(&d, &lg, "office", dir, resolv);
	assert_int_equal(dns_apply(&d, DNS_FILE, "l2tpsec0", &cfg), 0);
	read_file(resolv, text, sizeof(text));
	assert_string_equal(text, "nameserver 192.0.2.1\n");
	assert_int_equal(d.method, DNS_NONE);
}

static void test_stale_revert_after_crash(void **state)
{
	struct dns_config cfg = two_servers();
	struct dns crashed, next;
	char text[512], target[300];

	(void)state;
	/* resolv.conf as a symlink, as with systemd-resolved's stub */
	snprintf(target, sizeof(target), "%s/stub-resolv.conf", dir);
	write_file(target, "nameserver 127.0.0.53\n");
	unlink(resolv);
	assert_int_equal(symlink(target, resolv), 0);

	dns_init(&crashed, &lg, "office", dir, resolv);
	assert_int_equal(dns_apply(&crashed, DNS_FILE, "l2tpsec0", &cfg), 0);
	read_file(target, text, sizeof(text));
	assert_string_equal(text, "nameserver 127.0.0.53\n"); /* link target untouched */

	dns_init(&next, &lg, "office", dir, resolv);
	dns_revert_stale(&next);
	read_file(resolv, text, sizeof(text));
	assert_string_equal(text, "nameserver 127.0.0.53\n");
	assert_int_equal(access(next.state_path, F_OK), -1);
	dns_revert_stale(&next); /* nothing recorded: no-op */
	read_file(resolv, text, sizeof(text));
	assert_string_equal(text, "nameserver 127.0.0.53\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_ipv6),
		cmocka_unit_test(test_file_apply_and_revert),
		cmocka_unit_test(test_pushed_domain_searched_and_restored),
		cmocka_unit_test(test_file_in_readonly_etc),
		cmocka_unit_test(test_no_servers_changes_nothing),
		cmocka_unit_test(test_stale_revert_after_crash),
	};

	log_init(&lg, LOG_TO_STDERR_PLAIN, LOG_LVL_ERR);
	return cmocka_run_group_tests_name("dns", tests, setup, teardown);
}
