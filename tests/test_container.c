/* tests/test_container.c: tuples, lists, dicts and sets, iteration over them,
 * and the errors of the generic protocol. */
#include "testutil.h"

static mor_obj *ints_tuple(mor_rt *rt, int n)
{
    mor_obj *items[1000];
    assert_true(n <= 1000);
    for (int i = 0; i < n; i++)
        items[i] = mor_int(rt, i);
    mor_obj *t = mor_tuple_from(rt, (size_t)n, items);
    for (int i = 0; i < n; i++)
        mor_decref(rt, items[i]);
    return t;
}

static int64_t as_i64(mor_rt *rt, mor_obj *o)
{
    int64_t v = 0;
    assert_int_equal(mor_int_to_i64(rt, o, &v), 0);
    return v;
}

static int64_t item_i64(mor_rt *rt, mor_obj *seq, int64_t i)
{
    mor_obj *k = mor_int(rt, i);
    mor_obj *x = mor_getitem(rt, seq, k);
    assert_non_null(x);
    int64_t v = as_i64(rt, x);
    mor_decref(rt, x);
    mor_decref(rt, k);
    return v;
}

/* ---- tuples ------------------------------------------------------------------------ */

static void test_tuple_basics(void **state)
{
    T_RT;
    mor_obj *t5 = ints_tuple(rt, 5);
    assert_int_equal(mor_sizeof(t5), 80); /* CPython: 80 */
    assert_int_equal(mor_len(rt, t5), 5);
    t_assert_repr(rt, t5, "(0, 1, 2, 3, 4)");
    assert_int_equal(item_i64(rt, t5, -1), 4);
    mor_obj *k = mor_int(rt, 5);
    assert_null(mor_getitem(rt, t5, k));
    t_expect_exc(rt, MOR_EXC_INDEX, "tuple index out of range");
    mor_decref(rt, k);
    mor_obj *one = mor_tuple(rt, 1, mor_none(rt));
    t_assert_repr(rt, one, "(None,)");
    t_assert_repr(rt, mor_tuple(rt, 0), "()");
    /* hash: equal tuples hash equal */
    mor_obj *t5b = ints_tuple(rt, 5);
    int64_t h1, h2;
    assert_int_equal(mor_hash(rt, t5, &h1), 0);
    assert_int_equal(mor_hash(rt, t5b, &h2), 0);
    assert_true(h1 == h2);
    assert_int_equal(mor_eq(rt, t5, t5b), 1);
    assert_true(t5 != t5b);
    /* slicing, concat, repeat, compare, contains */
    mor_obj *s = mor_slice(rt, t5, 1, MOR_SLICE_NONE, 2);
    t_assert_repr(rt, s, "(1, 3)");
    mor_obj *r = mor_slice(rt, t5, MOR_SLICE_NONE, MOR_SLICE_NONE, -1);
    t_assert_repr(rt, r, "(4, 3, 2, 1, 0)");
    mor_obj *c = mor_add(rt, s, one);
    t_assert_repr(rt, c, "(1, 3, None)");
    mor_obj *two = mor_int(rt, 2);
    mor_obj *rep = mor_mul(rt, one, two);
    t_assert_repr(rt, rep, "(None, None)");
    assert_int_equal(mor_compare(rt, s, t5, MOR_GT), 1);
    assert_int_equal(mor_compare(rt, t5, t5b, MOR_LE), 1);
    assert_int_equal(mor_contains(rt, t5, two), 1);
    assert_int_equal(mor_contains(rt, s, two), 0);
    /* a tuple with a list is unhashable */
    mor_obj *l = mor_list(rt, 0);
    mor_obj *tl = mor_tuple(rt, 1, l);
    assert_int_equal(mor_hash(rt, tl, &h1), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "unhashable type: 'list'");
    mor_obj *objs[] = {t5, t5b, one, s, r, c, two, rep, l, tl};
    for (size_t i = 0; i < sizeof(objs) / sizeof(*objs); i++)
        mor_decref(rt, objs[i]);
}

/* ---- lists --------------------------------------------------------------------------- */

