/* demos/bench_iter.c: the iteration benchmark. Times sum(x*x) over a generator against
 * the same sum over a list built first (time and peak bytes), and a 3-stage lazy pipeline
 * (source -> x*2 -> keep x % 3 -> sum) built from generators, from mor_map/mor_filter with
 * native functions, and fused into one C loop; public API only. */
#define _POSIX_C_SOURCE 200809L

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mor.h"

#include "bench_util.h"

#define BENCH_RUNS 5              /* timed runs; the median is reported */
#define BENCH_SUM_N 10000000      /* sum(x*x for x in range(10**7)) */
#define BENCH_PIPE_N 1000000      /* items through the pipeline */
#define BENCH_QUICK_DIV 100       /* --quick divides both by this */
#define BENCH_PIPE_TARGET_NS 10.0 /* ns per item the pipeline must not exceed */
#define BENCH_MIB (1024.0 * 1024.0)

/* The fused loop stores its result here, so the compiler cannot drop it. */
static volatile int64_t bench_sink;
/* The fused loop reads its bound through this, so it cannot be folded. */
static volatile int64_t bench_bound;
/* --only: run only the benchmarks whose JSON name contains this */
static const char *bench_only;

/* ---- the generators ------------------------------------------------------------------------ */

typedef struct range_state {
    int64_t i, n;
} range_state;

/* yields x*x for x in 0 .. n-1 */
static mor_obj *squares_step(mor_rt *rt, mor_gen *g, mor_obj *sent)
{
    range_state *s = mor_gen_cstate(g);
    MOR_GEN_BEGIN(g);
    for (s->i = 0; s->i < s->n; s->i++)
        MOR_GEN_YIELD(g, mor_int(rt, s->i * s->i));
    MOR_GEN_END(g);
}

/* yields 0 .. n-1 */
static mor_obj *source_step(mor_rt *rt, mor_gen *g, mor_obj *sent)
{
    range_state *s = mor_gen_cstate(g);
    MOR_GEN_BEGIN(g);
    for (s->i = 0; s->i < s->n; s->i++)
        MOR_GEN_YIELD(g, mor_int(rt, s->i));
    MOR_GEN_END(g);
}

/* (x * 2 for x in up): locals[0] the upstream iterator, locals[1] the int 2 */
static mor_obj *double_step(mor_rt *rt, mor_gen *g, mor_obj *sent)
{
    mor_obj **loc = mor_gen_locals(g);
    MOR_GEN_BEGIN(g);
    for (;;) {
        mor_obj *x = mor_next(rt, loc[0]);
        if (x == NULL) {
            if (mor_err_kind(rt) != MOR_EXC_NONE)
                MOR_GEN_FAIL(g);
            break;
        }
        mor_obj *y = mor_mul(rt, x, loc[1]);
        mor_decref(rt, x);
        MOR_GEN_YIELD(g, y);
    }
    MOR_GEN_END(g);
}

/* (x for x in up if x % 3): locals[0] the upstream iterator, locals[1] the int 3 */
static mor_obj *mod3_step(mor_rt *rt, mor_gen *g, mor_obj *sent)
{
    mor_obj **loc = mor_gen_locals(g);
    MOR_GEN_BEGIN(g);
    for (;;) {
        mor_obj *x = mor_next(rt, loc[0]);
        if (x == NULL) {
            if (mor_err_kind(rt) != MOR_EXC_NONE)
                MOR_GEN_FAIL(g);
            break;
        }
        mor_obj *r = mor_mod(rt, x, loc[1]);
        int keep = r ? mor_is_true(rt, r) : -1;
        mor_xdecref(rt, r);
        if (keep < 0) {
            mor_decref(rt, x);
            MOR_GEN_FAIL(g);
        }
        if (keep)
            MOR_GEN_YIELD(g, x);
        else
            mor_decref(rt, x);
    }
    MOR_GEN_END(g);
}

static mor_obj *range_gen(mor_rt *rt, const char *name, mor_gen_fn fn, int64_t n)
{
    mor_obj *g = mor_gen_new(rt, name, fn, 0, sizeof(range_state));
    if (g != NULL)
        ((range_state *)mor_gen_cstate((mor_gen *)g))->n = n;
    return g;
}

/* A stage generator over `up` (borrowed) with the constant k. */
static mor_obj *stage_gen(mor_rt *rt, const char *name, mor_gen_fn fn, mor_obj *up, int64_t k)
{
    mor_obj *g = mor_gen_new(rt, name, fn, 2, 0);
    if (g == NULL)
        return NULL;
    mor_obj **loc = mor_gen_locals((mor_gen *)g);
    loc[0] = mor_newref(up);
    loc[1] = mor_int(rt, k);
    if (loc[1] == NULL) {
        mor_decref(rt, g);
        return NULL;
    }
    return g;
}

