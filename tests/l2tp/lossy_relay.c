/*
 * lossy_relay: a UDP relay between one client and one server that drops,
 * duplicates and reorders datagrams, for testing L2TP reliable delivery
 * where netem is not available.
 *
 * Usage: lossy_relay LISTEN_ADDR LISTEN_PORT SERVER_ADDR SERVER_PORT
 *                    LOSS_PCT DUP_PCT REORDER_PCT SEED
 * The client talks to LISTEN; the relay talks to SERVER from an ephemeral
 * port. A reordered datagram is held back and sent after the next one of the
 * same direction (or after 200 ms). Counts go to stderr on SIGTERM/SIGINT.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct held {
	unsigned char buf[4096];
	ssize_t len;
	int present;
};

static volatile sig_atomic_t stop_now;
static unsigned long fwd, dropped, duped, reordered;

static void on_signal(int sig)
{
	(void)sig;
	stop_now = 1;
}

static int pct(int p)
{
	return rand() % 100 < p;
}

static int udp_socket(const char *addr, int port, struct sockaddr_in *sa)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((unsigned short)port);
	if (fd < 0 || inet_pton(AF_INET, addr, &sa->sin_addr) != 1)
		return -1;
	return fd;
}

static void out(int fd, const struct sockaddr_in *to, const unsigned char *buf, ssize_t len,
                int dup_pct)
{
	sendto(fd, buf, (size_t)len, 0, (const struct sockaddr *)to, sizeof(*to));
	fwd++;
	if (pct(dup_pct)) {
		sendto(fd, buf, (size_t)len, 0, (const struct sockaddr *)to, sizeof(*to));
		duped++;
	}
}

static void relay(int in_fd, int out_fd, const struct sockaddr_in *to, struct held *h, int loss,
                  int dup, int reorder, struct sockaddr_in *from_out)
{
	unsigned char buf[4096];
	socklen_t flen = sizeof(*from_out);
	ssize_t n = recvfrom(in_fd, buf, sizeof(buf), 0, (struct sockaddr *)from_out, &flen);

	if (n < 0)
		return;
	if (!to->sin_port)
		return; /* no client yet */
	if (pct(loss)) {
		dropped++;
		return;
	}
	if (!h->present && pct(reorder)) {
		memcpy(h->buf, buf, (size_t)n);
		h->len = n;
		h->present = 1;
		reordered++;
		return;
	}
	out(out_fd, to, buf, n, dup);
	if (h->present) {
		out(out_fd, to, h->buf, h->len, 0);
		h->present = 0;
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in listen_sa, server_sa, client_sa = {0}, scratch;
	struct held to_server = {0}, to_client = {0};
	int lfd, sfd, loss, dup, reorder;

	if (argc != 9) {
		fprintf(stderr,
		        "usage: lossy_relay LADDR LPORT SADDR SPORT LOSS DUP REORDER SEED\n");
		return 2;
	}
	loss = atoi(argv[5]);
	dup = atoi(argv[6]);
	reorder = atoi(argv[7]);
	srand((unsigned)atoi(argv[8]));
	lfd = udp_socket(argv[1], atoi(argv[2]), &listen_sa);
	sfd = udp_socket(argv[3], atoi(argv[4]), &server_sa);
	if (lfd < 0 || sfd < 0 || bind(lfd, (struct sockaddr *)&listen_sa, sizeof(listen_sa)) < 0) {
		perror("lossy_relay: socket/bind");
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	while (!stop_now) {
		struct pollfd pfd[2] = {{lfd, POLLIN, 0}, {sfd, POLLIN, 0}};
		int n = poll(pfd, 2, 200);

		if (n < 0 && errno != EINTR)
			break;
		if (n == 0) { /* flush what was held back */
			if (to_server.present)
				out(sfd, &server_sa, to_server.buf, to_server.len, 0);
			if (to_client.present && client_sa.sin_port)
				out(lfd, &client_sa, to_client.buf, to_client.len, 0);
			to_server.present = to_client.present = 0;
			continue;
		}
		if (pfd[0].revents & POLLIN)
			relay(lfd, sfd, &server_sa, &to_server, loss, dup, reorder, &client_sa);
		if (pfd[1].revents & POLLIN) {
			relay(sfd, lfd, &client_sa, &to_client, loss, dup, reorder, &scratch);
		}
	}
	fprintf(stderr, "lossy_relay: forwarded %lu dropped %lu duplicated %lu reordered %lu\n",
	        fwd, dropped, duped, reordered);
	return 0;
}
