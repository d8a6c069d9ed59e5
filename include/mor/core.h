/* mor/core.h: the runtime handle, the object header, the type struct, reference
 * counting, exceptions and the generic object protocol. Every other mor header
 * includes this one. */
#ifndef MOR_CORE_H
#define MOR_CORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define MOR_API __attribute__((visibility("default")))
#define MOR_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define MOR_NORETURN __attribute__((noreturn))
#define MOR_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define MOR_API
#define MOR_PRINTF(f, a)
#define MOR_NORETURN
#define MOR_UNLIKELY(x) (x)
#endif

typedef struct mor_rt mor_rt;
typedef struct mor_obj mor_obj;
typedef struct mor_type mor_type;

/* ---------------------------------------------------------------------------
 * The object header. Every object starts with it: 16 bytes on 64-bit.
 * Objects of types with MOR_TYPE_GC also carry two words of collector links
 * *before* the header (the object pointer points past them), as CPython does.
 *
 * refcnt: the number of owned references. MOR_REFCNT_IMMORTAL marks an object
 *   that is never freed (None, True, False, the small ints, the empty
 *   str/tuple/bytes, the one-character strings); mor_incref and mor_decref
 *   leave it alone. A mortal object that somehow reaches 2^32-1 references
 *   saturates into immortality instead of wrapping (it is then leaked, never
 *   freed early).
 * flags: bits owned by the runtime (tracked, finalized, has-weakrefs, ...);
 *   embedders must not touch them.
 * type: the object's type; never changes. */
struct mor_obj {
    uint32_t refcnt;
    uint32_t flags;
    const mor_type *type;
};

#define MOR_REFCNT_IMMORTAL UINT32_MAX

/* ---------------------------------------------------------------------------
 * Exceptions. Functions returning mor_obj * return NULL, those returning int or
 * int64_t return -1, with an exception pending on the runtime. */
typedef enum mor_exc {
    MOR_EXC_NONE = 0,
    MOR_EXC_TYPE,
    MOR_EXC_VALUE,
    MOR_EXC_MEMORY,
    MOR_EXC_INDEX,
    MOR_EXC_KEY,
    MOR_EXC_ATTRIBUTE,
    MOR_EXC_STOP_ITERATION,
    MOR_EXC_GENERATOR_EXIT,
    MOR_EXC_RUNTIME,
    MOR_EXC_RECURSION,
    MOR_EXC_REFERENCE,
    MOR_EXC_OVERFLOW,
    MOR_EXC_ZERO_DIVISION,
    MOR_EXC_BUFFER,
    MOR_EXC_OS,
    MOR_EXC_COUNT_ /* number of kinds; not a kind */
} mor_exc;

/* Rich comparison operators for mor_compare and the compare slot. */
typedef enum mor_cmp { MOR_LT, MOR_LE, MOR_EQ, MOR_NE, MOR_GT, MOR_GE } mor_cmp;

/* ---------------------------------------------------------------------------
 * Types. Built-in types and embedder types use the same struct; an embedder
 * defines a `static const mor_type` with designated initializers, allocates
 * instances with mor_object_new and frees them from its dealloc slot with
 * mor_object_free. Slots left NULL mean "not supported" (the generic protocol
 * raises TypeError naming the type). */

/* A traverse slot calls visit(ref, arg) for every object reference the object
 * owns (NULL references may be skipped or passed; both are fine) and returns
 * the first non-zero value visit returns, or 0. It must not allocate, raise or
 * change any refcount. */
typedef int (*mor_visit_fn)(mor_obj *ref, void *arg);

/* Returned by an eq or compare slot that does not know how to compare with the
 * other operand's type; the generic protocol then tries the other side. */
#define MOR_NOTIMPL 2

