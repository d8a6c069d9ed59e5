/* runtime/iter/iter.h: generators and the lazy iterator tools, shared
 * between the files of runtime/iter. */
#ifndef MORI_ITER_H
#define MORI_ITER_H

#include "../types/types.h"

/* ---- "gen.c" ------------------------------------------------------------------------------- */
extern const mor_type mori_gen_type MOR_INTERNAL;

#endif
