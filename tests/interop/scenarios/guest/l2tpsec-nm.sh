#!/bin/bash
# NetworkManager with nm-l2tpsec-service (issue 19): a real NetworkManager
# and a system D-Bus in the client's namespace, the plugin installed from the
# build tree by `make install` into this guest's throw-away root. The
# connection is made as NetworkManager-l2tp's users make it: `nmcli connection
# add type vpn vpn-type l2tp` with its vpn.data keys, the password agent-owned
# (password-flags=1), the PSK stored (typed into `nmcli connection edit` on
# stdin). `nmcli connection up Office passwd-file FILE`: the plugin's
# need_secrets sends NetworkManager to nmcli, the secret agent, for the
# password; l2tpsec runs (kernel path: XFRM, kernel L2TP, pppd) and
# NetworkManager shows the pool address, the gateway's DNS servers and the
# tunnel's MTU; ping through the tunnel. From before `up` until after `down`
# a scan of every process's argv and environment in the guest finds neither
# secret, nor do NetworkManager's, the plugin's and l2tpsec's logs. `nmcli
# connection down` leaves nothing (no l2tpsec, no pppd, no XFRM state, no
# private directory, the routes as they were). NetworkManager manages only
# the client's eth0 (a VPN needs an active base connection), with the rig's
# own address and route.
. "$(dirname "$0")/../../lib/scenario.sh"
. "$(dirname "$0")/../../lib/l2tpsec.sh"
rig_init l2tpsec-nm
rig_need_stack
rig_need_l2tpsec
rig_need dbus-daemon dbus-daemon make make
build=$(cd "$(dirname "$L2TPSEC_BIN")/.." && pwd)
[ -x "$build/nm/nm-l2tpsec-service" ] ||
	rig_skip "$build/nm/nm-l2tpsec-service not built (configure found no libnm: libnm-dev)"
nm_tree=${RIG_GW_CACHE:-/var/cache/l2tpsec-rig}/network-manager
[ -x "$nm_tree/.unpacked" ] ||
	rig_skip "NetworkManager not unpacked: run tests/interop/lib/gw-unpack.sh (scripts/deps.sh)"

# This guest's root is a tmpfs overlay: what we install lands there and
# vanishes at power-off. NetworkManager runs from the unpacked package (its
# D-Bus policy copied where dbus-daemon reads it); l2tpsec and the plugin
# are installed by make install's own rules (only those targets: the whole
# `make install` takes a minute under TCG).
rig_log "installing NetworkManager's D-Bus policy, make install of l2tpsec and nm-l2tpsec-service"
cp "$nm_tree/usr/share/dbus-1/system.d/org.freedesktop.NetworkManager.conf" /usr/share/dbus-1/system.d/ ||
	rig_fail "cannot install NetworkManager's D-Bus policy"
make -s -C "$build" install-sbinPROGRAMS install-dist_pkglibexecSCRIPTS install-libexecPROGRAMS \
	install-libexecSCRIPTS install-nmvpnserviceDATA install-dbussystemDATA \
	nmvpnservicedir=/usr/lib/NetworkManager/VPN dbussystemdir=/usr/share/dbus-1/system.d \
	>"$RIG_LOGDIR/make-install.log" 2>&1 || rig_fail "make install failed (make-install.log)"
PATH=$nm_tree/usr/sbin:$nm_tree/usr/bin:$PATH
bin=$(sed -n 's/^program=//p' /usr/lib/NetworkManager/VPN/nm-l2tpsec-service.name)
[ -x "$bin" ] || rig_fail "the .name file names $bin, which is not installed"
mkdir -p /etc/NetworkManager/conf.d /etc/NetworkManager/system-connections /var/lib/NetworkManager
cat >/etc/NetworkManager/conf.d/99-rig.conf <<'EOF'
[main]
plugins=keyfile
no-auto-default=*
dns=none
rc-manager=unmanaged
auth-polkit=false
[keyfile]
unmanaged-devices=*,except:interface-name:eth0
[logging]
level=INFO
EOF

