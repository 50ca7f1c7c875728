#!/bin/bash
# Outer IPv6 (issue 17): the whole connect over an IPv6-only underlay, both
# data paths in one boot. The client and the gateway have IPv6 addresses
# only, one router between them, no NAT:
#
#   client fd00:10:1::2 --lan-- nat (a plain IPv6 router: fd00:10:1::1 |
#   fd00:172:16::1, no NAT, no IPv4) --wan-- gw fd00:172:16::2
#
# The gateway is charon (IKEv1 over UDP6, transport SAs between the two
# IPv6 addresses) + xl2tpd + pppd. xl2tpd 1.3 cannot listen on IPv6 (AF_INET
# sockets only, xelerance/xl2tpd#183) and Debian 12 has no IPv6-capable
# LNS, so a shim sits in front of it on the gateway, after ESP:
# l2tpsec-udp6-relay.py takes the decapsulated L2TP datagrams on
# [fd00:172:16::2]:1701 (what charon's SAs and policies name) and relays
# them to xl2tpd on 127.0.0.1:1701, and xl2tpd's answers back; L2TP, PPP
# and IPsec are the real ones.
#
# Each case: `l2tpsec connect --gateway fd00:172:16::2`, a pool address,
# ping through the tunnel (inner IPv4), status --json names the outer
# family and the gateway's IPv6 address, the gateway's /128 pinned via the
# router (proto 157) under the no-leak prohibit routes, the gateway's
# kernel holds transport SAs with l2tpsec's SPI between the IPv6
# addresses; the wire (the router's far side) carries IKE over UDP6 and no
# IPv4 at all, no plaintext L2TP; disconnect leaves nothing (IPv6 routes
# included).
#   kernel:    no NAT, so ESP is plain IP protocol 50 over IPv6 (XFRM).
#   userspace: UDP encapsulation forced (NAT-D says so), so IKE floats to
#              4500 and ESP travels in UDP6 (RFC 3948), no protocol 50.
. "$(dirname "$0")/../../lib/scenario.sh"
. "$(dirname "$0")/../../lib/l2tpsec.sh"

CLIENT6=fd00:10:1::2
RTR_LAN6=fd00:10:1::1
RTR_WAN6=fd00:172:16::1
GW6=fd00:172:16::2
RELAY=$(dirname "$0")/l2tpsec-udp6-relay.py

# The gateway reached by its IPv6 address; xl2tpd on the gateway's IPv4
# loopback behind the relay.
export GW_LOCAL_ADDR=$GW6 GW_PUBLIC_ADDR=$GW6 GW_XL2TPD_ADDR=127.0.0.1

topo_v6only() {
	local ns
	rig_log "topology: client -> router (IPv6 only, no NAT) -> gw"
	rig_netns_add client
	rig_netns_add nat
	rig_netns_add gw
	rig_veth client eth0 nat lan
	rig_veth nat wan gw eth0
	ip -n "$(rig_ns client)" -6 addr add $CLIENT6/64 dev eth0 nodad
	ip -n "$(rig_ns nat)" -6 addr add $RTR_LAN6/64 dev lan nodad
	ip -n "$(rig_ns nat)" -6 addr add $RTR_WAN6/64 dev wan nodad
	ip -n "$(rig_ns gw)" -6 addr add $GW6/64 dev eth0 nodad
	ip -n "$(rig_ns client)" -6 route add default via $RTR_LAN6 dev eth0
	ip -n "$(rig_ns gw)" -6 route add default via $RTR_WAN6 dev eth0
	ip netns exec "$(rig_ns nat)" sysctl -qw net.ipv6.conf.all.forwarding=1
	for ns in client nat gw; do
		[ -z "$(ip -n "$(rig_ns $ns)" -4 addr show scope global)" ] ||
			rig_fail "topology: $ns has an IPv4 address"
	done
	rig_role_create client "$(rig_ns client)"
	rig_role_create nat "$(rig_ns nat)"
	rig_role_create gw "$(rig_ns gw)"
	rig_in_guest && modprobe -a -q esp6 xfrm_user l2tp_ppp ppp_generic 2>/dev/null
	rig_wait_for 10 rig_ping_ns "$(rig_ns client)" -c 1 -W 1 $GW6 >/dev/null 2>&1 ||
		rig_fail "topology: client cannot reach $GW6 over IPv6"
	rig_log "topology up"
}

relay_stop() {
	local f; f="$(rig_role_dir gw)/relay.bgpid"
	[ -s "$f" ] && rig_stop_pid "$(<"$f")"
	rm -f "$f"
	return 0
}

relay_ready() {
	grep -q '^relay ready' "$RIG_LOGDIR/gw-relay.log" 2>/dev/null && return 0
	rig_sleep 0.2
	return 1
}

gw_up6() {
	relay_stop
	: >"$RIG_LOGDIR/gw-relay.log"
	rig_gw_up
	rig_bg gw relay /usr/bin/python3 -u "$RELAY" $GW6 127.0.0.1 1701
	rig_wait_for 20 relay_ready || rig_fail "gw: the UDP6 relay did not start (gw-relay.log)"
}

