/* runtime/mem/mem.h: the allocation funnel. Every object and every buffer an
 * object owns is allocated here; statistics, allocation-failure injection, the
 * emergency collection and (later) tracing hook in at this one place. */
#ifndef MORI_MEM_H
#define MORI_MEM_H

#include "../core/internal.h"

/* What a block holds. The backends use it: mimalloc keeps objects and buffers
 * in separate heaps so that live objects can be enumerated at shutdown; Boehm
 * allocates pointer-free kinds with GC_MALLOC_ATOMIC. */
typedef enum mori_mem_kind {
    MORI_MEM_GC_OBJECT,     /* a GC object, collector links first */
    MORI_MEM_OBJECT,        /* a plain object that may hold pointers (lru nodes, statistics) */
    MORI_MEM_ATOMIC_OBJECT, /* a plain object with no pointers but its type (int, str, ...) */
    MORI_MEM_BUFFER,        /* a buffer that holds object pointers (list items, dict table) */
    MORI_MEM_ATOMIC,        /* a buffer with no pointers (text, numbers) */
    MORI_MEM_KINDS
} mori_mem_kind;

/* ---- the backend seam: one file per backend implements these ------------ */
typedef struct mori_backend mori_backend; /* backend-private state */
MOR_INTERNAL mori_backend *mori_backend_new(void);
MOR_INTERNAL void mori_backend_destroy(mori_backend *b); /* frees every block */
MOR_INTERNAL void *mori_backend_alloc(mori_backend *b, size_t n, mori_mem_kind kind);
MOR_INTERNAL void *mori_backend_realloc(mori_backend *b, void *p, size_t n, mori_mem_kind kind);
MOR_INTERNAL void mori_backend_free(mori_backend *b, void *p, mori_mem_kind kind);
/* usable bytes of a block (>= requested) */
MOR_INTERNAL size_t mori_backend_usable(mori_backend *b, void *p);
/* Calls fn for every block of `kind` still allocated; false if the backend
 * cannot enumerate (malloc). */
MOR_INTERNAL bool mori_backend_visit(mori_backend *b, mori_mem_kind kind,
                                     void (*fn)(void *block, size_t size, void *ud), void *ud);
MOR_INTERNAL const char *mori_backend_name(void);
MOR_INTERNAL void mori_backend_print_stats(mori_backend *b, FILE *out);
/* The runtime handle's own block: zeroed; for a conservative collector an
 * uncollectable block that is scanned, so the handle's pointers are roots. */
MOR_INTERNAL void *mori_backend_root_alloc(size_t n);
MOR_INTERNAL void mori_backend_root_free(void *p);
/* Is memory given back one block at a time through the funnel (refcounting)?
 * False under a tracing collector, where the funnel's live counts (objects,
 * bytes) mean nothing and the backend's heap figures are used instead. */
MOR_INTERNAL bool mori_backend_counts_frees(void);
/* May the calling thread free the runtime whose backend this is? (mimalloc:
 * only the thread that made it; malloc and Boehm: any thread.) */
MOR_INTERNAL bool mori_backend_is_owner(mori_backend *b);
/* Heap figures of a tracing backend (live and total heap bytes); false if
 * the funnel's own counts are the truth. */
MOR_INTERNAL bool mori_backend_heap_stats(mori_backend *b, uint64_t *live, uint64_t *heap);

/* ---- pools: bounded free lists for the hottest small objects -------------- */
typedef struct mori_pool {
    void *head;        /* singly linked through the first word of each block */
    uint32_t count, max;
    uint32_t blocksize;
    mori_mem_kind kind;
    uint64_t hits, misses;
} mori_pool;

#define MORI_TUPLE_POOLS 16 /* tuples of 1..16 items */
#define MORI_POOL_FLOAT 0
#define MORI_POOL_INT 1
#define MORI_POOL_LIST 2
#define MORI_POOL_TUPLE0 3 /* + size - 1 */
#define MORI_NPOOLS (MORI_POOL_TUPLE0 + MORI_TUPLE_POOLS)

typedef struct mori_class_stats {
    uint64_t live_blocks, live_bytes, allocs;
} mori_class_stats;

/* The funnel's state, embedded in the runtime. `slow` is non-zero whenever
 * any hook is active (failure injection, tracing): the fast path tests it once. */
