/* runtime/types/dict.c: insertion-ordered hash tables, laid out as CPython's
 * compact dict: a sparse index array pointing into a dense array of entries,
 * both in one block. A dict holding only atomic keys and values is untracked
 * and becomes tracked when it receives a container (CPython 3.11). */
#include "../core/strbuf.h"
#include "types.h"

typedef struct dict_entry {
    int64_t hash;
    mor_obj *key;   /* NULL: a deleted entry */
    mor_obj *value;
} dict_entry;

/* Invariants:
 *  - table is NULL (and used == nentries == 0) or holds 2^log2 indices of
 *    ixsize bytes followed by usable(log2) entries;
 *  - entries[0..nentries) are live (key != NULL) or deleted (key == NULL);
 *    used counts the live ones, and each live entry has exactly one index
 *    slot pointing at it; deleted entries have a DUMMY slot or none;
 *  - log2 is kept in the header's type bits (it takes 6 of them), which keeps
 *    a dict of 5 str keys at 184 bytes, as in CPython. */
typedef struct dict_obj {
    mor_obj head;
    uint8_t *table;
    int64_t used;
    int64_t nentries;
} dict_obj;

#define DICT_LOG2_MIN 3
#define DICT_LOG2_MASK 0x3Fu
#define DICT_IX_EMPTY (-1)
#define DICT_IX_DUMMY (-2)
#define DICT_LOOKUP_ERROR (-2)

static inline dict_obj *as_dict(mor_obj *o) { return (dict_obj *)o; }
static inline unsigned dict_log2(const dict_obj *d)
{
    return (d->head.flags >> MORI_OF_TYPE_SHIFT) & DICT_LOG2_MASK;
}
static inline void dict_set_log2(dict_obj *d, unsigned log2)
{
    d->head.flags = (d->head.flags & ~(DICT_LOG2_MASK << MORI_OF_TYPE_SHIFT)) |
                    (log2 << MORI_OF_TYPE_SHIFT);
}
static inline int64_t dict_usable_for(unsigned log2) { return ((int64_t)2 << log2) / 3; }
static inline size_t dict_ixsize(unsigned log2)
{
    return log2 <= 7 ? 1 : log2 <= 15 ? 2 : log2 <= 31 ? 4 : 8;
}
static inline size_t dict_table_bytes(unsigned log2)
{
    return dict_ixsize(log2) * ((size_t)1 << log2) + (size_t)dict_usable_for(log2) * sizeof(dict_entry);
}
static inline dict_entry *dict_entries(const dict_obj *d)
{
    unsigned log2 = dict_log2(d);
    return (dict_entry *)(void *)(d->table + dict_ixsize(log2) * ((size_t)1 << log2));
}

static inline int64_t dict_get_ix(const uint8_t *table, unsigned log2, size_t i)
{
    switch (dict_ixsize(log2)) {
    case 1: return ((const int8_t *)table)[i];
    case 2: return ((const int16_t *)(const void *)table)[i];
    case 4: return ((const int32_t *)(const void *)table)[i];
    default: return ((const int64_t *)(const void *)table)[i];
    }
}

static inline void dict_set_ix(uint8_t *table, unsigned log2, size_t i, int64_t ix)
{
    switch (dict_ixsize(log2)) {
    case 1: ((int8_t *)table)[i] = (int8_t)ix; break;
    case 2: ((int16_t *)(void *)table)[i] = (int16_t)ix; break;
    case 4: ((int32_t *)(void *)table)[i] = (int32_t)ix; break;
    default: ((int64_t *)(void *)table)[i] = ix; break;
    }
}

/* The smallest table whose usable size holds `minused` entries with room. */
static unsigned dict_log2_for(int64_t minsize)
{
    unsigned log2 = DICT_LOG2_MIN;
    while (((int64_t)1 << log2) < minsize && log2 < 62)
        log2++;
    return log2;
}

/* Hash of a key, with the cached-str fast path. */
static inline int dict_hash(mor_rt *rt, mor_obj *key, int64_t *h)
{
    if (mori_is_str(key)) {
        *h = mori_str_hash(rt, key);
        return 0;
    }
    return mor_hash(rt, key, h);
}

/* Equality of two keys with equal hashes when no user code is needed:
 * 1/0, or -1 when the generic protocol must decide. */
