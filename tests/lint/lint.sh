#!/bin/sh
# Static checks that CI enforces: cppcheck quiet, files <= 600 lines,
# src/core includes only libc and its own headers.
# variableScope is suppressed: kernel style declares locals at the top.
set -eu
src=$1
cd "$src"
fail=0
if command -v cppcheck >/dev/null; then
	if ! cppcheck --enable=warning,style,performance,portability \
		--inline-suppr --error-exitcode=1 -q --suppress=variableScope \
		-I src -I include src/core src/proto src/engine src/control \
		src/lib src/cli src/daemon src/net; then
		echo "lint: cppcheck reported the findings above"
		fail=1
	fi
else
	echo "lint: cppcheck not installed (tools/deps.sh installs it)"
	fail=1
fi
for f in $(find src include -name '*.[ch]'); do
	n=$(wc -l <"$f")
	if [ "$n" -gt 600 ]; then
		echo "lint: $f has $n lines, more than 600: split it"
		fail=1
	fi
done
bad=$(grep -n '#include "' src/core/*.[ch] | grep -v -E '#include "(conf|core|msg|internal)\.h"' || true)
if [ -n "$bad" ]; then
	echo "lint: src/core includes outside itself:"
	echo "$bad"
	fail=1
fi
# doc/behaviour.md is tools/behaviour.py's output from the campaign runs kept in doc/runs/ (RUNS)
if ! python3 tools/behaviour.py | cmp -s - doc/behaviour.md; then
	echo "lint: doc/behaviour.md is not tools/behaviour.py's output from doc/runs/ (regenerate it)"
	fail=1
fi
[ $fail = 0 ] && echo "lint: clean"
exit $fail
