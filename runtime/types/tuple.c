/* runtime/types/tuple.c: immutable sequences. Small tuples come from per-size
 * pools; () is a static singleton. Tuples are tracked from creation and the
 * collector untracks those whose items are all untracked (CPython 3.11). A
 * tuple has no clear slot: being immutable, it can only be part of a cycle
 * through a mutable object, whose clear breaks the cycle. */
#include "../core/strbuf.h"
#include "../mem/pool.h"
#include "types.h"

static size_t tuple_bytes(size_t n) { return sizeof(mori_tuple) + n * sizeof(mor_obj *); }

/* A tuple of 1..MORI_TUPLE_POOLS items from its pool, untracked, its items
 * NOT initialised: for callers that fill every item before anything can see
 * the tuple (no allocation, no call in between). */
static inline mor_obj *tuple_take(mor_rt *rt, size_t n)
{
    mori_gc_safepoint(rt);
    void *block = mori_pool_take(rt, &rt->mem.pools[MORI_POOL_TUPLE0 + n - 1]);
    if (MOR_UNLIKELY(block == NULL))
        return NULL;
    mor_obj *o = mori_gc_adopt(rt, block, &mori_tuple_type);
    ((mori_tuple *)o)->v.size = (int64_t)n;
    return o;
}

static mor_obj *tuple_alloc_big(mor_rt *rt, size_t n)
{
    if (n > (SIZE_MAX - sizeof(mori_tuple)) / sizeof(mor_obj *) / 2) {
        mor_raise(rt, MOR_EXC_MEMORY, "tuple of %zu items is too large", n);
        return NULL;
    }
    mor_obj *o = mori_gc_alloc(rt, &mori_tuple_type, tuple_bytes(n));
    if (o != NULL)
        ((mori_tuple *)o)->v.size = (int64_t)n;
    return o;
}

/* Any size > 0, items not initialised. */
static inline __attribute__((always_inline)) mor_obj *tuple_alloc(mor_rt *rt, size_t n)
{
    return MOR_LIKELY(n <= MORI_TUPLE_POOLS) ? tuple_take(rt, n) : tuple_alloc_big(rt, n);
}

mor_obj *mori_tuple_new(mor_rt *rt, size_t n)
{
    if (n == 0)
        return rt->empty_tuple; /* immortal: no incref needed */
    mor_obj *o = tuple_alloc(rt, n);
    if (o != NULL)
        memset(((mori_tuple *)o)->items, 0, n * sizeof(mor_obj *));
    return o;
}

int mori_tuple_init(mor_rt *rt)
{
    mor_obj *e = mori_gc_alloc(rt, &mori_tuple_type, tuple_bytes(0));
    if (e == NULL)
        return -1;
    ((mori_tuple *)e)->v.size = 0;
    mori_rt_make_static(rt, e);
    rt->empty_tuple = e;
    return 0;
}

void mori_tuple_fini(mor_rt *rt)
{
    if (rt->empty_tuple != NULL)
        mori_gc_free(rt, rt->empty_tuple, tuple_bytes(0));
    rt->empty_tuple = NULL;
}

/* ---- public API -------------------------------------------------------------------- */

mor_obj *mor_tuple_from(mor_rt *rt, size_t n, mor_obj *const *items)
{
    if (n > 0 && items == NULL) {
        mor_raise(rt, MOR_EXC_TYPE, "mor_tuple_from: %zu items but no item array", n);
        return NULL;
    }
    if (n == 0)
        return rt->empty_tuple;
    mor_obj *o = tuple_alloc(rt, n);
    if (o == NULL)
        return NULL;
    mori_tuple *t = (mori_tuple *)o;
    for (size_t i = 0; i < n; i++) {
        MOR_ASSERT(items[i] != NULL);
        t->items[i] = mor_newref(items[i]);
    }
    mori_gc_track(rt, o);
    return o;
}

static __attribute__((noinline)) void tuple_fill_va(mor_obj **items, size_t n, va_list ap)
{
    for (size_t i = 0; i < n; i++)
        items[i] = mor_newref(va_arg(ap, mor_obj *));
}

