/* demos/versus/malloc.c: the plain C versions of the workloads where one
 * makes sense (trees, rings, small structs, string building), built twice:
 *
 * - versus-malloc: malloc/free, every structure freed by hand the moment it
 *   is dropped: the floor a memory manager is measured against. Nothing
 *   collects, so the pause figures stay 0; the drops are timed as for mor.
 *   The driver runs it with glibc's trimming off (GLIBC_TUNABLES), as the
 *   reference figures do: trimming gives the heap top back to the kernel
 *   after large frees and turns the malloc rows into a system-time test.
 * - versus-boehm-c (VS_PLAIN_BOEHM): the same code over GC_MALLOC with no
 *   frees and Boehm's defaults, like the independent C program the GCBench
 *   targets were measured with, measured again here under the same
 *   conditions. */
#define _GNU_SOURCE

#include <gnu/libc-version.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "versus.h"

#ifdef VS_PLAIN_BOEHM
#include <gc/gc.h>
#define vs_raw_alloc(n) GC_MALLOC(n)
#define vs_raw_alloc_atomic(n) GC_MALLOC_ATOMIC(n)
#define vs_raw_realloc(p, n) GC_REALLOC(p, n)
#define vs_free(p) ((void)(p)) /* the collector finds it */
#else
#define vs_raw_alloc(n) malloc(n)
#define vs_raw_alloc_atomic(n) malloc(n)
#define vs_raw_realloc(p, n) realloc(p, n)
#define vs_free(p) free(p)

const char *const vs_backend_name = "malloc";

void *vs_backend_open(void) { return (void *)&vs_backend_name; }

/* Bytes in use in glibc's heap (arenas and mmapped chunks). */
double vs_backend_live_bytes(void *env)
{
    (void)env;
    struct mallinfo2 mi = mallinfo2();
    return (double)(mi.uordblks + mi.hblkhd);
}

void vs_backend_info(void *env, char *buf, size_t size)
{
    (void)env;
    const char *tun = getenv("GLIBC_TUNABLES");
    snprintf(buf, size, "malloc: glibc %s malloc/free, GLIBC_TUNABLES=%s", gnu_get_libc_version(),
             tun != NULL ? tun : "(unset)");
}

void vs_backend_reset(void *env) { (void)env; }

void vs_backend_extras(void *env) { (void)env; }

void vs_backend_close(void *env) { (void)env; }
#endif

static void *checked(void *p)
{
    if (p == NULL)
        vs_fail("out of memory");
    return p;
}

#define xmalloc(n) checked(vs_raw_alloc(n))
#define xmalloc_atomic(n) checked(vs_raw_alloc_atomic(n))

/* ---- binary trees ------------------------------------------------------------------------------ */

/* GCBench's node, as in the reference program: 24 bytes */
typedef struct node {
    struct node *left, *right;
    int i, j;
} node;

static node *node_new(node *l, node *r)
{
    node *n = xmalloc(sizeof(node));
    n->left = l;
    n->right = r;
    n->i = n->j = 0;
    return n;
}

#ifndef VS_PLAIN_BOEHM
static void node_free(node *n)
{
    if (n == NULL)
        return;
    node_free(n->left);
    node_free(n->right);
    vs_free(n);
}
#endif

static void drop_tree(node *n)
{
    uint64_t t0 = vs_now_ns();
#ifdef VS_PLAIN_BOEHM
    (void)n; /* forgotten: the collector finds it */
#else
    node_free(n);
#endif
    vs_drop(vs_now_ns() - t0);
}

static node *bottom_up(int d)
{
    if (d <= 0)
        return node_new(NULL, NULL);
    node *l = bottom_up(d - 1);
    return node_new(l, bottom_up(d - 1));
}

static void top_down(node *n, int d)
{
    if (d <= 0)
        return;
    n->left = node_new(NULL, NULL);
    n->right = node_new(NULL, NULL);
    top_down(n->left, d - 1);
    top_down(n->right, d - 1);
}

static int64_t tree_size(int d) { return ((int64_t)1 << (d + 1)) - 1; }

static void trees(bool quick)
{
    int shift = quick ? 6 : 0;
    int stretch = 18 - shift, long_lived = 16 - shift, max_depth = 20 - shift;
    size_t array_n = quick ? 50000 : 500000;
    drop_tree(bottom_up(stretch));
    node *keep = node_new(NULL, NULL);
    top_down(keep, long_lived);
    double *array = xmalloc_atomic(array_n * sizeof(double));
    for (size_t i = 0; i < array_n; i++)
        array[i] = 1.0 / (double)(i + 1);
    for (int d = 4; d <= max_depth; d += 2) {
        int64_t iters = 2 * tree_size(stretch) / tree_size(d);
        if (iters < 1)
            iters = 1;
        for (int64_t i = 0; i < iters; i++) {
            node *t = node_new(NULL, NULL);
            top_down(t, d);
            drop_tree(t);
        }
        for (int64_t i = 0; i < iters; i++)
            drop_tree(bottom_up(d));
    }
    if (keep->left == NULL || array[1000] != 1.0 / 1001.0)
        vs_fail("trees: the long-lived data was corrupted");
    vs_free(array);
    drop_tree(keep);
}

