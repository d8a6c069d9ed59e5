/* runtime/gc/collect.c: the cycle collector's entry points. Step 1 of the
 * project has no collector yet: a scheduled collection only clears the flag
 * and the emergency hook does nothing (the funnel still retries once). */
#include "../core/rt.h"

void mori_gc_collect_scheduled(mor_rt *rt)
{
    rt->gc.pending = false;
    rt->gc.gens[0].count = 0;
}

void mori_gc_emergency(mor_rt *rt) { (void)rt; }

void mori_gc_shutdown(mor_rt *rt) { (void)rt; }

void mori_gc_fini(mor_rt *rt) { (void)rt; }
