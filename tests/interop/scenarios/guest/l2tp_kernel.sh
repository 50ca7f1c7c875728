#!/bin/bash
# l2tp/ kernel data path in the emulated kernel (issue 6). The LAC engine
# (tests/l2tp/l2tp_probe --mode kernel) against the rig's xl2tpd LNS (which
# runs pppd here), through the NAT, without IPsec. For each kernel API the
# kernel has (genetlink "l2tp" and/or the PPPoL2TP-socket API):
#   - the engine builds the kernel tunnel + session on its own UDP socket and
#     hands the PPPoL2TP socket to pppd (pppol2tp plugin): ip-up on the
#     client, ping over PPP (so data flows through the kernel), while our
#     control connection keeps running on the same socket;
#   - a graceful stop leaves no tunnel or session in the kernel;
#   - kill -9 of the engine (crash) also leaves nothing behind.
# Needs L2TPSEC_BUILDDIR (default .) with tests/l2tp/l2tp_probe.
. "$(dirname "$0")/../../lib/scenario.sh"
rig_init l2tp_kernel
rig_need xl2tpd xl2tpd pppd ppp ip iproute2
PROBE=${L2TPSEC_BUILDDIR:-.}/tests/l2tp/l2tp_probe
[ -x "$PROBE" ] || rig_skip "l2tp_probe not built at $PROBE"
PROBE=$(cd "$(dirname "$PROBE")" && pwd)/l2tp_probe
rig_in_guest && modprobe -a -q l2tp_ppp l2tp_netlink pppox ppp_generic 2>/dev/null
[ -e /proc/net/pppol2tp ] || modprobe -q l2tp_ppp 2>/dev/null

rig_topo_up
rig_gw_xl2tpd
d=$(rig_role_dir client)
rig_ppp_scripts client
cat >"$d/etc/ppp/probe-options" <<OPTS
noauth
user "$GW_USER"
password "$GW_PASSWORD"
refuse-eap
noccp
mtu 1400
mru 1400
nodefaultroute
lcp-restart 1
OPTS
chmod 600 "$d/etc/ppp/probe-options"
rig_event_open client ppp

apis=()
rig_in client ip l2tp show tunnel >/dev/null 2>&1 && apis+=(genl)
rig_in client test -e /proc/net/pppol2tp && apis+=(pppox)
[ ${#apis[@]} -gt 0 ] || rig_fail "kernel has neither l2tp_netlink nor l2tp_ppp"
rig_log "kernel L2TP APIs here: ${apis[*]}"

kernel_objects() { # lines describing L2TP tunnels/sessions in the client netns
	{
		rig_in client cat /proc/net/pppol2tp 2>/dev/null | grep -E "^(TUNNEL|  SESSION) '"
		rig_in client ip l2tp show tunnel 2>/dev/null
		rig_in client ip l2tp show session 2>/dev/null
	} | grep -c .
}

summary=""
for api in "${apis[@]}" crash; do
	kapi=$api hold=10
	[ "$api" = crash ] && kapi=${apis[0]} hold=60
	t0=$(rig_now_ms)
	rig_bg client "probe-$api" "$PROBE" --peer "$GW_PUBLIC_ADDR" --mode kernel --kapi "$kapi" \
		--pppd /etc/ppp/probe-options --hold $hold --timeout 60
	ppid=$RIG_BG_PID
	rig_event_wait client ppp 40 || rig_fail "$api: no ip-up on the client (see client-probe-$api.log)"
	up_ms=$(($(rig_now_ms) - t0))
	rig_log "$api: $RIG_EVENT after $up_ms ms"
	# the objects first: the probe holds the session $hold s only, and a
	# loaded machine's ping can outlast that
	{
		rig_in client cat /proc/net/pppol2tp
		rig_in client ip l2tp show tunnel
		rig_in client ip l2tp show session
	} >"$RIG_LOGDIR/client-kernel-$api.txt" 2>&1
	n=$(kernel_objects)
	[ "$n" -ge 1 ] || rig_fail "$api: no kernel L2TP objects while up"
	rig_ping_ns "$(rig_ns client)" -c 2 -W 3 "$PPP_GW_ADDR" >"$RIG_LOGDIR/ping-$api.txt" 2>&1 ||
		rig_fail "$api: no ping over PPP"
	if [ "$api" = crash ]; then
		kill -9 "$ppid"
	fi
	_gone() { ! kill -0 "$ppid" 2>/dev/null; }
	rig_wait_for 30 _gone || rig_fail "$api: probe did not end"
	rig_event_wait client ppp 10 # ip-down
	_clean() { [ "$(kernel_objects)" = 0 ]; }
	rig_wait_for 30 _clean || {
		rig_in client cat /proc/net/pppol2tp >"$RIG_LOGDIR/client-left-$api.txt" 2>&1
		rig_fail "$api: kernel L2TP objects left behind"
	}
	if [ "$api" != crash ]; then
		res=$(grep '^RESULT' "$RIG_LOGDIR/client-probe-$api.log")
		[[ $res =~ up=1\ kapi=([0-9]+)\ .*closed_by=local\ clean=1 ]] ||
			rig_fail "$api: probe result: $res"
		want=1; [ "$api" = pppox ] && want=2
		[ "${BASH_REMATCH[1]}" = "$want" ] || rig_fail "$api: engine used kernel API ${BASH_REMATCH[1]}"
	fi
	summary+=" ${api}_up_ms=$up_ms"
done
rig_result "apis=$(IFS=,; echo "${apis[*]}")$summary kernel=$(uname -r)"
