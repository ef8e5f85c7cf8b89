#!/bin/bash
# bench/run.sh: one part of bench/compare.sh, run in its own namespace bed (one bed per process).
#
#   run.sh failover TOOL     TOOL = vipd | keepalived | ucarp; scenarios $SCENARIOS, $REPS times
#   run.sh scale             vipd only, 5 nodes: claim/move time of 1, 100, 1000 VIPs
#   run.sh idle TOOL NVIPS NNODES   idle CPU (over $IDLE_S s) and RSS of the holder's daemon
#   run.sh debug TOOL CMD...  set up TOOL on a 3-node bed (DEBUG_NODES=5: bare 5-node bed), eval CMD
#
# Results are appended to $RAW (CSV: tool,scenario,rep,outage_ms,dup,switches,note) and, for
# scale/idle, to $RES (CSV: tool,metric,value,unit). Everything else goes to stderr.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
export BED_BUILD_ROOT=${BED_BUILD_ROOT:-$top/build-bench}
# shellcheck source=../tests/net/bed/bed.sh
. "$top/tests/net/bed/bed.sh"

: "${RAW:?}" "${RES:?}"
REPS=${REPS:-5}
SCENARIOS=${SCENARIOS:-move kill term hung link back peer}
IDLE_S=${IDLE_S:-60}
TOKEN=${TOKEN:-300}
export BED_LEASE=${BED_LEASE:-auto}  # vipd's lease (tests/net/bed/bed.sh)
# corosync's IPC to vipd over a socket, not shared-memory rings: less of vipd's memory, and no
# slower (bench/README.md, `rss_kb`; doc/vipd.8, COROSYNC SETTINGS); BED_IPC=native for rings
export BED_IPC=${BED_IPC-socket}
# The client stands for another machine: at SCHED_OTHER it stalled for milliseconds just when
# the nodes' real-time daemons handed a VIP over, and a probe that sends nothing loses nothing
# (seen: a 7.4 ms send gap across a hand-over counted as 0 ms outage).  At FIFO 50, below
# corosync (RR 99) and vipd (FIFO 99), it still stalled 5-7 ms across a clean stop; at 99 it
# waits only for one of them to block.  A switch's send gap counts as outage anyway (probe.c).
export BED_PROBE_RT=${BED_PROBE_RT-99}
VIPSCALE=$BED_BUILD_ROOT/bench/vip-scale
VIP=192.0.2.100
PORT=7777
TAKEOVER_S=${TAKEOVER_S:-10}

log() { printf '[%s %s] %s\n' "$(date +%T)" "${TOOL:-}" "$*" >&2; }
now_ms() { date +%s%3N; }

# --- common helpers ---------------------------------------------------------------------------

has_vip() { ip -n "$(bed_ns "$1")" -br addr show dev eth0 2>/dev/null | grep -q " $VIP/"; }
only_on() {
	local want=$1 n
	for n in $BED_NODES; do
		if [ "$n" = "$want" ]; then has_vip "$n" || return 1; else ! has_vip "$n" || return 1; fi
	done
}

# pid:starttime tags of the processes we started per node (keepalived, ucarp)
declare -A DPID=()

# all pids of a daemon: the one we started and its children (keepalived's VRRP process)
tree_pids() {
	local p=$1 c
	[ -d "/proc/$p" ] || return 0
	echo "$p"
	for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do tree_pids "$c"; done
}

# --- vipd -------------------------------------------------------------------------------------

vipd_conf_one() {
	local n
	for n in $BED_NODES; do
		bed_vipd_conf "$n" "vip bench {
	address $VIP/24
	dev eth0
	policy prefer n2 n3 n1
}" >/dev/null
	done
}

vipd_ready() { # node count
	local j
	j=$(bed_vipctl "$1" --json status 2>/dev/null) || return 1
	[ "$(jq -r '.node.synced and .node.quorate and ((.node.members|length) == '"$2"')' <<<"$j")" = true ]
}

