/* tests/test_args_gc.c: bad arguments to the functions of mor/gc.h (the
 * collector, weak references and proxies, finalizers, weak dictionaries).
 *
 * No bad input possible: mor_gc_enable, mor_gc_disable, mor_gc_is_enabled,
 * mor_gc_freeze, mor_gc_unfreeze, mor_gc_get_freeze_count, mor_gc_garbage,
 * mor_gc_get_debug, mor_weak_value_dict, mor_weak_key_dict (only the
 * runtime); mor_gc_get_threshold, mor_gc_get_count (an array to fill);
 * mor_gc_set_threshold (every value is meaningful: t0 = 0 disables the
 * automatic collections); mor_gc_set_debug (unknown bits are kept and
 * ignored, as gc.set_debug does); mor_gc_is_tracked, mor_gc_get_referents,
 * mor_gc_get_referrers, mor_weakref_count, mor_finalize_alive (any object is
 * valid: checked on objects of other kinds below). The extreme settings are
 * exercised by test_gc_extreme_settings. */
#include "args_util.h"

static mor_obj *new_instance(mor_rt *rt, mor_obj *cls)
{
    mor_obj *o = mor_call(rt, cls, 0, NULL);
    assert_non_null(o);
    return o;
}

static mor_obj *noop(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data;
    (void)nargs;
    (void)args;
    return mor_newref(mor_none(rt));
}

/* ---- the collector ------------------------------------------------------------------------ */

static int64_t nested_collect_result = -2;
static void nested_collect(mor_rt *rt, const mor_gc_info *info, void *ud)
{
    (void)ud;
    if (info->phase == MOR_GC_START)
        nested_collect_result = mor_gc_collect(rt, 0);
}

static void noop_cb(mor_rt *rt, const mor_gc_info *info, void *ud)
{
    (void)rt;
    (void)info;
    (void)ud;
}

static void test_gc_bad(void **state)
{
    T_RT;
    int bad[] = {3, 4, -2, -100, INT32_MAX, INT32_MIN};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char want[64];
        snprintf(want, sizeof(want), "invalid generation %d", bad[i]);
        A_NEG(rt, mor_gc_collect(rt, bad[i]), MOR_EXC_VALUE, want);
        A_NULL(rt, mor_gc_get_objects(rt, bad[i]), MOR_EXC_VALUE, want);
        mor_gc_stats st;
        memset(&st, 0xff, sizeof(st));
        mor_gc_get_stats(rt, bad[i], &st); /* documented: zeros */
        assert_int_equal(st.collections, 0);
        assert_int_equal(st.max_pause_ns, 0);
    }
    A_NEG(rt, mor_gc_add_callback(rt, NULL, NULL), MOR_EXC_TYPE, "callback is NULL");
    A_NEG(rt, mor_gc_remove_callback(rt, 0), MOR_EXC_VALUE, "no gc callback with id 0");
    A_NEG(rt, mor_gc_remove_callback(rt, -1), MOR_EXC_VALUE, "id -1");
    A_NEG(rt, mor_gc_remove_callback(rt, INT32_MAX), MOR_EXC_VALUE, "2147483647");
    int id = mor_gc_add_callback(rt, noop_cb, NULL);
    assert_true(id >= 0);
    assert_int_equal(mor_gc_remove_callback(rt, id), 0);
    char want[64];
    snprintf(want, sizeof(want), "no gc callback with id %d", id);
    A_NEG(rt, mor_gc_remove_callback(rt, id), MOR_EXC_VALUE, want); /* removed twice */
    /* a collection asked for from a collection's callback: 0, nothing done */
    id = mor_gc_add_callback(rt, nested_collect, NULL);
    assert_true(mor_gc_collect(rt, 2) >= 0);
    assert_int_equal(nested_collect_result, 0);
    A_NOEXC(rt);
    assert_int_equal(mor_gc_remove_callback(rt, id), 0);
    /* the introspection functions on objects of every kind */
    mor_obj *i = mor_int(rt, 5000), *l = mor_list(rt, 1, i);
    a_rcs rc = A_RC(i, l);
    assert_false(mor_gc_is_tracked(i));
    assert_false(mor_gc_is_tracked(mor_none(rt)));
    mor_obj *r = mor_gc_get_referents(rt, i); /* no traverse: none */
    a_repr(rt, r, "[]");
    mor_decref(rt, r);
    r = mor_gc_get_referrers(rt, mor_none(rt));
    assert_true(mor_is_list(r));
    mor_decref(rt, r);
    a_rc_same(&rc);
    mor_decref(rt, l);
    mor_decref(rt, i);
    a_usable(rt);
}

