/* tests/test_stress.c: seeded random nested containers, built, mutated,
 * compared with their copies, and dropped; ten million objects with random
 * lifetimes under automatic collection; two runtimes stressed at once in two
 * threads. Nothing may leak. The seed is printed so that a failure can be
 * replayed (MOR_STRESS_SEED=n). */
#include <pthread.h>
#include <stdlib.h>

#include "testutil.h"

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t rng_next(rng *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return r->s;
}

static int rng_below(rng *r, int n) { return (int)(rng_next(r) % (uint64_t)n); }

/* A random atom: small or big int, float, str, None, bytes. */
static mor_obj *random_atom(mor_rt *rt, rng *r)
{
    switch (rng_below(r, 6)) {
    case 0: return mor_int(rt, rng_below(r, 600) - 300);
    case 1: return mor_int(rt, (int64_t)rng_next(r));
    case 2: return mor_float(rt, (double)rng_below(r, 1000) / 7.0);
    case 3: return mor_str_fmt(rt, "s%d", rng_below(r, 50));
    case 4: return mor_none(rt);
    default: return mor_bytes(rt, "xyz", (size_t)rng_below(r, 4));
    }
}

/* A random container holding objects from the pool (and atoms). */
static mor_obj *random_container(mor_rt *rt, rng *r, mor_obj **pool, int npool)
{
    int n = rng_below(r, 8);
    mor_obj *items[8];
    for (int i = 0; i < n; i++)
        items[i] = (npool > 0 && rng_below(r, 2)) ? mor_newref(pool[rng_below(r, npool)])
                                                  : random_atom(rt, r);
    mor_obj *c = NULL;
    switch (rng_below(r, 4)) {
    case 0: c = mor_tuple_from(rt, (size_t)n, items); break;
    case 1:
        c = mor_list(rt, 0);
        for (int i = 0; i < n; i++)
            mor_list_append(rt, c, items[i]);
        break;
    case 2:
        c = mor_dict(rt);
        for (int i = 0; i < n; i++) {
            mor_obj *k = random_atom(rt, r);
            if (mor_dict_set(rt, c, k, items[i]) < 0)
                mor_err_clear(rt);
            mor_decref(rt, k);
        }
        break;
    default:
        c = mor_set(rt);
        for (int i = 0; i < n; i++)
            if (mor_set_add(rt, c, items[i]) < 0)
                mor_err_clear(rt); /* unhashable: fine */
        break;
    }
    for (int i = 0; i < n; i++)
        mor_decref(rt, items[i]);
    return c;
}

static void stress_round(mor_rt *rt, rng *r)
{
    enum { POOL = 300 };
    mor_obj *pool[POOL];
    int npool = 0;
    for (int i = 0; i < POOL; i++) {
        mor_obj *c = random_container(rt, r, pool, npool);
        pool[npool++] = c;
    }
    /* mutate: append random pool members into random lists (no cycles are
     * made through a list into itself directly, since the collector comes in
     * step 2; a list only takes objects created before it) */
    for (int k = 0; k < 2000; k++) {
        int a = rng_below(r, POOL), b = rng_below(r, POOL);
        if (b < a && mor_is_list(pool[a]))
            mor_list_append(rt, pool[a], pool[b]);
    }
    /* every container equals its deep copy and has a repr */
    for (int i = 0; i < POOL; i += 7) {
        mor_obj *c = mor_deepcopy(rt, pool[i]);
        if (c == NULL) {
            /* very deep structures may hit the recursion limit: fine */
            assert_int_equal(mor_err_kind(rt), MOR_EXC_RECURSION);
            mor_err_clear(rt);
            continue;
        }
        int eq = mor_eq(rt, c, pool[i]);
        if (eq < 0) {
            assert_int_equal(mor_err_kind(rt), MOR_EXC_RECURSION);
            mor_err_clear(rt);
        } else {
            assert_int_equal(eq, 1);
        }
        mor_decref(rt, c);
        mor_obj *rep = mor_repr(rt, pool[i]);
        if (rep == NULL)
            mor_err_clear(rt);
        mor_xdecref(rt, rep);
    }
    /* drop in a random order */
    for (int i = POOL - 1; i > 0; i--) {
        int j = rng_below(r, i + 1);
        mor_obj *t = pool[i];
        pool[i] = pool[j];
        pool[j] = t;
    }
    for (int i = 0; i < POOL; i++)
        mor_decref(rt, pool[i]);
}

