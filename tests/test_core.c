/* tests/test_core.c: the runtime handle, refcounting and immortality, errors,
 * the allocation funnel (statistics, failure injection), bounded-stack
 * deallocation of deep chains, the leak report, and runtimes in threads. */
#include <pthread.h>
#include <unistd.h>

#include "testutil.h"

static void test_rt_config(void **state)
{
    (void)state;
    mor_config c;
    mor_config_init(&c);
    assert_int_equal(c.small_int_min, -5);
    assert_int_equal(c.small_int_max, 256);
    assert_int_equal(c.gc_threshold[0], 700);
    assert_int_equal(c.gc_threshold[1], 10);
    assert_int_equal(c.gc_threshold[2], 10);
    assert_int_equal(c.recursion_limit, 1000);
    /* an invalid config is refused */
    c.small_int_min = 5;
    assert_null(mor_rt_new(&c));
    mor_config_init(&c);
    c.recursion_limit = 0;
    assert_null(mor_rt_new(&c));
    /* NULL config: defaults */
    mor_rt *rt = mor_rt_new(NULL);
    assert_non_null(rt);
    assert_int_equal(mor_rt_live_objects(rt), 0);
    mor_rt_free(rt);
    mor_rt_free(NULL); /* harmless */
}

static void test_immortal(void **state)
{
    T_RT;
    mor_obj *objs[] = {mor_none(rt), mor_bool(rt, true), mor_bool(rt, false), mor_int(rt, 7),
                       mor_str(rt, ""), mor_tuple(rt, 0), mor_bytes(rt, "", 0)};
    for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++) {
        assert_non_null(objs[i]);
        assert_true(mor_is_immortal(objs[i]));
        for (int k = 0; k < 1000; k++)
            mor_incref(objs[i]);
        for (int k = 0; k < 5000; k++)
            mor_decref(rt, objs[i]);
        assert_int_equal(mor_refcount(objs[i]), MOR_REFCNT_IMMORTAL);
    }
    assert_ptr_equal(mor_tuple(rt, 0), mor_tuple_from(rt, 0, NULL));
    assert_ptr_equal(mor_str(rt, ""), mor_str_n(rt, "x", 0));
    assert_string_equal(mor_type_name(mor_none(rt)), "NoneType");
    assert_string_equal(mor_type_name(mor_bool(rt, true)), "bool");
    assert_int_equal(mor_rt_live_objects(rt), 0);
}

static void test_refcount(void **state)
{
    T_RT;
    T_NEEDS_RC("exact reference counts (libmor-boehm keeps none)");
    mor_obj *l = mor_list(rt, 0);
    assert_int_equal(mor_refcount(l), 1);
    mor_incref(l);
    assert_int_equal(mor_refcount(l), 2);
    mor_obj *t = mor_tuple(rt, 2, l, l);
    assert_int_equal(mor_refcount(l), 4);
    mor_decref(rt, t);
    assert_int_equal(mor_refcount(l), 2);
    mor_decref(rt, l);
    assert_int_equal(mor_rt_live_objects(rt), 1);
    mor_decref(rt, l);
    assert_int_equal(mor_rt_live_objects(rt), 0);
    mor_xdecref(rt, NULL);
    assert_ptr_equal(mor_type_of(mor_none(rt)), mor_type_of(mor_none(rt)));
}

/* ---- errors ------------------------------------------------------------------------ */

