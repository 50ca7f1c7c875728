#!/bin/bash
# Latency under load (guest side, run by tests/bench/latency.sh through
# tests/interop/run; issue 16): how long a ping through the tunnel waits
# behind bulk TCP, for the variants of BENCH_VARIANTS:
#   userspace-fifo  - l2tpsec --datapath userspace --queue fifo
#   userspace-codel - l2tpsec --datapath userspace --queue codel (RFC 8289)
#   kernel          - l2tpsec --datapath kernel (the kernel's own queues)
# A binary without --queue (before queue management) has only the FIFO:
# userspace-fifo then runs without the option and userspace-codel is left out.
#
# For each condition of BENCH_CONDITIONS, in every one of BENCH_REPS
# repetitions, the variants take turns (so that the host's load of the
# moment falls on all of them alike), each with a connect of its own:
#   rest     - at every connect: ping -i 0.2 for 5 s, nothing else
#   up       - ping -i 0.1 during an iperf3 upload (client -> gw) of
#              BENCH_SECONDS; down: the same during a download (-R)
#   up-hog, down-hog - the same with two busy loops in the client's
#              namespace at l2tpsec's nice level, competing with it for the
#              guest's one vCPU (the overload of a starved client)
# After each condition, `l2tpsec status --json` (its queue counters) is
# saved.  Writes "VARIANT CONDITION REP KEY VALUE" lines (and "setup - 0
# KEY VALUE": the run's settings) to
# $RIG_LOGDIR/latency.txt: rtt (one line per reply, ms), sent, received,
# mbit, retrans (the TCP sender's retransmitted segments), and the status's
# queue object (management, dropped_in, marked_in, dropped_out, marked_out).
. "$(dirname "$0")/../../lib/scenario.sh"
. "$(dirname "$0")/../../lib/l2tpsec.sh"
: "${BENCH_REPS:=1}" "${BENCH_SECONDS:=10}"
: "${BENCH_VARIANTS:=userspace-fifo userspace-codel kernel}"
: "${BENCH_CONDITIONS:=up down up-hog down-hog}"

rig_init bench-latency
rig_need_stack
rig_need_l2tpsec
rig_need iperf3 iperf3 jq jq
rig_topo_up
rig_gw_up
OUT=$RIG_LOGDIR/latency.txt
: >"$OUT"
bench() { echo "$*" >>"$OUT"; rig_log "bench: $*"; }

HAS_QUEUE=0
"$L2TPSEC_BIN" help connect 2>/dev/null | grep -q -- '--queue' && HAS_QUEUE=1
rig_log "l2tpsec --queue: $([ $HAS_QUEUE = 1 ] && echo yes || echo 'no (the userspace path is a FIFO)')"
bench "setup - 0 seconds $BENCH_SECONDS"
bench "setup - 0 queue_option $HAS_QUEUE"

# variant_args VARIANT: the data path and connect options of a variant
# (L2TPSEC_DATAPATH, L2TPSEC_ARGS); 1 if this binary cannot run it.
variant_args() {
	case $1 in
	userspace-fifo | userspace-codel)
		L2TPSEC_DATAPATH=userspace L2TPSEC_ARGS=""
		[ $HAS_QUEUE = 1 ] && L2TPSEC_ARGS="--queue ${1#userspace-}"
		[ $HAS_QUEUE = 1 ] || [ "$1" = userspace-fifo ]
		;;
	kernel) L2TPSEC_DATAPATH=kernel L2TPSEC_ARGS="" ;;
	*) rig_fail "unknown variant '$1' (userspace-fifo, userspace-codel, kernel)" ;;
	esac
}

# ping_run TAG V C REP ARGS...: busybox or iputils ping of the gateway's PPP
# address in the client, its replies' times and counts as bench lines.
ping_run() {
	local tag=$1 v=$2 c=$3 rep=$4 f; shift 4
	f=$RIG_LOGDIR/client-ping-$tag.log
	rig_in client "${RIG_PING[@]}" "$@" "$PPP_GW_ADDR" >"$f" 2>&1
	# "time=12.3 ms" per reply (duplicates left out); the summary's
	# "N packets transmitted, M [packets] received" (both pings: $1, $4)
	awk -v p="$v $c $rep" '/time=/ && !/DUP/ { t = $0; sub(/.*time=/, "", t); sub(/ .*/, "", t); print p, "rtt", t }
		/packets transmitted/ { s = $1; r = $4 }
		END { print p, "sent", s == "" ? "NA" : s; print p, "received", r == "" ? "NA" : r }' "$f" >>"$OUT"
	rig_log "bench: $v $c $rep: $(tail -n 2 "$f" | tr '\n' ' ')"
}

