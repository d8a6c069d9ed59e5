/* tests/fuzz/fuzz_ops.c: the graph fuzzer's operations (fuzz_harness.h). Each
 * changes the model before the runtime, since a runtime call may run
 * finalizers and callbacks that read the model; each holds a temporary
 * reference to the objects it works on, since a callback may drop the
 * harness's own. */
#include <string.h>

#include "fuzz_harness.h"
#include "types/types.h"

static mor_obj *fz_key(int slot) { return mor_int(fz_g.rt, slot); }

/* ---- creating nodes -------------------------------------------------------------------------- */

static mor_obj *fz_make_tuple(fz_node *x, uint8_t b, uint8_t c)
{
    mor_rt *rt = fz_g.rt;
    mor_obj *items[4];
    int n = 0;
    x->tid = fz_g.next_tid++;
    items[n++] = mor_int(rt, x->tid);
    for (int j = 0; j < b % 4; j++) {
        int t = fz_pick((uint8_t)(c + 37 * j));
        if (t < 0)
            break;
        x->e[x->n++] = (int8_t)t;
        items[n++] = mor_newref(fz_g.obj[t]);
    }
    mor_obj *o = mor_tuple_from(rt, (size_t)n, items);
    for (int j = 0; j < n; j++)
        mor_decref(rt, items[j]);
    return o;
}

static void op_create(uint8_t a, uint8_t b, uint8_t c)
{
    mor_rt *rt = fz_g.rt;
    int i = fz_free_slot();
    if (i < 0)
        return;
    fz_node *x = &fz_g.m.n[i];
    memset(x, 0, sizeof(*x));
    x->kind = (uint8_t)(a % FZ_NKINDS);
    if (!fz_kind_is_seq(x->kind))
        memset(x->e, -1, sizeof(x->e));
    int32_t line = ++fz_g.serial;
    FZ_CHECK(mor_trace_push_frame(rt, FZ_FRAME, line) == 0, "mor_trace_push_frame");
    mor_obj *o = NULL;
    switch (x->kind) {
    case FZ_LIST: o = mor_list(rt, 0); break;
    case FZ_TUPLE: o = fz_make_tuple(x, b, c); break;
    case FZ_DICT: o = mor_dict(rt); break;
    case FZ_SET: o = mor_set(rt); break;
    case FZ_DINST:
    case FZ_SINST: {
        bool del = b & 1;
        o = mor_call(rt, fz_g.cls[2 * (x->kind == FZ_SINST) + del], 0, NULL);
        x->has_fin = del;
        break;
    }
    default:
        o = mor_gen_new(rt, "fzgen", fz_gen_step, FZ_SLOTS, 0);
        x->has_fin = true;
        break;
    }
    mor_trace_pop_frame(rt);
    FZ_CHECK(o != NULL, "creating a %s: %s", fz_kind_names[x->kind], mor_err_message(rt));
    if (x->has_fin) {
        x->fin_mode = (uint8_t)((b >> 1) % FZ_NFIN);
        x->fin_arg = c;
    }
    x->used = x->held = true;
    fz_g.obj[i] = o;
    fz_g.line[i] = line;
}

/* ---- references between nodes --------------------------------------------------------------- */

static void fz_set_add(int i, int t)
{
    mor_rt *rt = fz_g.rt;
    fz_node *x = &fz_g.m.n[i];
    bool hashable = fz_hashable(&fz_g.m, t);
    bool present = false;
    for (int j = 0; j < x->n; j++)
        present = present || fz_equal(&fz_g.m, x->e[j], t);
    int64_t len0 = mor_len(rt, fz_g.obj[i]);
    if (hashable && !present)
        x->e[x->n++] = (int8_t)t;
    int r = mor_set_add(rt, fz_g.obj[i], fz_g.obj[t]);
    if (!hashable) {
        FZ_CHECK(r == -1 && mor_err_kind(rt) == MOR_EXC_TYPE, "set.add of unhashable node %d", t);
        mor_err_clear(rt);
        return;
    }
    FZ_CHECK(r == 0, "set.add of node %d: %s", t, mor_err_message(rt));
    FZ_CHECK(mor_len(rt, fz_g.obj[i]) == len0 + !present, "set.add of node %d: wrong length", t);
}

