/* runtime/gc/collect.c: the generational cycle collector (CPython's algorithm)
 * and its scheduling. gc_collect_main is the driver: read it to see how a
 * collection works; each phase below it states its contract. The design, the
 * invariants and the header bits are described in runtime/gc/README.md. */
#include <time.h>

#include "../core/rt.h"
#include "../types/types.h"
#include "weakref.h"

/* During a collection a candidate's `prev` link holds a word: its gc_refs
 * (its refcount minus the references found inside the candidate set) shifted
 * left by one, and in bit 0 GC_INNER: phase 2 found that the object refers to
 * another candidate, so phase 3 must traverse it. An object without GC_INNER
 * (a list of ints, a leaf container beside an old heap) has nothing to mark:
 * phase 3 skips its traverse, and the memory its traverse would read. */
#define GC_INNER ((uintptr_t)1)
#define GC_ONE ((uintptr_t)2) /* gc_refs == 1 */
#define GC_REFS_MAX (UINTPTR_MAX >> 2)
static inline uintptr_t gc_word(const mori_gchead *h) { return (uintptr_t)h->prev; }
static inline void gc_set_word(mori_gchead *h, uintptr_t w) { h->prev = (mori_gchead *)w; }

static uint64_t gc_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Level-3 validator: a well-formed circular list whose objects are tracked
 * and carry exactly `flags` of the scratch bits. */
static void gc_validate_list(const mori_gchead *list, uint32_t flags)
{
    if (MOR_DEBUG_LEVEL < 3)
        return;
    const uint32_t scratch = MORI_OF_COLLECTING | MORI_OF_UNREACHABLE;
    const mori_gchead *prev = list;
    for (const mori_gchead *h = list->next; h != list; prev = h, h = h->next) {
        const mor_obj *o = mori_gc_obj(h);
        if (h->prev != prev)
            mor_fatal(o, "gc: broken back link on a collector list");
        if (!(o->flags & MORI_OF_TRACKED))
            mor_fatal(o, "gc: untracked object on a collector list");
        if ((o->flags & scratch) != flags)
            mor_fatal(o, "gc: scratch flags %#x where %#x expected", o->flags & scratch, flags);
    }
    if (list->prev != prev)
        mor_fatal(NULL, "gc: list tail link is wrong");
}

/* ---- finding the unreachable ------------------------------------------------------------ */

/* The traverse of o with `visit`. Lists and tuples, most of what a heap holds,
 * are walked here, so that the visitor is inlined into the loop (the layouts
 * are types.h's; their traverse slots visit exactly the same references). */
static inline __attribute__((always_inline)) void gc_traverse(mor_obj *o, mor_visit_fn visit,
                                                              void *arg)
{
    const mor_type *t = o->type;
    if (t == &mori_list_type) {
        const mori_list *l = (const mori_list *)o;
        mor_obj **items = l->items;
        for (int64_t i = 0, n = l->size; i < n; i++)
            visit(items[i], arg);
    } else if (t == &mori_tuple_type) {
        mori_tuple *tu = (mori_tuple *)o;
        for (int64_t i = 0, n = tu->v.size; i < n; i++)
            visit(tu->items[i], arg);
    } else {
        t->traverse(o, visit, arg);
    }
}

/* Does o need more than `clear` to die: a finalizer that has not run, weak
 * references to it, or is it a weak reference? Without any such object in
 * the garbage, phases 4 to 7 have nothing to do. */
static inline bool gc_is_special(const mor_obj *o)
{
    return (o->type->finalize != NULL && !(o->flags & MORI_OF_FINALIZED)) ||
           (o->flags & MORI_OF_WEAKREFS) || mori_is_weakref(o);
}

/* What phases 1-3 found. */
typedef struct gc_deduced {
    size_t scanned;     /* candidates examined */
    size_t survivors;   /* reachable and still tracked afterwards */
    size_t unreachable; /* on the unreachable list */
    bool special;       /* an object that was put on the unreachable list is special
                           (gc_is_special); conservative: it may have been pulled back */
} gc_deduced;

/* A candidate's first word: its refcount (a tracked object with refcount 0
 * was freed without being untracked: fatal). */
