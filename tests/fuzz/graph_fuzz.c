/* tests/fuzz/graph_fuzz.c: fuzzing the object graph against an oracle. Each
 * input runs as a program of graph operations (fuzz_harness.h) on a fresh
 * runtime; after every operation the runtime must agree with the model
 * (fuzz_model.h): exactly the nodes the model says died are gone, every
 * finalizer and weakref callback ran when and as often as it must, and at the
 * end nothing is left. A disagreement prints the model and aborts.
 *
 * How deaths are seen: each node is made while a trace frame tagged with a
 * fresh line number is pushed, so the tracer records its block with that
 * line; a node is alive while a traced block at its address carries its line
 * (a block freed and reused by another object carries another line). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rt.h"
#include "fuzz_harness.h"
#include "mem/trace.h"

fz_state fz_g;

const char *const fz_kind_names[FZ_NKINDS] = {"list", "tuple", "dict", "set",
                                              "dinst", "sinst", "gen"};
const char *const fz_attr_names[2][FZ_SLOTS] = {{"a0", "a1", "a2", "a3"},
                                                {"s0", "s1", "s2", "s3"}};

/* ---- reporting ----------------------------------------------------------------------------- */

void fz_dump(void)
{
    fz_model *m = &fz_g.m;
    fprintf(stderr, "model (held H, tracked T, frozen F, finalized D):\n");
    for (int i = 0; i < FZ_MAXN; i++) {
        fz_node *x = &m->n[i];
        if (!x->used)
            continue;
        fprintf(stderr, "  %2d %-5s %c%c%c%c gen %d fin %d/%d ->", i, fz_kind_names[x->kind],
                x->held ? 'H' : '-', x->tracked ? 'T' : '-', x->frozen ? 'F' : '-',
                x->finalized ? 'D' : '-', x->gen, x->has_fin ? x->fin_mode : -1, x->fin_arg);
        int out[FZ_MAXSEQ];
        int k = fz_edges(m, i, out);
        for (int j = 0; j < k; j++)
            fprintf(stderr, " %d", out[j]);
        fprintf(stderr, "\n");
    }
    fprintf(stderr, "  resurrection list:");
    for (int j = 0; j < m->nr; j++)
        fprintf(stderr, " %d", m->r[j]);
    fprintf(stderr, "\n");
}

void fz_fail(const char *fmt, ...)
{
    fprintf(stderr, "graph fuzz: op %d [%u %u %u %u]: ", fz_g.op_index, fz_g.op[0], fz_g.op[1],
            fz_g.op[2], fz_g.op[3]);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    fz_dump();
    abort();
}

static void fz_unraisable(mor_rt *rt, mor_obj *exc, const char *where, void *ud)
{
    (void)rt;
    (void)ud;
    fz_fail("unraisable %s in %s: %s", mor_exc_name(mor_exc_kind(exc)), where,
            mor_exc_message(exc));
}

/* ---- nodes --------------------------------------------------------------------------------- */

int fz_pick(uint8_t b)
{
    fz_mask a = fz_alive(&fz_g.m);
    int n = fz_popcount(a);
    if (n == 0)
        return -1;
    for (int k = b % n; k > 0; k--)
        a &= a - 1;
    return __builtin_ctzll(a);
}

int fz_pick_kind(uint8_t b, int kind)
{
    int idx[FZ_MAXN], n = 0;
    for (int i = 0; i < FZ_MAXN; i++)
        if (fz_g.m.n[i].used && fz_g.m.n[i].kind == kind)
            idx[n++] = i;
    return n ? idx[b % n] : -1;
}

int fz_free_slot(void)
{
    for (int i = 0; i < FZ_MAXN; i++)
        if (!fz_g.m.n[i].used)
            return i;
    return -1;
}

static int fz_find(mor_obj *o)
{
    for (int i = 0; i < FZ_MAXN; i++)
        if (fz_g.m.n[i].used && fz_g.obj[i] == o)
            return i;
    return -1;
}

void fz_drop_root(int j)
{
    if (!fz_g.m.n[j].used || !fz_g.m.n[j].held)
        return;
    fz_g.m.n[j].held = false;
    mor_decref(fz_g.rt, fz_g.obj[j]);
}

