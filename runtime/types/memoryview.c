/* runtime/types/memoryview.c: memoryview, a zero-copy view of an exporter's
 * memory. Memoryviews derived from one another (of a memoryview, slices, casts)
 * share one managed buffer, which holds the single export of the exporter. */
#include "types.h"

/* The managed buffer (CPython's _PyManagedBuffer): the exporter's view, held
 * once for every memoryview using it. It gives the view back when its last
 * user is released or dies (counted apart from the refcount, so that a stray
 * reference, from mor_gc_get_referents say, does not pin the exporter), or
 * when the buffer itself dies. A GC object: it owns the exporter, which may
 * refer back to one of its memoryviews. */
typedef struct mv_mbuf {
    mor_obj head;
    mor_buffer view; /* view.obj NULL once given back */
    int64_t users;   /* memoryviews not yet released that use it */
} mv_mbuf;

/* A memoryview: its own geometry inside the managed buffer's memory.
 * Invariant: while mbuf != NULL, buf + k * stride for 0 <= k < shape lies in
 * mbuf->view's memory; fmt describes format when it is one of ours (NULL:
 * items cannot be read as values, only as bytes). Released: mbuf == NULL. */
typedef struct mv_obj {
    mor_obj head;
    mv_mbuf *mbuf;
    char *buf;
    int64_t shape;
    int64_t stride;
    int64_t itemsize;
    const char *format;
    const mori_fmt *fmt;
    int64_t exports; /* views of this memoryview held (mor_buffer_get) */
    bool readonly;
} mv_obj;

static const mor_type mv_mbuf_type;
static const mor_type mv_iter_type;

static inline mv_obj *as_mv(mor_obj *o) { return (mv_obj *)o; }
static inline char *mv_at(const mv_obj *mv, int64_t i) { return mv->buf + i * mv->stride; }

static int mv_check(mor_rt *rt, mor_obj *o, const char *fn)
{
    if (o->type == &mori_memoryview_type)
        return 0;
    mor_raise(rt, MOR_EXC_TYPE, "%s: expected a memoryview, got '%s'", fn, o->type->name);
    return -1;
}

/* 0 if the memoryview is usable, -1 + ValueError once released. */
static int mv_live(mor_rt *rt, const mv_obj *mv)
{
    if (mv->mbuf != NULL)
        return 0;
    mor_raise(rt, MOR_EXC_VALUE, "operation forbidden on released memoryview object");
    return -1;
}

/* 0 if items can be read as values, -1 + TypeError for a foreign format. */
static int mv_readable(mor_rt *rt, const mv_obj *mv)
{
    if (mv->fmt != NULL)
        return 0;
    mor_raise(rt, MOR_EXC_TYPE, "memoryview: format %s not supported", mv->format);
    return -1;
}

/* ---- the managed buffer ---------------------------------------------------------------------- */

/* A managed buffer holding a view of exporter; NULL with the exception of
 * mor_buffer_get. Returned tracked, with no users. */
static mv_mbuf *mbuf_new(mor_rt *rt, mor_obj *exporter)
{
    mv_mbuf *m = (mv_mbuf *)mori_gc_alloc(rt, &mv_mbuf_type, sizeof(mv_mbuf));
    if (m == NULL)
        return NULL;
    if (mor_buffer_get(rt, exporter, &m->view, false) < 0) {
        mori_gc_free(rt, &m->head, sizeof(mv_mbuf));
        return NULL;
    }
    m->users = 0;
    mori_gc_track(rt, &m->head);
    return m;
}

static void mbuf_clear(mor_rt *rt, mor_obj *self)
{
    mor_buffer_release(rt, &((mv_mbuf *)self)->view);
}

static void mbuf_dealloc(mor_rt *rt, mor_obj *self)
{
    mbuf_clear(rt, self);
    mori_gc_free(rt, self, sizeof(mv_mbuf));
}

static int mbuf_traverse(mor_obj *self, mor_visit_fn visit, void *arg)
{
    mor_obj *exporter = ((mv_mbuf *)self)->view.obj;
    return exporter != NULL ? visit(exporter, arg) : 0;
}

static const mor_type mv_mbuf_type = {
    .name = "managedbuffer",
    .basicsize = sizeof(mv_mbuf),
    .flags = MOR_TYPE_GC,
#ifdef MOR_BACKEND_BOEHM
    .finalize = mbuf_clear, /* Boehm never calls dealloc: give back what it holds */
#endif
    .dealloc = mbuf_dealloc,
    .traverse = mbuf_traverse,
    .clear = mbuf_clear,
};

