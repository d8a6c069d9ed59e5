/* runtime/mem/backend_mimalloc.c: the default backend. Each runtime owns three
 * mimalloc heaps (GC objects, plain objects, buffers): destroying them frees
 * everything at once, and visiting the object heaps enumerates live objects
 * for the leak report. A heap is used only by the thread that made it, which
 * matches mor's one-runtime-one-thread rule. */
#include <mimalloc.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mem.h"

enum { HEAP_GC, HEAP_OBJ, HEAP_BUF, NHEAPS };

/* Big growing buffers. mimalloc reallocates a huge block by allocating a new
 * one and copying, and every page of the new block faults in again: appending
 * 10M items to a list spent most of its time there. So a buffer that a
 * realloc grows to MAPPED_MIN bytes or more moves to its own mapping, which
 * then grows and shrinks with mremap (pages move, nothing is copied); one
 * shrunk below MAPPED_MIN goes back to mimalloc. Objects never move to a
 * mapping: the object heaps must stay enumerable.
 *
 * A mapped block starts with a `mapped` header; the backend keeps the set of
 * their addresses (open addressing, linear probing, backward-shift deletion),
 * which tells them from mimalloc's blocks on free, realloc and usable and
 * lets destroying the backend unmap them. The set is consulted only while it
 * is not empty. (mi_is_in_heap_region cannot decide it: mimalloc's segment map
 * covers a limited address range, and under AddressSanitizer its segments lie
 * beyond it.) */
#define MAPPED_MIN ((size_t)1 << 20)

typedef struct mapped {
    size_t maplen; /* bytes mapped, header included */
    size_t magic;
} mapped;

#define MAPPED_MAGIC ((size_t)0x6d6f722d6d6d6170u)
_Static_assert(sizeof(mapped) % 16 == 0, "mapped blocks keep 16-byte alignment");

typedef struct mapset {
    mapped **slots; /* NULL: empty */
    size_t mask;    /* slots - 1; 0 while slots is NULL */
    size_t used;
} mapset;

