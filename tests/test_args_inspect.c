/* tests/test_args_inspect.c: bad arguments to the functions of mor/inspect.h
 * (sizes, copies, graphs, allocator statistics) and mor/trace.h (tracing,
 * snapshots, profiles, the collector's timeline).
 *
 * No bad input possible: mor_sizeof, mor_deep_sizeof (any object; checked on
 * a few kinds below); mor_get_rusage, mor_alloc_get_stats (a struct to fill);
 * mor_alloc_fail_after (every count is meaningful, 0 turns it off);
 * mor_trace_stop, mor_trace_is_tracing, mor_trace_get_memory,
 * mor_trace_reset_peak, mor_trace_clear, mor_trace_overhead,
 * mor_profile_clear, mor_gc_trace_stop (only the runtime; each is harmless
 * when tracing is off, checked below).
 * Not called with bad input: mor_alloc_print_stats and mor_profile_print
 * take an open FILE (NULL is outside their contract, as for fprintf). */
#include "args_util.h"

static mor_obj *noop(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data;
    (void)nargs;
    (void)args;
    return mor_newref(mor_none(rt));
}

static void test_copy_bad(void **state)
{
    T_RT;
    mor_obj *cls = mor_class_new(rt, "C", NULL, MOR_CLASS_DICT);
    mor_obj *inst = mor_call(rt, cls, 0, NULL);
    mor_obj *fn = mor_func_new(rt, "noop", noop, NULL);
    mor_obj *it = mor_range(rt, 0, 3, 1);
    mor_obj *l = mor_list(rt, 2, it, fn);
    mor_obj *d = mor_dict(rt);
    assert_int_equal(mor_dict_set(rt, d, it, inst), 0);
    a_rcs rc = A_RC(cls, inst, fn, it, l, d);
    A_NULL(rt, mor_copy(rt, inst), MOR_EXC_TYPE, "cannot copy 'C' object");
    A_NULL(rt, mor_copy(rt, fn), MOR_EXC_TYPE, "cannot copy 'function' object");
    A_NULL(rt, mor_deepcopy(rt, cls), MOR_EXC_TYPE, "cannot deep-copy 'type' object");
    /* a container holding something that cannot be copied: nothing half made
     * is left behind */
    size_t live = mor_rt_live_objects(rt);
    A_NULL(rt, mor_deepcopy(rt, l), MOR_EXC_TYPE, "cannot deep-copy 'range' object");
    A_NULL(rt, mor_deepcopy(rt, d), MOR_EXC_TYPE, "cannot deep-copy 'range' object");
    assert_int_equal(mor_gc_collect(rt, -1), 0);
    assert_int_equal(mor_rt_live_objects(rt), live);
    /* too deep: RecursionError */
    mor_obj *deep = t_deep_list(rt, 5000);
    A_NULL(rt, mor_deepcopy(rt, deep), MOR_EXC_RECURSION, "recursion");
    assert_true(mor_deep_sizeof(rt, deep) > 5000 * 32); /* iterative: fine */
    mor_decref(rt, deep);
    a_rc_same(&rc);
    assert_true(mor_sizeof(inst) > 0);
    assert_true(mor_deep_sizeof(rt, mor_none(rt)) == 0);
    mor_decref(rt, d);
    mor_decref(rt, l);
    mor_decref(rt, it);
    mor_decref(rt, fn);
    mor_decref(rt, inst);
    mor_decref(rt, cls);
    a_usable(rt);
}

static void test_graph_dot_bad(void **state)
{
    T_RT;
    mor_obj *l = mor_list(rt, 0);
    assert_int_equal(mor_list_append(rt, l, l), 0);
    a_rcs rc = A_RC(l);
    FILE *out = fopen("/dev/null", "w");
    assert_non_null(out);
    A_NEG(rt, mor_graph_dot(rt, l, 3, MOR_GRAPH_REFERENTS, NULL), MOR_EXC_TYPE, "out is NULL");
    A_NEG(rt, mor_graph_dot(rt, l, 3, 2, out), MOR_EXC_VALUE, "unknown direction 2");
    A_NEG(rt, mor_graph_dot(rt, l, 3, ~0u, out), MOR_EXC_VALUE, "unknown direction");
    /* any depth: a negative one draws the root alone */
    assert_int_equal(mor_graph_dot(rt, l, -5, MOR_GRAPH_REFERENTS, out), 0);
    assert_int_equal(mor_graph_dot(rt, l, INT32_MAX, MOR_GRAPH_REFERRERS, out), 0);
    A_NOEXC(rt);
    fclose(out);
    a_rc_same(&rc);
    mor_decref(rt, mor_list_pop(rt, l, 0)); /* the cycle */
    mor_decref(rt, l);
    a_usable(rt);
}

