#!/bin/bash
# cluster-faults: the holder n1 of VIP db (policy prefer n1 n2 n3) crashes, hangs, loses its
# link, loses corosync, is partitioned away. Each time: no moment with two answering nodes
# (probe dup 0), a node that lost the VIP never answers again, the survivors take over, and the
# client-visible outage is printed (FIGURE lines). Run by meson (suite net) as root.
# corosync talks to vipd over a socket here (qb_ipc_type: socket, as doc/vipd.8 recommends and
# the bench runs); the other cluster tests keep corosync's default shared-memory rings.
set -eu
export BED_IPC=${BED_IPC-socket}
here=$(cd "$(dirname "$0")" && pwd)
. "${BED_SRC:-$here/../bed}/bed.sh"
. "${CLUSTER_SRC:-$here}/lib.sh"

VIPS='vip db {
	address 192.0.2.100/24
	dev eth0
	policy prefer n1 n2 n3
}'

# fault_probe NAME : start a probe for one scenario.
fault_probe() { bed_probe_start "$1" --target "$VIP" --port "$PORT" --duration-ms 0; sleep 0.2; }
# fault_check NAME EXPECTED_LAST : stop the probe, print the figure, common assertions.
fault_check() {
	local f
	f=$(bed_probe_stop "$1")
	figure "$1" "$f"
	p_dup0 "$f" "$1"
	p_no_return "$f" "$1"
	[ "$(p_last "$f")" = "$2" ] || fail "$1: last answer from $(p_last "$f"), want $2 (timeline $(p_switches "$f"))"
	LAST_FIG=$f
}
# back_to_n1 : operator moves db back to n1 for the next scenario.
back_to_n1() {
	local out
	wait_synced 20 $BED_NODES || fail "cluster did not come back to 3 synced members"
	out=$(bed_vipctl n2 --json move db n1) || fail "move db n1: $out"
	wait_holder 5 db n1 live $BED_NODES || fail "db not back on n1"
}
gone_from_n1() { ! addr_on n1 192.0.2.100; }
not_live_n1() { [ "$(vf n1 db .live_here)" != true ]; }

say "set-up: 3 nodes, corosync token $CLUSTER_TOKEN, db policy prefer n1 n2 n3, claimed on n1"
cluster_up "$VIPS"
if [ "$BED_IPC" = socket ]; then
	# corosync's IPC directories for its clients: a control file, and no ring data over a socket
	cp=$(bed_corosync_pid n1)
	ls /dev/shm/qb-"$cp"-*/qb-control-cpg >/dev/null 2>&1 || fail "no IPC of n1's corosync in /dev/shm"
	! ls /dev/shm/qb-"$cp"-*/qb-event-cpg-data >/dev/null 2>&1 ||
		fail "n1's corosync made shared-memory rings (qb_ipc_type: socket was not taken)"
	ok "corosync talks to vipd over a socket"
	# Nothing is held yet, so no vipd renews (nor accuses a late holder): n3 sends nothing, and
	# only vipd's liveness check can see its corosync die (the CPG fd is a datagram socket here)
	say "kill -9 corosync on n3 while no VIP is held"
	bed_corosync_kill n3 KILL
	n3_connecting() { [ "$(bed_vipctl n3 --json status | jq -r .node.engine)" = connecting ]; }
	wait_until 3 n3_connecting || fail "vipd on n3 did not notice that its corosync died"
	ok "vipd on n3 noticed that its corosync died ($(elapsed_s) s)"
	bed_corosync_start "$CLUSTER_TOKEN" n3
	wait_synced 20 $BED_NODES || fail "n3 did not rejoin once its corosync came back"
	ok "n3 rejoined"
fi
out=$(bed_vipctl n1 --json claim db) || fail "claim db: $out"
wait_holder 5 db n1 live $BED_NODES || fail "db not live at n1"
ok "db live at n1 ($(elapsed_s) s)"

say "kill -9 vipd on n1 (holder)"
fault_probe kill-vipd
bed_vipd_kill n1 KILL
wait_holder 10 db n2 live n2 n3 || fail "n2 did not take db over"
sleep 0.2
fault_check kill-vipd n2
if addr_on n1 192.0.2.100; then where="still configured on n1 (gated by the lease)"; else where="gone from n1"; fi
ok "n2 took over, outage $(jq .outage_ms "$LAST_FIG") ms; address $where"
bed_vipd_start n1
wait_synced 10 $BED_NODES || fail "n1 did not rejoin"
wait_holder 1 db n2 live $BED_NODES || fail "restarted n1 took db back (policy prefer must not fail back)"
ok "n1 rejoined, db stays at n2"
back_to_n1

