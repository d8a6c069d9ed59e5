/* tests/test_deep.c: very deep and self-referencing structures. Chains a
 * million deep of every container kind (and of instances with finalizers),
 * freed by refcounting and, closed into rings, by the collector, on a
 * 256 KiB thread stack; repr, eq, hash, deepcopy and deep_sizeof of
 * self-referencing and 100,000-deep structures give the right answer or a
 * RecursionError, never a crash, and leave the runtime usable. */
#include <pthread.h>

#include "testutil.h"

/* ---- chains a million deep ----------------------------------------------------------------- */

typedef enum chain_kind {
    CH_LIST,
    CH_TUPLE,
    CH_DICT,
    CH_SET, /* {W(next)}: a set holds hashable items, so a slots instance links the levels */
    CH_DINST,
    CH_SINST,
    CH_GEN, /* a generator whose first local is the next */
    CH_MIXED, /* all of the above in turn, the instances with __del__ */
    CH_NKINDS
} chain_kind;

static const char *const chain_names[CH_NKINDS] = {"list", "tuple", "dict", "set",
                                                   "dict instance", "slots instance",
                                                   "generator", "mixed"};

/* Per-thread counters: a job's thread is the only one touching its runtime
 * and these (each thread has its own job). */
typedef struct chain_job {
    chain_kind kind;
    bool ring;
    int n;                 /* objects in the chain */
    int made, finalizable; /* counted while building */
    int dels, cleanups;    /* __del__ calls, generator cleanups */
    int64_t found;         /* the collection's unreachable count (rings) */
    size_t live_after;
    bool failed;
} chain_job;

static __thread chain_job *cur_job;

static mor_obj *chain_del(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data;
    (void)nargs;
    (void)args;
    cur_job->dels++;
    return mor_none(rt);
}

static mor_obj *chain_gen_step(mor_rt *rt, mor_gen *g, mor_obj *sent)
{
    MOR_GEN_BEGIN(g);
    MOR_GEN_YIELD(g, mor_none(rt));
    MOR_GEN_FINALLY(g);
    cur_job->cleanups++;
    MOR_GEN_END(g);
}

typedef struct chain_classes {
    mor_obj *dinst, *sinst, *dinst_del, *sinst_del, *wrap;
} chain_classes;

static mor_obj *chain_class(mor_rt *rt, const char *name, unsigned flags, bool del)
{
    const char *const fields[] = {"next", NULL};
    mor_obj *c = mor_class_new(rt, name, fields, flags);
    if (c != NULL && del) {
        mor_obj *f = mor_func_new(rt, "__del__", chain_del, NULL);
        if (f == NULL || mor_class_set_attr(rt, c, "__del__", f) < 0)
            cur_job->failed = true;
        mor_xdecref(rt, f);
    }
    return c;
}

/* A new object of `kind` holding `next` (borrowed). */
static mor_obj *chain_link(mor_rt *rt, const chain_classes *cc, chain_kind kind, mor_obj *next)
{
    chain_job *job = cur_job;
    mor_obj *o = NULL, *k;
    switch (kind) {
    case CH_LIST: o = mor_list(rt, 1, next); break;
    case CH_TUPLE: o = mor_tuple(rt, 1, next); break;
    case CH_DICT:
        o = mor_dict(rt);
        k = mor_int(rt, 0);
        if (o != NULL && mor_dict_set(rt, o, k, next) < 0)
            job->failed = true;
        mor_decref(rt, k);
        break;
    case CH_SET: {
        mor_obj *w = mor_call(rt, cc->wrap, 1, &next);
        o = w ? mor_set(rt) : NULL;
        if (o != NULL && mor_set_add(rt, o, w) < 0)
            job->failed = true;
        mor_xdecref(rt, w);
        job->made++; /* the wrapper */
        break;
    }
    case CH_DINST: o = mor_call(rt, cc->dinst, 1, &next); break;
    case CH_SINST: o = mor_call(rt, cc->sinst, 1, &next); break;
    case CH_GEN:
        o = mor_gen_new(rt, "link", chain_gen_step, 1, 0);
        if (o != NULL)
            mor_gen_locals((mor_gen *)o)[0] = mor_newref(next);
        job->finalizable++;
        break;
    default: {
        static const chain_kind order[] = {CH_LIST, CH_TUPLE, CH_DICT, CH_SET,
                                           CH_DINST, CH_SINST, CH_GEN};
        chain_kind k2 = order[job->made % 7];
        if (k2 == CH_DINST || k2 == CH_SINST) {
            o = mor_call(rt, k2 == CH_DINST ? cc->dinst_del : cc->sinst_del, 1, &next);
            job->finalizable++;
            break;
        }
        return chain_link(rt, cc, k2, next);
    }
    }
    if (o == NULL)
        job->failed = true;
    job->made++;
    return o;
}

