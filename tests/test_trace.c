/* tests/test_trace.c: allocation tracing: the right lines with the right
 * counts and sizes, deeper tracebacks, snapshot comparison and filters, the
 * peak, sampling, embedder frames, line profiles and the GC timeline. Built
 * twice: against the shared library (runtime frames skipped at capture) and
 * the static one (skipped at symbolization). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <unistd.h>

#include <stdio.h>
#include <stdlib.h>

#include "testutil.h"

static int line_lists, line_strs;

/* Two known allocation lines (kept on separate source lines on purpose). */
static void __attribute__((noinline)) make_known(mor_rt *rt, mor_obj *keep)
{
    for (int i = 0; i < 1000; i++) {
        line_lists = __LINE__ + 1;
        mor_obj *l = mor_list(rt, 0);
        mor_list_append_steal(rt, keep, l);
    }
    for (int i = 0; i < 500; i++) {
        line_strs = __LINE__ + 1;
        mor_obj *s = mor_str(rt, "hello world!");
        mor_list_append_steal(rt, keep, s);
    }
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Find the statistic whose key is "...test_trace.c:<line>". */
static mor_obj *find_line(mor_rt *rt, mor_obj *stats, int line)
{
    char want[64];
    snprintf(want, sizeof(want), "test_trace.c:%d", line);
    size_t n;
    mor_obj *const *items = mor_seq_items(stats, &n);
    for (size_t i = 0; i < n; i++) {
        mor_obj *key = mor_getattr(rt, items[i], "key");
        bool hit = ends_with(mor_str_utf8(key, NULL), want);
        mor_decref(rt, key);
        if (hit)
            return items[i];
    }
    return NULL;
}

static int64_t attr_i64(mor_rt *rt, mor_obj *o, const char *name)
{
    mor_obj *v = mor_getattr(rt, o, name);
    assert_non_null(v);
    int64_t x;
    assert_int_equal(mor_int_to_i64(rt, v, &x), 0);
    mor_decref(rt, v);
    return x;
}

static void test_trace_lines(void **state)
{
    T_RT;
    mor_obj *keep = mor_list(rt, 0);
    assert_false(mor_trace_is_tracing(rt));
    assert_int_equal(mor_trace_start(rt, 1), 0);
    assert_true(mor_trace_is_tracing(rt));
    make_known(rt, keep);
    mor_obj *snap = mor_trace_snapshot(rt);
    assert_non_null(snap);
    mor_obj *stats = mor_snapshot_statistics(rt, snap, "lineno");
    assert_non_null(stats);
    /* the two lines are the two biggest, with exact counts and sizes */
    size_t n;
    mor_obj *const *items = mor_seq_items(stats, &n);
    assert_true(n >= 2);
    mor_obj *sl = find_line(rt, stats, line_lists), *ss = find_line(rt, stats, line_strs);
    assert_non_null(sl);
    assert_non_null(ss);
    assert_true((items[0] == sl && items[1] == ss) || (items[0] == ss && items[1] == sl));
    size_t list_size = mor_sizeof(mor_seq_items(keep, NULL)[0]);
    size_t str_size = mor_sizeof(mor_seq_items(keep, NULL)[1000]);
    assert_int_equal(attr_i64(rt, sl, "count"), 1000);
    assert_int_equal(attr_i64(rt, sl, "size"), 1000 * (int64_t)list_size);
    assert_int_equal(attr_i64(rt, ss, "count"), 500);
    assert_int_equal(attr_i64(rt, ss, "size"), 500 * (int64_t)str_size);
    assert_int_equal(attr_i64(rt, sl, "lineno"), line_lists);
    /* the repr reads like tracemalloc's */
    mor_obj *r = mor_repr(rt, sl);
    char want[128];
    snprintf(want, sizeof(want), "test_trace.c:%d: size=%.1f KiB, count=1000, average=%zu B",
             line_lists, (double)(1000 * list_size) / 1024.0, list_size);
    assert_true(ends_with(mor_str_utf8(r, NULL), want) ||
                strstr(mor_str_utf8(r, NULL), want) != NULL);
    mor_decref(rt, r);
    /* by file: one entry holds both lines */
    mor_obj *byfile = mor_snapshot_statistics(rt, snap, "filename");
    items = mor_seq_items(byfile, &n);
    assert_true(n >= 1);
    mor_obj *k0 = mor_getattr(rt, items[0], "key");
    assert_true(ends_with(mor_str_utf8(k0, NULL), "test_trace.c"));
    assert_true(attr_i64(rt, items[0], "count") >= 1500);
    mor_decref(rt, k0);
    mor_obj *bad = mor_snapshot_statistics(rt, snap, "nope");
    assert_null(bad);
    t_expect_exc(rt, MOR_EXC_VALUE, "unknown key_type");
    mor_decref(rt, byfile);
    mor_decref(rt, stats);
    mor_decref(rt, snap);
    mor_trace_stop(rt);
    assert_false(mor_trace_is_tracing(rt));
    assert_null(mor_trace_snapshot(rt));
    t_expect_exc(rt, MOR_EXC_RUNTIME, "must be tracing");
    mor_decref(rt, keep);
}

/* ---- deeper tracebacks ------------------------------------------------------------------ */

static int line_helper, line_caller_a, line_caller_b;

/* The asm barriers keep each call a call (a tail call would leave no frame). */
static mor_obj *__attribute__((noinline)) helper_alloc(mor_rt *rt)
{
    line_helper = __LINE__ + 1;
    mor_obj *x = mor_list(rt, 0);
    __asm__ volatile("" ::: "memory");
    return x;
}

static mor_obj *__attribute__((noinline)) caller_a(mor_rt *rt)
{
    line_caller_a = __LINE__ + 1;
    mor_obj *x = helper_alloc(rt);
    __asm__ volatile("" ::: "memory");
    return x;
}

static mor_obj *__attribute__((noinline)) caller_b(mor_rt *rt)
{
    line_caller_b = __LINE__ + 1;
    mor_obj *x = helper_alloc(rt);
    __asm__ volatile("" ::: "memory");
    return x;
}

static void test_trace_two_frames(void **state)
{
    T_RT;
    mor_obj *keep = mor_list(rt, 0);
    assert_int_equal(mor_trace_start(rt, 2), 0);
    for (int i = 0; i < 30; i++)
        mor_list_append_steal(rt, keep, caller_a(rt));
    for (int i = 0; i < 20; i++)
        mor_list_append_steal(rt, keep, caller_b(rt));
    mor_obj *snap = mor_trace_snapshot(rt);
    mor_obj *stats = mor_snapshot_statistics(rt, snap, "traceback");
    size_t n;
    mor_obj *const *items = mor_seq_items(stats, &n);
    int seen_a = 0, seen_b = 0;
    char fa[64], fb[64], fh[64];
    snprintf(fh, sizeof(fh), "test_trace.c:%d", line_helper);
    snprintf(fa, sizeof(fa), "test_trace.c:%d", line_caller_a);
    snprintf(fb, sizeof(fb), "test_trace.c:%d", line_caller_b);
    for (size_t i = 0; i < n; i++) {
        mor_obj *tb = mor_getattr(rt, items[i], "traceback");
        size_t nf;
        mor_obj *const *frames = mor_seq_items(tb, &nf);
        if (nf == 2 && ends_with(mor_str_utf8(frames[0], NULL), fh)) {
            if (ends_with(mor_str_utf8(frames[1], NULL), fa)) {
                seen_a = 1;
                assert_int_equal(attr_i64(rt, items[i], "count"), 30);
            }
            if (ends_with(mor_str_utf8(frames[1], NULL), fb)) {
                seen_b = 1;
                assert_int_equal(attr_i64(rt, items[i], "count"), 20);
            }
        }
        mor_decref(rt, tb);
    }
    assert_true(seen_a && seen_b); /* the caller's caller tells them apart */
    mor_decref(rt, stats);
    mor_decref(rt, snap);
    mor_trace_stop(rt);
    mor_decref(rt, keep);
}

/* ---- compare, peak, clear, filters ----------------------------------------------------------- */

static void test_trace_compare_and_peak(void **state)
{
    T_RT;
    assert_int_equal(mor_trace_start(rt, 1), 0);
    size_t cur0, peak0;
    mor_trace_get_memory(rt, &cur0, &peak0);
    mor_obj *before = mor_trace_snapshot(rt);
    static mor_obj *floats[2000]; /* held outside mor: only the floats are traced */
    int line_grow = __LINE__ + 2;
    for (int i = 0; i < 2000; i++)
        floats[i] = mor_float(rt, i);
    mor_obj *after = mor_trace_snapshot(rt);
    mor_obj *diff = mor_snapshot_compare(rt, after, before, "lineno");
    size_t n;
    mor_obj *const *items = mor_seq_items(diff, &n);
    assert_true(n >= 1);
    mor_obj *top = items[0]; /* sorted by absolute size difference */
    mor_obj *key = mor_getattr(rt, top, "key");
    char want[64];
    snprintf(want, sizeof(want), "test_trace.c:%d", line_grow);
    assert_true(ends_with(mor_str_utf8(key, NULL), want));
    mor_decref(rt, key);
    assert_int_equal(attr_i64(rt, top, "count_diff"), 2000);
    assert_int_equal(attr_i64(rt, top, "size_diff"), 2000 * 24);
    mor_obj *r = mor_repr(rt, top);
    assert_non_null(strstr(mor_str_utf8(r, NULL), "(+46.9 KiB), count=2000 (+2000)"));
    mor_decref(rt, r);
    /* the peak stays when memory is freed */
    size_t cur1, peak1, cur2, peak2;
    mor_trace_get_memory(rt, &cur1, &peak1);
    assert_true(cur1 >= cur0 + 2000 * 24);
    for (int i = 0; i < 2000; i++)
        mor_decref(rt, floats[i]);
    mor_trace_get_memory(rt, &cur2, &peak2);
    assert_true(cur2 < cur1 - 2000 * 24 + 1);
    assert_true(peak2 >= cur1);
    mor_trace_reset_peak(rt);
    mor_trace_get_memory(rt, &cur2, &peak2);
    assert_int_equal(peak2, cur2);
    /* filters: keep only this file, or everything but it */
    mor_obj *only = mor_snapshot_filter(rt, after, "*test_trace.c", true);
    mor_obj *none = mor_snapshot_filter(rt, after, "*test_trace.c", false);
    assert_true(mor_len(rt, only) >= 1);
    mor_obj *s_none = mor_snapshot_statistics(rt, none, "lineno");
    items = mor_seq_items(s_none, &n);
    for (size_t i = 0; i < n; i++) {
        mor_obj *k = mor_getattr(rt, items[i], "key");
        assert_null(strstr(mor_str_utf8(k, NULL), "test_trace.c:"));
        mor_decref(rt, k);
    }
    /* clear forgets the traces; stop frees the tables */
    size_t ov = mor_trace_overhead(rt);
    mor_trace_clear(rt);
    mor_trace_get_memory(rt, &cur2, &peak2);
    assert_int_equal(cur2, 0);
    assert_true(mor_trace_overhead(rt) < ov);
    mor_obj *objs[] = {before, after, diff, only, none, s_none};
    for (size_t i = 0; i < sizeof(objs) / sizeof(*objs); i++)
        mor_decref(rt, objs[i]);
    mor_trace_stop(rt);
    assert_int_equal(mor_trace_start(rt, 0), -1);
    t_expect_exc(rt, MOR_EXC_VALUE, "number of frames");
}

/* ---- embedder frames and sampling ------------------------------------------------------------ */

static void test_trace_embedder_frames(void **state)
{
    T_RT;
    assert_int_equal(mor_trace_start(rt, 2), 0);
    mor_obj *keep[10];
    mor_trace_push_frame(rt, "script.lua", 3);
    mor_trace_push_frame(rt, "lib.lua", 42);
    for (int i = 0; i < 10; i++)
        keep[i] = mor_str(rt, "from a script");
    mor_trace_pop_frame(rt);
    mor_trace_pop_frame(rt);
    mor_obj *snap = mor_trace_snapshot(rt);
    mor_obj *stats = mor_snapshot_statistics(rt, snap, "traceback");
    size_t n;
    mor_obj *const *items = mor_seq_items(stats, &n);
    bool found = false;
    for (size_t i = 0; i < n; i++) {
        mor_obj *tb = mor_getattr(rt, items[i], "traceback");
        size_t nf;
        mor_obj *const *f = mor_seq_items(tb, &nf);
        if (nf == 2 && strcmp(mor_str_utf8(f[0], NULL), "lib.lua:42") == 0 &&
            strcmp(mor_str_utf8(f[1], NULL), "script.lua:3") == 0) {
            found = true;
            assert_int_equal(attr_i64(rt, items[i], "count"), 10);
        }
        mor_decref(rt, tb);
    }
    assert_true(found);
    mor_decref(rt, stats);
    mor_decref(rt, snap);
    for (int i = 0; i < 10; i++)
        mor_decref(rt, keep[i]);
    mor_trace_stop(rt);
}

static void test_trace_sampled(void **state)
{
    T_RT;
    assert_int_equal(mor_trace_start_sampled(rt, 1, 4096), 0);
    static mor_obj *keep[20000];
    int line = __LINE__ + 2;
    for (int i = 0; i < 20000; i++)
        keep[i] = mor_str_fmt(rt, "string number %07d", i);
    mor_obj *snap = mor_trace_snapshot(rt);
    mor_obj *stats = mor_snapshot_statistics(rt, snap, "lineno");
    mor_obj *st = find_line(rt, stats, line);
    assert_non_null(st);
    double est = (double)attr_i64(rt, st, "size");
    double real = 20000.0 * (double)mor_sizeof(keep[0]);
    assert_true(est > real * 0.75 && est < real * 1.25); /* an unbiased estimate */
    mor_decref(rt, stats);
    mor_decref(rt, snap);
    for (int i = 0; i < 20000; i++)
        mor_decref(rt, keep[i]);
    mor_trace_stop(rt);
}

/* Sampling every 4 KiB: 100k allocations of about 100 bytes at one line are
 * about 2,400 samples; the statistics scale them back up to the whole. */
static void test_trace_sampled_estimate(void **state)
{
    T_RT;
    enum { N = 100000 };
    mor_obj **keep = malloc(N * sizeof(mor_obj *));
    assert_non_null(keep);
    assert_int_equal(mor_trace_start_sampled(rt, 1, 4096), 0);
    size_t cur0;
    mor_trace_get_memory(rt, &cur0, NULL);
    const char *text = "a string of seventy characters or so, for a block of about 100 bytes..";
    int line = __LINE__ + 2;
    for (int i = 0; i < N; i++)
        keep[i] = mor_str(rt, text);
    double real = (double)N * (double)mor_sizeof(keep[0]);
    assert_in_range(mor_sizeof(keep[0]), 90, 130);
    mor_obj *snap = mor_trace_snapshot(rt);
    mor_obj *stats = mor_snapshot_statistics(rt, snap, "lineno");
    mor_obj *st = find_line(rt, stats, line);
    assert_non_null(st);
    double size = (double)attr_i64(rt, st, "size"), count = (double)attr_i64(rt, st, "count");
    assert_true(size > real * 0.8 && size < real * 1.2);
    assert_true(count > N * 0.8 && count < N * 1.2);
    size_t cur1;
    mor_trace_get_memory(rt, &cur1, NULL);
    assert_true((double)(cur1 - cur0) > real * 0.8 && (double)(cur1 - cur0) < real * 1.2);
    mor_decref(rt, stats);
    mor_decref(rt, snap);
    /* every free takes back exactly what its allocation added */
    for (int i = 0; i < N; i++)
        mor_decref(rt, keep[i]);
    size_t cur2;
    mor_trace_get_memory(rt, &cur2, NULL);
    assert_int_equal(cur2, cur0);
    mor_trace_stop(rt);
    free(keep);
}

/* Tracing through growth and shrinking of the tracer's tables: blocks of
 * many sizes (a few past the 1 MiB the tables keep a size for) at one line,
 * freed in a scattered order. */
static int line_mixed;

static mor_obj *__attribute__((noinline)) make_mixed(mor_rt *rt, int i, const char *buf)
{
    /* bytes of 2..701 bytes, now and then 5000, a few of 2 MiB; str of 2..301
     * chars (shorter ones are shared, not allocated) */
    size_t len = (size_t)(i % 97 == 0 ? 5000 : 2 + (i * 37) % 700);
    if (i % 15000 == 2)
        len = 2 * 1024 * 1024;
    const char *text = buf + 2 * 1024 * 1024 - 2 - (size_t)(i % 300);
    int k = i % 3;
    line_mixed = __LINE__ + 1; /* one line for the three kinds */
    mor_obj *o = k == 0 ? mor_float(rt, i) : k == 1 ? mor_str(rt, text) : mor_bytes(rt, buf, len);
    __asm__ volatile("" ::: "memory");
    return o;
}

static void check_mixed_line(mor_rt *rt, int64_t count, int64_t size)
{
    mor_obj *snap = mor_trace_snapshot(rt);
    mor_obj *stats = mor_snapshot_statistics(rt, snap, "lineno");
    mor_obj *st = find_line(rt, stats, line_mixed);
    if (count == 0) {
        assert_null(st);
    } else {
        assert_non_null(st);
        assert_int_equal(attr_i64(rt, st, "count"), count);
        assert_int_equal(attr_i64(rt, st, "size"), size);
    }
    mor_decref(rt, stats);
    mor_decref(rt, snap);
}

/* sample_bytes 0: exact figures checked at each step. Sampling (every 16
 * bytes: nearly every block, and the tracer's young tables crowded): the
 * figures are estimates, but every free must take back exactly what its
 * allocation added. */
static void churn(mor_rt *rt, size_t sample_bytes)
{
    int n = t_scale(30000);
    static char buf[2 * 1024 * 1024 + 1];
    memset(buf, 'x', sizeof(buf) - 1);
    mor_obj **keep = malloc((size_t)n * sizeof(mor_obj *));
    assert_non_null(keep);
    assert_int_equal(mor_trace_start_sampled(rt, 1, sample_bytes), 0);
    bool exact = sample_bytes == 0;
    size_t cur0, cur;
    mor_trace_get_memory(rt, &cur0, NULL);
    int64_t size = 0;
    for (int i = 0; i < n; i++) {
        keep[i] = make_mixed(rt, i, buf);
        assert_non_null(keep[i]);
        size += (int64_t)mor_sizeof(keep[i]);
    }
    if (exact) {
        check_mixed_line(rt, n, size);
        mor_trace_get_memory(rt, &cur, NULL);
        assert_int_equal(cur - cur0, (size_t)size);
    }
    size_t full_overhead = mor_trace_overhead(rt);
    /* free four fifths, in a scattered order */
    int64_t left = n;
    for (int k = 0; k < n; k++) {
        int i = (int)(((int64_t)k * 7919) % n);
        if (i % 5 == 2 || keep[i] == NULL)
            continue;
        size -= (int64_t)mor_sizeof(keep[i]);
        mor_decref(rt, keep[i]);
        keep[i] = NULL;
        left--;
    }
    if (exact) {
        check_mixed_line(rt, left, size);
        mor_trace_get_memory(rt, &cur, NULL);
        assert_int_equal(cur - cur0, (size_t)size);
    }
    for (int i = 0; i < n; i++)
        mor_xdecref(rt, keep[i]);
    check_mixed_line(rt, 0, 0);
    mor_trace_get_memory(rt, &cur, NULL);
    assert_int_equal(cur, cur0);
    /* the emptied windows gave their chunks back: at least 8 bytes a block */
    if (exact)
        assert_true(full_overhead - mor_trace_overhead(rt) >= 8 * (size_t)n);
    mor_trace_stop(rt);
    free(keep);
}

static void test_trace_churn(void **state)
{
    T_RT;
    churn(rt, 0);
    churn(rt, 16);
}

/* ---- line profile ---------------------------------------------------------------------------- */

static void test_profile_lines(void **state)
{
    T_RT;
    mor_trace_start(rt, 1);
    mor_obj *a = mor_list(rt, 0);
    MOR_PROFILE_LINE(rt);
    for (int i = 0; i < 1000; i++)
        mor_list_append_steal(rt, a, mor_float(rt, i));
    MOR_PROFILE_LINE(rt);
    mor_obj *b = mor_list(rt, 0);
    for (int i = 0; i < 2000; i++)
        mor_list_append_steal(rt, b, mor_float(rt, i));
    MOR_PROFILE_LINE(rt);
    mor_decref(rt, b);
    MOR_PROFILE_LINE(rt);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    mor_profile_print(rt, f);
    fclose(f);
    assert_non_null(strstr(buf, "Line #    Mem usage    Increment   Line Contents"));
    assert_non_null(strstr(buf, "test_profile_lines"));
    /* the drop of b is a negative increment */
    assert_non_null(strstr(buf, "-"));
    assert_non_null(strstr(buf, "mor_decref(rt, b);"));
    free(buf);
    mor_profile_clear(rt);
    mor_decref(rt, a);
    mor_trace_stop(rt);
}

/* ---- the GC timeline ------------------------------------------------------------------------- */

static void test_gc_timeline(void **state)
{
    T_RT;
    char path[] = "/tmp/mor-timeline-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *out = fdopen(fd, "w");
    assert_int_equal(mor_gc_trace_start(rt, out), 0);
    for (int i = 0; i < 3; i++) {
        mor_obj *l = mor_list(rt, 0);
        mor_list_append(rt, l, l);
        mor_decref(rt, l);
        assert_int_equal(mor_gc_collect(rt, i), 1);
    }
    mor_gc_trace_stop(rt);
    fclose(out);
    FILE *in = fopen(path, "r");
    char text[8192] = {0};
    size_t got = fread(text, 1, sizeof(text) - 1, in);
    fclose(in);
    assert_true(got > 0);
    assert_int_equal(text[0], '[');
    assert_non_null(strstr(text, "\"ph\": \"X\""));
    assert_non_null(strstr(text, "\"collected\": 1"));
    assert_non_null(strstr(text, "\"name\": \"gc gen 2\""));
    assert_non_null(strstr(text, "\"ph\": \"C\""));
    /* valid JSON, when python3 is there to say so */
    if (access("/usr/bin/python3", X_OK) == 0) {
        char cmd[256];
        snprintf(cmd, sizeof(cmd), "python3 -c 'import json,sys; json.load(open(sys.argv[1]))' %s",
                 path);
        assert_int_equal(system(cmd), 0);
    }
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T_TEST(test_trace_lines),          T_TEST(test_trace_two_frames),
        T_TEST(test_trace_compare_and_peak), T_TEST(test_trace_embedder_frames),
        T_TEST(test_trace_sampled),        T_TEST(test_trace_sampled_estimate),
        T_TEST(test_trace_churn),          T_TEST(test_profile_lines),
        T_TEST(test_gc_timeline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
