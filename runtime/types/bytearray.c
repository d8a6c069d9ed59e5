/* runtime/types/bytearray.c: mutable, resizable byte strings: one pointer-free
 * block grown with over-allocation, item access as ints 0..255, comparison with
 * bytes, and writable buffer export that pins the block. */
#include "types.h"

/* Invariants: 0 <= size <= allocated; data holds `allocated` bytes (NULL when
 * allocated == 0), allocated through the funnel as MORI_MEM_ATOMIC. While
 * exports > 0 the size and the block never change (BufferError). A plain
 * object: it holds no references. */
typedef struct bytearray_obj {
    mor_obj head;
    int64_t size;
    int64_t allocated;
    uint8_t *data;
    int64_t exports;
} bytearray_obj;

static const mor_type bytearray_iter_type;

/* What a view of an empty bytearray points to (never written: length 0). */
static const char bytearray_no_data[1];

static inline bytearray_obj *as_ba(mor_obj *o) { return (bytearray_obj *)o; }

static int ba_check(mor_rt *rt, mor_obj *o, const char *fn)
{
    if (o->type == &mori_bytearray_type)
        return 0;
    mor_raise(rt, MOR_EXC_TYPE, "%s: expected a bytearray, got '%s'", fn, o->type->name);
    return -1;
}

/* Give the block exactly cap bytes (cap >= size). -1 + MemoryError. */
static int ba_set_capacity(mor_rt *rt, bytearray_obj *b, int64_t cap)
{
    if (cap == b->allocated)
        return 0;
    uint8_t *data = NULL;
    if (cap == 0) {
        mori_mem_free(rt, b->data, (size_t)b->allocated, MORI_MEM_ATOMIC);
    } else {
        data = mori_mem_realloc(rt, b->data, (size_t)b->allocated, (size_t)cap, MORI_MEM_ATOMIC);
        if (data == NULL)
            return -1;
    }
    b->data = data;
    b->allocated = cap;
    return 0;
}

/* Set the size to newsize (new bytes uninitialised). Growth over-allocates by
 * about 1/8 (CPython's bytearray policy) unless one jump exceeds that slack,
 * which gets exactly what it asks; the block shrinks when under half used.
 * BufferError while exported; -1 + MemoryError with the size unchanged. */
static int ba_resize(mor_rt *rt, bytearray_obj *b, int64_t newsize)
{
    if (newsize == b->size)
        return 0;
    if (b->exports > 0) {
        mor_raise(rt, MOR_EXC_BUFFER, MORI_BUFFER_RESIZE_MSG);
        return -1;
    }
    if (newsize > (int64_t)MORI_STR_MAX_BYTES) {
        mor_raise(rt, MOR_EXC_MEMORY, "bytearray of %lld bytes is too large", (long long)newsize);
        return -1;
    }
    if (newsize <= b->allocated) {
        if (newsize < b->allocated / 2 && ba_set_capacity(rt, b, newsize) < 0)
            mor_err_clear(rt); /* keeping the larger block is fine */
        b->size = newsize;
        return 0;
    }
    int64_t cap = newsize + (newsize >> 3) + (newsize < 9 ? 3 : 6);
    if (newsize - b->size > cap - newsize)
        cap = newsize;
    if (ba_set_capacity(rt, b, cap) < 0)
        return -1;
    b->size = newsize;
    return 0;
}

static mor_obj *ba_new(mor_rt *rt, size_t n)
{
    if (n > MORI_STR_MAX_BYTES) {
        mor_raise(rt, MOR_EXC_MEMORY, "bytearray of %zu bytes is too large", n);
        return NULL;
    }
    mor_obj *o = mori_obj_alloc(rt, &mori_bytearray_type, sizeof(bytearray_obj));
    if (o == NULL)
        return NULL;
    bytearray_obj *b = as_ba(o);
    b->size = b->allocated = 0;
    b->data = NULL;
    b->exports = 0;
    if (n > 0) {
        if (ba_set_capacity(rt, b, (int64_t)n) < 0) {
            mor_decref(rt, o);
            return NULL;
        }
        b->size = (int64_t)n;
    }
    return o;
}

/* A byte value from an int object: TypeError for other types, ValueError
 * outside 0..255. */
