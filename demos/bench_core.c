/* demos/bench_core.c: the core benchmark. Times refcounting, create+drop of the small
 * built-in objects, dict insert/lookup and list append through the public API only, next
 * to raw malloc/mi_malloc of the same sizes, and checks the targets against the figures. */
#define _POSIX_C_SOURCE 200809L

#include <dlfcn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mor.h"

#include "bench_util.h"

#ifdef HAVE_MIMALLOC
#include <mimalloc.h>
#define HAVE_MI 1
#else
#define HAVE_MI 0
#endif

#define BENCH_RUNS 5               /* timed runs; the median is reported */
/* A full-mode run must last at least 50 ms; calibration aims at 75 ms because the warm-up
 * it extrapolates from is often slower than the timed runs. */
#define BENCH_AIM_RUN_NS 75000000u
#define BENCH_LOOP_OPS 10000000u   /* create+drop loops, full mode */
#define BENCH_DICT_KEYS 1000000u   /* dict insert/lookup, full mode */
#define BENCH_APPENDS 10000000u    /* list append, full mode */
#define BENCH_QUICK_DIV 100u       /* --quick divides every count by this */
#define BENCH_MAX_RESULTS 40

/* CPython 3.11 on this machine, from demos/bench_core_ref.py --cpu (ns per operation net
 * of the empty loop, median of 5 runs of 10M, load average ~21); the instance create+drop
 * figures are section 5 of reference/cpython311-figures.md (that script measured 111 and
 * 90 net in the same run). CPython specializes these attribute accesses in place, so
 * their net cost is close to nothing beside its loop. */
#define CPY_ATTR_GET_DICT "1.0 net (t = o.a)"
#define CPY_ATTR_SET_DICT "4.5 net (o.a = i)"
#define CPY_ATTR_GET_SLOTS "1.9 net (t = o.a)"
#define CPY_ATTR_SET_SLOTS "2.1 net (o.a = i)"

/* libc's own malloc and free. A library linked before libc may export malloc (Debian's
 * libmimalloc.so does): the plain names would then be that allocator, not libc's. */
typedef void *(*bench_malloc_fn)(size_t);
typedef void (*bench_free_fn)(void *);
static bench_malloc_fn libc_malloc = malloc;
static bench_free_fn libc_free = free;
static bool libc_malloc_interposed; /* the process's malloc is not libc's */
_Static_assert(sizeof(bench_malloc_fn) == sizeof(void *), "dlsym results must fit");

/* Every loop stores what it made here, so the compiler cannot drop the work. */
static void *volatile bench_sink;
/* The incref/decref loop reads its object through this, so the pair cannot be folded. */
static mor_obj *volatile bench_refobj;

/* What the benchmark loops share. Objects are owned here and released at the end. */
typedef struct bench_ctx {
    mor_rt *rt;
    mor_obj *list;      /* the incref/decref target */
    mor_obj *int_a;     /* two mortal ints held for the 2-tuple */
    mor_obj *int_b;
    mor_obj *key_a;     /* interned 'a' and 'b' for the 2-key dict */
    mor_obj *key_b;
    mor_obj *value;     /* the value stored in dicts and appended to lists */
    mor_obj **keys;     /* nkeys distinct ints for the dict benchmarks */
    size_t nkeys;
    mor_obj *filled;    /* a dict holding every key, for the lookups */
    mor_obj *cls_dict;  /* class P2(a, b): dict instances, fields filled by the call */
    mor_obj *cls_slots; /* class S2(a, b): __slots__ instances, the same */
    mor_obj *cls_init;  /* class P2i: dict instances, a native __init__ sets a and b */
    mor_obj *inst_dict; /* held instances of P2 and S2 for the attribute loops */
    mor_obj *inst_slots;
    size_t nappends;    /* appends per list in the append benchmark */
    size_t raw_size;    /* block size of the raw allocator loops */
    bool failed;
} bench_ctx;

/* A benchmark body: performs `ops` operations and returns the nanoseconds spent in the
 * timed part (set-up and tear-down of a run may be left out). On an error it sets
 * c->failed and returns 0. */
typedef uint64_t (*bench_fn)(bench_ctx *c, size_t ops);

typedef struct bench_def {
    const char *name;   /* JSON name */
    const char *label;  /* human label */
    bench_fn fn;
    size_t ops;         /* operations of a full-mode run before calibration */
    size_t unit;        /* the op count is kept a multiple of this (1, keys, appends) */
    size_t raw_size;    /* for the raw allocator loops */
} bench_def;

typedef struct bench_result {
    char name[64];
    char label[80];
    double value, min, max; /* median, min and max over the timed runs */
    const char *unit;       /* "ns" or "x" */
    const char *cpython;    /* the CPython 3.11 figure, or NULL */
    size_t ops;             /* operations per timed run */
    double run_ms;          /* median length of one timed run */
    bench_fn fn;            /* how it was measured, for the paired ratio runs */
    size_t raw_size;
} bench_result;

