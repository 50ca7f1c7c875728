/*
 * ike-connect: run one IKE session against a gateway and print one line.
 *
 *   ike-connect --remote 172.16.0.2 --psk-file F [--ike P] [--esp P]
 *               [--dh2048 off|offer|require] [--pfs N] [--nat-policy 0|1|2]
 *               [--cert F --key F --ca F] [--local-id T:V] [--remote-id T:V]
 *               [--timeout S] [--hold S] [--ipsec-life S] [--ike-life S]
 *               [--dpd S] [--stop] [--force-encaps] [--remote2 ADDR]
 *               [--hold-ports] [--ping] [-v]
 *
 * --remote2 runs a second session to another gateway at the same time, on
 * the same local ports; --hold-ports first binds UDP 500 and 4500 without
 * SO_REUSEADDR, as an IKE daemon would.
 * Prints "OK ike=... esp=... natt=... nat_local=... spi_in=... spi_out=...
 * encap=udp|none ports=IKE/NATT" (one line per session, the second one
 * prefixed "OK2") after Quick Mode, with --ping then "PING answered|unanswered|
 * unsupported" for an R-U-THERE sent right after Quick Mode (and, with --hold, the rekeys seen
 * while holding), or the session's one-line failure; exit status 0 / 1 / 2 (usage).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "ike/ike.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/util.h"

struct probe {
	struct loop *loop;
	struct ike_session *ike;
	int *all_up; /* sessions established, shared */
	int nsessions;
	bool encap;
	int established, rekeys, deleted;
	bool failed, stopped, stop_after, ping, pinged;
	uint32_t hold_s;
	struct loop_timer hold;
};

static void on_established(void *ctx, const struct esp_sa_pair *sa, bool is_rekey)
{
	struct probe *p = ctx;

	if (!p->established)
		(*p->all_up)++;
	p->established++;
	p->rekeys += is_rekey;
	p->encap = sa->udp_encap;
	fprintf(stderr, "probe: SA %s in %08x out %08x enc %u/%u auth %u/%u encap %d\n",
	        is_rekey ? "rekeyed" : "established", sa->in.spi, sa->out.spi, sa->in.cipher,
	        sa->in.enc_key_len, sa->in.auth, sa->in.auth_key_len, sa->udp_encap);
	if (!is_rekey && p->hold_s == 0 && *p->all_up == p->nsessions)
		loop_quit(p->loop, 0);
}

static void on_deleted(void *ctx, uint32_t in, uint32_t out)
{
	struct probe *p = ctx;

	p->deleted++;
	fprintf(stderr, "probe: SA deleted in %08x out %08x\n", in, out);
}

static void on_failed(void *ctx, const struct ike_failure *f)
{
	struct probe *p = ctx;

	(void)f;
	p->failed = true;
	loop_quit(p->loop, 1);
}

static void on_stopped(void *ctx)
{
	struct probe *p = ctx;

	p->stopped = true;
	loop_quit(p->loop, 0);
}

static void on_ping_answered(void *ctx)
{
	struct probe *p = ctx;

	p->pinged = true;
	loop_quit(p->loop, 0);
}

static void on_hold(struct loop *loop, struct loop_timer *t, void *ctx)
{
	(void)t;
	(void)ctx;
	loop_quit(loop, 0);
}

static void on_timeout(struct loop *loop, struct loop_timer *t, void *ctx)
{
	(void)t;
	(void)ctx;
	loop_quit(loop, 3);
}

static int parse_id(const char *s, struct ike_id *id)
{
	static const struct {
		const char *p;
		enum ike_id_type t;
	} types[] = {{"ipv4:", IKE_ID_IPV4_ADDR},
	             {"fqdn:", IKE_ID_FQDN},
	             {"email:", IKE_ID_USER_FQDN},
	             {"dn:", IKE_ID_DER_ASN1_DN}};

	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		size_t n = strlen(types[i].p);

		if (strncmp(s, types[i].p, n) == 0 && strlen(s + n) < sizeof(id->value)) {
			id->type = types[i].t;
			strcpy(id->value, s + n);
			return 0;
		}
	}
	return -1;
}

static size_t read_secret(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return 0;
	n = fread(buf, 1, cap, f);
	fclose(f);
	/* A trailing newline from shell tools is not part of the key. */
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	return n;
}

static X509 *load_cert(const char *path)
{
	FILE *f = fopen(path, "r");
	X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;

	if (f)
		fclose(f);
	return x;
}

static EVP_PKEY *load_key(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;

	if (f)
		fclose(f);
	return k;
}

