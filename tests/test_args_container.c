/* tests/test_args_container.c: bad arguments to the functions of
 * mor/container.h (tuples, lists, dicts, sets).
 *
 * No bad input possible: mor_dict and mor_set (no arguments), mor_is_tuple,
 * mor_is_list, mor_is_dict, mor_is_set (predicates: any object; checked on
 * foreign objects below). */
#include "args_util.h"

static mor_obj *big_int(mor_rt *rt) { return mor_int_from_str(rt, "100000000000000000000", 10); }

static void test_tuple_bad(void **state)
{
    T_RT;
    A_NULL(rt, mor_tuple_from(rt, 3, NULL), MOR_EXC_TYPE, "3 items but no item array");
    mor_obj *items[1] = {mor_none(rt)};
    size_t huge[] = {SIZE_MAX, SIZE_MAX / 8, (size_t)1 << 58};
    for (size_t i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
        /* the size is refused before any item is read */
        A_NULL(rt, mor_tuple_from(rt, huge[i], items), MOR_EXC_MEMORY, NULL);
        A_NULL(rt, mor_tuple(rt, huge[i]), MOR_EXC_MEMORY, NULL);
    }
    mor_obj *e = mor_tuple_from(rt, 0, NULL); /* nothing to read */
    assert_ptr_equal(e, mor_tuple(rt, 0));
    mor_obj *l = mor_list(rt, 0);
    assert_false(mor_is_tuple(l));
    assert_false(mor_is_list(e));
    size_t n = 77;
    assert_null(mor_seq_items(mor_none(rt), &n));
    mor_obj *d = mor_dict(rt);
    assert_null(mor_seq_items(d, NULL));
    assert_false(mor_is_dict(l));
    assert_false(mor_is_set(d));
    A_NOEXC(rt);
    mor_decref(rt, d);
    mor_decref(rt, l);
    a_usable(rt);
}

static void test_list_wrong_type(void **state)
{
    T_RT;
    mor_obj *t = mor_tuple(rt, 1, mor_none(rt)), *x = mor_str(rt, "item");
    mor_obj *i = big_int(rt), *l = mor_list(rt, 2, x, i);
    a_rcs rc = A_RC(t, x, i, l);
    mor_obj *not_lists[] = {t, x, i, mor_none(rt)};
    for (size_t k = 0; k < 4; k++) {
        mor_obj *o = not_lists[k];
        const char *tn = mor_type_name(o);
        char want[64];
        snprintf(want, sizeof(want), "expected a list, got '%s'", tn);
        A_NEG(rt, mor_list_append(rt, o, x), MOR_EXC_TYPE, want);
        A_NEG(rt, mor_list_insert(rt, o, 0, x), MOR_EXC_TYPE, want);
        A_NULL(rt, mor_list_pop(rt, o, 0), MOR_EXC_TYPE, want);
        A_NEG(rt, mor_list_extend(rt, o, l), MOR_EXC_TYPE, want);
        A_NEG(rt, mor_list_sort(rt, o), MOR_EXC_TYPE, want);
    }
    /* append_steal takes x even on error */
    mor_incref(x);
    A_NEG(rt, mor_list_append_steal(rt, t, x), MOR_EXC_TYPE, "got 'tuple'");
    /* extend and list_from with a non-iterable */
    A_NEG(rt, mor_list_extend(rt, l, i), MOR_EXC_TYPE, "'int' object is not iterable");
    A_NEG(rt, mor_list_extend(rt, l, mor_none(rt)), MOR_EXC_TYPE, "'NoneType'");
    A_NULL(rt, mor_list_from(rt, i), MOR_EXC_TYPE, "'int' object is not iterable");
    A_NULL(rt, mor_list_from(rt, mor_bool(rt, true)), MOR_EXC_TYPE, "'bool'");
    A_NULL(rt, mor_list(rt, SIZE_MAX), MOR_EXC_MEMORY, NULL);
    A_NULL(rt, mor_list(rt, SIZE_MAX / 8 + 1), MOR_EXC_MEMORY, NULL);
    a_rc_same(&rc);
    a_repr(rt, l, "['item', 100000000000000000000]");
    a_repr(rt, t, "(None,)");
    mor_decref(rt, t);
    mor_decref(rt, x);
    mor_decref(rt, i);
    mor_decref(rt, l);
    a_usable(rt);
}

