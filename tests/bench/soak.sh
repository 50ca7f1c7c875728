#!/bin/sh
# Soak: one l2tpsec connection through the interop rig's NAT for a long time
# (default 30 min) with short IKE and IPsec lifetimes on both sides and a
# ping every second; prints the rekeys done, ping sent/lost, reconnects and
# l2tpsec's resident memory at the start and the end, which must not grow.
# With -t MBIT, iperf3 moves MBIT Mbit/s each way all along; with -d classic
# the client is the classic stack (charon + xl2tpd + pppd) instead, for the
# memory after an hour of traffic to compare with (issue 16).
#
#   tests/bench/soak.sh [-s SECONDS] [-d kernel|userspace|classic] [-t MBIT] [-k RESULTS_DIR]
#   tests/bench/soak.sh -e RESULTS_DIR    # only the verdict on a run's soak.txt
#   make soak SOAK_SECONDS=600 SOAK_DATAPATH=kernel SOAK_TRAFFIC_MBIT=4
#
# Not part of CI. Needs root and what tests/interop/run needs (exit 77
# otherwise). Exit 1 when the run failed, l2tpsec ended, a ping was lost
# (more than SOAK_LOSS_ALLOWED, default 0), it reconnected, or its RSS grew
# by more than 10 % (plus 256 kB of slack for allocator noise).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/bench/rig-bench.sh"
secs=${SOAK_SECONDS:-1800} dp=${SOAK_DATAPATH:-userspace} mbit=${SOAK_TRAFFIC_MBIT:-0}
results="" eval_only=""
while getopts s:d:t:k:e: o; do
	case $o in
	s) secs=$OPTARG ;;
	d) dp=$OPTARG ;;
	t) mbit=$OPTARG ;;
	k) results=$OPTARG ;;
	e) eval_only=$OPTARG ;;
	*) echo "usage: $0 [-s SECONDS] [-d kernel|userspace|classic] [-t MBIT] [-k RESULTS_DIR] | -e RESULTS_DIR" >&2; exit 2 ;;
	esac
done
case $dp in kernel | userspace | classic) ;; *) echo "soak: -d $dp: kernel, userspace or classic" >&2; exit 2 ;; esac
case $mbit in *[!0-9]* | "") echo "soak: -t $mbit: Mbit/s each way, a whole number" >&2; exit 2 ;; esac

# verdict FILE: the figures of soak.txt and whether they pass.
verdict() {
	awk -v allowed="${SOAK_LOSS_ALLOWED:-0}" '{ v[$1] = $2 }
END {
	classic = v["datapath"] == "classic"
	who = classic ? "charon + xl2tpd + pppd" : v["datapath"] == "kernel" ? "l2tpsec + pppd" : "l2tpsec"
	if (classic)
		printf "soak %s s, classic stack\nrekeys: CHILD_SA %s (gateway)\n", v["seconds"], v["gw_child_rekeys"]
	else
		printf "soak %s s, %s data path\nrekeys: IPsec %s (l2tpsec), IKE %s (l2tpsec), CHILD_SA %s (gateway)\n",
			v["seconds"], v["datapath"], v["ipsec_rekeys"], v["ike_rekeys"], v["gw_child_rekeys"]
	traffic_ok = 1
	if (v["traffic_mbit_each_way"] > 0) {
		traffic_ok = v["traffic_mb"] > 0
		printf "traffic: %s Mbit/s each way asked, %.2f GB moved in %d iperf3 runs: %s\n",
			v["traffic_mbit_each_way"], v["traffic_mb"] / 1000, v["traffic_runs"],
			traffic_ok ? "ok" : "NONE MOVED"
	}
	lost_ok = v["ping_sent"] > 0 && v["ping_lost"] <= allowed
	printf "ping: %s sent, %s lost: %s\n", v["ping_sent"], v["ping_lost"],
		lost_ok ? "ok" : "LOST"
	# the classic stack has no reconnect of its own (a process of it ending fails the run)
	reconnect_ok = classic || v["reconnects"] == "0"
	if (!classic)
		printf "reconnects: %s: %s\n", v["reconnects"], reconnect_ok ? "ok" : "RECONNECTED"
	grow = v["rss_end_kb"] - v["rss_start_kb"]
	rss_ok = v["rss_start_kb"] > 0 && grow <= v["rss_start_kb"] / 10 + 256
	printf "RSS (%s): %s kB at the start, %s kB at the end (%+d kB): %s\n",
		who, v["rss_start_kb"], v["rss_end_kb"], grow, rss_ok ? "ok" : "GROWS"
	for (k in v)
		if (k ~ /^rss_end_.+_kb$/) {
			n = substr(k, 9, length(k) - 11)
			printf "  %s: %s kB at the start, %s kB at the end\n", n, v["rss_start_" n "_kb"], v[k]
		}
	exit !(lost_ok && rss_ok && traffic_ok && reconnect_ok)
}' "$1"
}
if [ -n "$eval_only" ]; then
	verdict "$eval_only/soak.txt"
	exit
fi
bench_prepare soak
echo "soak: $secs s, $dp, ${mbit} Mbit/s of traffic each way; logs in $results"
bench_rig soak soak.txt $((secs + 300)) soak \
	L2TPSEC_BIN="$bin" SOAK_SECONDS="$secs" SOAK_STACK="$dp" SOAK_TRAFFIC_MBIT="$mbit"
verdict "$results/soak.txt"
