/* runtime/iter/tools.c: the lazy iterator tools (map, filter, filterfalse,
 * islice, chain, enumerate, zip): each is an iterator of constant size that
 * pulls one item at a time from the iterators it wraps. */
#include "iter.h"

/* Every tool holds one or two object references and a few integers; a shared
 * layout keeps the slots shared too. (map, filter and islice are 64 bytes
 * with their collector links.) */
typedef struct tool_obj {
    mor_obj head;
    mor_obj *a; /* the wrapped iterator (zip, chain: a tuple) */
    mor_obj *b; /* the function or predicate; chain: the current iterator */
    int64_t x, y;
} tool_obj;

extern const mor_type mori_map_type, mori_filter_type, mori_filterfalse_type, mori_islice_type,
    mori_chain_type, mori_enumerate_type, mori_zip_type MOR_INTERNAL;

static mor_obj *tool_new(mor_rt *rt, const mor_type *t, mor_obj *a, mor_obj *b, int64_t x,
                         int64_t y)
{
    tool_obj *o = (tool_obj *)mori_gc_alloc(rt, t, sizeof(tool_obj));
    if (o == NULL)
        return NULL;
    o->a = a; /* references given by the caller */
    o->b = b;
    o->x = x;
    o->y = y;
    mori_gc_track(rt, &o->head);
    return &o->head;
}

/* iter(iterable) with the reference returned; NULL + error. */
static mor_obj *tool_iter_of(mor_rt *rt, mor_obj *iterable) { return mor_iter(rt, iterable); }

static void tool_clear(mor_rt *rt, mor_obj *self)
{
    tool_obj *o = (tool_obj *)self;
    mor_obj *a = o->a, *b = o->b;
    o->a = o->b = NULL;
    mor_xdecref(rt, a);
    mor_xdecref(rt, b);
}

static void tool_dealloc(mor_rt *rt, mor_obj *self)
{
    tool_clear(rt, self);
    mori_gc_free(rt, self, sizeof(tool_obj));
}

static int tool_traverse(mor_obj *self, mor_visit_fn visit, void *arg)
{
    tool_obj *o = (tool_obj *)self;
    int r = o->a ? visit(o->a, arg) : 0;
    return r == 0 && o->b ? visit(o->b, arg) : r;
}

static mor_obj *tool_self_iter(mor_rt *rt, mor_obj *self)
{
    (void)rt;
    return mor_newref(self);
}

/* An exhausted tool lets go of what it wraps. */
static mor_obj *tool_done(mor_rt *rt, mor_obj *self)
{
    if (mor_err_kind(rt) == MOR_EXC_NONE)
        tool_clear(rt, self);
    return NULL;
}

#define TOOL_TYPE(var, tname, nextfn)                                                          \
    const mor_type var = {                                                                     \
        .name = tname,                                                                         \
        .basicsize = sizeof(tool_obj),                                                         \
        .flags = MOR_TYPE_GC,                                                                  \
        .dealloc = tool_dealloc,                                                               \
        .traverse = tool_traverse,                                                             \
        .clear = tool_clear,                                                                   \
        .iter = tool_self_iter,                                                                \
        .next = nextfn,                                                                        \
    }

/* ---- map ------------------------------------------------------------------------------------- */

mor_obj *mor_map(mor_rt *rt, mor_obj *fn, mor_obj *iterable)
{
    if (fn->type->call == NULL) {
        mor_raise(rt, MOR_EXC_TYPE, "'%s' object is not callable", fn->type->name);
        return NULL;
    }
    mor_obj *it = tool_iter_of(rt, iterable);
    if (it == NULL)
        return NULL;
    mor_obj *m = tool_new(rt, &mori_map_type, it, mor_newref(fn), 0, 0);
    if (m == NULL) {
        mor_decref(rt, it);
        mor_decref(rt, fn);
    }
    return m;
}

static mor_obj *map_next(mor_rt *rt, mor_obj *self)
{
    tool_obj *o = (tool_obj *)self;
    if (o->a == NULL)
        return NULL;
    mor_obj *x = mori_next(rt, o->a);
    if (x == NULL)
        return tool_done(rt, self);
    mor_obj *r = mori_call(rt, o->b, 1, &x);
    mor_decref(rt, x);
    return r;
}

TOOL_TYPE(mori_map_type, "map", map_next);

/* ---- filter, filterfalse --------------------------------------------------------------------- */

