#!/bin/bash
# l2tpsec stays connected on the userspace data path (issue 13), in one
# boot, through the NAT:
#  losses   - on one connection, through a NAT mapping to random ports:
#             the NAT forgets its mappings (conntrack flushed, new public
#             port): ping answers within 10 s; then the gateway crashes
#             (kill -9: no DELETE, StopCCN or Terminate) and comes back
#             seconds later with new SPIs: l2tpsec notices by itself
#             (liveness = 20s) and ping answers within 10 s of the gateway
#             being up. The profile's hook hangs on connect meanwhile: it
#             stalls nothing, is killed after 10 s, hooks keep their order.
#  authfail - a wrong PSK exits 10 after one attempt; a password changed on
#             the gateway while connected exits 7 after one reconnect
#             attempt; the systemd unit restarts neither.
# The kernel data path's recovery cases are in l2tpsec-recovery.
. "$(dirname "$0")/../../lib/scenario.sh"
. "$(dirname "$0")/../../lib/l2tpsec.sh"
export L2TPSEC_DATAPATH=${L2TPSEC_DATAPATH:-userspace}
rig_cases_setup l2tpsec-stay
for c in ${L2TPSEC_CASES:-losses authfail}; do
	rig_case "$c" "rig_l2tpsec_case_$c"
done
rig_cases_end