mor_obj *mor_tuple(mor_rt *rt, size_t n, ...)
{
    if (n == 0)
        return rt->empty_tuple;
    mor_obj *o = tuple_alloc(rt, n);
    if (o == NULL)
        return NULL;
    mor_obj **items = ((mori_tuple *)o)->items;
    va_list ap;
    va_start(ap, n);
    if (n == 2) { /* the common pair: two loads from the register save area */
        mor_obj *a = va_arg(ap, mor_obj *);
        mor_obj *b = va_arg(ap, mor_obj *);
        items[0] = mor_newref(a);
        items[1] = mor_newref(b);
    } else {
        tuple_fill_va(items, n, ap);
    }
    va_end(ap);
    mori_gc_track(rt, o);
    return o;
}

bool mor_is_tuple(const mor_obj *o) { return o->type == &mori_tuple_type; }

mor_obj *const *mor_seq_items(const mor_obj *o, size_t *n)
{
    if (o->type == &mori_tuple_type) {
        if (n != NULL)
            *n = (size_t)((const mori_tuple *)o)->v.size;
        return ((const mori_tuple *)o)->items;
    }
    if (o->type == &mori_list_type) {
        if (n != NULL)
            *n = (size_t)((const mori_list *)o)->size;
        return ((const mori_list *)o)->items;
    }
    if (n != NULL)
        *n = 0;
    return NULL;
}

/* ---- slots ------------------------------------------------------------------------------ */

static inline __attribute__((always_inline)) void tuple_free_block(mor_rt *rt, mor_obj *self)
{
    size_t n = (size_t)((mori_tuple *)self)->v.size;
    if (MOR_LIKELY(n - 1 < MORI_TUPLE_POOLS)) /* not 0: () is never pooled */
        mori_pool_give(rt, &rt->mem.pools[MORI_POOL_TUPLE0 + n - 1], mori_gc_release(rt, self));
    else
        mori_gc_free(rt, self, tuple_bytes(n));
}

/* Release items[0..n) from the last, as mor_decref does (they may die). */
static __attribute__((noinline)) void tuple_dealloc_rest(mor_rt *rt, mor_obj *self, size_t n)
{
    mori_tuple *t = (mori_tuple *)self;
    for (size_t i = n; i-- > 0;)
        mor_xdecref(rt, t->items[i]);
    tuple_free_block(rt, self);
}

/* Items that only lose a reference (or are immortal) are released in a loop
 * that calls nothing; the first item whose count would reach 0 (or is
 * already 0: mor_decref reports it) hands the rest, itself included, to
 * tuple_dealloc_rest. So a tuple whose items outlive it needs no frame. */
static void tuple_dealloc(mor_rt *rt, mor_obj *self)
{
    mori_tuple *t = (mori_tuple *)self;
    for (size_t i = (size_t)t->v.size; i-- > 0;) {
        mor_obj *x = t->items[i];
        if (x == NULL)
            continue;
        uint32_t c = x->refcnt;
        if (c == MOR_REFCNT_IMMORTAL)
            continue;
        if (MOR_UNLIKELY(c <= 1)) {
            tuple_dealloc_rest(rt, self, i + 1);
            return;
        }
        x->refcnt = c - 1;
    }
    tuple_free_block(rt, self);
}

static int tuple_traverse(mor_obj *self, mor_visit_fn visit, void *arg)
{
    mori_tuple *t = (mori_tuple *)self;
    for (int64_t i = 0; i < t->v.size; i++) {
        if (t->items[i] != NULL) {
            int r = visit(t->items[i], arg);
            if (r != 0)
                return r;
        }
    }
    return 0;
}

static mor_obj *tuple_repr(mor_rt *rt, mor_obj *self)
{
    mori_tuple *t = (mori_tuple *)self;
    if (t->v.size == 0)
        return mori_str_from_ascii(rt, "()", 2);
    int r = mori_repr_enter(rt, self);
    if (r != 0)
        return r > 0 ? mori_str_from_ascii(rt, "(...)", 5) : NULL;
    mori_sb sb;
    mori_sb_init(&sb, rt);
    mori_sb_addc(&sb, '(');
    for (int64_t i = 0; i < t->v.size && !sb.failed; i++) {
        if (i > 0)
            mori_sb_add(&sb, ", ", 2);
        mori_sb_add_repr(&sb, t->items[i]);
    }
    if (t->v.size == 1)
        mori_sb_addc(&sb, ',');
    mori_sb_addc(&sb, ')');
    mori_repr_leave(rt, self);
    return mori_sb_finish(&sb);
}

/* CPython's tuple hash (xxHash-style lanes) */
#define XXPRIME_1 11400714785074694791ULL
#define XXPRIME_2 14029467366897019727ULL
#define XXPRIME_5 2870177450012600261ULL

