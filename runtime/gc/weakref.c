/* runtime/gc/weakref.c: weak references and proxies. A reference is 64 bytes:
 * collector links, header, target, callback, cached hash and the link to the
 * next reference to the same target. */
#include "weakref.h"

#include "../core/strbuf.h"
#include "../types/types.h"

void mori_weakref_init(mor_rt *rt)
{
    /* pointer-free to a conservative collector: the table must not keep
     * targets alive */
    mori_ptrmap_init(&rt->weakrefs, MORI_MEM_ATOMIC);
}

void mori_weakref_fini(mor_rt *rt) { mori_ptrmap_free(rt, &rt->weakrefs); }

static mori_weakref *wr_list(mor_rt *rt, const mor_obj *target)
{
    if (!(target->flags & MORI_OF_WEAKREFS))
        return NULL;
    return mori_ptrmap_get(&rt->weakrefs, target);
}

static int wr_check_target(mor_rt *rt, const mor_obj *target)
{
    if (target->refcnt == MOR_REFCNT_IMMORTAL || target->refcnt == 0 ||
        !(target->type->flags & MOR_TYPE_WEAKREF)) {
        mor_raise(rt, MOR_EXC_TYPE, "cannot create weak reference to '%s' object",
                  target->type->name);
        return -1;
    }
    return 0;
}

/* A new (or the shared callback-less) reference of `type` to target. */
static mor_obj *wr_new(mor_rt *rt, mor_obj *target, mor_obj *callback, const mor_type *type)
{
    if (wr_check_target(rt, target) < 0)
        return NULL;
    if (callback == &rt->none)
        callback = NULL;
    if (callback != NULL && callback->type->call == NULL) {
        mor_raise(rt, MOR_EXC_TYPE, "weakref callback must be callable, not '%s'",
                  callback->type->name);
        return NULL;
    }
    if (callback == NULL && type != &mori_keyedref_type) {
        for (mori_weakref *w = wr_list(rt, target); w != NULL; w = mori_wr_next(w))
            if (w->head.type == type && w->callback == NULL && w->head.refcnt != 0) {
                mori_gc_revive(&w->head);
                return mor_newref(&w->head);
            }
    }
    /* a safe point: a collection may run here, so the list is read after */
    size_t size = type->basicsize;
    mori_weakref *wr = (mori_weakref *)mori_gc_alloc(rt, type, size);
    if (wr == NULL)
        return NULL;
    void **slot = mori_ptrmap_slot(rt, &rt->weakrefs, target); /* one lookup */
    if (slot == NULL) {
        mori_gc_free(rt, &wr->head, size);
        return NULL;
    }
    mori_weakref *head = *slot;
    mori_wr_store(wr, target);
    if (mori_gc_weak_link(rt, wr) < 0) {
        mori_wr_store(wr, NULL);
        if (head == NULL)
            mori_ptrmap_remove(&rt->weakrefs, target); /* the entry just made */
        mori_gc_free(rt, &wr->head, size);
        return NULL;
    }
    *slot = wr;
    if (head == NULL)
        mori_gc_watch(rt, target);
    target->flags |= MORI_OF_WEAKREFS;
    mori_wr_set_next(wr, head); /* newest first */
    wr->callback = callback ? mor_newref(callback) : NULL;
    mori_gc_track(rt, &wr->head);
    return &wr->head;
}

void mori_weakref_detach(mor_rt *rt, mori_weakref *wr)
{
    /* the key, not the target: a tracing collector may have zeroed the target
     * already, and the reference must still leave the list */
    mor_obj *t = mori_wr_key(wr);
    if (t == NULL)
        return;
    mori_gc_weak_unlink(rt, wr);
    void **slot = mori_ptrmap_find(&rt->weakrefs, t);
    MOR_ASSERT_OBJ(&wr->head, slot != NULL);
    mori_weakref *head = slot != NULL ? *slot : NULL;
    mori_weakref *next = mori_wr_next(wr);
    if (head == wr) {
        if (next != NULL) {
            *slot = next;
        } else {
            mori_ptrmap_remove(&rt->weakrefs, t);
            t->flags &= ~MORI_OF_WEAKREFS;
        }
    } else {
        mori_weakref *p = head;
        while (p != NULL && mori_wr_next(p) != wr)
            p = mori_wr_next(p);
        MOR_ASSERT_OBJ(&wr->head, p != NULL);
        if (p != NULL)
            mori_wr_set_next(p, next);
    }
    mori_wr_store(wr, NULL);
    mori_wr_set_next(wr, NULL);
}

/* Clear every reference to o. References that are dying themselves
 * (refcount 0, parked for deallocation) or, when skip_unreachable, that are
 * cyclic garbage, get no callback. */
