/* runtime/types/int.c: the int and bool types: the small-int cache, the int64
 * fast paths of arithmetic (big operands and overflows go to bigint.c),
 * parsing int(text, base), Python's numeric hash, and index conversion. */
#include "bigint.h"

#include <math.h>

#include "../mem/pool.h"

static inline bool int_check(const mor_obj *o)
{
    return o->type == &mori_int_type || o->type == &mori_bool_type;
}

/* ---- allocation and the small-int cache ----------------------------------------------------- */

static inline mor_obj *int_init_small(mor_rt *rt, void *block, int64_t v)
{
    mori_int *o = (mori_int *)mori_obj_adopt(rt, block, &mori_int_type);
    o->value = v;
    return &o->head;
}

static __attribute__((noinline)) mor_obj *int_alloc_small_slow(mor_rt *rt, int64_t v)
{
    void *block = mori_pool_take_slow(rt, &rt->mem.pools[MORI_POOL_INT]);
    return block ? int_init_small(rt, block, v) : NULL;
}

/* A fresh small-form int: a pool pop and the bookkeeping of mori_obj_alloc;
 * the pool's slow path is a tail call, so the hit path has no frame. */
static inline mor_obj *int_alloc_small(mor_rt *rt, int64_t v)
{
    void *block = mori_pool_pop(rt, &rt->mem.pools[MORI_POOL_INT]);
    if (MOR_UNLIKELY(block == NULL))
        return int_alloc_small_slow(rt, v);
    return int_init_small(rt, block, v);
}

mor_obj *mori_int_new(mor_rt *rt, int64_t v)
{
    /* one unsigned compare checks both bounds */
    uint64_t i = (uint64_t)v - (uint64_t)rt->small_min;
    if (i <= (uint64_t)(rt->small_max - rt->small_min))
        return &((mori_int *)rt->small_ints)[i].head;
    return int_alloc_small(rt, v);
}

MORI_EXPORT_AS(mor_int, mori_int_new);

/* The cache is one funnel block of mori_int objects, immortal and owned by the
 * runtime; rt.c has checked that the configured range is sane. */
int mori_int_init(mor_rt *rt)
{
    int64_t lo = rt->cfg.small_int_min, hi = rt->cfg.small_int_max;
    if (lo > hi)
        return -1;
    size_t n = (size_t)(hi - lo) + 1;
    mori_int *cache = mori_mem_alloc(rt, n * sizeof(mori_int), MORI_MEM_ATOMIC);
    if (cache == NULL)
        return -1;
    for (size_t i = 0; i < n; i++) {
        mori_init_header(&cache[i].head, &mori_int_type);
        cache[i].head.refcnt = MOR_REFCNT_IMMORTAL;
        cache[i].head.flags |= MORI_OF_STATIC;
        cache[i].value = lo + (int64_t)i;
    }
    rt->small_ints = &cache->head;
    rt->small_min = lo;
    rt->small_max = hi;
    return 0;
}

void mori_int_fini(mor_rt *rt)
{
    if (rt->small_ints == NULL)
        return;
    size_t n = (size_t)(rt->small_max - rt->small_min) + 1;
    mori_mem_free(rt, rt->small_ints, n * sizeof(mori_int), MORI_MEM_ATOMIC);
    rt->small_ints = NULL;
}

/* ---- hashing -------------------------------------------------------------------------------- */

/* Python's hash of an integer: sign(v) * (|v| mod 2^61 - 1), -1 becoming -2
 * (-1 is the error value of CPython's hash functions; kept for equal hashes). */
static int64_t int_hash_i64(int64_t v)
{
    uint64_t m = v < 0 ? 0u - (uint64_t)v : (uint64_t)v;
    int64_t h = (int64_t)mori_hash_reduce(m);
    if (v < 0)
        h = -h;
    return h == -1 ? -2 : h;
}

int64_t mori_hash_double(double v)
{
    if (!isfinite(v))
        return isnan(v) ? 0 : (v > 0 ? 314159 : -314159);
    int e;
    double m = frexp(fabs(v), &e);
    if (m == 0.0)
        return 0;
    /* |v| = mant * 2^(e - 53) with mant an integer below 2^53 < P; since
     * 2^61 == 1 (mod P), multiplying by 2^k is a rotation of 61 bits by
     * k mod 61 (also for negative k). */
    uint64_t h = (uint64_t)ldexp(m, 53);
    int k = (e - 53) % MORI_HASH_BITS;
    if (k < 0)
        k += MORI_HASH_BITS;
    h = ((h << k) & MORI_HASH_MODULUS) | (h >> (MORI_HASH_BITS - k));
    int64_t x = v < 0 ? -(int64_t)h : (int64_t)h;
    return x == -1 ? -2 : x;
}

