#!/bin/bash
# rig: systemd
# l2tpsec@.service under a real systemd (PID 1 of the guest: guest-init's
# systemd mode, asked for by the line above). The unit is the one the build
# made (paths as `make install` substitutes them), installed with the binary
# and pppd's helper where `make install` puts them; one drop-in moves it into
# the rig's client network namespace, nothing else of it is changed.
#  kernel     - systemctl start connects (Type=notify), ping over the tunnel,
#               pppd runs inside the unit's cgroup; systemd-analyze security
#               (online) exposure <= 3.0; a member of control-group reads
#               status but can neither disconnect nor change the log level,
#               another user gets nothing (issue 14); systemctl stop leaves
#               nothing behind (unit inactive, no process, SA, route, link).
#  userspace  - the same connect, ping and stop on the userspace path.
#  badpass    - a wrong password: the unit fails with exit 7 and systemd does
#               not restart it (NRestarts=0 past RestartSec; issue 13).
#  gwdown     - the gateway is down: the unit keeps trying (transient), and
#               is up (ping) once the gateway is back.
. "$(dirname "$0")/../../lib/scenario.sh"
. "$(dirname "$0")/../../lib/l2tpsec.sh"

UNIT=l2tpsec@rig.service
STATUS_GROUP=l2tpsec-status

rig_init l2tpsec-systemd
rig_need_stack
rig_need_l2tpsec
rig_need jq jq setpriv util-linux systemd-analyze systemd
[ -d /run/systemd/system ] ||
	rig_fail "systemd is not PID 1 (guest-init's systemd mode: '# rig: systemd' in the header)"

# unit_prop NAME: one property of the unit (systemctl show --value).
unit_prop() { systemctl show -p "$1" --value "$UNIT"; }
# unit_props NAME...: their values joined by '/', in one systemctl call.
unit_props() {
	local args=() p v out=""
	for p in "$@"; do args+=(-p "$p"); done
	declare -A val
	while IFS='=' read -r p v; do val[$p]=$v; done < <(systemctl show "${args[@]}" "$UNIT")
	for p in "$@"; do out+="${out:+/}${val[$p]}"; done
	echo "$out"
}
unit_journal() { journalctl -u "$UNIT" --no-pager -o short-monotonic >"$RIG_LOGDIR/client-$1-journal.log" 2>&1; }

# install_like_make_install: the unit generated in the build tree into the
# unit directory configure chose, the binary where its ExecStart says, pppd's
# helper into the helper dir the binary was built with.
install_like_make_install() {
	local build src unit_dir
	build=${L2TPSEC_BUILDDIR:-$(dirname "$(dirname "$L2TPSEC_BIN")")}
	src=$(cd "$RIG_TOP/../.." && pwd)
	[ -f "$build/scripts/l2tpsec@.service" ] || rig_fail "no $build/scripts/l2tpsec@.service (run make)"
	unit_dir=$(sed -n 's/^systemdsystemunitdir = //p' "$build/Makefile")
	case $unit_dir in /*) ;; *) unit_dir=/etc/systemd/system ;; esac
	L2TPSEC_EXE=$(sed -n 's/^ExecStart=\([^ ]*\) .*/\1/p' "$build/scripts/l2tpsec@.service")
	PROFILE_DIR=$("$L2TPSEC_BIN" --version -v | sed -n 's/^profile dir: *//p')
	local helper_dir; helper_dir=$("$L2TPSEC_BIN" --version -v | sed -n 's/^helper dir: *//p')
	install -D -m 0644 "$build/scripts/l2tpsec@.service" "$unit_dir/l2tpsec@.service" &&
		install -D -m 0755 "$L2TPSEC_BIN" "$L2TPSEC_EXE" &&
		install -D -m 0755 "$src/ppp/l2tpsec-ip-up" "$helper_dir/l2tpsec-ip-up" &&
		install -d -m 0755 "$PROFILE_DIR" || rig_fail "install failed"
	mkdir -p "/etc/systemd/system/$UNIT.d"
	printf '[Service]\nNetworkNamespacePath=/run/netns/%s\n' "$(rig_ns client)" \
		>"/etc/systemd/system/$UNIT.d/rig-netns.conf"
	# A unit nobody asked for yet is read when first asked for, drop-in
	# included; a daemon-reload (all units again over 9p) only if not.
	systemctl show -p DropInPaths --value "$UNIT" | grep -q rig-netns.conf ||
		systemctl daemon-reload || rig_fail "systemctl daemon-reload"
	systemctl show -p DropInPaths --value "$UNIT" | grep -q rig-netns.conf ||
		rig_fail "systemd does not see the drop-in for $UNIT"
	rig_log "installed: $unit_dir/l2tpsec@.service, $L2TPSEC_EXE, $helper_dir/l2tpsec-ip-up; drop-in: client netns"
}

