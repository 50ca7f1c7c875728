#include "sys/tun.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "sys/tun_offload.h"

static int open_with(char name[IFNAMSIZ], short flags)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = flags;
	strncpy(ifr.ifr_name, name[0] ? name : "l2tpsec%d", IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	memcpy(name, ifr.ifr_name, IFNAMSIZ);
	name[IFNAMSIZ - 1] = '\0';
	return fd;
}

int tun_open(char name[IFNAMSIZ])
{
	/* IFF_NO_PI: PPP tells IPv4 from IPv6 by protocol number and the
	 * kernel by the version nibble, so the 4-byte header buys nothing. */
	return open_with(name, IFF_TUN | IFF_NO_PI);
}

int tun_open_offload(char name[IFNAMSIZ], bool *vnet)
{
	char wanted[IFNAMSIZ];
	int hdr_len = TUN_VNET_HDR_LEN;
	int fd;

	memcpy(wanted, name, IFNAMSIZ);
	*vnet = false;
	fd = open_with(name, IFF_TUN | IFF_NO_PI | IFF_VNET_HDR);
	if (fd < 0)
		return tun_open(name);
	/* TSO needs the checksum offload; no UDP segmentation (USO): our own
	 * segmentation handles TCP only */
	if (ioctl(fd, TUNSETVNETHDRSZ, &hdr_len) < 0 ||
	    ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6) < 0) {
		close(fd);
		memcpy(name, wanted, IFNAMSIZ);
		return tun_open(name);
	}
	*vnet = true;
	return fd;
}
