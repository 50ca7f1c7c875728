/*
 * The two things l2tpsec learns from pppd: the report our ip-up script
 * writes into the FIFO, and pppd's exit status (pppd(8) EXIT STATUS).
 */
#include "ppp/pppd.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "lib/util.h"

static const char report_magic[] = "L2TPSEC 1\n";

static void copy_value(char *out, size_t outsz, const char *v, size_t vlen)
{
	size_t n = MIN(vlen, outsz - 1);

	memcpy(out, v, n);
	out[n] = '\0';
}

static int parse_ipv4(const char *v, size_t vlen, uint8_t out[4])
{
	char tmp[INET_ADDRSTRLEN];

	if (vlen == 0) {
		memset(out, 0, 4);
		return 0;
	}
	if (vlen >= sizeof(tmp))
		return -1;
	copy_value(tmp, sizeof(tmp), v, vlen);
	return inet_pton(AF_INET, tmp, out) == 1 ? 0 : -1;
}

/* fe80::<ifid> as pppd prints it; the interface id is the last 8 bytes. */
static int parse_ll(const char *v, size_t vlen, uint8_t out[8])
{
	char tmp[INET6_ADDRSTRLEN];
	uint8_t a[16];

	if (vlen == 0)
		return 0;
	if (vlen >= sizeof(tmp))
		return -1;
	copy_value(tmp, sizeof(tmp), v, vlen);
	if (inet_pton(AF_INET6, tmp, a) != 1)
		return -1;
	memcpy(out, a + 8, 8);
	return 0;
}

static int parse_line(const char *k, size_t klen, const char *v, size_t vlen, struct pppd_report *r)
{
#define KEY(s) (klen == sizeof(s) - 1 && memcmp(k, s, klen) == 0)
	if (KEY("EVENT"))
		copy_value(r->event, sizeof(r->event), v, vlen);
	else if (KEY("IFNAME"))
		copy_value(r->ifname, sizeof(r->ifname), v, vlen);
	else if (KEY("IPLOCAL"))
		return parse_ipv4(v, vlen, r->ip.local_ipv4);
	else if (KEY("IPREMOTE"))
		return parse_ipv4(v, vlen, r->ip.peer_ipv4);
	else if (KEY("DNS1"))
		return parse_ipv4(v, vlen, r->ip.dns1);
	else if (KEY("DNS2"))
		return parse_ipv4(v, vlen, r->ip.dns2);
	else if (KEY("LLLOCAL"))
		return parse_ll(v, vlen, r->ip.local_ifid);
	else if (KEY("LLREMOTE"))
		return parse_ll(v, vlen, r->ip.peer_ifid);
	else if (KEY("MTU")) {
		unsigned long mtu = 0;

		for (size_t i = 0; i < vlen; i++) {
			if (v[i] < '0' || v[i] > '9' || mtu > 65535)
				return -1;
			mtu = mtu * 10 + (unsigned long)(v[i] - '0');
		}
		if (mtu > 65535)
			return -1;
		r->ip.mtu = (uint16_t)mtu;
	}
	/* Unknown keys: a newer script; ignore. */
	return 0;
#undef KEY
}

long pppd_parse_report(const char *buf, size_t len, struct pppd_report *out)
{
	size_t off = sizeof(report_magic) - 1;

	memset(out, 0, sizeof(*out));
	if (len < off)
		return memcmp(buf, report_magic, len) == 0 ? 0 : -1;
	if (memcmp(buf, report_magic, off) != 0)
		return -1;
	while (off < len) {
		const char *line = buf + off, *nl = memchr(line, '\n', len - off), *eq;
		size_t llen;

		if (!nl)
			return len - off > 512 ? -1 : 0; /* incomplete line */
		llen = (size_t)(nl - line);
		off += llen + 1;
		if (llen == 3 && memcmp(line, "END", 3) == 0) {
			if (strcmp(out->event, "ip-up") == 0)
				out->ip.ipv4_up = true;
			else if (strcmp(out->event, "ipv6-up") == 0)
				out->ip.ipv6_up = true;
			return out->event[0] ? (long)off : -1;
		}
		eq = memchr(line, '=', llen);
		if (!eq || eq == line)
			return -1;
		if (parse_line(line, (size_t)(eq - line), eq + 1, llen - (size_t)(eq - line) - 1,
		               out) < 0)
			return -1;
	}
	return 0;
}

