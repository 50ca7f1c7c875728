#!/bin/bash
# L2TP engine against xl2tpd as LNS, in this machine's own kernel (no PPP:
# xl2tpd's pppd fails on /dev/ppp and the LNS then disconnects the call,
# which is the expected end). Two network namespaces joined by a veth pair:
#
#   client (10.99.0.1) ---- gw (10.99.0.2: xl2tpd on 1701, lossy relay on 1702)
#
# Usage (root): tests/l2tp/run-host-tests.sh [BUILD_DIR]
# BUILD_DIR holds tests/l2tp/l2tp_probe and tests/l2tp/lossy_relay
# (default: the current directory). Prints "N passed, N failed"; exit 0 when
# nothing failed, 77 when the prerequisites are missing.
set -u
export LC_ALL=C PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

BUILD=$(cd "${1:-.}" && pwd)
PROBE=$BUILD/tests/l2tp/l2tp_probe
RELAY=$BUILD/tests/l2tp/lossy_relay
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }
for c in xl2tpd ip; do
	command -v $c >/dev/null || { echo "SKIP: $c not installed"; exit 77; }
done
[ -x "$PROBE" ] && [ -x "$RELAY" ] ||
	{ echo "SKIP: build tests/l2tp/l2tp_probe and tests/l2tp/lossy_relay first"; exit 77; }

T=$(mktemp -d /tmp/l2tp-host.XXXXXX)
NS_C=l2tpt-c-$$
NS_G=l2tpt-g-$$
GW=10.99.0.2
PIDS=()
PASS=0
FAIL=0

log() { printf '%s\n' "$*" >&2; }

stop_pids() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null
	done
	PIDS=()
}

cleanup() {
	stop_pids
	ip netns del "$NS_C" 2>/dev/null
	ip netns del "$NS_G" 2>/dev/null
	if [ "$FAIL" -gt 0 ] && [ -z "${KEEP:-}" ]; then
		log "logs kept in $T"
	elif [ -z "${KEEP:-}" ]; then
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$NS_C" && ip netns add "$NS_G" || exit 1
ip link add l2c0 netns "$NS_C" type veth peer name l2g0 netns "$NS_G" || exit 1
ip -n "$NS_C" addr add 10.99.0.1/24 dev l2c0
ip -n "$NS_G" addr add $GW/24 dev l2g0
for ns in "$NS_C" "$NS_G"; do ip -n "$ns" link set lo up; done
ip -n "$NS_C" link set l2c0 up
ip -n "$NS_G" link set l2g0 up

# start_lns NAME [SECRET]: a fresh xl2tpd with its own config directory.
start_lns() {
	local d=$T/$1 secret=${2:-}
	mkdir -p "$d"
	{
		echo "[global]"
		echo "port = 1701"
		echo "listen-addr = $GW"
		echo "access control = no"
		echo "auth file = $d/l2tp-secrets"
		echo "debug tunnel = yes"
		echo "debug avp = yes"
		echo "[lns default]"
		echo "ip range = 192.168.42.10-192.168.42.20"
		echo "local ip = 192.168.42.1"
		echo "require authentication = no"
		echo "name = gw"
		echo "pppoptfile = $d/options.xl2tpd"
		echo "length bit = yes"
		# Note: xl2tpd 1.3.18 hides none of the AVPs a LAC receives even
		# with "hidden bit = yes" (checked with tcpdump); hidden-AVP
		# decoding is covered by tests/unit/test_l2tp_codec instead.
		if [ -n "$secret" ]; then
			echo "challenge = yes"
			echo "hidden bit = yes"
		fi
	} >"$d/xl2tpd.conf"
	echo "noauth" >"$d/options.xl2tpd"
	(umask 077; if [ -n "$secret" ]; then printf '* * %s\n' "$secret"; fi >"$d/l2tp-secrets")
	ip netns exec "$NS_G" xl2tpd -D -c "$d/xl2tpd.conf" -p "$d/xl2tpd.pid" -C "$d/control" \
		>"$d/xl2tpd.log" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 50); do
		ip netns exec "$NS_G" ss -Huln "sport = :1701" 2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	log "xl2tpd did not start"; cat "$d/xl2tpd.log" >&2
	return 1
}