typedef struct mor_number_slots {
    /* Binary slots are called with the operands in source order: either one may
     * be of the slot's type. Return a new reference, NULL with an exception, or
     * mor_not_implemented(rt) to let the other operand's type try. */
    mor_obj *(*add)(mor_rt *rt, mor_obj *a, mor_obj *b);
    mor_obj *(*sub)(mor_rt *rt, mor_obj *a, mor_obj *b);
    mor_obj *(*mul)(mor_rt *rt, mor_obj *a, mor_obj *b);
    mor_obj *(*floordiv)(mor_rt *rt, mor_obj *a, mor_obj *b);
    mor_obj *(*mod)(mor_rt *rt, mor_obj *a, mor_obj *b);
    mor_obj *(*truediv)(mor_rt *rt, mor_obj *a, mor_obj *b);
    mor_obj *(*pow)(mor_rt *rt, mor_obj *a, mor_obj *b);
    mor_obj *(*neg)(mor_rt *rt, mor_obj *a);
    /* Truth value: 1, 0 or -1 with an exception. */
    int (*truth)(mor_rt *rt, mor_obj *a);
} mor_number_slots;

typedef struct mor_container_slots {
    int64_t (*len)(mor_rt *rt, mor_obj *self);
    mor_obj *(*getitem)(mor_rt *rt, mor_obj *self, mor_obj *key);
    /* v NULL: delete the item */
    int (*setitem)(mor_rt *rt, mor_obj *self, mor_obj *key, mor_obj *v);
    int (*contains)(mor_rt *rt, mor_obj *self, mor_obj *x);
    /* start/stop already resolved against the length (Python slice rules) */
    mor_obj *(*slice)(mor_rt *rt, mor_obj *self, int64_t start, int64_t stop,
                      int64_t step, int64_t count);
} mor_container_slots;

/* Type flags */
#define MOR_TYPE_GC (1u << 0)      /* instances carry collector links; traverse required */
#define MOR_TYPE_WEAKREF (1u << 1) /* instances can be weakly referenced */
#define MOR_TYPE_HEAP (1u << 2)    /* the type struct itself was allocated at run time */
/* instances never change what they refer to once built (tuples): one found
 * holding only untracked objects can be untracked for good */
#define MOR_TYPE_IMMUTABLE (1u << 3)

struct mor_type {
    const char *name;
    size_t basicsize; /* bytes of an instance, header included, collector links excluded */
    size_t itemsize;  /* bytes per item for variable-size instances, else 0 */
    unsigned flags;   /* MOR_TYPE_* */

    /* dealloc: release everything the object owns (decref its references, free
     * its buffers), then free its block (mor_object_free for embedder types).
     * Called once, with refcnt 0, after the finalizer and weak references were
     * dealt with and the object was untracked. Required. */
    void (*dealloc)(mor_rt *rt, mor_obj *self);
    int (*traverse)(mor_obj *self, mor_visit_fn visit, void *arg);
    /* clear: drop the references that could form cycles (called by the
     * collector on cyclic garbage); the object must stay valid afterwards. */
    void (*clear)(mor_rt *rt, mor_obj *self);
    /* finalize: runs at most once per object before it dies (PEP 442); it may
     * resurrect the object. Exceptions go to the unraisable hook. */
    void (*finalize)(mor_rt *rt, mor_obj *self);
    mor_obj *(*repr)(mor_rt *rt, mor_obj *self);
    int (*hash)(mor_rt *rt, mor_obj *self, int64_t *out);
    /* eq: 1 equal, 0 not, -1 error, MOR_NOTIMPL */
    int (*eq)(mor_rt *rt, mor_obj *self, mor_obj *other);
    /* compare: 1 true, 0 false, -1 error, MOR_NOTIMPL; self may be either side
     * only through the reflected operator, which the protocol computes. */
    int (*compare)(mor_rt *rt, mor_obj *self, mor_obj *other, mor_cmp op);
    mor_obj *(*iter)(mor_rt *rt, mor_obj *self);
    /* next: a new reference; NULL with no exception pending when exhausted */
    mor_obj *(*next)(mor_rt *rt, mor_obj *self);
    mor_obj *(*call)(mor_rt *rt, mor_obj *self, size_t nargs, mor_obj *const *args);
    mor_obj *(*getattr)(mor_rt *rt, mor_obj *self, const char *name);
    /* setattr: v NULL deletes the attribute */
    int (*setattr)(mor_rt *rt, mor_obj *self, const char *name, mor_obj *v);
    /* size_of: bytes as mor_sizeof reports them; NULL: collector links +
     * basicsize + itemsize * mor_varobj.size */
    size_t (*size_of)(const mor_obj *self);
    const mor_number_slots *number;
    const mor_container_slots *container;
    const void *buffer; /* buffer export slots (mor/buffer.h), NULL if none */
    /* untrack_ok: may the collector untrack this surviving object now? (true
     * when it refers to nothing that could be tracked; `full` tells whether
     * this is a full collection). NULL: never. */
    bool (*untrack_ok)(const mor_obj *self, bool full);
};

