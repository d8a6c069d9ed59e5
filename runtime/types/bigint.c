/* runtime/types/bigint.c: arithmetic on ints beyond int64. The limbs live
 * inline in the int object and the work is done by GMP's mpn layer (no mpz: no
 * separately allocated limb arrays, no GMP allocator). Temporaries sit on the
 * C stack when small and come from the funnel otherwise. */
#include "bigint.h"

#include <float.h>
#include <gmp.h>
#include <math.h>

_Static_assert(sizeof(mp_limb_t) == sizeof(uint64_t) && GMP_NUMB_BITS == 64,
               "big ints store GMP limbs as uint64_t: a 64-bit GMP without nails is required");

/* uint64_t and mp_limb_t are the same size but may be distinct C types. */
#define LIMBS(p) ((mp_limb_t *)(p))
#define CLIMBS(p) ((const mp_limb_t *)(p))

/* Temporaries up to this many limbs live on the C stack of the caller. */
#define BIGINT_STACK_LIMBS 64

/* ---- helpers -------------------------------------------------------------------------------- */

/* n limbs of scratch: `local` (BIGINT_STACK_LIMBS limbs) when they fit, a
 * funnel block otherwise. NULL + MemoryError. Release with bigint_tmp_free. */
static uint64_t *bigint_tmp(mor_rt *rt, uint64_t *local, size_t n)
{
    if (n <= BIGINT_STACK_LIMBS)
        return local;
    if (n > SIZE_MAX / sizeof(uint64_t)) {
        mor_raise(rt, MOR_EXC_MEMORY, "integer too large (%zu limbs)", n);
        return NULL;
    }
    return mori_mem_alloc(rt, n * sizeof(uint64_t), MORI_MEM_ATOMIC);
}

static void bigint_tmp_free(mor_rt *rt, uint64_t *p, const uint64_t *local, size_t n)
{
    if (p != NULL && p != local)
        mori_mem_free(rt, p, n * sizeof(uint64_t), MORI_MEM_ATOMIC);
}

static size_t bigint_norm(const uint64_t *d, size_t n)
{
    while (n > 0 && d[n - 1] == 0)
        n--;
    return n;
}

/* Number of significant bits of a normalized magnitude (0 for zero). */
static uint64_t bigint_bitlen(const uint64_t *d, size_t n)
{
    if (n == 0)
        return 0;
    return 64u * (uint64_t)(n - 1) + 64u - (uint64_t)__builtin_clzll(d[n - 1]);
}

/* Compare two normalized magnitudes: -1, 0, 1. */
static int bigint_cmp_mag(const uint64_t *a, size_t an, const uint64_t *b, size_t bn)
{
    if (an != bn)
        return an < bn ? -1 : 1;
    if (an == 0)
        return 0;
    int c = mpn_cmp(CLIMBS(a), CLIMBS(b), (mp_size_t)an);
    return (c > 0) - (c < 0);
}

/* {dst, n + bits/64 + 1} = {src, n} << bits (n >= 1). Returns that size
 * (unnormalized). */
static size_t bigint_shl(uint64_t *dst, const uint64_t *src, size_t n, uint64_t bits)
{
    size_t words = (size_t)(bits / 64);
    unsigned cnt = (unsigned)(bits % 64);
    memset(dst, 0, words * sizeof(uint64_t));
    if (cnt == 0) {
        memcpy(dst + words, src, n * sizeof(uint64_t));
        dst[words + n] = 0;
    } else {
        dst[words + n] = mpn_lshift(LIMBS(dst + words), CLIMBS(src), (mp_size_t)n, cnt);
    }
    return words + n + 1;
}

/* A big int object with room for n limbs; the caller fills limbs and size. */
static mori_bigint *bigint_alloc(mor_rt *rt, size_t n)
{
    if (n > (SIZE_MAX - offsetof(mori_bigint, limbs)) / sizeof(uint64_t)) {
        mor_raise(rt, MOR_EXC_MEMORY, "integer too large (%zu limbs)", n);
        return NULL;
    }
    mor_obj *o = mori_obj_alloc_atomic(rt, &mori_int_type, mori_bigint_bytes(n));
    if (o == NULL)
        return NULL;
    o->flags |= MORI_INT_BIG;
    return (mori_bigint *)o;
}

