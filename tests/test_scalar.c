/* tests/test_scalar.c: ints of any size, bools and floats: the small-int cache,
 * sizes, arithmetic against CPython's results (scalar_data.h), hashes, exact
 * int/float comparison, reprs, parsing, conversions and their error messages. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "testutil.h"

#include "scalar_data.h"
#include "types/types.h"

/* ---- helpers -------------------------------------------------------------------------------- */

#define T_COUNTOF(a) (sizeof(a) / sizeof((a)[0]))

/* A decimal int of any size; fails the test if it does not parse. */
static mor_obj *num(mor_rt *rt, const char *text)
{
    mor_obj *o = mor_int_from_str(rt, text, 10);
    if (o == NULL)
        fail_msg("mor_int_from_str(\"%s\") raised %s", text, mor_err_message(rt));
    return o;
}

/* An operand from a scalar_data.h spec: "i:<decimal>", "e:<k>" (2**k),
 * "b:0"/"b:1", "f:<hex float>". */
static mor_obj *operand(mor_rt *rt, const char *spec)
{
    const char *v = spec + 2;
    switch (spec[0]) {
    case 'i': return num(rt, v);
    case 'b': return mor_bool(rt, v[0] == '1');
    case 'f': return mor_float(rt, strtod(v, NULL));
    case 'e': {
        mor_obj *two = mor_int(rt, 2), *k = mor_int(rt, strtoll(v, NULL, 10));
        mor_obj *r = mor_pow(rt, two, k);
        mor_decref(rt, two);
        mor_decref(rt, k);
        assert_non_null(r);
        return r;
    }
    }
    fail_msg("bad operand spec %s", spec);
    return NULL;
}

static bool fits_i64(const char *decimal)
{
    errno = 0;
    (void)strtoll(decimal, NULL, 10);
    return errno != ERANGE;
}

static mor_exc exc_by_name(const char *name)
{
    if (strcmp(name, "ZeroDivisionError") == 0)
        return MOR_EXC_ZERO_DIVISION;
    if (strcmp(name, "OverflowError") == 0)
        return MOR_EXC_OVERFLOW;
    if (strcmp(name, "ValueError") == 0)
        return MOR_EXC_VALUE;
    return MOR_EXC_NONE;
}

/* Check a result against CPython's: its repr, or the exception named by
 * `want` (NULL: ZeroDivisionError). Releases r. An int result must be in the
 * small form exactly when it fits int64. */
#define check_result(rt, r, want, what) check_result_at((rt), (r), (want), (what), __LINE__)
static void check_result_at(mor_rt *rt, mor_obj *r, const char *want, const char *what, int line)
{
    mor_exc kind = want == NULL ? MOR_EXC_ZERO_DIVISION : exc_by_name(want);
    if (kind != MOR_EXC_NONE) {
        if (r != NULL)
            fail_msg("line %d: %s: expected %s, got a result", line, what, mor_exc_name(kind));
        if (mor_err_kind(rt) != kind)
            fail_msg("line %d: %s: expected %s, got %s: %s", line, what, mor_exc_name(kind),
                     mor_exc_name(mor_err_kind(rt)), mor_err_message(rt));
        mor_err_clear(rt);
        return;
    }
    if (r == NULL)
        fail_msg("line %d: %s: raised %s: %s (expected %s)", line, what,
                 mor_exc_name(mor_err_kind(rt)), mor_err_message(rt), want);
    mor_obj *s = mor_repr(rt, r);
    assert_non_null(s);
    if (strcmp(mor_str_utf8(s, NULL), want) != 0)
        fail_msg("line %d: %s: got %s, expected %s", line, what, mor_str_utf8(s, NULL), want);
    mor_decref(rt, s);
    if (mor_is_int(r) && mori_int_is_small(r) != fits_i64(want))
        fail_msg("line %d: %s: %s came back in the %s form", line, what, want,
                 mori_int_is_small(r) ? "small" : "big");
    mor_decref(rt, r);
}

/* The runtime still works after an error: no exception left, arithmetic fine. */
static void t_alive(mor_rt *rt)
{
    assert_int_equal(mor_err_kind(rt), MOR_EXC_NONE);
    mor_obj *a = mor_int(rt, 40000), *b = mor_int(rt, 2);
    mor_obj *c = mor_add(rt, a, b);
    int64_t v = 0;
    assert_int_equal(mor_int_to_i64(rt, c, &v), 0);
    assert_int_equal(v, 40002);
    mor_obj *f = mor_float(rt, 0.5);
    t_assert_repr(rt, f, "0.5");
    mor_decref(rt, a);
    mor_decref(rt, b);
    mor_decref(rt, c);
    mor_decref(rt, f);
}

typedef mor_obj *(*binop)(mor_rt *, mor_obj *, mor_obj *);
static const binop table_ops[] = {
    mor_add, mor_sub, mor_mul, mor_floordiv, mor_mod, mor_truediv, mor_pow,
};
static const char *const table_op_names[] = {"+", "-", "*", "//", "%", "/", "**"};

/* Rows of {a, b, a+b, a-b, a*b, a//b, a%b, a/b[, a**b]}; a and b are operand
 * specs when `specs`, decimal ints otherwise. */
static void check_table(mor_rt *rt, const char *const *rows, size_t nrows, size_t width, bool specs)
{
    for (size_t i = 0; i < nrows; i++) {
        const char *const *row = rows + i * width;
        mor_obj *a = specs ? operand(rt, row[0]) : num(rt, row[0]);
        mor_obj *b = specs ? operand(rt, row[1]) : num(rt, row[1]);
        for (size_t k = 0; k + 2 < width; k++) {
            char what[160];
            snprintf(what, sizeof(what), "%.60s %s %.60s", row[0], table_op_names[k], row[1]);
            check_result(rt, table_ops[k](rt, a, b), row[k + 2], what);
        }
        mor_decref(rt, a);
        mor_decref(rt, b);
    }
}