/* Nested tuples hash recursively: the depth counts toward the recursion
 * limit, so a 100,000-deep nest raises RecursionError instead of
 * overflowing the C stack. */
static int tuple_hash(mor_rt *rt, mor_obj *self, int64_t *out)
{
    mori_tuple *t = (mori_tuple *)self;
    uint64_t acc = XXPRIME_5;
    if (mori_enter(rt, " while hashing a tuple") < 0)
        return -1;
    for (int64_t i = 0; i < t->v.size; i++) {
        int64_t lane;
        if (mor_hash(rt, t->items[i], &lane) < 0) {
            mori_leave(rt);
            return -1;
        }
        acc += (uint64_t)lane * XXPRIME_2;
        acc = (acc << 31) | (acc >> 33);
        acc *= XXPRIME_1;
    }
    mori_leave(rt);
    acc += (uint64_t)t->v.size ^ (XXPRIME_5 ^ 3527539ULL);
    *out = (int64_t)acc;
    return 0;
}

int mori_seq_compare(mor_rt *rt, mor_obj *const *a, int64_t na, mor_obj *const *b, int64_t nb,
                     mor_cmp op)
{
    if ((op == MOR_EQ || op == MOR_NE) && na != nb)
        return op == MOR_NE;
    if (mori_enter(rt, " in comparison") < 0)
        return -1;
    int64_t i;
    int r = 1;
    for (i = 0; i < na && i < nb; i++) {
        r = mor_eq(rt, a[i], b[i]);
        if (r <= 0)
            break;
    }
    if (r < 0)
        goto out;
    if (i >= na || i >= nb) {
        /* no differing item: the lengths decide */
        int64_t x = na, y = nb;
        switch (op) {
        case MOR_LT: r = x < y; break;
        case MOR_LE: r = x <= y; break;
        case MOR_EQ: r = x == y; break;
        case MOR_NE: r = x != y; break;
        case MOR_GT: r = x > y; break;
        case MOR_GE: r = x >= y; break;
        }
        goto out;
    }
    if (op == MOR_EQ)
        r = 0;
    else if (op == MOR_NE)
        r = 1;
    else
        r = mor_compare(rt, a[i], b[i], op);
out:
    mori_leave(rt);
    return r;
}

static int tuple_eq(mor_rt *rt, mor_obj *self, mor_obj *other)
{
    if (other->type != &mori_tuple_type)
        return MOR_NOTIMPL;
    mori_tuple *a = (mori_tuple *)self, *b = (mori_tuple *)other;
    return mori_seq_compare(rt, a->items, a->v.size, b->items, b->v.size, MOR_EQ);
}

static int tuple_compare(mor_rt *rt, mor_obj *self, mor_obj *other, mor_cmp op)
{
    if (other->type != &mori_tuple_type)
        return MOR_NOTIMPL;
    mori_tuple *a = (mori_tuple *)self, *b = (mori_tuple *)other;
    return mori_seq_compare(rt, a->items, a->v.size, b->items, b->v.size, op);
}

static int64_t tuple_len(mor_rt *rt, mor_obj *self)
{
    (void)rt;
    return ((mori_tuple *)self)->v.size;
}

static mor_obj *tuple_getitem(mor_rt *rt, mor_obj *self, mor_obj *key)
{
    mori_tuple *t = (mori_tuple *)self;
    int64_t i;
    if (mori_int_as_index(rt, key, &i, "tuple indices") < 0)
        return NULL;
    if (i < 0)
        i += t->v.size;
    if (i < 0 || i >= t->v.size) {
        mor_raise(rt, MOR_EXC_INDEX, "tuple index out of range");
        return NULL;
    }
    return mor_newref(t->items[i]);
}

static int tuple_contains(mor_rt *rt, mor_obj *self, mor_obj *x)
{
    mori_tuple *t = (mori_tuple *)self;
    for (int64_t i = 0; i < t->v.size; i++) {
        int r = mor_eq(rt, t->items[i], x);
        if (r != 0)
            return r;
    }
    return 0;
}

static mor_obj *tuple_slice(mor_rt *rt, mor_obj *self, int64_t start, int64_t stop, int64_t step,
                            int64_t count)
{
    (void)stop;
    mori_tuple *t = (mori_tuple *)self;
    if (step == 1 && count == t->v.size)
        return mor_newref(self);
    mor_obj *o = mori_tuple_new(rt, (size_t)count);
    if (o == NULL || count == 0)
        return o;
    mori_tuple *r = (mori_tuple *)o;
    for (int64_t i = 0, j = start; i < count; i++, j += step)
        r->items[i] = mor_newref(t->items[j]);
    mori_gc_track(rt, o);
    return o;
}

