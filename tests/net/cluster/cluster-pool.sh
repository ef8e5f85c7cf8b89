#!/bin/bash
# cluster-pool: a pool of 12 VIPs on 3 nodes (rebalance after 3s).  Spread 4/4/4; n3 cut off
# the network: its 4 VIPs go to n1 and n2 at once, one move each (6/6); n3 back: it takes nothing
# until the settle time has passed, then exactly 4 VIPs move back (4/4/4); an explicit move of a
# pool VIP stands until `vipctl rebalance`, which moves exactly that one back.  Two probes run
# throughout, one on a VIP that moves with n3 and one on a VIP that never moves: no duplicate
# holder, and the outages are printed.  Run by meson (suite net) as root.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "${BED_SRC:-$here/../bed}/bed.sh"
. "${CLUSTER_SRC:-$here}/lib.sh"

VIPS=
members=
for i in $(seq 1 12); do
	VIPS="$VIPS
vip w$i { address 192.0.2.$((99 + i))/24; dev eth0 }"
	members="$members w$i"
done
VIPS="$VIPS
pool web {
	vips$members
	rebalance after 3s
}"

# holders NODE : "VIP=HOLDER ..." of the pool's VIPs in NODE's table.
holders() { st "$1" | jq -r '[.vips[] | select(.pool == "web") | "\(.name)=\(.holder)"] | join(" ")'; }
# placement NODE : "n1/n2/n3" counts of the pool's VIPs held, from NODE's status.
placement() { st "$1" | jq -r '.pools[0].placement | "\(.n1 | length)/\(.n2 | length)/\(.n3 | length)"'; }
_placed() { # WANT NODES...
	local w=$1 n; shift
	for n in "$@"; do
		[ "$(placement "$n")" = "$w" ] || return 1
		[ "$(st "$n" | jq -r '[.vips[] | select(.pool == "web" and .state != "live")] | length')" = 0 ] ||
			return 1
	done
}
# moved BEFORE AFTER : how many VIPs changed holder between two `holders` lines.
moved() { diff <(tr ' ' '\n' <<<"$1") <(tr ' ' '\n' <<<"$2") | grep -c '^>' || true; }
# terms NODE : "VIP=TERM ..." of the pool's VIPs.
terms() { st "$1" | jq -r '[.vips[] | select(.pool == "web") | "\(.name)=\(.term)"] | join(" ")'; }
# one_move_each T0 T1 H0 H1 : every VIP whose holder changed moved once (term +1), the others
# kept their term.
one_move_each() {
	local t0=$1 t1=$2 h0=$3 h1=$4 v
	for v in $members; do
		local a b x y
		a=$(tr ' ' '\n' <<<"$t0" | sed -n "s/^$v=//p"); b=$(tr ' ' '\n' <<<"$t1" | sed -n "s/^$v=//p")
		x=$(tr ' ' '\n' <<<"$h0" | sed -n "s/^$v=//p"); y=$(tr ' ' '\n' <<<"$h1" | sed -n "s/^$v=//p")
		if [ "$x" != "$y" ]; then [ "$b" = $((a + 1)) ] || return 1
		else [ "$b" = "$a" ] || return 1; fi
	done
}
# first_on NODE [IDX] : the first (or IDX-th, -1: last) pool VIP that NODE holds, and its address.
first_on() { st n1 | jq -r --arg n "$1" --argjson i "${2:-0}" '[.vips[] | select(.pool == "web" and .holder == $n)][$i] | "\(.name) \(.addresses[0] | sub("/.*"; ""))"'; }

say "set-up: 3 nodes, corosync token $CLUSTER_TOKEN, lease auto, pool web of 12 VIPs, rebalance after 3s"
# a lease that outlives the ring's stall when n3 leaves and returns: the VIPs that stay answer on
export BED_LEASE=auto
cluster_up "$VIPS"
wait_until 20 _placed 4/4/4 $BED_NODES || fail "pool not spread 4/4/4: $(placement n1), $(holders n1)"
for n in n2 n3; do
	[ "$(holders "$n")" = "$(holders n1)" ] || fail "$n places the pool otherwise: $(holders "$n") vs $(holders n1)"
done
bed_vipctl n1 status | grep -q '^pool web: 12 VIPs, rebalance after 3.0 s' ||
	fail "vipctl status shows no pool: $(bed_vipctl n1 status)"
ok "4/4/4 on every node, the same placement everywhere ($(elapsed_s) s)"

read -r va addra <<<"$(first_on n3)"
read -r vb addrb <<<"$(first_on n1)"
h0=$(holders n1); t0=$(terms n1)
bed_probe_start moving --target "$addra" --port "$PORT" --duration-ms 0
bed_probe_start staying --target "$addrb" --port "$PORT" --duration-ms 0
ok "probing $va ($addra, at n3) and $vb ($addrb, at n1)"