/* ---- callbacks: they change the runtime and the model together ------------------------------ */

/* Node i's finalizer, a weakref callback of it, or a finalize of it runs:
 * legal only while it is in the running collection's unreachable set, or
 * when the harness cannot reach it (it is dying by refcount). In automatic
 * mode the unreachable set is unknown: a collection may take what the
 * harness did not reach when it started. */
static void fz_may_die(int i, const char *what)
{
    if (fz_g.in_collect && (fz_g.u & FZ_BIT(i)))
        return;
    if (fz_g.auto_gc && fz_g.in_gc && !(fz_g.reach0 & FZ_BIT(i)))
        return;
    fz_mask reach = fz_reach(&fz_g.m, fz_roots(&fz_g.m), fz_alive(&fz_g.m));
    FZ_CHECK(!(reach & FZ_BIT(i)), "%s of node %d, which the harness still reaches", what, i);
}

static void fz_gc_callback(mor_rt *rt, const mor_gc_info *info, void *ud)
{
    (void)rt;
    (void)ud;
    fz_g.in_gc = info->phase == MOR_GC_START;
    if (fz_g.in_gc)
        fz_g.reach0 = fz_reach(&fz_g.m, fz_roots(&fz_g.m), fz_alive(&fz_g.m));
}

static void fz_r_append(int i)
{
    fz_model *m = &fz_g.m;
    if (m->nr == FZ_MAXR)
        return;
    m->r[m->nr++] = (int16_t)i;
    FZ_CHECK(mor_list_append(fz_g.rt, fz_g.R, fz_g.obj[i]) == 0, "resurrection list append");
}

/* Drop node i's own references (model first: callbacks can run inside). */
static void fz_clear_edges(int i)
{
    mor_rt *rt = fz_g.rt;
    fz_node *x = &fz_g.m.n[i];
    for (int s = 0; s < FZ_SLOTS; s++) {
        if (x->e[s] < 0)
            continue;
        x->e[s] = -1;
        if (x->kind == FZ_GEN) {
            mor_obj **loc = mor_gen_locals((mor_gen *)fz_g.obj[i]);
            mor_obj *old = loc[s];
            loc[s] = NULL;
            mor_xdecref(rt, old);
        } else {
            const char *name = fz_attr_names[x->kind == FZ_SINST][s];
            FZ_CHECK(mor_delattr(rt, fz_g.obj[i], name) == 0, "finalizer: delattr %s", name);
        }
    }
}

static void fz_fin_action(int i)
{
    fz_node *x = &fz_g.m.n[i];
    switch (x->fin_mode) {
    case FZ_FIN_RESURRECT:
        fz_r_append(i);
        break;
    case FZ_FIN_CLEAR:
        fz_clear_edges(i);
        break;
    case FZ_FIN_LINK_HELD: {
        int l = -1;
        for (int j = 0; j < FZ_MAXN && l < 0; j++) {
            fz_node *y = &fz_g.m.n[j];
            if (y->used && y->held && y->kind == FZ_LIST && y->n < FZ_MAXSEQ)
                l = j;
        }
        if (l < 0) {
            fz_r_append(i);
            break;
        }
        fz_g.m.n[l].e[fz_g.m.n[l].n++] = (int8_t)i;
        FZ_CHECK(mor_list_append(fz_g.rt, fz_g.obj[l], fz_g.obj[i]) == 0, "finalizer: append");
        break;
    }
    case FZ_FIN_DROP_ROOT:
        fz_drop_root(x->fin_arg % FZ_MAXN);
        break;
    case FZ_FIN_COLLECT:
        /* exact mode cannot predict a collection started from a refcount
         * death in the middle of an op: there, only the nested case */
        if (fz_g.in_gc)
            FZ_CHECK(mor_gc_collect(fz_g.rt, -1) == 0, "a collection ran inside a collection");
        else if (fz_g.auto_gc)
            FZ_CHECK(mor_gc_collect(fz_g.rt, -1) >= 0, "collect from a finalizer");
        break;
    default:
        break;
    }
}