static inline void gc_init_refs(mori_gchead *h, mor_obj *o)
{
    uintptr_t r = o->refcnt;
    if (MOR_UNLIKELY(r == 0))
        mor_fatal(o, "gc: a tracked object has refcount 0 (freed but still tracked)");
    if (r > GC_REFS_MAX) /* only on 32-bit targets (immortal objects) */
        r = GC_REFS_MAX;
    gc_set_word(h, r << 1);
}

/* Phase 1: copy every candidate's refcount into its gc_refs and mark it as a
 * candidate (COLLECTING; the scratch bits of a previous pass are dropped). The
 * list stays singly linked until phase 3. Returns the number of candidates. */
static size_t gc_update_refs(mori_gchead *base)
{
    size_t n = 0;
    for (mori_gchead *h = base->next; h != base; h = h->next, n++) {
        mor_obj *o = mori_gc_obj(h);
        gc_init_refs(h, o);
        o->flags = (o->flags & ~(uint32_t)MORI_OF_UNREACHABLE) | MORI_OF_COLLECTING;
    }
    return n;
}

typedef struct gc_sub_ctx {
    bool inner;   /* the object being traversed refers to a candidate */
    size_t inits; /* lazy mode: candidates initialised by the visitor */
} gc_sub_ctx;

/* Phase 2's visitor. `lazy`: phase 1 did not run, because the candidates are
 * every tracked object (a full collection, nothing frozen): a tracked object
 * not parked is a candidate, initialised the first time it is met. */
static inline __attribute__((always_inline)) void gc_decref(mor_obj *ref, gc_sub_ctx *c,
                                                           bool lazy)
{
    if (ref == NULL)
        return;
    uint32_t f = ref->flags;
    mori_gchead *h = mori_gc_head(ref);
    if (f & MORI_OF_COLLECTING) {
        uintptr_t w = gc_word(h);
        if (MOR_UNLIKELY(w < GC_ONE))
            mor_fatal(ref, "gc: refcount is too small (more references found than counted)");
        gc_set_word(h, w - GC_ONE);
        c->inner = true;
    } else if (lazy && (f & (MORI_OF_TRACKED | MORI_OF_DEFERRED)) == MORI_OF_TRACKED) {
        gc_init_refs(h, ref);
        ref->flags = f | MORI_OF_COLLECTING;
        gc_set_word(h, gc_word(h) - GC_ONE); /* refcount >= 1: no underflow */
        c->inits++;
        c->inner = true;
    }
}

static int gc_visit_decref(mor_obj *ref, void *arg)
{
    gc_decref(ref, arg, false);
    return 0;
}

static int gc_visit_decref_lazy(mor_obj *ref, void *arg)
{
    gc_decref(ref, arg, true);
    return 0;
}

/* Phase 2: subtract the references candidates hold to each other. After it,
 * gc_refs > 0 means "referenced from outside the candidate set", and GC_INNER
 * marks the objects that refer to a candidate. Lazy mode (see gc_decref) also
 * does phase 1's work and returns the number of candidates. */
static inline __attribute__((always_inline)) size_t gc_subtract_refs_mode(mori_gchead *base,
                                                                          bool lazy)
{
    gc_sub_ctx c = {false, 0};
    size_t n = 0;
    for (mori_gchead *h = base->next; h != base; h = h->next, n++) {
        mor_obj *o = mori_gc_obj(h);
        if (lazy && !(o->flags & MORI_OF_COLLECTING)) {
            gc_init_refs(h, o);
            o->flags |= MORI_OF_COLLECTING;
            c.inits++;
        }
        c.inner = false;
        gc_traverse(o, lazy ? gc_visit_decref_lazy : gc_visit_decref, &c);
        if (c.inner)
            gc_set_word(h, gc_word(h) | GC_INNER);
    }
    /* every object initialised is on this list, or one outside it would keep
     * COLLECTING after the collection */
    if (lazy && c.inits != n)
        mor_fatal(NULL, "gc: %zu candidates initialised, %zu on the list (a tracked object "
                  "is on no generation list)", c.inits, n);
    return n;
}

static size_t gc_subtract_refs(mori_gchead *base) { return gc_subtract_refs_mode(base, false); }
static size_t gc_subtract_refs_lazy(mori_gchead *base) { return gc_subtract_refs_mode(base, true); }

typedef struct gc_reach_ctx {
    mori_gchead *base;
    size_t pulled; /* objects moved back from the unreachable list */
} gc_reach_ctx;

