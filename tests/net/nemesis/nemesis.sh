#!/bin/bash
# nemesis: a randomized fault campaign on the 3-node bed. A client probes VIP db every
# millisecond for the whole campaign while, round after round, the operator claims, moves and
# releases at random and a fault (sometimes two at once) is injected at random: kill -9 or
# SIGSTOP of a vipd, kill -9 of a corosync, link down, a symmetric or one-way partition,
# loss and jitter (netem), CPU starvation of a vipd, every vipd killed at once, the nftables
# ruleset flushed on the holder. After each round everything is healed and: every node agrees
# on the table (holder, term, state of each VIP; synced, quorate, 3 members), at most one node
# says live_here, ARP for each VIP is answered by at most one MAC, and the round's own probe
# saw no duplicate holder. Prints a table per fault kind (injected, worst outage, duplicates),
# each vipd's RSS per round, and PASS or FAIL (exit 1).
#
#   NEMESIS_SEED     seed of $RANDOM (default 20, printed)
#   NEMESIS_ROUNDS   rounds (default 8; the meson test)
#   NEMESIS_SECONDS  long mode: rounds until this many seconds passed (overrides ROUNDS)
#   NEMESIS_KINDS    only these fault kinds (words), e.g. "vipd-stop netem"
#   NEMESIS_PLAN     the rounds' faults instead of drawn ones (words KIND@NODE[+KIND@NODE]:MS),
#                    e.g. "netem@n3+vipd-stop@n2:3000 vipd-kill@n1:500"; the operator stays random
# Run by meson (suite net) as root; see doc/nemesis.md.
# shellcheck disable=SC2086 # $BED_NODES is a list of words
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "${BED_SRC:-$here/../bed}/bed.sh"
. "${CLUSTER_SRC:-$here/../cluster}/lib.sh"
NEMESIS_SRC=${NEMESIS_SRC:-$here}

SEED=${NEMESIS_SEED:-20}
ROUNDS=${NEMESIS_ROUNDS:-8}
LIMIT_S=${NEMESIS_SECONDS:-0}
RANDOM=$SEED
LEASE_MS=150
export BED_LEASE=${LEASE_MS}ms

VIPS='vip db {
	address 192.0.2.100/24
	dev eth0
	policy prefer n1 n2 n3
}
vip web {
	address 192.0.2.101/24
	dev eth0
}'
declare -A VIP_IP=([db]=192.0.2.100 [web]=192.0.2.101)