# write_profile DATAPATH PASSWORD: /etc/l2tpsec/rig.conf for the rig gateway.
write_profile() {
	rig_write_secret_file "$PROFILE_DIR/rig.psk" "$GW_PSK"
	rig_write_secret_file "$PROFILE_DIR/rig.password" "$2"
	rig_write_secret_file "$PROFILE_DIR/rig.conf" "[gateway]
host = $GW_PUBLIC_ADDR
[ipsec]
psk-file = $PROFILE_DIR/rig.psk
[ppp]
user = $GW_USER
password-file = $PROFILE_DIR/rig.password
[client]
datapath = $1
control-group = $STATUS_GROUP"
}

# start_connected DATAPATH: systemctl start returns once l2tpsec said
# READY=1 (connected); ping through the tunnel, status says so.
start_connected() {
	local t0 st dp
	write_profile "$1" "$GW_PASSWORD"
	t0=$(rig_now_ms)
	timeout 150 systemctl start "$UNIT" || {
		unit_journal "$1"
		rig_fail "$1: systemctl start $UNIT failed: $(systemctl status --no-pager "$UNIT" | tail -5)"
	}
	CONNECT_MS=$(($(rig_now_ms) - t0))
	st=$(unit_props ActiveState SubState)
	[ "$st" = active/running ] || rig_fail "$1: unit is $st after start"
	"$L2TPSEC_EXE" status rig --json >"$RIG_LOGDIR/client-status-$1.json" ||
		rig_fail "$1: l2tpsec status (as root) failed"
	st=$(jq -r .state <"$RIG_LOGDIR/client-status-$1.json")
	dp=$(jq -r .datapath <"$RIG_LOGDIR/client-status-$1.json")
	[ "$st/$dp" = "connected/$1" ] || rig_fail "$1: status says $st/$dp"
	rig_assert_ping
	# The gateway's DNS servers, although /etc is read-only for the unit.
	local dns1=${GW_DNS//,/ }
	grep -q "^nameserver ${dns1%% *}\$" /etc/resolv.conf ||
		rig_fail "$1: the gateway's DNS servers are not in /etc/resolv.conf: $(cat /etc/resolv.conf)"
	rig_log "$1: systemctl start connected in $CONNECT_MS ms, ping OK, DNS set"
}

# stop_clean NAME: systemctl stop; the unit ends cleanly and leaves nothing.
stop_clean() {
	timeout 60 systemctl stop "$UNIT" || rig_fail "$1: systemctl stop failed"
	unit_journal "$1"
	local state; state=$(unit_props ActiveState Result ExecMainStatus)
	[ "$state" = inactive/success/0 ] || rig_fail "$1: after stop the unit is $state"
	[ -z "$(rig_l2tpsec_client_pids l2tpsec)$(rig_l2tpsec_client_pids pppd)" ] ||
		rig_fail "$1: l2tpsec or pppd still running after stop"
	[ ! -e /run/l2tpsec/rig.sock ] || rig_fail "$1: control socket left behind"
	[ "$(rig_client_snapshot 2>/dev/null)" = "$CLEAN" ] ||
		rig_fail "$1: left behind: $(diff <(echo "$CLEAN") <(rig_client_snapshot 2>&1))"
	rig_log "$1: systemctl stop: inactive, nothing left behind"
}

# The unit's cgroup holds pppd on the kernel path (KillMode: it goes too).
assert_pppd_in_unit() {
	local cg; cg=$(unit_prop ControlGroup)
	grep -qx pppd < <(while read -r p; do cat "/proc/$p/comm"; done <"/sys/fs/cgroup$cg/cgroup.procs") ||
		rig_fail "kernel: no pppd in the unit's cgroup $cg"
}

# Exposure of the running unit, asked of systemd itself (not --offline).
assert_exposure() {
	systemd-analyze security --no-pager "$UNIT" >"$RIG_LOGDIR/client-security.txt" 2>&1 ||
		true # exits non-zero when the level is above its threshold
	EXPOSURE=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' "$RIG_LOGDIR/client-security.txt")
	[ -n "$EXPOSURE" ] || rig_fail "systemd-analyze security printed no level: $(tail -3 "$RIG_LOGDIR/client-security.txt")"
	awk -v l="$EXPOSURE" 'BEGIN { exit !(l <= 3.0) }' || rig_fail "exposure $EXPOSURE > 3.0"
	rig_log "systemd-analyze security $UNIT: exposure $EXPOSURE"
}

# Issue 14: control-group members read status only; others get nothing.
assert_control_group() {
	local gid out
	gid=$(getent group "$STATUS_GROUP" | cut -d: -f3)
	as_member() { setpriv --reuid=65534 --regid=65534 --groups="$gid" -- "$L2TPSEC_EXE" "$@"; }
	as_other() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$L2TPSEC_EXE" "$@"; }
	out=$(as_member status rig --json 2>&1) || rig_fail "control-group member cannot read status: $out"
	[ "$(jq -r .state <<<"$out")" = connected ] || rig_fail "member's status: $out"
	! as_member disconnect rig >"$RIG_LOGDIR/client-member-disconnect.log" 2>&1 ||
		rig_fail "a control-group member could disconnect"
	! as_member log rig debug >"$RIG_LOGDIR/client-member-log.log" 2>&1 ||
		rig_fail "a control-group member could change the log level"
	! as_other status rig >"$RIG_LOGDIR/client-other-status.log" 2>&1 ||
		rig_fail "a user outside control-group could read status"
	[ "$(unit_prop ActiveState)" = active ] || rig_fail "the unit went down after the member's requests"
	rig_assert_ping
	rig_log "control socket: group member reads status, cannot disconnect or set log level; others refused"
}

rig_topo_up
rig_gw_up
install_like_make_install
groupadd -r "$STATUS_GROUP" 2>/dev/null || getent group "$STATUS_GROUP" >/dev/null ||
	rig_fail "groupadd $STATUS_GROUP"
CLEAN=$(rig_client_snapshot 2>/dev/null)

rig_log "==== kernel"
start_connected kernel
KERNEL_MS=$CONNECT_MS
assert_pppd_in_unit
assert_exposure
assert_control_group
stop_clean kernel

rig_log "==== userspace"
start_connected userspace
USERSPACE_MS=$CONNECT_MS
stop_clean userspace

rig_log "==== badpass"
write_profile kernel wrong-password
! timeout 150 systemctl start "$UNIT" 2>>"$RIG_LOGDIR/client-systemctl.log" ||
	rig_fail "badpass: systemctl start succeeded with a wrong password"
unit_journal badpass
state=$(unit_props ActiveState Result ExecMainStatus)
[ "$state" = failed/exit-code/7 ] || rig_fail "badpass: the unit is $state, expected failed/exit-code/7"
restart_us=$(unit_prop RestartUSec)
# RestartUSec reads like "5s": wait past it; a restart would show in NRestarts.
restart_s=${restart_us%s}
case $restart_s in *[!0-9]*) rig_fail "badpass: cannot read RestartUSec '$restart_us'" ;; esac
rig_sleep $((restart_s + 3))
state=$(unit_props NRestarts ActiveState)
[ "$state" = 0/failed ] || rig_fail "badpass: systemd restarted the unit (NRestarts/state: $state)"
rig_log "badpass: failed with exit 7, NRestarts=0 after $((restart_s + 3)) s (RestartSec=$restart_us)"
systemctl reset-failed "$UNIT"

