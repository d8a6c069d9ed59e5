/* runtime/gc/finalize.c: weakref.finalize: call fn(*args) once when a target
 * dies (or at mor_rt_free). The finalizer holds a weak reference to the target
 * whose callback is the finalizer itself; the runtime's registry keeps each
 * live finalizer alive until it runs or is detached. */
#include "../core/strbuf.h"
#include "../types/types.h"
#include "weakref.h"

typedef struct mori_finalizer {
    mor_obj head;
    mor_obj *ref;  /* weak reference to the target (callback: this object) */
    mor_obj *fn;
    mor_obj *args; /* a tuple */
    struct mori_finalizer *prev, *next; /* the registry, while alive */
} mori_finalizer;

extern const mor_type mori_finalizer_type MOR_INTERNAL;

static bool fin_alive(const mori_finalizer *f) { return f->ref != NULL; }

static void fin_register(mor_rt *rt, mori_finalizer *f)
{
    mori_gc *gc = &rt->gc;
    f->prev = gc->fin_last;
    f->next = NULL;
    if (gc->fin_last != NULL)
        gc->fin_last->next = f;
    else
        gc->fin_first = f;
    gc->fin_last = f;
    mor_incref(&f->head);
}

/* Mark dead: leave the registry and drop the reference. Returns the
 * registry's reference for the caller to release (NULL if it was dead). */
static mor_obj *fin_kill(mor_rt *rt, mori_finalizer *f)
{
    if (!fin_alive(f))
        return NULL;
    mori_gc *gc = &rt->gc;
    if (f->prev != NULL)
        f->prev->next = f->next;
    else
        gc->fin_first = f->next;
    if (f->next != NULL)
        f->next->prev = f->prev;
    else
        gc->fin_last = f->prev;
    f->prev = f->next = NULL;
    mor_obj *ref = f->ref;
    f->ref = NULL;
    mor_decref(rt, ref); /* breaks the ref -> callback -> finalizer cycle */
    return &f->head;
}

mor_obj *mor_finalize(mor_rt *rt, mor_obj *target, mor_obj *fn, mor_obj *args)
{
    if (fn == NULL || fn->type->call == NULL) {
        mor_raise(rt, MOR_EXC_TYPE, "mor_finalize: fn must be callable, not %s%s%s",
                  fn ? "'" : "", fn ? fn->type->name : "NULL", fn ? "'" : "");
        return NULL;
    }
    if (args == NULL)
        args = mor_tuple(rt, 0);
    if (!mor_is_tuple(args)) {
        mor_raise(rt, MOR_EXC_TYPE, "mor_finalize: args must be a tuple, not '%s'",
                  args->type->name);
        return NULL;
    }
    mori_finalizer *f =
        (mori_finalizer *)mori_gc_alloc(rt, &mori_finalizer_type, sizeof(mori_finalizer));
    if (f == NULL)
        return NULL;
    f->fn = mor_newref(fn);
    f->args = mor_newref(args);
    mori_gc_track(rt, &f->head);
    f->ref = mor_weakref(rt, target, &f->head);
    if (f->ref == NULL) {
        mor_decref(rt, &f->head);
        return NULL;
    }
    fin_register(rt, f);
    return &f->head;
}

static int fin_check(mor_rt *rt, mor_obj *f, const char *fn)
{
    if (f->type == &mori_finalizer_type)
        return 0;
    mor_raise(rt, MOR_EXC_TYPE, "%s: expected a finalize object, got '%s'", fn, f->type->name);
    return -1;
}

bool mor_finalize_alive(mor_rt *rt, mor_obj *f)
{
    (void)rt;
    return f->type == &mori_finalizer_type && fin_alive((mori_finalizer *)f);
}

/* (target, fn, args), or None when dead. The weak reference's target is
 * borrowed: it is held strongly while the tuple is made, since a collection
 * can run at that allocation and could otherwise free it under us. */
static mor_obj *fin_info(mor_rt *rt, mori_finalizer *f)
{
    mor_obj *t = fin_alive(f) ? mori_weakref_target((mori_weakref *)f->ref) : NULL;
    if (t == NULL)
        return mor_newref(mor_none(rt));
    mor_incref(t);
    mor_obj *info = mor_tuple(rt, 3, t, f->fn, f->args);
    mor_decref(rt, t);
    return info;
}