# The TCP sender's retransmitted segments so far (/proc/net/snmp of its
# namespace): the client's for an upload, the gateway's for a download.
retrans() {
	rig_in "$1" awk '$1 == "Tcp:" && $2 ~ /^[0-9]/ { print $13 }' /proc/net/snmp
}

HOGS=()
hog_start() {
	local i
	for i in 1 2; do
		rig_bg client "hog$i" sh -c 'while :; do :; done'
		HOGS+=("$RIG_BG_PID")
	done
}
hog_stop() {
	local p
	for p in "${HOGS[@]}"; do rig_stop_pid "$p"; done
	HOGS=()
}

# load_run TAG V C REP: iperf3 up or down (C) for BENCH_SECONDS, pings every
# 0.1 s from its first report (a second into the transfer: the queue has
# filled by then) until about a second before its end (no ping falls after
# the load).
load_run() {
	local tag=$1 v=$2 c=$3 rep=$4 spid cpid n r0 r1 who=client rev="" mbit
	case $c in down*) who=gw rev=-R ;; esac
	rig_bg gw "iperf3-$tag" iperf3 -s -1 --forceflush -B "$PPP_GW_ADDR"
	spid=$RIG_BG_PID
	rig_wait_for 15 grep -q listening "$RIG_LOGDIR/gw-iperf3-$tag.log" ||
		rig_log "iperf3: the server did not say it listens; trying anyway"
	case $c in *-hog) hog_start ;; esac
	r0=$(retrans $who)
	rig_bg client "iperf3-$tag" timeout $((BENCH_SECONDS + 60)) iperf3 -c "$PPP_GW_ADDR" \
		-t "$BENCH_SECONDS" -f m --forceflush $rev
	cpid=$RIG_BG_PID
	# its first one-second report: the transfer has run a second
	rig_wait_for 20 grep -q ' sec ' "$RIG_LOGDIR/client-iperf3-$tag.log" ||
		rig_log "iperf3: no report after 20 s; pinging anyway"
	n=$(((BENCH_SECONDS - 2) * 10))
	[ $n -ge 10 ] || n=10
	ping_run "$tag" "$v" "$c" "$rep" -c "$n" -i 0.1
	wait "$cpid"
	r1=$(retrans $who)
	hog_stop
	rig_stop_pid "$spid"
	mbit=$(awk '/receiver/ { for (i = 1; i <= NF; i++) if ($i == "Mbits/sec") print $(i - 1) }' \
		"$RIG_LOGDIR/client-iperf3-$tag.log" | tail -n 1)
	bench "$v $c $rep mbit ${mbit:-NA}"
	bench "$v $c $rep retrans $((${r1:-0} - ${r0:-0}))"
}

# queue_counters TAG V C REP: status --json saved, its queue object as bench
# lines; the management it reports must be the variant's, or every figure
# of the variant would be mislabelled.
queue_counters() {
	local tag=$1 v=$2 c=$3 rep=$4 f q k
	f=$RIG_LOGDIR/client-status-$tag.json
	rig_l2tpsec status rig --json >"$f" 2>>"$RIG_LOGDIR/client-l2tpsec-cmd.log" ||
		rig_fail "client: l2tpsec status failed ($tag)"
	q=$(jq -r '.queue.management // empty' "$f")
	[ -n "$q" ] || return 0
	case $v in userspace-*) [ "$q" = "${v#userspace-}" ] ;; *) [ "$q" = "$v" ] ;; esac ||
		rig_fail "client: $v asked for, status says queue management '$q'"
	bench "$v $c $rep queue $q"
	for k in dropped_in marked_in dropped_out marked_out; do
		bench "$v $c $rep $k $(jq -r ".queue.$k // \"NA\"" "$f")"
	done
}

for ((rep = 1; rep <= BENCH_REPS; rep++)); do
	for c in $BENCH_CONDITIONS; do
		case $c in up | down | up-hog | down-hog) ;; *) rig_fail "unknown condition '$c'" ;; esac
		for v in $BENCH_VARIANTS; do
			if ! variant_args "$v"; then
				rig_log "bench: $v left out: this l2tpsec has no --queue"
				continue
			fi
			export L2TPSEC_DATAPATH L2TPSEC_ARGS
			tag=$v-$c-$rep
			rig_l2tpsec_up
			rig_assert_ping
			ping_run "$tag-rest" "$v" rest "$rep" -c 25 -i 0.2
			load_run "$tag" "$v" "$c" "$rep"
			queue_counters "$tag" "$v" "$c" "$rep"
			rig_l2tpsec_down
			# the next connect waits for a "connected" line of its own
			mv "$RIG_LOGDIR/client-l2tpsec.log" "$RIG_LOGDIR/client-l2tpsec-$tag.log"
		done
	done
done

rig_result "$(awk '$4 != "rtt" { printf "%s_%s_%s_%s=%s ", $1, $2, $3, $4, $5 }' "$OUT")"
