/* runtime/types/bigint.h: the multi-limb arithmetic behind big ints (bigint.c),
 * shared by int.c and float.c only. Every function accepts any int (small, big
 * or bool) and returns results that fit int64 in the small form. */
#ifndef MORI_BIGINT_H
#define MORI_BIGINT_H

#include "types.h"

/* A read-only sign-magnitude view of an int, so that one code path serves small
 * and big operands. A small value's magnitude lives in the view itself (`one`):
 * a view must not be copied once made. Zero has n == 0 and sign 0; otherwise
 * d[n - 1] != 0. */
typedef struct mori_intview {
    const uint64_t *d;
    size_t n;
    int sign;
    uint64_t one;
} mori_intview;

static inline void mori_int_view(const mor_obj *o, mori_intview *v)
{
    if (mori_int_is_small(o)) {
        int64_t x = mori_int_small_value(o);
        /* the magnitude of INT64_MIN (2^63) is a valid uint64 */
        v->one = x < 0 ? 0u - (uint64_t)x : (uint64_t)x;
        v->d = &v->one;
        v->n = x != 0;
        v->sign = (x > 0) - (x < 0);
    } else {
        const mori_bigint *b = (const mori_bigint *)o;
        v->d = b->limbs;
        v->n = (size_t)(b->size < 0 ? -b->size : b->size);
        v->sign = b->size < 0 ? -1 : 1;
    }
}

/* Python's numeric hash works modulo this Mersenne prime, so that equal ints
 * and floats hash equal and 2^k mod P is a 61-bit rotation. */
#define MORI_HASH_BITS 61
#define MORI_HASH_MODULUS ((UINT64_C(1) << MORI_HASH_BITS) - 1)

/* x mod MORI_HASH_MODULUS for any uint64: one fold (2^61 == 1) and one
 * conditional subtraction. */
static inline uint64_t mori_hash_reduce(uint64_t x)
{
    uint64_t r = (x & MORI_HASH_MODULUS) + (x >> MORI_HASH_BITS);
    return r >= MORI_HASH_MODULUS ? r - MORI_HASH_MODULUS : r;
}

/* The truth of `a op b` from c = -1, 0, 1 (a <, ==, > b). */
static inline int mori_cmp_holds(int c, mor_cmp op)
{
    switch (op) {
    case MOR_LT: return c < 0;
    case MOR_LE: return c <= 0;
    case MOR_EQ: return c == 0;
    case MOR_NE: return c != 0;
    case MOR_GT: return c > 0;
    case MOR_GE: return c >= 0;
    }
    return 0;
}

/* Bytes of a big int with n limbs (what it allocates and mor_sizeof reports). */
static inline size_t mori_bigint_bytes(size_t nlimbs)
{
    return offsetof(mori_bigint, limbs) + sizeof(uint64_t) * nlimbs;
}

static inline size_t mori_bigint_nlimbs(const mor_obj *o)
{
    int64_t s = ((const mori_bigint *)o)->size;
    return (size_t)(s < 0 ? -s : s);
}

/* ---- "bigint.c" ---------------------------------------------------------------- */

/* The int sign * {d, n} (n may include high zero limbs): a small int when it
 * fits int64, else a new big int. NULL + MemoryError. */
MOR_INTERNAL mor_obj *mori_bigint_from_mag(mor_rt *rt, int sign, const uint64_t *d, size_t n);
/* The int of the digit values {digits, n} (most significant first, each
 * below base, 2 <= base <= 36) with the given sign (+1/-1). */
MOR_INTERNAL mor_obj *mori_bigint_from_digits(mor_rt *rt, const unsigned char *digits, size_t n,
                                              int base, int sign);

/* Arithmetic on two ints of any form (the callers have checked the types);
 * new references, NULL with an exception. */
MOR_INTERNAL mor_obj *mori_bigint_add(mor_rt *rt, const mor_obj *a, const mor_obj *b);
MOR_INTERNAL mor_obj *mori_bigint_sub(mor_rt *rt, const mor_obj *a, const mor_obj *b);
MOR_INTERNAL mor_obj *mori_bigint_mul(mor_rt *rt, const mor_obj *a, const mor_obj *b);
/* Floor division and modulo with Python's signs; ZeroDivisionError. */
MOR_INTERNAL mor_obj *mori_bigint_floordiv(mor_rt *rt, const mor_obj *a, const mor_obj *b);
MOR_INTERNAL mor_obj *mori_bigint_mod(mor_rt *rt, const mor_obj *a, const mor_obj *b);
/* a ** e for e >= 0 (e an int). OverflowError when the result would exceed
 * MORI_BIGINT_MAX_POW_BITS bits. */
MOR_INTERNAL mor_obj *mori_bigint_pow(mor_rt *rt, const mor_obj *a, const mor_obj *e);
MOR_INTERNAL mor_obj *mori_bigint_neg(mor_rt *rt, const mor_obj *a);
/* a / b correctly rounded to a double; ZeroDivisionError, OverflowError. */
MOR_INTERNAL int mori_bigint_truediv(mor_rt *rt, const mor_obj *a, const mor_obj *b, double *out);

/* -1, 0 or 1 as a < b, a == b, a > b. */
MOR_INTERNAL int mori_bigint_cmp(const mor_obj *a, const mor_obj *b);
/* Python's numeric hash of a big int (value mod 2^61 - 1, with its sign). */
MOR_INTERNAL int64_t mori_bigint_hash(const mor_obj *o);
/* The decimal text of a big int as a str. */
MOR_INTERNAL mor_obj *mori_bigint_repr(mor_rt *rt, const mor_obj *o);

/* Results above this many bits are refused by ** with OverflowError instead
 * of exhausting memory or time (2^32 bits: 512 MiB of limbs). */
#define MORI_BIGINT_MAX_POW_BITS (UINT64_C(1) << 32)

#endif
