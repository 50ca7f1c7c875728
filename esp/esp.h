/*
 * esp/: the ESP data paths behind one interface.
 *
 * A data path installs the SA pairs IKE negotiated (esp/esp_sa.h) and makes
 * them carry L2TP datagrams between our L2TP port and the gateway's 1701:
 *  - kernel:    XFRM states and policies through netlink (libnl-xfrm), ESP in
 *               UDP decapsulated by the kernel on the IKE 4500 socket;
 *  - userspace: ESP in UDP (RFC 4303, RFC 3948) done here with OpenSSL EVP,
 *               sent and received on the IKE 4500 socket.
 * ESP_DP_AUTO probes once whether the kernel can add a UDP-encapsulated ESP
 * state and falls back to userspace, logging why.
 *
 * Kernel objects we create carry a reqid from l2tpsec's own range with our
 * pid in it (esp_reqid_*), so other tunnels, strongSwan and Libreswan are
 * never touched, and leftovers of a crashed instance can be recognised.
 */
#ifndef L2TPSEC_ESP_ESP_H
#define L2TPSEC_ESP_ESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "esp/esp_pkt.h"
#include "esp/esp_sa.h"

struct loop;
struct logger;
struct esp_datapath;

enum esp_datapath_kind {
	ESP_DP_AUTO,
	ESP_DP_KERNEL,
	ESP_DP_USERSPACE,
};

/* Per SA pair. The kernel path fills the packet and byte counters and the
 * error counters the kernel keeps (replay, integrity); the userspace path all. */
struct esp_counters {
	uint64_t in_packets, in_bytes; /* accepted, bytes of L2TP payload */
	uint64_t out_packets, out_bytes;
	uint64_t in_short;    /* too short for header + IV + ICV */
	uint64_t in_bad_spi;  /* no SA with that SPI */
	uint64_t in_replay;   /* duplicate or older than the window */
	uint64_t in_icv;      /* integrity check failed */
	uint64_t in_bad_len;  /* ciphertext not a multiple of the block size */
	uint64_t in_bad_pad;  /* pad length too long or padding bytes wrong */
	uint64_t in_bad_next; /* next header not UDP */
	uint64_t in_bad_udp;  /* inner UDP header wrong (ports, length) */
	uint64_t in_dummy;    /* RFC 4303 §2.6 dummy packets, dropped */
	uint64_t out_errors;  /* could not encrypt or send */
};

struct esp_callbacks {
	/* Userspace path: one decrypted L2TP datagram (inner UDP payload). */
	void (*deliver_l2tp)(void *ctx, const uint8_t *payload, size_t len);
	/* Lifetime or sequence space running out: rekey (hard = false) or the
	 * SA is dead (hard = true; the kernel already removed a kernel SA). */
	void (*sa_expiring)(void *ctx, uint32_t id, bool hard);
	/* Final counters of an SA pair, when it is deleted. May be NULL. */
	void (*counters)(void *ctx, uint32_t id, const struct esp_counters *c);
};

/* Creates a data path. kind ESP_DP_AUTO probes the kernel (adds and removes
 * one UDP-encapsulated ESP state) and logs the choice. NULL when the chosen
 * (explicit) kind cannot work. */
struct esp_datapath *esp_datapath_new(struct loop *loop, struct logger *lg,
                                      enum esp_datapath_kind kind, const struct esp_callbacks *cb,
                                      void *ctx);
/* Deletes every SA pair still installed (kernel: states and policies). */
void esp_datapath_free(struct esp_datapath *dp);
enum esp_datapath_kind esp_datapath_kind_in_use(const struct esp_datapath *dp);
const char *esp_datapath_kind_name(enum esp_datapath_kind kind);

/* Installs a negotiated pair; ike_natt_fd is the UDP socket ESP travels on
 * (port 4500 after the NAT-T float). Kernel path: also sets UDP_ENCAP on that
 * socket. A rekeyed pair is installed before the old one is deleted; the
 * newest pair carries outbound traffic, all carry inbound until deleted.
 * Returns an id > 0, or 0 on failure (logged). */
