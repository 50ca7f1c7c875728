#!/bin/bash
# IKE against strongSwan charon in this machine's own kernel:
#
#   client (10.1.0.2) -- nat (10.1.0.1 | 172.16.0.1, MASQUERADE) -- gw (172.16.0.2, .3)
#   direct (172.18.0.2) ------------------------------------------- gw (172.18.0.1)
#
# "direct" reaches the gateway without a NAT (forced UDP encapsulation);
# 172.16.0.3 is a second gateway address for two sessions at once; 172.16.0.4
# one whose charon reauthenticates every 6 s; 172.16.0.5 one whose traffic
# the NAT strips of IP fragments (certificates too big for one datagram:
# IKE fragmentation needed); 172.16.0.6 one with an ECDSA certificate.
#
# charon (kernel-libipsec) answers as IKEv1 responder in the gw namespace, in
# its own mount namespace (test-rig.md gotchas 5 and 6). tests/ike/ike-connect
# runs in the client namespace for each case. Main Mode and Quick Mode must
# complete; installing the transport SA then fails on charon's side
# ("unsupported mode") in this kernel, which is expected.
#
# Usage: run-host-tests.sh [BUILDDIR]   (root; prints TAP and "N passed, N failed")
set -u

SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
BUILDDIR=${1:-${BUILDDIR:-$SRCDIR/build}}
PROBE=$BUILDDIR/tests/ike/ike-connect
CHARON=${CHARON:-/usr/lib/ipsec/charon}
PFX=ike$$
NS_C=$PFX-client NS_N=$PFX-nat NS_G=$PFX-gw NS_D=$PFX-direct
WORK=$(mktemp -d /tmp/ike-host.XXXXXX)
HOLDER_PID= CHARON_PID=
PASS=0 FAIL=0 N=0

cleanup() {
	[ -n "$CHARON_PID" ] && kill "$CHARON_PID" 2>/dev/null
	[ -n "$HOLDER_PID" ] && kill "$HOLDER_PID" 2>/dev/null
	sleep 0.2
	for ns in "$NS_C" "$NS_N" "$NS_G" "$NS_D"; do ip netns del "$ns" 2>/dev/null; done
	if [ -n "${KEEP_WORK:-}" ]; then echo "# work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "Bail out! $*"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root"; exit 0; }
[ -x "$CHARON" ] || { echo "1..0 # SKIP no charon at $CHARON"; exit 0; }
[ -x "$PROBE" ] || die "build $PROBE first"

# ---- topology ----
for ns in "$NS_C" "$NS_N" "$NS_G" "$NS_D"; do
	ip netns add "$ns" || die "ip netns add $ns"
	ip -n "$ns" link set lo up
done
ip link add lan netns "$NS_C" type veth peer name lan netns "$NS_N" || die veth
ip link add wan netns "$NS_N" type veth peer name wan netns "$NS_G" || die veth
ip -n "$NS_C" addr add 10.1.0.2/24 dev lan && ip -n "$NS_C" link set lan up
ip -n "$NS_C" route add default via 10.1.0.1
ip -n "$NS_N" addr add 10.1.0.1/24 dev lan && ip -n "$NS_N" link set lan up
ip -n "$NS_N" addr add 172.16.0.1/24 dev wan && ip -n "$NS_N" link set wan up
ip -n "$NS_G" addr add 172.16.0.2/24 dev wan && ip -n "$NS_G" link set wan up
ip -n "$NS_G" addr add 172.16.0.3/24 dev wan
ip -n "$NS_G" addr add 172.16.0.4/24 dev wan
ip -n "$NS_G" addr add 172.16.0.5/24 dev wan
ip -n "$NS_G" addr add 172.16.0.6/24 dev wan
ip link add dir netns "$NS_D" type veth peer name dir netns "$NS_G" || die veth
ip -n "$NS_D" addr add 172.18.0.2/24 dev dir && ip -n "$NS_D" link set dir up
ip -n "$NS_G" addr add 172.18.0.1/24 dev dir && ip -n "$NS_G" link set dir up
ip netns exec "$NS_N" sysctl -qw net.ipv4.ip_forward=1
ip netns exec "$NS_N" iptables-legacy -t nat -A POSTROUTING -o wan -j MASQUERADE ||
	ip netns exec "$NS_N" nft -f - <<'EOF' || die "NAT setup"
