#!/bin/bash
# Secrets the way people type them, and keys for Wireshark (issue 21), on
# both data paths:
#  kernel: connect on a terminal (script(1)'s pty) with --otp: the question is shown,
#    the typed code is not echoed and is in no argv or environment of l2tpsec
#    or pppd; when the gateway ends PPP, the reconnect asks for a new code on
#    the terminal; Ctrl-C at that prompt ends l2tpsec, the terminal stays sane.
#  userspace: --password-stdin --otp; the gateway ends PPP, nobody can be
#    asked: exit 7 and no reconnect.
#  both: --save-keys; a capture on the client's side, decoded by tshark with
#    the saved files, shows the Main Mode identity payloads, L2TP control
#    messages and PPP frames (and without the files, none of them).
. "$(dirname "$0")/../../lib/scenario.sh"
. "$(dirname "$0")/../../lib/l2tpsec.sh"

rig_init l2tpsec-secrets
rig_need_stack
rig_need_l2tpsec
rig_need tshark tshark script bsdutils
rig_topo_up
rig_gw_up
d=$(rig_role_dir client)
L2TPSEC_RUN_DIR=$d/run/l2tpsec
umask 077
printf '%s\n' "$GW_PSK" >"$d/psk"
printf '%s\n' "$GW_PASSWORD" >"$d/password"
mkdir -p "$d/keys-kernel" "$d/keys-userspace" "$d/no-keys"
umask 022
common=(--gateway "$GW_PUBLIC_ADDR" --psk-file "$d/psk" --user "$GW_USER" --otp
	--run-dir "$L2TPSEC_RUN_DIR" -v)
question="One-time password for $GW_USER at $GW_PUBLIC_ADDR: "
export RIG_SNAPLEN=0 # whole packets: they are decrypted

# The gateway ends the PPP session (its pppd sends LCP Terminate-Request).
gw_end_ppp() {
	local p n ns; ns=$(rig_ns gw)
	for p in /proc/[0-9]*; do
		[ "$p/ns/net" -ef "/run/netns/$ns" ] || continue
		read -r n <"$p/comm" 2>/dev/null || continue
		[ "$n" = pppd ] && kill -TERM "${p#/proc/}"
	done
}

# secret_nowhere PID...: the password is in no argv or environment.
secret_nowhere() {
	local p
	for p in "$@"; do
		[ -r "/proc/$p/cmdline" ] || rig_fail "process $p is gone"
		! grep -qaF -- "$GW_PASSWORD" "/proc/$p/cmdline" "/proc/$p/environ" ||
			rig_fail "the password is in /proc/$p/cmdline or environ ($(cat "/proc/$p/comm"))"
	done
}

# client_procs COMM: pids of the client role's processes of that name.
client_procs() {
	local p n ns; ns=$(rig_ns client)
	for p in /proc/[0-9]*; do
		[ "$p/ns/net" -ef "/run/netns/$ns" ] || continue
		read -r n <"$p/comm" 2>/dev/null && [ "$n" = "$1" ] && echo "${p#/proc/}"
	done
}

# decode PCAP KEYDIR TAG: tshark with the saved files as its configuration
# directory; Main Mode ID payloads (MM5, MM6), L2TP control messages and PPP
# control frames must be readable, and none without the files.
decode() {
	local out="$RIG_LOGDIR/tshark-$3.txt" ids l2tp ppp
	WIRESHARK_CONFIG_DIR=$2 tshark -r "$1" -n -T fields -e frame.protocols -e isakmp.id.type \
		>"$out" 2>"$RIG_LOGDIR/tshark-$3.err" || rig_fail "tshark failed on $1"
	ids=$(awk -F'\t' '$2 != ""' "$out" | wc -l)
	l2tp=$(grep -c ':esp:udp:l2tp\s*$' "$out")
	ppp=$(grep -Ec ':l2tp:ppp:(lcp|chap|pap|ipcp)' "$out")
	rig_log "tshark $3: $ids ID payloads, $l2tp L2TP control messages, $ppp PPP control frames"
	DECODED="ids=$ids l2tp=$l2tp ppp=$ppp"
}

# The terminal: script(1) runs the command on a pseudo-terminal, records
# what it shows in $screen and takes what we "type" from a fifo.
screen=$RIG_LOGDIR/client-terminal.txt
type_keys() { printf '%s' "$1" >&"$keys"; }
shown() { [ "$(grep -cF -- "$1" "$screen" 2>/dev/null)" -ge "${2:-1}" ]; }

# ---- kernel path, on a terminal ----------------------------------------------
log1="$RIG_LOGDIR/client-l2tpsec-tty.log"
mkfifo "$d/keys.fifo"
exec {keys}<>"$d/keys.fifo"
rig_capture_start client eth0
rig_bg client terminal sh -c 'exec script -qfec "$1" "$2" <"$0"' "$d/keys.fifo" \
	"$L2TPSEC_BIN connect --name sec ${common[*]} --datapath kernel --save-keys $d/keys-kernel \
	>$log1 2>&1; echo l2tpsec-exit=\$?; stty -a" "$screen"
