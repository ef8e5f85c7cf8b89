#!/bin/sh
# SPDX-License-Identifier: MIT
#
# src/net against the real kernel: a server and a client namespace joined
# by a veth pair. actuator-check acts in the server namespace, the client
# namespace (actuator-probe, ip) checks what the network sees: addresses
# and lifetimes, link events, GARP/NA, and the lease gate (answers while
# refreshed, silence after a hang, after release, after kill -9).
# Needs root. Usage: actuator.sh ACTUATOR-CHECK ACTUATOR-PROBE
set -eu

CHECK=$1
PROBE=$2
P=vt$$
S=${P}s         # server namespace
C=${P}c         # client namespace
VS=${P}a        # server end of the veth
VC=${P}b        # client end
V4=203.0.113.50
V6=2001:db8:1::50
MARK=0x00100000
TMP=
PIDS=

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

cleanup() {
	rc=$?
	for pid in $PIDS; do
		kill -9 "$pid" 2>/dev/null || true
	done
	ip netns del "$S" 2>/dev/null || true
	ip netns del "$C" 2>/dev/null || true
	[ -z "$TMP" ] || rm -rf "$TMP"
	exit $rc
}

now_ms() { date +%s%3N; }

# wait_until MS CMD...: polls CMD until it succeeds or MS have passed
wait_until() {
	end=$(($(now_ms) + $1))
	shift
	until "$@"; do
		[ "$(now_ms)" -lt "$end" ] || return 1
		sleep 0.01
	done
}

# background jobs use "ip netns exec" directly: it execs, so $! is the
# program's own pid (a shell function would run in a subshell)
in_s() { ip netns exec "$S" "$@"; }
in_c() { ip netns exec "$C" "$@"; }
has_line() { grep -qx "$2" "$1" 2>/dev/null; }
answers() { in_c "$PROBE" ping "$1" "${2:-100}"; }
silent() { ! answers "$@"; }
is_check() { [ "$(cat /proc/"$1"/comm 2>/dev/null)" = actuator-check ]; }

# valid_lft ADDR: the address's remaining valid lifetime in the server
valid_lft() {
	in_s ip -j addr show dev "$VS" |
		jq -r --arg a "$1" '.[0].addr_info[] | select(.local == $a) |
			.valid_life_time'
}

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
for name in "$S" "$C"; do
	! ip netns list | grep -qw "$name" || fail "netns $name in use"
done
! ip link show "$VS" >/dev/null 2>&1 || fail "link $VS in use"
trap cleanup EXIT INT TERM
TMP=$(mktemp -d)

ip netns add "$S"
ip netns add "$C"
ip link add "$VS" netns "$S" type veth peer name "$VC" netns "$C"
in_s ip link set lo up
in_c ip link set lo up
in_c ip addr add 203.0.113.2/24 dev "$VC"
in_c ip addr add 2001:db8:1::2/64 dev "$VC" nodad
in_s ip link set "$VS" up
in_c ip link set "$VC" up
link_up() { [ "$(in_s "$CHECK" link "$VS")" = "$1" ]; }
wait_until 3000 link_up 1 || fail "link_is_up never said 1"
ok "link_is_up"

# --- link events (first: admin down drops IPv6 addresses) ---
ip netns exec "$S" "$CHECK" watch "$VS" down 3000 >"$TMP/watch" &
wpid=$!
PIDS="$PIDS $wpid"
wait_until 3000 has_line "$TMP/watch" ready || fail "watcher not ready"
in_s ip link set "$VS" down
wait "$wpid" || fail "no down event for $VS"
link_up 0 || fail "link_is_up says up after down"
ip netns exec "$S" "$CHECK" watch "$VS" up 3000 >"$TMP/watch" &
wpid=$!
PIDS="$PIDS $wpid"
wait_until 3000 has_line "$TMP/watch" ready || fail "watcher not ready"
in_s ip link set "$VS" up
wait "$wpid" || fail "no up event for $VS"
wait_until 3000 link_up 1 || fail "link_is_up never said 1 again"
ok "link watch down/up events"

