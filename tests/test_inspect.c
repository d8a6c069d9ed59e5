/* tests/test_inspect.c: shallow sizes against CPython 3.11's figures, and
 * shallow and deep copies. */
#include <unistd.h>

#include "testutil.h"

static void test_sizes_table(void **state)
{
    T_RT;
    /* DESIGN.md section 6: mor must be at most these */
    mor_obj *i42 = mor_int(rt, 42), *i1000 = mor_int(rt, 1000);
    mor_obj *f = mor_float(rt, 1.5);
    mor_obj *hi = mor_str(rt, "hi");
    assert_true(mor_sizeof(i42) <= 24);
    assert_true(mor_sizeof(i1000) <= 24);
    assert_true(mor_sizeof(f) <= 24);
    assert_true(mor_sizeof(hi) <= 40);
    mor_obj *t5 = mor_tuple(rt, 5, i42, i42, i42, i42, i42);
    assert_true(mor_sizeof(t5) <= 80);
    mor_obj *d = mor_dict(rt);
    const char *keys[] = {"k1", "k2", "k3", "k4", "k5"};
    for (int i = 0; i < 5; i++) {
        mor_obj *k = mor_str_const(rt, keys[i]);
        mor_dict_set(rt, d, k, i42);
        mor_decref(rt, k);
    }
    assert_true(mor_sizeof(d) <= 184);
    /* what a container's size leaves out: its items */
    mor_obj *l = mor_list(rt, 2, hi, hi);
    mor_obj *l2 = mor_list(rt, 2, i1000, f);
    assert_int_equal(mor_sizeof(l), mor_sizeof(l2));
    mor_obj *objs[] = {i42, i1000, f, hi, t5, d, l, l2};
    for (size_t i = 0; i < sizeof(objs) / sizeof(*objs); i++)
        mor_decref(rt, objs[i]);
}

static void test_shallow_copy(void **state)
{
    T_RT;
    mor_obj *inner = mor_list(rt, 0);
    mor_obj *outer = mor_list(rt, 2, inner, inner);
    mor_obj *c = mor_copy(rt, outer);
    assert_true(c != outer);
    assert_int_equal(mor_eq(rt, c, outer), 1);
    size_t n;
    mor_obj *const *items = mor_seq_items(c, &n);
    assert_ptr_equal(items[0], inner); /* shares the nested list */
    mor_obj *one = mor_int(rt, 1);
    mor_list_append(rt, inner, one);
    t_assert_repr(rt, c, "[[1], [1]]"); /* a change through one shows in the other */
    /* immutable objects come back as they are */
    mor_obj *t = mor_tuple(rt, 1, inner);
    mor_obj *tc = mor_copy(rt, t);
    assert_ptr_equal(tc, t);
    mor_obj *s = mor_str(rt, "abc");
    mor_obj *sc = mor_copy(rt, s);
    assert_ptr_equal(sc, s);
    /* dict and set */
    mor_obj *d = mor_dict(rt);
    mor_dict_set(rt, d, s, inner);
    mor_obj *dc = mor_copy(rt, d);
    assert_true(dc != d);
    assert_int_equal(mor_eq(rt, dc, d), 1);
    mor_obj *st = mor_set_from(rt, s);
    mor_obj *stc = mor_copy(rt, st);
    assert_true(stc != st);
    assert_int_equal(mor_eq(rt, stc, st), 1);
    mor_obj *objs[] = {inner, outer, c, one, t, tc, s, sc, d, dc, st, stc};
    for (size_t i = 0; i < sizeof(objs) / sizeof(*objs); i++)
        mor_decref(rt, objs[i]);
}

