#!/usr/bin/env bash
# scripts/tests.sh: install what is missing, build mor with its checks on, and
# run every test.
set -eu
cd "$(dirname "$0")/.."
. scripts/deps.sh
mor_install_deps
B=build
[ -d "$B" ] || meson setup "$B" -Ddebug_level=2 >/dev/null
ninja -C "$B" >/dev/null
meson test -C "$B" --print-errorlogs "$@"
