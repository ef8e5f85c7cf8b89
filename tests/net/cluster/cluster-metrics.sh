#!/bin/bash
# cluster-metrics: vipd's metrics on a 3-node cluster, read with `vipctl metrics` and over
# metrics-listen (HTTP GET /metrics), each parsed by prometheus_client's own parser
# (prom-check.py): holder, term, state, requests by verb and result, lease refreshes,
# membership, quorum.  Run by meson (suite net) as root.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "${BED_SRC:-$here/../bed}/bed.sh"
. "${CLUSTER_SRC:-$here}/lib.sh"
check=$here/prom-check.py
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import prometheus_client' ||
	fail "python3-prometheus-client is not installed (tools/deps.sh installs it)"

VIPS='metrics-listen 127.0.0.1:9477
vip db {
	address 192.0.2.100/24
	dev eth0
}'
say "set-up: 3 nodes, corosync token $CLUSTER_TOKEN, VIP db, metrics on 127.0.0.1:9477"
cluster_up "$VIPS"
ok "cluster synced ($(elapsed_s) s)"
out=$(bed_vipctl n1 --json claim db) || fail "claim db on n1: $out"
wait_holder 5 db n1 live $BED_NODES || fail "db not live at n1"
bed_vipctl n2 claim db >/dev/null 2>&1 && fail "a claim of a held VIP without a term went through"

# m NODE : the samples of NODE's vipctl metrics, one per line.
m() { bed_vipctl "$1" metrics | /usr/bin/python3 "$check"; }
# has SAMPLES LINE : the sample line is there, exactly.
has() { grep -qxF -- "$2" <<<"$1" || fail "no '$2' in:
$(grep -F "${2%%\{*}" <<<"$1")"; }

say "1. vipctl metrics: a valid exposition with the table's figures"
s=$(m n1) || fail "n1's metrics do not parse: $(bed_vipctl n1 metrics | head -n 20)"
has "$s" 'vipd_vip_holder{node="n1",vip="db"} 1'
has "$s" 'vipd_vip_term{vip="db"} 1'
has "$s" 'vipd_vip_state{state="live",vip="db"} 1'
has "$s" 'vipd_vip_state{state="unassigned",vip="db"} 0'
has "$s" 'vipd_quorate{} 1'
has "$s" 'vipd_members{} 3'
has "$s" 'vipd_corosync_connected{} 1'
has "$s" 'vipd_requests_total{result="ok",verb="claim"} 1'
has "$s" 'vipd_vip_events_total{event="live",vip="db"} 1'
grep -qE '^vipd_lease_refreshes_total\{\} [1-9]' <<<"$s" || fail "no lease refreshes counted: $(grep lease <<<"$s")"
grep -qE '^vipd_vip_announcements_total\{reason="acquire",vip="db"\} [1-9]' <<<"$s" || fail "no announcement counted: $(grep announce <<<"$s")"
has "$s" 'vipd_vip_announcements_total{reason="notify",vip="db"} 0'
s2=$(m n2) || fail "n2's metrics do not parse"
has "$s2" 'vipd_requests_total{result="held",verb="claim"} 1'
has "$s2" 'vipd_vip_holder{node="n1",vip="db"} 1'
ok "holder, term, state, quorum, members, requests by result, lease refreshes, announcements"

say "2. metrics-listen: GET /metrics over HTTP, 404 elsewhere, 405 for POST"
http() { # NODE METHOD PATH -> "STATUS\nBODY"
	bed_exec "$1" /usr/bin/python3 -c '
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", 9477, timeout=5)
c.request(sys.argv[1], sys.argv[2])
r = c.getresponse()
print(r.status, r.getheader("Content-Type"))
sys.stdout.write(r.read().decode())' "$2" "$3"
}
resp=$(http n1 GET /metrics) || fail "GET /metrics on n1 failed"
head -n 1 <<<"$resp" | grep -q '^200 text/plain; version=0.0.4' || fail "GET /metrics: $(head -n 1 <<<"$resp")"
s=$(tail -n +2 <<<"$resp" | /usr/bin/python3 "$check") || fail "the HTTP body does not parse"
has "$s" 'vipd_vip_holder{node="n1",vip="db"} 1'
[ "$(http n1 GET /other | head -n 1 | cut -d' ' -f1)" = 404 ] || fail "GET /other is not 404"
[ "$(http n1 POST /metrics | head -n 1 | cut -d' ' -f1)" = 405 ] || fail "POST /metrics is not 405"
ok "HTTP: 200 with a valid exposition, 404, 405"

say "3. after a move, the new holder and the counters follow"
out=$(bed_vipctl n3 --json move db n2) || fail "move db n2: $out"
wait_holder 5 db n2 live $BED_NODES || fail "db not live at n2"
s=$(m n3) || fail "n3's metrics do not parse"
has "$s" 'vipd_vip_holder{node="n2",vip="db"} 1'
has "$s" 'vipd_vip_term{vip="db"} 2'
has "$s" 'vipd_vip_events_total{event="moved",vip="db"} 1'
has "$s" 'vipd_requests_total{result="ok",verb="move"} 1'
ok "holder n2 at term 2, one move counted"
echo "PASS ($(elapsed_s) s)"
