# shellcheck shell=bash
# vipd network-namespace test bed: a bash library sourced by net tests, benchmarks and the demo.
#
#   . "$BED_SRC/bed.sh"        # (set -eu friendly)
#   bed_init 3                 # namespaces ${P}br (bridge), ${P}n1..n3 (servers), ${P}c (client)
#   bed_corosync_start 300     # corosync on every node, waits until all are quorate
#   bed_exec n1 ip -br addr    # run inside node n1 (its netns + its private /run)
#   ...                        # bed_cleanup runs by itself on EXIT, INT, TERM
#
# Layout: a bridge br0 in ${P}br; one veth per node, bridge side named after the node (n1, c),
# node side "eth0" in the node's namespace. Servers are 192.0.2.<i>/24 and 2001:db8:2::<i>/64,
# the client is 192.0.2.200 and 2001:db8:2::200; VIPs are taken from the same subnets
# (192.0.2.100, 2001:db8:2::100). Every namespace also has a "holder" process (sleep) that
# owns a private mount namespace with a tmpfs on /run (and /run/vipd); bed_exec enters it with
# nsenter, so corosync, vipd, vipctl and corosync-* tools of a node all see that node's /run.
# libqb IPC uses abstract Unix sockets, which are per network namespace.
#
# Environment (all optional):
#   BED_BUILD_ROOT  meson build root (default: $MESON_BUILD_ROOT, else ./build)
#   VIPD            vipd binary   (default $BED_BUILD_ROOT/src/daemon/vipd)
#   BED_PROBE       probe binary  (default $BED_BUILD_ROOT/tests/net/bed/probe)
#   BED_RESPONDER   responder     (default $BED_BUILD_ROOT/tests/net/bed/responder)
#   BED_NETEM       netem relay   (default $BED_BUILD_ROOT/tests/net/bed/netem; bed_netem without sch_netem)
#   VIPCTL          vipctl        (default $BED_BUILD_ROOT/src/cli/vipctl)
#   BED_KEEP=1      keep the run directory (logs, configs) even on success; it is always
#                   kept on failure and its path is printed.
#   BED_VERBOSE=1   trace bed actions to stderr.
#   BED_ROOT        run the nodes' corosync, corosync tools, vipd and vipctl chrooted in this
#                   root (an installed Debian, tests/pkg): each node's mount namespace gets
#                   its own tmpfs on ROOT/run, /proc, /dev, /sys and the run dir at its own
#                   path; VIPD and VIPCTL are then paths inside the root.
#   BED_VIPD_CMD    vipd's whole command line (words), instead of "$VIPD -f -c CONF"; e.g.
#                   the unit's ExecStart behind setpriv (tests/pkg).
#   BED_PROBE_RT=N  run the client probe at SCHED_FIFO priority N: the nodes' real-time
#                   daemons (corosync, vipd) share this machine's CPUs with it, and a probe
#                   that is not scheduled sends nothing, so a hand-over inside its stall
#                   shows as no outage (bench/run.sh sets 50).
#   BED_TRANSPORT   corosync transport (default knet; udpu also works).
#   BED_IPC         corosync's qb_ipc_type (default native: shared-memory rings; or socket).
#   BED_COROSYNC_UID  a uid (and gid) corosync lets in besides root, for a vipd run unprivileged.
#   BED_HOST_WIDE=1 this bed changes something of the whole host (the wall clock): bed_init
#                   waits until no other bed runs on the host and keeps others out until its
#                   end (an flock on /run/lock/vipd-bed.lock, which every other bed shares).
#
# Cleanup: bed_init sets traps on EXIT, INT and TERM; a test must not replace them (define a
# function bed_on_cleanup instead: bed_cleanup calls it first).
#
# Globals after bed_init: BED_P (prefix), BED_N, BED_DIR (run dir), BED_NODES ("n1 n2 n3").

BED_BUILD_ROOT=${BED_BUILD_ROOT:-${MESON_BUILD_ROOT:-$PWD/build}}
VIPD=${VIPD:-$BED_BUILD_ROOT/src/daemon/vipd}
BED_PROBE=${BED_PROBE:-$BED_BUILD_ROOT/tests/net/bed/probe}
BED_RESPONDER=${BED_RESPONDER:-$BED_BUILD_ROOT/tests/net/bed/responder}
BED_NETEM=${BED_NETEM:-$BED_BUILD_ROOT/tests/net/bed/netem}
VIPCTL=${VIPCTL:-$BED_BUILD_ROOT/src/cli/vipctl}
# absolute paths: commands run inside a node with nsenter --wd="$PWD", but be safe anyway
[ -n "${BED_ROOT:-}" ] || VIPD=$(realpath -m -- "$VIPD")
[ -n "${BED_ROOT:-}" ] || VIPCTL=$(realpath -m -- "$VIPCTL")
BED_PROBE=$(realpath -m -- "$BED_PROBE")
BED_RESPONDER=$(realpath -m -- "$BED_RESPONDER")
BED_NETEM=$(realpath -m -- "$BED_NETEM")

