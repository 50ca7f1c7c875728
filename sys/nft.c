#include "sys/nft.h"

/* glibc's headers before the kernel's (linux/libc-compat.h) */
#include <net/if.h>
#include <netinet/in.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sys/spawn.h"

/* NFT_NAME_MAXLEN is 256 with the NUL: longer table names never exist. */
#define TABLE_NAME_MAX 255

void nft_put(struct nft_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, t->size - t->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= t->size - t->len)
		t->overflow = true;
	else
		t->len += (size_t)n;
}

bool nft_name_valid(const char *name, size_t max_len)
{
	size_t len = strlen(name);

	if (len == 0 || len > max_len || name[0] == '.' || name[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

bool nft_ifname_valid(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len >= IFNAMSIZ)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] > '~' || s[i] == '"' || s[i] == '\\' ||
		    (s[i] == '*' && i != len - 1))
			return false;
	return true;
}

enum nft_result nft_run(const char *script, int *status)
{
	char exe[256];
	char *argv[] = {exe, "-f", "-", NULL};

	*status = 0;
	if (!spawn_find("nft", exe, sizeof(exe)))
		return NFT_MISSING;
	*status = spawn_wait(argv, NULL, script);
	return *status == 0 ? NFT_OK : NFT_FAILED;
}

enum nft_result nft_delete_table(const char *table, int *status)
{
	char script[3 * (TABLE_NAME_MAX + 32)];

	if (strlen(table) > TABLE_NAME_MAX) {
		*status = -1;
		return NFT_FAILED;
	}
	/* Adding first makes the delete succeed when there is nothing. */
	snprintf(script, sizeof(script), "table inet %s\ndelete table inet %s\n", table, table);
	return nft_run(script, status);
}

static int count_valid(struct nl_msg *msg, void *arg)
{
	(void)msg;
	++*(int *)arg;
	return NL_OK;
}

/* NFT_MSG_GETTABLE for one table: the kernel answers with the table or
 * ENOENT. Asking directly avoids nft's error text for a missing table. */
static int query_table(struct nl_sock *sk, const char *table, int *found)
{
	struct nfgenmsg hdr = {.nfgen_family = NFPROTO_INET, .version = NFNETLINK_V0};
	struct nl_msg *msg;
	int err;

	msg = nlmsg_alloc_simple((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETTABLE, NLM_F_ACK);
	if (!msg)
		return -NLE_NOMEM;
	err = nlmsg_append(msg, &hdr, sizeof(hdr), NLMSG_ALIGNTO);
	if (err == 0)
		err = nla_put_string(msg, NFTA_TABLE_NAME, table);
	if (err == 0)
		err = nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, count_valid, found);
	if (err == 0)
		err = nl_send_auto(sk, msg);
	nlmsg_free(msg);
	return err < 0 ? err : nl_wait_for_ack(sk);
}

int nft_table_exists(const char *table)
{
	struct nl_sock *sk;
	int found = 0, err;

	if (strlen(table) > TABLE_NAME_MAX)
		return -1;
	sk = nl_socket_alloc();
	if (!sk)
		return -1;
	err = nl_connect(sk, NETLINK_NETFILTER);
	if (err == 0)
		err = query_table(sk, table, &found);
	nl_socket_free(sk);
	if (err == -NLE_OBJ_NOTFOUND)
		return 0;
	return err < 0 ? -1 : found > 0;
}
