#!/bin/bash
# Server behind NAT: a second NAT in front of the gateway forwards UDP
# 500/4500 to its private address (10.2.0.2); the client is behind its own
# MASQUERADE NAT, with netem delay on the client's NAT.  PSK, PPP CHAP-MD5,
# one DNS server.  Proves NAT-T with both ends behind NAT and the knobs.
. "$(dirname "$0")/../../lib/scenario.sh"
export GW_AUTH=psk GW_PPP_AUTH=chap GW_DNS=10.9.9.53
export GW_IKE=aes256-sha256-modp2048,3des-sha1-modp1024 GW_ESP=aes256-sha256,3des-sha1
rig_classic_scenario classic-nat2-chap --nat2 --netem "delay 5ms"