static void test_list_sizes(void **state)
{
    T_RT;
    mor_obj *l = mor_list(rt, 0);
    assert_int_equal(mor_sizeof(l), 56);
    for (int i = 0; i < 1000; i++) {
        mor_obj *x = mor_int(rt, i);
        assert_int_equal(mor_list_append_steal(rt, l, x), 0);
    }
    assert_int_equal(mor_sizeof(l), 8856); /* CPython 3.11: 8856 */
    mor_obj *t = ints_tuple(rt, 1000);
    mor_obj *exact = mor_list_from(rt, t);
    assert_int_equal(mor_sizeof(exact), 8056); /* CPython: list(range(1000)) == 8056 */
    assert_int_equal(mor_eq(rt, l, exact), 1);
    mor_decref(rt, l);
    mor_decref(rt, t);
    mor_decref(rt, exact);
}

static void test_list_ops(void **state)
{
    T_RT;
    mor_obj *l = mor_list(rt, 0);
    mor_obj *a = mor_int(rt, 1), *b = mor_int(rt, 2), *c = mor_int(rt, 3);
    mor_list_append(rt, l, a);
    mor_list_append(rt, l, c);
    mor_list_insert(rt, l, 1, b);
    t_assert_repr(rt, l, "[1, 2, 3]");
    mor_list_insert(rt, l, -100, c);
    mor_list_insert(rt, l, 100, a);
    t_assert_repr(rt, l, "[3, 1, 2, 3, 1]");
    mor_obj *x = mor_list_pop(rt, l, -1);
    assert_ptr_equal(x, a);
    mor_decref(rt, x);
    x = mor_list_pop(rt, l, 0);
    assert_ptr_equal(x, c);
    mor_decref(rt, x);
    assert_null(mor_list_pop(rt, l, 7));
    t_expect_exc(rt, MOR_EXC_INDEX, "pop index out of range");
    /* setitem / delitem with negative indices */
    mor_obj *m1 = mor_int(rt, -1);
    assert_int_equal(mor_setitem(rt, l, m1, a), 0);
    t_assert_repr(rt, l, "[1, 2, 1]");
    assert_int_equal(mor_delitem(rt, l, m1), 0);
    t_assert_repr(rt, l, "[1, 2]");
    mor_obj *big = mor_int(rt, 99);
    assert_int_equal(mor_setitem(rt, l, big, a), -1);
    t_expect_exc(rt, MOR_EXC_INDEX, "list assignment index out of range");
    mor_obj *s = mor_str(rt, "x");
    assert_null(mor_getitem(rt, l, s));
    t_expect_exc(rt, MOR_EXC_TYPE, "list indices must be integers");
    /* extend by itself, slicing copies */
    assert_int_equal(mor_list_extend(rt, l, l), 0);
    t_assert_repr(rt, l, "[1, 2, 1, 2]");
    mor_obj *sl = mor_slice(rt, l, -3, MOR_SLICE_NONE, 1);
    t_assert_repr(rt, sl, "[2, 1, 2]");
    assert_true(sl != l);
    mor_obj *cat = mor_add(rt, l, sl);
    assert_int_equal(mor_len(rt, cat), 7);
    mor_obj *rep = mor_mul(rt, b, sl);
    assert_int_equal(mor_len(rt, rep), 6);
    /* pop everything, then from empty */
    while (mor_len(rt, l) > 0)
        mor_decref(rt, mor_list_pop(rt, l, -1));
    assert_null(mor_list_pop(rt, l, -1));
    t_expect_exc(rt, MOR_EXC_INDEX, "pop from empty list");
    /* self-reference */
    mor_list_append(rt, l, l);
    t_assert_repr(rt, l, "[[...]]");
    mor_list_sort(rt, l); /* one item: nothing to compare */
    mor_decref(rt, mor_list_pop(rt, l, 0));
    /* API type checks */
    assert_int_equal(mor_list_append(rt, s, a), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "expected a list");
    mor_obj *objs[] = {l, a, b, c, m1, big, s, sl, cat, rep};
    for (size_t i = 0; i < sizeof(objs) / sizeof(*objs); i++)
        mor_decref(rt, objs[i]);
}