/* Variable-size objects (itemsize != 0) begin with this. */
typedef struct mor_varobj {
    mor_obj head;
    int64_t size;
} mor_varobj;

/* ---------------------------------------------------------------------------
 * Configuration and the runtime handle. */

/* Allocation-failure injection: return true to make the allocation of `size`
 * bytes fail (the funnel then runs the emergency collection and retries once;
 * the retry is asked again, so a callback can let the retry succeed). */
typedef bool (*mor_alloc_fail_fn)(void *ud, size_t size);

/* What mor_rt_free does with objects still alive when it is called. */
typedef enum mor_leak_mode {
    MOR_LEAKS_IGNORE = 0, /* free them silently */
    MOR_LEAKS_REPORT,     /* print each (type, address, refcount) to stderr */
    MOR_LEAKS_ABORT       /* print them, then abort(): for test suites */
} mor_leak_mode;

typedef struct mor_config {
    int64_t small_int_min, small_int_max; /* the shared small-int range, default -5..256 */
    unsigned gc_threshold[3];             /* default 700, 10, 10 */
    unsigned recursion_limit;             /* nesting depth of repr/eq/copy..., default 1000 */
    /* Fail the Nth allocation counted from the moment mor_rt_new returns
     * (1 = the first one), its retry after the emergency collection included,
     * so that MemoryError reaches the caller; 0 = never. */
    uint64_t alloc_fail_nth;
    mor_alloc_fail_fn alloc_fail; /* or ask this callback for every allocation */
    void *alloc_fail_ud;
    mor_leak_mode leaks; /* default: REPORT in builds with debug_level >= 1 */
    /* Seed of the string hash (SipHash-1-3 key). 0: random per runtime. */
    uint64_t hash_seed;
} mor_config;

/* Fill cfg with the defaults. */
MOR_API void mor_config_init(mor_config *cfg);
/* A new runtime, used by the thread that creates it (several runtimes may run
 * in parallel threads). cfg NULL: defaults. NULL if memory is short or the
 * config is invalid: a small-int range that does not contain 0 and 1 or spans
 * 2^24 values or more, recursion_limit 0, a leaks value that is no mode. */
MOR_API mor_rt *mor_rt_new(const mor_config *cfg);
/* Runs a last full collection, reports objects still alive (per cfg.leaks),
 * finalizes and frees every object, then the runtime. rt NULL: nothing. With
 * the default mimalloc allocator it must be called by the thread that made
 * the runtime, before that thread exits (mimalloc's heaps are per thread):
 * from another thread it is a fatal error, named. With the malloc allocator
 * and under mor-boehm any thread may free it. */
MOR_API void mor_rt_free(mor_rt *rt);
/* Number of objects alive in the runtime, the runtime's own immortal
 * singletons excluded: 0 once everything the program made was released.
 * Under mor-boehm: always 0 (objects are not counted one by one). */
MOR_API size_t mor_rt_live_objects(mor_rt *rt);

/* ---------------------------------------------------------------------------
 * Reference counting. mor_incref/mor_decref are inline; in code built against
 * mor-boehm (MOR_BACKEND_BOEHM) they compile to nothing. */

/* Called by mor_decref when the count reaches zero; never call it directly. */
MOR_API void mor_dealloc(mor_rt *rt, mor_obj *o);
/* Called by mor_decref for an immortal object or a count already at zero (a
 * use after free or an over-release: calls mor_fatal). */
