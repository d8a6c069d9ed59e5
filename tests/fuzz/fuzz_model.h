/* tests/fuzz/fuzz_model.h: the graph fuzzer's model of the object graph. It
 * knows every reference a node holds to another node and every reference the
 * harness holds (its roots), and from that alone predicts which nodes
 * reference counting and the cycle collector must free. No runtime call. */
#ifndef FUZZ_MODEL_H
#define FUZZ_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#define FZ_MAXN 48   /* node slots (a mask is 64 bits) */
#define FZ_SLOTS 4   /* keyed references: dict keys 0..3, attributes, fields, locals */
#define FZ_MAXSEQ 6  /* items of a list, set or tuple */
#define FZ_MAXR 1024 /* entries of the resurrection list */

typedef uint64_t fz_mask;
#define FZ_BIT(i) ((fz_mask)1 << (i))

typedef enum fz_kind {
    FZ_LIST,
    FZ_TUPLE,
    FZ_DICT,
    FZ_SET,
    FZ_DINST, /* instance of a dict-based class */
    FZ_SINST, /* instance of a slots class */
    FZ_GEN,
    FZ_NKINDS
} fz_kind;

/* A node: one container, instance or generator of the runtime.
 * Invariant: `used` nodes are alive in the runtime (checked after every op),
 * and e[] lists exactly the references the object holds to other nodes.
 * Sequence kinds (list, set, tuple) keep e[0..n) in order (a set's order is
 * irrelevant); keyed kinds keep e[slot] for slot < FZ_SLOTS, -1 when empty. */
typedef struct fz_node {
    bool used;
    uint8_t kind;
    bool held;        /* the harness owns one reference */
    bool has_fin;     /* an instance of a class with __del__, or a generator */
    uint8_t fin_mode; /* what its finalizer (generator: cleanup) does */
    uint8_t fin_arg;
    bool finalized;   /* __del__ ran, or the generator's cleanup ran */
    bool tracked;     /* on a collector list, as observed after the last op */
    bool frozen;      /* in the permanent generation */
    uint8_t gen;      /* its generation while tracked and not frozen */
    int8_t n;         /* sequence kinds: number of items */
    int8_t e[FZ_MAXSEQ];
    int64_t tid;      /* tuples: the id stored as item 0 (copies keep it) */
} fz_node;

typedef struct fz_model {
    fz_node n[FZ_MAXN];
    int16_t r[FZ_MAXR]; /* the resurrection list: a root, in order */
    int nr;
} fz_model;

static inline bool fz_kind_is_seq(int kind)
{
    return kind == FZ_LIST || kind == FZ_SET || kind == FZ_TUPLE;
}

/* The node's references to other nodes, with multiplicity; returns how many. */
int fz_edges(const fz_model *m, int i, int out[FZ_MAXSEQ]);
fz_mask fz_alive(const fz_model *m);
/* Nodes the harness holds, directly or in the resurrection list. */
fz_mask fz_roots(const fz_model *m);
/* Nodes of `within` reachable from `from` (which is included) through edges. */
fz_mask fz_reach(const fz_model *m, fz_mask from, fz_mask within);
/* What reference counting keeps of `alive`: remove nodes with no reference
 * from a root or a kept node until none is left to remove. Cycles (and all
 * they reach) stay. */
fz_mask fz_refcount_keep(const fz_model *m, fz_mask alive);
/* The collector's unreachable set among the candidates `young` (all alive):
 * those not reachable from a candidate with a reference from outside the
 * candidates (a root, or any alive node not a candidate). */
fz_mask fz_unreachable(const fz_model *m, fz_mask alive, fz_mask young);
/* What survives a collection whose unreachable set was `u`, given the graph
 * as the finalizers and callbacks left it: unreachable nodes that something
 * outside `u` references again are resurrected with all they reach; the
 * rest die, then reference counting runs. `alive`: nodes alive before. */
fz_mask fz_after_collect(const fz_model *m, fz_mask alive, fz_mask u);
/* Hashable in the runtime: instances (by identity) and tuples of hashables. */
bool fz_hashable(const fz_model *m, int i);
/* Equal in the runtime, for hashable nodes (tuples compare by items). */
bool fz_equal(const fz_model *m, int a, int b);
/* Does mor_deepcopy return the node itself (a tuple of such tuples and its id)? */
bool fz_copies_to_self(const fz_model *m, int i);

static inline int fz_popcount(fz_mask x) { return __builtin_popcountll(x); }

#endif