static void op_link(uint8_t a, uint8_t b, uint8_t c)
{
    mor_rt *rt = fz_g.rt;
    int i = fz_pick(a), t = fz_pick(b);
    if (i < 0)
        return;
    fz_node *x = &fz_g.m.n[i];
    mor_obj *o = mor_newref(fz_g.obj[i]), *v = mor_newref(fz_g.obj[t]);
    int s = c % FZ_SLOTS;
    switch (x->kind) {
    case FZ_LIST:
        if (x->n < FZ_MAXSEQ) {
            x->e[x->n++] = (int8_t)t;
            FZ_CHECK(mor_list_append(rt, o, v) == 0, "list append");
        }
        break;
    case FZ_SET:
        if (x->n < FZ_MAXSEQ)
            fz_set_add(i, t);
        break;
    case FZ_DICT: {
        x->e[s] = (int8_t)t;
        mor_obj *k = fz_key(s);
        FZ_CHECK(mor_dict_set(rt, o, k, v) == 0, "dict set");
        mor_decref(rt, k);
        break;
    }
    case FZ_DINST:
    case FZ_SINST:
        x->e[s] = (int8_t)t;
        FZ_CHECK(mor_setattr(rt, o, fz_attr_names[x->kind == FZ_SINST][s], v) == 0, "setattr");
        break;
    case FZ_GEN: {
        x->e[s] = (int8_t)t;
        mor_obj **loc = mor_gen_locals((mor_gen *)o);
        mor_obj *old = loc[s];
        loc[s] = mor_newref(v);
        mor_xdecref(rt, old);
        break;
    }
    default: /* tuples never change */
        break;
    }
    mor_decref(rt, v);
    mor_decref(rt, o);
}

static void fz_seq_remove(fz_node *x, int idx)
{
    for (int j = idx; j + 1 < x->n; j++)
        x->e[j] = x->e[j + 1];
    x->n--;
}

static void op_unlink(uint8_t a, uint8_t c)
{
    mor_rt *rt = fz_g.rt;
    int i = fz_pick(a);
    if (i < 0)
        return;
    fz_node *x = &fz_g.m.n[i];
    mor_obj *o = mor_newref(fz_g.obj[i]);
    int s = c % FZ_SLOTS;
    if (x->kind == FZ_LIST && x->n > 0) {
        int idx = c % x->n, t = x->e[idx];
        fz_seq_remove(x, idx);
        mor_obj *item = mor_list_pop(rt, o, idx);
        FZ_CHECK(item == fz_g.obj[t], "list pop(%d) gave another object than node %d", idx, t);
        mor_decref(rt, item);
    } else if (x->kind == FZ_SET && x->n > 0) {
        int idx = c % x->n, t = x->e[idx];
        fz_seq_remove(x, idx);
        mor_obj *v = mor_newref(fz_g.obj[t]);
        FZ_CHECK(mor_set_discard(rt, o, v) == 1, "set discard of node %d", t);
        mor_decref(rt, v);
    } else if (x->kind == FZ_DICT) {
        bool had = x->e[s] >= 0;
        x->e[s] = -1;
        mor_obj *k = fz_key(s);
        FZ_CHECK(mor_dict_del(rt, o, k) == (had ? 1 : 0), "dict del %d", s);
        mor_decref(rt, k);
    } else if (x->kind == FZ_DINST || x->kind == FZ_SINST) {
        bool had = x->e[s] >= 0;
        x->e[s] = -1;
        const char *name = fz_attr_names[x->kind == FZ_SINST][s];
        int r = mor_delattr(rt, o, name);
        if (had) {
            FZ_CHECK(r == 0, "delattr %s: %s", name, mor_err_message(rt));
        } else {
            FZ_CHECK(r == -1 && mor_err_kind(rt) == MOR_EXC_ATTRIBUTE, "delattr of unset %s", name);
            mor_err_clear(rt);
        }
    } else if (x->kind == FZ_GEN && x->e[s] >= 0) {
        x->e[s] = -1;
        mor_obj **loc = mor_gen_locals((mor_gen *)o);
        mor_obj *old = loc[s];
        loc[s] = NULL;
        mor_decref(rt, old);
    }
    mor_decref(rt, o);
}

static void op_hold(uint8_t a)
{
    int i = fz_pick(a);
    if (i < 0)
        return;
    if (fz_g.m.n[i].held) {
        fz_drop_root(i);
    } else {
        fz_g.m.n[i].held = true;
        mor_incref(fz_g.obj[i]);
    }
}

/* ---- weak references and finalize ------------------------------------------------------------ */

static bool fz_weakrefable(int i)
{
    int k = fz_g.m.n[i].kind;
    return k == FZ_DINST || k == FZ_SINST || k == FZ_GEN;
}

