/* Wireshark's key files for --save-keys; see client/savekeys.h. */
#include "client/savekeys.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/util.h"

const char *savekeys_cipher_name(enum esp_cipher c)
{
	switch (c) {
	case ESP_CIPHER_NULL:
		return "NULL";
	case ESP_CIPHER_3DES_CBC:
		return "TripleDES-CBC [RFC2451]";
	case ESP_CIPHER_AES_CBC:
		return "AES-CBC [RFC3602]";
	case ESP_CIPHER_AES_GCM_16:
		return "AES-GCM with 16 octet ICV [RFC4106]"; /* key with its salt */
	}
	return NULL;
}

const char *savekeys_auth_name(enum esp_auth a)
{
	switch (a) {
	case ESP_AUTH_NONE:
		return "NULL";
	case ESP_AUTH_HMAC_MD5_96:
		return "HMAC-MD5-96 [RFC2403]";
	case ESP_AUTH_HMAC_SHA1_96:
		return "HMAC-SHA-1-96 [RFC2404]";
	case ESP_AUTH_HMAC_SHA256_128:
		return "HMAC-SHA-256-128 [RFC4868]";
	case ESP_AUTH_HMAC_SHA256_96:
		return "HMAC-SHA-256-96 [draft-ietf-ipsec-ciph-sha-256-00]";
	case ESP_AUTH_HMAC_SHA384_192:
		return "HMAC-SHA-384-192 [RFC4868]";
	case ESP_AUTH_HMAC_SHA512_256:
		return "HMAC-SHA-512-256 [RFC4868]";
	}
	return NULL;
}

int savekeys_open(struct savekeys *sk, const char *dir, char *err, size_t errlen)
{
	struct stat st;

	memset(sk, 0, sizeof(*sk));
	sk->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sk->dir_fd < 0) {
		snprintf(err, errlen, "save-keys: %s: %s", dir, strerror(errno));
		return -1;
	}
	if (fstat(sk->dir_fd, &st) < 0 || st.st_uid != 0 || (st.st_mode & 077)) {
		snprintf(err, errlen,
		         "save-keys: %s must be owned by root and closed to group and others "
		         "(mode %04o, uid %lu); run 'chown root: %s; chmod 700 %s'",
		         dir, (unsigned)(st.st_mode & 07777), (unsigned long)st.st_uid, dir, dir);
		close(sk->dir_fd);
		sk->dir_fd = -1;
		return -1;
	}
	return 0;
}

static void put_hex(FILE *f, const uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len; i++)
		fprintf(f, "%02x", b[i]);
}

/* Writes name whole through a temporary file, so Wireshark never reads
 * half a table; the file is 0600 whatever the umask. */
static int write_table(struct savekeys *sk, const char *name,
                       void (*fill)(const struct savekeys *sk, FILE *f))
{
	char tmp[64];
	FILE *f;
	int fd, rc;

	snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
	unlinkat(sk->dir_fd, tmp, 0);
	fd = openat(sk->dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return -1;
	}
	fill(sk, f);
	rc = fflush(f) == 0 && !ferror(f) ? 0 : -1;
	fclose(f);
	if (rc == 0)
		rc = renameat(sk->dir_fd, tmp, sk->dir_fd, name);
	if (rc < 0)
		unlinkat(sk->dir_fd, tmp, 0);
	return rc;
}

static void fill_ike(const struct savekeys *sk, FILE *f)
{
	for (size_t i = 0; i < sk->n_ike; i++) {
		put_hex(f, sk->ike[i].icookie, 8);
		fputc(',', f);
		put_hex(f, sk->ike[i].key, sk->ike[i].key_len);
		fputc('\n', f);
	}
}

static void fill_esp(const struct savekeys *sk, FILE *f)
{
	for (size_t i = 0; i < sk->n_esp; i++) {
		const struct savekeys_esp *e = &sk->esp[i];

		fprintf(f, "\"%s\",\"%s\",\"%s\",\"0x%08x\",\"%s\",\"0x", e->ipv6 ? "IPv6" : "IPv4",
		        e->src, e->dst, e->spi, savekeys_cipher_name(e->cipher));
		put_hex(f, e->enc_key, e->enc_key_len);
		fprintf(f, "\",\"%s\",\"0x", savekeys_auth_name(e->auth));
		put_hex(f, e->auth_key, e->auth_key_len);
		fputs("\"\n", f);
	}
}