/* Build job->n objects, each holding the previous one, on top of a list
 * (which closes the ring); drop it all; count what ran. */
static void *chain_thread(void *arg)
{
    chain_job *job = cur_job = arg;
    mor_config cfg;
    mor_config_init(&cfg);
    cfg.leaks = MOR_LEAKS_REPORT; /* assert_* cannot be used off the main thread */
    mor_rt *rt = mor_rt_new(&cfg);
    if (rt == NULL) {
        job->failed = true;
        return NULL;
    }
    chain_classes cc = {
        chain_class(rt, "D", MOR_CLASS_DICT, false), chain_class(rt, "S", MOR_CLASS_SLOTS, false),
        chain_class(rt, "Dd", MOR_CLASS_DICT, true), chain_class(rt, "Sd", MOR_CLASS_SLOTS, true),
        chain_class(rt, "W", MOR_CLASS_SLOTS, false)};
    mor_obj *base = mor_list(rt, 0);
    mor_obj *head = mor_newref(base);
    job->made = 1;
    while (job->made < job->n && !job->failed) {
        mor_obj *o = chain_link(rt, &cc, job->kind, head);
        mor_decref(rt, head);
        head = o;
    }
    if (job->ring && !job->failed && mor_list_append(rt, base, head) < 0)
        job->failed = true;
    mor_decref(rt, base);
    mor_xdecref(rt, head); /* not a ring: the whole chain goes here */
    job->found = mor_gc_collect(rt, -1);
    mor_obj *classes[] = {cc.dinst, cc.sinst, cc.dinst_del, cc.sinst_del, cc.wrap};
    for (size_t i = 0; i < sizeof(classes) / sizeof(*classes); i++)
        mor_xdecref(rt, classes[i]);
    mor_gc_collect(rt, -1);
    job->live_after = mor_rt_live_objects(rt);
    mor_rt_free(rt);
    return NULL;
}

static void run_chain(chain_kind kind, bool ring, int n)
{
    chain_job job = {.kind = kind, .ring = ring, .n = n};
    t_run_small_stack(chain_thread, &job);
    if (job.failed)
        fail_msg("%s chain: building failed", chain_names[kind]);
    assert_true(job.made >= n);
    /* each finalizer exactly once, whichever way the chain died */
    assert_int_equal(job.dels + job.cleanups, job.finalizable);
    /* a ring is found whole by the collector; a chain dies by refcount */
    assert_int_equal(job.found, ring ? job.made : 0);
    assert_int_equal(job.live_after, 0);
}

static void test_chains_refcount(void **state)
{
    T_NEEDS_RC("objects freed at their last decref, in threads the Boehm collector does not know");
    (void)state;
    for (int k = 0; k < CH_NKINDS; k++)
        run_chain((chain_kind)k, false, t_scale(1000000));
}

static void test_chains_ring(void **state)
{
    T_NEEDS_RC("the cycle collector's count of what it found, in threads the Boehm collector does not know");
    (void)state;
    for (int k = 0; k < CH_NKINDS; k++)
        run_chain((chain_kind)k, true, t_scale(1000000));
}

/* ---- self-referencing structures ---------------------------------------------------------- */

