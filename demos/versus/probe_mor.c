/* demos/versus/probe_mor.c: the backend of versus-mor (refcounting plus the
 * cycle collector): one runtime, every collection timed by a gc callback, and
 * the live bytes of the allocation funnel. */
#include <string.h>

#include "mor.h"
#include "versus.h"

const char *const vs_backend_name = "mor";

static struct {
    uint64_t n, ns, max_ns, scanned;
} gens[3];

static void on_gc(mor_rt *rt, const mor_gc_info *info, void *ud)
{
    (void)rt;
    (void)ud;
    if (info->phase != MOR_GC_STOP)
        return;
    vs_pause(info->duration_ns);
    int g = info->generation < 0 || info->generation > 2 ? 2 : info->generation;
    gens[g].n++;
    gens[g].ns += info->duration_ns;
    gens[g].scanned += (uint64_t)info->scanned;
    if (info->duration_ns > gens[g].max_ns)
        gens[g].max_ns = info->duration_ns;
}

void vs_backend_reset(void *env)
{
    (void)env;
    memset(gens, 0, sizeof(gens));
}

/* Collections per generation: how many, their time, the objects examined. */
void vs_backend_extras(void *env)
{
    (void)env;
    static const char *const names[3][4] = {
        {"gen0 collections", "gen0 time", "gen0 longest", "gen0 objects examined"},
        {"gen1 collections", "gen1 time", "gen1 longest", "gen1 objects examined"},
        {"gen2 collections", "gen2 time", "gen2 longest", "gen2 objects examined"}};
    for (int g = 0; g < 3; g++) {
        if (gens[g].n == 0)
            continue;
        vs_report(names[g][0], (double)gens[g].n, "count");
        vs_report(names[g][1], (double)gens[g].ns / 1e6, "ms");
        vs_report(names[g][2], (double)gens[g].max_ns / 1e6, "ms");
        vs_report(names[g][3], (double)gens[g].scanned, "count");
    }
}

void *vs_backend_open(void)
{
    mor_rt *rt = mor_rt_new(NULL);
    if (rt == NULL)
        return NULL;
    if (mor_gc_add_callback(rt, on_gc, NULL) < 0) {
        mor_rt_free(rt);
        return NULL;
    }
    return rt;
}

/* Blocks held from the backend, those cached in the object pools included. */
double vs_backend_live_bytes(void *env)
{
    mor_alloc_stats st;
    mor_alloc_get_stats(env, &st);
    return (double)st.live_bytes;
}

void vs_backend_info(void *env, char *buf, size_t size)
{
    mor_alloc_stats st;
    mor_alloc_get_stats(env, &st);
    snprintf(buf, size, "mor: refcounting + generational cycle collector (thresholds 700/10/10), "
                        "allocator %s", st.backend);
}

void vs_backend_close(void *env) { mor_rt_free(env); }
