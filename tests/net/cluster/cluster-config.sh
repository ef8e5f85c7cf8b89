#!/bin/bash
# cluster-config: a rolling change of vipd.conf on a 3-node cluster.  While one member's file
# defines a VIP otherwise (here: another prefer order) or adds one, that VIP is frozen on every
# node: status names the odd member, claims and moves are refused (config-mismatch), and when
# its holder dies nobody takes it over, where without the freeze n2 and n3 would each have taken
# it.  VIPs defined alike work on.  Once every file agrees (restarts node by node) all VIPs work
# again.  A node whose file gives it another node's id does not join at all; a node running a
# vipd of another peer version stalls every table sync, safely and visibly.  Run by meson
# (suite net) as root.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "${BED_SRC:-$here/../bed}/bed.sh"
. "${CLUSTER_SRC:-$here}/lib.sh"

OLD='vip db {
	address 192.0.2.100/24
	dev eth0
	policy prefer n2 n3
}
vip two {
	address 192.0.2.101/24
	dev eth0
	policy prefer n2 n3
}'
NEW='vip db {
	address 192.0.2.100/24
	dev eth0
	policy prefer n3 n2
}
vip two {
	address 192.0.2.101/24
	dev eth0
	policy prefer n2 n3
}
vip web {
	address 192.0.2.102/24
	dev eth0
}'

say "set-up: 3 nodes, db and two claimed on n1"
cluster_up "$OLD"
for v in db two; do
	out=$(bed_vipctl n1 --json claim "$v") || fail "claim $v on n1: $out"
done
wait_holder 5 db n1 live $BED_NODES || fail "db not live at n1"
wait_holder 5 two n1 live $BED_NODES || fail "two not live at n1"
ok "db and two live at n1"

say "n3 restarts with a new file: db's prefer order changed, web added"
bed_vipd_stop n3 >/dev/null
bed_vipd_conf n3 "$NEW" >/dev/null
bed_vipd_start n3
wait_synced 15 $BED_NODES || fail "not synced after n3's restart"
for n in n1 n2; do
	[ "$(vf "$n" db '.config_differs | join(" ")')" = n3 ] ||
		fail "$n: db config_differs '$(vf "$n" db '.config_differs | join(" ")')', want n3"
	[ "$(vf "$n" two '.config_differs | length')" = 0 ] || fail "$n: two is not defined alike"
done
[ "$(vf n3 db '.config_differs | join(" ")')" = "n1 n2" ] || fail "n3: db config_differs $(vf n3 db .config_differs)"
[ "$(vf n3 web '.config_differs | join(" ")')" = "n1 n2" ] || fail "n3: web config_differs $(vf n3 web .config_differs)"
grep -q "VIP 'db' is defined otherwise .* member 'n3'" "$BED_DIR/n1/vipd.log" || fail "no warning about db on n1"
bed_vipctl n1 status | grep -qx "db: frozen, defined otherwise in the vipd.conf of n3" ||
	fail "vipctl status on n1 does not say db is frozen: $(bed_vipctl n1 status)"
ok "status names the odd member on each side; n1 logged a warning"
rc=0; out=$(bed_vipctl n2 move db n2 2>&1) || rc=$?
[ "$rc" = 1 ] && grep -q "config-mismatch: VIP 'db' is defined otherwise .* of 'n3'" <<<"$out" ||
	fail "move of the frozen db: exit $rc, $out"
out=$(bed_vipctl n3 --json claim web) && fail "web claimed while n1 and n2 do not know it: $out"
[ "$(jq -r .error <<<"$out")" = config-mismatch ] || fail "claim web on n3: $out"
out=$(bed_vipctl n1 --json move two n2) || fail "move of two (defined alike): $out"
wait_holder 5 two n2 live $BED_NODES || fail "two not live at n2"
ok "db and web refused with config-mismatch; two (alike everywhere) moved to n2"

say "n1's vipd is killed: db stays unassigned, nobody takes it over"
bed_probe_start kill --target "$VIP" --port "$PORT" --duration-ms 0
sleep 0.2
bed_vipd_kill n1 KILL
wait_holder 5 db null unassigned n2 n3 || fail "db not unassigned on n2 and n3"
sleep 2 # two leases and more: a take-over would have happened by now
f=$(bed_probe_stop kill)
[ "$(live_here_nodes db n2 n3)" = "" ] || fail "db live on $(live_here_nodes db n2 n3)"
[ "$(p_nodes "$f")" = n1 ] || fail "answering for db: $(p_nodes "$f")"
p_dup0 "$f" kill
ok "only n1 ever answered for db, then nobody; dup 0"

say "every file agrees: n1, n2 restarted with the new file; db and web work again"
bed_vipd_conf n1 "$NEW" >/dev/null
bed_vipd_start n1
bed_vipd_stop n2 >/dev/null
bed_vipd_conf n2 "$NEW" >/dev/null
bed_vipd_start n2
wait_synced 15 $BED_NODES || fail "not synced with the new file everywhere"
for n in $BED_NODES; do
	[ "$(st "$n" | jq -r '[.vips[].config_differs[]] | length')" = 0 ] || fail "$n still sees differences"
