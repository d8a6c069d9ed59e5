/* runtime/inspect/copy.c: shallow and deep copies of the built-in containers.
 * Immutable atomic objects are shared, never copied; mor_deepcopy keeps
 * cycles and shared sub-objects in shape through a memo keyed by identity. */
#include "../core/rt.h"
#include "../types/types.h"

static bool copy_is_atomic(mor_rt *rt, const mor_obj *o)
{
    const mor_type *t = o->type;
    return t == &mori_int_type || t == &mori_bool_type || t == &mori_float_type ||
           t == &mori_str_type || t == &mori_bytes_type || t == &mori_none_type ||
           t == &mori_notimpl_type || o == rt->empty_tuple;
}

mor_obj *mor_copy(mor_rt *rt, mor_obj *o)
{
    const mor_type *t = o->type;
    if (copy_is_atomic(rt, o) || t == &mori_tuple_type)
        return mor_newref(o);
    if (t == &mori_list_type)
        return mor_slice(rt, o, MOR_SLICE_NONE, MOR_SLICE_NONE, 1);
    if (t == &mori_set_type)
        return mor_set_from(rt, o);
    if (t == &mori_dict_type) {
        mor_obj *d = mor_dict(rt);
        if (d == NULL)
            return NULL;
        int64_t pos = 0;
        mor_obj *k, *v;
        while (mori_dict_next(o, &pos, &k, &v)) {
            if (mor_dict_set(rt, d, k, v) < 0) {
                mor_decref(rt, d);
                return NULL;
            }
        }
        return d;
    }
    mor_raise(rt, MOR_EXC_TYPE, "cannot copy '%s' object", t->name);
    return NULL;
}

/* ---- deep copies ---------------------------------------------------------------------------- */

/* The memo: original -> copy, open addressing on the address. It owns a
 * reference to both, so nothing it names can die (and be reused) mid-copy. */
typedef struct memo_entry {
    mor_obj *orig, *copy;
} memo_entry;

typedef struct copy_memo {
    memo_entry *slots;
    size_t mask, used;
} copy_memo;

static size_t memo_hash(const mor_obj *o) { return (size_t)(((uintptr_t)o >> 4) * 0x9E3779B97F4A7C15ULL); }

static mor_obj *memo_get(const copy_memo *m, const mor_obj *o)
{
    if (m->slots == NULL)
        return NULL;
    for (size_t i = memo_hash(o) & m->mask;; i = (i + 1) & m->mask) {
        if (m->slots[i].orig == o)
            return m->slots[i].copy;
        if (m->slots[i].orig == NULL)
            return NULL;
    }
}

static int memo_put(mor_rt *rt, copy_memo *m, mor_obj *o, mor_obj *copy)
{
    if (m->slots == NULL || (m->used + 1) * 2 > m->mask + 1) {
        size_t nsize = m->slots ? (m->mask + 1) * 2 : 64;
        memo_entry *ns = mori_mem_zalloc(rt, nsize * sizeof(memo_entry), MORI_MEM_BUFFER);
        if (ns == NULL)
            return -1;
        for (size_t i = 0; m->slots != NULL && i <= m->mask; i++) {
            if (m->slots[i].orig == NULL)
                continue;
            size_t j = memo_hash(m->slots[i].orig) & (nsize - 1);
            while (ns[j].orig != NULL)
                j = (j + 1) & (nsize - 1);
            ns[j] = m->slots[i];
        }
        if (m->slots != NULL)
            mori_mem_free(rt, m->slots, (m->mask + 1) * sizeof(memo_entry), MORI_MEM_BUFFER);
        m->slots = ns;
        m->mask = nsize - 1;
    }
    size_t i = memo_hash(o) & m->mask;
    while (m->slots[i].orig != NULL)
        i = (i + 1) & m->mask;
    m->slots[i].orig = mor_newref(o);
    m->slots[i].copy = mor_newref(copy);
    m->used++;
    return 0;
}

static void memo_free(mor_rt *rt, copy_memo *m)
{
    if (m->slots == NULL)
        return;
    for (size_t i = 0; i <= m->mask; i++) {
        if (m->slots[i].orig != NULL) {
            mor_decref(rt, m->slots[i].orig);
            mor_decref(rt, m->slots[i].copy);
        }
    }
    mori_mem_free(rt, m->slots, (m->mask + 1) * sizeof(memo_entry), MORI_MEM_BUFFER);
}

static mor_obj *deepcopy_rec(mor_rt *rt, mor_obj *o, copy_memo *m);