static void op_weakref(uint8_t a, uint8_t b, uint8_t c)
{
    mor_rt *rt = fz_g.rt;
    int i = fz_pick(a), k = 0;
    while (k < FZ_MAXW && fz_g.w[k].ref != NULL)
        k++;
    if (i < 0 || k == FZ_MAXW)
        return;
    bool cb = b & 1;
    mor_obj *target = mor_newref(fz_g.obj[i]);
    mor_obj *ref = mor_weakref(rt, target, cb ? fz_g.wr_cb : NULL);
    if (!fz_weakrefable(i)) {
        FZ_CHECK(ref == NULL && mor_err_kind(rt) == MOR_EXC_TYPE, "weakref to a %s",
                 fz_kind_names[fz_g.m.n[i].kind]);
        mor_err_clear(rt);
        mor_decref(rt, target);
        return;
    }
    FZ_CHECK(ref != NULL, "weakref: %s", mor_err_message(rt));
    for (int j = 0; j < FZ_MAXW && !cb; j++) {
        fz_wref *w = &fz_g.w[j];
        if (w->ref != NULL && !w->has_cb && !w->cleared && w->target == i)
            FZ_CHECK(w->ref == ref, "two callback-less weakrefs to node %d are not shared", i);
    }
    fz_g.w[k] = (fz_wref){ref, i, cb, (b >> 1) & 1, c, false, 0};
    mor_decref(rt, target); /* last: the target may die here, and call back */
}

static void op_unweak(uint8_t a)
{
    fz_wref *w = &fz_g.w[a % FZ_MAXW];
    if (w->ref == NULL)
        return;
    mor_obj *ref = w->ref;
    w->ref = NULL;
    mor_decref(fz_g.rt, ref);
}

static void op_finalize(uint8_t a, uint8_t b, uint8_t c)
{
    mor_rt *rt = fz_g.rt;
    int i = fz_pick(a), k = 0;
    while (k < FZ_MAXF && fz_g.f[k].obj != NULL && !fz_g.f[k].fired && !fz_g.f[k].detached)
        k++;
    if (i < 0 || k == FZ_MAXF)
        return;
    /* first: any allocation may run a collection that frees an unheld node */
    mor_obj *target = mor_newref(fz_g.obj[i]);
    fz_fin *f = &fz_g.f[k];
    mor_obj *old = f->obj; /* a spent slot is reused */
    *f = (fz_fin){NULL, i, b & 1, c, false, false, false, 0};
    mor_xdecref(rt, old);
    mor_obj *idx = mor_int(rt, k);
    mor_obj *args = mor_tuple(rt, 1, idx);
    mor_decref(rt, idx);
    FZ_CHECK(args != NULL, "args tuple");
    mor_obj *fo = mor_finalize(rt, target, fz_g.fin_fn, args);
    mor_decref(rt, args);
    if (!fz_weakrefable(i)) {
        FZ_CHECK(fo == NULL && mor_err_kind(rt) == MOR_EXC_TYPE, "finalize of a %s",
                 fz_kind_names[fz_g.m.n[i].kind]);
        mor_err_clear(rt);
    } else {
        FZ_CHECK(fo != NULL, "mor_finalize: %s", mor_err_message(rt));
        f->obj = fo;
    }
    mor_decref(rt, target); /* last: the target may die here, and the finalize fire */
}

static void op_detach(uint8_t a)
{
    mor_rt *rt = fz_g.rt;
    fz_fin *f = &fz_g.f[a % FZ_MAXF];
    if (f->obj == NULL)
        return;
    bool alive = !f->fired && !f->detached;
    mor_obj *r = mor_finalize_detach(rt, f->obj);
    FZ_CHECK(r != NULL, "mor_finalize_detach: %s", mor_err_message(rt));
    if (alive && !f->fired) {
        size_t n;
        mor_obj *const *items = mor_seq_items(r, &n);
        FZ_CHECK(items != NULL && n == 3 && items[0] == fz_g.obj[f->target],
                 "detach did not give (target, fn, args)");
        f->detached = true;
    } else { /* dead already, or it fired in a collection the call ran */
        FZ_CHECK(r == mor_none(rt), "detach of a dead finalize did not give None");
    }
    mor_decref(rt, r);
}

/* ---- the collector -------------------------------------------------------------------------- */

