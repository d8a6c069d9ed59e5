/* demos/versus/driver.c: the comparison suite's driver. Runs every workload
 * under every backend, each run in a fresh worker process (so that peak RSS
 * is per run), the backends interleaved run by run so that a drift of the
 * machine hits them alike; collects the workers' JSON lines and hands the
 * medians to report.c.
 *
 *     versus [--quick] [--json] [--runs N] [--out DIR] [--only W[,W...]] [--timeout S]
 *
 * The workers (versus-mor, versus-boehm, versus-malloc, versus-boehm-c) sit
 * beside this program. The malloc rows run with glibc's trimming off
 * (GLIBC_TUNABLES). */
#define _GNU_SOURCE

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "driver.h"

const char *const vd_backend_names[VD_NBACKENDS] = {"mor", "boehm", "malloc", "boehm-c"};
#define VD_NAME_(id, name, title, m) name,
const char *const vd_workload_names[VS_NWORKLOADS] = {VS_WORKLOADS(VD_NAME_)};
#undef VD_NAME_
#define VD_TITLE_(id, name, title, m) title,
const char *const vd_workload_titles[VS_NWORKLOADS] = {VS_WORKLOADS(VD_TITLE_)};
#undef VD_TITLE_
#define VD_MALLOC_(id, name, title, m) m,
const bool vd_has_plain_c[VS_NWORKLOADS] = {VS_WORKLOADS(VD_MALLOC_)};
#undef VD_MALLOC_

const char *const vd_malloc_tunables =
    "glibc.malloc.trim_threshold=4294967295:glibc.malloc.mmap_threshold=4294967295";

static vd_results R;
static char worker_dir[PATH_MAX];
static char out_dir[PATH_MAX] = "versus-out";
static bool tty;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- measures ------------------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

const vd_measure *vd_find(const vd_cell *c, const char *name)
{
    for (int i = 0; i < c->nm; i++)
        if (strcmp(c->m[i].name, name) == 0)
            return &c->m[i];
    return NULL;
}

double vd_median(const vd_measure *m) { return m->v[m->n / 2]; }

static void add_value(vd_cell *c, const char *name, const char *unit, double v)
{
    vd_measure *m = (vd_measure *)vd_find(c, name);
    if (m == NULL) {
        if (c->nm == VD_MAX_MEASURES)
            return;
        m = &c->m[c->nm++];
        snprintf(m->name, sizeof(m->name), "%s", name);
        snprintf(m->unit, sizeof(m->unit), "%s", unit);
    }
    if (m->n < VD_MAX_RUNS)
        m->v[m->n++] = v;
}

/* The string value of "key": "..." in a JSON line, into out. */
static bool json_str(const char *line, const char *key, char *out, size_t size)
{
    char pat[32];
    snprintf(pat, sizeof(pat), "\"%s\": \"", key);
    const char *p = strstr(line, pat);
    if (p == NULL)
        return false;
    p += strlen(pat);
    const char *e = strchr(p, '"');
    if (e == NULL || (size_t)(e - p) >= size)
        return false;
    memcpy(out, p, (size_t)(e - p));
    out[e - p] = '\0';
    return true;
}

/* Read a worker's output file into the cell; the number of measures read. */
static int read_output(vd_cell *c, const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    char line[512], name[VD_NAME], unit[16];
    int n = 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        const char *v = strstr(line, "\"value\": ");
        if (v == NULL || !json_str(line, "name", name, sizeof(name)) ||
            !json_str(line, "unit", unit, sizeof(unit)))
            continue;
        add_value(c, name, unit, strtod(v + 9, NULL));
        n++;
    }
    fclose(f);
    return n;
}

/* The last non-empty line of a file, into out. */
static void last_line(const char *path, char *out, size_t size)
{
    out[0] = '\0';
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return;
    char line[512];
    while (fgets(line, sizeof(line), f) != NULL) {
        size_t n = strcspn(line, "\n");
        if (n == 0)
            continue;
        if (n >= size)
            n = size - 1;
        memcpy(out, line, n);
        out[n] = '\0';
    }
    fclose(f);
}