# --- addresses ---
present() { [ "$(in_s "$CHECK" present "$VS" "$1")" = "$2" ]; }
in_s "$CHECK" add "$VS" $V4/24 30 || fail "addr_add $V4"
present $V4/24 1 || fail "addr_present $V4 is not 1"
present $V4/32 0 || fail "addr_present $V4/32 (wrong prefix) is not 0"
lft=$(valid_lft $V4)
[ -n "$lft" ] && [ "$lft" -gt 0 ] && [ "$lft" -le 30 ] ||
	fail "valid_lft of $V4 is '$lft', want 1..30"
in_s ip route show 203.0.113.0/24 dev "$VS" | grep -q . ||
	fail "no prefix route for $V4"
in_s "$CHECK" add "$VS" $V4/24 90 || fail "addr_add (refresh) $V4"
lft=$(valid_lft $V4)
[ "$lft" -gt 30 ] && [ "$lft" -le 90 ] ||
	fail "refresh: valid_lft of $V4 is '$lft', want 31..90"
ok "IPv4 add with lifetime, refresh extends it"

in_s "$CHECK" add "$VS" $V6/64 30 || fail "addr_add $V6"
present $V6/64 1 || fail "addr_present $V6 is not 1"
lft=$(valid_lft $V6)
[ -n "$lft" ] && [ "$lft" -gt 0 ] && [ "$lft" -le 30 ] ||
	fail "valid_lft of $V6 is '$lft', want 1..30"
tent=$(in_s ip -j addr show dev "$VS" | jq -r --arg a $V6 \
	'.[0].addr_info[] | select(.local == $a) | .tentative // false')
[ "$tent" = false ] || fail "$V6 is tentative"
ok "IPv6 add with lifetime, not tentative"

out=$(in_s "$CHECK" extack) || fail "no ext-ack reason: $out"
ok "kernel ext-ack reason: $out"

in_s "$CHECK" del "$VS" $V4/24 || fail "addr_del $V4"
present $V4/24 0 || fail "addr_present $V4 after delete is not 1"
[ -z "$(valid_lft $V4)" ] || fail "$V4 still listed after delete"
in_s "$CHECK" del "$VS" $V4/24 || fail "addr_del of an absent address"
ok "delete, delete of an absent address, addr_present"

# --- announcements ---
# vipd announces several times; under load one packet sent the instant the
# listener is ready can be missed, so this sends up to three, as vipd does.
announce() { # garp|na ADDR LISTENER_PID
	local i
	for i in 1 2 3; do
		in_s "$CHECK" "$1" "$VS" "$2" || fail "$1 send for $2"
		sleep 0.2
		kill -0 "$3" 2>/dev/null || break
	done
}
mac=$(in_s ip -j link show dev "$VS" | jq -r '.[0].address')
in_s "$CHECK" add "$VS" $V4/24 60 || fail "addr_add $V4"
ip netns exec "$C" "$PROBE" garp "$VC" $V4 3000 >"$TMP/garp" &
gpid=$!
PIDS="$PIDS $gpid"
wait_until 3000 has_line "$TMP/garp" ready || fail "ARP listener not ready"
announce garp $V4 "$gpid"
wait "$gpid" || fail "no gratuitous ARP for $V4 seen by the client"
has_line "$TMP/garp" "$mac" || fail "GARP not from $mac: $(cat "$TMP/garp")"
ok "gratuitous ARP from $mac"

ip netns exec "$C" "$PROBE" na "$VC" $V6 3000 >"$TMP/na" &
npid=$!
PIDS="$PIDS $npid"
wait_until 3000 has_line "$TMP/na" ready || fail "NA listener not ready"
announce na $V6 "$npid"
wait "$npid" || fail "no unsolicited NA for $V6 seen by the client"
has_line "$TMP/na" "$mac" || fail "NA not for $mac: $(cat "$TMP/na")"
ok "unsolicited NA with TLLA $mac"

