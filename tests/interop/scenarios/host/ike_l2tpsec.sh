#!/bin/bash
# Host mode (no emulation): the project's own IKEv1 initiator (ike/, driven by
# tests/ike/ike-connect) against the rig's charon responder (kernel-libipsec)
# through the MASQUERADE NAT.
# Proves: Main Mode with NAT-D and the float to UDP 4500 (non-ESP marker),
# Quick Mode with UDP-encapsulated transport and NAT-OA complete with PSK,
# then with RSA certificates from the rig's CA; a refused proposal is
# reported as "IKE failed at MM1: gateway sent NO_PROPOSAL_CHOSEN". The gw's
# transport SA install then fails in kernel-libipsec ("unsupported mode") -
# expected on a kernel without ESP. Then over IPv6 (issue 17): Main Mode
# and Quick Mode to the gateway's IPv6 address, NAT-D finding no NAT.
. "$(dirname "$0")/../../hostrig.sh"
rig_init host-ike_l2tpsec
PROBE=${L2TPSEC_IKE_PROBE:-${L2TPSEC_BUILDDIR:-.}/tests/ike/ike-connect}
[ -x "$PROBE" ] || rig_skip "ike-connect not built at $PROBE (make check builds it)"
gwlog="$RIG_LOGDIR/gw-charon.log"

# probe LOGNAME ARGS...: one ike-connect run as the client; prints its result line.
probe() {
	local name=$1
	shift
	hostrig_exec client "$PROBE" --remote "$GW_PUBLIC_ADDR" --timeout 15 "$@" \
		2>"$RIG_LOGDIR/client-ike-$name.log" | tail -n 1
}

hostrig_up
hostrig_capture_start
hostrig_gw_charon --auth=psk --ike=aes256-sha256-modp2048,aes128-sha1-modp2048 --esp=aes128-sha1
printf '%s' "$GW_PSK" >"$RIG_DIR/psk"
chmod 600 "$RIG_DIR/psk"

t0=$(rig_now_ms)
out=$(probe psk --psk-file "$RIG_DIR/psk")
ike_ms=$(($(rig_now_ms) - t0))
rig_log "psk: $out"
[[ $out =~ ^OK\ ike=aes256-sha2_256-modp2048\ esp=aes128-sha1\ natt=RFC\ 3947\ nat_local=yes ]] ||
	rig_fail "ike-connect (psk): $out"
hostrig_wait_log "$gwlog" "IKE_SA l2tp\[[0-9]+\] established" 10 || rig_fail "gw: Main Mode not complete"
hostrig_wait_log "$gwlog" "parsed QUICK_MODE request [0-9]+ \[ HASH \]" 10 ||
	rig_fail "gw: QM3 not received"
log=$(<"$gwlog")
[[ $log =~ "remote host is behind NAT" ]] || rig_fail "gw: our NAT not detected"
[[ $log =~ received\ packet:\ from\ 172\.16\.0\.1\[[0-9]+\]\ to\ 172\.16\.0\.2\[4500\] ]] ||
	rig_fail "gw: no IKE on port 4500"

out=$(probe refused --psk-file "$RIG_DIR/psk" --ike 'aes192-sha512-modp4096!')
rig_log "refused: $out"
[[ $out == "FAIL IKE failed at MM1: gateway sent NO_PROPOSAL_CHOSEN" ]] ||
	rig_fail "refused proposal: $out"
hostrig_capture_stop
rig_assert_ike_natt
rig_assert_no_raw_esp

# Certificates: the same gateway restarted with the rig's CA and gw certificate.
if [ -z "${IKE_SKIP_CERT:-}" ]; then
	gwpid=$(<"$(rig_role_dir gw)/charon.pid.rig")
	kill "$gwpid" 2>/dev/null
	rig_wait_for 10 sh -c "! kill -0 $gwpid 2>/dev/null" || rig_fail "gw: charon did not stop"
	hostrig_gw_charon --auth=cert --ike=aes256-sha256-modp2048 --esp=aes128-sha1
	out=$(probe cert --cert "$RIG_CERTS/client.pem" --key "$RIG_CERTS/client.key" \
		--ca "$RIG_CERTS/ca.pem" --remote-id "dn:C=XX, O=l2tpsec interop rig, CN=gw.l2tpsec.test")
	rig_log "cert: $out"
	[[ $out =~ ^OK\ ike=aes256-sha2_256-modp2048 ]] || rig_fail "ike-connect (cert): $out"
fi
# IKE over IPv6 (issue 17): the NAT namespace also routes IPv6 (no NAT66),
# charon answers on the gateway's IPv6 address too. NAT-D over the 16-byte
# addresses: charon finds our hash right (nat_local=no, no "behind NAT");
# its own is faked by kernel-libipsec, which can only do ESP in UDP, so the
# session floats all the same. Our ID is ID_IPV6_ADDR.
ns() { rig_ns "$1"; }
ip -n "$(ns client)" -6 addr add fd00:10:1::2/64 dev eth0 nodad
ip -n "$(ns nat)" -6 addr add fd00:10:1::1/64 dev lan nodad
ip -n "$(ns nat)" -6 addr add fd00:172:16::1/64 dev wan nodad
ip -n "$(ns gw)" -6 addr add fd00:172:16::2/64 dev eth0 nodad
ip -n "$(ns client)" -6 route add default via fd00:10:1::1
ip -n "$(ns gw)" -6 route add default via fd00:172:16::1
ip netns exec "$(ns nat)" sysctl -qw net.ipv6.conf.all.forwarding=1
gwpid=$(<"$(rig_role_dir gw)/charon.pid.rig")
kill "$gwpid" 2>/dev/null
rig_wait_for 10 sh -c "! kill -0 $gwpid 2>/dev/null" || rig_fail "gw: charon did not stop"
GW_LOCAL_ADDR="$GW_LOCAL_ADDR, fd00:172:16::2" hostrig_gw_charon --auth=psk \
	--ike=aes128-sha1-modp2048 --esp=aes128-sha1
out=$(hostrig_exec client "$PROBE" --remote fd00:172:16::2 --timeout 15 --psk-file "$RIG_DIR/psk" \
	2>"$RIG_LOGDIR/client-ike-ipv6.log" | tail -n 1)
rig_log "ipv6: $out"
[[ $out =~ ^OK\ ike=aes128-sha1-modp2048\ esp=aes128-sha1\ natt=RFC\ 3947\ nat_local=no ]] ||
	rig_fail "ike-connect (IPv6): $out"
hostrig_wait_log "$gwlog" "parsed QUICK_MODE request [0-9]+ \[ HASH \]" 10 ||
	rig_fail "gw: QM3 not received over IPv6"
log=$(<"$gwlog")
[[ $log =~ received\ packet:\ from\ fd00:10:1::2\[500\]\ to\ fd00:172:16::2\[500\] ]] ||
	rig_fail "gw: no IKE over UDP6 500 from the client's IPv6 address"
[[ $log =~ \.\.\.fd00:10:1::2\[fd00:10:1::2\] ]] || rig_fail "gw: our ID is not ID_IPV6_ADDR fd00:10:1::2"
[[ $log =~ "remote host is behind NAT" ]] && rig_fail "gw: a NAT detected over IPv6"
rig_log "l2tpsec IKE: Main Mode + Quick Mode through NAT OK (gw SA install fails: no kernel ESP, expected)"
rig_result "ike_ms=$ike_ms mode=host"