MOR_API void mor_decref_special(mor_rt *rt, mor_obj *o);

static inline void mor_incref(mor_obj *o)
{
#ifndef MOR_BACKEND_BOEHM
    uint32_t n = o->refcnt + 1u;
    if (n != 0) /* 0: it was immortal */
        o->refcnt = n;
#else
    (void)o;
#endif
}

static inline void mor_decref(mor_rt *rt, mor_obj *o)
{
#ifndef MOR_BACKEND_BOEHM
    uint32_t n = o->refcnt;
    /* one compare catches both rare cases: n == 0 and n == IMMORTAL */
    if (MOR_UNLIKELY(n - 1u >= MOR_REFCNT_IMMORTAL - 1u)) {
        mor_decref_special(rt, o);
        return;
    }
    o->refcnt = --n;
    if (n == 0)
        mor_dealloc(rt, o);
#else
    (void)rt;
    (void)o;
#endif
}

static inline void mor_xdecref(mor_rt *rt, mor_obj *o)
{
    if (o != NULL)
        mor_decref(rt, o);
}

/* Helpers for the common "replace a reference" pattern. */
static inline mor_obj *mor_newref(mor_obj *o)
{
    mor_incref(o);
    return o;
}

/* The number of references; MOR_REFCNT_IMMORTAL for immortal objects. Under
 * mor-boehm: always 1 (there are no reference counts). */
MOR_API size_t mor_refcount(const mor_obj *o);
MOR_API bool mor_is_immortal(const mor_obj *o);
MOR_API const mor_type *mor_type_of(const mor_obj *o);
MOR_API const char *mor_type_name(const mor_obj *o);

/* Embedder types: a new zeroed instance of `type` (collector links included
 * and tracked when the type has MOR_TYPE_GC) with refcount 1; nitems items for
 * variable-size types (stored in mor_varobj.size). NULL + MemoryError (also
 * for an nitems too large to allocate). A type with a finalize slot or
 * MOR_TYPE_WEAKREF must have MOR_TYPE_GC (such objects can be parked while
 * memory is short); TypeError naming the type otherwise, and for a type with
 * no dealloc, MOR_TYPE_GC without traverse, or a basicsize below the header. */
MOR_API mor_obj *mor_object_new(mor_rt *rt, const mor_type *type, size_t nitems);
/* Free the block of an object made by mor_object_new (from its dealloc slot). */
MOR_API void mor_object_free(mor_rt *rt, mor_obj *o);
/* The raw allocation funnel for buffers an embedder object owns; counted in the
 * statistics and traces like the runtime's own. NULL + MemoryError (at once,
 * with no emergency collection, for sizes past PTRDIFF_MAX); a failed
 * realloc leaves p as it was. */
MOR_API void *mor_mem_alloc(mor_rt *rt, size_t n);
MOR_API void *mor_mem_realloc(mor_rt *rt, void *p, size_t old_n, size_t new_n);
MOR_API void mor_mem_free(mor_rt *rt, void *p, size_t n);

/* ---------------------------------------------------------------------------
 * Exceptions */

/* Raise a new exception of `kind` with a printf-style message; a kind that is
 * not one (MOR_EXC_NONE included) raises ValueError "invalid exception kind". */
MOR_API void mor_raise(mor_rt *rt, mor_exc kind, const char *fmt, ...) MOR_PRINTF(3, 4);
MOR_API void mor_raisev(mor_rt *rt, mor_exc kind, const char *fmt, va_list ap) MOR_PRINTF(3, 0);
/* Raise StopIteration carrying `value` (borrowed; NULL means None). */
MOR_API void mor_raise_stop(mor_rt *rt, mor_obj *value);
/* Raise an existing exception object (borrowed); anything else (NULL
 * included) raises TypeError "exceptions must be exception objects". */
MOR_API void mor_raise_obj(mor_rt *rt, mor_obj *exc);
/* MOR_EXC_NONE when nothing is pending. */
MOR_API mor_exc mor_err_kind(mor_rt *rt);
/* The pending exception's message ("" if none); valid until it is cleared. */
MOR_API const char *mor_err_message(mor_rt *rt);
/* The pending exception object (a new reference); clears it. NULL if none. */
MOR_API mor_obj *mor_err_fetch(mor_rt *rt);
MOR_API void mor_err_clear(mor_rt *rt);

