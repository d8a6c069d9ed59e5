/* tests/test_stress.c: seeded random nested containers, built, mutated,
 * compared with their copies, and dropped; nothing may leak. The seed is
 * printed so that a failure can be replayed (MOR_STRESS_SEED=n). */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        T_TEST(test_random_nested),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