mor_obj *mori_bigint_from_mag(mor_rt *rt, int sign, const uint64_t *d, size_t n)
{
    n = bigint_norm(d, n);
    if (n == 0)
        return mor_int(rt, 0);
    if (n == 1) {
        uint64_t m = d[0];
        if (sign > 0 && m <= (uint64_t)INT64_MAX)
            return mor_int(rt, (int64_t)m);
        if (sign < 0 && m <= (uint64_t)INT64_MAX + 1u)
            return mor_int(rt, -(int64_t)(m - 1u) - 1); /* no overflow at 2^63 */
    }
    mori_bigint *b = bigint_alloc(rt, n);
    if (b == NULL)
        return NULL;
    memcpy(b->limbs, d, n * sizeof(uint64_t));
    b->size = sign < 0 ? -(int64_t)n : (int64_t)n;
    return &b->head;
}

mor_obj *mori_bigint_from_digits(mor_rt *rt, const unsigned char *digits, size_t n, int base,
                                 int sign)
{
    while (n > 0 && *digits == 0) { /* mpn_set_str wants a non-zero leading digit */
        digits++;
        n--;
    }
    if (n == 0)
        return mor_int(rt, 0);
    uint64_t acc = 0;
    size_t i = 0;
    for (; i < n; i++)
        if (__builtin_mul_overflow(acc, (uint64_t)base, &acc) ||
            __builtin_add_overflow(acc, (uint64_t)digits[i], &acc))
            break;
    if (i == n)
        return mori_bigint_from_mag(rt, sign, &acc, 1);

    /* mpn_set_str needs room for the largest n-digit value plus one limb */
    unsigned bits_per_digit = 1;
    while ((1u << bits_per_digit) < (unsigned)base)
        bits_per_digit++;
    if (n > SIZE_MAX / 8) {
        mor_raise(rt, MOR_EXC_MEMORY, "integer literal too long (%zu digits)", n);
        return NULL;
    }
    size_t cap = n / 64 * bits_per_digit + bits_per_digit + 2;
    uint64_t local[BIGINT_STACK_LIMBS];
    uint64_t *r = bigint_tmp(rt, local, cap);
    if (r == NULL)
        return NULL;
    mp_size_t rn = mpn_set_str(LIMBS(r), digits, n, base);
    mor_obj *res = mori_bigint_from_mag(rt, sign, r, (size_t)rn);
    bigint_tmp_free(rt, r, local, cap);
    return res;
}

/* ---- addition, subtraction, multiplication -------------------------------------------------- */

/* a + bsign * |b|: the sign of b is passed separately so that subtraction is
 * the same code. */
static mor_obj *bigint_addsub(mor_rt *rt, const mori_intview *a, const mori_intview *b, int bsign)
{
    if (b->n == 0)
        return mori_bigint_from_mag(rt, a->sign, a->d, a->n);
    if (a->n == 0)
        return mori_bigint_from_mag(rt, bsign, b->d, b->n);
    const mori_intview *x = a, *y = b; /* |x| >= |y| */
    int sx = a->sign, sy = bsign;
    int c = bigint_cmp_mag(a->d, a->n, b->d, b->n);
    if (c < 0) {
        x = b;
        y = a;
        sx = bsign;
        sy = a->sign;
    }
    if (sx != sy && c == 0)
        return mor_int(rt, 0);
    size_t n = x->n + 1;
    uint64_t local[BIGINT_STACK_LIMBS];
    uint64_t *r = bigint_tmp(rt, local, n);
    if (r == NULL)
        return NULL;
    if (sx == sy) {
        r[x->n] = mpn_add(LIMBS(r), CLIMBS(x->d), (mp_size_t)x->n, CLIMBS(y->d), (mp_size_t)y->n);
    } else {
        mpn_sub(LIMBS(r), CLIMBS(x->d), (mp_size_t)x->n, CLIMBS(y->d), (mp_size_t)y->n);
        r[x->n] = 0;
    }
    mor_obj *res = mori_bigint_from_mag(rt, sx, r, n);
    bigint_tmp_free(rt, r, local, n);
    return res;
}