/* ---- public API ----------------------------------------------------------------------------- */

mor_obj *mor_int_from_u64(mor_rt *rt, uint64_t v)
{
    if (v <= (uint64_t)INT64_MAX)
        return mori_int_new(rt, (int64_t)v);
    return mori_bigint_from_mag(rt, 1, &v, 1);
}

/* bool is accepted: Python's bools are ints (True converts to 1). */
int mor_int_to_i64(mor_rt *rt, mor_obj *o, int64_t *out)
{
    if (MOR_LIKELY(mori_int_is_small(o))) {
        *out = mori_int_small_value(o);
        return 0;
    }
    if (o->type == &mori_int_type)
        mor_raise(rt, MOR_EXC_OVERFLOW, "Python int too large to convert to C int64_t");
    else
        mor_raise(rt, MOR_EXC_TYPE, "an integer is required (got type %s)", o->type->name);
    return -1;
}

/* Exactly the int type: bool is a distinct type here (as type(True) is not
 * int in Python), even though every int function accepts bools. */
bool mor_is_int(const mor_obj *o) { return o->type == &mori_int_type; }

/* Bools count as ints here: the sign of True is 1. */
int mor_int_sign(const mor_obj *o)
{
    if (mori_int_is_small(o)) {
        int64_t v = mori_int_small_value(o);
        return (v > 0) - (v < 0);
    }
    if (o->type == &mori_int_type)
        return ((const mori_bigint *)o)->size < 0 ? -1 : 1;
    return 0;
}

int mori_int_as_index(mor_rt *rt, mor_obj *o, int64_t *out, const char *what)
{
    if (MOR_LIKELY(mori_int_is_small(o))) {
        *out = mori_int_small_value(o);
        return 0;
    }
    if (o->type == &mori_int_type)
        mor_raise(rt, MOR_EXC_INDEX, "cannot fit 'int' into an index-sized integer");
    else
        mor_raise(rt, MOR_EXC_TYPE, "%s must be integers or slices, not %s", what, o->type->name);
    return -1;
}

/* ---- parsing -------------------------------------------------------------------------------- */

/* The whitespace int() strips from ASCII text: space and \t \n \v \f \r
 * (not \x1c..\x1f, which str.isspace accepts). */
static bool int_isspace(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

static int int_digit_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20; /* ASCII lower case */
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 10;
    return 99;
}

/* Length of the valid UTF-8 sequence at p (1..4), 0 if invalid. */
static size_t int_utf8_len(const unsigned char *p)
{
    unsigned char c = p[0];
    size_t n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
    if (n == 4 &&
        (p[1] < 0x80 || p[1] > 0xbf || (c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] > 0x8f)))
        return 0;
    if (n == 3 &&
        (p[1] < 0x80 || p[1] > 0xbf || (c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f)))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xbf)
            return 0;
    return n;
}

/* ValueError "invalid literal for int() with base 10: '12a'": the text quoted
 * as Python's repr quotes it and, like CPython's %.200R, cut at 200 characters. */
static void int_raise_invalid(mor_rt *rt, const char *text, int base)
{
    enum { MAXCHARS = 200 };
    char buf[MAXCHARS * 4 + 8];
    const unsigned char *p = (const unsigned char *)text;
    char quote = strchr(text, '\'') && !strchr(text, '"') ? '"' : '\'';
    size_t len = 0, chars = 0;
    buf[len++] = quote;
    chars++;
    for (; *p != '\0' && chars < MAXCHARS; p++) {
        unsigned char c = *p;
        const char *esc = NULL;
        char hex[5];
        if (c == '\\' || c == (unsigned char)quote) {
            hex[0] = '\\';
            hex[1] = (char)c;
            hex[2] = '\0';
            esc = hex;
        } else if (c == '\n') {
            esc = "\\n";
        } else if (c == '\r') {
            esc = "\\r";
        } else if (c == '\t') {
            esc = "\\t";
        } else if (c < 0x20 || c == 0x7f || (c >= 0x80 && int_utf8_len(p) == 0)) {
            snprintf(hex, sizeof hex, "\\x%02x", c);
            esc = hex;
        }
        if (esc != NULL) {
            size_t n = strlen(esc);
            if (chars + n > MAXCHARS)
                n = MAXCHARS - chars;
            memcpy(buf + len, esc, n);
            len += n;
            chars += n;
        } else if (c >= 0x80) {
            size_t n = int_utf8_len(p); /* one character, copied whole */
            memcpy(buf + len, p, n);
            len += n;
            chars++;
            p += n - 1;
        } else {
            buf[len++] = (char)c;
            chars++;
        }
    }
    if (chars < MAXCHARS)
        buf[len++] = quote;
    buf[len] = '\0';
    mor_raise(rt, MOR_EXC_VALUE, "invalid literal for int() with base %d: %s", base, buf);
}