# The checks both cases make while connected.
check_up6() {
	local json spi_out xfrm pins
	rig_assert_ppp_addr_from_pool
	rig_assert_ping
	rig_assert_status_connected
	json="$RIG_LOGDIR/client-status-$RIG_CASE.json"
	[ "$(jq -r .outer_family <"$json")" = ipv6 ] ||
		rig_fail "client: status --json does not say outer_family ipv6: $(<"$json")"
	[ "$(jq -r .gateway_ip <"$json")" = $GW6 ] ||
		rig_fail "client: status --json gateway_ip is not $GW6"
	rig_l2tpsec status rig | grep -q "($GW6, IPv6)" || rig_fail "client: status text does not name IPv6"
	pins=$(rig_in client ip -6 route show proto 157)
	echo "$pins" >"$RIG_LOGDIR/client-routes6-$RIG_CASE.txt"
	grep -q "^$GW6 via $RTR_LAN6 dev eth0" <<<"$pins" ||
		rig_fail "client: no /128 to the gateway via the router: $pins"
	grep -q '^prohibit ::/1' <<<"$pins" || rig_fail "client: no IPv6 leak block: $pins"
	spi_out=$(printf '0x%08x' "$(jq -r .esp.spi_out <"$json")")
	xfrm=$(rig_in gw ip xfrm state)
	echo "$xfrm" >"$RIG_LOGDIR/gw-xfrm-$RIG_CASE.txt"
	awk -v c=$CLIENT6 -v g=$GW6 -v spi="$spi_out" -v encap="$1" '
		/^src / { ok = ($2 == c && $4 == g); hit = 0 }
		ok && /proto esp spi/ { for (k = 1; k <= NF; k++) if ($k == "spi" && $(k+1) == spi) hit = 1
			if (hit && $0 ~ /mode transport/) found = 1 }
		hit && /encap type espinudp/ { udp = 1 }
		END { exit !(found && (encap == "udp") == (udp == 1)) }' <<<"$xfrm" ||
		rig_fail "gw: no transport SA $spi_out from $CLIENT6 to $GW6 ($1 ESP): see gw-xfrm-$RIG_CASE.txt"
	rig_log "gw: transport SA $spi_out $CLIENT6 -> $GW6 ($1 ESP)"
}

# The wire, read once (tcpdump -n lines: "IP6 A.500 > B.500: isakmp: ...",
# "IP6 A.4500 > B.4500: UDP-encap: ESP(...)", "IP6 A > B: ESP(...)",
# "IP A > B: ..." for IPv4).
check_wire6() {
	local counts ike natt esp v4 l2tp
	rig_case_capture_stop
	counts=$(tcpdump -r "$RIG_PCAP" -n 2>/dev/null | awk '
		$2 == "IP" { v4++ }
		$2 == "IP6" && $3 ~ /\.500$/ && $6 == "isakmp:" { ike++ }
		$2 == "IP6" && $3 ~ /\.4500$/ { natt++ }
		$2 == "IP6" && $6 ~ /^ESP\(/ { esp++ }
		$3 ~ /\.1701$/ || $5 ~ /\.1701:$/ { l2tp++ }
		END { printf "%d %d %d %d %d\n", ike, natt, esp, v4, l2tp }')
	read -r ike natt esp v4 l2tp <<<"$counts"
	[ "$ike" -gt 0 ] || rig_fail "wire: no IKE over UDP6 500"
	[ "$v4" = 0 ] || rig_fail "wire: $v4 IPv4 packets on an IPv6-only underlay"
	[ "$l2tp" = 0 ] || rig_fail "wire: plaintext L2TP"
	if [ "$1" = udp ]; then
		[ "$natt" -gt 3 ] || rig_fail "wire: no UDP6 4500 (NAT-T, ESP in UDP)"
		[ "$esp" = 0 ] || rig_fail "wire: raw ESP although encapsulation is forced"
	else
		[ "$esp" -gt 3 ] || rig_fail "wire: no ESP (protocol 50) over IPv6"
	fi
	rig_log "wire: IKE over UDP6 ($ike), UDP6 4500 $natt, ESP $esp, IPv4 0, plaintext L2TP 0"
}

down6() {
	rig_l2tpsec_down
	[ -z "$(rig_in client ip -6 route show proto 157)" ] || rig_fail "client: IPv6 routes left behind"
	rig_assert_client_clean "after disconnect"
}

case_kernel() {
	export L2TPSEC_DATAPATH=kernel
	gw_up6
	rig_l2tpsec_up
	check_up6 plain
	check_wire6 plain
	down6
	rig_case_figures "kernel_connect_ms=$L2TPSEC_CONNECT_MS"
}

case_userspace() {
	export L2TPSEC_DATAPATH=userspace
	gw_up6
	rig_l2tpsec_up
	check_up6 udp
	check_wire6 udp
	down6
	rig_case_figures "userspace_connect_ms=$L2TPSEC_CONNECT_MS"
}

rig_init l2tpsec-ipv6-underlay
rig_need_stack
rig_need_l2tpsec
rig_need jq jq
topo_v6only
cp /etc/resolv.conf "$RIG_DIR/resolv.conf.orig" 2>/dev/null
rig_cases_init
rig_case kernel case_kernel
relay_stop
rig_case userspace case_userspace
relay_stop
rig_cases_end
