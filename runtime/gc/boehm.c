/* runtime/gc/boehm.c: the collector layer of libmor-boehm, in place of
 * collect.c and track.c. Boehm finds the garbage; this file maps mor's
 * machinery onto it: nothing is tracked (the generation lists would keep
 * every object reachable), finalizers (PEP 442 finalize slots) and the
 * runtime's weak tables are driven by Boehm finalizers registered with
 * GC_register_finalizer_no_order, and weak references are disappearing links.
 * Finalizers are queued by Boehm (finalize on demand) and run at mor's safe
 * points, so user code never runs inside an allocation. */
#include <gc.h>
#include <time.h>

#include "../core/rt.h"
#include "../types/types.h"
#include "weakref.h"

/* ---- tracking: nothing is ever on a list -------------------------------------------- */

void mori_gc_init(mor_rt *rt)
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
}

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

/* ---- finalization ---------------------------------------------------------------------- */

static void boehm_run_finalizers(mor_rt *rt)
{
    if (rt->gc.collecting)
        return;
    rt->gc.collecting = true;
    mor_obj *saved = rt->exc;
    rt->exc = NULL;
    while (GC_should_invoke_finalizers())
        GC_invoke_finalizers();
    mor_err_clear(rt);
    rt->exc = saved;
    rt->gc.collecting = false;
}

/* A GC object became unreachable: its finalize slot (once: FINALIZED), then
 * its weak references (cleared already by Boehm as disappearing links) are
 * dropped from the side table and their callbacks run. The object stays in
 * memory until a later collection finds it still unreachable. */
static void boehm_object_finalizer(void *base, void *cd)
{
    mor_rt *rt = cd;
    mor_obj *o = mori_gc_obj((mori_gchead *)base);
    if (o->type->finalize != NULL && !(o->flags & MORI_OF_FINALIZED)) {
        o->flags |= MORI_OF_FINALIZED;
        o->type->finalize(rt, o);
        if (rt->exc != NULL)
            mor_err_write_unraisable(rt, "finalizer");
    }
    if (o->flags & MORI_OF_WEAKREFS)
        mori_weakref_object_dying(rt, o);
}

/* A weak reference became unreachable: it leaves its target's list (the
 * side table does not keep it alive). */
static void boehm_weakref_finalizer(void *base, void *cd)
{
    mori_weakref_detach((mor_rt *)cd, (mori_weakref *)mori_gc_obj((mori_gchead *)base));
}

static void boehm_interned_finalizer(void *base, void *cd)
{
    mori_intern_remove((mor_rt *)cd, (mor_obj *)base);
}

static void boehm_register(void *base, GC_finalization_proc fn, mor_rt *rt)
{
    GC_finalization_proc ofn;
    void *ocd;
    GC_register_finalizer_no_order(base, fn, rt, &ofn, &ocd);
}

void mori_gc_on_alloc(mor_rt *rt, mor_obj *o)
{
    if (mori_is_weakref(o))
        boehm_register(mori_gc_head(o), boehm_weakref_finalizer, rt);
    else if (o->type->finalize != NULL || (o->type->flags & MOR_TYPE_HEAP))
        /* instances: their class may have (or get) a __del__ */
        boehm_register(mori_gc_head(o), boehm_object_finalizer, rt);
}

void mori_gc_watch(mor_rt *rt, mor_obj *o)
{
    boehm_register(mori_gc_head(o), boehm_object_finalizer, rt);
}

void mori_gc_watch_interned(mor_rt *rt, mor_obj *s) { boehm_register(s, boehm_interned_finalizer, rt); }

void mori_gc_weak_link(mor_rt *rt, mori_weakref *wr)
{
    (void)rt;
    mor_obj *t = mori_wr_raw(wr);
    GC_general_register_disappearing_link((void **)(void *)&wr->target, mori_gc_head(t));
}

void mori_gc_weak_unlink(mor_rt *rt, mori_weakref *wr)
{
    (void)rt;
    GC_unregister_disappearing_link((void **)(void *)&wr->target);
}

/* ---- collections ------------------------------------------------------------------------ */

void mori_gc_collect_scheduled(mor_rt *rt)
{
    rt->gc.pending = false;
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
    for (size_t i = 0; i < rt->gc.ncallbacks; i++)
        if (rt->gc.callbacks[i].fn != NULL)
            rt->gc.callbacks[i].fn(rt, &info, rt->gc.callbacks[i].ud);
    GC_word before = GC_get_heap_size() - GC_get_free_bytes();
    GC_gcollect();
    int64_t finalized = 0;
    rt->gc.collecting = true;
    mor_obj *saved = rt->exc;
    rt->exc = NULL;
    while (GC_should_invoke_finalizers())
        finalized += GC_invoke_finalizers();
    mor_err_clear(rt);
    rt->exc = saved;
    rt->gc.collecting = false;
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
    if (rt->gc.trace_hook != NULL)
        rt->gc.trace_hook(rt, &info);
    for (size_t i = 0; i < rt->gc.ncallbacks; i++)
        if (rt->gc.callbacks[i].fn != NULL)
            rt->gc.callbacks[i].fn(rt, &info, rt->gc.callbacks[i].ud);
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
        mori_mem_free(rt, gc->callbacks, gc->cbcap * sizeof(mori_gc_cb), MORI_MEM_ATOMIC);
    gc->callbacks = NULL;
    gc->ncallbacks = gc->cbcap = 0;
}