/* Unicode digits and whitespace beyond ASCII are not accepted (Python's int()
 * takes them); there is no limit on the number of digits (Python 3.11 has a
 * default limit of 4300). */
mor_obj *mor_int_from_str(mor_rt *rt, const char *text, int base)
{
    if (text == NULL) {
        mor_raise(rt, MOR_EXC_TYPE, "int() argument must be a string, not NULL");
        return NULL;
    }
    if (base != 0 && (base < 2 || base > 36)) {
        mor_raise(rt, MOR_EXC_VALUE, "int() base must be >= 2 and <= 36, or 0");
        return NULL;
    }
    const unsigned char *p = (const unsigned char *)text;
    const unsigned char *end = p + strlen(text);
    while (p < end && int_isspace(*p))
        p++;
    while (end > p && int_isspace(end[-1]))
        end--;
    int sign = 1;
    if (p < end && (*p == '+' || *p == '-')) {
        sign = *p == '-' ? -1 : 1;
        p++;
    }
    int b = base;
    bool prefixed = false;
    if (end - p >= 2 && p[0] == '0') {
        unsigned char c = p[1] | 0x20;
        int pb = c == 'x' ? 16 : c == 'o' ? 8 : c == 'b' ? 2 : 0;
        if (pb != 0 && (b == 0 || b == pb)) {
            b = pb;
            p += 2;
            prefixed = true;
        }
    }
    bool strict_zero = b == 0; /* base 0 decimal: "010" is invalid, "000" is fine */
    if (b == 0)
        b = 10;
    if (prefixed && p < end && *p == '_') /* "0x_1f" */
        p++;

    unsigned char local[128];
    size_t cap = (size_t)(end - p);
    unsigned char *digits = cap <= sizeof(local) ? local : mori_mem_alloc(rt, cap, MORI_MEM_ATOMIC);
    if (digits == NULL)
        return NULL;
    mor_obj *res = NULL;
    size_t nd = 0;
    bool underscore = false; /* the previous character was an underscore */
    for (; p < end; p++) {
        if (*p == '_') {
            if (nd == 0 || underscore)
                goto invalid;
            underscore = true;
            continue;
        }
        int dv = int_digit_value(*p);
        if (dv >= b)
            goto invalid;
        digits[nd++] = (unsigned char)dv;
        underscore = false;
    }
    if (nd == 0 || underscore)
        goto invalid;
    if (strict_zero && !prefixed && digits[0] == 0)
        for (size_t i = 1; i < nd; i++)
            if (digits[i] != 0)
                goto invalid;
    res = mori_bigint_from_digits(rt, digits, nd, b, sign);
    goto done;
invalid:
    int_raise_invalid(rt, text, base);
done:
    if (digits != local)
        mori_mem_free(rt, digits, cap, MORI_MEM_ATOMIC);
    return res;
}

/* ---- arithmetic slots: int64 fast paths, bigint.c for the rest ------------------------------ */

static mor_obj *int_add(mor_rt *rt, mor_obj *a, mor_obj *b)
{
    int64_t r;
    if (MOR_LIKELY(mori_int_is_small(a) && mori_int_is_small(b)) &&
        !__builtin_add_overflow(mori_int_small_value(a), mori_int_small_value(b), &r))
        return mori_int_new(rt, r);
    if (!int_check(a) || !int_check(b))
        return mor_not_implemented(rt);
    return mori_bigint_add(rt, a, b);
}

static mor_obj *int_sub(mor_rt *rt, mor_obj *a, mor_obj *b)
{
    int64_t r;
    if (MOR_LIKELY(mori_int_is_small(a) && mori_int_is_small(b)) &&
        !__builtin_sub_overflow(mori_int_small_value(a), mori_int_small_value(b), &r))
        return mori_int_new(rt, r);
    if (!int_check(a) || !int_check(b))
        return mor_not_implemented(rt);
    return mori_bigint_sub(rt, a, b);
}

static mor_obj *int_mul(mor_rt *rt, mor_obj *a, mor_obj *b)
{
    int64_t r;
    if (MOR_LIKELY(mori_int_is_small(a) && mori_int_is_small(b)) &&
        !__builtin_mul_overflow(mori_int_small_value(a), mori_int_small_value(b), &r))
        return mori_int_new(rt, r);
    if (!int_check(a) || !int_check(b))
        return mor_not_implemented(rt);
    return mori_bigint_mul(rt, a, b);
}

