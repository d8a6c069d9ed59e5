/* runtime/types/array.c: typed arrays (Python's array module): C numbers stored
 * compactly in one pointer-free block, CPython's growth policy (so sizes match
 * sys.getsizeof), and writable buffer export that pins the block. */
#include "../core/strbuf.h"
#include "types.h"

/* Invariants: 0 <= size <= allocated; items holds allocated * fmt->size
 * bytes, NULL when allocated == 0, allocated through the funnel as
 * MORI_MEM_ATOMIC. While exports > 0 (views held) size and items never
 * change: every resize raises BufferError. Arrays hold no object references,
 * so they are plain objects, never tracked by the collector. */
typedef struct array_obj {
    mor_obj head;
    int64_t size;
    int64_t allocated;
    char *items;
    const mori_fmt *fmt;
    int64_t exports;
} array_obj;

static const mor_type array_iter_type;

/* What a view of an empty array points to (never written: its length is 0). */
static const char array_no_items[1];

static inline array_obj *as_array(mor_obj *o) { return (array_obj *)o; }
static inline size_t array_isz(const array_obj *a) { return a->fmt->size; }
static inline char *array_at(const array_obj *a, int64_t i)
{
    return a->items + (size_t)i * array_isz(a);
}

static int array_check(mor_rt *rt, mor_obj *o, const char *fn)
{
    if (o->type == &mori_array_type)
        return 0;
    mor_raise(rt, MOR_EXC_TYPE, "%s: expected an array, got '%s'", fn, o->type->name);
    return -1;
}

static const mori_fmt *array_fmt(mor_rt *rt, char typecode)
{
    const mori_fmt *f = mori_fmt_find(typecode);
    if (f == NULL)
        mor_raise(rt, MOR_EXC_VALUE, "bad typecode (must be b, B, h, H, i, I, l, L, q, Q, f or d)");
    return f;
}

static int array_check_resizable(mor_rt *rt, const array_obj *a)
{
    if (a->exports == 0)
        return 0;
    mor_raise(rt, MOR_EXC_BUFFER, MORI_BUFFER_RESIZE_MSG);
    return -1;
}

/* Give the storage exactly `cap` items (cap >= size). -1 + MemoryError. */
static int array_set_capacity(mor_rt *rt, array_obj *a, int64_t cap)
{
    size_t isz = array_isz(a);
    if ((uint64_t)cap > (uint64_t)INT64_MAX / isz) {
        mor_raise(rt, MOR_EXC_MEMORY, "array of %lld items is too large", (long long)cap);
        return -1;
    }
    if (cap == a->allocated)
        return 0;
    char *items = NULL;
    if (cap == 0) {
        mori_mem_free(rt, a->items, (size_t)a->allocated * isz, MORI_MEM_ATOMIC);
    } else {
        items = mori_mem_realloc(rt, a->items, (size_t)a->allocated * isz, (size_t)cap * isz,
                                 MORI_MEM_ATOMIC);
        if (items == NULL)
            return -1;
    }
    a->items = items;
    a->allocated = cap;
    return 0;
}

/* Set the size to newsize with CPython's array policy: grow to newsize +
 * newsize/16 + 3 (7 past 8 items), shrink only when 16 or more items go.
 * BufferError while exported; -1 + MemoryError (size unchanged). */
static int array_resize(mor_rt *rt, array_obj *a, int64_t newsize)
{
    if (newsize == a->size)
        return 0;
    if (array_check_resizable(rt, a) < 0)
        return -1;
    if (a->allocated >= newsize && a->size < newsize + 16) {
        a->size = newsize;
        return 0;
    }
    int64_t cap = 0;
    if (newsize > 0) {
        if (newsize > INT64_MAX - (newsize >> 4) - 7) {
            mor_raise(rt, MOR_EXC_MEMORY, "array of %lld items is too large", (long long)newsize);
            return -1;
        }
        cap = newsize + (newsize >> 4) + (a->size < 8 ? 3 : 7);
    }
    if (array_set_capacity(rt, a, cap) < 0)
        return -1;
    a->size = newsize;
    return 0;
}

/* Convert v for the array, raising the array's errors. */
static int array_convert(mor_rt *rt, const array_obj *a, mor_obj *v, mori_item *out)
{
    int why = mori_item_from_obj(rt, a->fmt, v, out);
    if (why == MORI_ITEM_OK)
        return 0;
    mori_item_raise(rt, a->fmt, v, why);
    return -1;
}

