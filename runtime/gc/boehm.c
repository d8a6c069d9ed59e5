/* runtime/gc/boehm.c: the collector layer of libmor-boehm, in place of
 * collect.c and track.c. Boehm finds the garbage; this file maps mor's
 * machinery onto it: nothing is tracked (the generation lists would keep
 * every object reachable), finalizers (PEP 442 finalize slots) and the
 * runtime's weak tables are driven by Boehm finalizers registered with
 * GC_register_finalizer_no_order, and weak references are disappearing links.
 * Finalizers are queued by Boehm (finalize on demand) and run at mor's safe
 * points, so user code never runs inside an allocation. */
#include <gc.h>
#include <pthread.h>
#include <time.h>

#include "../core/rt.h"
#include "../types/types.h"
#include "weakref.h"

/* ---- the runtime's finalization queue ----------------------------------------------
 * Boehm's heap and its finalizer table are per process, and GC_invoke_finalizers
 * runs whatever is ready, whichever runtime registered it, in the calling thread.
 * So a Boehm finalizer only queues the dead object on its own runtime's queue;
 * each runtime drains its queue in its own thread at its safe points. The queue
 * hangs off a small collectable "home" block that every registration names as
 * its client data, which Boehm keeps reachable: a finalizer firing after its
 * runtime is gone finds home->rt NULL and does nothing. */

typedef enum { BOEHM_OBJECT, BOEHM_WEAKREF, BOEHM_INTERNED } boehm_kind;

typedef struct boehm_entry {
    void *base; /* the dead block, kept alive by the queue until drained */
    boehm_kind kind;
} boehm_entry;

struct mori_boehm {
    pthread_mutex_t lock; /* guards everything below */
    mor_rt *rt;           /* NULL once the runtime is freed */
    boehm_entry *queue;   /* GC_MALLOC'd: scanned, so queued objects stay alive */
    size_t n, cap;
};

int mori_gc_init(mor_rt *rt)
{
    mori_gc *gc = &rt->gc;
    memset(gc, 0, sizeof(*gc));
    for (int i = 0; i < MORI_GC_NGENS; i++) {
        mori_gclist_init(&gc->gens[i].head);
        gc->gens[i].threshold = rt->cfg.gc_threshold[i];
    }
    mori_gclist_init(&gc->permanent);
    mori_gclist_init(&gc->parked);
    gc->enabled = true;
    struct mori_boehm *home = GC_MALLOC(sizeof(*home));
    if (home == NULL)
        return -1;
    pthread_mutex_init(&home->lock, NULL);
    home->rt = rt;
    gc->boehm = home;
    return 0;
}

/* Queue a dead block for its runtime (any thread, outside Boehm's lock). */
static void boehm_enqueue(void *base, struct mori_boehm *home, boehm_kind kind,
                          GC_finalization_proc self)
{
    pthread_mutex_lock(&home->lock);
    if (home->rt == NULL) {
        pthread_mutex_unlock(&home->lock);
        return;
    }
    if (home->n == home->cap) {
        size_t cap = home->cap ? home->cap * 2 : 64;
        boehm_entry *q = GC_MALLOC(cap * sizeof(*q));
        if (q == NULL) {
            /* no room to queue it: ask again at the next collection */
            pthread_mutex_unlock(&home->lock);
            GC_register_finalizer_no_order(base, self, home, NULL, NULL);
            return;
        }
        if (home->n != 0)
            memcpy(q, home->queue, home->n * sizeof(*q));
        if (home->queue != NULL)
            GC_FREE(home->queue); /* a stale word must not keep its entries alive */
        home->queue = q;
        home->cap = cap;
    }
    home->queue[home->n++] = (boehm_entry){base, kind};
    pthread_mutex_unlock(&home->lock);
}

static void boehm_object_finalizer(void *base, void *home)
{
    boehm_enqueue(base, home, BOEHM_OBJECT, boehm_object_finalizer);
}

static void boehm_weakref_finalizer(void *base, void *home)
{
    boehm_enqueue(base, home, BOEHM_WEAKREF, boehm_weakref_finalizer);
}

static void boehm_interned_finalizer(void *base, void *home)
{
    boehm_enqueue(base, home, BOEHM_INTERNED, boehm_interned_finalizer);
}

/* Boehm calls a weak reference or an interned string unreachable when only
 * mor's weak tables (which it does not scan) still name it, yet the table may
 * hand it out again before the queue is drained (a second mor_weakref to the
 * same target shares the first; mor_intern finds the string). So the first
 * time it is only marked UNREACHABLE and watched again; it leaves the table
 * when Boehm finds it unreachable a second time with the mark still set.
 * Handing it out clears the mark (mori_gc_revive). */