typedef struct bench_table {
    bench_result r[BENCH_MAX_RESULTS];
    size_t n;
} bench_table;

static void bench_error(bench_ctx *c, const char *what)
{
    if (!c->failed)
        fprintf(stderr, "bench_core: %s failed: %s\n", what, mor_err_message(c->rt));
    mor_err_clear(c->rt);
    c->failed = true;
}

/* ---- the loops ------------------------------------------------------------------------- */

static uint64_t bench_incref_decref(bench_ctx *c, size_t ops)
{
    mor_rt *rt = c->rt;
    bench_refobj = c->list;
    uint64_t t0 = now_ns();
    for (size_t i = 0; i < ops; i++) {
        mor_incref(bench_refobj);
        mor_decref(rt, bench_refobj);
    }
    return now_ns() - t0;
}

static uint64_t bench_float(bench_ctx *c, size_t ops)
{
    mor_rt *rt = c->rt;
    uint64_t t0 = now_ns();
    for (size_t i = 0; i < ops; i++) {
        mor_obj *o = mor_float(rt, (double)i + 0.5);
        if (o == NULL) {
            bench_error(c, "mor_float");
            return 0;
        }
        bench_sink = o;
        mor_decref(rt, o);
    }
    return now_ns() - t0;
}

static uint64_t bench_int(bench_ctx *c, size_t ops)
{
    mor_rt *rt = c->rt;
    uint64_t t0 = now_ns();
    for (size_t i = 0; i < ops; i++) {
        mor_obj *o = mor_int(rt, (int64_t)i + 1000);
        if (o == NULL) {
            bench_error(c, "mor_int");
            return 0;
        }
        bench_sink = o;
        mor_decref(rt, o);
    }
    return now_ns() - t0;
}

static uint64_t bench_tuple2(bench_ctx *c, size_t ops)
{
    mor_rt *rt = c->rt;
    mor_obj *a = c->int_a, *b = c->int_b;
    uint64_t t0 = now_ns();
    for (size_t i = 0; i < ops; i++) {
        mor_obj *o = mor_tuple(rt, 2, a, b);
        if (o == NULL) {
            bench_error(c, "mor_tuple");
            return 0;
        }
        bench_sink = o;
        mor_decref(rt, o);
    }
    return now_ns() - t0;
}

static uint64_t bench_list_empty(bench_ctx *c, size_t ops)
{
    mor_rt *rt = c->rt;
    uint64_t t0 = now_ns();
    for (size_t i = 0; i < ops; i++) {
        mor_obj *o = mor_list(rt, 0);
        if (o == NULL) {
            bench_error(c, "mor_list");
            return 0;
        }
        bench_sink = o;
        mor_decref(rt, o);
    }
    return now_ns() - t0;
}

static uint64_t bench_dict2(bench_ctx *c, size_t ops)
{
    mor_rt *rt = c->rt;
    mor_obj *ka = c->key_a, *kb = c->key_b, *v = c->value;
    uint64_t t0 = now_ns();
    for (size_t i = 0; i < ops; i++) {
        mor_obj *d = mor_dict(rt);
        if (d == NULL) {
            bench_error(c, "mor_dict");
            return 0;
        }
        if (mor_dict_set(rt, d, ka, v) < 0 || mor_dict_set(rt, d, kb, v) < 0) {
            mor_decref(rt, d);
            bench_error(c, "mor_dict_set");
            return 0;
        }
        bench_sink = d;
        mor_decref(rt, d);
    }
    return now_ns() - t0;
}

/* Create+drop of an instance by calling its class with (a, b). */
static uint64_t bench_instance(bench_ctx *c, mor_obj *cls, size_t ops)
{
    mor_rt *rt = c->rt;
    mor_obj *const args[2] = {c->int_a, c->int_b};
    uint64_t t0 = now_ns();
    for (size_t i = 0; i < ops; i++) {
        mor_obj *o = mor_call(rt, cls, 2, args);
        if (o == NULL) {
            bench_error(c, "calling the class");
            return 0;
        }
        bench_sink = o;
        mor_decref(rt, o);
    }
    return now_ns() - t0;
}

static uint64_t bench_instance_dict(bench_ctx *c, size_t ops)
{
    return bench_instance(c, c->cls_dict, ops);
}

static uint64_t bench_instance_slots(bench_ctx *c, size_t ops)
{
    return bench_instance(c, c->cls_slots, ops);
}

static uint64_t bench_instance_init(bench_ctx *c, size_t ops)
{
    return bench_instance(c, c->cls_init, ops);
}