BED_P=
BED_N=0
BED_DIR=
BED_NODES=
BED_CLEANED=0
BED_START_NS=0
declare -A BED_HOLDER=()   # node -> pid:starttime
declare -A BED_COROSYNC=() # node -> pid:starttime
declare -A BED_VIPD=()     # node -> pid:starttime
# shellcheck disable=SC2034 # globals for the tests
declare -A BED_RESPONDER_PID=() # node -> pid of its responder
declare -A BED_NETEM_RELAY=()   # node -> pid:starttime of the netem program on its link
BED_NETEM_HOW=
BED_OTHER=()               # pid:starttime of responders, probes, ...
BED_SHM_PIDS=()            # pids whose /dev/shm/qb-*-<pid>-* files are removed at cleanup

bed_log() { printf 'bed: %s\n' "$*" >&2; }
bed_trace() { [ "${BED_VERBOSE:-0}" = 1 ] && printf 'bed+ %s\n' "$*" >&2; return 0; }
bed_die() { printf 'bed: FATAL: %s\n' "$*" >&2; exit 1; }

# Milliseconds since bed_init (or since the epoch before it).
bed_now_ms() {
	local ns
	ns=$(date +%s%N)
	echo $(( (ns - BED_START_NS) / 1000000 ))
}

# bed_uptime_ms : the machine's uptime in ms (10 ms steps), a clock that a step of the wall
# clock does not move (cluster-clock steps it).
bed_uptime_ms() { local up _; read -r up _ </proc/uptime; echo $(( ${up%.*} * 1000 + 10#${up#*.} * 10 )); }

# wait_until DEADLINE_S cmd... : poll cmd (every 20 ms) until it succeeds; 1 on timeout.
# DEADLINE_S may be fractional ("0.5").
wait_until() {
	local deadline_s=$1; shift
	local ms end now
	ms=$(awk -v s="$deadline_s" 'BEGIN { printf "%d", s * 1000 }')
	end=$(( $(bed_uptime_ms) + ms ))
	while :; do
		if "$@" >/dev/null 2>&1; then return 0; fi
		now=$(bed_uptime_ms)
		if [ "$now" -ge "$end" ]; then
			bed_log "wait_until: timed out after ${deadline_s}s: $*"
			return 1
		fi
		sleep 0.02
	done
}

# --- process bookkeeping (only ever signal our own pids) ---------------------------------------

_bed_starttime() { awk '{ sub(/^.*\) /, ""); print $20 }' "/proc/$1/stat" 2>/dev/null; }

_bed_tag() { # pid -> pid:starttime
	local st
	st=$(_bed_starttime "$1") || st=
	echo "$1:${st:-0}"
}

# _bed_alive pid:starttime : the process still exists, is not a zombie and is the same one.
_bed_alive() {
	local pid=${1%%:*} st=${1#*:} line state
	[ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
	line=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
	line=${line##*) }
	state=${line%% *}
	[ "$state" != Z ] || { wait "$pid" 2>/dev/null || true; return 1; }
	[ "$(_bed_starttime "$pid")" = "$st" ]
}

_bed_signal() { # tag sig
	_bed_alive "$1" || return 0
	kill -s "$2" "${1%%:*}" 2>/dev/null || true
}

_bed_reap() { wait "${1%%:*}" 2>/dev/null || true; }

# _bed_stop_tags DEADLINE_S tag... : TERM all (in parallel), wait, then KILL the rest.
_bed_stop_tags() {
	local d=$1 t; shift
	[ $# -gt 0 ] || return 0
	for t in "$@"; do _bed_signal "$t" TERM; done
	_bed_none_alive() { local x; for x in "$@"; do _bed_alive "$x" && return 1; done; return 0; }
	if ! wait_until "$d" _bed_none_alive "$@" 2>/dev/null; then
		for t in "$@"; do
			_bed_alive "$t" && bed_log "pid ${t%%:*} ignored TERM, sending KILL"
			_bed_signal "$t" KILL
		done
		wait_until 5 _bed_none_alive "$@" || true
	fi
	for t in "$@"; do _bed_reap "$t"; done
}

_bed_rm_shm() { # pid
	local f
	for f in /dev/shm/qb-*-"$1"-*; do
		[ -e "$f" ] && rm -rf -- "$f"
	done
	return 0
}

# --- names -----------------------------------------------------------------------------------

bed_ns() { echo "${BED_P}$1"; }             # node (n1, c, br) -> namespace name
bed_addr4() { case $1 in c) echo 192.0.2.200 ;; n*) echo "192.0.2.${1#n}" ;; esac; }
bed_addr6() { case $1 in c) echo 2001:db8:2::200 ;; n*) echo "2001:db8:2::${1#n}" ;; esac; }
bed_node_dir() { echo "$BED_DIR/$1"; }
_bed_check_node() {
	case $1 in
	c) return 0 ;;
	n[0-9]*) [ "${1#n}" -ge 1 ] && [ "${1#n}" -le "$BED_N" ] && return 0 ;;
	esac
	bed_die "unknown node '$1'"
}

# --- set-up ----------------------------------------------------------------------------------

# bed_init N : build the bed and register cleanup on EXIT/INT/TERM.
bed_init() {
	local n=${1:?bed_init N}
	local i node ns
	[ "$(id -u)" = 0 ] || bed_die "must run as root"
	[ "$n" -ge 1 ] && [ "$n" -le 99 ] || bed_die "N must be 1..99"
	_bed_host_lock
	BED_START_NS=$(date +%s%N)
	BED_N=$n
	BED_P=vb$(( $$ % 100000 ))
	# refuse if names with our prefix are in use (a previous run with the same pid, or a leak)
	if ip netns list | awk '{print $1}' | grep -q "^${BED_P}"; then
		bed_die "namespaces with prefix $BED_P already exist: $(ip netns list | grep "^${BED_P}" | tr '\n' ' ')"
	fi
	BED_DIR=$(mktemp -d "${TMPDIR:-/tmp}/vipd-bed.$BED_P.XXXXXX")
	chmod 755 "$BED_DIR"
	trap bed_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	BED_NODES=
	for i in $(seq 1 "$n"); do BED_NODES="$BED_NODES n$i"; done
	BED_NODES=${BED_NODES# }

	ns=$(bed_ns br)
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	ip -n "$ns" link add br0 type bridge
	ip -n "$ns" link set br0 up
	for node in $BED_NODES c; do
		_bed_add_node "$node"
	done
	for node in $BED_NODES c; do
		_bed_holder_start "$node"
	done
	bed_log "bed $BED_P up: $BED_N servers + client, run dir $BED_DIR ($(bed_now_ms) ms)"
}

# Beds share the host; one that changes the host itself (BED_HOST_WIDE=1) runs alone. The lock
# is held by bed_init's shell (and its children) until it exits.
_bed_host_lock() {
	local how=-s what=shared
	[ "${BED_HOST_WIDE:-0}" != 1 ] || { how=-x; what=exclusive; }
	mkdir -p /run/lock
	exec {BED_LOCK_FD}>>/run/lock/vipd-bed.lock
	flock "$how" -n "$BED_LOCK_FD" && return 0
	bed_log "waiting for the $what host lock /run/lock/vipd-bed.lock (another bed runs on this host)"
	flock "$how" -w 300 "$BED_LOCK_FD" ||
		bed_die "no $what lock on /run/lock/vipd-bed.lock after 300 s: see who holds it with 'fuser -v /run/lock/vipd-bed.lock'"
}

_bed_add_node() {
	local node=$1 ns br
	ns=$(bed_ns "$node")
	br=$(bed_ns br)
	mkdir -p "$BED_DIR/$node"
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	# veth created with its peer directly in the node namespace
	ip -n "$br" link add "$node" type veth peer name eth0 netns "$ns"
	ip -n "$br" link set "$node" master br0 up
	ip -n "$ns" addr add "$(bed_addr4 "$node")/24" dev eth0
	ip -n "$ns" addr add "$(bed_addr6 "$node")/64" dev eth0 nodad
	ip -n "$ns" link set eth0 up
}

_bed_holder_start() {
	local node=$1 ns pid
	ns=$(bed_ns "$node")
	# ip netns exec gives a private mount ns (with /sys for the netns); unshare makes one
	# we can re-enter via the holder's pid; the tmpfs on /run is private to the node.
	# With BED_ROOT the root gets the same, and sees the run dir at its own path.
	ip netns exec "$ns" unshare --mount --propagation private \
		sh -c 'mount -t tmpfs -o mode=755 tmpfs /run && mkdir -p /run/vipd || exit 1
		r=$1; d=$2
		if [ -n "$r" ]; then
			mount -t tmpfs -o mode=755 tmpfs "$r/run" && mount -t proc proc "$r/proc" &&
			mount --rbind /dev "$r/dev" && mount --rbind /sys "$r/sys" &&
			mkdir -p "$r$d" && mount --bind "$d" "$r$d" || exit 1
		fi
		exec sleep infinity' sh "${BED_ROOT:-}" "$BED_DIR" \
		</dev/null >/dev/null 2>"$BED_DIR/$node/holder.err" &
	pid=$!
	BED_HOLDER[$node]=$(_bed_tag "$pid")
	_bed_holder_ready() {
		[ "$(readlink "/proc/$1/exe" 2>/dev/null)" = "$(readlink -f "$(command -v sleep)")" ]
	}
	wait_until 5 _bed_holder_ready "$pid" || bed_die "holder for $node did not come up: $(cat "$BED_DIR/$node/holder.err")"
	BED_HOLDER[$node]=$(_bed_tag "$pid")
	bed_trace "holder $node pid $pid"
}

_bed_holder_pid() {
	local t=${BED_HOLDER[$1]:-}
	[ -n "$t" ] || bed_die "node $1 has no holder"
	echo "${t%%:*}"
}

# bed_exec NODE cmd... : run cmd in NODE's network namespace and private /run (foreground).
# NODE is n1..nN or c. To start something in the background use bed_spawn (a backgrounded
# shell function would give the pid of a subshell, not of the command).
bed_exec() {
	local node=$1 pid; shift
	_bed_check_node "$node"
	pid=$(_bed_holder_pid "$node")
	nsenter -t "$pid" -m -n --wd="$PWD" -- "$@"
}

# bed_rexec NODE cmd... : bed_exec, chrooted in BED_ROOT if set (corosync, vipd, vipctl).
bed_rexec() { local node=$1; shift; bed_exec "$node" ${BED_ROOT:+chroot "$BED_ROOT"} "$@"; }

# _bed_bg NODE LOGFILE cmd... : start cmd in NODE in the background, its pid in BED_LAST_PID
# (nsenter without -p execs the command, so the pid is the command's own).
_bed_bg() {
	local node=$1 log=$2 hpid; shift 2
	_bed_check_node "$node"
	hpid=$(_bed_holder_pid "$node")
	nsenter -t "$hpid" -m -n --wd="$PWD" -- "$@" </dev/null >>"$log" 2>&1 &
	BED_LAST_PID=$!
}

# bed_spawn NODE LOGFILE cmd... : start cmd in NODE in the background, tracked for cleanup
# (killed by pid in bed_cleanup); sets BED_LAST_PID.
bed_spawn() {
	_bed_bg "$@"
	BED_OTHER+=("$(_bed_tag "$BED_LAST_PID")")
}

# --- corosync --------------------------------------------------------------------------------

# bed_corosync_conf NODE TOKEN_MS : write NODE's corosync.conf, print its path.
bed_corosync_conf() {
	local node=$1 token=$2 d f i retr=
	d=$BED_DIR/$node
	f=$d/corosync.conf
	mkdir -p "$d/state"
	# corosync refuses a token retransmit timeout, token / (retransmits + 0.2), under 30 ms:
	# token 100 needs token_retransmits_before_loss_const <= 2, token 50 needs 1
	# TOKEN "stock": corosync's own timing (token 3000 ms + 650 ms a node past two)
	local tok="	token: $token
	token_coefficient: 0"
	if [ "$token" = stock ]; then tok=
	elif [ "$token" -lt 80 ]; then retr="	token_retransmits_before_loss_const: 1"
	elif [ "$token" -lt 200 ]; then retr="	token_retransmits_before_loss_const: 2"; fi
	# BED_JOIN: corosync's join timeout (ms; default 50, at least 30), part of every
	# membership change's stall
	[ -n "${BED_JOIN:-}" ] && retr="$retr
	join: $BED_JOIN"
	# BED_SEQNO_UNCHANGED: rotations without a new message before the ring's representative
	# holds the token (corosync's default 30); while it spins, every node works on it
	[ -n "${BED_SEQNO_UNCHANGED:-}" ] && retr="$retr
	seqno_unchanged_const: $BED_SEQNO_UNCHANGED"
	# BED_IPC: corosync's IPC to its clients (qb_ipc_type: native = shared-memory rings, or
	# socket)
	local ipc=
	[ -n "${BED_IPC:-}" ] && ipc="	qb_ipc_type: $BED_IPC"
	# BED_COROSYNC_UID: a uid (and gid of the same number) corosync lets in besides root,
	# as /etc/corosync/uidgid.d/vipd does for the vipd user
	local uidgid=
	[ -n "${BED_COROSYNC_UID:-}" ] &&
		uidgid="uidgid {
	uid: $BED_COROSYNC_UID
	gid: $BED_COROSYNC_UID
}"
	local iface="	interface {
		linknumber: 0
		knet_ping_interval: 200
		knet_ping_timeout: 1000
	}"
	[ "${BED_TRANSPORT:-knet}" = knet ] || iface=
	{
		cat <<-EOF
		totem {
			version: 2
			cluster_name: $BED_P
			transport: ${BED_TRANSPORT:-knet}
		$tok
		$retr
		$iface
			crypto_cipher: none
			crypto_hash: none
		}
		nodelist {
		EOF
		for i in $(seq 1 "$BED_N"); do
			printf '\tnode {\n\t\tring0_addr: %s\n\t\tname: n%d\n\t\tnodeid: %d\n\t}\n' \
				"$(bed_addr4 "n$i")" "$i" "$i"
		done
		cat <<-EOF
		}
		quorum {
			provider: corosync_votequorum
		}
		logging {
			to_stderr: yes
			to_logfile: yes
			logfile: $d/corosync.log
			to_syslog: no
			timestamp: hires
		}
		system {
			state_dir: $d/state
		$ipc
		}
		$uidgid
		EOF
	} >"$f"
	echo "$f"
}