static bool boehm_second_strike(mor_rt *rt, mor_obj *o, void *base, GC_finalization_proc fn)
{
    if (o->flags & MORI_OF_UNREACHABLE)
        return true;
    o->flags |= MORI_OF_UNREACHABLE;
    GC_register_finalizer_no_order(base, fn, rt->gc.boehm, NULL, NULL);
    return false;
}

static void boehm_weakref_finalizer(void *base, void *home);
static void boehm_interned_finalizer(void *base, void *home);

/* A GC object became unreachable: its finalize slot (once: FINALIZED), then
 * its weak references (cleared already by Boehm as disappearing links) leave
 * the side table, and the callbacks of those not themselves found unreachable
 * run. The object stays in memory until a later collection finds it still
 * unreachable. */
static void boehm_run_entry(mor_rt *rt, boehm_entry e)
{
    switch (e.kind) {
    case BOEHM_OBJECT: {
        mor_obj *o = mori_gc_obj((mori_gchead *)e.base);
        if (o->type->finalize != NULL && !(o->flags & MORI_OF_FINALIZED)) {
            o->flags |= MORI_OF_FINALIZED;
            o->type->finalize(rt, o);
            if (rt->exc != NULL)
                mor_err_write_unraisable(rt, "finalizer");
        }
        if (o->flags & MORI_OF_WEAKREFS)
            mori_weakref_object_dying(rt, o);
        break;
    }
    case BOEHM_WEAKREF: {
        mor_obj *o = mori_gc_obj((mori_gchead *)e.base);
        if (boehm_second_strike(rt, o, e.base, boehm_weakref_finalizer))
            mori_weakref_detach(rt, (mori_weakref *)o);
        break;
    }
    case BOEHM_INTERNED:
        if (boehm_second_strike(rt, e.base, e.base, boehm_interned_finalizer))
            mori_intern_remove(rt, (mor_obj *)e.base);
        break;
    }
}

/* GC_invoke_finalizers runs every ready finalizer of the process: one thread
 * at a time, so that two runtimes' drains do not interleave inside Boehm. */
static pthread_mutex_t boehm_invoke_lock = PTHREAD_MUTEX_INITIALIZER;

/* Move what Boehm found dead into the queues, then run this runtime's queue
 * with the caller's pending exception set aside; in each batch the weak
 * references go first, so that a reference dying with its target is marked
 * before the target's callbacks are considered. Returns the entries run. */
static int64_t boehm_run_finalizers(mor_rt *rt)
{
    if (rt->gc.collecting)
        return 0;
    rt->gc.collecting = true;
    pthread_mutex_lock(&boehm_invoke_lock);
    while (GC_should_invoke_finalizers())
        GC_invoke_finalizers();
    pthread_mutex_unlock(&boehm_invoke_lock);
    struct mori_boehm *home = rt->gc.boehm;
    mor_obj *saved = rt->exc;
    rt->exc = NULL;
    int64_t ran = 0;
    for (;;) {
        pthread_mutex_lock(&home->lock);
        boehm_entry *q = home->queue;
        size_t n = home->n;
        home->queue = NULL;
        home->n = home->cap = 0;
        pthread_mutex_unlock(&home->lock);
        if (n == 0)
            break;
        for (int pass = 0; pass < 2; pass++)
            for (size_t i = 0; i < n; i++) {
                if ((q[i].kind == BOEHM_WEAKREF) != (pass == 0))
                    continue;
                boehm_run_entry(rt, q[i]);
                mor_err_clear(rt);
            }
        /* freed now, or a stale copy of `q` on the stack would keep every
         * entry reachable through the next collection */
        GC_FREE(q);
        ran += (int64_t)n;
    }
    rt->exc = saved;
    rt->gc.collecting = false;
    return ran;
}

static void boehm_register(void *base, GC_finalization_proc fn, mor_rt *rt)
{
    GC_register_finalizer_no_order(base, fn, rt->gc.boehm, NULL, NULL);
}

/* ---- tracking: nothing is ever on a list -------------------------------------------- */

void mori_gc_track(mor_rt *rt, mor_obj *o)
{
    (void)rt;
    (void)o;
}

void mori_gc_untrack(mor_rt *rt, mor_obj *o)
{
    (void)rt;
    (void)o;
}

bool mori_gc_may_be_tracked(const mor_obj *o)
{
    (void)o;
    return false;
}

void mori_gc_on_alloc(mor_rt *rt, mor_obj *o)
{
    if (mori_is_weakref(o))
        boehm_register(mori_gc_head(o), boehm_weakref_finalizer, rt);
    else if (o->type->finalize != NULL)
        /* Only objects that have a finalizer now: a Boehm finalizer makes
         * every collection examine the object and delays its reclamation by
         * a collection, so registering every instance "in case its class
         * gets a __del__ later" made instance-heavy programs several times
         * slower and larger. An instance made before its class got __del__
         * is therefore not finalized under Boehm. (Weak references register
         * their target when made: mori_gc_watch.) */
        boehm_register(mori_gc_head(o), boehm_object_finalizer, rt);
}