/* Append v (borrowed): converted first, so a bad value changes nothing. */
static int array_push(mor_rt *rt, array_obj *a, mor_obj *v)
{
    mori_item item;
    if (array_convert(rt, a, v, &item) < 0)
        return -1;
    int64_t n = a->size;
    if (array_resize(rt, a, n + 1) < 0)
        return -1;
    mori_item_store(a->fmt, array_at(a, n), &item);
    return 0;
}

/* Append every item of a generic iterable. */
static int array_extend_iter(mor_rt *rt, array_obj *a, mor_obj *iterable)
{
    mor_obj *it = mor_iter(rt, iterable);
    if (it == NULL)
        return -1;
    int rc = 0;
    mor_obj *x;
    while ((x = mor_next(rt, it)) != NULL) {
        rc = array_push(rt, a, x);
        mor_decref(rt, x);
        if (rc < 0)
            break;
    }
    mor_decref(rt, it);
    return rc < 0 || mor_err_kind(rt) != MOR_EXC_NONE ? -1 : 0;
}

/* Append the n items of another array of the same format (possibly a itself). */
static int array_extend_same(mor_rt *rt, array_obj *a, const array_obj *src)
{
    int64_t n = src->size, old = a->size;
    if (n == 0)
        return 0;
    if (old > INT64_MAX - n) {
        mor_raise(rt, MOR_EXC_MEMORY, "array is too large");
        return -1;
    }
    if (array_resize(rt, a, old + n) < 0)
        return -1;
    /* after the resize: src may be a, whose block may have moved */
    memcpy(array_at(a, old), src->items, (size_t)n * array_isz(a));
    return 0;
}

static mor_obj *array_new(mor_rt *rt, const mori_fmt *f)
{
    mor_obj *o = mori_obj_alloc(rt, &mori_array_type, sizeof(array_obj));
    if (o == NULL)
        return NULL;
    array_obj *a = as_array(o);
    a->size = a->allocated = 0;
    a->items = NULL;
    a->fmt = f;
    a->exports = 0;
    return o;
}

/* ---- public API ------------------------------------------------------------------------------ */

mor_obj *mor_array(mor_rt *rt, char typecode)
{
    const mori_fmt *f = array_fmt(rt, typecode);
    return f != NULL ? array_new(rt, f) : NULL;
}

mor_obj *mor_array_from(mor_rt *rt, char typecode, mor_obj *iterable)
{
    const mori_fmt *f = array_fmt(rt, typecode);
    if (f == NULL)
        return NULL;
    mor_obj *o = array_new(rt, f);
    if (o == NULL || iterable == NULL)
        return o;
    array_obj *a = as_array(o);
    if (iterable->type == &mori_array_type && as_array(iterable)->fmt == f) {
        const array_obj *src = as_array(iterable);
        if (array_set_capacity(rt, a, src->size) < 0)
            goto fail;
        if (src->size > 0)
            memcpy(a->items, src->items, (size_t)src->size * f->size);
        a->size = src->size;
        return o;
    }
    /* exact storage when the length is known, as mor_list_from */
    const mor_container_slots *c = iterable->type->container;
    if (c != NULL && c->len != NULL && iterable->type->iter != NULL) {
        int64_t n = c->len(rt, iterable);
        if (n < 0 || array_set_capacity(rt, a, n) < 0)
            goto fail;
    }
    if (array_extend_iter(rt, a, iterable) < 0)
        goto fail;
    return o;
fail:
    mor_decref(rt, o);
    return NULL;
}

int mor_array_append(mor_rt *rt, mor_obj *o, mor_obj *v)
{
    if (array_check(rt, o, "mor_array_append") < 0)
        return -1;
    return array_push(rt, as_array(o), v);
}

int mor_array_extend(mor_rt *rt, mor_obj *o, mor_obj *iterable)
{
    if (array_check(rt, o, "mor_array_extend") < 0)
        return -1;
    array_obj *a = as_array(o);
    if (iterable->type == &mori_array_type) {
        if (as_array(iterable)->fmt != a->fmt) {
            mor_raise(rt, MOR_EXC_TYPE, "can only extend with array of same kind");
            return -1;
        }
        return array_extend_same(rt, a, as_array(iterable));
    }
    return array_extend_iter(rt, a, iterable);
}

