/* esp_xfrm_tool: drives esp/'s kernel path by hand for the interop rig's
 * emulated kernel (tests/interop/scenarios/guest/esp_kernel_*.sh).
 *
 *   esp_xfrm_tool probe          exit 0 when the kernel takes ESP-in-UDP states
 *   esp_xfrm_tool install <CFG   install a pair (states + policies, our tag),
 *                                open the ESP-in-UDP socket on local (bypass
 *                                policy + UDP_ENCAP, as l2tpsec does with its
 *                                IKE socket), print "installed reqid=0x...",
 *                                then hold them
 *                                until SIGTERM/SIGINT, delete them and exit
 *                                (SIGKILL leaves them behind, like a crash)
 *   esp_xfrm_tool list           our states and policies, one per line
 *   esp_xfrm_tool cleanup        remove leftovers of dead owners; print count
 *
 * CFG lines (key=value): local=IP:PORT remote=IP:PORT l2tp_local=PORT
 * l2tp_remote=PORT spi_in=HEX spi_out=HEX cipher=aes|3des|aes-gcm
 * auth=md5|sha1|sha256|sha256_96|sha384|sha512|none key_in=HEX key_out=HEX
 * authkey_in=HEX authkey_out=HEX encap=yes|no */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <netlink/cache.h>
#include <netlink/xfrm/sa.h>
#include <netlink/xfrm/sp.h>
#include <netlink/xfrm/template.h>

#include "esp/esp.h"
#include "esp/xfrm.h"
#include "lib/hex.h"
#include "lib/log.h"
#include "lib/util.h"

static int parse_addr(const char *s, struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	char ip[64];
	const char *colon = strrchr(s, ':');

	if (!colon || (size_t)(colon - s) >= sizeof(ip))
		return -1;
	memcpy(ip, s, (size_t)(colon - s));
	ip[colon - s] = '\0';
	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)atoi(colon + 1));
	return inet_pton(AF_INET, ip, &sin->sin_addr) == 1 ? 0 : -1;
}

static int parse_key(const char *hex, uint8_t *out, size_t cap, uint8_t *len)
{
	long n = hex_decode(hex, out, cap);

	if (n < 0)
		return -1;
	*len = (uint8_t)n;
	return 0;
}

static int apply(struct esp_sa_pair *p, const char *k, const char *v)
{
	static const char *const auths[] = {"none",      "md5",    "sha1",  "sha256",
	                                    "sha256_96", "sha384", "sha512"};
	static const enum esp_auth auth_vals[] = {ESP_AUTH_NONE,           ESP_AUTH_HMAC_MD5_96,
	                                          ESP_AUTH_HMAC_SHA1_96,   ESP_AUTH_HMAC_SHA256_128,
	                                          ESP_AUTH_HMAC_SHA256_96, ESP_AUTH_HMAC_SHA384_192,
	                                          ESP_AUTH_HMAC_SHA512_256};

	if (!strcmp(k, "local"))
		return parse_addr(v, &p->local);
	if (!strcmp(k, "remote"))
		return parse_addr(v, &p->remote);
	if (!strcmp(k, "l2tp_local"))
		return p->local_l2tp_port = (uint16_t)atoi(v), 0;
	if (!strcmp(k, "l2tp_remote"))
		return p->remote_l2tp_port = (uint16_t)atoi(v), 0;
	if (!strcmp(k, "spi_in"))
		return p->in.spi = (uint32_t)strtoul(v, NULL, 16), 0;
	if (!strcmp(k, "spi_out"))
		return p->out.spi = (uint32_t)strtoul(v, NULL, 16), 0;
	if (!strcmp(k, "encap"))
		return p->udp_encap = !strcmp(v, "yes"), 0;
	if (!strcmp(k, "cipher")) {
		p->in.cipher = !strcmp(v, "3des")      ? ESP_CIPHER_3DES_CBC
		               : !strcmp(v, "aes-gcm") ? ESP_CIPHER_AES_GCM_16
		                                       : ESP_CIPHER_AES_CBC;
		p->out.cipher = p->in.cipher;
		return 0;
	}
	if (!strcmp(k, "auth")) {
		for (size_t i = 0; i < ARRAY_SIZE(auths); i++)
			if (!strcmp(v, auths[i])) {
				p->in.auth = p->out.auth = auth_vals[i];
				return 0;
			}
		return -1;
	}
	if (!strcmp(k, "key_in"))
		return parse_key(v, p->in.enc_key, ESP_MAX_ENC_KEY, &p->in.enc_key_len);
	if (!strcmp(k, "key_out"))
		return parse_key(v, p->out.enc_key, ESP_MAX_ENC_KEY, &p->out.enc_key_len);
	if (!strcmp(k, "authkey_in"))
		return parse_key(v, p->in.auth_key, ESP_MAX_AUTH_KEY, &p->in.auth_key_len);
	if (!strcmp(k, "authkey_out"))
		return parse_key(v, p->out.auth_key, ESP_MAX_AUTH_KEY, &p->out.auth_key_len);
	return -1;
}

