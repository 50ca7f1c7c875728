#!/usr/bin/python3
# Forged and replayed IKE packets at the client, from the NAT's public side
# (used by l2tpsec-rekey.sh; runs in the gateway's namespace, which is the
# public side, so that everything crosses the NAT's reverse translation).
#
#   l2tpsec-rekey-forge.py IFACE GW_ADDR NAT_PUBLIC_ADDR SECONDS
#
# Sniffs IFACE (AF_PACKET) for IKE on UDP 4500 between the gateway and the
# NAT to learn the ISAKMP SA's cookies and to record one encrypted
# informational (the gateway's, else one of the client's own, which is a
# reflection attack on IKEv1's shared keys). Then sends, as
# if from the gateway: plaintext notifications carrying the cookies
# (NO_PROPOSAL_CHOSEN, INVALID_PAYLOAD_TYPE, AUTHENTICATION_FAILED), a
# plaintext Main Mode message with them (a late MM2), an encrypted-looking
# message of garbage, and the recorded informational three times (replays).
# Prints "forged=N replayed=M" (the number of datagrams sent).
import os
import socket
import struct
import sys
import time

ETH_P_IP = 0x0800
ETH_P_ALL = 0x0003  # a packet socket of one protocol sees no outgoing frames


def parse(frame):
    """(src, dst, sport, dport, isakmp bytes) of an IKE-in-UDP-4500 frame."""
    if len(frame) < 14 + 20 + 8 + 4 + 28 or struct.unpack("!H", frame[12:14])[0] != ETH_P_IP:
        return None
    ip = frame[14:]
    ihl = (ip[0] & 15) * 4
    if ip[9] != 17:
        return None
    src, dst = socket.inet_ntoa(ip[12:16]), socket.inet_ntoa(ip[16:20])
    sport, dport = struct.unpack("!HH", ip[ihl:ihl + 4])
    payload = ip[ihl + 8:]
    if 4500 not in (sport, dport) or payload[:4] != b"\0\0\0\0":
        return None
    return src, dst, sport, dport, payload[4:]


def sniff(iface, gw, seconds):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    s.settimeout(0.5)
    cookies = None
    info = None
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            frame = s.recv(65535)
        except socket.timeout:
            continue
        p = parse(frame)
        if not p:
            continue
        src, _, _, _, msg = p
        icky, rcky, _nxt, _ver, exch, flags = struct.unpack("!8s8sBBBB", msg[:20])
        if rcky != b"\0" * 8:
            cookies = (icky, rcky)
        # An encrypted informational: the gateway's (then stop), else the
        # first of the client's own (IKEv1 uses the same keys both ways:
        # sent back, it verifies).
        if exch == 5 and flags & 1 and (info is None or src == gw):
            info = msg
            if src == gw:
                break
    s.close()
    return cookies, info


def isakmp(icky, rcky, exch, flags, msgid, next_pl, body):
    return struct.pack("!8s8sBBBBII", icky, rcky, next_pl, 0x10, exch, flags, msgid,
                       28 + len(body)) + body


def notify(icky, rcky, ntype):
    spi = icky + rcky
    # RFC 2408 3.14: DOI, protocol ISAKMP, SPI size 16, type, SPI
    body = struct.pack("!BBHIBBH", 0, 0, 12 + len(spi), 1, 1, len(spi), ntype) + spi
    return isakmp(icky, rcky, 5, 0, struct.unpack("!I", os.urandom(4))[0], 11, body)


def send(raw, src, dst, msg):
    udp_len = 8 + 4 + len(msg)
    udp = struct.pack("!HHHH", 4500, 4500, udp_len, 0) + b"\0\0\0\0" + msg
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, 0, 0, 64, 17, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    raw.sendto(ip + udp, (dst, 0))


def main():
    iface, gw, nat, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    cookies, info = sniff(iface, gw, seconds)
    print("sniffed: cookies %s, informational %s" % ("yes" if cookies else "no",
                                                     "yes" if info else "no"), flush=True)
    if cookies is None:
        print("forged=0 replayed=0 (no IKE seen)")
        return 1
    icky, rcky = cookies
    forged = [notify(icky, rcky, t) for t in (14, 1, 24)]
    # a late "MM2": plaintext Main Mode with the SA's cookies
    forged.append(isakmp(icky, rcky, 2, 0, 0, 1, struct.pack("!BBH", 0, 0, 4)))
    # encrypted-looking garbage: fails HASH(1)
    forged.append(isakmp(icky, rcky, 5, 1, 0x0badf00d, 8, os.urandom(64)))
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    for m in forged:
        send(raw, gw, nat, m)
        time.sleep(0.05)
    replayed = 0
    if info is not None:
        for _ in range(3):
            send(raw, gw, nat, info)
            replayed += 1
            time.sleep(0.05)
    print("forged=%d replayed=%d" % (len(forged), replayed), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
