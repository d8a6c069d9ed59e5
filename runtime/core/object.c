/* runtime/core/object.c: object allocation, the deallocation pipeline (with
 * its bound on C stack depth), and the recursion guards.
 *
 * Death by refcount, in order (hard-cases.md, "Refcount death"):
 *   1. the finalizer, once per object (FINALIZED bit); it may resurrect: stop;
 *   2. the object leaves its generation list;
 *   3. weak references are cleared and their callbacks run (gc/weakref.c);
 *   4. the type's dealloc releases what it owns and frees the block.
 * During an emergency collection (memory is short) no user code may run: an
 * object that needs its finalizer or weakref callbacks is parked instead and
 * released at the next safe point (gc/collect.c). 
 * A dealloc that drops the last reference to a child re-enters mor_dealloc;
 * past MORI_DEALLOC_DEPTH nested calls a dying GC object is parked on
 * rt->deferred (linked through its collector links, as it is off every list)
 * and the outermost mor_dealloc frees the parked objects in a loop, so a chain
 * of a million nested containers is freed with a bounded C stack. Non-GC
 * objects hold no references, so their deallocation never nests. */
#include "rt.h"

#include "../gc/weakref.h"
#include "../types/types.h"

mor_obj *mori_obj_alloc(mor_rt *rt, const mor_type *t, size_t size)
{
    void *block = mori_mem_alloc(rt, size, MORI_MEM_OBJECT);
    return block ? mori_obj_adopt(rt, block, t) : NULL;
}

mor_obj *mori_obj_alloc_atomic(mor_rt *rt, const mor_type *t, size_t size)
{
    void *block = mori_mem_alloc(rt, size, MORI_MEM_ATOMIC_OBJECT);
    return block ? mori_obj_adopt(rt, block, t) : NULL;
}

void mori_obj_free(mor_rt *rt, mor_obj *o, size_t size)
{
    mori_mem_free(rt, mori_obj_release(rt, o), size, MORI_MEM_OBJECT);
}

mor_obj *mori_gc_alloc(mor_rt *rt, const mor_type *t, size_t size)
{
    mori_gc_safepoint(rt);
    void *block = mori_mem_zalloc(rt, MORI_GC_HEAD_SIZE + size, MORI_MEM_GC_OBJECT);
    if (block == NULL)
        return NULL;
    mor_obj *o = mori_gc_adopt(rt, block, t);
    mori_gc_on_alloc(rt, o);
    return o;
}

void mori_gc_free(mor_rt *rt, mor_obj *o, size_t size)
{
    MOR_ASSERT_OBJ(o, !(o->flags & MORI_OF_TRACKED));
    mori_mem_free(rt, mori_gc_release(rt, o), MORI_GC_HEAD_SIZE + size, MORI_MEM_GC_OBJECT);
}

/* ---- the deallocation pipeline --------------------------------------------- */

/* Steps 1 to 4 above for one object whose refcount reached 0. */
static void dealloc_one(mor_rt *rt, mor_obj *o)
{
    const mor_type *t = o->type;
    if (MOR_UNLIKELY(rt->gc.no_user_code) &&
        ((t->finalize != NULL && !(o->flags & MORI_OF_FINALIZED)) ||
         ((o->flags & MORI_OF_WEAKREFS) && mori_weakref_has_callbacks(rt, o)))) {
        mori_gc_park(rt, o);
        return;
    }
    if (t->finalize != NULL && !(o->flags & MORI_OF_FINALIZED)) {
        o->flags |= MORI_OF_FINALIZED;
        o->refcnt = 1; /* alive while its finalizer runs */
        mor_obj *saved = rt->exc;  /* a pending exception survives (hard case 35) */
        rt->exc = NULL;
        t->finalize(rt, o);
        if (rt->exc != NULL)
            mor_err_write_unraisable(rt, "finalizer");
        rt->exc = saved;
        if (--o->refcnt != 0)
            return; /* resurrected */
    }
    /* untracked before any weakref callback runs: a collection it starts
     * must not find a tracked object with refcount 0 */
    if (o->flags & MORI_OF_TRACKED)
        mori_gc_untrack(rt, o);
    if (o->flags & MORI_OF_WEAKREFS)
        mori_weakref_object_dying(rt, o);
    t->dealloc(rt, o);
}

