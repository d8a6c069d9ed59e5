/* runtime/core/rt.h: the runtime handle. All mutable state of a runtime hangs
 * off this struct: there is no global mutable state anywhere in mor. */
#ifndef MORI_RT_H
#define MORI_RT_H

#include "../gc/collector.h"
#include "../mem/mem.h"
#include "debug.h"
#include "object.h"
#include "ptrmap.h"

/* The string intern table: open addressing over borrowed references. An
 * interned string is NOT kept alive by the table; str_dealloc removes it. */
typedef struct mori_intern_table {
    mor_obj **slots; /* NULL empty, MORI_INTERN_DUMMY deleted */
    size_t mask, used, fill;
} mori_intern_table;
#define MORI_INTERN_DUMMY ((mor_obj *)(uintptr_t)&mori_intern_dummy_)
extern const int mori_intern_dummy_ MOR_INTERNAL;

struct mor_rt {
    mor_config cfg;
    mori_mem mem;
    mori_gc gc;

    /* exceptions */
    mor_obj *exc;          /* the pending exception (owned), or NULL */
    mor_obj *memory_error; /* preallocated, raised when raising cannot allocate */
    mor_unraisable_fn unraisable;
    void *unraisable_ud;

    /* Deallocation runs with a bounded C stack: past MORI_DEALLOC_DEPTH nested
     * deallocations a dying GC object is parked on `deferred` (linked through
     * its collector links) and freed when the outermost one finishes. */
    unsigned dealloc_depth;
    mori_gchead *deferred;

    /* nesting of recursive operations, and objects being repr'd */
    unsigned depth;
    mor_obj **repr_stack;
    size_t repr_n, repr_cap;

    /* immortal singletons */
    mor_obj none, notimpl;
    mor_obj *true_obj, *false_obj;
    mor_obj *small_ints; /* an array of small_max - small_min + 1 int objects */
    int64_t small_min, small_max;
    mor_obj *empty_str, *empty_tuple, *empty_bytes;
    mor_obj *chars[128]; /* one-character ASCII strings */

    /* strings */
    uint64_t sip_k0, sip_k1; /* SipHash key, random per runtime */
    mori_intern_table interned;

    /* weak references: target address -> newest reference (gc/weakref.h) */
    mori_ptrmap weakrefs;

    /* allocation tracing (mem/trace.h) and its symbolizer (inspect/), NULL
     * until first used */
    struct mori_tracer *tracer;
    struct mori_symbolizer *symbolizer;

    unsigned raising;   /* > 0 while an exception is being built (OOM recursion guard) */
    bool shutting_down;
#if MORI_POISON
    mori_quarantine quarantine; /* freed objects, poisoned (core/debug.h) */
#endif
};

#define MORI_DEALLOC_DEPTH 64

/* Make an object immortal and owned by the runtime: never freed by refcount,
 * never reported as a leak, freed by the runtime at mor_rt_free. */
static inline void mori_rt_make_static(mor_rt *rt, mor_obj *o)
{
    o->refcnt = MOR_REFCNT_IMMORTAL;
    if (!(o->flags & MORI_OF_STATIC)) {
        o->flags |= MORI_OF_STATIC;
        rt->mem.live_objects--;
    }
}

#ifndef MOR_BACKEND_BOEHM
/* Link a consistent GC object into generation 0. */
static inline void mori_gc_track(mor_rt *rt, mor_obj *o)
{
    MORI_CHECK(2, o, mori_is_gc(o) && !(o->flags & MORI_OF_TRACKED));
    mori_gclist_append(&rt->gc.gens[0].head, mori_gc_head(o));
    o->flags |= MORI_OF_TRACKED;
}

/* Take o off its list, if it is on one. */
static inline void mori_gc_untrack(mor_rt *rt, mor_obj *o)
{
    (void)rt;
    if (o->flags & MORI_OF_TRACKED) {
        mori_gclist_remove(mori_gc_head(o));
        o->flags &= ~MORI_OF_TRACKED;
    }
}
#endif

/* Recursion guard for call/repr/eq/compare/copy nesting: -1 + RecursionError
 * ("maximum recursion depth exceeded" + what) past cfg.recursion_limit. */
static inline int mori_enter(mor_rt *rt, const char *what)
{
    if (MOR_UNLIKELY(++rt->depth > rt->cfg.recursion_limit))
        return mori_enter_failed(rt, what);
    return 0;
}

static inline void mori_leave(mor_rt *rt) { rt->depth--; }

/* ---- allocation helpers for pooled objects -------------------------------------
 * mori_obj_alloc/mori_gc_alloc (object.c) cover the general case; types that
 * take blocks from a pool use these to do the same bookkeeping inline. */

/* The safe point of GC allocation: run a scheduled collection now, before a
 * new block is handed out. */
static inline void mori_gc_safepoint(mor_rt *rt)
{
    if (MOR_UNLIKELY(rt->gc.pending))
        mori_gc_collect_scheduled(rt);
}

/* Count a GC allocation in generation 0; schedule a collection past the
 * threshold (it runs at the next safe point). */
static inline void mori_gc_count_alloc(mor_rt *rt)
{
    mori_gen *g0 = &rt->gc.gens[0];
    if (++g0->count > g0->threshold && g0->threshold != 0 && rt->gc.enabled && !rt->gc.collecting)
        rt->gc.pending = true;
}

/* Turn a fresh block (collector links first) into an untracked GC object. */
static inline mor_obj *mori_gc_adopt(mor_rt *rt, void *block, const mor_type *t)
{
    mori_gchead *h = (mori_gchead *)block;
    h->next = h->prev = NULL;
    mor_obj *o = mori_gc_obj(h);
    mori_init_header(o, t);
    rt->mem.live_objects++;
    rt->gc.objects++;
    mori_gc_count_alloc(rt);
    return o;
}

/* The bookkeeping of freeing a GC object; returns its block. */
static inline void *mori_gc_release(mor_rt *rt, mor_obj *o)
{
    if (rt->gc.gens[0].count > 0)
        rt->gc.gens[0].count--;
    if (!(o->flags & MORI_OF_STATIC)) {
        rt->mem.live_objects--;
        rt->gc.objects--;
    }
    return mori_gc_head(o);
}

/* The same for plain (non-GC) objects. */
static inline mor_obj *mori_obj_adopt(mor_rt *rt, void *block, const mor_type *t)
{
    mor_obj *o = (mor_obj *)block;
    mori_init_header(o, t);
    rt->mem.live_objects++;
    return o;
}

static inline void *mori_obj_release(mor_rt *rt, mor_obj *o)
{
    if (!(o->flags & MORI_OF_STATIC))
        rt->mem.live_objects--;
    return o;
}

/* ---- "error.c" ------------------------------------------------------------- */
MOR_INTERNAL void mori_error_init(mor_rt *rt);

#endif
