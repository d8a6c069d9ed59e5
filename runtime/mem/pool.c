/* runtime/mem/pool.c: bounded free lists (object pools) for floats, ints
 * outside the small-int cache, list shells and small tuples; their slow paths,
 * and giving their blocks back to the backend. */
#include "pool.h"

#include "../gc/collector.h"

static void pool_setup(mori_pool *p, size_t blocksize, uint32_t max, mori_mem_kind kind)
{
    p->head = NULL;
    p->count = 0;
    p->max = max;
    p->blocksize = (uint32_t)blocksize;
    p->kind = kind;
    p->hits = p->misses = 0;
}

void mori_pool_init(mor_rt *rt)
{
    mori_pool *pools = rt->mem.pools;
    /* sizes are those of the objects: see the types' files */
    pool_setup(&pools[MORI_POOL_FLOAT], 24, 256, MORI_MEM_ATOMIC_OBJECT);
    pool_setup(&pools[MORI_POOL_INT], 24, 256, MORI_MEM_ATOMIC_OBJECT);
    pool_setup(&pools[MORI_POOL_LIST], MORI_GC_HEAD_SIZE + 40, 80, MORI_MEM_GC_OBJECT);
    for (unsigned i = 0; i < MORI_TUPLE_POOLS; i++)
        pool_setup(&pools[MORI_POOL_TUPLE0 + i], MORI_GC_HEAD_SIZE + 24 + 8 * (i + 1), 2000,
                   MORI_MEM_GC_OBJECT);
}

void *mori_pool_take_slow(mor_rt *rt, mori_pool *pool)
{
    /* Empty, or a hook is active (failure injection, tracing): go through the
     * funnel so that every allocation is seen; the pool is bypassed. */
    pool->misses++;
    return mori_mem_alloc(rt, pool->blocksize, pool->kind);
}

void mori_pool_give_slow(mor_rt *rt, mori_pool *pool, void *p)
{
    mori_mem_free(rt, p, pool->blocksize, pool->kind);
}

void mori_pool_drain(mor_rt *rt, mori_pool *pool)
{
    void *p = pool->head;
    while (p != NULL) {
        void *next = *(void **)p;
        mori_mem_free(rt, p, pool->blocksize, pool->kind);
        p = next;
    }
    pool->head = NULL;
    pool->count = 0;
}

void mori_pool_drain_all(mor_rt *rt)
{
#if MORI_POISON
    mori_debug_quarantine_flush(rt); /* some of its blocks are headed for a pool */
#endif
    for (unsigned i = 0; i < MORI_NPOOLS; i++)
        mori_pool_drain(rt, &rt->mem.pools[i]);
}