static void check_cmp(mor_rt *rt, mor_obj *a, mor_obj *b, const char *want, const char *what)
{
    for (int op = MOR_LT; op <= MOR_GE; op++) {
        int r = mor_compare(rt, a, b, (mor_cmp)op);
        if (r != (want[op] == 'T'))
            fail_msg("%s: comparison %d gave %d, expected %c", what, op, r, want[op]);
    }
    int eq = mor_eq(rt, a, b);
    if (eq != (want[MOR_EQ] == 'T'))
        fail_msg("%s: mor_eq gave %d", what, eq);
}

static int64_t hash_of(mor_rt *rt, mor_obj *o)
{
    int64_t h = 0;
    assert_int_equal(mor_hash(rt, o, &h), 0);
    return h;
}

/* ---- the small-int cache and sizes ---------------------------------------------------------- */

static void test_small_int_identity(void **state)
{
    T_RT;
    assert_ptr_equal(mor_int(rt, 100), mor_int(rt, 100));
    assert_ptr_equal(mor_int(rt, -5), mor_int(rt, -5));
    assert_ptr_equal(mor_int(rt, 256), mor_int(rt, 256));
    assert_ptr_equal(mor_int(rt, 0), mor_int_from_u64(rt, 0));
    assert_true(mor_is_immortal(mor_int(rt, -5)));
    assert_true(mor_is_immortal(mor_int(rt, 256)));
    const int64_t outside[] = {1000, -6, 257, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < T_COUNTOF(outside); i++) {
        mor_obj *x = mor_int(rt, outside[i]), *y = mor_int(rt, outside[i]);
        assert_ptr_not_equal(x, y);
        assert_false(mor_is_immortal(x));
        assert_int_equal(mor_refcount(x), 1);
        assert_int_equal(mor_eq(rt, x, y), 1);
        mor_decref(rt, x);
        mor_decref(rt, y);
    }
    /* arithmetic lands on the cache too */
    mor_obj *a = mor_int(rt, 255), *one = mor_int(rt, 1);
    mor_obj *s = mor_add(rt, a, one);
    assert_ptr_equal(s, mor_int(rt, 256));
    mor_obj *p = mor_int_from_str(rt, "  0x10 ", 0);
    assert_ptr_equal(p, mor_int(rt, 16));
    mor_decref(rt, s);
    mor_decref(rt, p);
    assert_int_equal(mor_rt_live_objects(rt), 0);
}

static void test_small_int_wide_cache(void **state)
{
    (void)state;
    mor_config c;
    mor_config_init(&c);
    c.small_int_min = -100;
    c.small_int_max = 1024;
    mor_rt *rt = t_rt_new_cfg(&c);
    assert_ptr_equal(mor_int(rt, 1000), mor_int(rt, 1000));
    assert_ptr_equal(mor_int(rt, -100), mor_int(rt, -100));
    mor_obj *x = mor_int(rt, 1025), *y = mor_int(rt, -101);
    assert_ptr_not_equal(x, mor_int(rt, 1024));
    assert_false(mor_is_immortal(x));
    assert_false(mor_is_immortal(y));
    mor_decref(rt, x);
    mor_decref(rt, y);
    assert_int_equal(mor_rt_live_objects(rt), 0);
    mor_rt_free(rt);
}

static void test_immortal_refcount(void **state)
{
    T_RT;
    mor_obj *objs[] = {mor_int(rt, 0), mor_int(rt, -5), mor_int(rt, 256), mor_bool(rt, true)};
    for (size_t i = 0; i < T_COUNTOF(objs); i++) {
        for (int k = 0; k < 1000; k++)
            mor_incref(objs[i]);
        for (int k = 0; k < 3000; k++)
            mor_decref(rt, objs[i]);
        assert_int_equal(mor_refcount(objs[i]), MOR_REFCNT_IMMORTAL);
    }
    assert_int_equal(mori_int_small_value(mor_int(rt, 256)), 256);
    assert_int_equal(mor_rt_live_objects(rt), 0);
}

static void test_sizes(void **state)
{
    T_RT;
    T_NEEDS_RC("live-object counts (Boehm frees nothing one object at a time)");
    mor_obj *i42 = mor_int(rt, 42), *i1000 = mor_int(rt, 1000), *f = mor_float(rt, 1.5);
    assert_int_equal(mor_sizeof(i42), 24);
    assert_int_equal(mor_sizeof(i1000), 24);
    assert_int_equal(mor_sizeof(f), 24);
    assert_int_equal(mor_sizeof(mor_bool(rt, true)), 24);
    mor_obj *b64 = num(rt, "9223372036854775808");              /* 2**63: one limb */
    mor_obj *b100 = num(rt, "1267650600228229401496703205376"); /* 2**100: two */
    assert_int_equal(mor_sizeof(b64), 16 + 8 + 8);
    assert_int_equal(mor_sizeof(b100), 16 + 8 + 16);
    assert_int_equal(mor_rt_live_objects(rt), 4);
    mor_decref(rt, i1000);
    mor_decref(rt, f);
    mor_decref(rt, b64);
    mor_decref(rt, b100);
    assert_int_equal(mor_rt_live_objects(rt), 0);
}

/* ---- arithmetic tables (CPython's results) -------------------------------------------------- */

static void test_small_arith_table(void **state)
{
    T_RT;
    check_table(rt, &small_table[0][0], T_COUNTOF(small_table), 8, false);
    t_alive(rt);
}

static void test_big_arith_table(void **state)
{
    T_RT;
    check_table(rt, &big_table[0][0], T_COUNTOF(big_table), 8, false);
    t_alive(rt);
}

static void test_float_table(void **state)
{
    T_RT;
    check_table(rt, &float_table[0][0], T_COUNTOF(float_table), 9, true);
    t_alive(rt);
}

