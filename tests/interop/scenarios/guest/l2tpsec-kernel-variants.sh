#!/bin/bash
# l2tpsec with --datapath auto in the emulated kernel (which has ESP, L2TP
# and PPPoL2TP: auto must pick the kernel path) against several gateway
# variants, one after the other in one boot (the gateway is restarted between
# cases): PAP through a 0600 profile, CHAP-MD5, the Windows XP proposal
# 3des-sha1-modp1024, --dh2048 require, certificates.  Each case through the
# NAT: pool address, ping, status connected on the kernel path, the gateway's
# CHILD_SA has l2tpsec's SPIs, wire only IKE 500/4500 + ESP-in-UDP, and after
# disconnect nothing left on the client.
. "$(dirname "$0")/../../lib/scenario.sh"
. "$(dirname "$0")/../../lib/l2tpsec.sh"
# A dual-stack LAN, the gateway without IPv6: no IPv6 leak around the
# full tunnel while connected, IPv6 back after disconnect (issue 17).
export RIG_LAN6=1
export L2TPSEC_DATAPATH=auto L2TPSEC_EXPECT_DATAPATH=kernel
rig_cases_setup l2tpsec-kernel-variants
for c in ${L2TPSEC_CASES:-pap chap 3des dh2048 cert}; do
	rig_case "$c" "rig_l2tpsec_case_$c"
done
rig_cases_end
