/* demos/tour_util.c: the helpers of the tour: claims, formatting, tables, timing, traced
 * memory and scratch files (see tour_util.h). */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* mkdtemp */

#include "tour_util.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- leaving a section early ---------------------------------------------------------- */

static _Noreturn void tour_bail(tour *t) { longjmp(t->bail, 1); }

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

mor_obj *tour_ok(tour *t, mor_obj *v, const char *file, int line)
{
    if (v != NULL)
        return v;
    snprintf(t->error, sizeof(t->error), "%s:%d: %s: %s", base_name(file), line,
             mor_exc_name(mor_err_kind(t->rt)), mor_err_message(t->rt));
    tour_bail(t);
}

int64_t tour_ok_i(tour *t, int64_t v, const char *file, int line)
{
    if (v != -1 || mor_err_kind(t->rt) == MOR_EXC_NONE)
        return v;
    snprintf(t->error, sizeof(t->error), "%s:%d: %s: %s", base_name(file), line,
             mor_exc_name(mor_err_kind(t->rt)), mor_err_message(t->rt));
    tour_bail(t);
}

void tour_fail(tour *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->error, sizeof(t->error), fmt, ap);
    va_end(ap);
    tour_bail(t);
}

/* ---- what a section prints ------------------------------------------------------------- */

bool tour_claim(tour *t, bool ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("  %s ", ok ? "[ok]  " : "[FAIL]");
    vprintf(fmt, ap);
    putchar('\n');
    va_end(ap);
    t->claims++;
    if (!ok)
        t->failed++;
    return ok;
}

void tour_lesson(tour *t, const char *fmt, ...)
{
    (void)t;
    va_list ap;
    va_start(ap, fmt);
    printf("  lesson: ");
    vprintf(fmt, ap);
    putchar('\n');
    va_end(ap);
}

void tour_say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("  ");
    vprintf(fmt, ap);
    putchar('\n');
    va_end(ap);
}

void tour_skip(tour *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("  skipped: ");
    vprintf(fmt, ap);
    putchar('\n');
    va_end(ap);
    t->skipped = true;
}

/* ---- formatted values ------------------------------------------------------------------ */

#define RING 32
#define RING_LEN 256

static char *ring_next(void)
{
    static char ring[RING][RING_LEN];
    static unsigned next;
    return ring[next++ % RING];
}

static void size_text(char *out, size_t n, int64_t bytes, bool plus)
{
    const char *sign = bytes < 0 ? "-" : plus ? "+" : "";
    double v = bytes < 0 ? -(double)bytes : (double)bytes;
    if (v < 1024)
        snprintf(out, n, "%s%.0f B", sign, v);
    else if (v < 1024.0 * 1024)
        snprintf(out, n, "%s%.1f KiB", sign, v / 1024);
    else if (v < 1024.0 * 1024 * 1024)
        snprintf(out, n, "%s%.1f MiB", sign, v / (1024.0 * 1024));
    else
        snprintf(out, n, "%s%.2f GiB", sign, v / (1024.0 * 1024 * 1024));
}

const char *tsize(int64_t bytes)
{
    char *s = ring_next();
    size_text(s, RING_LEN, bytes, false);
    return s;
}

const char *tsigned(int64_t bytes)
{
    char *s = ring_next();
    size_text(s, RING_LEN, bytes, true);
    return s;
}

const char *tnum(int64_t n)
{
    char digits[32], *s = ring_next();
    uint64_t u = n < 0 ? (uint64_t)0 - (uint64_t)n : (uint64_t)n;
    int len = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)u);
    size_t k = 0;
    if (n < 0)
        s[k++] = '-';
    for (int i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            s[k++] = ',';
        s[k++] = digits[i];
    }
    s[k] = '\0';
    return s;
}

const char *ttime(uint64_t ns)
{
    char *s = ring_next();
    if (ns < 1000)
        snprintf(s, RING_LEN, "%llu ns", (unsigned long long)ns);
    else if (ns < 1000000)
        snprintf(s, RING_LEN, "%.1f us", (double)ns / 1e3);
    else if (ns < 1000000000)
        snprintf(s, RING_LEN, "%.2f ms", (double)ns / 1e6);
    else
        snprintf(s, RING_LEN, "%.2f s", (double)ns / 1e9);
    return s;
}