rig_log "==== gwdown"
rig_gw_stop
write_profile userspace "$GW_PASSWORD"
gw_t0=$(rig_now_ms)
systemctl start --no-block "$UNIT" || rig_fail "gwdown: systemctl start --no-block"
# Transient: l2tpsec gives up on a silent gateway (exit 5) and systemd
# starts it again after RestartSec; the unit never ends up failed.
restarted() { [ "$(unit_prop NRestarts)" -ge 1 ]; }
rig_wait_for 120 restarted || {
	unit_journal gwdown
	rig_fail "gwdown: no restart within 120 s ($(unit_prop ActiveState)/$(unit_prop Result))"
}
retry_ms=$(($(rig_now_ms) - gw_t0))
[ "$(unit_prop ActiveState)" != failed ] || rig_fail "gwdown: the unit failed"
rig_gw_up
up_t0=$(rig_now_ms)
active() { [ "$(unit_prop ActiveState)" = active ]; }
rig_wait_for 120 active || {
	unit_journal gwdown
	rig_fail "gwdown: not up within 120 s of the gateway being back"
}
back_ms=$(($(rig_now_ms) - up_t0))
rig_assert_ping
rig_log "gwdown: restarted by systemd after $retry_ms ms, up $back_ms ms after the gateway"
stop_clean gwdown

rig_result "exposure=$EXPOSURE kernel_ms=$KERNEL_MS userspace_ms=$USERSPACE_MS" \
	"badpass=exit7_norestart gwdown_retry_ms=$retry_ms gwdown_back_ms=$back_ms"