static void test_list_out_of_range(void **state)
{
    T_RT;
    mor_obj *x = mor_str(rt, "x"), *y = mor_str(rt, "yy");
    mor_obj *l = mor_list(rt, 2, x, y), *e = mor_list(rt, 0);
    a_rcs rc = A_RC(x, y, l, e);
    A_NULL(rt, mor_list_pop(rt, e, 0), MOR_EXC_INDEX, "pop from empty list");
    A_NULL(rt, mor_list_pop(rt, e, -1), MOR_EXC_INDEX, "pop from empty list");
    int64_t bad[] = {2, 3, -3, 1000, INT64_MAX, INT64_MIN, INT64_MIN + 1};
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
        A_NULL(rt, mor_list_pop(rt, l, bad[k]), MOR_EXC_INDEX, "pop index out of range");
    a_rc_same(&rc);
    a_repr(rt, l, "['x', 'yy']");
    /* insert clamps any index, as list.insert does */
    mor_obj *lo = mor_str(rt, "lo"), *hi = mor_str(rt, "hi");
    assert_int_equal(mor_list_insert(rt, l, INT64_MIN, lo), 0);
    assert_int_equal(mor_list_insert(rt, l, INT64_MAX, hi), 0);
    assert_int_equal(mor_list_insert(rt, e, -5, lo), 0);
    a_repr(rt, l, "['lo', 'x', 'yy', 'hi']");
    a_repr(rt, e, "['lo']");
    mor_decref(rt, lo);
    mor_decref(rt, hi);
    mor_decref(rt, x);
    mor_decref(rt, y);
    mor_decref(rt, l);
    mor_decref(rt, e);
    a_usable(rt);
}

static void test_list_sort_unordered(void **state)
{
    T_RT;
    mor_obj *a = mor_str(rt, "b"), *b = mor_int(rt, 1000), *c = mor_str(rt, "a");
    mor_obj *d = mor_dict(rt);
    mor_obj *l = mor_list(rt, 4, a, b, c, d);
    a_rcs rc = A_RC(a, b, c, d, l);
    A_NEG(rt, mor_list_sort(rt, l), MOR_EXC_TYPE, "'<' not supported between instances of");
    /* every item is still in the list, once */
    assert_int_equal(mor_len(rt, l), 4);
    mor_obj *all[] = {a, b, c, d};
    for (int k = 0; k < 4; k++)
        assert_int_equal(mor_contains(rt, l, all[k]), 1);
    a_rc_same(&rc);
    mor_decref(rt, a);
    mor_decref(rt, b);
    mor_decref(rt, c);
    mor_decref(rt, d);
    mor_decref(rt, l);
    a_usable(rt);
}

static void test_dict_bad(void **state)
{
    T_RT;
    mor_obj *d = mor_dict(rt), *k = mor_str(rt, "k"), *v = big_int(rt);
    assert_int_equal(mor_dict_set(rt, d, k, v), 0);
    mor_obj *l = mor_list(rt, 0), *s = mor_set(rt), *t = mor_tuple(rt, 0);
    mor_obj *tl = mor_tuple(rt, 1, l); /* hashing it fails on the list */
    a_rcs rc = A_RC(d, k, v, l, s, tl);
    mor_obj *not_dicts[] = {l, s, t, k, mor_none(rt)};
    mor_obj *out = (mor_obj *)1;
    for (size_t i = 0; i < 5; i++) {
        char want[64];
        snprintf(want, sizeof(want), "expected a dict, got '%s'", mor_type_name(not_dicts[i]));
        A_NEG(rt, mor_dict_set(rt, not_dicts[i], k, v), MOR_EXC_TYPE, want);
        A_NEG(rt, mor_dict_lookup(rt, not_dicts[i], k, &out), MOR_EXC_TYPE, want);
        assert_null(out);
        A_NEG(rt, mor_dict_del(rt, not_dicts[i], k), MOR_EXC_TYPE, want);
        A_NEG(rt, mor_dict_clear(rt, not_dicts[i]), MOR_EXC_TYPE, want);
        A_NULL(rt, mor_dict_keys(rt, not_dicts[i]), MOR_EXC_TYPE, want);
        A_NULL(rt, mor_dict_values(rt, not_dicts[i]), MOR_EXC_TYPE, want);
        A_NULL(rt, mor_dict_items(rt, not_dicts[i]), MOR_EXC_TYPE, want);
    }
    mor_obj *unhashable[] = {l, s, d, tl};
    for (size_t i = 0; i < 4; i++) {
        out = (mor_obj *)1;
        A_NEG(rt, mor_dict_set(rt, d, unhashable[i], v), MOR_EXC_TYPE, "unhashable type");
        A_NEG(rt, mor_dict_lookup(rt, d, unhashable[i], &out), MOR_EXC_TYPE, "unhashable type");
        assert_null(out);
        A_NEG(rt, mor_dict_del(rt, d, unhashable[i]), MOR_EXC_TYPE, "unhashable type");
    }
    /* missing keys are not errors */
    assert_int_equal(mor_dict_del(rt, d, v), 0);
    assert_int_equal(mor_dict_lookup(rt, d, v, &out), 0);
    assert_null(out);
    A_NOEXC(rt);
    a_rc_same(&rc);
    a_repr(rt, d, "{'k': 100000000000000000000}");
    mor_decref(rt, tl);
    mor_decref(rt, d);
    mor_decref(rt, k);
    mor_decref(rt, v);
    mor_decref(rt, l);
    mor_decref(rt, s);
    a_usable(rt);
}

