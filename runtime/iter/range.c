/* runtime/iter/range.c: range objects, lazy sequences of int64 values with
 * O(1) len, contains (for ints), index and slicing, and their iterator. */
#include "../core/strbuf.h"
#include "iter.h"

typedef struct range_obj {
    mor_obj head;
    int64_t start, stop, step;
    int64_t len;
} range_obj;

typedef struct rangeiter_obj {
    mor_obj head;
    int64_t next, step;
    int64_t left;
} rangeiter_obj;

extern const mor_type mori_range_type MOR_INTERNAL;
extern const mor_type mori_rangeiter_type MOR_INTERNAL;

/* Number of values, computed without overflow (mori_i128 keeps the
 * intermediate exact); ranges longer than INT64_MAX are refused. */
static int range_length(mor_rt *rt, int64_t start, int64_t stop, int64_t step, int64_t *out)
{
    mori_i128 n = 0;
    if (step > 0 && start < stop)
        n = ((mori_i128)stop - start - 1) / step + 1;
    else if (step < 0 && start > stop)
        n = ((mori_i128)start - stop - 1) / (-(mori_i128)step) + 1;
    if (n > INT64_MAX) {
        mor_raise(rt, MOR_EXC_OVERFLOW, "range has more than %lld items", (long long)INT64_MAX);
        return -1;
    }
    *out = (int64_t)n;
    return 0;
}

mor_obj *mor_range(mor_rt *rt, int64_t start, int64_t stop, int64_t step)
{
    if (step == 0) {
        mor_raise(rt, MOR_EXC_VALUE, "range() arg 3 must not be zero");
        return NULL;
    }
    int64_t len;
    if (range_length(rt, start, stop, step, &len) < 0)
        return NULL;
    range_obj *r = (range_obj *)mori_obj_alloc_atomic(rt, &mori_range_type, sizeof(range_obj));
    if (r == NULL)
        return NULL;
    r->start = start;
    r->stop = stop;
    r->step = step;
    r->len = len;
    return &r->head;
}

/* The value at index i (0 <= i < len). */
static inline int64_t range_at(const range_obj *r, int64_t i)
{
    return (int64_t)((mori_i128)r->start + (mori_i128)i * r->step);
}

static void range_dealloc(mor_rt *rt, mor_obj *self) { mori_obj_free(rt, self, sizeof(range_obj)); }

static int64_t range_len(mor_rt *rt, mor_obj *self)
{
    (void)rt;
    return ((range_obj *)self)->len;
}

/* O(1) for ints; other values (2.0, say) by equality, as Python does. */
static int range_contains(mor_rt *rt, mor_obj *self, mor_obj *x)
{
    range_obj *r = (range_obj *)self;
    if (mori_int_is_small(x)) {
        int64_t v = mori_int_small_value(x);
        if (r->len == 0)
            return 0;
        mori_i128 off = (mori_i128)v - r->start;
        if (r->step > 0 ? (v < r->start || v >= r->stop) : (v > r->start || v <= r->stop))
            return 0;
        return off % r->step == 0;
    }
    if (mor_is_int(x))
        return 0; /* a big int is outside every int64 range */
    for (int64_t i = 0; i < r->len; i++) {
        mor_obj *v = mori_int_new(rt, range_at(r, i));
        if (v == NULL)
            return -1;
        int eq = mor_eq(rt, v, x);
        mor_decref(rt, v);
        if (eq != 0)
            return eq;
    }
    return 0;
}

static mor_obj *range_getitem(mor_rt *rt, mor_obj *self, mor_obj *key)
{
    range_obj *r = (range_obj *)self;
    int64_t i;
    if (mori_int_as_index(rt, key, &i, "range indices") < 0)
        return NULL;
    if (i < 0)
        i += r->len;
    if (i < 0 || i >= r->len) {
        mor_raise(rt, MOR_EXC_INDEX, "range object index out of range");
        return NULL;
    }
    return mori_int_new(rt, range_at(r, i));
}