/* ---- running one worker ------------------------------------------------------------------------ */

/* Run `worker args...` with stdout and stderr into files; its exit status
 * (as waitpid gives it), or -1 when it had to be killed after the limit. */
static int spawn(vd_backend b, char *const argv[], const char *out, const char *err,
                 double limit_s)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        perror("versus: fork");
        exit(1);
    }
    if (pid == 0) {
        if (freopen(out, "w", stdout) == NULL || freopen(err, "w", stderr) == NULL)
            _exit(126);
        if (b == VD_MALLOC)
            setenv("GLIBC_TUNABLES", vd_malloc_tunables, 1);
        execv(argv[0], argv);
        fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    double deadline = now_s() + limit_s;
    for (;;) {
        int st;
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid)
            return st;
        if (r < 0 && errno != EINTR) {
            perror("versus: waitpid");
            exit(1);
        }
        if (now_s() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            return -1;
        }
        struct timespec pause = {0, 2000000};
        nanosleep(&pause, NULL);
    }
}

static bool applies(vs_workload w, vd_backend b)
{
    return (b != VD_MALLOC && b != VD_BOEHM_C) || vd_has_plain_c[w];
}

static void worker_path(vd_backend b, char *out, size_t size)
{
    snprintf(out, size, "%s/versus-%s", worker_dir, vd_backend_names[b]);
}

static void run_one(vs_workload w, vd_backend b, int run)
{
    vd_cell *c = &R.cell[w][b];
    char exe[PATH_MAX + 32], out[PATH_MAX + 64], err[PATH_MAX + 64];
    worker_path(b, exe, sizeof(exe));
    snprintf(out, sizeof(out), "%s/raw/%s-%s-%d.jsonl", out_dir, vd_workload_names[w],
             vd_backend_names[b], run);
    snprintf(err, sizeof(err), "%s/raw/%s-%s-%d.err", out_dir, vd_workload_names[w],
             vd_backend_names[b], run);
    char *argv[4] = {exe, (char *)vd_workload_names[w], R.quick ? (char *)"--quick" : NULL,
                     NULL};
    int st = spawn(b, argv, out, err, R.timeout_s);
    if (st == -1) {
        c->status = VD_TIMEOUT;
        snprintf(c->why, sizeof(c->why), "did not finish in %.0f s", R.timeout_s);
        return;
    }
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0 && read_output(c, out) > 0) {
        c->status = VD_OK;
        return;
    }
    char tail[120];
    last_line(err, tail, sizeof(tail));
    c->status = VD_FAILED;
    if (WIFSIGNALED(st))
        snprintf(c->why, sizeof(c->why), "killed by signal %d%s%s", WTERMSIG(st),
                 tail[0] ? ": " : "", tail);
    else
        snprintf(c->why, sizeof(c->why), "exit status %d%s%s", WEXITSTATUS(st),
                 tail[0] ? ": " : "", tail);
}

/* The worker's --info line, or why it is missing. */
static void read_info(vd_backend b)
{
    char exe[PATH_MAX + 32], out[PATH_MAX + 64], err[PATH_MAX + 64];
    worker_path(b, exe, sizeof(exe));
    R.built[b] = access(exe, X_OK) == 0;
    if (!R.built[b]) {
        snprintf(R.info[b], sizeof(R.info[b]), "%s: not built (%s)", vd_backend_names[b],
                 b == VD_BOEHM || b == VD_BOEHM_C ? "no bdw-gc; Debian: libgc-dev" : "missing");
        return;
    }
    snprintf(out, sizeof(out), "%s/raw/info-%s.txt", out_dir, vd_backend_names[b]);
    snprintf(err, sizeof(err), "%s/raw/info-%s.err", out_dir, vd_backend_names[b]);
    char *argv[3] = {exe, (char *)"--info", NULL};
    int st = spawn(b, argv, out, err, 30);
    last_line(st == 0 ? out : err, R.info[b], sizeof(R.info[b]));
    if (st != 0)
        R.built[b] = false;
}

