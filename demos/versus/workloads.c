/* demos/versus/workloads.c: the workloads, written once against the public
 * API (mor.h) and built twice: against mor (refcounting plus the cycle
 * collector) and against mor-boehm, where mor_incref/mor_decref compile to
 * nothing and Boehm reclaims what is unreachable. Every reference is released
 * as the API requires, so the same code is correct under both.
 *
 * Each workload checks its own result and fails loudly (vs_fail) if it is
 * wrong: a fast wrong answer is not a figure. */
#include <string.h>

#include "mor.h"
#include "versus.h"

static mor_rt *vrt;

/* The object, or exit with the pending exception. */
static mor_obj *must(mor_obj *o, const char *what)
{
    if (o == NULL) {
        char msg[256];
        snprintf(msg, sizeof(msg), "%s: %s: %s", what, mor_exc_name(mor_err_kind(vrt)),
                 mor_err_message(vrt));
        vs_fail(msg);
    }
    return o;
}

static void must0(int rc, const char *what)
{
    if (rc < 0)
        must(NULL, what);
}

/* Release o, timing the release (under refcounting, the whole structure it
 * owned goes with it, now). */
static void drop(mor_obj *o)
{
    uint64_t t0 = vs_now_ns();
    mor_decref(vrt, o);
    vs_drop(vs_now_ns() - t0);
}

static mor_obj *new_class(const char *name, const char *f1, const char *f2, unsigned flags)
{
    const char *fields[3] = {f1, f2, NULL};
    return must(mor_class_new(vrt, name, fields, flags), "mor_class_new");
}

/* cls(a, b), or cls() when a is NULL. */
static mor_obj *make(mor_obj *cls, mor_obj *a, mor_obj *b)
{
    mor_obj *args[2] = {a, b};
    return must(mor_call(vrt, cls, a == NULL ? 0 : 2, args), "instance");
}

static void set(mor_obj *o, const char *name, mor_obj *v)
{
    must0(mor_setattr(vrt, o, name, v), name);
}

/* ---- binary trees, the GCBench shape ------------------------------------------------------------ */

static mor_obj *node_cls;
static uint64_t nodes_made;

static mor_obj *node(mor_obj *l, mor_obj *r)
{
    nodes_made++;
    return make(node_cls, l, r);
}

static mor_obj *bottom_up(int depth)
{
    if (depth <= 0)
        return node(NULL, NULL);
    mor_obj *l = bottom_up(depth - 1), *r = bottom_up(depth - 1);
    mor_obj *n = node(l, r);
    mor_decref(vrt, l);
    mor_decref(vrt, r);
    return n;
}

static void top_down(mor_obj *n, int depth)
{
    if (depth <= 0)
        return;
    mor_obj *l = node(NULL, NULL), *r = node(NULL, NULL);
    set(n, "left", l);
    set(n, "right", r);
    top_down(l, depth - 1);
    top_down(r, depth - 1);
    mor_decref(vrt, l);
    mor_decref(vrt, r);
}

static int64_t tree_size(int depth) { return ((int64_t)1 << (depth + 1)) - 1; }

/* The long-lived array: a 'd' array (8-byte doubles in one pointer-free
 * block), filled 1,000 values at a time through mor_array_frombytes. */
static mor_obj *double_array(int64_t n)
{
    mor_obj *a = must(mor_array(vrt, 'd'), "mor_array");
    double chunk[1000];
    for (int64_t i = 0; i < n;) {
        int64_t k = n - i < 1000 ? n - i : 1000;
        for (int64_t j = 0; j < k; j++)
            chunk[j] = 1.0 / (double)(i + j + 1);
        must0(mor_array_frombytes(vrt, a, chunk, (size_t)k * sizeof(double)), "frombytes");
        i += k;
    }
    return a;
}

