#!/bin/bash
# cluster-service: vipd as dist/vipd.service runs it, without systemd: an unprivileged user
# holding the unit's rights (ambient CAP_NET_ADMIN + CAP_NET_RAW, no new privileges, part of
# its sandbox), started
# at the unit's SCHED_FIFO 99 with reset-on-fork, NOTIFY_SOCKET and WATCHDOG_USEC pointing at a socket this test reads.
# Asserts the notify protocol (STATUS= while corosync is unreachable, READY=1 only once joined
# and synced, a summary on change, WATCHDOG=1 at half the interval, RELOADING=1 then READY=1,
# STOPPING=1 on SIGTERM) and the scheduling (vipd keeps SCHED_FIFO 99 with reset-on-fork, with
# no warning; its notify hook runs at SCHED_OTHER; it leaves SCHED_FIFO on the clean stop; its
# --check-config without a warning). One node. Suite net, root.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "${BED_SRC:-$here/../bed}/bed.sh"
. "${CLUSTER_SRC:-$here}/lib.sh"

UID_UNIT=65534 # the unit's User=vipd
WDOG_US=400000 # WATCHDOG_USEC: WATCHDOG=1 every 200 ms
export BED_COROSYNC_UID=$UID_UNIT

say "set-up: 1 node without corosync; vipd as the unit's user, under a notify socket"
bed_init 1
chmod 755 "$BED_DIR" "$BED_DIR/n1"
sock=$BED_DIR/notify.sock
nlog=$BED_DIR/notify.log
bed_spawn n1 "$BED_DIR/listen.out" python3 "$CLUSTER_SRC/notify-listen.py" "$sock" "$nlog"
wait_until 5 test -S "$sock" || fail "the notify listener did not bind $sock"
hook=$BED_DIR/n1/hook.sh
hlog=$BED_DIR/n1/hook.log
printf '#!/bin/sh\necho "$1 $2 $(chrt -p $$ | head -n 1)" >>"%s"\n' "$hlog" >"$hook"
chmod 755 "$hook"
: >"$hlog"
chmod 666 "$hlog"
bed_vipd_conf n1 "vip db {
	address 192.0.2.100/24
	dev eth0
}
notify $hook" >/dev/null
chown "$UID_UNIT" "$BED_DIR/handoff.key" # the key belongs to the vipd user
bed_exec n1 chown "$UID_UNIT" /run/vipd   # RuntimeDirectory=vipd
unit=$BED_DIR/vipd-unit
# part of the unit's sandbox: ProtectSystem=strict (/ read-only but for /run, /dev and this
# node's directory, where the hook writes), ProtectProc=invisible, ProcSubset=pid
cat >"$unit" <<EOS
#!/bin/sh
export NOTIFY_SOCKET=$sock WATCHDOG_USEC=$WDOG_US
exec unshare -m sh -c 'mount --make-rprivate / && mount --bind "$BED_DIR/n1" "$BED_DIR/n1" &&
	mount -o remount,bind,ro / && mount -t proc -o subset=pid,hidepid=invisible proc /proc &&
	exec "\$0" "\$@"' \\
	chrt --fifo --reset-on-fork 99 setpriv --reuid=$UID_UNIT --regid=$UID_UNIT --clear-groups \\
	--inh-caps=-all,+net_admin,+net_raw --ambient-caps=-all,+net_admin,+net_raw \\
	--bounding-set=-all,+net_admin,+net_raw --no-new-privs "$VIPD" "\$@"
EOS
chmod 755 "$unit"
VIPD_REAL=$VIPD
VIPD=$unit
# ExecStartPre: the same checks as the unit's user, at normal priority
rc=0; out=$("$unit" --check-config -c "$BED_DIR/n1/vipd.conf" 2>&1 >/dev/null) || rc=$?
[ "$rc" = 0 ] && [ -z "$out" ] || fail "--check-config as uid $UID_UNIT: exit $rc: $out"
bed_vipd_start n1
pid=$(bed_vipd_pid n1)
[ "$(awk '$1 == "Uid:" { print $2 }' "/proc/$pid/status")" = "$UID_UNIT" ] || fail "vipd not running as uid $UID_UNIT"
lines() { grep -c -- "$1" "$nlog" || true; }
wait_until 5 grep -q "STATUS=waiting for corosync" "$nlog" || fail "no STATUS= while corosync is unreachable: $(cat "$nlog")"
sleep 1 # vipd retries every 0.5 s: READY=1 must not come
[ "$(lines READY=1)" = 0 ] || fail "READY=1 without corosync: $(cat "$nlog")"
[ "$(lines 'STATUS=waiting for corosync')" = 1 ] || fail "STATUS= repeated on each retry: $(cat "$nlog")"
ok "$(grep -m1 STATUS= "$nlog" | cut -d' ' -f2-)"

say "corosync starts: READY=1 once joined and synced"
n_before=$(wc -l <"$nlog")
bed_corosync_start "$CLUSTER_TOKEN"
wait_until 15 grep -q "READY=1" "$nlog" || fail "no READY=1 after corosync started: $(cat "$nlog")"
ready=$(grep -m1 READY=1 "$nlog")
[ "$(grep -n -m1 READY=1 "$nlog" | cut -d: -f1)" -gt "$n_before" ] || fail "READY=1 before corosync ran"
grep -q "READY=1|STATUS=1 member, quorate, holding nothing; 1 VIP" <<<"$ready" || fail "READY=1 with: $ready"
[ "$(jq -r '.node.synced' <<<"$(st n1)")" = true ] || fail "READY=1 but vipctl status says not synced"
ok "${ready#* }"

