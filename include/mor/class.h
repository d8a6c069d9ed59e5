/* mor/class.h: native functions (and, with step 3, classes and instances). */
#ifndef MOR_CLASS_H
#define MOR_CLASS_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A native function: gets its arguments as a borrowed array and returns a new
 * reference, or NULL with an exception pending. `data` is the object given to
 * mor_func_new (borrowed; never NULL: None when none was given). */
typedef mor_obj *(*mor_cfunc)(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args);

/* A function object calling fn; `data` (may be NULL) is owned by the function
 * and traced by the collector. repr: <function name>. */
MOR_API mor_obj *mor_func_new(mor_rt *rt, const char *name, mor_cfunc fn, mor_obj *data);

#ifdef __cplusplus
}
#endif
#endif
