"""CPython figures for the instance rows of demos/bench_core.c: create+drop of a
2-attribute instance (plain class and __slots__, __init__ setting both) and
attribute get/set on a held instance. Same method as the reference script
../shared/reference/cpython/alloc_throughput.py (section 5 of
cpython311-figures.md): N loop iterations per run, 5 runs, ns per iteration as
median (min..max), "net" = median minus the median of the empty loop `t = i`.
Run it beside bench_core for a same-run comparison: python3 bench_core_ref.py
(--cpu: time with the process's CPU time, as bench_core --cpu does; --quick: 100k
iterations, a smoke test).
"""
import statistics
import sys
import time

N = 10_000_000 if "--quick" not in sys.argv else 100_000
CLOCK = time.process_time if "--cpu" in sys.argv else time.perf_counter


class P2:
    def __init__(self, a, b):
        self.a = a
        self.b = b


class S2:
    __slots__ = ("a", "b")

    def __init__(self, a, b):
        self.a = a
        self.b = b


# Every loop takes (n, o) and reads o as a local, as the empty loop would.
def loop_empty(n, o):
    for i in range(n):
        t = i


def loop_plain2(n, o):
    c = P2
    for i in range(n):
        t = c(i, i)


def loop_slots2(n, o):
    c = S2
    for i in range(n):
        t = c(i, i)


def loop_get(n, o):
    for i in range(n):
        t = o.a


def loop_set(n, o):
    for i in range(n):
        o.a = i


cases = [
    ("empty loop (t = i)", loop_empty, None),
    ("plain instance P2(i, i), __init__ sets 2 attrs", loop_plain2, None),
    ("__slots__ instance S2(i, i), same __init__", loop_slots2, None),
    ("attribute get t = o.a, plain instance", loop_get, P2(1, 2)),
    ("attribute set o.a = i, plain instance", loop_set, P2(1, 2)),
    ("attribute get t = o.a, __slots__ instance", loop_get, S2(1, 2)),
    ("attribute set o.a = i, __slots__ instance", loop_set, S2(1, 2)),
]

with open("/proc/loadavg") as f:
    load = f.read().strip()
print(f"python {sys.version.split()[0]}; N = {N:,} per run; ns per iteration: "
      f"median (min..max) over 5 runs; net = minus the empty-loop median")
print(f"clock: {'process CPU time (--cpu)' if '--cpu' in sys.argv else 'wall time'}; "
      f"load average: {load}")
print(f"{'case':<50} {'ns median (min..max)':>24} {'net ns':>8}")
loop_empty(N, None)  # a warm-up run, so that the first timed case is not the slowest
base = None
for label, fn, obj in cases:
    ts = []
    for _ in range(5):
        t0 = CLOCK()
        fn(N, obj)
        ts.append((CLOCK() - t0) / N * 1e9)
    ts.sort()
    m = statistics.median(ts)
    if base is None:
        base = m
    print(f"{label:<50} {f'{m:.1f} ({ts[0]:.1f}..{ts[-1]:.1f})':>24} {m - base:>8.1f}")
