#!/bin/bash
# cluster-follow: group-follow on a 3-node cluster, VIP db following the application's CPG group
# 'app' with one instance of examples/follow-group per node.  The VIP sits with the member that
# has held it, moves to the next when that member is killed, stays when it comes back; in the
# seed's variant the active primary joins the group and the others leave it.  The client probe
# runs throughout: no duplicate holder.  Run by meson (suite net) as root.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "${BED_SRC:-$here/../bed}/bed.sh"
. "${CLUSTER_SRC:-$here}/lib.sh"

VIPS='vip db {
	address 192.0.2.100/24
	dev eth0
	policy wait
	follow-group app
}'
[ -x "${FOLLOW_GROUP:-}" ] || fail "FOLLOW_GROUP (examples/follow-group) not built"

say "set-up: 3 nodes, corosync token $CLUSTER_TOKEN, VIP db following group 'app'"
cluster_up "$VIPS"
ok "cluster synced ($(elapsed_s) s)"
declare -A APP=()
# app NODE [-w] : start follow-group in NODE (joined, or waiting outside with -w).
app() {
	local n=$1; shift
	bed_spawn "$n" "$BED_DIR/app-$n.log" "$FOLLOW_GROUP" "$@" app
	APP[$n]=$BED_LAST_PID
	wait_until 5 grep -q "group app:\|join group" "$BED_DIR/app-$n.log" ||
		[ "${1:-}" = -w ] || fail "follow-group on $n did not start: $(cat "$BED_DIR/app-$n.log")"
}

say "1. no member: db unassigned; n1's application joins: db goes to n1"
wait_holder 1 db null unassigned $BED_NODES || fail "db assigned with no member in the group"
[ "$(vf n1 db .follow.joined)" = true ] || fail "n1's vipd does not observe group app: $(vf n1 db .follow)"
app n1
wait_holder 5 db n1 live $BED_NODES || fail "db not live at n1 after its member joined"
bed_vipctl n1 status | grep -q '^db: follows group app: 1 member here' ||
	fail "vipctl status on n1 does not show the group: $(bed_vipctl n1 status)"
ok "db live at n1, the group's only member"

say "2. n2's application joins too: db stays at n1, n2 is next"
app n2
wait_until 5 waiter_is db n2 || fail "n2 is not next for db: $(vf n1 db .waiter)"
wait_holder 1 db n1 live $BED_NODES || fail "a joining member took db"
app n3 -w
ok "db stays at n1; n2 waits; n3's application stands by outside the group"

say "3. n1's application is killed (-9): db moves to n2"
bed_probe_start all --target "$VIP" --port "$PORT" --duration-ms 0
t0=$(date +%s%N)
kill -KILL "${APP[n1]}"
wait_holder 5 db n2 live $BED_NODES || fail "db not live at n2 after n1's member died"
echo "FIGURE follow member killed: db live at n2 after $(ms_since "$t0") ms (status polling)"
ok "n1's member died: db moved to n2"

say "4. n1's application comes back: db stays at n2"
app n1
wait_until 5 waiter_is db n1 || fail "the returning n1 is not next: $(vf n2 db .waiter)"
# longer than the probe's dup window (1 s): n1's failback in step 5 is then
# not taken for answers of n1 and n2 interleaving
sleep 1.2
wait_holder 1 db n2 live $BED_NODES || fail "the returning member took db"
ok "db stays at n2; n1 is next"

say "5. the seed's variant: n2 stands down (leaves the group), n3 becomes primary (joins)"
kill -USR1 "${APP[n2]}"
wait_holder 5 db n1 live $BED_NODES || fail "db not live at n1 after n2 left the group"
kill -USR2 "${APP[n3]}"
wait_until 5 waiter_is db n3 || fail "n3 is not next after joining: $(vf n1 db .waiter)"
kill -USR1 "${APP[n1]}"
wait_holder 5 db n3 live $BED_NODES || fail "db not live at n3 after n1 left the group"
ok "leaving the group gives db up, joining queues for it: n2 -> n1 -> n3"

f=$(bed_probe_stop all)
figure "follow story" "$f"
p_dup0 "$f" "follow story"
[ "$(p_switches "$f")" = "n1->n2 n2->n1 n1->n3" ] ||
	fail "holder timeline '$(p_switches "$f")', want 'n1->n2 n2->n1 n1->n3'"
ok "no duplicate holder; worst outage $(jq .outage_ms "$f") ms"
echo "PASS ($(elapsed_s) s)"