void mori_gc_watch(mor_rt *rt, mor_obj *o)
{
    boehm_register(mori_gc_head(o), boehm_object_finalizer, rt);
}

void mori_gc_watch_interned(mor_rt *rt, mor_obj *s) { boehm_register(s, boehm_interned_finalizer, rt); }

int mori_gc_weak_link(mor_rt *rt, mori_weakref *wr)
{
    mor_obj *t = mori_wr_raw(wr);
    if (GC_general_register_disappearing_link((void **)(void *)&wr->target, mori_gc_head(t)) ==
        GC_NO_MEMORY) {
        mor_raise(rt, MOR_EXC_MEMORY, "out of memory registering a weak reference");
        return -1;
    }
    return 0;
}

void mori_gc_weak_unlink(mor_rt *rt, mori_weakref *wr)
{
    (void)rt;
    GC_unregister_disappearing_link((void **)(void *)&wr->target);
}

/* ---- collections ------------------------------------------------------------------------ */

/* Every gen-0 threshold of GC allocations (700 by default) is a safe point
 * where the queued finalizers run; Boehm's own collections are its business. */
void mori_gc_collect_scheduled(mor_rt *rt)
{
    rt->gc.pending = false;
    rt->gc.gens[0].count = 0;
    if (!rt->shutting_down)
        boehm_run_finalizers(rt);
}

int64_t mori_gc_collect(mor_rt *rt, int generation)
{
    if (rt->gc.collecting)
        return 0;
    mor_gc_info info = {MOR_GC_START, generation, 0, 0, 0, 0};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rt->gc.collecting = true; /* a callback asking for a collection gets 0 */
    mori_gc_invoke_callbacks(rt, &info);
    rt->gc.collecting = false; /* boehm_run_finalizers sets it again */
    GC_word before = GC_get_heap_size() - GC_get_free_bytes();
    GC_gcollect();
    rt->gc.gens[0].count = 0;
    int64_t finalized = boehm_run_finalizers(rt);
    GC_word after = GC_get_heap_size() - GC_get_free_bytes();
    clock_gettime(CLOCK_MONOTONIC, &t1);
    info.phase = MOR_GC_STOP;
    info.collected = finalized;
    info.scanned = (int64_t)(before > after ? before - after : 0); /* bytes reclaimed */
    info.duration_ns = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000u +
                       (uint64_t)(t1.tv_nsec - t0.tv_nsec);
    mori_gc_genstats *s = &rt->gc.stats[MORI_GC_NGENS - 1];
    s->collections++;
    s->collected += (uint64_t)finalized;
    s->total_ns += info.duration_ns;
    if (info.duration_ns > s->max_pause_ns)
        s->max_pause_ns = info.duration_ns;
    rt->gc.collecting = true;
    if (rt->gc.trace_hook != NULL)
        rt->gc.trace_hook(rt, &info);
    mori_gc_invoke_callbacks(rt, &info);
    rt->gc.collecting = false;
    return finalized;
}

void mori_gc_emergency(mor_rt *rt)
{
    if (!rt->gc.collecting)
        GC_gcollect(); /* finalizers stay queued for the next safe point */
}

void mori_gc_park(mor_rt *rt, mor_obj *o)
{
    (void)rt;
    (void)o;
}

void mori_gc_shutdown(mor_rt *rt)
{
    mori_finalize_run_all(rt);
    rt->gc.debug = 0;
    if (rt->gc.garbage != NULL) {
        mor_obj *g = rt->gc.garbage;
        rt->gc.garbage = NULL;
        (void)g; /* the collector takes it */
    }
    for (int i = 0; i < 3; i++) {
        GC_gcollect();
        boehm_run_finalizers(rt);
    }
}

void mori_gc_finalize_survivors(mor_rt *rt) { (void)rt; }

void mori_gc_fini(mor_rt *rt)
{
    mori_gc *gc = &rt->gc;
    if (gc->callbacks != NULL)
        mori_mem_free(rt, gc->callbacks, gc->cbcap * sizeof(mori_gc_cb), MORI_MEM_BUFFER);
    gc->callbacks = NULL;
    gc->ncallbacks = gc->cbcap = 0;
    struct mori_boehm *home = gc->boehm;
    if (home != NULL) {
        /* finalizers still registered for this runtime's objects now do nothing;
         * the home block goes when the last of them does */
        pthread_mutex_lock(&home->lock);
        home->rt = NULL;
        home->queue = NULL;
        home->n = home->cap = 0;
        pthread_mutex_unlock(&home->lock);
        gc->boehm = NULL;
    }
}
