/* tests/fuzz/fuzz_harness.h: the graph fuzzer's state, shared by the checks
 * and callbacks (graph_fuzz.c) and the operations (fuzz_ops.c).
 *
 * An input is a program of 4-byte records [op, a, b, c]; every byte string
 * is a valid program (a trailing partial record is ignored). The ops:
 *   0 create    a: kind (list, tuple, dict, set, dict instance, slots
 *               instance, generator); instances: b&1 __del__, generators
 *               always have a cleanup; (b>>1)%6 what the finalizer does, c its
 *               argument; tuples: b%4 items picked from c
 *   1, 15 link  node a gets a reference to node b (c: key/attr/field/local)
 *   2 unlink    node a drops a reference (c: which)
 *   3 hold      the harness drops its reference to node a, or takes one
 *   4 weakref   to node a; b&1 with a callback, which (b>>1)&1 drops root c
 *   5 unweak    drop weakref slot a
 *   6 finalize  mor_finalize on node a; b&1: the function drops root c
 *   7 detach    mor_finalize_detach of slot a
 *   8 collect   generation a%4 (3: -1, full)
 *   9 freeze    a&1: freeze, else unfreeze
 *  10 deepcopy  node a (a TypeError if it reaches an instance or generator)
 *  11 intern    a string of 1-4 letters made of a, b, c
 *  12 clear     empty the resurrection list
 *  13 gen       generator a: b&1 close, else next
 *  14 inspect   repr, eq, hash, deep_sizeof and referents of node a
 * A node operand byte picks among the nodes alive in the model.
 *
 * Two modes, chosen by the top bit of the first byte. Exact (0): automatic
 * collection is off, and after every op the nodes alive must be exactly
 * those the model predicts. Automatic (1): the collector runs on its own
 * thresholds (t0 from bits 4-6 of that byte), at any GC allocation inside any
 * op, so only soundness is checked: no node the harness can reach dies, every
 * dead node was finalized, weakrefs and finalize agree with deaths, and at
 * the end everything is freed. */
#ifndef FUZZ_HARNESS_H
#define FUZZ_HARNESS_H

#include "fuzz_model.h"
#include "mor.h"

#define FZ_MAXW 12     /* weak reference slots */
#define FZ_MAXF 8      /* mor_finalize slots */
#define FZ_MAXS 4      /* interned strings held */
#define FZ_MAXOPS 1024 /* records run per input */
#define FZ_FRAME "fz-node" /* the trace frame that tags nodes' blocks */

/* What a finalizer (__del__, a generator's cleanup) does. */
enum {
    FZ_FIN_NONE,
    FZ_FIN_RESURRECT, /* append itself to the resurrection list */
    FZ_FIN_CLEAR,     /* drop its own references */
    FZ_FIN_LINK_HELD, /* append itself to the first held list with room */
    FZ_FIN_DROP_ROOT, /* the harness drops its reference to node fin_arg */
    FZ_FIN_COLLECT,   /* mor_gc_collect, which must do nothing inside one */
    FZ_NFIN
};

typedef struct fz_wref {
    mor_obj *ref; /* NULL: free slot */
    int target;
    bool has_cb, drop_root;
    uint8_t arg;
    bool cleared; /* the target died or was found unreachable */
    int calls;
} fz_wref;

typedef struct fz_fin {
    mor_obj *obj; /* NULL: free slot */
    int target;
    bool drop_root;
    uint8_t arg;
    bool fired, detached;
    bool fired_now; /* during the current op */
    int calls;
} fz_fin;

typedef struct fz_state {
    mor_rt *rt;
    fz_model m;
    mor_obj *obj[FZ_MAXN]; /* the nodes' objects (the model says which live) */
    int32_t line[FZ_MAXN]; /* trace line of the frame the node was made under */
    mor_obj *R;            /* the resurrection list (its items: m.r) */
    mor_obj *cls[4];       /* dict, dict + __del__, slots, slots + __del__ */
    mor_obj *wr_cb, *fin_fn;
    fz_wref w[FZ_MAXW];
    fz_fin f[FZ_MAXF];
    mor_obj *s[FZ_MAXS];
    bool auto_gc;    /* the automatic mode */
    bool in_collect; /* an explicit collection (fz_op_collect) is running */
    bool in_gc;      /* any collection is running (seen by a gc callback) */
    fz_mask u;       /* exact mode: the unreachable set of the running collection */
    fz_mask reach0;  /* automatic mode: what the harness reached when it started */
    int closing; /* the generator the harness is closing, or -1 */
    bool flush;  /* a failed deepcopy left garbage the model does not know */
    int32_t serial;
    int64_t next_tid;
    int op_index;
    uint8_t op[4];
} fz_state;

extern fz_state fz_g;

#define FZ_CHECK(cond, ...)                                                                    \
    do {                                                                                       \
        if (!(cond))                                                                           \
            fz_fail(__VA_ARGS__);                                                              \
    } while (0)

MOR_NORETURN void fz_fail(const char *fmt, ...) MOR_PRINTF(1, 2);
/* Print the model to stderr (MOR_FUZZ_TRACE=1 prints it after every op). */
void fz_dump(void);
int fz_pick(uint8_t b);
int fz_pick_kind(uint8_t b, int kind);
int fz_free_slot(void);
void fz_drop_root(int j);
/* Settle after an op: check the runtime against the model's expectation
 * (`expect` alive of the nodes alive; `u`: unreachable set of a collection
 * or 0), then forget the dead. */
void fz_settle(fz_mask expect, fz_mask u);
void fz_op_collect(int generation);
void fz_run_op(const uint8_t rec[4]);
mor_obj *fz_gen_step(mor_rt *rt, mor_gen *g, mor_obj *sent);

extern const char *const fz_kind_names[FZ_NKINDS];
extern const char *const fz_attr_names[2][FZ_SLOTS];

#endif
