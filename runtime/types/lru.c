/* runtime/types/lru.c: functools.lru_cache: a dict from argument keys to
 * nodes that also sit on a recency list, so that a hit, a miss and an
 * eviction are each O(1). */
#include "class.h"

typedef struct lru_link {
    struct lru_link *prev, *next;
} lru_link;

/* A node is a small object held by the cache's dict (as the value of its
 * key). It is not a GC type: the cache's traverse reports the node's key and
 * result, which the cache owns through it. */
typedef struct lru_node {
    mor_obj head;
    lru_link link; /* on the cache's recency list: oldest first */
    mor_obj *key;
    mor_obj *result;
} lru_node;

typedef struct lru_obj {
    mor_obj head;
    mor_obj *fn;
    mor_obj *cache; /* dict: key -> node */
    lru_link root;  /* sentinel: root.next is the least recently used */
    size_t maxsize; /* 0: unbounded */
    size_t hits, misses;
} lru_obj;

extern const mor_type mori_lru_type MOR_INTERNAL;
extern const mor_type mori_lru_node_type MOR_INTERNAL;

static inline lru_node *node_of(lru_link *l)
{
    return (lru_node *)(void *)((char *)l - offsetof(lru_node, link));
}

static void link_remove(lru_link *l)
{
    l->prev->next = l->next;
    l->next->prev = l->prev;
    l->prev = l->next = l;
}

static void link_append(lru_link *root, lru_link *l)
{
    l->prev = root->prev;
    l->next = root;
    root->prev->next = l;
    root->prev = l;
}

/* ---- nodes ----------------------------------------------------------------------------------- */

static mor_obj *lru_node_new(mor_rt *rt, mor_obj *key, mor_obj *result)
{
    lru_node *n = (lru_node *)mori_obj_alloc(rt, &mori_lru_node_type, sizeof(lru_node));
    if (n == NULL)
        return NULL;
    n->link.prev = n->link.next = &n->link;
    n->key = mor_newref(key);
    n->result = mor_newref(result);
    return &n->head;
}

static void lru_node_dealloc(mor_rt *rt, mor_obj *self)
{
    lru_node *n = (lru_node *)self;
    link_remove(&n->link);
    mor_obj *k = n->key, *r = n->result;
    mori_obj_free(rt, self, sizeof(lru_node));
    mor_decref(rt, k);
    mor_decref(rt, r);
}

const mor_type mori_lru_node_type = {
    .name = "_lru_node",
    .basicsize = sizeof(lru_node),
    .dealloc = lru_node_dealloc,
};

/* ---- the cache ---------------------------------------------------------------------------------- */

mor_obj *mor_lru_cache(mor_rt *rt, mor_obj *fn, size_t maxsize)
{
    if (fn->type->call == NULL) {
        mor_raise(rt, MOR_EXC_TYPE, "the lru_cache target must be callable, not '%s'",
                  fn->type->name);
        return NULL;
    }
    mor_obj *d = mor_dict(rt);
    if (d == NULL)
        return NULL;
    lru_obj *c = (lru_obj *)mori_gc_alloc(rt, &mori_lru_type, sizeof(lru_obj));
    if (c == NULL) {
        mor_decref(rt, d);
        return NULL;
    }
    c->fn = mor_newref(fn);
    c->cache = d;
    c->root.prev = c->root.next = &c->root;
    c->maxsize = maxsize;
    mori_gc_track(rt, &c->head);
    return &c->head;
}

static int lru_check(mor_rt *rt, const mor_obj *c, const char *fn)
{
    if (c->type == &mori_lru_type)
        return 0;
    mor_raise(rt, MOR_EXC_TYPE, "%s: expected an lru_cache, got '%s'", fn, c->type->name);
    return -1;
}

int mor_lru_cache_info(mor_rt *rt, mor_obj *o, size_t *hits, size_t *misses, size_t *currsize)
{
    if (lru_check(rt, o, "mor_lru_cache_info") < 0)
        return -1;
    lru_obj *c = (lru_obj *)o;
    if (hits != NULL)
        *hits = c->hits;
    if (misses != NULL)
        *misses = c->misses;
    if (currsize != NULL)
        *currsize = c->cache ? (size_t)mori_dict_size(c->cache) : 0;
    return 0;
}

int mor_lru_cache_clear(mor_rt *rt, mor_obj *o)
{
    if (lru_check(rt, o, "mor_lru_cache_clear") < 0)
        return -1;
    lru_obj *c = (lru_obj *)o;
    c->hits = c->misses = 0;
    return c->cache ? mor_dict_clear(rt, c->cache) : 0;
}

/* The key of a call: the argument itself for one int or str (as CPython's
 * fast path), else the tuple of the arguments. */
static mor_obj *lru_make_key(mor_rt *rt, size_t nargs, mor_obj *const *args)
{
    if (nargs == 1 && (mor_is_int(args[0]) || mor_is_str(args[0])))
        return mor_newref(args[0]);
    return mor_tuple_from(rt, nargs, args);
}