mor_obj *mori_bigint_add(mor_rt *rt, const mor_obj *a, const mor_obj *b)
{
    mori_intview va, vb;
    mori_int_view(a, &va);
    mori_int_view(b, &vb);
    return bigint_addsub(rt, &va, &vb, vb.sign);
}

mor_obj *mori_bigint_sub(mor_rt *rt, const mor_obj *a, const mor_obj *b)
{
    mori_intview va, vb;
    mori_int_view(a, &va);
    mori_int_view(b, &vb);
    return bigint_addsub(rt, &va, &vb, -vb.sign);
}

mor_obj *mori_bigint_mul(mor_rt *rt, const mor_obj *a, const mor_obj *b)
{
    mori_intview va, vb;
    mori_int_view(a, &va);
    mori_int_view(b, &vb);
    if (va.n == 0 || vb.n == 0)
        return mor_int(rt, 0);
    const mori_intview *x = &va, *y = &vb; /* mpn_mul wants the longer operand first */
    if (va.n < vb.n) {
        x = &vb;
        y = &va;
    }
    size_t n = x->n + y->n;
    uint64_t local[BIGINT_STACK_LIMBS];
    uint64_t *r = bigint_tmp(rt, local, n);
    if (r == NULL)
        return NULL;
    if (x->d == y->d) /* x * x: squaring is about 1.5 times faster */
        mpn_sqr(LIMBS(r), CLIMBS(x->d), (mp_size_t)x->n);
    else
        mpn_mul(LIMBS(r), CLIMBS(x->d), (mp_size_t)x->n, CLIMBS(y->d), (mp_size_t)y->n);
    mor_obj *res = mori_bigint_from_mag(rt, va.sign * vb.sign, r, n);
    bigint_tmp_free(rt, r, local, n);
    return res;
}

mor_obj *mori_bigint_neg(mor_rt *rt, const mor_obj *a)
{
    mori_intview va;
    mori_int_view(a, &va);
    return mori_bigint_from_mag(rt, -va.sign, va.d, va.n);
}

/* ---- floor division ------------------------------------------------------------------------- */

/* Python's floor division: a = q * b + r with r of b's sign and |r| < |b|.
 * Stores the wanted results (q and/or r may be NULL) as new references; -1
 * with an exception (nothing stored) on failure. b must not be zero. */
static int bigint_divmod(mor_rt *rt, const mor_obj *a, const mor_obj *b, mor_obj **q, mor_obj **r)
{
    mori_intview va, vb;
    mori_int_view(a, &va);
    mori_int_view(b, &vb);
    /* the magnitudes first: |a| = Q |b| + R */
    size_t qn = va.n >= vb.n ? va.n - vb.n + 1 : 1;
    uint64_t qlocal[BIGINT_STACK_LIMBS], rlocal[BIGINT_STACK_LIMBS];
    uint64_t *qd = bigint_tmp(rt, qlocal, qn + 1);
    uint64_t *rd = qd ? bigint_tmp(rt, rlocal, vb.n) : NULL;
    mor_obj *qo = NULL, *ro = NULL;
    if (rd == NULL)
        goto fail;
    memset(qd, 0, (qn + 1) * sizeof(uint64_t));
    if (va.n < vb.n) {
        memset(rd, 0, vb.n * sizeof(uint64_t));
        if (va.n > 0)
            memcpy(rd, va.d, va.n * sizeof(uint64_t));
    } else {
        mpn_tdiv_qr(LIMBS(qd), LIMBS(rd), 0, CLIMBS(va.d), (mp_size_t)va.n, CLIMBS(vb.d),
                    (mp_size_t)vb.n);
    }
    /* different signs and an inexact quotient: round toward -inf, which moves
     * the remainder to the divisor's side */
    if ((va.sign < 0) != (vb.sign < 0) && va.n > 0 && bigint_norm(rd, vb.n) > 0) {
        mpn_add_1(LIMBS(qd), CLIMBS(qd), (mp_size_t)(qn + 1), 1); /* cannot carry out */
        mpn_sub_n(LIMBS(rd), CLIMBS(vb.d), CLIMBS(rd), (mp_size_t)vb.n);
    }
    int qsign = (va.sign < 0) != (vb.sign < 0) ? -1 : 1;
    if (q != NULL && (qo = mori_bigint_from_mag(rt, qsign, qd, qn + 1)) == NULL)
        goto fail;
    if (r != NULL && (ro = mori_bigint_from_mag(rt, vb.sign, rd, vb.n)) == NULL)
        goto fail;
    bigint_tmp_free(rt, qd, qlocal, qn + 1);
    bigint_tmp_free(rt, rd, rlocal, vb.n);
    if (q != NULL)
        *q = qo;
    if (r != NULL)
        *r = ro;
    return 0;
fail:
    if (qo != NULL)
        mor_decref(rt, qo);
    bigint_tmp_free(rt, qd, qlocal, qn + 1);
    bigint_tmp_free(rt, rd, rlocal, vb.n);
    return -1;
}