static int usage(void)
{
	fprintf(stderr, "usage: ike-connect --remote ADDR (--psk-file F | --cert F --key F --ca F) "
	                "[options]\n");
	return 2;
}

/* Bind 0.0.0.0:port without SO_REUSEADDR, as charon or pluto do. */
static int hold_port(uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		perror("hold port");
		exit(2);
	}
	return fd;
}

static int report(struct probe *p, const char *ok, int rc)
{
	struct ike_status st;
	char line[256];

	ike_get_status(p->ike, &st);
	if (p->failed || st.state == IKE_STATE_FAILED) {
		printf("FAIL %s\n", ike_failure_str(&st.last_failure, line, sizeof(line)));
		return 1;
	}
	if (rc == 3 || !p->established) {
		printf("FAIL timeout in stage %s\n", ike_stage_name(st.stage));
		return 1;
	}
	printf("%s ike=%s esp=%s natt=%s nat_local=%s nat_remote=%s dpd=%s spi_in=%08x "
	       "spi_out=%08x established=%d rekeys=%d ike_rekeys=%u dropped=%u encap=%s "
	       "ports=%u/%u\n",
	       ok, st.ike_algs, st.esp_algs, ike_natt_name(st.natt), st.nat_local ? "yes" : "no",
	       st.nat_remote ? "yes" : "no", st.dpd ? "yes" : "no", st.spi_in, st.spi_out,
	       p->established, p->rekeys, st.rekeys_ike, st.dropped, p->encap ? "udp" : "none",
	       st.local_port, ike_natt_port(p->ike));
	return 0;
}