static inline int dict_key_eq_fast(const mor_obj *a, const mor_obj *b)
{
    if (mori_is_str(a) && mori_is_str(b))
        return mori_str_equal(a, b);
    if (a->type == &mori_int_type && b->type == &mori_int_type && !(a->flags & MORI_INT_BIG) &&
        !(b->flags & MORI_INT_BIG))
        return mori_int_small_value(a) == mori_int_small_value(b);
    return -1;
}

/* Find key. Returns its entry index and stores its index-array position in
 * *slot, or returns -1 (absent), or DICT_LOOKUP_ERROR with an exception
 * pending. An __eq__ that changes the dict makes the search start over. */
static int64_t dict_lookup(mor_rt *rt, dict_obj *d, mor_obj *key, int64_t hash, size_t *slot)
{
restart:;
    uint8_t *table = d->table;
    if (table == NULL)
        return -1;
    unsigned log2 = dict_log2(d);
    size_t mask = ((size_t)1 << log2) - 1;
    dict_entry *entries = dict_entries(d);
    uint64_t perturb = (uint64_t)hash;
    size_t i = (size_t)hash & mask;
    for (;;) {
        int64_t ix = dict_get_ix(table, log2, i);
        if (ix == DICT_IX_EMPTY)
            return -1;
        if (ix >= 0) {
            dict_entry *ep = &entries[ix];
            if (ep->key == key) {
                *slot = i;
                return ix;
            }
            if (ep->hash == hash && ep->key != NULL) {
                mor_obj *sk = ep->key;
                int eq = dict_key_eq_fast(sk, key);
                if (eq < 0) {
                    mor_incref(sk);
                    eq = mor_eq(rt, sk, key);
                    mor_decref(rt, sk);
                    if (eq < 0)
                        return DICT_LOOKUP_ERROR;
                    if (d->table != table || dict_entries(d)[ix].key != sk)
                        goto restart;
                }
                if (eq) {
                    *slot = i;
                    return ix;
                }
            }
        }
        perturb >>= 5;
        i = (i * 5 + (size_t)perturb + 1) & mask;
    }
}

/* The first index slot with no live entry on the probe path of hash. */
static size_t dict_find_free_slot(const dict_obj *d, int64_t hash)
{
    unsigned log2 = dict_log2(d);
    size_t mask = ((size_t)1 << log2) - 1;
    uint64_t perturb = (uint64_t)hash;
    size_t i = (size_t)hash & mask;
    while (dict_get_ix(d->table, log2, i) >= 0) {
        perturb >>= 5;
        i = (i * 5 + (size_t)perturb + 1) & mask;
    }
    return i;
}

/* Move the live entries into a new table of 2^log2 slots (compacting away
 * deleted ones). The old table stays intact until the new one exists. */
static int dict_resize(mor_rt *rt, dict_obj *d, unsigned log2)
{
    size_t bytes = dict_table_bytes(log2);
    uint8_t *nt = mori_mem_alloc(rt, bytes, MORI_MEM_BUFFER);
    if (nt == NULL)
        return -1;
    size_t nslots = (size_t)1 << log2;
    memset(nt, 0xff, dict_ixsize(log2) * nslots); /* every index EMPTY (-1) */
    dict_entry *ne = (dict_entry *)(void *)(nt + dict_ixsize(log2) * nslots);
    uint8_t *old = d->table;
    unsigned old_log2 = dict_log2(d);
    int64_t n = 0;
    if (old != NULL) {
        dict_entry *oe = dict_entries(d);
        for (int64_t k = 0; k < d->nentries; k++)
            if (oe[k].key != NULL)
                ne[n++] = oe[k];
    }
    d->table = nt;
    dict_set_log2(d, log2);
    d->nentries = n;
    for (int64_t k = 0; k < n; k++)
        dict_set_ix(nt, log2, dict_find_free_slot(d, ne[k].hash), k);
    if (old != NULL)
        mori_mem_free(rt, old, dict_table_bytes(old_log2), MORI_MEM_BUFFER);
    return 0;
}

static void dict_maybe_track(mor_rt *rt, mor_obj *d, mor_obj *key, mor_obj *value)
{
    if (!(d->flags & MORI_OF_TRACKED) &&
        (mori_gc_may_be_tracked(key) || mori_gc_may_be_tracked(value)))
        mori_gc_track(rt, d);
}