/* Reads attribute "a" of a held instance (t = o.a). */
static uint64_t bench_attr_get(bench_ctx *c, mor_obj *inst, size_t ops)
{
    mor_rt *rt = c->rt;
    uint64_t t0 = now_ns();
    for (size_t i = 0; i < ops; i++) {
        mor_obj *v = mor_getattr(rt, inst, "a");
        if (v == NULL) {
            bench_error(c, "mor_getattr");
            return 0;
        }
        bench_sink = v;
        mor_decref(rt, v);
    }
    return now_ns() - t0;
}

/* Sets attribute "a" of a held instance, alternating two held values (o.a = x), so
 * that every set releases the previous value. */
static uint64_t bench_attr_set(bench_ctx *c, mor_obj *inst, size_t ops)
{
    mor_rt *rt = c->rt;
    mor_obj *vals[2] = {c->int_a, c->int_b};
    uint64_t t0 = now_ns();
    for (size_t i = 0; i < ops; i++) {
        if (mor_setattr(rt, inst, "a", vals[i & 1]) < 0) {
            bench_error(c, "mor_setattr");
            return 0;
        }
    }
    return now_ns() - t0;
}

static uint64_t bench_attr_get_dict(bench_ctx *c, size_t ops)
{
    return bench_attr_get(c, c->inst_dict, ops);
}

static uint64_t bench_attr_set_dict(bench_ctx *c, size_t ops)
{
    return bench_attr_set(c, c->inst_dict, ops);
}

static uint64_t bench_attr_get_slots(bench_ctx *c, size_t ops)
{
    return bench_attr_get(c, c->inst_slots, ops);
}

static uint64_t bench_attr_set_slots(bench_ctx *c, size_t ops)
{
    return bench_attr_set(c, c->inst_slots, ops);
}

static uint64_t bench_malloc(bench_ctx *c, size_t ops)
{
    size_t size = c->raw_size;
    bench_malloc_fn m = libc_malloc;
    bench_free_fn f = libc_free;
    uint64_t t0 = now_ns();
    for (size_t i = 0; i < ops; i++) {
        void *p = m(size);
        if (p == NULL) {
            fprintf(stderr, "bench_core: malloc(%zu) failed\n", size);
            c->failed = true;
            return 0;
        }
        bench_sink = p;
        f(p);
    }
    return now_ns() - t0;
}

#ifdef HAVE_MIMALLOC
/* One block of the same size stays allocated during the loop. Without it each mi_free
 * may empty the block's page, and mimalloc then takes its slower page-retire path: the
 * loop's cost came to depend on whether some unrelated live block (libmor's own backend
 * struct, say) happened to share that size class (3.1 vs 5.6 ns here). With it the loop
 * times the allocator's steady-state fast path, whatever else the process holds. */
static uint64_t bench_mi_malloc(bench_ctx *c, size_t ops)
{
    size_t size = c->raw_size;
    void *keep = mi_malloc(size);
    if (keep == NULL) {
        fprintf(stderr, "bench_core: mi_malloc(%zu) failed\n", size);
        c->failed = true;
        return 0;
    }
    uint64_t t0 = now_ns();
    for (size_t i = 0; i < ops; i++) {
        void *p = mi_malloc(size);
        if (p == NULL) {
            fprintf(stderr, "bench_core: mi_malloc(%zu) failed\n", size);
            c->failed = true;
            break;
        }
        bench_sink = p;
        mi_free(p);
    }
    uint64_t t = now_ns() - t0;
    mi_free(keep);
    return c->failed ? 0 : t;
}
#endif

/* Inserts c->keys into fresh empty dicts, ops / nkeys of them; only the inserts are
 * timed (dropping each filled dict is not). */
static uint64_t bench_dict_insert(bench_ctx *c, size_t ops)
{
    mor_rt *rt = c->rt;
    uint64_t total = 0;
    for (size_t rep = 0; rep < ops / c->nkeys; rep++) {
        mor_obj *d = mor_dict(rt);
        if (d == NULL) {
            bench_error(c, "mor_dict");
            return 0;
        }
        uint64_t t0 = now_ns();
        for (size_t i = 0; i < c->nkeys; i++) {
            if (mor_dict_set(rt, d, c->keys[i], c->value) < 0) {
                mor_decref(rt, d);
                bench_error(c, "mor_dict_set");
                return 0;
            }
        }
        total += now_ns() - t0;
        bench_sink = d;
        mor_decref(rt, d);
    }
    return total;
}

/* Looks every key up in c->filled, in insertion order, ops / nkeys times over. */
static uint64_t bench_dict_lookup(bench_ctx *c, size_t ops)
{
    mor_rt *rt = c->rt;
    mor_obj *d = c->filled;
    uint64_t t0 = now_ns();
    for (size_t rep = 0; rep < ops / c->nkeys; rep++) {
        for (size_t i = 0; i < c->nkeys; i++) {
            mor_obj *v;
            if (mor_dict_lookup(rt, d, c->keys[i], &v) != 1) {
                bench_error(c, "mor_dict_lookup (key missing or error)");
                return 0;
            }
            bench_sink = v;
            mor_decref(rt, v);
        }
    }
    return now_ns() - t0;
}