static void trees(bool quick)
{
    /* --quick: every depth 6 less (64x fewer nodes) */
    int shift = quick ? 6 : 0;
    int stretch = 18 - shift, long_lived = 16 - shift, min_depth = 4, max_depth = 20 - shift;
    int64_t array_n = quick ? 50000 : 500000;
    node_cls = new_class("Node", "left", "right", MOR_CLASS_SLOTS);

    drop(bottom_up(stretch));

    mor_obj *keep = node(NULL, NULL);
    top_down(keep, long_lived);
    mor_obj *array = double_array(array_n);

    for (int d = min_depth; d <= max_depth; d += 2) {
        int64_t iters = 2 * tree_size(stretch) / tree_size(d);
        if (iters < 1)
            iters = 1;
        for (int64_t i = 0; i < iters; i++) {
            mor_obj *t = node(NULL, NULL);
            top_down(t, d);
            drop(t);
        }
        for (int64_t i = 0; i < iters; i++)
            drop(bottom_up(d));
    }

    /* the long-lived data must have survived every collection */
    mor_obj *l = must(mor_getattr(vrt, keep, "left"), "keep.left");
    mor_obj *k = must(mor_int(vrt, 1000), "int");
    mor_obj *x = must(mor_getitem(vrt, array, k), "array[1000]");
    mor_decref(vrt, k);
    double v = 0;
    must0(mor_float_to_double(vrt, x, &v), "float");
    if (v != 1.0 / 1001.0)
        vs_fail("trees: the long-lived array was corrupted");
    mor_decref(vrt, x);
    mor_decref(vrt, l);
    drop(array);
    drop(keep);
    mor_decref(vrt, node_cls);
    vs_report("nodes", (double)nodes_made, "count");
}

/* ---- cyclic garbage: rings dropped whole ---------------------------------------------------------- */

static void cycles(bool quick, int64_t ring)
{
    int64_t total = quick ? 100000 : 1000000, rings = total / ring;
    mor_obj *cls = new_class("Link", "next", "val", MOR_CLASS_SLOTS);
    for (int round = 0; round < 10; round++) {
        mor_obj *roots = must(mor_list(vrt, 0), "list");
        for (int64_t r = 0; r < rings; r++) {
            mor_obj *first = make(cls, mor_none(vrt), mor_int(vrt, 0)), *prev = first;
            for (int64_t k = 1; k < ring; k++) {
                mor_obj *n = make(cls, mor_none(vrt), mor_int(vrt, k % 200));
                set(prev, "next", n);
                mor_decref(vrt, n); /* prev.next owns it */
                prev = n;
            }
            set(prev, "next", first);
            must0(mor_list_append_steal(vrt, roots, first), "append");
        }
        /* walk every ring once */
        size_t n;
        mor_obj *const *items = mor_seq_items(roots, &n);
        for (size_t i = 0; i < n; i++) {
            int64_t len = 1;
            mor_obj *p = must(mor_getattr(vrt, items[i], "next"), "next");
            while (p != items[i]) {
                mor_obj *q = must(mor_getattr(vrt, p, "next"), "next");
                mor_decref(vrt, p);
                p = q;
                len++;
            }
            mor_decref(vrt, p);
            if (len != ring)
                vs_fail("cycles: a ring has the wrong length");
        }
        drop(roots); /* the rings are now cyclic garbage */
    }
    mor_decref(vrt, cls);
}

/* ---- many small objects ------------------------------------------------------------------------------ */

static void objects(bool quick, unsigned flags)
{
    int64_t n = quick ? 100000 : 1000000;
    mor_obj *cls = new_class("Point", "x", "y", flags);
    mor_obj *all = must(mor_list(vrt, 0), "list");
    for (int64_t i = 0; i < n; i++) /* small ints: shared, nothing else is allocated */
        must0(mor_list_append_steal(vrt, all, make(cls, mor_int(vrt, i & 255), mor_int(vrt, 1))),
              "append");
    int64_t sum = 0, expect = 0;
    size_t len;
    mor_obj *const *items = mor_seq_items(all, &len);
    for (size_t i = 0; i < len; i++) {
        mor_obj *x = must(mor_getattr(vrt, items[i], "x"), "p.x");
        int64_t v;
        must0(mor_int_to_i64(vrt, x, &v), "int");
        sum += v;
        expect += (int64_t)(i & 255);
        mor_decref(vrt, x);
    }
    if (sum != expect)
        vs_fail("objects: wrong sum");
    drop(all);
    mor_decref(vrt, cls);
}

