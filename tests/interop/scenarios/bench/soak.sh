#!/bin/bash
# Soak (guest side, run by tests/bench/soak.sh through tests/interop/run):
# one connection through the NAT for SOAK_SECONDS with short lifetimes on
# both sides (gateway: CHILD_SA life SOAK_ESP_LIFETIME, rekeyed at 80 %, IKE
# reauthentication every SOAK_IKE_LIFETIME; l2tpsec: the profile's shortest
# lifetimes), a ping every second all along and, with SOAK_TRAFFIC_MBIT > 0,
# iperf3 both ways at that rate each way for the whole time.  SOAK_STACK:
# userspace or kernel (l2tpsec's data path), or classic (charon + xl2tpd +
# pppd, the baseline of issue 16's "RSS after an hour of traffic").  Writes
# "KEY VALUE" lines to $RIG_LOGDIR/soak.txt: rekeys, ping sent/lost, traffic
# moved, reconnects, the stack's RSS (l2tpsec + its pppd on the kernel path;
# charon + xl2tpd + pppd) at the start and the end.
. "$(dirname "$0")/../../lib/scenario.sh"
. "$(dirname "$0")/../../lib/l2tpsec.sh"
: "${SOAK_SECONDS:=1800}" "${SOAK_ESP_LIFETIME:=90}" "${SOAK_IKE_LIFETIME:=300}"
: "${SOAK_STACK:=${L2TPSEC_DATAPATH:-userspace}}" "${SOAK_TRAFFIC_MBIT:=0}"
export GW_ESP_LIFETIME=$SOAK_ESP_LIFETIME GW_IKE_LIFETIME=$SOAK_IKE_LIFETIME GW_DPD=10

rig_init soak
rig_need_stack
[ "$SOAK_STACK" = classic ] || rig_need_l2tpsec
rig_topo_up
rig_gw_up
OUT=$RIG_LOGDIR/soak.txt
: >"$OUT"
soak() { echo "$*" >>"$OUT"; rig_log "soak: $*"; }

if [ "$SOAK_STACK" = classic ]; then
	rig_classic_up
	log=$RIG_LOGDIR/client-charon.log
else
	export L2TPSEC_DATAPATH=$SOAK_STACK L2TPSEC_PROFILE
	L2TPSEC_PROFILE=$(rig_role_dir client)/soak.conf
	rig_l2tpsec_write_profile "$L2TPSEC_PROFILE" "ike-lifetime = 5m
ipsec-lifetime = 2m" "reconnect = yes
liveness = 20s"
	rig_l2tpsec_up
	log=$RIG_LOGDIR/client-l2tpsec.log
fi
# The stack's processes now ("NAME PID" lines): pppd's pid changes when
# l2tpsec reconnects.
stack_procs() {
	if [ "$SOAK_STACK" = classic ]; then
		echo "charon $CLIENT_CHARON_PID"
		echo "xl2tpd $CLIENT_XL2TPD_PID"
		echo "pppd $CLIENT_PPPD_PID"
	else
		echo "l2tpsec $L2TPSEC_PID"
		[ "$SOAK_STACK" = kernel ] && rig_l2tpsec_client_pids pppd | sed 's/^/pppd /'
	fi
}
# rss WHEN: the stack's total and each process's RSS into soak.txt.
rss() {
	local name pid total=0 kb
	while read -r name pid; do
		kb=$(rig_rss_kb "$pid")
		soak "rss_${1}_${name}_kb $kb"
		total=$((total + kb))
	done < <(stack_procs)
	soak "rss_${1}_kb $total"
}
alive() {
	local name pid
	while read -r name pid; do
		kill -0 "$pid" 2>/dev/null || { echo "$name"; return 1; }
	done < <(stack_procs)
}

# one ping a second, each a new process: a long-running ping keeps the
# source address it started with, which a reconnect may change
rig_bg client ping-soak bash -c 'end=$((SECONDS + $1)); while [ $SECONDS -lt $end ]; do
	if "${@:3}" -c 1 -W 2 "$2" >/dev/null 2>&1; then echo ok; else echo lost "$(date +%T)"; fi; sleep 1