/* Appends c->value to fresh empty lists, c->nappends times each; only the appends are
 * timed (dropping each full list is not). */
static uint64_t bench_list_append(bench_ctx *c, size_t ops)
{
    mor_rt *rt = c->rt;
    uint64_t total = 0;
    for (size_t rep = 0; rep < ops / c->nappends; rep++) {
        mor_obj *l = mor_list(rt, 0);
        if (l == NULL) {
            bench_error(c, "mor_list");
            return 0;
        }
        mor_obj *v = c->value;
        uint64_t t0 = now_ns();
        for (size_t i = 0; i < c->nappends; i++) {
            if (mor_list_append(rt, l, v) < 0) {
                mor_decref(rt, l);
                bench_error(c, "mor_list_append");
                return 0;
            }
        }
        total += now_ns() - t0;
        bench_sink = l;
        mor_decref(rt, l);
    }
    return total;
}

static bench_result *table_add(bench_table *t, const char *name, const char *label,
                               const char *unit, const char *cpython)
{
    if (t->n == BENCH_MAX_RESULTS) {
        fprintf(stderr, "bench_core: too many results\n");
        exit(1);
    }
    bench_result *r = &t->r[t->n++];
    memset(r, 0, sizeof(*r));
    snprintf(r->name, sizeof(r->name), "%s", name);
    snprintf(r->label, sizeof(r->label), "%s", label);
    r->unit = unit;
    r->cpython = cpython;
    return r;
}

/* One warm-up run, then (full mode) the op count is scaled so that a run should last
 * BENCH_AIM_RUN_NS, then BENCH_RUNS timed runs. Fills r with ns per op. */
static int measure(bench_ctx *c, const bench_def *def, bool quick, bench_result *r)
{
    size_t unit = def->unit, ops = def->ops;
    if (quick && unit == 1) /* the structure sizes (unit > 1) are already the quick ones */
        ops /= BENCH_QUICK_DIV;
    c->raw_size = def->raw_size;
    uint64_t warm = def->fn(c, ops);
    if (c->failed)
        return -1;
    if (!quick && warm < BENCH_AIM_RUN_NS) {
        double per_op = (double)(warm ? warm : 1) / (double)ops;
        size_t want = (size_t)((double)BENCH_AIM_RUN_NS / per_op);
        want = (want + unit - 1) / unit * unit;
        if (want > ops)
            ops = want;
    }
    double ns[BENCH_RUNS], ms[BENCH_RUNS];
    for (int k = 0; k < BENCH_RUNS; k++) {
        uint64_t t = def->fn(c, ops);
        if (c->failed)
            return -1;
        ns[k] = (double)t / (double)ops;
        ms[k] = (double)t / 1e6;
    }
    qsort(ns, BENCH_RUNS, sizeof(double), cmp_double);
    qsort(ms, BENCH_RUNS, sizeof(double), cmp_double);
    r->value = ns[BENCH_RUNS / 2];
    r->min = ns[0];
    r->max = ns[BENCH_RUNS - 1];
    r->ops = ops;
    r->run_ms = ms[BENCH_RUNS / 2];
    r->fn = def->fn;
    r->raw_size = def->raw_size;
    return 0;
}

#ifdef HAVE_MIMALLOC
/* The ratio of o's time per op to raw's, measured in BENCH_RUNS back-to-back pairs (a run
 * of o, then a run of raw, with their calibrated op counts) so that both sides of each
 * ratio see the same machine state; r gets the median and extremes of the pair ratios. */
static int measure_ratio(bench_ctx *c, const bench_result *o, const bench_result *raw,
                         bench_result *r)
{
    double q[BENCH_RUNS];
    for (int k = 0; k < BENCH_RUNS; k++) {
        c->raw_size = o->raw_size;
        uint64_t a = o->fn(c, o->ops);
        c->raw_size = raw->raw_size;
        uint64_t b = raw->fn(c, raw->ops);
        if (c->failed)
            return -1;
        q[k] = ((double)a / (double)o->ops) / ((double)(b ? b : 1) / (double)raw->ops);
    }
    qsort(q, BENCH_RUNS, sizeof(double), cmp_double);
    r->value = q[BENCH_RUNS / 2];
    r->min = q[0];
    r->max = q[BENCH_RUNS - 1];
    return 0;
}
#endif

/* --only SUBSTR: run just the benchmarks whose name contains SUBSTR (for perf). */
static const char *bench_only;

/* Measures def into a new row of t unless --only leaves it out; -1 on an error. */
static int run_bench(bench_ctx *c, const bench_def *def, const char *label, bool quick,
                     bench_table *t, const char *cpython)
{
    if (bench_only != NULL && strstr(def->name, bench_only) == NULL)
        return 0;
    return measure(c, def, quick, table_add(t, def->name, label, "ns", cpython));
}

