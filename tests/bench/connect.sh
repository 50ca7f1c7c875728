#!/bin/sh
# Connect benchmark: l2tpsec (kernel and userspace data paths) against the
# classic Linux stack (strongSwan charon + xl2tpd + pppd), same gateway, same
# NAT, one boot of the interop rig's emulated kernel.  Prints the median
# connect time of BENCH_REPS runs, iperf3 throughput and resident memory, with
# the ratios against the classic stack, and where l2tpsec's connect time goes.
#
#   tests/bench/connect.sh [-r REPS] [-i IPERF_SECONDS] [-k RESULTS_DIR]
#
# Needs root and what tests/interop/run needs (exit 77 otherwise).  The
# binary: $L2TPSEC_BIN, else $L2TPSEC_BUILDDIR/client/l2tpsec, else
# ./client/l2tpsec (make bench runs it from the build directory).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/bench/rig-bench.sh"
reps=${BENCH_REPS:-3} secs=${BENCH_IPERF_SECONDS:-4} results=""
while getopts r:i:k: o; do
	case $o in
	r) reps=$OPTARG ;;
	i) secs=$OPTARG ;;
	k) results=$OPTARG ;;
	*) echo "usage: $0 [-r REPS] [-i IPERF_SECONDS] [-k RESULTS_DIR]" >&2; exit 2 ;;
	esac
done
bench_prepare bench-connect

# Bounded: the rig's own watchdog stops the VM (scenario timeout + margin).
stacks=${BENCH_STACKS:-classic kernel userspace classic-libipsec}
timeout=$((600 + reps * $(echo $stacks | wc -w) * (60 + 2 * secs) + $(echo $stacks | wc -w) * 2 * ${BENCH_IDLE_SECONDS:-60}))
bench_rig bench-connect bench.txt "$timeout" connect \
	L2TPSEC_BIN="$bin" BENCH_REPS="$reps" BENCH_IPERF_SECONDS="$secs" \
	BENCH_BREAKDOWN="${BENCH_BREAKDOWN:-1}" BENCH_STACKS="$stacks" \
	BENCH_IDLE_SECONDS="${BENCH_IDLE_SECONDS:-60}" BENCH_IDLE_TRACE_SECONDS="${BENCH_IDLE_TRACE_SECONDS:-60}"