mor_obj *mor_finalize_peek(mor_rt *rt, mor_obj *f)
{
    if (fin_check(rt, f, "mor_finalize_peek") < 0)
        return NULL;
    return fin_info(rt, (mori_finalizer *)f);
}

mor_obj *mor_finalize_detach(mor_rt *rt, mor_obj *f)
{
    if (fin_check(rt, f, "mor_finalize_detach") < 0)
        return NULL;
    mor_obj *info = fin_info(rt, (mori_finalizer *)f);
    if (info != NULL && info != mor_none(rt))
        mor_xdecref(rt, fin_kill(rt, (mori_finalizer *)f));
    return info;
}

/* Called by the user (no argument) or as the weak reference's callback (the
 * reference): runs fn(*args) once if still alive; else returns None. */
static mor_obj *finalizer_call(mor_rt *rt, mor_obj *self, size_t nargs, mor_obj *const *args)
{
    (void)args;
    if (nargs > 1) {
        mor_raise(rt, MOR_EXC_TYPE, "finalize() takes no arguments (%zu given)", nargs);
        return NULL;
    }
    mori_finalizer *f = (mori_finalizer *)self;
    mor_obj *registry_ref = fin_kill(rt, f);
    if (registry_ref == NULL)
        return mor_newref(mor_none(rt));
    size_t n;
    mor_obj *const *items = mor_seq_items(f->args, &n);
    mor_obj *r = mor_call(rt, f->fn, n, items);
    mor_decref(rt, registry_ref);
    return r;
}

void mori_finalize_run_all(mor_rt *rt)
{
    /* newest first, as atexit does; each call may add or remove others */
    while (rt->gc.fin_last != NULL) {
        mor_obj *f = mor_newref(&rt->gc.fin_last->head);
        mor_obj *r = finalizer_call(rt, f, 0, NULL);
        if (r == NULL)
            mor_err_write_unraisable(rt, "finalize callback at shutdown");
        mor_xdecref(rt, r);
        mor_decref(rt, f);
    }
}

/* ---- slots ------------------------------------------------------------------------------ */

static void finalizer_clear(mor_rt *rt, mor_obj *self)
{
    mori_finalizer *f = (mori_finalizer *)self;
    mor_xdecref(rt, fin_kill(rt, f));
    mor_obj *fn = f->fn, *args = f->args;
    f->fn = f->args = NULL;
    mor_xdecref(rt, fn);
    mor_xdecref(rt, args);
}

static void finalizer_dealloc(mor_rt *rt, mor_obj *self)
{
    finalizer_clear(rt, self);
    mori_gc_free(rt, self, sizeof(mori_finalizer));
}

static int finalizer_traverse(mor_obj *self, mor_visit_fn visit, void *arg)
{
    mori_finalizer *f = (mori_finalizer *)self;
    int r = 0;
    if (f->ref != NULL)
        r = visit(f->ref, arg);
    if (r == 0 && f->fn != NULL)
        r = visit(f->fn, arg);
    if (r == 0 && f->args != NULL)
        r = visit(f->args, arg);
    return r;
}

static mor_obj *finalizer_repr(mor_rt *rt, mor_obj *self)
{
    mori_finalizer *f = (mori_finalizer *)self;
    mor_obj *t = fin_alive(f) ? mori_weakref_target((mori_weakref *)f->ref) : NULL;
    if (t == NULL)
        return mor_str_fmt(rt, "<finalize object at %p; dead>", (void *)self);
    return mor_str_fmt(rt, "<finalize object at %p; for '%s' at %p>", (void *)self,
                       t->type->name, (void *)t);
}

static int finalizer_hash(mor_rt *rt, mor_obj *self, int64_t *out)
{
    (void)rt;
    *out = (int64_t)((uintptr_t)self >> 4);
    return 0;
}

const mor_type mori_finalizer_type = {
    .name = "finalize",
    .basicsize = sizeof(mori_finalizer),
    .flags = MOR_TYPE_GC,
    .dealloc = finalizer_dealloc,
    .traverse = finalizer_traverse,
    .clear = finalizer_clear,
    .repr = finalizer_repr,
    .hash = finalizer_hash,
    .call = finalizer_call,
};