ALL_KINDS="vipd-kill vipd-stop link partition asym corosync-kill all-vipd netem cpu-starve nft-flush flush-hang hang-flush"
read -ra KINDS <<<"${NEMESIS_KINDS:-$ALL_KINDS}"
read -ra PLAN <<<"${NEMESIS_PLAN:-}"
[ ${#PLAN[@]} = 0 ] || ROUNDS=${#PLAN[@]}
# kinds never combined with another in one round
SOLO=" all-vipd nft-flush flush-hang hang-flush "
NET_KINDS=" link partition asym netem "

declare -A N_INJ=() WORST=() DUPS=()
RSS_LOG=()
FINDINGS=()
PROBLEMS=()
FAILS=0
CG=
STARVED=
DONE=0

# rnd N : R = a random number in [0, N) from the seeded sequence (never in a subshell).
rnd() { R=$(( RANDOM % $1 )); }
# rnd_node : R = a random node; half of the time db's holder if there is one.
rnd_node() {
	local h r
	rnd 3; r=n$((R + 1))
	rnd 2
	h=$(vf n1 db .holder 2>/dev/null || true)
	if [ "$R" = 0 ] && [ -n "$h" ] && [ "$h" != null ]; then R=$h; else R=$r; fi
}
others() { local n o=; for n in $BED_NODES; do [ "$n" = "$1" ] || o="$o $n"; done; echo "${o# }"; }
# bad WHAT : a failed check; the campaign goes on, the verdict is FAIL.
bad() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
finding() { echo "FINDING: $*"; FINDINGS+=("$*"); }

# --- the faults: f_KIND_on NODE injects, f_KIND_off NODE clears ---------------------------------

# a killed process needs CPU to exit: a starved vipd (cpu-starve in the same round) is killed,
# then its cgroup gets a budget again so that it can die (an exiting task cannot be moved out);
# the gate does not wait for that: the lease ends
unstarve_dying() {
	local p
	p=$(bed_vipd_pid "$1")
	[ -n "$STARVED" ] && [ "$p" = "$STARVED" ] || return 0
	kill -KILL "$p" 2>/dev/null || true
	echo 100000 >"$CG/cpu.rt_runtime_us"
	STARVED=
}
f_vipd-kill_on() { unstarve_dying "$1"; bed_vipd_kill "$1" KILL; }
f_vipd-kill_off() { bed_vipd_start "$1"; }
f_vipd-stop_on() { bed_vipd_kill "$1" STOP; }
f_vipd-stop_off() { bed_vipd_kill "$1" CONT; }
f_link_on() { bed_link_down "$1"; }
f_link_off() { bed_link_up "$1"; }
f_partition_on() { bed_partition "$1" "$(others "$1")"; }
f_partition_off() { bed_heal; }
# one direction only: what NODE sends to the other nodes, or what they send to it, is dropped
f_asym_on() {
	local br set
	br=$(bed_ns br)
	ip netns exec "$br" nft list table bridge bed >/dev/null 2>&1 ||
		ip netns exec "$br" nft 'add table bridge bed; add chain bridge bed forward { type filter hook forward priority 0; policy accept; }'
	# shellcheck disable=SC2046 # others prints words
	set=$(bed_port_set $(others "$1"))
	rnd 2
	if [ "$R" = 0 ]; then
		echo "   ($1 -> others dropped)"
		ip netns exec "$br" nft add rule bridge bed forward iifname "$(bed_port_set "$1")" oifname "$set" drop
	else
		echo "   (others -> $1 dropped)"
		ip netns exec "$br" nft add rule bridge bed forward iifname "$set" oifname "$(bed_port_set "$1")" drop
	fi
}
f_asym_off() { bed_heal; }
f_corosync-kill_on() { bed_corosync_kill "$1" KILL; }
f_corosync-kill_off() { bed_corosync_start "$CLUSTER_TOKEN" "$1"; }
f_all-vipd_on() {
	local n
	for n in $BED_NODES; do _bed_signal "${BED_VIPD[$n]}" KILL; unstarve_dying "$n"; done
	for n in $BED_NODES; do bed_vipd_kill "$n" KILL; done
}
f_all-vipd_off() { local n; for n in $BED_NODES; do bed_vipd_start "$n"; done; }
# 30 % loss and 50 ms +- 50 ms delay both ways on NODE's link: tc netem, or the bed's netem
# program where the kernel has no sch_netem (bed_netem)
f_netem_on() { bed_netem "$1" 50 50 30; echo "   (netem by $BED_NETEM_HOW)"; }
f_netem_off() { bed_netem_off "$1"; }
# vipd runs at SCHED_FIFO: starve it through the cgroup's real-time budget (0.1 ms a second)
f_cpu-starve_on() {
	STARVED=$(bed_vipd_pid "$1")
	_bed_alive "${BED_VIPD[$1]}" || { echo "   (no vipd on $1 to starve)"; STARVED=; return 0; }
	CG_HOME=$(awk -F: '$2 ~ /(^|,)cpu(,|$)/ { print $3 }' "/proc/$STARVED/cgroup")
	echo 100 >"$CG/cpu.rt_runtime_us"
	echo "$STARVED" >"$CG/cgroup.procs"
}
f_cpu-starve_off() {
	[ -n "$STARVED" ] && [ -e "/proc/$STARVED" ] || return 0
	echo "$STARVED" >"/sys/fs/cgroup/cpu${CG_HOME%/}/cgroup.procs" 2>/dev/null || true
	STARVED=
}
# an operator flushes the whole ruleset on NODE: vipd's gate (vipd_gate) goes with it
f_nft-flush_on() {
	ip netns exec "$(bed_ns "$1")" nft list tables >"$BED_DIR/nft-before" 2>&1 || true
	FLUSH_LOG_LINES=$(wc -l <"$BED_DIR/$1/vipd.log")
	ip netns exec "$(bed_ns "$1")" nft flush ruleset
}
f_nft-flush_off() {
	local ns left noticed
	ns=$(bed_ns "$1")
	left=$(ip netns exec "$ns" nft list tables 2>&1 | tr '\n' ' ')
	noticed=$(tail -n +"$((FLUSH_LOG_LINES + 1))" "$BED_DIR/$1/vipd.log" | grep -ci 'gate' || true)
	# vipd notices, gives up what it holds and rebuilds its gate (src/daemon/gate.c)
	if ! ip netns exec "$ns" nft list table inet vipd_gate >/dev/null 2>&1 ||
		! ip netns exec "$ns" nft list table arp vipd_gate >/dev/null 2>&1; then
		bad "round $ROUND: nft-flush on $1: vipd_gate not rebuilt 1.5 s later (tables left: $left)"
	fi
	[ "$noticed" -gt 0 ] || bad "round $ROUND: nft-flush on $1: vipd logged nothing about its gate"
}
# flush-hang: the flush, then the holder's vipd hangs (SIGSTOP) well past its lease: the others
# take db over; without its gate, does the hung holder still answer for db? (ARP, mid-hang)
f_flush-hang_on() { f_nft-flush_on "$1"; bed_vipd_kill "$1" STOP; }
f_flush-hang_during() {
	local macs
	macs=$(bed_exec c python3 "$NEMESIS_SRC/arp-macs.py" eth0 192.0.2.200 "${VIP_IP[db]}" 300 3 | tr '\n' ' ')
	echo "   ARP for db while $1's vipd hangs: ${macs:-none}"
	case ${macs% } in *" "*) bad "round $ROUND: flush-hang on $1: ARP for db answered by two MACs ($macs): the hung holder answers without its gate" ;; esac
}
f_flush-hang_off() { bed_vipd_kill "$1" CONT; f_nft-flush_off "$1"; }
# hang-flush: the holder's vipd hangs first, then the flush: it cannot notice until it resumes,
# and only its owned tables (vipd_lease, which a flush leaves) keep it quiet once its lease ends
f_hang-flush_on() { bed_vipd_kill "$1" STOP; f_nft-flush_on "$1"; }
f_hang-flush_during() { f_flush-hang_during "$1"; }
f_hang-flush_off() { f_flush-hang_off "$1"; }

# hold_ms KIND : R = how long the fault lasts (ms); some of them well past the lease.
hold_ms() {
	case $1 in
	vipd-stop) rnd 3; R=$(( R == 0 ? 80 : R == 1 ? 300 : 900 )) ;;
	vipd-kill|all-vipd) rnd 800; ;;
	link|partition|asym) rnd 2000; R=$((R + 300)) ;;
	corosync-kill) rnd 1500 ;;
	netem) rnd 2000; R=$((R + 1000)) ;;
	cpu-starve) rnd 1500; R=$((R + 2 * LEASE_MS)) ;;
	nft-flush|flush-hang|hang-flush) R=1500 ;;
	esac
}