static void op_freeze(uint8_t a)
{
    fz_model *m = &fz_g.m;
    for (int i = 0; i < FZ_MAXN; i++) {
        fz_node *x = &m->n[i];
        if (!x->used)
            continue;
        if (a & 1) {
            x->frozen = x->frozen || x->tracked;
        } else if (x->frozen) {
            x->frozen = false;
            x->gen = 2;
        }
    }
    if (a & 1)
        mor_gc_freeze(fz_g.rt);
    else
        mor_gc_unfreeze(fz_g.rt);
}

static void op_clear_r(void)
{
    mor_obj *fresh = mor_list(fz_g.rt, 0); /* first: making it may run a collection */
    FZ_CHECK(fresh != NULL, "new resurrection list");
    mor_obj *old = fz_g.R;
    fz_g.m.nr = 0;
    fz_g.R = fresh;
    mor_decref(fz_g.rt, old);
}

/* ---- deep copies ----------------------------------------------------------------------------- */

/* The runtime object in copy `c` standing where node t's p-th reference is. */
static mor_obj *fz_copy_child(int t, mor_obj *c, int p, int s)
{
    mor_rt *rt = fz_g.rt;
    fz_node *x = &fz_g.m.n[t];
    size_t n;
    switch (x->kind) {
    case FZ_LIST: return mor_seq_items(c, &n)[p];
    case FZ_TUPLE: return mor_seq_items(c, &n)[p + 1];
    case FZ_DICT: {
        mor_obj *k = fz_key(s), *v = NULL;
        FZ_CHECK(mor_dict_lookup(rt, c, k, &v) == 1, "copied dict lacks key %d", s);
        mor_decref(rt, k);
        mor_decref(rt, v); /* the copy holds it */
        return v;
    }
    default: { /* a set: the element equal to the original's */
        mor_obj *want = fz_g.obj[x->e[p]], *k, *found = NULL;
        int64_t pos = 0;
        while (mori_set_next(c, &pos, &k))
            if (mor_eq(rt, k, want) == 1) {
                FZ_CHECK(found == NULL, "copied set holds two equal elements");
                found = k;
            }
        FZ_CHECK(found != NULL, "copied set lacks a copy of node %d", x->e[p]);
        return found;
    }
    }
}

static int64_t fz_container_len(int t)
{
    fz_node *x = &fz_g.m.n[t];
    int out[FZ_MAXSEQ];
    return x->kind == FZ_TUPLE ? x->n + 1 : fz_edges(&fz_g.m, t, out);
}

/* Map node t of the original to its copy c, adding a node per new object;
 * checks that the copy has the original's shape and sharing. */
static int fz_map_copy(int t, mor_obj *c, int map[FZ_MAXN], int32_t line)
{
    mor_rt *rt = fz_g.rt;
    if (map[t] >= 0) {
        FZ_CHECK(fz_g.obj[map[t]] == c, "deepcopy: node %d copied twice (sharing lost)", t);
        return map[t];
    }
    if (fz_copies_to_self(&fz_g.m, t)) {
        FZ_CHECK(c == fz_g.obj[t], "deepcopy: atomic tuple %d was copied", t);
        return map[t] = t;
    }
    FZ_CHECK(c != fz_g.obj[t] && mor_type_of(c) == mor_type_of(fz_g.obj[t]),
             "deepcopy: node %d shared or of another type", t);
    FZ_CHECK(mor_len(rt, c) == fz_container_len(t), "deepcopy: node %d copied with another length",
             t);
    int j = fz_free_slot();
    FZ_CHECK(j >= 0, "deepcopy: no slot (counted beforehand)");
    fz_node *x = &fz_g.m.n[t], *y = &fz_g.m.n[j];
    *y = (fz_node){.used = true, .kind = x->kind, .tid = x->tid};
    memset(y->e, -1, sizeof(y->e));
    fz_g.obj[j] = c;
    fz_g.line[j] = line;
    map[t] = j;
    if (x->kind == FZ_TUPLE) {
        mor_obj *id = mor_int(rt, x->tid);
        FZ_CHECK(mor_eq(rt, mor_seq_items(c, &(size_t){0})[0], id) == 1, "deepcopy: tuple id");
        mor_decref(rt, id);
    }
    if (fz_kind_is_seq(x->kind)) {
        y->n = x->n;
        for (int p = 0; p < x->n; p++)
            y->e[p] = (int8_t)fz_map_copy(x->e[p], fz_copy_child(t, c, p, 0), map, line);
    } else {
        for (int s = 0; s < FZ_SLOTS; s++)
            if (x->e[s] >= 0)
                y->e[s] = (int8_t)fz_map_copy(x->e[s], fz_copy_child(t, c, 0, s), map, line);
    }
    return j;
}

