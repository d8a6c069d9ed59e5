/* tests/test_weak.c: weakref.finalize, the weak dictionaries and the address
 * map behind the weak reference side table. Targets are native function
 * objects (weak-referenceable, hashable by identity). */
#include "core/rt.h"
#include "testutil.h"

#include "core/ptrmap.h"

static mor_obj *noop(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data;
    (void)nargs;
    (void)args;
    return mor_newref(mor_none(rt));
}

static mor_obj *target(mor_rt *rt) { return mor_func_new(rt, "target", noop, NULL); }

/* Appends its arguments (as a tuple) to the list in data. */
static mor_obj *record_call(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    mor_obj *t = mor_tuple_from(rt, nargs, args);
    if (t == NULL)
        return NULL;
    int r = mor_list_append(rt, data, t);
    mor_decref(rt, t);
    return r < 0 ? NULL : mor_int(rt, 7);
}

static mor_obj *fail_call(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data;
    (void)nargs;
    (void)args;
    mor_raise(rt, MOR_EXC_VALUE, "finalizer failed");
    return NULL;
}

static void test_finalize_on_death(void **state)
{
    T_RT;
    T_NEEDS_RC("an object freed or finalized at its last decref (Boehm finds it only at a collection)");
    mor_obj *log = mor_list(rt, 0);
    mor_obj *fn = mor_func_new(rt, "record", record_call, log);
    mor_obj *t = target(rt);
    mor_obj *a = mor_int(rt, 1), *b = mor_str(rt, "two");
    mor_obj *args = mor_tuple(rt, 2, a, b);
    mor_obj *f = mor_finalize(rt, t, fn, args);
    assert_non_null(f);
    assert_true(mor_finalize_alive(rt, f));
    mor_obj *peek = mor_finalize_peek(rt, f);
    assert_true(mor_is_tuple(peek));
    size_t n;
    mor_obj *const *items = mor_seq_items(peek, &n);
    assert_int_equal(n, 3);
    assert_ptr_equal(items[0], t);
    assert_ptr_equal(items[1], fn);
    mor_decref(rt, peek);
    mor_decref(rt, t); /* the target dies: fn(1, 'two') runs once */
    assert_false(mor_finalize_alive(rt, f));
    t_assert_repr(rt, log, "[(1, 'two')]");
    /* calling a dead finalizer does nothing */
    mor_obj *r = mor_call(rt, f, 0, NULL);
    assert_ptr_equal(r, mor_none(rt));
    t_assert_repr(rt, log, "[(1, 'two')]");
    peek = mor_finalize_peek(rt, f);
    assert_ptr_equal(peek, mor_none(rt));
    mor_obj *objs[] = {log, fn, a, b, args, f};
    for (size_t i = 0; i < sizeof(objs) / sizeof(*objs); i++)
        mor_decref(rt, objs[i]);
}

static void test_finalize_call_and_detach(void **state)
{
    T_RT;
    mor_obj *log = mor_list(rt, 0);
    mor_obj *fn = mor_func_new(rt, "record", record_call, log);
    mor_obj *t = target(rt);
    /* called early: runs now, once, returns fn's result */
    mor_obj *f = mor_finalize(rt, t, fn, NULL);
    mor_obj *r = mor_call(rt, f, 0, NULL);
    assert_non_null(r);
    t_assert_repr(rt, r, "7");
    mor_decref(rt, r);
    t_assert_repr(rt, log, "[()]");
    assert_false(mor_finalize_alive(rt, f));
    mor_decref(rt, f);
    /* detached: never runs */
    mor_obj *f2 = mor_finalize(rt, t, fn, NULL);
    mor_obj *info = mor_finalize_detach(rt, f2);
    assert_true(mor_is_tuple(info));
    mor_decref(rt, info);
    assert_false(mor_finalize_alive(rt, f2));
    mor_decref(rt, f2);
    mor_decref(rt, t);
    t_assert_repr(rt, log, "[()]");
    /* bad arguments */
    mor_obj *t2 = target(rt);
    assert_null(mor_finalize(rt, t2, fn, log));
    t_expect_exc(rt, MOR_EXC_TYPE, "args must be a tuple");
    assert_null(mor_finalize(rt, log, fn, NULL));
    t_expect_exc(rt, MOR_EXC_TYPE, "cannot create weak reference to 'list' object");
    assert_false(mor_finalize_alive(rt, log));
    mor_decref(rt, t2);
    mor_decref(rt, fn);
    mor_decref(rt, log);
}

