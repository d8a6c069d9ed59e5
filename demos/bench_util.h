/* demos/bench_util.h: what the benchmark programs share: the clock every
 * figure is read from, the machine's name and load, and the comparison that
 * sorts samples for a median. Header-only: each program is one file. */
#ifndef MOR_BENCH_UTIL_H
#define MOR_BENCH_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* The clock: wall time by default; --cpu switches to the process's CPU time,
 * which a loaded machine (more runnable threads than CPUs) does not inflate
 * with the time the benchmark spends waiting for a CPU. */
static clockid_t bench_clock = CLOCK_MONOTONIC;

static __attribute__((unused)) uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(bench_clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Which clock, and the machine's load when the table is printed (/proc/loadavg). */
static __attribute__((unused)) void print_clock_and_load(void)
{
    char load[64] = "unknown";
    FILE *f = fopen("/proc/loadavg", "r");
    if (f != NULL) {
        if (fgets(load, sizeof(load), f) == NULL)
            snprintf(load, sizeof(load), "unknown");
        fclose(f);
        load[strcspn(load, "\n")] = '\0';
    }
    printf("clock: %s; load average (1, 5, 15 min, runnable/total, last pid): %s\n",
           bench_clock == CLOCK_MONOTONIC ? "wall time" : "process CPU time (--cpu)", load);
}

/* For qsort of doubles, ascending. */
static __attribute__((unused)) int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The CPU's model name from /proc/cpuinfo, or "unknown CPU". */
static __attribute__((unused)) void machine_name(char *buf, size_t n)
{
    snprintf(buf, n, "unknown CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f == NULL)
        return;
    char line[256];
    while (fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, "model name", 10) != 0)
            continue;
        char *p = strchr(line, ':');
        if (p == NULL)
            break;
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        p[strcspn(p, "\n")] = '\0';
        snprintf(buf, n, "%s", p);
        break;
    }
    fclose(f);
}

#endif
