#!/usr/bin/python3
"""Run as an unprivileged user: try to take over one of l2tpsec's UDP ports
(issue #14 finding 1). Binds LOCAL_ADDR:PORT with SO_REUSEADDR and
SO_REUSEPORT, connects to PEER_ADDR:PEER_PORT and listens for WAIT seconds.
Prints one line: "denied ERRNO" (bind refused), "quiet" (bound, nothing
received) or "received N" (the hijack worked). Exit 0 unless received."""
import errno
import socket
import sys

local_addr, port, peer_addr, peer_port, wait = sys.argv[1:6]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
try:
    s.bind((local_addr, int(port)))
except OSError as e:
    print("denied", errno.errorcode.get(e.errno, e.errno))
    sys.exit(0)
s.connect((peer_addr, int(peer_port)))
s.settimeout(float(wait))
try:
    data = s.recv(65536)
except socket.timeout:
    print("quiet")
    sys.exit(0)
print("received", len(data))
sys.exit(1)
