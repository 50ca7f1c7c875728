#!/bin/sh
# TAP test of the command line: --help, --version, usage errors (exit 2).
bin=${L2TPSEC_BIN:-./client/l2tpsec}
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fail=1; echo "not ok $n - $1"; }
check() { desc=$1; shift; if "$@"; then ok "$desc"; else not_ok "$desc"; fi; }

echo "1..25"
out=$("$bin" --help); rc=$?
check "--help exits 0" test "$rc" -eq 0
check "--help lists commands" sh -c 'echo "$1" | grep -q "^  help "' _ "$out"
out=$("$bin" --version); rc=$?
check "--version prints name and version" sh -c 'echo "$1" | grep -Eq "^l2tpsec [0-9]+\.[0-9]+"' _ "$out"
# version -v: the three configured directories, absolute paths; no state
# directory (nothing outlives a boot)
out=$("$bin" --version -v); rc=$?
dirs=$(echo "$out" | grep -cE '^(profile|run|helper) dir: +/[^ ]+$')
check "--version -v prints the three directories" test "$rc" -eq 0 -a "$dirs" -eq 3 \
	-a "$(echo "$out" | grep -c 'state dir')" -eq 0
"$bin" version -x 2>/dev/null; rc=$?
check "version with an unknown argument exits 2" test "$rc" -eq 2
"$bin" frobnicate 2>/tmp/l2tpsec-cli.$$; rc=$?
check "unknown command exits 2" test "$rc" -eq 2
check "unknown command: one line on stderr" test "$(wc -l </tmp/l2tpsec-cli.$$)" -eq 1
"$bin" --frob 2>/dev/null; rc=$?
check "unknown option exits 2" test "$rc" -eq 2
"$bin" help version | grep -q "Usage: l2tpsec version"
check "help CMD shows its usage" test $? -eq 0
"$bin" help nosuch 2>/dev/null; rc=$?
check "help of unknown command exits 2" test "$rc" -eq 2
"$bin" log 2>/dev/null; rc=$?
check "log without a name exits 2" test "$rc" -eq 2

# --help and the man page agree: every command and every long option of
# every command is documented in l2tpsec(8).
man=${L2TPSEC_SRCDIR:-.}/man/l2tpsec.8
cmds=$("$bin" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }')
missing=""
for c in $cmds; do
	grep -Eq "^\.It (Xo|Cm $c)" "$man" && grep -q "Cm $c" "$man" || missing="$missing $c"
done
check "every command of --help is in l2tpsec(8)${missing:+ (missing:$missing)}" test -z "$missing"
missing=""
for c in $cmds; do
	for o in $("$bin" help "$c" | grep -oE -- '--[a-z0-9-]+' | sort -u); do
		[ "$o" = --help ] && continue
		grep -q "Fl -${o#--}" "$man" || missing="$missing $c:$o"
	done
done
check "every long option of every command is in l2tpsec(8)${missing:+ (missing:$missing)}" test -z "$missing"
documented=$(grep -E '^\.It Cm [a-z]+' "$man" | awk '{print $3}' | sort -u)
extra=""
for c in $documented; do
	echo "$cmds" | grep -qx "$c" || extra="$extra $c"
done
check "l2tpsec(8) documents no command --help lacks${extra:+ (extra:$extra)}" test -z "$extra"

# A secret nobody gives and nobody can be asked for (no terminal: a new
# session; stdin not a source): exit 3 before anything starts, and the
# message names the options. 192.0.2.1 (TEST-NET-1) is never contacted.
tmp=$(mktemp -d)
printf 'k\n' >"$tmp/psk"
chmod 600 "$tmp/psk"
setsid "$bin" connect --gateway 192.0.2.1 --psk-file "$tmp/psk" --user alice \
	--run-dir "$tmp" </dev/null >/dev/null 2>"$tmp/err"; rc=$?
check "connect without a password and nobody to ask exits 3" test "$rc" -eq 3
check "... and names --password-file and --password-stdin" \
	grep -q "give --password-file FILE or --password-stdin" "$tmp/err"
"$bin" connect --gateway 192.0.2.1 --password-file "$tmp/psk" --password-stdin \
	--user alice </dev/null 2>/dev/null; rc=$?
check "--password-file with --password-stdin is a usage error" test "$rc" -eq 2
# connect refuses at once (exit 3) what the settings table refuses, with
# the table's reason: proposals ike/ cannot parse, an unknown --dh2048.
"$bin" connect --gateway 192.0.2.1 --psk-file "$tmp/psk" --user alice --ike foo-bar-baz \
	--run-dir "$tmp" </dev/null >/dev/null 2>"$tmp/err"; rc=$?
check "connect --ike foo-bar-baz exits 3" test "$rc" -eq 3
check "... naming the algorithm" grep -q "^l2tpsec: --ike 'foo-bar-baz': unknown algorithm 'foo'" "$tmp/err"
"$bin" connect --gateway 192.0.2.1 --psk-file "$tmp/psk" --user alice --dh2048 sometimes \
	--run-dir "$tmp" </dev/null >/dev/null 2>"$tmp/err"; rc=$?
check "connect --dh2048 sometimes exits 3" test "$rc" -eq 3
check "... with the table's words" grep -q "expected one of: off offer require" "$tmp/err"
rm -rf "$tmp"

# bash completion: subcommands, then options of connect
# (the installed file, generated in the build tree with the configured paths)
comp=./scripts/completion/l2tpsec
profile_dir=$("$bin" version -v | sed -n 's/^profile dir: *//p')
check "completion lists profiles from the binary's profile dir" \
	grep -qF "for f in $profile_dir/*.conf" "$comp"
if command -v bash >/dev/null; then
	out=$(bash -c ". '$comp'; COMP_WORDS=(l2tpsec dis); COMP_CWORD=1; _l2tpsec; echo \${COMPREPLY[*]}")
	check "completion of subcommands" test "$out" = "disconnect"
	out=$(bash -c ". '$comp'; COMP_WORDS=(l2tpsec connect --data); COMP_CWORD=2; _l2tpsec; echo \${COMPREPLY[*]}")
	check "completion of connect's options" test "$out" = "--datapath"
	out=$(bash -c ". '$comp'; COMP_WORDS=(l2tpsec log office i); COMP_CWORD=3; _l2tpsec; echo \${COMPREPLY[*]}")
	check "completion of log's level after the name" test "$out" = "info"
else
	echo "ok 23 # SKIP no bash"
	echo "ok 24 # SKIP no bash"
	echo "ok 25 # SKIP no bash"
fi
rm -f /tmp/l2tpsec-cli.$$
exit $fail