# --- healing and the checks after a round -------------------------------------------------------

# heal_all : whatever a fault left (partitions, links, qdiscs, a stopped or starved vipd) is
# undone; a vipd or corosync that died without being killed here is a failure.
heal_all() {
	local n
	bed_heal
	for n in $BED_NODES; do
		ip -n "$(bed_ns br)" link set "$n" up
		f_netem_off "$n"
		_bed_signal "${BED_VIPD[$n]}" CONT
		_bed_alive "${BED_COROSYNC[$n]}" || { bad "corosync on $n died"; bed_corosync_start "$CLUSTER_TOKEN" "$n" 2>/dev/null; }
		if ! _bed_alive "${BED_VIPD[$n]}"; then
			bad "vipd on $n died: $(tail -n 5 "$BED_DIR/$n/vipd.log" | tr '\n' '|')"
			bed_vipd_start "$n"
		fi
	done
}

# table NODE : NODE's view of the table, one line; empty unless synced, quorate, 3 members.
table() {
	st "$1" | jq -c 'select(.node.synced and .node.quorate and (.node.members | length) == 3) |
		[.vips[] | [.name, .holder, .term, .state]]' 2>/dev/null
}
agree() {
	local n t first=
	for n in $BED_NODES; do
		t=$(table "$n")
		[ -n "$t" ] || return 1
		[ -n "$first" ] || first=$t
		[ "$t" = "$first" ] || return 1
	done
	AGREED=$first
}