static bench_result *find_result(bench_table *t, const char *name)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->r[i].name, name) == 0)
            return &t->r[i];
    return NULL;
}

/* ---- set-up and tear-down ----------------------------------------------------------- */

/* Finds glibc's malloc and free even when another library interposes them; keeps the
 * plain names when libc cannot be opened by name. */
static void resolve_libc_malloc(void)
{
    void *h = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
    if (h == NULL)
        return;
    void *m = dlsym(h, "malloc"), *f = dlsym(h, "free");
    if (m != NULL && f != NULL) {
        /* memcpy: ISO C has no cast from an object pointer to a function pointer */
        memcpy(&libc_malloc, &m, sizeof(libc_malloc));
        memcpy(&libc_free, &f, sizeof(libc_free));
        bench_malloc_fn plain = malloc;
        libc_malloc_interposed = libc_malloc != plain;
    }
    /* h stays open: libc is never unloaded anyway */
}

/* __init__(self, a, b) of class P2i: self.a = a; self.b = b */
static mor_obj *p2_init(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data;
    if (nargs != 3) {
        mor_raise(rt, MOR_EXC_TYPE, "__init__() takes 3 arguments (%zu given)", nargs);
        return NULL;
    }
    if (mor_setattr(rt, args[0], "a", args[1]) < 0 || mor_setattr(rt, args[0], "b", args[2]) < 0)
        return NULL;
    return mor_newref(mor_none(rt));
}

/* The classes of the instance benchmarks and one held instance of P2 and S2. */
static int classes_init(bench_ctx *c)
{
    mor_rt *rt = c->rt;
    static const char *const fields[] = {"a", "b", NULL};
    c->cls_dict = mor_class_new(rt, "P2", fields, MOR_CLASS_DICT);
    c->cls_slots = mor_class_new(rt, "S2", fields, MOR_CLASS_SLOTS);
    c->cls_init = mor_class_new(rt, "P2i", NULL, MOR_CLASS_DICT);
    if (!c->cls_dict || !c->cls_slots || !c->cls_init) {
        bench_error(c, "mor_class_new");
        return -1;
    }
    mor_obj *init = mor_func_new(rt, "__init__", p2_init, NULL);
    int rc = init ? mor_class_set_attr(rt, c->cls_init, "__init__", init) : -1;
    mor_xdecref(rt, init);
    mor_obj *const args[2] = {c->int_a, c->int_b};
    c->inst_dict = rc == 0 ? mor_call(rt, c->cls_dict, 2, args) : NULL;
    c->inst_slots = c->inst_dict ? mor_call(rt, c->cls_slots, 2, args) : NULL;
    if (c->inst_slots == NULL) {
        bench_error(c, "making the classes' instances");
        return -1;
    }
    return 0;
}

static int ctx_init(bench_ctx *c, bool quick)
{
    mor_rt *rt = c->rt;
    c->list = mor_list(rt, 0);
    c->int_a = mor_int(rt, 1001);
    c->int_b = mor_int(rt, 1002);
    c->key_a = mor_str_const(rt, "a");
    c->key_b = mor_str_const(rt, "b");
    c->value = mor_int(rt, 1000);
    if (!c->list || !c->int_a || !c->int_b || !c->key_a || !c->key_b || !c->value) {
        bench_error(c, "set-up");
        return -1;
    }
    if (classes_init(c) < 0)
        return -1;
    c->nkeys = quick ? BENCH_DICT_KEYS / BENCH_QUICK_DIV : BENCH_DICT_KEYS;
    c->nappends = quick ? BENCH_APPENDS / BENCH_QUICK_DIV : BENCH_APPENDS;
    c->keys = calloc(c->nkeys, sizeof(mor_obj *));
    if (c->keys == NULL) {
        fprintf(stderr, "bench_core: out of memory\n");
        c->failed = true;
        return -1;
    }
    for (size_t i = 0; i < c->nkeys; i++) {
        c->keys[i] = mor_int(rt, (int64_t)i + 1000);
        if (c->keys[i] == NULL) {
            bench_error(c, "mor_int (keys)");
            return -1;
        }
    }
    c->filled = mor_dict(rt);
    if (c->filled == NULL) {
        bench_error(c, "mor_dict");
        return -1;
    }
    for (size_t i = 0; i < c->nkeys; i++) {
        if (mor_dict_set(rt, c->filled, c->keys[i], c->value) < 0) {
            bench_error(c, "mor_dict_set (filling)");
            return -1;
        }
    }
    return 0;
}

static void ctx_fini(bench_ctx *c)
{
    mor_rt *rt = c->rt;
    mor_obj *held[] = {c->inst_dict, c->inst_slots, c->cls_dict, c->cls_slots, c->cls_init,
                       c->filled, c->list, c->int_a, c->int_b, c->key_a, c->key_b, c->value};
    for (size_t i = 0; i < sizeof(held) / sizeof(held[0]); i++)
        mor_xdecref(rt, held[i]);
    if (c->keys != NULL)
        for (size_t i = 0; i < c->nkeys; i++)
            mor_xdecref(rt, c->keys[i]);
    free(c->keys);
}

