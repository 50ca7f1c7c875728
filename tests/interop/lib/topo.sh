# l2tpsec interop rig: network topology in namespaces (bash; sourced).
#
#   client (10.1.0.2) --lan-- nat (10.1.0.1 | 172.16.0.1, MASQUERADE) --wan-- gw (172.16.0.2)
#
# With --nat2 ("server behind NAT"), a second NAT takes the public address and
# forwards UDP 500/4500 to the gateway's private address:
#   ... nat (172.16.0.1) --wan-- nat2 (172.16.0.2 | 10.2.0.1, DNAT 500/4500) --- gw (10.2.0.2)
#
# Roles created: client, nat, gw (+ nat2).  The capture point is nat's "wan".

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

CLIENT_ADDR=10.1.0.2
NAT_LAN_ADDR=10.1.0.1
NAT_PUBLIC_ADDR=172.16.0.1
GW_PUBLIC_ADDR=172.16.0.2     # what clients connect to
GW_LOCAL_ADDR=172.16.0.2      # what the gateway binds (10.2.0.2 behind nat2)
NAT2_LAN_ADDR=10.2.0.1
PPP_GW_ADDR=192.168.42.1
PPP_POOL=192.168.42.10-192.168.42.20

rig_ns() { echo "${RIG_NS_PREFIX:-}$1"; }

rig_netns_add() {
	local ns; ns=$(rig_ns "$1")
	ip netns add "$ns" || rig_fail "ip netns add $ns"
	RIG_NETNS+=("$ns")
	ip -n "$ns" link set lo up
}

# rig_veth NS1 IF1 NS2 IF2: veth pair created directly inside the namespaces.
rig_veth() {
	ip link add "$2" netns "$(rig_ns "$1")" type veth peer name "$4" netns "$(rig_ns "$3")" ||
		rig_fail "veth $1/$2 - $3/$4"
	ip -n "$(rig_ns "$1")" link set "$2" up
	ip -n "$(rig_ns "$3")" link set "$4" up
}

# Modules and the one-off crypto template loading (gotcha 7), guest only.
rig_kernel_warmup() {
	rig_in_guest || return 0
	# Only what the timed part would otherwise load on demand; the rest
	# (veth, netfilter, netem) is autoloaded during setup anyway.
	modprobe -a -q esp4 xfrm_user l2tp_ppp ppp_generic 2>/dev/null
	local ns; ns=$(rig_ns client)
	ip -n "$ns" xfrm state add src 10.1.0.2 dst 172.16.0.2 proto esp spi 0x100 mode transport \
		reqid 1 enc 'cbc(aes)' 0x00112233445566778899aabbccddeeff \
		auth-trunc 'hmac(sha1)' 0x00112233445566778899aabbccddeeff00112233 96 \
		encap espinudp 4500 4500 0.0.0.0 2>/dev/null
	ip -n "$ns" xfrm state add src 10.1.0.2 dst 172.16.0.2 proto esp spi 0x101 mode transport \
		reqid 2 enc 'cbc(des3_ede)' 0x00112233445566778899aabbccddeeff0011223344556677 \
		auth-trunc 'hmac(sha256)' 0x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff 128 \
		2>/dev/null
	ip -n "$ns" xfrm state flush 2>/dev/null
	return 0
}

# RIG_LAN6=1: the client's LAN is dual-stack (an IPv6 router, no IPv6 to the
# gateway): client fd00:10:1::2/64 with its default route via the NAT's
# fd00:10:1::1, and the NAT's other side NAT_WAN6 = fd00:172:16::1 one hop
# beyond the client's link (the target of the no-IPv6-leak checks, issue 17).
NAT_WAN6=fd00:172:16::1
rig_topo_lan6() {
	ip -n "$(rig_ns client)" -6 addr add fd00:10:1::2/64 dev eth0 nodad
	ip -n "$(rig_ns nat)" -6 addr add fd00:10:1::1/64 dev lan nodad
	ip -n "$(rig_ns nat)" -6 addr add $NAT_WAN6/64 dev wan nodad
	ip -n "$(rig_ns client)" -6 route add default via fd00:10:1::1 dev eth0
	export NAT_WAN6
}