# bed_corosync_start [TOKEN_MS] [NODES...] : start corosync on the nodes (default all) and
# wait (deadline BED_QUORUM_DEADLINE_S, default 20 s) until every started node is quorate and
# sees all of them. Sets BED_QUORATE_MS (time from start to all quorate).
bed_corosync_start() {
	local token=${1:-300}; shift || true
	local nodes=${*:-$BED_NODES} node conf pid t0
	# shellcheck disable=SC2034 # for the tests
	BED_TOKEN_MS=$token
	t0=$(date +%s%N)
	for node in $nodes; do
		_bed_check_node "$node"
		_bed_alive "${BED_COROSYNC[$node]:-}" && bed_die "corosync already runs on $node"
		conf=$(bed_corosync_conf "$node" "$token")
		# corosync reads uidgid.d next to its corosync.conf: in a root, use /etc/corosync
		if [ -n "${BED_ROOT:-}" ]; then
			bed_exec "$node" mount --bind "$conf" "$BED_ROOT/etc/corosync/corosync.conf"
			conf=/etc/corosync/corosync.conf
		fi
		_bed_bg "$node" "$BED_DIR/$node/corosync.out" ${BED_ROOT:+chroot "$BED_ROOT"} \
			corosync -f -c "$conf"
		pid=$BED_LAST_PID
		BED_COROSYNC[$node]=$(_bed_tag "$pid")
		BED_SHM_PIDS+=("$pid")
		bed_trace "corosync $node pid $pid"
	done
	local nwant
	nwant=$(echo "$nodes" | wc -w)
	_bed_all_quorate() {
		local n
		for n in $nodes; do
			_bed_alive "${BED_COROSYNC[$n]}" || return 1
			bed_quorate "$n" "$nwant" || return 1
		done
	}
	if ! wait_until "${BED_QUORUM_DEADLINE_S:-20}" _bed_all_quorate; then
		for node in $nodes; do
			_bed_alive "${BED_COROSYNC[$node]}" || bed_log "corosync on $node died: $(tail -n 5 "$BED_DIR/$node/corosync.out")"
			bed_rexec "$node" corosync-quorumtool -s >&2 || true
		done
		bed_die "corosync did not become quorate on: $nodes"
	fi
	BED_QUORATE_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
	bed_log "corosync (token ${token} ms) quorate on $nodes after $BED_QUORATE_MS ms"
}