/* ---- memoryview helpers ---------------------------------------------------------------------- */

/* Start / stop using a managed buffer. The exporter gets its export back when
 * the last user stops. */
static void mbuf_use(mv_mbuf *m)
{
    mor_incref(&m->head);
    m->users++;
}

static void mbuf_unuse(mor_rt *rt, mv_mbuf *m)
{
    if (--m->users == 0)
        mor_buffer_release(rt, &m->view);
    mor_decref(rt, &m->head);
}

/* A new memoryview using m (held by the caller, its view not yet given back)
 * with the given geometry. m is in use before the allocation: a collection
 * run by it may release the memoryview the geometry came from, but not the
 * memory. NULL + MemoryError. */
static mor_obj *mv_new(mor_rt *rt, mv_mbuf *m, char *buf, int64_t shape, int64_t stride,
                       int64_t itemsize, const char *format, bool readonly)
{
    mbuf_use(m);
    mv_obj *mv = (mv_obj *)mori_gc_alloc(rt, &mori_memoryview_type, sizeof(mv_obj));
    if (mv == NULL) {
        mbuf_unuse(rt, m);
        return NULL;
    }
    mv->mbuf = m;
    mv->buf = buf;
    mv->shape = shape;
    mv->stride = stride;
    mv->itemsize = itemsize;
    mv->format = format;
    mv->fmt = mori_fmt_parse(format);
    if (mv->fmt != NULL && mv->fmt->size != itemsize)
        mv->fmt = NULL; /* the exporter's format and item size disagree: bytes only */
    mv->exports = 0;
    mv->readonly = readonly;
    mori_gc_track(rt, &mv->head);
    return &mv->head;
}

/* A memoryview of the same memory and geometry as mv. */
static mor_obj *mv_copy(mor_rt *rt, const mv_obj *mv)
{
    return mv_new(rt, mv->mbuf, mv->buf, mv->shape, mv->stride, mv->itemsize, mv->format,
                  mv->readonly);
}

/* Release: stop using the managed buffer. */
static void mv_detach(mor_rt *rt, mv_obj *mv)
{
    mv_mbuf *m = mv->mbuf;
    if (m == NULL)
        return;
    mv->mbuf = NULL;
    mbuf_unuse(rt, m);
}

/* Resolve an index key; IndexError when out of range. */
static int mv_index(mor_rt *rt, const mv_obj *mv, mor_obj *key, int64_t *out)
{
    int64_t i;
    if (mori_int_as_index(rt, key, &i, "memoryview indices") < 0)
        return -1;
    if (i < 0)
        i += mv->shape;
    if (i < 0 || i >= mv->shape) {
        mor_raise(rt, MOR_EXC_INDEX, "index out of bounds on dimension 1");
        return -1;
    }
    *out = i;
    return 0;
}

static bool mv_is_byte_format(const char *format)
{
    if (format[0] == '@')
        format++;
    return (format[0] == 'B' || format[0] == 'b' || format[0] == 'c') && format[1] == '\0';
}

/* ---- public API ------------------------------------------------------------------------------ */

mor_obj *mor_memoryview(mor_rt *rt, mor_obj *exporter)
{
    if (exporter->type == &mori_memoryview_type) {
        mv_obj *parent = as_mv(exporter);
        if (mv_live(rt, parent) < 0)
            return NULL;
        return mv_copy(rt, parent); /* shares the parent's export */
    }
    if (!mor_buffer_check(exporter)) {
        mor_raise(rt, MOR_EXC_TYPE, "memoryview: a bytes-like object is required, not '%s'",
                  exporter->type->name);
        return NULL;
    }
    mv_mbuf *m = mbuf_new(rt, exporter);
    if (m == NULL)
        return NULL;
    const mor_buffer *v = &m->view;
    mor_obj *o = mv_new(rt, m, v->buf, v->shape, v->stride, v->itemsize, v->format, v->readonly);
    mor_decref(rt, &m->head); /* o uses it now; on failure its death gives the export back */
    return o;
}

