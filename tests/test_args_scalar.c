/* tests/test_args_scalar.c: bad arguments to the functions of mor/scalar.h
 * (ints, floats, arithmetic, comparison) and mor/str.h (str, bytes).
 *
 * No bad input possible: mor_none, mor_bool, mor_is_none, mor_is_int,
 * mor_is_float, mor_is_str, mor_is_bytes (predicates: any object; checked on
 * foreign objects below), mor_int and mor_int_from_u64 (every int64/uint64
 * is a value), mor_float (every double, NaN and infinities included).
 * Not called with bad input: mor_str_cmp takes two strs and has no error
 * channel (its header says so; debug builds abort on anything else). */
#include <math.h>

#include "args_util.h"

/* ---- ints and floats ------------------------------------------------------------------ */

static void test_int_from_str_bad(void **state)
{
    T_RT;
    int bases[] = {1, -1, 37, 100, INT32_MIN, INT32_MAX};
    for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++)
        A_NULL(rt, mor_int_from_str(rt, "10", bases[i]), MOR_EXC_VALUE,
               "int() base must be >= 2 and <= 36, or 0");
    A_NULL(rt, mor_int_from_str(rt, NULL, 10), MOR_EXC_TYPE, "NULL");
    const char *bad[] = {"",    " ", "12x", "x",     "1_",  "_1",  "1__2", "0x",
                         "--1", "+", "1.5", "0b102", "010", "1 2", "\xff"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        mor_obj *r = mor_int_from_str(rt, bad[i], 0);
        if (r != NULL)
            fail_msg("mor_int_from_str(\"%s\") gave an int", bad[i]);
        a_exc(rt, MOR_EXC_VALUE, "invalid literal for int() with base 0");
    }
    A_NULL(rt, mor_int_from_str(rt, "12x", 10), MOR_EXC_VALUE, "'12x'");
    A_NULL(rt, mor_int_from_str(rt, "z", 35), MOR_EXC_VALUE, "base 35");
    A_NULL(rt, mor_int_from_str(rt, "0x1f", 10), MOR_EXC_VALUE, "'0x1f'");
    mor_obj *z = mor_int_from_str(rt, "z", 36); /* the edge of the range is fine */
    a_repr(rt, z, "35");
    mor_decref(rt, z);
    a_usable(rt);
}

static void test_int_to_i64_bad(void **state)
{
    T_RT;
    int64_t out = 42;
    mor_obj *s = mor_str(rt, "5"), *f = mor_float(rt, 5.0), *l = mor_list(rt, 0);
    mor_obj *big = mor_int_from_str(rt, "9223372036854775808", 10); /* 2^63 */
    mor_obj *nbig = mor_int_from_str(rt, "-9223372036854775809", 10);
    a_rcs rc = A_RC(s, f, l, big, nbig);
    A_NEG(rt, mor_int_to_i64(rt, s, &out), MOR_EXC_TYPE, "str");
    A_NEG(rt, mor_int_to_i64(rt, f, &out), MOR_EXC_TYPE, "float");
    A_NEG(rt, mor_int_to_i64(rt, l, &out), MOR_EXC_TYPE, "list");
    A_NEG(rt, mor_int_to_i64(rt, mor_none(rt), &out), MOR_EXC_TYPE, "NoneType");
    A_NEG(rt, mor_int_to_i64(rt, big, &out), MOR_EXC_OVERFLOW, "too large");
    A_NEG(rt, mor_int_to_i64(rt, nbig, &out), MOR_EXC_OVERFLOW, "too large");
    assert_int_equal(out, 42); /* not written on failure */
    /* the sign of a non-int is 0, without an exception */
    assert_int_equal(mor_int_sign(s), 0);
    assert_int_equal(mor_int_sign(l), 0);
    assert_int_equal(mor_int_sign(f), 0);
    A_NOEXC(rt);
    assert_false(mor_is_int(s));
    assert_false(mor_is_int(mor_bool(rt, true)));
    assert_false(mor_is_float(big));
    assert_false(mor_is_none(rt, l));
    mor_obj *umax = mor_int_from_u64(rt, UINT64_MAX); /* the edge of the range */
    a_repr(rt, umax, "18446744073709551615");
    A_NEG(rt, mor_int_to_i64(rt, umax, &out), MOR_EXC_OVERFLOW, "too large");
    mor_decref(rt, umax);
    a_rc_same(&rc);
    a_repr(rt, big, "9223372036854775808");
    mor_decref(rt, s);
    mor_decref(rt, f);
    mor_decref(rt, l);
    mor_decref(rt, big);
    mor_decref(rt, nbig);
    a_usable(rt);
}

