/* runtime/mem/backend_boehm.c: the Boehm-Demers-Weiser collector as the
 * allocator of libmor-boehm. Blocks with pointers come from GC_MALLOC (scanned,
 * zeroed), pointer-free ones from GC_MALLOC_ATOMIC (never scanned: the text of
 * a str, the limbs of an int, an array's items). Nothing is freed one block at
 * a time by refcounts: the collector reclaims what is unreachable. Boehm's
 * heap is per process, so the runtimes of one process share it. */
#define GC_THREADS /* the thread registration calls */
#include <gc.h>
#include <pthread.h>

#include "mem.h"

/* Thread registration. Boehm must know every thread that holds pointers to
 * its blocks. A runtime made in a thread Boehm does not know registers that
 * thread; the thread stays registered while any runtime made in it lives, and
 * is unregistered by the last of them to be freed, or at the thread's exit if
 * a runtime made there is freed by another thread (unregistering may only be
 * done by the thread itself). */
static _Thread_local size_t backend_thread_runtimes; /* runtimes made in this thread */
static _Thread_local bool backend_thread_ours;       /* we registered this thread */
static pthread_key_t backend_exit_key;
static pthread_once_t backend_exit_once = PTHREAD_ONCE_INIT;

static void backend_thread_exit(void *unused)
{
    (void)unused;
    if (backend_thread_ours && GC_thread_is_registered())
        GC_unregister_my_thread();
    backend_thread_ours = false;
}

static void backend_make_key(void) { (void)pthread_key_create(&backend_exit_key, backend_thread_exit); }

struct mori_backend {
    pthread_t owner; /* the thread that made the runtime */
};

mori_backend *mori_backend_new(void)
{
    GC_INIT();
    GC_set_finalize_on_demand(1); /* finalizers run at mor's safe points only */
    GC_allow_register_threads();
    pthread_once(&backend_exit_once, backend_make_key);
    mori_backend *b = calloc(1, sizeof(*b));
    if (b == NULL)
        return NULL;
    if (!GC_thread_is_registered()) {
        struct GC_stack_base sb;
        if (GC_get_stack_base(&sb) != GC_SUCCESS || GC_register_my_thread(&sb) != GC_SUCCESS) {
            free(b);
            return NULL;
        }
        backend_thread_ours = true;
        (void)pthread_setspecific(backend_exit_key, &backend_exit_key); /* non-NULL: arms it */
    }
    b->owner = pthread_self();
    backend_thread_runtimes++;
    return b;
}

void mori_backend_destroy(mori_backend *b)
{
    if (b == NULL)
        return;
    /* freed by another thread: the owner's count is not ours to change; the
     * owner unregisters at its exit (backend_thread_exit) */
    if (pthread_equal(b->owner, pthread_self()) && --backend_thread_runtimes == 0 &&
        backend_thread_ours) {
        GC_unregister_my_thread();
        backend_thread_ours = false;
    }
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
    /* a block freed early (a buffer replaced, a failed construction) may have
     * a finalizer registered: it must not fire on memory handed out again */
    if (kind == MORI_MEM_GC_OBJECT || kind == MORI_MEM_ATOMIC_OBJECT)
        GC_register_finalizer_no_order(p, NULL, NULL, NULL, NULL);
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

/* Any thread may free a runtime made with this backend. */
bool mori_backend_is_owner(mori_backend *b)
{
    (void)b;
    return true;
}