static void test_pow_table(void **state)
{
    T_RT;
    for (size_t i = 0; i < T_COUNTOF(pow_table); i++) {
        mor_obj *a = operand(rt, pow_table[i][0]), *b = operand(rt, pow_table[i][1]);
        char what[80];
        snprintf(what, sizeof(what), "%s ** %s", pow_table[i][0], pow_table[i][1]);
        check_result(rt, mor_pow(rt, a, b), pow_table[i][2], what);
        mor_decref(rt, a);
        mor_decref(rt, b);
    }
    t_alive(rt);
}

static void test_truediv_table(void **state)
{
    T_RT;
    for (size_t i = 0; i < T_COUNTOF(truediv_table); i++) {
        mor_obj *a = num(rt, truediv_table[i][0]), *b = num(rt, truediv_table[i][1]);
        char what[160];
        snprintf(what, sizeof(what), "%.60s / %.60s", truediv_table[i][0], truediv_table[i][1]);
        check_result(rt, mor_truediv(rt, a, b), truediv_table[i][2], what);
        mor_decref(rt, a);
        mor_decref(rt, b);
    }
    t_alive(rt);
}

/* ---- overflow into big ints and back -------------------------------------------------------- */

static void test_overflow_and_back(void **state)
{
    T_RT;
    mor_obj *max = mor_int(rt, INT64_MAX), *min = mor_int(rt, INT64_MIN);
    mor_obj *one = mor_int(rt, 1), *m1 = mor_int(rt, -1);
    mor_obj *up = mor_add(rt, max, one);
    assert_true(mor_is_int(up));
    assert_false(mori_int_is_small(up));
    t_assert_repr(rt, up, "9223372036854775808");
    mor_obj *back = mor_sub(rt, up, one);
    assert_true(mori_int_is_small(back));
    assert_int_equal(mori_int_small_value(back), INT64_MAX);
    check_result(rt, mor_sub(rt, min, one), "-9223372036854775809", "min - 1");
    check_result(rt, mor_mul(rt, min, m1), "9223372036854775808", "min * -1");
    check_result(rt, mor_floordiv(rt, min, m1), "9223372036854775808", "min // -1");
    check_result(rt, mor_mod(rt, min, m1), "0", "min % -1");
    check_result(rt, mor_neg(rt, min), "9223372036854775808", "-min");
    mor_obj *neg_up = mor_neg(rt, up);
    assert_true(mori_int_is_small(neg_up));
    assert_int_equal(mori_int_small_value(neg_up), INT64_MIN);
    check_result(rt, mor_add(rt, up, m1), "9223372036854775807", "2**63 - 1");
    check_result(rt, mor_sub(rt, up, up), "0", "x - x");
    assert_ptr_equal(mor_sub(rt, up, up), mor_int(rt, 0));

    /* (2**100) * (2**100) == 2**200, exact repr */
    mor_obj *two = mor_int(rt, 2), *k100 = mor_int(rt, 100), *k200 = mor_int(rt, 200);
    mor_obj *p100 = mor_pow(rt, two, k100), *p200 = mor_pow(rt, two, k200);
    mor_obj *sq = mor_mul(rt, p100, p100);
    assert_int_equal(mor_eq(rt, sq, p200), 1);
    t_assert_repr(rt, p200, "1606938044258990275541962092341162602522202993782792835301376");
    assert_int_equal(mor_compare(rt, p100, p200, MOR_LT), 1);
    /* big ** small */
    mor_obj *three = mor_int(rt, 3);
    mor_obj *base = num(rt, "369988485035126972924700782451696644186473100389722973815184405301"
                            "748256");
    check_result(rt, mor_pow(rt, base, three), pow_big_3, "(3**150+7)**3");

    mor_obj *objs[] = {max, min, up, back, neg_up, p100, p200, sq, base};
    for (size_t i = 0; i < T_COUNTOF(objs); i++)
        mor_decref(rt, objs[i]);
    assert_int_equal(mor_rt_live_objects(rt), 0);
}

static void test_pow(void **state)
{
    T_RT;
    mor_obj *two = mor_int(rt, 2), *three = mor_int(rt, 3), *m7 = mor_int(rt, -7);
    mor_obj *k1000 = mor_int(rt, 1000), *k200 = mor_int(rt, 200), *k77 = mor_int(rt, 77);
    check_result(rt, mor_pow(rt, two, k1000), pow_2_1000, "2**1000");
    check_result(rt, mor_pow(rt, three, k200), pow_3_200, "3**200");
    check_result(rt, mor_pow(rt, m7, k77), pow_m7_77, "(-7)**77");
    mor_obj *m2 = mor_int(rt, -2), *k63 = mor_int(rt, 63);
    mor_obj *r = mor_pow(rt, m2, k63); /* exactly INT64_MIN: small */
    assert_true(mori_int_is_small(r));
    assert_int_equal(mori_int_small_value(r), INT64_MIN);
    mor_decref(rt, r);

    /* absurd sizes are refused quickly */
    mor_obj *k40 = mor_int(rt, INT64_C(1) << 40);
    assert_null(mor_pow(rt, two, k40));
    t_expect_exc(rt, MOR_EXC_OVERFLOW, "too large");
    t_alive(rt);
    mor_obj *huge = num(rt, "18446744073709551616"); /* 2**64: a big exponent */
    assert_null(mor_pow(rt, two, huge));
    t_expect_exc(rt, MOR_EXC_OVERFLOW, "too large");
    t_alive(rt);
    /* ... but not when the base makes them small */
    mor_obj *odd = num(rt, "1267650600228229401496703205377"); /* 2**100 + 1 */
    mor_obj *one = mor_int(rt, 1), *m1 = mor_int(rt, -1), *zero = mor_int(rt, 0);
    check_result(rt, mor_pow(rt, one, huge), "1", "1 ** 2**64");
    check_result(rt, mor_pow(rt, m1, huge), "1", "(-1) ** 2**64");
    check_result(rt, mor_pow(rt, m1, odd), "-1", "(-1) ** (2**100+1)");
    check_result(rt, mor_pow(rt, zero, odd), "0", "0 ** (2**100+1)");
    check_result(rt, mor_pow(rt, odd, zero), "1", "(2**100+1) ** 0");

    /* negative exponents go through float */
    mor_obj *mone = mor_int(rt, -1);
    check_result(rt, mor_pow(rt, two, mone), "0.5", "2 ** -1");
    assert_null(mor_pow(rt, zero, mone));
    t_expect_exc(rt, MOR_EXC_ZERO_DIVISION, "0.0 cannot be raised to a negative power");
    t_alive(rt);
    mor_obj *p2000 = operand(rt, "e:2000"), *neg_odd = mor_neg(rt, odd);
    assert_null(mor_pow(rt, p2000, mone));
    t_expect_exc(rt, MOR_EXC_OVERFLOW, "int too large to convert to float");
    check_result(rt, mor_pow(rt, two, neg_odd), "0.0", "2 ** -(2**100+1)");
    t_alive(rt);

    mor_obj *objs[] = {two, three, m7, k1000, k200, k77, m2, k63, k40, huge, odd, p2000, neg_odd};
    for (size_t i = 0; i < T_COUNTOF(objs); i++)
        mor_decref(rt, objs[i]);
}