# bed_quorate NODE [MIN_MEMBERS] : NODE's corosync reports quorate (and >= MIN_MEMBERS members).
bed_quorate() {
	local node=$1 min=${2:-0} out members
	out=$(bed_rexec "$node" corosync-quorumtool -s -p 2>/dev/null) || return 1
	members=$(printf '%s\n' "$out" | awk '/^Total votes:/ { print $3 }')
	[ "${members:-0}" -ge "$min" ]
}

# bed_corosync_members NODE : print the member count NODE's corosync sees (votes).
bed_corosync_members() {
	bed_rexec "$1" corosync-quorumtool -s -p 2>/dev/null | awk '/^Total votes:/ { print $3 }'
}

# bed_wait_members DEADLINE_S COUNT NODES... : wait until each of NODES sees COUNT members.
bed_wait_members() {
	local d=$1 count=$2; shift 2
	_bed_members_are() {
		local c=$1 n; shift
		for n in "$@"; do [ "$(bed_corosync_members "$n")" = "$c" ] || return 1; done
	}
	wait_until "$d" _bed_members_are "$count" "$@"
}

# bed_corosync_kill NODE SIG : signal NODE's corosync; for KILL waits for it to die and removes
# its /dev/shm leftovers; for TERM/INT waits (up to 10 s) for it to exit.
bed_corosync_kill() {
	local node=$1 sig=${2:-TERM} t
	t=${BED_COROSYNC[$node]:-}
	[ -n "$t" ] || bed_die "no corosync on $node"
	_bed_signal "$t" "$sig"
	case $sig in
	KILL|9|SIGKILL|TERM|15|SIGTERM|INT|2|SIGINT)
		wait_until 10 _bed_dead "$t" || bed_die "corosync on $node did not exit on $sig"
		_bed_reap "$t"
		_bed_rm_shm "${t%%:*}"
		;;
	esac
}
_bed_dead() { ! _bed_alive "$1"; }