static void test_list_sort(void **state)
{
    T_RT;
    /* a big shuffled list of ints sorts correctly */
    mor_obj *l = mor_list(rt, 0);
    uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < 5000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        mor_list_append_steal(rt, l, mor_int(rt, (int64_t)(x % 100000)));
    }
    assert_int_equal(mor_list_sort(rt, l), 0);
    size_t n;
    mor_obj *const *items = mor_seq_items(l, &n);
    assert_int_equal(n, 5000);
    for (size_t i = 1; i < n; i++)
        assert_int_equal(mor_compare(rt, items[i - 1], items[i], MOR_LE), 1);
    mor_decref(rt, l);
    /* stability: 1 and 1.0 compare equal and keep their order */
    mor_obj *one = mor_int(rt, 1), *onef = mor_float(rt, 1.0), *zero = mor_int(rt, 0);
    mor_obj *st = mor_list(rt, 0);
    for (int i = 0; i < 40; i++) {
        mor_list_append(rt, st, (i % 2) ? one : onef);
        mor_list_append(rt, st, zero);
    }
    assert_int_equal(mor_list_sort(rt, st), 0);
    items = mor_seq_items(st, &n);
    for (size_t i = 0; i < 40; i++)
        assert_ptr_equal(items[i], zero);
    for (size_t i = 40; i < 80; i++)
        assert_ptr_equal(items[i], ((i - 40) % 2) ? one : onef);
    /* incomparable items: TypeError, and every item is still there */
    mor_obj *s = mor_str(rt, "a string");
    mor_list_append(rt, st, s);
    assert_int_equal(mor_list_sort(rt, st), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "not supported between instances of");
    assert_int_equal(mor_len(rt, st), 81);
    items = mor_seq_items(st, &n);
    int seen_s = 0, seen_zero = 0;
    for (size_t i = 0; i < n; i++) {
        seen_s += items[i] == s;
        seen_zero += items[i] == zero;
    }
    assert_int_equal(seen_s, 1);
    assert_int_equal(seen_zero, 40);
    mor_decref(rt, st);
    mor_decref(rt, one);
    mor_decref(rt, onef);
    mor_decref(rt, zero);
    mor_decref(rt, s);
}

/* ---- dicts ------------------------------------------------------------------------------ */

static void test_dict_basics(void **state)
{
    T_RT;
    T_NEEDS_RC("the cycle collector's tracking of containers (nothing is tracked under Boehm)");
    mor_obj *d = mor_dict(rt);
    assert_false(mor_gc_is_tracked(d));
    const char *names[] = {"a", "b", "c", "d", "e"};
    for (int i = 0; i < 5; i++) {
        mor_obj *k = mor_str_const(rt, names[i]);
        mor_obj *v = mor_int(rt, i);
        assert_int_equal(mor_dict_set(rt, d, k, v), 0);
        mor_decref(rt, k);
        mor_decref(rt, v);
    }
    assert_int_equal(mor_sizeof(d), 184); /* CPython 3.11: dict of 5 str keys */
    assert_false(mor_gc_is_tracked(d));    /* atomic keys and values only */
    t_assert_repr(rt, d, "{'a': 0, 'b': 1, 'c': 2, 'd': 3, 'e': 4}");
    mor_obj *k = mor_str(rt, "c"), *out = NULL;
    assert_int_equal(mor_dict_lookup(rt, d, k, &out), 1);
    assert_int_equal(as_i64(rt, out), 2);
    mor_decref(rt, out);
    assert_int_equal(mor_dict_del(rt, d, k), 1);
    assert_int_equal(mor_dict_del(rt, d, k), 0);
    assert_int_equal(mor_dict_lookup(rt, d, k, &out), 0);
    assert_null(out);
    assert_null(mor_getitem(rt, d, k));
    t_expect_exc(rt, MOR_EXC_KEY, "'c'");
    assert_int_equal(mor_delitem(rt, d, k), -1);
    t_expect_exc(rt, MOR_EXC_KEY, "'c'");
    t_assert_repr(rt, d, "{'a': 0, 'b': 1, 'd': 3, 'e': 4}");
    /* re-inserting appends at the end (insertion order) */
    assert_int_equal(mor_setitem(rt, d, k, k), 0);
    t_assert_repr(rt, d, "{'a': 0, 'b': 1, 'd': 3, 'e': 4, 'c': 'c'}");
    /* a container value tracks the dict */
    mor_obj *l = mor_list(rt, 0);
    assert_int_equal(mor_setitem(rt, d, k, l), 0);
    assert_true(mor_gc_is_tracked(d));
    /* self reference */
    assert_int_equal(mor_setitem(rt, d, k, d), 0);
    t_assert_repr(rt, d, "{'a': 0, 'b': 1, 'd': 3, 'e': 4, 'c': {...}}");
    assert_int_equal(mor_delitem(rt, d, k), 0);
    /* unhashable key */
    assert_int_equal(mor_dict_set(rt, d, l, l), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "unhashable type: 'list'");
    /* int and float keys that are equal are the same key */
    mor_obj *i1 = mor_int(rt, 1), *f1 = mor_float(rt, 1.0);
    mor_dict_set(rt, d, i1, i1);
    mor_dict_set(rt, d, f1, f1);
    assert_int_equal(mor_len(rt, d), 5);
    assert_int_equal(mor_dict_lookup(rt, d, i1, &out), 1);
    assert_ptr_equal(out, f1);
    mor_decref(rt, out);
    assert_int_equal(mor_dict_clear(rt, d), 0);
    assert_int_equal(mor_len(rt, d), 0);
    mor_obj *objs[] = {d, k, l, i1, f1};
    for (size_t i = 0; i < sizeof(objs) / sizeof(*objs); i++)
        mor_decref(rt, objs[i]);
}

