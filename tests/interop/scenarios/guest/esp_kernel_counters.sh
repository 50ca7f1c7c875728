#!/bin/bash
# esp/ kernel path in the emulated kernel (issue 5): the probe accepts an
# ESP-in-UDP state (so datapath=auto picks the kernel), a hand-made SA pair
# installed by esp/ (tests/esp/esp_xfrm_tool, our reqid tag, libnl-xfrm)
# carries UDP 1701 <-> 1701 between two namespaces with the gateway's XFRM
# counters rising, SIGTERM removes exactly what was installed, and after
# kill -9 the next start's cleanup removes the leftovers.
# Needs a build dir: L2TPSEC_BUILDDIR (default .) with tests/esp/esp_xfrm_tool
# (built by make check). ESP_KERNEL_ALGS=all: every algorithm of the issue.
. "$(dirname "$0")/../../lib/scenario.sh"
rig_init esp_kernel_counters
rig_need ip iproute2 python3 python3 timeout coreutils
TOOL=${L2TPSEC_BUILDDIR:-.}/tests/esp/esp_xfrm_tool
DP_TEST=${L2TPSEC_BUILDDIR:-.}/tests/unit/test_esp_datapath
[ -x "$TOOL" ] || rig_skip "esp_xfrm_tool not built at $TOOL (make check builds it)"

rig_in_guest && modprobe -a -q veth esp4 xfrm_user authenc echainiv seqiv cbc ctr gcm \
	ghash_generic aes_generic des_generic md5 sha1_generic sha256_generic sha512_generic \
	hmac 2>/dev/null
rig_netns_add espc
rig_netns_add espg
C=$(rig_ns espc)
G=$(rig_ns espg)
rig_veth espc e0 espg e1
ip -n "$C" addr add 10.99.0.2/24 dev e0
ip -n "$G" addr add 10.99.0.1/24 dev e1

out=$(ip netns exec "$C" "$TOOL" probe) || rig_fail "kernel probe failed: $out"
rig_log "probe: $out"
if [ -x "$DP_TEST" ]; then
	# test_auto_choice_on_this_host asserts the kernel path when the probe works.
	ip netns exec "$C" env CMOCKA_MESSAGE_OUTPUT=TAP "$DP_TEST" >"$RIG_LOGDIR/dp_test.tap" 2>&1 ||
		rig_fail "test_esp_datapath failed in the guest (see dp_test.tap)"
fi

hexkey() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }
# config_pair CIPHER AUTH KEYLEN AUTHKEYLEN: sets cli_cfg and gw_cfg (mirrored).
config_pair() {
	local ki ko ai="" ao="" spi_c=c0000001 spi_g=c0000002
	ki=$(hexkey "$3")
	ko=$(hexkey "$3")
	[ "$4" -gt 0 ] && ai=$(hexkey "$4") && ao=$(hexkey "$4")
	cli_cfg="local=10.99.0.2:4500
remote=10.99.0.1:4500
l2tp_local=1701
l2tp_remote=1701
spi_in=$spi_c
spi_out=$spi_g
cipher=$1
auth=$2
key_in=$ki
key_out=$ko
${ai:+authkey_in=$ai
authkey_out=$ao
}encap=yes"
	gw_cfg="local=10.99.0.1:4500
remote=10.99.0.2:4500
l2tp_local=1701
l2tp_remote=1701
spi_in=$spi_g
spi_out=$spi_c
cipher=$1
auth=$2
key_in=$ko
key_out=$ki
${ai:+authkey_in=$ao
authkey_out=$ai
}encap=yes"
}

start_tool() { # NS NAME CFG; sets TOOL_PID
	ip netns exec "$1" "$TOOL" install <<<"$3" >"$RIG_LOGDIR/$2.out" 2>&1 &
	TOOL_PID=$!
	rig_track "$TOOL_PID" "$2"
	rig_wait_for 60 grep -q installed "$RIG_LOGDIR/$2.out" ||
		rig_fail "$2: install failed: $(cat "$RIG_LOGDIR/$2.out")"
}