/* ---- string building --------------------------------------------------------------------------------- */

static mor_obj *part(int64_t i) { return must(mor_str_fmt(vrt, "%09u,", (unsigned)i), "part"); }

static void strings(bool quick, bool join)
{
    int64_t n = quick ? 20000 : 1000000;
    mor_obj *s;
    if (join) {
        mor_obj *parts = must(mor_list(vrt, 0), "list");
        for (int64_t i = 0; i < n; i++)
            must0(mor_list_append_steal(vrt, parts, part(i)), "append");
        mor_obj *sep = must(mor_str(vrt, ""), "sep");
        s = must(mor_str_join(vrt, sep, parts), "join");
        mor_decref(vrt, sep);
        drop(parts);
    } else {
        s = must(mor_str(vrt, ""), "str");
        for (int64_t i = 0; i < n; i++) {
            mor_obj *p = part(i);
            must0(mor_str_append(vrt, &s, p), "append");
            mor_decref(vrt, p);
        }
    }
    size_t nbytes;
    const char *text = mor_str_utf8(s, &nbytes);
    if (nbytes != (size_t)n * 10 || memcmp(text + 10, "000000001,", 10) != 0)
        vs_fail("strings: wrong result");
    drop(s);
}

/* ---- a generator pipeline: sum(x * x for x in count(n) if x % 2 == 0) ------------------------------ */

typedef struct count_state {
    int64_t i, n;
} count_state;

static mor_obj *count_step(mor_rt *rt, mor_gen *g, mor_obj *sent)
{
    count_state *s = mor_gen_cstate(g); /* the macros want `rt`, `g`, `sent` */
    MOR_GEN_BEGIN(g);
    for (s->i = 0; s->i < s->n; s->i++)
        MOR_GEN_YIELD(g, mor_int(rt, s->i));
    MOR_GEN_END(g);
}

static mor_obj *is_even(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data;
    (void)nargs;
    int64_t v;
    if (mor_int_to_i64(rt, args[0], &v) < 0)
        return NULL;
    return mor_bool(rt, v % 2 == 0);
}

static mor_obj *square(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data;
    (void)nargs;
    return mor_mul(rt, args[0], args[0]);
}

/* 4 * (m-1) * m * (2m-1) / 6: the sum of (2k)^2 for k < m, in exact ints. */
static mor_obj *expected_sum(int64_t m)
{
    mor_obj *a = must(mor_int(vrt, m - 1), "int"), *b = must(mor_int(vrt, m), "int");
    mor_obj *c = must(mor_int(vrt, 2 * m - 1), "int"), *four = mor_int(vrt, 4), *six = mor_int(vrt, 6);
    mor_obj *ab = must(mor_mul(vrt, a, b), "mul"), *abc = must(mor_mul(vrt, ab, c), "mul");
    mor_obj *x4 = must(mor_mul(vrt, abc, four), "mul"), *r = must(mor_floordiv(vrt, x4, six), "div");
    mor_obj *tmp[] = {a, b, c, ab, abc, x4};
    for (size_t i = 0; i < sizeof(tmp) / sizeof(tmp[0]); i++)
        mor_decref(vrt, tmp[i]);
    return r;
}

static void gen_pipeline(bool quick)
{
    int64_t n = quick ? 200000 : 10000000;
    mor_obj *g = must(mor_gen_new(vrt, "count", count_step, 0, sizeof(count_state)), "gen");
    ((count_state *)mor_gen_cstate((mor_gen *)g))->n = n;
    mor_obj *even = must(mor_func_new(vrt, "is_even", is_even, NULL), "func");
    mor_obj *sq = must(mor_func_new(vrt, "square", square, NULL), "func");
    mor_obj *f = must(mor_filter(vrt, even, g), "filter");
    mor_obj *m = must(mor_map(vrt, sq, f), "map");
    mor_obj *sum = must(mor_sum(vrt, m, NULL), "sum");
    mor_obj *want = expected_sum(n / 2);
    if (mor_eq(vrt, sum, want) != 1)
        vs_fail("gen-pipeline: wrong sum");
    mor_obj *tmp[] = {want, sum, m, f, sq, even, g};
    for (size_t i = 0; i < sizeof(tmp) / sizeof(tmp[0]); i++)
        mor_decref(vrt, tmp[i]);
}

