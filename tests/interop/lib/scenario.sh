# l2tpsec interop rig: everything a guest scenario needs (bash; sourced).
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
. "$(dirname "${BASH_SOURCE[0]}")/topo.sh"
. "$(dirname "${BASH_SOURCE[0]}")/gw.sh"
. "$(dirname "${BASH_SOURCE[0]}")/classic.sh"
. "$(dirname "${BASH_SOURCE[0]}")/evidence.sh"

# rig_classic_scenario NAME [rig_topo_up options] -- : the full classic-client
# check used by the classic-* scenarios (gateway options come from GW_* env).
rig_classic_scenario() {
	rig_init "$1"; shift
	rig_need_stack
	rig_topo_up "$@"
	rig_capture_start nat wan
	rig_gw_up
	rig_classic_up
	rig_assert_ping
	rig_capture_stop
	rig_assert_gw_ipsec
	rig_assert_gw_l2tp
	rig_iperf "${RIG_IPERF_SECONDS:-3}" || true
	local rss; rss=$(rig_classic_rss_kb)
	rig_assert_wire_l2tp_ipsec
	[ -n "$CLIENT_DNS1" ] || rig_fail "client: no DNS server received in IPCP"
	rig_result "connect_ms=$CLIENT_CONNECT_MS iperf_mbit=$RIG_IPERF_MBIT rss_kb=$rss" \
		"ppp_addr=$CLIENT_PPP_ADDR dns=$CLIENT_DNS1${CLIENT_DNS2:+,$CLIENT_DNS2}" \
		"auth=$GW_AUTH ppp_auth=$GW_PPP_AUTH kernel=$(uname -r)"
}
