/* tests/test_both.c: what both memory managers promise, written so that a
 * conservative tracing collector can keep it. Under refcounting the objects
 * die at their last decref; under libmor-boehm they die at a later
 * mor_gc_collect, and only once no word anywhere (stack, registers) still
 * looks like their address. So the objects are made in noinline helpers, the
 * stack is scrubbed before collecting, and where Boehm may still retain a few
 * objects conservatively the assertion says so. */
#include <pthread.h>
#include <stdio.h>

#include "testutil.h"

#include "core/rt.h" /* rt->interned */

/* ---- helpers ------------------------------------------------------------------------------ */

/* Collect until nothing more dies (at most 4 rounds), scrubbing first. */
static void t_collect(mor_rt *rt)
{
    t_scrub_stack();
    for (int i = 0; i < 4; i++)
        mor_gc_collect(rt, -1);
}

/* How many of `made` objects must be seen dead: all under refcounting; under
 * a conservative collector a few may be kept by a stray word. */
static int t_min_dead(int made) { return T_BOEHM ? made * 9 / 10 : made; }

/* __del__ / callbacks log: appends its first argument (or data) to a list. */
static mor_obj *t_log_arg(mor_rt *rt, mor_obj *log, size_t nargs, mor_obj *const *args)
{
    if (mor_list_append(rt, log, nargs > 0 ? mor_none(rt) : log) < 0)
        return NULL;
    return mor_none(rt);
}

static mor_obj *t_class_with_del(mor_rt *rt, const char *name, unsigned flags, mor_obj *log)
{
    static const char *const fields[] = {"other", NULL};
    mor_obj *cls = mor_class_new(rt, name, fields, flags);
    assert_non_null(cls);
    mor_obj *del = mor_func_new(rt, "__del__", t_log_arg, log);
    assert_non_null(del);
    assert_int_equal(mor_class_set_attr(rt, cls, "__del__", del), 0);
    mor_decref(rt, del);
    return cls;
}

/* n instances of cls, dropped; with `ring`, in 2-cycles through "other". */
static __attribute__((noinline)) void t_make_garbage(mor_rt *rt, mor_obj *cls, int n, bool ring)
{
    for (int i = 0; i < n; i += 2) {
        mor_obj *a = mor_call(rt, cls, 0, NULL), *b = mor_call(rt, cls, 0, NULL);
        assert_non_null(a);
        assert_non_null(b);
        if (ring) {
            assert_int_equal(mor_setattr(rt, a, "other", b), 0);
            assert_int_equal(mor_setattr(rt, b, "other", a), 0);
        }
        mor_decref(rt, a);
        mor_decref(rt, b);
    }
}

static int t_len(mor_rt *rt, mor_obj *o)
{
    int64_t n = mor_len(rt, o);
    assert_true(n >= 0);
    return (int)n;
}

/* ---- finalizers --------------------------------------------------------------------------- */

static void del_runs_once(mor_rt *rt, unsigned flags, bool ring)
{
    mor_obj *log = mor_list(rt, 0);
    mor_obj *cls = t_class_with_del(rt, "Node", flags, log);
    t_make_garbage(rt, cls, 200, ring);
    t_collect(rt);
    int dead = t_len(rt, log);
    assert_true(dead >= t_min_dead(200));
    assert_true(dead <= 200);
    t_collect(rt); /* each __del__ ran at most once: nothing runs again */
    assert_true(t_len(rt, log) <= 200);
    mor_decref(rt, cls);
    mor_gc_collect(rt, -1);
    mor_decref(rt, log);
}

static void test_del_once_dict(void **state) { del_runs_once(*state, MOR_CLASS_DICT, false); }
static void test_del_once_slots(void **state) { del_runs_once(*state, MOR_CLASS_SLOTS, false); }
static void test_del_once_cycles(void **state) { del_runs_once(*state, MOR_CLASS_SLOTS, true); }

/* ---- weak references ----------------------------------------------------------------------- */

