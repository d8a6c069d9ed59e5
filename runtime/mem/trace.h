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

typedef struct mori_tb {
    uint64_t hash;
    uint32_t nframes;
    mori_frame frames[]; /* most recent first */
} mori_tb;

typedef struct mori_trace_ent {
    uintptr_t ptr; /* 0: empty slot */
    uint64_t size;
    mori_tb *tb;
    double weight; /* allocations this trace stands for (1 unless sampling) */
} mori_trace_ent;

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
    /* interned tracebacks */
    mori_tb **tbs;
    size_t tbmask, tbcount;
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
MOR_INTERNAL void mori_trace_free(mor_rt *rt, void *p);
MOR_INTERNAL void mori_trace_fini(mor_rt *rt);
/* The live trace of the block at p, or NULL (not traced, or freed). */
MOR_INTERNAL const mori_trace_ent *mori_trace_find(const mori_tracer *t, const void *p);
/* Iterate the live traces: *pos starts at 0; NULL at the end. */
MOR_INTERNAL const mori_trace_ent *mori_trace_next(const mori_tracer *t, size_t *pos);

#endif
