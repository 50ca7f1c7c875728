#!/bin/bash
# l2tpns as the LNS (its own L2TP and PPP, CHAP through a RADIUS stub) behind
# strongSwan or Libreswan, one boot, the gateway restarted between cases:
# l2tpsec's L2TP and PPP meet an implementation other than xl2tpd/pppd.
#   strongswan_kernel      charon + l2tpns, the kernel path (pppd)
#   libreswan_userspace    pluto + l2tpns, the userspace path (built-in PPP)
#   port_retry_userspace   the gateway drops L2TP from port 1701 (a NAT that
#                          already maps 1701, a stale tunnel): port = auto
#                          starts over from a random port with a new SA and
#                          connects (issue 15)
# Each through the NAT: pool address, ping, status, l2tpsec's SPIs in the
# gateway's espinudp states, l2tpns's session authenticated by RADIUS, wire
# only IKE 500/4500 + ESP-in-UDP, nothing left after disconnect.
. "$(dirname "$0")/../../lib/scenario.sh"
. "$(dirname "$0")/../../lib/l2tpsec.sh"
. "$(dirname "$0")/../../lib/libreswan.sh"
. "$(dirname "$0")/../../lib/l2tpns.sh"

gw_l2tpns_check() {
	rig_l2tpsec_check_up "$L2TPSEC_DATAPATH"
	rig_assert_gw_l2tpns_session
	rig_l2tpsec_check_down
	rig_case_figures "${RIG_CASE}_ms=$L2TPSEC_CONNECT_MS"
}

case_strongswan_kernel() {
	export L2TPSEC_DATAPATH=kernel
	rig_gw_l2tpns_up
	rig_l2tpsec_up
	gw_l2tpns_check
}

case_libreswan_userspace() {
	export L2TPSEC_DATAPATH=userspace GW_KIND=libreswan
	rig_need_libreswan
	rig_gw_libreswan
	rig_gw_l2tpns
	rig_l2tpsec_up
	rig_assert_gw_libreswan_sa
	gw_l2tpns_check
}

case_port_retry_userspace() {
	local p port
	export L2TPSEC_DATAPATH=userspace
	rig_gw_l2tpns_up
	# after ESP decapsulation: L2TP from our port 1701 never reaches l2tpns
	rig_iptables "$(rig_ns gw)" -I INPUT -p udp --sport 1701 --dport 1701 -j DROP
	p=$(rig_role_dir client)/retry.conf
	rm -f "$p"
	rig_write_secret_file "$p" "# l2tpsec interop rig: port = auto, quick SCCRQ give-up
[gateway]
host = $GW_PUBLIC_ADDR
[ipsec]
psk = $GW_PSK
[l2tp]
port = auto
retries = 2
[ppp]
user = $GW_USER
password = $GW_PASSWORD"
	export L2TPSEC_PROFILE=$p
	rig_l2tpsec_up
	grep -q "no answer to SCCRQ from port 1701: starting over from port" \
		"$RIG_LOGDIR/client-l2tpsec.log" || rig_fail "client: no port retry in the log"
	port=$(rig_l2tpsec_json '.l2tp.local_port // empty')
	rig_log "client: connected after the port retry${port:+ (L2TP port $port)}"
	gw_l2tpns_check
	rig_iptables "$(rig_ns gw)" -D INPUT -p udp --sport 1701 --dport 1701 -j DROP
}

rig_cases_setup gw-l2tpns
rig_need_l2tpns
for c in ${L2TPSEC_CASES:-strongswan_kernel libreswan_userspace port_retry_userspace}; do
	rig_case "$c" "case_$c"
done
rig_cases_end
