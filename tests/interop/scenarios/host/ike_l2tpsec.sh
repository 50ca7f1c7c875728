#!/bin/bash
# Host mode (no emulation): the project's own IKEv1 initiator (ike/, driven by
# tests/ike/ike-connect) against the rig's charon responder (kernel-libipsec)
# through the MASQUERADE NAT.
# Proves: Main Mode with NAT-D and the float to UDP 4500 (non-ESP marker),
# Quick Mode with UDP-encapsulated transport and NAT-OA complete with PSK,
# then with RSA certificates from the rig's CA; a refused proposal is
# reported as "IKE failed at MM1: gateway sent NO_PROPOSAL_CHOSEN". The gw's
# transport SA install then fails in kernel-libipsec ("unsupported mode") -
# expected on a kernel without ESP.
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
rig_log "l2tpsec IKE: Main Mode + Quick Mode through NAT OK (gw SA install fails: no kernel ESP, expected)"
rig_result "ike_ms=$ike_ms mode=host"
