/* tests/test_oom.c: out of memory at every allocation. Each scenario runs in a
 * fresh runtime whose k-th allocation fails, for k = 1, 2, ... until a run
 * meets no failure, in two modes:
 *   hard  cfg.alloc_fail_nth = k: the k-th allocation and its retry after the
 *         emergency collection both fail, so MemoryError must reach the caller
 *         (unless the failure hit code whose errors have nowhere to go: a
 *         finalizer, a callback, an optional cache);
 *   soft  a cfg.alloc_fail callback fails the k-th request only: the emergency
 *         collection runs at that point and the retry succeeds, so the
 *         operation completes.
 * For every k: no crash, the error (if any) is a MemoryError, the heap checker
 * passes with the scenario's objects alive and again after they were dropped,
 * nothing leaks (objects, and bytes beyond what a clean run keeps), and a
 * completed run produced the right result. */
#include "testutil.h"

#include "core/debug.h"
#include "core/rt.h"
#include "gc/check.h"

#define OOM_KEEP 256

/* One run of a scenario: the objects it keeps alive (owned here, released by
 * the driver), and what its callbacks saw. */
typedef struct oom_run {
    mor_rt *rt;
    mor_obj *keep[OOM_KEEP];
    int nkeep;
    int unraisable; /* errors handed to the unraisable hook */
    int fin_calls, cb_calls, cleanups, lru_calls;
} oom_run;

/* Take o (NULL passes through) into the run's keep list. */
static mor_obj *keep(oom_run *r, mor_obj *o)
{
    if (o == NULL)
        return NULL;
    if (r->nkeep == OOM_KEEP)
        fail_msg("oom_run: keep list full");
    r->keep[r->nkeep++] = o;
    return o;
}

/* Release one kept object now. */
static void drop(oom_run *r, mor_obj *o)
{
    for (int i = r->nkeep - 1; i >= 0; i--) {
        if (r->keep[i] == o) {
            r->keep[i] = r->keep[--r->nkeep];
            mor_decref(r->rt, o);
            return;
        }
    }
    fail_msg("oom_run: dropping an object that is not kept");
}

#define NEW(var, expr)                                                                        \
    do {                                                                                       \
        if (((var) = keep(r, (expr))) == NULL)                                                 \
            return -1;                                                                         \
    } while (0)
#define TRY(expr)                                                                             \
    do {                                                                                       \
        if ((expr) < 0)                                                                        \
            return -1;                                                                         \
    } while (0)
