/* demos/versus/report.c: the suite's outputs: results.md (the Markdown table
 * with the mor/Boehm ratios), results.csv (every measure of every cell:
 * median, min, max), one SVG bar chart per main measure, and the --json lines.
 * The SVG is written by hand: a few rects and texts, no dependencies. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "driver.h"

/* The columns of the table, in order; those with a chart title get a chart.
 * The histogram column (name NULL) shows the five pause buckets. */
typedef struct vd_col {
    const char *name, *label, *chart_title;
    bool ratio; /* has a mor/mor-boehm ratio */
} vd_col;

static const vd_col cols[] = {
    {"wall", "wall s", "wall time (s)", true},
    {"cpu", "CPU s", "CPU time, user + system (s)", true},
    {"peak_rss", "peak RSS MiB", "peak RSS, VmHWM (MiB)", true},
    {"collections", "collections", "collections", true},
    {"max_pause", "longest pause ms", "longest collector pause (ms)", true},
    {NULL, "pauses <0.1 / 0.1-1 / 1-10 / 10-100 / >=100 ms", NULL, false},
    {"max_drop", "longest drop ms", NULL, false},
    {"rss_after", "RSS after MiB", "RSS right after the workload (MiB)", true},
    {"live_after", "held after MiB", "memory the allocator still holds after the workload (MiB)",
     true},
};
#define NCOLS (sizeof(cols) / sizeof(cols[0]))

static const char *const hist_names[VS_HIST_N] = VS_HIST_NAMES;
static const char *const colors[VD_NBACKENDS] = {"#1f77b4", "#ff7f0e", "#7f7f7f", "#d62728"};
static const char *const shown[VD_NBACKENDS] = {"mor", "mor-boehm", "malloc", "Boehm C"};

/* GCBench figures of the reference C program (/work/shared/reference/
 * boehm-figures.md: medians of 5 runs on an idle machine, full size only). */
#define REF_BOEHM_WALL_S 0.518
#define REF_BOEHM_CPU_S 0.512
#define REF_BOEHM_PEAK_MIB 109.5
#define REF_MALLOC_WALL_S 0.442
#define REF_MALLOC_CPU_S 0.438
#define REF_MALLOC_PEAK_MIB 73.3

static bool median_of(const vd_cell *c, const char *name, double *out)
{
    const vd_measure *m = c->status == VD_OK ? vd_find(c, name) : NULL;
    if (m == NULL || m->n == 0)
        return false;
    *out = vd_median(m);
    return true;
}

/* A number in 3 significant digits or so, without exponents. */
static const char *fmt(double v, char *buf, size_t size)
{
    double a = fabs(v);
    if (v == 0)
        snprintf(buf, size, "0");
    else if (a >= 100 || v == floor(v))
        snprintf(buf, size, "%.0f", v);
    else if (a >= 10)
        snprintf(buf, size, "%.1f", v);
    else if (a >= 1)
        snprintf(buf, size, "%.2f", v);
    else if (a >= 0.01)
        snprintf(buf, size, "%.3f", v);
    else
        snprintf(buf, size, "%.4f", v);
    return buf;
}

static bool ratio_of(const vd_results *r, size_t w, const char *name, double *out)
{
    double a, b;
    if (!median_of(&r->cell[w][VD_MOR], name, &a) || !median_of(&r->cell[w][VD_BOEHM], name, &b) ||
        b == 0)
        return false;
    *out = a / b;
    return true;
}

/* ---- Markdown ---------------------------------------------------------------------------------- */

static void md_row(FILE *f, const vd_results *r, size_t w, int b)
{
    const vd_cell *c = &r->cell[w][b];
    char buf[32];
    fprintf(f, "| %s | %s |", vd_workload_names[w], shown[b]);
    if (c->status != VD_OK) {
        fprintf(f, " **%s** (%s) |", c->status == VD_TIMEOUT ? "DNF" : "FAILED", c->why);
        for (size_t i = 1; i < NCOLS; i++)
            fprintf(f, " — |");
        fprintf(f, "\n");
        return;
    }
    for (size_t i = 0; i < NCOLS; i++) {
        double v;
        if (cols[i].name != NULL) {
            fprintf(f, " %s |", median_of(c, cols[i].name, &v) ? fmt(v, buf, sizeof(buf)) : "—");
            continue;
        }
        fprintf(f, " ");
        for (size_t h = 0; h < VS_HIST_N; h++)
            fprintf(f, "%s%s", h ? " / " : "",
                    median_of(c, hist_names[h], &v) ? fmt(v, buf, sizeof(buf)) : "—");
        fprintf(f, " |");
    }
    fprintf(f, "\n");
}

