#!/bin/bash
# cluster-basic: claim, move, release, eligibility, terms and restart of a former holder on a
# 3-node cluster (policy wait), checked with the probe (who answers, outage, dup) and with
# vipctl --json status on every node. Run by meson (suite net) as root.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "${BED_SRC:-$here/../bed}/bed.sh"
. "${CLUSTER_SRC:-$here}/lib.sh"

VIPS='vip db {
	address 192.0.2.100/24
	dev eth0
	policy wait
}
vip two {
	address 192.0.2.101/24
	dev eth0
	nodes n1 n2
}'

say "set-up: 3 nodes, corosync token $CLUSTER_TOKEN, lease auto, VIPs db (wait) and two (nodes n1 n2)"
export BED_LEASE=auto
cluster_up "$VIPS"
ok "cluster synced ($(elapsed_s) s)"

want=$(lease_auto_ms)
for n in $BED_NODES; do
	got=$(bed_vipctl "$n" --json status | jq -r '"\(.node.lease_ms) \(.node.lease_auto)"')
	[ "$got" = "$want true" ] || fail "$n: lease '$got', want '$want true' (lease auto from corosync)"
done
ok "lease auto: $want ms on every node (token $CLUSTER_TOKEN ms + consensus + join)"

say "claim db on n1"
# every gratuitous ARP for db on the client's link for 1.5 s (vipd: 3, 100 ms apart)
bed_spawn c "$BED_DIR/garps.out" "$ACT_PROBE" garp-all eth0 192.0.2.100 1500
gpid=$BED_LAST_PID
wait_until 5 grep -q ready "$BED_DIR/garps.out" || fail "GARP listener not ready"
out=$(bed_vipctl n1 --json claim db) || fail "claim db on n1: $out"
[ "$(jq -r '"\(.holder) \(.term)"' <<<"$out")" = "n1 1" ] || fail "claim reply: $out"
wait_holder 5 db n1 live $BED_NODES || fail "not every node says db live at n1"
for n in $BED_NODES; do
	[ "$(vf "$n" db .term)" = 1 ] || fail "$n: term $(vf "$n" db .term), want 1"
done
[ "$(live_here_nodes db $BED_NODES)" = n1 ] || fail "live_here on: '$(live_here_nodes db $BED_NODES)', want n1"
bed_probe_run "$BED_DIR/claim.json" --target "$VIP" --port "$PORT" --duration-ms 500
[ "$(p_nodes "$BED_DIR/claim.json")" = n1 ] || fail "answering nodes: '$(p_nodes "$BED_DIR/claim.json")', want n1"
[ "$(jq -r .lost "$BED_DIR/claim.json")" = 0 ] || fail "probes lost while n1 holds: $(jq -c '{sent, lost}' "$BED_DIR/claim.json")"
p_dup0 "$BED_DIR/claim.json" claim
ok "holder n1 term 1 live on all nodes, live_here only on n1, only n1 answers"
wait "$gpid" || fail "no gratuitous ARP for db: $(cat "$BED_DIR/garps.out")"
mac1=$(ip -n "$(bed_ns n1)" -br link show eth0 | awk '{ print $3 }')
garps=$(grep -v ready "$BED_DIR/garps.out")
[ "$(awk '{ print $1 }' <<<"$garps" | sort -u)" = "$mac1" ] ||
	fail "gratuitous ARPs for db not all from n1 ($mac1): $garps"
[ "$(wc -l <<<"$garps")" = 3 ] || fail "want 3 gratuitous ARPs (default announce 3 interval 100ms), got: $garps"
awk 'NR > 1 && $2 - t < 80 { exit 1 } { t = $2 }' <<<"$garps" ||
	fail "gratuitous ARPs less than 80 ms apart (default interval 100ms): $garps"
ok "n1 announced db 3 times, ~100 ms apart: $(awk '{ printf "%s%s", s, $2; s = "/" }' <<<"$garps") ms"