/* Native functions for mor_map / mor_filter: x * 2 and x % 3 (data: the constant). */
static mor_obj *fn_mul(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)nargs;
    return mor_mul(rt, args[0], data);
}

static mor_obj *fn_mod(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)nargs;
    return mor_mod(rt, args[0], data);
}

/* ---- one run of each variant: in a fresh runtime; nanoseconds, or 0 on an error ------------ */

typedef struct run_out {
    uint64_t ns;
    uint64_t peak; /* allocator peak above the live bytes when the work began */
} run_out;

typedef enum variant { V_SUM_GEN, V_SUM_LIST, V_PIPE_GEN, V_PIPE_TOOLS, V_PIPE_FUSED } variant;

/* The sums the variants must reproduce. */
static int64_t want_pipe(int64_t n)
{
    int64_t s = 0;
    for (int64_t i = 0; i < n; i++)
        if ((i * 2) % 3 != 0)
            s += i * 2;
    return s;
}

/* The decimal digits of the sum of x*x for x below n: (n-1) n (2n-1) / 6, exact in 128
 * bits for the sizes used here. */
static void sum_squares_digits(int64_t n, char out[48])
{
    __extension__ typedef unsigned __int128 u128;
    u128 s = (u128)(n - 1) * (u128)n * (u128)(2 * n - 1) / 6;
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

static int check_total(mor_rt *rt, mor_obj *total, const char *want_digits, const char *what)
{
    if (total == NULL) {
        fprintf(stderr, "bench_iter: %s raised %s: %s\n", what, mor_exc_name(mor_err_kind(rt)),
                mor_err_message(rt));
        return -1;
    }
    mor_obj *r = mor_repr(rt, total);
    int ok = r != NULL && strcmp(mor_str_utf8(r, NULL), want_digits) == 0;
    if (!ok)
        fprintf(stderr, "bench_iter: %s gave %s, expected %s\n", what,
                r ? mor_str_utf8(r, NULL) : "?", want_digits);
    mor_xdecref(rt, r);
    return ok ? 0 : -1;
}

static uint64_t fused_loop(int64_t n)
{
    uint64_t t0 = now_ns();
    int64_t s = 0;
    for (int64_t i = 0; i < n; i++) {
        int64_t x = i * 2;
        if (x % 3)
            s += x;
    }
    bench_sink = s;
    return now_ns() - t0;
}

static int run_once(variant v, int64_t n, const char *want, run_out *out)
{
    if (v == V_PIPE_FUSED) {
        bench_bound = n;
        out->ns = fused_loop(bench_bound);
        out->peak = 0;
        char digits[32];
        snprintf(digits, sizeof(digits), "%lld", (long long)bench_sink);
        if (strcmp(digits, want) != 0) {
            fprintf(stderr, "bench_iter: fused loop gave %s, expected %s\n", digits, want);
            return -1;
        }
        return 0;
    }
    mor_config cfg;
    mor_config_init(&cfg);
    cfg.leaks = MOR_LEAKS_REPORT;
    mor_rt *rt = mor_rt_new(&cfg);
    if (rt == NULL) {
        fprintf(stderr, "bench_iter: mor_rt_new failed\n");
        return -1;
    }
    /* set-up outside the timed part: the native functions */
    mor_obj *two = mor_int(rt, 2), *three = mor_int(rt, 3);
    mor_obj *fmul = mor_func_new(rt, "mul2", fn_mul, two);
    mor_obj *fmod = mor_func_new(rt, "mod3", fn_mod, three);
    mor_alloc_stats st;
    mor_alloc_get_stats(rt, &st);
    uint64_t live_before = st.live_bytes;
    mor_obj *total = NULL;
    const char *what = "";
    uint64_t t0 = now_ns();
    switch (v) {
    case V_SUM_GEN: {
        what = "sum over a generator";
        mor_obj *g = range_gen(rt, "squares", squares_step, n);
        total = g ? mor_sum(rt, g, NULL) : NULL;
        mor_xdecref(rt, g);
        break;
    }
    case V_SUM_LIST: {
        what = "sum over a list";
        mor_obj *l = mor_list(rt, 0);
        for (int64_t i = 0; l != NULL && i < n; i++) {
            if (mor_list_append_steal(rt, l, mor_int(rt, i * i)) < 0) {
                mor_decref(rt, l);
                l = NULL;
            }
        }
        total = l ? mor_sum(rt, l, NULL) : NULL;
        mor_xdecref(rt, l); /* freeing the list is part of the work, as in CPython */
        break;
    }
    case V_PIPE_GEN: {
        what = "generator pipeline";
        mor_obj *src = range_gen(rt, "source", source_step, n);
        mor_obj *dbl = src ? stage_gen(rt, "double", double_step, src, 2) : NULL;
        mor_obj *flt = dbl ? stage_gen(rt, "mod3", mod3_step, dbl, 3) : NULL;
        total = flt ? mor_sum(rt, flt, NULL) : NULL;
        mor_xdecref(rt, flt);
        mor_xdecref(rt, dbl);
        mor_xdecref(rt, src);
        break;
    }
    case V_PIPE_TOOLS: {
        what = "mor_map/mor_filter pipeline";
        mor_obj *src = range_gen(rt, "source", source_step, n);
        mor_obj *m = src ? mor_map(rt, fmul, src) : NULL;
        mor_obj *f = m ? mor_filter(rt, fmod, m) : NULL;
        total = f ? mor_sum(rt, f, NULL) : NULL;
        mor_xdecref(rt, f);
        mor_xdecref(rt, m);
        mor_xdecref(rt, src);
        break;
    }
    case V_PIPE_FUSED: break;
    }
    out->ns = now_ns() - t0;
    mor_alloc_get_stats(rt, &st);
    out->peak = st.peak_bytes > live_before ? st.peak_bytes - live_before : 0;
    int rc = check_total(rt, total, want, what);
    mor_xdecref(rt, total);
    mor_decref(rt, fmul);
    mor_decref(rt, fmod);
    mor_decref(rt, two);
    mor_decref(rt, three);
    mor_rt_free(rt);
    return rc;
}

/* ---- measuring and reporting ------------------------------------------------------------- */

typedef struct row {
    const char *name; /* JSON name */
    const char *label;
    const char *unit;
    double value, min, max;
    const char *cpython; /* the CPython 3.11 reference figure, or NULL */
} row;

#define MAX_ROWS 16

typedef struct table {
    row r[MAX_ROWS];
    size_t n;
} table;

static void add_row(table *t, const char *name, const char *label, const char *unit, double *vals,
                    const char *cpython)
{
    qsort(vals, BENCH_RUNS, sizeof(double), cmp_double);
    row *r = &t->r[t->n++];
    r->name = name;
    r->label = label;
    r->unit = unit;
    r->value = vals[BENCH_RUNS / 2];
    r->min = vals[0];
    r->max = vals[BENCH_RUNS - 1];
    r->cpython = cpython;
}

/* A warm-up, then BENCH_RUNS timed runs of v. time_div turns nanoseconds into the time
 * unit (1e6: ms; n: ns per item). peak_row: also report the peak bytes in MiB. */
static int measure(table *t, variant v, int64_t n, const char *want, const char *name,
                   const char *label, const char *unit, double time_div, const char *cpython,
                   const char *peak_name, const char *peak_label, const char *peak_cpython)
{
    if (bench_only != NULL && strstr(name, bench_only) == NULL)
        return 0;
    run_out o;
    if (run_once(v, n, want, &o) < 0)
        return -1;
    double times[BENCH_RUNS], peaks[BENCH_RUNS];
    for (int i = 0; i < BENCH_RUNS; i++) {
        if (run_once(v, n, want, &o) < 0)
            return -1;
        times[i] = (double)o.ns / time_div;
        peaks[i] = (double)o.peak / BENCH_MIB;
    }
    add_row(t, name, label, unit, times, cpython);
    if (peak_name != NULL)
        add_row(t, peak_name, peak_label, "MiB", peaks, peak_cpython);
    return 0;
}

static const row *find_row(const table *t, const char *name)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->r[i].name, name) == 0)
            return &t->r[i];
    return NULL;
}

