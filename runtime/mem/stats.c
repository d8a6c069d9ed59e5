/* runtime/mem/stats.c: the allocator statistics and their report, in the
 * spirit of sys._debugmallocstats. */
#include "../core/rt.h"

static const char *const pool_names[MOR_ALLOC_POOLS] = {"float", "int", "list", "tuple"};

static size_t class_limit(unsigned c)
{
    if (c < MOR_ALLOC_SMALL_CLASSES)
        return (size_t)(c + 1) * 16;
    if (c == MOR_ALLOC_CLASSES - 1)
        return SIZE_MAX;
    return (size_t)1 << (c - MOR_ALLOC_SMALL_CLASSES + 10);
}

static void stats_add_pool(mor_pool_stats *ps, const mori_pool *p)
{
    ps->hits += p->hits;
    ps->misses += p->misses;
    ps->cached += p->count;
    ps->cached_bytes += (uint64_t)p->count * p->blocksize;
}

void mor_alloc_get_stats(mor_rt *rt, mor_alloc_stats *out)
{
    const mori_mem *m = &rt->mem;
    memset(out, 0, sizeof(*out));
    out->backend = mori_backend_name();
    for (unsigned c = 0; c < MOR_ALLOC_CLASSES; c++) {
        const mori_class_stats *cs = &m->classes[c];
        out->classes[c].limit = class_limit(c);
        out->classes[c].live_blocks = cs->live_blocks;
        out->classes[c].live_bytes = cs->live_bytes;
        out->classes[c].total_allocs = cs->allocs;
        out->live_blocks += cs->live_blocks;
        out->total_allocs += cs->allocs;
    }
    out->total_frees = out->total_allocs - out->live_blocks;
    out->live_bytes = m->live_bytes;
    out->peak_bytes = m->peak_bytes;
    uint64_t live, heap;
    if (mori_backend_heap_stats(m->backend, &live, &heap)) {
        /* a tracing collector: its heap is the truth, not the funnel's counts */
        out->live_bytes = live;
        out->peak_bytes = heap;
        out->live_blocks = 0;
        out->total_frees = 0;
    }
    out->total_reallocs = m->reallocs;
    out->failed_allocs = m->failed;
    out->emergency_collections = m->emergencies;
    out->live_objects = mori_backend_counts_frees() ? m->live_objects : 0;
    for (unsigned i = 0; i < MOR_ALLOC_POOLS; i++)
        out->pools[i].name = pool_names[i];
    stats_add_pool(&out->pools[0], &m->pools[MORI_POOL_FLOAT]);
    stats_add_pool(&out->pools[1], &m->pools[MORI_POOL_INT]);
    stats_add_pool(&out->pools[2], &m->pools[MORI_POOL_LIST]);
    for (unsigned i = 0; i < MORI_TUPLE_POOLS; i++)
        stats_add_pool(&out->pools[3], &m->pools[MORI_POOL_TUPLE0 + i]);
    for (unsigned i = 0; i < MOR_ALLOC_POOLS; i++) {
        out->pooled_blocks += out->pools[i].cached;
        out->pooled_bytes += out->pools[i].cached_bytes;
    }
}

static void stats_print_size(FILE *out, size_t limit)
{
    if (limit == SIZE_MAX)
        fprintf(out, "%10s", "larger");
    else if (limit >= 1024 * 1024)
        fprintf(out, "%8zu M", limit >> 20);
    else if (limit >= 1024)
        fprintf(out, "%8zu K", limit >> 10);
    else
        fprintf(out, "%10zu", limit);
}

void mor_alloc_print_stats(mor_rt *rt, FILE *out)
{
    mor_alloc_stats st;
    mor_alloc_get_stats(rt, &st);
    fprintf(out, "mor allocator statistics (backend: %s)\n", st.backend);
    fprintf(out, "%10s %12s %14s %14s\n", "size <=", "live blocks", "live bytes", "total allocs");
    for (unsigned c = 0; c < MOR_ALLOC_CLASSES; c++) {
        const mor_alloc_class_stats *cs = &st.classes[c];
        if (cs->total_allocs == 0)
            continue;
        stats_print_size(out, cs->limit);
        fprintf(out, " %12llu %14llu %14llu\n", (unsigned long long)cs->live_blocks,
                (unsigned long long)cs->live_bytes, (unsigned long long)cs->total_allocs);
    }
    fprintf(out, "live: %llu blocks, %llu bytes (peak %llu), of which %llu blocks, %llu bytes "
                 "cached in pools; %llu objects\n",
            (unsigned long long)st.live_blocks, (unsigned long long)st.live_bytes,
            (unsigned long long)st.peak_bytes, (unsigned long long)st.pooled_blocks,
            (unsigned long long)st.pooled_bytes, (unsigned long long)st.live_objects);
    fprintf(out, "total: %llu allocations, %llu frees, %llu reallocations, %llu failed, "
                 "%llu emergency collections\n",
            (unsigned long long)st.total_allocs, (unsigned long long)st.total_frees,
            (unsigned long long)st.total_reallocs, (unsigned long long)st.failed_allocs,
            (unsigned long long)st.emergency_collections);
    fprintf(out, "%10s %12s %12s %10s %12s\n", "pool", "hits", "misses", "cached", "cached bytes");
    for (unsigned i = 0; i < MOR_ALLOC_POOLS; i++) {
        const mor_pool_stats *p = &st.pools[i];
        fprintf(out, "%10s %12llu %12llu %10llu %12llu\n", p->name, (unsigned long long)p->hits,
                (unsigned long long)p->misses, (unsigned long long)p->cached,
                (unsigned long long)p->cached_bytes);
    }
    mori_backend_print_stats(rt->mem.backend, out);
}