const char *tfmt(const char *fmt, ...)
{
    char *s = ring_next();
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s, RING_LEN, fmt, ap);
    va_end(ap);
    return s;
}

const char *trepr(tour *t, mor_obj *o)
{
    char *s = ring_next();
    mor_obj *r = mor_repr(t->rt, o);
    if (r == NULL) {
        mor_err_clear(t->rt);
        return "<repr failed>";
    }
    snprintf(s, RING_LEN, "%s", mor_str_utf8(r, NULL));
    mor_decref(t->rt, r);
    return s;
}

/* ---- tables -------------------------------------------------------------------------------- */

static void tt_fill(tour_table *tb, int row, va_list ap)
{
    for (int c = 0; c < tb->ncols; c++) {
        const char *v = va_arg(ap, const char *);
        snprintf(tb->cell[row][c], TT_CELL, "%s", v ? v : "");
    }
}

void tt_begin(tour_table *tb, const char *align, ...)
{
    tb->ncols = (int)strlen(align);
    if (tb->ncols > TT_COLS)
        tb->ncols = TT_COLS;
    memcpy(tb->align, align, (size_t)tb->ncols);
    tb->nrows = 0;
    va_list ap;
    va_start(ap, align);
    tt_fill(tb, 0, ap);
    va_end(ap);
}

void tt_row(tour_table *tb, ...)
{
    if (tb->nrows == TT_ROWS)
        return;
    va_list ap;
    va_start(ap, tb);
    tt_fill(tb, ++tb->nrows, ap);
    va_end(ap);
}

/* Display width: UTF-8 continuation bytes take no column. */
static int text_width(const char *s)
{
    int w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            w++;
    return w;
}

void tt_print(const tour_table *tb)
{
    int width[TT_COLS] = {0};
    for (int r = 0; r <= tb->nrows; r++)
        for (int c = 0; c < tb->ncols; c++)
            if (text_width(tb->cell[r][c]) > width[c])
                width[c] = text_width(tb->cell[r][c]);
    for (int r = 0; r <= tb->nrows; r++) {
        printf("   ");
        for (int c = 0; c < tb->ncols; c++) {
            int pad = width[c] - text_width(tb->cell[r][c]);
            bool last = c == tb->ncols - 1;
            if (tb->align[c] == 'r')
                printf(" %*s%s", pad, "", tb->cell[r][c]);
            else
                printf(" %s%*s", tb->cell[r][c], last ? 0 : pad, "");
            if (!last)
                printf(" ");
        }
        putchar('\n');
        if (r == 0) {
            printf("   ");
            for (int c = 0; c < tb->ncols; c++) {
                putchar(' ');
                for (int k = 0; k < width[c]; k++)
                    putchar('-');
                if (c != tb->ncols - 1)
                    putchar(' ');
            }
            putchar('\n');
        }
    }
}

/* ---- measuring ------------------------------------------------------------------------------- */

uint64_t tour_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void tour_trace_on(tour *t)
{
    if (!mor_trace_is_tracing(t->rt))
        OKI(mor_trace_start(t->rt, 1));
}

int64_t tour_traced(tour *t)
{
    size_t cur, peak;
    mor_trace_get_memory(t->rt, &cur, &peak);
    return (int64_t)cur;
}

int64_t tour_traced_peak(tour *t)
{
    size_t cur, peak;
    mor_trace_get_memory(t->rt, &cur, &peak);
    return (int64_t)peak;
}

void tour_trace_reset_peak(tour *t) { mor_trace_reset_peak(t->rt); }

uint64_t tour_new_blocks(tour *t)
{
    mor_alloc_stats st;
    mor_alloc_get_stats(t->rt, &st);
    return st.total_allocs - st.total_reallocs; /* a reallocation counts in total_allocs too */
}

int tour_open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n - 1; /* the directory stream's own descriptor */
}

static const char *tmp_base(void)
{
    const char *b = getenv("TMPDIR");
    return b != NULL && *b != '\0' ? b : "/tmp";
}

