/* The NAT-T socket owner of the userspace data path: batched reads and
 * writes, ESP handled in the buffers the kernel filled (see natt_sock.h). */
#include "esp/natt_sock.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <time.h>

#include "esp/esp_user.h"
#include "lib/util.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103 /* linux/udp.h, Linux 4.18 */
#endif
#ifndef UDP_GRO
#define UDP_GRO 104 /* linux/udp.h, Linux 5.0 */
#endif

#define NATT_TX_SLOT (NATT_TX_HEADROOM + ESP_PKT_MAX_PAYLOAD + ESP_PKT_TAILROOM)
/* One GSO message stays below the 64 KiB of an IP datagram. */
#define NATT_GSO_MAX_BYTES 60000

struct natt_sock {
	struct esp_datapath *dp;
	struct natt_sock_callbacks cb;
	void *ctx;
	int fd;
	bool gso;
	bool gro_wanted, gro;        /* UDP GRO asked for, and on for this fd */
	int rcvbuf, sndbuf;          /* SO_RCVBUF and SO_SNDBUF of this fd */
	unsigned last_msgs;          /* messages the last recvmmsg returned */
	bool tstamp;                 /* SO_TIMESTAMPNS on for this fd */
	struct natt_rx_wait rx_wait; /* of the datagram being dispatched */
	struct natt_stats st;
	unsigned tx_count;               /* packets queued */
	struct iovec tx_iov[NATT_BATCH]; /* queued packets, in order */
	uint8_t tx[NATT_BATCH][NATT_TX_SLOT];
	/* NATT_BATCH receive buffers of NATT_RX_SLOT bytes, room for a UDP GRO
	 * message each: allocated apart (calloc maps it), so that only the
	 * pages datagrams were written to become resident. */
	uint8_t *rx;
	size_t rx_high[NATT_BATCH]; /* bytes of each buffer ever written */
};

struct natt_sock *natt_sock_new(struct esp_datapath *dp, const struct natt_sock_callbacks *cb,
                                void *ctx)
{
	struct natt_sock *ns = calloc(1, sizeof(*ns));

	if (!ns)
		return NULL;
	ns->rx = calloc(NATT_BATCH, NATT_RX_SLOT);
	if (!ns->rx) {
		free(ns);
		return NULL;
	}
	ns->dp = dp;
	ns->cb = *cb;
	ns->ctx = ctx;
	ns->fd = -1;
	ns->gso = true;
	ns->gro_wanted = true;
	return ns;
}

void natt_sock_free(struct natt_sock *ns)
{
	if (!ns)
		return;
	/* IKE reads the socket again after us, one datagram at a time */
	natt_sock_set_gro(ns, false);
	if (ns->tstamp)
		(void)setsockopt(ns->fd, SOL_SOCKET, SO_TIMESTAMPNS, &(int){0}, sizeof(int));
	/* plaintext of the last packets is still in the buffers */
	for (unsigned i = 0; i < NATT_BATCH; i++)
		secure_clear(ns->rx + (size_t)i * NATT_RX_SLOT, ns->rx_high[i]);
	free(ns->rx);
	secure_clear(ns, sizeof(*ns));
	free(ns);
}

/* UDP GRO (Linux 5.0): the kernel may hand us a run of datagrams of one
 * flow as one buffer with their size in a cmsg. A kernel without it, or a
 * socket that refuses it, reads one datagram per buffer as before. */
static void gro_setup(struct natt_sock *ns)
{
	int on = 1;

	ns->gro = ns->gro_wanted && ns->fd >= 0 &&
	          setsockopt(ns->fd, SOL_UDP, UDP_GRO, &on, sizeof(on)) == 0;
}

/* A socket buffer of want bytes (opt SO_RCVBUF or SO_SNDBUF; force_opt the
 * _FORCE variant): the _FORCE option passes net.core.rmem_max / wmem_max
 * with CAP_NET_ADMIN; without it the plain one gives what the maximum
 * allows. Never shrinks a buffer that is larger already. Returns the size
 * the kernel reports (0: no socket). */
