/* runtime/types/set.c: mutable sets: an open-addressing table of (hash, key)
 * entries probed like the dict's, with a dummy marker for deleted slots. */
#include "../core/strbuf.h"
#include "types.h"

typedef struct set_entry {
    int64_t hash;
    mor_obj *key; /* NULL: empty; SET_DUMMY: deleted */
} set_entry;

/* Invariants: table is NULL (used == fill == 0, mask == 0) or has mask + 1
 * (a power of two, >= 8) entries; used live keys, fill live + dummy; fill
 * stays below 60% of the table so probes always meet an empty slot. */
typedef struct set_obj {
    mor_obj head;
    set_entry *table;
    int64_t used;
    int64_t fill;
    int64_t mask;
} set_obj;

static const int set_dummy_ = 0;
#define SET_DUMMY ((mor_obj *)(uintptr_t)&set_dummy_)
#define SET_MINSIZE 8

static inline set_obj *as_set(mor_obj *o) { return (set_obj *)o; }
static inline size_t set_table_bytes(int64_t mask)
{
    return (size_t)(mask + 1) * sizeof(set_entry);
}

static inline int set_hash(mor_rt *rt, mor_obj *key, int64_t *h)
{
    if (mori_is_str(key)) {
        *h = mori_str_hash(rt, key);
        return 0;
    }
    return mor_hash(rt, key, h);
}

/* Find key: the entry holding it (1), or the first free entry of its probe
 * path (0, *out NULL if the path holds no free slot: cannot happen given the
 * fill bound), or -1 on error. An __eq__ that changes the set restarts. */
static int set_lookup(mor_rt *rt, set_obj *s, mor_obj *key, int64_t hash, set_entry **out)
{
restart:;
    set_entry *table = s->table;
    *out = NULL;
    if (table == NULL)
        return 0;
    size_t mask = (size_t)s->mask;
    uint64_t perturb = (uint64_t)hash;
    size_t i = (size_t)hash & mask;
    set_entry *free_slot = NULL;
    for (;;) {
        set_entry *e = &table[i];
        if (e->key == NULL) {
            *out = free_slot ? free_slot : e;
            return 0;
        }
        if (e->key == SET_DUMMY) {
            if (free_slot == NULL)
                free_slot = e;
        } else if (e->key == key) {
            *out = e;
            return 1;
        } else if (e->hash == hash) {
            mor_obj *sk = e->key;
            int eq;
            if (mori_is_str(sk) && mori_is_str(key)) {
                eq = mori_str_equal(sk, key);
            } else {
                mor_incref(sk);
                eq = mor_eq(rt, sk, key);
                mor_decref(rt, sk);
                if (eq < 0)
                    return -1;
                if (s->table != table || e->key != sk)
                    goto restart;
            }
            if (eq) {
                *out = e;
                return 1;
            }
        }
        perturb >>= 5;
        i = (i * 5 + (size_t)perturb + 1) & mask;
    }
}

/* The first empty slot on hash's probe path (the table has one). */
static set_entry *set_probe_empty(set_entry *table, size_t mask, int64_t hash)
{
    uint64_t perturb = (uint64_t)hash;
    size_t i = (size_t)hash & mask;
    while (table[i].key != NULL) {
        perturb >>= 5;
        i = (i * 5 + (size_t)perturb + 1) & mask;
    }
    return &table[i];
}

static set_entry *set_empty_slot(set_obj *s, int64_t hash)
{
    return set_probe_empty(s->table, (size_t)s->mask, hash);
}

/* Rehash the live keys into a table of at least `minused` * 2 slots. */
static int set_resize(mor_rt *rt, set_obj *s, int64_t minused)
{
    int64_t size = SET_MINSIZE;
    while (size <= minused * 2 && size < ((int64_t)1 << 60))
        size <<= 1;
    set_entry *nt = mori_mem_zalloc(rt, (size_t)size * sizeof(set_entry), MORI_MEM_BUFFER);
    if (nt == NULL)
        return -1;
    set_entry *old = s->table;
    int64_t old_mask = s->mask;
    size_t mask = (size_t)size - 1;
    if (old != NULL) {
        for (int64_t k = 0; k <= old_mask; k++) {
            mor_obj *key = old[k].key;
            if (key == NULL || key == SET_DUMMY)
                continue;
            *set_probe_empty(nt, mask, old[k].hash) = old[k];
        }
        mori_mem_free(rt, old, set_table_bytes(old_mask), MORI_MEM_BUFFER);
    }
    s->table = nt;
    s->mask = (int64_t)mask;
    s->fill = s->used;
    return 0;
}

