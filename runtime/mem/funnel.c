/* runtime/mem/funnel.c: the one allocation path for objects and their buffers.
 * Fast path: one test of `slow`, the backend call, the counters. Slow path:
 * failure injection (and, later, tracing). On a failure: one emergency
 * collection, one retry, then MemoryError; nothing is leaked on the way. */
#include "../core/rt.h"
#include "../gc/collector.h"
#include "trace.h"

int mori_mem_init(mor_rt *rt)
{
    mori_mem *m = &rt->mem;
    memset(m, 0, sizeof(*m));
    m->backend = mori_backend_new();
    if (m->backend == NULL)
        return -1;
    mori_pool_init(rt);
    return 0;
}

void mori_mem_fini(mor_rt *rt)
{
    mori_pool_drain_all(rt);
    mori_backend_destroy(rt->mem.backend);
    rt->mem.backend = NULL;
}

void mori_mem_update_slow(mor_rt *rt)
{
    mori_mem *m = &rt->mem;
    unsigned s = m->slow & ~MORI_MEM_SLOW_FAIL;
    if (m->fail_countdown != 0 || m->fail_fn != NULL || m->fail_retry)
        s |= MORI_MEM_SLOW_FAIL;
    m->slow = s;
}

/* Does the failure injection want this allocation to fail? The countdown
 * fails one allocation for good (its retry fails too, so the MemoryError path
 * is exercised); the callback is asked again for the retry. */
static bool mem_inject_failure(mor_rt *rt, size_t n)
{
    mori_mem *m = &rt->mem;
    if (m->fail_retry) {
        m->fail_retry = false;
        mori_mem_update_slow(rt);
        return true;
    }
    if (m->fail_countdown != 0 && --m->fail_countdown == 0) {
        m->fail_retry = true;
        return true;
    }
    return m->fail_fn != NULL && m->fail_fn(m->fail_ud, n);
}

static void *mem_backend_try(mor_rt *rt, void *old, size_t n, mori_mem_kind kind)
{
    /* no injected failures inside the emergency collection itself */
    if ((rt->mem.slow & MORI_MEM_SLOW_FAIL) && !rt->mem.in_emergency && mem_inject_failure(rt, n))
        return NULL;
    if (old != NULL)
        return mori_backend_realloc(rt->mem.backend, old, n, kind);
    return mori_backend_alloc(rt->mem.backend, n, kind);
}

/* Allocation with a hook active (failure injection, tracing), or after the
 * backend failed. */
static void *mem_alloc_slow(mor_rt *rt, size_t n, mori_mem_kind kind);

/* An allocation (old == NULL) or resize failed once: run the emergency
 * collection once and retry; raise MemoryError if the retry fails too. While an
 * emergency collection or the building of an exception is under way, nested
 * failures just return NULL (the outer handler raises, or falls back to the
 * preallocated MemoryError). */
static void *mem_failed(mor_rt *rt, void *old, size_t n, mori_mem_kind kind)
{
    mori_mem *m = &rt->mem;
    m->failed++;
    if (m->in_emergency || rt->raising) {
        m->fail_retry = false; /* no retry here: the injected failure is spent */
        mori_mem_update_slow(rt);
        return NULL;
    }
    m->in_emergency = true;
    m->emergencies++;
    mori_gc_emergency(rt);
    m->in_emergency = false;
    void *p = mem_backend_try(rt, old, n, kind);
    if (p != NULL)
        return p;
    m->failed++;
    mor_raise(rt, MOR_EXC_MEMORY, "out of memory (allocating %zu bytes)", n);
    return NULL;
}

void *mori_mem_alloc(mor_rt *rt, size_t n, mori_mem_kind kind)
{
    if (MOR_LIKELY(rt->mem.slow == 0)) {
        void *p = mori_backend_alloc(rt->mem.backend, n, kind);
        if (MOR_LIKELY(p != NULL)) {
            mori_mem_count_alloc(&rt->mem, n);
            return p;
        }
    }
    return mem_alloc_slow(rt, n, kind);
}