mor_obj *mor_memoryview_cast(mor_rt *rt, mor_obj *o, const char *format)
{
    if (mv_check(rt, o, "mor_memoryview_cast") < 0)
        return NULL;
    mv_obj *mv = as_mv(o);
    if (mv_live(rt, mv) < 0)
        return NULL;
    const mori_fmt *f = format != NULL ? mori_fmt_parse(format) : NULL;
    if (f == NULL) {
        mor_raise(rt, MOR_EXC_VALUE,
                  "memoryview: destination format must be a native single "
                  "character format prefixed with an optional '@'");
        return NULL;
    }
    if (mv->stride != mv->itemsize && mv->shape > 1) {
        mor_raise(rt, MOR_EXC_TYPE, "memoryview: casts are restricted to C-contiguous views");
        return NULL;
    }
    if (!mv_is_byte_format(mv->format) && !mv_is_byte_format(f->format)) {
        mor_raise(rt, MOR_EXC_TYPE, "memoryview: cannot cast between two non-byte formats");
        return NULL;
    }
    int64_t nbytes = mv->shape * mv->itemsize;
    if (nbytes % f->size != 0) {
        mor_raise(rt, MOR_EXC_TYPE, "memoryview: length is not a multiple of itemsize");
        return NULL;
    }
    return mv_new(rt, mv->mbuf, mv->buf, nbytes / f->size, f->size, f->size, f->format,
                  mv->readonly);
}

mor_obj *mor_memoryview_tolist(mor_rt *rt, mor_obj *o)
{
    if (mv_check(rt, o, "mor_memoryview_tolist") < 0)
        return NULL;
    mv_obj *mv = as_mv(o);
    if (mv_live(rt, mv) < 0 || mv_readable(rt, mv) < 0)
        return NULL;
    mor_obj *l = mori_list_new(rt, (size_t)mv->shape);
    if (l == NULL)
        return NULL;
    /* a collection run by that allocation may have released mv (a finalizer);
     * from here on only ints and floats are allocated, which runs no code */
    if (mv_live(rt, mv) < 0)
        goto fail;
    for (int64_t i = 0; i < mv->shape; i++) {
        mori_item v;
        mori_item_load(mv->fmt, mv_at(mv, i), &v);
        mor_obj *x = mori_item_to_obj(rt, &v);
        if (x == NULL || mor_list_append_steal(rt, l, x) < 0)
            goto fail;
    }
    return l;
fail:
    mor_decref(rt, l);
    return NULL;
}

mor_obj *mor_memoryview_tobytes(mor_rt *rt, mor_obj *o)
{
    if (mv_check(rt, o, "mor_memoryview_tobytes") < 0)
        return NULL;
    mv_obj *mv = as_mv(o);
    if (mv_live(rt, mv) < 0)
        return NULL;
    size_t n = (size_t)(mv->shape * mv->itemsize);
    if (mv->stride == mv->itemsize || n == 0)
        return mor_bytes(rt, mv->buf, n);
    mor_buffer view = {.buf = mv->buf,
                       .len = (int64_t)n,
                       .itemsize = mv->itemsize,
                       .shape = mv->shape,
                       .stride = mv->stride};
    char *tmp = mori_mem_alloc(rt, n, MORI_MEM_ATOMIC);
    if (tmp == NULL)
        return NULL;
    mori_buffer_copy_out(&view, tmp);
    mor_obj *b = mor_bytes(rt, tmp, n);
    mori_mem_free(rt, tmp, n, MORI_MEM_ATOMIC);
    return b;
}

int mor_memoryview_release(mor_rt *rt, mor_obj *o)
{
    if (mv_check(rt, o, "mor_memoryview_release") < 0)
        return -1;
    mv_obj *mv = as_mv(o);
    if (mv->mbuf == NULL)
        return 0;
    if (mv->exports > 0) {
        mor_raise(rt, MOR_EXC_BUFFER, "memoryview has %lld exported buffer%s",
                  (long long)mv->exports, mv->exports > 1 ? "s" : "");
        return -1;
    }
    mv_detach(rt, mv);
    return 0;
}

bool mor_is_memoryview(const mor_obj *o) { return o != NULL && o->type == &mori_memoryview_type; }

bool mor_memoryview_released(const mor_obj *o)
{
    return mor_is_memoryview(o) && ((const mv_obj *)o)->mbuf == NULL;
}

/* ---- slots ----------------------------------------------------------------------------------- */

static void mv_dealloc(mor_rt *rt, mor_obj *self)
{
    MOR_ASSERT_OBJ(self, as_mv(self)->exports == 0); /* each view holds a reference */
    mv_detach(rt, as_mv(self));
    mori_gc_free(rt, self, sizeof(mv_obj));
}

static int mv_traverse(mor_obj *self, mor_visit_fn visit, void *arg)
{
    mv_mbuf *m = as_mv(self)->mbuf;
    return m != NULL ? visit(&m->head, arg) : 0;
}

/* Cyclic garbage: let go of the managed buffer even if views of this
 * memoryview exist (they are garbage too). */
static void mv_clear(mor_rt *rt, mor_obj *self) { mv_detach(rt, as_mv(self)); }