say "move db n1 -> n2 (from n3) -> n3 (from n1) while probing"
bed_probe_start moves --target "$VIP" --port "$PORT" --duration-ms 0
sleep 0.3 # measurement period with n1
out=$(bed_vipctl n3 --json move db n2) || fail "move db n2: $out"
wait_holder 5 db n2 live $BED_NODES || fail "db not live at n2 everywhere"
sleep 0.3 # measurement period with n2
out=$(bed_vipctl n1 --json move db n3) || fail "move db n3: $out"
wait_holder 5 db n3 live $BED_NODES || fail "db not live at n3 everywhere"
sleep 0.3 # measurement period with n3
f=$(bed_probe_stop moves)
figure "move n1->n2->n3" "$f"
p_dup0 "$f" move
[ "$(p_switches "$f")" = "n1->n2 n2->n3" ] || fail "holder timeline '$(p_switches "$f")', want 'n1->n2 n2->n3'"
[ "$(live_here_nodes db $BED_NODES)" = n3 ] || fail "live_here on '$(live_here_nodes db $BED_NODES)', want n3"
ok "n1 -> n2 -> n3, no dup, worst outage $(jq .outage_ms "$f") ms"

say "release db on n3: nobody answers, state unassigned"
out=$(bed_vipctl n3 --json release db) || fail "release: $out"
wait_holder 5 db null unassigned $BED_NODES || fail "db not unassigned everywhere"
[ -z "$(live_here_nodes db $BED_NODES)" ] || fail "live_here still on $(live_here_nodes db $BED_NODES)"
bed_probe_run "$BED_DIR/released.json" --target "$VIP" --port "$PORT" --duration-ms 300
[ "$(jq -r .answered "$BED_DIR/released.json")" = 0 ] || fail "answers after release: $(jq -c .nodes "$BED_DIR/released.json")"
for n in $BED_NODES; do addr_on "$n" 192.0.2.100 && fail "address still on $n"; done
ok "unassigned on all nodes, no answer, address on no node"

say "claim two (nodes n1 n2) from n3: refused, not-eligible"
rc=0; out=$(bed_vipctl n3 --json claim two) || rc=$?
[ "$rc" = 1 ] || fail "claim two on n3: exit $rc, want 1 ($out)"
[ "$(jq -r .error <<<"$out")" = not-eligible ] || fail "error: $out"
[ "$(vf n1 two .state)" = unassigned ] || fail "two changed state: $(vf n1 two .state)"
ok "exit 1, $(jq -c . <<<"$out")"

say "terms: claim db --term 5 on n1, then --term 3 on n2: stale-term"
out=$(bed_vipctl n1 --json claim db --term 5) || fail "claim --term 5 on n1: $out"
[ "$(jq -r '"\(.holder) \(.term)"' <<<"$out")" = "n1 5" ] || fail "claim reply: $out"
wait_holder 5 db n1 live $BED_NODES || fail "db not live at n1"
rc=0; out=$(bed_vipctl n2 --json claim db --term 3) || rc=$?
[ "$rc" = 1 ] || fail "claim --term 3 on n2: exit $rc, want 1 ($out)"
[ "$(jq -r .error <<<"$out")" = stale-term ] || fail "error: $out"
jq -r .reason <<<"$out" | grep -qw n1 || fail "reason does not name n1: $out"
jq -r .reason <<<"$out" | grep -qw 5 || fail "reason does not name term 5: $out"
wait_holder 1 db n1 live $BED_NODES || fail "holder changed after a stale claim"
[ "$(vf n2 db .term)" = 5 ] || fail "term changed after a stale claim: $(vf n2 db .term)"
ok "exit 1, $(jq -c . <<<"$out"); holder n1 term 5 unchanged"

say "restart of a former holder: move db to n2, restart vipd on n1, db stays on n2"
out=$(bed_vipctl n1 --json move db n2) || fail "move db n2: $out"
wait_holder 5 db n2 live $BED_NODES || fail "db not live at n2"
term=$(vf n2 db .term)
bed_probe_start restart --target "$VIP" --port "$PORT" --duration-ms 0
bed_vipd_stop n1
[ "${BED_VIPD_STATUS:-killed}" = 0 ] || fail "vipd n1 exit status ${BED_VIPD_STATUS:-killed} on TERM"
bed_vipd_start n1
wait_synced 10 $BED_NODES || fail "n1 did not rejoin"
sleep 0.5 # give a wrong take-back time to show
f=$(bed_probe_stop restart)
figure "restart former holder n1" "$f"
p_dup0 "$f" restart
[ "$(p_nodes "$f")" = n2 ] || fail "answering nodes '$(p_nodes "$f")', want n2 only"
wait_holder 1 db n2 live $BED_NODES || fail "holder changed after n1's restart"
[ "$(vf n1 db .term)" = "$term" ] || fail "term changed: $(vf n1 db .term), was $term"
[ "$(live_here_nodes db $BED_NODES)" = n2 ] || fail "live_here on '$(live_here_nodes db $BED_NODES)'"
addr_on n1 192.0.2.100 && fail "address on n1 after restart"
# the holder must keep answering while a node joins (no flapping)
[ "$(jq -r '.outage_ms < 50' "$f")" = true ] || fail "holder n2 stopped answering for $(jq .outage_ms "$f") ms (at $(jq .outage_at_ms "$f") ms) while n1 rejoined"
ok "n1 back, db still at n2 term $term, only n2 answered (outage $(jq .outage_ms "$f") ms)"

