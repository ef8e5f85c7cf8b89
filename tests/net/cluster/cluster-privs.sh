#!/bin/bash
# cluster-privs: vipd keeps CAP_NET_ADMIN + CAP_NET_RAW only; --check-config rejects a bad
# file with file:line:col and does not start; a malformed control request gets bad-request
# and changes nothing (the daemon runs on, the VIP stays held); a second vipd on the node exits
# naming the first, which serves on; SIGHUP takes node-local changes
# and refuses the rest with the reason. One node. Suite net, root.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "${BED_SRC:-$here/../bed}/bed.sh"
. "${CLUSTER_SRC:-$here}/lib.sh"

say "set-up: 1 node, corosync, vipd with db claimed"
bed_init 1
bed_corosync_start "$CLUSTER_TOKEN"
hook=$BED_DIR/n1/hook.sh
printf '#!/bin/sh\necho "$* caps=$(awk '"'"'$1 == "CapEff:" { print $2 }'"'"' /proc/self/status)" >>"%s"\n' \
	"$BED_DIR/n1/hook.log" >"$hook"
# shellcheck disable=SC2016 # expanded by the hook
echo 'echo "env $VIPD_EVENT $VIPD_VIP $VIPD_TERM $VIPD_NODE prev=$VIPD_PREV holder=$VIPD_HOLDER reason=$VIPD_REASON addrs=$VIPD_ADDRESSES" >>'"$BED_DIR/n1/hook.log" >>"$hook"
chmod +x "$hook"
bed_vipd_conf n1 "vip db {
	address 192.0.2.100/24
	dev eth0
}
notify $hook" >/dev/null
bed_vipd_start n1
bed_responders_start "$PORT"
wait_until 10 _synced 1 n1 || fail "vipd not synced"
out=$(bed_vipctl n1 --json claim db) || fail "claim: $out"
wait_holder 5 db n1 live n1 || fail "db not live"
ok "db live on n1"

say "vipctl check (monitoring) and an absent vipd"
out=$(bed_vipctl n1 check db) || fail "check db: exit $?, $out"
grep -q "^OK: db live on n1 (term 1); node n1 synced, quorate, 1 members$" <<<"$out" || fail "check db said: $out"
rc=0; out=$(bed_exec n1 "$VIPCTL" --socket /run/vipd/none.sock status 2>&1) || rc=$?
[ "$rc" = 3 ] && [ "$out" = "vipctl: cannot reach vipd at /run/vipd/none.sock: is vipd running? (systemctl status vipd)" ] ||
	fail "vipctl without vipd: exit $rc, $out"
ok "check: $out"
complete_words() { # WORDS...: what dist/vipctl.bash-completion offers for the last one
	# shellcheck disable=SC2016 # expanded by the inner bash
	bed_exec n1 env PATH="$(dirname "$VIPCTL"):$PATH" bash -c '
		complete() { :; }; . "$0"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_vipctl; echo "${COMPREPLY[*]}"' "$CLUSTER_SRC/../../../dist/vipctl.bash-completion" vipctl "$@"
}
[ "$(complete_words claim "")" = db ] || fail "completion of claim's VIP: '$(complete_words claim "")'"
[ "$(complete_words move db "")" = n1 ] || fail "completion of move's node: '$(complete_words move db "")'"
[ "$(complete_words ch)" = check ] || fail "completion of a command: '$(complete_words ch)'"
[ "$(complete_words status --j)" = --json ] || fail "completion of an option: '$(complete_words status --j)'"
[ -z "$(complete_words hold db -- sta)" ] || fail "completion inside hold's COMMAND"
ok "bash completion: VIP db, node n1, check, --json from the running vipd"

say "capabilities of the running vipd"
pid=$(bed_vipd_pid n1)
cap=$(awk '$1 == "CapEff:" { print $2 }' "/proc/$pid/status")
[ "$cap" = 0000000000003000 ] || fail "CapEff $cap, want 0000000000003000"
ok "CapEff $cap (CAP_NET_ADMIN + CAP_NET_RAW), CapPrm $(awk '$1 == "CapPrm:" { print $2 }' "/proc/$pid/status")"