int mori_dict_set_hashed(mor_rt *rt, mor_obj *o, mor_obj *key, int64_t hash, mor_obj *value)
{
    dict_obj *d = as_dict(o);
    /* hold both while __eq__ may run */
    mor_incref(key);
    mor_incref(value);
    size_t slot;
    int64_t ix = dict_lookup(rt, d, key, hash, &slot);
    if (ix == DICT_LOOKUP_ERROR)
        goto fail;
    if (ix >= 0) {
        dict_entry *ep = &dict_entries(d)[ix];
        mor_obj *old = ep->value;
        ep->value = value;
        dict_maybe_track(rt, o, key, value);
        mor_decref(rt, key);
        mor_decref(rt, old);
        return 0;
    }
    if (d->table == NULL || d->nentries >= dict_usable_for(dict_log2(d))) {
        if (dict_resize(rt, d, dict_log2_for(d->used * 3)) < 0)
            goto fail;
    }
    slot = dict_find_free_slot(d, hash);
    dict_entry *ep = &dict_entries(d)[d->nentries];
    ep->hash = hash;
    ep->key = key;
    ep->value = value;
    dict_set_ix(d->table, dict_log2(d), slot, d->nentries);
    d->nentries++;
    d->used++;
    dict_maybe_track(rt, o, key, value);
    return 0;
fail:
    mor_decref(rt, key);
    mor_decref(rt, value);
    return -1;
}

int mori_dict_get_hashed(mor_rt *rt, mor_obj *o, mor_obj *key, int64_t hash, mor_obj **out)
{
    size_t slot;
    int64_t ix = dict_lookup(rt, as_dict(o), key, hash, &slot);
    if (ix == DICT_LOOKUP_ERROR)
        return -1;
    if (ix < 0) {
        *out = NULL;
        return 0;
    }
    *out = dict_entries(as_dict(o))[ix].value;
    return 1;
}

/* Remove key: 1 removed, 0 absent, -1 error. Shrinks a table that became
 * mostly empty (hysteresis: the new table is at least twice what is used). */
static int dict_del(mor_rt *rt, dict_obj *d, mor_obj *key)
{
    int64_t hash;
    if (dict_hash(rt, key, &hash) < 0)
        return -1;
    size_t slot;
    int64_t ix = dict_lookup(rt, d, key, hash, &slot);
    if (ix == DICT_LOOKUP_ERROR)
        return -1;
    if (ix < 0)
        return 0;
    dict_entry *ep = &dict_entries(d)[ix];
    mor_obj *k = ep->key, *v = ep->value;
    ep->key = ep->value = NULL;
    dict_set_ix(d->table, dict_log2(d), slot, DICT_IX_DUMMY);
    d->used--;
    unsigned log2 = dict_log2(d);
    if (log2 > DICT_LOG2_MIN && d->used < dict_usable_for(log2) / 8) {
        if (dict_resize(rt, d, dict_log2_for(d->used * 3)) < 0)
            mor_err_clear(rt); /* shrinking is optional */
    }
    mor_decref(rt, k);
    mor_decref(rt, v);
    return 1;
}

static int dict_check(mor_rt *rt, const mor_obj *d, const char *fn)
{
    if (d->type == &mori_dict_type)
        return 0;
    mor_raise(rt, MOR_EXC_TYPE, "%s: expected a dict, got '%s'", fn, d->type->name);
    return -1;
}

int mori_dict_next(mor_obj *o, int64_t *pos, mor_obj **key, mor_obj **value)
{
    dict_obj *d = as_dict(o);
    if (d->table == NULL)
        return 0;
    dict_entry *entries = dict_entries(d);
    for (int64_t i = *pos; i < d->nentries; i++) {
        if (entries[i].key != NULL) {
            *pos = i + 1;
            if (key != NULL)
                *key = entries[i].key;
            if (value != NULL)
                *value = entries[i].value;
            return 1;
        }
    }
    *pos = d->nentries;
    return 0;
}

int64_t mori_dict_size(const mor_obj *d) { return ((const dict_obj *)d)->used; }

/* In full collections only (CPython 3.11): a dict holding only atomic keys
 * and values is untracked; it tracks itself again when it receives a
 * container (dict_maybe_track). */
