#!/bin/sh
# Installs what vipd needs to build and test, from Debian's packages.
# (libclang-rt-dev: the libFuzzer and sanitizer runtimes of tools/fuzz.sh.)
# Idempotent; skips apt when everything is already there.
set -eu
PKGS="meson ninja-build pkg-config gcc clang libc6-dev
libmnl-dev libnftnl-dev libnftables-dev nftables libcpg-dev libquorum-dev
libvotequorum-dev libcorosync-common-dev corosync libcap-ng-dev
libcmap-dev libsystemd-dev libcmocka-dev libjson-c-dev iproute2 jq util-linux procps cppcheck socat
clang-tidy libclang-rt-dev"
# tests/pkg: build the Debian packages, check them, install them on a clean
# root and boot it
PKGS="$PKGS debhelper dpkg-dev lintian mmdebstrap git systemd-container"
# cluster-journal: a real systemd-journald in a bed node
PKGS="$PKGS systemd"
# cluster-metrics: a real Prometheus parser for the metrics
PKGS="$PKGS python3-prometheus-client"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing:$missing; run as root to install them" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
