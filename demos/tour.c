/* demos/tour.c: the tour of the memory lessons Python guides teach, reproduced with mor's
 * public API: one function per section, each printing what it measured, checking the claim
 * it demonstrates, and ending with a one-line lesson. `tour` runs every section, `tour NAME...`
 * some, `tour --list` lists them; the exit status is non-zero when a claim does not hold.
 * This file: sections 13 to 23 (observing and reclaiming memory), the table of all sections
 * and the driver; sections 1 to 12 (what objects cost) are in tour_objects.c. CPython 3.11
 * figures are printed beside mor's as fixed reference values, never measured here. */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mor.h"
#include "tour.h"
#include "tour_work.h"

/* ==== 13. deep-size =============================================================================== */

typedef struct visited {
    const mor_obj **o;
    size_t n, cap;
} visited;

static bool visit_once(tour *t, visited *v, const mor_obj *o)
{
    for (size_t i = 0; i < v->n; i++)
        if (v->o[i] == o)
            return false;
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 256;
        const mor_obj **p = realloc(v->o, v->cap * sizeof(*p));
        if (p == NULL)
            tour_fail(t, "out of memory");
        v->o = p;
    }
    v->o[v->n++] = o;
    return true;
}

/* The sum of the shallow sizes met walking down from o, immortal objects left out. per_path
 * false: every distinct object once (v: the objects seen). per_path true: the naive recursive
 * getsizeof, once per path that reaches an object (v: the current path, so that a cycle
 * ends the path instead of looping). */
static int64_t walk_sizes(tour *t, mor_obj *o, visited *v, bool per_path)
{
    if (mor_is_immortal(o) || !visit_once(t, v, o))
        return 0;
    int64_t sum = (int64_t)mor_sizeof(o);
    mor_obj *refs = OK(mor_gc_get_referents(t->rt, o));
    for (size_t i = 0; i < seq_len(refs); i++)
        sum += walk_sizes(t, item(refs, i), v, per_path);
    mor_decref(t->rt, refs);
    if (per_path)
        v->n--; /* o leaves the path */
    return sum;
}

static void sec_deep_size(tour *t)
{
    mor_rt *rt = t->rt;
    mor_obj *tags = OK(mor_list(rt, 0)), *users = OK(mor_list(rt, 0)), *root = OK(mor_dict(rt));
    for (int i = 0; i < 100; i++)
        OKI(mor_list_append_steal(rt, tags, OK(mor_str_fmt(rt, "tag-%d", i))));
    mor_obj *kname = OK(mor_str_const(rt, "name")), *ktags = OK(mor_str_const(rt, "tags"));
    mor_obj *kscores = OK(mor_str_const(rt, "scores"));
    for (int i = 0; i < 100; i++) { /* {"name": "user-i", "tags": tags, "scores": [...]} */
        mor_obj *u = OK(mor_dict(rt)), *name = OK(mor_str_fmt(rt, "user-%d", i));
        mor_obj *s0 = OK(mor_int(rt, 1000 * i)), *s1 = OK(mor_int(rt, 1000 * i + 1));
        mor_obj *scores = OK(mor_list(rt, 2, s0, s1));
        OKI(mor_dict_set(rt, u, kname, name));
        OKI(mor_dict_set(rt, u, ktags, tags)); /* shared by every user */
        OKI(mor_dict_set(rt, u, kscores, scores));
        OKI(mor_list_append_steal(rt, users, u));
        mor_decref(rt, name), mor_decref(rt, s0), mor_decref(rt, s1), mor_decref(rt, scores);
    }
    mor_obj *kusers = OK(mor_str_const(rt, "users")), *kself = OK(mor_str_const(rt, "self"));
    OKI(mor_dict_set(rt, root, kusers, users));
    OKI(mor_dict_set(rt, root, ktags, tags));
    OKI(mor_dict_set(rt, root, kself, root)); /* a cycle */
    tour_say("root = {'users': [100 dicts {'name', 'tags': TAGS, 'scores': [2 ints]}], "
             "'tags': TAGS, 'self': root}, TAGS a list of 100 strings shared by all");
    visited v = {NULL, 0, 0}, path = {NULL, 0, 0};
    int64_t deep = OKI(mor_deep_sizeof(rt, root)), distinct = walk_sizes(t, root, &v, false);
    int64_t naive = walk_sizes(t, root, &path, true), tags_deep = OKI(mor_deep_sizeof(rt, tags));
    size_t nobj = v.n;
    free(v.o), free(path.o);
    tour_table tb;
    tt_begin(&tb, "lrr", "measure of root", "bytes", "");
    tt_row(&tb, "mor_sizeof(root) (shallow)", tsize((int64_t)mor_sizeof(root)), "");
    tt_row(&tb, "mor_deep_sizeof(root)", tsize(deep), "");
    tt_row(&tb, "shallow sizes of the distinct objects", tsize(distinct),
           tfmt("%s objects", tnum((int64_t)nobj)));
    tt_row(&tb, "naive recursive sum (per path, cycle cut)", tsize(naive),
           tfmt("TAGS (%s) counted 101 times", tsize(tags_deep)));
    tt_print(&tb);
    tour_claim(t, deep == distinct,
               "the deep size is the sum of the shallow sizes of the distinct objects reached");
    tour_claim(t, naive >= deep + 100 * tags_deep,
               "a naive recursive sum counts the shared list once per path: %.1fx too much",
               (double)naive / (double)deep);
    tour_claim(t, (int64_t)mor_sizeof(root) * 100 < deep,
               "the shallow size of root says almost nothing of what it holds (%s of %s)",
               tsize((int64_t)mor_sizeof(root)), tsize(deep));
    tour_lesson(t, "to size a structure, walk it counting each object once (sharing and cycles "
                   "included); summing getsizeof down every path over-counts.");
    OKI(mor_dict_del(rt, root, kself)); /* break the cycle */
    mor_decref(rt, root), mor_decref(rt, users), mor_decref(rt, tags), mor_decref(rt, kname);
    mor_decref(rt, ktags), mor_decref(rt, kscores), mor_decref(rt, kusers), mor_decref(rt, kself);
}

/* ==== 14. tracemalloc =============================================================================== */

/* Print the first `top` statistics (largest first) with their repr. */
static void print_top(tour *t, mor_obj *stats, size_t top)
{
    for (size_t i = 0; i < seq_len(stats) && i < top; i++)
        printf("    #%zu %s\n", i + 1, trepr(t, item(stats, i)));
}

static bool stat_is_line(tour *t, mor_obj *stat, int line)
{
    mor_obj *file = obj_attr(t, stat, "filename");
    const char *f = mor_str_utf8(file, NULL);
    size_t len = strlen(f);
    bool in_tour = strcmp(f, "tour.c") == 0 || (len > 7 && strcmp(f + len - 7, "/tour.c") == 0);
    mor_decref(t->rt, file);
    return in_tour && attr_i64(t, stat, "lineno") == line;
}