/* The failure injection takes any count: UINT64_MAX never fails, 1 fails the
 * next allocation (and its retry) and the runtime goes on. */
static void test_alloc_fail_extremes(void **state)
{
    T_RT;
    mor_alloc_fail_after(rt, UINT64_MAX);
    a_usable(rt);
    mor_alloc_fail_after(rt, 1);
    A_NULL(rt, mor_list(rt, 0), MOR_EXC_MEMORY, "out of memory");
    a_usable(rt); /* the countdown is spent */
    mor_alloc_fail_after(rt, 2);
    mor_alloc_fail_after(rt, 0); /* off again */
    a_usable(rt);
    mor_rusage ru;
    assert_int_equal(mor_get_rusage(&ru), 0);
    assert_true(ru.max_rss_bytes > 0);
    assert_int_equal(mor_trace_overhead(rt), 0); /* never traced */
}

static void test_trace_bad(void **state)
{
    T_RT;
    int bad[] = {0, -1, 65, 1000, INT32_MIN, INT32_MAX};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        A_NEG(rt, mor_trace_start(rt, bad[i]), MOR_EXC_VALUE,
              "the number of frames must be in the range [1; 64]");
        A_NEG(rt, mor_trace_start_sampled(rt, bad[i], 4096), MOR_EXC_VALUE, "[1; 64]");
        assert_false(mor_trace_is_tracing(rt));
    }
    /* with tracing off: nothing to snapshot; the rest does nothing */
    A_NULL(rt, mor_trace_snapshot(rt), MOR_EXC_RUNTIME, "must be tracing memory allocations");
    mor_trace_stop(rt);
    mor_trace_clear(rt);
    mor_trace_reset_peak(rt);
    mor_trace_pop_frame(rt);                            /* an empty frame stack: harmless */
    mor_profile_mark(rt, __FILE__, __LINE__, __func__); /* ignored: tracing is off */
    mor_profile_clear(rt);
    size_t cur = 1, peak = 1;
    mor_trace_get_memory(rt, &cur, &peak);
    assert_int_equal(cur, 0);
    assert_int_equal(peak, 0);
    A_NEG(rt, mor_trace_push_frame(rt, NULL, 1), MOR_EXC_TYPE, "file is NULL");
    A_NEG(rt, mor_gc_trace_start(rt, NULL), MOR_EXC_TYPE, "out is NULL");
    mor_gc_trace_stop(rt); /* not started: harmless */
    A_NOEXC(rt);

    /* snapshots: wrong objects, NULL patterns, unknown keys */
    assert_int_equal(mor_trace_start(rt, 1), 0);
    mor_profile_mark(rt, NULL, 1, NULL); /* no file: ignored */
    mor_obj *snap = mor_trace_snapshot(rt);
    assert_non_null(snap);
    mor_obj *l = mor_list(rt, 0);
    a_rcs rc = A_RC(snap, l);
    A_NULL(rt, mor_snapshot_filter(rt, l, "*", true), MOR_EXC_TYPE,
           "mor_snapshot_filter: expected a snapshot, got 'list'");
    A_NULL(rt, mor_snapshot_filter(rt, snap, NULL, true), MOR_EXC_TYPE, "pattern is NULL");
    A_NULL(rt, mor_snapshot_statistics(rt, l, "lineno"), MOR_EXC_TYPE,
           "mor_snapshot_statistics: expected a snapshot, got 'list'");
    const char *keys[] = {"", "line", "LINENO", "lineno ", "filenames"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        char want[64];
        snprintf(want, sizeof(want), "unknown key_type: %s", keys[i]);
        A_NULL(rt, mor_snapshot_statistics(rt, snap, keys[i]), MOR_EXC_VALUE, want);
        A_NULL(rt, mor_snapshot_compare(rt, snap, snap, keys[i]), MOR_EXC_VALUE, want);
    }
    A_NULL(rt, mor_snapshot_statistics(rt, snap, NULL), MOR_EXC_VALUE, "unknown key_type: NULL");
    A_NULL(rt, mor_snapshot_compare(rt, l, snap, "lineno"), MOR_EXC_TYPE, "got 'list'");
    A_NULL(rt, mor_snapshot_compare(rt, snap, mor_none(rt), "lineno"), MOR_EXC_TYPE,
           "got 'NoneType'");
    a_rc_same(&rc);
    mor_obj *st = mor_snapshot_statistics(rt, snap, "filename"); /* still fine */
    assert_true(mor_is_list(st));
    mor_decref(rt, st);
    mor_decref(rt, snap);
    mor_decref(rt, l);
    mor_trace_stop(rt);
    a_usable(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T_TEST(test_copy_bad),
        T_TEST(test_graph_dot_bad),
        T_TEST(test_alloc_fail_extremes),
        T_TEST(test_trace_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