static mor_obj *filter_new(mor_rt *rt, const mor_type *t, mor_obj *pred, mor_obj *iterable)
{
    if (pred == mor_none(rt))
        pred = NULL;
    if (pred != NULL && pred->type->call == NULL) {
        mor_raise(rt, MOR_EXC_TYPE, "'%s' object is not callable", pred->type->name);
        return NULL;
    }
    mor_obj *it = tool_iter_of(rt, iterable);
    if (it == NULL)
        return NULL;
    mor_obj *p = pred ? mor_newref(pred) : NULL;
    mor_obj *f = tool_new(rt, t, it, p, 0, 0);
    if (f == NULL) {
        mor_decref(rt, it);
        mor_xdecref(rt, p);
    }
    return f;
}

mor_obj *mor_filter(mor_rt *rt, mor_obj *pred, mor_obj *it)
{
    return filter_new(rt, &mori_filter_type, pred, it);
}

mor_obj *mor_filterfalse(mor_rt *rt, mor_obj *pred, mor_obj *it)
{
    return filter_new(rt, &mori_filterfalse_type, pred, it);
}

static mor_obj *filter_next(mor_rt *rt, mor_obj *self)
{
    tool_obj *o = (tool_obj *)self;
    int want = self->type == &mori_filter_type;
    while (o->a != NULL) {
        mor_obj *x = mori_next(rt, o->a);
        if (x == NULL)
            return tool_done(rt, self);
        int t;
        if (o->b == NULL) {
            t = mori_is_true(rt, x);
        } else {
            mor_obj *r = mori_call(rt, o->b, 1, &x);
            t = r ? mori_is_true(rt, r) : -1;
            mor_xdecref(rt, r);
        }
        if (t < 0) {
            mor_decref(rt, x);
            return NULL;
        }
        if (t == want)
            return x;
        mor_decref(rt, x);
    }
    return NULL;
}

TOOL_TYPE(mori_filter_type, "filter", filter_next);
TOOL_TYPE(mori_filterfalse_type, "filterfalse", filter_next);

/* ---- islice: x = items to skip before the next yield, y = items left to
 * yield (-1: no limit); the step is kept in b as a small int. ---------------------------------- */

mor_obj *mor_islice(mor_rt *rt, mor_obj *iterable, int64_t start, int64_t stop, int64_t step)
{
    if (start < 0 || stop < -1) {
        mor_raise(rt, MOR_EXC_VALUE, "Indices for islice() must be None or an integer: "
                                     "0 <= x <= sys.maxsize.");
        return NULL;
    }
    if (step < 1) {
        mor_raise(rt, MOR_EXC_VALUE, "Step for islice() must be a positive integer or None.");
        return NULL;
    }
    int64_t left = -1;
    if (stop >= 0)
        left = stop > start ? (stop - start - 1) / step + 1 : 0;
    mor_obj *s = mori_int_new(rt, step);
    if (s == NULL)
        return NULL;
    mor_obj *it = tool_iter_of(rt, iterable);
    if (it == NULL) {
        mor_decref(rt, s);
        return NULL;
    }
    mor_obj *o = tool_new(rt, &mori_islice_type, it, s, start, left);
    if (o == NULL) {
        mor_decref(rt, it);
        mor_decref(rt, s);
    }
    return o;
}

static mor_obj *islice_next(mor_rt *rt, mor_obj *self)
{
    tool_obj *o = (tool_obj *)self;
    if (o->a == NULL || o->y == 0)
        return o->a ? tool_done(rt, self) : NULL;
    for (; o->x > 0; o->x--) {
        mor_obj *skip = mori_next(rt, o->a);
        if (skip == NULL)
            return tool_done(rt, self);
        mor_decref(rt, skip);
    }
    mor_obj *x = mori_next(rt, o->a);
    if (x == NULL)
        return tool_done(rt, self);
    if (o->y > 0)
        o->y--;
    o->x = mori_int_small_value(o->b) - 1;
    return x;
}

TOOL_TYPE(mori_islice_type, "islice", islice_next);

/* ---- chain: a = tuple of iterables, b = current iterator, x = next index ----------------------- */

mor_obj *mor_chain(mor_rt *rt, size_t n, mor_obj *const *iterables)
{
    mor_obj *t = mor_tuple_from(rt, n, iterables);
    if (t == NULL)
        return NULL;
    mor_obj *o = tool_new(rt, &mori_chain_type, t, NULL, 0, 0);
    if (o == NULL)
        mor_decref(rt, t);
    return o;
}

