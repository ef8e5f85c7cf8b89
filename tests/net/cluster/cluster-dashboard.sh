#!/bin/bash
# cluster-dashboard: the Grafana dashboard (dist/grafana/vipd-dashboard.json) over the metrics
# of a real 3-node run.  While VIPs are claimed, moved, refused, lost (vipd killed) and claimed
# again, every node's `vipctl metrics` is scraped every 0.3 s; dashboard.py then checks that
# every panel's query parses, names only metrics vipd exports and gives a series.  With
# DASHBOARD_PNG=FILE it also draws the panels (doc/metrics.md's picture; needs matplotlib).
# Run by meson (suite net) as root.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "${BED_SRC:-$here/../bed}/bed.sh"
. "${CLUSTER_SRC:-$here}/lib.sh"
dash=$CLUSTER_SRC/../../../dist/grafana/vipd-dashboard.json
py=/usr/bin/python3
$py -c 'import prometheus_client' 2>/dev/null || { echo "no python3-prometheus-client"; exit 77; }

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
scr=$BED_DIR/scrapes
mkdir -p "$scr"
scrape() { # every 0.3 s, each node's metrics into $scr/T.NODE, until killed
	local n t
	while :; do
		t=$(date +%s.%N)
		for n in $BED_NODES; do
			bed_vipctl "$n" --timeout 1 metrics >"$scr/${t:0:14}.$n" 2>/dev/null || rm -f "$scr/${t:0:14}.$n"
		done
		sleep 0.3
	done
}
scrape &
SCRAPER=$!
bed_on_cleanup() { kill "$SCRAPER" 2>/dev/null || true; wait "$SCRAPER" 2>/dev/null || true; }
pause() { sleep "${1:-1.5}"; } # a step the graphs can show (not a wait for a state)

say "1. a run to graph: claims, moves, a refusal, a lost holder, a restart"
pause 2
bed_vipctl n1 claim db --term 5 >/dev/null || fail "claim db"
bed_vipctl n2 claim web >/dev/null || fail "claim web"
wait_holder 5 db n1 live $BED_NODES || fail "db not live at n1"
pause
bed_vipctl n1 move db n2 >/dev/null || fail "move db n2"
wait_holder 5 db n2 live $BED_NODES || fail "db not live at n2"
pause
bed_vipctl n1 move db n3 >/dev/null || fail "move db n3"
wait_holder 5 db n3 live $BED_NODES || fail "db not live at n3"
bed_vipctl n1 claim db --term 1 >/dev/null 2>&1 && fail "a stale claim was granted"
pause
bed_vipd_kill n3 KILL
_unheld() { [ "$(vf n1 db .holder)" = null ] || [ "$(vf n1 db .holder)" = "" ]; }
wait_until 10 _unheld || fail "db still held after n3's vipd was killed: $(vf n1 db .holder)"
pause
bed_vipctl n1 claim db --term 9 >/dev/null || fail "claim db again"
wait_holder 5 db n1 live n1 n2 || fail "db not live at n1 again"
bed_vipd_start n3
wait_synced 15 $BED_NODES || fail "n3 not back"
pause 2
bed_on_cleanup
ok "$(find "$scr" -type f | wc -l) scrapes of 3 nodes over $(elapsed_s) s"

say "2. every panel's query names metrics vipd exports and gives a series"
$py "$here/dashboard.py" check "$dash" "$scr" || fail "the dashboard does not fit vipd's metrics"
ok "$(jq '[.panels[].targets[]] | length' "$dash") queries in $(jq '.panels | length' "$dash") panels"
if [ -n "${DASHBOARD_PNG:-}" ]; then
	$py "$here/dashboard.py" render "$dash" "$scr" "$DASHBOARD_PNG" || fail "render"
	ok "drawn: $DASHBOARD_PNG"
fi