int main(int argc, char **argv)
{
	struct ike_config cfg;
	struct ike_callbacks cb = {.sa_established = on_established,
	                           .sa_expired_or_deleted = on_deleted,
	                           .failed = on_failed,
	                           .stopped = on_stopped,
	                           .ping_answered = on_ping_answered};
	struct probe p = {0}, p2 = {0};
	struct logger lg;
	uint8_t psk[256];
	uint32_t timeout_s = 30;
	struct loop_timer timeout;
	struct sockaddr_storage remote2 = {0};
	X509 *cert = NULL, *ca = NULL;
	EVP_PKEY *key = NULL;
	X509_STORE *store = NULL;
	int rc, all_up = 0, held[2] = {-1, -1};
	bool hold_ports = false;

	ike_config_defaults(&cfg);
	log_init(&lg, LOG_TO_STDERR_PLAIN, LOG_LVL_INFO);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "-v")) {
			log_set_all_levels(&lg, LOG_LVL_DEBUG);
			continue;
		}
		if (!strcmp(a, "--stop")) {
			p.stop_after = true;
			continue;
		}
		if (!strcmp(a, "--ping")) {
			p.ping = true;
			continue;
		}
		if (!strcmp(a, "--force-encaps")) {
			cfg.force_encaps = true;
			continue;
		}
		if (!strcmp(a, "--no-fragmentation")) {
			cfg.no_fragmentation = true;
			continue;
		}
		if (!strcmp(a, "--hold-ports")) {
			hold_ports = true;
			continue;
		}
		if (!v)
			return usage();
		i++;
		if (!strcmp(a, "--remote") || !strcmp(a, "--remote2")) {
			struct sockaddr_storage *ss = a[8] ? &remote2 : &cfg.remote;
			struct sockaddr_in *in = (struct sockaddr_in *)ss;
			struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

			memset(ss, 0, sizeof(*ss));
			in->sin_family = AF_INET;
			if (inet_pton(AF_INET, v, &in->sin_addr) != 1) {
				/* an IPv6 gateway (issue 17) */
				in6->sin6_family = AF_INET6;
				if (inet_pton(AF_INET6, v, &in6->sin6_addr) != 1)
					return usage();
			}
			/* the gateway's certificate must name the address typed */
			if (!a[8])
				snprintf(cfg.gateway_host, sizeof(cfg.gateway_host), "%s", v);
		} else if (!strcmp(a, "--psk-file")) {
			cfg.psk_len = read_secret(v, psk, sizeof(psk));
			cfg.psk = psk;
		} else if (!strcmp(a, "--ike")) {
			cfg.ike_proposals = v;
		} else if (!strcmp(a, "--esp")) {
			cfg.esp_proposals = v;
		} else if (!strcmp(a, "--dh2048")) {
			cfg.dh2048 = !strcmp(v, "off")       ? IKE_DH2048_OFF
			             : !strcmp(v, "require") ? IKE_DH2048_REQUIRE
			                                     : IKE_DH2048_OFFER;
		} else if (!strcmp(a, "--pfs")) {
			cfg.pfs_group = (uint16_t)atoi(v);
		} else if (!strcmp(a, "--nat-policy")) {
			cfg.nat_policy = (enum ike_nat_policy)atoi(v);
		} else if (!strcmp(a, "--cert")) {
			cert = load_cert(v);
			cfg.auth = IKE_AUTH_RSA_SIG;
		} else if (!strcmp(a, "--key")) {
			key = load_key(v);
		} else if (!strcmp(a, "--ca")) {
			ca = load_cert(v);
			store = X509_STORE_new();
			if (!ca || !store || !X509_STORE_add_cert(store, ca))
				return usage();
		} else if (!strcmp(a, "--local-id")) {
			if (parse_id(v, &cfg.local_id))
				return usage();
		} else if (!strcmp(a, "--remote-id")) {
			if (parse_id(v, &cfg.remote_id))
				return usage();
		} else if (!strcmp(a, "--timeout")) {
			timeout_s = (uint32_t)atoi(v);
		} else if (!strcmp(a, "--hold")) {
			p.hold_s = (uint32_t)atoi(v);
		} else if (!strcmp(a, "--ipsec-life")) {
			cfg.ipsec_lifetime_s = (uint32_t)atoi(v);
		} else if (!strcmp(a, "--ike-life")) {
			cfg.ike_lifetime_s = (uint32_t)atoi(v);
		} else if (!strcmp(a, "--rekey-margin")) {
			cfg.rekey_margin_s = (uint32_t)atoi(v);
		} else if (!strcmp(a, "--dpd")) {
			cfg.dpd_interval_s = (uint32_t)atoi(v);
		} else {
			return usage();
		}
	}
	cfg.cert = cert;
	cfg.key = key;
	cfg.ca = store;
	if (cfg.remote.ss_family != AF_INET && cfg.remote.ss_family != AF_INET6)
		return usage();
	if (hold_ports) {
		held[0] = hold_port(500);
		held[1] = hold_port(4500);
	}

	p.loop = p2.loop = loop_new();
	p.all_up = p2.all_up = &all_up;
	p.nsessions = p2.nsessions = remote2.ss_family ? 2 : 1;
	p2.hold_s = p.hold_s;
	p.ike = p.loop ? ike_new(p.loop, &lg, &cfg, &cb, &p) : NULL;
	if (remote2.ss_family) {
		cfg.remote = remote2;
		p2.ike = ike_new(p.loop, &lg, &cfg, &cb, &p2);
	}
	secure_clear(psk, sizeof(psk));
	if (!p.ike || (remote2.ss_family && !p2.ike)) {
		printf("FAIL configuration rejected\n");
		return 1;
	}
	loop_timer_init(&timeout, on_timeout, &p);
	loop_timer_start(p.loop, &timeout, (uint64_t)(timeout_s + p.hold_s) * 1000u);
	loop_timer_init(&p.hold, on_hold, &p);
	if ((ike_start(p.ike) == 0 || !p.failed) &&
	    (!p2.ike || ike_start(p2.ike) == 0 || !p2.failed)) {
		if (p.hold_s)
			loop_timer_start(p.loop, &p.hold, (uint64_t)p.hold_s * 1000u);
		rc = loop_run(p.loop);
	} else {
		rc = 1;
	}

	{
		int bad = report(&p, "OK", rc);

		if (p2.ike) {
			/* Both on one verdict line, last. */
			struct ike_status s1, s2;

			bad |= report(&p2, "OK2", rc);
			ike_get_status(p.ike, &s1);
			ike_get_status(p2.ike, &s2);
			printf("BOTH %s ports=%u/%u,%u/%u\n", bad ? "FAIL" : "OK", s1.local_port,
			       s1.local_natt_port, s2.local_port, s2.local_natt_port);
		}
		rc = bad;
	}
	if (rc == 0 && p.ping) {
		if (ike_ping(p.ike) == 0) {
			loop_run(p.loop);
			printf("PING %s\n", p.pinged ? "answered" : "unanswered");
		} else {
			printf("PING unsupported\n");
		}
	}
	if (rc == 0 && p.stop_after) {
		ike_stop(p.ike);
		loop_run(p.loop);
		printf("STOPPED %s deleted=%d\n", p.stopped ? "yes" : "no", p.deleted);
	}
	fflush(stdout);
	ike_free(p2.ike);
	ike_free(p.ike);
	loop_free(p.loop);
	X509_free(cert);
	X509_free(ca);
	EVP_PKEY_free(key);
	X509_STORE_free(store);
	for (int i = 0; i < 2; i++)
		if (held[i] >= 0)
			close(held[i]);
	return rc;
}