reclaim() {
	local n
	rnd 3; n=n$((R + 1))
	echo "   op: $n claim db (the application, db is unassigned)"
	bed_vipctl "$n" --json claim db >/dev/null || bad "round $ROUND: claim db on $n refused"
	wait_until 10 db_live || bad "round $ROUND: db not live 10 s after the claim: $(table n1)"
}
db_live() { agree && [ "$(jq -r '.[] | select(.[0] == "db") | .[3]' <<<"$AGREED")" = live ]; }

# check_one_holder VIP : at most one node says live_here, it is the agreed holder, and ARP for
# the VIP is answered by at most one MAC (the holder's). The checks read the nodes one after the
# other and ARP takes 300 ms: if the agreed table changed meanwhile (a holder whose lease lapsed
# after the healing, on a bed of three nodes' real-time processes on two cores), what they saw
# may straddle a hand-over, so they are taken again, up to three times.
check_one_holder() {
	local v=$1 try before
	for try in 1 2 3; do
		wait_until 10 agree || true # else the checks count as they are
		before=$AGREED
		PROBLEMS=()
		one_holder_seen "$v"
		[ ${#PROBLEMS[@]} -gt 0 ] || return 0
		if ! agree || [ "$AGREED" = "$before" ]; then break; fi
		echo "   (the table changed during the check of $v: again)"
	done
	for try in "${PROBLEMS[@]}"; do bad "$try"; done
}
# one_holder_seen VIP : the checks of check_one_holder, once; what fails goes to PROBLEMS
one_holder_seen() {
	local v=$1 live h macs want i
	live=$(live_here_nodes "$v" $BED_NODES)
	h=$(vf n1 "$v" .holder)
	case $live in *" "*) PROBLEMS+=("round $ROUND: $v live_here on $live") ;; esac
	[ -z "$live" ] || [ "$live" = "$h" ] || PROBLEMS+=("round $ROUND: $v live_here on $live, holder $h")
	# with a lease shorter than a membership change a live VIP goes dark for a while after
	# one (vipd warns): an unanswered ARP is asked again, for up to 5 tries
	for i in 1 2 3 4 5; do
		macs=$(bed_exec c python3 "$NEMESIS_SRC/arp-macs.py" eth0 192.0.2.200 "${VIP_IP[$v]}" 300 3 | tr '\n' ' ')
		macs=${macs% }
		if [ -n "$macs" ] || [ -z "$live" ]; then break; fi
	done
	case $macs in *" "*) PROBLEMS+=("round $ROUND: ARP for $v answered by several MACs: $macs") ;; esac
	if [ -n "$live" ]; then
		want=$(ip -n "$(bed_ns "$live")" -j link show dev eth0 | jq -r '.[0].address')
		[ "$macs" = "$want" ] || PROBLEMS+=("round $ROUND: ARP for $v answered by '$macs', holder $live is $want")
	fi
}

# rss_sample : "ROUND n1=KB n2=KB n3=KB" (vipd's VmRSS; a * after a restart in this round).
rss_sample() {
	local n p kb line="r$ROUND"
	for n in $BED_NODES; do
		p=$(bed_vipd_pid "$n")
		kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo '?')
		[ "${RSS_PID[$n]:-}" = "$p" ] || kb="$kb*"
		RSS_PID[$n]=$p
		line="$line $n=$kb"
	done
	RSS_LOG+=("$line")
}
declare -A RSS_PID=()

# --- the operator -------------------------------------------------------------------------------

# ops : one move of db to a random node, then 0-2 random claims, moves or releases of web.
ops() {
	local i k n to out
	rnd_node; to=$R
	rnd 3; n=n$((R + 1))
	echo "   op: $n move db $to"
	out=$(bed_vipctl "$n" --json move db "$to" 2>&1) || echo "   (refused: $(head -c 200 <<<"$out" | tr '\n' ' '))"
	rnd 3
	for ((i = 0; i < R; i++)); do
		rnd 3; k=$R
		rnd 3; n=n$((R + 1))
		rnd 3; to=n$((R + 1))
		case $k in
		0) bed_vipctl "$n" --json claim web >/dev/null 2>&1 || true; echo "   op: $n claim web" ;;
		1) bed_vipctl "$n" --json move web "$to" >/dev/null 2>&1 || true; echo "   op: $n move web $to" ;;
		2) bed_vipctl "$n" --json release web >/dev/null 2>&1 || true; echo "   op: $n release web" ;;
		esac
	done
}

