/* mor/iter.h: iteration. */
#ifndef MOR_ITER_H
#define MOR_ITER_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An iterator over any iterable (TypeError "'int' object is not iterable"). */
MOR_API mor_obj *mor_iter(mor_rt *rt, mor_obj *iterable);
/* The next item (a new reference); NULL with no exception pending when the
 * iterator is exhausted, NULL with an exception on error. */
MOR_API mor_obj *mor_next(mor_rt *rt, mor_obj *it);

#ifdef __cplusplus
}
#endif
#endif
