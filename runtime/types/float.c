/* runtime/types/float.c: the float type: pooled allocation, arithmetic with
 * Python's rules (floored // and %, the error cases of **, ints converted with
 * OverflowError), exact comparison with ints, and the shortest round-trip repr. */
#include "bigint.h"

#include <math.h>

#include "../mem/pool.h"

static inline double float_value(const mor_obj *o) { return ((const mori_float *)o)->value; }

/* ---- public API ----------------------------------------------------------------------------- */

static inline mor_obj *float_init(mor_rt *rt, void *block, double v)
{
    mori_float *f = (mori_float *)mori_obj_adopt(rt, block, &mori_float_type);
    f->value = v;
    return &f->head;
}

static __attribute__((noinline)) mor_obj *float_new_slow(mor_rt *rt, double v)
{
    void *block = mori_pool_take_slow(rt, &rt->mem.pools[MORI_POOL_FLOAT]);
    return block ? float_init(rt, block, v) : NULL;
}

/* A pool pop; the pool's slow path is a tail call, so the hit path has no
 * frame. */
mor_obj *mori_float_new(mor_rt *rt, double v)
{
    void *block = mori_pool_pop(rt, &rt->mem.pools[MORI_POOL_FLOAT]);
    if (MOR_UNLIKELY(block == NULL))
        return float_new_slow(rt, v);
    return float_init(rt, block, v);
}

MORI_EXPORT_AS(mor_float, mori_float_new);

int mor_float_to_double(mor_rt *rt, mor_obj *o, double *out)
{
    if (o->type == &mori_float_type) {
        *out = float_value(o);
        return 0;
    }
    if (o->type == &mori_int_type || o->type == &mori_bool_type)
        return mori_int_to_double(rt, o, out);
    mor_raise(rt, MOR_EXC_TYPE, "must be real number, not %s", o->type->name);
    return -1;
}

bool mor_is_float(const mor_obj *o) { return o->type == &mori_float_type; }

/* ---- repr ----------------------------------------------------------------------------------- */

/* Python's repr: the fewest significant digits that read back to v (tried
 * from 1 to 17, the C library rounding correctly both ways), then laid out as
 * float.__repr__ does: positional when the decimal exponent is in [-4, 16)
 * with at least one digit after the point, scientific otherwise. */