/* Bookkeeping when node i's finalizer starts. In a collection, CPython's
 * order: every weak reference to the garbage is already cleared and its
 * callback has run. */
static void fz_finalizing(int i, const char *what, bool dying)
{
    fz_node *x = &fz_g.m.n[i];
    FZ_CHECK(x->has_fin, "%s of node %d, which has none", what, i);
    FZ_CHECK(!x->finalized, "%s ran twice on node %d", what, i);
    x->finalized = true;
    if (!dying)
        return;
    fz_may_die(i, what);
    if (!fz_g.in_collect || !(fz_g.u & FZ_BIT(i)))
        return;
    for (int k = 0; k < FZ_MAXW; k++) {
        fz_wref *w = &fz_g.w[k];
        if (w->ref == NULL || w->cleared || !(fz_g.u & FZ_BIT(w->target)))
            continue;
        mor_obj *t = mor_weakref_get(fz_g.rt, w->ref);
        FZ_CHECK(t == mor_none(fz_g.rt), "%s of node %d before weakref %d to node %d was cleared",
                 what, i, k, w->target);
        mor_decref(fz_g.rt, t);
        FZ_CHECK(!w->has_cb || w->calls == 1, "%s of node %d before the callback of weakref %d",
                 what, i, k);
    }
}

static mor_obj *fz_del(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data;
    FZ_CHECK(nargs == 1, "__del__ called with %zu arguments", nargs);
    int i = fz_find(args[0]);
    FZ_CHECK(i >= 0, "__del__ of %p, not a live node", (void *)args[0]);
    fz_finalizing(i, "__del__", true);
    fz_fin_action(i);
    return mor_none(rt);
}

static void fz_gen_cleanup(mor_gen *g)
{
    int i = fz_find((mor_obj *)g);
    FZ_CHECK(i >= 0, "generator cleanup of %p, not a live node", (void *)g);
    fz_finalizing(i, "generator cleanup", fz_g.closing != i);
    fz_fin_action(i);
    /* the generator releases its locals as soon as the cleanup returns */
    for (int s = 0; s < FZ_SLOTS; s++)
        fz_g.m.n[i].e[s] = -1;
}

/* Yields None until closed; the cleanup is the node's finalizer. */
mor_obj *fz_gen_step(mor_rt *rt, mor_gen *g, mor_obj *sent)
{
    MOR_GEN_BEGIN(g);
    for (;;)
        MOR_GEN_YIELD(g, mor_none(rt));
    MOR_GEN_FINALLY(g);
    fz_gen_cleanup(g);
    MOR_GEN_END(g);
}

static mor_obj *fz_wr_callback(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data;
    FZ_CHECK(nargs == 1, "weakref callback called with %zu arguments", nargs);
    int k = 0;
    while (k < FZ_MAXW && !(fz_g.w[k].ref == args[0] && fz_g.w[k].has_cb))
        k++;
    FZ_CHECK(k < FZ_MAXW, "callback of weakref %p, which the harness does not hold", (void *)args[0]);
    fz_wref *w = &fz_g.w[k];
    FZ_CHECK(w->calls == 0, "callback of weakref %d ran twice", k);
    w->calls++;
    mor_obj *t = mor_weakref_get(rt, args[0]);
    FZ_CHECK(t == mor_none(rt), "callback of weakref %d while its target is alive", k);
    mor_decref(rt, t);
    fz_may_die(w->target, "weakref callback");
    if (w->drop_root)
        fz_drop_root(w->arg % FZ_MAXN);
    return mor_none(rt);
}

static mor_obj *fz_fin_callback(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data;
    int64_t k = -1;
    FZ_CHECK(nargs == 1 && mor_int_to_i64(rt, args[0], &k) == 0 && k >= 0 && k < FZ_MAXF,
             "finalize function called with bad arguments");
    fz_fin *f = &fz_g.f[k];
    FZ_CHECK(!f->fired && !f->detached, "finalize %d ran twice or after detach", (int)k);
    f->fired = f->fired_now = true;
    f->calls++;
    fz_may_die(f->target, "mor_finalize function");
    if (f->drop_root)
        fz_drop_root(f->arg % FZ_MAXN);
    return mor_none(rt);
}

