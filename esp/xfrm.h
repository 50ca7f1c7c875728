/*
 * Kernel XFRM objects for one transport-mode SA pair, through libnl-xfrm
 * (NETLINK_XFRM): two states with ESP-in-UDP encapsulation (RFC 3948) and
 * the two policies that send UDP between the L2TP ports through them.
 * Internal to esp/; datapath.c is the only user besides the test tool.
 */
#ifndef L2TPSEC_ESP_XFRM_H
#define L2TPSEC_ESP_XFRM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>

#include "esp/esp.h"

struct logger;
struct nl_sock;

struct esp_xfrm {
	struct nl_sock *cmd; /* requests and their acks */
	struct nl_sock *mon; /* XFRMNLGRP_EXPIRE multicast, NULL until opened */
	const struct logger *lg;
	void (*on_expire)(void *ctx, uint32_t spi, uint32_t reqid, bool hard);
	void *expire_ctx;
};

int esp_xfrm_open(struct esp_xfrm *x, const struct logger *lg);
void esp_xfrm_close(struct esp_xfrm *x);

/* Adds and removes a UDP-encapsulated ESP state with our tag. 0 when the
 * kernel can carry our SAs; otherwise -1 with the reason in why. */
int esp_xfrm_probe(struct esp_xfrm *x, char *why, size_t why_len);

/* States of a pair (both directions); pair's keys are not kept. */
int esp_xfrm_add_states(struct esp_xfrm *x, const struct esp_sa_pair *pair, uint32_t reqid);
/* One direction of the pair: the inbound state of a rekeyed pair goes in
 * before the outbound one (see esp_install_inbound). */
int esp_xfrm_add_state_dir(struct esp_xfrm *x, const struct esp_sa_pair *pair, uint32_t reqid,
                           bool outbound);
int esp_xfrm_del_states(struct esp_xfrm *x, const struct esp_sa_pair *pair);
/* One direction's state; already gone is fine. */
int esp_xfrm_del_state_dir(struct esp_xfrm *x, const struct esp_sa_pair *pair, bool outbound);
int esp_xfrm_get_counters(struct esp_xfrm *x, const struct esp_sa_pair *pair,
                          struct esp_counters *c);

/* Policies (esp/xfrm_policy.c): our L2TP port <-> the gateway's, UDP. */
int esp_xfrm_add_policies(struct esp_xfrm *x, const struct esp_sa_pair *pair, uint32_t reqid);
int esp_xfrm_del_policies(struct esp_xfrm *x, const struct esp_sa_pair *pair);

/* Deletes every state and policy whose reqid is l2tpsec's and for which
 * stale(reqid) says so. Returns how many, or -1. */
int esp_xfrm_cleanup(struct esp_xfrm *x, bool (*stale)(uint32_t reqid));

/* The states part of esp_xfrm_cleanup (xfrm.c): how many were removed
 * (failures added to *failed), or -1. */
int esp_xfrm_cleanup_states(struct esp_xfrm *x, bool (*stale)(uint32_t reqid), int *failed);

/* Expire notifications (RFC 2367-style soft/hard, XFRM_MSG_EXPIRE). Returns
 * the socket's fd to watch for reading, or -1. */
int esp_xfrm_monitor_open(struct esp_xfrm *x,
                          void (*on_expire)(void *ctx, uint32_t spi, uint32_t reqid, bool hard),
                          void *ctx);
/* Reads what is pending on the monitor socket and calls on_expire. */
int esp_xfrm_monitor_read(struct esp_xfrm *x);

/* HMAC-SHA-256 ICV length on the kernel path. The kernel verifies one ICV
 * length per state, so a peer that truncates to 96 bits (pre-RFC 4868)
 * shows as integrity failures on our inbound state with nothing accepted.
 * But such a peer drops our 128-bit packets too, and we speak first
 * (SCCRQ): it may never send anything. So a peer silent while we keep
 * sending is tried with 96 bits (trying96); if integrity failures come
 * then, it was a slow 128-bit peer: back to 128.
 * What the counters (inbound, and out_packets) after `polls` looks say: */
enum esp_trunc_verdict {
	ESP_TRUNC_WAIT,       /* nothing received yet: look again */
	ESP_TRUNC_VERIFIED,   /* a packet verified at the current length: done */
	ESP_TRUNC_SWITCH_96,  /* only ICV failures at 128: the peer sends 96 bits */
	ESP_TRUNC_TRY_96,     /* silence while we sent: try 96 bits, keep looking */
	ESP_TRUNC_BACK_TO_128, /* only ICV failures while trying 96: back to 128 */
	ESP_TRUNC_GIVE_UP,    /* silence for too long: keep what is installed */
};
#define ESP_TRUNC_POLL_MS      500
#define ESP_TRUNC_MAX_POLLS    60 /* 30 s, past a slow SCCRP */
#define ESP_TRUNC_SILENT_POLLS 6  /* 3 s of silence ... */
#define ESP_TRUNC_SILENT_OUT   3  /* ... while we sent this many (SCCRQ twice resent) */
enum esp_trunc_verdict esp_xfrm_trunc_verdict(const struct esp_counters *c, unsigned polls,
                                              bool trying96);

/* UDP_ENCAP_ESPINUDP on the IKE 4500 socket, so the kernel takes ESP off it. */
int esp_xfrm_set_udp_encap(int fd);

/* One state's NEWSA request, keys included (built from a stack buffer into
 * the message only, never into a libnl object). */
struct state_spec {
	const struct esp_sa *sa;
	const struct sockaddr_storage *src, *dst;
	const struct esp_lifetime *lifetime;
	bool udp_encap;
	uint32_t reqid;
};
struct nl_msg;
int esp_xfrm_build_state_msg(const struct state_spec *spec, struct nl_msg **msg);
/* Sends a request that holds keys, clears the message's buffer (whatever
 * the outcome), then waits for the kernel's ack. The caller frees msg. */
int esp_xfrm_send_secret(struct nl_sock *sk, struct nl_msg *msg);
void esp_xfrm_msg_cleanse(struct nl_msg *msg);

/* Reads the kernel's replies to one request on fd into buf (32 KiB holds
 * any netlink datagram the kernel sends), calls on_msg for each that is
 * neither an error nor the end of a dump, and clears buf after each read
 * (GETSA replies hold keys). Ends at the ack (a request sent with NLM_F_ACK) or a dump's end. 0, or
 * the kernel's -errno. */
#define ESP_XFRM_REPLY_MAX 32768
struct nlmsghdr;
int esp_xfrm_recv_cleansed(int fd, unsigned char *buf, size_t len,
                           void (*on_msg)(const struct nlmsghdr *h, void *arg), void *arg);

/* Shared by xfrm.c and xfrm_policy.c. */
struct nl_addr *esp_xfrm_addr(const struct sockaddr_storage *ss);
uint16_t esp_xfrm_port(const struct sockaddr_storage *ss);

#endif
