/* mor/class.h: native functions, classes and their instances, bound methods,
 * and bounded caches. */
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
 * and traced by the collector. repr: <function name>. TypeError if name or fn
 * is NULL. */
MOR_API mor_obj *mor_func_new(mor_rt *rt, const char *name, mor_cfunc fn, mor_obj *data);

/* ---- classes -----------------------------------------------------------------
 * A class object (repr <class 'Person'>) makes instances when called:
 * positional arguments fill `fields` in order (more than there are fields is a
 * TypeError naming the class), unless the class has an __init__, which is then
 * called with the instance and the arguments instead.
 *
 * MOR_CLASS_DICT (0): attributes live in the instance, any name can be set,
 * read and deleted. Instances of one class share their key table (PEP 412):
 * an instance stores only its values, in an array sized by the class's key
 * table when it was made; a 2-attribute instance costs 88 bytes in all. A real
 * dict is made for an instance only when it outgrows that layout or when its
 * "__dict__" is asked for.
 * MOR_CLASS_SLOTS: a fixed layout of `fields` (48 bytes with 2 fields, 72 with
 * 5); setting any other name raises AttributeError, and so does reading a
 * field never set. A slot class with no fields holds no references and its
 * instances are never tracked by the collector.
 *
 * Instances take part in the collector and support weak references. */
#define MOR_CLASS_DICT 0u
#define MOR_CLASS_SLOTS 1u

/* fields: NULL-terminated (NULL: none). ValueError for a NULL or empty name,
 * flags other than MOR_CLASS_SLOTS, empty or duplicate field names, and too
 * many fields. */
MOR_API mor_obj *mor_class_new(mor_rt *rt, const char *name, const char *const *fields,
                               unsigned flags);
/* Set (v non-NULL) or delete (v NULL) a class attribute. Instances see class
 * attributes they lack; a function found there is returned bound to the
 * instance. Special names: "__del__" (a finalizer, run once under PEP 442),
 * "__repr__", "__eq__", "__hash__" (defining __eq__ without __hash__ makes
 * instances unhashable; with neither, instances compare and hash by
 * identity), "__call__" and "__init__". TypeError if cls is not a class or
 * name is NULL; AttributeError when deleting an attribute it lacks. */
MOR_API int mor_class_set_attr(mor_rt *rt, mor_obj *cls, const char *name, mor_obj *v);
MOR_API bool mor_is_class(const mor_obj *o);
/* Is o an instance of the class cls? (false if cls is not a class) */
MOR_API bool mor_is_instance(const mor_obj *o, const mor_obj *cls);

/* ---- bounded caches ---------------------------------------------------------
 * functools.lru_cache: a callable memoizing fn on its arguments (which must be
 * hashable: TypeError otherwise), evicting the least recently used entry past
 * maxsize (0: unbounded); O(1) per call. Its "cache_clear" attribute is a
 * function that empties it, as is mor_lru_cache_clear. A non-callable fn, and
 * an object that is no cache for info and clear, raise TypeError. */
MOR_API mor_obj *mor_lru_cache(mor_rt *rt, mor_obj *fn, size_t maxsize);
MOR_API int mor_lru_cache_info(mor_rt *rt, mor_obj *c, size_t *hits, size_t *misses,
                               size_t *currsize);
MOR_API int mor_lru_cache_clear(mor_rt *rt, mor_obj *c);

#ifdef __cplusplus
}
#endif
#endif