static void *mem_alloc_slow(mor_rt *rt, size_t n, mori_mem_kind kind)
{
    void *p = mem_backend_try(rt, NULL, n, kind);
    if (p == NULL) {
        p = mem_failed(rt, NULL, n, kind);
        if (p == NULL)
            return NULL;
    }
    mori_mem_count_alloc(&rt->mem, n);
    if (rt->mem.slow & MORI_MEM_SLOW_TRACE)
        mori_trace_alloc(rt, p, n);
    return p;
}

void *mori_mem_zalloc(mor_rt *rt, size_t n, mori_mem_kind kind)
{
    void *p = mori_mem_alloc(rt, n, kind);
    if (p != NULL)
        memset(p, 0, n);
    return p;
}

void *mori_mem_realloc(mor_rt *rt, void *p, size_t old_n, size_t new_n, mori_mem_kind kind)
{
    if (p == NULL)
        return mori_mem_alloc(rt, new_n, kind);
    void *np = mem_backend_try(rt, p, new_n, kind);
    if (MOR_UNLIKELY(np == NULL)) {
        np = mem_failed(rt, p, new_n, kind);
        if (np == NULL)
            return NULL;
    }
    rt->mem.reallocs++;
    mori_mem_count_free(&rt->mem, old_n);
    mori_mem_count_alloc(&rt->mem, new_n);
    if (MOR_UNLIKELY(rt->mem.slow & MORI_MEM_SLOW_TRACE)) {
        mori_trace_free(rt, p, old_n);
        mori_trace_alloc(rt, np, new_n);
    }
    return np;
}

void *mori_mem_grow(mor_rt *rt, void *p, size_t old_n, size_t new_n, mori_mem_kind kind)
{
    void *old = p;
    if (p == NULL)
        return mori_mem_alloc(rt, new_n, kind);
    if (new_n > mori_backend_usable(rt->mem.backend, p)) {
        /* ask the backend for 1/4 more than needed so that a run of growths
         * copies O(total) bytes, whatever its size classes */
        size_t want = new_n + new_n / 4;
        void *np = mem_backend_try(rt, p, want < new_n ? new_n : want, kind);
        if (MOR_UNLIKELY(np == NULL)) {
            np = mem_failed(rt, p, new_n, kind);
            if (np == NULL)
                return NULL;
        }
        p = np;
    }
    /* otherwise the slack of an earlier growth absorbs this one: no copy */
    rt->mem.reallocs++;
    mori_mem_count_free(&rt->mem, old_n);
    mori_mem_count_alloc(&rt->mem, new_n);
    if (MOR_UNLIKELY(rt->mem.slow & MORI_MEM_SLOW_TRACE)) {
        mori_trace_free(rt, old, old_n);
        mori_trace_alloc(rt, p, new_n);
    }
    return p;
}

void mori_mem_free(mor_rt *rt, void *p, size_t n, mori_mem_kind kind)
{
    if (p == NULL)
        return;
    if (MOR_UNLIKELY(rt->mem.slow & MORI_MEM_SLOW_TRACE))
        mori_trace_free(rt, p, n);
    mori_mem_count_free(&rt->mem, n);
    mori_backend_free(rt->mem.backend, p, kind);
}

/* ---- public funnel for embedders ------------------------------------------- */

void *mor_mem_alloc(mor_rt *rt, size_t n) { return mori_mem_alloc(rt, n, MORI_MEM_BUFFER); }

void *mor_mem_realloc(mor_rt *rt, void *p, size_t old_n, size_t new_n)
{
    return mori_mem_realloc(rt, p, old_n, new_n, MORI_MEM_BUFFER);
}

void mor_mem_free(mor_rt *rt, void *p, size_t n) { mori_mem_free(rt, p, n, MORI_MEM_BUFFER); }

void mor_alloc_fail_after(mor_rt *rt, uint64_t n)
{
    rt->mem.fail_countdown = n;
    rt->mem.fail_retry = false;
    mori_mem_update_slow(rt);
}