/* ---- liveness, as the tracer sees it -------------------------------------------------------- */

/* Is node i's block still the one made under its tagged frame? */
static bool fz_rt_alive(int i)
{
    const mori_tb *tb = mori_trace_find(fz_g.rt->tracer, mori_gc_head(fz_g.obj[i]));
    return tb != NULL && tb->nframes > 0 && tb->frames[0].ip == 0 && strcmp(tb->frames[0].file, FZ_FRAME) == 0 &&
           tb->frames[0].line == fz_g.line[i];
}

/* ---- settling an op ------------------------------------------------------------------------------ */

static void fz_settle_weak(fz_mask alive, fz_mask expect, fz_mask u)
{
    mor_rt *rt = fz_g.rt;
    fz_mask gone = (alive & ~expect) | u;
    for (int k = 0; k < FZ_MAXW; k++) {
        fz_wref *w = &fz_g.w[k];
        if (w->ref == NULL)
            continue;
        if (!w->cleared && (gone & FZ_BIT(w->target)))
            w->cleared = true;
        mor_obj *t = mor_weakref_get(rt, w->ref);
        FZ_CHECK(t != NULL, "mor_weakref_get failed");
        bool none = t == mor_none(rt);
        if (fz_g.auto_gc) /* an unseen collection may have found the target unreachable */
            w->cleared = w->cleared || none;
        FZ_CHECK(none == w->cleared, "weakref %d to node %d: %s, the model says %s", k, w->target,
                 none ? "cleared" : "alive", w->cleared ? "cleared" : "alive");
        FZ_CHECK(none || t == fz_g.obj[w->target], "weakref %d leads to another object", k);
        mor_decref(rt, t);
        FZ_CHECK(w->calls == (w->has_cb && w->cleared), "weakref %d: callback ran %d times", k,
                 w->calls);
    }
    for (int k = 0; k < FZ_MAXF; k++) {
        fz_fin *f = &fz_g.f[k];
        if (f->obj == NULL)
            continue;
        bool due = !f->detached && (f->fired || (gone & FZ_BIT(f->target)));
        if (fz_g.auto_gc)
            f->fired_now = false; /* may fire on a target an unseen collection resurrected */
        FZ_CHECK(f->fired == due, "finalize %d of node %d: %s, the model says %s", k, f->target,
                 f->fired ? "ran" : "did not run", due ? "run" : "wait");
        FZ_CHECK(!f->fired_now || (gone & FZ_BIT(f->target)),
                 "finalize %d ran while node %d lives on", k, f->target);
        FZ_CHECK(f->calls == (int)f->fired, "finalize %d ran %d times", k, f->calls);
        f->fired_now = false;
        FZ_CHECK(mor_finalize_alive(rt, f->obj) == (!f->fired && !f->detached),
                 "mor_finalize_alive of slot %d", k);
    }
}

