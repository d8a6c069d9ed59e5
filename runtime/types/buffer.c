/* runtime/types/buffer.c: the buffer protocol (mor_buffer_get/release through a
 * type's buffer slots) and the typed items that arrays and memoryviews share:
 * the format table, loading, storing, converting and comparing one item. */
#include <float.h>
#include <math.h>

#include "types.h"

/* The native formats. l/L are 8 bytes (LP64), as the array module has them. */
static const mori_fmt buffer_fmts[] = {
    {'b', 1, MORI_FMT_SIGNED, "b", "signed char", INT8_MIN, INT8_MAX},
    {'B', 1, MORI_FMT_UNSIGNED, "B", "unsigned byte integer", 0, UINT8_MAX},
    {'h', 2, MORI_FMT_SIGNED, "h", "signed short integer", INT16_MIN, INT16_MAX},
    {'H', 2, MORI_FMT_UNSIGNED, "H", "unsigned short", 0, UINT16_MAX},
    {'i', 4, MORI_FMT_SIGNED, "i", "signed integer", INT32_MIN, INT32_MAX},
    {'I', 4, MORI_FMT_UNSIGNED, "I", "unsigned int", 0, UINT32_MAX},
    {'l', 8, MORI_FMT_SIGNED, "l", "signed long integer", INT64_MIN, INT64_MAX},
    {'L', 8, MORI_FMT_UNSIGNED, "L", "unsigned long", 0, UINT64_MAX},
    {'q', 8, MORI_FMT_SIGNED, "q", "signed long long", INT64_MIN, INT64_MAX},
    {'Q', 8, MORI_FMT_UNSIGNED, "Q", "unsigned long long", 0, UINT64_MAX},
    {'f', 4, MORI_FMT_FLOAT, "f", "float", 0, 0},
    {'d', 8, MORI_FMT_FLOAT, "d", "double", 0, 0},
};

const mori_fmt *mori_fmt_find(char code)
{
    for (size_t i = 0; i < MORI_COUNTOF(buffer_fmts); i++) {
        if (buffer_fmts[i].code == code)
            return &buffer_fmts[i];
    }
    return NULL;
}

const mori_fmt *mori_fmt_parse(const char *format)
{
    if (format == NULL)
        return mori_fmt_find('B');
    if (format[0] == '@')
        format++;
    if (format[0] == '\0' || format[1] != '\0')
        return NULL;
    return mori_fmt_find(format[0]);
}

/* ---- the protocol ---------------------------------------------------------------------------- */

/* Complete what a get slot may leave out (documented in mor/buffer.h): a
 * simple exporter fills buf, len and readonly only. */
static void buffer_normalise(mor_buffer *v)
{
    if (v->itemsize <= 0)
        v->itemsize = 1;
    if (v->format == NULL)
        v->format = "B";
    if (v->ndim == 0)
        v->ndim = 1;
    if (v->shape == 0 && v->len > 0)
        v->shape = v->len / v->itemsize;
    if (v->stride == 0)
        v->stride = v->itemsize;
    v->len = v->shape * v->itemsize;
}

int mor_buffer_get(mor_rt *rt, mor_obj *o, mor_buffer *view, bool writable)
{
    if (view == NULL) {
        mor_raise(rt, MOR_EXC_TYPE, "mor_buffer_get: NULL view");
        return -1;
    }
    memset(view, 0, sizeof(*view));
    const mor_buffer_slots *bs = o->type->buffer;
    if (bs == NULL || bs->get == NULL) {
        mor_raise(rt, MOR_EXC_TYPE, "a bytes-like object is required, not '%s'", o->type->name);
        return -1;
    }
    if (bs->get(rt, o, view, writable) < 0) {
        view->obj = NULL;
        return -1;
    }
    MOR_ASSERT_OBJ(o, !writable || !view->readonly);
    MOR_ASSERT_OBJ(o, view->ndim <= 1);
    buffer_normalise(view);
    view->obj = mor_newref(o);
    return 0;
}

void mor_buffer_release(mor_rt *rt, mor_buffer *view)
{
    if (view == NULL || view->obj == NULL)
        return;
    mor_obj *o = view->obj;
    const mor_buffer_slots *bs = o->type->buffer;
    if (bs != NULL && bs->release != NULL)
        bs->release(rt, o, view);
    view->obj = NULL;
    mor_decref(rt, o);
}

bool mor_buffer_check(const mor_obj *o)
{
    const mor_buffer_slots *bs = o->type->buffer;
    return bs != NULL && bs->get != NULL;
}