say "direct hand-offs: counted on every move; forged or stray datagrams change nothing"
hs() { st "$1" | jq -r ".node.handoffs.$2"; }
[ "$(hs n2 enabled)" = true ] || fail "n2: hand-offs not enabled: $(st n2 | jq -c .node.handoffs)"
[ "$(hs n2 sent)" -ge 1 ] && [ "$(hs n2 taken)" -ge 2 ] && [ "$(hs n3 taken)" -ge 1 ] ||
	fail "hand-offs n2 $(st n2 | jq -c .node.handoffs), n3 $(st n3 | jq -c .node.handoffs): want n2 sent >= 1 (to n3), taken >= 2 (from n1), n3 taken >= 1"
ok "n2 $(st n2 | jq -c .node.handoffs), n3 $(st n3 | jq -c .node.handoffs)"
ring=$(bed_exec n3 corosync-quorumtool -s | awk '/^Ring ID:/ { print $3 }')
[ -n "$ring" ] || fail "no ring id from corosync-quorumtool on n3"
key=$BED_DIR/handoff.key
badkey=$BED_DIR/other.key
head -c 32 /dev/urandom >"$badkey"
send() { # NODE KEY ARGS... : a hand-off datagram to n3 as if n2 gave it db at term+1
	local from=$1 k=$2; shift 2
	bed_exec "$from" python3 "$CLUSTER_SRC/handoff-send.py" --key "$k" --to 192.0.2.3 \
		--from-id 2 --to-id 3 --vip db --term $((term + 1)) "$@"
}
taken0=$(hs n3 taken)
bed_probe_start forged --target "$VIP" --port "$PORT" --duration-ms 0
sleep 0.2
send c "$key" --ring "$ring"             # right key, but from the client's address
send n2 "$badkey" --ring "$ring"         # from n2's address, another key
send n2 "$key" --ring "$ring" --vip nope # a VIP n3 does not know
send n2 "$key" --ring 1.0                # another ring: ignored, not counted
send n2 "$key" --ring "$ring"            # authentic, but no such hand-over was agreed
bed_exec n2 python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"VIPH\1", ("192.0.2.3", 5407))'
sleep 0.5
f=$(bed_probe_stop forged)
figure "forged hand-offs to n3" "$f"
p_dup0 "$f" forged
[ "$(p_nodes "$f")" = n2 ] || fail "answering nodes '$(p_nodes "$f")', want n2 only"
addr_on n3 192.0.2.100 && fail "n3 added db on a forged hand-off"
wait_holder 1 db n2 live $BED_NODES || fail "db moved on a forged hand-off"
[ "$(hs n3 dropped)" = 4 ] || fail "n3 dropped $(hs n3 dropped) hand-offs, want 4: $(st n3 | jq -c .node.handoffs)"
[ "$(hs n3 taken)" = $((taken0 + 1)) ] || fail "n3 took $(hs n3 taken) hand-offs, want $((taken0 + 1))"
for why in "whose address (cluster block) it did not come from" "MAC does not match" \
	"VIP 'nope' is not in" "datagram too short"; do
	grep -q "dropping a hand-off datagram from .*$why" "$BED_DIR/n3/vipd.log" ||
		fail "n3's log does not say '$why'"
done
kill -0 "$(bed_vipd_pid n3)" 2>/dev/null || fail "vipd on n3 is gone"
ok "4 dropped with a reason each, the authentic stray one changed nothing: db on n2 alone (term $term)"

echo "cluster-basic: all checks passed ($(elapsed_s) s)"