done' _ "$SOAK_SECONDS" "$PPP_GW_ADDR" "${RIG_PING[@]}"
ping_pid=$RIG_BG_PID
if [ "$SOAK_TRAFFIC_MBIT" != 0 ]; then
	command -v iperf3 >/dev/null || rig_skip "iperf3 missing (SOAK_TRAFFIC_MBIT)"
	rig_bg gw iperf3-soak iperf3 -s -B "$PPP_GW_ADDR"
	rig_sleep 2
	# Runs again after an interruption (a reconnect ends its TCP connection)
	# until the time is up; each run's summary goes to the log.
	rig_bg client iperf3-soak bash -c 'end=$((SECONDS + $1)); while [ $((end - SECONDS)) -gt 5 ]; do
	iperf3 -c "$2" --bidir -b "$3M" -t $((end - SECONDS)) -f m --timestamps="%T " || sleep 2
done' _ "$SOAK_SECONDS" "$PPP_GW_ADDR" "$SOAK_TRAFFIC_MBIT"
fi
rig_sleep 10
rss start
soak "datapath $SOAK_STACK"
soak "seconds $SOAK_SECONDS"
soak "traffic_mbit_each_way $SOAK_TRAFFIC_MBIT"
t_start=$(rig_now_ms)
t_end=$((t_start + SOAK_SECONDS * 1000)) next_rss=600
while [ "$(rig_now_ms)" -lt "$t_end" ]; do
	gone=$(alive) || { tail -n 30 "$log" >&2; rig_fail "$gone ended during the soak"; }
	# every 10 min, so that a stack that ends early still leaves its figures
	if [ $(($(rig_now_ms) - t_start)) -ge $((next_rss * 1000)) ]; then
		rss "${next_rss}s"
		next_rss=$((next_rss + 600))
	fi
	rig_sleep 5
done
rig_wait_for 15 eval '! kill -0 '"$ping_pid"' 2>/dev/null' || rig_stop_pid "$ping_pid"
rss end
# Where packets went, for a run that lost some: the client's UDP and TCP
# counters, its interfaces' drops, l2tpsec's own counters.
{
	rig_in client cat /proc/net/snmp
	rig_in client ip -s link
	rig_in client tc -s qdisc
} >"$RIG_LOGDIR/client-counters.txt" 2>&1
[ "$SOAK_STACK" = classic ] || rig_l2tpsec_json >/dev/null || true
sent=$(grep -c '^ok$\|^lost' "$RIG_LOGDIR/client-ping-soak.log")
recv=$(grep -c '^ok$' "$RIG_LOGDIR/client-ping-soak.log")
soak "ping_sent ${sent:-0}"
soak "ping_lost $(( ${sent:-0} - ${recv:-0} ))"
if [ "$SOAK_TRAFFIC_MBIT" != 0 ]; then
	# MBytes received at either end of each run ("receiver" summary lines)
	soak "traffic_mb $(awk '/receiver/ { for (i = 1; i < NF; i++) {
		if ($(i + 1) == "MBytes") mb += $i; else if ($(i + 1) == "GBytes") mb += $i * 1000 } }
		END { printf "%d", mb }' "$RIG_LOGDIR/client-iperf3-soak.log")"
	soak "traffic_runs $(grep -c 'iperf Done' "$RIG_LOGDIR/client-iperf3-soak.log")"
fi
# the classic stack has no reconnect of its own: a process of it ending
# fails the soak above
if [ "$SOAK_STACK" != classic ]; then
	soak "ipsec_rekeys $(grep -c 'IPsec SA rekeyed: in ' "$log")"
	soak "ike_rekeys $(grep -c 'ISAKMP SA rekeyed' "$log")"
	soak "reconnects $(grep -c 'reconnecting (attempt' "$log")"
fi
soak "gw_child_rekeys $(grep -c 'CHILD_SA .* rekeyed\|rekeying CHILD_SA\|creating rekey job for CHILD_SA' "$RIG_LOGDIR/gw-charon.log")"
if [ "$SOAK_STACK" = classic ]; then
	for p in $CLIENT_PPPD_PID $CLIENT_XL2TPD_PID $CLIENT_CHARON_PID; do rig_stop_pid "$p"; done
else
	rig_l2tpsec_down
fi
rig_result "seconds=$SOAK_SECONDS" "$(grep '^rss_\(start\|end\)_kb ' "$OUT" | tr ' ' = | tr '\n' ' ')" \
	"ping_sent=${sent:-0} ping_received=${recv:-0}"