int64_t mor_buffer_exports(const mor_obj *o)
{
    const mor_buffer_slots *bs = o->type->buffer;
    return bs != NULL && bs->exports != NULL ? bs->exports(o) : 0;
}

void mori_buffer_copy_out(const mor_buffer *view, void *dst)
{
    if (view->len == 0)
        return;
    if (view->stride == view->itemsize) {
        memcpy(dst, view->buf, (size_t)view->len);
        return;
    }
    const char *src = view->buf;
    char *out = dst;
    size_t n = (size_t)view->itemsize;
    for (int64_t i = 0; i < view->shape; i++, src += view->stride, out += n)
        memcpy(out, src, n);
}

/* ---- typed items ----------------------------------------------------------------------------- */

/* One item in any format: memcpy through it keeps every access aligned. */
typedef union item_raw {
    int8_t b;
    uint8_t B;
    int16_t h;
    uint16_t H;
    int32_t i;
    uint32_t I;
    int64_t q;
    uint64_t Q;
    float f;
    double d;
} item_raw;

void mori_item_load(const mori_fmt *f, const void *p, mori_item *out)
{
    item_raw u;
    memcpy(&u, p, f->size);
    out->kind = f->kind;
    switch (f->code) {
    case 'b': out->v.i = u.b; break;
    case 'B': out->v.u = u.B; break;
    case 'h': out->v.i = u.h; break;
    case 'H': out->v.u = u.H; break;
    case 'i': out->v.i = u.i; break;
    case 'I': out->v.u = u.I; break;
    case 'l':
    case 'q': out->v.i = u.q; break;
    case 'L':
    case 'Q': out->v.u = u.Q; break;
    case 'f': out->v.d = (double)u.f; break;
    default: out->v.d = u.d; break;
    }
}

void mori_item_store(const mori_fmt *f, void *p, const mori_item *v)
{
    item_raw u;
    switch (f->code) {
    case 'b': u.b = (int8_t)v->v.i; break;
    case 'B': u.B = (uint8_t)v->v.u; break;
    case 'h': u.h = (int16_t)v->v.i; break;
    case 'H': u.H = (uint16_t)v->v.u; break;
    case 'i': u.i = (int32_t)v->v.i; break;
    case 'I': u.I = (uint32_t)v->v.u; break;
    case 'l':
    case 'q': u.q = v->v.i; break;
    case 'L':
    case 'Q': u.Q = v->v.u; break;
    case 'f': u.f = (float)v->v.d; break; /* in range: checked by mori_item_from_obj */
    default: u.d = v->v.d; break;
    }
    memcpy(p, &u, f->size);
}

/* Floats accept floats and ints (bools included); a float format of 4 bytes
 * refuses finite values beyond FLT_MAX rather than storing an infinity. */
static int item_float_from_obj(mor_rt *rt, const mori_fmt *f, mor_obj *o, mori_item *out)
{
    double d;
    if (o->type == &mori_float_type) {
        d = ((const mori_float *)o)->value;
    } else if (mori_int_is_small(o)) {
        d = (double)mori_int_small_value(o);
    } else if (o->type == &mori_int_type) {
        if (mori_int_to_double(rt, o, &d) < 0) { /* beyond double: OverflowError */
            mor_err_clear(rt);
            return mor_int_sign(o) < 0 ? MORI_ITEM_TOOSMALL : MORI_ITEM_TOOBIG;
        }
    } else {
        return MORI_ITEM_BADTYPE;
    }
    if (f->size == 4 && isfinite(d) && fabs(d) > (double)FLT_MAX)
        return d > 0 ? MORI_ITEM_TOOBIG : MORI_ITEM_TOOSMALL;
    out->v.d = d;
    return MORI_ITEM_OK;
}

int mori_item_from_obj(mor_rt *rt, const mori_fmt *f, mor_obj *o, mori_item *out)
{
    out->kind = f->kind;
    if (f->kind == MORI_FMT_FLOAT)
        return item_float_from_obj(rt, f, o, out);
    if (mori_int_is_small(o)) {
        int64_t x = mori_int_small_value(o);
        if (x < f->min)
            return MORI_ITEM_TOOSMALL;
        if (x > 0 && (uint64_t)x > f->max)
            return MORI_ITEM_TOOBIG;
        if (f->kind == MORI_FMT_UNSIGNED)
            out->v.u = (uint64_t)x;
        else
            out->v.i = x;
        return MORI_ITEM_OK;
    }
    if (o->type != &mori_int_type)
        return MORI_ITEM_BADTYPE;
    /* a big int: outside int64, so only an unsigned format of 8 bytes can
     * hold it, when it is one positive limb */
    const mori_bigint *b = (const mori_bigint *)o;
    if (b->size < 0)
        return MORI_ITEM_TOOSMALL;
    if (f->kind == MORI_FMT_UNSIGNED && b->size == 1 && b->limbs[0] <= f->max) {
        out->v.u = b->limbs[0];
        return MORI_ITEM_OK;
    }
    return MORI_ITEM_TOOBIG;
}

