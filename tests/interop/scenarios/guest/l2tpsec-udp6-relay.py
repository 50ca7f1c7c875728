#!/usr/bin/python3 -u
"""L2TP over IPv6 in front of an IPv4-only LNS, for l2tpsec-ipv6-underlay.

xl2tpd 1.3 (Debian 12) opens AF_INET sockets only (listen-addr goes through
gethostbyname; upstream: xelerance/xl2tpd#183), and Debian 12 packages no
IPv6-capable LNS. This shim runs on the gateway, after ESP: it receives the
decapsulated L2TP datagrams on [GW6]:1701 (the address charon's transport
SAs and policies name, so its answers leave through them again) and relays
each client's datagrams to xl2tpd on LNS4:PORT from an IPv4 socket of its
own (one per client address and port), and xl2tpd's answers back. It only
moves datagrams: L2TP, PPP and IPsec stay the real ones.

usage: l2tpsec-udp6-relay.py GW6 LNS4 PORT
"""
import selectors
import socket
import sys


def main():
    gw6, lns = sys.argv[1], (sys.argv[2], int(sys.argv[3]))
    front = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    front.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    front.bind((gw6, 1701))
    sel = selectors.DefaultSelector()
    sel.register(front, selectors.EVENT_READ, None)
    peers = {}
    print("relay ready: [%s]:1701 -> %s:%d" % (gw6, lns[0], lns[1]))
    while True:
        for key, _ in sel.select():
            if key.data is None:
                data, peer = front.recvfrom(65535)
                peer = peer[:2]
                back = peers.get(peer)
                if back is None:
                    back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    back.bind((lns[0], 0))
                    back.connect(lns)
                    peers[peer] = back
                    sel.register(back, selectors.EVENT_READ, peer)
                    print("peer [%s]:%d via %s:%d" % (peer + back.getsockname()))
                back.send(data)
            else:
                try:
                    data = key.fileobj.recv(65535)
                except ConnectionRefusedError:
                    continue  # xl2tpd restarting between cases
                front.sendto(data, key.data)


if __name__ == "__main__":
    main()
