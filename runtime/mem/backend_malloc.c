/* runtime/mem/backend_malloc.c: the plain C library allocator, as a fallback
 * and for comparison. It cannot enumerate live blocks, so the leak report of
 * this build gives counts only, and leaked blocks stay allocated at shutdown
 * (where Valgrind and LeakSanitizer see them). */
#include <malloc.h>

#include "mem.h"

struct mori_backend {
    int unused;
};

mori_backend *mori_backend_new(void) { return calloc(1, sizeof(mori_backend)); }

void mori_backend_destroy(mori_backend *b) { free(b); }

void *mori_backend_alloc(mori_backend *b, size_t n, mori_mem_kind kind)
{
    (void)b;
    (void)kind;
    return malloc(n ? n : 1);
}

void *mori_backend_realloc(mori_backend *b, void *p, size_t n, mori_mem_kind kind)
{
    (void)b;
    (void)kind;
    return realloc(p, n ? n : 1);
}

void mori_backend_free(mori_backend *b, void *p, mori_mem_kind kind)
{
    (void)b;
    (void)kind;
    free(p);
}

size_t mori_backend_usable(mori_backend *b, void *p)
{
    (void)b;
    return malloc_usable_size(p);
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

const char *mori_backend_name(void) { return "malloc"; }

void mori_backend_print_stats(mori_backend *b, FILE *out)
{
    (void)b;
    struct mallinfo2 mi = mallinfo2();
    fprintf(out, "glibc malloc: arena %zu bytes, in use %zu, free %zu, mmapped %zu\n", mi.arena,
            mi.uordblks, mi.fordblks, mi.hblkhd);
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

/* Any thread may free a runtime made with this backend. */
bool mori_backend_is_owner(mori_backend *b)
{
    (void)b;
    return true;
}
