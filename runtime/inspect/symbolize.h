/* runtime/inspect/symbolize.h: turning captured return addresses into source
 * locations (elfutils' libdw when available, dladdr otherwise). */
#ifndef MORI_SYMBOLIZE_H
#define MORI_SYMBOLIZE_H

#include "../core/rt.h"

typedef struct mori_symbol {
    const char *file; /* a path relative to the working directory when under it */
    int line;         /* 0 when unknown */
    const char *func; /* may be NULL */
    bool runtime;     /* the frame is inside mor itself */
} mori_symbol;

/* ---- "symbolize.c" ------------------------------------------------------------------------- */
/* Describe the call whose return address is ip (results cached, valid until
 * mori_symbolize_fini). */
MOR_INTERNAL void mori_symbolize(mor_rt *rt, uintptr_t ip, mori_symbol *out);
/* True when file:line information comes from debug info (libdw). */
MOR_INTERNAL bool mori_symbolize_has_lines(void);
MOR_INTERNAL void mori_symbolize_fini(mor_rt *rt);

#endif