# bed_corosync_stop NODE : graceful stop (TERM, waits).
bed_corosync_stop() { bed_corosync_kill "$1" TERM; }

# bed_corosync_pid NODE
bed_corosync_pid() { local t=${BED_COROSYNC[$1]:-}; echo "${t%%:*}"; }

# --- vipd ------------------------------------------------------------------------------------

# bed_vipd_conf NODE "vip blocks..." : write NODE's vipd.conf, print its path.
# BED_LEASE (default 150ms), BED_VIPD_GROUP (default vipd), BED_VIPD_SOCKET override defaults.
# Direct hand-offs are on (one key for the bed, node addresses in the cluster block) unless
# BED_HANDOFF=0.
bed_vipd_conf() {
	local node=$1 vips=${2:-} f i key=$BED_DIR/handoff.key
	_bed_check_node "$node"
	f=$BED_DIR/$node/vipd.conf
	if [ "${BED_HANDOFF:-1}" = 1 ] && [ ! -s "$key" ]; then
		(umask 077; head -c 32 /dev/urandom >"$key")
	fi
	{
		echo "node-name $node"
		echo "group ${BED_VIPD_GROUP:-vipd}"
		echo "socket ${BED_VIPD_SOCKET:-/run/vipd/vipd.sock}"
		echo "lease ${BED_LEASE:-150ms}"
		[ "${BED_HANDOFF:-1}" = 1 ] && echo "handoff-key $key"
		echo "cluster {"
		for i in $(seq 1 "$BED_N"); do
			if [ "${BED_HANDOFF:-1}" = 1 ]; then
				echo "	node n$i id $i address $(bed_addr4 "n$i")"
			else
				echo "	node n$i id $i"
			fi
		done
		echo "}"
		[ -z "$vips" ] || printf '%s\n' "$vips"
	} >"$f"
	echo "$f"
}

