/* runtime/gc/weakdict.c: WeakValueDictionary and WeakKeyDictionary. Each is a
 * dict of keyed weak references whose shared callback removes the entry that
 * died; removals wait while the dictionary is being iterated, and a dead old
 * value never removes a newer value stored under the same key. */
#include "../core/strbuf.h"
#include "../types/types.h"
#include "weakref.h"

typedef struct weakdict_obj {
    mor_obj head;
    mor_obj *data;    /* value dict: key -> KeyedRef(value, key); key dict: KeyedRef(key) -> value */
    mor_obj *remover; /* the callback of every stored reference (its data: a weakref to us) */
    mor_obj *pending; /* references whose entries die once iteration ends, or NULL */
    int64_t iterating;
    bool weak_keys;
} weakdict_obj;

extern const mor_type mori_weakdict_type MOR_INTERNAL;
extern const mor_type mori_weakdictiter_type MOR_INTERNAL;

static inline weakdict_obj *as_wd(mor_obj *o) { return (weakdict_obj *)o; }

/* Remove the entry of a dead reference, if it is still that reference's. */
static int wd_remove_entry(mor_rt *rt, weakdict_obj *wd, mor_obj *ref)
{
    if (wd->weak_keys) {
        int r = mor_dict_del(rt, wd->data, ref);
        return r < 0 ? -1 : 0;
    }
    mor_obj *key = ((mori_keyedref *)ref)->key;
    if (key == NULL)
        return 0;
    mor_obj *cur = NULL;
    int r = mor_dict_lookup(rt, wd->data, key, &cur);
    if (r > 0 && cur == ref) /* not a newer value stored under the same key */
        r = mor_dict_del(rt, wd->data, key);
    mor_xdecref(rt, cur);
    return r < 0 ? -1 : 0;
}

static void wd_commit_removals(mor_rt *rt, weakdict_obj *wd)
{
    mor_obj *pending = wd->pending;
    if (pending == NULL || wd->iterating > 0)
        return;
    wd->pending = NULL;
    size_t n;
    mor_obj *const *items = mor_seq_items(pending, &n);
    for (size_t i = 0; i < n; i++)
        if (wd_remove_entry(rt, wd, items[i]) < 0)
            mor_err_write_unraisable(rt, "weak dictionary removal");
    mor_decref(rt, pending);
}

/* The callback of every stored reference: data is a weak reference to the
 * dictionary, args[0] the reference whose target died. */
static mor_obj *wd_remove_cb(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    if (nargs != 1 || args[0]->type != &mori_keyedref_type)
        return mor_newref(mor_none(rt));
    mor_obj *self = mori_weakref_target((mori_weakref *)data);
    if (self == NULL)
        return mor_newref(mor_none(rt)); /* the dictionary died first */
    weakdict_obj *wd = as_wd(self);
    int r;
    if (wd->iterating > 0) {
        if (wd->pending == NULL)
            wd->pending = mor_list(rt, 0);
        r = wd->pending ? mor_list_append(rt, wd->pending, args[0]) : -1;
    } else {
        mor_incref(self);
        r = wd_remove_entry(rt, wd, args[0]);
        mor_decref(rt, self);
    }
    return r < 0 ? NULL : mor_newref(mor_none(rt));
}

static mor_obj *weakdict_new(mor_rt *rt, bool weak_keys)
{
    weakdict_obj *wd = (weakdict_obj *)mori_gc_alloc(rt, &mori_weakdict_type, sizeof(weakdict_obj));
    if (wd == NULL)
        return NULL;
    wd->weak_keys = weak_keys;
    mori_gc_track(rt, &wd->head);
    wd->data = mor_dict(rt);
    mor_obj *selfref = wd->data ? mor_weakref(rt, &wd->head, NULL) : NULL;
    wd->remover = selfref ? mor_func_new(rt, "weakdict_remove", wd_remove_cb, selfref) : NULL;
    mor_xdecref(rt, selfref);
    if (wd->remover == NULL) {
        mor_decref(rt, &wd->head);
        return NULL;
    }
    return &wd->head;
}

mor_obj *mor_weak_value_dict(mor_rt *rt) { return weakdict_new(rt, false); }
mor_obj *mor_weak_key_dict(mor_rt *rt) { return weakdict_new(rt, true); }

/* A weak key dict's probe for key: the shared callback-less reference. */
static mor_obj *wd_probe(mor_rt *rt, mor_obj *key) { return mor_weakref(rt, key, NULL); }

static void wd_raise_key(mor_rt *rt, mor_obj *key)
{
    mor_obj *r = mor_repr(rt, key);
    if (r != NULL) {
        mor_raise(rt, MOR_EXC_KEY, "%s", mor_str_utf8(r, NULL));
        mor_decref(rt, r);
    }
}

/* ---- the mapping protocol ------------------------------------------------------------------ */

