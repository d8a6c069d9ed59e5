/* runtime/types/bytes.c: immutable byte strings (b"" is a runtime singleton),
 * their Python repr, SipHash hash (the same key as str, so b"ab" and "ab" hash
 * alike, as in CPython), comparison, indexing, slicing and iteration. */
#include "types.h"

#include "../core/strbuf.h"

static const mor_type bytes_iter_type;

static inline int64_t bytes_len(const mor_obj *b) { return ((const mori_bytes *)b)->v.size; }
static inline const char *bytes_data(const mor_obj *b) { return ((const mori_bytes *)b)->data; }

/* Block size: header with the size, the bytes, and a NUL (handy for C users). */
static inline size_t bytes_block_size(size_t n) { return sizeof(mori_bytes) + n + 1; }

/* A new bytes object of n bytes, contents uninitialised, NUL written. Not the
 * singleton: callers handle n == 0. NULL + MemoryError or OverflowError. */
static mor_obj *bytes_alloc(mor_rt *rt, size_t n)
{
    if (n > MORI_STR_MAX_BYTES) {
        mor_raise(rt, MOR_EXC_OVERFLOW, "bytes object is too large (%zu bytes)", n);
        return NULL;
    }
    mor_obj *o = mori_obj_alloc_atomic(rt, &mori_bytes_type, bytes_block_size(n));
    if (o == NULL)
        return NULL;
    mori_bytes *b = (mori_bytes *)o;
    b->v.size = (int64_t)n;
    b->data[n] = '\0';
    return o;
}

/* ---- public API ------------------------------------------------------------------------------ */

mor_obj *mor_bytes(mor_rt *rt, const void *p, size_t n)
{
    if (n == 0)
        return mor_newref(rt->empty_bytes);
    if (p == NULL) {
        mor_raise(rt, MOR_EXC_TYPE, "mor_bytes: NULL data for %zu bytes", n);
        return NULL;
    }
    mor_obj *o = bytes_alloc(rt, n);
    if (o != NULL)
        memcpy(((mori_bytes *)o)->data, p, n);
    return o;
}

bool mor_is_bytes(const mor_obj *o) { return o != NULL && o->type == &mori_bytes_type; }

const uint8_t *mor_bytes_data(const mor_obj *b, size_t *n)
{
    if (!mor_is_bytes(b)) {
        if (n != NULL)
            *n = 0;
        return NULL;
    }
    if (n != NULL)
        *n = (size_t)bytes_len(b);
    return (const uint8_t *)bytes_data(b);
}

/* ---- runtime init / fini --------------------------------------------------------------------- */

int mori_bytes_init(mor_rt *rt)
{
    rt->empty_bytes = bytes_alloc(rt, 0);
    if (rt->empty_bytes == NULL)
        return -1;
    mori_rt_make_static(rt, rt->empty_bytes);
    return 0;
}

/* Safe when mori_bytes_init did not run or failed. */
void mori_bytes_fini(mor_rt *rt)
{
    if (rt->empty_bytes != NULL) {
        mori_obj_free(rt, rt->empty_bytes, bytes_block_size(0));
        rt->empty_bytes = NULL;
    }
}

/* ---- slots ----------------------------------------------------------------------------------- */

static void bytes_dealloc(mor_rt *rt, mor_obj *self)
{
    mori_obj_free(rt, self, bytes_block_size((size_t)bytes_len(self)));
}

/* Python's bytes repr: b'...' (double quotes when the bytes hold ' and no "),
 * escapes \t \n \r \\ and the quote, \xNN outside printable ASCII. */
static mor_obj *bytes_repr(mor_rt *rt, mor_obj *self)
{
    const unsigned char *d = (const unsigned char *)bytes_data(self);
    size_t n = (size_t)bytes_len(self);
    char q = (memchr(d, '\'', n) != NULL && memchr(d, '"', n) == NULL) ? '"' : '\'';
    mori_sb sb;
    mori_sb_init(&sb, rt);
    mori_sb_addc(&sb, 'b');
    mori_sb_addc(&sb, q);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = d[i];
        char esc[8];
        if (c >= 0x20 && c < 0x7f && c != (unsigned char)q && c != '\\')
            continue;
        if (c == (unsigned char)q || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            esc[2] = '\0';
        } else if (c == '\n') {
            memcpy(esc, "\\n", 3);
        } else if (c == '\r') {
            memcpy(esc, "\\r", 3);
        } else if (c == '\t') {
            memcpy(esc, "\\t", 3);
        } else {
            snprintf(esc, sizeof(esc), "\\x%02x", c);
        }
        mori_sb_add(&sb, (const char *)d + run, i - run);
        mori_sb_adds(&sb, esc);
        run = i + 1;
    }
    mori_sb_add(&sb, (const char *)d + run, n - run);
    mori_sb_addc(&sb, q);
    return mori_sb_finish(&sb);
}

