#!/bin/bash
# cluster-announce: announcements beyond the acquisition burst, on a 3-node cluster whose
# client ignores gratuitous ARP and multicast neighbour advertisements (arp_accept=0, and
# nftables rules that drop them, as a router that does not trust them would):
#   1. notify-peers: the client, holding a stale neighbour entry for the VIP (the old holder's
#      MAC), follows a move at once when it is a notify peer of the VIP, and not at all when
#      it is not (an ARP request aimed at the peer, unicast to the MAC the holder's neighbour
#      table has or broadcast when it has none, and a unicast NA);
#   2. refresh: the holder announces again every 'refresh' while it holds;
#   3. heal: a member that comes back after a partition makes the holder announce again;
#   4. link: a VIP whose link was down when it was acquired is announced when the link comes up.
# Each seen in a packet capture in the client namespace (ann-capture.py) and in the counters of
# vipctl status; a probe of db runs throughout and must see no duplicate holder.
# Run by meson (suite net) as root.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "${BED_SRC:-$here/../bed}/bed.sh"
. "${CLUSTER_SRC:-$here}/lib.sh"
capture=$here/ann-capture.py

VIPS='vip db {
	address 192.0.2.100/24
	address 2001:db8:2::100/64
	dev eth0
	announce 2 interval 100ms refresh 2s
	notify-peers 192.0.2.200 2001:db8:2::200
}
vip web {
	address 192.0.2.101/24
	address 2001:db8:2::101/64
	dev eth0
	announce 2 interval 100ms
}
vip lk {
	address 198.51.100.100/24
	dev eth1
	announce 1 interval 100ms
}'

# A second link for lk: bridge br1, eth1 in every node and the client (198.51.100.0/24).
second_link() {
	local br n i
	br=$(bed_ns br)
	ip -n "$br" link add br1 type bridge
	ip -n "$br" link set br1 up
	for n in $BED_NODES c; do
		case $n in c) i=200 ;; *) i=${n#n} ;; esac
		ip -n "$br" link add "${n}b" type veth peer name eth1 netns "$(bed_ns "$n")"
		ip -n "$br" link set "${n}b" master br1 up
		ip -n "$(bed_ns "$n")" addr add "198.51.100.$i/24" dev eth1
		ip -n "$(bed_ns "$n")" link set eth1 up
	done
}

# The client trusts no gratuitous ARP for the VIPs and no NA sent to all nodes.
deaf_client() {
	local c
	c=$(bed_ns c)
	ip netns exec "$c" sysctl -qw net.ipv4.conf.all.arp_accept=0 net.ipv4.conf.eth0.arp_accept=0
	ip netns exec "$c" nft -f - <<-EOF
	table arp nogarp {
		chain in {
			type filter hook input priority 0; policy accept;
			arp saddr ip 192.0.2.100 arp daddr ip 192.0.2.100 drop
			arp saddr ip 192.0.2.101 arp daddr ip 192.0.2.101 drop
		}
	}
	table ip6 nona {
		chain in {
			type filter hook input priority 0; policy accept;
			ip6 daddr ff02::1 icmpv6 type nd-neighbor-advert drop
		}
	}
	EOF
}