static void test_dict_growth(void **state)
{
    T_RT;
    mor_obj *d = mor_dict(rt);
    size_t empty = mor_sizeof(d);
    for (int i = 0; i < 100000; i++) {
        mor_obj *k = mor_int(rt, i * 7);
        mor_obj *v = mor_int(rt, i);
        assert_int_equal(mor_dict_set(rt, d, k, v), 0);
        mor_decref(rt, k);
        mor_decref(rt, v);
    }
    assert_int_equal(mor_len(rt, d), 100000);
    size_t full = mor_sizeof(d);
    for (int i = 0; i < 100000; i += 3) {
        mor_obj *k = mor_int(rt, i * 7), *out;
        assert_int_equal(mor_dict_lookup(rt, d, k, &out), 1);
        assert_int_equal(as_i64(rt, out), i);
        mor_decref(rt, out);
        mor_decref(rt, k);
    }
    /* delete all but 10: the table shrinks */
    for (int i = 10; i < 100000; i++) {
        mor_obj *k = mor_int(rt, i * 7);
        assert_int_equal(mor_dict_del(rt, d, k), 1);
        mor_decref(rt, k);
    }
    assert_int_equal(mor_len(rt, d), 10);
    assert_true(mor_sizeof(d) < full / 100);
    assert_true(mor_sizeof(d) > empty);
    /* order is kept through shrinking */
    mor_obj *it = mor_iter(rt, d), *x;
    int64_t expect = 0;
    while ((x = mor_next(rt, it)) != NULL) {
        assert_int_equal(as_i64(rt, x), expect * 7);
        expect++;
        mor_decref(rt, x);
    }
    assert_int_equal(expect, 10);
    mor_decref(rt, it);
    mor_decref(rt, d);
}

static void test_dict_iteration(void **state)
{
    T_RT;
    mor_obj *d = mor_dict(rt);
    for (int i = 0; i < 3; i++) {
        mor_obj *k = mor_str_fmt(rt, "k%d", i), *v = mor_int(rt, i * 10);
        mor_dict_set(rt, d, k, v);
        mor_decref(rt, k);
        mor_decref(rt, v);
    }
    mor_obj *keys = mor_list_from(rt, d);
    t_assert_repr(rt, keys, "['k0', 'k1', 'k2']");
    mor_obj *vit = mor_dict_values(rt, d);
    mor_obj *vals = mor_list_from(rt, vit);
    t_assert_repr(rt, vals, "[0, 10, 20]");
    mor_obj *iit = mor_dict_items(rt, d);
    mor_obj *items = mor_list_from(rt, iit);
    t_assert_repr(rt, items, "[('k0', 0), ('k1', 10), ('k2', 20)]");
    /* changing size while iterating */
    mor_obj *it = mor_iter(rt, d);
    mor_obj *first = mor_next(rt, it);
    mor_obj *nk = mor_str(rt, "new");
    mor_dict_set(rt, d, nk, nk);
    assert_null(mor_next(rt, it));
    t_expect_exc(rt, MOR_EXC_RUNTIME, "dictionary changed size during iteration");
    assert_null(mor_next(rt, it));
    t_expect_exc(rt, MOR_EXC_RUNTIME, "changed size");
    /* same size, different keys */
    mor_obj *it2 = mor_iter(rt, d);
    mor_obj *f2 = mor_next(rt, it2);
    mor_dict_del(rt, d, f2);
    mor_obj *other = mor_str(rt, "other");
    mor_dict_set(rt, d, other, other);
    mor_obj *y;
    while ((y = mor_next(rt, it2)) != NULL)
        mor_decref(rt, y);
    t_expect_exc(rt, MOR_EXC_RUNTIME, "during iteration");
    mor_obj *objs[] = {d, keys, vit, vals, iit, items, it, first, nk, it2, f2, other};
    for (size_t i = 0; i < sizeof(objs) / sizeof(*objs); i++)
        mor_decref(rt, objs[i]);
}