static mori_weakref *wr_clear_all(mor_rt *rt, mor_obj *o, bool skip_unreachable)
{
    mori_weakref *w = mori_ptrmap_remove(&rt->weakrefs, o);
    o->flags &= ~MORI_OF_WEAKREFS;
    mori_weakref *chain = NULL, **tail = &chain;
    while (w != NULL) {
        mori_weakref *next = mori_wr_next(w);
        mori_gc_weak_unlink(rt, w);
        mori_wr_store(w, NULL);
        w->next = NULL; /* from here on `next` chains the callbacks, undisguised */
        bool call = w->callback != NULL && w->head.refcnt != 0 &&
                    !(skip_unreachable && (w->head.flags & MORI_OF_UNREACHABLE));
        if (call) {
            mor_incref(&w->head);
            *tail = w;
            tail = &w->next;
        }
        w = next;
    }
    return chain;
}

mori_weakref *mori_weakref_clear_all(mor_rt *rt, mor_obj *o)
{
    return wr_clear_all(rt, o, true);
}

void mori_weakref_run_callbacks(mor_rt *rt, mori_weakref *chain)
{
    mor_obj *saved = rt->exc; /* a pending exception survives (hard case 35) */
    rt->exc = NULL;
    while (chain != NULL) {
        mori_weakref *w = chain;
        chain = w->next;
        w->next = NULL;
        mor_obj *cb = w->callback; /* __callback__ reads None from now on */
        w->callback = NULL;
        if (cb != NULL) {
            mor_obj *arg = &w->head;
            mor_obj *r = mor_call(rt, cb, 1, &arg);
            if (r == NULL)
                mor_err_write_unraisable(rt, "weakref callback");
            else
                mor_decref(rt, r);
            mor_decref(rt, cb);
        }
        mor_decref(rt, &w->head);
    }
    if (rt->exc != NULL)
        mor_err_clear(rt);
    rt->exc = saved;
}

void mori_weakref_object_dying(mor_rt *rt, mor_obj *o)
{
#ifdef MOR_BACKEND_BOEHM
    /* Boehm may find a reference unreachable together with its target: the
     * queue marks it first (boehm.c), and its callback must not run */
    mori_weakref_run_callbacks(rt, wr_clear_all(rt, o, true));
#else
    mori_weakref_run_callbacks(rt, wr_clear_all(rt, o, false));
#endif
}

bool mori_weakref_has_callbacks(mor_rt *rt, const mor_obj *o)
{
    for (mori_weakref *w = wr_list(rt, o); w != NULL; w = mori_wr_next(w))
        if (w->callback != NULL)
            return true;
    return false;
}

/* ---- public API ------------------------------------------------------------------------ */

mor_obj *mor_weakref(mor_rt *rt, mor_obj *target, mor_obj *callback)
{
    return wr_new(rt, target, callback, &mori_weakref_type);
}

mor_obj *mor_weakproxy(mor_rt *rt, mor_obj *target, mor_obj *callback)
{
    return wr_new(rt, target, callback, &mori_weakproxy_type);
}

mor_obj *mori_keyedref_new(mor_rt *rt, mor_obj *target, mor_obj *callback, mor_obj *key)
{
    mor_obj *r = wr_new(rt, target, callback, &mori_keyedref_type);
    if (r != NULL)
        ((mori_keyedref *)r)->key = key ? mor_newref(key) : NULL;
    return r;
}

/* A plain or keyed reference (what compares and hashes like its target). */
static bool wr_is_ref(const mor_obj *o)
{
    return o->type == &mori_weakref_type || o->type == &mori_keyedref_type;
}

mor_obj *mor_weakref_get(mor_rt *rt, mor_obj *ref)
{
    if (!wr_is_ref(ref)) {
        mor_raise(rt, MOR_EXC_TYPE, "mor_weakref_get: expected a weakref, got '%s'",
                  ref->type->name);
        return NULL;
    }
    mor_obj *t = mori_weakref_target((mori_weakref *)ref);
    return mor_newref(t ? t : mor_none(rt));
}

size_t mor_weakref_count(mor_rt *rt, mor_obj *target)
{
    size_t n = 0;
    for (mori_weakref *w = wr_list(rt, target); w != NULL; w = mori_wr_next(w))
        n++;
    return n;
}

/* ---- slots shared by references and proxies ------------------------------------------------- */

static void weakref_dealloc(mor_rt *rt, mor_obj *self)
{
    mori_weakref *wr = (mori_weakref *)self;
    mori_weakref_detach(rt, wr);
    mor_xdecref(rt, wr->callback);
    if (self->type == &mori_keyedref_type)
        mor_xdecref(rt, ((mori_keyedref *)self)->key);
    mori_gc_free(rt, self, self->type->basicsize);
}