static int ba_byte_from_obj(mor_rt *rt, mor_obj *v, uint8_t *out)
{
    if (v->type != &mori_int_type && v->type != &mori_bool_type) {
        mor_raise(rt, MOR_EXC_TYPE, "'%s' object cannot be interpreted as an integer",
                  v->type->name);
        return -1;
    }
    int64_t x = mori_int_is_small(v) ? mori_int_small_value(v) : -1;
    if (x < 0 || x > 255) {
        mor_raise(rt, MOR_EXC_VALUE, "byte must be in range(0, 256)");
        return -1;
    }
    *out = (uint8_t)x;
    return 0;
}

static int ba_push(mor_rt *rt, bytearray_obj *b, uint8_t c)
{
    int64_t n = b->size;
    if (ba_resize(rt, b, n + 1) < 0)
        return -1;
    b->data[n] = c;
    return 0;
}

/* Append n bytes at p, which must not point into b's block (it may move). */
static int ba_append_bytes(mor_rt *rt, bytearray_obj *b, const void *p, size_t n)
{
    if (n == 0)
        return 0;
    int64_t old = b->size;
    if (n > MORI_STR_MAX_BYTES - (uint64_t)old) {
        mor_raise(rt, MOR_EXC_MEMORY, "bytearray is too large");
        return -1;
    }
    if (ba_resize(rt, b, old + (int64_t)n) < 0)
        return -1;
    memcpy(b->data + old, p, n);
    return 0;
}

/* Append the contents of a held view, copying them aside first when the view
 * may be of b itself (b has exports) or is strided. Releases the view. */
static int ba_append_view(mor_rt *rt, bytearray_obj *b, mor_buffer *view)
{
    size_t n = (size_t)view->len;
    int rc;
    if (n == 0) {
        mor_buffer_release(rt, view);
        return 0;
    }
    if (view->obj == &b->head && b->exports == 1) {
        /* b's own contents: give the view back so that b may grow */
        mor_buffer_release(rt, view);
        int64_t old = b->size;
        rc = ba_resize(rt, b, old + (int64_t)n);
        if (rc == 0)
            memcpy(b->data + old, b->data, n);
    } else if (b->exports == 0 && view->stride == view->itemsize) {
        /* no view of b is held: this one is of other memory */
        rc = ba_append_bytes(rt, b, view->buf, n);
        mor_buffer_release(rt, view);
    } else {
        uint8_t *tmp = mori_mem_alloc(rt, n, MORI_MEM_ATOMIC);
        if (tmp != NULL)
            mori_buffer_copy_out(view, tmp);
        mor_buffer_release(rt, view);
        if (tmp == NULL)
            return -1;
        rc = ba_append_bytes(rt, b, tmp, n);
        mori_mem_free(rt, tmp, n, MORI_MEM_ATOMIC);
    }
    return rc;
}

/* Append the contents of a bytes-like object, or the ints of an iterable. */
static int ba_extend(mor_rt *rt, bytearray_obj *b, mor_obj *src)
{
    if (mor_buffer_check(src)) {
        mor_buffer view;
        if (mor_buffer_get(rt, src, &view, false) < 0)
            return -1;
        return ba_append_view(rt, b, &view);
    }
    if (src->type->iter == NULL) {
        mor_raise(rt, MOR_EXC_TYPE, "can't extend bytearray with %s", src->type->name);
        return -1;
    }
    mor_obj *it = mor_iter(rt, src);
    if (it == NULL)
        return -1;
    int rc = 0;
    mor_obj *x;
    while ((x = mor_next(rt, it)) != NULL) {
        uint8_t c;
        rc = ba_byte_from_obj(rt, x, &c);
        mor_decref(rt, x);
        if (rc < 0 || (rc = ba_push(rt, b, c)) < 0)
            break;
    }
    mor_decref(rt, it);
    return rc < 0 || mor_err_kind(rt) != MOR_EXC_NONE ? -1 : 0;
}

/* The bytes of a bytes or bytearray object; false for other objects. */
static bool ba_raw(const mor_obj *o, const uint8_t **p, size_t *n)
{
    if (o->type == &mori_bytearray_type) {
        const bytearray_obj *b = (const bytearray_obj *)o;
        *p = b->data;
        *n = (size_t)b->size;
        return true;
    }
    *p = mor_bytes_data(o, n);
    return *p != NULL;
}

