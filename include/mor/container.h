/* mor/container.h: tuples, lists, dicts and sets. */
#ifndef MOR_CONTAINER_H
#define MOR_CONTAINER_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A function given an object of the wrong kind where it expects a list, dict
 * or set raises TypeError "mor_list_pop: expected a list, got 'int'"; an
 * unhashable key or item raises TypeError "unhashable type: 'list'"; a count
 * too large to allocate raises MemoryError. The arguments are left as they
 * were (mor_list_append_steal excepted, which always takes x). */

/* Tuples: immutable; () is a shared singleton. The variadic forms take
 * borrowed mor_obj * arguments; items NULL with n > 0: TypeError. */
MOR_API mor_obj *mor_tuple(mor_rt *rt, size_t n, ...);
MOR_API mor_obj *mor_tuple_from(mor_rt *rt, size_t n, mor_obj *const *items);
MOR_API bool mor_is_tuple(const mor_obj *o);

/* Lists: CPython 3.11's growth policy. */
MOR_API mor_obj *mor_list(mor_rt *rt, size_t n, ...);
MOR_API int mor_list_append(mor_rt *rt, mor_obj *l, mor_obj *x);
MOR_API int mor_list_append_steal(mor_rt *rt, mor_obj *l, mor_obj *x); /* takes x, even on error */
MOR_API int mor_list_insert(mor_rt *rt, mor_obj *l, int64_t index, mor_obj *x);
/* mor_list_insert clamps index to the list, as list.insert does. */
/* Removes and returns the item at index (negative counts from the end);
 * IndexError on an empty list or an index out of range. */
MOR_API mor_obj *mor_list_pop(mor_rt *rt, mor_obj *l, int64_t index);
MOR_API int mor_list_extend(mor_rt *rt, mor_obj *l, mor_obj *iterable);
/* A new list of the items of any iterable. */
MOR_API mor_obj *mor_list_from(mor_rt *rt, mor_obj *iterable);
/* Stable sort through mor_compare(<); on an error the list keeps all its items
 * (in an unspecified order) and the exception is raised. */
MOR_API int mor_list_sort(mor_rt *rt, mor_obj *l);
MOR_API bool mor_is_list(const mor_obj *o);
/* Borrowed view of a tuple's or list's items (valid until the list changes);
 * NULL for other objects. */
MOR_API mor_obj *const *mor_seq_items(const mor_obj *tuple_or_list, size_t *n);

/* Dicts: insertion ordered (compact table, as CPython 3.6+). */
MOR_API mor_obj *mor_dict(mor_rt *rt);
MOR_API int mor_dict_set(mor_rt *rt, mor_obj *d, mor_obj *k, mor_obj *v);
/* 1 found (*out a new reference), 0 missing (*out NULL), -1 error. */
MOR_API int mor_dict_lookup(mor_rt *rt, mor_obj *d, mor_obj *k, mor_obj **out);
/* 1 deleted, 0 missing, -1 error. */
MOR_API int mor_dict_del(mor_rt *rt, mor_obj *d, mor_obj *k);
MOR_API int mor_dict_clear(mor_rt *rt, mor_obj *d);
/* Iterators over the keys (also what mor_iter gives), values and (key, value)
 * tuples. A dict changing size during iteration raises RuntimeError. */
MOR_API mor_obj *mor_dict_keys(mor_rt *rt, mor_obj *d);
MOR_API mor_obj *mor_dict_values(mor_rt *rt, mor_obj *d);
MOR_API mor_obj *mor_dict_items(mor_rt *rt, mor_obj *d);
MOR_API bool mor_is_dict(const mor_obj *o);

/* Sets: open addressing. */
MOR_API mor_obj *mor_set(mor_rt *rt);
MOR_API int mor_set_add(mor_rt *rt, mor_obj *s, mor_obj *x);
/* 1 removed, 0 was absent, -1 error */
MOR_API int mor_set_discard(mor_rt *rt, mor_obj *s, mor_obj *x);
MOR_API mor_obj *mor_set_from(mor_rt *rt, mor_obj *iterable);
MOR_API mor_obj *mor_set_union(mor_rt *rt, mor_obj *a, mor_obj *b);
MOR_API mor_obj *mor_set_intersection(mor_rt *rt, mor_obj *a, mor_obj *b);
MOR_API mor_obj *mor_set_difference(mor_rt *rt, mor_obj *a, mor_obj *b);
MOR_API bool mor_is_set(const mor_obj *o);

#ifdef __cplusplus
}
#endif
#endif
