#!/bin/bash
# Benchmark (guest side, run by tests/bench/connect.sh through tests/interop/run):
# in one boot, against the same gateway through the NAT, for
#   classic   - strongSwan charon + xl2tpd + pppd (what NetworkManager-l2tp runs)
#   kernel    - l2tpsec --datapath kernel
#   userspace - l2tpsec --datapath userspace
#   classic-libipsec - charon with kernel-libipsec (userspace ESP) + xl2tpd +
#               pppd: libipsec has no transport mode, so both sides run a
#               host-to-host tunnel for udp/1701 (only in BENCH_STACKS if asked)
# measure BENCH_REPS times the time from start to the address on the PPP
# interface (kernel timestamps, addr_ms; and as the rig's poll sees it,
# connect_ms), once iperf3 throughput (BENCH_IPERF_SECONDS) and resident memory
# (classic: charon + xl2tpd + pppd; l2tpsec: l2tpsec [+ its pppd]).  Then
# one more l2tpsec connect per data path with -vv, its log lines timestamped
# as they arrive, for the connect-time breakdown (not part of the medians).
# Writes "STACK KEY VALUE" lines to $RIG_LOGDIR/bench.txt.
. "$(dirname "$0")/../../lib/scenario.sh"
. "$(dirname "$0")/../../lib/l2tpsec.sh"
: "${BENCH_REPS:=3}" "${BENCH_IPERF_SECONDS:=4}" "${BENCH_STACKS:=classic kernel userspace}"
: "${BENCH_BREAKDOWN:=1}" # 0: no -vv connect-time breakdown runs
# At rest (issue 16): the keepalive periods are 20-60 s, so a window shorter
# than the longest of them measures where it falls, not the rate.
: "${BENCH_IDLE_SECONDS:=60}" "${BENCH_IDLE_TRACE_SECONDS:=60}" # 0: no attribution

rig_init bench-connect
rig_need_stack
rig_need_l2tpsec
rig_topo_up
rig_gw_up
OUT=$RIG_LOGDIR/bench.txt
: >"$OUT"
bench() { echo "$*" >>"$OUT"; rig_log "bench: $*"; }

classic_down() {
	local d p; d=$(rig_role_dir client)
	for p in $CLIENT_PPPD_PID $CLIENT_XL2TPD_PID $CLIENT_CHARON_PID; do rig_stop_pid "$p"; done
	rig_wait_for 10 eval '! rig_in client ip link show '"$CLIENT_PPP_IF"' >/dev/null 2>&1' ||
		rig_fail "classic: $CLIENT_PPP_IF still there"
	rm -f "$d/run/charon.vici" "$d/run/charon.pid" "$d/run/charon.ctl" "$d/run/xl2tpd.pid" \
		"$d/run/xl2tpd/l2tp-control" "$d/etc/ppp/ip-up" "$d/etc/ppp/ip-down"
	rig_in client ip xfrm state flush
	rig_in client ip xfrm policy flush
	# no stale ip-up/ip-down events for the next repetition
	local v="RIG_EV_client_ppp"
	[ -n "${!v:-}" ] && exec {v}>&-
	unset RIG_EV_client_ppp
	rm -f "$d/run/ppp.ev"
}

# The gateway's child in tunnel mode for classic-libipsec (and back): the
# client's inner address is its own (10.1.0.2), behind the NAT.
gw_tunnel_mode() {
	local d f; d=$(rig_role_dir gw) f=$(rig_role_dir gw)/etc/swanctl/swanctl.conf
	if [ "$1" = on ]; then
		cp "$f" "$f.transport"
		sed -i -e 's/mode = transport/mode = tunnel/' \
			-e "s|remote_ts = dynamic\[udp\]|remote_ts = $CLIENT_ADDR/32[udp]|" "$f"
		rig_in gw ip route replace "$CLIENT_ADDR/32" via "$NAT_PUBLIC_ADDR"
	else
		mv "$f.transport" "$f"
		rig_in gw ip route del "$CLIENT_ADDR/32" 2>/dev/null
	fi
	rig_in gw swanctl --load-conns >>"$RIG_LOGDIR/gw-swanctl.log" 2>&1 ||
		rig_fail "gw: swanctl --load-conns (tunnel mode $1) failed"
}

