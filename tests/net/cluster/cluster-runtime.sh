#!/bin/bash
# cluster-runtime: VIPs added, redefined and removed while vipd runs, node by node, through each
# node's conf.d (include conf.d/*.conf) and `vipctl reload`.  An added VIP is refused
# (config-mismatch) until every member defines it, then claimed; a redefined one stays with its
# holder, frozen until every member agrees, then follows the new definition; a removed one is
# released by its holder (confirmed, address gone) before it leaves every status.  A probe on db,
# which no reload touches, runs throughout: n1 alone answers, nothing lost, no duplicate.  Run by
# meson (suite net) as root.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "${BED_SRC:-$here/../bed}/bed.sh"
. "${CLUSTER_SRC:-$here}/lib.sh"

WEB=192.0.2.102
DB='vip db {
	address 192.0.2.100/24
	dev eth0
}'
# web_conf [POLICY-LINE] : web's block
web_conf() { printf 'vip web {\n\taddress %s/24\n\tdev eth0\n%s}\n' "$WEB" "${1:+	$1
}"; }

# reload NODE : vipctl reload on NODE, which must take the file
reload() {
	local out
	out=$(bed_vipctl "$1" reload 2>&1) || fail "reload on $1: $out"
}
# claim_err NODE VIP : the error code of a claim that must be refused
claim_err() {
	local out
	out=$(bed_vipctl "$1" --json claim "$2") && fail "$2 claimed on $1 too early: $out"
	jq -r .error <<<"$out"
}
listed() { [ -n "$(st "$1" | jq -r --arg v "$2" '.vips[] | select(.name == $v) | .name')" ]; }
unlisted() { ! listed "$1" "$2"; }
addr_gone() { ! addr_on "$1" "$2"; }

say "set-up: 3 nodes including an empty conf.d/*.conf; db claimed on n1; probe on db from now on"
bed_init 3
bed_corosync_start "$CLUSTER_TOKEN"
for n in $BED_NODES; do
	mkdir -p "$BED_DIR/$n/conf.d"
	bed_vipd_conf "$n" "$DB
include conf.d/*.conf" >/dev/null
	bed_vipd_start "$n"
done
bed_responders_start "$PORT"
wait_synced 15 $BED_NODES || fail "vipd not synced with 3 members on all nodes"
out=$(bed_vipctl n1 --json claim db) || fail "claim db on n1: $out"
wait_holder 5 db n1 live $BED_NODES || fail "db not live at n1"
db_term=$(vf n1 db .term)
bed_probe_start db --target "$VIP" --port "$PORT" --duration-ms 0
ok "db live at n1 (term $db_term); an empty conf.d is no error"

say "web added node by node: refused until every member defines it, then claimed on n1"
for n in n1 n2 n3; do
	web_conf >"$BED_DIR/$n/conf.d/web.conf"
	reload "$n"
	grep -q "reloaded .*took the new VIPs" "$BED_DIR/$n/vipd.log" || fail "$n: no reload notice"
	[ "$n" = n3 ] && break
	wait_until 5 listed "$n" web || fail "$n: web not in its status after the reload"
	sleep 0.3 # the members' answer to the resync
	[ "$(claim_err "$n" web)" = config-mismatch ] || fail "$n: claim of web not refused as config-mismatch"
	[ "$(vf "$n" web '.config_differs | length')" -ge 1 ] || fail "$n: web not frozen in status"
done
t0=$(date +%s%N)
wait_until 5 bed_vipctl n1 --json claim web >/dev/null || fail "web not claimable once every node defines it"
wait_holder 5 web n1 live $BED_NODES || fail "web not live at n1"
ok "web refused (config-mismatch) while only n1, then n1 and n2 defined it; live at n1 $(ms_since "$t0") ms after the last reload"
bed_probe_run "$BED_DIR/web1.json" --target "$WEB" --port "$PORT" --duration-ms 200
[ "$(p_nodes "$BED_DIR/web1.json")" = n1 ] || fail "web answered by $(p_nodes "$BED_DIR/web1.json")"

say "web redefined node by node (prefer n2 n3): it stays at n1, frozen, until all agree"
web_term=$(vf n1 web .term)
for n in n1 n2 n3; do
	web_conf "policy prefer n2 n3" >"$BED_DIR/$n/conf.d/web.conf"
	reload "$n"
	[ "$n" = n3 ] && break
	sleep 0.3
	rc=0; out=$(bed_vipctl n2 move web n2 2>&1) || rc=$?
	[ "$rc" = 1 ] && grep -q config-mismatch <<<"$out" || fail "move of frozen web after $n's reload: exit $rc, $out"
	wait_holder 1 web n1 live $BED_NODES || fail "web left n1 while frozen"
done
wait_until 5 bed_vipctl n1 --json move web n2 >/dev/null || fail "web not movable once every node agrees"
wait_holder 5 web n2 live $BED_NODES || fail "web not live at n2"
[ "$(vf n2 web .term)" -gt "$web_term" ] || fail "web's term did not rise with the move"
ok "web stayed live at n1 (term $web_term) while frozen, moved to n2 once every file agreed"

say "web removed node by node, n2 (its holder) last: released, then gone from every status"
for n in n1 n3; do
	rm "$BED_DIR/$n/conf.d/web.conf"
	reload "$n"
	wait_until 5 unlisted "$n" web || fail "$n still lists web it removed"
done
sleep 0.3
wait_holder 1 web n2 live n2 || fail "web left n2 before n2 removed it"
addr_on n2 "$WEB" || fail "web's address gone from n2 too early"
rc=0; out=$(bed_vipctl n2 move web n3 2>&1) || rc=$?
[ "$rc" = 1 ] && grep -q config-mismatch <<<"$out" || fail "move of web removed elsewhere: exit $rc, $out"
rm "$BED_DIR/n2/conf.d/web.conf"
reload n2
wait_until 5 addr_gone n2 "$WEB" || fail "web's address still on n2"
for n in $BED_NODES; do
	wait_until 5 unlisted "$n" web || fail "$n still lists web"
done
bed_probe_run "$BED_DIR/web2.json" --target "$WEB" --port "$PORT" --duration-ms 200
[ "$(jq -r '.nodes | length' "$BED_DIR/web2.json")" = 0 ] || fail "web still answered: $(p_nodes "$BED_DIR/web2.json")"
ok "web held by n2 until n2 removed it, then released: address gone, nobody answers, no status lists it"

say "db, untouched by every reload"
f=$(bed_probe_stop db)
figure runtime-db "$f"
[ "$(p_nodes "$f")" = n1 ] || fail "db answered by $(p_nodes "$f")"
p_dup0 "$f" db
[ "$(jq -r .lost "$f")" = 0 ] || fail "db probes lost: $(jq -c '{sent, lost, outage_ms}' "$f")"
[ "$(vf n1 db .term)" = "$db_term" ] || fail "db's term moved: $(vf n1 db .term)"
ok "db answered by n1 alone through 9 reloads: $(jq -r .sent "$f") probes, lost 0, dup 0, term $db_term"

echo "cluster-runtime: all checks passed ($(elapsed_s) s)"
