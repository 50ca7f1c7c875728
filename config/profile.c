/* The profile model: defaults, cross-field validation and loading from
 * disk (the syntax of single values is config/profile_values.c). */
#include "config/profile.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/nmconn.h"
#include "ike/ike.h"
#include "lib/util.h"

void profile_warnings_init(struct profile_warnings *w)
{
	memset(w, 0, sizeof(*w));
}

void profile_warn(struct profile_warnings *w, const char *fmt, ...)
{
	va_list ap;

	if (!w)
		return;
	if (w->count >= PROFILE_WARN_MAX) {
		w->dropped++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(w->text[w->count++], PROFILE_WARN_LEN, fmt, ap);
	va_end(ap);
}

const char *profile_why(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return buf;
}

void profile_warnings_print(const struct profile_warnings *w, FILE *out)
{
	for (size_t i = 0; i < w->count; i++)
		fprintf(out, "warning: %s\n", w->text[i]);
	if (w->dropped)
		fprintf(out, "warning: %zu more warnings not shown\n", w->dropped);
}

void profile_init(struct profile *p, const char *name)
{
	memset(p, 0, sizeof(*p));
	if (name)
		snprintf(p->name, sizeof(p->name), "%s", name);
	p->auth = PROFILE_AUTH_PSK;
	p->dh2048 = PROFILE_DH2048_OFFER;
	p->assume_udp_encaps = 2;
	p->ike_lifetime_s = IKE_DEFAULT_IKE_LIFETIME_S; /* Windows XP's */
	p->ipsec_lifetime_s = IKE_DEFAULT_IPSEC_LIFETIME_S;
	p->pfs = PROFILE_PFS_OFF;
	p->dpd_interval_s = 30;
	p->nat_keepalive_s = 20; /* RFC 3948 §4 suggests 20 s */
	p->l2tp_port = PROFILE_L2TP_PORT_AUTO;
	p->hello_interval_s = 60;
	p->retries = 5;
	p->auth_methods = PROFILE_PPP_DEFAULT;
	p->mtu = 1400;
	p->mru = 1400;
	p->lcp_echo_interval_s = 30;
	p->lcp_echo_failure = 4;
	p->default_route = true;
	p->dns = PROFILE_DNS_AUTO;
	p->datapath = PROFILE_DATAPATH_AUTO;
	p->reconnect = true;
}

void profile_free(struct profile *p)
{
	secret_free(&p->psk.value);
	secret_free(&p->tunnel_secret.value);
	secret_free(&p->password.value);
	secure_clear(p, sizeof(*p));
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

bool profile_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len >= PROFILE_NAME_MAX || name[0] == '.' || name[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!name_char(name[i]))
			return false;
	return true;
}

void profile_name_from(char out[PROFILE_NAME_MAX], const char *text)
{
	size_t n = 0;

	for (; *text && n < PROFILE_NAME_MAX - 1; text++) {
		char c = name_char(*text) ? *text : '-';

		if ((n == 0 && (c == '-' || c == '.')) || (c == '-' && n > 0 && out[n - 1] == '-'))
			continue;
		out[n++] = c;
	}
	while (n > 0 && out[n - 1] == '-')
		n--;
	out[n] = '\0';
	if (n == 0)
		snprintf(out, PROFILE_NAME_MAX, "vpn");
}

/* ---- validation and secrets ---------------------------------------------- */

bool profile_secret_missing(const struct profile_secret *s)
{
	return (s->src == PROFILE_SECRET_NONE || s->src == PROFILE_SECRET_ASK) &&
	       !secret_is_set(&s->value);
}

/* A secret that is neither in the profile nor in a named file. With warn,
 * that is a warning (`connect` asks for it, or the command line gives it),
 * else an error. */
static int missing_secret(const struct profile *p, const struct profile_secret *s, const char *ours,
                          const char *option, struct profile_warnings *warn, char *err,
                          size_t errlen)
{
	char msg[PROFILE_WARN_LEN + PROFILE_PATH_MAX];

	if (!profile_secret_missing(s))
		return 0;
	if (s->src == PROFILE_SECRET_ASK)
		snprintf(msg, sizeof(msg),
		         "%s: secret %s is not stored in the file (flags=%u); connect asks for it, "
		         "or give it with %s",
		         p->source, s->nm_name ? s->nm_name : ours, s->nm_flags, option);
	else if (s->nm_name)
		snprintf(
		    msg, sizeof(msg),
		    "%s: secret %s is missing from [vpn-secrets]; connect asks for it, or give "
		    "it with %s",
		    p->source, s->nm_name, option);
	else
		snprintf(msg, sizeof(msg),
		         "%s: missing '%s' or '%s-file'; connect asks for it, or give it with %s",
		         p->source, ours, ours, option);
	if (warn) {
		profile_warn(warn, "%s", msg);
		return 0;
	}
	snprintf(err, errlen, "%s", msg);
	return -1;
}

int profile_validate(const struct profile *p, struct profile_warnings *secrets_warn, char *err,
                     size_t errlen)
{
	if (p->gateway[0] == '\0') {
		snprintf(err, errlen, "%s: [gateway]: missing required key 'host'", p->source);
		return -1;
	}
	if (p->auth == PROFILE_AUTH_PSK &&
	    missing_secret(p, &p->psk, "psk", "--psk-file or --psk-stdin", secrets_warn, err,
	                   errlen) < 0)
		return -1;
	if (p->auth == PROFILE_AUTH_CERT &&
	    ((!p->cert[0] && !profile_key_is_p12(p->key)) || !p->key[0] || !p->ca[0])) {
		snprintf(err, errlen,
		         "%s: [ipsec]: auth = cert needs 'cert' (unless 'key' is a .p12), 'key' "
		         "and 'ca'",
		         p->source);
		return -1;
	}
	if (p->user[0] == '\0') {
		snprintf(err, errlen, "%s: [ppp]: missing required key 'user'", p->source);
		return -1;
	}
	if (missing_secret(p, &p->password, "password", "--password-file or --password-stdin",
	                   secrets_warn, err, errlen) < 0)
		return -1;
	if (p->auth_methods == 0) {
		snprintf(err, errlen, "%s: [ppp]: no authentication method left", p->source);
		return -1;
	}
	return 0;
}

int profile_secret_set_file(struct profile_secret *s, const char *path)
{
	if (strlen(path) >= sizeof(s->file))
		return -1;
	secret_free(&s->value);
	snprintf(s->file, sizeof(s->file), "%s", path);
	s->src = PROFILE_SECRET_FILE;
	return 0;
}

static int load_one(struct profile_secret *s, bool is_psk, char *err, size_t errlen)
{
	size_t n;

	if (s->src != PROFILE_SECRET_FILE)
		return 0;
	if (secret_read_file(s->file, &s->value, err, errlen) < 0)
		return -1;
	if (is_psk && secret_decode_psk(&s->value, err, errlen) < 0) {
		n = strlen(err);
		snprintf(err + n, errlen - n, " (in %s)", s->file);
		secret_free(&s->value);
		return -1;
	}
	return 0;
}

int profile_load_secrets(struct profile *p, char *err, size_t errlen)
{
	if (p->auth == PROFILE_AUTH_PSK && load_one(&p->psk, true, err, errlen) < 0)
		return -1;
	if (load_one(&p->tunnel_secret, false, err, errlen) < 0)
		return -1;
	return load_one(&p->password, false, err, errlen);
}

/* ---- files ---------------------------------------------------------------- */

int profile_path_for(const char *name_or_path, char *out, size_t outlen)
{
	int n;

	if (strchr(name_or_path, '/'))
		n = snprintf(out, outlen, "%s", name_or_path);
	else if (profile_name_valid(name_or_path))
		n = snprintf(out, outlen, "%s/%s.conf", PROFILE_DIR, name_or_path);
	else
		return -1;
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

void profile_file_free(char *buf, size_t len)
{
	if (buf) {
		secure_clear(buf, len);
		free(buf);
	}
}

/* A profile can name a hook that runs as root: nobody but its owner (root
 * or us) may change it. Inline secrets also need it to be unreadable. */
static int check_profile_stat(const struct stat *st, const char *path,
                              struct profile_parse_opts *opts, char *err, size_t errlen)
{
	if (!S_ISREG(st->st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		return -1;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(err, errlen,
		         "%s: writable by group or others (mode %04o); run 'chmod go-w %s'", path,
		         (unsigned)(st->st_mode & 07777), path);
		return -1;
	}
	opts->secrets_allowed = secret_check_private(st, path, opts->secrets_refused_why,
	                                             sizeof(opts->secrets_refused_why)) == 0;
	if (!opts->secrets_allowed && st->st_uid != 0 && st->st_uid != getuid() &&
	    st->st_uid != geteuid()) {
		snprintf(err, errlen, "%s", opts->secrets_refused_why);
		return -1;
	}
	return 0;
}

int profile_file_read(const char *path, char **bufp, size_t *lenp, struct profile_parse_opts *opts,
                      char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	memset(opts, 0, sizeof(*opts));
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (check_profile_stat(&st, path, opts, err, errlen) < 0)
		goto fail;
	if (st.st_size > PROFILE_FILE_MAX) {
		snprintf(err, errlen, "%s: bigger than %d bytes", path, PROFILE_FILE_MAX);
		goto fail;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	while (len <= (size_t)st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > (size_t)st.st_size) {
		snprintf(err, errlen, "%s: changed while being read", path);
		goto fail;
	}
	close(fd);
	*bufp = buf;
	*lenp = len;
	return 0;
fail:
	profile_file_free(buf, len);
	close(fd);
	return -1;
}

int profile_parse_file(struct profile *p, const char *path, enum profile_format format,
                       struct profile_warnings *warn, char *err, size_t errlen)
{
	struct profile_parse_opts opts;
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if (errlen)
		err[0] = '\0';
	if (profile_file_read(path, &buf, &len, &opts, err, errlen) < 0)
		return -1;
	if (format == PROFILE_FORMAT_NM)
		rc = nmconn_parse(p, buf, len, path, &opts, warn, err, errlen);
	else
		rc = profile_parse_ini(p, buf, len, path, &opts, warn, err, errlen);
	profile_file_free(buf, len);
	return rc;
}

int profile_apply_overrides(struct profile *p, const struct profile_overrides *ov, char *err,
                            size_t errlen)
{
	if (!ov)
		return 0;
	if (ov->psk_file && profile_secret_set_file(&p->psk, ov->psk_file) < 0) {
		snprintf(err, errlen, "--psk-file: path too long");
		return -1;
	}
	if (ov->password_file && profile_secret_set_file(&p->password, ov->password_file) < 0) {
		snprintf(err, errlen, "--password-file: path too long");
		return -1;
	}
	return 0;
}

int profile_load(struct profile *p, const char *path, enum profile_format format,
                 const struct profile_overrides *ov, struct profile_warnings *warn, char *err,
                 size_t errlen)
{
	if (profile_parse_file(p, path, format, warn, err, errlen) < 0 ||
	    profile_apply_overrides(p, ov, err, errlen) < 0 ||
	    profile_validate(p, NULL, err, errlen) < 0)
		return -1;
	return profile_load_secrets(p, err, errlen);
}