void pppd_exit_reason(int status, struct ppp_failure *out)
{
	/* pppd(8) EXIT STATUS, 2.4.9 */
	static const struct {
		enum ppp_down_reason reason;
		const char *text;
	} codes[] = {
	    [0] = {PPP_DOWN_PEER_TERMINATE, "link terminated"},
	    [1] = {PPP_DOWN_INTERNAL, "pppd: fatal error"},
	    [2] = {PPP_DOWN_INTERNAL, "pppd: option error"},
	    [3] = {PPP_DOWN_INTERNAL, "pppd: not root"},
	    [4] = {PPP_DOWN_INTERNAL, "pppd: no kernel PPP support"},
	    [5] = {PPP_DOWN_LOCAL_CLOSE, "pppd: stopped by signal"},
	    [6] = {PPP_DOWN_INTERNAL, "pppd: lock failed"},
	    [7] = {PPP_DOWN_INTERNAL, "pppd: open failed"},
	    [8] = {PPP_DOWN_INTERNAL, "pppd: connect script failed"},
	    [9] = {PPP_DOWN_INTERNAL, "pppd: pty command failed"},
	    [10] = {PPP_DOWN_NEGOTIATION_FAILED, "PPP negotiation failed"},
	    [11] = {PPP_DOWN_NEGOTIATION_FAILED, "peer failed to authenticate"},
	    [12] = {PPP_DOWN_LOCAL_CLOSE, "idle timeout"},
	    [13] = {PPP_DOWN_LOCAL_CLOSE, "connect time limit"},
	    [14] = {PPP_DOWN_INTERNAL, "callback"},
	    [15] = {PPP_DOWN_ECHO_TIMEOUT, "peer not responding to LCP echo"},
	    [16] = {PPP_DOWN_LOWER_DOWN, "hangup (L2TP session gone)"},
	    [17] = {PPP_DOWN_LOOPBACK, "loopback detected"},
	    [18] = {PPP_DOWN_INTERNAL, "pppd: init script failed"},
	    [19] = {PPP_DOWN_AUTH_FAILED, "authentication to the peer failed"},
	    [20] = {PPP_DOWN_LOCAL_CLOSE, "traffic limit"},
	    [21] = {PPP_DOWN_AUTH_FAILED, "CNID authentication failed"},
	};

	memset(out, 0, sizeof(*out));
	if (WIFEXITED(status) && (size_t)WEXITSTATUS(status) < ARRAY_SIZE(codes)) {
		out->reason = codes[WEXITSTATUS(status)].reason;
		snprintf(out->message, sizeof(out->message), "%s (exit %d)",
		         codes[WEXITSTATUS(status)].text, WEXITSTATUS(status));
	} else if (WIFEXITED(status)) {
		out->reason = PPP_DOWN_INTERNAL;
		snprintf(out->message, sizeof(out->message), "pppd exited with %d",
		         WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		out->reason = PPP_DOWN_INTERNAL;
		snprintf(out->message, sizeof(out->message), "pppd killed by signal %d",
		         WTERMSIG(status));
	} else {
		out->reason = PPP_DOWN_INTERNAL;
		snprintf(out->message, sizeof(out->message), "pppd status %#x", (unsigned)status);
	}
}

bool pppd_log_auth_failed(const char *line, struct ppp_failure *out)
{
	/* pppd's own words (upap.c, chap-new.c, chap_ms.c); MS-CHAP first,
	 * as "CHAP authentication failed" is part of it */
	static const struct {
		const char *words;
		enum ppp_auth auth;
	} fails[] = {
	    {"MS-CHAP authentication failed", PPP_AUTH_MSCHAPV2},
	    {"CHAP authentication failed", PPP_AUTH_CHAP_MD5},
	    {"PAP authentication failed", PPP_AUTH_PAP},
	};

	for (size_t i = 0; i < ARRAY_SIZE(fails); i++) {
		const char *at = strstr(line, fails[i].words);

		if (!at)
			continue;
		memset(out, 0, sizeof(*out));
		out->reason = PPP_DOWN_AUTH_FAILED;
		out->auth = fails[i].auth;
		snprintf(out->message, sizeof(out->message), "%s", at);
		return true;
	}
	return false;
}

bool pppd_log_peer_auth(const char *line, enum ppp_auth *auth, char *name, size_t namelen)
{
	/* pppd's lcp_printpkt words for the Authentication-Protocol option
	 * (RFC 1661 §6.2; CHAP's algorithm RFC 1994, MS-CHAP RFC 2433/2759) */
	static const struct {
		const char *words, *name;
		enum ppp_auth auth;
	} methods[] = {
	    {"<auth pap>", "PAP", PPP_AUTH_PAP},
	    {"<auth chap MD5>", "CHAP-MD5", PPP_AUTH_CHAP_MD5},
	    {"<auth chap MS-v2>", "MS-CHAPv2", PPP_AUTH_MSCHAPV2},
	    {"<auth chap MS>", "MS-CHAPv1", PPP_AUTH_NONE},
	    {"<auth eap>", "EAP", PPP_AUTH_NONE},
	};
	const char *req = strstr(line, "rcvd [LCP ConfReq ");
	const char *opt = req ? strstr(req, "<auth ") : NULL;

	if (!opt)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(methods); i++)
		if (strncmp(opt, methods[i].words, strlen(methods[i].words)) == 0) {
			*auth = methods[i].auth;
			snprintf(name, namelen, "%s", methods[i].name);
			return true;
		}
	*auth = PPP_AUTH_NONE;
	snprintf(name, namelen, "%s", "an unknown method");
	return true;
}
