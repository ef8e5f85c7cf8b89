#!/bin/bash
# cluster-check: health-check claims on a 3-node cluster, VIP db eligible on n1 and n2 with a
# check that reads a per-node file.  A passing node claims, a failing holder releases and the
# passing node that waits takes over, a recovered node never takes db back, and a check that
# hangs counts as failed.  The client probe runs throughout: no duplicate holder.  Run by meson
# (suite net) as root.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "${BED_SRC:-$here/../bed}/bed.sh"
. "${CLUSTER_SRC:-$here}/lib.sh"

say "set-up: 3 nodes, corosync token $CLUSTER_TOKEN, VIP db on n1 n2 with a check every 500 ms"
bed_init 3
bed_corosync_start "$CLUSTER_TOKEN"
check=$BED_DIR/check.sh
printf '#!/bin/sh\n[ -e "$1.hang" ] && exec sleep 30\n[ -e "$1.ok" ]\n' >"$check"
chmod 755 "$check"
for n in $BED_NODES; do
	bed_vipd_conf "$n" "vip db {
	address 192.0.2.100/24
	dev eth0
	nodes n1 n2
	policy wait
	check \"$check $BED_DIR/$n\" interval 500ms timeout 500ms rise 2 fall 2
}" >/dev/null
	bed_vipd_start "$n"
done
bed_responders_start "$PORT"
wait_synced 15 $BED_NODES || fail "vipd not synced with 3 members on all nodes"
ok "cluster synced ($(elapsed_s) s)"
pass() { touch "$BED_DIR/$1.ok"; }
flunk() { rm -f "$BED_DIR/$1.ok"; }
_check_is() { [ "$(vf "$1" db .check.state)" = "$2" ]; }

say "1. no check passes: db stays unassigned"
wait_until 5 _check_is n1 failing || fail "n1's check not failing: $(vf n1 db .check)"
wait_until 5 _check_is n2 failing || fail "n2's check not failing: $(vf n2 db .check)"
wait_holder 1 db null unassigned $BED_NODES || fail "db assigned with every check failing"
[ "$(vf n3 db .check)" = null ] || fail "n3 shows a check it does not run: $(vf n3 db .check)"
ok "both checks failing, db unassigned"

say "2. n1's check passes: n1 claims db"
pass n1
wait_holder 5 db n1 live $BED_NODES || fail "db not live at n1 after its check passed"
bed_vipctl n1 status | grep -q '^db: check passing (' || fail "vipctl status on n1 does not show the check: $(bed_vipctl n1 status)"
ok "db live at n1 ($(vf n1 db .check.state), $(vf n1 db .check.runs) runs)"

say "3. n2's check passes too: n2 waits, db stays at n1"
pass n2
wait_until 5 waiter_is db n2 || fail "n2 does not wait for db: $(vf n1 db .waiter)"
wait_holder 1 db n1 live $BED_NODES || fail "n2 took db from a healthy n1"
ok "n2 waits behind the healthy holder n1"

say "4. n1's check fails: n1 releases, n2 takes over"
bed_probe_start fail --target "$VIP" --port "$PORT" --duration-ms 0
sleep 0.3
t0=$(date +%s%N)
flunk n1
wait_holder 5 db n2 live $BED_NODES || fail "db not live at n2 after n1's check failed"
took=$(ms_since "$t0")
sleep 0.3
f=$(bed_probe_stop fail)
figure "check n1 fails" "$f"
p_dup0 "$f" "check n1 fails"
[ "$(p_switches "$f")" = "n1->n2" ] || fail "holder timeline '$(p_switches "$f")', want 'n1->n2'"
echo "FIGURE check failover: db live at n2 $took ms after n1's file went (fall 2 x 500 ms)"
ok "n1 released on its failing check, n2 took db; outage $(jq .outage_ms "$f") ms"

say "5. n1 recovers: db stays at n2"
pass n1
wait_until 5 _check_is n1 passing || fail "n1's check does not pass again"
sleep 1
wait_holder 1 db n2 live $BED_NODES || fail "the recovered n1 took db from the healthy n2"
ok "recovered n1 waits; db stays live at n2"

say "6. n2's check hangs: a hung check fails, db goes back to n1"
bed_probe_start hang --target "$VIP" --port "$PORT" --duration-ms 0
touch "$BED_DIR/n2.hang"
wait_holder 5 db n1 live $BED_NODES || fail "db not live at n1 after n2's check hung: $(vf n2 db .check)"
case "$(vf n2 db .check.last)" in
"timed out"*) ;;
*) fail "n2's last check is not a time-out: $(vf n2 db .check)" ;;
esac
f=$(bed_probe_stop hang)
p_dup0 "$f" "check hangs"
ok "n2's hung check failed ($(vf n2 db .check.last)); db live at n1, outage $(jq .outage_ms "$f") ms"
echo "PASS ($(elapsed_s) s)"