static int sockbuf_setup(int fd, int opt, int force_opt, int want)
{
	int cur = 0, now = 0;
	socklen_t len = sizeof(cur);

	if (fd < 0 || getsockopt(fd, SOL_SOCKET, opt, &cur, &len) < 0)
		return 0;
	/* the kernel reports twice the size asked for */
	if (cur / 2 < want && setsockopt(fd, SOL_SOCKET, force_opt, &want, sizeof(want)) < 0) {
		int allowed = 0;

		/* without the capability: only if the maximum lets it grow */
		if (setsockopt(fd, SOL_SOCKET, opt, &want, sizeof(want)) == 0 &&
		    getsockopt(fd, SOL_SOCKET, opt, &allowed, &len) == 0 && allowed < cur)
			(void)setsockopt(fd, SOL_SOCKET, opt, &(int){cur / 2}, sizeof(int));
	}
	len = sizeof(now);
	return getsockopt(fd, SOL_SOCKET, opt, &now, &len) < 0 ? 0 : now;
}

void natt_sock_set_fd(struct natt_sock *ns, int fd)
{
	if (fd == ns->fd)
		return;
	ns->tx_count = 0; /* queued for a socket that is gone */
	ns->fd = fd;
	gro_setup(ns);
	ns->tstamp =
	    fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &(int){1}, sizeof(int)) == 0;
	ns->rcvbuf = sockbuf_setup(fd, SO_RCVBUF, SO_RCVBUFFORCE, NATT_RCVBUF);
	ns->sndbuf = sockbuf_setup(fd, SO_SNDBUF, SO_SNDBUFFORCE, NATT_SNDBUF);
}

void natt_sock_set_gro(struct natt_sock *ns, bool on)
{
	int val = 0;

	ns->gro_wanted = on;
	if (!on && ns->gro && ns->fd >= 0)
		(void)setsockopt(ns->fd, SOL_UDP, UDP_GRO, &val, sizeof(val));
	if (on)
		gro_setup(ns);
	else
		ns->gro = false;
}

void natt_sock_set_gso(struct natt_sock *ns, bool on)
{
	ns->gso = on;
}

void natt_sock_rx_wait(const struct natt_sock *ns, struct natt_rx_wait *w)
{
	*w = ns->rx_wait;
}

void natt_sock_get_stats(const struct natt_sock *ns, struct natt_stats *st)
{
	*st = ns->st;
	st->gso = ns->gso;
	st->gro = ns->gro;
	st->rcvbuf = ns->rcvbuf;
	st->sndbuf = ns->sndbuf;
}

/* RFC 3948 §2.2: a zero non-ESP marker means IKE and 0xff alone a NAT
 * keepalive; anything longer than an ESP header with a non-zero SPI is ESP. */
static bool is_esp(const uint8_t *b, size_t len)
{
	return len > 8 && (b[0] | b[1] | b[2] | b[3]) != 0;
}

static void dispatch(struct natt_sock *ns, uint8_t *b, size_t len)
{
	struct esp_pkt pkt;

	if (!is_esp(b, len)) {
		if (len > NATT_RX_MAX) {
			ns->st.rx_dropped++; /* longer than any IKE message */
			return;
		}
		if (ns->cb.non_esp)
			ns->cb.non_esp(ns->ctx, b, len);
		return;
	}
	esp_pkt_init(&pkt, b, len, 0);
	pkt.len = len;
	/* dropped packets are counted by their SA (or as unknown SPI) */
	if (esp_user_decrypt(ns->dp, &pkt) < 0) {
		ns->st.rx_dropped++;
		return;
	}
	ns->st.rx_esp++;
	if (ns->cb.l2tp)
		ns->cb.l2tp(ns->ctx, esp_pkt_data(&pkt), pkt.len);
}

unsigned natt_gro_split(size_t len, size_t seg_size, size_t *lens, unsigned max)
{
	unsigned n = 0;

	if (seg_size == 0 || seg_size >= len) {
		if (max == 0)
			return 0;
		lens[0] = len;
		return 1;
	}
	for (size_t off = 0; off < len && n < max; off += seg_size)
		lens[n++] = len - off < seg_size ? len - off : seg_size;
	return n;
}

/* What the kernel told with a message: the UDP_GRO segment size (0: a
 * datagram read as sent) and the arrival time stamp (0: none). */
static void read_cmsgs(struct msghdr *h, size_t *seg_size, uint64_t *stamp_ns)
{
	*seg_size = 0;
	*stamp_ns = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c)) {
		if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(int))) {
			int size;

			memcpy(&size, CMSG_DATA(c), sizeof(size));
			*seg_size = size > 0 ? (size_t)size : 0;
		} else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS &&
		           c->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
			struct timespec ts;

			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			if (ts.tv_sec >= 0)
				*stamp_ns =
				    (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
		}
	}
}

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) < 0 || ts.tv_sec < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The wait of a datagram stamped at stamp_ns: 0 without a stamp, or when
 * the clock was set back or far forward in between (then it says nothing). */