/* Marks a referent of a reachable candidate as reachable; one that phase 3
 * already moved to `unreachable` goes back to the end of the scan list. */
static inline __attribute__((always_inline)) int gc_visit_reachable(mor_obj *ref, void *arg)
{
    if (ref == NULL || !(ref->flags & MORI_OF_COLLECTING))
        return 0;
    gc_reach_ctx *c = arg;
    mori_gchead *base = c->base, *h = mori_gc_head(ref);
    if (ref->flags & MORI_OF_UNREACHABLE) {
        h->prev->next = h->next; /* the unreachable list is doubly linked */
        h->next->prev = h->prev;
        mori_gchead *tail = base->prev;
        tail->next = h;
        h->next = base;
        base->prev = h;
        ref->flags &= ~MORI_OF_UNREACHABLE;
        gc_set_word(h, GC_ONE | GC_INNER); /* its phase-2 mark is lost: traverse it */
        c->pulled++;
    } else if (gc_word(h) < GC_ONE) {
        gc_set_word(h, GC_ONE | gc_word(h)); /* still ahead in the scan: it will be traversed */
    }
    return 0;
}

static int gc_visit_reachable_fn(mor_obj *ref, void *arg) { return gc_visit_reachable(ref, arg); }

/* Phase 3: one pass over the candidates. Those with gc_refs > 0 are reachable:
 * their referents become reachable too (if GC_INNER says there are any), their
 * back link is restored and COLLECTING cleared; with `untrack`, those that hold
 * only atomic references are untracked on the way (tuples in every collection,
 * dicts in full ones: CPython 3.11's rules, decided by the type's untrack_ok
 * slot). Those with gc_refs == 0 move (tentatively) to `unreachable` with
 * UNREACHABLE set; a later reachable object may pull one back. Moving the
 * unreachable ones rather than the reachable ones means a long reachable
 * chain is scanned once. No recursion, O(1) extra memory.
 * Post: base holds the reachable candidates (doubly linked, no scratch bits);
 * unreachable holds the rest, with COLLECTING | UNREACHABLE. */
static void gc_move_unreachable(mori_gchead *base, mori_gchead *unreachable, bool untrack,
                                bool full, gc_deduced *out)
{
    gc_reach_ctx c = {base, 0};
    size_t moved = 0, kept = 0;
    bool special = false;
    mori_gchead *prev = base;
    mori_gchead *h = base->next;
    while (h != base) {
        mor_obj *o = mori_gc_obj(h);
        uintptr_t w = gc_word(h);
        if (w >= GC_ONE) {
            if (w & GC_INNER)
                gc_traverse(o, gc_visit_reachable_fn, &c);
            o->flags &= ~MORI_OF_COLLECTING;
            const mor_type *t = o->type;
            if (untrack && t->untrack_ok != NULL && t->untrack_ok(o, full)) {
                prev->next = h->next; /* as mori_gc_untrack */
                h->next = h->prev = NULL;
                o->flags &= ~MORI_OF_TRACKED;
            } else {
                h->prev = prev;
                prev = h;
                kept++;
            }
        } else {
            prev->next = h->next;
            mori_gchead *last = unreachable->prev;
            last->next = h;
            h->prev = last;
            h->next = unreachable;
            unreachable->prev = h;
            o->flags |= MORI_OF_UNREACHABLE;
            special = special || gc_is_special(o);
            moved++;
        }
        h = prev->next;
    }
    base->prev = prev;
    out->survivors = kept;
    out->unreachable = moved - c.pulled;
    out->special = special;
}

/* Phases 1-3 over `base`, whose objects carry the scratch bits `flags`.
 * `lazy`: base holds every tracked object that is not parked (gc_decref). */
static void gc_deduce_unreachable(mori_gchead *base, mori_gchead *unreachable, uint32_t flags,
                                  bool lazy, bool untrack, bool full, gc_deduced *out)
{
    gc_validate_list(base, flags);
    if (lazy) {
        out->scanned = gc_subtract_refs_lazy(base);
    } else {
        out->scanned = gc_update_refs(base);
        gc_subtract_refs(base);
    }
    mori_gclist_init(unreachable);
    gc_move_unreachable(base, unreachable, untrack, full, out);
    gc_validate_list(base, 0);
    gc_validate_list(unreachable, MORI_OF_COLLECTING | MORI_OF_UNREACHABLE);
}