/* Not cached (the layout has no room for it): bytes are rarely dict keys. */
static int bytes_hash(mor_rt *rt, mor_obj *self, int64_t *out)
{
    *out =
        (int64_t)mori_siphash13(rt->sip_k0, rt->sip_k1, bytes_data(self), (size_t)bytes_len(self));
    return 0;
}

static int bytes_cmp(const mor_obj *a, const mor_obj *b)
{
    int64_t na = bytes_len(a), nb = bytes_len(b);
    int c = memcmp(bytes_data(a), bytes_data(b), (size_t)(na < nb ? na : nb));
    if (c != 0)
        return c < 0 ? -1 : 1;
    return na < nb ? -1 : na > nb;
}

static int bytes_eq(mor_rt *rt, mor_obj *self, mor_obj *other)
{
    (void)rt;
    if (!mor_is_bytes(other))
        return MOR_NOTIMPL;
    return bytes_len(self) == bytes_len(other) &&
           memcmp(bytes_data(self), bytes_data(other), (size_t)bytes_len(self)) == 0;
}

static int bytes_compare(mor_rt *rt, mor_obj *self, mor_obj *other, mor_cmp op)
{
    (void)rt;
    if (!mor_is_bytes(other))
        return MOR_NOTIMPL;
    int c = bytes_cmp(self, other);
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

static size_t bytes_size_of(const mor_obj *self)
{
    return bytes_block_size((size_t)bytes_len(self));
}

static mor_obj *bytes_add(mor_rt *rt, mor_obj *a, mor_obj *b)
{
    if (!mor_is_bytes(a) || !mor_is_bytes(b))
        return mor_not_implemented(rt);
    size_t na = (size_t)bytes_len(a), nb = (size_t)bytes_len(b);
    if (na == 0)
        return mor_newref(b);
    if (nb == 0)
        return mor_newref(a);
    mor_obj *r = bytes_alloc(rt, na + nb);
    if (r == NULL)
        return NULL;
    memcpy(((mori_bytes *)r)->data, bytes_data(a), na);
    memcpy(((mori_bytes *)r)->data + na, bytes_data(b), nb);
    return r;
}

/* bytes * int and int * bytes. */
static mor_obj *bytes_mul(mor_rt *rt, mor_obj *a, mor_obj *b)
{
    mor_obj *s = mor_is_bytes(a) ? a : b;
    mor_obj *k = s == a ? b : a;
    if (!mor_is_bytes(s) || !(k->type == &mori_int_type || k->type == &mori_bool_type))
        return mor_not_implemented(rt);
    if (!mori_int_is_small(k)) {
        mor_raise(rt, MOR_EXC_OVERFLOW, "cannot fit 'int' into an index-sized integer");
        return NULL;
    }
    int64_t count = mori_int_small_value(k);
    size_t n = (size_t)bytes_len(s);
    if (count <= 0 || n == 0)
        return mor_newref(rt->empty_bytes);
    if (count == 1)
        return mor_newref(s);
    if ((uint64_t)count > MORI_STR_MAX_BYTES / n) {
        mor_raise(rt, MOR_EXC_OVERFLOW, "repeated bytes are too long");
        return NULL;
    }
    size_t total = n * (size_t)count;
    mor_obj *r = bytes_alloc(rt, total);
    if (r == NULL)
        return NULL;
    char *d = ((mori_bytes *)r)->data;
    memcpy(d, bytes_data(s), n);
    for (size_t done = n; done < total;) {
        size_t c = done < total - done ? done : total - done;
        memcpy(d + done, d, c);
        done += c;
    }
    return r;
}

static int bytes_truth(mor_rt *rt, mor_obj *self)
{
    (void)rt;
    return bytes_len(self) != 0;
}

static int64_t bytes_length(mor_rt *rt, mor_obj *self)
{
    (void)rt;
    return bytes_len(self);
}

static mor_obj *bytes_getitem(mor_rt *rt, mor_obj *self, mor_obj *key)
{
    int64_t i;
    if (mori_int_as_index(rt, key, &i, "byte indices") < 0)
        return NULL;
    int64_t n = bytes_len(self);
    if (i < 0)
        i += n;
    if (i < 0 || i >= n) {
        mor_raise(rt, MOR_EXC_INDEX, "index out of range");
        return NULL;
    }
    return mor_int(rt, (unsigned char)bytes_data(self)[i]);
}

/* x in b: an int (one byte value) or a bytes substring. */
static int bytes_contains(mor_rt *rt, mor_obj *self, mor_obj *x)
{
    const char *d = bytes_data(self);
    size_t n = (size_t)bytes_len(self);
    if (x->type == &mori_int_type || x->type == &mori_bool_type) {
        int64_t v = mori_int_is_small(x) ? mori_int_small_value(x) : -1;
        if (v < 0 || v > 255) {
            mor_raise(rt, MOR_EXC_VALUE, "byte must be in range(0, 256)");
            return -1;
        }
        return memchr(d, (int)v, n) != NULL;
    }
    if (!mor_is_bytes(x)) {
        mor_raise(rt, MOR_EXC_TYPE, "a bytes-like object is required, not '%s'", mor_type_name(x));
        return -1;
    }
    size_t nx = (size_t)bytes_len(x);
    return nx == 0 || memmem(d, n, bytes_data(x), nx) != NULL;
}

static mor_obj *bytes_slice(mor_rt *rt, mor_obj *self, int64_t start, int64_t stop, int64_t step,
                            int64_t count)
{
    (void)stop;
    if (count <= 0)
        return mor_newref(rt->empty_bytes);
    const char *d = bytes_data(self);
    if (step == 1) {
        if (start == 0 && count == bytes_len(self))
            return mor_newref(self);
        return mor_bytes(rt, d + start, (size_t)count);
    }
    mor_obj *r = bytes_alloc(rt, (size_t)count);
    if (r == NULL)
        return NULL;
    char *out = ((mori_bytes *)r)->data;
    for (int64_t k = 0, i = start; k < count; k++, i += step)
        out[k] = d[i];
    return r;
}

/* ---- the bytes iterator: yields ints --------------------------------------------------------- */

typedef struct bytes_iter {
    mor_obj head;
    mor_obj *bytes; /* owned; NULL once exhausted */
    int64_t i;
} bytes_iter;

static mor_obj *bytes_iter_new(mor_rt *rt, mor_obj *self)
{
    bytes_iter *it = (bytes_iter *)mori_obj_alloc(rt, &bytes_iter_type, sizeof(bytes_iter));
    if (it == NULL)
        return NULL;
    it->bytes = mor_newref(self);
    it->i = 0;
    return &it->head;
}

static void bytes_iter_dealloc(mor_rt *rt, mor_obj *self)
{
    mor_xdecref(rt, ((bytes_iter *)self)->bytes);
    mori_obj_free(rt, self, sizeof(bytes_iter));
}

static mor_obj *bytes_iter_iter(mor_rt *rt, mor_obj *self)
{
    (void)rt;
    return mor_newref(self);
}

static mor_obj *bytes_iter_next(mor_rt *rt, mor_obj *self)
{
    bytes_iter *it = (bytes_iter *)self;
    if (it->bytes == NULL)
        return NULL;
    if (it->i >= bytes_len(it->bytes)) {
        mor_obj *b = it->bytes;
        it->bytes = NULL;
        mor_decref(rt, b);
        return NULL;
    }
    mor_obj *v = mor_int(rt, (unsigned char)bytes_data(it->bytes)[it->i]);
    if (v != NULL)
        it->i++;
    return v;
}

static const mor_type bytes_iter_type = {
    .name = "bytes_iterator",
    .basicsize = sizeof(bytes_iter),
    .dealloc = bytes_iter_dealloc,
    .iter = bytes_iter_iter,
    .next = bytes_iter_next,
};

/* ---- buffer export: read-only ---------------------------------------------------------------- */

/* Bytes never change, so exports need no counting (no release function). */
static int bytes_getbuffer(mor_rt *rt, mor_obj *self, mor_buffer *view, bool writable)
{
    if (writable) {
        mor_raise(rt, MOR_EXC_BUFFER, "Object is not writable.");
        return -1;
    }
    mori_bytes *b = (mori_bytes *)self;
    view->buf = b->data;
    view->len = b->v.size;
    view->itemsize = 1;
    view->format = "B";
    view->readonly = true;
    view->ndim = 1;
    view->shape = b->v.size;
    view->stride = 1;
    return 0;
}

static const mor_buffer_slots bytes_buffer = {.get = bytes_getbuffer};

/* ---- the type -------------------------------------------------------------------------------- */

static const mor_number_slots bytes_number = {
    .add = bytes_add,
    .mul = bytes_mul,
    .truth = bytes_truth,
};

static const mor_container_slots bytes_container = {
    .len = bytes_length,
    .getitem = bytes_getitem,
    .contains = bytes_contains,
    .slice = bytes_slice,
};

const mor_type mori_bytes_type = {
    .name = "bytes",
    .basicsize = sizeof(mori_bytes),
    .itemsize = 1,
    .dealloc = bytes_dealloc,
    .repr = bytes_repr,
    .hash = bytes_hash,
    .eq = bytes_eq,
    .compare = bytes_compare,
    .iter = bytes_iter_new,
    .size_of = bytes_size_of,
    .number = &bytes_number,
    .container = &bytes_container,
    .buffer = &bytes_buffer,
};
