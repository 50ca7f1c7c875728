#!/bin/sh
# Latency under load (issue 16): ping RTT through the tunnel while iperf3
# moves bulk TCP up or down, with and without a CPU hog next to l2tpsec, for
# the userspace path with a FIFO, the userspace path with CoDel (RFC 8289)
# and the kernel path, in one boot of the interop rig's emulated kernel.
# Prints per variant and condition the throughput and the ping RTT median,
# p90 and max and the pings lost, and the ratios codel/fifo: did CoDel cut
# the delay, and what did it cost in throughput.  Figures are printed, never
# judged.
#
#   tests/bench/latency.sh [-i SECONDS] [-r REPS] [-k RESULTS_DIR]
#   tests/bench/latency.sh -e RESULTS_DIR   # the summary of a run again
#
# -i: each iperf3 run (default 10); -r: repetitions, in each of which the
# variants take turns for every condition (default 2).  BENCH_VARIANTS and
# BENCH_CONDITIONS pick fewer (see tests/interop/scenarios/bench/latency.sh).
# Needs root and what tests/interop/run needs (exit 77 otherwise).  The
# binary: $L2TPSEC_BIN, else $L2TPSEC_BUILDDIR/client/l2tpsec, else
# ./client/l2tpsec (make bench-latency runs it from the build directory).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/bench/rig-bench.sh"
secs=${BENCH_SECONDS:-10} reps=${BENCH_REPS:-2} results="" summary_only=""
while getopts i:r:k:e: o; do
	case $o in
	i) secs=$OPTARG ;;
	r) reps=$OPTARG ;;
	k) results=$OPTARG ;;
	e) summary_only=$OPTARG ;;
	*) echo "usage: $0 [-i SECONDS] [-r REPS] [-k RESULTS_DIR] | -e RESULTS_DIR" >&2; exit 2 ;;
	esac
done
for n in "$secs" "$reps"; do
	case $n in *[!0-9]* | "" | 0) echo "bench-latency: -i and -r take a whole number > 0" >&2; exit 2 ;; esac
done