# send_five NAME: five L2TP-port datagrams client -> gateway; the gateway must
# receive them in clear after decapsulation, through its inbound state.
send_five() {
	rm -f "$RIG_DIR/rx.ready"
	ip netns exec "$G" timeout 30 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.99.0.1", 1701)); s.settimeout(10)
open(sys.argv[1], "w").close()
n = 0
try:
    while n < 5:
        d, a = s.recvfrom(2048)
        if d.startswith(b"l2tp-") and a == ("10.99.0.2", 1701): n += 1
except socket.timeout:
    pass
print(n)' "$RIG_DIR/rx.ready" >"$RIG_LOGDIR/received.$1.txt" &
	local rpid=$!
	rig_wait_for 20 test -e "$RIG_DIR/rx.ready" || rig_fail "$1: receiver did not start"
	ip netns exec "$C" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.99.0.2", 1701))
for i in range(5): s.sendto(b"l2tp-%d" % i, ("10.99.0.1", 1701))'
	wait "$rpid"
	received=$(cat "$RIG_LOGDIR/received.$1.txt")
	[ "$received" = 5 ] || rig_fail "$1: gateway received $received of 5 datagrams"
	ip netns exec "$G" "$TOOL" list >"$RIG_LOGDIR/gw_list.$1.txt"
	gw_in_packets=$(sed -n 's/^state spi=0xc0000002 .*packets=\([0-9]*\).*/\1/p' \
		"$RIG_LOGDIR/gw_list.$1.txt")
	[ "${gw_in_packets:-0}" -ge 5 ] ||
		rig_fail "$1: gateway inbound state counted ${gw_in_packets:-0} packets"
	rig_log "$1: 5 datagrams through the kernel SAs, gateway counted $gw_in_packets"
}

# Every algorithm of the issue, one pair at a time (SIGTERM between them
# must leave nothing behind).
# Under QEMU TCG each pair costs ~10 s (module loading, python start-up), so by
# default a representative four; ESP_KERNEL_ALGS=all runs all ten.
if [ "${ESP_KERNEL_ALGS:-}" = all ]; then
	algs="aes:md5:16:16 aes:sha1:24:20 aes:sha256:32:32 aes:sha256_96:16:32 aes:sha384:24:48
aes:sha512:32:64 3des:sha1:24:20 3des:md5:24:16 aes-gcm:none:20:0 aes-gcm:none:36:0"
else
	algs="aes:sha1:16:20 aes:sha256:32:32 3des:sha1:24:20 aes-gcm:none:36:0"
fi
passed=0
for alg in $algs; do
	IFS=: read -r cipher auth klen alen <<<"$alg"
	case $cipher in
	aes-gcm) name="aes$(((klen - 4) * 8))gcm16" ;;
	*) name="$cipher$((klen * 8))-$auth" ;;
	esac
	config_pair "$cipher" "$auth" "$klen" "$alen"
	start_tool "$C" client "$cli_cfg"
	cpid=$TOOL_PID
	start_tool "$G" gateway "$gw_cfg"
	gpid=$TOOL_PID
	send_five "$name"
	passed=$((passed + 1))
	[ "$alg" = "aes-gcm:none:36:0" ] && break # the last pair stays for the checks below
	kill -TERM "$cpid" "$gpid"
	wait "$cpid" "$gpid" 2>/dev/null
	[ -z "$(ip -n "$C" xfrm state)$(ip -n "$G" xfrm state)" ] || rig_fail "$name: states left"
done
ip netns exec "$C" "$TOOL" list >"$RIG_LOGDIR/cli_list.txt"

# SIGTERM: exactly our objects go away.
kill -TERM "$gpid"
wait "$gpid" 2>/dev/null
[ -z "$(ip -n "$G" xfrm state)" ] || rig_fail "gateway states left after SIGTERM"
[ -z "$(ip -n "$G" xfrm policy)" ] || rig_fail "gateway policies left after SIGTERM"

# kill -9: leftovers stay until the next start cleans them up; a foreign
# state (another daemon's reqid) must survive that cleanup.
ip -n "$C" xfrm state add src 10.99.0.2 dst 10.99.0.9 proto esp spi 0x500 mode transport \
	reqid 1 enc 'cbc(aes)' 0x00112233445566778899aabbccddeeff \
	auth-trunc 'hmac(sha1)' 0x0011223344556677889900112233445566778899 96
kill -KILL "$cpid"
wait "$cpid" 2>/dev/null
left=$(ip -n "$C" xfrm state | grep -c '^src')
[ "$left" = 3 ] || rig_fail "expected 2 leftover states + 1 foreign after kill -9, got $left"
out=$(ip netns exec "$C" "$TOOL" cleanup)
[ "$out" = "removed 4" ] || rig_fail "cleanup after kill -9: '$out' (want 2 states + 2 policies)"
[ "$(ip -n "$C" xfrm state | grep -c '^src')" = 1 ] || rig_fail "cleanup removed too much or too little"
ip -n "$C" xfrm state | grep -q 'spi 0x00000500' || rig_fail "foreign state was removed"
[ -z "$(ip -n "$C" xfrm policy)" ] || rig_fail "client policies left after cleanup"
rig_result "algorithms=$passed received=$received gw_in_packets=$gw_in_packets" \
	"kernel=$(uname -r) leftovers=$left"
