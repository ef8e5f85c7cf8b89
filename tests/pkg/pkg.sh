#!/bin/bash
# The Debian packages, as an operator gets them: built from this tree with
# dpkg-buildpackage, checked with lintian (errors fail), installed on a
# clean Debian root (root.sh), installed again, upgraded to a newer
# version, run as a three-node cluster the way vipd.service runs vipd
# (pkg-cluster.sh) and as three booted containers where systemd runs it
# (pkg-nspawn.sh), removed and purged, with nothing of them left behind.
# Root only; suite 'pkg'.  PKG_KEEP=1 keeps the work directory.
set -eu
SRC=${PKG_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
HERE=$SRC/tests/pkg
# shellcheck source=tests/pkg/root.sh
. "$HERE/root.sh"
[ "$(id -u)" = 0 ] || { echo "pkg: must run as root"; exit 77; }
T0=$(date +%s)
W=$(mktemp -d "${TMPDIR:-/var/tmp}/vipd-pkg.XXXXXX")
R=$W/root

cleanup() {
	local rc=$?
	if findmnt -rn -o TARGET | grep -q "^$W"; then
		echo "pkg: something is still mounted under $W; left in place"
	elif [ "$rc" = 0 ] && [ "${PKG_KEEP:-0}" != 1 ]; then
		rm -rf -- "$W"
	else
		rm -rf -- "$R"
		echo "pkg: work directory kept: $W (exit status $rc)"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step() { echo "== $(($(date +%s) - T0)) s: $*"; }
fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok: $*"; }
r() { in_root "$R" "$@" </dev/null; }

step "build the packages from a copy of the tree"
mkdir -p "$W/src/vipd"
if git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$SRC" ls-files -co --exclude-standard -z |
		tar -C "$SRC" --null -T - -cf - | tar -C "$W/src/vipd" -xf -
else
	tar -C "$SRC" --exclude='./build*' --exclude=./.git -cf - . |
		tar -C "$W/src/vipd" -xf -
fi
(cd "$W/src/vipd" && dpkg-buildpackage -us -uc -b) >"$W/build.log" 2>&1 ||
	{ tail -n 40 "$W/build.log"; fail "dpkg-buildpackage"; }
debs=()
for p in libvip0 libvip-dev vipd; do
	debs+=("$(ls "$W/src/${p}_"*.deb)")
	echo "$p: $(dpkg-deb -c "${debs[-1]}" | awk '$6 !~ /\/$/ { print $6 }' |
		sed 's|^\./|/|' | paste -sd' ' -)"
done

step "lintian"
lintian --fail-on error --display-info "$W/src/"*.changes 2>&1 |
	grep -v 'root privileges' | tee "$W/lintian.log" ||
	fail "lintian reports errors"
[ "${PIPESTATUS[0]}" = 0 ] || fail "lintian reports errors"

step "a clean root"
tar=$(root_tar "${debs[@]}") || fail "no root"
mkdir "$R"
tar -C "$R" -xf "$tar"

step "install"
mkdir "$R/tmp/debs"
cp "${debs[@]}" "$R/tmp/debs/"
r sh -c 'dpkg -i /tmp/debs/*.deb' >"$W/dpkg.log" 2>&1 ||
	{ cat "$W/dpkg.log"; fail "dpkg -i"; }
uid=$(r id -u vipd) || fail "no vipd user after install"
[ "$uid" -lt 1000 ] || fail "vipd is not a system user: uid $uid"
[ "$(r getent passwd vipd | cut -d: -f7)" = /usr/sbin/nologin ] ||
	fail "vipd user has a login shell: $(r getent passwd vipd)"
ok "user vipd (uid $uid, no login)"
for f in /usr/sbin/vipd /usr/bin/vipctl /etc/vipd/vipd.conf \
	/etc/corosync/uidgid.d/vipd /lib/systemd/system/vipd.service \
	/usr/include/vip.h /usr/lib/sysusers.d/vipd.conf; do
	[ -e "$R$f" ] || fail "$f not installed"
done
[ "$(r dpkg-query -W -f='${Conffiles}' vipd | awk 'NF { print $1 }' | sort |
	paste -sd' ' -)" = "/etc/corosync/uidgid.d/vipd /etc/vipd/vipd.conf" ] ||
	fail "conffiles: $(r dpkg-query -W -f='${Conffiles}' vipd)"
r systemd-analyze verify --man=no vipd.service >"$W/verify.log" 2>&1 ||
	{ cat "$W/verify.log"; fail "systemd-analyze verify vipd.service"; }
[ ! -s "$W/verify.log" ] || { cat "$W/verify.log"; fail "systemd-analyze verify says something"; }
ok "systemd-analyze verify vipd.service: quiet"
r vipd --check-config >/dev/null || fail "the shipped /etc/vipd/vipd.conf does not check"
ok "vipd --check-config reads the shipped /etc/vipd/vipd.conf by default"
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
[ "$(PKG_CONFIG_PATH=$R/usr/lib/$ma/pkgconfig pkg-config --libs libvip | xargs)" = -lvip ] ||
	fail "pkg-config --libs libvip: $(PKG_CONFIG_PATH=$R/usr/lib/$ma/pkgconfig pkg-config --libs libvip 2>&1)"
ok "pkg-config --libs libvip: -lvip"

step "install again, then upgrade to a newer version"
r sh -c 'dpkg -i /tmp/debs/*.deb' >"$W/dpkg.log" 2>&1 || { cat "$W/dpkg.log"; fail "reinstall"; }
[ "$(r id -u vipd)" = "$uid" ] || fail "reinstall changed the vipd user"
echo "# edited by the operator" >>"$R/etc/vipd/vipd.conf"
new=$(dpkg-deb -f "${debs[0]}" Version)+pkgtest1
for d in "${debs[@]}"; do
	rm -rf "$W/x"
	dpkg-deb -R "$d" "$W/x"
	sed -i "s/^Version: .*/Version: $new/; s/(= [^)]*)/(= $new)/" "$W/x/DEBIAN/control"
	dpkg-deb -b "$W/x" "$R/tmp/debs/new-$(basename "$d")" >/dev/null
done
mkdir "$W/new" && cp "$R"/tmp/debs/new-*.deb "$W/new/"
r sh -c 'dpkg -i /tmp/debs/new-*.deb' >"$W/dpkg.log" 2>&1 || { cat "$W/dpkg.log"; fail "upgrade"; }
[ "$(r dpkg-query -W -f='${Version}' vipd)" = "$new" ] || fail "upgrade: version"
grep -q "edited by the operator" "$R/etc/vipd/vipd.conf" || fail "upgrade lost the operator's edit"
[ "$(r id -u vipd)" = "$uid" ] || fail "upgrade changed the vipd user"
ok "reinstalled, upgraded to $new; the edited conffile and the user kept"
rm -rf "$R/tmp/debs"

step "a three-node cluster from the installed files, chrooted, vipd as the unit runs it"
BED_ROOT=$R bash "$HERE/pkg-cluster.sh" || fail "cluster on the installed packages"

step "a three-node cluster of booted containers: systemd runs corosync and vipd"
rc=0
PKG_ROOT=$R PKG_DEBS=$W/new bash "$HERE/pkg-nspawn.sh" || rc=$?
case $rc in
0) ;;
77) echo "pkg: containers skipped: this machine cannot boot one (systemd-nspawn)" ;;
*) fail "cluster of containers" ;;
esac

step "remove, then purge"
r dpkg -r vipd >"$W/dpkg.log" 2>&1 || { cat "$W/dpkg.log"; fail "dpkg -r vipd"; }
[ ! -e "$R/usr/sbin/vipd" ] && [ -e "$R/etc/vipd/vipd.conf" ] ||
	fail "remove: binary left or conffile gone"
head -c 32 /dev/urandom >"$R/etc/vipd/handoff.key"
mkdir -p "$R/run/vipd"
r dpkg --purge vipd libvip-dev libvip0 >"$W/dpkg.log" 2>&1 ||
	{ cat "$W/dpkg.log"; fail "dpkg --purge"; }
left=$(cd "$R" && find . -xdev \( -name '*vipd*' -o -name '*libvip*' -o -name vip.h \) | sort)
[ -z "$left" ] || fail "left after purge: $left"
r id vipd >/dev/null || fail "the vipd user went with the purge"
ok "purged: no file named *vipd*, *libvip* or vip.h left; /etc/vipd and /run/vipd gone; user vipd kept (Debian policy)"
step "done"