static void md_ratio_row(FILE *f, const vd_results *r, size_t w)
{
    char buf[32];
    fprintf(f, "| %s | **mor / mor-boehm** |", vd_workload_names[w]);
    for (size_t i = 0; i < NCOLS; i++) {
        double x;
        if (cols[i].ratio && ratio_of(r, w, cols[i].name, &x))
            fprintf(f, " **%s** |", fmt(x, buf, sizeof(buf)));
        else
            fprintf(f, " |");
    }
    fprintf(f, "\n");
}

typedef struct vd_trio {
    double wall, cpu, peak;
} vd_trio;

static bool trio_of(const vd_cell *c, vd_trio *t)
{
    return median_of(c, "wall", &t->wall) && median_of(c, "cpu", &t->cpu) &&
           median_of(c, "peak_rss", &t->peak);
}

static void md_target_row(FILE *f, const char *against, vd_trio m, vd_trio o)
{
    fprintf(f, "| %s | %.2f s, %.2f s, %.0f MiB | %.2f | %.2f | %s | %.2f | %s |\n", against,
            o.wall, o.cpu, o.peak, m.wall / o.wall, m.cpu / o.cpu,
            m.cpu <= o.cpu ? "yes" : "**no**", m.peak / o.peak, m.peak <= 0.8 * o.peak ? "yes" : "**no**");
}

/* The GCBench target: mor takes at most Boehm's time with at most 80% of its
 * peak RSS. Time is judged on CPU time, which a loaded machine inflates less
 * than wall time. */
static void md_targets(FILE *f, const vd_results *r)
{
    if (!r->selected[VS_TREES])
        return;
    vd_trio m, o;
    fprintf(f, "\n### GCBench targets\n\n");
    if (r->quick || !trio_of(&r->cell[VS_TREES][VD_MOR], &m)) {
        fprintf(f, "Not checked: %s.\n", r->quick ? "--quick runs smaller trees" : "no mor figures");
        return;
    }
    fprintf(f, "mor should take at most Boehm's time with at most 80%% of its peak RSS. mor's "
               "trees: %.2f s wall, %.2f s CPU, %.0f MiB. Time is judged on CPU time, which a "
               "loaded machine inflates less than wall time.\n\n"
               "| against | its wall, CPU, peak RSS | wall: mor / it | CPU: mor / it | met | "
               "peak RSS: mor / it | met (<= 0.80) |\n|---|---|---|---|---|---|---|\n",
            m.wall, m.cpu, m.peak);
    md_target_row(f, "reference C program, Boehm 8.2.2 defaults (idle machine)", m,
                  (vd_trio){REF_BOEHM_WALL_S, REF_BOEHM_CPU_S, REF_BOEHM_PEAK_MIB});
    if (trio_of(&r->cell[VS_TREES][VD_BOEHM_C], &o))
        md_target_row(f, "Boehm C, this run", m, o);
    if (trio_of(&r->cell[VS_TREES][VD_BOEHM], &o))
        md_target_row(f, "mor-boehm, this run", m, o);
    fprintf(f, "\nFor scale: malloc/free in the reference program, %.2f s wall, %.2f s CPU, "
               "%.0f MiB.\n",
            REF_MALLOC_WALL_S, REF_MALLOC_CPU_S, REF_MALLOC_PEAK_MIB);
}

static void md_extras(FILE *f, const vd_results *r)
{
    fprintf(f, "\n### Workload figures\n\n| workload | backend | figure | value |\n|---|---|---|---|\n");
    for (size_t w = 0; w < VS_NWORKLOADS; w++) {
        for (int b = 0; b < VD_NBACKENDS; b++) {
            const vd_cell *c = &r->cell[w][b];
            for (int i = 0; c->status == VD_OK && i < c->nm; i++) {
                const vd_measure *m = &c->m[i];
                bool common = strcmp(m->name, "sys") == 0 || strcmp(m->name, "gc_time") == 0 ||
                              strncmp(m->name, "pauses_", 7) == 0;
                for (size_t k = 0; k < NCOLS; k++)
                    common |= cols[k].name != NULL && strcmp(m->name, cols[k].name) == 0;
                char buf[32];
                if (!common)
                    fprintf(f, "| %s | %s | %s | %s%s%s |\n", vd_workload_names[w], shown[b],
                            m->name, fmt(vd_median(m), buf, sizeof(buf)),
                            strcmp(m->unit, "count") ? " " : "", strcmp(m->unit, "count") ? m->unit : "");
            }
        }
    }
}

