# shellcheck shell=bash
# Helpers shared by the cluster tests (sourced after bed.sh): a 3-node cluster running vipd,
# status queries through vipctl --json, waits, probe figures and assertions.
#
# CLUSTER_TOKEN (default 300): corosync token in ms. On a heavily loaded machine corosync may
# flap with 300 ms (see the corosync logs in the run dir); raise it to tell such noise apart.

CLUSTER_TOKEN=${CLUSTER_TOKEN:-300}
VIP=192.0.2.100
PORT=7777
T0_SCRIPT=$(date +%s%N)

# lease_auto_ms : vipd's `lease auto` at CLUSTER_TOKEN.  corosync's consensus defaults to 1.2 x
# token, join to 50 ms; auto is 8/7 x (their sum + 30 ms), so that 7 of the 8 renewal periods of a
# lease cover the stall; in 10 ms steps.
lease_auto_ms() {
	local stall=$(( CLUSTER_TOKEN + CLUSTER_TOKEN * 12 / 10 + 50 + 30 ))
	echo $(( ((stall * 8 + 6) / 7 + 9) / 10 * 10 ))
}

say() { echo "== $*"; }
ok() { echo "ok: $*"; }
fail() {
	echo "FAIL: $*"
	local n
	for n in ${BED_NODES:-}; do
		echo "--- $n: vipctl status"; bed_vipctl "$n" status 2>&1 || true
		echo "--- $n: vipd.log (tail)"; tail -n 15 "$BED_DIR/$n/vipd.log" 2>/dev/null || true
	done
	exit 1
}
# figure SCENARIO PROBE_JSON : the one-line figure quoted in notes.
figure() {
	jq -r --arg s "$1" '"FIGURE \($s): outage_ms=\(.outage_ms) dup=\(.dup) lost=\(.lost) sent=\(.sent) switches=\([.switches[] | "\(.from)->\(.to)"] | join(","))"' "$2"
}
elapsed_s() { echo $(( ($(date +%s%N) - T0_SCRIPT) / 1000000000 )); }

# cluster_up "vip blocks" [NODES] : bed of 3 nodes, corosync, vipd with these VIPs everywhere,
# responders; waits until every vipd is joined, synced and quorate with 3 members.
cluster_up() {
	local vips=$1 n
	bed_init 3
	bed_corosync_start "$CLUSTER_TOKEN"
	for n in $BED_NODES; do
		bed_vipd_conf "$n" "$vips" >/dev/null
		bed_vipd_start "$n"
	done
	bed_responders_start "$PORT"
	wait_synced 15 $BED_NODES || fail "vipd not synced with 3 members on all nodes"
}

# st NODE : vipctl --json status of NODE (empty on failure).
st() { bed_vipctl "$1" --json status 2>/dev/null || true; }
# vf NODE VIP JQ-FIELD : one field of VIP in NODE's status ("null" if absent).
vf() { st "$1" | jq -r --arg v "$2" ".vips[] | select(.name == \$v) | $3"; }

_synced() { # MEMBERS NODES...
	local m=$1 n s; shift
	for n in "$@"; do
		s=$(st "$n")
		[ "$(jq -r --argjson m "$m" '.node.synced and .node.quorate and (.node.members | length) == $m' <<<"$s" 2>/dev/null)" = true ] || return 1
	done
}
# wait_synced DEADLINE NODES... : each node's vipd is synced, quorate, sees all 3 members.
wait_synced() { local d=$1; shift; wait_until "$d" _synced 3 "$@"; }

_holder_is() { # VIP HOLDER STATE NODES...
	local v=$1 h=$2 state=$3 n s; shift 3
	for n in "$@"; do
		s=$(st "$n")
		[ "$(jq -r --arg v "$v" '.vips[] | select(.name == $v) | "\(.holder) \(.state)"' <<<"$s" 2>/dev/null)" = "$h $state" ] || return 1
	done
}
# wait_holder DEADLINE VIP HOLDER STATE NODES... : all NODES report VIP at HOLDER in STATE
# (HOLDER "null" for none).
wait_holder() { local d=$1; shift; wait_until "$d" _holder_is "$@"; }

