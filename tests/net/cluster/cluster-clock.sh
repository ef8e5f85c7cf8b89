#!/bin/bash
# cluster-clock: the wall clock steps an hour forward, then two hours back, while n1 holds db and
# n2 waits for it.  vipd's timers, leases and the kernel's set timeouts run on the monotonic
# clock, so nothing may happen: no move, no lapse, no outage, no duplicate.  CLOCK_REALTIME is
# not namespaced, so the step is the whole host's (every node sees it, a harder case than one
# node); the test puts the clock back on exit, also on failure, and runs alone on the host
# (BED_HOST_WIDE): other beds time with the wall clock.  Run by meson (suite net) as root.
set -eu
export BED_HOST_WIDE=1
here=$(cd "$(dirname "$0")" && pwd)
. "${BED_SRC:-$here/../bed}/bed.sh"
. "${CLUSTER_SRC:-$here}/lib.sh"

STEP_NS=0 # what this test has added to the wall clock so far
step_clock() { # SECONDS (may be negative)
	local now
	now=$(date +%s%N)
	date -s "@$(( (now + $1 * 1000000000) / 1000000000 )).$(printf '%09d' $(( (now + $1 * 1000000000) % 1000000000 )))" >/dev/null
	STEP_NS=$(( STEP_NS + $1 * 1000000000 ))
}
bed_on_cleanup() { [ "$STEP_NS" = 0 ] || step_clock $(( -STEP_NS / 1000000000 )); }

say "set-up: 3 nodes, corosync token $CLUSTER_TOKEN, db claimed on n1, a claim of n2 waiting"
cluster_up 'vip db {
	address 192.0.2.100/24
	dev eth0
	policy wait
}'
bed_vipctl n1 claim db >/dev/null || fail "claim db on n1"
wait_holder 5 db n1 live $BED_NODES || fail "db not live at n1"
bed_spawn n2 "$BED_DIR/wait.log" "$VIPCTL" claim db --wait 60
wait_until 5 waiter_is db n2 || fail "n2 does not wait for db"
term=$(vf n1 db .term)
ok "db live at n1 (term $term), n2 waits"

say "the wall clock: +1 h, 2 s, -2 h, 2 s, +1 h"
bed_probe_start clk --target 192.0.2.100 --port "$PORT" --duration-ms 0
sleep 0.5
step_clock 3600
sleep 2
step_clock -7200
sleep 2
step_clock 3600
sleep 0.5
f=$(bed_probe_stop clk)
figure "clock steps" "$f"
p_dup0 "$f" "clock steps"
[ "$(p_switches "$f")" = "" ] || fail "db changed hands: $(p_switches "$f")"
out=$(jq .outage_ms "$f")
awk -v o="$out" 'BEGIN { exit !(o < 50) }' || fail "db was not answered for $out ms across the steps"
wait_holder 1 db n1 live $BED_NODES || fail "db not live at n1 after the steps"
[ "$(vf n1 db .term)" = "$term" ] || fail "db's term changed: $(vf n1 db .term), was $term"
waiter_is db n2 || fail "n2's claim no longer waits"
for n in $BED_NODES; do
	! grep -Eq "lapsed|expire|lost" "$BED_DIR/$n/vipd.log" || fail "$n's vipd: $(grep -E "lapsed|expire|lost" "$BED_DIR/$n/vipd.log" | head -3)"
done
ok "no move, no lapse, outage $out ms, term $term, n2 still waiting"
echo "PASS ($(elapsed_s) s)"