table ip nat { chain post { type nat hook postrouting priority 100; oifname "wan" masquerade; } }
EOF
# A NAT that drops IP fragments (many home routers and carrier NATs do), for
# 172.16.0.5 only: before conntrack's reassembly (priority -400) sees them.
ip netns exec "$NS_N" nft -f - <<'EOF' || die "fragment drop rule"
table ip fragdrop {
	chain pre {
		type filter hook prerouting priority -450;
		ip daddr 172.16.0.5 ip frag-off & 0x3fff != 0 counter drop
		ip saddr 172.16.0.5 ip frag-off & 0x3fff != 0 counter drop
	}
}
EOF

# ---- credentials ----
mkdir -p "$WORK"/etc/swanctl/{x509,x509ca,private,ecdsa,conf.d} "$WORK/run"
printf 'l2tpsec-test-psk-%s' "$$" >"$WORK/psk"
chmod 600 "$WORK/psk"
(
	cd "$WORK" || exit 1
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
		-subj "/C=CH/O=l2tpsec test/CN=Test CA" 2>/dev/null &&
	openssl req -newkey rsa:2048 -nodes -keyout gw.key -out gw.csr \
		-subj "/C=CH/O=l2tpsec test/CN=gw.test" 2>/dev/null &&
	printf 'subjectAltName=DNS:gw.test\n' >gw.ext &&
	openssl x509 -req -in gw.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out gw.pem \
		-days 2 -extfile gw.ext 2>/dev/null &&
	openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr \
		-subj "/C=CH/O=l2tpsec test/CN=client" 2>/dev/null &&
	openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
		-out client.pem -days 2 2>/dev/null &&
	openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.pem \
		-days 2 -subj "/C=CH/O=somebody else/CN=Other CA" 2>/dev/null &&
	# Certificates with 40 more names: MM5 and MM6 then exceed 2 KB,
	# more than one unfragmented datagram.
	big_san=$(for i in $(seq 40); do printf ',DNS:host%02d.a-rather-long-name.example' "$i"; done) &&
	printf 'subjectAltName=DNS:gw.test%s\n' "$big_san" >gw-big.ext &&
	printf 'subjectAltName=DNS:client-big.test%s\n' "$big_san" >client-big.ext &&
	openssl x509 -req -in gw.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out gw-big.pem \
		-days 2 -extfile gw-big.ext 2>/dev/null &&
	cp client.key client-big.key &&
	openssl req -new -key client-big.key -out client-big.csr \
		-subj "/C=CH/O=l2tpsec test/CN=client-big" 2>/dev/null &&
	openssl x509 -req -in client-big.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
		-out client-big.pem -days 2 -extfile client-big.ext 2>/dev/null &&
	# ECDSA (RFC 4754): the gateway on P-384, we on P-256, same RSA CA.
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout gw-ec.key \
		-out gw-ec.csr -subj "/C=CH/O=l2tpsec test/CN=gw-ec.test" 2>/dev/null &&
	printf 'subjectAltName=DNS:gw-ec.test\n' >gw-ec.ext &&
	openssl x509 -req -in gw-ec.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out gw-ec.pem \
		-days 2 -extfile gw-ec.ext 2>/dev/null &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout client-ec.key \
		-out client-ec.csr -subj "/C=CH/O=l2tpsec test/CN=client-ec" 2>/dev/null &&
	openssl x509 -req -in client-ec.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
		-out client-ec.pem -days 2 2>/dev/null
) || die "openssl certificates"
cp "$WORK/ca.pem" "$WORK/etc/swanctl/x509ca/"
cp "$WORK/gw.pem" "$WORK/gw-big.pem" "$WORK/gw-ec.pem" "$WORK/etc/swanctl/x509/"
cp "$WORK/gw.key" "$WORK/etc/swanctl/private/"
cp "$WORK/gw-ec.key" "$WORK/etc/swanctl/ecdsa/"

