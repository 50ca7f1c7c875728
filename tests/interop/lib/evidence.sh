# l2tpsec interop rig: wire evidence (bash; sourced).
#
# rig_capture_start [ROLE IFACE]   tcpdump on the NAT's public side (nat wan); RIG_SNAPLEN (128)
# rig_capture_stop                 stop it, pcap in $RIG_PCAP
# rig_pcap_count FILTER            number of packets matching a pcap filter
# rig_assert_ike_natt              UDP 500, then UDP 4500 with the non-ESP marker
# rig_assert_esp_in_udp            ESP-in-UDP data on 4500 (SPI != 0, not a keepalive)
# rig_assert_no_raw_esp            no IP protocol 50 on the wire
# rig_assert_no_plain_l2tp         no plaintext UDP 1701 on the wire
# rig_assert_wire_l2tp_ipsec       all four above
# rig_gw_snapshot [TAG]            gw's swanctl --list-sas, ip xfrm state/policy, L2TP, PPP -> logs
# rig_assert_gw_ipsec              gw: IKE SA ESTABLISHED, CHILD SA INSTALLED TRANSPORT, encap 4500
# rig_assert_gw_l2tp               gw: xl2tpd tunnel + call established, ppp interface up
# rig_assert_ping                  client pings the gw's PPP address through the tunnel
# rig_iperf                        iperf3 client->gw over PPP; sets RIG_IPERF_MBIT

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

RIG_PCAP=""
rig_capture_start() {
	local role=${1:-nat} ifc=${2:-wan}
	RIG_PCAP="$RIG_LOGDIR/$role-$ifc.pcap"
	local f="$RIG_DIR/roles/$role/run/tcpdump.ev" fd line=""
	mkfifo "$f"
	exec {fd}<>"$f"
	nsenter -t "$(rig_role_pid "$role")" -m -n -- tcpdump -i "$ifc" -n -s "${RIG_SNAPLEN:-128}" -U --immediate-mode -w "$RIG_PCAP" \
		</dev/null >/dev/null 2>"$f" &
	RIG_CAPTURE_PID=$!
	rig_track "$RIG_CAPTURE_PID" "$role-tcpdump"
	read -r -t 20 -u $fd line
	exec {fd}>&-
	case $line in *listening*) ;; *) rig_fail "tcpdump did not start: $line" ;; esac
	rig_log "capture: $role/$ifc -> ${RIG_PCAP##*/}"
}

rig_capture_stop() {
	[ -n "${RIG_CAPTURE_PID:-}" ] || return 0
	rig_sleep 0.3
	rig_stop_pid "$RIG_CAPTURE_PID"
	RIG_CAPTURE_PID=""
}

rig_pcap_count() {
	local n
	n=$(tcpdump -r "$RIG_PCAP" -n "$@" 2>/dev/null | wc -l)
	echo "${n:-0}"
}
# first matching packet's timestamp in microseconds (0 if none)
rig_pcap_first_us() {
	local l
	l=$(tcpdump -r "$RIG_PCAP" -n -tt -c 1 "$@" 2>/dev/null)
	l=${l%% *}
	[ -n "$l" ] || { echo 0; return; }
	echo "${l/./}"
}

rig_assert_ike_natt() {
	local n500 n4500ike t500 t4500
	n500=$(rig_pcap_count 'udp port 500')
	n4500ike=$(rig_pcap_count 'udp port 4500 and udp[4:2] > 12 and udp[8:4] = 0')
	[ "$n500" -gt 0 ] || rig_fail "wire: no IKE on UDP 500"
	[ "$n4500ike" -gt 0 ] || rig_fail "wire: no IKE with non-ESP marker on UDP 4500"
	t500=$(rig_pcap_first_us 'udp port 500')
	t4500=$(rig_pcap_first_us 'udp port 4500 and udp[4:2] > 12 and udp[8:4] = 0')
	[ "$t500" -lt "$t4500" ] || rig_fail "wire: IKE on 4500 came before IKE on 500"
	rig_log "wire: IKE udp/500 packets=$n500, then IKE udp/4500 (non-ESP marker) packets=$n4500ike"
}
rig_assert_esp_in_udp() {
	local n
	n=$(rig_pcap_count 'udp port 4500 and udp[4:2] > 9 and udp[8:4] != 0')
	[ "$n" -gt 0 ] || rig_fail "wire: no ESP-in-UDP on 4500"
	RIG_ESPINUDP_PACKETS=$n
	rig_log "wire: ESP-in-UDP packets=$n"
}
rig_assert_no_raw_esp() {
	local n; n=$(rig_pcap_count 'ip proto 50')
	[ "$n" -eq 0 ] || rig_fail "wire: $n raw ESP (proto 50) packets"
}
# RIG_STALE_L2TP_TUNNEL: the tunnel ID of a client killed with -9 in this
# capture. The gateway keeps that tunnel's session (no StopCCN came) until
# its HELLO times out, and once the new connection replaced the IKE SA its
# kernel sends that session's packets (pppd's IPv6 router solicitations) in
# the clear. That is the gateway's state, which no client can change: those
# packets (addressed to the stale tunnel) are logged, not failed. Anything
# else on udp/1701 fails.
rig_assert_no_plain_l2tp() {
	local n stale=0
	n=$(rig_pcap_count 'udp port 1701')
	if [ -n "${RIG_STALE_L2TP_TUNNEL:-}" ]; then
		stale=$(tcpdump -r "$RIG_PCAP" -n 'udp port 1701' 2>/dev/null |
			grep -c "l2tp:\[[A-Z]*\]($RIG_STALE_L2TP_TUNNEL/")
		[ "$stale" -eq 0 ] || rig_log "wire: $stale plaintext L2TP packets from the gateway" \
			"to the killed client's tunnel $RIG_STALE_L2TP_TUNNEL (its stale session, not ours)"
		n=$((n - stale))
	fi
	[ "$n" -eq 0 ] || rig_fail "wire: $n plaintext L2TP (udp/1701) packets"
}
rig_assert_wire_l2tp_ipsec() {
	rig_assert_ike_natt
	rig_assert_esp_in_udp
	rig_assert_no_raw_esp
	rig_assert_no_plain_l2tp
	rig_log "wire: OK (IKE 500 -> 4500 with marker, ESP-in-UDP, no raw ESP, no plaintext L2TP)"
}

