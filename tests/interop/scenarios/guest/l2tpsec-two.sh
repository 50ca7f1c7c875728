#!/bin/bash
# Two profiles connected at once, to two gateways (two addresses of the gw
# namespace, each with its own xl2tpd), on the kernel path: two IKE sessions
# sharing UDP 500/4500, two L2TP tunnels sharing port 1701, two pppd, and
# neither disturbs the other; then one disconnects and the other stays up.
. "$(dirname "$0")/../../lib/scenario.sh"
. "$(dirname "$0")/../../lib/l2tpsec.sh"

rig_init l2tpsec-two
rig_need_stack
rig_need_l2tpsec
rig_topo_up
GW2_ADDR=172.16.0.3
rig_in gw ip addr add "$GW2_ADDR/24" dev eth0
GW_LOCAL_ADDR="$GW_LOCAL_ADDR,$GW2_ADDR" rig_gw_charon
GW_XL2TPD_ADDR=$GW_LOCAL_ADDR rig_gw_xl2tpd
# the second LNS: its own config, pid and control files, another pool
gwd=$(rig_role_dir gw)
sed -e "s/^listen-addr = .*/listen-addr = $GW2_ADDR/" \
	-e "s/^ip range = .*/ip range = 192.168.42.30-192.168.42.40/" \
	"$gwd/etc/xl2tpd/xl2tpd.conf" >"$gwd/etc/xl2tpd/xl2tpd2.conf"
rig_bg gw xl2tpd2 xl2tpd -D -c /etc/xl2tpd/xl2tpd2.conf -s /etc/xl2tpd/l2tp-secrets \
	-p /run/xl2tpd2.pid -C /run/xl2tpd/l2tp-control2
rig_wait_for 20 test -p "$gwd/run/xl2tpd/l2tp-control2" || rig_fail "gw: second xl2tpd did not start"

export L2TPSEC_DATAPATH=auto
rig_l2tpsec_up
first_if=$CLIENT_PPP_IF first_pid=$L2TPSEC_PID
d=$(rig_role_dir client)
# the second profile: a full tunnel too (issue 17: both sets of 0/1 + 128/1
# and IPv6 prohibit routes side by side), DNS left to the first
umask 077
cat >"$d/second.conf" <<CONF
[gateway]
host = $GW2_ADDR

[ipsec]
psk-file = $d/psk

[ppp]
user = $GW_USER
password-file = $d/password

[network]
default-route = yes
dns = no
CONF
umask 022
log2="$RIG_LOGDIR/client-l2tpsec2.log"
# the second one with --background: connect returns 0 once PPP is up and
# prints the connected line; the tunnel stays with a detached process
rig_in client timeout 90 "$L2TPSEC_BIN" connect "$d/second.conf" --name rig2 \
	--run-dir "$L2TPSEC_RUN_DIR" --background >"$log2" 2>&1 ||
	{ cat "$log2" >&2; rig_fail "connect --background failed (exit $?)"; }
grep -q '^connected ' "$log2" || rig_fail "connect --background printed no connected line"
rig_l2tpsec status rig2 >/dev/null || rig_fail "the backgrounded connection is not running"
second_pid=""
for p in /proc/[0-9]*; do
	tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -q -- '--name rig2' && second_pid=${p#/proc/}
done
[ -n "$second_pid" ] || rig_fail "no detached l2tpsec process for rig2"
rig_track "$second_pid" client-l2tpsec2
read -r _ _ _ second_if _ second_addr _ second_peer < <(grep '^connected ' "$log2")
[ "$second_if" != "$first_if" ] || rig_fail "both connections on $first_if"
case $second_addr in 192.168.42.3[0-9] | 192.168.42.40) ;; *) rig_fail "second address $second_addr not from the second pool" ;; esac
rig_log "two connections: $first_if $CLIENT_PPP_ADDR via $GW_PUBLIC_ADDR, $second_if $second_addr via $GW2_ADDR"

# both carry traffic, each through its own tunnel and SA
rig_in client "${RIG_PING[@]}" -c 2 -W 3 -I "$first_if" "$PPP_GW_ADDR" >/dev/null || rig_fail "ping over $first_if failed"
rig_in client "${RIG_PING[@]}" -c 2 -W 3 -I "$second_if" "$PPP_GW_ADDR" >/dev/null || rig_fail "ping over $second_if failed"
n=$(rig_in gw swanctl --list-sas | grep -c 'INSTALLED, TRANSPORT-in-UDP')
[ "$n" -ge 2 ] || rig_fail "the gateway has $n transport SAs, not 2"
# each connection's full-tunnel routes are its own (a metric per connection)
count_routes() { # FAMILY PATTERN: how many of our routes match
	rig_in client ip "$1" route show proto 157 | grep -c -- "$2"
}
has_v6=0
rig_in client test -e /proc/net/if_inet6 && has_v6=1
[ "$(count_routes -4 '^0.0.0.0/1 ')" = 2 ] && [ "$(count_routes -4 '^128.0.0.0/1 ')" = 2 ] ||
	rig_fail "not both connections' 0/1 + 128/1: $(rig_in client ip -4 route show proto 157 | tr '\n' ';')"
[ $has_v6 = 0 ] || [ "$(count_routes -6 '^prohibit ::/1 ')" = 2 ] ||
	rig_fail "not both connections' IPv6 prohibit routes: $(rig_in client ip -6 route show proto 157 | tr '\n' ';')"
rig_l2tpsec status --json >"$RIG_LOGDIR/client-status-two.json"
grep -q '"name":"rig"' "$RIG_LOGDIR/client-status-two.json" &&
	grep -q '"name":"rig2"' "$RIG_LOGDIR/client-status-two.json" || rig_fail "status does not list both"

# log levels change at run time, per connection and subsystem
out=$(rig_l2tpsec log rig2 debug ike) && [ "$out" = ok ] || rig_fail "l2tpsec log: '$out'"
rig_wait_for 30 grep -q 'log level of ike set to debug' "$log2" || rig_fail "rig2 did not change its log level"
rig_l2tpsec log rig2 loud >/dev/null 2>&1 && rig_fail "l2tpsec log accepted a bad level"

# the second leaves; the first is untouched
rig_l2tpsec disconnect rig2 >/dev/null || rig_fail "disconnect rig2 failed"
rig_wait_for 30 eval '! kill -0 '"$second_pid"' 2>/dev/null' || rig_fail "rig2 still running"
! rig_in client ip link show "$second_if" >/dev/null 2>&1 || rig_fail "$second_if left behind"
kill -0 "$first_pid" || rig_fail "the first connection died with the second"
[ "$(count_routes -4 "^0.0.0.0/1 dev $first_if ")" = 1 ] && [ "$(count_routes -4 '^0.0.0.0/1 ')" = 1 ] ||
	rig_fail "the first connection's 0/1 went with the second: $(rig_in client ip -4 route show proto 157 | tr '\n' ';')"
[ $has_v6 = 0 ] || [ "$(count_routes -6 '^prohibit ::/1 ')" = 1 ] ||
	rig_fail "the first connection's IPv6 prohibit routes went with the second"
rig_in client "${RIG_PING[@]}" -c 2 -W 3 -I "$first_if" "$PPP_GW_ADDR" >/dev/null ||
	rig_fail "the first connection stopped working when the second left"
rig_l2tpsec_down
rig_result "connect_ms=$L2TPSEC_CONNECT_MS second=$second_if:$second_addr"