static void test_self_referencing(void **state)
{
    T_RT;
    int64_t h;
    /* l = [l] */
    mor_obj *l = mor_list(rt, 0);
    mor_list_append(rt, l, l);
    t_assert_repr(rt, l, "[[...]]");
    assert_int_equal(mor_eq(rt, l, l), 1);
    assert_int_equal(mor_hash(rt, l, &h), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "unhashable");
    assert_int_equal(mor_deep_sizeof(rt, l), (int64_t)mor_sizeof(l));
    mor_obj *c = mor_deepcopy(rt, l);
    assert_non_null(c);
    assert_true(c != l && mor_seq_items(c, &(size_t){0})[0] == c);
    /* two distinct infinite lists: comparing them never ends, so it is cut */
    assert_int_equal(mor_eq(rt, l, c), -1);
    t_expect_exc(rt, MOR_EXC_RECURSION, "maximum recursion depth exceeded");
    assert_int_equal(mor_compare(rt, l, c, MOR_LT), -1);
    t_expect_exc(rt, MOR_EXC_RECURSION, NULL);
    mor_decref(rt, c);

    /* d = {0: d, 1: [d]} */
    mor_obj *d = mor_dict(rt), *k0 = mor_int(rt, 0), *k1 = mor_int(rt, 1);
    mor_dict_set(rt, d, k0, d);
    mor_obj *dl = mor_list(rt, 1, d);
    mor_dict_set(rt, d, k1, dl);
    t_assert_repr(rt, d, "{0: {...}, 1: [{...}]}");
    assert_int_equal(mor_deep_sizeof(rt, d), (int64_t)(mor_sizeof(d) + mor_sizeof(dl)));
    c = mor_deepcopy(rt, d);
    mor_obj *c0 = NULL, *c1 = NULL;
    assert_int_equal(mor_dict_lookup(rt, c, k0, &c0), 1);
    assert_int_equal(mor_dict_lookup(rt, c, k1, &c1), 1);
    assert_ptr_equal(c0, c);
    assert_ptr_equal(mor_seq_items(c1, &(size_t){0})[0], c);
    assert_true(c1 != dl);
    mor_decref(rt, c0);
    mor_decref(rt, c1);
    assert_int_equal(mor_eq(rt, d, c), -1);
    t_expect_exc(rt, MOR_EXC_RECURSION, NULL);
    mor_decref(rt, c);

    /* t = ([t],): a tuple reaching itself through a list */
    mor_obj *tl = mor_list(rt, 0);
    mor_obj *t = mor_tuple(rt, 1, tl);
    mor_list_append(rt, tl, t);
    t_assert_repr(rt, t, "([(...)],)");
    assert_int_equal(mor_hash(rt, t, &h), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "unhashable");
    c = mor_deepcopy(rt, t);
    mor_obj *ctl = mor_seq_items(c, &(size_t){0})[0];
    assert_true(c != t && ctl != tl && mor_seq_items(ctl, &(size_t){0})[0] == c);
    assert_int_equal(mor_deep_sizeof(rt, t), (int64_t)(mor_sizeof(t) + mor_sizeof(tl)));
    mor_decref(rt, c);

    /* an instance whose attribute is itself, in a set it is in */
    const char *const fields[] = {"me", "s", NULL};
    mor_obj *cls = mor_class_new(rt, "Selfish", fields, MOR_CLASS_SLOTS);
    mor_obj *o = mor_call(rt, cls, 0, NULL);
    mor_setattr(rt, o, "me", o);
    mor_obj *s = mor_set(rt);
    assert_int_equal(mor_set_add(rt, s, o), 0);
    mor_setattr(rt, o, "s", s);
    assert_int_equal(mor_hash(rt, o, &h), 0);
    assert_int_equal(mor_contains(rt, s, o), 1);
    assert_int_equal(mor_deep_sizeof(rt, s), (int64_t)(mor_sizeof(s) + mor_sizeof(o)));
    assert_null(mor_deepcopy(rt, s));
    t_expect_exc(rt, MOR_EXC_TYPE, "deep-copy");
    mor_obj *r = mor_repr(rt, s);
    assert_non_null(r);
    assert_non_null(strstr(mor_str_utf8(r, NULL), "<Selfish object at"));
    mor_decref(rt, r);

    mor_obj *objs[] = {l, d, k0, k1, dl, tl, t, o, s};
    for (size_t i = 0; i < sizeof(objs) / sizeof(*objs); i++)
        mor_decref(rt, objs[i]);
    /* l, d, dl, t, tl and their (cyclic) copies; o and s (Boehm counts none) */
    if (!T_BOEHM)
        assert_int_equal(mor_gc_collect(rt, -1), 2 * (1 + 2 + 2) + 2);
    mor_decref(rt, cls);
}

/* ---- 100,000 deep ------------------------------------------------------------------------ */

typedef enum deep_kind { DK_LIST, DK_TUPLE, DK_DICT, DK_INST, DK_NKINDS } deep_kind;