static void test_deep_copy(void **state)
{
    T_RT;
    mor_obj *shared = mor_list(rt, 0);
    mor_obj *s = mor_str(rt, "atom");
    mor_obj *t = mor_tuple(rt, 2, s, shared);
    mor_obj *d = mor_dict(rt);
    mor_dict_set(rt, d, s, shared);
    mor_obj *root = mor_list(rt, 3, shared, t, d);
    mor_list_append(rt, root, root); /* a cycle */
    mor_obj *c = mor_deepcopy(rt, root);
    assert_non_null(c);
    size_t n;
    mor_obj *const *ci = mor_seq_items(c, &n);
    assert_int_equal(n, 4);
    assert_true(ci[0] != shared);      /* nothing mutable is shared */
    assert_ptr_equal(ci[3], c);        /* the cycle keeps its shape */
    size_t tn;
    mor_obj *const *ti = mor_seq_items(ci[1], &tn);
    assert_true(ci[1] != t);
    assert_ptr_equal(ti[0], s);        /* atomic: shared */
    assert_ptr_equal(ti[1], ci[0]);    /* shared sub-object stays shared */
    mor_obj *dv = NULL;
    assert_int_equal(mor_dict_lookup(rt, ci[2], s, &dv), 1);
    assert_ptr_equal(dv, ci[0]);
    mor_decref(rt, dv);
    /* a tuple of atoms is not copied */
    mor_obj *ta = mor_tuple(rt, 2, s, s);
    mor_obj *tac = mor_deepcopy(rt, ta);
    assert_ptr_equal(tac, ta);
    /* break the cycles so refcounting frees everything */
    mor_decref(rt, mor_list_pop(rt, root, -1));
    mor_decref(rt, mor_list_pop(rt, c, -1));
    mor_obj *objs[] = {shared, s, t, d, root, c, ta, tac};
    for (size_t i = 0; i < sizeof(objs) / sizeof(*objs); i++)
        mor_decref(rt, objs[i]);
}

static void test_deep_copy_recursion_limit(void **state)
{
    T_RT;
    mor_obj *head = mor_list(rt, 0);
    for (int i = 0; i < 5000; i++) {
        mor_obj *n = mor_list(rt, 1, head);
        mor_decref(rt, head);
        head = n;
    }
    assert_null(mor_deepcopy(rt, head));
    t_expect_exc(rt, MOR_EXC_RECURSION, "maximum recursion depth exceeded");
    /* the repr of the same structure hits the limit too, cleanly */
    assert_null(mor_repr(rt, head));
    t_expect_exc(rt, MOR_EXC_RECURSION, "maximum recursion depth exceeded");
    mor_obj *c = mor_copy(rt, head); /* shallow is fine */
    assert_non_null(c);
    mor_decref(rt, c);
    mor_decref(rt, head);
}

/* ---- deep sizes ------------------------------------------------------------------------ */

static void test_deep_sizeof_sharing_and_cycles(void **state)
{
    T_RT;
    mor_obj *s = mor_str(rt, "a shared string");
    mor_obj *inner = mor_list(rt, 2, s, s);
    mor_obj *outer = mor_list(rt, 3, inner, inner, s);
    /* each distinct object once: outer + inner + s */
    int64_t want = (int64_t)(mor_sizeof(outer) + mor_sizeof(inner) + mor_sizeof(s));
    assert_int_equal(mor_deep_sizeof(rt, outer), want);
    assert_true(mor_deep_sizeof(rt, outer) < (int64_t)(mor_sizeof(outer) + 2 * mor_sizeof(inner) +
                                                         5 * mor_sizeof(s)));
    /* a cycle is fine */
    mor_list_append(rt, inner, outer);
    want = (int64_t)(mor_sizeof(outer) + mor_sizeof(inner) + mor_sizeof(s)); /* inner grew */
    assert_int_equal(mor_deep_sizeof(rt, outer), want);
    assert_int_equal(mor_deep_sizeof(rt, inner), mor_deep_sizeof(rt, outer));
    mor_decref(rt, mor_list_pop(rt, inner, -1));
    /* immortal objects are not counted */
    mor_obj *n = mor_list(rt, 2, mor_none(rt), mor_int(rt, 1));
    assert_int_equal(mor_deep_sizeof(rt, n), (int64_t)mor_sizeof(n));
    mor_decref(rt, n);
    mor_decref(rt, outer);
    mor_decref(rt, inner);
    mor_decref(rt, s);
}

