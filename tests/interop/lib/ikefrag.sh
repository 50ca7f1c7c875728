# l2tpsec interop rig: certificate Main Modes too long for one datagram,
# through a NAT that drops IP fragments (bash; sourced after l2tpsec.sh).
#
# rig_nat_drop_ip_fragments      the NAT drops every IP fragment, both ways,
#                                before conntrack's reassembly sees it (as
#                                many home routers and carrier NATs do)
# rig_nat_keep_ip_fragments      undoes it
# rig_l2tpsec_cert_profile NAME CERT   a 0600 certificate profile for the
#                                rig's gateway with lib/certs.sh's CERT.pem
#                                and its key; prints its path
# rig_assert_ike_fragments [--gw-ip-fragments-ok]   in the case's capture,
#                                IKE fragments (ISAKMP Fragment payload, 132)
#                                both ways on 4500 and no IP fragment (with the
#                                option: IP fragments from the gateway are only
#                                counted: pluto sends MM6 whole first, then in
#                                IKE fragments when our MM5 comes again);
#                                l2tpsec logged sending and joining fragments
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# Priority -450: before conntrack's defragmentation (-400) in prerouting.
rig_nat_drop_ip_fragments() {
	rig_in nat nft -f - <<'EOF' || rig_fail "nat: cannot add the IP fragment drop rule (nft)"
table ip rigfragdrop {
	chain pre {
		type filter hook prerouting priority -450;
		ip frag-off & 0x3fff != 0 counter drop
	}
}
EOF
	rig_log "nat: drops IP fragments"
}

rig_nat_keep_ip_fragments() {
	rig_in nat nft list table ip rigfragdrop >"$RIG_LOGDIR/nat-fragdrop${RIG_CASE:+-$RIG_CASE}.txt" 2>&1
	rig_in nat nft delete table ip rigfragdrop 2>/dev/null
	return 0
}

# The key of CERT.pem: client-ec.pem's is client-ec.key, the RSA ones
# (client, client-big) share client.key.
rig_l2tpsec_cert_profile() {
	local name=$1 cert=$2 key=client d p
	d=$(rig_role_dir client) p=$d/$name.conf
	[ "$cert" = client-ec ] && key=client-ec
	rig_certs_make
	mkdir -p "$d/certs"
	cp "$RIG_CERTS/$cert.pem" "$RIG_CERTS/ca.pem" "$d/certs/"
	(umask 077; cp "$RIG_CERTS/$key.key" "$d/certs/")
	rig_write_secret_file "$d/password" "$GW_PASSWORD"
	rm -f "$p"
	rig_write_secret_file "$p" "# l2tpsec interop rig: $name ($cert.pem)
[gateway]
host = $GW_PUBLIC_ADDR

[ipsec]
auth = cert
cert = $d/certs/$cert.pem
key = $d/certs/$key.key
ca = $d/certs/ca.pem

[ppp]
user = $GW_USER
password-file = $d/password"
	echo "$p"
}

# udp[8:4] = 0: the non-ESP marker; udp[28]: the ISAKMP header's first
# payload type after it (16 bytes of cookies).
rig_assert_ike_fragments() {
	local frag='udp port 4500 and udp[8:4] = 0 and udp[28] = 132' out in ipfrag gwfrag log
	log="$RIG_LOGDIR/client-l2tpsec.log"
	out=$(rig_pcap_count "$frag and dst host $GW_PUBLIC_ADDR")
	in=$(rig_pcap_count "$frag and src host $GW_PUBLIC_ADDR")
	ipfrag=$(rig_pcap_count 'ip[6:2] & 0x3fff != 0')
	gwfrag=$(rig_pcap_count "ip[6:2] & 0x3fff != 0 and src host $GW_PUBLIC_ADDR")
	[ "$out" -ge 2 ] || rig_fail "wire: $out IKE fragments from the client (expected MM5 in 2 or more)"
	[ "$in" -ge 2 ] || rig_fail "wire: $in IKE fragments from the gateway (expected MM6 in 2 or more)"
	[ "${1:-}" = --gw-ip-fragments-ok ] && ipfrag=$((ipfrag - gwfrag)) &&
		rig_log "wire: $gwfrag IP fragments from the gateway, dropped by the NAT"
	[ "$ipfrag" = 0 ] || rig_fail "wire: $ipfrag IP fragments on the NAT's public side"
	grep -q 'as [0-9]* IKE fragments' "$log" || rig_fail "client: no 'sent ... as N IKE fragments' in its log"
	grep -q 'IKE fragments joined' "$log" || rig_fail "client: no 'IKE fragments joined' in its log"
	rig_log "wire: IKE fragments $out out, $in in, no IP fragment ($(grep -m1 -o 'sent [0-9]* bytes as [0-9]* IKE fragments' "$log"))"
}