static void fill_prefs(const struct savekeys *sk, FILE *f)
{
	(void)sk;
	fputs("# written by l2tpsec --save-keys\nesp.enable_encryption_decode: TRUE\n", f);
}

static int write_all(struct savekeys *sk)
{
	int rc = write_table(sk, "ikev1_decryption_table", fill_ike);

	rc |= write_table(sk, "esp_sa", fill_esp);
	rc |= write_table(sk, "preferences", fill_prefs);
	return rc ? -1 : 0;
}

int savekeys_add_ike(struct savekeys *sk, const struct ike_p1_export *k)
{
	struct savekeys_ike *e;

	if (sk->dir_fd < 0 || k->enc_key_len > sizeof(e->key))
		return -1;
	if (sk->n_ike == SAVEKEYS_MAX_IKE) { /* the oldest goes */
		secure_clear(&sk->ike[0], sizeof(sk->ike[0]));
		memmove(&sk->ike[0], &sk->ike[1], sizeof(sk->ike[0]) * (SAVEKEYS_MAX_IKE - 1));
		sk->n_ike--;
	}
	e = &sk->ike[sk->n_ike++];
	memcpy(e->icookie, k->icookie, 8);
	memcpy(e->key, k->enc_key, k->enc_key_len);
	e->key_len = k->enc_key_len;
	return write_all(sk);
}

static void addr_text(const struct sockaddr_storage *ss, char *out, size_t outlen)
{
	const void *a = ss->ss_family == AF_INET6
	                    ? (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr
	                    : (const void *)&((const struct sockaddr_in *)ss)->sin_addr;

	if ((ss->ss_family != AF_INET && ss->ss_family != AF_INET6) ||
	    !inet_ntop(ss->ss_family, a, out, (socklen_t)outlen))
		snprintf(out, outlen, "*"); /* Wireshark's wildcard */
}

static void add_direction(struct savekeys *sk, const struct esp_sa *sa,
                          const struct sockaddr_storage *src, const struct sockaddr_storage *dst)
{
	struct savekeys_esp *e;

	if (sk->n_esp == SAVEKEYS_MAX_ESP) {
		secure_clear(&sk->esp[0], sizeof(sk->esp[0]));
		memmove(&sk->esp[0], &sk->esp[1], sizeof(sk->esp[0]) * (SAVEKEYS_MAX_ESP - 1));
		sk->n_esp--;
	}
	e = &sk->esp[sk->n_esp++];
	memset(e, 0, sizeof(*e));
	e->ipv6 = src->ss_family == AF_INET6;
	addr_text(src, e->src, sizeof(e->src));
	addr_text(dst, e->dst, sizeof(e->dst));
	e->spi = sa->spi;
	e->cipher = sa->cipher;
	e->auth = sa->auth;
	e->enc_key_len = sa->enc_key_len <= sizeof(e->enc_key) ? sa->enc_key_len : 0;
	e->auth_key_len = sa->auth_key_len <= sizeof(e->auth_key) ? sa->auth_key_len : 0;
	memcpy(e->enc_key, sa->enc_key, e->enc_key_len);
	memcpy(e->auth_key, sa->auth_key, e->auth_key_len);
}

int savekeys_add_esp(struct savekeys *sk, const struct esp_sa_pair *pair)
{
	if (sk->dir_fd < 0 || !savekeys_cipher_name(pair->in.cipher) ||
	    !savekeys_auth_name(pair->in.auth))
		return -1;
	/* in: the gateway sends to us; out: we send to the gateway */
	add_direction(sk, &pair->in, &pair->remote, &pair->local);
	add_direction(sk, &pair->out, &pair->local, &pair->remote);
	return write_all(sk);
}

void savekeys_close(struct savekeys *sk)
{
	if (sk->dir_fd >= 0)
		close(sk->dir_fd);
	secure_clear(sk, sizeof(*sk));
	sk->dir_fd = -1;
}