uint32_t esp_install(struct esp_datapath *dp, const struct esp_sa_pair *pair, int ike_natt_fd);
/* Make before break without a gap (RFC 2409 §5.5): a rekeyed pair whose
 * peer may send on it before we can install the whole pair (the gateway's
 * Quick Mode: it sends on the new SA right behind QM3) goes in with only
 * its inbound direction when QM2 leaves; esp_activate_outbound() moves
 * outbound traffic to it when the exchange completes. Until then the pair
 * decrypts but carries nothing out; esp_delete() removes it as any other.
 * Returns an id > 0, or 0 on failure (logged). */
uint32_t esp_install_inbound(struct esp_datapath *dp, const struct esp_sa_pair *pair,
                             int ike_natt_fd);
/* 0 (also for a pair already whole), or -1: unknown id, kernel refused. */
int esp_activate_outbound(struct esp_datapath *dp, uint32_t id);
int esp_delete(struct esp_datapath *dp, uint32_t id);
/* A pair IKE has dropped (replaced by a rekey, or deleted) while the peer
 * may still send on it: a gateway goes on using a pair for a while after
 * our DELETE (one in flight, a rekey collision, a DELETE on an ISAKMP SA it
 * is replacing, RFC 2409 §5.7 leaves the timing open). It carries nothing
 * out from now on (the kernel's outbound state goes at once) but its
 * inbound half decrypts until idle_ms pass without an inbound packet on
 * it, or until its hard expiry; then it is removed (no sa_expiring call).
 * 0, or -1 for an unknown id. */
int esp_retire(struct esp_datapath *dp, uint32_t id, uint32_t idle_ms);
int esp_get_counters(struct esp_datapath *dp, uint32_t id, struct esp_counters *c);

/* Userspace path. An ESP packet (UDP payload from the 4500 socket, first
 * four bytes non-zero): decrypt, check and hand the L2TP datagram to
 * deliver_l2tp. buf is decrypted in place. Returns 0 or -1 (dropped, counted). */
int esp_user_input(struct esp_datapath *dp, uint8_t *buf, size_t len);
/* Encrypts an L2TP datagram (a copy of it) on the newest SA and sendto()s it
 * to the gateway on the natt fd: for control messages. Returns 0 or -1. */
int esp_user_send_l2tp(struct esp_datapath *dp, const uint8_t *payload, size_t len);
/* Batched reading and sending on the NAT-T socket: esp/natt_sock.h. */
/* In-place forms on the newest (encrypt) or matching (decrypt) SA: encrypt
 * turns an L2TP datagram into the UDP payload for the 4500 socket; decrypt
 * turns that back into the L2TP datagram. 0 or a negative ESP_E_* code. */
int esp_user_encrypt(struct esp_datapath *dp, struct esp_pkt *pkt);
int esp_user_decrypt(struct esp_datapath *dp, struct esp_pkt *pkt);

/* Kernel path helpers, usable without a data path. */
/* Per-socket bypass policies (XFRM_POLICY_ALLOW, in and out) so IKE traffic
 * on fd never matches our transport-mode policies. 0 or -1 (errno). */
int esp_kernel_bypass_socket(int fd);
/* Removes XFRM states and policies with l2tpsec reqids whose owner process is
 * gone (or is us: call before the first install). Returns how many were
 * removed, or -1 when netlink failed. */
int esp_kernel_cleanup_stale(struct logger *lg);

/* l2tpsec's reqid range: 01 | 22-bit owner pid | 8-bit tunnel number. */
#define ESP_REQID_TAG      0x40000000u
#define ESP_REQID_TAG_MASK 0xc0000000u
static inline uint32_t esp_reqid_make(pid_t pid, uint8_t tunnel)
{
	return ESP_REQID_TAG | ((uint32_t)pid & 0x3fffffu) << 8 | tunnel;
}
static inline bool esp_reqid_is_ours(uint32_t reqid)
{
	return (reqid & ESP_REQID_TAG_MASK) == ESP_REQID_TAG;
}
static inline pid_t esp_reqid_pid(uint32_t reqid)
{
	return (pid_t)((reqid >> 8) & 0x3fffffu);
}

#endif