/* ---- public API ------------------------------------------------------------------------------ */

mor_obj *mor_bytearray(mor_rt *rt, const void *p, size_t n)
{
    mor_obj *o = ba_new(rt, n);
    if (o != NULL && n > 0) {
        if (p != NULL)
            memcpy(as_ba(o)->data, p, n);
        else
            memset(as_ba(o)->data, 0, n);
    }
    return o;
}

mor_obj *mor_bytearray_from(mor_rt *rt, mor_obj *src)
{
    mor_obj *o = ba_new(rt, 0);
    if (o == NULL)
        return NULL;
    if (ba_extend(rt, as_ba(o), src) < 0) {
        mor_decref(rt, o);
        return NULL;
    }
    return o;
}

int mor_bytearray_append(mor_rt *rt, mor_obj *o, int byte)
{
    if (ba_check(rt, o, "mor_bytearray_append") < 0)
        return -1;
    if (byte < 0 || byte > 255) {
        mor_raise(rt, MOR_EXC_VALUE, "byte must be in range(0, 256)");
        return -1;
    }
    return ba_push(rt, as_ba(o), (uint8_t)byte);
}

int mor_bytearray_extend(mor_rt *rt, mor_obj *o, mor_obj *src)
{
    if (ba_check(rt, o, "mor_bytearray_extend") < 0)
        return -1;
    bytearray_obj *b = as_ba(o);
    int64_t old = b->size;
    if (ba_extend(rt, b, src) < 0) {
        if (b->size > old) /* as CPython: an extend that fails appends nothing */
            b->size = old;
        return -1;
    }
    return 0;
}

int mor_bytearray_resize(mor_rt *rt, mor_obj *o, size_t n)
{
    if (ba_check(rt, o, "mor_bytearray_resize") < 0)
        return -1;
    bytearray_obj *b = as_ba(o);
    if (n > MORI_STR_MAX_BYTES) {
        mor_raise(rt, MOR_EXC_MEMORY, "bytearray of %zu bytes is too large", n);
        return -1;
    }
    int64_t old = b->size;
    if (ba_resize(rt, b, (int64_t)n) < 0)
        return -1;
    if ((int64_t)n > old)
        memset(b->data + old, 0, n - (size_t)old);
    return 0;
}

uint8_t *mor_bytearray_data(mor_obj *o, size_t *n)
{
    if (!mor_is_bytearray(o)) {
        if (n != NULL)
            *n = 0;
        return NULL;
    }
    if (n != NULL)
        *n = (size_t)as_ba(o)->size;
    return as_ba(o)->data;
}

bool mor_is_bytearray(const mor_obj *o) { return o != NULL && o->type == &mori_bytearray_type; }

/* ---- slots ----------------------------------------------------------------------------------- */

static void bytearray_dealloc(mor_rt *rt, mor_obj *self)
{
    bytearray_obj *b = as_ba(self);
    MOR_ASSERT_OBJ(self, b->exports == 0);
    mori_mem_free(rt, b->data, (size_t)b->allocated, MORI_MEM_ATOMIC);
    mori_obj_free(rt, self, sizeof(bytearray_obj));
}

/* bytearray(b'...'): the bytes repr, wrapped (repr is not a hot path; a
 * temporary bytes object keeps one implementation of the escaping). */
static mor_obj *bytearray_repr(mor_rt *rt, mor_obj *self)
{
    bytearray_obj *b = as_ba(self);
    mor_obj *bytes = mor_bytes(rt, b->data, (size_t)b->size);
    if (bytes == NULL)
        return NULL;
    mor_obj *r = mor_repr(rt, bytes);
    mor_decref(rt, bytes);
    if (r == NULL)
        return NULL;
    mor_obj *s = mor_str_fmt(rt, "bytearray(%s)", mor_str_utf8(r, NULL));
    mor_decref(rt, r);
    return s;
}

