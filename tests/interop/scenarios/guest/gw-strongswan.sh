#!/bin/bash
# strongSwan (charon) + xl2tpd + pppd with the policies commercial gateways
# ship by default, one boot, the gateway restarted between cases; l2tpsec
# connects with its default proposals (no --ike/--esp) on the first try:
#   strict_kernel     AES-256/SHA-256/MODP2048 in phase 1, aes256-sha256 only in
#                     phase 2 (RFC 4868 128-bit ICV), nothing else (issue 15)
#   strict_userspace  the same on the userspace path
#   meraki_kernel     Meraki-like: 3DES-SHA1-MODP1024 both phases, PAP
#                     (`auth-methods = pap` when this l2tpsec knows the key)
#   rras_userspace    Windows RRAS-like: AES-SHA1-MODP2048, MS-CHAPv2 only,
#                     1-hour phase 2
#   mikrotik_kernel   MikroTik-like: 30-minute phase 2 with PFS group 2
#                     required: the defaults (no PFS) fail at Quick Mode with a
#                     hint naming `pfs`; with `pfs = modp1024` it connects
#   sha256_96         a gateway whose kernel SA truncates HMAC-SHA-256 to 96
#                     bits (swanctl's sha256_96, as old Linux kernels): it
#                     drops our 128-bit SCCRQ and stays silent; the kernel
#                     path then reinstalls its SAs with 96 bits, the
#                     userspace path sends 96-bit ICVs on trial; the
#                     gateway's answer verifies at 96, L2TP and the ping get
#                     through; both paths against one gateway
#   ecdsa_frag_userspace  ECDSA certificates (RFC 4754): ours P-256, the
#                     gateway's P-384 (IKEv1 has one method for both sides:
#                     charon signs with the negotiated method's key type), both
#                     with 40 more names (MM5 and MM6 over 2 KB) through a NAT
#                     that drops IP fragments: connected with IKE fragments
#                     both ways, no IP fragment on the wire
# Each connect through the NAT: pool address, ping, status, the gateway's
# CHILD_SA carries l2tpsec's SPIs, wire only IKE 500/4500 + ESP-in-UDP,
# nothing left after disconnect. In strict_kernel and rras_userspace the
# profile is a split tunnel without routes (default-route = no) and dnsmasq
# on the gateway answers DHCPINFORM on its PPP links, as RRAS does: the two
# classless routes it pushes (option 121) go through the tunnel and status
# shows them and the domain (15), which is in resolv.conf's search line while
# connected and gone after.
. "$(dirname "$0")/../../lib/scenario.sh"
. "$(dirname "$0")/../../lib/l2tpsec.sh"
. "$(dirname "$0")/../../lib/ikefrag.sh"

# gw_ss_check IKE ESP: status names these algorithms (globs), then disconnect.
gw_ss_check() {
	local want_ike=$1 want_esp=$2 ike esp
	rig_l2tpsec_check_up "$L2TPSEC_DATAPATH"
	ike=$(rig_l2tpsec_json .ike.algorithms) esp=$(rig_l2tpsec_json .esp.algorithms)
	case $ike in $want_ike) ;; *) rig_fail "client: IKE '$ike', expected $want_ike" ;; esac
	case $esp in $want_esp) ;; *) rig_fail "client: ESP '$esp', expected $want_esp" ;; esac
	rig_log "client: ike $ike, esp $esp, esp lifetime left $(rig_l2tpsec_json .esp.lifetime_left_s) s"
	rig_l2tpsec_check_down
	rig_case_figures "${RIG_CASE}_ms=$L2TPSEC_CONNECT_MS"
}

# gw_ss_profile NAME LINES...: a 0600 profile with the rig's credentials.
gw_ss_profile() {
	local p; p=$(rig_role_dir client)/$1.conf; shift
	rm -f "$p"
	rig_write_secret_file "$p" "# l2tpsec interop rig: $RIG_CASE
[gateway]
host = $GW_PUBLIC_ADDR

[ipsec]
psk = $GW_PSK
$(printf '%s\n' "$@" | grep '^ipsec:' | sed 's/^ipsec://')

[ppp]
user = $GW_USER
password = $GW_PASSWORD
$(printf '%s\n' "$@" | grep '^ppp:' | sed 's/^ppp://')

[network]
$(printf '%s\n' "$@" | grep '^net:' | sed 's/^net://')"
	echo "$p"
}