static void test_raise_fetch_clear(void **state)
{
    T_RT;
    assert_int_equal(mor_err_kind(rt), MOR_EXC_NONE);
    assert_string_equal(mor_err_message(rt), "");
    assert_null(mor_err_fetch(rt));
    mor_raise(rt, MOR_EXC_VALUE, "bad value %d", 42);
    assert_int_equal(mor_err_kind(rt), MOR_EXC_VALUE);
    assert_string_equal(mor_err_message(rt), "bad value 42");
    /* a new raise replaces the pending one */
    mor_raise(rt, MOR_EXC_KEY, "'k'");
    assert_int_equal(mor_err_kind(rt), MOR_EXC_KEY);
    mor_obj *e = mor_err_fetch(rt);
    assert_non_null(e);
    assert_int_equal(mor_err_kind(rt), MOR_EXC_NONE);
    assert_int_equal(mor_exc_kind(e), MOR_EXC_KEY);
    assert_string_equal(mor_exc_message(e), "'k'");
    t_assert_repr(rt, e, "KeyError(\"'k'\")");
    /* raise it again */
    mor_raise_obj(rt, e);
    assert_int_equal(mor_err_kind(rt), MOR_EXC_KEY);
    mor_err_clear(rt);
    mor_decref(rt, e);
    /* raising a non-exception is a TypeError */
    mor_raise_obj(rt, mor_none(rt));
    t_expect_exc(rt, MOR_EXC_TYPE, "exceptions must be exception objects");
    /* every kind has a name */
    for (int k = MOR_EXC_TYPE; k < MOR_EXC_COUNT_; k++) {
        mor_obj *x = mor_exc_new(rt, (mor_exc)k, "m%d", k);
        assert_non_null(x);
        assert_int_equal(mor_exc_kind(x), k);
        assert_true(strlen(mor_exc_name((mor_exc)k)) > 4);
        mor_decref(rt, x);
    }
    assert_string_equal(mor_exc_name(MOR_EXC_OS), "OSError");
    assert_string_equal(mor_exc_name(MOR_EXC_ZERO_DIVISION), "ZeroDivisionError");
    assert_null(mor_exc_new(rt, MOR_EXC_NONE, "x"));
    t_expect_exc(rt, MOR_EXC_VALUE, "invalid exception kind");
}

static void test_stop_iteration_value(void **state)
{
    T_RT;
    mor_obj *v = mor_list(rt, 0);
    mor_raise_stop(rt, v);
    mor_obj *e = mor_err_fetch(rt);
    assert_int_equal(mor_exc_kind(e), MOR_EXC_STOP_ITERATION);
    mor_obj *got = mor_exc_value(rt, e);
    assert_ptr_equal(got, v);
    mor_decref(rt, got);
    mor_decref(rt, e);
    mor_raise_stop(rt, NULL);
    e = mor_err_fetch(rt);
    got = mor_exc_value(rt, e);
    assert_ptr_equal(got, mor_none(rt));
    mor_decref(rt, e);
    mor_decref(rt, v);
}

/* invalid UTF-8 in a message is replaced, never rejected */
static void test_message_lossy(void **state)
{
    T_RT;
    mor_raise(rt, MOR_EXC_VALUE, "bad byte \xff here");
    assert_non_null(strstr(mor_err_message(rt), "bad byte "));
    mor_err_clear(rt);
}

static void test_unraisable_hook(void **state)
{
    T_RT;
    unraisable_log log = {0};
    mor_set_unraisable_hook(rt, log_unraisable, &log);
    mor_err_write_unraisable(rt, "nothing"); /* nothing pending: not called */
    assert_int_equal(log.n, 0);
    mor_raise(rt, MOR_EXC_RUNTIME, "oops");
    mor_err_write_unraisable(rt, "a test");
    assert_int_equal(log.n, 1);
    assert_int_equal(log.kind, MOR_EXC_RUNTIME);
    assert_string_equal(log.where, "a test");
    assert_int_equal(mor_err_kind(rt), MOR_EXC_NONE);
    mor_set_unraisable_hook(rt, NULL, NULL); /* back to the default */
}

/* ---- the allocation funnel ---------------------------------------------------------- */

static void test_alloc_stats(void **state)
{
    T_RT;
    T_NEEDS_RC("per-block allocator statistics and pools (Boehm owns the heap)");
    mor_alloc_stats before, after;
    mor_alloc_get_stats(rt, &before);
    assert_non_null(before.backend);
    mor_obj *l = mor_list(rt, 0);
    for (int i = 0; i < 100; i++) {
        mor_obj *x = mor_float(rt, i + 0.5);
        mor_list_append_steal(rt, l, x);
    }
    mor_alloc_get_stats(rt, &after);
    assert_true(after.live_bytes > before.live_bytes);
    assert_true(after.live_blocks >= before.live_blocks + 101);
    assert_true(after.peak_bytes >= after.live_bytes);
    assert_int_equal(after.live_objects, before.live_objects + 101);
    mor_decref(rt, l);
    /* churn floats: the pool serves them */
    for (int i = 0; i < 1000; i++)
        mor_decref(rt, mor_float(rt, i * 1.5));
    mor_alloc_get_stats(rt, &after);
    assert_int_equal(after.live_objects, before.live_objects);
    /* what is not in use sits in the pools */
    assert_int_equal(after.live_bytes - after.pooled_bytes, before.live_bytes - before.pooled_bytes);
    assert_true(after.pooled_blocks >= 1);
    assert_string_equal(after.pools[0].name, "float");
    assert_true(after.pools[0].hits >= 999);
    /* the report */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    mor_alloc_print_stats(rt, f);
    fclose(f);
    assert_non_null(strstr(buf, "mor allocator statistics"));
    assert_non_null(strstr(buf, "float"));
    free(buf);
}

