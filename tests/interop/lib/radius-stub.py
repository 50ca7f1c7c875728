#!/usr/bin/env python3
"""The l2tpsec interop rig's RADIUS authentication server for l2tpns.

l2tpns authenticates PPP only through RADIUS (RFC 2865); this answers its
Access-Requests for one user: PAP (User-Password, RFC 2865 section 5.2) and
CHAP-MD5 (CHAP-Password and CHAP-Challenge, section 5.3 and RFC 1994), with
Access-Accept or Access-Reject. Everything else is ignored. Test code for the
rig only: the secret, user and password come from the command line of a
process in the rig's gateway namespace.

    radius-stub.py ADDR PORT SECRET USER PASSWORD
"""
import hashlib
import socket
import struct
import sys

ACCESS_REQUEST, ACCESS_ACCEPT, ACCESS_REJECT = 1, 2, 3
USER_NAME, USER_PASSWORD, CHAP_PASSWORD, SERVICE_TYPE = 1, 2, 3, 6
FRAMED_PROTOCOL, CHAP_CHALLENGE = 7, 60


def attributes(buf):
    """The attributes of a packet body as (type, value) pairs; raises on garbage."""
    out, i = [], 0
    while i < len(buf):
        if i + 2 > len(buf) or buf[i + 1] < 2 or i + buf[i + 1] > len(buf):
            raise ValueError("bad attribute length")
        out.append((buf[i], buf[i + 2:i + buf[i + 1]]))
        i += buf[i + 1]
    return out


def pap_password(hidden, secret, authenticator):
    """RFC 2865 section 5.2: undo the MD5 stream over 16-byte blocks."""
    if not hidden or len(hidden) % 16:
        raise ValueError("bad User-Password length")
    plain, prev = b"", authenticator
    for k in range(0, len(hidden), 16):
        pad = hashlib.md5(secret + prev).digest()
        block = hidden[k:k + 16]
        plain += bytes(a ^ b for a, b in zip(block, pad))
        prev = block
    return plain.rstrip(b"\0")


def accepted(attrs, secret, authenticator, user, password):
    a = dict(attrs)
    if a.get(USER_NAME) != user:
        return False
    if USER_PASSWORD in a:
        return pap_password(a[USER_PASSWORD], secret, authenticator) == password
    if CHAP_PASSWORD in a and len(a[CHAP_PASSWORD]) == 17:
        ident, response = a[CHAP_PASSWORD][:1], a[CHAP_PASSWORD][1:]
        challenge = a.get(CHAP_CHALLENGE, authenticator)
        return hashlib.md5(ident + password + challenge).digest() == response
    return False


def reply(code, ident, req_auth, secret, attrs=b""):
    length = 20 + len(attrs)
    head = struct.pack("!BBH", code, ident, length)
    auth = hashlib.md5(head + req_auth + attrs + secret).digest()
    return head + auth + attrs


def main():
    addr, port, secret, user, password = sys.argv[1:6]
    secret, user, password = secret.encode(), user.encode(), password.encode()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((addr, int(port)))
    print("radius-stub: listening on %s:%s" % (addr, port), flush=True)
    while True:
        pkt, peer = sock.recvfrom(4096)
        try:
            code, ident, length = struct.unpack("!BBH", pkt[:4])
            if code != ACCESS_REQUEST or length < 20 or length > len(pkt):
                raise ValueError("not an Access-Request")
            req_auth = pkt[4:20]
            attrs = attributes(pkt[20:length])
            ok = accepted(attrs, secret, req_auth, user, password)
        except (ValueError, struct.error) as e:
            print("radius-stub: ignored packet from %s: %s" % (peer, e), flush=True)
            continue
        # Service-Type Framed, Framed-Protocol PPP: what a NAS expects
        extra = struct.pack("!BBI", SERVICE_TYPE, 6, 2) + struct.pack("!BBI", FRAMED_PROTOCOL, 6, 1)
        out = reply(ACCESS_ACCEPT, ident, req_auth, secret, extra) if ok else \
            reply(ACCESS_REJECT, ident, req_auth, secret)
        sock.sendto(out, peer)
        print("radius-stub: %s for %r (%s)" % ("Access-Accept" if ok else "Access-Reject",
              dict(attrs).get(USER_NAME), "PAP" if USER_PASSWORD in dict(attrs) else "CHAP"),
              flush=True)


if __name__ == "__main__":
    main()