# gw_dhcp_up: dnsmasq answers DHCPINFORM on the gateway's PPP links (no DNS,
# no leases): routes 10.99.0.0/16 and 10.98.1.0/24 via the gateway's PPP
# address, domain corp.l2tpsec.test. Stopped by rig_gw_stop.
gw_dhcp_up() {
	rig_need dnsmasq dnsmasq-base
	rig_bg gw dnsmasq dnsmasq --keep-in-foreground --conf-file=/dev/null --port=0 \
		--bind-dynamic --interface='ppp*' --leasefile-ro --pid-file= --log-dhcp \
		--log-facility=- --dhcp-range=192.168.42.0,static,255.255.255.0 \
		--dhcp-option=121,10.99.0.0/16,192.168.42.1,10.98.1.0/24,192.168.42.1 \
		--dhcp-option=15,corp.l2tpsec.test
}

gw_dhcp_route_there() {
	rig_in client ip -4 route show "$1" dev "$CLIENT_PPP_IF" | grep -q .
}

gw_dhcp_searched() {
	rig_in client grep -q '^search .*corp\.l2tpsec\.test' /etc/resolv.conf && return 0
	rig_sleep 0.5
	return 1
}

# gw_dhcp_check: the pushed routes appear (bounded wait: our INFORM goes
# out once connected and again after 2 and 4 s), status shows them, the
# domain is searched.
gw_dhcp_check() {
	local domain routes
	rig_wait_for 20 gw_dhcp_route_there 10.99.0.0/16 ||
		rig_fail "client: the pushed route 10.99.0.0/16 is not on $CLIENT_PPP_IF"
	gw_dhcp_route_there 10.98.1.0/24 || rig_fail "client: the pushed route 10.98.1.0/24 is missing"
	domain=$(rig_l2tpsec_json .pushed.domain)
	routes=$(rig_l2tpsec_json '.pushed.routes | join(" ")')
	[ "$domain" = corp.l2tpsec.test ] || rig_fail "client: status shows the domain '$domain'"
	[ "$routes" = "10.99.0.0/16 10.98.1.0/24" ] || rig_fail "client: status shows routes '$routes'"
	grep -q DHCPINFORM "$RIG_LOGDIR/gw-dnsmasq.log" || rig_fail "gw: dnsmasq logged no DHCPINFORM"
	rig_wait_for 10 gw_dhcp_searched ||
		rig_fail "client: resolv.conf does not search the pushed domain: $(rig_in client cat /etc/resolv.conf)"
	rig_log "client: the gateway pushed $routes, domain $domain (searched)"
}

# gw_dhcp_check_gone: after disconnect resolv.conf no longer searches it.
gw_dhcp_check_gone() {
	! rig_in client grep -q 'corp\.l2tpsec\.test' /etc/resolv.conf ||
		rig_fail "client: resolv.conf still names the pushed domain after disconnect"
}

strict() {
	export GW_IKE=aes256-sha256-modp2048 GW_ESP=aes256-sha256
	rig_gw_up
	rig_l2tpsec_up
	gw_ss_check 'aes256-sha2_256*-modp2048' 'aes256-sha256'
}
case_strict_kernel() {
	export L2TPSEC_DATAPATH=kernel GW_IKE=aes256-sha256-modp2048 GW_ESP=aes256-sha256
	L2TPSEC_PROFILE=$(gw_ss_profile strict "net:default-route = no")
	export L2TPSEC_PROFILE
	rig_gw_up
	gw_dhcp_up
	rig_l2tpsec_up
	gw_dhcp_check
	gw_ss_check 'aes256-sha2_256*-modp2048' 'aes256-sha256'
	gw_dhcp_check_gone
}
case_strict_userspace() { export L2TPSEC_DATAPATH=userspace; strict; }

case_meraki_kernel() {
	local p pap="ppp:auth-methods = pap" probe
	export L2TPSEC_DATAPATH=kernel GW_IKE=3des-sha1-modp1024 GW_ESP=3des-sha1 GW_PPP_AUTH=pap
	# PAP has to be allowed by name where this l2tpsec knows the key
	probe=$(gw_ss_profile probe "$pap")
	rig_in client "$L2TPSEC_BIN" check "$probe" >/dev/null 2>&1 || pap=""
	p=$(gw_ss_profile meraki "$pap")
	export L2TPSEC_PROFILE=$p
	rig_gw_up
	rig_l2tpsec_up
	gw_ss_check '3des-sha1*-modp1024' '3des-sha1'
	grep -q "PAP" "$RIG_LOGDIR/gw-pppd.log" 2>/dev/null || rig_log "gw: (pppd log does not name PAP)"
}

case_rras_userspace() {
	export L2TPSEC_DATAPATH=userspace GW_IKE=aes256-sha1-modp2048,aes128-sha1-modp2048
	export GW_ESP=aes256-sha1,aes128-sha1 GW_ESP_LIFETIME=3600 GW_PPP_AUTH=mschapv2
	L2TPSEC_PROFILE=$(gw_ss_profile rras "net:default-route = no")
	export L2TPSEC_PROFILE
	rig_gw_up
	gw_dhcp_up
	rig_l2tpsec_up
	gw_dhcp_check
	gw_ss_check 'aes256-sha1*-modp2048' 'aes256-sha1'
	gw_dhcp_check_gone
}