static void md_write(FILE *f, const vd_results *r)
{
    fprintf(f, "## mor vs Boehm vs malloc/free%s\n\n", r->quick ? " (--quick: small sizes)" : "");
    fprintf(f, "Medians of %d run%s, each workload x backend in a fresh process. Machine: %s.\n\n",
            r->runs, r->runs == 1 ? "" : "s", r->machine);
    for (int b = 0; b < VD_NBACKENDS; b++)
        fprintf(f, "- %s\n", r->info[b]);
    fprintf(f, "- the malloc rows run with `GLIBC_TUNABLES=%s`: glibc's trimming off, "
               "as in the reference figures\n",
            vd_malloc_tunables);
    fprintf(f, "\nwall and CPU: around the workload, in the worker. Pauses: mor's gc callbacks; "
               "Boehm's GC_EVENT_START..END (its lazy sweep inside later allocations is not a "
               "pause here). \"after\": right after the workload released everything, nothing "
               "collected on purpose (mor: bytes held from the allocator, object pools "
               "included; Boehm: heap blocks not free; malloc: mallinfo2 in use). A drop is one "
               "explicit release (a tree, a list), timed by the workload.\n\n");
    fprintf(f, "| workload | backend |");
    for (size_t i = 0; i < NCOLS; i++)
        fprintf(f, " %s |", cols[i].label);
    fprintf(f, "\n|---|---|");
    for (size_t i = 0; i < NCOLS; i++)
        fprintf(f, "---|");
    fprintf(f, "\n");
    for (size_t w = 0; w < VS_NWORKLOADS; w++) {
        if (!r->selected[w])
            continue;
        for (int b = 0; b < VD_NBACKENDS; b++)
            if (r->cell[w][b].status != VD_NOT_RUN)
                md_row(f, r, w, b);
        md_ratio_row(f, r, w);
    }
    md_targets(f, r);
    md_extras(f, r);
    fprintf(f, "\nReproduce: `meson setup build-rel --buildtype=release -Ddebug_level=0 && "
               "ninja -C build-rel && build-rel/demos/%s`.\n",
            r->command);
}

/* ---- CSV ----------------------------------------------------------------------------------------- */

static void csv_write(FILE *f, const vd_results *r)
{
    fprintf(f, "workload,backend,measure,unit,median,min,max,runs,status\n");
    static const char *const status[] = {"not run", "ok", "failed", "did not finish"};
    for (size_t w = 0; w < VS_NWORKLOADS; w++) {
        for (int b = 0; b < VD_NBACKENDS; b++) {
            const vd_cell *c = &r->cell[w][b];
            if (c->status != VD_OK && c->status != VD_NOT_RUN)
                fprintf(f, "%s,%s,,,,,,0,%s\n", vd_workload_names[w], vd_backend_names[b],
                        status[c->status]);
            for (int i = 0; c->status == VD_OK && i < c->nm; i++) {
                const vd_measure *m = &c->m[i];
                fprintf(f, "%s,%s,%s,%s,%.6g,%.6g,%.6g,%d,ok\n", vd_workload_names[w],
                        vd_backend_names[b], m->name, m->unit, vd_median(m), m->v[0],
                        m->v[m->n - 1], m->n);
            }
        }
        double x;
        for (size_t i = 0; i < NCOLS; i++)
            if (cols[i].ratio && ratio_of(r, w, cols[i].name, &x))
                fprintf(f, "%s,mor/mor-boehm,%s,x,%.6g,,,,ok\n", vd_workload_names[w], cols[i].name, x);
    }
}

/* ---- SVG: per measure, a group of bars per workload, each group scaled to its own largest
 * bar (the workloads differ by orders of magnitude) ---------------------------------------------- */

#define SVG_W 760
#define SVG_LABEL 150 /* the workload names */
#define SVG_BARS 470  /* the longest bar */
#define SVG_BAR 13
#define SVG_GAP 3
#define SVG_GROUP 12
#define SVG_TOP 62