typedef struct unraisable_count {
    int n;
} unraisable_count;

static void count_unraisable(mor_rt *rt, mor_obj *exc, const char *where, void *ud)
{
    (void)rt;
    (void)exc;
    (void)where;
    ((unraisable_count *)ud)->n++;
}

static void test_finalize_error(void **state)
{
    T_RT;
    T_NEEDS_RC("an object freed or finalized at its last decref (Boehm finds it only at a collection)");
    unraisable_count uc = {0};
    mor_set_unraisable_hook(rt, count_unraisable, &uc);
    mor_obj *bad = mor_func_new(rt, "bad", fail_call, NULL);
    mor_obj *t = target(rt);
    mor_obj *f = mor_finalize(rt, t, bad, NULL);
    mor_decref(rt, f); /* the registry keeps it alive */
    mor_raise(rt, MOR_EXC_KEY, "pending");
    mor_decref(rt, t);     /* the finalizer raises: the error goes to the hook */
    assert_int_equal(uc.n, 1);
    t_expect_exc(rt, MOR_EXC_KEY, "pending"); /* the pending one survived */
    mor_decref(rt, bad);
    mor_set_unraisable_hook(rt, NULL, NULL);
}

/* Shutdown order: a finalizer whose target is still alive at mor_rt_free. */
static int shutdown_calls;

static mor_obj *count_call(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data;
    (void)nargs;
    (void)args;
    shutdown_calls++;
    return mor_newref(mor_none(rt));
}

static void test_finalize_at_rt_free(void **state)
{
    (void)state;
    if (!t_backend_frees_leaks())
        skip();
    mor_config c;
    mor_config_init(&c);
    c.leaks = MOR_LEAKS_IGNORE; /* the target is left alive on purpose */
    mor_rt *rt = mor_rt_new(&c);
    shutdown_calls = 0;
    mor_obj *fn = mor_func_new(rt, "count", count_call, NULL);
    mor_obj *t = target(rt);
    mor_decref(rt, mor_finalize(rt, t, fn, NULL));
    mor_decref(rt, fn);
    assert_int_equal(shutdown_calls, 0);
    mor_rt_free(rt); /* t is still alive: the finalizer runs here */
    assert_int_equal(shutdown_calls, 1);
}

/* ---- weak value dictionaries ---------------------------------------------------------- */

/* A collection that runs at the allocation of mor_finalize_peek's or
 * mor_finalize_detach's tuple must not free the target they read (found by
 * the graph fuzzer: the target was borrowed across that allocation). */
static void test_finalize_info_during_collection(void **state)
{
    T_NEEDS_RC("a cycle collection forced at an allocation (rt->gc), which libmor-boehm replaces");
    T_RT;
    for (int detach = 0; detach < 2; detach++) {
        mor_obj *log = mor_list(rt, 0);
        mor_obj *fn = mor_func_new(rt, "record", record_call, log);
        mor_obj *box = mor_list(rt, 0);
        mor_obj *t = mor_func_new(rt, "target", noop, box);
        assert_int_equal(mor_list_append(rt, box, t), 0); /* t -> box -> t */
        mor_obj *f = mor_finalize(rt, t, fn, NULL);
        mor_decref(rt, box);
        mor_decref(rt, t); /* cyclic garbage now */
        rt->gc.full_due = rt->gc.pending = true; /* collect at the next GC allocation */
        mor_obj *info = detach ? mor_finalize_detach(rt, f) : mor_finalize_peek(rt, f);
        assert_false(rt->gc.pending); /* the collection did run */
        size_t n;
        mor_obj *const *items = mor_seq_items(info, &n);
        assert_true(items != NULL && n == 3 && items[0] == t); /* held, so it lived */
        assert_int_equal(mor_len(rt, log), 0);
        mor_decref(rt, info);
        assert_int_equal(mor_gc_collect(rt, -1), 2);
        assert_int_equal(mor_len(rt, log), detach ? 0 : 1);
        assert_false(mor_finalize_alive(rt, f));
        mor_decref(rt, f);
        mor_decref(rt, fn);
        mor_decref(rt, log);
    }
}