/* n levels of `kind` around an empty list; *bytes: the sum of their sizes. */
static mor_obj *deep_build(mor_rt *rt, deep_kind kind, mor_obj *cls, int n, int64_t *bytes)
{
    mor_obj *x = mor_list(rt, 0), *k = mor_int(rt, 0);
    *bytes = (int64_t)mor_sizeof(x);
    for (int i = 0; i < n; i++) {
        mor_obj *y;
        switch (kind) {
        case DK_LIST: y = mor_list(rt, 1, x); break;
        case DK_TUPLE: y = mor_tuple(rt, 1, x); break;
        case DK_DICT:
            y = mor_dict(rt);
            assert_int_equal(mor_dict_set(rt, y, k, x), 0);
            break;
        default: y = mor_call(rt, cls, 1, &x); break;
        }
        assert_non_null(y);
        *bytes += (int64_t)mor_sizeof(y);
        mor_decref(rt, x);
        x = y;
    }
    return x;
}

static void test_deep_structures(void **state)
{
    T_RT;
    const int n = 100000; /* not scaled: depth, not volume, is the point */
    const char *const fields[] = {"next", NULL};
    mor_obj *cls = mor_class_new(rt, "Node", fields, MOR_CLASS_SLOTS);
    for (int k = 0; k < DK_NKINDS; k++) {
        int64_t bytes, bytes2;
        mor_obj *a = deep_build(rt, (deep_kind)k, cls, n, &bytes);
        mor_obj *b = deep_build(rt, (deep_kind)k, cls, n, &bytes2);
        bool inst = k == DK_INST;
        /* deep_sizeof walks by an explicit stack: the exact answer */
        assert_int_equal(mor_deep_sizeof(rt, a), bytes);
        /* an instance's repr does not recurse; the others reach the limit */
        mor_obj *r = mor_repr(rt, a);
        if (inst) {
            assert_non_null(r);
            mor_decref(rt, r);
        } else {
            assert_null(r);
            t_expect_exc(rt, MOR_EXC_RECURSION, "maximum recursion depth exceeded");
        }
        assert_int_equal(mor_eq(rt, a, a), 1);
        int eq = mor_eq(rt, a, b);
        if (inst) {
            assert_int_equal(eq, 0); /* by identity */
        } else {
            assert_int_equal(eq, -1);
            t_expect_exc(rt, MOR_EXC_RECURSION, "in comparison");
        }
        int64_t h;
        int hr = mor_hash(rt, a, &h);
        if (k == DK_TUPLE) {
            assert_int_equal(hr, -1); /* the innermost list is unhashable, but far away */
            t_expect_exc(rt, MOR_EXC_RECURSION, NULL);
        } else if (inst) {
            assert_int_equal(hr, 0);
        } else {
            assert_int_equal(hr, -1);
            t_expect_exc(rt, MOR_EXC_TYPE, "unhashable");
        }
        assert_null(mor_deepcopy(rt, a));
        t_expect_exc(rt, inst ? MOR_EXC_TYPE : MOR_EXC_RECURSION, NULL);
        mor_decref(rt, a);
        mor_decref(rt, b);
    }
    /* a tuple nest of hashable atoms: hashing it is cut off the same way */
    mor_obj *t = mor_int(rt, 7);
    for (int i = 0; i < n; i++) {
        mor_obj *u = mor_tuple(rt, 1, t);
        mor_decref(rt, t);
        t = u;
    }
    int64_t h;
    assert_int_equal(mor_hash(rt, t, &h), -1);
    t_expect_exc(rt, MOR_EXC_RECURSION, NULL);
    mor_obj *s = mor_set(rt);
    assert_int_equal(mor_set_add(rt, s, t), -1);
    t_expect_exc(rt, MOR_EXC_RECURSION, NULL);
    mor_decref(rt, s);
    mor_decref(rt, t);
    /* the depth counter came back down: a structure near the limit works */
    int64_t bytes;
    mor_obj *a = deep_build(rt, DK_LIST, cls, 900, &bytes);
    mor_obj *r = mor_repr(rt, a);
    assert_non_null(r);
    assert_int_equal(mor_str_length(r), 2 * 901);
    mor_decref(rt, r);
    mor_obj *c = mor_deepcopy(rt, a);
    assert_int_equal(mor_eq(rt, a, c), 1);
    mor_decref(rt, c);
    mor_decref(rt, a);
    mor_decref(rt, cls);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chains_refcount),
        cmocka_unit_test(test_chains_ring),
        T_TEST(test_self_referencing),
        T_TEST(test_deep_structures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