mor_obj *mori_bigint_floordiv(mor_rt *rt, const mor_obj *a, const mor_obj *b)
{
    if (mor_int_sign(b) == 0) {
        mor_raise(rt, MOR_EXC_ZERO_DIVISION, "integer division or modulo by zero");
        return NULL;
    }
    mor_obj *q;
    return bigint_divmod(rt, a, b, &q, NULL) < 0 ? NULL : q;
}

mor_obj *mori_bigint_mod(mor_rt *rt, const mor_obj *a, const mor_obj *b)
{
    if (mor_int_sign(b) == 0) {
        mor_raise(rt, MOR_EXC_ZERO_DIVISION, "integer modulo by zero");
        return NULL;
    }
    mor_obj *r;
    return bigint_divmod(rt, a, b, NULL, &r) < 0 ? NULL : r;
}

/* ---- power ---------------------------------------------------------------------------------- */

/* log2 of a normalized non-zero magnitude, from its top 64 bits (relative
 * error far below 2^-50). */
static double bigint_log2(const uint64_t *d, size_t n)
{
    uint64_t bits = bigint_bitlen(d, n);
    unsigned lz = (unsigned)__builtin_clzll(d[n - 1]);
    uint64_t top = d[n - 1] << lz;
    if (lz != 0 && n > 1)
        top |= d[n - 2] >> (64 - lz);
    return log2((double)top) + ((double)bits - 64.0);
}

