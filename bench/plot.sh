#!/bin/bash
# bench/plot.sh: the outage plot of bench/compare.sh from its results.csv.
#
#   bench/plot.sh RESULTS.csv OUT.png [TITLE]   draw it (needs gnuplot, Debian: gnuplot-nox)
#   bench/plot.sh --data RESULTS.csv            print the plotted table (no gnuplot needed)
#
# Grouped bars: median client-visible outage per scenario and tool, log scale (0 drawn as
# 0.1 ms).  A bar whose runs had two holders at once (the probe saw two nodes answer, dup > 0, or
# the scenario leaves the address on the old node: SIGKILL or SIGSTOP of a daemon without a
# kernel lease, keepalived and ucarp) is hatched (in its tool's colour, red border) and labelled in red "2 holders": its short outage
# is not a win, the old node kept answering.
set -eu

# Scenarios that leave the old holder's address in place, per tool without a lease (README.md).
TWO_HOLDER_SCENARIOS=${TWO_HOLDER_SCENARIOS:-"kill hung"}
LEASE_TOOLS=${LEASE_TOOLS:-"vipd"}

# data CSV: "x scenario t tool value two_holders" rows, one per tool and scenario.
data() {
	awk -F, -v twos="$TWO_HOLDER_SCENARIOS" -v lease="$LEASE_TOOLS" '
	BEGIN { nt = split(twos, tw, " "); for (i = 1; i <= nt; i++) two[tw[i]] = 1
		nl = split(lease, le, " "); for (i = 1; i <= nl; i++) leased[le[i]] = 1 }
	/^#/ || $1 == "tool" { next }
	NF == 9 {
		if (!($1 in ti)) { ti[$1] = ntools++; tools[ti[$1]] = $1 }
		if (!($2 in si)) { si[$2] = nsc++; scs[si[$2]] = $2 }
		v = $4 == "" ? "NaN" : ($4 + 0 < 0.1 ? 0.1 : $4)
		dup = ($6 + 0 > 0) || (two[$2] && !leased[$1])
		row[si[$2], ti[$1]] = sprintf("%d %s %d %s %s %d", si[$2], $2, ti[$1], $1, v, dup)
	}
	END { for (s = 0; s < nsc; s++) for (t = 0; t < ntools; t++)
		if ((s, t) in row) print row[s, t] }' "$1"
}

if [ "${1:-}" = --data ]; then
	data "${2:?usage: plot.sh --data RESULTS.csv}"
	exit 0
fi
csv=${1:?usage: plot.sh RESULTS.csv OUT.png [TITLE]} out=${2:?usage: plot.sh RESULTS.csv OUT.png [TITLE]}
title=${3:-"Median client-visible outage per scenario (0 drawn as 0.1 ms)"}
command -v gnuplot >/dev/null || { echo "plot.sh: gnuplot not installed (Debian: gnuplot-nox)" >&2; exit 1; }
dat=$(mktemp)
trap 'rm -f "$dat"' EXIT
data "$csv" >"$dat"
ntools=$(awk '{ print $3 }' "$dat" | sort -u | wc -l)
tools=$(awk '!seen[$3]++ { printf "%s ", $4 }' "$dat")
xtics=$(awk '!seen[$1]++ { printf "%s\"%s\" %d", n++ ? ", " : "", $2, $1 }' "$dat")
gnuplot <<-EOF
	set terminal pngcairo size 1000,560 noenhanced
	set output '$out'
	set title "$title"
	set logscale y
	set yrange [0.05:20000]
	set ylabel "outage (ms, log)"
	set grid ytics
	set key top left
	set xtics ($xtics)
	set xrange [-0.6:*]
	w = 0.8 / $ntools
	off(t) = (t - ($ntools - 1) / 2.0) * w
	set boxwidth w * 0.95 absolute
	tools = "$tools"
	plot for [t=0:$ntools-1] '$dat' using (\$3 == t && \$6 == 0 ? \$1 + off(t) : NaN):5 \
		with boxes fs solid 0.85 border -1 lc t+1 title word(tools, t+1), \
	     for [t=0:$ntools-1] '$dat' using (\$3 == t && \$6 == 1 ? \$1 + off(t) : NaN):5 \
		with boxes fs pattern 4 border rgb "red" lc t+1 notitle, \
	     '$dat' using (\$6 == 1 ? \$1 + off(\$3) : NaN):(\$5 * 1.4):("2 holders") \
		with labels rotate by 90 left tc rgb "red" notitle, \
	     NaN with boxes fs pattern 4 lc rgb "red" title "two holders at once (not a win)"
EOF