void fz_settle(fz_mask expect, fz_mask u)
{
    mor_rt *rt = fz_g.rt;
    fz_model *m = &fz_g.m;
    FZ_CHECK(mor_err_kind(rt) == MOR_EXC_NONE, "exception left pending: %s: %s",
             mor_exc_name(mor_err_kind(rt)), mor_err_message(rt));
    fz_mask alive = fz_alive(m);
    if (fz_g.auto_gc) { /* soundness: what the harness reaches lives; the rest may die */
        fz_mask reach = fz_reach(m, fz_roots(m), alive);
        expect = 0;
        for (fz_mask t = alive; t != 0; t &= t - 1) {
            int i = __builtin_ctzll(t);
            if (fz_rt_alive(i))
                expect |= FZ_BIT(i);
            else
                FZ_CHECK(!(reach & FZ_BIT(i)), "node %d (%s) died while the harness reaches it", i,
                         fz_kind_names[m->n[i].kind]);
        }
    }
    for (fz_mask t = alive; t != 0; t &= t - 1) {
        int i = __builtin_ctzll(t);
        bool want = (expect & FZ_BIT(i)) != 0;
        FZ_CHECK(fz_rt_alive(i) == want, "node %d (%s) is %s, the model says %s", i,
                 fz_kind_names[m->n[i].kind], want ? "dead" : "alive", want ? "alive" : "dead");
    }
    for (fz_mask t = alive; t != 0; t &= t - 1) {
        int i = __builtin_ctzll(t);
        fz_node *x = &m->n[i];
        bool dead = !(expect & FZ_BIT(i));
        if (x->has_fin)
            FZ_CHECK(x->finalized || !(dead || (u & FZ_BIT(i))),
                     "node %d (%s) %s without its finalizer", i, fz_kind_names[x->kind],
                     dead ? "died" : "was found unreachable");
    }
    fz_settle_weak(alive, expect, u);
    for (fz_mask t = alive & ~expect; t != 0; t &= t - 1) {
        int i = __builtin_ctzll(t);
        FZ_CHECK(!m->n[i].held, "model: held node %d died", i);
        memset(&m->n[i], 0, sizeof(fz_node));
        fz_g.obj[i] = NULL;
    }
    for (int j = 0; j < m->nr; j++)
        FZ_CHECK(m->n[m->r[j]].used, "model: resurrected node %d died", m->r[j]);
    for (fz_mask t = expect; t != 0; t &= t - 1) {
        int i = __builtin_ctzll(t);
        fz_node *x = &m->n[i];
        int out[FZ_MAXSEQ];
        int k = fz_edges(m, i, out);
        for (int j = 0; j < k; j++)
            FZ_CHECK(m->n[out[j]].used, "model: node %d refers to dead node %d", i, out[j]);
        bool tracked = mor_gc_is_tracked(fz_g.obj[i]);
        if (tracked && !x->tracked) { /* (re)tracked: it starts in generation 0 */
            x->gen = 0;
            x->frozen = false;
        }
        x->tracked = tracked;
    }
}

void fz_op_collect(int generation)
{
    fz_model *m = &fz_g.m;
    int k = generation < 0 ? 2 : generation;
    fz_mask alive = fz_alive(m), young = 0;
    for (fz_mask t = alive; t != 0; t &= t - 1) {
        int i = __builtin_ctzll(t);
        if (m->n[i].tracked && !m->n[i].frozen && m->n[i].gen <= k)
            young |= FZ_BIT(i);
    }
    fz_mask u = fz_g.auto_gc ? 0 : fz_unreachable(m, alive, young);
    fz_g.in_collect = true;
    fz_g.u = u;
    int64_t found = mor_gc_collect(fz_g.rt, generation);
    fz_g.in_collect = false;
    if (fz_g.auto_gc)
        FZ_CHECK(found >= 0, "collection failed");
    else if (fz_g.flush)
        FZ_CHECK(found >= fz_popcount(u), "collection found %lld unreachable, the model %d or more",
                 (long long)found, fz_popcount(u));
    else
        FZ_CHECK(found == fz_popcount(u), "collection found %lld unreachable, the model %d",
                 (long long)found, fz_popcount(u));
    fz_g.flush = false;
    fz_mask expect = fz_after_collect(m, alive, u);
    for (fz_mask t = young & expect; t != 0; t &= t - 1)
        m->n[__builtin_ctzll(t)].gen = (uint8_t)(k < 2 ? k + 1 : 2);
    fz_settle(expect, u);
    fz_g.u = 0;
}

/* ---- one input ------------------------------------------------------------------------------------- */

