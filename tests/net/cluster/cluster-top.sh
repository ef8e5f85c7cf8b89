#!/bin/bash
# cluster-top: vipctl top on a 3-node cluster, in plain mode (stdout a file): a frame at the
# start (the stream's snapshot), one after each batch of events, none while nothing happens
# (it does not poll), and the frame after a move shows the new holder, its term and state.
# Run by meson (suite net) as root.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "${BED_SRC:-$here/../bed}/bed.sh"
. "${CLUSTER_SRC:-$here}/lib.sh"

VIPS='vip db {
	address 192.0.2.100/24
	dev eth0
}
vip web {
	address 192.0.2.101/24
	dev eth0
}'
say "set-up: 3 nodes, corosync token $CLUSTER_TOKEN, VIPs db and web"
cluster_up "$VIPS"
bed_vipctl n1 claim db >/dev/null || fail "claim db"
wait_holder 5 db n1 live $BED_NODES || fail "db not live at n1"
ok "cluster synced, db live at n1 ($(elapsed_s) s)"
out=$BED_DIR/top.out
frames() { grep -c '^vipctl top, frame ' "$out" || true; }
# last_frame : the lines of the last frame
last_frame() { awk '/^vipctl top, frame / { f = "" } { f = f $0 "\n" } END { printf "%s", f }' "$out"; }
# row VIP : the VIP's row of the last frame (VIP STATE HOLDER TERM AGE HERE)
row() { last_frame | awk -v v="$1" '$1 == v'; }

say "1. the first frame: members, quorum, db at n1"
bed_spawn n3 "$out" "$VIPCTL" top
wait_until 5 grep -q '^last event: ' "$out" || fail "no frame: $(cat "$out")"
last_frame | grep -q '^node n3: quorate, synced, 3 members: n1 n2 n3$' ||
	fail "no members and quorum in the frame: $(last_frame)"
t1=$(vf n1 db .term)
read -r _ state holder term _ here <<<"$(row db)"
[ "$state $holder $term $here" = "live n1 $t1 -" ] || fail "db's row: $(row db), want live n1 $t1"
read -r _ state holder _ <<<"$(row web)"
[ "$state $holder" = "unassigned -" ] || fail "web's row: $(row web)"
grep -q $'\033' "$out" && fail "ANSI escapes in plain mode: $(cat -v "$out")"
last_frame | grep -q '^last event: #[0-9]* snapshot' || fail "the first frame is not the snapshot's: $(last_frame)"
ok "frame 1: $(row db | tr -s ' ')"

say "2. nothing happens for 2 s: no new frame (top does not poll)"
n=$(frames)
sleep 2
[ "$(frames)" = "$n" ] || fail "$(( $(frames) - n )) frames while nothing happened"
ok "still $n frame(s)"

say "3. move db to n2: a frame with db live at n2, term above $t1"
bed_vipctl n1 move db n2 >/dev/null || fail "move db n2"
wait_holder 5 db n2 live $BED_NODES || fail "db not live at n2"
t2=$(vf n1 db .term)
_moved() { read -r _ state holder term _ here <<<"$(row db)"; [ "$state $holder $term $here" = "live n2 $t2 -" ]; }
wait_until 5 _moved || fail "the last frame does not show db live at n2, term $t2: $(last_frame)"
[ "$t2" -gt "$t1" ] || fail "term $t2 not above $t1"
[ "$(frames)" -gt "$n" ] || fail "no new frame"
grep -q "^last event: #[0-9]* \(moved\|live\) db node=n2 term=$t2$" "$out" || fail "no frame names the move: $(cat "$out")"
ok "frame $(frames): $(row db | tr -s ' '); $(last_frame | tail -n 1)"
last_frame | sed 's/^/  | /'

say "4. on a terminal (script(1)'s pty): redrawn in place, ages once a second"
bed_exec n3 timeout 2.5 script -qfec "$VIPCTL top" /dev/null >"$BED_DIR/tty.out" 2>&1 || true
draws=$(grep -o $'\033\[H\033\[2J' "$BED_DIR/tty.out" | wc -l)
[ "$draws" -ge 2 ] || fail "$draws redraws in 2.5 s on a terminal: $(cat -v "$BED_DIR/tty.out")"
grep -q "^db  *live  *n2 " "$BED_DIR/tty.out" || fail "no db row on the terminal: $(cat -v "$BED_DIR/tty.out")"
ok "$draws redraws in place in 2.5 s"

say "5. bash completion offers top and its --plain"
complete_words() { # WORDS...: what dist/vipctl.bash-completion offers for the last one
	# shellcheck disable=SC2016 # expanded by the inner bash
	bash -c 'complete() { :; }; . "$0"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_vipctl; echo "${COMPREPLY[*]}"' "$CLUSTER_SRC/../../../dist/vipctl.bash-completion" vipctl "$@"
}
[ "$(complete_words to)" = top ] || fail "completion of top: '$(complete_words to)'"
[ "$(complete_words top --p)" = --plain ] || fail "completion of --plain: '$(complete_words top --p)'"
ok "to -> top, top --p -> --plain"

say "6. top --bogus is a usage error"
rc=0; bed_vipctl n3 top --bogus >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "top --bogus: exit $rc, want 2"
ok "exit 2"
