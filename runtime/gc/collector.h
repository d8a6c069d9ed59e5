/* runtime/gc/collector.h: the collector's links in front of every GC object, the
 * generation lists, and tracking. The collector itself is in collect.c.
 *
 * Invariants (checked by mori_gc_validate at debug level 3):
 *  - a GC object is on exactly one list (a generation, the permanent
 *    generation, or one of a collection's scratch lists) iff MORI_OF_TRACKED;
 *  - outside a collection every list is a well-formed circular doubly linked
 *    list and no object has COLLECTING or UNREACHABLE set;
 *  - an untracked GC object has next == prev == NULL (except while it sits on
 *    the deferred-deallocation list, where next links that list). */
#ifndef MORI_GC_H
#define MORI_GC_H

#include "../core/object.h"
#include "mor/gc.h"

typedef struct mori_gchead {
    struct mori_gchead *next;
    struct mori_gchead *prev; /* during a collection: the object's gc_refs */
} mori_gchead;

#define MORI_GC_HEAD_SIZE sizeof(mori_gchead)

static inline mori_gchead *mori_gc_head(const mor_obj *o) { return (mori_gchead *)o - 1; }
static inline mor_obj *mori_gc_obj(const mori_gchead *h) { return (mor_obj *)(h + 1); }

static inline void mori_gclist_init(mori_gchead *list) { list->next = list->prev = list; }
static inline bool mori_gclist_empty(const mori_gchead *list) { return list->next == list; }

static inline void mori_gclist_append(mori_gchead *list, mori_gchead *h)
{
    mori_gchead *last = list->prev;
    h->prev = last;
    h->next = list;
    last->next = h;
    list->prev = h;
}

static inline void mori_gclist_remove(mori_gchead *h)
{
    h->prev->next = h->next;
    h->next->prev = h->prev;
    h->next = h->prev = NULL;
}

/* Move every element of `from` to the end of `to`; `from` becomes empty. */
static inline void mori_gclist_merge(mori_gchead *from, mori_gchead *to)
{
    if (mori_gclist_empty(from))
        return;
    mori_gchead *last = to->prev;
    last->next = from->next;
    from->next->prev = last;
    to->prev = from->prev;
    from->prev->next = to;
    mori_gclist_init(from);
}

#define MORI_GC_NGENS 3

typedef struct mori_gen {
    mori_gchead head;
    unsigned threshold;
    /* gen 0: GC allocations minus GC deallocations since its last collection;
     * gen 1 and 2: collections of the next younger generation since its last */
    size_t count;
} mori_gen;

typedef struct mori_gc_genstats {
    uint64_t collections, collected, uncollectable, total_ns, max_pause_ns;
} mori_gc_genstats;

typedef struct mori_gc_cb {
    mor_gc_callback fn; /* NULL: a removed slot */
    void *ud;
} mori_gc_cb;

typedef struct mori_gc {
    mori_gen gens[MORI_GC_NGENS];
    mori_gchead permanent;     /* frozen objects: never examined until unfrozen */
    mori_gchead parked;        /* died during an emergency collection, needing user code */
    bool enabled;
    bool collecting;           /* a collection is running: no nested ones */
    bool pending;              /* a collection is due at the next safe point */
    bool no_user_code;         /* an emergency collection: dying objects that need
                                  user code are parked instead */
    bool full_due;             /* garbage an emergency collection left: a full
                                  collection at the next safe point */
    size_t long_lived_total;   /* survivors of the last full collection */
    size_t objects;            /* GC objects alive (tracked or not) */
    size_t objects_at_full;    /* `objects` when the last full collection ended */
    unsigned debug;            /* MOR_GC_DEBUG_* */
    mor_obj *garbage;          /* list for SAVEALL, created on demand */
    mori_gc_genstats stats[MORI_GC_NGENS];
    mori_gc_cb *callbacks;
    size_t ncallbacks, cbcap;
    /* live mor_finalize objects, oldest first; the registry owns a reference */
    struct mori_finalizer *fin_first, *fin_last;
    /* called after each collection with its STOP info (the GC timeline) */
    void (*trace_hook)(mor_rt *rt, const mor_gc_info *info);
    FILE *timeline; /* mor_gc_trace_start's output */
    struct mori_boehm *boehm; /* libmor-boehm: this runtime's finalization queue */
} mori_gc;