say "vipd --check-config on a bad file"
bad=$BED_DIR/n1/bad.conf
{
	echo "node-name n1"
	echo "socket /run/vipd/bad.sock"
	echo "cluster {"
	echo "	node n1 id 1"
	echo "}"
	echo "vip x {"
	echo "	address 192.0.2.100/24"
	echo "	policy sometimes"
	echo "}"
} >"$bad"
rc=0; msg=$(bed_exec n1 timeout 5 "$VIPD" --check-config -c "$bad" 2>&1) || rc=$?
echo "$msg"
[ "$rc" != 0 ] && [ "$rc" != 124 ] || fail "--check-config exit $rc on a bad file"
grep -q "bad.conf:8:[0-9]*:" <<<"$msg" || fail "no file:line:col (bad.conf:8:N:) in: $msg"
bed_exec n1 test -e /run/vipd/bad.sock && fail "--check-config created the socket"
rc=0; msg=$(bed_exec n1 timeout 5 "$VIPD" -f -c "$bad" 2>&1) || rc=$?
[ "$rc" != 0 ] && [ "$rc" != 124 ] || fail "vipd started (exit $rc) with a bad file"
bed_exec n1 test -e /run/vipd/bad.sock && fail "vipd with a bad file created its socket"
ok "exit $rc, message names bad.conf:8:col, nothing started"

say "a second vipd on the same node"
rc=0; msg=$(bed_exec n1 timeout 10 "$VIPD" -f -c "$BED_DIR/n1/vipd.conf" 2>&1) || rc=$?
[ "$rc" = 1 ] && grep -q "another vipd already runs on this node" <<<"$msg" ||
	fail "second vipd: exit $rc, $msg"
still_serving n1 db 1 after-second-vipd
ok "it exits naming the running one; the first serves on"

say "malformed control requests"
for req in 'claim' 'claim db --term x' 'bogus' "$(printf 'claim %0300d' 0)"; do
	reply=$(bed_exec n1 sh -c 'printf "%s\n" "$1" | socat -t 2 - UNIX-CONNECT:/run/vipd/vipd.sock' sh "$req")
	echo "${req:0:40} -> $reply"
	[ "$(jq -r '"\(.ok) \(.error)"' <<<"$reply")" = "false bad-request" ] || fail "reply to '${req:0:40}': $reply"
done
still_serving n1 db 1 after-bad-requests
ok "bad-request each time; vipd runs on, db live at n1 term 1"

say "notify hook: acquire and release, run without capabilities"
out=$(bed_vipctl n1 --json release db) || fail "release: $out"
wait_until 5 grep -q "^env release db 2 " "$BED_DIR/n1/hook.log" ||
	fail "hook log: $(cat "$BED_DIR/n1/hook.log" 2>/dev/null)"
grep -qx "acquire db 1 caps=0000000000000000" "$BED_DIR/n1/hook.log" ||
	fail "no 'acquire db 1' without capabilities in: $(cat "$BED_DIR/n1/hook.log")"
grep -qx "release db 2 caps=0000000000000000" "$BED_DIR/n1/hook.log" ||
	fail "no 'release db 2' without capabilities in: $(cat "$BED_DIR/n1/hook.log")"
rc=0; out=$(bed_vipctl n1 check db) || rc=$?
[ "$rc" = 1 ] && grep -q "^FAIL: VIP db is unassigned, holder none$" <<<"$out" || fail "check db after release: exit $rc, $out"
grep -q "^env release db 2 n1 prev=n1 holder= reason=released addrs=192.0.2.100/24$" "$BED_DIR/n1/hook.log" ||
	fail "no VIPD_* environment of the release in: $(cat "$BED_DIR/n1/hook.log")"
ok "hook ran: $(tr '\n' ';' <"$BED_DIR/n1/hook.log")"