# check NAME REGEX [probe args...]: run the probe, match its RESULT line.
check() {
	local name=$1 want=$2; shift 2
	local out=$T/$name.probe
	timeout 90 ip netns exec "$NS_C" "$PROBE" --peer $GW "$@" >"$out" 2>"$out.log"
	local line; line=$(grep '^RESULT' "$out" | tail -n 1)
	if [[ "$line" =~ $want ]]; then
		PASS=$((PASS + 1)); echo "ok - $name"
	else
		FAIL=$((FAIL + 1)); echo "not ok - $name"
		log "  want: $want"; log "  got:  ${line:-<no result line>}"
		tail -n 20 "$out.log" | sed 's/^/  | /' >&2
	fi
}

# lns_log_has NAME REGEX: what xl2tpd saw.
lns_log_has() {
	if grep -Eq "$2" "$T/$1/xl2tpd.log"; then
		PASS=$((PASS + 1)); echo "ok - $1: LNS log shows /$2/"
	else
		FAIL=$((FAIL + 1)); echo "not ok - $1: LNS log lacks /$2/"
	fi
}

SECRET_FILE=$T/secret.key
printf '%s' 'tunnel-s3cret' >"$SECRET_FILE"
printf '%s' 'not-the-secret' >"$T/wrong"
chmod 600 "$SECRET_FILE" "$T/wrong"
UP_PEER='up=1 .*closed_by=peer .*result=[0-9]+ .*LNS disconnected the call'

start_lns plain || exit 1
check port1701 "up=1 .*port=1701 .*closed_by=peer .*LNS disconnected the call" --port 1701 --hold 10
check ephemeral 'up=1 kapi=[0-9]+ tunnel=[0-9]+/[0-9]+ session=[0-9]+/[0-9]+ port=([0-9]{4,5}) .*closed_by=peer' \
	--port ephemeral --hold 10
if grep -q ' port=1701 ' "$T/ephemeral.probe"; then
	FAIL=$((FAIL + 1)); echo "not ok - ephemeral port is not 1701"
else
	PASS=$((PASS + 1)); echo "ok - ephemeral port is not 1701"
fi
check auto 'up=1 .*port=1701 ' --port auto --hold 10
check local-stop 'up=1 .*closed_by=local clean=1 result=1 ' --hold 0
lns_log_has plain 'Call established with 10\.99\.0\.1'
lns_log_has plain 'General request to clear control connection'
check kernel-refused 'up=0 closed_by=start' --mode kernel
stop_pids

start_lns secret tunnel-s3cret || exit 1
check secret "$UP_PEER" --secret-file "$SECRET_FILE" --hold 10
check secret-ephemeral "$UP_PEER" --secret-file "$SECRET_FILE" --port ephemeral --hold 10
check wrong-secret 'up=0 .*closed_by=failure .*result=4 .*wrong tunnel secret' \
	--secret-file "$T/wrong" --rtx-ms 300
check no-secret 'up=0 .*result=4 .*no tunnel secret' --rtx-ms 300
lns_log_has secret 'Call established with 10\.99\.0\.1'
stop_pids

# 20% loss, 5% duplication, 10% reordering in both directions.
start_lns lossy tunnel-s3cret || exit 1
for seed in 1 2 3 4; do
	ip netns exec "$NS_G" "$RELAY" $GW 1702 $GW 1701 20 5 10 $seed 2>"$T/relay.$seed.log" &
	rpid=$!
	PIDS+=($rpid)
	sleep 0.2
	check "loss20-seed$seed" 'up=1 .*closed_by=peer' --peer-port 1702 --port ephemeral \
		--secret-file "$SECRET_FILE" --rtx-ms 250 --tries 8 --hold 10
	kill "$rpid" 2>/dev/null; wait "$rpid" 2>/dev/null
done
total_rtx=$(grep -ho 'retrans=[0-9]*' "$T"/loss20-seed*.probe | awk -F= '{s += $2} END {print s + 0}')
dropped=$(grep -ho 'dropped [0-9]*' "$T"/relay.*.log | awk '{s += $2} END {print s + 0}')
if [ "${total_rtx:-0}" -gt 0 ] && [ "${dropped:-0}" -gt 0 ]; then
	PASS=$((PASS + 1)); echo "ok - loss was real: $dropped dropped, $total_rtx retransmitted"
else
	FAIL=$((FAIL + 1)); echo "not ok - loss was real (dropped=${dropped:-0} rtx=${total_rtx:-0})"
fi
stop_pids

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