/* The sizes of the raw allocations: mor_sizeof of a sample object of each kind. */
typedef struct bench_sizes {
    size_t flt, integer, tuple2, list, dict2;
} bench_sizes;

static int sample_sizes(bench_ctx *c, bench_sizes *s)
{
    mor_rt *rt = c->rt;
    mor_obj *f = mor_float(rt, 1.5);
    mor_obj *i = mor_int(rt, 123456);
    mor_obj *t = mor_tuple(rt, 2, c->int_a, c->int_b);
    mor_obj *l = mor_list(rt, 0);
    mor_obj *d = mor_dict(rt);
    int rc = -1;
    if (f && i && t && l && d && mor_dict_set(rt, d, c->key_a, c->value) == 0 &&
        mor_dict_set(rt, d, c->key_b, c->value) == 0) {
        s->flt = mor_sizeof(f);
        s->integer = mor_sizeof(i);
        s->tuple2 = mor_sizeof(t);
        s->list = mor_sizeof(l);
        s->dict2 = mor_sizeof(d);
        rc = 0;
    } else {
        bench_error(c, "sample objects");
    }
    mor_obj *all[] = {f, i, t, l, d};
    for (size_t k = 0; k < sizeof(all) / sizeof(all[0]); k++)
        mor_xdecref(rt, all[k]);
    return rc;
}

/* A target: the result `name` must be at most `limit`. */
typedef struct bench_target {
    const char *name;
    double limit;
    const char *what;
} bench_target;

static void print_json(const bench_table *t)
{
    for (size_t i = 0; i < t->n; i++)
        printf("{\"name\": \"%s\", \"value\": %.3f, \"unit\": \"%s\"}\n", t->r[i].name,
               t->r[i].value, t->r[i].unit);
}

static void print_table(bench_table *t, const bench_target *targets, size_t ntargets,
                        const char *backend, bool quick)
{
    char cpu[128];
    machine_name(cpu, sizeof(cpu));
    long nproc = sysconf(_SC_NPROCESSORS_ONLN);
    printf("mor core benchmark%s\n", quick ? " (--quick: 100x fewer iterations, smoke test only)"
                                           : "");
    printf("machine: %s, nproc %ld; mor allocator backend: %s\n", cpu, nproc, backend);
    print_clock_and_load();
    printf("each figure: median of %d timed runs after a warm-up, (min..max) beside it\n\n",
           BENCH_RUNS);
    printf("%-44s %9s %-4s %17s %9s  %s\n", "benchmark", "value", "unit", "(min..max)",
           "run ms", "CPython 3.11 (reference)");
    for (size_t i = 0; i < t->n; i++) {
        const bench_result *r = &t->r[i];
        char spread[40], runms[16] = "-"; /* ratios have no run length of their own */
        snprintf(spread, sizeof(spread), "(%.2f..%.2f)", r->min, r->max);
        if (strcmp(r->unit, "x") != 0)
            snprintf(runms, sizeof(runms), "%.1f", r->run_ms);
        printf("%-44s %9.2f %-4s %17s %9s  %s\n", r->label, r->value, r->unit, spread, runms,
               r->cpython ? r->cpython : "");
    }
    printf("\ntargets (median figures, as measured):\n");
    for (size_t i = 0; i < ntargets; i++) {
        const bench_target *g = &targets[i];
        const bench_result *r = find_result(t, g->name);
        if (r == NULL) {
            printf("  %-58s  n/a (not measured%s)\n", g->what,
                   HAVE_MI ? "" : ": built without mimalloc");
            continue;
        }
        printf("  %-58s  %7.2f %-2s  %s\n", g->what, r->value, r->unit,
               r->value <= g->limit ? "PASS" : "MISS");
    }
    printf("\nratios: object create+drop over raw mi_malloc+mi_free of mor_sizeof(sample) bytes\n"
           "(one more block of that size held meanwhile, so that a free never empties its page),\n"
           "timed in %d back-to-back pairs (a run of each) after the rows above; the median pair\n"
           "ratio, so it can differ a little from the quotient of the two rows. The dict makes 2\n"
           "blocks (object, table): its ratio is against one block of its total size, no target.\n",
           BENCH_RUNS);
    printf("CPython figures: reference/cpython311-figures.md §5 (run python3 "
           "../shared/reference/cpython/alloc_throughput.py beside this for a same-run "
           "comparison);\n"
           "the instance and attribute rows: demos/bench_core_ref.py (same method, --cpu as "
           "here). Instances: P2/S2 filled by the call from their fields, P2i by a native\n"
           "__init__ calling mor_setattr twice (CPython's P2 and S2 both run an __init__); "
           "attributes by C-string name through mor_getattr/mor_setattr.\n");
    if (libc_malloc_interposed)
        printf("libc malloc rows: glibc's malloc/free found with dlsym; the plain malloc of this\n"
               "process is another library's (libmimalloc.so exports malloc/free).\n");
    printf("dict insert: distinct int keys (>= 1000) into an empty dict, per insert; dict lookup:\n"
           "each key once, in insertion order; list append: one held object onto an empty list.\n");
    printf("CPython 'net' = its loop minus the empty loop; its list row is [i] (1 item), "
           "mor's is an empty list.\n");
}

