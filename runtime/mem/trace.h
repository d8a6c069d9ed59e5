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

/* The traced blocks are kept by 4 KiB window of addresses: a directory maps
 * a window to its chunk, a small open-addressing table of the window's
 * blocks whose home slot grows with the offset in the window. Blocks that
 * are allocated (or freed) one after another are mostly neighbours in
 * memory, so their traces are neighbours too: the tracer's accesses stay
 * in the cache where a table hashed on the whole address misses on each. */
typedef struct mori_trace_chunk mori_trace_chunk;

typedef struct mori_trace_dirent {
    uintptr_t window; /* address >> 12; 0: empty (the first page is never mapped) */
    mori_trace_chunk *chunk;
} mori_trace_dirent;

#define MORI_TRACE_WCACHE 64 /* recently used windows, direct-mapped (hashed) */

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
    /* traces: the directory of windows (open addressing, backward-shift
     * deletion), its cache, and the number of live traces */
    mori_trace_dirent *dir;
    size_t dirmask, dircount;
    mori_trace_dirent wcache[MORI_TRACE_WCACHE];
    size_t tcount;
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
/* The traceback of the live traced block at p, or NULL (not traced, freed). */
MOR_INTERNAL const mori_tb *mori_trace_find(mori_tracer *t, const void *p);

#endif