vipd_setup() {
	bed_corosync_start "$TOKEN"
	vipd_conf_one
	local n
	for n in $BED_NODES; do bed_vipd_start "$n" "" ${VIPD_ARGS:-}; done
	for n in $BED_NODES; do wait_until 20 vipd_ready "$n" 3 || bed_die "vipd $n not ready"; done
	# the shared machine can delay corosync past its token: retry until quorate again
	wait_until 60 vipd_claim_n1 || bed_die "vipd: cannot claim on n1"
	wait_until 5 only_on n1
}
vipd_claim_n1() { vipd_ready n1 3 && bed_vipctl n1 claim bench --wait 5 >/dev/null; }
vipd_alive() { _bed_alive "${BED_VIPD[$1]:-}"; }
vipd_pids() { bed_vipd_pid "$1"; }
vipd_start() {
	bed_vipd_start "$1" "" ${VIPD_ARGS:-}
	wait_until 20 vipd_ready "$1" 3 || log "vipd $1 not ready again"
}
vipd_signal() { bed_vipd_kill "$1" "$2"; }
vipd_move() { # to: planned move, run from the current holder's side (any node works)
	bed_vipctl "$1" move bench "$1" >/dev/null
}
vipd_wait_dead() { wait_until 10 _bed_dead "${BED_VIPD[$1]}" && _bed_reap "${BED_VIPD[$1]}"; }

# --- corosync alone (what corosync costs without vipd: run.sh idle corosync 1 3) ------------------

corosync_setup() { bed_corosync_start "$TOKEN"; }
corosync_pids() { bed_corosync_pid "$1"; }

# --- keepalived ---------------------------------------------------------------------------------
# VRRPv3, advert_int 0.1 (the fastest keepalived's docs show for fast failover; it accepts
# centiseconds), every node state BACKUP + nopreempt (the former holder does not take the VIP
# back), priorities n1 150 > n2 100 > n3 50. Planned move: a track_file turns the holder to
# FAULT (it sends a priority-0 advert, the best backup takes over at once); no restart.