static void op_deepcopy(uint8_t a)
{
    mor_rt *rt = fz_g.rt;
    fz_model *m = &fz_g.m;
    int i = fz_pick(a);
    if (i < 0)
        return;
    mor_obj *orig = mor_newref(fz_g.obj[i]);
    fz_mask sub = fz_reach(m, FZ_BIT(i), fz_alive(m));
    bool copyable = true;
    int need = 0, room = FZ_MAXN - fz_popcount(fz_alive(m));
    for (fz_mask t = sub; t != 0; t &= t - 1) {
        int k = __builtin_ctzll(t);
        copyable = copyable && (m->n[k].kind <= FZ_SET);
        need += !fz_copies_to_self(m, k);
    }
    if (copyable && need > room) {
        mor_decref(rt, orig);
        return;
    }
    int32_t line = ++fz_g.serial;
    FZ_CHECK(mor_trace_push_frame(rt, FZ_FRAME, line) == 0, "mor_trace_push_frame");
    mor_obj *c = mor_deepcopy(rt, orig);
    mor_trace_pop_frame(rt);
    mor_decref(rt, orig);
    if (fz_g.auto_gc) {
        /* collections during the copy may have run finalizers that changed
         * the original: the copy is not mapped, only dropped (its objects
         * refer to nothing but copies and shared tuples: they only keep
         * nodes alive longer) */
        if (c == NULL)
            mor_err_clear(rt);
        mor_xdecref(rt, c);
        return;
    }
    if (!copyable) {
        FZ_CHECK(c == NULL && mor_err_kind(rt) == MOR_EXC_TYPE,
                 "deepcopy of a graph holding an instance or generator");
        mor_err_clear(rt);
        fz_g.flush = true; /* half-made copies may be cyclic garbage */
        return;
    }
    FZ_CHECK(c != NULL, "deepcopy: %s", mor_err_message(rt));
    int map[FZ_MAXN];
    memset(map, -1, sizeof(map));
    int j = fz_map_copy(i, c, map, line);
    if (m->n[j].held) /* a tuple copied to itself */
        mor_decref(rt, c);
    else
        m->n[j].held = true;
}

/* ---- the rest -------------------------------------------------------------------------------- */

static void op_intern(uint8_t a, uint8_t b, uint8_t c)
{
    mor_rt *rt = fz_g.rt;
    char buf[4] = {(char)('a' + b % 3), (char)('a' + b / 3 % 3), (char)('a' + c % 3),
                   (char)('a' + c / 3 % 3)};
    size_t len = 1 + a % 4;
    mor_obj *s = mor_str_n(rt, buf, len);
    FZ_CHECK(s != NULL, "mor_str_n");
    mor_obj *in = mor_intern(rt, s);
    mor_decref(rt, s);
    FZ_CHECK(in != NULL && mor_str_is_interned(in), "mor_intern");
    size_t n;
    const char *text = mor_str_utf8(in, &n);
    FZ_CHECK(n == len && memcmp(text, buf, len) == 0, "interned string differs");
    mor_obj *again = mor_intern(rt, in);
    FZ_CHECK(again == in, "interning an interned string gave another");
    mor_decref(rt, again);
    for (int k = 0; k < FZ_MAXS; k++) {
        if (fz_g.s[k] == NULL)
            continue;
        const char *o = mor_str_utf8(fz_g.s[k], &n);
        if (n == len && memcmp(o, buf, len) == 0)
            FZ_CHECK(fz_g.s[k] == in, "two interned strings \"%.*s\"", (int)len, buf);
    }
    int k = (a >> 2) % FZ_MAXS;
    mor_obj *old = fz_g.s[k];
    fz_g.s[k] = in;
    mor_xdecref(rt, old);
}

static void op_gen(uint8_t a, uint8_t b)
{
    mor_rt *rt = fz_g.rt;
    int i = fz_pick_kind(a, FZ_GEN);
    if (i < 0)
        return;
    mor_obj *g = mor_newref(fz_g.obj[i]);
    if (b & 1) {
        fz_g.closing = i;
        FZ_CHECK(mor_gen_close(rt, g) == 0, "close: %s", mor_err_message(rt));
        fz_g.closing = -1;
        FZ_CHECK(fz_g.m.n[i].finalized, "close did not run the cleanup");
    } else {
        bool closed = fz_g.m.n[i].finalized;
        mor_obj *r = mor_next(rt, g);
        FZ_CHECK(mor_err_kind(rt) == MOR_EXC_NONE, "next: %s", mor_err_message(rt));
        FZ_CHECK(closed ? r == NULL : r == mor_none(rt), "next of a %s generator",
                 closed ? "closed" : "live");
        mor_xdecref(rt, r);
    }
    mor_decref(rt, g);
}