static bool dict_untrack_ok(const mor_obj *self, bool full)
{
    const dict_obj *d = (const dict_obj *)self;
    if (!full)
        return false;
    if (d->table != NULL) {
        const dict_entry *entries = dict_entries(d);
        for (int64_t i = 0; i < d->nentries; i++) {
            if (entries[i].key == NULL)
                continue;
            if (mori_gc_may_be_tracked(entries[i].key) || mori_gc_may_be_tracked(entries[i].value))
                return false;
        }
    }
    return true;
}

/* ---- public API ------------------------------------------------------------------------ */

mor_obj *mor_dict(mor_rt *rt)
{
    mor_obj *o = mori_gc_alloc(rt, &mori_dict_type, sizeof(dict_obj));
    /* born untracked: it holds nothing yet (3.11) */
    return o;
}

bool mor_is_dict(const mor_obj *o) { return o->type == &mori_dict_type; }

int mor_dict_set(mor_rt *rt, mor_obj *d, mor_obj *k, mor_obj *v)
{
    if (dict_check(rt, d, "mor_dict_set") < 0)
        return -1;
    int64_t hash;
    if (dict_hash(rt, k, &hash) < 0)
        return -1;
    return mori_dict_set_hashed(rt, d, k, hash, v);
}

int mor_dict_lookup(mor_rt *rt, mor_obj *d, mor_obj *k, mor_obj **out)
{
    *out = NULL;
    if (dict_check(rt, d, "mor_dict_lookup") < 0)
        return -1;
    int64_t hash;
    if (dict_hash(rt, k, &hash) < 0)
        return -1;
    int r = mori_dict_get_hashed(rt, d, k, hash, out);
    if (r > 0)
        mor_incref(*out);
    return r;
}

int mor_dict_del(mor_rt *rt, mor_obj *d, mor_obj *k)
{
    if (dict_check(rt, d, "mor_dict_del") < 0)
        return -1;
    return dict_del(rt, as_dict(d), k);
}

/* Detach the table first: releasing keys and values may run code that looks
 * at the dict, which must then see it empty. */
static void dict_release_all(mor_rt *rt, dict_obj *d)
{
    uint8_t *table = d->table;
    if (table == NULL)
        return;
    dict_entry *entries = dict_entries(d);
    int64_t n = d->nentries;
    unsigned log2 = dict_log2(d);
    d->table = NULL;
    d->used = d->nentries = 0;
    dict_set_log2(d, 0);
    for (int64_t i = 0; i < n; i++) {
        if (entries[i].key != NULL) {
            mor_decref(rt, entries[i].key);
            mor_decref(rt, entries[i].value);
        }
    }
    mori_mem_free(rt, table, dict_table_bytes(log2), MORI_MEM_BUFFER);
}

int mor_dict_clear(mor_rt *rt, mor_obj *d)
{
    if (dict_check(rt, d, "mor_dict_clear") < 0)
        return -1;
    dict_release_all(rt, as_dict(d));
    return 0;
}

/* ---- iterators over keys, values and items --------------------------------------------- */

typedef enum dictiter_kind { DICTITER_KEYS, DICTITER_VALUES, DICTITER_ITEMS } dictiter_kind;

typedef struct dictiter_obj {
    mor_obj head;
    mor_obj *dict;      /* NULL once exhausted */
    int64_t pos;
    int64_t used;       /* the dict's size when the iterator was made */
    int64_t remaining;  /* items still to yield */
    dictiter_kind kind;
} dictiter_obj;

extern const mor_type mori_dictiter_type MOR_INTERNAL;

static mor_obj *dictiter_new(mor_rt *rt, mor_obj *d, dictiter_kind kind, const char *fn)
{
    if (dict_check(rt, d, fn) < 0)
        return NULL;
    dictiter_obj *it = (dictiter_obj *)mori_gc_alloc(rt, &mori_dictiter_type, sizeof(dictiter_obj));
    if (it == NULL)
        return NULL;
    it->dict = mor_newref(d);
    it->pos = 0;
    it->used = it->remaining = as_dict(d)->used;
    it->kind = kind;
    mori_gc_track(rt, &it->head);
    return &it->head;
}

mor_obj *mor_dict_keys(mor_rt *rt, mor_obj *d)
{
    return dictiter_new(rt, d, DICTITER_KEYS, "mor_dict_keys");
}