/* Add key (borrowed): 1 added, 0 already there, -1 error. */
static int set_add_key(mor_rt *rt, set_obj *s, mor_obj *key, int64_t hash)
{
    mor_incref(key); /* held while __eq__ may run */
    if (s->table == NULL && set_resize(rt, s, 0) < 0)
        goto fail;
    set_entry *e;
    int r = set_lookup(rt, s, key, hash, &e);
    if (r != 0) {
        mor_decref(rt, key);
        return r < 0 ? -1 : 0;
    }
    if (e->key == NULL) {
        /* a lookup of an absent key ends at an empty slot: never take the
         * last one (the growth below may have failed before) */
        if (s->fill + 1 > s->mask) {
            if (set_resize(rt, s, s->used * 4) < 0)
                goto fail;
            e = set_empty_slot(s, hash);
        }
        s->fill++;
    }
    e->key = key;
    e->hash = hash;
    s->used++;
    if (s->fill * 5 >= s->mask * 3 &&
        set_resize(rt, s, s->used > 50000 ? s->used * 2 : s->used * 4) < 0)
        mor_err_clear(rt); /* still consistent: the table just stays fuller
                              (and the check above keeps an empty slot) */
    return 1;
fail:
    mor_decref(rt, key);
    return -1;
}

static int set_check(mor_rt *rt, const mor_obj *s, const char *fn)
{
    if (s->type == &mori_set_type)
        return 0;
    mor_raise(rt, MOR_EXC_TYPE, "%s: expected a set, got '%s'", fn, s->type->name);
    return -1;
}

int mori_set_next(mor_obj *o, int64_t *pos, mor_obj **key)
{
    set_obj *s = as_set(o);
    for (int64_t i = *pos; s->table != NULL && i <= s->mask; i++) {
        mor_obj *k = s->table[i].key;
        if (k != NULL && k != SET_DUMMY) {
            *pos = i + 1;
            *key = k;
            return 1;
        }
    }
    return 0;
}

int64_t mori_set_size(const mor_obj *s) { return ((const set_obj *)s)->used; }

/* ---- public API -------------------------------------------------------------------------- */

mor_obj *mor_set(mor_rt *rt)
{
    mor_obj *o = mori_gc_alloc(rt, &mori_set_type, sizeof(set_obj));
    if (o != NULL)
        mori_gc_track(rt, o);
    return o;
}

bool mor_is_set(const mor_obj *o) { return o->type == &mori_set_type; }

int mor_set_add(mor_rt *rt, mor_obj *s, mor_obj *x)
{
    if (set_check(rt, s, "mor_set_add") < 0)
        return -1;
    int64_t hash;
    if (set_hash(rt, x, &hash) < 0)
        return -1;
    return set_add_key(rt, as_set(s), x, hash) < 0 ? -1 : 0;
}

int mor_set_discard(mor_rt *rt, mor_obj *o, mor_obj *x)
{
    if (set_check(rt, o, "mor_set_discard") < 0)
        return -1;
    int64_t hash;
    if (set_hash(rt, x, &hash) < 0)
        return -1;
    set_obj *s = as_set(o);
    set_entry *e;
    int r = set_lookup(rt, s, x, hash, &e);
    if (r <= 0)
        return r;
    mor_obj *k = e->key;
    e->key = SET_DUMMY;
    s->used--;
    mor_decref(rt, k);
    return 1;
}

/* Does s contain x? 1/0/-1 */
static int set_has(mor_rt *rt, set_obj *s, mor_obj *x)
{
    int64_t hash;
    if (set_hash(rt, x, &hash) < 0)
        return -1;
    set_entry *e;
    return set_lookup(rt, s, x, hash, &e);
}

/* Add every item of an iterable to s. */
static int set_update(mor_rt *rt, mor_obj *s, mor_obj *iterable)
{
    if (iterable->type == &mori_set_type) {
        int64_t pos = 0;
        mor_obj *k;
        set_obj *src = as_set(iterable);
        while (mori_set_next(iterable, &pos, &k)) {
            if (set_add_key(rt, as_set(s), k, src->table[pos - 1].hash) < 0)
                return -1;
        }
        return 0;
    }
    mor_obj *it = mor_iter(rt, iterable);
    if (it == NULL)
        return -1;
    mor_obj *x;
    int rc = 0;
    while (rc == 0 && (x = mor_next(rt, it)) != NULL) {
        rc = mor_set_add(rt, s, x);
        mor_decref(rt, x);
    }
    mor_decref(rt, it);
    if (rc == 0 && mor_err_kind(rt) != MOR_EXC_NONE)
        rc = -1;
    return rc;
}

