#!/bin/bash
# cluster-journal: vipd's decisions as journal entries with fields.  n1 runs a real
# systemd-journald in its own mount namespace (volatile storage, nothing forwarded) and its
# vipd with stderr on journald's stream and $JOURNAL_STREAM naming it, as systemd starts a
# unit; n2 gets a stale $JOURNAL_STREAM (another fd's) and must write lines.  A claim, a move
# and a stale claim must reach n1's journal with MESSAGE_ID (from dist/vipd.catalog), VIP,
# NODE, TERM and REASON, and not a second time as plain lines.  The catalog itself must load
# in journalctl.  Run by meson (suite net) as root.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "${BED_SRC:-$here/../bed}/bed.sh"
. "${CLUSTER_SRC:-$here}/lib.sh"
if ! command -v systemd-cat >/dev/null || [ ! -x /lib/systemd/systemd-journald ]; then
	echo "cluster-journal: no systemd-journald"; exit 77
fi
catalog=$here/../../../dist/vipd.catalog
[ -f "$catalog" ] || catalog=$CLUSTER_SRC/../../../dist/vipd.catalog
# id SUBJECT-WORDS : the MESSAGE_ID of the catalog entry whose subject has these words.
msgid() { awk -v s="$1" '/^-- / { id = $2 } /^Subject:/ && index($0, s) { print id }' "$catalog"; }

say "0. the catalog loads in journalctl"
croot=$(mktemp -d)
install -D -m 644 "$catalog" "$croot/usr/lib/systemd/catalog/vipd.catalog"
journalctl --root="$croot" --update-catalog || fail "journalctl --update-catalog"
ncat=$(journalctl --root="$croot" --list-catalog | grep -c " vipd: " || true)
rm -rf -- "$croot"
[ "$ncat" = 11 ] || fail "journalctl lists $ncat vipd entries of the catalog, want 11"
src_ids=$(grep -o '"[0-9a-f]\{32\}"' "$(dirname "$catalog")/../src/daemon/log.c" | tr -d '"' | sort)
[ "$src_ids" = "$(awk '/^-- / { print $2 }' "$catalog" | sort)" ] ||
	fail "the MESSAGE_IDs of src/daemon/log.c and dist/vipd.catalog differ"
ok "journalctl --update-catalog takes dist/vipd.catalog: 11 entries, the ids of log.c"

VIPS='vip db {
	address 192.0.2.100/24
	dev eth0
}'
bed_init 3
bed_corosync_start "$CLUSTER_TOKEN"
for n in $BED_NODES; do bed_vipd_conf "$n" "$VIPS" >/dev/null; done

# journald in n1: its own config over the host's, storage in n1's /run
cat >"$BED_DIR/journald.conf" <<'CONF'
[Journal]
Storage=volatile
ReadKMsg=no
ForwardToSyslog=no
ForwardToKMsg=no
ForwardToConsole=no
ForwardToWall=no
RateLimitIntervalSec=0
CONF
bed_exec n1 mount --bind "$BED_DIR/journald.conf" /etc/systemd/journald.conf
bed_exec n1 sh -c '[ ! -d /etc/systemd/journald.conf.d ] || mount -t tmpfs tmpfs /etc/systemd/journald.conf.d'
bed_exec n1 sh -c '[ ! -d /var/log/journal ] || mount -t tmpfs tmpfs /var/log/journal'
# journald wants a cgroup file system; the node's /sys (ip netns exec's) has none
bed_exec n1 mount -t cgroup2 cgroup2 /sys/fs/cgroup
bed_spawn n1 "$BED_DIR/n1/journald.log" /lib/systemd/systemd-journald
_journald_up() { kill -0 "$1" 2>/dev/null && bed_exec n1 systemd-cat -t probe true 2>/dev/null; }
wait_until 5 _journald_up "$BED_LAST_PID" ||
	fail "journald did not start in n1: $(tail -n 5 "$BED_DIR/n1/journald.log")"
jq_n1() { bed_exec n1 journalctl --directory=/run/log/journal -o json --no-pager "$@"; }

# what systemd does for a unit: stderr on the stream, JOURNAL_STREAM=DEV:INO of it
cat >"$BED_DIR/stream.sh" <<'SH'
#!/bin/sh
JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2)
export JOURNAL_STREAM
exec "$@"
SH
chmod +x "$BED_DIR/stream.sh"
BED_VIPD_CMD="systemd-cat -t vipd $BED_DIR/stream.sh $VIPD -f -c $BED_DIR/n1/vipd.conf" bed_vipd_start n1
BED_VIPD_CMD="env JOURNAL_STREAM=1:1 $VIPD -f -c $BED_DIR/n2/vipd.conf" bed_vipd_start n2
bed_vipd_start n3
wait_synced 15 $BED_NODES || fail "vipd not synced with 3 members on all nodes"
ok "n1's vipd writes to a journald of its own; cluster synced"