static void sec_tracemalloc(tour *t)
{
    mor_rt *rt = t->rt;
    OKI(mor_trace_start(rt, 1));
    /* current and peak */
    int64_t c0 = tour_traced(t);
    tour_trace_reset_peak(t);
    mor_obj *tmp = range_list(t, 0, 100000);
    int64_t c1 = tour_traced(t);
    mor_decref(rt, tmp);
    int64_t c2 = tour_traced(t), peak = tour_traced_peak(t);
    tour_table tb;
    tt_begin(&tb, "lrr", "traced memory", "current", "peak");
    tt_row(&tb, "start", tsize(c0), "");
    tt_row(&tb, "after tmp = list(range(100000))", tsize(c1), "");
    tt_row(&tb, "after del tmp", tsize(c2), tsize(peak));
    tt_print(&tb);
    tour_claim(t, c2 == c0 && peak >= c1,
               "current falls back when the list dies; the peak remembers it (%s)",
               tsize(peak - c0));

    /* the memory hog finder: three structures, each made by one line */
    const int nstr = t->quick ? 10000 : 100000, nsq = t->quick ? 5000 : 50000;
    const int nfl = t->quick ? 8000 : 80000;
    int line_strs = 0, line_squares = 0, line_floats = 0;
    mor_obj *strs = OK(mor_list(rt, 0)), *squares = OK(mor_dict(rt)), *floats = OK(mor_set(rt));
    mor_obj *k, *v, *f;
    char buf[21];
    uint64_t seed = 2024;
    for (int i = 0; i < nstr; i++) {
        for (int j = 0; j < 20; j++)
            buf[j] = (char)('a' + tour_rand(&seed) % 26);
        line_strs = __LINE__ + 1;
        OKI(mor_list_append_steal(rt, strs, OK(mor_str_n(rt, buf, 20))));
    }
    for (int i = 0; i < nsq; i++) {
        line_squares = __LINE__ + 1; /* one line, so that the keys, values and table count here */
        k = OK(mor_int(rt, i)), v = OK(mor_int(rt, (int64_t)i * i)), OKI(mor_dict_set(rt, squares, k, v));
        mor_decref(rt, k), mor_decref(rt, v);
    }
    for (int i = 0; i < nfl; i++) {
        line_floats = __LINE__ + 1;
        f = OK(mor_float(rt, i + 0.5)), OKI(mor_set_add(rt, floats, f));
        mor_decref(rt, f);
    }
    mor_obj *snap = OK(mor_trace_snapshot(rt));
    mor_obj *stats = OK(mor_snapshot_statistics(rt, snap, "lineno"));
    printf("\n  the block's allocation lines, largest first (top 10): %s random 20-char strings, "
           "a dict of %s squares, a set of %s floats\n",
           tnum(nstr), tnum(nsq), tnum(nfl));
    print_top(t, stats, 10);
    bool found[3] = {false, false, false};
    const int lines[3] = {line_strs, line_squares, line_floats};
    for (size_t i = 0; i < 3 && i < seq_len(stats); i++)
        for (int j = 0; j < 3; j++)
            found[j] = found[j] || stat_is_line(t, item(stats, i), lines[j]);
    tour_claim(t, found[0] && found[1] && found[2],
               "the top 3 lines are the three lines of tour.c that made them (%d, %d, %d)",
               line_strs, line_squares, line_floats);

    /* a snapshot diff: drop the strings, make a tenth as many small lists */
    mor_decref(rt, strs);
    mor_obj *lists = OK(mor_list(rt, 0));
    int line_lists = __LINE__ + 2;
    for (int i = 0; i < nstr / 10; i++)
        OKI(mor_list_append_steal(rt, lists, OK(mor_list(rt, 0))));
    mor_obj *snap2 = OK(mor_trace_snapshot(rt));
    mor_obj *diff = OK(mor_snapshot_compare(rt, snap2, snap, "lineno"));
    printf("\n  snapshot diff after del strings and %s new lists (top 3):\n", tnum(nstr / 10));
    print_top(t, diff, 3);
    int64_t strs_diff = seq_len(diff) > 0 ? attr_i64(t, item(diff, 0), "size_diff") : 0;
    bool lists_up = false;
    for (size_t i = 0; i < 3 && i < seq_len(diff); i++)
        lists_up = lists_up || (stat_is_line(t, item(diff, i), line_lists) &&
                                attr_i64(t, item(diff, i), "size_diff") > 0);
    tour_claim(t, seq_len(diff) > 0 && stat_is_line(t, item(diff, 0), line_strs) && strs_diff < 0 &&
                      lists_up,
               "the diff puts the strings' line first (%s) and shows the new lists' line grow",
               tsigned(strs_diff));
    tour_lesson(t, "trace allocations by line: snapshots and their differences point at the code "
                   "that holds the memory, not just at how much there is.");
    mor_decref(rt, diff), mor_decref(rt, snap2), mor_decref(rt, lists), mor_decref(rt, stats);
    mor_decref(rt, snap), mor_decref(rt, squares), mor_decref(rt, floats);
    mor_trace_stop(rt);
}

/* ==== 15. line-profile =============================================================================== */

/* a = [1] * n; b = [2] * (2 * n); del b; del a -- each statement followed by its mark */
static void __attribute__((noinline)) profiled_function(tour *t, int64_t n)
{
    mor_rt *rt = t->rt;
    mor_obj *one = OK(mor_int(rt, 1)), *two = OK(mor_int(rt, 2)); MOR_PROFILE_LINE(rt);
    mor_obj *a = repeat_list(t, one, n);     /* a = [1] * n       */ MOR_PROFILE_LINE(rt);
    mor_obj *b = repeat_list(t, two, 2 * n); /* b = [2] * (2 * n) */ MOR_PROFILE_LINE(rt);
    mor_decref(rt, b);                       /* del b             */ MOR_PROFILE_LINE(rt);
    mor_decref(rt, a);                       /* del a             */ MOR_PROFILE_LINE(rt);
}

/* The increments of the rows of a mor_profile_print table, in bytes, in line order. */
static size_t profile_increments(const char *text, double *inc, size_t max)
{
    size_t n = 0;
    for (const char *line = text; line != NULL && *line != '\0' && n < max;) {
        int lineno;
        double usage, increment;
        char u1[8], u2[8];
        if (sscanf(line, "%d %lf %7s %lf %7s", &lineno, &usage, u1, &increment, u2) == 5) {
            double unit = strcmp(u2, "MiB") == 0 ? 1024.0 * 1024.0 : 1024.0;
            inc[n++] = increment * unit;
        }
        line = strchr(line, '\n');
        line = line ? line + 1 : NULL;
    }
    return n;
}

static void sec_line_profile(tour *t)
{
    const int64_t n = t->quick ? MILLION / 20 : MILLION;
    OKI(mor_trace_start(t->rt, 1));
    profiled_function(t, n);
    char *text = NULL;
    print_indented(t, mor_profile_print, &text);
    double inc[8];
    size_t rows = profile_increments(text, inc, 8);
    free(text);
    mor_profile_clear(t->rt);
    mor_trace_stop(t->rt);
    double ptr = (double)sizeof(void *), slack = 0.06 * 1024 * 1024; /* the table's rounding */
    tour_claim(t, rows == 5 && inc[1] >= (double)n * ptr - slack &&
                      inc[2] >= 2 * (double)n * ptr - slack,
               "the two lines that build the lists add about %s and %s",
               tsize(n * (int64_t)sizeof(void *)), tsize(2 * n * (int64_t)sizeof(void *)));
    tour_claim(t, rows == 5 && inc[3] < 0 && inc[3] + inc[2] < slack && inc[3] + inc[2] > -slack,
               "`del b` shows a negative increment that gives b's memory back at once");
    tour_lesson(t, "a line-by-line profile shows which statement allocates and which frees; under "
                   "refcounting the memory comes back on the very line that drops the last reference.");
}

