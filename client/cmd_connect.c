/* l2tpsec connect [PROFILE] [--nm FILE] [--gateway HOST ...] */
#include <arpa/inet.h>
#include <getopt.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/ask.h"
#include "client/command.h"
#include "client/daemon.h"
#include "client/savekeys.h"
#include "config/keyfile.h"
#include "config/profile.h"
#include "config/settings.h"

/* An option that sets a profile setting (config/settings.c's table). */
struct cli_setting {
	const char *option, *value;
};
#define CLI_SETTINGS_MAX 16

struct connect_opts {
	const char *profile; /* name or path */
	const char *nm_file;
	const char *name, *gateway, *psk_file, *password_file, *run_dir, *save_keys;
	const char *hook;
	struct cli_setting set[CLI_SETTINGS_MAX]; /* in the order given */
	size_t n_set;
	bool background, otp, retry_auth;
	struct ask_plan ask;
	int verbose;
};

static const char connect_usage[] =
    "Usage: l2tpsec connect [PROFILE | --nm FILE.nmconnection] [options]\n"
    "       l2tpsec connect --gateway HOST --psk-file FILE --user USER --password-file FILE\n"
    "                       [options]\n\n"
    "Connects and stays in the foreground until the tunnel ends; prints one line\n"
    "'connected ...' when PPP is up. A password or pre-shared key that neither the\n"
    "profile nor an option gives is asked for on the terminal (or through\n"
    "systemd-ask-password with password-prompt = ask-password).\n\n"
    "Options:\n"
    "  --name NAME              connection name (default: the profile's, or the gateway)\n"
    "  --gateway HOST           VPN gateway (name, IPv4 or IPv6 address)\n"
    "  --family auto|ipv4|ipv6  the gateway's address family (auto: IPv6 first when this\n"
    "                           host has global IPv6, the other one if it does not answer)\n"
    "  --psk-file FILE          IPsec pre-shared key, in a file only root may read\n"
    "  --user USER              PPP user name\n"
    "  --password-file FILE     PPP password, in a file only root may read\n"
    "  --auth-methods LIST      PPP methods the gateway may ask for: mschapv2 (default),\n"
    "                           chap, pap, none (no authentication by the gateway)\n"
    "  --password-stdin         read the PPP password from standard input (one line)\n"
    "  --psk-stdin              read the pre-shared key from standard input (one line,\n"
    "                           before the password's with --password-stdin)\n"
    "  --otp                    the password is a one-time code: asked again for every\n"
    "                           new PPP session, never kept\n"
    "  --ike LIST               IKE proposals, strongSwan syntax (aes256-sha2_256-modp2048,...)\n"
    "  --esp LIST               ESP proposals (aes256gcm16,...,aes256-sha256,...,3des-sha1)\n"
    "  --dh2048 off|offer|require  the 2048-bit DH group, like Windows' NegotiateDH2048\n"
    "  --ike-fragmentation auto|force|off  long certificate Main Mode messages as IKE\n"
    "                           fragments: when the gateway announces them (auto),\n"
    "                           always, or never\n"
    "  --datapath auto|kernel|userspace  where packets are processed (default auto)\n"
    "  --queue codel|fifo       queue management on the userspace path (default codel)\n"
    "  --nm FILE                a NetworkManager-l2tp keyfile as the profile\n"
    "  --background             return once connected; the tunnel stays up\n"
    "  --run-dir DIR            control socket directory (default /run/l2tpsec)\n"
    "  --retry-auth-failures    reconnect after a rejected password, key or certificate too\n"
    "  --hook PATH              run PATH as the hook (vpnc-script environment), in place\n"
    "                           of the profile's: for NetworkManager's l2tpsec plugin\n"
    "  --save-keys DIR          write Wireshark's key files (ikev1_decryption_table,\n"
    "                           esp_sa) into DIR while connected: for debugging only\n"
    "  -v, --verbose            more log output (twice: debug)\n\n"
    "Exit status: 0 disconnected on request, 3 configuration, 4 network, 5 IKE,\n"
    "6 L2TP, 7 PPP authentication, 8 PPP, 9 closed by the gateway, 10 the gateway\n"
    "refused our key, certificate or tunnel secret, 1 other.\n";