static mor_obj *deepcopy_tuple(mor_rt *rt, mor_obj *o, copy_memo *m)
{
    mori_tuple *t = (mori_tuple *)o;
    size_t n = (size_t)t->v.size;
    mor_obj *r = mori_tuple_new(rt, n);
    if (r == NULL)
        return NULL;
    bool same = true;
    for (size_t i = 0; i < n; i++) {
        mor_obj *c = deepcopy_rec(rt, t->items[i], m);
        if (c == NULL) {
            mor_decref(rt, r);
            return NULL;
        }
        ((mori_tuple *)r)->items[i] = c;
        same = same && c == t->items[i];
    }
    mori_gc_track(rt, r);
    /* a cycle through this tuple may have copied it already */
    mor_obj *done = memo_get(m, o);
    if (done != NULL || same) {
        mor_decref(rt, r);
        return mor_newref(done ? done : o);
    }
    if (memo_put(rt, m, o, r) < 0) {
        mor_decref(rt, r);
        return NULL;
    }
    return r;
}

static mor_obj *deepcopy_list(mor_rt *rt, mor_obj *o, copy_memo *m)
{
    mor_obj *r = mori_list_new(rt, 0);
    if (r == NULL || memo_put(rt, m, o, r) < 0)
        goto fail;
    /* the original may change while items are copied: index it afresh */
    for (int64_t i = 0; i < ((mori_list *)o)->size; i++) {
        mor_obj *c = deepcopy_rec(rt, ((mori_list *)o)->items[i], m);
        if (c == NULL || mor_list_append_steal(rt, r, c) < 0)
            goto fail;
    }
    return r;
fail:
    mor_xdecref(rt, r);
    return NULL;
}

static mor_obj *deepcopy_dict(mor_rt *rt, mor_obj *o, copy_memo *m)
{
    mor_obj *r = mor_dict(rt);
    if (r == NULL || memo_put(rt, m, o, r) < 0)
        goto fail;
    int64_t pos = 0;
    mor_obj *k, *v;
    while (mori_dict_next(o, &pos, &k, &v)) {
        mor_incref(v);
        mor_obj *ck = deepcopy_rec(rt, k, m);
        mor_obj *cv = ck ? deepcopy_rec(rt, v, m) : NULL;
        mor_decref(rt, v);
        int rc = cv ? mor_dict_set(rt, r, ck, cv) : -1;
        mor_xdecref(rt, ck);
        mor_xdecref(rt, cv);
        if (rc < 0)
            goto fail;
    }
    return r;
fail:
    mor_xdecref(rt, r);
    return NULL;
}

static mor_obj *deepcopy_set(mor_rt *rt, mor_obj *o, copy_memo *m)
{
    mor_obj *r = mor_set(rt);
    if (r == NULL || memo_put(rt, m, o, r) < 0)
        goto fail;
    int64_t pos = 0;
    mor_obj *k;
    while (mori_set_next(o, &pos, &k)) {
        mor_obj *ck = deepcopy_rec(rt, k, m);
        int rc = ck ? mor_set_add(rt, r, ck) : -1;
        mor_xdecref(rt, ck);
        if (rc < 0)
            goto fail;
    }
    return r;
fail:
    mor_xdecref(rt, r);
    return NULL;
}

static mor_obj *deepcopy_rec(mor_rt *rt, mor_obj *o, copy_memo *m)
{
    if (copy_is_atomic(rt, o))
        return mor_newref(o);
    mor_obj *done = memo_get(m, o);
    if (done != NULL)
        return mor_newref(done);
    if (mori_enter(rt, " while deep-copying an object") < 0)
        return NULL;
    mor_obj *r;
    const mor_type *t = o->type;
    if (t == &mori_tuple_type)
        r = deepcopy_tuple(rt, o, m);
    else if (t == &mori_list_type)
        r = deepcopy_list(rt, o, m);
    else if (t == &mori_dict_type)
        r = deepcopy_dict(rt, o, m);
    else if (t == &mori_set_type)
        r = deepcopy_set(rt, o, m);
    else {
        mor_raise(rt, MOR_EXC_TYPE, "cannot deep-copy '%s' object", t->name);
        r = NULL;
    }
    mori_leave(rt);
    return r;
}

mor_obj *mor_deepcopy(mor_rt *rt, mor_obj *o)
{
    copy_memo m = {NULL, 0, 0};
    mor_obj *r = deepcopy_rec(rt, o, &m);
    memo_free(rt, &m);
    return r;
}