static const char *backend_name(void)
{
    static char name[32];
    mor_rt *rt = mor_rt_new(NULL);
    if (rt == NULL)
        return "?";
    mor_alloc_stats st;
    mor_alloc_get_stats(rt, &st);
    snprintf(name, sizeof(name), "%s", st.backend ? st.backend : "?");
    mor_rt_free(rt);
    return name;
}

static void print_json(const table *t)
{
    for (size_t i = 0; i < t->n; i++)
        printf("{\"name\": \"%s\", \"value\": %.3f, \"unit\": \"%s\"}\n", t->r[i].name,
               t->r[i].value, t->r[i].unit);
}

static void print_table(const table *t, bool quick, int64_t sum_n, int64_t pipe_n)
{
    char cpu[128];
    machine_name(cpu, sizeof(cpu));
    printf("mor iteration benchmark%s\n",
           quick ? " (--quick: 100x less work, smoke test only; the CPython figures are for "
                   "the full sizes)"
                 : "");
    printf("machine: %s, nproc %ld; mor allocator backend: %s; compiled %s\n", cpu,
           sysconf(_SC_NPROCESSORS_ONLN), backend_name(),
#ifdef __OPTIMIZE__
           "with optimization"
#else
           "WITHOUT optimization (use a release build for real figures)"
#endif
    );
    print_clock_and_load();
    printf("each figure: median of %d timed runs after a warm-up, (min..max) beside it; every\n"
           "mor run in a fresh runtime (peak = allocator peak above the live bytes at start)\n\n",
           BENCH_RUNS);
    printf("sum: sum(x*x for x in range(%lld)); pipeline: %lld items, source -> x*2 -> keep "
           "x %% 3 -> sum\n\n",
           (long long)sum_n, (long long)pipe_n);
    printf("%-52s %10s %-7s %21s  %s\n", "benchmark", "value", "unit", "(min..max)",
           "CPython 3.11 (reference)");
    for (size_t i = 0; i < t->n; i++) {
        const row *r = &t->r[i];
        char spread[48];
        snprintf(spread, sizeof(spread), "(%.2f..%.2f)", r->min, r->max);
        printf("%-52s %10.2f %-7s %21s  %s\n", r->label, r->value, r->unit, spread,
               r->cpython ? r->cpython : "-");
    }
    printf("\ntargets (median figures, as measured):\n");
    const char *targets[][2] = {
        {"pipeline_gen_ns_per_item", "pipeline, generator stages <= 10 ns/item"},
        {"pipeline_tools_ns_per_item", "pipeline, mor_map/mor_filter <= 10 ns/item"},
    };
    for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
        const row *r = find_row(t, targets[i][0]);
        if (r == NULL)
            continue;
        printf("  %-52s %8.2f %-7s %s\n", targets[i][1], r->value, r->unit,
               r->value <= BENCH_PIPE_TARGET_NS ? "PASS" : "MISS");
    }
    const row *g = find_row(t, "pipeline_gen_ns_per_item");
    const row *f = find_row(t, "pipeline_fused_ns_per_item");
    if (g != NULL && f != NULL && f->value > 0)
        printf("  generator pipeline over the fused C loop: %.0fx\n", g->value / f->value);
    printf("\nCPython figures: python3.11, sum(x*x for x in range(10**7)) vs "
           "sum([x*x for x in range(10**7)]);\n"
           "pipeline: three chained generator expressions summed, ns per source item.\n");
}

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
    int64_t sum_n = quick ? BENCH_SUM_N / BENCH_QUICK_DIV : BENCH_SUM_N;
    int64_t pipe_n = quick ? BENCH_PIPE_N / BENCH_QUICK_DIV : BENCH_PIPE_N;
    char sum_want[48];
    sum_squares_digits(sum_n, sum_want);
    char pipe_want[32];
    snprintf(pipe_want, sizeof(pipe_want), "%lld", (long long)want_pipe(pipe_n));

    table t;
    memset(&t, 0, sizeof(t));
    double per_item = (double)pipe_n;
    if (measure(&t, V_SUM_GEN, sum_n, sum_want, "sum_squares_gen_ms", "sum(x*x), generator: time",
                "ms", 1e6, "429 ms", "sum_squares_gen_peak_mib", "sum(x*x), generator: peak bytes",
                "~0 MiB") < 0 ||
        measure(&t, V_SUM_LIST, sum_n, sum_want, "sum_squares_list_ms",
                "sum(x*x), list built first: time", "ms", 1e6, "587 ms",
                "sum_squares_list_peak_mib", "sum(x*x), list built first: peak bytes",
                "390 MiB") < 0 ||
        measure(&t, V_PIPE_GEN, pipe_n, pipe_want, "pipeline_gen_ns_per_item",
                "pipeline, 3 generator stages", "ns/item", per_item, "83.5 ns/item", NULL, NULL,
                NULL) < 0 ||
        measure(&t, V_PIPE_TOOLS, pipe_n, pipe_want, "pipeline_tools_ns_per_item",
                "pipeline, generator + mor_map/mor_filter (native fns)", "ns/item", per_item,
                "83.5 ns/item", NULL, NULL, NULL) < 0 ||
        measure(&t, V_PIPE_FUSED, pipe_n, pipe_want, "pipeline_fused_ns_per_item",
                "pipeline fused into one C loop over int64 (floor)", "ns/item", per_item, NULL,
                NULL, NULL, NULL) < 0)
        return 1;
    if (json)
        print_json(&t);
    else
        print_table(&t, quick, sum_n, pipe_n);
    return 0;
}
