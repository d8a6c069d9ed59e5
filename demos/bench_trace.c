/* demos/bench_trace.c: what allocation tracing costs. An allocation-heavy workload
 * (build a list of small dicts {'a': (int, str), 'b': [float]}, then drop it) is timed
 * untraced, traced with 1 and 5 native frames, and sampled (one traced allocation per
 * 64 KiB and per 512 KiB); it prints ns per allocation, the slowdown over untraced, the
 * tracer's own bytes (mor_trace_overhead) and how close the traced (or, sampled,
 * estimated) live bytes come to the allocator's count. CPython's tracemalloc is measured
 * on the same workload shape in the same run (demos/trace_overhead.py) when python3 is
 * there. Public API only; every run in a fresh runtime, modes interleaved run by run. */
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

#define BENCH_ITEMS 250000u  /* dicts built (and dropped) per run; ~9 allocations each */
#define BENCH_RUNS 5         /* timed runs per mode; the median is reported */
#define BENCH_QUICK_DIV 100u /* --quick divides the items by this and runs once */
#define BENCH_TARGET_X 3.0   /* nframes 1 must cost at most this over untraced */
#define BENCH_MAX_ROWS 96
#define BENCH_MIB (1024.0 * 1024.0)

#ifndef BENCH_TRACE_PY
#define BENCH_TRACE_PY "trace_overhead.py"
#endif

/* ---- the modes ---------------------------------------------------------------------------- */

typedef struct mode {
    const char *name;  /* JSON stem */
    const char *label; /* table label */
    int nframes;       /* 0: untraced */
    size_t sample;     /* bytes per sample; 0: every allocation */
    bool after_stop;   /* untraced, but tracing was started and stopped first */
} mode;

static const mode modes[] = {
    {"untraced", "untraced", 0, 0, false},
    {"untraced_after_stop", "untraced, after a trace start + stop", 0, 0, true},
    {"n1", "traced, nframes 1", 1, 0, false},
    {"n5", "traced, nframes 5", 5, 0, false},
    {"s64k", "sampled, 1 per 64 KiB, nframes 1", 1, 64 * 1024, false},
    {"s512k", "sampled, 1 per 512 KiB, nframes 1", 1, 512 * 1024, false},
};
#define NMODES (sizeof(modes) / sizeof(modes[0]))

/* --only: run only the modes whose "<workload>_<mode>" contains this (and untraced) */
static const char *bench_only;

static bool mode_on(const char *wl, size_t m)
{
    char name[64];
    snprintf(name, sizeof(name), "%s_%s", wl, modes[m].name);
    return bench_only == NULL || strstr(name, bench_only) != NULL;
}

static bool workload_on(const char *wl)
{
    for (size_t m = 0; m < NMODES; m++)
        if (mode_on(wl, m))
            return true;
    return false;
}

/* One run's figures. */
typedef struct sample {
    double ns_per_alloc;
    double allocs;       /* blocks allocated (funnel + pool hits), reallocs included */
    double overhead;     /* mor_trace_overhead with the list alive */
    double traced_ratio; /* traced current bytes / the allocator's live-byte growth */
} sample;

/* ---- the workload -------------------------------------------------------------------------- */

static void die(mor_rt *rt, const char *what)
{
    fprintf(stderr, "bench_trace: %s failed: %s\n", what, rt ? mor_err_message(rt) : "");
    exit(1);
}

/* "1000000" + i as text, kept up to date by incrementing digits (cheaper than printf,
 * so that the workload stays dominated by allocation). */
static void bump(char *digits, size_t n)
{
    for (size_t i = n; i-- > 0;) {
        if (digits[i] != '9') {
            digits[i]++;
            return;
        }
        digits[i] = '0';
    }
}

/* [{'a': (i + 1000, str(i + 1000000)), 'b': [i + 0.5]} for i in range(n)] */
static mor_obj *__attribute__((noinline)) build(mor_rt *rt, mor_obj *ka, mor_obj *kb, uint32_t n)
{
    char digits[] = "1000000";
    mor_obj *items = mor_list(rt, 0);
    if (items == NULL)
        die(rt, "mor_list");
    for (uint32_t i = 0; i < n; i++, bump(digits, sizeof(digits) - 1)) {
        mor_obj *d = mor_dict(rt);
        mor_obj *num = mor_int(rt, (int64_t)i + 1000);
        mor_obj *s = mor_str(rt, digits);
        mor_obj *t = num && s ? mor_tuple(rt, 2, num, s) : NULL;
        mor_obj *f = mor_float(rt, i + 0.5);
        mor_obj *l = f ? mor_list(rt, 1, f) : NULL;
        if (d == NULL || t == NULL || l == NULL || mor_dict_set(rt, d, ka, t) < 0 ||
            mor_dict_set(rt, d, kb, l) < 0 || mor_list_append_steal(rt, items, d) < 0)
            die(rt, "building the workload");
        mor_decref(rt, num);
        mor_decref(rt, s);
        mor_decref(rt, t);
        mor_decref(rt, f);
        mor_decref(rt, l);
    }
    return items;
}