static void test_division_errors(void **state)
{
    T_RT;
    mor_obj *seven = mor_int(rt, 7), *zero = mor_int(rt, 0), *fzero = mor_float(rt, 0.0);
    mor_obj *big = operand(rt, "e:100"), *f = mor_float(rt, 7.0), *no = mor_bool(rt, false);
    struct {
        binop fn;
        mor_obj *a, *b;
        const char *msg;
    } cases[] = {
        {mor_floordiv, seven, zero, "integer division or modulo by zero"},
        {mor_mod, seven, zero, "integer modulo by zero"},
        {mor_truediv, seven, zero, "division by zero"},
        {mor_floordiv, big, zero, "integer division or modulo by zero"},
        {mor_mod, big, no, "integer modulo by zero"},
        {mor_truediv, big, zero, "division by zero"},
        {mor_truediv, f, zero, "float division by zero"},
        {mor_truediv, seven, fzero, "float division by zero"},
        {mor_floordiv, f, fzero, "float floor division by zero"},
        {mor_mod, f, zero, "float modulo"},
        {mor_floordiv, seven, fzero, "float floor division by zero"},
    };
    for (size_t i = 0; i < T_COUNTOF(cases); i++) {
        assert_null(cases[i].fn(rt, cases[i].a, cases[i].b));
        t_expect_exc(rt, MOR_EXC_ZERO_DIVISION, cases[i].msg);
        t_alive(rt);
    }
    mor_decref(rt, seven);
    mor_decref(rt, fzero);
    mor_decref(rt, big);
    mor_decref(rt, f);
}

static void test_mixing(void **state)
{
    T_RT;
    mor_obj *one = mor_int(rt, 1), *half = mor_float(rt, 1.5), *yes = mor_bool(rt, true);
    check_result(rt, mor_add(rt, one, half), "2.5", "1 + 1.5");
    check_result(rt, mor_add(rt, half, one), "2.5", "1.5 + 1");
    check_result(rt, mor_mul(rt, yes, half), "1.5", "True * 1.5");
    check_result(rt, mor_add(rt, yes, yes), "2", "True + True");
    mor_obj *zero = mor_int(rt, 0);
    mor_obj *r = mor_add(rt, yes, zero);
    assert_ptr_equal(r, mor_int(rt, 1)); /* an int, not the bool */
    assert_true(mor_is_int(r));
    check_result(rt, mor_neg(rt, yes), "-1", "-True");
    check_result(rt, mor_floordiv(rt, yes, one), "1", "True // 1");
    /* an int too large for a float */
    mor_obj *p2000 = operand(rt, "e:2000");
    assert_null(mor_add(rt, half, p2000));
    t_expect_exc(rt, MOR_EXC_OVERFLOW, "int too large to convert to float");
    t_alive(rt);
    /* unknown operands: NotImplemented from both sides, then TypeError */
    mor_obj *none = mor_none(rt);
    assert_null(mor_add(rt, one, none));
    t_expect_exc(rt, MOR_EXC_TYPE, "unsupported operand type(s) for +: 'int' and 'NoneType'");
    assert_null(mor_mul(rt, none, half));
    t_expect_exc(rt, MOR_EXC_TYPE, "'NoneType' and 'float'");
    assert_null(mor_pow(rt, p2000, none));
    t_expect_exc(rt, MOR_EXC_TYPE, "unsupported operand");
    assert_null(mor_neg(rt, none));
    t_expect_exc(rt, MOR_EXC_TYPE, NULL);
    t_alive(rt);
    mor_decref(rt, half);
    mor_decref(rt, p2000);
}

static void test_truediv(void **state)
{
    T_RT;
    mor_obj *seven = mor_int(rt, 7), *two = mor_int(rt, 2), *m5 = mor_int(rt, -5);
    mor_obj *zero = mor_int(rt, 0), *three = mor_int(rt, 3), *one = mor_int(rt, 1);
    check_result(rt, mor_truediv(rt, seven, two), "3.5", "7 / 2");
    check_result(rt, mor_truediv(rt, one, three), "0.3333333333333333", "1 / 3");
    check_result(rt, mor_truediv(rt, zero, m5), "-0.0", "0 / -5");
    check_result(rt, mor_truediv(rt, two, two), "1.0", "2 / 2");
    mor_obj *r = mor_truediv(rt, two, two);
    assert_true(mor_is_float(r));
    mor_decref(rt, r);
    mor_decref(rt, seven);
}

/* ---- hashes and comparisons ----------------------------------------------------------------- */

