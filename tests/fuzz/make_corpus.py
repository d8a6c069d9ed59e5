#!/usr/bin/env python3
"""Write the graph fuzzer's seed corpus (tests/fuzz/corpus): small programs
that between them use every operation and every finalizer behaviour, each in
the exact mode and in the automatic-collection mode. The encoding is
described at the top of fuzz_harness.h; node operands pick among the live
nodes in slot order, so small numbers name the first nodes made."""
import os
import sys

LIST, TUPLE, DICT, SET, DINST, SINST, GEN = range(7)
(F_NONE, F_RESURRECT, F_CLEAR, F_LINK_HELD, F_DROP_ROOT, F_COLLECT) = range(6)


def create(kind, b=0, c=0):
    return [0, kind, b, c]


def instance(kind, fin=None, mode=F_NONE, arg=0):
    """An instance; with fin, its class has __del__ doing `mode`."""
    return create(kind, (1 if fin else 0) | (mode << 1), arg)


def gen(mode=F_NONE, arg=0):
    return create(GEN, mode << 1, arg)


def tuple_of(nitems, first=0):
    return create(TUPLE, nitems, first)


def link(a, b, slot=0):
    return [1, a, b, slot]


def unlink(a, which=0):
    return [2, a, 0, which]


def hold(a):
    return [3, a, 0, 0]


def weakref(a, callback=False, drop_root=None):
    b = (1 if callback else 0) | (2 if drop_root is not None else 0)
    return [4, a, b, drop_root or 0]


def unweak(slot):
    return [5, slot, 0, 0]


def finalize(a, drop_root=None):
    return [6, a, 1 if drop_root is not None else 0, drop_root or 0]


def detach(slot):
    return [7, slot, 0, 0]


def collect(generation):
    return [8, 3 if generation == -1 else generation, 0, 0]


def freeze(on=True):
    return [9, 1 if on else 0, 0, 0]


def deepcopy(a):
    return [10, a, 0, 0]


def intern(length, b, c, slot=0):
    return [11, (length - 1) | (slot << 2), b, c]


def clear_r():
    return [12, 0, 0, 0]


def gen_op(a, close=False):
    return [13, a, 1 if close else 0, 0]


def inspect(a):
    return [14, a, 0, 0]


