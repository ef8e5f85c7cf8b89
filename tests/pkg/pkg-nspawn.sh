#!/bin/bash
# Three nodes of the namespace bed (tests/net/bed), each a booted Debian
# container (systemd-nspawn --boot, sharing the node's network namespace)
# of PKG_ROOT, the root with the packages installed (pkg.sh), over one
# read-only tree with a tmpfs overlay each.  systemd runs corosync and vipd
# for real: systemctl enable --now vipd, reload, stop; the installed vipctl
# claims, moves and reads status; the packages (PKG_DEBS, the versions
# installed) installed again over a running vipd leave it running, and
# removed stop it.  Exit 77 when this machine cannot boot a container.
set -eu
: "${PKG_ROOT:?PKG_ROOT: the installed root}" "${PKG_DEBS:?PKG_DEBS: their .debs}"
# shellcheck source=tests/net/bed/bed.sh
. "$BED_SRC/bed.sh"
# shellcheck source=tests/net/cluster/lib.sh
. "$CLUSTER_SRC/lib.sh"
command -v systemd-nspawn >/dev/null || { echo "pkg: no systemd-nspawn"; exit 77; }

declare -A INIT=() # node -> pid (host's view) of the container's systemd
# in_c NODE cmd... : run cmd in NODE's container (all its namespaces, its root).
in_c() { local n=$1; shift; nsenter -t "${INIT[$n]}" -a -- "$@"; }
# the cluster library asks vipctl through bed_vipctl: in the container
bed_vipctl() { local n=$1; shift; in_c "$n" vipctl "$@"; }

bed_init 3
vips="vip db {
	address $VIP/24
	dev eth0
}"
# the bed's files, with the paths of an installed node (a container's /tmp
# is its own)
for n in $BED_NODES; do
	sed -e 's|^\([[:space:]]*\)logfile: .*|\1logfile: /var/log/corosync/corosync.log|' -e '/state_dir:/d' \
		"$(bed_corosync_conf "$n" "$CLUSTER_TOKEN")" >"$BED_DIR/$n/corosync.conf.c"
	sed -e 's|^handoff-key .*|handoff-key /etc/vipd/handoff.key|' \
		"$(bed_vipd_conf "$n" "$vips")" >"$BED_DIR/$n/vipd.conf.c"