/* Extreme settings: every value is accepted and means what it says. */
static void test_gc_extreme_settings(void **state)
{
    T_RT;
    unsigned t[3];
    mor_gc_get_threshold(rt, t);
    mor_gc_stats before, after;
    mor_gc_get_stats(rt, 0, &before);
    mor_gc_set_threshold(rt, 1, UINT32_MAX, UINT32_MAX); /* young collections all the time */
    mor_obj *l = mor_list(rt, 0);
    for (int i = 0; i < 100; i++)
        assert_int_equal(mor_list_append_steal(rt, l, mor_list(rt, 0)), 0);
    mor_gc_get_stats(rt, 0, &after);
    size_t c[3];
    mor_gc_get_count(rt, c);
    if (!T_BOEHM) { /* generations and thresholds belong to the cycle collector */
        assert_true(after.collections >= before.collections + 30);
        assert_true(c[0] <= 2);
        assert_int_equal(c[2], 0); /* never an old collection */
    }
    mor_gc_set_threshold(rt, 0, 0, 0); /* no automatic collection at all */
    mor_gc_collect(rt, -1);
    for (int i = 0; i < 2000; i++)
        assert_int_equal(mor_list_append_steal(rt, l, mor_list(rt, 0)), 0);
    mor_gc_get_count(rt, c);
    if (!T_BOEHM)
        assert_true(c[0] >= 2000);
    mor_gc_set_threshold(rt, t[0], t[1], t[2]);
    /* unknown debug bits are kept and ignored */
    mor_gc_set_debug(rt, 0xffff0000u);
    assert_int_equal(mor_gc_get_debug(rt), 0xffff0000u);
    assert_true(mor_gc_collect(rt, 0) >= 0);
    mor_gc_set_debug(rt, 0);
    /* switching twice, freezing twice: harmless */
    mor_gc_disable(rt);
    mor_gc_disable(rt);
    assert_false(mor_gc_is_enabled(rt));
    mor_gc_enable(rt);
    mor_gc_enable(rt);
    assert_true(mor_gc_is_enabled(rt));
    mor_gc_freeze(rt);
    mor_gc_freeze(rt);
    assert_true(mor_gc_get_freeze_count(rt) > 0 || T_BOEHM); /* Boehm tracks nothing */
    mor_gc_unfreeze(rt);
    mor_gc_unfreeze(rt);
    assert_int_equal(mor_gc_get_freeze_count(rt), 0);
    mor_obj *g = mor_gc_garbage(rt);
    a_repr(rt, g, "[]");
    mor_decref(rt, g);
    A_NOEXC(rt);
    mor_decref(rt, l);
    a_usable(rt);
}

/* ---- weak references ------------------------------------------------------------------------ */