/* A completed run must have produced the right result. */
#define EXPECT(cond)                                                                          \
    do {                                                                                       \
        if (!(cond))                                                                           \
            fail_msg("%s:%d: wrong result after a completed run: %s", __FILE__, __LINE__, #cond); \
    } while (0)

static int64_t oom_i64(mor_rt *rt, mor_obj *o)
{
    int64_t v = -1;
    if (o == NULL || mor_int_to_i64(rt, o, &v) < 0)
        fail_msg("not an int");
    return v;
}

/* Append a new reference (NULL: the error propagates). */
static int append_new(mor_rt *rt, mor_obj *l, mor_obj *x)
{
    if (x == NULL)
        return -1;
    return mor_list_append_steal(rt, l, x);
}

static int set_new(mor_rt *rt, mor_obj *d, mor_obj *k, mor_obj *v)
{
    int rc = (k != NULL && v != NULL) ? mor_setitem(rt, d, k, v) : -1;
    mor_xdecref(rt, k);
    mor_xdecref(rt, v);
    return rc;
}

static int setattr_new(mor_rt *rt, mor_obj *o, const char *name, mor_obj *v)
{
    int rc = v != NULL ? mor_setattr(rt, o, name, v) : -1;
    mor_xdecref(rt, v);
    return rc;
}

static void oom_unraisable(mor_rt *rt, mor_obj *exc, const char *where, void *ud)
{
    (void)rt, (void)exc, (void)where;
    ((oom_run *)ud)->unraisable++;
}

/* ---- scenario 1: every container kind ------------------------------------------------ */

static int sc_containers(oom_run *r)
{
    mor_rt *rt = r->rt;
    mor_obj *i1, *f, *s, *b, *l, *t, *t2, *d, *st, *st2, *u, *ba, *arr, *mv, *ml, *rg, *lr, *cp;
    mor_obj *keys, *items, *rp, *sl, *fs, *it;
    NEW(i1, mor_int(rt, 1000));
    NEW(f, mor_float(rt, 1.5));
    NEW(s, mor_str(rt, "hello world"));
    NEW(b, mor_bytes(rt, "abc", 3));
    NEW(l, mor_list(rt, 4, i1, f, s, b));
    for (int i = 0; i < 20; i++)
        TRY(append_new(rt, l, mor_int(rt, 300 + i)));
    TRY(mor_list_insert(rt, l, 0, s));
    mor_obj *p = mor_list_pop(rt, l, 0);
    if (p == NULL)
        return -1;
    mor_decref(rt, p);
    NEW(t, mor_tuple(rt, 3, l, s, i1));
    NEW(t2, mor_tuple_from(rt, 2, (mor_obj *const[]){i1, f}));
    NEW(d, mor_dict(rt));
    TRY(mor_dict_set(rt, d, s, l));
    TRY(mor_dict_set(rt, d, i1, t));
    TRY(mor_dict_set(rt, d, t2, b));
    NEW(keys, mor_dict_keys(rt, d));
    NEW(keys, mor_list_from(rt, keys));
    NEW(items, mor_dict_items(rt, d));
    NEW(items, mor_list_from(rt, items));
    NEW(st, mor_set(rt));
    TRY(mor_set_add(rt, st, i1));
    TRY(mor_set_add(rt, st, s));
    TRY(mor_set_add(rt, st, t2));
    NEW(fs, mor_slice(rt, l, 4, MOR_SLICE_NONE, 1)); /* the ints 300.. */
    NEW(st2, mor_set_from(rt, fs));
    NEW(u, mor_set_union(rt, st, st2));
    NEW(ba, mor_bytearray(rt, "xyz", 3));
    TRY(mor_bytearray_append(rt, ba, 'w'));
    TRY(mor_bytearray_extend(rt, ba, b));
    NEW(arr, mor_array_from(rt, 'i', fs));
    TRY(mor_array_append(rt, arr, i1));
    NEW(mv, mor_memoryview(rt, ba));
    NEW(ml, mor_memoryview_tolist(rt, mv));
    TRY(mor_memoryview_release(rt, mv));
    NEW(rg, mor_range(rt, 0, 30, 3));
    NEW(lr, mor_list_from(rt, rg));
    TRY(mor_list_sort(rt, fs));
    NEW(sl, mor_slice(rt, lr, 1, 8, 2));
    NEW(cp, mor_copy(rt, d));
    NEW(rp, mor_repr(rt, d));
    NEW(it, mor_iter(rt, st));
    for (mor_obj *x; (x = mor_next(rt, it)) != NULL;)
        mor_decref(rt, x);
    if (mor_err_kind(rt) != MOR_EXC_NONE)
        return -1;

    EXPECT(mor_len(rt, l) == 24 && mor_len(rt, d) == 3 && mor_len(rt, cp) == 3);
    EXPECT(mor_len(rt, keys) == 3 && mor_len(rt, items) == 3);
    EXPECT(mor_len(rt, st) == 3 && mor_len(rt, st2) == 20 && mor_len(rt, u) == 23);
    EXPECT(mor_len(rt, ba) == 7 && mor_len(rt, arr) == 21 && mor_len(rt, ml) == 7);
    EXPECT(mor_len(rt, lr) == 10 && mor_len(rt, sl) == 4);
    EXPECT(strstr(mor_str_utf8(rp, NULL), "'hello world'") != NULL);
    return 0;
}

/* ---- scenario 2: dict growth -------------------------------------------------------------- */

static mor_obj *dict_key(mor_rt *rt, int i)
{
    return i % 2 ? mor_int(rt, (int64_t)i * 7919) : mor_str_fmt(rt, "key-%d", i);
}

static int sc_dict_growth(oom_run *r)
{
    mor_rt *rt = r->rt;
    const int n = 200;
    mor_obj *d, *holder;
    NEW(d, mor_dict(rt));
    NEW(holder, mor_list(rt, 0)); /* a tracked value: the dict is tracked too */
    TRY(set_new(rt, d, mor_str(rt, "holder"), mor_newref(holder)));
    for (int i = 0; i < n; i++)
        TRY(set_new(rt, d, dict_key(rt, i), mor_int(rt, i)));
    for (int i = 0; i < n; i += 3) {
        mor_obj *k = dict_key(rt, i);
        int rc = k ? mor_delitem(rt, d, k) : -1;
        mor_xdecref(rt, k);
        TRY(rc);
    }
    for (int i = 0; i < n; i += 6) /* some come back */
        TRY(set_new(rt, d, dict_key(rt, i), mor_int(rt, -i)));
    mor_obj *vals;
    NEW(vals, mor_dict_values(rt, d));
    NEW(vals, mor_list_from(rt, vals));

    int expect = 1 + n - (n + 2) / 3 + (n + 5) / 6;
    EXPECT(mor_len(rt, d) == expect && mor_len(rt, vals) == expect);
    for (int i = 0; i < n; i++) {
        mor_obj *k = dict_key(rt, i), *v = NULL;
        if (k == NULL)
            return -1;
        int found = mor_dict_lookup(rt, d, k, &v);
        mor_decref(rt, k);
        if (found < 0)
            return -1;
        if (i % 6 == 0)
            EXPECT(found == 1 && oom_i64(rt, v) == -i);
        else if (i % 3 == 0)
            EXPECT(found == 0);
        else
            EXPECT(found == 1 && oom_i64(rt, v) == i);
        mor_xdecref(rt, v);
    }
    return 0;
}

/* ---- scenario 3: str join and append ------------------------------------------------------- */

static int sc_str(oom_run *r)
{
    mor_rt *rt = r->rt;
    mor_obj *parts, *sep, *joined, *acc, *e, *cat, *big, *tup, *j2;
    NEW(parts, mor_list(rt, 0));
    for (int i = 0; i < 40; i++)
        TRY(append_new(rt, parts, mor_str_fmt(rt, "part-%02d", i)));
    NEW(sep, mor_str(rt, ", "));
    NEW(joined, mor_str_join(rt, sep, parts));
    NEW(e, mor_str(rt, "\xc3\xa9t\xc3\xa9")); /* "été": not ASCII */
    NEW(acc, mor_str(rt, "start:"));
    int acc_slot = r->nkeep - 1; /* the kept reference follows acc when it is replaced */
    for (int i = 0; i < 60; i++) {
        mor_obj *piece = i % 5 == 4 ? mor_newref(e) : mor_str_fmt(rt, "<%d>", i);
        if (piece == NULL)
            return -1;
        int rc = mor_str_append(rt, &r->keep[acc_slot], piece);
        mor_decref(rt, piece);
        TRY(rc);
    }
    acc = r->keep[acc_slot];
    NEW(cat, mor_str_concat(rt, joined, acc));
    NEW(big, mor_str_fmt(rt, "[%s|%s]", mor_str_utf8(joined, NULL), mor_str_utf8(acc, NULL)));
    NEW(tup, mor_tuple(rt, 3, e, sep, joined));
    NEW(j2, mor_str_join(rt, e, tup));
    int64_t at = mor_str_find(rt, cat, e);
    TRY(at);

    EXPECT(mor_str_length(joined) == 40 * 7 + 39 * 2);
    EXPECT(strncmp(mor_str_utf8(joined, NULL), "part-00, part-01", 16) == 0);
    int64_t acc_len = 6;
    for (int i = 0; i < 60; i++)
        acc_len += i % 5 == 4 ? 3 : (i < 10 ? 3 : 4);
    EXPECT(mor_str_length(acc) == acc_len);
    EXPECT(mor_str_length(cat) == mor_str_length(joined) + acc_len);
    EXPECT(mor_str_length(big) == mor_str_length(cat) + 3);
    EXPECT(mor_str_length(j2) == 3 + 3 + 2 + 3 + mor_str_length(joined));
    EXPECT(at > 0);
    return 0;
}

/* ---- scenario 4: deepcopy of a cyclic structure --------------------------------------------- */

static int sc_deepcopy(oom_run *r)
{
    mor_rt *rt = r->rt;
    mor_obj *a, *d, *t, *inst, *st, *cp, *big;
    NEW(a, mor_list(rt, 0));
    NEW(d, mor_dict(rt));
    NEW(big, mor_int_from_str(rt, "123456789012345678901234567890", 10));
    TRY(mor_list_append(rt, a, d));
    TRY(set_new(rt, d, mor_str(rt, "self"), mor_newref(d)));
    TRY(set_new(rt, d, mor_str(rt, "list"), mor_newref(a)));
    NEW(t, mor_tuple(rt, 3, a, d, big));
    TRY(mor_list_append(rt, a, t));
    NEW(inst, mor_dict(rt));
    TRY(set_new(rt, inst, mor_int(rt, 4242), mor_newref(a)));
    TRY(set_new(rt, inst, mor_str(rt, "val"), mor_float(rt, 2.5)));
    TRY(mor_list_append(rt, a, inst));
    NEW(st, mor_set(rt));
    for (int i = 0; i < 10; i++) {
        mor_obj *x = mor_str_fmt(rt, "member-%d", i);
        int rc = x ? mor_set_add(rt, st, x) : -1;
        mor_xdecref(rt, x);
        TRY(rc);
    }
    TRY(mor_list_append(rt, a, st));
    for (int i = 0; i < 10; i++)
        TRY(append_new(rt, a, mor_list(rt, 2, d, big)));
    NEW(cp, mor_deepcopy(rt, a));
    int64_t deep = mor_deep_sizeof(rt, cp);
    TRY(deep);

    size_t n;
    mor_obj *const *items = mor_seq_items(cp, &n);
    EXPECT(cp != a && n == 14);
    mor_obj *cd = items[0], *ct = items[1], *ci = items[2];
    EXPECT(mor_is_dict(cd) && cd != d && mor_is_tuple(ct) && ct != t && ci != inst);
    mor_obj *self = NULL, *lst = NULL;
    mor_obj *kself = mor_str(rt, "self"), *klist = kself ? mor_str(rt, "list") : NULL;
    int rc = klist ? mor_dict_lookup(rt, cd, kself, &self) : -1;
    if (rc == 1)
        rc = mor_dict_lookup(rt, cd, klist, &lst);
    mor_xdecref(rt, kself);
    mor_xdecref(rt, klist);
    TRY(rc);
    EXPECT(self == cd && lst == cp);
    mor_decref(rt, self);
    mor_decref(rt, lst);
    mor_obj *const *titems = mor_seq_items(ct, &n);
    EXPECT(n == 3 && titems[0] == cp && titems[1] == cd && mor_eq(rt, titems[2], big) == 1);
    mor_obj *nx = NULL, *k4242 = mor_int(rt, 4242);
    rc = k4242 ? mor_dict_lookup(rt, ci, k4242, &nx) : -1;
    mor_xdecref(rt, k4242);
    TRY(rc);
    EXPECT(rc == 1 && nx == cp);
    mor_decref(rt, nx);
    EXPECT(mor_is_dict(ci) && mor_len(rt, items[3]) == 10 && items[3] != st);
    EXPECT(deep > 0);
    return 0;
}

/* ---- scenario 5: a generator pipeline --------------------------------------------------------- */

typedef struct count_state {
    int64_t i, n;
    int *cleanups;
} count_state;

/* yields 0, 1000, 2000, ... (n of them), returns "done"; its cleanup counts */
static mor_obj *count_step(mor_rt *rt, mor_gen *g, mor_obj *sent)
{
    count_state *s = mor_gen_cstate(g);
    MOR_GEN_BEGIN(g);
    for (s->i = 0; s->i < s->n; s->i++)
        MOR_GEN_YIELD(g, mor_int(rt, s->i * 1000));
    MOR_GEN_RETURN(g, mor_str(rt, "done"));
    MOR_GEN_FINALLY(g);
    (*s->cleanups)++;
    MOR_GEN_END(g);
}

/* yields from locals[0], then yields the inner generator's return value */
static mor_obj *outer_step(mor_rt *rt, mor_gen *g, mor_obj *sent)
{
    (void)rt;
    MOR_GEN_BEGIN(g);
    MOR_GEN_YIELD_FROM(g, mor_gen_locals(g)[0]);
    MOR_GEN_YIELD(g, mor_newref(mor_gen_result(g)));
    MOR_GEN_END(g);
}

static mor_obj *new_counter(oom_run *r, int64_t n)
{
    mor_obj *g = mor_gen_new(r->rt, "count", count_step, 0, sizeof(count_state));
    if (g != NULL) {
        count_state *s = mor_gen_cstate((mor_gen *)g);
        s->n = n;
        s->cleanups = &r->cleanups;
    }
    return g;
}

static mor_obj *fn_square(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data, (void)nargs;
    return mor_mul(rt, args[0], args[0]);
}

static mor_obj *fn_even(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data, (void)nargs;
    int64_t v;
    if (mor_int_to_i64(rt, args[0], &v) < 0)
        return NULL;
    return mor_bool(rt, v % 2000 == 0);
}

static int sc_generators(oom_run *r)
{
    mor_rt *rt = r->rt;
    mor_obj *g, *sq, *ev, *m, *flt, *isl, *en, *out, *g2, *outer, *o2, *total, *g3, *g4, *z, *ch;
    mor_obj *zl, *cl, *half;
    NEW(g, new_counter(r, 60));
    NEW(sq, mor_func_new(rt, "square", fn_square, NULL));
    NEW(ev, mor_func_new(rt, "even", fn_even, NULL));
    NEW(m, mor_map(rt, sq, g));
    NEW(flt, mor_filter(rt, ev, g)); /* shares g with m: consumed by whoever asks */
    NEW(isl, mor_islice(rt, flt, 0, 10, 1));
    NEW(en, mor_enumerate(rt, isl, 100));
    NEW(out, mor_list_from(rt, en));
    NEW(total, mor_sum(rt, m, NULL)); /* the rest of g, squared */
    NEW(g2, new_counter(r, 5));
    NEW(outer, mor_gen_new(rt, "outer", outer_step, 1, 0));
    mor_gen_locals((mor_gen *)outer)[0] = mor_newref(g2);
    NEW(o2, mor_list_from(rt, outer));
    NEW(g3, new_counter(r, 4));
    NEW(g4, mor_range(rt, 0, 4, 1));
    NEW(z, mor_zip(rt, 2, (mor_obj *const[]){g3, g4}));
    NEW(zl, mor_list_from(rt, z));
    NEW(ch, mor_chain(rt, 2, (mor_obj *const[]){zl, o2}));
    NEW(cl, mor_list_from(rt, ch));
    NEW(half, new_counter(r, 10)); /* left suspended: its finalizer closes it */
    mor_obj *first = mor_next(rt, half);
    if (first == NULL)
        return -1;
    mor_decref(rt, first);

    /* filter took 0, 2000, ..., 18000 (odd thousands went nowhere), leaving
     * 19000..59000 for the map */
    EXPECT(mor_len(rt, out) == 10);
    size_t n;
    mor_obj *const *items = mor_seq_items(out, &n);
    mor_obj *const *pair = mor_seq_items(items[9], &n);
    EXPECT(n == 2 && oom_i64(rt, pair[0]) == 109 && oom_i64(rt, pair[1]) == 18000);
    int64_t want = 0;
    for (int64_t i = 19; i < 60; i++)
        want += i * 1000 * i * 1000;
    EXPECT(oom_i64(rt, total) == want);
    EXPECT(mor_len(rt, o2) == 6 && mor_len(rt, zl) == 4 && mor_len(rt, cl) == 10);
    mor_obj *const *oi = mor_seq_items(o2, &n);
    EXPECT(mor_is_str(oi[5]) && strcmp(mor_str_utf8(oi[5], NULL), "done") == 0);
    return 0;
}

/* ---- scenario 6: a collection with finalizers and weakref callbacks -------------------------- */

static mor_obj *fn_del(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)nargs, (void)args;
    oom_run *r = *(oom_run **)(void *)mor_bytes_data(data, NULL);
    r->fin_calls++;
    /* a finalizer that allocates: its MemoryError goes to the unraisable hook */
    mor_obj *x = mor_list(rt, 1, args[0]);
    if (x == NULL)
        return NULL;
    mor_decref(rt, x);
    return mor_newref(mor_none(rt));
}