/* ---- cache churn: lru_cache(maxsize=10000) under random keys ---------------------------------------- */

static mor_obj *pair_of(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data;
    (void)nargs;
    return mor_tuple(rt, 2, args[0], args[0]);
}

static void lru_churn(bool quick)
{
    int64_t calls = quick ? 100000 : 1000000, keys = 40000;
    mor_obj *fn = must(mor_func_new(vrt, "pair_of", pair_of, NULL), "func");
    mor_obj *cache = must(mor_lru_cache(vrt, fn, 10000), "lru_cache");
    uint64_t x = 0x9e3779b97f4a7c15u; /* xorshift64 */
    for (int64_t i = 0; i < calls; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        mor_obj *k = must(mor_int(vrt, (int64_t)(x % (uint64_t)keys)), "key");
        mor_obj *v = must(mor_call(vrt, cache, 1, &k), "call");
        mor_decref(vrt, v);
        mor_decref(vrt, k);
    }
    size_t hits, misses, size;
    must0(mor_lru_cache_info(vrt, cache, &hits, &misses, &size), "cache_info");
    if (hits + misses != (size_t)calls || size != 10000)
        vs_fail("lru-churn: wrong cache counts");
    vs_report("hit_rate", (double)hits / (double)calls, "ratio");
    drop(cache);
    mor_decref(vrt, fn);
}

/* ---- false retention ------------------------------------------------------------------------------------- */

/* A buffer of raw machine words: an embedder type with inline items and no
 * traverse slot. To refcounting the words are numbers; to a conservative
 * collector, which cannot know, any word that looks like an address is one. */
static void words_dealloc(mor_rt *rt, mor_obj *self) { mor_object_free(rt, self); }

static const mor_type words_type = {
    .name = "words",
    .basicsize = sizeof(mor_varobj),
    .itemsize = sizeof(uint64_t),
    .dealloc = words_dealloc,
};

static uint64_t *words_of(mor_obj *o) { return (uint64_t *)(void *)((mor_varobj *)o + 1); }

#define RETAIN_GROUPS 3 /* addresses kept: nowhere, as ints in a list, as raw words */

/* How many of the referents of the weak references in `refs` are alive. */
static int64_t alive(mor_obj *refs)
{
    size_t n;
    mor_obj *const *items = mor_seq_items(refs, &n);
    int64_t k = 0;
    for (size_t i = 0; i < n; i++) {
        mor_obj *t = must(mor_weakref_get(vrt, items[i]), "weakref");
        k += !mor_is_none(vrt, t);
        mor_decref(vrt, t);
    }
    return k;
}

/* Zero the stack below this frame: stale pointers left in dead frames would be
 * found by a conservative scan of the stack too, a source of false retention
 * apart from the one measured here. */
static void scrub_stack(void)
{
    volatile uint64_t area[8 * 1024]; /* volatile: the stores are not optimised away */
    for (size_t i = 0; i < sizeof(area) / sizeof(area[0]); i++)
        area[i] = 0;
}

static void collect(void)
{
    scrub_stack();
    if (mor_gc_collect(vrt, -1) < 0)
        must(NULL, "collect");
}

static void append_int(mor_obj *list, int64_t v)
{
    must0(mor_list_append_steal(vrt, list, must(mor_int(vrt, v), "int")), "append");
}

/* Per group: n objects with a 1 KiB payload each, weakly referenced; each
 * one's address is stored (while it is alive: as an int in a list, or as a
 * raw word in a buffer, among `slots` plain numbers) before its last
 * reference goes. The two buffers are returned in a list, their only
 * reference, so that a conservative scan of the caller's frame cannot find
 * them once the list lets go of them. */