static void test_hash(void **state)
{
    T_RT;
    mor_obj *one = mor_int(rt, 1), *fone = mor_float(rt, 1.0), *yes = mor_bool(rt, true);
    assert_int_equal(hash_of(rt, one), 1);
    assert_int_equal(hash_of(rt, fone), 1);
    assert_int_equal(hash_of(rt, yes), 1);
    mor_obj *m1 = mor_int(rt, -1), *fm1 = mor_float(rt, -1.0);
    assert_int_equal(hash_of(rt, m1), -2);
    assert_int_equal(hash_of(rt, fm1), -2);
    mor_obj *z = mor_float(rt, 0.0), *nz = mor_float(rt, -0.0);
    assert_int_equal(hash_of(rt, z), 0);
    assert_int_equal(hash_of(rt, nz), 0);
    assert_int_equal(hash_of(rt, mor_bool(rt, false)), 0);
    mor_obj *inf = mor_float(rt, HUGE_VAL), *ninf = mor_float(rt, -HUGE_VAL);
    assert_int_equal(hash_of(rt, inf), 314159);
    assert_int_equal(hash_of(rt, ninf), -314159);
    mor_obj *nan1 = mor_float(rt, nan("")), *nan2 = mor_float(rt, nan(""));
    (void)hash_of(rt, nan1); /* by identity: works, differs between objects */
    assert_true(hash_of(rt, nan1) != hash_of(rt, nan2) || nan1 == nan2);
    for (size_t i = 0; i < T_COUNTOF(hash_table); i++) {
        mor_obj *x = num(rt, hash_table[i][0]);
        int64_t want = strtoll(hash_table[i][1], NULL, 10);
        if (hash_of(rt, x) != want)
            fail_msg("hash(%s) = %lld, expected %lld", hash_table[i][0], (long long)hash_of(rt, x),
                     (long long)want);
        /* an equal float hashes the same */
        double d;
        if (mor_float_to_double(rt, x, &d) == 0) {
            mor_obj *fx = mor_float(rt, d);
            if (mor_eq(rt, fx, x) == 1)
                assert_int_equal(hash_of(rt, fx), want);
            mor_decref(rt, fx);
        }
        mor_decref(rt, x);
    }
    for (size_t i = 0; i < T_COUNTOF(float_hash_table); i++) {
        mor_obj *x = mor_float(rt, float_hash_table[i].v);
        if (hash_of(rt, x) != float_hash_table[i].h)
            fail_msg("hash(%a) = %lld, expected %lld", float_hash_table[i].v,
                     (long long)hash_of(rt, x), (long long)float_hash_table[i].h);
        assert_int_equal(mori_hash_double(float_hash_table[i].v), float_hash_table[i].h);
        mor_decref(rt, x);
    }
    mor_obj *objs[] = {fone, fm1, z, nz, inf, ninf, nan1, nan2};
    for (size_t i = 0; i < T_COUNTOF(objs); i++)
        mor_decref(rt, objs[i]);
}

static void test_compare_table(void **state)
{
    T_RT;
    for (size_t i = 0; i < T_COUNTOF(cmp_table); i++) {
        mor_obj *a = operand(rt, cmp_table[i][0]), *b = operand(rt, cmp_table[i][1]);
        char what[160];
        snprintf(what, sizeof(what), "%.70s vs %.70s", cmp_table[i][0], cmp_table[i][1]);
        check_cmp(rt, a, b, cmp_table[i][2], what);
        /* and reflected: b against a */
        char rev[7];
        const char *w = cmp_table[i][2];
        rev[MOR_LT] = w[MOR_GT];
        rev[MOR_LE] = w[MOR_GE];
        rev[MOR_EQ] = w[MOR_EQ];
        rev[MOR_NE] = w[MOR_NE];
        rev[MOR_GT] = w[MOR_LT];
        rev[MOR_GE] = w[MOR_LE];
        rev[6] = '\0';
        check_cmp(rt, b, a, rev, what);
        mor_decref(rt, a);
        mor_decref(rt, b);
    }
    /* the internal helper directly */
    mor_obj *p53 = operand(rt, "i:9007199254740993");
    assert_int_equal(mori_int_cmp_double(p53, 9007199254740992.0), 1);
    assert_int_equal(mori_int_cmp_double(p53, 9007199254740994.0), -1);
    assert_int_equal(mori_int_cmp_double(p53, nan("")), 2);
    mor_decref(rt, p53);
    /* an unordered type: TypeError */
    mor_obj *one = mor_int(rt, 1);
    assert_int_equal(mor_compare(rt, one, mor_none(rt), MOR_LT), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "'<' not supported");
    assert_int_equal(mor_compare(rt, one, mor_none(rt), MOR_NE), 1);
    t_alive(rt);
}

/* ---- reprs ---------------------------------------------------------------------------------- */

static void test_float_repr(void **state)
{
    T_RT;
    static const struct {
        double v;
        const char *repr;
    } cases[] = {
        {0.1, "0.1"},
        {1.0, "1.0"},
        {1e16, "1e+16"},
        {1e15, "1000000000000000.0"},
        {0.0001, "0.0001"},
        {1e-05, "1e-05"},
        {-0.0, "-0.0"},
        {0.0, "0.0"},
        {HUGE_VAL, "inf"},
        {-HUGE_VAL, "-inf"},
        {(double)NAN, "nan"},
        {1.7976931348623157e+308, "1.7976931348623157e+308"},
        {5e-324, "5e-324"},
        {1e-323, "1e-323"},
        {1234567890123456.7, "1234567890123456.8"},
        {1.5e-7, "1.5e-07"},
        {1e22, "1e+22"},
        {1e100, "1e+100"},
        {2.0 / 3.0, "0.6666666666666666"},
        {123.456, "123.456"},
        {-1.5e-300, "-1.5e-300"},
        {9007199254740993.0, "9007199254740992.0"},
        {-2.5, "-2.5"},
        {100.0, "100.0"},
        {0.3, "0.3"},
        {0.1 + 0.2, "0.30000000000000004"},
    };
    for (size_t i = 0; i < T_COUNTOF(cases); i++) {
        mor_obj *f = mor_float(rt, cases[i].v);
        t_assert_repr(rt, f, cases[i].repr);
        mor_decref(rt, f);
        char buf[32];
        size_t n = mori_float_repr_buf(cases[i].v, buf);
        assert_int_equal(n, strlen(cases[i].repr));
        assert_string_equal(buf, cases[i].repr);
    }
    /* every repr reads back to the same double */
    unsigned seed = 12345;
    for (int i = 0; i < 2000; i++) {
        uint64_t bits = 0;
        for (int k = 0; k < 4; k++) {
            seed = seed * 1103515245u + 12345u;
            bits = (bits << 16) | ((seed >> 8) & 0xffff);
        }
        double v;
        memcpy(&v, &bits, sizeof(v));
        if (isnan(v))
            continue;
        char buf[32];
        mori_float_repr_buf(v, buf);
        assert_true(strtod(buf, NULL) == v);
    }
}