/* ==== 16. refcounting ================================================================================= */

static void sec_refcounting(tour *t)
{
    mor_rt *rt = t->rt;
    mor_obj *x = OK(mor_list(rt, 0)), *holder = OK(mor_list(rt, 0)), *d = OK(mor_dict(rt));
    mor_obj *key = OK(mor_str_const(rt, "k")), *y = NULL;
    tour_table tb;
    tt_begin(&tb, "lrr", "step", "refcount(x)", "expected");
    size_t expect = 1;
    bool follows = true;
#define STEP(text, stmt, delta)                                                                    \
    do {                                                                                           \
        stmt;                                                                                      \
        expect += (size_t)(delta);                                                                 \
        follows = follows && mor_refcount(x) == expect;                                            \
        tt_row(&tb, text, tnum((int64_t)mor_refcount(x)), tnum((int64_t)expect));                  \
    } while (0)
    STEP("x = []", (void)0, 0);
    STEP("holder.append(x)", OKI(mor_list_append(rt, holder, x)), 1);
    STEP("d['k'] = x", OKI(mor_dict_set(rt, d, key, x)), 1);
    STEP("y = x", y = mor_newref(x), 1);
    STEP("del y", mor_decref(rt, y), -1);
    STEP("holder.pop()", mor_decref(rt, OK(mor_list_pop(rt, holder, -1))), -1);
    STEP("del d['k']", OKI(mor_dict_del(rt, d, key)), -1);
#undef STEP
    tt_print(&tb);
    tour_claim(t, follows, "the count follows the references exactly: +1 per new one, -1 per "
                           "dropped one");

    /* the last reference: traced bytes fall on that line */
    const int64_t n = t->quick ? MILLION / 20 : MILLION;
    tour_trace_on(t);
    mor_obj *big = range_list(t, 0, n);
    int64_t deep = OKI(mor_deep_sizeof(rt, big)), objects = 1;
    for (size_t i = 0; i < seq_len(big); i++)
        objects += !mor_is_immortal(item(big, i));
    uint64_t live0 = live_objects(t), gcs0 = gc_collections(t);
    int64_t before = tour_traced(t);
    mor_decref(rt, big); /* del big */
    int64_t fell = before - tour_traced(t);
    uint64_t freed = live0 - live_objects(t);
    mor_trace_stop(rt);
    tour_say("del big (list(range(%s)), deep size %s): %s objects and %s freed by that one "
             "statement",
             tnum(n), tsize(deep), tnum((int64_t)freed), tsize(fell));

    /* an owner holding a file: closed the moment the owner dies */
    char path[512];
    snprintf(path, sizeof(path), "%s/owned.txt", tour_tmpdir(t));
    if (tw_write_numbers(path, 3) < 0)
        tour_fail(t, "cannot write %s", path);
    static const char *const fields[] = {"lines", NULL};
    mor_obj *cls = OK(mor_class_new(rt, "Owner", fields, MOR_CLASS_SLOTS));
    int fds0 = tour_open_fds();
    mor_obj *lines = OK(mor_file_lines(rt, path));
    mor_obj *owner = mor_call(rt, cls, 1, &lines);
    mor_decref(rt, lines);
    OK(owner);
    mor_obj *first = OK(mor_next(rt, lines));
    int fds1 = tour_open_fds();
    mor_decref(rt, owner); /* del owner */
    int fds2 = tour_open_fds();
    tour_say("open files: %d before, %d while Owner(lines of a file) is alive, %d right after "
             "del owner",
             fds0, fds1, fds2);
    tour_claim(t, freed == (uint64_t)objects && fell >= deep - deep / 100 &&
                      gc_collections(t) == gcs0,
               "dropping the last reference frees the list and its ints at once, no collection "
               "involved");
    tour_claim(t, fds1 == fds0 + 1 && fds2 == fds0,
               "the file is closed the moment its owner dies");
    tour_lesson(t, "reference counting frees an object the instant its last reference goes: memory "
                   "and resources (files, sockets) come back deterministically.");
    mor_decref(rt, first), mor_decref(rt, cls), mor_decref(rt, x), mor_decref(rt, holder);
    mor_decref(rt, d), mor_decref(rt, key);
}

/* ==== 17. cycles ========================================================================================= */

/* What a gc callback records: STARTs seen, and the pauses of each generation. */
typedef struct gc_log {
    uint64_t starts, stops[3];
    uint64_t *pauses[3];
    size_t cap[3];
    bool oom;
} gc_log;

