/* mor/iter.h: iteration, stackless generators and the lazy iterator tools. */
#ifndef MOR_ITER_H
#define MOR_ITER_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An iterator over any iterable (TypeError "'int' object is not iterable"). */
MOR_API mor_obj *mor_iter(mor_rt *rt, mor_obj *iterable);
/* The next item (a new reference); NULL with no exception pending when the
 * iterator is exhausted, NULL with an exception on error (TypeError "'list'
 * object is not an iterator"). */
MOR_API mor_obj *mor_next(mor_rt *rt, mor_obj *it);

/* ---- stackless generators --------------------------------------------------------
 * A generator is an object holding a C step function, a resume point,
 * `nlocals` object slots traced by the collector and `cbytes` of zeroed C
 * state that is not traced. The step function is a protothread: a switch on
 * the resume point, written with the macros below. A C local variable does
 * NOT survive a yield: whatever must, lives in the locals or the C state.
 *
 *     typedef struct { int64_t i, n; } count_state;
 *
 *     // yields 0, 1, ..., n-1, then returns "done"
 *     static mor_obj *count_step(mor_rt *rt, mor_gen *g, mor_obj *sent)
 *     {
 *         count_state *s = mor_gen_cstate(g);       // re-fetched at every resume
 *         MOR_GEN_BEGIN(g);
 *         for (s->i = 0; s->i < s->n; s->i++)
 *             MOR_GEN_YIELD(g, mor_int(rt, s->i));  // s->i survives: it is C state
 *         MOR_GEN_RETURN(g, mor_str(rt, "done"));
 *         MOR_GEN_FINALLY(g);                       // optional cleanup section
 *         // release what the C state holds (it may still be zeroed)
 *         MOR_GEN_END(g);
 *     }
 *
 *     mor_obj *gen = mor_gen_new(rt, "count", count_step, 0, sizeof(count_state));
 *     ((count_state *)mor_gen_cstate((mor_gen *)gen))->n = 10;
 *
 * Rules:
 * - The step function's parameters must be named `rt`, `g` and `sent`: the
 *   macros use them. `sent` is the value of mor_gen_send (borrowed), NULL when
 *   resumed by mor_next.
 * - MOR_GEN_YIELD(g, v) and MOR_GEN_RETURN(g, v) take over the reference v;
 *   if v is NULL (the expression failed) the error propagates. Several yields
 *   may sit on one source line.
 * - The cleanup section (after MOR_GEN_FINALLY, before MOR_GEN_END) runs
 *   exactly once when the generator ends: after a return, when an exception
 *   propagates out of it, when it is closed, and when it is finalized, even
 *   if it never started (so that C state its creator set up is released).
 *   While it runs no exception is pending (the one being propagated is held
 *   aside and raised again at MOR_GEN_END).
 * - To propagate an error raised by code in the body, use MOR_GEN_FAIL(g)
 *   (it runs the cleanup); a bare `return NULL` skips it.
 * - An exception thrown in (mor_gen_throw, GeneratorExit from mor_gen_close)
 *   propagates from MOR_GEN_YIELD. MOR_GEN_YIELD_CATCH(g, v) instead resumes
 *   the body with it still pending: the body reads mor_gen_thrown(g), then
 *   either takes it (mor_gen_catch) and goes on, or MOR_GEN_FAIL(g).
 * - MOR_GEN_YIELD_FROM(g, iterable) delegates: next, send, throw and close go
 *   to the inner iterator until it ends; its return value is then
 *   mor_gen_result(g). */
typedef struct mor_gen mor_gen;
typedef mor_obj *(*mor_gen_fn)(mor_rt *rt, mor_gen *g, mor_obj *sent);

typedef enum mor_gen_state {
    MOR_GEN_CREATED,
    MOR_GEN_RUNNING,
    MOR_GEN_SUSPENDED,
    MOR_GEN_CLOSED
} mor_gen_state;

/* The generator object. Its layout is public only so that the macros can be
 * inline; treat every field as private. */
struct mor_gen {
    mor_obj head;
    mor_rt *rt;
    mor_gen_fn fn;
    mor_obj *name;      /* str */
    mor_obj *yieldfrom; /* the iterator delegated to, or NULL */
    mor_obj *value;     /* return value, yield-from result, or the exception held aside */
    int32_t resume;     /* 0: start; > 0: after a yield; MOR_GEN_UNWIND_: cleanup */
    uint8_t state;      /* mor_gen_state */
    uint8_t flags;
    uint16_t nlocals;
    uint32_t cbytes;
    uint32_t reserved;
    mor_obj *locals[];  /* then the C state, 8-byte aligned */
};

