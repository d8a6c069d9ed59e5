#!/usr/bin/env python3
"""demos/trace_overhead.py: tracemalloc's slowdown on the workload of demos/bench_trace.c.

Builds a list of ITEMS small dicts {'a': (i + 1000, str(i + 1000000)), 'b': [i + 0.5]}
and drops it, untraced and under tracemalloc.start(nframes) for nframes 1 and 5, with
the collector on (the default) and with gc.disable(). The modes are interleaved run by
run (so that load changes hit them alike) and the median of RUNS runs is reported, with
min and max; the slowdown is the median of each run's ratio to the untraced run of the
same round. Times are the thread's CPU time (time.thread_time_ns), as in bench_trace. bench_trace runs this script
beside its own measurement and prints both.

usage: python3 trace_overhead.py [--json] [--quick]
"""
import gc
import sys
import time
import tracemalloc

ITEMS = 250_000
RUNS = 3
QUICK_DIV = 100
MODES = [("untraced", 0), ("n1", 1), ("n5", 5)]


def build(n):
    """The workload: about 7 allocations per item (int, str, tuple, dict and its keys,
    float, list and its items), plus the growth of the holding list."""
    items = []
    app = items.append
    for i in range(n):
        app({'a': (i + 1000, str(i + 1000000)), 'b': [i + 0.5]})
    return items


def build_and_drop(n):
    items = build(n)
    del items


def tracer_memory(n):
    """tracemalloc's own memory (MiB) with the list alive, nframes 1."""
    tracemalloc.start(1)
    items = build(n)
    mib = tracemalloc.get_tracemalloc_memory() / 2**20
    del items
    tracemalloc.stop()
    return mib


def timed(n, nframes):
    gc.collect()
    if nframes:
        tracemalloc.start(nframes)
    t0 = time.thread_time_ns()
    build_and_drop(n)
    t1 = time.thread_time_ns()
    if nframes:
        tracemalloc.stop()
    return (t1 - t0) / n  # ns per item


def median(v):
    return sorted(v)[len(v) // 2]


def measure(n, gc_on):
    """{mode: [ns per item of each run]} and {mode: [slowdown of each run]}"""
    if gc_on:
        gc.enable()
    else:
        gc.disable()
    timed(n, 0)  # warm-up
    res = {name: [] for name, _ in MODES}
    for _ in range(RUNS):
        for name, nframes in MODES:
            res[name].append(timed(n, nframes))
    gc.enable()
    ratio = {name: [a / b for a, b in zip(res[name], res["untraced"])] for name, _ in MODES}
    return res, ratio


def main():
    args = sys.argv[1:]
    bad = [a for a in args if a not in ("--json", "--quick")]
    if bad:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    n = ITEMS // QUICK_DIV if "--quick" in args else ITEMS
    json = "--json" in args
    if not json:
        print("CPython %s, tracemalloc on %d items per run, median of %d runs"
              % (sys.version.split()[0], n, RUNS))
    mib = tracer_memory(n)
    if json:
        print('{"name": "py_n1_overhead_mib", "value": %.3f, "unit": "MiB"}' % mib)
    else:
        print("tracemalloc's own memory, list alive, nframes 1: %.1f MiB" % mib)
    for wl, gc_on in (("gc", True), ("nogc", False)):
        res, ratio = measure(n, gc_on)
        if not json:
            print("-- %s" % ("collector on" if gc_on else "gc.disable()"))
        for name, nframes in MODES:
            if json:
                print('{"name": "py_%s_%s_ns_per_item", "value": %.3f, "unit": "ns/item"}'
                      % (wl, name, median(res[name])))
                if nframes:
                    print('{"name": "py_%s_%s_slowdown", "value": %.3f, "unit": "x"}'
                          % (wl, name, median(ratio[name])))
                continue
            v = res[name]
            label = "untraced" if not nframes else "tracemalloc.start(%d)" % nframes
            print("%-24s %8.1f ns/item (%.1f..%.1f)  %.2fx"
                  % (label, median(v), min(v), max(v), median(ratio[name])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