/* n instances, each with a weakref (callback logging) kept in refs. */
static __attribute__((noinline)) void t_make_weak_targets(mor_rt *rt, mor_obj *cls, mor_obj *cb,
                                                          mor_obj *refs, mor_obj *keep, int n)
{
    for (int i = 0; i < n; i++) {
        mor_obj *o = mor_call(rt, cls, 0, NULL);
        assert_non_null(o);
        mor_obj *wr = mor_weakref(rt, o, cb);
        assert_non_null(wr);
        assert_int_equal(mor_list_append(rt, refs, wr), 0);
        if (i % 4 == 0) /* a quarter stays alive */
            assert_int_equal(mor_list_append(rt, keep, o), 0);
        mor_decref(rt, wr);
        mor_decref(rt, o);
    }
}

static void test_weakref_callbacks(void **state)
{
    T_RT;
    mor_obj *log = mor_list(rt, 0), *refs = mor_list(rt, 0), *keep = mor_list(rt, 0);
    mor_obj *cls = mor_class_new(rt, "Target", NULL, MOR_CLASS_DICT);
    mor_obj *cb = mor_func_new(rt, "cb", t_log_arg, log);
    t_make_weak_targets(rt, cls, cb, refs, keep, 400);
    t_collect(rt);
    int dead = 0;
    for (int i = 0; i < 400; i++) {
        mor_obj *idx = mor_int(rt, i);
        mor_obj *wr = mor_getitem(rt, refs, idx);
        mor_decref(rt, idx);
        mor_obj *t = mor_weakref_get(rt, wr);
        if (i % 4 == 0) /* the kept ones live */
            assert_ptr_not_equal(t, mor_none(rt));
        dead += t == mor_none(rt);
        mor_decref(rt, t);
        mor_decref(rt, wr);
    }
    assert_true(dead >= t_min_dead(300));
    assert_true(dead <= 300);
    assert_int_equal(t_len(rt, log), dead); /* one callback per death, none for the living */
    /* the living still die later, with their callbacks */
    mor_decref(rt, keep);
    t_collect(rt);
    if (!T_BOEHM) /* under Boehm this frame still holds keep's address */
        assert_int_equal(t_len(rt, log), 400);
    mor_decref(rt, refs);
    mor_decref(rt, cb);
    mor_decref(rt, cls);
    mor_decref(rt, log);
}

static __attribute__((noinline)) void t_fill_weak_values(mor_rt *rt, mor_obj *cls, mor_obj *d,
                                                         mor_obj *keep, int n)
{
    for (int i = 0; i < n; i++) {
        mor_obj *v = mor_call(rt, cls, 0, NULL), *k = mor_int(rt, i);
        assert_int_equal(mor_setitem(rt, d, k, v), 0);
        if (i % 2 == 0)
            assert_int_equal(mor_list_append(rt, keep, v), 0);
        mor_decref(rt, k);
        mor_decref(rt, v);
    }
}

static void test_weak_value_dict_after_collect(void **state)
{
    T_RT;
    mor_obj *cls = mor_class_new(rt, "V", NULL, MOR_CLASS_DICT);
    mor_obj *d = mor_weak_value_dict(rt), *keep = mor_list(rt, 0);
    t_fill_weak_values(rt, cls, d, keep, 200);
    t_collect(rt);
    int n = t_len(rt, d);
    print_message("weak value dict: %d of 200 entries left, %d values kept\n", n, t_len(rt, keep));
    assert_true(n >= 100); /* the kept half stays */
    assert_true(n <= 100 + (200 - 100 - t_min_dead(100)));
    mor_obj *k0 = mor_int(rt, 0);
    assert_int_equal(mor_contains(rt, d, k0), 1);
    mor_decref(rt, k0);
    mor_decref(rt, keep);
    t_collect(rt);
    if (T_BOEHM) /* this frame still holds keep's address: Boehm may keep it all */
        assert_true(t_len(rt, d) <= n);
    else
        assert_int_equal(t_len(rt, d), 0);
    mor_decref(rt, d);
    mor_decref(rt, cls);
}

/* ---- the intern table holds its strings weakly -------------------------------------------- */