static void test_float_to_double_bad(void **state)
{
    T_RT;
    double out = 4.25;
    mor_obj *s = mor_str(rt, "1.0"), *t = mor_tuple(rt, 0);
    mor_obj *huge = mor_int_from_str(rt,
                                     "1" /* 10^400 */
                                     "0000000000000000000000000000000000000000000000000000"
                                     "0000000000000000000000000000000000000000000000000000"
                                     "0000000000000000000000000000000000000000000000000000"
                                     "0000000000000000000000000000000000000000000000000000"
                                     "0000000000000000000000000000000000000000000000000000"
                                     "0000000000000000000000000000000000000000000000000000"
                                     "0000000000000000000000000000000000000000000000000000"
                                     "000000000000000000000000000000000000",
                                     10);
    assert_non_null(huge);
    a_rcs rc = A_RC(s, huge);
    A_NEG(rt, mor_float_to_double(rt, s, &out), MOR_EXC_TYPE, "must be real number, not str");
    A_NEG(rt, mor_float_to_double(rt, t, &out), MOR_EXC_TYPE, "tuple");
    A_NEG(rt, mor_float_to_double(rt, mor_none(rt), &out), MOR_EXC_TYPE, "NoneType");
    A_NEG(rt, mor_float_to_double(rt, huge, &out), MOR_EXC_OVERFLOW, "too large");
    assert_true(out == 4.25);
    a_rc_same(&rc);
    mor_decref(rt, s);
    mor_decref(rt, t);
    mor_decref(rt, huge);
    a_usable(rt);
}

static void test_arith_wrong_type(void **state)
{
    T_RT;
    mor_obj *i = mor_int(rt, 1000), *f = mor_float(rt, 1.5), *s = mor_str(rt, "ab");
    mor_obj *l = mor_list(rt, 1, i), *n = mor_none(rt);
    a_rcs rc = A_RC(i, f, s, l);
    typedef mor_obj *(*binop)(mor_rt *, mor_obj *, mor_obj *);
    static const struct {
        binop fn;
        const char *sym;
    } ops[] = {{mor_add, "+"}, {mor_sub, "-"},     {mor_mul, "*"}, {mor_floordiv, "//"},
               {mor_mod, "%"}, {mor_truediv, "/"}, {mor_pow, "**"}};
    char want[128];
    for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
        snprintf(want, sizeof(want), "unsupported operand type(s) for %s", ops[k].sym);
        A_NULL(rt, ops[k].fn(rt, i, n), MOR_EXC_TYPE, want);
        A_NULL(rt, ops[k].fn(rt, n, f), MOR_EXC_TYPE, "'NoneType' and 'float'");
        A_NULL(rt, ops[k].fn(rt, f, l), MOR_EXC_TYPE, "'float' and 'list'");
        A_NULL(rt, ops[k].fn(rt, n, n), MOR_EXC_TYPE, "'NoneType' and 'NoneType'");
        if (ops[k].fn != mor_mul && ops[k].fn != mor_add && ops[k].fn != mor_mod)
            A_NULL(rt, ops[k].fn(rt, s, i), MOR_EXC_TYPE, "'str' and 'int'");
    }
    A_NULL(rt, mor_add(rt, s, i), MOR_EXC_TYPE, "str");
    A_NULL(rt, mor_add(rt, l, s), MOR_EXC_TYPE, "str");
    A_NULL(rt, mor_neg(rt, s), MOR_EXC_TYPE, "bad operand type for unary -: 'str'");
    A_NULL(rt, mor_neg(rt, n), MOR_EXC_TYPE, "'NoneType'");
    A_NULL(rt, mor_neg(rt, l), MOR_EXC_TYPE, "'list'");
    a_rc_same(&rc);
    a_repr(rt, l, "[1000]");
    mor_decref(rt, i);
    mor_decref(rt, f);
    mor_decref(rt, s);
    mor_decref(rt, l);
    a_usable(rt);
}