int mor_array_frombytes(mor_rt *rt, mor_obj *o, const void *p, size_t n)
{
    if (array_check(rt, o, "mor_array_frombytes") < 0)
        return -1;
    array_obj *a = as_array(o);
    size_t isz = array_isz(a);
    if (n % isz != 0) {
        mor_raise(rt, MOR_EXC_VALUE, "bytes length not a multiple of item size");
        return -1;
    }
    if (n == 0)
        return 0;
    if (p == NULL) {
        mor_raise(rt, MOR_EXC_TYPE, "mor_array_frombytes: NULL data for %zu bytes", n);
        return -1;
    }
    int64_t old = a->size;
    if (n / isz > (size_t)(INT64_MAX - old)) {
        mor_raise(rt, MOR_EXC_MEMORY, "array is too large");
        return -1;
    }
    if (array_resize(rt, a, old + (int64_t)(n / isz)) < 0)
        return -1;
    memcpy(array_at(a, old), p, n);
    return 0;
}

mor_obj *mor_array_pop(mor_rt *rt, mor_obj *o, int64_t index)
{
    if (array_check(rt, o, "mor_array_pop") < 0)
        return NULL;
    array_obj *a = as_array(o);
    int64_t n = a->size;
    if (n == 0) {
        mor_raise(rt, MOR_EXC_INDEX, "pop from empty array");
        return NULL;
    }
    if (index < 0)
        index += n;
    if (index < 0 || index >= n) {
        mor_raise(rt, MOR_EXC_INDEX, "pop index out of range");
        return NULL;
    }
    if (array_check_resizable(rt, a) < 0)
        return NULL;
    mori_item item;
    mori_item_load(a->fmt, array_at(a, index), &item);
    mor_obj *x = mori_item_to_obj(rt, &item);
    if (x == NULL)
        return NULL;
    memmove(array_at(a, index), array_at(a, index + 1), (size_t)(n - index - 1) * array_isz(a));
    if (array_resize(rt, a, n - 1) < 0) { /* shrinking failed: keep the block */
        mor_err_clear(rt);
        a->size = n - 1;
    }
    return x;
}

bool mor_is_array(const mor_obj *o) { return o != NULL && o->type == &mori_array_type; }

char mor_array_typecode(const mor_obj *o)
{
    return mor_is_array(o) ? ((const array_obj *)o)->fmt->code : '\0';
}

size_t mor_array_itemsize(char typecode)
{
    const mori_fmt *f = mori_fmt_find(typecode);
    return f != NULL ? f->size : 0;
}

/* ---- slots ----------------------------------------------------------------------------------- */

static void array_dealloc(mor_rt *rt, mor_obj *self)
{
    array_obj *a = as_array(self);
    MOR_ASSERT_OBJ(self, a->exports == 0);
    mori_mem_free(rt, a->items, (size_t)a->allocated * array_isz(a), MORI_MEM_ATOMIC);
    mori_obj_free(rt, self, sizeof(array_obj));
}

/* Append the repr of one item (ints in decimal, floats as float repr). */
static void array_repr_item(mori_sb *sb, const mori_item *v)
{
    char buf[40];
    if (v->kind == MORI_FMT_SIGNED)
        mori_sb_addf(sb, "%lld", (long long)v->v.i);
    else if (v->kind == MORI_FMT_UNSIGNED)
        mori_sb_addf(sb, "%llu", (unsigned long long)v->v.u);
    else
        mori_sb_add(sb, buf, mori_float_repr_buf(v->v.d, buf));
}

static mor_obj *array_repr(mor_rt *rt, mor_obj *self)
{
    array_obj *a = as_array(self);
    mori_sb sb;
    mori_sb_init(&sb, rt);
    mori_sb_addf(&sb, "array('%c'", a->fmt->code);
    if (a->size > 0) {
        mori_sb_add(&sb, ", [", 3);
        for (int64_t i = 0; i < a->size && !sb.failed; i++) {
            mori_item v;
            if (i > 0)
                mori_sb_add(&sb, ", ", 2);
            mori_item_load(a->fmt, array_at(a, i), &v);
            array_repr_item(&sb, &v);
        }
        mori_sb_addc(&sb, ']');
    }
    mori_sb_addc(&sb, ')');
    return mori_sb_finish(&sb);
}

/* Lexicographic comparison by value; `op` MOR_EQ/MOR_NE only look for
 * equality. Items of one integer format compare bytewise for equality. */