static void test_dict_eq(void **state)
{
    T_RT;
    mor_obj *a = mor_dict(rt), *b = mor_dict(rt);
    mor_obj *k1 = mor_str(rt, "x"), *k2 = mor_int(rt, 5), *v = mor_list(rt, 0);
    mor_dict_set(rt, a, k1, v);
    mor_dict_set(rt, a, k2, k1);
    mor_dict_set(rt, b, k2, k1);
    assert_int_equal(mor_eq(rt, a, b), 0);
    mor_obj *v2 = mor_list(rt, 0);
    mor_dict_set(rt, b, k1, v2);
    assert_int_equal(mor_eq(rt, a, b), 1); /* order does not matter */
    mor_list_append(rt, v2, k1);
    assert_int_equal(mor_eq(rt, a, b), 0);
    assert_int_equal(mor_compare(rt, a, b, MOR_LT), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "'<' not supported between instances of 'dict' and 'dict'");
    mor_obj *objs[] = {a, b, k1, k2, v, v2};
    for (size_t i = 0; i < sizeof(objs) / sizeof(*objs); i++)
        mor_decref(rt, objs[i]);
}

/* ---- sets ------------------------------------------------------------------------------------ */

static void test_set_ops(void **state)
{
    T_RT;
    mor_obj *s = mor_set(rt);
    t_assert_repr(rt, s, "set()");
    for (int i = 0; i < 1000; i++) {
        mor_obj *x = mor_int(rt, i % 100);
        assert_int_equal(mor_set_add(rt, s, x), 0);
        mor_decref(rt, x);
    }
    assert_int_equal(mor_len(rt, s), 100);
    mor_obj *x50 = mor_int(rt, 50), *x500 = mor_int(rt, 500);
    assert_int_equal(mor_contains(rt, s, x50), 1);
    assert_int_equal(mor_contains(rt, s, x500), 0);
    assert_int_equal(mor_set_discard(rt, s, x50), 1);
    assert_int_equal(mor_set_discard(rt, s, x50), 0);
    assert_int_equal(mor_len(rt, s), 99);
    mor_obj *t = ints_tuple(rt, 200);
    mor_obj *u = mor_set_union(rt, s, t);
    assert_int_equal(mor_len(rt, u), 200);
    mor_obj *i = mor_set_intersection(rt, u, s);
    assert_int_equal(mor_len(rt, i), 99);
    assert_int_equal(mor_eq(rt, i, s), 1);
    mor_obj *d = mor_set_difference(rt, u, s);
    assert_int_equal(mor_len(rt, d), 101);
    assert_int_equal(mor_contains(rt, d, x50), 1);
    mor_obj *d2 = mor_sub(rt, u, s);
    assert_int_equal(mor_eq(rt, d, d2), 1);
    mor_obj *small = mor_set(rt);
    mor_set_add(rt, small, x500);
    t_assert_repr(rt, small, "{500}");
    mor_obj *l = mor_list(rt, 0);
    assert_int_equal(mor_set_add(rt, small, l), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "unhashable type: 'list'");
    /* size change during iteration */
    mor_obj *it = mor_iter(rt, s);
    mor_obj *first = mor_next(rt, it);
    mor_set_add(rt, s, x500);
    assert_null(mor_next(rt, it));
    t_expect_exc(rt, MOR_EXC_RUNTIME, "Set changed size during iteration");
    mor_obj *objs[] = {s, x50, x500, t, u, i, d, d2, small, l, it, first};
    for (size_t k = 0; k < sizeof(objs) / sizeof(*objs); k++)
        mor_decref(rt, objs[k]);
}

/* ---- iteration and the generic protocol -------------------------------------------------------- */

