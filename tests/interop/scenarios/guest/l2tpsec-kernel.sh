#!/bin/bash
# l2tpsec on the kernel data path (XFRM states and policies, kernel L2TP,
# pppd with the pppol2tp plugin) against the real gateway through the NAT,
# PSK and MS-CHAPv2.
. "$(dirname "$0")/../../lib/scenario.sh"
. "$(dirname "$0")/../../lib/l2tpsec.sh"
export L2TPSEC_DATAPATH=kernel GW_PPP_AUTH=mschapv2
rig_l2tpsec_scenario l2tpsec-kernel
