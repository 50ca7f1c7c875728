# l2tpsec interop rig: common helpers (bash; sourced, never executed).
#
# Logging, timing, process tracking, cleanup, namespaced "roles".
# A role is one network namespace plus its own mount namespace in which
# /run, /etc/ppp, /etc/swanctl, /etc/xl2tpd, /etc/strongswan.conf and
# /etc/strongswan.d are bind mounts of per-role directories (gotcha 5), so two
# charon / xl2tpd / pppd instances never share pid files, sockets or configs.
#
# Variables (all optional):
#   RIG_DIR      work dir of this run (created; removed on exit unless RIG_KEEP=1)
#   RIG_LOGDIR   where logs/pcaps go (default $RIG_DIR/logs)
#   RIG_NS_PREFIX prefix for netns names (host mode uses a unique one)

[ -n "${RIG_COMMON_SOURCED:-}" ] && return 0
RIG_COMMON_SOURCED=1

RIG_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RIG_TOP=$(cd "$RIG_LIB/.." && pwd)
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LC_ALL=C

RIG_T0=${EPOCHREALTIME/./}
RIG_PIDS=()        # "pid:name" of every process the rig started
RIG_NETNS=()       # netns names the rig created
RIG_CLEANUP_HOOKS=()

# ---- logging / time ---------------------------------------------------------
rig_now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
rig_log() {
	local t=${EPOCHREALTIME/./}
	t=$(((t - RIG_T0) / 1000))
	printf '[%d.%03d] %s\n' $((t / 1000)) $((t % 1000)) "$*" >&2
}
rig_fail() { rig_log "FAIL: $*"; exit 1; }
rig_skip() { rig_log "SKIP: $*"; echo "SKIP ${RIG_SCENARIO_NAME:-scenario}: $*"; exit 77; }

# rig_sleep SECONDS: sleep without creating a process (gotcha 10).
rig_sleep() {
	if [ -z "${RIG_SLEEP_FD:-}" ]; then
		local f="$RIG_DIR/.sleep.fifo"
		[ -p "$f" ] || mkfifo "$f"
		exec {RIG_SLEEP_FD}<>"$f"
	fi
	read -r -t "$1" -u "$RIG_SLEEP_FD" _ 2>/dev/null
	return 0
}

# rig_wait_for TIMEOUT_S TEST-COMMAND...: poll a (builtin) test every 50 ms.
rig_wait_for() {
	local deadline=$(($(rig_now_ms) + ${1%.*} * 1000)); shift
	until "$@"; do
		[ "$(rig_now_ms)" -ge "$deadline" ] && return 1
		rig_sleep 0.05
	done
	return 0
}