cat >"$WORK/etc/strongswan.conf" <<EOF
charon {
	load = random nonce openssl aes sha1 sha2 md5 hmac gmp pem pkcs1 pkcs8 x509 pubkey kernel-libipsec kernel-netlink socket-default vici
	install_routes = no
	retransmit_tries = 3
	filelog {
		log {
			path = $WORK/charon.log
			time_format = %T
			flush_line = yes
			default = 1
			ike = ${CHARON_IKE_LOG:-2}
			cfg = 2
			net = 1
			enc = 1
			chd = ${CHARON_IKE_LOG:-1}
		}
	}
}
swanctl {
	load = pem pkcs1 pkcs8 x509 pubkey openssl random nonce
}
EOF

cat >"$WORK/etc/swanctl/swanctl.conf" <<EOF
connections {
	psk {
		version = 1
		local_addrs = 172.16.0.2, 172.16.0.3, 172.18.0.1
		proposals = aes128-sha1-modp2048, aes256-sha256-modp2048, 3des-sha1-modp1024, aes128-sha256-ecp256, aes256-sha1-ecp384
		dpd_delay = 30s
		local {
			auth = psk
		}
		remote {
			auth = psk
		}
		children {
			l2tp {
				mode = transport
				local_ts = dynamic[udp/1701]
				remote_ts = dynamic[udp]
				esp_proposals = aes128-sha1, aes256-sha1, aes128-sha256, 3des-sha1, aes128-sha1-modp2048
			}
		}
	}
	reauth {
		# The gateway replaces the ISAKMP SA itself every 6 s (IKEv1
		# reauthentication: its own Main Mode towards us).
		version = 1
		local_addrs = 172.16.0.4
		proposals = aes128-sha1-modp2048
		reauth_time = 6s
		over_time = 30s
		rand_time = 0s
		dpd_delay = 30s
		local {
			auth = psk
		}
		remote {
			auth = psk
		}
		children {
			l2tp {
				mode = transport
				local_ts = dynamic[udp/1701]
				remote_ts = dynamic[udp]
				esp_proposals = aes128-sha1
			}
		}
	}
	certfrag {
		# Only IKE fragments cross the NAT to 172.16.0.5 (charon's
		# default fragment_size, 1280).
		version = 1
		local_addrs = 172.16.0.5
		fragmentation = yes
		proposals = aes256-sha256-modp2048
		local {
			auth = pubkey
			certs = gw-big.pem
			id = gw.test
		}
		remote {
			auth = pubkey
			id = "C=CH, O=l2tpsec test, CN=client-big"
		}
		children {
			l2tp {
				mode = transport
				local_ts = dynamic[udp/1701]
				remote_ts = dynamic[udp]
				esp_proposals = aes128-sha1
			}
		}
	}
	certec {
		version = 1
		local_addrs = 172.16.0.6
		proposals = aes128-sha256-modp2048
		local {
			auth = pubkey
			certs = gw-ec.pem
			id = gw-ec.test
		}
		remote {
			auth = pubkey
			id = "C=CH, O=l2tpsec test, CN=client-ec"
		}
		children {
			l2tp {
				mode = transport
				local_ts = dynamic[udp/1701]
				remote_ts = dynamic[udp]
				esp_proposals = aes128-sha1
			}
		}
	}
	cert {
		version = 1
		local_addrs = 172.16.0.2
		proposals = aes256-sha256-modp2048, aes128-sha1-modp2048
		local {
			auth = pubkey
			certs = gw.pem
			id = gw.test
		}
		remote {
			auth = pubkey
			id = "C=CH, O=l2tpsec test, CN=client"
		}
		children {
			l2tp {
				mode = transport
				local_ts = dynamic[udp/1701]
				remote_ts = dynamic[udp]
				esp_proposals = aes128-sha1, aes256-sha1
			}
		}
	}
}
secrets {
	ike-psk {
		secret = "$(cat "$WORK/psk")"
	}
}
EOF

# ---- charon in gw (own mount namespace) ----
# The holder keeps a mount namespace with our config over /etc and a
# private /run; charon and swanctl are entered into it.
ip netns exec "$NS_G" unshare -m --propagation private sh -c "
	mount --bind '$WORK/etc/strongswan.conf' /etc/strongswan.conf &&
	mount --bind '$WORK/etc/swanctl' /etc/swanctl &&
	mount -t tmpfs tmpfs /run && exec sleep 100000" &