rig_gw_snapshot() {
	local tag=${1:-snapshot} out
	out="$RIG_LOGDIR/gw-$tag.txt"
	{
		echo "== swanctl --list-sas"; rig_in gw swanctl --list-sas 2>&1
		echo "== ip xfrm state"; rig_in gw ip xfrm state 2>&1
		echo "== ip xfrm policy"; rig_in gw ip xfrm policy 2>&1
		echo "== /proc/net/pppol2tp"; rig_in gw cat /proc/net/pppol2tp 2>&1
		echo "== ip l2tp show tunnel"; rig_in gw ip l2tp show tunnel 2>&1
		echo "== ip addr"; rig_in gw ip -o addr 2>&1
		echo "== ppp events"; cat "$(rig_role_dir gw)/run/ppp-events.log" 2>&1
	} >"$out"
	RIG_GW_SNAPSHOT=$out
}

rig_assert_gw_ipsec() {
	rig_gw_snapshot ipsec
	local sas xfrm
	sas=$(rig_in gw swanctl --list-sas 2>&1)
	xfrm=$(rig_in gw ip xfrm state 2>&1)
	case $sas in *ESTABLISHED*) ;; *) rig_fail "gw: no ESTABLISHED IKE SA: $sas" ;; esac
	case $sas in *"INSTALLED, TRANSPORT"*) ;; *) rig_fail "gw: no INSTALLED TRANSPORT child SA: $sas" ;; esac
	case $xfrm in *"encap type espinudp sport 4500 dport "*) ;; *) rig_fail "gw: no espinudp xfrm state: $xfrm" ;; esac
	rig_log "gw: IKE SA established, transport CHILD_SA installed with UDP encapsulation"
}

rig_assert_gw_l2tp() {
	local log="$RIG_LOGDIR/gw-xl2tpd.log" s
	s=$(<"$log")
	case $s in *"Connection established"*) ;; *) rig_fail "gw: xl2tpd has no established tunnel" ;; esac
	case $s in *"Call established"*) ;; *) rig_fail "gw: xl2tpd has no established call" ;; esac
	local ev; ev=$(cat "$(rig_role_dir gw)/run/ppp-events.log" 2>/dev/null)
	case $ev in *"ip-up "*" $PPP_GW_ADDR "*) ;; *) rig_fail "gw: pppd did not reach ip-up: $ev" ;; esac
	rig_gw_snapshot l2tp
	rig_log "gw: L2TP tunnel + call established, PPP up (${ev%% dns1*})"
}

rig_assert_ping() {
	local peer=${1:-$PPP_GW_ADDR}
	rig_in client "${RIG_PING[@]}" -c 3 -i 0.2 -W 3 "$peer" >>"$RIG_LOGDIR/client-ping.log" 2>&1 ||
		rig_fail "client: ping $peer over PPP failed"
	rig_log "client: ping $peer over PPP OK"
}

# rig_iperf [SECONDS]: client -> gw TCP throughput over the tunnel, RIG_IPERF_MBIT.
rig_iperf() {
	local secs=${1:-${RIG_IPERF_SECONDS:-3}} d f fd line="" out
	command -v iperf3 >/dev/null || { RIG_IPERF_MBIT=NA; return 0; }
	d=$(rig_role_dir gw)
	f="$d/run/iperf.ev"
	rm -f "$f"
	mkfifo "$f"
	exec {fd}<>"$f"
	nsenter -t "$(rig_role_pid gw)" -m -n -- iperf3 -s -1 --forceflush -B "$PPP_GW_ADDR" </dev/null >"$f" 2>&1 &
	local spid=$!
	rig_track "$spid" gw-iperf3
	read -r -t 10 -u $fd line
	until [ -z "$line" ] || [[ $line == *listening* ]]; do read -r -t 10 -u $fd line || line=""; done
	[ -n "$line" ] || rig_log "iperf3: server did not say it listens; trying anyway"
	rig_log "iperf3: server ready, client starts"
	out=$(rig_in client timeout $((secs + 15)) iperf3 -c "$PPP_GW_ADDR" -t "$secs" -f m ${RIG_IPERF_REVERSE:+-R} 2>&1)
	echo "$out" >>"$RIG_LOGDIR/client-iperf3.log"
	exec {fd}>&-
	rig_stop_pid "$spid"
	RIG_IPERF_MBIT=$(echo "$out" | awk '/receiver/ { for (i = 1; i <= NF; i++) if ($i == "Mbits/sec") print $(i-1) }' | tail -1)
	[ -n "$RIG_IPERF_MBIT" ] || { rig_log "iperf3 failed: $out"; RIG_IPERF_MBIT=NA; return 1; }
	rig_log "iperf3: $RIG_IPERF_MBIT Mbit/s over ${secs}s"
}