size_t mori_float_repr_buf(double v, char *buf)
{
    char *p = buf;
    if (isnan(v)) {
        memcpy(buf, "nan", 4);
        return 3;
    }
    if (signbit(v)) {
        *p++ = '-';
        v = -v;
    }
    if (isinf(v)) {
        memcpy(p, "inf", 4);
        return (size_t)(p - buf) + 3;
    }
    if (v == 0.0) {
        memcpy(p, "0.0", 4);
        return (size_t)(p - buf) + 3;
    }
    char tmp[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    /* tmp is "d[.ddd]e[+-]xx"; the point is whatever the locale prints */
    char digits[20];
    int nd = 0;
    const char *q = tmp;
    digits[nd++] = *q++;
    while (*q != 'e') {
        if (*q >= '0' && *q <= '9')
            digits[nd++] = *q;
        q++;
    }
    int exp10 = atoi(q + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;

    if (exp10 >= -4 && exp10 < 16) {
        if (exp10 < 0) {
            *p++ = '0';
            *p++ = '.';
            for (int i = exp10 + 1; i < 0; i++)
                *p++ = '0';
            memcpy(p, digits, (size_t)nd);
            p += nd;
        } else {
            for (int i = 0; i <= exp10; i++)
                *p++ = i < nd ? digits[i] : '0';
            *p++ = '.';
            if (nd > exp10 + 1) {
                memcpy(p, digits + exp10 + 1, (size_t)(nd - exp10 - 1));
                p += nd - exp10 - 1;
            } else {
                *p++ = '0';
            }
        }
    } else {
        *p++ = digits[0];
        if (nd > 1) {
            *p++ = '.';
            memcpy(p, digits + 1, (size_t)(nd - 1));
            p += nd - 1;
        }
        int ae = exp10 < 0 ? -exp10 : exp10; /* at least two digits, as Python */
        *p++ = 'e';
        *p++ = exp10 < 0 ? '-' : '+';
        if (ae >= 100)
            *p++ = (char)('0' + ae / 100);
        *p++ = (char)('0' + ae / 10 % 10);
        *p++ = (char)('0' + ae % 10);
    }
    *p = '\0';
    return (size_t)(p - buf);
}

/* ---- arithmetic ----------------------------------------------------------------------------- */

/* o as a double for a float slot: 1 converted, 0 not a number type floats
 * mix with, -1 error (an int too large). */
static int float_convert(mor_rt *rt, mor_obj *o, double *out)
{
    if (o->type == &mori_float_type) {
        *out = float_value(o);
        return 1;
    }
    if (mori_int_is_small(o)) {
        *out = (double)mori_int_small_value(o);
        return 1;
    }
    if (o->type == &mori_int_type)
        return mori_int_to_double(rt, o, out) < 0 ? -1 : 1;
    return 0;
}

static bool float_mixes(const mor_obj *o)
{
    return o->type == &mori_float_type || o->type == &mori_int_type || o->type == &mori_bool_type;
}

/* Both operands of a binary slot: 1 ok, 0 NotImplemented, -1 error. The
 * types are checked before any conversion so that an unknown right operand
 * is NotImplemented even when the left one is an oversized int. */
static inline int float_operands(mor_rt *rt, mor_obj *a, mor_obj *b, double *x, double *y)
{
    if (MOR_LIKELY(a->type == &mori_float_type && b->type == &mori_float_type)) {
        *x = float_value(a);
        *y = float_value(b);
        return 1;
    }
    if (!float_mixes(a) || !float_mixes(b))
        return 0;
    if (float_convert(rt, a, x) < 0 || float_convert(rt, b, y) < 0)
        return -1;
    return 1;
}

/* What a slot returns when float_operands did not give 1. */
static mor_obj *float_operands_failed(mor_rt *rt, int r)
{
    return r == 0 ? mor_not_implemented(rt) : NULL;
}

static mor_obj *float_add(mor_rt *rt, mor_obj *a, mor_obj *b)
{
    double x, y;
    int r = float_operands(rt, a, b, &x, &y);
    return r == 1 ? mori_float_new(rt, x + y) : float_operands_failed(rt, r);
}

static mor_obj *float_sub(mor_rt *rt, mor_obj *a, mor_obj *b)
{
    double x, y;
    int r = float_operands(rt, a, b, &x, &y);
    return r == 1 ? mori_float_new(rt, x - y) : float_operands_failed(rt, r);
}

static mor_obj *float_mul(mor_rt *rt, mor_obj *a, mor_obj *b)
{
    double x, y;
    int r = float_operands(rt, a, b, &x, &y);
    return r == 1 ? mori_float_new(rt, x * y) : float_operands_failed(rt, r);
}

static mor_obj *float_truediv(mor_rt *rt, mor_obj *a, mor_obj *b)
{
    double x, y;
    int r = float_operands(rt, a, b, &x, &y);
    if (r != 1)
        return float_operands_failed(rt, r);
    if (y == 0.0) {
        mor_raise(rt, MOR_EXC_ZERO_DIVISION, "float division by zero");
        return NULL;
    }
    return mori_float_new(rt, x / y);
}

/* Floored division of x by y (y != 0): *q = floor(x / y) computed without the
 * rounding error of x / y, *m = x - q * y with the sign of y. fmod is exact;
 * (x - m) / y is then within half an ulp of an integer. */
static void float_divmod(double x, double y, double *q, double *m)
{
    double mod = fmod(x, y);
    double div = (x - mod) / y;
    if (mod != 0.0) {
        if ((y < 0) != (mod < 0)) { /* C's remainder has x's sign; Python wants y's */
            mod += y;
            div -= 1.0;
        }
    } else {
        mod = copysign(0.0, y);
    }
    double fl;
    if (div != 0.0) {
        fl = floor(div);
        if (div - fl > 0.5)
            fl += 1.0;
    } else {
        fl = copysign(0.0, x / y);
    }
    *q = fl;
    *m = mod;
}

static mor_obj *float_floordiv(mor_rt *rt, mor_obj *a, mor_obj *b)
{
    double x, y;
    int r = float_operands(rt, a, b, &x, &y);
    if (r != 1)
        return float_operands_failed(rt, r);
    if (y == 0.0) {
        mor_raise(rt, MOR_EXC_ZERO_DIVISION, "float floor division by zero");
        return NULL;
    }
    double q, m;
    float_divmod(x, y, &q, &m);
    return mori_float_new(rt, q);
}

static mor_obj *float_mod(mor_rt *rt, mor_obj *a, mor_obj *b)
{
    double x, y;
    int r = float_operands(rt, a, b, &x, &y);
    if (r != 1)
        return float_operands_failed(rt, r);
    if (y == 0.0) {
        mor_raise(rt, MOR_EXC_ZERO_DIVISION, "float modulo");
        return NULL;
    }
    double q, m;
    float_divmod(x, y, &q, &m);
    return mori_float_new(rt, m);
}

/* C99's pow (Annex F) already agrees with Python on every special value
 * (1 ** nan == 1, nan ** 0 == 1, (-1) ** inf == 1, ...); only the cases Python
 * turns into exceptions need checking. */
mor_obj *mori_float_pow(mor_rt *rt, double x, double y)
{
    if (x == 0.0 && y < 0.0 && isfinite(y)) {
        mor_raise(rt, MOR_EXC_ZERO_DIVISION, "0.0 cannot be raised to a negative power");
        return NULL;
    }
    if (x < 0.0 && isfinite(x) && isfinite(y) && y != floor(y)) {
        mor_raise(rt, MOR_EXC_VALUE, "negative number cannot be raised to a fractional power");
        return NULL;
    }
    double r = pow(x, y);
    if (isinf(r) && isfinite(x) && isfinite(y)) {
        mor_raise(rt, MOR_EXC_OVERFLOW, "(34, 'Numerical result out of range')");
        return NULL;
    }
    return mori_float_new(rt, r);
}

static mor_obj *float_pow(mor_rt *rt, mor_obj *a, mor_obj *b)
{
    double x, y;
    int r = float_operands(rt, a, b, &x, &y);
    return r == 1 ? mori_float_pow(rt, x, y) : float_operands_failed(rt, r);
}

static mor_obj *float_neg(mor_rt *rt, mor_obj *a) { return mori_float_new(rt, -float_value(a)); }

static int float_truth(mor_rt *rt, mor_obj *a)
{
    (void)rt;
    return float_value(a) != 0.0; /* NaN is true */
}

/* ---- other slots ---------------------------------------------------------------------------- */

static void float_dealloc(mor_rt *rt, mor_obj *self)
{
    mori_pool_give(rt, &rt->mem.pools[MORI_POOL_FLOAT], mori_obj_release(rt, self));
}

static mor_obj *float_repr(mor_rt *rt, mor_obj *self)
{
    char buf[32];
    size_t n = mori_float_repr_buf(float_value(self), buf);
    return mori_str_from_ascii(rt, buf, n);
}

static int float_hash(mor_rt *rt, mor_obj *self, int64_t *out)
{
    (void)rt;
    double v = float_value(self);
    if (MOR_UNLIKELY(isnan(v))) {
        /* NaNs are unequal to everything: hash by identity (Python 3.10+) */
        uint64_t p = (uint64_t)(uintptr_t)self;
        int64_t h = (int64_t)((p >> 4) | (p << 60));
        *out = h == -1 ? -2 : h;
        return 0;
    }
    *out = mori_hash_double(v);
    return 0;
}

/* self (a float) against other: 1/0 for `self op other`, or MOR_NOTIMPL. */
static int float_compare(mor_rt *rt, mor_obj *self, mor_obj *other, mor_cmp op)
{
    (void)rt;
    double x = float_value(self);
    if (other->type == &mori_float_type) {
        double y = float_value(other);
        switch (op) {
        case MOR_LT: return x < y;
        case MOR_LE: return x <= y;
        case MOR_EQ: return x == y;
        case MOR_NE: return x != y;
        case MOR_GT: return x > y;
        case MOR_GE: return x >= y;
        }
        return 0;
    }
    if (other->type == &mori_int_type || other->type == &mori_bool_type) {
        int c = mori_int_cmp_double(other, x); /* other against self */
        if (c == 2)
            return op == MOR_NE;
        return mori_cmp_holds(-c, op);
    }
    return MOR_NOTIMPL;
}

static int float_eq(mor_rt *rt, mor_obj *self, mor_obj *other)
{
    return float_compare(rt, self, other, MOR_EQ);
}

static size_t float_size_of(const mor_obj *self)
{
    (void)self;
    return sizeof(mori_float);
}

static const mor_number_slots float_number = {
    .add = float_add,
    .sub = float_sub,
    .mul = float_mul,
    .floordiv = float_floordiv,
    .mod = float_mod,
    .truediv = float_truediv,
    .pow = float_pow,
    .neg = float_neg,
    .truth = float_truth,
};

/* 24 bytes from the float pool; not a GC object, not weakly referenceable. */
const mor_type mori_float_type = {
    .name = "float",
    .basicsize = sizeof(mori_float),
    .dealloc = float_dealloc,
    .repr = float_repr,
    .hash = float_hash,
    .eq = float_eq,
    .compare = float_compare,
    .size_of = float_size_of,
    .number = &float_number,
};