static mor_obj *fn_wr_cb(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)nargs, (void)args;
    oom_run *r = *(oom_run **)(void *)mor_bytes_data(data, NULL);
    r->cb_calls++;
    return mor_str_fmt(rt, "callback %d", r->cb_calls);
}

static int sc_finalizers(oom_run *r)
{
    mor_rt *rt = r->rt;
    mor_obj *rp, *del, *cb, *cls, *refs, *fins;
    NEW(rp, mor_bytes(rt, &r, sizeof(r)));
    NEW(del, mor_func_new(rt, "__del__", fn_del, rp));
    NEW(cb, mor_func_new(rt, "cb", fn_wr_cb, rp));
    NEW(cls, mor_class_new(rt, "Fin", (const char *const[]){"peer", NULL}, MOR_CLASS_DICT));
    TRY(mor_class_set_attr(rt, cls, "__del__", del));
    NEW(refs, mor_list(rt, 0));
    NEW(fins, mor_list(rt, 0));
    enum { PAIRS = 6 };
    for (int i = 0; i < PAIRS; i++) {
        mor_obj *x = keep(r, mor_call(rt, cls, 0, NULL));
        mor_obj *y = x ? keep(r, mor_call(rt, cls, 0, NULL)) : NULL;
        if (y == NULL)
            return -1;
        TRY(mor_setattr(rt, x, "peer", y));
        TRY(mor_setattr(rt, y, "peer", x));
        TRY(append_new(rt, refs, mor_weakref(rt, x, cb)));
        TRY(append_new(rt, refs, mor_weakref(rt, y, NULL)));
        if (i % 2 == 0)
            TRY(append_new(rt, fins, mor_finalize(rt, y, cb, NULL)));
        drop(r, x);
        drop(r, y);
    }
    /* and a weakref callback on an object that dies by refcount */
    mor_obj *solo = keep(r, mor_call(rt, cls, 0, NULL));
    if (solo == NULL)
        return -1;
    TRY(append_new(rt, refs, mor_weakref(rt, solo, cb)));
    drop(r, solo);
    int64_t found = mor_gc_collect(rt, -1);
    TRY(found);

    size_t n;
    mor_obj *const *wrs = mor_seq_items(refs, &n);
    for (size_t i = 0; i < n; i++) {
        mor_obj *tg = mor_weakref_get(rt, wrs[i]);
        if (tg == NULL)
            return -1;
        EXPECT(mor_is_none(rt, tg));
        mor_decref(rt, tg);
    }
    /* each finalizer and callback ran once, unless an error was reported */
    if (r->unraisable == 0)
        EXPECT(r->fin_calls == 2 * PAIRS + 1 && r->cb_calls == PAIRS + 1 + (PAIRS + 1) / 2);
    for (size_t i = 0; i < (size_t)mor_len(rt, fins); i++)
        EXPECT(!mor_finalize_alive(rt, mor_seq_items(fins, &n)[i]));
    return 0;
}

/* ---- scenario 7: class instance creation --------------------------------------------------- */

static mor_obj *fn_init(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data;
    if (nargs != 3) {
        mor_raise(rt, MOR_EXC_TYPE, "__init__ takes 2 arguments");
        return NULL;
    }
    if (mor_setattr(rt, args[0], "x", args[1]) < 0 || mor_setattr(rt, args[0], "y", args[2]) < 0)
        return NULL;
    mor_obj *l = mor_list(rt, 2, args[1], args[2]);
    if (l == NULL)
        return NULL;
    int rc = mor_setattr(rt, args[0], "both", l);
    mor_decref(rt, l);
    return rc < 0 ? NULL : mor_newref(mor_none(rt));
}

static mor_obj *fn_norm(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data, (void)nargs;
    mor_obj *x = mor_getattr(rt, args[0], "x");
    mor_obj *y = x ? mor_getattr(rt, args[0], "y") : NULL;
    mor_obj *s = y ? mor_add(rt, x, y) : NULL;
    mor_xdecref(rt, x);
    mor_xdecref(rt, y);
    return s;
}