static uint64_t allocs_so_far(mor_rt *rt)
{
    mor_alloc_stats st;
    mor_alloc_get_stats(rt, &st);
    uint64_t n = st.total_allocs;
    for (int i = 0; i < MOR_ALLOC_POOLS; i++)
        n += st.pools[i].hits;
    return n;
}

static uint64_t live_bytes(mor_rt *rt)
{
    mor_alloc_stats st;
    mor_alloc_get_stats(rt, &st);
    return st.live_bytes;
}

/* One run of one mode in a fresh runtime: the timed part is build + drop. */
static sample run_mode(const mode *m, bool gc_on, uint32_t n)
{
    mor_rt *rt = mor_rt_new(NULL);
    if (rt == NULL)
        die(NULL, "mor_rt_new");
    if (!gc_on)
        mor_gc_disable(rt);
    mor_obj *ka = mor_str(rt, "a"), *kb = mor_str(rt, "b");
    if (ka == NULL || kb == NULL)
        die(rt, "mor_str");
    if (m->after_stop) {
        if (mor_trace_start(rt, 1) < 0)
            die(rt, "mor_trace_start");
        mor_trace_stop(rt);
    }
    if (m->nframes > 0 && mor_trace_start_sampled(rt, m->nframes, m->sample) < 0)
        die(rt, "mor_trace_start_sampled");
    uint64_t a0 = allocs_so_far(rt), live0 = live_bytes(rt);
    size_t traced0 = 0;
    mor_trace_get_memory(rt, &traced0, NULL);
    uint64_t t0 = now_ns();
    mor_obj *items = build(rt, ka, kb, n);
    uint64_t t1 = now_ns();
    sample s = {0, 0, 0, 0};
    /* untimed: the tracer's bytes and its live figure with everything alive */
    s.overhead = (double)mor_trace_overhead(rt);
    size_t traced = 0;
    mor_trace_get_memory(rt, &traced, NULL);
    uint64_t grew = live_bytes(rt) - live0;
    s.traced_ratio = grew ? (double)(traced - traced0) / (double)grew : 0;
    uint64_t t2 = now_ns();
    mor_decref(rt, items);
    uint64_t t3 = now_ns();
    s.allocs = (double)(allocs_so_far(rt) - a0);
    s.ns_per_alloc = (double)((t1 - t0) + (t3 - t2)) / s.allocs;
    mor_trace_stop(rt);
    mor_decref(rt, ka);
    mor_decref(rt, kb);
    mor_rt_free(rt);
    return s;
}

/* ---- results ------------------------------------------------------------------------------- */

typedef struct row {
    char name[64], label[80];
    double value, min, max;
    bool spread;
    const char *unit;
} row;

static row rows[BENCH_MAX_ROWS];
static size_t nrows;

static row *add_row(const char *name, const char *label, const char *unit, double value)
{
    if (nrows == BENCH_MAX_ROWS) {
        fprintf(stderr, "bench_trace: too many rows\n");
        exit(1);
    }
    row *r = &rows[nrows++];
    memset(r, 0, sizeof(*r));
    snprintf(r->name, sizeof(r->name), "%s", name);
    snprintf(r->label, sizeof(r->label), "%s", label);
    r->unit = unit;
    r->value = value;
    return r;
}

static const row *find_row(const char *name)
{
    for (size_t i = 0; i < nrows; i++)
        if (strcmp(rows[i].name, name) == 0)
            return &rows[i];
    return NULL;
}

/* A row with the median of v[0..n) and its min and max (sorts v). */
static void add_spread_row(const char *name, const char *label, const char *unit, double *v, int n)
{
    qsort(v, (size_t)n, sizeof(double), cmp_double);
    row *r = add_row(name, label, unit, v[n / 2]);
    r->spread = true;
    r->min = v[0];
    r->max = v[n - 1];
}

/* Rows for one workload (wl: "gc" or "nogc"): per mode, ns per allocation, the slowdown
 * over untraced (each run against the untraced run of the same round), the tracer's bytes
 * and its live figure against the allocator's. */
