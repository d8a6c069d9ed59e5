/* runtime/iter/iter.h: generators and the lazy iterator tools, shared
 * between the files of runtime/iter. */
#ifndef MORI_ITER_H
#define MORI_ITER_H

#include "../types/types.h"

/* ---- "gen.c" ------------------------------------------------------------------------------- */
extern const mor_type mori_gen_type MOR_INTERNAL;

/* The next slot of an iterator, for loops that call it directly; mori_next
 * (which raises the TypeError) when the object has none. */
typedef mor_obj *(*mori_next_fn)(mor_rt *rt, mor_obj *it);
static inline mori_next_fn mori_next_slot(const mor_obj *it)
{
    return it->type->next != NULL ? it->type->next : mori_next;
}

#endif
