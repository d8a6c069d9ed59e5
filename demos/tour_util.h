/* demos/tour_util.h: the helpers of the tour (demos/tour.c): the per-section context,
 * claims and lessons, sizes and numbers formatted for a terminal, aligned tables, timing,
 * traced memory and the scratch directory. Public API of mor only. */
#ifndef TOUR_UTIL_H
#define TOUR_UTIL_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "mor.h"

/* ---- the context of one section ------------------------------------------------------
 * Every section runs in a fresh runtime `rt`. A section that meets an unexpected mor
 * error (NULL or -1 with an exception pending) leaves through OK()/OKI(): the driver
 * reports the exception and frees the runtime, which releases whatever the section held. */
typedef struct tour {
    mor_rt *rt;
    bool quick;           /* --quick: smaller sizes, same claims */
    const char *name;     /* the section running */
    int claims, failed;   /* claims checked / not holding in this section */
    bool skipped;         /* the section said why it could not run */
    char tmpdir[256];     /* scratch directory of the section ("" until asked for) */
    jmp_buf bail;         /* where OK() jumps on an unexpected error */
    char error[512];      /* the error that ended the section early */
} tour;

/* Leave the section when v is NULL (OK) or -1 with an exception (OKI); else return v. */
mor_obj *tour_ok(tour *t, mor_obj *v, const char *file, int line);
int64_t tour_ok_i(tour *t, int64_t v, const char *file, int line);
#define OK(x) tour_ok(t, (x), __FILE__, __LINE__)
#define OKI(x) tour_ok_i(t, (x), __FILE__, __LINE__)
/* Leave the section with a message of our own (an I/O error, say). */
_Noreturn void tour_fail(tour *t, const char *fmt, ...) MOR_PRINTF(2, 3);

/* ---- what a section prints ---------------------------------------------------------- */
/* A claim the section checks: "  [ok]   text" or "  [FAIL] text"; returns ok. */
bool tour_claim(tour *t, bool ok, const char *fmt, ...) MOR_PRINTF(3, 4);
/* The one-line lesson, after the claims. */
void tour_lesson(tour *t, const char *fmt, ...) MOR_PRINTF(2, 3);
/* An indented line of commentary. */
void tour_say(const char *fmt, ...) MOR_PRINTF(1, 2);
/* The section cannot run here (a missing tool or build); says why. */
void tour_skip(tour *t, const char *fmt, ...) MOR_PRINTF(2, 3);

/* Formatted values, each in one of a ring of static buffers: valid until 32 more calls. */
const char *tsize(int64_t bytes);   /* "24 B", "7.9 KiB", "30.5 MiB" (sign kept) */
const char *tsigned(int64_t bytes); /* "+7.9 KiB", "-15.3 MiB", "+0 B" */
const char *tnum(int64_t n);        /* "1,000,000" */
const char *ttime(uint64_t ns);     /* "850 ns", "12.3 us", "4.51 ms", "1.20 s" */
const char *tfmt(const char *fmt, ...) MOR_PRINTF(1, 2);
/* repr(o) as text (the object is borrowed); "<repr failed>" if it raised. */
const char *trepr(tour *t, mor_obj *o);

/* ---- aligned tables -------------------------------------------------------------------
 * tt_begin(&tb, "lrr", "object", "mor", "CPython 3.11"): one alignment letter per column
 * ('l' left, 'r' right), then the headers; tt_row with one string per column; tt_print
 * sizes the columns to their widest cell. */
#define TT_COLS 6
#define TT_ROWS 40
#define TT_CELL 72
typedef struct tour_table {
    int ncols, nrows;
    char align[TT_COLS];
    char cell[TT_ROWS + 1][TT_COLS][TT_CELL]; /* row 0: the headers */
} tour_table;
void tt_begin(tour_table *tb, const char *align, ...);
void tt_row(tour_table *tb, ...);
void tt_print(const tour_table *tb);

/* ---- measuring ------------------------------------------------------------------------ */
uint64_t tour_now_ns(void);
/* Start tracing allocations (one frame: the line of the tour that asked for the memory). */
void tour_trace_on(tour *t);
/* Current traced bytes; the peak since the last tour_trace_reset_peak. */
int64_t tour_traced(tour *t);
int64_t tour_traced_peak(tour *t);
void tour_trace_reset_peak(tour *t);
/* New blocks asked of the allocator so far (reallocations, which grow a block, excluded). */
uint64_t tour_new_blocks(tour *t);
/* The number of open file descriptors of the process (-1 if /proc is not there). */
int tour_open_fds(void);
/* The scratch directory of the section (made on first use, removed with its files when
 * the section ends). */
const char *tour_tmpdir(tour *t);
/* A directory that outlives the run, for files the reader may want to open (the build
 * directory, else the scratch directory's parent). */
const char *tour_outdir(void);
/* The int value of o (an int object), or leave the section. */
int64_t tour_i64(tour *t, mor_obj *o);
/* A deterministic pseudo-random generator (xorshift64*), for repeatable runs. */
uint64_t tour_rand(uint64_t *state);

/* ---- mor helpers the sections share ----------------------------------------------------- */
mor_obj *item(mor_obj *seq, size_t i); /* the i-th item of a list or tuple (borrowed) */
size_t seq_len(mor_obj *seq);           /* the length of a list or tuple */
mor_obj *range_list(tour *t, int64_t start, int64_t stop); /* list(range(start, stop)) */
mor_obj *repeat_list(tour *t, mor_obj *x, int64_t n);      /* [x] * n, sized exactly */
/* A native function object; `data` is its constant (may be NULL). */
mor_obj *func(tour *t, const char *name, mor_cfunc fn, mor_obj *data);
mor_obj *obj_attr(tour *t, mor_obj *o, const char *name);   /* o.name, a new reference */
int64_t attr_i64(tour *t, mor_obj *o, const char *name);    /* o.name, an int */
uint64_t live_objects(tour *t);                             /* mor_rt_live_objects */
uint64_t gc_collections(tour *t);                           /* collections so far, all generations */
/* Print what fn writes to a FILE, indented under the section; its text in *text_out (to free)
 * when text_out is not NULL. */
void print_indented(tour *t, void (*fn)(mor_rt *, FILE *), char **text_out);
const char *yes(bool b); /* "True" / "False", as Python prints them */

/* ---- the driver's side ------------------------------------------------------------------ */
void tour_section_cleanup(tour *t);

#endif