ka_prio() { case $1 in n1) echo 150 ;; n2) echo 100 ;; *) echo $(( 60 - ${1#n} )) ;; esac; }
ka_conf() {
	local n=$1 f=$BED_DIR/$1/keepalived.conf
	cat >"$f" <<-EOF
	global_defs {
		router_id $n
		vrrp_version 3
		script_user root
		enable_script_security
	}
	vrrp_track_file demote {
		file /run/keepalived-demote
	}
	vrrp_instance bench {
		state BACKUP
		nopreempt
		interface eth0
		virtual_router_id 51
		priority $(ka_prio "$n")
		advert_int ${KA_ADVERT:-0.1}
		virtual_ipaddress {
			$VIP/24 dev eth0
		}
		track_file {
			demote weight 0
		}
	}
	EOF
	echo "$f"
}
keepalived_start() {
	local n=$1 conf
	conf=$(ka_conf "$n")
	# a killed keepalived leaves its address behind; a restart by the operator removes it
	ip -n "$(bed_ns "$n")" addr del "$VIP/24" dev eth0 2>/dev/null || true
	bed_exec "$n" sh -c 'echo 0 > /run/keepalived-demote; rm -f /run/keepalived.pid /run/vrrp.pid'
	bed_spawn "$n" "$BED_DIR/$n/keepalived.log" keepalived -n -l -D -P -f "$conf" \
		-p /run/keepalived.pid -r /run/vrrp.pid
	DPID[$n]=$(_bed_tag "$BED_LAST_PID")
	# up when the VRRP child exists
	_ka_up() { [ "$(tree_pids "${DPID[$1]%%:*}" | wc -l)" -ge 2 ]; }
	wait_until 5 _ka_up "$n" || log "keepalived $n: no VRRP process"
}
keepalived_setup() {
	local n
	for n in $BED_NODES; do keepalived_start "$n"; done
	wait_until 10 only_on n1 || bed_die "keepalived: VIP not on n1"
}
keepalived_alive() { _bed_alive "${DPID[$1]:-}"; }
keepalived_pids() { tree_pids "${DPID[$1]%%:*}"; }
keepalived_signal() { # node sig: TERM goes to the parent (normal stop); others hit both processes
	local p
	case $2 in
	TERM) kill -s TERM "${DPID[$1]%%:*}" ;;
	*) # children first, so the parent cannot restart a killed child
		p=$(keepalived_pids "$1" | tac | tr '\n' ' ')
		# shellcheck disable=SC2086
		kill -s "$2" $p ;;
	esac
}
keepalived_move() { # to: demote the holder through its track_file, then undo
	local from n
	for n in $BED_NODES; do has_vip "$n" && from=$n; done
	[ -n "${from:-}" ] || return 1
	bed_exec "$from" sh -c 'echo 1 > /run/keepalived-demote'
	wait_until 10 has_vip "$1" || true
	bed_exec "$from" sh -c 'echo 0 > /run/keepalived-demote'
}
keepalived_wait_dead() { wait_until 10 _bed_dead "${DPID[$1]}"; _bed_reap "${DPID[$1]}"; }

# --- ucarp --------------------------------------------------------------------------------------
# advbase 1 (the documented minimum) + advskew n1 0, n2 10, n3 20 (interval 1 s + skew/256 s):
# the node with the smallest interval wins. Default deadratio 3 (dead after ~3 s). ucarp also
# accepts advbase 0 (interval = advskew/256 s), but backups then flap between masters
# (UCARP_ADVBASE=0 UCARP_SKEW0=20 to try it). No --preempt (the former holder does not take it back).
# Up/down scripts add/delete the address and send gratuitous ARPs (iputils arping -U).
# Planned move: SIGUSR2 demotes the master (it then pauses 3 s).

UCARP_ADVBASE=${UCARP_ADVBASE:-1}
UCARP_SKEW0=${UCARP_SKEW0:-0}
uc_skew() { echo $(( UCARP_SKEW0 + 10 * (${1#n} - 1) )); }
uc_scripts() {
	cat >"$BED_DIR/vip-up.sh" <<-'EOF'
	#!/bin/sh
	# ucarp up script: $1 interface, $2 VIP
	ip addr add "$2/24" dev "$1" 2>/dev/null
	# 3 gratuitous ARPs 0.1 s apart in the background; the down script stops them
	# (iputils arping -U -c 1 returns at once; with -i it waits for replies first)
	( for i in 1 2 3; do arping -q -U -c 1 -I "$1" "$2"; sleep 0.1; done ) >/dev/null 2>&1 &
	echo $! > /run/ucarp-arping.pid
	exit 0
	EOF
	cat >"$BED_DIR/vip-down.sh" <<-'EOF'
	#!/bin/sh
	[ -r /run/ucarp-arping.pid ] && kill "$(cat /run/ucarp-arping.pid)" 2>/dev/null
	rm -f /run/ucarp-arping.pid
	ip addr del "$2/24" dev "$1" 2>/dev/null
	exit 0
	EOF
	chmod 755 "$BED_DIR/vip-up.sh" "$BED_DIR/vip-down.sh"
}
ucarp_start() {
	local n=$1
	bed_spawn "$n" "$BED_DIR/$n/ucarp.log" ucarp -i eth0 -s "$(bed_addr4 "$n")" -v 7 -p bench \
		-a "$VIP" -b "$UCARP_ADVBASE" -k "$(uc_skew "$n")" -z \
		-u "$BED_DIR/vip-up.sh" -d "$BED_DIR/vip-down.sh"
	DPID[$n]=$(_bed_tag "$BED_LAST_PID")
}
ucarp_setup() {
	uc_scripts
	ucarp_start n1
	wait_until 10 has_vip n1 || bed_die "ucarp: VIP not on n1"
	local n
	for n in $BED_NODES; do [ "$n" = n1 ] || ucarp_start "$n"; done
	sleep 1
	wait_until 10 only_on n1 || bed_die "ucarp: VIP not only on n1"
}
ucarp_alive() { _bed_alive "${DPID[$1]:-}"; }
ucarp_pids() { tree_pids "${DPID[$1]%%:*}"; }
ucarp_signal() { kill -s "$2" "${DPID[$1]%%:*}"; }
ucarp_move() {
	local from n
	for n in $BED_NODES; do has_vip "$n" && from=$n; done
	[ -n "${from:-}" ] || return 1
	ucarp_signal "$from" USR2
	UC_DEMOTED_MS=$(now_ms)
}
UC_DEMOTED_MS=0
ucarp_wait_dead() { wait_until 10 _bed_dead "${DPID[$1]}"; _bed_reap "${DPID[$1]}"; }

# --- generic scenario machinery -----------------------------------------------------------------

t() { "${TOOL}_$1" "${@:2}"; }

# restore: every daemon up, every link up, VIP only on n1.
restore() {
	local n
	for n in $BED_NODES; do
		bed_link_up "$n"
		if t alive "$n"; then
			# a stopped (SIGSTOP) daemon gets going again
			t signal "$n" CONT 2>/dev/null || true
		else
			t start "$n"
		fi
	done
	[ "$TOOL" = vipd ] && for n in $BED_NODES; do wait_until 20 vipd_ready "$n" 3 || true; done
	if ! only_on n1; then
		# ucarp: a demoted node pauses 3 s; let n1 finish its pause before it must win
		if [ "$TOOL" = ucarp ]; then
			# restart every ucarp (SIGTERM runs the down script), n1 first: it becomes master
			# when it hears no adverts, the others then stay backup. (A node demoted by
			# SIGUSR2 did not reliably become master again here, so no SIGUSR2 to restore.)
			local h
			for h in $BED_NODES; do ucarp_signal "$h" TERM; done
			for h in $BED_NODES; do ucarp_wait_dead "$h"; done
			ucarp_start n1
			wait_until 15 has_vip n1 || { log "restore: n1 did not take the VIP"; return 1; }
			for h in $BED_NODES; do [ "$h" = n1 ] || ucarp_start "$h"; done
			sleep 0.5
			wait_until 15 only_on n1 || { log "restore: VIP not only on n1 (on:$(for h in $BED_NODES; do has_vip $h && printf " %s" $h; done))"; return 1; }
		else
			# vipd refuses a move while quorum flaps (busy machine): retry
			wait_until 40 restore_move || { log "restore: VIP not only on n1"; return 1; }
		fi
	fi
	sleep 0.3
}

restore_move() { only_on n1 || { t move n1; wait_until 3 only_on n1; }; }

# one measured rep: probe, trigger, wait for n2, settle, stop probe; appends a RAW row.
measure() { # scenario rep trigger-fn [after-fn]
	local sc=$1 rep=$2 trig=$3 after=${4:-} note=ok
	bed_probe_start "p-$sc-$rep" --target "$VIP" --port "$PORT" --duration-ms 0
	sleep 0.3
	"$trig" || note=trigger-failed
	wait_until "$TAKEOVER_S" has_vip n2 || note=no-takeover
	sleep 0.5
	[ -z "$after" ] || "$after"
	PROBE_FILE=$(bed_probe_stop "p-$sc-$rep")
	[ "$(jq -r '.outage_open // false' "$PROBE_FILE")" = true ] && note="$note;open"
	record "$sc" "$rep" "$note"
}

# record SCENARIO REP NOTE: one RAW row from the stopped probe's $PROBE_FILE.
record() {
	local f=$PROBE_FILE o d s
	o=$(jq -r '.outage_ms' "$f"); d=$(jq -r '.dup' "$f"); s=$(jq -r '.switches|length' "$f")
	echo "$TOOL,$1,$2,$o,$d,$s,$3" >>"$RAW"
	log "$1 #$2: outage ${o} ms dup $d switches $s ($(jq -c '[.switches[]|"\(.from)->\(.to)"]' "$f")) $3"
}

trig_move() { t move n2; }
trig_kill() { t signal n1 KILL; }
trig_term() { t signal n1 TERM; }
trig_hung() { t signal n1 STOP; }
after_hung() { t signal n1 CONT; sleep 1.5; }
trig_link() { bed_link_down n1; }

# "back": the former holder's link comes back after a link-down failover (VIP on n2): does the
# VIP move again, with what outage?
scenario_back() {
	local rep=$1 note=ok
	bed_link_down n1
	wait_until "$TAKEOVER_S" has_vip n2 || note=no-takeover
	sleep 0.5
	bed_probe_start "p-back-$rep" --target "$VIP" --port "$PORT" --duration-ms 0
	sleep 0.3
	bed_link_up n1
	if [ "$TOOL" = vipd ]; then bed_wait_members 20 3 n1 n2 n3 || note="$note;no-rejoin"; fi
	sleep 2
	PROBE_FILE=$(bed_probe_stop "p-back-$rep")
	has_vip n2 || note="$note;moved-off-n2"
	record back "$rep" "$note"
}

# "peer": a node that holds nothing loses its link (n3); the VIP should stay on n1 untouched.
# The ring stalls while corosync drops n3: does the holder keep answering?
scenario_peer() {
	local rep=$1 note=ok
	bed_probe_start "p-peer-$rep" --target "$VIP" --port "$PORT" --duration-ms 0
	sleep 0.3
	bed_link_down n3
	if [ "$TOOL" = vipd ]; then bed_wait_members 20 2 n1 n2 || note="$note;no-view"; fi
	sleep 1
	PROBE_FILE=$(bed_probe_stop "p-peer-$rep")
	only_on n1 || note="$note;moved-off-n1"
	record peer "$rep" "$note"
}

run_failover() {
	TOOL=$1
	bed_init 3
	bed_responders_start "$PORT"
	t setup
	log "set up; VIP on n1"
	local sc rep
	for sc in $SCENARIOS; do
		for rep in $(seq 1 "$REPS"); do
			restore || { echo "$TOOL,$sc,$rep,,,,restore-failed" >>"$RAW"; continue; }
			case $sc in
			move) measure move "$rep" trig_move ;;
			kill) measure kill "$rep" trig_kill ;;
			term) measure term "$rep" trig_term ;;
			hung) measure hung "$rep" trig_hung after_hung ;;
			link) measure link "$rep" trig_link ;;
			back) scenario_back "$rep" ;;
			peer) scenario_peer "$rep" ;;
			esac
			# let a killed/stopped daemon finish before restore restarts it
			case $sc in kill|term) t wait_dead n1 || true ;; esac
		done
	done
	[ "${BED_KEEP:-0}" = 1 ] && cp -a "$BED_DIR" "${OUTDIR:-/tmp}/bed-$TOOL" 2>/dev/null || true
}