static __attribute__((noinline)) void dealloc_drain(mor_rt *rt)
{
    while (rt->deferred != NULL) {
        mori_gchead *h = rt->deferred;
        rt->deferred = h->next;
        h->next = h->prev = NULL;
        mor_obj *o = mori_gc_obj(h);
        bool retrack = (o->flags & MORI_OF_RETRACK) != 0;
        o->flags &= ~(MORI_OF_DEFERRED | MORI_OF_RETRACK);
        if (retrack) /* a finalizer may resurrect it: it must be tracked again */
            mori_gc_track(rt, o);
        rt->dealloc_depth++;
        dealloc_one(rt, o);
        rt->dealloc_depth--;
    }
}

/* Past the depth bound, or with a finalizer to run or weak references to
 * clear: the whole pipeline. */
static __attribute__((noinline)) void dealloc_general(mor_rt *rt, mor_obj *o)
{
    if (rt->dealloc_depth >= MORI_DEALLOC_DEPTH && mori_is_gc(o)) {
        bool tracked = (o->flags & MORI_OF_TRACKED) != 0;
        if (tracked)
            mori_gc_untrack(rt, o);
        o->flags |= MORI_OF_DEFERRED | (tracked ? MORI_OF_RETRACK : 0);
        mori_gchead *h = mori_gc_head(o);
        h->prev = NULL;
        h->next = rt->deferred;
        rt->deferred = h;
        return;
    }
    rt->dealloc_depth++;
    dealloc_one(rt, o);
    if (--rt->dealloc_depth == 0 && rt->deferred != NULL) {
        dealloc_drain(rt);
    }
}

/* A GC object with nothing to run before its dealloc, below the depth bound. */
static __attribute__((noinline)) void dealloc_gc_plain(mor_rt *rt, mor_obj *o)
{
    if (o->flags & MORI_OF_TRACKED)
        mori_gc_untrack(rt, o);
    rt->dealloc_depth++;
    o->type->dealloc(rt, o);
    if (--rt->dealloc_depth == 0 && MOR_UNLIKELY(rt->deferred != NULL))
        dealloc_drain(rt);
}

/* The fast paths skip only steps with nothing to do: no finalizer is due
 * (none, or it already ran) and the weakref table holds nothing for o, so no
 * user code runs before the type's dealloc and the emergency-collection check
 * has nothing to park. A plain (non-GC) object then goes straight to its
 * dealloc, uncounted: it is no link of a chain of GC objects, and a GC object
 * its dealloc releases counts its own depth. A GC object below the depth
 * bound leaves its generation list and is deallocated with the depth counted,
 * as dealloc_general does. Every path is a tail call: no frame here. */
void mori_dealloc(mor_rt *rt, mor_obj *o)
{
    MOR_ASSERT_OBJ(o, o->refcnt == 0);
    const mor_type *t = o->type;
    uint32_t flags = o->flags;
    if (MOR_LIKELY(!(flags & MORI_OF_WEAKREFS) &&
                   (t->finalize == NULL || (flags & MORI_OF_FINALIZED)))) {
        if (!(t->flags & MOR_TYPE_GC)) {
            t->dealloc(rt, o);
            return;
        }
        if (MOR_LIKELY(rt->dealloc_depth < MORI_DEALLOC_DEPTH)) {
            dealloc_gc_plain(rt, o);
            return;
        }
    }
    dealloc_general(rt, o);
}

MORI_EXPORT_AS(mor_dealloc, mori_dealloc);

void mori_decref_special(mor_rt *rt, mor_obj *o)
{
    (void)rt;
    if (o->refcnt == MOR_REFCNT_IMMORTAL)
        return;
    mor_fatal(o, "mor_decref of an object whose refcount is already 0 "
                 "(a use after free or one decref too many)");
}

MORI_EXPORT_AS(mor_decref_special, mori_decref_special);

size_t mor_refcount(const mor_obj *o) { return o->refcnt; }
bool mor_is_immortal(const mor_obj *o) { return o->refcnt == MOR_REFCNT_IMMORTAL; }
const mor_type *mor_type_of(const mor_obj *o) { return o->type; }
const char *mor_type_name(const mor_obj *o) { return o->type->name; }