mor_obj *mor_set_from(mor_rt *rt, mor_obj *iterable)
{
    mor_obj *s = mor_set(rt);
    if (s == NULL)
        return NULL;
    if (set_update(rt, s, iterable) < 0) {
        mor_decref(rt, s);
        return NULL;
    }
    return s;
}

mor_obj *mor_set_union(mor_rt *rt, mor_obj *a, mor_obj *b)
{
    if (set_check(rt, a, "mor_set_union") < 0)
        return NULL;
    mor_obj *s = mor_set_from(rt, a);
    if (s != NULL && set_update(rt, s, b) < 0) {
        mor_decref(rt, s);
        return NULL;
    }
    return s;
}

/* Keep the items of a that are (keep_in_b) or are not in b. */
static mor_obj *set_filter(mor_rt *rt, mor_obj *a, mor_obj *b, bool keep_in_b, const char *fn)
{
    if (set_check(rt, a, fn) < 0)
        return NULL;
    mor_obj *other = b;
    if (b->type != &mori_set_type) {
        other = mor_set_from(rt, b);
        if (other == NULL)
            return NULL;
    } else {
        mor_incref(other);
    }
    mor_obj *s = mor_set(rt);
    if (s == NULL)
        goto fail;
    int64_t pos = 0;
    mor_obj *k;
    while (mori_set_next(a, &pos, &k)) {
        int64_t hash = as_set(a)->table[pos - 1].hash;
        mor_incref(k);
        set_entry *e;
        int r = set_lookup(rt, as_set(other), k, hash, &e);
        if (r >= 0 && (r == 1) == keep_in_b)
            r = set_add_key(rt, as_set(s), k, hash);
        mor_decref(rt, k);
        if (r < 0)
            goto fail;
    }
    mor_decref(rt, other);
    return s;
fail:
    mor_xdecref(rt, s);
    mor_decref(rt, other);
    return NULL;
}

mor_obj *mor_set_intersection(mor_rt *rt, mor_obj *a, mor_obj *b)
{
    return set_filter(rt, a, b, true, "mor_set_intersection");
}

mor_obj *mor_set_difference(mor_rt *rt, mor_obj *a, mor_obj *b)
{
    return set_filter(rt, a, b, false, "mor_set_difference");
}

/* ---- iterator ------------------------------------------------------------------------------- */

typedef struct setiter_obj {
    mor_obj head;
    mor_obj *set; /* NULL once exhausted */
    int64_t pos;
    int64_t used;
} setiter_obj;

extern const mor_type mori_setiter_type MOR_INTERNAL;

static mor_obj *setiter_next(mor_rt *rt, mor_obj *self)
{
    setiter_obj *it = (setiter_obj *)self;
    if (it->set == NULL)
        return NULL;
    if (as_set(it->set)->used != it->used) {
        it->used = -1;
        mor_raise(rt, MOR_EXC_RUNTIME, "Set changed size during iteration");
        return NULL;
    }
    mor_obj *k;
    if (mori_set_next(it->set, &it->pos, &k))
        return mor_newref(k);
    mor_obj *s = it->set;
    it->set = NULL;
    mor_decref(rt, s);
    return NULL;
}

static mor_obj *setiter_iter(mor_rt *rt, mor_obj *self)
{
    (void)rt;
    return mor_newref(self);
}

static void setiter_clear(mor_rt *rt, mor_obj *self)
{
    setiter_obj *it = (setiter_obj *)self;
    mor_obj *s = it->set;
    it->set = NULL;
    mor_xdecref(rt, s);
}

static void setiter_dealloc(mor_rt *rt, mor_obj *self)
{
    setiter_clear(rt, self);
    mori_gc_free(rt, self, sizeof(setiter_obj));
}

static int setiter_traverse(mor_obj *self, mor_visit_fn visit, void *arg)
{
    setiter_obj *it = (setiter_obj *)self;
    return it->set ? visit(it->set, arg) : 0;
}

const mor_type mori_setiter_type = {
    .name = "set_iterator",
    .basicsize = sizeof(setiter_obj),
    .flags = MOR_TYPE_GC,
    .dealloc = setiter_dealloc,
    .traverse = setiter_traverse,
    .clear = setiter_clear,
    .iter = setiter_iter,
    .next = setiter_next,
};

