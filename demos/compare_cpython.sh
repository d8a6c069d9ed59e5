#!/bin/sh
# demos/compare_cpython.sh: runs the collector benchmark (bench_gc --json) and, right after
# it, CPython 3.11's reference programs gc_timings.py and weakrefs.py, so that mor and
# CPython are measured in the same session on the same machine state; prints both outputs.
#
# usage: demos/compare_cpython.sh [path/to/bench_gc]   (default ./build-release/demos/bench_gc)
# MOR_CPYTHON_REF overrides the folder of the CPython programs
# (default /work/shared/reference/cpython); a missing folder or python3 skips that half.
set -u

bench=${1:-./build-release/demos/bench_gc}
ref=${MOR_CPYTHON_REF:-/work/shared/reference/cpython}
status=0

echo "== machine: $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //')," \
    "nproc $(nproc 2>/dev/null || echo '?'); load average: $(cut -d' ' -f1-3 /proc/loadavg \
    2>/dev/null || echo '?'); $(date -u '+%Y-%m-%d %H:%M:%S UTC')"

if [ -x "$bench" ]; then
    echo "== mor: $bench --json"
    "$bench" --json || status=1
else
    echo "compare_cpython.sh: $bench is not an executable: build it first, or give its path" >&2
    exit 1
fi

if ! command -v python3 >/dev/null 2>&1; then
    echo "== CPython: skipped (python3 not found)"
    exit "$status"
fi
if [ ! -d "$ref" ]; then
    echo "== CPython: skipped ($ref not found; set MOR_CPYTHON_REF to the reference folder)"
    exit "$status"
fi
echo "== CPython: $(python3 --version 2>&1)"
for script in gc_timings.py weakrefs.py; do
    if [ -f "$ref/$script" ]; then
        echo "== CPython: python3 $ref/$script"
        python3 "$ref/$script" || status=1
    else
        echo "== CPython: $script skipped ($ref/$script not found)"
    fi
done
exit "$status"
