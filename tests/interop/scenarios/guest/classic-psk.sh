#!/bin/bash
# Classic Linux client (charon + xl2tpd + pppd) against the real gateway,
# PSK, MS-CHAPv2, through a MASQUERADE NAT.  Proves: IKEv1 Main Mode + Quick
# Mode with NAT-T, ESP-in-UDP transport SAs in the kernel, L2TP tunnel + call,
# PPP with IPCP address + DNS, traffic across; wire and gateway evidence.
. "$(dirname "$0")/../../lib/scenario.sh"
export GW_AUTH=psk
rig_classic_scenario classic-psk
