#!/bin/bash
# demo: the seed story of vipd on a 3-node test bed (network namespaces on this machine).
#   tools/demo.sh   (as root)
# Installs the build dependencies (tools/deps.sh), builds into build-demo, then:
# the application's primary n1 claims VIP db with its election term; n1 dies; the application
# elects n2, which claims with the next term; n1 comes back and waits; the operator moves the
# VIP to n3. A client probes the VIP every millisecond; each step prints vipctl status and the
# outage the client saw. Everything is removed on exit.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[ "$(id -u)" = 0 ] || { echo "demo: run as root" >&2; exit 1; }

B=$root/build-demo
echo "### preparing: dependencies and build (build-demo)"
sh tools/deps.sh
command -v socat >/dev/null || true
[ -f "$B/build.ninja" ] || meson setup "$B" >/dev/null
ninja -C "$B" src/daemon/vipd src/cli/vipctl tests/net/bed/probe tests/net/bed/responder >/dev/null

export BED_BUILD_ROOT=$B
. "$root/tests/net/bed/bed.sh"
VIP=192.0.2.100
T0=$(date +%s)

step() { printf '\n\033[1m### %s\033[0m\n' "$*"; }
show() { echo "\$ vipctl status   (asked on $1)"; bed_vipctl "$1" status | sed 's/^/  /'; }
probe_on() { bed_probe_start "$1" --target "$VIP" --port 7777 --duration-ms 0; sleep 0.2; }
probe_off() {
	local f
	f=$(bed_probe_stop "$1")
	jq -r '"client saw: answers from \(.nodes | to_entries | map("\(.key) (\(.value))") | join(", ")); longest outage \(.outage_ms) ms; moments with two answering nodes: \(.dup)"' "$f"
}
# ctl NODE args... : vipctl on NODE; on a busy machine corosync may briefly lose a member, so a
# request refused with no-quorum is retried after the cluster settles (up to 10 s).
ctl() {
	local node=$1 i out rc; shift
	for i in 1 2 3 4 5; do
		rc=0; out=$(bed_vipctl "$node" "$@" 2>&1) || rc=$?
		case $out in *no-quorum*) [ "$i" = 5 ] || { echo "(no quorum on $node just now, retrying)"; sleep 2; continue; } ;; esac
		echo "$out"; return "$rc"
	done
}
holder_is() { # VIP holder on every node in NODES
	local h=$1 n; shift
	for n in "$@"; do
		[ "$(bed_vipctl "$n" --json status | jq -r '.vips[] | select(.name=="db") | "\(.holder) \(.state)"')" = "$h live" ] || return 1
	done
}

step "1. a cluster of three nodes n1 n2 n3 (corosync token 300 ms, lease auto: 1.5 x (token + consensus) = 990 ms)"
export BED_LEASE=auto
bed_init 3 2>/dev/null
bed_corosync_start 300 2>/dev/null
for n in $BED_NODES; do
	bed_vipd_conf "$n" 'vip db {
	address 192.0.2.100/24
	dev eth0
	policy wait
}' >/dev/null
	bed_vipd_start "$n"
done
bed_responders_start 7777
synced() { local n; for n in $BED_NODES; do bed_vipctl "$n" --json status | jq -e '.node.synced and (.node.members|length)==3' || return 1; done; }
wait_until 20 synced 2>/dev/null || bed_die "vipd did not sync"
sleep 1
echo "VIP db = $VIP, policy wait: nobody holds it until the application says so."
show n1

step "2. the application elects n1 primary (term 1): n1 runs 'vipctl claim db --term 1'"
ctl n1 claim db --term 1
wait_until 5 holder_is n1 $BED_NODES
probe_on s2
sleep 0.3
probe_off s2
show n2

step "3. n1 dies (vipd and corosync killed with SIGKILL)"
probe_on s3
bed_vipd_kill n1 KILL 2>/dev/null
bed_corosync_kill n1 KILL 2>/dev/null
unassigned() { [ "$(bed_vipctl n2 --json status | jq -r '.vips[0].state')" = unassigned ]; }
wait_until 5 unassigned
echo "policy wait: the VIP stays unassigned until the application elects a new primary."
show n2

step "4. the application elects n2 (term 2): n2 runs 'vipctl claim db --term 2'"
echo "(n1's loss moved db to term 2 with nobody holding it, so the election term 2 fits)"
ctl n2 claim db --term 2
wait_until 5 holder_is n2 n2 n3
sleep 0.3
probe_off s3
echo "(the outage above is the whole time from n1's death to n2's claim)"
show n3

step "5. n1 comes back (corosync, then vipd): it waits, it does not take db back"
probe_on s5
bed_corosync_start 300 n1 2>/dev/null
bed_vipd_start n1
wait_until 20 synced 2>/dev/null || echo "(n1 not synced yet)"
sleep 0.5
probe_off s5
echo "a late 'claim db --term 1' from the old primary is refused:"
ctl n1 claim db --term 1 || echo "(vipctl exit $?)"
show n1

step "6. the operator moves db to n3: 'vipctl move db n3'"
probe_on s6
ctl n1 move db n3
wait_until 5 holder_is n3 $BED_NODES
sleep 0.3
probe_off s6
show n3

step "done in $(( $(date +%s) - T0 )) s; cleaning up the bed"