rig_topo_up
rig_gw_up
d=$(rig_role_dir client)
# NetworkManager reads devices' attributes in /sys/class/net: the client's
# mount namespace must show the client's devices there.
rig_in client test -e /sys/class/net/eth0 || rig_in client mount -t sysfs sysfs /sys ||
	rig_fail "client: /sys does not show the client's devices"
mkdir -p "$d/run/dbus"
rig_bg client dbus dbus-daemon --system --nofork --nopidfile
rig_wait_for 20 test -S "$d/run/dbus/system_bus_socket" || rig_fail "client: no system D-Bus"
# A writable /sys tells NetworkManager that udev runs and initialises each
# device, which it then waits for forever (eth0 stays "unmanaged"): in its
# own mount namespace /sys is read-only, as in a container.
rig_bg client nm unshare -m --propagation private sh -c \
	'mount -o remount,bind,ro /sys && exec NetworkManager --no-daemon --debug'
NM_PID=$RIG_BG_PID
nm_up() { rig_in client nmcli -t general status >/dev/null 2>&1; }
rig_wait_for 60 nm_up || rig_fail "client: NetworkManager did not answer on D-Bus (client-nm.log)"
nmc() { rig_in client nmcli "$@" 2>&1 | tee -a "$RIG_LOGDIR/client-nmcli.log"; return "${PIPESTATUS[0]}"; }
nm_devices() { rig_in client nmcli device >>"$RIG_LOGDIR/client-nmcli.log" 2>&1; }

# The base connection: eth0 as the rig set it up, now NetworkManager's.
nmc connection add type ethernet ifname eth0 con-name rig-lan autoconnect no \
	ipv4.method manual ipv4.addresses "$CLIENT_ADDR/24" ipv4.gateway 10.1.0.1 \
	ipv6.method disabled >/dev/null || rig_fail "client: nmcli connection add rig-lan failed"
nmc --wait 30 connection up rig-lan >/dev/null || { nm_devices; rig_fail "client: rig-lan did not come up"; }
rig_in client "${RIG_PING[@]}" -c 1 -W 3 "$GW_PUBLIC_ADDR" >/dev/null 2>&1 ||
	rig_fail "client: the gateway unreachable once NetworkManager has eth0"
routes_before=$(rig_in client ip -4 route show table all | grep -v '^local\|^broadcast' | sort)