static void test_alloc_fail_nth(void **state)
{
    T_RT;
    mor_obj *l = mor_list(rt, 0);
    mor_alloc_stats st;
    /* the next allocation fails: the list grows by a realloc of its items */
    mor_alloc_fail_after(rt, 1);
    assert_int_equal(mor_list_append(rt, l, mor_none(rt)), -1);
    t_expect_exc(rt, MOR_EXC_MEMORY, "out of memory");
    assert_int_equal(mor_len(rt, l), 0);
    mor_alloc_get_stats(rt, &st);
    assert_true(st.failed_allocs >= 1);
    assert_true(st.emergency_collections >= 1);
    /* and then everything works again */
    assert_int_equal(mor_list_append(rt, l, mor_none(rt)), 0);
    assert_int_equal(mor_len(rt, l), 1);
    /* failing the 1st, 2nd, ... allocation of a bigger operation never leaks */
    int failures = 0;
    for (uint64_t k = 1; k < 40; k++) {
        mor_alloc_fail_after(rt, k);
        mor_obj *t = mor_tuple(rt, 3, l, mor_none(rt), l);
        mor_obj *d = t ? mor_dict(rt) : NULL;
        mor_obj *key = d ? mor_str(rt, "a key that is not cached") : NULL;
        int rc = key ? mor_dict_set(rt, d, key, t) : -1;
        mor_xdecref(rt, t);
        mor_xdecref(rt, d);
        mor_xdecref(rt, key);
        if (rc < 0) {
            failures++;
            t_expect_exc(rt, MOR_EXC_MEMORY, NULL);
        }
        if (!T_BOEHM) /* Boehm keeps no object count */
            assert_int_equal(mor_rt_live_objects(rt), 1);
    }
    assert_true(failures >= 4); /* tuple, dict, str, dict table */
    mor_alloc_fail_after(rt, 0);
    mor_decref(rt, l);
    assert_int_equal(mor_rt_live_objects(rt), 0);
}

typedef struct fail_ctl {
    int calls;
    size_t fail_above;
} fail_ctl;

static bool fail_big(void *ud, size_t size)
{
    fail_ctl *c = ud;
    c->calls++;
    return size > c->fail_above;
}

static void test_alloc_fail_callback(void **state)
{
    (void)state;
    fail_ctl ctl = {0, 4096};
    mor_config c;
    mor_config_init(&c);
    c.alloc_fail = fail_big;
    c.alloc_fail_ud = &ctl;
    mor_rt *rt = t_rt_new_cfg(&c);
    mor_obj *l = mor_list(rt, 0);
    int rc = 0;
    for (int i = 0; i < 10000 && rc == 0; i++)
        rc = mor_list_append(rt, l, mor_none(rt));
    assert_int_equal(rc, -1); /* the items array outgrew 4096 bytes */
    t_expect_exc(rt, MOR_EXC_MEMORY, NULL);
    assert_true(mor_len(rt, l) > 400 && mor_len(rt, l) <= 512);
    assert_true(ctl.calls > 0);
    mor_decref(rt, l);
    mor_rt_free(rt);
}

static void test_alloc_fail_at_config(void **state)
{
    (void)state;
    mor_config c;
    mor_config_init(&c);
    c.alloc_fail_nth = 1; /* the first allocation after mor_rt_new */
    mor_rt *rt = t_rt_new_cfg(&c);
    assert_null(mor_list(rt, 0));
    t_expect_exc(rt, MOR_EXC_MEMORY, NULL);
    mor_obj *l = mor_list(rt, 0);
    assert_non_null(l);
    mor_decref(rt, l);
    mor_rt_free(rt);
}

/* ---- bounded-stack deallocation ------------------------------------------------------ */

#define DEEP t_scale(1000000)

typedef struct deep_job {
    int kind; /* 0 lists, 1 tuples, 2 dicts */
    size_t live_after;
} deep_job;

