#!/bin/bash
# bench/compare.sh: vipd vs keepalived (VRRPv3) vs ucarp on the same namespace test bed and the
# same client probe (tests/net/bed). Run as root from the source tree:
#
#   sudo bench/compare.sh [--quick] [-n REPS] [--tools "vipd keepalived ucarp"]
#                         [--scenarios "move kill term hung link back peer"] [--no-scale] [--no-idle]
#                         [--idle SECONDS] [--token MS] [--join MS] [--lease auto|DURATION]
#                         [--report]
#
# Prints a table, writes bench/out/results.csv, bench/out/raw.csv and bench/out/outage.png.
# See bench/README.md for what each scenario does and how each tool is triggered.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
REPS=5 IDLE_S=60 TOKEN=50 JOIN=30 TOOLS="vipd keepalived ucarp" SCENARIOS="move kill term hung link back peer"
DO_SCALE=1 DO_IDLE=1 DO_RUN=1
while [ $# -gt 0 ]; do
	case $1 in
	--quick) REPS=2 IDLE_S=10 ;;
	-n) REPS=$2; shift ;;
	--tools) TOOLS=$2; shift ;;
	--scenarios) SCENARIOS=$2; shift ;;
	--no-scale) DO_SCALE=0 ;;
	--no-idle) DO_IDLE=0 ;;
	--idle) IDLE_S=$2; shift ;;
	--token) TOKEN=$2; shift ;;  # corosync token timeout (ms) for vipd's bed
	--join) JOIN=$2; shift ;;  # corosync join timeout (ms, at least 30; "" for corosync's 50)
	--lease) BED_LEASE=$2; shift ;;  # vipd's lease: auto (default) or a duration like 150ms
	--report) DO_RUN=0 ;;  # rebuild table, CSV and plot from bench/out/raw.csv + resources.csv
	-h|--help) sed -n 2,11p "$0"; exit 0 ;;
	*) echo "compare.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done
[ "$(id -u)" = 0 ] || { echo "compare.sh: run as root (sudo bench/compare.sh)" >&2; exit 1; }

OUTDIR=$here/out
mkdir -p "$OUTDIR"
export RAW=$OUTDIR/raw.csv RES=$OUTDIR/resources.csv REPS IDLE_S SCENARIOS OUTDIR
export TOKEN BED_JOIN=$JOIN BED_LEASE=${BED_LEASE:-auto}
[ "$DO_RUN" = 0 ] || { : >"$RAW"; : >"$RES"; }
t_start=$(date +%s)
log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }

# --- dependencies: Debian packages and our build -------------------------------------------------
need=
command -v keepalived >/dev/null || need="$need keepalived"
command -v ucarp >/dev/null || need="$need ucarp"
command -v arping >/dev/null || need="$need iputils-arping"
command -v gnuplot >/dev/null || need="$need gnuplot-nox"
for c in jq corosync nsenter; do command -v "$c" >/dev/null || { echo "compare.sh: $c missing (see tests/net/bed)" >&2; exit 1; }; done
if [ -n "$need" ]; then
	log "installing:$need"
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $need >&2
fi
export BED_BUILD_ROOT=$top/build-bench
if [ ! -d "$BED_BUILD_ROOT" ]; then (cd "$top" && meson setup build-bench >&2); fi
ninja -C "$BED_BUILD_ROOT" src/daemon/vipd src/cli/vipctl bench/vip-scale \
	tests/net/bed/probe tests/net/bed/responder >&2

machine() {
	echo "machine: $(nproc) CPUs, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), kernel $(uname -r)"
	echo "versions: vipd $(git -C "$top" describe --always --dirty 2>/dev/null || echo ?), $(keepalived --version 2>&1 | head -n 1), ucarp $(dpkg-query -W -f '${Version}' ucarp 2>/dev/null), corosync $(corosync -v 2>/dev/null | head -n 1 | grep -o '[0-9][0-9.]*' | head -n 1)"
}
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
declare -A LOAD=()
[ "$DO_RUN" = 1 ] || { DO_SCALE=0; DO_IDLE=0; TOOLS_RUN=; }
[ -f "$OUTDIR/load.txt" ] && while IFS='=' read -r k v; do LOAD[$k]=$v; done <"$OUTDIR/load.txt"

# --- runs ------------------------------------------------------------------------------------------
for tool in ${TOOLS_RUN-$TOOLS}; do
	LOAD[$tool]="$(loadavg)"
	log "== $tool: scenarios [$SCENARIOS] x $REPS (load $(loadavg))"
	"$here/run.sh" failover "$tool" || log "$tool run failed (status $?)"
	LOAD[$tool]="${LOAD[$tool]} -> $(loadavg)"