/* Exception objects. mor_exc_new: a new exception, or NULL + MemoryError, or
 * NULL + ValueError for a bad kind (as mor_raise); mor_exc_value: TypeError if
 * exc is not an exception. */
MOR_API mor_obj *mor_exc_new(mor_rt *rt, mor_exc kind, const char *fmt, ...) MOR_PRINTF(3, 4);
MOR_API mor_exc mor_exc_kind(const mor_obj *exc);       /* MOR_EXC_NONE if not an exception */
MOR_API const char *mor_exc_message(const mor_obj *exc); /* "" if not an exception */
MOR_API mor_obj *mor_exc_value(mor_rt *rt, mor_obj *exc); /* StopIteration's value, or None */
MOR_API const char *mor_exc_name(mor_exc kind); /* "TypeError", ...; "UnknownError" if bad */

/* Errors with no caller to return to (finalizers, weakref callbacks, gc
 * callbacks) go to the unraisable hook. The default prints
 * "Exception ignored in <where>: TypeError: message" to stderr. */
typedef void (*mor_unraisable_fn)(mor_rt *rt, mor_obj *exc, const char *where, void *ud);
/* fn NULL: the default hook again. */
MOR_API void mor_set_unraisable_hook(mor_rt *rt, mor_unraisable_fn fn, void *ud);
/* Hand the pending exception (if any) to the unraisable hook and clear it;
 * where NULL: "mor". */
MOR_API void mor_err_write_unraisable(mor_rt *rt, const char *where);

/* Detected corruption: prints the message and the object, then aborts. */
MOR_API MOR_NORETURN void mor_fatal(const mor_obj *o, const char *fmt, ...) MOR_PRINTF(2, 3);

/* ---------------------------------------------------------------------------
 * The generic protocol: dispatch through the type slots. Each raises TypeError
 * naming the type when the object does not support the operation. */
MOR_API mor_obj *mor_repr(mor_rt *rt, mor_obj *o);
/* 1 equal, 0 not, -1 error. Identity implies equality (as in containers). */
MOR_API int mor_eq(mor_rt *rt, mor_obj *a, mor_obj *b);
MOR_API int mor_hash(mor_rt *rt, mor_obj *o, int64_t *out);
MOR_API int64_t mor_len(mor_rt *rt, mor_obj *o);
MOR_API int mor_is_true(mor_rt *rt, mor_obj *o);
MOR_API mor_obj *mor_getitem(mor_rt *rt, mor_obj *o, mor_obj *key);
MOR_API int mor_setitem(mor_rt *rt, mor_obj *o, mor_obj *key, mor_obj *v);
MOR_API int mor_delitem(mor_rt *rt, mor_obj *o, mor_obj *key);
MOR_API int mor_contains(mor_rt *rt, mor_obj *c, mor_obj *x);
/* Python slice rules; MOR_SLICE_NONE for an omitted start or stop. Copies for
 * list, tuple, str and bytes. step 0 raises ValueError. */
#define MOR_SLICE_NONE INT64_MIN
MOR_API mor_obj *mor_slice(mor_rt *rt, mor_obj *o, int64_t start, int64_t stop, int64_t step);
MOR_API mor_obj *mor_getattr(mor_rt *rt, mor_obj *o, const char *name);
MOR_API int mor_setattr(mor_rt *rt, mor_obj *o, const char *name, mor_obj *v);
MOR_API int mor_delattr(mor_rt *rt, mor_obj *o, const char *name);
MOR_API mor_obj *mor_call(mor_rt *rt, mor_obj *callable, size_t nargs, mor_obj *const *args);
/* The NotImplemented singleton, for number slots. */
MOR_API mor_obj *mor_not_implemented(mor_rt *rt);

#ifdef __cplusplus
}
#endif
#endif /* MOR_CORE_H */
