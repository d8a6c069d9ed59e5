/* mor/inspect.h: sizes, copies and allocator statistics. */
#ifndef MOR_INSPECT_H
#define MOR_INSPECT_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Shallow size in bytes, as sys.getsizeof counts it: the object's own block
 * including its collector links and inline items, plus any separately
 * allocated item storage it owns (a list's item array, a dict's or set's
 * table), not the objects it refers to. */
MOR_API size_t mor_sizeof(const mor_obj *o);

/* Every distinct object reachable from o (through the collector's traverse
 * slots) counted once, cycles and sharing included, plus storage that
 * mor_sizeof leaves out (a dict instance's values array). Immortal objects
 * (None, small ints, ...) are shared by everything and are not counted; nor
 * are classes reached from their instances. Iterative: a 1,000,000-deep
 * structure is fine. -1 with MemoryError. */
MOR_API int64_t mor_deep_sizeof(mor_rt *rt, mor_obj *o);

/* Process figures: peak resident set size (VmHWM), current RSS (from
 * /proc/self/statm), and user and system CPU time. -1 + errno on failure. */
typedef struct mor_rusage {
    size_t max_rss_bytes, current_rss_bytes;
    double user_seconds, system_seconds;
} mor_rusage;
MOR_API int mor_get_rusage(mor_rusage *out);

/* Graphviz DOT of the objects reachable from root (direction
 * MOR_GRAPH_REFERENTS, through traverse) or referring to it
 * (MOR_GRAPH_REFERRERS, through mor_gc_get_referrers), max_depth edges away;
 * each node labelled with its type, a short repr and its size. Each object and
 * edge is drawn once, so cycles are fine. -1 with an exception. */
#define MOR_GRAPH_REFERENTS 0u
#define MOR_GRAPH_REFERRERS 1u
MOR_API int mor_graph_dot(mor_rt *rt, mor_obj *root, int max_depth, unsigned direction, FILE *out);

/* A shallow copy: a new container sharing the items (immutable objects are
 * returned as they are). */
MOR_API mor_obj *mor_copy(mor_rt *rt, mor_obj *o);
/* A deep copy with a memo: cycles and shared sub-objects keep their shape,
 * immutable atomic objects are shared. RecursionError past recursion_limit. */
MOR_API mor_obj *mor_deepcopy(mor_rt *rt, mor_obj *o);

/* Allocation statistics of the funnel. Size classes: 16-byte steps up to 512
 * bytes, then powers of two. */
#define MOR_ALLOC_SMALL_CLASSES 32   /* 1..16, 17..32, ..., 497..512 */
#define MOR_ALLOC_LARGE_CLASSES 24   /* 513..1K, ..., 2^32..; last one open-ended */
#define MOR_ALLOC_CLASSES (MOR_ALLOC_SMALL_CLASSES + MOR_ALLOC_LARGE_CLASSES)
#define MOR_ALLOC_POOLS 4
typedef struct mor_alloc_class_stats {
    size_t limit;       /* largest request size in the class */
    uint64_t live_blocks, live_bytes, total_allocs;
} mor_alloc_class_stats;
typedef struct mor_pool_stats {
    const char *name;        /* "float", "int", "list", "tuple" */
    uint64_t hits, misses;   /* allocations served from / not from the pool */
    uint64_t cached;         /* blocks sitting in the pool now */
    uint64_t cached_bytes;
} mor_pool_stats;
typedef struct mor_alloc_stats {
    const char *backend;       /* "mimalloc", "malloc", "boehm" */
    uint64_t live_blocks;      /* blocks held from the backend (those cached in pools included) */
    uint64_t live_bytes;       /* bytes requested by those blocks */
    uint64_t peak_bytes;       /* highest live_bytes seen */
    uint64_t pooled_blocks;    /* of live_blocks, those sitting unused in pools */
    uint64_t pooled_bytes;
    uint64_t total_allocs, total_frees, total_reallocs;
    uint64_t failed_allocs;    /* allocations that failed (injected or real) */
    uint64_t emergency_collections;
    uint64_t live_objects;     /* objects alive, runtime singletons excluded */
    mor_alloc_class_stats classes[MOR_ALLOC_CLASSES];
    mor_pool_stats pools[MOR_ALLOC_POOLS];
} mor_alloc_stats;

/* Under mor-boehm the heap is Boehm's and shared by the process: live_bytes is
 * its heap size minus its free bytes (GC_get_heap_size - GC_get_free_bytes),
 * peak_bytes the heap size; live_blocks, total_frees and live_objects are 0
 * and the per-class figures count allocations only (nothing is freed one
 * block at a time); the pools are not used. */
MOR_API void mor_alloc_get_stats(mor_rt *rt, mor_alloc_stats *out);
/* A report in the spirit of sys._debugmallocstats. */
MOR_API void mor_alloc_print_stats(mor_rt *rt, FILE *out);
/* Fail the Nth allocation from now (1 = the next one), and its retry after
 * the emergency collection, so that MemoryError reaches the caller; 0 turns
 * it off. */
MOR_API void mor_alloc_fail_after(mor_rt *rt, uint64_t n);

#ifdef __cplusplus
}
#endif
#endif