# --- idle CPU and RSS ------------------------------------------------------------------------------

sum_proc() { # FILE AWK pids... : what AWK prints for /proc/PID/FILE, summed over the pids
	local f=$1 prog=$2 p s=0 v
	shift 2
	for p in "$@"; do
		v=$(awk "$prog" "/proc/$p/$f" 2>/dev/null) || v=0
		s=$(( s + ${v:-0} ))
	done
	echo "$s"
}
# sum_tasks FILE AWK pids... : what AWK prints (summing) over /proc/PID/task/*/FILE of every
# thread of the pids, summed
sum_tasks() {
	local f=$1 prog=$2 p s=0
	shift 2
	for p in "$@"; do
		s=$(( s + $(cat /proc/"$p"/task/*/"$f" 2>/dev/null | awk "$prog") ))
	done
	echo "$s"
}
# CPU time in ns, as the scheduler accounts it (every thread's first field of schedstat; the
# utime+stime of /proc/PID/stat are the same time in 10 ms units, ~50 in an idle minute of
# vipd).  %.0f: mawk's %d stops at 2^31 (2.1 s)
cpu_ns() { sum_tasks schedstat '{ s += $1 } END { printf "%.0f\n", s }' "$@"; }
rss_kb() { sum_proc status '/^VmRSS:/ { print $2 }' "$@"; }
# PSS: shared pages (libraries, corosync's IPC rings) divided by the processes mapping them
pss_kb() { sum_proc smaps_rollup '/^Pss:/ { print $2 }' "$@"; }
# context switches of every thread: each is a sleep or a preemption, i.e. about one wake-up, a
# count that does not depend on how dear a wake-up is on this machine
ctx_switches() { sum_tasks status '/ctxt_switches:/ { s += $2 } END { print s + 0 }' "$@"; }

run_idle() { # tool nvips nnodes
	TOOL=$1
	local nv=$2 nn=$3 pids cpid= t0 t1 c0 c1 k0=0 k1=0 w0 w1 x0=0 x1=0 label
	bed_init "$nn"
	if [ "$TOOL" = vipd ] && [ "$nv" -gt 1 ]; then
		scale_round "$nv" idle
	else
		t setup
	fi
	pids=$(t pids n1 | tr '\n' ' ')
	# vipd needs corosync, which runs for it alone here: its cost is vipd's too
	[ "$TOOL" = vipd ] && cpid=$(bed_corosync_pid n1)
	sleep 5
	idle_nodes_sample 0
	c0=$(cpu_ns $pids); [ -z "$cpid" ] || k0=$(cpu_ns $cpid); w0=$(ctx_switches $pids)
	[ -z "$cpid" ] || x0=$(ctx_switches $cpid)
	t0=$(date +%s%N)
	sleep "$IDLE_S"
	c1=$(cpu_ns $pids); [ -z "$cpid" ] || k1=$(cpu_ns $cpid); w1=$(ctx_switches $pids)
	[ -z "$cpid" ] || x1=$(ctx_switches $cpid)
	t1=$(date +%s%N)
	idle_nodes_sample 1
	idle_nodes_report "$((t1 - t0))"
	[ "$TOOL" != vipd ] || echo "vipd,lease_ms,$(bed_vipctl n1 --json status | jq .node.lease_ms),ms (n1)" >>"$RES"
	label="$TOOL"
	[ "$TOOL" = vipd ] && label="vipd-$nv"
	pct() { awk -v c="$1" -v ns=$((t1 - t0)) 'BEGIN { printf "%.3f", 100 * c / ns }'; }
	echo "$label,idle_cpu_pct,$(pct $((c1 - c0))),% of one core over ${IDLE_S} s ($nv VIPs; $nn nodes)" >>"$RES"
	rate() { awk -v c="$1" -v ns=$((t1 - t0)) 'BEGIN { printf "%.0f", c / (ns / 1e9) }'; }
	echo "$label,wakeups_per_s,$(rate $((w1 - w0))),context switches a second, all threads ($nv VIPs)" >>"$RES"
	echo "$label,rss_kb,$(rss_kb $pids),kB VmRSS ($nv VIPs; pids: $(echo $pids | wc -w))" >>"$RES"
	echo "$label,pss_kb,$(pss_kb $pids),kB PSS: shared pages split among their users ($nv VIPs)" >>"$RES"
	if [ -n "$cpid" ]; then
		echo "corosync-$nv,idle_cpu_pct,$(pct $((k1 - k0))),% of one core: n1's corosync over the same ${IDLE_S} s ($nv VIPs; $nn nodes)" >>"$RES"
		echo "corosync-$nv,wakeups_per_s,$(rate $((x1 - x0))),context switches a second of n1's corosync, all threads" >>"$RES"
		echo "corosync-$nv,rss_kb,$(rss_kb $cpid),kB VmRSS of n1's corosync" >>"$RES"
		echo "corosync-$nv,pss_kb,$(pss_kb $cpid),kB PSS of n1's corosync" >>"$RES"
	fi
	log "idle: cpu $(( (c1 - c0) / 1000000 )) ms over ${IDLE_S}s, rss $(rss_kb $pids) kB${cpid:+; corosync $(( (k1 - k0) / 1000000 )) ms}"
}

# voluntary context switches of every thread: the times it went to sleep, i.e. its wake-ups
# (preemptions by other work on a busy machine are not counted)
sleeps() { sum_tasks status '/^voluntary_ctxt_switches:/ { s += $2 } END { print s + 0 }' "$@"; }
# idle_nodes_sample 0|1: CPU ns and context switches of every node's daemon (and, for vipd,
# its corosync) into NS_<i>_<key>; idle_nodes_report NS: one row per node and process,
# "TOOL@nK" and "corosync@nK" (bench/curve.sh reads them)
declare -A NS=()
idle_nodes_sample() {
	local n p
	for n in $BED_NODES; do
		p=$(t pids "$n" | tr '\n' ' ')
		NS[$1,$TOOL@$n]="$(cpu_ns $p) $(sleeps $p)"
		[ "$TOOL" = vipd ] || continue
		p=$(bed_corosync_pid "$n")
		NS[$1,corosync@$n]="$(cpu_ns $p) $(sleeps $p)"
	done
}
idle_nodes_report() {
	local k a b
	for k in "${!NS[@]}"; do
		[ "${k%%,*}" = 0 ] || continue
		k=${k#0,}
		read -r -a a <<<"${NS[0,$k]}"
		read -r -a b <<<"${NS[1,$k]}"
		awk -v k="$k" -v c=$((b[0] - a[0])) -v w=$((b[1] - a[1])) -v ns="$1" 'BEGIN {
			printf "%s,node_cpu_pct,%.3f,%% of one core\n", k, 100 * c / ns
			printf "%s,node_wakeups_per_s,%.1f,wake-ups (voluntary context switches) a second\n", k, w / (ns / 1e9) }' >>"$RES"
	done
}

# --- scale (vipd, 5 nodes) -------------------------------------------------------------------------

scale_conf() { # count
	local i vips=
	vips=$(for i in $(seq 1 "$1"); do
		printf 'vip s%d {\n\taddress 2001:db8:2::1:%x/64\n\tdev eth0\n\tpolicy prefer n2 n3 n4 n5 n1\n}\n' "$i" "$i"
	done)
	for n in $BED_NODES; do bed_vipd_conf "$n" "$vips" >/dev/null; done
}

# scale_round COUNT [idle]: vipd on all nodes with COUNT VIPs, claim all on n1 (timed), then
# (unless idle) kill n1's vipd and time until n2 has all of them live.
scale_round() {
	local count=$1 mode=${2:-} n out ms t0 last
	TOOL=vipd
	if [ -z "${BED_COROSYNC[n1]:-}" ]; then bed_corosync_start "$TOKEN"; fi
	scale_conf "$count"
	for n in $BED_NODES; do bed_vipd_start "$n" "" ${VIPD_ARGS:-}; done
	for n in $BED_NODES; do wait_until 30 vipd_ready "$n" "$BED_N" || bed_die "vipd $n not ready"; done
	out=$(bed_exec n1 "$VIPSCALE" claim s "$count" "${SCALE_CONNS:-32}") || log "claim: $out"
	ms=$(awk '{ print $4 }' <<<"$out")
	log "scale $count: $out"
	[ "$mode" = idle ] && return 0
	echo "vipd,claim_all_ms_$count,$ms,ms until all $count claimed on n1 (32 connections)" >>"$RES"
	rm -f "$BED_DIR/n2/ready"
	bed_spawn n2 "$BED_DIR/n2/wait-live.out" "$VIPSCALE" wait-live n2 s "$count" "$BED_DIR/n2/ready" 30
	local wpid=$BED_LAST_PID
	wait_until 5 test -e "$BED_DIR/n2/ready" || bed_die "wait-live not ready"
	# t0 at the kill itself: now_ms and bed_vipd_kill's checks fork, which took 100-250 ms on
	# the busy bed and counted as failover time before
	local tag=${BED_VIPD[n1]} us
	_bed_alive "$tag" || bed_die "vipd n1 died before the kill"
	us=${EPOCHREALTIME//[.,]/}
	kill -KILL "${tag%%:*}"
	t0=${us:0:${#us}-3}
	bed_vipd_kill n1 KILL
	wait "$wpid" || true
	out=$(tail -n 1 "$BED_DIR/n2/wait-live.out")
	last=$(awk '{ print $3 }' <<<"$out")
	log "scale $count after kill: $out (t0 $t0)"
	echo "vipd,move_all_ms_$count,$(awk -v a="$last" -v b="$t0" 'BEGIN { if (a + 0 > 0) printf "%.1f", a - b }'),ms from SIGKILL of n1's vipd until n2 has all $count live (seen $(awk '{print $2}' <<<"$out")$(grep -q polled <<<"$out" && echo '; event stream overflowed - rest polled: upper bound'))" >>"$RES"
	for n in $BED_NODES; do [ "$n" = n1 ] || bed_vipd_stop "$n"; done
}

run_scale() {
	bed_init 5
	local c
	for c in ${SCALE_COUNTS:-1 100 1000}; do scale_round "$c"; done
}

case ${1:-} in
failover) run_failover "$2" ;;
idle) run_idle "$2" "$3" "$4" ;;
scale) run_scale ;;
debug) TOOL=$2; bed_init "${DEBUG_NODES:-3}"; [ "${DEBUG_NODES:-3}" = 3 ] || { shift 2; eval "$*"; exit; }; bed_responders_start "$PORT"; t setup; shift 2; eval "$*" ;;
*) echo "usage: $0 failover TOOL | idle TOOL NVIPS NNODES | scale" >&2; exit 2 ;;
esac