static mor_obj *tuple_concat(mor_rt *rt, mor_obj *a, mor_obj *b)
{
    if (a->type != &mori_tuple_type || b->type != &mori_tuple_type)
        return mor_not_implemented(rt);
    mori_tuple *x = (mori_tuple *)a, *y = (mori_tuple *)b;
    size_t n = (size_t)x->v.size + (size_t)y->v.size;
    mor_obj *o = mori_tuple_new(rt, n);
    if (o == NULL || n == 0)
        return o;
    mori_tuple *r = (mori_tuple *)o;
    for (int64_t i = 0; i < x->v.size; i++)
        r->items[i] = mor_newref(x->items[i]);
    for (int64_t i = 0; i < y->v.size; i++)
        r->items[x->v.size + i] = mor_newref(y->items[i]);
    mori_gc_track(rt, o);
    return o;
}

int mori_seq_repeat_count(mor_rt *rt, mor_obj *a, mor_obj *b, const mor_type *t, mor_obj **seq,
                          int64_t *count)
{
    mor_obj *n;
    if (a->type == t && mori_int_is_small(b)) {
        *seq = a;
        n = b;
    } else if (b->type == t && mori_int_is_small(a)) {
        *seq = b;
        n = a;
    } else {
        return 0;
    }
    int64_t v = mori_int_small_value(n);
    *count = v < 0 ? 0 : v;
    return 1;
}

static mor_obj *tuple_repeat(mor_rt *rt, mor_obj *a, mor_obj *b)
{
    mor_obj *seq;
    int64_t times;
    if (!mori_seq_repeat_count(rt, a, b, &mori_tuple_type, &seq, &times))
        return mor_not_implemented(rt);
    mori_tuple *t = (mori_tuple *)seq;
    if (times == 1)
        return mor_newref(seq);
    if (t->v.size != 0 && times > INT64_MAX / 8 / t->v.size) {
        mor_raise(rt, MOR_EXC_MEMORY, "repeated tuple is too large");
        return NULL;
    }
    size_t n = (size_t)(t->v.size * times);
    mor_obj *o = mori_tuple_new(rt, n);
    if (o == NULL || n == 0)
        return o;
    mori_tuple *r = (mori_tuple *)o;
    for (size_t i = 0; i < n; i++)
        r->items[i] = mor_newref(t->items[i % (size_t)t->v.size]);
    mori_gc_track(rt, o);
    return o;
}

/* A tuple whose items can never be tracked needs no collector attention
 * (checked in every collection, as CPython 3.11 does). */
static bool tuple_untrack_ok(const mor_obj *self, bool full)
{
    (void)full;
    const mori_tuple *t = (const mori_tuple *)self;
    for (int64_t i = 0; i < t->v.size; i++) {
        const mor_obj *x = t->items[i];
        if (x != NULL && mori_gc_may_be_tracked(x))
            return false;
    }
    return true;
}

static size_t tuple_size_of(const mor_obj *self)
{
    return MORI_GC_HEAD_SIZE + tuple_bytes((size_t)((const mori_tuple *)self)->v.size);
}

static mor_obj *tuple_iter(mor_rt *rt, mor_obj *self) { return mori_seqiter_new(rt, self); }

static const mor_number_slots tuple_number = {.add = tuple_concat, .mul = tuple_repeat};
static const mor_container_slots tuple_container = {
    .len = tuple_len,
    .getitem = tuple_getitem,
    .contains = tuple_contains,
    .slice = tuple_slice,
};

const mor_type mori_tuple_type = {
    .name = "tuple",
    .basicsize = sizeof(mori_tuple),
    .itemsize = sizeof(mor_obj *),
    .flags = MOR_TYPE_GC | MOR_TYPE_IMMUTABLE,
    .dealloc = tuple_dealloc,
    .traverse = tuple_traverse,
    .repr = tuple_repr,
    .hash = tuple_hash,
    .eq = tuple_eq,
    .compare = tuple_compare,
    .iter = tuple_iter,
    .size_of = tuple_size_of,
    .number = &tuple_number,
    .container = &tuple_container,
    .untrack_ok = tuple_untrack_ok,
};
