#!/bin/bash
# l2tpsec on the kernel data path (XFRM states and policies, kernel L2TP,
# pppd with the pppol2tp plugin) against the real gateway through the NAT,
# PSK and MS-CHAPv2.
. "$(dirname "$0")/../../lib/scenario.sh"
. "$(dirname "$0")/../../lib/l2tpsec.sh"
# IPv6 inside the tunnel too (issue 17): the gateway's pppd +ipv6 and radvd
# with an RDNSS server.
export L2TPSEC_DATAPATH=kernel GW_PPP_AUTH=mschapv2 GW_IPV6=1 GW_IPV6_DNS=fd42:42:0:1::53
rig_l2tpsec_scenario l2tpsec-kernel