static int bytearray_compare(mor_rt *rt, mor_obj *self, mor_obj *other, mor_cmp op)
{
    (void)rt;
    const uint8_t *pa, *pb;
    size_t na, nb;
    if (!ba_raw(self, &pa, &na) || !ba_raw(other, &pb, &nb))
        return MOR_NOTIMPL;
    if ((op == MOR_EQ || op == MOR_NE) && na != nb)
        return op == MOR_NE;
    size_t m = na < nb ? na : nb;
    int c = m > 0 ? memcmp(pa, pb, m) : 0;
    if (c == 0)
        c = na < nb ? -1 : na > nb;
    switch (op) {
    case MOR_LT: return c < 0;
    case MOR_LE: return c <= 0;
    case MOR_EQ: return c == 0;
    case MOR_NE: return c != 0;
    case MOR_GT: return c > 0;
    case MOR_GE: return c >= 0;
    }
    return MOR_NOTIMPL;
}

static int bytearray_eq(mor_rt *rt, mor_obj *self, mor_obj *other)
{
    return bytearray_compare(rt, self, other, MOR_EQ);
}

static int64_t bytearray_len(mor_rt *rt, mor_obj *self)
{
    (void)rt;
    return as_ba(self)->size;
}

static int ba_index(mor_rt *rt, const bytearray_obj *b, mor_obj *key, int64_t *out)
{
    int64_t i;
    if (mori_int_as_index(rt, key, &i, "bytearray indices") < 0)
        return -1;
    if (i < 0)
        i += b->size;
    if (i < 0 || i >= b->size) {
        mor_raise(rt, MOR_EXC_INDEX, "bytearray index out of range");
        return -1;
    }
    *out = i;
    return 0;
}

static mor_obj *bytearray_getitem(mor_rt *rt, mor_obj *self, mor_obj *key)
{
    bytearray_obj *b = as_ba(self);
    int64_t i;
    if (ba_index(rt, b, key, &i) < 0)
        return NULL;
    return mor_int(rt, b->data[i]);
}

/* Store a byte, or delete one (v NULL: a resize, refused while exported). */
static int bytearray_setitem(mor_rt *rt, mor_obj *self, mor_obj *key, mor_obj *v)
{
    bytearray_obj *b = as_ba(self);
    int64_t i;
    if (ba_index(rt, b, key, &i) < 0)
        return -1;
    if (v != NULL) {
        uint8_t c;
        if (ba_byte_from_obj(rt, v, &c) < 0)
            return -1;
        b->data[i] = c;
        return 0;
    }
    if (b->exports > 0) {
        mor_raise(rt, MOR_EXC_BUFFER, MORI_BUFFER_RESIZE_MSG);
        return -1;
    }
    memmove(b->data + i, b->data + i + 1, (size_t)(b->size - i - 1));
    return ba_resize(rt, b, b->size - 1);
}

/* x in b: an int (one byte value) or a bytes-like substring. */
static int bytearray_contains(mor_rt *rt, mor_obj *self, mor_obj *x)
{
    bytearray_obj *b = as_ba(self);
    if (x->type == &mori_int_type || x->type == &mori_bool_type) {
        uint8_t c;
        if (ba_byte_from_obj(rt, x, &c) < 0)
            return -1;
        return b->size > 0 && memchr(b->data, c, (size_t)b->size) != NULL;
    }
    mor_buffer view;
    if (mor_buffer_get(rt, x, &view, false) < 0)
        return -1;
    int found;
    if (view.len == 0) {
        found = 1;
    } else if (view.stride == view.itemsize) {
        found = b->size > 0 && memmem(b->data, (size_t)b->size, view.buf, (size_t)view.len) != NULL;
    } else {
        uint8_t *tmp = mori_mem_alloc(rt, (size_t)view.len, MORI_MEM_ATOMIC);
        found = -1;
        if (tmp != NULL) {
            mori_buffer_copy_out(&view, tmp);
            found = b->size > 0 && memmem(b->data, (size_t)b->size, tmp, (size_t)view.len) != NULL;
            mori_mem_free(rt, tmp, (size_t)view.len, MORI_MEM_ATOMIC);
        }
    }
    mor_buffer_release(rt, &view);
    return found;
}

static mor_obj *bytearray_slice(mor_rt *rt, mor_obj *self, int64_t start, int64_t stop,
                                int64_t step, int64_t count)
{
    (void)stop;
    bytearray_obj *b = as_ba(self);
    mor_obj *o = ba_new(rt, (size_t)count);
    if (o == NULL || count == 0)
        return o;
    uint8_t *out = as_ba(o)->data;
    if (step == 1) {
        memcpy(out, b->data + start, (size_t)count);
    } else {
        for (int64_t k = 0, i = start; k < count; k++, i += step)
            out[k] = b->data[i];
    }
    return o;
}