/* Changing a dict's or set's size while iterating it is a RuntimeError at the
 * next step, and the iterator stays exhausted. */
static void test_changed_during_iteration(void **state)
{
    T_RT;
    mor_obj *d = mor_dict(rt), *k1 = mor_str(rt, "a"), *k2 = mor_str(rt, "b");
    assert_int_equal(mor_dict_set(rt, d, k1, k1), 0);
    mor_obj *makers[3];
    makers[0] = mor_dict_keys(rt, d);
    makers[1] = mor_dict_values(rt, d);
    makers[2] = mor_dict_items(rt, d);
    assert_int_equal(mor_dict_set(rt, d, k2, k2), 0);
    for (int i = 0; i < 3; i++) {
        A_NULL(rt, mor_next(rt, makers[i]), MOR_EXC_RUNTIME,
               "dictionary changed size during iteration");
        mor_decref(rt, makers[i]);
    }
    mor_obj *s = mor_set_from(rt, d);
    mor_obj *it = mor_iter(rt, s);
    assert_int_equal(mor_set_discard(rt, s, k1), 1);
    A_NULL(rt, mor_next(rt, it), MOR_EXC_RUNTIME, "Set changed size during iteration");
    mor_decref(rt, it);
    a_repr(rt, s, "{'b'}");
    mor_decref(rt, s);
    mor_decref(rt, d);
    mor_decref(rt, k1);
    mor_decref(rt, k2);
    a_usable(rt);
}

static void test_set_bad(void **state)
{
    T_RT;
    mor_obj *s = mor_set(rt), *x = big_int(rt);
    assert_int_equal(mor_set_add(rt, s, x), 0);
    mor_obj *l = mor_list(rt, 1, x), *d = mor_dict(rt), *ll = mor_list(rt, 1, l);
    a_rcs rc = A_RC(s, x, l, d, ll);
    mor_obj *not_sets[] = {l, d, x, mor_none(rt)};
    for (size_t i = 0; i < 4; i++) {
        char want[64];
        snprintf(want, sizeof(want), "expected a set, got '%s'", mor_type_name(not_sets[i]));
        A_NEG(rt, mor_set_add(rt, not_sets[i], x), MOR_EXC_TYPE, want);
        A_NEG(rt, mor_set_discard(rt, not_sets[i], x), MOR_EXC_TYPE, want);
        A_NULL(rt, mor_set_union(rt, not_sets[i], s), MOR_EXC_TYPE, want);
        A_NULL(rt, mor_set_intersection(rt, not_sets[i], s), MOR_EXC_TYPE, want);
        A_NULL(rt, mor_set_difference(rt, not_sets[i], s), MOR_EXC_TYPE, want);
    }
    A_NEG(rt, mor_set_add(rt, s, l), MOR_EXC_TYPE, "unhashable type: 'list'");
    A_NEG(rt, mor_set_add(rt, s, s), MOR_EXC_TYPE, "unhashable type: 'set'");
    A_NEG(rt, mor_set_discard(rt, s, d), MOR_EXC_TYPE, "unhashable type: 'dict'");
    /* the other operand: any iterable of hashables */
    A_NULL(rt, mor_set_from(rt, x), MOR_EXC_TYPE, "'int' object is not iterable");
    A_NULL(rt, mor_set_from(rt, ll), MOR_EXC_TYPE, "unhashable type: 'list'");
    A_NULL(rt, mor_set_union(rt, s, x), MOR_EXC_TYPE, "'int' object is not iterable");
    A_NULL(rt, mor_set_union(rt, s, ll), MOR_EXC_TYPE, "unhashable type: 'list'");
    A_NULL(rt, mor_set_intersection(rt, s, mor_none(rt)), MOR_EXC_TYPE, "'NoneType'");
    A_NULL(rt, mor_set_difference(rt, s, ll), MOR_EXC_TYPE, "unhashable type: 'list'");
    assert_int_equal(mor_set_discard(rt, s, mor_none(rt)), 0); /* absent: no error */
    A_NOEXC(rt);
    a_rc_same(&rc);
    a_repr(rt, s, "{100000000000000000000}");
    mor_decref(rt, s);
    mor_decref(rt, x);
    mor_decref(rt, l);
    mor_decref(rt, d);
    mor_decref(rt, ll);
    a_usable(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T_TEST(test_tuple_bad),         T_TEST(test_list_wrong_type),
        T_TEST(test_list_out_of_range), T_TEST(test_list_sort_unordered),
        T_TEST(test_dict_bad),          T_TEST(test_changed_during_iteration),
        T_TEST(test_set_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
