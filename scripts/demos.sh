#!/usr/bin/env bash
# scripts/demos.sh: install what is missing, build mor in release mode, run the demos, and
# end with the tour of the memory lessons of the Python guides. Extra arguments go to the
# tour (section names, --list, --quick). Exits non-zero if a demo failed.
set -eu
cd "$(dirname "$0")/.."
. scripts/deps.sh
mor_install_deps
# Graphviz only renders the tour's heap graph to SVG: go on without it.
mor_install_deps graphviz 2>/dev/null ||
    echo "(graphviz is not installed: the tour writes its heap graph as DOT only)"
B=build-release
[ -d "$B" ] || meson setup "$B" --buildtype=release -Ddebug_level=0 -Dtests=false >/dev/null
ninja -C "$B" >/dev/null
status=0
if [ -x "$B/demos/versus" ]; then
    echo "==== demos/versus: the same workloads under mor and under Boehm"
    "$B/demos/versus" || status=$?
    echo
fi
echo "==== demos/tour: the memory lessons of the Python guides, measured in mor"
"$B/demos/tour" "$@" || status=$?
exit "$status"
