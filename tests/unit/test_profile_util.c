/* Helpers shared by the profile, NM keyfile and command tests: the corpus in
 * tests/unit/data/profiles, temporary directories and files.
 *
 * #included by those tests, not compiled on its own: every helper is static
 * inline. (It is a .c file because .gitignore ignores tests/unit/test_* but
 * for *.c and *.sh.) */
#ifndef L2TPSEC_TESTS_PROFILE_UTIL_H
#define L2TPSEC_TESTS_PROFILE_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "config/profile.h"

/* Where the corpus lives: $L2TPSEC_SRCDIR (set by `make check`) or ".". */
static inline const char *corpus_dir(void)
{
	static char dir[PATH_MAX];
	const char *top = getenv("L2TPSEC_SRCDIR");

	snprintf(dir, sizeof(dir), "%s/tests/unit/data/profiles", top && *top ? top : ".");
	return dir;
}

/* Reads corpus_dir()/rel into a malloc'd, NUL-terminated buffer; NULL if absent. */
static inline char *corpus_read(const char *rel, size_t *len)
{
	char path[PATH_MAX * 2];
	char *buf = NULL;
	long size;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", corpus_dir(), rel);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)size + 1);
		if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) {
			free(buf);
			buf = NULL;
		}
		if (buf) {
			buf[size] = '\0';
			*len = (size_t)size;
		}
	}
	fclose(f);
	return buf;
}

/* Names of the regular files in corpus_dir()/sub, sorted; count in *n. */
static inline char **corpus_list(const char *sub, size_t *n)
{
	char path[PATH_MAX * 2];
	struct dirent **ents = NULL;
	char **names;
	int count;

	snprintf(path, sizeof(path), "%s/%s", corpus_dir(), sub);
	count = scandir(path, &ents, NULL, alphasort);
	if (count < 0)
		return NULL;
	names = calloc((size_t)count + 1, sizeof(*names));
	*n = 0;
	for (int i = 0; i < count; i++) {
		if (ents[i]->d_name[0] != '.')
			names[(*n)++] = strdup(ents[i]->d_name);
		free(ents[i]);
	}
	free(ents);
	return names;
}

static inline void corpus_list_free(char **names)
{
	for (size_t i = 0; names && names[i]; i++)
		free(names[i]);
	free(names);
}

/* A fresh directory under $TMPDIR or /tmp (short paths keep the test
 * buffers simple). */
#define TEMP_DIR_MAX 200
static inline int make_temp_dir(char out[TEMP_DIR_MAX])
{
	const char *tmp = getenv("TMPDIR");

	if (!tmp || !*tmp || strlen(tmp) > TEMP_DIR_MAX - 32)
		tmp = "/tmp";
	snprintf(out, TEMP_DIR_MAX, "%.*s/l2tpsec-test.XXXXXX", TEMP_DIR_MAX - 32, tmp);
	return mkdtemp(out) ? 0 : -1;
}

/* Writes len bytes to dir/name with the given mode (set with fchmod, so the
 * umask does not interfere). Returns 0 or -1. */
static inline int write_file_mode(const char *dir, const char *name, const void *data, size_t len,
                                  mode_t mode, char *path_out)
{
	char path[PATH_MAX * 2];
	int fd, rc = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (write(fd, data, len) != (ssize_t)len || fchmod(fd, mode) < 0)
		rc = -1;
	close(fd);
	if (path_out)
		memcpy(path_out, path, strlen(path) < PATH_MAX ? strlen(path) + 1 : 1);
	return rc;
}

/* rm -r of a directory made by make_temp_dir (one level, plus dotfiles). */
static inline void remove_temp_dir(const char *dir)
{
	char path[PATH_MAX * 2];
	struct dirent *e;
	DIR *d = opendir(dir);

	while (d && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

/* The "# expect: ..." first line of a bad corpus file, with FILE replaced. */
static inline int corpus_expectation(const char *buf, const char *file, char *out, size_t outlen)
{
	static const char tag[] = "# expect: ";
	const char *start, *end, *file_at;

	if (strncmp(buf, tag, sizeof(tag) - 1) != 0)
		return -1;
	start = buf + sizeof(tag) - 1;
	end = strchr(start, '\n');
	file_at = strstr(start, "FILE");
	if (!end || !file_at || file_at > end)
		return -1;
	snprintf(out, outlen, "%.*s%s%.*s", (int)(file_at - start), start, file,
	         (int)(end - file_at - 4), file_at + 4);
	return 0;
}

/* Every file of corpus directory sub must be refused by parse with exactly
 * the error its first line ("# expect: ...") names. Returns how many files
 * were checked; each mismatch is printed and fails the calling test. */
typedef int (*corpus_parse_fn)(const char *rel, struct profile *p, struct profile_warnings *w,
                               char *err, size_t errlen);
static inline size_t corpus_check_bad(const char *sub, corpus_parse_fn parse)
{
	size_t n = 0, tested = 0, mismatches = 0;
	char **names = corpus_list(sub, &n);
	struct profile *p = malloc(sizeof(*p));

	assert_non_null(names);
	for (size_t i = 0; i < n; i++) {
		char rel[600], err[1024] = "", want[1200];
		size_t len;
		char *buf;

		snprintf(rel, sizeof(rel), "%s/%s", sub, names[i]);
		buf = corpus_read(rel, &len);
		assert_non_null(buf);
		if (corpus_expectation(buf, rel, want, sizeof(want)) < 0)
			fail_msg("%s: no '# expect: FILE...' first line", rel);
		free(buf);
		if (parse(rel, p, NULL, err, sizeof(err)) == 0) {
			print_error("%s: accepted, expected: %s\n", rel, want);
			mismatches++;
		} else if (strcmp(err, want) != 0) {
			print_error("%s:\n   got: %s\n  want: %s\n", rel, err, want);
			mismatches++;
		}
		profile_free(p);
		tested++;
	}
	assert_int_equal(mismatches, 0);
	corpus_list_free(names);
	free(p);
	return tested;
}

/* A profile parser's signature (profile_parse_ini, nmconn_parse). */
typedef int (*profile_parser_fn)(struct profile *p, const void *buf, size_t len,
                                 const char *filename, const struct profile_parse_opts *opts,
                                 struct profile_warnings *warn, char *err, size_t errlen);

/* Parses corpus file rel ("DIR/NAME") from memory with parser, secrets
 * allowed, then validates it. 0, or -1 with the first error in err. */
static inline int corpus_parse_with(profile_parser_fn parser, const char *rel, struct profile *p,
                                    struct profile_warnings *w, char *err, size_t errlen)
{
	static const struct profile_parse_opts secrets_allowed = {.secrets_allowed = true};
	size_t len = 0;
	char *buf = corpus_read(rel, &len);
	int rc;

	assert_non_null(buf);
	profile_init(p, NULL);
	rc = parser(p, buf, len, rel, &secrets_allowed, w, err, errlen);
	if (rc == 0)
		rc = profile_validate(p, NULL, err, errlen);
	free(buf);
	return rc;
}

#endif