/* ---- embedder objects -------------------------------------------------------- */

static size_t object_size(const mor_type *t, size_t nitems)
{
    return t->basicsize + t->itemsize * nitems;
}

mor_obj *mor_object_new(mor_rt *rt, const mor_type *type, size_t nitems)
{
    if ((type->finalize != NULL || (type->flags & MOR_TYPE_WEAKREF)) &&
        !(type->flags & MOR_TYPE_GC)) {
        mor_raise(rt, MOR_EXC_TYPE,
                  "type '%s' has a finalizer or weak references but no MOR_TYPE_GC", type->name);
        return NULL;
    }
    size_t header = type->itemsize != 0 ? sizeof(mor_varobj) : sizeof(mor_obj);
    if (type->dealloc == NULL || ((type->flags & MOR_TYPE_GC) && type->traverse == NULL) ||
        type->basicsize < header) {
        mor_raise(rt, MOR_EXC_TYPE, "type '%s' is incomplete: %s", type->name,
                  type->dealloc == NULL ? "no dealloc slot"
                  : type->basicsize < header ? "basicsize smaller than the object header"
                                             : "MOR_TYPE_GC without a traverse slot");
        return NULL;
    }
    /* no allocator gives 2^62 bytes: refusing them first keeps every size
     * computation (collector links included) from overflowing */
    if (type->basicsize > INT64_MAX / 2 ||
        (type->itemsize != 0 && nitems > (INT64_MAX / 2 - type->basicsize) / type->itemsize)) {
        mor_raise(rt, MOR_EXC_MEMORY, "cannot allocate a '%s' object of %zu items", type->name,
                  nitems);
        return NULL;
    }
    size_t size = object_size(type, nitems);
    mor_obj *o;
    if (type->flags & MOR_TYPE_GC) {
        o = mori_gc_alloc(rt, type, size);
        if (o == NULL)
            return NULL;
    } else {
        o = mori_obj_alloc(rt, type, size);
        if (o == NULL)
            return NULL;
        memset(o + 1, 0, size - sizeof(mor_obj));
    }
    if (type->itemsize != 0)
        ((mor_varobj *)o)->size = (int64_t)nitems;
    if (type->flags & MOR_TYPE_GC)
        mori_gc_track(rt, o);
    return o;
}

void mor_object_free(mor_rt *rt, mor_obj *o)
{
    const mor_type *t = o->type;
    size_t size = object_size(t, t->itemsize ? (size_t)((mor_varobj *)o)->size : 0);
    if (t->flags & MOR_TYPE_GC) {
        mori_gc_untrack(rt, o);
        mori_gc_free(rt, o, size);
    } else {
        mori_obj_free(rt, o, size);
    }
}

/* ---- recursion guards ---------------------------------------------------------- */

int mori_enter_failed(mor_rt *rt, const char *what)
{
    rt->depth--;
    mor_raise(rt, MOR_EXC_RECURSION, "maximum recursion depth exceeded%s", what);
    return -1;
}

int mori_repr_enter(mor_rt *rt, mor_obj *o)
{
    for (size_t i = 0; i < rt->repr_n; i++)
        if (rt->repr_stack[i] == o)
            return 1;
    if (rt->repr_n == rt->repr_cap) {
        size_t cap = rt->repr_cap ? rt->repr_cap * 2 : 16;
        mor_obj **s = mori_mem_realloc(rt, rt->repr_stack, rt->repr_cap * sizeof(mor_obj *),
                                       cap * sizeof(mor_obj *), MORI_MEM_ATOMIC);
        if (s == NULL)
            return -1;
        rt->repr_stack = s;
        rt->repr_cap = cap;
    }
    if (mori_enter(rt, " while getting the repr of an object") < 0)
        return -1;
    rt->repr_stack[rt->repr_n++] = o;
    return 0;
}

void mori_repr_leave(mor_rt *rt, mor_obj *o)
{
    MOR_ASSERT(rt->repr_n > 0 && rt->repr_stack[rt->repr_n - 1] == o);
    (void)o;
    rt->repr_n--;
    mori_leave(rt);
}
