#!/bin/bash
# l2tpsec's trust decisions (issue #14), in one boot:
#  hijack_kernel    - connected on the kernel path: an unprivileged user
#                     (uid 65534, SO_REUSEADDR + SO_REUSEPORT) tries to bind
#                     the client's address and each of l2tpsec's UDP ports
#                     (IKE, NAT-T, L2TP) and connect to the gateway: the bind
#                     is refused (or it receives nothing); ping still works
#  hijack_userspace - the same on the userspace data path
#  pap_refused_userspace - the gateway asks for PAP, the connection allows only
#                     MS-CHAPv2 (the default): exit 7, the message names PAP
#                     and `auth-methods` (userspace path)
#  pap_refused_kernel - the same with pppd: the gateway's pppd, Nak'd, goes
#                     on without authentication, which l2tpsec refuses: exit
#                     7, the message names `auth-methods`
. "$(dirname "$0")/../../lib/scenario.sh"
. "$(dirname "$0")/../../lib/l2tpsec.sh"
export GW_PPP_AUTH=mschapv2
HIJACK_PY=$(cd "$(dirname "$0")/../../lib" && pwd)/hijack.py

# Every UDP socket of l2tpsec connected to the gateway: "local_port peer_port".
security_l2tpsec_ports() {
	rig_in client ss -Hunp state established dst "$GW_PUBLIC_ADDR" |
		awk '/"l2tpsec"/ { n = split($(NF-2), l, ":"); m = split($(NF-1), p, ":");
			print l[n], p[m] }' | sort -u
}

security_try_hijack() {
	local ports lp pp out n=0
	ports=$(security_l2tpsec_ports)
	[ -n "$ports" ] || rig_fail "client: no UDP socket of l2tpsec connected to the gateway"
	while read -r lp pp; do
		out=$(rig_in client setpriv --reuid=65534 --regid=65534 --clear-groups \
			/usr/bin/python3 "$HIJACK_PY" "$CLIENT_ADDR" "$lp" "$GW_PUBLIC_ADDR" "$pp" 3) ||
			rig_fail "client: uid 65534 took over UDP port $lp: $out"
		rig_log "client: uid 65534 on $CLIENT_ADDR:$lp -> $GW_PUBLIC_ADDR:$pp: $out"
		n=$((n + 1))
	done <<<"$ports"
	rig_case_figures "${RIG_CASE}_ports=$n"
}

rig_security_case_hijack() {
	rig_gw_up
	rig_l2tpsec_up
	rig_l2tpsec_check_up "$L2TPSEC_DATAPATH"
	security_try_hijack
	rig_assert_ping
	rig_l2tpsec_check_down
}

rig_security_case_hijack_kernel() {
	export L2TPSEC_DATAPATH=kernel
	rig_security_case_hijack
}

rig_security_case_hijack_userspace() {
	export L2TPSEC_DATAPATH=userspace
	rig_security_case_hijack
}

rig_security_case_pap_refused() {
	export GW_PPP_AUTH=pap
	rig_gw_up
	rig_l2tpsec_cli_creds
	rig_l2tpsec_expect_exit 7 90 "${L2TPSEC_CREDS[@]}"
	case $L2TPSEC_DATAPATH:$L2TPSEC_OUT in
	userspace:*"asks for PAP"*"auth-methods = pap"*) ;;
	kernel:*"refuses"*"auth-methods = "* | kernel:*"no PPP authentication"*"auth-methods = "*) ;;
	*) rig_fail "client: the refusal does not name the method and the setting: $L2TPSEC_OUT" ;;
	esac
	rig_case_capture_stop
	rig_assert_client_clean "after refusing PAP"
}

rig_security_case_pap_refused_userspace() {
	export L2TPSEC_DATAPATH=userspace
	rig_security_case_pap_refused
}

rig_security_case_pap_refused_kernel() {
	export L2TPSEC_DATAPATH=kernel
	rig_security_case_pap_refused
}

rig_cases_setup l2tpsec-security
for c in ${L2TPSEC_CASES:-hijack_kernel hijack_userspace pap_refused_userspace pap_refused_kernel}; do
	rig_case "$c" "rig_security_case_$c"
done
rig_cases_end