static void test_random_nested(void **state)
{
    T_RT;
    const char *env = getenv("MOR_STRESS_SEED");
    uint64_t seed = env ? strtoull(env, NULL, 10) : 20261122;
    printf("stress seed %llu\n", (unsigned long long)seed);
    rng r = {seed | 1};
    for (int round = 0; round < t_scale(40); round++) {
        stress_round(rt, &r);
        assert_int_equal(mor_err_kind(rt), MOR_EXC_NONE);
        assert_int_equal(mor_rt_live_objects(rt), 0);
    }
}

/* ---- random lifetimes under automatic collection ------------------------------------------ */

enum {
    LT_INT, LT_FLOAT, LT_STR, LT_TUPLE, LT_LIST, LT_DICT, LT_SET, LT_OBJ, LT_SLOT, LT_GEN,
    LT_NKINDS
};
/* Live slots: an object lives until a later one lands on its slot; one in
 * eight goes to the long-lived part, where that takes 32 times longer. */
#define LT_SHORT 2048
#define LT_POOL (LT_SHORT * 33)
#define LT_WEAK 64   /* weak references kept, oldest replaced first */

/* What a run did; filled by the thread that runs it (no cmocka there). */
typedef struct lt_stats {
    int64_t made[LT_NKINDS];
    int64_t dels, dels_in_gc;            /* __del__ calls, those run by a collection */
    int64_t collections[3], collected;   /* as the gc callbacks saw them */
    int64_t auto_collections[3];         /* before the final explicit collection */
    int64_t weak_made, weak_calls, weak_alive_at_end, weak_calls_at_end;
    int64_t links;                       /* two-object cycles made */
    mor_gc_stats stats[3];
    size_t live_after;
    bool failed;
} lt_stats;

/* The run on this thread: its callbacks count into it. */
typedef struct lt_ctx {
    lt_stats *st;
    bool in_gc;
} lt_ctx;
static _Thread_local lt_ctx lt_cur;

static mor_obj *lt_del(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data;
    (void)nargs;
    (void)args;
    lt_cur.st->dels++;
    lt_cur.st->dels_in_gc += lt_cur.in_gc;
    return mor_none(rt);
}

static mor_obj *lt_weak_cb(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data;
    (void)nargs;
    (void)args;
    lt_cur.st->weak_calls++;
    return mor_none(rt);
}

static void lt_gc_cb(mor_rt *rt, const mor_gc_info *info, void *ud)
{
    (void)rt;
    (void)ud;
    lt_ctx *c = &lt_cur;
    c->in_gc = info->phase == MOR_GC_START;
    if (info->phase == MOR_GC_STOP) {
        c->st->collections[info->generation]++;
        c->st->collected += info->collected;
    }
}

static mor_obj *lt_gen_step(mor_rt *rt, mor_gen *g, mor_obj *sent)
{
    MOR_GEN_BEGIN(g);
    MOR_GEN_YIELD(g, mor_none(rt));
    MOR_GEN_END(g);
}

/* A slot, three times in four among the short-lived ones: new objects refer
 * mostly to recent ones, so that back references close cycles. */
static int lt_slot(rng *r)
{
    return rng_below(r, 4) ? rng_below(r, LT_SHORT) : rng_below(r, LT_POOL);
}

static mor_obj *lt_pick(mor_rt *rt, mor_obj **pool, rng *r)
{
    mor_obj *o = pool[lt_slot(r)];
    return o != NULL ? o : mor_none(rt);
}

static mor_obj *lt_make(mor_rt *rt, int kind, mor_obj *obj_cls, mor_obj *slot_cls,
                        mor_obj **pool, rng *r)
{
    mor_obj *a = lt_pick(rt, pool, r), *b = lt_pick(rt, pool, r), *o = NULL, *k;
    mor_obj *ab[2] = {a, b};
    switch (kind) {
    case LT_INT: return mor_int(rt, (int64_t)(rng_next(r) >> 1));
    case LT_FLOAT: return mor_float(rt, (double)rng_below(r, 1000) / 8.0);
    case LT_STR: return mor_str_fmt(rt, "s%d", rng_below(r, 100000));
    case LT_TUPLE: return mor_tuple_from(rt, 2, ab);
    case LT_LIST: return mor_list(rt, 1, a);
    case LT_DICT:
        o = mor_dict(rt);
        k = mor_int(rt, 0);
        if (o != NULL && mor_dict_set(rt, o, k, a) < 0)
            mor_err_clear(rt);
        return o;
    case LT_SET:
        o = mor_set(rt);
        if (o != NULL && mor_set_add(rt, o, a) < 0)
            mor_err_clear(rt); /* unhashable: an empty set then */
        return o;
    case LT_OBJ: return mor_call(rt, obj_cls, 2, ab);
    case LT_SLOT: return mor_call(rt, slot_cls, 2, ab);
    default:
        o = mor_gen_new(rt, "g", lt_gen_step, 1, 0);
        if (o != NULL)
            mor_gen_locals((mor_gen *)o)[0] = mor_newref(a);
        return o;
    }
}

