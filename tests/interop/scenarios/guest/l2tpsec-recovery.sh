#!/bin/bash
# l2tpsec on the kernel data path recovering from trouble, in one boot:
#  crash     - kill -9 while connected leaves XFRM states/policies, routes
#              (proto 157) and resolv.conf behind; the next `connect` with
#              the same name removes them and connects; its disconnect
#              leaves nothing (no SA, policy, route, interface, DNS, pppd).
#  reconnect - the gateway restarts (charon + xl2tpd) under a running ping;
#              l2tpsec says "reconnecting", status says connected again with
#              reconnect_attempts 0, the ping gets answers again.
#  losses    - the NAT's conntrack flushed (new public port), then the
#              gateway crashed (kill -9) and back with new SPIs: ping
#              answers within 10 s each time (as in l2tpsec-stay for the
#              userspace path).
# Each case through the NAT with the usual checks (pool address, ping,
# status, the gateway's CHILD_SA has l2tpsec's SPIs, wire, nothing left).
. "$(dirname "$0")/../../lib/scenario.sh"
. "$(dirname "$0")/../../lib/l2tpsec.sh"
export L2TPSEC_DATAPATH=kernel
rig_cases_setup l2tpsec-recovery
for c in ${L2TPSEC_CASES:-crash reconnect losses}; do
	rig_case "$c" "rig_l2tpsec_case_$c"
done
rig_cases_end