static void print_pools(mor_rt *rt)
{
    mor_alloc_stats st;
    mor_alloc_get_stats(rt, &st);
    printf("pools:");
    for (int i = 0; i < MOR_ALLOC_POOLS; i++) {
        if (st.pools[i].name == NULL)
            continue;
        printf(" %s %llu hits / %llu misses;", st.pools[i].name,
               (unsigned long long)st.pools[i].hits, (unsigned long long)st.pools[i].misses);
    }
    printf("\n");
}

/* ---- main -------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    bool json = false, quick = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else if (strcmp(argv[i], "--quick") == 0) {
            quick = true;
        } else if (strcmp(argv[i], "--cpu") == 0) {
            bench_clock = CLOCK_PROCESS_CPUTIME_ID;
        } else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
            bench_only = argv[++i];
        } else {
            fprintf(stderr, "usage: %s [--json] [--quick] [--cpu] [--only NAME-SUBSTRING]\n", argv[0]);
            return 2;
        }
    }

    resolve_libc_malloc();
    mor_config cfg;
    mor_config_init(&cfg);
    cfg.leaks = MOR_LEAKS_REPORT;
    bench_ctx c;
    memset(&c, 0, sizeof(c));
    c.rt = mor_rt_new(&cfg);
    if (c.rt == NULL) {
        fprintf(stderr, "bench_core: mor_rt_new failed\n");
        return 1;
    }
    bench_sizes sz;
    memset(&sz, 0, sizeof(sz));
    int rc = 1;
    if (ctx_init(&c, quick) < 0 || sample_sizes(&c, &sz) < 0)
        goto done;

    const size_t L = BENCH_LOOP_OPS;
    const bench_def defs[] = {
        {"incref_decref_list", "incref+decref pair (list)", bench_incref_decref, L, 1, 0},
        {"float_create_drop", "float create+drop  mor_float(i + 0.5)", bench_float, L, 1, 0},
        {"int_create_drop", "int create+drop  mor_int(i + 1000)", bench_int, L, 1, 0},
        {"tuple2_create_drop", "2-tuple create+drop  mor_tuple(2, a, b)", bench_tuple2, L, 1,
         0},
        {"list_create_drop", "empty list create+drop  mor_list(0)", bench_list_empty, L, 1, 0},
        {"dict2_create_drop", "2-key dict create+drop  {'a': x, 'b': x}", bench_dict2, L, 1,
         0},
        {"instance_dict_create_drop", "instance create+drop  P2(a, b), dict", bench_instance_dict,
         L, 1, 0},
        {"instance_slots_create_drop", "instance create+drop  S2(a, b), slots",
         bench_instance_slots, L, 1, 0},
        {"instance_init_create_drop", "instance create+drop  P2i(a, b), __init__ sets a, b",
         bench_instance_init, L, 1, 0},
        {"attr_get_dict", "attribute get  o.a, dict instance", bench_attr_get_dict, L, 1, 0},
        {"attr_set_dict", "attribute set  o.a = x, dict instance", bench_attr_set_dict, L, 1, 0},
        {"attr_get_slots", "attribute get  o.a, slots instance", bench_attr_get_slots, L, 1, 0},
        {"attr_set_slots", "attribute set  o.a = x, slots instance", bench_attr_set_slots, L, 1,
         0},
    };
    const char *cpython[] = {NULL,
                             "13.4 net (i + 0.5)",
                             "10.3 net (i + 1000)",
                             "16.7 net ((i, i))",
                             "16.0 net ([i])",
                             "38.5 net",
                             "95.5 net (P2(i, i), __init__)",
                             "91.5 net (S2(i, i), __init__)",
                             "95.5 net (P2(i, i), __init__)",
                             CPY_ATTR_GET_DICT,
                             CPY_ATTR_SET_DICT,
                             CPY_ATTR_GET_SLOTS,
                             CPY_ATTR_SET_SLOTS};
    _Static_assert(sizeof(cpython) / sizeof(cpython[0]) == sizeof(defs) / sizeof(defs[0]),
                   "one CPython figure (or NULL) per benchmark");

    bench_table *t = calloc(1, sizeof(*t));
    if (t == NULL) {
        fprintf(stderr, "bench_core: out of memory\n");
        goto done;
    }
    for (size_t i = 0; i < sizeof(defs) / sizeof(defs[0]); i++) {
        if (run_bench(&c, &defs[i], defs[i].label, quick, t, cpython[i]) < 0)
            goto done_table;
    }

    /* raw allocations of the objects' sizes; equal sizes are measured once */
    size_t sizes[] = {sz.flt, sz.integer, sz.tuple2, sz.list, sz.dict2};
    size_t nsizes = sizeof(sizes) / sizeof(sizes[0]);
    for (size_t i = 0; i < nsizes; i++) {
        bool seen = false;
        for (size_t j = 0; j < i; j++)
            seen = seen || sizes[j] == sizes[i];
        if (seen)
            continue;
        char name[64], label[80];
        snprintf(name, sizeof(name), "malloc_free_%zu", sizes[i]);
        snprintf(label, sizeof(label), "raw libc malloc+free %zu B", sizes[i]);
        bench_def d = {name, label, bench_malloc, L, 1, sizes[i]};
        if (run_bench(&c, &d, label, quick, t, NULL) < 0)
            goto done_table;
#ifdef HAVE_MIMALLOC
        snprintf(name, sizeof(name), "mi_malloc_free_%zu", sizes[i]);
        snprintf(label, sizeof(label), "raw mi_malloc+mi_free %zu B", sizes[i]);
        bench_def m = {name, label, bench_mi_malloc, L, 1, sizes[i]};
        if (run_bench(&c, &m, label, quick, t, NULL) < 0)
            goto done_table;
#endif
    }