# bed_vipd_start NODE [CONF] [extra vipd args...] : start vipd -f -c CONF in NODE (log
# $BED_DIR/NODE/vipd.log); waits until its control socket exists (BED_VIPD_WAIT_S, default 10;
# 0 = don't wait).
bed_vipd_start() {
	local node=$1 conf=${2:-$BED_DIR/$1/vipd.conf} pid sock cmd; shift; [ $# -gt 0 ] && shift
	_bed_check_node "$node"
	_bed_alive "${BED_VIPD[$node]:-}" && bed_die "vipd already runs on $node"
	bed_rexec "$node" test -x "$VIPD" || bed_die "vipd binary not found: $VIPD"
	bed_rexec "$node" test -r "$conf" || bed_die "no config $conf"
	cmd=("$VIPD" -f -c "$conf" "$@")
	[ -z "${BED_VIPD_CMD:-}" ] || read -ra cmd <<<"$BED_VIPD_CMD"
	printf -- '--- %s ms: start\n' "$(bed_now_ms)" >>"$BED_DIR/$node/vipd.log"
	_bed_bg "$node" "$BED_DIR/$node/vipd.log" ${BED_ROOT:+chroot "$BED_ROOT"} "${cmd[@]}"
	pid=$BED_LAST_PID
	BED_VIPD[$node]=$(_bed_tag "$pid")
	BED_SHM_PIDS+=("$pid")
	bed_trace "vipd $node pid $pid"
	if [ "${BED_VIPD_WAIT_S:-10}" != 0 ]; then
		sock=$(bed_rexec "$node" cat "$conf" | awk '$1 == "socket" { print $2 }')
		sock=${sock:-/run/vipd/vipd.sock}
		_bed_vipd_up() { _bed_alive "$1" && bed_rexec "$2" test -S "$3"; }
		if ! wait_until "${BED_VIPD_WAIT_S:-10}" _bed_vipd_up "${BED_VIPD[$node]}" "$node" "$sock"; then
			bed_log "vipd on $node: $(tail -n 20 "$BED_DIR/$node/vipd.log")"
			bed_die "vipd on $node did not create $sock"
		fi
	fi
}

bed_vipd_pid() { local t=${BED_VIPD[$1]:-}; echo "${t%%:*}"; }

# bed_vipd_kill NODE SIG : send SIG; for KILL wait for death and remove its /dev/shm leftovers.
bed_vipd_kill() {
	local node=$1 sig=$2 t
	t=${BED_VIPD[$node]:-}
	[ -n "$t" ] || bed_die "no vipd on $node"
	_bed_signal "$t" "$sig"
	case $sig in
	KILL|9|SIGKILL)
		wait_until 5 _bed_dead "$t" || bed_die "vipd on $node survived KILL"
		_bed_reap "$t"
		_bed_rm_shm "${t%%:*}"
		;;
	esac
}

# bed_vipd_stop NODE [DEADLINE_S] : TERM, wait (default 10 s), then KILL. Returns vipd's exit
# status in BED_VIPD_STATUS (empty if it had to be killed).
bed_vipd_stop() {
	local node=$1 d=${2:-10} t
	t=${BED_VIPD[$node]:-}
	[ -n "$t" ] || return 0
	BED_VIPD_STATUS=
	_bed_signal "$t" TERM
	if wait_until "$d" _bed_dead "$t"; then
		wait "${t%%:*}" 2>/dev/null && BED_VIPD_STATUS=0 || BED_VIPD_STATUS=$?
	else
		bed_log "vipd on $node ignored TERM for ${d}s, killing"
		_bed_signal "$t" KILL
		wait_until 5 _bed_dead "$t" || true
		_bed_reap "$t"
	fi
	_bed_rm_shm "${t%%:*}"
	printf -- '--- %s ms: stopped (status %s)\n' "$(bed_now_ms)" "${BED_VIPD_STATUS:-killed}" >>"$BED_DIR/$node/vipd.log"
}

# bed_vipctl NODE args... : run vipctl inside NODE.
bed_vipctl() { local node=$1; shift; bed_rexec "$node" "$VIPCTL" "$@"; }

# --- responders and probe ---------------------------------------------------------------------

# bed_responder_start NODE [PORT] : UDP responder answering "<node> <payload>" (default 7777).
bed_responder_start() {
	local node=$1 port=${2:-7777}
	[ -x "$BED_RESPONDER" ] || bed_die "responder not found: $BED_RESPONDER"
	bed_spawn "$node" "$BED_DIR/$node/responder.log" "$BED_RESPONDER" --name "$node" --port "$port"
	# shellcheck disable=SC2034
	BED_RESPONDER_PID[$node]=$BED_LAST_PID
}

# bed_responders_start [PORT] : a responder on every server node; waits until all listen.
bed_responders_start() {
	local node port=${1:-7777}
	for node in $BED_NODES; do bed_responder_start "$node" "$port"; done
	_bed_listening() { bed_exec "$1" ss -Hlun "sport = :$2" | grep -q .; }
	for node in $BED_NODES; do
		wait_until 5 _bed_listening "$node" "$port" || bed_die "responder on $node not listening"
	done
}

# bed_probe_run OUT_JSON probe-args... : run the probe in the client namespace (foreground).
bed_probe_run() {
	local out=$1; shift
	[ -x "$BED_PROBE" ] || bed_die "probe not found: $BED_PROBE"
	bed_exec c ${BED_PROBE_RT:+chrt -f "$BED_PROBE_RT"} "$BED_PROBE" --out "$out" "$@"
}