mor_obj *mori_bigint_pow(mor_rt *rt, const mor_obj *a, const mor_obj *e)
{
    mori_intview va, ve;
    mori_int_view(a, &va);
    mori_int_view(e, &ve);
    MOR_ASSERT(ve.sign >= 0);
    if (ve.n == 0)
        return mor_int(rt, 1);
    if (va.n == 0)
        return mor_int(rt, 0);
    int sign = (va.sign < 0 && (ve.d[0] & 1)) ? -1 : 1;
    if (va.n == 1 && va.d[0] == 1)
        return mor_int(rt, sign);

    /* |a| >= 2: the result has about e * log2|a| bits; refuse absurd sizes
     * before spending the memory and the time */
    double bits = ve.n > 1 ? HUGE_VAL : (double)ve.d[0] * bigint_log2(va.d, va.n);
    if (bits > (double)MORI_BIGINT_MAX_POW_BITS) {
        if (ve.n > 1)
            mor_raise(rt, MOR_EXC_OVERFLOW,
                      "integer power result too large (exponent of %llu bits)",
                      (unsigned long long)bigint_bitlen(ve.d, ve.n));
        else
            mor_raise(rt, MOR_EXC_OVERFLOW,
                      "integer power result too large (about %.4g bits; the limit is 2**32)", bits);
        return NULL;
    }
    uint64_t ev = ve.d[0];
    /* Every intermediate is a^j with j <= e; a product of two of them needs at
     * most 2 limbs more than the final result: 4 limbs of slack cover that and
     * the rounding of `bits`. */
    size_t cap = (size_t)(bits / 64.0) + 4 + va.n;
    uint64_t local1[BIGINT_STACK_LIMBS], local2[BIGINT_STACK_LIMBS];
    uint64_t *buf1 = bigint_tmp(rt, local1, cap);
    uint64_t *buf2 = buf1 ? bigint_tmp(rt, local2, cap) : NULL;
    mor_obj *res = NULL;
    if (buf2 == NULL)
        goto done;
    /* left-to-right square-and-multiply: r holds a^(leading bits of e) */
    uint64_t *r = buf1, *t = buf2;
    memcpy(r, va.d, va.n * sizeof(uint64_t));
    size_t rn = va.n;
    for (int bit = 62 - __builtin_clzll(ev); bit >= 0; bit--) {
        mpn_sqr(LIMBS(t), CLIMBS(r), (mp_size_t)rn);
        rn = bigint_norm(t, 2 * rn);
        uint64_t *sw = r;
        r = t;
        t = sw;
        if ((ev >> bit) & 1) {
            mpn_mul(LIMBS(t), CLIMBS(r), (mp_size_t)rn, CLIMBS(va.d), (mp_size_t)va.n);
            rn = bigint_norm(t, rn + va.n);
            sw = r;
            r = t;
            t = sw;
        }
    }
    res = mori_bigint_from_mag(rt, sign, r, rn);
done:
    bigint_tmp_free(rt, buf1, local1, cap);
    bigint_tmp_free(rt, buf2, local2, cap);
    return res;
}

/* ---- conversions to double ------------------------------------------------------------------ */

/* Round the magnitude q * 2^-shift to a double with the precision available
 * at its exponent (fewer bits when subnormal), ties to even. `sticky` says
 * that non-zero bits were cut off below q; q must then carry at least two bits
 * below the rounding point (the callers give 55 to 64 significant bits), so
 * that a tie is told from a value just above it. Returns +inf past DBL_MAX. */
static double bigint_round(uint64_t q, bool sticky, int64_t shift)
{
    if (q == 0)
        return 0.0;
    int64_t e = (int64_t)(64 - __builtin_clzll(q)) - shift; /* 2^(e-1) <= value < 2^e */
    int64_t k = e - DBL_MANT_DIG;                           /* weight of the last kept bit */
    if (k < DBL_MIN_EXP - DBL_MANT_DIG)
        k = DBL_MIN_EXP - DBL_MANT_DIG;
    int64_t drop = k + shift; /* low bits of q below the rounding point */
    if (drop > 0) {
        if (drop > 64)
            return 0.0; /* less than half of the smallest subnormal */
        uint64_t low = drop == 64 ? q : q & ((UINT64_C(1) << drop) - 1);
        uint64_t half = UINT64_C(1) << (drop - 1);
        q = drop == 64 ? 0 : q >> drop;
        if (low > half || (low == half && (sticky || (q & 1))))
            q++;
    } else {
        k = -shift; /* q is exact */
    }
    if (k > DBL_MAX_EXP)
        return HUGE_VAL;
    return ldexp((double)q, (int)k); /* exact: q has at most 54 bits */
}

int mori_int_to_double(mor_rt *rt, mor_obj *o, double *out)
{
    if (mori_int_is_small(o)) {
        *out = (double)mori_int_small_value(o); /* the conversion rounds correctly */
        return 0;
    }
    mori_intview v;
    mori_int_view(o, &v);
    uint64_t bits = bigint_bitlen(v.d, v.n);
    double r = HUGE_VAL;
    if (bits <= DBL_MAX_EXP) {
        /* the top 64 bits, and whether anything below them is non-zero */
        unsigned lz = (unsigned)__builtin_clzll(v.d[v.n - 1]);
        uint64_t top = v.d[v.n - 1] << lz;
        bool sticky = false;
        if (v.n > 1) {
            if (lz != 0) {
                top |= v.d[v.n - 2] >> (64 - lz);
                sticky = (v.d[v.n - 2] << lz) != 0;
            } else {
                sticky = v.d[v.n - 2] != 0;
            }
            for (size_t i = 0; i + 2 < v.n && !sticky; i++)
                sticky = v.d[i] != 0;
        }
        r = bigint_round(top, sticky, 64 - (int64_t)bits);
    }
    if (isinf(r)) {
        mor_raise(rt, MOR_EXC_OVERFLOW, "int too large to convert to float");
        return -1;
    }
    *out = v.sign < 0 ? -r : r;
    return 0;
}