SEEDS = {
    # a two-list cycle, dropped, found by a full collection
    "cycle-lists": [create(LIST), create(LIST), link(0, 1), link(1, 0), inspect(0),
                    hold(0), hold(1), collect(-1)],
    # dict -> set -> tuple -> instance -> dict, aged into generation 1 first:
    # a generation-0 collection must leave it, a generation-1 one free it
    "cycle-dict-set": [create(DICT), create(DINST), tuple_of(1, 1), create(SET),
                       link(3, 2), link(0, 3, 1), link(1, 0, 2), collect(0),
                       hold(0), hold(1), hold(2), hold(3), collect(0), collect(1)],
    # instances with __del__ in a cycle: each finalized once
    "del-cycle": [instance(DINST, True), instance(SINST, True), link(0, 1, 0), link(1, 0, 1),
                  hold(0), hold(1), collect(-1), collect(-1)],
    # a finalizer resurrects its object (and the list in its cycle) into the
    # resurrection list; once that is cleared both die, no second __del__
    "del-resurrect": [instance(DINST, True, F_RESURRECT), create(LIST), link(0, 1), link(1, 0),
                      hold(0), hold(1), collect(-1), clear_r(), collect(-1)],
    # a finalizer run by a refcount death links itself into a held list
    "del-link-held": [create(LIST), instance(SINST, True, F_LINK_HELD), hold(1), inspect(0),
                      unlink(0), collect(-1)],
    # a finalizer clears its references mid-collection: the list dies by
    # refcount while the collector still holds the rest of the cycle
    "del-clear": [instance(DINST, True, F_CLEAR), create(LIST), create(DICT), link(0, 1, 0),
                  link(1, 2), link(2, 0, 3), hold(0), hold(1), hold(2), collect(-1)],
    # a finalizer drops another of the harness's roots
    "del-drop-root": [create(LIST), instance(DINST, True, F_DROP_ROOT, 0), link(1, 1, 2),
                      hold(1), collect(-1)],
    # a finalizer calls the collector from inside a collection
    "del-collect": [instance(SINST, True, F_COLLECT), link(0, 0, 1), hold(0), collect(-1)],
    # generators holding the next one: run, closed, collected; one
    # resurrects itself from its cleanup
    "gens": [gen(), gen(F_RESURRECT), gen(F_CLEAR), link(0, 1, 0), link(1, 2, 1),
             link(2, 0, 2), gen_op(0), gen_op(1), gen_op(2, True), gen_op(2), hold(0), hold(1),
             hold(2), collect(-1), clear_r(), collect(-1)],
    # weak references with and without callbacks (shared when without), one
    # callback dropping a root, one refused (a list)
    "weakrefs": [instance(DINST), instance(SINST, True), create(LIST), link(0, 1, 0),
                 link(1, 0, 1), weakref(0), weakref(0), weakref(1, True),
                 weakref(0, True, drop_root=2), weakref(2), unweak(1), hold(0), hold(1),
                 collect(-1)],
    # weakref.finalize: two fire in a collection (one dropping a root), one
    # is detached (twice: the second gives None)
    "finalize": [instance(DINST), gen(), create(DICT), finalize(0), finalize(1, drop_root=2),
                 finalize(0), detach(2), detach(2), link(0, 1, 0), link(1, 0, 0), hold(0),
                 hold(1), collect(-1)],
    # frozen garbage survives every collection until unfrozen into generation 2
    "freeze": [create(LIST), create(LIST), link(0, 1), link(1, 0), collect(0), freeze(),
               hold(0), hold(1), collect(-1), freeze(False), collect(1), collect(-1)],
    # deep copies of a cyclic list/dict/set/tuple graph (the tuple of atoms
    # is shared), then one that meets an instance and fails
    "deepcopy": [create(LIST), create(DICT), tuple_of(0), create(SET), link(0, 1), link(1, 0, 2),
                 link(3, 2), link(0, 3), link(0, 2), deepcopy(0), deepcopy(2), inspect(4),
                 instance(DINST), link(1, 7, 1), deepcopy(0), hold(0), collect(-1)],
    # interned strings: equal contents share one object while it lives
    "intern": [intern(3, 4, 7, 0), intern(3, 4, 7, 1), intern(2, 4, 7, 2), intern(1, 0, 0, 3),
               intern(3, 4, 7, 0), intern(4, 8, 8, 1)],
    # sets refuse unhashable nodes; tuples of instances are hashable
    "hashing": [create(SET), create(LIST), instance(SINST), tuple_of(1, 2), tuple_of(1, 1),
                link(0, 1), link(0, 2), link(0, 3), link(0, 4), inspect(3), inspect(4),
                unlink(0, 1), collect(-1)],
}

# Programs that only mean something in automatic mode (threshold 1): the
# collection runs at the allocation inside mor_finalize_detach (regression
# seed of the use after free fixed in runtime/gc/finalize.c).
AUTO_SEEDS = {
    "detach-mid-collection": [instance(DINST), link(0, 0, 0), finalize(0), create(LIST),
                              create(LIST), create(LIST), hold(0), detach(0), collect(-1)],
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus")
    os.makedirs(out, exist_ok=True)
    n = 0
    for k, (name, ops) in enumerate(SEEDS.items()):
        data = bytearray(b & 0xFF for op in ops for b in op)
        with open(os.path.join(out, name + ".bin"), "wb") as f:
            f.write(data)
        # the same program in automatic mode (the first byte's top bit),
        # generation-0 threshold 1..8 (bits 4-6)
        data[0] |= 0x80 | (k % 8) << 4
        with open(os.path.join(out, "auto-" + name + ".bin"), "wb") as f:
            f.write(data)
        n += 2
    for name, ops in AUTO_SEEDS.items():
        data = bytearray(b & 0xFF for op in ops for b in op)
        data[0] |= 0x80
        with open(os.path.join(out, "auto-" + name + ".bin"), "wb") as f:
            f.write(data)
        n += 1
    print(f"wrote {n} seeds to {out}")


if __name__ == "__main__":
    main()
