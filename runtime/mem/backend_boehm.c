/* runtime/mem/backend_boehm.c: the Boehm-Demers-Weiser collector as the
 * allocator of libmor-boehm. Blocks with pointers come from GC_MALLOC (scanned,
 * zeroed), pointer-free ones from GC_MALLOC_ATOMIC (never scanned: the text of
 * a str, the limbs of an int, an array's items). Nothing is freed one block at
 * a time by refcounts: the collector reclaims what is unreachable. Boehm's
 * heap is per process, so the runtimes of one process share it. */
#define GC_THREADS /* the thread registration calls */
#include <gc.h>

#include "mem.h"

struct mori_backend {
    bool registered; /* this thread was registered with the collector by us */
};

mori_backend *mori_backend_new(void)
{
    GC_INIT();
    GC_set_finalize_on_demand(1); /* finalizers run at mor's safe points only */
    GC_allow_register_threads();
    mori_backend *b = calloc(1, sizeof(*b));
    if (b == NULL)
        return NULL;
    if (!GC_thread_is_registered()) {
        struct GC_stack_base sb;
        if (GC_get_stack_base(&sb) == GC_SUCCESS && GC_register_my_thread(&sb) == GC_SUCCESS)
            b->registered = true;
    }
    return b;
}

void mori_backend_destroy(mori_backend *b)
{
    if (b == NULL)
        return;
    if (b->registered)
        GC_unregister_my_thread();
    free(b);
}

static bool backend_atomic(mori_mem_kind kind)
{
    return kind == MORI_MEM_ATOMIC || kind == MORI_MEM_ATOMIC_OBJECT;
}

void *mori_backend_alloc(mori_backend *b, size_t n, mori_mem_kind kind)
{
    (void)b;
    return backend_atomic(kind) ? GC_MALLOC_ATOMIC(n ? n : 1) : GC_MALLOC(n ? n : 1);
}

void *mori_backend_realloc(mori_backend *b, void *p, size_t n, mori_mem_kind kind)
{
    (void)b;
    (void)kind; /* GC_REALLOC keeps the block's kind */
    return GC_REALLOC(p, n ? n : 1);
}

void mori_backend_free(mori_backend *b, void *p, mori_mem_kind kind)
{
    (void)b;
    (void)kind;
    GC_FREE(p);
}

size_t mori_backend_usable(mori_backend *b, void *p)
{
    (void)b;
    return GC_size(p);
}

bool mori_backend_visit(mori_backend *b, mori_mem_kind kind, void (*fn)(void *, size_t, void *),
                        void *ud)
{
    (void)b;
    (void)kind;
    (void)fn;
    (void)ud;
    return false;
}

const char *mori_backend_name(void) { return "boehm"; }

void mori_backend_print_stats(mori_backend *b, FILE *out)
{
    (void)b;
    fprintf(out,
            "Boehm GC %u.%u.%u: heap %zu bytes, free %zu, since last collection %zu, "
            "total allocated %zu, collections %zu\n",
            (unsigned)(GC_get_version() >> 16), (unsigned)((GC_get_version() >> 8) & 0xff),
            (unsigned)(GC_get_version() & 0xff), (size_t)GC_get_heap_size(),
            (size_t)GC_get_free_bytes(), (size_t)GC_get_bytes_since_gc(),
            (size_t)GC_get_total_bytes(), (size_t)GC_get_gc_no());
}

void *mori_backend_root_alloc(size_t n)
{
    GC_INIT();
    void *p = GC_MALLOC_UNCOLLECTABLE(n);
    if (p != NULL)
        memset(p, 0, n);
    return p;
}

void mori_backend_root_free(void *p) { GC_FREE(p); }

bool mori_backend_counts_frees(void) { return false; }

bool mori_backend_heap_stats(mori_backend *b, uint64_t *live, uint64_t *heap)
{
    (void)b;
    *heap = GC_get_heap_size();
    *live = *heap - GC_get_free_bytes();
    return true;
}