static int array_compare(mor_rt *rt, mor_obj *self, mor_obj *other, mor_cmp op)
{
    (void)rt;
    if (other->type != &mori_array_type)
        return MOR_NOTIMPL;
    const array_obj *a = as_array(self), *b = as_array(other);
    if ((op == MOR_EQ || op == MOR_NE) && a->size != b->size)
        return op == MOR_NE;
    if ((op == MOR_EQ || op == MOR_NE) && a->fmt == b->fmt && a->fmt->kind != MORI_FMT_FLOAT) {
        bool same = a->size == 0 || memcmp(a->items, b->items, (size_t)a->size * array_isz(a)) == 0;
        return op == MOR_EQ ? same : !same;
    }
    int64_t n = a->size < b->size ? a->size : b->size;
    for (int64_t i = 0; i < n; i++) {
        mori_item x, y;
        mori_item_load(a->fmt, array_at(a, i), &x);
        mori_item_load(b->fmt, array_at(b, i), &y);
        int c = mori_item_cmp(&x, &y);
        if (c == 0)
            continue;
        if (c == 2) /* NaN: unequal, and unordered */
            return op == MOR_NE;
        switch (op) {
        case MOR_EQ: return 0;
        case MOR_NE: return 1;
        case MOR_LT:
        case MOR_LE: return c < 0;
        case MOR_GT:
        case MOR_GE: return c > 0;
        }
    }
    int64_t na = a->size, nb = b->size;
    switch (op) {
    case MOR_LT: return na < nb;
    case MOR_LE: return na <= nb;
    case MOR_EQ: return na == nb;
    case MOR_NE: return na != nb;
    case MOR_GT: return na > nb;
    case MOR_GE: return na >= nb;
    }
    return MOR_NOTIMPL;
}

static int array_eq(mor_rt *rt, mor_obj *self, mor_obj *other)
{
    return array_compare(rt, self, other, MOR_EQ);
}

static int64_t array_len(mor_rt *rt, mor_obj *self)
{
    (void)rt;
    return as_array(self)->size;
}

/* Resolve an index key; IndexError `msg` when out of range. */
static int array_index(mor_rt *rt, const array_obj *a, mor_obj *key, int64_t *out, const char *msg)
{
    int64_t i;
    if (mori_int_as_index(rt, key, &i, "array indices") < 0)
        return -1;
    if (i < 0)
        i += a->size;
    if (i < 0 || i >= a->size) {
        mor_raise(rt, MOR_EXC_INDEX, "%s", msg);
        return -1;
    }
    *out = i;
    return 0;
}

static mor_obj *array_getitem(mor_rt *rt, mor_obj *self, mor_obj *key)
{
    array_obj *a = as_array(self);
    int64_t i;
    if (array_index(rt, a, key, &i, "array index out of range") < 0)
        return NULL;
    mori_item v;
    mori_item_load(a->fmt, array_at(a, i), &v);
    return mori_item_to_obj(rt, &v);
}

/* Store v at key, or delete the item (v NULL: a resize, refused while exported). */
static int array_setitem(mor_rt *rt, mor_obj *self, mor_obj *key, mor_obj *v)
{
    array_obj *a = as_array(self);
    int64_t i;
    if (array_index(rt, a, key, &i, "array assignment index out of range") < 0)
        return -1;
    if (v != NULL) {
        mori_item item;
        if (array_convert(rt, a, v, &item) < 0)
            return -1;
        mori_item_store(a->fmt, array_at(a, i), &item);
        return 0;
    }
    if (array_check_resizable(rt, a) < 0)
        return -1;
    int64_t n = a->size;
    memmove(array_at(a, i), array_at(a, i + 1), (size_t)(n - i - 1) * array_isz(a));
    if (array_resize(rt, a, n - 1) < 0) {
        mor_err_clear(rt);
        a->size = n - 1;
    }
    return 0;
}

static int array_contains(mor_rt *rt, mor_obj *self, mor_obj *x)
{
    (void)rt;
    array_obj *a = as_array(self);
    for (int64_t i = 0; i < a->size; i++) {
        mori_item v;
        mori_item_load(a->fmt, array_at(a, i), &v);
        if (mori_item_equals_obj(&v, x))
            return 1;
    }
    return 0;
}