static void gc_clear_scratch(mori_gchead *list)
{
    for (mori_gchead *h = list->next; h != list; h = h->next)
        mori_gc_obj(h)->flags &= ~(MORI_OF_COLLECTING | MORI_OF_UNREACHABLE);
}

/* ---- destroying the unreachable ---------------------------------------------------------- */

/* Does anything in the set need user code to die (a finalizer not yet run, a
 * weak reference with a callback)? Emergency collections leave such sets. */
static bool gc_needs_user_code(mor_rt *rt, const mori_gchead *list)
{
    for (const mori_gchead *h = list->next; h != list; h = h->next) {
        const mor_obj *o = mori_gc_obj(h);
        if (o->type->finalize != NULL && !(o->flags & MORI_OF_FINALIZED))
            return true;
        if ((o->flags & MORI_OF_WEAKREFS) && mori_weakref_has_callbacks(rt, o))
            return true;
    }
    return false;
}

/* Phase 4: CPython 3.11's weak reference rule. Every weak reference to an
 * unreachable object is cleared, and so is every weak reference that is
 * itself unreachable, before any callback or finalizer runs; then the
 * callbacks of the cleared references that are still reachable run (a
 * reference that is garbage itself gets no callback: "pretend it went away
 * first"). */
static void gc_handle_weakrefs(mor_rt *rt, mori_gchead *unreachable)
{
    mori_weakref *chain = NULL, **tail = &chain;
    for (mori_gchead *h = unreachable->next; h != unreachable; h = h->next) {
        mor_obj *o = mori_gc_obj(h);
        if (mori_is_weakref(o))
            mori_weakref_detach(rt, (mori_weakref *)o);
        if (o->flags & MORI_OF_WEAKREFS) {
            *tail = mori_weakref_clear_all(rt, o);
            while (*tail != NULL)
                tail = &(*tail)->next;
        }
    }
    mori_weakref_run_callbacks(rt, chain);
}

/* Phase 5 (PEP 442): run each finalizer once (FINALIZED is set first). A
 * finalizer may free members of the list or resurrect them; each object moves
 * to `seen` before its finalizer runs, so the walk never touches a freed one. */
static void gc_finalize_garbage(mor_rt *rt, mori_gchead *unreachable)
{
    mori_gchead seen;
    mori_gclist_init(&seen);
    while (!mori_gclist_empty(unreachable)) {
        mori_gchead *h = unreachable->next;
        mori_gclist_remove(h);
        mori_gclist_append(&seen, h);
        mor_obj *o = mori_gc_obj(h);
        if (o->type->finalize != NULL && !(o->flags & MORI_OF_FINALIZED)) {
            o->flags |= MORI_OF_FINALIZED;
            mor_incref(o);
            mor_obj *saved = rt->exc;
            rt->exc = NULL;
            o->type->finalize(rt, o);
            if (rt->exc != NULL)
                mor_err_write_unraisable(rt, "finalizer");
            rt->exc = saved;
            mor_decref(rt, o);
        }
    }
    mori_gclist_merge(&seen, unreachable);
}

/* Phase 6: finalizers may have made objects reachable again. Run the
 * detection once more over the set: the resurrected (and all they reach) go
 * to `old` untouched; the rest, still unreachable, go to `still`. Returns the
 * number of those. */
static size_t gc_handle_resurrected(mori_gchead *unreachable, mori_gchead *still,
                                    mori_gchead *old)
{
    gc_deduced d;
    gc_deduce_unreachable(unreachable, still, MORI_OF_COLLECTING | MORI_OF_UNREACHABLE, false,
                          false, false, &d);
    mori_gclist_merge(unreachable, old);
    return d.unreachable;
}

/* Phase 7: clear the weak references that finalizers created to the garbage
 * and those that are garbage themselves (no callbacks), so that no code can
 * observe an object after its clear slot ran (bpo-38006, gh-91636). */