/* ---- rings --------------------------------------------------------------------------------------- */

typedef struct ring_link {
    struct ring_link *next;
    int64_t val;
} ring_link;

static void cycles(bool quick, int64_t ring)
{
    int64_t total = quick ? 100000 : 1000000, rings = total / ring;
    ring_link **roots = xmalloc((size_t)rings * sizeof(ring_link *));
    for (int round = 0; round < 10; round++) {
        for (int64_t r = 0; r < rings; r++) {
            ring_link *first = xmalloc(sizeof(ring_link)), *prev = first;
            first->val = 0;
            for (int64_t k = 1; k < ring; k++) {
                ring_link *n = xmalloc(sizeof(ring_link));
                n->val = k % 200;
                prev->next = n;
                prev = n;
            }
            prev->next = first;
            roots[r] = first;
        }
        for (int64_t r = 0; r < rings; r++) {
            int64_t len = 1;
            for (ring_link *p = roots[r]->next; p != roots[r]; p = p->next)
                len++;
            if (len != ring)
                vs_fail("cycles: a ring has the wrong length");
        }
        uint64_t t0 = vs_now_ns(); /* the ideal: each ring freed by walking it */
        for (int64_t r = 0; r < rings; r++) {
#ifdef VS_PLAIN_BOEHM
            roots[r] = NULL; /* forgotten: the collector finds the ring */
#else
            ring_link *p = roots[r]->next;
            while (p != roots[r]) {
                ring_link *q = p->next;
                free(p);
                p = q;
            }
            free(p);
#endif
        }
        vs_drop(vs_now_ns() - t0);
    }
    vs_free(roots);
}

/* ---- small structs ---------------------------------------------------------------------------------- */

typedef struct point {
    int64_t x, y;
} point;

static void objects(bool quick)
{
    size_t n = quick ? 100000 : 1000000;
    point **all = xmalloc(n * sizeof(point *));
    for (size_t i = 0; i < n; i++) {
        all[i] = xmalloc_atomic(sizeof(point));
        all[i]->x = (int64_t)(i & 255);
        all[i]->y = 1;
    }
    int64_t sum = 0, expect = 0;
    for (size_t i = 0; i < n; i++) {
        sum += all[i]->x;
        expect += (int64_t)(i & 255);
    }
    if (sum != expect)
        vs_fail("objects: wrong sum");
    uint64_t t0 = vs_now_ns();
    for (size_t i = 0; i < n; i++)
        vs_free(all[i]);
    vs_free(all);
    vs_drop(vs_now_ns() - t0);
}

/* ---- string building ------------------------------------------------------------------------------------ */

static void strings(bool quick, bool join)
{
    size_t n = quick ? 20000 : 1000000, len = 0;
    char *s;
    if (join) { /* keep the parts, then one exact allocation */
        char **parts = xmalloc(n * sizeof(char *));
        for (size_t i = 0; i < n; i++) {
            parts[i] = xmalloc_atomic(11);
            snprintf(parts[i], 11, "%09u,", (unsigned)i);
        }
        for (size_t i = 0; i < n; i++)
            len += strlen(parts[i]);
        s = xmalloc_atomic(len + 1);
        for (size_t i = 0, at = 0; i < n; i++, at += 10)
            memcpy(s + at, parts[i], 10);
        s[len] = '\0';
        uint64_t t0 = vs_now_ns();
        for (size_t i = 0; i < n; i++)
            vs_free(parts[i]);
        vs_free(parts);
        vs_drop(vs_now_ns() - t0);
    } else { /* one buffer, doubled when full */
        size_t cap = 16;
        s = xmalloc_atomic(cap);
        for (size_t i = 0; i < n; i++) {
            char p[16];
            int k = snprintf(p, sizeof(p), "%09u,", (unsigned)i);
            if (len + (size_t)k + 1 > cap) {
                cap *= 2;
                s = checked(vs_raw_realloc(s, cap));
            }
            memcpy(s + len, p, (size_t)k + 1);
            len += (size_t)k;
        }
    }
    if (len != n * 10 || memcmp(s + 10, "000000001,", 10) != 0)
        vs_fail("strings: wrong result");
    vs_free(s);
}

int vs_run(void *env, vs_workload w, bool quick)
{
    (void)env;
    switch (w) {
    case VS_TREES: trees(quick); break;
    case VS_CYCLES2: cycles(quick, 2); break;
    case VS_CYCLES100: cycles(quick, 100); break;
    case VS_OBJ_SLOTS: objects(quick); break;
    case VS_STR_JOIN: strings(quick, true); break;
    case VS_STR_APPEND: strings(quick, false); break;
    default: return 1;
    }
    return 0;
}