static void add_results(sample s[][BENCH_RUNS], int runs, const char *wl, const char *wl_label)
{
    char name[64], label[80];
    snprintf(label, sizeof(label), "-- %s", wl_label);
    add_row("", label, "", 0);
    for (size_t m = 0; m < NMODES; m++) {
        const mode *md = &modes[m];
        if (m > 0 && !mode_on(wl, m))
            continue;
        double v[BENCH_RUNS];
        for (int r = 0; r < runs; r++)
            v[r] = s[m][r].ns_per_alloc;
        snprintf(name, sizeof(name), "trace_%s_%s_ns_per_alloc", wl, md->name);
        add_spread_row(name, md->label, "ns/alloc", v, runs);
        if (m == 0)
            continue;
        for (int r = 0; r < runs; r++)
            v[r] = s[m][r].ns_per_alloc / s[0][r].ns_per_alloc;
        snprintf(name, sizeof(name), "trace_%s_%s_slowdown", wl, md->name);
        add_spread_row(name, "  slowdown over untraced", "x", v, runs);
        if (md->nframes == 0)
            continue;
        snprintf(name, sizeof(name), "trace_%s_%s_overhead_mib", wl, md->name);
        add_row(name, "  tracer's own memory, list alive", "MiB", s[m][0].overhead / BENCH_MIB);
        snprintf(name, sizeof(name), "trace_%s_%s_overhead_per_alloc", wl, md->name);
        add_row(name, "  ... per allocation of the run", "B", s[m][0].overhead / s[m][0].allocs);
        for (int r = 0; r < runs; r++)
            v[r] = s[m][r].traced_ratio;
        snprintf(name, sizeof(name), "trace_%s_%s_live_ratio", wl, md->name);
        add_spread_row(name,
                       md->sample ? "  estimated / true live bytes" : "  traced / true live bytes",
                       "x", v, runs);
    }
}

/* CPython's figures from trace_overhead.py --json, as rows named py_*; false if python3
 * or the script is not there. */
static bool run_python(bool quick)
{
    if (access(BENCH_TRACE_PY, R_OK) != 0)
        return false;
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "python3 '%s' --json%s 2>/dev/null", BENCH_TRACE_PY,
             quick ? " --quick" : "");
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        return false;
    char line[256];
    size_t before = nrows;
    while (fgets(line, sizeof(line), p) != NULL) {
        char name[64], unit[16];
        double value;
        if (sscanf(line, "{\"name\": \"%63[^\"]\", \"value\": %lf, \"unit\": \"%15[^\"]\"}", name,
                   &value, unit) != 3 ||
            strncmp(name, "py_", 3) != 0)
            continue;
        const char *u = strcmp(unit, "x") == 0 ? "x" : strcmp(unit, "MiB") == 0 ? "MiB" : "ns/item";
        add_row(name, name, u, value);
    }
    return pclose(p) == 0 && nrows > before;
}