mor_obj *mor_dict_values(mor_rt *rt, mor_obj *d)
{
    return dictiter_new(rt, d, DICTITER_VALUES, "mor_dict_values");
}

mor_obj *mor_dict_items(mor_rt *rt, mor_obj *d)
{
    return dictiter_new(rt, d, DICTITER_ITEMS, "mor_dict_items");
}

static void dictiter_finish(mor_rt *rt, dictiter_obj *it)
{
    mor_obj *d = it->dict;
    it->dict = NULL;
    mor_xdecref(rt, d);
}

static mor_obj *dictiter_next(mor_rt *rt, mor_obj *self)
{
    dictiter_obj *it = (dictiter_obj *)self;
    if (it->dict == NULL)
        return NULL;
    dict_obj *d = as_dict(it->dict);
    if (d->used != it->used) {
        it->used = -1; /* stays broken */
        mor_raise(rt, MOR_EXC_RUNTIME, "dictionary changed size during iteration");
        return NULL;
    }
    mor_obj *k, *v;
    if (!mori_dict_next(it->dict, &it->pos, &k, &v)) {
        bool changed = it->remaining != 0;
        dictiter_finish(rt, it);
        if (changed) {
            mor_raise(rt, MOR_EXC_RUNTIME, "dictionary keys changed during iteration");
        }
        return NULL;
    }
    if (--it->remaining < 0) {
        mor_raise(rt, MOR_EXC_RUNTIME, "dictionary keys changed during iteration");
        return NULL;
    }
    switch (it->kind) {
    case DICTITER_KEYS: return mor_newref(k);
    case DICTITER_VALUES: return mor_newref(v);
    default: return mor_tuple(rt, 2, k, v);
    }
}

static mor_obj *dictiter_iter(mor_rt *rt, mor_obj *self)
{
    (void)rt;
    return mor_newref(self);
}

static void dictiter_dealloc(mor_rt *rt, mor_obj *self)
{
    dictiter_finish(rt, (dictiter_obj *)self);
    mori_gc_free(rt, self, sizeof(dictiter_obj));
}

static int dictiter_traverse(mor_obj *self, mor_visit_fn visit, void *arg)
{
    dictiter_obj *it = (dictiter_obj *)self;
    return it->dict ? visit(it->dict, arg) : 0;
}

static void dictiter_clear(mor_rt *rt, mor_obj *self) { dictiter_finish(rt, (dictiter_obj *)self); }

const mor_type mori_dictiter_type = {
    .name = "dict_iterator",
    .basicsize = sizeof(dictiter_obj),
    .flags = MOR_TYPE_GC,
    .dealloc = dictiter_dealloc,
    .traverse = dictiter_traverse,
    .clear = dictiter_clear,
    .iter = dictiter_iter,
    .next = dictiter_next,
};

/* ---- slots ---------------------------------------------------------------------------------- */

static void dict_dealloc(mor_rt *rt, mor_obj *self)
{
    dict_release_all(rt, as_dict(self));
    mori_gc_free(rt, self, sizeof(dict_obj));
}

static int dict_traverse(mor_obj *self, mor_visit_fn visit, void *arg)
{
    dict_obj *d = as_dict(self);
    if (d->table == NULL)
        return 0;
    dict_entry *entries = dict_entries(d);
    for (int64_t i = 0; i < d->nentries; i++) {
        if (entries[i].key == NULL)
            continue;
        int r = visit(entries[i].key, arg);
        if (r == 0)
            r = visit(entries[i].value, arg);
        if (r != 0)
            return r;
    }
    return 0;
}

static void dict_clear_slot(mor_rt *rt, mor_obj *self) { dict_release_all(rt, as_dict(self)); }

static mor_obj *dict_repr(mor_rt *rt, mor_obj *self)
{
    dict_obj *d = as_dict(self);
    if (d->used == 0)
        return mori_str_from_ascii(rt, "{}", 2);
    int r = mori_repr_enter(rt, self);
    if (r != 0)
        return r > 0 ? mori_str_from_ascii(rt, "{...}", 5) : NULL;
    mori_sb sb;
    mori_sb_init(&sb, rt);
    mori_sb_addc(&sb, '{');
    int64_t pos = 0;
    mor_obj *k, *v;
    bool first = true;
    while (!sb.failed && mori_dict_next(self, &pos, &k, &v)) {
        if (!first)
            mori_sb_add(&sb, ", ", 2);
        first = false;
        /* keep both alive: their reprs may change the dict */
        mor_incref(k);
        mor_incref(v);
        mori_sb_add_repr(&sb, k);
        mori_sb_add(&sb, ": ", 2);
        mori_sb_add_repr(&sb, v);
        mor_decref(rt, k);
        mor_decref(rt, v);
    }
    mori_sb_addc(&sb, '}');
    mori_repr_leave(rt, self);
    return mori_sb_finish(&sb);
}

