/* runtime/core/object.h: header flag bits, object allocation and the
 * deallocation pipeline shared by every type. */
#ifndef MORI_OBJECT_H
#define MORI_OBJECT_H

#include "internal.h"

/* Header flag bits (mor_obj.flags). The low 16 bits belong to the runtime; the
 * high 16 bits to the object's type (MORI_OF_TYPE_SHIFT).
 *  TRACKED    the object is on one of the collector's generation lists
 *  FINALIZED  its finalizer ran (PEP 442: never again), tracked or not
 *  WEAKREFS   the weakref side table may hold refs to it
 *  STATIC     owned by the runtime (singletons, caches): never a leak
 *  INTERNED   (str) in the intern table
 *  COLLECTING, UNREACHABLE: scratch bits of a running collection
 *  DEFERRED   sitting on the deferred-deallocation list
 *  RETRACK    parked (deferred or emergency): track it again when released */
#define MORI_OF_TRACKED (1u << 0)
#define MORI_OF_FINALIZED (1u << 1)
#define MORI_OF_WEAKREFS (1u << 2)
#define MORI_OF_STATIC (1u << 3)
#define MORI_OF_INTERNED (1u << 4)
#define MORI_OF_COLLECTING (1u << 5)
#define MORI_OF_UNREACHABLE (1u << 6)
#define MORI_OF_DEFERRED (1u << 7)
#define MORI_OF_RETRACK (1u << 8)
#define MORI_OF_TYPE_SHIFT 16
#define MORI_OF_TYPE_BIT(n) (1u << (MORI_OF_TYPE_SHIFT + (n)))

static inline bool mori_is_gc(const mor_obj *o) { return (o->type->flags & MOR_TYPE_GC) != 0; }
static inline bool mori_is_type(const mor_obj *o, const mor_type *t) { return o->type == t; }

static inline void mori_init_header(mor_obj *o, const mor_type *t)
{
    o->refcnt = 1;
    o->flags = 0;
    o->type = t;
}

/* ---- "object.c" ---------------------------------------------------------- */

/* A new object of `size` bytes (header included) for a type WITHOUT
 * MOR_TYPE_GC; header initialised, body uninitialised. NULL + MemoryError.
 * _atomic: the object holds no pointer but its type's (ints, strs, bytes):
 * a conservative collector need not scan it. */
MOR_INTERNAL mor_obj *mori_obj_alloc(mor_rt *rt, const mor_type *t, size_t size);
MOR_INTERNAL mor_obj *mori_obj_alloc_atomic(mor_rt *rt, const mor_type *t, size_t size);
MOR_INTERNAL void mori_obj_free(mor_rt *rt, mor_obj *o, size_t size);

/* Is this the only reference to o, so that it may be changed in place
 * (str append)? Never under a tracing collector: there are no counts. */
static inline bool mori_uniquely_owned(const mor_obj *o)
{
#ifdef MOR_BACKEND_BOEHM
    (void)o;
    return false;
#else
    return o->refcnt == 1;
#endif
}

/* A new object of `size` bytes (header included, collector links added in
 * front) for a type WITH MOR_TYPE_GC; header initialised, body zeroed,
 * NOT yet tracked: call mori_gc_track once the object is consistent. This is a
 * safe point: a scheduled collection runs before the block is allocated, so
 * every tracked object must be traversable whenever a GC object is allocated.
 * Counts as a gen-0 allocation. NULL + MemoryError. */
MOR_INTERNAL mor_obj *mori_gc_alloc(mor_rt *rt, const mor_type *t, size_t size);
/* Free a GC object's block (the object is already untracked). */
MOR_INTERNAL void mori_gc_free(mor_rt *rt, mor_obj *o, size_t size);

/* Exported functions that the runtime calls on hot paths are defined under a
 * hidden name mori_<name>, the public name being an alias of it: calls from
 * inside the library then bind directly, skipping the PLT. */
#define MORI_EXPORT_AS(pub, hidden) __typeof__(hidden) pub __attribute__((alias(#hidden)))

/* The generic protocol's hot entry points under their hidden names
 * (protocol.c); mor_int and mor_float are in types/types.h. */
MOR_INTERNAL mor_obj *mori_next(mor_rt *rt, mor_obj *it);
MOR_INTERNAL mor_obj *mori_call(mor_rt *rt, mor_obj *callable, size_t nargs,
                                mor_obj *const *args);
MOR_INTERNAL int mori_is_true(mor_rt *rt, mor_obj *o);
MOR_INTERNAL mor_obj *mori_add(mor_rt *rt, mor_obj *a, mor_obj *b);

/* mor_dealloc and mor_decref_special under their hidden names. */
MOR_INTERNAL void mori_dealloc(mor_rt *rt, mor_obj *o);
MOR_INTERNAL void mori_decref_special(mor_rt *rt, mor_obj *o);

/* mor_decref and mor_xdecref of mor/core.h, calling the hidden names; an
 * immortal object (small ints, None...) is recognised without a call. The
 * runtime's own code gets these through the macros below. */
static inline void mori_decref(mor_rt *rt, mor_obj *o)
{
#ifndef MOR_BACKEND_BOEHM
    uint32_t n = o->refcnt;
    if (MOR_UNLIKELY(n - 1u >= MOR_REFCNT_IMMORTAL - 1u)) {
        if (n != MOR_REFCNT_IMMORTAL)
            mori_decref_special(rt, o);
        return;
    }
    o->refcnt = --n;
    if (n == 0)
        mori_dealloc(rt, o);
#else
    (void)rt;
    (void)o;
#endif
}

static inline void mori_xdecref(mor_rt *rt, mor_obj *o)
{
    if (o != NULL)
        mori_decref(rt, o);
}

#define mor_decref(rt, o) mori_decref((rt), (o))
#define mor_xdecref(rt, o) mori_xdecref((rt), (o))

/* Recursion guard for call/repr/eq/compare/copy nesting: mori_enter and
 * mori_leave are inline in core/rt.h; this raises the RecursionError. */
MOR_INTERNAL int mori_enter_failed(mor_rt *rt, const char *what);

/* Self-reference guard for repr ([...], {...}): 1 if o is already being
 * printed (caller prints the ellipsis), 0 if entered, -1 on error. */
MOR_INTERNAL int mori_repr_enter(mor_rt *rt, mor_obj *o);
MOR_INTERNAL void mori_repr_leave(mor_rt *rt, mor_obj *o);

#endif
