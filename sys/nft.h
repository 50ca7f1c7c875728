/*
 * What the nftables tables of our own have in common (the kill switch,
 * sys/killswitch.h, and the kernel path's MSS clamp, sys/mss_nft.h): a text
 * builder for `nft -f -` scripts, the checks that keep names and interface
 * names from injecting anything into them, running nft, and asking the
 * kernel whether a table exists. Prints nothing: the callers say what
 * failed in their own words and at their own level.
 */
#ifndef L2TPSEC_SYS_NFT_H
#define L2TPSEC_SYS_NFT_H

#include <stdbool.h>
#include <stddef.h>

/* Appends to a fixed buffer and remembers that something did not fit, so a
 * builder can write straight through and check once at the end. */
struct nft_text {
	char *buf;
	size_t size, len;
	bool overflow;
};

void nft_put(struct nft_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A connection name that is a valid nft identifier after one of our
 * prefixes and cannot inject anything: 1..max_len of [A-Za-z0-9._-], not
 * starting with '.' or '-' (what profile_name_valid() accepts). */
bool nft_name_valid(const char *name, size_t max_len);

/* An interface name that can go inside double quotes in a script: nothing
 * that could end the string or the line; a trailing '*' is nft's wildcard. */
bool nft_ifname_valid(const char *ifname);

enum nft_result {
	NFT_OK,
	NFT_MISSING, /* no nft program (the nftables package) */
	NFT_FAILED,  /* nft refused the script: *status is its exit status */
};

/* Runs `nft -f -` with script on its standard input (one transaction). */
enum nft_result nft_run(const char *script, int *status);

/* Deletes `table inet <table>`; fine when there is none. */
enum nft_result nft_delete_table(const char *table, int *status);

/* 1: `table inet <table>` exists, 0: it does not, -1: cannot tell (no
 * nf_tables). Asks the kernel directly, prints nothing. */
int nft_table_exists(const char *table);

#endif