static uint64_t sojourn(uint64_t now_ns, uint64_t stamp_ns)
{
	if (!stamp_ns || now_ns < stamp_ns || now_ns - stamp_ns > 10 * 1000000000ull)
		return 0;
	return now_ns - stamp_ns;
}

/* One buffer as read: a datagram, or with GRO several of one size. last:
 * the last buffer of a batch that drained the socket. */
static unsigned dispatch_buffer(struct natt_sock *ns, uint8_t *b, size_t len, size_t seg_size,
                                bool last)
{
	size_t lens[NATT_GRO_MAX_SEGS], off = 0;
	unsigned n = natt_gro_split(len, seg_size, lens, NATT_GRO_MAX_SEGS);

	if (n > 1)
		ns->st.rx_gro_buffers++;
	for (unsigned k = 0; k < n; k++) {
		ns->rx_wait.queue_empty = last && k + 1 == n;
		dispatch(ns, b + off, lens[k]);
		off += lens[k];
	}
	if (off < len)
		ns->st.rx_dropped++; /* more segments than the kernel's own limit */
	return n;
}

union rx_cmsg {
	char buf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct timespec))];
	struct cmsghdr align;
};

int natt_sock_read(struct natt_sock *ns)
{
	struct mmsghdr msgs[NATT_BATCH];
	struct iovec iov[NATT_BATCH];
	union rx_cmsg cm[NATT_BATCH];
	/* without GRO a datagram never exceeds NATT_RX_MAX: touch no more */
	size_t room = ns->gro ? NATT_RX_SLOT : NATT_RX_MAX;
	unsigned datagrams = 0;
	int n;

	if (ns->fd < 0)
		return -1;
	memset(msgs, 0, sizeof(msgs));
	for (unsigned i = 0; i < NATT_BATCH; i++) {
		iov[i].iov_base = ns->rx + (size_t)i * NATT_RX_SLOT;
		iov[i].iov_len = room;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		if (ns->gro || ns->tstamp) {
			msgs[i].msg_hdr.msg_control = cm[i].buf;
			msgs[i].msg_hdr.msg_controllen = sizeof(cm[i].buf);
		}
	}
	ns->st.rx_calls++;
	n = recvmmsg(ns->fd, msgs, NATT_BATCH, MSG_DONTWAIT, NULL);
	ns->last_msgs = n > 0 ? (unsigned)n : 0;
	if (n < 0)
		/* ICMP errors surface here on a connected socket: IKE's
		 * retransmissions and DPD cope with the path, not us */
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNREFUSED ? 0 : -1;
	ns->rx_wait.now_ns = ns->tstamp ? realtime_ns() : 0;
	for (int i = 0; i < n; i++) {
		struct msghdr *h = &msgs[i].msg_hdr;
		size_t len = msgs[i].msg_len, seg_size;
		uint64_t stamp_ns;

		if (len > ns->rx_high[i])
			ns->rx_high[i] = len;
		if (h->msg_flags & MSG_TRUNC) {
			datagrams++;
			ns->st.rx_dropped++;
			continue;
		}
		read_cmsgs(h, &seg_size, &stamp_ns);
		ns->rx_wait.sojourn_ns = sojourn(ns->rx_wait.now_ns, stamp_ns);
		datagrams += dispatch_buffer(ns, iov[i].iov_base, len, ns->gro ? seg_size : 0,
		                             i + 1 == n && n < NATT_BATCH);
	}
	ns->st.rx_datagrams += datagrams;
	return (int)datagrams;
}

int natt_sock_read_burst(struct natt_sock *ns, unsigned max_batches)
{
	int total = 0;

	for (unsigned i = 0; i < max_batches; i++) {
		int n = natt_sock_read(ns);

		if (n < 0)
			return i == 0 ? -1 : total;
		total += n;
		/* short: fewer messages than buffers (GRO buffers hold more
		 * datagrams than one, so count messages, not datagrams) */
		if (ns->last_msgs < NATT_BATCH)
			break;
	}
	return total;
}

int natt_sock_tx_slot(struct natt_sock *ns, struct esp_pkt *pkt, size_t *room)
{
	if (ns->fd < 0)
		return -1;
	if (ns->tx_count == NATT_BATCH)
		natt_sock_flush(ns);
	esp_pkt_init(pkt, ns->tx[ns->tx_count], NATT_TX_SLOT, NATT_TX_HEADROOM);
	*room = ESP_PKT_MAX_PAYLOAD - (NATT_TX_HEADROOM - ESP_PKT_HEADROOM);
	return 0;
}

