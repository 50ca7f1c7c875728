#!/bin/sh
# TAP test of the soak's verdict (tests/bench/soak.sh -e): it passes a clean
# run and fails one that lost a ping, reconnected, grew its RSS or moved no
# traffic when asked to, so that `make soak` exits non-zero for each.
soak=${L2TPSEC_SRCDIR:-.}/tests/bench/soak.sh
[ -f "$soak" ] || soak=$(dirname "$0")/../bench/soak.sh
dir=$(mktemp -d "${TMPDIR:-/tmp}/soak-verdict.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
n=0
fail=0
run() { # NAME WANT_RC SED: soak.txt of a clean run edited by SED
	mkdir -p "$dir/$1"
	printf '%s\n' "datapath kernel" "seconds 600" "rss_start_kb 4000" "rss_end_kb 4200" \
		"ping_sent 600" "ping_lost 0" "ipsec_rekeys 9" "ike_rekeys 2" \
		"gw_child_rekeys 7" "reconnects 0" | sed "$3" >"$dir/$1/soak.txt"
	sh "$soak" -e "$dir/$1" >"$dir/$1/out" 2>&1
	rc=$?
	n=$((n + 1))
	if [ "$rc" = "$2" ]; then echo "ok $n - $1 exits $2"; else
		fail=1; echo "not ok $n - $1 exits $rc, not $2"; sed 's/^/# /' "$dir/$1/out"; fi
}
echo "1..10"
run clean 0 ''
run one-ping-lost 1 's/^ping_lost 0/ping_lost 1/'
run reconnected 1 's/^reconnects 0/reconnects 1/'
run rss-grew 1 's/^rss_end_kb 4200/rss_end_kb 4700/'
run no-pings 1 's/^ping_sent 600/ping_sent 0/'
run traffic-moved 0 '$a traffic_mbit_each_way 4\ntraffic_mb 2400\ntraffic_runs 1'
run traffic-none-moved 1 '$a traffic_mbit_each_way 4\ntraffic_mb 0\ntraffic_runs 3'
run classic-clean 0 's/^datapath kernel/datapath classic/; /^ipsec_rekeys/d; /^ike_rekeys/d; /^reconnects/d'
run no-reconnect-count 1 '/^reconnects/d'
run classic-rss-grew 1 's/^datapath kernel/datapath classic/; s/^rss_end_kb 4200/rss_end_kb 4900/'
exit $fail
