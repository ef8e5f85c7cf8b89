#!/bin/bash
# bench/curve.sh: what an idle cluster costs against how fast it fails over, at several corosync
# timings and leases, with keepalived at several advert intervals on the same bed.
#
#   sudo bench/curve.sh            # IDLE_S=30 REPS=3 (about 25 minutes)
#   sudo IDLE_S=60 REPS=5 bench/curve.sh
#
# Per point, each in its own bed (bench/run.sh), one after the other (never two at once: the
# figures are CPU time): corosync alone idle (once per timing), vipd idle (3 nodes, 1 VIP: CPU
# and context switches of every node's vipd and corosync over IDLE_S), then the node-lost
# (`link`) and daemon-hung (`hung`) scenarios REPS times.  keepalived likewise at each advert
# interval of KA_ADVERTS.  Writes bench/out/curve/{raw.csv,res.csv,curve.md}; curve.md is the
# table bench/README.md and doc/deploy.md show (copy it to bench/results/curve.md).
#
# CURVE_POINTS: TOKEN:LEASE[:NAME[:SEQNO]] (TOKEN in ms or "stock": corosync's own timing;
# join 30 ms at token 50, corosync's default otherwise; SEQNO: corosync's seqno_unchanged_const,
# its default 30 if empty).  KA_ADVERTS: keepalived advert_int values.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
OUT=${OUT:-$here/out/curve}
POINTS=${CURVE_POINTS:-50:auto:fast 50:auto::2 50:650ms 100:auto:balanced 300:auto 300:2500ms 300:2300ms:frugal 1000:auto stock:auto}
KA_ADVERTS=${KA_ADVERTS:-0.1 0.3 1}
export IDLE_S=${IDLE_S:-30} REPS=${REPS:-3} SCENARIOS=${SCENARIOS:-link hung} TAKEOVER_S=${TAKEOVER_S:-20}
export BED_BUILD_ROOT=$top/build-bench
log() { printf '[%s curve] %s\n' "$(date +%T)" "$*" >&2; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

if [ "${CURVE_TABLE_ONLY:-0}" != 1 ]; then
	command -v keepalived >/dev/null ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends keepalived >&2
	[ -d "$BED_BUILD_ROOT" ] || (cd "$top" && meson setup build-bench >&2)
	ninja -C "$BED_BUILD_ROOT" src/daemon/vipd src/cli/vipctl bench/vip-scale \
		tests/net/bed/probe tests/net/bed/responder >&2
	mkdir -p "$OUT"
	: >"$OUT/raw.csv"
	: >"$OUT/res.csv"
fi

# part POINT-ID ARGS...: one run.sh part; its rows go to OUT/*.csv prefixed with POINT-ID
part() {
	local id=$1 r=$OUT/.raw s=$OUT/.res
	shift
	: >"$r"; : >"$s"
	log "$id: $* (load $(load))"
	echo "$id,load,$(load | tr ' ' /)," >>"$OUT/res.csv"
	RAW=$r RES=$s "$here/run.sh" "$@" || log "$id: $1 failed"
	sed "s/^/$id,/" "$s" >>"$OUT/res.csv"
	sed "s/^/$id,/" "$r" >>"$OUT/raw.csv"
}

run_points() {
	local p tok lease done_tok=" "
	for p in $POINTS; do
		IFS=: read -r tok lease _ seq <<<"$p"
		export TOKEN=$tok BED_LEASE=$lease
		if [ "$tok" = 50 ]; then export BED_JOIN=30; else unset BED_JOIN; fi
		if [ -n "$seq" ]; then export BED_SEQNO_UNCHANGED=$seq; else unset BED_SEQNO_UNCHANGED; fi
		tok=$tok${seq:+-s$seq}
		case $done_tok in *" $tok "*) ;; *)
			part "alone-$tok" idle corosync 1 3
			done_tok="$done_tok$tok " ;;
		esac
		part "vipd-$tok-$lease" idle vipd 1 3
		part "vipd-$tok-$lease" failover vipd
	done
	local a
	for a in $KA_ADVERTS; do
		export KA_ADVERT=$a
		part "ka-$a" idle keepalived 1 3
		part "ka-$a" failover keepalived
	done
}

[ "${CURVE_TABLE_ONLY:-0}" = 1 ] || run_points
CURVE_POINTS=$POINTS KA_ADVERTS=$KA_ADVERTS awk -f "$here/curve-table.awk" \
	"$OUT/res.csv" "$OUT/raw.csv" | tee "$OUT/curve.md"
