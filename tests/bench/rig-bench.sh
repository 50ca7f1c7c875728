# What the benchmarks that boot the interop rig share (connect.sh,
# latency.sh, soak.sh; POSIX sh, sourced after $top is set).

# bench_prepare NAME: root and the l2tpsec binary ($L2TPSEC_BIN, else
# $L2TPSEC_BUILDDIR/client/l2tpsec, else ./client/l2tpsec), or exit 77
# (skip). Sets bin (absolute: the guest runs it from the host's root) and
# results (a new directory under $TMPDIR unless set).
bench_prepare() {
	bin=${L2TPSEC_BIN:-${L2TPSEC_BUILDDIR:-.}/client/l2tpsec}
	[ "$(id -u)" = 0 ] || { echo "$1: SKIP (needs root)"; exit 77; }
	[ -x "$bin" ] || { echo "$1: SKIP (no l2tpsec binary at $bin; set L2TPSEC_BIN)"; exit 77; }
	bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
	[ -n "$results" ] || results=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX") || exit 1
	mkdir -p "$results"
}

# bench_rig NAME OUTFILE TIMEOUT SCENARIO [KEY=VALUE...]: one boot of the rig
# running tests/interop/scenarios/bench/SCENARIO.sh (the rig's watchdog stops
# it after TIMEOUT s plus a margin), its log in $results/run.log. Exit 77 if
# the rig skipped it, 1 if it failed or wrote no $results/OUTFILE.
bench_rig() {
	_name=$1 _out=$2 _timeout=$3 _scenario=$4
	shift 4
	"$top/tests/interop/run" -t "$_timeout" -r "$results" "$top/tests/interop/scenarios/bench/$_scenario.sh" \
		"$@" >"$results/run.log" 2>&1
	_rc=$?
	if [ $_rc = 77 ]; then
		echo "$_name: SKIP: $(grep -m1 -i 'skip\|missing' "$results/run.log")"
		exit 77
	fi
	if [ $_rc != 0 ] || [ ! -s "$results/$_out" ]; then
		echo "$_name: the rig run failed (status $_rc); logs in $results" >&2
		tail -n 25 "$results/run.log" >&2
		exit 1
	fi
}