typedef struct mori_mem {
    mori_backend *backend;
    unsigned slow;
    bool in_emergency;
    uint64_t fail_countdown;  /* >0: the allocation that brings it to 0 fails */
    bool fail_retry;          /* ...and so does its retry after the emergency collection */
    mor_alloc_fail_fn fail_fn;
    void *fail_ud;
    uint64_t live_bytes, peak_bytes, reallocs, failed, emergencies;
    uint64_t live_objects;    /* objects (not buffers) in use, static ones excluded */
    mori_class_stats classes[MOR_ALLOC_CLASSES];
    mori_pool pools[MORI_NPOOLS];
} mori_mem;

#define MORI_MEM_SLOW_FAIL 1u
#define MORI_MEM_SLOW_TRACE 2u

/* ---- "funnel.c" ------------------------------------------------------------ */
MOR_INTERNAL int mori_mem_init(mor_rt *rt);
MOR_INTERNAL void mori_mem_fini(mor_rt *rt); /* frees every block */
/* n bytes of the given kind; NULL + MemoryError (after one emergency collection
 * and one retry). n == 0 allocates a minimal block. */
MOR_INTERNAL void *mori_mem_alloc(mor_rt *rt, size_t n, mori_mem_kind kind);
MOR_INTERNAL void *mori_mem_zalloc(mor_rt *rt, size_t n, mori_mem_kind kind);
/* Resize; on failure NULL + MemoryError and p is untouched. Growing asks the
 * backend for geometric slack, so repeated growth of one block is amortized
 * linear whatever the backend's size classes. */
MOR_INTERNAL void *mori_mem_realloc(mor_rt *rt, void *p, size_t old_n, size_t new_n, mori_mem_kind kind);
/* Grow a block that is likely to grow again (str append): keeps geometric
 * slack so that a run of growths is amortized linear. Same contract as
 * mori_mem_realloc; the statistics count new_n. */
MOR_INTERNAL void *mori_mem_grow(mor_rt *rt, void *p, size_t old_n, size_t new_n, mori_mem_kind kind);
MOR_INTERNAL void mori_mem_free(mor_rt *rt, void *p, size_t n, mori_mem_kind kind);
/* Recompute mem.slow after a hook was turned on or off. */
MOR_INTERNAL void mori_mem_update_slow(mor_rt *rt);

/* Size class of a request: 16-byte steps to 512, then powers of two. */
static inline unsigned mori_size_class(size_t n)
{
    if (n <= 512)
        return n ? (unsigned)((n - 1) >> 4) : 0;
    unsigned lg = 64u - (unsigned)__builtin_clzll((unsigned long long)(n - 1)); /* 513..1024 -> 10 */
    unsigned c = MOR_ALLOC_SMALL_CLASSES + (lg - 10u);
    return c < MOR_ALLOC_CLASSES ? c : MOR_ALLOC_CLASSES - 1;
}

/* Accounting shared by the funnel and the pools (the fast paths; the tracer
 * hooks in on the slow path). */
static inline void mori_mem_count_alloc(mori_mem *m, size_t n)
{
    mori_class_stats *c = &m->classes[mori_size_class(n)];
    c->live_blocks++;
    c->live_bytes += n;
    c->allocs++;
    m->live_bytes += n;
    if (m->live_bytes > m->peak_bytes)
        m->peak_bytes = m->live_bytes;
}

static inline void mori_mem_count_free(mori_mem *m, size_t n)
{
    mori_class_stats *c = &m->classes[mori_size_class(n)];
    c->live_blocks--;
    c->live_bytes -= n;
    m->live_bytes -= n;
}

/* ---- "pool.c" -------------------------------------------------------------- */
MOR_INTERNAL void mori_pool_init(mor_rt *rt);
MOR_INTERNAL void mori_pool_drain(mor_rt *rt, mori_pool *pool); /* give every block back */
MOR_INTERNAL void mori_pool_drain_all(mor_rt *rt);
MOR_INTERNAL void *mori_pool_take_slow(mor_rt *rt, mori_pool *pool);
MOR_INTERNAL void mori_pool_give_slow(mor_rt *rt, mori_pool *pool, void *p);

#endif