/* ---- the machine ------------------------------------------------------------------------------- */

static void first_match(const char *path, const char *key, char *out, size_t size)
{
    out[0] = '\0';
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return;
    char line[512];
    while (fgets(line, sizeof(line), f) != NULL) {
        if (key == NULL || strncmp(line, key, strlen(key)) == 0) {
            char *p = key == NULL ? line : strchr(line, ':');
            p = p == NULL ? line : p + (key != NULL);
            p += strspn(p, " \t");
            p[strcspn(p, "\n")] = '\0';
            snprintf(out, size, "%s", p);
            break;
        }
    }
    fclose(f);
}

static void describe_machine(const char *load_before)
{
    char cpu[160], load[96], mem[64];
    first_match("/proc/cpuinfo", "model name", cpu, sizeof(cpu));
    first_match("/proc/loadavg", NULL, load, sizeof(load));
    first_match("/proc/meminfo", "MemTotal", mem, sizeof(mem));
    snprintf(mem, sizeof(mem), "%.1f GiB", strtod(mem, NULL) / (1024.0 * 1024.0)); /* kB */
    struct utsname u;
    if (uname(&u) != 0)
        memset(&u, 0, sizeof(u));
    double b[3] = {0, 0, 0}, a[3] = {0, 0, 0};
    sscanf(load_before, "%lf %lf %lf", &b[0], &b[1], &b[2]);
    sscanf(load, "%lf %lf %lf", &a[0], &a[1], &a[2]);
    snprintf(R.machine, sizeof(R.machine),
             "CPU %s, nproc %ld, memory %s, kernel %s %s; load average (1/5/15 min) "
             "%.2f %.2f %.2f before, %.2f %.2f %.2f after",
             cpu[0] ? cpu : "?", sysconf(_SC_NPROCESSORS_ONLN), mem, u.sysname, u.release, b[0],
             b[1], b[2], a[0], a[1], a[2]);
}

/* ---- main ---------------------------------------------------------------------------------------- */

static void progress(int done, int total, vs_workload w, vd_backend b, int run)
{
    fprintf(stderr, "%sversus: [%d/%d] %-16s %-7s run %d of %d%s", tty ? "\r\033[K" : "", done,
            total, vd_workload_names[w], vd_backend_names[b], run + 1, R.runs, tty ? "" : "\n");
}

static int usage(void)
{
    fprintf(stderr,
            "usage: versus [--quick] [--json] [--runs N] [--out DIR] [--only W[,W...]] "
            "[--timeout S]\n"
            "  --quick    small sizes, one run (a smoke test, for CI)\n"
            "  --json     print {\"name\", \"value\", \"unit\"} lines instead of the table\n"
            "  --runs N   fresh-process runs per workload and backend (default 3); medians\n"
            "  --out DIR  where results.md, results.csv and the SVG charts go "
            "(default ./versus-out)\n"
            "  --only     a comma-separated list of workloads\n"
            "  --timeout  seconds before a run is killed and counted as not finished\n"
            "             (default 120; 30 with --quick)\n");
    return 2;
}

static bool select_workloads(const char *list)
{
    char buf[512];
    snprintf(buf, sizeof(buf), "%s", list);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        size_t w = 0;
        while (w < VS_NWORKLOADS && strcmp(vd_workload_names[w], t) != 0)
            w++;
        if (w == VS_NWORKLOADS) {
            fprintf(stderr, "versus: no workload '%s'\n", t);
            return false;
        }
        R.selected[w] = true;
    }
    return true;
}