say "SIGSTOP vipd on n1 for 300 ms (2 leases), then SIGCONT"
fault_probe hang
bed_vipd_kill n1 STOP
sleep 0.3
bed_vipd_kill n1 CONT
sleep 1
one_holder() {
	local h
	h=$(vf n1 db .holder)
	[ "$h" != null ] && _holder_is db "$h" live $BED_NODES && [ "$(live_here_nodes db $BED_NODES)" = "$h" ]
}
wait_until 10 one_holder || fail "db not on exactly one node after SIGCONT"
h=$(vf n1 db .holder)
fault_check hang "$h"
ok "db ends on $h alone; outage $(jq .outage_ms "$LAST_FIG") ms (timeline '$(p_switches "$LAST_FIG")')"
[ "$h" = n1 ] || back_to_n1

say "link of n1 down"
fault_probe link-down
bed_link_down n1
wait_holder 10 db n2 live n2 n3 || fail "n2 did not take db over"
wait_until 3 not_live_n1 || fail "n1 still says live_here"
wait_until 3 gone_from_n1 || fail "address still on isolated n1"
sleep 0.2
fault_check link-down n2
ok "n2 took over, n1 dropped db, outage $(jq .outage_ms "$LAST_FIG") ms"
fault_probe link-up
c0=$(vipd_ticks $BED_NODES) t0=$(date +%s%N)
bed_link_up n1
wait_synced 20 $BED_NODES || fail "n1 did not rejoin after link up"
wait_holder 1 db n2 live $BED_NODES || fail "holder changed after link up"
# Corosync refuses messages while the ring re-forms: vipd must wait, not spin (at SCHED_FIFO
# a spinning vipd took the CPU from corosync and drew the rejoin out by ~1 s).
read -r who pct <<<"$(vipd_cpu_max "$c0" "$(vipd_ticks $BED_NODES)" $(( $(date +%s%N) - t0 )))"
[ "$pct" -lt 20 ] || fail "vipd on $who used $pct % of a core while n1 rejoined (spinning?)"
sleep 0.2
fault_check link-up n2
[ "$(live_here_nodes db $BED_NODES)" = n2 ] || fail "live_here on '$(live_here_nodes db $BED_NODES)'"
ok "link back: one holder n2, outage $(jq .outage_ms "$LAST_FIG") ms, busiest vipd $who $pct % of a core"
back_to_n1

say "kill -9 corosync on n1"
fault_probe kill-corosync
bed_corosync_kill n1 KILL
wait_holder 10 db n2 live n2 n3 || fail "n2 did not take db over"
wait_until 3 gone_from_n1 || fail "address still on n1 without corosync"
_bed_alive "${BED_VIPD[n1]}" || fail "vipd on n1 died with its corosync"
sleep 0.2
fault_check kill-corosync n2
ok "vipd on n1 still runs, dropped db; n2 took over, outage $(jq .outage_ms "$LAST_FIG") ms"
# a vipd with lease auto started while corosync is down cannot know its lease yet: status
# says so (0) instead of a made-up length, and the lease is set once corosync is reached
sed 's/^lease .*/lease auto/' "$BED_DIR/n1/vipd.conf" >"$BED_DIR/n1/vipd-auto.conf"
bed_vipd_stop n1
bed_vipd_start n1 "$BED_DIR/n1/vipd-auto.conf"
got=$(bed_vipctl n1 --json status | jq -r '"\(.node.engine) \(.node.lease_ms) \(.node.lease_auto)"')
[ "$got" = "connecting 0 true" ] || fail "n1 without corosync: status '$got', want 'connecting 0 true'"
bed_vipctl n1 status | grep -q "lease auto (corosync not reached yet)" ||
	fail "vipctl status on n1 does not say the lease is not known yet"
ok "vipd started without corosync: lease auto not known yet (status 0, vipctl says why)"
bed_corosync_start "$CLUSTER_TOKEN" n1
wait_synced 10 $BED_NODES || fail "n1 (lease auto) did not join once corosync came back"
want=$(lease_auto_ms)
got=$(bed_vipctl n1 --json status | jq -r .node.lease_ms)
[ "$got" = "$want" ] || fail "n1 after corosync came back: lease $got ms, want $want"
ok "n1 set lease auto ($got ms) once corosync was reached"
# back to the bed's lease on n1 (peers fence by the longest lease announced)
bed_vipd_stop n1
bed_vipd_start n1
wait_synced 10 $BED_NODES || fail "n1 did not rejoin after its restart"
back_to_n1

say "partition n1 | n2 n3"
fault_probe partition
bed_partition n1 "n2 n3"
wait_holder 10 db n2 live n2 n3 || fail "majority did not move db to n2"
wait_until 3 not_live_n1 || fail "n1 still says live_here in the minority"
wait_until 3 gone_from_n1 || fail "address still on minority n1"
sleep 0.2
fault_check partition n2
ok "minority n1 dropped db, n2 took over, outage $(jq .outage_ms "$LAST_FIG") ms"
fault_probe heal
bed_heal
wait_synced 20 $BED_NODES || fail "no 3-member cluster after heal"
wait_until 5 one_holder || fail "not exactly one holder after heal"
sleep 0.2
fault_check heal "$(vf n1 db .holder)"
ok "healed: one holder $(vf n1 db .holder), outage $(jq .outage_ms "$LAST_FIG") ms"

echo "cluster-faults: all checks passed ($(elapsed_s) s)"