struct mori_backend {
    mi_heap_t *heaps[NHEAPS];
    pthread_t owner; /* the thread whose heaps these are */
    mapset mapped;
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

/* ---- the set of mapped blocks ---- */

static inline size_t mapset_home(const mapset *s, const mapped *m)
{
    uint64_t h = (uint64_t)(uintptr_t)m * 0x9E3779B97F4A7C15ULL;
    return (size_t)(h >> 32) & s->mask;
}

/* The slot holding m, or the empty slot where it would go. */
static inline size_t mapset_find(const mapset *s, const mapped *m)
{
    size_t i = mapset_home(s, m);
    while (s->slots[i] != NULL && s->slots[i] != m)
        i = (i + 1) & s->mask;
    return i;
}

/* Room for one more entry (at most half full); false when memory is short. */
static bool mapset_reserve(mapset *s)
{
    if (s->slots != NULL && 2 * (s->used + 1) <= s->mask + 1)
        return true;
    size_t cap = s->slots ? 2 * (s->mask + 1) : 16;
    mapped **slots = calloc(cap, sizeof(*slots));
    if (slots == NULL)
        return false;
    mapset old = *s;
    s->slots = slots;
    s->mask = cap - 1;
    for (size_t i = 0; old.slots != NULL && i <= old.mask; i++)
        if (old.slots[i] != NULL)
            s->slots[mapset_find(s, old.slots[i])] = old.slots[i];
    free(old.slots);
    return true;
}

static void mapset_add(mapset *s, mapped *m) /* after mapset_reserve */
{
    s->slots[mapset_find(s, m)] = m;
    s->used++;
}

static void mapset_remove(mapset *s, mapped *m)
{
    size_t i = mapset_find(s, m);
    MOR_ASSERT(s->slots[i] == m);
    s->slots[i] = NULL;
    s->used--;
    /* backward shift: re-place the entries of the run after the hole */
    for (size_t j = (i + 1) & s->mask; s->slots[j] != NULL; j = (j + 1) & s->mask) {
        mapped *e = s->slots[j];
        s->slots[j] = NULL;
        s->slots[mapset_find(s, e)] = e;
    }
}

/* The header of p if p is a mapped block. */
static inline mapped *mapped_of(mori_backend *b, void *p)
{
    if (MOR_LIKELY(b->mapped.used == 0))
        return NULL;
    mapped *m = (mapped *)p - 1;
    if (b->mapped.slots[mapset_find(&b->mapped, m)] != m)
        return NULL;
    MOR_ASSERT(m->magic == MAPPED_MAGIC);
    return m;
}

static size_t mapped_len(mori_backend *b, size_t n)
{
    size_t len = sizeof(mapped) + n;
    return len < n ? 0 : (len + b->pagesize - 1) & ~(b->pagesize - 1);
}

/* A mimalloc block grown to n >= MAPPED_MIN bytes: to a new mapping. */
static void *mapped_from_heap(mori_backend *b, void *p, size_t n)
{
    size_t len = mapped_len(b, n);
    if (len == 0 || !mapset_reserve(&b->mapped))
        return NULL;
    void *a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (a == MAP_FAILED)
        return NULL;
    mapped *m = a;
    m->maplen = len;
    m->magic = MAPPED_MAGIC;
    mapset_add(&b->mapped, m);
    size_t old = mi_usable_size(p);
    memcpy(m + 1, p, old < n ? old : n);
    mi_free(p);
    return m + 1;
}

static void mapped_free(mori_backend *b, mapped *m)
{
    mapset_remove(&b->mapped, m);
    munmap(m, m->maplen);
}

/* Resize a mapped block: mremap, or back to mimalloc below MAPPED_MIN. */
static void *mapped_resize(mori_backend *b, mapped *m, size_t n, mori_mem_kind kind)
{
    if (n < MAPPED_MIN) {
        void *q = mi_heap_malloc(heap_of(b, kind), n);
        if (q == NULL)
            return NULL;
        memcpy(q, m + 1, n);
        mapped_free(b, m);
        return q;
    }
    size_t len = mapped_len(b, n);
    if (len == 0)
        return NULL;
    if (len == m->maplen)
        return m + 1;
    void *a = mremap(m, m->maplen, len, MREMAP_MAYMOVE);
    if (a == MAP_FAILED)
        return NULL;
    if (a != m) { /* it moved: the set holds its new address (no growth needed) */
        mapset_remove(&b->mapped, m);
        m = a;
        mapset_add(&b->mapped, m);
    }
    m->maplen = len;
    return m + 1;
}

mori_backend *mori_backend_new(void)
{
    mori_backend *b = calloc(1, sizeof(*b));
    if (b == NULL)
        return NULL;
    long ps = sysconf(_SC_PAGESIZE);
    b->pagesize = ps > 0 ? (size_t)ps : 4096;
    b->owner = pthread_self();
    for (int i = 0; i < NHEAPS; i++) {
        b->heaps[i] = mi_heap_new();
        if (b->heaps[i] == NULL) {
            mori_backend_destroy(b);
            return NULL;
        }
    }
    return b;
}

/* mimalloc heaps are thread-local: only their thread may allocate from or
 * destroy them (mi_heap_destroy from another thread crashes, or loops at the
 * owner's exit). */
bool mori_backend_is_owner(mori_backend *b) { return pthread_equal(b->owner, pthread_self()); }

void mori_backend_destroy(mori_backend *b)
{
    if (b == NULL)
        return;
    for (int i = 0; i < NHEAPS; i++)
        if (b->heaps[i] != NULL)
            mi_heap_destroy(b->heaps[i]);
    for (size_t i = 0; b->mapped.slots != NULL && i <= b->mapped.mask; i++)
        if (b->mapped.slots[i] != NULL)
            munmap(b->mapped.slots[i], b->mapped.slots[i]->maplen);
    free(b->mapped.slots);
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
            mapped_free(b, m);
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
