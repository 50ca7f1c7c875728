#!/bin/sh
# TAP test of the systemd unit's least privilege (issue #14): only the
# capabilities l2tpsec and pppd need, the hardening options, and (when
# systemd-analyze is there) an exposure of 3.0 or less, analysed offline.
unit=${L2TPSEC_SRCDIR:-.}/scripts/l2tpsec@.service.in
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fail=1; echo "not ok $n - $1"; }
has() { grep -qx "$1" "$unit"; }
check() { desc=$1; shift; if "$@"; then ok "$desc"; else not_ok "$desc"; fi; }

echo "1..5"
check "capabilities: CAP_NET_ADMIN CAP_NET_BIND_SERVICE CAP_CHOWN only" \
	has "CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_BIND_SERVICE CAP_CHOWN"
check "no new privileges" has "NoNewPrivileges=yes"
check "address families" has "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK AF_PPPOX"
missing=""
for o in ProtectSystem=strict ProtectHome=tmpfs PrivateTmp=yes SystemCallArchitectures=native \
	MemoryDenyWriteExecute=yes LockPersonality=yes RestrictNamespaces=yes \
	ProtectKernelModules=yes ProtectKernelTunables=yes DevicePolicy=closed UMask=0077; do
	has "$o" || missing="$missing $o"
done
check "hardening options present${missing:+ (missing:$missing)}" test -z "$missing"
if command -v systemd-analyze >/dev/null 2>&1; then
	dir=$(mktemp -d)
	sed 's|@sbindir@|/usr/sbin|g' "$unit" >"$dir/l2tpsec@.service"
	level=$(systemd-analyze security --offline=true --no-pager "$dir/l2tpsec@.service" 2>/dev/null |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	rm -rf "$dir"
	if [ -z "$level" ]; then
		ok "# SKIP systemd-analyze security --offline unsupported"
	else
		check "systemd-analyze security exposure $level <= 3.0" \
			awk -v l="$level" 'BEGIN { exit !(l <= 3.0) }'
	fi
else
	ok "# SKIP systemd-analyze not installed"
fi
exit $fail
