/* runtime/gc/gcapi.c: the public face of the collector (mor/gc.h): explicit
 * collections, switches, thresholds, counts, freezing, introspection,
 * callbacks, statistics and debug flags. */
#include "../core/rt.h"
#include "../types/types.h"

int64_t mor_gc_collect(mor_rt *rt, int generation)
{
    if (generation == -1)
        generation = MORI_GC_NGENS - 1;
    if (generation < 0 || generation >= MORI_GC_NGENS) {
        mor_raise(rt, MOR_EXC_VALUE, "invalid generation %d (0..2, or -1 for all)", generation);
        return -1;
    }
    return mori_gc_collect(rt, generation);
}

void mor_gc_enable(mor_rt *rt) { rt->gc.enabled = true; }
void mor_gc_disable(mor_rt *rt) { rt->gc.enabled = false; }
bool mor_gc_is_enabled(mor_rt *rt) { return rt->gc.enabled; }

void mor_gc_set_threshold(mor_rt *rt, unsigned t0, unsigned t1, unsigned t2)
{
    rt->gc.gens[0].threshold = t0;
    rt->gc.gens[1].threshold = t1;
    rt->gc.gens[2].threshold = t2;
}

void mor_gc_get_threshold(mor_rt *rt, unsigned t[3])
{
    for (int i = 0; i < MORI_GC_NGENS; i++)
        t[i] = rt->gc.gens[i].threshold;
}

void mor_gc_get_count(mor_rt *rt, size_t c[3])
{
    for (int i = 0; i < MORI_GC_NGENS; i++)
        c[i] = rt->gc.gens[i].count;
}

void mor_gc_freeze(mor_rt *rt)
{
    for (int i = 0; i < MORI_GC_NGENS; i++) {
        mori_gclist_merge(&rt->gc.gens[i].head, &rt->gc.permanent);
        rt->gc.gens[i].count = 0;
    }
}

void mor_gc_unfreeze(mor_rt *rt)
{
    mori_gclist_merge(&rt->gc.permanent, &rt->gc.gens[MORI_GC_NGENS - 1].head);
}

size_t mor_gc_get_freeze_count(mor_rt *rt)
{
    size_t n = 0;
    for (mori_gchead *h = rt->gc.permanent.next; h != &rt->gc.permanent; h = h->next)
        n++;
    return n;
}

/* ---- introspection ---------------------------------------------------------------------- */

typedef struct gc_refs_ctx {
    mor_rt *rt;
    mor_obj *list;
    mor_obj *target; /* get_referrers: the object looked for */
    bool found;
    int err;
} gc_refs_ctx;

static int gc_collect_referent(mor_obj *ref, void *arg)
{
    gc_refs_ctx *c = arg;
    if (ref != NULL && c->err == 0 && mor_list_append(c->rt, c->list, ref) < 0)
        c->err = -1;
    return 0;
}

mor_obj *mor_gc_get_referents(mor_rt *rt, mor_obj *o)
{
    gc_refs_ctx c = {rt, mor_list(rt, 0), NULL, false, 0};
    if (c.list == NULL)
        return NULL;
    if (o->type->traverse != NULL)
        o->type->traverse(o, gc_collect_referent, &c);
    if (c.err < 0) {
        mor_decref(rt, c.list);
        return NULL;
    }
    return c.list;
}

static int gc_find_target(mor_obj *ref, void *arg)
{
    gc_refs_ctx *c = arg;
    if (ref == c->target) {
        c->found = true;
        return 1; /* stop the traversal */
    }
    return 0;
}

/* The lists an introspection walk covers: generation g, or all of them and
 * the permanent generation (g == -1). */
static int gc_lists_of(mor_rt *rt, int g, mori_gchead **out)
{
    if (g >= 0) {
        out[0] = &rt->gc.gens[g].head;
        return 1;
    }
    for (int i = 0; i < MORI_GC_NGENS; i++)
        out[i] = &rt->gc.gens[i].head;
    out[MORI_GC_NGENS] = &rt->gc.permanent;
    return MORI_GC_NGENS + 1;
}

/* Two passes, counting then filling, so that nothing allocates while the
 * collector's lists are walked. */
mor_obj *mor_gc_get_referrers(mor_rt *rt, mor_obj *o)
{
    mori_gchead *lists[MORI_GC_NGENS + 1];
    int nl = gc_lists_of(rt, -1, lists);
    gc_refs_ctx c = {rt, NULL, o, false, 0};
    size_t n = 0;
    for (int i = 0; i < nl; i++) {
        for (mori_gchead *h = lists[i]->next; h != lists[i]; h = h->next) {
            c.found = false;
            mori_gc_obj(h)->type->traverse(mori_gc_obj(h), gc_find_target, &c);
            n += c.found;
        }
    }
    mor_obj *result = mori_list_new(rt, n);
    if (result == NULL)
        return NULL;
    mori_list *l = (mori_list *)result;
    for (int i = 0; i < nl; i++) {
        for (mori_gchead *h = lists[i]->next; h != lists[i]; h = h->next) {
            mor_obj *x = mori_gc_obj(h);
            c.found = false;
            if (x != result)
                x->type->traverse(x, gc_find_target, &c);
            if (c.found && l->size < (int64_t)n)
                l->items[l->size++] = mor_newref(x);
        }
    }
    return result;
}