static void gc_clear_weakrefs(mor_rt *rt, mori_gchead *still)
{
    for (mori_gchead *h = still->next; h != still; h = h->next) {
        mor_obj *o = mori_gc_obj(h);
        if (mori_is_weakref(o))
            mori_weakref_detach(rt, (mori_weakref *)o);
        if (o->flags & MORI_OF_WEAKREFS) {
            mori_weakref *chain = mori_weakref_clear_all(rt, o);
            while (chain != NULL) { /* drop the callbacks' references: none runs */
                mori_weakref *w = chain;
                chain = w->next;
                w->next = NULL;
                mor_decref(rt, &w->head);
            }
        }
    }
}

/* SAVEALL: the garbage goes to mor_gc_garbage instead of being freed. */
static void gc_save_garbage(mor_rt *rt, mori_gchead *still, mori_gchead *old)
{
    if (rt->gc.garbage == NULL)
        rt->gc.garbage = mor_list(rt, 0);
    for (mori_gchead *h = still->next; h != still; h = h->next)
        if (rt->gc.garbage == NULL || mor_list_append(rt, rt->gc.garbage, mori_gc_obj(h)) < 0)
            mor_err_write_unraisable(rt, "gc (saving garbage)");
    gc_clear_scratch(still);
    mori_gclist_merge(still, old);
}

/* Phase 8: break the cycles: clear each object (holding a reference so that
 * it cannot vanish mid-clear); the refcounts fall and normal deallocation
 * frees them. Anything still alive after its clear goes to `old`. */
static void gc_delete_garbage(mor_rt *rt, mori_gchead *still, mori_gchead *old)
{
    while (!mori_gclist_empty(still)) {
        mori_gchead *h = still->next;
        mor_obj *o = mori_gc_obj(h);
        if (o->type->clear != NULL) {
            mor_incref(o);
            o->type->clear(rt, o);
            if (rt->exc != NULL)
                mor_err_write_unraisable(rt, "clear slot");
            mor_decref(rt, o);
        }
        if (still->next == h) { /* still alive: it may die later */
            o->flags &= ~(MORI_OF_COLLECTING | MORI_OF_UNREACHABLE);
            mori_gclist_remove(h);
            mori_gclist_append(old, h);
        }
    }
}

/* ---- callbacks, statistics ----------------------------------------------------------------- */

static void gc_record(mor_rt *rt, const mor_gc_info *info)
{
    mori_gc_genstats *s = &rt->gc.stats[info->generation];
    s->collections++;
    s->collected += (uint64_t)info->collected;
    s->uncollectable += (uint64_t)info->uncollectable;
    s->total_ns += info->duration_ns;
    if (info->duration_ns > s->max_pause_ns)
        s->max_pause_ns = info->duration_ns;
    if (rt->gc.debug & MOR_GC_DEBUG_STATS)
        fprintf(stderr,
                "gc: generation %d: %lld scanned, %lld collected, %lld uncollectable, %.3f ms\n",
                info->generation, (long long)info->scanned, (long long)info->collected,
                (long long)info->uncollectable, (double)info->duration_ns / 1e6);
    if (rt->gc.trace_hook != NULL)
        rt->gc.trace_hook(rt, info);
}

/* ---- the driver ---------------------------------------------------------------------------- */

/* Collect `generation` and every younger one. Returns the number of
 * unreachable objects found. An emergency collection (memory is short) runs
 * no user code: no callbacks, no finalizers, no weakref callbacks; a garbage
 * set that would need any is left for the next normal collection. */
