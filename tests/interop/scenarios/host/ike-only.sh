#!/bin/bash
# Host mode (no emulation): IKEv1 only.  charon initiator in the client
# namespace against the charon responder in the gw namespace, through the
# MASQUERADE NAT, each charon in its own mount namespace (gotcha 5).
# Proves: Main Mode completes with NAT detection and the float to UDP 4500,
# Quick Mode completes; the transport SA install then fails in kernel-libipsec
# ("unsupported mode") - expected on a kernel without ESP.
. "$(dirname "$0")/../../hostrig.sh"
rig_init host-ike-only
hostrig_up
hostrig_capture_start
hostrig_gw_charon
t0=$(rig_now_ms)
hostrig_client_charon
hostrig_exec client swanctl --initiate --child l2tp --timeout 15 >>"$RIG_LOGDIR/client-swanctl.log" 2>&1
gwlog="$RIG_LOGDIR/gw-charon.log"
hostrig_wait_log "$gwlog" "IKE_SA l2tp\[[0-9]+\] established" 15 || rig_fail "gw: Main Mode did not complete"
hostrig_wait_log "$gwlog" "generating QUICK_MODE response" 15 ||
	rig_fail "gw: Quick Mode did not complete"
# The initiator installs first (after QM message 2) and kernel-libipsec refuses
# transport mode; it then tells the gw NO_PROPOSAL_CHOSEN.  Expected here.
hostrig_wait_log "$RIG_LOGDIR/client-charon.log" "unsupported mode|CHILD_SA gw\{[0-9]+\} established" 15 ||
	rig_fail "client: Quick Mode did not reach SA installation"
ike_ms=$(($(rig_now_ms) - t0))
log=$(<"$gwlog")
[[ $log =~ "remote host is behind NAT" ]] || rig_fail "gw: NAT not detected"
[[ $log =~ selected\ proposal:\ ESP ]] || rig_fail "gw: no ESP proposal selected"
[[ $log =~ received\ packet:\ from\ 172\.16\.0\.1\[[0-9]+\]\ to\ 172\.16\.0\.2\[4500\] ]] ||
	rig_fail "gw: no IKE on port 4500"
[[ $(<"$RIG_LOGDIR/client-charon.log") =~ "local host is behind NAT" ]] || rig_fail "client: NAT not detected"
hostrig_capture_stop
rig_assert_ike_natt
rig_assert_no_raw_esp
rig_log "IKE Main Mode + Quick Mode through NAT OK (SA install fails: no kernel ESP, expected)"
rig_result "ike_ms=$ike_ms mode=host"
