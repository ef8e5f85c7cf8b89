#!/bin/bash
# bed-smoke: the test bed itself works (namespaces, corosync quorum, responders, probe, faults).
# Run by meson (suite net) with BED_PROBE, BED_RESPONDER, BED_SRC set; as root.
# BED_SMOKE_FAIL_AT=<step> makes the test fail deliberately at that step (to check cleanup).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "${BED_SRC:-$here}/bed.sh"

step() { echo "== $*"; [ "${BED_SMOKE_FAIL_AT:-}" != "$1" ] || { echo "deliberate failure at $1"; false; }; }
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; exit 1; }
jqf() { jq -er "$1" "$2"; }

VIP=192.0.2.100
PORT=7777

step init "3 nodes + client + bridge"
bed_init 3

step corosync "corosync token 300 on n1..n3, all quorate"
bed_corosync_start 300
for n in $BED_NODES; do
	bed_quorate "$n" 3 || fail "$n not quorate with 3 members"
done
ok "all 3 quorate with 3 members after $BED_QUORATE_MS ms"

step responders "responders on every node"
bed_responders_start "$PORT"
ok "responders listening"

step single "VIP $VIP on n1 by hand, probe 1 s"
ip -n "$(bed_ns n1)" addr add "$VIP/24" dev eth0
bed_probe_run "$BED_DIR/single.json" --target "$VIP" --port "$PORT" --duration-ms 1000
jq -c '{sent, answered, nodes, outage_ms, dup}' "$BED_DIR/single.json"
[ "$(jqf '.nodes.n1 // 0' "$BED_DIR/single.json")" -gt 0 ] || fail "n1 did not answer"
[ "$(jqf '.nodes | keys | join(" ")' "$BED_DIR/single.json")" = n1 ] || fail "not only n1 answered"
[ "$(jqf .dup "$BED_DIR/single.json")" = 0 ] || fail "dup != 0"
ok "only n1 answered, no dup"

step move "move $VIP n1 -> n2 by hand while probing"
bed_probe_start move --target "$VIP" --port "$PORT"
sleep 0.3 # let the probe collect answers from n1 (a measurement period, not a wait)
bed_addr_move "$VIP/24" n1 n2
sleep 0.3 # ... and from n2
f=$(bed_probe_stop move)
jq -c '{sent, answered, nodes, outage_ms, dup, switches}' "$f"
[ "$(jqf '[.switches[] | "\(.from)->\(.to)"] | join(" ")' "$f")" = "n1->n2" ] ||
	fail "expected exactly one switch n1->n2"
[ "$(jqf .dup "$f")" = 0 ] || fail "dup != 0"
[ "$(jqf .last_answer.node "$f")" = n2 ] || fail "n2 is not the last responder"
ok "switch n1->n2 seen, outage $(jqf .outage_ms "$f") ms, no dup"

step kill "kill -9 corosync on n1, n2 and n3 keep quorum"
t0=$(bed_now_ms)
bed_corosync_kill n1 KILL
bed_wait_members 10 2 n2 n3 || fail "survivors did not see membership 2"
bed_quorate n2 2 && bed_quorate n3 2 || fail "survivors not quorate"
ok "n2, n3 quorate with 2 of 3 after $(( $(bed_now_ms) - t0 )) ms"

step partition "partition n2 | n3: both lose quorum; heal: quorum back"
t0=$(bed_now_ms)
bed_partition n2 n3
not_quorate() { ! bed_quorate n2 && ! bed_quorate n3; }
wait_until 10 not_quorate || fail "partitioned nodes still quorate"
ok "both inquorate after $(( $(bed_now_ms) - t0 )) ms"
t0=$(bed_now_ms)
bed_heal
bed_wait_members 15 2 n2 n3 || fail "no quorum after heal"
ok "quorate again after heal in $(( $(bed_now_ms) - t0 )) ms"

step link "link down n3: n2 loses quorum; link up: back"
t0=$(bed_now_ms)
bed_link_down n3
wait_until 10 not_quorate || fail "still quorate with n3's link down"
ok "inquorate after $(( $(bed_now_ms) - t0 )) ms"
t0=$(bed_now_ms)
bed_link_up n3
bed_wait_members 15 2 n2 n3 || fail "no quorum after link up"
ok "quorate again after link up in $(( $(bed_now_ms) - t0 )) ms"

step netem "loss, delay and jitter on n2's link (bed_netem); partitions still hold; off: clean"
rtt() { bed_exec c python3 "$here/rtt.py" "$(bed_addr4 n2)" "$PORT" 400 5; }
field() { awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' <<<"$2"; }
before=$(rtt); echo "   before: $before"
bed_netem n2 50 50 30; how=$BED_NETEM_HOW
during=$(rtt); echo "   netem by $how: $during"
# each way 30 % loss: about 51 % of round trips lost; each way 0-100 ms: median about 100 ms
awk -v l="$(field loss_pct "$during")" 'BEGIN { exit !(l >= 38 && l <= 64) }' ||
	fail "round-trip loss $(field loss_pct "$during") %, not about 51 %"
awk -v m="$(field median_ms "$during")" 'BEGIN { exit !(m >= 60 && m <= 400) }' ||
	fail "median round trip $(field median_ms "$during") ms, not about 100 ms"
[ "$(field reordered "$during")" -gt 0 ] || fail "no answer reordered under 50 ms of jitter"
bed_netem_off n2
bed_netem n2 0 0 0
bed_wait_members 15 2 n2 n3 || fail "no quorum through a lossless relay"
bed_partition n2 n3
wait_until 10 not_quorate || fail "a partition does not hold on a relayed link"
bed_heal
bed_netem_off n2
bed_wait_members 15 2 n2 n3 || fail "no quorum after netem off"
after=$(rtt); echo "   after: $after"
awk -v l="$(field loss_pct "$after")" -v m="$(field median_ms "$after")" 'BEGIN { exit !(l < 5 && m < 40) }' ||
	fail "link not clean after netem off: $after"
ok "netem by $how: loss $(field loss_pct "$during") %, median $(field median_ms "$during") ms, partition held, clean after"

step end "cleanup"
echo "bed-smoke: all checks passed"