static void fz_begin(uint8_t mode)
{
    memset(&fz_g, 0, sizeof(fz_g));
    fz_g.closing = -1;
    fz_g.next_tid = 1000; /* past the small ints: the ids are ordinary objects */
    mor_config c;
    mor_config_init(&c);
    c.hash_seed = 1;
    c.leaks = MOR_LEAKS_ABORT;
    mor_rt *rt = fz_g.rt = mor_rt_new(&c);
    FZ_CHECK(rt != NULL, "mor_rt_new");
    mor_set_unraisable_hook(rt, fz_unraisable, NULL);
    FZ_CHECK(mor_gc_add_callback(rt, fz_gc_callback, NULL) >= 0, "gc callback");
    fz_g.auto_gc = mode & 0x80;
    if (fz_g.auto_gc) /* small thresholds: collections everywhere, full ones too */
        mor_gc_set_threshold(rt, 1 + (mode >> 4 & 7), 2, 2);
    else
        mor_gc_disable(rt); /* collections happen where the program says */
    FZ_CHECK(mor_trace_start(rt, 1) == 0, "mor_trace_start");
    mor_obj *del = mor_func_new(rt, "__del__", fz_del, NULL);
    for (int k = 0; k < 4; k++) {
        const char *const *names = fz_attr_names[k / 2];
        const char *fields[FZ_SLOTS + 1] = {names[0], names[1], names[2], names[3], NULL};
        fz_g.cls[k] = mor_class_new(rt, k / 2 ? "S" : "D", fields,
                                    k / 2 ? MOR_CLASS_SLOTS : MOR_CLASS_DICT);
        FZ_CHECK(fz_g.cls[k] != NULL, "mor_class_new");
        if (k % 2)
            FZ_CHECK(mor_class_set_attr(rt, fz_g.cls[k], "__del__", del) == 0, "set __del__");
    }
    mor_decref(rt, del);
    fz_g.wr_cb = mor_func_new(rt, "fz_wr_callback", fz_wr_callback, NULL);
    fz_g.fin_fn = mor_func_new(rt, "fz_fin_callback", fz_fin_callback, NULL);
    fz_g.R = mor_list(rt, 0);
    FZ_CHECK(fz_g.wr_cb && fz_g.fin_fn && fz_g.R, "harness objects");
}

/* Drop every root, collect until no node is left, then everything else:
 * the runtime must end with no object alive. */
static void fz_end(void)
{
    mor_rt *rt = fz_g.rt;
    fz_model *m = &fz_g.m;
    fz_g.op_index = -1;
    memset(fz_g.op, 0, sizeof(fz_g.op));
    for (int i = 0; i < FZ_MAXN; i++)
        fz_drop_root(i);
    fz_run_op((const uint8_t[4]){9, 0, 0, 0}); /* unfreeze */
    for (int round = 0; round < 8 && fz_alive(m) != 0; round++) {
        fz_run_op((const uint8_t[4]){12, 0, 0, 0}); /* clear the resurrection list */
        fz_op_collect(-1);
    }
    FZ_CHECK(fz_alive(m) == 0, "%d nodes survive the final collections", fz_popcount(fz_alive(m)));
    for (int k = 0; k < FZ_MAXF; k++) {
        if (fz_g.f[k].obj == NULL)
            continue;
        FZ_CHECK(fz_g.f[k].fired || fz_g.f[k].detached, "finalize %d never ran", k);
        mor_decref(rt, fz_g.f[k].obj);
    }
    for (int k = 0; k < FZ_MAXW; k++)
        mor_xdecref(rt, fz_g.w[k].ref);
    for (int k = 0; k < FZ_MAXS; k++)
        mor_xdecref(rt, fz_g.s[k]);
    for (int k = 0; k < 4; k++)
        mor_decref(rt, fz_g.cls[k]);
    mor_decref(rt, fz_g.wr_cb);
    mor_decref(rt, fz_g.fin_fn);
    mor_decref(rt, fz_g.R);
    mor_gc_collect(rt, -1);
    FZ_CHECK(mor_rt_live_objects(rt) == 0, "%zu objects left alive", mor_rt_live_objects(rt));
    mor_trace_stop(rt);
    mor_rt_free(rt);
    fz_g.rt = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_begin(size > 0 ? data[0] : 0);
    size_t nops = size / 4 < FZ_MAXOPS ? size / 4 : FZ_MAXOPS;
    bool trace = getenv("MOR_FUZZ_TRACE") != NULL;
    for (size_t k = 0; k < nops; k++) {
        fz_g.op_index = (int)k;
        memcpy(fz_g.op, data + 4 * k, 4);
        fz_run_op(fz_g.op);
        if (trace) {
            fprintf(stderr, "after op %zu [%u %u %u %u]: ", k, fz_g.op[0] % 16, fz_g.op[1],
                    fz_g.op[2], fz_g.op[3]);
            fz_dump();
        }
    }
    fz_end();
    return 0;
}
