#!/bin/bash
# Soak (guest side, run by tests/bench/soak.sh through tests/interop/run):
# one l2tpsec connection through the NAT for SOAK_SECONDS with short
# lifetimes on both sides (gateway: CHILD_SA life SOAK_ESP_LIFETIME, rekeyed
# at 80 %, IKE reauthentication every SOAK_IKE_LIFETIME; l2tpsec: the
# profile's shortest lifetimes), a ping every second all along.  Writes
# "KEY VALUE" lines to $RIG_LOGDIR/soak.txt: rekeys, ping sent/lost,
# reconnects, l2tpsec's RSS at the start and the end.
. "$(dirname "$0")/../../lib/scenario.sh"
. "$(dirname "$0")/../../lib/l2tpsec.sh"
: "${SOAK_SECONDS:=1800}" "${SOAK_ESP_LIFETIME:=90}" "${SOAK_IKE_LIFETIME:=300}"
: "${L2TPSEC_DATAPATH:=userspace}"
export GW_ESP_LIFETIME=$SOAK_ESP_LIFETIME GW_IKE_LIFETIME=$SOAK_IKE_LIFETIME GW_DPD=10

rig_init soak
rig_need_stack
rig_need_l2tpsec
rig_topo_up
rig_gw_up
OUT=$RIG_LOGDIR/soak.txt
: >"$OUT"
soak() { echo "$*" >>"$OUT"; rig_log "soak: $*"; }

export L2TPSEC_PROFILE; L2TPSEC_PROFILE=$(rig_role_dir client)/soak.conf
rig_l2tpsec_write_profile "$L2TPSEC_PROFILE" "ike-lifetime = 5m
ipsec-lifetime = 2m" "reconnect = yes
liveness = 20s"
rig_l2tpsec_up
log=$RIG_LOGDIR/client-l2tpsec.log
# one ping a second, each a new process: a long-running ping keeps the
# source address it started with, which a reconnect may change
rig_bg client ping-soak bash -c 'end=$((SECONDS + $1)); while [ $SECONDS -lt $end ]; do
	if "${@:3}" -c 1 -W 2 "$2" >/dev/null 2>&1; then echo ok; else echo lost; fi; sleep 1
done' _ "$SOAK_SECONDS" "$PPP_GW_ADDR" "${RIG_PING[@]}"
ping_pid=$RIG_BG_PID
rig_sleep 10
rss_start=$(rig_rss_kb "$L2TPSEC_PID")
soak "datapath $L2TPSEC_DATAPATH"
soak "seconds $SOAK_SECONDS"
soak "rss_start_kb $rss_start"
t_end=$(($(rig_now_ms) + SOAK_SECONDS * 1000))
while [ "$(rig_now_ms)" -lt "$t_end" ]; do
	kill -0 "$L2TPSEC_PID" 2>/dev/null || { tail -n 30 "$log" >&2; rig_fail "l2tpsec ended during the soak"; }
	rig_sleep 5
done
rig_wait_for 15 eval '! kill -0 '"$ping_pid"' 2>/dev/null' || rig_stop_pid "$ping_pid"
rss_end=$(rig_rss_kb "$L2TPSEC_PID")
soak "rss_end_kb $rss_end"
sent=$(grep -c '^ok$\|^lost$' "$RIG_LOGDIR/client-ping-soak.log")
recv=$(grep -c '^ok$' "$RIG_LOGDIR/client-ping-soak.log")
soak "ping_sent ${sent:-0}"
soak "ping_lost $(( ${sent:-0} - ${recv:-0} ))"
soak "ipsec_rekeys $(grep -c 'IPsec SA rekeyed: in ' "$log")"
soak "ike_rekeys $(grep -c 'ISAKMP SA rekeyed' "$log")"
soak "gw_child_rekeys $(grep -c 'CHILD_SA .* rekeyed\|rekeying CHILD_SA\|creating rekey job for CHILD_SA' "$RIG_LOGDIR/gw-charon.log")"
soak "reconnects $(grep -c 'reconnecting (attempt' "$log")"
rig_l2tpsec_down
rig_result "seconds=$SOAK_SECONDS rss_start_kb=$rss_start rss_end_kb=$rss_end" \
	"ping_sent=${sent:-0} ping_received=${recv:-0}"