static void test_int_repr(void **state)
{
    T_RT;
    mor_obj *a = mor_int(rt, INT64_MIN), *b = mor_int(rt, 0), *c = mor_int(rt, -42);
    t_assert_repr(rt, a, "-9223372036854775808");
    t_assert_repr(rt, b, "0");
    t_assert_repr(rt, c, "-42");
    t_assert_repr(rt, mor_bool(rt, true), "True");
    t_assert_repr(rt, mor_bool(rt, false), "False");
    mor_obj *u = mor_int_from_u64(rt, UINT64_MAX);
    t_assert_repr(rt, u, "18446744073709551615");
    assert_false(mori_int_is_small(u));
    mor_obj *s = mor_int_from_u64(rt, 5);
    assert_ptr_equal(s, mor_int(rt, 5));
    /* a big repr longer than the stack buffers */
    mor_obj *p = operand(rt, "e:10000");
    mor_obj *r = mor_repr(rt, p);
    assert_non_null(r);
    size_t n = 0;
    const char *text = mor_str_utf8(r, &n);
    assert_int_equal(n, 3011);
    /* head and tail of python3's str(2**10000) */
    assert_memory_equal(text, "1995063116880758384883742162683585083823", 40);
    assert_string_equal(text + n - 40, "1316063210686391511681774304792596709376");
    assert_int_equal(hash_of(rt, p), INT64_C(144115188075855872));
    mor_decref(rt, r);
    mor_obj *objs[] = {a, c, u, p};
    for (size_t i = 0; i < T_COUNTOF(objs); i++)
        mor_decref(rt, objs[i]);
}

/* ---- parsing -------------------------------------------------------------------------------- */

static void test_from_str_valid(void **state)
{
    T_RT;
    static const struct {
        const char *text;
        int base;
        const char *repr;
    } cases[] = {
        {"0", 10, "0"},
        {"  42  ", 10, "42"},
        {"\t-12 \n", 10, "-12"},
        {" \t\n\v\f\r5 \v", 10, "5"},
        {"+12", 10, "12"},
        {"-0", 10, "0"},
        {"010", 10, "10"},
        {"1_000_000", 10, "1000000"},
        {"0x_1f", 0, "31"},
        {"0x_1f", 16, "31"},
        {"0X1F", 16, "31"},
        {"1f", 16, "31"},
        {"0b101", 0, "5"},
        {"0B1", 2, "1"},
        {"0o17", 8, "15"},
        {"0O17", 0, "15"},
        {"-0x10", 0, "-16"},
        {"000", 0, "0"},
        {"0_0", 0, "0"},
        {"0", 0, "0"},
        {"z", 36, "35"},
        {"ZZ", 36, "1295"},
        {"0b1", 16, "177"},
        {"0x", 36, "33"},
        {"9223372036854775807", 10, "9223372036854775807"},
        {"9223372036854775808", 10, "9223372036854775808"},
        {"-9223372036854775808", 10, "-9223372036854775808"},
        {"-9223372036854775809", 10, "-9223372036854775809"},
        {"ffffffffffffffffffffffffffffffff", 16, "340282366920938463463374607431768211455"},
        {"-000000000000000000000000000000000000000000000000000000000000000000000000000000000001",
         10, "-1"},
    };
    for (size_t i = 0; i < T_COUNTOF(cases); i++) {
        char what[120];
        snprintf(what, sizeof(what), "int(\"%s\", %d)", cases[i].text, cases[i].base);
        check_result(rt, mor_int_from_str(rt, cases[i].text, cases[i].base), cases[i].repr, what);
    }
    for (size_t i = 0; i < T_COUNTOF(parse_table); i++) {
        char text[1024];
        const char *src = parse_table[i][0];
        size_t n = 0;
        for (; *src != '\0'; src++) /* the generator wrote newlines as \n */
            if (src[0] == '\\' && src[1] == 'n') {
                text[n++] = '\n';
                src++;
            } else {
                text[n++] = *src;
            }
        text[n] = '\0';
        int base = atoi(parse_table[i][1]);
        check_result(rt, mor_int_from_str(rt, text, base), parse_table[i][2], parse_table[i][0]);
    }
    /* a huge value round-trips through repr */
    size_t len = 30000;
    char *digits = malloc(len + 1);
    assert_non_null(digits);
    for (size_t i = 0; i < len; i++)
        digits[i] = (char)('1' + (i * 7) % 9);
    digits[len] = '\0';
    mor_obj *x = mor_int_from_str(rt, digits, 10);
    assert_non_null(x);
    mor_obj *r = mor_repr(rt, x);
    assert_non_null(r);
    assert_string_equal(mor_str_utf8(r, NULL), digits);
    mor_decref(rt, r);
    mor_decref(rt, x);
    free(digits);
}