static mor_obj *int_floordiv(mor_rt *rt, mor_obj *a, mor_obj *b)
{
    if (mori_int_is_small(a) && mori_int_is_small(b)) {
        int64_t x = mori_int_small_value(a), y = mori_int_small_value(b);
        if (y == 0) {
            mor_raise(rt, MOR_EXC_ZERO_DIVISION, "integer division or modulo by zero");
            return NULL;
        }
        if (!(x == INT64_MIN && y == -1)) { /* the one quotient that overflows */
            int64_t q = x / y;
            if (x % y != 0 && ((x % y) ^ y) < 0) /* C truncates; Python floors */
                q--;
            return mori_int_new(rt, q);
        }
    }
    if (!int_check(a) || !int_check(b))
        return mor_not_implemented(rt);
    return mori_bigint_floordiv(rt, a, b);
}

static mor_obj *int_mod(mor_rt *rt, mor_obj *a, mor_obj *b)
{
    if (mori_int_is_small(a) && mori_int_is_small(b)) {
        int64_t x = mori_int_small_value(a), y = mori_int_small_value(b);
        if (y == 0) {
            mor_raise(rt, MOR_EXC_ZERO_DIVISION, "integer modulo by zero");
            return NULL;
        }
        if (y == -1) /* INT64_MIN % -1 traps in C */
            return mori_int_new(rt, 0);
        int64_t r = x % y;
        if (r != 0 && (r ^ y) < 0) /* the remainder takes the divisor's sign */
            r += y;
        return mori_int_new(rt, r);
    }
    if (!int_check(a) || !int_check(b))
        return mor_not_implemented(rt);
    return mori_bigint_mod(rt, a, b);
}

#define INT_EXACT_DOUBLE (INT64_C(1) << 53)

/* True division: correctly rounded. Operands within 2^53 convert exactly, so
 * the one rounding of the C division is the only one; bigint.c does the rest. */
static mor_obj *int_truediv(mor_rt *rt, mor_obj *a, mor_obj *b)
{
    if (mori_int_is_small(a) && mori_int_is_small(b)) {
        int64_t x = mori_int_small_value(a), y = mori_int_small_value(b);
        if (y == 0) {
            mor_raise(rt, MOR_EXC_ZERO_DIVISION, "division by zero");
            return NULL;
        }
        if (x >= -INT_EXACT_DOUBLE && x <= INT_EXACT_DOUBLE && y >= -INT_EXACT_DOUBLE &&
            y <= INT_EXACT_DOUBLE)
            return mori_float_new(rt, (double)x / (double)y);
    }
    if (!int_check(a) || !int_check(b))
        return mor_not_implemented(rt);
    double r;
    if (mori_bigint_truediv(rt, a, b, &r) < 0)
        return NULL;
    return mori_float_new(rt, r);
}

/* int ** int: exact for a non-negative exponent; a negative one gives the
 * float power of the converted operands, as in Python. */
static mor_obj *int_pow(mor_rt *rt, mor_obj *a, mor_obj *b)
{
    if (!int_check(a) || !int_check(b))
        return mor_not_implemented(rt);
    if (mor_int_sign(b) < 0) {
        double x, y;
        if (mori_int_to_double(rt, a, &x) < 0 || mori_int_to_double(rt, b, &y) < 0)
            return NULL;
        return mori_float_pow(rt, x, y);
    }
    if (mori_int_is_small(a) && mori_int_is_small(b)) {
        int64_t base = mori_int_small_value(a), e = mori_int_small_value(b), r = 1;
        for (;;) { /* square-and-multiply until done or an overflow */
            if ((e & 1) && __builtin_mul_overflow(r, base, &r))
                break;
            e >>= 1;
            if (e == 0)
                return mori_int_new(rt, r);
            if (__builtin_mul_overflow(base, base, &base))
                break;
        }
    }
    return mori_bigint_pow(rt, a, b);
}

static mor_obj *int_neg(mor_rt *rt, mor_obj *a)
{
    if (mori_int_is_small(a) && mori_int_small_value(a) != INT64_MIN)
        return mori_int_new(rt, -mori_int_small_value(a));
    return mori_bigint_neg(rt, a);
}

static int int_truth(mor_rt *rt, mor_obj *a)
{
    (void)rt;
    return !mori_int_is_small(a) || mori_int_small_value(a) != 0;
}

/* ---- other slots ---------------------------------------------------------------------------- */

