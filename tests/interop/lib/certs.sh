# l2tpsec interop rig: test CA and certificates, generated at run time (bash; sourced).
#
# rig_certs_make [DIR]: creates (once) in DIR (default $RIG_DIR/certs):
#   ca.key ca.pem            test CA "CN=l2tpsec test CA"
#   gw.key gw.pem            "CN=gw.l2tpsec.test", SAN gw.l2tpsec.test + the gateway's public IP
#   client.key client.pem    "CN=client.l2tpsec.test", SAN client.l2tpsec.test
#   gw-big.pem               gw.key's, the same names plus 40 long DNS names
#   client-big.pem           client.key's, likewise: MM5/MM6 then exceed 2 KB,
#                            more than one unfragmented datagram (IKE fragments)
#   client-ec.key client-ec.pem  ECDSA P-256 (RFC 4754), "CN=client-ec.l2tpsec.test",
#                            with the 40 names too (an ECDSA Main Mode that fragments)
#   gw-ec.key gw-ec.pem      ECDSA P-384, the gateway's names and the 40 more (IKEv1
#                            has one authentication method for both sides: charon
#                            signs with the method's key type)
# RSA keys (RIG_CERT_KEYSIZE, default 2048), PEM.  Sets RIG_CERTS=DIR.
# If RIG_CERTS_CACHE names a directory that already holds them, they are copied.

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

RIG_CA_DN="C=XX, O=l2tpsec interop rig, CN=l2tpsec test CA"
RIG_GW_DN="C=XX, O=l2tpsec interop rig, CN=gw.l2tpsec.test"
RIG_CLIENT_DN="C=XX, O=l2tpsec interop rig, CN=client.l2tpsec.test"
RIG_CLIENT_EC_DN="C=XX, O=l2tpsec interop rig, CN=client-ec.l2tpsec.test"

rig_certs_make() {
	RIG_CERTS=${1:-${RIG_CERTS:-$RIG_DIR/certs}}
	[ -s "$RIG_CERTS/client.pem" ] && return 0
	mkdir -p "$RIG_CERTS"
	if [ -n "${RIG_CERTS_CACHE:-}" ] && [ -s "$RIG_CERTS_CACHE/client.pem" ]; then
		cp "$RIG_CERTS_CACHE"/*.pem "$RIG_CERTS_CACHE"/*.key "$RIG_CERTS/"
		return 0
	fi
	command -v pki >/dev/null || rig_skip "pki missing (Debian package strongswan-pki)"
	local c=$RIG_CERTS bits=${RIG_CERT_KEYSIZE:-2048} t0; t0=$(rig_now_ms)
	(
		set -e
		cd "$c"
		pki --gen --type rsa --size "$bits" --outform pem >ca.key
		pki --self --ca --lifetime 30 --in ca.key --type rsa --dn "$RIG_CA_DN" --outform pem >ca.pem
		pki --gen --type rsa --size "$bits" --outform pem >gw.key
		pki --pub --in gw.key --type rsa | pki --issue --lifetime 30 --cacert ca.pem --cakey ca.key \
			--dn "$RIG_GW_DN" --san gw.l2tpsec.test --san "${GW_PUBLIC_ADDR:-172.16.0.2}" \
			--flag serverAuth --flag ikeIntermediate --outform pem >gw.pem
		pki --gen --type rsa --size "$bits" --outform pem >client.key
		pki --pub --in client.key --type rsa | pki --issue --lifetime 30 --cacert ca.pem --cakey ca.key \
			--dn "$RIG_CLIENT_DN" --san client.l2tpsec.test --flag clientAuth --outform pem >client.pem
		local big=() i
		for i in $(seq 40); do big+=(--san "host$i.a-rather-long-name.l2tpsec.test"); done
		pki --pub --in gw.key --type rsa | pki --issue --lifetime 30 --cacert ca.pem --cakey ca.key \
			--dn "$RIG_GW_DN" --san gw.l2tpsec.test --san "${GW_PUBLIC_ADDR:-172.16.0.2}" "${big[@]}" \
			--flag serverAuth --flag ikeIntermediate --outform pem >gw-big.pem
		pki --pub --in client.key --type rsa | pki --issue --lifetime 30 --cacert ca.pem --cakey ca.key \
			--dn "$RIG_CLIENT_DN" --san client.l2tpsec.test "${big[@]}" --flag clientAuth \
			--outform pem >client-big.pem
		pki --gen --type ecdsa --size 256 --outform pem >client-ec.key
		pki --pub --in client-ec.key --type ecdsa | pki --issue --lifetime 30 --cacert ca.pem \
			--cakey ca.key --dn "$RIG_CLIENT_EC_DN" --san client-ec.l2tpsec.test "${big[@]}" \
			--flag clientAuth --outform pem >client-ec.pem
		pki --gen --type ecdsa --size 384 --outform pem >gw-ec.key
		pki --pub --in gw-ec.key --type ecdsa | pki --issue --lifetime 30 --cacert ca.pem \
			--cakey ca.key --dn "$RIG_GW_DN" --san gw.l2tpsec.test \
			--san "${GW_PUBLIC_ADDR:-172.16.0.2}" "${big[@]}" --flag serverAuth \
			--flag ikeIntermediate --outform pem >gw-ec.pem
	) >>"$RIG_LOGDIR/certs.log" 2>&1 || rig_fail "certificate generation failed (see certs.log)"
	rig_log "certs: CA + gw + client generated in $(($(rig_now_ms) - t0)) ms"
}