# bed_probe_start NAME probe-args... : start a probe in the client namespace in the background
# running until bed_probe_stop NAME; its JSON summary goes to $BED_DIR/c/NAME.json. Waits until
# the probe has sent its first datagram.
declare -A BED_PROBE_PID=()
bed_probe_start() {
	local name=$1 d; shift
	[ -x "$BED_PROBE" ] || bed_die "probe not found: $BED_PROBE"
	d=$BED_DIR/c
	rm -f "$d/$name.json" "$d/$name.stop" "$d/$name.ready"
	bed_spawn c "$d/$name.log" ${BED_PROBE_RT:+chrt -f "$BED_PROBE_RT"} "$BED_PROBE" \
		--out "$d/$name.json" --stop-file "$d/$name.stop" --ready-file "$d/$name.ready" "$@"
	BED_PROBE_PID[$name]=$BED_LAST_PID
	wait_until 5 test -e "$d/$name.ready" || bed_die "probe $name did not start: $(cat "$d/$name.log")"
}

# bed_probe_stop NAME : stop the probe, wait for its summary, print the summary file's path.
bed_probe_stop() {
	local name=$1 d=$BED_DIR/c pid
	pid=${BED_PROBE_PID[$name]:?no probe $name}
	touch "$d/$name.stop"
	wait_until 10 test -s "$d/$name.json" || { kill -TERM "$pid" 2>/dev/null || true; wait_until 5 test -s "$d/$name.json" || bed_die "probe $name wrote no summary"; }
	wait "$pid" 2>/dev/null || true
	echo "$d/$name.json"
}

# --- network faults ---------------------------------------------------------------------------

# bed_link_down NODE / bed_link_up NODE : take NODE's port on the bridge down/up (the node's
# eth0 loses carrier; its addresses stay).
bed_link_down() { _bed_check_node "$1"; ip -n "$(bed_ns br)" link set "$1" down; }
bed_link_up() {
	_bed_check_node "$1"
	ip -n "$(bed_ns br)" link set "$1" up
	# a port coming up forwards again; under the netem program only its relay may
	[ -z "${BED_NETEM_RELAY[$1]:-}" ] || ip netns exec "$(bed_ns br)" bridge link set dev "$1" state 0
}

# bed_netem NODE [DELAY_MS JITTER_MS LOSS_PCT] : loss, delay and jitter both ways on NODE's
# link (default 50 50 30: "netem delay 50ms 50ms loss 30%"), until bed_netem_off NODE. Uses tc
# netem on both ends where the kernel has sch_netem; else the bed's netem program, which relays
# NODE's port to a new bridge port NODEp (the port itself is disabled in the bridge, so frames
# take the relay only). Sets BED_NETEM_HOW to the one it used: "tc" or "relay" (call it in the
# shell itself, not in a $(...): bed_netem_off needs what it records).
bed_netem() {
	local node=$1 delay=${2:-50} jitter=${3:-50} loss=${4:-30} br
	_bed_check_node "$node"
	br=$(bed_ns br)
	if ip netns exec "$br" tc qdisc add dev "$node" root netem delay "${delay}ms" "${jitter}ms" loss "$loss%" 2>/dev/null; then
		ip netns exec "$(bed_ns "$node")" tc qdisc add dev eth0 root netem delay "${delay}ms" "${jitter}ms" loss "$loss%"
		BED_NETEM_HOW=tc
		return 0
	fi
	[ -x "$BED_NETEM" ] || bed_die "netem program not found: $BED_NETEM (and no sch_netem in this kernel)"
	[ -z "${BED_NETEM_RELAY[$node]:-}" ] || bed_die "bed_netem $node: already on"
	# the pair stays until the bed goes: deleting a device holds the kernel's RTNL lock for long
	# enough to delay every vipd's address refresh on the host
	ip -n "$br" link show "${node}q" >/dev/null 2>&1 ||
		ip -n "$br" link add "${node}q" type veth peer name "${node}p"
	ip -n "$br" link set "${node}p" master br0 up
	ip -n "$br" link set "${node}q" up
	rm -f "$BED_DIR/netem-$node.ready"
	ip netns exec "$br" "$BED_NETEM" --a "$node" --b "${node}q" --delay-ms "$delay" --jitter-ms "$jitter" \
		--loss-pct "$loss" --seed "$RANDOM" --ready-file "$BED_DIR/netem-$node.ready" \
		</dev/null >>"$BED_DIR/netem-$node.log" 2>&1 &
	BED_NETEM_RELAY[$node]=$(_bed_tag $!)
	BED_OTHER+=("${BED_NETEM_RELAY[$node]}")
	wait_until 5 test -e "$BED_DIR/netem-$node.ready" || bed_die "netem on $node did not start: $(cat "$BED_DIR/netem-$node.log")"
	# a port that is down cannot change state; bed_link_up disables it when it comes up
	ip netns exec "$br" bridge link set dev "$node" state 0 2>/dev/null || true
	BED_NETEM_HOW=relay
}
bed_netem_off() {
	local node=$1 br t
	br=$(bed_ns br)
	ip netns exec "$br" tc qdisc del dev "$node" root 2>/dev/null || true
	ip netns exec "$(bed_ns "$node")" tc qdisc del dev eth0 root 2>/dev/null || true
	t=${BED_NETEM_RELAY[$node]:-}
	[ -n "$t" ] || return 0
	ip -n "$br" link set "${node}p" down # forgets the addresses learnt on it
	_bed_stop_tags 2 "$t"
	unset "BED_NETEM_RELAY[$node]"
	ip netns exec "$br" bridge link set dev "$node" state 3 2>/dev/null || true
}