done
grep -q "VIP 'db': every member defines it the same again" "$BED_DIR/n3/vipd.log" || fail "no notice on n3"
out=$(bed_vipctl n3 --json claim db) || fail "claim db on n3: $out"
out=$(bed_vipctl n1 --json claim web) || fail "claim web on n1: $out"
wait_holder 5 db n3 live $BED_NODES || fail "db not live at n3"
wait_holder 5 web n1 live $BED_NODES || fail "web not live at n1"
ok "no differences left; db claimed on n3, web on n1"

say "n3's file gives it n2's id: n3 does not join; db, handed to n2, stays on n2 alone"
bed_vipd_stop n3 >/dev/null
wait_holder 5 db n2 live n1 n2 || fail "db not handed to n2 when n3 stopped"
f=$(bed_vipd_conf n3 "$NEW")
sed -i -e 's/^\tnode n2 id 2\( .*\)\?$/\tnode n2 id 3\1/' -e 's/^\tnode n3 id 3\( .*\)\?$/\tnode n3 id 2\1/' "$f"
grep -q "node n3 id 2" "$f" || fail "could not swap the ids in $f"
bed_probe_start swap --target "$VIP" --port "$PORT" --duration-ms 0
bed_vipd_start n3
wait_until 10 grep -q "corosync runs this node as id 3, but .* gives 'n3' id 2: not joining" \
	"$BED_DIR/n3/vipd.log" || fail "no refusal to join in n3's log"
sleep 1.5
f=$(bed_probe_stop swap)
[ "$(p_nodes "$f")" = n2 ] || fail "answering for db: $(p_nodes "$f")"
p_dup0 "$f" swap
[ "$(st n1 | jq -r '.node.members | length')" = 2 ] || fail "n3 is a member: $(st n1 | jq -c .node.members)"
[ "$(grep -c "not joining" "$BED_DIR/n3/vipd.log")" = 1 ] || fail "the refusal is logged at every retry"
# had it joined, its records (sender 2 over CPG id 3) would be dropped as forged and every
# node's table sync would wait for its STATE: nothing would work
out=$(bed_vipctl n1 --json move db n1) || fail "move db to n1 with n3 misconfigured: $out"
wait_holder 5 db n1 live n1 n2 || fail "db not live at n1"
ok "n3 refused to join (logged once), only n2 answered for db, dup 0; the others work on (db moved to n1)"

say "n3 runs a vipd of another peer version: the syncs wait for it, nothing changes hands, db stays"
bed_vipd_stop n3 >/dev/null
bed_vipd_conf n3 "$NEW" >/dev/null
bed_probe_start skew --target "$VIP" --port "$PORT" --duration-ms 0
VIPD=$VIPD_SKEW bed_vipd_start n3
wait_until 10 grep -q "the table sync has waited 3 s for the table of 'n3'" "$BED_DIR/n1/vipd.log" ||
	fail "no stall warning on n1"
[ "$(st n1 | jq -r '"\(.node.synced) \(.node.sync_waiting_for | join(" "))"')" = "false n3" ] ||
	fail "n1's status during the stall: $(st n1 | jq -c '.node | {synced, sync_waiting_for}')"
rc=0; out=$(bed_vipctl n1 move db n2 2>&1) || rc=$?
[ "$rc" = 1 ] && grep -q "not-joined" <<<"$out" || fail "move during the stall: exit $rc, $out"
bed_vipctl n1 status | grep -q "^table sync waiting for .*: n3$" ||
	fail "vipctl status on n1 does not name n3: $(bed_vipctl n1 status)"
drops=$(grep -c "dropping a peer record" "$BED_DIR/n1/vipd.log" || true)
[ "$drops" -le 20 ] || fail "$drops log lines for dropped records: not rate-limited"
bed_vipd_stop n3 >/dev/null
wait_until 10 grep -q "the table sync is done" "$BED_DIR/n1/vipd.log" || fail "no end of the stall on n1"
f=$(bed_probe_stop skew)
[ "$(p_nodes "$f")" = n1 ] || fail "answering for db during the stall: $(p_nodes "$f")"
p_dup0 "$f" skew
[ "$(jq -r .lost "$f")" = 0 ] || fail "probes lost during the stall: $(jq -c '{sent, lost}' "$f")"
bed_vipd_start n3
wait_synced 15 $BED_NODES || fail "not synced once n3 runs the same version"
out=$(bed_vipctl n1 --json move db n3) || fail "move db to n3 after the stall: $out"
wait_holder 5 db n3 live $BED_NODES || fail "db not live at n3"
ok "stall named in the log and status, moves refused, db answered by n1 throughout (lost 0, dup 0), $drops drop lines; after n3's upgrade db moved to n3"

echo "cluster-config: all checks passed ($(elapsed_s) s)"
