#!/bin/bash
# l2tpsec as a roaming laptop lives with it: a profile with the kill switch,
# the client's address changing mid-session (roaming: a new Main Mode at once,
# not after dead peer detection), and a crash with the kill switch left
# blocking everything but IKE until `l2tpsec disconnect`.
. "$(dirname "$0")/../../lib/scenario.sh"
. "$(dirname "$0")/../../lib/l2tpsec.sh"

# rig_blocked CMD...: the command must fail (the kill switch drops it).
rig_blocked() { ! rig_in client "$@" >/dev/null 2>&1; }

rig_init l2tpsec-living
rig_need_stack
rig_need_l2tpsec
rig_need nft nftables
rig_topo_up
rig_gw_up
d=$(rig_role_dir client)
umask 077
cat >"$d/living.conf" <<CONF
[gateway]
host = $GW_PUBLIC_ADDR

[ipsec]
psk-file = $d/psk

[ppp]
user = $GW_USER
password-file = $d/password

[client]
kill-switch = yes
reconnect = yes
CONF
umask 022
export L2TPSEC_DATAPATH=auto L2TPSEC_ARGS="$d/living.conf ${LIVING_EXTRA_ARGS:-}"
# systemd's side of Type=notify: a datagram socket that records what it gets
notify="$d/run/notify.sock"
rig_bg client notify python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
while True:
    print(s.recv(4096).decode().replace("\n", " "), flush=True)
' "$notify"
rig_wait_for 30 test -S "$notify" || rig_fail "notify listener did not start"
export NOTIFY_SOCKET=$notify
rig_l2tpsec_up
unset NOTIFY_SOCKET
rig_wait_for 30 grep -q 'READY=1' "$RIG_LOGDIR/client-notify.log" ||
	rig_fail "no READY=1 for systemd (Type=notify)"
rig_log "systemd: READY=1 received when connected"
rig_assert_ping
rig_in client nft list table inet l2tpsec_rig >/dev/null || rig_fail "kill switch table missing"
# The kernel path clamps forwarded TCP with a table of its own (issue 16),
# which follows the tunnel interface and, like the kill switch, outlives a
# crash until the next connect or disconnect; the userspace path has none.
dp=$(rig_l2tpsec_json .datapath) || rig_fail "status failed"
mss_table() { rig_in client nft list table inet l2tpsec-mss_rig 2>/dev/null; }
assert_mss_table() {
	if [ "$dp" = kernel ]; then
		mss_table | grep -q "oifname \"$CLIENT_PPP_IF\" .*maxseg size set" ||
			rig_fail "MSS clamp table for $CLIENT_PPP_IF missing ($1)"
	else
		! mss_table >/dev/null || rig_fail "MSS clamp table on the userspace path"
	fi
}
assert_mss_table "connected"
# outside the tunnel, nothing but IKE: the NAT's LAN address does not answer
rig_blocked "${RIG_PING[@]}" -c 1 -W 1 "$NAT_LAN_ADDR" || rig_fail "kill switch let ICMP out"
rig_log "kill switch: tunnel traffic passes, other traffic is dropped"

# Roaming: the laptop gets another address on its network.
log="$RIG_LOGDIR/client-l2tpsec.log"
t0=$(rig_now_ms)
# (as a DHCP client does it: the old lease goes, the new one comes)
rig_in client ip addr del "$CLIENT_ADDR/24" dev eth0
rig_in client ip addr add 10.1.0.3/24 dev eth0
rig_in client ip route replace default via "$NAT_LAN_ADDR" src 10.1.0.3
rig_wait_for 30 sh -c "[ \$(grep -c '^connected ' '$log') -ge 2 ]" ||
	{ tail -n 30 "$log" >&2; rig_fail "no reconnect after the address changed"; }
roam_ms=$(($(rig_now_ms) - t0))
grep -q 'vanished\|path to the gateway changed' "$log" || rig_fail "the address change was not noticed"
read -r _ _ _ CLIENT_PPP_IF _ CLIENT_PPP_ADDR _ _ < <(grep '^connected ' "$log" | tail -n1)
rig_assert_ping
assert_mss_table "after roaming"
rig_log "roaming: reconnected in $roam_ms ms through the new address"

# A crash: the kill switch stays and blocks everything but IKE.
kill -9 "$L2TPSEC_PID"
rig_wait_for 30 eval '! kill -0 '"$L2TPSEC_PID"' 2>/dev/null' || rig_fail "l2tpsec did not die"
rig_in client nft list table inet l2tpsec_rig >/dev/null || rig_fail "kill switch gone after a crash"
assert_mss_table "after a crash"
rig_capture_start nat lan
rig_blocked "${RIG_PING[@]}" -c 2 -W 1 "$GW_PUBLIC_ADDR" || rig_fail "ping passed the kill switch"
rig_in client bash -c "echo x > /dev/udp/$GW_PUBLIC_ADDR/53" 2>/dev/null || true
rig_in client bash -c "echo x > /dev/udp/$GW_PUBLIC_ADDR/4500" 2>/dev/null || true
rig_sleep 1
rig_capture_stop
leaked=$(rig_pcap_count "ip and not (udp port 500 or udp port 4500)")
[ "$leaked" = 0 ] || rig_fail "with the tunnel down, $leaked non-IKE packets left the client"
allowed=$(rig_pcap_count "udp port 4500")
[ "$allowed" -ge 1 ] || rig_fail "the kill switch blocked NAT-T to the gateway too"
rig_log "kill switch after a crash: only IKE/NAT-T left the client ($allowed packets)"
rig_l2tpsec disconnect rig >>"$RIG_LOGDIR/client-l2tpsec-cmd.log" 2>&1 ||
	rig_fail "disconnect of the crashed connection failed"
! rig_in client nft list table inet l2tpsec_rig >/dev/null 2>&1 || rig_fail "kill switch not removed"
! mss_table >/dev/null || rig_fail "MSS clamp table not removed by disconnect"
rig_in client "${RIG_PING[@]}" -c 1 -W 2 "$NAT_LAN_ADDR" >/dev/null || rig_fail "traffic still blocked"
# and the crashed run's other leftovers are gone too
[ -z "$(rig_in client ip xfrm state)" ] || rig_fail "XFRM states left after disconnect"
[ -z "$(rig_in client ip -4 route show proto 157)" ] || rig_fail "routes left after disconnect"
! grep -q 'generated by l2tpsec' /etc/resolv.conf || rig_fail "resolv.conf not restored"
rig_result "connect_ms=$L2TPSEC_CONNECT_MS roam_ms=$roam_ms killswitch=ok datapath=$dp"