# rig_topo_up [--nat2] [--netem "NETEM ARGS"]
#   --netem applies e.g. "delay 20ms loss 1%" to both directions at the NAT.
rig_topo_up() {
	local nat2=0 netem=""
	while [ $# -gt 0 ]; do
		case $1 in
		--nat2) nat2=1 ;;
		--netem) netem=$2; shift ;;
		--netem=*) netem=${1#--netem=} ;;
		*) rig_fail "rig_topo_up: unknown option $1" ;;
		esac
		shift
	done
	[ -n "${RIG_NAT2:-}" ] && [ "$RIG_NAT2" != 0 ] && nat2=1
	[ -z "$netem" ] && netem=${RIG_NETEM:-}
	rig_log "topology: client -> nat -> ${nat2:+$([ $nat2 = 1 ] && echo 'nat2 -> ')}gw${netem:+ (netem: $netem)}"
	rig_netns_add client
	rig_netns_add nat
	rig_netns_add gw
	rig_veth client eth0 nat lan
	ip -n "$(rig_ns client)" addr add $CLIENT_ADDR/24 dev eth0
	ip -n "$(rig_ns client)" route add default via $NAT_LAN_ADDR
	ip -n "$(rig_ns nat)" addr add $NAT_LAN_ADDR/24 dev lan
	ip netns exec "$(rig_ns nat)" sysctl -qw net.ipv4.ip_forward=1
	if [ $nat2 = 1 ]; then
		GW_LOCAL_ADDR=10.2.0.2
		rig_netns_add nat2
		rig_veth nat wan nat2 wan
		rig_veth nat2 lan gw eth0
		ip -n "$(rig_ns nat)" addr add $NAT_PUBLIC_ADDR/24 dev wan
		ip -n "$(rig_ns nat2)" addr add $GW_PUBLIC_ADDR/24 dev wan
		ip -n "$(rig_ns nat2)" addr add $NAT2_LAN_ADDR/24 dev lan
		ip -n "$(rig_ns gw)" addr add $GW_LOCAL_ADDR/24 dev eth0
		ip -n "$(rig_ns gw)" route add default via $NAT2_LAN_ADDR
		ip netns exec "$(rig_ns nat2)" sysctl -qw net.ipv4.ip_forward=1
		local p
		for p in 500 4500; do
			rig_iptables "$(rig_ns nat2)" -t nat -A PREROUTING -i wan -p udp --dport $p \
				-j DNAT --to-destination $GW_LOCAL_ADDR:$p || rig_fail "nat2 DNAT"
		done
		rig_iptables "$(rig_ns nat2)" -t nat -A POSTROUTING -o wan -j MASQUERADE || rig_fail "nat2 MASQUERADE"
	else
		rig_veth nat wan gw eth0
		ip -n "$(rig_ns nat)" addr add $NAT_PUBLIC_ADDR/24 dev wan
		ip -n "$(rig_ns gw)" addr add $GW_LOCAL_ADDR/24 dev eth0
	fi
	rig_iptables "$(rig_ns nat)" -t nat -A POSTROUTING -o wan -j MASQUERADE || rig_fail "nat MASQUERADE"
	[ "${RIG_LAN6:-0}" = 1 ] && rig_topo_lan6
	if [ -n "$netem" ]; then
		ip netns exec "$(rig_ns nat)" tc qdisc add dev wan root netem $netem || rig_fail "netem wan"
		ip netns exec "$(rig_ns nat)" tc qdisc add dev lan root netem $netem || rig_fail "netem lan"
	fi
	rig_role_create client "$(rig_ns client)"
	rig_role_create nat "$(rig_ns nat)"
	rig_role_create gw "$(rig_ns gw)"
	[ $nat2 = 1 ] && rig_role_create nat2 "$(rig_ns nat2)"
	rig_kernel_warmup
	rig_ping_ns "$(rig_ns client)" -c 1 -W 2 $GW_PUBLIC_ADDR >/dev/null 2>&1 ||
		rig_fail "topology: client cannot reach $GW_PUBLIC_ADDR through the NAT"
	export CLIENT_ADDR GW_PUBLIC_ADDR GW_LOCAL_ADDR NAT_PUBLIC_ADDR PPP_GW_ADDR
	rig_log "topology up"
}
