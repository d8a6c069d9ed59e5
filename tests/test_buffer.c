/* tests/test_buffer.c: the buffer protocol, typed arrays, bytearray and
 * memoryview: values and limits per typecode, sizes, exports pinning memory,
 * zero-copy slices and casts, release, cycles through memoryviews, errors. */
#include <float.h>
#include <math.h>

#include "testutil.h"

static const char all_codes[] = "bBhHiIlLqQfd";

static int64_t as_i64(mor_rt *rt, mor_obj *o)
{
    int64_t v = 0;
    assert_non_null(o);
    assert_int_equal(mor_int_to_i64(rt, o, &v), 0);
    return v;
}

static mor_obj *get_at(mor_rt *rt, mor_obj *seq, int64_t i)
{
    mor_obj *k = mor_int(rt, i);
    mor_obj *x = mor_getitem(rt, seq, k);
    mor_decref(rt, k);
    return x;
}

static int64_t int_at(mor_rt *rt, mor_obj *seq, int64_t i)
{
    mor_obj *x = get_at(rt, seq, i);
    assert_non_null(x);
    int64_t v = as_i64(rt, x);
    mor_decref(rt, x);
    return v;
}

static double float_at(mor_rt *rt, mor_obj *seq, int64_t i)
{
    mor_obj *x = get_at(rt, seq, i);
    assert_non_null(x);
    assert_true(mor_is_float(x));
    double d = 0;
    assert_int_equal(mor_float_to_double(rt, x, &d), 0);
    mor_decref(rt, x);
    return d;
}

/* mor_setitem(seq, i, v) with v a fresh int; returns its result. */
static int set_int(mor_rt *rt, mor_obj *seq, int64_t i, int64_t v)
{
    mor_obj *k = mor_int(rt, i), *x = mor_int(rt, v);
    int r = mor_setitem(rt, seq, k, x);
    mor_decref(rt, k);
    mor_decref(rt, x);
    return r;
}

static int del_at(mor_rt *rt, mor_obj *seq, int64_t i)
{
    mor_obj *k = mor_int(rt, i);
    int r = mor_delitem(rt, seq, k);
    mor_decref(rt, k);
    return r;
}

static int append_int(mor_rt *rt, mor_obj *a, int64_t v)
{
    mor_obj *x = mor_int(rt, v);
    int r = mor_array_append(rt, a, x);
    mor_decref(rt, x);
    return r;
}

/* A new array of typecode tc holding the n values. */
static mor_obj *int_array(mor_rt *rt, char tc, size_t n, const int64_t *vals)
{
    mor_obj *a = mor_array(rt, tc);
    assert_non_null(a);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(append_int(rt, a, vals[i]), 0);
    return a;
}

static int contains_int(mor_rt *rt, mor_obj *c, int64_t v)
{
    mor_obj *x = mor_int(rt, v);
    int r = mor_contains(rt, c, x);
    mor_decref(rt, x);
    return r;
}

/* Bytes the runtime holds for live objects and buffers (pooled blocks excluded). */
static uint64_t t_bytes(mor_rt *rt)
{
    mor_alloc_stats st;
    mor_alloc_get_stats(rt, &st);
    return st.live_bytes - st.pooled_bytes;
}

/* ---- arrays ---------------------------------------------------------------------------------- */

static void test_array_basics(void **state)
{
    T_RT;
    mor_obj *a = mor_array(rt, 'i');
    assert_non_null(a);
    assert_true(mor_is_array(a));
    assert_false(mor_is_array(mor_none(rt)));
    assert_int_equal(mor_array_typecode(a), 'i');
    assert_int_equal(mor_array_typecode(mor_none(rt)), '\0');
    assert_false(mor_gc_is_tracked(a)); /* holds no references: never tracked */
    t_assert_repr(rt, a, "array('i')");
    assert_int_equal(mor_len(rt, a), 0);
    assert_int_equal(mor_is_true(rt, a), 0);
    for (int i = 1; i <= 3; i++)
        assert_int_equal(append_int(rt, a, i), 0);
    t_assert_repr(rt, a, "array('i', [1, 2, 3])");
    assert_int_equal(mor_len(rt, a), 3);
    assert_int_equal(mor_is_true(rt, a), 1);
    assert_int_equal(int_at(rt, a, 0), 1);
    assert_int_equal(int_at(rt, a, -1), 3);
    assert_int_equal(int_at(rt, a, -3), 1);
    assert_int_equal(set_int(rt, a, -2, -20), 0);
    t_assert_repr(rt, a, "array('i', [1, -20, 3])");
    /* bools are ints */
    mor_obj *k0 = mor_int(rt, 0);
    assert_int_equal(mor_setitem(rt, a, k0, mor_bool(rt, true)), 0);
    assert_int_equal(int_at(rt, a, 0), 1);
    mor_decref(rt, k0);
    /* delete and pop */
    assert_int_equal(del_at(rt, a, 0), 0);
    t_assert_repr(rt, a, "array('i', [-20, 3])");
    mor_obj *x = mor_array_pop(rt, a, -1);
    assert_int_equal(as_i64(rt, x), 3);
    mor_decref(rt, x);
    x = mor_array_pop(rt, a, 0);
    assert_int_equal(as_i64(rt, x), -20);
    mor_decref(rt, x);
    assert_null(mor_array_pop(rt, a, 0));
    t_expect_exc(rt, MOR_EXC_INDEX, "pop from empty array");
    assert_false(mor_gc_is_tracked(a));
    mor_decref(rt, a);

    /* item sizes */
    const size_t sizes[] = {1, 1, 2, 2, 4, 4, 8, 8, 8, 8, 4, 8};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(*sizes); i++)
        assert_int_equal(mor_array_itemsize(all_codes[i]), sizes[i]);
    assert_int_equal(mor_array_itemsize('u'), 0);
    assert_int_equal(mor_array_itemsize('x'), 0);

    /* float arrays */
    mor_obj *d = mor_array(rt, 'd');
    mor_obj *f = mor_float(rt, 2.5), *i7 = mor_int(rt, 7);
    assert_int_equal(mor_array_append(rt, d, f), 0);
    assert_int_equal(mor_array_append(rt, d, i7), 0); /* ints convert */
    t_assert_repr(rt, d, "array('d', [2.5, 7.0])");
    assert_true(float_at(rt, d, 1) == 7.0);
    mor_obj *ff = mor_array(rt, 'f');
    mor_obj *tenth = mor_float(rt, 0.1);
    assert_int_equal(mor_array_append(rt, ff, tenth), 0);
    t_assert_repr(rt, ff, "array('f', [0.10000000149011612])");
    assert_true(float_at(rt, ff, 0) == (double)0.1f);
    mor_obj *objs[] = {d, f, i7, ff, tenth};
    for (size_t i = 0; i < sizeof(objs) / sizeof(*objs); i++)
        mor_decref(rt, objs[i]);
}

/* Every integer typecode stores its minimum and maximum and refuses one past
 * each, with CPython's messages plus the limit. */
