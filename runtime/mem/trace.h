/* runtime/mem/trace.h: the tracer's records. A traced block maps to its size
 * and an interned traceback; tracebacks are shared by every block allocated
 * at the same site. All of it lives in memory from the C library, outside the
 * funnel, so the tracer never traces or counts itself. */
#ifndef MORI_TRACE_H
#define MORI_TRACE_H

#include "../core/internal.h"

#define MORI_TRACE_MAX_FRAMES 64
/* native frames captured beyond nframes when the runtime's own frames cannot
 * be told apart at capture time (static linking): dropped at symbolization */
#define MORI_TRACE_SLACK 24

/* A frame: a native return address (ip != 0), or an embedder's file:line
 * (ip == 0, file interned in the tracer). */
typedef struct mori_frame {
    uintptr_t ip;
    const char *file;
    int32_t line;
} mori_frame;

/* An interned traceback, and what the live traced blocks allocated there add
 * up to (per-site aggregation: a snapshot reads these, not every block). */
typedef struct mori_tb {
    uint64_t hash;
    uint64_t size;     /* bytes; each sample scaled by its weight when sampling */
    uint64_t count_fp; /* blocks, in units of 1/MORI_TRACE_ONE (weights are fractional) */
    uint32_t id;       /* index in the tracer's tbv */
    uint32_t nframes;
    mori_frame frames[]; /* most recent first */
} mori_tb;

#define MORI_TRACE_ONE 65536u

/* A traced block, 16 bytes. On free the funnel passes the size again; the
 * size kept here (saturated at 4 GiB - 1) serves only when a block is
 * allocated again without a free seen (a collector that frees on its own). */
typedef struct mori_trace_ent {
    uintptr_t ptr; /* 0: empty slot */
    uint32_t tb;   /* traceback id */
    uint32_t size;
} mori_trace_ent;

/* An allocation (tb != NULL) or free not yet applied to the traces table.
 * Applying them in batches lets the table's cache misses overlap (each batch
 * prefetches its slots first); queries flush the batch before reading. */
typedef struct mori_trace_op {
    uintptr_t ptr;
    size_t size;
    mori_tb *tb;
} mori_trace_op;

#define MORI_TRACE_BATCH 64

typedef struct mori_profile_mark {
    const char *file, *func; /* string literals of the caller (__FILE__, __func__) */
    int line;
    uint64_t bytes;
    uintptr_t ip; /* where the mark is: finds the source when __FILE__ is relative */
} mori_profile_mark;

typedef struct mori_tracer {
    bool tracing;
    int nframes;
    uint64_t current, peak;
    /* sampling: one recorded allocation per `sample_bytes` on average */
    uint64_t sample_bytes;
    int64_t sample_left;
    uint64_t rng;
    /* traces: open addressing on the block address, backward-shift deletion */
    mori_trace_ent *traces;
    size_t tmask, tcount;
    /* operations not yet applied to traces; nalloc_ops of them allocations */
    mori_trace_op ops[MORI_TRACE_BATCH];
    unsigned nops, nalloc_ops;
    /* interned tracebacks: a hash set, and by id (tbv[0 .. tbcount)) */
    mori_tb **tbs;
    size_t tbmask, tbcount;
    mori_tb **tbv;
    size_t tbvcap;
    /* a direct-mapped cache from a first frame to its one-frame traceback */
    struct {
        uintptr_t ip;
        mori_tb *tb;
    } cache[256];
    /* the embedder's frame stack (most recent last) and its file names */
    mori_frame *fstack;
    size_t fdepth, fcap;
    char **files;
    size_t nfiles, filescap;
    /* where the runtime's code is (return addresses inside it are skipped at
     * capture) and where this thread's stack is (frame-chain validation) */
    uintptr_t text_lo, text_hi;
    bool text_known;
    uintptr_t stack_lo, stack_hi;
    /* line profile */
    mori_profile_mark *marks;
    size_t nmarks, markcap;
    uint64_t mark_base; /* traced bytes when the first mark was made */
    /* the tracer's own bytes */
    size_t overhead;
} mori_tracer;

/* ---- "trace.c" ------------------------------------------------------------------------- */
MOR_INTERNAL void mori_trace_alloc(mor_rt *rt, void *p, size_t n);
/* n: the size the block was allocated (or last resized) with */
MOR_INTERNAL void mori_trace_free(mor_rt *rt, void *p, size_t n);
MOR_INTERNAL void mori_trace_fini(mor_rt *rt);
/* Apply the pending operations: current, peak and the tracebacks' sums are
 * exact afterwards. Every reader of them calls this first. */
MOR_INTERNAL void mori_trace_flush(mori_tracer *t);

#endif