# waiter_is VIP NODE : every node's table has NODE ("null": nobody) waiting for VIP.
waiter_is() {
	local n
	for n in $BED_NODES; do [ "$(vf "$n" "$1" .waiter)" = "$2" ] || return 1; done
}
# ms_since T0_NS : milliseconds since $(date +%s%N) gave T0_NS.
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# live_here_nodes VIP NODES... : the nodes (space separated) that report live_here true.
live_here_nodes() {
	local v=$1 n out=; shift
	for n in "$@"; do
		[ "$(vf "$n" "$v" .live_here)" = true ] && out="$out $n"
	done
	echo "${out# }"
}

# still_serving NODE VIP TERM TAG : NODE's vipd still runs and holds VIP live at TERM, and a 200 ms
# probe ($VIP) is answered by NODE alone with nothing lost; TAG names the probe's file and the step.
still_serving() {
	local node=$1 v=$2 term=$3 tag=$4 f=$BED_DIR/$4.json
	_bed_alive "${BED_VIPD[$node]}" || fail "$tag: vipd died on $node"
	wait_holder 1 "$v" "$node" live "$node" || fail "$tag: $v no longer live at $node"
	[ "$(vf "$node" "$v" .term)" = "$term" ] || fail "$tag: term changed: $(vf "$node" "$v" .term)"
	bed_probe_run "$f" --target "$VIP" --port "$PORT" --duration-ms 200
	[ "$(p_nodes "$f")" = "$node" ] && [ "$(jq -r .lost "$f")" = 0 ] ||
		fail "$tag: VIP not answering from $node alone: $(jq -c '{nodes, lost}' "$f")"
}

# addr_on NODE IP : the address is configured on NODE's eth0.
addr_on() { ip -n "$(bed_ns "$1")" -br addr show dev eth0 | grep -qw "$2"; }

# probe assertions
p_dup0() { [ "$(jq -r .dup "$1")" = 0 ] || fail "$2: dup=$(jq -c '{dup, dup_same_seq, dup_switchback}' "$1")"; }
p_switches() { jq -r '[.switches[] | "\(.from)->\(.to)"] | join(" ")' "$1"; }
p_nodes() { jq -r '.nodes | keys | join(" ")' "$1"; }
# p_no_return FILE : no node answers again after another node took over (holder sequence
# visits each node once).
p_no_return() {
	jq -e '[.switches[0].from // empty] + [.switches[].to] | length == (unique | length)' "$1" >/dev/null ||
		fail "$2: a node answered again after a takeover: $(p_switches "$1")"
}
p_last() { jq -r '.last_answer.node // "none"' "$1"; }

# CPU (utime + stime, clock ticks) of each node's vipd: "n1:T n2:T ...".
vipd_ticks() {
	local n p
	for n in "$@"; do
		p=$(bed_vipd_pid "$n")
		printf '%s:%s ' "$n" "$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$p/stat" 2>/dev/null || echo 0)"
	done
}
# vipd_cpu_max BEFORE AFTER WALL_NS : the highest share (percent of one core) any vipd used
# between two vipd_ticks readings taken WALL_NS apart, as "NODE PERCENT".
vipd_cpu_max() {
	local hz
	hz=$(getconf CLK_TCK)
	awk -v a="$1" -v b="$2" -v ns="$3" -v hz="$hz" 'BEGIN {
		n = split(a, x, " "); split(b, y, " ")
		for (i = 1; i <= n; i++) {
			split(x[i], p, ":"); split(y[i], q, ":")
			pct = 100 * (q[2] - p[2]) / hz / (ns / 1e9)
			if (pct >= best) { best = pct; who = p[1] }
		}
		printf "%s %.0f\n", who, best
	}'
}