static int read_config(struct esp_sa_pair *p)
{
	char line[512];

	memset(p, 0, sizeof(*p));
	while (fgets(line, sizeof(line), stdin)) {
		char *eq = strchr(line, '=');

		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (!eq || (*eq = '\0', apply(p, line, eq + 1) < 0)) {
			fprintf(stderr, "esp_xfrm_tool: bad config line '%s'\n", line);
			return -1;
		}
	}
	return 0;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* The IKE/NAT-T socket: ESP arriving on it is decapsulated by the kernel. */
static int open_natt_socket(const struct esp_sa_pair *p)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 ||
	    bind(fd, (const struct sockaddr *)&p->local, sizeof(struct sockaddr_in)) < 0 ||
	    esp_kernel_bypass_socket(fd) < 0 || (p->udp_encap && esp_xfrm_set_udp_encap(fd) < 0)) {
		fprintf(stderr, "esp_xfrm_tool: natt socket: %s\n", strerror(errno));
		return -1;
	}
	return fd;
}

static int cmd_install(struct esp_xfrm *x)
{
	uint32_t reqid = esp_reqid_make(getpid(), 1);
	struct esp_sa_pair p;
	struct sigaction sa = {.sa_handler = on_signal};
	int fd;

	if (read_config(&p) < 0)
		return 2;
	fd = open_natt_socket(&p);
	if (fd < 0)
		return 1;
	if (esp_xfrm_add_states(x, &p, reqid) < 0)
		return 1;
	if (esp_xfrm_add_policies(x, &p, reqid) < 0) {
		esp_xfrm_del_states(x, &p);
		return 1;
	}
	secure_clear(p.in.enc_key, sizeof(p.in.enc_key));
	secure_clear(p.in.auth_key, sizeof(p.in.auth_key));
	secure_clear(p.out.enc_key, sizeof(p.out.enc_key));
	secure_clear(p.out.auth_key, sizeof(p.out.auth_key));
	printf("installed reqid=0x%08x\n", reqid);
	fflush(stdout);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	while (!stop)
		pause();
	/* What l2tpsec does on SIGTERM: remove exactly what it installed. */
	esp_xfrm_del_policies(x, &p);
	esp_xfrm_del_states(x, &p);
	close(fd);
	printf("removed\n");
	return 0;
}

static void print_state(struct nl_object *obj, void *arg)
{
	struct xfrmnl_sa *s = (struct xfrmnl_sa *)obj;
	int reqid = xfrmnl_sa_get_reqid(s);
	unsigned long long bytes = 0, packets = 0, add, use;

	(void)arg;
	if (reqid == -1 || !esp_reqid_is_ours((uint32_t)reqid))
		return;
	xfrmnl_sa_get_curlifetime(s, &bytes, &packets, &add, &use);
	printf("state spi=0x%08x reqid=0x%08x pid=%d packets=%llu bytes=%llu\n",
	       (unsigned)xfrmnl_sa_get_spi(s), (unsigned)reqid, (int)esp_reqid_pid((uint32_t)reqid),
	       packets, bytes);
}

static void print_policy(struct nl_object *obj, void *arg)
{
	struct xfrmnl_sp *sp = (struct xfrmnl_sp *)obj;
	struct xfrmnl_user_tmpl *t;
	int reqid;

	(void)arg;
	if (xfrmnl_sp_get_nusertemplates(sp) < 1 || !(t = xfrmnl_sp_usertemplate_n(sp, 0)))
		return;
	reqid = xfrmnl_user_tmpl_get_reqid(t);
	if (reqid == -1 || !esp_reqid_is_ours((uint32_t)reqid))
		return;
	printf("policy dir=%d reqid=0x%08x pid=%d\n", xfrmnl_sp_get_dir(sp), (unsigned)reqid,
	       (int)esp_reqid_pid((uint32_t)reqid));
}

static int cmd_list(struct esp_xfrm *x)
{
	struct nl_cache *cache;

	if (xfrmnl_sa_alloc_cache(x->cmd, &cache) < 0)
		return 1;
	nl_cache_foreach(cache, print_state, NULL);
	nl_cache_free(cache);
	if (xfrmnl_sp_alloc_cache(x->cmd, &cache) < 0)
		return 1;
	nl_cache_foreach(cache, print_policy, NULL);
	nl_cache_free(cache);
	return 0;
}

int main(int argc, char **argv)
{
	struct logger lg;
	struct esp_xfrm x;
	char why[160];
	int rc = 2, n;

	log_init(&lg, LOG_TO_STDERR_PLAIN, LOG_LVL_INFO);
	if (argc != 2) {
		fprintf(stderr, "usage: esp_xfrm_tool probe|install|list|cleanup\n");
		return 2;
	}
	if (esp_xfrm_open(&x, &lg) < 0) {
		fprintf(stderr, "esp_xfrm_tool: no NETLINK_XFRM socket\n");
		return 1;
	}
	if (!strcmp(argv[1], "probe")) {
		rc = esp_xfrm_probe(&x, why, sizeof(why)) == 0 ? 0 : 1;
		printf("%s\n", rc == 0 ? "kernel ok" : why);
	} else if (!strcmp(argv[1], "install")) {
		rc = cmd_install(&x);
	} else if (!strcmp(argv[1], "list")) {
		rc = cmd_list(&x);
	} else if (!strcmp(argv[1], "cleanup")) {
		n = esp_kernel_cleanup_stale(&lg);
		printf("removed %d\n", n);
		rc = n < 0;
	}
	esp_xfrm_close(&x);
	return rc;
}