static void print_table(bool quick, uint32_t n, int runs, double allocs, int py)
{
    char cpu[128];
    machine_name(cpu, sizeof(cpu));
    double load[3] = {0, 0, 0};
    FILE *lf = fopen("/proc/loadavg", "r");
    if (lf != NULL) {
        if (fscanf(lf, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3)
            load[0] = load[1] = load[2] = 0;
        fclose(lf);
    }
    printf("mor tracing benchmark%s\n", quick ? " (--quick: smoke test only)" : "");
    printf("machine: %s, nproc %ld, load average %.2f %.2f %.2f; compiled %s\n", cpu,
           sysconf(_SC_NPROCESSORS_ONLN), load[0], load[1], load[2],
#ifdef __OPTIMIZE__
           "with optimization"
#else
           "WITHOUT optimization (use a release build for real figures)"
#endif
    );
    printf("workload: build [{'a': (i + 1000, str(i + 1000000)), 'b': [i + 0.5]} for i in "
           "range(%u)], drop it\n"
           "  = %.0f allocations per run (funnel + pool hits, reallocs included); median of %d "
           "runs per mode,\n  modes interleaved run by run, each run in a fresh runtime; times are "
           "the "
           "thread's CPU time\n",
           n, allocs, runs);
    printf("%-44s %10s %-9s %19s\n", "", "value", "unit", "(min..max)");
    for (size_t i = 0; i < nrows; i++) {
        const row *r = &rows[i];
        if (strncmp(r->name, "py_", 3) == 0)
            continue;
        if (r->name[0] == '\0') {
            printf("\n%s\n", r->label);
            continue;
        }
        char spread[48] = "";
        if (r->spread)
            snprintf(spread, sizeof(spread), "(%.2f..%.2f)", r->min, r->max);
        printf("%-44s %10.2f %-9s %19s\n", r->label, r->value, r->unit, spread);
    }
    if (py > 0) {
        printf("\nCPython tracemalloc, same workload shape, same run (demos/trace_overhead.py; "
               "~7 allocations per item):\n");
        const char *wls[][2] = {{"gc", "collector on"}, {"nogc", "gc.disable()"}};
        const char *ms[][2] = {{"n1", "tracemalloc.start(1)"}, {"n5", "tracemalloc.start(5)"}};
        for (size_t w = 0; w < 2; w++) {
            char name[64];
            snprintf(name, sizeof(name), "py_%s_untraced_ns_per_item", wls[w][0]);
            const row *u = find_row(name);
            if (u == NULL)
                continue;
            printf("%-44s %10.2f %-9s\n", wls[w][1], u->value, u->unit);
            for (size_t m = 0; m < 2; m++) {
                snprintf(name, sizeof(name), "py_%s_%s_slowdown", wls[w][0], ms[m][0]);
                const row *r = find_row(name);
                if (r != NULL)
                    printf("  %-42s %10.2f %-9s\n", ms[m][1], r->value, r->unit);
            }
        }
        const row *r = find_row("py_n1_overhead_mib");
        if (r != NULL)
            printf("%-44s %10.2f %-9s\n", "tracemalloc's own memory, list alive (n1)", r->value,
                   r->unit);
    } else if (py < 0) {
        printf("\n(python3 or %s not found: no CPython figures)\n", BENCH_TRACE_PY);
    }
    printf("\ntarget: nframes 1 at most %.1fx untraced:\n", BENCH_TARGET_X);
    const char *wl[] = {"gc", "nogc"};
    for (size_t i = 0; i < 2; i++) {
        char name[64];
        snprintf(name, sizeof(name), "trace_%s_n1_slowdown", wl[i]);
        const row *x = find_row(name);
        if (x != NULL)
            printf("  %-42s %8.2fx %s\n", i == 0 ? "collector on" : "automatic collector off",
                   x->value, x->value <= BENCH_TARGET_X ? "PASS" : "MISS");
    }
}

int main(int argc, char **argv)
{
    /* CPU time of this thread: the machine is shared, and time spent waiting for a
     * CPU is no cost of tracing (time in the kernel, page faults included, is counted) */
    bench_clock = CLOCK_THREAD_CPUTIME_ID;
    bool json = false, quick = false, python = true;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else if (strcmp(argv[i], "--quick") == 0) {
            quick = true;
        } else if (strcmp(argv[i], "--no-python") == 0) {
            python = false;
        } else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
            bench_only = argv[++i];
            python = false;
        } else {
            fprintf(stderr, "usage: %s [--json] [--quick] [--no-python] [--only WORKLOAD_MODE]\n",
                    argv[0]);
            return 2;
        }
    }
    uint32_t n = quick ? BENCH_ITEMS / BENCH_QUICK_DIV : BENCH_ITEMS;
    int runs = quick ? 1 : BENCH_RUNS;
    double allocs = 0;
    for (int w = 0; w < 2; w++) {
        bool gc_on = w == 0;
        const char *wl = gc_on ? "gc" : "nogc";
        if (!workload_on(wl))
            continue;
        run_mode(&modes[0], gc_on, n); /* warm-up */
        sample s[NMODES][BENCH_RUNS];
        memset(s, 0, sizeof(s));
        for (int r = 0; r < runs; r++)
            for (size_t m = 0; m < NMODES; m++)
                if (m == 0 || mode_on(wl, m))
                    s[m][r] = run_mode(&modes[m], gc_on, n);
        allocs = s[0][0].allocs;
        add_results(s, runs, wl, gc_on ? "collector on (default)" : "automatic collector off");
    }
    add_row("trace_allocs_per_run", "allocations per run", "count", allocs);
    int py = python ? (run_python(quick) ? 1 : -1) : 0;
    if (json) {
        for (size_t i = 0; i < nrows; i++)
            if (rows[i].name[0] != '\0') /* not a section heading */
                printf("{\"name\": \"%s\", \"value\": %.3f, \"unit\": \"%s\"}\n", rows[i].name,
                       rows[i].value, rows[i].unit);
    } else {
        print_table(quick, n, runs, allocs, py);
    }
    return 0;
}