static int sc_classes(oom_run *r)
{
    mor_rt *rt = r->rt;
    mor_obj *init, *norm, *cls, *scls, *insts;
    NEW(init, mor_func_new(rt, "__init__", fn_init, NULL));
    NEW(norm, mor_func_new(rt, "norm", fn_norm, NULL));
    NEW(cls, mor_class_new(rt, "Point", NULL, MOR_CLASS_DICT));
    TRY(mor_class_set_attr(rt, cls, "__init__", init));
    TRY(mor_class_set_attr(rt, cls, "norm", norm));
    NEW(scls, mor_class_new(rt, "Pair", (const char *const[]){"a", "b", NULL}, MOR_CLASS_SLOTS));
    NEW(insts, mor_list(rt, 0));
    for (int i = 0; i < 30; i++) {
        mor_obj *x = mor_int(rt, i * 1000), *y = x ? mor_int(rt, i) : NULL;
        mor_obj *p = y ? mor_call(rt, cls, 2, (mor_obj *const[]){x, y}) : NULL;
        mor_obj *q = p ? mor_call(rt, scls, 2, (mor_obj *const[]){y, x}) : NULL;
        int rc = q ? 0 : -1;
        if (rc == 0 && i % 4 == 0) /* outgrow the shared key layout */
            rc = setattr_new(rt, p, "extra", mor_str_fmt(rt, "extra-%d", i));
        if (rc == 0)
            rc = mor_list_append(rt, insts, p);
        if (rc == 0)
            rc = mor_list_append(rt, insts, q);
        mor_xdecref(rt, x);
        mor_xdecref(rt, y);
        mor_xdecref(rt, p);
        mor_xdecref(rt, q);
        TRY(rc);
    }
    size_t n;
    mor_obj *p0 = mor_seq_items(insts, &n)[8];
    mor_obj *bound, *sum, *dict, *rp;
    NEW(bound, mor_getattr(rt, p0, "norm"));
    NEW(sum, mor_call(rt, bound, 0, NULL));
    NEW(dict, mor_getattr(rt, p0, "__dict__"));
    NEW(rp, mor_repr(rt, insts));

    EXPECT(mor_len(rt, insts) == 60 && oom_i64(rt, sum) == 4004);
    EXPECT(mor_len(rt, dict) == 4); /* x, y, both, extra */
    mor_obj *q0 = mor_seq_items(insts, &n)[9];
    mor_obj *a = mor_getattr(rt, q0, "a");
    if (a == NULL)
        return -1;
    EXPECT(oom_i64(rt, a) == 4);
    mor_decref(rt, a);
    return 0;
}

/* ---- scenario 8: tracing on ---------------------------------------------------------------------- */

static int sc_tracing(oom_run *r)
{
    mor_rt *rt = r->rt;
    mor_obj *l, *snap1, *snap2, *stats, *diff, *filt, *rp;
    TRY(mor_trace_start(rt, 8));
    NEW(l, mor_list(rt, 0));
    for (int i = 0; i < 50; i++)
        TRY(append_new(rt, l, i % 2 ? mor_str_fmt(rt, "traced-%d", i) : mor_int(rt, i * 1000)));
    NEW(snap1, mor_trace_snapshot(rt));
    for (int i = 0; i < 20; i++)
        TRY(append_new(rt, l, mor_list(rt, 0)));
    NEW(snap2, mor_trace_snapshot(rt));
    NEW(stats, mor_snapshot_statistics(rt, snap2, "lineno"));
    NEW(diff, mor_snapshot_compare(rt, snap2, snap1, "filename"));
    NEW(filt, mor_snapshot_filter(rt, snap2, "*test_oom*", true));
    size_t cur = 0, peak = 0;
    mor_trace_get_memory(rt, &cur, &peak);
    EXPECT(mor_len(rt, stats) > 0);
    size_t n;
    NEW(rp, mor_repr(rt, mor_seq_items(stats, &n)[0]));
    mor_trace_stop(rt);

    EXPECT(mor_len(rt, l) == 70 && mor_len(rt, diff) > 0 && peak >= cur && cur > 0);
    EXPECT(strstr(mor_str_utf8(rp, NULL), "size=") != NULL);
    return 0;
}

/* ---- scenario 9: an lru_cache ------------------------------------------------------------------ */

static mor_obj *fn_cached(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    oom_run *r = *(oom_run **)(void *)mor_bytes_data(data, NULL);
    r->lru_calls++;
    return mor_tuple_from(rt, nargs, args);
}

static int sc_lru(oom_run *r)
{
    mor_rt *rt = r->rt;
    mor_obj *rp, *fn, *c, *clear;
    NEW(rp, mor_bytes(rt, &r, sizeof(r)));
    NEW(fn, mor_func_new(rt, "f", fn_cached, rp));
    NEW(c, mor_lru_cache(rt, fn, 8));
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 12; i++) {
            mor_obj *a = mor_int(rt, 1000 + i % 10);
            mor_obj *b = a ? mor_str_fmt(rt, "arg-%d", i % 10) : NULL;
            mor_obj *v = b ? mor_call(rt, c, 2, (mor_obj *const[]){a, b}) : NULL;
            mor_xdecref(rt, a);
            mor_xdecref(rt, b);
            if (v == NULL)
                return -1;
            mor_decref(rt, v);
        }
    }
    size_t hits, misses, cur;
    TRY(mor_lru_cache_info(rt, c, &hits, &misses, &cur));
    EXPECT(hits + misses == 24 && cur <= 8 && (size_t)r->lru_calls == misses);
    NEW(clear, mor_getattr(rt, c, "cache_clear"));
    mor_obj *none = mor_call(rt, clear, 0, NULL);
    if (none == NULL)
        return -1;
    mor_decref(rt, none);
    TRY(mor_lru_cache_info(rt, c, &hits, &misses, &cur));
    EXPECT(cur == 0);
    return 0;
}

/* ---- scenario 10: weak dictionaries ------------------------------------------------------------ */

static int sc_weakdicts(oom_run *r)
{
    mor_rt *rt = r->rt;
    mor_obj *cls, *wv, *wk, *objs, *proxy;
    NEW(cls, mor_class_new(rt, "Key", NULL, MOR_CLASS_DICT));
    NEW(wv, mor_weak_value_dict(rt));
    NEW(wk, mor_weak_key_dict(rt));
    NEW(objs, mor_list(rt, 0));
    for (int i = 0; i < 12; i++) {
        mor_obj *o = mor_call(rt, cls, 0, NULL);
        mor_obj *k = o ? mor_int(rt, 500 + i) : NULL;
        int rc = k ? mor_setitem(rt, wv, k, o) : -1;
        if (rc == 0)
            rc = mor_setitem(rt, wk, o, k);
        if (rc == 0 && i % 2 == 0)
            rc = mor_list_append(rt, objs, o);
        mor_xdecref(rt, o);
        mor_xdecref(rt, k);
        TRY(rc);
    }
    NEW(proxy, mor_weakproxy(rt, mor_seq_items(objs, &(size_t){0})[0], NULL));
    TRY(setattr_new(rt, proxy, "tag", mor_str(rt, "through the proxy")));
    mor_obj *it;
    NEW(it, mor_iter(rt, wv));
    int64_t seen = 0;
    for (mor_obj *x; (x = mor_next(rt, it)) != NULL; seen++)
        mor_decref(rt, x);
    if (mor_err_kind(rt) != MOR_EXC_NONE)
        return -1;
    EXPECT(mor_len(rt, wv) == 6 && mor_len(rt, wk) == 6 && seen == 6);
    drop(r, objs);
    EXPECT(mor_len(rt, wv) == 0 && mor_len(rt, wk) == 0);
    mor_obj *t = mor_getattr(rt, proxy, "tag");
    if (t == NULL && mor_err_kind(rt) == MOR_EXC_MEMORY)
        return -1; /* no memory to build the ReferenceError */
    EXPECT(t == NULL && mor_err_kind(rt) == MOR_EXC_REFERENCE);
    mor_err_clear(rt);
    return 0;
}

/* ---- scenario 11: dying while the emergency collection runs ----------------------------------- */

/* Plain cycles (no finalizer: an emergency collection frees them) each
 * holding the only reference to an instance with a finalizer and a weakref
 * callback: those die during the emergency collection and must be parked,
 * then released at a safe point. Then more allocations, so that soft
 * failures land with the garbage around. */