static void test_iteration(void **state)
{
    T_RT;
    mor_obj *t = ints_tuple(rt, 10);
    mor_obj *l = mor_list_from(rt, t);
    mor_obj *s = mor_set_from(rt, l);
    mor_obj *l2 = mor_list_from(rt, s);
    assert_int_equal(mor_list_sort(rt, l2), 0);
    assert_int_equal(mor_eq(rt, l, l2), 1);
    mor_obj *str = mor_str(rt, "héllo");
    mor_obj *chars = mor_list_from(rt, str);
    t_assert_repr(rt, chars, "['h', 'é', 'l', 'l', 'o']");
    mor_obj *b = mor_bytes(rt, "AB", 2);
    mor_obj *bl = mor_list_from(rt, b);
    t_assert_repr(rt, bl, "[65, 66]");
    /* an iterator of a list sees appends made while iterating */
    mor_obj *it = mor_iter(rt, l);
    int count = 0;
    mor_obj *x;
    while ((x = mor_next(rt, it)) != NULL) {
        if (count == 0)
            mor_list_append(rt, l, x);
        count++;
        mor_decref(rt, x);
    }
    assert_int_equal(count, 11);
    assert_int_equal(mor_err_kind(rt), MOR_EXC_NONE);
    assert_null(mor_next(rt, it)); /* stays exhausted */
    mor_obj *objs[] = {t, l, s, l2, str, chars, b, bl, it};
    for (size_t i = 0; i < sizeof(objs) / sizeof(*objs); i++)
        mor_decref(rt, objs[i]);
}

static void test_protocol_errors(void **state)
{
    T_RT;
    mor_obj *i = mor_int(rt, 3), *l = mor_list(rt, 0), *n = mor_none(rt);
    int64_t h;
    assert_int_equal(mor_hash(rt, l, &h), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "unhashable type: 'list'");
    assert_int_equal(mor_len(rt, i), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "object of type 'int' has no len()");
    assert_null(mor_call(rt, i, 0, NULL));
    t_expect_exc(rt, MOR_EXC_TYPE, "'int' object is not callable");
    assert_null(mor_getitem(rt, i, i));
    t_expect_exc(rt, MOR_EXC_TYPE, "'int' object is not subscriptable");
    assert_int_equal(mor_setitem(rt, n, i, i), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "'NoneType' object does not support item assignment");
    assert_null(mor_iter(rt, i));
    t_expect_exc(rt, MOR_EXC_TYPE, "'int' object is not iterable");
    assert_null(mor_next(rt, l));
    t_expect_exc(rt, MOR_EXC_TYPE, "'list' object is not an iterator");
    assert_int_equal(mor_contains(rt, i, i), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "argument of type 'int' is not iterable");
    assert_null(mor_getattr(rt, l, "nope"));
    t_expect_exc(rt, MOR_EXC_ATTRIBUTE, "'list' object has no attribute 'nope'");
    assert_int_equal(mor_setattr(rt, i, "x", i), -1);
    t_expect_exc(rt, MOR_EXC_ATTRIBUTE, "'int' object has no attribute 'x'");
    assert_null(mor_add(rt, i, l));
    t_expect_exc(rt, MOR_EXC_TYPE, "unsupported operand type(s) for +: 'int' and 'list'");
    assert_null(mor_neg(rt, l));
    t_expect_exc(rt, MOR_EXC_TYPE, "bad operand type for unary -: 'list'");
    assert_null(mor_slice(rt, l, 0, 1, 0));
    t_expect_exc(rt, MOR_EXC_VALUE, "slice step cannot be zero");
    assert_null(mor_slice(rt, i, 0, 1, 1));
    t_expect_exc(rt, MOR_EXC_TYPE, "'int' object is not subscriptable");
    assert_int_equal(mor_compare(rt, i, l, MOR_LT), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "'<' not supported between instances of 'int' and 'list'");
    assert_int_equal(mor_compare(rt, i, l, MOR_EQ), 0);
    assert_int_equal(mor_compare(rt, i, l, MOR_NE), 1);
    /* truth values */
    assert_int_equal(mor_is_true(rt, n), 0);
    assert_int_equal(mor_is_true(rt, l), 0);
    mor_list_append(rt, l, n);
    assert_int_equal(mor_is_true(rt, l), 1);
    assert_int_equal(mor_is_true(rt, i), 1);
    mor_decref(rt, i);
    mor_decref(rt, l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T_TEST(test_tuple_basics),  T_TEST(test_list_sizes),    T_TEST(test_list_ops),
        T_TEST(test_list_sort),     T_TEST(test_dict_basics),   T_TEST(test_dict_growth),
        T_TEST(test_dict_iteration), T_TEST(test_dict_eq),      T_TEST(test_set_ops),
        T_TEST(test_iteration),     T_TEST(test_protocol_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