#define MOR_GEN_UNWIND_ (-1)

/* A new generator (state CREATED) with nlocals NULL object slots and cbytes
 * zeroed bytes of C state. Its finalizer closes it. TypeError if name or fn
 * is NULL; OverflowError past 65535 locals or 2^31 bytes of state. */
MOR_API mor_obj *mor_gen_new(mor_rt *rt, const char *name, mor_gen_fn fn, size_t nlocals,
                             size_t cbytes);
MOR_API mor_obj **mor_gen_locals(mor_gen *g); /* nlocals traced slots (owned references) */
MOR_API void *mor_gen_cstate(mor_gen *g);     /* cbytes of zeroed, untraced C state */
MOR_API mor_gen_state mor_gen_get_state(const mor_obj *g); /* CLOSED for a non-generator */
MOR_API bool mor_is_gen(const mor_obj *o);
/* send, throw and close raise TypeError when g is not a generator.
 * Resume with a value (NULL or None: like mor_next). Returns the next yielded
 * value; when the generator returns, NULL with StopIteration carrying the
 * return value. Sending a non-None value to a CREATED generator is a
 * TypeError; re-entering a RUNNING one a ValueError "generator already
 * executing". */
MOR_API mor_obj *mor_gen_send(mor_rt *rt, mor_obj *g, mor_obj *v);
/* Raise exc (an exception object, borrowed) at the suspension point: the next
 * yielded value if the body handles it, else NULL with the exception (or
 * StopIteration when the body returns). On a CREATED generator the exception
 * is raised without running the body, which is then CLOSED. */
MOR_API mor_obj *mor_gen_throw(mor_rt *rt, mor_obj *g, mor_obj *exc);
/* Raise GeneratorExit at the suspension point and run the cleanup. 0 on
 * success (also for CREATED and CLOSED generators); -1 with RuntimeError
 * "generator ignored GeneratorExit" if the body yields again, or with the
 * exception the body raised. */
MOR_API int mor_gen_close(mor_rt *rt, mor_obj *g);
/* For the body: the kind of the exception thrown in at the last resume of a
 * MOR_GEN_YIELD_CATCH (MOR_EXC_NONE if resumed normally); mor_gen_catch takes
 * it (a new reference, cleared from the runtime) to handle it. */
MOR_API mor_exc mor_gen_thrown(mor_gen *g);
MOR_API mor_obj *mor_gen_catch(mor_gen *g);
/* The return value of the iterator a MOR_GEN_YIELD_FROM delegated to
 * (borrowed; None if it had none). */
MOR_API mor_obj *mor_gen_result(mor_gen *g);

/* Internal to the macros. */
MOR_API void mor_gen_set_return_(mor_gen *g, mor_obj *v);
MOR_API int mor_gen_enter_cleanup_(mor_gen *g);
MOR_API mor_obj *mor_gen_finish_(mor_gen *g);
MOR_API int mor_gen_delegate_(mor_gen *g, mor_obj *iterable);

#if defined(__GNUC__)
#define MOR_GEN_FALLTHROUGH_ __attribute__((fallthrough))
#else
#define MOR_GEN_FALLTHROUGH_ ((void)0)
#endif

#define MOR_GEN_FLAG_THROWN_ 1u   /* an exception was thrown in at this resume */
#define MOR_GEN_FLAG_DELEGATE_ 2u /* the step returned to start a delegation */

