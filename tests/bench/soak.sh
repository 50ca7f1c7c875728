#!/bin/sh
# Soak: one l2tpsec connection through the interop rig's NAT for a long time
# (default 30 min) with short IKE and IPsec lifetimes on both sides and a
# ping every second; prints the rekeys done, ping sent/lost, reconnects and
# l2tpsec's resident memory at the start and the end, which must not grow.
#
#   tests/bench/soak.sh [-s SECONDS] [-d kernel|userspace] [-k RESULTS_DIR]
#   tests/bench/soak.sh -e RESULTS_DIR    # only the verdict on a run's soak.txt
#   make soak SOAK_SECONDS=600 SOAK_DATAPATH=kernel
#
# Not part of CI. Needs root and what tests/interop/run needs (exit 77
# otherwise). Exit 1 when the run failed, l2tpsec ended, a ping was lost
# (more than SOAK_LOSS_ALLOWED, default 0), it reconnected, or its RSS grew
# by more than 10 % (plus 256 kB of slack for allocator noise).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${SOAK_SECONDS:-1800} dp=${SOAK_DATAPATH:-userspace} results="" eval_only=""
while getopts s:d:k:e: o; do
	case $o in
	s) secs=$OPTARG ;;
	d) dp=$OPTARG ;;
	k) results=$OPTARG ;;
	e) eval_only=$OPTARG ;;
	*) echo "usage: $0 [-s SECONDS] [-d kernel|userspace] [-k RESULTS_DIR] | -e RESULTS_DIR" >&2; exit 2 ;;
	esac
done

# verdict FILE: the figures of soak.txt and whether they pass.
verdict() {
	awk -v allowed="${SOAK_LOSS_ALLOWED:-0}" '{ v[$1] = $2 }
END {
	printf "soak %s s, %s data path\n", v["seconds"], v["datapath"]
	printf "rekeys: IPsec %s (l2tpsec), IKE %s (l2tpsec), CHILD_SA %s (gateway)\n",
		v["ipsec_rekeys"], v["ike_rekeys"], v["gw_child_rekeys"]
	lost_ok = v["ping_sent"] > 0 && v["ping_lost"] <= allowed
	printf "ping: %s sent, %s lost: %s\n", v["ping_sent"], v["ping_lost"],
		lost_ok ? "ok" : "LOST"
	printf "reconnects: %s: %s\n", v["reconnects"], v["reconnects"] == 0 ? "ok" : "RECONNECTED"
	grow = v["rss_end_kb"] - v["rss_start_kb"]
	rss_ok = v["rss_start_kb"] > 0 && grow <= v["rss_start_kb"] / 10 + 256
	printf "l2tpsec RSS: %s kB at the start, %s kB at the end (%+d kB): %s\n",
		v["rss_start_kb"], v["rss_end_kb"], grow, rss_ok ? "ok" : "GROWS"
	exit !(lost_ok && rss_ok && v["reconnects"] == 0)
}' "$1"
}
if [ -n "$eval_only" ]; then
	verdict "$eval_only/soak.txt"
	exit
fi
bin=${L2TPSEC_BIN:-${L2TPSEC_BUILDDIR:-.}/client/l2tpsec}
[ "$(id -u)" = 0 ] || { echo "soak: SKIP (needs root)"; exit 77; }
[ -x "$bin" ] || { echo "soak: SKIP (no l2tpsec binary at $bin; set L2TPSEC_BIN)"; exit 77; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
[ -n "$results" ] || results=$(mktemp -d "${TMPDIR:-/tmp}/soak.XXXXXX") || exit 1
mkdir -p "$results"
echo "soak: $secs s on the $dp data path; logs in $results"
"$top/tests/interop/run" -t $((secs + 300)) -r "$results" "$top/tests/interop/scenarios/bench/soak.sh" \
	L2TPSEC_BIN="$bin" SOAK_SECONDS="$secs" L2TPSEC_DATAPATH="$dp" >"$results/run.log" 2>&1
rc=$?
[ $rc = 77 ] && { echo "soak: SKIP: $(grep -m1 -i 'skip\|missing' "$results/run.log")"; exit 77; }
if [ $rc != 0 ] || [ ! -s "$results/soak.txt" ]; then
	echo "soak: the rig run failed (status $rc); logs in $results" >&2
	tail -n 25 "$results/run.log" >&2
	exit 1
fi
verdict "$results/soak.txt"
