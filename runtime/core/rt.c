/* runtime/core/rt.c: creating and destroying a runtime, its configuration, and
 * the leak report at mor_rt_free. */
#include "rt.h"

#include "../gc/weakref.h"
#include "../inspect/symbolize.h"
#include "../mem/trace.h"
#include "../types/types.h"

void mor_config_init(mor_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->small_int_min = -5;
    cfg->small_int_max = 256;
    cfg->gc_threshold[0] = 700;
    cfg->gc_threshold[1] = 10;
    cfg->gc_threshold[2] = 10;
    cfg->recursion_limit = 1000;
    cfg->leaks = MOR_DEBUG_LEVEL >= 1 ? MOR_LEAKS_REPORT : MOR_LEAKS_IGNORE;
}

/* The small-int cache must hold 0 and 1 (bool arithmetic returns them) and stay
 * a reasonable size (the bound is written so that no subtraction overflows). */
static bool rt_config_valid(const mor_config *cfg)
{
    return cfg->small_int_min <= 0 && cfg->small_int_max >= 1 &&
           cfg->small_int_max < cfg->small_int_min + (1 << 24) && cfg->recursion_limit > 0 &&
           (unsigned)cfg->leaks <= MOR_LEAKS_ABORT;
}

static void rt_teardown(mor_rt *rt);

mor_rt *mor_rt_new(const mor_config *cfg)
{
    mor_config defaults;
    if (cfg == NULL) {
        mor_config_init(&defaults);
        cfg = &defaults;
    }
    if (!rt_config_valid(cfg))
        return NULL;
    /* the handle comes from outside the funnel (the funnel lives inside it) */
    mor_rt *rt = mori_backend_root_alloc(sizeof(*rt));
    if (rt == NULL)
        return NULL;
    rt->cfg = *cfg;
    mori_error_init(rt);
    if (mori_mem_init(rt) < 0) {
        mori_backend_root_free(rt);
        return NULL;
    }
    if (mori_gc_init(rt) < 0) {
        mori_mem_fini(rt);
        mori_backend_root_free(rt);
        return NULL;
    }
    mori_weakref_init(rt);
    if (mori_singletons_init(rt) < 0 || mori_int_init(rt) < 0 || mori_str_init(rt) < 0 ||
        mori_bytes_init(rt) < 0 || mori_tuple_init(rt) < 0 || mori_exc_init(rt) < 0) {
        mor_err_clear(rt);
        rt_teardown(rt);
        return NULL;
    }
    /* failure injection counts from here: the runtime is complete */
    rt->mem.fail_countdown = cfg->alloc_fail_nth;
    rt->mem.fail_fn = cfg->alloc_fail;
    rt->mem.fail_ud = cfg->alloc_fail_ud;
    mori_mem_update_slow(rt);
    return rt;
}

/* The runtime's own objects do not count: its singletons are static, and the
 * list behind mor_gc_garbage is discounted here (what it holds counts). */
size_t mor_rt_live_objects(mor_rt *rt)
{
    if (!mori_backend_counts_frees())
        return 0; /* a tracing collector frees without telling: see mor/core.h */
    return (size_t)rt->mem.live_objects - (rt->gc.garbage != NULL);
}

/* ---- the leak report -------------------------------------------------------------- */

typedef struct leak_ctx {
    size_t seen, printed;
} leak_ctx;

static void rt_report_object(mor_obj *o, leak_ctx *ctx)
{
    if (o->type == NULL || (o->flags & MORI_OF_STATIC))
        return;
    ctx->seen++;
    if (ctx->printed < 100) {
        ctx->printed++;
        fprintf(stderr, "  %s at %p, refcount %u\n", o->type->name, (void *)o, o->refcnt);
    }
}

static void rt_visit_gc_block(void *block, size_t size, void *ud)
{
    (void)size;
    rt_report_object(mori_gc_obj(block), ud);
}

static void rt_visit_obj_block(void *block, size_t size, void *ud)
{
    (void)size;
    rt_report_object(block, ud);
}

/* Print every object still alive (after the last collection). */
static void rt_report_leaks(mor_rt *rt)
{
    size_t n = (size_t)rt->mem.live_objects;
    fprintf(stderr, "mor: %zu object%s still alive at mor_rt_free:\n", n, n == 1 ? "" : "s");
    mori_pool_drain_all(rt); /* pooled blocks are not objects */
    leak_ctx ctx = {0, 0};
    if (!mori_backend_visit(rt->mem.backend, MORI_MEM_GC_OBJECT, rt_visit_gc_block, &ctx) ||
        !mori_backend_visit(rt->mem.backend, MORI_MEM_OBJECT, rt_visit_obj_block, &ctx)) {
        fprintf(stderr, "  (the %s backend cannot list them)\n", mori_backend_name());
        return;
    }
    if (ctx.seen > ctx.printed)
        fprintf(stderr, "  ... and %zu more\n", ctx.seen - ctx.printed);
}

/* Release the runtime's own objects and tables, then the funnel and the
 * handle. Objects still alive are freed with the backend's heaps (or, with the
 * malloc backend, left to the C library). */
static void rt_teardown(mor_rt *rt)
{
    mori_exc_fini(rt);
    mori_tuple_fini(rt);
    mori_bytes_fini(rt);
    mori_str_fini(rt);
    mori_int_fini(rt);
    mori_singletons_fini(rt);
    if (rt->repr_stack != NULL)
        mori_mem_free(rt, rt->repr_stack, rt->repr_cap * sizeof(mor_obj *), MORI_MEM_ATOMIC);
    mori_gc_fini(rt);
    mori_weakref_fini(rt);
    mori_trace_fini(rt);
    mori_symbolize_fini(rt);
    mori_mem_fini(rt);
    mori_backend_root_free(rt);
}

void mor_rt_free(mor_rt *rt)
{
    if (rt == NULL)
        return;
    if (!mori_backend_is_owner(rt->mem.backend))
        mor_fatal(NULL, "mor_rt_free: the runtime at %p was made by another thread; with the "
                  "%s allocator a runtime must be freed by the thread that made it",
                  (void *)rt, mori_backend_name());
    mor_err_clear(rt);
    mor_gc_trace_stop(rt); /* close the timeline's JSON */
    rt->mem.fail_countdown = 0; /* no injected failures during shutdown */
    rt->mem.fail_fn = NULL;
    mori_mem_update_slow(rt);
    rt->shutting_down = true;
    mori_gc_shutdown(rt);
    mor_err_clear(rt);
    if (mori_backend_counts_frees() && rt->mem.live_objects != 0 &&
        rt->cfg.leaks != MOR_LEAKS_IGNORE) {
        rt_report_leaks(rt);
        if (rt->cfg.leaks == MOR_LEAKS_ABORT) {
            fflush(stderr);
            abort();
        }
    }
    /* leaked objects still get their finalizers (a file closes), then their
     * memory goes with the heaps */
    mori_gc_finalize_survivors(rt);
    mor_err_clear(rt);
    rt_teardown(rt);
}