awk -v reps="$reps" '
function median(s, k,   n, a, i, j, t) {
	n = split(v[s, k], a, " ")
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
	if (n == 0) return "NA"
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function ratio(x, y) { return (x == "NA" || y == "NA" || y + 0 == 0) ? "NA" : sprintf("%.2f", x / y) }
# The ratio of s1 to s2 in each repetition (the stacks take turns within one,
# so the host load of the moment falls on both), and their median:
# "median (r1 r2 ...)". Steadier than the ratio of medians when the load
# drifts during the boot.
function paired(s1, s2, k,   n, m, a, b, i, r, out) {
	n = split(v[s1, k], a, " "); m = split(v[s2, k], b, " ")
	if (m < n) n = m
	for (i = 1; i <= n; i++) {
		r = ratio(a[i], b[i])
		if (r == "NA") continue
		out = out (out == "" ? "" : " ") r
		v["paired", "r"] = out
	}
	if (out == "") return "NA"
	return sprintf("%.2f (%s)", median("paired", "r"), out)
}
{ v[$1, $2] = v[$1, $2] (v[$1, $2] == "" ? "" : " ") $3 }
END {
	# The measure of the issue: start to an address on the PPP interface, from
	# the kernel address events (the same for every stack).
	c = median("classic", "addr_ms")
	ct = median("classic", "iperf_mbit"); cr = v["classic", "rss_kb"]
	printf "connect classic %s ms (start to an address on the PPP interface; runs: %s; as the rig polls: %s)\n",
		c, v["classic", "addr_ms"], v["classic", "connect_ms"]
	for (i = 1; i <= 2; i++) {
		s = i == 1 ? "kernel" : "userspace"
		if (v[s, "addr_ms"] == "") continue
		m = median(s, "addr_ms")
		printf "connect %s %s ms classic %s ms ratio %s (goal < 0.20) (runs: %s; as the rig polls: %s; l2tpsec own figure: %s)\n",
			s, m, c, ratio(m, c), v[s, "addr_ms"], v[s, "connect_ms"], v[s, "self_ms"]
	}
	# No client can be faster than the waits on the gateway (its DH, its
	# pppd starting...) plus starting itself as a program.
	x = median("any", "exec_ms")
	for (i = 1; i <= 2; i++) {
		s = i == 1 ? "kernel" : "userspace"
		if (v[s, "gw_wait_ms"] == "") continue
		f = x == "NA" ? "NA" : v[s, "gw_wait_ms"] + x
		printf "floor %s: %s ms waited on the gateway and the network (timed run, %s ms to connected) + %s ms to start a program = %s ms, ratio %s: no client connects faster here\n",
			s, v[s, "gw_wait_ms"], v[s, "timed_up_ms"], x, f, ratio(f, c)
	}
	for (i = 1; i <= 2; i++) {
		s = i == 1 ? "kernel" : "userspace"
		if (v[s, "iperf_mbit"] == "") continue
		m = median(s, "iperf_mbit")
		printf "throughput %s %s Mbit/s classic %s ratio %s (goal >= 0.95) (medians; runs: %s; classic: %s)\n",
			s, m, ct, ratio(m, ct), v[s, "iperf_mbit"], v["classic", "iperf_mbit"]
	}
	# Throughput both ways, side by side in this boot (issue 16): the
	# userspace path against the kernel path, the kernel path against the
	# classic stack; and what each costs in CPU per GB and in syscalls.
	for (d = 1; d <= 2; d++) {
		dir = d == 1 ? "up" : "down"
		cm = median("classic", "iperf_" dir "_mbit")
		km = median("kernel", "iperf_" dir "_mbit")
		um = median("userspace", "iperf_" dir "_mbit")
		printf "iperf %s (%s): userspace %s kernel %s classic %s Mbit/s; userspace/kernel %s (goal >= 1.0), kernel/classic %s (goal >= 1.0) (medians of %s; runs: u %s; k %s; c %s)\n",
			dir, d == 1 ? "client -> gw" : "gw -> client", um, km, cm, ratio(um, km), ratio(km, cm), reps,
			v["userspace", "iperf_" dir "_mbit"], v["kernel", "iperf_" dir "_mbit"], v["classic", "iperf_" dir "_mbit"]
		printf "iperf %s, ratio in each repetition, median (runs): userspace/kernel %s, kernel/classic %s\n",
			dir, paired("userspace", "kernel", "iperf_" dir "_mbit"), paired("kernel", "classic", "iperf_" dir "_mbit")
		printf "cpu %s: seconds per GB moved, process time only: userspace %s kernel %s classic %s (medians)\n",
			dir, median("userspace", "cpu_s_per_gb_" dir), median("kernel", "cpu_s_per_gb_" dir), median("classic", "cpu_s_per_gb_" dir)
	}
	# The userspace peer a user would pick instead: charon with
	# kernel-libipsec (userspace ESP, tunnel mode) + xl2tpd + pppd.
	if (v["classic-libipsec", "iperf_up_mbit"] != "")
		for (d = 1; d <= 2; d++) {
			dir = d == 1 ? "up" : "down"
			lm = median("classic-libipsec", "iperf_" dir "_mbit")
			um = median("userspace", "iperf_" dir "_mbit")
			printf "iperf %s: userspace %s classic-libipsec %s Mbit/s; userspace/classic-libipsec %s (goal >= 3.0) (medians; runs: %s; in each repetition: %s); cpu s/GB classic-libipsec %s\n",
				dir, um, lm, ratio(um, lm), v["classic-libipsec", "iperf_" dir "_mbit"],
				paired("userspace", "classic-libipsec", "iperf_" dir "_mbit"), median("classic-libipsec", "cpu_s_per_gb_" dir)
		}
	if (v["userspace", "syscalls_per_pkt"] != "")
		printf "syscalls per tunnel packet, l2tpsec userspace (strace -c -f, 3 s of iperf3 up): %s\n", v["userspace", "syscalls_per_pkt"]
	if (v["userspace", "syscalls_per_pkt-down"] != "")
		printf "syscalls per tunnel packet, l2tpsec userspace (strace -c -f, 3 s of iperf3 down; packets on the wire): %s\n", v["userspace", "syscalls_per_pkt-down"]
	# Where a download loses packets (issue 16), each run of the down iperf:
	# the client UDP socket, the gateway TCP, the TUN or ppp device, and
	# how many ESP datagrams went into one write to the tunnel device.
	for (i = 1; i <= 2; i++) {
		s = i == 1 ? "kernel" : "userspace"
		if (v[s, "down_wire_in_pkts"] == "") continue
		n = split(v[s, "down_wire_in_pkts"], w, " "); split(v[s, "down_tun_rx_pkts"], t, " ")
		per = ""
		for (j = 1; j <= n; j++) per = per (j > 1 ? " " : "") (t[j] > 0 ? sprintf("%.1f", w[j] / t[j]) : "NA")
		printf "down %s, per run: client UDP RcvbufErrors %s, InErrors %s; gateway TCP retransmits %s; %s rx drops %s, tx drops %s; datagrams in per device packet %s (wire %s, device %s)\n",
			s, v[s, "down_udp_rcvbuf_errors"], v[s, "down_udp_in_errors"], v[s, "down_gw_retrans"],
			s == "kernel" ? "ppp" : "TUN", v[s, "down_tun_rx_drops"], v[s, "down_tun_tx_drops"], per,
			v[s, "down_wire_in_pkts"], v[s, "down_tun_rx_pkts"]
	}
	for (i = 1; i <= 4; i++) {
		s = i == 1 ? "kernel" : i == 2 ? "userspace" : i == 3 ? "classic" : "classic-libipsec"
		if (v[s, "idle_wakeups_per_s"] != "")
			printf "idle %s: %s wakeups/s (schedstat, %s s connected at rest; goal <= 0.2)\n", s,
				v[s, "idle_wakeups_per_s"], v[s, "idle_seconds"] != "" ? v[s, "idle_seconds"] : 10
		if (v[s, "idle_wire_in"] != "")
			printf "idle %s, same window: context switches %s voluntary %s not; packets: wire in %s out %s, tunnel interface from the kernel %s to it %s\n", s,
				v[s, "idle_ctxsw_voluntary"], v[s, "idle_ctxsw_involuntary"], v[s, "idle_wire_in"], v[s, "idle_wire_out"],
				v[s, "idle_tun_from_kernel"], v[s, "idle_tun_to_kernel"]
	}
	ccr = v["classic", "rss_connect_kb"]
	for (i = 1; i <= 2; i++) {
		s = i == 1 ? "kernel" : "userspace"
		if (v[s, "rss_kb"] == "") continue
		extra = v[s, "rss_self_kb"] != "" ? sprintf(" (l2tpsec %s kB + pppd)", v[s, "rss_self_kb"]) : ""
		printf "rss l2tpsec-%s after connect %s kB classic %s kB ratio %s; after traffic %s kB%s classic %s kB ratio %s (goal <= 0.25)\n", s,
			v[s, "rss_connect_kb"], ccr, ratio(v[s, "rss_connect_kb"], ccr), v[s, "rss_kb"], extra, cr, ratio(v[s, "rss_kb"], cr)
	}
	if (v["classic-libipsec", "rss_kb"] != "")
		printf "rss classic-libipsec (charon + xl2tpd + pppd) after connect %s kB, after traffic %s kB\n",
			v["classic-libipsec", "rss_connect_kb"], v["classic-libipsec", "rss_kb"]
}' "$results/bench.txt"

# Where the syscalls go (userspace path, strace -c -f over 3 s of iperf3).
for dir in up down; do
	f=$results/strace-userspace.txt
	[ $dir = down ] && f=$results/strace-userspace-down.txt
	[ -s "$f" ] || continue
	echo "syscalls, l2tpsec userspace (strace -c -f, 3 s of iperf3 $dir; calls by name):"
	awk '$NF != "total" && $4 ~ /^[0-9]+$/ { printf "  %s %s", $NF, $4; n++ } END { if (n) print "" }' "$f"
done
# What woke each stack at rest, from strace in a second window (issue 16).
for f in "$results"/idle-wakeups-*.txt; do
	[ -s "$f" ] || continue
	b=${f##*/idle-wakeups-}
	echo "idle ${b%.txt}, what woke it: $(head -n 1 "$f")"
	sed -n '2,16p' "$f" | sed 's/^/    /'
done
# What the resident memory is made of, per process, after connect and
# after the traffic: the smaps_rollup totals and the largest mappings.
for f in "$results"/rss-*.txt; do
	[ -s "$f" ] || continue
	b=${f##*/rss-}
	echo "rss breakdown ${b%.txt}: $(head -n 1 "$f")"
	sed -n '2,11p' "$f" | sed 's/^/    /'
done

# Where the connect time goes: the -vv run of each data path, log lines
# stamped in ms since the start (selected stage lines).
for s in kernel userspace; do
	f=$results/client-l2tpsec-timed-$s.log
	[ -s "$f" ] || continue
	echo "breakdown $s (ms since start, from the -vv run):"
	grep -E 'connecting to|MM1|MM2|MM6|ISAKMP SA established|QM1|IPsec SA established|installed|SCCRQ|tunnel up|ICRQ|session up|pppd started|pppd \(pid|Plugin|LCP|[Aa]uthentication|IPCP|IP address|ip-up|route .* added|DNS:|client: connected' "$f" |
		grep -v 'debug' | sed 's/<[0-9]>//' | head -n 40 | sed 's/^/  /'
done
echo "bench-connect: logs in $results"
exit 0