static mor_obj *lru_call(mor_rt *rt, mor_obj *self, size_t nargs, mor_obj *const *args)
{
    lru_obj *c = (lru_obj *)self;
    if (c->cache == NULL) {
        mor_raise(rt, MOR_EXC_RUNTIME, "the lru_cache was cleared by the collector");
        return NULL;
    }
    mor_obj *key = lru_make_key(rt, nargs, args);
    if (key == NULL)
        return NULL;
    int64_t hash;
    if (mor_hash(rt, key, &hash) < 0) {
        mor_decref(rt, key);
        return NULL;
    }
    mor_obj *found;
    int r = mori_dict_get_hashed(rt, c->cache, key, hash, &found);
    if (r < 0)
        goto fail;
    if (r > 0) { /* a hit: the most recent now */
        lru_node *n = (lru_node *)found;
        link_remove(&n->link);
        link_append(&c->root, &n->link);
        c->hits++;
        mor_decref(rt, key);
        return mor_newref(n->result);
    }
    c->misses++;
    mor_obj *result = mor_call(rt, c->fn, nargs, args);
    if (result == NULL || c->cache == NULL)
        goto fail_result;
    /* the call may have cached this key itself (recursion): keep that entry */
    r = mori_dict_get_hashed(rt, c->cache, key, hash, &found);
    if (r != 0) {
        mor_decref(rt, key);
        if (r < 0) {
            mor_decref(rt, result);
            return NULL;
        }
        return result;
    }
    if (c->maxsize > 0 && (size_t)mori_dict_size(c->cache) >= c->maxsize) {
        lru_node *oldest = node_of(c->root.next);
        mor_obj *okey = mor_newref(oldest->key);
        link_remove(&oldest->link);
        int d = mor_dict_del(rt, c->cache, okey); /* frees the node */
        mor_decref(rt, okey);
        if (d < 0)
            goto fail_result;
    }
    mor_obj *node = lru_node_new(rt, key, result);
    if (node == NULL)
        goto fail_result;
    r = mori_dict_set_hashed(rt, c->cache, key, hash, node);
    if (r == 0)
        link_append(&c->root, &((lru_node *)node)->link);
    mor_decref(rt, node);
    if (r < 0)
        goto fail_result;
    mor_decref(rt, key);
    return result;
fail_result:
    mor_xdecref(rt, result);
fail:
    mor_decref(rt, key);
    return NULL;
}

static mor_obj *lru_clear_cfunc(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)nargs;
    (void)args;
    if (mor_lru_cache_clear(rt, data) < 0)
        return NULL;
    return mor_newref(mor_none(rt));
}

static mor_obj *lru_getattr(mor_rt *rt, mor_obj *self, const char *name)
{
    lru_obj *c = (lru_obj *)self;
    if (strcmp(name, "cache_clear") == 0)
        return mor_func_new(rt, "cache_clear", lru_clear_cfunc, self);
    if (strcmp(name, "cache_info") == 0) {
        mor_obj *h = mor_int_from_u64(rt, c->hits), *m = mor_int_from_u64(rt, c->misses);
        mor_obj *mx = mor_int_from_u64(rt, c->maxsize);
        mor_obj *cs = mor_int(rt, c->cache ? mori_dict_size(c->cache) : 0);
        mor_obj *t = h && m && mx && cs ? mor_tuple(rt, 4, h, m, mx, cs) : NULL;
        mor_xdecref(rt, h);
        mor_xdecref(rt, m);
        mor_xdecref(rt, mx);
        mor_xdecref(rt, cs);
        return t;
    }
    if (strcmp(name, "__wrapped__") == 0 && c->fn != NULL)
        return mor_newref(c->fn);
    mor_raise(rt, MOR_EXC_ATTRIBUTE, "'lru_cache' object has no attribute '%s'", name);
    return NULL;
}

static int lru_traverse(mor_obj *self, mor_visit_fn visit, void *arg)
{
    lru_obj *c = (lru_obj *)self;
    int r = 0;
    if (c->fn != NULL && (r = visit(c->fn, arg)) != 0)
        return r;
    if (c->cache != NULL && (r = visit(c->cache, arg)) != 0)
        return r;
    /* the nodes are not GC objects: report what they hold */
    for (lru_link *l = c->root.next; l != &c->root; l = l->next) {
        lru_node *n = node_of(l);
        if ((r = visit(n->key, arg)) != 0 || (r = visit(n->result, arg)) != 0)
            return r;
    }
    return 0;
}

static void lru_clear(mor_rt *rt, mor_obj *self)
{
    lru_obj *c = (lru_obj *)self;
    mor_obj *fn = c->fn, *cache = c->cache;
    c->fn = c->cache = NULL;
    mor_xdecref(rt, cache); /* frees the nodes, which unlink themselves */
    mor_xdecref(rt, fn);
}

static void lru_dealloc(mor_rt *rt, mor_obj *self)
{
    lru_clear(rt, self);
    mori_gc_free(rt, self, sizeof(lru_obj));
}

static mor_obj *lru_repr(mor_rt *rt, mor_obj *self)
{
    lru_obj *c = (lru_obj *)self;
    mor_obj *fr = c->fn ? mor_repr(rt, c->fn) : NULL;
    if (fr == NULL && c->fn != NULL)
        return NULL;
    mor_obj *r = mor_str_fmt(rt, "<lru_cache of %s, maxsize %zu>", fr ? mor_str_utf8(fr, NULL) : "?",
                             c->maxsize);
    mor_xdecref(rt, fr);
    return r;
}

const mor_type mori_lru_type = {
    .name = "lru_cache",
    .basicsize = sizeof(lru_obj),
    .flags = MOR_TYPE_GC | MOR_TYPE_WEAKREF,
    .dealloc = lru_dealloc,
    .traverse = lru_traverse,
    .clear = lru_clear,
    .repr = lru_repr,
    .call = lru_call,
    .getattr = lru_getattr,
};