static int sc_parking(oom_run *r)
{
    mor_rt *rt = r->rt;
    mor_obj *rp, *del, *cb, *cls, *refs, *work;
    NEW(rp, mor_bytes(rt, &r, sizeof(r)));
    NEW(del, mor_func_new(rt, "__del__", fn_del, rp));
    NEW(cb, mor_func_new(rt, "cb", fn_wr_cb, rp));
    NEW(cls, mor_class_new(rt, "Res", NULL, MOR_CLASS_DICT));
    TRY(mor_class_set_attr(rt, cls, "__del__", del));
    NEW(refs, mor_list(rt, 0));
    NEW(work, mor_list(rt, 0));
    mor_gc_disable(rt); /* only emergency (and explicit) collections */
    enum { N = 8 };
    for (int i = 0; i < N; i++) {
        mor_obj *inst = keep(r, mor_call(rt, cls, 0, NULL));
        mor_obj *l = inst ? keep(r, mor_list(rt, 1, inst)) : NULL;
        if (l == NULL)
            return -1;
        TRY(mor_list_append(rt, l, l));
        TRY(append_new(rt, refs, mor_weakref(rt, inst, cb)));
        drop(r, inst);
        drop(r, l);
        for (int j = 0; j < 4; j++)
            TRY(append_new(rt, work, mor_str_fmt(rt, "work %d.%d", i, j)));
    }
    mor_gc_enable(rt);
    TRY(mor_gc_collect(rt, -1));
    EXPECT(r->fin_calls == N);
    if (r->unraisable == 0)
        EXPECT(r->cb_calls == N);
    EXPECT(mor_len(rt, work) == 4 * N);
    return 0;
}

/* ---- scenario 12: numbers ------------------------------------------------------------------------ */

static int sc_numbers(oom_run *r)
{
    mor_rt *rt = r->rt;
    mor_obj *a, *b, *c, *d, *e, *f, *g, *h, *rp, *fl, *q;
    NEW(a, mor_int_from_str(rt, "987654321098765432109876543210", 10));
    NEW(b, mor_int(rt, 1234567));
    NEW(c, mor_mul(rt, a, a));
    NEW(d, mor_floordiv(rt, c, b));
    NEW(e, mor_mod(rt, c, b));
    NEW(f, mor_pow(rt, b, mor_int(rt, 7))); /* a small int: not allocated */
    NEW(g, mor_sub(rt, d, f));
    NEW(h, mor_neg(rt, g));
    NEW(fl, mor_truediv(rt, b, mor_int(rt, 3)));
    NEW(q, mor_float(rt, 0.25));
    NEW(q, mor_add(rt, fl, q));
    NEW(rp, mor_repr(rt, c));
    /* d * b + e == c */
    mor_obj *back = keep(r, mor_mul(rt, d, b));
    if (back == NULL)
        return -1;
    mor_obj *sum;
    NEW(sum, mor_add(rt, back, e));
    EXPECT(mor_eq(rt, sum, c) == 1);
    EXPECT(mor_str_length(rp) == 60);
    EXPECT(mor_compare(rt, h, a, MOR_LT) == 1);
    return 0;
}

/* ---- scenario 13: bytes, arrays, buffers ----------------------------------------------------------- */

static int sc_buffers(oom_run *r)
{
    mor_rt *rt = r->rt;
    mor_obj *raw, *ba, *arr, *mv, *cast, *tb, *tl, *ba2, *sl, *pop;
    unsigned char buf[256];
    for (int i = 0; i < 256; i++)
        buf[i] = (unsigned char)i;
    NEW(raw, mor_bytes(rt, buf, sizeof(buf)));
    NEW(ba, mor_bytearray_from(rt, raw));
    TRY(mor_bytearray_resize(rt, ba, 400));
    TRY(mor_bytearray_resize(rt, ba, 64));
    NEW(arr, mor_array(rt, 'd'));
    TRY(mor_array_frombytes(rt, arr, buf, 128));
    NEW(mv, mor_memoryview(rt, ba));
    NEW(cast, mor_memoryview_cast(rt, mv, "I"));
    NEW(tl, mor_memoryview_tolist(rt, cast));
    NEW(tb, mor_memoryview_tobytes(rt, cast));
    TRY(mor_memoryview_release(rt, cast));
    TRY(mor_memoryview_release(rt, mv));
    NEW(ba2, mor_bytearray(rt, "", 0));
    for (int i = 0; i < 300; i++)
        TRY(mor_bytearray_append(rt, ba2, i & 0xff));
    NEW(sl, mor_slice(rt, ba2, 10, 200, 3));
    NEW(pop, mor_array_pop(rt, arr, -1));
    EXPECT(mor_len(rt, ba) == 64 && mor_len(rt, tl) == 16 && mor_len(rt, tb) == 64);
    EXPECT(mor_len(rt, arr) == 15 && mor_len(rt, ba2) == 300 && mor_len(rt, sl) == 64);
    return 0;
}

/* ---- scenario 14: generator send, throw, close ----------------------------------------------------- */

typedef struct echo_state {
    int64_t i;
    int *cleanups;
} echo_state;

/* yields what it is sent (as a 1-tuple), catching ValueError thrown in */
static mor_obj *echo_step(mor_rt *rt, mor_gen *g, mor_obj *sent)
{
    echo_state *s = mor_gen_cstate(g);
    MOR_GEN_BEGIN(g);
    for (s->i = 0;; s->i++) {
        MOR_GEN_YIELD_CATCH(g, mor_tuple(rt, 1, sent ? sent : mor_none(rt)));
        if (mor_gen_thrown(g) == MOR_EXC_VALUE) {
            mor_obj *e = mor_gen_catch(g);
            mor_decref(rt, e);
        } else if (mor_gen_thrown(g) != MOR_EXC_NONE) {
            MOR_GEN_FAIL(g);
        }
    }
    MOR_GEN_FINALLY(g);
    (*s->cleanups)++;
    MOR_GEN_END(g);
}

static int sc_gen_protocol(oom_run *r)
{
    mor_rt *rt = r->rt;
    mor_obj *g, *v, *exc, *outer;
    NEW(g, mor_gen_new(rt, "echo", echo_step, 0, sizeof(echo_state)));
    ((echo_state *)mor_gen_cstate((mor_gen *)g))->cleanups = &r->cleanups;
    NEW(v, mor_next(rt, g));
    for (int i = 0; i < 10; i++) {
        mor_obj *x = mor_str_fmt(rt, "sent %d", i);
        mor_obj *y = x ? mor_gen_send(rt, g, x) : NULL;
        mor_xdecref(rt, x);
        if (y == NULL)
            return -1;
        mor_decref(rt, y);
    }
    NEW(exc, mor_exc_new(rt, MOR_EXC_VALUE, "thrown %d", 1));
    mor_obj *y = mor_gen_throw(rt, g, exc);
    if (y == NULL)
        return -1;
    mor_decref(rt, y);
    TRY(mor_gen_close(rt, g));
    EXPECT(mor_gen_get_state(g) == MOR_GEN_CLOSED && r->cleanups == 1);
    /* close a delegating generator: the inner one closes too */
    mor_obj *inner;
    NEW(inner, mor_gen_new(rt, "echo", echo_step, 0, sizeof(echo_state)));
    ((echo_state *)mor_gen_cstate((mor_gen *)inner))->cleanups = &r->cleanups;
    NEW(outer, mor_gen_new(rt, "outer", outer_step, 1, 0));
    mor_gen_locals((mor_gen *)outer)[0] = mor_newref(inner);
    NEW(v, mor_next(rt, outer));
    NEW(v, mor_gen_send(rt, outer, exc));
    TRY(mor_gen_close(rt, outer));
    EXPECT(r->cleanups == 2 && mor_gen_get_state(inner) == MOR_GEN_CLOSED);
    return 0;
}

/* ---- scenario 15: the collector's API ---------------------------------------------------------------- */

static void gc_cb_count(mor_rt *rt, const mor_gc_info *info, void *ud)
{
    (void)info;
    oom_run *r = ud;
    r->cb_calls++;
    mor_obj *x = mor_list(rt, 0); /* a callback that allocates */
    mor_xdecref(rt, x);
}

