/* mor/gc.h: the generational cycle collector, weak references, finalizers
 * (weakref.finalize) and weak dictionaries. */
#ifndef MOR_GC_H
#define MOR_GC_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- under mor-boehm ---------------------------------------------------------
 * Code built against mor-boehm runs over the Boehm-Demers-Weiser collector,
 * which finds garbage by tracing, conservatively, the whole process. There:
 * - mor_gc_collect(rt, any generation) runs GC_gcollect, then this runtime's
 *   queued finalizers, weakref callbacks and intern-table removals; it returns
 *   how many dead objects it processed that way (objects with none of these
 *   die uncounted). Its STOP info has `scanned` = bytes reclaimed.
 * - Queued finalizers also run every gen-0 threshold of GC allocations (a safe
 *   point), always in the thread of the runtime that made the object. An
 *   object dies at a collection that finds no word that looks like its
 *   address, not at its last mor_decref (which does nothing).
 * - Nothing is tracked: mor_gc_is_tracked is false, mor_gc_get_objects and
 *   mor_gc_get_referrers return empty lists, mor_gc_freeze does nothing and
 *   mor_gc_get_freeze_count is 0; mor_gc_get_count gives the GC allocations
 *   since the last safe point in c[0] and 0 for the others; SAVEALL keeps
 *   nothing. mor_gc_get_stats and the callbacks see this runtime's
 *   mor_gc_collect calls only, as generation 2 (every collection is full):
 *   Boehm's automatic collections are the process's (GC_get_gc_no counts them;
 *   GC_set_on_collection_event reports them).
 * - mor_gc_disable stops this runtime's automatic finalizer runs; Boehm's own
 *   collections are process-wide and stay on (GC_disable is the process's).
 * - Weak references are disappearing links and callbacks run from a finalizer
 *   on the target; the intern and weakref tables hold their entries weakly. */

/* ---- the collector ----------------------------------------------------------
 * Collect generation 0, 1 or 2 (and every younger one); -1 is a full
 * collection. Returns the number of unreachable objects found (each counted
 * once; one that a finalizer resurrects is counted but not freed), -1 with
 * ValueError for a bad generation. 0 while a collection is already running. */
MOR_API int64_t mor_gc_collect(mor_rt *rt, int generation);
/* Automatic collections (the allocation thresholds) on or off. */
MOR_API void mor_gc_enable(mor_rt *rt);
MOR_API void mor_gc_disable(mor_rt *rt);
MOR_API bool mor_gc_is_enabled(mor_rt *rt);
/* t0: GC allocations minus deallocations that trigger a generation-0
 * collection (0 disables automatic collection); t1, t2: collections of the
 * next younger generation that trigger one of this generation. A full
 * collection also waits until the objects awaiting their first full
 * collection exceed 25% of the long-lived ones. Default 700, 10, 10. */
MOR_API void mor_gc_set_threshold(mor_rt *rt, unsigned t0, unsigned t1, unsigned t2);
MOR_API void mor_gc_get_threshold(mor_rt *rt, unsigned t[3]);
MOR_API void mor_gc_get_count(mor_rt *rt, size_t c[3]);
/* Is the object on one of the collector's lists? */
MOR_API bool mor_gc_is_tracked(const mor_obj *o);
/* Move every tracked object into the permanent generation, which no
 * collection examines, until mor_gc_unfreeze moves it into generation 2. */
MOR_API void mor_gc_freeze(mor_rt *rt);
MOR_API void mor_gc_unfreeze(mor_rt *rt);
MOR_API size_t mor_gc_get_freeze_count(mor_rt *rt);
/* Lists of objects: what o refers to (through its traverse slot); the tracked
 * objects that refer to o; the tracked objects of a generation (-1: all,
 * the permanent generation included). */
MOR_API mor_obj *mor_gc_get_referents(mor_rt *rt, mor_obj *o);
MOR_API mor_obj *mor_gc_get_referrers(mor_rt *rt, mor_obj *o);
MOR_API mor_obj *mor_gc_get_objects(mor_rt *rt, int generation);

typedef enum mor_gc_phase { MOR_GC_START, MOR_GC_STOP } mor_gc_phase;
typedef struct mor_gc_info {
    mor_gc_phase phase;
    int generation;
    int64_t collected;     /* STOP: objects freed */
    int64_t uncollectable; /* STOP: objects kept in mor_gc_garbage (SAVEALL) */
    int64_t scanned;       /* STOP: objects examined */
    uint64_t duration_ns;  /* STOP: wall time of the collection */
} mor_gc_info;
/* Called at the START and the STOP of every collection (but not of the
 * emergency collections run when memory is short, which run no user code).
 * Exceptions a callback leaves pending go to the unraisable hook. */
typedef void (*mor_gc_callback)(mor_rt *rt, const mor_gc_info *info, void *ud);
/* Returns an id for mor_gc_remove_callback, or -1 with MemoryError. */
MOR_API int mor_gc_add_callback(mor_rt *rt, mor_gc_callback cb, void *ud);
MOR_API int mor_gc_remove_callback(mor_rt *rt, int id); /* -1 + ValueError if unknown */

typedef struct mor_gc_stats {
    uint64_t collections;
    uint64_t collected;
    uint64_t uncollectable;
    uint64_t total_ns;
    uint64_t max_pause_ns;
} mor_gc_stats;
MOR_API void mor_gc_get_stats(mor_rt *rt, int generation, mor_gc_stats *out);

#define MOR_GC_DEBUG_STATS (1u << 0)   /* one line per collection on stderr */
#define MOR_GC_DEBUG_SAVEALL (1u << 5) /* unreachable objects go to mor_gc_garbage */
MOR_API void mor_gc_set_debug(mor_rt *rt, unsigned flags);
MOR_API unsigned mor_gc_get_debug(mor_rt *rt);
/* The list of objects kept by SAVEALL (a new reference to the runtime's own
 * list: clearing it releases them). */
MOR_API mor_obj *mor_gc_garbage(mor_rt *rt);

/* ---- weak references ---------------------------------------------------------
 * Only objects of types with MOR_TYPE_WEAKREF can be weakly referenced
 * (functions, exceptions, class instances, generators, embedder types); not
 * immortal objects, ints, strs, tuples, lists, dicts or sets (TypeError), as
 * in CPython. A weak reference costs 64 bytes. */

/* A weak reference to target. callback (NULL or None: none) is called with the
 * reference as its one argument when target dies. References without a
 * callback are shared: asking twice returns the same object. */
MOR_API mor_obj *mor_weakref(mor_rt *rt, mor_obj *target, mor_obj *callback);
/* The target (a new reference), or None once it died. */
MOR_API mor_obj *mor_weakref_get(mor_rt *rt, mor_obj *ref);
/* A proxy forwarding attribute, item, len, contains, call, iteration, truth
 * and repr to target; any use after target died raises ReferenceError. */
MOR_API mor_obj *mor_weakproxy(mor_rt *rt, mor_obj *target, mor_obj *callback);
/* Weak references and proxies to target. */
MOR_API size_t mor_weakref_count(mor_rt *rt, mor_obj *target);

/* weakref.finalize: calls fn(*args) (args a tuple, or NULL for none) once when
 * target dies, or at mor_rt_free if it is still alive then. The returned
 * finalizer object is kept alive by the runtime until it has run or was
 * detached; calling it (mor_call with no arguments) runs it now if alive. */
MOR_API mor_obj *mor_finalize(mor_rt *rt, mor_obj *target, mor_obj *fn, mor_obj *args);
MOR_API bool mor_finalize_alive(mor_rt *rt, mor_obj *f);
/* (target, fn, args) while alive, else None; detach also marks it dead. */
MOR_API mor_obj *mor_finalize_peek(mor_rt *rt, mor_obj *f);
MOR_API mor_obj *mor_finalize_detach(mor_rt *rt, mor_obj *f);

/* Dictionaries holding their values (or keys) weakly: an entry vanishes when
 * its weak side dies. Used through the generic protocol (mor_getitem,
 * mor_setitem, mor_delitem, mor_len, mor_contains, mor_iter). */
MOR_API mor_obj *mor_weak_value_dict(mor_rt *rt);
MOR_API mor_obj *mor_weak_key_dict(mor_rt *rt);

#ifdef __cplusplus
}
#endif
#endif
