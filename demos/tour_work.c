/* demos/tour_work.c: the shared workloads of the tour: parent/children trees and the
 * generator pipeline (see tour_work.h). Public API only: the same source builds against
 * libmor and libmor-boehm (where mor_incref/mor_decref compile to nothing). */
#include "tour_work.h"

#include <stdio.h>

/* ---- trees ------------------------------------------------------------------------------- */

mor_obj *tw_node_class(mor_rt *rt)
{
    static const char *const fields[] = {"value", "parent", "children", NULL};
    return mor_class_new(rt, "Node", fields, MOR_CLASS_DICT);
}

/* A node with its value, parent None and an empty children list. */
static mor_obj *tw_node(mor_rt *rt, mor_obj *cls, int64_t value)
{
    mor_obj *v = mor_int(rt, value), *kids = mor_list(rt, 0);
    mor_obj *node = NULL;
    if (v != NULL && kids != NULL) {
        mor_obj *args[3] = {v, mor_none(rt), kids};
        node = mor_call(rt, cls, 3, args);
    }
    mor_xdecref(rt, v);
    mor_xdecref(rt, kids);
    return node;
}

/* child.parent = parent (or a weak reference to it); parent.children.append(child) */
static int tw_adopt(mor_rt *rt, mor_obj *parent, mor_obj *child, bool weak)
{
    mor_obj *link = weak ? mor_weakref(rt, parent, NULL) : mor_newref(parent);
    if (link == NULL)
        return -1;
    int rc = mor_setattr(rt, child, "parent", link);
    mor_decref(rt, link);
    mor_obj *kids = rc < 0 ? NULL : mor_getattr(rt, parent, "children");
    if (kids == NULL)
        return -1;
    rc = mor_list_append(rt, kids, child);
    mor_decref(rt, kids);
    return rc;
}

/* Give `node` its subtree of `depth` levels; counts the nodes made in *nodes. */
static int tw_grow(mor_rt *rt, mor_obj *cls, mor_obj *node, int fanout, int depth, bool weak,
                   int64_t *nodes)
{
    for (int i = 0; depth > 0 && i < fanout; i++) {
        mor_obj *child = tw_node(rt, cls, *nodes);
        if (child == NULL)
            return -1;
        ++*nodes;
        int rc = tw_adopt(rt, node, child, weak);
        if (rc == 0)
            rc = tw_grow(rt, cls, child, fanout, depth - 1, weak, nodes);
        mor_decref(rt, child);
        if (rc < 0)
            return -1;
    }
    return 0;
}

mor_obj *tw_tree(mor_rt *rt, mor_obj *node_cls, int fanout, int depth, bool weak,
                 int64_t *nodes)
{
    *nodes = 0;
    mor_obj *root = tw_node(rt, node_cls, 0);
    if (root == NULL)
        return NULL;
    *nodes = 1;
    if (tw_grow(rt, node_cls, root, fanout, depth, weak, nodes) < 0) {
        mor_decref(rt, root);
        return NULL;
    }
    return root;
}

/* ---- the pipeline -------------------------------------------------------------------------- */

int tw_write_numbers(const char *path, int64_t n)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    for (int64_t i = 0; i < n; i++)
        fprintf(f, "%lld\n", (long long)i);
    return fclose(f) == 0 ? 0 : -1;
}

/* The next item of the upstream iterator in locals[0]; NULL at the end or on an error
 * (mor_err_kind tells which). */
static mor_obj *tw_upstream(mor_rt *rt, mor_gen *g) { return mor_next(rt, mor_gen_locals(g)[0]); }

static bool tw_failed(mor_rt *rt) { return mor_err_kind(rt) != MOR_EXC_NONE; }

/* def read_numbers(path): for line in open(path): yield int(line) */
static mor_obj *read_numbers_step(mor_rt *rt, mor_gen *g, mor_obj *sent)
{
    MOR_GEN_BEGIN(g);
    for (;;) {
        mor_obj *line = tw_upstream(rt, g);
        if (line == NULL) {
            if (tw_failed(rt))
                MOR_GEN_FAIL(g);
            break;
        }
        mor_obj *x = mor_int_from_str(rt, mor_str_utf8(line, NULL), 10);
        mor_decref(rt, line);
        MOR_GEN_YIELD(g, x);
    }
    MOR_GEN_END(g);
}

/* def evens(xs): for x in xs: if x % 2 == 0: yield x */
static mor_obj *evens_step(mor_rt *rt, mor_gen *g, mor_obj *sent)
{
    MOR_GEN_BEGIN(g);
    for (;;) {
        mor_obj *x = tw_upstream(rt, g);
        if (x == NULL) {
            if (tw_failed(rt))
                MOR_GEN_FAIL(g);
            break;
        }
        mor_obj *two = mor_int(rt, 2);
        mor_obj *r = mor_mod(rt, x, two);
        int odd = r != NULL ? mor_is_true(rt, r) : -1;
        mor_xdecref(rt, r);
        mor_decref(rt, two);
        if (odd < 0) {
            mor_decref(rt, x);
            MOR_GEN_FAIL(g);
        }
        if (odd)
            mor_decref(rt, x);
        else
            MOR_GEN_YIELD(g, x);
    }
    MOR_GEN_END(g);
}

/* def squares(xs): for x in xs: yield x * x */
static mor_obj *squares_step(mor_rt *rt, mor_gen *g, mor_obj *sent)
{
    MOR_GEN_BEGIN(g);
    for (;;) {
        mor_obj *x = tw_upstream(rt, g);
        if (x == NULL) {
            if (tw_failed(rt))
                MOR_GEN_FAIL(g);
            break;
        }
        mor_obj *sq = mor_mul(rt, x, x);
        mor_decref(rt, x);
        MOR_GEN_YIELD(g, sq);
    }
    MOR_GEN_END(g);
}

/* A generator running `fn` over the iterator `up` (the reference to up is taken over). */
static mor_obj *tw_stage(mor_rt *rt, const char *name, mor_gen_fn fn, mor_obj *up)
{
    if (up == NULL)
        return NULL;
    mor_obj *g = mor_gen_new(rt, name, fn, 1, 0);
    if (g == NULL) {
        mor_decref(rt, up);
        return NULL;
    }
    mor_gen_locals((mor_gen *)g)[0] = up;
    return g;
}

mor_obj *tw_pipeline(mor_rt *rt, const char *path)
{
    mor_obj *lines = mor_file_lines(rt, path);
    mor_obj *nums = tw_stage(rt, "read_numbers", read_numbers_step, lines);
    mor_obj *evens = tw_stage(rt, "evens", evens_step, nums);
    mor_obj *squares = tw_stage(rt, "squares", squares_step, evens);
    if (squares == NULL)
        return NULL;
    mor_obj *total = mor_sum(rt, squares, NULL);
    mor_decref(rt, squares);
    return total;
}

void tw_pipeline_expect(int64_t n, char out[48])
{
    __extension__ typedef unsigned __int128 u128;
    /* the evens below n are 2k for k < m: the sum of their squares is 4 (m-1) m (2m-1) / 6 */
    u128 m = (u128)(n + 1) / 2;
    u128 s = m == 0 ? 0 : 4 * ((m - 1) * m * (2 * m - 1) / 6);
    char rev[48];
    size_t k = 0;
    do {
        rev[k++] = (char)('0' + (int)(s % 10));
        s /= 10;
    } while (s != 0);
    for (size_t j = 0; j < k; j++)
        out[j] = rev[k - 1 - j];
    out[k] = '\0';
}