static int64_t gc_collect_main(mor_rt *rt, int generation, bool emergency)
{
    mori_gc *gc = &rt->gc;
    uint64_t t0 = gc_now_ns();
    mor_gc_info info = {MOR_GC_START, generation, 0, 0, 0, 0};
    gc->collecting = true;
    gc->no_user_code = emergency;
    bool callbacks = !emergency && !rt->shutting_down;
    /* the interrupted code's pending exception is set aside for the whole
     * collection: user code run here cannot see or lose it */
    mor_obj *saved_exc = rt->exc;
    rt->exc = NULL;
    if (callbacks)
        mori_gc_invoke_callbacks(rt, &info);

    /* the young set: this generation and all younger ones */
    for (int i = 0; i < generation; i++)
        mori_gclist_merge(&gc->gens[i].head, &gc->gens[generation].head);
    mori_gchead *young = &gc->gens[generation].head;
    mori_gchead *old = generation + 1 < MORI_GC_NGENS ? &gc->gens[generation + 1].head : young;
    bool full = generation == MORI_GC_NGENS - 1;

    /* every tracked object is a candidate of a full collection unless some are
     * frozen: phase 1 then folds into phase 2 (gc_decref's lazy mode) */
    bool lazy = full && mori_gclist_empty(&gc->permanent);
    mori_gchead unreachable, still;
    gc_deduced d;
    gc_deduce_unreachable(young, &unreachable, 0, lazy, true, full, &d);
    info.scanned = (int64_t)d.scanned;

    /* survivors move up one generation (a full collection keeps them) */
    if (full)
        gc->long_lived_total = d.survivors;
    else
        mori_gclist_merge(young, old);

    int64_t found = (int64_t)d.unreachable;
    if (emergency && d.special && gc_needs_user_code(rt, &unreachable)) {
        gc_clear_scratch(&unreachable);
        mori_gclist_merge(&unreachable, old);
        gc->pending = true; /* a full collection at the next safe point frees it */
        gc->full_due = true;
        found = 0;
    } else if (found > 0) {
        /* without special objects phases 4 to 7 would change nothing: no
         * finalizer or callback would run, no weak reference is involved */
        size_t n = d.unreachable;
        mori_gchead *dead = &unreachable;
        if (d.special) {
            gc_handle_weakrefs(rt, &unreachable);
            gc_finalize_garbage(rt, &unreachable);
            n = gc_handle_resurrected(&unreachable, &still, old);
            gc_clear_weakrefs(rt, &still);
            dead = &still;
        }
        if (gc->debug & MOR_GC_DEBUG_SAVEALL) {
            info.uncollectable = (int64_t)n;
            gc_save_garbage(rt, dead, old);
        } else {
            info.collected = (int64_t)n;
            gc_delete_garbage(rt, dead, old);
        }
    }

    if (generation + 1 < MORI_GC_NGENS)
        gc->gens[generation + 1].count++;
    for (int i = 0; i <= generation; i++)
        gc->gens[i].count = 0;
    if (full)
        gc->objects_at_full = gc->objects; /* the garbage is gone by now */
    gc->no_user_code = false;

    info.phase = MOR_GC_STOP;
    info.duration_ns = gc_now_ns() - t0;
    gc_record(rt, &info);
    if (callbacks)
        mori_gc_invoke_callbacks(rt, &info);
    gc->collecting = false; /* only now: a STOP callback must not start another */
    mor_err_clear(rt);
    rt->exc = saved_exc;
    return found;
}

/* The generation an automatic collection should take: the oldest whose count
 * passed its threshold, but the oldest only when the objects awaiting their
 * first full collection exceed 25% of the long-lived ones (amortized linear,
 * CPython issue #4074). Those awaiting are counted as the growth of the GC
 * objects alive since the last full collection: CPython adds up the survivors
 * of generation-1 collections and never subtracts those that die by refcount
 * afterwards, so a program that keeps replacing a large structure (GCBench's
 * trees) ran a full collection every few young ones. Growth still counts
 * cyclic garbage that reached the old generation, since it stays alive until
 * a full collection: at most 25% of the heap waits. -1: none is due. */
static int gc_select_generation(const mori_gc *gc)
{
    for (int i = MORI_GC_NGENS - 1; i >= 0; i--) {
        if (gc->gens[i].count > gc->gens[i].threshold) {
            size_t pending = gc->objects > gc->objects_at_full ? gc->objects - gc->objects_at_full : 0;
            if (i == MORI_GC_NGENS - 1 && pending < gc->long_lived_total / 4)
                continue;
            return i;
        }
    }
    return -1;
}

/* Objects that died during an emergency collection and need user code were
 * parked; release them now, at a safe point, through the normal pipeline. */
static void gc_release_parked(mor_rt *rt)
{
    while (!mori_gclist_empty(&rt->gc.parked)) {
        mori_gchead *h = rt->gc.parked.next;
        mori_gclist_remove(h);
        mor_obj *o = mori_gc_obj(h);
        o->flags &= ~(MORI_OF_TRACKED | MORI_OF_DEFERRED);
        if (o->flags & MORI_OF_RETRACK) {
            o->flags &= ~MORI_OF_RETRACK;
            mori_gc_track(rt, o);
        }
        mor_decref(rt, o);
    }
}

