/* runtime/inspect/profile.c: line-by-line memory profiles in the manner of
 * memory_profiler: MOR_PROFILE_LINE marks record the traced bytes after a
 * statement; mor_profile_print shows, per function, each marked line's
 * memory and its increment since the mark before it, beside its source. */
#include "../core/rt.h"
#include "../mem/trace.h"
#include "symbolize.h"

__attribute__((noinline)) void mor_profile_mark(mor_rt *rt, const char *file, int line,
                                                 const char *func)
{
    mori_tracer *t = rt->tracer;
    if (t == NULL || !t->tracing || file == NULL)
        return; /* nothing to measure */
    if (t->nmarks == t->markcap) {
        size_t cap = t->markcap ? t->markcap * 2 : 64;
        mori_profile_mark *m = realloc(t->marks, cap * sizeof(*m));
        if (m == NULL)
            return;
        t->overhead += (cap - t->markcap) * sizeof(*m);
        t->marks = m;
        t->markcap = cap;
    }
    if (t->nmarks == 0)
        t->mark_base = t->current;
    mori_profile_mark *m = &t->marks[t->nmarks++];
    m->file = file;
    m->func = func ? func : "?";
    m->line = line;
    m->bytes = t->current;
    m->ip = (uintptr_t)__builtin_return_address(0);
}

void mor_profile_clear(mor_rt *rt)
{
    if (rt->tracer != NULL)
        rt->tracer->nmarks = 0;
}

/* One row per marked line of a function: the last usage seen on it and the
 * sum of its increments (a line run many times adds up, like memory_profiler). */
typedef struct prof_row {
    int line;
    int64_t usage, increment;
    bool marked;
} prof_row;

/* The source file of a mark: its __FILE__, or where the debug info says the
 * code is (__FILE__ is relative to the directory the compiler ran in). */
static FILE *profile_open_source(mor_rt *rt, const mori_profile_mark *m, const char **shown)
{
    *shown = m->file;
    FILE *f = fopen(m->file, "r");
    if (f == NULL && m->ip != 0 && mori_symbolize_has_lines()) {
        mori_symbol sym;
        mori_symbolize(rt, m->ip, &sym);
        f = fopen(sym.file, "r");
        if (f != NULL)
            *shown = sym.file;
    }
    return f;
}

/* Print the source lines first..last of the mark's file, with the rows' figures. */
static void profile_print_function(mor_rt *rt, FILE *out, const mori_profile_mark *m0,
                                   const prof_row *rows, size_t nrows, double unit,
                                   const char *uname)
{
    int first = rows[0].line, last = rows[nrows - 1].line;
    const char *file;
    FILE *src = profile_open_source(rt, m0, &file);
    fprintf(out, "Filename: %s   function: %s\n\n", file, m0->func);
    fprintf(out, "Line #    Mem usage    Increment   Line Contents\n");
    fprintf(out, "================================================\n");
    char text[1024];
    int lineno = 0;
    size_t r = 0;
    for (int l = first; l <= last; l++) {
        const char *contents = "";
        if (src != NULL) {
            while (lineno < l && fgets(text, sizeof(text), src) != NULL) {
                lineno++;
                text[strcspn(text, "\n")] = '\0';
            }
            if (lineno == l)
                contents = text;
        }
        while (r < nrows && rows[r].line < l)
            r++;
        if (r < nrows && rows[r].line == l)
            fprintf(out, "%6d %8.1f %s %8.1f %s   %s\n", l, (double)rows[r].usage / unit, uname,
                    (double)rows[r].increment / unit, uname, contents);
        else if (src != NULL)
            fprintf(out, "%6d %28s   %s\n", l, "", contents);
    }
    if (src == NULL)
        fprintf(out, "(source file not found: line contents omitted)\n");
    else
        fclose(src);
    fputc('\n', out);
}

static int prof_row_cmp(const void *a, const void *b)
{
    return ((const prof_row *)a)->line - ((const prof_row *)b)->line;
}

void mor_profile_print(mor_rt *rt, FILE *out)
{
    mori_tracer *t = rt->tracer;
    if (t == NULL || t->nmarks == 0) {
        fprintf(out, "(no MOR_PROFILE_LINE marks recorded: is tracing on?)\n");
        return;
    }
    /* units: MiB unless every figure is small */
    int64_t maxv = 0;
    for (size_t i = 0; i < t->nmarks; i++)
        if ((int64_t)t->marks[i].bytes > maxv)
            maxv = (int64_t)t->marks[i].bytes;
    double unit = maxv >= 1024 * 1024 ? 1024.0 * 1024.0 : 1024.0;
    const char *uname = maxv >= 1024 * 1024 ? "MiB" : "KiB";
    bool *done = calloc(t->nmarks, sizeof(bool));
    prof_row *rows = calloc(t->nmarks, sizeof(prof_row));
    if (done == NULL || rows == NULL) {
        free(done);
        free(rows);
        return;
    }
    /* one table per (file, function), in the order they first appear */
    for (size_t i = 0; i < t->nmarks; i++) {
        if (done[i])
            continue;
        const mori_profile_mark *m0 = &t->marks[i];
        size_t nrows = 0;
        for (size_t j = i; j < t->nmarks; j++) {
            const mori_profile_mark *m = &t->marks[j];
            if (done[j] || strcmp(m->file, m0->file) != 0 || strcmp(m->func, m0->func) != 0)
                continue;
            done[j] = true;
            int64_t prev = j > 0 ? (int64_t)t->marks[j - 1].bytes : (int64_t)t->mark_base;
            size_t k = 0;
            while (k < nrows && rows[k].line != m->line)
                k++;
            if (k == nrows) {
                rows[nrows].line = m->line;
                rows[nrows].increment = 0;
                nrows++;
            }
            rows[k].usage = (int64_t)m->bytes;
            rows[k].increment += (int64_t)m->bytes - prev;
        }
        qsort(rows, nrows, sizeof(prof_row), prof_row_cmp);
        profile_print_function(rt, out, m0, rows, nrows, unit, uname);
    }
    free(done);
    free(rows);
}