static void test_from_str_invalid(void **state)
{
    T_RT;
    static const struct {
        const char *text;
        int base;
        const char *msg;
    } cases[] = {
        {"", 10, "invalid literal for int() with base 10: ''"},
        {"  ", 10, "invalid literal for int() with base 10: '  '"},
        {"12a", 10, "invalid literal for int() with base 10: '12a'"},
        {"12a", 0, "invalid literal for int() with base 0: '12a'"},
        {"1_", 10, "'1_'"},
        {"_1", 10, "'_1'"},
        {"1__0", 10, "'1__0'"},
        {"0x", 16, "with base 16: '0x'"},
        {"0b", 0, "with base 0: '0b'"},
        {"0x1f", 10, "'0x1f'"},
        {"010", 0, "with base 0: '010'"},
        {"00_1", 0, "'00_1'"},
        {"- 12", 10, "'- 12'"},
        {"1 2", 10, "'1 2'"},
        {"+-1", 10, "'+-1'"},
        {"0x__1f", 0, "'0x__1f'"},
        {"0_x1f", 0, "'0_x1f'"},
        {"2", 2, "with base 2: '2'"},
        {"8", 8, "'8'"},
        {"0o8", 0, "'0o8'"},
        {"\0345", 10, "'\\x1c5'"}, /* \034 then 5 */
        {"a'b", 10, "with base 10: \"a'b\""},
        {"a'\"b", 10, "with base 10: 'a\\'\"b'"},
        {"tab\there\\", 10, "'tab\\there\\\\'"},
        {"\3771", 10, "'\\xff1'"},
        {"\303\2511", 10, "'\303\2511'"}, /* e-acute, 1 */
    };
    for (size_t i = 0; i < T_COUNTOF(cases); i++) {
        assert_null(mor_int_from_str(rt, cases[i].text, cases[i].base));
        t_expect_exc(rt, MOR_EXC_VALUE, cases[i].msg);
    }
    t_alive(rt);
    const int bad_bases[] = {1, -1, 37, 100};
    for (size_t i = 0; i < T_COUNTOF(bad_bases); i++) {
        assert_null(mor_int_from_str(rt, "1", bad_bases[i]));
        t_expect_exc(rt, MOR_EXC_VALUE, "int() base must be >= 2 and <= 36, or 0");
    }
    assert_null(mor_int_from_str(rt, NULL, 10));
    t_expect_exc(rt, MOR_EXC_TYPE, NULL);
    /* a long invalid text is quoted up to 200 characters, as CPython's %.200R */
    char text[302];
    memset(text, '1', 300);
    text[300] = 'a';
    text[301] = '\0';
    assert_null(mor_int_from_str(rt, text, 10));
    const char *msg = mor_err_message(rt);
    const char *q = strchr(msg, '\'');
    assert_non_null(q);
    assert_int_equal(strlen(q), 200);
    assert_int_equal(strspn(q + 1, "1"), 199);
    mor_err_clear(rt);
    t_alive(rt);
}

/* ---- conversions ---------------------------------------------------------------------------- */

static void test_conversions(void **state)
{
    T_RT;
    int64_t v = 0;
    mor_obj *max = mor_int(rt, INT64_MAX), *min = mor_int(rt, INT64_MIN);
    assert_int_equal(mor_int_to_i64(rt, max, &v), 0);
    assert_int_equal(v, INT64_MAX);
    assert_int_equal(mor_int_to_i64(rt, min, &v), 0);
    assert_int_equal(v, INT64_MIN);
    assert_int_equal(mor_int_to_i64(rt, mor_bool(rt, true), &v), 0);
    assert_int_equal(v, 1);
    mor_obj *big = num(rt, "9223372036854775808"), *nbig = num(rt, "-9223372036854775809");
    assert_int_equal(mor_int_to_i64(rt, big, &v), -1);
    t_expect_exc(rt, MOR_EXC_OVERFLOW, "too large to convert to C int64_t");
    assert_int_equal(mor_int_to_i64(rt, nbig, &v), -1);
    t_expect_exc(rt, MOR_EXC_OVERFLOW, "too large");
    mor_obj *s = mor_str(rt, "12"), *f = mor_float(rt, 2.0);
    assert_int_equal(mor_int_to_i64(rt, s, &v), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "an integer is required (got type str)");
    assert_int_equal(mor_int_to_i64(rt, f, &v), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "an integer is required (got type float)");
    t_alive(rt);

    /* type predicates: bool is not an int here */
    assert_true(mor_is_int(max));
    assert_true(mor_is_int(big));
    assert_false(mor_is_int(mor_bool(rt, true)));
    assert_false(mor_is_int(f));
    assert_true(mor_is_float(f));
    assert_false(mor_is_float(max));
    assert_int_equal(mor_int_sign(max), 1);
    assert_int_equal(mor_int_sign(min), -1);
    assert_int_equal(mor_int_sign(nbig), -1);
    assert_int_equal(mor_int_sign(big), 1);
    assert_int_equal(mor_int_sign(mor_int(rt, 0)), 0);
    assert_int_equal(mor_int_sign(mor_bool(rt, true)), 1);
    assert_int_equal(mor_int_sign(s), 0);

    /* index conversion */
    assert_int_equal(mori_int_as_index(rt, max, &v, "list indices"), 0);
    assert_int_equal(v, INT64_MAX);
    assert_int_equal(mori_int_as_index(rt, mor_bool(rt, true), &v, "list indices"), 0);
    assert_int_equal(v, 1);
    assert_int_equal(mori_int_as_index(rt, s, &v, "list indices"), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "list indices must be integers or slices, not str");
    assert_int_equal(mori_int_as_index(rt, f, &v, "tuple indices"), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "tuple indices must be integers or slices, not float");
    assert_int_equal(mori_int_as_index(rt, big, &v, "list indices"), -1);
    t_expect_exc(rt, MOR_EXC_INDEX, "cannot fit 'int' into an index-sized integer");
    t_alive(rt);

    /* to double */
    double d = 0;
    assert_int_equal(mor_float_to_double(rt, f, &d), 0);
    assert_true(d == 2.0);
    assert_int_equal(mor_float_to_double(rt, max, &d), 0);
    assert_true(d == 0x1p63);
    assert_int_equal(mor_float_to_double(rt, mor_bool(rt, true), &d), 0);
    assert_true(d == 1.0);
    assert_int_equal(mor_float_to_double(rt, s, &d), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "must be real number, not str");
    for (size_t i = 0; i < T_COUNTOF(to_float_table); i++) {
        mor_obj *x = num(rt, to_float_table[i][0]);
        check_result(rt, mor_float_to_double(rt, x, &d) < 0 ? NULL : mor_float(rt, d),
                     to_float_table[i][1], to_float_table[i][0]);
        mor_decref(rt, x);
    }
    mor_obj *p2000 = operand(rt, "e:2000");
    assert_int_equal(mor_float_to_double(rt, p2000, &d), -1);
    t_expect_exc(rt, MOR_EXC_OVERFLOW, "int too large to convert to float");
    t_alive(rt);

    mor_obj *objs[] = {max, min, big, nbig, s, f, p2000};
    for (size_t i = 0; i < T_COUNTOF(objs); i++)
        mor_decref(rt, objs[i]);
}

