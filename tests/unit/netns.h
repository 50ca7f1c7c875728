/* Test helpers for the nftables tests (test_killswitch, test_mss_nft): a
 * private network namespace of veth pairs, shell commands in it, and
 * packet sockets on the far ends of the pairs, which have no address: what
 * reaches them is seen by our sockets only, and frames sent into them
 * arrive at the near ends as if from outside. Include after cmocka.h. */
#ifndef L2TPSEC_TESTS_UNIT_NETNS_H
#define L2TPSEC_TESTS_UNIT_NETNS_H

#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sys/spawn.h"

/* A shell function for setup scripts: `$(mac IF)` is IF's MAC address. */
#define NETNS_MAC_FN                                                                               \
	"mac() { ip -o link show \"$1\" | sed -n 's|.*link/ether \\([^ ]*\\).*|\\1|p'; } && "

/* Runs cmd with sh; its output into out (may be NULL); the exit status. */
static inline int netns_sh(const char *cmd, char *out, size_t outsz)
{
	FILE *p = popen(cmd, "r");
	size_t n = 0;
	char sink[256];

	if (!p)
		return -1;
	if (out) {
		n = fread(out, 1, outsz - 1, p);
		out[n] = '\0';
	}
	while (fread(sink, 1, sizeof(sink), p) > 0)
		;
	return pclose(p);
}

/* Moves this process into a new network namespace and runs setup there.
 * true when that worked and nft can list tables (root, nft, nf_tables):
 * without, the namespace tests skip themselves. */
static inline bool netns_enter(const char *setup)
{
	char exe[256];

	if (getuid() != 0 || !spawn_find("nft", exe, sizeof(exe)) || unshare(CLONE_NEWNET) != 0)
		return false;
	return netns_sh(setup, NULL, 0) == 0 && netns_sh("nft list tables", NULL, 0) == 0;
}

/* A packet socket (SOCK_DGRAM, network-layer payloads) bound to ifname. */
static inline int netns_packet_socket(const char *ifname, uint16_t proto)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(proto)};
	int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(proto));

	assert_true(fd >= 0);
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	assert_true(sll.sll_ifindex > 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sll, sizeof(sll)), 0);
	return fd;
}

/* Where a frame sent on far arrives at near, from outside: near's MAC. */
static inline struct sockaddr_ll netns_frame_to(const char *far, const char *near, uint16_t proto)
{
	struct sockaddr_ll to = {
	    .sll_family = AF_PACKET, .sll_protocol = htons(proto), .sll_halen = ETH_ALEN};
	struct ifreq ifr = {0};
	int ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	/* sysfs shows the namespace that mounted it, not ours: ask the kernel */
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", near);
	assert_int_equal(ioctl(ctl, SIOCGIFHWADDR, &ifr), 0);
	close(ctl);
	memcpy(to.sll_addr, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	to.sll_ifindex = (int)if_nametoindex(far);
	return to;
}

#endif