static mor_obj *range_slice(mor_rt *rt, mor_obj *self, int64_t start, int64_t stop, int64_t step,
                            int64_t count)
{
    (void)stop;
    range_obj *r = (range_obj *)self;
    mori_i128 nstep = (mori_i128)r->step * step;
    if (nstep > INT64_MAX || nstep < -INT64_MAX) {
        mor_raise(rt, MOR_EXC_OVERFLOW, "range step too large");
        return NULL;
    }
    int64_t nstart = count > 0 ? range_at(r, start) : r->start;
    mori_i128 nstop = (mori_i128)nstart + (mori_i128)count * nstep;
    if (nstop > INT64_MAX)
        nstop = INT64_MAX;
    if (nstop < INT64_MIN)
        nstop = INT64_MIN;
    return mor_range(rt, nstart, (int64_t)nstop, (int64_t)nstep);
}

static mor_obj *range_repr(mor_rt *rt, mor_obj *self)
{
    range_obj *r = (range_obj *)self;
    if (r->step == 1)
        return mor_str_fmt(rt, "range(%lld, %lld)", (long long)r->start, (long long)r->stop);
    return mor_str_fmt(rt, "range(%lld, %lld, %lld)", (long long)r->start, (long long)r->stop,
                       (long long)r->step);
}

/* Equal ranges have equal sequences (Python's rule). */
static int range_eq(mor_rt *rt, mor_obj *self, mor_obj *other)
{
    (void)rt;
    if (other->type != &mori_range_type)
        return MOR_NOTIMPL;
    range_obj *a = (range_obj *)self, *b = (range_obj *)other;
    if (a->len != b->len)
        return 0;
    if (a->len == 0)
        return 1;
    if (a->start != b->start)
        return 0;
    return a->len == 1 || a->step == b->step;
}

static int range_hash(mor_rt *rt, mor_obj *self, int64_t *out)
{
    (void)rt;
    range_obj *r = (range_obj *)self;
    uint64_t h = (uint64_t)r->len * 0x9E3779B97F4A7C15ULL;
    if (r->len > 0)
        h ^= (uint64_t)r->start * 0xC2B2AE3D27D4EB4FULL;
    if (r->len > 1)
        h ^= (uint64_t)r->step * 0x165667B19E3779F9ULL;
    *out = (int64_t)h;
    return 0;
}

static mor_obj *range_iter(mor_rt *rt, mor_obj *self)
{
    range_obj *r = (range_obj *)self;
    rangeiter_obj *it =
        (rangeiter_obj *)mori_obj_alloc_atomic(rt, &mori_rangeiter_type, sizeof(rangeiter_obj));
    if (it == NULL)
        return NULL;
    it->next = r->start;
    it->step = r->step;
    it->left = r->len;
    return &it->head;
}

static const mor_container_slots range_container = {
    .len = range_len,
    .getitem = range_getitem,
    .contains = range_contains,
    .slice = range_slice,
};

const mor_type mori_range_type = {
    .name = "range",
    .basicsize = sizeof(range_obj),
    .dealloc = range_dealloc,
    .repr = range_repr,
    .hash = range_hash,
    .eq = range_eq,
    .iter = range_iter,
    .container = &range_container,
};

/* ---- the iterator -------------------------------------------------------------------------- */

static mor_obj *rangeiter_next(mor_rt *rt, mor_obj *self)
{
    rangeiter_obj *it = (rangeiter_obj *)self;
    if (it->left <= 0)
        return NULL;
    int64_t v = it->next;
    it->left--;
    if (it->left > 0)
        it->next += it->step; /* never past the last value: no overflow */
    return mori_int_new(rt, v);
}

static mor_obj *rangeiter_iter(mor_rt *rt, mor_obj *self)
{
    (void)rt;
    return mor_newref(self);
}

static void rangeiter_dealloc(mor_rt *rt, mor_obj *self)
{
    mori_obj_free(rt, self, sizeof(rangeiter_obj));
}

const mor_type mori_rangeiter_type = {
    .name = "range_iterator",
    .basicsize = sizeof(rangeiter_obj),
    .dealloc = rangeiter_dealloc,
    .iter = rangeiter_iter,
    .next = rangeiter_next,
};