static int weakref_traverse(mor_obj *self, mor_visit_fn visit, void *arg)
{
    mori_weakref *wr = (mori_weakref *)self;
    int r = wr->callback ? visit(wr->callback, arg) : 0;
    if (r == 0 && self->type == &mori_keyedref_type && ((mori_keyedref *)self)->key != NULL)
        r = visit(((mori_keyedref *)self)->key, arg);
    return r;
}

static void weakref_clear(mor_rt *rt, mor_obj *self)
{
    mori_weakref *wr = (mori_weakref *)self;
    mori_weakref_detach(rt, wr);
    mor_obj *cb = wr->callback;
    wr->callback = NULL;
    mor_xdecref(rt, cb);
    if (self->type == &mori_keyedref_type) {
        mor_obj *k = ((mori_keyedref *)self)->key;
        ((mori_keyedref *)self)->key = NULL;
        mor_xdecref(rt, k);
    }
}

/* ---- references ------------------------------------------------------------------------------- */

static mor_obj *weakref_repr(mor_rt *rt, mor_obj *self)
{
    mor_obj *t = mori_weakref_target((mori_weakref *)self);
    if (t == NULL)
        return mor_str_fmt(rt, "<weakref at %p; dead>", (void *)self);
    return mor_str_fmt(rt, "<weakref at %p; to '%s' at %p>", (void *)self, t->type->name,
                       (void *)t);
}

/* Hash of the target, computed while it lives and kept afterwards. */
static int weakref_hash(mor_rt *rt, mor_obj *self, int64_t *out)
{
    mori_weakref *wr = (mori_weakref *)self;
    if (self->flags & MORI_WR_HASHED) {
        *out = wr->hash;
        return 0;
    }
    mor_obj *t = mori_weakref_target(wr);
    if (t == NULL) {
        mor_raise(rt, MOR_EXC_TYPE, "weak object has gone away");
        return -1;
    }
    mor_incref(t);
    int r = mor_hash(rt, t, &wr->hash);
    mor_decref(rt, t);
    if (r < 0)
        return -1;
    self->flags |= MORI_WR_HASHED;
    *out = wr->hash;
    return 0;
}

/* Live references compare like their targets; dead ones by identity. */
static int weakref_eq(mor_rt *rt, mor_obj *self, mor_obj *other)
{
    if (!wr_is_ref(other))
        return MOR_NOTIMPL;
    mor_obj *a = mori_weakref_target((mori_weakref *)self);
    mor_obj *b = mori_weakref_target((mori_weakref *)other);
    if (a == NULL || b == NULL)
        return self == other;
    mor_incref(a);
    mor_incref(b);
    int r = mor_eq(rt, a, b);
    mor_decref(rt, a);
    mor_decref(rt, b);
    return r;
}

/* ref() gives the target or None, as in Python. */
static mor_obj *weakref_call(mor_rt *rt, mor_obj *self, size_t nargs, mor_obj *const *args)
{
    (void)args;
    if (nargs != 0) {
        mor_raise(rt, MOR_EXC_TYPE, "weakref() takes no arguments (%zu given)", nargs);
        return NULL;
    }
    return mor_weakref_get(rt, self);
}

static mor_obj *weakref_getattr(mor_rt *rt, mor_obj *self, const char *name)
{
    mori_weakref *wr = (mori_weakref *)self;
    if (strcmp(name, "__callback__") == 0)
        return mor_newref(wr->callback ? wr->callback : mor_none(rt));
    mor_raise(rt, MOR_EXC_ATTRIBUTE, "'weakref' object has no attribute '%s'", name);
    return NULL;
}

const mor_type mori_weakref_type = {
    .name = "weakref",
    .basicsize = sizeof(mori_weakref),
    .flags = MOR_TYPE_GC,
    .dealloc = weakref_dealloc,
    .traverse = weakref_traverse,
    .clear = weakref_clear,
    .repr = weakref_repr,
    .hash = weakref_hash,
    .eq = weakref_eq,
    .call = weakref_call,
    .getattr = weakref_getattr,
};

const mor_type mori_keyedref_type = {
    .name = "KeyedRef",
    .basicsize = sizeof(mori_keyedref),
    .flags = MOR_TYPE_GC,
    .dealloc = weakref_dealloc,
    .traverse = weakref_traverse,
    .clear = weakref_clear,
    .repr = weakref_repr,
    .hash = weakref_hash,
    .eq = weakref_eq,
    .call = weakref_call,
    .getattr = weakref_getattr,
};

/* ---- proxies: every operation goes to the live target ----------------------------------------- */

/* The target with a new reference, or NULL + ReferenceError. */
static mor_obj *proxy_target(mor_rt *rt, mor_obj *self)
{
    mor_obj *t = mori_weakref_target((mori_weakref *)self);
    if (t == NULL) {
        mor_raise(rt, MOR_EXC_REFERENCE, "weakly-referenced object no longer exists");
        return NULL;
    }
    return mor_newref(t);
}