# From before the connection is made until after `down`, no process in the
# guest (nmcli, NetworkManager, its plugin, l2tpsec, pppd, the gateway's) has a
# secret in argv or its environment: grep (the patterns in a file, not in its
# argv) over /proc/PID/cmdline and environ, a pass every 200 ms.
pat=$d/secrets.pat
rig_write_secret_file "$pat" "$GW_PASSWORD
$GW_PSK"
rig_write_secret_file "$d/passwd" "vpn.secrets.password:$GW_PASSWORD"
# A process is scanned when first seen and again when its name changes (an
# exec after the fork); every process afresh every 25 passes and when asked
# (scan.full names the request; scan.fulldone says which pass finished).
# Most passes fork nothing, and the scan runs at nice 19: NetworkManager
# gives the plugin 5 s to claim its D-Bus name, which a loaded one-vCPU TCG
# guest already needs a good part of.
scan_secrets() {
	local -A seen=()
	local p c n=0 req files
	renice -n 19 -p "$BASHPID" >/dev/null # it yields to what it watches
	while [ ! -e "$d/scan.stop" ]; do
		files=() req=
		if [ -e "$d/scan.full" ]; then
			read -r req <"$d/scan.full"
			rm -f "$d/scan.full"
			seen=()
		fi
		((n % 25 == 0)) && seen=()
		for p in /proc/[0-9]*; do
			read -r c 2>/dev/null <"$p/comm" || continue
			[ "${seen[$p]:-}" = "$c" ] && continue
			seen[$p]=$c
			files+=("$p/cmdline" "$p/environ")
		done
		[ ${#files[@]} -eq 0 ] || grep -alF -f "$pat" "${files[@]}" 2>/dev/null |
			while read -r f; do echo "$f $(cat "${f%/*}/comm" 2>/dev/null)"; done >>"$d/scan.hits"
		echo $((++n)) >"$d/scan.passes"
		[ -z "$req" ] || echo "$req" >"$d/scan.fulldone"
		rig_sleep 0.2
	done
	: >"$d/scan.ended"
}
rm -f "$d"/scan.*
: >"$d/scan.hits"
scan_secrets &
SCAN_PID=$!
rig_track "$SCAN_PID" secret-scan
scan_num() { local v=; read -r v 2>/dev/null <"$d/$1"; echo "${v:-0}"; }
# The scan finds a secret in another process's environment (checked once
# the connection is made, which gives the scan time).
env RIG_SCAN_PROBE="$GW_PSK" sleep 60 &
probe=$!
rig_track "$probe" scan-probe
probe_seen() { # no fork: polling must not starve the scan it waits for
	local l
	while read -r l; do [[ $l == "/proc/$probe/"* ]] && return 0; done <"$d/scan.hits"
	return 1
}

# The connection as NetworkManager-l2tp's users make it with nmcli, with
# NetworkManager-l2tp's keys (no `nmcli connection import`: nmcli reads the
# file with the VPN's editor plugin, and there is none). nmcli knows the short
# name l2tp as org.freedesktop.NetworkManager.l2tp, which our .name file
# aliases. The password is agent-owned (password-flags=1, the editor's "store
# the password for this user only"): NetworkManager stores only the PSK,
# typed into `nmcli connection edit` on stdin rather than into argv.
# vpn.timeout: NetworkManager gives a VPN 60 s to report its IP
# configuration; a loaded TCG guest has taken 30 s for the connect alone.
nmc connection add type vpn vpn-type l2tp con-name Office autoconnect no vpn.timeout 150 \
	vpn.data "gateway=$GW_PUBLIC_ADDR, user=$GW_USER, user-auth-type=password, password-flags=1, machine-auth-type=psk, ipsec-enabled=yes, ipsec-psk-flags=0, refuse-eap=yes, refuse-pap=yes, refuse-chap=yes, refuse-mschap=yes" \
	>/dev/null || rig_fail "client: nmcli connection add type vpn vpn-type l2tp failed"
printf 'set vpn.secrets ipsec-psk=%s\nsave\nquit\n' "$GW_PSK" | rig_in client nmcli connection edit Office \
	>"$RIG_LOGDIR/client-nmcli-edit.log" 2>&1 || rig_fail "client: nmcli connection edit Office (the PSK) failed"
stored=/etc/NetworkManager/system-connections/Office.nmconnection
# Builtins only: a grep with the PSK in its argv would be caught by the scan.
stored_has() { # LINE, or -p PREFIX
	local l
	while IFS= read -r l; do
		if [ "$1" = -p ]; then [[ $l == "$2"* ]] && return 0; else [ "$l" = "$1" ] && return 0; fi
	done <"$stored"
	return 1
}
stored_has "service-type=org.freedesktop.NetworkManager.l2tp" ||
	rig_fail "client: nmcli did not store NetworkManager-l2tp's service type in $stored"
stored_has "ipsec-psk=$GW_PSK" || rig_fail "client: the PSK is not stored in $stored"
! stored_has -p password= || rig_fail "client: the agent-owned password is stored in $stored"
rig_log "client: Office added with nmcli (the PSK through nmcli connection edit)"

rig_wait_for 20 probe_seen || rig_fail "client: the secret scan missed a probe with the PSK in its environment"
kill "$probe"
wait "$probe" 2>/dev/null
rig_log "client: the secret scan found the probe"

# nmcli as the secret agent: the password from passwd-file.
passes_before=$(scan_num scan.passes)
# NetworkManager gives the service it starts 5 s to claim its D-Bus name
# (hard-coded: nm-vpn-connection.c, "timed out waiting for the VPN to
# activate"); on a real machine that takes well under a second, in a
# one-vCPU TCG guest on a machine at load 15 it has taken 4-6 s. One retry
# for that reason alone, counted in the result.
start_timeouts() { grep -c "starting: timed out waiting for the VPN to activate" "$RIG_LOGDIR/client-nm.log"; }
timeouts_before=$(start_timeouts)
start_retries=0
t0=$(rig_now_ms)
until nmc --wait 160 connection up Office passwd-file "$d/passwd" >/dev/null; do
	if [ $start_retries -gt 0 ] || [ "$(start_timeouts)" -le "$timeouts_before" ]; then
		tail -n 30 "$RIG_LOGDIR/client-nm.log" >&2
		rig_fail "client: nmcli connection up Office failed"
	fi
	start_retries=1
	rig_log "client: nm-l2tpsec-service did not claim its D-Bus name within NetworkManager's 5 s: retrying once"
done
connect_ms=$(($(rig_now_ms) - t0))
passes_connect=$(($(scan_num scan.passes) - passes_before))
rig_log "client: NetworkManager says Office is up after ${connect_ms} ms"
# The password came from the agent: the plugin's need_secrets sent
# NetworkManager to it (NetworkManager has not stored it, checked above).
grep -q "secret 'password' missing: asking NetworkManager's agents" "$RIG_LOGDIR/client-nm.log" ||
	rig_fail "client: the plugin did not ask for the agent-owned password"

# What NetworkManager learnt from the plugin.
nmc -t -f GENERAL.STATE,GENERAL.VPN,IP4.ADDRESS,IP4.DNS,IP4.GATEWAY connection show Office \
	>"$RIG_LOGDIR/client-nm-office.txt" || rig_fail "client: nmcli connection show Office failed"
grep -qx 'GENERAL.STATE:activated' "$RIG_LOGDIR/client-nm-office.txt" ||
	rig_fail "client: Office is not activated: $(cat "$RIG_LOGDIR/client-nm-office.txt")"
addr=$(sed -n 's/^IP4.ADDRESS\[1\]://p' "$RIG_LOGDIR/client-nm-office.txt")
CLIENT_PPP_ADDR=${addr%/*}
rig_assert_ppp_addr_from_pool_nm() {
	case $CLIENT_PPP_ADDR in
	192.168.42.1[0-9] | 192.168.42.20) ;;
	*) rig_fail "client: NetworkManager's IP4.ADDRESS '$addr' is not from the pool" ;;
	esac
}
rig_assert_ppp_addr_from_pool_nm
dns=$(sed -n 's/^IP4.DNS\[[0-9]\]://p' "$RIG_LOGDIR/client-nm-office.txt" | tr '\n' ' ')
[ "${dns% }" = "${GW_DNS//,/ }" ] || rig_fail "client: NetworkManager's IP4.DNS '$dns', gateway pushed '$GW_DNS'"
CLIENT_PPP_IF=$(rig_in client ip -o -4 addr show | awk -v a="$CLIENT_PPP_ADDR" '$4 == a || $4 ~ "^"a"/" {print $2}')
[ -n "$CLIENT_PPP_IF" ] || rig_fail "client: no interface carries $CLIENT_PPP_ADDR"
# NetworkManager configures the tunnel device the plugin named (TUNDEV).
nmc -t -f GENERAL.MTU,IP4.ADDRESS device show "$CLIENT_PPP_IF" >"$RIG_LOGDIR/client-nm-tundev.txt" ||
	rig_fail "client: NetworkManager does not know $CLIENT_PPP_IF"
grep -qx "IP4.ADDRESS\[1\]:$CLIENT_PPP_ADDR/32" "$RIG_LOGDIR/client-nm-tundev.txt" ||
	rig_fail "client: NetworkManager's $CLIENT_PPP_IF: $(cat "$RIG_LOGDIR/client-nm-tundev.txt")"
mtu=$(sed -n 's/^GENERAL.MTU://p' "$RIG_LOGDIR/client-nm-tundev.txt")
rig_assert_ping "$PPP_GW_ADDR"

l2tpsec_pid=$(rig_l2tpsec_client_pids l2tpsec | head -n1)
[ -n "$l2tpsec_pid" ] || rig_fail "client: no l2tpsec process while up"
# One pass of the secret scan over every process while connected.
echo connected >"$d/scan.full.new" && mv "$d/scan.full.new" "$d/scan.full"
full_scanned() { local v=; read -r v 2>/dev/null <"$d/scan.fulldone"; [ "$v" = connected ]; } # no fork
rig_wait_for 20 full_scanned || rig_fail "client: the secret scan stalled"
tr '\0' ' ' <"/proc/$l2tpsec_pid/cmdline" >"$RIG_LOGDIR/client-l2tpsec-argv.txt"
kf=$(tr '\0' '\n' <"/proc/$l2tpsec_pid/cmdline" | grep '\.nmconnection$')
modes=$(rig_in client stat -c %a "$(dirname "$(dirname "$kf")")" "$(dirname "$kf")" "$kf" | tr '\n' ' ')
[ "$modes" = "700 700 600 " ] ||
	rig_fail "client: modes of the plugin's run dir, the connection's dir, $kf: $modes (want 700 700 600)"

nmc --wait 30 connection down Office >/dev/null || rig_fail "client: nmcli connection down Office failed"
# NetworkManager reports the connection down without waiting for the
# plugin's Disconnect, which gives l2tpsec 15 s to tear down (SIGKILL then):
# at load 16 the teardown has taken more than 10 s (pppd and the gateway slow
# to answer).
gone() { [ -z "$(rig_l2tpsec_client_pids l2tpsec)$(rig_l2tpsec_client_pids pppd)" ]; }
rig_wait_for 30 gone || rig_fail "client: l2tpsec or pppd still running after nmcli connection down"
[ -z "$(rig_in client ip xfrm state)" ] || rig_fail "client: XFRM states left behind"
! rig_in client ip link show "$CLIENT_PPP_IF" >/dev/null 2>&1 || rig_fail "client: $CLIENT_PPP_IF left behind"
! rig_in client test -e "$(dirname "$kf")" || rig_fail "client: the connection's private directory left behind"
routes_after=$(rig_in client ip -4 route show table all | grep -v '^local\|^broadcast' | sort)
[ "$routes_after" = "$routes_before" ] ||
	rig_fail "client: routes not restored: before [$routes_before] after [$routes_after]"
kill -0 "$NM_PID" 2>/dev/null || rig_fail "client: NetworkManager died"
rig_log "client: down, nothing left behind"

touch "$d/scan.stop"
rig_wait_for 20 test -e "$d/scan.ended" || rig_fail "client: the secret scan did not stop"
wait "$SCAN_PID"
passes=$(scan_num scan.passes)
cp "$d/scan.hits" "$RIG_LOGDIR/client-secret-scan-hits.txt"
hits=$(grep -v "^/proc/$probe/" "$d/scan.hits" | sort -u | tr '\n' ' ')
[ -z "$hits" ] || rig_fail "client: a secret in argv or environ: $hits"
! grep -lF -f "$pat" "$RIG_LOGDIR/client-nm.log" "$RIG_LOGDIR/client-nmcli.log" ||
	rig_fail "client: a secret in NetworkManager's, the plugin's or l2tpsec's log (above)"
rig_log "client: no secret in any argv or environment ($passes passes, $passes_connect while connecting) or log"
dns=${dns% }
rig_result "connect_ms=$connect_ms start_retries=$start_retries scan_passes=$passes ppp_addr=$CLIENT_PPP_ADDR ppp_if=$CLIENT_PPP_IF mtu=$mtu dns=${dns// /,}"