int natt_sock_tx_queue(struct natt_sock *ns, struct esp_pkt *pkt)
{
	struct iovec *v;

	if (ns->fd < 0 || ns->tx_count == NATT_BATCH || pkt->head != ns->tx[ns->tx_count] ||
	    esp_user_encrypt(ns->dp, pkt) < 0) {
		ns->st.tx_dropped++;
		return -1;
	}
	v = &ns->tx_iov[ns->tx_count++];
	v->iov_base = esp_pkt_data(pkt);
	v->iov_len = pkt->len;
	return 0;
}

/* How many queued packets from first go in one message: with GSO a run of
 * equal sizes, of which the last may be shorter (UDP_SEGMENT cuts the
 * message into gso-size pieces, the last one the rest). */
static unsigned run_length(const struct natt_sock *ns, unsigned first)
{
	size_t seg = ns->tx_iov[first].iov_len, total = seg;
	unsigned end = first + 1;

	if (!ns->gso)
		return 1;
	while (end < ns->tx_count && total + ns->tx_iov[end].iov_len <= NATT_GSO_MAX_BYTES) {
		size_t len = ns->tx_iov[end].iov_len;

		if (len > seg)
			break;
		total += len;
		end++;
		if (len < seg)
			break;
	}
	return end - first;
}

union gso_cmsg {
	char buf[CMSG_SPACE(sizeof(uint16_t))];
	struct cmsghdr align;
};

/* Builds the messages for the queue; returns how many. */
static unsigned build_msgs(struct natt_sock *ns, struct mmsghdr *msgs, union gso_cmsg *cm,
                           unsigned *firsts)
{
	unsigned nmsg = 0;

	for (unsigned i = 0; i < ns->tx_count; nmsg++) {
		unsigned run = run_length(ns, i);
		struct msghdr *h = &msgs[nmsg].msg_hdr;

		memset(&msgs[nmsg], 0, sizeof(msgs[nmsg]));
		h->msg_iov = &ns->tx_iov[i];
		h->msg_iovlen = run;
		if (run > 1) {
			struct cmsghdr *c = (struct cmsghdr *)cm[nmsg].buf;
			uint16_t seg = (uint16_t)ns->tx_iov[i].iov_len;

			h->msg_control = cm[nmsg].buf;
			h->msg_controllen = sizeof(cm[nmsg].buf);
			c->cmsg_level = SOL_UDP;
			c->cmsg_type = UDP_SEGMENT;
			c->cmsg_len = CMSG_LEN(sizeof(seg));
			memcpy(CMSG_DATA(c), &seg, sizeof(seg));
		}
		firsts[nmsg] = i;
		i += run;
	}
	firsts[nmsg] = ns->tx_count;
	return nmsg;
}

int natt_sock_flush(struct natt_sock *ns)
{
	struct mmsghdr msgs[NATT_BATCH];
	union gso_cmsg cm[NATT_BATCH];
	unsigned firsts[NATT_BATCH + 1], nmsg, done = 0;
	int sent = 0;

	if (ns->tx_count == 0 || ns->fd < 0)
		return 0;
	nmsg = build_msgs(ns, msgs, cm, firsts);
	while (done < nmsg) {
		int n = sendmmsg(ns->fd, msgs + done, nmsg - done, 0);

		ns->st.tx_calls++;
		if (n > 0) {
			for (unsigned m = done; m < done + (unsigned)n; m++)
				if (firsts[m + 1] - firsts[m] > 1)
					ns->st.tx_gso_runs++;
			sent += (int)(firsts[done + (unsigned)n] - firsts[done]);
			done += (unsigned)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && ns->gso && (errno == EIO || errno == EINVAL || errno == ENOPROTOOPT)) {
			/* a kernel or device without UDP GSO: one datagram each from now on */
			unsigned from = firsts[done];

			ns->gso = false;
			ns->st.tx_packets += (unsigned)sent;
			sent = 0;
			memmove(ns->tx_iov, ns->tx_iov + from,
			        (ns->tx_count - from) * sizeof(ns->tx_iov[0]));
			ns->tx_count -= from;
			nmsg = build_msgs(ns, msgs, cm, firsts);
			done = 0;
			continue;
		}
		break; /* a full socket buffer: the rest is lost, as on a full link */
	}
	ns->st.tx_packets += (unsigned)sent;
	ns->st.tx_dropped += ns->tx_count - (unsigned)sent;
	ns->tx_count = 0;
	return sent;
}