#define MOR_GEN_BEGIN(g)                                                                       \
    (void)sent;                                                                                \
    if (0)                                                                                     \
        goto mor_gen_dispatch_;                                                                \
    mor_gen_dispatch_:                                                                         \
    switch ((g)->resume) {                                                                     \
    default:                                                                                   \
        goto mor_gen_end_;                                                                     \
    case 0:

/* Jump to the cleanup section (or the end), an exception being pending. */
#define MOR_GEN_FAIL(g)                                                                        \
    do {                                                                                       \
        (g)->resume = MOR_GEN_UNWIND_;                                                         \
        goto mor_gen_dispatch_;                                                                \
    } while (0)

#define MORI_GEN_YIELD_AT_(g, v, n, catching)                                                  \
    do {                                                                                       \
        mor_obj *mor_gen_v_ = (v);                                                             \
        if (mor_gen_v_ == NULL)                                                                \
            MOR_GEN_FAIL(g);                                                                   \
        (g)->resume = (n);                                                                     \
        return mor_gen_v_;                                                                     \
    case (n):                                                                                  \
        if (!(catching) && ((g)->flags & MOR_GEN_FLAG_THROWN_))                                \
            MOR_GEN_FAIL(g);                                                                   \
    } while (0)

#define MOR_GEN_YIELD(g, v) MORI_GEN_YIELD_AT_((g), (v), __COUNTER__ + 1, 0)
#define MOR_GEN_YIELD_CATCH(g, v) MORI_GEN_YIELD_AT_((g), (v), __COUNTER__ + 1, 1)

#define MORI_GEN_YIELD_FROM_AT_(g, it, n)                                                      \
    do {                                                                                       \
        if (mor_gen_delegate_((g), (it)) < 0)                                                  \
            MOR_GEN_FAIL(g);                                                                   \
        (g)->resume = (n);                                                                     \
        return NULL;                                                                           \
    case (n):                                                                                  \
        if ((g)->flags & MOR_GEN_FLAG_THROWN_)                                                 \
            MOR_GEN_FAIL(g);                                                                   \
    } while (0)

#define MOR_GEN_YIELD_FROM(g, it) MORI_GEN_YIELD_FROM_AT_((g), (it), __COUNTER__ + 1)

/* Store the return value, then to the cleanup section (or the end). */
#define MOR_GEN_RETURN(g, v)                                                                   \
    do {                                                                                       \
        mor_obj *mor_gen_r_ = (v);                                                             \
        if (mor_gen_r_ == NULL)                                                                \
            MOR_GEN_FAIL(g);                                                                   \
        mor_gen_set_return_((g), mor_gen_r_);                                                  \
        MOR_GEN_FAIL(g);                                                                       \
    } while (0)

/* The body falls into the cleanup section when it ends; an unwinding jumps
 * here; a cleanup that is re-entered (an exception thrown into a yield inside
 * it) goes straight to the end. */
#define MOR_GEN_FINALLY(g)                                                                     \
    MOR_GEN_FALLTHROUGH_;                                                                      \
    case MOR_GEN_UNWIND_:                                                                      \
        if (mor_gen_enter_cleanup_(g))                                                         \
            goto mor_gen_end_

#define MOR_GEN_END(g)                                                                         \
    }                                                                                          \
    mor_gen_end_:                                                                              \
    return mor_gen_finish_(g)

/* ---- the lazy tools: each an iterator of constant size ----------------------------
 * A non-iterable argument, or a non-callable fn or pred, raises TypeError when
 * the tool is made (chain's iterables excepted: as itertools.chain, each is
 * asked for its iterator when reached); an array NULL with n > 0 too. */
/* range(start, stop, step): lazy, with O(1) len, contains and index.
 * ValueError for step 0, OverflowError for more than INT64_MAX values. */
MOR_API mor_obj *mor_range(mor_rt *rt, int64_t start, int64_t stop, int64_t step);
MOR_API mor_obj *mor_map(mor_rt *rt, mor_obj *fn, mor_obj *it);
MOR_API mor_obj *mor_filter(mor_rt *rt, mor_obj *pred, mor_obj *it); /* pred NULL: truthiness */
MOR_API mor_obj *mor_filterfalse(mor_rt *rt, mor_obj *pred, mor_obj *it);
/* itertools.islice; stop -1: none. ValueError for start < 0, stop < -1 or
 * step < 1. */
MOR_API mor_obj *mor_islice(mor_rt *rt, mor_obj *it, int64_t start, int64_t stop, int64_t step);
MOR_API mor_obj *mor_chain(mor_rt *rt, size_t n, mor_obj *const *iterables);
/* enumerate's count goes on past INT64_MAX (as an int of any size). */
MOR_API mor_obj *mor_enumerate(mor_rt *rt, mor_obj *it, int64_t start);
MOR_API mor_obj *mor_zip(mor_rt *rt, size_t n, mor_obj *const *its);
/* Consumers. mor_sum is exact (ints stay ints of any size); start NULL: 0. */
MOR_API mor_obj *mor_sum(mor_rt *rt, mor_obj *it, mor_obj *start);
MOR_API mor_obj *mor_min(mor_rt *rt, mor_obj *it); /* ValueError on an empty iterable */
MOR_API mor_obj *mor_max(mor_rt *rt, mor_obj *it);
MOR_API int mor_any(mor_rt *rt, mor_obj *it);
MOR_API int mor_all(mor_rt *rt, mor_obj *it);
/* A generator yielding the lines of a text file (each with its "\n") through a
 * bounded buffer: memory does not grow with the file. The file is opened now
 * (OSError naming the path if it cannot be, or is a directory; TypeError for
 * NULL; ValueError for a path that is not UTF-8) and closed when the generator is
 * exhausted, closed or collected. */
MOR_API mor_obj *mor_file_lines(mor_rt *rt, const char *path);

#ifdef __cplusplus
}
#endif
#endif
