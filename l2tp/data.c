/*
 * Data messages for the USERSPACE data path, RFC 2661 §3.1 / §5.4: T=0,
 * the L bit and Ns/Nr (S bit) as the LNS asks, PPP frames inside with the
 * HDLC address/control bytes ff 03 in front.
 */
#include <string.h>

#include "l2tp/l2tp_int.h"
#include "l2tp/proto.h"
#include "lib/util.h"

#define PPP_ADDRESS 0xff
#define PPP_CONTROL 0x03

int l2tp_data_encode(uint8_t *out, size_t cap, uint16_t peer_tid, uint16_t peer_sid, bool seq,
                     uint16_t ns, uint16_t nr, bool length_bit, const uint8_t *frame, size_t len)
{
	struct buf_writer w;

	bw_init(&w, out, cap);
	bw_u16(&w,
	       (uint16_t)(L2TP_VERSION | (length_bit ? L2TP_HDR_L : 0) | (seq ? L2TP_HDR_S : 0)));
	if (length_bit)
		bw_u16(&w, 0);
	bw_u16(&w, peer_tid);
	bw_u16(&w, peer_sid);
	if (seq) {
		bw_u16(&w, ns);
		bw_u16(&w, nr);
	}
	bw_u8(&w, PPP_ADDRESS);
	bw_u8(&w, PPP_CONTROL);
	bw_bytes(&w, frame, len);
	if (!bw_ok(&w) || w.len > 0xffff)
		return -1;
	if (length_bit)
		bw_put_u16_at(&w, 2, (uint16_t)w.len);
	return (int)w.len;
}

void l2tp_data_input(struct l2tp *l2tp, const struct l2tp_hdr *h, const uint8_t *buf)
{
	const uint8_t *p = buf + h->payload_off;
	size_t len = h->payload_len;

	if (!l2tp->session_up || l2tp->cfg.data_mode != L2TP_DATA_USERSPACE ||
	    h->tunnel_id != l2tp->tid || h->session_id != l2tp->sid) {
		l2tp->data_rx_dropped++;
		return;
	}
	if (h->has_seq) {
		/* §5.4: the LNS sequencing its data asks us to do the same. */
		if (!l2tp->data_seq)
			log_info(l2tp->lg, LOG_L2TP, "LNS sequences data: doing the same");
		if (l2tp->data_seq && (uint16_t)(h->ns - l2tp->data_nr) >= 0x8000) {
			l2tp->data_rx_dropped++; /* late or duplicate */
			return;
		}
		l2tp->data_seq = true;
		l2tp->data_nr = (uint16_t)(h->ns + 1);
	}
	if (h->has_length)
		l2tp->data_length_bit = true;
	if (len >= 2 && p[0] == PPP_ADDRESS && p[1] == PPP_CONTROL) {
		p += 2;
		len -= 2;
	}
	if (len == 0) {
		l2tp->data_rx_dropped++;
		return;
	}
	l2tp->data_rx_packets++;
	l2tp->data_rx_bytes += len;
	if (l2tp->cb.ppp_frame)
		l2tp->cb.ppp_frame(l2tp->ctx, p, len);
}

int l2tp_send_ppp(struct l2tp *l2tp, const uint8_t *frame, size_t len)
{
	uint8_t buf[L2TP_MAX_DATAGRAM];
	int n;

	if (!l2tp->session_up || l2tp->cfg.data_mode != L2TP_DATA_USERSPACE || len == 0)
		return -1;
	n = l2tp_data_encode(buf, sizeof(buf), l2tp->peer_tid, l2tp->peer_sid, l2tp->data_seq,
	                     l2tp->data_ns, l2tp->data_nr, l2tp->data_length_bit, frame, len);
	if (n < 0)
		return -1;
	if (l2tp->data_seq)
		l2tp->data_ns++;
	if (l2tp_xmit(l2tp, buf, (size_t)n) < 0)
		return -1;
	l2tp->data_tx_packets++;
	l2tp->data_tx_bytes += len;
	return 0;
}

int l2tp_encap_ppp(struct l2tp *l2tp, struct pkt *p)
{
	size_t hdr_len = 6 + (l2tp->data_length_bit ? 2 : 0) + (l2tp->data_seq ? 4 : 0) + 2;
	size_t frame_len = p->len;
	uint8_t *h;

	if (!l2tp->session_up || l2tp->cfg.data_mode != L2TP_DATA_USERSPACE || frame_len == 0 ||
	    frame_len + hdr_len > 0xffff || !(h = pkt_push(p, hdr_len)))
		return -1;
	put_be16(h, (uint16_t)(L2TP_VERSION | (l2tp->data_length_bit ? L2TP_HDR_L : 0) |
	                       (l2tp->data_seq ? L2TP_HDR_S : 0)));
	h += 2;
	if (l2tp->data_length_bit) {
		put_be16(h, (uint16_t)p->len);
		h += 2;
	}
	put_be16(h, l2tp->peer_tid);
	put_be16(h + 2, l2tp->peer_sid);
	h += 4;
	if (l2tp->data_seq) {
		put_be16(h, l2tp->data_ns++);
		put_be16(h + 2, l2tp->data_nr);
		h += 4;
	}
	h[0] = PPP_ADDRESS;
	h[1] = PPP_CONTROL;
	l2tp->data_tx_packets++;
	l2tp->data_tx_bytes += frame_len;
	return 0;
}