HOLDER_PID=$!
for _ in $(seq 50); do
	[ "$(readlink /proc/$HOLDER_PID/ns/mnt 2>/dev/null)" != "$(readlink /proc/self/ns/mnt)" ] &&
		grep -q "$WORK" /proc/$HOLDER_PID/mountinfo 2>/dev/null &&
		grep -q ' /run ' /proc/$HOLDER_PID/mountinfo && break
	sleep 0.1
done
in_gw() { nsenter -t "$HOLDER_PID" -m -n "$@"; }
# nsenter itself, not the in_gw function, in the background: it execs
# charon, so $! is charon's pid and cleanup() stops it (a backgrounded
# function is a subshell, and killing it left charon running).
nsenter -t "$HOLDER_PID" -m -n "$CHARON" >"$WORK/charon.out" 2>&1 &
CHARON_PID=$!
for _ in $(seq 100); do
	in_gw test -S /run/charon.vici && break
	sleep 0.1
done
in_gw swanctl --load-all >"$WORK/swanctl.out" 2>&1 || { cat "$WORK/swanctl.out"; die "swanctl --load-all"; }

# ---- cases ----
# check NAME EXPECT-REGEX CHARON-REGEX -- probe args...
check() {
	local name=$1 want=$2 gwlog=$3 out mark
	shift 4
	N=$((N + 1))
	if [ -n "${ONLY:-}" ] && [ "$N" != "$ONLY" ]; then echo "ok $N # SKIP not selected"; return; fi
	mark=$(wc -l <"$WORK/charon.log")
	out=$(ip netns exec "${IN_NS:-$NS_C}" "$PROBE" --remote "${REMOTE:-172.16.0.2}" --timeout 20 \
		${PROBE_ARGS:-} "$@" \
		2>"$WORK/probe.$N.log" | tail -n 1)
	if ! printf '%s\n' "$out" | grep -Eq -- "$want"; then
		echo "not ok $N - $name"
		echo "#   got:  $out"
		echo "#   want: $want"
		sed 's/^/#   probe: /' "$WORK/probe.$N.log" | tail -n 15
		tail -n +"$((mark + 1))" "$WORK/charon.log" | sed 's/^/#   charon: /' | tail -n 15
		FAIL=$((FAIL + 1))
		return
	fi
	# charon logs asynchronously: give it a moment to get there.
	for _ in $(seq 30); do
		[ -z "$gwlog" ] && break
		tail -n +"$((mark + 1))" "$WORK/charon.log" | grep -Eq -- "$gwlog" && break
		sleep 0.1
	done
	if [ -n "$gwlog" ] && ! tail -n +"$((mark + 1))" "$WORK/charon.log" | grep -Eq -- "$gwlog"; then
		echo "not ok $N - $name (charon log lacks /$gwlog/)"
		echo "#   got:  $out"
		tail -n +"$((mark + 1))" "$WORK/charon.log" | sed 's/^/#   charon: /' | tail -n 20
		FAIL=$((FAIL + 1))
		return
	fi
	echo "ok $N - $name: $out"
	PASS=$((PASS + 1))
}

PSK=(--psk-file "$WORK/psk")
# charon logs the CHILD_SA as established, or (this kernel) fails installing
# it after Quick Mode completed.
QM_DONE='CHILD_SA l2tp\{[0-9]+\} established|unsupported mode|unable to install (inbound|outbound) IPsec SA'

echo "1..24"
check "psk aes128-sha1-modp2048" \
	'^OK ike=aes128-sha1-modp2048 esp=aes128-sha1 natt=RFC 3947 nat_local=yes' "$QM_DONE" -- \
	"${PSK[@]}" --ike 'aes128-sha1-modp2048!' --esp 'aes128-sha1!'
check "psk aes256-sha256-modp2048" \
	'^OK ike=aes256-sha2_256-modp2048 esp=aes(128|256)-sha1 ' "$QM_DONE" -- \
	"${PSK[@]}" --ike 'aes256-sha256-modp2048!' --esp 'aes256-sha1!'
