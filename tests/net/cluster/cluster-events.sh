#!/bin/bash
# cluster-events: the event stream on a 3-node cluster.  A watch starts with a snapshot; every
# event carries the incarnation and the next sequence number; a watcher that went away resumes
# with --since and gets exactly the events it missed; an unknown incarnation (vipd restarted)
# gets a reset and a snapshot.  Run by meson (suite net) as root.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "${BED_SRC:-$here/../bed}/bed.sh"
. "${CLUSTER_SRC:-$here}/lib.sh"

VIPS='vip db {
	address 192.0.2.100/24
	dev eth0
}'
say "set-up: 3 nodes, corosync token $CLUSTER_TOKEN, VIP db"
cluster_up "$VIPS"
ok "cluster synced ($(elapsed_s) s)"
w=$BED_DIR/watch
# watch TAG [ARGS] : vipctl --json watch in n1 into $w.TAG, until killed.
watch() {
	local tag=$1; shift
	bed_spawn n1 "$w.$tag" "$VIPCTL" --json watch "$@"
	WPID=$BED_LAST_PID
}
events() { grep -c '"event":"\(claimed\|live\|moved\|released\)"' "$1" || true; }

say "1. a watch starts with a snapshot; events are numbered"
watch a
wait_until 5 grep -q '"event":"snapshot"' "$w.a" || fail "no snapshot: $(cat "$w.a")"
jq -e 'select(.event == "snapshot") | .status.vips[0].name == "db"' "$w.a" >/dev/null ||
	fail "the snapshot has no status of db: $(cat "$w.a")"
inc=$(jq -r 'select(.event == "snapshot") | .incarnation' "$w.a")
[ "${#inc}" = 16 ] || fail "incarnation '$inc'"
bed_vipctl n1 --json claim db >/dev/null || fail "claim db"
wait_holder 5 db n1 live $BED_NODES || fail "db not live at n1"
wait_until 5 grep -q '"event":"live"' "$w.a" || fail "no live event: $(cat "$w.a")"
jq -s -e '[.[] | select(.event != "snapshot") | .seq] as $s | $s == ($s | sort) and ($s | length) > 0 and ([$s[1:][] ] | length) == (($s | length) - 1)' "$w.a" >/dev/null ||
	fail "sequence numbers not increasing: $(cat "$w.a")"
jq -s -e --arg i "$inc" 'all(.[] | select(.event != null); .incarnation == $i)' "$w.a" >/dev/null ||
	fail "an event of another incarnation: $(cat "$w.a")"
last=$(jq -s -r '[.[] | select(.seq != null) | .seq] | max' "$w.a")
kill "$WPID"
ok "snapshot, then events up to #$last of incarnation $inc"

say "2. while nobody watches: move db twice; --since replays exactly what was missed"
bed_vipctl n1 --json move db n2 >/dev/null || fail "move db n2"
wait_holder 5 db n2 live $BED_NODES || fail "db not live at n2"
bed_vipctl n1 --json move db n3 >/dev/null || fail "move db n3"
wait_holder 5 db n3 live $BED_NODES || fail "db not live at n3"
watch b --since "$inc:$last"
wait_until 5 grep -q '"node":"n3".*"event":"live"\|"event":"live".*"node":"n3"' "$w.b" ||
	fail "the replay does not reach db live at n3: $(cat "$w.b")"
grep -q '"event":"snapshot"' "$w.b" && fail "a resumable watch got a snapshot: $(cat "$w.b")"
first=$(jq -s -r '[.[] | select(.event != null) | .seq] | min' "$w.b")
[ "$first" = $((last + 1)) ] || fail "replay starts at #$first, want #$((last + 1)): $(cat "$w.b")"
jq -s -e '[.[] | select(.event != null) | .seq] as $s | $s == ($s | sort | unique)' "$w.b" >/dev/null ||
	fail "replay has gaps or repeats: $(cat "$w.b")"
kill "$WPID"
ok "resumed after #$last: replayed #$first onwards, moves to n2 and n3 included"

say "3. a resume from another incarnation gets a reset and a snapshot"
watch c --since "0000000000000000:$last"
wait_until 5 grep -q '"event":"snapshot"' "$w.c" || fail "no snapshot after a reset: $(cat "$w.c")"
grep -q '"event":"reset"' "$w.c" || fail "no reset event: $(cat "$w.c")"
kill "$WPID"
ok "unknown incarnation: reset, then snapshot"
echo "PASS ($(elapsed_s) s)"
