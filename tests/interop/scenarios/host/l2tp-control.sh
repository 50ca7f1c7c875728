#!/bin/bash
# Host mode (no emulation): L2TP control connection only, no IPsec.  xl2tpd
# LAC in the client namespace against the xl2tpd LNS in the gw namespace,
# through the MASQUERADE NAT.  Proves: SCCRQ/SCCRP/SCCCN (tunnel) and
# ICRQ/ICRP/ICCN (call) complete; pppd then fails on /dev/ppp (no PPP in
# this kernel) and the call is torn down - expected.
. "$(dirname "$0")/../../hostrig.sh"
rig_init host-l2tp-control
hostrig_up
hostrig_capture_start
hostrig_gw_xl2tpd
hostrig_client_xl2tpd
t0=$(rig_now_ms)
hostrig_l2tp_dial
lnslog="$RIG_LOGDIR/gw-xl2tpd.log"
hostrig_wait_log "$lnslog" "Connection established to" 15 || rig_fail "LNS: tunnel not established"
hostrig_wait_log "$lnslog" "Call established with" 15 || rig_fail "LNS: call not established"
call_ms=$(($(rig_now_ms) - t0))
hostrig_wait_log "$RIG_LOGDIR/client-xl2tpd.log" "Call established with" 15 || rig_fail "LAC: call not established"
hostrig_capture_stop
n=$(rig_pcap_count 'udp port 1701')
[ "$n" -ge 6 ] || rig_fail "wire: expected the L2TP control exchange on udp/1701, saw $n packets"
rig_log "L2TP tunnel + call established through NAT (pppd fails on /dev/ppp here, expected)"
rig_result "call_ms=$call_ms l2tp_packets=$n mode=host"