say "reload (SIGHUP): allow list and notify hook taken; a shared setting and a broken file refused"
# nobody runs copies of vipctl and the libvip.so.0 it loads, in a per-run
# directory it can enter: the build tree may lie where it cannot (/root, mktemp -d)
nb=$BED_DIR/nobody
lib=$(ldd "$VIPCTL" | awk '$1 == "libvip.so.0" { print $3 }')
[ -f "$lib" ] || fail "vipctl loads no libvip.so.0: $(ldd "$VIPCTL")"
mkdir -m 755 "$nb"
cp "$VIPCTL" "$lib" "$nb/" && chmod 755 "$nb/vipctl" "$nb/libvip.so.0"
nobody_run() { bed_exec n1 setpriv --reuid=65534 --regid=65534 --clear-groups env LD_LIBRARY_PATH="$nb" "$@"; }
nobody_run ldd "$nb/vipctl" | grep -q "libvip.so.0 => $nb/libvip.so.0" ||
	fail "nobody cannot run $nb/vipctl with its libvip (TMPDIR must be one others can enter): $(nobody_run ldd "$nb/vipctl" 2>&1)"
as_nobody() { nobody_run "$nb/vipctl" --json "$@"; }
reloads() { grep -c "$1" "$BED_DIR/n1/vipd.log" || true; }
hup() { # PATTERN: SIGHUP n1's vipd, wait for one more log line matching PATTERN
	local before
	before=$(reloads "$1")
	kill -HUP "$(bed_vipd_pid n1)"
	wait_until 5 test "$(reloads "$1")" -gt "$before" || fail "no log line '$1' after SIGHUP"
}
out=$(as_nobody claim db) && fail "nobody could claim db before the reload: $out"
[ "$(jq -r .error <<<"$out")" = not-allowed ] || fail "nobody before reload: $out"
hook2=$BED_DIR/n1/hook2.sh
printf '#!/bin/sh\necho "$*" >>"%s"\n' "$BED_DIR/n1/hook2.log" >"$hook2"
chmod +x "$hook2"
db_conf() { # ADDRESS
	printf 'vip db {\n\taddress %s/24\n\tdev eth0\n\tallow user nobody\n}\nnotify %s\n' "$1" "$hook2"
}
bed_vipd_conf n1 "$(db_conf 192.0.2.100)" >/dev/null
hup "reloaded .*took the new allow lists, notify"
out=$(as_nobody claim db) || fail "nobody could not claim db after the reload: $out"
wait_holder 5 db n1 live n1 || fail "db not live after nobody's claim"
wait_until 5 grep -q "^acquire db 3" "$BED_DIR/n1/hook2.log" || fail "new hook did not run"
ok "allow user nobody and the new notify hook taken: nobody claimed db (term 3)"
bed_vipd_conf n1 "$(db_conf 192.0.2.101)" >/dev/null
hup "reload of .* refused: vip 'db': address or dev changed while the VIP is live"
# the same through the control socket: the answer carries the reason
rc=0; out=$(bed_vipctl n1 reload 2>&1) || rc=$?
[ "$rc" = 1 ] && grep -q "reload-refused: .*vip 'db': address or dev changed while the VIP is live" <<<"$out" ||
	fail "vipctl reload of a changed address: exit $rc, $out"
out=$(as_nobody reload) && fail "nobody could reload: $out"
[ "$(jq -r .error <<<"$out")" = not-allowed ] || fail "nobody's reload: $out"
bed_vipd_conf n1 "$(db_conf 192.0.2.100)
vip broken {" >/dev/null
hup "reload of .*: the file is not valid"
grep -q "vipd.conf:[0-9]*:[0-9]*: " "$BED_DIR/n1/vipd.log" || fail "no file:line:col for the broken file"
out=$(bed_vipctl n1 --json reload) && fail "vipctl reload took a broken file: $out"
[ "$(jq -r .error <<<"$out")" = bad-config ] && grep -q "vipd.conf:[0-9]*:[0-9]*: " <<<"$(jq -r .reason <<<"$out")" ||
	fail "vipctl reload of a broken file: $out"
still_serving n1 db 3 after-refused-reloads
out=$(as_nobody release db) || fail "nobody lost the right to release db: $out"
bed_vipd_conf n1 "$(db_conf 192.0.2.100)" >/dev/null
out=$(bed_vipctl n1 reload) || fail "vipctl reload of the running file: $out"
[ "$out" = "vipd reloaded its configuration" ] || fail "vipctl reload said: $out"
ok "address change and broken file refused with their reasons; vipd runs on, db stayed live, nobody's right kept"

echo "cluster-privs: all checks passed ($(elapsed_s) s)"