static mor_obj *array_slice(mor_rt *rt, mor_obj *self, int64_t start, int64_t stop, int64_t step,
                            int64_t count)
{
    (void)stop;
    array_obj *a = as_array(self);
    mor_obj *o = array_new(rt, a->fmt);
    if (o == NULL)
        return NULL;
    array_obj *r = as_array(o);
    if (count == 0)
        return o;
    if (array_set_capacity(rt, r, count) < 0) {
        mor_decref(rt, o);
        return NULL;
    }
    size_t isz = array_isz(a);
    if (step == 1) {
        memcpy(r->items, array_at(a, start), (size_t)count * isz);
    } else {
        for (int64_t k = 0, j = start; k < count; k++, j += step)
            memcpy(r->items + (size_t)k * isz, array_at(a, j), isz);
    }
    r->size = count;
    return o;
}

/* The object, its collector links (none: not a GC type) and the storage. */
static size_t array_size_of(const mor_obj *self)
{
    const array_obj *a = (const array_obj *)self;
    return sizeof(array_obj) + (size_t)a->allocated * array_isz(a);
}

/* ---- buffer export --------------------------------------------------------------------------- */

static int array_getbuffer(mor_rt *rt, mor_obj *self, mor_buffer *view, bool writable)
{
    (void)rt;
    (void)writable; /* always writable */
    array_obj *a = as_array(self);
    view->buf = a->items != NULL ? a->items : (char *)(uintptr_t)array_no_items;
    view->itemsize = (int64_t)array_isz(a);
    view->len = a->size * view->itemsize;
    view->format = a->fmt->format;
    view->readonly = false;
    view->ndim = 1;
    view->shape = a->size;
    view->stride = view->itemsize;
    a->exports++;
    return 0;
}

static void array_releasebuffer(mor_rt *rt, mor_obj *self, mor_buffer *view)
{
    (void)rt;
    (void)view;
    array_obj *a = as_array(self);
    MOR_ASSERT_OBJ(self, a->exports > 0);
    a->exports--;
}

static int64_t array_exports(const mor_obj *self) { return ((const array_obj *)self)->exports; }

/* ---- the iterator: yields ints or floats ----------------------------------------------------- */

/* Holds the array (NULL once exhausted); re-reads its size at every step. A
 * plain object: it can only reference an array, which references nothing. */
typedef struct array_iter {
    mor_obj head;
    mor_obj *array;
    int64_t index;
} array_iter;

static mor_obj *array_iter_new(mor_rt *rt, mor_obj *self)
{
    array_iter *it = (array_iter *)mori_obj_alloc(rt, &array_iter_type, sizeof(array_iter));
    if (it == NULL)
        return NULL;
    it->array = mor_newref(self);
    it->index = 0;
    return &it->head;
}

static void array_iter_dealloc(mor_rt *rt, mor_obj *self)
{
    mor_xdecref(rt, ((array_iter *)self)->array);
    mori_obj_free(rt, self, sizeof(array_iter));
}

static mor_obj *array_iter_iter(mor_rt *rt, mor_obj *self)
{
    (void)rt;
    return mor_newref(self);
}

static mor_obj *array_iter_next(mor_rt *rt, mor_obj *self)
{
    array_iter *it = (array_iter *)self;
    if (it->array == NULL)
        return NULL;
    array_obj *a = as_array(it->array);
    if (it->index >= a->size) {
        mor_obj *done = it->array;
        it->array = NULL;
        mor_decref(rt, done);
        return NULL;
    }
    mori_item v;
    mori_item_load(a->fmt, array_at(a, it->index), &v);
    mor_obj *x = mori_item_to_obj(rt, &v);
    if (x != NULL)
        it->index++;
    return x;
}

static const mor_type array_iter_type = {
    .name = "arrayiterator",
    .basicsize = sizeof(array_iter),
    .dealloc = array_iter_dealloc,
    .iter = array_iter_iter,
    .next = array_iter_next,
};

/* ---- the type -------------------------------------------------------------------------------- */

static const mor_container_slots array_container = {
    .len = array_len,
    .getitem = array_getitem,
    .setitem = array_setitem,
    .contains = array_contains,
    .slice = array_slice,
};

static const mor_buffer_slots array_buffer = {
    .get = array_getbuffer,
    .release = array_releasebuffer,
    .exports = array_exports,
};

const mor_type mori_array_type = {
    .name = "array",
    .basicsize = sizeof(array_obj),
    .dealloc = array_dealloc,
    .repr = array_repr,
    .eq = array_eq,
    .compare = array_compare,
    .iter = array_iter_new,
    .size_of = array_size_of,
    .container = &array_container,
    .buffer = &array_buffer,
};
