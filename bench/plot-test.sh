#!/bin/bash
# bench/plot-test.sh PLOT.SH RESULTS.csv: the outage plot marks every bar with two holders at
# once (keepalived's and ucarp's SIGKILL and SIGSTOP runs, any run with dup > 0) and no other.
set -eu
plot=$1 csv=$2
fail() { echo "FAIL: $*"; exit 1; }
d=$("$plot" --data "$csv")
echo "$d"
for row in "1 kill 1 keepalived 0.1 1" "1 kill 2 ucarp 0.1 1" "3 hung 1 keepalived 12.4 1" \
	"3 hung 2 ucarp 824.0 1" "1 kill 0 vipd 23.0 0" "3 hung 0 vipd 17.0 0" "0 move 1 keepalived 69.2 0"; do
	grep -qx "$row" <<<"$d" || fail "no row '$row'"
done
[ "$(awk '$6 == 1' <<<"$d" | wc -l)" = 4 ] || fail "other bars marked: $(awk '$6 == 1' <<<"$d")"
# a run where the probe saw two nodes answer is marked, whatever the tool
t=$(mktemp); trap 'rm -f "$t"' EXIT
printf 'tool,scenario,n,median_outage_ms,max_outage_ms,dup_total,switches_median,failed_reps,load_avg\nvipd,move,5,1.0,2.0,3,1,0,x\nvipd,term,5,0.0,0.0,0,1,0,x\n' >"$t"
[ "$("$plot" --data "$t")" = "0 move 0 vipd 1.0 1
1 term 0 vipd 0.1 0" ] || fail "dup > 0 not marked: $("$plot" --data "$t")"
echo "plot-test: two-holder bars marked, others not"