static int sc_gc_api(oom_run *r)
{
    mor_rt *rt = r->rt;
    mor_obj *l, *objs, *refs, *rrs, *garbage;
    int id = mor_gc_add_callback(rt, gc_cb_count, r);
    TRY(id);
    NEW(l, mor_list(rt, 0));
    mor_obj *hold; /* the cycles, until the collection that saves them */
    NEW(hold, mor_list(rt, 0));
    for (int i = 0; i < 10; i++) {
        mor_obj *c = keep(r, mor_list(rt, 1, l));
        if (c == NULL)
            return -1;
        TRY(mor_list_append(rt, c, c));
        TRY(mor_list_append(rt, hold, c));
        drop(r, c);
    }
    NEW(objs, mor_gc_get_objects(rt, -1));
    NEW(refs, mor_gc_get_referents(rt, l));
    NEW(rrs, mor_gc_get_referrers(rt, l));
    mor_gc_freeze(rt);
    size_t frozen = mor_gc_get_freeze_count(rt);
    mor_gc_unfreeze(rt);
    int64_t nobjs = mor_len(rt, objs), nrrs = mor_len(rt, rrs);
    drop(r, objs); /* they hold the cycles */
    drop(r, rrs);
    drop(r, hold);
    mor_gc_set_debug(rt, MOR_GC_DEBUG_SAVEALL);
    int64_t n = mor_gc_collect(rt, -1);
    mor_gc_set_debug(rt, 0);
    TRY(n);
    NEW(garbage, mor_gc_garbage(rt));
    int64_t saved = mor_len(rt, garbage);
    while (mor_len(rt, garbage) > 0) /* give the saved cycles back to the collector */
        mor_decref(rt, mor_list_pop(rt, garbage, -1));
    TRY(mor_gc_remove_callback(rt, id));
    EXPECT(frozen > 10 && n == 10 && nrrs == 11); /* the cycles and objs */
    if (r->unraisable == 0)
        EXPECT(saved == 10);
    EXPECT(nobjs > 10 && mor_len(rt, refs) == 0);
    return 0;
}

/* ---- scenario 16: inspection ------------------------------------------------------------------------- */

static int sc_inspect(oom_run *r)
{
    mor_rt *rt = r->rt;
    mor_obj *root, *d, *rp;
    NEW(root, mor_list(rt, 0));
    NEW(d, mor_dict(rt));
    TRY(mor_list_append(rt, root, d));
    TRY(mor_list_append(rt, root, root));
    for (int i = 0; i < 15; i++)
        TRY(set_new(rt, d, mor_str_fmt(rt, "k%d", i), mor_list(rt, 1, root)));
    int64_t deep = mor_deep_sizeof(rt, root);
    TRY(deep);
    /* a node's label is its repr, and a repr that fails is drawn as
     * "<repr failed>", not an error: small nodes keep those few */
    mor_obj *small;
    NEW(small, mor_list(rt, 2, mor_none(rt), mor_none(rt)));
    TRY(append_new(rt, small, mor_int(rt, 100000)));
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    int rc = mor_graph_dot(rt, small, 1, MOR_GRAPH_REFERENTS, f);
    if (rc == 0)
        rc = mor_graph_dot(rt, small, 1, MOR_GRAPH_REFERRERS, f);
    fclose(f);
    free(buf);
    TRY(rc);
    NEW(rp, mor_repr(rt, root));
    EXPECT(deep > 0 && strstr(mor_str_utf8(rp, NULL), "[...]") != NULL);
    return 0;
}

/* ---- scenario 17: sorting and bulk operations, whose failures must lose nothing --------------- */

/* l holds each of want's items exactly once (in some order). */
static void expect_permutation(mor_rt *rt, mor_obj *l, mor_obj *want)
{
    size_t n, m;
    mor_obj *const *a = mor_seq_items(l, &n);
    mor_obj *const *b = mor_seq_items(want, &m);
    EXPECT(n == m);
    for (size_t i = 0; i < m; i++) {
        size_t count = 0;
        for (size_t j = 0; j < n; j++)
            count += a[j] == b[i];
        EXPECT(count == 1);
    }
    (void)rt;
}

static int sc_bulk(oom_run *r)
{
    mor_rt *rt = r->rt;
    mor_obj *l, *orig, *ext, *gen, *inter, *diff, *s1, *s2, *mx, *mn, *ff, *ffl;
    NEW(l, mor_list(rt, 0));
    uint32_t x = 12345;
    for (int i = 0; i < 120; i++) {
        x = x * 1103515245u + 12345u;
        mor_obj *v = i % 3 == 0   ? mor_float(rt, (double)(x % 1000) + 0.5)
                     : i % 3 == 1 ? mor_int(rt, (int64_t)(x % 1000) * 1000000007LL)
                                  : mor_int(rt, (int64_t)(x % 1000));
        TRY(append_new(rt, l, v));
    }
    NEW(orig, mor_slice(rt, l, MOR_SLICE_NONE, MOR_SLICE_NONE, 1));
    if (mor_list_sort(rt, l) < 0) {
        expect_permutation(rt, l, orig); /* a failed sort loses nothing */
        return -1;
    }
    size_t n;
    mor_obj *const *items = mor_seq_items(l, &n);
    for (size_t i = 1; i < n; i++)
        EXPECT(mor_compare(rt, items[i - 1], items[i], MOR_LE) == 1);
    /* extend from a generator that fails half way: the list keeps what came */
    NEW(ext, mor_list(rt, 0));
    NEW(gen, new_counter(r, 40));
    int64_t before = mor_len(rt, ext);
    if (mor_list_extend(rt, ext, gen) < 0) {
        int64_t now = mor_len(rt, ext);
        EXPECT(now >= before && now <= 40);
        return -1;
    }
    EXPECT(mor_len(rt, ext) == 40);
    NEW(s1, mor_set_from(rt, l));
    NEW(s2, mor_set_from(rt, ext));
    NEW(inter, mor_set_intersection(rt, s1, s2));
    NEW(diff, mor_set_difference(rt, s1, s2));
    NEW(mx, mor_max(rt, l));
    NEW(mn, mor_min(rt, ext));
    NEW(ff, mor_filterfalse(rt, NULL, orig));
    NEW(ffl, mor_list_from(rt, ff));
    int any = mor_any(rt, ext), all = any < 0 ? -1 : mor_all(rt, ext);
    TRY(all);
    mor_obj *dd;
    NEW(dd, mor_dict(rt));
    TRY(mor_setitem(rt, dd, mn, mx));
    NEW(dd, mor_copy(rt, dd));
    TRY(mor_dict_clear(rt, dd));
    EXPECT(mor_len(rt, inter) + mor_len(rt, diff) == mor_len(rt, s1));
    EXPECT(any == 1 && all == 0 && oom_i64(rt, mn) == 0);
    return 0;
}

/* ---- scenario 18: class customisation and exceptions ---------------------------------------------- */

static mor_obj *fn_repr(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data, (void)nargs;
    mor_obj *v = mor_getattr(rt, args[0], "v");
    if (v == NULL)
        return NULL;
    mor_obj *r = mor_str_fmt(rt, "V(%lld)", (long long)oom_i64(rt, v));
    mor_decref(rt, v);
    return r;
}

static mor_obj *fn_eq(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data, (void)nargs;
    mor_obj *a = mor_getattr(rt, args[0], "v");
    mor_obj *b = a ? mor_getattr(rt, args[1], "v") : NULL;
    int eq = b ? mor_eq(rt, a, b) : -1;
    mor_xdecref(rt, a);
    mor_xdecref(rt, b);
    return eq < 0 ? NULL : mor_newref(mor_bool(rt, eq));
}

static mor_obj *fn_hash(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data, (void)nargs;
    return mor_getattr(rt, args[0], "v");
}