static void test_arith_out_of_range(void **state)
{
    T_RT;
    mor_obj *zero = mor_int(rt, 0), *fzero = mor_float(rt, 0.0), *one = mor_int(rt, 1);
    mor_obj *big = mor_int_from_str(rt, "123456789012345678901234567890", 10);
    mor_obj *fbig = mor_float(rt, 1e300), *neg = mor_float(rt, -8.0), *half = mor_float(rt, 0.5);
    mor_obj *minus1 = mor_int(rt, -1), *two = mor_int(rt, 2);
    a_rcs rc = A_RC(big, fbig, neg, half);
    mor_obj *nums[] = {one, big, fbig, mor_bool(rt, true)};
    mor_obj *zeros[] = {zero, fzero, mor_bool(rt, false)};
    for (size_t a = 0; a < 4; a++) {
        for (size_t b = 0; b < 3; b++) {
            A_NULL(rt, mor_truediv(rt, nums[a], zeros[b]), MOR_EXC_ZERO_DIVISION, "zero");
            A_NULL(rt, mor_floordiv(rt, nums[a], zeros[b]), MOR_EXC_ZERO_DIVISION, "zero");
            A_NULL(rt, mor_mod(rt, nums[a], zeros[b]), MOR_EXC_ZERO_DIVISION, "modulo");
        }
    }
    A_NULL(rt, mor_pow(rt, zero, minus1), MOR_EXC_ZERO_DIVISION, "negative power");
    A_NULL(rt, mor_pow(rt, fzero, minus1), MOR_EXC_ZERO_DIVISION, "negative power");
    A_NULL(rt, mor_pow(rt, neg, half), MOR_EXC_VALUE, "fractional power");
    A_NULL(rt, mor_pow(rt, fbig, two), MOR_EXC_OVERFLOW, NULL);
    A_NULL(rt, mor_pow(rt, two, big), MOR_EXC_OVERFLOW, "too large");
    A_NULL(rt, mor_pow(rt, big, big), MOR_EXC_OVERFLOW, "too large");
    /* an int too large for a float */
    mor_obj *e2000 = mor_int(rt, 2000);
    mor_obj *huge = mor_pow(rt, two, e2000);
    mor_decref(rt, e2000);
    assert_non_null(huge);
    A_NULL(rt, mor_add(rt, huge, half), MOR_EXC_OVERFLOW, "too large");
    A_NULL(rt, mor_truediv(rt, huge, one), MOR_EXC_OVERFLOW, "too large");
    mor_decref(rt, huge);
    a_rc_same(&rc);
    a_repr(rt, big, "123456789012345678901234567890");
    mor_decref(rt, big);
    mor_decref(rt, fzero);
    mor_decref(rt, fbig);
    mor_decref(rt, neg);
    mor_decref(rt, half);
    a_usable(rt);
}

