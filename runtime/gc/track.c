/* runtime/gc/track.c: putting GC objects on and off the generation lists. */
#include "../core/rt.h"

int mori_gc_init(mor_rt *rt)
{
    mori_gc *gc = &rt->gc;
    memset(gc, 0, sizeof(*gc));
    for (int i = 0; i < MORI_GC_NGENS; i++) {
        mori_gclist_init(&gc->gens[i].head);
        gc->gens[i].threshold = rt->cfg.gc_threshold[i];
    }
    mori_gclist_init(&gc->permanent);
    mori_gclist_init(&gc->parked);
    gc->enabled = true;
    return 0;
}

void mori_gc_track(mor_rt *rt, mor_obj *o)
{
    MOR_ASSERT_OBJ(o, mori_is_gc(o) && !(o->flags & MORI_OF_TRACKED));
    mori_gclist_append(&rt->gc.gens[0].head, mori_gc_head(o));
    o->flags |= MORI_OF_TRACKED;
}

void mori_gc_untrack(mor_rt *rt, mor_obj *o)
{
    (void)rt;
    if (o->flags & MORI_OF_TRACKED) {
        mori_gclist_remove(mori_gc_head(o));
        o->flags &= ~MORI_OF_TRACKED;
    }
}

/* An untracked mutable container may become tracked later (when it receives
 * a container), so it counts; an untracked immutable one never will. */
bool mori_gc_may_be_tracked(const mor_obj *o)
{
    if (!mori_is_gc(o))
        return false;
    if (o->type->flags & MOR_TYPE_IMMUTABLE)
        return (o->flags & MORI_OF_TRACKED) != 0;
    return true;
}

