#!/bin/sh
# vipd --check-config checks what a start needs, as the user it runs as: the config file
# itself (named with the errno text), the handoff-key (readable, of valid length), the notify
# hook (executable), and each VIP's interface (a warning only). Suite config; the unreadable
# key needs root (setpriv to nobody), skipped otherwise.
set -eu
VIPD=${VIPD:?}
dir=$(mktemp -d "${TMPDIR:-/tmp}/vipd-check.XXXXXX")
trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

# run WANT_RC PATTERN... : vipd -n -c $dir/vipd.conf exits WANT_RC and says each PATTERN
# (grep -E) on stderr; AS (env) runs it through setpriv as that uid.
run() {
	want=$1; shift
	rc=0
	if [ -n "${AS:-}" ]; then
		setpriv --reuid="$AS" --regid="$AS" --clear-groups "$VIPD" -n -c "$conf" \
			>"$dir/out" 2>"$dir/err" || rc=$?
	else
		"$VIPD" -n -c "$conf" >"$dir/out" 2>"$dir/err" || rc=$?
	fi
	[ "$rc" = "$want" ] || { fail "$what: exit $rc, want $want: $(cat "$dir/err")"; return; }
	for p in "$@"; do
		grep -Eq -- "$p" "$dir/err" || { fail "$what: no '$p' in: $(cat "$dir/err")"; return; }
	done
	ok "$what: exit $rc: $(tr '\n' ' ' <"$dir/err")"
}
# conf KEY HOOK DEV : write the config
conf=$dir/vipd.conf
write() {
	{
		echo "node-name n1"
		[ -z "$1" ] || echo "handoff-key $1"
		[ -z "$2" ] || echo "notify $2"
		echo "cluster {"
		echo "	node n1 id 1 address 192.0.2.1"
		echo "}"
		echo "vip db {"
		echo "	address 192.0.2.100/24"
		echo "	dev $3"
		echo "}"
	} >"$conf"
	chmod 644 "$conf"
}
head -c 32 /dev/urandom >"$dir/good.key"
chmod 600 "$dir/good.key"
head -c 8 /dev/urandom >"$dir/short.key"
printf '#!/bin/sh\nexit 0\n' >"$dir/hook"
chmod 755 "$dir/hook"
printf '#!/bin/sh\nexit 0\n' >"$dir/hook.noexec"
chmod 644 "$dir/hook.noexec"

what="nonexistent config"
conf=/nonexistent.conf
run 1 "^vipd: /nonexistent.conf: No such file or directory$"
conf=$dir/vipd.conf

what="all present"
write "$dir/good.key" "$dir/hook" lo
run 0
grep -q "^handoff-key $dir/good.key" "$dir/out" || fail "$what: config not printed: $(cat "$dir/out")"
[ ! -s "$dir/err" ] || fail "$what: said something: $(cat "$dir/err")"

what="short key"
write "$dir/short.key" "$dir/hook" lo
run 1 "handoff-key $dir/short.key has 8 bytes, use 16 to 1024"
[ ! -s "$dir/out" ] || fail "$what: printed the config"

what="missing key"
write "$dir/nokey" "$dir/hook" lo
run 1 "handoff-key $dir/nokey: No such file or directory"

what="non-executable hook"
write "$dir/good.key" "$dir/hook.noexec" lo
run 1 "notify $dir/hook.noexec: Permission denied"

what="missing hook"
write "" "$dir/nohook" lo
run 1 "notify $dir/nohook: No such file or directory"

what="missing interface (warning only)"
write "$dir/good.key" "$dir/hook" vipdnosuch0
run 0 "warning: vip 'db': interface 'vipdnosuch0': No such device"

if [ "$(id -u)" = 0 ]; then
	what="key readable by root only, checked as the unit's user"
	write "$dir/good.key" "$dir/hook" lo
	AS=65534 run 1 "handoff-key $dir/good.key: Permission denied \(vipd reads it as (user '[a-z]+' \()?uid 65534"
	what="the same key, owned by that user"
	chown 65534 "$dir/good.key"
	AS=65534 run 0
else
	echo "skip: unreadable key (needs root for setpriv)"
fi
[ "$fails" = 0 ] || { echo "check-config: $fails failed"; exit 1; }
echo "check-config: all checks passed"
