#!/bin/sh
# Unpack the gateways the rig runs but must not install: Libreswan (its
# package conflicts with strongSwan's), l2tpns (its package starts a
# daemon on UDP 1701 of the host) and NetworkManager (network-manager: its
# package would start it on the host; the l2tpsec-nm guest copies it into
# its own root). `apt-get download` + `dpkg -x` into a
# private prefix, once per package version; their libraries are ordinary
# packages (scripts/deps.sh installs them).
#   tests/interop/lib/gw-unpack.sh [DIR]     (default /var/cache/l2tpsec-rig)
# Prints nothing when everything is there already; exit 1 naming what failed.
set -eu
cache=${1:-${RIG_GW_CACHE:-/var/cache/l2tpsec-rig}}
mkdir -p "$cache"
for pkg in libreswan l2tpns network-manager; do
	[ -x "$cache/$pkg/.unpacked" ] && continue
	tmp=$(mktemp -d)
	# _apt cannot write into a root-only mktemp dir: let it
	chmod 755 "$tmp"
	if ! (cd "$tmp" && apt-get download -q "$pkg" >/dev/null 2>&1); then
		rm -rf "$tmp"
		echo "gw-unpack: cannot download the Debian package $pkg (apt-get update?)" >&2
		exit 1
	fi
	deb=$(ls "$tmp"/"$pkg"_*.deb)
	ver=$(dpkg-deb -f "$deb" Version)
	rm -rf "$cache/$pkg-$ver.tmp"
	dpkg -x "$deb" "$cache/$pkg-$ver.tmp"
	rm -rf "$cache/$pkg-$ver"
	mv "$cache/$pkg-$ver.tmp" "$cache/$pkg-$ver"
	rm -rf "$tmp"
	ln -sfn "$pkg-$ver" "$cache/$pkg"
	# marker last: an interrupted unpack is redone
	printf '#!/bin/sh\necho %s\n' "$ver" >"$cache/$pkg/.unpacked"
	chmod 755 "$cache/$pkg/.unpacked"
	echo "gw-unpack: $pkg $ver in $cache/$pkg"
done
