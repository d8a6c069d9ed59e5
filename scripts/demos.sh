#!/usr/bin/env bash
# scripts/demos.sh: install what is missing, build mor in release mode, and run
# the demos: the tour of Python's memory lessons, then the comparison with the
# Boehm collector. Extra arguments go to the tour (e.g. a section name).
set -eu
cd "$(dirname "$0")/.."
. scripts/deps.sh
mor_install_deps graphviz
B=build-release
[ -d "$B" ] || meson setup "$B" --buildtype=release -Ddebug_level=0 -Dtests=false >/dev/null
ninja -C "$B" >/dev/null
for d in tour versus; do
    if [ -x "$B/demos/$d" ]; then
        echo "==== demos/$d"
        "$B/demos/$d" "$@"
    fi
done
if [ ! -x "$B/demos/tour" ]; then
    echo "==== demos/bench_core"
    "$B/demos/bench_core"
fi