enum {
	OPT_NAME = 256,
	OPT_SETTING, /* --gateway, --ike ...: the settings table parses the value */
	OPT_PSK,
	OPT_PASSWORD,
	OPT_NM,
	OPT_BACKGROUND,
	OPT_RUNDIR,
	OPT_RETRY_AUTH,
	OPT_PASSWORD_STDIN,
	OPT_PSK_STDIN,
	OPT_OTP,
	OPT_SAVE_KEYS,
	OPT_HOOK,
};

static int parse_args(int argc, char **argv, struct connect_opts *o)
{
	static const struct option longopts[] = {
	    {"name", required_argument, NULL, OPT_NAME},
	    {"gateway", required_argument, NULL, OPT_SETTING},
	    {"family", required_argument, NULL, OPT_SETTING},
	    {"psk-file", required_argument, NULL, OPT_PSK},
	    {"user", required_argument, NULL, OPT_SETTING},
	    {"password-file", required_argument, NULL, OPT_PASSWORD},
	    {"ike", required_argument, NULL, OPT_SETTING},
	    {"esp", required_argument, NULL, OPT_SETTING},
	    {"dh2048", required_argument, NULL, OPT_SETTING},
	    {"datapath", required_argument, NULL, OPT_SETTING},
	    {"queue", required_argument, NULL, OPT_SETTING},
	    {"nm", required_argument, NULL, OPT_NM},
	    {"background", no_argument, NULL, OPT_BACKGROUND},
	    {"run-dir", required_argument, NULL, OPT_RUNDIR},
	    {"retry-auth-failures", no_argument, NULL, OPT_RETRY_AUTH},
	    {"password-stdin", no_argument, NULL, OPT_PASSWORD_STDIN},
	    {"psk-stdin", no_argument, NULL, OPT_PSK_STDIN},
	    {"otp", no_argument, NULL, OPT_OTP},
	    {"save-keys", required_argument, NULL, OPT_SAVE_KEYS},
	    {"hook", required_argument, NULL, OPT_HOOK},
	    {"auth-methods", required_argument, NULL, OPT_SETTING},
	    {"ike-fragmentation", required_argument, NULL, OPT_SETTING},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int ch, idx = 0;

	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "vh", longopts, &idx)) != -1) {
		switch (ch) {
		case OPT_NAME:
			o->name = optarg;
			break;
		case OPT_SETTING:
			if (o->n_set == CLI_SETTINGS_MAX)
				return usage_error("connect: too many options");
			o->set[o->n_set++] = (struct cli_setting){longopts[idx].name, optarg};
			if (strcmp(longopts[idx].name, "gateway") == 0)
				o->gateway = optarg;
			break;
		case OPT_PSK:
			o->psk_file = optarg;
			break;
		case OPT_PASSWORD:
			o->password_file = optarg;
			break;
		case OPT_NM:
			o->nm_file = optarg;
			break;
		case OPT_BACKGROUND:
			o->background = true;
			break;
		case OPT_RUNDIR:
			o->run_dir = optarg;
			break;
		case OPT_RETRY_AUTH:
			o->retry_auth = true;
			break;
		case OPT_PASSWORD_STDIN:
			o->ask.password_stdin = true;
			break;
		case OPT_PSK_STDIN:
			o->ask.psk_stdin = true;
			break;
		case OPT_OTP:
			o->otp = true;
			break;
		case OPT_SAVE_KEYS:
			if (o->n_set == CLI_SETTINGS_MAX)
				return usage_error("connect: too many options");
			o->set[o->n_set++] = (struct cli_setting){"save-keys", optarg};
			o->save_keys = optarg;
			break;
		case OPT_HOOK:
			o->hook = optarg;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'h':
			fputs(connect_usage, stdout);
			return -2;
		default:
			return usage_error("connect: unknown or incomplete option '%s'",
					   argv[optind - 1]);
		}
	}
	if (optind < argc)
		o->profile = argv[optind++];
	if (optind < argc)
		return usage_error("connect: unexpected argument '%s'", argv[optind]);
	if (o->profile && o->nm_file)
		return usage_error("connect: give a PROFILE or --nm, not both");
	if (!o->profile && !o->nm_file && !o->gateway)
		return usage_error("connect: give a PROFILE, --nm FILE or --gateway HOST");
	if (o->ask.password_stdin && o->password_file)
		return usage_error("connect: give --password-file or --password-stdin, not both");
	if (o->ask.psk_stdin && o->psk_file)
		return usage_error("connect: give --psk-file or --psk-stdin, not both");
	if (o->hook && o->hook[0] != '/')
		return usage_error("connect: --hook needs an absolute path");
	if (o->save_keys && o->save_keys[0] != '/')
		return usage_error("connect: --save-keys needs an absolute path");
	o->ask.stdin_fd = STDIN_FILENO;
	o->ask.tty_path = PROMPT_TTY_PATH;
	return 0;
}