say "1. claim, move and a stale claim: entries with fields in n1's journal"
bed_vipctl n1 claim db --term 7 >/dev/null || fail "claim db --term 7"
wait_holder 5 db n1 live $BED_NODES || fail "db not live at n1"
bed_vipctl n1 move db n2 >/dev/null || fail "move db n2"
wait_holder 5 db n2 live $BED_NODES || fail "db not live at n2"
term=$(vf n1 db .term)
bed_vipctl n1 claim db --term 3 >/dev/null 2>&1 && fail "a claim at term 3 < $term was granted"
# entry ID JQ : the fields of n1's entries with MESSAGE_ID ID, as one JSON array
entries() { jq_n1 MESSAGE_ID="$1" | jq -s -c '[.[] | {VIP, NODE, TERM, REASON, PRIORITY, _TRANSPORT, MESSAGE}]'; }
has() { # WHAT ID JQ-CONDITION
	local e
	wait_until 5 _has "$2" "$3" || { e=$(entries "$2"); fail "$1: no entry with $3 in n1's journal: $e"; }
}
_has() { entries "$1" | jq -e "any(.[]; $2)" >/dev/null; }
has "claimed" "$(msgid "claimed by")" '.VIP == "db" and .NODE == "n1" and .TERM == "7" and .REASON != null and ._TRANSPORT == "journal"'
has "live" "$(msgid "live at")" '.VIP == "db" and .NODE == "n1" and .TERM == "7"'
has "moved" "$(msgid "moved to")" ".VIP == \"db\" and .NODE == \"n2\" and .TERM == \"$term\" and (.REASON | length) > 0 and (.MESSAGE | test(\"moved to .n2. from .n1.\"))"
has "live at n2" "$(msgid "live at")" ".VIP == \"db\" and .NODE == \"n2\" and .TERM == \"$term\""
has "refused" "$(msgid "was refused")" '.VIP == "db" and .NODE == "n1" and .TERM == "3" and .REASON == "stale-term"'
has "view" "$(msgid "view changed")" '(.MESSAGE | test("view: 3 members"))'
has "joined" "$(msgid "joined the view")" '.NODE != null'
jq_n1 VIP=db | jq -c '{MESSAGE_ID, VIP, NODE, TERM, REASON, MESSAGE}'
ok "claimed, live, moved, refused, view and joined entries carry MESSAGE_ID, VIP, NODE, TERM, REASON"
jq_n1 | jq -s -e '[.[] | select(._TRANSPORT == "stdout" and (.MESSAGE | test("VIP .db. (moved to|claimed by|live at) ")))] | length == 0' >/dev/null ||
	fail "decisions also reached the journal as plain lines: $(jq_n1 _TRANSPORT=stdout | jq -r .MESSAGE | grep "VIP 'db'")"
jq_n1 _TRANSPORT=stdout | jq -e -s 'any(.[]; .MESSAGE | test("joined group"))' >/dev/null ||
	fail "vipd's other lines did not reach the journal's stream"
grep -q "VIP 'db'" "$BED_DIR/n1/vipd.log" && fail "n1's decisions on stderr too: $(grep "VIP 'db'" "$BED_DIR/n1/vipd.log")"
ok "each decision once, as an entry; vipd's other lines through the stream"

say "2. a stale JOURNAL_STREAM (n2) and no journald (n3): readable lines"
for n in n2 n3; do
	grep -q "^<5>vipd: VIP 'db' moved to 'n2' from 'n1' at term $term" "$BED_DIR/$n/vipd.log" ||
		fail "$n: no readable line for the move: $(grep "VIP 'db'" "$BED_DIR/$n/vipd.log")"
done
ok "n2 and n3 log the move as a line: $(grep -m1 "moved to" "$BED_DIR/n2/vipd.log")"

say "3. --log-target takes auto, console or journal only"
rc=0; "$VIPD" --log-target=syslog -n -c "$BED_DIR/n1/vipd.conf" >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "--log-target=syslog: exit $rc, want 2 (usage)"
"$VIPD" --log-target=journal -n -c "$BED_DIR/n1/vipd.conf" >/dev/null ||
	fail "--log-target=journal -n refused"
ok "--log-target=syslog is a usage error"