# The issue's measure, "start to an address on the PPP interface", taken
# the same way for every stack from the kernel's own events: ip monitor in
# the client's namespace, started before the stack, stamps the address.
addr_watch_start() {
	ADDR_LOG=$RIG_LOGDIR/addr-$1-$2.txt
	nsenter -t "$(rig_role_pid client)" -n -- ip -ts monitor address >"$ADDR_LOG" 2>&1 &
	ADDR_PID=$!
	rig_track "$ADDR_PID" addr-watch
	rig_sleep 0.3 # subscribed before anything can happen
}
# addr_watch_ms T0: ms from T0 (epoch ms) to the first IPv4 address on a
# ppp or l2tpsec interface; NA when none was seen.
addr_watch_ms() {
	local stamp ms
	rig_stop_pid "$ADDR_PID"
	stamp=$(grep -m1 -E '^\[[^]]*\] [0-9]+: (ppp|l2tpsec)[0-9]* +inet ' "$ADDR_LOG" | sed 's/^\[\([^]]*\)\].*/\1/')
	ms=$([ -n "$stamp" ] && date -d "$stamp" +%s%3N 2>/dev/null)
	[ -n "$ms" ] && echo $((ms - $1)) || echo NA
}

# CPU seconds (user + system, in clock ticks) of the processes given.
cpu_ticks() {
	local p t=0 v
	for p in "$@"; do
		v=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$p/stat" 2>/dev/null) || continue
		t=$((t + ${v:-0}))
	done
	echo "$t"
}
# Times each process's threads were switched in (schedstat, field 3).
wakeups() {
	local p f t=0 a b c
	for p in "$@"; do
		for f in /proc/"$p"/task/*/schedstat; do
			read -r a b c <"$f" 2>/dev/null && t=$((t + c))
		done
	done
	echo "$t"
}
# Context switches of the processes' threads, voluntary and not (status).
ctxsw() {
	local p v=0 n=0 a b
	for p in "$@"; do
		read -r a b < <(cat /proc/"$p"/task/*/status 2>/dev/null |
			awk '/^voluntary_ctxt_switches/ { v += $2 } /^nonvoluntary_ctxt_switches/ { n += $2 } END { print v + 0, n + 0 }')
		v=$((v + a)) n=$((n + b))
	done
	echo "$v $n"
}
# Packets on the client's interfaces at rest (issue 16), what the kernel
# gave the stack to wake it up for: "TUN_FROM_KERNEL TUN_TO_KERNEL WIRE_IN
# WIRE_OUT" (the tunnel interface's tx is what the kernel sent into it).
rest_packets() {
	rig_in client awk '/^ *(l2tpsec|ppp)[0-9]+:/ { sub(/^[^:]*:/, ""); tk = $10; fk = $2 }
		/^ *eth0:/ { sub(/^[^:]*:/, ""); wi = $2; wo = $10 }
		END { print tk + 0, fk + 0, wi + 0, wo + 0 }' /proc/net/dev
}
# Packets in and out of the tunnel interface (l2tpsec's TUN or pppd's ppp).
tunnel_packets() {
	rig_in client awk '/^ *(l2tpsec|ppp)[0-9]+:/ { sub(/^[^:]*:/, ""); print $2 + $10; exit }' /proc/net/dev
}
# The counters where a download loses packets or time (issue 16), one line
# of numbers: the client's UDP RcvbufErrors and InErrors (/proc/net/snmp),
# the gateway's TCP RetransSegs, the tunnel interface's rx and tx drops and
# rx packets (on a TUN: one per write, a coalesced run counts once), and the
# packets the client's eth0 received (one per ESP datagram on the wire).
down_counters() {
	local snmp dev
	snmp=$(rig_in client awk '$1 == "Udp:" && $2 ~ /^[0-9]/ { print $6, $4 }' /proc/net/snmp)
	dev=$(rig_in client awk '/^ *(l2tpsec|ppp)[0-9]+:/ { sub(/^[^:]*:/, ""); t = $4 " " $12 " " $2 }
		/^ *eth0:/ { sub(/^[^:]*:/, ""); e = $2 } END { print t, e }' /proc/net/dev)
	echo "${snmp:-0 0} $(rig_in gw awk '$1 == "Tcp:" && $2 ~ /^[0-9]/ { print $13 }' /proc/net/snmp) $dev"
}
# What changed between two down_counters lines, as bench lines.
down_drops() {
	local stack=$1 i; shift
	local -a a=($1) b=($2)
	local -a k=(down_udp_rcvbuf_errors down_udp_in_errors down_gw_retrans down_tun_rx_drops
		down_tun_tx_drops down_tun_rx_pkts down_wire_in_pkts)
	for i in "${!k[@]}"; do
		bench "$stack ${k[$i]} $((${b[$i]:-0} - ${a[$i]:-0}))"
	done
}

# One iperf3 run in direction dir (up: client -> gw, down: gw -> client),
# with the CPU the stack's processes spent on it per GB moved.
iperf_dir() {
	local stack=$1 dir=$2 t0 t1 mbit c0 c1; shift 2
	t0=$(cpu_ticks "$@")
	if [ "$dir" = down ]; then
		c0=$(down_counters)
		RIG_IPERF_REVERSE=1 rig_iperf "$BENCH_IPERF_SECONDS" || true
		c1=$(down_counters)
		down_drops "$stack" "$c0" "$c1"
	else
		rig_iperf "$BENCH_IPERF_SECONDS" || true
	fi
	t1=$(cpu_ticks "$@")
	mbit=$RIG_IPERF_MBIT
	bench "$stack iperf_${dir}_mbit $mbit"
	[ "$dir" = up ] && bench "$stack iperf_mbit $mbit"
	[ "$mbit" != NA ] && bench "$stack cpu_s_per_gb_$dir $(awk -v t=$((t1 - t0)) -v m="$mbit" -v s="$BENCH_IPERF_SECONDS" \
		'BEGIN { gb = m * s / 8 / 1000; printf "%.2f", (gb > 0 ? t / 100 / gb : 0) }')"
}
# Packets on the client's eth0, in and out: one per ESP datagram, so a
# coalesced TUN write still counts each segment it carries.
wire_packets() {
	rig_in client awk '/^ *eth0:/ { sub(/^[^:]*:/, ""); print $2 + $10; exit }' /proc/net/dev
}
# Syscalls per tunnel packet of pid over a short iperf3 run (strace -c -f),
# up (client -> gw) or down (gw -> client). Down counts the packets on the
# wire: the TUN counts a coalesced write once.
syscalls_per_packet() {
	local stack=$1 pid=$2 dir=$3 sfile spid p0 p1 calls suffix="" count=tunnel_packets
	[ "$dir" = down ] && suffix=-down count=wire_packets
	sfile=$RIG_LOGDIR/strace-$stack$suffix.txt
	command -v strace >/dev/null || { bench "$stack syscalls_per_pkt$suffix NA"; return; }
	strace -c -f -q -p "$pid" -o "$sfile" &
	spid=$!
	rig_sleep 1
	p0=$($count)
	if [ "$dir" = down ]; then RIG_IPERF_REVERSE=1 RIG_IPERF_SECONDS=3 rig_iperf 3 || true
	else RIG_IPERF_SECONDS=3 rig_iperf 3 || true; fi
	p1=$($count)
	kill -INT "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	calls=$(awk '$NF == "total" { print $4 + 0 }' "$sfile")
	bench "$stack syscalls_per_pkt$suffix $(awk -v c="${calls:-0}" -v p=$((p1 - p0)) 'BEGIN { printf "%.2f", (p > 0 ? c / p : 0) }')"
}

# What woke the stack's processes at rest (issue 16), in a second window
# after the clean one (strace stops the tracee at every syscall, so it must
# not overlap the count): every return from epoll_wait/select/poll, with what
# it was for (a timeout: a timer; else the first fd read) and what was sent
# before the next wait (fd, bytes). Sockets are named by their local UDP
# port. Writes idle-wakeups-STACK.txt: "COUNT CAUSE -> SENT" lines.
idle_attribution() {
	local stack=$1 p args=() spid out=$RIG_LOGDIR/idle-strace-$1.txt map=$RIG_LOGDIR/idle-fds-$1.txt
	shift
	[ "$BENCH_IDLE_TRACE_SECONDS" -gt 0 ] && command -v strace >/dev/null || return 0
	: >"$map"
	for p in "$@"; do
		args+=(-p "$p")
		# pid fd label: udp:PORT for UDP sockets, else the link target
		find "/proc/$p/fd" -mindepth 1 -maxdepth 1 -printf '%f %l\n' 2>/dev/null |
			awk -v pid="$p" 'function hex(h,   i, v) { for (i = 1; i <= length(h); i++) v = v * 16 + index("0123456789ABCDEF", toupper(substr(h, i, 1))) - 1; return v }
				FILENAME ~ /udp/ && $10 ~ /^[0-9]+$/ { split($2, a, ":"); port["socket:[" $10 "]"] = "udp:" hex(a[length(a)]); next }
				FILENAME == "-" { print pid, $1, ($2 in port) ? port[$2] : $2 }' \
				"/proc/$p/net/udp" "/proc/$p/net/udp6" - >>"$map"
	done
	strace -f -tt -qq -e trace=epoll_wait,epoll_pwait,select,pselect6,poll,ppoll,read,readv,recvfrom,recvmsg,recvmmsg,write,writev,sendto,sendmsg,sendmmsg \
		"${args[@]}" -o "$out" &
	spid=$!
	rig_sleep "$BENCH_IDLE_TRACE_SECONDS"
	kill -INT "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	awk -v s="$BENCH_IDLE_TRACE_SECONDS" 'FNR == NR { fdn[$1, $2] = $3; next }
		function name(pid, fd) { return ((pid, fd) in fdn) ? fdn[pid, fd] : "fd" fd }
		function flush(pid) { if (cause[pid] != "") n[cause[pid] " ->" (sent[pid] == "" ? " nothing" : sent[pid])]++; cause[pid] = ""; sent[pid] = "" }
		{
			pid = $1; line = $0; sub(/^[0-9]+ +[0-9:.]+ +/, "", line)
			if (line ~ /^<\.\.\. [a-z_0-9]+ resumed>/) { call = line; sub(/^<\.\.\. /, "", call); sub(/ .*/, "", call) }
			else { call = line; sub(/\(.*/, "", call) }
			if (line ~ /unfinished \.\.\.>$/ && call ~ /wait|select|poll/) next
			if (call ~ /^(epoll_wait|epoll_pwait|select|pselect6|poll|ppoll)$/) {
				flush(pid)
				r = line; sub(/.*= /, "", r)
				if (r + 0 > 0) { cause[pid] = "?"; wake++ } else if (r == "0") { cause[pid] = "timer"; wake++ }
				next
			}
			if (line !~ /^[a-z_0-9]+\([0-9]+,/ || line ~ /= -1 E/) next
			fd = line; sub(/^[a-z_0-9]+\(/, "", fd); sub(/,.*/, "", fd)
			if (call ~ /^(read|readv|recv)/ && cause[pid] == "?") cause[pid] = "readable " name(pid, fd)
			else if (call ~ /^(write|send)/) { b = line; sub(/.*= /, "", b); sent[pid] = sent[pid] " " name(pid, fd) ":" b (call ~ /mmsg/ ? "msg" : "B") }
		}
		END { for (pid in cause) flush(pid)
			printf "wakeups %d in %d s (%.2f/s, under strace)\n", wake, s, wake / s
			for (k in n) printf "%4d %s\n", n[k], k }' "$map" "$out" >"$out.sum"
	{ grep '^wakeups' "$out.sum"; grep -v '^wakeups' "$out.sum" | sort -k1,1 -rn; } >"$RIG_LOGDIR/idle-wakeups-$stack.txt"
}

# What makes up each process's resident memory (issue 16): the totals of
# smaps_rollup, then kB of Rss, Pss and private (clean + dirty) memory per
# mapping, largest first.  A library's mappings are told apart by their
# permissions (r-xp text, r--p rodata/relro, rw-p data); [heap], [stack] and
# anonymous memory (thread stacks, arenas) are named as the kernel names them.
# $2 is when: "connect" or "traffic".
rss_breakdown() {
	local stack=$1 when=$2 p comm; shift 2
	for p in "$@"; do
		[ -r "/proc/$p/smaps" ] || continue
		comm=$(cat "/proc/$p/comm" 2>/dev/null)
		{
			grep -E '^(Rss|Pss|Private_Dirty|Private_Clean|Shared_Clean|Anonymous):' "/proc/$p/smaps_rollup" |
				tr -s ' ' | tr '\n' ' '
			echo
			awk '/^[0-9a-f]+-[0-9a-f]+ / { n = $6 == "" ? "[anon]" : $6; sub(/.*\//, "", n); n = n " " $2 }
				/^Rss:/ { r[n] += $2 } /^Pss:/ { s[n] += $2 } /^Private_(Clean|Dirty):/ { d[n] += $2 }
				END { for (n in r) if (r[n] > 0) printf "%6d kB rss %6d kB pss %6d kB private  %s\n", r[n], s[n], d[n], n }' \
				"/proc/$p/smaps" | sort -rn
		} >"$RIG_LOGDIR/rss-$stack-$comm-$when.txt"
	done
}

# The figures of one connected stack: iperf3 both ways in every repetition
# (one run under emulation varies by 10 %; the medians are compared), with
# the CPU per GB; once: RSS after connect and after the traffic, wakeups
# per second at rest, and (userspace) syscalls per packet.
measure_up() {
	local stack=$1 rep=$2 w0 w1; shift 2
	rig_assert_ping
	if [ "$rep" = 1 ]; then
		bench "$stack rss_connect_kb $(rig_rss_kb "$@")"
		rss_breakdown "$stack" connect "$@"
		rig_sleep 2
		local c0 c1 p0 p1
		c0=($(ctxsw "$@")) p0=($(rest_packets))
		w0=$(wakeups "$@")
		rig_sleep "$BENCH_IDLE_SECONDS"
		w1=$(wakeups "$@")
		c1=($(ctxsw "$@")) p1=($(rest_packets))
		bench "$stack idle_ctxsw_voluntary $((c1[0] - c0[0]))"
		bench "$stack idle_ctxsw_involuntary $((c1[1] - c0[1]))"
		bench "$stack idle_tun_from_kernel $((p1[0] - p0[0]))"
		bench "$stack idle_tun_to_kernel $((p1[1] - p0[1]))"
		bench "$stack idle_wire_in $((p1[2] - p0[2]))"
		bench "$stack idle_wire_out $((p1[3] - p0[3]))"
		bench "$stack idle_wakeups_per_s $(awk -v w=$((w1 - w0)) -v s="$BENCH_IDLE_SECONDS" \
			'BEGIN { printf "%.2f", w / s }')"
		bench "$stack idle_seconds $BENCH_IDLE_SECONDS"
		idle_attribution "$stack" "$@"
	fi
	iperf_dir "$stack" up "$@"
	iperf_dir "$stack" down "$@"
	if [ "$rep" = 1 ]; then
		bench "$stack rss_kb $(rig_rss_kb "$@")"
		[ $# -gt 1 ] && bench "$stack rss_self_kb $(rig_rss_kb "$1")"
		rss_breakdown "$stack" traffic "$@"
		if [ "$stack" = userspace ]; then
			syscalls_per_packet "$stack" "$1" up
			syscalls_per_packet "$stack" "$1" down
		fi
	fi
}

# What starting any program costs here (nsenter into the client, exec of
# true): part of every stack's time, and of the floor below.
for i in 1 2 3 4 5; do
	a=${EPOCHREALTIME/./}
	nsenter -t "$(rig_role_pid client)" -m -n -- true
	b=${EPOCHREALTIME/./}
	bench "any exec_ms $(((b - a) / 1000))"
done

# The stacks take turns in each repetition: the host's load drifts during a
# boot, and one stack's runs all in one stretch of it would differ by when
# they ran (issue 16's side-by-side ratios).
for ((rep = 1; rep <= BENCH_REPS; rep++)); do
	for stack in $BENCH_STACKS; do
		case $stack in
		classic)
			addr_watch_start classic "$rep"
			rig_classic_up
			bench "classic connect_ms $CLIENT_CONNECT_MS"
			bench "classic addr_ms $(addr_watch_ms "$CLIENT_T0_MS")"
			measure_up classic "$rep" "$CLIENT_CHARON_PID" "$CLIENT_XL2TPD_PID" "$CLIENT_PPPD_PID"
			classic_down
			;;
		classic-libipsec)
			gw_tunnel_mode on
			addr_watch_start "$stack" "$rep"
			CLIENT_LIBIPSEC=1 rig_classic_up
			bench "$stack connect_ms $CLIENT_CONNECT_MS"
			bench "$stack addr_ms $(addr_watch_ms "$CLIENT_T0_MS")"
			measure_up "$stack" "$rep" "$CLIENT_CHARON_PID" "$CLIENT_XL2TPD_PID" "$CLIENT_PPPD_PID"
			classic_down
			gw_tunnel_mode off
			;;
		kernel | userspace)
			export L2TPSEC_DATAPATH=$stack
			log=$RIG_LOGDIR/client-l2tpsec.log
			[ -e "$log" ] && mv "$log" "$RIG_LOGDIR/client-l2tpsec-before-$stack-$rep.log"
			addr_watch_start "$stack" "$rep"
			rig_l2tpsec_up
			bench "$stack addr_ms $(addr_watch_ms "$L2TPSEC_T0_MS")"
			self=$(grep -o 'client: connected: .*(\([0-9]*\) ms)' "$log" | grep -o '[0-9]* ms)' | tr -dc 0-9)
			bench "$stack connect_ms $L2TPSEC_CONNECT_MS"
			bench "$stack self_ms ${self:-NA}"
			pids=("$L2TPSEC_PID")
			[ "$stack" = kernel ] && pids+=($(rig_l2tpsec_client_pids pppd))
			measure_up "$stack" "$rep" "${pids[@]}"
			rig_l2tpsec_down
			;;
		esac
	done
done

# Breakdown runs: -vv, each log line stamped with ms since the start.
[ "$BENCH_BREAKDOWN" = 1 ] || BENCH_STACKS=""
for stack in $BENCH_STACKS; do
	case $stack in kernel | userspace) ;; *) continue ;; esac
	d=$(rig_role_dir client)
	L2TPSEC_RUN_DIR=$d/run/l2tpsec
	tlog=$RIG_LOGDIR/client-l2tpsec-timed-$stack.log
	rm -f "$d/run/tcpdump.ev"
	rig_capture_start client eth0
	t0=$(rig_now_ms)
	(
		nsenter -t "$(rig_role_pid client)" -m -n -- "$L2TPSEC_BIN" connect --name rig \
			--gateway "$GW_PUBLIC_ADDR" --psk-file "$d/psk" --user "$GW_USER" \
			--password-file "$d/password" --datapath "$stack" --run-dir "$L2TPSEC_RUN_DIR" -v -v \
			</dev/null 2>&1 |
			while IFS= read -r line; do
				t=${EPOCHREALTIME/./}
				printf '%6d %s\n' $((t / 1000 - t0)) "$line"
			done >"$tlog"
	) &
	tpid=$!
	rig_track "$tpid" timed-l2tpsec
	rig_wait_for 60 grep -q ' connected rig ' "$tlog" || { tail -n 30 "$tlog" >&2; rig_fail "timed $stack run did not connect"; }
	rig_capture_stop
	mv "$RIG_PCAP" "$RIG_LOGDIR/client-eth0-timed-$stack.pcap"
	# the wire seen from the client, ms since the start
	tcpdump -r "$RIG_LOGDIR/client-eth0-timed-$stack.pcap" -n -tt 2>/dev/null |
		awk -v t0="$t0" '{ split($1, a, "."); printf "%6d %s\n", (a[1] * 1000 + substr(a[2], 1, 3)) - t0, $0 }' \
			>"$RIG_LOGDIR/client-eth0-timed-$stack.txt"
	# The gateway's share: every wait on the wire that ends with a packet
	# of the gateway's (its DH, its pppd starting up...), up to the
	# connected line. No client can connect faster than this.
	up=$(grep -m1 ' connected rig ' "$tlog" | awk '{ print $1 }')
	gw=$(awk -v up="$up" -v me="$CLIENT_ADDR" '
		$1 > up { exit }
		$3 != "IP" { next }
		index($4, me ".") != 1 && t { w += $2 - t }
		{ t = $2 }
		END { printf "%d", w * 1000 }' "$RIG_LOGDIR/client-eth0-timed-$stack.txt")
	bench "$stack gw_wait_ms ${gw:-NA}"
	bench "$stack timed_up_ms ${up:-NA}"
	rig_in client "$L2TPSEC_BIN" disconnect rig --run-dir "$L2TPSEC_RUN_DIR" >/dev/null 2>&1
	rig_wait_for 15 eval '! kill -0 '"$tpid"' 2>/dev/null' || rig_stop_pid "$tpid"
	bench "$stack timed_log ${tlog##*/}"
done

rig_result "$(awk '{ printf "%s_%s=%s ", $1, $2, $3 }' "$OUT")"