int mori_bigint_truediv(mor_rt *rt, const mor_obj *a, const mor_obj *b, double *out)
{
    mori_intview va, vb;
    mori_int_view(a, &va);
    mori_int_view(b, &vb);
    if (vb.n == 0) {
        mor_raise(rt, MOR_EXC_ZERO_DIVISION, "division by zero");
        return -1;
    }
    bool neg = (va.sign < 0) != (vb.sign < 0);
    double r = 0.0;
    int64_t diff = (int64_t)bigint_bitlen(va.d, va.n) - (int64_t)bigint_bitlen(vb.d, vb.n);
    if (va.n == 0 || diff < DBL_MIN_EXP - DBL_MANT_DIG - 2) {
        /* zero, or below half the smallest subnormal: a signed zero */
    } else if (diff > DBL_MAX_EXP + 1) {
        r = HUGE_VAL;
    } else {
        /* Scale so that the integer quotient Q = floor(|a| 2^s / |b|) has 55 or
         * 56 bits, then round Q * 2^-s once, with the remainder as sticky bit:
         * correctly rounded whatever the operands' sizes. */
        int64_t s = 55 - diff;
        uint64_t ls = s > 0 ? (uint64_t)s : 0, rs = s < 0 ? (uint64_t)-s : 0;
        size_t nn = va.n + (size_t)(ls / 64) + 1, dn = vb.n + (size_t)(rs / 64) + 1;
        uint64_t nlocal[BIGINT_STACK_LIMBS], dlocal[BIGINT_STACK_LIMBS];
        uint64_t rlocal[BIGINT_STACK_LIMBS];
        uint64_t *np = bigint_tmp(rt, nlocal, nn);
        uint64_t *dp = np ? bigint_tmp(rt, dlocal, dn) : NULL;
        uint64_t *rp = dp ? bigint_tmp(rt, rlocal, dn) : NULL;
        if (rp == NULL) {
            bigint_tmp_free(rt, np, nlocal, nn);
            bigint_tmp_free(rt, dp, dlocal, dn);
            return -1;
        }
        size_t nlen = bigint_norm(np, bigint_shl(np, va.d, va.n, ls));
        size_t dlen = bigint_norm(dp, bigint_shl(dp, vb.d, vb.n, rs));
        uint64_t qd[3] = {0, 0, 0}; /* Q < 2^56: nlen - dlen + 1 <= 2 limbs */
        mpn_tdiv_qr(LIMBS(qd), LIMBS(rp), 0, CLIMBS(np), (mp_size_t)nlen, CLIMBS(dp),
                    (mp_size_t)dlen);
        MOR_ASSERT(qd[1] == 0 && qd[0] >= (UINT64_C(1) << 54));
        bool sticky = bigint_norm(rp, dlen) > 0;
        r = bigint_round(qd[0], sticky, s);
        bigint_tmp_free(rt, np, nlocal, nn);
        bigint_tmp_free(rt, dp, dlocal, dn);
        bigint_tmp_free(rt, rp, rlocal, dn);
    }
    if (isinf(r)) {
        mor_raise(rt, MOR_EXC_OVERFLOW, "integer division result too large for a float");
        return -1;
    }
    *out = neg ? -r : r;
    return 0;
}

/* ---- comparison, hash, repr ----------------------------------------------------------------- */

int mori_bigint_cmp(const mor_obj *a, const mor_obj *b)
{
    mori_intview va, vb;
    mori_int_view(a, &va);
    mori_int_view(b, &vb);
    if (va.sign != vb.sign)
        return va.sign < vb.sign ? -1 : 1;
    int c = bigint_cmp_mag(va.d, va.n, vb.d, vb.n);
    return va.sign < 0 ? -c : c;
}