int main(int argc, char **argv)
{
    bool json = false;
    int runs = -1;
    double timeout = -1;
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--quick") == 0)
            R.quick = true;
        else if (strcmp(a, "--json") == 0)
            json = true;
        else if (strcmp(a, "--runs") == 0 && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (strcmp(a, "--out") == 0 && i + 1 < argc)
            snprintf(out_dir, sizeof(out_dir), "%s", argv[++i]);
        else if (strcmp(a, "--only") == 0 && i + 1 < argc)
            only = argv[++i];
        else if (strcmp(a, "--timeout") == 0 && i + 1 < argc)
            timeout = atof(argv[++i]);
        else
            return usage();
    }
    R.runs = runs > 0 ? (runs > VD_MAX_RUNS ? VD_MAX_RUNS : runs) : (R.quick ? 1 : 3);
    R.timeout_s = timeout > 0 ? timeout : (R.quick ? 30 : 120);
    for (size_t w = 0; w < VS_NWORKLOADS; w++)
        R.selected[w] = only == NULL;
    if (only != NULL && !select_workloads(only))
        return 2;
    snprintf(R.command, sizeof(R.command), "%s", "versus");
    for (int i = 1; i < argc; i++) {
        size_t l = strlen(R.command);
        snprintf(R.command + l, sizeof(R.command) - l, " %s", argv[i]);
    }

    /* the workers live beside this program */
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0) {
        perror("versus: /proc/self/exe");
        return 1;
    }
    self[n] = '\0';
    *strrchr(self, '/') = '\0';
    snprintf(worker_dir, sizeof(worker_dir), "%s", self);
    char raw[PATH_MAX + 8];
    snprintf(raw, sizeof(raw), "%s/raw", out_dir);
    if ((mkdir(out_dir, 0777) != 0 && errno != EEXIST) || (mkdir(raw, 0777) != 0 && errno != EEXIST)) {
        fprintf(stderr, "versus: cannot create %s: %s\n", raw, strerror(errno));
        return 1;
    }
    tty = isatty(2);
    char load_before[96];
    first_match("/proc/loadavg", NULL, load_before, sizeof(load_before));
    for (int b = 0; b < VD_NBACKENDS; b++)
        read_info((vd_backend)b);
    if (!R.built[VD_MOR]) {
        fprintf(stderr, "versus: %s\n", R.info[VD_MOR]);
        return 1;
    }

    int total = 0, done = 0;
    for (size_t w = 0; w < VS_NWORKLOADS; w++)
        for (int b = 0; b < VD_NBACKENDS; b++)
            total += R.selected[w] && R.built[b] && applies((vs_workload)w, (vd_backend)b);
    total *= R.runs;
    for (int run = 0; run < R.runs; run++) {
        for (size_t w = 0; w < VS_NWORKLOADS; w++) {
            for (int b = 0; b < VD_NBACKENDS; b++) {
                if (!R.selected[w] || !R.built[b] || !applies((vs_workload)w, (vd_backend)b))
                    continue;
                vd_cell *c = &R.cell[w][b];
                progress(++done, total, (vs_workload)w, (vd_backend)b, run);
                if (c->status == VD_FAILED || c->status == VD_TIMEOUT)
                    continue; /* no second try: it would fail or hang again */
                run_one((vs_workload)w, (vd_backend)b, run);
            }
        }
    }
    if (tty)
        fprintf(stderr, "\r\033[K");
    for (size_t w = 0; w < VS_NWORKLOADS; w++)
        for (int b = 0; b < VD_NBACKENDS; b++)
            for (int i = 0; i < R.cell[w][b].nm; i++)
                qsort(R.cell[w][b].m[i].v, (size_t)R.cell[w][b].m[i].n, sizeof(double), cmp_double);
    describe_machine(load_before);

    if (vd_write_report(&R, out_dir, !json) != 0)
        return 1;
    if (json)
        vd_print_json(&R, stdout);
    int bad = 0;
    for (size_t w = 0; w < VS_NWORKLOADS; w++) {
        for (int b = 0; b < VD_NBACKENDS; b++) {
            const vd_cell *c = &R.cell[w][b];
            bool counts = c->status == VD_FAILED || (R.quick && c->status == VD_TIMEOUT);
            if (counts || c->status == VD_TIMEOUT)
                fprintf(stderr, "versus: %s under %s: %s\n", vd_workload_names[w],
                        vd_backend_names[b], c->why);
            bad += counts;
        }
    }
    fprintf(stderr, "versus: results in %s/ (results.md, results.csv, *.svg)\n", out_dir);
    return bad ? 1 : 0;
}