mor_obj *mor_gc_get_objects(mor_rt *rt, int generation)
{
    if (generation < -1 || generation >= MORI_GC_NGENS) {
        mor_raise(rt, MOR_EXC_VALUE, "invalid generation %d (0..2, or -1 for all)", generation);
        return NULL;
    }
    mori_gchead *lists[MORI_GC_NGENS + 1];
    int nl = gc_lists_of(rt, generation, lists);
    size_t n = 0;
    for (int i = 0; i < nl; i++)
        for (mori_gchead *h = lists[i]->next; h != lists[i]; h = h->next)
            n++;
    /* sized first, filled without allocating: the lists cannot change */
    mor_obj *result = mori_list_new(rt, n);
    if (result == NULL)
        return NULL;
    mori_list *l = (mori_list *)result;
    for (int i = 0; i < nl; i++) {
        for (mori_gchead *h = lists[i]->next; h != lists[i]; h = h->next) {
            mor_obj *x = mori_gc_obj(h);
            if (x != result && l->size < (int64_t)n)
                l->items[l->size++] = mor_newref(x);
        }
    }
    return result;
}

/* ---- callbacks, statistics, debugging ------------------------------------------------------ */

/* Each callback runs with the caller's exception set aside; one it raises goes
 * to the unraisable hook. The caller has set gc.collecting, so a callback that
 * asks for a collection gets 0. */
void mori_gc_invoke_callbacks(mor_rt *rt, const mor_gc_info *info)
{
    mori_gc *gc = &rt->gc;
    for (size_t i = 0; i < gc->ncallbacks; i++) {
        if (gc->callbacks[i].fn == NULL)
            continue;
        mor_obj *saved = rt->exc;
        rt->exc = NULL;
        gc->callbacks[i].fn(rt, info, gc->callbacks[i].ud);
        if (rt->exc != NULL)
            mor_err_write_unraisable(rt, "gc callback");
        rt->exc = saved;
    }
}

int mor_gc_add_callback(mor_rt *rt, mor_gc_callback cb, void *ud)
{
    mori_gc *gc = &rt->gc;
    if (cb == NULL) {
        mor_raise(rt, MOR_EXC_TYPE, "mor_gc_add_callback: callback is NULL");
        return -1;
    }
    if (gc->ncallbacks == gc->cbcap) {
        size_t cap = gc->cbcap ? gc->cbcap * 2 : 4;
        mori_gc_cb *n = mori_mem_realloc(rt, gc->callbacks, gc->cbcap * sizeof(mori_gc_cb),
                                         cap * sizeof(mori_gc_cb), MORI_MEM_BUFFER); /* ud may be a GC block */
        if (n == NULL)
            return -1;
        gc->callbacks = n;
        gc->cbcap = cap;
    }
    gc->callbacks[gc->ncallbacks].fn = cb;
    gc->callbacks[gc->ncallbacks].ud = ud;
    return (int)gc->ncallbacks++;
}

int mor_gc_remove_callback(mor_rt *rt, int id)
{
    mori_gc *gc = &rt->gc;
    if (id < 0 || (size_t)id >= gc->ncallbacks || gc->callbacks[id].fn == NULL) {
        mor_raise(rt, MOR_EXC_VALUE, "no gc callback with id %d", id);
        return -1;
    }
    gc->callbacks[id].fn = NULL; /* ids stay stable */
    return 0;
}

void mor_gc_get_stats(mor_rt *rt, int generation, mor_gc_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (generation < 0 || generation >= MORI_GC_NGENS)
        return;
    const mori_gc_genstats *s = &rt->gc.stats[generation];
    out->collections = s->collections;
    out->collected = s->collected;
    out->uncollectable = s->uncollectable;
    out->total_ns = s->total_ns;
    out->max_pause_ns = s->max_pause_ns;
}

void mor_gc_set_debug(mor_rt *rt, unsigned flags) { rt->gc.debug = flags; }
unsigned mor_gc_get_debug(mor_rt *rt) { return rt->gc.debug; }

mor_obj *mor_gc_garbage(mor_rt *rt)
{
    if (rt->gc.garbage == NULL) {
        rt->gc.garbage = mor_list(rt, 0);
        if (rt->gc.garbage == NULL)
            return NULL;
    }
    return mor_newref(rt->gc.garbage);
}

bool mor_gc_is_tracked(const mor_obj *o) { return (o->flags & MORI_OF_TRACKED) != 0; }
