/* runtime/gc/weakref.h: weak references and proxies, and the side table that
 * finds them from their target.
 *
 * The side table (rt->weakrefs) maps a target's address to the newest weak
 * reference to it; each reference links to the next older one. A target with
 * entries has MORI_OF_WEAKREFS set, so objects without weak references pay
 * nothing. The table holds its entries weakly: it never keeps a target alive.
 *
 * Invariants:
 *  - wr->target != NULL  iff  wr is on the list of wr->target in the table;
 *  - a target is in the table iff its list is non-empty iff MORI_OF_WEAKREFS;
 *  - at most one reference and one proxy without callback per target (shared). */
#ifndef MORI_WEAKREF_H
#define MORI_WEAKREF_H

#include "../core/object.h"
#include "../core/ptrmap.h"

typedef struct mori_weakref {
    mor_obj head;
    mor_obj *target;           /* borrowed; NULL once cleared (mori_wr_raw) */
    mor_obj *callback;         /* owned, or NULL */
    int64_t hash;              /* valid with MORI_WR_HASHED */
    struct mori_weakref *next; /* next older reference to the same target (mori_wr_next) */
#ifdef MOR_BACKEND_BOEHM
    /* the target's address, disguised and not a disappearing link: the key of
     * the list this reference is on, still known once Boehm zeroed `target` */
    uintptr_t key;
#endif
} mori_weakref;

#define MORI_WR_HASHED MORI_OF_TYPE_BIT(0)

/* A weak reference that also holds a key (the weak dictionaries' entries,
 * like CPython's KeyedRef): its callback learns which entry died. */
typedef struct mori_keyedref {
    mori_weakref ref;
    mor_obj *key; /* owned, or NULL */
} mori_keyedref;

extern const mor_type mori_weakref_type MOR_INTERNAL;
extern const mor_type mori_weakproxy_type MOR_INTERNAL;
extern const mor_type mori_keyedref_type MOR_INTERNAL;

/* Any kind of weak reference (plain, proxy, keyed). */
static inline bool mori_is_weakref(const mor_obj *o)
{
    return o->type == &mori_weakref_type || o->type == &mori_weakproxy_type ||
           o->type == &mori_keyedref_type;
}

/* ---- "weakref.c" ------------------------------------------------------------------ */
MOR_INTERNAL void mori_weakref_init(mor_rt *rt);
MOR_INTERNAL void mori_weakref_fini(mor_rt *rt);
/* Death by refcount: clear every reference to o, then call the callbacks,
 * newest first. A pending exception survives; callback errors go to the
 * unraisable hook. */
MOR_INTERNAL void mori_weakref_object_dying(mor_rt *rt, mor_obj *o);
/* Detach every reference to o from it (no callback runs) and return those
 * with a callback, chained through `next` newest first, each with a new
 * reference; the caller calls mori_weakref_run_callbacks or drops them. */
MOR_INTERNAL mori_weakref *mori_weakref_clear_all(mor_rt *rt, mor_obj *o);
MOR_INTERNAL void mori_weakref_run_callbacks(mor_rt *rt, mori_weakref *chain);
/* Detach one reference from its target (no callback). */
MOR_INTERNAL void mori_weakref_detach(mor_rt *rt, mori_weakref *wr);
/* A new keyed reference (never shared) to target with callback and key. */
MOR_INTERNAL mor_obj *mori_keyedref_new(mor_rt *rt, mor_obj *target, mor_obj *callback,
                                        mor_obj *key);
/* Does o have a reference with a callback? */
MOR_INTERNAL bool mori_weakref_has_callbacks(mor_rt *rt, const mor_obj *o);
/* The target field. Under a conservative collector it holds the address
 * disguised (complemented), so that the reference does not keep the target
 * alive, and the collector zeroes it when the target dies (a disappearing
 * link, registered by mori_gc_weak_link). */
/* The link to the next reference is disguised the same way, or the newest
 * reference would keep every older one alive. `key` is the list's target even
 * after Boehm cleared `target`, so a dead reference can always leave its list.
 * mori_gc_weak_link returns -1 + MemoryError when the collector cannot
 * register the link. */
#ifdef MOR_BACKEND_BOEHM
static inline mor_obj *mori_wr_raw(const mori_weakref *wr)
{
    uintptr_t v = (uintptr_t)wr->target;
    return v ? (mor_obj *)~v : NULL;
}
static inline void mori_wr_store(mori_weakref *wr, mor_obj *t)
{
    wr->target = t ? (mor_obj *)~(uintptr_t)t : NULL;
    wr->key = t ? ~(uintptr_t)t : 0;
}
static inline mor_obj *mori_wr_key(const mori_weakref *wr)
{
    return wr->key ? (mor_obj *)~wr->key : NULL;
}
static inline mori_weakref *mori_wr_next(const mori_weakref *wr)
{
    uintptr_t v = (uintptr_t)wr->next;
    return v ? (mori_weakref *)~v : NULL;
}
static inline void mori_wr_set_next(mori_weakref *wr, mori_weakref *n)
{
    wr->next = n ? (mori_weakref *)~(uintptr_t)n : NULL;
}
MOR_INTERNAL int mori_gc_weak_link(mor_rt *rt, mori_weakref *wr);
MOR_INTERNAL void mori_gc_weak_unlink(mor_rt *rt, mori_weakref *wr);
#else
static inline mor_obj *mori_wr_raw(const mori_weakref *wr) { return wr->target; }
static inline void mori_wr_store(mori_weakref *wr, mor_obj *t) { wr->target = t; }
static inline mor_obj *mori_wr_key(const mori_weakref *wr) { return wr->target; }
static inline mori_weakref *mori_wr_next(const mori_weakref *wr) { return wr->next; }
static inline void mori_wr_set_next(mori_weakref *wr, mori_weakref *n) { wr->next = n; }
static inline int mori_gc_weak_link(mor_rt *rt, mori_weakref *wr) { return (void)rt, (void)wr, 0; }
static inline void mori_gc_weak_unlink(mor_rt *rt, mori_weakref *wr) { (void)rt, (void)wr; }
#endif

/* The live target of a reference, or NULL (dead, or dying: refcount 0, or
 * parked by the runtime on its way out). */
static inline mor_obj *mori_weakref_target(const mori_weakref *wr)
{
    mor_obj *t = mori_wr_raw(wr);
    return t != NULL && t->refcnt != 0 && !(t->flags & MORI_OF_DEFERRED) ? t : NULL;
}

#endif
