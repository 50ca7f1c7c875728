#!/bin/sh
# Resident memory of l2tpsec on this host, without the rig (issue 16): in a
# network namespace of its own, `l2tpsec connect --datapath userspace` to a
# gateway that never answers (a socket on 127.0.0.2:500 that reads nothing),
# so IKE is started (OpenSSL initialised, DH key made, Main Mode 1 sent and
# resent) and nothing else; after SECONDS, its smaps_rollup totals and the
# largest mappings. What a full connect adds is measured by connect.sh.
#
#   tests/bench/rss-host.sh [-s SECONDS] [BINARY...]
#
# Each BINARY (default $L2TPSEC_BIN, else ./client/l2tpsec) in turn, so a
# build of main and one of a branch can be compared in one run. Needs root
# (a network namespace) and python3 (the silent gateway); exit 77 otherwise.
set -u
secs=2
while getopts s: o; do
	case $o in
	s) secs=$OPTARG ;;
	*) echo "usage: $0 [-s SECONDS] [BINARY...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || set -- "${L2TPSEC_BIN:-./client/l2tpsec}"
[ "$(id -u)" = 0 ] || { echo "bench-rss-host: SKIP (needs root)"; exit 77; }
command -v python3 >/dev/null || { echo "bench-rss-host: SKIP (no python3)"; exit 77; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/bench-rss.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
umask 077
echo benchpsk >"$dir/psk"
echo benchpassword >"$dir/password"

for bin in "$@"; do
	[ -x "$bin" ] || { echo "bench-rss-host: no binary at $bin" >&2; exit 1; }
	# The binary's own path: a build-tree binary finds its helpers by it.
	bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
	unshare -n sh -c '
		ip link set lo up || exit 77
		python3 -c "import socket, time; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((\"127.0.0.2\", 500)); time.sleep(600)" &
		gw=$!
		sleep 0.3
		"$1" connect --name bench --gateway 127.0.0.2 --psk-file "$2/psk" --user bench \
			--password-file "$2/password" --datapath userspace --run-dir "$2/run" \
			</dev/null >/dev/null 2>"$2/log" &
		p=$!
		sleep "$3"
		if [ -r "/proc/$p/smaps_rollup" ]; then
			echo "rss host $1: $(grep -E "^(Rss|Pss|Private_Clean|Private_Dirty|Anonymous):" \
				"/proc/$p/smaps_rollup" | tr -s " " | tr "\n" " ")"
			awk "/^[0-9a-f]+-[0-9a-f]+ / { n = \$6 == \"\" ? \"[anon]\" : \$6; sub(/.*\\//, \"\", n); n = n \" \" \$2 }
				/^Rss:/ { r[n] += \$2 } /^Pss:/ { s[n] += \$2 } /^Private_(Clean|Dirty):/ { d[n] += \$2 }
				END { for (n in r) if (r[n] >= 40) printf \"    %6d kB rss %6d kB pss %6d kB private  %s\\n\", r[n], s[n], d[n], n }" \
				"/proc/$p/smaps" | sort -rn
		else
			echo "rss host $1: l2tpsec ended early:" >&2
			tail -n 5 "$2/log" >&2
		fi
		kill "$p" "$gw" 2>/dev/null
		wait
	' sh "$bin" "$dir" "$secs" || exit $?
done