static void *deep_chain_thread(void *arg)
{
    deep_job *job = arg;
    mor_config c;
    mor_config_init(&c);
    c.leaks = MOR_LEAKS_REPORT;
    mor_rt *rt = mor_rt_new(&c);
    mor_obj *key = mor_str_const(rt, "next");
    mor_obj *head = mor_none(rt);
    for (int i = 0; i < DEEP; i++) {
        mor_obj *n;
        if (job->kind == 0) {
            n = mor_list(rt, 1, head);
        } else if (job->kind == 1) {
            n = mor_tuple(rt, 1, head);
        } else {
            n = mor_dict(rt);
            mor_dict_set(rt, n, key, head);
        }
        mor_decref(rt, head);
        head = n;
    }
    mor_decref(rt, head); /* frees the whole chain */
    mor_decref(rt, key);
    job->live_after = mor_rt_live_objects(rt);
    mor_rt_free(rt);
    return NULL;
}

/* A chain of a million nested containers is freed on a 256 KiB thread stack:
 * recursion would need far more. */
static void test_deep_chains_small_stack(void **state)
{
    (void)state;
    for (int kind = 0; kind < 3; kind++) {
        deep_job job = {kind, 12345};
        t_run_small_stack(deep_chain_thread, &job);
        assert_int_equal(job.live_after, 0);
    }
}

/* ---- leak report -------------------------------------------------------------------------- */

static void test_leak_report(void **state)
{
    (void)state;
    if (!t_backend_frees_leaks())
        skip();
    char path[] = "/tmp/mor-leak-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    mor_config c;
    mor_config_init(&c);
    c.leaks = MOR_LEAKS_REPORT;
    mor_rt *rt = mor_rt_new(&c);
    mor_obj *l = mor_list(rt, 0);
    mor_obj *s = mor_str(rt, "leaked string");
    mor_list_append(rt, l, s);
    assert_int_equal(mor_rt_live_objects(rt), 2);
    mor_rt_free(rt); /* reports both, then frees everything */
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    char buf[4096] = {0};
    lseek(fd, 0, SEEK_SET);
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    unlink(path);
    assert_true(n > 0);
    assert_non_null(strstr(buf, "2 objects still alive"));
    if (strstr(buf, "cannot list") == NULL) { /* the malloc backend gives counts only */
        assert_non_null(strstr(buf, "list at 0x"));
        assert_non_null(strstr(buf, "str at 0x"));
        assert_non_null(strstr(buf, "refcount 1"));
        assert_non_null(strstr(buf, "refcount 2"));
    }
}

/* ---- two runtimes in two threads ------------------------------------------------------------ */

typedef struct thread_job {
    int seed;
    int64_t sum;
    size_t live_after;
} thread_job;

static void *busy_thread(void *arg)
{
    thread_job *job = arg;
    mor_rt *rt = mor_rt_new(NULL);
    int64_t total = 0;
    for (int round = 0; round < 50; round++) {
        mor_obj *d = mor_dict(rt);
        mor_obj *l = mor_list(rt, 0);
        for (int i = 0; i < 2000; i++) {
            mor_obj *k = mor_int(rt, job->seed * 100000 + i);
            mor_obj *v = mor_str_fmt(rt, "value-%d-%d", job->seed, i);
            mor_dict_set(rt, d, k, v);
            mor_list_append(rt, l, v);
            mor_decref(rt, k);
            mor_decref(rt, v);
        }
        total += mor_len(rt, d) + mor_len(rt, l);
        mor_decref(rt, d);
        mor_decref(rt, l);
    }
    job->sum = total;
    job->live_after = mor_rt_live_objects(rt);
    mor_rt_free(rt);
    return NULL;
}

static void test_two_threads(void **state)
{
    (void)state;
    pthread_t th[2];
    thread_job jobs[2] = {{1, 0, 1}, {2, 0, 1}};
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, busy_thread, &jobs[i]), 0);
    for (int i = 0; i < 2; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(jobs[i].sum, 50 * 4000);
        assert_int_equal(jobs[i].live_after, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rt_config),
        T_TEST(test_immortal),
        T_TEST(test_refcount),
        T_TEST(test_raise_fetch_clear),
        T_TEST(test_stop_iteration_value),
        T_TEST(test_message_lossy),
        T_TEST(test_unraisable_hook),
        T_TEST(test_alloc_stats),
        T_TEST(test_alloc_fail_nth),
        cmocka_unit_test(test_alloc_fail_callback),
        cmocka_unit_test(test_alloc_fail_at_config),
        cmocka_unit_test(test_deep_chains_small_stack),
        cmocka_unit_test(test_leak_report),
        cmocka_unit_test(test_two_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