case_mikrotik_kernel() {
	local d p
	export L2TPSEC_DATAPATH=kernel GW_IKE=aes128-sha1-modp2048,3des-sha1-modp1024
	export GW_ESP=aes256-sha1-modp1024,aes128-sha1-modp1024 GW_ESP_LIFETIME=1800
	rig_gw_up
	d=$(rig_role_dir client)
	rig_l2tpsec_cli_creds
	rig_l2tpsec_expect_exit 5 60 "${L2TPSEC_CREDS[@]}"
	case $L2TPSEC_OUT in *"hint:"*"Quick Mode"*"pfs"*) ;;
	*) rig_fail "client: the Quick Mode failure does not name the pfs setting: $L2TPSEC_OUT" ;; esac
	rig_log "client: without PFS: $(grep 'hint:' <<<"$L2TPSEC_OUT" | tail -n1)"
	p=$(gw_ss_profile mikrotik "ipsec:pfs = modp1024")
	export L2TPSEC_PROFILE=$p
	rig_l2tpsec_up
	gw_ss_check 'aes128-sha1*-modp2048' 'aes256-sha1*'
}

# The gateway's kernel SA with 96-bit ICVs (not negotiated: IKEv1 has one
# HMAC-SHA-256 transform, RFC 4868's 128 bits); ours starts at 128.
case_sha256_96() {
	export L2TPSEC_DATAPATH=kernel GW_ESP=aes256-sha256 GW_SHA256_96=1
	rig_gw_up
	rig_l2tpsec_up
	grep -q 'peer uses 96-bit HMAC-SHA-256 ICVs' "$RIG_LOGDIR/client-l2tpsec.log" ||
		rig_fail "client: did not switch to 96-bit ICVs (see client-l2tpsec.log)"
	gw_trunc96 gw || rig_fail "gw: its SAs do not use 96-bit HMAC-SHA-256: $(rig_in gw ip xfrm state)"
	gw_trunc96 client || rig_fail "client: its SAs do not use 96-bit HMAC-SHA-256: $(rig_in client ip xfrm state)"
	rig_log "client: 96-bit HMAC-SHA-256 detected and used on the kernel path, as the gateway's"
	gw_ss_check '*' 'aes256-sha256*'
	mv "$RIG_LOGDIR/client-l2tpsec.log" "$RIG_LOGDIR/client-l2tpsec-kernel.log"
	export L2TPSEC_DATAPATH=userspace
	rig_l2tpsec_up
	grep -q 'trying 96 bits' "$RIG_LOGDIR/client-l2tpsec.log" &&
		grep -q 'peer uses 96-bit HMAC-SHA-256 ICVs' "$RIG_LOGDIR/client-l2tpsec.log" ||
		rig_fail "client: the userspace path did not try and keep 96-bit ICVs (see client-l2tpsec.log)"
	rig_log "client: 96-bit HMAC-SHA-256 tried after the silence and kept on the userspace path"
	gw_ss_check '*' 'aes256-sha256*'
}

# gw_trunc96 ROLE: every HMAC-SHA-256 XFRM state of ROLE truncates to 96 bits.
gw_trunc96() {
	local st; st=$(rig_in "$1" ip xfrm state | grep 'auth-trunc hmac(sha256)')
	[ -n "$st" ] && ! grep -qv ' 96$' <<<"$st"
}

# Certificates too long for one datagram, through a NAT that drops IP
# fragments: only IKE fragments cross it. ECDSA both (charon logs the
# method it verified ours with).
case_ecdsa_frag_userspace() {
	export L2TPSEC_DATAPATH=userspace GW_AUTH=cert GW_CERT=gw-ec
	L2TPSEC_PROFILE=$(rig_l2tpsec_cert_profile ecdsa-frag client-ec)
	export L2TPSEC_PROFILE
	trap rig_nat_keep_ip_fragments EXIT
	rig_nat_drop_ip_fragments
	rig_gw_up
	rig_l2tpsec_up
	grep -q "authentication of '.*CN=client-ec.l2tpsec.test' with ECDSA" "$RIG_LOGDIR/gw-charon.log" ||
		rig_fail "gw: charon did not authenticate our ECDSA certificate (see gw-charon.log)"
	gw_ss_check '*' '*'
	rig_assert_ike_fragments
}

rig_cases_setup gw-strongswan
for c in ${L2TPSEC_CASES:-strict_kernel strict_userspace meraki_kernel rras_userspace mikrotik_kernel sha256_96 ecdsa_frag_userspace}; do
	rig_case "$c" "case_$c"
done
rig_cases_end