static void gc_logger(mor_rt *rt, const mor_gc_info *info, void *ud)
{
    (void)rt;
    gc_log *log = ud;
    if (info->phase == MOR_GC_START) {
        log->starts++;
        return;
    }
    int g = info->generation < 0 || info->generation > 2 ? 2 : info->generation;
    if (log->stops[g] == log->cap[g]) {
        size_t cap = log->cap[g] ? log->cap[g] * 2 : 64;
        uint64_t *p = realloc(log->pauses[g], cap * sizeof(*p));
        if (p == NULL) {
            log->oom = true;
            return;
        }
        log->pauses[g] = p, log->cap[g] = cap;
    }
    log->pauses[g][log->stops[g]++] = info->duration_ns;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static void sec_cycles(tour *t)
{
    mor_rt *rt = t->rt;
    mor_obj *cls = OK(tw_node_class(rt));
    const int fanout = 10, depth = t->quick ? 3 : 4;
    mor_gc_disable(rt);
    tour_trace_on(t);
    uint64_t live0 = live_objects(t);
    int64_t mem0 = tour_traced(t), nodes;
    mor_obj *root = OK(tw_tree(rt, cls, fanout, depth, false, &nodes));
    uint64_t live1 = live_objects(t);
    int64_t mem1 = tour_traced(t);
    mor_decref(rt, root); /* del root */
    uint64_t live2 = live_objects(t);
    int64_t mem2 = tour_traced(t);
    uint64_t t0 = tour_now_ns();
    int64_t found = OKI(mor_gc_collect(rt, -1));
    uint64_t collect_ns = tour_now_ns() - t0;
    uint64_t live3 = live_objects(t);
    int64_t mem3 = tour_traced(t);
    mor_trace_stop(rt);
    tour_say("a tree of %s Node objects, fanout %d: every child's .parent refers back to its "
             "parent; collector disabled",
             tnum(nodes), fanout);
    tour_table tb;
    tt_begin(&tb, "lrr", "moment", "live objects", "traced memory");
    tt_row(&tb, "before", tnum((int64_t)live0), tsize(mem0 - mem0));
    tt_row(&tb, "tree built", tnum((int64_t)live1), tsigned(mem1 - mem0));
    tt_row(&tb, "del root (refcounting alone)", tnum((int64_t)live2), tsigned(mem2 - mem0));
    tt_row(&tb, tfmt("gc.collect() -> %s, %s", tnum(found), ttime(collect_ns)),
           tnum((int64_t)live3), tsigned(mem3 - mem0));
    tt_print(&tb);
    tour_claim(t, live2 == live1 && mem2 == mem1,
               "under refcounting alone the dropped tree stays: every parent<->child pair keeps "
               "itself alive");
    tour_claim(t, found >= nodes && live3 == live0 && mem3 == mem0,
               "one collection finds the %s unreachable objects and frees all of them", tnum(found));

    /* generations, thresholds, counts; a callback timing each collection */
    unsigned th[3];
    size_t c0[3], c1[3];
    mor_gc_get_threshold(rt, th);
    mor_gc_get_count(rt, c0);
    mor_obj *keep = OK(mor_list(rt, 0));
    for (int i = 0; i < 500; i++)
        OKI(mor_list_append_steal(rt, keep, OK(mor_list(rt, 0))));
    mor_gc_get_count(rt, c1);
    mor_decref(rt, keep);
    tour_say("thresholds %u, %u, %u (" CPY ": 700, 10, 10); generation 0 count %zu -> %zu after "
             "500 new lists",
             th[0], th[1], th[2], c0[0], c1[0]);
    gc_log log;
    memset(&log, 0, sizeof(log));
    int id = (int)OKI(mor_gc_add_callback(rt, gc_logger, &log));
    mor_gc_stats before[3];
    for (int g = 0; g < 3; g++)
        mor_gc_get_stats(rt, g, &before[g]);
    mor_gc_enable(rt);
    const int64_t n = t->quick ? MILLION / 20 : MILLION;
    keep = OK(mor_list(rt, 0));
    t0 = tour_now_ns();
    for (int64_t i = 0; i < n; i++) /* keep = [[None] for _ in range(n)] */
        OKI(mor_list_append_steal(rt, keep, OK(mor_list(rt, 1, mor_none(rt)))));
    uint64_t loop_ns = tour_now_ns() - t0;
    mor_gc_disable(rt);
    OKI(mor_gc_remove_callback(rt, id));
    mor_decref(rt, keep);
    printf("\n");
    tt_begin(&tb, "lrrrr", tfmt("%s lists kept alive (%s)", tnum(n), ttime(loop_ns)),
             "collections", "median pause", "longest", CPY " (1M lists)");
    static const char *const cpython[3] = {"1302 / 7.5 us / 66 us", "118 / 102 us / 177 us",
                                           "8 / 24.8 ms / 46.4 ms"};
    bool reported = log.starts == log.stops[0] + log.stops[1] + log.stops[2] && !log.oom;
    for (int g = 0; g < 3; g++) {
        mor_gc_stats st;
        mor_gc_get_stats(rt, g, &st);
        reported = reported && st.collections - before[g].collections == log.stops[g];
        uint64_t med = 0, max = 0;
        if (log.stops[g] > 0) {
            qsort(log.pauses[g], log.stops[g], sizeof(uint64_t), cmp_u64);
            med = log.pauses[g][log.stops[g] / 2], max = log.pauses[g][log.stops[g] - 1];
        }
        tt_row(&tb, tfmt("generation %d", g), tnum((int64_t)log.stops[g]),
               log.stops[g] ? ttime(med) : "-", log.stops[g] ? ttime(max) : "-", cpython[g]);
    }
    tt_print(&tb);
    tour_claim(t, c1[0] >= c0[0] + 500, "every new container counts toward generation 0");
    tour_claim(t, reported && log.stops[0] > log.stops[1] && log.stops[1] >= log.stops[2] &&
                      log.stops[1] > 0,
               "the callback saw every collection, young ones most often");
    tour_lesson(t, "refcounting cannot free cycles; the generational collector finds them, "
                   "scanning young objects often and old ones rarely.");
    for (int g = 0; g < 3; g++)
        free(log.pauses[g]);
    mor_decref(rt, cls);
}

/* ==== 18. weak-parents =================================================================================== */

static void sec_weak_parents(tour *t)
{
    mor_rt *rt = t->rt;
    mor_obj *cls = OK(tw_node_class(rt));
    const int fanout = 10, depth = t->quick ? 3 : 4;
    mor_gc_disable(rt);
    tour_trace_on(t);
    uint64_t live0 = live_objects(t), gcs0 = gc_collections(t);
    int64_t mem0 = tour_traced(t), nodes;
    mor_obj *root = OK(tw_tree(rt, cls, fanout, depth, true, &nodes));
    uint64_t live1 = live_objects(t);
    int64_t mem1 = tour_traced(t);
    /* root.children[0].parent() is root */
    mor_obj *kids = obj_attr(t, root, "children"), *wr = obj_attr(t, item(kids, 0), "parent");
    mor_obj *parent = OK(mor_weakref_get(rt, wr));
    bool back = parent == root;
    mor_decref(rt, parent), mor_decref(rt, wr), mor_decref(rt, kids);
    mor_decref(rt, root); /* del root */
    uint64_t live2 = live_objects(t);
    int64_t mem2 = tour_traced(t);
    uint64_t gcs2 = gc_collections(t);
    /* what traced memory is left: the blocks still held, by line */
    mor_obj *snap = OK(mor_trace_snapshot(rt));
    mor_obj *stats = OK(mor_snapshot_statistics(rt, snap, "lineno"));
    int64_t blocks = 0;
    for (size_t i = 0; i < seq_len(stats); i++)
        blocks += attr_i64(t, item(stats, i), "count");
    mor_decref(rt, stats), mor_decref(rt, snap);
    int64_t found = OKI(mor_gc_collect(rt, -1));
    mor_trace_stop(rt);
    tour_say("the same tree of %s nodes, each child.parent a weakref.ref(parent); collector "
             "disabled",
             tnum(nodes));
    tour_table tb;
    tt_begin(&tb, "lrr", "moment", "live objects", "traced memory");
    tt_row(&tb, "before", tnum((int64_t)live0), tsize(0));
    tt_row(&tb, "tree built", tnum((int64_t)live1), tsigned(mem1 - mem0));
    tt_row(&tb, "del root (refcounting alone)", tnum((int64_t)live2), tsigned(mem2 - mem0));
    tt_print(&tb);
    tour_say("root.children[0].parent() is root: %s; a later gc.collect() finds %lld objects",
             yes(back), (long long)found);
    tour_say("what stays traced after del root: %lld block%s, %s: the runtime's weak-reference "
             "table keeps the size it grew to",
             (long long)blocks, blocks == 1 ? "" : "s", tsize(mem2 - mem0));
    tour_claim(t, back, "a child still reaches its parent through the weak reference");
    tour_claim(t, live2 == live0 && gcs2 == gcs0 && found == 0 && blocks <= 1,
               "dropping the root frees the whole tree by refcounting alone: no collection ran, "
               "none was needed");
    tour_lesson(t, "make back-references weak (parent, owner, observer) and trees free themselves "
                   "as soon as the last outside reference goes.");
    mor_decref(rt, cls);
}

/* ==== 19. caches ========================================================================================= */

static int64_t slow_calls;

static mor_obj *fn_slow_square(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data, (void)nargs;
    slow_calls++;
    return mor_mul(rt, args[0], args[0]);
}

/* memo[key] if there, else memo[key] = fn(key) */
static void memo_call(tour *t, mor_obj *memo, mor_obj *fn, int64_t key)
{
    mor_obj *k = OK(mor_int(t->rt, key)), *v = NULL;
    if (OKI(mor_dict_lookup(t->rt, memo, k, &v)) == 0) {
        v = OK(mor_call(t->rt, fn, 1, &k));
        OKI(mor_dict_set(t->rt, memo, k, v));
    }
    mor_decref(t->rt, k), mor_decref(t->rt, v);
}

static void cached_call(tour *t, mor_obj *cached, int64_t key)
{
    mor_obj *k = OK(mor_int(t->rt, key));
    mor_obj *v = mor_call(t->rt, cached, 1, &k);
    mor_decref(t->rt, k);
    mor_decref(t->rt, OK(v));
}

static void sec_caches(tour *t)
{
    mor_rt *rt = t->rt;
    const int64_t n = t->quick ? 2000 : 10000;
    const size_t maxsize = 1000;
    mor_obj *fn = func(t, "slow_square", fn_slow_square, NULL), *memo = OK(mor_dict(rt));
    tour_trace_on(t);
    int64_t m0 = tour_traced(t), memo_mem[2], lru_mem[2];
    size_t memo_len[2], lru_size[2], hits, misses;
    for (int phase = 0; phase < 2; phase++) {
        for (int64_t i = phase * n; i < (phase + 1) * n; i++)
            memo_call(t, memo, fn, i);
        memo_mem[phase] = tour_traced(t) - m0;
        memo_len[phase] = (size_t)OKI(mor_len(rt, memo));
    }
    int64_t memo_calls = slow_calls;
    slow_calls = 0;
    int64_t l0 = tour_traced(t);
    mor_obj *lru = OK(mor_lru_cache(rt, fn, maxsize));
    for (int phase = 0; phase < 2; phase++) {
        for (int64_t i = phase * n; i < (phase + 1) * n; i++)
            cached_call(t, lru, i);
        lru_mem[phase] = tour_traced(t) - l0;
        OKI(mor_lru_cache_info(rt, lru, NULL, NULL, &lru_size[phase]));
    }
    for (int64_t i = 2 * n - 500; i < 2 * n; i++) /* the 500 most recent keys again */
        cached_call(t, lru, i);
    OKI(mor_lru_cache_info(rt, lru, &hits, &misses, NULL));
    mor_trace_stop(rt);
    tour_table tb;
    tt_begin(&tb, "rrrrr", "distinct keys", "memo dict entries", "memo memory",
             tfmt("lru_cache(%zu) entries", maxsize), "lru memory");
    for (int p = 0; p < 2; p++)
        tt_row(&tb, tnum((p + 1) * n), tnum((int64_t)memo_len[p]), tsize(memo_mem[p]),
               tnum((int64_t)lru_size[p]), tsize(lru_mem[p]));
    tt_print(&tb);
    tour_say("then the 500 most recent keys again: lru hits %s, misses %s; slow_square ran %s "
             "times for the memo, %s for the lru",
             tnum((int64_t)hits), tnum((int64_t)misses), tnum(memo_calls), tnum(slow_calls));
    tour_claim(t, memo_len[1] == (size_t)(2 * n) && memo_mem[1] > memo_mem[0] + memo_mem[0] / 2,
               "the unbounded memo grows with every new key (%s -> %s)", tsize(memo_mem[0]),
               tsize(memo_mem[1]));
    int64_t lru_growth = lru_mem[1] - lru_mem[0];
    tour_claim(t, lru_size[0] == maxsize && lru_size[1] == maxsize &&
                      lru_growth * 20 < memo_mem[1] - memo_mem[0],
               "the lru_cache stays at %zu entries and its memory stays flat (%s)", maxsize,
               tsigned(lru_growth));
    tour_claim(t, hits == 500 && misses == (size_t)(2 * n) && slow_calls == (int64_t)misses,
               "its hits and misses account for every call");
    tour_lesson(t, "a plain dict memo is a leak with a good excuse; bound caches (lru_cache(maxsize)) "
                   "so they keep the hot keys and forget the rest.");
    mor_decref(rt, lru), mor_decref(rt, memo), mor_decref(rt, fn);
}

/* ==== 20. duplicates ====================================================================================== */

static void sec_duplicates(tour *t)
{
    mor_rt *rt = t->rt;
    const int64_t n = t->quick ? 2000 : 10000;
    mor_obj *items = OK(mor_list(rt, 0));
    for (int64_t i = 0; i < n - 1; i++)
        OKI(mor_list_append_steal(rt, items, OK(mor_int(rt, 1000 + 7 * i))));
    mor_obj *dup = OK(mor_int(rt, 1000 + 7 * (n / 2))); /* equal to items[n / 2], not the same */
    OKI(mor_list_append_steal(rt, items, dup));
    mor_obj *const *it = mor_seq_items(items, NULL);

    /* for i: for j > i: if items[i] == items[j] */
    int64_t comparisons = 0, loop_i = -1, loop_j = -1;
    uint64_t t0 = tour_now_ns();
    for (int64_t i = 0; i < n && loop_i < 0; i++) {
        for (int64_t j = i + 1; j < n; j++) {
            comparisons++;
            if (OKI(mor_eq(rt, it[i], it[j]))) {
                loop_i = i, loop_j = j;
                break;
            }
        }
    }
    uint64_t loop_ns = tour_now_ns() - t0;

    /* seen = set(); for x in items: if x in seen ...; seen.add(x) */
    int64_t lookups = 0, set_j = -1;
    t0 = tour_now_ns();
    mor_obj *seen = OK(mor_set(rt));
    for (int64_t j = 0; j < n; j++) {
        lookups++;
        if (OKI(mor_contains(rt, seen, it[j]))) {
            set_j = j;
            break;
        }
        OKI(mor_set_add(rt, seen, it[j]));
    }
    uint64_t set_ns = tour_now_ns() - t0;
    tour_table tb;
    tt_begin(&tb, "llrr", tfmt("find the duplicate among %s ints", tnum(n)), "found at",
             "work", "time");
    tt_row(&tb, "nested loops", tfmt("items[%lld] == items[%lld]", (long long)loop_i,
                                     (long long)loop_j),
           tfmt("%s comparisons", tnum(comparisons)), ttime(loop_ns));
    tt_row(&tb, "a set of the items seen", tfmt("items[%lld]", (long long)set_j),
           tfmt("%s set lookups", tnum(lookups)), ttime(set_ns));
    tt_print(&tb);
    tour_say("the set was %.0fx faster on this run (timings vary; the counts do not)",
             (double)loop_ns / (double)(set_ns ? set_ns : 1));
    tour_claim(t, loop_j == n - 1 && set_j == n - 1 && loop_i == n / 2,
               "both find the same duplicate");
    tour_claim(t, comparisons >= lookups * (n / 4),
               "the loops compare pairs (%s, quadratic); the set looks each item up once (%s, "
               "linear)",
               tnum(comparisons), tnum(lookups));
    tour_lesson(t, "membership tests inside a loop belong to a set: it turns O(n^2) pair "
                   "comparisons into n hash lookups.");
    mor_decref(rt, seen), mor_decref(rt, items);
}

/* ==== 21. pools ========================================================================================== */

static void sec_pools(tour *t)
{
    mor_rt *rt = t->rt;
    const int64_t n = t->quick ? MILLION / 20 : MILLION;
    mor_alloc_stats s0, s1;
    mor_alloc_get_stats(rt, &s0);
    uint64_t t0 = tour_now_ns();
    for (int64_t i = 0; i < n; i++) { /* t = [(i + 0.5, 1000 + i)] dropped at once */
        mor_obj *f = OK(mor_float(rt, (double)i + 0.5)), *k = OK(mor_int(rt, 1000 + i));
        mor_obj *tup = OK(mor_tuple(rt, 2, f, k)), *l = OK(mor_list(rt, 1, tup));
        mor_decref(rt, l), mor_decref(rt, tup), mor_decref(rt, k), mor_decref(rt, f);
    }
    uint64_t churn_ns = tour_now_ns() - t0;
    mor_alloc_get_stats(rt, &s1);
    tour_say("%s times: a float, an int, a 2-tuple and a 1-item list made and dropped (%s, "
             "%.1f ns per iteration)",
             tnum(n), ttime(churn_ns), (double)churn_ns / (double)n);
    tour_table tb;
    tt_begin(&tb, "lrrrrr", "free list", "hits", "misses", "hit rate", "blocks cached",
             "bytes cached");
    bool high = true;
    for (int p = 0; p < MOR_ALLOC_POOLS; p++) {
        const mor_pool_stats *a = &s0.pools[p], *b = &s1.pools[p];
        uint64_t hits = b->hits - a->hits, misses = b->misses - a->misses;
        double rate = hits + misses ? 100.0 * (double)hits / (double)(hits + misses) : 0;
        high = high && rate >= 99.0;
        tt_row(&tb, b->name, tnum((int64_t)hits), tnum((int64_t)misses), tfmt("%.2f%%", rate),
               tnum((int64_t)b->cached), tsize((int64_t)b->cached_bytes));
    }
    tt_print(&tb);
    tour_say("the allocator's report after the churn:");
    print_indented(t, mor_alloc_print_stats, NULL);
    mor_rusage ru;
    if (mor_get_rusage(&ru) == 0)
        tour_say("process: max RSS %s so far, current RSS %s", tsize((int64_t)ru.max_rss_bytes),
                 tsize((int64_t)ru.current_rss_bytes));
    uint64_t held0 = s0.live_blocks - s0.pooled_blocks, held1 = s1.live_blocks - s1.pooled_blocks;
    tour_claim(t, high, "every free list served at least 99%% of its requests");
    tour_claim(t, held1 == held0,
               "the churn leaves nothing held but what the free lists cache (%s blocks)",
               tnum((int64_t)s1.pooled_blocks));
    tour_lesson(t, "short-lived small objects recycle the same few blocks through free lists: "
                   "churn costs a pop and a push, not a trip to the allocator.");
}

/* ==== 22. heap-graph ====================================================================================== */

static int count_lines_with(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    char line[1024];
    int n = 0;
    while (fgets(line, sizeof(line), f) != NULL)
        n += strstr(line, needle) != NULL;
    fclose(f);
    return n;
}

/* The objects reachable from o (immortal ones included), each once, and their references. */
static int64_t count_references(tour *t, mor_obj *o, visited *v)
{
    if (!visit_once(t, v, o))
        return 0;
    mor_obj *refs = OK(mor_gc_get_referents(t->rt, o));
    int64_t n = (int64_t)seq_len(refs);
    for (size_t i = 0; i < seq_len(refs); i++)
        n += count_references(t, item(refs, i), v);
    mor_decref(t->rt, refs);
    return n;
}

static void sec_heap_graph(tour *t)
{
    mor_rt *rt = t->rt;
    mor_obj *cls = OK(tw_node_class(rt)), *nodes[3];
    for (int i = 0; i < 3; i++) {
        mor_obj *v = OK(mor_int(rt, i + 1)), *kids = OK(mor_list(rt, 0));
        mor_obj *args[3] = {v, mor_none(rt), kids};
        nodes[i] = OK(mor_call(rt, cls, 3, args));
        mor_decref(rt, v), mor_decref(rt, kids);
    }
    for (int i = 0; i < 3; i++) { /* a ring: nodes[i].parent = nodes[i - 1] */
        OKI(mor_setattr(rt, nodes[i], "parent", nodes[(i + 2) % 3]));
        mor_obj *kids = obj_attr(t, nodes[(i + 2) % 3], "children");
        OKI(mor_list_append(rt, kids, nodes[i]));
        mor_decref(rt, kids);
    }
    char dot[512], svg[512];
    snprintf(dot, sizeof(dot), "%s/tour-heap-graph.dot", tour_outdir());
    snprintf(svg, sizeof(svg), "%s/tour-heap-graph.svg", tour_outdir());
    FILE *f = fopen(dot, "w");
    if (f == NULL)
        tour_fail(t, "cannot write %s", dot);
    int rc = mor_graph_dot(rt, nodes[0], 6, MOR_GRAPH_REFERENTS, f);
    fclose(f);
    OKI(rc);
    int nnodes = count_lines_with(dot, "[label="), nedges = count_lines_with(dot, " -> ");
    int nnode_objs = count_lines_with(dot, "[label=\"Node\\n");
    visited v = {NULL, 0, 0};
    int64_t refs = count_references(t, nodes[0], &v); /* every object reachable, and its links */
    size_t reachable = v.n;
    free(v.o);
    tour_say("three Node objects in a ring (each the parent of the next), with their children "
             "lists");
    tour_say("DOT written to %s: %d nodes, %d edges", dot, nnodes, nedges);
    bool rendered = false;
    if (system("command -v dot >/dev/null 2>&1") == 0) {
        char cmd[1200];
        snprintf(cmd, sizeof(cmd), "dot -Tsvg '%s' -o '%s'", dot, svg);
        rendered = system(cmd) == 0 && access(svg, R_OK) == 0;
        tour_say("rendered with Graphviz: %s%s", svg, rendered ? "" : " (dot failed)");
    } else {
        tour_say("Graphviz's dot is not installed: render it with `dot -Tsvg %s -o %s`", dot,
                 svg);
        rendered = true; /* nothing to check */
    }
    tour_claim(t, nnodes == (int)reachable && nedges == refs && nnode_objs == 3,
               "the graph draws each of the %zu objects reachable once (the 3 Nodes among them) "
               "and each of their %lld references once",
               reachable, (long long)refs);
    tour_claim(t, rendered, "the SVG rendering succeeded (when Graphviz is there)");
    tour_lesson(t, "draw the heap to see why something is alive: a reference graph makes cycles "
                   "and unexpected owners visible at a glance.");
    for (int i = 0; i < 3; i++)
        mor_decref(rt, nodes[i]);
    mor_decref(rt, cls);
    OKI(mor_gc_collect(rt, -1)); /* the ring */
}

/* ==== 23. versus-boehm ==================================================================================== */

/* One figure printed by tour-work: {"workload": "...", "figure": "...", "value": V, "unit": "..."} */
typedef struct figure {
    char workload[16], name[40], value[48], unit[12];
} figure;

#define MAX_FIGURES 32

/* Copy the value of "key" in a flat JSON line into out (strings unquoted). */
static bool json_field(const char *line, const char *key, char *out, size_t n)
{
    char pat[48];
    snprintf(pat, sizeof(pat), "\"%s\":", key);
    const char *p = strstr(line, pat);
    if (p == NULL)
        return false;
    p += strlen(pat);
    while (*p == ' ')
        p++;
    bool quoted = *p == '"';
    p += quoted;
    size_t k = 0;
    while (*p && k + 1 < n && (quoted ? *p != '"' : (*p != ',' && *p != '}' && *p != ' ')))
        out[k++] = *p++;
    out[k] = '\0';
    return true;
}

/* Run `prog workload [--quick]`, collecting its figures; false (with why) if it failed. */
static bool run_work(tour *t, const char *prog, const char *workload, figure *figs, size_t *n,
                     char *why, size_t whylen)
{
    char cmd[1024], line[256];
    snprintf(cmd, sizeof(cmd), "'%s' %s%s 2>&1", prog, workload, t->quick ? " --quick" : "");
    FILE *p = popen(cmd, "r");
    if (p == NULL) {
        snprintf(why, whylen, "cannot run %s", prog);
        return false;
    }
    why[0] = '\0';
    while (fgets(line, sizeof(line), p) != NULL) {
        figure *f = &figs[*n];
        if (*n < MAX_FIGURES && json_field(line, "figure", f->name, sizeof(f->name)) &&
            json_field(line, "value", f->value, sizeof(f->value))) {
            snprintf(f->workload, sizeof(f->workload), "%s", workload);
            if (!json_field(line, "unit", f->unit, sizeof(f->unit)))
                f->unit[0] = '\0';
            ++*n;
        } else if (strlen(why) + strlen(line) < whylen) {
            strcat(why, line); /* anything else it said: an error message */
        }
    }
    int status = pclose(p);
    if (status != 0) {
        size_t len = strlen(why);
        snprintf(why + len, whylen - len, "(%s %s exited with status %d)", prog, workload,
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        return false;
    }
    return true;
}

static const figure *find_figure(const figure *figs, size_t n, const char *workload,
                                 const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(figs[i].workload, workload) == 0 && strcmp(figs[i].name, name) == 0)
            return &figs[i];
    return NULL;
}

static double figure_value(const figure *f) { return f ? strtod(f->value, NULL) : -1; }

/* What tour-work's figure names mean, for the table. */
static const char *figure_label(const char *name)
{
    static const char *const labels[][2] = {
        {"nodes", "nodes in the tree"},
        {"build_and_drop_ms", "build it and drop it (collector off)"},
        {"held_after_drop", "memory held after the drop"},
        {"collect_returned", "gc.collect() returned"},
        {"collect_ms", "gc.collect() took"},
        {"held_after_collect", "memory held after it"},
        {"tree_alive_after_2_collects", "tree alive after 2 collections"},
        {"rounds", "then rounds of build-and-drop"},
        {"rounds_gc_on_ms", "rounds time (collector on)"},
        {"collections_in_rounds", "collections during the rounds"},
        {"trees_alive_after_rounds", "trees alive after the rounds"},
        {"trees_alive_after_2_collects", "trees alive after 2 collections"},
        {"held_after_rounds_and_collects", "memory held then"},
        {"max_rss", "process peak RSS"},
        {"cpu_ms", "process CPU time"},
        {"lines", "lines in the file"},
        {"result", "sum"},
        {"result_is_right", "sum is right (1: yes)"},
        {"time_ms", "time"},
        {"peak_above_start", "peak memory above the start"},
        {"held_after", "memory held after"},
    };
    for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
        if (strcmp(labels[i][0], name) == 0)
            return labels[i][1];
    return name;
}

static const char *figure_text(const figure *f)
{
    if (f == NULL)
        return "-";
    double v = strtod(f->value, NULL);
    if (strcmp(f->unit, "B") == 0)
        return tsize((int64_t)v);
    if (strcmp(f->unit, "ms") == 0)
        return tfmt("%.1f ms", v);
    if (strcmp(f->unit, "count") == 0)
        return tnum((int64_t)v);
    return tfmt("%s", f->value);
}

static void sec_versus_boehm(tour *t)
{
#ifndef TOUR_WORK_BOEHM
    tour_skip(t, "libmor-boehm is not part of this build: meson did not find bdw-gc (Debian: "
                 "libgc-dev; scripts/deps.sh installs it), so tour-work-boehm was not built");
#else
    static const char *const workloads[2] = {"cycles", "pipeline"};
    figure mor[MAX_FIGURES], boehm[MAX_FIGURES];
    size_t nm = 0, nb = 0;
    char why[1024];
    if (access(TOUR_WORK_BOEHM, X_OK) != 0) {
        tour_skip(t, "%s is missing: build the demos first (ninja)", TOUR_WORK_BOEHM);
        return;
    }
    for (int w = 0; w < 2; w++) {
        if (!run_work(t, TOUR_WORK_MOR, workloads[w], mor, &nm, why, sizeof(why)))
            tour_fail(t, "tour-work %s failed: %s", workloads[w], why);
        if (!run_work(t, TOUR_WORK_BOEHM, workloads[w], boehm, &nb, why, sizeof(why))) {
            tour_say("tour-work-boehm %s failed: %s", workloads[w], why);
            tour_claim(t, false, "the Boehm build runs the %s workload", workloads[w]);
        }
    }
    tour_say("the same workload source built twice; each workload in a fresh process; "
             "collections are those mor_gc_get_stats reports (under Boehm, only explicit ones)");
    tour_say("memory as each library's statistics report it: mor, bytes allocated and not yet "
             "freed; Boehm, its heap minus its free bytes (garbage not yet reclaimed included)");
    tour_table tb;
    tt_begin(&tb, "llrr", "workload", "figure", "mor (refcount + cycle collector)",
             "libmor-boehm");
    const char *shown = "";
    for (size_t i = 0; i < nm; i++) {
        const figure *b = find_figure(boehm, nb, mor[i].workload, mor[i].name);
        if (strcmp(mor[i].name, "backend") == 0)
            continue;
        bool first = strcmp(shown, mor[i].workload) != 0; /* name each workload once */
        shown = mor[i].workload;
        tt_row(&tb, first ? shown : "", figure_label(mor[i].name), figure_text(&mor[i]),
               figure_text(b));
    }
    tt_print(&tb);
#define FIG(set, n, w, name) figure_value(find_figure(set, n, w, name))
    const figure *mr = find_figure(mor, nm, "pipeline", "result");
    const figure *br = find_figure(boehm, nb, "pipeline", "result");
    double rounds = FIG(mor, nm, "cycles", "rounds");
    double b_tree = FIG(boehm, nb, "cycles", "tree_alive_after_2_collects");
    double b_trees = FIG(boehm, nb, "cycles", "trees_alive_after_2_collects");
    if (b_tree > 0 || b_trees > 0)
        tour_say("after its collections Boehm still held %.0f of the %.0f round trees%s: a "
                 "conservative collector takes any word on the C stack that looks like a pointer "
                 "into a tree for a reference, and the parent links make every node reachable "
                 "from any one of them",
                 b_trees, rounds, b_tree > 0 ? ", and the first tree" : "");
    tour_claim(t, mr != NULL && br != NULL && strcmp(mr->value, br->value) == 0 &&
                      FIG(mor, nm, "pipeline", "result_is_right") == 1,
               "both builds compute the same, right pipeline result");
    tour_claim(t, FIG(mor, nm, "cycles", "held_after_drop") > 0 &&
                      FIG(mor, nm, "cycles", "tree_alive_after_2_collects") == 0 &&
                      FIG(mor, nm, "cycles", "trees_alive_after_2_collects") == 0,
               "mor: a dropped cyclic tree stays until a collection, which frees it, every time");
    tour_claim(t, b_trees >= 0 && b_trees * 2 < rounds,
               "Boehm: with no reference counts at all, its collections reclaim most of the "
               "dropped trees (%.0f of %.0f)",
               rounds - b_trees, rounds);
#undef FIG
    tour_lesson(t, "refcounting frees acyclic garbage at once and needs its cycle collector only "
                   "for cycles; a tracing collector like Boehm frees everything, but only when "
                   "it runs.");
#endif
}

/* ==== the sections and the driver ========================================================================= */

typedef struct section {
    const char *name, *what;
    void (*run)(tour *t);
} section;

static const section sections[] = {
    {"sizes", "shallow sizes of everyday objects; shallow vs deep", sec_sizes},
    {"small-ints", "the -5..256 int cache, and a runtime with a wider one", sec_small_ints},
    {"interning", "shared identifier constants, intern(), matching by identity", sec_interning},
    {"references-and-copies", "assignment, shallow and deep copies, equal vs identical",
     sec_references},
    {"containers", "tuple vs list size; membership in a set vs a list", sec_containers},
    {"generators-vs-lists", "a generator's size and peak against a 1M-item list's",
     sec_generators},
    {"pipeline", "a generator pipeline over a file: the peak does not grow with it",
     sec_pipeline},
    {"lazy", "the first five squares above 1M: eager vs lazy work", sec_lazy},
    {"string-building", "+= in place, join, and += with a second reference (quadratic)",
     sec_string_building},
    {"slots", "dict-based vs __slots__ instances, one and by the 100,000", sec_slots},
    {"arrays", "a list of ints vs an 'i' array; flags in one int; a sparse dict", sec_arrays},
    {"no-copies", "list slices copy; islice and memoryview do not", sec_no_copies},
    {"deep-size", "the deep size of a structure with sharing vs a naive sum", sec_deep_size},
    {"tracemalloc", "traced current/peak, top lines, snapshot diff, the memory hog finder",
     sec_tracemalloc},
    {"line-profile", "a line-by-line memory profile with a negative increment",
     sec_line_profile},
    {"refcounting", "refcounts as references come and go; prompt frees; files closed",
     sec_refcounting},
    {"cycles", "cycles leak under refcounting; the collector, its generations and pauses",
     sec_cycles},
    {"weak-parents", "weak parent references: the tree frees itself, no collection",
     sec_weak_parents},
    {"caches", "an unbounded memo dict vs an lru_cache of 1,000", sec_caches},
    {"duplicates", "finding a duplicate: nested loops vs a set", sec_duplicates},
    {"pools", "free lists and the allocator report after churning 1M small objects",
     sec_pools},
    {"heap-graph", "the DOT graph of a small cyclic structure, rendered to SVG", sec_heap_graph},
    {"versus-boehm", "the cycles and pipeline figures under libmor-boehm beside mor's",
     sec_versus_boehm},
};

#define NSECTIONS (sizeof(sections) / sizeof(sections[0]))

typedef struct outcome {
    int claims, failed;
    bool skipped, error;
} outcome;

/* Run one section in a fresh runtime; it must leave no object alive behind it. */
static outcome run_section(const section *s, size_t index, bool quick)
{
    static tour t; /* static: its fields survive the longjmp of OK() untouched */
    memset(&t, 0, sizeof(t));
    t.quick = quick, t.name = s->name;
    mor_config cfg;
    mor_config_init(&cfg);
    cfg.leaks = MOR_LEAKS_IGNORE; /* leaks are checked below, after a collection */
    t.rt = mor_rt_new(&cfg);
    outcome o = {0, 0, false, false};
    printf("\n=== %zu/%zu %s: %s\n", index + 1, NSECTIONS, s->name, s->what);
    if (t.rt == NULL) {
        printf("  [ERROR] mor_rt_new failed\n");
        o.error = true;
        return o;
    }
    uint64_t t0 = tour_now_ns();
    if (setjmp(t.bail) == 0) {
        s->run(&t);
        if (mor_trace_is_tracing(t.rt))
            mor_trace_stop(t.rt);
        mor_gc_collect(t.rt, -1);
        size_t left = mor_rt_live_objects(t.rt);
        if (left != 0)
            tour_claim(&t, false, "the section released every object it made (%zu left alive)",
                       left);
    } else {
        printf("  [ERROR] %s\n", t.error);
        o.error = true;
    }
    mor_rt_free(t.rt);
    tour_section_cleanup(&t);
    printf("  (%s)\n", ttime(tour_now_ns() - t0));
    o.claims = t.claims, o.failed = t.failed, o.skipped = t.skipped;
    return o;
}

static void usage(FILE *out, const char *argv0)
{
    fprintf(out,
            "usage: %s [--quick] [--list] [SECTION...]\n"
            "  runs every section of the tour, or the ones named; --list lists them;\n"
            "  --quick (or MOR_QUICK in the environment) uses smaller sizes, same claims.\n",
            argv0);
}

int main(int argc, char **argv)
{
    bool quick = getenv("MOR_QUICK") != NULL, chosen[NSECTIONS] = {false}, any = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            quick = true;
        } else if (strcmp(argv[i], "--list") == 0) {
            for (size_t k = 0; k < NSECTIONS; k++)
                printf("%-22s %s\n", sections[k].name, sections[k].what);
            return 0;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout, argv[0]);
            return 0;
        } else {
            size_t k = 0;
            while (k < NSECTIONS && strcmp(sections[k].name, argv[i]) != 0)
                k++;
            if (k == NSECTIONS) {
                fprintf(stderr, "tour: no section named '%s' (tour --list names them)\n",
                        argv[i]);
                usage(stderr, argv[0]);
                return 2;
            }
            chosen[k] = any = true;
        }
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    mor_rt *probe = mor_rt_new(NULL);
    mor_alloc_stats st;
    if (probe != NULL)
        mor_alloc_get_stats(probe, &st);
    printf("mor tour: the memory lessons of the Python guides, measured in mor%s\n",
           quick ? " (--quick: smaller sizes)" : "");
    printf("allocator backend: %s; CPython 3.11 columns are fixed reference figures measured "
           "with Python 3.11.7 on this machine type (shared/reference/cpython311-figures.md)\n",
           probe != NULL ? st.backend : "?");
    if (probe != NULL)
        mor_rt_free(probe);
    int claims = 0, failed = 0, ran = 0;
    const char *bad[NSECTIONS];
    size_t nbad = 0, skipped = 0;
    for (size_t k = 0; k < NSECTIONS; k++) {
        if (any && !chosen[k])
            continue;
        outcome o = run_section(&sections[k], k, quick);
        ran++;
        claims += o.claims, failed += o.failed;
        skipped += o.skipped;
        if (o.failed > 0 || o.error)
            bad[nbad++] = sections[k].name;
    }
    printf("\n");
    if (nbad == 0) {
        printf("tour: %d section%s, %d claims checked, all held", ran, ran == 1 ? "" : "s",
               claims);
        if (skipped > 0)
            printf(" (%zu section%s skipped)", skipped, skipped == 1 ? "" : "s");
        printf("\n");
        return 0;
    }
    fprintf(stderr, "tour: %d of %d claims did not hold; failed section%s:", failed, claims,
            nbad == 1 ? "" : "s");
    for (size_t i = 0; i < nbad; i++)
        fprintf(stderr, " %s", bad[i]);
    fprintf(stderr, "\n");
    return 1;
}