mnt=$(awk '$5 == "/" { print $6 } $5 == "/proc" { print $NF }' "/proc/$pid/mountinfo" | tr '\n' ' ')
grep -q "^ro," <<<"$mnt" && grep -q "subset=pid" <<<"$mnt" || fail "vipd outside the sandbox: $mnt"

say "scheduling under the unit's rights"
grep -q "SCHED_FIFO" "$BED_DIR/n1/vipd.log" && fail "vipd warned about scheduling: $(grep SCHED "$BED_DIR/n1/vipd.log")"
pol=$(chrt -p "$pid" | tr '\n' ' ')
grep -q "SCHED_FIFO|SCHED_RESET_ON_FORK.*priority: 99" <<<"$pol" || fail "vipd runs at: $pol"
ok "$pol"

say "a claim: the summary changes, the hook runs at SCHED_OTHER"
out=$(bed_vipctl n1 --json claim db) || fail "claim: $out"
wait_until 5 grep -q "STATUS=1 member, quorate, holding db; 1 VIP$" "$nlog" || fail "no STATUS= holding db: $(tail -n 3 "$nlog")"
wait_until 5 grep -q "^acquire db " "$hlog" || fail "hook did not run: $(cat "$hlog")"
grep -q "^acquire db .*SCHED_OTHER" "$hlog" || fail "hook policy: $(cat "$hlog")"
ok "$(grep STATUS= "$nlog" | tail -n 1 | cut -d' ' -f2-); hook: $(head -n 1 "$hlog")"

say "WATCHDOG=1 every $((WDOG_US / 2000)) ms, nothing else while idle"
n0=$(lines WATCHDOG=1); s0=$(lines STATUS=)
sleep 2
n1=$(lines WATCHDOG=1); s1=$(lines STATUS=)
[ $((n1 - n0)) -ge 8 ] && [ $((n1 - n0)) -le 12 ] || fail "$((n1 - n0)) WATCHDOG=1 in 2 s, want 10"
[ "$s1" = "$s0" ] || fail "STATUS= sent while nothing changed: $(tail -n 5 "$nlog")"
gaps=$(grep WATCHDOG=1 "$nlog" | tail -n 10 | awk 'NR > 1 { g = $1 - p; if (g > m) m = g } { p = $1 } END { print m }')
[ "$gaps" -lt "$((WDOG_US / 1000))" ] || fail "a WATCHDOG=1 gap of $gaps ms"
ok "$((n1 - n0)) in 2 s, longest gap $gaps ms; no STATUS= while idle"

say "reload: RELOADING=1, then READY=1"
for how in hup vipctl; do
	n0=$(wc -l <"$nlog")
	if [ "$how" = hup ]; then kill -HUP "$pid"; else bed_vipctl n1 reload >/dev/null || fail "vipctl reload"; fi
	wait_until 5 sh -c "tail -n +$((n0 + 1)) '$nlog' | grep -q READY=1" || fail "$how: no READY=1 after the reload"
	seq=$(tail -n +$((n0 + 1)) "$nlog" | grep -v WATCHDOG | grep -o -e RELOADING=1 -e READY=1 | tr '\n' ' ')
	[ "$seq" = "RELOADING=1 READY=1 " ] || fail "$how: $seq"
	tail -n +$((n0 + 1)) "$nlog" | grep -q "RELOADING=1|MONOTONIC_USEC=[0-9]*|STATUS=reloading" || fail "$how: $(tail -n 3 "$nlog")"
	ok "$how: $seq"
done

say "corosync stops and comes back: STATUS= says so, no second READY=1"
n0=$(wc -l <"$nlog"); r0=$(lines READY=1)
since() { tail -n +$((n0 + 1)) "$nlog" | grep -q -- "$1"; }
bed_corosync_stop n1
wait_until 5 since "STATUS=waiting for corosync" || fail "no STATUS= after corosync stopped: $(tail -n 3 "$nlog")"
bed_corosync_start "$CLUSTER_TOKEN"
wait_until 15 since "STATUS=1 member, quorate" || fail "no summary after corosync came back: $(tail -n 3 "$nlog")"
[ "$(lines READY=1)" = "$r0" ] || fail "READY=1 again: $(tail -n 5 "$nlog")"
ok "$(tail -n +$((n0 + 1)) "$nlog" | grep -o 'STATUS=.*' | tr '\n' ';')"

say "SIGTERM: STOPPING=1, a clean stop at SCHED_OTHER"
bed_vipd_stop n1
[ "$BED_VIPD_STATUS" = 0 ] || fail "vipd exit ${BED_VIPD_STATUS:-killed}"
grep -q "STOPPING=1" "$nlog" || fail "no STOPPING=1: $(tail -n 3 "$nlog")"
grep -q "could not leave SCHED_FIFO" "$BED_DIR/n1/vipd.log" && fail "$(grep "could not leave" "$BED_DIR/n1/vipd.log")"
ok "$(grep STOPPING=1 "$nlog" | cut -d' ' -f2-)"
VIPD=$VIPD_REAL

echo "cluster-service: all checks passed ($(elapsed_s) s)"