done
if [ "$DO_SCALE" = 1 ]; then
	LOAD[scale]="$(loadavg)"
	log "== vipd scale, 5 nodes (load $(loadavg))"
	"$here/run.sh" scale || log "scale run failed (status $?)"
fi
if [ "$DO_IDLE" = 1 ]; then
	LOAD[idle]="$(loadavg)"
	log "== idle CPU/RSS over ${IDLE_S}s, all beds at once (load $(loadavg))"
	pids=()
	for tool in $TOOLS; do "$here/run.sh" idle "$tool" 1 3 & pids+=($!); done
	case " $TOOLS " in *" vipd "*) "$here/run.sh" idle vipd 1000 5 & pids+=($!) ;; esac
	for p in "${pids[@]}"; do wait "$p" || log "an idle run failed"; done
fi

for k in "${!LOAD[@]}"; do echo "$k=${LOAD[$k]}"; done >"$OUTDIR/load.txt"

# --- summary ---------------------------------------------------------------------------------------
csv=$OUTDIR/results.csv
{
	echo "# $(machine | tr '\n' ';' | sed 's/;$//')"
	echo "# $(date -Is); reps $REPS; corosync token ${TOKEN} ms join ${JOIN:-50} ms (vipd); vipd lease ${BED_LEASE}; keepalived advert_int 0.1; ucarp advbase 1 advskew 0/10/20"
	echo "tool,scenario,n,median_outage_ms,max_outage_ms,dup_total,switches_median,failed_reps,load_avg"
	for tool in $TOOLS; do
		for sc in $SCENARIOS; do
			awk -F, -v t="$tool" -v s="$sc" -v load="${LOAD[$tool]:-}" '
			BEGIN { n = 0; failed = 0; notes = 0; dup = 0 }
			$1 == t && $2 == s {
				if ($4 == "") { failed++; next }
				o[n] = $4 + 0; w[n] = $6 + 0; n++; dup += $5
				if ($7 !~ /^ok/ || $7 ~ /open|no-/) notes++
			}
			function med(a, k,   i, j, x) {
				for (i = 1; i < k; i++) { x = a[i]; for (j = i - 1; j >= 0 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
				return k % 2 ? a[int(k / 2)] : (a[k / 2 - 1] + a[k / 2]) / 2
			}
			END {
				if (n == 0) { printf "%s,%s,0,,,,,%d,%s\n", t, s, failed, load; exit }
				mx = 0; for (i = 0; i < n; i++) if (o[i] > mx) mx = o[i]
				printf "%s,%s,%d,%.1f,%.1f,%d,%s,%d,%s\n", t, s, n, med(o, n), mx, dup, med(w, n), failed + notes, load
			}' "$RAW"
		done
	done
	echo
	echo "tool,metric,value,unit"
	cat "$RES"
} >"$csv"

{
	echo "vipd vs keepalived vs ucarp: client-visible outage (probe every 1 ms), $REPS reps each"
	machine
	echo "vipd: corosync token ${TOKEN} ms, join ${JOIN:-50} ms, lease ${BED_LEASE} | keepalived: VRRPv3 advert_int 0.1, nopreempt | ucarp: advbase 1, advskew 0/10/20, deadratio 3"
	echo "load average (1/5/15 min) before -> after each part:"
	for k in "${!LOAD[@]}"; do echo "  $k: ${LOAD[$k]}"; done
	echo
	printf '%-10s %-6s %3s %12s %12s %5s %9s %6s\n' tool scen n "median ms" "max ms" dup switches notes
	grep -v '^#' "$csv" | awk -F, 'NF == 9 && $1 != "tool" {
		printf "%-10s %-6s %3s %12s %12s %5s %9s %6s\n", $1, $2, $3, $4, $5, $6, $7, $8 }'
	echo
	echo "scale and resources:"
	awk -F, '{ printf "  %-12s %-18s %10s  %s\n", $1, $2, $3, $4 }' "$RES"
	echo
	echo "notes = reps with a failed restore, no takeover, or an outage still open at the end"
	echo "raw: $RAW  summary: $csv  plot: $OUTDIR/outage.png  (took $(( $(date +%s) - t_start )) s)"
} | tee "$OUTDIR/table.txt"

# --- plot: grouped bars, median outage per scenario per tool, log scale; bars with two holders
# at once are hatched and labelled (bench/plot.sh) ---------------------------------------------
"$here/plot.sh" "$csv" "$OUTDIR/outage.png" "Median client-visible outage per scenario ($REPS reps; vipd token ${TOKEN} ms join ${JOIN:-50} ms; 0 drawn as 0.1 ms)" ||
	log "plot.sh failed"
exit 0