# bed_port_set NODE... : the nftables set of the nodes' bridge ports, for iifname/oifname; it
# names NODEp too, the node's port while bed_netem relays its link.
bed_port_set() {
	local n set=
	for n in "$@"; do _bed_check_node "$n"; set="$set\"$n\", \"${n}p\", "; done
	echo "{ ${set%, } }"
}

# bed_partition "n1" "n2 n3" ["n4"...] : drop all bridged traffic between the groups (nftables in
# the bridge namespace). Nodes not named (the client) still reach everybody. Cumulative until
# bed_heal.
bed_partition() {
	local br i j set_a set_b
	br=$(bed_ns br)
	[ $# -ge 2 ] || bed_die "bed_partition needs >= 2 groups"
	if ! ip netns exec "$br" nft list table bridge bed >/dev/null 2>&1; then
		ip netns exec "$br" nft -f - <<-EOF
		table bridge bed {
			chain forward {
				type filter hook forward priority 0; policy accept;
			}
		}
		EOF
	fi
	local groups=("$@")
	for ((i = 0; i < ${#groups[@]}; i++)); do
		for ((j = 0; j < ${#groups[@]}; j++)); do
			[ "$i" != "$j" ] || continue
			set_a=$(bed_port_set ${groups[i]}) && set_b=$(bed_port_set ${groups[j]}) ||
				bed_die "bed_partition: $*"
			ip netns exec "$br" nft add rule bridge bed forward iifname "$set_a" oifname "$set_b" drop
		done
	done
	bed_trace "partition: $*"
}

# bed_heal : remove all partitions.
bed_heal() {
	local br
	br=$(bed_ns br)
	ip netns exec "$br" nft delete table bridge bed 2>/dev/null || true
}

# bed_addr_move ADDR/PFX FROM TO : move an address by hand (del on FROM, add on TO) and point
# the client's neighbour entry at TO (what a gratuitous ARP/NA would do). FROM or TO may be "-".
bed_addr_move() {
	local addr=$1 from=$2 to=$3 mac ip=${1%/*}
	[ "$from" = - ] || ip -n "$(bed_ns "$from")" addr del "$addr" dev eth0
	if [ "$to" != - ]; then
		case $ip in
		*:*) ip -n "$(bed_ns "$to")" addr add "$addr" dev eth0 nodad ;;
		*) ip -n "$(bed_ns "$to")" addr add "$addr" dev eth0 ;;
		esac
		mac=$(ip -n "$(bed_ns "$to")" -j link show dev eth0 | jq -r '.[0].address')
		ip -n "$(bed_ns c)" neigh replace "$ip" lladdr "$mac" dev eth0 nud reachable
	fi
}

# --- cleanup -----------------------------------------------------------------------------------

# bed_cleanup : stop everything the bed started (by pid), remove /dev/shm leftovers and the
# namespaces. Registered on EXIT; safe to call more than once. Calls bed_on_cleanup if defined.
bed_cleanup() {
	local rc=$? node t ns tags=() pid t0
	[ "$BED_CLEANED" = 0 ] || return "$rc"
	t0=$(bed_now_ms)
	BED_CLEANED=1
	trap - EXIT INT TERM
	trap '' INT TERM
	set +e
	if declare -F bed_on_cleanup >/dev/null; then bed_on_cleanup; fi
	# probes, responders, vipds first, then corosyncs (in parallel), then holders
	for t in "${BED_OTHER[@]}" "${BED_VIPD[@]}"; do tags+=("$t"); done
	_bed_stop_tags 5 "${tags[@]}"
	tags=()
	for t in "${BED_COROSYNC[@]}"; do tags+=("$t"); done
	_bed_stop_tags 8 "${tags[@]}"
	tags=()
	for t in "${BED_HOLDER[@]}"; do tags+=("$t"); done
	_bed_stop_tags 3 "${tags[@]}"
	for pid in "${BED_SHM_PIDS[@]}"; do _bed_rm_shm "$pid"; done
	if [ -n "$BED_P" ]; then
		for node in br $BED_NODES c; do
			ns=$(bed_ns "$node")
			[ -e "/run/netns/$ns" ] && ip netns del "$ns"
		done
	fi
	# the run dir's mount point in BED_ROOT (its mounts went with the holders)
	[ -z "${BED_ROOT:-}" ] || [ -z "$BED_DIR" ] || rmdir -- "$BED_ROOT$BED_DIR" 2>/dev/null
	[ -z "$BED_P" ] || bed_log "cleanup of $BED_P took $(( $(bed_now_ms) - t0 )) ms"
	if [ -n "$BED_DIR" ] && [ -d "$BED_DIR" ]; then
		if [ "$rc" = 0 ] && [ "${BED_KEEP:-0}" != 1 ]; then
			rm -rf -- "$BED_DIR"
		else
			bed_log "run directory kept: $BED_DIR (exit status $rc)"
		fi
	fi
	return "$rc"
}
