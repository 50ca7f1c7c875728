#!/bin/sh
# Install the Debian 12 packages l2tpsec needs to build, test and run its
# interop rig. Installs only what is missing, so it is quick the second time.
#   scripts/deps.sh          build + unit tests + fuzzing + interop rig
#   scripts/deps.sh --build  only what building and unit tests need
#   scripts/deps.sh --package  also what the Debian package step needs
#                              (scripts/test --package): debhelper, lintian
set -eu

# clang's libFuzzer and sanitizer runtimes are only a recommendation of clang:
# name them, since recommendations are not installed here.
build_pkgs="build-essential autoconf automake pkg-config libssl-dev libnl-3-dev
 libnl-genl-3-dev libnl-xfrm-3-dev libnl-route-3-dev libcmocka-dev clang
 libclang-rt-14-dev ppp nftables iproute2 libnm-dev"
rig_pkgs="user-mode-linux qemu-system-x86 linux-image-amd64 busybox-static cpio
 strongswan-charon strongswan-swanctl strongswan-pki libcharon-extra-plugins
 libstrongswan-standard-plugins libstrongswan-extra-plugins xl2tpd iptables
 tcpdump iperf3 kmod python3-minimal tshark dnsmasq-base radvd jq systemd
 libnss3-tools libnss3 libnspr4 libcurl3-nss libevent-core-2.1-7 libevent-pthreads-2.1-7
 libldns3 libunbound8 libcap-ng0 libaudit1 libldap-2.5-0 dns-root-data libcli1.10
 dbus-daemon libnm0 libmm-glib0 libndp0 libnewt0.52 libteamdctl0 libbluetooth3 libjansson4
 libcurl3-gnutls libpsl5 libreadline8"
# Libreswan, l2tpns and NetworkManager (network-manager) themselves are
# unpacked, not installed (their libraries above are):
# tests/interop/lib/gw-unpack.sh. NetworkManager's package would start it on
# the host and let it manage the host's interfaces; the rig copies it into a
# guest's throw-away root instead (l2tpsec-nm). libnm-dev builds nm/.
unpack_gateways() {
	[ "$(id -u)" -eq 0 ] || return 0
	"$(dirname "$0")/../tests/interop/lib/gw-unpack.sh"
}
# Only the package step (scripts/test --package) needs these: debhelper
# pulls in ~60 Perl packages, lintian as many again.
package_pkgs="debhelper dpkg-dev lintian bash-completion systemd"

pkgs=$build_pkgs
[ "${1:-}" = "--build" ] || pkgs="$build_pkgs $rig_pkgs"
[ "${1:-}" = "--package" ] && pkgs="$pkgs $package_pkgs"

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
if [ -z "$missing" ]; then
	[ "${1:-}" = "--build" ] || unpack_gateways
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages:$missing (run as root or install them with apt-get)" >&2
	exit 1
fi
echo "deps.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture: no (the rig runs as root)
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
[ "${1:-}" = "--build" ] || unpack_gateways