static int sc_custom(oom_run *r)
{
    mor_rt *rt = r->rt;
    mor_obj *cls, *frepr, *feq, *fhash, *d, *rp, *exc, *fetched, *stop;
    NEW(cls, mor_class_new(rt, "V", (const char *const[]){"v", NULL}, MOR_CLASS_SLOTS));
    NEW(frepr, mor_func_new(rt, "__repr__", fn_repr, NULL));
    NEW(feq, mor_func_new(rt, "__eq__", fn_eq, NULL));
    NEW(fhash, mor_func_new(rt, "__hash__", fn_hash, NULL));
    TRY(mor_class_set_attr(rt, cls, "__repr__", frepr));
    TRY(mor_class_set_attr(rt, cls, "__eq__", feq));
    TRY(mor_class_set_attr(rt, cls, "__hash__", fhash));
    NEW(d, mor_dict(rt));
    for (int i = 0; i < 20; i++) {
        mor_obj *v = mor_int(rt, 1000 + i % 10);
        mor_obj *o = v ? mor_call(rt, cls, 1, &v) : NULL;
        int rc = o ? mor_setitem(rt, d, o, v) : -1; /* equal instances: 10 keys */
        mor_xdecref(rt, o);
        mor_xdecref(rt, v);
        TRY(rc);
    }
    NEW(rp, mor_repr(rt, d));
    TRY(mor_class_set_attr(rt, cls, "__repr__", NULL));
    NEW(exc, mor_exc_new(rt, MOR_EXC_KEY, "missing %s", "key"));
    mor_raise_obj(rt, exc);
    NEW(fetched, mor_err_fetch(rt));
    mor_raise_stop(rt, rp);
    NEW(stop, mor_err_fetch(rt));
    mor_obj *val;
    NEW(val, mor_exc_value(rt, stop));
    EXPECT(mor_len(rt, d) == 10 && strstr(mor_str_utf8(rp, NULL), "V(1009)") != NULL);
    EXPECT(fetched == exc && mor_exc_kind(fetched) == MOR_EXC_KEY);
    if (mor_exc_kind(stop) == MOR_EXC_MEMORY) /* no memory to build StopIteration */
        return mor_raise_obj(rt, stop), -1;
    EXPECT(mor_exc_kind(stop) == MOR_EXC_STOP_ITERATION && val == rp);
    return 0;
}

/* ---- the driver ---------------------------------------------------------------------------------- */

typedef struct scenario {
    const char *name;
    int (*run)(oom_run *r);
    /* runs code whose errors have nowhere to go (finalizers, weakref and gc
     * callbacks report to the unraisable hook; a graph draws a failed repr
     * as "<repr failed>"): a hard failure there lets the scenario complete */
    bool absorbs;
} scenario;

static const scenario scenarios[] = {
    {"containers", sc_containers, false},
    {"dict growth", sc_dict_growth, false},
    {"str join/append", sc_str, false},
    {"deepcopy cyclic", sc_deepcopy, false},
    {"generator pipeline", sc_generators, false},
    {"finalizers+weakref cbs", sc_finalizers, true},
    {"class instances", sc_classes, false},
    {"tracing on", sc_tracing, false},
    {"lru_cache", sc_lru, false},
    {"weak dicts", sc_weakdicts, false},
    {"emergency parking", sc_parking, true},
    {"numbers", sc_numbers, false},
    {"bytes and buffers", sc_buffers, false},
    {"generator protocol", sc_gen_protocol, false},
    {"gc api", sc_gc_api, true},
    {"inspect", sc_inspect, true},
    {"sort and bulk", sc_bulk, false},
    {"class slots, exceptions", sc_custom, false},
};

typedef enum oom_mode {
    OOM_HARD,
    OOM_SOFT,
    OOM_EXHAUSTED,
    OOM_BIG,
    OOM_SOFT_GC, /* soft, with a collection at nearly every safe point */
    OOM_NMODES
} oom_mode;
static const char *const oom_mode_names[] = {"hard", "soft", "exhausted", "big", "soft+gc"};

/* The failure callback of the modes other than hard: soft fails the k-th
 * request only (the retry is another request), exhausted fails the k-th and
 * every later one, big fails every request of more than k bytes. */
typedef struct fail_ctl {
    oom_mode mode;
    uint64_t calls, k;
    bool hit, off;
    mor_rt *rt;
    int heap_problems; /* found by the heap check at the failing request */
} fail_ctl;

static bool oom_fail(void *ud, size_t size)
{
    fail_ctl *c = ud;
    if (c->off)
        return false;
    c->calls++;
    bool fail = c->mode == OOM_EXHAUSTED ? c->calls >= c->k
                : c->mode == OOM_BIG       ? size > c->k
                                           : c->calls == c->k;
    /* An emergency collection may run at any failing request: the heap must
     * be consistent there (outside a collection: then no emergency runs). */
    if (fail && !c->hit && !c->rt->gc.collecting)
        c->heap_problems += mori_heap_check(c->rt);
    c->hit |= fail;
    return fail;
}

typedef struct oom_tally {
    uint64_t points;    /* runs that met the injected failure */
    uint64_t raised;    /* ...and ended in MemoryError */
    uint64_t completed; /* ...and completed */
} oom_tally;

/* Blocks held for objects and buffers, pools excluded, and the weak reference
 * table's own (it keeps a table per region of addresses it has seen, emptied
 * ones too, for reuse; how many regions a run touches depends on where its
 * blocks landed). Blocks, not bytes: the runtime's own tables stay at the
 * size they grew to, and a failure and its retry can make one grow a step
 * earlier than in the run without failures; a leak is a block nobody frees. */
static uint64_t held_blocks(mor_rt *rt)
{
    mor_alloc_stats st;
    mor_alloc_get_stats(rt, &st);
    uint64_t own = rt->weakrefs.nchunks + (rt->weakrefs.dir != NULL);
    return st.live_blocks - st.pooled_blocks - own;
}

static void release_all(oom_run *r)
{
    while (r->nkeep > 0)
        mor_decref(r->rt, r->keep[--r->nkeep]);
}

#define OOM_FAIL(fmt, ...)                                                                    \
    fail_msg("%s, %s k=%llu: " fmt, sc->name, oom_mode_names[mode], (unsigned long long)k,   \
             __VA_ARGS__)

/* One run with failure point k (0: none). Returns whether an injected
 * failure was met; *held gets the blocks left held after everything was
 * dropped and collected. */
static bool oom_run_one(const scenario *sc, oom_mode mode, uint64_t k, oom_tally *tally,
                        uint64_t *held)
{
    static oom_run r; /* big: not on the stack */
    memset(&r, 0, sizeof(r));
    fail_ctl ctl = {mode, 0, k, false, k == 0, NULL, 0};
    mor_config cfg;
    mor_config_init(&cfg);
    cfg.leaks = MOR_LEAKS_REPORT;
    if (mode == OOM_SOFT_GC)
        cfg.gc_threshold[0] = cfg.gc_threshold[1] = cfg.gc_threshold[2] = 1;
    if (mode == OOM_HARD) {
        cfg.alloc_fail_nth = k;
    } else {
        cfg.alloc_fail = oom_fail;
        cfg.alloc_fail_ud = &ctl;
    }
    mor_rt *rt = mor_rt_new(&cfg);
    assert_non_null(rt);
    r.rt = rt;
    ctl.rt = rt;
    mor_set_unraisable_hook(rt, oom_unraisable, &r);

    int rc = sc->run(&r);

    ctl.off = true;
    mor_alloc_fail_after(rt, 0);
    mor_trace_stop(rt);
    mor_alloc_stats st;
    mor_alloc_get_stats(rt, &st);
    bool hit = mode == OOM_HARD ? st.failed_allocs > 0 : ctl.hit;
    mor_exc kind = mor_err_kind(rt);
    if (rc < 0 && kind != MOR_EXC_MEMORY)
        OOM_FAIL("failed with %s (%s), not MemoryError", mor_exc_name(kind), mor_err_message(rt));
    if (rc == 0 && kind != MOR_EXC_NONE)
        OOM_FAIL("completed with %s pending", mor_exc_name(kind));
    if (rc < 0 && !hit)
        OOM_FAIL("%s", "MemoryError without an injected failure");
    mor_err_clear(rt);
    if (hit) {
        tally->points++;
        if (rc < 0) {
            tally->raised++;
            if (mode != OOM_HARD && getenv("OOM_VERBOSE"))
                fprintf(stderr, "%s: soft k=%llu raised\n", sc->name, (unsigned long long)k);
        } else {
            tally->completed++;
            if (mode == OOM_HARD && getenv("OOM_VERBOSE"))
                fprintf(stderr, "%s: hard k=%llu completed (unraisable %d)\n", sc->name,
                        (unsigned long long)k, r.unraisable);
        }
    }
    if (ctl.heap_problems != 0)
        OOM_FAIL("%s", "heap check failed at the failing allocation");
    if (mori_heap_check(rt) != 0)
        OOM_FAIL("%s", "heap check failed with the objects alive");
    release_all(&r);
    mor_gc_collect(rt, -1);
    if (mori_heap_check(rt) != 0)
        OOM_FAIL("%s", "heap check failed after the objects were dropped");
    /* mor_rt_live_objects discounts the runtime's own garbage list: it must
     * be empty and held by the runtime only */
    mor_obj *g = rt->gc.garbage;
    size_t leaked = mor_rt_live_objects(rt) + (g != NULL && (g->refcnt != 1 || mor_len(rt, g) != 0));
    if (leaked != 0) {
        mor_rt_free(rt); /* lists them */
        OOM_FAIL("%zu objects leaked", leaked);
    }
    *held = held_blocks(rt);
    mor_rt_free(rt);
    return hit;
}

