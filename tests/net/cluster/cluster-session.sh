#!/bin/bash
# cluster-session: claims bound to their client, and session claims (vipctl hold), on a 3-node
# cluster (policy wait) with the client probe running throughout: a waiting claim whose client is
# killed is withdrawn; a held session is released when its application is killed (-9) or
# stopped (SIGSTOP, keep-alive timeout), and the next waiting session takes over; a session
# whose VIP an operator moves away ends without releasing the new holder.  Run by meson (suite
# net) as root.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "${BED_SRC:-$here/../bed}/bed.sh"
. "${CLUSTER_SRC:-$here}/lib.sh"

VIPS='vip db {
	address 192.0.2.100/24
	dev eth0
	policy wait
}
vip web {
	address 192.0.2.101/24
	dev eth0
	policy prefer n1 n2 n3
}'

say "set-up: 3 nodes, corosync token $CLUSTER_TOKEN, lease auto, VIP db (policy wait)"
cluster_up "$VIPS"
ok "cluster synced ($(elapsed_s) s)"

# hold NODE TAG ARGS... : vipctl hold in NODE, in the background; its pid in HOLD_PID.
hold() {
	local node=$1 tag=$2; shift 2
	bed_spawn "$node" "$BED_DIR/$tag.log" "$VIPCTL" hold db "$@" -- sleep 600
	HOLD_PID=$BED_LAST_PID
}
# app_of PID : the command vipctl hold PID runs.
app_of() { pgrep -P "$1" -x sleep; }

say "1. a waiting claim whose client is killed is withdrawn"
out=$(bed_vipctl n1 --json claim db) || fail "claim db on n1: $out"
wait_holder 5 db n1 live $BED_NODES || fail "db not live at n1"
bed_spawn n2 "$BED_DIR/wait.log" "$VIPCTL" claim db --wait 60
wpid=$BED_LAST_PID
wait_until 5 waiter_is db n2 || fail "n2's waiting claim not seen by every node"
kill -KILL "$wpid"
wait_until 5 waiter_is db null || fail "the killed client's claim still waits: $(vf n1 db .waiter)"
out=$(bed_vipctl n1 --json release db) || fail "release on n1: $out"
wait_holder 5 db null unassigned $BED_NODES || fail "db not unassigned after the release"
sleep 1
wait_holder 1 db null unassigned $BED_NODES || fail "db taken after the release: n2 acted on a dead claim"
ok "n2's waiting claim was withdrawn when its client died; the release left db unassigned"

say "2. session: the holder's application is killed (-9), the waiting session takes over"
hold n1 hold1 --timeout 1
h1=$HOLD_PID
wait_holder 5 db n1 live $BED_NODES || fail "hold on n1: db not live: $(cat "$BED_DIR/hold1.log")"
[ "$(vf n1 db .session.keepalive_ms)" = 1000 ] || fail "n1 status shows no session: $(vf n1 db .session)"
bed_vipctl n1 status | grep -q "^db: session of pid $h1, keep-alive 1000 ms" ||
	fail "vipctl status on n1 does not show the session: $(bed_vipctl n1 status)"
bed_probe_start all --target "$VIP" --port "$PORT" --duration-ms 0
hold n2 hold2 --timeout 1 --wait 60
h2=$HOLD_PID
wait_until 5 waiter_is db n2 || fail "n2's session claim does not wait"
app=$(app_of "$h1") || fail "no application under vipctl hold on n1"
t0=$(date +%s%N)
kill -KILL "$app"
wait_holder 10 db n2 live $BED_NODES || fail "db not live at n2 after n1's application died"
echo "FIGURE session app killed: db live at n2 after $(ms_since "$t0") ms (status polling)"
wait_until 5 _bed_dead "$(_bed_tag "$h1")" 2>/dev/null || true
grep -q "held, term" "$BED_DIR/hold2.log" || fail "vipctl hold on n2 did not report the hold"
ok "n1's application killed: vipctl hold released db, n2's session took it"

say "3. session: the holder's application is stopped (SIGSTOP), its keep-alives stop"
hold n3 hold3 --timeout 1 --wait 60
h3=$HOLD_PID
wait_until 5 waiter_is db n3 || fail "n3's session claim does not wait"
app=$(app_of "$h2") || fail "no application under vipctl hold on n2"
t0=$(date +%s%N)
kill -STOP "$app"
wait_holder 10 db n3 live $BED_NODES || fail "db not live at n3 after n2's application stopped"
took=$(ms_since "$t0")
echo "FIGURE session app stopped: db live at n3 after $took ms (keep-alive timeout 1000 ms)"
[ "$took" -le 3000 ] || fail "the stopped application kept db for $took ms (timeout 1000 ms)"
wait_until 5 grep -q "session-ended" "$BED_DIR/hold2.log" || fail "vipctl hold on n2 not told: $(cat "$BED_DIR/hold2.log")"
wait_until 5 _bed_dead "$(_bed_tag "$app")" || fail "n2's stopped application not stopped by vipctl hold"
ok "n2's stopped application lost db within $took ms; vipctl hold ended it"

say "4. session: a hung client (vipctl hold itself stopped) loses it too"
hold n1 hold4 --timeout 1 --wait 60
h4=$HOLD_PID
wait_until 5 waiter_is db n1 || fail "n1's session claim does not wait"
t0=$(date +%s%N)
kill -STOP "$h3"
wait_holder 10 db n1 live $BED_NODES || fail "db not live at n1 after n3's client hung"
took=$(ms_since "$t0")
echo "FIGURE session client hung: db live at n1 after $took ms (keep-alive timeout 1000 ms)"
kill -CONT "$h3"
wait_until 5 _bed_dead "$(_bed_tag "$h3")" || fail "vipctl hold on n3 did not end after its session"
ok "n3's hung client lost db within $took ms"

say "5. an operator moves a session's VIP away: the session ends, the new holder keeps it"
out=$(bed_vipctl n3 --json move db n2) || fail "move db n2: $out"
wait_holder 5 db n2 live $BED_NODES || fail "db not live at n2 after the move"
wait_until 5 _bed_dead "$(_bed_tag "$h4")" || fail "vipctl hold on n1 still runs after the move"
grep -q "session-ended" "$BED_DIR/hold4.log" || fail "n1's vipctl hold not told: $(cat "$BED_DIR/hold4.log")"
sleep 1
wait_holder 1 db n2 live $BED_NODES || fail "the ended session released the new holder n2"
ok "n1's session ended with the move; db stays live at n2"

f=$(bed_probe_stop all)
figure "session story" "$f"
p_dup0 "$f" "session story"
[ "$(p_switches "$f")" = "n1->n2 n2->n3 n3->n1 n1->n2" ] ||
	fail "holder timeline '$(p_switches "$f")', want 'n1->n2 n2->n3 n3->n1 n1->n2'"
ok "no duplicate holder over the whole story; worst outage $(jq .outage_ms "$f") ms"
say "6. policy prefer: a release hands web to the next node of its list"
out=$(bed_vipctl n1 --json claim web) || fail "claim web on n1: $out"
wait_holder 5 web n1 live $BED_NODES || fail "web not live at n1"
out=$(bed_vipctl n1 --json release web) || fail "release web on n1: $out"
wait_holder 5 web n2 live $BED_NODES || fail "web not handed to n2 (prefer n1 n2 n3) by the release"
ok "release under prefer: web went to n2, the next of its list"
echo "PASS ($(elapsed_s) s)"
