#!/bin/bash
# l2tp/ engine (issue 6) in host mode: the LAC engine (tests/l2tp/l2tp_probe)
# against the rig's xl2tpd LNS through the MASQUERADE NAT, userspace data
# path, from port 1701 and from an ephemeral port. Proves: SCCRQ..SCCCN and
# ICRQ..ICCN complete through NAT; the LNS then fails pppd (/dev/ppp missing
# here, expected) and disconnects the call; the engine reports the CDN in
# words and closes the tunnel with StopCCN, which the LNS logs.
# Needs L2TPSEC_BUILDDIR (default .) with tests/l2tp/l2tp_probe.
. "$(dirname "$0")/../../hostrig.sh"
rig_init host-l2tp_engine
rig_need xl2tpd xl2tpd
PROBE=${L2TPSEC_BUILDDIR:-.}/tests/l2tp/l2tp_probe
[ -x "$PROBE" ] || rig_skip "l2tp_probe not built at $PROBE"
PROBE=$(cd "$(dirname "$PROBE")" && pwd)/l2tp_probe
hostrig_up
hostrig_capture_start
hostrig_gw_xl2tpd
lnslog="$RIG_LOGDIR/gw-xl2tpd.log"

t0=$(rig_now_ms)
out=$(hostrig_exec client "$PROBE" --peer "$GW_PUBLIC_ADDR" --port 1701 --hold 10 --timeout 30 \
	2>"$RIG_LOGDIR/client-probe-1701.log")
rig_log "1701: $out"
[[ $out =~ up=1\ .*port=1701\ .*closed_by=peer\ .*LNS\ disconnected\ the\ call ]] ||
	rig_fail "port 1701: session did not come up / end as expected: $out"
call_ms=$(($(rig_now_ms) - t0))
hostrig_wait_log "$lnslog" "Call established with" 5 || rig_fail "LNS: call not established"
hostrig_wait_log "$lnslog" "Connection closed to" 5 ||
	rig_fail "LNS did not see our StopCCN"

out=$(hostrig_exec client "$PROBE" --peer "$GW_PUBLIC_ADDR" --port ephemeral --hold 10 \
	--timeout 30 2>"$RIG_LOGDIR/client-probe-ephemeral.log")
rig_log "ephemeral: $out"
[[ $out =~ up=1\ .*closed_by=peer ]] || rig_fail "ephemeral port: $out"
[[ $out =~ port=1701\  ]] && rig_fail "ephemeral port run used 1701: $out"

hostrig_capture_stop
n=$(rig_pcap_count 'udp port 1701')
[ "$n" -ge 12 ] || rig_fail "wire: expected two L2TP exchanges on udp/1701, saw $n packets"
rig_result "call_ms=$call_ms l2tp_packets=$n mode=host"
