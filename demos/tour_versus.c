/* demos/tour_versus.c: the workloads of the tour's cycles and pipeline sections as a program
 * of their own, printing its figures as JSON lines. Built twice from this one source: against
 * libmor (tour-work) and libmor-boehm (tour-work-boehm); the tour's versus-boehm section runs
 * both and prints them side by side. Public API only.
 *
 *     tour-work [--quick] [cycles|pipeline]   (neither: both, one after the other) */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mor.h"
#include "tour_work.h"

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static const char *workload;

static void emit(const char *figure, double value, const char *unit)
{
    int decimals = strcmp(unit, "ms") == 0 ? 3 : 0; /* bytes and counts are whole */
    printf("{\"workload\": \"%s\", \"figure\": \"%s\", \"value\": %.*f, \"unit\": \"%s\"}\n",
           workload, figure, decimals, value, unit);
}

static void emit_ms(const char *figure, uint64_t ns) { emit(figure, (double)ns / 1e6, "ms"); }

/* Bytes the allocator statistics say are in use: mor's funnel counts what was allocated and
 * not freed; under Boehm, the heap minus its free bytes. */
static double live_bytes(mor_rt *rt)
{
    mor_alloc_stats st;
    mor_alloc_get_stats(rt, &st);
    return (double)st.live_bytes;
}

static int fail(mor_rt *rt, const char *what)
{
    fprintf(stderr, "tour-work %s: %s failed: %s: %s\n", workload, what,
            mor_exc_name(mor_err_kind(rt)), mor_err_message(rt));
    return 1;
}

/* Build a tree whose children point back at their parent and drop it; *wr: a weak reference
 * to its root, to tell later whether the tree was reclaimed. The tree is referred to only from
 * this function's frame. -1 on an error. */
static __attribute__((noinline)) int64_t build_and_drop(mor_rt *rt, mor_obj *cls, mor_obj **wr)
{
    int64_t nodes;
    mor_obj *root = tw_tree(rt, cls, 10, 4, false, &nodes);
    if (root == NULL)
        return -1;
    *wr = mor_weakref(rt, root, NULL);
    mor_decref(rt, root);
    return *wr != NULL ? nodes : -1;
}

/* How many of the weak references' targets are still alive. */
static int still_alive(mor_rt *rt, mor_obj *const *wrs, int n)
{
    int alive = 0;
    for (int i = 0; i < n; i++) {
        mor_obj *t = mor_weakref_get(rt, wrs[i]);
        alive += t != NULL && !mor_is_none(rt, t);
        mor_xdecref(rt, t);
    }
    return alive;
}

static uint64_t collections(mor_rt *rt)
{
    uint64_t n = 0;
    for (int g = 0; g < 3; g++) {
        mor_gc_stats st;
        mor_gc_get_stats(rt, g, &st);
        n += st.collections;
    }
    return n;
}

/* The cycles section: a tree whose children point back at their parent, dropped with the
 * collector off, then collected; then rounds of build-and-drop with collection on. */
static int run_cycles(mor_rt *rt, bool quick)
{
    mor_obj *cls = tw_node_class(rt), *wr[21];
    if (cls == NULL)
        return fail(rt, "class Node");
    mor_gc_disable(rt);
    double base = live_bytes(rt);
    uint64_t t0 = now_ns();
    int64_t nodes = build_and_drop(rt, cls, &wr[0]);
    if (nodes < 0)
        return fail(rt, "building the tree");
    uint64_t build_ns = now_ns() - t0;
    double held = live_bytes(rt) - base;
    t0 = now_ns();
    int64_t found = mor_gc_collect(rt, -1);
    uint64_t collect_ns = now_ns() - t0;
    double after = live_bytes(rt) - base;
    mor_gc_collect(rt, -1);
    emit("nodes", (double)nodes, "count");
    emit_ms("build_and_drop_ms", build_ns);
    emit("held_after_drop", held, "B");
    emit("collect_returned", (double)found, "count");
    emit_ms("collect_ms", collect_ns);
    emit("held_after_collect", after, "B");
    emit("tree_alive_after_2_collects", still_alive(rt, wr, 1), "count");

    const int rounds = quick ? 5 : 20;
    mor_gc_enable(rt);
    uint64_t c0 = collections(rt);
    t0 = now_ns();
    for (int r = 0; r < rounds; r++)
        if (build_and_drop(rt, cls, &wr[1 + r]) < 0)
            return fail(rt, "building a tree");
    uint64_t rounds_ns = now_ns() - t0;
    emit("rounds", rounds, "count");
    emit_ms("rounds_gc_on_ms", rounds_ns);
    emit("collections_in_rounds", (double)(collections(rt) - c0), "count");
    emit("trees_alive_after_rounds", still_alive(rt, wr + 1, rounds), "count");
    mor_gc_collect(rt, -1);
    mor_gc_collect(rt, -1);
    emit("trees_alive_after_2_collects", still_alive(rt, wr + 1, rounds), "count");
    emit("held_after_rounds_and_collects", live_bytes(rt) - base, "B");
    for (int r = 0; r <= rounds; r++)
        mor_decref(rt, wr[r]);
    mor_decref(rt, cls);
    return 0;
}