done
uid=$(chroot "$PKG_ROOT" id -u vipd)
chown "$uid:$(chroot "$PKG_ROOT" id -g vipd)" "$BED_DIR/handoff.key"
chmod 0600 "$BED_DIR/handoff.key"
for n in $BED_NODES; do
	# from this mount namespace (a node's has no cgroup file system); the bed
	# stops it by pid at cleanup (SIGTERM: the container powers off)
	systemd-nspawn --quiet -D "$PKG_ROOT" --register=no --keep-unit --boot \
		--volatile=overlay -M "$(bed_ns "$n")" \
		--network-namespace-path="/run/netns/$(bed_ns "$n")" \
		--capability=CAP_NET_ADMIN,CAP_IPC_LOCK \
		--bind-ro="$BED_DIR/$n/corosync.conf.c:/etc/corosync/corosync.conf" \
		--bind-ro="$BED_DIR/$n/vipd.conf.c:/etc/vipd/vipd.conf" \
		--bind-ro="$BED_DIR/handoff.key:/etc/vipd/handoff.key" \
		--bind-ro="$PKG_DEBS:/debs" \
		</dev/null >"$BED_DIR/$n/nspawn.log" 2>&1 &
	BED_LAST_PID=$!
	BED_OTHER+=("$(_bed_tag "$BED_LAST_PID")")
	_init_of() { # NSPAWN_PID NODE : the container's init, once it runs systemd
		local c
		c=$(cat /proc/"$1"/task/*/children 2>/dev/null | awk '{ print $1; exit }')
		[ -n "$c" ] && [ "$(cat "/proc/$c/comm" 2>/dev/null)" = systemd ] || return 1
		INIT[$2]=$c
	}
	if ! wait_until 20 _init_of "$BED_LAST_PID" "$n"; then
		tail -n 20 "$BED_DIR/$n/nspawn.log"
		echo "pkg: this machine cannot boot a container; skipped"
		exit 77
	fi
done
for n in $BED_NODES; do
	wait_until 20 in_c "$n" test -S /run/systemd/private || fail "$n: no systemd bus"
	state=$(in_c "$n" timeout 60 systemctl is-system-running --wait) || true
	case $state in running|degraded) ;; *) fail "$n: container state '$state'" ;; esac
	[ "$state" = running ] || in_c "$n" systemctl --failed --no-legend
done
ok "3 containers booted (systemd: $state)"
_quorate3() { local n; for n in $BED_NODES; do
	in_c "$n" corosync-quorumtool -s | grep -q '^Total votes: *3' || return 1; done; }
wait_until 30 _quorate3 || { in_c n1 journalctl -u corosync --no-pager | tail -n 20
	fail "corosync (started by systemd) not quorate with 3 nodes"; }

for n in $BED_NODES; do
	in_c "$n" systemctl enable --now vipd.service >/dev/null 2>&1 ||
		{ in_c "$n" journalctl -u vipd --no-pager | tail -n 20; fail "$n: systemctl enable --now vipd"; }
done
bed_responders_start "$PORT"
wait_synced 15 $BED_NODES || fail "vipd not synced with 3 members on all nodes"
for n in $BED_NODES; do
	pid=$(in_c "$n" systemctl show -P MainPID vipd.service)
	st=$(in_c "$n" cat "/proc/$pid/status")
	[ "$(awk '/^CapEff:/ { print $2 }' <<<"$st")" = 0000000000003000 ] &&
		[ "$(awk '/^Uid:/ { print $2 }' <<<"$st")" = "$uid" ] ||
		fail "$n: vipd's identity: $(grep -E '^(Uid|Cap)' <<<"$st")"
done
ok "systemctl enable --now vipd: 3 nodes synced, each vipd user vipd with CapEff 3000"

bed_vipctl n1 claim db --term 1 >/dev/null || fail "vipctl claim"
wait_holder 5 db n1 live $BED_NODES || fail "db not live at n1"
bed_probe_run "$BED_DIR/claim.json" --target "$VIP" --port "$PORT" --duration-ms 200
[ "$(p_nodes "$BED_DIR/claim.json")" = n1 ] || fail "VIP not answered by n1"
bed_vipctl n1 move db n2 >/dev/null || fail "vipctl move"
wait_holder 5 db n2 live $BED_NODES || fail "db not live at n2 after move"
bed_probe_run "$BED_DIR/move.json" --target "$VIP" --port "$PORT" --duration-ms 200
[ "$(p_nodes "$BED_DIR/move.json")" = n2 ] || fail "VIP not answered by n2"
ok "vipctl claim at n1, move to n2: answered by n1, then n2"
in_c n2 systemctl reload vipd.service || fail "systemctl reload vipd"
in_c n2 systemctl is-active --quiet vipd.service || fail "vipd not active after reload"
ok "systemctl reload vipd"
bed_vipctl n3 status

in_c n2 systemctl stop vipd.service
wait_holder 5 db null unassigned n1 n3 || fail "db not released when n2's vipd stopped"
[ "$(in_c n2 systemctl show -P Result vipd.service)" = success ] ||
	fail "systemctl stop vipd: $(in_c n2 systemctl show -p Result -p ExecMainStatus vipd.service)"
ok "systemctl stop vipd on the holder: released (unassigned at n1, n3), result success"

pid=$(in_c n1 systemctl show -P MainPID vipd.service)
in_c n1 sh -c 'dpkg -i /debs/*.deb' >"$BED_DIR/dpkg.log" 2>&1 || { cat "$BED_DIR/dpkg.log"; fail "reinstall in n1"; }
[ "$(in_c n1 systemctl show -P MainPID vipd.service)" = "$pid" ] ||
	fail "installing the package again restarted vipd"
in_c n1 dpkg -r vipd >"$BED_DIR/dpkg.log" 2>&1 || { cat "$BED_DIR/dpkg.log"; fail "dpkg -r vipd in n1"; }
! in_c n1 systemctl is-active --quiet vipd.service || fail "dpkg -r left vipd running"
_n1_gone() { st n3 | jq -e '.node.members | index("n1") == null'; }
wait_until 5 _n1_gone || fail "n1's vipd still a member after dpkg -r"
ok "dpkg -i over a running vipd leaves it running (same pid); dpkg -r stops it"