static void test_array_limits(void **state)
{
    T_RT;
    static const struct {
        char tc;
        const char *min, *max, *below, *above, *cname;
    } lim[] = {
        {'b', "-128", "127", "-129", "128", "signed char"},
        {'B', "0", "255", "-1", "256", "unsigned byte integer"},
        {'h', "-32768", "32767", "-32769", "32768", "signed short integer"},
        {'H', "0", "65535", "-1", "65536", "unsigned short"},
        {'i', "-2147483648", "2147483647", "-2147483649", "2147483648", "signed integer"},
        {'I', "0", "4294967295", "-1", "4294967296", "unsigned int"},
        {'l', "-9223372036854775808", "9223372036854775807", "-9223372036854775809",
         "9223372036854775808", "signed long integer"},
        {'L', "0", "18446744073709551615", "-1", "18446744073709551616", "unsigned long"},
        {'q', "-9223372036854775808", "9223372036854775807", "-9223372036854775809",
         "9223372036854775808", "signed long long"},
        {'Q', "0", "18446744073709551615", "-1", "18446744073709551616", "unsigned long long"},
    };
    for (size_t t = 0; t < sizeof(lim) / sizeof(*lim); t++) {
        mor_obj *a = mor_array(rt, lim[t].tc);
        mor_obj *mn = mor_int_from_str(rt, lim[t].min, 10);
        mor_obj *mx = mor_int_from_str(rt, lim[t].max, 10);
        mor_obj *below = mor_int_from_str(rt, lim[t].below, 10);
        mor_obj *above = mor_int_from_str(rt, lim[t].above, 10);
        assert_int_equal(mor_array_append(rt, a, mn), 0);
        assert_int_equal(mor_array_append(rt, a, mx), 0);
        /* read back exactly */
        mor_obj *r0 = get_at(rt, a, 0), *r1 = get_at(rt, a, 1);
        assert_int_equal(mor_eq(rt, r0, mn), 1);
        assert_int_equal(mor_eq(rt, r1, mx), 1);
        mor_decref(rt, r0);
        mor_decref(rt, r1);
        char msg[120];
        snprintf(msg, sizeof(msg), "%s is greater than maximum (%s)", lim[t].cname, lim[t].max);
        assert_int_equal(mor_array_append(rt, a, above), -1);
        t_expect_exc(rt, MOR_EXC_OVERFLOW, msg);
        snprintf(msg, sizeof(msg), "%s is less than minimum (%s)", lim[t].cname, lim[t].min);
        assert_int_equal(mor_array_append(rt, a, below), -1);
        t_expect_exc(rt, MOR_EXC_OVERFLOW, msg);
        /* setitem checks the same way and leaves the item alone */
        mor_obj *k = mor_int(rt, 0);
        assert_int_equal(mor_setitem(rt, a, k, above), -1);
        t_expect_exc(rt, MOR_EXC_OVERFLOW, "greater than maximum");
        mor_decref(rt, k);
        assert_int_equal(mor_len(rt, a), 2);
        r0 = get_at(rt, a, 0);
        assert_int_equal(mor_eq(rt, r0, mn), 1);
        mor_decref(rt, r0);
        /* a float is a TypeError, whatever its value */
        mor_obj *fl = mor_float(rt, 1.0);
        assert_int_equal(mor_array_append(rt, a, fl), -1);
        t_expect_exc(rt, MOR_EXC_TYPE, "'float' object cannot be interpreted as an integer");
        mor_obj *s = mor_str(rt, "1");
        assert_int_equal(mor_array_append(rt, a, s), -1);
        t_expect_exc(rt, MOR_EXC_TYPE, "'str' object cannot be interpreted as an integer");
        /* a much bigger int */
        mor_obj *huge = mor_int_from_str(rt,
                                         "-1"
                                         "000000000000000000000000000000",
                                         10);
        assert_int_equal(mor_array_append(rt, a, huge), -1);
        t_expect_exc(rt, MOR_EXC_OVERFLOW, "less than minimum");
        mor_obj *objs[] = {a, mn, mx, below, above, fl, s, huge};
        for (size_t i = 0; i < sizeof(objs) / sizeof(*objs); i++)
            mor_decref(rt, objs[i]);
    }

    /* float typecodes */
    mor_obj *f = mor_array(rt, 'f'), *d = mor_array(rt, 'd');
    mor_obj *big = mor_float(rt, 1e300), *fmax = mor_float(rt, (double)FLT_MAX);
    mor_obj *inf = mor_float(rt, (double)INFINITY), *nan = mor_float(rt, (double)NAN);
    assert_int_equal(mor_array_append(rt, f, big), -1);
    t_expect_exc(rt, MOR_EXC_OVERFLOW, "float too large to pack with f format");
    assert_int_equal(mor_array_append(rt, f, fmax), 0);
    assert_int_equal(mor_array_append(rt, f, inf), 0);
    assert_int_equal(mor_array_append(rt, f, nan), 0);
    assert_true(float_at(rt, f, 0) == (double)FLT_MAX);
    assert_true(isinf(float_at(rt, f, 1)));
    assert_true(isnan(float_at(rt, f, 2)));
    assert_int_equal(mor_array_append(rt, d, big), 0);
    assert_true(float_at(rt, d, 0) == 1e300);
    mor_obj *hugeint = mor_int_from_str(rt,
                                        "1"
                                        "0000000000"
                                        "0000000000"
                                        "0000000000"
                                        "0000000000"
                                        "0000000000"
                                        "0000000000"
                                        "0000000000"
                                        "0000000000"
                                        "0000000000"
                                        "0000000000"
                                        "0000000000"
                                        "0000000000"
                                        "0000000000"
                                        "0000000000"
                                        "0000000000"
                                        "0000000000"
                                        "0000000000"
                                        "0000000000"
                                        "0000000000"
                                        "0000000000"
                                        "0000000000"
                                        "0000000000"
                                        "0000000000"
                                        "0000000000"
                                        "0000000000"
                                        "0000000000"
                                        "0000000000"
                                        "0000000000"
                                        "0000000000"
                                        "0000000000"
                                        "0000000000",
                                        10);
    assert_non_null(hugeint); /* 10^310: beyond double */
    assert_int_equal(mor_array_append(rt, d, hugeint), -1);
    t_expect_exc(rt, MOR_EXC_OVERFLOW, "int too large to convert to float");
    mor_obj *s = mor_str(rt, "x");
    assert_int_equal(mor_array_append(rt, d, s), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "must be real number, not str");
    mor_obj *objs[] = {f, d, big, fmax, inf, nan, hugeint, s};
    for (size_t i = 0; i < sizeof(objs) / sizeof(*objs); i++)
        mor_decref(rt, objs[i]);
}

static void test_array_bad_typecode(void **state)
{
    T_RT;
    const char bad[] = {'u', 'w', 'x', 'c', '?', '\0', 'D'};
    for (size_t i = 0; i < sizeof(bad); i++) {
        assert_null(mor_array(rt, bad[i]));
        t_expect_exc(rt, MOR_EXC_VALUE,
                     "bad typecode (must be b, B, h, H, i, I, l, L, q, Q, f or d)");
        assert_null(mor_array_from(rt, bad[i], NULL));
        t_expect_exc(rt, MOR_EXC_VALUE, "bad typecode");
    }
    for (const char *c = all_codes; *c; c++) {
        mor_obj *a = mor_array(rt, *c);
        assert_non_null(a);
        assert_int_equal(mor_array_typecode(a), *c);
        mor_decref(rt, a);
    }
}

static void test_array_sizes(void **state)
{
    T_RT;
    mor_obj *empty = mor_array(rt, 'i');
    size_t base = mor_sizeof(empty);
    assert_true(base <= 80); /* CPython 3.11: 80 */
    /* from a sized iterable: exactly sized */
    mor_obj *r = mor_range(rt, 0, 1000, 1);
    mor_obj *l = mor_list_from(rt, r);
    mor_obj *exact = mor_array_from(rt, 'i', l);
    assert_int_equal(mor_len(rt, exact), 1000);
    assert_int_equal(mor_sizeof(exact), base + 4000);
    assert_true(mor_sizeof(exact) <= 4200);
    mor_obj *from_range = mor_array_from(rt, 'i', r);
    assert_int_equal(mor_sizeof(from_range), base + 4000);
    /* by appends: CPython's over-allocation (1030 items for 1000 appends) */
    mor_obj *app = mor_array(rt, 'i');
    for (int i = 0; i < 1000; i++)
        assert_int_equal(append_int(rt, app, i), 0);
    assert_int_equal(mor_sizeof(app), base + 4 * 1030);
    assert_true(mor_sizeof(app) <= 4200); /* CPython 3.11: 4200 */
    assert_int_equal(mor_eq(rt, app, exact), 1);
    /* the item storage is counted, not just the object */
    mor_obj *d = mor_array_from(rt, 'd', l);
    assert_int_equal(mor_sizeof(d), base + 8000);
    print_message("array('i') empty %zu bytes, 1000 items exact %zu, 1000 appends %zu\n", base,
                  mor_sizeof(exact), mor_sizeof(app));
    mor_obj *objs[] = {empty, r, l, exact, from_range, app, d};
    for (size_t i = 0; i < sizeof(objs) / sizeof(*objs); i++)
        mor_decref(rt, objs[i]);
}

/* A list of N ints against an 'i' array of the same N ints, by the bytes the
 * allocator statistics hold for them. */
static void test_array_vs_list_memory(void **state)
{
    T_RT;
    T_NEEDS_RC("per-block allocator statistics (Boehm owns the heap)");
    int n = t_scale(1000000);
    mor_obj *r = mor_range(rt, 1000, 1000 + n, 1); /* past the small-int cache */
    uint64_t b0 = t_bytes(rt);
    mor_obj *l = mor_list_from(rt, r);
    uint64_t b1 = t_bytes(rt);
    mor_obj *a = mor_array_from(rt, 'i', r);
    uint64_t b2 = t_bytes(rt);
    assert_non_null(l);
    assert_non_null(a);
    uint64_t list_bytes = b1 - b0, array_bytes = b2 - b1;
    assert_true(array_bytes >= (uint64_t)n * 4);
    assert_true(array_bytes <= (uint64_t)n * 4 + 128);
    assert_true(list_bytes >= 4 * array_bytes);
    print_message("%d ints: list %llu bytes, array('i') %llu bytes (%.1fx smaller)\n", n,
                  (unsigned long long)list_bytes, (unsigned long long)array_bytes,
                  (double)list_bytes / (double)array_bytes);
    assert_int_equal(mor_len(rt, a), n);
    assert_int_equal(int_at(rt, a, n - 1), 1000 + n - 1);
    mor_decref(rt, l);
    mor_decref(rt, a);
    mor_decref(rt, r);
    assert_true(t_bytes(rt) <= b0); /* everything given back (pools may keep some) */
}

