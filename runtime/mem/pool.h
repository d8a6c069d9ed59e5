/* runtime/mem/pool.h: inline fast paths of the object pools. A pool is a
 * bounded LIFO free list of same-size blocks on top of the funnel. A pooled
 * block stays counted as held from the backend (the statistics show how many
 * bytes sit in pools), so a hit is just a pop: no accounting on the hot path.
 * While a hook is active (failure injection, tracing) every take and give goes
 * through the slow path, so that each one is seen. */
#ifndef MORI_POOL_H
#define MORI_POOL_H

#include "../core/rt.h"

/* The hit path of mori_pool_take alone: a block, or NULL when the pool is
 * empty or a hook is active; the caller then calls mori_pool_take_slow,
 * best from an out-of-line function so that its hit path needs no frame. */
static inline void *mori_pool_pop(mor_rt *rt, mori_pool *pool)
{
    void *p = pool->head;
    if (MOR_LIKELY(p != NULL) && MOR_LIKELY(rt->mem.slow == 0)) {
        pool->head = *(void **)p;
        pool->count--;
        pool->hits++;
        return p;
    }
    return NULL;
}

/* A block of pool->blocksize bytes, uninitialised. NULL + MemoryError. */
static inline void *mori_pool_take(mor_rt *rt, mori_pool *pool)
{
    void *p = mori_pool_pop(rt, pool);
    return MOR_LIKELY(p != NULL) ? p : mori_pool_take_slow(rt, pool);
}

static inline void mori_pool_give(mor_rt *rt, mori_pool *pool, void *p)
{
#if MORI_POISON
    mori_debug_pool_give(rt, pool, p); /* poisoned and quarantined first */
    return;
#endif
    if (MOR_LIKELY(pool->count < pool->max) && MOR_LIKELY(rt->mem.slow == 0)) {
        *(void **)p = pool->head;
        pool->head = p;
        pool->count++;
        return;
    }
    mori_pool_give_slow(rt, pool, p);
}

#endif