static void test_weakref_bad(void **state)
{
    T_RT;
    mor_obj *cls = mor_class_new(rt, "Target", NULL, MOR_CLASS_DICT);
    mor_obj *t = new_instance(rt, cls);
    mor_obj *l = mor_list(rt, 0), *i = mor_int(rt, 5000), *s = mor_str(rt, "s");
    mor_obj *d = mor_dict(rt), *tup = mor_tuple(rt, 1, i), *set = mor_set(rt);
    a_rcs rc = A_RC(cls, t, l, i, s, d, tup, set);
    mor_obj *not_weak[] = {l, i, s, d, tup, set, mor_none(rt), mor_bool(rt, true)};
    for (size_t k = 0; k < sizeof(not_weak) / sizeof(not_weak[0]); k++) {
        char want[80];
        snprintf(want, sizeof(want), "cannot create weak reference to '%s' object",
                 mor_type_name(not_weak[k]));
        A_NULL(rt, mor_weakref(rt, not_weak[k], NULL), MOR_EXC_TYPE, want);
        A_NULL(rt, mor_weakproxy(rt, not_weak[k], NULL), MOR_EXC_TYPE, want);
        A_NULL(rt, mor_finalize(rt, not_weak[k], cls, NULL), MOR_EXC_TYPE, want);
        assert_int_equal(mor_weakref_count(rt, not_weak[k]), 0);
    }
    /* a callback that cannot be called is refused now rather than failing
     * unraisably when the target dies */
    A_NULL(rt, mor_weakref(rt, t, i), MOR_EXC_TYPE, "callback must be callable, not 'int'");
    A_NULL(rt, mor_weakproxy(rt, t, l), MOR_EXC_TYPE, "not 'list'");
    A_NULL(rt, mor_finalize(rt, t, s, NULL), MOR_EXC_TYPE, "must be callable, not 'str'");
    A_NULL(rt, mor_finalize(rt, t, NULL, NULL), MOR_EXC_TYPE, "NULL");
    A_NULL(rt, mor_finalize(rt, t, cls, l), MOR_EXC_TYPE, "args must be a tuple, not 'list'");
    A_NULL(rt, mor_finalize(rt, t, cls, mor_none(rt)), MOR_EXC_TYPE, "not 'NoneType'");
    assert_int_equal(mor_weakref_count(rt, t), 0);
    /* the queries on objects that are no reference or finalizer */
    A_NULL(rt, mor_weakref_get(rt, t), MOR_EXC_TYPE, "expected a weakref, got 'Target'");
    A_NULL(rt, mor_weakref_get(rt, i), MOR_EXC_TYPE, "got 'int'");
    mor_obj *proxy = mor_weakproxy(rt, t, NULL);
    A_NULL(rt, mor_weakref_get(rt, proxy), MOR_EXC_TYPE, "got 'weakproxy'");
    assert_false(mor_finalize_alive(rt, l));
    assert_false(mor_finalize_alive(rt, proxy));
    A_NOEXC(rt);
    A_NULL(rt, mor_finalize_peek(rt, l), MOR_EXC_TYPE,
           "mor_finalize_peek: expected a finalize object, got 'list'");
    A_NULL(rt, mor_finalize_detach(rt, proxy), MOR_EXC_TYPE, "got 'weakproxy'");
    a_rc_same(&rc);
    /* a proxy whose target died: ReferenceError for every use (under Boehm
     * the target dies at some later collection) */
    mor_decref(rt, t);
    mor_obj *dead = proxy;
    if (T_BOEHM) {
        mor_decref(rt, dead);
        dead = NULL;
    }
    if (dead != NULL) {
        A_NEG(rt, mor_is_true(rt, dead), MOR_EXC_REFERENCE, "no longer exists");
        A_NEG(rt, mor_len(rt, dead), MOR_EXC_REFERENCE, "no longer exists");
        A_NULL(rt, mor_getattr(rt, dead, "x"), MOR_EXC_REFERENCE, "no longer exists");
        A_NEG(rt, mor_setattr(rt, dead, "x", i), MOR_EXC_REFERENCE, "no longer exists");
        A_NULL(rt, mor_call(rt, dead, 0, NULL), MOR_EXC_REFERENCE, "no longer exists");
        A_NULL(rt, mor_iter(rt, dead), MOR_EXC_REFERENCE, "no longer exists");
        A_NEG(rt, mor_contains(rt, dead, i), MOR_EXC_REFERENCE, "no longer exists");
        A_NULL(rt, mor_getitem(rt, dead, i), MOR_EXC_REFERENCE, "no longer exists");
        A_NULL(rt, mor_repr(rt, dead), MOR_EXC_REFERENCE, "no longer exists");
        A_NEG(rt, mor_eq(rt, dead, i), MOR_EXC_REFERENCE, "no longer exists");
        A_NULL(rt, mor_list_from(rt, dead), MOR_EXC_REFERENCE, "no longer exists");
        mor_decref(rt, dead);
    }
    mor_decref(rt, cls);
    mor_decref(rt, l);
    mor_decref(rt, i);
    mor_decref(rt, s);
    mor_decref(rt, d);
    mor_decref(rt, tup);
    mor_decref(rt, set);
    a_usable(rt);
}

static void test_finalize_dead(void **state)
{
    T_RT;
    mor_obj *cls = mor_class_new(rt, "Target", NULL, MOR_CLASS_DICT);
    mor_obj *t = new_instance(rt, cls);
    mor_obj *fn = mor_func_new(rt, "noop", noop, NULL);
    mor_obj *f = mor_finalize(rt, t, fn, NULL);
    assert_non_null(f);
    /* a dead finalizer: peek and detach give None, calling it does nothing */
    mor_obj *info = mor_finalize_detach(rt, f);
    assert_true(mor_is_tuple(info));
    mor_decref(rt, info);
    assert_false(mor_finalize_alive(rt, f));
    info = mor_finalize_peek(rt, f);
    assert_ptr_equal(info, mor_none(rt));
    info = mor_finalize_detach(rt, f);
    assert_ptr_equal(info, mor_none(rt));
    mor_obj *args[] = {fn, fn};
    A_NULL(rt, mor_call(rt, f, 2, args), MOR_EXC_TYPE, "finalize() takes no arguments");
    mor_decref(rt, f);
    mor_decref(rt, t);
    mor_decref(rt, fn);
    mor_decref(rt, cls);
    a_usable(rt);
}

