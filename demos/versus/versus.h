/* demos/versus/versus.h: what the comparison suite's programs share.
 *
 * A worker (versus-mor, versus-boehm, versus-malloc, versus-boehm-c) runs ONE
 * workload in a fresh process, so that its peak RSS is its own, and prints one
 * JSON object per line, {"name": ..., "value": ..., "unit": ...}, which the
 * driver (versus) collects. A worker is three parts: worker.c (timing,
 * process figures, output), a backend probe (probe_mor.c, probe_boehm.c, or
 * the malloc one inside malloc.c) and the workloads (workloads.c, the same
 * source for mor and mor-boehm; malloc.c, plain C, for malloc and boehm-c). */
#ifndef VERSUS_H
#define VERSUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The workloads, in table order: X(id, name, title, has_malloc). */
#define VS_WORKLOADS(X)                                                                       \
    X(TREES, "trees", "binary trees (GCBench shape)", true)                                   \
    X(CYCLES2, "cycles-2", "cyclic garbage, rings of 2", true)                                \
    X(CYCLES100, "cycles-100", "cyclic garbage, rings of 100", true)                          \
    X(OBJ_DICT, "objects-dict", "1M small objects, dict layout", false)                       \
    X(OBJ_SLOTS, "objects-slots", "1M small objects, slot layout", true)                      \
    X(STR_JOIN, "str-join", "string building, join of 1M parts", true)                        \
    X(STR_APPEND, "str-append", "string building, in-place append of 1M parts", true)         \
    X(GEN, "gen-pipeline", "generator pipeline over 10M items", false)                        \
    X(LRU, "lru-churn", "lru_cache of 10,000 under 1M random keys", false)                    \
    X(RETAIN, "false-retention", "false retention by address-like integers", false)

#define VS_ENUM_(id, name, title, m) VS_##id,
typedef enum vs_workload { VS_WORKLOADS(VS_ENUM_) VS_NWORKLOADS } vs_workload;
#undef VS_ENUM_

/* The pause histogram: upper edges in ms of all buckets but the last. */
#define VS_HIST_N 5
#define VS_HIST_EDGES_MS {0.1, 1.0, 10.0, 100.0}
/* the measure names of the buckets */
#define VS_HIST_NAMES                                                                          \
    {"pauses_lt_0.1ms", "pauses_0.1_1ms", "pauses_1_10ms", "pauses_10_100ms", "pauses_ge_100ms"}

/* ---- the worker's side (worker.c) ---------------------------------------------------------- */

/* One collection took ns (called by the probes, possibly from inside the
 * collector: it does not allocate). */
void vs_pause(uint64_t ns);
/* One explicit release (the drop of a tree, a list) took ns: the work
 * refcounting does at once where a tracing collector does it later. */
void vs_drop(uint64_t ns);
/* A workload-specific figure, printed with the others. */
void vs_report(const char *name, double value, const char *unit);
uint64_t vs_now_ns(void);
/* Print "versus: <what>" and exit with status 2. */
_Noreturn void vs_fail(const char *what);

/* ---- the backend's side (a probe file) -------------------------------------------------------- */

/* Set up the backend (a runtime, the collection probe); NULL on failure. */
void *vs_backend_open(void);
/* Bytes the allocator holds for the program right now. */
double vs_backend_live_bytes(void *env);
/* Forget what the probe saw so far (called as the workload starts). */
void vs_backend_reset(void *env);
/* Backend-specific figures (vs_report), after the workload. */
void vs_backend_extras(void *env);
/* One line naming the backend and its version (for the report). */
void vs_backend_info(void *env, char *buf, size_t size);
void vs_backend_close(void *env);
extern const char *const vs_backend_name;

/* ---- the workloads' side (workloads.c, malloc.c) ------------------------------------------------ */

/* Run workload w at full or --quick size; 0, or 1 when this worker has no
 * version of it. Failures go through vs_fail. */
int vs_run(void *env, vs_workload w, bool quick);

#endif
