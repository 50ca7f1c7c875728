# l2tpsec interop rig: fast in-kernel mode on the host itself (bash; source it).
#
# No emulation: network namespaces on this host (created here, always deleted
# on exit), strongSwan charon with kernel-libipsec (the host kernel has no
# ESP), xl2tpd in userspace mode (no kernel L2TP/PPP).  What completes:
#   - IKEv1 Main Mode + Quick Mode through the MASQUERADE NAT, float to 4500;
#     the transport SA install then fails ("unsupported mode") - expected.
#   - L2TP control connection SCCRQ..ICCN; pppd then fails on /dev/ppp - expected.
# That is enough to test an IKE engine or an L2TP engine against real peers.
#
# API (also used by scenarios/host/*.sh):
#   hostrig_up [rig_topo_up options]     namespaces client/nat/gw(/nat2), roles, NAT
#   hostrig_gw_charon [--name=value...]  charon IKEv1 responder in gw (see lib/gw.sh knobs;
#                                        GW_LIBIPSEC=1 is implied)
#   hostrig_gw_xl2tpd [--name=value...]  xl2tpd LNS (+ pppd options) in gw
#   hostrig_client_charon [--name=...]   charon IKEv1 initiator in client (classic config);
#                                        hostrig_exec client swanctl --initiate --child l2tp
#   hostrig_client_xl2tpd                xl2tpd LAC in client; hostrig_l2tp_dial to connect
#   hostrig_exec ROLE CMD...             run CMD in ROLE's network + mount namespace
#                                        (a test program runs as the client this way:
#                                        hostrig_exec client /path/to/client/l2tpsec ...)
#   hostrig_bg ROLE NAME CMD...          same, in the background, logged, stopped at exit
#   hostrig_capture_start / _stop        tcpdump on the NAT's public side (lib/evidence.sh)
#   hostrig_wait_log FILE REGEX SECS     wait until a log line matches
#   hostrig_down                         stop everything by pid, delete namespaces
# Addresses: $CLIENT_ADDR (10.1.0.2) -> NAT $NAT_PUBLIC_ADDR -> gw $GW_PUBLIC_ADDR (172.16.0.2).
# Logs: $RIG_LOGDIR (gw-charon.log, gw-xl2tpd.log, ...).  RIG_KEEP=1 keeps $RIG_DIR.

HOSTRIG_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")/lib" && pwd)
. "$HOSTRIG_LIB/common.sh"
. "$HOSTRIG_LIB/topo.sh"
. "$HOSTRIG_LIB/gw.sh"
. "$HOSTRIG_LIB/classic.sh"
. "$HOSTRIG_LIB/evidence.sh"

# Unique namespace names: other rigs may run on this host at the same time.
: "${RIG_NS_PREFIX:=l2s$$-}"
export RIG_IN_GUEST=0

hostrig_up() {
	[ "$(id -u)" = 0 ] || rig_skip "host rig needs root (network namespaces)"
	rig_init "${RIG_SCENARIO_NAME:-hostrig}"
	rig_need ip iproute2 nsenter util-linux unshare util-linux
	rig_topo_up "$@"
}

hostrig_gw_charon() {
	rig_need /usr/lib/ipsec/charon strongswan-charon swanctl strongswan-swanctl \
		/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so libcharon-extra-plugins
	GW_LIBIPSEC=1 rig_gw_charon "$@"
}
hostrig_gw_xl2tpd() {
	rig_need xl2tpd xl2tpd pppd ppp
	rig_gw_xl2tpd "$@"
}

# hostrig_client_charon [--name=value...]: classic client charon (libipsec), config loaded.
hostrig_client_charon() {
	rig_opts CLIENT "$@"
	rig_classic_config
	local d; d=$(rig_role_dir client)
	# kernel-libipsec: no kernel ESP on this host.
	rig_strongswan_conf client "$CLIENT_CHARON_LOG" 1
	rig_charon_start client
	CLIENT_CHARON_PID=$(cat "$d/charon.pid.rig")
}

# hostrig_client_xl2tpd: xl2tpd LAC in client (config from rig_classic_config).
hostrig_client_xl2tpd() {
	local d; d=$(rig_role_dir client)
	[ -s "$d/etc/xl2tpd/xl2tpd.conf" ] || rig_classic_config
	rig_bg client xl2tpd xl2tpd -D -c /etc/xl2tpd/xl2tpd.conf -s /etc/xl2tpd/l2tp-secrets \
		-p /run/xl2tpd.pid -C /run/xl2tpd/l2tp-control
	rig_wait_for 20 test -p "$d/run/xl2tpd/l2tp-control" || rig_fail "client: xl2tpd did not start"
}
hostrig_l2tp_dial() { echo "c gw" >"$(rig_role_dir client)/run/xl2tpd/l2tp-control"; }

hostrig_exec() { rig_in "$@"; }
hostrig_bg() { rig_bg "$@"; }
hostrig_capture_start() { rig_capture_start "${1:-nat}" "${2:-wan}"; }
hostrig_capture_stop() { rig_capture_stop; }

# hostrig_wait_log FILE REGEX TIMEOUT_S: 0 once a line of FILE matches REGEX.
hostrig_wait_log() {
	local f=$1 re=$2
	_hostrig_log_has() { [ -f "$f" ] && [[ $(<"$f") =~ $re ]]; }
	rig_wait_for "${3:-20}" _hostrig_log_has
}

hostrig_down() { rig_cleanup; }
