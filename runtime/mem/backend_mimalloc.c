/* runtime/mem/backend_mimalloc.c: the default backend. Each runtime owns three
 * mimalloc heaps (GC objects, plain objects, buffers): destroying them frees
 * everything at once, and visiting the object heaps enumerates live objects
 * for the leak report. A heap is used only by the thread that made it, which
 * matches mor's one-runtime-one-thread rule. */
#include <mimalloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mem.h"

enum { HEAP_GC, HEAP_OBJ, HEAP_BUF, NHEAPS };

/* Big growing buffers. mimalloc reallocates a huge block by allocating a new
 * one and copying, and every page of the new block faults in again: appending
 * 10M items to a list spent most of its time there. So a buffer that a
 * realloc grows to MAPPED_MIN bytes or more moves to its own mapping, which
 * then grows and shrinks with mremap (pages move, nothing is copied); one
 * shrunk below MAPPED_MIN goes back to mimalloc. A mapped block starts with a
 * `mapped` header linking it into the backend's list (so that destroying the
 * backend unmaps it); a pointer is told to be one by mi_is_in_heap_region,
 * asked only while mapped blocks exist. Objects never move to a mapping: the
 * object heaps must stay enumerable. */
#define MAPPED_MIN ((size_t)1 << 20)

typedef struct mapped {
    struct mapped *next, *prev;
    size_t maplen; /* bytes mapped, header included */
    size_t magic;
} mapped;

#define MAPPED_MAGIC ((size_t)0x6d6f722d6d6d6170u)
_Static_assert(sizeof(mapped) % 16 == 0, "mapped blocks keep 16-byte alignment");

struct mori_backend {
    mi_heap_t *heaps[NHEAPS];
    mapped list;   /* circular list of mapped blocks */
    size_t nmapped;
    size_t pagesize;
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

static inline bool kind_is_buffer(mori_mem_kind kind)
{
    return kind == MORI_MEM_BUFFER || kind == MORI_MEM_ATOMIC;
}

/* The header of p if p is a mapped block. */
static inline mapped *mapped_of(mori_backend *b, void *p)
{
    if (MOR_LIKELY(b->nmapped == 0) || mi_is_in_heap_region(p))
        return NULL;
    mapped *m = (mapped *)p - 1;
    MOR_ASSERT(m->magic == MAPPED_MAGIC);
    return m;
}

static size_t mapped_len(mori_backend *b, size_t n)
{
    size_t len = sizeof(mapped) + n;
    return len < n ? 0 : (len + b->pagesize - 1) & ~(b->pagesize - 1);
}

static void mapped_link(mori_backend *b, mapped *m)
{
    m->prev = &b->list;
    m->next = b->list.next;
    m->next->prev = m;
    b->list.next = m;
}

static void mapped_unlink(mapped *m)
{
    m->prev->next = m->next;
    m->next->prev = m->prev;
}

/* A mimalloc block grown to n >= MAPPED_MIN bytes: to a new mapping. */
static void *mapped_from_heap(mori_backend *b, void *p, size_t n)
{
    size_t len = mapped_len(b, n);
    if (len == 0)
        return NULL;
    void *a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (a == MAP_FAILED)
        return NULL;
    mapped *m = a;
    m->maplen = len;
    m->magic = MAPPED_MAGIC;
    mapped_link(b, m);
    b->nmapped++;
    size_t old = mi_usable_size(p);
    memcpy(m + 1, p, old < n ? old : n);
    mi_free(p);
    return m + 1;
}

/* Resize a mapped block: mremap, or back to mimalloc below MAPPED_MIN. */
static void *mapped_resize(mori_backend *b, mapped *m, size_t n, mori_mem_kind kind)
{
    if (n < MAPPED_MIN) {
        void *q = mi_heap_malloc(heap_of(b, kind), n);
        if (q == NULL)
            return NULL;
        memcpy(q, m + 1, n);
        mapped_unlink(m);
        b->nmapped--;
        munmap(m, m->maplen);
        return q;
    }
    size_t len = mapped_len(b, n);
    if (len == 0)
        return NULL;
    if (len == m->maplen)
        return m + 1;
    mapped *prev = m->prev, *next = m->next;
    void *a = mremap(m, m->maplen, len, MREMAP_MAYMOVE);
    if (a == MAP_FAILED)
        return NULL;
    m = a;
    m->maplen = len;
    prev->next = next->prev = m; /* it may have moved */
    return m + 1;
}

mori_backend *mori_backend_new(void)
{
    mori_backend *b = calloc(1, sizeof(*b));
    if (b == NULL)
        return NULL;
    b->list.next = b->list.prev = &b->list;
    long ps = sysconf(_SC_PAGESIZE);
    b->pagesize = ps > 0 ? (size_t)ps : 4096;
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
    while (b->list.next != &b->list) {
        mapped *m = b->list.next;
        mapped_unlink(m);
        munmap(m, m->maplen);
    }
    free(b);
}

void *mori_backend_alloc(mori_backend *b, size_t n, mori_mem_kind kind)
{
    return mi_heap_malloc(heap_of(b, kind), n);
}

void *mori_backend_realloc(mori_backend *b, void *p, size_t n, mori_mem_kind kind)
{
    if (kind_is_buffer(kind)) {
        mapped *m = mapped_of(b, p);
        if (m != NULL)
            return mapped_resize(b, m, n, kind);
        if (n >= MAPPED_MIN && n > mi_usable_size(p))
            return mapped_from_heap(b, p, n);
    }
    return mi_heap_realloc(heap_of(b, kind), p, n);
}

void mori_backend_free(mori_backend *b, void *p, mori_mem_kind kind)
{
    if (kind_is_buffer(kind)) {
        mapped *m = mapped_of(b, p);
        if (m != NULL) {
            mapped_unlink(m);
            b->nmapped--;
            munmap(m, m->maplen);
            return;
        }
    }
    mi_free(p);
}

size_t mori_backend_usable(mori_backend *b, void *p)
{
    mapped *m = mapped_of(b, p);
    return m != NULL ? m->maplen - sizeof(mapped) : mi_usable_size(p);
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