static void int_dealloc(mor_rt *rt, mor_obj *self)
{
    if (MOR_UNLIKELY(self->flags & MORI_INT_BIG)) {
        mori_obj_free(rt, self, mori_bigint_bytes(mori_bigint_nlimbs(self)));
        return;
    }
    mori_pool_give(rt, &rt->mem.pools[MORI_POOL_INT], mori_obj_release(rt, self));
}

static mor_obj *int_repr(mor_rt *rt, mor_obj *self)
{
    if (self->flags & MORI_INT_BIG)
        return mori_bigint_repr(rt, self);
    int64_t v = mori_int_small_value(self);
    uint64_t m = v < 0 ? 0u - (uint64_t)v : (uint64_t)v;
    char buf[24];
    char *p = buf + sizeof(buf);
    do {
        *--p = (char)('0' + m % 10);
        m /= 10;
    } while (m != 0);
    if (v < 0)
        *--p = '-';
    return mori_str_from_ascii(rt, p, (size_t)(buf + sizeof(buf) - p));
}

static int int_hash(mor_rt *rt, mor_obj *self, int64_t *out)
{
    (void)rt;
    *out =
        mori_int_is_small(self) ? int_hash_i64(mori_int_small_value(self)) : mori_bigint_hash(self);
    return 0;
}

#define INT_CMP_UNKNOWN 3 /* int_cmp3: not a number type ints compare with */

/* self (an int or bool) against other: -1/0/1, 2 for NaN, INT_CMP_UNKNOWN.
 * Comparison with floats is exact. */
static int int_cmp3(mor_obj *self, mor_obj *other)
{
    if (mori_int_is_small(self) && mori_int_is_small(other)) {
        int64_t x = mori_int_small_value(self), y = mori_int_small_value(other);
        return (x > y) - (x < y);
    }
    if (int_check(other))
        return mori_bigint_cmp(self, other);
    if (other->type == &mori_float_type)
        return mori_int_cmp_double(self, ((const mori_float *)other)->value);
    return INT_CMP_UNKNOWN;
}

static int int_eq(mor_rt *rt, mor_obj *self, mor_obj *other)
{
    (void)rt;
    int c = int_cmp3(self, other);
    return c == INT_CMP_UNKNOWN ? MOR_NOTIMPL : c == 0;
}

static int int_compare(mor_rt *rt, mor_obj *self, mor_obj *other, mor_cmp op)
{
    (void)rt;
    int c = int_cmp3(self, other);
    if (c == INT_CMP_UNKNOWN)
        return MOR_NOTIMPL;
    if (c == 2) /* NaN: unordered, unequal */
        return op == MOR_NE;
    return mori_cmp_holds(c, op);
}

static size_t int_size_of(const mor_obj *self)
{
    if (self->flags & MORI_INT_BIG)
        return mori_bigint_bytes(mori_bigint_nlimbs(self));
    return sizeof(mori_int);
}

static const mor_number_slots int_number = {
    .add = int_add,
    .sub = int_sub,
    .mul = int_mul,
    .floordiv = int_floordiv,
    .mod = int_mod,
    .truediv = int_truediv,
    .pow = int_pow,
    .neg = int_neg,
    .truth = int_truth,
};

/* Small ints (MORI_INT_BIG clear) are pooled 24-byte blocks; big ones are
 * sized to their limbs. Not GC objects: ints hold no references. */
const mor_type mori_int_type = {
    .name = "int",
    .basicsize = sizeof(mori_int),
    .dealloc = int_dealloc,
    .repr = int_repr,
    .hash = int_hash,
    .eq = int_eq,
    .compare = int_compare,
    .size_of = int_size_of,
    .number = &int_number,
};

/* ---- bool: the int layout holding 0 or 1, int's slots but its own repr ---------------------- */

static mor_obj *bool_repr(mor_rt *rt, mor_obj *self)
{
    return mori_int_small_value(self) ? mori_str_from_ascii(rt, "True", 4)
                                      : mori_str_from_ascii(rt, "False", 5);
}

/* True and False are immortal singletons freed by singletons.c at shutdown. */
static void bool_dealloc(mor_rt *rt, mor_obj *self)
{
    (void)rt;
    mor_fatal(self, "deallocating a bool singleton");
}

const mor_type mori_bool_type = {
    .name = "bool",
    .basicsize = sizeof(mori_int),
    .dealloc = bool_dealloc,
    .repr = bool_repr,
    .hash = int_hash,
    .eq = int_eq,
    .compare = int_compare,
    .size_of = int_size_of,
    .number = &int_number,
};