/* Make `from` refer to `to` if it can hold more references: 1 done, 0 not
 * a holder (or full), -1 error. */
static int lt_refer(mor_rt *rt, mor_obj *from, mor_obj *to)
{
    if (mor_is_list(from))
        return mor_len(rt, from) < 8 ? (mor_list_append(rt, from, to) < 0 ? -1 : 1) : 0;
    if (mor_is_dict(from))
        return mor_setitem(rt, from, mor_int(rt, 1), to) < 0 ? -1 : 1; /* small ints are immortal */
    if (mor_type_name(from)[0] == 'O' || mor_type_name(from)[0] == 'S')
        return mor_setattr(rt, from, "b", to) < 0 ? -1 : 1;
    return 0;
}

/* An older object and the new one refer to each other: a cycle, which only
 * the collector frees once both left the pool. */
static void lt_link_pair(mor_rt *rt, mor_obj *old, mor_obj *o, lt_stats *st)
{
    int a = lt_refer(rt, old, o), b = a > 0 ? lt_refer(rt, o, old) : 0;
    if (a < 0 || b < 0)
        st->failed = true;
    st->links += a > 0 && b > 0;
}

/* n objects of random kinds, each referring to up to two live ones, living
 * until a random later one takes its slot; a quarter also form a cycle
 * with an older one, some get a weak reference with a callback. */
static void lifetimes_run(uint64_t seed, int n, lt_stats *st)
{
    memset(st, 0, sizeof(*st));
    mor_config cfg;
    mor_config_init(&cfg);
    cfg.leaks = MOR_LEAKS_REPORT;
    cfg.hash_seed = 1;
    mor_rt *rt = mor_rt_new(&cfg);
    if (rt == NULL) {
        st->failed = true;
        return;
    }
    lt_cur = (lt_ctx){st, false};
    mor_gc_add_callback(rt, lt_gc_cb, NULL);
    const char *const fields[] = {"a", "b", NULL};
    mor_obj *obj_cls = mor_class_new(rt, "Obj", fields, MOR_CLASS_DICT);
    mor_obj *slot_cls = mor_class_new(rt, "Slot", fields, MOR_CLASS_SLOTS);
    mor_obj *del = mor_func_new(rt, "__del__", lt_del, NULL);
    mor_obj *wcb = mor_func_new(rt, "weak_cb", lt_weak_cb, NULL);
    if (!obj_cls || !slot_cls || !del || !wcb ||
        mor_class_set_attr(rt, obj_cls, "__del__", del) < 0) {
        st->failed = true;
        return;
    }
    mor_obj **pool = calloc(LT_POOL, sizeof(mor_obj *));
    mor_obj *weak[LT_WEAK] = {0};
    rng r = {seed | 1};
    for (int i = 0; i < n && !st->failed; i++) {
        int kind = rng_below(&r, LT_NKINDS);
        mor_obj *o = lt_make(rt, kind, obj_cls, slot_cls, pool, &r);
        if (o == NULL) {
            st->failed = true;
            break;
        }
        st->made[kind]++;
        if (rng_below(&r, 4) == 0) {
            mor_obj *old = pool[lt_slot(&r)];
            if (old != NULL)
                lt_link_pair(rt, old, o, st);
        }
        if ((kind == LT_OBJ || kind == LT_SLOT || kind == LT_GEN) && rng_below(&r, 64) == 0) {
            mor_obj **w = &weak[st->weak_made++ % LT_WEAK];
            mor_xdecref(rt, *w);
            *w = mor_weakref(rt, o, wcb);
        }
        int slot = rng_below(&r, 8) ? rng_below(&r, LT_SHORT) : rng_below(&r, LT_POOL);
        mor_obj *old = pool[slot];
        pool[slot] = o;
        mor_xdecref(rt, old);
    }
    for (int g = 0; g < 3; g++)
        st->auto_collections[g] = st->collections[g];
    /* the weak references still watching a live object: each must call back */
    for (int i = 0; i < LT_WEAK; i++) {
        mor_obj *t = weak[i] ? mor_weakref_get(rt, weak[i]) : NULL;
        st->weak_alive_at_end += t != NULL && t != mor_none(rt);
        mor_xdecref(rt, t);
    }
    int64_t calls_before = st->weak_calls;
    for (int i = 0; i < LT_POOL; i++)
        mor_xdecref(rt, pool[i]);
    free(pool);
    mor_gc_collect(rt, -1);
    st->weak_calls_at_end = st->weak_calls - calls_before;
    for (int i = 0; i < LT_WEAK; i++)
        mor_xdecref(rt, weak[i]);
    mor_obj *rest[] = {obj_cls, slot_cls, del, wcb};
    for (size_t i = 0; i < sizeof(rest) / sizeof(*rest); i++)
        mor_decref(rt, rest[i]);
    mor_gc_collect(rt, -1);
    for (int g = 0; g < 3; g++)
        mor_gc_get_stats(rt, g, &st->stats[g]);
    st->live_after = mor_rt_live_objects(rt);
    if (mor_err_kind(rt) != MOR_EXC_NONE)
        st->failed = true;
    mor_rt_free(rt);
}

