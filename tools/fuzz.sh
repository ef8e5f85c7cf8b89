#!/bin/sh
# Builds every fuzz target (fuzz/fuzz-*.c) with clang, libFuzzer, ASan and
# UBSan in its own build directory and runs them one after another (one
# core) for SECONDS each (default 60), from a working copy of each corpus.
#
#   tools/fuzz.sh [SECONDS] [TARGET...]     e.g. tools/fuzz.sh 600 netlink conf
#
# Prints one line per target: executions, executions per second, and
# "clean" or the finding. A finding is written to
# $FUZZ_BUILD/findings/<target>/ (crash-*, leak-*, timeout-*, oom-*) and
# replays with: $FUZZ_BUILD/fuzz/fuzz-<target> FILE
# New inputs grow $FUZZ_BUILD/corpus/<target>/; fuzz/corpus/ is only read.
# Exits 1 if any target found something. FUZZ_BUILD defaults to build-fuzz;
# FUZZ_ARGS adds libFuzzer options (e.g. "-entropic=0 -max_len=1024").
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
secs=${1:-60}
[ $# -gt 0 ] && shift
case $secs in
'' | *[!0-9]*)
	echo "fuzz.sh: SECONDS must be a number, not '$secs'" >&2
	exit 2
	;;
esac
targets=${*:-$(for f in fuzz/fuzz-*.c; do
	n=${f#fuzz/fuzz-}
	[ "$n" = main.c ] || echo "${n%.c}"
done)}
sh tools/deps.sh
build=${FUZZ_BUILD:-build-fuzz}
if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" -Dfuzz=true \
		-Db_sanitize=address,undefined >"$build.setup.log" 2>&1 ||
		{ cat "$build.setup.log"; exit 1; }
fi
exes=""
for t in $targets; do
	[ -f "fuzz/fuzz-$t.c" ] || { echo "fuzz.sh: no fuzz/fuzz-$t.c" >&2; exit 2; }
	exes="$exes fuzz/fuzz-$t"
done
# shellcheck disable=SC2086
ninja -C "$build" $exes >"$build.log" 2>&1 || { tail -n 30 "$build.log"; exit 1; }
export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
rc=0
for t in $targets; do
	work="$build/corpus/$t" found="$build/findings/$t" log="$build/fuzz-$t.log"
	mkdir -p "$work" "$found"
	# shellcheck disable=SC2086
	"$build/fuzz/fuzz-$t" -max_total_time="$secs" -timeout=10 \
		-print_final_stats=1 -artifact_prefix="$found/" ${FUZZ_ARGS:-} \
		"$work" "fuzz/corpus/$t" >"$log" 2>&1 || true
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	art=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | head -n 1)
	if [ -n "$art" ]; then
		rc=1
		what=$(grep -m 1 -E 'ERROR|runtime error|SUMMARY' "$log" || true)
		echo "fuzz-$t: ${execs:-?} execs (${rate:-?}/s): FOUND $art"
		echo "  $what (log: $log)"
	elif [ -z "$execs" ]; then
		rc=1
		echo "fuzz-$t: did not run, see $log"
	else
		echo "fuzz-$t: $execs execs (${rate}/s): clean"
	fi
done
exit $rc