static void test_weak_value_dict(void **state)
{
    T_RT;
    T_NEEDS_RC("an object freed or finalized at its last decref (Boehm finds it only at a collection)");
    mor_obj *d = mor_weak_value_dict(rt);
    mor_obj *k1 = mor_str(rt, "one"), *k2 = mor_str(rt, "two");
    mor_obj *v1 = target(rt), *v2 = target(rt);
    assert_int_equal(mor_setitem(rt, d, k1, v1), 0);
    assert_int_equal(mor_setitem(rt, d, k2, v2), 0);
    assert_int_equal(mor_len(rt, d), 2);
    mor_obj *got = mor_getitem(rt, d, k1);
    assert_ptr_equal(got, v1);
    mor_decref(rt, got);
    assert_int_equal(mor_contains(rt, d, k2), 1);
    /* the value dies: the entry vanishes */
    mor_decref(rt, v1);
    assert_int_equal(mor_len(rt, d), 1);
    assert_null(mor_getitem(rt, d, k1));
    t_expect_exc(rt, MOR_EXC_KEY, "'one'");
    assert_int_equal(mor_contains(rt, d, k1), 0);
    /* delete */
    assert_int_equal(mor_delitem(rt, d, k2), 0);
    assert_int_equal(mor_delitem(rt, d, k2), -1);
    t_expect_exc(rt, MOR_EXC_KEY, "'two'");
    assert_int_equal(mor_len(rt, d), 0);
    mor_obj *objs[] = {d, k1, k2, v2};
    for (size_t i = 0; i < sizeof(objs) / sizeof(*objs); i++)
        mor_decref(rt, objs[i]);
}

static void test_weak_value_dict_iteration(void **state)
{
    T_RT;
    T_NEEDS_RC("an object freed or finalized at its last decref (Boehm finds it only at a collection)");
    mor_obj *d = mor_weak_value_dict(rt);
    mor_obj *keys[4], *vals[4];
    for (int i = 0; i < 4; i++) {
        keys[i] = mor_int(rt, i);
        vals[i] = target(rt);
        mor_setitem(rt, d, keys[i], vals[i]);
    }
    mor_obj *it = mor_iter(rt, d);
    mor_obj *first = mor_next(rt, it);
    assert_non_null(first);
    /* values die while iterating: removals wait */
    mor_decref(rt, vals[2]);
    vals[2] = NULL;
    mor_decref(rt, vals[3]);
    vals[3] = NULL;
    assert_int_equal(mor_len(rt, d), 2); /* len discounts the pending removals */
    /* a new value stored under a key whose old value died must survive the
     * old value's pending removal (CPython issue #28427) */
    vals[3] = target(rt);
    mor_setitem(rt, d, keys[3], vals[3]);
    int seen = 1;
    mor_obj *x;
    while ((x = mor_next(rt, it)) != NULL) { /* dead ones are skipped */
        seen++;
        mor_decref(rt, x);
    }
    assert_int_equal(mor_err_kind(rt), MOR_EXC_NONE);
    assert_int_equal(seen, 3);
    mor_decref(rt, it); /* iteration over: removals are committed */
    assert_int_equal(mor_len(rt, d), 3);
    assert_int_equal(mor_contains(rt, d, keys[2]), 0);
    mor_obj *got = mor_getitem(rt, d, keys[3]);
    assert_ptr_equal(got, vals[3]);
    mor_decref(rt, got);
    mor_decref(rt, first);
    for (int i = 0; i < 4; i++) {
        mor_decref(rt, keys[i]);
        mor_xdecref(rt, vals[i]);
    }
    assert_int_equal(mor_len(rt, d), 0);
    mor_decref(rt, d);
}

/* ---- weak key dictionaries -------------------------------------------------------------- */