static mor_obj *retention_build(int64_t n, int64_t slots, mor_obj *refs[RETAIN_GROUPS])
{
    int64_t stride = slots / n;
    mor_obj *cls = new_class("Blob", "payload", NULL, MOR_CLASS_SLOTS);
    char kib[1024];
    memset(kib, 'x', sizeof(kib));
    mor_obj *ints = must(mor_list(vrt, 0), "list");
    mor_obj *words = must(mor_object_new(vrt, &words_type, (size_t)slots), "words");
    for (int64_t s = 0; s < slots; s++)
        words_of(words)[s] = (uint64_t)s;
    for (int g = 0; g < RETAIN_GROUPS; g++) {
        refs[g] = must(mor_list(vrt, 0), "list");
        for (int64_t i = 0; i < n; i++) {
            mor_obj *payload = must(mor_bytes(vrt, kib, sizeof(kib)), "bytes");
            mor_obj *o = must(mor_call(vrt, cls, 1, &payload), "Blob");
            mor_decref(vrt, payload);
            must0(mor_list_append_steal(vrt, refs[g], must(mor_weakref(vrt, o, NULL), "weakref")),
                  "append");
            if (g == 1) {
                for (int64_t f = i * stride + 1; f < (i + 1) * stride; f++)
                    append_int(ints, f);
                append_int(ints, (int64_t)(uintptr_t)o);
            }
            if (g == 2)
                words_of(words)[i * stride] = (uint64_t)(uintptr_t)o;
            mor_decref(vrt, o); /* its last reference: only its address is left */
        }
    }
    for (int64_t f = n * stride; f < slots; f++)
        append_int(ints, f);
    mor_obj *held = must(mor_list(vrt, 2, ints, words), "list");
    mor_decref(vrt, ints);
    mor_decref(vrt, words);
    mor_decref(vrt, cls);
    return held;
}

static void false_retention(bool quick)
{
    int64_t n = quick ? 3000 : 30000, slots = quick ? 100000 : 1000000;
    mor_obj *refs[RETAIN_GROUPS];
    mor_obj *held = retention_build(n, slots, refs);
    collect();
    static const char *const names[RETAIN_GROUPS] = {
        "retained (addresses kept nowhere)", "retained (addresses as ints in a list)",
        "retained (addresses as raw words in a buffer)"};
    for (int g = 0; g < RETAIN_GROUPS; g++)
        vs_report(names[g], (double)alive(refs[g]), "count");
    vs_report("objects per group", (double)n, "count");
    for (int64_t i = 0; i < 2; i++) { /* overwritten, not deleted: no stale copy in the list */
        mor_obj *k = mor_int(vrt, i);
        uint64_t t0 = vs_now_ns();
        must0(mor_setitem(vrt, held, k, mor_none(vrt)), "held[i] = None");
        vs_drop(vs_now_ns() - t0);
    }
    collect();
    int64_t left = 0;
    for (int g = 0; g < RETAIN_GROUPS; g++) {
        left += alive(refs[g]);
        mor_decref(vrt, refs[g]);
    }
    vs_report("retained after the buffers are dropped", (double)left, "count");
    mor_decref(vrt, held);
}

/* ---- dispatch ------------------------------------------------------------------------------------------------ */

int vs_run(void *env, vs_workload w, bool quick)
{
    vrt = env;
    switch (w) {
    case VS_TREES: trees(quick); break;
    case VS_CYCLES2: cycles(quick, 2); break;
    case VS_CYCLES100: cycles(quick, 100); break;
    case VS_OBJ_DICT: objects(quick, MOR_CLASS_DICT); break;
    case VS_OBJ_SLOTS: objects(quick, MOR_CLASS_SLOTS); break;
    case VS_STR_JOIN: strings(quick, true); break;
    case VS_STR_APPEND: strings(quick, false); break;
    case VS_GEN: gen_pipeline(quick); break;
    case VS_LRU: lru_churn(quick); break;
    case VS_RETAIN: false_retention(quick); break;
    default: return 1;
    }
    return 0;
}