# ---- prerequisites ------------------------------------------------------------
# rig_need CMD PACKAGE [CMD PACKAGE...]: fail (exit 77 = skip) naming the package.
rig_need() {
	local missing=()
	while [ $# -ge 2 ]; do
		if [ "${1#/}" != "$1" ]; then [ -e "$1" ] || missing+=("$1 (Debian package $2)")
		else command -v "$1" >/dev/null 2>&1 || missing+=("$1 (Debian package $2)"); fi
		shift 2
	done
	if [ ${#missing[@]} -gt 0 ]; then
		local m
		for m in "${missing[@]}"; do echo "missing prerequisite: $m" >&2; done
		rig_skip "missing prerequisites: ${missing[*]}"
	fi
}
rig_need_stack() {
	rig_need /usr/lib/ipsec/charon strongswan-charon swanctl strongswan-swanctl \
		xl2tpd xl2tpd pppd ppp ip iproute2 nsenter util-linux unshare util-linux \
		tcpdump tcpdump timeout coreutils
}

# ---- process tracking -----------------------------------------------------------
rig_track() { RIG_PIDS+=("$1:${2:-proc}"); }

# rig_stop_pid PID: TERM, wait up to 3 s, then KILL.
rig_stop_pid() {
	local pid=$1 i
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 60; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		rig_sleep 0.05
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# Inode of a netns, for finding processes the rig started indirectly (pppd
# spawned by xl2tpd, ip-up scripts...).
rig_netns_id() { stat -L -c %i "/run/netns/$1" 2>/dev/null; }

# Kill every process living in one of the rig's network namespaces, by pid.
rig_kill_netns_procs() {
	local ns p pass found
	[ ${#RIG_NETNS[@]} -eq 0 ] && return 0
	for pass in TERM KILL; do
		found=0
		for p in /proc/[0-9]*; do
			[ "${p#/proc/}" = "$$" ] && continue
			for ns in "${RIG_NETNS[@]}"; do
				# builtin test -ef: same device+inode, no process per check
				if [ "$p/ns/net" -ef "/run/netns/$ns" ]; then
					kill -"$pass" "${p#/proc/}" 2>/dev/null && found=1
					break
				fi
			done
		done
		[ $found = 0 ] && break
		rig_sleep 0.3
	done
}

rig_cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	set +e
	local h e
	rig_log "cleanup (exit status $rc)"
	for h in "${RIG_CLEANUP_HOOKS[@]}"; do $h; done
	# Reverse order: clients first, holders last.
	local i
	for ((i = ${#RIG_PIDS[@]} - 1; i >= 0; i--)); do
		e=${RIG_PIDS[$i]}
		rig_stop_pid "${e%%:*}"
	done
	rig_kill_netns_procs
	local ns
	for ns in "${RIG_NETNS[@]}"; do ip netns del "$ns" 2>/dev/null; done
	[ -n "${RIG_SLEEP_FD:-}" ] && exec {RIG_SLEEP_FD}>&-
	rig_log "cleanup done"
	if [ -n "${RIG_DIR:-}" ] && [ "${RIG_KEEP:-0}" != 1 ] && [ "${RIG_DIR_OWNED:-0}" = 1 ]; then
		rm -rf "$RIG_DIR"
	fi
	return $rc
}

# rig_init NAME: set up RIG_DIR/RIG_LOGDIR and the cleanup trap.
rig_init() {
	RIG_SCENARIO_NAME=${1:-${RIG_SCENARIO_NAME:-scenario}}
	[ -n "${RIG_INITED:-}" ] && return 0
	RIG_INITED=1
	if [ -z "${RIG_DIR:-}" ]; then
		RIG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/l2tpsec-rig.XXXXXX") || exit 1
		RIG_DIR_OWNED=1
	fi
	mkdir -p "$RIG_DIR"
	RIG_LOGDIR=${RIG_LOGDIR:-$RIG_DIR/logs}
	mkdir -p "$RIG_LOGDIR"
	trap rig_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	export RIG_DIR RIG_LOGDIR
}

# ---- roles ------------------------------------------------------------------------
# rig_role_create ROLE NETNS: per-role dirs + a holder process in NETNS with its
# own mount namespace.  Afterwards: rig_in ROLE CMD..., rig_bg ROLE NAME CMD...
rig_role_create() {
	local role=$1 ns=$2 d="$RIG_DIR/roles/$1"
	mkdir -p "$d/run" "$d/etc/ppp" "$d/etc/xl2tpd" "$d/etc/strongswan.d" \
		"$d/etc/swanctl"/{conf.d,x509,x509ca,x509aa,x509ac,x509crl,x509ocsp,private,rsa,ecdsa,bliss,pkcs8,pkcs12,pubkey}
	: >"$d/etc/strongswan.conf"
	: >"$d/etc/ppp/options"
	mkfifo "$d/.ready"
	local binds="mount --bind '$d/run' /run && mount --bind '$d/etc/ppp' /etc/ppp &&
		mount --bind '$d/etc/xl2tpd' /etc/xl2tpd && mount --bind '$d/etc/swanctl' /etc/swanctl &&
		mount --bind '$d/etc/strongswan.d' /etc/strongswan.d &&
		mount --bind '$d/etc/strongswan.conf' /etc/strongswan.conf"
	ip netns exec "$ns" unshare -m --propagation private -- \
		bash -c "$binds && echo ok >'$d/.ready' && exec sleep infinity" \
		</dev/null >>"$RIG_LOGDIR/holder-$role.log" 2>&1 &
	local pid=$!
	rig_track "$pid" "holder-$role"
	local ok=""
	exec {_rfd}<>"$d/.ready"
	read -r -t 20 -u $_rfd ok
	exec {_rfd}>&-
	[ "$ok" = ok ] || rig_fail "role $role: holder did not come up (see holder-$role.log)"
	echo "$pid" >"$d/holder.pid"
	eval "RIG_ROLE_PID_${role//-/_}=$pid"
	eval "RIG_ROLE_NS_${role//-/_}=$ns"
}
rig_role_dir() { echo "$RIG_DIR/roles/$1"; }
rig_role_pid() { local v="RIG_ROLE_PID_${1//-/_}"; echo "${!v}"; }

# rig_in ROLE CMD...: run CMD inside ROLE's network + mount namespace.
rig_in() {
	local role=$1; shift
	local v="RIG_ROLE_PID_${role//-/_}"
	[ -n "${!v:-}" ] || rig_fail "unknown role $role"
	nsenter -t "${!v}" -m -n -- "$@"
}
# rig_bg ROLE NAME CMD...: start CMD in ROLE in the background, stdout+stderr
# to $RIG_LOGDIR/ROLE-NAME.log, pid tracked; pid in $RIG_BG_PID.
rig_bg() {
	local role=$1 name=$2; shift 2
	local v="RIG_ROLE_PID_${role//-/_}"
	[ -n "${!v:-}" ] || rig_fail "unknown role $role"
	# A simple command (not a function) in the background: $! is the daemon
	# itself (nsenter execs it), so it can be stopped and measured by pid.
	nsenter -t "${!v}" -m -n -- "$@" </dev/null >>"$RIG_LOGDIR/$role-$name.log" 2>&1 &
	RIG_BG_PID=$!
	rig_track "$RIG_BG_PID" "$role-$name"
	echo "$RIG_BG_PID" >"$RIG_DIR/roles/$role/$name.bgpid"
}

# ---- events (ip-up etc.) via fifos: no polling ------------------------------------
# rig_event_open ROLE NAME: create+open a fifo $ROLE_DIR/run/NAME.ev for reading
# (O_RDWR, so writers never block and nothing written is lost).
rig_event_open() {
	local f="$RIG_DIR/roles/$1/run/$2.ev"
	[ -p "$f" ] || mkfifo "$f"
	local fd
	exec {fd}<>"$f"
	eval "RIG_EV_${1//-/_}_$2=$fd"
}
# rig_event_wait ROLE NAME TIMEOUT: read one line into RIG_EVENT; 1 on timeout.
rig_event_wait() {
	local v="RIG_EV_${1//-/_}_$2"
	RIG_EVENT=""
	read -r -t "$3" -u "${!v}" RIG_EVENT
}

# ---- misc ---------------------------------------------------------------------------
# rig_rss_kb PID...: summed VmRSS of the given pids.
rig_rss_kb() {
	local total=0 p k v u
	for p in "$@"; do
		[ -r "/proc/$p/status" ] || continue
		while read -r k v u; do
			[ "$k" = VmRSS: ] && total=$((total + v))
		done <"/proc/$p/status"
	done
	echo "$total"
}

# rig_result KEY=VALUE...: the one machine-readable summary line of a scenario.
rig_result() {
	echo "RESULT scenario=${RIG_SCENARIO_NAME} $*"
	echo "RESULT scenario=${RIG_SCENARIO_NAME} $*" >>"$RIG_LOGDIR/result.txt"
}

# Are we inside the emulated kernel?
rig_in_guest() { [ "${RIG_IN_GUEST:-0}" = 1 ]; }

# rig_iptables NETNS ARGS...: iptables inside NETNS.  UML has no nf_tables
# NAT (gotcha 4): the guest uses iptables-legacy; the host whatever works.
rig_iptables() {
	local ns=$1; shift
	if [ -z "${RIG_IPTABLES:-}" ]; then
		if rig_in_guest && command -v iptables-legacy >/dev/null; then RIG_IPTABLES=iptables-legacy
		elif ip netns exec "$ns" iptables -t nat -S >/dev/null 2>&1; then RIG_IPTABLES=iptables
		else RIG_IPTABLES=iptables-legacy; fi
	fi
	ip netns exec "$ns" "$RIG_IPTABLES" "$@"
}

# rig_ping ARGS...: ping (iputils) or busybox ping (iputils-ping is optional).
rig_ping() {
	if command -v ping >/dev/null 2>&1; then ping "$@"; else busybox ping "$@"; fi
}
if command -v ping >/dev/null 2>&1; then RIG_PING=(ping); else RIG_PING=(busybox ping); fi
rig_ping_ns() { local ns=$1; shift; ip netns exec "$ns" "${RIG_PING[@]}" "$@"; }

# rig_need_l2tpsec: for scenarios running the project's client binary; skips
# cleanly when it is absent or L2TPSEC_INTEROP_SKIP_L2TPSEC=1.  Sets L2TPSEC_BIN.
rig_need_l2tpsec() {
	[ "${L2TPSEC_INTEROP_SKIP_L2TPSEC:-0}" = 1 ] && rig_skip "l2tpsec scenarios disabled (L2TPSEC_INTEROP_SKIP_L2TPSEC=1)"
	: "${L2TPSEC_BIN:=${L2TPSEC_BUILDDIR:-.}/client/l2tpsec}"
	[ -x "$L2TPSEC_BIN" ] || rig_skip "l2tpsec binary not found at $L2TPSEC_BIN (build it or set L2TPSEC_BIN)"
	export L2TPSEC_BIN
}
