/* mor/trace.h: allocation tracing (the tracemalloc of mor), snapshots and
 * their statistics, line-by-line memory profiles, and the collector's
 * timeline as Chrome trace events. */
#ifndef MOR_TRACE_H
#define MOR_TRACE_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- tracing ----------------------------------------------------------------------
 * While tracing is on, every block allocated through the funnel (objects and
 * the buffers they own) is recorded with its size and allocation site. The
 * site is the embedder's frame stack when one is pushed (mor_trace_push_frame:
 * a scripting language's own file and line), otherwise the native call stack,
 * nframes deep, starting at the first frame outside the runtime: the line of
 * the program that called the mor_* function. Only instruction pointers are
 * captured; they are turned into file:line (elfutils' libdw) when statistics
 * are asked for. Blocks allocated before tracing started are not seen. The
 * tracer's own tables are not traced memory.
 *
 * Native frames beyond the first need the calling code to keep frame pointers
 * (-fno-omit-frame-pointer); a chain that cannot be followed ends the
 * traceback early. */
MOR_API int mor_trace_start(mor_rt *rt, int nframes); /* 1..64; -1 + ValueError otherwise */
/* Sampling: record about one allocation per `bytes` allocated (Poisson), each
 * sample standing for the allocations it represents in the statistics
 * (sizes and counts are estimates). 0: record every allocation (default).
 * nframes as for mor_trace_start. */
MOR_API int mor_trace_start_sampled(mor_rt *rt, int nframes, size_t bytes);
MOR_API void mor_trace_stop(mor_rt *rt);  /* forgets the traces */
MOR_API bool mor_trace_is_tracing(mor_rt *rt);
/* Current and peak traced bytes (0 when not tracing). */
MOR_API void mor_trace_get_memory(mor_rt *rt, size_t *current, size_t *peak);
MOR_API void mor_trace_reset_peak(mor_rt *rt);
MOR_API void mor_trace_clear(mor_rt *rt); /* forget the traces, keep tracing */
/* Bytes the tracer itself uses (its tables), not counted as traced. */
MOR_API size_t mor_trace_overhead(mor_rt *rt);

/* The embedder's frame stack: while non-empty, allocation sites are its top
 * frames (most recent first). file is copied (TypeError if NULL). Popping
 * an empty stack does nothing. */
MOR_API int mor_trace_push_frame(mor_rt *rt, const char *file, int line);
MOR_API void mor_trace_pop_frame(mor_rt *rt);

/* ---- snapshots ----------------------------------------------------------------------
 * An immutable object holding the traces at one moment (grouped by
 * traceback); RuntimeError when tracing is off. The functions taking a
 * snapshot raise TypeError for another object (or a NULL pattern), ValueError
 * "unknown key_type" for a key that is none of the three (NULL included). */
MOR_API mor_obj *mor_trace_snapshot(mor_rt *rt);
/* A new snapshot keeping (include) or dropping (!include) the traces whose
 * most recent frame's file matches the fnmatch(3) pattern. */
MOR_API mor_obj *mor_snapshot_filter(mor_rt *rt, mor_obj *snap, const char *pattern, bool include);
/* key "lineno", "filename" or "traceback": a list of statistic objects,
 * largest first. mor_repr(stat) reads like tracemalloc:
 *   "demos/tour.c:120: size=3.8 MiB, count=100000, average=40 B"
 * A statistic has attributes size, count, traceback (a tuple of "file:line"
 * strings, most recent first), filename and lineno. */
MOR_API mor_obj *mor_snapshot_statistics(mor_rt *rt, mor_obj *snap, const char *key);
/* The differences from older to newer, sorted by absolute size difference:
 *   "demos/tour.c:120: size=3.8 MiB (+3.8 MiB), count=100000 (+100000), average=40 B"
 * (attributes size_diff and count_diff too). */
MOR_API mor_obj *mor_snapshot_compare(mor_rt *rt, mor_obj *newer, mor_obj *older, const char *key);

/* ---- line-by-line memory profile (memory_profiler) --------------------------------------
 * MOR_PROFILE_LINE(rt), placed after statements, records (file, line, traced
 * current bytes); tracing must be on (marks are ignored otherwise, and when
 * file is NULL). mor_profile_print prints, per function,
 *   Line #    Mem usage    Increment   Line Contents
 * with each line's source text read from its file when it can be found. */
#define MOR_PROFILE_LINE(rt) mor_profile_mark((rt), __FILE__, __LINE__, __func__)
MOR_API void mor_profile_mark(mor_rt *rt, const char *file, int line, const char *func);
MOR_API void mor_profile_print(mor_rt *rt, FILE *out);
MOR_API void mor_profile_clear(mor_rt *rt);

/* ---- the collector's timeline ------------------------------------------------------------
 * Every collection is written to out as a Chrome trace-event JSON span
 * (generation, scanned, collected, uncollectable), with a counter track of
 * live bytes: load the file in Perfetto or chrome://tracing. stop closes the
 * JSON array (the FILE stays the caller's). TypeError for a NULL out;
 * starting again first stops the running timeline. */
MOR_API int mor_gc_trace_start(mor_rt *rt, FILE *out);
MOR_API void mor_gc_trace_stop(mor_rt *rt);

#ifdef __cplusplus
}
#endif
#endif