# the MAC is remembered between announcements, and forgotten on a link event
newmac=02:00:5e:00:53:01 # documentation MAC range (RFC 7042)
ip netns exec "$C" "$PROBE" garp-all "$VC" $V4 2500 >"$TMP/garps" &
gpid=$!
PIDS="$PIDS $gpid"
wait_until 3000 has_line "$TMP/garps" ready || fail "ARP listener not ready"
in_s "$CHECK" newmac "$VS" $V4 $newmac || fail "newmac: GARP, MAC change, GARP"
in_s ip link set dev "$VS" address "$mac"
wait "$gpid" || fail "no gratuitous ARP seen: $(cat "$TMP/garps")"
grep -q "^$newmac " "$TMP/garps" ||
	fail "no GARP from the new MAC $newmac: $(cat "$TMP/garps")"
ok "announcements follow a MAC change to $newmac (seen: $(grep -v ready "$TMP/garps" | awk '{ print $1 }' | sort | uniq -c | tr -s ' \n' ' '))"
in_s "$CHECK" del "$VS" $V4/24 || fail "addr_del $V4"
in_s "$CHECK" del "$VS" $V6/64 || fail "addr_del $V6"

# --- the lease gate ---
table() { in_s nft list table "$1" "$2" >/dev/null 2>&1; }
# hold LEASE_MS PERIOD_MS: starts a holder of both VIPs, sets HPID
hold() {
	ip netns exec "$S" "$CHECK" hold "$VS" "$1" "$2" $MARK $V4/24 $V6/64 \
		>"$TMP/hold" 2>&1 &
	HPID=$!
	PIDS="$PIDS $HPID"
	wait_until 3000 is_check "$HPID" || fail "holder did not start"
	wait_until 3000 has_line "$TMP/hold" ready ||
		fail "holder not ready: $(cat "$TMP/hold")"
}

hold 150 50
wait_until 3000 answers $V4 || fail "$V4 silent while the lease is held"
wait_until 3000 answers $V6 || fail "$V6 silent while the lease is held"
ok "VIPs answer while the lease is refreshed"

kill -STOP "$HPID"
t0=$(now_ms)
wait_until 2000 silent $V4 50 || fail "$V4 still answers after a hang"
t1=$(now_ms)
wait_until 2000 silent $V6 50 || fail "$V6 still answers after a hang"
ok "hung holder: silent $((t1 - t0)) ms after SIGSTOP (lease 150 ms)"
kill -CONT "$HPID"
wait_until 3000 answers $V4 || fail "$V4 silent after resume"
wait_until 3000 answers $V6 || fail "$V6 silent after resume"
ok "resumed holder answers again"

kill -USR1 "$HPID"
wait_until 3000 has_line "$TMP/hold" unheld || fail "holder did not unhold"
silent $V4 100 || fail "$V4 answers after lease_unhold"
silent $V6 100 || fail "$V6 answers after lease_unhold"
ok "unheld VIPs are gated at once"
kill -TERM "$HPID"
wait "$HPID" || fail "holder failed: $(cat "$TMP/hold")"
! table inet vipd_lease || fail "owned table survives lease_free"
table inet vipd_gate && table arp vipd_gate || fail "gate gone"
ok "lease_free drops the owned tables, the gate stays"

hold 10000 1000
wait_until 3000 answers $V4 || fail "$V4 silent while held (long lease)"
wait_until 3000 answers $V6 || fail "$V6 silent while held (long lease)"
! in_s "$CHECK" hold "$VS" 150 50 $MARK $V4/24 2>"$TMP/second" ||
	fail "a second holder could take the owned tables"
ok "a second holder is refused: $(cat "$TMP/second")"
answers $V4 || fail "$V4 silent after the refused second holder"
kill -9 "$HPID"
t0=$(now_ms)
wait "$HPID" || true
silent $V4 20 || fail "$V4 answers after kill -9 with 9 s of lease left"
silent $V6 20 || fail "$V6 answers after kill -9 with 9 s of lease left"
t1=$(now_ms)
! table inet vipd_lease && ! table arp vipd_lease ||
	fail "owned tables survive kill -9"
table inet vipd_gate && table arp vipd_gate || fail "gate gone after kill -9"
present $V4/24 1 || fail "$V4 should still be configured (only gated)"
ok "kill -9: silent at once ($((t1 - t0)) ms incl. probes), gate stays"
echo "all actuator checks passed"