/* ---- slots ------------------------------------------------------------------------------------ */

/* Detach the table before releasing: a decref may run code that looks at s. */
static void set_release_all(mor_rt *rt, set_obj *s)
{
    set_entry *table = s->table;
    int64_t mask = s->mask;
    if (table == NULL)
        return;
    s->table = NULL;
    s->used = s->fill = s->mask = 0;
    for (int64_t i = 0; i <= mask; i++) {
        mor_obj *k = table[i].key;
        if (k != NULL && k != SET_DUMMY)
            mor_decref(rt, k);
    }
    mori_mem_free(rt, table, set_table_bytes(mask), MORI_MEM_BUFFER);
}

static void set_dealloc(mor_rt *rt, mor_obj *self)
{
    set_release_all(rt, as_set(self));
    mori_gc_free(rt, self, sizeof(set_obj));
}

static void set_clear_slot(mor_rt *rt, mor_obj *self) { set_release_all(rt, as_set(self)); }

static int set_traverse(mor_obj *self, mor_visit_fn visit, void *arg)
{
    int64_t pos = 0;
    mor_obj *k;
    while (mori_set_next(self, &pos, &k)) {
        int r = visit(k, arg);
        if (r != 0)
            return r;
    }
    return 0;
}

static mor_obj *set_repr(mor_rt *rt, mor_obj *self)
{
    if (as_set(self)->used == 0)
        return mori_str_from_ascii(rt, "set()", 5);
    int r = mori_repr_enter(rt, self);
    if (r != 0)
        return r > 0 ? mori_str_from_ascii(rt, "set(...)", 8) : NULL;
    mori_sb sb;
    mori_sb_init(&sb, rt);
    mori_sb_addc(&sb, '{');
    int64_t pos = 0;
    mor_obj *k;
    bool first = true;
    while (!sb.failed && mori_set_next(self, &pos, &k)) {
        if (!first)
            mori_sb_add(&sb, ", ", 2);
        first = false;
        mor_incref(k);
        mori_sb_add_repr(&sb, k);
        mor_decref(rt, k);
    }
    mori_sb_addc(&sb, '}');
    mori_repr_leave(rt, self);
    return mori_sb_finish(&sb);
}

static int set_eq(mor_rt *rt, mor_obj *self, mor_obj *other)
{
    if (other->type != &mori_set_type)
        return MOR_NOTIMPL;
    if (as_set(self)->used != as_set(other)->used)
        return 0;
    int64_t pos = 0;
    mor_obj *k;
    int r = 1;
    while (r == 1 && mori_set_next(self, &pos, &k)) {
        mor_incref(k);
        r = set_has(rt, as_set(other), k);
        mor_decref(rt, k);
    }
    return r;
}

static int64_t set_len(mor_rt *rt, mor_obj *self)
{
    (void)rt;
    return as_set(self)->used;
}

static int set_contains(mor_rt *rt, mor_obj *self, mor_obj *x) { return set_has(rt, as_set(self), x); }

static mor_obj *set_iter(mor_rt *rt, mor_obj *self)
{
    setiter_obj *it = (setiter_obj *)mori_gc_alloc(rt, &mori_setiter_type, sizeof(setiter_obj));
    if (it == NULL)
        return NULL;
    it->set = mor_newref(self);
    it->pos = 0;
    it->used = as_set(self)->used;
    mori_gc_track(rt, &it->head);
    return &it->head;
}

static mor_obj *set_minus(mor_rt *rt, mor_obj *a, mor_obj *b)
{
    if (a->type != &mori_set_type || b->type != &mori_set_type)
        return mor_not_implemented(rt);
    return mor_set_difference(rt, a, b);
}

static size_t set_size_of(const mor_obj *self)
{
    const set_obj *s = (const set_obj *)self;
    return MORI_GC_HEAD_SIZE + sizeof(set_obj) + (s->table ? set_table_bytes(s->mask) : 0);
}

static const mor_number_slots set_number = {.sub = set_minus};
static const mor_container_slots set_container = {
    .len = set_len,
    .contains = set_contains,
};

const mor_type mori_set_type = {
    .name = "set",
    .basicsize = sizeof(set_obj),
    .flags = MOR_TYPE_GC,
    .dealloc = set_dealloc,
    .traverse = set_traverse,
    .clear = set_clear_slot,
    .repr = set_repr,
    .eq = set_eq,
    .iter = set_iter,
    .size_of = set_size_of,
    .number = &set_number,
    .container = &set_container,
};