static void test_weak_key_dict(void **state)
{
    T_RT;
    T_NEEDS_RC("an object freed or finalized at its last decref (Boehm finds it only at a collection)");
    mor_obj *d = mor_weak_key_dict(rt);
    mor_obj *k1 = target(rt), *k2 = target(rt);
    mor_obj *v = mor_list(rt, 0);
    assert_int_equal(mor_setitem(rt, d, k1, v), 0);
    assert_int_equal(mor_setitem(rt, d, k2, v), 0);
    assert_int_equal(mor_len(rt, d), 2);
    mor_obj *got = mor_getitem(rt, d, k1);
    assert_ptr_equal(got, v);
    mor_decref(rt, got);
    /* a key that cannot be weakly referenced is simply not there */
    mor_obj *s = mor_str(rt, "not weak");
    assert_int_equal(mor_contains(rt, d, s), 0);
    assert_int_equal(mor_setitem(rt, d, s, v), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "cannot create weak reference to 'str' object");
    /* iterating gives the live keys */
    mor_obj *keys = mor_list_from(rt, d);
    assert_int_equal(mor_len(rt, keys), 2);
    mor_decref(rt, keys);
    /* the key dies: the entry vanishes */
    mor_decref(rt, k1);
    assert_int_equal(mor_len(rt, d), 1);
    assert_int_equal(mor_contains(rt, d, k2), 1);
    assert_int_equal(mor_delitem(rt, d, k2), 0);
    assert_int_equal(mor_len(rt, d), 0);
    mor_decref(rt, k2);
    mor_decref(rt, v);
    mor_decref(rt, s);
    mor_decref(rt, d);
}

/* The dictionary dies before its values: their callbacks find it gone. */
static void test_weak_dict_dies_first(void **state)
{
    T_RT;
    mor_obj *d = mor_weak_value_dict(rt);
    mor_obj *k = mor_int(rt, 1), *v = target(rt);
    mor_setitem(rt, d, k, v);
    mor_decref(rt, d);
    mor_decref(rt, v);
    mor_decref(rt, k);
    assert_int_equal(mor_rt_live_objects(rt), 0);
}

/* ---- the address map (core/ptrmap.h) ------------------------------------------------------- */

/* Keys are addresses in a static arena (never dereferenced): n keys `stride`
 * bytes apart from `base`. Inserts and removals in a scrambled order are
 * checked against the expected contents after every step that matters: the
 * removal shifts entries back, so every remaining key must stay reachable. */
static char t_arena[1 << 20] __attribute__((aligned(1 << 16)));

static const void *t_key(size_t i, size_t stride) { return t_arena + 16 + i * stride; }

static void t_check_map(mori_ptrmap *m, const bool *in, size_t n, size_t stride)
{
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        void *v = mori_ptrmap_get(m, t_key(i, stride));
        if (in[i]) {
            assert_ptr_equal(v, (void *)(uintptr_t)(i + 1));
            used++;
        } else {
            assert_null(v);
        }
    }
    assert_int_equal(m->used, used);
}