# --- a round ------------------------------------------------------------------------------------

# draw_round : k1, t1, k2, t2 and hold of the round (round's locals) drawn at random.
draw_round() {
	rnd ${#KINDS[@]}; k1=${KINDS[R]}
	rnd_node; t1=$R
	[[ $k1 != *flush* ]] || t1=$(vf n1 db .holder) # on the holder
	rnd 4
	if [ "$R" = 0 ] && [ ${#KINDS[@]} -gt 1 ] && [[ $SOLO != *" $k1 "* ]]; then
		rnd ${#KINDS[@]}; k2=${KINDS[R]}
		if [ "$k2" = "$k1" ] || [[ $SOLO == *" $k2 "* ]]; then k2=; else rnd_node; t2=$R; fi
	fi
	hold_ms "$k1"; hold=$R
}
# plan_round KIND@NODE[+KIND@NODE]:MS : the same, from NEMESIS_PLAN (to replay a round).
plan_round() {
	local w=${1%:*}
	hold=${1##*:}
	k1=${w%%+*}; t1=${k1#*@}; k1=${k1%@*}
	if [[ $w == *+* ]]; then k2=${w#*+}; t2=${k2#*@}; k2=${k2%@*}; fi
	if ! declare -F "f_${k1}_on" >/dev/null || { [ -n "$k2" ] && ! declare -F "f_${k2}_on" >/dev/null; }; then
		bed_die "NEMESIS_PLAN: '$1' names an unknown fault kind (kinds: $ALL_KINDS)"
	fi
}

# round : operator actions, then a fault (or two at once) under the round's probe, heal, and the
# checks; the figures go to the per-kind tallies.
round() {
	local k1 k2='' t1 t2='' kind f out hold
	ops
	sleep 1.1 # a switch back to a node within the probe's dup window (1 s) would count as dup
	if [ ${#PLAN[@]} -gt 0 ]; then
		plan_round "${PLAN[ROUND - 1]}"
	else
		draw_round
	fi
	kind=$k1${k2:+"+$k2"}
	echo "== round $ROUND ($(elapsed_s) s): $k1 on $t1${k2:+, $k2 on $t2}, $hold ms (db at $(vf n1 db .holder))"
	bed_probe_start round --target "${VIP_IP[db]}" --port "$PORT" --duration-ms 0
	sleep 0.2
	"f_${k1}_on" "$t1"
	[ -z "$k2" ] || "f_${k2}_on" "$t2"
	if declare -F "f_${k1}_during" >/dev/null; then
		sleep "$(awk -v ms="$hold" 'BEGIN { printf "%.3f", ms / 2000 }')"
		"f_${k1}_during" "$t1"
		sleep "$(awk -v ms="$hold" 'BEGIN { printf "%.3f", ms / 2000 }')"
	else
		sleep "$(awk -v ms="$hold" 'BEGIN { printf "%.3f", ms / 1000 }')"
	fi
	# network faults are cleared first: a corosync restarted in a partition never gets quorate
	if [ -n "$k2" ] && [[ $NET_KINDS == *" $k1 "* ]]; then
		"f_${k1}_off" "$t1"; "f_${k2}_off" "$t2"
	else
		[ -z "$k2" ] || "f_${k2}_off" "$t2"
		"f_${k1}_off" "$t1"
	fi
	heal_all
	if wait_until 30 agree; then
		echo "   agreed: $AGREED"
	else
		bad "round $ROUND ($kind): no agreement within 30 s"
		for f in $BED_NODES; do echo "   $f: $(st "$f" | jq -c '[.node.synced, .node.quorate, .node.members, [.vips[] | [.name, .holder, .term, .state]]]')"; done
	fi
	# db's policy is prefer: a holder that gives it up hands it on. When every vipd died
	# nobody gave it up and the table starts empty: the application claims it again.
	if [[ $kind == *all-vipd* ]]; then
		wait_until 2 db_live || reclaim
	elif ! wait_until 10 db_live; then
		finding "after $kind db (policy prefer) stayed unassigned: $(table n1)"
		reclaim
	fi
	check_one_holder db
	check_one_holder web
	sleep 0.2
	f=$(bed_probe_stop round)
	out=$(figure "$kind" "$f")
	echo "   $out"
	N_INJ[$kind]=$(( ${N_INJ[$kind]:-0} + 1 ))
	DUPS[$kind]=$(( ${DUPS[$kind]:-0} + $(jq -r .dup "$f") ))
	[ "$(jq -r .dup "$f")" = 0 ] || bad "round $ROUND ($kind): duplicate holder: $(jq -c '{dup_same_seq, dup_switchback, switches}' "$f")"
	WORST[$kind]=$(jq -r --argjson w "${WORST[$kind]:-0}" '[.outage_ms, $w] | max' "$f")
	rss_sample
}

report() {
	local k
	echo
	echo "nemesis: seed $SEED, $((ROUND)) rounds in $(elapsed_s) s, lease $LEASE_MS ms, token $CLUSTER_TOKEN ms"
	printf '%-28s %8s %16s %6s\n' "FAULT" "INJECTED" "WORST_OUTAGE_MS" "DUP"
	for k in $(printf '%s\n' "${!N_INJ[@]}" | sort); do
		printf '%-28s %8s %16.1f %6s\n' "$k" "${N_INJ[$k]}" "${WORST[$k]}" "${DUPS[$k]}"
	done
	echo "campaign probe: $(jq -c '{sent, lost, outage_ms, dup, dup_same_seq, dup_switchback, switches: (.switches | length)}' "$CAMPAIGN")"
	echo "vipd RSS (kB; * = a new vipd):"
	printf '  %s\n' "${RSS_LOG[@]}"
	[ ${#FINDINGS[@]} = 0 ] || { echo "findings:"; printf '  %s\n' "${FINDINGS[@]}" | sort | uniq -c; }
}

bed_on_cleanup() {
	local p
	[ "$DONE" = 1 ] || echo "nemesis: FAIL (aborted in round ${ROUND:-0}; the run directory is kept)"
	[ -n "$CG" ] && [ -d "$CG" ] || return 0
	while read -r p; do echo "$p" >/sys/fs/cgroup/cpu/cgroup.procs 2>/dev/null || true; done <"$CG/cgroup.procs"
	rmdir "$CG" 2>/dev/null || true
}

say "nemesis: seed $SEED, $( [ "$LIMIT_S" -gt 0 ] && echo "$LIMIT_S s" || echo "$ROUNDS rounds"), kinds: ${KINDS[*]}"
cluster_up "$VIPS"
if [[ " ${KINDS[*]} ${PLAN[*]} " == *cpu-starve* ]]; then
	if [ -e /sys/fs/cgroup/cpu/cpu.rt_runtime_us ]; then
		CG=/sys/fs/cgroup/cpu/${BED_P}starve
		mkdir "$CG" || bed_die "cannot make the cgroup $CG"
	else
		# vipd runs at SCHED_FIFO: only cgroup v1's real-time budget starves it
		echo "note: no cgroup v1 cpu.rt_runtime_us here: cpu-starve left out"
		read -ra KINDS <<<"$(printf '%s\n' "${KINDS[@]}" | grep -vx cpu-starve | tr '\n' ' ')"
	fi
fi
out=$(bed_vipctl n1 --json claim db) || fail "claim db: $out"
wait_holder 5 db n1 live $BED_NODES || fail "db not live at n1"
bed_probe_start campaign --target "${VIP_IP[db]}" --port "$PORT" --duration-ms 0
ROUND=0
T_START=$(date +%s)
while :; do
	if [ "$LIMIT_S" -gt 0 ]; then
		[ $(( $(date +%s) - T_START )) -lt "$LIMIT_S" ] || break
	else
		[ "$ROUND" -lt "$ROUNDS" ] || break
	fi
	ROUND=$((ROUND + 1))
	round
done
CAMPAIGN=$(bed_probe_stop campaign)
[ "$(jq -r .dup "$CAMPAIGN")" = 0 ] || bad "campaign probe saw a duplicate holder: $(jq -c '{dup_same_seq, dup_switchback}' "$CAMPAIGN")"
report
DONE=1
if [ "$FAILS" = 0 ]; then echo "nemesis: PASS"; else echo "nemesis: FAIL ($FAILS failed checks)"; exit 1; fi