static mor_obj *mv_repr(mor_rt *rt, mor_obj *self)
{
    return mor_str_fmt(rt, "<%smemory at %p>", as_mv(self)->mbuf ? "" : "released ", (void *)self);
}

/* Equal to any exporter with as many items of equal value (formats may
 * differ); items of a foreign format compare as bytes, and only with the
 * same format. A released memoryview equals only itself. */
static int mv_eq(mor_rt *rt, mor_obj *self, mor_obj *other)
{
    mv_obj *mv = as_mv(self);
    if (mv->mbuf == NULL || mor_memoryview_released(other))
        return 0;
    if (!mor_buffer_check(other))
        return MOR_NOTIMPL;
    mor_buffer ov;
    if (mor_buffer_get(rt, other, &ov, false) < 0)
        return -1;
    if (mv->mbuf == NULL) { /* released by the exporter's get */
        mor_buffer_release(rt, &ov);
        return 0;
    }
    const mori_fmt *of = mori_fmt_parse(ov.format);
    if (of != NULL && of->size != ov.itemsize)
        of = NULL;
    int eq = ov.shape == mv->shape;
    bool by_value = mv->fmt != NULL && of != NULL;
    if (eq && !by_value)
        eq = ov.itemsize == mv->itemsize && strcmp(ov.format, mv->format) == 0;
    const char *op = ov.buf;
    for (int64_t i = 0; eq && i < mv->shape; i++, op += ov.stride) {
        if (by_value) {
            mori_item a, b;
            mori_item_load(mv->fmt, mv_at(mv, i), &a);
            mori_item_load(of, op, &b);
            eq = mori_item_cmp(&a, &b) == 0;
        } else {
            eq = memcmp(mv_at(mv, i), op, (size_t)mv->itemsize) == 0;
        }
    }
    mor_buffer_release(rt, &ov);
    return eq;
}

static int64_t mv_len(mor_rt *rt, mor_obj *self)
{
    mv_obj *mv = as_mv(self);
    return mv_live(rt, mv) < 0 ? -1 : mv->shape;
}

static mor_obj *mv_getitem(mor_rt *rt, mor_obj *self, mor_obj *key)
{
    mv_obj *mv = as_mv(self);
    int64_t i;
    if (mv_live(rt, mv) < 0 || mv_readable(rt, mv) < 0 || mv_index(rt, mv, key, &i) < 0)
        return NULL;
    mori_item v;
    mori_item_load(mv->fmt, mv_at(mv, i), &v);
    return mori_item_to_obj(rt, &v);
}

/* Write one item through to the exporter's memory; memory cannot be deleted. */
static int mv_setitem(mor_rt *rt, mor_obj *self, mor_obj *key, mor_obj *v)
{
    mv_obj *mv = as_mv(self);
    if (mv_live(rt, mv) < 0)
        return -1;
    if (v == NULL) {
        mor_raise(rt, MOR_EXC_TYPE, "cannot delete memory");
        return -1;
    }
    if (mv->readonly) {
        mor_raise(rt, MOR_EXC_TYPE, "cannot modify read-only memory");
        return -1;
    }
    int64_t i;
    if (mv_readable(rt, mv) < 0 || mv_index(rt, mv, key, &i) < 0)
        return -1;
    mori_item item;
    int why = mori_item_from_obj(rt, mv->fmt, v, &item);
    if (why == MORI_ITEM_BADTYPE) {
        mor_raise(rt, MOR_EXC_TYPE, "memoryview: invalid type for format '%s'", mv->format);
        return -1;
    }
    if (why != MORI_ITEM_OK) {
        mor_raise(rt, MOR_EXC_VALUE, "memoryview: invalid value for format '%s'", mv->format);
        return -1;
    }
    mori_item_store(mv->fmt, mv_at(mv, i), &item);
    return 0;
}

/* A memoryview of the selected items of the same memory (no copy). */
static mor_obj *mv_slice(mor_rt *rt, mor_obj *self, int64_t start, int64_t stop, int64_t step,
                         int64_t count)
{
    (void)stop;
    mv_obj *mv = as_mv(self);
    if (mv_live(rt, mv) < 0)
        return NULL;
    char *buf = count > 0 ? mv_at(mv, start) : mv->buf;
    /* one item or none: any stride will do, and step * stride may overflow */
    int64_t stride = count > 1 ? mv->stride * step : mv->itemsize;
    return mv_new(rt, mv->mbuf, buf, count, stride, mv->itemsize, mv->format, mv->readonly);
}

/* ---- buffer export: a memoryview is an exporter too ------------------------------------------ */