say "1. n3 cut off the network: its 4 VIPs go to n1 and n2 (6/6), one move each"
tl=$(date +%s%N)
bed_link_down n3
wait_until 10 _placed 6/6/0 n1 n2 || fail "not 6/6/0 after n3 was lost: $(placement n1), $(holders n1)"
lost_ms=$(ms_since "$tl")
h1=$(holders n1); t1=$(terms n1)
m1=$(moved "$h0" "$h1")
[ "$m1" = 4 ] || fail "$m1 VIPs moved when n3 was lost, want 4: $h0 -> $h1"
one_move_each "$t0" "$t1" "$h0" "$h1" || fail "a VIP moved more than once: $t0 -> $t1"
[ "$(holders n2)" = "$h1" ] || fail "n1 and n2 place the pool otherwise"
ok "6/6/0 after $lost_ms ms (status polling), $m1 moves, each once"

say "2. n3 back: it takes nothing until the settle time, then exactly 4 VIPs come back (4/4/4)"
sleep 1.2 # longer than the probe's dup window (1 s), see common rules
tb=$(date +%s%N)
bed_link_up n3
wait_synced 20 $BED_NODES || fail "n3 did not rejoin"
joined_ms=$(ms_since "$tb")
[ "$(placement n1)" = 6/6/0 ] || fail "a VIP moved as n3 joined: $(placement n1) after $(ms_since "$tb") ms"
[ "$(st n1 | jq -r .pools[0].rebalance_pending)" = true ] || fail "no rebalance pending after n3 joined: $(st n1 | jq -c .pools)"
ok "n3 rejoined after $joined_ms ms and holds nothing; rebalance pending in $(st n1 | jq -r .pools[0].rebalance_in_ms) ms"
wait_until 15 _placed 4/4/4 $BED_NODES || fail "not 4/4/4 after the settle time: $(placement n1), $(holders n1)"
back_ms=$(ms_since "$tb")
h2=$(holders n1); t2=$(terms n1)
m2=$(moved "$h1" "$h2")
[ "$m2" = 4 ] || fail "$m2 VIPs moved in the rebalance, want 4: $h1 -> $h2"
one_move_each "$t1" "$t2" "$h1" "$h2" || fail "a VIP moved more than once in the rebalance: $t1 -> $t2"
for n in n2 n3; do [ "$(holders "$n")" = "$h2" ] || fail "$n places the pool otherwise after the rebalance"; done
[ "$(st n3 | jq -r '"\(.pools[0].rebalances > 0) \(.pools[0].last_moves)"')" = "true 4" ] ||
	fail "n3 does not report the rebalance: $(st n3 | jq -c .pools)"
ok "4/4/4 again $back_ms ms after n3's link came up, $m2 moves, each once"

say "3. an explicit move of a pool VIP stands; vipctl rebalance moves exactly it back"
sleep 1.2
read -r vm _ <<<"$(first_on n1 -1)"
out=$(bed_vipctl n2 --json move "$vm" n2) || fail "move $vm n2: $out"
wait_until 5 _placed 3/5/4 $BED_NODES || fail "move of $vm not obeyed: $(placement n1)"
h3=$(holders n1)
sleep 1.2
out=$(bed_vipctl n3 rebalance web) || fail "vipctl rebalance web: $out"
wait_until 5 _placed 4/4/4 $BED_NODES || fail "vipctl rebalance did not even the pool out: $(placement n1)"
h4=$(holders n1)
[ "$(moved "$h3" "$h4")" = 1 ] || fail "vipctl rebalance moved $(moved "$h3" "$h4"), want 1: $h3 -> $h4"
out=$(bed_vipctl n1 rebalance nope 2>&1) && fail "rebalance of an unknown pool accepted: $out"
grep -q "no pool named 'nope'" <<<"$out" || fail "unknown pool: $out"
ok "3/5/4 after the move, 4/4/4 after vipctl rebalance with 1 move"

fa=$(bed_probe_stop moving)
fb=$(bed_probe_stop staying)
figure "pool VIP of the lost node ($va)" "$fa"
figure "pool VIP that stays ($vb)" "$fb"
p_dup0 "$fa" "$va"
p_dup0 "$fb" "$vb"
[ "$(p_switches "$fb")" = "" ] || fail "$vb moved: $(p_switches "$fb")"
gaps=$(jq -r '[.switches[] | "\(.from)->\(.to) \(.gap_ms) ms"] | join(", ")' "$fa")
echo "FIGURE pool: n3 lost -> 6/6/0 in $lost_ms ms with $m1 moves; n3 back -> 4/4/4 in $back_ms ms (settle 3 s) with $m2 moves; $va's outage per move: $gaps; $vb never moved (outage $(jq .outage_ms "$fb") ms)"
ok "no duplicate holder on either probe"
echo "PASS ($(elapsed_s) s)"
