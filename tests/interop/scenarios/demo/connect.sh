#!/bin/bash
# The README's demo: a real gateway (strongSwan + xl2tpd + pppd) behind a
# NAT in an emulated kernel, and `l2tpsec connect` against it, showing the
# connected line, `l2tpsec status` and a ping through the tunnel.
. "$(dirname "$0")/../../lib/scenario.sh"
. "$(dirname "$0")/../../lib/l2tpsec.sh"
: "${L2TPSEC_DATAPATH:=auto}"
export L2TPSEC_DATAPATH

show() { printf '\n$ %s\n' "$*"; }

rig_init demo
rig_need_stack
rig_need_l2tpsec
rig_topo_up
rig_gw_up
show "l2tpsec connect --gateway $GW_PUBLIC_ADDR --psk-file psk --user $GW_USER --password-file password --datapath $L2TPSEC_DATAPATH"
rig_l2tpsec_up
grep -E '^connected |client: connecting|IPsec SA up|L2TP session up|connected:' \
	"$RIG_LOGDIR/client-l2tpsec.log" | sed 's/^<[0-9]>//'
show "l2tpsec status"
rig_l2tpsec status rig
show "ping -c 3 $PPP_GW_ADDR   # the gateway's end of the tunnel"
rig_in client "${RIG_PING[@]}" -c 3 -i 0.2 -W 3 "$PPP_GW_ADDR" || rig_fail "ping failed"
show "l2tpsec disconnect"
rig_l2tpsec disconnect rig
rig_result "connect_ms=$L2TPSEC_CONNECT_MS interface=$CLIENT_PPP_IF ppp_addr=$CLIENT_PPP_ADDR"