static mor_obj *proxy_unwrap(mor_obj *o)
{
    if (o->type == &mori_weakproxy_type) {
        mor_obj *t = mori_weakref_target((mori_weakref *)o);
        return t ? t : o;
    }
    return o;
}

static mor_obj *proxy_repr(mor_rt *rt, mor_obj *self)
{
    mor_obj *t = proxy_target(rt, self);
    if (t == NULL)
        return NULL;
    mor_obj *r = mor_repr(rt, t);
    mor_decref(rt, t);
    return r;
}

static mor_obj *proxy_getattr(mor_rt *rt, mor_obj *self, const char *name)
{
    mor_obj *t = proxy_target(rt, self);
    if (t == NULL)
        return NULL;
    mor_obj *r = mor_getattr(rt, t, name);
    mor_decref(rt, t);
    return r;
}

static int proxy_setattr(mor_rt *rt, mor_obj *self, const char *name, mor_obj *v)
{
    mor_obj *t = proxy_target(rt, self);
    if (t == NULL)
        return -1;
    int r = mor_setattr(rt, t, name, v);
    mor_decref(rt, t);
    return r;
}

static mor_obj *proxy_call(mor_rt *rt, mor_obj *self, size_t nargs, mor_obj *const *args)
{
    mor_obj *t = proxy_target(rt, self);
    if (t == NULL)
        return NULL;
    mor_obj *r = mor_call(rt, t, nargs, args);
    mor_decref(rt, t);
    return r;
}

static mor_obj *proxy_iter(mor_rt *rt, mor_obj *self)
{
    mor_obj *t = proxy_target(rt, self);
    if (t == NULL)
        return NULL;
    mor_obj *r = mor_iter(rt, t);
    mor_decref(rt, t);
    return r;
}

static int proxy_eq(mor_rt *rt, mor_obj *self, mor_obj *other)
{
    mor_obj *t = proxy_target(rt, self);
    if (t == NULL)
        return -1;
    int r = mor_eq(rt, t, proxy_unwrap(other));
    mor_decref(rt, t);
    return r;
}

static int proxy_compare(mor_rt *rt, mor_obj *self, mor_obj *other, mor_cmp op)
{
    mor_obj *t = proxy_target(rt, self);
    if (t == NULL)
        return -1;
    int r = mor_compare(rt, t, proxy_unwrap(other), op);
    mor_decref(rt, t);
    return r;
}

static int proxy_truth(mor_rt *rt, mor_obj *self)
{
    mor_obj *t = proxy_target(rt, self);
    if (t == NULL)
        return -1;
    int r = mor_is_true(rt, t);
    mor_decref(rt, t);
    return r;
}

static int64_t proxy_len(mor_rt *rt, mor_obj *self)
{
    mor_obj *t = proxy_target(rt, self);
    if (t == NULL)
        return -1;
    int64_t r = mor_len(rt, t);
    mor_decref(rt, t);
    return r;
}

static mor_obj *proxy_getitem(mor_rt *rt, mor_obj *self, mor_obj *key)
{
    mor_obj *t = proxy_target(rt, self);
    if (t == NULL)
        return NULL;
    mor_obj *r = mor_getitem(rt, t, key);
    mor_decref(rt, t);
    return r;
}

static int proxy_setitem(mor_rt *rt, mor_obj *self, mor_obj *key, mor_obj *v)
{
    mor_obj *t = proxy_target(rt, self);
    if (t == NULL)
        return -1;
    int r = v ? mor_setitem(rt, t, key, v) : mor_delitem(rt, t, key);
    mor_decref(rt, t);
    return r;
}

static int proxy_contains(mor_rt *rt, mor_obj *self, mor_obj *x)
{
    mor_obj *t = proxy_target(rt, self);
    if (t == NULL)
        return -1;
    int r = mor_contains(rt, t, x);
    mor_decref(rt, t);
    return r;
}

static const mor_number_slots proxy_number = {.truth = proxy_truth};
static const mor_container_slots proxy_container = {
    .len = proxy_len,
    .getitem = proxy_getitem,
    .setitem = proxy_setitem,
    .contains = proxy_contains,
};

const mor_type mori_weakproxy_type = {
    .name = "weakproxy",
    .basicsize = sizeof(mori_weakref),
    .flags = MOR_TYPE_GC,
    .dealloc = weakref_dealloc,
    .traverse = weakref_traverse,
    .clear = weakref_clear,
    .repr = proxy_repr,
    .eq = proxy_eq,
    .compare = proxy_compare,
    .iter = proxy_iter,
    .call = proxy_call,
    .getattr = proxy_getattr,
    .setattr = proxy_setattr,
    .number = &proxy_number,
    .container = &proxy_container,
};