void mori_item_raise(mor_rt *rt, const mori_fmt *f, mor_obj *o, int why)
{
    if (why == MORI_ITEM_BADTYPE) {
        if (f->kind == MORI_FMT_FLOAT)
            mor_raise(rt, MOR_EXC_TYPE, "must be real number, not %s", o->type->name);
        else
            mor_raise(rt, MOR_EXC_TYPE, "'%s' object cannot be interpreted as an integer",
                      o->type->name);
    } else if (f->kind == MORI_FMT_FLOAT) {
        if (o->type == &mori_float_type)
            mor_raise(rt, MOR_EXC_OVERFLOW, "float too large to pack with %c format", f->code);
        else
            mor_raise(rt, MOR_EXC_OVERFLOW, "int too large to convert to float");
    } else if (why == MORI_ITEM_TOOBIG) {
        mor_raise(rt, MOR_EXC_OVERFLOW, "%s is greater than maximum (%llu)", f->cname,
                  (unsigned long long)f->max);
    } else {
        mor_raise(rt, MOR_EXC_OVERFLOW, "%s is less than minimum (%lld)", f->cname,
                  (long long)f->min);
    }
}

mor_obj *mori_item_to_obj(mor_rt *rt, const mori_item *v)
{
    switch (v->kind) {
    case MORI_FMT_SIGNED: return mor_int(rt, v->v.i);
    case MORI_FMT_UNSIGNED: return mor_int_from_u64(rt, v->v.u);
    default: return mor_float(rt, v->v.d);
    }
}

static mori_i128 item_int_value(const mori_item *v)
{
    return v->kind == MORI_FMT_SIGNED ? (mori_i128)v->v.i : (mori_i128)v->v.u;
}

/* An integer against a double, exactly (a double beyond 2^53 is not rounded
 * into the comparison): -1, 0, 1, or 2 for NaN. */
static int item_cmp_int_double(mori_i128 x, double d)
{
    if (isnan(d))
        return 2;
    if (d >= 0x1p64)
        return -1;
    if (d < -0x1p64)
        return 1;
    double t = trunc(d);
    mori_i128 ti = (mori_i128)t;
    if (x != ti)
        return x < ti ? -1 : 1;
    return d > t ? -1 : d < t ? 1 : 0;
}

int mori_item_cmp(const mori_item *a, const mori_item *b)
{
    bool fa = a->kind == MORI_FMT_FLOAT, fb = b->kind == MORI_FMT_FLOAT;
    if (fa && fb) {
        if (isnan(a->v.d) || isnan(b->v.d))
            return 2;
        return a->v.d < b->v.d ? -1 : a->v.d > b->v.d;
    }
    if (fa) {
        int c = item_cmp_int_double(item_int_value(b), a->v.d);
        return c == 2 ? 2 : -c;
    }
    if (fb)
        return item_cmp_int_double(item_int_value(a), b->v.d);
    mori_i128 x = item_int_value(a), y = item_int_value(b);
    return x < y ? -1 : x > y;
}

bool mori_item_equals_obj(const mori_item *v, mor_obj *o)
{
    mori_item w;
    if (mori_int_is_small(o)) {
        w.kind = MORI_FMT_SIGNED;
        w.v.i = mori_int_small_value(o);
    } else if (o->type == &mori_float_type) {
        w.kind = MORI_FMT_FLOAT;
        w.v.d = ((const mori_float *)o)->value;
    } else if (o->type == &mori_int_type) {
        const mori_bigint *b = (const mori_bigint *)o;
        if (v->kind == MORI_FMT_FLOAT)
            return mori_int_cmp_double(o, v->v.d) == 0;
        if (b->size != 1)
            return false; /* beyond every integer format */
        w.kind = MORI_FMT_UNSIGNED;
        w.v.u = b->limbs[0];
    } else {
        return false;
    }
    return mori_item_cmp(v, &w) == 0;
}