int mori_int_cmp_double(const mor_obj *i, double v)
{
    if (isnan(v))
        return 2;
    if (mori_int_is_small(i)) {
        int64_t x = mori_int_small_value(i);
        if (v >= 0x1p63)
            return -1;
        if (v < -0x1p63)
            return 1;
        double f = floor(v); /* in [-2^63, 2^63): converts exactly */
        int64_t fi = (int64_t)f;
        if (x != fi)
            return x < fi ? -1 : 1;
        return v > f ? -1 : 0;
    }
    mori_intview iv;
    mori_int_view(i, &iv);
    int vs = (v > 0) - (v < 0);
    if (iv.sign != vs)
        return iv.sign < vs ? -1 : 1;
    /* same sign, |i| >= 2^63: compare magnitudes, by bit length first */
    int c;
    int exp;
    double m = frexp(fabs(v), &exp); /* |v| = m 2^exp, 2^(exp-1) <= |v| < 2^exp */
    uint64_t bits = bigint_bitlen(iv.d, iv.n);
    if (isinf(v) || (int64_t)bits < exp) {
        c = -1;
    } else if ((int64_t)bits > exp) {
        c = 1;
    } else {
        /* same bit length (64..1024): v is an integer; spell it out in limbs */
        uint64_t mant = (uint64_t)ldexp(m, DBL_MANT_DIG);
        uint64_t w[DBL_MAX_EXP / 64 + 2];
        size_t wn = bigint_norm(w, bigint_shl(w, &mant, 1, (uint64_t)(exp - DBL_MANT_DIG)));
        c = bigint_cmp_mag(iv.d, iv.n, w, wn);
    }
    return iv.sign < 0 ? -c : c;
}

int64_t mori_bigint_hash(const mor_obj *o)
{
    mori_intview v;
    mori_int_view(o, &v);
    /* Horner's rule on the limbs mod P, with 2^64 == 8 (mod 2^61 - 1) */
    uint64_t h = 0;
    for (size_t i = v.n; i-- > 0;) {
        h = mori_hash_reduce(h << 3);
        h = mori_hash_reduce(h + mori_hash_reduce(v.d[i]));
    }
    int64_t x = v.sign < 0 ? -(int64_t)h : (int64_t)h;
    return x == -1 ? -2 : x;
}

mor_obj *mori_bigint_repr(mor_rt *rt, const mor_obj *o)
{
    mori_intview v;
    mori_int_view(o, &v);
    /* mpn_get_str clobbers its input: work on a copy (one spare limb, as GMP's
     * own callers give it). 64 bits make at most 20 decimal digits. */
    size_t cn = v.n + 1;
    size_t tn = 20 * v.n + 3;
    uint64_t llocal[BIGINT_STACK_LIMBS];
    unsigned char tlocal[20 * BIGINT_STACK_LIMBS + 3];
    uint64_t *copy = bigint_tmp(rt, llocal, cn);
    unsigned char *text = NULL;
    mor_obj *res = NULL;
    if (copy == NULL)
        return NULL;
    text = tn <= sizeof(tlocal) ? tlocal : mori_mem_alloc(rt, tn, MORI_MEM_ATOMIC);
    if (text == NULL)
        goto done;
    memcpy(copy, v.d, v.n * sizeof(uint64_t));
    size_t len = mpn_get_str(text + 1, 10, LIMBS(copy), (mp_size_t)v.n);
    unsigned char *p = text + 1, *end = text + 1 + len;
    while (p < end - 1 && *p == 0) /* leading zeros are allowed in the output */
        p++;
    for (unsigned char *q = p; q < end; q++)
        *q = (unsigned char)('0' + *q);
    if (v.sign < 0)
        *--p = '-';
    res = mori_str_from_ascii(rt, (const char *)p, (size_t)(end - p));
done:
    if (text != NULL && text != tlocal)
        mori_mem_free(rt, text, tn, MORI_MEM_ATOMIC);
    bigint_tmp_free(rt, copy, llocal, cn);
    return res;
}