static void test_compare_bad(void **state)
{
    T_RT;
    mor_obj *i = mor_int(rt, 1), *s = mor_str(rt, "a"), *l = mor_list(rt, 0), *n = mor_none(rt);
    mor_obj *d = mor_dict(rt);
    a_rcs rc = A_RC(s, l, d);
    A_NEG(rt, mor_compare(rt, i, s, MOR_LT), MOR_EXC_TYPE,
          "'<' not supported between instances of 'int' and 'str'");
    A_NEG(rt, mor_compare(rt, n, n, MOR_GE), MOR_EXC_TYPE, "'>=' not supported");
    A_NEG(rt, mor_compare(rt, l, i, MOR_GT), MOR_EXC_TYPE, "'list' and 'int'");
    A_NEG(rt, mor_compare(rt, d, d, MOR_LE), MOR_EXC_TYPE, "'dict' and 'dict'");
    A_NEG(rt, mor_compare(rt, i, i, (mor_cmp)6), MOR_EXC_VALUE, "invalid comparison operator 6");
    A_NEG(rt, mor_compare(rt, i, i, (mor_cmp)-1), MOR_EXC_VALUE, "-1");
    /* equality never fails between unrelated types */
    assert_int_equal(mor_compare(rt, i, s, MOR_EQ), 0);
    assert_int_equal(mor_compare(rt, l, n, MOR_NE), 1);
    A_NOEXC(rt);
    a_rc_same(&rc);
    mor_decref(rt, s);
    mor_decref(rt, l);
    mor_decref(rt, d);
    a_usable(rt);
}

/* ---- str and bytes --------------------------------------------------------------------- */

static mor_obj *vfmt_helper(mor_rt *rt, const char *fmt, ...) MOR_PRINTF(2, 3);
static mor_obj *vfmt_helper(mor_rt *rt, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mor_obj *r = mor_str_vfmt(rt, fmt, ap);
    va_end(ap);
    return r;
}

static void test_str_bad_text(void **state)
{
    T_RT;
    static const struct {
        const char *text;
        size_t n;
        const char *where;
    } bad[] = {
        {"ab\x80", 3, "offset 2"},               /* a lone continuation byte */
        {"\xc0\x80", 2, "offset 0"},             /* an overlong NUL */
        {"\xe0\x80\xaf", 3, "offset 0"},         /* an overlong '/' */
        {"x\xed\xa0\x80", 4, "offset 1"},        /* a surrogate */
        {"\xf4\x90\x80\x80", 4, "offset 0"},     /* past U+10FFFF */
        {"\xe2\x82", 2, "offset 0"},             /* truncated */
        {"abc\xff", 4, "0xff"},                  /* never valid */
        {"\xf8\x88\x80\x80\x80", 5, "offset 0"}, /* a five-byte form */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        A_NULL(rt, mor_str_n(rt, bad[i].text, bad[i].n), MOR_EXC_VALUE, bad[i].where);
        char buf[16];
        memcpy(buf, bad[i].text, bad[i].n);
        buf[bad[i].n] = '\0';
        A_NULL(rt, mor_str(rt, buf), MOR_EXC_VALUE, "invalid UTF-8");
        A_NULL(rt, mor_str_const(rt, buf), MOR_EXC_VALUE, "invalid UTF-8");
        A_NULL(rt, mor_str_fmt(rt, "<%s>", buf), MOR_EXC_VALUE, "invalid UTF-8");
        A_NULL(rt, vfmt_helper(rt, "%s", buf), MOR_EXC_VALUE, "invalid UTF-8");
    }
    A_NULL(rt, mor_str(rt, NULL), MOR_EXC_TYPE, "NULL");
    A_NULL(rt, mor_str_n(rt, NULL, 3), MOR_EXC_TYPE, "NULL");
    A_NULL(rt, mor_str_const(rt, NULL), MOR_EXC_TYPE, "NULL");
    A_NULL(rt, mor_str_fmt(rt, NULL), MOR_EXC_TYPE, "NULL format");
    A_NULL(rt, vfmt_helper(rt, NULL), MOR_EXC_TYPE, "NULL format");
    A_NULL(rt, mor_bytes(rt, NULL, 3), MOR_EXC_TYPE, "NULL data for 3 bytes");
    A_NULL(rt, mor_bytes(rt, "x", SIZE_MAX), MOR_EXC_OVERFLOW, "too large");
    mor_obj *e = mor_bytes(rt, NULL, 0); /* nothing to read: b"" */
    assert_int_equal(mor_is_bytes(e), true);
    mor_decref(rt, e);
    a_usable(rt);
}

