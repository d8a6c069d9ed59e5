/* runtime/mem/backend_mimalloc.c: the default backend. Each runtime owns three
 * mimalloc heaps (GC objects, plain objects, buffers): destroying them frees
 * everything at once, and visiting the object heaps enumerates live objects
 * for the leak report. A heap is used only by the thread that made it, which
 * matches mor's one-runtime-one-thread rule. */
#include <mimalloc.h>

#include "mem.h"

enum { HEAP_GC, HEAP_OBJ, HEAP_BUF, NHEAPS };

struct mori_backend {
    mi_heap_t *heaps[NHEAPS];
};

static inline mi_heap_t *heap_of(mori_backend *b, mori_mem_kind kind)
{
    switch (kind) {
    case MORI_MEM_GC_OBJECT: return b->heaps[HEAP_GC];
    case MORI_MEM_OBJECT:
    case MORI_MEM_ATOMIC_OBJECT: return b->heaps[HEAP_OBJ];
    default: return b->heaps[HEAP_BUF];
    }
}

mori_backend *mori_backend_new(void)
{
    mori_backend *b = calloc(1, sizeof(*b));
    if (b == NULL)
        return NULL;
    for (int i = 0; i < NHEAPS; i++) {
        b->heaps[i] = mi_heap_new();
        if (b->heaps[i] == NULL) {
            mori_backend_destroy(b);
            return NULL;
        }
    }
    return b;
}

void mori_backend_destroy(mori_backend *b)
{
    if (b == NULL)
        return;
    for (int i = 0; i < NHEAPS; i++)
        if (b->heaps[i] != NULL)
            mi_heap_destroy(b->heaps[i]);
    free(b);
}

void *mori_backend_alloc(mori_backend *b, size_t n, mori_mem_kind kind)
{
    return mi_heap_malloc(heap_of(b, kind), n);
}

void *mori_backend_realloc(mori_backend *b, void *p, size_t n, mori_mem_kind kind)
{
    return mi_heap_realloc(heap_of(b, kind), p, n);
}

void mori_backend_free(mori_backend *b, void *p, mori_mem_kind kind)
{
    (void)b;
    (void)kind;
    mi_free(p);
}

size_t mori_backend_usable(mori_backend *b, void *p)
{
    (void)b;
    return mi_usable_size(p);
}

typedef struct visit_ctx {
    void (*fn)(void *block, size_t size, void *ud);
    void *ud;
} visit_ctx;

static bool backend_visit_block(const mi_heap_t *heap, const mi_heap_area_t *area, void *block,
                                size_t size, void *arg)
{
    (void)heap;
    (void)area;
    visit_ctx *ctx = arg;
    if (block != NULL)
        ctx->fn(block, size, ctx->ud);
    return true;
}

bool mori_backend_visit(mori_backend *b, mori_mem_kind kind, void (*fn)(void *, size_t, void *),
                        void *ud)
{
    visit_ctx ctx = {fn, ud};
    mi_heap_visit_blocks(heap_of(b, kind), true, backend_visit_block, &ctx);
    return true;
}

const char *mori_backend_name(void) { return "mimalloc"; }

static void backend_print_out(const char *msg, void *arg) { fputs(msg, (FILE *)arg); }

void mori_backend_print_stats(mori_backend *b, FILE *out)
{
    (void)b;
    fprintf(out, "mimalloc %d.%d.%d process statistics:\n", mi_version() / 100,
            (mi_version() / 10) % 10, mi_version() % 10);
    mi_stats_print_out(backend_print_out, out);
}

void *mori_backend_root_alloc(size_t n) { return calloc(1, n); }
void mori_backend_root_free(void *p) { free(p); }
bool mori_backend_counts_frees(void) { return true; }

bool mori_backend_heap_stats(mori_backend *b, uint64_t *live, uint64_t *heap)
{
    (void)b;
    (void)live;
    (void)heap;
    return false;
}