static void lifetimes_check(const lt_stats *st, int n)
{
    assert_false(st->failed);
    int64_t made = 0;
    for (int k = 0; k < LT_NKINDS; k++)
        made += st->made[k];
    assert_int_equal(made, n);
    /* every object died: none left, every Obj finalized exactly once */
    assert_int_equal(st->live_after, 0);
    assert_int_equal(st->dels, st->made[LT_OBJ]);
    /* the callbacks saw every collection the statistics counted */
    int64_t collected = 0;
    for (int g = 0; g < 3; g++) {
        assert_int_equal(st->collections[g], (int64_t)st->stats[g].collections);
        collected += (int64_t)st->stats[g].collected;
    }
    assert_int_equal(st->collected, collected);
    /* every weak reference watching a live object at the end called back */
    assert_int_equal(st->weak_calls_at_end, st->weak_alive_at_end);
    assert_true(st->weak_calls <= st->weak_made);
}

static void test_random_lifetimes(void **state)
{
    T_NEEDS_RC("the cycle collector's generations and counts (and a pool in memory Boehm does not scan)");
    (void)state;
    const char *env = getenv("MOR_STRESS_SEED");
    uint64_t seed = env ? strtoull(env, NULL, 10) : 20261123;
    printf("lifetimes seed %llu\n", (unsigned long long)seed);
    int n = t_scale(10000000);
    lt_stats st;
    lifetimes_run(seed, n, &st);
    lifetimes_check(&st, n);
    printf("  %lld objects, %lld two-object cycles, collections %lld/%lld/%lld, %lld collected, "
           "%lld __del__ (%lld in a collection), %lld weakref callbacks\n",
           (long long)n, (long long)st.links, (long long)st.collections[0],
           (long long)st.collections[1], (long long)st.collections[2], (long long)st.collected,
           (long long)st.dels, (long long)st.dels_in_gc, (long long)st.weak_calls);
    /* automatic collections of every generation did the work */
    assert_true(st.auto_collections[0] > 0 && st.auto_collections[1] > 0);
    /* a full one only once the survivors outgrow a quarter of the long-lived
     * (the throttle): the quick run is too short for that */
    if (!getenv("MOR_QUICK"))
        assert_true(st.auto_collections[2] > 0);
    assert_true(st.dels_in_gc > 0 && st.links > 0 && st.collected > 0);
}

/* ---- two runtimes in two threads at once ---------------------------------------------------- */

typedef struct lt_job {
    uint64_t seed;
    int n;
    lt_stats st;
} lt_job;

static void *lt_thread(void *arg)
{
    lt_job *job = arg;
    lifetimes_run(job->seed, job->n, &job->st);
    return NULL;
}

/* Both threads run the same seeded workload on their own runtime at the same
 * time: no shared state means both see exactly what a lone run sees. */
static void test_two_runtimes_in_threads(void **state)
{
    T_NEEDS_RC("the cycle collector's counts, in threads the Boehm collector does not know");
    (void)state;
    int n = t_scale(500000);
    lt_job jobs[2] = {{.seed = 777, .n = n}, {.seed = 777, .n = n}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, lt_thread, &jobs[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    lt_stats alone;
    lifetimes_run(777, n, &alone);
    lifetimes_check(&alone, n);
    for (int i = 0; i < 2; i++) {
        const lt_stats *st = &jobs[i].st;
        lifetimes_check(st, n);
        assert_memory_equal(st->made, alone.made, sizeof(alone.made));
        assert_memory_equal(st->collections, alone.collections, sizeof(alone.collections));
        assert_int_equal(st->collected, alone.collected);
        assert_int_equal(st->dels_in_gc, alone.dels_in_gc);
        assert_int_equal(st->weak_calls, alone.weak_calls);
        assert_int_equal(st->links, alone.links);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T_TEST(test_random_nested),
        cmocka_unit_test(test_random_lifetimes),
        cmocka_unit_test(test_two_runtimes_in_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