#ifdef HAVE_MIMALLOC
    /* the ratios of each object's create+drop to raw mi_malloc+mi_free of its size */
    const struct {
        const char *obj;
        size_t size;
    } ratios[] = {
        {"float", sz.flt}, {"int", sz.integer}, {"tuple2", sz.tuple2}, {"list", sz.list},
        {"dict2", sz.dict2},
    };
    for (size_t i = 0; i < sizeof(ratios) / sizeof(ratios[0]); i++) {
        char oname[64], rawname[64], name[64], label[80];
        snprintf(oname, sizeof(oname), "%s_create_drop", ratios[i].obj);
        snprintf(rawname, sizeof(rawname), "mi_malloc_free_%zu", ratios[i].size);
        snprintf(name, sizeof(name), "%s_vs_mi_malloc", ratios[i].obj);
        snprintf(label, sizeof(label), "ratio %s / mi_malloc+mi_free %zu B", ratios[i].obj,
                 ratios[i].size);
        bench_result *o = find_result(t, oname), *raw = find_result(t, rawname);
        if (o == NULL || raw == NULL || raw->value <= 0.0)
            continue;
        if (measure_ratio(&c, o, raw, table_add(t, name, label, "x", NULL)) < 0)
            goto done_table;
    }
#endif

    /* fixed structure sizes; calibration repeats whole structures */
    const bench_def big[] = {
        {"dict_insert_int", "dict insert", bench_dict_insert, c.nkeys, c.nkeys, 0},
        {"dict_lookup_int", "dict lookup", bench_dict_lookup, c.nkeys, c.nkeys, 0},
        {"list_append", "list append", bench_list_append, c.nappends, c.nappends, 0},
    };
    for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
        char label[80];
        snprintf(label, sizeof(label), "%s, %zu %s", big[i].label, big[i].unit,
                 i < 2 ? "int keys" : "per list");
        if (run_bench(&c, &big[i], label, quick, t, NULL) < 0)
            goto done_table;
    }

    const bench_target targets[] = {
        {"float_vs_mi_malloc", 1.5, "float create+drop <= 1.5x raw mi_malloc+mi_free"},
        {"int_vs_mi_malloc", 1.5, "int create+drop <= 1.5x raw mi_malloc+mi_free"},
        {"tuple2_vs_mi_malloc", 1.5, "2-tuple create+drop <= 1.5x raw mi_malloc+mi_free"},
        {"list_vs_mi_malloc", 1.5, "empty list create+drop <= 1.5x raw mi_malloc+mi_free"},
        {"tuple2_create_drop", 10.0, "2-tuple create+drop <= 10 ns"},
        {"int_create_drop", 8.0, "big int (beyond the small cache) create+drop <= 8 ns"},
    };
    mor_alloc_stats st;
    mor_alloc_get_stats(c.rt, &st);
    if (json) {
        print_json(t);
    } else {
        print_table(t, targets, sizeof(targets) / sizeof(targets[0]), st.backend, quick);
        print_pools(c.rt);
    }
    rc = 0;

done_table:
    free(t);
done:
    ctx_fini(&c);
    size_t live = mor_rt_live_objects(c.rt);
    if (live != 0) {
        fprintf(stderr, "bench_core: %zu objects still alive at the end\n", live);
        rc = 1;
    }
    mor_rt_free(c.rt);
    return rc;
}