/* Every failure point of one scenario in one mode: k = 1, 2, ... until a run
 * meets no failure (big: k = 2^n bytes until then). */
static void oom_sweep(const scenario *sc, oom_mode mode, oom_tally *tally)
{
    uint64_t ref_held;
    oom_tally none = {0, 0, 0};
    oom_run_one(sc, mode, 0, &none, &ref_held);
    for (uint64_t k = mode == OOM_BIG ? 16 : 1;; k = mode == OOM_BIG ? k * 2 : k + 1) {
        uint64_t held;
        if (!oom_run_one(sc, mode, k, tally, &held))
            break;
        if (held > ref_held)
            OOM_FAIL("%llu blocks still held after everything was dropped, %llu in a run "
                     "without failures (a buffer leaked)",
                     (unsigned long long)held, (unsigned long long)ref_held);
    }
}

/* OOM_ONLY="scenario name:k:mode" runs that one case (for a debugger). */
static bool oom_only(void)
{
    const char *only = getenv("OOM_ONLY");
    if (only == NULL)
        return false;
    char name[64];
    unsigned long long k;
    char mode[8];
    if (sscanf(only, "%63[^:]:%llu:%7s", name, &k, mode) != 3)
        fail_msg("OOM_ONLY: expected name:k:hard|soft|exhausted|big|soft+gc");
    for (size_t i = 0; i < MORI_COUNTOF(scenarios); i++) {
        if (strcmp(scenarios[i].name, name) == 0) {
            oom_tally t = {0, 0, 0};
            uint64_t held;
            oom_mode m = OOM_HARD;
            for (int j = 0; j < OOM_NMODES; j++)
                if (strcmp(mode, oom_mode_names[j]) == 0)
                    m = (oom_mode)j;
            bool hit = oom_run_one(&scenarios[i], m, k, &t, &held);
            print_message("%s k=%llu: hit %d, raised %llu, held %llu\n", name, k, hit,
                          (unsigned long long)t.raised, (unsigned long long)held);
            return true;
        }
    }
    fail_msg("OOM_ONLY: no scenario '%s'", name);
    return false;
}

static void test_oom_every_allocation(void **state)
{
    (void)state;
    if (oom_only())
        return;
    uint64_t distinct = 0, runs = 0;
    print_message("failing runs per scenario and mode: runs that met a failure, then how many "
                  "raised MemoryError / completed\n%-24s %16s %16s %16s %10s %16s\n",
                  "scenario", "hard", "soft", "exhausted", "big", "soft+gc");
    for (size_t i = 0; i < MORI_COUNTOF(scenarios); i++) {
        oom_tally t[OOM_NMODES];
        memset(t, 0, sizeof(t));
        char col[OOM_NMODES][32];
        for (int m = 0; m < OOM_NMODES; m++) {
            oom_sweep(&scenarios[i], (oom_mode)m, &t[m]);
            snprintf(col[m], sizeof(col[m]), "%llu %llu/%llu", (unsigned long long)t[m].points,
                     (unsigned long long)t[m].raised, (unsigned long long)t[m].completed);
            runs += t[m].points;
        }
        print_message("%-24s %16s %16s %16s %10s %16s\n", scenarios[i].name, col[0], col[1],
                      col[2], col[3], col[4]);
        /* the sweep reached the end of the scenario in each mode: about as
         * many allocations. Not exactly as many: what a run allocates can
         * depend on the mode (the soft modes' emergency collection frees
         * blocks that later requests reuse) and on where blocks land (the
         * weak reference table allocates a table per region of addresses):
         * up to 8% apart under Valgrind */
        uint64_t hp = t[OOM_HARD].points, sp = t[OOM_SOFT].points;
        assert_true(hp > 10 && (sp > hp ? sp - hp : hp - sp) * 5 <= hp);
        /* a hard failure reaches the caller, except where it has nowhere to
         * go (a finalizer, a callback) or only cost an optional growth (a
         * set's table, a shrinking block) or a graph label */
        if (!scenarios[i].absorbs)
            assert_true(t[OOM_HARD].completed * 10 <= t[OOM_HARD].points);
        /* a single failure is absorbed by the emergency collection's retry */
        assert_int_equal(t[OOM_SOFT].raised, 0);
        assert_int_equal(t[OOM_SOFT_GC].raised, 0);
        if (!scenarios[i].absorbs)
            assert_true(t[OOM_EXHAUSTED].completed * 10 <= t[OOM_EXHAUSTED].points);
        distinct += t[OOM_HARD].points; /* each allocation of the scenario, once */
    }
    print_message("distinct failure points exercised: %llu (allocations of the scenarios, each "
                  "failed in every mode); failing runs in all: %llu\n",
                  (unsigned long long)distinct, (unsigned long long)runs);
}

/* The checker finds each kind of damage it claims to (and a healthy heap
 * passes). Each damage is undone before the next. */
static void test_heap_check_detects(void **state)
{
    T_RT;
    mor_obj *d = mor_list(rt, 0); /* lists are always tracked (an empty dict is not) */
    mor_obj *l = mor_list(rt, 2, d, d);
    mor_obj *cls = mor_class_new(rt, "W", NULL, MOR_CLASS_DICT);
    mor_obj *inst = mor_call(rt, cls, 0, NULL);
    mor_obj *wr = mor_weakref(rt, inst, NULL);
    assert_non_null(wr);
    assert_int_equal(mori_heap_check(rt), 0);

    /* d is referenced twice from l, and once from here */
    assert_true(mor_gc_is_tracked(l));
    uint32_t rc = d->refcnt;
    d->refcnt = 1;
    assert_true(mori_heap_check(rt) >= 1); /* refcount too small */
    d->refcnt = rc;

    rc = l->refcnt;
    l->refcnt = 0;
    assert_true(mori_heap_check(rt) >= 1);
    l->refcnt = rc;

    mori_gchead *h = mori_gc_head(l), *prev = h->prev;
    h->prev = h; /* a broken back link */
    assert_true(mori_heap_check(rt) >= 1);
    h->prev = prev;

    l->flags &= ~MORI_OF_TRACKED;
    assert_true(mori_heap_check(rt) >= 1);
    l->flags |= MORI_OF_TRACKED | MORI_OF_COLLECTING; /* a scratch bit left behind */
    assert_true(mori_heap_check(rt) >= 1);
    l->flags &= ~MORI_OF_COLLECTING;

    /* a tracked object referring to a freed one */
    mor_obj freed = {1, 0, &mori_freed_type};
    mor_obj **items = (mor_obj **)(uintptr_t)mor_seq_items(l, &(size_t){0});
    items[1] = &freed;
    assert_true(mori_heap_check(rt) >= 1);
    items[1] = d;

    inst->flags &= ~MORI_OF_WEAKREFS; /* the side table still lists it */
    assert_true(mori_heap_check(rt) >= 1);
    inst->flags |= MORI_OF_WEAKREFS;

    assert_int_equal(mori_heap_check(rt), 0);
    mor_obj *all[] = {wr, inst, cls, l, d};
    for (size_t i = 0; i < MORI_COUNTOF(all); i++)
        mor_decref(rt, all[i]);
    mor_gc_collect(rt, -1);
    assert_int_equal(mori_heap_check(rt), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T_TEST(test_heap_check_detects),
        cmocka_unit_test(test_oom_every_allocation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
