/* demos/versus/worker.c: the main program of every worker. Runs one workload
 * in this (fresh) process and prints its figures as JSON lines:
 *
 *     versus-mor trees [--quick]
 *     versus-mor --info          (one line: the backend and its version)
 *
 * Times are taken around the workload only (the backend is set up before and
 * torn down after); peak RSS is the process's VmHWM, read right after the
 * workload; "after" figures are read at the same moment, with nothing
 * collected on purpose, to show how promptly memory came back. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "versus.h"

#define VS_MAX_REPORTS 32

typedef struct vs_extra {
    const char *name, *unit;
    double value;
} vs_extra;

static struct {
    uint64_t collections, total_ns, max_ns;
    uint64_t hist[VS_HIST_N];
    uint64_t drops, max_drop_ns;
    vs_extra extra[VS_MAX_REPORTS];
    size_t nextra;
} vs;

static const double hist_edges_ms[VS_HIST_N - 1] = VS_HIST_EDGES_MS;
static const char *const hist_names[VS_HIST_N] = VS_HIST_NAMES;
#define VS_ID_(id, name, title, m) name,
static const char *const workload_names[VS_NWORKLOADS] = {VS_WORKLOADS(VS_ID_)};
#undef VS_ID_

uint64_t vs_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void vs_pause(uint64_t ns)
{
    vs.collections++;
    vs.total_ns += ns;
    if (ns > vs.max_ns)
        vs.max_ns = ns;
    double ms = (double)ns / 1e6;
    size_t b = 0;
    while (b < VS_HIST_N - 1 && ms >= hist_edges_ms[b])
        b++;
    vs.hist[b]++;
}

void vs_drop(uint64_t ns)
{
    vs.drops++;
    if (ns > vs.max_drop_ns)
        vs.max_drop_ns = ns;
}

void vs_report(const char *name, double value, const char *unit)
{
    if (vs.nextra == VS_MAX_REPORTS)
        vs_fail("too many reports");
    vs.extra[vs.nextra++] = (vs_extra){name, unit, value};
}

_Noreturn void vs_fail(const char *what)
{
    fprintf(stderr, "versus-%s: %s\n", vs_backend_name, what);
    exit(2);
}

/* A "Vm...:" line of /proc/self/status in bytes; -1 if unreadable. */
static double proc_status_bytes(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (f == NULL)
        return -1;
    char line[256];
    double v = -1;
    size_t klen = strlen(key);
    while (fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
            v = strtod(line + klen + 1, NULL) * 1024.0; /* "  1234 kB" */
            break;
        }
    }
    fclose(f);
    return v;
}

static void cpu_seconds(double *user, double *sys)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    *user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
    *sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void emit(const char *name, double value, const char *unit)
{
    printf("{\"name\": \"%s\", \"value\": %.6g, \"unit\": \"%s\"}\n", name, value, unit);
}

static int usage(const char *argv0)
{
    fprintf(stderr, "usage: %s WORKLOAD [--quick] | --info\nworkloads:", argv0);
    for (size_t i = 0; i < VS_NWORKLOADS; i++)
        fprintf(stderr, " %s", workload_names[i]);
    fprintf(stderr, "\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *name = NULL;
    bool quick = false;
    if (argc == 2 && strcmp(argv[1], "--info") == 0) {
        void *env = vs_backend_open();
        if (env == NULL)
            vs_fail("cannot set up the backend");
        char info[256];
        vs_backend_info(env, info, sizeof(info));
        printf("%s\n", info);
        vs_backend_close(env);
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            quick = true;
        else if (name == NULL && argv[i][0] != '-')
            name = argv[i];
        else
            return usage(argv[0]);
    }
    if (name == NULL)
        return usage(argv[0]);
    size_t w = 0;
    while (w < VS_NWORKLOADS && strcmp(workload_names[w], name) != 0)
        w++;
    if (w == VS_NWORKLOADS)
        return usage(argv[0]);

    void *env = vs_backend_open();
    if (env == NULL)
        vs_fail("cannot set up the backend");
    memset(&vs, 0, sizeof(vs)); /* set-up collections (Boehm's GC_INIT) are not counted */
    vs_backend_reset(env);
    double u0, s0, u1, s1;
    cpu_seconds(&u0, &s0);
    uint64_t t0 = vs_now_ns();
    int rc = vs_run(env, (vs_workload)w, quick);
    uint64_t t1 = vs_now_ns();
    cpu_seconds(&u1, &s1);
    if (rc != 0) {
        fprintf(stderr, "versus-%s: no %s version of %s\n", vs_backend_name, vs_backend_name,
                name);
        vs_backend_close(env);
        return 3;
    }
    double hwm = proc_status_bytes("VmHWM"), rss = proc_status_bytes("VmRSS");
    double live = vs_backend_live_bytes(env);
    vs_backend_extras(env);
    const double mib = 1024.0 * 1024.0;

    emit("wall", (double)(t1 - t0) / 1e9, "s");
    emit("cpu", (u1 - u0) + (s1 - s0), "s");
    emit("sys", s1 - s0, "s");
    emit("peak_rss", hwm / mib, "MiB");
    emit("collections", (double)vs.collections, "count");
    emit("max_pause", (double)vs.max_ns / 1e6, "ms");
    emit("gc_time", (double)vs.total_ns / 1e6, "ms");
    for (size_t b = 0; b < VS_HIST_N; b++)
        emit(hist_names[b], (double)vs.hist[b], "count");
    emit("rss_after", rss / mib, "MiB");
    emit("live_after", live / mib, "MiB");
    if (vs.drops > 0)
        emit("max_drop", (double)vs.max_drop_ns / 1e6, "ms");
    for (size_t i = 0; i < vs.nextra; i++)
        emit(vs.extra[i].name, vs.extra[i].value, vs.extra[i].unit);
    fflush(stdout);
    vs_backend_close(env);
    return 0;
}
