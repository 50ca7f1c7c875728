/* Saving and replaying netcfg's record of added routes (crash recovery). */
#include "sys/netcfg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int netcfg_parse_cidr(const char *s, struct in_addr *dst, uint8_t *prefix)
{
	char addr[INET_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	long p = 32;
	char *end;

	if (alen == 0 || alen >= sizeof(addr))
		return -1;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, dst) != 1)
		return -1;
	if (slash) {
		errno = 0;
		p = strtol(slash + 1, &end, 10);
		if (errno || end == slash + 1 || *end || p < 0 || p > 32)
			return -1;
	}
	if (p < 32 && (ntohl(dst->s_addr) & (0xffffffffu >> p)))
		return -1; /* host bits set: almost certainly a typo */
	*prefix = (uint8_t)p;
	return 0;
}

int netcfg_save(const struct netcfg *nc, const char *path)
{
	char tmp[4096];
	FILE *f;
	int fd;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -1;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return -1;
	}
	for (size_t i = 0; i < nc->n_added; i++) {
		char dst[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &nc->added[i].dst, dst, sizeof(dst));
		inet_ntop(AF_INET, &nc->added[i].gw, gw, sizeof(gw));
		fprintf(f, "route %s/%u %s %d %u\n", dst, nc->added[i].prefix, gw,
			nc->added[i].ifindex, nc->added[i].metric);
	}
	for (size_t i = 0; i < nc->n_added6; i++) {
		char dst[INET6_ADDRSTRLEN], gw[INET6_ADDRSTRLEN];

		inet_ntop(AF_INET6, &nc->added6[i].dst, dst, sizeof(dst));
		if (nc->added6[i].prohibit)
			fprintf(f, "route6 %s/%u prohibit %u\n", dst, nc->added6[i].prefix,
			        nc->added6[i].metric);
		else if (IN6_IS_ADDR_UNSPECIFIED(&nc->added6[i].gw))
			fprintf(f, "route6 %s/%u %d %u\n", dst, nc->added6[i].prefix,
			        nc->added6[i].ifindex, nc->added6[i].metric);
		else
			fprintf(f, "route6 %s/%u %d %u via %s\n", dst, nc->added6[i].prefix,
			        nc->added6[i].ifindex, nc->added6[i].metric,
			        inet_ntop(AF_INET6, &nc->added6[i].gw, gw, sizeof(gw)));
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* "route A.B.C.D/N GW IFINDEX [METRIC]": records written before routes
 * had metrics lack the last field (0: delete whatever metric) */
static int parse_line(const char *line, struct netcfg_route *r)
{
	char cidr[64], gw[64];
	int ifindex, n;

	memset(r, 0, sizeof(*r));
	n = sscanf(line, "route %63s %63s %d %u", cidr, gw, &ifindex, &r->metric);
	if (n < 3 || ifindex <= 0)
		return -1;
	if (netcfg_parse_cidr(cidr, &r->dst, &r->prefix) < 0 || inet_pton(AF_INET, gw, &r->gw) != 1)
		return -1;
	r->ifindex = ifindex;
	return 0;
}

/* "route6 X::/N IFINDEX [METRIC [via GW]]" or "route6 X::/N prohibit [METRIC]"
 * (records written before the metric have neither) */
static int parse_line6(const char *line, struct netcfg_route6 *r)
{
	char cidr[64], via[16], word[8], gw[64], *slash, *end;
	long prefix;
	int ifindex = 0, n;

	memset(r, 0, sizeof(*r));
	n = sscanf(line, "route6 %63s %15s %u %7s %63s", cidr, via, &r->metric, word, gw);
	if (n != 2 && n != 3 && n != 5)
		return -1;
	if (strcmp(via, "prohibit") == 0 && n <= 3)
		r->prohibit = true;
	else if (sscanf(via, "%d", &ifindex) != 1 || ifindex <= 0)
		return -1;
	if (n == 5 && (strcmp(word, "via") != 0 || inet_pton(AF_INET6, gw, &r->gw) != 1))
		return -1;
	slash = strchr(cidr, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	errno = 0;
	prefix = strtol(slash + 1, &end, 10);
	if (errno || end == slash + 1 || *end || prefix < 0 || prefix > 128 ||
	    inet_pton(AF_INET6, cidr, &r->dst) != 1)
		return -1;
	r->prefix = (uint8_t)prefix;
	r->ifindex = ifindex;
	return 0;
}

int netcfg_undo_file(struct netcfg *nc, const char *path)
{
	char line[256];
	FILE *f = fopen(path, "re");
	size_t bad = 0;

	if (!f)
		return errno == ENOENT ? 0 : -1;
	nc->n_added = 0;
	nc->n_added6 = 0;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "route6 ", 7) == 0 && nc->n_added6 < NETCFG_MAX_ROUTES &&
		    parse_line6(line, &nc->added6[nc->n_added6]) == 0)
			nc->n_added6++;
		else if (strncmp(line, "route6 ", 7) != 0 && nc->n_added < NETCFG_MAX_ROUTES &&
			 parse_line(line, &nc->added[nc->n_added]) == 0)
			nc->n_added++;
		else
			bad++;
	}
	fclose(f);
	if (nc->n_added + nc->n_added6)
		log_notice(nc->lg, LOG_CLIENT, "removing %zu route(s) left by an earlier run",
			   nc->n_added + nc->n_added6);
	if (bad)
		log_warn(nc->lg, LOG_CLIENT, "%s: %zu unreadable line(s) ignored", path, bad);
	netcfg_undo(nc);
	unlink(path);
	return 0;
}