/* The pipeline section: a file of numbers through three generators into a sum. */
static int run_pipeline(mor_rt *rt, bool quick)
{
    const int64_t lines = quick ? 100000 : 1000000;
    const char *tmp = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof(path), "%s/mor-tour-work-%ld.txt", tmp && *tmp ? tmp : "/tmp",
             (long)getpid());
    if (tw_write_numbers(path, lines) < 0) {
        fprintf(stderr, "tour-work pipeline: cannot write %s\n", path);
        return 1;
    }
    mor_alloc_stats st;
    mor_alloc_get_stats(rt, &st);
    double base = (double)st.live_bytes;
    uint64_t t0 = now_ns();
    mor_obj *total = tw_pipeline(rt, path);
    uint64_t ns = now_ns() - t0;
    remove(path);
    if (total == NULL)
        return fail(rt, "the pipeline");
    mor_obj *r = mor_repr(rt, total);
    char want[48];
    tw_pipeline_expect(lines, want);
    mor_alloc_get_stats(rt, &st);
    emit("lines", (double)lines, "count");
    printf("{\"workload\": \"pipeline\", \"figure\": \"result\", \"value\": \"%s\", "
           "\"unit\": \"\"}\n",
           r ? mor_str_utf8(r, NULL) : "?");
    emit("result_is_right", r != NULL && strcmp(mor_str_utf8(r, NULL), want) == 0, "bool");
    emit_ms("time_ms", ns);
    emit("peak_above_start", (double)st.peak_bytes - base, "B");
    emit("held_after", (double)st.live_bytes - base, "B");
    mor_xdecref(rt, r);
    mor_decref(rt, total);
    return 0;
}

int main(int argc, char **argv)
{
    bool quick = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            quick = true;
        else if (strcmp(argv[i], "cycles") == 0 || strcmp(argv[i], "pipeline") == 0)
            workload = argv[i];
        else {
            fprintf(stderr, "usage: %s [--quick] [cycles|pipeline]\n", argv[0]);
            return 2;
        }
    }
    if (workload == NULL) { /* both, one after the other (a smoke test) */
        const char *a1[] = {argv[0], "cycles", quick ? "--quick" : NULL, NULL};
        const char *a2[] = {argv[0], "pipeline", quick ? "--quick" : NULL, NULL};
        int rc = main(quick ? 3 : 2, (char **)a1);
        return rc != 0 ? rc : main(quick ? 3 : 2, (char **)a2);
    }
    mor_rt *rt = mor_rt_new(NULL);
    if (rt == NULL) {
        fprintf(stderr, "tour-work: mor_rt_new failed\n");
        return 1;
    }
    mor_alloc_stats st;
    mor_alloc_get_stats(rt, &st);
    printf("{\"workload\": \"%s\", \"figure\": \"backend\", \"value\": \"%s\", \"unit\": \"\"}\n",
           workload, st.backend);
    int rc = strcmp(workload, "cycles") == 0 ? run_cycles(rt, quick) : run_pipeline(rt, quick);
    mor_rusage ru;
    if (rc == 0 && mor_get_rusage(&ru) == 0) {
        emit("max_rss", (double)ru.max_rss_bytes, "B");
        emit("cpu_ms", (ru.user_seconds + ru.system_seconds) * 1e3, "ms");
    }
    mor_rt_free(rt);
    return rc;
}