static int svg_write(FILE *f, const vd_results *r, const vd_col *col)
{
    int h = SVG_TOP;
    for (size_t w = 0; w < VS_NWORKLOADS; w++) {
        int bars = 0;
        for (int b = 0; r->selected[w] && b < VD_NBACKENDS; b++)
            bars += r->cell[w][b].status != VD_NOT_RUN;
        h += bars ? bars * (SVG_BAR + SVG_GAP) + SVG_GROUP : 0;
    }
    h += 24;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
               "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">\n",
            SVG_W, h, SVG_W, h);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    fprintf(f, "<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">%s%s</text>\n",
            col->chart_title, r->quick ? " (--quick)" : "");
    fprintf(f, "<text x=\"10\" y=\"37\" fill=\"#555\">median of %d run%s; each workload's bars "
               "are scaled to its own largest value</text>\n",
            r->runs, r->runs == 1 ? "" : "s");
    for (int b = 0; b < VD_NBACKENDS; b++) {
        int x = 10 + b * 100;
        fprintf(f, "<rect x=\"%d\" y=\"44\" width=\"10\" height=\"10\" fill=\"%s\"/>"
                   "<text x=\"%d\" y=\"53\">%s</text>\n",
                x, colors[b], x + 14, shown[b]);
    }
    int y = SVG_TOP;
    for (size_t w = 0; w < VS_NWORKLOADS; w++) {
        if (!r->selected[w])
            continue;
        double top = 0, v;
        int bars = 0;
        for (int b = 0; b < VD_NBACKENDS; b++) {
            bars += r->cell[w][b].status != VD_NOT_RUN;
            if (median_of(&r->cell[w][b], col->name, &v) && v > top)
                top = v;
        }
        if (bars == 0)
            continue;
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-weight=\"bold\">%s</text>\n",
                SVG_LABEL - 8, y + (bars * (SVG_BAR + SVG_GAP)) / 2 + 4, vd_workload_names[w]);
        for (int b = 0; b < VD_NBACKENDS; b++) {
            const vd_cell *c = &r->cell[w][b];
            if (c->status == VD_NOT_RUN)
                continue;
            char buf[32];
            if (median_of(c, col->name, &v)) {
                int len = top > 0 ? (int)lround(v / top * SVG_BARS) : 0;
                fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>"
                           "<text x=\"%d\" y=\"%d\">%s</text>\n",
                        SVG_LABEL, y, len, SVG_BAR, colors[b], SVG_LABEL + len + 4, y + SVG_BAR - 3,
                        fmt(v, buf, sizeof(buf)));
            } else {
                fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>\n", SVG_LABEL + 2,
                        y + SVG_BAR - 3, colors[b],
                        c->status == VD_TIMEOUT ? "did not finish" : c->status == VD_FAILED ? "failed" : "—");
            }
            y += SVG_BAR + SVG_GAP;
        }
        y += SVG_GROUP;
    }
    fprintf(f, "</svg>\n");
    return ferror(f) ? -1 : 0;
}

/* ---- files ------------------------------------------------------------------------------------------ */

static FILE *open_out(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        perror(path);
    return f;
}

static int close_out(FILE *f) { return fclose(f) == 0 ? 0 : -1; }

int vd_write_report(const vd_results *r, const char *dir, bool print_table)
{
    FILE *f = open_out(dir, "results.md");
    if (f == NULL)
        return -1;
    md_write(f, r);
    if (close_out(f) != 0)
        return -1;
    if (print_table)
        md_write(stdout, r);
    if ((f = open_out(dir, "results.csv")) == NULL)
        return -1;
    csv_write(f, r);
    if (close_out(f) != 0)
        return -1;
    for (size_t i = 0; i < NCOLS; i++) {
        if (cols[i].name == NULL || cols[i].chart_title == NULL)
            continue;
        char name[64];
        snprintf(name, sizeof(name), "%s.svg", cols[i].name);
        if ((f = open_out(dir, name)) == NULL)
            return -1;
        int rc = svg_write(f, r, &cols[i]);
        if (close_out(f) != 0 || rc != 0)
            return -1;
    }
    return 0;
}

void vd_print_json(const vd_results *r, FILE *out)
{
    for (size_t w = 0; w < VS_NWORKLOADS; w++) {
        for (int b = 0; b < VD_NBACKENDS; b++) {
            const vd_cell *c = &r->cell[w][b];
            if (c->status == VD_NOT_RUN)
                continue;
            fprintf(out, "{\"name\": \"%s.%s.finished\", \"value\": %d, \"unit\": \"bool\"}\n",
                    vd_workload_names[w], vd_backend_names[b], c->status == VD_OK);
            for (int i = 0; c->status == VD_OK && i < c->nm; i++)
                fprintf(out, "{\"name\": \"%s.%s.%s\", \"value\": %.6g, \"unit\": \"%s\"}\n",
                        vd_workload_names[w], vd_backend_names[b], c->m[i].name,
                        vd_median(&c->m[i]), c->m[i].unit);
        }
        double x;
        for (size_t i = 0; i < NCOLS; i++)
            if (cols[i].ratio && ratio_of(r, w, cols[i].name, &x))
                fprintf(out, "{\"name\": \"%s.mor_over_mor-boehm.%s\", \"value\": %.4g, \"unit\": \"x\"}\n",
                        vd_workload_names[w], cols[i].name, x);
    }
}