/* ---- hooks of a tracing collector (gc/boehm.c); nothing under refcounting ---- */
#ifdef MOR_BACKEND_BOEHM
/* A new GC object whose type has a finalizer: have the collector call it. */
MOR_INTERNAL void mori_gc_on_alloc(mor_rt *rt, mor_obj *o);
/* o gets its first weak reference: tell the runtime when o dies. */
MOR_INTERNAL void mori_gc_watch(mor_rt *rt, mor_obj *o);
/* An interned string: the intern table must forget it when it dies. */
MOR_INTERNAL void mori_gc_watch_interned(mor_rt *rt, mor_obj *s);
/* A shared weak reference or an interned string, found through a weak table,
 * handed out again: the collector may have found it unreachable once (it then
 * waits for a second time before it is let go), so it is alive after all. */
static inline void mori_gc_revive(mor_obj *o) { o->flags &= ~MORI_OF_UNREACHABLE; }
#else
static inline void mori_gc_on_alloc(mor_rt *rt, mor_obj *o) { (void)rt, (void)o; }
static inline void mori_gc_watch(mor_rt *rt, mor_obj *o) { (void)rt, (void)o; }
static inline void mori_gc_watch_interned(mor_rt *rt, mor_obj *s) { (void)rt, (void)s; }
static inline void mori_gc_revive(mor_obj *o) { (void)o; }
#endif

/* ---- "track.c" ------------------------------------------------------------- */
/* -1 when out of memory (libmor-boehm allocates its finalization queue). */
MOR_INTERNAL int mori_gc_init(mor_rt *rt);
/* mori_gc_track (link a consistent GC object into generation 0) and
 * mori_gc_untrack (take it off its list, if it is on one) are inline in
 * core/rt.h, which knows the runtime handle; under Boehm they are no-ops in
 * gc/boehm.c. */
#ifdef MOR_BACKEND_BOEHM
MOR_INTERNAL void mori_gc_track(mor_rt *rt, mor_obj *o);
MOR_INTERNAL void mori_gc_untrack(mor_rt *rt, mor_obj *o);
#endif
/* An object whose referents could be tracked: a GC object that is tracked, or
 * any GC object not yet examined (a fresh tuple). Used to decide whether a
 * container of it must be tracked (CPython's _PyObject_GC_MAY_BE_TRACKED). */
MOR_INTERNAL bool mori_gc_may_be_tracked(const mor_obj *o);

/* ---- "collect.c" ----------------------------------------------------------- */
/* Run a scheduled collection (called at safe points when gc.pending). */
MOR_INTERNAL void mori_gc_collect_scheduled(mor_rt *rt);
/* An explicit collection (mor_gc_collect). */
MOR_INTERNAL int64_t mori_gc_collect(mor_rt *rt, int generation);
/* Run the mor_gc_add_callback callbacks (gcapi.c; both collectors). */
MOR_INTERNAL void mori_gc_invoke_callbacks(mor_rt *rt, const mor_gc_info *info);
/* During an emergency collection: keep a dying object that needs user code
 * alive (refcount 1, on gc.parked) until the next safe point. */
MOR_INTERNAL void mori_gc_park(mor_rt *rt, mor_obj *o);
/* Called by the funnel when an allocation failed: a full collection that runs
 * no user code, so that the retry may succeed. */
MOR_INTERNAL void mori_gc_emergency(mor_rt *rt);
/* ---- "finalize.c" ---------------------------------------------------------- */
/* Run every mor_finalize still alive, newest first (mor_rt_free). */
MOR_INTERNAL void mori_finalize_run_all(mor_rt *rt);

/* Final collections at mor_rt_free. */
MOR_INTERNAL void mori_gc_shutdown(mor_rt *rt);
/* Run the finalizer of every object still alive (leaked) at mor_rt_free. */
MOR_INTERNAL void mori_gc_finalize_survivors(mor_rt *rt);
MOR_INTERNAL void mori_gc_fini(mor_rt *rt);

#endif
