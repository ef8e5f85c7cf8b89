#!/bin/sh
# Builds vipd with AddressSanitizer and UBSan, checks the clang build and
# clang-tidy (tools/tidy.sh), and runs every test suite
# (unit, config, sim, fuzz-regress, net).  Needs root: the net suite
# builds network namespaces and runs real corosync and vipd in them.
# Last line: "N passed, N failed".
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
sh tools/deps.sh
build=${BUILD:-build-test}
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" -Db_sanitize=address,undefined -Db_lundef=false \
		>"$build.setup.log" 2>&1 || { cat "$build.setup.log"; exit 1; }
fi
ninja -C "$build" >/dev/null || ninja -C "$build"
# The same tree must also build warning-free with clang (-Werror is on).
clang_ok=1
if command -v clang >/dev/null; then
	cbuild=${build}-clang
	{ [ -f "$cbuild/build.ninja" ] ||
		CC=clang meson setup "$cbuild" >"$cbuild.setup.log" 2>&1; } &&
		ninja -C "$cbuild" >"$cbuild.log" 2>&1 ||
		{ clang_ok=0; tail -n 30 "$cbuild.log" "$cbuild.setup.log" 2>/dev/null; }
	echo "clang build: $([ $clang_ok = 1 ] && echo ok || echo FAILED)"
fi
# clang-tidy (.clang-tidy) over src/, on the clang build's compile commands.
tidy_ok=0
if [ "$clang_ok" = 1 ] && sh tools/tidy.sh "${build}-clang"; then tidy_ok=1; fi
export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
rc=0
meson test -C "$build" --print-errorlogs ${SUITES:-} || rc=$?
python3 - "$build/meson-logs/testlog.json" "$clang_ok" "$tidy_ok" <<'PY'
import json, sys
passed = failed = skipped = 0
if sys.argv[2] == "1":
    passed += 1
else:
    failed += 1
    print("FAILED: clang build")
if sys.argv[3] == "1":
    passed += 1
else:
    failed += 1
    print("FAILED: clang-tidy (tools/tidy.sh)")
for line in open(sys.argv[1]):
    r = json.loads(line)
    res = r.get("result")
    if res in ("OK", "EXPECTEDFAIL"):
        passed += 1
    elif res == "SKIP":
        skipped += 1
    else:
        failed += 1
        print("FAILED:", r.get("name"), res)
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
PY
[ "$clang_ok" = 1 ] || rc=1
[ "$tidy_ok" = 1 ] || rc=1
exit $rc