const char *tour_tmpdir(tour *t)
{
    if (t->tmpdir[0] == '\0') {
        snprintf(t->tmpdir, sizeof(t->tmpdir), "%s/mor-tour-XXXXXX", tmp_base());
        if (mkdtemp(t->tmpdir) == NULL) {
            t->tmpdir[0] = '\0';
            tour_fail(t, "cannot make a scratch directory in %s", tmp_base());
        }
    }
    return t->tmpdir;
}

const char *tour_outdir(void)
{
#ifdef TOUR_OUTDIR
    if (access(TOUR_OUTDIR, W_OK) == 0)
        return TOUR_OUTDIR;
#endif
    return tmp_base();
}

int64_t tour_i64(tour *t, mor_obj *o)
{
    int64_t v;
    OKI(mor_int_to_i64(t->rt, o, &v));
    return v;
}

uint64_t tour_rand(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1Dull;
}

/* ---- mor helpers the sections share ------------------------------------------------------ */

/* The i-th item of a list or tuple (borrowed). */
mor_obj *item(mor_obj *seq, size_t i) { return mor_seq_items(seq, NULL)[i]; }

size_t seq_len(mor_obj *seq)
{
    size_t n = 0;
    mor_seq_items(seq, &n);
    return n;
}

/* list(range(start, stop)) */
mor_obj *range_list(tour *t, int64_t start, int64_t stop)
{
    mor_obj *r = OK(mor_range(t->rt, start, stop, 1));
    mor_obj *l = mor_list_from(t->rt, r);
    mor_decref(t->rt, r);
    return OK(l);
}

/* [x] * n: a list of n references to the one object x, sized exactly. */
mor_obj *repeat_list(tour *t, mor_obj *x, int64_t n)
{
    mor_obj *one = OK(mor_list(t->rt, 1, x)), *times = OK(mor_int(t->rt, n));
    mor_obj *l = mor_mul(t->rt, one, times);
    mor_decref(t->rt, one), mor_decref(t->rt, times);
    return OK(l);
}

/* A native function; `data` is its constant (may be NULL). */
mor_obj *func(tour *t, const char *name, mor_cfunc fn, mor_obj *data)
{
    return OK(mor_func_new(t->rt, name, fn, data));
}

mor_obj *obj_attr(tour *t, mor_obj *o, const char *name)
{
    return OK(mor_getattr(t->rt, o, name));
}

int64_t attr_i64(tour *t, mor_obj *o, const char *name)
{
    mor_obj *v = obj_attr(t, o, name);
    int64_t x = tour_i64(t, v);
    mor_decref(t->rt, v);
    return x;
}

uint64_t live_objects(tour *t) { return mor_rt_live_objects(t->rt); }

uint64_t gc_collections(tour *t)
{
    uint64_t n = 0;
    for (int g = 0; g < 3; g++) {
        mor_gc_stats st;
        mor_gc_get_stats(t->rt, g, &st);
        n += st.collections;
    }
    return n;
}

/* Print what fn writes to a FILE, indented under the section. */
void print_indented(tour *t, void (*fn)(mor_rt *, FILE *), char **text_out)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *mem = open_memstream(&buf, &n);
    if (mem == NULL)
        tour_fail(t, "open_memstream failed");
    fn(t->rt, mem);
    fclose(mem);
    for (char *line = buf; line != NULL && *line != '\0';) {
        char *end = strchr(line, '\n');
        int len = end ? (int)(end - line) : (int)strlen(line);
        printf("    %.*s\n", len, line);
        line = end ? end + 1 : NULL;
    }
    if (text_out != NULL)
        *text_out = buf;
    else
        free(buf);
}

const char *yes(bool b) { return b ? "True" : "False"; }

/* ---- the driver's side ----------------------------------------------------------------------- */

void tour_section_cleanup(tour *t)
{
    if (t->tmpdir[0] == '\0')
        return;
    DIR *d = opendir(t->tmpdir);
    if (d != NULL) {
        struct dirent *e;
        char path[512];
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(path, sizeof(path), "%s/%s", t->tmpdir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(t->tmpdir);
    t->tmpdir[0] = '\0';
}