static int mv_getbuffer(mor_rt *rt, mor_obj *self, mor_buffer *view, bool writable)
{
    mv_obj *mv = as_mv(self);
    if (mv_live(rt, mv) < 0)
        return -1;
    if (writable && mv->readonly) {
        mor_raise(rt, MOR_EXC_BUFFER, "memoryview: underlying buffer is not writable");
        return -1;
    }
    view->buf = mv->buf;
    view->len = mv->shape * mv->itemsize;
    view->itemsize = mv->itemsize;
    view->format = mv->format;
    view->readonly = mv->readonly;
    view->ndim = 1;
    view->shape = mv->shape;
    view->stride = mv->stride;
    mv->exports++;
    return 0;
}

static void mv_releasebuffer(mor_rt *rt, mor_obj *self, mor_buffer *view)
{
    (void)rt;
    (void)view;
    mv_obj *mv = as_mv(self);
    MOR_ASSERT_OBJ(self, mv->exports > 0);
    mv->exports--;
}

static int64_t mv_exports(const mor_obj *self) { return ((const mv_obj *)self)->exports; }

/* ---- the iterator ---------------------------------------------------------------------------- */

/* Holds the memoryview (NULL once exhausted); a GC object because a
 * memoryview's exporter may refer back to the iterator. */
typedef struct mv_iter {
    mor_obj head;
    mor_obj *mv;
    int64_t index;
} mv_iter;

static mor_obj *mv_iter_new(mor_rt *rt, mor_obj *self)
{
    mv_obj *mv = as_mv(self);
    if (mv_live(rt, mv) < 0 || mv_readable(rt, mv) < 0)
        return NULL;
    mv_iter *it = (mv_iter *)mori_gc_alloc(rt, &mv_iter_type, sizeof(mv_iter));
    if (it == NULL)
        return NULL;
    it->mv = mor_newref(self);
    it->index = 0;
    mori_gc_track(rt, &it->head);
    return &it->head;
}

static void mv_iter_clear(mor_rt *rt, mor_obj *self)
{
    mv_iter *it = (mv_iter *)self;
    mor_obj *mv = it->mv;
    it->mv = NULL;
    mor_xdecref(rt, mv);
}

static void mv_iter_dealloc(mor_rt *rt, mor_obj *self)
{
    mv_iter_clear(rt, self);
    mori_gc_free(rt, self, sizeof(mv_iter));
}

static int mv_iter_traverse(mor_obj *self, mor_visit_fn visit, void *arg)
{
    mv_iter *it = (mv_iter *)self;
    return it->mv != NULL ? visit(it->mv, arg) : 0;
}

static mor_obj *mv_iter_iter(mor_rt *rt, mor_obj *self)
{
    (void)rt;
    return mor_newref(self);
}

static mor_obj *mv_iter_next(mor_rt *rt, mor_obj *self)
{
    mv_iter *it = (mv_iter *)self;
    if (it->mv == NULL)
        return NULL;
    mv_obj *mv = as_mv(it->mv);
    if (mv_live(rt, mv) < 0)
        return NULL;
    if (it->index >= mv->shape) {
        mv_iter_clear(rt, self);
        return NULL;
    }
    mori_item v;
    mori_item_load(mv->fmt, mv_at(mv, it->index), &v);
    mor_obj *x = mori_item_to_obj(rt, &v);
    if (x != NULL)
        it->index++;
    return x;
}

static const mor_type mv_iter_type = {
    .name = "memory_iterator",
    .basicsize = sizeof(mv_iter),
    .flags = MOR_TYPE_GC,
    .dealloc = mv_iter_dealloc,
    .traverse = mv_iter_traverse,
    .clear = mv_iter_clear,
    .iter = mv_iter_iter,
    .next = mv_iter_next,
};

/* ---- the type -------------------------------------------------------------------------------- */

static const mor_container_slots mv_container = {
    .len = mv_len,
    .getitem = mv_getitem,
    .setitem = mv_setitem,
    .slice = mv_slice,
};

static const mor_buffer_slots mv_buffer = {
    .get = mv_getbuffer,
    .release = mv_releasebuffer,
    .exports = mv_exports,
};

const mor_type mori_memoryview_type = {
    .name = "memoryview",
    .basicsize = sizeof(mv_obj),
    .flags = MOR_TYPE_GC | MOR_TYPE_WEAKREF,
    .dealloc = mv_dealloc,
    .traverse = mv_traverse,
    .clear = mv_clear,
    .repr = mv_repr,
    .eq = mv_eq,
    .iter = mv_iter_new,
    .container = &mv_container,
    .buffer = &mv_buffer,
};