mac_of() { ip -n "$(bed_ns "$1")" -j link show dev "${2:-eth0}" | jq -r '.[0].address'; }
# neigh IP : the MAC the client's neighbour table has for IP ("none").
neigh() { ip -n "$(bed_ns c)" -j neigh show to "$1" dev eth0 | jq -r '.[0].lladdr // "none"'; }
neigh_is() { [ "$(neigh "$1")" = "$2" ]; }
# count NODE VIP REASON : announcements of VIP NODE's status counts for REASON.
count() { vf "$1" "$2" ".announcements.$3"; }
# seen FILE KIND SRC_MAC IP SINCE_MS : capture lines of KIND from SRC_MAC for IP at or after SINCE_MS.
seen() { awk -v k="$2" -v m="$3" -v ip="$4" -v t="$5" '$2 == k && $3 == m && $5 == ip && $1 >= t' "$1"; }
_seen() { [ -n "$(seen "$@")" ]; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

say "set-up: 3 nodes, corosync token $CLUSTER_TOKEN, VIPs db (notify-peers, refresh 2s), web, lk (on eth1)"
bed_init 3
second_link
deaf_client
bed_corosync_start "$CLUSTER_TOKEN"
for n in $BED_NODES; do
	bed_vipd_conf "$n" "$VIPS" >/dev/null
	bed_vipd_start "$n"
done
bed_responders_start "$PORT"
wait_synced 15 $BED_NODES || fail "vipd not synced with 3 members on all nodes"
ok "cluster synced ($(elapsed_s) s)"
cap=$BED_DIR/c/capture.out
bed_spawn c "$BED_DIR/c/capture.log" /usr/bin/python3 "$capture" eth0 "$cap"
cap1=$BED_DIR/c/capture1.out
bed_spawn c "$BED_DIR/c/capture1.log" /usr/bin/python3 "$capture" eth1 "$cap1"
wait_until 5 grep -q ready "$cap" "$cap1" || fail "capture not ready: $(cat "$BED_DIR/c/capture.log")"
mac1=$(mac_of n1) mac2=$(mac_of n2) mac3=$(mac_of n3)

say "1. notify-peers: a client with a stale entry follows db at once, web (no peers) not at all"
for v in db web; do
	out=$(bed_vipctl n1 --json claim "$v") || fail "claim $v on n1: $out"
	wait_holder 5 "$v" n1 live $BED_NODES || fail "$v not live at n1"
done
bed_probe_start all --target "$VIP" --port "$PORT" --duration-ms 0
# what the client's cache says while n1 holds (gratuitous ARPs are dropped: set by hand)
for ip in 192.0.2.100 192.0.2.101 2001:db8:2::100 2001:db8:2::101; do
	ip -n "$(bed_ns c)" neigh replace "$ip" lladdr "$mac1" dev eth0 nud stale
done
# n2 knows its router (the client), n3 does not: n3's word must find it by itself
bed_exec n2 bash -c 'echo hello >/dev/udp/192.0.2.200/9'
_knows() { ip -n "$(bed_ns n2)" -j neigh show to 192.0.2.200 dev eth0 | jq -e '.[0].lladdr != null'; }
wait_until 3 _knows || fail "n2 did not learn the client's MAC"
ip -n "$(bed_ns n3)" neigh flush to 192.0.2.200 dev eth0 2>/dev/null || true
sleep 1.2 # the probe's duplicate window: n1 holds db a while before it moves
# the client's entry for db changed just now: Linux ignores ARP replies for it for a second
# (its lock time), so only a request aimed at the client can move it within the burst
ip -n "$(bed_ns c)" neigh replace 192.0.2.100 lladdr "$mac1" dev eth0 nud stale
t0=$(date +%s%N)
out=$(bed_vipctl n1 --json move db n2) || fail "move db n2: $out"
out=$(bed_vipctl n1 --json move web n2) || fail "move web n2: $out"
wait_holder 5 db n2 live n2 || fail "db not live at n2"
wait_until 1 neigh_is 192.0.2.100 "$mac2" ||
	fail "client still sends db to $(neigh 192.0.2.100), not n2 ($mac2)"
ms=$(ms_since "$t0")
wait_until 1 neigh_is 2001:db8:2::100 "$mac2" ||
	fail "client's IPv6 entry for db is $(neigh 2001:db8:2::100), not n2 ($mac2)"
wait_holder 5 web n2 live n2 || fail "web not live at n2"
sleep 1 # the burst (2 x 100 ms) is long over
neigh_is 192.0.2.101 "$mac1" || fail "web's entry moved without a notify peer: $(neigh 192.0.2.101)"
neigh_is 2001:db8:2::101 "$mac1" || fail "web's IPv6 entry moved without a notify peer: $(neigh 2001:db8:2::101)"
n=$(seen "$cap" arp-request "$mac2" 192.0.2.100 0 | awk '$4 == "'"$(mac_of c)"'" && $6 == "192.0.2.200"' | wc -l)
[ "$n" -ge 2 ] || fail "want 2 unicast ARP requests for the client from db on n2, saw $n: $(cat "$cap")"
n=$(seen "$cap" na "$mac2" 2001:db8:2::100 0 | awk '$4 == "'"$(mac_of c)"'" && $6 == "O"' | wc -l)
[ "$n" -ge 2 ] || fail "want 2 unicast NAs (override, not solicited) for db from n2, saw $n"
[ "$(count n2 db notify)" -ge 4 ] || fail "n2 counts $(count n2 db notify) notify messages for db, want >= 4"
[ "$(count n2 web notify)" = 0 ] || fail "n2 counts notify messages for web, which has no peers"
ok "client followed db to n2 in $ms ms (IPv4 and IPv6), kept web at n1 ($mac1); n2 status: $(vf n2 db .announcements | jq -c .)"
sleep 1.2
t0=$(now_ms)
out=$(bed_vipctl n2 --json move db n3) || fail "move db n3: $out"
wait_holder 5 db n3 live n3 || fail "db not live at n3"
wait_until 1 neigh_is 192.0.2.100 "$mac3" ||
	fail "client did not follow db to n3 (no neighbour entry there): $(neigh 192.0.2.100)"
[ -n "$(seen "$cap" arp-request "$mac3" 192.0.2.100 "$t0" | awk '$6 == "192.0.2.200"')" ] ||
	fail "no ARP request for the client from db on n3"
ok "n3, with no entry for the client, told it by an ARP request aimed at it: followed in $(( $(now_ms) - t0 )) ms"

say "2. refresh 2s: the holder of db announces it again while it holds"
t0=$(now_ms)
sleep 4.5
g=$(seen "$cap" garp "$mac3" 192.0.2.100 "$((t0 + 300))")
[ "$(wc -l <<<"$g")" -ge 2 ] || fail "want >= 2 refreshes of db from n3 in 4.5 s, saw: $g"
[ "$(count n3 db refresh)" -ge 4 ] || fail "n3 counts $(count n3 db refresh) refresh messages for db, want >= 4 (2 addresses x 2)"
gaps=$(awk 'NR > 1 { printf "%s%d", s, $1 - t; s = "/" } { t = $1 }' <<<"$g")
ok "db refreshed by n3 every ~2 s: gaps $gaps ms, each with its unicast word ($(count n3 db notify) notify messages)"

say "3. heal: n3 partitioned off and back; n2, still holding web, announces it again"
# db (on n3) goes with the minority: put it on n1 first, so that only the heal is seen
out=$(bed_vipctl n1 --json move db n1) || fail "move db n1: $out"
wait_holder 5 db n1 live n1 || fail "db not live at n1"
before=$(count n2 web heal)
bed_partition n3 "n1 n2"
_two() {
	local n
	for n in n1 n2; do
		st "$n" | jq -e '.node.quorate and (.node.members | length) == 2' || return 1
	done
}
wait_until 10 _two || fail "n1 and n2 did not see n3 leave"
n=$(seen "$cap" garp "$mac2" 192.0.2.101 0 | wc -l)
[ "$n" = 2 ] || fail "want only web's acquisition burst (2) from n2 before the heal, saw $n"
t0=$(now_ms)
bed_heal
wait_synced 20 $BED_NODES || fail "no 3-member cluster after the heal"
wait_until 3 _seen "$cap" garp "$mac2" 192.0.2.101 "$t0" || true
g=$(seen "$cap" garp "$mac2" 192.0.2.101 "$t0")
[ -n "$g" ] || fail "n2 did not announce web after the heal"
[ "$(count n2 web heal)" -gt "$before" ] || fail "n2's heal count of web did not grow: $(count n2 web heal)"
ok "web announced by n2 $(( $(head -n 1 <<<"$g" | awk '{ print $1 }') - t0 )) ms after the heal ($(wc -l <<<"$g") gratuitous ARPs); heal count $(count n2 web heal)"

say "4. link: lk acquired by n1 while its eth1 is down is announced when the link comes up"
ip -n "$(bed_ns br)" link set n1b down
_down() { ip -n "$(bed_ns n1)" -j link show dev eth1 | jq -e '.[0].flags | index("NO-CARRIER") != null'; }
wait_until 3 _down || fail "n1's eth1 still up"
out=$(bed_vipctl n1 --json claim lk) || fail "claim lk on n1: $out"
wait_holder 5 lk n1 live n1 || fail "lk not live at n1"
sleep 0.5
lmac=$(mac_of n1 eth1)
[ -z "$(seen "$cap1" garp "$lmac" 198.51.100.100 0)" ] || fail "an announcement of lk crossed a down link"
t0=$(now_ms)
ip -n "$(bed_ns br)" link set n1b up
wait_until 3 _seen "$cap1" garp "$lmac" 198.51.100.100 "$t0" || true
g=$(seen "$cap1" garp "$lmac" 198.51.100.100 "$t0")
[ -n "$g" ] || fail "lk not announced after n1's link came up: $(cat "$cap1")"
[ "$(count n1 lk link)" -ge 1 ] || fail "n1 counts no link announcement of lk"
ok "lk announced $(( $(head -n 1 <<<"$g" | awk '{ print $1 }') - t0 )) ms after n1's link came up; counts $(vf n1 lk .announcements | jq -c .)"

f=$(bed_probe_stop all)
figure "announce" "$f"
p_dup0 "$f" announce
ok "probe of db throughout: no duplicate holder; gaps at the moves: $(jq -r '[.switches[] | "\(.from)->\(.to) \(.gap_ms) ms"] | join(", ")' "$f"), worst outage $(jq .outage_ms "$f") ms"