static void test_neg_truth(void **state)
{
    T_RT;
    mor_obj *f = mor_float(rt, 1.5), *nz = mor_float(rt, -0.0), *fnan = mor_float(rt, nan(""));
    mor_obj *big = operand(rt, "e:100");
    check_result(rt, mor_neg(rt, f), "-1.5", "-1.5");
    check_result(rt, mor_neg(rt, nz), "0.0", "-(-0.0)");
    check_result(rt, mor_neg(rt, big), "-1267650600228229401496703205376", "-(2**100)");
    check_result(rt, mor_neg(rt, mor_int(rt, 0)), "0", "-0");
    check_result(rt, mor_neg(rt, mor_int(rt, 5)), "-5", "-5");
    assert_int_equal(mor_is_true(rt, mor_int(rt, 0)), 0);
    assert_int_equal(mor_is_true(rt, mor_int(rt, -3)), 1);
    assert_int_equal(mor_is_true(rt, big), 1);
    assert_int_equal(mor_is_true(rt, mor_bool(rt, false)), 0);
    assert_int_equal(mor_is_true(rt, mor_bool(rt, true)), 1);
    assert_int_equal(mor_is_true(rt, nz), 0);
    assert_int_equal(mor_is_true(rt, fnan), 1);
    assert_int_equal(mor_is_true(rt, f), 1);
    mor_decref(rt, f);
    mor_decref(rt, nz);
    mor_decref(rt, fnan);
    mor_decref(rt, big);
}

/* ---- allocation failures: MemoryError, nothing leaked --------------------------------------- */

/* One run of big-int work with the nth allocation failing; returns the step
 * reached. Temporaries beyond the stack buffers (64 limbs) come from the
 * funnel, so their failure paths are exercised too. */
static int failing_run(mor_rt *rt, uint64_t nth)
{
    mor_obj *o[8] = {NULL};
    int step = 0;
    mor_obj *two = mor_int(rt, 2), *k = mor_int(rt, 5000);
    mor_alloc_fail_after(rt, nth);
    if ((o[0] = mor_pow(rt, two, k)) == NULL) /* 79 limbs */
        goto out;
    step++;
    if ((o[1] = mor_mul(rt, o[0], o[0])) == NULL)
        goto out;
    step++;
    if ((o[2] = mor_add(rt, o[1], two)) == NULL)
        goto out;
    step++;
    if ((o[3] = mor_floordiv(rt, o[2], o[0])) == NULL)
        goto out;
    step++;
    if ((o[4] = mor_mod(rt, o[2], o[0])) == NULL)
        goto out;
    step++;
    if ((o[5] = mor_repr(rt, o[2])) == NULL)
        goto out;
    step++;
    if ((o[6] = mor_truediv(rt, o[2], o[1])) == NULL)
        goto out;
    step++;
    if ((o[7] = mor_int_from_str(rt, mor_str_utf8(o[5], NULL), 10)) == NULL)
        goto out;
    step++;
    assert_int_equal(mor_eq(rt, o[7], o[2]), 1);
out:
    if (step < 8)
        t_expect_exc(rt, MOR_EXC_MEMORY, NULL);
    mor_alloc_fail_after(rt, 0);
    for (size_t i = 0; i < T_COUNTOF(o); i++)
        mor_xdecref(rt, o[i]);
    mor_decref(rt, k);
    return step;
}

static void test_alloc_failures(void **state)
{
    T_RT;
    mor_obj *x = NULL;
    mor_alloc_fail_after(rt, 1);
    x = mor_int(rt, 1000);
    assert_null(x);
    t_expect_exc(rt, MOR_EXC_MEMORY, NULL);
    mor_alloc_fail_after(rt, 1);
    x = mor_float(rt, 1.0);
    assert_null(x);
    t_expect_exc(rt, MOR_EXC_MEMORY, NULL);
    mor_alloc_fail_after(rt, 0);
    for (uint64_t nth = 1; nth < 60; nth++)
        if (failing_run(rt, nth) == 8)
            break;
    assert_int_equal(failing_run(rt, 0), 8);
    t_alive(rt);
    assert_int_equal(mor_rt_live_objects(rt), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T_TEST(test_small_int_identity),
        T_TEST(test_small_int_wide_cache),
        T_TEST(test_immortal_refcount),
        T_TEST(test_sizes),
        T_TEST(test_small_arith_table),
        T_TEST(test_big_arith_table),
        T_TEST(test_float_table),
        T_TEST(test_pow_table),
        T_TEST(test_truediv_table),
        T_TEST(test_overflow_and_back),
        T_TEST(test_pow),
        T_TEST(test_division_errors),
        T_TEST(test_mixing),
        T_TEST(test_truediv),
        T_TEST(test_hash),
        T_TEST(test_compare_table),
        T_TEST(test_float_repr),
        T_TEST(test_int_repr),
        T_TEST(test_from_str_valid),
        T_TEST(test_from_str_invalid),
        T_TEST(test_conversions),
        T_TEST(test_neg_truth),
        T_TEST(test_alloc_failures),
    };
    return cmocka_run_group_tests_name("scalar", tests, NULL, NULL);
}