static size_t bytearray_size_of(const mor_obj *self)
{
    return sizeof(bytearray_obj) + (size_t)((const bytearray_obj *)self)->allocated;
}

/* ---- buffer export --------------------------------------------------------------------------- */

static int bytearray_getbuffer(mor_rt *rt, mor_obj *self, mor_buffer *view, bool writable)
{
    (void)rt;
    (void)writable; /* always writable */
    bytearray_obj *b = as_ba(self);
    view->buf = b->data != NULL ? (void *)b->data : (void *)(uintptr_t)bytearray_no_data;
    view->len = b->size;
    view->itemsize = 1;
    view->format = "B";
    view->readonly = false;
    view->ndim = 1;
    view->shape = b->size;
    view->stride = 1;
    b->exports++;
    return 0;
}

static void bytearray_releasebuffer(mor_rt *rt, mor_obj *self, mor_buffer *view)
{
    (void)rt;
    (void)view;
    bytearray_obj *b = as_ba(self);
    MOR_ASSERT_OBJ(self, b->exports > 0);
    b->exports--;
}

static int64_t bytearray_exports(const mor_obj *self)
{
    return ((const bytearray_obj *)self)->exports;
}

/* ---- the iterator: yields ints --------------------------------------------------------------- */

typedef struct bytearray_iter {
    mor_obj head;
    mor_obj *ba; /* owned; NULL once exhausted */
    int64_t i;
} bytearray_iter;

static mor_obj *bytearray_iter_new(mor_rt *rt, mor_obj *self)
{
    bytearray_iter *it =
        (bytearray_iter *)mori_obj_alloc(rt, &bytearray_iter_type, sizeof(bytearray_iter));
    if (it == NULL)
        return NULL;
    it->ba = mor_newref(self);
    it->i = 0;
    return &it->head;
}

static void bytearray_iter_dealloc(mor_rt *rt, mor_obj *self)
{
    mor_xdecref(rt, ((bytearray_iter *)self)->ba);
    mori_obj_free(rt, self, sizeof(bytearray_iter));
}

static mor_obj *bytearray_iter_iter(mor_rt *rt, mor_obj *self)
{
    (void)rt;
    return mor_newref(self);
}

/* Re-reads the size at every step: the bytearray may change meanwhile. */
static mor_obj *bytearray_iter_next(mor_rt *rt, mor_obj *self)
{
    bytearray_iter *it = (bytearray_iter *)self;
    if (it->ba == NULL)
        return NULL;
    bytearray_obj *b = as_ba(it->ba);
    if (it->i >= b->size) {
        mor_obj *done = it->ba;
        it->ba = NULL;
        mor_decref(rt, done);
        return NULL;
    }
    return mor_int(rt, b->data[it->i++]); /* small ints: never fails */
}

static const mor_type bytearray_iter_type = {
    .name = "bytearray_iterator",
    .basicsize = sizeof(bytearray_iter),
    .dealloc = bytearray_iter_dealloc,
    .iter = bytearray_iter_iter,
    .next = bytearray_iter_next,
};

/* ---- the type -------------------------------------------------------------------------------- */

static const mor_container_slots bytearray_container = {
    .len = bytearray_len,
    .getitem = bytearray_getitem,
    .setitem = bytearray_setitem,
    .contains = bytearray_contains,
    .slice = bytearray_slice,
};

static const mor_buffer_slots bytearray_buffer = {
    .get = bytearray_getbuffer,
    .release = bytearray_releasebuffer,
    .exports = bytearray_exports,
};

const mor_type mori_bytearray_type = {
    .name = "bytearray",
    .basicsize = sizeof(bytearray_obj),
    .dealloc = bytearray_dealloc,
    .repr = bytearray_repr,
    .eq = bytearray_eq,
    .compare = bytearray_compare,
    .iter = bytearray_iter_new,
    .size_of = bytearray_size_of,
    .container = &bytearray_container,
    .buffer = &bytearray_buffer,
};
