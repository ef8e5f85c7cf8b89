#!/bin/bash
# `meson install` with this build's prefix (default /usr/local) into a
# DESTDIR: the unit runs the vipd that was installed, with the
# configuration that was installed, which is also vipd's default; the
# system user's sysusers.d file and corosync's uidgid entry land where
# systemd-sysusers and corosync (/etc/corosync) read them.
set -eu
: "${BUILD_ROOT:?}"
D=$(mktemp -d "${TMPDIR:-/tmp}/vipd-install.XXXXXX")
trap 'rm -rf -- "$D"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
meson install -C "$BUILD_ROOT" --destdir "$D" --no-rebuild --quiet >"$D.log" 2>&1 ||
	{ cat "$D.log"; rm -f "$D.log"; fail "meson install"; }
rm -f "$D.log"
unit=$(cd "$D" && find . -name vipd.service | sed 's|^\.||')
case $unit in
/usr/lib/systemd/system/vipd.service | /lib/systemd/system/vipd.service | \
	/usr/local/lib/systemd/system/vipd.service | /etc/systemd/system/vipd.service) ;;
*) fail "vipd.service installed where systemd does not look: '$unit'" ;;
esac
exec_start=$(sed -n 's/^ExecStart=//p' "$D$unit")
read -r bin _ _ conf _ <<<"$exec_start"
[ -x "$D$bin" ] || fail "ExecStart=$exec_start: $bin is not installed"
[ -f "$D$conf" ] || fail "ExecStart=$exec_start: $conf is not installed"
grep -q "(default $conf)" <("$D$bin" --help 2>&1) ||
	fail "vipd's default configuration is not $conf: $("$D$bin" --help 2>&1 | grep default)"
ctl=$(sed -n 's/^ExecReload=\([^ ]*\).*/\1/p' "$D$unit")
[ -x "$D$ctl" ] || fail "ExecReload: $ctl is not installed"
[ -f "$D/etc/corosync/uidgid.d/vipd" ] || fail "no /etc/corosync/uidgid.d/vipd"
[ -f "$D/usr/lib/sysusers.d/vipd.conf" ] || [ -f "$D/etc/sysusers.d/vipd.conf" ] ||
	fail "no sysusers.d file where systemd-sysusers reads"
echo "ok: $unit runs $bin -c $conf (vipd's default), all installed; uidgid.d and sysusers.d in place"