check "psk 3des-sha1-modp1024" \
	'^OK ike=3des-sha1-modp1024 esp=3des-sha1 ' "$QM_DONE" -- \
	"${PSK[@]}" --ike '3des-sha1-modp1024!' --esp '3des-sha1!'
check "psk ecp256 (aes128-sha256-ecp256)" \
	'^OK ike=aes128-sha2_256-ecp256 ' "$QM_DONE" -- \
	"${PSK[@]}" --ike 'aes128-sha256-ecp256!'
check "psk ecp384 (aes256-sha1-ecp384)" \
	'^OK ike=aes256-sha1-ecp384 ' "$QM_DONE" -- \
	"${PSK[@]}" --ike 'aes256-sha1-ecp384!'
check "psk default proposals, DH 2048 required" \
	'^OK ike=[a-z0-9_]+-[a-z0-9_]+-(modp2048|ecp256|ecp384) ' "$QM_DONE" -- \
	"${PSK[@]}" --dh2048 require
# charon picks by its own order (prefer_configured_proposals): its first
# proposal, aes128-sha1-modp2048, is in our defaults since MikroTik's
# default profile needed it (issue 15)
check "psk default proposals (the gateway's first choice among ours)" \
	'^OK ike=aes128-sha1-modp2048 esp=aes128-sha1 ' "$QM_DONE" -- "${PSK[@]}"
check "psk with PFS modp2048" \
	'^OK ike=aes128-sha1-modp2048 esp=aes128-sha1-modp2048 ' "$QM_DONE" -- \
	"${PSK[@]}" --ike 'aes128-sha1-modp2048!' --esp 'aes128-sha1!' --pfs 14
check "refused IKE proposal names MM1 and NO_PROPOSAL_CHOSEN" \
	'^FAIL IKE failed at MM1: gateway sent NO_PROPOSAL_CHOSEN' 'no proposal found' -- \
	"${PSK[@]}" --ike 'aes192-sha512-modp4096!'
check "refused ESP proposal names QM1 and NO_PROPOSAL_CHOSEN" \
	'^FAIL IKE failed at QM1: gateway sent NO_PROPOSAL_CHOSEN' '' -- \
	"${PSK[@]}" --ike 'aes128-sha1-modp2048!' --esp 'aes256gcm16!'
printf 'wrong-key' >"$WORK/psk.wrong"
check "wrong PSK fails at MM5" \
	'^FAIL IKE failed at MM5: authentication failed: .*wrong pre-shared key' 'PLD_MAL|processing failed' -- --psk-file "$WORK/psk.wrong" --ike 'aes128-sha1-modp2048!'
check "certificates (RSA signatures, CERT/CR, chain and ID check)" \
	'^OK ike=aes256-sha2_256-modp2048 ' "$QM_DONE" -- \
	--cert "$WORK/client.pem" --key "$WORK/client.key" --ca "$WORK/ca.pem" \
	--remote-id fqdn:gw.test --ike 'aes256-sha256-modp2048!' --esp 'aes128-sha1!'

# Through a NAT that drops IP fragments, 2 KB certificate Main Mode
# messages: without IKE fragmentation MM5 never arrives; with it both sides
# fragment (charon logs the fragments of ours it joined).
BIG=(--cert "$WORK/client-big.pem" --key "$WORK/client-big.key" --ca "$WORK/ca.pem"
	--remote-id fqdn:gw.test --ike 'aes256-sha256-modp2048!' --esp 'aes128-sha1!')
REMOTE=172.16.0.5 check "big certificates, IP fragments dropped, no IKE fragmentation: stuck at MM5" \
	'^FAIL timeout in stage MM5' '' -- "${BIG[@]}" --no-fragmentation --timeout 4
REMOTE=172.16.0.5 check "big certificates, IP fragments dropped: IKE fragments both ways" \
	'^OK ike=aes256-sha2_256-modp2048 ' 'reassembled fragmented IKE message' -- "${BIG[@]}"