static mor_obj *weakdict_getitem(mor_rt *rt, mor_obj *self, mor_obj *key)
{
    weakdict_obj *wd = as_wd(self);
    mor_obj *found = NULL;
    int r;
    if (wd->weak_keys) {
        mor_obj *probe = wd_probe(rt, key);
        if (probe == NULL)
            return NULL;
        r = mor_dict_lookup(rt, wd->data, probe, &found);
        mor_decref(rt, probe);
        if (r > 0)
            return found;
    } else {
        r = mor_dict_lookup(rt, wd->data, key, &found);
        if (r > 0) {
            mor_obj *t = mori_weakref_target((mori_weakref *)found);
            mor_decref(rt, found);
            if (t != NULL)
                return mor_newref(t);
            r = 0; /* dead, removal pending */
        }
    }
    if (r == 0)
        wd_raise_key(rt, key);
    return NULL;
}

/* A stored reference that did not make it into the dictionary (an unhashable
 * key) must never call the remover: under a tracing collector it can outlive
 * this call, and its target's death would then look for a key that is not
 * there, or cannot be hashed. */
static void wd_disarm(mor_rt *rt, mor_obj *ref)
{
    mori_weakref *w = (mori_weakref *)ref;
    mor_obj *cb = w->callback;
    w->callback = NULL;
    mor_xdecref(rt, cb);
}

static int weakdict_setitem(mor_rt *rt, mor_obj *self, mor_obj *key, mor_obj *v)
{
    weakdict_obj *wd = as_wd(self);
    int r;
    if (v == NULL) { /* delete */
        if (wd->weak_keys) {
            mor_obj *probe = wd_probe(rt, key);
            if (probe == NULL)
                return -1;
            r = mor_dict_del(rt, wd->data, probe);
            mor_decref(rt, probe);
        } else {
            r = mor_dict_del(rt, wd->data, key);
        }
        if (r == 0)
            wd_raise_key(rt, key);
        return r > 0 ? 0 : -1;
    }
    if (wd->weak_keys) {
        mor_obj *ref = mori_keyedref_new(rt, key, wd->remover, NULL);
        if (ref == NULL)
            return -1;
        r = mor_dict_set(rt, wd->data, ref, v);
        if (r < 0)
            wd_disarm(rt, ref);
        mor_decref(rt, ref);
    } else {
        mor_obj *ref = mori_keyedref_new(rt, v, wd->remover, key);
        if (ref == NULL)
            return -1;
        r = mor_dict_set(rt, wd->data, key, ref);
        if (r < 0)
            wd_disarm(rt, ref);
        mor_decref(rt, ref);
    }
    return r;
}

static int64_t weakdict_len(mor_rt *rt, mor_obj *self)
{
    weakdict_obj *wd = as_wd(self);
    int64_t n = mor_len(rt, wd->data);
    if (wd->pending != NULL && n >= 0)
        n -= mor_len(rt, wd->pending);
    return n < 0 ? 0 : n;
}

static int weakdict_contains(mor_rt *rt, mor_obj *self, mor_obj *key)
{
    weakdict_obj *wd = as_wd(self);
    mor_obj *found = NULL;
    int r;
    if (wd->weak_keys) {
        if (key->refcnt == MOR_REFCNT_IMMORTAL || !(key->type->flags & MOR_TYPE_WEAKREF))
            return 0; /* cannot be a key */
        mor_obj *probe = wd_probe(rt, key);
        if (probe == NULL)
            return -1;
        r = mor_dict_lookup(rt, wd->data, probe, &found);
        mor_decref(rt, probe);
    } else {
        r = mor_dict_lookup(rt, wd->data, key, &found);
        if (r > 0 && mori_weakref_target((mori_weakref *)found) == NULL)
            r = 0;
    }
    mor_xdecref(rt, found);
    return r;
}

/* ---- iteration ---------------------------------------------------------------------------- */

typedef struct weakdictiter_obj {
    mor_obj head;
    mor_obj *wd;    /* NULL once finished */
    mor_obj *inner; /* iterator over wd->data's keys */
} weakdictiter_obj;

static void wditer_finish(mor_rt *rt, weakdictiter_obj *it)
{
    mor_obj *wd = it->wd, *inner = it->inner;
    it->wd = it->inner = NULL;
    if (wd != NULL) {
        as_wd(wd)->iterating--;
        wd_commit_removals(rt, as_wd(wd));
        mor_decref(rt, wd);
    }
    mor_xdecref(rt, inner);
}

static mor_obj *weakdict_iter(mor_rt *rt, mor_obj *self)
{
    weakdictiter_obj *it =
        (weakdictiter_obj *)mori_gc_alloc(rt, &mori_weakdictiter_type, sizeof(weakdictiter_obj));
    if (it == NULL)
        return NULL;
    mori_gc_track(rt, &it->head);
    it->inner = mor_iter(rt, as_wd(self)->data);
    if (it->inner == NULL) {
        mor_decref(rt, &it->head);
        return NULL;
    }
    it->wd = mor_newref(self);
    as_wd(self)->iterating++;
    return &it->head;
}

