#!/bin/bash
# Libreswan 4.10 (pluto, IKEv1 responder) + xl2tpd + pppd as the gateway, in
# the configurations users deploy, one boot, the gateway restarted between
# cases; l2tpsec connects with its defaults (no --ike/--esp) on the first try:
#   psk_kernel      PSK, encapsulation=yes, pfs=no, AES-GCM first in phase 2:
#                   the kernel path gets aes256gcm16 (issue 15's default list)
#   psk_userspace   the same on the userspace path
#   cert_userspace  RSA certificates from the rig's CA (NSS database)
#   drafts_kernel   nat-ikev1-method=drafts, as set for Windows XP clients (it
#                   governs the VIDs pluto sends as initiator; as responder it
#                   answers the best one we offer: NAT-T must still be in use)
#   certfrag_kernel RSA certificates with 40 more names each (MM5 and MM6 over
#                   2 KB) through a NAT that drops IP fragments: pluto's
#                   default fragmentation=yes, IKE fragments both ways, none
#                   from us as IP fragments (pluto sends MM6 whole first,
#                   which the NAT drops, then in IKE fragments when our MM5
#                   comes again: ikev1_send.c fragments a resend to a peer
#                   that announced them). First our ECDSA certificate: pluto
#                   drops that MM1 without an answer ("no connection has been
#                   authorized with authby=none"), so l2tpsec would time out
#                   at MM1 after 47 s; the case stops it once pluto logged
#                   that. Libreswan 4.10 has no ECDSA in IKEv1 ("For IKEv1 ...
#                   ECDSA is not implemented", ipsec.conf(5) authby=;
#                   ikev1_spdb_struct.c: "Pluto does not support ...
#                   authentication" for methods 9-11)
# Each case through the NAT: pool address, ping, status, the gateway's
# espinudp transport states carry l2tpsec's SPIs, pluto's SAs established,
# wire only IKE 500/4500 + ESP-in-UDP, nothing left after disconnect.
. "$(dirname "$0")/../../lib/scenario.sh"
. "$(dirname "$0")/../../lib/l2tpsec.sh"
. "$(dirname "$0")/../../lib/libreswan.sh"
. "$(dirname "$0")/../../lib/ikefrag.sh"

# gw_lsw_check ESP NATT: after connecting: the checks, the negotiated ESP
# transform and NAT-T method, then disconnect.
gw_lsw_check() {
	local want_esp=$1 want_natt=$2 esp natt
	rig_l2tpsec_check_up "$L2TPSEC_DATAPATH"
	rig_assert_gw_libreswan_sa
	esp=$(rig_l2tpsec_json .esp.algorithms) natt=$(rig_l2tpsec_json .nat.natt)
	case $esp in $want_esp) ;; *) rig_fail "client: ESP '$esp', expected $want_esp" ;; esac
	case $natt in $want_natt) ;; *) rig_fail "client: NAT-T '$natt', expected $want_natt" ;; esac
	rig_log "client: esp $esp, NAT-T $natt, ike $(rig_l2tpsec_json .ike.algorithms)"
	rig_l2tpsec_check_down
	rig_case_figures "${RIG_CASE}_ms=$L2TPSEC_CONNECT_MS"
}

case_psk_kernel() {
	export L2TPSEC_DATAPATH=kernel
	rig_gw_libreswan_up
	rig_l2tpsec_up
	gw_lsw_check 'aes256gcm16*' 'RFC 3947'
}

case_psk_userspace() {
	export L2TPSEC_DATAPATH=userspace
	rig_gw_libreswan_up
	rig_l2tpsec_up
	gw_lsw_check 'aes256gcm16*' 'RFC 3947'
}

case_cert_userspace() {
	local d p; d=$(rig_role_dir client); p=$d/cert.conf
	export L2TPSEC_DATAPATH=userspace GW_AUTH=cert
	rig_certs_make
	mkdir -p "$d/certs"
	cp "$RIG_CERTS/client.pem" "$RIG_CERTS/ca.pem" "$d/certs/"
	(umask 077; cp "$RIG_CERTS/client.key" "$d/certs/")
	rig_write_secret_file "$d/password" "$GW_PASSWORD"
	rm -f "$p"
	rig_write_secret_file "$p" "# l2tpsec interop rig: certificate profile (Libreswan)
[gateway]
host = $GW_PUBLIC_ADDR

[ipsec]
auth = cert
cert = $d/certs/client.pem
key = $d/certs/client.key
ca = $d/certs/ca.pem

[ppp]
user = $GW_USER
password-file = $d/password"
	export L2TPSEC_PROFILE=$p
	rig_gw_libreswan_up
	rig_l2tpsec_up
	grep -q "authenticated peer .*RSA" "$RIG_LOGDIR/gw-pluto.log" ||
		grep -q "Peer ID is ID_DER_ASN1_DN" "$RIG_LOGDIR/gw-pluto.log" ||
		rig_fail "gw: pluto did not take the client's certificate (see gw-pluto.log)"
	gw_lsw_check 'aes256gcm16*' 'RFC 3947'
}

case_drafts_kernel() {
	export L2TPSEC_DATAPATH=kernel GW_LSW_NATT=drafts
	rig_gw_libreswan_up
	rig_l2tpsec_up
	gw_lsw_check 'aes256gcm16*' '[Rd]*' # RFC 3947 or draft-0x, never none
}

lsw_dropped_ecdsa() {
	grep -q 'initial Main Mode message received but no connection has been authorized with authby=none' \
		"$RIG_LOGDIR/gw-pluto.log" && return 0
	rig_sleep 0.5
	return 1
}

case_certfrag_kernel() {
	local ec pid
	export L2TPSEC_DATAPATH=kernel GW_AUTH=cert GW_CERT=gw-big
	trap rig_nat_keep_ip_fragments EXIT
	rig_nat_drop_ip_fragments
	rig_gw_libreswan_up
	ec=$(rig_l2tpsec_cert_profile ecdsa client-ec)
	rig_bg client l2tpsec-ecdsa "$L2TPSEC_BIN" connect "$ec" --datapath userspace \
		--run-dir "$(rig_role_dir client)/run/l2tpsec" -v
	pid=$RIG_BG_PID
	rig_wait_for 30 lsw_dropped_ecdsa ||
		rig_fail "gw: pluto did not log dropping our ECDSA Main Mode (see gw-pluto.log)"
	rig_stop_pid "$pid"
	grep -q 'MM1: offering' "$RIG_LOGDIR/client-l2tpsec-ecdsa.log" ||
		rig_fail "client: the ECDSA attempt sent no MM1 (see client-l2tpsec-ecdsa.log)"
	rig_log "gw: pluto drops an ECDSA Main Mode unanswered (no IKEv1 ECDSA in Libreswan 4.10)"
	L2TPSEC_PROFILE=$(rig_l2tpsec_cert_profile certfrag client-big)
	export L2TPSEC_PROFILE
	rig_l2tpsec_up
	gw_lsw_check 'aes256gcm16*' 'RFC 3947'
	rig_assert_ike_fragments --gw-ip-fragments-ok
}

rig_cases_setup gw-libreswan
rig_need_libreswan
for c in ${L2TPSEC_CASES:-psk_kernel psk_userspace cert_userspace drafts_kernel certfrag_kernel}; do
	rig_case "$c" "case_$c"
done
rig_cases_end