rig_wait_for 30 shown "$question" || { cat "$screen" >&2; rig_fail "no password prompt on the terminal"; }
type_keys "$GW_PASSWORD"$'\r'
rig_wait_for 90 grep -q '^connected ' "$log1" || { tail -n 30 "$log1" >&2; rig_fail "no connection after the typed password"; }
read -r _ _ _ CLIENT_PPP_IF _ CLIENT_PPP_ADDR _ _ < <(grep '^connected ' "$log1")
pid1=$(client_procs l2tpsec)
pppd1=$(client_procs pppd)
[ -n "$pid1" ] && [ -n "$pppd1" ] || rig_fail "l2tpsec ($pid1) or pppd ($pppd1) not found"
# shellcheck disable=SC2086
secret_nowhere $pid1 $pppd1
! grep -qF -- "$GW_PASSWORD" "$screen" || rig_fail "the typed password was echoed"
rig_assert_ping
grep -q 'save-keys: writing' "$log1" || rig_fail "no warning about save-keys"
[ "$(stat -c %a "$d/keys-kernel/esp_sa")" = 600 ] || rig_fail "esp_sa is not 0600"
rig_log "kernel: prompt shown, code not echoed, in no argv/environ of l2tpsec ($pid1) or pppd ($pppd1)"

# The gateway ends PPP: a new session needs a new code, asked on the terminal.
gw_end_ppp
rig_wait_for 40 shown "$question" 2 ||
	{ tail -n 30 "$log1" >&2; rig_fail "the reconnect did not ask for a new one-time password"; }
grep -q 'one-time password used: wiped' "$log1" || rig_fail "the used code was not wiped"
rig_capture_stop
mv "$RIG_PCAP" "$RIG_LOGDIR/client-kernel.pcap"
# Ctrl-C at the prompt: l2tpsec ends, the terminal echoes again (stty -a).
type_keys $'\003'
rig_wait_for 20 shown "l2tpsec-exit=" || rig_fail "l2tpsec did not end on Ctrl-C at the prompt"
rig_wait_for 10 grep -q 'speed' "$screen" || rig_fail "stty did not run"
echo_flag=$(tr ' ;\r' '\n\n\n' <"$screen" | grep -x -- '-\?echo' | tail -n1)
[ "$echo_flag" = echo ] || rig_fail "terminal left without echo after Ctrl-C: $echo_flag"
exec {keys}>&-
[ -z "$(rig_in client ip xfrm state)" ] || rig_fail "XFRM states left after Ctrl-C"
decode "$RIG_LOGDIR/client-kernel.pcap" "$d/keys-kernel" kernel
kernel_decoded=$DECODED
case $kernel_decoded in ids=0* | *l2tp=0* | *ppp=0) rig_fail "kernel capture not decoded: $kernel_decoded" ;; esac
decode "$RIG_LOGDIR/client-kernel.pcap" "$d/no-keys" kernel-nokeys
[ "$DECODED" = "ids=0 l2tp=0 ppp=0" ] || rig_fail "decoded without keys: $DECODED"

# ---- userspace path, --password-stdin, nobody to ask again -----------------------
log2="$RIG_LOGDIR/client-l2tpsec-stdin.log"
rig_capture_start client eth0
rig_bg client l2tpsec-stdin sh -c 'exec "$@" <"$0"' "$d/password" "$L2TPSEC_BIN" connect \
	--name sec2 "${common[@]}" --password-stdin --datapath userspace --save-keys "$d/keys-userspace"
pid2=$RIG_BG_PID
rig_wait_for 90 grep -q '^connected ' "$log2" || { tail -n 30 "$log2" >&2; rig_fail "--password-stdin did not connect"; }
read -r _ _ _ CLIENT_PPP_IF _ CLIENT_PPP_ADDR _ _ < <(grep '^connected ' "$log2")
secret_nowhere "$pid2"
rig_assert_ping
gw_end_ppp
rig_wait_for 30 eval '! kill -0 '"$pid2"' 2>/dev/null' || rig_fail "l2tpsec kept running after its code was used"
wait "$pid2"; rc=$?
[ "$rc" = 7 ] || { tail -n 20 "$log2" >&2; rig_fail "exit status $rc, not 7"; }
grep -q 'one-time password was used and no new one was given' "$log2" || rig_fail "no clear message"
! grep -q 'reconnecting in' "$log2" || rig_fail "it tried to reconnect with a used code"
rig_capture_stop
mv "$RIG_PCAP" "$RIG_LOGDIR/client-userspace.pcap"
decode "$RIG_LOGDIR/client-userspace.pcap" "$d/keys-userspace" userspace
case $DECODED in ids=0* | *l2tp=0* | *ppp=0) rig_fail "userspace capture not decoded: $DECODED" ;; esac
rig_log "userspace: --password-stdin, exit 7 when the gateway ended PPP and nobody could be asked"

rig_result "kernel=[$kernel_decoded] userspace=[$DECODED] otp_exit=$rc"
