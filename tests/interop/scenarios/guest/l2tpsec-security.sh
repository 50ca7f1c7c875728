#!/bin/bash
# l2tpsec's trust decisions (issue #14), in one boot, one gateway start and
# one connection per data path (cases `kernel` and `userspace`):
#  - connected: an unprivileged user (uid 65534, SO_REUSEADDR +
#    SO_REUSEPORT) tries to bind the client's address on each of l2tpsec's
#    UDP ports (IKE, NAT-T, L2TP) and connect to the gateway, all ports at
#    once: the bind is refused (or it receives nothing); ping still works
#  - disconnected, the same gateway now asks for PAP (its pppd options
#    rewritten: xl2tpd reads them per session) and the connection allows
#    only MS-CHAPv2 (the default): exit 7 within seconds; userspace: the
#    message names PAP and `auth-methods`; kernel: the gateway's pppd,
#    Nak'd, goes on without authentication, which l2tpsec refuses, naming
#    `auth-methods`
. "$(dirname "$0")/../../lib/scenario.sh"
. "$(dirname "$0")/../../lib/l2tpsec.sh"
export GW_PPP_AUTH=mschapv2
# fed on stdin: uid 65534 may not be able to read the checkout (under /root)
HIJACK_PY=$(cd "$(dirname "$0")/../../lib" && pwd)/hijack.py

# Every UDP socket of l2tpsec connected to the gateway: "local_port peer_port".
security_l2tpsec_ports() {
	rig_in client ss -Hunp state established dst "$GW_PUBLIC_ADDR" |
		awk '/"l2tpsec"/ { n = split($(NF-2), l, ":"); m = split($(NF-1), p, ":");
			print l[n], p[m] }' | sort -u
}

security_try_hijack() {
	local ports lp pp n=0 d
	ports=$(security_l2tpsec_ports)
	[ -n "$ports" ] || rig_fail "client: no UDP socket of l2tpsec connected to the gateway"
	d=$(mktemp -d "$RIG_DIR/hijack.XXXXXX")
	# All ports at once: each attempt listens 2 s for what it should not get.
	while read -r lp pp; do
		rig_in client setpriv --reuid=65534 --regid=65534 --clear-groups \
			/usr/bin/python3 - "$CLIENT_ADDR" "$lp" "$GW_PUBLIC_ADDR" "$pp" 2 \
			<"$HIJACK_PY" >"$d/$lp" 2>&1 &
		echo "$! $lp $pp" >>"$d/jobs"
	done <<<"$ports"
	while read -r pid lp pp; do
		wait "$pid" || rig_fail "client: uid 65534 took over UDP port $lp: $(<"$d/$lp")"
		rig_log "client: uid 65534 on $CLIENT_ADDR:$lp -> $GW_PUBLIC_ADDR:$pp: $(<"$d/$lp")"
		n=$((n + 1))
	done <"$d/jobs"
	rm -rf "$d"
	rig_case_figures "${RIG_CASE}_ports=$n"
}

# The running gateway's pppd asks for PAP from the next session on.
security_gw_asks_pap() {
	local f; f=$(rig_role_dir gw)/etc/ppp/options.xl2tpd
	sed -i 's/^require-mschap-v2$/require-pap/; s/^refuse-pap$/refuse-mschap-v2/' "$f"
	grep -qx require-pap "$f" || rig_fail "gw: pppd options do not ask for PAP"
}

security_pap_refused() {
	rig_l2tpsec_cli_creds
	rig_l2tpsec_expect_exit 7 45 "${L2TPSEC_CREDS[@]}"
	case $L2TPSEC_DATAPATH:$L2TPSEC_OUT in
	userspace:*"asks for PAP"*"auth-methods = pap"*) ;;
	kernel:*"refuses"*"auth-methods = "* | kernel:*"no PPP authentication"*"auth-methods = "*) ;;
	*) rig_fail "client: the refusal does not name the method and the setting: $L2TPSEC_OUT" ;;
	esac
	rig_assert_client_clean "after refusing PAP"
}

rig_security_case() {
	export GW_PPP_AUTH=mschapv2
	rig_gw_up
	rig_l2tpsec_up
	rig_l2tpsec_check_up "$L2TPSEC_DATAPATH"
	security_try_hijack
	rig_assert_ping
	rig_l2tpsec_check_down
	security_gw_asks_pap
	security_pap_refused
}

rig_security_case_kernel() {
	export L2TPSEC_DATAPATH=kernel
	rig_security_case
}

rig_security_case_userspace() {
	export L2TPSEC_DATAPATH=userspace
	rig_security_case
}

rig_cases_setup l2tpsec-security
for c in ${L2TPSEC_CASES:-kernel userspace}; do
	rig_case "$c" "rig_security_case_$c"
done
rig_cases_end