static int apply_cli(struct profile *p, const struct connect_opts *o, char *err, size_t errlen)
{
	struct profile_overrides ov = {.psk_file = o->psk_file, .password_file = o->password_file};

	if (o->name) {
		if (!profile_name_valid(o->name)) {
			snprintf(err, errlen, "--name: '%s' is not a valid name ([A-Za-z0-9._-])",
				 o->name);
			return -1;
		}
		snprintf(p->name, sizeof(p->name), "%s", o->name);
	}
	for (size_t i = 0; i < o->n_set; i++)
		if (setting_apply_option(p, o->set[i].option, o->set[i].value, err, errlen) < 0)
			return -1;
	if (o->retry_auth)
		p->retry_auth_failures = true;
	if (o->otp)
		p->password_type = PROFILE_PASSWORD_OTP;
	if (o->hook && snprintf(p->hook, sizeof(p->hook), "%s", o->hook) >= (int)sizeof(p->hook)) {
		snprintf(err, errlen, "--hook: path too long");
		return -1;
	}
	if (!p->name[0])
		profile_name_from(p->name, p->gateway);
	return profile_apply_overrides(p, &ov, err, errlen);
}

static int load_profile(struct profile *p, const struct connect_opts *o, char *err, size_t errlen)
{
	struct profile_warnings warn, secrets_later;
	char path[PROFILE_PATH_MAX];
	int rc, signo;

	profile_warnings_init(&warn);
	profile_warnings_init(&secrets_later);
	profile_init(p, NULL);
	if (o->nm_file && profile_parse_file(p, o->nm_file, PROFILE_FORMAT_NM, &warn, err, errlen))
		return -1;
	if (o->profile) {
		if (profile_path_for(o->profile, path, sizeof(path)) < 0) {
			snprintf(err, errlen, "%s: not a profile name or path", o->profile);
			return -1;
		}
		if (profile_parse_file(p, path, PROFILE_FORMAT_INI, &warn, err, errlen) < 0)
			return -1;
	}
	if (!o->nm_file && !o->profile)
		snprintf(p->source, sizeof(p->source), "command line");
	/* secrets_later: missing secrets are not an error yet, see below */
	if (apply_cli(p, o, err, errlen) < 0 || profile_validate(p, &secrets_later, err, errlen) < 0)
		return -1;
	/* The profile is right but for secrets: read the files, ask for the
	 * rest (before --background detaches: nobody to ask after that). */
	if (profile_load_secrets(p, err, errlen) < 0)
		return -1;
	rc = ask_missing_secrets(p, &o->ask, &signo, err, errlen);
	if (rc == PROMPT_INTERRUPTED)
		prompt_die_of(signo);
	if (rc < 0 || profile_validate(p, NULL, err, errlen) < 0)
		return -1;
	profile_warnings_print(&warn, stderr);
	return 0;
}

/* Whether this host would reach addr over IPv6 from a global address:
 * connecting a UDP socket sends nothing but makes the kernel pick the
 * route and the source address (RFC 6724's view of "usable"). */
