/* tests/fuzz/fuzz_model.c: reachability over the model graph (bit masks of
 * at most 64 nodes; everything is quadratic at worst, which at 48 nodes is
 * cheaper than one runtime call). */
#include "fuzz_model.h"

int fz_edges(const fz_model *m, int i, int out[FZ_MAXSEQ])
{
    const fz_node *x = &m->n[i];
    int k = 0;
    if (fz_kind_is_seq(x->kind)) {
        for (int j = 0; j < x->n; j++)
            out[k++] = x->e[j];
    } else {
        for (int j = 0; j < FZ_SLOTS; j++)
            if (x->e[j] >= 0)
                out[k++] = x->e[j];
    }
    return k;
}

fz_mask fz_alive(const fz_model *m)
{
    fz_mask a = 0;
    for (int i = 0; i < FZ_MAXN; i++)
        if (m->n[i].used)
            a |= FZ_BIT(i);
    return a;
}

fz_mask fz_roots(const fz_model *m)
{
    fz_mask r = 0;
    for (int i = 0; i < FZ_MAXN; i++)
        if (m->n[i].used && m->n[i].held)
            r |= FZ_BIT(i);
    for (int j = 0; j < m->nr; j++)
        r |= FZ_BIT(m->r[j]);
    return r;
}

fz_mask fz_reach(const fz_model *m, fz_mask from, fz_mask within)
{
    fz_mask seen = from, todo = from;
    while (todo != 0) {
        int i = __builtin_ctzll(todo);
        todo &= todo - 1;
        int out[FZ_MAXSEQ];
        int k = fz_edges(m, i, out);
        for (int j = 0; j < k; j++) {
            fz_mask b = FZ_BIT(out[j]);
            if ((within & b) && !(seen & b)) {
                seen |= b;
                todo |= b;
            }
        }
    }
    return seen;
}

fz_mask fz_refcount_keep(const fz_model *m, fz_mask alive)
{
    fz_mask roots = fz_roots(m) & alive;
    for (;;) {
        fz_mask referenced = roots;
        for (fz_mask t = alive; t != 0; t &= t - 1) {
            int out[FZ_MAXSEQ];
            int k = fz_edges(m, __builtin_ctzll(t), out);
            for (int j = 0; j < k; j++)
                referenced |= FZ_BIT(out[j]);
        }
        fz_mask keep = alive & referenced;
        if (keep == alive)
            return alive;
        alive = keep;
    }
}

fz_mask fz_unreachable(const fz_model *m, fz_mask alive, fz_mask young)
{
    fz_mask external = fz_roots(m) & young;
    for (fz_mask t = alive & ~young; t != 0; t &= t - 1) {
        int out[FZ_MAXSEQ];
        int k = fz_edges(m, __builtin_ctzll(t), out);
        for (int j = 0; j < k; j++)
            external |= FZ_BIT(out[j]) & young;
    }
    return young & ~fz_reach(m, external, young);
}

fz_mask fz_after_collect(const fz_model *m, fz_mask alive, fz_mask u)
{
    /* alive when the collector looks again after the finalizers: the
     * finalizers' own reference drops have been done by refcounting */
    fz_mask during = fz_refcount_keep(m, alive);
    fz_mask outside = (fz_roots(m) | (during & ~u)) & during;
    fz_mask resurrected = fz_reach(m, outside, during) & u;
    fz_mask dead = u & ~resurrected;
    return fz_refcount_keep(m, alive & ~dead);
}

bool fz_hashable(const fz_model *m, int i)
{
    const fz_node *x = &m->n[i];
    if (x->kind == FZ_DINST || x->kind == FZ_SINST)
        return true;
    if (x->kind != FZ_TUPLE)
        return false;
    for (int j = 0; j < x->n; j++)
        if (!fz_hashable(m, x->e[j]))
            return false;
    return true;
}

bool fz_equal(const fz_model *m, int a, int b)
{
    if (a == b)
        return true;
    const fz_node *x = &m->n[a], *y = &m->n[b];
    if (x->kind != FZ_TUPLE || y->kind != FZ_TUPLE || x->tid != y->tid || x->n != y->n)
        return false;
    for (int j = 0; j < x->n; j++)
        if (!fz_equal(m, x->e[j], y->e[j]))
            return false;
    return true;
}

bool fz_copies_to_self(const fz_model *m, int i)
{
    const fz_node *x = &m->n[i];
    if (x->kind != FZ_TUPLE)
        return false;
    for (int j = 0; j < x->n; j++)
        if (!fz_copies_to_self(m, x->e[j]))
            return false;
    return true;
}