static void t_map_round(mor_rt *rt, size_t n, size_t stride)
{
    static bool in[65536];
    assert_true(n <= 65536 && 16 + n * stride <= sizeof(t_arena));
    memset(in, 0, n);
    mori_ptrmap m;
    mori_ptrmap_init(&m, MORI_MEM_ATOMIC);
    uint64_t x = 88172645463325252ull; /* xorshift: a fixed scrambled order */
    for (size_t step = 0; step < 4 * n; step++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t i = (size_t)(x % n);
        if (in[i]) {
            void *v = mori_ptrmap_remove(&m, t_key(i, stride));
            assert_ptr_equal(v, (void *)(uintptr_t)(i + 1));
            in[i] = false;
        } else {
            void **slot = mori_ptrmap_slot(rt, &m, t_key(i, stride));
            assert_non_null(slot);
            assert_null(*slot); /* a new key */
            *slot = (void *)(uintptr_t)(i + 1);
            in[i] = true;
        }
        if (step % 97 == 0)
            t_check_map(&m, in, n, stride);
    }
    t_check_map(&m, in, n, stride);
    /* replacing never allocates; removing an absent key is a no-op */
    for (size_t i = 0; i < n; i++) {
        if (in[i]) {
            mor_alloc_fail_after(rt, 1);
            void *v = (void *)(uintptr_t)(i + 1);
            assert_int_equal(mori_ptrmap_put(rt, &m, t_key(i, stride), v), 0);
            mor_alloc_fail_after(rt, 0);
        } else {
            assert_null(mori_ptrmap_remove(&m, t_key(i, stride)));
        }
    }
    /* emptied, every chunk table stays, empty, for reuse */
    size_t tables = m.nchunks;
    for (size_t i = 0; i < n; i++)
        if (in[i])
            mori_ptrmap_remove(&m, t_key(i, stride));
    assert_int_equal(m.used, 0);
    assert_int_equal(m.nempty, m.nchunks);
    assert_int_equal(m.nchunks, tables);
    /* keys elsewhere take the empty tables before any new one is allocated */
    mor_alloc_stats before, after;
    mor_alloc_get_stats(rt, &before);
    for (size_t i = 0; i < tables; i++) {
        const void *far = t_arena + sizeof(t_arena) - 8 - i * 65536 - (i % 5) * 16;
        assert_int_equal(mori_ptrmap_put(rt, &m, far, (void *)far), 0);
        assert_ptr_equal(mori_ptrmap_get(&m, far), far);
    }
    mor_alloc_get_stats(rt, &after);
    assert_int_equal(after.total_allocs, before.total_allocs);
    assert_int_equal(m.nempty, 0);
    mori_ptrmap_free(rt, &m);
}

static void test_ptrmap(void **state)
{
    T_RT;
    mor_alloc_stats before, after;
    mor_alloc_get_stats(rt, &before);
    t_map_round(rt, 4096, 16);   /* a key in every granule of a chunk */
    t_map_round(rt, 3000, 48);   /* a few chunks, keys at an odd stride of granules */
    t_map_round(rt, 20000, 32);  /* ten chunks, dense: grows the directory */
    t_map_round(rt, 200, 4096);  /* sparse: a key per page, a dozen per chunk */
    t_map_round(rt, 4, 1 << 16); /* a key per chunk */
    mor_alloc_get_stats(rt, &after);
    if (!T_BOEHM) /* there the funnel does not count frees */
        assert_int_equal(after.live_bytes, before.live_bytes);
}

/* A failed allocation leaves the map unchanged, whether it was for a new
 * chunk table, the directory, or a chunk table's growth. */
static void test_ptrmap_oom(void **state)
{
    T_RT;
    mori_ptrmap m;
    mori_ptrmap_init(&m, MORI_MEM_ATOMIC);
    size_t n = 0, failed = 0;
    for (size_t i = 0; i < 600; i++) {
        const void *k = t_key(i * 7 % 600, 112); /* 600 keys over two chunks */
        mor_alloc_fail_after(rt, 1);
        void **slot = mori_ptrmap_slot(rt, &m, k);
        mor_alloc_fail_after(rt, 0);
        if (slot == NULL) {
            failed++;
            t_expect_exc(rt, MOR_EXC_MEMORY, "");
            assert_int_equal(m.used, n);
            assert_null(mori_ptrmap_get(&m, k));
            slot = mori_ptrmap_slot(rt, &m, k);
            assert_non_null(slot);
        }
        *slot = (void *)k;
        n++;
    }
    assert_int_equal(m.used, 600);
    /* each allocation failed once: the directory, the first chunk table's seven
     * growths, the second one's creation (it starts at the first one's size) */
    assert_true(failed >= 9);
    for (size_t i = 0; i < 600; i++)
        assert_ptr_equal(mori_ptrmap_get(&m, t_key(i, 112)), t_key(i, 112));
    mori_ptrmap_free(rt, &m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T_TEST(test_finalize_on_death),
        T_TEST(test_finalize_call_and_detach),
        T_TEST(test_finalize_error),
        cmocka_unit_test(test_finalize_at_rt_free),
        T_TEST(test_finalize_info_during_collection),
        T_TEST(test_weak_value_dict),
        T_TEST(test_weak_value_dict_iteration),
        T_TEST(test_weak_key_dict),
        T_TEST(test_weak_dict_dies_first),
        T_TEST(test_ptrmap),
        T_TEST(test_ptrmap_oom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