static void test_weak_dicts_bad(void **state)
{
    T_RT;
    mor_obj *cls = mor_class_new(rt, "K", NULL, MOR_CLASS_DICT);
    mor_obj *fn = mor_func_new(rt, "noop", noop, NULL);
    mor_obj *unhashable_cls = mor_class_new(rt, "U", NULL, MOR_CLASS_DICT);
    assert_int_equal(mor_class_set_attr(rt, unhashable_cls, "__eq__", fn), 0);
    mor_obj *k = new_instance(rt, cls), *u = new_instance(rt, unhashable_cls);
    mor_obj *i = mor_int(rt, 5000), *l = mor_list(rt, 0);
    mor_obj *wvd = mor_weak_value_dict(rt), *wkd = mor_weak_key_dict(rt);
    a_rcs rc = A_RC(cls, k, u, i, l);
    /* values (wvd) and keys (wkd) must be weakly referenceable */
    A_NEG(rt, mor_setitem(rt, wvd, k, i), MOR_EXC_TYPE, "cannot create weak reference to 'int'");
    A_NEG(rt, mor_setitem(rt, wkd, i, k), MOR_EXC_TYPE, "cannot create weak reference to 'int'");
    A_NULL(rt, mor_getitem(rt, wkd, i), MOR_EXC_TYPE, "cannot create weak reference to 'int'");
    A_NEG(rt, mor_delitem(rt, wkd, l), MOR_EXC_TYPE, "cannot create weak reference to 'list'");
    assert_int_equal(mor_contains(rt, wkd, i), 0); /* cannot be a key: not there */
    /* keys must be hashable */
    A_NEG(rt, mor_setitem(rt, wvd, l, k), MOR_EXC_TYPE, "unhashable type: 'list'");
    A_NEG(rt, mor_setitem(rt, wkd, u, k), MOR_EXC_TYPE, "unhashable type: 'U'");
    A_NULL(rt, mor_getitem(rt, wvd, l), MOR_EXC_TYPE, "unhashable type: 'list'");
    A_NEG(rt, mor_contains(rt, wvd, l), MOR_EXC_TYPE, "unhashable type: 'list'");
    /* missing keys: KeyError naming the key */
    A_NULL(rt, mor_getitem(rt, wvd, i), MOR_EXC_KEY, "5000");
    A_NEG(rt, mor_delitem(rt, wvd, i), MOR_EXC_KEY, "5000");
    A_NULL(rt, mor_getitem(rt, wkd, k), MOR_EXC_KEY, "<K object at");
    A_NEG(rt, mor_delitem(rt, wkd, k), MOR_EXC_KEY, "<K object at");
    A_NEG(rt, mor_setitem(rt, wvd, k, NULL), MOR_EXC_TYPE, "mor_delitem");
    assert_int_equal(mor_len(rt, wvd), 0);
    assert_int_equal(mor_len(rt, wkd), 0);
    A_NOEXC(rt);
    a_rc_same(&rc);
    /* both still work */
    assert_int_equal(mor_setitem(rt, wvd, i, k), 0);
    assert_int_equal(mor_setitem(rt, wkd, k, i), 0);
    assert_int_equal(mor_len(rt, wvd), 1);
    assert_int_equal(mor_len(rt, wkd), 1);
    mor_decref(rt, k);
    if (!T_BOEHM) { /* there k dies at some later collection */
        assert_int_equal(mor_len(rt, wvd), 0);
        assert_int_equal(mor_len(rt, wkd), 0);
    }
    mor_decref(rt, wvd);
    mor_decref(rt, wkd);
    mor_decref(rt, u);
    mor_decref(rt, i);
    mor_decref(rt, l);
    mor_decref(rt, fn);
    mor_decref(rt, cls);
    mor_decref(rt, unhashable_cls);
    a_usable(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T_TEST(test_gc_bad),        T_TEST(test_gc_extreme_settings), T_TEST(test_weakref_bad),
        T_TEST(test_finalize_dead), T_TEST(test_weak_dicts_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