# ECDSA certificates (RFC 4754): our P-256 key (auth method ECDSA-256),
# the gateway's P-384 one; charon verifies ours and we verify its.
REMOTE=172.16.0.6 check "ECDSA certificates (P-256 ours, P-384 the gateway's)" \
	'^OK ike=aes128-sha2_256-modp2048 ' \
	'authentication of .C=CH, O=l2tpsec test, CN=client-ec. with ECDSA' -- \
	--cert "$WORK/client-ec.pem" --key "$WORK/client-ec.key" --ca "$WORK/ca.pem" \
	--ike 'aes128-sha256-modp2048!' --esp 'aes128-sha1!' --remote-id fqdn:gw-ec.test

# kernel-libipsec makes charon claim to be behind a NAT (fake NAT-D forcing
# UDP encapsulation), so the Windows-style policy 0 must refuse it.
check "NAT policy 0 refuses a gateway behind NAT" \
	'^FAIL IKE failed at MM3: NAT policy: gateway is behind a NAT' '' -- \
	"${PSK[@]}" --ike 'aes128-sha1-modp2048!' --nat-policy 0
check "ike_stop sends deletes" \
	'^STOPPED yes deleted=1' 'received DELETE for (IKE_SA|ISAKMP_SA)|deleting IKE_SA' -- \
	"${PSK[@]}" --ike 'aes128-sha1-modp2048!' --stop
check "R-U-THERE right after Quick Mode is answered (L2TP waits for it)" \
	'^PING answered' '' -- "${PSK[@]}" --ike 'aes128-sha1-modp2048!' --ping


# No NAT between us and the gateway: forced encapsulation makes charon see
# us behind a NAT (our NAT-D of ourselves is random), we float to 4500 and
# the SA pair is UDP-encapsulated (Quick Mode only completes when charon
# answers with the UDP-encapsulated transport value we sent).
IN_NS=$NS_D REMOTE=172.18.0.1 check "forced UDP encapsulation without a NAT" \
	'^OK ike=aes128-sha1-modp2048 .* nat_local=no .* encap=udp ports=500/4500$' \
	'remote host is behind NAT' -- "${PSK[@]}" --ike 'aes128-sha1-modp2048!' --force-encaps
check "two sessions to two gateways at once share 500/4500" \
	'^BOTH OK ports=500/4500,500/4500$' '' -- \
	"${PSK[@]}" --ike 'aes128-sha1-modp2048!' --remote2 172.16.0.3
check "500/4500 held without SO_REUSEADDR: ephemeral ports" \
	'^OK ike=aes128-sha1-modp2048 .* encap=udp ports=[1-9][0-9]{3,4}/[1-9][0-9]{3,4}$' \
	"$QM_DONE" -- "${PSK[@]}" --ike 'aes128-sha1-modp2048!' --hold-ports
check "gateway certificate from another CA fails at MM5" \
	'^FAIL IKE failed at MM5: authentication failed: gateway certificate chain does not verify' \
	'' -- --cert "$WORK/client.pem" --key "$WORK/client.key" --ca "$WORK/other-ca.pem" \
	--remote-id fqdn:gw.test --ike 'aes256-sha256-modp2048!' --esp 'aes128-sha1!'

# charon reauthenticates every 6 s with a Main Mode of its own: we answer
# as responder and stay up (the old ISAKMP SA is deleted by charon).
REMOTE=172.16.0.4 check "gateway reauthenticates: we answer its Main Modes" \
	'^OK ike=aes128-sha1-modp2048 .* ike_rekeys=[2-9] ' \
	'IKE_SA reauth\[[0-9]+\] established between 172.16.0.4.*10.1.0.2' -- \
	"${PSK[@]}" --ike 'aes128-sha1-modp2048!' --esp 'aes128-sha1!' --hold 20

# Our own rekeys against charon: ESP lifetime 6 s rekeyed 2 s early, the
# ISAKMP SA (lifetime 10 s) by a new Main Mode of ours, make before break.
check "our rekeys: Quick Modes every 4 s, Main Modes every 8 s" \
	'^OK ike=aes128-sha1-modp2048 .* rekeys=[3-9] ike_rekeys=[1-9] ' \
	'received DELETE for (IKE_SA|ISAKMP_SA)' -- \
	"${PSK[@]}" --ike 'aes128-sha1-modp2048!' --esp 'aes128-sha1!' --ipsec-life 6 \
	--ike-life 10 --rekey-margin 2 --hold 20

echo "# charon log: $WORK/charon.log"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