static bool ipv6_usable(const struct sockaddr_storage *addr)
{
	struct sockaddr_in6 src;
	socklen_t len = sizeof(src);
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool ok;

	if (fd < 0)
		return false;
	ok = connect(fd, (const struct sockaddr *)addr, sizeof(struct sockaddr_in6)) == 0 &&
	     getsockname(fd, (struct sockaddr *)&src, &len) == 0 &&
	     !IN6_IS_ADDR_UNSPECIFIED(&src.sin6_addr) && !IN6_IS_ADDR_LINKLOCAL(&src.sin6_addr) &&
	     !IN6_IS_ADDR_LOOPBACK(&src.sin6_addr);
	close(fd);
	return ok || IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)addr)->sin6_addr);
}

/* Both families of the gateway's name (issue 17): the first to try and the
 * other one to fall back to (conn_order_gateways). */
static int resolve_gateway(const struct profile *p, struct conn_params *cp, char *err,
                           size_t errlen)
{
	static const char *const fam[] = {"", "IPv4 ", "IPv6 "};
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM};
	struct sockaddr_storage v4 = {0}, v6 = {0};
	struct addrinfo *res = NULL;
	int rc;

	if (p->family == PROFILE_FAMILY_IPV4)
		hints.ai_family = AF_INET;
	else if (p->family == PROFILE_FAMILY_IPV6)
		hints.ai_family = AF_INET6;
	rc = getaddrinfo(p->gateway, "500", &hints, &res);
	if (rc != 0 || !res) {
		snprintf(err, errlen, "cannot resolve gateway '%s'%s%s: %s", p->gateway,
		         p->family ? " to an " : "", p->family ? fam[p->family] : "",
		         gai_strerror(rc));
		return -1;
	}
	for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET && !v4.ss_family)
			memcpy(&v4, ai->ai_addr, sizeof(struct sockaddr_in));
		else if (ai->ai_family == AF_INET6 && !v6.ss_family)
			memcpy(&v6, ai->ai_addr, sizeof(struct sockaddr_in6));
	}
	freeaddrinfo(res);
	if (conn_order_gateways(v4.ss_family ? &v4 : NULL, v6.ss_family ? &v6 : NULL, p->family,
	                        v6.ss_family && ipv6_usable(&v6), &cp->gateway,
	                        &cp->gateway_alt) < 0) {
		snprintf(err, errlen, "gateway '%s' has no %saddress", p->gateway, fam[p->family]);
		return -1;
	}
	return 0;
}

/* Certificate authentication: the files are read here, so ike/ only ever
 * sees loaded OpenSSL objects. */
static int load_certs(const struct profile *p, const struct ask_plan *plan, struct conn_params *cp,
		      char *err, size_t errlen)
{
	struct ask_key_ctx kctx = {.profile = p, .plan = plan, .path = p->key};
	int rc;

	if (p->auth != PROFILE_AUTH_CERT)
		return 0;
	/* The key like the other secrets (private file, O_NOFOLLOW); its
	 * password from key-password-file, else asked for like a password. */
	rc = keyfile_load(p->key, p->key_password_file[0] ? p->key_password_file : NULL,
			  ask_key_passphrase, &kctx, &cp->key, p->cert[0] ? NULL : &cp->cert, err,
			  errlen);
	if (kctx.signo)
		prompt_die_of(kctx.signo);
	if (rc < 0) {
		if (kctx.err[0])
			snprintf(err, errlen, "%s", kctx.err);
		return -1;
	}
	/* certificate and CA as PEM or DER */
	if (p->cert[0])
		cp->cert = keyfile_load_cert(p->cert, err, errlen);
	cp->ca = X509_STORE_new();
	if (!cp->cert || !cp->ca || keyfile_load_ca(cp->ca, p->ca, err, errlen) < 0) {
		snprintf(err, errlen, "cannot load %s: check cert and ca in the profile",
			 !cp->cert ? (p->cert[0] ? p->cert : p->key) : p->ca);
		return -1;
	}
	/* CRLs (PEM) for the gateway's certificate: with a CRL file, a
	 * certificate whose issuer's CRL is missing or lists it fails. */
	if (p->crl[0]) {
		if (X509_STORE_load_file(cp->ca, p->crl) != 1) {
			snprintf(err, errlen, "cannot load the CRL file %s", p->crl);
			return -1;
		}
		X509_STORE_set_flags(cp->ca, X509_V_FLAG_CRL_CHECK);
	}
	return 0;
}

