#!/bin/bash
# Three nodes of the namespace bed (tests/net/bed) running the *installed*
# corosync, vipd and vipctl chrooted in BED_ROOT (an installed Debian,
# from pkg.sh): vipd as vipd.service runs it (its ExecStartPre and
# ExecStart, User=, Group=, AmbientCapabilities=, CapabilityBoundingSet=,
# NoNewPrivileges=, CPUScheduling*, RuntimeDirectory=) with setpriv and
# chrt, reading /etc/vipd/vipd.conf (each node's own file bound there);
# then claim, move and status with the installed vipctl.
set -eu
: "${BED_ROOT:?BED_ROOT: the installed root}"
# shellcheck source=tests/net/bed/bed.sh
. "$BED_SRC/bed.sh"
# shellcheck source=tests/net/cluster/lib.sh
. "$CLUSTER_SRC/lib.sh"

unit=$BED_ROOT/lib/systemd/system/vipd.service
key() { sed -n "s/^$1=//p" "$unit"; }
# systemd's command prefixes (-, @, :, +, !) are not used by vipd.service
exec_start=$(key ExecStart)
case $exec_start in [-@:+!]*) fail "ExecStart with a prefix: $exec_start" ;; esac
user=$(key User) group=$(key Group)
caps=$(key AmbientCapabilities | tr 'A-Z' 'a-z' | sed 's/cap_/+/g; s/ /,/g')
[ "$caps" = "$(key CapabilityBoundingSet | tr 'A-Z' 'a-z' | sed 's/cap_/+/g; s/ /,/g')" ] ||
	fail "AmbientCapabilities and CapabilityBoundingSet differ"
nnp=; [ "$(key NoNewPrivileges)" = yes ] && nnp=--no-new-privs
rt=; [ "$(key CPUSchedulingPolicy)" = fifo ] && rt="chrt --fifo $(key CPUSchedulingPriority)"
[ -z "$rt" ] || [ "$(key CPUSchedulingResetOnFork)" != yes ] || rt="${rt/--fifo/--fifo --reset-on-fork}"
as_unit="$rt setpriv --reuid=$user --regid=$group --init-groups --inh-caps=-all,$caps
--ambient-caps=-all,$caps --bounding-set=-all,$caps $nnp"
read -ra words <<<"$exec_start"
VIPD=${words[0]}
VIPCTL=/usr/bin/vipctl
conf=/etc/vipd/vipd.conf
BED_VIPD_CMD=$(echo $as_unit "$exec_start")
say "vipd as the unit runs it: $BED_VIPD_CMD"

bed_init 3
bed_corosync_start "$CLUSTER_TOKEN"
vips="vip db {
	address $VIP/24
	dev eth0
}"
for n in $BED_NODES; do bed_vipd_conf "$n" "$vips" >/dev/null; done
# the hand-off key, the vipd user's alone (doc/deploy.md)
chown "$(chroot "$BED_ROOT" id -u "$user"):$(chroot "$BED_ROOT" id -g "$user")" "$BED_DIR/handoff.key"
chmod 0600 "$BED_DIR/handoff.key"
for n in $BED_NODES; do
	bed_exec "$n" mount --bind "$BED_DIR/$n/vipd.conf" "$BED_ROOT$conf"
	# RuntimeDirectory=vipd
	bed_rexec "$n" install -d -o "$user" -g "$group" \
		-m "$(key RuntimeDirectoryMode)" /run/vipd
	key ExecStartPre | while read -r pre; do
		# shellcheck disable=SC2086
		bed_rexec "$n" $as_unit $pre >/dev/null ||
			fail "$n: ExecStartPre $pre"
	done
	bed_vipd_start "$n" "$conf"
done
bed_responders_start "$PORT"
wait_synced 15 $BED_NODES || fail "vipd not synced with 3 members on all nodes"
for n in $BED_NODES; do
	pid=$(bed_vipd_pid "$n")
	[ "$(awk '/^CapEff:/ { print $2 }' "/proc/$pid/status")" = 0000000000003000 ] ||
		fail "$n: vipd's capabilities: $(grep ^Cap "/proc/$pid/status")"
	[ "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" = \
		"$(chroot "$BED_ROOT" id -u "$user")" ] || fail "$n: vipd does not run as $user"
done
ok "3 nodes synced; each vipd runs as $user with CapEff 3000 (net_admin, net_raw)"

bed_vipctl n1 claim db --term 1 >/dev/null || fail "vipctl claim"
wait_holder 5 db n1 live $BED_NODES || fail "db not live at n1"
bed_probe_run "$BED_DIR/claim.json" --target "$VIP" --port "$PORT" --duration-ms 200
[ "$(p_nodes "$BED_DIR/claim.json")" = n1 ] || fail "VIP not answered by n1"
ok "vipctl claim: db live at n1, answered by n1"

bed_vipctl n1 move db n2 >/dev/null || fail "vipctl move"
wait_holder 5 db n2 live $BED_NODES || fail "db not live at n2 after move"
bed_probe_run "$BED_DIR/move.json" --target "$VIP" --port "$PORT" --duration-ms 200
[ "$(p_nodes "$BED_DIR/move.json")" = n2 ] || fail "VIP not answered by n2"
ok "vipctl move db n2: live at n2, answered by n2"
bed_vipctl n3 status

for n in $BED_NODES; do
	bed_vipd_stop "$n"
	[ "$BED_VIPD_STATUS" = 0 ] || fail "$n: vipd exit status ${BED_VIPD_STATUS:-killed} on TERM"
done
ok "every vipd stopped cleanly on SIGTERM (systemctl stop)"