static void test_str_wrong_type(void **state)
{
    T_RT;
    mor_obj *s = mor_str(rt, "abc"), *i = mor_int(rt, 5000), *b = mor_bytes(rt, "abc", 3);
    mor_obj *l = mor_list(rt, 2, s, i), *n = mor_none(rt);
    a_rcs rc = A_RC(s, i, b, l);
    A_NULL(rt, mor_intern(rt, i), MOR_EXC_TYPE, "intern() argument must be str, not int");
    A_NULL(rt, mor_intern(rt, b), MOR_EXC_TYPE, "not bytes");
    A_NULL(rt, mor_str_concat(rt, s, i), MOR_EXC_TYPE, "can only concatenate str (not \"int\")");
    A_NULL(rt, mor_str_concat(rt, b, s), MOR_EXC_TYPE, "\"bytes\"");
    A_NULL(rt, mor_str_concat(rt, n, n), MOR_EXC_TYPE, "\"NoneType\"");
    A_NEG(rt, mor_str_find(rt, s, i), MOR_EXC_TYPE, "'str' and 'int'");
    A_NEG(rt, mor_str_find(rt, l, s), MOR_EXC_TYPE, "'list' and 'str'");
    A_NULL(rt, mor_str_join(rt, i, l), MOR_EXC_TYPE, "join() separator must be str, not int");
    A_NULL(rt, mor_str_join(rt, s, i), MOR_EXC_TYPE, "'int' object is not iterable");
    A_NULL(rt, mor_str_join(rt, s, l), MOR_EXC_TYPE,
           "sequence item 1: expected str instance, int found");
    mor_obj *t = mor_tuple(rt, 2, s, b);
    A_NULL(rt, mor_str_join(rt, s, t), MOR_EXC_TYPE, "bytes found");
    mor_obj *it = mor_iter(rt, l); /* any iterable goes through a list first */
    A_NULL(rt, mor_str_join(rt, s, it), MOR_EXC_TYPE, "int found");
    mor_decref(rt, it);
    mor_decref(rt, t);
    /* append: *s is left as it was */
    mor_obj *acc = mor_str(rt, "acc");
    mor_obj *keep = acc;
    A_NEG(rt, mor_str_append(rt, &acc, i), MOR_EXC_TYPE, "\"int\"");
    assert_ptr_equal(acc, keep);
    mor_obj *notstr = i;
    A_NEG(rt, mor_str_append(rt, &notstr, s), MOR_EXC_TYPE, "\"int\"");
    assert_ptr_equal(notstr, i);
    a_repr(rt, acc, "'acc'");
    assert_int_equal(mor_refcount(acc), 1);
    mor_decref(rt, acc);
    /* queries on foreign objects: documented values, no exception */
    size_t nb = 99;
    assert_null(mor_str_utf8(i, &nb));
    assert_int_equal(nb, 0);
    assert_null(mor_str_utf8(b, NULL));
    assert_int_equal(mor_str_length(b), -1);
    assert_int_equal(mor_str_length(l), -1);
    assert_false(mor_str_is_interned(i));
    assert_false(mor_is_str(b));
    nb = 99;
    assert_null(mor_bytes_data(s, &nb));
    assert_int_equal(nb, 0);
    assert_null(mor_bytes_data(i, NULL));
    assert_false(mor_is_bytes(s));
    A_NOEXC(rt);
    a_rc_same(&rc);
    a_repr(rt, l, "['abc', 5000]");
    mor_decref(rt, s);
    mor_decref(rt, i);
    mor_decref(rt, b);
    mor_decref(rt, l);
    a_usable(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T_TEST(test_int_from_str_bad),    T_TEST(test_int_to_i64_bad),
        T_TEST(test_float_to_double_bad), T_TEST(test_arith_wrong_type),
        T_TEST(test_arith_out_of_range),  T_TEST(test_compare_bad),
        T_TEST(test_str_bad_text),        T_TEST(test_str_wrong_type),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