/* Live keys only: entries whose weak side died (removal pending) are skipped. */
static mor_obj *wditer_next(mor_rt *rt, mor_obj *self)
{
    weakdictiter_obj *it = (weakdictiter_obj *)self;
    while (it->wd != NULL) {
        mor_obj *k = mor_next(rt, it->inner);
        if (k == NULL) { /* exhausted, or an error is pending */
            wditer_finish(rt, it);
            return NULL;
        }
        weakdict_obj *wd = as_wd(it->wd);
        if (wd->weak_keys) {
            mor_obj *t = mori_weakref_target((mori_weakref *)k);
            mor_obj *out = t ? mor_newref(t) : NULL;
            mor_decref(rt, k);
            if (out != NULL)
                return out;
        } else {
            mor_obj *ref = NULL;
            int r = mor_dict_lookup(rt, wd->data, k, &ref);
            bool alive = r > 0 && mori_weakref_target((mori_weakref *)ref) != NULL;
            mor_xdecref(rt, ref);
            if (r < 0) {
                mor_decref(rt, k);
                return NULL;
            }
            if (alive)
                return k;
            mor_decref(rt, k);
        }
    }
    return NULL;
}

static mor_obj *wditer_iter(mor_rt *rt, mor_obj *self)
{
    (void)rt;
    return mor_newref(self);
}

static void wditer_dealloc(mor_rt *rt, mor_obj *self)
{
    wditer_finish(rt, (weakdictiter_obj *)self);
    mori_gc_free(rt, self, sizeof(weakdictiter_obj));
}

static int wditer_traverse(mor_obj *self, mor_visit_fn visit, void *arg)
{
    weakdictiter_obj *it = (weakdictiter_obj *)self;
    int r = it->wd ? visit(it->wd, arg) : 0;
    return r == 0 && it->inner ? visit(it->inner, arg) : r;
}

static void wditer_clear(mor_rt *rt, mor_obj *self) { wditer_finish(rt, (weakdictiter_obj *)self); }

const mor_type mori_weakdictiter_type = {
    .name = "weakdict_iterator",
    .basicsize = sizeof(weakdictiter_obj),
    .flags = MOR_TYPE_GC,
#ifdef MOR_BACKEND_BOEHM
    .finalize = wditer_clear, /* Boehm never calls dealloc: give back what it holds */
#endif
    .dealloc = wditer_dealloc,
    .traverse = wditer_traverse,
    .clear = wditer_clear,
    .iter = wditer_iter,
    .next = wditer_next,
};

/* ---- slots ------------------------------------------------------------------------------------- */

static void weakdict_clear(mor_rt *rt, mor_obj *self)
{
    weakdict_obj *wd = as_wd(self);
    mor_obj *data = wd->data, *remover = wd->remover, *pending = wd->pending;
    wd->data = wd->remover = wd->pending = NULL;
    mor_xdecref(rt, pending);
    mor_xdecref(rt, data);
    mor_xdecref(rt, remover);
}

static void weakdict_dealloc(mor_rt *rt, mor_obj *self)
{
    weakdict_clear(rt, self);
    mori_gc_free(rt, self, sizeof(weakdict_obj));
}

static int weakdict_traverse(mor_obj *self, mor_visit_fn visit, void *arg)
{
    weakdict_obj *wd = as_wd(self);
    mor_obj *refs[] = {wd->data, wd->remover, wd->pending};
    for (size_t i = 0; i < MORI_COUNTOF(refs); i++) {
        if (refs[i] != NULL) {
            int r = visit(refs[i], arg);
            if (r != 0)
                return r;
        }
    }
    return 0;
}

static mor_obj *weakdict_repr(mor_rt *rt, mor_obj *self)
{
    return mor_str_fmt(rt, "<%s at %p>",
                       as_wd(self)->weak_keys ? "WeakKeyDictionary" : "WeakValueDictionary",
                       (void *)self);
}

static const mor_container_slots weakdict_container = {
    .len = weakdict_len,
    .getitem = weakdict_getitem,
    .setitem = weakdict_setitem,
    .contains = weakdict_contains,
};

const mor_type mori_weakdict_type = {
    .name = "weakdict",
    .basicsize = sizeof(weakdict_obj),
    .flags = MOR_TYPE_GC | MOR_TYPE_WEAKREF,
    .dealloc = weakdict_dealloc,
    .traverse = weakdict_traverse,
    .clear = weakdict_clear,
    .repr = weakdict_repr,
    .iter = weakdict_iter,
    .container = &weakdict_container,
};