static __attribute__((noinline)) void t_intern_many(mor_rt *rt, int n)
{
    for (int i = 0; i < n; i++) {
        mor_obj *s = mor_str_fmt(rt, "interned-%d", i);
        mor_obj *c = mor_intern(rt, s);
        assert_ptr_equal(c, s);
        mor_decref(rt, c);
        mor_decref(rt, s);
    }
}

static void test_intern_table_weak(void **state)
{
    T_RT;
    size_t before = rt->interned.used;
    t_intern_many(rt, 1000);
    t_collect(rt);
    size_t after = rt->interned.used;
    assert_true(after >= before);
    assert_true(after - before <= (size_t)(1000 - t_min_dead(1000)));
    /* an equal string interned again is a fresh canonical one */
    mor_obj *s = mor_str(rt, "interned-7"), *c = mor_intern(rt, s);
    assert_ptr_equal(c, s);
    assert_true(mor_str_is_interned(s));
    mor_decref(rt, c);
    mor_decref(rt, s);
}

/* ---- generators close when they die ------------------------------------------------------ */

typedef struct gen_probe {
    int cleanups;
} gen_probe;

typedef struct gen_state {
    gen_probe *probe;
    int64_t i;
} gen_state;

static mor_obj *counting_step(mor_rt *rt, mor_gen *g, mor_obj *sent)
{
    (void)sent;
    gen_state *s = mor_gen_cstate(g);
    MOR_GEN_BEGIN(g);
    for (s->i = 0;; s->i++)
        MOR_GEN_YIELD(g, mor_int(rt, s->i));
    MOR_GEN_FINALLY(g);
    s = mor_gen_cstate(g);
    if (s->probe != NULL)
        s->probe->cleanups++;
    MOR_GEN_END(g);
}

static __attribute__((noinline)) void t_drop_suspended_gens(mor_rt *rt, gen_probe *p, int n)
{
    for (int i = 0; i < n; i++) {
        mor_obj *g = mor_gen_new(rt, "counting", counting_step, 0, sizeof(gen_state));
        assert_non_null(g);
        ((gen_state *)mor_gen_cstate((mor_gen *)g))->probe = p;
        mor_obj *v = mor_next(rt, g);
        assert_non_null(v);
        mor_decref(rt, v);
        mor_decref(rt, g);
    }
}

static void test_generator_cleanup_on_death(void **state)
{
    T_RT;
    /* static: a generator Boehm still keeps runs its cleanup at mor_rt_free,
     * after this frame is gone */
    static gen_probe p;
    p.cleanups = 0;
    t_drop_suspended_gens(rt, &p, 100);
    t_collect(rt);
    assert_true(p.cleanups >= t_min_dead(100));
    assert_true(p.cleanups <= 100);
    int seen = p.cleanups;
    t_collect(rt);
    assert_true(p.cleanups <= 100 && p.cleanups >= seen); /* never twice */
}

/* ---- mor_finalize (weakref.finalize) ------------------------------------------------------ */

/* n targets, each with a finalizer logging into log; the finalizer objects
 * (kept alive by the runtime's registry) are collected in fins. */
static __attribute__((noinline)) void t_make_finalized(mor_rt *rt, mor_obj *cls, mor_obj *fn,
                                                       mor_obj *fins, int n)
{
    for (int i = 0; i < n; i++) {
        mor_obj *o = mor_call(rt, cls, 0, NULL);
        assert_non_null(o);
        mor_obj *f = mor_finalize(rt, o, fn, NULL);
        assert_non_null(f);
        assert_true(mor_finalize_alive(rt, f));
        assert_int_equal(mor_list_append(rt, fins, f), 0);
        mor_decref(rt, f);
        mor_decref(rt, o);
    }
}

static void test_finalize_on_death_both(void **state)
{
    T_RT;
    mor_obj *log = mor_list(rt, 0), *fins = mor_list(rt, 0);
    mor_obj *cls = mor_class_new(rt, "F", NULL, MOR_CLASS_SLOTS);
    mor_obj *fn = mor_func_new(rt, "fin", t_log_arg, log);
    t_make_finalized(rt, cls, fn, fins, 100);
    t_collect(rt);
    int ran = t_len(rt, log);
    assert_true(ran >= t_min_dead(100) && ran <= 100);
    int dead = 0;
    for (int i = 0; i < 100; i++) {
        mor_obj *idx = mor_int(rt, i), *f = mor_getitem(rt, fins, idx);
        dead += !mor_finalize_alive(rt, f);
        mor_decref(rt, f);
        mor_decref(rt, idx);
    }
    assert_int_equal(dead, ran); /* each ran once, and then it is dead */
    t_collect(rt);
    assert_int_equal(t_len(rt, log), ran);
    mor_decref(rt, fins);
    mor_decref(rt, fn);
    mor_decref(rt, cls);
    mor_decref(rt, log);
}

