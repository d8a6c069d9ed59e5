/* runtime/inspect/deep.c: deep sizes (every distinct reachable object once,
 * by an explicit stack, never recursion) and the process's resource figures. */
#include <sys/resource.h>
#include <unistd.h>

#include "../types/class.h"

typedef struct deep_ctx {
    mor_rt *rt;
    mor_obj **stack;
    size_t n, cap;
    int err;
} deep_ctx;

static int deep_push(mor_obj *ref, void *arg)
{
    deep_ctx *c = arg;
    if (ref == NULL || c->err)
        return 0;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 256;
        mor_obj **s = mori_mem_realloc(c->rt, c->stack, c->cap * sizeof(mor_obj *),
                                       cap * sizeof(mor_obj *), MORI_MEM_BUFFER);
        if (s == NULL) {
            c->err = -1;
            return 1;
        }
        c->stack = s;
        c->cap = cap;
    }
    c->stack[c->n++] = ref;
    return 0;
}

int64_t mor_deep_sizeof(mor_rt *rt, mor_obj *o)
{
    deep_ctx c = {rt, NULL, 0, 0, 0};
    mori_ptrmap seen;
    mori_ptrmap_init(&seen, MORI_MEM_ATOMIC);
    int64_t total = 0;
    deep_push(o, &c);
    while (c.n > 0 && c.err == 0) {
        mor_obj *x = c.stack[--c.n];
        if (mori_ptrmap_get(&seen, x) != NULL)
            continue;
        if (mori_ptrmap_put(rt, &seen, x, x) < 0) {
            c.err = -1;
            break;
        }
        if (x->refcnt == MOR_REFCNT_IMMORTAL)
            continue; /* shared by everything: not counted */
        if (x->type == &mori_class_type && x != o)
            continue; /* an instance's class is not part of it */
        total += (int64_t)mor_sizeof(x);
        if (mori_is_instance_type(x->type))
            total += (int64_t)mori_instance_extra_size(x);
        if (x->type->traverse != NULL)
            x->type->traverse(x, deep_push, &c);
    }
    mori_mem_free(rt, c.stack, c.cap * sizeof(mor_obj *), MORI_MEM_BUFFER);
    mori_ptrmap_free(rt, &seen);
    return c.err ? -1 : total;
}

int mor_get_rusage(mor_rusage *out)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return -1;
    out->max_rss_bytes = (size_t)ru.ru_maxrss * 1024u; /* kilobytes on Linux */
    out->user_seconds = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
    out->system_seconds = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    out->current_rss_bytes = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f != NULL) {
        unsigned long size = 0, resident = 0;
        if (fscanf(f, "%lu %lu", &size, &resident) == 2)
            out->current_rss_bytes = (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
        fclose(f);
    }
    return 0;
}