static void test_array_slice_iter(void **state)
{
    T_RT;
    const int64_t v[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    mor_obj *a = int_array(rt, 'h', 10, v);
    mor_obj *s = mor_slice(rt, a, 1, 8, 3);
    t_assert_repr(rt, s, "array('h', [1, 4, 7])");
    mor_obj *rev = mor_slice(rt, a, MOR_SLICE_NONE, MOR_SLICE_NONE, -4);
    t_assert_repr(rt, rev, "array('h', [9, 5, 1])");
    mor_obj *none = mor_slice(rt, a, 5, 2, 1);
    t_assert_repr(rt, none, "array('h')");
    mor_obj *all = mor_slice(rt, a, -3, MOR_SLICE_NONE, 1);
    t_assert_repr(rt, all, "array('h', [7, 8, 9])");
    assert_null(mor_slice(rt, a, 0, 1, 0));
    t_expect_exc(rt, MOR_EXC_VALUE, "slice step cannot be zero");
    /* a slice is a copy */
    assert_int_equal(set_int(rt, s, 0, 100), 0);
    assert_int_equal(int_at(rt, a, 1), 1);
    assert_int_equal(mor_sizeof(s), mor_sizeof(none) + 3 * 2);

    /* iteration yields ints, and sees the array as it is at each step */
    mor_obj *it = mor_iter(rt, a);
    int64_t expect = 0;
    mor_obj *x;
    while ((x = mor_next(rt, it)) != NULL) {
        assert_true(mor_is_int(x));
        assert_int_equal(as_i64(rt, x), expect++);
        mor_decref(rt, x);
        if (expect == 10)
            assert_int_equal(append_int(rt, a, 10), 0);
    }
    assert_int_equal(mor_err_kind(rt), MOR_EXC_NONE);
    assert_int_equal(expect, 11);
    assert_null(mor_next(rt, it)); /* stays exhausted */
    mor_decref(rt, it);
    mor_obj *d = mor_array_from(rt, 'd', a);
    it = mor_iter(rt, d);
    x = mor_next(rt, it);
    assert_true(mor_is_float(x));
    mor_decref(rt, x);
    mor_decref(rt, it);

    /* contains, by value */
    assert_int_equal(contains_int(rt, a, 7), 1);
    assert_int_equal(contains_int(rt, a, 70), 0);
    assert_int_equal(contains_int(rt, a, -1), 0);
    mor_obj *f7 = mor_float(rt, 7.0), *f75 = mor_float(rt, 7.5), *str = mor_str(rt, "7");
    assert_int_equal(mor_contains(rt, a, f7), 1);
    assert_int_equal(mor_contains(rt, a, f75), 0);
    assert_int_equal(mor_contains(rt, a, str), 0);
    assert_int_equal(contains_int(rt, d, 7), 1);
    mor_obj *big = mor_int_from_str(rt, "100000000000000000000", 10);
    assert_int_equal(mor_contains(rt, d, big), 0);
    assert_int_equal(mor_contains(rt, a, big), 0);

    /* equality and order by value, across typecodes */
    mor_obj *a2 = mor_slice(rt, a, MOR_SLICE_NONE, MOR_SLICE_NONE, 1);
    assert_int_equal(mor_eq(rt, a, a2), 1);
    assert_int_equal(mor_eq(rt, a, d), 1); /* 'h' and 'd' holding equal values */
    assert_int_equal(mor_eq(rt, a, s), 0);
    assert_int_equal(mor_compare(rt, a, s, MOR_LT), 1); /* 0 < 100 */
    assert_int_equal(mor_compare(rt, s, a, MOR_GE), 1);
    assert_int_equal(mor_compare(rt, all, a, MOR_GT), 1);
    mor_obj *prefix = mor_slice(rt, a, 0, 3, 1);
    assert_int_equal(mor_compare(rt, prefix, a, MOR_LT), 1);
    assert_int_equal(mor_compare(rt, a, a2, MOR_LE), 1);
    assert_int_equal(mor_compare(rt, a, a2, MOR_NE), 0);
    mor_obj *l = mor_list_from(rt, a);
    assert_int_equal(mor_eq(rt, a, l), 0); /* like CPython: an array is not a list */
    mor_obj *nan = mor_float(rt, (double)NAN);
    mor_obj *dn = mor_array(rt, 'd');
    assert_int_equal(mor_array_append(rt, dn, nan), 0);
    mor_obj *dn2 = mor_slice(rt, dn, 0, 1, 1);
    assert_int_equal(mor_eq(rt, dn, dn2), 0); /* NaN != NaN */
    assert_int_equal(mor_eq(rt, dn, dn), 1);  /* identity */
    /* unsigned beyond int64 against signed */
    mor_obj *q = mor_array(rt, 'Q'), *sq = mor_array(rt, 'q');
    mor_obj *umax = mor_int_from_u64(rt, UINT64_MAX), *m1 = mor_int(rt, -1);
    assert_int_equal(mor_array_append(rt, q, umax), 0);
    assert_int_equal(mor_array_append(rt, sq, m1), 0);
    assert_int_equal(mor_compare(rt, sq, q, MOR_LT), 1);
    assert_int_equal(mor_contains(rt, q, umax), 1);
    t_assert_repr(rt, q, "array('Q', [18446744073709551615])");
    mor_obj *objs[] = {a,  s,      rev, none, all, d,   f7, f75, str,  big,
                       a2, prefix, l,   nan,  dn,  dn2, q,  sq,  umax, m1};
    for (size_t i = 0; i < sizeof(objs) / sizeof(*objs); i++)
        mor_decref(rt, objs[i]);
}

static mor_obj *gen_step(mor_rt *rt, mor_gen *g, mor_obj *sent)
{
    int *i = mor_gen_cstate(g);
    MOR_GEN_BEGIN(g);
    for (*i = 0; *i < 3; (*i)++)
        MOR_GEN_YIELD(g, mor_int(rt, *i * 10));
    MOR_GEN_END(g);
}

static void test_array_extend_from(void **state)
{
    T_RT;
    mor_obj *a = mor_array(rt, 'b');
    mor_obj *t = mor_tuple(rt, 2, mor_int(rt, 1), mor_int(rt, 2));
    assert_int_equal(mor_array_extend(rt, a, t), 0);
    mor_obj *g = mor_gen_new(rt, "g", gen_step, 0, sizeof(int));
    assert_int_equal(mor_array_extend(rt, a, g), 0); /* an iterator of unknown length */
    t_assert_repr(rt, a, "array('b', [1, 2, 0, 10, 20])");
    assert_int_equal(mor_array_extend(rt, a, a), 0); /* itself */
    t_assert_repr(rt, a, "array('b', [1, 2, 0, 10, 20, 1, 2, 0, 10, 20])");
    mor_obj *other = mor_array(rt, 'B');
    assert_int_equal(mor_array_extend(rt, a, other), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "can only extend with array of same kind");
    mor_obj *seven = mor_int(rt, 7);
    assert_int_equal(mor_array_extend(rt, a, seven), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "'int' object is not iterable");
    /* a bad item stops the extension; the items before it stay */
    mor_obj *i500 = mor_int(rt, 500);
    mor_obj *bad = mor_list(rt, 3, mor_int(rt, 5), i500, mor_int(rt, 6));
    mor_decref(rt, i500);
    assert_int_equal(mor_array_extend(rt, a, bad), -1);
    t_expect_exc(rt, MOR_EXC_OVERFLOW, "signed char is greater than maximum (127)");
    assert_int_equal(mor_len(rt, a), 11);
    assert_int_equal(int_at(rt, a, -1), 5);
    /* frombytes: machine values */
    mor_obj *i32 = mor_array(rt, 'i');
    int32_t raw[3] = {-1, 0x12345678, 42};
    assert_int_equal(mor_array_frombytes(rt, i32, raw, sizeof(raw)), 0);
    assert_int_equal(int_at(rt, i32, 0), -1);
    assert_int_equal(int_at(rt, i32, 1), 0x12345678);
    assert_int_equal(mor_array_frombytes(rt, i32, raw, 5), -1);
    t_expect_exc(rt, MOR_EXC_VALUE, "bytes length not a multiple of item size");
    assert_int_equal(mor_array_frombytes(rt, i32, NULL, 0), 0);
    assert_int_equal(mor_array_frombytes(rt, i32, NULL, 4), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, NULL);
    assert_int_equal(mor_len(rt, i32), 3);

    /* mor_array_from: another typecode converts item by item */
    mor_obj *asd = mor_array_from(rt, 'd', i32);
    assert_true(float_at(rt, asd, 2) == 42.0);
    mor_obj *back = mor_array_from(rt, 'q', i32);
    assert_int_equal(mor_eq(rt, back, i32), 1);
    mor_obj *same = mor_array_from(rt, 'i', i32);
    assert_int_equal(mor_sizeof(same), mor_sizeof(other) + 12);
    assert_null(mor_array_from(rt, 'i', asd)); /* floats into ints */
    t_expect_exc(rt, MOR_EXC_TYPE, "'float' object cannot be interpreted as an integer");
    assert_null(mor_array_from(rt, 'B', i32)); /* -1 */
    t_expect_exc(rt, MOR_EXC_OVERFLOW, "unsigned byte integer is less than minimum (0)");
    assert_null(mor_array_from(rt, 'i', seven));
    t_expect_exc(rt, MOR_EXC_TYPE, "not iterable");
    mor_obj *e = mor_array_from(rt, 'i', NULL);
    assert_int_equal(mor_len(rt, e), 0);
    mor_obj *objs[] = {a, t, g, other, seven, bad, i32, asd, back, same, e};
    for (size_t i = 0; i < sizeof(objs) / sizeof(*objs); i++)
        mor_decref(rt, objs[i]);
}

static void test_array_errors(void **state)
{
    T_RT;
    const int64_t v[] = {1, 2, 3};
    mor_obj *a = int_array(rt, 'l', 3, v);
    mor_obj *l = mor_list(rt, 0), *one = mor_int(rt, 1), *s = mor_str(rt, "k");
    assert_int_equal(mor_array_append(rt, l, one), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "mor_array_append: expected an array, got 'list'");
    assert_int_equal(mor_array_extend(rt, l, a), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "expected an array");
    assert_int_equal(mor_array_frombytes(rt, l, "ab", 2), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "expected an array");
    assert_null(mor_array_pop(rt, l, 0));
    t_expect_exc(rt, MOR_EXC_TYPE, "expected an array");
    assert_null(get_at(rt, a, 3));
    t_expect_exc(rt, MOR_EXC_INDEX, "array index out of range");
    assert_null(get_at(rt, a, -4));
    t_expect_exc(rt, MOR_EXC_INDEX, "array index out of range");
    assert_int_equal(set_int(rt, a, 3, 0), -1);
    t_expect_exc(rt, MOR_EXC_INDEX, "array assignment index out of range");
    assert_int_equal(del_at(rt, a, -4), -1);
    t_expect_exc(rt, MOR_EXC_INDEX, "array assignment index out of range");
    assert_null(mor_getitem(rt, a, s));
    t_expect_exc(rt, MOR_EXC_TYPE, "array indices must be integers");
    assert_null(mor_array_pop(rt, a, 3));
    t_expect_exc(rt, MOR_EXC_INDEX, "pop index out of range");
    int64_t h;
    assert_int_equal(mor_hash(rt, a, &h), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "unhashable type: 'array'");
    t_assert_repr(rt, a, "array('l', [1, 2, 3])");
    mor_decref(rt, a);
    mor_decref(rt, l);
    mor_decref(rt, one);
    mor_decref(rt, s);
}

/* ---- the buffer protocol --------------------------------------------------------------------- */

static void test_buffer_protocol(void **state)
{
    T_RT;
    T_NEEDS_RC("exact reference counts (libmor-boehm keeps none)");
    const int64_t v[] = {10, 20, 30};
    mor_obj *a = int_array(rt, 'i', 3, v);
    size_t rc0 = mor_refcount(a);
    assert_true(mor_buffer_check(a));
    assert_int_equal(mor_buffer_exports(a), 0);
    mor_buffer view;
    assert_int_equal(mor_buffer_get(rt, a, &view, true), 0);
    assert_ptr_equal(view.obj, a);
    assert_int_equal(mor_refcount(a), rc0 + 1);
    assert_int_equal(view.len, 12);
    assert_int_equal(view.itemsize, 4);
    assert_string_equal(view.format, "i");
    assert_false(view.readonly);
    assert_int_equal(view.ndim, 1);
    assert_int_equal(view.shape, 3);
    assert_int_equal(view.stride, 4);
    assert_int_equal(mor_buffer_exports(a), 1);
    /* the memory is the array's: writes show through */
    int32_t *p = view.buf;
    assert_int_equal(p[1], 20);
    p[1] = -5;
    assert_int_equal(int_at(rt, a, 1), -5);
    assert_int_equal(set_int(rt, a, 2, 33), 0); /* no resize: allowed */
    assert_int_equal(p[2], 33);
    /* every resize is refused while exported */
    assert_int_equal(append_int(rt, a, 4), -1);
    t_expect_exc(rt, MOR_EXC_BUFFER, "Existing exports of data: object cannot be re-sized");
    mor_obj *t = mor_tuple(rt, 1, mor_int(rt, 1));
    assert_int_equal(mor_array_extend(rt, a, t), -1);
    t_expect_exc(rt, MOR_EXC_BUFFER, "Existing exports of data");
    assert_int_equal(mor_array_extend(rt, a, a), -1);
    t_expect_exc(rt, MOR_EXC_BUFFER, "Existing exports of data");
    assert_int_equal(del_at(rt, a, 0), -1);
    t_expect_exc(rt, MOR_EXC_BUFFER, "Existing exports of data");
    assert_null(mor_array_pop(rt, a, -1));
    t_expect_exc(rt, MOR_EXC_BUFFER, "Existing exports of data");
    assert_int_equal(mor_array_frombytes(rt, a, "abcd", 4), -1);
    t_expect_exc(rt, MOR_EXC_BUFFER, "Existing exports of data");
    mor_obj *empty = mor_tuple(rt, 0);
    assert_int_equal(mor_array_extend(rt, a, empty), 0); /* no size change: fine */
    assert_int_equal(mor_len(rt, a), 3);
    /* a second view counts too */
    mor_buffer v2;
    assert_int_equal(mor_buffer_get(rt, a, &v2, false), 0);
    assert_int_equal(mor_buffer_exports(a), 2);
    assert_ptr_equal(v2.buf, view.buf);
    mor_buffer_release(rt, &view);
    assert_null(view.obj);
    mor_buffer_release(rt, &view); /* harmless */
    assert_int_equal(mor_buffer_exports(a), 1);
    assert_int_equal(append_int(rt, a, 4), -1);
    t_expect_exc(rt, MOR_EXC_BUFFER, NULL);
    mor_buffer_release(rt, &v2);
    assert_int_equal(mor_buffer_exports(a), 0);
    assert_int_equal(mor_refcount(a), rc0);
    assert_int_equal(append_int(rt, a, 4), 0);
    t_assert_repr(rt, a, "array('i', [10, -5, 33, 4])");
    /* an empty array still gives a usable (non-NULL) pointer */
    mor_obj *e = mor_array(rt, 'd');
    assert_int_equal(mor_buffer_get(rt, e, &view, true), 0);
    assert_non_null(view.buf);
    assert_int_equal(view.len, 0);
    assert_string_equal(view.format, "d");
    mor_buffer_release(rt, &view);

    /* bytes: read-only */
    mor_obj *b = mor_bytes(rt, "xyz", 3);
    assert_true(mor_buffer_check(b));
    assert_int_equal(mor_buffer_get(rt, b, &view, true), -1);
    t_expect_exc(rt, MOR_EXC_BUFFER, "Object is not writable.");
    assert_null(view.obj);
    assert_int_equal(mor_buffer_get(rt, b, &view, false), 0);
    assert_true(view.readonly);
    assert_int_equal(view.len, 3);
    assert_string_equal(view.format, "B");
    assert_memory_equal(view.buf, "xyz", 3);
    assert_int_equal(mor_buffer_exports(b), 0); /* immutable: not counted */
    mor_buffer_release(rt, &view);

    /* objects without a buffer slot */
    mor_obj *i5 = mor_int(rt, 5), *s = mor_str(rt, "s"), *l = mor_list(rt, 0);
    assert_false(mor_buffer_check(i5));
    assert_int_equal(mor_buffer_get(rt, i5, &view, false), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "a bytes-like object is required, not 'int'");
    assert_null(view.obj);
    assert_int_equal(mor_buffer_get(rt, s, &view, false), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "a bytes-like object is required, not 'str'");
    assert_int_equal(mor_buffer_get(rt, l, &view, false), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "not 'list'");
    assert_int_equal(mor_buffer_get(rt, a, NULL, false), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, NULL);
    assert_int_equal(mor_buffer_exports(i5), 0);
    mor_buffer_release(rt, NULL); /* harmless */
    mor_obj *objs[] = {a, t, empty, e, b, i5, s, l};
    for (size_t i = 0; i < sizeof(objs) / sizeof(*objs); i++)
        mor_decref(rt, objs[i]);
}

/* ---- bytearray ------------------------------------------------------------------------------- */

static void test_bytearray_basics(void **state)
{
    T_RT;
    mor_obj *ba = mor_bytearray(rt, "ab", 2);
    assert_true(mor_is_bytearray(ba));
    assert_false(mor_is_bytearray(mor_none(rt)));
    assert_false(mor_gc_is_tracked(ba));
    t_assert_repr(rt, ba, "bytearray(b'ab')");
    mor_obj *e = mor_bytearray(rt, NULL, 0);
    t_assert_repr(rt, e, "bytearray(b'')");
    assert_int_equal(mor_is_true(rt, e), 0);
    mor_obj *z = mor_bytearray(rt, NULL, 3);
    t_assert_repr(rt, z, "bytearray(b'\\x00\\x00\\x00')");
    mor_obj *q = mor_bytearray(rt, "it's", 4);
    t_assert_repr(rt, q, "bytearray(b\"it's\")");
    assert_int_equal(mor_bytearray_append(rt, ba, 'c'), 0);
    assert_int_equal(mor_bytearray_append(rt, ba, 0), 0);
    assert_int_equal(mor_bytearray_append(rt, ba, 255), 0);
    assert_int_equal(mor_bytearray_append(rt, ba, 256), -1);
    t_expect_exc(rt, MOR_EXC_VALUE, "byte must be in range(0, 256)");
    assert_int_equal(mor_bytearray_append(rt, ba, -1), -1);
    t_expect_exc(rt, MOR_EXC_VALUE, "byte must be in range(0, 256)");
    t_assert_repr(rt, ba, "bytearray(b'abc\\x00\\xff')");
    assert_int_equal(mor_len(rt, ba), 5);
    size_t n;
    uint8_t *d = mor_bytearray_data(ba, &n);
    assert_int_equal(n, 5);
    assert_memory_equal(d, "abc\0\xff", 5);
    assert_null(mor_bytearray_data(mor_none(rt), &n));
    assert_int_equal(n, 0);
    /* items */
    assert_int_equal(int_at(rt, ba, 0), 'a');
    assert_int_equal(int_at(rt, ba, -1), 255);
    assert_int_equal(set_int(rt, ba, 1, 'B'), 0);
    assert_int_equal(set_int(rt, ba, 1, 256), -1);
    t_expect_exc(rt, MOR_EXC_VALUE, "byte must be in range(0, 256)");
    mor_obj *k = mor_int(rt, 0), *fl = mor_float(rt, 1.0);
    assert_int_equal(mor_setitem(rt, ba, k, fl), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "'float' object cannot be interpreted as an integer");
    assert_null(get_at(rt, ba, 5));
    t_expect_exc(rt, MOR_EXC_INDEX, "bytearray index out of range");
    assert_int_equal(set_int(rt, ba, -6, 1), -1);
    t_expect_exc(rt, MOR_EXC_INDEX, "bytearray index out of range");
    assert_int_equal(del_at(rt, ba, 3), 0);
    t_assert_repr(rt, ba, "bytearray(b'aBc\\xff')");
    /* slices are new bytearrays */
    mor_obj *sl = mor_slice(rt, ba, MOR_SLICE_NONE, MOR_SLICE_NONE, -1);
    assert_true(mor_is_bytearray(sl));
    t_assert_repr(rt, sl, "bytearray(b'\\xffcBa')");
    mor_obj *sl2 = mor_slice(rt, ba, 1, 3, 1);
    t_assert_repr(rt, sl2, "bytearray(b'Bc')");
    /* contains: ints and bytes-like substrings */
    assert_int_equal(contains_int(rt, ba, 'c'), 1);
    assert_int_equal(contains_int(rt, ba, 'z'), 0);
    assert_int_equal(contains_int(rt, ba, 300), -1);
    t_expect_exc(rt, MOR_EXC_VALUE, "byte must be in range(0, 256)");
    mor_obj *sub = mor_bytes(rt, "Bc", 2), *nosub = mor_bytes(rt, "cB", 2);
    assert_int_equal(mor_contains(rt, ba, sub), 1);
    assert_int_equal(mor_contains(rt, ba, nosub), 0);
    assert_int_equal(mor_contains(rt, ba, sl2), 1);
    mor_obj *str = mor_str(rt, "B");
    assert_int_equal(mor_contains(rt, ba, str), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "a bytes-like object is required, not 'str'");
    /* iteration */
    mor_obj *it = mor_iter(rt, ba);
    int64_t sum = 0;
    mor_obj *x;
    while ((x = mor_next(rt, it)) != NULL) {
        sum += as_i64(rt, x);
        mor_decref(rt, x);
    }
    assert_int_equal(sum, 'a' + 'B' + 'c' + 255);
    mor_decref(rt, it);
    /* equality and order with bytes and bytearrays, both ways */
    mor_obj *bs = mor_bytes(rt, "aBc\xff", 4), *ba2 = mor_bytearray(rt, "aBc\xff", 4);
    assert_int_equal(mor_eq(rt, ba, bs), 1);
    assert_int_equal(mor_eq(rt, bs, ba), 1);
    assert_int_equal(mor_eq(rt, ba, ba2), 1);
    assert_int_equal(mor_eq(rt, ba, sl2), 0);
    assert_int_equal(mor_eq(rt, ba, str), 0);
    assert_int_equal(mor_compare(rt, ba, sl2, MOR_GT), 1); /* 'a' (0x61) > 'B' (0x42) */
    assert_int_equal(mor_compare(rt, sub, ba, MOR_LT), 1);
    assert_int_equal(mor_compare(rt, ba, bs, MOR_GE), 1);
    int64_t h;
    assert_int_equal(mor_hash(rt, ba, &h), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "unhashable type: 'bytearray'");
    mor_obj *objs[] = {ba, e, z, q, k, fl, sl, sl2, sub, nosub, str, bs, ba2};
    for (size_t i = 0; i < sizeof(objs) / sizeof(*objs); i++)
        mor_decref(rt, objs[i]);
}

static void test_bytearray_resize_extend(void **state)
{
    T_RT;
    T_NEEDS_RC("a memoryview releases its export at its last decref (under Boehm only mor_memoryview_release does promptly)");
    mor_obj *ba = mor_bytearray(rt, NULL, 0);
    size_t base = mor_sizeof(ba);
    assert_true(base <= 56); /* CPython 3.11: 56 */
    for (int i = 0; i < 1000; i++)
        assert_int_equal(mor_bytearray_append(rt, ba, i & 0xff), 0);
    size_t grown = mor_sizeof(ba);
    assert_true(grown >= base + 1000 && grown <= base + 1000 + 1000 / 8 + 16);
    assert_int_equal(mor_bytearray_resize(rt, ba, 10), 0);
    assert_true(mor_sizeof(ba) < grown); /* shrinks when under half used */
    assert_int_equal(mor_bytearray_resize(rt, ba, 14), 0);
    size_t n;
    uint8_t *d = mor_bytearray_data(ba, &n);
    assert_int_equal(n, 14);
    assert_int_equal(d[9], 9);
    for (int i = 10; i < 14; i++)
        assert_int_equal(d[i], 0);
    mor_obj *exact = mor_bytearray(rt, "0123456789", 10);
    assert_int_equal(mor_sizeof(exact), base + 10);
    /* extend: bytes, bytearray (itself too), arrays, memoryviews, iterables of ints */
    assert_int_equal(mor_bytearray_resize(rt, ba, 0), 0);
    mor_obj *b = mor_bytes(rt, "xy", 2);
    assert_int_equal(mor_bytearray_extend(rt, ba, b), 0);
    assert_int_equal(mor_bytearray_extend(rt, ba, ba), 0);
    t_assert_repr(rt, ba, "bytearray(b'xyxy')");
    mor_obj *l = mor_list(rt, 2, mor_int(rt, 'A'), mor_int(rt, 'B'));
    assert_int_equal(mor_bytearray_extend(rt, ba, l), 0);
    const int64_t hv[] = {0x4443};
    mor_obj *arr = int_array(rt, 'H', 1, hv);
    assert_int_equal(mor_bytearray_extend(rt, ba, arr), 0); /* raw bytes, little-endian */
    mor_obj *mv = mor_memoryview(rt, exact);
    mor_obj *mvs = mor_slice(rt, mv, 0, 10, 3); /* strided: "0369" */
    assert_int_equal(mor_bytearray_extend(rt, ba, mvs), 0);
    t_assert_repr(rt, ba, "bytearray(b'xyxyABCD0369')");
    mor_obj *self_mv = mor_memoryview(rt, ba);
    assert_int_equal(mor_bytearray_extend(rt, ba, self_mv), -1); /* the view pins ba */
    t_expect_exc(rt, MOR_EXC_BUFFER, "Existing exports of data");
    mor_decref(rt, self_mv);
    mor_obj *badl = mor_list(rt, 2, mor_int(rt, 'z'), mor_int(rt, 256));
    assert_int_equal(mor_bytearray_extend(rt, ba, badl), -1);
    t_expect_exc(rt, MOR_EXC_VALUE, "byte must be in range(0, 256)");
    assert_int_equal(mor_len(rt, ba), 13); /* 'z' went in */
    mor_obj *s = mor_str(rt, "ab"), *i3 = mor_int(rt, 3);
    assert_int_equal(mor_bytearray_extend(rt, ba, s), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "'str' object cannot be interpreted as an integer");
    assert_int_equal(mor_bytearray_extend(rt, ba, i3), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "can't extend bytearray with int");
    /* mor_bytearray_from */
    mor_obj *f1 = mor_bytearray_from(rt, b);
    t_assert_repr(rt, f1, "bytearray(b'xy')");
    mor_obj *f2 = mor_bytearray_from(rt, l);
    t_assert_repr(rt, f2, "bytearray(b'AB')");
    mor_obj *f3 = mor_bytearray_from(rt, mvs);
    t_assert_repr(rt, f3, "bytearray(b'0369')");
    assert_null(mor_bytearray_from(rt, i3));
    t_expect_exc(rt, MOR_EXC_TYPE, NULL);
    assert_null(mor_bytearray_from(rt, badl));
    t_expect_exc(rt, MOR_EXC_VALUE, NULL);
    /* resizing while exported */
    mor_buffer view;
    assert_int_equal(mor_buffer_get(rt, ba, &view, true), 0);
    assert_false(view.readonly);
    assert_int_equal(mor_buffer_exports(ba), 1);
    ((uint8_t *)view.buf)[0] = 'X';
    assert_int_equal(int_at(rt, ba, 0), 'X');
    assert_int_equal(mor_bytearray_append(rt, ba, 1), -1);
    t_expect_exc(rt, MOR_EXC_BUFFER, "Existing exports of data: object cannot be re-sized");
    assert_int_equal(mor_bytearray_resize(rt, ba, 2), -1);
    t_expect_exc(rt, MOR_EXC_BUFFER, "Existing exports of data");
    assert_int_equal(mor_bytearray_resize(rt, ba, 13), 0); /* same size: fine */
    assert_int_equal(del_at(rt, ba, 0), -1);
    t_expect_exc(rt, MOR_EXC_BUFFER, "Existing exports of data");
    assert_int_equal(mor_bytearray_extend(rt, ba, b), -1);
    t_expect_exc(rt, MOR_EXC_BUFFER, "Existing exports of data");
    assert_int_equal(set_int(rt, ba, 1, 'Y'), 0); /* no resize */
    mor_buffer_release(rt, &view);
    assert_int_equal(mor_bytearray_append(rt, ba, '!'), 0);
    assert_int_equal(mor_len(rt, ba), 14);
    /* absurd sizes */
    assert_null(mor_bytearray(rt, NULL, SIZE_MAX));
    t_expect_exc(rt, MOR_EXC_MEMORY, "too large");
    assert_int_equal(mor_bytearray_resize(rt, ba, SIZE_MAX / 2), -1);
    t_expect_exc(rt, MOR_EXC_MEMORY, "too large");
    print_message("bytearray: empty %zu bytes, after 1000 appends %zu\n", base, grown);
    /* errors of the API on other objects */
    assert_int_equal(mor_bytearray_append(rt, b, 1), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "mor_bytearray_append: expected a bytearray, got 'bytes'");
    assert_int_equal(mor_bytearray_extend(rt, b, b), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "expected a bytearray");
    assert_int_equal(mor_bytearray_resize(rt, l, 1), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "expected a bytearray, got 'list'");
    mor_obj *objs[] = {ba, exact, b, l, arr, mv, mvs, badl, s, i3, f1, f2, f3};
    for (size_t i = 0; i < sizeof(objs) / sizeof(*objs); i++)
        mor_decref(rt, objs[i]);
}

/* ---- memoryview ------------------------------------------------------------------------------ */

static void test_memoryview_basics(void **state)
{
    T_RT;
    const int64_t v[] = {1, 2, 3, 4, 5};
    mor_obj *a = int_array(rt, 'i', 5, v);
    mor_obj *mv = mor_memoryview(rt, a);
    assert_non_null(mv);
    assert_true(mor_is_memoryview(mv));
    assert_false(mor_is_memoryview(a));
    assert_false(mor_memoryview_released(mv));
    t_assert_tracked(mv);
    assert_true(mor_sizeof(mv) <= 184); /* CPython 3.11: 184 */
    print_message("memoryview: %zu bytes\n", mor_sizeof(mv));
    assert_int_equal(mor_buffer_exports(a), 1);
    assert_int_equal(mor_len(rt, mv), 5);
    assert_int_equal(int_at(rt, mv, 0), 1);
    assert_int_equal(int_at(rt, mv, -1), 5);
    /* writes go to the array's memory */
    assert_int_equal(set_int(rt, mv, 1, -200), 0);
    assert_int_equal(int_at(rt, a, 1), -200);
    assert_int_equal(set_int(rt, a, 2, 300), 0);
    assert_int_equal(int_at(rt, mv, 2), 300);
    mor_obj *r = mor_repr(rt, mv);
    assert_true(strncmp(mor_str_utf8(r, NULL), "<memory at 0x", 13) == 0);
    mor_decref(rt, r);
    /* the exporter is pinned */
    assert_int_equal(append_int(rt, a, 6), -1);
    t_expect_exc(rt, MOR_EXC_BUFFER, "Existing exports of data: object cannot be re-sized");
    /* item errors */
    assert_null(get_at(rt, mv, 5));
    t_expect_exc(rt, MOR_EXC_INDEX, "index out of bounds on dimension 1");
    assert_int_equal(set_int(rt, mv, -6, 0), -1);
    t_expect_exc(rt, MOR_EXC_INDEX, "index out of bounds on dimension 1");
    assert_int_equal(set_int(rt, mv, 0, INT64_C(1) << 31), -1);
    t_expect_exc(rt, MOR_EXC_VALUE, "memoryview: invalid value for format 'i'");
    mor_obj *k = mor_int(rt, 0), *fl = mor_float(rt, 1.5), *s = mor_str(rt, "x");
    assert_int_equal(mor_setitem(rt, mv, k, fl), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "memoryview: invalid type for format 'i'");
    assert_null(mor_getitem(rt, mv, s));
    t_expect_exc(rt, MOR_EXC_TYPE, "memoryview indices must be integers");
    assert_int_equal(mor_delitem(rt, mv, k), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "cannot delete memory");
    int64_t h;
    assert_int_equal(mor_hash(rt, mv, &h), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "unhashable");
    /* tolist, tobytes, iteration, contains */
    mor_obj *l = mor_memoryview_tolist(rt, mv);
    t_assert_repr(rt, l, "[1, -200, 300, 4, 5]");
    mor_obj *b = mor_memoryview_tobytes(rt, mv);
    size_t nb;
    const uint8_t *bd = mor_bytes_data(b, &nb);
    assert_int_equal(nb, 20);
    int32_t w;
    memcpy(&w, bd + 4, 4);
    assert_int_equal(w, -200);
    mor_obj *it = mor_iter(rt, mv);
    int64_t sum = 0;
    mor_obj *x;
    while ((x = mor_next(rt, it)) != NULL) {
        sum += as_i64(rt, x);
        mor_decref(rt, x);
    }
    assert_int_equal(mor_err_kind(rt), MOR_EXC_NONE);
    assert_int_equal(sum, 1 - 200 + 300 + 4 + 5);
    mor_decref(rt, it);
    assert_int_equal(contains_int(rt, mv, 300), 1);
    assert_int_equal(contains_int(rt, mv, 3), 0);
    /* equality by value with any exporter */
    mor_obj *same = mor_array_from(rt, 'q', l); /* another format, same values */
    assert_int_equal(mor_eq(rt, mv, same), 1);
    assert_int_equal(mor_eq(rt, same, mv), 1);
    assert_int_equal(mor_eq(rt, mv, a), 1);
    assert_int_equal(mor_eq(rt, mv, l), 0); /* a list exports no buffer */
    mor_obj *other = mor_memoryview(rt, same);
    assert_int_equal(mor_eq(rt, mv, other), 1);
    assert_int_equal(set_int(rt, same, 0, 99), 0);
    assert_int_equal(mor_eq(rt, mv, other), 0);
    /* a read-only exporter gives a read-only view */
    mor_obj *by = mor_bytes(rt, "hello", 5);
    mor_obj *ro = mor_memoryview(rt, by);
    assert_int_equal(int_at(rt, ro, 1), 'e');
    assert_int_equal(set_int(rt, ro, 0, 'j'), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "cannot modify read-only memory");
    assert_int_equal(mor_eq(rt, ro, by), 1);
    assert_int_equal(mor_eq(rt, by, ro), 1);
    mor_buffer view;
    assert_int_equal(mor_buffer_get(rt, ro, &view, true), -1);
    t_expect_exc(rt, MOR_EXC_BUFFER, "memoryview: underlying buffer is not writable");
    if (T_BOEHM) /* no death at the last decref: give the export back by hand */
        assert_int_equal(mor_memoryview_release(rt, mv), 0);
    mor_decref(rt, mv);
    assert_int_equal(mor_buffer_exports(a), 0); /* death gives the export back */
    assert_int_equal(append_int(rt, a, 6), 0);
    mor_obj *objs[] = {a, k, fl, s, l, b, same, other, by, ro};
    for (size_t i = 0; i < sizeof(objs) / sizeof(*objs); i++)
        mor_decref(rt, objs[i]);
}

static void test_memoryview_slices(void **state)
{
    T_RT;
    T_NEEDS_RC("a memoryview releases its export at its last decref (under Boehm only mor_memoryview_release does promptly)");
    const int64_t v[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    mor_obj *a = int_array(rt, 'q', 10, v);
    mor_obj *mv = mor_memoryview(rt, a);
    mor_obj *s = mor_slice(rt, mv, 2, 6, 1);
    assert_true(mor_is_memoryview(s));
    assert_int_equal(mor_len(rt, s), 4);
    assert_int_equal(int_at(rt, s, 0), 2);
    /* writes through a slice land in the exporter */
    assert_int_equal(set_int(rt, s, 1, 33), 0);
    assert_int_equal(int_at(rt, a, 3), 33);
    assert_int_equal(int_at(rt, mv, 3), 33);
    /* strided and reversed slices */
    mor_obj *odd = mor_slice(rt, mv, 1, MOR_SLICE_NONE, 2);
    mor_obj *l = mor_memoryview_tolist(rt, odd);
    t_assert_repr(rt, l, "[1, 33, 5, 7, 9]");
    mor_decref(rt, l);
    assert_int_equal(set_int(rt, odd, -1, 99), 0);
    assert_int_equal(int_at(rt, a, 9), 99);
    mor_obj *rev = mor_slice(rt, mv, MOR_SLICE_NONE, MOR_SLICE_NONE, -3);
    l = mor_memoryview_tolist(rt, rev);
    t_assert_repr(rt, l, "[99, 6, 33, 0]");
    mor_decref(rt, l);
    assert_int_equal(set_int(rt, rev, 3, -1), 0);
    assert_int_equal(int_at(rt, a, 0), -1);
    /* a slice of a slice */
    mor_obj *ss = mor_slice(rt, odd, 1, 3, 1);
    l = mor_memoryview_tolist(rt, ss);
    t_assert_repr(rt, l, "[33, 5]");
    mor_decref(rt, l);
    assert_int_equal(set_int(rt, ss, 1, 55), 0);
    assert_int_equal(int_at(rt, a, 5), 55);
    mor_obj *empty = mor_slice(rt, mv, 8, 2, 1);
    assert_int_equal(mor_len(rt, empty), 0);
    mor_obj *one = mor_slice(rt, mv, 4, MOR_SLICE_NONE, INT64_MAX);
    assert_int_equal(mor_len(rt, one), 1);
    assert_int_equal(int_at(rt, one, 0), 4);
    mor_obj *tb = mor_memoryview_tobytes(rt, odd);
    size_t nb;
    mor_bytes_data(tb, &nb);
    assert_int_equal(nb, 5 * 8);
    /* every view shares the memoryview's one export */
    assert_int_equal(mor_buffer_exports(a), 1);
    /* the parent can be released while slices live; the exporter stays pinned */
    assert_int_equal(mor_memoryview_release(rt, mv), 0);
    assert_int_equal(int_at(rt, s, 0), 2);
    assert_int_equal(append_int(rt, a, 10), -1);
    t_expect_exc(rt, MOR_EXC_BUFFER, "Existing exports of data");
    mor_obj *views[] = {s, odd, rev, ss, empty, one};
    for (size_t i = 0; i < sizeof(views) / sizeof(*views); i++)
        assert_int_equal(mor_memoryview_release(rt, views[i]), 0);
    assert_int_equal(mor_buffer_exports(a), 0);
    assert_int_equal(append_int(rt, a, 10), 0);
    /* a memoryview of a memoryview shares the export too */
    mor_obj *m1 = mor_memoryview(rt, a);
    mor_obj *m2 = mor_memoryview(rt, m1);
    assert_int_equal(mor_buffer_exports(a), 1);
    assert_int_equal(mor_buffer_exports(m1), 0);
    assert_int_equal(mor_memoryview_release(rt, m1), 0);
    assert_int_equal(int_at(rt, m2, 10), 10);
    mor_decref(rt, m2);
    assert_int_equal(mor_buffer_exports(a), 0);
    mor_obj *objs[] = {a, mv, s, odd, rev, ss, empty, one, tb, m1};
    for (size_t i = 0; i < sizeof(objs) / sizeof(*objs); i++)
        mor_decref(rt, objs[i]);
}

static void test_memoryview_cast(void **state)
{
    T_RT;
    mor_obj *ba = mor_bytearray(rt, NULL, 8);
    mor_obj *mv = mor_memoryview(rt, ba);
    mor_obj *ints = mor_memoryview_cast(rt, mv, "i");
    assert_non_null(ints);
    assert_int_equal(mor_len(rt, ints), 2);
    assert_int_equal(set_int(rt, ints, 1, 0x01020304), 0);
    size_t n;
    uint8_t *d = mor_bytearray_data(ba, &n);
    int32_t w;
    memcpy(&w, d + 4, 4);
    assert_int_equal(w, 0x01020304);
    assert_int_equal(int_at(rt, mv, 4), d[4]);
    /* and back to bytes, with the optional '@' */
    mor_obj *bytes = mor_memoryview_cast(rt, ints, "@B");
    assert_int_equal(mor_len(rt, bytes), 8);
    assert_int_equal(mor_eq(rt, bytes, ba), 1);
    mor_obj *dbl = mor_memoryview_cast(rt, mv, "d");
    mor_obj *pi = mor_float(rt, 3.25), *k0 = mor_int(rt, 0);
    assert_int_equal(mor_setitem(rt, dbl, k0, pi), 0);
    double dv;
    memcpy(&dv, d, 8);
    assert_true(dv == 3.25);
    mor_obj *l = mor_memoryview_tolist(rt, dbl);
    t_assert_repr(rt, l, "[3.25]");
    mor_decref(rt, l);
    /* rules */
    assert_null(mor_memoryview_cast(rt, ints, "d"));
    t_expect_exc(rt, MOR_EXC_TYPE, "memoryview: cannot cast between two non-byte formats");
    mor_obj *odd = mor_slice(rt, mv, 0, 7, 1);
    assert_null(mor_memoryview_cast(rt, odd, "i"));
    t_expect_exc(rt, MOR_EXC_TYPE, "memoryview: length is not a multiple of itemsize");
    mor_obj *strided = mor_slice(rt, mv, 0, 8, 2);
    assert_null(mor_memoryview_cast(rt, strided, "H"));
    t_expect_exc(rt, MOR_EXC_TYPE, "memoryview: casts are restricted to C-contiguous views");
    const char *badf[] = {"x", "ii", "", "<i", "@", "u"};
    for (size_t i = 0; i < sizeof(badf) / sizeof(*badf); i++) {
        assert_null(mor_memoryview_cast(rt, mv, badf[i]));
        t_expect_exc(rt, MOR_EXC_VALUE,
                     "memoryview: destination format must be a native single "
                     "character format prefixed with an optional '@'");
    }
    assert_null(mor_memoryview_cast(rt, mv, NULL));
    t_expect_exc(rt, MOR_EXC_VALUE, NULL);
    assert_null(mor_memoryview_cast(rt, ba, "B"));
    t_expect_exc(rt, MOR_EXC_TYPE, "mor_memoryview_cast: expected a memoryview, got 'bytearray'");
    /* an array's memory seen as bytes */
    const int64_t v[] = {-1, 256};
    mor_obj *arr = int_array(rt, 'h', 2, v);
    mor_obj *am = mor_memoryview(rt, arr);
    mor_obj *ab = mor_memoryview_cast(rt, am, "B");
    l = mor_memoryview_tolist(rt, ab);
    t_assert_repr(rt, l, "[255, 255, 0, 1]"); /* little-endian */
    mor_decref(rt, l);
    mor_obj *sb = mor_memoryview_cast(rt, ab, "b");
    assert_int_equal(int_at(rt, sb, 0), -1);
    assert_int_equal(mor_buffer_exports(ba), 1);
    assert_int_equal(mor_buffer_exports(arr), 1);
    mor_obj *objs[] = {ba, mv, ints, bytes, dbl, pi, k0, odd, strided, arr, am, ab, sb};
    for (size_t i = 0; i < sizeof(objs) / sizeof(*objs); i++)
        mor_decref(rt, objs[i]);
}

static void test_memoryview_release(void **state)
{
    T_RT;
    const int64_t v[] = {7, 8};
    mor_obj *a = int_array(rt, 'I', 2, v);
    mor_obj *mv = mor_memoryview(rt, a);
    mor_obj *it = mor_iter(rt, mv);
    /* views of the memoryview block its release */
    mor_buffer view;
    assert_int_equal(mor_buffer_get(rt, mv, &view, true), 0);
    assert_int_equal(mor_buffer_exports(mv), 1);
    assert_string_equal(view.format, "I");
    assert_int_equal(mor_memoryview_release(rt, mv), -1);
    t_expect_exc(rt, MOR_EXC_BUFFER, "memoryview has 1 exported buffer");
    mor_buffer v2;
    assert_int_equal(mor_buffer_get(rt, mv, &v2, false), 0);
    assert_int_equal(mor_memoryview_release(rt, mv), -1);
    t_expect_exc(rt, MOR_EXC_BUFFER, "memoryview has 2 exported buffers");
    mor_buffer_release(rt, &v2);
    mor_buffer_release(rt, &view);
    assert_int_equal(mor_memoryview_release(rt, mv), 0);
    assert_true(mor_memoryview_released(mv));
    assert_int_equal(mor_memoryview_release(rt, mv), 0); /* twice: harmless */
    /* the exporter is free again */
    assert_int_equal(mor_buffer_exports(a), 0);
    assert_int_equal(append_int(rt, a, 9), 0);
    /* every use raises now */
    const char *msg = "operation forbidden on released memoryview object";
    mor_obj *r = mor_repr(rt, mv);
    assert_true(strncmp(mor_str_utf8(r, NULL), "<released memory at 0x", 22) == 0);
    mor_decref(rt, r);
    assert_int_equal(mor_len(rt, mv), -1);
    t_expect_exc(rt, MOR_EXC_VALUE, msg);
    assert_null(get_at(rt, mv, 0));
    t_expect_exc(rt, MOR_EXC_VALUE, msg);
    assert_int_equal(set_int(rt, mv, 0, 1), -1);
    t_expect_exc(rt, MOR_EXC_VALUE, msg);
    assert_null(mor_slice(rt, mv, 0, 1, 1));
    t_expect_exc(rt, MOR_EXC_VALUE, msg);
    assert_null(mor_memoryview_tolist(rt, mv));
    t_expect_exc(rt, MOR_EXC_VALUE, msg);
    assert_null(mor_memoryview_tobytes(rt, mv));
    t_expect_exc(rt, MOR_EXC_VALUE, msg);
    assert_null(mor_memoryview_cast(rt, mv, "B"));
    t_expect_exc(rt, MOR_EXC_VALUE, msg);
    assert_null(mor_iter(rt, mv));
    t_expect_exc(rt, MOR_EXC_VALUE, msg);
    assert_null(mor_next(rt, it)); /* an iterator made before the release */
    t_expect_exc(rt, MOR_EXC_VALUE, msg);
    assert_int_equal(mor_contains(rt, mv, mor_none(rt)), -1);
    t_expect_exc(rt, MOR_EXC_VALUE, msg);
    assert_int_equal(mor_is_true(rt, mv), -1);
    t_expect_exc(rt, MOR_EXC_VALUE, msg);
    assert_int_equal(mor_buffer_get(rt, mv, &view, false), -1);
    t_expect_exc(rt, MOR_EXC_VALUE, msg);
    assert_null(mor_memoryview(rt, mv));
    t_expect_exc(rt, MOR_EXC_VALUE, msg);
    assert_int_equal(mor_eq(rt, mv, a), 0);
    assert_int_equal(mor_eq(rt, a, mv), 0);
    assert_int_equal(mor_eq(rt, mv, mv), 1);
    assert_int_equal(mor_gc_collect(rt, -1), 0); /* nothing cyclic here */
    /* the API on other objects */
    assert_int_equal(mor_memoryview_release(rt, a), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "mor_memoryview_release: expected a memoryview, got 'array'");
    assert_null(mor_memoryview_tolist(rt, a));
    t_expect_exc(rt, MOR_EXC_TYPE, "expected a memoryview");
    assert_null(mor_memoryview_tobytes(rt, a));
    t_expect_exc(rt, MOR_EXC_TYPE, "expected a memoryview");
    assert_false(mor_memoryview_released(a));
    mor_obj *i5 = mor_int(rt, 5);
    assert_null(mor_memoryview(rt, i5));
    t_expect_exc(rt, MOR_EXC_TYPE, "memoryview: a bytes-like object is required, not 'int'");
    mor_decref(rt, i5);
    mor_decref(rt, it);
    mor_decref(rt, mv);
    mor_decref(rt, a);
}

/* ---- an embedder type that exports a buffer and holds a reference ---------------------------- */

typedef struct holder {
    mor_obj head;
    mor_obj *ref; /* any object: a memoryview of this holder makes a cycle */
    int64_t exports;
    const char *format; /* NULL: left to the protocol's defaults */
    int64_t itemsize;
    unsigned char data[16];
} holder;

static int holder_releases; /* release calls seen, across runtimes of this test program */
static int holder_deaths;

static int holder_traverse(mor_obj *self, mor_visit_fn visit, void *arg)
{
    holder *h = (holder *)self;
    return h->ref != NULL ? visit(h->ref, arg) : 0;
}

static void holder_clear(mor_rt *rt, mor_obj *self)
{
    holder *h = (holder *)self;
    mor_obj *r = h->ref;
    h->ref = NULL;
    mor_xdecref(rt, r);
}

static void holder_dealloc(mor_rt *rt, mor_obj *self)
{
    holder_clear(rt, self);
    assert_int_equal(((holder *)self)->exports, 0);
    holder_deaths++;
    mor_object_free(rt, self);
}

/* The minimal exporter: buf, len and readonly (the protocol fills the rest),
 * plus a format and item size when the test sets them. */
static int holder_get(mor_rt *rt, mor_obj *self, mor_buffer *view, bool writable)
{
    (void)rt;
    (void)writable;
    holder *h = (holder *)self;
    view->buf = h->data;
    view->len = sizeof(h->data);
    view->readonly = false;
    view->format = h->format;
    view->itemsize = h->itemsize;
    h->exports++;
    return 0;
}

static void holder_release(mor_rt *rt, mor_obj *self, mor_buffer *view)
{
    (void)rt;
    (void)view;
    ((holder *)self)->exports--;
    holder_releases++;
}

static int64_t holder_exports(const mor_obj *self) { return ((const holder *)self)->exports; }

static const mor_buffer_slots holder_buffer = {
    .get = holder_get,
    .release = holder_release,
    .exports = holder_exports,
};

static const mor_type holder_type = {
    .name = "holder",
    .basicsize = sizeof(holder),
    .flags = MOR_TYPE_GC,
    .dealloc = holder_dealloc,
    .traverse = holder_traverse,
    .clear = holder_clear,
    .buffer = &holder_buffer,
};

static void test_embedder_exporter(void **state)
{
    T_RT;
    T_NEEDS_RC("a memoryview releases its export at its last decref (under Boehm only mor_memoryview_release does promptly)");
    mor_obj *h = mor_object_new(rt, &holder_type, 0);
    assert_non_null(h);
    mor_buffer view;
    assert_int_equal(mor_buffer_get(rt, h, &view, true), 0);
    assert_string_equal(view.format, "B"); /* defaults filled in */
    assert_int_equal(view.itemsize, 1);
    assert_int_equal(view.shape, 16);
    assert_int_equal(view.stride, 1);
    assert_int_equal(view.ndim, 1);
    assert_int_equal(view.len, 16);
    assert_int_equal(mor_buffer_exports(h), 1);
    int before = holder_releases;
    mor_buffer_release(rt, &view);
    assert_int_equal(holder_releases, before + 1);
    mor_obj *mv = mor_memoryview(rt, h);
    assert_int_equal(set_int(rt, mv, 3, 200), 0);
    assert_int_equal(((holder *)h)->data[3], 200);
    mor_obj *q = mor_memoryview_cast(rt, mv, "Q");
    assert_int_equal(mor_len(rt, q), 2);
    assert_int_equal(mor_buffer_exports(h), 1);
    mor_decref(rt, q);
    mor_decref(rt, mv);
    assert_int_equal(mor_buffer_exports(h), 0);

    /* a format the runtime cannot read: bytes only */
    holder *hh = (holder *)h;
    hh->format = "<i";
    hh->itemsize = 4;
    hh->data[0] = 7;
    mv = mor_memoryview(rt, h);
    assert_int_equal(mor_len(rt, mv), 4);
    assert_null(get_at(rt, mv, 0));
    t_expect_exc(rt, MOR_EXC_TYPE, "memoryview: format <i not supported");
    assert_int_equal(set_int(rt, mv, 0, 1), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "memoryview: format <i not supported");
    assert_null(mor_memoryview_tolist(rt, mv));
    t_expect_exc(rt, MOR_EXC_TYPE, "memoryview: format <i not supported");
    assert_null(mor_iter(rt, mv));
    t_expect_exc(rt, MOR_EXC_TYPE, "memoryview: format <i not supported");
    mor_obj *tb = mor_memoryview_tobytes(rt, mv);
    size_t nb;
    assert_int_equal(mor_bytes_data(tb, &nb)[0], 7);
    assert_int_equal(nb, 16);
    mor_obj *asb = mor_memoryview_cast(rt, mv, "B"); /* to a byte format: allowed */
    assert_int_equal(int_at(rt, asb, 0), 7);
    mor_obj *mv2 = mor_memoryview(rt, h);
    assert_int_equal(mor_eq(rt, mv, mv2), 1); /* same foreign format: bytewise */
    assert_int_equal(mor_eq(rt, mv, asb), 0); /* 4 items against 16 */
    assert_int_equal(mor_eq(rt, mv, tb), 0);  /* "<i" against "B" */
    hh->data[15] = 1;
    assert_int_equal(mor_eq(rt, mv, mv2), 1); /* one memory */
    mor_obj *objs[] = {mv, tb, asb, mv2, h};
    for (size_t i = 0; i < sizeof(objs) / sizeof(*objs); i++)
        mor_decref(rt, objs[i]);
}

/* A cycle through a memoryview: holder -> memoryview -> (its export) -> holder,
 * and a longer one through a list; the collector frees both. */
static void test_memoryview_cycles(void **state)
{
    T_RT;
    T_NEEDS_RC("the cycle collector's count of what it freed");
    int deaths = holder_deaths, releases = holder_releases;
    mor_obj *h = mor_object_new(rt, &holder_type, 0);
    mor_obj *mv = mor_memoryview(rt, h);
    ((holder *)h)->ref = mor_newref(mv);
    mor_obj *wr = mor_weakref(rt, mv, NULL);
    assert_non_null(wr);
    mor_decref(rt, mv);
    mor_decref(rt, h);
    assert_int_equal(holder_deaths, deaths); /* kept alive by the cycle */
    int64_t found = mor_gc_collect(rt, -1);
    assert_true(found >= 3); /* holder, memoryview, its managed buffer */
    assert_int_equal(holder_deaths, deaths + 1);
    assert_int_equal(holder_releases, releases + 1);
    mor_obj *dead = mor_weakref_get(rt, wr);
    assert_true(mor_is_none(rt, dead));
    mor_decref(rt, dead);
    mor_decref(rt, wr);

    /* holder -> list -> slice of a memoryview of the holder; plus an iterator */
    h = mor_object_new(rt, &holder_type, 0);
    mv = mor_memoryview(rt, h);
    mor_obj *s = mor_slice(rt, mv, 0, 8, 2);
    mor_obj *it = mor_iter(rt, s);
    mor_obj *l = mor_list(rt, 2, s, it);
    ((holder *)h)->ref = mor_newref(l);
    mor_obj *objs[] = {h, mv, s, it, l};
    for (size_t i = 0; i < sizeof(objs) / sizeof(*objs); i++)
        mor_decref(rt, objs[i]);
    assert_int_equal(holder_deaths, deaths + 1);
    assert_true(mor_gc_collect(rt, -1) >= 5);
    assert_int_equal(holder_deaths, deaths + 2);
    assert_int_equal(holder_releases, releases + 2);
    assert_int_equal(mor_rt_live_objects(rt), 0);
}

/* Allocation failures anywhere in the buffer area come back as MemoryError
 * and leak nothing (the runtime aborts at teardown on any leak). */
static void test_buffer_alloc_failures(void **state)
{
    T_RT;
    mor_obj *src = mor_range(rt, 1000, 1100, 1);
    int failures = 0;
    for (uint64_t k = 1; k <= 40; k++) {
        mor_alloc_fail_after(rt, k);
        mor_obj *a = mor_array_from(rt, 'i', src);
        mor_obj *mv = a ? mor_memoryview(rt, a) : NULL;
        mor_obj *s = mv ? mor_slice(rt, mv, 0, 50, 3) : NULL;
        mor_obj *c = s ? mor_memoryview_cast(rt, mv, "B") : NULL;
        mor_obj *l = c ? mor_memoryview_tolist(rt, s) : NULL;
        mor_obj *b = l ? mor_bytearray_from(rt, c) : NULL;
        mor_obj *t = b ? mor_memoryview_tobytes(rt, s) : NULL;
        mor_obj *r = t ? mor_repr(rt, a) : NULL;
        mor_obj *a2 = r ? mor_slice(rt, a, 1, 90, 2) : NULL;
        int rc = a2 ? mor_bytearray_extend(rt, b, src) : -1;
        (void)rc;
        mor_alloc_fail_after(rt, 0);
        if (mor_err_kind(rt) != MOR_EXC_NONE) {
            failures++;
            t_expect_exc(rt, MOR_EXC_MEMORY, NULL);
        }
        mor_obj *objs[] = {a, mv, s, c, l, b, t, r, a2};
        for (size_t i = 0; i < sizeof(objs) / sizeof(*objs); i++)
            mor_xdecref(rt, objs[i]);
    }
    assert_true(failures > 5);
    mor_decref(rt, src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T_TEST(test_array_basics),
        T_TEST(test_array_limits),
        T_TEST(test_array_bad_typecode),
        T_TEST(test_array_sizes),
        T_TEST(test_array_vs_list_memory),
        T_TEST(test_array_slice_iter),
        T_TEST(test_array_extend_from),
        T_TEST(test_array_errors),
        T_TEST(test_buffer_protocol),
        T_TEST(test_bytearray_basics),
        T_TEST(test_bytearray_resize_extend),
        T_TEST(test_memoryview_basics),
        T_TEST(test_memoryview_slices),
        T_TEST(test_memoryview_cast),
        T_TEST(test_memoryview_release),
        T_TEST(test_embedder_exporter),
        T_TEST(test_memoryview_cycles),
        T_TEST(test_buffer_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
