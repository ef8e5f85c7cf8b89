#!/bin/bash
# cluster-example: examples/claim-on-master run as an application would run it.  Its election
# term comes from its term file (the next one, written before use: never 1 at each start), it
# claims on SIGUSR1 and releases on SIGUSR2, it reconnects and claims again when vipd restarts,
# and a restarted example never reuses a term.  One node. Suite net, root.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "${BED_SRC:-$here/../bed}/bed.sh"
. "${CLUSTER_SRC:-$here}/lib.sh"
[ -x "${CLAIM_ON_MASTER:-}" ] || fail "CLAIM_ON_MASTER (examples/claim-on-master) not built"

say "set-up: 1 node, corosync, vipd with db; the example with term file 41"
bed_init 1
bed_corosync_start "$CLUSTER_TOKEN"
bed_vipd_conf n1 "vip db {
	address 192.0.2.100/24
	dev eth0
}" >/dev/null
bed_vipd_start n1
wait_until 10 _synced 1 n1 || fail "vipd not synced"
termf=$BED_DIR/n1/term
log=$BED_DIR/app.log
echo 41 >"$termf"
app_start() {
	bed_spawn n1 "$log" "$CLAIM_ON_MASTER" db "$termf"
	APP=$BED_LAST_PID
	APP_TAG=$(_bed_tag "$APP")
}
connects() { grep -c "^connected to vipd" "$log" || true; }
_connects_are() { [ "$(connects)" = "$1" ]; }
app_start
wait_until 5 _connects_are 1 || fail "the example did not connect: $(cat "$log")"
ok "connected"

say "1. promoted: claims with the term file's next term"
kill -USR1 "$APP"
wait_holder 5 db n1 live n1 || fail "db not live after SIGUSR1: $(cat "$log")"
[ "$(vf n1 db .term)" = 42 ] || fail "db at term $(vf n1 db .term), want 42 (term file 41 + 1)"
[ "$(cat "$termf")" = 42 ] || fail "term file holds $(cat "$termf"), want 42"
wait_until 5 grep -q "^primary: db is ours at term 42" "$log" || fail "example: $(cat "$log")"
ok "db live at term 42, term file 42"

say "2. vipd restarts: the example reconnects, resumes its stream and claims again"
bed_vipd_stop n1
bed_vipd_start n1
wait_until 10 _synced 1 n1 || fail "vipd not synced after its restart"
wait_until 10 _connects_are 2 || fail "the example did not reconnect: $(cat "$log")"
wait_holder 10 db n1 live n1 || fail "db not claimed again after vipd's restart: $(cat "$log")"
grep -q "^vipd lost" "$log" || fail "the example did not notice vipd leaving: $(cat "$log")"
ok "reconnected; db live at n1, term $(vf n1 db .term)"

say "3. demoted, promoted again: the next term"
kill -USR2 "$APP"
wait_holder 5 db null unassigned n1 || fail "db not released after SIGUSR2: $(cat "$log")"
kill -USR1 "$APP"
wait_holder 5 db n1 live n1 || fail "db not live after the second SIGUSR1"
[ "$(vf n1 db .term)" = 43 ] || fail "db at term $(vf n1 db .term), want 43"
ok "released, then claimed at term 43"

say "4. the example restarts: a promotion takes term 44, not 1"
kill -TERM "$APP"
wait_until 5 _bed_dead "$APP_TAG" || fail "the example ignored SIGTERM"
wait_holder 5 db null unassigned n1 || fail "a primary leaving did not release db"
app_start
wait_until 5 _connects_are 3 || fail "the restarted example did not connect"
kill -USR1 "$APP"
wait_holder 5 db n1 live n1 || fail "db not live after the restarted example's SIGUSR1"
[ "$(vf n1 db .term)" = 44 ] && [ "$(cat "$termf")" = 44 ] ||
	fail "db at term $(vf n1 db .term), term file $(cat "$termf"); want 44"
ok "term 44 after a restart of the example"

echo "cluster-example: all checks passed ($(elapsed_s) s)"
