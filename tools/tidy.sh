#!/bin/sh
# clang-tidy over src/ with the checks in .clang-tidy (every finding is an
# error).  Needs a clang build's compile_commands.json:
#   tools/tidy.sh BUILD_DIR      (tools/test.sh passes build-test-clang)
# Prints "tidy: clean" or the findings; exit status 0 only when clean.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: tools/tidy.sh BUILD_DIR}
cd "$top"
[ -f "$build/compile_commands.json" ] || { echo "tidy: no $build/compile_commands.json"; exit 1; }
tidy=$(command -v clang-tidy || command -v clang-tidy-14 || true)
[ -n "$tidy" ] || { echo "tidy: clang-tidy not installed (tools/deps.sh installs it)"; exit 1; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# two at a time: one file takes up to ~10 s
find src -name '*.c' | sort | xargs -P 2 -n 4 "$tidy" -p "$build" --quiet >"$out" 2>/dev/null || true
if grep -E '(warning|error): ' "$out" >/dev/null; then
	grep -E -A3 '(warning|error): ' "$out"
	echo "tidy: $(grep -cE '(warning|error): ' "$out") findings above (checks: .clang-tidy)"
	exit 1
fi
echo "tidy: clean"
