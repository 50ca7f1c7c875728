#!/bin/bash
# Secrets the way people type them, and keys for Wireshark (issue 21), on
# both data paths:
#  kernel: connect on a terminal (script(1)'s pty) with --otp: the question is shown,
#    the typed code is not echoed and is in no argv or environment of l2tpsec
#    or pppd; when the gateway ends PPP, the reconnect asks for a new code on
#    the terminal; Ctrl-C at that prompt ends l2tpsec, the terminal stays sane.
#  userspace: --password-stdin --otp; the gateway ends PPP, nobody can be
#    asked: exit 7 and no reconnect.
#  both: --save-keys; captures on the client's side (no plaintext L2TP on the
#    wire), decoded by tshark with the saved files, show the Main Mode
#    identity payloads, L2TP control messages and PPP frames.
. "$(dirname "$0")/../../lib/scenario.sh"
. "$(dirname "$0")/../../lib/l2tpsec.sh"

rig_init l2tpsec-secrets
rig_need_stack
rig_need_l2tpsec
rig_need tshark tshark mergecap wireshark-common script bsdutils
rig_topo_up
rig_gw_up
d=$(rig_role_dir client)
L2TPSEC_RUN_DIR=$d/run/l2tpsec
umask 077
printf '%s\n' "$GW_PSK" >"$d/psk"
printf '%s\n' "$GW_PASSWORD" >"$d/password"
mkdir -p "$d/keys-kernel" "$d/keys-userspace"
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

# decode_both: one tshark run (it starts slowly under TCG) over both
# captures with both runs' saved files as its configuration directory: Main
# Mode ID payloads (MM5, MM6, Quick Mode IDs), L2TP control messages and PPP
# control frames of each capture must be readable. On the wire there is no
# plaintext L2TP: what tshark shows, it decrypted with the files.
decode_both() {
	local k=$RIG_LOGDIR/client-kernel.pcap u=$RIG_LOGDIR/client-userspace.pcap
	local both=$RIG_LOGDIR/client-both.pcap out=$RIG_LOGDIR/tshark.txt n1 f
	[ "$(tcpdump -r "$k" -n 'udp port 1701' 2>/dev/null | wc -l)" = 0 ] ||
		rig_fail "plaintext L2TP in the kernel capture"
	[ "$(tcpdump -r "$u" -n 'udp port 1701' 2>/dev/null | wc -l)" = 0 ] ||
		rig_fail "plaintext L2TP in the userspace capture"
	n1=$(tcpdump -r "$k" -n 2>/dev/null | wc -l)
	mergecap -a -w "$both" "$k" "$u" || rig_fail "mergecap failed"
	(umask 077 && mkdir -p "$d/keys-both")
	for f in ikev1_decryption_table esp_sa; do
		cat "$d/keys-kernel/$f" "$d/keys-userspace/$f" >"$d/keys-both/$f"
	done
	cp "$d/keys-kernel/preferences" "$d/keys-both/"
	WIRESHARK_CONFIG_DIR=$d/keys-both tshark -r "$both" -n -T fields -e frame.number \
		-e frame.protocols -e isakmp.id.type >"$out" 2>"$RIG_LOGDIR/tshark.err" ||
		rig_fail "tshark failed"
	# per capture: ID payloads, L2TP control messages, PPP control frames
	DECODED_KERNEL=$(awk -F'\t' -v n="$n1" -f - "$out" <<'AWK'
function part(x) { return x <= n ? 1 : 2 }
$3 != "" { ids[part($1)]++ }
$2 ~ /:esp:udp:l2tp$/ { l2tp[part($1)]++ }
$2 ~ /:l2tp:ppp:(lcp|chap|pap|ipcp)/ { ppp[part($1)]++ }
END { for (i = 1; i <= 2; i++) printf "ids=%d l2tp=%d ppp=%d\n", ids[i], l2tp[i], ppp[i] }
AWK
)
	DECODED_USERSPACE=$(sed -n 2p <<<"$DECODED_KERNEL")
	DECODED_KERNEL=$(sed -n 1p <<<"$DECODED_KERNEL")
	rig_log "tshark: kernel $DECODED_KERNEL; userspace $DECODED_USERSPACE"
	for f in "$DECODED_KERNEL" "$DECODED_USERSPACE"; do
		case $f in ids=0* | *l2tp=0* | *ppp=0) rig_fail "capture not decoded: $f" ;; esac
	done
}

# The terminal: script(1) runs the command on a pseudo-terminal, records
# what it shows in $screen and takes what we "type" from a fifo.
screen=$RIG_LOGDIR/client-terminal.txt
type_keys() { printf '%s' "$1" >&"$keys"; }
shown() {
	local n; n=$(grep -cF -- "$1" "$screen" 2>/dev/null)
	[ "${n:-0}" -ge "${2:-1}" ]
}

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
rig_wait_for 30 grep -q 'speed' "$screen" || rig_fail "stty did not run"
echo_flag=$(tr ' ;\r' '\n\n\n' <"$screen" | grep -x -- '-\?echo' | tail -n1)
[ "$echo_flag" = echo ] || rig_fail "terminal left without echo after Ctrl-C: $echo_flag"
exec {keys}>&-
[ -z "$(rig_in client ip xfrm state)" ] || rig_fail "XFRM states left after Ctrl-C"

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
rig_log "userspace: --password-stdin, exit 7 when the gateway ended PPP and nobody could be asked"
decode_both
rig_result "kernel=[$DECODED_KERNEL] userspace=[$DECODED_USERSPACE] otp_exit=$rc"
