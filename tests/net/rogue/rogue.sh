#!/bin/bash
# rogue: a process that is not vipd (tests/net/rogue/rogue.c, libcpg) joins vipd's CPG group on
# a member node and sends malformed, truncated, future-version, replayed and forged records
# (RELEASED, LIVE, CLAIM with forged terms, MOVE, EXPIRE), while a client probes db every
# millisecond. Each is dropped and counted (vipctl status: dropped_peer_records) and nothing
# changes hands: holders and terms stay, the probe sees no switch and no duplicate.
#   1. beside n1's vipd, under n1's id: everything it sends is dropped, however well-formed
#      (the group takes only the process that joined first as a node's vipd; src/engine/cpg.c)
#      and its join and leave are not n1's;
#   2. on n3 with n3's vipd stopped, where the rogue is all the group knows of n3: records it
#      cannot read are dropped by the codec; a forged RELEASED or LIVE of a VIP n3 does not
#      hold changes nothing;
#   3. on n2 while n2's vipd is away: the rogue is n2 then, and n2's vipd, started again, is
#      not heard until the rogue leaves; nothing changes hands meanwhile, then n2 joins.
# Run by meson (suite net) as root.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "${BED_SRC:-$here/../bed}/bed.sh"
. "${CLUSTER_SRC:-$here/../cluster}/lib.sh"
ROGUE=${ROGUE:?the rogue program (meson sets ROGUE)}

VIPS='vip db {
	address 192.0.2.100/24
	dev eth0
	policy prefer n1 n2 n3
}
vip web {
	address 192.0.2.101/24
	dev eth0
}'

# table NODE : [[name, holder, term, state]...] as NODE sees it
table() { st "$1" | jq -c '[.vips[] | [.name, .holder, .term, .state]]'; }
dropped() { st "$1" | jq -r '.node.dropped_peer_records'; }
# same_table NODES... : every node's table is $WANT
same_table() { local n; for n in "$@"; do [ "$(table "$n")" = "$WANT" ] || return 1; done; }
# check_unchanged WHAT NODES... : holders and terms as before
check_unchanged() {
	local what=$1 n; shift
	sleep 1 # what a forged record would have started has had its time
	for n in "$@"; do
		[ "$(table "$n")" = "$WANT" ] || fail "$what: $n's table changed: $(table "$n"), was $WANT"
	done
	ok "$what: holders and terms unchanged on $*"
}
# check_dropped WHAT MIN NODES... : each node dropped at least MIN more records than in D0
check_dropped() {
	local what=$1 min=$2 n d; shift 2
	for n in "$@"; do
		d=$(( $(dropped "$n") - ${D0[$n]} ))
		[ "$d" -ge "$min" ] || fail "$what: $n dropped $d records, want >= $min"
		echo "   $n dropped $d record(s)"
	done
}
declare -A D0=()
mark_dropped() { local n; for n in $BED_NODES; do D0[$n]=$(dropped "$n"); done; }
rogue() { bed_exec "$1" "$ROGUE" vipd "${@:2}" || fail "rogue on $1 failed"; }

say "rogue: a non-vipd member of vipd's group"
cluster_up "$VIPS"
out=$(bed_vipctl n1 --json claim db) || fail "claim db: $out"
out=$(bed_vipctl n2 --json claim web) || fail "claim web: $out"
wait_holder 5 db n1 live $BED_NODES || fail "db not live at n1"
wait_holder 5 web n2 live $BED_NODES || fail "web not live at n2"
WANT=$(table n1)
T=$(vf n1 db .term)
echo "   table: $WANT"
bed_probe_start rogue --target "$VIP" --port "$PORT" --duration-ms 0
sleep 0.2

say "1. beside n1's vipd, under n1's id"
mark_dropped
rogue n1 capture 1 replay garbage 40 truncated version 9 released db "$T" \
	live db $((T + 1)) claim db $((T + 5)) move db 2 expire 1 move web 1
check_dropped "beside n1's vipd" 10 n1 n2 n3
check_unchanged "beside n1's vipd" $BED_NODES
wait_synced 5 $BED_NODES || fail "the rogue's join or leave cost n1 its place in the group"

say "2. on n3, with n3's vipd stopped"
bed_vipd_stop n3
wait_until 10 _synced 2 n1 n2 || fail "n1 and n2 not synced without n3"
mark_dropped
rogue n3 capture 1 replay garbage 40 truncated version 9 released db "$T" live db $((T + 1))
check_dropped "as n3" 4 n1 n2
check_unchanged "as n3" n1 n2
bed_vipd_start n3
wait_synced 15 $BED_NODES || fail "n3's vipd did not join again"
check_unchanged "after n3's vipd is back" $BED_NODES

say "3. on n2 before n2's vipd starts again"
# the rogue is n2 for n1 and n3 (it came first): n2's new vipd is not heard until it leaves;
# meanwhile nothing changes hands, and then n2's vipd joins the table
out=$(bed_vipctl n1 --json move web n1) || fail "move web n1: $out"
wait_holder 5 web n1 live n1 n3 || fail "web not moved to n1"
sleep 1.1 # web must not go back to n1 within the probe's duplicate window
WANT=$(table n1)
bed_vipd_stop n2
wait_until 10 _synced 2 n1 n3 || fail "n1 and n3 not synced without n2"
bed_spawn n2 "$BED_DIR/n2/rogue.log" "$ROGUE" vipd stay 6000
sleep 1
bed_vipd_start n2
sleep 2
check_unchanged "n2's vipd behind the rogue" n1 n3
wait_synced 20 $BED_NODES || fail "n2's vipd did not join the table after the rogue left"
check_unchanged "after the rogue left" $BED_NODES

f=$(bed_probe_stop rogue)
figure rogue "$f"
p_dup0 "$f" rogue
[ -z "$(p_switches "$f")" ] || fail "the probe saw db change hands: $(p_switches "$f")"
ok "rogue: every record dropped or ignored, nothing changed hands"