static int dict_eq(mor_rt *rt, mor_obj *self, mor_obj *other)
{
    if (other->type != &mori_dict_type)
        return MOR_NOTIMPL;
    if (as_dict(self)->used != as_dict(other)->used)
        return 0;
    if (mori_enter(rt, " in comparison") < 0)
        return -1;
    int r = 1;
    int64_t pos = 0;
    mor_obj *k, *v;
    while (r == 1 && mori_dict_next(self, &pos, &k, &v)) {
        int64_t hash;
        mor_incref(k);
        mor_incref(v);
        mor_obj *ov;
        r = dict_hash(rt, k, &hash) < 0 ? -1 : mori_dict_get_hashed(rt, other, k, hash, &ov);
        if (r == 1) {
            mor_incref(ov);
            r = mor_eq(rt, v, ov);
            mor_decref(rt, ov);
        }
        mor_decref(rt, k);
        mor_decref(rt, v);
    }
    mori_leave(rt);
    return r;
}

static int64_t dict_len(mor_rt *rt, mor_obj *self)
{
    (void)rt;
    return as_dict(self)->used;
}

static mor_obj *dict_getitem(mor_rt *rt, mor_obj *self, mor_obj *key)
{
    int64_t hash;
    if (dict_hash(rt, key, &hash) < 0)
        return NULL;
    mor_obj *v;
    int r = mori_dict_get_hashed(rt, self, key, hash, &v);
    if (r > 0)
        return mor_newref(v);
    if (r == 0) {
        mor_obj *kr = mor_repr(rt, key);
        if (kr != NULL) {
            mor_raise(rt, MOR_EXC_KEY, "%s", mori_str_data(kr));
            mor_decref(rt, kr);
        }
    }
    return NULL;
}

static int dict_setitem(mor_rt *rt, mor_obj *self, mor_obj *key, mor_obj *v)
{
    if (v != NULL)
        return mor_dict_set(rt, self, key, v);
    int r = dict_del(rt, as_dict(self), key);
    if (r == 0) {
        mor_obj *kr = mor_repr(rt, key);
        if (kr != NULL) {
            mor_raise(rt, MOR_EXC_KEY, "%s", mori_str_data(kr));
            mor_decref(rt, kr);
        }
        return -1;
    }
    return r < 0 ? -1 : 0;
}

static int dict_contains(mor_rt *rt, mor_obj *self, mor_obj *key)
{
    int64_t hash;
    if (dict_hash(rt, key, &hash) < 0)
        return -1;
    mor_obj *v;
    return mori_dict_get_hashed(rt, self, key, hash, &v);
}

static mor_obj *dict_iter(mor_rt *rt, mor_obj *self)
{
    return dictiter_new(rt, self, DICTITER_KEYS, "iter");
}

static size_t dict_size_of(const mor_obj *self)
{
    const dict_obj *d = (const dict_obj *)self;
    size_t n = MORI_GC_HEAD_SIZE + sizeof(dict_obj);
    if (d->table != NULL)
        n += dict_table_bytes(dict_log2(d));
    return n;
}

static const mor_container_slots dict_container = {
    .len = dict_len,
    .getitem = dict_getitem,
    .setitem = dict_setitem,
    .contains = dict_contains,
};

const mor_type mori_dict_type = {
    .name = "dict",
    .basicsize = sizeof(dict_obj),
    .flags = MOR_TYPE_GC,
    .dealloc = dict_dealloc,
    .traverse = dict_traverse,
    .clear = dict_clear_slot,
    .repr = dict_repr,
    .eq = dict_eq,
    .iter = dict_iter,
    .size_of = dict_size_of,
    .container = &dict_container,
    .untrack_ok = dict_untrack_ok,
};