static mor_obj *chain_next(mor_rt *rt, mor_obj *self)
{
    tool_obj *o = (tool_obj *)self;
    while (o->a != NULL) {
        if (o->b == NULL) {
            size_t n;
            mor_obj *const *items = mor_seq_items(o->a, &n);
            if ((size_t)o->x >= n)
                return tool_done(rt, self);
            o->b = mor_iter(rt, items[o->x++]);
            if (o->b == NULL)
                return NULL;
        }
        mor_obj *x = mori_next(rt, o->b);
        if (x != NULL || mor_err_kind(rt) != MOR_EXC_NONE)
            return x;
        mor_obj *cur = o->b;
        o->b = NULL;
        mor_decref(rt, cur);
    }
    return NULL;
}

TOOL_TYPE(mori_chain_type, "chain", chain_next);

/* ---- enumerate: x = the next count ------------------------------------------------------------ */

mor_obj *mor_enumerate(mor_rt *rt, mor_obj *iterable, int64_t start)
{
    mor_obj *it = tool_iter_of(rt, iterable);
    if (it == NULL)
        return NULL;
    mor_obj *o = tool_new(rt, &mori_enumerate_type, it, NULL, start, 0);
    if (o == NULL)
        mor_decref(rt, it);
    return o;
}

static mor_obj *enumerate_next(mor_rt *rt, mor_obj *self)
{
    tool_obj *o = (tool_obj *)self;
    if (o->a == NULL)
        return NULL;
    mor_obj *x = mori_next(rt, o->a);
    if (x == NULL)
        return tool_done(rt, self);
    /* the count is x while it fits in int64, then an int object in b */
    mor_obj *i = o->b != NULL ? mor_newref(o->b) : mori_int_new(rt, o->x);
    if (i != NULL && (o->b != NULL || o->x == INT64_MAX)) {
        mor_obj *one = mor_int(rt, 1);
        mor_obj *next = mor_add(rt, i, one);
        if (next == NULL) {
            mor_decref(rt, i);
            i = NULL;
        } else {
            mor_obj *old = o->b;
            o->b = next;
            mor_xdecref(rt, old);
        }
    } else if (i != NULL) {
        o->x++;
    }
    mor_obj *t = i ? mor_tuple(rt, 2, i, x) : NULL;
    mor_xdecref(rt, i);
    mor_decref(rt, x);
    return t;
}

TOOL_TYPE(mori_enumerate_type, "enumerate", enumerate_next);

/* ---- zip: a = tuple of iterators ----------------------------------------------------------------- */

mor_obj *mor_zip(mor_rt *rt, size_t n, mor_obj *const *its)
{
    if (n > 0 && its == NULL) {
        mor_raise(rt, MOR_EXC_TYPE, "mor_zip: %zu iterables but no iterable array", n);
        return NULL;
    }
    mor_obj *t = mori_tuple_new(rt, n);
    if (t == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        mor_obj *it = mor_iter(rt, its[i]);
        if (it == NULL) {
            if (n > 0)
                mori_gc_track(rt, t);
            mor_decref(rt, t);
            return NULL;
        }
        ((mori_tuple *)t)->items[i] = it;
    }
    if (n > 0)
        mori_gc_track(rt, t);
    mor_obj *o = tool_new(rt, &mori_zip_type, t, NULL, 0, 0);
    if (o == NULL)
        mor_decref(rt, t);
    return o;
}

static mor_obj *zip_next(mor_rt *rt, mor_obj *self)
{
    tool_obj *o = (tool_obj *)self;
    if (o->a == NULL)
        return NULL;
    size_t n;
    mor_obj *const *its = mor_seq_items(o->a, &n);
    if (n == 0)
        return tool_done(rt, self);
    mor_obj *t = mori_tuple_new(rt, n);
    if (t == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        its = mor_seq_items(o->a, &n); /* re-read: a call may have run a collection */
        mor_obj *x = mori_next(rt, its[i]);
        if (x == NULL) {
            mori_gc_track(rt, t);
            mor_decref(rt, t);
            return tool_done(rt, self);
        }
        ((mori_tuple *)t)->items[i] = x;
    }
    mori_gc_track(rt, t);
    return t;
}

TOOL_TYPE(mori_zip_type, "zip", zip_next);
