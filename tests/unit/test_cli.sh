#!/bin/sh
# TAP test of the command line: --help, --version, usage errors (exit 2).
bin=${L2TPSEC_BIN:-./client/l2tpsec}
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fail=1; echo "not ok $n - $1"; }
check() { desc=$1; shift; if "$@"; then ok "$desc"; else not_ok "$desc"; fi; }

echo "1..8"
out=$("$bin" --help); rc=$?
check "--help exits 0" test "$rc" -eq 0
check "--help lists commands" sh -c 'echo "$1" | grep -q "^  help "' _ "$out"
out=$("$bin" --version); rc=$?
check "--version prints name and version" sh -c 'echo "$1" | grep -Eq "^l2tpsec [0-9]+\.[0-9]+"' _ "$out"
"$bin" frobnicate 2>/tmp/l2tpsec-cli.$$; rc=$?
check "unknown command exits 2" test "$rc" -eq 2
check "unknown command: one line on stderr" test "$(wc -l </tmp/l2tpsec-cli.$$)" -eq 1
"$bin" --frob 2>/dev/null; rc=$?
check "unknown option exits 2" test "$rc" -eq 2
"$bin" help version | grep -q "Usage: l2tpsec version"
check "help CMD shows its usage" test $? -eq 0
"$bin" help nosuch 2>/dev/null; rc=$?
check "help of unknown command exits 2" test "$rc" -eq 2
rm -f /tmp/l2tpsec-cli.$$
exit $fail
