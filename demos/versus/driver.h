/* demos/versus/driver.h: the driver's results, shared by driver.c (running
 * the workers) and report.c (the table, the CSV, the charts). */
#ifndef VERSUS_DRIVER_H
#define VERSUS_DRIVER_H

#include <stdbool.h>
#include <stdio.h>

#include "versus.h"

#define VD_MAX_RUNS 15
#define VD_MAX_MEASURES 32
#define VD_NAME 64

/* mor and mor-boehm run the same workload source; malloc and boehm-c the
 * plain C versions, where there are some. */
typedef enum vd_backend { VD_MOR, VD_BOEHM, VD_MALLOC, VD_BOEHM_C, VD_NBACKENDS } vd_backend;

typedef enum vd_status {
    VD_NOT_RUN = 0, /* not applicable, or the worker is not built */
    VD_OK,
    VD_FAILED,  /* a non-zero exit or a signal */
    VD_TIMEOUT, /* killed after the time limit: did not finish */
} vd_status;

typedef struct vd_measure {
    char name[VD_NAME];
    char unit[16];
    double v[VD_MAX_RUNS]; /* one value per run, sorted once all runs are in */
    int n;
} vd_measure;

typedef struct vd_cell {
    vd_status status;
    char why[160]; /* for FAILED: how it ended and the last line of its stderr */
    vd_measure m[VD_MAX_MEASURES];
    int nm;
} vd_cell;

typedef struct vd_results {
    vd_cell cell[VS_NWORKLOADS][VD_NBACKENDS];
    bool selected[VS_NWORKLOADS];
    bool built[VD_NBACKENDS];
    char info[VD_NBACKENDS][256]; /* each worker's --info line */
    int runs;
    bool quick;
    double timeout_s;
    char machine[512]; /* CPU, nproc, load, kernel */
    char command[512]; /* how to reproduce this run */
} vd_results;

extern const char *const vd_backend_names[VD_NBACKENDS];
extern const bool vd_has_plain_c[VS_NWORKLOADS];
extern const char *const vd_workload_names[VS_NWORKLOADS];
extern const char *const vd_workload_titles[VS_NWORKLOADS];
/* The GLIBC_TUNABLES value the malloc rows run under. */
extern const char *const vd_malloc_tunables;

/* The median of a measure of a cell (its values sorted); NULL if absent. */
const vd_measure *vd_find(const vd_cell *c, const char *name);
double vd_median(const vd_measure *m);

/* report.c: write results.md (and print it unless quiet), results.csv and one
 * SVG chart per main measure into dir; 0 or -1 (with a message). */
int vd_write_report(const vd_results *r, const char *dir, bool print_table);
/* One {"name", "value", "unit"} line per median and per mor/Boehm ratio. */
void vd_print_json(const vd_results *r, FILE *out);

#endif