void mori_gc_park(mor_rt *rt, mor_obj *o)
{
    bool tracked = (o->flags & MORI_OF_TRACKED) != 0;
    if (tracked)
        mori_gc_untrack(rt, o);
    o->refcnt = 1; /* owned by the parked list; DEFERRED: weak references see it dead */
    o->flags |= MORI_OF_TRACKED | MORI_OF_DEFERRED | (tracked ? MORI_OF_RETRACK : 0);
    mori_gclist_append(&rt->gc.parked, mori_gc_head(o));
    rt->gc.pending = true;
}

void mori_gc_collect_scheduled(mor_rt *rt)
{
    mori_gc *gc = &rt->gc;
    if (gc->collecting || rt->shutting_down)
        return;
    gc->pending = false;
    gc_release_parked(rt);
    if (gc->full_due) { /* garbage an emergency collection had to leave */
        gc->full_due = false;
        gc_collect_main(rt, MORI_GC_NGENS - 1, false);
        return;
    }
    if (!gc->enabled || gc->gens[0].threshold == 0)
        return;
    int generation = gc_select_generation(gc);
    if (generation >= 0)
        gc_collect_main(rt, generation, false);
}

int64_t mori_gc_collect(mor_rt *rt, int generation)
{
    if (rt->gc.collecting)
        return 0;
    gc_release_parked(rt);
    rt->gc.pending = false;
    return gc_collect_main(rt, generation, false);
}

void mori_gc_emergency(mor_rt *rt)
{
    if (rt->gc.collecting || rt->shutting_down)
        return;
    gc_collect_main(rt, MORI_GC_NGENS - 1, true);
}

void mori_gc_shutdown(mor_rt *rt)
{
    gc_release_parked(rt);
    mori_finalize_run_all(rt); /* weakref.finalize's atexit behaviour */
    /* collect until a pass frees nothing (finalizers may release more) */
    for (int i = 0; i < 8; i++) {
        int64_t n = gc_collect_main(rt, MORI_GC_NGENS - 1, false);
        if (n == 0 && mori_gclist_empty(&rt->gc.parked))
            break;
        gc_release_parked(rt);
    }
    mori_gc *gc = &rt->gc;
    gc->debug &= ~(unsigned)MOR_GC_DEBUG_SAVEALL; /* nothing is saved any more */
    if (gc->garbage != NULL) {
        int64_t n = mor_len(rt, gc->garbage);
        if (n > 0)
            fprintf(stderr, "mor: ResourceWarning: gc: %lld uncollectable objects at shutdown\n",
                    (long long)n);
        mor_obj *g = gc->garbage;
        gc->garbage = NULL;
        mor_decref(rt, g);
        /* the saved objects are collectable now */
        gc_collect_main(rt, MORI_GC_NGENS - 1, false);
    }
}

void mori_gc_finalize_survivors(mor_rt *rt)
{
    mori_gc *gc = &rt->gc;
    mori_gchead todo, done;
    mori_gclist_init(&todo);
    mori_gclist_init(&done);
    for (int i = 0; i < MORI_GC_NGENS; i++)
        mori_gclist_merge(&gc->gens[i].head, &todo);
    mori_gclist_merge(&gc->permanent, &todo);
    /* as in finalize_garbage: move each object before its finalizer runs */
    while (!mori_gclist_empty(&todo)) {
        mori_gchead *h = todo.next;
        mori_gclist_remove(h);
        mori_gclist_append(&done, h);
        mor_obj *o = mori_gc_obj(h);
        if (o->type->finalize != NULL && !(o->flags & MORI_OF_FINALIZED)) {
            o->flags |= MORI_OF_FINALIZED;
            mor_incref(o);
            o->type->finalize(rt, o);
            if (rt->exc != NULL)
                mor_err_write_unraisable(rt, "finalizer at shutdown");
            mor_decref(rt, o);
        }
    }
    mori_gclist_merge(&done, &gc->gens[MORI_GC_NGENS - 1].head);
}

void mori_gc_fini(mor_rt *rt)
{
    mori_gc *gc = &rt->gc;
    if (gc->callbacks != NULL)
        mori_mem_free(rt, gc->callbacks, gc->cbcap * sizeof(mori_gc_cb), MORI_MEM_BUFFER);
    gc->callbacks = NULL;
    gc->ncallbacks = gc->cbcap = 0;
}