# latency.txt: "VARIANT CONDITION REP KEY VALUE"; rtt is one line per ping
# reply. RTTs are pooled over the repetitions; throughput is their median.
summary() {
	awk '
function sortn(s, a,   n, i, j, t) {
	n = split(s, a, " ")
	for (i = 2; i <= n; i++) {
		t = a[i] + 0
		for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]
		a[j + 1] = t
	}
	return n
}
function median(s,   a, n) {
	n = sortn(s, a)
	if (n == 0) return "NA"
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
# nearest rank
function pct(s, p,   a, n, k) {
	n = sortn(s, a)
	if (n == 0) return "NA"
	k = int(p * n)
	if (k < p * n) k++
	return a[k < 1 ? 1 : k]
}
function maxv(s,   a, n) { n = sortn(s, a); return n ? a[n] : "NA" }
function f1(x) { return x == "NA" ? x : sprintf("%.1f", x) }
function ratio(x, y) { return (x == "NA" || y == "NA" || y + 0 == 0) ? "NA" : sprintf("%.2f", x / y) }
function add(k, x) { val[k] = val[k] (val[k] == "" ? "" : " ") x }
$1 == "setup" { setup[$4] = $5; next }
{
	v = $1; c = $2; r = $3; k = $4; x = $5
	if (r + 0 > reps) reps = r + 0
	if (!((v) in seenv)) { seenv[v] = 1; vs[++nv] = v }
	if (!((c) in seenc)) { seenc[c] = 1; cs[++nc] = c }
	if (k == "rtt") { add(v SUBSEP c SUBSEP "rtt", x); add(v SUBSEP c SUBSEP r SUBSEP "rtt", x) }
	else if (k == "mbit") { if (x != "NA") add(v SUBSEP c SUBSEP "mbit", x); one[v, c, r, "mbit"] = x }
	else if (k == "queue") q[v, c] = x
	else if (x == "NA") na[v, c, k] = 1
	else sum[v, c, k] += x
}
function sumv(v, c, k) { return ((v, c, k) in na) ? "NA" : sum[v, c, k] + 0 }
END {
	printf "latency under load: ping RTT through the tunnel (ms), iperf3 TCP (Mbit/s); %s repetition(s), %s s per iperf3 run, one boot\n",
		reps, setup["seconds"]
	if (setup["queue_option"] == "0")
		print "(this l2tpsec has no --queue: userspace-fifo is its only userspace path)"
	printf "%-9s %-16s %7s %9s %9s %9s %9s %8s  %s\n", "condition", "variant", "Mbit/s", "rtt med", "p90", "max", "lost/sent", "retrans",
		"queue dropped/marked in, out"
	for (i = 1; i <= nc; i++) for (j = 1; j <= nv; j++) {
		c = cs[i]; v = vs[j]
		if (val[v, c, "rtt"] == "" && sum[v, c, "sent"] == "") continue
		s = sumv(v, c, "sent"); rc = sumv(v, c, "received")
		lost = (s == "NA" || rc == "NA") ? "NA" : (s - rc) "/" s
		qs = "-"
		if ((v, c) in q)
			qs = sprintf("%s %s/%s, %s/%s", q[v, c], sumv(v, c, "dropped_in"), sumv(v, c, "marked_in"),
				sumv(v, c, "dropped_out"), sumv(v, c, "marked_out"))
		printf "%-9s %-16s %7s %9s %9s %9s %9s %8s  %s\n", c, v,
			c == "rest" ? "-" : f1(median(val[v, c, "mbit"])),
			f1(median(val[v, c, "rtt"])), f1(pct(val[v, c, "rtt"], 0.9)), f1(maxv(val[v, c, "rtt"])),
			lost, c == "rest" ? "-" : sumv(v, c, "retrans"), qs
	}
	# Did CoDel cut the delay, and at what cost in throughput: codel/fifo
	# of the pooled figures, and of each repetition (the two ran back to back
	# in it).
	f = "userspace-fifo"; d = "userspace-codel"
	for (i = 1; i <= nc; i++) {
		c = cs[i]
		if (val[f, c, "rtt"] == "" || val[d, c, "rtt"] == "") continue
		line = sprintf("codel/fifo %-9s rtt median %s p90 %s", c,
			ratio(median(val[d, c, "rtt"]), median(val[f, c, "rtt"])),
			ratio(pct(val[d, c, "rtt"], 0.9), pct(val[f, c, "rtt"], 0.9)))
		if (c != "rest")
			line = line sprintf(", throughput %s", ratio(median(val[d, c, "mbit"]), median(val[f, c, "mbit"])))
		if (reps > 1) {
			pr = ""; pt = ""
			for (r = 1; r <= reps; r++) {
				pr = pr " " ratio(median(val[d, c, r, "rtt"]), median(val[f, c, r, "rtt"]))
				pt = pt " " ratio(one[d, c, r, "mbit"] == "" ? "NA" : one[d, c, r, "mbit"],
					one[f, c, r, "mbit"] == "" ? "NA" : one[f, c, r, "mbit"])
			}
			line = line " (per repetition: rtt median" pr (c == "rest" ? "" : "; throughput" pt) ")"
		}
		print line
	}
}' "$1"
}
if [ -n "$summary_only" ]; then
	[ -s "$summary_only/latency.txt" ] || { echo "bench-latency: no latency.txt in $summary_only" >&2; exit 2; }
	summary "$summary_only/latency.txt"
	exit 0
fi

bench_prepare bench-latency

variants=${BENCH_VARIANTS:-userspace-fifo userspace-codel kernel}
conditions=${BENCH_CONDITIONS:-up down up-hog down-hog}
# Bounded: the rig's own watchdog stops the VM (scenario timeout + margin).
# Per run: connect and disconnect, 5 s of pings at rest, the iperf3 run and
# its server, slower under the hog.
runs=$((reps * $(echo "$variants" | wc -w) * $(echo "$conditions" | wc -w)))
timeout=$((300 + runs * (120 + 2 * secs)))
bench_rig bench-latency latency.txt "$timeout" latency \
	L2TPSEC_BIN="$bin" BENCH_REPS="$reps" BENCH_SECONDS="$secs" \
	BENCH_VARIANTS="$variants" BENCH_CONDITIONS="$conditions"

summary "$results/latency.txt" | tee "$results/summary.txt"
echo "bench-latency: logs in $results"
exit 0