/* ---- two runtimes in two threads: each runs its own finalizers ----------------------------- */

typedef struct thread_job {
    pthread_t self;
    int wrong_thread, dels;
} thread_job;

static mor_obj *t_del_check_thread(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)nargs;
    (void)args;
    thread_job *job;
    memcpy(&job, mor_bytes_data(data, NULL), sizeof(job));
    job->dels++;
    if (!pthread_equal(pthread_self(), job->self))
        job->wrong_thread++;
    return mor_none(rt);
}

static void *garbage_thread(void *arg)
{
    thread_job *job = arg;
    job->self = pthread_self();
    mor_rt *rt = mor_rt_new(NULL);
    if (rt == NULL)
        return NULL;
    mor_obj *data = mor_bytes(rt, (const char *)&job, sizeof(job));
    mor_obj *cls = mor_class_new(rt, "T", NULL, MOR_CLASS_SLOTS);
    mor_obj *del = mor_func_new(rt, "__del__", t_del_check_thread, data);
    mor_class_set_attr(rt, cls, "__del__", del);
    for (int round = 0; round < t_scale(200); round++) {
        for (int i = 0; i < 50; i++) {
            mor_obj *o = mor_call(rt, cls, 0, NULL);
            if (o != NULL)
                mor_decref(rt, o);
        }
        mor_gc_collect(rt, 0);
    }
    mor_decref(rt, del);
    mor_decref(rt, cls);
    mor_decref(rt, data);
    mor_rt_free(rt);
    return NULL;
}

static void test_two_runtimes_own_finalizers(void **state)
{
    (void)state;
    thread_job jobs[2] = {{0}, {0}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, garbage_thread, &jobs[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(jobs[i].wrong_thread, 0);
        assert_true(jobs[i].dels > 0);
    }
}

/* ---- what libmor-boehm documents for the refcount-only API --------------------------------- */

static void test_boehm_documented_values(void **state)
{
    T_RT;
    if (!T_BOEHM)
        skip(); /* the refcounting values are tested in test_core and test_gc */
    mor_obj *l = mor_list(rt, 0);
    mor_incref(l);
    assert_int_equal(mor_refcount(l), 1); /* there are no counts */
    assert_false(mor_gc_is_tracked(l));
    assert_int_equal(mor_rt_live_objects(rt), 0);
    mor_gc_freeze(rt);
    assert_int_equal(mor_gc_get_freeze_count(rt), 0);
    mor_gc_unfreeze(rt);
    mor_obj *objs = mor_gc_get_objects(rt, -1);
    assert_int_equal(mor_len(rt, objs), 0);
    mor_obj *refs = mor_gc_get_referrers(rt, l);
    assert_int_equal(mor_len(rt, refs), 0);
    mor_alloc_stats st;
    mor_alloc_get_stats(rt, &st);
    assert_string_equal(st.backend, "boehm");
    assert_true(st.live_bytes > 0);
    assert_true(st.peak_bytes >= st.live_bytes);
    assert_int_equal(st.live_objects, 0);
    assert_int_equal(st.live_blocks, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T_TEST(test_del_once_dict),
        T_TEST(test_del_once_slots),
        T_TEST(test_del_once_cycles),
        T_TEST(test_weakref_callbacks),
        T_TEST(test_weak_value_dict_after_collect),
        T_TEST(test_intern_table_weak),
        T_TEST(test_generator_cleanup_on_death),
        T_TEST(test_finalize_on_death_both),
        cmocka_unit_test(test_two_runtimes_own_finalizers),
        T_TEST(test_boehm_documented_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