static void op_inspect(uint8_t a)
{
    mor_rt *rt = fz_g.rt;
    fz_model *m = &fz_g.m;
    int i = fz_pick(a);
    if (i < 0)
        return;
    mor_obj *o = mor_newref(fz_g.obj[i]);
    mor_obj *r = mor_repr(rt, o);
    FZ_CHECK(r != NULL, "repr: %s", mor_err_message(rt));
    mor_decref(rt, r);
    FZ_CHECK(mor_eq(rt, o, o) == 1, "a node is not equal to itself");
    int64_t h;
    bool hashable = mor_hash(rt, o, &h) == 0;
    FZ_CHECK(hashable == fz_hashable(m, i), "node %d is %shashable", i, hashable ? "" : "not ");
    mor_err_clear(rt);
    FZ_CHECK(mor_deep_sizeof(rt, o) > 0, "deep_sizeof: %s", mor_err_message(rt));
    /* the referents that are nodes: exactly the model's edges */
    int want[FZ_MAXN] = {0}, got[FZ_MAXN] = {0}, out[FZ_MAXSEQ];
    int k = fz_edges(m, i, out);
    for (int j = 0; j < k; j++)
        want[out[j]]++;
    mor_obj *refs = mor_gc_get_referents(rt, o);
    FZ_CHECK(refs != NULL, "get_referents: %s", mor_err_message(rt));
    size_t n;
    mor_obj *const *items = mor_seq_items(refs, &n);
    for (size_t j = 0; j < n; j++)
        for (int t = 0; t < FZ_MAXN; t++)
            if (m->n[t].used && fz_g.obj[t] == items[j])
                got[t]++;
    mor_decref(rt, refs);
    for (int t = 0; t < FZ_MAXN; t++)
        FZ_CHECK(want[t] == got[t], "node %d refers to node %d %d times, the model says %d", i, t,
                 got[t], want[t]);
    /* the referrers that are nodes: each tracked node with an edge to it,
     * once (automatic mode: a collection may run inside and change them) */
    mor_obj *back = mor_gc_get_referrers(rt, o);
    FZ_CHECK(back != NULL, "get_referrers: %s", mor_err_message(rt));
    items = mor_seq_items(back, &n);
    for (int t = 0; t < FZ_MAXN && !fz_g.auto_gc; t++) {
        if (!m->n[t].used)
            continue;
        int nref = 0, seen = 0;
        k = fz_edges(m, t, out);
        for (int j = 0; j < k; j++)
            nref += out[j] == i;
        for (size_t j = 0; j < n; j++)
            seen += items[j] == fz_g.obj[t];
        FZ_CHECK(seen == (nref > 0 && m->n[t].tracked),
                 "get_referrers(node %d) lists node %d %d times (it refers %d times, %stracked)", i,
                 t, seen, nref, m->n[t].tracked ? "" : "un");
    }
    mor_decref(rt, back);
    mor_decref(rt, o);
}

void fz_run_op(const uint8_t rec[4])
{
    uint8_t a = rec[1], b = rec[2], c = rec[3];
    switch (rec[0] % 16) {
    case 0: op_create(a, b, c); break;
    case 1:
    case 15: op_link(a, b, c); break;
    case 2: op_unlink(a, c); break;
    case 3: op_hold(a); break;
    case 4: op_weakref(a, b, c); break;
    case 5: op_unweak(a); break;
    case 6: op_finalize(a, b, c); break;
    case 7: op_detach(a); break;
    case 8: fz_op_collect(a % 4 == 3 ? -1 : a % 4); return;
    case 9: op_freeze(a); break;
    case 10: op_deepcopy(a); break;
    case 11: op_intern(a, b, c); break;
    case 12: op_clear_r(); break;
    case 13: op_gen(a, b); break;
    default: op_inspect(a); break;
    }
    fz_settle(fz_refcount_keep(&fz_g.m, fz_alive(&fz_g.m)), 0);
    if (fz_g.flush)
        fz_op_collect(-1);
}