static void free_certs(struct conn_params *cp)
{
	X509_free(cp->cert);
	EVP_PKEY_free(cp->key);
	X509_STORE_free(cp->ca);
}

static void set_log_levels(struct logger *lg, const struct profile *p, int verbose)
{
	log_init(lg, isatty(STDERR_FILENO) ? LOG_TO_STDERR_PLAIN : LOG_TO_STDERR,
		 verbose >= 2 ? LOG_LVL_DEBUG : verbose ? LOG_LVL_INFO : LOG_LVL_NOTICE);
	/* -v shows the timeline, unless journald (which stamps lines) reads us */
	lg->timestamps = verbose > 0 && !getenv("JOURNAL_STREAM");
	for (int i = 0; i < LOG_SUBSYS_COUNT; i++)
		if (p->log_level_set[i] && !verbose)
			log_set_level(lg, (enum log_subsys)i, p->log_level[i]);
}

static int connect_run(int argc, char **argv)
{
	struct connect_opts o = {0};
	struct conn_params cp = {0};
	struct daemon_opts dopts = {0};
	struct savekeys *sk = NULL;
	struct profile *p;
	struct logger lg;
	char err[PROFILE_PATH_MAX + 512];
	int rc;

	rc = parse_args(argc, argv, &o);
	if (rc)
		return rc == -2 ? EXIT_OK : rc;

	p = calloc(1, sizeof(*p));
	if (!p)
		return EXIT_FAILURE_GENERIC;
	if (load_profile(p, &o, err, sizeof(err)) < 0) {
		fprintf(stderr, "l2tpsec: %s\n", err);
		rc = EXIT_CONFIG;
		goto out;
	}
	if (resolve_gateway(p, &cp, err, sizeof(err)) < 0) {
		fprintf(stderr, "l2tpsec: %s\n", err);
		rc = EXIT_NETWORK;
		goto out;
	}
	if (load_certs(p, &o.ask, &cp, err, sizeof(err)) < 0) {
		fprintf(stderr, "l2tpsec: %s\n", err);
		rc = EXIT_CONFIG;
		goto out;
	}
	set_log_levels(&lg, p, o.verbose);
	if (p->save_keys[0]) {
		sk = malloc(sizeof(*sk));
		if (!sk || savekeys_open(sk, p->save_keys, err, sizeof(err)) < 0) {
			fprintf(stderr, "l2tpsec: %s\n", sk ? err : "out of memory");
			rc = EXIT_CONFIG;
			goto out;
		}
		log_warn(&lg, LOG_CLIENT,
			 "save-keys: writing this connection's keys to %s: anyone with them and a "
			 "capture reads the traffic",
			 p->save_keys);
		cp.savekeys = sk;
	}
	cp.profile = p;
	cp.password = &p->password.value;
	cp.ask = &o.ask;
	cp.run_dir = o.run_dir ? o.run_dir : CTL_RUN_DIR;
	dopts.background = o.background;
	dopts.run_dir = cp.run_dir;
	rc = daemon_run(&lg, &cp, &dopts);
	if (rc != 0 && !o.background)
		fprintf(stderr, "l2tpsec: connection failed (exit status %d)\n", rc);
out:
	if (cp.savekeys)
		savekeys_close(cp.savekeys);
	free(sk);
	free_certs(&cp);
	profile_free(p);
	free(p);
	return rc;
}

const struct command cmd_connect = {
	.name = "connect",
	.summary = "connect to a VPN gateway and stay until disconnected",
	.usage = connect_usage,
	.run = connect_run,
};