static void test_deep_sizeof_instances_and_depth(void **state)
{
    T_RT;
    const char *fields[] = {"a", "b", NULL};
    mor_obj *P = mor_class_new(rt, "P", fields, MOR_CLASS_DICT);
    mor_obj *one = mor_int(rt, 1000), *two = mor_int(rt, 2000);
    mor_obj *args[] = {one, two};
    mor_obj *p = mor_call(rt, P, 2, args);
    /* the instance, its values array and the two ints, not the class */
    int64_t d = mor_deep_sizeof(rt, p);
    assert_true(d > (int64_t)(mor_sizeof(p) + mor_sizeof(one) + mor_sizeof(two)));
    assert_true(d <= 88 + 2 * 24);
    mor_decref(rt, p);
    /* a million-deep chain: iterative, no stack overflow */
    mor_obj *head = mor_list(rt, 0);
    int depth = t_scale(1000000);
    for (int i = 0; i < depth; i++) {
        mor_obj *x = mor_list(rt, 1, head);
        mor_decref(rt, head);
        head = x;
    }
    int64_t total = mor_deep_sizeof(rt, head);
    assert_true(total >= (int64_t)depth * 64);
    mor_decref(rt, head);
    mor_decref(rt, one);
    mor_decref(rt, two);
    mor_decref(rt, P);
}

static void test_rusage(void **state)
{
    (void)state;
    mor_rusage ru;
    assert_int_equal(mor_get_rusage(&ru), 0);
    assert_true(ru.max_rss_bytes > 1024 * 1024);
    assert_true(ru.current_rss_bytes > 0);
    assert_true(ru.current_rss_bytes <= ru.max_rss_bytes * 2);
    assert_true(ru.user_seconds >= 0 && ru.system_seconds >= 0);
}

/* ---- heap graphs ------------------------------------------------------------------------ */

static void test_graph_dot(void **state)
{
    T_RT;
    T_NEEDS_RC("referrers come from the collector's lists, empty under Boehm");
    mor_obj *a = mor_list(rt, 0), *b = mor_dict(rt), *k = mor_str(rt, "back \"quoted\"");
    mor_list_append(rt, a, b);
    mor_dict_set(rt, b, k, a); /* a cycle a -> b -> a */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(mor_graph_dot(rt, a, 5, MOR_GRAPH_REFERENTS, f), 0);
    fclose(f);
    assert_non_null(strstr(buf, "digraph mor {"));
    assert_non_null(strstr(buf, "n0 -> n1;"));
    assert_non_null(strstr(buf, "n1 -> n0;"));   /* the cycle, drawn once */
    assert_non_null(strstr(buf, "list\\n"));     /* type in the label */
    assert_non_null(strstr(buf, "\\\""));       /* quotes escaped */
    int nodes = 0;
    for (char *p = buf; (p = strstr(p, " [label=")) != NULL; p++)
        nodes++;
    assert_int_equal(nodes, 3); /* a, b, the key string */
    free(buf);
    /* depth 0: just the root; referrers: who points at b */
    f = open_memstream(&buf, &len);
    assert_int_equal(mor_graph_dot(rt, b, 1, MOR_GRAPH_REFERRERS, f), 0);
    fclose(f);
    assert_non_null(strstr(buf, "n1 -> n0;")); /* a -> b */
    /* with Graphviz installed, dot must accept it */
    if (system("command -v dot >/dev/null 2>&1") == 0) {
        char path[] = "/tmp/mor-graph-XXXXXX";
        int fd = mkstemp(path);
        FILE *out = fdopen(fd, "w");
        fputs(buf, out);
        fclose(out);
        char cmd[256];
        snprintf(cmd, sizeof(cmd), "dot -Tsvg %s -o /dev/null", path);
        assert_int_equal(system(cmd), 0);
        unlink(path);
    }
    free(buf);
    assert_int_equal(mor_graph_dot(rt, a, 1, 7, stdout), -1);
    t_expect_exc(rt, MOR_EXC_VALUE, "unknown direction");
    mor_dict_clear(rt, b);
    mor_decref(rt, a);
    mor_decref(rt, b);
    mor_decref(rt, k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T_TEST(test_sizes_table),
        T_TEST(test_shallow_copy),
        T_TEST(test_deep_copy),
        T_TEST(test_deep_copy_recursion_limit),
        T_TEST(test_deep_sizeof_sharing_and_cycles),
        T_TEST(test_deep_sizeof_instances_and_depth),
        cmocka_unit_test(test_rusage),
        T_TEST(test_graph_dot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
